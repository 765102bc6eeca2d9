// The trust under test: the services an end-to-end suite calls, started the way every suite starts
// them. Start() does, in order:
//   - a fresh PostgreSQL database for each service it starts (TestDatabase);
//   - an ES256 key pair for users' tokens and one for the services' own identity; the public
//     halves go to temp files ("<name>-user.pem", "<name>-service.pem") that every service trusts,
//     the services' private key to "<name>-service-key.pem" (PARLEY_SERVICE_KEY);
//   - contacts, migrated and started on its database (always);
//   - the trust directory in `trust_json` imported through contacts as a trust admin, when given;
//   - conduct: its database, Redis, the service key and contacts' address, when given its binary;
//   - notifications, when given its binary: after contacts and before conduct and escalation, whose
//     outbox relays then hand their notices to it (PARLEY_NOTIFICATIONS_ADDR); its SMTP server and
//     gateways come from the suite's extra environment (the suite starts its own sinks);
//   - escalation: the same plus conduct's address, when given its binary (conduct's too);
//   - appointments: the same as escalation (contacts' replica feed, conduct's gate, notifications'
//     relay when notifications runs), when given its binary (conduct's too), after escalation;
//   - reporting, last, when given its binary: it reads the figures of escalation, conduct,
//     appointments and notifications (all four must be given) and contacts' directory;
// each service with the suite's extra environment on top (ServiceEnv underneath all of it).
// It owns the databases, keys, processes and the users' signer; destroying it kills the services
// before dropping their databases. It then offers tokens (Mint), ports, channels, and the
// processes for tests that crash and restart one.
//
// A suite on the shared servers ($PARLEY_TEST_PG_DSN and $PARLEY_TEST_REDIS_ADDR):
//   static void SetUpTestSuite() {
//     suite = std::make_unique<Suite>();
//     suite->trust = TrustUnderTest::StartForSuite(
//         {"conduct", PARLEY_DEMO_TRUST_JSON, PARLEY_CONTACTS_BINARY, PARLEY_CONDUCT_BINARY});
//     if (!suite->trust) return;  // not configured (the tests skip) or failed (they fail)
//     ...the suite's own look-ups...
//     ready_ = true;
//   }
//   void SetUp() override { PARLEY_REQUIRE_SUITE_READY(ready_); }
//   ... ConductService::NewStub(suite->trust->Channel(Service::kConduct)) ...
//   ... suite->trust->Mint({"office"}, {"kenilworth"}, "office@kenilworth", absl::Minutes(5)) ...
#pragma once

#include <map>
#include <memory>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "common/auth/auth.h"
#include "common/auth/testing/test_keys.h"
#include "common/testing/test_database.h"
#include "grpcpp/channel.h"
#include "gtest/gtest.h"
#include "tests/e2e/service_process.h"

namespace parley::e2e {

enum class Service {
  kContacts = 0,
  kConduct = 1,
  kEscalation = 2,
  kNotifications = 3,
  kAppointments = 4,
  kReporting = 5
};

struct TrustOptions {
  TrustOptions(std::string name, std::string trust_json, std::string contacts_binary, std::string conduct_binary = "",
               std::string escalation_binary = "")
      : name(std::move(name)),
        trust_json(std::move(trust_json)),
        contacts_binary(std::move(contacts_binary)),
        conduct_binary(std::move(conduct_binary)),
        escalation_binary(std::move(escalation_binary)) {}

  // Prefix of the temp files (which are also named after the process: see WriteTemp).
  std::string name;
  // A trust directory (JSON) to import through contacts before the other services start; none
  // when empty. Imported with a trust_admin token for `admin_subject`.
  std::string trust_json;
  // The built binaries: each test target's PARLEY_*_BINARY. Contacts always starts; conduct and
  // escalation start when their binary is given (escalation asks conduct's gate, so it needs both).
  std::string contacts_binary;
  std::string conduct_binary;
  std::string escalation_binary;
  // Started when given (see above); appointments asks conduct's gate, so it needs conduct's binary.
  std::string notifications_binary;
  std::string appointments_binary;
  // Started last when given; needs every other service's binary.
  std::string reporting_binary;
  // The Redis server conduct, escalation and appointments use ("host:port"); StartForSuite fills it from
  // $PARLEY_TEST_REDIS_ADDR when empty.
  std::string redis_addr;
  std::string admin_subject = "e2e";
  // Set on top of the shared environment, per service (e.g. a suite's clocks or feature flags).
  std::map<Service, std::map<std::string, std::string>> extra_env;
};

class TrustUnderTest {
 public:
  // Everything above, or the first error (the services already started are killed).
  static absl::StatusOr<std::unique_ptr<TrustUnderTest>> Start(const TrustOptions& options);
  // For SetUpTestSuite: nullptr with nothing recorded when $PARLEY_TEST_PG_DSN is unset, or
  // Redis is wanted, `redis_addr` is empty and $PARLEY_TEST_REDIS_ADDR is unset (the tests skip);
  // nullptr with a test failure recorded when Start fails (the suite fails).
  static std::unique_ptr<TrustUnderTest> StartForSuite(TrustOptions options);

  TrustUnderTest(const TrustUnderTest&) = delete;
  TrustUnderTest& operator=(const TrustUnderTest&) = delete;

  // A token from the key every service trusts for users (issuer "parley-e2e", audience "parley").
  // Records a test failure and returns "" if signing fails.
  std::string Mint(std::vector<std::string> roles, std::vector<std::string> schools, const std::string& subject,
                   absl::Duration ttl) const;

  int Port(Service service) const { return process_[Index(service)].grpc_port(); }
  // ServiceChannel(Port(service)): TLS with the suite's client certificate.
  std::shared_ptr<grpc::Channel> Channel(Service service) const;
  // For tests that stop or crash a service; StartAgain brings it back.
  ServiceProcess& Process(Service service) { return process_[Index(service)]; }
  // Starts `service` again (no migration) with the binary and environment it first started with,
  // after a Kill or Terminate.
  absl::Status StartAgain(Service service);
  const std::map<std::string, std::string>& Env(Service service) const { return env_[Index(service)]; }
  // The service's own database, for tests that count what it wrote.
  const std::string& Dsn(Service service) const { return db_[Index(service)]->dsn(); }
  // For signers of a suite's own (a different clock, say) with the users' key.
  const auth::testing::KeyPair& user_keys() const { return user_keys_; }

 private:
  static constexpr int kServices = 6;
  static int Index(Service service) { return static_cast<int>(service); }

  TrustUnderTest() = default;
  absl::Status StartService(Service service, const std::string& binary, std::map<std::string, std::string> env,
                            const TrustOptions& options);

  // Declared before the processes, so the processes are killed first when this is destroyed.
  std::optional<parley::testing::TestDatabase> db_[kServices];
  auth::testing::KeyPair user_keys_ = auth::testing::GenerateEcP256();
  auth::testing::KeyPair service_keys_ = auth::testing::GenerateEcP256();
  std::unique_ptr<auth::Signer> signer_;
  std::string binary_[kServices];
  std::map<std::string, std::string> env_[kServices];
  ServiceProcess process_[kServices];
};

}  // namespace parley::e2e

// In a suite's SetUp: skips the test when $PARLEY_TEST_PG_DSN is unset, fails it when it is set
// but the suite's set-up did not finish (`ready` is false).
#define PARLEY_REQUIRE_SUITE_READY(ready)                                                               \
  do {                                                                                                  \
    if (ready) break;                                                                                   \
    if (::parley::testing::TestDatabase::Configured()) FAIL() << "the suite set-up failed (see above)"; \
    GTEST_SKIP() << "set PARLEY_TEST_PG_DSN and PARLEY_TEST_REDIS_ADDR (scripts/test.sh does)";         \
  } while (false)
