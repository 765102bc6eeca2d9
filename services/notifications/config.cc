#include "services/notifications/config.h"

#include "common/status/status_macros.h"

namespace parley::notifications {

absl::StatusOr<Config> LoadConfig(EnvReader& env, bool migrate_only) {
  Config c;
  ReadServiceSettings(env, migrate_only, {50054, 4}, c);
  if (!migrate_only) {
    c.service_key_file = env.Required("PARLEY_SERVICE_KEY");
    c.contacts_address = env.Required("PARLEY_CONTACTS_ADDR");
    c.directory_max_staleness = env.Duration("PARLEY_DIRECTORY_MAX_STALENESS", absl::Minutes(5));
    c.delivery_threads = static_cast<int>(env.Int("PARLEY_DELIVERY_THREADS", 4, 1, 64));
    c.delivery_batch = static_cast<int>(env.Int("PARLEY_DELIVERY_BATCH", 32, 1, 500));
    c.delivery_poll_interval = env.Duration("PARLEY_DELIVERY_POLL_INTERVAL", absl::Milliseconds(250));
    c.delivery_lease = env.Duration("PARLEY_DELIVERY_LEASE", absl::Minutes(2));
    if (HttpGatewayConfigured(env, "PARLEY_SMS_A")) c.sms = ReadSmsSettings(env);
    if (HttpGatewayConfigured(env, "PARLEY_PUSH")) c.push = ReadHttpGatewaySettings(env, "PARLEY_PUSH", "push");
    // Reads the SMTP variables and reports every problem recorded so far.
    PARLEY_ASSIGN_OR_RETURN(c.smtp, SmtpSettingsFromEnv(env));
  }
  PARLEY_RETURN_IF_ERROR(env.Finish());
  PARLEY_RETURN_IF_ERROR(CheckServiceSettings(c));
  if (!migrate_only &&
      (c.delivery_poll_interval < absl::Milliseconds(10) || c.delivery_poll_interval > absl::Minutes(1))) {
    return absl::InvalidArgumentError("configuration: PARLEY_DELIVERY_POLL_INTERVAL must be between 10ms and 1m");
  }
  // A lease shorter than one send would let a second worker take a delivery still being sent.
  if (!migrate_only && (c.delivery_lease < absl::Seconds(5) || c.delivery_lease > absl::Hours(1) ||
                        c.delivery_lease <= c.smtp.timeout)) {
    return absl::InvalidArgumentError(
        "configuration: PARLEY_DELIVERY_LEASE must be between 5s and 1h and longer than PARLEY_SMTP_TIMEOUT");
  }
  return c;
}

}  // namespace parley::notifications
