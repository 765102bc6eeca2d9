// parley-conduct: wiring only. config → store → domain → API → server.
//
//   parley-conduct            serve the API (the default)
//   parley-conduct migrate    apply the database migrations and exit (a Kubernetes Job)
#include <cstdio>
#include <memory>
#include <string>

#include "absl/strings/str_cat.h"
#include "common/auth/auth.h"
#include "common/auth/key_files.h"
#include "common/bootstrap/bootstrap.h"
#include "common/config/env.h"
#include "common/directory/grpc_feed.h"
#include "common/directory/replica.h"
#include "common/grpc/client.h"
#include "common/grpc/server.h"
#include "common/log/log.h"
#include "common/outbox/notifications_sink.h"
#include "common/pg/idempotency.h"
#include "common/pg/migrations.h"
#include "common/pg/pool.h"
#include "common/redis/client.h"
#include "common/status/reason.h"
#include "common/timer/timer.h"
#include "common/timer/worker.h"
#include "services/conduct/api/conduct_api.h"
#include "services/conduct/clients/replica_directory.h"
#include "services/conduct/config.h"
#include "services/conduct/domain/conduct_service.h"
#include "services/conduct/domain/decision_recorder.h"
#include "services/conduct/domain/gate_cache.h"
#include "services/conduct/migrations.h"
#include "services/conduct/store/pg_conduct_store.h"

namespace parley::conduct {
namespace {

int Fail(const absl::Status& status) { return bootstrap::Fail("parley-conduct", status); }

int Run(bool migrate_only) {
  EnvReader env;
  absl::StatusOr<Config> config = LoadConfig(env, migrate_only);
  if (!config.ok()) return Fail(config.status());
  bootstrap::SetUpLogging("conduct", config->log_level);

  absl::StatusOr<std::unique_ptr<pg::Pool>> pool =
      bootstrap::OpenPool(config->pg_dsn, config->pg_pool_size, "parley-conduct");
  if (!pool.ok()) return Fail(pool.status());

  if (migrate_only) {
    absl::Status migrated =
        bootstrap::Migrate(**pool, {{timer::kMigrationsService, &timer::Migrations()}, {"conduct", &Migrations()}});
    return migrated.ok() ? 0 : Fail(migrated);
  }

  absl::StatusOr<std::unique_ptr<auth::Verifier>> verifier = bootstrap::CallerVerifier(*config);
  if (!verifier.ok()) return Fail(verifier.status());
  absl::StatusOr<std::unique_ptr<auth::ServiceIdentity>> identity =
      bootstrap::PeerIdentity(*config, config->service_key_file, "conduct");
  if (!identity.ok()) return Fail(identity.status());
  absl::StatusOr<std::unique_ptr<redis::Client>> redis = bootstrap::ConnectRedis(config->redis_address);
  if (!redis.ok()) return Fail(redis.status());

  const Clock& clock = RealClock::Get();
  PgConductStore store(pool->get());
  GateCache gate(&store, &clock, config->incident_lookback);
  if (absl::Status s = gate.Start(config->gate_refresh); !s.ok()) return Fail(s);
  DecisionLogOptions log_options;
  log_options.flush_interval = config->decision_flush;
  log_options.capacity = static_cast<size_t>(config->decision_queue);
  DecisionRecorder recorder(&store, log_options);
  recorder.Start();

  server::Server server(bootstrap::ServerOptionsFor(*config, "conduct"));

  // The gate's questions about the trust (a guardian's schools, a school's zone and head, staff
  // hours) are answered from the directory replica in process; readiness waits for its first load.
  directory::GrpcSliceFeed feed(client::MakeChannel(config->contacts_address, config->tls), identity->get());
  directory::Replica replica(&feed, &clock, {.max_staleness = config->directory_max_staleness}, &server.registry());
  replica.Start();
  // Serve once the directory is loaded if contacts answers soon; otherwise start anyway and let
  // readiness hold traffic back until it is (contacts may start after this service).
  if (absl::Status ready = replica.AwaitReady(absl::Seconds(10)); !ready.ok()) {
    log::Warning("directory_replica_not_ready", {{"reason", ErrorReason(ready)}});
  }
  ReplicaDirectory directory(&replica);

  absl::StatusOr<std::unique_ptr<timer::Worker>> timers = bootstrap::TimerWorker(
      pool->get(), redis->get(), config->redis_namespace, "conduct", config->timer_threads, &server.registry());
  if (!timers.ok()) return Fail(timers.status());
  timer::Worker* worker = timers->get();

  ConductOptions conduct_options;
  conduct_options.incident_lookback = config->incident_lookback;
  ConductService conduct(
      &store, &directory, &gate, &recorder, [worker](const timer::TimerRef& ref) { worker->Notify(ref); }, &clock,
      conduct_options);
  // The domain plans what a firing review timer does; the store applies it in the timer's
  // transaction.
  if (absl::Status s = worker->Register(
          kReviewTimerKind,
          PgConductStore::ReviewTimerHandler([&conduct](const timer::Timer& t) { return conduct.PlanReview(t); }));
      !s.ok()) {
    return Fail(s);
  }
  // Refuses to start unless Redis keeps keys (maxmemory-policy noeviction).
  if (absl::Status s = worker->Start(); !s.ok()) return Fail(s);

  // Notices in the outbox go to notifications (docs/architecture.md#the-outbox); without
  // PARLEY_NOTIFICATIONS_ADDR they wait there.
  absl::StatusOr<std::unique_ptr<outbox::NotificationsRelay>> relay = outbox::StartNotificationsRelay(
      pool->get(), {"conduct", config->notifications_address, config->outbox_batch, config->outbox_poll_interval},
      config->tls, identity->get(), &server.registry());
  if (!relay.ok()) return Fail(relay.status());

  ConductApi api(&conduct, verifier->get(), &clock);
  server.AddService(&api);
  server.AddReadinessCheck("postgresql", [&store] { return store.Ping(); });
  server.AddReadinessCheck("redis", [&redis] { return (*redis)->Ping(); });
  server.AddReadinessCheck("directory", [&replica] { return replica.CheckFresh(); });
  if (absl::Status started = server.Start(); !started.ok()) return Fail(started);
  server.InstallSignalHandlers();
  log::Info("serving", {{"grpc_port", server.port()}, {"metrics_port", server.metrics_port()}});

  // Request ids are kept long enough for any client retry, then purged.
  pg::RequestIdPurger purger(pool->get(), config->request_id_retention);
  server.Wait();
  purger.Stop();
  if (*relay) (*relay)->Stop();
  worker->Stop();
  // Calls are drained: store every decision still queued before exiting.
  recorder.Stop();
  gate.Stop();
  replica.Stop();
  log::Info("stopped");
  return 0;
}

}  // namespace
}  // namespace parley::conduct

int main(int argc, char** argv) {
  if (std::optional<int> probed = parley::bootstrap::RunProbe(argc, argv, "parley-conduct", 50052)) return *probed;
  const std::optional<bool> migrate_only = parley::bootstrap::ParseMigrateOnly(argc, argv, "parley-conduct");
  if (!migrate_only) return 2;
  return parley::conduct::Run(*migrate_only);
}
