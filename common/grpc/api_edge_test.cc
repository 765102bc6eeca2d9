#include "common/grpc/api_edge.h"

#include "absl/strings/escaping.h"
#include "common/auth/testing/test_keys.h"
#include "common/status/reason.h"
#include "gtest/gtest.h"
#include "parley/escalation/v1/escalation_service.pb.h"

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

TEST(RequestKeyFor, ScopesByMethodAndFingerprintsTheRequestWithoutItsId) {
  absl::StatusOr<RequestKey> ka = RequestKeyFor("svc", "Do", Open("a", kId));
  absl::StatusOr<RequestKey> ka2 = RequestKeyFor("svc", "Do", Open("a", kId));
  absl::StatusOr<RequestKey> kb = RequestKeyFor("svc", "Do", Open("b", kId));
  absl::StatusOr<RequestKey> other_id = RequestKeyFor("svc", "Do", Open("a", "00000000-0000-4000-8000-000000000002"));
  ASSERT_TRUE(ka.ok() && ka2.ok() && kb.ok() && other_id.ok());
  EXPECT_EQ(ka->scope, "svc.Do");
  EXPECT_EQ(ka->request_id, kId);
  EXPECT_EQ(ka->fingerprint, ka2->fingerprint);
  EXPECT_NE(ka->fingerprint, kb->fingerprint);
  EXPECT_EQ(ka->fingerprint, other_id->fingerprint);
}

TEST(RequestKeyFor, RefusesAMissingOrMalformedId) {
  EXPECT_EQ(ErrorReason(RequestKeyFor("svc", "Do", Open("a", "")).status()), reason::kRequestIdInvalid);
  EXPECT_EQ(ErrorReason(RequestKeyFor("svc", "Do", Open("a", "not-a-uuid")).status()), reason::kRequestIdInvalid);
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

TEST(EdgeServe, AnUnauthenticatedCallerReachesNeitherValidationNorTheBody) {
  auth::VerifierOptions options;
  options.public_keys_pem = {auth::testing::GenerateEcP256().public_pem};
  options.issuer = "parley-test";
  options.audience = "parley";
  absl::StatusOr<std::unique_ptr<auth::Verifier>> verifier = auth::Verifier::Create(options);
  ASSERT_TRUE(verifier.ok()) << verifier.status();
  const Edge edge(verifier->get());
  grpc::ServerContext context;  // no authorization metadata
  bool ran = false;
  v1::OpenEnquiryRequest invalid = Open(std::string(5000, 'x'), "not-a-uuid");
  const grpc::Status status = edge.Serve(&context, invalid, [&](const auth::Principal&) {
    ran = true;
    return absl::OkStatus();
  });
  EXPECT_EQ(status.error_code(), grpc::StatusCode::UNAUTHENTICATED);
  EXPECT_FALSE(ran);
}

}  // namespace
}  // namespace parley::api
