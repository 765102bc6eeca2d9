// What every end-to-end test does alike: files in the test's temp dir, request ids, the
// environment the services share in a test, starting a service on a fresh database, and loading
// the demo trust into contacts.
#pragma once

#include <map>
#include <memory>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/str_cat.h"
#include "grpcpp/channel.h"
#include "grpcpp/client_context.h"
#include "grpcpp/security/credentials.h"
#include "tests/e2e/service_process.h"

namespace parley::e2e {

std::string ReadAll(const std::string& path);

// A unary call as the holder of `token`, with a minute's deadline. `reason` (optional) gets the
// error reason the service sent in its parley-error-reason trailer ("" when none).
template <typename Stub, typename Req, typename Resp, typename Method>
grpc::Status CallAs(Stub& stub, const std::string& token, Method method, const Req& req, Resp* resp,
                    std::string* reason = nullptr) {
  grpc::ClientContext ctx;
  ctx.AddMetadata("authorization", absl::StrCat("Bearer ", token));
  ctx.set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(60));
  const grpc::Status status = (stub.*method)(&ctx, req, resp);
  if (reason != nullptr) {
    const auto& trailers = ctx.GetServerTrailingMetadata();
    auto it = trailers.find("parley-error-reason");
    *reason = it == trailers.end() ? "" : std::string(it->second.data(), it->second.size());
  }
  return status;
}
// Test processes run in parallel: every file they write is named after the process.
std::string WriteTemp(const std::string& name, const std::string& content);
// A fresh UUID-shaped request id, unique within the process; thread-safe.
std::string NewUuid();

// A test certificate authority and certificates it signed (scripts/tls-certs.sh): <dir>/ca.crt,
// and <dir>/<name>.crt + <name>.key for each name, valid for localhost and 127.0.0.1.
struct TestPki {
  std::string dir;
  std::string ca_file;
  std::string Cert(const std::string& name) const { return dir + "/" + name + ".crt"; }
  std::string Key(const std::string& name) const { return dir + "/" + name + ".key"; }
};
// Makes a new CA in `dir` (under the test's temp dir) with certificates for `names`.
absl::StatusOr<TestPki> MakeTestPki(const std::string& dir, const std::vector<std::string>& names);
// The CA every e2e service serves with: certificates "service" (what the services present, as
// servers and to each other) and "client" (what the tests present). $PARLEY_TEST_TLS_DIR when
// scripts/test.sh made one, else made once per process in the temp dir.
const TestPki& SuitePki();
// TLS that trusts SuitePki()'s CA and presents its "client" certificate: what every test's
// channel to a service uses.
std::shared_ptr<grpc::ChannelCredentials> ClientCredentials();
// A channel to a service on 127.0.0.1:`port` over ClientCredentials().
std::shared_ptr<grpc::Channel> ServiceChannel(int port);

// Loopback, port 0 for gRPC and metrics, issuer "parley-e2e", audience "parley", a Redis key
// namespace of the caller's own, the public key files (comma-separated) the service trusts, and
// TLS with SuitePki()'s "service" certificate (client certificates optional, verified when
// presented; peers called over TLS with the same certificate).
std::map<std::string, std::string> ServiceEnv(const std::string& public_key_files);

// Runs `binary migrate` with `env`, then starts `binary` serving.
absl::Status MigrateAndStart(ServiceProcess& process, const std::string& binary,
                             const std::map<std::string, std::string>& env);

// Imports the trust directory in `json_path` through the contacts service at `contacts_port`, as
// the holder of `token` (a trust admin).
absl::Status ImportDemoTrust(int contacts_port, const std::string& json_path, const std::string& token);

}  // namespace parley::e2e
