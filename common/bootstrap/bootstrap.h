// What every service binary does before and around its own wiring: read "serve" or "migrate"
// from the command line, set up logging, report a start-up failure, open the PostgreSQL pool,
// apply migration sets, connect to Redis, and probe the server for Kubernetes. A service's main.cc is then only its own
// wiring.
#pragma once

#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "common/auth/key_files.h"
#include "common/auth/verifier.h"
#include "common/config/service_settings.h"
#include "common/grpc/server.h"
#include "common/pg/migrations.h"
#include "common/pg/pool.h"
#include "common/redis/client.h"
#include "common/timer/worker.h"

namespace parley::bootstrap {

// `binary serve` (the default) → false, `binary migrate` → true; anything else prints the usage
// and gives nullopt (exit with 2).
std::optional<bool> ParseMigrateOnly(int argc, char** argv, absl::string_view binary);

// `binary probe [health-name]`: the Kubernetes probe under TLS (kubelet's own gRPC probe speaks
// only plaintext). One Health/Check to 127.0.0.1:$PARLEY_GRPC_PORT (`default_port` when unset)
// for `health-name` ("" = the whole server; "liveness"), over the same PARLEY_TLS_* settings the
// server reads: it trusts the CA and presents the pod's certificate, so it passes under
// PARLEY_TLS_CLIENT_AUTH=require too. Exit 0 when SERVING, 1 otherwise (the reason on stderr).
// nullopt when the command is not `probe`: the caller goes on to ParseMigrateOnly.
std::optional<int> RunProbe(int argc, char** argv, absl::string_view binary, int default_port);

// Names the service in every log line and sets the minimum level (config has validated it).
void SetUpLogging(absl::string_view service, const std::string& level);

// Logs a start-up failure as one JSON line, prints it for the person at the terminal, and
// returns the exit code 1.
int Fail(absl::string_view binary, const absl::Status& status);

// The pool, connected once so a bad DSN or a down server shows at start-up.
absl::StatusOr<std::unique_ptr<pg::Pool>> OpenPool(const std::string& dsn, int size, absl::string_view binary);

struct MigrationSet {
  std::string service;  // as recorded in parley_schema_migrations
  const std::vector<pg::Migration>* migrations;
};
// Applies the sets in order (a library's own set before the service's) and logs how many there are.
absl::Status Migrate(pg::Pool& pool, const std::vector<MigrationSet>& sets);

// INVALID_ARGUMENT naming PARLEY_REDIS_ADDR when it is not host:port; UNAVAILABLE when Redis
// cannot be reached.
absl::StatusOr<std::unique_ptr<redis::Client>> ConnectRedis(const std::string& address);

// The verifier of callers' tokens, from the key files, issuer and audience the settings name.
absl::StatusOr<std::unique_ptr<auth::Verifier>> CallerVerifier(const ServiceSettings& settings);

// This service's own identity for calls to its peers (a token it signs with `key_file`).
absl::StatusOr<std::unique_ptr<auth::ServiceIdentity>> PeerIdentity(const ServiceSettings& settings,
                                                                    const std::string& key_file,
                                                                    absl::string_view service);

// The gRPC server's options: the service's name, its listen and metrics addresses, the thread cap,
// its TLS settings.
server::ServerOptions ServerOptionsFor(const ServiceSettings& settings, absl::string_view service);

// The service's timer worker, its Redis keys under "{redis_namespace}:{service}:", metrics in
// `registry`. Register handlers, then Start.
absl::StatusOr<std::unique_ptr<timer::Worker>> TimerWorker(pg::Pool* pool, redis::Client* redis,
                                                           const std::string& redis_namespace,
                                                           absl::string_view service, int threads,
                                                           prometheus::Registry* registry);

}  // namespace parley::bootstrap
