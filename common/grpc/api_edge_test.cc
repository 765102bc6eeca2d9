#include "common/grpc/api_edge.h"

#include "absl/strings/escaping.h"
#include "common/auth/signer.h"
#include "common/auth/testing/test_keys.h"
#include "common/status/reason.h"
#include "grpcpp/test/server_context_test_spouse.h"
#include "gtest/gtest.h"
#include "parley/escalation/v1/escalation_service.grpc.pb.h"

namespace parley::api {
namespace {

namespace v1 = parley::escalation::v1;

constexpr char kId[] = "00000000-0000-4000-8000-000000000001";

v1::OpenEnquiryRequest Open(const std::string& subject, const std::string& request_id) {
  v1::OpenEnquiryRequest r;
  r.set_parent("schools/st-marys");
  r.mutable_enquiry()->set_subject(subject);
  r.set_request_id(request_id);
  return r;
}

auth::Principal Office(const std::string& school) {
  auth::Principal p;
  p.subject = "schools/" + school + "/staff/office";
  p.roles = {"office"};
  p.schools = {school};
  return p;
}

TEST(RequestKeyFor, ScopesByTenancyAndMethodAndFingerprintsTheRequestWithoutItsId) {
  const auth::Principal caller = Office("st-marys");
  absl::StatusOr<RequestKey> ka = RequestKeyFor(caller, "svc", "Do", Open("a", kId));
  absl::StatusOr<RequestKey> ka2 = RequestKeyFor(caller, "svc", "Do", Open("a", kId));
  absl::StatusOr<RequestKey> kb = RequestKeyFor(caller, "svc", "Do", Open("b", kId));
  absl::StatusOr<RequestKey> other_id =
      RequestKeyFor(caller, "svc", "Do", Open("a", "00000000-0000-4000-8000-000000000002"));
  absl::StatusOr<RequestKey> other_school = RequestKeyFor(Office("kenilworth"), "svc", "Do", Open("a", kId));
  ASSERT_TRUE(ka.ok() && ka2.ok() && kb.ok() && other_id.ok() && other_school.ok());
  EXPECT_EQ(ka->scope, "st-marys|schools/st-marys/staff/office/svc.Do");
  EXPECT_EQ(other_school->scope, "kenilworth|schools/kenilworth/staff/office/svc.Do")
      << "one school's ids never collide with another's";
  EXPECT_EQ(ka->request_id, kId);
  EXPECT_EQ(ka->fingerprint, ka2->fingerprint);
  EXPECT_NE(ka->fingerprint, kb->fingerprint);
  EXPECT_EQ(ka->fingerprint, other_id->fingerprint);
}

TEST(RequestKeyFor, RefusesAMissingOrMalformedId) {
  const auth::Principal caller = Office("st-marys");
  EXPECT_EQ(ErrorReason(RequestKeyFor(caller, "svc", "Do", Open("a", "")).status()), reason::kRequestIdInvalid);
  EXPECT_EQ(ErrorReason(RequestKeyFor(caller, "svc", "Do", Open("a", "not-a-uuid")).status()),
            reason::kRequestIdInvalid);
}

TEST(DecodeResponse, ParsesTheStoredBytesOrPassesTheErrorOn) {
  struct Result {
    std::string response;
  };
  v1::OpenEnquiryRequest in = Open("kept", kId), out;
  ASSERT_TRUE(DecodeResponse(absl::StatusOr<Result>(Result{in.SerializeAsString()}), &out).ok());
  EXPECT_EQ(out.enquiry().subject(), "kept");
  EXPECT_EQ(DecodeResponse(absl::StatusOr<Result>(absl::AbortedError("lost")), &out).code(),
            absl::StatusCode::kAborted);
  EXPECT_EQ(ErrorReason(DecodeResponse(absl::StatusOr<std::string>(std::string("\xff\xff")), &out)),
            reason::kStoredResponseUnreadable);
}

v1::ListEnquiriesRequest List(const std::string& category, int32_t size = 0, const std::string& token = "") {
  v1::ListEnquiriesRequest r;
  r.set_parent("schools/st-marys");
  r.set_category(category);
  r.set_page_size(size);
  r.set_page_token(token);
  return r;
}

TEST(Pages, SizesDefaultCapAndRefuseNegative) {
  EXPECT_EQ(ParsePage(List("send"))->size, 50);
  EXPECT_EQ(ParsePage(List("send", 7))->size, 7);
  EXPECT_EQ(ParsePage(List("send", 9000))->size, 500);
  EXPECT_EQ(ParsePage(List("send", 9000), {10, 20})->size, 20);
  EXPECT_EQ(ErrorReason(ParsePage(List("send", -1)).status()), reason::kInvalidField);
}

TEST(Pages, ATokenContinuesTheListItWasIssuedFor) {
  EXPECT_EQ(NextPageToken(List("send"), ""), "");
  const std::string token = NextPageToken(List("send"), "e42");
  absl::StatusOr<PageRequest> page = ParsePage(List("send", 10, token));
  ASSERT_TRUE(page.ok()) << page.status();
  EXPECT_EQ(page->after, "e42");
  EXPECT_EQ(page->size, 10);  // the page size may change between pages
}

TEST(Pages, ATokenIsRefusedByOtherFiltersOrListsOrWhenForged) {
  const std::string token = NextPageToken(List("send"), "e42");
  EXPECT_EQ(ErrorReason(ParsePage(List("learning", 0, token)).status()), reason::kInvalidPageToken);
  v1::ListEnquiryEventsRequest events;
  events.set_parent("schools/st-marys");
  events.set_page_token(token);
  EXPECT_EQ(ErrorReason(ParsePage(events).status()), reason::kInvalidPageToken);
  EXPECT_EQ(ErrorReason(ParsePage(List("send", 0, "!!")).status()), reason::kInvalidPageToken);
  EXPECT_EQ(ErrorReason(ParsePage(List("send", 0, absl::WebSafeBase64Escape("after:e42"))).status()),
            reason::kInvalidPageToken);
}

TEST(Pages, SequencePositionsRoundTrip) {
  EXPECT_EQ(SeqToPosition(0), "");
  const std::string token = NextPageToken(List("send"), SeqToPosition(42));
  absl::StatusOr<PageRequest> page = ParsePage(List("send", 0, token));
  ASSERT_TRUE(page.ok());
  EXPECT_EQ(*SeqPosition(*page), 42);
  EXPECT_EQ(*SeqPosition(PageRequest{}), 0);
  EXPECT_EQ(ErrorReason(SeqPosition(PageRequest{10, "abc"}).status()), reason::kInvalidPageToken);
  EXPECT_EQ(ErrorReason(SeqPosition(PageRequest{10, "-3"}).status()), reason::kInvalidPageToken);
}

TEST(Names, OneRuleForIds) {
  EXPECT_TRUE(IsValidId("st-marys"));
  EXPECT_TRUE(IsValidId("p_00001"));
  EXPECT_TRUE(IsValidId("e"));
  EXPECT_FALSE(IsValidId(""));
  EXPECT_FALSE(IsValidId("-lead"));
  EXPECT_FALSE(IsValidId("St-Marys"));
  EXPECT_FALSE(IsValidId("st marys"));
  EXPECT_FALSE(IsValidId(std::string(65, 'a')));
  EXPECT_TRUE(IsValidId(std::string(64, 'a')));
  EXPECT_EQ(ErrorReason(ValidateId("Bad", "staff_id")), reason::kInvalidName);
}

TEST(Names, ParseTheirWholeShape) {
  EXPECT_EQ(*ParseSchool("schools/st-marys", "parent"), "st-marys");
  absl::Status bad = ParseSchool("schools/st-marys/x", "parent").status();
  EXPECT_EQ(ErrorReason(bad), reason::kInvalidName);
  EXPECT_NE(bad.message().find("parent"), absl::string_view::npos);
  auto child = ParseSchoolChild("schools/st-marys/enquiries/e1", "enquiries", "name");
  ASSERT_TRUE(child.ok());
  EXPECT_EQ(child->first, "st-marys");
  EXPECT_EQ(child->second, "e1");
  EXPECT_FALSE(ParseSchoolChild("schools/st-marys/staff/e1", "enquiries", "name").ok());
  EXPECT_FALSE(ParseSchoolChild("schools/st marys/enquiries/e1", "enquiries", "name").ok());
  EXPECT_EQ(*ParseGuardian("guardians/g-1", "guardian"), "g-1");
  EXPECT_FALSE(CheckGuardianName("guardians/", "guardian").ok());
  auto three = ParseName("schools/{school}/staff/{staff}", "schools/a/staff/b", "name");
  ASSERT_TRUE(three.ok());
  EXPECT_EQ((*three)[1], "b");
}

TEST(Names, QuoteForErrorEscapesAndCuts) {
  EXPECT_EQ(QuoteForError("a\"b"), "\"a\\\"b\"");
  const std::string quoted = QuoteForError(std::string(300, 'x'));
  EXPECT_LT(quoted.size(), 110u);
  EXPECT_NE(quoted.find("...\""), std::string::npos);
}

TEST(UpdateMasks, RequireAPathThatIsARealUpdatableField) {
  const google::protobuf::Descriptor& enquiry = *v1::Enquiry::descriptor();
  google::protobuf::FieldMask mask;
  EXPECT_EQ(ErrorReason(CheckUpdateMask(mask, enquiry, {"subject"})), reason::kUpdateMaskRequired);
  mask.add_paths("subject");
  EXPECT_TRUE(CheckUpdateMask(mask, enquiry, {"subject"}).ok());
  EXPECT_EQ(ErrorReason(CheckUpdateMask(mask, enquiry, {"category"})), reason::kInvalidUpdateMask);
  google::protobuf::FieldMask nested;
  nested.add_paths("subject.inner");  // a string has no fields: never applied as "subject"
  EXPECT_EQ(ErrorReason(CheckUpdateMask(nested, enquiry, {"subject"})), reason::kInvalidUpdateMask);
  google::protobuf::FieldMask unknown;
  unknown.add_paths("no_such_field");
  EXPECT_EQ(ErrorReason(CheckUpdateMask(unknown, enquiry, {"no_such_field"})), reason::kInvalidUpdateMask);
}

TEST(UpdateMasks, ApplyReplacesOnlyTheMaskedFields) {
  v1::Enquiry current, patch;
  current.set_subject("old");
  current.set_category("send");
  patch.set_subject("new");
  patch.set_category("learning");
  google::protobuf::FieldMask mask;
  mask.add_paths("subject");
  absl::StatusOr<v1::Enquiry> merged = ApplyUpdateMask(current, patch, mask, {"subject", "category"});
  ASSERT_TRUE(merged.ok());
  EXPECT_EQ(merged->subject(), "new");
  EXPECT_EQ(merged->category(), "send");
  EXPECT_TRUE(Masked(mask, "subject"));
  EXPECT_FALSE(Masked(mask, "category"));
}

}  // namespace
}  // namespace parley::api

namespace parley::api {
namespace {

// Every escalation method read-only on enquiries, except intake.
auth::RuleTable EveryMethod() {
  auth::RuleTable rules;
  const google::protobuf::ServiceDescriptor& service = Edge::ServiceNamed(v1::EscalationService::service_full_name());
  for (int i = 0; i < service.method_count(); ++i) {
    rules[service.method(i)->name()] = {auth::Resource::kEnquiry, auth::Verb::kRead};
  }
  rules["OpenEnquiry"] = {auth::Resource::kEnquiryIntake, auth::Verb::kChange};
  return rules;
}

TEST(EdgeRules, EveryMethodNeedsARuleAndEveryRuleAMethod) {
  const google::protobuf::ServiceDescriptor& service = Edge::ServiceNamed(v1::EscalationService::service_full_name());
  EXPECT_TRUE(Edge::CheckRules(service, EveryMethod()).ok());
  auth::RuleTable missing = EveryMethod();
  missing.erase("MarkAbusive");
  const absl::Status refused = Edge::CheckRules(service, missing);
  EXPECT_FALSE(refused.ok());
  EXPECT_NE(refused.message().find("MarkAbusive"), absl::string_view::npos) << refused.message();
  auth::RuleTable extra = EveryMethod();
  extra["DeleteEverything"] = {auth::Resource::kEnquiry, auth::Verb::kChange};
  EXPECT_FALSE(Edge::CheckRules(service, extra).ok());
}

class EdgeServe : public ::testing::Test {
 protected:
  void SetUp() override {
    auth::VerifierOptions options;
    options.public_keys_pem = {keys_.public_pem};
    options.issuer = "parley-test";
    options.audience = "parley";
    absl::StatusOr<std::unique_ptr<auth::Verifier>> verifier = auth::Verifier::Create(options);
    ASSERT_TRUE(verifier.ok()) << verifier.status();
    verifier_ = std::move(*verifier);
    auth::SignerOptions signer_options;
    signer_options.private_key_pem = keys_.private_pem;
    signer_options.issuer = "parley-test";
    signer_options.audience = "parley";
    absl::StatusOr<std::unique_ptr<auth::Signer>> signer = auth::Signer::Create(signer_options);
    ASSERT_TRUE(signer.ok()) << signer.status();
    signer_ = std::move(*signer);
  }

  // A server context's client metadata is filled by the transport; tests fill it through the
  // spouse, which owns the strings and must outlive the call.
  void Authorize(grpc::testing::ServerContextTestSpouse& spouse, std::vector<std::string> roles) {
    auth::Principal p = Office("st-marys");
    p.roles = std::move(roles);
    absl::StatusOr<std::string> token = signer_->Mint(p, absl::Minutes(5));
    ASSERT_TRUE(token.ok());
    spouse.AddClientMetadata("authorization", "Bearer " + *token);
  }

  auth::testing::KeyPair keys_ = auth::testing::GenerateEcP256();
  std::unique_ptr<auth::Verifier> verifier_;
  std::unique_ptr<auth::Signer> signer_;
};

TEST_F(EdgeServe, AnUnauthenticatedCallerReachesNeitherValidationNorTheBody) {
  const Edge edge(verifier_.get(), Edge::ServiceNamed(v1::EscalationService::service_full_name()), EveryMethod());
  grpc::ServerContext context;  // no authorization metadata
  bool ran = false;
  v1::OpenEnquiryRequest invalid = Open(std::string(5000, 'x'), "not-a-uuid");
  const grpc::Status status = edge.Serve(&context, invalid, [&](const auth::Grant&) {
    ran = true;
    return absl::OkStatus();
  });
  EXPECT_EQ(status.error_code(), grpc::StatusCode::UNAUTHENTICATED);
  EXPECT_FALSE(ran);
}

TEST_F(EdgeServe, ACallerWhoseRolesReachTheRuleNowhereIsRefusedBeforeTheBody) {
  const Edge edge(verifier_.get(), Edge::ServiceNamed(v1::EscalationService::service_full_name()), EveryMethod());
  v1::MarkAbusiveRequest mark;
  mark.set_name("schools/st-marys/enquiries/e-1");
  mark.set_request_id(kId);
  auth::RuleTable rules = EveryMethod();
  rules["MarkAbusive"] = {auth::Resource::kEnquiryAssignment, auth::Verb::kChange};
  const Edge strict(verifier_.get(), Edge::ServiceNamed(v1::EscalationService::service_full_name()), rules);
  for (const auto& [roles, allowed] : std::vector<std::pair<std::vector<std::string>, bool>>{
           {{"guardian"}, false}, {{"teacher"}, false}, {{"office"}, true}, {{"teacher", "dsl"}, true}}) {
    grpc::ServerContext context;
    grpc::testing::ServerContextTestSpouse spouse(&context);
    Authorize(spouse, roles);
    bool ran = false;
    const grpc::Status status = strict.Serve(&context, mark, [&](const auth::Grant& grant) {
      ran = true;
      EXPECT_EQ(grant.rule().resource, auth::Resource::kEnquiryAssignment);
      return absl::OkStatus();
    });
    EXPECT_EQ(ran, allowed) << roles.front();
    EXPECT_EQ(status.error_code(), allowed ? grpc::StatusCode::OK : grpc::StatusCode::PERMISSION_DENIED)
        << roles.front();
  }
}

}  // namespace
}  // namespace parley::api
