// The policy clock (docs/architecture.md#the-policy-clock): school calendars, staff owner calendars and the deadline
// arithmetic every service uses to say when a promise to a parent falls due.
//
// A CalendarSpec is plain data (what contacts stores and edits). Calendar::Build validates it and
// precompiles every working period of the calendar's span into sorted arrays of UTC instants with
// prefix sums of working time, so that ComputeDeadline is a binary search plus O(1) arithmetic:
// services recompute deadlines for every open enquiry whenever a calendar changes (rule 6), and the
// timer path must not do time-zone work per call. Local times are turned into instants once, in
// Build, with the real tz database; a local time that does not exist or occurs twice takes the
// offset in force before the transition (rule 1).
//
// Explanations (rule 9) are built only when asked for, so the fast path allocates nothing.
#pragma once

#include <array>
#include <memory>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/time/civil_time.h"
#include "absl/time/time.h"
#include "absl/types/span.h"

namespace parley::calendar {

// Minutes since local midnight, open < close; close may be 1440 (24:00).
struct HoursRange {
  int open_minute = 0;
  int close_minute = 0;
};

// Inclusive date range.
struct DateRange {
  absl::CivilDay first;
  absl::CivilDay last;
  std::string label;
};

struct HoursOverride {
  absl::CivilDay day;
  HoursRange hours;
  std::string label;
};

struct CalendarSpec {
  std::string time_zone = "Europe/London";  // IANA name
  std::vector<DateRange> terms;             // label = term name; must not overlap
  // Label shown in explanations ("Autumn half-term"). Closures may overlap each other (a bank
  // holiday inside half-term) and may lie outside terms (imported bank holiday lists); where
  // several cover a date, the longest closure names it, so a half-term reads as one range.
  std::vector<DateRange> closures;
  std::array<bool, 7> school_days = {true, true, true, true, true, false, false};  // 0=Monday
  HoursRange core_hours;
  // Replaces core hours on one date inside a term. An override on a date that is not a working
  // day has no effect (so closing a date never requires deleting its override first).
  std::vector<HoursOverride> overrides;
};

// A part-time member's week; index 0=Monday.
struct WorkingPattern {
  std::array<bool, 7> works = {true, true, true, true, true, true, true};
  // Unset: the school's hours that day (core hours or that date's override). Set: intersected
  // with the school's hours that day; an empty intersection makes the day a non-working day.
  std::array<std::optional<HoursRange>, 7> hours;
};

// INVALID_ARGUMENT (reason INVALID_CALENDAR) with a message naming the offending item: unknown
// time zone, term/closure ending before it starts, overlapping terms, core or override hours with
// close <= open or outside 00:00-24:00, override date outside every term, duplicate override
// date, no school days, terms spanning more than 50 years.
absl::Status ValidateSpec(const CalendarSpec& spec);
// INVALID_ARGUMENT (reason INVALID_WORKING_PATTERN): no working day, bad hours, or hours given for
// a day the member does not work.
absl::Status ValidatePattern(const WorkingPattern& pattern);

enum class Unit { kWorkingDays, kWorkingHours, kElapsed };

// `working_days` for kWorkingDays; `duration` for kWorkingHours (working-period time) and kElapsed
// (wall-clock time). Negative or infinite budgets are INVALID_ARGUMENT.
struct Budget {
  Unit unit = Unit::kWorkingDays;
  int working_days = 0;
  absl::Duration duration;
};

// A period during which the clock is held ("awaiting the parent"). end unset: still paused.
struct Pause {
  absl::Time start;
  std::optional<absl::Time> end;
};

// One line of an explanation. Dates are school-local; `time` is set where the step is an instant
// (kReceived, kClockStart, kPause, kDue), `first`..`last` where it covers dates.
struct Step {
  enum class Kind { kReceived, kClockStart, kSkipped, kCounted, kPause, kDue };
  Kind kind;
  absl::Time time = absl::InfinitePast();
  absl::CivilDay first, last;
  std::string reason;
};

struct Deadline {
  absl::Time received;
  absl::Time clock_start;
  std::optional<absl::Time> due;  // nullopt while an open pause (no end) holds the clock
  // Chronological: kReceived, kClockStart, the kSkipped dates before day 0, kSkipped/kCounted
  // ranges from day 0 to the unpaused due date, one kPause per merged pause, kDue (absent while
  // the clock is held). Empty when explain=false.
  std::vector<Step> steps;
  Unit unit = Unit::kWorkingDays;  // the budget's unit, for Summarize
  absl::Duration working_time;     // kWorkingHours: the budget, so Summarize can say how much counts
};

class CalendarAccess;  // deadline.cc's view of the precompiled arrays

// Immutable once built, so one instance is shared by every thread and request.
class Calendar {
 public:
  // Validates, then precompiles for fast arithmetic. `owner` (optional) intersects the school
  // calendar with a working pattern (docs/architecture.md#calendars-and-working-periods).
  static absl::StatusOr<std::shared_ptr<const Calendar>> Build(const CalendarSpec& spec,
                                                               const WorkingPattern* owner = nullptr);

  const absl::TimeZone& zone() const { return zone_; }
  const CalendarSpec& spec() const { return spec_; }
  // The owner's pattern, or nullptr for the school calendar.
  const WorkingPattern* owner() const { return owner_ ? &*owner_ : nullptr; }

  // First 16 hex chars of the SHA-256 of a canonical serialization of spec + pattern. Stable
  // across processes, builds and tzdata updates; insensitive to the order of terms, closures and
  // overrides; any other change (a date, an hour, a label, the zone, the pattern) changes it.
  std::string Fingerprint() const { return fingerprint_; }

  // The working period on a date, in UTC, or nullopt when not a working day; `why_not` gets why
  // not ("weekend", "Autumn half-term", "school holiday (outside term)", "not a working day for
  // this member of staff").
  std::optional<std::pair<absl::Time, absl::Time>> PeriodOn(absl::CivilDay day, std::string* why_not = nullptr) const;

  // The working period containing `t` (periods are [open, close)) or else the next one;
  // FAILED_PRECONDITION / CALENDAR_EXHAUSTED when there is none. For "send only inside working
  // periods" (rule 7).
  absl::StatusOr<std::pair<absl::Time, absl::Time>> PeriodAtOrAfter(absl::Time t) const;
  // The same over the working periods minus `excluded` local hours each day (a school's teaching
  // hours: when a teacher is in class), so a working day yields up to two pieces, before and
  // after. A day whose working period lies inside `excluded` yields none.
  absl::StatusOr<std::pair<absl::Time, absl::Time>> PeriodAtOrAfterOutside(absl::Time t, HoursRange excluded) const;
  // Working-period time in [from, to); zero when to <= from.
  absl::Duration WorkingTimeBetween(absl::Time from, absl::Time to) const;
  // The instant at which `d` of working-period time has elapsed after `from`. A total that ends
  // exactly at a close is that close, not the next opening. d <= 0 returns `from`.
  // FAILED_PRECONDITION / CALENDAR_EXHAUSTED when the calendar runs out first.
  absl::StatusOr<absl::Time> AddWorkingTime(absl::Time from, absl::Duration d) const;

 private:
  friend class CalendarAccess;

  // Per date of the span [first_day_, first_day_ + size).
  struct Day {
    int32_t working_index = -1;  // into the w_* arrays, or -1 when not a working day
    int32_t reason = 0;          // into reasons_, when not a working day
  };

  Calendar() = default;
  absl::Status Compile();
  absl::Status Exhausted(absl::CivilDay from) const;
  // Index of the first working period whose close is after t (== size when none).
  size_t FirstClosingAfter(absl::Time t) const;
  // Working time from the start of the span to t.
  absl::Duration CumulativeAt(absl::Time t) const;

  CalendarSpec spec_;
  std::optional<WorkingPattern> owner_;
  absl::TimeZone zone_;
  std::string fingerprint_;

  absl::CivilDay first_day_;
  std::vector<Day> days_;
  std::vector<std::string> reasons_;
  // Working periods in date order (struct of arrays: the hot binary search touches w_close_ only).
  std::vector<absl::Time> w_open_;
  std::vector<absl::Time> w_close_;
  std::vector<absl::CivilDay> w_day_;
  std::vector<absl::Duration> w_prefix_;  // working time before period i; size() == periods + 1
};

// Computes when a promise made at `received` falls due (docs/architecture.md#the-policy-clock). Pauses are merged; only
// the part after the clock start counts, and a pause counts only if it begins before the deadline as extended by
// earlier pauses (once the deadline has passed there is no clock left to hold). Each counted pause moves the due
// instant on by the working-period time it covers (wall-clock time for kElapsed); an open one that counts leaves `due`
// unset. FAILED_PRECONDITION / CALENDAR_EXHAUSTED when the calendar has no working period to start or finish in (rule
// 8: the message names the date, e.g. "no working period on or after 2026-07-23: enter the next school year's terms";
// callers prefix the school's name). INVALID_ARGUMENT for a bad budget or pause.
absl::StatusOr<Deadline> ComputeDeadline(const Calendar& cal, const Budget& budget, absl::Time received,
                                         absl::Span<const Pause> pauses = {}, bool explain = true);

// One English paragraph, times in school-local time, e.g. "Received Fri 24 Oct 2025 16:10 BST,
// after core hours (closed 15:30). The clock started at the next working period, Mon 3 Nov 2025
// 08:45 GMT; skipped 25–26 Oct (weekend), 27–31 Oct (Autumn half-term), 1–2 Nov (weekend). Day 0
// is Mon 3 Nov; 2 working days counted: Tue 4 Nov, Wed 5 Nov. Due Wed 5 Nov 2025 15:30 GMT."
// Uses d.steps when present; without them it gives receipt, clock start and due only.
std::string Summarize(const Deadline& d, const Calendar& cal);

// "Fri 24 Oct 2025 16:10 BST": an instant in the calendar's zone, as explanations show it.
std::string FormatLocal(absl::Time t, const Calendar& cal);

}  // namespace parley::calendar
