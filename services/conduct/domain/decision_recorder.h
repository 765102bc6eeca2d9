// Group commit for the gate's audit trail. A decision is returned only once its record is stored
// (nothing acknowledged is lost, and a caller may keep the decision's name), but one transaction
// per check would cap the gate at what PostgreSQL commits one by one. Record() queues the record
// and waits; a few writer threads each take everything queued so far and store it in one
// multi-row INSERT, then wake exactly the callers whose records that batch carried. Under load
// each commit carries many decisions, and while one batch commits the next is being gathered.
#pragma once

#include <cstddef>
#include <thread>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/status/status.h"
#include "absl/synchronization/mutex.h"
#include "absl/synchronization/notification.h"
#include "services/conduct/domain/model.h"
#include "services/conduct/store/conduct_store.h"

namespace parley::conduct {

class DecisionRecorder {
 public:
  explicit DecisionRecorder(ConductStore* store, int writers = 4, size_t max_batch = 256);
  ~DecisionRecorder();  // stores what is queued, then stops

  // Blocks until the record is stored (OK) or its batch failed (the store's status).
  absl::Status Record(DecisionRecord record);

 private:
  // One caller's record, on the caller's stack until it is done.
  struct Pending {
    DecisionRecord record;
    absl::Status result;
    // Its own wake-up, so finishing a batch does not send every waiter through mu_ again.
    absl::Notification done;
  };

  void Loop();

  ConductStore* const store_;
  const size_t max_batch_;
  absl::Mutex mu_;
  std::vector<Pending*> queue_ ABSL_GUARDED_BY(mu_);
  bool stopping_ ABSL_GUARDED_BY(mu_) = false;
  std::vector<std::thread> writers_;
};

}  // namespace parley::conduct
