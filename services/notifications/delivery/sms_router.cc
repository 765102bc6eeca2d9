#include "services/notifications/delivery/sms_router.h"

#include <algorithm>
#include <cstdint>
#include <utility>

#include "absl/random/random.h"
#include "absl/strings/str_cat.h"
#include "common/status/reason.h"
#include "prometheus/counter.h"
#include "prometheus/gauge.h"
#include "prometheus/registry.h"

namespace parley::notifications {
namespace {

using Kind = SendOutcome::Kind;

double DefaultUniform() {
  thread_local absl::BitGen gen;
  return absl::Uniform<double>(gen, 0.0, 1.0);
}

}  // namespace

double KeyPoint(const std::string& key) {
  uint64_t h = 14695981039346656037ULL;  // FNV-1a
  for (unsigned char c : key) {
    h ^= c;
    h *= 1099511628211ULL;
  }
  h ^= h >> 33;  // murmur3's finaliser: the low bits of FNV alone split poorly
  h *= 0xff51afd7ed558ccdULL;
  h ^= h >> 33;
  h *= 0xc4ceb9fe1a85ec53ULL;
  h ^= h >> 33;
  return static_cast<double>(h >> 11) * 0x1.0p-53;
}

SmsSettings ReadSmsSettings(EnvReader& env) {
  SmsSettings out;
  out.a = ReadHttpGatewaySettings(env, "PARLEY_SMS_A", "sms-a");
  out.has_b = HttpGatewayConfigured(env, "PARLEY_SMS_B");
  if (out.has_b) out.b = ReadHttpGatewaySettings(env, "PARLEY_SMS_B", "sms-b");
  SmsRouterOptions& r = out.router;
  r.weight_a = static_cast<int>(env.Int("PARLEY_SMS_A_WEIGHT", r.weight_a, 0, 100));
  r.weight_b = static_cast<int>(env.Int("PARLEY_SMS_B_WEIGHT", r.weight_b, 0, 100));
  r.failure_threshold = static_cast<int>(env.Int("PARLEY_SMS_FAILOVER_THRESHOLD", r.failure_threshold, 1, 1000000));
  r.window = env.Duration("PARLEY_SMS_FAILOVER_WINDOW", r.window);
  r.cooldown = env.Duration("PARLEY_SMS_FAILOVER_COOLDOWN", r.cooldown);
  r.step = static_cast<int>(env.Int("PARLEY_SMS_FAILOVER_STEP", r.step, 1, 100));
  return out;
}

SmsRouter::SmsRouter(std::unique_ptr<Gateway> a, std::unique_ptr<Gateway> b, SmsRouterOptions options,
                     const Clock* clock, prometheus::Registry* registry)
    : options_(std::move(options)), clock_(clock) {
  routes_[0].gateway = std::move(a);
  routes_[1].gateway = std::move(b);
  routes_[0].resting = routes_[0].weight = options_.weight_a;
  routes_[1].resting = routes_[1].weight = options_.weight_b;
  if (registry != nullptr) {
    auto& sent = prometheus::BuildCounter()
                     .Name("parley_notifications_sms_gateway_sent_total")
                     .Help("SMS messages a gateway accepted")
                     .Register(*registry);
    auto& failed = prometheus::BuildCounter()
                       .Name("parley_notifications_sms_gateway_failed_total")
                       .Help(
                           "SMS attempts a gateway did not accept: refused (not taken, tried elsewhere), ambiguous "
                           "(may have been taken: retried there only), rejected (permanent, e.g. invalid number)")
                       .Register(*registry);
    auto& failovers = prometheus::BuildCounter()
                          .Name("parley_notifications_sms_gateway_failovers_total")
                          .Help("SMS messages refused by this gateway and tried on the other at once")
                          .Register(*registry);
    auto& weight = prometheus::BuildGauge()
                       .Name("parley_notifications_sms_gateway_weight")
                       .Help("The gateway's current share of SMS traffic (weight points)")
                       .Register(*registry);
    auto& degraded = prometheus::BuildGauge()
                         .Name("parley_notifications_sms_gateway_degraded")
                         .Help("1 while the gateway has lost weight to the other through failures")
                         .Register(*registry);
    for (Route& r : routes_) {
      const std::string& name = r.gateway->name();
      r.sent = &sent.Add({{"gateway", name}});
      r.refused = &failed.Add({{"gateway", name}, {"failure", "refused"}});
      r.ambiguous = &failed.Add({{"gateway", name}, {"failure", "ambiguous"}});
      r.rejected = &failed.Add({{"gateway", name}, {"failure", "rejected"}});
      r.failovers = &failovers.Add({{"gateway", name}});
      r.weight_gauge = &weight.Add({{"gateway", name}});
      r.degraded_gauge = &degraded.Add({{"gateway", name}});
    }
  }
  absl::MutexLock lock(&mu_);
  PublishWeights();
}

SmsRouter::~SmsRouter() = default;

int SmsRouter::weight(int i) const {
  absl::MutexLock lock(&mu_);
  return routes_[i].weight;
}

bool SmsRouter::degraded(int i) const {
  absl::MutexLock lock(&mu_);
  return routes_[i].weight < routes_[i].resting;
}

int SmsRouter::Index(const std::string& provider) const {
  for (int i = 0; i < 2; ++i) {
    if (!provider.empty() && routes_[i].gateway->name() == provider) return i;
  }
  return -1;
}

void SmsRouter::PublishWeights() {
  for (Route& r : routes_) {
    if (r.weight_gauge != nullptr) r.weight_gauge->Set(r.weight);
    if (r.degraded_gauge != nullptr) r.degraded_gauge->Set(r.weight < r.resting ? 1 : 0);
  }
}

void SmsRouter::Prune(Route& route, absl::Time now) {
  while (!route.failures.empty() && route.failures.front() <= now - options_.window) route.failures.pop_front();
}

void SmsRouter::Rebalance(absl::Time now) {
  for (Route& r : routes_) Prune(r, now);
  if (now < next_move_) return;
  Route& a = routes_[0];
  Route& b = routes_[1];
  if (a.weight == a.resting) return;
  const int limit = options_.failure_threshold;
  if (static_cast<int>(a.failures.size()) > limit || static_cast<int>(b.failures.size()) > limit) return;
  // Both healthy: one step back towards the configured split.
  Route& low = a.weight < a.resting ? a : b;
  Route& high = a.weight < a.resting ? b : a;
  const int shift = std::min(options_.step, low.resting - low.weight);
  low.weight += shift;
  high.weight -= shift;
  next_move_ = now + options_.cooldown;
  PublishWeights();
}

int SmsRouter::Pick(absl::Time now, const std::string& key) {
  const double u = options_.uniform ? options_.uniform() : key.empty() ? DefaultUniform() : KeyPoint(key);
  absl::MutexLock lock(&mu_);
  Rebalance(now);
  const int total = routes_[0].weight + routes_[1].weight;
  return u * total < routes_[0].weight ? 0 : 1;
}

void SmsRouter::Stick(const std::string& key, int i) {
  if (key.empty() || options_.sticky_capacity == 0) return;
  const uint64_t seq = ++sticky_seq_;
  sticky_[key] = {i, seq};
  sticky_order_.emplace_back(key, seq);
  while (sticky_.size() > options_.sticky_capacity ||
         (!sticky_order_.empty() && sticky_order_.size() > 2 * options_.sticky_capacity)) {
    auto [old_key, old_seq] = std::move(sticky_order_.front());
    sticky_order_.pop_front();
    auto it = sticky_.find(old_key);
    if (it != sticky_.end() && it->second.second == old_seq) sticky_.erase(it);
  }
}

GatewayAttempt SmsRouter::Try(int i, const Outgoing& message) {
  Route& route = routes_[i];
  GatewayAttempt attempt = route.gateway->Attempt(message);
  attempt.outcome.provider = route.gateway->name();
  const absl::Time now = clock_->Now();
  absl::MutexLock lock(&mu_);
  switch (attempt.outcome.kind) {
    case Kind::kAccepted:
    case Kind::kPermanent: {
      prometheus::Counter* counter = attempt.outcome.kind == Kind::kAccepted ? route.sent : route.rejected;
      if (counter != nullptr) counter->Increment();
      sticky_.erase(message.idempotency_key);  // settled: the gateway answered for this key
      return attempt;
    }
    case Kind::kRetry:
      break;
  }
  if (attempt.ambiguous) {
    if (route.ambiguous != nullptr) route.ambiguous->Increment();
    Stick(message.idempotency_key, i);
  } else if (route.refused != nullptr) {
    route.refused->Increment();
  }
  Prune(route, now);
  route.failures.push_back(now);
  if (static_cast<int>(route.failures.size()) > options_.failure_threshold && now >= next_move_ && route.weight > 0) {
    Route& other = routes_[1 - i];
    const int shift = std::min(options_.step, route.weight);
    route.weight -= shift;
    other.weight += shift;
    route.failures.clear();  // the next move needs a fresh run of failures
    next_move_ = now + options_.cooldown;
    PublishWeights();
  }
  return attempt;
}

SendOutcome SmsRouter::Send(const Outgoing& message) {
  // A delivery that one gateway may hold goes there and nowhere else.
  int tied = Index(message.sticky_provider);
  if (tied < 0) {
    absl::MutexLock lock(&mu_);
    auto it = sticky_.find(message.idempotency_key);
    if (it != sticky_.end()) tied = it->second.first;
  }
  if (tied >= 0) {
    GatewayAttempt attempt = Try(tied, message);
    if (attempt.outcome.kind == Kind::kRetry && !attempt.ambiguous) {
      // Refused now, but an earlier attempt may have been taken: it stays tied to this gateway.
      absl::MutexLock lock(&mu_);
      Stick(message.idempotency_key, tied);
    }
    return attempt.outcome;
  }

  const int first = Pick(clock_->Now(), message.idempotency_key);
  GatewayAttempt attempt = Try(first, message);
  if (attempt.outcome.kind != Kind::kRetry || attempt.ambiguous) return attempt.outcome;

  // A definite refusal: the first gateway did not take it, so the other may.
  if (routes_[first].failovers != nullptr) routes_[first].failovers->Increment();
  const std::string first_detail = absl::StrCat(routes_[first].gateway->name(), ": ", attempt.outcome.detail);
  GatewayAttempt second = Try(1 - first, message);
  if (second.outcome.kind != Kind::kRetry || second.ambiguous) return second.outcome;
  SendOutcome out;
  out.kind = Kind::kRetry;
  out.provider = "sms";  // neither gateway holds it: the next attempt may go to either
  out.detail = absl::StrCat(first_detail, "; ", routes_[1 - first].gateway->name(), ": ", second.outcome.detail);
  return out;
}

absl::StatusOr<std::unique_ptr<Sender>> MakeSmsSender(const SmsSettings& settings, const Clock* clock,
                                                      prometheus::Registry* registry) {
  auto a = HttpGatewaySender::Create(settings.a);
  if (!a.ok()) return a.status();
  if (!settings.has_b) return std::unique_ptr<Sender>(std::move(*a));
  if (settings.router.weight_a + settings.router.weight_b <= 0) {
    return InvalidArgument(reason::kInvalidField, "PARLEY_SMS_A_WEIGHT and PARLEY_SMS_B_WEIGHT are both 0");
  }
  auto b = HttpGatewaySender::Create(settings.b);
  if (!b.ok()) return b.status();
  return std::unique_ptr<Sender>(
      std::make_unique<SmsRouter>(std::move(*a), std::move(*b), settings.router, clock, registry));
}

}  // namespace parley::notifications
