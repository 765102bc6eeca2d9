// escalation_bench: the escalation service end to end, with the real parley-contacts,
// parley-conduct and parley-escalation binaries as child processes on one PostgreSQL and Redis.
//
// 1. OpenEnquiry (gate in conduct + routing and clocks from the directory replica + the enquiry, its history,
//    outbox rows and timers in PostgreSQL) at each --in_flight level, emails about St Mary's pupils
//    from the demo trust, beside pgbench's TPC-B at 8 clients against the same server in the same run.
// 2. Timer herd: --herd letters at the drill school (tests/e2e/testdata/drill-trust.json) whose
//    acknowledgement falls due at one instant; prints when the last fired and the lateness p50/p99
//    (fired_at - due_at, the database's clock, which decides due-ness).
// 3. Steady state: --steady_rate deadlines a second for --steady_seconds; lateness p50/p99.
//
//   export PARLEY_BENCH_PG_DSN="host=127.0.0.1 port=55440 user=postgres dbname=postgres"
//   export PARLEY_BENCH_REDIS_ADDR=127.0.0.1:6392
//   escalation_bench [--seconds=10] [--in_flight=8,32] [--herd=10000] [--steady_rate=50]
//
// Databases are made for the run and dropped afterwards. The Redis server must run with
// maxmemory-policy noeviction; the escalation keys on it are left as they are (PostgreSQL is the truth).
#include <unistd.h>

#include <array>
#include <atomic>
#include <cstdio>
#include <cstdlib>
#include <map>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "CLI/CLI.hpp"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "absl/time/clock.h"
#include "bench/common/load.h"
#include "common/auth/auth.h"
#include "common/auth/testing/test_keys.h"
#include "common/pg/pool.h"
#include "google/protobuf/util/time_util.h"
#include "grpcpp/grpcpp.h"
#include "parley/contacts/v1/contacts_service.grpc.pb.h"
#include "parley/escalation/v1/escalation_service.grpc.pb.h"
#include "pqxx/pqxx"
#include "tests/e2e/e2e_support.h"
#include "tests/e2e/service_process.h"

namespace parley::bench {
namespace {

namespace ev1 = ::parley::escalation::v1;
namespace kv1 = ::parley::contacts::v1;
using ::google::protobuf::util::TimeUtil;

// The drill school's letters: acknowledge within 300 s (tests/e2e/testdata/drill-trust.json).
constexpr absl::Duration kLetterAcknowledge = absl::Seconds(300);

google::protobuf::Timestamp ToProto(absl::Time t) { return TimeUtil::MicrosecondsToTimestamp(absl::ToUnixMicros(t)); }

bool Admin(const std::string& dsn, const std::string& sql) {
  try {
    pqxx::connection c(dsn);
    pqxx::nontransaction n(c);
    n.exec(sql);
    return true;
  } catch (const std::exception& e) {
    std::fprintf(stderr, "escalation_bench: %s\n", e.what());
    return false;
  }
}

std::string WithDb(const std::string& admin_dsn, const std::string& db) {
  return absl::StrCat(admin_dsn, " dbname=", db);
}

// pgbench's TPC-B-like script at 8 clients for `seconds` on a database of its own; tps, or -1.
double PgbenchTps(const std::string& admin_dsn, const std::string& db, int seconds) {
  const std::string dsn = WithDb(admin_dsn, db);
  const std::string init = absl::StrCat("pgbench -i -q -s 8 '", dsn, "' >/dev/null 2>&1");
  if (std::system(init.c_str()) != 0) return -1;
  const std::string run = absl::StrCat("pgbench -c 8 -j 2 -T ", seconds, " '", dsn, "' 2>/dev/null");
  FILE* out = popen(run.c_str(), "r");
  if (out == nullptr) return -1;
  double tps = -1;
  char line[512];
  while (std::fgets(line, sizeof line, out) != nullptr) {
    absl::string_view l(line);
    if (absl::StartsWith(l, "tps = ")) {
      std::vector<std::string> parts = absl::StrSplit(l.substr(6), ' ');
      if (!parts.empty() && !absl::SimpleAtod(parts[0], &tps)) tps = -1;
    }
  }
  pclose(out);
  return tps;
}

struct Sender {
  std::string pupil;
  std::string guardian;
};

class Bench {
 public:
  Bench(std::string admin_dsn, std::string redis) : admin_dsn_(std::move(admin_dsn)), redis_(std::move(redis)) {}
  ~Bench() {
    (void)escalation_.Terminate();
    (void)conduct_.Terminate();
    (void)contacts_.Terminate();
    for (const std::string& db : dbs_) Admin(admin_dsn_, absl::StrCat("DROP DATABASE IF EXISTS ", db, " WITH (FORCE)"));
  }

  bool SetUp() {
    const std::string run = absl::StrCat("escalation_bench_", getpid());
    for (const char* part : {"contacts", "conduct", "escalation", "pgbench"}) {
      dbs_.push_back(absl::StrCat(run, "_", part));
      if (!Admin(admin_dsn_, absl::StrCat("CREATE DATABASE ", dbs_.back()))) return false;
    }
    const std::string user_pub = e2e::WriteTemp("bench-user.pem", user_keys_.public_pem);
    const std::string service_pub = e2e::WriteTemp("bench-service.pem", service_keys_.public_pem);
    const std::string service_key = e2e::WriteTemp("bench-service-key.pem", service_keys_.private_pem);
    std::map<std::string, std::string> env = e2e::ServiceEnv(absl::StrCat(user_pub, ",", service_pub));
    env["PARLEY_PG_DSN"] = WithDb(admin_dsn_, dbs_[0]);
    if (!Check(e2e::MigrateAndStart(contacts_, PARLEY_CONTACTS_BINARY, env), "contacts")) return false;
    signer_ = *auth::Signer::Create({user_keys_.private_pem, "parley-e2e", "parley", nullptr});
    const std::string admin = Token({"trust_admin"}, {});
    if (!Check(e2e::ImportDemoTrust(contacts_.grpc_port(), PARLEY_DEMO_TRUST_JSON, admin), "demo trust") ||
        !Check(e2e::ImportDemoTrust(contacts_.grpc_port(), PARLEY_DRILL_TRUST_JSON, admin), "drill trust")) {
      return false;
    }
    env["PARLEY_PG_DSN"] = WithDb(admin_dsn_, dbs_[1]);
    env["PARLEY_REDIS_ADDR"] = redis_;
    env["PARLEY_SERVICE_KEY"] = service_key;
    env["PARLEY_CONTACTS_ADDR"] = absl::StrCat("127.0.0.1:", contacts_.grpc_port());
    if (!Check(e2e::MigrateAndStart(conduct_, PARLEY_CONDUCT_BINARY, env), "conduct")) return false;
    env["PARLEY_PG_DSN"] = WithDb(admin_dsn_, dbs_[2]);
    env["PARLEY_CONDUCT_ADDR"] = absl::StrCat("127.0.0.1:", conduct_.grpc_port());
    if (!Check(e2e::MigrateAndStart(escalation_, PARLEY_ESCALATION_BINARY, env), "escalation")) return false;

    stub_ = ev1::EscalationService::NewStub(e2e::ServiceChannel(escalation_.grpc_port()));
    pg::PoolOptions sql;
    sql.dsn = WithDb(admin_dsn_, dbs_[2]);
    sql.size = 1;
    auto pool = pg::Pool::Create(sql);
    if (!Check(pool.status(), "escalation database")) return false;
    sql_ = std::move(*pool);
    office_ = Token({"office"}, {"st-marys", "drill"});
    return FindSenders();
  }

  // OpenEnquiry at each level, then pgbench; returns the OpenEnquiry rate at the last level.
  double OpenEnquiryBeside(const std::vector<int>& levels, int seconds) {
    std::atomic<uint64_t> next{0};
    std::function<grpc::Status()> open = [&] {
      const Sender& s = senders_[next.fetch_add(1) % senders_.size()];
      ev1::OpenEnquiryRequest req = Request("schools/st-marys", s, ev1::CHANNEL_EMAIL, absl::Now() - absl::Minutes(1));
      ev1::Enquiry out;
      return Call(req, &out);
    };
    std::printf(
        "escalation_bench: OpenEnquiry end to end (3 service processes, one PostgreSQL, client on the same 2 "
        "cores), %d s per level\n",
        seconds);
    double last = 0;
    for (int k : levels) {
      LoadResult r = RunLoad(k, absl::Seconds(seconds), open, absl::Seconds(1));
      std::printf("%s\n", FormatResult("OpenEnquiry", r).c_str());
      if (r.errors > 0) std::printf("  first error: %s\n", r.first_error.c_str());
      last = r.requests_per_second;
      rates_.push_back({k, r.requests_per_second});
    }
    const double tps = PgbenchTps(admin_dsn_, dbs_[3], seconds);
    std::printf("pgbench TPC-B, 8 clients, scale 8, same server: tps=%.0f\n", tps);
    for (const auto& [k, rate] : rates_) {
      std::printf("  in flight %-3d OpenEnquiry/pgbench = %.0f%%\n", k, tps > 0 ? 100.0 * rate / tps : 0.0);
    }
    return last;
  }

  // Opens `n` drill letters whose acknowledgement falls due at `due_of(i)`, 32 in flight.
  bool OpenLetters(int n, const std::function<absl::Time(int)>& due_of) {
    std::atomic<int> next{0}, failures{0};
    std::vector<std::thread> threads;
    for (int t = 0; t < 32; ++t) {
      threads.emplace_back([&] {
        for (int i = next++; i < n; i = next++) {
          ev1::Enquiry out;
          if (!Call(Request("schools/drill", drill_, ev1::CHANNEL_LETTER, due_of(i) - kLetterAcknowledge), &out).ok()) {
            ++failures;
          }
        }
      });
    }
    for (std::thread& t : threads) t.join();
    return failures == 0;
  }

  // Waits until every letter's acknowledgement timer fired (or `limit`), then prints lateness. The
  // wait asks only the pending-due index, every 200 ms, so it costs the server next to nothing.
  void ReportLateness(const char* label, int64_t expected, absl::Time due, absl::Time last_due, absl::Duration limit) {
    const std::string ack_timers =
        "FROM parley_timers WHERE kind = 'escalation.clock' AND key IN (SELECT 'drill/' || id || '/acknowledge' FROM "
        "enquiries WHERE channel = 2 AND received_at >= $1)";
    const std::string since = absl::FormatTime("%Y-%m-%d %H:%M:%E6S+00", batch_start_, absl::UTCTimeZone());
    const std::string until = absl::FormatTime("%Y-%m-%d %H:%M:%E6S+00", last_due, absl::UTCTimeZone());
    const absl::Time give_up = absl::Now() + limit;
    while (absl::Now() < give_up) {
      int64_t waiting = 1;
      (void)sql_->Read([&](pqxx::work& txn) {
        waiting =
            txn.exec_params1("SELECT count(*) FROM parley_timers WHERE state = 'pending' AND due_at <= $1", until)[0]
                .as<int64_t>();
        return absl::OkStatus();
      });
      if (waiting == 0 && absl::Now() > last_due) break;
      absl::SleepFor(absl::Milliseconds(200));
    }
    (void)sql_->Read([&](pqxx::work& txn) {
      const pqxx::row r = txn.exec_params1(
          absl::StrCat("SELECT percentile_cont(0.5) WITHIN GROUP (ORDER BY l), percentile_cont(0.99) WITHIN GROUP "
                       "(ORDER BY l), max(l), extract(epoch FROM max(fired_at) - $2::timestamptz)::float8, count(*) "
                       "FROM (SELECT extract(epoch FROM fired_at - due_at)::float8 AS l, fired_at ",
                       ack_timers, " AND state = 'fired') s"),
          since, absl::FormatTime("%Y-%m-%d %H:%M:%E6S+00", due, absl::UTCTimeZone()));
      std::printf(
          "%s: %lld of %lld fired; last %.2f s after the due instant; lateness p50=%.3f s p99=%.3f s max=%.3f s\n",
          label, static_cast<long long>(r[4].as<int64_t>()), static_cast<long long>(expected), r[3].as<double>(0),
          r[0].as<double>(0), r[1].as<double>(0), r[2].as<double>(0));
      const pqxx::row retried = txn.exec_params1(
          absl::StrCat(
              "SELECT count(*) FILTER (WHERE attempts > 0), coalesce(string_agg(DISTINCT last_error, '; '), '') ",
              ack_timers),
          since);
      if (retried[0].as<int64_t>() > 0) {
        std::printf("  %lld handlers failed at least once and were retried: %s\n",
                    static_cast<long long>(retried[0].as<int64_t>()), retried[1].c_str());
      }
      return absl::OkStatus();
    });
  }

  void Herd(int n, double open_rate) {
    // Every acknowledgement falls due at one instant (as on the Monday after half-term), after all
    // are open: the lead comes from the open rate just measured.
    const double rate = open_rate > 0 ? open_rate : 200;
    const absl::Duration lead = std::min(absl::Seconds(n / rate * 1.5 + 5), kLetterAcknowledge - absl::Seconds(10));
    batch_start_ = absl::Now() - kLetterAcknowledge - absl::Seconds(1);
    const absl::Time due = absl::Now() + lead;
    const absl::Time opening = absl::Now();
    if (!OpenLetters(n, [&](int) { return due; })) std::printf("herd: some letters failed to open\n");
    std::printf("herd: opened %d letters in %.1f s; all fall due %.1f s after the start\n", n,
                absl::ToDoubleSeconds(absl::Now() - opening), absl::ToDoubleSeconds(lead));
    if (absl::Now() > due) std::printf("herd: WARNING the opening overran the due instant\n");
    absl::SleepFor(std::max(absl::ZeroDuration(), due - absl::Now()));
    ReportLateness("herd", n, due, due, absl::Seconds(120));
  }

  void Steady(int rate, int seconds) {
    // Deadlines spread evenly, `rate` a second, starting once all are open.
    const int n = rate * seconds;
    const absl::Duration lead = absl::Seconds(n / 200.0 + 5);
    batch_start_ = absl::Now() - kLetterAcknowledge - absl::Seconds(1);
    const absl::Time first = absl::Now() + lead;
    if (!OpenLetters(n, [&](int i) { return first + absl::Seconds(static_cast<double>(i) / rate); })) {
      std::printf("steady: some letters failed to open\n");
    }
    absl::SleepFor(std::max(absl::ZeroDuration(), first + absl::Seconds(seconds) - absl::Now()));
    ReportLateness(absl::StrCat("steady (", rate, "/s for ", seconds, " s)").c_str(), n, first,
                   first + absl::Seconds(seconds), absl::Seconds(60));
  }

 private:
  static bool Check(const absl::Status& s, const char* what) {
    if (!s.ok()) std::fprintf(stderr, "escalation_bench: %s: %s\n", what, std::string(s.message()).c_str());
    return s.ok();
  }

  std::string Token(std::vector<std::string> roles, std::vector<std::string> schools) {
    auth::Principal p;
    p.subject = "bench";
    p.roles = std::move(roles);
    p.schools = std::move(schools);
    return *signer_->Mint(p, absl::Hours(2));
  }

  ev1::OpenEnquiryRequest Request(const std::string& school, const Sender& s, ev1::Channel channel,
                                  absl::Time received) {
    ev1::OpenEnquiryRequest req;
    req.set_parent(school);
    ev1::Enquiry* e = req.mutable_enquiry();
    e->set_pupil(s.pupil);
    e->set_guardian(s.guardian);
    e->set_channel(channel);
    e->set_category("learning");
    *e->mutable_receive_time() = ToProto(received);
    e->set_subject("Reading book not changed");
    e->set_body_ref("bench/0001");
    req.set_request_id(e2e::NewUuid());
    return req;
  }

  grpc::Status Call(const ev1::OpenEnquiryRequest& req, ev1::Enquiry* out) {
    grpc::ClientContext ctx;
    ctx.AddMetadata("authorization", absl::StrCat("Bearer ", office_));
    ctx.set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(30));
    return stub_->OpenEnquiry(&ctx, req, out);
  }

  // St Mary's pupils with a class teacher, each with their first guardian.
  bool FindSenders() {
    auto contacts = kv1::ContactsService::NewStub(e2e::ServiceChannel(contacts_.grpc_port()));
    const std::string reader = Token({"office"}, {"st-marys"});
    grpc::ClientContext ctx;
    ctx.AddMetadata("authorization", absl::StrCat("Bearer ", reader));
    kv1::ListPupilsRequest req;
    req.set_parent("schools/st-marys");
    req.set_page_size(100);
    kv1::ListPupilsResponse pupils;
    if (!contacts->ListPupils(&ctx, req, &pupils).ok()) return false;
    for (const kv1::Pupil& p : pupils.pupils()) {
      if (p.class_teacher().empty()) continue;
      grpc::ClientContext gctx;
      gctx.AddMetadata("authorization", absl::StrCat("Bearer ", reader));
      kv1::ListGuardiansRequest greq;
      greq.set_pupil(p.name());
      kv1::ListGuardiansResponse guardians;
      if (!contacts->ListGuardians(&gctx, greq, &guardians).ok() || guardians.guardians_size() == 0) continue;
      senders_.push_back(Sender{p.name(), guardians.guardians(0).name()});
    }
    drill_ = Sender{"schools/drill/pupils/p-1", "guardians/drill-g-1"};
    return !senders_.empty();
  }

  const std::string admin_dsn_;
  const std::string redis_;
  std::vector<std::string> dbs_;
  auth::testing::KeyPair user_keys_ = auth::testing::GenerateEcP256();
  auth::testing::KeyPair service_keys_ = auth::testing::GenerateEcP256();
  e2e::ServiceProcess contacts_, conduct_, escalation_;
  std::unique_ptr<auth::Signer> signer_;
  std::unique_ptr<ev1::EscalationService::Stub> stub_;
  std::unique_ptr<pg::Pool> sql_;
  std::string office_;
  std::vector<Sender> senders_;
  Sender drill_;
  std::vector<std::pair<int, double>> rates_;
  absl::Time batch_start_;
};

}  // namespace
}  // namespace parley::bench

int main(int argc, char** argv) {
  CLI::App app{"escalation end to end: OpenEnquiry beside pgbench, timer herd and steady-state lateness"};
  int seconds = 10, herd = 10000, steady_rate = 50, steady_seconds = 30;
  std::string in_flight = "8,32";
  app.add_option("--seconds", seconds, "seconds per OpenEnquiry level and for pgbench");
  app.add_option("--in_flight", in_flight, "comma-separated OpenEnquiry concurrency levels");
  app.add_option("--herd", herd, "deadlines due at one instant (0 skips)");
  app.add_option("--steady_rate", steady_rate, "deadlines per second in the steady-state run (0 skips)");
  app.add_option("--steady_seconds", steady_seconds, "length of the steady-state run");
  CLI11_PARSE(app, argc, argv);
  std::setvbuf(stdout, nullptr, _IOLBF, 0);  // figures appear as they are measured, even into a pipe
  const char* pg = std::getenv("PARLEY_BENCH_PG_DSN");
  const char* redis = std::getenv("PARLEY_BENCH_REDIS_ADDR");
  if (pg == nullptr || redis == nullptr) {
    std::fprintf(stderr, "escalation_bench: set PARLEY_BENCH_PG_DSN and PARLEY_BENCH_REDIS_ADDR\n");
    return 2;
  }
  std::vector<int> levels;
  for (absl::string_view item : absl::StrSplit(in_flight, ',', absl::SkipEmpty())) {
    int k = 0;
    if (!absl::SimpleAtoi(item, &k) || k <= 0) return 2;
    levels.push_back(k);
  }
  parley::bench::Bench bench(pg, redis);
  if (!bench.SetUp()) return 2;
  const double rate = bench.OpenEnquiryBeside(levels, seconds);
  if (herd > 0) bench.Herd(herd, rate);
  if (steady_rate > 0) bench.Steady(steady_rate, steady_seconds);
  return 0;
}
