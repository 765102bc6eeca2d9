// parley-appointments: wiring only. config → store → peers → domain → API → server.
//
//   parley-appointments            serve the API (the default)
//   parley-appointments migrate    apply the database migrations and exit (a Kubernetes Job)
#include <cstdio>
#include <memory>
#include <string>
#include <thread>

#include "absl/synchronization/notification.h"
#include "common/auth/auth.h"
#include "common/bootstrap/bootstrap.h"
#include "common/clock/clock.h"
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
#include "services/appointments/api/appointments_api.h"
#include "services/appointments/clients/grpc_gate.h"
#include "services/appointments/clients/replica_directory.h"
#include "services/appointments/config.h"
#include "services/appointments/domain/booking_service.h"
#include "services/appointments/domain/evening_service.h"
#include "services/appointments/domain/records_service.h"
#include "services/appointments/domain/request_rules.h"
#include "services/appointments/domain/request_service.h"
#include "services/appointments/migrations.h"
#include "services/appointments/store/pg_booking_store.h"
#include "services/appointments/store/pg_evening_store.h"
#include "services/appointments/store/pg_records_store.h"
#include "services/appointments/store/pg_request_store.h"

namespace parley::appointments {
namespace {

int Fail(const absl::Status& status) { return bootstrap::Fail("parley-appointments", status); }

// Runs `round` now and then every `interval` until `stopping` is notified; a failed round is
// logged by its code and retried at the next.
std::thread Every(absl::Duration interval, absl::Notification& stopping, const char* what,
                  std::function<absl::Status()> round) {
  return std::thread([interval, &stopping, what, round = std::move(round)] {
    do {
      if (absl::Status s = round(); !s.ok()) {
        log::Warning("sweep_round_failed", {{"sweep", what}, {"code", absl::StatusCodeToString(s.code())}});
      }
    } while (!stopping.WaitForNotificationWithTimeout(interval));
  });
}

int Run(bool migrate_only) {
  EnvReader env;
  absl::StatusOr<Config> config = LoadConfig(env, migrate_only);
  if (!config.ok()) return Fail(config.status());
  bootstrap::SetUpLogging("appointments", config->log_level);

  absl::StatusOr<std::unique_ptr<pg::Pool>> pool =
      bootstrap::OpenPool(config->pg_dsn, config->pg_pool_size, "parley-appointments");
  if (!pool.ok()) return Fail(pool.status());

  if (migrate_only) {
    absl::Status migrated = bootstrap::Migrate(
        **pool, {{timer::kMigrationsService, &timer::Migrations()}, {"appointments", &Migrations()}});
    return migrated.ok() ? 0 : Fail(migrated);
  }

  absl::StatusOr<std::unique_ptr<auth::Verifier>> verifier = bootstrap::CallerVerifier(*config);
  if (!verifier.ok()) return Fail(verifier.status());
  absl::StatusOr<std::unique_ptr<auth::ServiceIdentity>> identity =
      bootstrap::PeerIdentity(*config, config->service_key_file, "appointments");
  if (!identity.ok()) return Fail(identity.status());
  absl::StatusOr<std::unique_ptr<redis::Client>> redis = bootstrap::ConnectRedis(config->redis_address);
  if (!redis.ok()) return Fail(redis.status());

  const Clock& clock = RealClock::Get();
  PgBookingStore bookings_store(pool->get());
  PgRecordsStore records_store(pool->get());
  PgRequestStore requests_store(pool->get());
  PgEveningStore evenings_store(pool->get());
  ConductGate gate(client::MakeChannel(config->conduct_address, config->tls), identity->get());

  server::Server server(bootstrap::ServerOptionsFor(*config, "appointments"));

  // The directory replica answers staff by role, guardians' children, staff time and the policy
  // clock in process; it loads in the background, and readiness waits for it.
  directory::GrpcSliceFeed feed(client::MakeChannel(config->contacts_address, config->tls), identity->get());
  directory::Replica replica(&feed, &clock, {.max_staleness = config->directory_max_staleness}, &server.registry());
  replica.Start();
  if (absl::Status ready = replica.AwaitReady(absl::Seconds(10)); !ready.ok()) {
    log::Warning("directory_replica_not_ready", {{"reason", ErrorReason(ready)}});
  }
  ReplicaDirectory directory(&replica);

  absl::StatusOr<std::unique_ptr<timer::Worker>> timers = bootstrap::TimerWorker(
      pool->get(), redis->get(), config->redis_namespace, "appointments", config->timer_threads, &server.registry());
  if (!timers.ok()) return Fail(timers.status());
  timer::Worker* worker = timers->get();

  // The records store keeps the settings, exceptions and interpreters every slice reads.
  RecordsService records(&records_store, &directory, &clock);
  BookingService bookings(&bookings_store, &directory, &gate, &records_store, &clock);
  // Accepting a request's time books it through the bookings slice (the gate applies); a booking's
  // outcome moves its request on.
  RequestService requests({.store = &requests_store,
                           .directory = &directory,
                           .settings = &records_store,
                           .bookings = &bookings_store,
                           .booker = &bookings,
                           .clock = &clock});
  bookings.SetRequestOutcomes(&requests);
  EveningService evenings(&evenings_store, &bookings_store, &directory, &gate, &records_store, &clock);
  bookings.SetEveningEvents(&evenings);
  // The domain plans each clock's firing; the store applies it in the timer's transaction.
  if (absl::Status s =
          worker->Register(kRequestClockTimer, PgRequestStore::ClockTimerHandler(requests.ClockTimerPlan()));
      !s.ok()) {
    return Fail(s);
  }
  Services services;
  services.requests = &requests;
  services.evenings = &evenings;
  services.records = &records;
  services.bookings = &bookings;

  // Refuses to start unless Redis keeps keys (maxmemory-policy noeviction).
  if (absl::Status s = worker->Start(); !s.ok()) return Fail(s);

  // Notices in the outbox go to notifications (docs/architecture.md#the-outbox); without
  // PARLEY_NOTIFICATIONS_ADDR they wait there.
  absl::StatusOr<std::unique_ptr<outbox::NotificationsRelay>> relay = outbox::StartNotificationsRelay(
      pool->get(), {"appointments", config->notifications_address, config->outbox_batch, config->outbox_poll_interval},
      config->tls, identity->get(), &server.registry());
  if (!relay.ok()) return Fail(relay.status());

  AppointmentsApi api(services, verifier->get());
  server.AddService(&api);
  server.AddReadinessCheck("postgresql", [&pool] { return (*pool)->Ping(); });
  server.AddReadinessCheck("redis", [&redis] { return (*redis)->Ping(); });
  server.AddReadinessCheck("directory", [&replica] { return replica.CheckFresh(); });
  if (absl::Status started = server.Start(); !started.ok()) return Fail(started);
  server.InstallSignalHandlers();
  log::Info("serving", {{"grpc_port", server.port()}, {"metrics_port", server.metrics_port()}});

  // Request ids are kept long enough for any client retry, then purged.
  pg::RequestIdPurger purger(pool->get(), config->request_id_retention);
  absl::Notification stopping;
  // A hold whose lease ran out blocks nobody (the next write over its time releases it); the sweep
  // releases the rest so lists and figures show them lapsed.
  std::thread hold_sweeper = Every(config->hold_sweep_interval, stopping, "holds", [&]() -> absl::Status {
    absl::StatusOr<int64_t> released = bookings_store.SweepExpiredHolds(clock.Now(), 500);
    if (!released.ok()) return released.status();
    // Slots freed by lapsed holds and cancellations go to the first guardian waiting for them.
    return evenings.SweepWaitingLists().status();
  });
  // Meeting notes past their retention date are disposed of (a legal hold keeps them), each
  // disposal recorded.
  std::thread retention_sweeper = Every(config->retention_sweep_interval, stopping, "retention", [&]() -> absl::Status {
    return records.RunRetentionSweep(clock.Now(), 500).status();
  });
  server.Wait();
  stopping.Notify();
  hold_sweeper.join();
  retention_sweeper.join();
  purger.Stop();
  if (*relay) (*relay)->Stop();
  worker->Stop();
  replica.Stop();
  log::Info("stopped");
  return 0;
}

}  // namespace
}  // namespace parley::appointments

int main(int argc, char** argv) {
  if (std::optional<int> probed = parley::bootstrap::RunProbe(argc, argv, "parley-appointments", 50055)) {
    return *probed;
  }
  const std::optional<bool> migrate_only = parley::bootstrap::ParseMigrateOnly(argc, argv, "parley-appointments");
  if (!migrate_only) return 2;
  return parley::appointments::Run(*migrate_only);
}
