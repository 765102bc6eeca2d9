// Test-only: the Redis server named by PARLEY_TEST_REDIS_ADDR ("127.0.0.1:6391", set by
// scripts/test.sh) and a key prefix unique to this TestRedis, since tests share the server. Use
// Key() for every key a test touches; never FLUSHALL/FLUSHDB a server the test does not own.
//
//   PARLEY_REQUIRE_TEST_REDIS(redis);      // skips when PARLEY_TEST_REDIS_ADDR is unset
//   auto client = redis::Client::Connect(redis.options());
//   client->ZAdd(redis.Key("due"), 1, "x");
#pragma once

#include <optional>
#include <string>

#include "absl/strings/string_view.h"
#include "common/redis/client.h"
#include "gtest/gtest.h"

namespace parley::testing {

inline constexpr char kTestRedisAddrVariable[] = "PARLEY_TEST_REDIS_ADDR";

struct TestRedis {
  std::string host;
  int port = 0;
  std::string key_prefix;  // "t:<random>:"

  // nullopt when PARLEY_TEST_REDIS_ADDR is unset or malformed (the latter also records a test
  // failure).
  static std::optional<TestRedis> FromEnv();
  // Just the address ("host:port") from the environment, nullopt when unset.
  static std::optional<std::string> AddressFromEnv();

  std::string Key(absl::string_view suffix) const { return key_prefix + std::string(suffix); }
  std::string address() const {
    const bool ipv6 = host.find(':') != std::string::npos;
    return (ipv6 ? "[" + host + "]" : host) + ":" + std::to_string(port);
  }
  redis::RedisOptions options() const;
};

}  // namespace parley::testing

// Declares `var` as a TestRedis, or skips the test when PARLEY_TEST_REDIS_ADDR is unset.
#define PARLEY_REQUIRE_TEST_REDIS(var)                                                    \
  auto var##_or_skip_ = ::parley::testing::TestRedis::FromEnv();                          \
  if (!var##_or_skip_.has_value()) {                                                      \
    GTEST_SKIP() << "set PARLEY_TEST_REDIS_ADDR (scripts/test.sh does) to run this test"; \
  }                                                                                       \
  ::parley::testing::TestRedis var = std::move(*var##_or_skip_)
