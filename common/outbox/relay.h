// The outbox relay (docs/architecture.md#the-outbox): a background thread that hands one service's
// pending `outbox` rows to a Sink (in production, notifications' CreateNotice) and marks them
// handed over once the sink accepted them.
//
//   outbox::RelayOptions opts;
//   opts.service = "escalation";
//   PARLEY_ASSIGN_OR_RETURN(std::unique_ptr<outbox::Relay> relay,
//                           outbox::Relay::Create(pool, sink, opts, &server.registry()));
//   relay->Start();
//   ...
//   relay->Stop();
//
// One pass, in one transaction: lock up to `batch` rows that are pending (handed_over_at null)
// and due for an attempt, in id order, FOR UPDATE SKIP LOCKED (replicas share the work and never
// wait on each other); hand each to the sink; set handed_over_at on the accepted ones and record
// the failures on the others; commit. Rows go at once whatever their not_before (the receiver
// honours it). A relay killed at any point, or a commit that fails, leaves every row of its batch
// pending, and the resend carries the same request id (derived from the row's key), so the
// receiver applies it once: delivery is at least once from here, exactly once in effect.
//
// Sink failures never drop a row:
//   UNAVAILABLE, DEADLINE_EXCEEDED, RESOURCE_EXHAUSTED, ABORTED, INTERNAL  retried with jittered
//       backoff (retry_base doubling to retry_max, stored on the row: attempts, next_attempt_at,
//       last_error). After UNAVAILABLE or DEADLINE_EXCEEDED the rest of the batch is not called
//       (the receiver is down or slow) and backs off the same way.
//   anything else (INVALID_ARGUMENT, NOT_FOUND, FAILED_PRECONDITION: a template the trust has not
//       loaded yet)  retried slowly (every rejected_retry) and counted in
//       parley_outbox_rejected_total, for an operator to fix the cause.
// The service's table needs the columns of the outbox_relay migrations (attempts, next_attempt_at,
// last_error). Logs carry the row's id and status codes, never the notice or the key (a key may
// name a guardian).
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <string>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "common/clock/backoff.h"
#include "common/pg/pool.h"

namespace prometheus {
class Registry;
}  // namespace prometheus

namespace parley::outbox {

// A pending outbox row as the sink sees it.
struct Row {
  int64_t id = 0;
  std::string key;  // unique and stable: the request id is derived from it
  std::string kind;
  std::string school_id;
  std::string notice;     // the notice JSON
  absl::Time not_before;  // the column (the notice carries it too)
  int attempts = 0;       // failed attempts before this one
};

// Delivers one row. OK means the receiver accepted it (a replay of an earlier acceptance is OK
// too). May throw: the batch's transaction then rolls back and every row of it stays pending, as
// if the relay had been killed.
using Sink = std::function<absl::Status(const Row& row)>;

struct RelayOptions {
  std::string service;  // required: the metrics label ("escalation", "conduct")
  int batch = 50;       // rows per transaction, 1..1000
  // Sleep between passes when the last one was not full; a full pass goes again at once.
  absl::Duration poll_interval = absl::Milliseconds(250);
  absl::Duration retry_base = absl::Milliseconds(100);
  absl::Duration retry_max = absl::Seconds(30);
  absl::Duration rejected_retry = absl::Minutes(5);
  // How often the pending and oldest-age gauges are recomputed.
  absl::Duration stats_interval = absl::Seconds(5);
};

// What one pass did.
struct PassResult {
  int claimed = 0;
  int handed_over = 0;
  int retried = 0;   // failed with a transient code (including rows skipped after one)
  int rejected = 0;  // failed with another code
};

class Relay {
 public:
  // INVALID_ARGUMENT for a null pool, an empty sink or service, or options out of range.
  // `registry` may be null (no metrics); pool and registry must outlive the relay.
  static absl::StatusOr<std::unique_ptr<Relay>> Create(pg::Pool* pool, Sink sink, RelayOptions options,
                                                       prometheus::Registry* registry);
  Relay(const Relay&) = delete;
  Relay& operator=(const Relay&) = delete;
  ~Relay();  // Stop()

  // Starts the thread; once only.
  void Start();
  // Wakes the thread and joins it once its current pass has finished (a pass is at most `batch`
  // sink calls). Idempotent.
  void Stop();

  // One pass on the calling thread (tests, and the thread's own step). The pass's transaction
  // failing (or the sink throwing) is its error: nothing of the batch was marked.
  absl::StatusOr<PassResult> RunOnce();
  // Recomputes the pending and oldest-age gauges now.
  absl::Status RefreshStats();

 private:
  struct Impl;
  explicit Relay(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

// Retry delays: common/clock/backoff.h.
using ::parley::RetryBackoff;

// Whether a sink failure with this code is retried quickly (transient) rather than parked.
bool IsTransient(absl::StatusCode code);

}  // namespace parley::outbox
