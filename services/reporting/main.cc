// parley-reporting: wiring only. config → directory replica, sources, cache → domain → API → server.
//
//   parley-reporting            serve the API (the default)
//   parley-reporting migrate    apply the database migrations and exit (a Kubernetes Job)
#include <memory>
#include <optional>

#include "common/auth/auth.h"
#include "common/bootstrap/bootstrap.h"
#include "common/config/env.h"
#include "common/directory/grpc_feed.h"
#include "common/directory/replica.h"
#include "common/grpc/client.h"
#include "common/grpc/server.h"
#include "common/log/log.h"
#include "common/pg/migrations.h"
#include "common/pg/pool.h"
#include "common/status/reason.h"
#include "services/reporting/api/figure_gauges.h"
#include "services/reporting/api/reporting_api.h"
#include "services/reporting/clients/grpc_sources.h"
#include "services/reporting/clients/replica_directory.h"
#include "services/reporting/config.h"
#include "services/reporting/domain/breach_list.h"
#include "services/reporting/domain/report_service.h"
#include "services/reporting/migrations.h"
#include "services/reporting/store/pg_figure_cache.h"

namespace parley::reporting {
namespace {

int Fail(const absl::Status& status) { return bootstrap::Fail("parley-reporting", status); }

int Run(bool migrate_only) {
  EnvReader env;
  absl::StatusOr<Config> config = LoadConfig(env, migrate_only);
  if (!config.ok()) return Fail(config.status());
  bootstrap::SetUpLogging("reporting", config->log_level);

  absl::StatusOr<std::unique_ptr<pg::Pool>> pool =
      bootstrap::OpenPool(config->pg_dsn, config->pg_pool_size, "parley-reporting");
  if (!pool.ok()) return Fail(pool.status());

  if (migrate_only) {
    absl::Status migrated = bootstrap::Migrate(**pool, {{"reporting", &Migrations()}});
    return migrated.ok() ? 0 : Fail(migrated);
  }

  absl::StatusOr<std::unique_ptr<auth::Verifier>> verifier = bootstrap::CallerVerifier(*config);
  if (!verifier.ok()) return Fail(verifier.status());
  absl::StatusOr<std::unique_ptr<auth::ServiceIdentity>> identity =
      bootstrap::PeerIdentity(*config, config->service_key_file, "reporting");
  if (!identity.ok()) return Fail(identity.status());

  const Clock& clock = RealClock::Get();
  PgFigureCache cache(pool->get());
  server::Server server(bootstrap::ServerOptionsFor(*config, "reporting"));

  // Names, sizes, calendars and promises come from the directory replica, not a call per report.
  directory::GrpcSliceFeed feed(client::MakeChannel(config->contacts_address, config->tls), identity->get());
  directory::Replica replica(&feed, &clock, {.max_staleness = config->directory_max_staleness}, &server.registry());
  replica.Start();
  if (absl::Status ready = replica.AwaitReady(absl::Seconds(10)); !ready.ok()) {
    log::Warning("directory_replica_not_ready", {{"reason", ErrorReason(ready)}});
  }
  ReplicaDirectory directory(&replica);

  const auto credentials = client::ChannelCredentials(config->tls);
  GrpcFigureSources sources({client::MakeChannel(config->escalation_address, credentials),
                             client::MakeChannel(config->conduct_address, credentials),
                             client::MakeChannel(config->appointments_address, credentials),
                             client::MakeChannel(config->notifications_address, credentials)},
                            identity->get(), &clock);

  ReportOptions options;
  options.source_timeout = config->source_timeout;
  options.fresh_for = config->fresh_for;
  options.settle = config->settle;
  options.fan_out = config->fan_out;
  ReportService reports(&directory, &sources, &cache, &clock, options);

  // The drill-down behind `breaches`: escalation asked on every call, with the same deadline.
  BreachLister breaches(&directory, &sources, config->source_timeout);

  ReportingApi api(&reports, &breaches, verifier->get(), config->small_count_threshold);
  server.AddService(&api);
  server.AddReadinessCheck("postgresql", [&cache] { return cache.Ping(); });
  server.AddReadinessCheck("directory", [&replica] { return replica.CheckFresh(); });
  if (absl::Status started = server.Start(); !started.ok()) return Fail(started);
  server.InstallSignalHandlers();
  log::Info("serving", {{"grpc_port", server.port()}, {"metrics_port", server.metrics_port()}});

  // Open periods' figures nobody asked for again within a day are dropped; settled ones are kept.
  FigureCachePurger purger(&cache, std::max(absl::Hours(24), 10 * config->fresh_for));
  // What trust IT alerts on, from the same reports leaders read.
  FigureGauges gauges(&reports, &clock, &server.registry());
  gauges.Start(config->gauge_interval);
  server.Wait();
  gauges.Stop();
  purger.Stop();
  replica.Stop();
  log::Info("stopped");
  return 0;
}

}  // namespace
}  // namespace parley::reporting

int main(int argc, char** argv) {
  if (std::optional<int> probed = parley::bootstrap::RunProbe(argc, argv, "parley-reporting", 50056)) return *probed;
  const std::optional<bool> migrate_only = parley::bootstrap::ParseMigrateOnly(argc, argv, "parley-reporting");
  if (!migrate_only) return 2;
  return parley::reporting::Run(*migrate_only);
}
