#include "services/reporting/domain/period.h"

#include <regex>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "common/status/reason.h"

namespace parley::reporting {
namespace {

constexpr int kMaxRangeDays = 400;

absl::Status BadPeriod(const std::string& name, absl::string_view why) {
  return InvalidArgument(reason::kInvalidPeriod,
                         absl::StrCat("period \"", name, "\": ", why,
                                      "; expected a term (2025-autumn), a half-term (2025-autumn-1), a month "
                                      "(2026-03), an ISO week (2026-W10) or a range (2026-01-05..2026-02-13)"));
}

bool ParseDay(const std::string& text, absl::CivilDay& out) { return absl::ParseCivilTime(text, &out); }

// The season a term starting in `month` belongs to.
std::string SeasonOfMonth(int month) {
  if (month >= 8 && month <= 10) return "autumn";
  if (month == 12 || month <= 2) return "spring";
  if (month >= 3 && month <= 6) return "summer";
  return "";
}

// Spring terms may start in late December: they belong to the next calendar year.
int SeasonYear(absl::CivilDay first) {
  return first.month() == 12 ? static_cast<int>(first.year()) + 1 : static_cast<int>(first.year());
}

// Monday of the ISO week `week` of `year`: the week holding 4 January is week 1.
absl::CivilDay IsoWeekMonday(int year, int week) {
  const absl::CivilDay jan4(year, 1, 4);
  const int from_monday = (static_cast<int>(absl::GetWeekday(jan4)) - static_cast<int>(absl::Weekday::monday) + 7) % 7;
  return jan4 - from_monday + 7 * (week - 1);
}

int IsoWeeksInYear(int year) { return IsoWeekMonday(year + 1, 1) - IsoWeekMonday(year, 1) == 7 * 53 ? 53 : 52; }

}  // namespace

absl::StatusOr<PeriodSpec> ParsePeriod(const std::string& name) {
  static const std::regex kTerm(R"(^(\d{4})-(autumn|spring|summer)(?:-([12]))?$)");
  static const std::regex kMonth(R"(^(\d{4})-(\d{2})$)");
  static const std::regex kWeek(R"(^(\d{4})-W(\d{2})$)");
  static const std::regex kRange(R"(^(\d{4}-\d{2}-\d{2})\.\.(\d{4}-\d{2}-\d{2})$)");
  std::smatch m;
  PeriodSpec spec;
  spec.name = name;
  if (name.empty()) return BadPeriod(name, "empty");
  if (std::regex_match(name, m, kTerm)) {
    spec.year = std::stoi(m[1].str());
    spec.season = m[2].str();
    spec.half = m[3].matched ? std::stoi(m[3].str()) : 0;
    spec.kind = spec.half ? PeriodSpec::Kind::kHalfTerm : PeriodSpec::Kind::kTerm;
    if (spec.year < 2000 || spec.year > 2099) return BadPeriod(name, "year out of range");
    return spec;
  }
  if (std::regex_match(name, m, kMonth)) {
    const int year = std::stoi(m[1].str()), month = std::stoi(m[2].str());
    if (year < 2000 || year > 2099 || month < 1 || month > 12) return BadPeriod(name, "no such month");
    spec.kind = PeriodSpec::Kind::kMonth;
    spec.year = year;
    spec.first = absl::CivilDay(year, month, 1);
    spec.last = absl::CivilDay(absl::CivilMonth(year, month) + 1) - 1;
    return spec;
  }
  if (std::regex_match(name, m, kWeek)) {
    const int year = std::stoi(m[1].str()), week = std::stoi(m[2].str());
    if (year < 2000 || year > 2099 || week < 1 || week > IsoWeeksInYear(year)) return BadPeriod(name, "no such week");
    spec.kind = PeriodSpec::Kind::kWeek;
    spec.year = year;
    spec.first = IsoWeekMonday(year, week);
    spec.last = spec.first + 6;
    return spec;
  }
  if (std::regex_match(name, m, kRange)) {
    absl::CivilDay first, last;
    if (!ParseDay(m[1].str(), first) || !ParseDay(m[2].str(), last) || absl::FormatCivilTime(first) != m[1].str() ||
        absl::FormatCivilTime(last) != m[2].str()) {
      return BadPeriod(name, "not a real date");
    }
    if (last < first) return BadPeriod(name, "the range ends before it starts");
    if (last - first >= kMaxRangeDays) return BadPeriod(name, "longer than 400 days");
    if (first.year() < 2000 || last.year() > 2099) return BadPeriod(name, "year out of range");
    spec.kind = PeriodSpec::Kind::kRange;
    spec.first = first;
    spec.last = last;
    return spec;
  }
  return BadPeriod(name, "not a period");
}

absl::Time StartOfDay(absl::CivilDay day, const std::string& time_zone) {
  absl::TimeZone tz;
  if (!absl::LoadTimeZone(time_zone, &tz) && !absl::LoadTimeZone("Europe/London", &tz)) tz = absl::UTCTimeZone();
  return absl::FromCivil(absl::CivilSecond(day), tz);
}

absl::StatusOr<Period> ResolvePeriod(const PeriodSpec& spec, const SchoolInfo& school) {
  Period p;
  p.name = spec.name;
  switch (spec.kind) {
    case PeriodSpec::Kind::kMonth:
      p.display_name = absl::FormatTime("%B %Y", absl::FromCivil(spec.first, absl::UTCTimeZone()), absl::UTCTimeZone());
      p.first = spec.first;
      p.last = spec.last;
      break;
    case PeriodSpec::Kind::kWeek:
      p.display_name = absl::StrCat("Week of ", absl::FormatCivilTime(spec.first));
      p.first = spec.first;
      p.last = spec.last;
      break;
    case PeriodSpec::Kind::kRange:
      p.display_name = absl::StrCat(absl::FormatCivilTime(spec.first), " to ", absl::FormatCivilTime(spec.last));
      p.first = spec.first;
      p.last = spec.last;
      break;
    case PeriodSpec::Kind::kTerm:
    case PeriodSpec::Kind::kHalfTerm: {
      const SchoolInfo::Term* term = nullptr;
      for (const SchoolInfo::Term& t : school.terms) {
        if (SeasonOfMonth(t.first.month()) == spec.season && SeasonYear(t.first) == spec.year) {
          term = &t;
          break;
        }
      }
      if (term == nullptr) {
        return FailedPrecondition(
            reason::kPeriodNotInCalendar,
            absl::StrCat("schools/", school.id, " has no ", spec.season, " term in ", spec.year, " in its calendar"));
      }
      p.display_name = term->display_name;
      p.first = term->first;
      p.last = term->last;
      if (spec.kind == PeriodSpec::Kind::kHalfTerm) {
        if (!term->half_term) {
          return FailedPrecondition(
              reason::kPeriodNotInCalendar,
              absl::StrCat("schools/", school.id, "'s ", term->display_name, " has no half-term to split it at"));
        }
        if (spec.half == 1) {
          p.last = term->half_term->first - 1;
          p.display_name = absl::StrCat(term->display_name, ", first half");
        } else {
          p.first = term->half_term->second + 1;
          p.display_name = absl::StrCat(term->display_name, ", second half");
        }
      }
      break;
    }
  }
  p.start_time = StartOfDay(p.first, school.time_zone);
  p.end_time = StartOfDay(p.last + 1, school.time_zone);
  return p;
}

std::vector<WeekSpan> WeeksOf(const Period& period) {
  std::vector<WeekSpan> weeks;
  const int from_monday =
      (static_cast<int>(absl::GetWeekday(period.first)) - static_cast<int>(absl::Weekday::monday) + 7) % 7;
  for (absl::CivilDay monday = period.first - from_monday; monday <= period.last; monday += 7) {
    weeks.push_back({monday, std::max(monday, period.first), std::min(monday + 6, period.last)});
  }
  return weeks;
}

}  // namespace parley::reporting
