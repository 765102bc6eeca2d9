#include "common/calendar/bank_holidays.h"

#include <algorithm>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/time/civil_time.h"

#include "common/status/reason.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace parley::calendar {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;

TEST(BankHolidays, EnglandAndWalesIsCompiledIn) {
  absl::StatusOr<std::vector<DateRange>> list = BankHolidays("england-and-wales");
  ASSERT_TRUE(list.ok()) << list.status();
  ASSERT_EQ(list->size(), 24u);  // 8 a year, 2025-2027
  EXPECT_EQ(list->front().first, absl::CivilDay(2025, 1, 1));
  EXPECT_EQ(list->front().label, "New Year's Day");
  EXPECT_EQ(list->back().first, absl::CivilDay(2027, 12, 28));
  EXPECT_TRUE(std::is_sorted(list->begin(), list->end(),
                             [](const DateRange& a, const DateRange& b) { return a.first < b.first; }));
  for (const DateRange& r : *list) EXPECT_EQ(r.first, r.last) << r.label;
  auto find = [&](absl::CivilDay d) {
    return std::find_if(list->begin(), list->end(), [&](const DateRange& r) { return r.first == d; });
  };
  ASSERT_NE(find(absl::CivilDay(2026, 5, 25)), list->end());
  EXPECT_EQ(find(absl::CivilDay(2026, 5, 25))->label, "Spring bank holiday");
  ASSERT_NE(find(absl::CivilDay(2026, 12, 28)), list->end());
  EXPECT_EQ(find(absl::CivilDay(2026, 12, 28))->label, "Boxing Day (substitute day)");
  EXPECT_THAT(KnownBankHolidayDivisions(), ::testing::Contains("england-and-wales"));
}

TEST(BankHolidays, UnknownDivisionListsTheKnownOnes) {
  absl::StatusOr<std::vector<DateRange>> list = BankHolidays("scotland");
  EXPECT_EQ(list.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(ErrorReason(list.status()), "UNKNOWN_BANK_HOLIDAY_DIVISION");
  EXPECT_THAT(std::string(list.status().message()), HasSubstr("\"scotland\""));
  EXPECT_THAT(std::string(list.status().message()), HasSubstr("england-and-wales"));
}

// "YYYY-MM-DD title" per holiday, in order, for compact comparisons.
std::vector<std::string> Lines(const std::vector<DateRange>& list) {
  std::vector<std::string> out;
  for (const DateRange& r : list) {
    EXPECT_EQ(r.first, r.last) << r.label;
    out.push_back(absl::StrCat(absl::FormatCivilTime(r.first), " ", r.label));
  }
  return out;
}

TEST(EasterSunday, KnownYears) {
  // Published Easter Sundays, including the earliest (22 March) and latest (25 April) possible.
  EXPECT_EQ(EasterSunday(2025), absl::CivilDay(2025, 4, 20));
  EXPECT_EQ(EasterSunday(2026), absl::CivilDay(2026, 4, 5));
  EXPECT_EQ(EasterSunday(2027), absl::CivilDay(2027, 3, 28));
  EXPECT_EQ(EasterSunday(2028), absl::CivilDay(2028, 4, 16));
  EXPECT_EQ(EasterSunday(2029), absl::CivilDay(2029, 4, 1));
  EXPECT_EQ(EasterSunday(2030), absl::CivilDay(2030, 4, 21));
  EXPECT_EQ(EasterSunday(2031), absl::CivilDay(2031, 4, 13));
  EXPECT_EQ(EasterSunday(2032), absl::CivilDay(2032, 3, 28));
  EXPECT_EQ(EasterSunday(2035), absl::CivilDay(2035, 3, 25));
  EXPECT_EQ(EasterSunday(2038), absl::CivilDay(2038, 4, 25));
  EXPECT_EQ(EasterSunday(2285), absl::CivilDay(2285, 3, 22));
  EXPECT_EQ(EasterSunday(2000), absl::CivilDay(2000, 4, 23));
  for (int year = 1900; year <= 2300; ++year) {
    const absl::CivilDay easter = EasterSunday(year);
    EXPECT_EQ(absl::GetWeekday(easter), absl::Weekday::sunday) << year;
    EXPECT_GE(easter, absl::CivilDay(year, 3, 22)) << year;
    EXPECT_LE(easter, absl::CivilDay(year, 4, 25)) << year;
  }
}

TEST(EnglandAndWalesBankHolidaysByRule, ReproducesThePublishedList) {
  // 2025-2027 have no one-off changes, so the rules must give exactly what gov.uk published,
  // titles and substitute days (Boxing Day on a Saturday in 2026, Christmas on a Saturday in 2027)
  // included.
  absl::StatusOr<std::vector<DateRange>> published = BankHolidays("england-and-wales");
  ASSERT_TRUE(published.ok()) << published.status();
  std::vector<DateRange> computed;
  for (int year = 2025; year <= 2027; ++year) {
    std::vector<DateRange> y = EnglandAndWalesBankHolidaysByRule(year);
    computed.insert(computed.end(), y.begin(), y.end());
  }
  EXPECT_EQ(Lines(computed), Lines(*published));
}

TEST(EnglandAndWalesBankHolidaysByRule, KnownYears) {
  // 2028: New Year's Day on a Saturday, the early May bank holiday on 1 May itself.
  EXPECT_THAT(
      Lines(EnglandAndWalesBankHolidaysByRule(2028)),
      ElementsAre("2028-01-03 New Year's Day (substitute day)", "2028-04-14 Good Friday", "2028-04-17 Easter Monday",
                  "2028-05-01 Early May bank holiday", "2028-05-29 Spring bank holiday",
                  "2028-08-28 Summer bank holiday", "2028-12-25 Christmas Day", "2028-12-26 Boxing Day"));
  // 2029: Good Friday in March.
  EXPECT_THAT(Lines(EnglandAndWalesBankHolidaysByRule(2029)),
              ElementsAre("2029-01-01 New Year's Day", "2029-03-30 Good Friday", "2029-04-02 Easter Monday",
                          "2029-05-07 Early May bank holiday", "2029-05-28 Spring bank holiday",
                          "2029-08-27 Summer bank holiday", "2029-12-25 Christmas Day", "2029-12-26 Boxing Day"));
  EXPECT_THAT(Lines(EnglandAndWalesBankHolidaysByRule(2030)),
              ElementsAre("2030-01-01 New Year's Day", "2030-04-19 Good Friday", "2030-04-22 Easter Monday",
                          "2030-05-06 Early May bank holiday", "2030-05-27 Spring bank holiday",
                          "2030-08-26 Summer bank holiday", "2030-12-25 Christmas Day", "2030-12-26 Boxing Day"));
  // 2032: Christmas Day on a Saturday, Boxing Day on a Sunday.
  EXPECT_THAT(Lines(EnglandAndWalesBankHolidaysByRule(2032)),
              ElementsAre("2032-01-01 New Year's Day", "2032-03-26 Good Friday", "2032-03-29 Easter Monday",
                          "2032-05-03 Early May bank holiday", "2032-05-31 Spring bank holiday",
                          "2032-08-30 Summer bank holiday", "2032-12-27 Christmas Day (substitute day)",
                          "2032-12-28 Boxing Day (substitute day)"));
  // 2033: New Year's Day on a Saturday; Christmas Day on a Sunday, so Boxing Day keeps Monday 26th.
  EXPECT_THAT(Lines(EnglandAndWalesBankHolidaysByRule(2033)),
              ElementsAre("2033-01-03 New Year's Day (substitute day)", "2033-04-15 Good Friday",
                          "2033-04-18 Easter Monday", "2033-05-02 Early May bank holiday",
                          "2033-05-30 Spring bank holiday", "2033-08-29 Summer bank holiday", "2033-12-26 Boxing Day",
                          "2033-12-27 Christmas Day (substitute day)"));
  // 2034: New Year's Day on a Sunday.
  EXPECT_EQ(EnglandAndWalesBankHolidaysByRule(2034).front().first, absl::CivilDay(2034, 1, 2));
  for (int year = 2025; year <= 2125; ++year) {
    std::vector<DateRange> list = EnglandAndWalesBankHolidaysByRule(year);
    ASSERT_EQ(list.size(), 8u) << year;
    for (size_t i = 0; i < list.size(); ++i) {
      const absl::Weekday w = absl::GetWeekday(list[i].first);
      EXPECT_NE(w, absl::Weekday::saturday) << year << " " << list[i].label;
      EXPECT_NE(w, absl::Weekday::sunday) << year << " " << list[i].label;
      if (i > 0) {
        EXPECT_LT(list[i - 1].first, list[i].first) << year << " " << list[i].label;
      }
    }
  }
}

TEST(BankHolidaysThrough, ThePublishedListThenTheRules) {
  absl::StatusOr<std::vector<DateRange>> published = BankHolidays("england-and-wales");
  ASSERT_TRUE(published.ok()) << published.status();
  // A last year inside the list (or before it) gives the whole list, nothing more.
  for (int last_year : {0, 2025, 2027}) {
    absl::StatusOr<std::vector<DateRange>> list = BankHolidaysThrough("england-and-wales", last_year);
    ASSERT_TRUE(list.ok()) << list.status();
    EXPECT_EQ(Lines(*list), Lines(*published)) << last_year;
  }
  absl::StatusOr<std::vector<DateRange>> list = BankHolidaysThrough("england-and-wales", 2030);
  ASSERT_TRUE(list.ok()) << list.status();
  ASSERT_EQ(list->size(), 48u);  // 2025-2027 published, 2028-2030 by rule
  std::vector<std::string> lines = Lines(*list);
  EXPECT_EQ(std::vector<std::string>(lines.begin(), lines.begin() + 24), Lines(*published));
  std::vector<std::string> rest(lines.begin() + 24, lines.end());
  std::vector<std::string> expected;
  for (int year = 2028; year <= 2030; ++year) {
    for (const std::string& line : Lines(EnglandAndWalesBankHolidaysByRule(year))) expected.push_back(line);
  }
  EXPECT_EQ(rest, expected);
  EXPECT_EQ(lines[24], "2028-01-03 New Year's Day (substitute day)");
  EXPECT_EQ(lines.back(), "2030-12-26 Boxing Day");
  // Bounded, whatever the caller asks.
  EXPECT_EQ(BankHolidaysThrough("england-and-wales", 1000000)->size(), 24u + 100u * 8u);
  EXPECT_EQ(ErrorReason(BankHolidaysThrough("scotland", 2030).status()), "UNKNOWN_BANK_HOLIDAY_DIVISION");
}

TEST(ParseBankHolidays, ParsesAndSorts) {
  auto list = ParseBankHolidays(R"({"division": "scotland", "events": [
      {"date": "2026-11-30", "title": "St Andrew's Day"},
      {"date": "2026-01-02", "title": "2nd January", "notes": "", "bunting": true}]})");
  ASSERT_TRUE(list.ok()) << list.status();
  ASSERT_EQ(list->size(), 2u);
  EXPECT_EQ((*list)[0].first, absl::CivilDay(2026, 1, 2));
  EXPECT_EQ((*list)[0].label, "2nd January");
  EXPECT_EQ((*list)[1].label, "St Andrew's Day");
  EXPECT_TRUE(ParseBankHolidays(R"({"events": []})")->empty());
}

TEST(ParseBankHolidays, RejectsMalformedInputNamingTheEvent) {
  auto reason = [](absl::string_view json) {
    absl::StatusOr<std::vector<DateRange>> r = ParseBankHolidays(json);
    EXPECT_EQ(r.status().code(), absl::StatusCode::kInvalidArgument) << json;
    EXPECT_EQ(ErrorReason(r.status()), "INVALID_BANK_HOLIDAYS");
    return std::string(r.status().message());
  };
  EXPECT_THAT(reason("{not json"), HasSubstr("not valid JSON"));
  EXPECT_THAT(reason(R"({"division": "x"})"), HasSubstr("\"events\" array"));
  EXPECT_THAT(reason(R"([1, 2])"), HasSubstr("\"events\" array"));
  EXPECT_THAT(reason(R"({"events": [{"date": "2025-01-01", "title": "ok"},
                                    {"date": "2025-02-30", "title": "no such day"}]})"),
              HasSubstr("event 1 has date \"2025-02-30\""));
  EXPECT_THAT(reason(R"({"events": [{"date": "25/12/2025", "title": "x"}]})"), HasSubstr("expected YYYY-MM-DD"));
  EXPECT_THAT(reason(R"({"events": [{"date": "2025-12-25", "title": 7}]})"), HasSubstr("event 0 needs string fields"));
}

}  // namespace
}  // namespace parley::calendar
