// Client behaviour that needs no Redis server: address parsing, error mapping, and failing fast
// (UNAVAILABLE) against a closed port or a server that never answers.
#include "common/redis/client.h"

#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include "absl/time/clock.h"
#include "common/status/reason.h"
#include "gtest/gtest.h"

namespace parley::redis {
namespace {

TEST(ParseAddress, AcceptsHostPort) {
  absl::StatusOr<RedisOptions> a = ParseAddress("127.0.0.1:6392");
  ASSERT_TRUE(a.ok()) << a.status();
  EXPECT_EQ(a->host, "127.0.0.1");
  EXPECT_EQ(a->port, 6392);
  absl::StatusOr<RedisOptions> b = ParseAddress("redis.parley.svc:6379");
  ASSERT_TRUE(b.ok());
  EXPECT_EQ(b->host, "redis.parley.svc");
  absl::StatusOr<RedisOptions> c = ParseAddress("[::1]:7000");
  ASSERT_TRUE(c.ok());
  EXPECT_EQ(c->host, "::1");
  EXPECT_EQ(c->port, 7000);
}

TEST(ParseAddress, RejectsMalformed) {
  for (absl::string_view bad :
       {"", "127.0.0.1", ":6379", "host:", "host:0", "host:65536", "host:63x", "::1:6379", "[::1]6379", "[::1"}) {
    absl::StatusOr<RedisOptions> r = ParseAddress(bad);
    EXPECT_EQ(r.status().code(), absl::StatusCode::kInvalidArgument) << bad;
    EXPECT_EQ(ErrorReason(r.status()), "REDIS_ADDRESS_INVALID") << bad;
  }
}

TEST(ErrorReplyStatus, TransientRefusalsAreUnavailableOthersInternal) {
  for (absl::string_view e :
       {"LOADING Redis is loading the dataset in memory", "OOM command not allowed when used memory > 'maxmemory'.",
        "BUSY Redis is busy running a script", "MASTERDOWN Link is down"}) {
    EXPECT_EQ(ErrorReplyStatus(e).code(), absl::StatusCode::kUnavailable) << e;
    EXPECT_EQ(ErrorReason(ErrorReplyStatus(e)), kReasonUnavailable);
  }
  const absl::Status wrong = ErrorReplyStatus("WRONGTYPE Operation against a key holding the wrong kind of value");
  EXPECT_EQ(wrong.code(), absl::StatusCode::kInternal);
  EXPECT_EQ(ErrorReason(wrong), kReasonCommandFailed);
  // Only the error word, never the arguments the server may echo.
  const absl::Status err = ErrorReplyStatus("ERR unknown command 'FOO', with args beginning with: 'jo@example.org'");
  EXPECT_EQ(err.message().find("jo@example.org"), absl::string_view::npos) << err;
}

// A loopback TCP socket: listening (accepts connections into the backlog but never answers) or,
// after Close(), a port nobody listens on.
class LoopbackSocket {
 public:
  explicit LoopbackSocket(bool listen_on_it) {
    fd_ = socket(AF_INET, SOCK_STREAM, 0);
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    socklen_t len = sizeof(addr);
    if (bind(fd_, reinterpret_cast<sockaddr*>(&addr), sizeof(addr)) == 0 &&
        getsockname(fd_, reinterpret_cast<sockaddr*>(&addr), &len) == 0 && (!listen_on_it || listen(fd_, 8) == 0)) {
      port_ = ntohs(addr.sin_port);
    }
  }
  ~LoopbackSocket() { Close(); }
  void Close() {
    if (fd_ >= 0) close(fd_);
    fd_ = -1;
  }
  int port() const { return port_; }

 private:
  int fd_ = -1;
  int port_ = 0;
};

TEST(Client, ClosedPortIsUnavailable) {
  LoopbackSocket socket(/*listen_on_it=*/false);
  ASSERT_GT(socket.port(), 0);
  socket.Close();
  RedisOptions opts;
  opts.port = socket.port();
  absl::StatusOr<std::unique_ptr<Client>> client = Client::Connect(opts);
  EXPECT_EQ(client.status().code(), absl::StatusCode::kUnavailable) << client.status();
  EXPECT_EQ(ErrorReason(client.status()), kReasonUnavailable);
}

TEST(Client, SilentServerTimesOutAsUnavailable) {
  LoopbackSocket server(/*listen_on_it=*/true);
  ASSERT_GT(server.port(), 0);
  RedisOptions opts;
  opts.port = server.port();
  opts.command_timeout = absl::Milliseconds(100);
  absl::StatusOr<std::unique_ptr<Client>> client = Client::Connect(opts);
  ASSERT_TRUE(client.ok()) << client.status();  // the kernel completes the handshake
  for (int i = 0; i < 2; ++i) {                 // the second call reconnects and times out again
    const absl::Time start = absl::Now();
    const absl::Status s = (*client)->Ping();
    EXPECT_EQ(s.code(), absl::StatusCode::kUnavailable) << s;
    EXPECT_EQ(ErrorReason(s), kReasonUnavailable);
    EXPECT_LT(absl::Now() - start, absl::Seconds(2));
  }
}

TEST(Client, RejectsBadOptions) {
  RedisOptions opts;
  opts.port = 0;
  EXPECT_EQ(Client::Connect(opts).status().code(), absl::StatusCode::kInvalidArgument);
}

}  // namespace
}  // namespace parley::redis
