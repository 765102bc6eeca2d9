#include "services/conduct/domain/decision_recorder.h"

#include <algorithm>
#include <utility>

namespace parley::conduct {

DecisionRecorder::DecisionRecorder(ConductStore* store, int writers, size_t max_batch)
    : store_(store), max_batch_(max_batch) {
  for (int i = 0; i < std::max(1, writers); ++i) writers_.emplace_back([this] { Loop(); });
}

DecisionRecorder::~DecisionRecorder() {
  {
    absl::MutexLock lock(&mu_);
    stopping_ = true;
  }
  for (std::thread& t : writers_) t.join();
}

absl::Status DecisionRecorder::Record(DecisionRecord record) {
  Pending pending;
  pending.record = std::move(record);
  {
    absl::MutexLock lock(&mu_);
    if (stopping_) return absl::UnavailableError("the service is shutting down");
    queue_.push_back(&pending);
  }
  pending.done.WaitForNotification();
  return pending.result;
}

void DecisionRecorder::Loop() {
  while (true) {
    std::vector<Pending*> batch;
    {
      absl::MutexLock lock(&mu_);
      mu_.Await(absl::Condition(
          +[](DecisionRecorder* r) ABSL_NO_THREAD_SAFETY_ANALYSIS { return r->stopping_ || !r->queue_.empty(); },
          this));
      if (queue_.empty()) return;  // stopping, and nothing left to store
      const size_t n = std::min(queue_.size(), max_batch_);
      batch.assign(queue_.begin(), queue_.begin() + static_cast<std::ptrdiff_t>(n));
      queue_.erase(queue_.begin(), queue_.begin() + static_cast<std::ptrdiff_t>(n));
    }
    std::vector<DecisionRecord> records;
    records.reserve(batch.size());
    // The callers are blocked until done: their records can be moved out.
    for (Pending* p : batch) records.push_back(std::move(p->record));
    const absl::Status stored = store_->RecordDecisions(records);
    for (Pending* p : batch) {
      p->result = stored;
      p->done.Notify();  // the caller may return (and free *p) from here on
    }
  }
}

}  // namespace parley::conduct
