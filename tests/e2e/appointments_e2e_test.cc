// End to end: the built parley-appointments binary started as every suite starts it (its own
// database, Redis for timers, the services' key) beside contacts (the demo trust, the directory
// replica's feed), conduct (the gate) and notifications (the outbox relay). It proves the wiring:
// the service becomes ready, answers the health checks Kubernetes asks, and `migrate` can run again
// on a migrated database, while the service runs, without changing anything. What the API does is
// for the functional suites.
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "absl/time/time.h"
#include "common/testing/test_database.h"
#include "gtest/gtest.h"
#include "pqxx/pqxx"
#include "tests/e2e/e2e_support.h"
#include "tests/e2e/service_process.h"
#include "tests/e2e/trust_under_test.h"

namespace parley::e2e {
namespace {

// The gRPC name the API is registered under: health answers for it once the service is ready.
constexpr char kApiHealthName[] = "parley.appointments.v1.AppointmentsService";

std::unique_ptr<TrustUnderTest> trust;

class AppointmentsE2eTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    TrustOptions options("appointments", PARLEY_DEMO_TRUST_JSON, PARLEY_CONTACTS_BINARY, PARLEY_CONDUCT_BINARY);
    options.notifications_binary = PARLEY_NOTIFICATIONS_BINARY;
    // notifications needs a relay to start; nothing here is delivered, so one nobody listens on.
    options.extra_env[Service::kNotifications] = {{"PARLEY_SMTP_URL", "smtp://127.0.0.1:9"},
                                                  {"PARLEY_SMTP_FROM", "office@parley.invalid"}};
    options.appointments_binary = PARLEY_APPOINTMENTS_BINARY;
    trust = TrustUnderTest::StartForSuite(options);
    ready_ = trust != nullptr;
  }
  static void TearDownTestSuite() { trust.reset(); }
  void SetUp() override { PARLEY_REQUIRE_SUITE_READY(ready_); }

  // `parley-appointments probe [name]` against the running service, with its own TLS settings: the
  // check a Kubernetes probe makes. Its exit code (0 SERVING, 1 otherwise).
  static int Probe(const std::string& health_name) {
    std::map<std::string, std::string> env = trust->Env(Service::kAppointments);
    env["PARLEY_GRPC_PORT"] = absl::StrCat(trust->Port(Service::kAppointments));
    std::vector<std::string> args = {"probe"};
    if (!health_name.empty()) args.push_back(health_name);
    absl::StatusOr<int> exit_code =
        ServiceProcess::RunToCompletion(PARLEY_APPOINTMENTS_BINARY, args, env, absl::Seconds(10));
    EXPECT_TRUE(exit_code.ok()) << exit_code.status();
    return exit_code.ok() ? *exit_code : -1;
  }

  // Readiness waits for PostgreSQL, Redis and the directory replica's first load from contacts.
  static bool ProbeUntilServing(const std::string& health_name, absl::Duration timeout) {
    const absl::Time deadline = absl::Now() + timeout;
    while (true) {
      if (Probe(health_name) == 0) return true;
      if (absl::Now() > deadline) return false;
      absl::SleepFor(absl::Milliseconds(200));
    }
  }

  static int Migrate(const std::string& dsn) {
    std::map<std::string, std::string> env = trust->Env(Service::kAppointments);
    env["PARLEY_PG_DSN"] = dsn;
    absl::StatusOr<int> exit_code =
        ServiceProcess::RunToCompletion(PARLEY_APPOINTMENTS_BINARY, {"migrate"}, env, absl::Seconds(60));
    EXPECT_TRUE(exit_code.ok()) << exit_code.status();
    return exit_code.ok() ? *exit_code : -1;
  }

  // Every applied migration as "service/version/checksum/applied_at": a second run must leave it as is.
  static std::vector<std::string> AppliedMigrations(const std::string& dsn) {
    pqxx::connection db(dsn);
    pqxx::read_transaction txn(db);
    std::vector<std::string> applied;
    for (const pqxx::row& row :
         txn.exec("SELECT service, version, checksum, applied_at::text FROM parley_schema_migrations "
                  "ORDER BY service, version")) {
      applied.push_back(absl::StrCat(row[0].as<std::string>(), "/", row[1].as<int>(), "/", row[2].as<std::string>(),
                                     "/", row[3].as<std::string>()));
    }
    return applied;
  }

  static bool TableExists(const std::string& dsn, const std::string& table) {
    pqxx::connection db(dsn);
    pqxx::read_transaction txn(db);
    return txn.exec_params1("SELECT to_regclass($1) IS NOT NULL", table)[0].as<bool>();
  }

  static inline bool ready_ = false;
};

TEST_F(AppointmentsE2eTest, BecomesReadyAndAnswersHealthChecks) {
  // The whole server and the API by name report SERVING once its dependencies answer.
  EXPECT_TRUE(ProbeUntilServing("", absl::Seconds(30)));
  EXPECT_TRUE(ProbeUntilServing(kApiHealthName, absl::Seconds(5)));
  // The liveness name serves from start to shutdown, whatever readiness says.
  EXPECT_EQ(Probe("liveness"), 0);
  // A name nobody registered is not SERVING: the probe can fail.
  EXPECT_NE(Probe("parley.appointments.v1.NoSuchService"), 0);
}

TEST_F(AppointmentsE2eTest, MigrateIsIdempotent) {
  // On a fresh database: the first run applies the timers' and the appointments' migrations, the
  // second finds them applied and changes nothing.
  absl::StatusOr<parley::testing::TestDatabase> fresh = parley::testing::TestDatabase::CreateOrError();
  ASSERT_TRUE(fresh.ok()) << fresh.status();
  ASSERT_EQ(Migrate(fresh->dsn()), 0);
  const std::vector<std::string> first = AppliedMigrations(fresh->dsn());
  EXPECT_TRUE(TableExists(fresh->dsn(), "bookings"));
  EXPECT_TRUE(TableExists(fresh->dsn(), "outbox"));
  EXPECT_TRUE(TableExists(fresh->dsn(), "parley_timers"));
  ASSERT_EQ(Migrate(fresh->dsn()), 0);
  EXPECT_EQ(AppliedMigrations(fresh->dsn()), first);
  int appointments_versions = 0;
  for (const std::string& m : first) appointments_versions += m.rfind("appointments/", 0) == 0 ? 1 : 0;
  EXPECT_GE(appointments_versions, 2) << "0001_appointments and 0002_outbox";

  // On the running service's database (a rolling upgrade runs the Job beside the old pods): twice
  // more, nothing changes and the service stays ready.
  const std::string dsn = trust->Dsn(Service::kAppointments);
  const std::vector<std::string> serving = AppliedMigrations(dsn);
  ASSERT_EQ(Migrate(dsn), 0);
  ASSERT_EQ(Migrate(dsn), 0);
  EXPECT_EQ(AppliedMigrations(dsn), serving);
  EXPECT_TRUE(ProbeUntilServing("", absl::Seconds(30)));
}

}  // namespace
}  // namespace parley::e2e
