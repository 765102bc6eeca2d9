#include "common/bootstrap/bootstrap.h"

#include <cstdio>
#include <utility>

#include "absl/strings/str_cat.h"
#include "common/log/log.h"

namespace parley::bootstrap {

std::optional<bool> ParseMigrateOnly(int argc, char** argv, absl::string_view binary) {
  const std::string command = argc > 1 ? argv[1] : "serve";
  if (argc > 2 || (command != "serve" && command != "migrate")) {
    std::fprintf(stderr, "usage: %s [serve|migrate]\n", std::string(binary).c_str());
    return std::nullopt;
  }
  return command == "migrate";
}

void SetUpLogging(absl::string_view service, const std::string& level) {
  log::SetService(std::string(service));
  log::Level parsed = log::Level::kInfo;
  log::ParseLevel(level, &parsed);
  log::SetMinLevel(parsed);
}

int Fail(absl::string_view binary, const absl::Status& status) {
  log::Error("startup_failed",
             {{"code", absl::StatusCodeToString(status.code())}, {"message", std::string(status.message())}});
  std::fprintf(stderr, "%s: %s\n", std::string(binary).c_str(), std::string(status.message()).c_str());
  return 1;
}

absl::StatusOr<std::unique_ptr<pg::Pool>> OpenPool(const std::string& dsn, int size, absl::string_view binary) {
  pg::PoolOptions options;
  options.dsn = dsn;
  options.size = size;
  options.application_name = std::string(binary);
  return pg::Pool::Create(options);
}

absl::Status Migrate(pg::Pool& pool, const std::vector<MigrationSet>& sets) {
  size_t count = 0;
  for (const MigrationSet& set : sets) {
    absl::Status s = pg::ApplyMigrations(pool, set.service, *set.migrations);
    if (!s.ok()) return s;
    count += set.migrations->size();
  }
  log::Info("migrations_applied", {{"count", count}});
  return absl::OkStatus();
}

absl::StatusOr<std::unique_ptr<redis::Client>> ConnectRedis(const std::string& address) {
  absl::StatusOr<redis::RedisOptions> options = redis::ParseAddress(address);
  if (!options.ok()) return absl::InvalidArgumentError("PARLEY_REDIS_ADDR must be host:port");
  return redis::Client::Connect(*options);
}

absl::StatusOr<std::unique_ptr<auth::Verifier>> CallerVerifier(const ServiceSettings& settings) {
  return auth::VerifierFromKeyFiles(settings.jwt_public_key_files, settings.jwt_issuer, settings.jwt_audience);
}

absl::StatusOr<std::unique_ptr<auth::ServiceIdentity>> PeerIdentity(const ServiceSettings& settings,
                                                                    const std::string& key_file,
                                                                    absl::string_view service) {
  return auth::ServiceIdentityFromKeyFile(key_file, settings.jwt_issuer, settings.jwt_audience, std::string(service));
}

server::ServerOptions ServerOptionsFor(const ServiceSettings& settings, absl::string_view service) {
  server::ServerOptions options;
  options.service_name = std::string(service);
  options.listen_address = settings.grpc_address;
  options.metrics_address = settings.metrics_address;
  options.max_threads = settings.max_threads;
  return options;
}

absl::StatusOr<std::unique_ptr<timer::Worker>> TimerWorker(pg::Pool* pool, redis::Client* redis,
                                                           const std::string& redis_namespace,
                                                           absl::string_view service, int threads,
                                                           prometheus::Registry* registry) {
  timer::WorkerOptions options;
  options.redis_key_prefix = absl::StrCat(redis_namespace, ":", service, ":");
  options.threads = threads;
  return timer::Worker::Create(pool, redis, options, registry);
}

}  // namespace parley::bootstrap
