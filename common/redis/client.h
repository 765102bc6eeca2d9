// A small synchronous Redis client over hiredis 0.14 for the timer wake-up index
// (docs/architecture.md#enquiries-and-timers): sorted sets scored by due time, the server's TIME as the one clock for
// due-ness, and PUBLISH to nudge workers. Redis is never the source of truth, so the client favours failing fast and
// reporting UNAVAILABLE over retrying: callers fall back to PostgreSQL and the reconcile loop.
//
// Thread-safe: one connection behind a mutex (commands are short; nothing here blocks on the
// server). After an I/O error or timeout the connection is dropped and the next call connects
// again. A call that fails is not retried, since a command may have run before the reply was
// lost.
//
// Errors:
//   cannot connect, I/O error, timeout, and server replies that mean "not now"
//   (LOADING, BUSY, MASTERDOWN, TRYAGAIN, OOM under noeviction)   UNAVAILABLE (REDIS_UNAVAILABLE)
//   any other error reply (WRONGTYPE, a malformed command)         INTERNAL (REDIS_COMMAND_FAILED):
//     retrying cannot help, so it is not reported as an outage.
// hiredis closes the socket on any error, and writes to a socket the server closed would raise
// SIGPIPE: the client blocks SIGPIPE on the calling thread while it talks to the server.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"
#include "common/status/reasons.h"

struct redisContext;

namespace parley::redis {

inline constexpr const auto& kReasonUnavailable = reason::kRedisUnavailable;
inline constexpr const auto& kReasonCommandFailed = reason::kRedisCommandFailed;

struct RedisOptions {
  std::string host = "127.0.0.1";
  int port = 6379;
  absl::Duration connect_timeout = absl::Seconds(1);
  absl::Duration command_timeout = absl::Seconds(1);
};

// "host:port", "[::1]:6379". INVALID_ARGUMENT (REDIS_ADDRESS_INVALID) when malformed or the port
// is outside 1..65535. Timeouts keep their defaults.
absl::StatusOr<RedisOptions> ParseAddress(absl::string_view host_port);

// A reply as the server sent it (RESP2).
struct Reply {
  enum class Type { kNil, kInteger, kString, kArray, kStatus, kError };
  Type type = Type::kNil;
  int64_t integer = 0;          // kInteger
  std::string str;              // kString, kStatus ("OK"), kError ("WRONGTYPE Operation ...")
  std::vector<Reply> elements;  // kArray

  bool is_nil() const { return type == Type::kNil; }
  bool is_error() const { return type == Type::kError; }
};

class Client {
 public:
  // Connects eagerly: UNAVAILABLE when the server cannot be reached within connect_timeout.
  static absl::StatusOr<std::unique_ptr<Client>> Connect(RedisOptions opts);

  Client(const Client&) = delete;
  Client& operator=(const Client&) = delete;
  ~Client();

  absl::Status Ping();
  // TIME: the one clock for deciding whether a deadline is due (docs/architecture.md#enquiries-and-timers).
  absl::StatusOr<absl::Time> ServerTime();
  // CONFIG GET <key>: the value, or NOT_FOUND (REDIS_CONFIG_UNKNOWN) for an unknown key.
  absl::StatusOr<std::string> ConfigGet(absl::string_view key);

  absl::Status ZAdd(absl::string_view key, double score, absl::string_view member);
  // Pipelined ZADDs of up to 512 members each; one round trip for typical batches.
  absl::Status ZAddMany(absl::string_view key, const std::vector<std::pair<double, std::string>>& items);
  absl::Status ZRem(absl::string_view key, absl::string_view member);
  // Members with score in [-inf, max_score], lowest first, at most `limit` (> 0), with scores.
  absl::StatusOr<std::vector<std::pair<std::string, double>>> ZRangeByScore(absl::string_view key, double max_score,
                                                                            int limit);
  absl::StatusOr<int64_t> ZCard(absl::string_view key);
  absl::Status Del(absl::string_view key);
  absl::Status Publish(absl::string_view channel, absl::string_view message);

  // Any command, argv-style (binary-safe). Error replies come back as a Reply of type kError,
  // not as a status: the caller decides. Only transport failures are statuses (UNAVAILABLE).
  absl::StatusOr<Reply> Command(const std::vector<std::string>& argv);

  // Several commands in one round trip; replies in order. UNAVAILABLE if any reply is lost.
  absl::StatusOr<std::vector<Reply>> Pipeline(const std::vector<std::vector<std::string>>& commands);

 private:
  explicit Client(RedisOptions opts);

  absl::Status EnsureConnectedLocked() ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  absl::Status DropLocked(absl::string_view what) ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  // Command() that turns an error reply into a status.
  absl::StatusOr<Reply> Call(const std::vector<std::string>& argv);

  const RedisOptions opts_;
  absl::Mutex mu_;
  redisContext* ctx_ ABSL_GUARDED_BY(mu_) = nullptr;
  bool healthy_ ABSL_GUARDED_BY(mu_) = true;  // logs only on transitions
};

// The status for an error reply (see the mapping above).
absl::Status ErrorReplyStatus(absl::string_view error_text);

}  // namespace parley::redis
