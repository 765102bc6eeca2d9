// SMS through two gateways with weighted failover (GOV.UK Notify's scheme), behind Sender.
//
// Each message goes to ONE gateway, picked by the current weights at a point fixed by its
// idempotency key (a stable hash), so the split follows the weights while the same delivery picks
// the same gateway every time the weights are unchanged: a worker killed after the gateway took a
// text but before the outcome was recorded leaves no trace of where it went, and the resend, from a
// restarted process whose weights are back at the configured split, goes to that gateway again (which
// applies it once) rather than to the other (a second text). A gateway that fails
// (kRetry) more than `failure_threshold` times within `window` gives `step` points of its weight to
// the other, then nothing moves for `cooldown`; while both gateways are under the threshold the
// weights drift back towards the configured split by `step` per `cooldown`. A permanent refusal
// (an invalid number) is the message's fault and does not count.
//
// No message is sent by both gateways:
//   - a definite refusal (the gateway answered 408/429/5xx, or the request never left: refused
//     connection, DNS, TLS) means the gateway did not take it, so the same Send tries the other;
//   - an ambiguous failure (a timeout or a broken connection after the request was sent, 502/504)
//     may have been taken, so the delivery is tied to that gateway: the outcome's `provider` names
//     it, the delivery worker passes it back as Outgoing::sticky_provider on the next attempt (this
//     holds across replicas and restarts), and the router also remembers key → gateway for the
//     last `sticky_capacity` ambiguous deliveries in case the field comes back empty. A tied
//     delivery is retried on that gateway only, with the same Idempotency-Key, until it answers.
// A kRetry whose `provider` is "sms" was refused by both gateways and is tied to neither.
//
// Metrics (gateway = the gateway's name):
//   parley_notifications_sms_gateway_sent_total{gateway}
//   parley_notifications_sms_gateway_failed_total{gateway,failure=refused|ambiguous|rejected}
//   parley_notifications_sms_gateway_failovers_total{gateway}   refused here, tried on the other
//   parley_notifications_sms_gateway_weight{gateway}             current weight
//   parley_notifications_sms_gateway_degraded{gateway}           1 while below its configured weight
// `degraded` stays 1 for as long as a failing gateway has lost weight, even when traffic has moved
// away and it sees no more failures, so the alert does not clear itself (fluent-smtp#380).
#pragma once

#include <array>
#include <deque>
#include <functional>
#include <memory>
#include <string>

#include "absl/base/thread_annotations.h"
#include "absl/container/flat_hash_map.h"
#include "absl/status/statusor.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"
#include "common/clock/clock.h"
#include "common/config/env.h"
#include "services/notifications/delivery/http_gateway.h"
#include "services/notifications/domain/senders.h"

namespace prometheus {
class Counter;
class Gauge;
class Registry;
template <typename T>
class Family;
}  // namespace prometheus

namespace parley::notifications {

struct SmsRouterOptions {
  int weight_a = 50;  // the configured ("resting") split
  int weight_b = 50;
  int failure_threshold = 50;  // more than this many failures within `window` moves weight
  absl::Duration window = absl::Seconds(60);
  int step = 10;                               // points moved at a time, away or back
  absl::Duration cooldown = absl::Minutes(1);  // after any move, before the next
  size_t sticky_capacity = 100000;             // ambiguous deliveries remembered in memory
  // Uniform in [0, 1): the weighted pick. Tests pass a fixed sequence; default: the message's
  // KeyPoint (a random draw for a message without a key).
  std::function<double()> uniform;
};

// Everything PARLEY_SMS_* configures.
// Where an idempotency key falls in [0, 1): the same for the same key in every process and
// version (FNV-1a and a mixer, not absl::Hash, which is seeded per process).
double KeyPoint(const std::string& key);

struct SmsSettings {
  HttpGatewaySettings a;  // "sms-a": PARLEY_SMS_A_*
  HttpGatewaySettings b;  // "sms-b": PARLEY_SMS_B_*
  bool has_b = false;     // PARLEY_SMS_B_URL set: two gateways and the router; else sms-a alone
  SmsRouterOptions router;
};

// Reads the two gateways (ReadHttpGatewaySettings with PARLEY_SMS_A / PARLEY_SMS_B), their weights
// PARLEY_SMS_A_WEIGHT / PARLEY_SMS_B_WEIGHT (0-100, default 50 each, not both 0), and
// PARLEY_SMS_FAILOVER_THRESHOLD (default 50), PARLEY_SMS_FAILOVER_WINDOW (default 60s),
// PARLEY_SMS_FAILOVER_COOLDOWN (default 1m), PARLEY_SMS_FAILOVER_STEP (default 10). Problems are
// recorded in `env`.
SmsSettings ReadSmsSettings(EnvReader& env);

class SmsRouter final : public Sender {
 public:
  // `clock` must outlive the router; `registry` may be null (no metrics).
  SmsRouter(std::unique_ptr<Gateway> a, std::unique_ptr<Gateway> b, SmsRouterOptions options, const Clock* clock,
            prometheus::Registry* registry = nullptr);
  ~SmsRouter() override;

  SendOutcome Send(const Outgoing& message) override;

  // The current weight of gateway `i` (0 = a, 1 = b), and whether it is below its configured one.
  int weight(int i) const;
  bool degraded(int i) const;

 private:
  struct Route {
    std::unique_ptr<Gateway> gateway;
    int resting = 0;
    int weight = 0;
    std::deque<absl::Time> failures;  // within the window
    prometheus::Counter* sent = nullptr;
    prometheus::Counter* refused = nullptr;
    prometheus::Counter* ambiguous = nullptr;
    prometheus::Counter* rejected = nullptr;
    prometheus::Counter* failovers = nullptr;
    prometheus::Gauge* weight_gauge = nullptr;
    prometheus::Gauge* degraded_gauge = nullptr;
  };

  int Index(const std::string& provider) const;
  int Pick(absl::Time now, const std::string& key) ABSL_LOCKS_EXCLUDED(mu_);
  // One attempt at gateway `i`, with its accounting (counters, failures, weights, the sticky map).
  GatewayAttempt Try(int i, const Outgoing& message) ABSL_LOCKS_EXCLUDED(mu_);
  void Prune(Route& route, absl::Time now) ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  void Rebalance(absl::Time now) ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  void PublishWeights() ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  void Stick(const std::string& key, int i) ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);

  const SmsRouterOptions options_;
  const Clock* clock_;
  std::array<Route, 2> routes_;
  mutable absl::Mutex mu_;
  absl::Time next_move_ ABSL_GUARDED_BY(mu_) = absl::InfinitePast();
  // key → (gateway, sequence); the deque keeps insertion order for eviction.
  absl::flat_hash_map<std::string, std::pair<int, uint64_t>> sticky_ ABSL_GUARDED_BY(mu_);
  std::deque<std::pair<std::string, uint64_t>> sticky_order_ ABSL_GUARDED_BY(mu_);
  uint64_t sticky_seq_ ABSL_GUARDED_BY(mu_) = 0;
};

// The SMS Sender from settings: the router over two HTTP gateways, or sms-a alone without
// PARLEY_SMS_B_URL. INVALID_ARGUMENT as HttpGatewaySender::Create, or when both weights are 0.
absl::StatusOr<std::unique_ptr<Sender>> MakeSmsSender(const SmsSettings& settings, const Clock* clock,
                                                      prometheus::Registry* registry = nullptr);

}  // namespace parley::notifications
