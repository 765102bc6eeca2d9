// ConductStore on PostgreSQL (schema: services/conduct/migrations). Times travel as UTC text and
// come back as integer microseconds; arrays as PostgreSQL array literals; every SQL statement is
// parameterised. Only main (and db tests) know this class; the domain sees the port.
#pragma once

#include <functional>
#include <optional>
#include <string>

#include "common/pg/pool.h"
#include "common/timer/worker.h"
#include "services/conduct/domain/conduct_store.h"

namespace parley::conduct {

class PgConductStore final : public ConductStore {
 public:
  explicit PgConductStore(pg::Pool* pool) : pool_(pool) {}

  absl::Status Ping() override;

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

  absl::StatusOr<Stats> GetSchoolStats(const std::string& school_id, absl::Time start, absl::Time end, absl::Time as_of,
                                       absl::CivilDay review_day) override;

  absl::StatusOr<bool> MarkUnderReview(const ReviewPlan& plan) override;

  // The review timer's handler (main registers it under kReviewTimerKind): asks `plan` what to do
  // and applies it inside the timer's firing transaction, so the arrangement is marked and its
  // reminder written exactly when the timer is spent.
  using ReviewPlanner = std::function<absl::StatusOr<ReviewPlan>(const timer::Timer&)>;
  static timer::Handler ReviewTimerHandler(ReviewPlanner plan);

  // Letters not yet handed to notifications (for the relay and for tests).
  absl::StatusOr<int64_t> PendingOutboxCount();

 private:
  pg::Pool* pool_;
};

}  // namespace parley::conduct
