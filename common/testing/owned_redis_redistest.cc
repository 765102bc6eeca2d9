// OwnedRedis: a private server per test, with the requested policy, that can be made to vanish.
#include "common/testing/owned_redis.h"

#include "common/redis/client.h"
#include "gtest/gtest.h"

namespace parley::testing {
namespace {

TEST(OwnedRedis, ServesWithTheRequestedPolicyUntilKilled) {
  PARLEY_REQUIRE_OWNED_REDIS(server, {"allkeys-lru", {}});
  auto client = redis::Client::Connect(server->options());
  ASSERT_TRUE(client.ok()) << client.status();
  EXPECT_EQ(*(*client)->ConfigGet("maxmemory-policy"), "allkeys-lru");
  EXPECT_EQ(*(*client)->ConfigGet("save"), "");

  server->Kill();
  EXPECT_EQ((*client)->Ping().code(), absl::StatusCode::kUnavailable);
  EXPECT_EQ(redis::Client::Connect(server->options()).status().code(), absl::StatusCode::kUnavailable);
}

TEST(OwnedRedis, RestartComesBackEmptyOnTheSamePort) {
  PARLEY_REQUIRE_OWNED_REDIS(server, {});
  const int port = server->port();
  auto client = redis::Client::Connect(server->options());
  ASSERT_TRUE(client.ok());
  ASSERT_TRUE((*client)->ZAdd("k", 1, "m").ok());
  ASSERT_TRUE(server->Restart().ok());
  EXPECT_EQ(server->port(), port);
  (void)(*client)->Ping();  // the old connection is gone; the next call reconnects
  EXPECT_EQ(*(*client)->ZCard("k"), 0);
}

TEST(OwnedRedis, TwoServersAreIndependent) {
  PARLEY_REQUIRE_OWNED_REDIS(a, {});
  PARLEY_REQUIRE_OWNED_REDIS(b, {});
  EXPECT_NE(a->port(), b->port());
  auto ca = redis::Client::Connect(a->options());
  auto cb = redis::Client::Connect(b->options());
  ASSERT_TRUE(ca.ok() && cb.ok());
  ASSERT_TRUE((*ca)->ZAdd("k", 1, "m").ok());
  EXPECT_EQ(*(*ca)->ZCard("k"), 1);
  EXPECT_EQ(*(*cb)->ZCard("k"), 0);
}

}  // namespace
}  // namespace parley::testing
