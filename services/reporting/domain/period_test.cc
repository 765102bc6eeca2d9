#include "services/reporting/domain/period.h"

#include "common/status/reason.h"
#include "gtest/gtest.h"
#include "services/reporting/testing/fakes.h"

namespace parley::reporting {
namespace {

using testing::SampleSchool;

absl::Time London(int y, int m, int d) {
  absl::TimeZone tz;
  absl::LoadTimeZone("Europe/London", &tz);
  return absl::FromCivil(absl::CivilSecond(y, m, d, 0, 0, 0), tz);
}

Period Resolve(const std::string& name, const SchoolInfo& school) {
  absl::StatusOr<PeriodSpec> spec = ParsePeriod(name);
  EXPECT_TRUE(spec.ok()) << spec.status();
  absl::StatusOr<Period> p = ResolvePeriod(*spec, school);
  EXPECT_TRUE(p.ok()) << p.status();
  return p.ok() ? *p : Period{};
}

TEST(PeriodTest, ATermIsEachSchoolsOwn) {
  const Period a = Resolve("2025-autumn", SampleSchool("a"));
  EXPECT_EQ(a.display_name, "Autumn 2025");
  EXPECT_EQ(a.first, absl::CivilDay(2025, 9, 1));
  EXPECT_EQ(a.last, absl::CivilDay(2025, 12, 19));
  // Midnight in London (BST in September, GMT in December), end exclusive.
  EXPECT_EQ(a.start_time, London(2025, 9, 1));
  EXPECT_EQ(a.end_time, London(2025, 12, 20));
  EXPECT_EQ(a.start_time, absl::FromCivil(absl::CivilSecond(2025, 8, 31, 23, 0, 0), absl::UTCTimeZone()));

  const Period b = Resolve("2025-autumn", SampleSchool("b", 3));
  EXPECT_EQ(b.first, absl::CivilDay(2025, 9, 4));
  EXPECT_EQ(b.last, absl::CivilDay(2025, 12, 22));
}

TEST(PeriodTest, HalfTermsSplitAtTheSchoolsHalfTermClosure) {
  const Period first = Resolve("2025-autumn-1", SampleSchool("a"));
  EXPECT_EQ(first.first, absl::CivilDay(2025, 9, 1));
  EXPECT_EQ(first.last, absl::CivilDay(2025, 10, 26));
  EXPECT_EQ(first.display_name, "Autumn 2025, first half");
  const Period second = Resolve("2025-autumn-2", SampleSchool("a"));
  EXPECT_EQ(second.first, absl::CivilDay(2025, 11, 1));
  EXPECT_EQ(second.last, absl::CivilDay(2025, 12, 19));
  EXPECT_EQ(Resolve("2026-spring", SampleSchool("a")).first, absl::CivilDay(2026, 1, 5));
}

TEST(PeriodTest, ATermOrHalfTheCalendarLacksNamesTheSchool) {
  auto spec = ParsePeriod("2027-autumn");
  ASSERT_TRUE(spec.ok());
  absl::StatusOr<Period> p = ResolvePeriod(*spec, SampleSchool("kenilworth"));
  EXPECT_EQ(p.status().code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_EQ(ErrorReason(p.status()), reason::kPeriodNotInCalendar);
  EXPECT_NE(p.status().message().find("schools/kenilworth"), std::string::npos);
  // Summer 2026 has no half-term in the sample calendar.
  p = ResolvePeriod(*ParsePeriod("2026-summer-1"), SampleSchool("kenilworth"));
  EXPECT_EQ(ErrorReason(p.status()), reason::kPeriodNotInCalendar);
}

TEST(PeriodTest, MonthsWeeksAndRanges) {
  Period m = Resolve("2026-02", SampleSchool("a"));
  EXPECT_EQ(m.first, absl::CivilDay(2026, 2, 1));
  EXPECT_EQ(m.last, absl::CivilDay(2026, 2, 28));
  EXPECT_EQ(m.display_name, "February 2026");
  // ISO week 1 of 2026 starts on Monday 29 December 2025; 2026 has 53 weeks.
  Period w = Resolve("2026-W01", SampleSchool("a"));
  EXPECT_EQ(w.first, absl::CivilDay(2025, 12, 29));
  EXPECT_EQ(w.last, absl::CivilDay(2026, 1, 4));
  EXPECT_TRUE(ParsePeriod("2026-W53").ok());
  EXPECT_FALSE(ParsePeriod("2025-W53").ok());
  Period r = Resolve("2026-01-05..2026-02-13", SampleSchool("a"));
  EXPECT_EQ(r.first, absl::CivilDay(2026, 1, 5));
  EXPECT_EQ(r.last, absl::CivilDay(2026, 2, 13));
  EXPECT_EQ(r.end_time, London(2026, 2, 14));
}

TEST(PeriodTest, AnythingElseIsInvalidPeriod) {
  for (const char* bad :
       {"", "autumn", "2025-winter", "2025-autumn-3", "2026-13", "2026-00", "2026-W00", "2026-02-30..2026-03-01",
        "2026-03-01..2026-02-01", "2025-01-01..2026-03-01", "2026-1-5..2026-2-1", "2026-02 ", "1999-autumn"}) {
    absl::StatusOr<PeriodSpec> spec = ParsePeriod(bad);
    EXPECT_EQ(spec.status().code(), absl::StatusCode::kInvalidArgument) << bad;
    EXPECT_EQ(ErrorReason(spec.status()), reason::kInvalidPeriod) << bad;
  }
}

TEST(PeriodTest, WeeksAreCutAtThePeriodsEdges) {
  const Period p = Resolve("2025-autumn-1", SampleSchool("a"));  // Mon 1 Sep .. Sun 26 Oct 2025
  std::vector<WeekSpan> weeks = WeeksOf(p);
  ASSERT_EQ(weeks.size(), 8u);
  EXPECT_EQ(weeks.front().monday, absl::CivilDay(2025, 9, 1));
  EXPECT_EQ(weeks.back().last, absl::CivilDay(2025, 10, 26));
  const Period r = Resolve("2025-09-03..2025-09-10", SampleSchool("a"));  // Wed .. Wed
  weeks = WeeksOf(r);
  ASSERT_EQ(weeks.size(), 2u);
  EXPECT_EQ(weeks[0].monday, absl::CivilDay(2025, 9, 1));
  EXPECT_EQ(weeks[0].first, absl::CivilDay(2025, 9, 3));
  EXPECT_EQ(weeks[1].first, absl::CivilDay(2025, 9, 8));
  EXPECT_EQ(weeks[1].last, absl::CivilDay(2025, 9, 10));
}

}  // namespace
}  // namespace parley::reporting
