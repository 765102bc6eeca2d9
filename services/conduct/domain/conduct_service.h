// The conduct service's rules: recording incidents, the life of an arrangement (draft → active →
// under review → ended, tightening into new versions), premises bans, letters, and the gate.
// Tenancy and roles are checked by the API before it calls in; this layer validates input against
// the directory and the current state, and every write goes through the store in one transaction
// with its letter, outbox notice and timer.
#pragma once

#include <functional>
#include <optional>
#include <string>

#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "common/clock/clock.h"
#include "common/timer/timer.h"
#include "services/conduct/domain/decision_recorder.h"
#include "services/conduct/domain/directory.h"
#include "services/conduct/domain/gate_cache.h"
#include "services/conduct/domain/model.h"
#include "services/conduct/store/conduct_store.h"

namespace parley::conduct {

inline constexpr char kReviewTimerKind[] = "conduct.arrangement_review";

struct ConductOptions {
  // A guardian with an incident at the school this recently is "known to be difficult" for
  // meetings (a second member of staff, the head informed).
  absl::Duration incident_lookback = absl::Hours(24 * 365);
  // How far in the future a gate query's instant may be for messages (clock skew); meetings are
  // booked ahead, so they may be any time in the next year.
  absl::Duration message_future_skew = absl::Minutes(5);
};

// After commit, a scheduled timer is handed to the timer worker so it wakes in time.
using TimerNudge = std::function<void(const timer::TimerRef&)>;

class ConductService {
 public:
  ConductService(ConductStore* store, Directory* directory, GateCache* gate, DecisionRecorder* recorder,
                 TimerNudge nudge, const Clock* clock, ConductOptions options = {});

  // The gate: decides, records the decision, returns it.
  absl::StatusOr<DecisionRecord> Check(const GateQuery& query, const std::string& asked_by);

  absl::StatusOr<WriteResult> CreateIncident(const RequestKey& key, Incident incident, const Encoder<Incident>& encode);
  // `apply` turns the current incident into the wanted one (the API's field mask).
  absl::StatusOr<WriteResult> UpdateIncident(const RequestKey& key, const std::string& school_id, const std::string& id,
                                             const std::string& etag,
                                             const std::function<Incident(const Incident&)>& apply,
                                             const Encoder<Incident>& encode);

  absl::StatusOr<WriteResult> CreateArrangement(const RequestKey& key, Arrangement draft,
                                                const Encoder<Arrangement>& encode);
  absl::StatusOr<WriteResult> UpdateArrangement(const RequestKey& key, const std::string& school_id,
                                                const std::string& id, const std::string& etag,
                                                const std::function<Arrangement(const Arrangement&)>& apply,
                                                const Encoder<Arrangement>& encode);
  absl::StatusOr<WriteResult> IssueArrangement(const RequestKey& key, const std::string& school_id,
                                               const std::string& id, const std::string& etag,
                                               const std::string& issued_by, const Encoder<Arrangement>& encode);
  absl::StatusOr<WriteResult> TightenArrangement(const RequestKey& key, const std::string& school_id,
                                                 const std::string& id, const std::string& etag, ArrangementTerms terms,
                                                 const std::string& breach_incident_id,
                                                 std::optional<absl::CivilDay> review_date,
                                                 const std::string& issued_by, const Encoder<Arrangement>& encode);
  absl::StatusOr<WriteResult> ContinueArrangement(const RequestKey& key, const std::string& school_id,
                                                  const std::string& id, const std::string& etag,
                                                  absl::CivilDay next_review_date, const Encoder<Arrangement>& encode);
  absl::StatusOr<WriteResult> EndArrangement(const RequestKey& key, const std::string& school_id, const std::string& id,
                                             const std::string& etag, std::optional<absl::Time> end_time,
                                             const Encoder<Arrangement>& encode);

  absl::StatusOr<WriteResult> CreateBan(const RequestKey& key, PremisesBan ban, const Encoder<PremisesBan>& encode);
  absl::StatusOr<WriteResult> RevokeBan(const RequestKey& key, const std::string& school_id, const std::string& id,
                                        const std::string& etag, const Encoder<PremisesBan>& encode);

  // The review reminder for an arrangement whose review date has come, as an outbox notice to
  // the head, due inside the head's working periods (DESIGN §3 rule 7). Used by the review timer.
  struct ReviewReminder {
    OutboxNotice notice;
    absl::Time send_at;
  };
  absl::StatusOr<ReviewReminder> PlanReviewReminder(const std::string& school_id, const std::string& arrangement_id,
                                                    const std::string& guardian, absl::CivilDay review_date,
                                                    absl::Time now);
  // The instant the review timer for `review_date` falls due: local midnight starting that day.
  absl::StatusOr<absl::Time> ReviewDueAt(const std::string& school_id, absl::CivilDay review_date);

  ConductStore& store() { return *store_; }
  Directory& directory() { return *directory_; }

 private:
  absl::StatusOr<WriteResult> AfterWrite(absl::StatusOr<WriteResult> result);

  ConductStore* const store_;
  Directory* const directory_;
  GateCache* const gate_;
  DecisionRecorder* const recorder_;
  const TimerNudge nudge_;
  const Clock* const clock_;
  const ConductOptions options_;
};

// "r4f2c9a1b7e3": a fresh random resource id with the given prefix letter.
std::string NewId(char prefix);

// The etag of a row version, and the check of one sent back (empty = no check).
std::string EtagOf(int64_t row_version);
absl::Status CheckEtag(const std::string& sent, int64_t row_version);

}  // namespace parley::conduct
