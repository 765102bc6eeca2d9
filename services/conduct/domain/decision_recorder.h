// Group commit for the gate's audit trail. A decision is returned only once its record is stored
// (nothing acknowledged is lost, and a caller may keep the decision's name), but one transaction
// per check would cap the gate at what PostgreSQL commits one by one.
//
// Record() queues the record. If fewer than `max_flushers` callers are storing batches, the caller
// becomes one: it takes everything queued (its own record included) and stores it in one
// multi-row INSERT, and keeps going while records are queued; the others just wait for their own
// record's notification. There are no writer threads of its own: under light load a check stores
// its record on its own thread with no hand-off, under heavy load each commit carries many.
#pragma once

#include <cstddef>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/synchronization/mutex.h"
#include "absl/synchronization/notification.h"
#include "services/conduct/domain/conduct_store.h"
#include "services/conduct/domain/model.h"

namespace parley::conduct {

class DecisionRecorder {
 public:
  explicit DecisionRecorder(ConductStore* store, int max_flushers = 4, size_t max_batch = 256);
  // Callers must have returned from Record first (the server drains its calls before this).
  ~DecisionRecorder() = default;

  // Blocks until the record is stored or its batch failed (the store's status). True when this
  // record was stored; false when a record with its (school, id) was stored already (a keyed
  // check's copy, here or in an earlier batch): the caller returns that one instead.
  absl::StatusOr<bool> Record(DecisionRecord record);

 private:
  // One caller's record, on the caller's stack until it is done.
  struct Pending {
    DecisionRecord record;
    absl::StatusOr<bool> result;
    absl::Notification done;
  };

  ConductStore* const store_;
  const int max_flushers_;
  const size_t max_batch_;
  absl::Mutex mu_;
  std::vector<Pending*> queue_ ABSL_GUARDED_BY(mu_);
  int flushing_ ABSL_GUARDED_BY(mu_) = 0;
};

}  // namespace parley::conduct
