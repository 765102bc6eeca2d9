#include "common/timer/worker.h"

#include <algorithm>
#include <deque>
#include <map>
#include <thread>
#include <utility>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/container/flat_hash_map.h"
#include "absl/container/flat_hash_set.h"
#include "absl/random/random.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/clock.h"
#include "common/log/log.h"
#include "common/pg/errors.h"
#include "common/status/reason.h"
#include "common/status/status_macros.h"
#include "common/timer/internal.h"
#include "prometheus/counter.h"
#include "prometheus/family.h"
#include "prometheus/gauge.h"
#include "prometheus/histogram.h"
#include "prometheus/registry.h"

namespace parley::timer {
namespace {

// Prepared statement names (registered on the pool by Create).
constexpr char kClaim[] = "parley_timer_claim";
constexpr char kProbe[] = "parley_timer_probe";
constexpr char kMarkFired[] = "parley_timer_mark_fired";
constexpr char kRearm[] = "parley_timer_rearm";
constexpr char kRecordFailure[] = "parley_timer_record_failure";
constexpr char kDuePage[] = "parley_timer_due_page";
constexpr char kNextDue[] = "parley_timer_next_due";
constexpr char kPendingPage[] = "parley_timer_pending_page";
constexpr char kPendingAmong[] = "parley_timer_pending_among";

constexpr int kReconcilePage = 1000;
constexpr size_t kCommandChunk = 500;  // members per buffered ZADD or compare-and-remove call
constexpr absl::Duration kRedisRetryInterval = absl::Seconds(1);
constexpr size_t kMaxBufferedOps = 100000;

// Removes each member whose score is still the given one: a member re-armed meanwhile (new
// score) by another process stays. ARGV = member1, score1, member2, score2, ...
constexpr char kCompareAndRemove[] = R"lua(
local removed = 0
for i = 1, #ARGV, 2 do
  local s = redis.call('ZSCORE', KEYS[1], ARGV[i])
  if s and tonumber(s) == tonumber(ARGV[i + 1]) then
    removed = removed + redis.call('ZREM', KEYS[1], ARGV[i])
  end
end
return removed
)lua";

double UnitRandom() {
  thread_local absl::BitGen gen;
  return absl::Uniform(gen, 0.0, 1.0);
}

// Handlers may return any time; the table only takes what Schedule takes.
bool IsStorableDue(absl::Time t) {
  static const absl::Time kLatest = absl::FromCivil(absl::CivilSecond(10000, 1, 1), absl::UTCTimeZone());
  return t >= absl::UnixEpoch() && t < kLatest;
}

// A timer id the dispatcher will try to fire; `score` is what the sorted set said, when it came
// from there.
struct Candidate {
  int64_t id = 0;
  std::optional<double> score;
};

enum class Outcome {
  kFired,        // handler done, row marked fired
  kRearmed,      // handler asked for a later time
  kSuperseded,   // handler re-scheduled or cancelled this very timer itself
  kFailed,       // handler (or its transaction) failed: attempt recorded, due pushed back
  kNotPending,   // gone, fired or cancelled already: nothing to do
  kNotDue,       // pending but not due by the database's clock
  kLocked,       // another transaction holds the row (another worker firing it, a scheduler)
  kForeignKind,  // pending and due, but this worker has no handler for its kind
  kError,        // the database failed before anything was decided
};

struct FireResult {
  Outcome outcome = Outcome::kError;
  std::string kind;
  absl::Time due;      // the due time the row had when examined
  absl::Time new_due;  // kRearmed, kFailed (when recorded): where the row now stands
  bool new_due_known = false;
  absl::Duration wait;  // kNotDue: due minus the database's now
  double lateness_seconds = 0;
  std::vector<TimerRef> scheduled;  // timers the handler armed, to nudge after commit
};

struct KindMetrics {
  prometheus::Counter* fired = nullptr;
  prometheus::Counter* rearmed = nullptr;
  prometheus::Counter* superseded = nullptr;
  prometheus::Counter* failed = nullptr;
  prometheus::Histogram* lateness = nullptr;
};

const prometheus::Histogram::BucketBoundaries& LatenessBuckets() {
  static const auto* const kBuckets = new prometheus::Histogram::BucketBoundaries{
      0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 300, 1800};
  return *kBuckets;
}

absl::StatusOr<int64_t> IntegerReply(const redis::Reply& r) {
  if (r.is_error()) return redis::ErrorReplyStatus(r.str);
  if (r.type != redis::Reply::Type::kInteger) {
    return WithReason(absl::InternalError("unexpected Redis reply"), redis::kReasonCommandFailed);
  }
  return r.integer;
}

}  // namespace

struct Worker::Impl {
  Impl(pg::Pool* p, redis::Client* r, WorkerOptions o)
      : pool(p),
        redis(r),
        opts(std::move(o)),
        zset_key(opts.redis_key_prefix + "timers"),
        marker_key(opts.redis_key_prefix + "timers:reconciled") {}

  // --- set up before the worker runs (immutable afterwards) ---
  pg::Pool* const pool;
  redis::Client* const redis;
  const WorkerOptions opts;
  const std::string zset_key;
  const std::string marker_key;
  std::map<std::string, Handler> handlers;
  std::map<std::string, KindMetrics> kind_metrics;
  std::string kinds_array;  // text[] literal of the handlers' kinds, set when frozen
  prometheus::Family<prometheus::Counter>* fired_family = nullptr;
  prometheus::Family<prometheus::Histogram>* lateness_family = nullptr;
  prometheus::Gauge* pending_gauge = nullptr;
  prometheus::Counter* reconcile_ok = nullptr;
  prometheus::Counter* reconcile_error = nullptr;
  prometheus::Counter* fallback_polls = nullptr;

  // --- shared state ---
  mutable absl::Mutex mu;
  bool frozen ABSL_GUARDED_BY(mu) = false;  // no more Register: Start or FireDueNow ran
  enum class Phase { kCreated, kRunning, kStopped };
  Phase phase ABSL_GUARDED_BY(mu) = Phase::kCreated;
  bool stopping ABSL_GUARDED_BY(mu) = false;
  std::vector<std::thread> threads;  // touched by Start and Stop only

  // Work handed from the dispatcher to the firing threads.
  std::deque<Candidate> queue ABSL_GUARDED_BY(mu);
  int idle_firers ABSL_GUARDED_BY(mu) = 0;                     // firing threads waiting for work
  absl::flat_hash_set<int64_t> in_flight ABSL_GUARDED_BY(mu);  // queued or firing here
  // Candidates not to try again before a local time (locked elsewhere, not due by the database).
  absl::flat_hash_map<int64_t, absl::Time> deferred ABSL_GUARDED_BY(mu);
  bool wake ABSL_GUARDED_BY(mu) = false;
  // When the sleeping dispatcher means to poll next (local clock): Notify wakes it only for
  // earlier timers. InfiniteFuture while it is not sleeping, so a Notify during a poll is seen.
  absl::Time planned_wake ABSL_GUARDED_BY(mu) = absl::InfiniteFuture();

  // Sorted-set changes decided by the firing threads, sent with the dispatcher's next poll.
  absl::flat_hash_map<int64_t, double> pending_adds ABSL_GUARDED_BY(mu);
  absl::flat_hash_map<int64_t, double> pending_removals ABSL_GUARDED_BY(mu);

  // Whether the sorted set can be trusted. Every Redis failure bumps the generation; only a
  // reconcile that started after the last failure and succeeded makes Redis trusted again.
  bool redis_ok ABSL_GUARDED_BY(mu) = false;
  uint64_t redis_generation ABSL_GUARDED_BY(mu) = 0;
  bool reconcile_requested ABSL_GUARDED_BY(mu) = false;

  // ---------------------------------------------------------------------------------------------
  // Metrics

  void AddKindMetrics(const std::string& kind) {
    if (fired_family == nullptr) return;
    KindMetrics& m = kind_metrics[kind];
    m.fired = &fired_family->Add({{"kind", kind}, {"result", "fired"}});
    m.rearmed = &fired_family->Add({{"kind", kind}, {"result", "rearmed"}});
    m.superseded = &fired_family->Add({{"kind", kind}, {"result", "superseded"}});
    m.failed = &fired_family->Add({{"kind", kind}, {"result", "failed"}});
    m.lateness = &lateness_family->Add({{"kind", kind}}, LatenessBuckets());
  }

  void CountOutcome(const FireResult& r) {
    auto it = kind_metrics.find(r.kind);
    if (it == kind_metrics.end()) return;
    KindMetrics& m = it->second;
    switch (r.outcome) {
      case Outcome::kFired:
        m.fired->Increment();
        m.lateness->Observe(r.lateness_seconds);
        break;
      case Outcome::kRearmed:
        m.rearmed->Increment();
        break;
      case Outcome::kSuperseded:
        m.superseded->Increment();
        break;
      case Outcome::kFailed:
        m.failed->Increment();
        break;
      default:
        break;
    }
  }

  // ---------------------------------------------------------------------------------------------
  // Redis health

  void MarkRedisFailedLocked(absl::string_view cause) ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu) {
    ++redis_generation;
    reconcile_requested = true;
    wake = true;
    if (redis_ok) {
      redis_ok = false;
      log::Warning("timer_redis_fallback", {{"zset", zset_key}, {"cause", std::string(cause)}});
    }
  }

  void MarkRedisFailed(absl::string_view cause) {
    absl::MutexLock lock(&mu);
    MarkRedisFailedLocked(cause);
  }

  // ---------------------------------------------------------------------------------------------
  // Sorted-set bookkeeping

  void QueueAddLocked(int64_t id, double score) ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu) {
    pending_removals.erase(id);
    pending_adds[id] = score;
    CapBuffersLocked();
  }

  void QueueRemovalLocked(int64_t id, double score) ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu) {
    if (pending_adds.contains(id)) return;  // a newer decision already re-added it
    pending_removals[id] = score;
    CapBuffersLocked();
  }

  // Buffers only grow while Redis is out of reach; dropping them is safe because Redis is not
  // trusted again before a reconcile has rebuilt the set.
  void CapBuffersLocked() ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu) {
    if (pending_adds.size() + pending_removals.size() <= kMaxBufferedOps) return;
    pending_adds.clear();
    pending_removals.clear();
    MarkRedisFailedLocked("buffer_overflow");
  }

  std::vector<std::vector<std::string>> BufferedCommandsLocked() ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu) {
    std::vector<std::vector<std::string>> commands;
    std::vector<std::string> zadd;
    for (const auto& [id, score] : pending_adds) {
      if (zadd.empty()) zadd = {"ZADD", zset_key};
      zadd.push_back(internal::FormatScore(score));
      zadd.push_back(absl::StrCat(id));
      if (zadd.size() >= 2 + 2 * kCommandChunk) commands.push_back(std::exchange(zadd, {}));
    }
    if (!zadd.empty()) commands.push_back(std::move(zadd));
    pending_adds.clear();
    std::vector<std::string> script;
    for (const auto& [id, score] : pending_removals) {
      if (script.empty()) script = {"EVAL", kCompareAndRemove, "1", zset_key};
      script.push_back(absl::StrCat(id));
      script.push_back(internal::FormatScore(score));
      if (script.size() >= 4 + 2 * kCommandChunk) commands.push_back(std::exchange(script, {}));
    }
    if (!script.empty()) commands.push_back(std::move(script));
    pending_removals.clear();
    return commands;
  }

  // Records what a fire attempt means for the sorted set and for this dispatcher.
  void Settle(const Candidate& c, const FireResult& r) {
    CountOutcome(r);
    absl::MutexLock lock(&mu);
    in_flight.erase(c.id);
    const absl::Time now = absl::Now();
    switch (r.outcome) {
      case Outcome::kFired:
      case Outcome::kSuperseded:
      case Outcome::kNotPending:
        QueueRemovalLocked(c.id, c.score.value_or(internal::ScoreForDue(r.due)));
        break;
      case Outcome::kRearmed:
      case Outcome::kFailed:
        if (r.new_due_known) {
          QueueAddLocked(c.id, internal::ScoreForDue(r.new_due));
        } else {
          deferred[c.id] = now + opts.max_idle;
        }
        break;
      case Outcome::kNotDue:
        // Redis's clock ahead of the database's: look again soon, not at once. Never for longer
        // than max_idle, so a later re-arm to an earlier time is not held up here.
        deferred[c.id] = now + std::min(r.wait, opts.max_idle);
        // A stale score (a re-arm whose nudge was lost) is corrected here.
        if (c.score && *c.score != internal::ScoreForDue(r.due)) QueueAddLocked(c.id, internal::ScoreForDue(r.due));
        break;
      case Outcome::kLocked:
      case Outcome::kError:
        deferred[c.id] = now + opts.max_idle;
        break;
      case Outcome::kForeignKind:
        deferred[c.id] = now + opts.reconcile_interval;
        break;
    }
    for (const TimerRef& ref : r.scheduled) QueueAddLocked(ref.id, internal::ScoreForDue(ref.due));
    if (queue.empty()) wake = true;
  }

  // ---------------------------------------------------------------------------------------------
  // Firing a batch of timers

  // Runs one claimed timer's handler inside the batch's transaction, between a savepoint and its
  // release: a handler that fails (an error, an exception, a statement it broke) is rolled back to
  // the savepoint and its timer marked for retry, and the batch goes on. Returns the handler's
  // error when that is impossible because the transaction object itself is gone: libpqxx 6 aborts
  // the whole transaction when a plain exec() fails (exec_params and exec_prepared leave it to the
  // savepoint). Throws when the connection is lost, which fails the batch.
  //
  // Without `savepoint` (a batch's first run, see FireBatch) any failure is returned instead, and
  // the caller rolls the whole batch back.
  absl::Status FireClaimed(pqxx::work& txn, const Timer& t, bool savepoint, bool first, FireResult* res) {
    // One round trip: the previous timer's savepoint is released as this one's is set.
    if (savepoint) {
      txn.exec0(first ? "SAVEPOINT parley_timer_fire"
                      : "RELEASE SAVEPOINT parley_timer_fire; SAVEPOINT parley_timer_fire");
    }
    res->kind = t.kind;
    res->due = t.due;
    absl::StatusOr<std::optional<absl::Time>> out;
    {
      internal::ScheduleObserver observer(&txn);
      try {
        out = handlers.at(t.kind)(txn, t);
        if (out.ok() && out->has_value() && !IsStorableDue(**out)) {
          out = InvalidArgument(kReasonDueInvalid, "the timer handler re-armed to a time out of range");
        }
        if (out.ok() && !out->has_value()) {
          const pqxx::result fired = txn.exec_prepared(kMarkFired, t.id, t.version);
          if (fired.empty()) {
            res->outcome = Outcome::kSuperseded;  // the handler re-scheduled or cancelled its own timer
          } else {
            res->outcome = Outcome::kFired;
            res->lateness_seconds = std::max(0.0, fired[0][0].as<double>());
          }
        } else if (out.ok()) {
          const pqxx::result rearmed = txn.exec_prepared(kRearm, t.id, t.version, internal::SqlTimestamp(**out));
          if (rearmed.empty()) {
            res->outcome = Outcome::kSuperseded;
          } else {
            res->outcome = Outcome::kRearmed;
            res->new_due = absl::FromUnixMicros(rearmed[0][0].as<int64_t>());
            res->new_due_known = true;
          }
        }
      } catch (const std::exception& e) {
        out = pg::TranslateException(e);
      } catch (...) {
        out = WithReason(absl::InternalError("the timer handler threw"), reason::kTimerHandlerThrew);
      }
      res->scheduled = observer.scheduled();
    }
    if (out.ok()) return absl::OkStatus();
    res->scheduled.clear();  // rolled back below with the handler's other writes
    if (!savepoint) return out.status();
    try {
      txn.exec0("ROLLBACK TO SAVEPOINT parley_timer_fire");
    } catch (const pqxx::usage_error&) {
      if (!txn.conn().is_open()) throw;
      return out.status();
    }
    RecordFailure(txn, t, out.status(), res);
    return absl::OkStatus();
  }

  // Classifies the candidates the claim did not lock, in one statement.
  void Probe(pqxx::work& txn, const std::vector<int64_t>& ids, absl::flat_hash_map<int64_t, FireResult*>& out) {
    for (auto& [id, res] : out) res->outcome = Outcome::kNotPending;  // absent rows stay so
    const pqxx::result rows = txn.exec_prepared(kProbe, internal::BigintArray(ids));
    for (const pqxx::row& p : rows) {
      FireResult* res = out.at(p[0].as<int64_t>());
      res->kind = p[2].as<std::string>();
      res->due = absl::FromUnixMicros(p[3].as<int64_t>());
      const absl::Time db_now = absl::FromUnixMicros(p[4].as<int64_t>());
      if (p[1].as<std::string>() != "pending") {
        res->outcome = Outcome::kNotPending;
      } else if (!handlers.count(res->kind)) {
        res->outcome = Outcome::kForeignKind;
      } else if (res->due > db_now) {
        res->outcome = Outcome::kNotDue;
        res->wait = res->due - db_now;
      } else {
        res->outcome = Outcome::kLocked;
      }
    }
  }

  // One transaction for up to fire_batch candidates: claim the ones still pending and due (FOR
  // UPDATE SKIP LOCKED, in one statement), run each claimed timer's handler under its own
  // savepoint (FireClaimed), commit once. Results are in the order of `cs`.
  //
  // Only the commit makes any of it visible. When the batch's transaction fails as a whole (a
  // lost connection, a commit that failed or whose outcome is unknown), every claimed timer is
  // left exactly as it was: pending, due, for the next attempt. An outage is retried as it is; any
  // other failure (a conflict that outlived the retries, a deferred constraint one handler broke)
  // is retried at once one timer per transaction, so a culprit cannot hold back the others.
  //
  // A batch runs first without savepoints: a subtransaction per handler costs PostgreSQL a
  // subtransaction id and its bookkeeping for every handler that writes, while failures are rare.
  // The first failure rolls that run back; the failing timer's attempt is recorded alone and the
  // rest runs again, now with a savepoint per handler, so further failures cost no more reruns.
  std::vector<FireResult> FireBatch(const std::vector<Candidate>& cs, bool savepoints = false) {
    std::vector<FireResult> results(cs.size());
    std::vector<int64_t> ids;
    ids.reserve(cs.size());
    for (const Candidate& c : cs) ids.push_back(c.id);
    std::vector<std::optional<Timer>> claimed(cs.size());
    std::optional<size_t> broken_by;  // the handler that failed the run (or broke the transaction)
    absl::Status broken_error;
    const absl::Status status = pool->TransactWithRetry([&](pqxx::work& txn) -> absl::Status {
      std::fill(results.begin(), results.end(), FireResult());
      std::fill(claimed.begin(), claimed.end(), std::nullopt);
      broken_by.reset();
      absl::flat_hash_map<int64_t, size_t> index;
      for (size_t i = 0; i < ids.size(); ++i) index[ids[i]] = i;
      for (const pqxx::row& row : txn.exec_prepared(kClaim, internal::BigintArray(ids), kinds_array)) {
        const Timer t = internal::TimerFromRow(row);
        claimed[index.at(t.id)] = t;
      }
      std::vector<int64_t> unclaimed;
      absl::flat_hash_map<int64_t, FireResult*> probed;
      for (size_t i = 0; i < ids.size(); ++i) {
        if (claimed[i]) continue;
        unclaimed.push_back(ids[i]);
        probed[ids[i]] = &results[i];
      }
      if (!unclaimed.empty()) Probe(txn, unclaimed, probed);
      bool first = true;
      for (size_t i = 0; i < ids.size(); ++i) {
        if (!claimed[i]) continue;
        broken_error = FireClaimed(txn, *claimed[i], savepoints, first, &results[i]);
        if (!broken_error.ok()) {
          // A lost connection is an outage of the batch, not a failure of this handler.
          if (txn.conn().is_open()) broken_by = i;
          return broken_error;  // rolls back
        }
        first = false;
      }
      return absl::OkStatus();
    });
    if (status.ok()) return results;
    if (broken_by) {
      // That handler's failure is recorded on its own; the rest of the batch runs again without it.
      const size_t culprit = *broken_by;
      const Timer t = *claimed[culprit];
      const absl::Status recorded = pool->Transact([&](pqxx::work& txn) -> absl::Status {
        results[culprit] = FireResult();
        RecordFailure(txn, t, broken_error, &results[culprit]);
        return absl::OkStatus();
      });
      if (!recorded.ok()) results[culprit].outcome = Outcome::kError;
      std::vector<Candidate> rest;
      for (size_t i = 0; i < cs.size(); ++i) {
        if (i != culprit) rest.push_back(cs[i]);
      }
      if (rest.empty()) return results;
      std::vector<FireResult> again = FireBatch(rest, /*savepoints=*/true);
      for (size_t i = 0, j = 0; i < cs.size(); ++i) {
        if (i != culprit) results[i] = std::move(again[j++]);
      }
      return results;
    }

    std::vector<size_t> retry;
    for (size_t i = 0; i < cs.size(); ++i) {
      if (!claimed[i]) {
        // A probe is a read: what it saw stands. A failed read says nothing.
        if (results[i].kind.empty()) results[i].outcome = Outcome::kError;
        continue;
      }
      FireResult failed;
      failed.outcome = Outcome::kError;
      failed.kind = claimed[i]->kind;
      failed.due = claimed[i]->due;
      results[i] = failed;  // nothing committed: not fired, no effect, nothing to nudge
      retry.push_back(i);
    }
    if (retry.empty() || status.code() == absl::StatusCode::kUnavailable) return results;
    if (cs.size() > 1) {
      log::Warning("timer_batch_failed",
                   {{"error", internal::ErrorSummary(status)}, {"timers", static_cast<int>(retry.size())}});
      for (size_t i : retry) results[i] = FireBatch({cs[i]}, /*savepoints=*/true).front();
      return results;
    }
    // A single timer whose transaction cannot commit: that is its failure, recorded on its own.
    const absl::Status recorded = pool->Transact([&](pqxx::work& txn) -> absl::Status {
      results[0] = FireResult();
      RecordFailure(txn, *claimed[0], status, &results[0]);
      return absl::OkStatus();
    });
    if (!recorded.ok()) results[0].outcome = Outcome::kError;
    return results;
  }

  // Marks a failed attempt in `txn`: attempts + 1, last_error, due pushed back by the backoff.
  void RecordFailure(pqxx::work& txn, const Timer& t, const absl::Status& error, FireResult* res) {
    res->outcome = Outcome::kFailed;
    res->kind = t.kind;
    res->due = t.due;
    const int attempts = t.attempts + 1;
    const absl::Duration backoff =
        internal::RetryBackoff(attempts, opts.retry_backoff_base, opts.retry_backoff_max, UnitRandom());
    const std::string summary = internal::ErrorSummary(error);
    const pqxx::result r = txn.exec_prepared(kRecordFailure, t.id, t.version, summary, absl::ToDoubleSeconds(backoff));
    if (!r.empty()) {
      res->new_due = absl::FromUnixMicros(r[0][0].as<int64_t>());
      res->new_due_known = true;
    }
    // Transitions only: the first failure of an arming, then quiet until it fires.
    if (attempts == 1) {
      log::Warning("timer_handler_failing", {{"timer_id", t.id},
                                             {"kind", t.kind},
                                             {"attempts", attempts},
                                             {"error", summary},
                                             {"retry_in_ms", absl::ToInt64Milliseconds(backoff)}});
    }
  }

  int FireAndSettle(const std::vector<Candidate>& cs) {
    const std::vector<FireResult> results = FireBatch(cs);
    int fired = 0;
    for (size_t i = 0; i < cs.size(); ++i) {
      const FireResult& r = results[i];
      if (r.outcome == Outcome::kFired) {
        ++fired;
        log::Debug("timer_fired", {{"timer_id", cs[i].id}, {"kind", r.kind}, {"lateness_s", r.lateness_seconds}});
      }
      Settle(cs[i], r);
    }
    return fired;
  }

  // ---------------------------------------------------------------------------------------------
  // Threads

  void FiringLoop() {
    for (;;) {
      std::vector<Candidate> batch;
      {
        absl::MutexLock lock(&mu);
        ++idle_firers;
        auto ready = [this]() ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu) { return stopping || !queue.empty(); };
        mu.Await(absl::Condition(&ready));
        --idle_firers;
        if (stopping) return;
        // An even share for every idle thread, up to fire_batch: a few due timers still fire in
        // parallel, and a herd fires in full batches.
        const size_t share = (queue.size() + idle_firers) / (idle_firers + 1);
        const size_t take = std::clamp<size_t>(share, 1, opts.fire_batch);
        for (size_t i = 0; i < take; ++i) {
          batch.push_back(std::move(queue.front()));
          queue.pop_front();
        }
        if (queue.empty()) wake = true;  // poll for more while these fire
      }
      FireAndSettle(batch);
    }
  }

  void DispatchLoop() {
    for (;;) {
      bool use_redis = false;
      {
        absl::MutexLock lock(&mu);
        if (stopping) return;
        use_redis = redis_ok;
        wake = false;
      }
      const absl::Duration wait = use_redis ? PollRedis() : PollPostgres();
      absl::MutexLock lock(&mu);
      planned_wake = absl::Now() + wait;
      auto woken = [this]() ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu) { return stopping || wake; };
      mu.AwaitWithTimeout(absl::Condition(&woken), wait);
      planned_wake = absl::InfiniteFuture();
    }
  }

  // Ids the next poll must not hand out again, and how soon a deferral expires.
  absl::flat_hash_set<int64_t> ExcludedLocked(absl::Time now, absl::Duration* next_expiry)
      ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu) {
    absl::flat_hash_set<int64_t> out(in_flight.begin(), in_flight.end());
    for (auto it = deferred.begin(); it != deferred.end();) {
      if (it->second <= now) {
        deferred.erase(it++);
        continue;
      }
      out.insert(it->first);
      *next_expiry = std::min(*next_expiry, it->second - now);
      ++it;
    }
    for (const auto& [id, score] : pending_removals) out.insert(id);
    return out;
  }

  // Hands candidates to the firing threads in random order, so replicas that polled the same
  // batch mostly take different rows first.
  int Enqueue(std::vector<Candidate> candidates) {
    absl::BitGen gen;
    std::shuffle(candidates.begin(), candidates.end(), gen);
    absl::MutexLock lock(&mu);
    int n = 0;
    for (Candidate& c : candidates) {
      if (in_flight.contains(c.id) || pending_removals.contains(c.id)) continue;
      in_flight.insert(c.id);
      queue.push_back(std::move(c));
      ++n;
    }
    return n;
  }

  // One round trip: pending sorted-set changes, the server's clock, the reconcile marker and the
  // earliest members. Returns how long the dispatcher may sleep.
  absl::Duration PollRedis() {
    absl::Duration sleep = opts.max_idle;
    absl::flat_hash_set<int64_t> excluded;
    std::vector<std::vector<std::string>> commands;
    {
      absl::MutexLock lock(&mu);
      excluded = ExcludedLocked(absl::Now(), &sleep);
      commands = BufferedCommandsLocked();
    }
    const size_t buffered = commands.size();
    // By rank rather than by score: with the server's TIME from the same round trip, due members
    // and the next one to come are told apart by one clock.
    const size_t limit = std::min<size_t>(opts.claim_batch + excluded.size(), 10 * opts.claim_batch);
    commands.push_back({"TIME"});
    commands.push_back({"EXISTS", marker_key});
    commands.push_back({"ZRANGE", zset_key, "0", absl::StrCat(limit - 1), "WITHSCORES"});
    absl::StatusOr<std::vector<redis::Reply>> replies = redis->Pipeline(commands);
    if (!replies.ok()) {
      MarkRedisFailed("poll");
      return absl::ZeroDuration();
    }
    for (const redis::Reply& r : *replies) {
      if (r.is_error()) {
        MarkRedisFailed("poll_error_reply");
        return absl::ZeroDuration();
      }
    }
    const redis::Reply& time = (*replies)[buffered];
    const redis::Reply& marker = (*replies)[buffered + 1];
    const redis::Reply& members = (*replies)[buffered + 2];
    int64_t secs = 0;
    int64_t micros = 0;
    if (time.elements.size() != 2 || !absl::SimpleAtoi(time.elements[0].str, &secs) ||
        !absl::SimpleAtoi(time.elements[1].str, &micros) || members.elements.size() % 2 != 0) {
      MarkRedisFailed("poll_bad_reply");
      return absl::ZeroDuration();
    }
    if (marker.integer == 0) {
      // A wiped or restarted Redis: the set may miss timers until a reconcile rebuilds it.
      log::Warning("timer_redis_wiped", {{"zset", zset_key}});
      MarkRedisFailed("marker_missing");
      return absl::ZeroDuration();
    }
    const double now_score = internal::NowScore(absl::FromUnixSeconds(secs) + absl::Microseconds(micros));
    std::vector<Candidate> due;
    bool window_all_due = true;
    for (size_t i = 0; i < members.elements.size(); i += 2) {
      int64_t id = 0;
      double score = 0;
      if (!absl::SimpleAtoi(members.elements[i].str, &id) || !absl::SimpleAtod(members.elements[i + 1].str, &score)) {
        continue;  // not ours; reconcile removes it
      }
      if (score > now_score) {
        sleep = std::min(sleep, absl::Seconds(score - now_score));
        window_all_due = false;
        break;
      }
      if (!excluded.contains(id)) due.push_back(Candidate{id, score});
    }
    if (Enqueue(std::move(due)) > 0) return opts.max_idle;  // a drained queue wakes us sooner
    if (window_all_due && members.elements.size() / 2 >= limit) {
      // The whole window is due but held up (locked elsewhere, kinds nobody here handles): due
      // timers may wait behind it, so ask PostgreSQL, which filters by kind, this once.
      return PollPostgres();
    }
    return sleep;
  }

  // While Redis cannot be trusted: due timers straight from PostgreSQL.
  absl::Duration PollPostgres() {
    if (fallback_polls != nullptr) fallback_polls->Increment();
    absl::Duration sleep = opts.max_idle;
    std::vector<int64_t> excluded;
    {
      absl::MutexLock lock(&mu);
      const absl::flat_hash_set<int64_t> set = ExcludedLocked(absl::Now(), &sleep);
      excluded.assign(set.begin(), set.end());
    }
    std::vector<Candidate> due;
    const absl::Status status = pool->Read([&](pqxx::work& txn) -> absl::Status {
      const pqxx::result rows = txn.exec_prepared(kDuePage, kinds_array, internal::BigintArray(excluded), "infinity",
                                                  "-infinity", 0, opts.claim_batch);
      for (const pqxx::row& row : rows) due.push_back(Candidate{row[0].as<int64_t>(), std::nullopt});
      if (rows.size() < static_cast<size_t>(opts.claim_batch)) {
        const pqxx::result next = txn.exec_prepared(kNextDue, kinds_array);
        if (!next.empty()) sleep = std::min(sleep, absl::Microseconds(next[0][0].as<int64_t>()));
      }
      return absl::OkStatus();
    });
    if (!status.ok()) return opts.max_idle;
    if (Enqueue(std::move(due)) > 0) return opts.max_idle;
    return sleep;
  }

  void ReconcileLoop() {
    absl::Time next_periodic = absl::Now() + opts.reconcile_interval;
    absl::Time next_retry = absl::InfinitePast();
    for (;;) {
      uint64_t generation = 0;
      {
        absl::MutexLock lock(&mu);
        for (;;) {
          if (stopping) return;
          const absl::Time now = absl::Now();
          const bool retry_allowed = now >= next_retry;
          if ((reconcile_requested && retry_allowed) || now >= next_periodic) break;
          // A request inside the retry pause waits for the pause to end (Redis is down: no hot loop).
          auto stop_only = [this]() ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu) { return stopping; };
          auto woken = [this]() ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu) { return stopping || reconcile_requested; };
          if (reconcile_requested) {
            mu.AwaitWithDeadline(absl::Condition(&stop_only), std::min(next_retry, next_periodic));
          } else {
            mu.AwaitWithDeadline(absl::Condition(&woken), next_periodic);
          }
        }
        reconcile_requested = false;
        generation = redis_generation;
      }
      bool redis_failed = false;
      const absl::Status status = Reconcile(&redis_failed);
      absl::MutexLock lock(&mu);
      next_periodic = absl::Now() + opts.reconcile_interval;
      if (status.ok()) {
        if (!redis_ok && generation == redis_generation) {
          redis_ok = true;
          log::Info("timer_redis_recovered", {{"zset", zset_key}});
        }
        wake = true;
      } else {
        next_retry = absl::Now() + kRedisRetryInterval;
        if (redis_failed) MarkRedisFailedLocked("reconcile");
        if (!redis_ok) reconcile_requested = true;
      }
    }
  }

  // ---------------------------------------------------------------------------------------------
  // Reconcile: make the sorted set hold every pending timer at its due time, and nothing else.

  bool Stopping() {
    absl::MutexLock lock(&mu);
    return stopping;
  }

  absl::Status Reconcile(bool* redis_failed) {
    absl::Status status = ReconcileSteps(redis_failed);
    if (status.code() == absl::StatusCode::kCancelled) return status;
    if (status.ok()) {
      if (reconcile_ok != nullptr) reconcile_ok->Increment();
    } else {
      if (reconcile_error != nullptr) reconcile_error->Increment();
      log::Warning("timer_reconcile_failed",
                   {{"zset", zset_key}, {"error", internal::ErrorSummary(status)}, {"redis", *redis_failed}});
    }
    return status;
  }

  absl::Status ReconcileSteps(bool* redis_failed) {
    // The marker goes first: a wipe at any later moment removes it and so triggers another run.
    auto redis_step = [&](absl::Status s) {
      if (!s.ok()) *redis_failed = true;
      return s;
    };
    PARLEY_RETURN_IF_ERROR(
        redis_step(redis->Command({"SET", marker_key, absl::StrCat(absl::ToUnixSeconds(absl::Now()))}).status()));

    // Every pending timer, in due order by keyset pages.
    int64_t pending = 0;
    std::string after_due = "-infinity";
    int64_t after_id = 0;
    for (;;) {
      std::vector<std::pair<double, std::string>> items;
      PARLEY_RETURN_IF_ERROR(pool->Read([&](pqxx::work& txn) -> absl::Status {
        const pqxx::result rows = txn.exec_prepared(kPendingPage, after_due, after_id, kReconcilePage);
        for (const pqxx::row& row : rows) {
          const int64_t id = row[0].as<int64_t>();
          const absl::Time due = absl::FromUnixMicros(row[1].as<int64_t>());
          items.emplace_back(internal::ScoreForDue(due), absl::StrCat(id));
          after_id = id;
          after_due = internal::SqlTimestamp(due);
        }
        return absl::OkStatus();
      }));
      pending += static_cast<int64_t>(items.size());
      PARLEY_RETURN_IF_ERROR(redis_step(redis->ZAddMany(zset_key, items)));
      if (items.size() < static_cast<size_t>(kReconcilePage)) break;
      if (Stopping()) return absl::CancelledError("stopping");
    }

    // Members that are no longer pending (fired, cancelled, deleted) go, unless re-armed meanwhile.
    std::string cursor = "0";
    do {
      absl::StatusOr<redis::Reply> scan =
          redis->Command({"ZSCAN", zset_key, cursor, "COUNT", absl::StrCat(kReconcilePage)});
      if (scan.ok() && scan->is_error()) scan = redis::ErrorReplyStatus(scan->str);
      PARLEY_RETURN_IF_ERROR(redis_step(scan.status()));
      if (scan->elements.size() != 2 || scan->elements[1].elements.size() % 2 != 0) {
        *redis_failed = true;
        return WithReason(absl::InternalError("unexpected Redis reply to ZSCAN"), redis::kReasonCommandFailed);
      }
      cursor = scan->elements[0].str;
      const std::vector<redis::Reply>& flat = scan->elements[1].elements;
      std::vector<int64_t> ids;
      std::vector<std::string> garbage;
      for (size_t i = 0; i < flat.size(); i += 2) {
        int64_t id = 0;
        if (absl::SimpleAtoi(flat[i].str, &id)) {
          ids.push_back(id);
        } else {
          garbage.push_back(flat[i].str);
        }
      }
      absl::flat_hash_set<int64_t> still_pending;
      if (!ids.empty()) {
        PARLEY_RETURN_IF_ERROR(pool->Read([&](pqxx::work& txn) -> absl::Status {
          for (const pqxx::row& row : txn.exec_prepared(kPendingAmong, internal::BigintArray(ids))) {
            still_pending.insert(row[0].as<int64_t>());
          }
          return absl::OkStatus();
        }));
      }
      std::vector<std::string> script = {"EVAL", kCompareAndRemove, "1", zset_key};
      for (size_t i = 0; i < flat.size(); i += 2) {
        int64_t id = 0;
        if (absl::SimpleAtoi(flat[i].str, &id) && still_pending.contains(id)) continue;
        script.push_back(flat[i].str);
        script.push_back(flat[i + 1].str);
      }
      if (script.size() > 4) {
        absl::StatusOr<redis::Reply> removed = redis->Command(script);
        PARLEY_RETURN_IF_ERROR(redis_step(removed.ok() ? IntegerReply(*removed).status() : removed.status()));
      }
      if (Stopping()) return absl::CancelledError("stopping");
    } while (cursor != "0");

    if (pending_gauge != nullptr) pending_gauge->Set(static_cast<double>(pending));
    return absl::OkStatus();
  }
};

// -------------------------------------------------------------------------------------------------

Worker::Worker(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}

Worker::~Worker() { Stop(); }

absl::StatusOr<std::unique_ptr<Worker>> Worker::Create(pg::Pool* pool, redis::Client* redis, WorkerOptions options,
                                                       prometheus::Registry* registry) {
  if (pool == nullptr || redis == nullptr) {
    return InvalidArgument(kReasonOptionsInvalid, "a timer worker needs a database pool and a Redis client");
  }
  if (options.redis_key_prefix.empty() || options.threads < 1 || options.threads > 64 ||
      options.max_idle <= absl::ZeroDuration() || options.reconcile_interval <= absl::ZeroDuration() ||
      options.retry_backoff_base <= absl::ZeroDuration() || options.retry_backoff_max < options.retry_backoff_base ||
      options.claim_batch < 1 || options.claim_batch > 10000 || options.fire_batch < 1 || options.fire_batch > 64) {
    return InvalidArgument(kReasonOptionsInvalid,
                           "timer worker options: redis_key_prefix is required, threads 1..64, claim_batch "
                           "1..10000, fire_batch 1..64, positive durations, retry_backoff_max >= retry_backoff_base");
  }
  auto impl = std::make_unique<Impl>(pool, redis, std::move(options));
  if (registry != nullptr) {
    impl->fired_family = &prometheus::BuildCounter()
                              .Name("parley_timer_fired_total")
                              .Help("Timer fire attempts by kind and result (fired, rearmed, superseded, failed)")
                              .Register(*registry);
    impl->lateness_family = &prometheus::BuildHistogram()
                                 .Name("parley_timer_lateness_seconds")
                                 .Help("Time from a timer's due instant to its firing, by the database's clock")
                                 .Register(*registry);
    impl->pending_gauge = &prometheus::BuildGauge()
                               .Name("parley_timer_pending")
                               .Help("Pending timers, counted by the last reconcile")
                               .Register(*registry)
                               .Add({});
    auto& reconciles = prometheus::BuildCounter()
                           .Name("parley_timer_reconcile_runs_total")
                           .Help("Rebuilds of the Redis wake-up set from PostgreSQL, by result")
                           .Register(*registry);
    impl->reconcile_ok = &reconciles.Add({{"result", "ok"}});
    impl->reconcile_error = &reconciles.Add({{"result", "error"}});
    impl->fallback_polls = &prometheus::BuildCounter()
                                .Name("parley_timer_redis_fallback_polls_total")
                                .Help("Polls of PostgreSQL for due timers while Redis could not be trusted")
                                .Register(*registry)
                                .Add({});
  }

  const std::string cols = internal::kTimerColumns;
  // A batch's rows are locked together, at its start; rows another transaction holds are skipped.
  pool->Prepare(kClaim, "SELECT " + cols +
                            " FROM parley_timers WHERE id = ANY($1::int8[]) AND state = 'pending' AND due_at <= now() "
                            "AND kind = ANY($2::text[]) ORDER BY id FOR UPDATE SKIP LOCKED");
  pool->Prepare(kProbe,
                "SELECT id, state, kind, (extract(epoch FROM due_at) * 1000000)::int8, "
                "(extract(epoch FROM now()) * 1000000)::int8 FROM parley_timers WHERE id = ANY($1::int8[])");
  // fired_at is when this timer's handler finished, not when its batch began (now() is the
  // transaction's start, shared by the whole batch); it is never before due_at, which the claim
  // checked against now().
  pool->Prepare(kMarkFired,
                "UPDATE parley_timers SET state = 'fired', fired_at = clock_timestamp(), updated_at = now(), "
                "version = version + 1 WHERE id = $1 AND version = $2 AND state = 'pending' "
                "RETURNING extract(epoch FROM fired_at - due_at)::float8");
  pool->Prepare(kRearm,
                "UPDATE parley_timers SET due_at = $3::timestamptz, version = version + 1, attempts = 0, "
                "last_error = NULL, updated_at = now() WHERE id = $1 AND version = $2 AND state = 'pending' "
                "RETURNING (extract(epoch FROM due_at) * 1000000)::int8");
  pool->Prepare(kRecordFailure,
                "UPDATE parley_timers SET attempts = attempts + 1, last_error = $3, "
                "due_at = now() + make_interval(secs => $4), version = version + 1, updated_at = now() "
                "WHERE id = $1 AND version = $2 AND state = 'pending' "
                "RETURNING (extract(epoch FROM due_at) * 1000000)::int8");
  // $3 caps due_at for FireDueNow's single pass; $4/$5 is the keyset position.
  pool->Prepare(kDuePage,
                "SELECT id, (extract(epoch FROM due_at) * 1000000)::int8 FROM parley_timers "
                "WHERE state = 'pending' AND due_at <= LEAST(now(), $3::timestamptz) "
                "AND kind = ANY($1::text[]) AND NOT (id = ANY($2::int8[])) AND (due_at, id) > ($4::timestamptz, $5) "
                "ORDER BY due_at, id LIMIT $6");
  pool->Prepare(kNextDue,
                "SELECT (extract(epoch FROM due_at - now()) * 1000000)::int8 FROM parley_timers "
                "WHERE state = 'pending' AND due_at > now() AND kind = ANY($1::text[]) ORDER BY due_at, id LIMIT 1");
  pool->Prepare(kPendingPage,
                "SELECT id, (extract(epoch FROM due_at) * 1000000)::int8 FROM parley_timers "
                "WHERE state = 'pending' AND (due_at, id) > ($1::timestamptz, $2) ORDER BY due_at, id LIMIT $3");
  pool->Prepare(kPendingAmong, "SELECT id FROM parley_timers WHERE id = ANY($1::int8[]) AND state = 'pending'");

  return std::unique_ptr<Worker>(new Worker(std::move(impl)));
}

absl::Status Worker::Register(absl::string_view kind, Handler handler) {
  if (!internal::IsValidKind(kind)) {
    return InvalidArgument(kReasonKindInvalid,
                           "a timer kind is 1 to 64 characters of A-Z, a-z, 0-9, '_', '.', ':', '-'");
  }
  if (!handler) return InvalidArgument(kReasonOptionsInvalid, "a timer handler must be callable");
  absl::MutexLock lock(&impl_->mu);
  if (impl_->frozen) {
    return FailedPrecondition(kReasonWorkerState, "register timer handlers before starting the worker");
  }
  const std::string k(kind);
  if (impl_->handlers.count(k)) {
    return AlreadyExists(kReasonHandlerExists, absl::StrCat("a handler for timer kind ", k, " is already registered"));
  }
  impl_->handlers.emplace(k, std::move(handler));
  impl_->AddKindMetrics(k);
  return absl::OkStatus();
}

absl::Status Worker::Start() {
  {
    absl::MutexLock lock(&impl_->mu);
    if (impl_->phase != Impl::Phase::kCreated) {
      return FailedPrecondition(kReasonWorkerState, "a timer worker starts once");
    }
    if (impl_->handlers.empty()) {
      return FailedPrecondition(kReasonWorkerState, "register at least one timer handler before starting");
    }
    if (!impl_->frozen) {
      impl_->frozen = true;
      std::vector<std::string> kinds;
      for (const auto& [kind, handler] : impl_->handlers) kinds.push_back(kind);
      impl_->kinds_array = internal::TextArray(kinds);
    }
  }

  // An evicted member or marker would delay timers silently; refuse rather than hope.
  PARLEY_ASSIGN_OR_RETURN(redis::Reply policy, impl_->redis->Command({"CONFIG", "GET", "maxmemory-policy"}));
  if (policy.is_error() || policy.type != redis::Reply::Type::kArray || policy.elements.size() < 2) {
    return FailedPrecondition(kReasonRedisConfigUnavailable,
                              "cannot read Redis's maxmemory-policy: CONFIG GET was refused (not permitted or "
                              "renamed, as on many managed Redis services). Timers need maxmemory-policy noeviction: "
                              "set it on the server and allow this client CONFIG GET");
  }
  if (policy.elements[1].str != "noeviction") {
    return FailedPrecondition(kReasonEvictionPolicy,
                              absl::StrCat("Redis maxmemory-policy is ", policy.elements[1].str,
                                           "; timers need noeviction (CONFIG SET maxmemory-policy noeviction, and "
                                           "maxmemory-policy noeviction in redis.conf so it survives a restart)"));
  }

  uint64_t generation = 0;
  {
    absl::MutexLock lock(&impl_->mu);
    generation = impl_->redis_generation;
  }
  bool redis_failed = false;
  PARLEY_RETURN_IF_ERROR(impl_->Reconcile(&redis_failed));

  absl::MutexLock lock(&impl_->mu);
  impl_->phase = Impl::Phase::kRunning;
  // A Notify that failed during the reconcile may have missed it: fall back until the next one.
  impl_->redis_ok = generation == impl_->redis_generation;
  if (!impl_->redis_ok) impl_->reconcile_requested = true;
  for (int i = 0; i < impl_->opts.threads; ++i) impl_->threads.emplace_back([this] { impl_->FiringLoop(); });
  impl_->threads.emplace_back([this] { impl_->DispatchLoop(); });
  impl_->threads.emplace_back([this] { impl_->ReconcileLoop(); });
  log::Info("timer_worker_started", {{"zset", impl_->zset_key},
                                     {"threads", impl_->opts.threads},
                                     {"kinds", static_cast<int>(impl_->handlers.size())}});
  return absl::OkStatus();
}

void Worker::Stop() {
  {
    absl::MutexLock lock(&impl_->mu);
    if (impl_->phase != Impl::Phase::kRunning) {
      impl_->phase = Impl::Phase::kStopped;
      return;
    }
    impl_->stopping = true;
  }
  for (std::thread& t : impl_->threads) t.join();
  impl_->threads.clear();
  absl::MutexLock lock(&impl_->mu);
  impl_->phase = Impl::Phase::kStopped;
  // Queued candidates stay in the sorted set for the next worker.
  for (const Candidate& c : impl_->queue) impl_->in_flight.erase(c.id);
  impl_->queue.clear();
  log::Info("timer_worker_stopped", {{"zset", impl_->zset_key}});
}

void Worker::Notify(const TimerRef& ref) {
  if (ref.id <= 0) return;
  const double score = internal::ScoreForDue(ref.due);
  bool direct = false;
  {
    absl::MutexLock lock(&impl_->mu);
    // While Redis is untrusted the dispatcher polls PostgreSQL anyway; buffering spares the
    // caller a Redis timeout, and the buffer is sent once a reconcile has made Redis trusted.
    direct = impl_->redis_ok || impl_->phase != Impl::Phase::kRunning;
    if (!direct) impl_->QueueAddLocked(ref.id, score);
  }
  absl::Status s = absl::OkStatus();
  if (direct) s = impl_->redis->ZAdd(impl_->zset_key, score, absl::StrCat(ref.id));
  absl::MutexLock lock(&impl_->mu);
  impl_->deferred.erase(ref.id);  // re-armed: whatever held it back may no longer apply
  if (!s.ok()) {
    impl_->QueueAddLocked(ref.id, score);
    impl_->MarkRedisFailedLocked("notify");
  }
  if (ref.due <= impl_->planned_wake) impl_->wake = true;
}

absl::StatusOr<int> Worker::FireDueNow() {
  bool running = false;
  {
    absl::MutexLock lock(&impl_->mu);
    if (impl_->handlers.empty()) return 0;
    if (!impl_->frozen) {
      impl_->frozen = true;
      std::vector<std::string> kinds;
      for (const auto& [kind, handler] : impl_->handlers) kinds.push_back(kind);
      impl_->kinds_array = internal::TextArray(kinds);
    }
    running = impl_->phase == Impl::Phase::kRunning;
  }
  // One pass: everything due when it begins, by the database's clock, in due order.
  std::string cutoff;
  PARLEY_RETURN_IF_ERROR(impl_->pool->Read([&](pqxx::work& txn) -> absl::Status {
    cutoff = txn.exec1("SELECT now()::text")[0].as<std::string>();
    return absl::OkStatus();
  }));
  int fired = 0;
  std::string after_due = "-infinity";
  int64_t after_id = 0;
  for (;;) {
    std::vector<int64_t> ids;
    PARLEY_RETURN_IF_ERROR(impl_->pool->Read([&](pqxx::work& txn) -> absl::Status {
      const pqxx::result rows =
          txn.exec_prepared(kDuePage, impl_->kinds_array, "{}", cutoff, after_due, after_id, impl_->opts.claim_batch);
      for (const pqxx::row& row : rows) {
        ids.push_back(row[0].as<int64_t>());
        after_id = ids.back();
        after_due = internal::SqlTimestamp(absl::FromUnixMicros(row[1].as<int64_t>()));
      }
      return absl::OkStatus();
    }));
    std::vector<Candidate> batch;
    for (size_t i = 0; i < ids.size(); ++i) {
      {
        absl::MutexLock lock(&impl_->mu);
        if (!impl_->in_flight.contains(ids[i])) {  // else the running dispatcher has it
          impl_->in_flight.insert(ids[i]);
          batch.push_back(Candidate{ids[i], std::nullopt});
        }
      }
      if (batch.size() == static_cast<size_t>(impl_->opts.fire_batch) || (i + 1 == ids.size() && !batch.empty())) {
        fired += impl_->FireAndSettle(batch);
        batch.clear();
      }
    }
    if (ids.size() < static_cast<size_t>(impl_->opts.claim_batch)) break;
  }
  if (!running) {
    // No dispatcher to carry the sorted-set changes: send them now, best effort.
    std::vector<std::vector<std::string>> commands;
    {
      absl::MutexLock lock(&impl_->mu);
      commands = impl_->BufferedCommandsLocked();
    }
    if (!commands.empty()) (void)impl_->redis->Pipeline(commands);
  }
  return fired;
}

bool Worker::redis_in_use() const {
  absl::MutexLock lock(&impl_->mu);
  return impl_->redis_ok;
}

const std::string& Worker::zset_key() const { return impl_->zset_key; }

}  // namespace parley::timer
