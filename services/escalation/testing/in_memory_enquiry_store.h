// An EnquiryStore in memory for domain and API tests without a database. It keeps the port's
// contract as PgEnquiryStore does: request-id replay (REQUEST_ID_REUSED for another request under
// the same id), row versions and the RECORD_CHANGED guard, the rule-7 ledger's one notice per slot,
// and what each write did (outbox rows, ledger rows, armed timers) for tests to assert on. A hook
// runs just before the next write, standing in for a concurrent writer.
#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <optional>
#include <set>
#include <string>
#include <tuple>
#include <utility>
#include <vector>

#include "absl/synchronization/mutex.h"
#include "absl/time/clock.h"
#include "services/escalation/domain/enquiry_store.h"

namespace parley::escalation::testing {

class InMemoryEnquiryStore final : public EnquiryStore {
 public:
  // `now` stamps create and update times (and is the database's clock for FireTimer).
  explicit InMemoryEnquiryStore(std::function<absl::Time()> now = [] { return absl::Now(); }) : now_(std::move(now)) {}

  absl::Status Ping() override { return absl::OkStatus(); }
  absl::StatusOr<std::optional<std::string>> FindResponse(const RequestKey& key) override;
  absl::StatusOr<WriteResult> Create(const RequestKey& key, const PlannedWrite& write) override;
  absl::StatusOr<WriteResult> Apply(const RequestKey& key, int64_t base_version, const PlannedWrite& write) override;
  absl::StatusOr<EnquiryRecord> Get(const std::string& school_id, const std::string& id) override;
  absl::StatusOr<std::vector<std::string>> SchoolsWithLiveEnquiries() override;
  absl::StatusOr<Page<EnquiryRecord>> List(const std::string& school_id, const EnquiryFilter& filter, PageQuery page,
                                           absl::Time now) override;
  // Counts and shares as the SQL computes them; the medians are left unset.
  absl::StatusOr<SchoolStats> Stats(const std::string& school_id, absl::Time start, absl::Time end,
                                    absl::Time now) override;
  absl::StatusOr<BreachPage> ListBreaches(const std::string& school_id, const BreachFilter& filter,
                                          BreachPosition after, int size) override;

  // Fires `timer` as PgEnquiryStore::ClockTimerHandler does: reads its enquiry, asks `plan`, applies
  // the write guarded by the version read (planning again when the row moved). Returns the timer's
  // next due (nullopt: done). The timer is marked fired, or re-armed.
  absl::StatusOr<std::optional<absl::Time>> FireTimer(const TimerPlan& plan, const timer::Timer& timer,
                                                      int max_plan_attempts = 4);

  // Runs `hook` once, at the start of the next Create or Apply (before its checks), without the
  // store's lock held: a concurrent writer.
  void BeforeNextWrite(std::function<void()> hook);

  // What was written.
  std::vector<OutboxRow> outbox() const;
  std::vector<StaffNoticeRow> ledger() const;
  // Armed timers by (kind, key).
  std::map<std::pair<std::string, std::string>, timer::TimerSpec> timers() const;
  // Writes that committed (replays and failures excluded).
  int committed_writes() const;
  size_t enquiry_count() const;
  // Puts a record as is (row version, projection and all), as a test's starting point.
  void Put(const EnquiryRecord& record);

 private:
  struct StoredRequest {
    std::string fingerprint;
    std::string response;
  };
  struct Row {
    EnquiryRecord record;
    int64_t seq = 0;  // insertion order: lists are newest first
  };
  using Id = std::pair<std::string, std::string>;  // (school, enquiry)

  std::optional<WriteResult> Replay(const RequestKey& key, absl::Status& error) const
      ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  // Applies the change's effects (ledger, outbox, timers) to `row`, which is the record as stored.
  std::vector<timer::TimerRef> Effects(const Change& change, EnquiryRecord& row) ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  absl::StatusOr<WriteResult> Finish(const RequestKey& key, const PlannedWrite& write, const EnquiryRecord& stored,
                                     std::vector<timer::TimerRef> timers) ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  void RunHook();

  const std::function<absl::Time()> now_;
  mutable absl::Mutex mu_;
  std::function<void()> hook_ ABSL_GUARDED_BY(mu_);
  std::map<Id, Row> rows_ ABSL_GUARDED_BY(mu_);
  int64_t next_seq_ ABSL_GUARDED_BY(mu_) = 1;
  std::map<std::pair<std::string, std::string>, StoredRequest> requests_ ABSL_GUARDED_BY(mu_);
  std::vector<OutboxRow> outbox_ ABSL_GUARDED_BY(mu_);
  std::vector<StaffNoticeRow> ledger_ ABSL_GUARDED_BY(mu_);
  std::set<std::tuple<std::string, std::string, std::string, absl::Time>> slots_ ABSL_GUARDED_BY(mu_);
  std::map<std::pair<std::string, std::string>, timer::TimerSpec> timers_ ABSL_GUARDED_BY(mu_);
  int64_t next_timer_id_ ABSL_GUARDED_BY(mu_) = 1;
  int committed_ ABSL_GUARDED_BY(mu_) = 0;
};

}  // namespace parley::escalation::testing
