// The ConductStore port in memory, for domain and API tests without a database. It keeps the
// port's promises the way PgConductStore does: a write is all or nothing under one lock; a request
// key replays its first response (REQUEST_ID_REUSED when the same id comes with another request);
// only successes are remembered; row versions (etags) bump on every change; letters go to the
// outbox with the change; review timers are armed, re-armed and cancelled by (kind, key); every
// write bumps the gate epoch; a decision already stored is skipped. What it wrote is readable for
// assertions (outbox, timers, counts).
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/synchronization/mutex.h"
#include "common/clock/clock.h"
#include "services/conduct/domain/conduct_store.h"
#include "services/conduct/domain/review.h"

namespace parley::conduct::testing {

class InMemoryConductStore final : public ConductStore {
 public:
  // `clock` stands in for the database's clock; it must outlive the store.
  explicit InMemoryConductStore(const Clock* clock) : clock_(clock) {}

  absl::Status Ping() override { return absl::OkStatus(); }

  absl::StatusOr<int64_t> GateEpoch() override;
  absl::StatusOr<GateData> LoadGateData(absl::Time incidents_since) override;
  absl::StatusOr<std::vector<bool>> RecordDecisions(const std::vector<DecisionRecord>& records) override;
  absl::StatusOr<DecisionRecord> GetDecision(const std::string& school_id, const std::string& id) override;
  absl::StatusOr<Page<DecisionRecord>> ListDecisions(const std::string& school_id, const std::string& guardian,
                                                     std::optional<Outcome> outcome, PageQuery page) override;

  absl::StatusOr<WriteResult> CreateIncident(const RequestKey& key, const Incident& incident,
                                             const std::vector<OutboxNotice>& notices,
                                             const Encoder<Incident>& encode) override;
  absl::StatusOr<Incident> GetIncident(const std::string& school_id, const std::string& id) override;
  absl::StatusOr<Page<Incident>> ListIncidents(const std::string& school_id, const std::string& guardian,
                                               PageQuery page) override;
  absl::StatusOr<WriteResult> UpdateIncident(const RequestKey& key, const std::string& school_id, const std::string& id,
                                             const IncidentPlan& plan, const Encoder<Incident>& encode) override;

  absl::StatusOr<WriteResult> CreateArrangement(const RequestKey& key, const Arrangement& arrangement,
                                                const Encoder<Arrangement>& encode) override;
  absl::StatusOr<Arrangement> GetArrangement(const std::string& school_id, const std::string& id) override;
  absl::StatusOr<Page<Arrangement>> ListArrangements(const std::string& school_id, const std::string& guardian,
                                                     PageQuery page) override;
  absl::StatusOr<std::vector<Arrangement>> ListGuardianArrangements(const std::string& guardian) override;
  absl::StatusOr<std::vector<ArrangementRevision>> ListRevisions(const std::string& school_id,
                                                                 const std::string& id) override;
  absl::StatusOr<WriteResult> MutateArrangement(const RequestKey& key, const std::string& school_id,
                                                const std::string& id, const ArrangementPlan& plan,
                                                const Encoder<Arrangement>& encode) override;

  absl::StatusOr<WriteResult> CreateBan(const RequestKey& key, const PremisesBan& ban,
                                        const Encoder<PremisesBan>& encode) override;
  absl::StatusOr<PremisesBan> GetBan(const std::string& school_id, const std::string& id) override;
  absl::StatusOr<Page<PremisesBan>> ListBans(const std::string& school_id, const std::string& guardian,
                                             PageQuery page) override;
  absl::StatusOr<WriteResult> MutateBan(const RequestKey& key, const std::string& school_id, const std::string& id,
                                        const BanPlan& plan, const Encoder<PremisesBan>& encode) override;

  absl::StatusOr<Letter> GetLetter(const std::string& school_id, const std::string& id) override;
  absl::StatusOr<Page<Letter>> ListLetters(const std::string& school_id, const std::string& guardian,
                                           PageQuery page) override;

  absl::StatusOr<bool> MarkUnderReview(const ReviewPlan& plan) override;

  absl::StatusOr<Stats> GetSchoolStats(const std::string& school_id, absl::Time start, absl::Time end, absl::Time as_of,
                                       absl::CivilDay review_day) override;

  // ---- for assertions ----
  struct StoredTimer {
    timer::TimerSpec spec;
    timer::TimerState state = timer::TimerState::kPending;
    int64_t version = 0;
  };
  std::vector<OutboxNotice> Outbox() const;
  // The review timer (or any) by kind and key; nullopt when none was ever armed.
  std::optional<StoredTimer> TimerOf(const std::string& kind, const std::string& key) const;
  // A timer as the worker would hand it to a handler (for planning a firing in tests).
  std::optional<timer::Timer> FiringTimer(const std::string& kind, const std::string& key) const;
  int64_t DecisionCount() const;
  // While set, RecordDecisions fails with this status and stores nothing (PostgreSQL down).
  void FailDecisionWrites(absl::Status status);
  int64_t WriteCount() const;  // committed writes (replays and refusals excluded)

 private:
  template <typename T>
  struct Row {
    T value;
    int64_t seq = 0;
  };
  using Id = std::pair<std::string, std::string>;  // (school, id)
  struct StoredRequest {
    std::string fingerprint;
    std::string response;
  };

  // Replays a finished request, or runs `work` (under the lock) and remembers its response when it
  // succeeds. `work` must change nothing when it fails.
  absl::StatusOr<WriteResult> Idempotent(const RequestKey& key,
                                         const std::function<absl::StatusOr<std::string>(WriteResult&)>& work)
      ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  void Arm(const timer::TimerSpec& spec, WriteResult& result) ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  void Written() ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);

  const Clock* const clock_;
  mutable absl::Mutex mu_;
  absl::Status decision_write_failure_ ABSL_GUARDED_BY(mu_);
  int64_t seq_ ABSL_GUARDED_BY(mu_) = 0;
  int64_t epoch_ ABSL_GUARDED_BY(mu_) = 0;
  int64_t writes_ ABSL_GUARDED_BY(mu_) = 0;
  int64_t timer_ids_ ABSL_GUARDED_BY(mu_) = 0;
  std::map<std::pair<std::string, std::string>, StoredRequest> requests_ ABSL_GUARDED_BY(mu_);
  std::map<Id, Row<DecisionRecord>> decisions_ ABSL_GUARDED_BY(mu_);
  std::map<Id, Row<Incident>> incidents_ ABSL_GUARDED_BY(mu_);
  std::map<Id, Row<Arrangement>> arrangements_ ABSL_GUARDED_BY(mu_);
  std::map<Id, std::vector<ArrangementRevision>> revisions_ ABSL_GUARDED_BY(mu_);
  std::map<Id, Row<PremisesBan>> bans_ ABSL_GUARDED_BY(mu_);
  std::map<Id, Row<Letter>> letters_ ABSL_GUARDED_BY(mu_);
  std::vector<OutboxNotice> outbox_ ABSL_GUARDED_BY(mu_);
  std::map<std::pair<std::string, std::string>, std::pair<int64_t, StoredTimer>> timers_ ABSL_GUARDED_BY(mu_);
};

}  // namespace parley::conduct::testing
