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
#include "common/config/env.h"
#include "common/grpc/client.h"
#include "common/grpc/server.h"
#include "common/log/log.h"
#include "common/pg/idempotency.h"
#include "common/pg/migrations.h"
#include "common/pg/pool.h"
#include "common/redis/client.h"
#include "common/timer/timer.h"
#include "common/timer/worker.h"
#include "services/escalation/api/escalation_api.h"
#include "services/escalation/clients/grpc_peers.h"
#include "services/escalation/config.h"
#include "services/escalation/domain/enquiry_service.h"
#include "services/escalation/migrations.h"
#include "services/escalation/store/pg_enquiry_store.h"

namespace parley::escalation {
namespace {

int Fail(const absl::Status& status) {
  log::Error("startup_failed",
             {{"code", absl::StatusCodeToString(status.code())}, {"message", std::string(status.message())}});
  std::fprintf(stderr, "parley-escalation: %s\n", std::string(status.message()).c_str());
  return 1;
}

int Run(bool migrate_only) {
  log::SetService("escalation");
  EnvReader env;
  absl::StatusOr<Config> config = LoadConfig(env, migrate_only);
  if (!config.ok()) return Fail(config.status());
  log::Level level = log::Level::kInfo;
  log::ParseLevel(config->log_level, &level);
  log::SetMinLevel(level);

  pg::PoolOptions pool_options;
  pool_options.dsn = config->pg_dsn;
  pool_options.size = config->pg_pool_size;
  pool_options.application_name = "parley-escalation";
  absl::StatusOr<std::unique_ptr<pg::Pool>> pool = pg::Pool::Create(pool_options);
  if (!pool.ok()) return Fail(pool.status());

  if (migrate_only) {
    if (absl::Status s = pg::ApplyMigrations(**pool, timer::kMigrationsService, timer::Migrations()); !s.ok()) {
      return Fail(s);
    }
    if (absl::Status s = pg::ApplyMigrations(**pool, "escalation", Migrations()); !s.ok()) return Fail(s);
    log::Info("migrations_applied", {{"count", Migrations().size() + timer::Migrations().size()}});
    return 0;
  }

  absl::StatusOr<std::unique_ptr<auth::Verifier>> verifier =
      auth::VerifierFromKeyFiles(config->jwt_public_key_files, config->jwt_issuer, config->jwt_audience);
  if (!verifier.ok()) return Fail(verifier.status());
  absl::StatusOr<std::unique_ptr<auth::ServiceIdentity>> identity = auth::ServiceIdentityFromKeyFile(
      config->service_key_file, config->jwt_issuer, config->jwt_audience, "escalation");
  if (!identity.ok()) return Fail(identity.status());
  absl::StatusOr<redis::RedisOptions> redis_options = redis::ParseAddress(config->redis_address);
  if (!redis_options.ok()) return Fail(absl::InvalidArgumentError("PARLEY_REDIS_ADDR must be host:port"));
  absl::StatusOr<std::unique_ptr<redis::Client>> redis = redis::Client::Connect(*redis_options);
  if (!redis.ok()) return Fail(redis.status());

  const Clock& clock = RealClock::Get();
  PgEnquiryStore store(pool->get());
  ConductGate gate(client::MakeChannel(config->conduct_address), identity->get());
  ContactsDirectory directory(client::MakeChannel(config->contacts_address), identity->get());

  server::ServerOptions options;
  options.service_name = "escalation";
  options.listen_address = config->grpc_address;
  options.metrics_address = config->metrics_address;
  options.max_threads = config->max_threads;
  server::Server server(options);

  timer::WorkerOptions timer_options;
  timer_options.redis_key_prefix = "parley:escalation:";
  timer_options.threads = config->timer_threads;
  absl::StatusOr<std::unique_ptr<timer::Worker>> timers =
      timer::Worker::Create(pool->get(), redis->get(), timer_options, &server.registry());
  if (!timers.ok()) return Fail(timers.status());
  timer::Worker* worker = timers->get();

  // ContactsDirectory answers all three of the domain's questions about the trust: routing and
  // ladders, the policy clock, and staff working periods.
  EnquiryService enquiries(
      &store, &gate, &directory, &directory, &directory, [worker](const timer::TimerRef& ref) { worker->Notify(ref); },
      &clock);
  if (absl::Status s = worker->Register(kClockTimerKind, enquiries.ClockTimerHandler()); !s.ok()) return Fail(s);
  // Refuses to start unless Redis keeps keys (maxmemory-policy noeviction).
  if (absl::Status s = worker->Start(); !s.ok()) return Fail(s);

  EscalationApi api(&enquiries, verifier->get(), &clock);
  server.AddService(&api);
  server.AddReadinessCheck("postgresql", [&store] { return store.Ping(); });
  server.AddReadinessCheck("redis", [&redis] { return (*redis)->Ping(); });
  if (absl::Status started = server.Start(); !started.ok()) return Fail(started);
  server.InstallSignalHandlers();
  log::Info("serving", {{"grpc_port", server.port()}, {"metrics_port", server.metrics_port()}});

  // Request ids are kept long enough for any client retry, then purged.
  pg::RequestIdPurger purger(pool->get(), config->request_id_retention);
  // DESIGN §3 rule 6: a calendar or policy edit in contacts recomputes the affected open enquiries.
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
  worker->Stop();
  log::Info("stopped");
  return 0;
}

}  // namespace
}  // namespace parley::escalation

int main(int argc, char** argv) {
  const std::string command = argc > 1 ? argv[1] : "serve";
  if (command != "serve" && command != "migrate") {
    std::fprintf(stderr, "usage: parley-escalation [serve|migrate]\n");
    return 2;
  }
  return parley::escalation::Run(command == "migrate");
}
