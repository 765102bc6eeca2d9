#include "common/grpc/client.h"

#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <atomic>
#include <thread>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "common/grpc/server.h"
#include "common/grpc/test_service.h"
#include "common/status/reason.h"
#include "gtest/gtest.h"

namespace parley::client {
namespace {

using parley::testing::RawCall;
using parley::testing::TestMethod;

// A loopback port with nothing listening: connections are refused at once.
int ClosedPort() {
  const int fd = socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  socklen_t len = sizeof(addr);
  bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof(addr));
  getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &len);
  close(fd);
  return ntohs(addr.sin_port);
}

class ClientTest : public ::testing::Test {
 protected:
  void SetUp() override {
    server::ServerOptions options;
    options.service_name = "client-test";
    options.listen_address = "127.0.0.1:0";
    options.metrics_address = "";
    options.not_serving_delay = absl::ZeroDuration();
    server_ = std::make_unique<server::Server>(options);
    server_->AddService(&service_);
    ASSERT_TRUE(server_->Start().ok());
    channel_ = MakeChannel(absl::StrCat("127.0.0.1:", server_->port()));
  }

  // Runs `method` through Call, counting attempts.
  absl::Status CallCounting(const CallOptions& opts, const std::shared_ptr<grpc::Channel>& channel,
                            const std::string& method, int* attempts, std::string* out = nullptr) {
    return Call(opts, [&](grpc::ClientContext& ctx) {
      ++*attempts;
      return RawCall(channel, &ctx, method, "", out);
    });
  }

  parley::testing::TestService service_;
  std::unique_ptr<server::Server> server_;
  std::shared_ptr<grpc::Channel> channel_;
};

TEST_F(ClientTest, RetriesUnavailableOnlyForIdempotentCalls) {
  auto nowhere = MakeChannel(absl::StrCat("127.0.0.1:", ClosedPort()));
  CallOptions opts;
  opts.initial_backoff = absl::Milliseconds(5);
  opts.timeout = absl::Seconds(5);

  int attempts = 0;
  opts.idempotent = true;
  absl::Status status = CallCounting(opts, nowhere, TestMethod("Sleep"), &attempts);
  EXPECT_EQ(status.code(), absl::StatusCode::kUnavailable);
  EXPECT_EQ(attempts, 3);

  attempts = 0;
  opts.idempotent = false;
  status = CallCounting(opts, nowhere, TestMethod("Sleep"), &attempts);
  EXPECT_EQ(status.code(), absl::StatusCode::kUnavailable);
  EXPECT_EQ(attempts, 1);

  // A server's own UNAVAILABLE (its database is down) is retried too, and keeps its reason.
  attempts = 0;
  opts.idempotent = true;
  status = CallCounting(opts, channel_, TestMethod("Unavailable"), &attempts);
  EXPECT_EQ(status.code(), absl::StatusCode::kUnavailable);
  EXPECT_EQ(ErrorReason(status), "PG_UNAVAILABLE");
  EXPECT_EQ(attempts, 3);
}

TEST_F(ClientTest, OtherErrorsAreNotRetriedAndKeepTheirReason) {
  CallOptions opts;
  opts.idempotent = true;
  int attempts = 0;
  absl::Status status = CallCounting(opts, channel_, TestMethod("Fail"), &attempts);
  EXPECT_EQ(status.code(), absl::StatusCode::kPermissionDenied);
  EXPECT_EQ(ErrorReason(status), "WRONG_SCHOOL");
  EXPECT_EQ(status.message(), "not your school");
  EXPECT_EQ(attempts, 1);
}

TEST_F(ClientTest, RetriesStopAtTheDeadline) {
  auto nowhere = MakeChannel(absl::StrCat("127.0.0.1:", ClosedPort()));
  CallOptions opts;
  opts.idempotent = true;
  opts.max_attempts = 1000;
  opts.initial_backoff = absl::Milliseconds(40);
  opts.timeout = absl::Milliseconds(300);
  int attempts = 0;
  const absl::Time began = absl::Now();
  absl::Status status = CallCounting(opts, nowhere, TestMethod("Sleep"), &attempts);
  EXPECT_FALSE(status.ok());
  EXPECT_LT(attempts, 10);  // 40, 80, 160 ms backoffs fit; the next would pass the deadline
  EXPECT_LT(absl::Now() - began, absl::Seconds(3));
}

TEST_F(ClientTest, APeerThatDoesNotAnswerInTimeIsUnavailableNotTheCallersDeadline) {
  CallOptions opts;
  opts.timeout = absl::Milliseconds(100);
  int attempts = 0;
  absl::Status status = Call(opts, [&](grpc::ClientContext& ctx) {
    ++attempts;
    return RawCall(channel_, &ctx, TestMethod("Sleep"), "500");
  });
  EXPECT_EQ(status.code(), absl::StatusCode::kUnavailable);
  EXPECT_EQ(ErrorReason(status), "PEER_UNAVAILABLE");
  EXPECT_EQ(attempts, 1);
}

TEST_F(ClientTest, APeerAtItsLimitOfCallsIsRetriedLikeUnavailable) {
  // A server that runs one call at a time: while it sleeps, gRPC turns the next call away.
  server::ServerOptions options;
  options.service_name = "client-test-busy";
  options.listen_address = "127.0.0.1:0";
  options.metrics_address = "";
  options.not_serving_delay = absl::ZeroDuration();
  options.max_threads = 1;
  parley::testing::TestService service;
  server::Server busy(options);
  busy.AddService(&service);
  ASSERT_TRUE(busy.Start().ok());
  auto channel = MakeChannel(absl::StrCat("127.0.0.1:", busy.port()));
  std::thread sleeper([&] {
    grpc::ClientContext ctx;
    ctx.set_deadline(absl::ToChronoTime(absl::Now() + absl::Seconds(5)));
    (void)RawCall(channel, &ctx, TestMethod("Sleep"), "400");
  });
  absl::SleepFor(absl::Milliseconds(100));
  CallOptions opts;
  opts.idempotent = true;
  opts.max_attempts = 50;
  opts.initial_backoff = absl::Milliseconds(20);
  opts.timeout = absl::Seconds(5);
  int attempts = 0;
  const absl::Status status = CallCounting(opts, channel, TestMethod("Sleep"), &attempts);
  sleeper.join();
  EXPECT_TRUE(status.ok()) << status;
  EXPECT_GT(attempts, 1) << "the first attempt should have found the server busy";
}

TEST_F(ClientTest, SendsTheBearerToken) {
  CallOptions opts;
  opts.bearer_token = "tok.en.value";
  std::string seen;
  int attempts = 0;
  ASSERT_TRUE(CallCounting(opts, channel_, TestMethod("Whoami"), &attempts, &seen).ok());
  EXPECT_EQ(seen, "Bearer tok.en.value");

  opts.bearer_token.clear();
  ASSERT_TRUE(CallCounting(opts, channel_, TestMethod("Whoami"), &attempts, &seen).ok());
  EXPECT_EQ(seen, "");
}

TEST_F(ClientTest, ParentDeadlineShorterThanTimeoutWins) {
  // The test calls Relay with 1 s left; Relay calls Deadline with a 10 s timeout and parent=ctx.
  std::string remaining;
  grpc::Status status =
      RawCall(channel_, TestMethod("Relay"), absl::StrCat(server_->port()), &remaining, absl::Seconds(1));
  ASSERT_TRUE(status.ok()) << status.error_message();
  int64_t ms = 0;
  ASSERT_TRUE(absl::SimpleAtoi(remaining, &ms)) << remaining;
  EXPECT_GT(ms, 0);
  EXPECT_LE(ms, 1100);  // 1 s, give or take gRPC's rounding of timeouts on the wire

  // Without a deadline from the caller, the relay's own timeout applies.
  status = RawCall(channel_, TestMethod("Relay"), absl::StrCat(server_->port()), &remaining, absl::Hours(1));
  ASSERT_TRUE(status.ok()) << status.error_message();
  ASSERT_TRUE(absl::SimpleAtoi(remaining, &ms)) << remaining;
  EXPECT_GT(ms, 5000);
  EXPECT_LE(ms, 10200);  // gRPC rounds timeouts up on the wire
}

}  // namespace
}  // namespace parley::client
