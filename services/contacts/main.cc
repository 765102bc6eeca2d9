// parley-contacts: wiring only. config → store → domain → API → server.
//
//   parley-contacts            serve the API (the default)
//   parley-contacts migrate    apply the database migrations and exit (a Kubernetes Job)
#include <malloc.h>

#include <cstdio>
#include <memory>
#include <string>
#include <thread>

#include "absl/strings/str_cat.h"
#include "absl/synchronization/notification.h"
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

// Hands the memory of a replaced directory snapshot back to the system. Every write rebuilds the
// whole snapshot on the gRPC thread that made it, and glibc keeps what a thread frees in that
// thread's arena for reuse: with one arena per thread, RSS grew by the size of a snapshot per
// arena and by fragmentation without bound while the bytes in use stayed flat (bench/contacts/
// churn_bench). malloc_trim(0) returns every free page of every arena; it runs once per new
// version, off the request path, after the old snapshot's last reader has let it go.
class SnapshotTrimmer {
 public:
  SnapshotTrimmer(const DirectoryService* directory, absl::Duration interval)
      : thread_([this, directory, interval] { Loop(directory, interval); }) {}
  ~SnapshotTrimmer() {
    stop_.Notify();
    thread_.join();
  }

 private:
  void Loop(const DirectoryService* directory, absl::Duration interval) {
    std::weak_ptr<const Snapshot> seen = directory->snapshot();
    std::weak_ptr<const Snapshot> replaced;  // the last snapshot replaced since the last trim
    bool untrimmed = false;
    while (!stop_.WaitForNotificationWithTimeout(interval)) {
      {
        std::shared_ptr<const Snapshot> current = directory->snapshot();
        if (seen.owner_before(current) || current.owner_before(seen)) {
          replaced = seen;
          seen = current;
          untrimmed = true;
        }
      }
      // A reader may still hold the replaced snapshot: its memory is free only once it lets go.
      if (untrimmed && replaced.expired()) {
        malloc_trim(0);
        untrimmed = false;
      }
    }
  }

  absl::Notification stop_;
  std::thread thread_;
};

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
  SnapshotTrimmer trimmer(&directory, config->refresh_interval);

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
