// The real ConductApi over the in-memory store and directory, called through an in-process channel
// (no network): status codes and the `parley-error-reason` trailer of each kind of refusal, and
// replay by request_id.
#include "services/conduct/api/conduct_api.h"

#include <memory>
#include <string>
#include <utility>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_replace.h"
#include "common/auth/auth.h"
#include "common/auth/testing/test_keys.h"
#include "common/status/grpc_status.h"
#include "common/status/reason.h"
#include "common/version/version.h"
#include "grpcpp/grpcpp.h"
#include "gtest/gtest.h"
#include "services/conduct/testing/fake_directory.h"
#include "services/conduct/testing/in_memory_conduct_store.h"

namespace parley::conduct {
namespace {

constexpr char kSchool[] = "kenilworth";
constexpr char kGuardian[] = "guardians/g-00042";
constexpr char kRequestA[] = "0b7c1d2e-3f40-4a51-8b62-7c83d94ea5f6";
constexpr char kRequestB[] = "0b7c1d2e-3f40-4a51-8b62-7c83d94ea5f7";
constexpr char kRequestC[] = "0b7c1d2e-3f40-4a51-8b62-7c83d94ea5f9";
constexpr char kRequestD[] = "0b7c1d2e-3f40-4a51-8b62-7c83d94ea5fa";
// Another family at the same school.
constexpr char kOtherFamily[] = "guardians/g-00099";

absl::Time Start() {
  absl::TimeZone london;
  absl::LoadTimeZone("Europe/London", &london);
  return absl::FromCivil(absl::CivilSecond(2025, 10, 21, 10, 0, 0), london);
}

google::protobuf::Timestamp Ts(absl::Time t) {
  google::protobuf::Timestamp ts;
  ts.set_seconds(absl::ToUnixSeconds(t));
  return ts;
}

// A finished call: its status and the reason trailer.
struct Result {
  grpc::StatusCode code = grpc::StatusCode::OK;
  std::string reason;
  std::string message;
};

// `message` with `name` replaced by "X": the words of two answers about different names compared.
std::string Words(const std::string& message, const std::string& name) {
  return absl::StrReplaceAll(message, {{name, "X"}});
}

class ConductApiTest : public ::testing::Test {
 protected:
  ConductApiTest() : clock_(Start()), store_(&clock_), gate_(&store_, &clock_, absl::Hours(24 * 365)) {}

  void SetUp() override {
    directory_.AddSchool(kSchool);
    directory_.AddSchool("st-marys");
    directory_.AddGuardian(kGuardian, {kSchool});
    directory_.AddGuardian(kOtherFamily, {kSchool});
    directory_.AddGuardian("guardians/g-elsewhere", {"st-marys"});
    directory_.AddStaff("schools/st-marys/staff/s-01");
    directory_.SetHead(kSchool, "schools/kenilworth/staff/s-head");
    ASSERT_TRUE(gate_.Start(absl::Hours(1)).ok());
    recorder_ = std::make_unique<DecisionRecorder>(&store_);
    conduct_ = std::make_unique<ConductService>(&store_, &directory_, &gate_, recorder_.get(), nullptr, &clock_);

    keys_ = auth::testing::GenerateEcP256();
    auth::VerifierOptions vopts;
    vopts.public_keys_pem = {keys_.public_pem};
    vopts.issuer = "test";
    vopts.audience = "parley";
    verifier_ = *auth::Verifier::Create(vopts);
    signer_ = *auth::Signer::Create({keys_.private_pem, "test", "parley", nullptr});
    api_ = std::make_unique<ConductApi>(conduct_.get(), verifier_.get(), &clock_);
    grpc::ServerBuilder builder;
    builder.RegisterService(api_.get());
    server_ = builder.BuildAndStart();
    stub_ = v1::ConductService::NewStub(server_->InProcessChannel(grpc::ChannelArguments()));
  }

  void TearDown() override {
    server_->Shutdown();
    gate_.Stop();
  }

  std::string Token(const std::string& role, const std::string& school = kSchool) {
    return *signer_->Mint(auth::Principal{absl::StrCat("staff:", role), {role}, {school}}, absl::Hours(1));
  }

  // A guardian's own token: subject their resource name, schools their children's.
  std::string GuardianToken(const std::string& guardian, const std::string& school = kSchool) {
    return *signer_->Mint(auth::Principal{guardian, {"guardian"}, {school}}, absl::Hours(1));
  }
  std::string ServiceToken() {
    return *signer_->Mint(auth::Principal{"service:escalation", {"service"}, {}}, absl::Hours(1));
  }

  // Calls `method` on the stub with `token` ("" = none).
  template <typename Req, typename Resp, typename Method>
  Result Call(Method method, const Req& req, Resp* resp, const std::string& token) {
    grpc::ClientContext ctx;
    if (!token.empty()) ctx.AddMetadata("authorization", absl::StrCat("Bearer ", token));
    grpc::Status s = ((*stub_).*method)(&ctx, req, resp);
    Result r;
    r.code = s.error_code();
    auto it = ctx.GetServerTrailingMetadata().find(std::string(kErrorReasonMetadataKey));
    if (it != ctx.GetServerTrailingMetadata().end()) r.reason = std::string(it->second.data(), it->second.size());
    r.message = s.error_message();
    return r;
  }

  v1::CreateIncidentRequest NewIncident(const std::string& request_id) {
    v1::CreateIncidentRequest req;
    req.set_parent("schools/kenilworth");
    req.set_request_id(request_id);
    v1::Incident* i = req.mutable_incident();
    i->set_guardian(kGuardian);
    i->set_kind(v1::INCIDENT_KIND_SHOUTING);
    i->set_channel(v1::CHANNEL_IN_PERSON);
    *i->mutable_occur_time() = Ts(clock_.Now() - absl::Hours(1));
    return req;
  }

  v1::Incident CreateIncident(const std::string& request_id) {
    v1::Incident out;
    Result r = Call(&v1::ConductService::Stub::CreateIncident, NewIncident(request_id), &out, Token("senior_leader"));
    EXPECT_EQ(r.code, grpc::StatusCode::OK) << r.reason;
    return out;
  }

  v1::CheckCommunicationRequest Check(const std::string& request_id) {
    v1::CheckCommunicationRequest check;
    check.set_school("schools/kenilworth");
    check.set_guardian(kGuardian);
    check.set_channel(v1::CHANNEL_PHONE);
    *check.mutable_time() = Ts(clock_.Now());
    check.set_purpose(v1::PURPOSE_INBOUND_MESSAGE);
    check.set_request_id(request_id);
    return check;
  }

  v1::CreateArrangementRequest NewArrangement(const std::string& request_id) {
    v1::CreateArrangementRequest req;
    req.set_parent("schools/kenilworth");
    req.set_request_id(request_id);
    v1::Arrangement* a = req.mutable_arrangement();
    a->set_guardian(kGuardian);
    a->set_scope(v1::ARRANGEMENT_SCOPE_SCHOOL);
    a->mutable_terms()->add_allowed_channels(v1::CHANNEL_EMAIL);
    a->mutable_terms()->set_reasons("Abusive emails.");
    *a->mutable_start_time() = Ts(clock_.Now() - absl::Hours(24));
    a->set_review_date("2025-12-01");
    return req;
  }

  // A draft, created by the school's senior leader.
  v1::Arrangement Drafted(const std::string& request_id) {
    v1::Arrangement draft;
    Result r =
        Call(&v1::ConductService::Stub::CreateArrangement, NewArrangement(request_id), &draft, Token("senior_leader"));
    EXPECT_EQ(r.code, grpc::StatusCode::OK) << r.reason << " " << r.message;
    return draft;
  }

  // An arrangement issued (with its letter) by the school's senior leader.
  v1::Arrangement Issued(const std::string& create_id, const std::string& issue_id) {
    v1::IssueArrangementRequest issue;
    issue.set_name(Drafted(create_id).name());
    issue.set_request_id(issue_id);
    v1::Arrangement active;
    Result r = Call(&v1::ConductService::Stub::IssueArrangement, issue, &active, Token("senior_leader"));
    EXPECT_EQ(r.code, grpc::StatusCode::OK) << r.reason << " " << r.message;
    return active;
  }

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
  auth::testing::KeyPair keys_;
  std::unique_ptr<auth::Verifier> verifier_;
  std::unique_ptr<auth::Signer> signer_;
  std::unique_ptr<ConductApi> api_;
  std::unique_ptr<grpc::Server> server_;
  std::unique_ptr<v1::ConductService::Stub> stub_;
};

using Stub = v1::ConductService::Stub;

TEST_F(ConductApiTest, ACallWithoutATokenIsUnauthenticated) {
  v1::GetIncidentRequest get;
  get.set_name("schools/kenilworth/incidents/i-1");
  v1::Incident incident;
  Result r = Call(&Stub::GetIncident, get, &incident, "");
  EXPECT_EQ(r.code, grpc::StatusCode::UNAUTHENTICATED);
  EXPECT_EQ(r.reason, reason::kTokenMissing);
  v1::Decision decision;
  EXPECT_EQ(Call(&Stub::CheckCommunication, v1::CheckCommunicationRequest(), &decision, "not a token").code,
            grpc::StatusCode::UNAUTHENTICATED);
  EXPECT_EQ(store_.WriteCount(), 0);
}

TEST_F(ConductApiTest, AnotherSchoolIsPermissionDeniedBeforeExistence) {
  const v1::Incident existing = CreateIncident(kRequestA);
  const std::string outsider = Token("senior_leader", "st-marys");
  for (const std::string& name : {existing.name(), std::string("schools/kenilworth/incidents/i-missing")}) {
    v1::GetIncidentRequest get;
    get.set_name(name);
    v1::Incident out;
    Result r = Call(&Stub::GetIncident, get, &out, outsider);
    EXPECT_EQ(r.code, grpc::StatusCode::PERMISSION_DENIED) << name;
    EXPECT_EQ(r.reason, reason::kWrongSchool);
  }
  v1::GetArrangementRequest arrangement;
  arrangement.set_name("schools/kenilworth/arrangements/a-missing");
  v1::Arrangement a;
  EXPECT_EQ(Call(&Stub::GetArrangement, arrangement, &a, outsider).code, grpc::StatusCode::PERMISSION_DENIED);
  v1::GetLetterRequest letter;
  letter.set_name("schools/kenilworth/letters/l-missing");
  v1::Letter l;
  EXPECT_EQ(Call(&Stub::GetLetter, letter, &l, outsider).code, grpc::StatusCode::PERMISSION_DENIED);
  v1::ListDecisionsRequest decisions;
  decisions.set_parent("schools/kenilworth");
  v1::ListDecisionsResponse listed;
  EXPECT_EQ(Call(&Stub::ListDecisions, decisions, &listed, outsider).code, grpc::StatusCode::PERMISSION_DENIED);
  v1::CreateIncidentRequest create = NewIncident(kRequestB);
  v1::Incident created;
  EXPECT_EQ(Call(&Stub::CreateIncident, create, &created, outsider).code, grpc::StatusCode::PERMISSION_DENIED);
  v1::Decision d;
  EXPECT_EQ(Call(&Stub::CheckCommunication, Check(kRequestA), &d, outsider).code, grpc::StatusCode::PERMISSION_DENIED);
  EXPECT_EQ(StoredDecisions(), 0);
  // A teacher of the school may not create an arrangement.
  v1::Arrangement draft;
  Result teacher = Call(&Stub::CreateArrangement, NewArrangement(kRequestB), &draft, Token("teacher"));
  EXPECT_EQ(teacher.code, grpc::StatusCode::PERMISSION_DENIED);
  EXPECT_EQ(teacher.reason, reason::kRoleRequired);
  EXPECT_EQ(store_.WriteCount(), 1);
}

TEST_F(ConductApiTest, AMissingRecordOfTheCallersSchoolIsNotFound) {
  v1::GetIncidentRequest get;
  get.set_name("schools/kenilworth/incidents/i-missing");
  v1::Incident out;
  Result r = Call(&Stub::GetIncident, get, &out, Token("office"));
  EXPECT_EQ(r.code, grpc::StatusCode::NOT_FOUND);
  EXPECT_EQ(r.reason, reason::kIncidentNotFound);
  v1::GetPremisesBanRequest ban;
  ban.set_name("schools/kenilworth/premisesBans/b-missing");
  v1::PremisesBan b;
  EXPECT_EQ(Call(&Stub::GetPremisesBan, ban, &b, Token("office")).reason, reason::kPremisesBanNotFound);
  v1::IssueArrangementRequest issue;
  issue.set_name("schools/kenilworth/arrangements/a-missing");
  issue.set_request_id(kRequestA);
  v1::Arrangement a;
  EXPECT_EQ(Call(&Stub::IssueArrangement, issue, &a, Token("senior_leader")).code, grpc::StatusCode::NOT_FOUND);
}

TEST_F(ConductApiTest, BadNamesAreInvalidArgument) {
  for (const char* name : {"incidents/i-1", "schools/Kenilworth/incidents/i-1", "schools/kenilworth/letters/l-1",
                           "schools/kenilworth/incidents/i-1/extra"}) {
    v1::GetIncidentRequest get;
    get.set_name(name);
    v1::Incident out;
    Result r = Call(&Stub::GetIncident, get, &out, Token("office"));
    EXPECT_EQ(r.code, grpc::StatusCode::INVALID_ARGUMENT) << name;
    EXPECT_EQ(r.reason, reason::kInvalidName) << name;
  }
  v1::ListIncidentsRequest list;
  list.set_parent("schools/kenilworth");
  list.set_guardian("g-00042");
  v1::ListIncidentsResponse listed;
  EXPECT_EQ(Call(&Stub::ListIncidents, list, &listed, Token("office")).reason, reason::kInvalidName);
  v1::CreateIncidentRequest create = NewIncident(kRequestA);
  create.mutable_incident()->set_guardian("guardian-42");
  v1::Incident created;
  EXPECT_EQ(Call(&Stub::CreateIncident, create, &created, Token("office")).reason, reason::kInvalidName);
  EXPECT_EQ(store_.WriteCount(), 0);
}

TEST_F(ConductApiTest, PageTokensContinueOnlyTheListTheyCameFrom) {
  CreateIncident(kRequestA);
  CreateIncident(kRequestB);
  CreateIncident("0b7c1d2e-3f40-4a51-8b62-7c83d94ea5f8");
  v1::ListIncidentsRequest list;
  list.set_parent("schools/kenilworth");
  list.set_page_size(2);
  v1::ListIncidentsResponse first;
  ASSERT_EQ(Call(&Stub::ListIncidents, list, &first, Token("office")).code, grpc::StatusCode::OK);
  EXPECT_EQ(first.incidents_size(), 2);
  ASSERT_FALSE(first.next_page_token().empty());
  list.set_page_token(first.next_page_token());
  v1::ListIncidentsResponse second;
  ASSERT_EQ(Call(&Stub::ListIncidents, list, &second, Token("office")).code, grpc::StatusCode::OK);
  EXPECT_EQ(second.incidents_size(), 1);
  EXPECT_TRUE(second.next_page_token().empty());

  // The same token with other filters, another list's token, or garbage: refused.
  list.set_guardian(kGuardian);
  v1::ListIncidentsResponse refused;
  Result r = Call(&Stub::ListIncidents, list, &refused, Token("office"));
  EXPECT_EQ(r.code, grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_EQ(r.reason, reason::kInvalidPageToken);
  v1::ListLettersRequest letters;
  letters.set_parent("schools/kenilworth");
  letters.set_page_token(first.next_page_token());
  v1::ListLettersResponse l;
  EXPECT_EQ(Call(&Stub::ListLetters, letters, &l, Token("office")).reason, reason::kInvalidPageToken);
  list.clear_guardian();
  list.set_page_token("garbage");
  EXPECT_EQ(Call(&Stub::ListIncidents, list, &refused, Token("office")).reason, reason::kInvalidPageToken);
  list.set_page_token("");
  list.set_page_size(-1);
  EXPECT_EQ(Call(&Stub::ListIncidents, list, &refused, Token("office")).code, grpc::StatusCode::INVALID_ARGUMENT);
}

TEST_F(ConductApiTest, UpdateMasksNameRealUpdatableFields) {
  const v1::Incident incident = CreateIncident(kRequestA);
  const int64_t writes = store_.WriteCount();
  auto update = [&](const std::string& path, const std::string& request_id) {
    v1::UpdateIncidentRequest req;
    *req.mutable_incident() = incident;
    req.mutable_incident()->set_description_ref("case-file/17");
    req.mutable_incident()->set_kind(v1::INCIDENT_KIND_THREATENING);
    if (!path.empty()) req.mutable_update_mask()->add_paths(path);
    req.set_request_id(request_id);
    v1::Incident out;
    Result r = Call(&Stub::UpdateIncident, req, &out, Token("senior_leader"));
    return std::make_pair(r, out);
  };
  for (const char* path : {"description_ref.inner", "reason.inner", "reason", "guardian", "name"}) {
    Result r = update(path, kRequestB).first;
    EXPECT_EQ(r.code, grpc::StatusCode::INVALID_ARGUMENT) << path;
    EXPECT_EQ(r.reason, reason::kInvalidUpdateMask) << path;
  }
  EXPECT_EQ(update("", kRequestB).first.reason, reason::kUpdateMaskRequired);
  EXPECT_EQ(store_.WriteCount(), writes);

  auto [ok, updated] = update("description_ref", kRequestB);
  ASSERT_EQ(ok.code, grpc::StatusCode::OK) << ok.reason;
  EXPECT_EQ(updated.description_ref(), "case-file/17");
  EXPECT_EQ(updated.kind(), v1::INCIDENT_KIND_SHOUTING);  // not in the mask: unchanged
  EXPECT_NE(updated.etag(), incident.etag());

  // A nested path changes only what it names.
  v1::Arrangement draft;
  ASSERT_EQ(Call(&Stub::CreateArrangement, NewArrangement(kRequestA), &draft, Token("senior_leader")).code,
            grpc::StatusCode::OK);
  v1::UpdateArrangementRequest req;
  req.mutable_arrangement()->set_name(draft.name());
  req.mutable_arrangement()->mutable_terms()->set_reasons("Abusive emails and calls.");
  req.mutable_update_mask()->add_paths("terms.reasons");
  req.set_request_id(kRequestB);
  v1::Arrangement patched;
  Result r = Call(&Stub::UpdateArrangement, req, &patched, Token("senior_leader"));
  ASSERT_EQ(r.code, grpc::StatusCode::OK) << r.reason;
  EXPECT_EQ(patched.terms().reasons(), "Abusive emails and calls.");
  ASSERT_EQ(patched.terms().allowed_channels_size(), 1);
  EXPECT_EQ(patched.terms().allowed_channels(0), v1::CHANNEL_EMAIL);
  req.mutable_update_mask()->set_paths(0, "terms.reasons.inner");
  EXPECT_EQ(Call(&Stub::UpdateArrangement, req, &patched, Token("senior_leader")).reason, reason::kInvalidUpdateMask);
}

TEST_F(ConductApiTest, ARetriedWriteReturnsTheFirstResponse) {
  const v1::Incident first = CreateIncident(kRequestA);
  const v1::Incident again = CreateIncident(kRequestA);
  EXPECT_EQ(again.name(), first.name());
  EXPECT_EQ(store_.WriteCount(), 1);
  v1::CreateIncidentRequest other = NewIncident(kRequestA);
  other.mutable_incident()->set_kind(v1::INCIDENT_KIND_DAMAGE);
  v1::Incident out;
  Result reused = Call(&Stub::CreateIncident, other, &out, Token("senior_leader"));
  EXPECT_EQ(reused.code, grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_EQ(reused.reason, reason::kRequestIdReused);
  Result bad = Call(&Stub::CreateIncident, NewIncident("not-a-uuid"), &out, Token("senior_leader"));
  EXPECT_EQ(bad.code, grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_EQ(bad.reason, reason::kRequestIdInvalid);
  EXPECT_EQ(store_.WriteCount(), 1);
}

TEST_F(ConductApiTest, AnArrangementWithoutItsRequiredTermsIsRefusedAndNothingWritten) {
  v1::CreateArrangementRequest no_terms = NewArrangement(kRequestA);
  no_terms.mutable_arrangement()->clear_terms();
  v1::Arrangement out;
  Result r = Call(&Stub::CreateArrangement, no_terms, &out, Token("senior_leader"));
  EXPECT_EQ(r.code, grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_EQ(r.reason, reason::kInvalidField);

  // Terms that limit nothing make a draft, but it cannot be issued.
  v1::CreateArrangementRequest unlimited = NewArrangement(kRequestB);
  unlimited.mutable_arrangement()->mutable_terms()->clear_allowed_channels();
  ASSERT_EQ(Call(&Stub::CreateArrangement, unlimited, &out, Token("senior_leader")).code, grpc::StatusCode::OK);
  v1::IssueArrangementRequest issue;
  issue.set_name(out.name());
  issue.set_request_id(kRequestA);
  v1::Arrangement issued;
  r = Call(&Stub::IssueArrangement, issue, &issued, Token("senior_leader"));
  EXPECT_EQ(r.code, grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_EQ(r.reason, reason::kInvalidArrangement);
  v1::TightenArrangementRequest tighten;
  tighten.set_name(out.name());
  tighten.set_breach_incident("schools/kenilworth/incidents/i-1");
  tighten.set_request_id(kRequestB);
  r = Call(&Stub::TightenArrangement, tighten, &issued, Token("senior_leader"));
  EXPECT_EQ(r.code, grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_EQ(store_.WriteCount(), 1);
  EXPECT_TRUE(store_.Outbox().empty());
}

TEST_F(ConductApiTest, AKeyedCheckIsOneDecision) {
  v1::CheckCommunicationRequest check = Check(kRequestA);
  const std::string service = *signer_->Mint(auth::Principal{"service:escalation", {"service"}, {}}, absl::Hours(1));
  v1::Decision first, again;
  ASSERT_EQ(Call(&Stub::CheckCommunication, check, &first, service).code, grpc::StatusCode::OK);
  ASSERT_EQ(Call(&Stub::CheckCommunication, check, &again, service).code, grpc::StatusCode::OK);
  EXPECT_EQ(again.name(), first.name());
  EXPECT_EQ(StoredDecisions(), 1);
  check.set_request_id("");
  ASSERT_EQ(Call(&Stub::CheckCommunication, check, &again, service).code, grpc::StatusCode::OK);
  EXPECT_NE(again.name(), first.name());
  EXPECT_EQ(StoredDecisions(), 2);
  check.set_request_id("nope");
  Result bad = Call(&Stub::CheckCommunication, check, &again, service);
  EXPECT_EQ(bad.code, grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_EQ(bad.reason, reason::kRequestIdInvalid);
  EXPECT_EQ(StoredDecisions(), 2);
}

// ---- who sees what (services/conduct/README.md, "Access") -------------------------------------

TEST_F(ConductApiTest, AGuardianReadsTheirOwnRecordsWithoutStaffInternalFields) {
  const v1::Arrangement active = Issued(kRequestA, kRequestB);
  ASSERT_FALSE(active.issued_by().empty());
  const v1::Incident incident = CreateIncident(kRequestC);
  v1::CreatePremisesBanRequest ban_req;
  ban_req.set_parent("schools/kenilworth");
  ban_req.set_request_id(kRequestD);
  ban_req.mutable_premises_ban()->set_guardian(kGuardian);
  ban_req.mutable_premises_ban()->set_scope(v1::PREMISES_BAN_SCOPE_SITE);
  *ban_req.mutable_premises_ban()->mutable_start_time() = Ts(clock_.Now());
  ban_req.mutable_premises_ban()->set_reason("Shouted at the head at the gate.");
  ban_req.mutable_premises_ban()->set_incident(incident.name());
  v1::PremisesBan ban;
  ASSERT_EQ(Call(&Stub::CreatePremisesBan, ban_req, &ban, Token("senior_leader")).code, grpc::StatusCode::OK);
  v1::Decision decision;
  ASSERT_EQ(Call(&Stub::CheckCommunication, Check(kRequestA), &decision, ServiceToken()).code, grpc::StatusCode::OK);
  const std::string mine = GuardianToken(kGuardian);

  v1::GetArrangementRequest get;
  get.set_name(active.name());
  v1::Arrangement a;
  Result r = Call(&Stub::GetArrangement, get, &a, mine);
  ASSERT_EQ(r.code, grpc::StatusCode::OK) << r.reason << " " << r.message;
  EXPECT_EQ(a.guardian(), kGuardian);
  EXPECT_EQ(a.terms().reasons(), "Abusive emails.");  // the letter states them
  EXPECT_FALSE(a.letter().empty());
  EXPECT_TRUE(a.issued_by().empty());
  // Staff see who issued it.
  ASSERT_EQ(Call(&Stub::GetArrangement, get, &a, Token("office")).code, grpc::StatusCode::OK);
  EXPECT_EQ(a.issued_by(), active.issued_by());

  v1::ListArrangementsRequest list;
  list.set_parent("schools/kenilworth");
  v1::ListArrangementsResponse listed;
  ASSERT_EQ(Call(&Stub::ListArrangements, list, &listed, mine).code, grpc::StatusCode::OK);
  ASSERT_EQ(listed.arrangements_size(), 1);
  EXPECT_TRUE(listed.arrangements(0).issued_by().empty());
  v1::ListGuardianArrangementsRequest own;
  own.set_guardian(kGuardian);
  v1::ListGuardianArrangementsResponse in_force;
  ASSERT_EQ(Call(&Stub::ListGuardianArrangements, own, &in_force, mine).code, grpc::StatusCode::OK);
  ASSERT_EQ(in_force.arrangements_size(), 1);
  EXPECT_TRUE(in_force.arrangements(0).issued_by().empty());
  v1::ListArrangementRevisionsRequest revisions_req;
  revisions_req.set_name(active.name());
  v1::ListArrangementRevisionsResponse revisions;
  ASSERT_EQ(Call(&Stub::ListArrangementRevisions, revisions_req, &revisions, mine).code, grpc::StatusCode::OK);
  ASSERT_EQ(revisions.revisions_size(), 1);
  EXPECT_TRUE(revisions.revisions(0).issued_by().empty());

  v1::ListLettersRequest letters_req;
  letters_req.set_parent("schools/kenilworth");
  v1::ListLettersResponse letters;
  ASSERT_EQ(Call(&Stub::ListLetters, letters_req, &letters, mine).code, grpc::StatusCode::OK);
  ASSERT_EQ(letters.letters_size(), 1);
  EXPECT_EQ(letters.letters(0).name(), active.letter());
  v1::GetLetterRequest letter_req;
  letter_req.set_name(active.letter());
  v1::Letter letter;
  EXPECT_EQ(Call(&Stub::GetLetter, letter_req, &letter, mine).code, grpc::StatusCode::OK);

  v1::ListDecisionsRequest decisions_req;
  decisions_req.set_parent("schools/kenilworth");
  decisions_req.set_guardian(kGuardian);
  v1::ListDecisionsResponse decisions;
  ASSERT_EQ(Call(&Stub::ListDecisions, decisions_req, &decisions, mine).code, grpc::StatusCode::OK);
  ASSERT_EQ(decisions.decisions_size(), 1);
  EXPECT_TRUE(decisions.decisions(0).asked_by().empty());
  v1::GetDecisionRequest decision_req;
  decision_req.set_name(decision.name());
  v1::Decision d;
  ASSERT_EQ(Call(&Stub::GetDecision, decision_req, &d, mine).code, grpc::StatusCode::OK);
  EXPECT_EQ(d.outcome(), decision.outcome());
  EXPECT_TRUE(d.asked_by().empty());

  v1::GetPremisesBanRequest ban_get;
  ban_get.set_name(ban.name());
  v1::PremisesBan b;
  ASSERT_EQ(Call(&Stub::GetPremisesBan, ban_get, &b, mine).code, grpc::StatusCode::OK);
  EXPECT_EQ(b.scope(), v1::PREMISES_BAN_SCOPE_SITE);
  EXPECT_TRUE(b.reason().empty());
  EXPECT_TRUE(b.incident().empty());
  EXPECT_TRUE(b.issued_by().empty());
}

TEST_F(ConductApiTest, AnotherFamilysRecordIsTheSameAnswerAsNoRecord) {
  const v1::Arrangement active = Issued(kRequestA, kRequestB);
  v1::Decision decision;
  ASSERT_EQ(Call(&Stub::CheckCommunication, Check(kRequestA), &decision, ServiceToken()).code, grpc::StatusCode::OK);
  const std::string other = GuardianToken(kOtherFamily);

  // Get: NOT_FOUND, the reason and words of a record that does not exist.
  auto same_as_missing = [&](auto method, auto req, auto resp, const std::string& name, const std::string& missing) {
    req.set_name(name);
    Result theirs = Call(method, req, &resp, other);
    req.set_name(missing);
    Result none = Call(method, req, &resp, other);
    EXPECT_EQ(theirs.code, grpc::StatusCode::NOT_FOUND) << name;
    EXPECT_EQ(theirs.code, none.code) << name;
    EXPECT_EQ(theirs.reason, none.reason) << name;
    EXPECT_EQ(Words(theirs.message, name.substr(name.rfind('/') + 1)),
              Words(none.message, missing.substr(missing.rfind('/') + 1)))
        << name;
  };
  same_as_missing(&Stub::GetArrangement, v1::GetArrangementRequest(), v1::Arrangement(), active.name(),
                  "schools/kenilworth/arrangements/a-missing");
  same_as_missing(&Stub::GetLetter, v1::GetLetterRequest(), v1::Letter(), active.letter(),
                  "schools/kenilworth/letters/l-missing");
  same_as_missing(&Stub::GetDecision, v1::GetDecisionRequest(), v1::Decision(), decision.name(),
                  "schools/kenilworth/decisions/d-missing");
  same_as_missing(&Stub::ListArrangementRevisions, v1::ListArrangementRevisionsRequest(),
                  v1::ListArrangementRevisionsResponse(), active.name(), "schools/kenilworth/arrangements/a-missing");
  // A draft is the school's working paper: not found for the guardian it is about, too.
  const v1::Arrangement draft = Drafted(kRequestC);
  v1::GetArrangementRequest get;
  get.set_name(draft.name());
  v1::Arrangement a;
  EXPECT_EQ(Call(&Stub::GetArrangement, get, &a, GuardianToken(kGuardian)).reason, reason::kArrangementNotFound);

  // Lists: only their own; naming another guardian is refused.
  v1::ListLettersRequest letters_req;
  letters_req.set_parent("schools/kenilworth");
  v1::ListLettersResponse letters;
  ASSERT_EQ(Call(&Stub::ListLetters, letters_req, &letters, other).code, grpc::StatusCode::OK);
  EXPECT_EQ(letters.letters_size(), 0);
  letters_req.set_guardian(kGuardian);
  Result named = Call(&Stub::ListLetters, letters_req, &letters, other);
  EXPECT_EQ(named.code, grpc::StatusCode::PERMISSION_DENIED);
  EXPECT_EQ(named.reason, reason::kWrongGuardian);
  v1::ListArrangementsRequest list;
  list.set_parent("schools/kenilworth");
  v1::ListArrangementsResponse listed;
  ASSERT_EQ(Call(&Stub::ListArrangements, list, &listed, other).code, grpc::StatusCode::OK);
  EXPECT_EQ(listed.arrangements_size(), 0);
  v1::ListDecisionsRequest decisions_req;
  decisions_req.set_parent("schools/kenilworth");
  decisions_req.set_guardian(kGuardian);
  v1::ListDecisionsResponse decisions;
  EXPECT_EQ(Call(&Stub::ListDecisions, decisions_req, &decisions, other).reason, reason::kWrongGuardian);
  v1::ListGuardianArrangementsRequest theirs;
  theirs.set_guardian(kGuardian);
  v1::ListGuardianArrangementsResponse in_force;
  EXPECT_EQ(Call(&Stub::ListGuardianArrangements, theirs, &in_force, other).reason, reason::kWrongGuardian);

  // A decision taken on a safeguarding concern is the school's alone.
  v1::CheckCommunicationRequest concern = Check(kRequestB);
  concern.set_safeguarding(true);
  v1::Decision safeguarding;
  ASSERT_EQ(Call(&Stub::CheckCommunication, concern, &safeguarding, ServiceToken()).code, grpc::StatusCode::OK);
  v1::GetDecisionRequest get_decision;
  get_decision.set_name(safeguarding.name());
  v1::Decision d;
  EXPECT_EQ(Call(&Stub::GetDecision, get_decision, &d, GuardianToken(kGuardian)).code, grpc::StatusCode::NOT_FOUND);
  decisions_req.clear_guardian();
  ASSERT_EQ(Call(&Stub::ListDecisions, decisions_req, &decisions, GuardianToken(kGuardian)).code, grpc::StatusCode::OK);
  ASSERT_EQ(decisions.decisions_size(), 1);
  EXPECT_EQ(decisions.decisions(0).name(), decision.name());
}

TEST_F(ConductApiTest, AGuardianIsRefusedIncidentsStatsAndChanges) {
  const v1::Incident incident = CreateIncident(kRequestA);
  const std::string mine = GuardianToken(kGuardian);
  v1::GetIncidentRequest get;
  get.set_name(incident.name());
  v1::Incident i;
  Result r = Call(&Stub::GetIncident, get, &i, mine);
  EXPECT_EQ(r.code, grpc::StatusCode::PERMISSION_DENIED);
  EXPECT_EQ(r.reason, reason::kRoleRequired);
  v1::ListIncidentsRequest list;
  list.set_parent("schools/kenilworth");
  v1::ListIncidentsResponse listed;
  EXPECT_EQ(Call(&Stub::ListIncidents, list, &listed, mine).reason, reason::kRoleRequired);
  v1::GetSchoolStatsRequest stats_req;
  stats_req.set_school("schools/kenilworth");
  *stats_req.mutable_start_time() = Ts(clock_.Now() - absl::Hours(24));
  *stats_req.mutable_end_time() = Ts(clock_.Now());
  v1::SchoolStats stats;
  EXPECT_EQ(Call(&Stub::GetSchoolStats, stats_req, &stats, mine).reason, reason::kRoleRequired);
  v1::Incident created;
  EXPECT_EQ(Call(&Stub::CreateIncident, NewIncident(kRequestB), &created, mine).reason, reason::kRoleRequired);
  v1::Arrangement draft;
  EXPECT_EQ(Call(&Stub::CreateArrangement, NewArrangement(kRequestB), &draft, mine).reason, reason::kRoleRequired);
  EXPECT_EQ(store_.WriteCount(), 1);
}

TEST_F(ConductApiTest, ATeacherRecordsIncidentsAndChecksButReadsNoConductRecords) {
  const std::string teacher = Token("teacher");
  v1::Incident created;
  Result r = Call(&Stub::CreateIncident, NewIncident(kRequestA), &created, teacher);
  ASSERT_EQ(r.code, grpc::StatusCode::OK) << r.reason << " " << r.message;
  EXPECT_EQ(created.reported_by(), "staff:teacher");
  // Recording the outcome is a senior leader's.
  v1::CreateIncidentRequest decided = NewIncident(kRequestB);
  decided.mutable_incident()->set_outcome(v1::INCIDENT_OUTCOME_WARNING_GIVEN);
  r = Call(&Stub::CreateIncident, decided, &created, teacher);
  EXPECT_EQ(r.code, grpc::StatusCode::PERMISSION_DENIED);
  EXPECT_EQ(r.reason, reason::kRoleRequired);
  EXPECT_EQ(Call(&Stub::CreateIncident, decided, &created, Token("dsl")).code, grpc::StatusCode::OK);

  v1::Decision decision;
  r = Call(&Stub::CheckCommunication, Check(kRequestA), &decision, teacher);
  ASSERT_EQ(r.code, grpc::StatusCode::OK) << r.reason << " " << r.message;
  EXPECT_EQ(decision.asked_by(), "staff:teacher");
  EXPECT_EQ(StoredDecisions(), 1);

  v1::GetIncidentRequest get;
  get.set_name(created.name());
  v1::Incident i;
  EXPECT_EQ(Call(&Stub::GetIncident, get, &i, teacher).reason, reason::kRoleRequired);
  v1::GetDecisionRequest get_decision;
  get_decision.set_name(decision.name());
  v1::Decision d;
  EXPECT_EQ(Call(&Stub::GetDecision, get_decision, &d, teacher).reason, reason::kRoleRequired);
  v1::ListArrangementsRequest arrangements;
  arrangements.set_parent("schools/kenilworth");
  v1::ListArrangementsResponse listed;
  EXPECT_EQ(Call(&Stub::ListArrangements, arrangements, &listed, teacher).reason, reason::kRoleRequired);
  v1::ListLettersRequest letters;
  letters.set_parent("schools/kenilworth");
  v1::ListLettersResponse l;
  EXPECT_EQ(Call(&Stub::ListLetters, letters, &l, teacher).reason, reason::kRoleRequired);
  v1::GetSchoolStatsRequest stats_req;
  stats_req.set_school("schools/kenilworth");
  *stats_req.mutable_start_time() = Ts(clock_.Now() - absl::Hours(24));
  *stats_req.mutable_end_time() = Ts(clock_.Now());
  v1::SchoolStats stats;
  EXPECT_EQ(Call(&Stub::GetSchoolStats, stats_req, &stats, teacher).reason, reason::kRoleRequired);
  EXPECT_EQ(Call(&Stub::GetSchoolStats, stats_req, &stats, Token("office")).code, grpc::StatusCode::OK);
}

TEST_F(ConductApiTest, TheFiguresCountArrangementsPastReviewAndNameTheRelease) {
  absl::TimeZone london;
  absl::LoadTimeZone("Europe/London", &london);
  Issued(kRequestA, kRequestB);  // reviewed on 2025-12-01
  v1::GetSchoolStatsRequest req;
  req.set_school("schools/kenilworth");
  auto stats_over = [&](absl::Time start, absl::Time end) {
    *req.mutable_start_time() = Ts(start);
    *req.mutable_end_time() = Ts(end);
    v1::SchoolStats stats;
    const Result r = Call(&Stub::GetSchoolStats, req, &stats, Token("office"));
    EXPECT_EQ(r.code, grpc::StatusCode::OK) << r.reason << " " << r.message;
    return stats;
  };
  v1::SchoolStats stats = stats_over(clock_.Now() - absl::Hours(24), clock_.Now() + absl::Hours(24));
  EXPECT_EQ(stats.arrangements_active(), 1);
  EXPECT_EQ(stats.arrangements_past_review(), 0);
  EXPECT_FALSE(stats.version().empty());
  EXPECT_EQ(stats.version(), BuildVersion());

  // The review date has gone by and nobody has continued or ended it.
  clock_.Set(absl::FromCivil(absl::CivilSecond(2025, 12, 2, 9, 0, 0), london));
  stats = stats_over(clock_.Now() - absl::Hours(24), clock_.Now() + absl::Hours(24));
  EXPECT_EQ(stats.arrangements_past_review(), 1);
  // A period that closed on the review date itself: not past it then.
  const absl::Time review_evening = absl::FromCivil(absl::CivilSecond(2025, 12, 1, 18, 0, 0), london);
  stats = stats_over(review_evening - absl::Hours(24), review_evening);
  EXPECT_EQ(stats.arrangements_past_review(), 0);
}

TEST_F(ConductApiTest, ATeachersCheckSaysWhatTheyMayDoButNamesNoArrangement) {
  const v1::Arrangement active = Issued(kRequestA, kRequestB);
  v1::Decision for_office, for_teacher;
  ASSERT_EQ(Call(&Stub::CheckCommunication, Check(kRequestC), &for_office, Token("office")).code, grpc::StatusCode::OK);
  EXPECT_EQ(for_office.arrangement(), active.name());
  ASSERT_GT(for_office.verdicts_size(), 0);
  Result r = Call(&Stub::CheckCommunication, Check(kRequestD), &for_teacher, Token("teacher"));
  ASSERT_EQ(r.code, grpc::StatusCode::OK) << r.reason << " " << r.message;
  EXPECT_EQ(for_teacher.outcome(), for_office.outcome());
  EXPECT_EQ(for_teacher.allowed_channels_size(), for_office.allowed_channels_size());
  EXPECT_FALSE(for_teacher.explanation().empty());
  EXPECT_TRUE(for_teacher.arrangement().empty());
  EXPECT_EQ(for_teacher.arrangement_version(), 0);
  EXPECT_EQ(for_teacher.verdicts_size(), 0);
}

TEST_F(ConductApiTest, AGuardiansOwnCheckIsAnsweredButNotStored) {
  Issued(kRequestA, kRequestB);
  const std::string mine = GuardianToken(kGuardian);
  v1::CheckCommunicationRequest check = Check("");
  v1::Decision answer;
  Result r = Call(&Stub::CheckCommunication, check, &answer, mine);
  ASSERT_EQ(r.code, grpc::StatusCode::OK) << r.reason << " " << r.message;
  EXPECT_EQ(answer.outcome(), v1::OUTCOME_REDIRECT);  // phone; the arrangement allows email only
  ASSERT_EQ(answer.allowed_channels_size(), 1);
  EXPECT_EQ(answer.allowed_channels(0), v1::CHANNEL_EMAIL);
  EXPECT_TRUE(answer.name().empty());
  EXPECT_TRUE(answer.asked_by().empty());
  check.set_request_id(kRequestC);  // accepted, and still nothing stored
  ASSERT_EQ(Call(&Stub::CheckCommunication, check, &answer, mine).code, grpc::StatusCode::OK);
  EXPECT_EQ(StoredDecisions(), 0);

  // About someone else, or with a staff judgement: refused.
  check.set_guardian(kOtherFamily);
  r = Call(&Stub::CheckCommunication, check, &answer, mine);
  EXPECT_EQ(r.code, grpc::StatusCode::PERMISSION_DENIED);
  EXPECT_EQ(r.reason, reason::kWrongGuardian);
  check.set_guardian(kGuardian);
  check.set_safeguarding(true);
  EXPECT_EQ(Call(&Stub::CheckCommunication, check, &answer, mine).reason, reason::kRoleRequired);
  check.set_safeguarding(false);
  check.set_marked_abusive(true);
  EXPECT_EQ(Call(&Stub::CheckCommunication, check, &answer, mine).reason, reason::kRoleRequired);
  EXPECT_EQ(StoredDecisions(), 0);
}

TEST_F(ConductApiTest, AddressedToStaffOfAnotherSchoolOrNoneIsRefusedAndNothingStored) {
  v1::CheckCommunicationRequest check = Check(kRequestA);
  check.set_addressed_to("schools/st-marys/staff/s-01");
  v1::Decision d;
  Result r = Call(&Stub::CheckCommunication, check, &d, ServiceToken());
  EXPECT_EQ(r.code, grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_EQ(r.reason, reason::kInvalidField);
  check.set_addressed_to("schools/kenilworth/staff/s-nobody");
  r = Call(&Stub::CheckCommunication, check, &d, Token("office"));
  EXPECT_EQ(r.code, grpc::StatusCode::NOT_FOUND);
  EXPECT_EQ(r.reason, reason::kStaffNotFound);
  check.set_addressed_to("schools/st-marys/staff/s-01");
  EXPECT_EQ(Call(&Stub::CheckCommunication, check, &d, GuardianToken(kGuardian)).code,
            grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_EQ(StoredDecisions(), 0);
  check.set_addressed_to("schools/kenilworth/staff/s-head");
  EXPECT_EQ(Call(&Stub::CheckCommunication, check, &d, ServiceToken()).code, grpc::StatusCode::OK);
  EXPECT_EQ(StoredDecisions(), 1);
}

TEST_F(ConductApiTest, AGuardianElsewhereAndAMissingGuardianGetTheSameAnswer) {
  auto same = [&](auto method, auto req, auto resp, auto set_guardian) {
    set_guardian(req, "guardians/g-elsewhere");
    Result elsewhere = Call(method, req, &resp, Token("senior_leader"));
    set_guardian(req, "guardians/g-nobody");
    Result missing = Call(method, req, &resp, Token("senior_leader"));
    EXPECT_EQ(elsewhere.code, grpc::StatusCode::NOT_FOUND);
    EXPECT_EQ(elsewhere.reason, reason::kGuardianNotFound);
    EXPECT_EQ(missing.code, elsewhere.code);
    EXPECT_EQ(missing.reason, elsewhere.reason);
    EXPECT_EQ(Words(missing.message, "g-nobody"), Words(elsewhere.message, "g-elsewhere"));
  };
  same(&Stub::CheckCommunication, Check(kRequestA), v1::Decision(),
       [](v1::CheckCommunicationRequest& r, const char* g) { r.set_guardian(g); });
  same(&Stub::CreateIncident, NewIncident(kRequestA), v1::Incident(),
       [](v1::CreateIncidentRequest& r, const char* g) { r.mutable_incident()->set_guardian(g); });
  same(&Stub::CreateArrangement, NewArrangement(kRequestA), v1::Arrangement(),
       [](v1::CreateArrangementRequest& r, const char* g) { r.mutable_arrangement()->set_guardian(g); });
  EXPECT_EQ(store_.WriteCount(), 0);
  EXPECT_EQ(StoredDecisions(), 0);
}

TEST_F(ConductApiTest, OnlyTrustAdministratorsMakeTrustWideArrangements) {
  v1::CreateArrangementRequest trust_wide = NewArrangement(kRequestA);
  trust_wide.mutable_arrangement()->set_scope(v1::ARRANGEMENT_SCOPE_TRUST);
  v1::Arrangement out;
  Result r = Call(&Stub::CreateArrangement, trust_wide, &out, Token("senior_leader"));
  EXPECT_EQ(r.code, grpc::StatusCode::PERMISSION_DENIED);
  EXPECT_EQ(r.reason, reason::kRoleRequired);
  const std::string admin = *signer_->Mint(auth::Principal{"staff:admin", {"trust_admin"}, {}}, absl::Hours(1));
  r = Call(&Stub::CreateArrangement, trust_wide, &out, admin);
  ASSERT_EQ(r.code, grpc::StatusCode::OK) << r.reason << " " << r.message;
  // The school's senior leader may read it but not change it.
  v1::EndArrangementRequest end;
  end.set_name(out.name());
  end.set_request_id(kRequestB);
  v1::Arrangement ended;
  EXPECT_EQ(Call(&Stub::EndArrangement, end, &ended, Token("senior_leader")).reason, reason::kRoleRequired);
  v1::GetArrangementRequest get;
  get.set_name(out.name());
  EXPECT_EQ(Call(&Stub::GetArrangement, get, &ended, Token("senior_leader")).code, grpc::StatusCode::OK);
}

}  // namespace
}  // namespace parley::conduct

namespace parley::conduct {
namespace {

// The school's incident notice rules, visible on the incident: whom it was referred to and why.
TEST_F(ConductApiTest, AnIncidentShowsWhomThePolicyReferredItTo) {
  IncidentNoticeRule line;
  line.channels = {Channel::kPhone};
  line.reporter_line_manager = true;
  line.immediate = true;
  IncidentNoticeRule chair;
  chair.named = {
      {"schools/kenilworth/externalContacts/chair-of-governors", ReferralBasis::kExternalContact, "", false}};
  directory_.SetIncidentNotices(kSchool, {line, chair});
  directory_.SetLineManager("schools/kenilworth/staff/s-teach", "schools/kenilworth/staff/s-hoy");

  const std::string teacher =
      *signer_->Mint(auth::Principal{"schools/kenilworth/staff/s-teach", {"teacher"}, {kSchool}}, absl::Hours(1));
  v1::CreateIncidentRequest req = NewIncident(kRequestA);
  req.mutable_incident()->set_channel(v1::CHANNEL_PHONE);
  // Output only: what a caller sends here is not what the policy decides.
  req.mutable_incident()->add_referrals()->set_recipient("schools/kenilworth/staff/s-01");
  v1::Incident created;
  Result r = Call(&Stub::CreateIncident, req, &created, teacher);
  ASSERT_EQ(r.code, grpc::StatusCode::OK) << r.reason << " " << r.message;
  ASSERT_EQ(created.referrals_size(), 2);
  EXPECT_EQ(created.referrals(0).recipient(), "schools/kenilworth/staff/s-hoy");
  EXPECT_EQ(created.referrals(0).basis(), v1::REFERRAL_BASIS_LINE_MANAGER);
  EXPECT_TRUE(created.referrals(0).immediate());
  EXPECT_EQ(created.referrals(1).recipient(), "schools/kenilworth/externalContacts/chair-of-governors");
  EXPECT_EQ(created.referrals(1).basis(), v1::REFERRAL_BASIS_EXTERNAL_CONTACT);
  EXPECT_FALSE(created.referrals(1).immediate());
  EXPECT_EQ(store_.Outbox().size(), 2u);

  v1::GetIncidentRequest get;
  get.set_name(created.name());
  v1::Incident read;
  ASSERT_EQ(Call(&Stub::GetIncident, get, &read, Token("senior_leader")).code, grpc::StatusCode::OK);
  EXPECT_EQ(read.referrals_size(), 2);
  EXPECT_EQ(read.referrals(0).recipient(), "schools/kenilworth/staff/s-hoy");

  // An in-person incident the first rule does not cover, recorded by the office (not staff by
  // name here): only the Chair of Governors.
  v1::Incident other;
  ASSERT_EQ(Call(&Stub::CreateIncident, NewIncident(kRequestB), &other, Token("office")).code, grpc::StatusCode::OK);
  ASSERT_EQ(other.referrals_size(), 1);
  EXPECT_EQ(other.referrals(0).basis(), v1::REFERRAL_BASIS_EXTERNAL_CONTACT);
}

}  // namespace
}  // namespace parley::conduct
