#include "services/conduct/domain/decision_recorder.h"

#include <algorithm>
#include <set>
#include <string>
#include <utility>

#include "common/status/reason.h"

namespace parley::conduct {

DecisionRecorder::DecisionRecorder(ConductStore* store, int max_flushers, size_t max_batch)
    : store_(store), max_flushers_(std::max(1, max_flushers)), max_batch_(max_batch) {}

absl::StatusOr<bool> DecisionRecorder::Record(DecisionRecord record) {
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
    // Copies of one keyed check in the same batch: the first is sent, the others learn that a
    // copy was stored first. Their callers wait until done, so the records can be moved out.
    std::vector<DecisionRecord> records;
    std::vector<Pending*> sent;
    std::vector<Pending*> copies;
    std::set<std::pair<std::string, std::string>> ids;
    records.reserve(batch.size());
    for (Pending* p : batch) {
      if (ids.emplace(p->record.query.school_id, p->record.id).second) {
        records.push_back(std::move(p->record));
        sent.push_back(p);
      } else {
        copies.push_back(p);
      }
    }
    const absl::StatusOr<std::vector<bool>> stored = store_->RecordDecisions(records);
    for (size_t i = 0; i < sent.size(); ++i) {
      if (!stored.ok()) {
        sent[i]->result = stored.status();
      } else if (stored->size() != sent.size()) {
        sent[i]->result = Internal(reason::kInternal, "the store answered for a different number of decisions");
      } else {
        sent[i]->result = (*stored)[i];
      }
    }
    for (Pending* p : copies) p->result = stored.ok() ? absl::StatusOr<bool>(false) : stored.status();
    for (Pending* p : batch) p->done.Notify();  // its caller may return (and free *p) from here on
  }
  pending.done.WaitForNotification();
  return pending.result;
}

}  // namespace parley::conduct
