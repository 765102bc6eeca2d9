// RequestStore in memory, for the use cases' unit tests: the same guarded appends, replays on the
// request id, outbox rows and timer settings as PgRequestStore, under one mutex.
#pragma once

#include <map>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "absl/synchronization/mutex.h"
#include "services/appointments/domain/request_store.h"

namespace parley::appointments::testing {

class InMemoryRequestStore final : public RequestStore {
 public:
  absl::StatusOr<std::optional<std::string>> FindResponse(const RequestKey& key) override;
  absl::StatusOr<RequestWriteResult> Create(const RequestKey& key, const RequestWrite& write) override;
  absl::StatusOr<RequestWriteResult> Append(const RequestKey& key, int64_t base_version,
                                            const RequestWrite& write) override;
  absl::StatusOr<StoredRequest> Get(const std::string& school_id, const std::string& id) override;
  absl::StatusOr<Page<StoredRequest>> List(const std::string& school_id, const RequestFilter& filter,
                                           PageQuery page) override;

  // Fires the armed timer (kind kRequestClockTimer, `key`) at `now` as the PostgreSQL handler does;
  // it is spent afterwards unless the write armed it again. False when no such timer is armed.
  absl::StatusOr<bool> FireTimer(const RequestTimerPlan& plan, const std::string& key, absl::Time now);

  std::vector<Notice> outbox() const;
  // Armed timers: key → due.
  std::map<std::string, absl::Time> timers() const;
  int committed_writes() const;

 private:
  struct Row {
    StoredRequest stored;
    int64_t list_seq = 0;
  };
  absl::StatusOr<RequestWriteResult> Write(const RequestKey* key, int64_t base_version, const RequestWrite& write,
                                           bool create) ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);

  mutable absl::Mutex mu_;
  std::map<std::pair<std::string, std::string>, Row> rows_ ABSL_GUARDED_BY(mu_);
  std::map<std::pair<std::string, std::string>, std::pair<std::string, std::string>> responses_ ABSL_GUARDED_BY(mu_);
  std::vector<Notice> outbox_ ABSL_GUARDED_BY(mu_);
  std::map<std::string, absl::Time> timers_ ABSL_GUARDED_BY(mu_);
  int64_t next_list_seq_ ABSL_GUARDED_BY(mu_) = 1;
  int committed_ ABSL_GUARDED_BY(mu_) = 0;
};

}  // namespace parley::appointments::testing
