#include "common/outbox/relay.h"

#include "gtest/gtest.h"

namespace parley::outbox {
namespace {

TEST(RetryBackoff, DoublesFromBaseToTheCapWithJitter) {
  const absl::Duration base = absl::Milliseconds(100), max = absl::Seconds(30);
  EXPECT_EQ(RetryBackoff(1, base, max, 1.0), absl::Milliseconds(100));
  EXPECT_EQ(RetryBackoff(1, base, max, 0.0), absl::Milliseconds(50));
  EXPECT_EQ(RetryBackoff(2, base, max, 1.0), absl::Milliseconds(200));
  EXPECT_EQ(RetryBackoff(9, base, max, 1.0), absl::Milliseconds(25600));
  EXPECT_EQ(RetryBackoff(10, base, max, 1.0), absl::Seconds(30));
  EXPECT_EQ(RetryBackoff(1000000, base, max, 1.0), absl::Seconds(30));
  EXPECT_EQ(RetryBackoff(1000000, base, max, 0.0), absl::Seconds(15));
  EXPECT_EQ(RetryBackoff(3, base, max, 0.5), absl::Milliseconds(300));
}

TEST(IsTransient, RetriesOutagesAndParksRefusals) {
  for (absl::StatusCode c :
       {absl::StatusCode::kUnavailable, absl::StatusCode::kDeadlineExceeded, absl::StatusCode::kResourceExhausted,
        absl::StatusCode::kAborted, absl::StatusCode::kInternal}) {
    EXPECT_TRUE(IsTransient(c)) << c;
  }
  for (absl::StatusCode c :
       {absl::StatusCode::kInvalidArgument, absl::StatusCode::kNotFound, absl::StatusCode::kFailedPrecondition,
        absl::StatusCode::kPermissionDenied, absl::StatusCode::kUnauthenticated, absl::StatusCode::kAlreadyExists}) {
    EXPECT_FALSE(IsTransient(c)) << c;
  }
}

TEST(Relay, CreateRefusesMissingParts) {
  const Sink sink = [](const Row&) { return absl::OkStatus(); };
  RelayOptions opts;
  opts.service = "test";
  EXPECT_EQ(Relay::Create(nullptr, sink, opts, nullptr).status().code(), absl::StatusCode::kInvalidArgument);
}

}  // namespace
}  // namespace parley::outbox
