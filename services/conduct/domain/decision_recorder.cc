#include "services/conduct/domain/decision_recorder.h"

#include <algorithm>
#include <utility>

namespace parley::conduct {

DecisionRecorder::DecisionRecorder(ConductStore* store, int max_flushers, size_t max_batch)
    : store_(store), max_flushers_(std::max(1, max_flushers)), max_batch_(max_batch) {}

absl::Status DecisionRecorder::Record(DecisionRecord record) {
  Pending pending;
  pending.record = std::move(record);
  bool flusher = false;
  {
    absl::MutexLock lock(&mu_);
    queue_.push_back(&pending);
    if (flushing_ < max_flushers_) {
      ++flushing_;
      flusher = true;
    }
  }
  // A flusher leaves only when it finds the queue empty (under the lock), so a record queued while
  // every flusher slot is taken is always picked up by one of them.
  while (flusher) {
    std::vector<Pending*> batch;
    {
      absl::MutexLock lock(&mu_);
      if (queue_.empty()) {
        --flushing_;
        break;
      }
      const size_t n = std::min(queue_.size(), max_batch_);
      batch.assign(queue_.begin(), queue_.begin() + static_cast<std::ptrdiff_t>(n));
      queue_.erase(queue_.begin(), queue_.begin() + static_cast<std::ptrdiff_t>(n));
    }
    std::vector<DecisionRecord> records;
    records.reserve(batch.size());
    // Their callers wait until done, so the records can be moved out.
    for (Pending* p : batch) records.push_back(std::move(p->record));
    const absl::Status stored = store_->RecordDecisions(records);
    for (Pending* p : batch) {
      p->result = stored;
      p->done.Notify();  // its caller may return (and free *p) from here on
    }
  }
  pending.done.WaitForNotification();
  return pending.result;
}

}  // namespace parley::conduct
