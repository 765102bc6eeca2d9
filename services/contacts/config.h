// The contacts service's configuration, read once from the environment at start-up.
#pragma once

#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "common/config/env.h"

namespace parley::contacts {

struct Config {
  std::string grpc_address;                       // PARLEY_BIND_ADDRESS:PARLEY_GRPC_PORT
  std::string metrics_address;                    // PARLEY_BIND_ADDRESS:PARLEY_METRICS_PORT; empty when the port is 0
  std::string pg_dsn;                             // PARLEY_PG_DSN (required; may hold a password: never logged)
  int pg_pool_size = 16;                          // PARLEY_PG_POOL_SIZE
  std::vector<std::string> jwt_public_key_files;  // PARLEY_JWT_PUBLIC_KEYS (required, comma-separated)
  std::string jwt_issuer;                         // PARLEY_JWT_ISSUER
  std::string jwt_audience;                       // PARLEY_JWT_AUDIENCE
  absl::Duration refresh_interval = absl::Seconds(1);     // PARLEY_DIRECTORY_REFRESH
  absl::Duration request_id_retention = absl::Hours(72);  // PARLEY_REQUEST_ID_RETENTION
  int max_threads = 256;                                  // PARLEY_GRPC_MAX_THREADS (gRPC counts its own pollers too)
  std::string log_level = "info";                         // PARLEY_LOG_LEVEL
};

// Reads the service configuration; `migrate_only` needs only the database.
absl::StatusOr<Config> LoadConfig(EnvReader& env, bool migrate_only);

}  // namespace parley::contacts
