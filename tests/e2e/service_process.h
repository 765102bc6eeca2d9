// Runs a built Parley service binary as a child process for end-to-end tests: environment in,
// stderr (JSON log lines) captured, the gRPC port read from its "serving" line (it binds port 0),
// SIGTERM to stop it, SIGKILL to crash it; Start again after either.
#pragma once

#include <sys/types.h>

#include <map>
#include <string>
#include <thread>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"

namespace parley::e2e {

class ServiceProcess {
 public:
  ServiceProcess() = default;
  ~ServiceProcess();
  ServiceProcess(const ServiceProcess&) = delete;
  ServiceProcess& operator=(const ServiceProcess&) = delete;

  // Runs `binary args...` to completion (e.g. "migrate") and returns its exit code.
  static absl::StatusOr<int> RunToCompletion(const std::string& binary, const std::vector<std::string>& args,
                                             const std::map<std::string, std::string>& env, absl::Duration timeout);

  // Starts the server and waits for its "serving" log line.
  absl::Status Start(const std::string& binary, const std::map<std::string, std::string>& env,
                     absl::Duration timeout = absl::Seconds(30));
  int grpc_port() const { return grpc_port_; }
  // Sends SIGTERM and waits; returns the exit code (or -signal).
  absl::StatusOr<int> Terminate(absl::Duration timeout = absl::Seconds(30));
  // Sends SIGKILL (a crash: no shutdown code runs) and reaps the process.
  absl::Status Kill();
  std::vector<std::string> LogLines() const;

 private:
  void ReadLoop(int fd);

  pid_t pid_ = -1;
  int grpc_port_ = 0;
  std::thread reader_;
  mutable absl::Mutex mu_;
  std::vector<std::string> lines_;
};

}  // namespace parley::e2e
