#include "services/conduct/config.h"

#include "common/status/status_macros.h"

namespace parley::conduct {

absl::StatusOr<Config> LoadConfig(EnvReader& env, bool migrate_only) {
  Config c;
  ReadServiceSettings(env, migrate_only, {50052, 2}, c);
  if (!migrate_only) {
    c.redis_address = env.Required("PARLEY_REDIS_ADDR");
    c.redis_namespace = env.Name("PARLEY_REDIS_NAMESPACE", "parley");
    c.service_key_file = env.Required("PARLEY_SERVICE_KEY");
    c.contacts_address = env.Required("PARLEY_CONTACTS_ADDR");
    c.directory_max_staleness = env.Duration("PARLEY_DIRECTORY_MAX_STALENESS", absl::Minutes(5));
    c.gate_refresh = env.Duration("PARLEY_GATE_REFRESH", absl::Milliseconds(250));
    c.incident_lookback = env.Duration("PARLEY_INCIDENT_LOOKBACK", absl::Hours(24 * 365));
    c.timer_threads = static_cast<int>(env.Int("PARLEY_TIMER_THREADS", 2, 1, 64));
    c.decision_flush = env.Duration("PARLEY_DECISION_FLUSH", absl::Milliseconds(50));
    c.decision_queue = static_cast<int>(env.Int("PARLEY_DECISION_QUEUE", 10000, 100, 1000000));
    c.notifications_address = env.String("PARLEY_NOTIFICATIONS_ADDR", "");
    c.outbox_poll_interval = env.Duration("PARLEY_OUTBOX_POLL_INTERVAL", absl::Milliseconds(250));
    c.outbox_batch = static_cast<int>(env.Int("PARLEY_OUTBOX_BATCH", 50, 1, 1000));
  }
  PARLEY_RETURN_IF_ERROR(env.Finish());
  PARLEY_RETURN_IF_ERROR(CheckServiceSettings(c));
  if (!migrate_only && (c.gate_refresh < absl::Milliseconds(10) || c.gate_refresh > absl::Minutes(1))) {
    return absl::InvalidArgumentError("configuration: PARLEY_GATE_REFRESH must be between 10ms and 1m");
  }
  if (!migrate_only && (c.decision_flush < absl::Milliseconds(1) || c.decision_flush > absl::Minutes(1))) {
    return absl::InvalidArgumentError("configuration: PARLEY_DECISION_FLUSH must be between 1ms and 1m");
  }
  if (!migrate_only && (c.outbox_poll_interval < absl::Milliseconds(10) || c.outbox_poll_interval > absl::Minutes(1))) {
    return absl::InvalidArgumentError("configuration: PARLEY_OUTBOX_POLL_INTERVAL must be between 10ms and 1m");
  }
  return c;
}

}  // namespace parley::conduct
