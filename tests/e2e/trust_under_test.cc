#include "tests/e2e/trust_under_test.h"

#include <utility>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "common/testing/test_redis.h"
#include "gtest/gtest.h"
#include "tests/e2e/e2e_support.h"

namespace parley::e2e {

absl::StatusOr<std::unique_ptr<TrustUnderTest>> TrustUnderTest::Start(const TrustOptions& options) {
  const bool conduct = !options.conduct_binary.empty();
  const bool escalation = !options.escalation_binary.empty();
  const bool appointments = !options.appointments_binary.empty();
  if (escalation && !conduct) return absl::InvalidArgumentError("escalation needs conduct");
  if (appointments && !conduct) return absl::InvalidArgumentError("appointments needs conduct");
  const bool reporting = !options.reporting_binary.empty();
  if (reporting && (!escalation || !appointments || options.notifications_binary.empty())) {
    return absl::InvalidArgumentError("reporting needs escalation, conduct, appointments and notifications");
  }
  if (conduct && options.redis_addr.empty()) {
    return absl::InvalidArgumentError("conduct, escalation and appointments need a Redis address");
  }
  std::unique_ptr<TrustUnderTest> trust(new TrustUnderTest);
  const bool notifications = !options.notifications_binary.empty();
  for (Service s : {Service::kContacts, Service::kConduct, Service::kEscalation, Service::kNotifications,
                    Service::kAppointments, Service::kReporting}) {
    if (s == Service::kConduct && !conduct) continue;
    if (s == Service::kEscalation && !escalation) continue;
    if (s == Service::kNotifications && !notifications) continue;
    if (s == Service::kAppointments && !appointments) continue;
    if (s == Service::kReporting && !reporting) continue;
    absl::StatusOr<parley::testing::TestDatabase> db = parley::testing::TestDatabase::CreateOrError();
    if (!db.ok()) return db.status();
    trust->db_[Index(s)] = std::move(*db);
  }

  const std::string user_pub = WriteTemp(options.name + "-user.pem", trust->user_keys_.public_pem);
  const std::string service_pub = WriteTemp(options.name + "-service.pem", trust->service_keys_.public_pem);
  const std::string service_key = WriteTemp(options.name + "-service-key.pem", trust->service_keys_.private_pem);
  // Every service trusts the users' key and the services' key.
  const std::map<std::string, std::string> common = ServiceEnv(absl::StrCat(user_pub, ",", service_pub));
  absl::Status started = trust->StartService(Service::kContacts, options.contacts_binary, common, options);
  if (!started.ok()) return started;

  absl::StatusOr<std::unique_ptr<auth::Signer>> signer =
      auth::Signer::Create({trust->user_keys_.private_pem, "parley-e2e", "parley", nullptr});
  if (!signer.ok()) return signer.status();
  trust->signer_ = std::move(*signer);
  if (!options.trust_json.empty()) {
    const std::string admin = trust->Mint({"trust_admin"}, {}, options.admin_subject, absl::Minutes(5));
    absl::Status imported = ImportDemoTrust(trust->Port(Service::kContacts), options.trust_json, admin);
    if (!imported.ok()) return imported;
  }
  // The other services call contacts (and escalation and appointments call conduct) as the services'
  // identity.
  std::map<std::string, std::string> backend = common;
  backend["PARLEY_SERVICE_KEY"] = service_key;
  backend["PARLEY_CONTACTS_ADDR"] = absl::StrCat("127.0.0.1:", trust->Port(Service::kContacts));
  if (notifications) {
    started = trust->StartService(Service::kNotifications, options.notifications_binary, backend, options);
    if (!started.ok()) return started;
    backend["PARLEY_NOTIFICATIONS_ADDR"] = absl::StrCat("127.0.0.1:", trust->Port(Service::kNotifications));
  }
  if (!conduct) return trust;
  backend["PARLEY_REDIS_ADDR"] = options.redis_addr;
  started = trust->StartService(Service::kConduct, options.conduct_binary, backend, options);
  if (!started.ok()) return started;

  backend["PARLEY_CONDUCT_ADDR"] = absl::StrCat("127.0.0.1:", trust->Port(Service::kConduct));
  if (escalation) {
    started = trust->StartService(Service::kEscalation, options.escalation_binary, backend, options);
    if (!started.ok()) return started;
  }
  if (appointments) {
    started = trust->StartService(Service::kAppointments, options.appointments_binary, backend, options);
    if (!started.ok()) return started;
  }
  if (reporting) {
    backend["PARLEY_ESCALATION_ADDR"] = absl::StrCat("127.0.0.1:", trust->Port(Service::kEscalation));
    backend["PARLEY_APPOINTMENTS_ADDR"] = absl::StrCat("127.0.0.1:", trust->Port(Service::kAppointments));
    started = trust->StartService(Service::kReporting, options.reporting_binary, backend, options);
    if (!started.ok()) return started;
  }
  return trust;
}

std::unique_ptr<TrustUnderTest> TrustUnderTest::StartForSuite(TrustOptions options) {
  if (!parley::testing::TestDatabase::Configured()) return nullptr;
  if (!options.conduct_binary.empty() && options.redis_addr.empty()) {
    std::optional<std::string> redis = parley::testing::TestRedis::AddressFromEnv();
    if (!redis) return nullptr;
    options.redis_addr = *redis;
  }
  absl::StatusOr<std::unique_ptr<TrustUnderTest>> trust = Start(options);
  if (!trust.ok()) {
    ADD_FAILURE() << "starting the trust under test: " << trust.status();
    return nullptr;
  }
  return *std::move(trust);
}

absl::Status TrustUnderTest::StartService(Service service, const std::string& binary,
                                          std::map<std::string, std::string> env, const TrustOptions& options) {
  const int i = Index(service);
  env["PARLEY_PG_DSN"] = db_[i]->dsn();
  if (auto extra = options.extra_env.find(service); extra != options.extra_env.end()) {
    for (const auto& [key, value] : extra->second) env[key] = value;
  }
  binary_[i] = binary;
  env_[i] = std::move(env);
  return MigrateAndStart(process_[i], binary_[i], env_[i]);
}

std::string TrustUnderTest::Mint(std::vector<std::string> roles, std::vector<std::string> schools,
                                 const std::string& subject, absl::Duration ttl) const {
  auth::Principal p;
  p.subject = subject;
  p.roles = std::move(roles);
  p.schools = std::move(schools);
  absl::StatusOr<std::string> token = signer_->Mint(p, ttl);
  if (!token.ok()) {
    ADD_FAILURE() << "Mint: " << token.status();
    return "";
  }
  return *std::move(token);
}

std::shared_ptr<grpc::Channel> TrustUnderTest::Channel(Service service) const { return ServiceChannel(Port(service)); }

absl::Status TrustUnderTest::StartAgain(Service service) {
  const int i = Index(service);
  return process_[i].Start(binary_[i], env_[i]);
}

}  // namespace parley::e2e
