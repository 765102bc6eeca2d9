// EffectiveCalendarSpec: a school calendar plus its division's bank holidays, published or by rule.

#include <algorithm>
#include <string>
#include <vector>

#include "common/calendar/bank_holidays.h"
#include "common/calendar/calendar.h"
#include "common/directory/snapshot.h"
#include "gtest/gtest.h"

namespace parley::directory {
namespace {

SchoolCalendar TermsFrom(int year) {
  SchoolCalendar cal;
  cal.core_hours = {8 * 60 + 45, 15 * 60 + 30};
  cal.bank_holiday_division = "england-and-wales";
  cal.terms = {{absl::CivilDay(year, 9, 1), absl::CivilDay(year, 12, 18), "Autumn"},
               {absl::CivilDay(year + 1, 1, 4), absl::CivilDay(year + 1, 3, 23), "Spring"},
               {absl::CivilDay(year + 1, 4, 16), absl::CivilDay(year + 1, 7, 18), "Summer"}};
  return cal;
}

std::vector<absl::CivilDay> ClosedDays(const calendar::CalendarSpec& spec, const std::string& label) {
  std::vector<absl::CivilDay> days;
  for (const calendar::DateRange& r : spec.closures) {
    if (r.label == label) days.push_back(r.first);
  }
  return days;
}

TEST(EffectiveCalendarSpec, InsideThePublishedListItIsTheList) {
  absl::StatusOr<calendar::CalendarSpec> spec = EffectiveCalendarSpec(TermsFrom(2025));
  ASSERT_TRUE(spec.ok()) << spec.status();
  // Exactly the published list (2025-2027), so fingerprints of such calendars do not change.
  EXPECT_EQ(spec->closures.size(), calendar::BankHolidays("england-and-wales")->size());
}

TEST(EffectiveCalendarSpec, PastThePublishedListTheRulesCloseTheSchool) {
  // School year 2028-29: after the published list (2025-2027).
  absl::StatusOr<calendar::CalendarSpec> spec = EffectiveCalendarSpec(TermsFrom(2028));
  ASSERT_TRUE(spec.ok()) << spec.status();
  EXPECT_EQ(ClosedDays(*spec, "Early May bank holiday").back(), absl::CivilDay(2029, 5, 7));
  EXPECT_EQ(ClosedDays(*spec, "Easter Monday").back(), absl::CivilDay(2029, 4, 2));
  // Nothing is computed past the year the last term ends.
  EXPECT_EQ(ClosedDays(*spec, "Boxing Day").back(), absl::CivilDay(2029, 12, 26));
  EXPECT_TRUE(
      std::is_sorted(spec->closures.begin(), spec->closures.end(),
                     [](const calendar::DateRange& a, const calendar::DateRange& b) { return a.first < b.first; }));
  auto cal = calendar::Calendar::Build(*spec);
  ASSERT_TRUE(cal.ok()) << cal.status();
  std::string why;
  EXPECT_FALSE((*cal)->PeriodOn(absl::CivilDay(2029, 5, 7), &why));
  EXPECT_EQ(why, "Early May bank holiday");
  EXPECT_TRUE((*cal)->PeriodOn(absl::CivilDay(2029, 5, 8)));
}

TEST(EffectiveCalendarSpec, NoDivisionNoBankHolidays) {
  SchoolCalendar cal = TermsFrom(2028);
  cal.bank_holiday_division.clear();
  absl::StatusOr<calendar::CalendarSpec> spec = EffectiveCalendarSpec(cal);
  ASSERT_TRUE(spec.ok()) << spec.status();
  EXPECT_TRUE(spec->closures.empty());
}

}  // namespace
}  // namespace parley::directory
