// Test-only: a Redis server of the test's own, for tests that do what must never be done to the
// shared PARLEY_TEST_REDIS_ADDR server (test_redis.h): FLUSHALL, CONFIG SET, stopping it, or
// running it with another eviction policy. Tests run in parallel, so each gets a fresh server on a
// free loopback port, without persistence, in a temporary folder that goes with it.
//
//   PARLEY_REQUIRE_OWNED_REDIS(server, {});   // skips when redis-server is not in PATH
//   auto client = redis::Client::Connect(server->options());
//   ...
//   server->Kill();                            // Redis "goes away" mid-test
#pragma once

#include <sys/types.h>

#include <memory>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "common/redis/client.h"
#include "gtest/gtest.h"

namespace parley::testing {

struct OwnedRedisOptions {
  std::string maxmemory_policy = "noeviction";
  // More redis-server arguments, e.g. {"--rename-command", "CONFIG", ""}.
  std::vector<std::string> extra_args;
};

class OwnedRedis {
 public:
  // Whether redis-server is in PATH.
  static bool Available();
  // Starts redis-server and waits until it answers PING: NOT_FOUND when redis-server is not in
  // PATH, UNAVAILABLE when it did not come up. The server dies with the calling thread's process
  // (PR_SET_PDEATHSIG), so a crashed test leaves nothing behind.
  static absl::StatusOr<std::unique_ptr<OwnedRedis>> Start(const OwnedRedisOptions& options);

  OwnedRedis(const OwnedRedis&) = delete;
  OwnedRedis& operator=(const OwnedRedis&) = delete;
  ~OwnedRedis();  // Kill() and remove the folder

  const std::string& host() const { return host_; }
  int port() const { return port_; }
  std::string address() const { return host_ + ":" + std::to_string(port_); }
  redis::RedisOptions options() const;

  // SIGKILL and reap: from now on connections to the port are refused. Idempotent.
  void Kill();
  // Kill() and start an empty server on the same port (a restart without persistence).
  absl::Status Restart();

 private:
  OwnedRedis(std::string binary, int port, std::string dir, std::vector<std::string> args);
  // Spawns the server and waits for PING.
  absl::Status Launch();

  const std::string binary_;
  const std::string host_ = "127.0.0.1";
  const int port_;
  const std::string dir_;
  const std::vector<std::string> args_;
  pid_t pid_ = -1;
};

}  // namespace parley::testing

// Declares `var` as a std::unique_ptr<OwnedRedis> started with `options`, skips the test when
// redis-server is not installed, and fails it when the server does not start.
#define PARLEY_REQUIRE_OWNED_REDIS(var, ...)                                       \
  if (!::parley::testing::OwnedRedis::Available()) {                               \
    GTEST_SKIP() << "redis-server is not in PATH; install Redis to run this test"; \
  }                                                                                \
  auto var##_or_ = ::parley::testing::OwnedRedis::Start(__VA_ARGS__);              \
  ASSERT_TRUE(var##_or_.ok()) << var##_or_.status();                               \
  std::unique_ptr<::parley::testing::OwnedRedis> var = std::move(*var##_or_)
