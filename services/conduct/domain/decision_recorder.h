// The gate's log of decisions, written behind the answer. A check queues its record and returns:
// no commit on the read path. One writer thread stores what is queued in one multi-row INSERT
// every `flush_interval`, or at once when `batch` records are waiting or a reader asked for a
// flush. A decision that led to an action is kept by the service that acted, in its own
// transaction (escalation's gated event); this log is the school's record of every query.
//
// What is durable when (docs/architecture.md#the-conduct-gate): while PostgreSQL is up, a decision
// is stored within `flush_interval` plus one batch commit of being answered. A crash (kill -9)
// loses at most what was still queued; Stop() (SIGTERM) stores everything queued first. The queue
// is bounded: when `capacity` records wait (PostgreSQL down or behind), a check waits up to
// `full_wait` for room and is then refused UNAVAILABLE, so no decision is answered that the log
// could not take. Until a record is stored, Find() answers it from memory, and Flush() lets a
// reader wait for everything queued before it.
#pragma once

#include <cstddef>
#include <cstdint>
#include <deque>
#include <optional>
#include <string>
#include <thread>
#include <unordered_map>
#include <utility>

#include "absl/base/thread_annotations.h"
#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"
#include "services/conduct/domain/conduct_store.h"
#include "services/conduct/domain/model.h"

namespace parley::conduct {

struct DecisionLogOptions {
  absl::Duration flush_interval = absl::Milliseconds(50);  // PARLEY_DECISION_FLUSH
  size_t batch = 256;                                      // records per INSERT; a full batch is written at once
  size_t capacity = 10000;                                 // PARLEY_DECISION_QUEUE
  absl::Duration full_wait = absl::Seconds(1);             // back-pressure before UNAVAILABLE
  // A keyed check's decision stays in memory this long after it is stored, so a copy racing the
  // first one past its store lookup still finds it (ConductService::Check).
  absl::Duration keyed_memory = absl::Minutes(1);
  // How long Stop() keeps retrying a failing store before it gives up on what is queued.
  absl::Duration stop_retry = absl::Seconds(5);
  // Record waits until its record is stored (the writer is woken at once): the former
  // store-before-return behaviour, kept for the benchmark's side-by-side figures.
  bool wait_until_stored = false;
};

class DecisionRecorder {
 public:
  explicit DecisionRecorder(ConductStore* store, DecisionLogOptions options = {});
  // Stops (and flushes) if Stop was not called.
  ~DecisionRecorder();

  // Starts the writer thread. Without it, records wait until Flush() or Stop() writes them.
  void Start();
  // Stores everything queued (retrying a failing store for `stop_retry`), then ends the writer.
  // Callers must have returned from Record first (the server drains its calls before this).
  void Stop();

  // Queues `record` and returns the decision to answer with: `record` itself, or, when a record
  // with its (school, id) is queued or remembered already (a keyed check's copy), that one.
  // UNAVAILABLE (PG_UNAVAILABLE) when the queue stayed full for `full_wait`, or after Stop.
  // `keyed`: remember it for `keyed_memory` after it is stored.
  absl::StatusOr<DecisionRecord> Record(DecisionRecord record, bool keyed);
  // A decision queued and not yet stored, or a keyed one remembered.
  std::optional<DecisionRecord> Find(const std::string& school_id, const std::string& id) const;
  // Waits until every record queued before the call is stored: OK, or the store's last error
  // when it has not succeeded within `wait`.
  absl::Status Flush(absl::Duration wait = absl::Seconds(2));

  // Records queued and not yet stored.
  size_t Queued() const;

 private:
  struct Entry {
    uint64_t seq;
    bool keyed;
    DecisionRecord record;
  };
  void Loop();
  // Writes up to one batch; false when the store failed (the records stay queued, in order).
  bool WriteBatch() ABSL_LOCKS_EXCLUDED(mu_);
  // Writes until nothing queued is left, retrying a failing store for `stop_retry`.
  void Drain() ABSL_LOCKS_EXCLUDED(mu_);
  void ForgetExpired(absl::Time now) ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  const DecisionRecord* QueuedOrRemembered(const std::string& key) const ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  static std::string Key(const std::string& school_id, const std::string& id);

  ConductStore* const store_;
  const DecisionLogOptions options_;
  mutable absl::Mutex mu_;
  std::deque<Entry> queue_ ABSL_GUARDED_BY(mu_);
  // (school, id) → the queued record; references into queue_ stay valid (push_back/pop_front).
  std::unordered_map<std::string, const DecisionRecord*> queued_ ABSL_GUARDED_BY(mu_);
  std::unordered_map<std::string, DecisionRecord> remembered_ ABSL_GUARDED_BY(mu_);
  std::deque<std::pair<absl::Time, std::string>> remembered_order_ ABSL_GUARDED_BY(mu_);
  uint64_t next_seq_ ABSL_GUARDED_BY(mu_) = 0;    // the seq of the last record queued
  uint64_t stored_seq_ ABSL_GUARDED_BY(mu_) = 0;  // every record up to this seq is stored
  uint64_t flush_to_ ABSL_GUARDED_BY(mu_) = 0;    // a reader waits for this seq
  absl::Status last_error_ ABSL_GUARDED_BY(mu_);
  bool stopping_ ABSL_GUARDED_BY(mu_) = false;
  bool stopped_ ABSL_GUARDED_BY(mu_) = false;
  absl::Mutex write_mu_;  // one batch write at a time (the writer, or Flush/Stop without one)
  std::thread thread_;
};

}  // namespace parley::conduct
