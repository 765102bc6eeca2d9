#include "services/reporting/domain/report_service.h"

#include "common/clock/clock.h"
#include "common/status/reason.h"
#include "gtest/gtest.h"
#include "services/reporting/domain/figures_codec.h"
#include "services/reporting/domain/period.h"
#include "services/reporting/testing/fakes.h"

namespace parley::reporting {
namespace {

using testing::FakeDirectory;
using testing::FakeSources;
using testing::InMemoryFigureCache;
using testing::SampleSchool;

absl::Time Utc(int y, int m, int d, int h = 12) {
  return absl::FromCivil(absl::CivilSecond(y, m, d, h, 0, 0), absl::UTCTimeZone());
}

PromiseCounts Promise(int64_t received, int64_t ack_met, int64_t ack_ended) {
  PromiseCounts p;
  p.received = received;
  p.acknowledge_met = ack_met;
  p.acknowledge_ended = ack_ended;
  p.answer_met = ack_met;
  p.answer_ended = ack_ended;
  p.breaches = ack_ended - ack_met;
  p.median_hours_to_acknowledge = 5.5;
  return p;
}

class ReportServiceTest : public ::testing::Test {
 protected:
  ReportServiceTest() : clock_(Utc(2025, 11, 20)), sources_(&clock_) {
    directory_.Add(SampleSchool("kenilworth"));
    directory_.Add(SampleSchool("st-marys", 2));
    EnquiryStats k;
    k.all = Promise(40, 30, 36);
    k.by_category = {{"learning", Promise(37, 28, 33)}, {"safeguarding", Promise(3, 2, 3)}};
    k.escalations_by_rung = {{1, 4}, {2, 1}};
    k.referrals_to_complaints = 1;
    k.safeguarding_received = 3;  // flagged at intake, whatever the category
    k.open_now = 7;
    k.overdue_now = 2;
    sources_.SetEnquiries("kenilworth", k);
    EnquiryStats s;
    s.all = Promise(10, 10, 10);
    s.open_now = 1;
    sources_.SetEnquiries("st-marys", s);
    sources_.SetConduct("kenilworth", {3, 1, 2, 1, 0, 0, 0});
    MeetingStats m;
    m.requests = 6;
    m.evening_slots_offered = 300;
    m.evening_slots_booked = 240;
    sources_.SetMeetings("kenilworth", m);
    NotificationStats n;
    n.all.notices = 12;
    n.all.messages = 800;
    sources_.SetNotifications("kenilworth", n);
    options_.fresh_for = absl::Seconds(60);
    options_.settle = absl::Hours(24 * 14);
    service_ = std::make_unique<ReportService>(&directory_, &sources_, &cache_, &clock_, options_);
  }

  SimulatedClock clock_;
  FakeDirectory directory_;
  FakeSources sources_;
  InMemoryFigureCache cache_;
  ReportOptions options_;
  std::unique_ptr<ReportService> service_;
};

TEST_F(ReportServiceTest, EachSchoolIsMeasuredOverItsOwnTermWithEverySourcesFigures) {
  absl::StatusOr<TrustReport> r = service_->Trust("2025-autumn", {"kenilworth", "st-marys"}, {});
  ASSERT_TRUE(r.ok()) << r.status();
  ASSERT_EQ(r->schools.size(), 2u);
  const SchoolReport& k = r->schools[0];
  EXPECT_EQ(k.school.id, "kenilworth");
  EXPECT_EQ(k.period.first, absl::CivilDay(2025, 9, 1));
  EXPECT_EQ(r->schools[1].period.first, absl::CivilDay(2025, 9, 3));
  ASSERT_TRUE(k.enquiries && k.conduct && k.meetings && k.notifications);
  EXPECT_EQ(k.enquiries->all.received, 40);
  EXPECT_EQ(k.conduct->incidents, 3);
  EXPECT_EQ(k.meetings->evening_slots_booked, 240);
  EXPECT_EQ(k.notifications->all.messages, 800);
  EXPECT_TRUE(k.missing.empty());
  EXPECT_FALSE(k.closed);  // still running on 20 November
  EXPECT_EQ(k.versions.at("escalation"), "test-1");

  const TrustTotals t = Totals(*r);
  EXPECT_EQ(t.schools, 2);
  EXPECT_EQ(t.pupils, 840);
  EXPECT_EQ(t.promise.received, 50);
  EXPECT_EQ(t.promise.acknowledge_met, 40);
  EXPECT_EQ(t.promise.acknowledge_ended, 46);
  EXPECT_EQ(t.escalations, 5);
  EXPECT_EQ(t.safeguarding, 3);
  EXPECT_EQ(t.open_now, 8);
}

TEST_F(ReportServiceTest, ASourceThatFailsLeavesItsFiguresMissingAndNamed) {
  sources_.Fail(Source::kConduct, absl::UnavailableError("down"));
  sources_.Fail(Source::kNotifications, absl::DeadlineExceededError("slow"));
  absl::StatusOr<TrustReport> r = service_->Trust("2025-autumn", {"kenilworth"}, {});
  ASSERT_TRUE(r.ok()) << r.status();
  const SchoolReport& k = r->schools[0];
  EXPECT_FALSE(k.conduct.has_value());        // absent, not zero
  EXPECT_FALSE(k.notifications.has_value());  // absent, not zero
  EXPECT_TRUE(k.enquiries.has_value());
  EXPECT_TRUE(k.meetings.has_value());
  ASSERT_EQ(k.missing.size(), 2u);
  EXPECT_EQ(k.missing[0].school_id, "kenilworth");
  EXPECT_EQ(k.missing[0].source, Source::kConduct);
  EXPECT_EQ(k.missing[0].figures, "conduct");
  EXPECT_EQ(k.missing[0].reason, "conduct is unavailable");
  EXPECT_EQ(k.missing[1].source, Source::kNotifications);
  EXPECT_EQ(k.missing[1].reason, "notifications did not answer within 3s");
  // Nothing of a failed call is kept: the next report asks again and gets the figures.
  sources_.Fail(Source::kConduct, absl::OkStatus());
  sources_.Fail(Source::kNotifications, absl::OkStatus());
  r = service_->Trust("2025-autumn", {"kenilworth"}, {});
  ASSERT_TRUE(r.ok());
  EXPECT_TRUE(r->schools[0].missing.empty());
  EXPECT_EQ(r->schools[0].conduct->incidents, 3);
}

TEST_F(ReportServiceTest, AnOpenPeriodsFiguresAreReusedWhileFreshThenAskedAgain) {
  ASSERT_TRUE(service_->Trust("2025-autumn", {"kenilworth"}, {}).ok());
  EXPECT_EQ(sources_.Calls(Source::kEscalation), 1);
  clock_.Advance(absl::Seconds(30));
  ASSERT_TRUE(service_->Trust("2025-autumn", {"kenilworth"}, {}).ok());
  EXPECT_EQ(sources_.Calls(Source::kEscalation), 1);
  clock_.Advance(absl::Seconds(31));
  EnquiryStats newer;
  newer.all = Promise(41, 31, 37);
  sources_.SetEnquiries("kenilworth", newer);
  absl::StatusOr<TrustReport> r = service_->Trust("2025-autumn", {"kenilworth"}, {});
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(sources_.Calls(Source::kEscalation), 2);
  EXPECT_EQ(r->schools[0].enquiries->all.received, 41);
  EXPECT_EQ(r->schools[0].oldest_figure, clock_.Now());
}

TEST_F(ReportServiceTest, ASettledPeriodIsComputedOnceButOpenMattersAreAlwaysCurrent) {
  clock_.Advance(absl::Hours(24 * 60));  // 19 January 2026: autumn ended a month ago
  absl::StatusOr<TrustReport> r = service_->Trust("2025-autumn", {"kenilworth"}, {});
  ASSERT_TRUE(r.ok());
  EXPECT_TRUE(r->schools[0].closed);
  const int period_calls = sources_.Calls(Source::kConduct);
  EXPECT_EQ(period_calls, 1);
  // Much later, with changed sources: the term's figures are as first computed, "now" is new.
  clock_.Advance(absl::Hours(24 * 30));
  EnquiryStats later;
  later.all = Promise(99, 99, 99);
  later.open_now = 11;
  later.overdue_now = 4;
  sources_.SetEnquiries("kenilworth", later);
  r = service_->Trust("2025-autumn", {"kenilworth"}, {});
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(sources_.Calls(Source::kConduct), period_calls);
  EXPECT_EQ(r->schools[0].enquiries->all.received, 40);
  EXPECT_EQ(r->schools[0].enquiries->open_now, 11);
  EXPECT_EQ(r->schools[0].enquiries->overdue_now, 4);
  EXPECT_FALSE(r->schools[0].now_missing);
}

TEST_F(ReportServiceTest, NowFiguresThatCannotBeHadAreMarkedMissingNotZero) {
  clock_.Advance(absl::Hours(24 * 60));
  ASSERT_TRUE(service_->Trust("2025-autumn", {"kenilworth"}, {}).ok());
  clock_.Advance(absl::Hours(1));
  sources_.Fail(Source::kEscalation, absl::UnavailableError("down"));
  absl::StatusOr<TrustReport> r = service_->Trust("2025-autumn", {"kenilworth"}, {});
  ASSERT_TRUE(r.ok());
  EXPECT_TRUE(r->schools[0].enquiries.has_value());  // the settled term, kept
  EXPECT_TRUE(r->schools[0].now_missing);
  ASSERT_EQ(r->schools[0].missing.size(), 1u);
  EXPECT_EQ(r->schools[0].missing[0].figures, "open and overdue now");
  EXPECT_EQ(Totals(*r).open_now, 0);
}

TEST_F(ReportServiceTest, TheWeeklyTrendAsksEachWeekInTheSchoolsZone) {
  const Period half = *ResolvePeriod(*ParsePeriod("2025-autumn-1"), SampleSchool("kenilworth"));
  sources_.SetWeek("kenilworth", StartOfDay(absl::CivilDay(2025, 9, 8), "Europe/London"), Promise(9, 8, 9));
  absl::StatusOr<TrustReport> r = service_->Trust("2025-autumn-1", {"kenilworth"}, {.week = true});
  ASSERT_TRUE(r.ok());
  const std::vector<WeekStats>& weeks = r->schools[0].weeks;
  ASSERT_EQ(weeks.size(), WeeksOf(half).size());
  EXPECT_EQ(weeks[0].monday, absl::CivilDay(2025, 9, 1));
  EXPECT_EQ(weeks[1].monday, absl::CivilDay(2025, 9, 8));
  EXPECT_EQ(weeks[1].promise.received, 9);
  EXPECT_EQ(weeks[0].promise.received, 40);  // the fake's whole-period figures for other weeks
  // One call for the half-term, one per week, and one for what is open now (the half-term ended
  // more than two weeks before 20 November, so its figures are settled).
  EXPECT_TRUE(r->schools[0].closed);
  EXPECT_EQ(sources_.Calls(Source::kEscalation), 1 + static_cast<int>(weeks.size()) + 1);
}

int AllCalls(const FakeSources& sources) {
  return sources.Calls(Source::kEscalation) + sources.Calls(Source::kConduct) + sources.Calls(Source::kAppointments) +
         sources.Calls(Source::kNotifications);
}

TEST_F(ReportServiceTest, AWarmReportOfASettledPeriodIsOneCacheLookupAndNoSourceCall) {
  clock_.Advance(absl::Hours(24 * 60));  // 19 January 2026: autumn has settled
  absl::StatusOr<TrustReport> cold = service_->Trust("2025-autumn", {"kenilworth", "st-marys"}, {.week = true});
  ASSERT_TRUE(cold.ok()) << cold.status();
  const size_t weeks = cold->schools[0].weeks.size();
  ASSERT_GT(weeks, 10u);
  EXPECT_EQ(cache_.lookups(), 1);
  // Per school: 4 sources over the term, every week, and the "now" look.
  EXPECT_EQ(AllCalls(sources_), 2 * (4 + 1) + static_cast<int>(weeks + cold->schools[1].weeks.size()));

  clock_.Advance(absl::Seconds(30));
  const int calls = AllCalls(sources_);
  absl::StatusOr<TrustReport> warm = service_->Trust("2025-autumn", {"kenilworth", "st-marys"}, {.week = true});
  ASSERT_TRUE(warm.ok()) << warm.status();
  EXPECT_EQ(cache_.lookups(), 2);
  EXPECT_EQ(AllCalls(sources_), calls);
  const SchoolReport& k = warm->schools[0];
  EXPECT_TRUE(k.missing.empty());
  EXPECT_EQ(k.weeks.size(), weeks);
  EXPECT_EQ(k.enquiries->all.received, 40);
  EXPECT_EQ(k.enquiries->open_now, 7);
  EXPECT_EQ(k.conduct->incidents, 3);
  EXPECT_EQ(k.meetings->evening_slots_booked, 240);
  EXPECT_EQ(k.notifications->all.messages, 800);
  EXPECT_EQ(k.oldest_figure, cold->schools[0].oldest_figure);
  EXPECT_EQ(k.versions, cold->schools[0].versions);

  // Once "now" is older than fresh_for, it alone is asked again: one call per school, still one lookup.
  clock_.Advance(absl::Seconds(60));
  EnquiryStats later;
  later.all = Promise(99, 99, 99);
  later.open_now = 11;
  sources_.SetEnquiries("kenilworth", later);
  warm = service_->Trust("2025-autumn", {"kenilworth", "st-marys"}, {.week = true});
  ASSERT_TRUE(warm.ok()) << warm.status();
  EXPECT_EQ(cache_.lookups(), 3);
  EXPECT_EQ(AllCalls(sources_), calls + 2);
  EXPECT_EQ(sources_.Calls(Source::kConduct), 2);
  EXPECT_EQ(warm->schools[0].enquiries->all.received, 40);  // the settled term, as first computed
  EXPECT_EQ(warm->schools[0].enquiries->open_now, 11);
}

TEST_F(ReportServiceTest, AWarmReportOfAnOpenPeriodIsOneLookupWhileFresh) {
  ASSERT_TRUE(service_->Trust("2025-autumn", {"kenilworth", "st-marys"}, {}).ok());
  EXPECT_EQ(AllCalls(sources_), 8);  // open: no "now" look, the period's figures carry it
  clock_.Advance(absl::Seconds(59));
  absl::StatusOr<TrustReport> r = service_->Trust("2025-autumn", {"kenilworth", "st-marys"}, {});
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(cache_.lookups(), 2);
  EXPECT_EQ(cache_.keys_looked_up(), 16);
  EXPECT_EQ(AllCalls(sources_), 8);
  EXPECT_EQ(r->schools[0].enquiries->open_now, 7);
  // Stale: everything is asked again, after the same single lookup.
  clock_.Advance(absl::Seconds(1));
  ASSERT_TRUE(service_->Trust("2025-autumn", {"kenilworth", "st-marys"}, {}).ok());
  EXPECT_EQ(cache_.lookups(), 3);
  EXPECT_EQ(AllCalls(sources_), 16);
}

TEST_F(ReportServiceTest, WhenTheCacheCannotBeReadEveryFigureIsAskedOfItsSource) {
  clock_.Advance(absl::Hours(24 * 60));
  ASSERT_TRUE(service_->Trust("2025-autumn", {"kenilworth"}, {}).ok());
  const int calls = AllCalls(sources_);
  cache_.FailLookups(absl::UnavailableError("database down"));
  absl::StatusOr<TrustReport> r = service_->Trust("2025-autumn", {"kenilworth"}, {});
  ASSERT_TRUE(r.ok()) << r.status();
  EXPECT_TRUE(r->schools[0].missing.empty());
  EXPECT_EQ(r->schools[0].conduct->incidents, 3);
  EXPECT_EQ(AllCalls(sources_), 2 * calls);
}

TEST_F(ReportServiceTest, AnUnreadableFinalEntryIsRecomputedEveryTimeAndNeverServed) {
  clock_.Advance(absl::Hours(24 * 60));
  const Period p = *ResolvePeriod(*ParsePeriod("2025-autumn"), SampleSchool("kenilworth"));
  ASSERT_TRUE(
      cache_.Put({"kenilworth", Source::kConduct, p.start_time, p.end_time}, {"[]", clock_.Now(), "x", true}).ok());
  for (int i = 1; i <= 2; ++i) {
    absl::StatusOr<TrustReport> r = service_->Trust("2025-autumn", {"kenilworth"}, {});
    ASSERT_TRUE(r.ok());
    ASSERT_TRUE(r->schools[0].conduct.has_value());
    EXPECT_EQ(r->schools[0].conduct->incidents, 3);
    EXPECT_EQ(r->schools[0].versions.at("conduct"), "test-1");
    EXPECT_EQ(sources_.Calls(Source::kConduct), i);
    EXPECT_EQ(sources_.Calls(Source::kAppointments), 1);  // readable final entries are served
  }
}

TEST_F(ReportServiceTest, FinalFiguresComputedAgainAfterTheCacheWasEmptiedAreTheNewOnes) {
  clock_.Advance(absl::Hours(24 * 60));
  for (int i = 0; i < 2; ++i) {  // the second report serves the final entries already decoded
    absl::StatusOr<TrustReport> r = service_->Trust("2025-autumn", {"kenilworth"}, {.week = true});
    ASSERT_TRUE(r.ok());
    EXPECT_EQ(r->schools[0].conduct->incidents, 3);
    EXPECT_EQ(r->schools[0].weeks[1].promise.received, 40);
  }
  EXPECT_EQ(sources_.Calls(Source::kConduct), 1);
  cache_.Clear();
  sources_.SetConduct("kenilworth", {8, 1, 2, 1, 0, 0, 0});
  EnquiryStats later;
  later.all = Promise(12, 12, 12);
  sources_.SetEnquiries("kenilworth", later);
  for (int i = 0; i < 2; ++i) {
    absl::StatusOr<TrustReport> r = service_->Trust("2025-autumn", {"kenilworth"}, {.week = true});
    ASSERT_TRUE(r.ok());
    EXPECT_EQ(r->schools[0].conduct->incidents, 8);
    EXPECT_EQ(r->schools[0].enquiries->all.received, 12);
    EXPECT_EQ(r->schools[0].weeks[1].promise.received, 12);
  }
  EXPECT_EQ(sources_.Calls(Source::kConduct), 2);
}

TEST_F(ReportServiceTest, BadPeriodsAndUnknownSchoolsAreRefused) {
  EXPECT_EQ(ErrorReason(service_->Trust("2025-winter", {"kenilworth"}, {}).status()), reason::kInvalidPeriod);
  EXPECT_EQ(ErrorReason(service_->Trust("2031-autumn", {"kenilworth"}, {}).status()), reason::kPeriodNotInCalendar);
  absl::StatusOr<TrustReport> r = service_->Trust("2025-autumn", {"nowhere"}, {});
  EXPECT_EQ(r.status().code(), absl::StatusCode::kNotFound);
  EXPECT_EQ(sources_.Calls(Source::kEscalation), 0);
}

TEST(FiguresCodecTest, EveryFigureSurvivesTheCache) {
  EnquiryStats e;
  e.all = Promise(5, 4, 5);
  e.all.p90_hours_to_answer = 17.25;
  e.by_channel = {{"email", Promise(3, 3, 3)}, {"phone", Promise(2, 1, 2)}};
  e.escalations_by_rung = {{1, 2}};
  e.follow_up_running = 3;
  e.safeguarding_received = 2;
  e.safeguarding_taken_up = 1;
  e.p90_hours_to_dsl = 1.5;
  e.overdue_now = 1;
  EnquiryStats back;
  ASSERT_TRUE(DecodeFigures(EncodeFigures(e), back).ok());
  EXPECT_EQ(EncodeFigures(back), EncodeFigures(e));
  EXPECT_EQ(back.by_channel[1].first, "phone");
  EXPECT_EQ(back.all.p90_hours_to_answer, 17.25);
  EXPECT_EQ(back.safeguarding_taken_up, 1);
  EXPECT_EQ(back.p90_hours_to_dsl, 1.5);
  EXPECT_FALSE(back.all.median_hours_to_answer.has_value());

  NotificationStats n;
  n.emergency.messages = 9;
  n.emergency.median_seconds_to_send = 4.5;
  n.by_channel = {{"sms", {}}};
  NotificationStats n_back;
  ASSERT_TRUE(DecodeFigures(EncodeFigures(n), n_back).ok());
  EXPECT_EQ(EncodeFigures(n_back), EncodeFigures(n));

  ConductStats c;
  EXPECT_EQ(ErrorReason(DecodeFigures("{\"incidents\": \"three\"}", c)), reason::kCacheCorrupt);
  EXPECT_EQ(ErrorReason(DecodeFigures("not json", c)), reason::kCacheCorrupt);
  EXPECT_EQ(ErrorReason(DecodeFigures("[]", c)), reason::kCacheCorrupt);
}

TEST_F(ReportServiceTest, AnUnreadableCacheEntryIsRecomputed) {
  const Period p = *ResolvePeriod(*ParsePeriod("2025-autumn"), SampleSchool("kenilworth"));
  ASSERT_TRUE(
      cache_.Put({"kenilworth", Source::kConduct, p.start_time, p.end_time}, {"garbage", clock_.Now(), "x", false})
          .ok());
  absl::StatusOr<TrustReport> r = service_->Trust("2025-autumn", {"kenilworth"}, {});
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r->schools[0].conduct->incidents, 3);
  EXPECT_EQ(sources_.Calls(Source::kConduct), 1);
}

}  // namespace
}  // namespace parley::reporting
