// Fault tests of the timer worker against real servers: a worker killed between claim and commit,
// a wiped Redis, two replicas on the same timers, Redis going away, and the refusal to start on
// an evicting Redis. Effects are rows in timer_effects, counted in SQL: "exactly once" means one
// row per timer, however the run went.
//
// Tests that FLUSHALL, kill Redis or need another policy run their own server (OwnedRedis); the
// others use the shared test Redis under a key prefix of their own.
#include <poll.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <atomic>
#include <memory>
#include <optional>
#include <string>
#include <thread>
#include <tuple>
#include <vector>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "common/pg/pool.h"
#include "common/redis/client.h"
#include "common/status/reason.h"
#include "common/testing/owned_redis.h"
#include "common/testing/sync.h"
#include "common/testing/test_database.h"
#include "common/testing/test_redis.h"
#include "common/timer/test_util.h"
#include "common/timer/timer.h"
#include "common/timer/worker.h"
#include "gtest/gtest.h"
#include "prometheus/registry.h"

namespace parley::timer {
namespace {

using testutil::DbNow;
using testutil::FindIn;
using testutil::QueryInt;

constexpr char kKind[] = "deadline";

WorkerOptions FastOptions(const std::string& prefix) {
  WorkerOptions opts;
  opts.redis_key_prefix = prefix;
  opts.max_idle = absl::Milliseconds(100);
  opts.reconcile_interval = absl::Hours(1);  // recovery must not wait for the periodic run
  opts.retry_backoff_base = absl::Milliseconds(50);
  opts.retry_backoff_max = absl::Milliseconds(200);
  return opts;
}

// Schedules `n` timers keyed "<prefix><i>", due `due` (spread by `spread` across them), in one
// transaction; returns their refs.
std::vector<TimerRef> ScheduleMany(pg::Pool& pool, const std::string& prefix, int n, absl::Time due,
                                   absl::Duration spread = absl::ZeroDuration()) {
  std::vector<TimerRef> refs;
  const absl::Status s = pool.Transact([&](pqxx::work& txn) -> absl::Status {
    refs.clear();
    for (int i = 0; i < n; ++i) {
      auto ref = Schedule(txn, {kKind, absl::StrCat(prefix, i), due + spread * i / std::max(1, n), ""});
      if (!ref.ok()) return ref.status();
      refs.push_back(*ref);
    }
    return absl::OkStatus();
  });
  EXPECT_TRUE(s.ok()) << s;
  return refs;
}

int64_t Fired(pg::Pool& pool) { return QueryInt(pool, "SELECT count(*) FROM parley_timers WHERE state = 'fired'"); }

// Every timer's effect committed exactly once: as many rows as timers, none twice.
void ExpectExactlyOnce(pg::Pool& pool, int64_t timers) {
  EXPECT_EQ(QueryInt(pool, "SELECT count(*) FROM timer_effects"), timers);
  EXPECT_EQ(QueryInt(pool, "SELECT count(DISTINCT timer_id) FROM timer_effects"), timers);
  EXPECT_EQ(QueryInt(pool,
                     "SELECT count(*) FROM parley_timers t WHERE t.state <> 'fired' OR "
                     "(SELECT count(*) FROM timer_effects e WHERE e.timer_id = t.id) <> 1"),
            0);
}

double MetricValue(prometheus::Registry& registry, const std::string& name, const std::string& label_value = "") {
  double total = 0;
  for (const auto& family : registry.Collect()) {
    if (family.name != name) continue;
    for (const auto& m : family.metric) {
      if (!label_value.empty() && (m.label.empty() || m.label[0].value != label_value)) continue;
      total += m.counter.value;
    }
  }
  return total;
}

std::unique_ptr<redis::Client> Connect(const redis::RedisOptions& opts) {
  auto client = redis::Client::Connect(opts);
  EXPECT_TRUE(client.ok()) << client.status();
  return client.ok() ? std::move(*client) : nullptr;
}

std::unique_ptr<Worker> NewWorker(pg::Pool* pool, redis::Client* redis, const WorkerOptions& opts,
                                  const std::string& note, prometheus::Registry* registry = nullptr) {
  auto worker = Worker::Create(pool, redis, opts, registry);
  EXPECT_TRUE(worker.ok()) << worker.status();
  if (!worker.ok()) return nullptr;
  EXPECT_TRUE((*worker)->Register(kKind, testutil::EffectHandler(note)).ok());
  return std::move(*worker);
}

// (1) A worker dies (kill -9) after its handler wrote the effect but before the commit. Its
// transaction rolls back with the connection, and another worker fires the timer: one effect.
TEST(TimerWorkerFault, WorkerKilledBetweenClaimAndCommit) {
  PARLEY_REQUIRE_TEST_DB(db);
  PARLEY_REQUIRE_TEST_REDIS(redis_env);
  auto pool = testutil::MakePool(db.dsn());
  ASSERT_NE(pool, nullptr);
  ASSERT_TRUE(testutil::Migrate(*pool).ok());
  auto ref = testutil::ScheduleIn(*pool, {kKind, "victim", DbNow(*pool) - absl::Seconds(1), ""});
  ASSERT_TRUE(ref.ok());

  // Fork while this process has no threads; the child makes its own connections and never
  // returns into the test.
  int ready[2];
  ASSERT_EQ(pipe(ready), 0);
  const pid_t child = fork();
  ASSERT_GE(child, 0);
  if (child == 0) {
    close(ready[0]);
    auto child_pool = testutil::MakePool(db.dsn(), 4);
    auto child_redis = redis::Client::Connect(redis_env.options());
    if (child_pool == nullptr || !child_redis.ok()) _exit(2);
    auto worker = Worker::Create(child_pool.get(), child_redis->get(), FastOptions(redis_env.Key("")), nullptr);
    if (!worker.ok()) _exit(3);
    const int fd = ready[1];
    const absl::Status registered =
        (*worker)->Register(kKind, [fd](pqxx::work& txn, const Timer& t) -> absl::StatusOr<std::optional<absl::Time>> {
          txn.exec_params0("INSERT INTO timer_effects (timer_id, timer_key, note) VALUES ($1, $2, 'child')", t.id,
                           t.key);
          const char byte = 'R';
          if (write(fd, &byte, 1) != 1) _exit(4);
          for (;;) pause();  // the transaction stays open until the parent kills us
        });
    if (!registered.ok() || !(*worker)->Start().ok()) _exit(5);
    for (;;) pause();
  }
  close(ready[1]);

  // Wait (bounded) until the child's handler has written its effect inside the open transaction.
  pollfd pfd{ready[0], POLLIN, 0};
  ASSERT_EQ(poll(&pfd, 1, 30000), 1) << "the child worker never ran the handler";
  char byte = 0;
  ASSERT_EQ(read(ready[0], &byte, 1), 1);
  ASSERT_EQ(byte, 'R');
  close(ready[0]);

  auto pool2 = testutil::MakePool(db.dsn(), 4);
  auto redis2 = Connect(redis_env.options());
  auto worker = NewWorker(pool2.get(), redis2.get(), FastOptions(redis_env.Key("")), "parent");
  ASSERT_NE(worker, nullptr);
  // While the child holds the row: skipped at once, not waited for; its effect is invisible.
  EXPECT_EQ(*worker->FireDueNow(), 0);
  EXPECT_EQ(QueryInt(*pool, "SELECT count(*) FROM timer_effects"), 0);

  ASSERT_EQ(kill(child, SIGKILL), 0);
  int status = 0;
  ASSERT_EQ(waitpid(child, &status, 0), child);
  ASSERT_TRUE(WIFSIGNALED(status));

  // The server rolls the dead session back; then the timer is free to fire.
  int fired = 0;
  ASSERT_TRUE(testing::PollUntil([&] {
    fired += worker->FireDueNow().value_or(0);
    return fired >= 1;
  }));
  EXPECT_EQ(fired, 1);
  ExpectExactlyOnce(*pool, 1);
  EXPECT_EQ(QueryInt(*pool, "SELECT count(*) FROM timer_effects WHERE note = 'parent'"), 1);
  std::optional<Timer> t = FindIn(*pool, kKind, "victim");
  EXPECT_EQ(t->state, TimerState::kFired);
  EXPECT_EQ(t->version, ref->version + 1);
}

// (2) Redis loses everything (FLUSHALL, or a restart without persistence) after the timers were
// indexed: the worker notices the missing marker, polls PostgreSQL meanwhile, rebuilds the set,
// and every timer fires exactly once, long before the hourly reconcile.
TEST(TimerWorkerFault, AllTimersFireAfterRedisIsWiped) {
  PARLEY_REQUIRE_TEST_DB(db);
  PARLEY_REQUIRE_OWNED_REDIS(server, {});
  auto pool = testutil::MakePool(db.dsn(), 8);
  ASSERT_TRUE(testutil::Migrate(*pool).ok());
  auto redis = Connect(server->options());
  auto admin = Connect(server->options());
  prometheus::Registry registry;
  WorkerOptions opts = FastOptions("parley:test:");
  opts.threads = 3;
  auto worker = NewWorker(pool.get(), redis.get(), opts, "w", &registry);
  ASSERT_NE(worker, nullptr);

  constexpr int kTimers = 500;
  const absl::Time now = DbNow(*pool);
  ScheduleMany(*pool, "n", kTimers / 2, now);                                       // due now
  ScheduleMany(*pool, "s", kTimers / 2, now + absl::Seconds(1), absl::Seconds(2));  // due soon
  ASSERT_TRUE(worker->Start().ok());                                                // the reconcile indexes all of them
  EXPECT_GT(*admin->ZCard(worker->zset_key()), 0);

  ASSERT_TRUE(admin->Command({"FLUSHALL"}).ok());
  ASSERT_TRUE(testing::PollUntil([&] { return Fired(*pool) == kTimers; }, absl::Seconds(60)));
  // Fired members leave the set again; one a reconcile re-indexed just as its timer fired is
  // removed when the dispatcher next reaches it, so wait for that rather than race it.
  EXPECT_TRUE(testing::PollUntil([&] { return *admin->ZCard(worker->zset_key()) == 0; }, absl::Seconds(10)));
  worker->Stop();

  ExpectExactlyOnce(*pool, kTimers);
  EXPECT_GE(MetricValue(registry, "parley_timer_reconcile_runs_total", "ok"), 2);  // start + after the wipe
}

// (3) Two replicas (separate pools and Redis connections, one sorted set) on 1,000 timers due at
// once and one lone timer: every effect exactly once.
TEST(TimerWorkerFault, TwoWorkersFireEachTimerOnce) {
  PARLEY_REQUIRE_TEST_DB(db);
  PARLEY_REQUIRE_TEST_REDIS(redis_env);
  auto setup = testutil::MakePool(db.dsn(), 2);
  ASSERT_TRUE(testutil::Migrate(*setup).ok());
  auto pool_a = testutil::MakePool(db.dsn(), 6);
  auto pool_b = testutil::MakePool(db.dsn(), 6);
  auto redis_a = Connect(redis_env.options());
  auto redis_b = Connect(redis_env.options());
  const WorkerOptions opts = FastOptions(redis_env.Key(""));
  auto a = NewWorker(pool_a.get(), redis_a.get(), opts, "a");
  auto b = NewWorker(pool_b.get(), redis_b.get(), opts, "b");
  ASSERT_TRUE(a != nullptr && b != nullptr);
  ASSERT_TRUE(a->Start().ok());
  ASSERT_TRUE(b->Start().ok());

  constexpr int kTimers = 1000;
  const absl::Time due = DbNow(*setup) + absl::Milliseconds(500);
  std::vector<TimerRef> refs = ScheduleMany(*setup, "bulk", kTimers, due);
  auto lone = testutil::ScheduleIn(*setup, {kKind, "lone", due, ""});
  ASSERT_TRUE(lone.ok());
  refs.push_back(*lone);
  for (const TimerRef& ref : refs) a->Notify(ref);  // one replica's nudge reaches both via Redis

  ASSERT_TRUE(testing::PollUntil([&] { return Fired(*setup) == kTimers + 1; }, absl::Seconds(120)));
  a->Stop();
  b->Stop();
  ExpectExactlyOnce(*setup, kTimers + 1);
  std::printf("two workers: a fired %lld, b fired %lld\n",
              static_cast<long long>(QueryInt(*setup, "SELECT count(*) FROM timer_effects WHERE note = 'a'")),
              static_cast<long long>(QueryInt(*setup, "SELECT count(*) FROM timer_effects WHERE note = 'b'")));
}

// (3b) Two replicas racing over one herd, each firing in batches: every timer exactly once, and
// some batches hold several timers (fewer transactions than timers).
TEST(TimerWorkerFault, TwoWorkersRaceOverAHerdInBatches) {
  PARLEY_REQUIRE_TEST_DB(db);
  PARLEY_REQUIRE_TEST_REDIS(redis_env);
  auto setup = testutil::MakePool(db.dsn(), 2);
  ASSERT_TRUE(testutil::Migrate(*setup).ok());
  auto pool_a = testutil::MakePool(db.dsn(), 8);
  auto pool_b = testutil::MakePool(db.dsn(), 8);
  auto redis_a = Connect(redis_env.options());
  auto redis_b = Connect(redis_env.options());
  WorkerOptions opts = FastOptions(redis_env.Key(""));
  opts.threads = 4;
  opts.fire_batch = 16;
  std::vector<std::unique_ptr<Worker>> workers;
  for (auto [pool, redis, note] :
       {std::make_tuple(pool_a.get(), redis_a.get(), "a"), std::make_tuple(pool_b.get(), redis_b.get(), "b")}) {
    auto worker = Worker::Create(pool, redis, opts, nullptr);
    ASSERT_TRUE(worker.ok()) << worker.status();
    const std::string mark = note;
    ASSERT_TRUE((*worker)
                    ->Register(kKind,
                               [mark](pqxx::work& txn, const Timer& t) -> absl::StatusOr<std::optional<absl::Time>> {
                                 txn.exec_params0(
                                     "INSERT INTO timer_effects (timer_id, timer_key, note) "
                                     "VALUES ($1, $2, $3 || ':' || txid_current())",
                                     t.id, t.key, mark);
                                 return std::nullopt;
                               })
                    .ok());
    ASSERT_TRUE((*worker)->Start().ok());
    workers.push_back(std::move(*worker));
  }

  constexpr int kTimers = 2000;
  const absl::Time due = DbNow(*setup) + absl::Milliseconds(500);
  std::vector<TimerRef> refs = ScheduleMany(*setup, "herd", kTimers, due);
  for (const TimerRef& ref : refs) workers[0]->Notify(ref);
  // A synchronous pass from each replica as well, racing the started threads over the same rows.
  std::vector<std::thread> passes;
  std::atomic<int> pass_fired{0};
  for (auto& worker : workers) {
    passes.emplace_back([&, w = worker.get()] {
      absl::SleepFor(std::max(absl::ZeroDuration(), due - DbNow(*setup)));
      pass_fired += w->FireDueNow().value_or(0);
    });
  }
  for (std::thread& t : passes) t.join();
  ASSERT_TRUE(testing::PollUntil([&] { return Fired(*setup) == kTimers; }, absl::Seconds(120)));
  for (auto& worker : workers) worker->Stop();

  ExpectExactlyOnce(*setup, kTimers);
  const int64_t transactions = QueryInt(*setup, "SELECT count(DISTINCT note) FROM timer_effects");
  // Without batching every timer has a transaction of its own. How many share one depends on how
  // the due rows are spread over the threads as they wake (a sanitizer build wakes them slower), so
  // the exact grouping is pinned by TimerBatchTest.DueTimersFireTogetherInOneTransaction, not here.
  EXPECT_LT(transactions, kTimers);
  std::printf("herd of %d: %lld transactions (a %lld, b %lld), %d fired by synchronous passes\n", kTimers,
              static_cast<long long>(transactions),
              static_cast<long long>(QueryInt(*setup, "SELECT count(*) FROM timer_effects WHERE note LIKE 'a:%'")),
              static_cast<long long>(QueryInt(*setup, "SELECT count(*) FROM timer_effects WHERE note LIKE 'b:%'")),
              pass_fired.load());
}

// (4) Redis goes away after start: timers still fire, found by polling PostgreSQL.
TEST(TimerWorkerFault, TimersFireViaPostgresWhenRedisIsGone) {
  PARLEY_REQUIRE_TEST_DB(db);
  PARLEY_REQUIRE_OWNED_REDIS(server, {});
  auto pool = testutil::MakePool(db.dsn(), 6);
  ASSERT_TRUE(testutil::Migrate(*pool).ok());
  auto redis = Connect(server->options());
  prometheus::Registry registry;
  auto worker = NewWorker(pool.get(), redis.get(), FastOptions("parley:test:"), "w", &registry);
  ASSERT_NE(worker, nullptr);
  ASSERT_TRUE(worker->Start().ok());
  EXPECT_TRUE(worker->redis_in_use());

  server->Kill();
  constexpr int kTimers = 20;
  const absl::Time now = DbNow(*pool);
  std::vector<TimerRef> refs = ScheduleMany(*pool, "t", kTimers, now, absl::Milliseconds(500));
  for (const TimerRef& ref : refs) worker->Notify(ref);  // fails: Redis is gone

  ASSERT_TRUE(testing::PollUntil([&] { return Fired(*pool) == kTimers; }, absl::Seconds(30)));
  EXPECT_FALSE(worker->redis_in_use());
  EXPECT_GT(MetricValue(registry, "parley_timer_redis_fallback_polls_total"), 0);
  worker->Stop();
  ExpectExactlyOnce(*pool, kTimers);
}

// (4b) Redis comes back empty (a restart without persistence): the worker rebuilds the set,
// trusts Redis again, and timers nudged during and after the outage fire once each.
TEST(TimerWorkerFault, WorkerReturnsToRedisAfterARestart) {
  PARLEY_REQUIRE_TEST_DB(db);
  PARLEY_REQUIRE_OWNED_REDIS(server, {});
  auto pool = testutil::MakePool(db.dsn(), 6);
  ASSERT_TRUE(testutil::Migrate(*pool).ok());
  auto redis = Connect(server->options());
  auto worker = NewWorker(pool.get(), redis.get(), FastOptions("parley:test:"), "w");
  ASSERT_NE(worker, nullptr);
  ASSERT_TRUE(worker->Start().ok());

  server->Kill();
  for (const TimerRef& ref : ScheduleMany(*pool, "down", 10, DbNow(*pool))) worker->Notify(ref);
  // Due in a while: these are in the set only if the outage's buffered nudges reach the new server.
  std::vector<TimerRef> later = ScheduleMany(*pool, "later", 10, DbNow(*pool) + absl::Seconds(3));
  for (const TimerRef& ref : later) worker->Notify(ref);
  ASSERT_TRUE(testing::PollUntil([&] { return Fired(*pool) == 10; }, absl::Seconds(30)));
  EXPECT_FALSE(worker->redis_in_use());

  ASSERT_TRUE(server->Restart().ok());
  ASSERT_TRUE(testing::PollUntil([&] { return worker->redis_in_use(); }, absl::Seconds(30)));
  auto admin = Connect(server->options());
  EXPECT_GE(*admin->ZCard(worker->zset_key()), 10);  // the later ones are indexed again
  for (const TimerRef& ref : ScheduleMany(*pool, "up", 10, DbNow(*pool))) worker->Notify(ref);
  ASSERT_TRUE(testing::PollUntil([&] { return Fired(*pool) == 30; }, absl::Seconds(30)));
  EXPECT_TRUE(worker->redis_in_use());
  worker->Stop();
  ExpectExactlyOnce(*pool, 30);
}

// (5) Start refuses an evicting Redis, and one whose CONFIG it may not read.
TEST(TimerWorkerFault, StartRefusesRedisWithoutNoeviction) {
  PARLEY_REQUIRE_TEST_DB(db);
  PARLEY_REQUIRE_OWNED_REDIS(lru, {"allkeys-lru", {}});
  auto pool = testutil::MakePool(db.dsn(), 4);
  ASSERT_TRUE(testutil::Migrate(*pool).ok());
  auto redis = Connect(lru->options());
  auto worker = NewWorker(pool.get(), redis.get(), FastOptions("parley:test:"), "w");
  const absl::Status s = worker->Start();
  EXPECT_EQ(s.code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_EQ(ErrorReason(s), kReasonEvictionPolicy);
  EXPECT_TRUE(absl::StrContains(s.message(), "noeviction")) << s;
  EXPECT_TRUE(absl::StrContains(s.message(), "allkeys-lru")) << s;

  // The policy changed at run time counts too.
  PARLEY_REQUIRE_OWNED_REDIS(changed, {});
  auto redis_changed = Connect(changed->options());
  ASSERT_TRUE(redis_changed->Command({"CONFIG", "SET", "maxmemory-policy", "volatile-lru"}).ok());
  auto worker_changed = NewWorker(pool.get(), redis_changed.get(), FastOptions("parley:test:"), "w");
  EXPECT_EQ(ErrorReason(worker_changed->Start()), kReasonEvictionPolicy);

  PARLEY_REQUIRE_OWNED_REDIS(managed, {"noeviction", {"--rename-command", "CONFIG", ""}});
  auto redis_managed = Connect(managed->options());
  auto worker_managed = NewWorker(pool.get(), redis_managed.get(), FastOptions("parley:test:"), "w");
  const absl::Status m = worker_managed->Start();
  EXPECT_EQ(m.code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_EQ(ErrorReason(m), kReasonRedisConfigUnavailable);
  EXPECT_TRUE(absl::StrContains(m.message(), "noeviction")) << m;
}

TEST(TimerWorkerFault, StartReportsAnUnreachableRedis) {
  PARLEY_REQUIRE_TEST_DB(db);
  PARLEY_REQUIRE_OWNED_REDIS(server, {});
  auto pool = testutil::MakePool(db.dsn(), 4);
  ASSERT_TRUE(testutil::Migrate(*pool).ok());
  auto redis = Connect(server->options());
  auto worker = NewWorker(pool.get(), redis.get(), FastOptions("parley:test:"), "w");
  server->Kill();
  EXPECT_EQ(worker->Start().code(), absl::StatusCode::kUnavailable);
}

}  // namespace
}  // namespace parley::timer
