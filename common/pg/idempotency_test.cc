#include "common/pg/idempotency.h"

#include "absl/status/status.h"
#include "common/pg/migrations.h"
#include "common/status/reason.h"
#include "gtest/gtest.h"

namespace parley::pg {
namespace {

TEST(ValidateRequestId, AcceptsUuidsInEitherCase) {
  EXPECT_TRUE(ValidateRequestId("123e4567-e89b-12d3-a456-426614174000").ok());
  EXPECT_TRUE(ValidateRequestId("123E4567-E89B-12D3-A456-426614174000").ok());
}

TEST(ValidateRequestId, RejectsEverythingElse) {
  for (absl::string_view bad : {"", "123e4567e89b12d3a456426614174000", "123e4567-e89b-12d3-a456-42661417400",
                                "123e4567-e89b-12d3-a456-4266141740000", "123e4567-e89b-12d3-a456_426614174000",
                                "g23e4567-e89b-12d3-a456-426614174000", "{23e4567-e89b-12d3-a456-42661417400}"}) {
    const absl::Status s = ValidateRequestId(bad);
    EXPECT_EQ(s.code(), absl::StatusCode::kInvalidArgument) << bad;
    EXPECT_EQ(ErrorReason(s), "REQUEST_ID_INVALID") << bad;
  }
}

TEST(Fingerprint, IsSha256HexAndStable) {
  EXPECT_EQ(Fingerprint("abc"), "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
  EXPECT_EQ(Fingerprint(""), "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
  EXPECT_EQ(Fingerprint(std::string("a\0b", 3)), Fingerprint(std::string("a\0b", 3)));
  EXPECT_NE(Fingerprint(std::string("a\0b", 3)), Fingerprint(std::string("a\0c", 3)));
}

TEST(MigrationChecksum, CoversEveryByte) {
  EXPECT_NE(MigrationChecksum("CREATE TABLE a (i int);"), MigrationChecksum("CREATE TABLE a (i int); "));
  EXPECT_EQ(MigrationChecksum("x").size(), 64u);
}

TEST(CommonMigrations, AreStrictlyIncreasing) {
  int previous = 0;
  for (const Migration& m : CommonMigrations()) {
    EXPECT_GT(m.version, previous);
    previous = m.version;
  }
  EXPECT_FALSE(CommonMigrations().empty());
}

}  // namespace
}  // namespace parley::pg
