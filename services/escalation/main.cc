// parley-escalation: wiring only. config → store → peers → domain → API → server.
//
//   parley-escalation            serve the API (the default)
//   parley-escalation migrate    apply the database migrations and exit (a Kubernetes Job)
#include <cstdio>
#include <memory>
#include <string>
#include <thread>

#include "absl/strings/str_cat.h"
#include "absl/synchronization/notification.h"
#include "common/auth/auth.h"
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
#include "services/escalation/api/escalation_api.h"
#include "services/escalation/clients/grpc_peers.h"
#include "services/escalation/clients/replica_directory.h"
#include "services/escalation/config.h"
#include "services/escalation/domain/enquiry_service.h"
#include "services/escalation/migrations.h"
#include "services/escalation/store/pg_enquiry_store.h"

namespace parley::escalation {
namespace {

int Fail(const absl::Status& status) { return bootstrap::Fail("parley-escalation", status); }

int Run(bool migrate_only) {
  EnvReader env;
  absl::StatusOr<Config> config = LoadConfig(env, migrate_only);
  if (!config.ok()) return Fail(config.status());
  bootstrap::SetUpLogging("escalation", config->log_level);

  absl::StatusOr<std::unique_ptr<pg::Pool>> pool =
      bootstrap::OpenPool(config->pg_dsn, config->pg_pool_size, "parley-escalation");
  if (!pool.ok()) return Fail(pool.status());

  if (migrate_only) {
    absl::Status migrated =
        bootstrap::Migrate(**pool, {{timer::kMigrationsService, &timer::Migrations()}, {"escalation", &Migrations()}});
    return migrated.ok() ? 0 : Fail(migrated);
  }

  absl::StatusOr<std::unique_ptr<auth::Verifier>> verifier = bootstrap::CallerVerifier(*config);
  if (!verifier.ok()) return Fail(verifier.status());
  absl::StatusOr<std::unique_ptr<auth::ServiceIdentity>> identity =
      bootstrap::PeerIdentity(*config, config->service_key_file, "escalation");
  if (!identity.ok()) return Fail(identity.status());
  absl::StatusOr<std::unique_ptr<redis::Client>> redis = bootstrap::ConnectRedis(config->redis_address);
  if (!redis.ok()) return Fail(redis.status());

  const Clock& clock = RealClock::Get();
  PgEnquiryStore store(pool->get());
  ConductGate gate(client::MakeChannel(config->conduct_address, config->tls), identity->get());

  server::Server server(bootstrap::ServerOptionsFor(*config, "escalation"));

  // The directory replica answers routing, ladders, both clocks and working periods in process;
  // it loads in the background, and readiness waits for it.
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
      pool->get(), redis->get(), config->redis_namespace, "escalation", config->timer_threads, &server.registry());
  if (!timers.ok()) return Fail(timers.status());
  timer::Worker* worker = timers->get();

  // The replica answers all three of the domain's questions about the trust: routing and ladders,
  // the policy clock, and staff working periods.
  EnquiryService enquiries(
      &store, &gate, &directory, &directory, &directory, [worker](const timer::TimerRef& ref) { worker->Notify(ref); },
      &clock);
  // The domain plans each firing; the store applies it in the timer's transaction.
  if (absl::Status s = worker->Register(kClockTimerKind, PgEnquiryStore::ClockTimerHandler(enquiries.ClockTimerPlan()));
      !s.ok()) {
    return Fail(s);
  }
  // Refuses to start unless Redis keeps keys (maxmemory-policy noeviction).
  if (absl::Status s = worker->Start(); !s.ok()) return Fail(s);

  // Notices in the outbox go to notifications (docs/architecture.md#the-outbox); without
  // PARLEY_NOTIFICATIONS_ADDR they wait there.
  absl::StatusOr<std::unique_ptr<outbox::NotificationsRelay>> relay = outbox::StartNotificationsRelay(
      pool->get(), {"escalation", config->notifications_address, config->outbox_batch, config->outbox_poll_interval},
      config->tls, identity->get(), &server.registry());
  if (!relay.ok()) return Fail(relay.status());

  EscalationApi api(&enquiries, verifier->get());
  server.AddService(&api);
  server.AddReadinessCheck("postgresql", [&store] { return store.Ping(); });
  server.AddReadinessCheck("redis", [&redis] { return (*redis)->Ping(); });
  server.AddReadinessCheck("directory", [&replica] { return replica.CheckFresh(); });
  if (absl::Status started = server.Start(); !started.ok()) return Fail(started);
  server.InstallSignalHandlers();
  log::Info("serving", {{"grpc_port", server.port()}, {"metrics_port", server.metrics_port()}});

  // Request ids are kept long enough for any client retry, then purged.
  pg::RequestIdPurger purger(pool->get(), config->request_id_retention);
  // clock rule 6 (docs/architecture.md#policy-clock-rules): a calendar or policy edit in contacts recomputes the
  // affected open enquiries.
  absl::Notification stopping;
  std::thread recomputer([&] {
    do {
      absl::StatusOr<int> changed = enquiries.RecomputeChangedSchools();
      if (!changed.ok()) {
        log::Warning("recompute_round_failed", {{"code", absl::StatusCodeToString(changed.status().code())}});
      }
    } while (!stopping.WaitForNotificationWithTimeout(config->recompute_interval));
  });
  server.Wait();
  stopping.Notify();
  recomputer.join();
  purger.Stop();
  if (*relay) (*relay)->Stop();
  worker->Stop();
  replica.Stop();
  log::Info("stopped");
  return 0;
}

}  // namespace
}  // namespace parley::escalation

int main(int argc, char** argv) {
  if (std::optional<int> probed = parley::bootstrap::RunProbe(argc, argv, "parley-escalation", 50053)) return *probed;
  const std::optional<bool> migrate_only = parley::bootstrap::ParseMigrateOnly(argc, argv, "parley-escalation");
  if (!migrate_only) return 2;
  return parley::escalation::Run(*migrate_only);
}
