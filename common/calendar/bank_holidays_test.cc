#include "common/calendar/bank_holidays.h"

#include <algorithm>
#include <string>

#include "common/status/reason.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace parley::calendar {
namespace {

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
