#include "common/grpc/server.h"

#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <dirent.h>

#include <atomic>
#include <cstdio>
#include <fstream>
#include <mutex>
#include <thread>
#include <vector>

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "common/grpc/client.h"
#include "common/grpc/test_service.h"
#include "common/log/log.h"
#include "common/metrics/testing/http_get.h"
#include "common/status/grpc_status.h"
#include "common/status/reason.h"
#include "common/status/reasons.h"
#include "gmock/gmock.h"
#include "grpcpp/generic/generic_stub.h"
#include "gtest/gtest.h"
#include "parley/diagnostics/v1/diagnostics.grpc.pb.h"
#include "parley/escalation/v1/escalation_service.grpc.pb.h"

namespace parley::server {
namespace {

using parley::testing::RawCall;
using parley::testing::TestMethod;
using ::testing::HasSubstr;
using ::testing::Not;

constexpr char kDiagnostics[] = "parley.diagnostics.v1.DiagnosticsService";

enum class Health { kUnknown, kServing, kNotServing, kNotFound, kError };

// grpc.health.v1.Health/Check with a hand-encoded HealthCheckRequest {service = 1}; the
// response is HealthCheckResponse {status = 1} (08 01 SERVING, 08 02 NOT_SERVING).
Health CheckHealth(const std::shared_ptr<grpc::Channel>& channel, const std::string& service) {
  std::string request;
  if (!service.empty()) {
    request = absl::StrCat("\x0a", std::string(1, static_cast<char>(service.size())), service);
  }
  std::string response;
  grpc::Status status = RawCall(channel, "/grpc.health.v1.Health/Check", request, &response, absl::Seconds(2));
  if (status.error_code() == grpc::StatusCode::NOT_FOUND) return Health::kNotFound;
  if (!status.ok()) return Health::kError;
  if (response == "\x08\x01") return Health::kServing;
  if (response == "\x08\x02") return Health::kNotServing;
  return Health::kUnknown;
}

// Polls (bounded, 5 s) until `service` reports `want`.
bool AwaitHealth(const std::shared_ptr<grpc::Channel>& channel, const std::string& service, Health want) {
  const absl::Time give_up = absl::Now() + absl::Seconds(5);
  while (absl::Now() < give_up) {
    if (CheckHealth(channel, service) == want) return true;
    absl::SleepFor(absl::Milliseconds(10));
  }
  return false;
}

grpc::Status Echo(const std::shared_ptr<grpc::Channel>& channel, const std::string& payload,
                  std::string* out = nullptr) {
  auto stub = parley::diagnostics::v1::DiagnosticsService::NewStub(channel);
  grpc::ClientContext ctx;
  ctx.set_deadline(absl::ToChronoTime(absl::Now() + absl::Seconds(5)));
  parley::diagnostics::v1::EchoRequest request;
  request.set_payload(payload);
  parley::diagnostics::v1::EchoResponse response;
  grpc::Status status = stub->Echo(&ctx, request, &response);
  if (out != nullptr) *out = response.payload();
  return status;
}

ServerOptions TestOptions() {
  ServerOptions options;
  options.service_name = "test";
  options.listen_address = "127.0.0.1:0";
  options.metrics_address = "127.0.0.1:0";
  options.readiness_poll = absl::Milliseconds(20);
  options.not_serving_delay = absl::ZeroDuration();
  options.drain_deadline = absl::Seconds(5);
  return options;
}

class ServerTest : public ::testing::Test {
 protected:
  void StartServer(ServerOptions options = TestOptions()) {
    server_ = std::make_unique<Server>(options);
    server_->AddService(&test_service_);
    for (auto& [name, fn] : checks_) server_->AddReadinessCheck(name, fn);
    ASSERT_TRUE(server_->Start().ok());
    ASSERT_GT(server_->port(), 0);
    channel_ = client::MakeChannel(absl::StrCat("127.0.0.1:", server_->port()));
  }

  parley::testing::TestService test_service_;
  std::vector<std::pair<std::string, std::function<absl::Status()>>> checks_;
  std::unique_ptr<Server> server_;
  std::shared_ptr<grpc::Channel> channel_;
};

TEST_F(ServerTest, EchoWorks) {
  StartServer();
  std::string out;
  ASSERT_TRUE(Echo(channel_, "hello", &out).ok());
  EXPECT_EQ(out, "hello");
}

// gRPC fails to decode a proto3 string field that is not valid UTF-8 before any handler runs and
// answers INTERNAL with no message; the server tells the client it was their request. The
// generated escalation service answers UNIMPLEMENTED to everything it decodes, which is enough:
// decoding happens before the handler.
TEST(ServerUndecodable, RequestIsInvalidArgumentWithAReason) {
  parley::escalation::v1::EscalationService::Service escalation;
  Server server(TestOptions());
  server.AddService(&escalation);
  ASSERT_TRUE(server.Start().ok());
  auto channel = client::MakeChannel(absl::StrCat("127.0.0.1:", server.port()));
  const std::string method = "/parley.escalation.v1.EscalationService/GetEnquiry";
  // GetEnquiryRequest{name = "\xff\xfe"}: field 1, length 2, bytes that are not UTF-8. Then bytes
  // that are no protobuf at all (a field tag with wire type 7).
  for (const std::string& request : {std::string("\x0a\x02\xff\xfe"), std::string("\x0f\x0f\x0f")}) {
    grpc::ClientContext ctx;
    ctx.set_deadline(absl::ToChronoTime(absl::Now() + absl::Seconds(5)));
    grpc::Status status = RawCall(channel, &ctx, method, request);
    EXPECT_EQ(status.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
    EXPECT_EQ(status.error_message(),
              "the request could not be decoded: a string field is not valid UTF-8 or the bytes are not a "
              "parley.escalation.v1.GetEnquiryRequest");
    const auto& trailers = ctx.GetServerTrailingMetadata();
    auto it = trailers.find(std::string(kErrorReasonMetadataKey));
    ASSERT_NE(it, trailers.end());
    EXPECT_EQ(std::string(it->second.data(), it->second.size()), reason::kMalformedRequest);
  }
  // A request that decodes reaches the handler, whose answer is passed through.
  EXPECT_EQ(RawCall(channel, method, "\x0a\x02ok").error_code(), grpc::StatusCode::UNIMPLEMENTED);
  server.Shutdown();
}

TEST_F(ServerTest, HealthIsServingOverallAndPerService) {
  StartServer();
  EXPECT_EQ(CheckHealth(channel_, ""), Health::kServing);
  EXPECT_EQ(CheckHealth(channel_, kDiagnostics), Health::kServing);
  EXPECT_EQ(CheckHealth(channel_, parley::testing::kTestServiceName), Health::kServing);
  EXPECT_EQ(CheckHealth(channel_, "parley.nothing.v1.Nope"), Health::kNotFound);
}

TEST_F(ServerTest, ReflectionListsTheServices) {
  StartServer();
  // ServerReflectionInfo is a bidi stream; ask list_services (field 7) and read one answer.
  grpc::GenericStub stub(channel_);
  grpc::ClientContext ctx;
  ctx.set_deadline(absl::ToChronoTime(absl::Now() + absl::Seconds(5)));
  grpc::CompletionQueue cq;
  void* tag;
  bool ok;
  auto call = stub.PrepareCall(&ctx, "/grpc.reflection.v1alpha.ServerReflection/ServerReflectionInfo", &cq);
  call->StartCall(reinterpret_cast<void*>(1));
  ASSERT_TRUE(cq.Next(&tag, &ok) && ok);
  grpc::ByteBuffer request = parley::testing::ToBuffer(std::string("\x3a\x00", 2));
  call->Write(request, reinterpret_cast<void*>(2));
  ASSERT_TRUE(cq.Next(&tag, &ok) && ok);
  grpc::ByteBuffer response;
  call->Read(&response, reinterpret_cast<void*>(3));
  ASSERT_TRUE(cq.Next(&tag, &ok) && ok);
  const std::string text = parley::testing::FromBuffer(response);
  EXPECT_THAT(text, HasSubstr(kDiagnostics));
  EXPECT_THAT(text, HasSubstr(parley::testing::kTestServiceName));
  ctx.TryCancel();
  grpc::Status finish;
  call->Finish(&finish, reinterpret_cast<void*>(4));
  ASSERT_TRUE(cq.Next(&tag, &ok));
  cq.Shutdown();
  while (cq.Next(&tag, &ok)) {
  }
}

TEST_F(ServerTest, FailingReadinessCheckFlipsHealthAndBack) {
  std::atomic<bool> database_up{true};
  checks_.emplace_back("postgresql", [&database_up]() -> absl::Status {
    if (database_up) return absl::OkStatus();
    return Unavailable("PG_UNAVAILABLE", "database down");
  });
  StartServer();
  EXPECT_EQ(CheckHealth(channel_, ""), Health::kServing);
  database_up = false;
  EXPECT_TRUE(AwaitHealth(channel_, "", Health::kNotServing));
  EXPECT_EQ(CheckHealth(channel_, kDiagnostics), Health::kNotServing);
  EXPECT_EQ(CheckHealth(channel_, parley::testing::kTestServiceName), Health::kNotServing);
  EXPECT_TRUE(Echo(channel_, "still answers").ok());  // readiness is advice to balancers
  EXPECT_EQ(CheckHealth(channel_, std::string(kLivenessHealthName)), Health::kServing);
  database_up = true;
  EXPECT_TRUE(AwaitHealth(channel_, "", Health::kServing));
  EXPECT_EQ(CheckHealth(channel_, kDiagnostics), Health::kServing);
}

TEST_F(ServerTest, DependencyDownAtStartIsNeverServing) {
  checks_.emplace_back("redis", [] { return Unavailable("REDIS_UNAVAILABLE", "down"); });
  StartServer();
  EXPECT_EQ(CheckHealth(channel_, ""), Health::kNotServing);
  EXPECT_EQ(CheckHealth(channel_, kDiagnostics), Health::kNotServing);
  EXPECT_EQ(CheckHealth(channel_, std::string(kLivenessHealthName)), Health::kServing);
}

TEST_F(ServerTest, ShutdownReportsNotServingThenDrainsAndStops) {
  ServerOptions options = TestOptions();
  options.not_serving_delay = absl::Milliseconds(500);
  StartServer(options);
  ASSERT_EQ(CheckHealth(channel_, ""), Health::kServing);

  // A call in flight when shutdown starts is allowed to finish.
  grpc::Status slow_status;
  std::string slow_response;
  const int sleeps_before = parley::testing::TestService::SleepsStarted().load();
  std::thread slow([&] { slow_status = RawCall(channel_, TestMethod("Sleep"), "700", &slow_response); });
  const absl::Time give_up = absl::Now() + absl::Seconds(5);
  while (parley::testing::TestService::SleepsStarted().load() == sleeps_before && absl::Now() < give_up) {
    absl::SleepFor(absl::Milliseconds(1));
  }

  std::thread stopper([&] { server_->Shutdown(); });
  EXPECT_TRUE(AwaitHealth(channel_, "", Health::kNotServing));
  EXPECT_EQ(CheckHealth(channel_, kDiagnostics), Health::kNotServing);
  server_->Wait();
  stopper.join();
  slow.join();
  EXPECT_TRUE(slow_status.ok()) << slow_status.error_message();
  EXPECT_EQ(slow_response, "slept");

  grpc::Status after = Echo(channel_, "late");
  EXPECT_EQ(after.error_code(), grpc::StatusCode::UNAVAILABLE);
  EXPECT_EQ(server_->metrics_port(), 0);
  server_->Shutdown();  // idempotent
}

TEST_F(ServerTest, MetricsCountRpcsByServiceMethodAndCode) {
  StartServer();
  ASSERT_GT(server_->metrics_port(), 0);
  ASSERT_TRUE(Echo(channel_, "x").ok());
  ASSERT_TRUE(Echo(channel_, "y").ok());
  EXPECT_EQ(RawCall(channel_, TestMethod("Fail"), "").error_code(), grpc::StatusCode::PERMISSION_DENIED);
  EXPECT_EQ(RawCall(channel_, "/evil.Invented/Method", "").error_code(), grpc::StatusCode::UNIMPLEMENTED);

  absl::StatusOr<std::string> body = metrics::testing::HttpGet(server_->metrics_port());
  ASSERT_TRUE(body.ok()) << body.status();
  EXPECT_THAT(*body, HasSubstr("parley_grpc_server_handled_total{code=\"OK\",method=\"Echo\","
                               "service=\"parley.diagnostics.v1.DiagnosticsService\"} 2"));
  EXPECT_THAT(*body, HasSubstr("parley_grpc_server_handled_total{code=\"PERMISSION_DENIED\","
                               "method=\"Fail\",service=\"parley.test.v1.TestService\"} 1"));
  EXPECT_THAT(*body, HasSubstr("parley_grpc_server_handling_seconds_count{method=\"Echo\","
                               "service=\"parley.diagnostics.v1.DiagnosticsService\"} 2"));
  // A client cannot mint label values by inventing methods.
  EXPECT_THAT(*body, Not(HasSubstr("evil")));
  EXPECT_THAT(*body, Not(HasSubstr("Invented")));
}

std::mutex g_log_mu;
std::vector<std::string>* g_log_lines = nullptr;
void CaptureLog(std::string_view line) {
  std::lock_guard<std::mutex> lock(g_log_mu);
  if (g_log_lines != nullptr) g_log_lines->emplace_back(line);
}

TEST_F(ServerTest, AccessLogHasOutcomeButNoPayloadOrMetadata) {
  std::vector<std::string> lines;
  {
    std::lock_guard<std::mutex> lock(g_log_mu);
    g_log_lines = &lines;
  }
  log::SetSinkForTesting(&CaptureLog);
  log::SetMinLevel(log::Level::kDebug);
  StartServer();
  {
    grpc::ClientContext ctx;
    ctx.AddMetadata("authorization", "Bearer SECRET-TOKEN");
    EXPECT_FALSE(RawCall(channel_, &ctx, TestMethod("Fail"), "SECRET-PAYLOAD").ok());
  }
  ASSERT_TRUE(Echo(channel_, "SECRET-PAYLOAD").ok());
  server_->Shutdown();
  log::SetSinkForTesting(nullptr);
  log::SetMinLevel(log::Level::kInfo);
  std::lock_guard<std::mutex> lock(g_log_mu);
  g_log_lines = nullptr;

  bool saw_fail = false;
  bool saw_echo = false;
  for (const std::string& line : lines) {
    EXPECT_THAT(line, Not(HasSubstr("SECRET"))) << line;
    nlohmann::json json = nlohmann::json::parse(line);
    if (json["event"] != "rpc") continue;
    if (json["method"] == TestMethod("Fail")) {
      saw_fail = true;
      EXPECT_EQ(json["level"], "info");
      EXPECT_EQ(json["code"], "PERMISSION_DENIED");
      EXPECT_EQ(json["reason"], "WRONG_SCHOOL");
      EXPECT_TRUE(json["duration_ms"].is_number());
    }
    if (json["method"] == "/parley.diagnostics.v1.DiagnosticsService/Echo") {
      saw_echo = true;
      EXPECT_EQ(json["level"], "debug");
      EXPECT_EQ(json["code"], "OK");
    }
  }
  EXPECT_TRUE(saw_fail);
  EXPECT_TRUE(saw_echo);
}

TEST_F(ServerTest, AtInfoOnlyFailedCallsAreLogged) {
  std::vector<std::string> lines;
  {
    std::lock_guard<std::mutex> lock(g_log_mu);
    g_log_lines = &lines;
  }
  log::SetSinkForTesting(&CaptureLog);
  log::SetMinLevel(log::Level::kInfo);
  StartServer();
  ASSERT_TRUE(Echo(channel_, "a").ok());
  EXPECT_FALSE(RawCall(channel_, TestMethod("Fail"), "").ok());
  EXPECT_FALSE(RawCall(channel_, TestMethod("Fail"), "").ok());
  ASSERT_TRUE(Echo(channel_, "b").ok());
  server_->Shutdown();
  log::SetSinkForTesting(nullptr);
  std::lock_guard<std::mutex> lock(g_log_mu);
  g_log_lines = nullptr;

  int rpc_lines = 0;
  for (const std::string& line : lines) {
    nlohmann::json json = nlohmann::json::parse(line);
    if (json["event"] != "rpc") continue;
    ++rpc_lines;
    EXPECT_EQ(json["method"], TestMethod("Fail"));
    EXPECT_EQ(json["code"], "PERMISSION_DENIED");
  }
  EXPECT_EQ(rpc_lines, 2);  // every failure, no success
}

// The counters are cached per method and code after the first call: every later call still counts
// under its own labels.
TEST_F(ServerTest, MetricsCountEveryCallUnderItsMethodAndCode) {
  StartServer();
  for (int i = 0; i < 20; ++i) ASSERT_TRUE(Echo(channel_, "x").ok());
  for (int i = 0; i < 5; ++i)
    EXPECT_EQ(RawCall(channel_, TestMethod("Fail"), "").error_code(), grpc::StatusCode::PERMISSION_DENIED);
  for (int i = 0; i < 3; ++i) {
    EXPECT_EQ(RawCall(channel_, TestMethod("Unavailable"), "").error_code(), grpc::StatusCode::UNAVAILABLE);
  }
  ASSERT_TRUE(RawCall(channel_, TestMethod("Sleep"), "0").ok());

  absl::StatusOr<std::string> body = metrics::testing::HttpGet(server_->metrics_port());
  ASSERT_TRUE(body.ok()) << body.status();
  EXPECT_THAT(*body, HasSubstr("parley_grpc_server_handled_total{code=\"OK\",method=\"Echo\","
                               "service=\"parley.diagnostics.v1.DiagnosticsService\"} 20"));
  EXPECT_THAT(*body, HasSubstr("parley_grpc_server_handled_total{code=\"PERMISSION_DENIED\","
                               "method=\"Fail\",service=\"parley.test.v1.TestService\"} 5"));
  EXPECT_THAT(*body, HasSubstr("parley_grpc_server_handled_total{code=\"UNAVAILABLE\","
                               "method=\"Unavailable\",service=\"parley.test.v1.TestService\"} 3"));
  EXPECT_THAT(*body, HasSubstr("parley_grpc_server_handled_total{code=\"OK\",method=\"Sleep\","
                               "service=\"parley.test.v1.TestService\"} 1"));
  EXPECT_THAT(*body, HasSubstr("parley_grpc_server_handling_seconds_count{method=\"Fail\","
                               "service=\"parley.test.v1.TestService\"} 5"));
  // No code a method never answered is exported for it.
  EXPECT_THAT(*body, Not(HasSubstr("code=\"OK\",method=\"Fail\"")));
}

// `n` calls of `method` started at once, each from its own thread; their statuses.
std::vector<grpc::Status> CallsAtOnce(const std::shared_ptr<grpc::Channel>& channel, int n, const std::string& method,
                                      const std::string& request) {
  std::vector<grpc::Status> statuses(n);
  std::vector<std::thread> threads;
  for (int i = 0; i < n; ++i) {
    threads.emplace_back([&, i] { statuses[i] = RawCall(channel, method, request); });
  }
  for (std::thread& t : threads) t.join();
  return statuses;
}

// Threads of this process that gRPC's sync server runs handlers on.
int SyncServerThreads() {
  int count = 0;
  DIR* dir = opendir("/proc/self/task");
  if (dir == nullptr) return -1;
  while (dirent* entry = readdir(dir)) {
    if (entry->d_name[0] == '.') continue;
    std::ifstream comm(absl::StrCat("/proc/self/task/", entry->d_name, "/comm"));
    std::string name;
    std::getline(comm, name);
    if (absl::StartsWith(name, "grpcpp_sync_ser")) ++count;
  }
  closedir(dir);
  return count;
}

TEST_F(ServerTest, MaxThreadsHandlersRunAtOnceAndTheNextCallIsRefused) {
  ServerOptions options = TestOptions();
  options.max_threads = 4;
  StartServer(options);
  // Each handler holds its thread for a second, so all five calls meet.
  const std::vector<grpc::Status> statuses = CallsAtOnce(channel_, 5, TestMethod("Sleep"), "1000");
  int ok = 0;
  int exhausted = 0;
  for (const grpc::Status& status : statuses) {
    if (status.ok()) ++ok;
    if (status.error_code() == grpc::StatusCode::RESOURCE_EXHAUSTED) ++exhausted;
  }
  EXPECT_EQ(ok, 4);
  EXPECT_EQ(exhausted, 1);
}

// Creating a thread per call was most of a call's cost: the threads a burst needed stay, waiting
// for the next calls, instead of exiting as soon as two are idle.
TEST_F(ServerTest, ThreadsThatServedABurstStayForTheNext) {
  StartServer();
  for (const grpc::Status& status : CallsAtOnce(channel_, 8, TestMethod("Sleep"), "300")) {
    ASSERT_TRUE(status.ok()) << status.error_message();
  }
  absl::SleepFor(absl::Milliseconds(200));  // time for idle threads to exit, if they were going to
  EXPECT_GE(SyncServerThreads(), 8);
}

TEST_F(ServerTest, StartFailsCleanlyOnABusyPort) {
  StartServer();
  ServerOptions options = TestOptions();
  options.listen_address = absl::StrCat("127.0.0.1:", server_->port());
  Server second(options);
  absl::Status status = second.Start();
  EXPECT_EQ(status.code(), absl::StatusCode::kUnavailable);
  EXPECT_EQ(second.metrics_port(), 0);
  EXPECT_EQ(server_->Start().code(), absl::StatusCode::kFailedPrecondition);
}

TEST_F(ServerTest, MetricsEndpointIsOptional) {
  ServerOptions options = TestOptions();
  options.metrics_address = "";
  StartServer(options);
  EXPECT_EQ(server_->metrics_port(), 0);
  EXPECT_TRUE(Echo(channel_, "x").ok());
}

TEST_F(ServerTest, ShutdownBeforeStartReturns) {
  Server server(TestOptions());
  server.Shutdown();
  server.Wait();
  EXPECT_EQ(server.Start().code(), absl::StatusCode::kFailedPrecondition);
}

// SIGTERM goes to a child process running a Server, never to the test runner.
TEST(ServerSignals, SigtermDrainsAndExitsCleanly) {
  int out[2];
  ASSERT_EQ(pipe(out), 0);
  const pid_t pid = fork();
  ASSERT_GE(pid, 0);
  if (pid == 0) {
    dup2(out[1], STDOUT_FILENO);
    close(out[0]);
    close(out[1]);
    execl(PARLEY_GRPC_SIGNAL_HELPER, PARLEY_GRPC_SIGNAL_HELPER, "1000", static_cast<char*>(nullptr));
    _exit(127);
  }
  close(out[1]);
  FILE* child_out = fdopen(out[0], "r");
  char line[64] = {0};
  ASSERT_NE(fgets(line, sizeof(line), child_out), nullptr);
  int port = 0;
  ASSERT_TRUE(absl::StartsWith(line, "port "));
  ASSERT_TRUE(absl::SimpleAtoi(absl::StripTrailingAsciiWhitespace(line + 5), &port)) << line;
  auto channel = client::MakeChannel(absl::StrCat("127.0.0.1:", port));
  ASSERT_TRUE(Echo(channel, "before").ok());
  ASSERT_EQ(CheckHealth(channel, ""), Health::kServing);

  ASSERT_EQ(kill(pid, SIGTERM), 0);
  EXPECT_TRUE(AwaitHealth(channel, "", Health::kNotServing));
  // During the not-serving delay calls are still answered.
  EXPECT_TRUE(Echo(channel, "during").ok());

  int wstatus = 0;
  const absl::Time give_up = absl::Now() + absl::Seconds(10);
  pid_t done = 0;
  while ((done = waitpid(pid, &wstatus, WNOHANG)) == 0 && absl::Now() < give_up) {
    absl::SleepFor(absl::Milliseconds(20));
  }
  if (done == 0) {
    kill(pid, SIGKILL);
    waitpid(pid, &wstatus, 0);
    FAIL() << "the server did not exit after SIGTERM";
  }
  EXPECT_TRUE(WIFEXITED(wstatus));
  EXPECT_EQ(WEXITSTATUS(wstatus), 0);
  ASSERT_NE(fgets(line, sizeof(line), child_out), nullptr);
  EXPECT_STREQ(line, "stopped\n");
  fclose(child_out);
}

}  // namespace
}  // namespace parley::server
