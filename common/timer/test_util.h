// Test-only helpers shared by timer_pgtest.cc and worker_redistest.cc: a pool on a test database
// with the timer schema and an effects table that handlers write to, so tests can count in SQL
// how often each timer's effect committed.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "common/pg/migrations.h"
#include "common/pg/pool.h"
#include "common/timer/timer.h"
#include "common/timer/worker.h"
#include "gtest/gtest.h"

namespace parley::timer::testutil {

inline std::unique_ptr<pg::Pool> MakePool(const std::string& dsn, int size = 8) {
  pg::PoolOptions opts;
  opts.dsn = dsn;
  opts.size = size;
  opts.application_name = "timer-test";
  absl::StatusOr<std::unique_ptr<pg::Pool>> pool = pg::Pool::Create(opts);
  EXPECT_TRUE(pool.ok()) << pool.status();
  return pool.ok() ? std::move(*pool) : nullptr;
}

// The timer schema, and timer_effects: one row per committed handler effect.
inline absl::Status Migrate(pg::Pool& pool) {
  absl::Status s = pg::ApplyMigrations(pool, kMigrationsService, Migrations());
  if (!s.ok()) return s;
  return pool.Transact([](pqxx::work& txn) {
    txn.exec0(
        "CREATE TABLE IF NOT EXISTS timer_effects (timer_id BIGINT NOT NULL, timer_key TEXT NOT NULL, "
        "note TEXT NOT NULL)");
    return absl::OkStatus();
  });
}

inline absl::StatusOr<TimerRef> ScheduleIn(pg::Pool& pool, const TimerSpec& spec) {
  absl::StatusOr<TimerRef> ref;
  absl::Status s = pool.Transact([&](pqxx::work& txn) {
    ref = Schedule(txn, spec);
    return ref.status();
  });
  if (!s.ok()) return s;
  return ref;
}

inline absl::Status CancelIn(pg::Pool& pool, const std::string& kind, const std::string& key) {
  return pool.Transact([&](pqxx::work& txn) { return Cancel(txn, kind, key); });
}

inline std::optional<Timer> FindIn(pg::Pool& pool, const std::string& kind, const std::string& key) {
  absl::StatusOr<std::optional<Timer>> found;
  absl::Status s = pool.Read([&](pqxx::work& txn) {
    found = Find(txn, kind, key);
    return found.status();
  });
  EXPECT_TRUE(s.ok()) << s;
  return s.ok() ? *found : std::nullopt;
}

// The single integer `sql` returns (-1 on error, with a test failure).
inline int64_t QueryInt(pg::Pool& pool, const std::string& sql) {
  int64_t value = -1;
  absl::Status s = pool.Read([&](pqxx::work& txn) {
    value = txn.exec1(sql)[0].as<int64_t>();
    return absl::OkStatus();
  });
  EXPECT_TRUE(s.ok()) << s;
  return value;
}

inline absl::Time DbNow(pg::Pool& pool) {
  return absl::FromUnixMicros(QueryInt(pool, "SELECT (extract(epoch FROM now()) * 1000000)::int8"));
}

// A handler whose effect is one timer_effects row marked with `note`.
inline Handler EffectHandler(const std::string& note) {
  return [note](pqxx::work& txn, const Timer& t) -> absl::StatusOr<std::optional<absl::Time>> {
    txn.exec_params0("INSERT INTO timer_effects (timer_id, timer_key, note) VALUES ($1, $2, $3)", t.id, t.key, note);
    return std::nullopt;
  };
}

}  // namespace parley::timer::testutil
