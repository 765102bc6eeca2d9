// smtp_bench: how fast SmtpSender hands messages to an SMTP server, beside postfix's own load
// generator against the same server in the same run.
//
// Starts postfix's smtp-sink (a real SMTP server that accepts and discards) on a free loopback
// port; then, at each --concurrency level, sends --messages messages of --size bytes with
//   smtp-source -d  (C sessions, each kept open for its next message: what SmtpSender's pool does)
//   smtp-source     (a new connection per message)
//   SmtpSender      (C threads, max_connections = C)
// and prints messages/s for each and SmtpSender's share of smtp-source -d (target ≥ 50 %).
//
//   smtp_bench [--messages=5000] [--concurrency=1,4,16] [--size=2000] [--rounds=1]
#include <netinet/in.h>
#include <signal.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <atomic>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <thread>
#include <vector>

#include "CLI/CLI.hpp"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "absl/time/clock.h"
#include "services/notifications/delivery/smtp_sender.h"

namespace {

using parley::notifications::Outgoing;
using parley::notifications::SendOutcome;
using parley::notifications::SmtpSender;
using parley::notifications::SmtpSettings;

constexpr char kSink[] = "/usr/sbin/smtp-sink";
constexpr char kSource[] = "/usr/sbin/smtp-source";

int FreePort() {
  const int fd = socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof(addr));
  socklen_t len = sizeof(addr);
  getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &len);
  close(fd);
  return ntohs(addr.sin_port);
}

bool Listening(int port) {
  const int fd = socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  addr.sin_port = htons(static_cast<uint16_t>(port));
  const bool ok = connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof(addr)) == 0;
  close(fd);
  return ok;
}

// smtp-sink as a child process; stopped on destruction.
class Sink {
 public:
  explicit Sink(int port) : port_(port) {
    pid_ = fork();
    if (pid_ == 0) {
      const std::string where = absl::StrCat("127.0.0.1:", port);
      // Its output is a running counter only.
      freopen("/dev/null", "w", stdout);
      // -u: as root it must drop to a user; 1024: the listen backlog.
      execl(kSink, kSink, "-u", "nobody", where.c_str(), "1024", static_cast<char*>(nullptr));
      _exit(127);
    }
    for (int i = 0; i < 250 && !Listening(port); ++i) absl::SleepFor(absl::Milliseconds(20));
  }
  ~Sink() {
    kill(pid_, SIGTERM);
    waitpid(pid_, nullptr, 0);
  }
  bool ok() const { return Listening(port_); }

 private:
  int port_;
  pid_t pid_ = -1;
};

// smtp-source's messages/s (wall clock around the whole run), or -1 when it failed.
double SmtpSource(int port, int concurrency, int messages, int size, bool reuse) {
  const std::string cmd = absl::StrCat(kSource, reuse ? " -d" : "", " -s ", concurrency, " -m ", messages, " -l ", size,
                                       " -t to@example.test -f from@parley.test 127.0.0.1:", port, " >/dev/null 2>&1");
  const absl::Time start = absl::Now();
  if (std::system(cmd.c_str()) != 0) return -1;
  return messages / absl::ToDoubleSeconds(absl::Now() - start);
}

// SmtpSender's messages/s with `concurrency` threads; failures counted in `failed`.
double Parley(int port, int concurrency, int messages, int size, int* failed) {
  SmtpSettings s;
  s.url = absl::StrCat("smtp://127.0.0.1:", port);
  s.from_address = "office@parley.test";
  s.from_name = "Parley bench";
  s.message_id_domain = "bench.parley.test";
  s.max_connections = concurrency;
  s.timeout = absl::Seconds(30);
  SmtpSender sender(s);

  // Plain ASCII text in 72-character lines: quoted-printable leaves it as it is, so the bytes on
  // the wire are close to --size, as smtp-source's are.
  std::string body;
  while (static_cast<int>(body.size()) < size) body += std::string(71, 'x') + "\n";
  body.resize(size);

  std::atomic<int> next{0}, failures{0};
  const absl::Time start = absl::Now();
  std::vector<std::thread> threads;
  for (int t = 0; t < concurrency; ++t) {
    threads.emplace_back([&] {
      Outgoing m;
      m.school_id = "st-marys";
      m.address = "to@example.test";
      m.recipient_name = "Bench Recipient";
      m.subject = "Benchmark message";
      m.body = body;
      for (int i = next++; i < messages; i = next++) {
        m.idempotency_key = absl::StrCat("bench-", i);
        if (sender.Send(m).kind != SendOutcome::Kind::kAccepted) ++failures;
      }
    });
  }
  for (std::thread& t : threads) t.join();
  const double rate = messages / absl::ToDoubleSeconds(absl::Now() - start);
  *failed = failures.load();
  return rate;
}

}  // namespace

int main(int argc, char** argv) {
  int messages = 5000, size = 2000, rounds = 1;
  std::string concurrency_text = "1,4,16";
  CLI::App app{"smtp_bench: SmtpSender into smtp-sink beside smtp-source, same sink, same run"};
  app.add_option("--messages", messages, "messages per measurement")->check(CLI::PositiveNumber);
  app.add_option("--concurrency", concurrency_text, "concurrency levels, comma-separated");
  app.add_option("--size", size, "message size in bytes")->check(CLI::PositiveNumber);
  app.add_option("--rounds", rounds, "measurements per level")->check(CLI::PositiveNumber);
  CLI11_PARSE(app, argc, argv);
  std::vector<int> levels;
  for (absl::string_view part : absl::StrSplit(concurrency_text, ',', absl::SkipEmpty())) {
    int c = 0;
    if (!absl::SimpleAtoi(part, &c) || c < 1) {
      std::fprintf(stderr, "smtp_bench: --concurrency: bad level\n");
      return 2;
    }
    levels.push_back(c);
  }
  if (access(kSink, X_OK) != 0 || access(kSource, X_OK) != 0) {
    std::fprintf(stderr, "smtp_bench: needs %s and %s (Debian's postfix: scripts/install-deps.sh)\n", kSink, kSource);
    return 1;
  }
  signal(SIGPIPE, SIG_IGN);
  const int port = FreePort();
  Sink sink(port);
  if (!sink.ok()) {
    std::fprintf(stderr, "smtp_bench: smtp-sink did not start on 127.0.0.1:%d\n", port);
    return 1;
  }

  std::printf("smtp_bench: %d messages of %d bytes per measurement into smtp-sink on 127.0.0.1:%d, %u cores\n",
              messages, size, port, std::thread::hardware_concurrency());
  std::printf("%11s %5s %22s %22s %16s %8s %16s\n", "concurrency", "round", "smtp-source -d msg/s", "smtp-source msg/s",
              "SmtpSender msg/s", "failed", "vs -d (target)");
  for (int c : levels) {
    for (int r = 0; r < rounds; ++r) {
      const double reuse = SmtpSource(port, c, messages, size, true);
      const double fresh = SmtpSource(port, c, messages, size, false);
      int failed = 0;
      const double parley = Parley(port, c, messages, size, &failed);
      std::printf("%11d %5d %22.0f %22.0f %16.0f %8d %10.0f %% (≥50)\n", c, r + 1, reuse, fresh, parley, failed,
                  reuse > 0 ? 100.0 * parley / reuse : 0.0);
      std::fflush(stdout);
    }
  }
  return 0;
}
