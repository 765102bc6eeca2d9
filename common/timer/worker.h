// The timer worker: fires due timers (timer.h) exactly once, with any number of replicas running
// against one database and one Redis and coordinating through PostgreSQL alone
// (docs/architecture.md#enquiries-and-timers and #scaling).
//
//   timer::WorkerOptions opts;
//   opts.redis_key_prefix = "parley:conduct:";
//   PARLEY_ASSIGN_OR_RETURN(std::unique_ptr<timer::Worker> worker,
//                           timer::Worker::Create(pool.get(), redis.get(), opts, &exporter.registry()));
//   PARLEY_RETURN_IF_ERROR(worker->Register("arrangement_review",
//       [&](pqxx::work& txn, const timer::Timer& t) -> absl::StatusOr<std::optional<absl::Time>> {
//         ... the effect, written in txn ...
//         return std::nullopt;  // done: the timer is marked fired together with the effect
//       }));
//   PARLEY_RETURN_IF_ERROR(worker->Start());  // refuses unless Redis runs with noeviction
//   ...
//   worker->Notify(ref);  // after committing a Schedule
//
// How timers fire: in one transaction the worker locks a batch of rows (up to fire_batch) that are
// still pending and due by PostgreSQL's clock (FOR UPDATE SKIP LOCKED, so replicas never queue
// behind each other), and for each runs the handler and marks the row fired (or re-arms it). A
// handler that fails is rolled back alone (the batch's first run is rolled back and run again
// without it, further failures go back to a savepoint per handler) and its timer marked for retry;
// the others go on. Only the commit makes the fires and the handlers' effects visible, so a worker
// that dies mid-way (or a commit that fails) leaves every timer of the batch pending for the next
// attempt, and a second worker finds them fired and does nothing.
//
// Redis holds a sorted set prefix+"timers" (score = due, member = timer id) that only wakes
// workers. A reconcile rebuilds it from PostgreSQL at start, every reconcile_interval, and at once
// when Redis looks wiped; while Redis is unusable the worker polls PostgreSQL instead. See
// README.md for the guarantees and lateness bounds.
//
// Threads: `threads` firing threads, a dispatcher and a reconciler. Give the pool threads + 2
// connections beyond what the service itself needs.
#pragma once

#include <functional>
#include <memory>
#include <optional>
#include <string>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/time/time.h"
#include "common/pg/pool.h"
#include "common/redis/client.h"
#include "common/status/reasons.h"
#include "common/timer/timer.h"
#include "pqxx/pqxx"

namespace prometheus {
class Registry;
}  // namespace prometheus

namespace parley::timer {

inline constexpr const auto& kReasonEvictionPolicy = reason::kRedisEvictionPolicy;
inline constexpr const auto& kReasonRedisConfigUnavailable = reason::kRedisConfigUnavailable;
inline constexpr const auto& kReasonOptionsInvalid = reason::kTimerOptionsInvalid;
inline constexpr const auto& kReasonWorkerState = reason::kTimerWorkerState;
inline constexpr const auto& kReasonHandlerExists = reason::kTimerHandlerExists;

// Runs inside the firing transaction: whatever it writes in `txn` commits together with the
// timer's state change, or not at all.
//   nullopt      done: the timer is marked fired.
//   a time       not yet: the timer stays pending, re-armed at that time (version + 1). A time
//                already past fires again at once.
//   an error     everything the handler wrote rolls back, and nothing of the other timers of its
//                batch (they run again, each under a savepoint); the timer is retried after a
//                jittered exponential backoff (attempts + 1, last_error = code and reason).
// The handler may Schedule or Cancel other timers in `txn` (timers it schedules are nudged after
// the commit). It must not commit or abort `txn`, and should be quick: it holds a pooled
// connection and the row locks of its whole batch. Exceptions are caught and count as errors. A
// handler may run again after it succeeded, when another handler of its batch failed or the
// batch's commit failed; only one run commits.
using Handler = std::function<absl::StatusOr<std::optional<absl::Time>>(pqxx::work& txn, const Timer& timer)>;

struct WorkerOptions {
  // Prefix of the worker's Redis keys, e.g. "parley:conduct:"; the sorted set is prefix+"timers".
  // Every replica of a service uses the same prefix.
  std::string redis_key_prefix;
  int threads = 2;  // firing threads, 1..64
  // Longest sleep between polls: bounds how late a timer scheduled by another replica is noticed.
  absl::Duration max_idle = absl::Milliseconds(500);
  absl::Duration reconcile_interval = absl::Seconds(30);
  // Backoff of a failing handler: base * 2^(attempts-1), capped at max, jittered into [d/2, d).
  absl::Duration retry_backoff_base = absl::Seconds(1);
  absl::Duration retry_backoff_max = absl::Minutes(5);
  int claim_batch = 100;  // candidates taken per poll, 1..10000
  // Timers fired per transaction, 1..64: one commit (and one WAL flush) per batch instead of per
  // timer. A batch holds its rows' locks until it commits, so a Schedule or Cancel of a timer in a
  // running batch waits for it (about fire_batch handlers' time). At most 64 because each handler
  // that writes takes a subtransaction id, and PostgreSQL caches 64 per transaction before every
  // other session's snapshot checks slow down.
  int fire_batch = 32;
};

class Worker {
 public:
  // INVALID_ARGUMENT (TIMER_OPTIONS_INVALID) for null pool or redis or options out of range.
  // `registry` may be null (no metrics); both pointers must outlive the worker.
  static absl::StatusOr<std::unique_ptr<Worker>> Create(pg::Pool* pool, redis::Client* redis, WorkerOptions options,
                                                        prometheus::Registry* registry);

  Worker(const Worker&) = delete;
  Worker& operator=(const Worker&) = delete;
  ~Worker();  // Stop()

  // One handler per kind, before Start: INVALID_ARGUMENT for a bad kind or an empty handler,
  // ALREADY_EXISTS (TIMER_HANDLER_EXISTS) for a second one, FAILED_PRECONDITION
  // (TIMER_WORKER_STATE) once started. The worker only claims kinds it has handlers for, so
  // replicas of different versions can share a table.
  [[nodiscard]] absl::Status Register(absl::string_view kind, Handler handler);

  // Checks Redis, reconciles once and starts the threads. Refuses with FAILED_PRECONDITION
  //   REDIS_EVICTION_POLICY       maxmemory-policy is not noeviction (evicting the sorted set or
  //                               the reconcile marker would silently delay timers);
  //   REDIS_CONFIG_UNAVAILABLE    CONFIG GET is not permitted (managed Redis), so the policy
  //                               cannot be checked;
  //   TIMER_WORKER_STATE          already started, stopped, or no handler registered;
  // and with UNAVAILABLE when Redis or PostgreSQL cannot be reached.
  [[nodiscard]] absl::Status Start();

  // Stops and joins the threads; a handler that is running finishes first. Idempotent.
  void Stop();

  // Call after committing a Schedule: adds the timer to the sorted set and wakes this process's
  // dispatcher at once. Best effort: if Redis fails, the worker falls back to polling PostgreSQL
  // until a reconcile has repaired the set. Safe from any thread, started or not.
  void Notify(const TimerRef& ref);

  // Test hook: one synchronous pass on the calling thread that claims and fires every timer of a
  // registered kind that is due by the database's clock, in batches of fire_batch, in due order.
  // Returns how many fired (re-armed, failed and skipped ones do not count). Works with or
  // without Start.
  [[nodiscard]] absl::StatusOr<int> FireDueNow();

  // Whether the dispatcher currently trusts the Redis sorted set (false while it polls
  // PostgreSQL because Redis failed or was wiped and no reconcile has repaired it yet).
  bool redis_in_use() const;

  // The sorted set's key (prefix + "timers").
  const std::string& zset_key() const;

 private:
  struct Impl;
  explicit Worker(std::unique_ptr<Impl> impl);

  std::unique_ptr<Impl> impl_;
};

}  // namespace parley::timer
