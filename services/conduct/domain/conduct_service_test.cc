// ConductService's use cases over the in-memory store and directory: no database, simulated time.
#include "services/conduct/domain/conduct_service.h"

#include <functional>
#include <memory>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_replace.h"
#include "common/status/reason.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "services/conduct/testing/fake_directory.h"
#include "services/conduct/testing/in_memory_conduct_store.h"

namespace parley::conduct {
namespace {

constexpr char kSchool[] = "kenilworth";
constexpr char kGuardian[] = "guardians/g-00042";
constexpr char kHead[] = "schools/kenilworth/staff/s-head";
constexpr char kContact[] = "schools/kenilworth/staff/s-07";

absl::TimeZone London() {
  absl::TimeZone z;
  absl::LoadTimeZone("Europe/London", &z);
  return z;
}

// Tuesday 21 October 2025, 10:00 in London.
absl::Time Start() { return absl::FromCivil(absl::CivilSecond(2025, 10, 21, 10, 0, 0), London()); }

Encoder<Arrangement> EncodeArrangement() {
  return [](const Arrangement& a) -> absl::StatusOr<std::string> {
    return absl::StrCat(a.id, " ", a.version, " ", static_cast<int>(a.state));
  };
}

std::string IdOf(const WriteResult& w) { return w.response.substr(0, w.response.find(' ')); }

class ConductServiceTest : public ::testing::Test {
 protected:
  ConductServiceTest() : clock_(Start()), store_(&clock_), gate_(&store_, &clock_, absl::Hours(24 * 365)) {}

  void SetUp() override {
    directory_.AddSchool(kSchool);
    directory_.AddSchool("st-marys");
    directory_.AddGuardian(kGuardian, {kSchool});
    directory_.AddGuardian("guardians/g-elsewhere", {"st-marys"});
    directory_.SetHead(kSchool, kHead);
    directory_.AddStaff(kContact);
    ASSERT_TRUE(gate_.Start(absl::Hours(1)).ok());
    recorder_ = std::make_unique<DecisionRecorder>(&store_);
    conduct_ = std::make_unique<ConductService>(
        &store_, &directory_, &gate_, recorder_.get(), [this](const timer::TimerRef& r) { nudged_.push_back(r); },
        &clock_);
  }
  void TearDown() override { gate_.Stop(); }

  RequestKey Key(const std::string& method, const std::string& fingerprint = "f") {
    return RequestKey{absl::StrCat("conduct.", method), absl::StrFormat("00000000-0000-4000-8000-%012d", ++keys_),
                      fingerprint};
  }

  // Email only, Tuesdays 15:30-16:30, started yesterday, reviewed on `review`.
  Arrangement Terms(absl::CivilDay review) {
    Arrangement a;
    a.school_id = kSchool;
    a.guardian = kGuardian;
    a.scope = ArrangementScope::kSchool;
    a.terms.allowed_channels = {Channel::kEmail};
    a.terms.allowed_windows = {TimeWindow{absl::Weekday::tuesday, 15 * 60 + 30, 16 * 60 + 30}};
    a.terms.reasons = "Abusive emails.";
    a.start_time = clock_.Now() - absl::Hours(24);
    a.review_date = review;
    return a;
  }

  std::string Draft(absl::CivilDay review) {
    absl::StatusOr<WriteResult> w =
        conduct_->CreateArrangement(Key("CreateArrangement"), Terms(review), EncodeArrangement());
    EXPECT_TRUE(w.ok()) << w.status();
    return w.ok() ? IdOf(*w) : "";
  }

  std::string Issued(absl::CivilDay review) {
    const std::string id = Draft(review);
    absl::StatusOr<WriteResult> w =
        conduct_->IssueArrangement(Key("IssueArrangement"), kSchool, id, "", "head", EncodeArrangement());
    EXPECT_TRUE(w.ok()) << w.status();
    return id;
  }

  std::string RecordIncident() {
    Incident i;
    i.school_id = kSchool;
    i.guardian = kGuardian;
    i.kind = IncidentKind::kAbusiveWrittenMessage;
    i.channel = Channel::kEmail;
    i.occur_time = clock_.Now() - absl::Hours(1);
    i.reported_by = "teacher";
    absl::StatusOr<WriteResult> w = conduct_->CreateIncident(
        Key("CreateIncident"), i, [](const Incident& x) -> absl::StatusOr<std::string> { return x.id; });
    EXPECT_TRUE(w.ok()) << w.status();
    return w.ok() ? w->response : "";
  }

  GateQuery Phone() {
    GateQuery q;
    q.school_id = kSchool;
    q.guardian = kGuardian;
    q.channel = Channel::kPhone;
    q.at = clock_.Now() - absl::Minutes(1);
    return q;
  }

  absl::CivilDay Today() { return absl::ToCivilDay(clock_.Now(), London()); }

  // Decisions in the store once the write-behind log has written what it holds.
  int StoredDecisions() {
    EXPECT_TRUE(recorder_->Flush().ok());
    return static_cast<int>(store_.DecisionCount());
  }

  SimulatedClock clock_;
  testing::InMemoryConductStore store_;
  testing::FakeDirectory directory_;
  GateCache gate_;
  std::unique_ptr<DecisionRecorder> recorder_;
  std::unique_ptr<ConductService> conduct_;
  std::vector<timer::TimerRef> nudged_;
  int keys_ = 0;
};

TEST_F(ConductServiceTest, AnIncidentIsRecordedOnceAndReplayedByItsKey) {
  Incident i;
  i.school_id = kSchool;
  i.guardian = kGuardian;
  i.kind = IncidentKind::kShouting;
  i.channel = Channel::kInPerson;
  i.occur_time = clock_.Now() - absl::Hours(2);
  auto encode = [](const Incident& x) -> absl::StatusOr<std::string> { return absl::StrCat(x.id, " ", x.row_version); };
  const RequestKey key = Key("CreateIncident");
  absl::StatusOr<WriteResult> first = conduct_->CreateIncident(key, i, encode);
  ASSERT_TRUE(first.ok()) << first.status();
  EXPECT_FALSE(first->replayed);
  absl::StatusOr<WriteResult> again = conduct_->CreateIncident(key, i, encode);
  ASSERT_TRUE(again.ok());
  EXPECT_TRUE(again->replayed);
  EXPECT_EQ(again->response, first->response);

  RequestKey reused = key;
  reused.fingerprint = "another request";
  absl::StatusOr<WriteResult> other = conduct_->CreateIncident(reused, i, encode);
  EXPECT_EQ(other.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(ErrorReason(other.status()), reason::kRequestIdReused);
  EXPECT_EQ(store_.WriteCount(), 1);

  absl::StatusOr<Page<Incident>> listed = conduct_->ListIncidents(kSchool, kGuardian, PageQuery{});
  ASSERT_TRUE(listed.ok());
  ASSERT_EQ(listed->items.size(), 1u);
  EXPECT_EQ(listed->items[0].row_version, 1);
}

TEST_F(ConductServiceTest, AnArrangementGoesFromDraftToActiveToUnderReviewToEnded) {
  const std::string id = Draft(Today() + 7);
  absl::StatusOr<Arrangement> draft = conduct_->GetArrangement(kSchool, id);
  ASSERT_TRUE(draft.ok());
  EXPECT_EQ(draft->state, ArrangementState::kDraft);
  EXPECT_TRUE(store_.Outbox().empty());

  ASSERT_TRUE(
      conduct_->IssueArrangement(Key("Issue"), kSchool, id, EtagOf(draft->row_version), "head", EncodeArrangement())
          .ok());
  absl::StatusOr<Arrangement> active = conduct_->GetArrangement(kSchool, id);
  ASSERT_TRUE(active.ok());
  EXPECT_EQ(active->state, ArrangementState::kActive);
  EXPECT_EQ(active->version, 1);
  EXPECT_EQ(active->row_version, 2);
  ASSERT_EQ(store_.Outbox().size(), 1u);
  EXPECT_EQ(store_.Outbox()[0].kind, "conduct_letter");
  EXPECT_EQ(store_.Outbox()[0].key, absl::StrCat("conduct/letter/kenilworth/", active->letter_id));
  EXPECT_THAT(store_.Outbox()[0].notice_json, ::testing::HasSubstr("conduct.arrangement_issued"));
  // The review timer is armed for local midnight of the review date, and the worker nudged.
  const std::string timer_key = absl::StrCat(kSchool, "/", id);
  std::optional<testing::InMemoryConductStore::StoredTimer> t = store_.TimerOf(kReviewTimerKind, timer_key);
  ASSERT_TRUE(t.has_value());
  EXPECT_EQ(t->spec.due, absl::FromCivil(absl::CivilSecond(Today() + 7), London()));
  EXPECT_EQ(t->spec.payload, absl::StrCat("1 ", absl::FormatCivilTime(Today() + 7)));
  EXPECT_EQ(nudged_.size(), 1u);
  // An issued arrangement is not edited; a stale etag is refused.
  EXPECT_EQ(conduct_->IssueArrangement(Key("Issue"), kSchool, id, "", "head", EncodeArrangement()).status().code(),
            absl::StatusCode::kFailedPrecondition);
  EXPECT_EQ(
      conduct_->EndArrangement(Key("End"), kSchool, id, EtagOf(1), std::nullopt, EncodeArrangement()).status().code(),
      absl::StatusCode::kAborted);

  // The review date comes, inside the head's working time: under review, the head reminded once.
  clock_.Set(t->spec.due + absl::Hours(9));
  absl::StatusOr<ReviewPlan> plan = conduct_->PlanReview(*store_.FiringTimer(kReviewTimerKind, timer_key));
  ASSERT_TRUE(plan.ok()) << plan.status();
  ASSERT_EQ(plan->action, ReviewPlan::Action::kMarkUnderReview);
  EXPECT_THAT(plan->reminder.notice_json, ::testing::HasSubstr(kHead));
  EXPECT_EQ(store_.MarkUnderReview(*plan).value_or(false), true);
  EXPECT_EQ(store_.MarkUnderReview(*plan).value_or(true), false);
  EXPECT_EQ(conduct_->GetArrangement(kSchool, id)->state, ArrangementState::kUnderReview);
  EXPECT_EQ(store_.Outbox().size(), 2u);
  EXPECT_EQ(store_.Outbox()[1].kind, "arrangement_review_reminder");

  // Continued: active again with the next review armed.
  ASSERT_TRUE(conduct_->ContinueArrangement(Key("Continue"), kSchool, id, "", Today() + 90, EncodeArrangement()).ok());
  EXPECT_EQ(conduct_->GetArrangement(kSchool, id)->state, ArrangementState::kActive);
  t = store_.TimerOf(kReviewTimerKind, timer_key);
  EXPECT_EQ(t->state, timer::TimerState::kPending);
  EXPECT_EQ(t->spec.payload, absl::StrCat("1 ", absl::FormatCivilTime(Today() + 90)));

  // Ended: a letter, the timer cancelled, no longer applied.
  ASSERT_TRUE(conduct_->EndArrangement(Key("End"), kSchool, id, "", std::nullopt, EncodeArrangement()).ok());
  EXPECT_EQ(EffectiveState(*conduct_->GetArrangement(kSchool, id), clock_.Now()), ArrangementState::kEnded);
  EXPECT_EQ(store_.TimerOf(kReviewTimerKind, timer_key)->state, timer::TimerState::kCancelled);
  EXPECT_EQ(store_.Outbox().size(), 3u);
  EXPECT_THAT(store_.Outbox()[2].notice_json, ::testing::HasSubstr("conduct.arrangement_ended"));
  absl::StatusOr<Page<Letter>> letters = conduct_->ListLetters(kSchool, kGuardian, PageQuery{});
  ASSERT_TRUE(letters.ok());
  EXPECT_EQ(letters->items.size(), 2u);
  EXPECT_TRUE(conduct_->ListGuardianArrangements(kGuardian)->empty());
}

TEST_F(ConductServiceTest, TheReviewWaitsForTheHeadsWorkingTime) {
  const std::string id = Issued(Today());
  const std::string timer_key = absl::StrCat(kSchool, "/", id);
  directory_.SetNextWorkingTime([](absl::Time at) { return at + absl::Hours(2); });
  absl::StatusOr<ReviewPlan> plan = conduct_->PlanReview(*store_.FiringTimer(kReviewTimerKind, timer_key));
  ASSERT_TRUE(plan.ok());
  EXPECT_EQ(plan->action, ReviewPlan::Action::kRearm);
  EXPECT_EQ(plan->rearm_at, clock_.Now() + absl::Hours(2));
  EXPECT_EQ(store_.Outbox().size(), 1u);  // only the letter
  EXPECT_EQ(conduct_->GetArrangement(kSchool, id)->state, ArrangementState::kActive);

  // Inside working time, it is due.
  directory_.SetNextWorkingTime([](absl::Time at) { return at; });
  plan = conduct_->PlanReview(*store_.FiringTimer(kReviewTimerKind, timer_key));
  ASSERT_TRUE(plan.ok());
  EXPECT_EQ(plan->action, ReviewPlan::Action::kMarkUnderReview);

  // A timer for a version the arrangement has moved past does nothing.
  timer::Timer stale = *store_.FiringTimer(kReviewTimerKind, timer_key);
  stale.payload = absl::StrCat("7 ", absl::FormatCivilTime(Today()));
  EXPECT_EQ(conduct_->PlanReview(stale)->action, ReviewPlan::Action::kNothing);
  stale.payload = "garbage";
  EXPECT_EQ(conduct_->PlanReview(stale)->action, ReviewPlan::Action::kNothing);
}

TEST_F(ConductServiceTest, TighteningAcceptsOnlyStricterTermsAndKeepsEveryVersion) {
  const std::string id = Issued(Today() + 30);
  const std::string breach = RecordIncident();
  const size_t outbox = store_.Outbox().size();
  const int64_t writes = store_.WriteCount();

  ArrangementTerms looser;
  looser.allowed_channels = {Channel::kEmail, Channel::kPhone};
  looser.reasons = "More channels.";
  absl::StatusOr<WriteResult> relaxed = conduct_->TightenArrangement(Key("Tighten"), kSchool, id, "", looser, breach,
                                                                     std::nullopt, "head", EncodeArrangement());
  EXPECT_EQ(relaxed.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(ErrorReason(relaxed.status()), reason::kNotTighter);
  EXPECT_EQ(store_.WriteCount(), writes);
  EXPECT_EQ(store_.Outbox().size(), outbox);

  ArrangementTerms stricter;
  stricter.allowed_channels = {Channel::kEmail};
  stricter.allowed_windows = {TimeWindow{absl::Weekday::tuesday, 15 * 60 + 30, 16 * 60}};
  stricter.reasons = "The arrangement was not respected.";
  ASSERT_TRUE(conduct_
                  ->TightenArrangement(Key("Tighten"), kSchool, id, "", stricter, breach, std::nullopt, "head",
                                       EncodeArrangement())
                  .ok());
  absl::StatusOr<Arrangement> a = conduct_->GetArrangement(kSchool, id);
  EXPECT_EQ(a->version, 2);
  EXPECT_EQ(a->breach_incident_id, breach);
  absl::StatusOr<std::vector<ArrangementRevision>> revisions = conduct_->ListRevisions(kSchool, id);
  ASSERT_TRUE(revisions.ok());
  ASSERT_EQ(revisions->size(), 2u);
  EXPECT_EQ((*revisions)[0].terms.allowed_windows[0].end_minute, 16 * 60 + 30);
  EXPECT_EQ((*revisions)[1].terms.allowed_windows[0].end_minute, 16 * 60);
  EXPECT_EQ(store_.Outbox().size(), outbox + 1);
  EXPECT_THAT(store_.Outbox().back().notice_json, ::testing::HasSubstr("conduct.arrangement_tightened"));
  // The review timer now names version 2.
  EXPECT_EQ(store_.TimerOf(kReviewTimerKind, absl::StrCat(kSchool, "/", id))->spec.payload,
            absl::StrCat("2 ", absl::FormatCivilTime(Today() + 30)));
}

TEST_F(ConductServiceTest, APremisesBanMakesMeetingsOffSiteUntilRevoked) {
  PremisesBan ban;
  ban.school_id = kSchool;
  ban.guardian = kGuardian;
  ban.scope = PremisesBanScope::kSite;
  ban.start_time = clock_.Now() - absl::Hours(1);
  ban.reason = "Aggression at the gate.";
  absl::StatusOr<WriteResult> created = conduct_->CreateBan(
      Key("CreateBan"), ban, [](const PremisesBan& b) -> absl::StatusOr<std::string> { return b.id; });
  ASSERT_TRUE(created.ok()) << created.status();
  GateQuery meeting = Phone();
  meeting.purpose = Purpose::kMeeting;
  meeting.at = clock_.Now() + absl::Hours(24);
  absl::StatusOr<DecisionRecord> d = conduct_->Check(meeting, "service:appointments");
  ASSERT_TRUE(d.ok()) << d.status();
  EXPECT_THAT(d->decision.requirements, ::testing::Contains(MeetingRequirement::kOffSiteOnly));
  EXPECT_EQ(d->decision.premises_ban_id, created->response);

  auto encode = [](const PremisesBan& b) -> absl::StatusOr<std::string> { return b.id; };
  ASSERT_TRUE(conduct_->RevokeBan(Key("Revoke"), kSchool, created->response, "", encode).ok());
  absl::StatusOr<PremisesBan> revoked = conduct_->GetBan(kSchool, created->response);
  ASSERT_TRUE(revoked.ok());
  EXPECT_TRUE(revoked->revoke_time.has_value());
  EXPECT_EQ(ErrorReason(conduct_->RevokeBan(Key("Revoke"), kSchool, created->response, "", encode).status()),
            reason::kWrongState);
  d = conduct_->Check(meeting, "service:appointments");
  ASSERT_TRUE(d.ok());
  EXPECT_THAT(d->decision.requirements, ::testing::Not(::testing::Contains(MeetingRequirement::kOffSiteOnly)));
}

TEST_F(ConductServiceTest, TheGateRedirectsAChannelTheArrangementDoesNotAllowAndRecordsIt) {
  absl::StatusOr<DecisionRecord> before = conduct_->Check(Phone(), "service:escalation");
  ASSERT_TRUE(before.ok());
  EXPECT_EQ(before->decision.outcome, Outcome::kAllow);
  Issued(Today() + 30);
  absl::StatusOr<DecisionRecord> after = conduct_->Check(Phone(), "service:escalation");
  ASSERT_TRUE(after.ok());
  EXPECT_EQ(after->decision.outcome, Outcome::kRedirect);
  EXPECT_EQ(after->decision.allowed_channels, std::vector<Channel>{Channel::kEmail});
  GateQuery safeguarding = Phone();
  safeguarding.safeguarding = true;
  EXPECT_EQ(conduct_->Check(safeguarding, "service:escalation")->decision.outcome, Outcome::kAllow);
  EXPECT_EQ(StoredDecisions(), 3);
  EXPECT_TRUE(conduct_->GetDecision(kSchool, after->id).ok());
  absl::StatusOr<Page<DecisionRecord>> redirects =
      conduct_->ListDecisions(kSchool, kGuardian, Outcome::kRedirect, PageQuery{});
  ASSERT_TRUE(redirects.ok());
  EXPECT_EQ(redirects->items.size(), 1u);
}

TEST_F(ConductServiceTest, AKeyedCheckIsOneDecisionHoweverOftenItIsAsked) {
  constexpr char kRequest[] = "6f1c2d3e-4a5b-4c6d-8e7f-0123456789ab";
  absl::StatusOr<DecisionRecord> first = conduct_->Check(Phone(), "service:escalation", kRequest);
  ASSERT_TRUE(first.ok()) << first.status();
  EXPECT_EQ(first->id, KeyedDecisionId(kSchool, "service:escalation", kRequest));
  Issued(Today() + 30);  // the answer would now differ: the stored one is still returned
  clock_.Advance(absl::Minutes(5));
  absl::StatusOr<DecisionRecord> again = conduct_->Check(Phone(), "service:escalation", kRequest);
  ASSERT_TRUE(again.ok());
  EXPECT_EQ(again->id, first->id);
  EXPECT_EQ(again->decision.outcome, Outcome::kAllow);
  EXPECT_EQ(again->decide_time, first->decide_time);
  EXPECT_EQ(StoredDecisions(), 1);
  // Another asker, or another request id, is another decision.
  EXPECT_NE(conduct_->Check(Phone(), "service:appointments", kRequest)->id, first->id);
  EXPECT_NE(conduct_->Check(Phone(), "service:escalation", "6f1c2d3e-4a5b-4c6d-8e7f-0123456789ac")->id, first->id);
  EXPECT_EQ(StoredDecisions(), 3);

  // Copies asked at once store one decision, and every copy gets it.
  constexpr char kBurst[] = "00000000-1111-4222-8333-444444444444";
  std::vector<std::thread> threads;
  std::vector<std::string> ids(50);
  for (int i = 0; i < 50; ++i) {
    threads.emplace_back([&, i] {
      absl::StatusOr<DecisionRecord> d = conduct_->Check(Phone(), "service:escalation", kBurst);
      ids[i] = d.ok() ? d->id : d.status().ToString();
    });
  }
  for (std::thread& t : threads) t.join();
  EXPECT_EQ(std::set<std::string>(ids.begin(), ids.end()).size(), 1u);
  EXPECT_EQ(StoredDecisions(), 4);
}

TEST_F(ConductServiceTest, BadInputWritesNothing) {
  // An arrangement whose terms limit nothing, or without reasons, is not issued.
  Arrangement unlimited = Terms(Today() + 30);
  unlimited.terms.allowed_channels.clear();
  unlimited.terms.allowed_windows.clear();
  absl::StatusOr<WriteResult> draft = conduct_->CreateArrangement(Key("Create"), unlimited, EncodeArrangement());
  ASSERT_TRUE(draft.ok());  // a draft may be incomplete
  const int64_t writes = store_.WriteCount();
  absl::StatusOr<WriteResult> issued =
      conduct_->IssueArrangement(Key("Issue"), kSchool, IdOf(*draft), "", "head", EncodeArrangement());
  EXPECT_EQ(issued.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(ErrorReason(issued.status()), reason::kInvalidArrangement);
  Arrangement no_reasons = Terms(Today() + 30);
  no_reasons.terms.reasons.clear();
  draft = conduct_->CreateArrangement(Key("Create"), no_reasons, EncodeArrangement());
  ASSERT_TRUE(draft.ok());
  const int64_t writes2 = store_.WriteCount();
  EXPECT_EQ(
      conduct_->IssueArrangement(Key("Issue"), kSchool, IdOf(*draft), "", "head", EncodeArrangement()).status().code(),
      absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(store_.WriteCount(), writes2);
  EXPECT_EQ(writes2, writes + 1);

  // A window that ends before it starts; a guardian of another school; an incident in the future;
  // an unknown point of contact; a ban without a reason; a message from the future.
  Arrangement backwards = Terms(Today() + 30);
  backwards.terms.allowed_windows = {TimeWindow{absl::Weekday::tuesday, 16 * 60, 15 * 60}};
  EXPECT_EQ(conduct_->CreateArrangement(Key("Create"), backwards, EncodeArrangement()).status().code(),
            absl::StatusCode::kInvalidArgument);
  Arrangement elsewhere = Terms(Today() + 30);
  elsewhere.guardian = "guardians/g-elsewhere";
  EXPECT_EQ(conduct_->CreateArrangement(Key("Create"), elsewhere, EncodeArrangement()).status().code(),
            absl::StatusCode::kNotFound);
  Arrangement unknown_contact = Terms(Today() + 30);
  unknown_contact.terms.point_of_contact = "schools/kenilworth/staff/s-nobody";
  EXPECT_EQ(conduct_->CreateArrangement(Key("Create"), unknown_contact, EncodeArrangement()).status().code(),
            absl::StatusCode::kNotFound);
  Incident future;
  future.school_id = kSchool;
  future.guardian = kGuardian;
  future.occur_time = clock_.Now() + absl::Hours(1);
  EXPECT_EQ(conduct_
                ->CreateIncident(Key("CreateIncident"), future,
                                 [](const Incident& x) -> absl::StatusOr<std::string> { return x.id; })
                .status()
                .code(),
            absl::StatusCode::kInvalidArgument);
  PremisesBan ban;
  ban.school_id = kSchool;
  ban.guardian = kGuardian;
  ban.start_time = clock_.Now();
  EXPECT_EQ(
      conduct_
          ->CreateBan(Key("CreateBan"), ban, [](const PremisesBan& b) -> absl::StatusOr<std::string> { return b.id; })
          .status()
          .code(),
      absl::StatusCode::kInvalidArgument);
  GateQuery later = Phone();
  later.at = clock_.Now() + absl::Hours(1);
  EXPECT_EQ(ErrorReason(conduct_->Check(later, "x").status()), reason::kTimeInFuture);
  GateQuery stranger = Phone();
  stranger.guardian = "guardians/g-elsewhere";
  EXPECT_EQ(conduct_->Check(stranger, "x").status().code(), absl::StatusCode::kNotFound);
  EXPECT_EQ(conduct_->GetSchoolStats(kSchool, clock_.Now(), clock_.Now()).status().code(),
            absl::StatusCode::kInvalidArgument);

  EXPECT_EQ(store_.WriteCount(), writes2);
  EXPECT_EQ(StoredDecisions(), 0);
  EXPECT_TRUE(store_.Outbox().empty());
}

TEST_F(ConductServiceTest, AGuardianElsewhereAndAMissingGuardianGetTheSameAnswer) {
  // Another school's family and no family at all: the same code, reason and words, for every use
  // case that names a guardian, and nothing is written.
  auto same = [&](const std::function<absl::Status(const std::string&)>& attempt) {
    const absl::Status elsewhere = attempt("guardians/g-elsewhere");
    const absl::Status missing = attempt("guardians/g-nobody");
    EXPECT_EQ(elsewhere.code(), absl::StatusCode::kNotFound);
    EXPECT_EQ(ErrorReason(elsewhere), reason::kGuardianNotFound);
    EXPECT_EQ(ErrorReason(missing), ErrorReason(elsewhere));
    EXPECT_EQ(missing.code(), elsewhere.code());
    // The words differ only by the name asked about.
    EXPECT_EQ(absl::StrReplaceAll(missing.message(), {{"g-nobody", "X"}}),
              absl::StrReplaceAll(elsewhere.message(), {{"g-elsewhere", "X"}}));
  };
  same([&](const std::string& g) {
    GateQuery q = Phone();
    q.guardian = g;
    return conduct_->Check(q, "service:escalation").status();
  });
  same([&](const std::string& g) {
    GateQuery q = Phone();
    q.guardian = g;
    return conduct_->Evaluate(q).status();
  });
  same([&](const std::string& g) {
    Incident i;
    i.school_id = kSchool;
    i.guardian = g;
    i.kind = IncidentKind::kAbusiveWrittenMessage;
    i.channel = Channel::kEmail;
    i.occur_time = clock_.Now() - absl::Hours(1);
    return conduct_
        ->CreateIncident(Key("CreateIncident"), i,
                         [](const Incident& x) -> absl::StatusOr<std::string> { return x.id; })
        .status();
  });
  same([&](const std::string& g) {
    Arrangement a = Terms(Today() + 30);
    a.guardian = g;
    return conduct_->CreateArrangement(Key("CreateArrangement"), a, EncodeArrangement()).status();
  });
  same([&](const std::string& g) {
    PremisesBan ban;
    ban.school_id = kSchool;
    ban.guardian = g;
    ban.scope = PremisesBanScope::kSite;
    ban.start_time = clock_.Now();
    ban.reason = "Threats at the gate.";
    return conduct_
        ->CreateBan(Key("CreateBan"), ban, [](const PremisesBan& b) -> absl::StatusOr<std::string> { return b.id; })
        .status();
  });
  EXPECT_EQ(store_.WriteCount(), 0);
  EXPECT_EQ(StoredDecisions(), 0);
}

TEST_F(ConductServiceTest, AddressedToMustBeKnownStaffOfTheSchoolContactedAndNothingIsStoredOtherwise) {
  directory_.AddStaff("schools/st-marys/staff/s-01");
  GateQuery other_school = Phone();
  other_school.addressed_to = "schools/st-marys/staff/s-01";
  absl::Status s = conduct_->Check(other_school, "service:escalation").status();
  EXPECT_EQ(s.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(ErrorReason(s), reason::kInvalidField);
  EXPECT_EQ(conduct_->Evaluate(other_school).status().code(), absl::StatusCode::kInvalidArgument);
  GateQuery unknown = Phone();
  unknown.addressed_to = "schools/kenilworth/staff/s-nobody";
  s = conduct_->Check(unknown, "service:escalation").status();
  EXPECT_EQ(s.code(), absl::StatusCode::kNotFound);
  EXPECT_EQ(ErrorReason(s), reason::kStaffNotFound);
  EXPECT_EQ(StoredDecisions(), 0);

  GateQuery known = Phone();
  known.addressed_to = kContact;
  ASSERT_TRUE(conduct_->Check(known, "service:escalation").ok());
  EXPECT_EQ(StoredDecisions(), 1);
}

TEST_F(ConductServiceTest, EvaluateDecidesAsCheckDoesButStoresNothing) {
  Issued(Today() + 30);
  const int64_t writes = store_.WriteCount();
  absl::StatusOr<DecisionRecord> evaluated = conduct_->Evaluate(Phone());
  ASSERT_TRUE(evaluated.ok()) << evaluated.status();
  EXPECT_EQ(evaluated->decision.outcome, Outcome::kRedirect);
  EXPECT_TRUE(evaluated->id.empty());
  EXPECT_TRUE(evaluated->asked_by.empty());
  EXPECT_EQ(evaluated->decide_time, clock_.Now());
  EXPECT_EQ(StoredDecisions(), 0);
  EXPECT_EQ(store_.WriteCount(), writes);
  absl::StatusOr<DecisionRecord> checked = conduct_->Check(Phone(), "service:escalation");
  ASSERT_TRUE(checked.ok());
  EXPECT_EQ(checked->decision.outcome, evaluated->decision.outcome);
  EXPECT_EQ(checked->decision.explanation, evaluated->decision.explanation);
  EXPECT_EQ(StoredDecisions(), 1);
}

// ---- where a recorded incident goes (incident_notices.h) ---------------------------------------

namespace {

constexpr char kTeacher[] = "schools/kenilworth/staff/s-teach";
constexpr char kManager[] = "schools/kenilworth/staff/s-hoy";
constexpr char kChair[] = "schools/kenilworth/externalContacts/chair-of-governors";

// Riverside: "staff have been instructed to bring the telephone call [or meeting] to a close and
// to report the incident immediately to their line manager".
IncidentNoticeRule LineManagerAtOnce() {
  IncidentNoticeRule r;
  r.channels = {Channel::kPhone, Channel::kInPerson, Channel::kMeetingRequest};
  r.reporter_line_manager = true;
  r.immediate = true;
  return r;
}

// Milton Road: "The school will refer breaches of the communications code to the Chair of
// Governors." In working time.
IncidentNoticeRule ChairOfGovernors() {
  IncidentNoticeRule r;
  r.named = {{kChair, ReferralBasis::kExternalContact, "", false}};
  return r;
}

}  // namespace

class IncidentReferralTest : public ConductServiceTest {
 protected:
  void SetUp() override {
    ConductServiceTest::SetUp();
    directory_.SetLineManager(kTeacher, kManager);
    directory_.AddStaff(kManager);
  }

  absl::StatusOr<Incident> Record(IncidentKind kind, Channel channel, const std::string& reported_by,
                                  const RequestKey* key = nullptr) {
    Incident i;
    i.school_id = kSchool;
    i.guardian = kGuardian;
    i.kind = kind;
    i.channel = channel;
    i.occur_time = clock_.Now() - absl::Minutes(5);
    i.reported_by = reported_by;
    i.description_ref = "DOC-1";
    absl::StatusOr<WriteResult> w = conduct_->CreateIncident(
        key ? *key : Key("CreateIncident"), i, [](const Incident& x) -> absl::StatusOr<std::string> { return x.id; });
    if (!w.ok()) return w.status();
    return conduct_->GetIncident(kSchool, w->response);
  }
};

TEST_F(IncidentReferralTest, AnAbusiveCallGoesToTheRecordersLineManagerAtOnce) {
  directory_.SetIncidentNotices(kSchool, {LineManagerAtOnce()});
  absl::StatusOr<Incident> got = Record(IncidentKind::kShouting, Channel::kPhone, kTeacher);
  ASSERT_TRUE(got.ok()) << got.status();
  ASSERT_EQ(got->referrals.size(), 1u);
  EXPECT_EQ(got->referrals[0], (IncidentReferral{kManager, ReferralBasis::kLineManager, "", true}));

  ASSERT_EQ(store_.Outbox().size(), 1u);
  const OutboxNotice n = store_.Outbox()[0];
  EXPECT_EQ(n.kind, "conduct_incident");
  EXPECT_EQ(n.key, absl::StrCat("conduct/incident/kenilworth/", got->id, "/", kManager));
  EXPECT_EQ(n.not_before, clock_.Now());
  EXPECT_THAT(n.notice_json, ::testing::HasSubstr(R"("template":"conduct.incident_reported")"));
  // At once: notifications reaches staff outside their working time only for an emergency.
  EXPECT_THAT(n.notice_json, ::testing::HasSubstr(R"("priority":"emergency")"));
  EXPECT_THAT(n.notice_json, ::testing::HasSubstr(absl::StrCat(R"("staff":[")", kManager, R"("])")));
  // The account itself is personal data: the notice names the incident, not what was said.
  EXPECT_THAT(n.notice_json, ::testing::Not(::testing::HasSubstr("DOC-1")));
}

TEST_F(IncidentReferralTest, AnIncidentTheRulesDoNotCoverIsReferredToNoOne) {
  directory_.SetIncidentNotices(kSchool, {LineManagerAtOnce()});
  absl::StatusOr<Incident> got = Record(IncidentKind::kAbusiveWrittenMessage, Channel::kEmail, kTeacher);
  ASSERT_TRUE(got.ok()) << got.status();
  EXPECT_TRUE(got->referrals.empty());
  EXPECT_TRUE(store_.Outbox().empty());

  IncidentNoticeRule threats = ChairOfGovernors();
  threats.kinds = {IncidentKind::kThreatening};
  directory_.SetIncidentNotices(kSchool, {threats});
  got = Record(IncidentKind::kShouting, Channel::kInPerson, kTeacher);
  ASSERT_TRUE(got.ok()) << got.status();
  EXPECT_TRUE(got->referrals.empty());
  got = Record(IncidentKind::kThreatening, Channel::kInPerson, kTeacher);
  ASSERT_TRUE(got.ok()) << got.status();
  EXPECT_EQ(got->referrals.size(), 1u);
}

TEST_F(IncidentReferralTest, WithoutALineManagerTheHeadIsTold) {
  directory_.SetIncidentNotices(kSchool, {LineManagerAtOnce()});
  // A member of staff with no line manager.
  absl::StatusOr<Incident> got = Record(IncidentKind::kShouting, Channel::kInPerson, kContact);
  ASSERT_TRUE(got.ok()) << got.status();
  ASSERT_EQ(got->referrals.size(), 1u);
  EXPECT_EQ(got->referrals[0], (IncidentReferral{kHead, ReferralBasis::kHead, "", true}));

  // Recorded by someone who is not this school's staff (a trust administrator, another school's
  // teacher): their line manager is not the school's to tell, so the head is.
  for (const char* recorder : {"users/trust-admin", "schools/st-marys/staff/s-1"}) {
    got = Record(IncidentKind::kShouting, Channel::kPhone, recorder);
    ASSERT_TRUE(got.ok()) << got.status();
    ASSERT_EQ(got->referrals.size(), 1u) << recorder;
    EXPECT_EQ(got->referrals[0].recipient, kHead) << recorder;
    EXPECT_EQ(got->referrals[0].basis, ReferralBasis::kHead) << recorder;
  }
}

TEST_F(IncidentReferralTest, TheChairOfGovernorsIsToldInWorkingTimeAsAnExternalContact) {
  directory_.SetIncidentNotices(kSchool, {ChairOfGovernors()});
  absl::StatusOr<Incident> got = Record(IncidentKind::kAbusiveWrittenMessage, Channel::kEmail, kTeacher);
  ASSERT_TRUE(got.ok()) << got.status();
  ASSERT_EQ(got->referrals.size(), 1u);
  EXPECT_EQ(got->referrals[0], (IncidentReferral{kChair, ReferralBasis::kExternalContact, "", false}));
  ASSERT_EQ(store_.Outbox().size(), 1u);
  // The relay's name for an external contact among the recipients.
  EXPECT_THAT(store_.Outbox()[0].notice_json, ::testing::HasSubstr(R"("staff":["external:chair-of-governors"])"));
  EXPECT_THAT(store_.Outbox()[0].notice_json, ::testing::HasSubstr(R"("priority":"important")"));
}

TEST_F(IncidentReferralTest, SomeoneNamedTwiceIsToldOnceAtTheSoonerTimeAndNeverTheRecorder) {
  IncidentNoticeRule heads;  // by role, in working time
  heads.named = {{kHead, ReferralBasis::kRole, "headteacher", false}, {kTeacher, ReferralBasis::kStaff, "", false}};
  IncidentNoticeRule line = LineManagerAtOnce();
  directory_.SetIncidentNotices(kSchool, {heads, line});
  // kContact has no line manager: the second rule names the head as well, at once.
  absl::StatusOr<Incident> got = Record(IncidentKind::kShouting, Channel::kPhone, kContact);
  ASSERT_TRUE(got.ok()) << got.status();
  ASSERT_EQ(got->referrals.size(), 2u);
  EXPECT_EQ(got->referrals[0], (IncidentReferral{kHead, ReferralBasis::kRole, "headteacher", true}));
  EXPECT_EQ(got->referrals[1].recipient, kTeacher);
  EXPECT_EQ(store_.Outbox().size(), 2u);

  // The teacher records it themselves: not told of their own report.
  got = Record(IncidentKind::kShouting, Channel::kPhone, kTeacher);
  ASSERT_TRUE(got.ok()) << got.status();
  ASSERT_EQ(got->referrals.size(), 2u);
  EXPECT_EQ(got->referrals[0].recipient, kHead);
  EXPECT_EQ(got->referrals[1], (IncidentReferral{kManager, ReferralBasis::kLineManager, "", true}));
}

TEST_F(IncidentReferralTest, ARetryWritesNoSecondNoticeAndAnUpdateKeepsTheReferrals) {
  directory_.SetIncidentNotices(kSchool, {LineManagerAtOnce()});
  const RequestKey key = Key("CreateIncident");
  absl::StatusOr<Incident> got = Record(IncidentKind::kShouting, Channel::kPhone, kTeacher, &key);
  ASSERT_TRUE(got.ok()) << got.status();
  ASSERT_TRUE(Record(IncidentKind::kShouting, Channel::kPhone, kTeacher, &key).ok());
  EXPECT_EQ(store_.Outbox().size(), 1u);

  // The line manager changes later; the record says who was told at the time.
  directory_.SetLineManager(kTeacher, kHead);
  absl::StatusOr<WriteResult> updated = conduct_->UpdateIncident(
      Key("UpdateIncident"), kSchool, got->id, "",
      [](const Incident& current) -> absl::StatusOr<Incident> {
        Incident next = current;
        next.outcome = IncidentOutcome::kWarningGiven;
        next.referrals.clear();
        return next;
      },
      [](const Incident& x) -> absl::StatusOr<std::string> { return x.id; });
  ASSERT_TRUE(updated.ok()) << updated.status();
  absl::StatusOr<Incident> after = conduct_->GetIncident(kSchool, got->id);
  ASSERT_TRUE(after.ok());
  EXPECT_EQ(after->outcome, IncidentOutcome::kWarningGiven);
  EXPECT_EQ(after->referrals, got->referrals);
  EXPECT_EQ(store_.Outbox().size(), 1u);
}

TEST_F(IncidentReferralTest, ASchoolWithNoHeadStillRecordsTheIncident) {
  directory_.AddSchool("no-head");
  directory_.AddGuardian("guardians/g-nohead", {"no-head"});
  directory_.SetIncidentNotices("no-head", {LineManagerAtOnce()});
  Incident i;
  i.school_id = "no-head";
  i.guardian = "guardians/g-nohead";
  i.kind = IncidentKind::kShouting;
  i.channel = Channel::kPhone;
  i.occur_time = clock_.Now() - absl::Minutes(5);
  i.reported_by = "users/trust-admin";
  absl::StatusOr<WriteResult> w = conduct_->CreateIncident(
      Key("CreateIncident"), i, [](const Incident& x) -> absl::StatusOr<std::string> { return x.id; });
  ASSERT_TRUE(w.ok()) << w.status();
  absl::StatusOr<Incident> got = conduct_->GetIncident("no-head", w->response);
  ASSERT_TRUE(got.ok());
  EXPECT_TRUE(got->referrals.empty());
  EXPECT_TRUE(store_.Outbox().empty());
}

}  // namespace
}  // namespace parley::conduct
