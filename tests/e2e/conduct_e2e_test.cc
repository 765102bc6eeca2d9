// End to end: the built parley-contacts and parley-conduct binaries against a real PostgreSQL and
// Redis, contacts loaded with the demo trust, conduct calling contacts with its own service
// identity, everything over gRPC with real ES256 tokens.
#include <functional>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "common/auth/auth.h"
#include "common/auth/testing/test_keys.h"
#include "common/testing/test_database.h"
#include "common/testing/test_redis.h"
#include "gmock/gmock.h"
#include "google/protobuf/util/time_util.h"
#include "grpcpp/grpcpp.h"
#include "gtest/gtest.h"
#include "parley/conduct/v1/conduct_service.grpc.pb.h"
#include "parley/contacts/v1/contacts_service.grpc.pb.h"
#include "tests/e2e/e2e_support.h"
#include "tests/e2e/trust_under_test.h"

namespace parley::e2e {
namespace {

namespace cv1 = ::parley::conduct::v1;
namespace kv1 = ::parley::contacts::v1;
using ::google::protobuf::util::TimeUtil;
using ::testing::HasSubstr;

google::protobuf::Timestamp At(const std::string& utc) {
  google::protobuf::Timestamp ts;
  EXPECT_TRUE(TimeUtil::FromString(utc, &ts)) << utc;
  return ts;
}

struct Suite {
  std::unique_ptr<TrustUnderTest> trust;  // contacts (the demo trust) and conduct
  std::string guardian;                   // a Kenilworth guardian with no other school
  std::string other_guardian;             // another Kenilworth guardian
  std::string head;                       // Kenilworth's headteacher
};
std::unique_ptr<Suite> suite;

class ConductE2eTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    suite = std::make_unique<Suite>();
    suite->trust = TrustUnderTest::StartForSuite(
        {"conduct", PARLEY_DEMO_TRUST_JSON, PARLEY_CONTACTS_BINARY, PARLEY_CONDUCT_BINARY});
    if (!suite->trust) return;
    auto contacts = ContactsStub();
    {
      grpc::ClientContext ctx;
      Authorize(ctx, Token({"office"}, {"kenilworth"}));
      kv1::ListGuardiansRequest req;
      req.set_school("schools/kenilworth");
      req.set_page_size(50);
      kv1::ListGuardiansResponse resp;
      ASSERT_TRUE(contacts->ListGuardians(&ctx, req, &resp).ok());
      for (const kv1::Guardian& g : resp.guardians()) {
        bool only_kenilworth = true;
        for (const auto& link : g.pupils()) only_kenilworth &= link.pupil().rfind("schools/kenilworth/", 0) == 0;
        if (!only_kenilworth) continue;
        if (suite->guardian.empty()) {
          suite->guardian = g.name();
        } else if (suite->other_guardian.empty()) {
          suite->other_guardian = g.name();
        }
      }
      ASSERT_FALSE(suite->other_guardian.empty());
    }
    {
      grpc::ClientContext ctx;
      Authorize(ctx, Token({"office"}, {"kenilworth"}));
      kv1::ListStaffRequest req;
      req.set_parent("schools/kenilworth");
      req.set_role("headteacher");
      kv1::ListStaffResponse resp;
      ASSERT_TRUE(contacts->ListStaff(&ctx, req, &resp).ok());
      ASSERT_GT(resp.staff_size(), 0);
      suite->head = resp.staff(0).name();
    }
    ready_ = true;
  }

  static void TearDownTestSuite() { suite.reset(); }

  void SetUp() override {
    PARLEY_REQUIRE_SUITE_READY(ready_);
    conduct_ = cv1::ConductService::NewStub(suite->trust->Channel(Service::kConduct));
  }

  static std::unique_ptr<kv1::ContactsService::Stub> ContactsStub() {
    return kv1::ContactsService::NewStub(suite->trust->Channel(Service::kContacts));
  }

  static std::string Token(std::vector<std::string> roles, std::vector<std::string> schools,
                           const std::string& subject = "e2e") {
    return suite->trust->Mint(std::move(roles), std::move(schools), subject, absl::Minutes(5));
  }

  static void Authorize(grpc::ClientContext& ctx, const std::string& token) {
    ctx.AddMetadata("authorization", absl::StrCat("Bearer ", token));
    ctx.set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(30));
  }

  // A call with a token; returns the status.
  template <typename Req, typename Resp, typename Method>
  grpc::Status Call(const std::string& token, Method method, const Req& req, Resp* resp) {
    grpc::ClientContext ctx;
    Authorize(ctx, token);
    return ((*conduct_).*method)(&ctx, req, resp);
  }

  std::string Leader() { return Token({"senior_leader"}, {"kenilworth"}, "head@kenilworth"); }
  std::string Teacher() { return Token({"teacher"}, {"kenilworth"}, "teacher@kenilworth"); }

  cv1::Incident RecordIncident(const std::string& guardian, const std::string& token) {
    cv1::CreateIncidentRequest req;
    req.set_parent("schools/kenilworth");
    req.mutable_incident()->set_guardian(guardian);
    req.mutable_incident()->set_kind(cv1::INCIDENT_KIND_ABUSIVE_WRITTEN_MESSAGE);
    req.mutable_incident()->set_channel(cv1::CHANNEL_EMAIL);
    *req.mutable_incident()->mutable_occur_time() = At("2026-10-20T10:00:00Z");
    req.mutable_incident()->set_description_ref("records/2026/114");
    req.set_request_id(NewUuid());
    cv1::Incident out;
    grpc::Status s = Call(token, &cv1::ConductService::Stub::CreateIncident, req, &out);
    EXPECT_TRUE(s.ok()) << s.error_message();
    return out;
  }

  // Email only, Tuesdays 15:30-16:30 school-local, from 1 Nov 2026, review 15 Jan 2027.
  cv1::CreateArrangementRequest DraftRequest(const std::string& guardian) {
    cv1::CreateArrangementRequest req;
    req.set_parent("schools/kenilworth");
    cv1::Arrangement* a = req.mutable_arrangement();
    a->set_guardian(guardian);
    a->set_scope(cv1::ARRANGEMENT_SCOPE_SCHOOL);
    a->mutable_terms()->add_allowed_channels(cv1::CHANNEL_EMAIL);
    cv1::TimeWindow* w = a->mutable_terms()->add_allowed_windows();
    w->set_day(cv1::WEEKDAY_TUESDAY);
    w->set_start("15:30");
    w->set_end("16:30");
    a->mutable_terms()->set_point_of_contact(suite->head);
    a->mutable_terms()->set_reasons("Repeated abusive emails to staff (see incident record).");
    *a->mutable_start_time() = At("2026-11-01T00:00:00Z");
    a->set_review_date("2027-01-15");
    req.set_request_id(NewUuid());
    return req;
  }

  cv1::Decision Check(const std::string& guardian, cv1::Channel channel, const std::string& at,
                      cv1::Purpose purpose = cv1::PURPOSE_INBOUND_MESSAGE, bool safeguarding = false) {
    cv1::CheckCommunicationRequest req;
    req.set_school("schools/kenilworth");
    req.set_guardian(guardian);
    req.set_channel(channel);
    *req.mutable_time() = At(at);
    req.set_purpose(purpose);
    req.set_safeguarding(safeguarding);
    cv1::Decision d;
    grpc::Status s =
        Call(Token({"service"}, {}, "service:escalation"), &cv1::ConductService::Stub::CheckCommunication, req, &d);
    EXPECT_TRUE(s.ok()) << s.error_message();
    return d;
  }

  std::unique_ptr<cv1::ConductService::Stub> conduct_;
  static bool ready_;
};
bool ConductE2eTest::ready_ = false;

TEST_F(ConductE2eTest, AnArrangementIsIssuedTightenedAndEnforcedByTheGate) {
  const std::string g = suite->guardian;
  // Before any arrangement, a message is simply allowed.
  EXPECT_EQ(Check(g, cv1::CHANNEL_PHONE, "2026-11-17T10:00:00Z").outcome(), cv1::OUTCOME_ALLOW);

  const cv1::Incident first = RecordIncident(g, Teacher());
  EXPECT_EQ(first.outcome(), cv1::INCIDENT_OUTCOME_PENDING);
  EXPECT_EQ(first.reported_by(), "teacher@kenilworth");

  cv1::Arrangement draft;
  ASSERT_TRUE(Call(Leader(), &cv1::ConductService::Stub::CreateArrangement, DraftRequest(g), &draft).ok());
  EXPECT_EQ(draft.state(), cv1::ARRANGEMENT_STATE_DRAFT);

  cv1::IssueArrangementRequest issue;
  issue.set_name(draft.name());
  issue.set_etag(draft.etag());
  issue.set_request_id(NewUuid());
  cv1::Arrangement active, replayed;
  ASSERT_TRUE(Call(Leader(), &cv1::ConductService::Stub::IssueArrangement, issue, &active).ok());
  EXPECT_EQ(active.state(), cv1::ARRANGEMENT_STATE_ACTIVE);
  EXPECT_EQ(active.version(), 1);
  EXPECT_FALSE(active.letter().empty());
  // A retry of the same request replays the first answer and writes no second letter.
  ASSERT_TRUE(Call(Leader(), &cv1::ConductService::Stub::IssueArrangement, issue, &replayed).ok());
  EXPECT_EQ(replayed.letter(), active.letter());

  // Tuesday 17 Nov 2026 15:45 GMT is inside the window; email is allowed.
  cv1::Decision inside = Check(g, cv1::CHANNEL_EMAIL, "2026-11-17T15:45:00Z");
  EXPECT_EQ(inside.outcome(), cv1::OUTCOME_ALLOW);
  EXPECT_EQ(inside.arrangement(), "");
  // A phone call is redirected to email and the point of contact.
  cv1::Decision phone = Check(g, cv1::CHANNEL_PHONE, "2026-11-17T15:45:00Z");
  EXPECT_EQ(phone.outcome(), cv1::OUTCOME_REDIRECT);
  EXPECT_EQ(phone.arrangement(), active.name());
  EXPECT_EQ(phone.arrangement_version(), 1);
  EXPECT_THAT(phone.allowed_channels(), ::testing::ElementsAre(cv1::CHANNEL_EMAIL));
  EXPECT_EQ(phone.point_of_contact(), suite->head);
  // An email on Wednesday waits for next Tuesday's window.
  cv1::Decision wednesday = Check(g, cv1::CHANNEL_EMAIL, "2026-11-18T10:00:00Z");
  EXPECT_EQ(wednesday.outcome(), cv1::OUTCOME_DEFER);
  EXPECT_EQ(TimeUtil::ToString(wednesday.next_allowed_time()), "2026-11-24T15:30:00Z");
  // Safeguarding is never held.
  EXPECT_EQ(Check(g, cv1::CHANNEL_PHONE, "2026-11-18T10:00:00Z", cv1::PURPOSE_INBOUND_MESSAGE, true).outcome(),
            cv1::OUTCOME_ALLOW);
  // Meetings with a guardian who has a recent incident need a colleague and the head told.
  cv1::Decision meeting = Check(g, cv1::CHANNEL_EMAIL, "2026-11-24T15:45:00Z", cv1::PURPOSE_MEETING);
  EXPECT_THAT(meeting.requirements(), ::testing::Contains(cv1::MEETING_REQUIREMENT_SECOND_STAFF));
  EXPECT_THAT(meeting.requirements(), ::testing::Contains(cv1::MEETING_REQUIREMENT_HEAD_INFORMED));

  // A further breach: tighten to email only, Tuesdays 15:30-16:00.
  const cv1::Incident breach = RecordIncident(g, Teacher());
  cv1::TightenArrangementRequest tighten;
  tighten.set_name(active.name());
  *tighten.mutable_terms() = active.terms();
  tighten.mutable_terms()->mutable_allowed_windows(0)->set_end("16:00");
  tighten.mutable_terms()->set_reasons("The arrangement was not respected.");
  tighten.set_breach_incident(breach.name());
  tighten.set_request_id(NewUuid());
  cv1::Arrangement tightened;
  grpc::Status s = Call(Leader(), &cv1::ConductService::Stub::TightenArrangement, tighten, &tightened);
  ASSERT_TRUE(s.ok()) << s.error_message();
  EXPECT_EQ(tightened.version(), 2);
  EXPECT_EQ(tightened.breach_incident(), breach.name());
  EXPECT_NE(tightened.letter(), active.letter());
  // The change is visible to the very next check.
  EXPECT_EQ(Check(g, cv1::CHANNEL_EMAIL, "2026-11-17T16:15:00Z").outcome(), cv1::OUTCOME_DEFER);
  EXPECT_EQ(Check(g, cv1::CHANNEL_EMAIL, "2026-11-17T16:15:00Z").arrangement_version(), 2);

  cv1::ListArrangementRevisionsRequest revisions_req;
  revisions_req.set_name(active.name());
  cv1::ListArrangementRevisionsResponse revisions;
  ASSERT_TRUE(Call(Leader(), &cv1::ConductService::Stub::ListArrangementRevisions, revisions_req, &revisions).ok());
  ASSERT_EQ(revisions.revisions_size(), 2);
  EXPECT_EQ(revisions.revisions(0).terms().allowed_windows(0).end(), "16:30");
  EXPECT_EQ(revisions.revisions(1).terms().allowed_windows(0).end(), "16:00");

  // One letter per version, each waiting in the outbox for notifications.
  cv1::ListLettersRequest letters_req;
  letters_req.set_parent("schools/kenilworth");
  letters_req.set_guardian(g);
  cv1::ListLettersResponse letters;
  ASSERT_TRUE(Call(Leader(), &cv1::ConductService::Stub::ListLetters, letters_req, &letters).ok());
  ASSERT_EQ(letters.letters_size(), 2);
  EXPECT_EQ(letters.letters(0).kind(), cv1::LETTER_KIND_ARRANGEMENT_TIGHTENED);
  EXPECT_EQ(letters.letters(1).kind(), cv1::LETTER_KIND_ARRANGEMENT_ISSUED);
  EXPECT_EQ(letters.letters(0).delivery_state(), cv1::LETTER_DELIVERY_STATE_PENDING);

  // The guardian's own app reads the arrangement in force.
  cv1::ListGuardianArrangementsRequest mine_req;
  mine_req.set_guardian(g);
  cv1::ListGuardianArrangementsResponse mine;
  ASSERT_TRUE(
      Call(Token({"guardian"}, {}, g), &cv1::ConductService::Stub::ListGuardianArrangements, mine_req, &mine).ok());
  ASSERT_EQ(mine.arrangements_size(), 1);
  EXPECT_EQ(mine.arrangements(0).version(), 2);
  // ... without what is the school's own business: who issued it, the breach incident behind it.
  EXPECT_TRUE(mine.arrangements(0).issued_by().empty());
  EXPECT_TRUE(mine.arrangements(0).breach_incident().empty());
  // Their own letters, with a token naming their child's school.
  const std::string guardian_token = Token({"guardian"}, {"kenilworth"}, g);
  cv1::ListLettersRequest own_letters_req;
  own_letters_req.set_parent("schools/kenilworth");
  cv1::ListLettersResponse own_letters;
  ASSERT_TRUE(Call(guardian_token, &cv1::ConductService::Stub::ListLetters, own_letters_req, &own_letters).ok());
  EXPECT_EQ(own_letters.letters_size(), 2);
  // The guardian's app asks the gate about themselves: answered, not stored as a decision.
  cv1::CheckCommunicationRequest own_check;
  own_check.set_school("schools/kenilworth");
  own_check.set_guardian(g);
  own_check.set_channel(cv1::CHANNEL_PHONE);
  *own_check.mutable_time() = At("2026-11-17T15:45:00Z");
  own_check.set_purpose(cv1::PURPOSE_INBOUND_MESSAGE);
  cv1::Decision own_answer;
  ASSERT_TRUE(Call(guardian_token, &cv1::ConductService::Stub::CheckCommunication, own_check, &own_answer).ok());
  EXPECT_EQ(own_answer.outcome(), cv1::OUTCOME_REDIRECT);
  EXPECT_TRUE(own_answer.name().empty());
  // ... but not another guardian's.
  cv1::ListGuardianArrangementsResponse not_mine;
  EXPECT_EQ(Call(Token({"guardian"}, {}, suite->other_guardian), &cv1::ConductService::Stub::ListGuardianArrangements,
                 mine_req, &not_mine)
                .error_code(),
            grpc::StatusCode::PERMISSION_DENIED);

  // Every staff or service decision was recorded (the guardian's own check was not), and the
  // figures add up.
  cv1::ListDecisionsRequest decisions_req;
  decisions_req.set_parent("schools/kenilworth");
  decisions_req.set_guardian(g);
  cv1::ListDecisionsResponse decisions;
  ASSERT_TRUE(Call(Leader(), &cv1::ConductService::Stub::ListDecisions, decisions_req, &decisions).ok());
  EXPECT_EQ(decisions.decisions_size(), 8);
  EXPECT_EQ(decisions.decisions(0).asked_by(), "service:escalation");

  cv1::GetSchoolStatsRequest stats_req;
  stats_req.set_school("schools/kenilworth");
  *stats_req.mutable_start_time() = At("2026-01-01T00:00:00Z");
  *stats_req.mutable_end_time() = At("2027-01-01T00:00:00Z");
  cv1::SchoolStats stats;
  ASSERT_TRUE(Call(Token({"trust_leader"}, {}), &cv1::ConductService::Stub::GetSchoolStats, stats_req, &stats).ok());
  EXPECT_GE(stats.arrangements_issued(), 1);
  EXPECT_GE(stats.tightenings(), 1);
  EXPECT_GE(stats.arrangements_active(), 1);
}

TEST_F(ConductE2eTest, OnlySeniorLeadersOfTheSchoolChangeArrangements) {
  cv1::Arrangement out;
  grpc::Status teacher =
      Call(Teacher(), &cv1::ConductService::Stub::CreateArrangement, DraftRequest(suite->other_guardian), &out);
  EXPECT_EQ(teacher.error_code(), grpc::StatusCode::PERMISSION_DENIED);

  grpc::Status other_school =
      Call(Token({"senior_leader"}, {"st-marys"}), &cv1::ConductService::Stub::CreateArrangement,
           DraftRequest(suite->other_guardian), &out);
  EXPECT_EQ(other_school.error_code(), grpc::StatusCode::PERMISSION_DENIED);

  cv1::Arrangement draft;
  ASSERT_TRUE(
      Call(Leader(), &cv1::ConductService::Stub::CreateArrangement, DraftRequest(suite->other_guardian), &draft).ok());
  // Another school cannot read it, nor tell it from one that does not exist.
  cv1::GetArrangementRequest get;
  get.set_name(draft.name());
  cv1::Arrangement read;
  EXPECT_EQ(
      Call(Token({"senior_leader"}, {"st-marys"}), &cv1::ConductService::Stub::GetArrangement, get, &read).error_code(),
      grpc::StatusCode::PERMISSION_DENIED);
  get.set_name("schools/kenilworth/arrangements/a000000000000");
  EXPECT_EQ(
      Call(Token({"senior_leader"}, {"st-marys"}), &cv1::ConductService::Stub::GetArrangement, get, &read).error_code(),
      grpc::StatusCode::PERMISSION_DENIED);
  // A teacher of the school can neither read it nor issue it; the office reads it.
  get.set_name(draft.name());
  EXPECT_EQ(Call(Teacher(), &cv1::ConductService::Stub::GetArrangement, get, &read).error_code(),
            grpc::StatusCode::PERMISSION_DENIED);
  EXPECT_TRUE(Call(Token({"office"}, {"kenilworth"}), &cv1::ConductService::Stub::GetArrangement, get, &read).ok());
  cv1::IssueArrangementRequest issue;
  issue.set_name(draft.name());
  issue.set_request_id(NewUuid());
  EXPECT_EQ(Call(Teacher(), &cv1::ConductService::Stub::IssueArrangement, issue, &read).error_code(),
            grpc::StatusCode::PERMISSION_DENIED);
}

TEST_F(ConductE2eTest, BadInputIsRefusedAndWritesNothing) {
  auto count = [&] {
    cv1::ListArrangementsRequest req;
    req.set_parent("schools/kenilworth");
    req.set_page_size(500);
    cv1::ListArrangementsResponse resp;
    EXPECT_TRUE(Call(Leader(), &cv1::ConductService::Stub::ListArrangements, req, &resp).ok());
    return resp.arrangements_size();
  };
  const int before = count();
  cv1::Arrangement out;

  cv1::CreateArrangementRequest backwards = DraftRequest(suite->other_guardian);
  backwards.mutable_arrangement()->mutable_terms()->mutable_allowed_windows(0)->set_end("15:00");
  grpc::Status s = Call(Leader(), &cv1::ConductService::Stub::CreateArrangement, backwards, &out);
  EXPECT_EQ(s.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_THAT(s.error_message(), HasSubstr("allowed_windows"));

  cv1::CreateArrangementRequest empty = DraftRequest(suite->other_guardian);
  empty.mutable_arrangement()->mutable_terms()->mutable_allowed_windows(0)->set_end("15:30");
  EXPECT_EQ(Call(Leader(), &cv1::ConductService::Stub::CreateArrangement, empty, &out).error_code(),
            grpc::StatusCode::INVALID_ARGUMENT);

  cv1::CreateArrangementRequest review = DraftRequest(suite->other_guardian);
  review.mutable_arrangement()->set_review_date("2026-10-01");
  EXPECT_EQ(Call(Leader(), &cv1::ConductService::Stub::CreateArrangement, review, &out).error_code(),
            grpc::StatusCode::INVALID_ARGUMENT);

  cv1::CreateArrangementRequest unknown = DraftRequest("guardians/g-99999");
  s = Call(Leader(), &cv1::ConductService::Stub::CreateArrangement, unknown, &out);
  EXPECT_EQ(s.error_code(), grpc::StatusCode::NOT_FOUND) << s.error_message();

  EXPECT_EQ(count(), before);

  cv1::CheckCommunicationRequest check;
  check.set_school("schools/kenilworth");
  check.set_guardian("guardians/g-99999");
  check.set_channel(cv1::CHANNEL_EMAIL);
  *check.mutable_time() = At("2026-11-17T10:00:00Z");
  check.set_purpose(cv1::PURPOSE_INBOUND_MESSAGE);
  cv1::Decision d;
  EXPECT_EQ(Call(Leader(), &cv1::ConductService::Stub::CheckCommunication, check, &d).error_code(),
            grpc::StatusCode::NOT_FOUND);
}

// A guardian of another school and one who does not exist get one answer, in the same words, from
// every write that names a guardian; the gate refuses another school's staff as addressee and
// stores nothing.
TEST_F(ConductE2eTest, AGuardianElsewhereIsAnsweredLikeAMissingOneAndAddresseesMustBeTheSchools) {
  auto contacts = ContactsStub();
  std::string elsewhere;  // a guardian with no child at Kenilworth
  std::string other_staff;
  {
    grpc::ClientContext ctx;
    Authorize(ctx, Token({"office"}, {"st-marys"}));
    kv1::ListGuardiansRequest req;
    req.set_school("schools/st-marys");
    req.set_page_size(50);
    kv1::ListGuardiansResponse resp;
    ASSERT_TRUE(contacts->ListGuardians(&ctx, req, &resp).ok());
    for (const kv1::Guardian& g : resp.guardians()) {
      bool at_kenilworth = false;
      for (const auto& link : g.pupils()) at_kenilworth |= link.pupil().rfind("schools/kenilworth/", 0) == 0;
      if (!at_kenilworth) {
        elsewhere = g.name();
        break;
      }
    }
    grpc::ClientContext staff_ctx;
    Authorize(staff_ctx, Token({"office"}, {"st-marys"}));
    kv1::ListStaffRequest staff;
    staff.set_parent("schools/st-marys");
    kv1::ListStaffResponse staff_resp;
    ASSERT_TRUE(contacts->ListStaff(&staff_ctx, staff, &staff_resp).ok());
    ASSERT_GT(staff_resp.staff_size(), 0);
    other_staff = staff_resp.staff(0).name();
  }
  ASSERT_FALSE(elsewhere.empty());
  const std::string missing = "guardians/g-99999";
  // The answer with the guardian's name taken out: what is left must be identical.
  auto answer = [](const grpc::Status& s, const std::string& guardian) {
    std::string message = s.error_message();
    for (size_t at = message.find(guardian); at != std::string::npos; at = message.find(guardian)) {
      message.replace(at, guardian.size(), "<guardian>");
    }
    return absl::StrCat(static_cast<int>(s.error_code()), " ", message);
  };

  auto check = [&](const std::string& guardian) {
    cv1::CheckCommunicationRequest req;
    req.set_school("schools/kenilworth");
    req.set_guardian(guardian);
    req.set_channel(cv1::CHANNEL_EMAIL);
    *req.mutable_time() = At("2026-11-17T10:00:00Z");
    req.set_purpose(cv1::PURPOSE_INBOUND_MESSAGE);
    cv1::Decision d;
    return answer(Call(Leader(), &cv1::ConductService::Stub::CheckCommunication, req, &d), guardian);
  };
  auto incident = [&](const std::string& guardian) {
    cv1::CreateIncidentRequest req;
    req.set_parent("schools/kenilworth");
    req.mutable_incident()->set_guardian(guardian);
    req.mutable_incident()->set_kind(cv1::INCIDENT_KIND_ABUSIVE_WRITTEN_MESSAGE);
    req.mutable_incident()->set_channel(cv1::CHANNEL_EMAIL);
    *req.mutable_incident()->mutable_occur_time() = At("2026-10-20T10:00:00Z");
    req.set_request_id(NewUuid());
    cv1::Incident out;
    return answer(Call(Leader(), &cv1::ConductService::Stub::CreateIncident, req, &out), guardian);
  };
  auto arrangement = [&](const std::string& guardian) {
    cv1::Arrangement out;
    return answer(Call(Leader(), &cv1::ConductService::Stub::CreateArrangement, DraftRequest(guardian), &out),
                  guardian);
  };
  auto ban = [&](const std::string& guardian) {
    cv1::CreatePremisesBanRequest req;
    req.set_parent("schools/kenilworth");
    req.mutable_premises_ban()->set_guardian(guardian);
    req.mutable_premises_ban()->set_scope(cv1::PREMISES_BAN_SCOPE_SITE);
    req.mutable_premises_ban()->set_reason("Threatening behaviour at the gate.");
    *req.mutable_premises_ban()->mutable_start_time() = At("2026-11-01T00:00:00Z");
    req.set_request_id(NewUuid());
    cv1::PremisesBan out;
    return answer(Call(Leader(), &cv1::ConductService::Stub::CreatePremisesBan, req, &out), guardian);
  };
  for (const auto& [what, call] : std::vector<std::pair<std::string, std::function<std::string(const std::string&)>>>{
           {"CheckCommunication", check},
           {"CreateIncident", incident},
           {"CreateArrangement", arrangement},
           {"CreatePremisesBan", ban}}) {
    const std::string for_elsewhere = call(elsewhere);
    EXPECT_EQ(for_elsewhere, call(missing)) << what;
    EXPECT_EQ(for_elsewhere.rfind(absl::StrCat(static_cast<int>(grpc::StatusCode::NOT_FOUND), " "), 0), 0u)
        << what << ": " << for_elsewhere;
  }

  // addressed_to: another school's member of staff, or nobody, is refused and nothing is stored.
  auto decisions = [&] {
    cv1::ListDecisionsRequest req;
    req.set_parent("schools/kenilworth");
    req.set_page_size(500);
    cv1::ListDecisionsResponse resp;
    EXPECT_TRUE(Call(Leader(), &cv1::ConductService::Stub::ListDecisions, req, &resp).ok());
    return resp.decisions_size();
  };
  const int before = decisions();
  for (const std::string& addressee : {other_staff, std::string("schools/kenilworth/staff/nobody-here")}) {
    cv1::CheckCommunicationRequest req;
    req.set_school("schools/kenilworth");
    req.set_guardian(suite->other_guardian);
    req.set_channel(cv1::CHANNEL_EMAIL);
    *req.mutable_time() = At("2026-11-17T10:00:00Z");
    req.set_purpose(cv1::PURPOSE_INBOUND_MESSAGE);
    req.set_addressed_to(addressee);
    cv1::Decision d;
    const grpc::Status s = Call(Leader(), &cv1::ConductService::Stub::CheckCommunication, req, &d);
    EXPECT_FALSE(s.ok()) << addressee;
    EXPECT_TRUE(s.error_code() == grpc::StatusCode::INVALID_ARGUMENT || s.error_code() == grpc::StatusCode::NOT_FOUND)
        << s.error_message();
  }
  EXPECT_EQ(decisions(), before);
}

TEST_F(ConductE2eTest, AForgedTokenIsUnauthenticated) {
  auth::testing::KeyPair other = auth::testing::GenerateEcP256();
  auth::SignerOptions opts{other.private_pem, "parley-e2e", "parley", nullptr};
  auto forger = *auth::Signer::Create(opts);
  auth::Principal p;
  p.subject = "mallory";
  p.roles = {"senior_leader"};
  p.schools = {"kenilworth"};
  cv1::ListIncidentsRequest req;
  req.set_parent("schools/kenilworth");
  cv1::ListIncidentsResponse resp;
  EXPECT_EQ(
      Call(*forger->Mint(p, absl::Minutes(5)), &cv1::ConductService::Stub::ListIncidents, req, &resp).error_code(),
      grpc::StatusCode::UNAUTHENTICATED);
}

}  // namespace
}  // namespace parley::e2e
