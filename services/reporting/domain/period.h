// Periods as trust leaders name them, resolved in each school's own calendar and time zone:
//
//   "2025-autumn"    the school's term starting in autumn 2025 (Aug-Oct); "spring" Dec-Feb,
//                    "summer" Mar-Jun. Schools' terms differ by days, so each school gets its own.
//   "2025-autumn-1"  the term's first half: its first day to the day before its half-term closure;
//   "2025-autumn-2"  the second half: the day after the half-term to the term's last day.
//   "2026-03"        a calendar month;   "2026-W10"  an ISO week (Monday to Sunday);
//   "2026-01-05..2026-02-13"  a range of days, both included, at most 400 days.
#pragma once

#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/time/civil_time.h"
#include "services/reporting/domain/model.h"

namespace parley::reporting {

struct PeriodSpec {
  enum class Kind { kTerm, kHalfTerm, kMonth, kWeek, kRange };
  Kind kind = Kind::kRange;
  std::string name;
  int year = 0;
  std::string season;  // "autumn", "spring", "summer"
  int half = 0;        // 1 or 2
  absl::CivilDay first;
  absl::CivilDay last;  // month, week and range: known without a calendar
};

// INVALID_ARGUMENT (INVALID_PERIOD) for any other shape.
absl::StatusOr<PeriodSpec> ParsePeriod(const std::string& name);

// The period at one school. FAILED_PRECONDITION (PERIOD_NOT_IN_CALENDAR) naming the school when its
// calendar has no such term, or no half-term inside it.
absl::StatusOr<Period> ResolvePeriod(const PeriodSpec& spec, const SchoolInfo& school);

// The Mondays of the weeks the period touches, each week cut at the period's edges: [first, last].
struct WeekSpan {
  absl::CivilDay monday;
  absl::CivilDay first;
  absl::CivilDay last;
};
std::vector<WeekSpan> WeeksOf(const Period& period);

// Midnight starting `day` in `time_zone` (IANA; an unknown zone reads as Europe/London).
absl::Time StartOfDay(absl::CivilDay day, const std::string& time_zone);

}  // namespace parley::reporting
