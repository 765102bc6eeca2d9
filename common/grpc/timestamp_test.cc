#include "common/grpc/timestamp.h"

#include "gtest/gtest.h"

namespace parley {
namespace {

TEST(TimestampTest, RoundTripsToTheMicrosecondEitherSideOfTheEpoch) {
  for (absl::Time t : {absl::FromUnixMicros(1761319800123456), absl::FromUnixMicros(-1500000), absl::UnixEpoch()}) {
    const google::protobuf::Timestamp ts = ToTimestamp(t);
    EXPECT_GE(ts.nanos(), 0);
    EXPECT_LT(ts.nanos(), 1000000000);
    EXPECT_EQ(FromTimestamp(ts), t);
  }
  const google::protobuf::Timestamp before = ToTimestamp(absl::FromUnixMicros(-1500000));
  EXPECT_EQ(before.seconds(), -2);
  EXPECT_EQ(before.nanos(), 500000000);
}

}  // namespace
}  // namespace parley
