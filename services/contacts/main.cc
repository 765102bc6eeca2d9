// parley-contacts: wiring only. config → store → domain → API → server.
//
//   parley-contacts            serve the API (the default)
//   parley-contacts migrate    apply the database migrations and exit (a Kubernetes Job)
#include <cstdio>
#include <memory>
#include <string>
#include <thread>

#include "absl/synchronization/notification.h"

#include "absl/strings/str_cat.h"
#include "common/auth/auth.h"
#include "common/config/env.h"
#include "common/grpc/server.h"
#include "common/log/log.h"
#include "common/pg/idempotency.h"
#include "common/pg/migrations.h"
#include "common/pg/pool.h"
#include "services/contacts/api/contacts_api.h"
#include "services/contacts/config.h"
#include "services/contacts/domain/directory_service.h"
#include "services/contacts/migrations.h"
#include "services/contacts/store/pg_directory_store.h"

namespace parley::contacts {
namespace {

int Fail(const absl::Status& status) {
  log::Error("startup_failed",
             {{"code", absl::StatusCodeToString(status.code())}, {"message", std::string(status.message())}});
  std::fprintf(stderr, "parley-contacts: %s\n", std::string(status.message()).c_str());
  return 1;
}

absl::StatusOr<std::unique_ptr<auth::Verifier>> MakeVerifier(const Config& config) {
  auth::VerifierOptions options;
  for (const std::string& path : config.jwt_public_key_files) {
    auto pem = auth::ReadFile(path);
    if (!pem.ok()) {
      return absl::InvalidArgumentError(absl::StrCat("PARLEY_JWT_PUBLIC_KEYS: cannot read ", path));
    }
    options.public_keys_pem.push_back(*std::move(pem));
  }
  options.issuer = config.jwt_issuer;
  options.audience = config.jwt_audience;
  return auth::Verifier::Create(std::move(options));
}

int Run(bool migrate_only) {
  log::SetService("contacts");
  EnvReader env;
  absl::StatusOr<Config> config = LoadConfig(env, migrate_only);
  if (!config.ok()) return Fail(config.status());
  log::Level level = log::Level::kInfo;
  log::ParseLevel(config->log_level, &level);
  log::SetMinLevel(level);

  pg::PoolOptions pool_options;
  pool_options.dsn = config->pg_dsn;
  pool_options.size = config->pg_pool_size;
  pool_options.application_name = "parley-contacts";
  absl::StatusOr<std::unique_ptr<pg::Pool>> pool = pg::Pool::Create(pool_options);
  if (!pool.ok()) return Fail(pool.status());

  if (migrate_only) {
    absl::Status migrated = pg::ApplyMigrations(**pool, "contacts", Migrations());
    if (!migrated.ok()) return Fail(migrated);
    log::Info("migrations_applied", {{"count", Migrations().size()}});
    return 0;
  }

  absl::StatusOr<std::unique_ptr<auth::Verifier>> verifier = MakeVerifier(*config);
  if (!verifier.ok()) return Fail(verifier.status());

  PgDirectoryStore store(pool->get());
  DirectoryService directory(&store);
  if (absl::Status started = directory.Start(); !started.ok()) return Fail(started);
  directory.StartRefresher(config->refresh_interval);

  server::ServerOptions options;
  options.service_name = "contacts";
  options.listen_address = config->grpc_address;
  options.metrics_address = config->metrics_address;
  options.max_threads = config->max_threads;
  server::Server server(options);
  ContactsApi api(&directory, verifier->get());
  server.AddService(&api);
  server.AddReadinessCheck("postgresql", [&store] { return store.Ping(); });
  if (absl::Status started = server.Start(); !started.ok()) return Fail(started);
  server.InstallSignalHandlers();
  log::Info("serving", {{"grpc_port", server.port()},
                        {"metrics_port", server.metrics_port()},
                        {"directory_version", directory.snapshot()->version()}});

  // Request ids are kept long enough for any client retry, then purged.
  absl::Notification stopping;
  std::thread purger([&] {
    do {
      auto purged = pg::PurgeRequestsOlderThan(**pool, config->request_id_retention);
      if (!purged.ok()) {
        log::Warning("request_id_purge_failed", {{"code", absl::StatusCodeToString(purged.status().code())}});
      }
    } while (!stopping.WaitForNotificationWithTimeout(absl::Minutes(10)));
  });
  server.Wait();
  stopping.Notify();
  purger.join();
  directory.StopRefresher();
  log::Info("stopped");
  return 0;
}

}  // namespace
}  // namespace parley::contacts

int main(int argc, char** argv) {
  const std::string command = argc > 1 ? argv[1] : "serve";
  if (command != "serve" && command != "migrate") {
    std::fprintf(stderr, "usage: parley-contacts [serve|migrate]\n");
    return 2;
  }
  return parley::contacts::Run(command == "migrate");
}
