#include "common/calendar/calendar.h"

#include <algorithm>
#include <random>
#include <string>
#include <thread>
#include <vector>

#include "absl/strings/str_cat.h"
#include "common/calendar/testing/school_calendars.h"
#include "common/status/reason.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace parley::calendar {
namespace {

using testdata::England2025To26;
using testdata::MustBuild;
using ::testing::ElementsAre;
using ::testing::HasSubstr;

const absl::TimeZone& London() {
  static const absl::TimeZone* zone = [] {
    auto* z = new absl::TimeZone;
    absl::LoadTimeZone("Europe/London", z);
    return z;
  }();
  return *zone;
}

// A wall-clock time in London (unique local times only: tests of the odd ones spell out UTC).
absl::Time London(int y, int mo, int d, int h, int mi) {
  return London().At(absl::CivilSecond(y, mo, d, h, mi, 0)).pre;
}

absl::Time Utc(int y, int mo, int d, int h, int mi) {
  return absl::FromCivil(absl::CivilSecond(y, mo, d, h, mi, 0), absl::UTCTimeZone());
}

Budget Days(int n) { return Budget{Unit::kWorkingDays, n, absl::ZeroDuration()}; }
Budget Hours(absl::Duration d) { return Budget{Unit::kWorkingHours, 0, d}; }
Budget Elapsed(absl::Duration d) { return Budget{Unit::kElapsed, 0, d}; }

std::string Z(absl::Time t) { return absl::FormatTime("%Y-%m-%dT%H:%MZ", t, absl::UTCTimeZone()); }

// Steps as one line each, so a test reads like the explanation an office would see.
std::vector<std::string> Render(const std::vector<Step>& steps) {
  std::vector<std::string> out;
  for (const Step& s : steps) {
    const std::string dates = s.first == s.last
                                  ? absl::FormatCivilTime(s.first)
                                  : absl::StrCat(absl::FormatCivilTime(s.first), "..", absl::FormatCivilTime(s.last));
    switch (s.kind) {
      case Step::Kind::kReceived:
        out.push_back(absl::StrCat("received ", Z(s.time), ": ", s.reason));
        break;
      case Step::Kind::kClockStart:
        out.push_back(absl::StrCat("start ", Z(s.time), ": ", s.reason));
        break;
      case Step::Kind::kSkipped:
        out.push_back(absl::StrCat("skipped ", dates, ": ", s.reason));
        break;
      case Step::Kind::kCounted:
        out.push_back(absl::StrCat("counted ", dates, ": ", s.reason));
        break;
      case Step::Kind::kPause:
        out.push_back(absl::StrCat("pause ", Z(s.time), ": ", s.reason));
        break;
      case Step::Kind::kDue:
        out.push_back(absl::StrCat("due ", Z(s.time), ": ", s.reason));
        break;
    }
  }
  return out;
}

class CalendarTest : public ::testing::Test {
 protected:
  std::shared_ptr<const Calendar> cal_ = MustBuild(England2025To26());

  Deadline Compute(const Budget& budget, absl::Time received, std::vector<Pause> pauses = {}) {
    absl::StatusOr<Deadline> d = ComputeDeadline(*cal_, budget, received, pauses);
    EXPECT_TRUE(d.ok()) << d.status();
    return d.ok() ? *d : Deadline{};
  }
};

// --- the worked example (docs/architecture.md#worked-example)
// -----------------------------------------------------------------

TEST_F(CalendarTest, WorkedExampleAfterHours) {
  const Deadline d = Compute(Days(2), London(2025, 10, 24, 16, 10));
  EXPECT_EQ(d.clock_start, Utc(2025, 11, 3, 8, 45));
  ASSERT_TRUE(d.due.has_value());
  EXPECT_EQ(*d.due, Utc(2025, 11, 5, 15, 30));
  EXPECT_THAT(Render(d.steps),
              ElementsAre("received 2025-10-24T15:10Z: after core hours (closed 15:30)",
                          "start 2025-11-03T08:45Z: after core hours (closed 15:30)",
                          "skipped 2025-10-25..2025-10-26: weekend", "skipped 2025-10-27..2025-10-31: Autumn half-term",
                          "skipped 2025-11-01..2025-11-02: weekend", "counted 2025-11-04..2025-11-05: working days 1–2",
                          "due 2025-11-05T15:30Z: close of core hours on working day 2 after day 0"));
  EXPECT_EQ(Summarize(d, *cal_),
            "Received Fri 24 Oct 2025 16:10 BST, after core hours (closed 15:30). The clock started "
            "at the next working period, Mon 3 Nov 2025 08:45 GMT; skipped 25–26 Oct (weekend), "
            "27–31 Oct (Autumn half-term), 1–2 Nov (weekend). Day 0 is Mon 3 Nov; 2 working days "
            "counted: Tue 4 Nov, Wed 5 Nov. Due Wed 5 Nov 2025 15:30 GMT.");
}

TEST_F(CalendarTest, WorkedExampleInsideHours) {
  const absl::Time received = London(2025, 10, 24, 14, 0);
  const Deadline d = Compute(Days(2), received);
  EXPECT_EQ(d.clock_start, received);
  ASSERT_TRUE(d.due.has_value());
  EXPECT_EQ(*d.due, Utc(2025, 11, 4, 15, 30));
  EXPECT_THAT(Render(d.steps),
              ElementsAre("received 2025-10-24T13:00Z: inside core hours",
                          "start 2025-10-24T13:00Z: received inside core hours",
                          "skipped 2025-10-25..2025-10-26: weekend", "skipped 2025-10-27..2025-10-31: Autumn half-term",
                          "skipped 2025-11-01..2025-11-02: weekend", "counted 2025-11-03..2025-11-04: working days 1–2",
                          "due 2025-11-04T15:30Z: close of core hours on working day 2 after day 0"));
  EXPECT_EQ(Summarize(d, *cal_),
            "Received Fri 24 Oct 2025 14:00 BST, inside core hours. The clock started on receipt, "
            "Fri 24 Oct 2025 14:00 BST. Day 0 is Fri 24 Oct; 2 working days counted: Mon 3 Nov, "
            "Tue 4 Nov; skipped 25–26 Oct (weekend), 27–31 Oct (Autumn half-term), 1–2 Nov "
            "(weekend). Due Tue 4 Nov 2025 15:30 GMT.");
}

// --- Daylight saving time ---------------------------------------------------------------------

TEST_F(CalendarTest, WorkingHoursAcrossAutumnClockChange) {
  // Fri 24 Oct 14:30 BST: 1h left that day, the other 2h from Mon 3 Nov 08:45 GMT. A fixed BST
  // offset would say 09:45Z.
  Deadline d = Compute(Hours(absl::Hours(3)), London(2025, 10, 24, 14, 30));
  EXPECT_EQ(*d.due, Utc(2025, 11, 3, 10, 45));
  // Ending exactly at a close is that close, not the next opening.
  d = Compute(Hours(absl::Hours(6) + absl::Minutes(45)), London(2025, 10, 24, 8, 45));
  EXPECT_EQ(*d.due, Utc(2025, 10, 24, 14, 30));
  d = Compute(Hours(absl::Hours(7)), London(2025, 10, 24, 8, 45));
  EXPECT_EQ(*d.due, Utc(2025, 11, 3, 9, 0));

  // Without half-term the next working day is the Monday straight after the change.
  CalendarSpec spec = England2025To26();
  spec.closures.clear();
  auto plain = MustBuild(spec);
  auto result = ComputeDeadline(*plain, Hours(absl::Hours(3)), Utc(2025, 10, 24, 13, 30));
  ASSERT_TRUE(result.ok()) << result.status();
  EXPECT_EQ(*result->due, Utc(2025, 10, 27, 10, 45));
  EXPECT_EQ(plain->WorkingTimeBetween(Utc(2025, 10, 24, 0, 0), Utc(2025, 10, 28, 0, 0)),
            absl::Hours(13) + absl::Minutes(30));
}

TEST_F(CalendarTest, NinetyWorkingMinutesAcrossAPeriodBoundaryAndTheAutumnClockChange) {
  // Fri 24 Oct 15:00 BST: 30 minutes left before the 15:30 close, the other 60 from the next
  // opening, Mon 3 Nov 08:45 GMT (after half-term). A fixed BST offset would say 08:45Z.
  const Budget ninety = Hours(absl::Minutes(90));
  Deadline d = Compute(ninety, London(2025, 10, 24, 15, 0));
  ASSERT_TRUE(d.due.has_value());
  EXPECT_EQ(*d.due, Utc(2025, 11, 3, 9, 45));
  EXPECT_THAT(Render(d.steps), ::testing::Contains("due 2025-11-03T09:45Z: after 1h 30m of working time"));
  EXPECT_EQ(Summarize(d, *cal_),
            "Received Fri 24 Oct 2025 15:00 BST, inside core hours. The clock started on receipt, Fri 24 Oct "
            "2025 15:00 BST. Day 0 is Fri 24 Oct; 1h 30m of working time counted, also on Mon 3 Nov; skipped "
            "25–26 Oct (weekend), 27–31 Oct (Autumn half-term), 1–2 Nov (weekend). Due Mon 3 Nov 2025 09:45 GMT.");
  // Inside one period the 90 minutes are just that.
  d = Compute(ninety, London(2025, 11, 3, 10, 0));
  EXPECT_EQ(*d.due, London(2025, 11, 3, 11, 30));
  EXPECT_THAT(Summarize(d, *cal_), HasSubstr("Day 0 is Mon 3 Nov; 1h 30m of working time counted. Due"));
  // Ending exactly at the close is that close.
  d = Compute(ninety, London(2025, 11, 3, 14, 0));
  EXPECT_EQ(*d.due, London(2025, 11, 3, 15, 30));

  // Without half-term the rest falls on the Monday straight after the change: 08:45 GMT + 60m.
  CalendarSpec spec = England2025To26();
  spec.closures.clear();
  auto plain = MustBuild(spec);
  auto r = ComputeDeadline(*plain, ninety, London(2025, 10, 24, 15, 0));
  ASSERT_TRUE(r.ok()) << r.status();
  EXPECT_EQ(*r->due, Utc(2025, 10, 27, 9, 45));
}

TEST_F(CalendarTest, TwoAndAHalfWorkingHoursAcrossTheSpringClockChange) {
  // Fri 27 Mar 2026 14:30 GMT, the last day of the spring term: 1h counts before the close, the
  // other 1h 30m from the summer term's first opening, Mon 13 Apr 08:45 BST (07:45Z).
  const Budget two_and_a_half = Hours(absl::Minutes(150));
  Deadline d = Compute(two_and_a_half, Utc(2026, 3, 27, 14, 30));
  ASSERT_TRUE(d.due.has_value());
  EXPECT_EQ(*d.due, Utc(2026, 4, 13, 9, 15));
  EXPECT_THAT(Render(d.steps), ::testing::Contains("due 2026-04-13T09:15Z: after 2h 30m of working time"));

  // A school open across the change weekend: Mon 30 Mar 08:45 BST is 07:45Z.
  CalendarSpec spec = England2025To26();
  spec.terms[1].last = absl::CivilDay(2026, 4, 2);
  auto cal = MustBuild(spec);
  auto r = ComputeDeadline(*cal, two_and_a_half, Utc(2026, 3, 27, 14, 30));
  ASSERT_TRUE(r.ok()) << r.status();
  EXPECT_EQ(*r->due, Utc(2026, 3, 30, 9, 15));
}

TEST_F(CalendarTest, SpringClockChange) {
  // Spring term ends Fri 27 Mar 2026 (GMT); summer term opens Mon 13 Apr in BST.
  Deadline d = Compute(Days(1), London(2026, 3, 27, 16, 0));
  EXPECT_EQ(d.clock_start, Utc(2026, 4, 13, 7, 45));
  EXPECT_EQ(*d.due, Utc(2026, 4, 14, 14, 30));
  d = Compute(Hours(absl::Hours(3)), Utc(2026, 3, 27, 14, 30));
  EXPECT_EQ(*d.due, Utc(2026, 4, 13, 9, 45));

  // A school open across the change weekend (29 Mar 2026).
  CalendarSpec spec = England2025To26();
  spec.terms[1].last = absl::CivilDay(2026, 4, 2);
  auto cal = MustBuild(spec);
  auto r = ComputeDeadline(*cal, Hours(absl::Hours(3)), Utc(2026, 3, 27, 14, 30));
  ASSERT_TRUE(r.ok()) << r.status();
  EXPECT_EQ(*r->due, Utc(2026, 3, 30, 9, 45));
  r = ComputeDeadline(*cal, Days(1), Utc(2026, 3, 27, 16, 0));
  ASSERT_TRUE(r.ok()) << r.status();
  EXPECT_EQ(*r->due, Utc(2026, 3, 31, 14, 30));
}

// Core hours 01:30-05:00 every day: 01:30 does not exist on 29 Mar 2026 and occurs twice on
// 26 Oct 2025. Both resolve with the offset in force before the change (rule 1).
class ClockChangeHoursTest : public ::testing::Test {
 protected:
  static CalendarSpec Spec() {
    CalendarSpec spec;
    spec.core_hours = {90, 300};
    spec.school_days = {true, true, true, true, true, true, true};
    spec.terms = {{absl::CivilDay(2025, 10, 20), absl::CivilDay(2026, 4, 5), "Night school"}};
    return spec;
  }
  std::shared_ptr<const Calendar> cal_ = MustBuild(Spec());
};

TEST_F(ClockChangeHoursTest, NonexistentOpeningUsesPreTransitionOffset) {
  auto p = cal_->PeriodOn(absl::CivilDay(2026, 3, 29));
  ASSERT_TRUE(p.has_value());
  EXPECT_EQ(p->first, Utc(2026, 3, 29, 1, 30));  // 01:30 at GMT, i.e. 02:30 BST
  EXPECT_EQ(p->second, Utc(2026, 3, 29, 4, 0));  // 05:00 BST
  EXPECT_EQ(cal_->PeriodOn(absl::CivilDay(2026, 3, 28))->first, Utc(2026, 3, 28, 1, 30));
  EXPECT_EQ(cal_->PeriodOn(absl::CivilDay(2026, 3, 30))->first, Utc(2026, 3, 30, 0, 30));

  // 2h30m of working time on the 29th, then the Monday opens at 00:30Z.
  auto r = ComputeDeadline(*cal_, Hours(absl::Hours(3)), Utc(2026, 3, 29, 0, 0));
  ASSERT_TRUE(r.ok()) << r.status();
  EXPECT_EQ(r->clock_start, Utc(2026, 3, 29, 1, 30));
  EXPECT_EQ(*r->due, Utc(2026, 3, 30, 1, 0));
}

TEST_F(ClockChangeHoursTest, AmbiguousOpeningUsesPreTransitionOffset) {
  auto p = cal_->PeriodOn(absl::CivilDay(2025, 10, 26));
  ASSERT_TRUE(p.has_value());
  EXPECT_EQ(p->first, Utc(2025, 10, 26, 0, 30));  // the first 01:30, still BST
  EXPECT_EQ(p->second, Utc(2025, 10, 26, 5, 0));  // 05:00 GMT

  // 4h30m on the 26th, the last 30m from Monday's 01:30 GMT.
  auto r = ComputeDeadline(*cal_, Hours(absl::Hours(5)), Utc(2025, 10, 25, 23, 0));
  ASSERT_TRUE(r.ok()) << r.status();
  EXPECT_EQ(r->clock_start, Utc(2025, 10, 26, 0, 30));
  EXPECT_EQ(*r->due, Utc(2025, 10, 27, 2, 0));
}

TEST(ClockChangeHours, HoursInsideTheSkippedHourMakeNoPeriod) {
  // 01:30 resolves to 01:30Z but 02:15 BST is 01:15Z: nothing of the range exists after the
  // pre-transition reading, so the day has no working period rather than a negative one.
  CalendarSpec spec;
  spec.core_hours = {90, 135};
  spec.school_days = {true, true, true, true, true, true, true};
  spec.terms = {{absl::CivilDay(2026, 3, 27), absl::CivilDay(2026, 3, 31), "T"}};
  auto cal = MustBuild(spec);
  std::string why;
  EXPECT_FALSE(cal->PeriodOn(absl::CivilDay(2026, 3, 29), &why).has_value());
  EXPECT_EQ(why, "core hours fall inside the clock change");
  EXPECT_TRUE(cal->PeriodOn(absl::CivilDay(2026, 3, 30)).has_value());
}

// --- Holidays, closures, overrides ------------------------------------------------------------

TEST_F(CalendarTest, SummerHolidayReceiptStartsAtFirstPeriodOfNextTerm) {
  const Deadline d = Compute(Days(1), London(2025, 8, 10, 11, 0));
  EXPECT_EQ(d.clock_start, Utc(2025, 9, 3, 7, 45));  // Wed 3 Sep 08:45 BST
  EXPECT_EQ(*d.due, Utc(2025, 9, 4, 14, 30));
  EXPECT_THAT(Render(d.steps), ElementsAre("received 2025-08-10T10:00Z: on a non-working day (school holiday "
                                           "(outside term))",
                                           "start 2025-09-03T07:45Z: school holiday (outside term)",
                                           "skipped 2025-08-10..2025-09-02: school holiday (outside term)",
                                           "counted 2025-09-04: working day 1",
                                           "due 2025-09-04T14:30Z: close of core hours on working day 1 after day 0"));
}

TEST_F(CalendarTest, ChristmasReceipt) {
  Deadline d = Compute(Days(2), London(2025, 12, 24, 10, 0));
  EXPECT_EQ(d.clock_start, Utc(2026, 1, 5, 8, 45));
  EXPECT_EQ(*d.due, Utc(2026, 1, 7, 15, 30));
  // Weekends and bank holidays in the holiday read as one holiday.
  d = Compute(Days(0), London(2025, 12, 19, 16, 0));
  EXPECT_THAT(Render(d.steps), ElementsAre("received 2025-12-19T16:00Z: after core hours (closed 15:30)",
                                           "start 2026-01-05T08:45Z: after core hours (closed 15:30)",
                                           "skipped 2025-12-20..2026-01-04: school holiday (outside term)",
                                           "due 2026-01-05T15:30Z: close of core hours on day 0"));
  EXPECT_THAT(Summarize(d, *cal_), HasSubstr("skipped 20 Dec 2025–4 Jan 2026 (school holiday "
                                             "(outside term)). Day 0 is Mon 5 Jan; no further "
                                             "working days counted. Due Mon 5 Jan 2026 15:30 GMT."));
}

TEST_F(CalendarTest, HalfTermContainingABankHolidayIsOneRange) {
  const Deadline d = Compute(Days(1), London(2026, 5, 22, 16, 0));
  EXPECT_EQ(d.clock_start, Utc(2026, 6, 1, 7, 45));
  EXPECT_EQ(*d.due, Utc(2026, 6, 2, 14, 30));
  EXPECT_THAT(Render(d.steps), testing::Contains("skipped 2026-05-25..2026-05-29: May half-term"));

  // The label does not depend on the order closures were entered.
  CalendarSpec reversed = England2025To26();
  std::reverse(reversed.closures.begin(), reversed.closures.end());
  auto cal = MustBuild(reversed);
  std::string why;
  EXPECT_FALSE(cal->PeriodOn(absl::CivilDay(2026, 5, 25), &why).has_value());
  EXPECT_EQ(why, "May half-term");
  EXPECT_EQ(cal->Fingerprint(), cal_->Fingerprint());
}

TEST_F(CalendarTest, BankHolidayInTermIsSkipped) {
  const Deadline d = Compute(Days(1), London(2026, 5, 1, 16, 0));
  EXPECT_EQ(d.clock_start, Utc(2026, 5, 5, 7, 45));
  EXPECT_EQ(*d.due, Utc(2026, 5, 6, 14, 30));
  EXPECT_THAT(Render(d.steps), testing::Contains("skipped 2026-05-04: Early May bank holiday"));
}

TEST_F(CalendarTest, EasterMondayClosureAdjacentToTheHoliday) {
  // A school whose summer term starts on Easter Monday, which is a bank holiday.
  CalendarSpec spec = England2025To26();
  spec.terms[1].last = absl::CivilDay(2026, 4, 2);
  spec.terms[2].first = absl::CivilDay(2026, 4, 6);
  auto cal = MustBuild(spec);
  auto d = ComputeDeadline(*cal, Days(1), London(2026, 4, 2, 16, 0));
  ASSERT_TRUE(d.ok()) << d.status();
  EXPECT_EQ(d->clock_start, Utc(2026, 4, 7, 7, 45));
  EXPECT_EQ(*d->due, Utc(2026, 4, 8, 14, 30));
  EXPECT_THAT(Render(d->steps), testing::IsSupersetOf({"skipped 2026-04-03..2026-04-05: school holiday (outside term)",
                                                       "skipped 2026-04-06: Easter Monday"}));
}

TEST_F(CalendarTest, InsetDayAddedLaterMovesTheDeadlineAndTheFingerprint) {
  const absl::Time received = London(2025, 12, 19, 16, 0);
  const Deadline before = Compute(Days(1), received);
  EXPECT_EQ(*before.due, Utc(2026, 1, 6, 15, 30));

  CalendarSpec spec = England2025To26();
  spec.closures.push_back({absl::CivilDay(2026, 1, 5), absl::CivilDay(2026, 1, 5), "INSET day"});
  auto edited = MustBuild(spec);
  auto after = ComputeDeadline(*edited, Days(1), received);
  ASSERT_TRUE(after.ok());
  EXPECT_EQ(after->clock_start, Utc(2026, 1, 6, 8, 45));
  EXPECT_EQ(*after->due, Utc(2026, 1, 7, 15, 30));
  EXPECT_NE(edited->Fingerprint(), cal_->Fingerprint());
  EXPECT_EQ(MustBuild(spec)->Fingerprint(), edited->Fingerprint());
}

TEST_F(CalendarTest, FingerprintIsStableAndSensitive) {
  // Pinned: fingerprints are stored next to computed deadlines, so the serialization behind them
  // must not change by accident. The value was cross-checked with Python's hashlib over the same
  // canonical text.
  EXPECT_EQ(cal_->Fingerprint(), "e5a132e7bd62a607");
  EXPECT_EQ(cal_->Fingerprint().size(), 16u);

  std::vector<CalendarSpec> variants(7, England2025To26());
  variants[0].time_zone = "Europe/Dublin";
  variants[1].core_hours.close_minute += 1;
  variants[2].terms[0].label = "Michaelmas";
  variants[3].closures[0].last = absl::CivilDay(2025, 10, 30);
  variants[4].school_days[5] = true;
  variants[5].overrides.push_back({absl::CivilDay(2025, 12, 19), {525, 810}, "Last day"});
  variants[6].closures[0].label = "Half term";
  std::vector<std::string> prints = {cal_->Fingerprint()};
  for (const CalendarSpec& v : variants) prints.push_back(MustBuild(v)->Fingerprint());
  WorkingPattern part_time;
  part_time.works = {true, true, true, false, false, false, false};
  prints.push_back(MustBuild(England2025To26(), &part_time)->Fingerprint());
  part_time.hours[0] = HoursRange{540, 720};
  prints.push_back(MustBuild(England2025To26(), &part_time)->Fingerprint());
  std::sort(prints.begin(), prints.end());
  EXPECT_EQ(std::unique(prints.begin(), prints.end()), prints.end()) << "fingerprints collide";
}

TEST_F(CalendarTest, OverrideClosesTheLastDayOfTermEarly) {
  CalendarSpec spec = England2025To26();
  spec.overrides.push_back({absl::CivilDay(2025, 12, 19), {8 * 60 + 45, 13 * 60 + 30}, "Last day"});
  auto cal = MustBuild(spec);
  auto d = ComputeDeadline(*cal, Days(1), London(2025, 12, 18, 10, 0));
  ASSERT_TRUE(d.ok());
  EXPECT_EQ(*d->due, Utc(2025, 12, 19, 13, 30));
  d = ComputeDeadline(*cal, Days(0), London(2025, 12, 19, 9, 0));
  ASSERT_TRUE(d.ok());
  EXPECT_EQ(*d->due, Utc(2025, 12, 19, 13, 30));
  // After the early close the clock waits for the spring term.
  d = ComputeDeadline(*cal, Days(0), London(2025, 12, 19, 14, 0));
  ASSERT_TRUE(d.ok());
  EXPECT_EQ(d->clock_start, Utc(2026, 1, 5, 8, 45));
  EXPECT_EQ(d->steps[0].reason, "after core hours (closed 13:30)");
}

TEST_F(CalendarTest, WeekendReceipt) {
  const Deadline d = Compute(Days(1), London(2025, 11, 8, 11, 0));
  EXPECT_EQ(d.clock_start, Utc(2025, 11, 10, 8, 45));
  EXPECT_EQ(*d.due, Utc(2025, 11, 11, 15, 30));
  EXPECT_THAT(
      Render(d.steps),
      ElementsAre("received 2025-11-08T11:00Z: on a non-working day (weekend)", "start 2025-11-10T08:45Z: weekend",
                  "skipped 2025-11-08..2025-11-09: weekend", "counted 2025-11-11: working day 1",
                  "due 2025-11-11T15:30Z: close of core hours on working day 1 after day 0"));
}

TEST_F(CalendarTest, ReceiptBeforeOpening) {
  const Deadline d = Compute(Days(0), London(2025, 11, 11, 7, 0));
  EXPECT_EQ(d.clock_start, Utc(2025, 11, 11, 8, 45));
  EXPECT_EQ(*d.due, Utc(2025, 11, 11, 15, 30));
  EXPECT_EQ(d.steps[1].reason, "before core hours (open 08:45)");
}

TEST_F(CalendarTest, PeriodsOutsideTeachingHours) {
  // Core hours 08:45-15:30, teaching 08:50-15:25: a teacher's free time is the five minutes
  // either side of the teaching day.
  const HoursRange teaching{8 * 60 + 50, 15 * 60 + 25};
  using P = std::pair<absl::Time, absl::Time>;
  // Before school: the morning piece.
  EXPECT_EQ(*cal_->PeriodAtOrAfterOutside(London(2025, 11, 11, 7, 0), teaching),
            P(Utc(2025, 11, 11, 8, 45), Utc(2025, 11, 11, 8, 50)));
  // During a lesson: the piece after teaching, not the working period it is in.
  EXPECT_EQ(*cal_->PeriodAtOrAfterOutside(London(2025, 11, 11, 10, 0), teaching),
            P(Utc(2025, 11, 11, 15, 25), Utc(2025, 11, 11, 15, 30)));
  EXPECT_EQ(cal_->PeriodAtOrAfter(London(2025, 11, 11, 10, 0))->first, Utc(2025, 11, 11, 8, 45));
  // At the close of the last piece ([open, close)): the next working day, skipping half-term.
  EXPECT_EQ(*cal_->PeriodAtOrAfterOutside(London(2025, 10, 24, 15, 30), teaching),
            P(Utc(2025, 11, 3, 8, 45), Utc(2025, 11, 3, 8, 50)));
  // Teaching that covers every working day leaves no period at all.
  EXPECT_EQ(ErrorReason(cal_->PeriodAtOrAfterOutside(London(2026, 7, 1, 7, 0), HoursRange{8 * 60, 16 * 60}).status()),
            "CALENDAR_EXHAUSTED");
}

TEST_F(CalendarTest, PeriodBoundaries) {
  // Periods are [open, close): the opening instant is inside, the closing instant is not.
  Deadline d = Compute(Days(0), Utc(2025, 11, 11, 8, 45));
  EXPECT_EQ(d.clock_start, Utc(2025, 11, 11, 8, 45));
  EXPECT_EQ(*d.due, Utc(2025, 11, 11, 15, 30));
  d = Compute(Days(0), Utc(2025, 11, 11, 15, 30));
  EXPECT_EQ(d.clock_start, Utc(2025, 11, 12, 8, 45));
  EXPECT_EQ(*d.due, Utc(2025, 11, 12, 15, 30));
}

TEST_F(CalendarTest, ZeroAndOneWorkingDays) {
  const absl::Time wednesday = Utc(2025, 11, 12, 10, 0);
  EXPECT_EQ(*Compute(Days(0), wednesday).due, Utc(2025, 11, 12, 15, 30));
  // "By the end of the next working school day".
  EXPECT_EQ(*Compute(Days(1), wednesday).due, Utc(2025, 11, 13, 15, 30));
  EXPECT_EQ(*Compute(Days(1), Utc(2025, 11, 14, 10, 0)).due, Utc(2025, 11, 17, 15, 30));
  EXPECT_EQ(*Compute(Days(10), wednesday).due, Utc(2025, 11, 26, 15, 30));
}

// --- Owner calendars --------------------------------------------------------------------------

TEST_F(CalendarTest, PartTimeOwnerWorksMondayToWednesday) {
  WorkingPattern pattern;
  pattern.works = {true, true, true, false, false, false, false};
  auto owner = MustBuild(England2025To26(), &pattern);

  auto d = ComputeDeadline(*owner, Days(1), Utc(2025, 11, 12, 16, 0));
  ASSERT_TRUE(d.ok());
  EXPECT_EQ(d->clock_start, Utc(2025, 11, 17, 8, 45));
  EXPECT_EQ(*d->due, Utc(2025, 11, 18, 15, 30));

  d = ComputeDeadline(*owner, Days(1), Utc(2025, 11, 13, 10, 0));
  ASSERT_TRUE(d.ok());
  EXPECT_EQ(*d->due, Utc(2025, 11, 18, 15, 30));
  EXPECT_THAT(Render(d->steps),
              testing::IsSupersetOf({"start 2025-11-17T08:45Z: not a working day for this member of staff",
                                     "skipped 2025-11-13..2025-11-14: not a working day for this member of staff",
                                     "skipped 2025-11-15..2025-11-16: weekend"}));
  std::string why;
  EXPECT_FALSE(owner->PeriodOn(absl::CivilDay(2025, 11, 13), &why).has_value());
  EXPECT_EQ(why, "not a working day for this member of staff");
  // The school calendar is unchanged by building an owner calendar.
  EXPECT_TRUE(cal_->PeriodOn(absl::CivilDay(2025, 11, 13)).has_value());
}

TEST_F(CalendarTest, PartTimeOwnerWithReducedHours) {
  WorkingPattern pattern;
  pattern.works = {true, true, true, false, false, false, false};
  pattern.hours[0] = pattern.hours[1] = HoursRange{9 * 60, 12 * 60};
  pattern.hours[2] = HoursRange{16 * 60, 18 * 60};  // no overlap with core hours: not working
  auto owner = MustBuild(England2025To26(), &pattern);

  auto d = ComputeDeadline(*owner, Days(1), Utc(2025, 11, 10, 12, 30));
  ASSERT_TRUE(d.ok());
  EXPECT_EQ(d->steps[0].reason, "after working hours (closed 12:00)");
  EXPECT_EQ(d->clock_start, Utc(2025, 11, 11, 9, 0));
  EXPECT_EQ(*d->due, Utc(2025, 11, 17, 12, 0));  // Wed, Thu, Fri off; then Mon

  d = ComputeDeadline(*owner, Hours(absl::Hours(4)), Utc(2025, 11, 10, 10, 0));
  ASSERT_TRUE(d.ok());
  EXPECT_EQ(*d->due, Utc(2025, 11, 11, 11, 0));  // 2h Monday, 2h Tuesday
  EXPECT_FALSE(owner->PeriodOn(absl::CivilDay(2025, 11, 12)).has_value());

  // Owner hours meet the school's hours of the day, override included.
  CalendarSpec spec = England2025To26();
  spec.overrides.push_back({absl::CivilDay(2025, 11, 10), {9 * 60 + 30, 11 * 60}, "Trust day"});
  auto p = MustBuild(spec, &pattern)->PeriodOn(absl::CivilDay(2025, 11, 10));
  ASSERT_TRUE(p.has_value());
  EXPECT_EQ(p->first, Utc(2025, 11, 10, 9, 30));
  EXPECT_EQ(p->second, Utc(2025, 11, 10, 11, 0));
}

// --- Pauses -----------------------------------------------------------------------------------

TEST_F(CalendarTest, PauseAcrossDaysExtendsByPausedWorkingTime) {
  const absl::Time received = Utc(2025, 11, 10, 10, 0);  // Mon; due Wed 12 Nov 15:30
  // Mon 14:00-15:30 (1h30) + Tue 08:45-10:00 (1h15) = 2h45 from Wed's close: Thu 08:45 + 2h45.
  Deadline d = Compute(Days(2), received, {{Utc(2025, 11, 10, 14, 0), Utc(2025, 11, 11, 10, 0)}});
  EXPECT_EQ(*d.due, Utc(2025, 11, 13, 11, 30));
  EXPECT_THAT(Render(d.steps), testing::Contains("pause 2025-11-10T14:00Z: paused Mon 10 Nov 2025 14:00 GMT to Tue "
                                                 "11 Nov 2025 10:00 GMT: 2h 45m of working time added"));
  EXPECT_THAT(Summarize(d, *cal_), HasSubstr("2h 45m of working time added. Due Thu 13 Nov 2025 11:30 GMT."));

  // A due at 15:30 extended by 2h lands at the next working day's opening + 2h.
  d = Compute(Days(2), received, {{Utc(2025, 11, 10, 13, 0), Utc(2025, 11, 10, 15, 0)}});
  EXPECT_EQ(*d.due, Utc(2025, 11, 13, 10, 45));

  // Overlapping pauses are merged, so the overlap is not counted twice.
  d = Compute(
      Days(2), received,
      {{Utc(2025, 11, 11, 8, 50), Utc(2025, 11, 11, 10, 0)}, {Utc(2025, 11, 10, 14, 0), Utc(2025, 11, 11, 9, 0)}});
  EXPECT_EQ(*d.due, Utc(2025, 11, 13, 11, 30));
}

TEST_F(CalendarTest, PauseOverAWeekendCountsOnlyWorkingTime) {
  // Fri 14 Nov 15:00 to Mon 17 Nov 09:45: 30m Friday + 1h Monday.
  const Deadline d = Compute(Days(2), Utc(2025, 11, 14, 9, 0), {{Utc(2025, 11, 14, 15, 0), Utc(2025, 11, 17, 9, 45)}});
  EXPECT_EQ(*d.due, Utc(2025, 11, 19, 10, 15));  // Tue 18 close + 1h30
}

TEST_F(CalendarTest, PauseBeforeTheClockStartCountsFromTheStart) {
  // Received Sat; clock starts Mon 17 Nov 08:45; pause Sat 12:00 to Mon 10:00 counts 1h15.
  Deadline d = Compute(Days(1), Utc(2025, 11, 15, 10, 0), {{Utc(2025, 11, 15, 12, 0), Utc(2025, 11, 17, 10, 0)}});
  EXPECT_EQ(*d.due, Utc(2025, 11, 19, 10, 0));
  EXPECT_THAT(Render(d.steps), testing::Contains(HasSubstr("(counted from the clock start): 1h "
                                                           "15m of working time added")));
  // Wholly before the start: nothing.
  d = Compute(Days(1), Utc(2025, 11, 15, 10, 0), {{Utc(2025, 11, 15, 12, 0), Utc(2025, 11, 16, 12, 0)}});
  EXPECT_EQ(*d.due, Utc(2025, 11, 18, 15, 30));
  EXPECT_THAT(Render(d.steps), testing::Contains(HasSubstr("before the clock started: not counted")));
}

TEST_F(CalendarTest, PauseAfterTheDeadlineIsNotCounted) {
  const absl::Time received = Utc(2025, 11, 10, 10, 0);  // due Wed 12 Nov 15:30
  Deadline d = Compute(Days(2), received, {{Utc(2025, 11, 13, 9, 0), Utc(2025, 11, 13, 12, 0)}});
  EXPECT_EQ(*d.due, Utc(2025, 11, 12, 15, 30));
  EXPECT_THAT(Render(d.steps), testing::Contains(HasSubstr("after the deadline had passed")));
  // An open pause after the deadline does not hide the breach either.
  d = Compute(Days(2), received, {{Utc(2025, 11, 13, 9, 0), std::nullopt}});
  ASSERT_TRUE(d.due.has_value());
  EXPECT_EQ(*d.due, Utc(2025, 11, 12, 15, 30));

  // The first pause moves the due to Thu 13 Nov 11:30, so a pause on Thu 09:00-10:00 still counts.
  d = Compute(
      Days(2), received,
      {{Utc(2025, 11, 10, 14, 0), Utc(2025, 11, 11, 10, 0)}, {Utc(2025, 11, 13, 9, 0), Utc(2025, 11, 13, 10, 0)}});
  EXPECT_EQ(*d.due, Utc(2025, 11, 13, 12, 30));
}

TEST_F(CalendarTest, OpenPauseHoldsTheClock) {
  const Deadline d = Compute(Days(2), Utc(2025, 11, 10, 10, 0), {{Utc(2025, 11, 10, 11, 0), std::nullopt}});
  EXPECT_FALSE(d.due.has_value());
  EXPECT_EQ(d.clock_start, Utc(2025, 11, 10, 10, 0));
  EXPECT_EQ(d.steps.back().kind, Step::Kind::kPause);
  EXPECT_THAT(Summarize(d, *cal_), HasSubstr("No due time while the clock is paused."));
}

TEST_F(CalendarTest, ElapsedPausesExtendByWallClockTime) {
  const absl::Time received = London(2025, 10, 24, 16, 10);
  Deadline d = Compute(Elapsed(absl::Hours(48)), received, {{received + absl::Hours(1), received + absl::Hours(3)}});
  EXPECT_EQ(*d.due, received + absl::Hours(50));
  d = Compute(Elapsed(absl::Hours(48)), received, {{received + absl::Hours(1), std::nullopt}});
  EXPECT_FALSE(d.due.has_value());
}

TEST_F(CalendarTest, InvalidPauseAndBudget) {
  const absl::Time t = Utc(2025, 11, 10, 10, 0);
  const std::vector<Pause> backwards = {{t + absl::Hours(2), t + absl::Hours(1)}};
  auto r = ComputeDeadline(*cal_, Days(1), t, backwards);
  EXPECT_EQ(r.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(ErrorReason(r.status()), "INVALID_PAUSE");
  r = ComputeDeadline(*cal_, Days(-1), t);
  EXPECT_EQ(ErrorReason(r.status()), "INVALID_BUDGET");
  r = ComputeDeadline(*cal_, Hours(-absl::Hours(1)), t);
  EXPECT_EQ(ErrorReason(r.status()), "INVALID_BUDGET");
  r = ComputeDeadline(*cal_, Days(1), absl::InfiniteFuture());
  EXPECT_EQ(r.status().code(), absl::StatusCode::kInvalidArgument);
}

// --- Elapsed ----------------------------------------------------------------------------------

TEST_F(CalendarTest, ElapsedIgnoresClosuresAndTheCalendarsEnd) {
  const absl::Time received = London(2025, 10, 24, 16, 10);  // just before half-term
  Deadline d = Compute(Elapsed(absl::Hours(72)), received);
  EXPECT_EQ(d.clock_start, received);
  EXPECT_EQ(*d.due, Utc(2025, 10, 27, 15, 10));  // Monday of half-term
  EXPECT_THAT(Summarize(d, *cal_), HasSubstr("Elapsed clock"));

  d = Compute(Elapsed(absl::Hours(1)), Utc(2027, 8, 1, 12, 0));
  EXPECT_EQ(*d.due, Utc(2027, 8, 1, 13, 0));
}

// --- Rule 8: the calendar runs out ------------------------------------------------------------

TEST_F(CalendarTest, ExhaustedCalendarIsFailedPreconditionNamingTheDate) {
  auto r = ComputeDeadline(*cal_, Days(1), London(2026, 7, 22, 16, 0));
  EXPECT_EQ(r.status().code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_EQ(ErrorReason(r.status()), "CALENDAR_EXHAUSTED");
  EXPECT_EQ(r.status().message(), "no working period on or after 2026-07-23: enter the next school year's terms");

  // Enough to start but not to finish.
  r = ComputeDeadline(*cal_, Days(5), London(2026, 7, 20, 10, 0));
  EXPECT_EQ(ErrorReason(r.status()), "CALENDAR_EXHAUSTED");
  EXPECT_THAT(r.status().message(), HasSubstr("2026-07-23"));
  r = ComputeDeadline(*cal_, Hours(absl::Hours(100)), London(2026, 7, 20, 10, 0));
  EXPECT_EQ(ErrorReason(r.status()), "CALENDAR_EXHAUSTED");

  // Received in the summer holiday after the last term entered.
  r = ComputeDeadline(*cal_, Days(1), London(2026, 8, 10, 10, 0));
  EXPECT_THAT(r.status().message(), HasSubstr("on or after 2026-08-10"));

  // A pause pushing past the end.
  const std::vector<Pause> long_pause = {{London(2026, 7, 20, 10, 0), London(2026, 7, 21, 15, 0)}};
  r = ComputeDeadline(*cal_, Days(1), London(2026, 7, 20, 9, 0), long_pause);
  EXPECT_EQ(ErrorReason(r.status()), "CALENDAR_EXHAUSTED");

  CalendarSpec empty = England2025To26();
  empty.terms.clear();
  empty.closures.clear();
  r = ComputeDeadline(*MustBuild(empty), Days(1), London(2025, 9, 10, 10, 0));
  EXPECT_EQ(ErrorReason(r.status()), "CALENDAR_EXHAUSTED");
  EXPECT_THAT(r.status().message(), HasSubstr("2025-09-10"));
  EXPECT_EQ(ErrorReason(cal_->PeriodAtOrAfter(London(2026, 7, 23, 0, 0)).status()), "CALENDAR_EXHAUSTED");
}

// --- Validation -------------------------------------------------------------------------------

void ExpectInvalid(const CalendarSpec& spec, const std::string& fragment) {
  const absl::Status s = ValidateSpec(spec);
  EXPECT_EQ(s.code(), absl::StatusCode::kInvalidArgument) << fragment;
  EXPECT_EQ(ErrorReason(s), "INVALID_CALENDAR");
  EXPECT_THAT(std::string(s.message()), HasSubstr(fragment));
  EXPECT_EQ(Calendar::Build(spec).status().code(), absl::StatusCode::kInvalidArgument);
}

TEST(ValidateSpec, AcceptsARealCalendar) { EXPECT_TRUE(ValidateSpec(England2025To26()).ok()); }

TEST(ValidateSpec, RejectsBadItemsNamingThem) {
  CalendarSpec spec = England2025To26();
  spec.time_zone = "Europe/Londn";
  ExpectInvalid(spec, "unknown time zone \"Europe/Londn\"");
  spec.time_zone = "/etc/passwd";
  ExpectInvalid(spec, "unknown time zone");
  spec.time_zone = "Fixed/UTC+01:00:00";
  ExpectInvalid(spec, "unknown time zone");

  spec = England2025To26();
  spec.terms[1].first = absl::CivilDay(2025, 12, 1);
  ExpectInvalid(spec,
                "terms \"Autumn\" (2025-09-03..2025-12-19) and \"Spring\" "
                "(2025-12-01..2026-03-27) overlap");

  spec = England2025To26();
  spec.core_hours = {15 * 60 + 30, 8 * 60 + 45};
  ExpectInvalid(spec, "core hours close at 08:45, not after they open at 15:30");
  spec.core_hours = {8 * 60, 25 * 60};
  ExpectInvalid(spec, "within 00:00-24:00");

  spec = England2025To26();
  spec.closures[0].last = absl::CivilDay(2025, 10, 20);
  ExpectInvalid(spec, "closure \"Autumn half-term\" ends (2025-10-20) before it starts (2025-10-27)");

  spec = England2025To26();
  spec.terms[0].last = absl::CivilDay(2025, 9, 1);
  ExpectInvalid(spec, "term \"Autumn\" ends (2025-09-01)");

  spec = England2025To26();
  spec.overrides = {{absl::CivilDay(2025, 8, 1), {540, 720}, "Open day"}};
  ExpectInvalid(spec, "override on 2025-08-01 (\"Open day\") is outside every term");
  spec.overrides = {{absl::CivilDay(2025, 12, 19), {540, 720}, "a"}, {absl::CivilDay(2025, 12, 19), {540, 780}, "b"}};
  ExpectInvalid(spec, "two overrides on 2025-12-19");
  spec.overrides = {{absl::CivilDay(2025, 12, 19), {720, 540}, "a"}};
  ExpectInvalid(spec, "override hours on 2025-12-19 close at 09:00");

  spec = England2025To26();
  spec.school_days.fill(false);
  ExpectInvalid(spec, "no day set");

  spec = England2025To26();
  spec.terms[2].last = absl::CivilDay(2226, 7, 22);
  ExpectInvalid(spec, "more than 50 years");
}

TEST(ValidatePattern, RejectsBadPatterns) {
  WorkingPattern p;
  EXPECT_TRUE(ValidatePattern(p).ok());
  p.works.fill(false);
  EXPECT_EQ(ErrorReason(ValidatePattern(p)), "INVALID_WORKING_PATTERN");
  p = WorkingPattern{};
  p.hours[4] = HoursRange{600, 540};
  EXPECT_THAT(std::string(ValidatePattern(p).message()), HasSubstr("Friday hours"));
  p = WorkingPattern{};
  p.works[3] = false;
  p.hours[3] = HoursRange{540, 600};
  EXPECT_THAT(std::string(ValidatePattern(p).message()), HasSubstr("Thursday is not a working day"));
  EXPECT_EQ(Calendar::Build(England2025To26(), &p).status().code(), absl::StatusCode::kInvalidArgument);
}

// --- Properties over a whole school year -------------------------------------------------------

// Whether a date is a working day according to the spec itself, not the compiled calendar.
bool SpecSaysWorking(const CalendarSpec& spec, absl::CivilDay d) {
  const bool in_term = std::any_of(spec.terms.begin(), spec.terms.end(),
                                   [&](const DateRange& t) { return t.first <= d && d <= t.last; });
  const bool closed = std::any_of(spec.closures.begin(), spec.closures.end(),
                                  [&](const DateRange& c) { return c.first <= d && d <= c.last; });
  return in_term && !closed && spec.school_days[static_cast<int>(absl::GetWeekday(d))];
}

TEST_F(CalendarTest, PeriodsMatchTheSpecEveryDayOfTheYear) {
  const CalendarSpec spec = England2025To26();
  int working = 0;
  for (absl::CivilDay d(2025, 8, 1); d <= absl::CivilDay(2026, 8, 31); ++d) {
    auto p = cal_->PeriodOn(d);
    ASSERT_EQ(p.has_value(), SpecSaysWorking(spec, d)) << d;
    if (!p) continue;
    ++working;
    EXPECT_EQ(p->first, London().At(absl::CivilSecond(d.year(), d.month(), d.day(), 8, 45, 0)).pre);
    EXPECT_EQ(p->second, London().At(absl::CivilSecond(d.year(), d.month(), d.day(), 15, 30, 0)).pre);
  }
  // 211 weekdays in 2025-26's terms, less 15 half-term days and the Early May bank holiday (the
  // other bank holidays fall in holidays or in half-term).
  EXPECT_EQ(working, 211 - 15 - 1);
}

// The clock rules of docs/architecture.md walked date by date: no index, no binary search.
struct Reference {
  const Calendar& cal;

  std::pair<absl::Time, absl::CivilDay> Start(absl::Time received) const {
    absl::CivilDay d = absl::ToCivilDay(received, cal.zone());
    for (int i = 0; i < 1000; ++i, ++d) {
      auto p = cal.PeriodOn(d);
      if (p && received < p->second) return {std::max(received, p->first), d};
    }
    ADD_FAILURE() << "no start";
    return {};
  }
  absl::Time WorkingDays(absl::Time received, int n) const {
    absl::CivilDay d = Start(received).second;
    while (n > 0) {
      ++d;
      if (cal.PeriodOn(d)) --n;
    }
    return cal.PeriodOn(d)->second;
  }
  absl::Time WorkingHours(absl::Time received, absl::Duration left) const {
    auto [t, d] = Start(received);
    for (;; ++d) {
      auto p = cal.PeriodOn(d);
      if (!p) continue;
      const absl::Time from = std::max(t, p->first);
      if (left <= p->second - from) return from + left;
      left -= p->second - from;
    }
  }
};

TEST_F(CalendarTest, PropertiesOverRandomReceiptsAcrossTheYear) {
  const CalendarSpec spec = England2025To26();
  const Reference ref{*cal_};
  std::mt19937_64 rng(20250903);
  const int64_t from = absl::ToUnixSeconds(Utc(2025, 8, 1, 0, 0));
  const int64_t to = absl::ToUnixSeconds(Utc(2026, 7, 1, 0, 0));
  std::uniform_int_distribution<int64_t> pick(from, to);
  std::vector<absl::Time> receipts;
  for (int i = 0; i < 4000; ++i) receipts.push_back(absl::FromUnixSeconds(pick(rng)));
  std::sort(receipts.begin(), receipts.end());

  const std::vector<Budget> budgets = {Days(0),
                                       Days(1),
                                       Days(2),
                                       Days(5),
                                       Days(10),
                                       Hours(absl::Hours(1)),
                                       Hours(absl::Hours(7)),
                                       Hours(absl::Minutes(2000))};
  for (const Budget& budget : budgets) {
    absl::Time previous_due = absl::InfinitePast();
    for (const absl::Time received : receipts) {
      auto fast = ComputeDeadline(*cal_, budget, received, {}, /*explain=*/false);
      auto explained = ComputeDeadline(*cal_, budget, received, {}, /*explain=*/true);
      ASSERT_TRUE(fast.ok() && explained.ok()) << fast.status() << " " << Z(received);
      const absl::Time due = *fast->due;
      EXPECT_TRUE(fast->steps.empty());
      EXPECT_EQ(due, *explained->due);
      EXPECT_EQ(fast->clock_start, explained->clock_start);
      EXPECT_GE(fast->clock_start, received);
      EXPECT_GE(due, received);
      EXPECT_GE(due, previous_due) << "not monotonic at " << Z(received);
      previous_due = due;

      const absl::CivilDay due_day = absl::ToCivilDay(due, London());
      EXPECT_TRUE(SpecSaysWorking(spec, due_day)) << Z(due);
      auto period = cal_->PeriodOn(due_day);
      ASSERT_TRUE(period.has_value());
      EXPECT_GT(due, period->first);
      EXPECT_LE(due, period->second);
      if (budget.unit == Unit::kWorkingDays) {
        EXPECT_EQ(due, period->second);
        EXPECT_EQ(due, ref.WorkingDays(received, budget.working_days)) << Z(received);
        int64_t counted = 0;
        for (const Step& s : explained->steps) {
          if (s.kind == Step::Kind::kCounted) counted += s.last - s.first + 1;
        }
        EXPECT_EQ(counted, budget.working_days);
      } else {
        EXPECT_EQ(due, ref.WorkingHours(received, budget.duration)) << Z(received);
        EXPECT_EQ(cal_->WorkingTimeBetween(fast->clock_start, due), budget.duration);
      }
    }
  }
}

TEST_F(CalendarTest, SummaryWithoutStepsStillGivesTheFacts) {
  auto d = ComputeDeadline(*cal_, Days(2), London(2025, 10, 24, 16, 10), {}, /*explain=*/false);
  ASSERT_TRUE(d.ok());
  EXPECT_EQ(Summarize(*d, *cal_),
            "Received Fri 24 Oct 2025 16:10 BST. The clock started at Mon 3 Nov 2025 08:45 GMT. "
            "Due Wed 5 Nov 2025 15:30 GMT.");
}

TEST_F(CalendarTest, SummaryListsLongRuns) {
  const Deadline d = Compute(Days(10), London(2025, 11, 7, 16, 0));
  EXPECT_THAT(Summarize(d, *cal_),
              HasSubstr("Day 0 is Mon 10 Nov; 10 working days counted: Tue 11 Nov–Fri 14 Nov, "
                        "Mon 17 Nov–Fri 21 Nov, Mon 24 Nov; skipped 15–16 Nov (weekend), 22–23 Nov "
                        "(weekend). Due Mon 24 Nov 2025 15:30 GMT."));
}

TEST_F(CalendarTest, SharedAcrossThreads) {
  std::vector<std::thread> threads;
  std::vector<absl::Time> dues(4);
  for (int i = 0; i < 4; ++i) {
    threads.emplace_back([&, i] {
      for (int j = 0; j < 2000; ++j) {
        auto d = ComputeDeadline(*cal_, Days(2), London(2025, 10, 24, 16, 10), {}, j % 2 == 0);
        if (d.ok()) dues[i] = *d->due;
      }
    });
  }
  for (auto& t : threads) t.join();
  for (absl::Time due : dues) EXPECT_EQ(due, Utc(2025, 11, 5, 15, 30));
}

}  // namespace
}  // namespace parley::calendar
