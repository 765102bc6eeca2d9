#include "common/redis/client.h"

#include <hiredis/hiredis.h>
#include <pthread.h>
#include <signal.h>

#include <algorithm>
#include <charconv>
#include <cmath>
#include <cstring>
#include <utility>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "common/log/log.h"
#include "common/status/reason.h"
#include "common/status/status_macros.h"

namespace parley::redis {
namespace {

constexpr size_t kZAddChunk = 512;

// Blocks SIGPIPE on this thread while talking to the server and swallows one raised meanwhile,
// the way libpq does: hiredis writes with write(2), and Linux has no per-socket opt-out.
class SigpipeBlocker {
 public:
  SigpipeBlocker() {
    sigemptyset(&pipe_);
    sigaddset(&pipe_, SIGPIPE);
    sigset_t pending;
    sigemptyset(&pending);
    sigpending(&pending);
    was_pending_ = sigismember(&pending, SIGPIPE) == 1;
    pthread_sigmask(SIG_BLOCK, &pipe_, &old_);
  }
  ~SigpipeBlocker() {
    if (!was_pending_) {
      sigset_t pending;
      sigemptyset(&pending);
      sigpending(&pending);
      if (sigismember(&pending, SIGPIPE) == 1) {
        const timespec zero = {0, 0};
        sigtimedwait(&pipe_, nullptr, &zero);
      }
    }
    pthread_sigmask(SIG_SETMASK, &old_, nullptr);
  }
  SigpipeBlocker(const SigpipeBlocker&) = delete;
  SigpipeBlocker& operator=(const SigpipeBlocker&) = delete;

 private:
  sigset_t pipe_;
  sigset_t old_;
  bool was_pending_ = false;
};

absl::Status UnavailableStatus() { return Unavailable(kReasonUnavailable, "Redis is unavailable; retry later"); }

Reply Convert(const redisReply* r) {
  Reply out;
  switch (r->type) {
    case REDIS_REPLY_STRING:
      out.type = Reply::Type::kString;
      out.str.assign(r->str, r->len);
      break;
    case REDIS_REPLY_STATUS:
      out.type = Reply::Type::kStatus;
      out.str.assign(r->str, r->len);
      break;
    case REDIS_REPLY_ERROR:
      out.type = Reply::Type::kError;
      out.str.assign(r->str, r->len);
      break;
    case REDIS_REPLY_INTEGER:
      out.type = Reply::Type::kInteger;
      out.integer = r->integer;
      break;
    case REDIS_REPLY_ARRAY:
      out.type = Reply::Type::kArray;
      out.elements.reserve(r->elements);
      for (size_t i = 0; i < r->elements; ++i) out.elements.push_back(Convert(r->element[i]));
      break;
    default:
      out.type = Reply::Type::kNil;
      break;
  }
  return out;
}

absl::StatusOr<std::string> FormatScore(double score) {
  if (std::isnan(score)) {
    return InvalidArgument(reason::kRedisScoreInvalid, "a sorted-set score must not be NaN");
  }
  if (std::isinf(score)) return std::string(score > 0 ? "+inf" : "-inf");
  // Shortest text that parses back to the same double, independent of the C locale.
  char buf[64];
  const std::to_chars_result r = std::to_chars(buf, buf + sizeof(buf), score);
  return std::string(buf, r.ptr);
}

absl::Status Unexpected(absl::string_view command) {
  return WithReason(absl::InternalError(absl::StrCat("unexpected Redis reply to ", command)), kReasonCommandFailed);
}

}  // namespace

absl::Status ErrorReplyStatus(absl::string_view error_text) {
  const absl::string_view prefix = error_text.substr(0, error_text.find(' '));
  // Only the error's first word: the rest can echo command arguments.
  if (prefix == "LOADING" || prefix == "BUSY" || prefix == "MASTERDOWN" || prefix == "TRYAGAIN" || prefix == "OOM" ||
      prefix == "CLUSTERDOWN" || prefix == "READONLY") {
    return Unavailable(kReasonUnavailable, absl::StrCat("Redis cannot serve the command now (", prefix, ")"));
  }
  return WithReason(absl::InternalError(absl::StrCat("Redis rejected the command (", prefix, ")")),
                    kReasonCommandFailed);
}

absl::StatusOr<RedisOptions> ParseAddress(absl::string_view host_port) {
  const absl::Status invalid =
      InvalidArgument(reason::kRedisAddressInvalid, "a Redis address must look like host:port");
  absl::string_view host;
  absl::string_view port_text;
  if (!host_port.empty() && host_port.front() == '[') {
    const size_t close = host_port.find(']');
    if (close == absl::string_view::npos || close + 1 >= host_port.size() || host_port[close + 1] != ':') {
      return invalid;
    }
    host = host_port.substr(1, close - 1);
    port_text = host_port.substr(close + 2);
  } else {
    const size_t colon = host_port.rfind(':');
    if (colon == absl::string_view::npos) return invalid;
    host = host_port.substr(0, colon);
    port_text = host_port.substr(colon + 1);
    if (host.find(':') != absl::string_view::npos) return invalid;  // bare IPv6 needs brackets
  }
  int port = 0;
  if (host.empty() || !absl::SimpleAtoi(port_text, &port) || port < 1 || port > 65535) {
    return invalid;
  }
  RedisOptions opts;
  opts.host = std::string(host);
  opts.port = port;
  return opts;
}

Client::Client(RedisOptions opts) : opts_(std::move(opts)) {}

Client::~Client() {
  absl::MutexLock lock(&mu_);
  if (ctx_ != nullptr) redisFree(ctx_);
}

absl::StatusOr<std::unique_ptr<Client>> Client::Connect(RedisOptions opts) {
  if (opts.host.empty() || opts.port < 1 || opts.port > 65535 || opts.connect_timeout <= absl::ZeroDuration() ||
      opts.command_timeout <= absl::ZeroDuration()) {
    return InvalidArgument(reason::kRedisOptionsInvalid,
                           "Redis options need a host, a port in 1..65535 and positive timeouts");
  }
  std::unique_ptr<Client> client(new Client(std::move(opts)));
  {
    absl::MutexLock lock(&client->mu_);
    PARLEY_RETURN_IF_ERROR(client->EnsureConnectedLocked());
  }
  return client;
}

absl::Status Client::DropLocked(absl::string_view what) {
  const std::string detail = ctx_ != nullptr ? std::string(ctx_->errstr) : std::string();
  if (ctx_ != nullptr) {
    redisFree(ctx_);
    ctx_ = nullptr;
  }
  if (healthy_) {
    log::Warning("redis_unavailable",
                 {{"host", opts_.host}, {"port", opts_.port}, {"during", std::string(what)}, {"detail", detail}});
    healthy_ = false;
  }
  return UnavailableStatus();
}

absl::Status Client::EnsureConnectedLocked() {
  if (ctx_ != nullptr) return absl::OkStatus();
  SigpipeBlocker no_sigpipe;
  ctx_ = redisConnectWithTimeout(opts_.host.c_str(), opts_.port, absl::ToTimeval(opts_.connect_timeout));
  if (ctx_ == nullptr) return DropLocked("connect");
  if (ctx_->err != 0 || redisSetTimeout(ctx_, absl::ToTimeval(opts_.command_timeout)) != REDIS_OK ||
      redisEnableKeepAlive(ctx_) != REDIS_OK) {
    return DropLocked("connect");
  }
  if (!healthy_) {
    log::Info("redis_reconnected", {{"host", opts_.host}, {"port", opts_.port}});
    healthy_ = true;
  }
  return absl::OkStatus();
}

absl::StatusOr<std::vector<Reply>> Client::Pipeline(const std::vector<std::vector<std::string>>& commands) {
  absl::MutexLock lock(&mu_);
  PARLEY_RETURN_IF_ERROR(EnsureConnectedLocked());
  SigpipeBlocker no_sigpipe;
  for (const std::vector<std::string>& argv : commands) {
    if (argv.empty()) {
      return InvalidArgument(reason::kRedisCommandInvalid, "a Redis command needs a name");
    }
  }
  for (const std::vector<std::string>& argv : commands) {
    std::vector<const char*> ptrs;
    std::vector<size_t> lens;
    ptrs.reserve(argv.size());
    lens.reserve(argv.size());
    for (const std::string& a : argv) {
      ptrs.push_back(a.data());
      lens.push_back(a.size());
    }
    if (redisAppendCommandArgv(ctx_, static_cast<int>(argv.size()), ptrs.data(), lens.data()) != REDIS_OK) {
      return DropLocked("write");
    }
  }
  std::vector<Reply> replies;
  replies.reserve(commands.size());
  for (size_t i = 0; i < commands.size(); ++i) {
    void* raw = nullptr;
    // On a timeout the reply may still arrive later and would answer the next command: the
    // connection has to go.
    if (redisGetReply(ctx_, &raw) != REDIS_OK || raw == nullptr) return DropLocked("read");
    replies.push_back(Convert(static_cast<redisReply*>(raw)));
    freeReplyObject(raw);
  }
  return replies;
}

absl::StatusOr<Reply> Client::Command(const std::vector<std::string>& argv) {
  PARLEY_ASSIGN_OR_RETURN(std::vector<Reply> replies, Pipeline({argv}));
  return std::move(replies.front());
}

absl::StatusOr<Reply> Client::Call(const std::vector<std::string>& argv) {
  PARLEY_ASSIGN_OR_RETURN(Reply reply, Command(argv));
  if (reply.is_error()) return ErrorReplyStatus(reply.str);
  return reply;
}

absl::Status Client::Ping() {
  PARLEY_ASSIGN_OR_RETURN(Reply reply, Call({"PING"}));
  if (reply.type != Reply::Type::kStatus || reply.str != "PONG") return Unexpected("PING");
  return absl::OkStatus();
}

absl::StatusOr<absl::Time> Client::ServerTime() {
  PARLEY_ASSIGN_OR_RETURN(Reply reply, Call({"TIME"}));
  int64_t seconds = 0;
  int64_t micros = 0;
  if (reply.type != Reply::Type::kArray || reply.elements.size() != 2 ||
      !absl::SimpleAtoi(reply.elements[0].str, &seconds) || !absl::SimpleAtoi(reply.elements[1].str, &micros)) {
    return Unexpected("TIME");
  }
  return absl::FromUnixSeconds(seconds) + absl::Microseconds(micros);
}

absl::StatusOr<std::string> Client::ConfigGet(absl::string_view key) {
  PARLEY_ASSIGN_OR_RETURN(Reply reply, Call({"CONFIG", "GET", std::string(key)}));
  if (reply.type != Reply::Type::kArray) return Unexpected("CONFIG GET");
  if (reply.elements.size() < 2) {
    return NotFound(reason::kRedisConfigUnknown, absl::StrCat("Redis has no setting ", key));
  }
  return std::move(reply.elements[1].str);
}

absl::Status Client::ZAdd(absl::string_view key, double score, absl::string_view member) {
  PARLEY_ASSIGN_OR_RETURN(std::string s, FormatScore(score));
  return Call({"ZADD", std::string(key), std::move(s), std::string(member)}).status();
}

absl::Status Client::ZAddMany(absl::string_view key, const std::vector<std::pair<double, std::string>>& items) {
  if (items.empty()) return absl::OkStatus();
  std::vector<std::vector<std::string>> commands;
  for (size_t start = 0; start < items.size(); start += kZAddChunk) {
    std::vector<std::string> argv = {"ZADD", std::string(key)};
    const size_t end = std::min(items.size(), start + kZAddChunk);
    for (size_t i = start; i < end; ++i) {
      PARLEY_ASSIGN_OR_RETURN(std::string s, FormatScore(items[i].first));
      argv.push_back(std::move(s));
      argv.push_back(items[i].second);
    }
    commands.push_back(std::move(argv));
  }
  PARLEY_ASSIGN_OR_RETURN(std::vector<Reply> replies, Pipeline(commands));
  for (const Reply& r : replies) {
    if (r.is_error()) return ErrorReplyStatus(r.str);
  }
  return absl::OkStatus();
}

absl::Status Client::ZRem(absl::string_view key, absl::string_view member) {
  return Call({"ZREM", std::string(key), std::string(member)}).status();
}

absl::StatusOr<std::vector<std::pair<std::string, double>>> Client::ZRangeByScore(absl::string_view key,
                                                                                  double max_score, int limit) {
  if (limit <= 0) return InvalidArgument(reason::kRedisLimitInvalid, "the limit must be positive");
  PARLEY_ASSIGN_OR_RETURN(std::string max, FormatScore(max_score));
  PARLEY_ASSIGN_OR_RETURN(Reply reply, Call({"ZRANGEBYSCORE", std::string(key), "-inf", max, "WITHSCORES", "LIMIT", "0",
                                             std::to_string(limit)}));
  if (reply.type != Reply::Type::kArray || reply.elements.size() % 2 != 0) {
    return Unexpected("ZRANGEBYSCORE");
  }
  std::vector<std::pair<std::string, double>> out;
  out.reserve(reply.elements.size() / 2);
  for (size_t i = 0; i < reply.elements.size(); i += 2) {
    double score = 0;
    if (!absl::SimpleAtod(reply.elements[i + 1].str, &score)) return Unexpected("ZRANGEBYSCORE");
    out.emplace_back(std::move(reply.elements[i].str), score);
  }
  return out;
}

absl::StatusOr<int64_t> Client::ZCard(absl::string_view key) {
  PARLEY_ASSIGN_OR_RETURN(Reply reply, Call({"ZCARD", std::string(key)}));
  if (reply.type != Reply::Type::kInteger) return Unexpected("ZCARD");
  return reply.integer;
}

absl::Status Client::Del(absl::string_view key) { return Call({"DEL", std::string(key)}).status(); }

absl::Status Client::Publish(absl::string_view channel, absl::string_view message) {
  return Call({"PUBLISH", std::string(channel), std::string(message)}).status();
}

}  // namespace parley::redis
