// The escalation service's configuration, read once from the environment at start-up. A missing or
// bad value stops start-up with a message naming the variable.
#pragma once

#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "common/config/env.h"

namespace parley::escalation {

struct Config {
  std::string grpc_address;                       // PARLEY_BIND_ADDRESS:PARLEY_GRPC_PORT (default port 50053)
  std::string metrics_address;                    // PARLEY_BIND_ADDRESS:PARLEY_METRICS_PORT; empty when the port is 0
  std::string pg_dsn;                             // PARLEY_PG_DSN (required; may hold a password: never logged)
  int pg_pool_size = 16;                          // PARLEY_PG_POOL_SIZE
  std::string redis_address;                      // PARLEY_REDIS_ADDR (required), host:port
  std::string redis_namespace = "parley";         // PARLEY_REDIS_NAMESPACE: keys are "<ns>:escalation:..."
  std::vector<std::string> jwt_public_key_files;  // PARLEY_JWT_PUBLIC_KEYS (required, comma-separated)
  std::string jwt_issuer;                         // PARLEY_JWT_ISSUER
  std::string jwt_audience;                       // PARLEY_JWT_AUDIENCE
  std::string service_key_file;                   // PARLEY_SERVICE_KEY (required): signs this service's own tokens
  std::string contacts_address;                   // PARLEY_CONTACTS_ADDR (required): routing, ladders, deadlines
  std::string conduct_address;                    // PARLEY_CONDUCT_ADDR (required): the gate
  int timer_threads = 4;                          // PARLEY_TIMER_THREADS
  absl::Duration recompute_interval = absl::Seconds(30);  // PARLEY_RECOMPUTE_INTERVAL
  absl::Duration request_id_retention = absl::Hours(72);  // PARLEY_REQUEST_ID_RETENTION
  int max_threads = 256;                                  // PARLEY_GRPC_MAX_THREADS
  std::string log_level = "info";                         // PARLEY_LOG_LEVEL
};

// Reads the service configuration; `migrate_only` needs only the database.
absl::StatusOr<Config> LoadConfig(EnvReader& env, bool migrate_only);

}  // namespace parley::escalation
