// rush_bench: the moment a parents' evening opens for booking. 1,000 bookers (guardians) arrive at
// one instant for one evening's slots (10 teachers x 30 ten-minute slots); each holds a slot with a
// teacher through PgBookingStore::Hold and confirms it with Confirm, and on SLOT_TAKEN tries another
// slot of the same teacher (at most --attempts tries, as a parent would after "slot just taken").
// The bookers are served by --connections worker threads over a pool of as many connections: a
// service replica's database pool, not 1,000 connections.
//
//   1. the rush, --rounds times (each a fresh evening): bookings confirmed per second of the
//      round's wall time, attempts per second, latency of a successful hold+confirm (p50, p99) and
//      of a lost attempt (to its ABORTED), the ABORTED count, and the double bookings counted in
//      SQL afterwards (a self-join of overlapping active occupancy rows: must be 0);
//   1b. the same rush with bookers who look before they pick: each chooses among the slots its
//      teacher's busy times (ListBusy) leave free, and gives up when none is left;
//   2. the same bookers without contention (each its own slot: 20 teachers x 50 slots), the store's
//      plain hold+confirm rate;
//   3. the reference, same server, same concurrency: single-row INSERTs into a plain table (one
//      bigserial key, no other index), autocommit, one connection per thread; and the same inside a
//      BEGIN/COMMIT (pqxx::work), as the store's transactions are.
//
// Figures only; no assertions. The database is made for the run and dropped afterwards.
//
//   export PARLEY_BENCH_PG_DSN="host=127.0.0.1 port=55449 user=postgres dbname=postgres"
//   rush_bench [--bookers 1000] [--connections 16] [--rounds 3] [--attempts 3]
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cstdio>
#include <cstdlib>
#include <memory>
#include <random>
#include <string>
#include <thread>
#include <vector>

#include "CLI/CLI.hpp"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/synchronization/mutex.h"
#include "absl/synchronization/notification.h"
#include "absl/time/clock.h"
#include "bench/common/admin.h"
#include "common/log/log.h"
#include "common/pg/migrations.h"
#include "common/pg/pool.h"
#include "common/status/reason.h"
#include "common/status/reasons.h"
#include "pqxx/pqxx"
#include "services/appointments/migrations.h"
#include "services/appointments/store/pg_booking_store.h"

namespace parley::appointments {
namespace {

constexpr char kSchool[] = "bench-school";
// 2026-03-02 16:00 UTC, the first evening; round r is r days later.
const absl::Time kEvening = absl::FromUnixSeconds(1772467200);

int64_t Count(const std::string& dsn, const std::string& sql) {
  try {
    pqxx::connection c(dsn);
    pqxx::nontransaction n(c);
    return n.exec1(sql)[0].as<int64_t>();
  } catch (const std::exception&) {
    return -1;
  }
}

std::atomic<int64_t> request_counter{0};
RequestKey NewKey(const char* method) {
  const int64_t n = ++request_counter;
  return RequestKey{absl::StrCat(kSchool, "/appointments.", method),
                    absl::StrFormat("00000000-0000-4000-8000-%012d", n), absl::StrCat(method, n)};
}

absl::Duration Percentile(std::vector<absl::Duration> v, double p) {
  if (v.empty()) return absl::ZeroDuration();
  std::sort(v.begin(), v.end());
  const size_t i = std::min(v.size() - 1, static_cast<size_t>(p * static_cast<double>(v.size())));
  return v[i];
}

double Ms(absl::Duration d) { return absl::ToDoubleMilliseconds(d); }

struct RushResult {
  absl::Duration wall;
  int64_t confirmed = 0, attempts = 0, aborted = 0, other = 0, found_full = 0;
  std::vector<absl::Duration> won, lost;
  std::string first_other;
};

// `bookers` guardians at once over `threads` workers. contended: each picks a random teacher of
// `teachers` and a random slot of `slots` (with `look`, a random one of the slots the teacher's busy
// times leave free, as the app would show them; none free: the booker gives up), and on SLOT_TAKEN
// another, up to `attempts` tries; otherwise booker i takes slot i (no two want the same).
RushResult Rush(PgBookingStore& store, int round, int bookers, int threads, int teachers, int slots, int attempts,
                bool contended, bool look = false) {
  RushResult out;
  absl::Mutex mu;
  std::atomic<int> next{0};
  absl::Notification go;
  const absl::Time evening = kEvening + absl::Hours(24) * round;
  const absl::Time now = evening - absl::Hours(24 * 7);
  std::vector<std::thread> workers;
  for (int w = 0; w < threads; ++w) {
    workers.emplace_back([&] {
      RushResult mine;
      go.WaitForNotification();
      for (int i = next++; i < bookers; i = next++) {
        std::mt19937 rng(static_cast<uint32_t>(round * 100003 + i));
        const int teacher = contended ? static_cast<int>(rng() % teachers) : i % teachers;
        for (int attempt = 0; attempt < (contended ? attempts : 1); ++attempt) {
          int slot = contended ? static_cast<int>(rng() % slots) : i / teachers;
          if (look) {
            absl::StatusOr<std::vector<Interval>> busy =
                store.ListBusy(kSchool, {OccupantKind::kStaff, absl::StrCat("t", teacher)}, evening,
                               evening + absl::Minutes(10 * slots), now);
            if (!busy.ok()) {
              ++mine.other;
              if (mine.first_other.empty()) mine.first_other = busy.status().ToString();
              break;
            }
            std::vector<bool> taken(slots, false);
            for (const Interval& t : *busy) {
              const int64_t k = (t.start - evening) / absl::Minutes(10);
              if (k >= 0 && k < slots) taken[k] = true;
            }
            std::vector<int> free;
            for (int k = 0; k < slots; ++k) {
              if (!taken[k]) free.push_back(k);
            }
            if (free.empty()) {
              ++mine.found_full;
              break;
            }
            slot = free[rng() % free.size()];
          }
          Booking b;
          b.id = absl::StrCat("r", round, "-g", i, "-a", attempt);
          b.school_id = kSchool;
          b.evening_id = absl::StrCat("ev-", round);
          b.kind = BookingKind::kEvening;
          b.during = Interval{evening + absl::Minutes(10 * slot), evening + absl::Minutes(10 * slot + 10)};
          b.staff_ids = {absl::StrCat("t", teacher)};
          b.guardian_ids = {absl::StrCat("g", i)};
          b.pupil_ids = {absl::StrCat("p", i)};
          b.created_by = b.guardian_ids.front();
          const absl::Time t0 = absl::Now();
          absl::StatusOr<std::vector<Booking>> held = store.Hold(NewKey("Hold"), {b}, absl::Minutes(2), now);
          absl::Status s = held.status();
          if (held.ok()) {
            s = store.Confirm(NewKey("Confirm"), kSchool, held->front().hold_id, {b.id}, now + absl::Seconds(20))
                    .status();
          }
          const absl::Duration took = absl::Now() - t0;
          ++mine.attempts;
          if (s.ok()) {
            ++mine.confirmed;
            mine.won.push_back(took);
            break;
          }
          mine.lost.push_back(took);
          if (s.code() == absl::StatusCode::kAborted) {
            ++mine.aborted;
            if (ErrorReason(s) == reason::kSlotTaken) continue;
          } else {
            ++mine.other;
            if (mine.first_other.empty()) mine.first_other = s.ToString();
          }
          break;
        }
      }
      absl::MutexLock lock(&mu);
      out.confirmed += mine.confirmed;
      out.attempts += mine.attempts;
      out.aborted += mine.aborted;
      out.other += mine.other;
      out.found_full += mine.found_full;
      out.won.insert(out.won.end(), mine.won.begin(), mine.won.end());
      out.lost.insert(out.lost.end(), mine.lost.begin(), mine.lost.end());
      if (out.first_other.empty()) out.first_other = mine.first_other;
    });
  }
  const absl::Time t0 = absl::Now();
  go.Notify();
  for (std::thread& t : workers) t.join();
  out.wall = absl::Now() - t0;
  return out;
}

int64_t DoubleBookings(const std::string& dsn) {
  return Count(dsn,
               "SELECT count(*) FROM occupancy a JOIN occupancy b ON a.school_id = b.school_id AND "
               "a.occupant_kind = b.occupant_kind AND a.occupant_id = b.occupant_id AND a.during && b.during AND "
               "a.booking_id < b.booking_id WHERE a.active AND b.active");
}

void Print(const char* label, const RushResult& r) {
  const double secs = absl::ToDoubleSeconds(r.wall);
  std::printf(
      "  %-8s %4ld confirmed in %.3f s = %6.0f bookings/s; %5ld attempts = %6.0f /s; hold+confirm p50 %.1f ms "
      "p99 %.1f ms; lost attempt p50 %.1f ms p99 %.1f ms; ABORTED %ld, found the teacher full %ld, other errors "
      "%ld%s%s\n",
      label, static_cast<long>(r.confirmed), secs, static_cast<double>(r.confirmed) / secs,
      static_cast<long>(r.attempts), static_cast<double>(r.attempts) / secs, Ms(Percentile(r.won, 0.5)),
      Ms(Percentile(r.won, 0.99)), Ms(Percentile(r.lost, 0.5)), Ms(Percentile(r.lost, 0.99)),
      static_cast<long>(r.aborted), static_cast<long>(r.found_full), static_cast<long>(r.other),
      r.first_other.empty() ? "" : " first: ", r.first_other.c_str());
}

int Run(const std::string& admin_dsn, int bookers, int connections, int rounds, int attempts, int teachers, int slots) {
  log::SetMinLevel(log::Level::kError);
  std::printf("rush_bench: %ld cores, %s\n", sysconf(_SC_NPROCESSORS_ONLN), bench::LoadAverage().c_str());
  const std::string db = absl::StrCat("rush_bench_", getpid());
  if (absl::Status s = bench::AdminSql(admin_dsn, absl::StrCat("CREATE DATABASE ", db)); !s.ok()) {
    std::fprintf(stderr, "rush_bench: cannot create a database: %s\n", std::string(s.message()).c_str());
    return 2;
  }
  const std::string dsn = absl::StrCat(admin_dsn, " dbname=", db);
  int rc = 0;
  {
    pg::PoolOptions popts;
    popts.dsn = dsn;
    popts.size = connections;
    popts.acquire_timeout = absl::Seconds(60);
    popts.application_name = "rush_bench";
    auto pool = pg::Pool::Create(popts);
    if (!pool.ok() || !pg::ApplyMigrations(**pool, "appointments", Migrations()).ok()) {
      std::fprintf(stderr, "rush_bench: database set-up failed\n");
      rc = 2;
    } else {
      PgBookingStore store(pool->get());
      // Warm-up (not reported): every connection made and its statements prepared.
      Rush(store, 1000, 4 * connections, connections, connections, 4, 1, false);

      std::printf(
          "\n1. the rush: %d bookers at one instant for %d teachers x %d slots, %d worker threads over %d pooled "
          "connections, up to %d tries each, %s\n",
          bookers, teachers, slots, connections, connections, attempts, bench::LoadAverage().c_str());
      std::vector<double> rates;
      for (int r = 0; r < rounds; ++r) {
        RushResult res = Rush(store, r, bookers, connections, teachers, slots, attempts, true);
        Print(absl::StrCat("round ", r + 1).c_str(), res);
        rates.push_back(static_cast<double>(res.confirmed) / absl::ToDoubleSeconds(res.wall));
      }
      std::printf("  double bookings (SQL self-join of overlapping active occupancy rows): %ld; confirmed: %ld\n",
                  static_cast<long>(DoubleBookings(dsn)),
                  static_cast<long>(Count(dsn, "SELECT count(*) FROM bookings WHERE state = 'confirmed'")));

      std::printf("\n1b. the same rush, each booker choosing among the teacher's free slots (ListBusy) first, %s\n",
                  bench::LoadAverage().c_str());
      std::vector<double> look_rates;
      for (int r = 0; r < rounds; ++r) {
        RushResult res = Rush(store, 50 + r, bookers, connections, teachers, slots, attempts, true, true);
        Print(absl::StrCat("round ", r + 1).c_str(), res);
        look_rates.push_back(static_cast<double>(res.confirmed) / absl::ToDoubleSeconds(res.wall));
      }
      std::printf("  double bookings: %ld\n", static_cast<long>(DoubleBookings(dsn)));

      std::printf("\n2. without contention: %d bookers, each its own slot (20 teachers x %d slots), %s\n", bookers,
                  (bookers + 19) / 20, bench::LoadAverage().c_str());
      std::vector<double> free_rates;
      for (int r = 0; r < rounds; ++r) {
        RushResult res = Rush(store, 100 + r, bookers, connections, 20, slots, 1, false);
        Print(absl::StrCat("round ", r + 1).c_str(), res);
        free_rates.push_back(static_cast<double>(res.confirmed) / absl::ToDoubleSeconds(res.wall));
      }
      std::printf("  double bookings: %ld\n", static_cast<long>(DoubleBookings(dsn)));

      std::printf("\n3. reference: single-row INSERT into a plain table, %d connections, 3 s each, %s\n", connections,
                  bench::LoadAverage().c_str());
      const double autocommit = bench::SingleRowInserts(dsn, connections, absl::Seconds(3), false);
      const double in_txn = bench::SingleRowInserts(dsn, connections, absl::Seconds(3), true);
      std::printf("  autocommit %.0f /s; in BEGIN/COMMIT %.0f /s\n", autocommit, in_txn);

      std::sort(rates.begin(), rates.end());
      std::sort(free_rates.begin(), free_rates.end());
      std::sort(look_rates.begin(), look_rates.end());
      const double rush = rates[rates.size() / 2], free = free_rates[free_rates.size() / 2],
                   look = look_rates[look_rates.size() / 2];
      std::printf(
          "\nsummary (medians): rush %.0f bookings/s = %.0f%% of autocommit INSERT, %.0f%% of INSERT in "
          "BEGIN/COMMIT; rush looking first %.0f bookings/s = %.0f%% / %.0f%%; without contention %.0f bookings/s = "
          "%.0f%% / %.0f%%; %s\n",
          rush, 100 * rush / autocommit, 100 * rush / in_txn, look, 100 * look / autocommit, 100 * look / in_txn, free,
          100 * free / autocommit, 100 * free / in_txn, bench::LoadAverage().c_str());
    }
  }
  if (absl::Status s = bench::AdminSql(admin_dsn, absl::StrCat("DROP DATABASE ", db, " WITH (FORCE)")); !s.ok()) {
    std::fprintf(stderr, "rush_bench: could not drop %s: %s\n", db.c_str(), std::string(s.message()).c_str());
  }
  return rc;
}

}  // namespace
}  // namespace parley::appointments

int main(int argc, char** argv) {
  CLI::App app{"rush_bench: a parents' evening opening for booking, beside PostgreSQL's INSERT rate"};
  int bookers = 1000, connections = 16, rounds = 3, attempts = 3, teachers = 10, slots = 30;
  app.add_option("--bookers", bookers, "guardians arriving at once");
  app.add_option("--connections", connections, "worker threads and pooled connections (and reference connections)");
  app.add_option("--rounds", rounds, "rushes, each on a fresh evening");
  app.add_option("--attempts", attempts, "tries per booker (a new slot after SLOT_TAKEN)");
  app.add_option("--teachers", teachers, "teachers at the evening");
  app.add_option("--slots", slots, "ten-minute slots per teacher");
  CLI11_PARSE(app, argc, argv);
  const char* dsn = std::getenv("PARLEY_BENCH_PG_DSN");
  if (dsn == nullptr || *dsn == '\0') {
    std::fprintf(stderr,
                 "rush_bench: set PARLEY_BENCH_PG_DSN (key=value libpq DSN of a server it may create a database on)\n");
    return 2;
  }
  if (bookers < 1 || connections < 1 || rounds < 1 || attempts < 1 || teachers < 1 || slots < 1) {
    std::fprintf(stderr, "rush_bench: every count must be positive\n");
    return 2;
  }
  return parley::appointments::Run(dsn, bookers, connections, rounds, attempts, teachers, slots);
}
