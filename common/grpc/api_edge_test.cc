#include "common/grpc/api_edge.h"

#include "absl/strings/escaping.h"
#include "common/status/grpc_status.h"
#include "google/protobuf/timestamp.pb.h"
#include "google/protobuf/wrappers.pb.h"
#include "gtest/gtest.h"

namespace parley::api {
namespace {

constexpr char kId[] = "00000000-0000-4000-8000-000000000001";

TEST(RequestKeyFor, ScopesByMethodAndFingerprintsTheRequest) {
  google::protobuf::Timestamp a, b;
  a.set_seconds(10);
  b.set_seconds(11);
  absl::StatusOr<pg::RequestKey> ka = RequestKeyFor("svc", "Do", a, kId);
  absl::StatusOr<pg::RequestKey> ka2 = RequestKeyFor("svc", "Do", a, kId);
  absl::StatusOr<pg::RequestKey> kb = RequestKeyFor("svc", "Do", b, kId);
  ASSERT_TRUE(ka.ok() && ka2.ok() && kb.ok());
  EXPECT_EQ(ka->scope, "svc.Do");
  EXPECT_EQ(ka->request_id, kId);
  EXPECT_EQ(ka->fingerprint, ka2->fingerprint);
  EXPECT_NE(ka->fingerprint, kb->fingerprint);
}

TEST(RequestKeyFor, RefusesAMissingOrMalformedId) {
  google::protobuf::Timestamp a;
  EXPECT_EQ(RequestKeyFor("svc", "Do", a, "").status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(RequestKeyFor("svc", "Do", a, "not-a-uuid").status().code(), absl::StatusCode::kInvalidArgument);
}

TEST(DecodeResponse, ParsesTheStoredBytesOrPassesTheErrorOn) {
  struct Result {
    std::string response;
  };
  google::protobuf::StringValue in, out;
  in.set_value("kept");
  ASSERT_TRUE(DecodeResponse(absl::StatusOr<Result>(Result{in.SerializeAsString()}), &out).ok());
  EXPECT_EQ(out.value(), "kept");
  EXPECT_EQ(DecodeResponse(absl::StatusOr<Result>(absl::AbortedError("lost")), &out).code(),
            absl::StatusCode::kAborted);
}

TEST(PageTokens, RoundTripAndRefuseForeignTokens) {
  EXPECT_EQ(SeqPageToken("before", 0), "");
  const std::string token = SeqPageToken("before", 42);
  EXPECT_EQ(*ParseSeqPageToken("before", token), 42);
  EXPECT_EQ(*ParseSeqPageToken("before", ""), 0);
  EXPECT_EQ(ErrorReason(ParseSeqPageToken("from", token).status()), "INVALID_PAGE_TOKEN");
  EXPECT_EQ(ParseSeqPageToken("before", "!!").status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_FALSE(ParseSeqPageToken("before", absl::WebSafeBase64Escape("before:abc")).ok());
  EXPECT_FALSE(ParseSeqPageToken("before", absl::WebSafeBase64Escape("before:-3")).ok());
}

TEST(PageSizeFrom, DefaultsCapsAndRefusesNegative) {
  EXPECT_EQ(*PageSizeFrom(0, 50, 500), 50);
  EXPECT_EQ(*PageSizeFrom(7, 50, 500), 7);
  EXPECT_EQ(*PageSizeFrom(9000, 50, 500), 500);
  EXPECT_FALSE(PageSizeFrom(-1, 50, 500).ok());
}

TEST(Names, ParseTheirWholeShape) {
  EXPECT_EQ(*ParseSchool("schools/st-marys", "parent"), "st-marys");
  absl::Status bad = ParseSchool("schools/st-marys/x", "parent").status();
  EXPECT_EQ(ErrorReason(bad), "INVALID_NAME");
  EXPECT_NE(bad.message().find("parent"), absl::string_view::npos);
  auto child = ParseSchoolChild("schools/st-marys/enquiries/e1", "enquiries", "name");
  ASSERT_TRUE(child.ok());
  EXPECT_EQ(child->first, "st-marys");
  EXPECT_EQ(child->second, "e1");
  EXPECT_FALSE(ParseSchoolChild("schools/st-marys/staff/e1", "enquiries", "name").ok());
  EXPECT_FALSE(ParseSchoolChild("schools/st marys/enquiries/e1", "enquiries", "name").ok());
  EXPECT_TRUE(CheckGuardianName("guardians/g-1", "guardian").ok());
  EXPECT_FALSE(CheckGuardianName("guardians/", "guardian").ok());
}

}  // namespace
}  // namespace parley::api
