#include "bench/common/admin.h"

#include <atomic>
#include <cstdlib>
#include <exception>
#include <thread>
#include <vector>

#include "pqxx/pqxx"

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/synchronization/notification.h"
#include "absl/time/clock.h"

namespace parley::bench {

absl::Status AdminSql(const std::string& dsn, const std::string& sql) {
  try {
    pqxx::connection c(dsn);
    pqxx::nontransaction n(c);
    n.exec(sql);
    return absl::OkStatus();
  } catch (const std::exception& e) {
    return absl::UnavailableError(e.what());
  }
}

double SingleRowInserts(const std::string& dsn, int connections, absl::Duration duration, bool in_transaction) {
  if (!AdminSql(dsn,
                "CREATE TABLE IF NOT EXISTS bench_plain (id bigserial PRIMARY KEY, owner text NOT NULL, "
                "at timestamptz NOT NULL)")
           .ok()) {
    return 0;
  }
  std::atomic<int64_t> done{0};
  std::atomic<bool> failed{false}, stop{false};
  absl::Notification go;
  std::vector<std::thread> workers;
  for (int w = 0; w < connections; ++w) {
    workers.emplace_back([&, w] {
      try {
        pqxx::connection c(dsn);
        c.prepare("ins", "INSERT INTO bench_plain (owner, at) VALUES ($1, now())");
        const std::string owner = absl::StrCat("w", w);
        go.WaitForNotification();
        while (!stop.load()) {
          if (in_transaction) {
            pqxx::work t(c);
            t.exec_prepared("ins", owner);
            t.commit();
          } else {
            pqxx::nontransaction t(c);
            t.exec_prepared("ins", owner);
          }
          ++done;
        }
      } catch (const std::exception&) {
        failed = true;
      }
    });
  }
  absl::SleepFor(absl::Milliseconds(200));  // connections made before the clock starts
  const int64_t before = done.load();
  const absl::Time start = absl::Now();
  go.Notify();
  absl::SleepFor(duration);
  const int64_t count = done.load() - before;
  const absl::Duration elapsed = absl::Now() - start;
  stop = true;
  for (std::thread& t : workers) t.join();
  return failed ? 0 : static_cast<double>(count) / absl::ToDoubleSeconds(elapsed);
}

std::string LoadAverage() {
  double avg[3] = {0, 0, 0};
  if (getloadavg(avg, 3) != 3) return "load average unknown";
  return absl::StrFormat("load average %.2f %.2f %.2f", avg[0], avg[1], avg[2]);
}

}  // namespace parley::bench
