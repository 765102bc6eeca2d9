#include "common/request/request_key.h"

#include "common/status/reason.h"
#include "gtest/gtest.h"

namespace parley::request {
namespace {

TEST(ValidateRequestId, AcceptsUuidsInEitherCase) {
  EXPECT_TRUE(ValidateRequestId("123e4567-e89b-12d3-a456-426614174000").ok());
  EXPECT_TRUE(ValidateRequestId("123E4567-E89B-12D3-A456-426614174000").ok());
}

TEST(ValidateRequestId, RefusesAnythingElseWithItsReason) {
  for (const char* bad : {"", "123e4567e89b12d3a456426614174000", "123e4567-e89b-12d3-a456-42661417400g",
                          "123e4567-e89b-12d3-a456-4266141740000"}) {
    const absl::Status s = ValidateRequestId(bad);
    EXPECT_EQ(s.code(), absl::StatusCode::kInvalidArgument) << bad;
    EXPECT_EQ(ErrorReason(s), reason::kRequestIdInvalid) << bad;
  }
}

TEST(Fingerprint, IsSha256Hex) {
  EXPECT_EQ(Fingerprint("abc"), "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
}

TEST(DerivedRequestId, IsAStableUuidPerSeed) {
  const std::string a = DerivedRequestId("school/enquiry/v1");
  EXPECT_TRUE(ValidateRequestId(a).ok()) << a;
  EXPECT_EQ(a, DerivedRequestId("school/enquiry/v1"));
  EXPECT_NE(a, DerivedRequestId("school/enquiry/v2"));
}

}  // namespace
}  // namespace parley::request
