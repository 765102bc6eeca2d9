#include "services/conduct/domain/decision_recorder.h"

#include <algorithm>
#include <utility>
#include <vector>

#include "absl/strings/str_cat.h"
#include "common/log/log.h"
#include "common/status/reason.h"

namespace parley::conduct {

DecisionRecorder::DecisionRecorder(ConductStore* store, DecisionLogOptions options)
    : store_(store), options_(options) {}

DecisionRecorder::~DecisionRecorder() { Stop(); }

std::string DecisionRecorder::Key(const std::string& school_id, const std::string& id) {
  return absl::StrCat(school_id, "/", id);
}

void DecisionRecorder::Start() {
  if (thread_.joinable()) return;
  thread_ = std::thread([this] { Loop(); });
}

void DecisionRecorder::Stop() {
  {
    absl::MutexLock lock(&mu_);
    if (stopped_) return;
    stopping_ = true;
  }
  if (thread_.joinable()) {
    thread_.join();  // the writer drains before it ends
  } else {
    Drain();
  }
  absl::MutexLock lock(&mu_);
  stopped_ = true;
}

absl::StatusOr<DecisionRecord> DecisionRecorder::Record(DecisionRecord record, bool keyed) {
  const std::string key = Key(record.query.school_id, record.id);
  absl::MutexLock lock(&mu_);
  if (const DecisionRecord* first = QueuedOrRemembered(key)) return *first;
  if (queue_.size() >= options_.capacity) {
    // Back-pressure: the check waits for the writer to make room rather than answer a decision
    // the log cannot take.
    auto room = [this]() ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_) { return stopping_ || queue_.size() < options_.capacity; };
    mu_.AwaitWithTimeout(absl::Condition(&room), options_.full_wait);
    if (queue_.size() >= options_.capacity) {
      return Unavailable(reason::kPgUnavailable,
                         "the gate's decision log is not being written (PostgreSQL is down or behind): retry");
    }
    if (const DecisionRecord* first = QueuedOrRemembered(key)) return *first;
  }
  if (stopping_) return Unavailable(reason::kPgUnavailable, "the gate is shutting down: retry");
  queue_.push_back(Entry{++next_seq_, keyed, std::move(record)});
  queued_[key] = &queue_.back().record;
  DecisionRecord answer = queue_.back().record;
  if (options_.wait_until_stored) {
    const uint64_t seq = next_seq_;
    flush_to_ = std::max(flush_to_, seq);
    auto stored = [this, seq]() ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_) { return stored_seq_ >= seq; };
    if (!mu_.AwaitWithTimeout(absl::Condition(&stored), absl::Seconds(2))) {
      return Unavailable(reason::kPgUnavailable, "the gate's decision log is behind: retry");
    }
  }
  return answer;
}

const DecisionRecord* DecisionRecorder::QueuedOrRemembered(const std::string& key) const {
  if (auto it = queued_.find(key); it != queued_.end()) return it->second;
  if (auto it = remembered_.find(key); it != remembered_.end()) return &it->second;
  return nullptr;
}

std::optional<DecisionRecord> DecisionRecorder::Find(const std::string& school_id, const std::string& id) const {
  absl::MutexLock lock(&mu_);
  if (const DecisionRecord* found = QueuedOrRemembered(Key(school_id, id))) return *found;
  return std::nullopt;
}

size_t DecisionRecorder::Queued() const {
  absl::MutexLock lock(&mu_);
  return queue_.size();
}

absl::Status DecisionRecorder::Flush(absl::Duration wait) {
  uint64_t target = 0;
  {
    absl::MutexLock lock(&mu_);
    target = next_seq_;
    if (stored_seq_ >= target) return absl::OkStatus();
    flush_to_ = std::max(flush_to_, target);
  }
  if (!thread_.joinable()) {
    // No writer (tests, tools): write here.
    while (WriteBatch()) {
      absl::MutexLock lock(&mu_);
      if (stored_seq_ >= target) return absl::OkStatus();
    }
    absl::MutexLock lock(&mu_);
    return last_error_;
  }
  absl::MutexLock lock(&mu_);
  auto done = [this, target]() ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_) { return stored_seq_ >= target; };
  if (mu_.AwaitWithTimeout(absl::Condition(&done), wait)) return absl::OkStatus();
  if (!last_error_.ok()) return last_error_;
  return Unavailable(reason::kPgUnavailable, "the gate's decision log is behind: retry");
}

bool DecisionRecorder::WriteBatch() {
  absl::MutexLock write(&write_mu_);
  std::vector<DecisionRecord> records;
  uint64_t last_seq = 0;
  {
    absl::MutexLock lock(&mu_);
    if (queue_.empty()) return true;
    // Only this function removes records, so the first n stay put while the store writes them.
    const size_t n = std::min(queue_.size(), options_.batch);
    records.reserve(n);
    for (size_t i = 0; i < n; ++i) records.push_back(queue_[i].record);
    last_seq = queue_[n - 1].seq;
  }
  // Ids in the queue are unique (Record), and a keyed id stored by an earlier run is skipped.
  const absl::StatusOr<std::vector<bool>> stored = store_->RecordDecisions(records);
  absl::MutexLock lock(&mu_);
  if (!stored.ok()) {
    last_error_ = stored.status();
    return false;
  }
  const absl::Time now = absl::Now();
  for (size_t i = 0; i < records.size(); ++i) {
    Entry& e = queue_.front();
    const std::string key = Key(e.record.query.school_id, e.record.id);
    queued_.erase(key);
    if (e.keyed) {
      remembered_order_.emplace_back(now + options_.keyed_memory, key);
      remembered_[key] = std::move(e.record);
    }
    queue_.pop_front();
  }
  stored_seq_ = last_seq;
  last_error_ = absl::OkStatus();
  ForgetExpired(now);
  return true;
}

void DecisionRecorder::ForgetExpired(absl::Time now) {
  // Bounded by time and by the queue's capacity, whichever comes first.
  while (!remembered_order_.empty() &&
         (remembered_order_.front().first <= now || remembered_order_.size() > options_.capacity)) {
    remembered_.erase(remembered_order_.front().second);
    remembered_order_.pop_front();
  }
}

void DecisionRecorder::Loop() {
  absl::Duration backoff = absl::ZeroDuration();
  while (true) {
    {
      absl::MutexLock lock(&mu_);
      auto due = [this]() ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_) {
        return stopping_ || queue_.size() >= options_.batch || flush_to_ > stored_seq_;
      };
      mu_.AwaitWithTimeout(absl::Condition(&due), options_.flush_interval);
      if (stopping_) break;
      if (queue_.empty()) continue;
    }
    if (WriteBatch()) {
      backoff = absl::ZeroDuration();
      continue;
    }
    backoff = std::min(absl::Seconds(1), std::max(absl::Milliseconds(50), backoff * 2));
    log::Warning("decision_log_write_failed", {{"queued", Queued()}, {"retry_ms", absl::ToInt64Milliseconds(backoff)}});
    absl::MutexLock lock(&mu_);
    mu_.AwaitWithTimeout(absl::Condition(&stopping_), backoff);
  }
  Drain();
}

void DecisionRecorder::Drain() {
  const absl::Time give_up = absl::Now() + options_.stop_retry;
  while (Queued() > 0) {
    if (WriteBatch()) continue;
    if (absl::Now() >= give_up) {
      log::Error("decision_log_lost_on_stop", {{"queued", Queued()}});
      return;
    }
    absl::SleepFor(absl::Milliseconds(100));
  }
}

}  // namespace parley::conduct
