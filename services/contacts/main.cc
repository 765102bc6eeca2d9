// parley-contacts: wiring only. config → store → domain → API → server.
//
//   parley-contacts            serve the API (the default)
//   parley-contacts migrate    apply the database migrations and exit (a Kubernetes Job)
#include <cstdio>
#include <memory>
#include <string>

#include "absl/strings/str_cat.h"
#include "common/auth/auth.h"
#include "common/auth/key_files.h"
#include "common/bootstrap/bootstrap.h"
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

int Fail(const absl::Status& status) { return bootstrap::Fail("parley-contacts", status); }

int Run(bool migrate_only) {
  EnvReader env;
  absl::StatusOr<Config> config = LoadConfig(env, migrate_only);
  if (!config.ok()) return Fail(config.status());
  bootstrap::SetUpLogging("contacts", config->log_level);

  absl::StatusOr<std::unique_ptr<pg::Pool>> pool =
      bootstrap::OpenPool(config->pg_dsn, config->pg_pool_size, "parley-contacts");
  if (!pool.ok()) return Fail(pool.status());

  if (migrate_only) {
    absl::Status migrated = bootstrap::Migrate(**pool, {{"contacts", &Migrations()}});
    return migrated.ok() ? 0 : Fail(migrated);
  }

  absl::StatusOr<std::unique_ptr<auth::Verifier>> verifier = bootstrap::CallerVerifier(*config);
  if (!verifier.ok()) return Fail(verifier.status());

  PgDirectoryStore store(pool->get());
  DirectoryService directory(&store);
  if (absl::Status started = directory.Start(); !started.ok()) return Fail(started);
  directory.StartRefresher(config->refresh_interval);

  server::Server server(bootstrap::ServerOptionsFor(*config, "contacts"));
  ContactsApi api(&directory, verifier->get());
  server.AddService(&api);
  server.AddReadinessCheck("postgresql", [&store] { return store.Ping(); });
  if (absl::Status started = server.Start(); !started.ok()) return Fail(started);
  server.InstallSignalHandlers();
  log::Info("serving", {{"grpc_port", server.port()},
                        {"metrics_port", server.metrics_port()},
                        {"directory_version", directory.snapshot()->version()}});

  // Request ids are kept long enough for any client retry, then purged.
  pg::RequestIdPurger purger(pool->get(), config->request_id_retention);
  server.Wait();
  purger.Stop();
  directory.StopRefresher();
  log::Info("stopped");
  return 0;
}

}  // namespace
}  // namespace parley::contacts

int main(int argc, char** argv) {
  if (std::optional<int> probed = parley::bootstrap::RunProbe(argc, argv, "parley-contacts", 50051)) return *probed;
  const std::optional<bool> migrate_only = parley::bootstrap::ParseMigrateOnly(argc, argv, "parley-contacts");
  if (!migrate_only) return 2;
  return parley::contacts::Run(*migrate_only);
}
