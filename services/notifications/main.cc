// parley-notifications: wiring only. config → store → providers → domain → workers → API → server.
//
//   parley-notifications            serve the API and deliver (the default)
//   parley-notifications migrate    apply the database migrations and exit (a Kubernetes Job)
#include <memory>
#include <string>

#include "common/auth/auth.h"
#include "common/bootstrap/bootstrap.h"
#include "common/config/env.h"
#include "common/directory/grpc_feed.h"
#include "common/directory/replica.h"
#include "common/grpc/client.h"
#include "common/grpc/server.h"
#include "common/log/log.h"
#include "common/pg/idempotency.h"
#include "common/pg/pool.h"
#include "common/status/reason.h"
#include "services/notifications/api/notifications_api.h"
#include "services/notifications/clients/contact_details.h"
#include "services/notifications/clients/directory_source.h"
#include "services/notifications/config.h"
#include "services/notifications/delivery/letter_pdf.h"
#include "services/notifications/delivery/worker.h"
#include "services/notifications/domain/notification_service.h"
#include "services/notifications/migrations.h"
#include "services/notifications/store/pg_notification_store.h"

namespace parley::notifications {
namespace {

constexpr char kBinary[] = "parley-notifications";

int Fail(const absl::Status& status) { return bootstrap::Fail(kBinary, status); }

int Run(bool migrate_only) {
  EnvReader env;
  absl::StatusOr<Config> config = LoadConfig(env, migrate_only);
  if (!config.ok()) return Fail(config.status());
  bootstrap::SetUpLogging("notifications", config->log_level);

  absl::StatusOr<std::unique_ptr<pg::Pool>> pool = bootstrap::OpenPool(config->pg_dsn, config->pg_pool_size, kBinary);
  if (!pool.ok()) return Fail(pool.status());
  if (migrate_only) {
    absl::Status migrated = bootstrap::Migrate(**pool, {{"notifications", &Migrations()}});
    return migrated.ok() ? 0 : Fail(migrated);
  }

  absl::StatusOr<std::unique_ptr<auth::Verifier>> verifier = bootstrap::CallerVerifier(*config);
  if (!verifier.ok()) return Fail(verifier.status());
  absl::StatusOr<std::unique_ptr<auth::ServiceIdentity>> identity =
      bootstrap::PeerIdentity(*config, config->service_key_file, "notifications");
  if (!identity.ok()) return Fail(identity.status());

  const Clock& clock = RealClock::Get();
  PgNotificationStore store(pool->get());
  server::Server server(bootstrap::ServerOptionsFor(*config, "notifications"));

  // Audiences are resolved from the directory replica in process; names and addresses are asked of
  // contacts for each batch about to go.
  std::shared_ptr<grpc::Channel> contacts_channel = client::MakeChannel(config->contacts_address, config->tls);
  directory::GrpcSliceFeed feed(contacts_channel, identity->get());
  directory::Replica replica(&feed, &clock, {.max_staleness = config->directory_max_staleness}, &server.registry());
  replica.Start();
  if (absl::Status ready = replica.AwaitReady(absl::Seconds(10)); !ready.ok()) {
    log::Warning("directory_replica_not_ready", {{"reason", ErrorReason(ready)}});
  }
  ReplicaDirectorySource directory(&replica);
  GrpcContactDetails contacts(contacts_channel, identity->get());

  // Providers: email is required; SMS and push only where configured.
  SmtpSender email(config->smtp, clock);
  std::unique_ptr<Sender> sms;
  if (config->sms) {
    absl::StatusOr<std::unique_ptr<Sender>> made = MakeSmsSender(*config->sms, &clock, &server.registry());
    if (!made.ok()) return Fail(made.status());
    sms = *std::move(made);
  }
  std::unique_ptr<HttpGatewaySender> push;
  if (config->push) {
    absl::StatusOr<std::unique_ptr<HttpGatewaySender>> made = HttpGatewaySender::Create(*config->push);
    if (!made.ok()) return Fail(made.status());
    push = *std::move(made);
  }

  DeliveryWorkerOptions worker_options;
  worker_options.threads = config->delivery_threads;
  worker_options.batch = config->delivery_batch;
  worker_options.poll = config->delivery_poll_interval;
  worker_options.lease = config->delivery_lease;
  DeliveryWorker worker(&store, &directory, &contacts, ChannelSenders{&email, sms.get(), push.get()}, &clock,
                        worker_options, &server.registry());

  NotificationServiceOptions service_options;
  service_options.render_letters = [](const LetterBatch& batch) { return RenderLetterBatch(batch); };
  NotificationService notifications(
      &store, &directory, &contacts, &clock, [&worker] { worker.Nudge(); }, service_options);

  NotificationsApi api(&notifications, &directory, verifier->get());
  server.AddService(&api);
  server.AddReadinessCheck("postgresql", [&store] { return store.Ping(); });
  server.AddReadinessCheck("directory", [&replica] { return replica.CheckFresh(); });
  if (absl::Status started = server.Start(); !started.ok()) return Fail(started);
  server.InstallSignalHandlers();
  worker.Start();
  log::Info("serving", {{"grpc_port", server.port()}, {"metrics_port", server.metrics_port()}});

  pg::RequestIdPurger purger(pool->get(), config->request_id_retention);
  server.Wait();
  purger.Stop();
  // Sends under way finish; what is not claimed stays queued for the next start.
  worker.Stop();
  replica.Stop();
  log::Info("stopped");
  return 0;
}

}  // namespace
}  // namespace parley::notifications

int main(int argc, char** argv) {
  if (std::optional<int> probed = parley::bootstrap::RunProbe(argc, argv, "parley-notifications", 50054)) {
    return *probed;
  }
  const std::optional<bool> migrate_only = parley::bootstrap::ParseMigrateOnly(argc, argv, "parley-notifications");
  if (!migrate_only) return 2;
  return parley::notifications::Run(*migrate_only);
}
