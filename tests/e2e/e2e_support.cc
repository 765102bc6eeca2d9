#include "tests/e2e/e2e_support.h"

#include <unistd.h>

#include <atomic>
#include <chrono>
#include <cstdlib>
#include <fstream>
#include <sstream>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_join.h"
#include "common/config/tls_settings.h"
#include "common/grpc/client.h"
#include "google/protobuf/util/json_util.h"
#include "grpcpp/grpcpp.h"
#include "gtest/gtest.h"
#include "parley/contacts/v1/contacts_service.grpc.pb.h"

namespace parley::e2e {

std::string ReadAll(const std::string& path) {
  std::ifstream in(path);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

std::string WriteTemp(const std::string& name, const std::string& content) {
  std::string path = absl::StrCat(::testing::TempDir(), "/", getpid(), "-", name);
  std::ofstream(path) << content;
  return path;
}

std::string NewUuid() {
  static std::atomic<int64_t> counter{0};  // tests open enquiries from many threads
  return absl::StrFormat("00000000-0000-4000-8000-%012d", ++counter);
}

absl::StatusOr<TestPki> MakeTestPki(const std::string& dir, const std::vector<std::string>& names) {
  const std::string command =
      absl::StrCat("'", PARLEY_TLS_CERTS_SCRIPT, "' '", dir, "' ", absl::StrJoin(names, " "), " >/dev/null");
  if (std::system(command.c_str()) != 0) return absl::InternalError(absl::StrCat("failed: ", command));
  return TestPki{dir, dir + "/ca.crt"};
}

const TestPki& SuitePki() {
  static const TestPki* pki = [] {
    const char* given = std::getenv("PARLEY_TEST_TLS_DIR");
    if (given != nullptr && *given != '\0') return new TestPki{given, absl::StrCat(given, "/ca.crt")};
    absl::StatusOr<TestPki> made =
        MakeTestPki(absl::StrCat(::testing::TempDir(), "/", getpid(), "-tls"), {"service", "client"});
    if (!made.ok()) {
      ADD_FAILURE() << made.status();
      std::abort();
    }
    return new TestPki(*made);
  }();
  return *pki;
}

std::shared_ptr<grpc::ChannelCredentials> ClientCredentials() {
  const TestPki& pki = SuitePki();
  TlsSettings tls;
  tls.ca_file = pki.ca_file;
  tls.cert_file = pki.Cert("client");
  tls.key_file = pki.Key("client");
  return client::ChannelCredentials(tls);
}

std::shared_ptr<grpc::Channel> ServiceChannel(int port) {
  return client::MakeChannel(absl::StrCat("127.0.0.1:", port), ClientCredentials());
}

std::map<std::string, std::string> ServiceEnv(const std::string& public_key_files) {
  static std::atomic<int> suites{0};
  const TestPki& pki = SuitePki();
  return {{"PARLEY_TLS_CERT_FILE", pki.Cert("service")},
          {"PARLEY_TLS_KEY_FILE", pki.Key("service")},
          {"PARLEY_TLS_CA_FILE", pki.ca_file},
          {"PARLEY_JWT_PUBLIC_KEYS", public_key_files},
          {"PARLEY_JWT_ISSUER", "parley-e2e"},
          {"PARLEY_JWT_AUDIENCE", "parley"},
          {"PARLEY_BIND_ADDRESS", "127.0.0.1"},
          {"PARLEY_GRPC_PORT", "0"},
          {"PARLEY_METRICS_PORT", "0"},
          // Test processes share one Redis server: each suite's services keep their keys apart.
          {"PARLEY_REDIS_NAMESPACE", absl::StrCat("e2e-", getpid(), "-", ++suites)}};
}

absl::Status MigrateAndStart(ServiceProcess& process, const std::string& binary,
                             const std::map<std::string, std::string>& env) {
  absl::StatusOr<int> migrated = ServiceProcess::RunToCompletion(binary, {"migrate"}, env, absl::Seconds(60));
  if (!migrated.ok()) return migrated.status();
  if (*migrated != 0) return absl::InternalError(absl::StrCat(binary, " migrate exited with ", *migrated));
  return process.Start(binary, env);
}

absl::Status ImportDemoTrust(int contacts_port, const std::string& json_path, const std::string& token) {
  auto contacts = parley::contacts::v1::ContactsService::NewStub(ServiceChannel(contacts_port));
  grpc::ClientContext ctx;
  ctx.AddMetadata("authorization", absl::StrCat("Bearer ", token));
  ctx.set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(60));
  parley::contacts::v1::ImportTrustRequest req;
  if (!google::protobuf::util::JsonStringToMessage(ReadAll(json_path), req.mutable_directory()).ok()) {
    return absl::InvalidArgumentError(absl::StrCat(json_path, " is not a trust directory"));
  }
  req.set_request_id(NewUuid());
  auto reader = contacts->ImportTrust(&ctx, req);
  parley::contacts::v1::ImportTrustResponse msg;
  while (reader->Read(&msg)) {
  }
  grpc::Status s = reader->Finish();
  if (!s.ok()) return absl::InternalError(absl::StrCat("ImportTrust: ", s.error_message()));
  return absl::OkStatus();
}

}  // namespace parley::e2e
