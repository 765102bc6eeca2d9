#include "services/notifications/delivery/http_gateway.h"

#include <curl/curl.h>
#include <netinet/in.h>
#include <signal.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <atomic>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <map>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "absl/random/random.h"
#include "absl/strings/str_cat.h"
#include "common/clock/clock.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "nlohmann/json.hpp"
#include "services/notifications/delivery/sms_router.h"

namespace parley::notifications {
namespace {

using Kind = SendOutcome::Kind;
using ::testing::HasSubstr;
using ::testing::Not;
using json = nlohmann::json;

constexpr char kAddress[] = "+447700900456";
constexpr char kBody[] = "Zażółć gęślą jaźń: the school is closed today";

Outgoing Message(const std::string& key) {
  Outgoing m;
  m.idempotency_key = key;
  m.school_id = "woodgrange";
  m.address = kAddress;
  m.recipient_name = "Mrs K. Nowak";
  m.subject = "Closure";
  m.body = kBody;
  m.urgent = true;
  return m;
}

std::string UniqueName(const std::string& prefix) {
  absl::BitGen gen;
  return absl::StrCat(prefix, "-", getpid(), "-", absl::Uniform<uint32_t>(gen));
}

// ---- without a sink: the request body, the classification, settings --------------------------

TEST(GatewayRequestBody, CarriesTheMessageFieldsAsJson) {
  const json body = json::parse(GatewayRequestBody(Message("key-1")));
  EXPECT_EQ(body["to"], kAddress);
  EXPECT_EQ(body["body"], kBody);
  EXPECT_EQ(body["title"], "Closure");
  EXPECT_EQ(body["reference"], "key-1");
  EXPECT_EQ(body["urgent"], true);
}

TEST(GatewayRequestBody, ReplacesInvalidUtf8InsteadOfThrowing) {
  Outgoing m = Message("key-1");
  m.body = "ok \xff\xfe bad";
  const json body = json::parse(GatewayRequestBody(m));
  EXPECT_EQ(body["body"], "ok \xEF\xBF\xBD\xEF\xBF\xBD bad");
}

TEST(ClassifyGatewayExchange, AnswersByStatus) {
  struct Case {
    long status;
    Kind kind;
    bool ambiguous;
  };
  for (const Case& c : std::vector<Case>{{200, Kind::kAccepted, false},
                                         {201, Kind::kAccepted, false},
                                         {400, Kind::kPermanent, false},
                                         {404, Kind::kPermanent, false},
                                         {422, Kind::kPermanent, false},
                                         {401, Kind::kRetry, false},
                                         {403, Kind::kRetry, false},
                                         {408, Kind::kRetry, false},
                                         {429, Kind::kRetry, false},
                                         {500, Kind::kRetry, false},
                                         {503, Kind::kRetry, false},
                                         {502, Kind::kRetry, true},
                                         {504, Kind::kRetry, true},
                                         {302, Kind::kRetry, false}}) {
    GatewayAttempt a = ClassifyGatewayExchange("sms-a", CURLE_OK, c.status, true, R"({"id": "m-1"})");
    EXPECT_EQ(a.outcome.kind, c.kind) << c.status;
    EXPECT_EQ(a.ambiguous, c.ambiguous) << c.status;
    EXPECT_EQ(a.outcome.provider, "sms-a");
    EXPECT_THAT(a.outcome.detail, HasSubstr(absl::StrCat(c.status))) << c.status;
  }
  EXPECT_EQ(ClassifyGatewayExchange("push", CURLE_OK, 200, true, R"({"id": "m-1"})").outcome.provider_reference, "m-1");
  EXPECT_EQ(ClassifyGatewayExchange("push", CURLE_OK, 200, true, R"({"id": 42})").outcome.provider_reference, "42");
  EXPECT_EQ(ClassifyGatewayExchange("push", CURLE_OK, 200, true, "not json").outcome.provider_reference, "");
}

TEST(ClassifyGatewayExchange, AFailureIsAmbiguousOnlyOnceTheRequestLeft) {
  GatewayAttempt refused = ClassifyGatewayExchange("sms-a", CURLE_COULDNT_CONNECT, 0, false, "");
  EXPECT_EQ(refused.outcome.kind, Kind::kRetry);
  EXPECT_FALSE(refused.ambiguous);
  GatewayAttempt connect_timeout = ClassifyGatewayExchange("sms-a", CURLE_OPERATION_TIMEDOUT, 0, false, "");
  EXPECT_FALSE(connect_timeout.ambiguous);
  GatewayAttempt answer_timeout = ClassifyGatewayExchange("sms-a", CURLE_OPERATION_TIMEDOUT, 0, true, "");
  EXPECT_EQ(answer_timeout.outcome.kind, Kind::kRetry);
  EXPECT_TRUE(answer_timeout.ambiguous);
  EXPECT_TRUE(ClassifyGatewayExchange("sms-a", CURLE_RECV_ERROR, 0, true, "").ambiguous);
  EXPECT_TRUE(ClassifyGatewayExchange("sms-a", CURLE_GOT_NOTHING, 0, true, "").ambiguous);
}

TEST(HttpGatewaySender, RefusesToStartWithoutUrlOrReadableToken) {
  HttpGatewaySettings s;
  s.name = "push";
  EXPECT_EQ(HttpGatewaySender::Create(s).status().code(), absl::StatusCode::kInvalidArgument);
  s.base_url = "http://127.0.0.1:1";
  s.token_file = "/nonexistent/parley-token";
  absl::Status status = HttpGatewaySender::Create(s).status();
  EXPECT_EQ(status.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(std::string(status.message()), HasSubstr("token file"));
}

TEST(HttpGatewaySender, AClosedPortIsADefiniteRefusal) {
  // A port that was free a moment ago: connection refused, so nothing can have been taken.
  const int fd = socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  ASSERT_EQ(bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof(addr)), 0);
  socklen_t len = sizeof(addr);
  getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &len);
  close(fd);
  HttpGatewaySettings s;
  s.name = "sms-a";
  s.base_url = absl::StrCat("http://127.0.0.1:", ntohs(addr.sin_port), "/sms/sms-a");
  auto sender = HttpGatewaySender::Create(s);
  ASSERT_TRUE(sender.ok()) << sender.status();
  GatewayAttempt a = (*sender)->Attempt(Message("k-closed"));
  EXPECT_EQ(a.outcome.kind, Kind::kRetry);
  EXPECT_FALSE(a.ambiguous);
  EXPECT_EQ(a.outcome.provider, "sms-a");
  EXPECT_THAT(a.outcome.detail, Not(HasSubstr(kAddress)));
}

// ---- against the gateway sink (scripts/gateway_sink.py) ----------------------------------------

size_t Collect(char* data, size_t size, size_t n, void* out) {
  static_cast<std::string*>(out)->append(data, size * n);
  return size * n;
}

// A small client for the sink's own endpoints.
json SinkCall(const std::string& base, const std::string& method, const std::string& path, const json& body = nullptr,
              const std::string& token = "") {
  CURL* curl = curl_easy_init();
  std::string response;
  const std::string url = base + path;
  const std::string payload = body.is_null() ? "" : body.dump();
  curl_slist* headers = curl_slist_append(nullptr, "Content-Type: application/json");
  if (!token.empty()) headers = curl_slist_append(headers, ("Authorization: Bearer " + token).c_str());
  curl_easy_setopt(curl, CURLOPT_URL, url.c_str());
  curl_easy_setopt(curl, CURLOPT_CUSTOMREQUEST, method.c_str());
  curl_easy_setopt(curl, CURLOPT_HTTPHEADER, headers);
  if (!payload.empty()) curl_easy_setopt(curl, CURLOPT_POSTFIELDS, payload.c_str());
  curl_easy_setopt(curl, CURLOPT_WRITEFUNCTION, Collect);
  curl_easy_setopt(curl, CURLOPT_WRITEDATA, &response);
  curl_easy_setopt(curl, CURLOPT_TIMEOUT, 10L);
  const CURLcode code = curl_easy_perform(curl);
  curl_slist_free_all(headers);
  curl_easy_cleanup(curl);
  EXPECT_EQ(code, CURLE_OK) << method << " " << path;
  return json::parse(response, nullptr, false);
}

class GatewaySinkTest : public ::testing::Test {
 protected:
  void SetUp() override {
    const char* url = std::getenv("PARLEY_TEST_GATEWAY_URL");
    if (url == nullptr || *url == '\0') {
      GTEST_SKIP() << "set PARLEY_TEST_GATEWAY_URL to a running scripts/gateway_sink.py (scripts/test.sh does)";
    }
    sink_ = url;
    while (!sink_.empty() && sink_.back() == '/') sink_.pop_back();
  }
  // Every test uses its own gateway names, so tests may share one sink and run in parallel.
  std::unique_ptr<HttpGatewaySender> Sms(const std::string& gateway, absl::Duration timeout = absl::Seconds(10)) {
    HttpGatewaySettings s;
    s.name = gateway;
    s.base_url = absl::StrCat(sink_, "/sms/", gateway);
    s.timeout = timeout;
    auto sender = HttpGatewaySender::Create(s);
    EXPECT_TRUE(sender.ok()) << sender.status();
    return sender.ok() ? std::move(*sender) : nullptr;
  }
  void Control(const std::string& gateway, int status, int delay_ms = 0) {
    SinkCall(sink_, "POST", "/control", {{"gateway", gateway}, {"status", status}, {"delay_ms", delay_ms}});
  }
  json Messages(const std::string& query) { return SinkCall(sink_, "GET", "/messages?" + query)["messages"]; }
  json Stats(const std::string& gateway) {
    json s = SinkCall(sink_, "GET", "/stats")["gateways"];
    return s.contains(gateway) ? s[gateway] : json{{"messages", 0}, {"duplicates", 0}, {"refused", 0}};
  }

  std::string sink_;
};

TEST_F(GatewaySinkTest, PushIsPostedWithTheKeyAndAcceptedWithTheGatewaysId) {
  HttpGatewaySettings s;
  s.name = "push";
  s.base_url = sink_ + "/push";
  auto push = HttpGatewaySender::Create(s);
  ASSERT_TRUE(push.ok()) << push.status();
  const std::string key = UniqueName("push-key");
  SendOutcome out = (*push)->Send(Message(key));
  ASSERT_EQ(out.kind, Kind::kAccepted) << out.detail;
  EXPECT_EQ(out.provider, "push");
  EXPECT_THAT(out.detail, Not(HasSubstr(kAddress)));
  int found = 0;
  for (const json& m : Messages("kind=push")) {
    if (m["idempotency_key"] != key) continue;
    ++found;
    EXPECT_EQ(m["id"], out.provider_reference);
    EXPECT_EQ(m["to"], kAddress);
    EXPECT_EQ(m["body"], kBody);
    EXPECT_EQ(m["title"], "Closure");
    EXPECT_EQ(m["reference"], key);
    EXPECT_EQ(m["urgent"], true);
  }
  EXPECT_EQ(found, 1);
}

TEST_F(GatewaySinkTest, ARepeatedKeyGetsTheFirstIdAndIsNotStoredAgain) {
  const std::string gw = UniqueName("sms");
  auto sms = Sms(gw);
  ASSERT_NE(sms, nullptr);
  SendOutcome first = sms->Send(Message("k-1"));
  SendOutcome again = sms->Send(Message("k-1"));
  ASSERT_EQ(first.kind, Kind::kAccepted);
  ASSERT_EQ(again.kind, Kind::kAccepted);
  EXPECT_EQ(again.provider_reference, first.provider_reference);
  EXPECT_EQ(Messages("gateway=" + gw).size(), 1u);
  EXPECT_EQ(Stats(gw)["duplicates"], 1);
}

TEST_F(GatewaySinkTest, ErrorAnswersAreClassified) {
  const std::string gw = UniqueName("sms");
  auto sms = Sms(gw);
  ASSERT_NE(sms, nullptr);
  for (auto [status, kind] : std::vector<std::pair<int, Kind>>{
           {503, Kind::kRetry}, {429, Kind::kRetry}, {500, Kind::kRetry}, {404, Kind::kPermanent}}) {
    Control(gw, status);
    GatewayAttempt a = sms->Attempt(Message(UniqueName("k")));
    EXPECT_EQ(a.outcome.kind, kind) << status;
    EXPECT_FALSE(a.ambiguous) << status;
    EXPECT_THAT(a.outcome.detail, HasSubstr(absl::StrCat(status)));
  }
  Control(gw, 0);
  Outgoing no_address = Message("k-bad");
  no_address.address = "";
  EXPECT_EQ(sms->Send(no_address).kind, Kind::kPermanent) << "the sink answers 400";
  EXPECT_EQ(sms->Send(Message("k-ok")).kind, Kind::kAccepted);
  EXPECT_EQ(Messages("gateway=" + gw).size(), 1u);
}

TEST_F(GatewaySinkTest, ATimeoutAfterTheRequestLeftIsAmbiguousAndTheRetryIsNotSentTwice) {
  const std::string gw = UniqueName("sms");
  auto sms = Sms(gw, absl::Milliseconds(300));
  ASSERT_NE(sms, nullptr);
  Control(gw, 0, /*delay_ms=*/1500);  // the sink stores, then answers too late
  GatewayAttempt slow = sms->Attempt(Message("k-slow"));
  EXPECT_EQ(slow.outcome.kind, Kind::kRetry);
  EXPECT_TRUE(slow.ambiguous) << slow.outcome.detail;
  EXPECT_THAT(slow.outcome.detail, Not(HasSubstr(kAddress)));
  Control(gw, 0);
  SendOutcome retry = sms->Send(Message("k-slow"));
  ASSERT_EQ(retry.kind, Kind::kAccepted) << retry.detail;
  const json stored = Messages("gateway=" + gw);
  ASSERT_EQ(stored.size(), 1u);
  EXPECT_EQ(stored[0]["id"], retry.provider_reference);
  EXPECT_EQ(Stats(gw)["duplicates"], 1);
}

TEST_F(GatewaySinkTest, ManyThreadsShareThePool) {
  const std::string gw = UniqueName("sms");
  auto sms = Sms(gw);
  ASSERT_NE(sms, nullptr);
  std::vector<std::thread> threads;
  std::atomic<int> accepted{0};
  for (int t = 0; t < 8; ++t) {
    threads.emplace_back([&, t] {
      for (int i = 0; i < 25; ++i) {
        if (sms->Send(Message(absl::StrCat("k-", t, "-", i))).kind == Kind::kAccepted) ++accepted;
      }
    });
  }
  for (auto& th : threads) th.join();
  EXPECT_EQ(accepted.load(), 200);
  EXPECT_EQ(Messages("gateway=" + gw).size(), 200u);
}

// The issue's fault: one SMS gateway answering 5xx. Traffic moves, none is sent twice.
TEST_F(GatewaySinkTest, RouterWithGatewayADownDeliversEveryMessageExactlyOnce) {
  const std::string a = UniqueName("sms-a");
  const std::string b = UniqueName("sms-b");
  SimulatedClock clock(absl::FromUnixSeconds(1767258000));
  SmsRouterOptions options;
  options.failure_threshold = 5;
  SmsRouter router(Sms(a), Sms(b), options, &clock);
  Control(a, 503);
  std::map<std::string, int> outcomes;
  for (int i = 0; i < 200; ++i) {
    SendOutcome out = router.Send(Message(absl::StrCat("router-", i)));
    ++outcomes[out.kind == Kind::kAccepted ? out.provider : "not accepted: " + out.detail];
    clock.Advance(absl::Seconds(1));
  }
  EXPECT_EQ(outcomes[b], 200);
  std::map<std::string, int> by_key;
  for (const std::string& gw : {a, b}) {
    for (const json& m : Messages("kind=sms&gateway=" + gw)) ++by_key[m["idempotency_key"].get<std::string>()];
  }
  EXPECT_EQ(by_key.size(), 200u);
  for (const auto& [key, n] : by_key) EXPECT_EQ(n, 1) << key;
  EXPECT_EQ(Stats(a)["messages"], 0);
  EXPECT_GT(Stats(a)["refused"], 0);
  EXPECT_EQ(Stats(a)["duplicates"], 0);
  EXPECT_EQ(Stats(b)["duplicates"], 0);
  EXPECT_LT(router.weight(0), 50) << "sms-a lost traffic";
  EXPECT_TRUE(router.degraded(0));
  Control(a, 0);
}

// A sink of its own, started with --token-file, for the bearer token.
class PrivateSink {
 public:
  explicit PrivateSink(const std::string& token_file) {
    dir_ = std::filesystem::temp_directory_path() / UniqueName("parley-sink");
    int out[2];
    if (pipe(out) != 0) return;
    pid_ = fork();
    if (pid_ == 0) {
      dup2(out[1], 1);
      close(out[0]);
      const std::string script = std::string(PARLEY_SOURCE_DIR) + "/scripts/gateway_sink.py";
      execlp("python3", "python3", script.c_str(), "--port", "0", "--dir", dir_.c_str(), "--token-file",
             token_file.c_str(), static_cast<char*>(nullptr));
      _exit(127);
    }
    close(out[1]);
    FILE* f = fdopen(out[0], "r");
    char line[512] = {0};
    if (f != nullptr && fgets(line, sizeof line, f) != nullptr) {
      // "gateway sink on http://127.0.0.1:PORT (...)"
      std::string s(line);
      const size_t start = s.find("http://");
      const size_t end = s.find(' ', start);
      if (start != std::string::npos) url_ = s.substr(start, end - start);
    }
    if (f != nullptr) fclose(f);
  }
  ~PrivateSink() {
    if (pid_ > 0) {
      kill(pid_, SIGTERM);
      waitpid(pid_, nullptr, 0);
    }
    std::error_code ec;
    std::filesystem::remove_all(dir_, ec);
  }
  const std::string& url() const { return url_; }

 private:
  pid_t pid_ = -1;
  std::filesystem::path dir_;
  std::string url_;
};

TEST_F(GatewaySinkTest, SendsTheBearerTokenFromTheFileAndPicksUpARotation) {
  const std::filesystem::path sink_token = std::filesystem::temp_directory_path() / UniqueName("sink-token");
  const std::filesystem::path our_token = std::filesystem::temp_directory_path() / UniqueName("our-token");
  std::ofstream(sink_token) << "s3cret-1\n";
  std::ofstream(our_token) << "wrong\n";
  PrivateSink sink(sink_token.string());
  ASSERT_FALSE(sink.url().empty()) << "the private sink did not start";
  HttpGatewaySettings s;
  s.name = "push";
  s.base_url = sink.url() + "/push";
  s.token_file = our_token.string();
  auto push = HttpGatewaySender::Create(s);
  ASSERT_TRUE(push.ok()) << push.status();
  SendOutcome refused = (*push)->Send(Message("k-1"));
  EXPECT_EQ(refused.kind, Kind::kRetry) << "a credentials problem must not fall back to another channel";
  EXPECT_THAT(refused.detail, HasSubstr("401"));
  std::ofstream(our_token) << "s3cret-1-rotated\n";  // a different size: picked up at once
  std::ofstream(sink_token) << "s3cret-1-rotated\n";
  SendOutcome accepted = (*push)->Send(Message("k-1"));
  EXPECT_EQ(accepted.kind, Kind::kAccepted) << accepted.detail;
  EXPECT_EQ(SinkCall(sink.url(), "GET", "/messages", nullptr, "s3cret-1-rotated")["messages"].size(), 1u);
  std::filesystem::remove(sink_token);
  std::filesystem::remove(our_token);
}

}  // namespace
}  // namespace parley::notifications
