#include "services/reporting/config.h"

#include "common/status/status_macros.h"

namespace parley::reporting {

absl::StatusOr<Config> LoadConfig(EnvReader& env, bool migrate_only) {
  Config c;
  ReadServiceSettings(env, migrate_only, {50056, 2}, c);
  if (!migrate_only) {
    c.service_key_file = env.Required("PARLEY_SERVICE_KEY");
    c.contacts_address = env.Required("PARLEY_CONTACTS_ADDR");
    c.escalation_address = env.Required("PARLEY_ESCALATION_ADDR");
    c.conduct_address = env.Required("PARLEY_CONDUCT_ADDR");
    c.appointments_address = env.Required("PARLEY_APPOINTMENTS_ADDR");
    c.notifications_address = env.Required("PARLEY_NOTIFICATIONS_ADDR");
    c.directory_max_staleness = env.Duration("PARLEY_DIRECTORY_MAX_STALENESS", absl::Minutes(5));
    c.source_timeout = env.Duration("PARLEY_REPORT_SOURCE_TIMEOUT", absl::Seconds(3));
    c.fresh_for = env.Duration("PARLEY_REPORT_FRESH_FOR", absl::Seconds(60));
    c.settle = env.Duration("PARLEY_REPORT_SETTLE", absl::Hours(24 * 14));
    c.fan_out = static_cast<int>(env.Int("PARLEY_REPORT_FAN_OUT", 16, 1, 256));
    c.small_count_threshold = static_cast<int>(env.Int("PARLEY_REPORT_SMALL_COUNT", 5, 1, 100));
    c.gauge_interval = env.Duration("PARLEY_REPORT_GAUGE_INTERVAL", absl::Seconds(60));
  }
  PARLEY_RETURN_IF_ERROR(env.Finish());
  PARLEY_RETURN_IF_ERROR(CheckServiceSettings(c));
  if (!migrate_only && (c.source_timeout < absl::Milliseconds(100) || c.source_timeout > absl::Minutes(1))) {
    return absl::InvalidArgumentError("configuration: PARLEY_REPORT_SOURCE_TIMEOUT must be between 100ms and 1m");
  }
  if (!migrate_only && (c.fresh_for < absl::ZeroDuration() || c.fresh_for > absl::Hours(24))) {
    return absl::InvalidArgumentError("configuration: PARLEY_REPORT_FRESH_FOR must be between 0s and 24h");
  }
  if (!migrate_only && (c.settle < absl::ZeroDuration() || c.settle > absl::Hours(24 * 365))) {
    return absl::InvalidArgumentError("configuration: PARLEY_REPORT_SETTLE must be between 0s and 8760h");
  }
  if (!migrate_only && (c.gauge_interval < absl::Seconds(1) || c.gauge_interval > absl::Hours(1))) {
    return absl::InvalidArgumentError("configuration: PARLEY_REPORT_GAUGE_INTERVAL must be between 1s and 1h");
  }
  return c;
}

}  // namespace parley::reporting
