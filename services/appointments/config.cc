#include "services/appointments/config.h"

#include "common/status/status_macros.h"

namespace parley::appointments {

absl::StatusOr<Config> LoadConfig(EnvReader& env, bool migrate_only) {
  Config c;
  ReadServiceSettings(env, migrate_only, {50055, 4}, c);
  if (!migrate_only) {
    c.redis_address = env.Required("PARLEY_REDIS_ADDR");
    c.redis_namespace = env.Name("PARLEY_REDIS_NAMESPACE", "parley");
    c.service_key_file = env.Required("PARLEY_SERVICE_KEY");
    c.contacts_address = env.Required("PARLEY_CONTACTS_ADDR");
    c.conduct_address = env.Required("PARLEY_CONDUCT_ADDR");
    c.timer_threads = static_cast<int>(env.Int("PARLEY_TIMER_THREADS", 4, 1, 64));
    c.directory_max_staleness = env.Duration("PARLEY_DIRECTORY_MAX_STALENESS", absl::Minutes(5));
    c.notifications_address = env.String("PARLEY_NOTIFICATIONS_ADDR", "");
    c.outbox_poll_interval = env.Duration("PARLEY_OUTBOX_POLL_INTERVAL", absl::Milliseconds(250));
    c.outbox_batch = static_cast<int>(env.Int("PARLEY_OUTBOX_BATCH", 50, 1, 1000));
    c.hold_sweep_interval = env.Duration("PARLEY_HOLD_SWEEP_INTERVAL", absl::Seconds(5));
    c.retention_sweep_interval = env.Duration("PARLEY_RETENTION_SWEEP_INTERVAL", absl::Hours(1));
  }
  PARLEY_RETURN_IF_ERROR(env.Finish());
  PARLEY_RETURN_IF_ERROR(CheckServiceSettings(c));
  if (migrate_only) return c;
  if (c.request_id_retention < absl::Hours(1)) {
    return absl::InvalidArgumentError("configuration: PARLEY_REQUEST_ID_RETENTION must be at least 1h");
  }
  if (c.outbox_poll_interval < absl::Milliseconds(10) || c.outbox_poll_interval > absl::Minutes(1)) {
    return absl::InvalidArgumentError("configuration: PARLEY_OUTBOX_POLL_INTERVAL must be between 10ms and 1m");
  }
  if (c.hold_sweep_interval < absl::Milliseconds(100) || c.hold_sweep_interval > absl::Minutes(5)) {
    return absl::InvalidArgumentError("configuration: PARLEY_HOLD_SWEEP_INTERVAL must be between 100ms and 5m");
  }
  if (c.retention_sweep_interval < absl::Seconds(1) || c.retention_sweep_interval > absl::Hours(24)) {
    return absl::InvalidArgumentError("configuration: PARLEY_RETENTION_SWEEP_INTERVAL must be between 1s and 24h");
  }
  return c;
}

}  // namespace parley::appointments
