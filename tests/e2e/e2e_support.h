// What every end-to-end test does alike: files in the test's temp dir, request ids, the
// environment the services share in a test, starting a service on a fresh database, and loading
// the demo trust into contacts.
#pragma once

#include <map>
#include <string>

#include "absl/status/status.h"
#include "tests/e2e/service_process.h"

namespace parley::e2e {

std::string ReadAll(const std::string& path);
// Test processes run in parallel: every file they write is named after the process.
std::string WriteTemp(const std::string& name, const std::string& content);
// A fresh UUID-shaped request id, unique within the process; thread-safe.
std::string NewUuid();

// Loopback, port 0 for gRPC and metrics, issuer "parley-e2e", audience "parley", a Redis key
// namespace of the caller's own, and the public key files (comma-separated) the service trusts.
std::map<std::string, std::string> ServiceEnv(const std::string& public_key_files);

// Runs `binary migrate` with `env`, then starts `binary` serving.
absl::Status MigrateAndStart(ServiceProcess& process, const std::string& binary,
                             const std::map<std::string, std::string>& env);

// Imports the trust directory in `json_path` through the contacts service at `contacts_port`, as
// the holder of `token` (a trust admin).
absl::Status ImportDemoTrust(int contacts_port, const std::string& json_path, const std::string& token);

}  // namespace parley::e2e
