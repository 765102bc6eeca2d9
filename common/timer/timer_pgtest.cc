// Timer semantics against a real PostgreSQL (and the shared test Redis, under a key prefix of the
// test's own): schedule / re-arm / cancel / find, a handler's effect committing with the fire,
// failures retried with backoff, re-arming by the handler, due-ness by the database's clock, and
// input validation. Fault tests (killed workers, wiped or missing Redis, replicas) are in
// worker_redistest.cc.
#include <atomic>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <thread>

#include "absl/strings/numbers.h"
#include "common/pg/pool.h"
#include "common/redis/client.h"
#include "common/status/reason.h"
#include "common/testing/sync.h"
#include "common/testing/test_database.h"
#include "common/testing/test_redis.h"
#include "common/timer/internal.h"
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
using testutil::ScheduleIn;

class TimerPgTest : public ::testing::Test {
 protected:
  void SetUp() override {
    PARLEY_REQUIRE_TEST_DB(db);
    PARLEY_REQUIRE_TEST_REDIS(redis);
    db_.emplace(std::move(db));
    redis_.emplace(std::move(redis));
    pool_ = testutil::MakePool(db_->dsn());
    ASSERT_NE(pool_, nullptr);
    ASSERT_TRUE(testutil::Migrate(*pool_).ok());
    auto client = redis::Client::Connect(redis_->options());
    ASSERT_TRUE(client.ok()) << client.status();
    redis_client_ = std::move(*client);
  }

  WorkerOptions Options() const {
    WorkerOptions opts;
    opts.redis_key_prefix = redis_->Key("");
    opts.max_idle = absl::Milliseconds(50);
    opts.reconcile_interval = absl::Hours(1);  // tests must not depend on the periodic run
    opts.retry_backoff_base = absl::Hours(1);
    opts.retry_backoff_max = absl::Hours(2);
    return opts;
  }

  std::unique_ptr<Worker> NewWorker(const WorkerOptions& opts, prometheus::Registry* registry = nullptr) {
    auto worker = Worker::Create(pool_.get(), redis_client_.get(), opts, registry);
    EXPECT_TRUE(worker.ok()) << worker.status();
    return worker.ok() ? std::move(*worker) : nullptr;
  }

  int64_t Effects(const std::string& key) {
    return QueryInt(*pool_, "SELECT count(*) FROM timer_effects WHERE timer_key = '" + key + "'");
  }

  // Due a second ago by the database's clock.
  absl::Time Past() { return DbNow(*pool_) - absl::Seconds(1); }

  std::optional<testing::TestDatabase> db_;
  std::optional<testing::TestRedis> redis_;
  std::unique_ptr<pg::Pool> pool_;
  std::unique_ptr<redis::Client> redis_client_;
};

TEST_F(TimerPgTest, ScheduleCreatesAPendingTimer) {
  const absl::Time due = absl::FromUnixMicros(1893456000123456);  // 2030, microseconds kept
  auto ref = ScheduleIn(*pool_, {"review", "arr-1", due, "{\"v\":1}"});
  ASSERT_TRUE(ref.ok()) << ref.status();
  EXPECT_GT(ref->id, 0);
  EXPECT_EQ(ref->version, 1);
  EXPECT_EQ(ref->due, due);

  std::optional<Timer> t = FindIn(*pool_, "review", "arr-1");
  ASSERT_TRUE(t.has_value());
  EXPECT_EQ(t->id, ref->id);
  EXPECT_EQ(t->kind, "review");
  EXPECT_EQ(t->key, "arr-1");
  EXPECT_EQ(t->due, due);
  EXPECT_EQ(t->state, TimerState::kPending);
  EXPECT_EQ(t->version, 1);
  EXPECT_EQ(t->payload, "{\"v\":1}");
  EXPECT_EQ(t->attempts, 0);
  EXPECT_EQ(t->last_error, "");
  EXPECT_FALSE(t->fired_at.has_value());
  EXPECT_EQ(t->created_at, t->updated_at);
  EXPECT_EQ(t->ref().id, ref->id);
}

TEST_F(TimerPgTest, FindOfAnAbsentTimerIsEmpty) { EXPECT_FALSE(FindIn(*pool_, "review", "nothing").has_value()); }

TEST_F(TimerPgTest, ScheduleAgainRearmsTheSameTimer) {
  const absl::Time first = absl::FromUnixSeconds(1893456000);
  auto a = ScheduleIn(*pool_, {"review", "arr-1", first, "one"});
  auto b = ScheduleIn(*pool_, {"review", "arr-1", first + absl::Hours(1), "two"});
  ASSERT_TRUE(a.ok() && b.ok());
  EXPECT_EQ(b->id, a->id);
  EXPECT_EQ(b->version, 2);
  EXPECT_EQ(b->due, first + absl::Hours(1));
  std::optional<Timer> t = FindIn(*pool_, "review", "arr-1");
  EXPECT_EQ(t->payload, "two");
  EXPECT_EQ(t->state, TimerState::kPending);
  // Same key under another kind is another timer.
  auto other = ScheduleIn(*pool_, {"reminder", "arr-1", first, ""});
  ASSERT_TRUE(other.ok());
  EXPECT_NE(other->id, a->id);
  EXPECT_EQ(other->version, 1);
}

TEST_F(TimerPgTest, ScheduleIsAtomicWithTheCallersTransaction) {
  const absl::Status s = pool_->Transact([&](pqxx::work& txn) -> absl::Status {
    auto ref = Schedule(txn, {"review", "arr-1", absl::FromUnixSeconds(1893456000), ""});
    EXPECT_TRUE(ref.ok());
    return FailedPrecondition("BUSINESS_RULE", "the business change was refused");
  });
  EXPECT_EQ(s.code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_FALSE(FindIn(*pool_, "review", "arr-1").has_value());
}

TEST_F(TimerPgTest, CancelMovesOnlyPendingTimers) {
  auto ref = ScheduleIn(*pool_, {"review", "arr-1", absl::FromUnixSeconds(1893456000), ""});
  ASSERT_TRUE(ref.ok());
  ASSERT_TRUE(testutil::CancelIn(*pool_, "review", "arr-1").ok());
  std::optional<Timer> t = FindIn(*pool_, "review", "arr-1");
  EXPECT_EQ(t->state, TimerState::kCancelled);
  EXPECT_EQ(t->version, 2);

  // Again, and for a timer that does not exist: OK, nothing changes.
  ASSERT_TRUE(testutil::CancelIn(*pool_, "review", "arr-1").ok());
  EXPECT_EQ(FindIn(*pool_, "review", "arr-1")->version, 2);
  ASSERT_TRUE(testutil::CancelIn(*pool_, "review", "never-scheduled").ok());
  EXPECT_FALSE(FindIn(*pool_, "review", "never-scheduled").has_value());
}

TEST_F(TimerPgTest, CancelLeavesAFiredTimerFired) {
  auto worker = NewWorker(Options());
  ASSERT_TRUE(worker->Register("review", testutil::EffectHandler("w")).ok());
  ASSERT_TRUE(ScheduleIn(*pool_, {"review", "arr-1", Past(), ""}).ok());
  ASSERT_EQ(*worker->FireDueNow(), 1);
  ASSERT_TRUE(testutil::CancelIn(*pool_, "review", "arr-1").ok());
  std::optional<Timer> t = FindIn(*pool_, "review", "arr-1");
  EXPECT_EQ(t->state, TimerState::kFired);
  EXPECT_EQ(t->version, 2);
}

TEST_F(TimerPgTest, ScheduleRearmsFiredAndCancelledTimers) {
  auto worker = NewWorker(Options());
  ASSERT_TRUE(worker->Register("review", testutil::EffectHandler("w")).ok());
  ASSERT_TRUE(ScheduleIn(*pool_, {"review", "fired", Past(), ""}).ok());
  ASSERT_EQ(*worker->FireDueNow(), 1);
  ASSERT_TRUE(ScheduleIn(*pool_, {"review", "cancelled", absl::FromUnixSeconds(1893456000), ""}).ok());
  ASSERT_TRUE(testutil::CancelIn(*pool_, "review", "cancelled").ok());

  for (const std::string key : {"fired", "cancelled"}) {
    auto ref = ScheduleIn(*pool_, {"review", key, Past(), ""});
    ASSERT_TRUE(ref.ok());
    EXPECT_EQ(ref->version, 3) << key;
    std::optional<Timer> t = FindIn(*pool_, "review", key);
    EXPECT_EQ(t->state, TimerState::kPending) << key;
    EXPECT_FALSE(t->fired_at.has_value()) << key;
  }
  // Re-armed means it fires again.
  EXPECT_EQ(*worker->FireDueNow(), 2);
  EXPECT_EQ(Effects("fired"), 2);
  EXPECT_EQ(Effects("cancelled"), 1);
}

TEST_F(TimerPgTest, BadInputIsRefusedWithoutTouchingTheTable) {
  const absl::Time due = absl::FromUnixSeconds(1893456000);
  auto status_of = [&](const TimerSpec& spec) { return ScheduleIn(*pool_, spec).status(); };
  EXPECT_EQ(ErrorReason(status_of({"", "k", due, ""})), kReasonKindInvalid);
  EXPECT_EQ(ErrorReason(status_of({"review", "", due, ""})), kReasonKeyInvalid);
  EXPECT_EQ(ErrorReason(status_of({"review", std::string(kMaxKeyBytes + 1, 'k'), due, ""})), kReasonKeyInvalid);
  EXPECT_EQ(ErrorReason(status_of({"review", "k", due, std::string(kMaxPayloadBytes + 1, 'p')})),
            kReasonPayloadInvalid);
  EXPECT_EQ(ErrorReason(status_of({"review", "k", absl::InfiniteFuture(), ""})), kReasonDueInvalid);
  EXPECT_EQ(status_of({"", "k", due, ""}).code(), absl::StatusCode::kInvalidArgument);

  EXPECT_EQ(testutil::CancelIn(*pool_, "", "k").code(), absl::StatusCode::kInvalidArgument);
  absl::StatusOr<std::optional<Timer>> found;
  const absl::Status s = pool_->Read([&](pqxx::work& txn) {
    found = Find(txn, "review", "");
    return absl::OkStatus();
  });
  ASSERT_TRUE(s.ok());
  EXPECT_EQ(found.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(QueryInt(*pool_, "SELECT count(*) FROM parley_timers"), 0);
}

TEST_F(TimerPgTest, HandlerEffectCommitsWithTheFire) {
  prometheus::Registry registry;
  auto worker = NewWorker(Options(), &registry);
  std::atomic<int> calls{0};
  ASSERT_TRUE(worker
                  ->Register("review",
                             [&](pqxx::work& txn, const Timer& t) -> absl::StatusOr<std::optional<absl::Time>> {
                               ++calls;
                               EXPECT_EQ(t.state, TimerState::kPending);
                               EXPECT_EQ(t.payload, "p");
                               txn.exec_params0(
                                   "INSERT INTO timer_effects (timer_id, timer_key, note) VALUES ($1, $2, 'x')", t.id,
                                   t.key);
                               return std::nullopt;
                             })
                  .ok());
  auto ref = ScheduleIn(*pool_, {"review", "arr-1", Past(), "p"});
  ASSERT_TRUE(ref.ok());

  EXPECT_EQ(*worker->FireDueNow(), 1);
  std::optional<Timer> t = FindIn(*pool_, "review", "arr-1");
  EXPECT_EQ(t->state, TimerState::kFired);
  EXPECT_EQ(t->version, ref->version + 1);
  ASSERT_TRUE(t->fired_at.has_value());
  EXPECT_GE(*t->fired_at, t->due);
  EXPECT_EQ(Effects("arr-1"), 1);

  // Fired is final: another pass finds nothing.
  EXPECT_EQ(*worker->FireDueNow(), 0);
  EXPECT_EQ(calls.load(), 1);
  EXPECT_EQ(Effects("arr-1"), 1);

  bool counted = false;
  for (const auto& family : registry.Collect()) {
    if (family.name != "parley_timer_fired_total") continue;
    for (const auto& metric : family.metric) {
      if (metric.label.size() == 2 && metric.label[0].value == "review" && metric.label[1].value == "fired") {
        EXPECT_EQ(metric.counter.value, 1);
        counted = true;
      }
    }
  }
  EXPECT_TRUE(counted);
}

TEST_F(TimerPgTest, FailingHandlerRollsBackAndBacksOff) {
  auto worker = NewWorker(Options());  // backoff base 1 h
  std::atomic<int> calls{0};
  ASSERT_TRUE(worker
                  ->Register("review",
                             [&](pqxx::work& txn, const Timer& t) -> absl::StatusOr<std::optional<absl::Time>> {
                               ++calls;
                               txn.exec_params0(
                                   "INSERT INTO timer_effects (timer_id, timer_key, note) VALUES ($1, $2, 'x')", t.id,
                                   t.key);
                               return Unavailable("NOTIFY_DOWN", "could not reach Mrs Example at 07700 900000");
                             })
                  .ok());
  auto ref = ScheduleIn(*pool_, {"review", "arr-1", Past(), ""});
  ASSERT_TRUE(ref.ok());
  const absl::Time before = DbNow(*pool_);

  EXPECT_EQ(*worker->FireDueNow(), 0);
  EXPECT_EQ(calls.load(), 1);
  EXPECT_EQ(Effects("arr-1"), 0);  // rolled back
  std::optional<Timer> t = FindIn(*pool_, "review", "arr-1");
  EXPECT_EQ(t->state, TimerState::kPending);
  EXPECT_EQ(t->attempts, 1);
  EXPECT_EQ(t->last_error, "UNAVAILABLE NOTIFY_DOWN");  // no message text
  EXPECT_EQ(t->version, ref->version + 1);
  EXPECT_GE(t->due, before + absl::Minutes(30));  // jitter keeps it in [base/2, base)
  EXPECT_LT(t->due, before + absl::Hours(1) + absl::Minutes(1));

  // Not due again until the backoff has passed.
  EXPECT_EQ(*worker->FireDueNow(), 0);
  EXPECT_EQ(calls.load(), 1);
}

TEST_F(TimerPgTest, FailingHandlerIsRetriedUntilItSucceeds) {
  WorkerOptions opts = Options();
  opts.retry_backoff_base = absl::Milliseconds(20);
  opts.retry_backoff_max = absl::Milliseconds(40);
  auto worker = NewWorker(opts);
  std::atomic<int> calls{0};
  ASSERT_TRUE(worker
                  ->Register("review",
                             [&](pqxx::work& txn, const Timer& t) -> absl::StatusOr<std::optional<absl::Time>> {
                               txn.exec_params0(
                                   "INSERT INTO timer_effects (timer_id, timer_key, note) VALUES ($1, $2, 'x')", t.id,
                                   t.key);
                               const int n = ++calls;
                               if (n == 1) return absl::InternalError("first failure");
                               if (n == 2) throw std::runtime_error("second failure");
                               EXPECT_EQ(t.attempts, 2);
                               return std::nullopt;
                             })
                  .ok());
  ASSERT_TRUE(ScheduleIn(*pool_, {"review", "arr-1", Past(), ""}).ok());

  int fired = 0;
  ASSERT_TRUE(testing::PollUntil([&] {
    fired += worker->FireDueNow().value_or(0);
    return fired == 1;
  }));
  EXPECT_EQ(calls.load(), 3);
  EXPECT_EQ(Effects("arr-1"), 1);
  std::optional<Timer> t = FindIn(*pool_, "review", "arr-1");
  EXPECT_EQ(t->state, TimerState::kFired);
  EXPECT_EQ(t->attempts, 2);  // kept as a record of the failures before the fire
  EXPECT_EQ(t->last_error, "INTERNAL");
}

TEST_F(TimerPgTest, HandlerCanRearmItsTimer) {
  auto worker = NewWorker(Options());
  const absl::Time later = absl::FromUnixSeconds(1893456000);
  ASSERT_TRUE(worker
                  ->Register("review",
                             [&](pqxx::work& txn, const Timer& t) -> absl::StatusOr<std::optional<absl::Time>> {
                               txn.exec_params0(
                                   "INSERT INTO timer_effects (timer_id, timer_key, note) VALUES ($1, $2, 'x')", t.id,
                                   t.key);
                               return later;
                             })
                  .ok());
  auto ref = ScheduleIn(*pool_, {"review", "arr-1", Past(), ""});
  ASSERT_TRUE(ref.ok());

  EXPECT_EQ(*worker->FireDueNow(), 0);  // re-armed, not fired
  std::optional<Timer> t = FindIn(*pool_, "review", "arr-1");
  EXPECT_EQ(t->state, TimerState::kPending);
  EXPECT_EQ(t->due, later);
  EXPECT_EQ(t->version, ref->version + 1);
  EXPECT_EQ(Effects("arr-1"), 1);  // the effect commits with the re-arm
  EXPECT_EQ(*worker->FireDueNow(), 0);
}

TEST_F(TimerPgTest, HandlerMayCancelItsOwnTimer) {
  auto worker = NewWorker(Options());
  ASSERT_TRUE(worker
                  ->Register("review",
                             [&](pqxx::work& txn, const Timer& t) -> absl::StatusOr<std::optional<absl::Time>> {
                               txn.exec_params0(
                                   "INSERT INTO timer_effects (timer_id, timer_key, note) VALUES ($1, $2, 'x')", t.id,
                                   t.key);
                               if (absl::Status s = Cancel(txn, t.kind, t.key); !s.ok()) return s;
                               return std::nullopt;
                             })
                  .ok());
  ASSERT_TRUE(ScheduleIn(*pool_, {"review", "arr-1", Past(), ""}).ok());
  EXPECT_EQ(*worker->FireDueNow(), 0);
  EXPECT_EQ(FindIn(*pool_, "review", "arr-1")->state, TimerState::kCancelled);
  EXPECT_EQ(Effects("arr-1"), 1);
}

TEST_F(TimerPgTest, NotDueByTheDatabaseClockIsNotFired) {
  auto worker = NewWorker(Options());
  std::atomic<int> calls{0};
  ASSERT_TRUE(worker
                  ->Register("review",
                             [&](pqxx::work&, const Timer&) -> absl::StatusOr<std::optional<absl::Time>> {
                               ++calls;
                               return std::nullopt;
                             })
                  .ok());
  const absl::Time due = DbNow(*pool_) + absl::Hours(1);
  auto ref = ScheduleIn(*pool_, {"review", "arr-1", due, ""});
  ASSERT_TRUE(ref.ok());
  EXPECT_EQ(*worker->FireDueNow(), 0);

  // Redis claims it is due (a clock ahead, a stale score): the started worker asks the database,
  // leaves the timer alone and puts the right score back.
  ASSERT_TRUE(worker->Start().ok());
  const std::string member = std::to_string(ref->id);
  ASSERT_TRUE(
      redis_client_->ZAdd(worker->zset_key(), internal::ScoreForDue(DbNow(*pool_) - absl::Hours(1)), member).ok());
  worker->Notify(TimerRef{ref->id, ref->version, DbNow(*pool_) - absl::Hours(1)});
  ASSERT_TRUE(testing::PollUntil([&] {
    auto reply = redis_client_->Command({"ZSCORE", worker->zset_key(), member});
    double score = 0;
    return reply.ok() && absl::SimpleAtod(reply->str, &score) && score == internal::ScoreForDue(due);
  }));
  worker->Stop();
  EXPECT_EQ(calls.load(), 0);
  EXPECT_EQ(FindIn(*pool_, "review", "arr-1")->state, TimerState::kPending);
}

TEST_F(TimerPgTest, TimersOfUnregisteredKindsAreLeftAlone) {
  auto worker = NewWorker(Options());
  ASSERT_TRUE(worker->Register("review", testutil::EffectHandler("w")).ok());
  ASSERT_TRUE(ScheduleIn(*pool_, {"someone_elses", "x", Past(), ""}).ok());
  EXPECT_EQ(*worker->FireDueNow(), 0);
  EXPECT_EQ(FindIn(*pool_, "someone_elses", "x")->state, TimerState::kPending);
}

TEST_F(TimerPgTest, DueTimersOfUnhandledKindsDoNotStarveTheRest) {
  // More due members of a kind nobody handles than the worker's widest Redis window (10 x batch),
  // all ahead of one of its own.
  WorkerOptions opts = Options();
  opts.claim_batch = 5;
  auto worker = NewWorker(opts);
  ASSERT_TRUE(worker->Register("review", testutil::EffectHandler("w")).ok());
  const absl::Time past = Past();
  for (int i = 0; i < 60; ++i) {
    ASSERT_TRUE(ScheduleIn(*pool_, {"retired_kind", std::to_string(i), past - absl::Seconds(60 - i), ""}).ok());
  }
  ASSERT_TRUE(ScheduleIn(*pool_, {"review", "mine", past, ""}).ok());
  ASSERT_TRUE(worker->Start().ok());
  EXPECT_TRUE(testing::PollUntil([&] { return Effects("mine") == 1; }));
  worker->Stop();
  EXPECT_EQ(QueryInt(*pool_, "SELECT count(*) FROM parley_timers WHERE kind = 'retired_kind' AND state = 'pending'"),
            60);
}

TEST_F(TimerPgTest, ALockedTimerIsSkippedNotWaitedFor) {
  auto worker = NewWorker(Options());
  ASSERT_TRUE(worker->Register("review", testutil::EffectHandler("w")).ok());
  auto ref = ScheduleIn(*pool_, {"review", "arr-1", Past(), ""});
  ASSERT_TRUE(ref.ok());

  // Another transaction (a replica firing it, a service re-arming it) holds the row.
  pqxx::connection other(db_->dsn());
  auto holder = std::make_unique<pqxx::work>(other);
  holder->exec_params("SELECT 1 FROM parley_timers WHERE id = $1 FOR UPDATE", ref->id);
  const absl::Time start = absl::Now();
  EXPECT_EQ(*worker->FireDueNow(), 0);
  EXPECT_LT(absl::Now() - start, absl::Seconds(5));  // did not sit out the 10 s statement timeout
  holder.reset();                                    // rolls back, releasing the row

  EXPECT_EQ(*worker->FireDueNow(), 1);
  EXPECT_EQ(Effects("arr-1"), 1);
}

TEST_F(TimerPgTest, TimersScheduledByAHandlerAreNudgedAfterCommit) {
  auto worker = NewWorker(Options());  // reconcile only hourly: only the nudge can wake it in time
  ASSERT_TRUE(worker
                  ->Register("first",
                             [&](pqxx::work& txn, const Timer& t) -> absl::StatusOr<std::optional<absl::Time>> {
                               auto next = Schedule(txn, {"second", t.key, absl::Now() - absl::Seconds(1), ""});
                               if (!next.ok()) return next.status();
                               return std::nullopt;
                             })
                  .ok());
  ASSERT_TRUE(worker->Register("second", testutil::EffectHandler("second")).ok());
  ASSERT_TRUE(worker->Start().ok());
  auto ref = ScheduleIn(*pool_, {"first", "chain", Past(), ""});
  ASSERT_TRUE(ref.ok());
  worker->Notify(*ref);
  EXPECT_TRUE(testing::PollUntil([&] { return Effects("chain") == 1; }));
  worker->Stop();
  EXPECT_EQ(FindIn(*pool_, "first", "chain")->state, TimerState::kFired);
  EXPECT_EQ(FindIn(*pool_, "second", "chain")->state, TimerState::kFired);
}

TEST_F(TimerPgTest, StartedWorkerFiresANotifiedTimer) {
  auto worker = NewWorker(Options());
  ASSERT_TRUE(worker->Register("review", testutil::EffectHandler("w")).ok());
  ASSERT_TRUE(worker->Start().ok());
  EXPECT_TRUE(worker->redis_in_use());
  auto ref = ScheduleIn(*pool_, {"review", "arr-1", DbNow(*pool_) + absl::Milliseconds(200), ""});
  ASSERT_TRUE(ref.ok());
  worker->Notify(*ref);
  ASSERT_TRUE(testing::PollUntil([&] { return Effects("arr-1") == 1; }));
  std::optional<Timer> t = FindIn(*pool_, "review", "arr-1");
  EXPECT_EQ(t->state, TimerState::kFired);
  EXPECT_GE(*t->fired_at, t->due);
  // The member is removed after the fire.
  EXPECT_TRUE(testing::PollUntil([&] { return *redis_client_->ZCard(worker->zset_key()) == 0; }));
  worker->Stop();
  worker->Stop();  // idempotent
}

// --- Batches: several timers per transaction, each under a savepoint of its own ---------------

// A handler that records its effect with the id of the transaction it ran in, so a test can see
// which timers fired together; `behave` decides per key what else it does.
Handler TxidHandler(std::function<absl::StatusOr<std::optional<absl::Time>>(pqxx::work&, const Timer&)> behave,
                    std::atomic<int>* calls) {
  return [behave = std::move(behave), calls](pqxx::work& txn,
                                             const Timer& t) -> absl::StatusOr<std::optional<absl::Time>> {
    ++*calls;
    txn.exec_params0("INSERT INTO timer_effects (timer_id, timer_key, note) VALUES ($1, $2, txid_current()::text)",
                     t.id, t.key);
    return behave(txn, t);
  };
}

absl::StatusOr<std::optional<absl::Time>> JustFire(pqxx::work&, const Timer&) { return std::nullopt; }

class TimerBatchTest : public TimerPgTest {
 protected:
  // `n` timers "k0".."k<n-1>" of kind "review", due a second ago.
  void ScheduleKeys(int n) {
    const absl::Time past = Past();
    for (int i = 0; i < n; ++i) ASSERT_TRUE(ScheduleIn(*pool_, {"review", "k" + std::to_string(i), past, ""}).ok());
  }
  int64_t Transactions() { return QueryInt(*pool_, "SELECT count(DISTINCT note) FROM timer_effects"); }
  int64_t Pending() { return QueryInt(*pool_, "SELECT count(*) FROM parley_timers WHERE state = 'pending'"); }

  // A deferred constraint trigger on timer_effects: it runs at COMMIT, after every handler, and
  // fails the commit as commit_fault says: 'conflict' (a serialization failure), 'disconnect' (the
  // session dies mid-commit) or 'poison' (a violation, only for the effect of the key 'poison').
  void InstallCommitFault() {
    ASSERT_TRUE(pool_
                    ->Transact([](pqxx::work& txn) {
                      txn.exec0("CREATE TABLE commit_fault (mode TEXT NOT NULL)");
                      txn.exec0(R"sql(
CREATE FUNCTION commit_fault() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  IF EXISTS (SELECT 1 FROM commit_fault WHERE mode = 'conflict') THEN
    RAISE EXCEPTION 'injected conflict' USING ERRCODE = '40001';
  END IF;
  IF EXISTS (SELECT 1 FROM commit_fault WHERE mode = 'disconnect') THEN
    PERFORM pg_terminate_backend(pg_backend_pid());
  END IF;
  IF NEW.timer_key = 'poison' AND EXISTS (SELECT 1 FROM commit_fault WHERE mode = 'poison') THEN
    RAISE EXCEPTION 'injected violation' USING ERRCODE = '23514';
  END IF;
  RETURN NULL;
END $$)sql");
                      txn.exec0(
                          "CREATE CONSTRAINT TRIGGER commit_fault AFTER INSERT ON timer_effects DEFERRABLE INITIALLY "
                          "DEFERRED FOR EACH ROW EXECUTE FUNCTION commit_fault()");
                      return absl::OkStatus();
                    })
                    .ok());
  }
  void SetCommitFault(const std::string& mode) {
    ASSERT_TRUE(pool_
                    ->Transact([&](pqxx::work& txn) {
                      txn.exec0("DELETE FROM commit_fault");
                      if (!mode.empty()) txn.exec_params0("INSERT INTO commit_fault VALUES ($1)", mode);
                      return absl::OkStatus();
                    })
                    .ok());
  }
};

TEST_F(TimerBatchTest, DueTimersFireTogetherInOneTransaction) {
  WorkerOptions opts = Options();
  opts.fire_batch = 4;
  auto worker = NewWorker(opts);
  std::atomic<int> calls{0};
  ASSERT_TRUE(worker->Register("review", TxidHandler(JustFire, &calls)).ok());
  ScheduleKeys(10);
  EXPECT_EQ(*worker->FireDueNow(), 10);
  EXPECT_EQ(calls.load(), 10);
  EXPECT_EQ(Transactions(), 3);  // 4 + 4 + 2
  EXPECT_EQ(Pending(), 0);
  // Each row's fired_at is its own handler's moment, never before it was due.
  EXPECT_EQ(QueryInt(*pool_, "SELECT count(*) FROM parley_timers WHERE fired_at < due_at OR fired_at IS NULL"), 0);
}

TEST_F(TimerBatchTest, FailingHandlersAreRolledBackAloneAndTheOthersFire) {
  auto worker = NewWorker(Options());  // backoff base 1 h
  std::atomic<int> calls{0};
  ASSERT_TRUE(
      worker
          ->Register("review", TxidHandler(
                                   [](pqxx::work&, const Timer& t) -> absl::StatusOr<std::optional<absl::Time>> {
                                     if (t.key == "k1" || t.key == "k3") {
                                       return Unavailable("NOTIFY_DOWN", "no reply from 07700");
                                     }
                                     return std::nullopt;
                                   },
                                   &calls))
          .ok());
  ScheduleKeys(5);
  const int64_t version = FindIn(*pool_, "review", "k1")->version;
  const absl::Time before = DbNow(*pool_);

  EXPECT_EQ(*worker->FireDueNow(), 3);
  // The batch's first run (no savepoints) stopped at k1 and was rolled back; k1's attempt was
  // recorded alone, and the other four ran again, each under a savepoint: k3's failure went back to
  // its savepoint and the rest committed.
  EXPECT_EQ(calls.load(), 2 + 4);
  for (const char* key : {"k1", "k3"}) {
    EXPECT_EQ(Effects(key), 0) << key;  // its write was rolled back
    std::optional<Timer> failed = FindIn(*pool_, "review", key);
    EXPECT_EQ(failed->state, TimerState::kPending) << key;
    EXPECT_EQ(failed->attempts, 1) << key;
    EXPECT_EQ(failed->last_error, "UNAVAILABLE NOTIFY_DOWN") << key;  // no message text
    EXPECT_EQ(failed->version, version + 1) << key;
    EXPECT_GE(failed->due, before + absl::Minutes(30)) << key;  // backed off, not retried at once
  }
  for (const char* key : {"k0", "k2", "k4"}) {
    EXPECT_EQ(Effects(key), 1) << key;
    EXPECT_EQ(FindIn(*pool_, "review", key)->state, TimerState::kFired) << key;
  }
  EXPECT_EQ(Transactions(), 1);  // the three fired together
  EXPECT_EQ(*worker->FireDueNow(), 0);
  EXPECT_EQ(calls.load(), 6);
}

TEST_F(TimerBatchTest, ThrowingHandlersAndBrokenStatementsAreIsolated) {
  WorkerOptions opts = Options();
  opts.retry_backoff_base = absl::Milliseconds(20);
  opts.retry_backoff_max = absl::Milliseconds(40);
  auto worker = NewWorker(opts);
  std::atomic<int> calls{0};
  std::atomic<bool> healed{false};
  ASSERT_TRUE(
      worker
          ->Register("review", TxidHandler(
                                   [&](pqxx::work& txn, const Timer& t) -> absl::StatusOr<std::optional<absl::Time>> {
                                     if (healed) return std::nullopt;
                                     if (t.key == "k1") throw std::runtime_error("handler bug");
                                     // A statement that fails leaves PostgreSQL's transaction aborted
                                     // until the worker rolls back to the savepoint.
                                     if (t.key == "k3") txn.exec0("SELECT 1 / 0");
                                     return std::nullopt;
                                   },
                                   &calls))
          .ok());
  ScheduleKeys(6);
  EXPECT_EQ(*worker->FireDueNow(), 4);
  EXPECT_EQ(Transactions(), 1);
  EXPECT_EQ(Effects("k1"), 0);
  EXPECT_EQ(Effects("k3"), 0);
  EXPECT_EQ(FindIn(*pool_, "review", "k1")->attempts, 1);
  EXPECT_EQ(FindIn(*pool_, "review", "k1")->last_error, "INTERNAL");
  EXPECT_EQ(FindIn(*pool_, "review", "k3")->attempts, 1);
  EXPECT_EQ(FindIn(*pool_, "review", "k5")->state, TimerState::kFired);

  // Retried after the backoff, and fired once each.
  healed = true;
  int fired = 0;
  ASSERT_TRUE(testing::PollUntil([&] {
    fired += worker->FireDueNow().value_or(0);
    return fired == 2;
  }));
  EXPECT_EQ(Pending(), 0);
  EXPECT_EQ(QueryInt(*pool_, "SELECT count(*) FROM timer_effects"), 6);
  EXPECT_EQ(FindIn(*pool_, "review", "k1")->attempts, 1);  // kept as the record of the failure
}

TEST_F(TimerBatchTest, AHandlerReArmsItsTimerInABatch) {
  auto worker = NewWorker(Options());
  const absl::Time later = absl::FromUnixSeconds(1893456000);
  std::atomic<int> calls{0};
  ASSERT_TRUE(
      worker
          ->Register("review", TxidHandler(
                                   [&](pqxx::work&, const Timer& t) -> absl::StatusOr<std::optional<absl::Time>> {
                                     if (t.key == "k0") return later;
                                     return std::nullopt;
                                   },
                                   &calls))
          .ok());
  ScheduleKeys(3);
  const int64_t version = FindIn(*pool_, "review", "k0")->version;
  EXPECT_EQ(*worker->FireDueNow(), 2);
  EXPECT_EQ(Transactions(), 1);
  std::optional<Timer> t = FindIn(*pool_, "review", "k0");
  EXPECT_EQ(t->state, TimerState::kPending);
  EXPECT_EQ(t->due, later);
  EXPECT_EQ(t->version, version + 1);
  EXPECT_EQ(t->attempts, 0);
  EXPECT_EQ(Effects("k0"), 1);  // the re-arm commits with its effect
  EXPECT_EQ(FindIn(*pool_, "review", "k1")->state, TimerState::kFired);
  EXPECT_EQ(*worker->FireDueNow(), 0);
}

TEST_F(TimerBatchTest, ALostCommitLeavesTheWholeBatchPending) {
  InstallCommitFault();
  auto worker = NewWorker(Options());
  std::atomic<int> calls{0};
  ASSERT_TRUE(worker->Register("review", TxidHandler(JustFire, &calls)).ok());
  ScheduleKeys(6);
  SetCommitFault("disconnect");  // the server dies under the batch's COMMIT

  EXPECT_EQ(*worker->FireDueNow(), 0);
  EXPECT_EQ(calls.load(), 6);  // every handler ran, in one transaction that never committed
  EXPECT_EQ(QueryInt(*pool_, "SELECT count(*) FROM timer_effects"), 0);
  // Not an attempt of any handler: nothing recorded, every timer pending and due as it was.
  EXPECT_EQ(QueryInt(*pool_,
                     "SELECT count(*) FROM parley_timers WHERE state = 'pending' AND attempts = 0 AND version = 1 "
                     "AND due_at <= now()"),
            6);

  SetCommitFault("");
  EXPECT_EQ(*worker->FireDueNow(), 6);
  EXPECT_EQ(QueryInt(*pool_, "SELECT count(DISTINCT timer_id) FROM timer_effects"), 6);
  EXPECT_EQ(QueryInt(*pool_, "SELECT count(*) FROM timer_effects"), 6);
  EXPECT_EQ(Pending(), 0);
}

TEST_F(TimerBatchTest, ACommitThatKeepsConflictingAppliesNothing) {
  InstallCommitFault();
  WorkerOptions opts = Options();
  opts.retry_backoff_base = absl::Milliseconds(20);
  opts.retry_backoff_max = absl::Milliseconds(40);
  auto worker = NewWorker(opts);
  std::atomic<int> calls{0};
  ASSERT_TRUE(worker->Register("review", TxidHandler(JustFire, &calls)).ok());
  ScheduleKeys(4);
  SetCommitFault("conflict");

  EXPECT_EQ(*worker->FireDueNow(), 0);
  EXPECT_GT(calls.load(), 4);  // the batch was retried
  EXPECT_EQ(QueryInt(*pool_, "SELECT count(*) FROM timer_effects"), 0);
  // Each timer failed on its own as well, so each is retried after a backoff.
  EXPECT_EQ(QueryInt(*pool_, "SELECT count(*) FROM parley_timers WHERE state = 'pending' AND attempts = 1"), 4);
  EXPECT_EQ(QueryInt(*pool_, "SELECT count(*) FROM parley_timers WHERE last_error = 'ABORTED TRANSACTION_CONFLICT'"),
            4);

  SetCommitFault("");
  int fired = 0;
  ASSERT_TRUE(testing::PollUntil([&] {
    fired += worker->FireDueNow().value_or(0);
    return fired == 4;
  }));
  EXPECT_EQ(QueryInt(*pool_, "SELECT count(*) FROM timer_effects"), 4);
  EXPECT_EQ(QueryInt(*pool_, "SELECT count(DISTINCT timer_id) FROM timer_effects"), 4);
}

TEST_F(TimerBatchTest, AHandlerWhoseWriteFailsAtCommitDoesNotHoldBackTheOthers) {
  InstallCommitFault();
  auto worker = NewWorker(Options());  // backoff base 1 h
  std::atomic<int> calls{0};
  ASSERT_TRUE(worker->Register("review", TxidHandler(JustFire, &calls)).ok());
  ScheduleKeys(4);
  ASSERT_TRUE(ScheduleIn(*pool_, {"review", "poison", Past(), ""}).ok());
  SetCommitFault("poison");  // its effect breaks a deferred constraint: the batch cannot commit

  EXPECT_EQ(*worker->FireDueNow(), 4);  // fired one by one after the batch failed
  EXPECT_EQ(QueryInt(*pool_, "SELECT count(*) FROM timer_effects"), 4);
  EXPECT_EQ(Effects("poison"), 0);
  std::optional<Timer> poison = FindIn(*pool_, "review", "poison");
  EXPECT_EQ(poison->state, TimerState::kPending);
  EXPECT_EQ(poison->attempts, 1);
  EXPECT_EQ(poison->last_error, "INVALID_ARGUMENT CONSTRAINT_VIOLATION");
  EXPECT_EQ(Pending(), 1);
}

TEST_F(TimerPgTest, RegisterAndCreateCheckTheirInput) {
  WorkerOptions bad = Options();
  bad.threads = 0;
  EXPECT_EQ(ErrorReason(Worker::Create(pool_.get(), redis_client_.get(), bad, nullptr).status()),
            kReasonOptionsInvalid);
  bad = Options();
  bad.redis_key_prefix = "";
  EXPECT_EQ(Worker::Create(pool_.get(), redis_client_.get(), bad, nullptr).status().code(),
            absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(Worker::Create(nullptr, redis_client_.get(), Options(), nullptr).status().code(),
            absl::StatusCode::kInvalidArgument);
  for (int fire_batch : {0, 65}) {
    bad = Options();
    bad.fire_batch = fire_batch;
    EXPECT_EQ(ErrorReason(Worker::Create(pool_.get(), redis_client_.get(), bad, nullptr).status()),
              kReasonOptionsInvalid);
  }

  auto worker = NewWorker(Options());
  EXPECT_EQ(ErrorReason(worker->Start()), kReasonWorkerState);  // no handler yet
  EXPECT_EQ(ErrorReason(worker->Register("bad kind", testutil::EffectHandler("w"))), kReasonKindInvalid);
  EXPECT_EQ(worker->Register("review", nullptr).code(), absl::StatusCode::kInvalidArgument);
  ASSERT_TRUE(worker->Register("review", testutil::EffectHandler("w")).ok());
  EXPECT_EQ(ErrorReason(worker->Register("review", testutil::EffectHandler("w"))), kReasonHandlerExists);
  ASSERT_TRUE(worker->Start().ok());
  EXPECT_EQ(ErrorReason(worker->Register("later", testutil::EffectHandler("w"))), kReasonWorkerState);
  EXPECT_EQ(ErrorReason(worker->Start()), kReasonWorkerState);
}

}  // namespace
}  // namespace parley::timer
