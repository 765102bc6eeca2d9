#include "common/calendar/bank_holidays.h"

#include <algorithm>
#include <tuple>
#include <utility>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "common/calendar/bank_holidays_data.h"
#include "common/status/reason.h"
#include "nlohmann/json.hpp"

namespace parley::calendar {
namespace {

absl::Status Bad(absl::string_view message) { return InvalidArgument(reason::kInvalidBankHolidays, message); }

bool IsWeekend(absl::CivilDay d) {
  const absl::Weekday w = absl::GetWeekday(d);
  return w == absl::Weekday::saturday || w == absl::Weekday::sunday;
}

// The first `weekday` on or after `d`.
absl::CivilDay OnOrAfter(absl::CivilDay d, absl::Weekday weekday) {
  while (absl::GetWeekday(d) != weekday) ++d;
  return d;
}

// The last Monday of a month.
absl::CivilDay LastMonday(int year, int month) {
  absl::CivilDay d = absl::CivilDay(absl::CivilMonth(year, month) + 1) - 1;
  while (absl::GetWeekday(d) != absl::Weekday::monday) --d;
  return d;
}

bool SortByDateThenLabel(const DateRange& a, const DateRange& b) {
  return std::tie(a.first, a.label) < std::tie(b.first, b.label);
}

// The divisions whose usual rules Parley knows, for the years after their published lists.
// A bound on the years computed, whatever a caller asks (ValidateSpec refuses calendars longer
// than 50 years anyway).
constexpr int kMaxYearsByRule = 100;

using RuleFn = std::vector<DateRange> (*)(int year);
RuleFn RulesFor(absl::string_view division) {
  if (division == "england-and-wales") return &EnglandAndWalesBankHolidaysByRule;
  return nullptr;
}

}  // namespace

absl::CivilDay EasterSunday(int year) {
  // The anonymous Gregorian algorithm (Meeus/Jones/Butcher): the first Sunday after the
  // ecclesiastical full moon on or after 21 March.
  const int a = year % 19;
  const int b = year / 100;
  const int c = year % 100;
  const int d = b / 4;
  const int e = b % 4;
  const int f = (b + 8) / 25;
  const int g = (b - f + 1) / 3;
  const int h = (19 * a + b - d - g + 15) % 30;
  const int i = c / 4;
  const int k = c % 4;
  const int l = (32 + 2 * e + 2 * i - h - k) % 7;
  const int m = (a + 11 * h + 22 * l) / 451;
  const int month = (h + l - 7 * m + 114) / 31;
  const int day = (h + l - 7 * m + 114) % 31 + 1;
  return absl::CivilDay(year, month, day);
}

std::vector<DateRange> EnglandAndWalesBankHolidaysByRule(int year) {
  const absl::CivilDay easter = EasterSunday(year);
  std::vector<DateRange> out = {
      {easter - 2, easter - 2, "Good Friday"},
      {easter + 1, easter + 1, "Easter Monday"},
      {OnOrAfter(absl::CivilDay(year, 5, 1), absl::Weekday::monday), {}, "Early May bank holiday"},
      {LastMonday(year, 5), {}, "Spring bank holiday"},
      {LastMonday(year, 8), {}, "Summer bank holiday"},
  };
  // The fixed-date holidays: those on a weekday stay; then, in date order, each one on a weekend
  // takes the next weekday no other holiday has (so Boxing Day on a Monday keeps the 26th and
  // Christmas Day on the Sunday before moves to the 27th).
  const std::pair<absl::CivilDay, const char*> fixed[] = {
      {absl::CivilDay(year, 1, 1), "New Year's Day"},
      {absl::CivilDay(year, 12, 25), "Christmas Day"},
      {absl::CivilDay(year, 12, 26), "Boxing Day"},
  };
  for (const auto& [day, title] : fixed) {
    if (!IsWeekend(day)) out.push_back({day, day, title});
  }
  for (const auto& [day, title] : fixed) {
    if (!IsWeekend(day)) continue;
    absl::CivilDay sub = day;
    auto taken = [&](absl::CivilDay d) {
      return std::any_of(out.begin(), out.end(), [&](const DateRange& r) { return r.first == d; });
    };
    while (IsWeekend(sub) || taken(sub)) ++sub;
    out.push_back({sub, sub, absl::StrCat(title, " (substitute day)")});
  }
  for (DateRange& r : out) r.last = r.first;
  std::sort(out.begin(), out.end(), SortByDateThenLabel);
  return out;
}

absl::StatusOr<std::vector<DateRange>> ParseBankHolidays(absl::string_view json) {
  // No exceptions cross the library boundary: parse without them and check every type by hand.
  const nlohmann::json doc = nlohmann::json::parse(json.begin(), json.end(), nullptr,
                                                   /*allow_exceptions=*/false);
  if (doc.is_discarded()) return Bad("bank holiday list is not valid JSON");
  if (!doc.is_object() || !doc.contains("events") || !doc["events"].is_array()) {
    return Bad("bank holiday list must be an object with an \"events\" array");
  }
  std::vector<DateRange> out;
  const nlohmann::json& events = doc["events"];
  for (size_t i = 0; i < events.size(); ++i) {
    const nlohmann::json& e = events[i];
    if (!e.is_object() || !e.contains("date") || !e["date"].is_string() || !e.contains("title") ||
        !e["title"].is_string()) {
      return Bad(absl::StrCat("event ", i, " needs string fields \"date\" and \"title\""));
    }
    const std::string& date = e["date"].get_ref<const std::string&>();
    absl::CivilDay day;
    // ParseCivilTime alone would accept "2025-02-30" by normalising it; insist on a round trip.
    if (!absl::ParseCivilTime(date, &day) || absl::FormatCivilTime(day) != date) {
      return Bad(absl::StrCat("event ", i, " has date \"", date, "\": expected YYYY-MM-DD"));
    }
    out.push_back(DateRange{day, day, e["title"].get<std::string>()});
  }
  std::sort(out.begin(), out.end(), SortByDateThenLabel);
  return out;
}

std::vector<std::string> KnownBankHolidayDivisions() {
  std::vector<std::string> names;
  for (size_t i = 0; i < internal::kEmbeddedBankHolidaysCount; ++i) {
    names.emplace_back(internal::kEmbeddedBankHolidays[i].division);
  }
  std::sort(names.begin(), names.end());
  return names;
}

absl::StatusOr<std::vector<DateRange>> BankHolidays(absl::string_view division) {
  for (size_t i = 0; i < internal::kEmbeddedBankHolidaysCount; ++i) {
    if (division == internal::kEmbeddedBankHolidays[i].division) {
      return ParseBankHolidays(internal::kEmbeddedBankHolidays[i].json);
    }
  }
  return InvalidArgument(reason::kUnknownBankHolidayDivision,
                         absl::StrCat("unknown bank holiday division \"", division, "\": known divisions are ",
                                      absl::StrJoin(KnownBankHolidayDivisions(), ", ")));
}

absl::StatusOr<std::vector<DateRange>> BankHolidaysThrough(absl::string_view division, int last_year) {
  absl::StatusOr<std::vector<DateRange>> list = BankHolidays(division);
  if (!list.ok()) return list.status();
  const RuleFn rules = RulesFor(division);
  if (rules == nullptr) return list;
  // The list covers every year up to its last date's; an empty list covers none, and then the
  // rules start nowhere in particular: they are not used (nothing says from when they hold).
  if (list->empty()) return list;
  const int first_year = static_cast<int>(list->back().first.year()) + 1;
  const int until = std::min(last_year, first_year + kMaxYearsByRule - 1);
  for (int year = first_year; year <= until; ++year) {
    std::vector<DateRange> computed = rules(year);
    list->insert(list->end(), computed.begin(), computed.end());
  }
  return list;
}

}  // namespace parley::calendar
