#include "tests/e2e/service_process.h"

#include <cstdio>
#include <cstdlib>

#include <fcntl.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include "absl/strings/str_cat.h"
#include "nlohmann/json.hpp"

namespace parley::e2e {
namespace {

pid_t Spawn(const std::string& binary, const std::vector<std::string>& args,
            const std::map<std::string, std::string>& env, int stderr_fd) {
  std::vector<std::string> env_strings;
  for (char** e = environ; *e != nullptr; ++e) {
    std::string entry(*e);
    if (env.count(entry.substr(0, entry.find('='))) == 0) env_strings.push_back(entry);
  }
  for (const auto& [k, v] : env) env_strings.push_back(absl::StrCat(k, "=", v));
  std::vector<char*> envp;
  for (std::string& s : env_strings) envp.push_back(s.data());
  envp.push_back(nullptr);
  std::vector<std::string> argv_strings = {binary};
  argv_strings.insert(argv_strings.end(), args.begin(), args.end());
  std::vector<char*> argv;
  for (std::string& s : argv_strings) argv.push_back(s.data());
  argv.push_back(nullptr);

  pid_t pid = fork();
  if (pid == 0) {
    // A test that crashes must not leave its server behind.
    prctl(PR_SET_PDEATHSIG, SIGKILL);
    if (stderr_fd >= 0) dup2(stderr_fd, STDERR_FILENO);
    execve(binary.c_str(), argv.data(), envp.data());
    _exit(127);
  }
  return pid;
}

absl::StatusOr<int> WaitFor(pid_t pid, absl::Duration timeout) {
  const absl::Time deadline = absl::Now() + timeout;
  while (absl::Now() < deadline) {
    int status = 0;
    pid_t done = waitpid(pid, &status, WNOHANG);
    if (done == pid) return WIFEXITED(status) ? WEXITSTATUS(status) : -WTERMSIG(status);
    if (done < 0) return absl::InternalError(absl::StrCat("waitpid: ", std::strerror(errno)));
    usleep(20'000);
  }
  return absl::DeadlineExceededError("the process did not exit in time");
}

}  // namespace

ServiceProcess::~ServiceProcess() {
  if (pid_ > 0) {
    kill(pid_, SIGKILL);
    waitpid(pid_, nullptr, 0);
  }
  if (reader_.joinable()) reader_.join();
}

absl::StatusOr<int> ServiceProcess::RunToCompletion(const std::string& binary, const std::vector<std::string>& args,
                                                    const std::map<std::string, std::string>& env,
                                                    absl::Duration timeout) {
  pid_t pid = Spawn(binary, args, env, -1);
  if (pid < 0) return absl::InternalError("fork failed");
  absl::StatusOr<int> code = WaitFor(pid, timeout);
  if (!code.ok()) {
    kill(pid, SIGKILL);
    waitpid(pid, nullptr, 0);
  }
  return code;
}

void ServiceProcess::ReadLoop(int fd) {
  // PARLEY_E2E_SERVICE_LOGS=1 echoes the services' log lines to the test's stderr (debugging).
  const bool echo = std::getenv("PARLEY_E2E_SERVICE_LOGS") != nullptr;
  std::string pending;
  char buf[4096];
  for (;;) {
    ssize_t n = read(fd, buf, sizeof(buf));
    if (n <= 0) break;
    pending.append(buf, static_cast<size_t>(n));
    size_t nl;
    while ((nl = pending.find('\n')) != std::string::npos) {
      std::string line = pending.substr(0, nl);
      pending.erase(0, nl + 1);
      if (echo) std::fprintf(stderr, "%s\n", line.c_str());
      absl::MutexLock lock(&mu_);
      lines_.push_back(std::move(line));
    }
  }
  close(fd);
}

absl::Status ServiceProcess::Start(const std::string& binary, const std::map<std::string, std::string>& env,
                                   absl::Duration timeout) {
  if (pid_ > 0) return absl::FailedPreconditionError("already running");
  // A restart: the previous run's pipe closed when it exited.
  if (reader_.joinable()) reader_.join();
  size_t seen = 0;  // a restart reads only this run's lines for its "serving" line
  {
    absl::MutexLock lock(&mu_);
    seen = lines_.size();
  }
  int fds[2];
  if (pipe2(fds, O_CLOEXEC) != 0) return absl::InternalError("pipe failed");
  pid_ = Spawn(binary, {"serve"}, env, fds[1]);
  close(fds[1]);
  if (pid_ < 0) return absl::InternalError("fork failed");
  reader_ = std::thread([this, fd = fds[0]] { ReadLoop(fd); });
  const absl::Time deadline = absl::Now() + timeout;
  while (absl::Now() < deadline) {
    {
      absl::MutexLock lock(&mu_);
      for (; seen < lines_.size(); ++seen) {
        nlohmann::json j = nlohmann::json::parse(lines_[seen], nullptr, false);
        if (j.is_object() && j.value("event", "") == "serving" && j.value("grpc_port", 0) > 0) {
          grpc_port_ = j.value("grpc_port", 0);
          return absl::OkStatus();
        }
      }
    }
    int status = 0;
    if (waitpid(pid_, &status, WNOHANG) == pid_) {
      pid_ = -1;
      return absl::FailedPreconditionError("the service exited during start-up");
    }
    usleep(20'000);
  }
  return absl::DeadlineExceededError("the service did not report serving in time");
}

absl::StatusOr<int> ServiceProcess::Terminate(absl::Duration timeout) {
  if (pid_ <= 0) return absl::FailedPreconditionError("not running");
  kill(pid_, SIGTERM);
  absl::StatusOr<int> code = WaitFor(pid_, timeout);
  if (code.ok()) pid_ = -1;
  return code;
}

absl::Status ServiceProcess::Kill() {
  if (pid_ <= 0) return absl::FailedPreconditionError("not running");
  kill(pid_, SIGKILL);
  if (waitpid(pid_, nullptr, 0) != pid_) return absl::InternalError(absl::StrCat("waitpid: ", std::strerror(errno)));
  pid_ = -1;
  return absl::OkStatus();
}

std::vector<std::string> ServiceProcess::LogLines() const {
  absl::MutexLock lock(&mu_);
  return lines_;
}

}  // namespace parley::e2e
