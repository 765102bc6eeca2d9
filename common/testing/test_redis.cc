#include "common/testing/test_redis.h"

#include <cstdlib>
#include <random>

#include "absl/status/statusor.h"
#include "absl/strings/str_format.h"

namespace parley::testing {

std::optional<std::string> TestRedis::AddressFromEnv() {
  const char* addr = std::getenv(kTestRedisAddrVariable);
  if (addr == nullptr || *addr == '\0') return std::nullopt;
  return std::string(addr);
}

std::optional<TestRedis> TestRedis::FromEnv() {
  const std::optional<std::string> addr = AddressFromEnv();
  if (!addr) return std::nullopt;
  absl::StatusOr<redis::RedisOptions> parsed = redis::ParseAddress(*addr);
  if (!parsed.ok()) {
    ADD_FAILURE() << "PARLEY_TEST_REDIS_ADDR: " << parsed.status();
    return std::nullopt;
  }
  std::random_device rd;
  std::mt19937_64 rng((static_cast<uint64_t>(rd()) << 32) ^ rd());
  TestRedis r;
  r.host = parsed->host;
  r.port = parsed->port;
  r.key_prefix = absl::StrFormat("t:%016x:", rng());
  return r;
}

redis::RedisOptions TestRedis::options() const {
  redis::RedisOptions opts;
  opts.host = host;
  opts.port = port;
  return opts;
}

}  // namespace parley::testing
