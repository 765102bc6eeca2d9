#include "common/testing/owned_redis.h"

#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <system_error>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "absl/time/clock.h"

namespace parley::testing {
namespace {

std::string FindInPath(const std::string& name) {
  const char* path = std::getenv("PATH");
  if (path == nullptr) return "";
  for (absl::string_view dir : absl::StrSplit(path, ':', absl::SkipEmpty())) {
    std::string candidate = absl::StrCat(dir, "/", name);
    if (access(candidate.c_str(), X_OK) == 0) return candidate;
  }
  return "";
}

// A port that was free a moment ago: the kernel's pick for a socket bound to port 0. Another
// process may take it before the server binds; Start retries with a new one then.
int FreeLoopbackPort() {
  const int fd = socket(AF_INET, SOCK_STREAM, 0);
  if (fd < 0) return 0;
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  addr.sin_port = 0;
  socklen_t len = sizeof(addr);
  int port = 0;
  if (bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof(addr)) == 0 &&
      getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &len) == 0) {
    port = ntohs(addr.sin_port);
  }
  close(fd);
  return port;
}

// fork + exec with the child tied to this process's life. Only async-signal-safe calls between
// fork and exec: other test threads may hold locks.
pid_t Spawn(const std::string& binary, const std::vector<std::string>& args) {
  std::vector<char*> argv;
  argv.push_back(const_cast<char*>(binary.c_str()));
  for (const std::string& a : args) argv.push_back(const_cast<char*>(a.c_str()));
  argv.push_back(nullptr);
  const pid_t parent = getpid();
  const pid_t pid = fork();
  if (pid != 0) return pid;
  prctl(PR_SET_PDEATHSIG, SIGKILL);
  if (getppid() != parent) _exit(127);  // the parent died before prctl took effect
  const int null_fd = open("/dev/null", O_RDWR);
  if (null_fd >= 0) {
    dup2(null_fd, STDIN_FILENO);
    dup2(null_fd, STDOUT_FILENO);
    dup2(null_fd, STDERR_FILENO);
  }
  execv(binary.c_str(), argv.data());
  _exit(127);
}

bool Exited(pid_t pid) {
  int status = 0;
  return waitpid(pid, &status, WNOHANG) == pid;
}

}  // namespace

bool OwnedRedis::Available() { return !FindInPath("redis-server").empty(); }

absl::StatusOr<std::unique_ptr<OwnedRedis>> OwnedRedis::Start(const OwnedRedisOptions& options) {
  const std::string binary = FindInPath("redis-server");
  if (binary.empty()) return absl::NotFoundError("redis-server is not in PATH");
  absl::Status last = absl::UnavailableError("no attempt");
  for (int attempt = 0; attempt < 5; ++attempt) {
    std::string dir = (std::filesystem::temp_directory_path() / "parley-redis-XXXXXX").string();
    if (mkdtemp(dir.data()) == nullptr) return absl::InternalError("mkdtemp failed");
    const int port = FreeLoopbackPort();
    std::vector<std::string> args = {"--port",
                                     absl::StrCat(port),
                                     "--bind",
                                     "127.0.0.1",
                                     "--save",
                                     "",
                                     "--appendonly",
                                     "no",
                                     "--dir",
                                     dir,
                                     "--logfile",
                                     dir + "/redis.log",
                                     "--daemonize",
                                     "no",
                                     "--maxmemory-policy",
                                     options.maxmemory_policy};
    args.insert(args.end(), options.extra_args.begin(), options.extra_args.end());
    // From here the object owns the folder (and the process, once there is one).
    std::unique_ptr<OwnedRedis> server(new OwnedRedis(binary, port, std::move(dir), std::move(args)));
    last = server->Launch();
    if (last.ok()) return server;
  }
  return last;
}

OwnedRedis::OwnedRedis(std::string binary, int port, std::string dir, std::vector<std::string> args)
    : binary_(std::move(binary)), port_(port), dir_(std::move(dir)), args_(std::move(args)) {}

absl::Status OwnedRedis::Launch() {
  pid_ = Spawn(binary_, args_);
  if (pid_ < 0) return absl::InternalError("fork failed");
  const absl::Time deadline = absl::Now() + absl::Seconds(10);
  while (absl::Now() < deadline) {
    if (Exited(pid_)) {
      pid_ = -1;  // reaped already
      return absl::UnavailableError("redis-server exited at start (port taken?)");
    }
    redis::RedisOptions opts = options();
    opts.connect_timeout = absl::Milliseconds(200);
    absl::StatusOr<std::unique_ptr<redis::Client>> client = redis::Client::Connect(opts);
    if (client.ok() && (*client)->Ping().ok()) return absl::OkStatus();
    absl::SleepFor(absl::Milliseconds(10));
  }
  return absl::UnavailableError("redis-server did not answer PING within 10 s");
}

absl::Status OwnedRedis::Restart() {
  Kill();
  return Launch();
}

OwnedRedis::~OwnedRedis() {
  Kill();
  std::error_code ignored;
  std::filesystem::remove_all(dir_, ignored);
}

redis::RedisOptions OwnedRedis::options() const {
  redis::RedisOptions opts;
  opts.host = host_;
  opts.port = port_;
  return opts;
}

void OwnedRedis::Kill() {
  if (pid_ <= 0) return;
  kill(pid_, SIGKILL);
  int status = 0;
  waitpid(pid_, &status, 0);
  pid_ = -1;
}

}  // namespace parley::testing
