#include "services/notifications/delivery/sms_router.h"

#include <map>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/synchronization/mutex.h"
#include "common/clock/clock.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "prometheus/registry.h"

namespace parley::notifications {
namespace {

using Kind = SendOutcome::Kind;
using ::testing::HasSubstr;
using ::testing::Not;

GatewayAttempt Answer(Kind kind, bool ambiguous = false) {
  GatewayAttempt a;
  a.outcome.kind = kind;
  a.outcome.detail = ambiguous ? "timeout after the request was sent" : "HTTP 503 (refused)";
  if (kind == Kind::kAccepted) a.outcome.provider_reference = "ref";
  a.ambiguous = ambiguous;
  return a;
}
GatewayAttempt Accepted() { return Answer(Kind::kAccepted); }
GatewayAttempt Refused() { return Answer(Kind::kRetry); }
GatewayAttempt Ambiguous() { return Answer(Kind::kRetry, /*ambiguous=*/true); }
GatewayAttempt Rejected() { return Answer(Kind::kPermanent); }

// A gateway that answers from a script (the last answer repeats) and records the keys it saw.
class FakeGateway final : public Gateway {
 public:
  explicit FakeGateway(std::string name) : name_(std::move(name)) {}
  const std::string& name() const override { return name_; }
  GatewayAttempt Attempt(const Outgoing& message) override {
    absl::MutexLock lock(&mu_);
    keys_.push_back(message.idempotency_key);
    if (script_.empty()) return Accepted();
    GatewayAttempt a = script_.front();
    if (script_.size() > 1) script_.erase(script_.begin());
    return a;
  }
  void Answers(std::vector<GatewayAttempt> script) {
    absl::MutexLock lock(&mu_);
    script_ = std::move(script);
  }
  std::vector<std::string> keys() const {
    absl::MutexLock lock(&mu_);
    return keys_;
  }
  int calls() const { return static_cast<int>(keys().size()); }

 private:
  const std::string name_;
  mutable absl::Mutex mu_;
  std::vector<GatewayAttempt> script_;
  std::vector<std::string> keys_;
};

Outgoing Message(const std::string& key) {
  Outgoing m;
  m.idempotency_key = key;
  m.school_id = "woodgrange";
  m.address = "+447700900123";
  m.body = "School closed today";
  return m;
}

double Metric(prometheus::Registry& registry, const std::string& name, const std::map<std::string, std::string>& want) {
  for (const auto& family : registry.Collect()) {
    if (family.name != name) continue;
    for (const auto& metric : family.metric) {
      std::map<std::string, std::string> labels;
      for (const auto& l : metric.label) labels[l.name] = l.value;
      bool match = true;
      for (const auto& [k, v] : want) match = match && labels[k] == v;
      if (!match) continue;
      return family.type == prometheus::MetricType::Counter ? metric.counter.value : metric.gauge.value;
    }
  }
  ADD_FAILURE() << "no metric " << name;
  return -1;
}

class SmsRouterTest : public ::testing::Test {
 protected:
  // u: the weighted pick's draw; 0 picks sms-a whenever it has any weight, 0.999 sms-b.
  void Make(int threshold = 3, int weight_a = 50, int weight_b = 50) {
    auto a = std::make_unique<FakeGateway>("sms-a");
    auto b = std::make_unique<FakeGateway>("sms-b");
    a_ = a.get();
    b_ = b.get();
    SmsRouterOptions options;
    options.weight_a = weight_a;
    options.weight_b = weight_b;
    options.failure_threshold = threshold;
    options.uniform = [this] { return u_; };
    router_ = std::make_unique<SmsRouter>(std::move(a), std::move(b), options, &clock_, &registry_);
  }
  SendOutcome Send(const std::string& key, const std::string& sticky = "") {
    Outgoing m = Message(key);
    m.sticky_provider = sticky;
    return router_->Send(m);
  }
  // `n` messages that sms-a refuses and sms-b takes.
  void FailOnA(int n) {
    a_->Answers({Refused()});
    for (int i = 0; i < n; ++i) {
      SendOutcome out = Send(absl::StrCat("fail-", ++seq_));
      ASSERT_EQ(out.kind, Kind::kAccepted);
      ASSERT_EQ(out.provider, "sms-b");
    }
  }
  // sms-a fails every 5 s (sms-b takes the messages) until it has lost `moves` steps of weight.
  void DegradeA(int moves) {
    for (int m = 0; m < moves; ++m) {
      const int before = router_->weight(0);
      for (int i = 0; i < 100 && router_->weight(0) == before; ++i) {
        FailOnA(1);
        clock_.Advance(absl::Seconds(5));
      }
      ASSERT_EQ(router_->weight(0), before - 10);
    }
  }
  double Degraded(const std::string& gateway) {
    return Metric(registry_, "parley_notifications_sms_gateway_degraded", {{"gateway", gateway}});
  }

  SimulatedClock clock_{absl::FromUnixSeconds(1767258000)};
  prometheus::Registry registry_;
  double u_ = 0;
  int seq_ = 0;
  FakeGateway* a_ = nullptr;
  FakeGateway* b_ = nullptr;
  std::unique_ptr<SmsRouter> router_;
};

TEST_F(SmsRouterTest, EachMessageGoesToOneGatewayByWeight) {
  Make(3, 70, 30);
  for (int i = 0; i < 100; ++i) {
    u_ = i / 100.0;
    SendOutcome out = Send(absl::StrCat("k", i));
    EXPECT_EQ(out.kind, Kind::kAccepted);
  }
  EXPECT_EQ(a_->calls(), 70);
  EXPECT_EQ(b_->calls(), 30);
  EXPECT_EQ(Metric(registry_, "parley_notifications_sms_gateway_sent_total", {{"gateway", "sms-a"}}), 70);
  EXPECT_EQ(Metric(registry_, "parley_notifications_sms_gateway_weight", {{"gateway", "sms-b"}}), 30);
}

// A worker killed after a gateway took a text but before the outcome was recorded leaves nothing
// that ties the delivery to that gateway; the restarted process (weights back at the configured
// split) must pick the same gateway for the resend, or the parent gets the text from both.
TEST_F(SmsRouterTest, AResendAfterARestartGoesToTheGatewayThatTookItByWeight) {
  auto route = [](const std::string& key, int weight_a, int weight_b) {
    auto a = std::make_unique<FakeGateway>("sms-a");
    auto b = std::make_unique<FakeGateway>("sms-b");
    SmsRouterOptions options;  // no test draw: the router's own pick
    options.weight_a = weight_a;
    options.weight_b = weight_b;
    SimulatedClock clock(absl::FromUnixSeconds(1767258000));
    SmsRouter router(std::move(a), std::move(b), options, &clock, nullptr);
    return router.Send(Message(key)).provider;
  };
  int on_a = 0;
  for (int i = 0; i < 2000; ++i) {
    const std::string key = absl::StrCat("trust.n-1.", i, ".sms");
    const std::string first = route(key, 70, 30);
    ASSERT_EQ(route(key, 70, 30), first) << key << " went to both gateways";
    on_a += first == "sms-a";
  }
  EXPECT_NEAR(on_a, 1400, 100);  // still split by weight
}

TEST_F(SmsRouterTest, ARefusalMovesTheMessageToTheOtherGatewayAtOnce) {
  Make();
  a_->Answers({Refused()});
  SendOutcome out = Send("k1");
  EXPECT_EQ(out.kind, Kind::kAccepted);
  EXPECT_EQ(out.provider, "sms-b");
  EXPECT_EQ(a_->keys(), std::vector<std::string>{"k1"});
  EXPECT_EQ(b_->keys(), std::vector<std::string>{"k1"});
  EXPECT_EQ(Metric(registry_, "parley_notifications_sms_gateway_failed_total",
                   {{"gateway", "sms-a"}, {"failure", "refused"}}),
            1);
  EXPECT_EQ(Metric(registry_, "parley_notifications_sms_gateway_failovers_total", {{"gateway", "sms-a"}}), 1);
}

TEST_F(SmsRouterTest, AnAmbiguousFailureIsRetriedOnTheSameGatewayOnly) {
  Make();
  a_->Answers({Ambiguous(), Accepted()});
  SendOutcome first = Send("k1");
  EXPECT_EQ(first.kind, Kind::kRetry);
  EXPECT_EQ(first.provider, "sms-a");
  EXPECT_EQ(b_->calls(), 0) << "sms-a may hold it: sms-b must not be asked";

  u_ = 0.999;  // the pick would now choose sms-b
  SendOutcome second = Send("k1");
  EXPECT_EQ(second.kind, Kind::kAccepted);
  EXPECT_EQ(second.provider, "sms-a");
  EXPECT_EQ(a_->keys(), (std::vector<std::string>{"k1", "k1"}));
  EXPECT_EQ(b_->calls(), 0);
  EXPECT_EQ(Metric(registry_, "parley_notifications_sms_gateway_failed_total",
                   {{"gateway", "sms-a"}, {"failure", "ambiguous"}}),
            1);
}

TEST_F(SmsRouterTest, StickyProviderTiesADeliveryAcrossRouters) {
  // Another replica (or this one before a restart) had the ambiguous attempt: only the field says so.
  Make();
  u_ = 0.999;
  SendOutcome out = Send("k1", "sms-a");
  EXPECT_EQ(out.kind, Kind::kAccepted);
  EXPECT_EQ(out.provider, "sms-a");
  EXPECT_EQ(b_->calls(), 0);
}

TEST_F(SmsRouterTest, ATiedDeliveryStaysTiedWhenItsGatewayThenRefuses) {
  Make();
  a_->Answers({Ambiguous(), Refused(), Accepted()});
  EXPECT_EQ(Send("k1").provider, "sms-a");
  SendOutcome refused = Send("k1");
  EXPECT_EQ(refused.kind, Kind::kRetry);
  EXPECT_EQ(refused.provider, "sms-a") << "a refusal now does not undo the earlier ambiguity";
  EXPECT_EQ(b_->calls(), 0);
  u_ = 0.999;
  EXPECT_EQ(Send("k1").kind, Kind::kAccepted);
  EXPECT_EQ(a_->calls(), 3);
  EXPECT_EQ(b_->calls(), 0);
}

TEST_F(SmsRouterTest, RefusedByBothIsTiedToNeither) {
  Make();
  a_->Answers({Refused()});
  b_->Answers({Refused(), Accepted()});
  SendOutcome out = Send("k1");
  EXPECT_EQ(out.kind, Kind::kRetry);
  EXPECT_EQ(out.provider, "sms");
  EXPECT_THAT(out.detail, HasSubstr("sms-a: HTTP 503"));
  EXPECT_THAT(out.detail, HasSubstr("sms-b: HTTP 503"));
  EXPECT_THAT(out.detail, Not(HasSubstr("+4477")));
  // The worker passes "sms" back: not a gateway, so the pick is free again.
  SendOutcome again = Send("k1", out.provider);
  EXPECT_EQ(again.kind, Kind::kAccepted);
  EXPECT_EQ(again.provider, "sms-b");
}

TEST_F(SmsRouterTest, APermanentRefusalNeitherFailsOverNorCounts) {
  Make(/*threshold=*/1);
  a_->Answers({Rejected()});
  for (int i = 0; i < 5; ++i) EXPECT_EQ(Send(absl::StrCat("k", i)).kind, Kind::kPermanent);
  EXPECT_EQ(b_->calls(), 0);
  EXPECT_EQ(router_->weight(0), 50);
}

TEST_F(SmsRouterTest, MoreThanThresholdFailuresInTheWindowMoveTenPoints) {
  Make(/*threshold=*/3);
  FailOnA(3);
  EXPECT_EQ(router_->weight(0), 50) << "three failures are not more than three";
  EXPECT_EQ(Degraded("sms-a"), 0);
  FailOnA(1);
  EXPECT_EQ(router_->weight(0), 40);
  EXPECT_EQ(router_->weight(1), 60);
  EXPECT_EQ(Degraded("sms-a"), 1);
  EXPECT_EQ(Degraded("sms-b"), 0);
}

TEST_F(SmsRouterTest, FailuresSpreadBeyondTheWindowDoNotMoveWeight) {
  Make(/*threshold=*/3);
  for (int i = 0; i < 8; ++i) {
    FailOnA(1);
    clock_.Advance(absl::Seconds(21));  // never more than 3 within 60 s
  }
  EXPECT_EQ(router_->weight(0), 50);
}

TEST_F(SmsRouterTest, NothingMovesDuringTheCooldown) {
  Make(/*threshold=*/3);
  FailOnA(4);
  ASSERT_EQ(router_->weight(0), 40);
  clock_.Advance(absl::Seconds(30));
  FailOnA(10);
  EXPECT_EQ(router_->weight(0), 40);
  clock_.Advance(absl::Seconds(31));  // the cool-down is over; failures are still coming
  FailOnA(1);
  EXPECT_EQ(router_->weight(0), 30);
}

TEST_F(SmsRouterTest, WeightsDriftBackWhenBothAreHealthy) {
  Make(/*threshold=*/3);
  DegradeA(2);
  ASSERT_EQ(router_->weight(0), 30);
  a_->Answers({Accepted()});
  clock_.Advance(absl::Seconds(30));  // 35 s after the move
  Send("ok-1");
  EXPECT_EQ(router_->weight(0), 30) << "still cooling down";
  clock_.Advance(absl::Seconds(26));
  Send("ok-2");
  EXPECT_EQ(router_->weight(0), 40);
  EXPECT_EQ(Degraded("sms-a"), 1) << "still below its configured weight";
  Send("ok-3");
  EXPECT_EQ(router_->weight(0), 40) << "one step per cool-down";
  clock_.Advance(absl::Seconds(61));
  Send("ok-4");
  EXPECT_EQ(router_->weight(0), 50);
  EXPECT_EQ(router_->weight(1), 50);
  EXPECT_EQ(Degraded("sms-a"), 0);
  clock_.Advance(absl::Minutes(5));
  Send("ok-5");
  EXPECT_EQ(router_->weight(0), 50) << "no drift past the configured split";
}

TEST_F(SmsRouterTest, NoDriftBackWhileAGatewayIsStillFailing) {
  Make(/*threshold=*/3);
  FailOnA(4);
  clock_.Advance(absl::Seconds(30));
  FailOnA(4);  // during the cool-down: no move, but more than 3 in the window
  clock_.Advance(absl::Seconds(31));
  u_ = 0.999;  // this message goes to sms-b, which is fine
  EXPECT_EQ(Send("to-b").provider, "sms-b");
  EXPECT_EQ(router_->weight(0), 40) << "sms-a failed more than 3 times in the last minute: not healthy";
}

TEST_F(SmsRouterTest, ADegradedPrimaryKeepsAlertingAfterTrafficMovedAway) {
  Make(/*threshold=*/3);
  DegradeA(5);
  ASSERT_EQ(router_->weight(0), 0);
  ASSERT_EQ(router_->weight(1), 100);
  const int a_calls = a_->calls();
  Send("after-1");
  EXPECT_EQ(a_->calls(), a_calls) << "no traffic to a gateway with no weight";
  EXPECT_EQ(Degraded("sms-a"), 1);
  // A minute with no failures (it has no traffic): one step back, a probe, still degraded.
  clock_.Advance(absl::Seconds(60));
  Send("after-2");
  EXPECT_EQ(router_->weight(0), 10);
  EXPECT_EQ(Degraded("sms-a"), 1);
  EXPECT_EQ(Metric(registry_, "parley_notifications_sms_gateway_weight", {{"gateway", "sms-b"}}), 90);
}

TEST(SmsSettingsTest, ReadsBothGatewaysAndTheFailoverKnobs) {
  std::map<std::string, std::string> vars = {
      {"PARLEY_SMS_A_URL", "https://a.example/v1"},  {"PARLEY_SMS_A_WEIGHT", "70"},
      {"PARLEY_SMS_B_URL", "https://b.example/v2"},  {"PARLEY_SMS_B_WEIGHT", "30"},
      {"PARLEY_SMS_B_TOKEN_FILE", "/run/secrets/b"}, {"PARLEY_SMS_FAILOVER_THRESHOLD", "5"},
      {"PARLEY_SMS_FAILOVER_COOLDOWN", "2m"},
  };
  EnvReader env([&](absl::string_view name) -> std::optional<std::string> {
    auto it = vars.find(std::string(name));
    if (it == vars.end()) return std::nullopt;
    return it->second;
  });
  SmsSettings s = ReadSmsSettings(env);
  ASSERT_TRUE(env.Finish().ok()) << env.Finish();
  EXPECT_EQ(s.a.name, "sms-a");
  EXPECT_EQ(s.a.base_url, "https://a.example/v1");
  EXPECT_TRUE(s.has_b);
  EXPECT_EQ(s.b.name, "sms-b");
  EXPECT_EQ(s.b.token_file, "/run/secrets/b");
  EXPECT_EQ(s.router.weight_a, 70);
  EXPECT_EQ(s.router.weight_b, 30);
  EXPECT_EQ(s.router.failure_threshold, 5);
  EXPECT_EQ(s.router.cooldown, absl::Minutes(2));
  EXPECT_EQ(s.router.window, absl::Seconds(60));
}

TEST(SmsSettingsTest, NamesEveryBadVariable) {
  std::map<std::string, std::string> vars = {{"PARLEY_SMS_A_WEIGHT", "150"}};
  EnvReader env([&](absl::string_view name) -> std::optional<std::string> {
    auto it = vars.find(std::string(name));
    if (it == vars.end()) return std::nullopt;
    return it->second;
  });
  SmsSettings s = ReadSmsSettings(env);
  EXPECT_FALSE(s.has_b);
  absl::Status status = env.Finish();
  EXPECT_THAT(std::string(status.message()), HasSubstr("PARLEY_SMS_A_URL"));
  EXPECT_THAT(std::string(status.message()), HasSubstr("PARLEY_SMS_A_WEIGHT"));
}

}  // namespace
}  // namespace parley::notifications
