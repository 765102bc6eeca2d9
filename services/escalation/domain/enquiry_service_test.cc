// The escalation use cases over the in-memory store and scripted peers: intake (routing, the gate's
// four outcomes, bad input), replay before any peer is asked, staff actions with etags, a lost race
// planned again, the clock timers' plans, recomputation, and the reads the API shows.
#include "services/escalation/domain/enquiry_service.h"

#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_replace.h"
#include "common/calendar/calendar.h"
#include "common/status/reason.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "nlohmann/json.hpp"
#include "services/escalation/testing/calendar_deadline_source.h"
#include "services/escalation/testing/fake_peers.h"
#include "services/escalation/testing/in_memory_enquiry_store.h"

namespace parley::escalation {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::Optional;
using ::testing::Pair;

constexpr char kSchool[] = "test-school";
const std::string kTeacher = "schools/test-school/staff/teacher";
const std::string kHeadOfYear = "schools/test-school/staff/head-of-year";
const std::string kHead = "schools/test-school/staff/head";

// Open every day, all day: elapsed budgets behave like plain durations.
std::shared_ptr<const calendar::Calendar> AlwaysOpen() {
  calendar::CalendarSpec spec;
  spec.time_zone = "UTC";
  spec.terms = {calendar::DateRange{absl::CivilDay(2024, 1, 1), absl::CivilDay(2030, 12, 31), "always"}};
  spec.school_days = {true, true, true, true, true, true, true};
  spec.core_hours = calendar::HoursRange{0, 24 * 60};
  absl::StatusOr<std::shared_ptr<const calendar::Calendar>> cal = calendar::Calendar::Build(spec);
  EXPECT_TRUE(cal.ok()) << cal.status();
  return cal.ok() ? *std::move(cal) : nullptr;
}

const absl::Time kStart = absl::FromCivil(absl::CivilSecond(2025, 3, 3, 9, 0, 0), absl::UTCTimeZone());

// "{id} v{row version} state {n}": what the API would encode, small enough to compare.
absl::StatusOr<std::string> Describe(const EnquiryRecord& r, const EnquiryView& v) {
  return absl::StrCat(r.enquiry.id, " v", r.row_version, " state ", static_cast<int>(v.state));
}

std::string IdOf(const std::string& response) { return response.substr(0, response.find(' ')); }

class EnquiryServiceTest : public ::testing::Test {
 protected:
  EnquiryServiceTest()
      : clock_(kStart), store_([this] { return clock_.Now(); }), directory_(kSchool), source_(AlwaysOpen()) {
    source_.SetBudget(Stage::kAcknowledge, calendar::Budget{calendar::Unit::kElapsed, 0, absl::Hours(2)});
    source_.SetBudget(Stage::kRespond, calendar::Budget{calendar::Unit::kElapsed, 0, absl::Hours(24)});
    directory_.SetVersions(source_.Current().calendar, source_.Current().policy);
    service_ = std::make_unique<EnquiryService>(
        &store_, &gate_, &directory_, &source_, &source_, [this](const timer::TimerRef&) { ++nudges_; }, &clock_);
  }

  RequestKey Key(const std::string& fingerprint = "fp") {
    return RequestKey{"escalation.Test", absl::StrFormat("00000000-0000-4000-8000-%012d", ++requests_), fingerprint};
  }

  EnquiryRecord Draft(const std::string& category = "learning") {
    EnquiryRecord draft;
    draft.enquiry.school_id = kSchool;
    draft.enquiry.pupil = "schools/test-school/pupils/p1";
    draft.enquiry.guardian = "guardians/g1";
    draft.enquiry.channel = Channel::kEmail;
    draft.enquiry.category = category;
    draft.enquiry.received_at = clock_.Now();
    draft.subject = "Homework";
    return draft;
  }

  std::string OpenOne(const std::string& category = "learning") {
    absl::StatusOr<WriteResult> w = service_->Open(Key(), Draft(category), "office", Describe);
    EXPECT_TRUE(w.ok()) << w.status();
    return w.ok() ? IdOf(w->response) : "";
  }

  absl::StatusOr<WriteResult> Do(const std::string& id, ActionInput::Kind kind, const std::string& etag = "",
                                 const RequestKey* key = nullptr) {
    ActionInput input;
    input.kind = kind;
    input.actor = kTeacher;
    input.reason = "because";
    input.new_owner = kHead;
    return service_->Act(key ? *key : Key(), kSchool, id, etag, input, Describe);
  }

  EnquiryRecord Stored(const std::string& id) {
    absl::StatusOr<EnquiryRecord> r = store_.Get(kSchool, id);
    EXPECT_TRUE(r.ok()) << r.status();
    return r.ok() ? *r : EnquiryRecord();
  }

  std::vector<std::string> OutboxKinds() {
    std::vector<std::string> kinds;
    for (const OutboxRow& row : store_.outbox()) kinds.push_back(row.kind);
    return kinds;
  }

  std::optional<timer::Timer> ArmedTimer(const std::string& id, const std::string& stage) {
    const auto timers = store_.timers();
    auto it = timers.find({kClockTimerKind, absl::StrCat(kSchool, "/", id, "/", stage)});
    if (it == timers.end()) return std::nullopt;
    timer::Timer t;
    t.kind = it->second.kind;
    t.key = it->second.key;
    t.due = it->second.due;
    t.payload = it->second.payload;
    return t;
  }

  SimulatedClock clock_;
  testing::InMemoryEnquiryStore store_;
  testing::FakeGate gate_;
  testing::FakeDirectory directory_;
  testing::CalendarDeadlineSource source_;
  std::unique_ptr<EnquiryService> service_;
  int requests_ = 0;
  int nudges_ = 0;
};

// ---- intake --------------------------------------------------------------------------------------

TEST_F(EnquiryServiceTest, IntakeRoutesAsksTheGateWithTheRequestIdAndArmsBothClocks) {
  const RequestKey key = Key();
  absl::StatusOr<WriteResult> w = service_->Open(key, Draft(), "office", Describe);
  ASSERT_TRUE(w.ok()) << w.status();
  EXPECT_FALSE(w->replayed);
  const std::string id = IdOf(w->response);
  EXPECT_EQ(w->response, absl::StrCat(id, " v1 state 1"));
  EXPECT_EQ(directory_.route_calls(), 1);
  ASSERT_EQ(gate_.calls(), 1);
  EXPECT_EQ(gate_.questions()[0].request_id, key.request_id);
  EXPECT_EQ(gate_.questions()[0].guardian, "guardians/g1");

  const EnquiryRecord r = Stored(id);
  EXPECT_EQ(r.owner, kTeacher);
  EXPECT_EQ(r.state, EnquiryState::kOpen);
  EXPECT_EQ(r.row_version, 1);
  EXPECT_EQ(r.ack_due, kStart + absl::Hours(2));
  EXPECT_EQ(r.respond_due, kStart + absl::Hours(24));
  EXPECT_EQ(r.next_due, r.ack_due);
  ASSERT_TRUE(ArmedTimer(id, "acknowledge").has_value());
  EXPECT_EQ(ArmedTimer(id, "acknowledge")->due, kStart + absl::Hours(2));
  ASSERT_TRUE(ArmedTimer(id, "respond").has_value());
  EXPECT_EQ(nudges_, 2);
  EXPECT_THAT(OutboxKinds(), ElementsAre("escalation.assigned"));
  EXPECT_EQ(store_.ledger().size(), 1u);
}

TEST_F(EnquiryServiceTest, TheGatesOutcomesDecideTheClocks) {
  // DEFER: the clocks start when the guardian may next be answered.
  const absl::Time window = kStart + absl::Hours(5);
  gate_.Answer(GateAnswer::Outcome::kDefer, window);
  const EnquiryRecord deferred = Stored(OpenOne());
  EXPECT_EQ(deferred.state, EnquiryState::kOpen);
  EXPECT_EQ(deferred.ack_due, window + absl::Hours(2));

  // REDIRECT and NO_RESPONSE_REQUIRED: recorded and owned, no clock, no timer.
  gate_.Answer(GateAnswer::Outcome::kRedirect);
  const std::string redirected = OpenOne();
  EXPECT_EQ(Stored(redirected).state, EnquiryState::kRedirected);
  EXPECT_FALSE(Stored(redirected).next_due.has_value());
  EXPECT_FALSE(ArmedTimer(redirected, "acknowledge").has_value());

  gate_.Answer(GateAnswer::Outcome::kNoResponseRequired);
  const std::string suppressed = OpenOne();
  EXPECT_EQ(Stored(suppressed).state, EnquiryState::kNoResponseRequired);
  EXPECT_FALSE(ArmedTimer(suppressed, "respond").has_value());

  // ALLOW, and safeguarding is never held: to the DSL, whatever the gate says.
  gate_.Answer(GateAnswer::Outcome::kNoResponseRequired);
  EnquiryRecord urgent = Draft("safeguarding");
  urgent.enquiry.safeguarding = true;
  absl::StatusOr<WriteResult> w = service_->Open(Key(), urgent, "office", Describe);
  ASSERT_TRUE(w.ok()) << w.status();
  const EnquiryRecord dsl = Stored(IdOf(w->response));
  EXPECT_EQ(dsl.owner, "schools/test-school/staff/dsl");
  EXPECT_EQ(dsl.state, EnquiryState::kOpen);
  EXPECT_TRUE(ArmedTimer(dsl.enquiry.id, "acknowledge").has_value());
}

// ---- people a route names, urgent matters and teaching hours ---------------------------------

// Who each outbox row goes to, with its template and not_before.
struct SentRow {
  std::string kind;
  std::string recipient;
  absl::Time not_before;
};
// Rows from the `from`th on.
std::vector<SentRow> Sent(const std::vector<OutboxRow>& outbox, size_t from = 0) {
  std::vector<SentRow> rows;
  for (size_t i = from; i < outbox.size(); ++i) {
    const OutboxRow& row = outbox[i];
    const nlohmann::json n = nlohmann::json::parse(row.notice_json);
    const nlohmann::json& staff = n["recipients"]["staff"];
    const nlohmann::json& guardians = n["recipients"]["guardians"];
    rows.push_back(SentRow{row.kind, staff.empty() ? guardians[0].get<std::string>() : staff[0].get<std::string>(),
                           row.not_before});
  }
  return rows;
}

// In class 08:50-15:25 (UTC) every day.
const calendar::HoursRange kTeaching{8 * 60 + 50, 15 * 60 + 25};

TEST_F(EnquiryServiceTest, EveryMatterOnARouteThatNamesPeopleTellsThem) {
  // Milton Road: breaches of the code to the head, the Chair of Governors (an external contact)
  // and, here, a deputy told as well.
  const std::string deputy = "schools/test-school/staff/deputy";
  directory_.SetRoute("conduct", Route{Person{kHead, "headteacher"},
                                       {Person{"external:chair-of-governors", ""}, Person{deputy, "deputy_head"},
                                        Person{kHead, "headteacher"}},
                                       true,
                                       "",
                                       false});
  source_.SetTeaching(deputy, kTeaching);  // the deputy teaches: told after class
  OpenOne("conduct");
  const std::vector<SentRow> sent = Sent(store_.outbox());
  ASSERT_EQ(sent.size(), 3u);  // the owner is not told twice
  EXPECT_EQ(sent[0].kind, "escalation.assigned");
  EXPECT_EQ(sent[0].recipient, kHead);
  EXPECT_EQ(sent[1].kind, "escalation.informed");
  EXPECT_EQ(sent[1].recipient, "external:chair-of-governors");
  EXPECT_EQ(sent[1].not_before, kStart);  // no working pattern: at once
  EXPECT_EQ(sent[2].kind, "escalation.informed");
  EXPECT_EQ(sent[2].recipient, deputy);
  EXPECT_EQ(sent[2].not_before, kStart + absl::Minutes(6 * 60 + 25));  // 15:25

  // A route that names nobody else tells only the owner.
  OpenOne("learning");
  ASSERT_EQ(Sent(store_.outbox(), 3).size(), 1u);
  EXPECT_EQ(Sent(store_.outbox(), 3)[0].kind, "escalation.assigned");
}

TEST_F(EnquiryServiceTest, TeachersAreToldOutsideTeachingHoursUnlessTheMatterIsUrgent) {
  source_.SetTeaching(kTeacher, kTeaching);
  // 09:00, in class: the notice waits for 15:25.
  OpenOne();
  ASSERT_EQ(Sent(store_.outbox()).size(), 1u);
  EXPECT_EQ(Sent(store_.outbox())[0].not_before, kStart + absl::Minutes(6 * 60 + 25));

  // Urgent: it interrupts teaching. The matrix has no urgent route here, so the matter goes by its
  // category, on the usual clock.
  EnquiryRecord urgent = Draft();
  urgent.enquiry.urgent = true;
  absl::StatusOr<WriteResult> w = service_->Open(Key(), urgent, "office", Describe);
  ASSERT_TRUE(w.ok()) << w.status();
  const EnquiryRecord r = Stored(IdOf(w->response));
  EXPECT_TRUE(r.enquiry.urgent);
  EXPECT_EQ(r.owner, kTeacher);
  EXPECT_EQ(r.ack_due, kStart + absl::Hours(2));
  ASSERT_EQ(Sent(store_.outbox(), 1).size(), 1u);
  EXPECT_EQ(Sent(store_.outbox(), 1)[0].not_before, kStart);

  // Outside teaching hours a notice goes at once.
  source_.SetTeaching(kTeacher, calendar::HoursRange{0, 60});  // in class only 00:00-01:00
  OpenOne();
  EXPECT_EQ(Sent(store_.outbox(), 2)[0].not_before, kStart);
}

TEST_F(EnquiryServiceTest, AnUrgentMatterGoesByTheUrgentRouteOnTheUrgentClock) {
  // Woodgrange: "referred to a senior member of staff or the headteacher - giving them an outline
  // of the issue in advance".
  const std::string senior = "schools/test-school/staff/senior";
  directory_.SetRoute("urgent",
                      Route{Person{senior, "senior_leader"}, {Person{kHead, "headteacher"}}, true, "", false});
  source_.SetUrgentBudget(Stage::kAcknowledge, calendar::Budget{calendar::Unit::kElapsed, 0, absl::Minutes(30)});
  source_.SetTeaching(senior, kTeaching);
  EnquiryRecord urgent = Draft("learning");
  urgent.enquiry.urgent = true;
  absl::StatusOr<WriteResult> w = service_->Open(Key(), urgent, "office", Describe);
  ASSERT_TRUE(w.ok()) << w.status();
  const EnquiryRecord r = Stored(IdOf(w->response));
  EXPECT_EQ(r.enquiry.category, "learning");  // the matter keeps its category
  EXPECT_EQ(r.owner, senior);
  EXPECT_EQ(r.ack_due, kStart + absl::Minutes(30));
  EXPECT_EQ(r.respond_due, kStart + absl::Hours(24));  // no urgent rule for this stage
  const std::vector<SentRow> sent = Sent(store_.outbox());
  ASSERT_EQ(sent.size(), 2u);
  EXPECT_EQ(sent[0].kind, "escalation.assigned");
  EXPECT_EQ(sent[0].recipient, senior);
  EXPECT_EQ(sent[0].not_before, kStart);  // in class, interrupted: it is urgent
  EXPECT_EQ(sent[1].kind, "escalation.informed");
  EXPECT_EQ(sent[1].recipient, kHead);
  EXPECT_EQ(sent[1].not_before, kStart);

  // The same matter not marked urgent: its own route and clock.
  const EnquiryRecord plain = Stored(OpenOne("learning"));
  EXPECT_EQ(Sent(store_.outbox(), 2)[0].recipient, kTeacher);
  EXPECT_EQ(plain.owner, kTeacher);
  EXPECT_EQ(plain.ack_due, kStart + absl::Hours(2));
  EXPECT_FALSE(plain.enquiry.urgent);
}

TEST_F(EnquiryServiceTest, BadInputWritesNothingAndAsksNoGate) {
  auto code = [&](EnquiryRecord draft) { return service_->Open(Key(), draft, "office", Describe).status(); };
  EnquiryRecord d = Draft();
  d.subject = "";
  EXPECT_EQ(ErrorReason(code(d)), reason::kInvalidField);
  d = Draft();
  d.subject = std::string(201, 'x');
  EXPECT_EQ(code(d).code(), absl::StatusCode::kInvalidArgument);
  d = Draft();
  d.enquiry.received_at = kStart + absl::Hours(1);
  EXPECT_EQ(ErrorReason(code(d)), reason::kTimeInFuture);
  d = Draft();
  d.enquiry.pupil = "schools/other-school/pupils/p1";
  EXPECT_EQ(ErrorReason(code(d)), reason::kPupilOfAnotherSchool);
  EXPECT_EQ(directory_.route_calls(), 0);  // all refused before contacts was asked
  EXPECT_EQ(ErrorReason(code(Draft("unknown"))), reason::kUnknownCategory);
  d = Draft();
  d.enquiry.pupil = "schools/test-school/pupils/missing";
  EXPECT_EQ(code(d).code(), absl::StatusCode::kNotFound);

  EXPECT_EQ(store_.enquiry_count(), 0u);
  EXPECT_EQ(store_.committed_writes(), 0);
  EXPECT_TRUE(store_.outbox().empty());
  EXPECT_TRUE(store_.timers().empty());
  EXPECT_EQ(gate_.calls(), 0);

  // 200 characters are allowed however many bytes they take.
  d = Draft();
  d.subject.clear();
  for (int i = 0; i < 200; ++i) d.subject += "\xc5\x82";  // ł
  EXPECT_TRUE(code(d).ok());
}

// ---- a guardian's own intake ----------------------------------------------------------------------

TEST_F(EnquiryServiceTest, AGuardianOpensAboutTheirOwnChildAndAnotherFamilysIsAnsweredAsNoPupil) {
  const IntakeScope g1 = IntakeScope::ChildrenOf("guardians/g1");  // the fake links g1 to p1
  directory_.LinkGuardian("guardians/g2", "schools/test-school/pupils/p2");
  auto open = [&](const RequestKey& key, const std::string& pupil) {
    EnquiryRecord d = Draft();
    d.enquiry.pupil = pupil;
    return service_->Open(key, d, "guardians/g1", Describe, g1);
  };
  const RequestKey own_key = Key();
  absl::StatusOr<WriteResult> own = open(own_key, "schools/test-school/pupils/p1");
  ASSERT_TRUE(own.ok()) << own.status();
  EXPECT_EQ(directory_.guardian_calls(), 1);
  EXPECT_EQ(directory_.route_calls(), 1);
  EXPECT_EQ(gate_.calls(), 1);
  const size_t outbox = store_.outbox().size();
  const size_t timers = store_.timers().size();

  // Another family's child (on roll: routing would name their teacher) and a pupil who does not
  // exist: one answer, the same words but for the name given, and nothing routed, gated or stored.
  const RequestKey other_key = Key();
  const absl::Status other = open(other_key, "schools/test-school/pupils/p2").status();
  const absl::Status missing = open(Key(), "schools/test-school/pupils/missing").status();
  EXPECT_EQ(other.code(), absl::StatusCode::kNotFound) << other;
  EXPECT_EQ(ErrorReason(other), reason::kPupilNotFound);
  EXPECT_EQ(other.message(), "pupil p2 is not on roll at school test-school");
  EXPECT_EQ(missing, PupilNotFound(kSchool, "schools/test-school/pupils/missing"));
  EXPECT_EQ(absl::StrReplaceAll(missing.message(), {{"missing", "p2"}}), other.message());
  EXPECT_EQ(directory_.route_calls(), 1);
  EXPECT_EQ(gate_.calls(), 1);
  EXPECT_EQ(store_.enquiry_count(), 1u);
  EXPECT_EQ(store_.committed_writes(), 1);
  EXPECT_EQ(store_.outbox().size(), outbox);
  EXPECT_EQ(store_.timers().size(), timers);
  // The refused request id was not recorded: asked again, it is refused again, not replayed.
  EXPECT_EQ(open(other_key, "schools/test-school/pupils/p2").status(), other);

  // What staff are told for a pupil not on roll is that same answer.
  EnquiryRecord d = Draft();
  d.enquiry.pupil = "schools/test-school/pupils/missing";
  EXPECT_EQ(service_->Open(Key(), d, "office", Describe).status(), missing);

  // The guardian's retry replays their enquiry without asking anyone again.
  const int guardian_calls = directory_.guardian_calls();
  absl::StatusOr<WriteResult> again = open(own_key, "schools/test-school/pupils/p1");
  ASSERT_TRUE(again.ok()) << again.status();
  EXPECT_TRUE(again->replayed);
  EXPECT_EQ(again->response, own->response);
  EXPECT_EQ(directory_.guardian_calls(), guardian_calls);

  // An enquiry naming no pupil is about the guardian only: nothing to check.
  EXPECT_TRUE(open(Key(), "").ok());
  EXPECT_EQ(directory_.guardian_calls(), guardian_calls);
  // A directory that cannot answer refuses the intake, writing nothing.
  directory_.Fail(absl::UnavailableError("contacts is down"));
  EXPECT_EQ(open(Key(), "schools/test-school/pupils/p1").status().code(), absl::StatusCode::kUnavailable);
  EXPECT_EQ(store_.enquiry_count(), 2u);
}

// "Parents/carers will only be invited to discuss their own children": staff entering a call are
// held to it as the guardian is, with a reason that says so; a safeguarding concern is still taken.
TEST_F(EnquiryServiceTest, StaffRecordingForAGuardianNotLinkedToThePupilAreRefusedUnlessSafeguarding) {
  EnquiryRecord d = Draft();
  d.enquiry.pupil = "schools/test-school/pupils/p2";  // g1 is not linked to p2
  const absl::Status refused = service_->Open(Key(), d, "office", Describe).status();
  EXPECT_EQ(refused.code(), absl::StatusCode::kFailedPrecondition) << refused;
  EXPECT_EQ(ErrorReason(refused), reason::kNotLinkedToPupil);
  EXPECT_EQ(store_.enquiry_count(), 0u);
  EXPECT_EQ(gate_.calls(), 0);

  // An unidentified caller's message names no guardian: nothing to check.
  d.enquiry.guardian.clear();
  ASSERT_TRUE(service_->Open(Key(), d, "office", Describe).ok());
  EXPECT_EQ(directory_.guardian_calls(), 1);

  // Flagged safeguarding: taken, to the DSL, and the guardian is told nothing, now or later.
  d = Draft("safeguarding");
  d.enquiry.pupil = "schools/test-school/pupils/p2";
  d.enquiry.safeguarding = true;
  absl::StatusOr<WriteResult> w = service_->Open(Key(), d, "office", Describe);
  ASSERT_TRUE(w.ok()) << w.status();
  const std::string id = IdOf(w->response);
  EXPECT_EQ(Stored(id).owner, "schools/test-school/staff/dsl");
  EXPECT_TRUE(Stored(id).enquiry.guardian_not_told);
  ASSERT_TRUE(Do(id, ActionInput::Kind::kAcknowledge).ok());
  for (const OutboxRow& row : store_.outbox()) {
    EXPECT_EQ(row.notice_json.find("guardians/g1"), std::string::npos) << row.kind;
  }
  EXPECT_THAT(OutboxKinds(), ::testing::Not(::testing::Contains("escalation.acknowledgement")));
}

// A court order removing contact or information, in force on the day the message arrived,
// refuses it whoever records it; from the day after it ends the guardian is heard again.
TEST_F(EnquiryServiceTest, ACourtOrderInForceOnTheReceiptDateRefusesTheEnquiry) {
  directory_.CourtOrder("guardians/g1", "schools/test-school/pupils/p1", kStart + absl::Hours(24));
  for (const IntakeScope& scope : {IntakeScope::AnyPupil(), IntakeScope::ChildrenOf("guardians/g1")}) {
    const absl::Status refused = service_->Open(Key(), Draft(), "office", Describe, scope).status();
    EXPECT_EQ(refused.code(), absl::StatusCode::kFailedPrecondition) << refused;
    EXPECT_EQ(ErrorReason(refused), reason::kCourtOrderExcludes);
  }
  EXPECT_EQ(store_.enquiry_count(), 0u);
  EXPECT_EQ(gate_.calls(), 0);

  // Safeguarding is taken; nothing about it goes to the guardian.
  EnquiryRecord concern = Draft("safeguarding");
  concern.enquiry.safeguarding = true;
  absl::StatusOr<WriteResult> w = service_->Open(Key(), concern, "office", Describe);
  ASSERT_TRUE(w.ok()) << w.status();
  EXPECT_TRUE(Stored(IdOf(w->response)).enquiry.guardian_not_told);

  clock_.Advance(absl::Hours(25));
  absl::StatusOr<WriteResult> after = service_->Open(Key(), Draft(), "office", Describe);
  ASSERT_TRUE(after.ok()) << after.status();
  EXPECT_FALSE(Stored(IdOf(after->response)).enquiry.guardian_not_told);
}

// St Mary's: absence is reported by phone, "please do not email". An email on that route is
// recorded with no clock and the guardian is told, in the route's words, how to reach the school.
TEST_F(EnquiryServiceTest, AChannelTheRouteDoesNotTakeIsRecordedWithoutAClockAndTheGuardianIsTold) {
  Route phone_only;
  phone_only.owner = Person{"schools/test-school/staff/office", "office"};
  phone_only.channel_allowed = false;
  phone_only.channel_rule = "Report absence by phone to the school office; please do not email.";
  directory_.SetRoute("attendance", phone_only);

  const std::string id = OpenOne("attendance");
  const EnquiryRecord r = Stored(id);
  EXPECT_EQ(r.state, EnquiryState::kRedirected);
  EXPECT_FALSE(r.next_due.has_value());
  EXPECT_FALSE(ArmedTimer(id, "acknowledge").has_value());
  EXPECT_FALSE(ArmedTimer(id, "respond").has_value());
  ASSERT_EQ(r.enquiry.history.size(), 3u);  // received, gated, channel redirected
  EXPECT_EQ(r.enquiry.history[2].kind, EventKind::kChannelRedirected);
  EXPECT_EQ(r.enquiry.history[2].reason, phone_only.channel_rule);
  ASSERT_THAT(OutboxKinds(), ElementsAre("escalation.channel_redirected"));
  const nlohmann::json notice = nlohmann::json::parse(store_.outbox()[0].notice_json);
  EXPECT_EQ(notice["recipients"]["guardians"], nlohmann::json::array({"guardians/g1"}));
  EXPECT_EQ(notice["variables"]["how_to_reach"], phone_only.channel_rule);
  // Nothing left to do: staff cannot acknowledge it.
  EXPECT_EQ(Do(id, ActionInput::Kind::kAcknowledge).status().code(), absl::StatusCode::kFailedPrecondition);

  // Safeguarding is never refused, whatever the channel.
  EnquiryRecord concern = Draft("attendance");
  concern.enquiry.safeguarding = true;
  absl::StatusOr<WriteResult> w = service_->Open(Key(), concern, "office", Describe);
  ASSERT_TRUE(w.ok()) << w.status();
  EXPECT_EQ(Stored(IdOf(w->response)).state, EnquiryState::kOpen);
  EXPECT_EQ(Stored(IdOf(w->response)).owner, "schools/test-school/staff/dsl");
}

// Milton Road and Kenilworth: a message addressed to a member of staff is theirs, on their own
// calendar where the policy's clock follows the owner, unless they have left or are on leave.
TEST_F(EnquiryServiceTest, AnEnquiryAddressedToAMemberOfStaffIsTheirsWhileTheyCanTakeIt) {
  const std::string kAddressed = "schools/test-school/staff/mrs-amos";
  directory_.AddStaff(kAddressed);
  directory_.HonourAddressing(true);
  // She works Wednesdays only.
  calendar::CalendarSpec spec;
  spec.time_zone = "UTC";
  spec.terms = {calendar::DateRange{absl::CivilDay(2024, 1, 1), absl::CivilDay(2030, 12, 31), "always"}};
  spec.school_days = {false, false, true, false, false, false, false};
  spec.core_hours = calendar::HoursRange{0, 24 * 60};
  source_.SetOwnerCalendar(kAddressed, *calendar::Calendar::Build(spec));
  auto open = [&](const std::string& to, bool safeguarding = false) {
    EnquiryRecord d = Draft(safeguarding ? "safeguarding" : "learning");
    d.enquiry.addressed_to = to;
    d.enquiry.safeguarding = safeguarding;
    return service_->Open(Key(), d, "office", Describe);
  };
  auto routed = [&](const std::string& id) {
    for (const Event& ev : Stored(id).enquiry.history) {
      if (ev.kind == EventKind::kRouted) return ev;
    }
    return Event{};
  };

  absl::StatusOr<WriteResult> taken = open(kAddressed);
  ASSERT_TRUE(taken.ok()) << taken.status();
  const std::string id = IdOf(taken->response);
  EXPECT_EQ(Stored(id).owner, kAddressed);
  EXPECT_EQ(Stored(id).enquiry.addressed_to, kAddressed);
  EXPECT_EQ(routed(id).addressing, Addressing::kTaken);
  // Her clocks are set on her calendar, not the school's.
  ASSERT_TRUE(routed(id).acknowledge.has_value());
  EXPECT_EQ(routed(id).acknowledge->owner, kAddressed);
  EXPECT_EQ(routed(id).acknowledge->calendar_version, source_.CalendarFor(kAddressed).Fingerprint());
  EXPECT_NE(routed(id).acknowledge->calendar_version, source_.Current().calendar);

  // On long leave on the receipt date: routing decides, and the history says why.
  directory_.SetAway(kAddressed, kStart - absl::Hours(24), kStart + absl::Hours(48));
  absl::StatusOr<WriteResult> away = open(kAddressed);
  ASSERT_TRUE(away.ok()) << away.status();
  EXPECT_EQ(Stored(IdOf(away->response)).owner, kTeacher);
  EXPECT_EQ(routed(IdOf(away->response)).addressing, Addressing::kFallbackAway);
  // Back from leave: hers again.
  clock_.Advance(absl::Hours(49));
  absl::StatusOr<WriteResult> back = open(kAddressed);
  ASSERT_TRUE(back.ok()) << back.status();
  EXPECT_EQ(Stored(IdOf(back->response)).owner, kAddressed);
  // Left: routing decides.
  directory_.SetLeft(kAddressed, clock_.Now() - absl::Hours(1));
  absl::StatusOr<WriteResult> left = open(kAddressed);
  ASSERT_TRUE(left.ok()) << left.status();
  EXPECT_EQ(Stored(IdOf(left->response)).owner, kTeacher);
  EXPECT_EQ(routed(IdOf(left->response)).addressing, Addressing::kFallbackLeft);

  // Safeguarding goes to the DSL whoever was named.
  absl::StatusOr<WriteResult> concern = open(kHead, /*safeguarding=*/true);
  ASSERT_TRUE(concern.ok()) << concern.status();
  EXPECT_EQ(Stored(IdOf(concern->response)).owner, "schools/test-school/staff/dsl");
  EXPECT_EQ(routed(IdOf(concern->response)).addressing, Addressing::kSafeguarding);

  // A school whose policy does not honour addressing records it and routes.
  directory_.HonourAddressing(false);
  absl::StatusOr<WriteResult> routed_anyway = open(kHead);
  ASSERT_TRUE(routed_anyway.ok()) << routed_anyway.status();
  EXPECT_EQ(Stored(IdOf(routed_anyway->response)).owner, kTeacher);
  EXPECT_EQ(routed(IdOf(routed_anyway->response)).addressing, Addressing::kNotHonoured);

  // Nobody in the directory, or another school's staff: refused, nothing written.
  const size_t count = store_.enquiry_count();
  const int gate_calls = gate_.calls();
  EXPECT_EQ(ErrorReason(open("schools/test-school/staff/nobody").status()), reason::kUnknownStaff);
  EXPECT_EQ(open("schools/other-school/staff/teacher").status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(store_.enquiry_count(), count);
  EXPECT_EQ(gate_.calls(), gate_calls);
  // Not addressed: no addressing on the routed event.
  EXPECT_FALSE(routed(OpenOne()).addressing.has_value());
}

TEST_F(EnquiryServiceTest, AGateOrDirectoryOutageWritesNothing) {
  gate_.Fail(absl::UnavailableError("conduct is down"));
  EXPECT_EQ(service_->Open(Key(), Draft(), "office", Describe).status().code(), absl::StatusCode::kUnavailable);
  EXPECT_EQ(store_.enquiry_count(), 0u);
}

// ---- replay --------------------------------------------------------------------------------------

TEST_F(EnquiryServiceTest, AReplayReturnsTheFirstResponseWithoutAskingRoutingOrTheGateAgain) {
  const RequestKey key = Key();
  absl::StatusOr<WriteResult> first = service_->Open(key, Draft(), "office", Describe);
  ASSERT_TRUE(first.ok()) << first.status();
  clock_.Advance(absl::Minutes(5));
  absl::StatusOr<WriteResult> again = service_->Open(key, Draft(), "office", Describe);
  ASSERT_TRUE(again.ok()) << again.status();
  EXPECT_TRUE(again->replayed);
  EXPECT_EQ(again->response, first->response);
  EXPECT_EQ(directory_.route_calls(), 1);
  EXPECT_EQ(gate_.calls(), 1);
  EXPECT_EQ(store_.enquiry_count(), 1u);
  EXPECT_EQ(store_.committed_writes(), 1);

  // The same id with another request is refused, again without asking anyone.
  RequestKey reused = key;
  reused.fingerprint = "another request";
  absl::StatusOr<WriteResult> refused = service_->Open(reused, Draft(), "office", Describe);
  EXPECT_EQ(refused.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(ErrorReason(refused.status()), reason::kRequestIdReused);
  EXPECT_EQ(gate_.calls(), 1);

  // A staff action's replay does not read or plan again either.
  const std::string id = IdOf(first->response);
  const RequestKey ack = Key();
  absl::StatusOr<WriteResult> acked = Do(id, ActionInput::Kind::kAcknowledge, "\"1\"", &ack);
  ASSERT_TRUE(acked.ok()) << acked.status();
  ASSERT_TRUE(Do(id, ActionInput::Kind::kReply).ok());  // the etag "1" is stale now
  absl::StatusOr<WriteResult> replayed = Do(id, ActionInput::Kind::kAcknowledge, "\"1\"", &ack);
  ASSERT_TRUE(replayed.ok()) << replayed.status();
  EXPECT_TRUE(replayed->replayed);
  EXPECT_EQ(replayed->response, acked->response);
}

TEST_F(EnquiryServiceTest, ConcurrentCopiesOfOneIntakeLeaveOneEnquiryAndOneGateDecision) {
  const RequestKey key = Key();
  constexpr int kCopies = 8;
  std::vector<std::string> responses(kCopies);
  std::vector<std::thread> threads;
  for (int i = 0; i < kCopies; ++i) {
    threads.emplace_back([&, i] {
      absl::StatusOr<WriteResult> w = service_->Open(key, Draft(), "office", Describe);
      EXPECT_TRUE(w.ok()) << w.status();
      if (w.ok()) responses[i] = w->response;
    });
  }
  for (std::thread& t : threads) t.join();
  EXPECT_EQ(store_.enquiry_count(), 1u);
  EXPECT_EQ(gate_.decisions(), 1);
  for (const std::string& r : responses) EXPECT_EQ(r, responses[0]);
}

// ---- staff actions -------------------------------------------------------------------------------

TEST_F(EnquiryServiceTest, StaffActionsCheckTheEtagAndTheState) {
  const std::string id = OpenOne();
  absl::StatusOr<WriteResult> acked = Do(id, ActionInput::Kind::kAcknowledge, EtagOf(1));
  ASSERT_TRUE(acked.ok()) << acked.status();
  EXPECT_EQ(acked->response, absl::StrCat(id, " v2 state 2"));
  EXPECT_EQ(Stored(id).ack_status, ClockStatus::kMet);
  EXPECT_FALSE(ArmedTimer(id, "acknowledge").has_value());  // met: its timer cancelled
  EXPECT_TRUE(ArmedTimer(id, "respond").has_value());
  EXPECT_THAT(OutboxKinds(), ElementsAre("escalation.assigned", "escalation.acknowledgement"));

  const int writes = store_.committed_writes();
  absl::StatusOr<WriteResult> stale = Do(id, ActionInput::Kind::kReply, EtagOf(1));
  EXPECT_EQ(stale.status().code(), absl::StatusCode::kAborted);
  EXPECT_EQ(ErrorReason(stale.status()), reason::kStaleEtag);
  absl::StatusOr<WriteResult> twice = Do(id, ActionInput::Kind::kAcknowledge, EtagOf(2));
  EXPECT_EQ(twice.status().code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_EQ(Do("e-404", ActionInput::Kind::kReply).status().code(), absl::StatusCode::kNotFound);
  EXPECT_EQ(store_.committed_writes(), writes);

  // Reassigning to someone the directory does not know is refused before anything is read.
  ActionInput cover;
  cover.kind = ActionInput::Kind::kReassign;
  cover.actor = kTeacher;
  cover.reason = "cover";
  cover.new_owner = "schools/test-school/staff/nobody";
  EXPECT_EQ(ErrorReason(service_->Act(Key(), kSchool, id, "", cover, Describe).status()), reason::kUnknownStaff);

  // Escalating asks the ladder (on the snapshot) and moves the matter up a rung.
  absl::StatusOr<WriteResult> up = Do(id, ActionInput::Kind::kEscalate, EtagOf(2));
  ASSERT_TRUE(up.ok()) << up.status();
  EXPECT_EQ(directory_.ladder_calls(), 1);
  EXPECT_EQ(Stored(id).owner, kHeadOfYear);
  EXPECT_EQ(Stored(id).rung, 1);
}

// The promise reaches the guardian's notice as a variable, and a refused promise writes nothing.
TEST_F(EnquiryServiceTest, APromiseAndProgressGoToTheGuardianThroughTheOutbox) {
  const std::string id = OpenOne();  // respond clock: 24 elapsed hours
  const absl::Time now = clock_.Now();
  const size_t outbox = store_.outbox().size();
  const int writes = store_.committed_writes();
  ActionInput ack;
  ack.kind = ActionInput::Kind::kAcknowledge;
  ack.actor = kTeacher;
  ack.promised_at = now + absl::Hours(25);
  absl::StatusOr<WriteResult> refused = service_->Act(Key(), kSchool, id, "", ack, Describe);
  EXPECT_EQ(ErrorReason(refused.status()), reason::kPromiseAfterDeadline);
  ack.promised_at = now - absl::Seconds(1);
  EXPECT_EQ(ErrorReason(service_->Act(Key(), kSchool, id, "", ack, Describe).status()), reason::kPromiseInPast);
  EXPECT_EQ(store_.committed_writes(), writes);
  EXPECT_EQ(store_.outbox().size(), outbox);

  ack.promised_at = now + absl::Hours(6);
  ASSERT_TRUE(service_->Act(Key(), kSchool, id, "", ack, Describe).ok());
  const std::string promised = absl::FormatTime("%Y-%m-%dT%H:%M:%SZ", now + absl::Hours(6), absl::UTCTimeZone());
  ASSERT_EQ(store_.outbox().size(), outbox + 1);
  EXPECT_EQ(store_.outbox().back().kind, "escalation.acknowledgement_promised");
  EXPECT_THAT(store_.outbox().back().notice_json, HasSubstr(absl::StrCat("\"promised_time\":\"", promised, "\"")));
  // And as the guardian reads it: the school's local date and time.
  EXPECT_THAT(store_.outbox().back().notice_json, HasSubstr("\"promised_date\":\"Monday 3 March 2025 at 15:00\""));
  EXPECT_THAT(Stored(id).enquiry.history.back().promised_at, Optional(now + absl::Hours(6)));

  ActionInput progress;
  progress.kind = ActionInput::Kind::kRecordProgress;
  progress.actor = kTeacher;
  progress.progress = "We are looking into it.";
  ASSERT_TRUE(service_->Act(Key(), kSchool, id, "", progress, Describe).ok());
  EXPECT_EQ(store_.outbox().back().kind, "escalation.progress_promised");
  EXPECT_THAT(store_.outbox().back().notice_json, HasSubstr("\"progress\":\"We are looking into it.\""));
  EXPECT_THAT(store_.outbox().back().notice_json, HasSubstr(promised));
  EXPECT_THAT(store_.outbox().back().notice_json, HasSubstr("\"guardians\":[\"guardians/g1\"]"));
  EXPECT_EQ(Stored(id).enquiry.history.back().kind, EventKind::kProgressRecorded);

  progress.progress = std::string(501, 'x');
  EXPECT_EQ(ErrorReason(service_->Act(Key(), kSchool, id, "", progress, Describe).status()), reason::kInvalidField);
}

TEST_F(EnquiryServiceTest, ALostRaceIsPlannedAgainOnWhatTheWinnerLeft) {
  const std::string id = OpenOne();
  // Between this action's read and its write, someone acknowledges.
  store_.BeforeNextWrite([&] { ASSERT_TRUE(Do(id, ActionInput::Kind::kAcknowledge).ok()); });
  absl::StatusOr<WriteResult> reply = Do(id, ActionInput::Kind::kReply);
  ASSERT_TRUE(reply.ok()) << reply.status();
  EXPECT_EQ(reply->response, absl::StrCat(id, " v3 state 2"));
  const EnquiryRecord r = Stored(id);
  ASSERT_GE(r.enquiry.history.size(), 2u);
  EXPECT_EQ(r.enquiry.history[r.enquiry.history.size() - 2].kind, EventKind::kAcknowledged);
  EXPECT_EQ(r.enquiry.history.back().kind, EventKind::kReplied);

  // With the etag it read, the loser is told its read is stale instead.
  const std::string other = OpenOne();
  store_.BeforeNextWrite([&] { ASSERT_TRUE(Do(other, ActionInput::Kind::kAcknowledge).ok()); });
  absl::StatusOr<WriteResult> stale = Do(other, ActionInput::Kind::kReply, EtagOf(1));
  EXPECT_EQ(ErrorReason(stale.status()), reason::kStaleEtag);

  // A row that keeps moving gives up with RECORD_CHANGED after a few plans.
  const std::string busy = OpenOne();
  std::function<void()> move = [&] {
    EnquiryRecord r = Stored(busy);
    ++r.row_version;
    store_.Put(r);
    store_.BeforeNextWrite(move);
  };
  store_.BeforeNextWrite(move);
  absl::StatusOr<WriteResult> lost = Do(busy, ActionInput::Kind::kAcknowledge);
  EXPECT_EQ(lost.status().code(), absl::StatusCode::kAborted);
  EXPECT_EQ(ErrorReason(lost.status()), reason::kRecordChanged);
  store_.BeforeNextWrite(nullptr);
}

// ---- clock timers --------------------------------------------------------------------------------

TEST_F(EnquiryServiceTest, TheClockTimerPlanBreachesEscalatesAndRearmsOnce) {
  const std::string id = OpenOne();
  const TimerPlan plan = service_->ClockTimerPlan();

  // Acknowledgement breach: the owner and their line manager told; the timer is done.
  std::optional<timer::Timer> ack = ArmedTimer(id, "acknowledge");
  ASSERT_TRUE(ack.has_value());
  clock_.Set(ack->due + absl::Minutes(1));
  absl::StatusOr<std::optional<absl::Time>> fired = store_.FireTimer(plan, *ack);
  ASSERT_TRUE(fired.ok()) << fired.status();
  EXPECT_FALSE(fired->has_value());
  EXPECT_EQ(Stored(id).ack_status, ClockStatus::kBreached);
  std::vector<std::string> breach_recipients;
  for (const OutboxRow& row : store_.outbox()) {
    if (row.kind == "escalation.acknowledge_breach") breach_recipients.push_back(row.key);
  }
  ASSERT_EQ(breach_recipients.size(), 2u);
  EXPECT_TRUE(absl::StrContains(breach_recipients[0] + breach_recipients[1], kHeadOfYear));

  // Firing it again (late, twice) changes nothing.
  const int writes = store_.committed_writes();
  ASSERT_TRUE(store_.FireTimer(plan, *ack).ok());
  EXPECT_EQ(store_.committed_writes(), writes);

  // Response breach: the next rung with a fresh budget; the firing timer re-armed at its due.
  std::optional<timer::Timer> respond = ArmedTimer(id, "respond");
  ASSERT_TRUE(respond.has_value());
  clock_.Set(respond->due + absl::Minutes(1));
  fired = store_.FireTimer(plan, *respond);
  ASSERT_TRUE(fired.ok()) << fired.status();
  const EnquiryRecord up = Stored(id);
  EXPECT_EQ(up.owner, kHeadOfYear);
  EXPECT_EQ(up.rung, 1);
  ASSERT_TRUE(fired->has_value());
  EXPECT_EQ(**fired, up.respond_due);
  EXPECT_EQ(**fired, clock_.Now() + absl::Hours(24));
  EXPECT_EQ(ArmedTimer(id, "respond")->due, **fired);

  // The plan itself: the old due of a moved timer decides nothing.
  absl::StatusOr<TimerOutcome> moved = service_->PlanClockTimer(up, Stage::kRespond, respond->due, clock_.Now());
  ASSERT_TRUE(moved.ok()) << moved.status();
  EXPECT_FALSE(moved->write.has_value());
  EXPECT_FALSE(moved->rearm.has_value());
}

// Both clocks falling due at one instant fire in two transactions at once. Neither firing rewrites
// the other clock's timer when it left that clock as it was: the other handler holds that row and
// waits on this enquiry, and rewriting it deadlocked the two.
TEST_F(EnquiryServiceTest, AFiringLeavesAnotherClocksUnchangedTimerAlone) {
  source_.SetBudget(Stage::kRespond, calendar::Budget{calendar::Unit::kElapsed, 0, absl::Hours(2)});
  const std::string id = OpenOne();
  const EnquiryRecord opened = Stored(id);
  ASSERT_TRUE(opened.ack_due.has_value() && opened.respond_due.has_value());
  ASSERT_EQ(*opened.ack_due, *opened.respond_due);
  clock_.Set(*opened.ack_due + absl::Minutes(1));
  const auto touches = [&](const TimerOutcome& outcome, const std::string& stage) {
    const std::string key = absl::StrCat(kSchool, "/", id, "/", stage);
    for (const timer::TimerSpec& spec : outcome.write->change.schedule) {
      if (spec.key == key) return true;
    }
    for (const auto& [kind, cancelled] : outcome.write->change.cancel) {
      if (cancelled == key) return true;
    }
    return false;
  };

  absl::StatusOr<TimerOutcome> ack =
      service_->PlanClockTimer(opened, Stage::kAcknowledge, *opened.ack_due, clock_.Now());
  ASSERT_TRUE(ack.ok()) << ack.status();
  ASSERT_TRUE(ack->write.has_value());
  EXPECT_EQ(ack->write->after.ack_status, ClockStatus::kBreached);
  EXPECT_FALSE(touches(*ack, "respond"));
  EXPECT_FALSE(ack->rearm.has_value());

  // The response breach climbs a rung: its own timer re-armed on the fresh budget, the
  // acknowledgement clock's timer (still to fire for the breach it records) left alone.
  absl::StatusOr<TimerOutcome> respond =
      service_->PlanClockTimer(opened, Stage::kRespond, *opened.respond_due, clock_.Now());
  ASSERT_TRUE(respond.ok()) << respond.status();
  ASSERT_TRUE(respond->write.has_value());
  EXPECT_EQ(respond->write->after.rung, 1);
  EXPECT_FALSE(touches(*respond, "acknowledge"));
  ASSERT_TRUE(respond->rearm.has_value());
  EXPECT_EQ(*respond->rearm, clock_.Now() + absl::Hours(2));
}

// A category whose routing names no ladder (the office's "attendance") still has its response
// breach recorded when the clock falls due: the owner is told and the matter stays with them.
TEST_F(EnquiryServiceTest, AResponseBreachWithNoLadderIsRecordedAndTheOwnerTold) {
  directory_.NoLadderFor("attendance");
  const std::string id = OpenOne("attendance");
  std::optional<timer::Timer> respond = ArmedTimer(id, "respond");
  ASSERT_TRUE(respond.has_value());
  clock_.Set(respond->due + absl::Minutes(1));
  absl::StatusOr<std::optional<absl::Time>> fired = store_.FireTimer(service_->ClockTimerPlan(), *respond);
  ASSERT_TRUE(fired.ok()) << fired.status();
  EXPECT_FALSE(fired->has_value());
  const EnquiryRecord r = Stored(id);
  EXPECT_EQ(r.respond_status, ClockStatus::kBreached);
  EXPECT_EQ(r.owner, kTeacher);
  EXPECT_EQ(r.rung, 0);
  EXPECT_EQ(r.enquiry.history.back().kind, EventKind::kBreached);
  bool owner_told = false;
  for (const OutboxRow& row : store_.outbox()) {
    owner_told |= row.kind == "escalation.response_breach" && absl::StrContains(row.key, kTeacher);
  }
  EXPECT_TRUE(owner_told);
  // Contacts down is not "no ladder": the timer fails and is retried.
  const std::string other = OpenOne();
  respond = ArmedTimer(other, "respond");
  ASSERT_TRUE(respond.has_value());
  clock_.Set(respond->due + absl::Minutes(1));
  directory_.Fail(absl::UnavailableError("contacts down"));
  EXPECT_EQ(store_.FireTimer(service_->ClockTimerPlan(), *respond).status().code(), absl::StatusCode::kUnavailable);
  directory_.Fail(absl::OkStatus());
  EXPECT_EQ(Stored(other).respond_status, ClockStatus::kPending);
}

TEST_F(EnquiryServiceTest, TheFollowUpTimerIsArmedAndItsBreachTellsOwnerAndLineManager) {
  source_.SetBudget(Stage::kFollowUp, calendar::Budget{calendar::Unit::kElapsed, 0, absl::Hours(240)});
  const std::string id = OpenOne();
  ASSERT_TRUE(Do(id, ActionInput::Kind::kReply).ok());  // the answer given; the follow-up still owed
  std::optional<timer::Timer> follow_up = ArmedTimer(id, "follow_up");
  ASSERT_TRUE(follow_up.has_value());
  EXPECT_EQ(follow_up->due, kStart + absl::Hours(240));
  EXPECT_EQ(Stored(id).follow_up_due, kStart + absl::Hours(240));
  EXPECT_EQ(Stored(id).next_due, kStart + absl::Hours(240));

  const TimerPlan plan = service_->ClockTimerPlan();
  EXPECT_THAT(plan.target(*follow_up), ::testing::Optional(Pair("test-school", id)));
  clock_.Set(follow_up->due + absl::Minutes(1));
  absl::StatusOr<std::optional<absl::Time>> fired = store_.FireTimer(plan, *follow_up);
  ASSERT_TRUE(fired.ok()) << fired.status();
  EXPECT_FALSE(fired->has_value());
  const EnquiryRecord after = Stored(id);
  EXPECT_EQ(after.follow_up_status, ClockStatus::kBreached);
  EXPECT_EQ(after.owner, kTeacher);  // not escalated
  EXPECT_EQ(after.enquiry.history.back().stage, Stage::kFollowUp);
  std::vector<std::string> told;
  for (const OutboxRow& row : store_.outbox()) {
    if (row.kind == "escalation.follow_up_breach") told.push_back(row.key);
  }
  ASSERT_EQ(told.size(), 2u);
  EXPECT_TRUE(absl::StrContains(told[0] + told[1], kTeacher));
  EXPECT_TRUE(absl::StrContains(told[0] + told[1], kHeadOfYear));  // the teacher's line manager

  // Resolving a second one in time keeps its follow-up and disarms the timer.
  const std::string kept = OpenOne();
  ASSERT_TRUE(ArmedTimer(kept, "follow_up").has_value());
  ASSERT_TRUE(Do(kept, ActionInput::Kind::kResolve).ok());
  EXPECT_FALSE(ArmedTimer(kept, "follow_up").has_value());
  EXPECT_EQ(Stored(kept).follow_up_status, ClockStatus::kMet);
}

TEST_F(EnquiryServiceTest, TheClockTimerPlanIgnoresKeysItDidNotWrite) {
  const TimerPlan plan = service_->ClockTimerPlan();
  timer::Timer t;
  t.kind = kClockTimerKind;
  t.key = "junk";
  EXPECT_FALSE(plan.target(t).has_value());
  t.key = "test-school/e-1/respond";
  EXPECT_THAT(plan.target(t), ::testing::Optional(Pair("test-school", "e-1")));
}

// ---- recomputation -------------------------------------------------------------------------------

TEST_F(EnquiryServiceTest, APolicyEditRecomputesOpenEnquiriesOnceAndMovesTheirTimers) {
  const std::string id = OpenOne();
  absl::StatusOr<int> changed = service_->RecomputeChangedSchools();
  ASSERT_TRUE(changed.ok()) << changed.status();
  EXPECT_EQ(*changed, 0);

  source_.SetBudget(Stage::kRespond, calendar::Budget{calendar::Unit::kElapsed, 0, absl::Hours(30)});
  source_.SetPolicyVersion("policy-2");
  directory_.SetVersions(source_.Current().calendar, "policy-2");
  changed = service_->RecomputeChangedSchools();
  ASSERT_TRUE(changed.ok()) << changed.status();
  EXPECT_EQ(*changed, 1);
  EXPECT_EQ(Stored(id).enquiry.history.back().kind, EventKind::kRecomputed);
  EXPECT_EQ(ArmedTimer(id, "respond")->due, kStart + absl::Hours(30));

  // Seen already; and asking again for the school is a replay of the same derived request ids.
  changed = service_->RecomputeChangedSchools();
  ASSERT_TRUE(changed.ok());
  EXPECT_EQ(*changed, 0);
  const size_t events = Stored(id).enquiry.history.size();
  ASSERT_TRUE(service_->RecomputeSchool(kSchool).ok());
  EXPECT_EQ(Stored(id).enquiry.history.size(), events);
}

// ---- reads ---------------------------------------------------------------------------------------

TEST_F(EnquiryServiceTest, ReadsGoThroughTheUseCases) {
  const std::string first = OpenOne();
  const std::string second = OpenOne("send");
  ASSERT_TRUE(Do(first, ActionInput::Kind::kAcknowledge).ok());

  absl::StatusOr<EnquiryWithView> got = service_->Get(kSchool, first);
  ASSERT_TRUE(got.ok()) << got.status();
  EXPECT_EQ(got->view.state, EnquiryState::kAcknowledged);
  EXPECT_EQ(got->record.row_version, 2);
  EXPECT_EQ(service_->Get(kSchool, "e-404").status().code(), absl::StatusCode::kNotFound);

  absl::StatusOr<Page<EnquiryRecord>> page = service_->List(kSchool, EnquiryFilter{}, PageQuery{1, 0});
  ASSERT_TRUE(page.ok());
  ASSERT_EQ(page->items.size(), 1u);
  EXPECT_EQ(page->items[0].enquiry.id, second);  // newest first
  page = service_->List(kSchool, EnquiryFilter{}, PageQuery{1, page->next_before_seq});
  ASSERT_TRUE(page.ok());
  ASSERT_EQ(page->items.size(), 1u);
  EXPECT_EQ(page->items[0].enquiry.id, first);
  EXPECT_EQ(page->next_before_seq, 0);

  absl::StatusOr<EventPage> events = service_->ListEvents(kSchool, first, 1, 2);
  ASSERT_TRUE(events.ok());
  ASSERT_EQ(events->events.size(), 2u);
  EXPECT_EQ(events->next_seq, 3);
  events = service_->ListEvents(kSchool, first, events->next_seq, 100);
  ASSERT_TRUE(events.ok());
  EXPECT_EQ(events->events.back().kind, EventKind::kAcknowledged);
  EXPECT_EQ(events->next_seq, 0);

  absl::StatusOr<SchoolStats> stats = service_->Stats(kSchool, kStart - absl::Hours(1), kStart + absl::Hours(1));
  ASSERT_TRUE(stats.ok());
  EXPECT_EQ(stats->all.received, 2);
  EXPECT_EQ(stats->open_now, 2);
}

// Times to acknowledge and answer are the school's working time, so a Friday-afternoon email
// acknowledged first thing on Monday took two working hours, not 66; a safeguarding concern's time
// to the DSL is elapsed time.
TEST_F(EnquiryServiceTest, StatsMeasureTimesInTheSchoolsWorkingTimeAndSafeguardingInElapsedTime) {
  calendar::CalendarSpec spec;
  spec.time_zone = "UTC";
  spec.terms = {calendar::DateRange{absl::CivilDay(2025, 1, 6), absl::CivilDay(2025, 7, 18), "2024-25"}};
  spec.core_hours = calendar::HoursRange{8 * 60, 16 * 60};  // weekdays 08:00-16:00
  absl::StatusOr<std::shared_ptr<const calendar::Calendar>> weekdays = calendar::Calendar::Build(spec);
  ASSERT_TRUE(weekdays.ok()) << weekdays.status();
  source_.SetSchoolCalendar(*weekdays);
  auto at = [](int day, int hour, int minute = 0) {
    return absl::FromCivil(absl::CivilSecond(2025, 3, day, hour, minute, 0), absl::UTCTimeZone());
  };

  // Monday 09:00: acknowledged at 10:00 (1 working hour), answered Tuesday 09:00 (8).
  clock_.Set(at(3, 9));
  const std::string monday = OpenOne();
  clock_.Set(at(3, 10));
  ASSERT_TRUE(Do(monday, ActionInput::Kind::kAcknowledge).ok());
  clock_.Set(at(4, 9));
  ASSERT_TRUE(Do(monday, ActionInput::Kind::kReply).ok());
  // Friday 15:00: acknowledged Monday 09:00 (2 working hours; 66 elapsed).
  clock_.Set(at(7, 15));
  const std::string friday = OpenOne();
  // Friday 15:00, a safeguarding concern: taken up at 15:30 (half an hour either way).
  EnquiryRecord concern = Draft("safeguarding");
  concern.enquiry.safeguarding = true;
  absl::StatusOr<WriteResult> opened = service_->Open(Key(), concern, "office", Describe);
  ASSERT_TRUE(opened.ok()) << opened.status();
  clock_.Set(at(7, 15, 30));
  ASSERT_TRUE(Do(IdOf(opened->response), ActionInput::Kind::kAcknowledge).ok());
  clock_.Set(at(10, 9));
  ASSERT_TRUE(Do(friday, ActionInput::Kind::kAcknowledge).ok());

  absl::StatusOr<SchoolStats> stats = service_->Stats(kSchool, at(3, 0), at(8, 0));
  ASSERT_TRUE(stats.ok()) << stats.status();
  EXPECT_EQ(stats->all.received, 3);
  // Acknowledged after 0.5, 1 and 2 working hours: the median is 1; the 90th percentile 80 % of
  // the way from 1 to 2 (elapsed time would put it at 53 hours).
  EXPECT_THAT(stats->all.median_to_acknowledge, Optional(absl::Hours(1)));
  EXPECT_THAT(stats->all.p90_to_acknowledge, Optional(absl::Minutes(108)));
  EXPECT_THAT(stats->all.median_to_answer, Optional(absl::Hours(8)));
  EXPECT_THAT(stats->all.p90_to_answer, Optional(absl::Hours(8)));
  // Per category: learning alone is 1 and 2 hours.
  ASSERT_EQ(stats->by_category.size(), 2u);
  EXPECT_EQ(stats->by_category[0].first, "learning");
  EXPECT_THAT(stats->by_category[0].second.median_to_acknowledge, Optional(absl::Minutes(90)));
  EXPECT_EQ(stats->safeguarding.received, 1);
  EXPECT_EQ(stats->safeguarding.taken_up, 1);
  EXPECT_THAT(stats->safeguarding.median_to_take_up, Optional(absl::Minutes(30)));
  EXPECT_THAT(stats->safeguarding.p90_to_take_up, Optional(absl::Minutes(30)));
  EXPECT_TRUE(stats->keep_times.empty());
}

// A scope (a guardian's own, a teacher's own) answers an enquiry outside it exactly as one that
// does not exist, for reads and actions alike, before the etag; lists page over the scope only.
TEST_F(EnquiryServiceTest, AScopeAnswersWhatItDoesNotCoverAsNotThere) {
  const std::string mine = OpenOne();
  directory_.LinkGuardian("guardians/g2", "schools/test-school/pupils/p1");  // p1's other parent
  EnquiryRecord other_draft = Draft();
  other_draft.enquiry.guardian = "guardians/g2";
  absl::StatusOr<WriteResult> other_written = service_->Open(Key(), other_draft, "office", Describe);
  ASSERT_TRUE(other_written.ok()) << other_written.status();
  const std::string theirs = IdOf(other_written->response);

  const EnquiryScope g1 = EnquiryScope::AboutGuardian("guardians/g1");
  EXPECT_TRUE(service_->Get(kSchool, mine, g1).ok());
  const absl::Status hidden = service_->Get(kSchool, theirs, g1).status();
  const absl::Status missing = service_->Get(kSchool, "e-404").status();
  EXPECT_EQ(hidden.code(), absl::StatusCode::kNotFound);
  EXPECT_EQ(ErrorReason(hidden), ErrorReason(missing));
  EXPECT_EQ(hidden.message(), absl::StrReplaceAll(missing.message(), {{"e-404", theirs}}));
  EXPECT_EQ(service_->ListEvents(kSchool, theirs, 1, 10, g1).status(), hidden);
  absl::StatusOr<Page<EnquiryRecord>> listed = service_->List(kSchool, EnquiryFilter{}, PageQuery{1, 0}, g1);
  ASSERT_TRUE(listed.ok());
  ASSERT_EQ(listed->items.size(), 1u);  // a full page of theirs, though the newest is another's
  EXPECT_EQ(listed->items[0].enquiry.id, mine);

  // Owned by kTeacher (routing's default); another owner acts on neither, not even with a stale
  // etag, and nothing is written.
  const int writes = store_.committed_writes();
  ActionInput ack;
  ack.kind = ActionInput::Kind::kAcknowledge;
  ack.actor = kHead;
  const EnquiryScope head = EnquiryScope::OwnedBy(kHead);
  for (const std::string& etag : {std::string(), EtagOf(99)}) {
    const absl::Status s = service_->Act(Key(), kSchool, mine, etag, ack, Describe, head).status();
    EXPECT_EQ(s, service_->Get(kSchool, mine, head).status()) << etag;
    EXPECT_EQ(s.code(), absl::StatusCode::kNotFound) << etag;
  }
  EXPECT_EQ(store_.committed_writes(), writes);
  EnquiryFilter by_other_owner;
  by_other_owner.owner = kTeacher;
  listed = service_->List(kSchool, by_other_owner, PageQuery{10, 0}, head);
  ASSERT_TRUE(listed.ok());
  EXPECT_TRUE(listed->items.empty());
  const EnquiryScope teacher = EnquiryScope::OwnedBy(kTeacher);
  EXPECT_TRUE(service_->Act(Key(), kSchool, mine, "", ack, Describe, teacher).ok());
}

}  // namespace
}  // namespace parley::escalation
