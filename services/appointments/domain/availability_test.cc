#include "services/appointments/domain/availability.h"

#include "absl/time/civil_time.h"
#include "common/calendar/testing/school_calendars.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace parley::appointments {
namespace {

using ::testing::ElementsAre;
using ::testing::IsEmpty;

const absl::TimeZone& kLondon = calendar::testdata::London();

absl::Time London(int y, int mo, int d, int h, int mi = 0) { return calendar::testdata::LondonTime(y, mo, d, h, mi); }
Interval At(int y, int mo, int d, int h1, int m1, int h2, int m2) {
  return Interval{London(y, mo, d, h1, m1), London(y, mo, d, h2, m2)};
}
constexpr calendar::HoursRange Hours(int h1, int m1, int h2, int m2) { return {h1 * 60 + m1, h2 * 60 + m2}; }

std::vector<absl::CivilDay> Days(const std::vector<Interval>& free) {
  std::vector<absl::CivilDay> out;
  for (const Interval& i : free) {
    const absl::CivilDay d = absl::ToCivilDay(i.start, kLondon);
    if (out.empty() || out.back() != d) out.push_back(d);
  }
  return out;
}

TEST(FreeTimeTest, AFridayRequestBeforeHalfTermSkipsTheHolidayToTheMondayAfter) {
  auto cal = calendar::testdata::MustBuild(calendar::testdata::England2025To26());
  AvailabilityInput in{cal.get(), std::nullopt, {}, {}};
  // Friday 24 October 2025, 14:00; half-term is 27-31 October.
  const std::vector<Interval> free =
      FreeTime(in, Interval{London(2025, 10, 24, 14), London(2025, 11, 5, 0)}, absl::Minutes(30));
  EXPECT_THAT(Days(free),
              ElementsAre(absl::CivilDay(2025, 10, 24), absl::CivilDay(2025, 11, 3), absl::CivilDay(2025, 11, 4)));
  EXPECT_EQ(free.front(), At(2025, 10, 24, 14, 0, 15, 30));  // from the request to the end of the day
  EXPECT_EQ(free[1], At(2025, 11, 3, 8, 45, 15, 30));
}

TEST(FreeTimeTest, APartTimeTeacherIsFreeOnlyOnTheirOwnDays) {
  calendar::WorkingPattern mon_to_wed;
  mon_to_wed.works = {true, true, true, false, false, false, false};
  auto cal = calendar::testdata::MustBuild(calendar::testdata::England2025To26(), &mon_to_wed);
  AvailabilityInput in{cal.get(), std::nullopt, {}, {}};
  const std::vector<Interval> free = FreeTime(in, Interval{London(2025, 11, 3, 0), London(2025, 11, 10, 0)});
  EXPECT_THAT(Days(free),
              ElementsAre(absl::CivilDay(2025, 11, 3), absl::CivilDay(2025, 11, 4), absl::CivilDay(2025, 11, 5)));
}

calendar::CalendarSpec LongDay() {
  calendar::CalendarSpec spec;
  spec.time_zone = "Europe/London";
  spec.terms = {{absl::CivilDay(2026, 3, 2), absl::CivilDay(2026, 4, 2), "Spring"}};
  spec.core_hours = Hours(8, 0, 17, 30);
  return spec;
}

TEST(FreeTimeTest, WhereStaffTeachMeetingsFallBeforeOrAfterLessons) {
  auto cal = calendar::testdata::MustBuild(LongDay());
  // Milton Road's teachers teach 08:50-15:25.
  AvailabilityInput in{cal.get(), Hours(8, 50, 15, 25), {}, {}};
  const std::vector<Interval> free = FreeTime(in, Interval{London(2026, 3, 10, 0), London(2026, 3, 11, 0)});
  EXPECT_THAT(free, ElementsAre(At(2026, 3, 10, 8, 0, 8, 50), At(2026, 3, 10, 15, 25, 17, 30)));
  // And a piece shorter than the meeting is no use.
  EXPECT_THAT(FreeTime(in, Interval{London(2026, 3, 10, 0), London(2026, 3, 11, 0)}, absl::Minutes(60)),
              ElementsAre(At(2026, 3, 10, 15, 25, 17, 30)));
}

TEST(FreeTimeTest, BookingsAreTakenOutAndExceptionsReplaceTheDay) {
  auto cal = calendar::testdata::MustBuild(LongDay());
  AvailabilityInput in{cal.get(), Hours(8, 50, 15, 25), {}, {}};
  in.busy = {At(2026, 3, 10, 16, 0, 16, 30), At(2026, 3, 10, 16, 15, 16, 45),  // overlapping bookings
             At(2026, 3, 10, 7, 0, 8, 10)};                                    // starts before the day
  in.exceptions = {{absl::CivilDay(2026, 3, 11), {}},                          // on a course
                   {absl::CivilDay(2026, 3, 12), {Hours(17, 0, 19, 30)}}};     // a parents' evening
  const std::vector<Interval> free = FreeTime(in, Interval{London(2026, 3, 10, 0), London(2026, 3, 13, 0)});
  EXPECT_THAT(free, ElementsAre(At(2026, 3, 10, 8, 10, 8, 50), At(2026, 3, 10, 15, 25, 16, 0),
                                At(2026, 3, 10, 16, 45, 17, 30), At(2026, 3, 12, 17, 0, 19, 30)));
}

TEST(FreeTimeTest, TheClockChangeWeekKeepsLocalHours) {
  auto cal = calendar::testdata::MustBuild(LongDay());
  AvailabilityInput in{cal.get(), Hours(8, 50, 15, 25), {}, {}};
  // British Summer Time begins on Sunday 29 March 2026.
  const std::vector<Interval> free = FreeTime(in, Interval{London(2026, 3, 27, 12), London(2026, 3, 31, 0)});
  ASSERT_EQ(free.size(), 3u);
  EXPECT_EQ(free[0], At(2026, 3, 27, 15, 25, 17, 30));
  EXPECT_EQ(free[1], At(2026, 3, 30, 8, 0, 8, 50));
  EXPECT_EQ(free[2], At(2026, 3, 30, 15, 25, 17, 30));
  EXPECT_EQ(free[2].start - free[0].start, absl::Hours(72 - 1));  // an hour fewer in UTC

  // Slots on the local quarter hours, on both sides of the change.
  const std::vector<Interval> slots = SlotsIn(free, absl::Minutes(15), absl::Minutes(15), kLondon);
  ASSERT_FALSE(slots.empty());
  EXPECT_EQ(slots.front(), At(2026, 3, 27, 15, 30, 15, 45));
  for (const Interval& s : slots) {
    const absl::CivilMinute local = absl::ToCivilMinute(s.start, kLondon);
    EXPECT_EQ(local.minute() % 15, 0) << absl::FormatCivilTime(local);
  }
  EXPECT_EQ(slots.back(), At(2026, 3, 30, 17, 15, 17, 30));
}

TEST(SlotsInTest, SlotsNeverStraddleTwoPiecesAndNeedPositiveSizes) {
  const std::vector<Interval> free = {At(2026, 3, 10, 8, 0, 8, 50), At(2026, 3, 10, 15, 25, 16, 0)};
  EXPECT_THAT(
      SlotsIn(free, absl::Minutes(20), absl::Minutes(10), kLondon),
      ElementsAre(At(2026, 3, 10, 8, 0, 8, 20), At(2026, 3, 10, 8, 10, 8, 30), At(2026, 3, 10, 8, 20, 8, 40),
                  At(2026, 3, 10, 8, 30, 8, 50), At(2026, 3, 10, 15, 30, 15, 50), At(2026, 3, 10, 15, 40, 16, 0)));
  EXPECT_THAT(SlotsIn(free, absl::ZeroDuration(), absl::Minutes(10), kLondon), IsEmpty());
  EXPECT_THAT(SlotsIn(free, absl::Minutes(10), absl::ZeroDuration(), kLondon), IsEmpty());
}

TEST(IntervalsTest, SubtractAndNormalize) {
  const std::vector<Interval> merged =
      Normalize({At(2026, 3, 10, 9, 0, 10, 0), At(2026, 3, 10, 10, 0, 10, 30), At(2026, 3, 10, 8, 0, 8, 0)});
  EXPECT_THAT(merged, ElementsAre(At(2026, 3, 10, 9, 0, 10, 30)));
  EXPECT_THAT(Subtract(merged, {At(2026, 3, 10, 9, 0, 9, 10), At(2026, 3, 10, 9, 30, 9, 40)}),
              ElementsAre(At(2026, 3, 10, 9, 10, 9, 30), At(2026, 3, 10, 9, 40, 10, 30)));
  EXPECT_THAT(Subtract(merged, {At(2026, 3, 10, 8, 0, 11, 0)}), IsEmpty());
  // Touching is not overlapping: [9:00, 9:10) and [9:10, 9:20) are both free to book.
  EXPECT_FALSE(At(2026, 3, 10, 9, 0, 9, 10).Overlaps(At(2026, 3, 10, 9, 10, 9, 20)));
}

}  // namespace
}  // namespace parley::appointments
