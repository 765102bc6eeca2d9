#include "services/escalation/config.h"

#include "absl/strings/str_cat.h"
#include "common/log/log.h"
#include "common/status/status_macros.h"

namespace parley::escalation {

absl::StatusOr<Config> LoadConfig(EnvReader& env, bool migrate_only) {
  Config c;
  c.pg_dsn = env.Required("PARLEY_PG_DSN");
  c.pg_pool_size = static_cast<int>(env.Int("PARLEY_PG_POOL_SIZE", 16, 2, 200));
  c.log_level = env.String("PARLEY_LOG_LEVEL", "info");
  if (!migrate_only) {
    const std::string bind = env.String("PARLEY_BIND_ADDRESS", "0.0.0.0");
    const int64_t grpc_port = env.Int("PARLEY_GRPC_PORT", 50053, 0, 65535);
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
    c.conduct_address = env.Required("PARLEY_CONDUCT_ADDR");
    c.timer_threads = static_cast<int>(env.Int("PARLEY_TIMER_THREADS", 8, 1, 64));
    c.recompute_interval = env.Duration("PARLEY_RECOMPUTE_INTERVAL", absl::Seconds(30));
    c.request_id_retention = env.Duration("PARLEY_REQUEST_ID_RETENTION", absl::Hours(72));
    c.max_threads = static_cast<int>(env.Int("PARLEY_GRPC_MAX_THREADS", 256, 8, 2048));
  }
  log::Level level;
  if (!log::ParseLevel(c.log_level, &level)) {
    return absl::InvalidArgumentError("configuration: PARLEY_LOG_LEVEL must be debug, info, warning or error");
  }
  PARLEY_RETURN_IF_ERROR(env.Finish());
  if (!migrate_only && c.request_id_retention < absl::Hours(1)) {
    return absl::InvalidArgumentError("configuration: PARLEY_REQUEST_ID_RETENTION must be at least 1h");
  }
  return c;
}

}  // namespace parley::escalation
