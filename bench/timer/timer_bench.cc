// timer_bench: a thundering herd of durable timers (common/timer). Schedules --timers timers due
// at one instant --lead seconds ahead (nudging the worker for each, as a service would), runs one
// Worker with each --threads count in turn, and prints how long after the due instant the last one
// fired and the lateness percentiles, computed in SQL from fired_at - due_at (the database's
// clock, the one that decides due-ness). Each handler writes one effect row, like a real one.
// Every --threads count runs with each --fire_batch in turn; --fire_batch=1 (one timer per
// transaction, as before batching) is the reference beside the batched runs.
//
// Servers come from the environment, as the test scripts set them for tests:
//   export PARLEY_BENCH_PG_DSN="host=127.0.0.1 port=55450 user=postgres dbname=postgres"
//   export PARLEY_BENCH_REDIS_ADDR=127.0.0.1:6395
//   timer_bench [--timers=10000] [--threads=2,4] [--fire_batch=1,32] [--lead=3]
// The bench makes (and drops) a database of its own on that server and uses a fresh key prefix;
// the Redis server must run with maxmemory-policy noeviction.
#include <cstdio>
#include <cstdlib>
#include <memory>
#include <random>
#include <string>
#include <vector>

#include "CLI/CLI.hpp"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_split.h"
#include "absl/time/clock.h"
#include "common/log/log.h"
#include "common/pg/migrations.h"
#include "common/pg/pool.h"
#include "common/redis/client.h"
#include "common/timer/timer.h"
#include "common/timer/worker.h"
#include "pqxx/pqxx"

namespace parley::timer {
namespace {

constexpr char kKind[] = "bench";
constexpr int kScheduleBatch = 500;

std::string RandomHex() {
  std::random_device rd;
  std::mt19937_64 rng((static_cast<uint64_t>(rd()) << 32) ^ rd());
  return absl::StrFormat("%016x", rng());
}

// A database of the bench's own on the server `admin_dsn` points at.
class ScratchDatabase {
 public:
  ScratchDatabase(std::string admin_dsn, std::string name) : admin_dsn_(std::move(admin_dsn)), name_(std::move(name)) {}
  ~ScratchDatabase() {
    try {
      pqxx::connection c(admin_dsn_);
      pqxx::nontransaction txn(c);
      txn.exec0("DROP DATABASE IF EXISTS " + txn.quote_name(name_) + " WITH (FORCE)");
    } catch (const std::exception& e) {
      std::fprintf(stderr, "timer_bench: could not drop database %s: %s\n", name_.c_str(), e.what());
    }
  }
  ScratchDatabase(const ScratchDatabase&) = delete;
  ScratchDatabase& operator=(const ScratchDatabase&) = delete;

  static std::unique_ptr<ScratchDatabase> Create(const std::string& admin_dsn) {
    const std::string name = "parley_timer_bench_" + RandomHex();
    try {
      pqxx::connection c(admin_dsn);
      pqxx::nontransaction txn(c);
      txn.exec0("CREATE DATABASE " + txn.quote_name(name));
    } catch (const std::exception& e) {
      std::fprintf(stderr, "timer_bench: could not create a database: %s\n", e.what());
      return nullptr;
    }
    return std::make_unique<ScratchDatabase>(admin_dsn, name);
  }

  // key=value DSNs: a later dbname wins.
  std::string dsn() const { return absl::StrCat(admin_dsn_, " dbname=", name_); }

 private:
  std::string admin_dsn_;
  std::string name_;
};

template <typename T>
bool Check(const absl::StatusOr<T>& v, const char* what) {
  if (v.ok()) return true;
  std::fprintf(stderr, "timer_bench: %s: %s\n", what, v.status().ToString().c_str());
  return false;
}

bool Check(const absl::Status& s, const char* what) {
  if (s.ok()) return true;
  std::fprintf(stderr, "timer_bench: %s: %s\n", what, s.ToString().c_str());
  return false;
}

struct Figures {
  int64_t fired = 0;
  double all_fired_s = 0;  // max(fired_at) - due
  double p50 = 0, p99 = 0, max = 0;
  double spread_s = 0;    // max(fired_at) - min(fired_at): the herd's firing window
  double wall_s = 0;      // due instant to the poller seeing the last one fired
  double schedule_s = 0;  // the Schedule transactions
  double notify_s = 0;    // the Notify calls after each commit
  std::string timeline;   // timers fired in each whole second after the due instant
};

bool RunOnce(const std::string& dsn, redis::Client& redis, int timers, int threads, int fire_batch, absl::Duration lead,
             Figures* out) {
  pg::PoolOptions popts;
  popts.dsn = dsn;
  popts.size = threads + 4;
  popts.application_name = "timer_bench";
  absl::StatusOr<std::unique_ptr<pg::Pool>> pool = pg::Pool::Create(popts);
  if (!Check(pool, "connect to PostgreSQL")) return false;
  if (!Check((*pool)->Transact([](pqxx::work& txn) {
        txn.exec0("TRUNCATE parley_timers, timer_effects");
        return absl::OkStatus();
      }),
             "reset tables")) {
    return false;
  }

  WorkerOptions wopts;
  wopts.redis_key_prefix = absl::StrCat("parley:timer_bench:", RandomHex(), ":");
  wopts.threads = threads;
  wopts.fire_batch = fire_batch;
  absl::StatusOr<std::unique_ptr<Worker>> worker = Worker::Create(pool->get(), &redis, wopts, nullptr);
  if (!Check(worker, "create the worker")) return false;
  if (!Check((*worker)->Register(kKind,
                                 [](pqxx::work& txn, const Timer& t) -> absl::StatusOr<std::optional<absl::Time>> {
                                   txn.exec_params0("INSERT INTO timer_effects (timer_id) VALUES ($1)", t.id);
                                   return std::nullopt;
                                 }),
             "register") ||
      !Check((*worker)->Start(), "start the worker")) {
    return false;
  }

  // One due instant for all, by the database's clock.
  absl::Time due;
  if (!Check((*pool)->Read([&](pqxx::work& txn) {
        due = absl::FromUnixMicros(txn.exec1("SELECT (extract(epoch FROM now()) * 1000000)::int8")[0].as<int64_t>()) +
              lead;
        return absl::OkStatus();
      }),
             "read the clock")) {
    return false;
  }
  const absl::Time local_due = absl::Now() + lead;
  const absl::Time schedule_start = absl::Now();
  absl::Duration notifying;
  for (int start = 0; start < timers; start += kScheduleBatch) {
    std::vector<TimerRef> refs;
    const absl::Status s = (*pool)->Transact([&](pqxx::work& txn) -> absl::Status {
      refs.clear();
      for (int i = start; i < std::min(timers, start + kScheduleBatch); ++i) {
        absl::StatusOr<TimerRef> ref = Schedule(txn, {kKind, absl::StrCat("t", i), due, ""});
        if (!ref.ok()) return ref.status();
        refs.push_back(*ref);
      }
      return absl::OkStatus();
    });
    if (!Check(s, "schedule")) return false;
    const absl::Time notify_start = absl::Now();
    for (const TimerRef& ref : refs) (*worker)->Notify(ref);
    notifying += absl::Now() - notify_start;
  }
  out->schedule_s = absl::ToDoubleSeconds(absl::Now() - schedule_start - notifying);
  out->notify_s = absl::ToDoubleSeconds(notifying);
  const absl::Duration scheduling = absl::Now() - schedule_start;
  if (scheduling >= lead) {
    std::fprintf(stderr, "timer_bench: scheduling took %.2f s, longer than --lead; raise --lead\n",
                 absl::ToDoubleSeconds(scheduling));
  }

  const absl::Time deadline = local_due + absl::Minutes(5);
  int64_t fired = 0;
  while (absl::Now() < deadline) {
    if (!Check((*pool)->Read([&](pqxx::work& txn) {
          fired = txn.exec1("SELECT count(*) FROM parley_timers WHERE state = 'fired'")[0].as<int64_t>();
          return absl::OkStatus();
        }),
               "count fired")) {
      return false;
    }
    if (fired == timers) break;
    absl::SleepFor(absl::Milliseconds(10));
  }
  out->wall_s = absl::ToDoubleSeconds(absl::Now() - local_due);
  (*worker)->Stop();
  out->fired = fired;
  const absl::Status stats = (*pool)->Read([&](pqxx::work& txn) {
    const pqxx::row r = txn.exec1(
        "SELECT percentile_cont(0.5) WITHIN GROUP (ORDER BY l), percentile_cont(0.99) WITHIN GROUP (ORDER BY l), "
        "max(l), extract(epoch FROM max(fired_at) - min(fired_at))::float8 "
        "FROM (SELECT extract(epoch FROM fired_at - due_at)::float8 AS l, fired_at FROM parley_timers "
        "WHERE state = 'fired') s");
    out->p50 = r[0].as<double>(0);
    out->p99 = r[1].as<double>(0);
    out->max = r[2].as<double>(0);
    out->all_fired_s = out->max;
    out->spread_s = r[3].as<double>(0);
    for (const pqxx::row& b :
         txn.exec("SELECT floor(extract(epoch FROM fired_at - due_at))::int AS s, count(*) FROM parley_timers "
                  "WHERE state = 'fired' GROUP BY s ORDER BY s")) {
      absl::StrAppend(&out->timeline, out->timeline.empty() ? "" : " ", b[1].as<int64_t>());
    }
    return absl::OkStatus();
  });
  (void)redis.Del(wopts.redis_key_prefix + "timers");
  (void)redis.Del(wopts.redis_key_prefix + "timers:reconciled");
  return Check(stats, "lateness figures");
}

// "1,32" → {1, 32}; empty on a bad item.
std::vector<int> ParseList(const std::string& list, int lo, int hi) {
  std::vector<int> out;
  for (absl::string_view item : absl::StrSplit(list, ',', absl::SkipEmpty())) {
    int v = 0;
    if (!absl::SimpleAtoi(item, &v) || v < lo || v > hi) return {};
    out.push_back(v);
  }
  return out;
}

int Run(int timers, const std::string& threads_list, const std::string& batch_list, double lead_seconds) {
  log::SetMinLevel(log::Level::kWarning);
  const char* pg_dsn = std::getenv("PARLEY_BENCH_PG_DSN");
  const char* redis_addr = std::getenv("PARLEY_BENCH_REDIS_ADDR");
  if (pg_dsn == nullptr || *pg_dsn == '\0' || redis_addr == nullptr || *redis_addr == '\0') {
    std::fprintf(stderr,
                 "timer_bench: set PARLEY_BENCH_PG_DSN (key=value libpq DSN) and PARLEY_BENCH_REDIS_ADDR "
                 "(host:port); scripts/stack.sh starts both\n");
    return 2;
  }
  if (std::string(pg_dsn).find("://") != std::string::npos) {
    std::fprintf(stderr, "timer_bench: PARLEY_BENCH_PG_DSN must be key=value (host=... user=...), not a URI\n");
    return 2;
  }
  absl::StatusOr<redis::RedisOptions> ropts = redis::ParseAddress(redis_addr);
  if (!Check(ropts, "PARLEY_BENCH_REDIS_ADDR")) return 2;
  absl::StatusOr<std::unique_ptr<redis::Client>> redis = redis::Client::Connect(*ropts);
  if (!Check(redis, "connect to Redis")) return 2;

  std::unique_ptr<ScratchDatabase> db = ScratchDatabase::Create(pg_dsn);
  if (db == nullptr) return 2;
  {
    pg::PoolOptions popts;
    popts.dsn = db->dsn();
    popts.size = 1;
    absl::StatusOr<std::unique_ptr<pg::Pool>> pool = pg::Pool::Create(popts);
    if (!Check(pool, "connect to PostgreSQL") ||
        !Check(pg::ApplyMigrations(**pool, kMigrationsService, Migrations()), "migrate") ||
        !Check((*pool)->Transact([](pqxx::work& txn) {
          txn.exec0("CREATE TABLE timer_effects (timer_id BIGINT NOT NULL)");
          return absl::OkStatus();
        }),
               "create the effects table")) {
      return 2;
    }
  }

  std::printf("timer_bench: %d timers due at one instant %.1f s ahead; one worker; claim batch %d\n", timers,
              lead_seconds, WorkerOptions().claim_batch);
  const std::vector<int> thread_counts = ParseList(threads_list, 1, 64);
  const std::vector<int> batches = ParseList(batch_list, 1, 64);
  if (thread_counts.empty() || batches.empty()) {
    std::fprintf(stderr, "timer_bench: --threads and --fire_batch take numbers 1..64\n");
    return 2;
  }
  for (int threads : thread_counts) {
    for (int batch : batches) {
      Figures f;
      if (!RunOnce(db->dsn(), **redis, timers, threads, batch, absl::Seconds(lead_seconds), &f)) return 1;
      std::printf(
          "  threads=%-2d fire_batch=%-2d fired=%lld  all fired %.3f s after due (poller saw it at %.3f s)  "
          "lateness p50=%.3f s p99=%.3f s max=%.3f s  firing rate %.0f/s\n",
          threads, batch, static_cast<long long>(f.fired), f.all_fired_s, f.wall_s, f.p50, f.p99, f.max,
          f.spread_s > 0 ? static_cast<double>(f.fired) / f.spread_s : 0.0);
      std::printf("              fired per second after due: %s\n", f.timeline.c_str());
      std::printf("              (scheduling took %.2f s in Schedule transactions, %.2f s in Notify)\n", f.schedule_s,
                  f.notify_s);
    }
  }
  return 0;
}

}  // namespace
}  // namespace parley::timer

int main(int argc, char** argv) {
  CLI::App app{"Lateness of a herd of durable timers due at one instant"};
  int timers = 10000;
  std::string threads = "2,4";
  std::string fire_batch = "1,32";
  double lead = 3;
  app.add_option("--timers", timers, "timers due at the same instant")->check(CLI::Range(1, 1000000));
  app.add_option("--threads", threads, "comma-separated firing-thread counts, one run each");
  app.add_option("--fire_batch", fire_batch, "comma-separated timers per transaction (1..64), one run each");
  app.add_option("--lead", lead, "seconds between now and the due instant (scheduling must fit in it)")
      ->check(CLI::Range(0.5, 600.0));
  CLI11_PARSE(app, argc, argv);
  std::setvbuf(stdout, nullptr, _IOLBF, 0);  // figures appear as they are measured, even into a pipe
  return parley::timer::Run(timers, threads, fire_batch, lead);
}
