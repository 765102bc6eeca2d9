#include "services/escalation/domain/enquiry_view.h"

#include <string>

#include "absl/time/time.h"
#include "common/calendar/testing/school_calendars.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "services/escalation/testing/calendar_deadline_source.h"
#include "services/escalation/testing/scenario.h"

namespace parley::escalation {
namespace {

using ::parley::escalation::testing::CalendarDeadlineSource;
using ::parley::escalation::testing::NewEnquiry;
using ::parley::escalation::testing::Utc;
using ::testing::Optional;

constexpr char kTeacher[] = "schools/st-marys/staff/teacher";

Event At(EventKind kind, absl::Time at) {
  Event ev;
  ev.kind = kind;
  ev.at = at;
  ev.actor = "teacher";
  return ev;
}

ClockSnapshot Snapshot(Stage stage, absl::Time from, absl::Time due) {
  ClockSnapshot s;
  s.stage = stage;
  s.clock_from = from;
  s.clock_start = from;
  s.due = due;
  s.owner = kTeacher;
  s.calendar_version = "cal-1";
  s.policy_version = "policy-1";
  return s;
}

// Received Mon 3 Nov 2025 09:00Z: acknowledge by Wed 5 Nov 15:30Z, answer by Mon 10 Nov 15:30Z (the
// snapshots a St Mary's style policy gives).
class EnquiryViewTest : public ::testing::Test {
 protected:
  EnquiryViewTest() : source_(calendar::testdata::MustBuild(calendar::testdata::England2025To26())) {
    source_.SetBudget(Stage::kAcknowledge, calendar::Budget{calendar::Unit::kWorkingDays, 2, absl::ZeroDuration()});
    source_.SetBudget(Stage::kRespond, calendar::Budget{calendar::Unit::kWorkingDays, 5, absl::ZeroDuration()});
    e_ = NewEnquiry("e-1", t0_);
    e_.history.push_back(At(EventKind::kReceived, t0_));
    Event routed = At(EventKind::kRouted, t0_);
    routed.owner = kTeacher;
    routed.acknowledge = Snapshot(Stage::kAcknowledge, t0_, ack_due_);
    routed.respond = Snapshot(Stage::kRespond, t0_, respond_due_);
    e_.history.push_back(routed);
  }

  EnquiryView View(absl::Time now) {
    absl::StatusOr<EnquiryView> v = Derive(e_, now, source_);
    EXPECT_TRUE(v.ok()) << v.status();
    return v.ok() ? *v : EnquiryView{};
  }

  const absl::Time t0_ = Utc(2025, 11, 3, 9, 0);
  const absl::Time ack_due_ = Utc(2025, 11, 5, 15, 30);
  const absl::Time respond_due_ = Utc(2025, 11, 10, 15, 30);
  CalendarDeadlineSource source_;
  Enquiry e_;
};

TEST_F(EnquiryViewTest, ClocksComeFromTheSnapshotWithoutAskingTheSource) {
  const EnquiryView v = View(t0_);
  EXPECT_EQ(v.state, EnquiryState::kOpen);
  EXPECT_EQ(v.owner, kTeacher);
  EXPECT_EQ(v.cycle, 1);
  EXPECT_THAT(v.acknowledge->due, Optional(ack_due_));
  EXPECT_EQ(v.acknowledge->calendar_version, "cal-1");
  EXPECT_EQ(v.acknowledge->status, ClockStatus::kPending);
  EXPECT_EQ(source_.calls(), 0);
}

TEST_F(EnquiryViewTest, AClockUnkeptAtItsDueInstantIsBreachedEvenBeforeTheTimerFires) {
  EXPECT_EQ(View(ack_due_ - absl::Seconds(1)).acknowledge->status, ClockStatus::kPending);
  const EnquiryView v = View(ack_due_);
  EXPECT_EQ(v.acknowledge->status, ClockStatus::kBreached);
  EXPECT_FALSE(v.acknowledge->breach_recorded);
}

TEST_F(EnquiryViewTest, KeptLateIsBreachedKeptInTimeIsMet) {
  e_.history.push_back(At(EventKind::kAcknowledged, ack_due_ + absl::Minutes(1)));
  e_.history.push_back(At(EventKind::kReplied, Utc(2025, 11, 7, 10, 0)));
  const EnquiryView v = View(Utc(2025, 11, 20, 0, 0));
  EXPECT_EQ(v.acknowledge->status, ClockStatus::kBreached);
  EXPECT_THAT(v.acknowledge->met_at, Optional(ack_due_ + absl::Minutes(1)));
  EXPECT_EQ(v.respond->status, ClockStatus::kMet);
}

TEST_F(EnquiryViewTest, APauseIsAppliedOnTheSameCalendarAndAnOpenOneHoldsTheClock) {
  e_.history.push_back(At(EventKind::kAcknowledged, Utc(2025, 11, 3, 10, 0)));
  e_.history.push_back(At(EventKind::kPaused, Utc(2025, 11, 4, 8, 45)));
  EnquiryView held = View(Utc(2025, 11, 20, 0, 0));
  EXPECT_EQ(held.state, EnquiryState::kAwaitingParent);
  EXPECT_EQ(held.respond->status, ClockStatus::kPaused);  // not breached however long it waits
  EXPECT_EQ(held.respond->due, std::nullopt);
  EXPECT_EQ(held.acknowledge->status, ClockStatus::kMet);
  EXPECT_THAT(held.acknowledge->due, Optional(ack_due_));  // met before the pause: untouched

  // Resumed a whole working day later (Tue 08:45 to Wed 08:45): due one working day later.
  e_.history.push_back(At(EventKind::kResumed, Utc(2025, 11, 5, 8, 45)));
  const EnquiryView v = View(Utc(2025, 11, 5, 9, 0));
  EXPECT_EQ(v.state, EnquiryState::kAcknowledged);
  EXPECT_THAT(v.respond->due, Optional(Utc(2025, 11, 11, 15, 30)));
  EXPECT_EQ(v.respond->status, ClockStatus::kPending);
}

TEST_F(EnquiryViewTest, ResolvingWhilePausedEndsThePause) {
  e_.history.push_back(At(EventKind::kPaused, Utc(2025, 11, 4, 8, 45)));
  e_.history.push_back(At(EventKind::kResolved, Utc(2025, 11, 6, 8, 45)));
  const EnquiryView v = View(Utc(2025, 12, 1, 0, 0));
  EXPECT_EQ(v.state, EnquiryState::kResolved);
  ASSERT_EQ(v.pauses.size(), 1u);
  EXPECT_THAT(v.pauses[0].end, Optional(Utc(2025, 11, 6, 8, 45)));
  EXPECT_EQ(v.respond->status, ClockStatus::kMet);
  EXPECT_EQ(v.acknowledge->status, ClockStatus::kMet);  // two working days paused: due Fri 7 Nov
}

TEST_F(EnquiryViewTest, SafeguardingIsNeverRedirectedByTheGate) {
  e_.safeguarding = true;
  Event gated = At(EventKind::kGated, t0_);
  gated.gate = GateOutcome::kRedirect;
  e_.history.insert(e_.history.begin() + 1, gated);
  EXPECT_EQ(View(t0_).state, EnquiryState::kOpen);
  e_.safeguarding = false;
  EXPECT_EQ(View(t0_).state, EnquiryState::kOpen);  // routed after the gate: the router's call
  EXPECT_EQ(DeriveState(e_).gate, GateOutcome::kRedirect);
}

TEST_F(EnquiryViewTest, SourceErrorsPassThrough) {
  e_.history.push_back(At(EventKind::kPaused, Utc(2025, 11, 4, 8, 45)));
  CalendarDeadlineSource empty(calendar::testdata::MustBuild(calendar::testdata::England2025To26()));
  absl::StatusOr<EnquiryView> v = Derive(e_, t0_, empty);  // no policy rule for any stage
  EXPECT_EQ(v.status().code(), absl::StatusCode::kFailedPrecondition);
  // DeriveState needs no source at all.
  EXPECT_EQ(DeriveState(e_).state, EnquiryState::kAwaitingParent);
}

}  // namespace
}  // namespace parley::escalation
