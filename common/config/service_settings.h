// What every Parley service reads alike from the environment: where it listens, its database, how
// it checks tokens, its gRPC thread cap, how long request ids are kept, its log level and its TLS
// files. A
// service's Config derives from ServiceSettings and reads its own variables after these.
//
//   Config c;
//   ReadServiceSettings(env, migrate_only, {.grpc_port = 50053}, c);
//   c.timer_threads = ...;
//   PARLEY_RETURN_IF_ERROR(env.Finish());
//   PARLEY_RETURN_IF_ERROR(CheckServiceSettings(c));
#pragma once

#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/time/time.h"
#include "common/config/env.h"
#include "common/config/tls_settings.h"

namespace parley {

struct ServiceSettings {
  std::string grpc_address;                       // PARLEY_BIND_ADDRESS:PARLEY_GRPC_PORT
  std::string metrics_address;                    // PARLEY_BIND_ADDRESS:PARLEY_METRICS_PORT; empty when the port is 0
  std::string pg_dsn;                             // PARLEY_PG_DSN (required; may hold a password: never logged)
  int pg_pool_size = 16;                          // PARLEY_PG_POOL_SIZE
  std::vector<std::string> jwt_public_key_files;  // PARLEY_JWT_PUBLIC_KEYS (required, comma-separated)
  std::string jwt_issuer;                         // PARLEY_JWT_ISSUER
  std::string jwt_audience;                       // PARLEY_JWT_AUDIENCE
  absl::Duration request_id_retention = absl::Hours(72);  // PARLEY_REQUEST_ID_RETENTION
  int max_threads = 256;                                  // PARLEY_GRPC_MAX_THREADS (gRPC counts its pollers too)
  std::string log_level = "info";                         // PARLEY_LOG_LEVEL
  TlsSettings tls;  // PARLEY_TLS_* (tls_settings.h): the gRPC port's and the peer calls' transport security
};

struct ServiceSettingsDefaults {
  int grpc_port = 50051;
  int min_pool_size = 2;
};

// Reads the common variables into `out`; problems are recorded in `env` and reported by its
// Finish(). `migrate_only` reads only the database and the log level.
void ReadServiceSettings(EnvReader& env, bool migrate_only, const ServiceSettingsDefaults& defaults,
                         ServiceSettings& out);

// What no single variable shows: INVALID_ARGUMENT naming PARLEY_LOG_LEVEL when it is not a level,
// or the PARLEY_TLS_* problem CheckTlsSettings finds (not checked in migrate mode, which serves nothing).
absl::Status CheckServiceSettings(const ServiceSettings& settings);

}  // namespace parley
