#include "common/config/service_settings.h"

#include "absl/strings/str_cat.h"
#include "common/log/log.h"

namespace parley {

void ReadServiceSettings(EnvReader& env, bool migrate_only, const ServiceSettingsDefaults& defaults,
                         ServiceSettings& out) {
  out.pg_dsn = env.Required("PARLEY_PG_DSN");
  out.pg_pool_size = static_cast<int>(env.Int("PARLEY_PG_POOL_SIZE", 16, defaults.min_pool_size, 200));
  out.log_level = env.String("PARLEY_LOG_LEVEL", "info");
  if (migrate_only) return;
  const std::string bind = env.String("PARLEY_BIND_ADDRESS", "0.0.0.0");
  const int64_t grpc_port = env.Int("PARLEY_GRPC_PORT", defaults.grpc_port, 0, 65535);
  const int64_t metrics_port = env.Int("PARLEY_METRICS_PORT", 9090, 0, 65535);
  out.grpc_address = absl::StrCat(bind, ":", grpc_port);
  out.metrics_address = metrics_port == 0 ? "" : absl::StrCat(bind, ":", metrics_port);
  out.jwt_public_key_files = env.List("PARLEY_JWT_PUBLIC_KEYS");
  if (out.jwt_public_key_files.empty()) env.Required("PARLEY_JWT_PUBLIC_KEYS");
  out.jwt_issuer = env.String("PARLEY_JWT_ISSUER", "parley-local");
  out.jwt_audience = env.String("PARLEY_JWT_AUDIENCE", "parley");
  out.request_id_retention = env.Duration("PARLEY_REQUEST_ID_RETENTION", absl::Hours(72));
  out.max_threads = static_cast<int>(env.Int("PARLEY_GRPC_MAX_THREADS", 256, 8, 2048));
  ReadTlsSettings(env, out.tls);
}

absl::Status CheckServiceSettings(const ServiceSettings& settings) {
  log::Level level;
  if (!log::ParseLevel(settings.log_level, &level)) {
    return absl::InvalidArgumentError("configuration: PARLEY_LOG_LEVEL must be debug, info, warning or error");
  }
  // Migrate mode reads no TLS settings (the tls member keeps its defaults) and passes this trivially.
  return CheckTlsSettings(settings.tls);
}

}  // namespace parley
