#include "services/escalation/domain/rules.h"

#include <memory>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/time/civil_time.h"
#include "absl/time/time.h"
#include "common/calendar/calendar.h"
#include "common/calendar/testing/school_calendars.h"
#include "common/status/reason.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "services/escalation/domain/enquiry_view.h"
#include "services/escalation/testing/calendar_deadline_source.h"
#include "services/escalation/testing/scenario.h"

namespace parley::escalation {
namespace {

using ::parley::escalation::testing::Apply;
using ::parley::escalation::testing::CalendarDeadlineSource;
using ::parley::escalation::testing::London;
using ::parley::escalation::testing::NewEnquiry;
using ::parley::escalation::testing::Utc;
using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::IsEmpty;
using ::testing::Optional;
using ::testing::SizeIs;

constexpr char kTeacher[] = "schools/st-marys/staff/teacher";
constexpr char kHeadOfYear[] = "schools/st-marys/staff/hoy";
constexpr char kHead[] = "schools/st-marys/staff/head";
constexpr char kCover[] = "schools/st-marys/staff/cover";
constexpr char kPartTimer[] = "schools/st-marys/staff/part-time";
constexpr char kDsl[] = "schools/st-marys/staff/dsl";
constexpr char kDeputyDsl[] = "schools/st-marys/staff/deputy-dsl";
constexpr char kLineManager[] = "schools/st-marys/staff/line-manager";

calendar::Budget WorkingDays(int n) { return calendar::Budget{calendar::Unit::kWorkingDays, n, absl::ZeroDuration()}; }

// St Mary's style: acknowledge within 2 working days, answer within 5, on the England 2025-26
// calendar (core hours 08:45-15:30, autumn half-term 27-31 Oct 2025, BST ends 26 Oct 2025).
class EscalationRulesTest : public ::testing::Test {
 protected:
  EscalationRulesTest() : cal_(calendar::testdata::MustBuild(calendar::testdata::England2025To26())), source_(cal_) {
    source_.SetBudget(Stage::kAcknowledge, WorkingDays(2));
    source_.SetBudget(Stage::kRespond, WorkingDays(5));
    ladder_.rungs = {{kTeacher, "class_teacher"}, {kHeadOfYear, "head_of_year"}, {kHead, "head"}};
  }

  // Opens and applies; the gate is not asked (an unidentified sender) unless given.
  Decision Open(Enquiry& e, absl::Time now, std::optional<GateResult> gate = std::nullopt,
                const std::string& owner = kTeacher) {
    OpenRequest r;
    r.gate = gate;
    r.owner = owner;
    r.actor = "office";
    r.now = now;
    absl::StatusOr<Decision> d = escalation::Open(e, r, source_);
    EXPECT_TRUE(d.ok()) << d.status();
    if (!d.ok()) return Decision{};
    Apply(e, *d);
    return *d;
  }

  // Runs a rule, expects success, applies its events.
  Decision Do(Enquiry& e, absl::StatusOr<Decision> d) {
    EXPECT_TRUE(d.ok()) << d.status();
    if (!d.ok()) return Decision{};
    Apply(e, *d);
    return *d;
  }

  Act At(absl::Time at, std::string reason = "") { return Act{"teacher", at, std::move(reason)}; }

  EnquiryView View(const Enquiry& e, absl::Time now) {
    absl::StatusOr<EnquiryView> v = Derive(e, now, source_);
    EXPECT_TRUE(v.ok()) << v.status();
    return v.ok() ? *v : EnquiryView{};
  }

  BreachContext Context() { return BreachContext{ladder_, kLineManager}; }

  std::shared_ptr<const calendar::Calendar> cal_;
  CalendarDeadlineSource source_;
  EscalationLadder ladder_;
};

std::optional<absl::Time> TimerFor(const Decision& d, Stage stage) {
  for (const TimerSetting& t : d.timers) {
    if (t.stage == stage) return t.due;
  }
  ADD_FAILURE() << "no timer setting for " << StageWord(stage);
  return std::nullopt;
}

std::vector<EventKind> Kinds(const Decision& d) {
  std::vector<EventKind> out;
  for (const Event& ev : d.events) out.push_back(ev.kind);
  return out;
}

std::vector<std::string> Recipients(const Decision& d) {
  std::vector<std::string> out;
  for (const Notice& n : d.notices) out.push_back(n.recipient);
  return out;
}

// --- Intake and the policy clock ------------------------------------------------------------------

TEST_F(EscalationRulesTest, WorkedExampleAfterHoursFridayBeforeHalfTermDueWednesdayAfter) {
  Enquiry e = NewEnquiry("e-1", London(2025, 10, 24, 16, 10));
  ASSERT_EQ(e.received_at, Utc(2025, 10, 24, 15, 10));  // BST
  Decision d = Open(e, e.received_at);

  EXPECT_THAT(Kinds(d), ElementsAre(EventKind::kReceived, EventKind::kRouted));
  const Event& routed = d.events[1];
  ASSERT_TRUE(routed.acknowledge.has_value());
  EXPECT_EQ(routed.acknowledge->clock_start, Utc(2025, 11, 3, 8, 45));  // Monday after half-term, GMT
  EXPECT_THAT(routed.acknowledge->due, Optional(Utc(2025, 11, 5, 15, 30)));
  EXPECT_EQ(routed.acknowledge->calendar_version, cal_->Fingerprint());
  EXPECT_EQ(routed.acknowledge->policy_version, "policy-1");
  EXPECT_THAT(routed.respond->due, Optional(Utc(2025, 11, 10, 15, 30)));
  EXPECT_THAT(TimerFor(d, Stage::kAcknowledge), Optional(Utc(2025, 11, 5, 15, 30)));
  EXPECT_THAT(TimerFor(d, Stage::kRespond), Optional(Utc(2025, 11, 10, 15, 30)));
  ASSERT_THAT(d.notices, SizeIs(1));
  EXPECT_EQ(d.notices[0].kind, Notice::Kind::kAssigned);
  EXPECT_EQ(d.notices[0].recipient, kTeacher);

  const EnquiryView v = View(e, e.received_at);
  EXPECT_EQ(v.state, EnquiryState::kOpen);
  EXPECT_EQ(v.owner, kTeacher);
  EXPECT_EQ(v.rung, 0);
  EXPECT_EQ(v.cycle, 1);
  ASSERT_TRUE(v.acknowledge.has_value());
  EXPECT_EQ(v.acknowledge->status, ClockStatus::kPending);

  // The same email at 14:00 BST: day 0 is that Friday, due at the close of Tue 4 Nov.
  Enquiry early = NewEnquiry("e-2", London(2025, 10, 24, 14, 0));
  Decision d2 = Open(early, early.received_at);
  EXPECT_EQ(d2.events[1].acknowledge->clock_start, early.received_at);
  EXPECT_THAT(d2.events[1].acknowledge->due, Optional(Utc(2025, 11, 4, 15, 30)));
}

TEST_F(EscalationRulesTest, HolidayArrivalStartsAtTheFirstPeriodOfTheNextTerm) {
  Enquiry e = NewEnquiry("e-1", Utc(2025, 12, 27, 10, 0));  // Christmas holidays
  Decision d = Open(e, e.received_at);
  EXPECT_EQ(d.events[1].acknowledge->clock_start, Utc(2026, 1, 5, 8, 45));
  EXPECT_THAT(d.events[1].acknowledge->due, Optional(Utc(2026, 1, 7, 15, 30)));
}

TEST_F(EscalationRulesTest, AfterHoursArrivalStartsNextMorning) {
  Enquiry e = NewEnquiry("e-1", Utc(2025, 11, 12, 18, 30));  // Wednesday evening
  Decision d = Open(e, e.received_at);
  EXPECT_EQ(d.events[1].acknowledge->clock_start, Utc(2025, 11, 13, 8, 45));
  EXPECT_THAT(d.events[1].acknowledge->due, Optional(Utc(2025, 11, 17, 15, 30)));  // Thu=0, Fri, Mon
}

TEST_F(EscalationRulesTest, WorkingHoursAcrossHalfTermAndTheEndOfBst) {
  source_.SetBudget(Stage::kAcknowledge, calendar::Budget{calendar::Unit::kWorkingHours, 0, absl::Hours(3)});
  // Fri 24 Oct 14:00 BST: 1h30 left before 15:30 BST (14:30Z); 1h30 more from Mon 3 Nov 08:45 GMT.
  Enquiry e = NewEnquiry("e-1", London(2025, 10, 24, 14, 0));
  Decision d = Open(e, e.received_at);
  EXPECT_THAT(d.events[1].acknowledge->due, Optional(Utc(2025, 11, 3, 10, 15)));
}

TEST_F(EscalationRulesTest, CalendarWithoutNextYearsTermsIsFailedPreconditionNotAGuess) {
  Enquiry e = NewEnquiry("e-1", Utc(2026, 8, 1, 10, 0));
  OpenRequest r;
  r.owner = kTeacher;
  r.now = e.received_at;
  absl::StatusOr<Decision> d = escalation::Open(e, r, source_);
  EXPECT_EQ(d.status().code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_EQ(ErrorReason(d.status()), "CALENDAR_EXHAUSTED");
  EXPECT_THAT(std::string(d.status().message()), HasSubstr("2026-08-01"));
}

TEST_F(EscalationRulesTest, PartTimeOwnerMondayToWednesdayFollowsTheirOwnDays) {
  calendar::WorkingPattern mon_to_wed;
  mon_to_wed.works = {true, true, true, false, false, false, false};
  source_.SetOwnerCalendar(kPartTimer,
                           calendar::testdata::MustBuild(calendar::testdata::England2025To26(), &mon_to_wed));

  Enquiry e = NewEnquiry("e-1", Utc(2025, 11, 13, 10, 0));  // Thursday, inside school hours
  Decision d = Open(e, e.received_at, std::nullopt, kPartTimer);
  EXPECT_EQ(d.events[1].acknowledge->clock_start, Utc(2025, 11, 17, 8, 45));       // the owner's Monday
  EXPECT_THAT(d.events[1].acknowledge->due, Optional(Utc(2025, 11, 19, 15, 30)));  // Mon=0, Tue, Wed
  EXPECT_THAT(d.events[1].respond->due, Optional(Utc(2025, 11, 26, 15, 30)));      // Tue, Wed, Mon, Tue, Wed
  EXPECT_NE(d.events[1].acknowledge->calendar_version, cal_->Fingerprint());

  // The "new matter" notice waits for the owner's next working period too (rule 7).
  absl::StatusOr<NoticeSlot> slot = ScheduleStaffNotice(d.notices[0], {}, source_);
  ASSERT_TRUE(slot.ok()) << slot.status();
  EXPECT_EQ(slot->send_at, Utc(2025, 11, 17, 8, 45));
}

TEST_F(EscalationRulesTest, DeferStartsTheClockAtTheNextAllowedWindow) {
  Enquiry e = NewEnquiry("e-1", Utc(2025, 11, 3, 9, 0));
  GateResult gate{GateOutcome::kDefer, "schools/st-marys/decisions/d-1", Utc(2025, 11, 4, 12, 0)};
  Decision d = Open(e, e.received_at, gate);
  EXPECT_THAT(Kinds(d), ElementsAre(EventKind::kReceived, EventKind::kGated, EventKind::kRouted));
  EXPECT_EQ(d.events[1].gate, GateOutcome::kDefer);
  EXPECT_EQ(d.events[2].acknowledge->clock_from, Utc(2025, 11, 4, 12, 0));
  EXPECT_THAT(d.events[2].acknowledge->due, Optional(Utc(2025, 11, 6, 15, 30)));
  EXPECT_EQ(View(e, e.received_at).gate_decision, "schools/st-marys/decisions/d-1");
}

TEST_F(EscalationRulesTest, RedirectIsRecordedWithoutAClockAndTheGuardianIsTold) {
  Enquiry e = NewEnquiry("e-1", Utc(2025, 11, 3, 9, 0));
  Decision d = Open(e, e.received_at, GateResult{GateOutcome::kRedirect, "schools/st-marys/decisions/d-2", {}});
  EXPECT_THAT(Kinds(d), ElementsAre(EventKind::kReceived, EventKind::kGated));
  EXPECT_EQ(TimerFor(d, Stage::kAcknowledge), std::nullopt);
  EXPECT_EQ(TimerFor(d, Stage::kRespond), std::nullopt);
  ASSERT_THAT(d.notices, SizeIs(1));
  EXPECT_EQ(d.notices[0].kind, Notice::Kind::kRedirected);
  EXPECT_FALSE(d.notices[0].to_staff);
  const EnquiryView v = View(e, e.received_at);
  EXPECT_EQ(v.state, EnquiryState::kRedirected);
  EXPECT_FALSE(v.acknowledge.has_value());
  EXPECT_FALSE(v.respond.has_value());
}

// The decision intake acted on is kept with the enquiry, whole enough to audit without conduct's
// log: which arrangement (and version) or ban (and revision) decided, and when.
TEST_F(EscalationRulesTest, TheGatedEventKeepsWhatDecided) {
  Enquiry e = NewEnquiry("e-1", Utc(2025, 11, 3, 9, 0));
  GateResult gate{GateOutcome::kRedirect, "schools/st-marys/decisions/d-2", {}};
  gate.arrangement = "schools/st-marys/arrangements/a-1";
  gate.arrangement_version = 3;
  gate.premises_ban = "schools/st-marys/premisesBans/b-1";
  gate.premises_ban_version = 2;
  gate.decided_at = Utc(2025, 11, 3, 9, 1);
  Decision d = Open(e, e.received_at, gate);
  ASSERT_EQ(d.events.size(), 2u);
  const Event& gated = d.events[1];
  EXPECT_EQ(gated.kind, EventKind::kGated);
  EXPECT_EQ(gated.gate, GateOutcome::kRedirect);
  EXPECT_EQ(gated.gate_decision, "schools/st-marys/decisions/d-2");
  EXPECT_EQ(gated.gate_arrangement, "schools/st-marys/arrangements/a-1");
  EXPECT_EQ(gated.gate_arrangement_version, 3);
  EXPECT_EQ(gated.gate_premises_ban, "schools/st-marys/premisesBans/b-1");
  EXPECT_EQ(gated.gate_premises_ban_version, 2);
  EXPECT_EQ(gated.gate_decided_at, Utc(2025, 11, 3, 9, 1));
}

TEST_F(EscalationRulesTest, NoResponseRequiredIsRecordedWithoutAClock) {
  Enquiry e = NewEnquiry("e-1", Utc(2025, 11, 3, 9, 0));
  Decision d =
      Open(e, e.received_at, GateResult{GateOutcome::kNoResponseRequired, "schools/st-marys/decisions/d-3", {}},
           /*owner=*/"");
  EXPECT_THAT(d.notices, IsEmpty());
  EXPECT_EQ(View(e, e.received_at).state, EnquiryState::kNoResponseRequired);
  EXPECT_EQ(TimerFor(d, Stage::kAcknowledge), std::nullopt);
}

TEST_F(EscalationRulesTest, ARouteThatNamesOthersTellsThemAndAnUrgentMatterInterruptsTeaching) {
  // Woodgrange: urgent matters to a senior leader, the head told "in advance". Tuesday 11 Nov
  // 2025 10:00, in the middle of teaching (08:50-15:25), and both of them teach.
  source_.SetTeaching(kHeadOfYear, calendar::HoursRange{8 * 60 + 50, 15 * 60 + 25});
  source_.SetTeaching(kHead, calendar::HoursRange{8 * 60 + 50, 15 * 60 + 25});
  auto open = [&](bool urgent) {
    Enquiry e = NewEnquiry(urgent ? "e-urgent" : "e-plain", London(2025, 11, 11, 10, 0));
    e.urgent = urgent;
    OpenRequest r;
    r.owner = kHeadOfYear;
    r.also_notify = {kHead, kHeadOfYear, "external:chair-of-governors"};
    r.actor = "office";
    r.now = e.received_at;
    absl::StatusOr<Decision> d = escalation::Open(e, r, source_);
    EXPECT_TRUE(d.ok()) << d.status();
    return d.ok() ? *d : Decision{};
  };
  for (bool urgent : {false, true}) {
    SCOPED_TRACE(urgent ? "urgent" : "not urgent");
    const Decision d = open(urgent);
    // The owner once, then each other person the route names.
    EXPECT_THAT(Recipients(d), ElementsAre(kHeadOfYear, kHead, "external:chair-of-governors"));
    ASSERT_EQ(d.notices.size(), 3u);
    EXPECT_EQ(d.notices[0].kind, Notice::Kind::kAssigned);
    EXPECT_EQ(d.notices[1].kind, Notice::Kind::kInformed);
    EXPECT_EQ(d.notices[2].kind, Notice::Kind::kInformed);
    for (const Notice& n : d.notices) {
      EXPECT_EQ(n.interrupts_teaching, urgent);
      EXPECT_FALSE(n.urgent);  // only safeguarding ignores working periods
    }
    // Urgent: at once, inside the working period. Otherwise after teaching, 15:25.
    absl::StatusOr<NoticeSlot> slot = ScheduleStaffNotice(d.notices[1], {}, source_);
    ASSERT_TRUE(slot.ok()) << slot.status();
    EXPECT_EQ(slot->send_at, urgent ? London(2025, 11, 11, 10, 0) : London(2025, 11, 11, 15, 25));
  }
}

TEST_F(EscalationRulesTest, SafeguardingGoesToTheDslAtOnceOnAnElapsedClockWhateverTheGateSays) {
  Enquiry e = NewEnquiry("e-1", Utc(2025, 11, 8, 22, 0), /*safeguarding=*/true);  // Saturday night
  OpenRequest r;
  r.gate = GateResult{GateOutcome::kRedirect, "schools/st-marys/decisions/d-4", {}};
  r.owner = kDsl;
  r.also_notify = {kDeputyDsl, kDsl};
  r.actor = "office";
  r.now = e.received_at;
  Decision d = Do(e, escalation::Open(e, r, source_));

  EXPECT_THAT(Kinds(d), ElementsAre(EventKind::kReceived, EventKind::kGated, EventKind::kRouted));
  EXPECT_THAT(d.events[1].reason, HasSubstr("safeguarding"));
  EXPECT_THAT(TimerFor(d, Stage::kAcknowledge), Optional(Utc(2025, 11, 8, 23, 0)));
  EXPECT_THAT(TimerFor(d, Stage::kRespond), Optional(Utc(2025, 11, 9, 22, 0)));
  EXPECT_THAT(Recipients(d), ElementsAre(kDsl, kDeputyDsl));
  for (const Notice& n : d.notices) {
    EXPECT_EQ(n.kind, Notice::Kind::kSafeguardingAlert);
    EXPECT_TRUE(n.urgent);
    absl::StatusOr<NoticeSlot> slot = ScheduleStaffNotice(n, {}, source_);
    ASSERT_TRUE(slot.ok());
    EXPECT_EQ(slot->send_at, e.received_at);  // Saturday 22:00: quiet hours do not apply
  }
  EXPECT_EQ(View(e, e.received_at).state, EnquiryState::kOpen);

  // Marking it abusive records the mark; the reply is still owed.
  Decision marked = Do(e, MarkAbusive(e, At(Utc(2025, 11, 8, 22, 10)), source_));
  EXPECT_THAT(Kinds(marked), ElementsAre(EventKind::kMarkedAbusive));
  EXPECT_EQ(View(e, Utc(2025, 11, 8, 22, 10)).state, EnquiryState::kOpen);
  EXPECT_THAT(TimerFor(marked, Stage::kAcknowledge), Optional(Utc(2025, 11, 8, 23, 0)));

  // The acknowledgement breach at 23:00 on a Saturday goes out at once.
  absl::StatusOr<Decision> breach =
      OnTimer(e, Stage::kAcknowledge, Utc(2025, 11, 8, 23, 0), Utc(2025, 11, 8, 23, 0), Context(), source_);
  ASSERT_TRUE(breach.ok()) << breach.status();
  EXPECT_THAT(Recipients(*breach), ElementsAre(kDsl, kLineManager));
  EXPECT_TRUE(breach->notices[0].urgent);
}

TEST_F(EscalationRulesTest, OpeningTwiceOrWithoutWhatItNeedsIsRefused) {
  Enquiry e = NewEnquiry("e-1", Utc(2025, 11, 3, 9, 0));
  OpenRequest r;
  r.now = e.received_at;
  EXPECT_EQ(ErrorReason(escalation::Open(e, r, source_).status()), "OWNER_REQUIRED");
  r.owner = kTeacher;
  r.gate = GateResult{GateOutcome::kDefer, "d", std::nullopt};
  EXPECT_EQ(ErrorReason(escalation::Open(e, r, source_).status()), "DEFER_WITHOUT_WINDOW");
  Open(e, e.received_at);
  r.gate.reset();
  absl::Status again = escalation::Open(e, r, source_).status();
  EXPECT_EQ(again.code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_EQ(ErrorReason(again), "ALREADY_OPENED");
}

// --- Staff actions ----------------------------------------------------------------------------------

TEST_F(EscalationRulesTest, AcknowledgeMeetsTheClockAndTellsTheGuardian) {
  Enquiry e = NewEnquiry("e-1", Utc(2025, 11, 3, 9, 0));
  Open(e, e.received_at);
  Decision d = Do(e, Acknowledge(e, At(Utc(2025, 11, 4, 9, 0)), source_));
  EXPECT_THAT(Kinds(d), ElementsAre(EventKind::kAcknowledged));
  ASSERT_THAT(d.notices, SizeIs(1));
  EXPECT_EQ(d.notices[0].kind, Notice::Kind::kAcknowledgement);
  EXPECT_EQ(d.notices[0].recipient, "guardians/g-0001");
  EXPECT_EQ(TimerFor(d, Stage::kAcknowledge), std::nullopt);
  EXPECT_THAT(TimerFor(d, Stage::kRespond), Optional(Utc(2025, 11, 10, 15, 30)));
  const EnquiryView v = View(e, Utc(2025, 11, 4, 9, 0));
  EXPECT_EQ(v.state, EnquiryState::kAcknowledged);
  EXPECT_EQ(v.acknowledge->status, ClockStatus::kMet);
}

// --- What the acknowledgement promises ------------------------------------------------------------

// Milton Road says when a fuller response or meeting will happen in the acknowledgement: the
// promise is on the acknowledged event and in the view, the guardian's notice carries it, and no
// clock moves (the respond clock stays the policy's, due Mon 10 Nov 15:30).
TEST_F(EscalationRulesTest, AcknowledgementWithAPromiseRecordsItTellsTheGuardianAndMovesNoClock) {
  Enquiry e = NewEnquiry("e-1", Utc(2025, 11, 3, 9, 0));
  Open(e, e.received_at);
  Act act = At(Utc(2025, 11, 4, 9, 0));
  act.promised_at = Utc(2025, 11, 7, 15, 0);  // a meeting on Friday
  Decision d = Do(e, Acknowledge(e, act, source_));
  ASSERT_THAT(d.events, SizeIs(1));
  EXPECT_THAT(d.events[0].promised_at, Optional(Utc(2025, 11, 7, 15, 0)));
  ASSERT_THAT(d.notices, SizeIs(1));
  EXPECT_EQ(d.notices[0].kind, Notice::Kind::kAcknowledgement);
  EXPECT_THAT(d.notices[0].promised_at, Optional(Utc(2025, 11, 7, 15, 0)));
  EXPECT_THAT(TimerFor(d, Stage::kRespond), Optional(Utc(2025, 11, 10, 15, 30)));
  const EnquiryView v = View(e, Utc(2025, 11, 4, 9, 0));
  EXPECT_THAT(v.promised_at, Optional(Utc(2025, 11, 7, 15, 0)));
  EXPECT_EQ(v.promise_reason, "");
  EXPECT_THAT(v.respond->due, Optional(Utc(2025, 11, 10, 15, 30)));
}

TEST_F(EscalationRulesTest, APromiseAfterTheRespondDeadlineNeedsAReasonAndNoneInThePast) {
  Enquiry e = NewEnquiry("e-1", Utc(2025, 11, 3, 9, 0));
  Open(e, e.received_at);
  const absl::Time now = Utc(2025, 11, 4, 9, 0);
  Act late = At(now);
  late.promised_at = Utc(2025, 11, 10, 15, 31);  // a minute after the respond clock's due
  absl::StatusOr<Decision> refused = Acknowledge(e, late, source_);
  EXPECT_EQ(refused.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(ErrorReason(refused.status()), "PROMISE_AFTER_DEADLINE");

  Act past = At(now);
  past.promised_at = now - absl::Minutes(1);
  refused = Acknowledge(e, past, source_);
  EXPECT_EQ(refused.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(ErrorReason(refused.status()), "PROMISE_IN_PAST");

  // At the deadline itself is within it; later with a reason is recorded with the reason.
  Act at_deadline = At(now);
  at_deadline.promised_at = Utc(2025, 11, 10, 15, 30);
  EXPECT_TRUE(Acknowledge(e, at_deadline, source_).ok());
  Act explained = At(now, "the SENCo is back on 12 November");
  explained.promised_at = Utc(2025, 11, 12, 12, 0);
  Decision d = Do(e, Acknowledge(e, explained, source_));
  EXPECT_EQ(d.events[0].reason, "the SENCo is back on 12 November");
  EXPECT_EQ(View(e, now).promise_reason, "the SENCo is back on 12 November");
}

// The complaints procedure keeps complainants informed: an update goes to the guardian with the
// promise in force, and a new date replaces it under the same rule; the clocks do not move.
TEST_F(EscalationRulesTest, ProgressIsRecordedAndSentWithThePromiseInForce) {
  Enquiry e = NewEnquiry("e-1", Utc(2025, 11, 3, 9, 0));
  Open(e, e.received_at);
  Act ack = At(Utc(2025, 11, 3, 10, 0));
  ack.promised_at = Utc(2025, 11, 7, 15, 0);
  Do(e, Acknowledge(e, ack, source_));

  Act update = At(Utc(2025, 11, 5, 9, 0));
  update.progress = "We have spoken to the class teacher.";
  Decision d = Do(e, RecordProgress(e, update, source_));
  EXPECT_THAT(Kinds(d), ElementsAre(EventKind::kProgressRecorded));
  EXPECT_EQ(d.events[0].progress, "We have spoken to the class teacher.");
  EXPECT_EQ(d.events[0].promised_at, std::nullopt);
  ASSERT_THAT(d.notices, SizeIs(1));
  EXPECT_EQ(d.notices[0].kind, Notice::Kind::kProgress);
  EXPECT_EQ(d.notices[0].recipient, "guardians/g-0001");
  EXPECT_FALSE(d.notices[0].to_staff);
  EXPECT_EQ(d.notices[0].progress, "We have spoken to the class teacher.");
  EXPECT_THAT(d.notices[0].promised_at, Optional(Utc(2025, 11, 7, 15, 0)));
  EXPECT_THAT(TimerFor(d, Stage::kRespond), Optional(Utc(2025, 11, 10, 15, 30)));

  Act moved = At(Utc(2025, 11, 6, 9, 0));
  moved.progress = "The meeting moves to Monday.";
  moved.promised_at = Utc(2025, 11, 10, 9, 0);
  d = Do(e, RecordProgress(e, moved, source_));
  EXPECT_THAT(d.notices[0].promised_at, Optional(Utc(2025, 11, 10, 9, 0)));
  const EnquiryView v = View(e, Utc(2025, 11, 6, 9, 0));
  EXPECT_EQ(v.state, EnquiryState::kAcknowledged);
  EXPECT_THAT(v.promised_at, Optional(Utc(2025, 11, 10, 9, 0)));

  Act too_late = At(Utc(2025, 11, 6, 10, 0));
  too_late.progress = "Later still.";
  too_late.promised_at = Utc(2025, 11, 11, 9, 0);
  EXPECT_EQ(ErrorReason(RecordProgress(e, too_late, source_).status()), "PROMISE_AFTER_DEADLINE");
  Act empty = At(Utc(2025, 11, 6, 10, 0));
  EXPECT_EQ(ErrorReason(RecordProgress(e, empty, source_).status()), "INVALID_FIELD");
}

TEST_F(EscalationRulesTest, ProgressOnlyWhileTheMatterIsStillBeingHandled) {
  Enquiry referred = NewEnquiry("e-1", Utc(2025, 11, 3, 9, 0));
  Open(referred, referred.received_at);
  for (int i = 0; i < 3; ++i) {
    Do(referred, Escalate(referred, At(Utc(2025, 11, 3, 10, i), "r"), true, ladder_, source_));
  }
  ASSERT_EQ(DeriveState(referred).state, EnquiryState::kReferredToComplaints);
  Act update = At(Utc(2025, 11, 4, 9, 0));
  update.progress = "The panel meets on 20 November.";
  update.promised_at = Utc(2025, 11, 20, 16, 0);  // no running respond clock: no deadline to pass
  Decision d = Do(referred, RecordProgress(referred, update, source_));
  EXPECT_THAT(Kinds(d), ElementsAre(EventKind::kProgressRecorded));
  EXPECT_EQ(DeriveState(referred).state, EnquiryState::kReferredToComplaints);

  Enquiry resolved = NewEnquiry("e-2", Utc(2025, 11, 3, 9, 0));
  Open(resolved, resolved.received_at);
  Do(resolved, Resolve(resolved, At(Utc(2025, 11, 3, 10, 0)), source_));
  absl::StatusOr<Decision> refused = RecordProgress(resolved, update, source_);
  EXPECT_EQ(refused.status().code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_EQ(ErrorReason(refused.status()), "WRONG_STATE");
}

// A reopening starts a new response cycle: the earlier cycle's promise is not carried into it.
TEST_F(EscalationRulesTest, AReopeningStartsWithoutAPromise) {
  Enquiry e = NewEnquiry("e-1", Utc(2025, 11, 3, 9, 0));
  Open(e, e.received_at);
  Act ack = At(Utc(2025, 11, 3, 10, 0));
  ack.promised_at = Utc(2025, 11, 5, 12, 0);
  Do(e, Acknowledge(e, ack, source_));
  Do(e, Resolve(e, At(Utc(2025, 11, 4, 10, 0)), source_));
  Do(e, Reopen(e, At(Utc(2025, 11, 6, 10, 0), "came back"), source_));
  EXPECT_EQ(DeriveState(e).promised_at, std::nullopt);
}

TEST_F(EscalationRulesTest, PauseAcrossDaysExtendsByTheWorkingTimePaused) {
  Enquiry e = NewEnquiry("e-1", Utc(2025, 11, 3, 9, 0));  // Monday
  Open(e, e.received_at);
  Do(e, Acknowledge(e, At(Utc(2025, 11, 3, 10, 0)), source_));

  Decision paused = Do(e, Pause(e, At(Utc(2025, 11, 4, 12, 0), "waiting for the reading record"), source_));
  EXPECT_EQ(TimerFor(paused, Stage::kRespond), std::nullopt);  // nothing can fall due while held
  EnquiryView held = View(e, Utc(2025, 11, 5, 10, 0));
  EXPECT_EQ(held.state, EnquiryState::kAwaitingParent);
  EXPECT_EQ(held.respond->status, ClockStatus::kPaused);
  EXPECT_EQ(held.respond->due, std::nullopt);
  EXPECT_EQ(held.acknowledge->status, ClockStatus::kMet);  // kept before the pause: untouched
  EXPECT_THAT(held.acknowledge->due, Optional(Utc(2025, 11, 5, 15, 30)));

  // Paused Tue 12:00 - Thu 12:00: 3h30 + 6h45 + 3h15 = two whole working periods.
  Decision resumed = Do(e, Resume(e, At(Utc(2025, 11, 6, 12, 0)), source_));
  EXPECT_THAT(TimerFor(resumed, Stage::kRespond), Optional(Utc(2025, 11, 12, 15, 30)));
  const EnquiryView v = View(e, Utc(2025, 11, 6, 12, 0));
  EXPECT_EQ(v.state, EnquiryState::kAcknowledged);
  EXPECT_EQ(v.respond->status, ClockStatus::kPending);
  EXPECT_THAT(v.pauses, SizeIs(1));

  // A second pause over a weekend counts only its working time: Fri 15:00-15:30 and Mon 08:45-09:45.
  Do(e, Pause(e, At(Utc(2025, 11, 7, 15, 0), "waiting for a signed form"), source_));
  Decision again = Do(e, Resume(e, At(Utc(2025, 11, 10, 9, 45)), source_));
  EXPECT_THAT(TimerFor(again, Stage::kRespond), Optional(Utc(2025, 11, 13, 10, 15)));
}

TEST_F(EscalationRulesTest, ReplyWhileAwaitingTheParentResumesFirst) {
  Enquiry e = NewEnquiry("e-1", Utc(2025, 11, 3, 9, 0));
  Open(e, e.received_at);
  Do(e, Pause(e, At(Utc(2025, 11, 3, 10, 0), "need the date of the trip"), source_));
  Decision d = Do(e, Reply(e, At(Utc(2025, 11, 4, 10, 0)), source_));
  EXPECT_THAT(Kinds(d), ElementsAre(EventKind::kResumed, EventKind::kReplied));
  const EnquiryView v = View(e, Utc(2025, 11, 4, 10, 0));
  EXPECT_EQ(v.state, EnquiryState::kAcknowledged);
  EXPECT_EQ(v.acknowledge->status, ClockStatus::kMet);  // the reply acknowledged it too
  EXPECT_EQ(v.respond->status, ClockStatus::kMet);
  EXPECT_EQ(TimerFor(d, Stage::kAcknowledge), std::nullopt);
  EXPECT_EQ(TimerFor(d, Stage::kRespond), std::nullopt);
}

TEST_F(EscalationRulesTest, ReopenStartsANewResponseCycleAndKeepsTheEarlierOne) {
  Enquiry e = NewEnquiry("e-1", Utc(2025, 11, 3, 9, 0));
  Open(e, e.received_at);
  Do(e, Reply(e, At(Utc(2025, 11, 5, 10, 0)), source_));
  Do(e, Resolve(e, At(Utc(2025, 11, 5, 11, 0)), source_));
  EXPECT_EQ(View(e, Utc(2025, 11, 6, 0, 0)).state, EnquiryState::kResolved);

  Decision d = Do(e, Reopen(e, At(Utc(2025, 11, 14, 10, 0), "the parent says the question was not answered"), source_));
  EXPECT_THAT(Kinds(d), ElementsAre(EventKind::kReopened));
  EXPECT_EQ(d.events[0].respond->clock_from, Utc(2025, 11, 14, 10, 0));
  EXPECT_THAT(TimerFor(d, Stage::kRespond), Optional(Utc(2025, 11, 21, 15, 30)));  // Fri=0 .. Fri
  EXPECT_EQ(TimerFor(d, Stage::kAcknowledge), std::nullopt);
  EXPECT_THAT(Recipients(d), ElementsAre(kTeacher));

  const EnquiryView v = View(e, Utc(2025, 11, 14, 10, 0));
  EXPECT_EQ(v.state, EnquiryState::kAcknowledged);
  EXPECT_EQ(v.cycle, 2);
  EXPECT_EQ(v.respond->status, ClockStatus::kPending);
  EXPECT_EQ(v.acknowledge->status, ClockStatus::kMet);
  // The first cycle is still in the history.
  EXPECT_THAT(e.history, SizeIs(5));
  EXPECT_THAT(e.history[1].respond->due, Optional(Utc(2025, 11, 10, 15, 30)));
}

TEST_F(EscalationRulesTest, ReassignForCoverKeepsTheRungAndThePromise) {
  Enquiry e = NewEnquiry("e-1", Utc(2025, 11, 3, 9, 0));
  Open(e, e.received_at);
  Decision d = Do(e, Reassign(e, At(Utc(2025, 11, 4, 9, 0), "cover for absence"), kCover, source_));
  EXPECT_EQ(d.events[0].owner, kCover);
  EXPECT_THAT(Recipients(d), ElementsAre(kCover));
  EXPECT_THAT(TimerFor(d, Stage::kAcknowledge), Optional(Utc(2025, 11, 5, 15, 30)));
  const EnquiryView v = View(e, Utc(2025, 11, 4, 9, 0));
  EXPECT_EQ(v.owner, kCover);
  EXPECT_EQ(v.rung, 0);

  EXPECT_EQ(ErrorReason(Reassign(e, At(Utc(2025, 11, 4, 9, 0), "again"), kCover, source_).status()), "SAME_OWNER");
  EXPECT_EQ(ErrorReason(Reassign(e, At(Utc(2025, 11, 4, 9, 0)), kTeacher, source_).status()), "REASON_REQUIRED");
}

TEST_F(EscalationRulesTest, MarkAbusiveStopsTheClocks) {
  Enquiry e = NewEnquiry("e-1", Utc(2025, 11, 3, 9, 0));
  Open(e, e.received_at);
  Decision d = Do(e, MarkAbusive(e, At(Utc(2025, 11, 3, 10, 0)), source_));
  EXPECT_EQ(TimerFor(d, Stage::kAcknowledge), std::nullopt);
  EXPECT_EQ(TimerFor(d, Stage::kRespond), std::nullopt);
  const EnquiryView v = View(e, Utc(2025, 11, 20, 10, 0));
  EXPECT_EQ(v.state, EnquiryState::kNoResponseRequired);
  EXPECT_FALSE(v.acknowledge.has_value());
  EXPECT_FALSE(v.respond.has_value());
}

// Policies often promise one of the two: an acknowledgement of emails (Milton Road) or a call back
// for phone calls (St Mary's). The enquiry is still taken; only the promised clock runs.
TEST_F(EscalationRulesTest, AStageThePolicyDoesNotPromiseHasNoClock) {
  source_.ClearBudget(Stage::kRespond);
  Enquiry e = NewEnquiry("e-1", Utc(2025, 11, 3, 9, 0));
  Decision d = Open(e, e.received_at);
  EXPECT_THAT(TimerFor(d, Stage::kAcknowledge), Optional(Utc(2025, 11, 5, 15, 30)));
  EXPECT_EQ(TimerFor(d, Stage::kRespond), std::nullopt);
  EnquiryView v = View(e, Utc(2025, 11, 4, 10, 0));
  EXPECT_EQ(v.state, EnquiryState::kOpen);
  EXPECT_TRUE(v.acknowledge.has_value());
  EXPECT_FALSE(v.respond.has_value());
  // Up a rung: a new owner, and still no response clock to give them.
  d = Do(e, Escalate(e, At(Utc(2025, 11, 4, 10, 0), "needs the head of year"), false, ladder_, source_));
  EXPECT_EQ(d.events[0].owner, kHeadOfYear);
  EXPECT_EQ(TimerFor(d, Stage::kRespond), std::nullopt);

  // A phone call at a school that promises only to call back.
  source_.SetBudget(Stage::kRespond, WorkingDays(2));
  source_.ClearBudget(Stage::kAcknowledge);
  Enquiry call = NewEnquiry("e-2", Utc(2025, 11, 3, 9, 0));
  d = Open(call, call.received_at);
  EXPECT_EQ(TimerFor(d, Stage::kAcknowledge), std::nullopt);
  EXPECT_THAT(TimerFor(d, Stage::kRespond), Optional(Utc(2025, 11, 5, 15, 30)));
  // Any other failure of the deadline source still fails the intake.
  source_.ClearBudget(Stage::kRespond);
  source_.SetBudget(Stage::kAcknowledge, calendar::Budget{calendar::Unit::kWorkingDays, -1, absl::ZeroDuration()});
  Enquiry broken = NewEnquiry("e-3", Utc(2025, 11, 3, 9, 0));
  OpenRequest r;
  r.owner = kTeacher;
  r.actor = "office";
  r.now = broken.received_at;
  EXPECT_FALSE(escalation::Open(broken, r, source_).ok());
}

TEST_F(EscalationRulesTest, StaffEscalationGivesTheNextRungAFreshBudget) {
  Enquiry e = NewEnquiry("e-1", Utc(2025, 11, 3, 9, 0));
  Open(e, e.received_at);
  Decision d = Do(e, Escalate(e, At(Utc(2025, 11, 4, 10, 0), "needs the head of year"), /*parent_requested=*/true,
                              ladder_, source_));
  EXPECT_THAT(Kinds(d), ElementsAre(EventKind::kEscalated));
  EXPECT_TRUE(d.events[0].parent_requested);
  EXPECT_EQ(d.events[0].owner, kHeadOfYear);
  EXPECT_EQ(d.events[0].rung, 1);
  EXPECT_EQ(d.events[0].owner_role, "head_of_year");
  EXPECT_EQ(View(e, Utc(2025, 11, 4, 11, 0)).owner_role, "head_of_year");
  EXPECT_THAT(TimerFor(d, Stage::kRespond), Optional(Utc(2025, 11, 11, 15, 30)));  // Tue=0 .. Tue
  // The acknowledgement still owed moves with the matter, unchanged.
  EXPECT_THAT(TimerFor(d, Stage::kAcknowledge), Optional(Utc(2025, 11, 5, 15, 30)));
  EXPECT_THAT(Recipients(d), ElementsAre(kHeadOfYear));
}

// Each action in a state that does not allow it: FAILED_PRECONDITION / WRONG_STATE, naming the state.
TEST_F(EscalationRulesTest, WrongStateIsFailedPreconditionNamingTheState) {
  const absl::Time t0 = Utc(2025, 11, 3, 9, 0);
  const Act act = At(Utc(2025, 11, 3, 10, 0), "a reason");

  Enquiry open = NewEnquiry("e-open", t0);
  Open(open, t0);
  Enquiry acknowledged = open;
  acknowledged.id = "e-ack";
  Do(acknowledged, Acknowledge(acknowledged, act, source_));
  Enquiry awaiting = open;
  awaiting.id = "e-wait";
  Do(awaiting, Pause(awaiting, act, source_));
  Enquiry resolved = open;
  resolved.id = "e-resolved";
  Do(resolved, Resolve(resolved, act, source_));
  Enquiry referred = open;
  referred.id = "e-referred";
  Do(referred, Escalate(referred, act, true, EscalationLadder{}, source_));  // no rung above: referral
  Enquiry redirected = NewEnquiry("e-redirected", t0);
  Open(redirected, t0, GateResult{GateOutcome::kRedirect, "d", {}});
  Enquiry abusive = open;
  abusive.id = "e-abusive";
  Do(abusive, MarkAbusive(abusive, act, source_));

  struct Case {
    const char* name;
    absl::Status status;
    const char* says;
  };
  const Case cases[] = {
      {"acknowledge resolved", Acknowledge(resolved, act, source_).status(),
       "cannot acknowledge enquiry e-resolved: it is resolved"},
      {"acknowledge twice", Acknowledge(acknowledged, act, source_).status(), "it is acknowledged"},
      {"acknowledge redirected", Acknowledge(redirected, act, source_).status(), "it is redirected"},
      {"reply when referred", Reply(referred, act, source_).status(), "it is referred to complaints"},
      {"pause when paused", Pause(awaiting, act, source_).status(), "it is awaiting the parent"},
      {"resume when open", Resume(open, act, source_).status(), "it is open"},
      {"resolve twice", Resolve(resolved, act, source_).status(), "it is resolved"},
      {"reopen when open", Reopen(acknowledged, act, source_).status(), "only a resolved enquiry"},
      {"escalate resolved", Escalate(resolved, act, false, ladder_, source_).status(), "reopen it first"},
      {"escalate awaiting", Escalate(awaiting, act, false, ladder_, source_).status(), "resume it first"},
      {"reassign redirected", Reassign(redirected, act, kCover, source_).status(), "it is redirected"},
      {"mark abusive twice", MarkAbusive(abusive, act, source_).status(), "it is no response required"},
  };
  for (const Case& c : cases) {
    SCOPED_TRACE(c.name);
    EXPECT_EQ(c.status.code(), absl::StatusCode::kFailedPrecondition);
    EXPECT_EQ(ErrorReason(c.status), "WRONG_STATE");
    EXPECT_THAT(std::string(c.status.message()), HasSubstr(c.says));
  }
  EXPECT_EQ(Pause(open, At(t0), source_).status().code(), absl::StatusCode::kInvalidArgument);  // no reason
}

// --- Breaches and the ladder ------------------------------------------------------------------------

TEST_F(EscalationRulesTest, AcknowledgementBreachTellsOwnerAndLineManagerOnce) {
  Enquiry e = NewEnquiry("e-1", Utc(2025, 11, 3, 9, 0));
  Open(e, e.received_at);
  const absl::Time due = Utc(2025, 11, 5, 15, 30);

  absl::StatusOr<Decision> early = OnTimer(e, Stage::kAcknowledge, due, due - absl::Seconds(1), Context(), source_);
  ASSERT_TRUE(early.ok());
  EXPECT_THAT(early->events, IsEmpty());  // a timer that fires early does nothing

  Decision d = Do(e, OnTimer(e, Stage::kAcknowledge, due, due + absl::Seconds(2), Context(), source_));
  EXPECT_THAT(Kinds(d), ElementsAre(EventKind::kBreached));
  EXPECT_EQ(d.events[0].stage, Stage::kAcknowledge);
  EXPECT_EQ(d.events[0].actor, kServiceActor);
  EXPECT_THAT(d.events[0].breached_due, Optional(due));
  EXPECT_THAT(Recipients(d), ElementsAre(kTeacher, kLineManager));
  EXPECT_NE(d.notices[0].key, d.notices[1].key);
  EXPECT_EQ(TimerFor(d, Stage::kAcknowledge), std::nullopt);
  EXPECT_THAT(TimerFor(d, Stage::kRespond), Optional(Utc(2025, 11, 10, 15, 30)));
  EXPECT_EQ(View(e, due + absl::Seconds(2)).acknowledge->status, ClockStatus::kBreached);
  EXPECT_EQ(View(e, due + absl::Seconds(2)).state, EnquiryState::kOpen);  // still owed

  // The same timer again (a second replica, a retry): nothing.
  absl::StatusOr<Decision> twice = OnTimer(e, Stage::kAcknowledge, due, due + absl::Minutes(5), Context(), source_);
  ASSERT_TRUE(twice.ok());
  EXPECT_THAT(twice->events, IsEmpty());
  EXPECT_THAT(twice->notices, IsEmpty());
}

TEST_F(EscalationRulesTest, BreachWithoutALineManagerTellsTheOwnerOnly) {
  Enquiry e = NewEnquiry("e-1", Utc(2025, 11, 3, 9, 0));
  Open(e, e.received_at);
  const absl::Time due = Utc(2025, 11, 5, 15, 30);
  absl::StatusOr<Decision> d = OnTimer(e, Stage::kAcknowledge, due, due, BreachContext{ladder_, ""}, source_);
  ASSERT_TRUE(d.ok());
  EXPECT_THAT(Recipients(*d), ElementsAre(kTeacher));
}

// Each school's policy decides what a breach does (contacts' BreachPolicy): here every switch off.
TEST_F(EscalationRulesTest, BreachesFollowTheSchoolsSwitches) {
  Enquiry e = NewEnquiry("e-1", Utc(2025, 11, 3, 9, 0));
  Open(e, e.received_at);
  BreachContext quiet = Context();
  quiet.notify_line_manager = false;
  quiet.escalate_on_response_breach = false;

  const absl::Time ack_due = Utc(2025, 11, 5, 15, 30);
  Decision ack = Do(e, OnTimer(e, Stage::kAcknowledge, ack_due, ack_due, quiet, source_));
  EXPECT_THAT(Recipients(ack), ElementsAre(kTeacher));  // the line manager is not told

  // No escalation: the owner is told the answer is overdue and keeps the matter.
  const absl::Time respond_due = Utc(2025, 11, 10, 15, 30);
  Decision respond = Do(e, OnTimer(e, Stage::kRespond, respond_due, respond_due, quiet, source_));
  EXPECT_THAT(Kinds(respond), ElementsAre(EventKind::kBreached));
  ASSERT_EQ(respond.notices.size(), 1u);
  EXPECT_EQ(respond.notices[0].kind, Notice::Kind::kResponseBreach);
  EXPECT_EQ(respond.notices[0].recipient, kTeacher);
  EXPECT_EQ(TimerFor(respond, Stage::kRespond), std::nullopt);
  const EnquiryView v = View(e, respond_due + absl::Hours(1));
  EXPECT_EQ(v.owner, kTeacher);
  EXPECT_EQ(v.rung, 0);
  EXPECT_EQ(v.respond->status, ClockStatus::kBreached);
}

TEST_F(EscalationRulesTest, WithoutReferralTheTopRungKeepsTheMatter) {
  Enquiry e = NewEnquiry("e-1", Utc(2025, 11, 3, 9, 0));
  Open(e, e.received_at);
  EscalationLadder ladder = ladder_;
  ladder.refer_to_complaints_at_top = false;
  Do(e, Escalate(e, At(Utc(2025, 11, 3, 10, 0), "head of year"), false, ladder, source_));
  Do(e, Escalate(e, At(Utc(2025, 11, 3, 11, 0), "the head"), true, ladder, source_));
  ASSERT_EQ(View(e, Utc(2025, 11, 3, 12, 0)).owner, kHead);
  // A parent still unhappy at the top: nowhere higher to go under this policy.
  absl::StatusOr<Decision> higher = Escalate(e, At(Utc(2025, 11, 3, 12, 0), "still unhappy"), true, ladder, source_);
  EXPECT_EQ(higher.status().code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_EQ(ErrorReason(higher.status()), "TOP_OF_LADDER");
  // The top rung's answer falls due: the head is told, the matter stays.
  BreachContext context = Context();
  context.ladder = ladder;
  const std::optional<absl::Time> due = View(e, Utc(2025, 11, 3, 12, 0)).respond->due;
  ASSERT_TRUE(due.has_value());
  Decision d = Do(e, OnTimer(e, Stage::kRespond, *due, *due, context, source_));
  EXPECT_THAT(Kinds(d), ElementsAre(EventKind::kBreached));
  EXPECT_THAT(Recipients(d), ElementsAre(kHead));
  EXPECT_EQ(View(e, *due + absl::Hours(1)).state, EnquiryState::kOpen);
}

TEST_F(EscalationRulesTest, StaleTimersChangeNothing) {
  Enquiry e = NewEnquiry("e-1", Utc(2025, 11, 3, 9, 0));
  Open(e, e.received_at);
  const absl::Time ack_due = Utc(2025, 11, 5, 15, 30);
  const absl::Time respond_due = Utc(2025, 11, 10, 15, 30);
  auto NoEffect = [&](Stage stage, absl::Time armed, absl::Time now) {
    absl::StatusOr<Decision> d = OnTimer(e, stage, armed, now, Context(), source_);
    ASSERT_TRUE(d.ok()) << d.status();
    EXPECT_THAT(d->events, IsEmpty());
    EXPECT_THAT(d->notices, IsEmpty());
    EXPECT_THAT(d->timers, IsEmpty());
  };

  // Met: acknowledged before it fell due.
  Do(e, Acknowledge(e, At(Utc(2025, 11, 4, 9, 0)), source_));
  NoEffect(Stage::kAcknowledge, ack_due, ack_due);

  // Paused: held, so the timer that was armed has nothing to breach.
  Do(e, Pause(e, At(Utc(2025, 11, 6, 9, 0), "awaiting a form"), source_));
  NoEffect(Stage::kRespond, respond_due, respond_due);

  // Superseded: resumed a day later, the due moved on and the old instant is stale.
  Decision resumed = Do(e, Resume(e, At(Utc(2025, 11, 7, 9, 0)), source_));
  const std::optional<absl::Time> moved = TimerFor(resumed, Stage::kRespond);
  ASSERT_TRUE(moved.has_value());
  EXPECT_EQ(*moved, Utc(2025, 11, 11, 15, 30));
  NoEffect(Stage::kRespond, respond_due, respond_due + absl::Hours(1));

  // The new instant breaches once; then both the old and the new instant are stale.
  Decision breach = Do(e, OnTimer(e, Stage::kRespond, *moved, *moved, Context(), source_));
  EXPECT_THAT(Kinds(breach), ElementsAre(EventKind::kBreached, EventKind::kEscalated));
  NoEffect(Stage::kRespond, *moved, *moved + absl::Seconds(1));
  NoEffect(Stage::kRespond, respond_due, *moved + absl::Seconds(1));

  // Closed: nothing fires for a resolved enquiry.
  const std::optional<absl::Time> next = TimerFor(breach, Stage::kRespond);
  ASSERT_TRUE(next.has_value());
  Do(e, Resolve(e, At(*moved + absl::Hours(1)), source_));
  NoEffect(Stage::kRespond, *next, *next);
}

TEST_F(EscalationRulesTest, LadderToTheTopThenReferralToComplaints) {
  Enquiry e = NewEnquiry("e-1", Utc(2025, 11, 3, 9, 0));
  Decision last = Open(e, e.received_at);
  Do(e, Acknowledge(e, At(Utc(2025, 11, 3, 10, 0)), source_));

  // Simulated time: each respond timer fires two seconds late, as a busy worker might.
  std::vector<absl::Time> dues;
  std::vector<std::string> owners;
  absl::Time now = e.received_at;
  for (int step = 0; step < 10; ++step) {
    absl::StatusOr<EnquiryView> v = Derive(e, now, source_);
    ASSERT_TRUE(v.ok());
    if (!v->live()) break;
    ASSERT_TRUE(v->respond.has_value());
    ASSERT_TRUE(v->respond->due.has_value());
    dues.push_back(*v->respond->due);
    owners.push_back(v->owner);
    now = *v->respond->due + absl::Seconds(2);
    last = Do(e, OnTimer(e, Stage::kRespond, *v->respond->due, now, Context(), source_));
    ASSERT_FALSE(last.events.empty());
  }
  // Rung 0 due Mon 10 Nov; arrival at rung 1 after 15:30 starts Tue 11 Nov; rung 2 starts Wed 19.
  EXPECT_THAT(dues, ElementsAre(Utc(2025, 11, 10, 15, 30), Utc(2025, 11, 18, 15, 30), Utc(2025, 11, 26, 15, 30)));
  EXPECT_THAT(owners, ElementsAre(kTeacher, kHeadOfYear, kHead));
  EXPECT_THAT(Kinds(last), ElementsAre(EventKind::kBreached, EventKind::kReferredToComplaints));
  ASSERT_THAT(last.notices, SizeIs(2));
  EXPECT_EQ(last.notices[0].kind, Notice::Kind::kReferredToComplaints);
  EXPECT_EQ(last.notices[0].recipient, kHead);
  EXPECT_EQ(last.notices[1].recipient, "guardians/g-0001");
  EXPECT_EQ(TimerFor(last, Stage::kRespond), std::nullopt);

  const EnquiryView v = View(e, now);
  EXPECT_EQ(v.state, EnquiryState::kReferredToComplaints);
  EXPECT_EQ(v.rung, 2);
  EXPECT_EQ(v.respond->status, ClockStatus::kBreached);
  int escalations = 0;
  for (const Event& ev : e.history) escalations += ev.kind == EventKind::kEscalated;
  EXPECT_EQ(escalations, 2);
}

TEST_F(EscalationRulesTest, ParentStillUnhappyAtTheTopIsReferred) {
  Enquiry e = NewEnquiry("e-1", Utc(2025, 11, 3, 9, 0));
  Open(e, e.received_at);
  Do(e, Escalate(e, At(Utc(2025, 11, 3, 10, 0), "r"), true, ladder_, source_));
  Do(e, Escalate(e, At(Utc(2025, 11, 3, 11, 0), "r"), true, ladder_, source_));
  Decision d = Do(e, Escalate(e, At(Utc(2025, 11, 3, 12, 0), "still unhappy"), true, ladder_, source_));
  EXPECT_THAT(Kinds(d), ElementsAre(EventKind::kReferredToComplaints));
  const EnquiryView v = View(e, Utc(2025, 11, 3, 12, 0));
  EXPECT_EQ(v.state, EnquiryState::kReferredToComplaints);
  EXPECT_FALSE(v.respond.has_value());  // stopped before it fell due: neither met nor breached
}

// --- Rule 6 -----------------------------------------------------------------------------------------

TEST_F(EscalationRulesTest, CalendarEditRecomputesRunningClocksAndRecordsIt) {
  Enquiry e = NewEnquiry("e-1", Utc(2025, 11, 3, 9, 0));
  Open(e, e.received_at);
  const Versions before = source_.Current();
  absl::StatusOr<Decision> unchanged = Recompute(e, before, Utc(2025, 11, 3, 12, 0), source_);
  ASSERT_TRUE(unchanged.ok());
  EXPECT_THAT(unchanged->events, IsEmpty());

  // An INSET day on Tue 4 Nov.
  calendar::CalendarSpec spec = calendar::testdata::England2025To26();
  spec.closures.push_back({absl::CivilDay(2025, 11, 4), absl::CivilDay(2025, 11, 4), "INSET day"});
  source_.SetSchoolCalendar(calendar::testdata::MustBuild(spec));
  ASSERT_NE(source_.Current().calendar, before.calendar);

  Decision d = Do(e, Recompute(e, source_.Current(), Utc(2025, 11, 3, 12, 0), source_));
  EXPECT_THAT(Kinds(d), ElementsAre(EventKind::kRecomputed));
  ASSERT_TRUE(d.events[0].acknowledge.has_value());
  EXPECT_THAT(d.events[0].acknowledge->due, Optional(Utc(2025, 11, 6, 15, 30)));
  EXPECT_EQ(d.events[0].acknowledge->calendar_version, source_.Current().calendar);
  EXPECT_THAT(d.events[0].respond->due, Optional(Utc(2025, 11, 11, 15, 30)));
  EXPECT_THAT(TimerFor(d, Stage::kAcknowledge), Optional(Utc(2025, 11, 6, 15, 30)));

  absl::StatusOr<Decision> again = Recompute(e, source_.Current(), Utc(2025, 11, 3, 13, 0), source_);
  ASSERT_TRUE(again.ok());
  EXPECT_THAT(again->events, IsEmpty());

  // A policy edit after the acknowledgement touches only the running respond clock.
  Do(e, Acknowledge(e, At(Utc(2025, 11, 3, 14, 0)), source_));
  source_.SetPolicyVersion("policy-2");
  Decision p = Do(e, Recompute(e, source_.Current(), Utc(2025, 11, 3, 15, 0), source_));
  ASSERT_THAT(p.events, SizeIs(1));
  EXPECT_FALSE(p.events[0].acknowledge.has_value());
  ASSERT_TRUE(p.events[0].respond.has_value());
  EXPECT_EQ(p.events[0].respond->policy_version, "policy-2");
  EXPECT_EQ(View(e, Utc(2025, 11, 3, 15, 0)).respond->policy_version, "policy-2");
}

// --- The follow-up clock ---------------------------------------------------------------------------

// Riverside's calls: "a return call will be made within 2 working days with any follow up action …
// within 10 working days": no acknowledgement rule, respond 2, follow-up 10.
class FollowUpClockTest : public EscalationRulesTest {
 protected:
  FollowUpClockTest() {
    source_.ClearBudget(Stage::kAcknowledge);
    source_.SetBudget(Stage::kRespond, WorkingDays(2));
    source_.SetBudget(Stage::kFollowUp, WorkingDays(10));
  }

  Enquiry Call(absl::Time received) {
    Enquiry e = NewEnquiry("e-1", received);
    e.channel = Channel::kPhone;
    return e;
  }
};

TEST_F(FollowUpClockTest, RunsFromReceiptBesideTheResponseAndOnlyResolvingKeepsIt) {
  Enquiry e = Call(Utc(2025, 11, 3, 9, 0));  // Monday, GMT
  Decision opened = Open(e, e.received_at);
  const Event& routed = opened.events.back();
  ASSERT_EQ(routed.kind, EventKind::kRouted);
  EXPECT_FALSE(routed.acknowledge.has_value());
  EXPECT_THAT(routed.respond->due, Optional(Utc(2025, 11, 5, 15, 30)));
  ASSERT_TRUE(routed.follow_up.has_value());
  EXPECT_EQ(routed.follow_up->stage, Stage::kFollowUp);
  EXPECT_EQ(routed.follow_up->clock_from, e.received_at);
  EXPECT_THAT(routed.follow_up->due, Optional(Utc(2025, 11, 17, 15, 30)));  // the 10th working day
  EXPECT_THAT(TimerFor(opened, Stage::kFollowUp), Optional(Utc(2025, 11, 17, 15, 30)));

  // The call is returned: the response is kept, the follow-up still runs.
  Decision replied = Do(e, Reply(e, At(Utc(2025, 11, 4, 10, 0)), source_));
  EXPECT_EQ(TimerFor(replied, Stage::kRespond), std::nullopt);
  EXPECT_THAT(TimerFor(replied, Stage::kFollowUp), Optional(Utc(2025, 11, 17, 15, 30)));
  EnquiryView v = View(e, Utc(2025, 11, 4, 10, 0));
  EXPECT_EQ(v.respond->status, ClockStatus::kMet);
  ASSERT_TRUE(v.follow_up.has_value());
  EXPECT_EQ(v.follow_up->status, ClockStatus::kPending);

  // Resolved before the 10th working day closes: follow-up kept, its timer gone.
  Decision resolved = Do(e, Resolve(e, At(Utc(2025, 11, 14, 11, 0)), source_));
  EXPECT_EQ(TimerFor(resolved, Stage::kFollowUp), std::nullopt);
  v = View(e, Utc(2025, 11, 20, 9, 0));
  EXPECT_EQ(v.follow_up->status, ClockStatus::kMet);
  EXPECT_THAT(v.follow_up->met_at, Optional(Utc(2025, 11, 14, 11, 0)));
}

TEST_F(FollowUpClockTest, NoRuleOrSafeguardingMeansNoFollowUpClock) {
  Enquiry email = NewEnquiry("e-1", Utc(2025, 11, 3, 9, 0));
  source_.ClearBudget(Stage::kFollowUp);
  Decision d = Open(email, email.received_at);
  EXPECT_FALSE(d.events.back().follow_up.has_value());
  EXPECT_EQ(TimerFor(d, Stage::kFollowUp), std::nullopt);
  EXPECT_FALSE(View(email, email.received_at).follow_up.has_value());

  // contacts answers every stage of a safeguarding matter on its elapsed budget; the DSL's
  // procedure, not a follow-up clock, is what follows.
  source_.SetBudget(Stage::kFollowUp, WorkingDays(10));
  source_.SetSafeguardingBudget(Stage::kFollowUp, calendar::Budget{calendar::Unit::kElapsed, 0, absl::Hours(1)});
  Enquiry concern = NewEnquiry("e-2", Utc(2025, 11, 3, 9, 0), /*safeguarding=*/true);
  concern.channel = Channel::kPhone;
  Decision s = Open(concern, concern.received_at, std::nullopt, kDsl);
  EXPECT_FALSE(s.events.back().follow_up.has_value());
  EXPECT_EQ(TimerFor(s, Stage::kFollowUp), std::nullopt);
}

TEST_F(FollowUpClockTest, BreachTellsOwnerAndLineManagerAndKeepsTheMatterWhereItIs) {
  Enquiry e = Call(Utc(2025, 11, 3, 9, 0));
  Open(e, e.received_at);
  Do(e, Reply(e, At(Utc(2025, 11, 4, 10, 0)), source_));
  const absl::Time due = Utc(2025, 11, 17, 15, 30);

  absl::StatusOr<Decision> early = OnTimer(e, Stage::kFollowUp, due, due - absl::Seconds(1), Context(), source_);
  ASSERT_TRUE(early.ok());
  EXPECT_THAT(early->events, IsEmpty());

  Decision d = Do(e, OnTimer(e, Stage::kFollowUp, due, due + absl::Seconds(1), Context(), source_));
  EXPECT_THAT(Kinds(d), ElementsAre(EventKind::kBreached));
  EXPECT_EQ(d.events[0].stage, Stage::kFollowUp);
  EXPECT_EQ(d.events[0].reason, "follow-up overdue");
  EXPECT_THAT(d.events[0].breached_due, Optional(due));
  EXPECT_THAT(Recipients(d), ElementsAre(kTeacher, kLineManager));
  for (const Notice& n : d.notices) EXPECT_EQ(n.kind, Notice::Kind::kFollowUpBreach);
  EXPECT_EQ(TimerFor(d, Stage::kFollowUp), std::nullopt);
  const EnquiryView v = View(e, due + absl::Seconds(1));
  EXPECT_EQ(v.follow_up->status, ClockStatus::kBreached);
  EXPECT_EQ(v.owner, kTeacher);  // not escalated: the response clock climbs the ladder
  EXPECT_EQ(v.rung, 0);
  EXPECT_EQ(v.state, EnquiryState::kAcknowledged);

  absl::StatusOr<Decision> twice = OnTimer(e, Stage::kFollowUp, due, due + absl::Minutes(5), Context(), source_);
  ASSERT_TRUE(twice.ok());
  EXPECT_THAT(twice->events, IsEmpty());

  // Without line-manager notices in the school's breach policy, the owner alone is told.
  Enquiry quiet = Call(Utc(2025, 11, 3, 9, 0));
  Open(quiet, quiet.received_at);
  BreachContext owner_only = Context();
  owner_only.notify_line_manager = false;
  Decision q = Do(quiet, OnTimer(quiet, Stage::kFollowUp, due, due, owner_only, source_));
  EXPECT_THAT(Recipients(q), ElementsAre(kTeacher));
}

TEST_F(FollowUpClockTest, PausesHoldItEscalationLeavesItAndReopeningStartsANewOne) {
  Enquiry e = Call(Utc(2025, 11, 3, 9, 0));
  Open(e, e.received_at);
  // Awaiting the parent from Tue 09:00 to Thu 09:00: two working days' time paused.
  Do(e, Pause(e, At(Utc(2025, 11, 4, 9, 0), "waiting for the consultant's letter"), source_));
  EXPECT_EQ(View(e, Utc(2025, 11, 5, 9, 0)).follow_up->status, ClockStatus::kPaused);
  Decision resumed = Do(e, Resume(e, At(Utc(2025, 11, 6, 9, 0)), source_));
  EXPECT_THAT(TimerFor(resumed, Stage::kFollowUp), Optional(Utc(2025, 11, 19, 15, 30)));

  // A new rung gets a fresh response budget; the follow-up promise stands as it was.
  Decision up = Do(e, Escalate(e, At(Utc(2025, 11, 6, 10, 0), "parent asked"), true, ladder_, source_));
  EXPECT_FALSE(up.events.back().follow_up.has_value());
  EXPECT_THAT(TimerFor(up, Stage::kFollowUp), Optional(Utc(2025, 11, 19, 15, 30)));
  EXPECT_THAT(View(e, Utc(2025, 11, 6, 10, 0)).follow_up->due, Optional(Utc(2025, 11, 19, 15, 30)));

  Do(e, Resolve(e, At(Utc(2025, 11, 7, 10, 0)), source_));
  Decision reopened = Do(e, Reopen(e, At(Utc(2025, 11, 10, 9, 0), "the action did not happen"), source_));
  ASSERT_TRUE(reopened.events.back().follow_up.has_value());
  EXPECT_EQ(reopened.events.back().follow_up->clock_from, Utc(2025, 11, 10, 9, 0));
  EXPECT_THAT(TimerFor(reopened, Stage::kFollowUp), Optional(Utc(2025, 11, 24, 15, 30)));
  const EnquiryView v = View(e, Utc(2025, 11, 10, 9, 0));
  EXPECT_EQ(v.cycle, 2);
  EXPECT_EQ(v.follow_up->status, ClockStatus::kPending);
}

TEST_F(FollowUpClockTest, CalendarEditRecomputesTheRunningFollowUpClock) {
  Enquiry e = Call(Utc(2025, 11, 3, 9, 0));
  Open(e, e.received_at);
  Do(e, Reply(e, At(Utc(2025, 11, 3, 14, 0)), source_));  // only the follow-up still runs

  calendar::CalendarSpec spec = calendar::testdata::England2025To26();
  spec.closures.push_back({absl::CivilDay(2025, 11, 12), absl::CivilDay(2025, 11, 12), "INSET day"});
  source_.SetSchoolCalendar(calendar::testdata::MustBuild(spec));
  Decision d = Do(e, Recompute(e, source_.Current(), Utc(2025, 11, 4, 9, 0), source_));
  EXPECT_THAT(Kinds(d), ElementsAre(EventKind::kRecomputed));
  EXPECT_FALSE(d.events[0].respond.has_value());  // met: history
  ASSERT_TRUE(d.events[0].follow_up.has_value());
  EXPECT_THAT(d.events[0].follow_up->due, Optional(Utc(2025, 11, 18, 15, 30)));
  EXPECT_EQ(d.events[0].follow_up->calendar_version, source_.Current().calendar);
  EXPECT_THAT(TimerFor(d, Stage::kFollowUp), Optional(Utc(2025, 11, 18, 15, 30)));
}

// --- Rule 7 -----------------------------------------------------------------------------------------

Notice StaffNotice(const std::string& enquiry, const std::string& to, Notice::Kind kind, absl::Time at) {
  Notice n;
  n.kind = kind;
  n.recipient = to;
  n.enquiry_id = enquiry;
  n.earliest = at;
  return n;
}

TEST_F(EscalationRulesTest, StaffNoticesGoInsideWorkingPeriodsOncePerMatterPerPeriod) {
  const Notice::Kind breach = Notice::Kind::kAcknowledgeBreach;
  auto Slot = [&](const Notice& n, const std::vector<SentNotice>& sent) {
    absl::StatusOr<NoticeSlot> s = ScheduleStaffNotice(n, sent, source_);
    EXPECT_TRUE(s.ok()) << s.status();
    return s.ok() ? *s : NoticeSlot{};
  };

  // Inside a period: at once. After hours: the next opening. In half-term: the Monday after.
  EXPECT_EQ(Slot(StaffNotice("e-1", kTeacher, breach, Utc(2025, 11, 3, 10, 0)), {}).send_at, Utc(2025, 11, 3, 10, 0));
  EXPECT_EQ(Slot(StaffNotice("e-1", kTeacher, breach, Utc(2025, 11, 3, 17, 0)), {}).send_at, Utc(2025, 11, 4, 8, 45));
  EXPECT_EQ(Slot(StaffNotice("e-1", kTeacher, breach, London(2025, 10, 28, 10, 0)), {}).send_at,
            Utc(2025, 11, 3, 8, 45));

  const std::vector<SentNotice> sent = {{"e-1", kTeacher, breach, Utc(2025, 11, 3, 9, 0)}};
  // The same news again that period: suppressed.
  EXPECT_TRUE(Slot(StaffNotice("e-1", kTeacher, breach, Utc(2025, 11, 3, 14, 0)), sent).suppressed);
  // Other news for the same matter and person: the next period.
  NoticeSlot other = Slot(StaffNotice("e-1", kTeacher, Notice::Kind::kEscalated, Utc(2025, 11, 3, 14, 0)), sent);
  EXPECT_FALSE(other.suppressed);
  EXPECT_EQ(other.send_at, Utc(2025, 11, 4, 8, 45));
  // Another matter, or another person: not limited.
  EXPECT_EQ(Slot(StaffNotice("e-2", kTeacher, breach, Utc(2025, 11, 3, 14, 0)), sent).send_at, Utc(2025, 11, 3, 14, 0));
  EXPECT_EQ(Slot(StaffNotice("e-1", kHead, breach, Utc(2025, 11, 3, 14, 0)), sent).send_at, Utc(2025, 11, 3, 14, 0));
  // The next period is a new period.
  EXPECT_FALSE(Slot(StaffNotice("e-1", kTeacher, breach, Utc(2025, 11, 4, 9, 0)), sent).suppressed);
}

// A reminder attempted every hour for a fortnight reaches the recipient once per working period,
// and only inside them: Monday-Wednesday only for a part-time member. The attempts after the last
// period of the fortnight wait for Mon 17 Nov.
TEST_F(EscalationRulesTest, HourlyRemindersBecomeOnePerWorkingPeriod) {
  calendar::WorkingPattern mon_to_wed;
  mon_to_wed.works = {true, true, true, false, false, false, false};
  source_.SetOwnerCalendar(kPartTimer,
                           calendar::testdata::MustBuild(calendar::testdata::England2025To26(), &mon_to_wed));

  for (const char* who : {kTeacher, kPartTimer}) {
    SCOPED_TRACE(who);
    std::vector<SentNotice> sent;
    for (absl::Time t = Utc(2025, 11, 3, 0, 0); t < Utc(2025, 11, 17, 0, 0); t += absl::Hours(1)) {
      Notice n = StaffNotice("e-1", who, Notice::Kind::kAcknowledgeBreach, t);
      absl::StatusOr<NoticeSlot> slot = ScheduleStaffNotice(n, sent, source_);
      ASSERT_TRUE(slot.ok()) << slot.status();
      if (slot->suppressed) continue;
      // A notice scheduled for a later period is written once; later attempts see it.
      sent.push_back(SentNotice{n.enquiry_id, n.recipient, n.kind, slot->send_at});
    }
    std::vector<absl::CivilDay> days;
    for (const SentNotice& s : sent) {
      const absl::CivilSecond local = absl::ToCivilSecond(s.send_at, cal_->zone());
      EXPECT_EQ(local.hour() * 60 + local.minute(), 8 * 60 + 45) << "at the opening of each period";
      days.push_back(absl::CivilDay(local));
    }
    if (std::string(who) == kTeacher) {
      EXPECT_THAT(days, SizeIs(11));  // two school weeks and the Monday after
      EXPECT_EQ(days.back(), absl::CivilDay(2025, 11, 17));
    } else {
      EXPECT_THAT(days,
                  ElementsAre(absl::CivilDay(2025, 11, 3), absl::CivilDay(2025, 11, 4), absl::CivilDay(2025, 11, 5),
                              absl::CivilDay(2025, 11, 10), absl::CivilDay(2025, 11, 11), absl::CivilDay(2025, 11, 12),
                              absl::CivilDay(2025, 11, 17)));
    }
  }
}

// --- A whole term ---------------------------------------------------------------------------------

// Every day of the autumn term, an email at 07:30, 12:00 and 16:10 local: the acknowledgement is
// due at the close (15:30 local, GMT or BST) of the second working day after day 0, never in a
// holiday, and day 0 is the first working period at or after receipt.
TEST_F(EscalationRulesTest, EveryArrivalOfTheAutumnTermIsDueAtTheCloseOfTheSecondWorkingDay) {
  int n = 0;
  for (absl::CivilDay day(2025, 9, 1); day <= absl::CivilDay(2025, 12, 21); ++day) {
    for (int hour_minute : {7 * 60 + 30, 12 * 60, 16 * 60 + 10}) {
      const absl::Time received =
          London(static_cast<int>(day.year()), day.month(), day.day(), hour_minute / 60, hour_minute % 60);
      Enquiry e = NewEnquiry(absl::StrCat("e-", ++n), received);
      absl::StatusOr<Decision> d =
          escalation::Open(e, OpenRequest{std::nullopt, kTeacher, {}, "office", received, "class_teacher"}, source_);
      ASSERT_TRUE(d.ok()) << d.status();
      const ClockSnapshot& ack = *d->events[1].acknowledge;
      ASSERT_TRUE(ack.due.has_value());

      absl::StatusOr<std::pair<absl::Time, absl::Time>> first = cal_->PeriodAtOrAfter(received);
      ASSERT_TRUE(first.ok());
      EXPECT_EQ(ack.clock_start, std::max(received, first->first));
      absl::CivilDay d0 = absl::ToCivilDay(first->first, cal_->zone());
      int counted = 0;
      absl::CivilDay due_day = d0;
      while (counted < 2) {
        ++due_day;
        if (cal_->PeriodOn(due_day).has_value()) ++counted;
      }
      EXPECT_EQ(*ack.due, cal_->PeriodOn(due_day)->second) << "received " << received;
      const absl::CivilSecond local = absl::ToCivilSecond(*ack.due, cal_->zone());
      EXPECT_EQ(local.hour() * 60 + local.minute(), 15 * 60 + 30);
    }
  }
}

}  // namespace
}  // namespace parley::escalation
