#include "common/metrics/metrics.h"

#include "common/metrics/testing/http_get.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "prometheus/counter.h"

namespace parley::metrics {
namespace {

using ::testing::HasSubstr;

TEST(Exporter, ServesTheRegistryOnAnEphemeralPort) {
  Exporter exporter;
  auto& family = prometheus::BuildCounter()
                     .Name("parley_test_events_total")
                     .Help("Events seen by the test.")
                     .Register(exporter.registry());
  family.Add({{"kind", "a"}}).Increment(3);
  EXPECT_EQ(exporter.port(), 0);

  ASSERT_TRUE(exporter.Start("127.0.0.1:0").ok());
  ASSERT_GT(exporter.port(), 0);
  absl::StatusOr<std::string> body = testing::HttpGet(exporter.port());
  ASSERT_TRUE(body.ok()) << body.status();
  EXPECT_THAT(*body, HasSubstr("parley_test_events_total{kind=\"a\"} 3"));

  EXPECT_EQ(exporter.Start("127.0.0.1:0").code(), absl::StatusCode::kFailedPrecondition);
  const int port = exporter.port();
  exporter.Stop();
  EXPECT_EQ(exporter.port(), 0);
  EXPECT_FALSE(testing::HttpGet(port).ok());
}

TEST(Exporter, ReportsAnAddressInUse) {
  Exporter first;
  ASSERT_TRUE(first.Start("127.0.0.1:0").ok());
  Exporter second;
  absl::Status status = second.Start("127.0.0.1:" + std::to_string(first.port()));
  EXPECT_EQ(status.code(), absl::StatusCode::kUnavailable);
  EXPECT_EQ(second.port(), 0);
}

TEST(LatencyBuckets, AreIncreasing) {
  const auto& buckets = LatencyBuckets();
  ASSERT_FALSE(buckets.empty());
  for (size_t i = 1; i < buckets.size(); ++i) EXPECT_LT(buckets[i - 1], buckets[i]);
}

}  // namespace
}  // namespace parley::metrics
