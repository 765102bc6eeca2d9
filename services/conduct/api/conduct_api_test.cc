// The real ConductApi over the in-memory store and directory, called through an in-process channel
// (no network): status codes and the `parley-error-reason` trailer of each kind of refusal, and
// replay by request_id.
#include "services/conduct/api/conduct_api.h"

#include <memory>
#include <string>
#include <utility>

#include "absl/strings/str_cat.h"
#include "common/auth/auth.h"
#include "common/auth/testing/test_keys.h"
#include "common/status/grpc_status.h"
#include "common/status/reason.h"
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
};

class ConductApiTest : public ::testing::Test {
 protected:
  ConductApiTest() : clock_(Start()), store_(&clock_), gate_(&store_, &clock_, absl::Hours(24 * 365)) {}

  void SetUp() override {
    directory_.AddSchool(kSchool);
    directory_.AddSchool("st-marys");
    directory_.AddGuardian(kGuardian, {kSchool});
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
  EXPECT_EQ(store_.DecisionCount(), 0);
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
  EXPECT_EQ(store_.DecisionCount(), 1);
  check.set_request_id("");
  ASSERT_EQ(Call(&Stub::CheckCommunication, check, &again, service).code, grpc::StatusCode::OK);
  EXPECT_NE(again.name(), first.name());
  EXPECT_EQ(store_.DecisionCount(), 2);
  check.set_request_id("nope");
  Result bad = Call(&Stub::CheckCommunication, check, &again, service);
  EXPECT_EQ(bad.code, grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_EQ(bad.reason, reason::kRequestIdInvalid);
  EXPECT_EQ(store_.DecisionCount(), 2);
}

}  // namespace
}  // namespace parley::conduct
