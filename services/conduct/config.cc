#include "services/conduct/config.h"

#include "absl/strings/str_cat.h"
#include "common/log/log.h"
#include "common/status/status_macros.h"

namespace parley::conduct {

absl::StatusOr<Config> LoadConfig(EnvReader& env, bool migrate_only) {
  Config c;
  c.pg_dsn = env.Required("PARLEY_PG_DSN");
  c.pg_pool_size = static_cast<int>(env.Int("PARLEY_PG_POOL_SIZE", 16, 2, 200));
  c.log_level = env.String("PARLEY_LOG_LEVEL", "info");
  if (!migrate_only) {
    const std::string bind = env.String("PARLEY_BIND_ADDRESS", "0.0.0.0");
    const int64_t grpc_port = env.Int("PARLEY_GRPC_PORT", 50052, 0, 65535);
    const int64_t metrics_port = env.Int("PARLEY_METRICS_PORT", 9090, 0, 65535);
    c.grpc_address = absl::StrCat(bind, ":", grpc_port);
    c.metrics_address = metrics_port == 0 ? "" : absl::StrCat(bind, ":", metrics_port);
    c.redis_address = env.Required("PARLEY_REDIS_ADDR");
    c.redis_namespace = env.Name("PARLEY_REDIS_NAMESPACE", "parley");
    c.jwt_public_key_files = env.List("PARLEY_JWT_PUBLIC_KEYS");
    if (c.jwt_public_key_files.empty()) env.Required("PARLEY_JWT_PUBLIC_KEYS");
    c.jwt_issuer = env.String("PARLEY_JWT_ISSUER", "parley-local");
    c.jwt_audience = env.String("PARLEY_JWT_AUDIENCE", "parley");
    c.service_key_file = env.Required("PARLEY_SERVICE_KEY");
    c.contacts_address = env.Required("PARLEY_CONTACTS_ADDR");
    c.gate_refresh = env.Duration("PARLEY_GATE_REFRESH", absl::Milliseconds(250));
    c.incident_lookback = env.Duration("PARLEY_INCIDENT_LOOKBACK", absl::Hours(24 * 365));
    c.timer_threads = static_cast<int>(env.Int("PARLEY_TIMER_THREADS", 2, 1, 64));
    c.request_id_retention = env.Duration("PARLEY_REQUEST_ID_RETENTION", absl::Hours(72));
    c.max_threads = static_cast<int>(env.Int("PARLEY_GRPC_MAX_THREADS", 256, 8, 2048));
  }
  log::Level level;
  if (!log::ParseLevel(c.log_level, &level)) {
    return absl::InvalidArgumentError("configuration: PARLEY_LOG_LEVEL must be debug, info, warning or error");
  }
  PARLEY_RETURN_IF_ERROR(env.Finish());
  if (!migrate_only && (c.gate_refresh < absl::Milliseconds(10) || c.gate_refresh > absl::Minutes(1))) {
    return absl::InvalidArgumentError("configuration: PARLEY_GATE_REFRESH must be between 10ms and 1m");
  }
  return c;
}

}  // namespace parley::conduct
