// The conduct service's rules: recording incidents, the life of an arrangement (draft → active →
// under review → ended, tightening into new versions), premises bans, letters, and the gate.
// Tenancy and roles are checked by the API before it calls in; this layer validates input against
// the directory and the current state, and every write goes through the store port in one
// transaction with its letter, outbox notice and timer. Every read the API serves is a use case
// here too: the API never sees the store.
#pragma once

#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "common/clock/clock.h"
#include "common/timer/types.h"
#include "services/conduct/domain/conduct_store.h"
#include "services/conduct/domain/decision_recorder.h"
#include "services/conduct/domain/directory.h"
#include "services/conduct/domain/gate_cache.h"
#include "services/conduct/domain/model.h"
#include "services/conduct/domain/review.h"

namespace parley::conduct {

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

  // The gate: decides, queues the decision in the write-behind log (decision_recorder.h: stored
  // within the flush window, no commit on this path), returns it. With a `request_id` (a UUID,
  // validated by the API) the decision is one per (school, asker, request_id): its id is derived
  // from that key, and a repeated check returns the decision given first (queued or stored) and
  // records nothing new. A caller that acts on a decision keeps it with its action. Refused
  // before anything is stored: a guardian not linked to a pupil at the school (NOT_FOUND,
  // GUARDIAN_NOT_FOUND, the same answer whether the guardian exists elsewhere or nowhere), an
  // `addressed_to` of another school (INVALID_ARGUMENT) or one the directory does not know
  // (NOT_FOUND, STAFF_NOT_FOUND).
  absl::StatusOr<DecisionRecord> Check(const GateQuery& query, const std::string& asked_by,
                                       const std::string& request_id = "");
  // The same decision as Check, refused alike, but not stored: a guardian asking about their own
  // communication (the answer is theirs, not an audit record of the school's). The record has no
  // id and no asker.
  absl::StatusOr<DecisionRecord> Evaluate(const GateQuery& query);
  // A decision answered and not yet stored is found too; a list (and the figures) waits for the
  // log to store everything answered before it.
  absl::StatusOr<DecisionRecord> GetDecision(const std::string& school_id, const std::string& id);
  absl::StatusOr<Page<DecisionRecord>> ListDecisions(const std::string& school_id, const std::string& guardian,
                                                     std::optional<Outcome> outcome, PageQuery page);

  absl::StatusOr<Incident> GetIncident(const std::string& school_id, const std::string& id);
  absl::StatusOr<Page<Incident>> ListIncidents(const std::string& school_id, const std::string& guardian,
                                               PageQuery page);
  absl::StatusOr<Arrangement> GetArrangement(const std::string& school_id, const std::string& id);
  // The school's own arrangements and trust-wide ones covering it, newest first; with `state`, only
  // those whose effective state (now) it is: pages are read until this one has some or they run out.
  absl::StatusOr<Page<Arrangement>> ListArrangements(const std::string& school_id, const std::string& guardian,
                                                     std::optional<ArrangementState> state, PageQuery page);
  absl::StatusOr<std::vector<ArrangementRevision>> ListRevisions(const std::string& school_id, const std::string& id);
  // The guardian's arrangements that apply now (ACTIVE or UNDER_REVIEW), any school.
  absl::StatusOr<std::vector<Arrangement>> ListGuardianArrangements(const std::string& guardian);
  absl::StatusOr<PremisesBan> GetBan(const std::string& school_id, const std::string& id);
  absl::StatusOr<Page<PremisesBan>> ListBans(const std::string& school_id, const std::string& guardian, PageQuery page);
  absl::StatusOr<Letter> GetLetter(const std::string& school_id, const std::string& id);
  absl::StatusOr<Page<Letter>> ListLetters(const std::string& school_id, const std::string& guardian, PageQuery page);
  // INVALID_ARGUMENT unless start < end. Arrangements past review are counted as at the end of the
  // period, or now if it has not ended, against that day in the school's zone (from the directory).
  absl::StatusOr<ConductStore::Stats> GetSchoolStats(const std::string& school_id, absl::Time start, absl::Time end);

  // Records the incident and refers it as the school's incident notice rules say (contacts'
  // policy; incident_notices.h): the referrals are kept on the incident and their notices go into
  // the outbox in its transaction. A recorder who is not the school's staff or has no line manager
  // is answered for by the head; a school with no head gets the incident recorded without that
  // referral (logged).
  absl::StatusOr<WriteResult> CreateIncident(const RequestKey& key, Incident incident, const Encoder<Incident>& encode);
  // `apply` turns the current incident into the wanted one (the API's field mask).
  absl::StatusOr<WriteResult> UpdateIncident(const RequestKey& key, const std::string& school_id, const std::string& id,
                                             const std::string& etag,
                                             const std::function<absl::StatusOr<Incident>(const Incident&)>& apply,
                                             const Encoder<Incident>& encode);

  absl::StatusOr<WriteResult> CreateArrangement(const RequestKey& key, Arrangement draft,
                                                const Encoder<Arrangement>& encode);
  absl::StatusOr<WriteResult> UpdateArrangement(
      const RequestKey& key, const std::string& school_id, const std::string& id, const std::string& etag,
      const std::function<absl::StatusOr<Arrangement>(const Arrangement&)>& apply, const Encoder<Arrangement>& encode);
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

  // What the review timer `t` should do now (see review.h): the store applies the plan in the
  // timer's own transaction.
  absl::StatusOr<ReviewPlan> PlanReview(const timer::Timer& t);

 private:
  absl::StatusOr<WriteResult> AfterWrite(absl::StatusOr<WriteResult> result);
  // Whom a new incident is referred to, by the school's rules and the directory.
  absl::StatusOr<std::vector<IncidentReferral>> Referrals(const Incident& incident);
  // The guardian, when linked to a pupil at the school; otherwise NOT_FOUND (GUARDIAN_NOT_FOUND)
  // in the same words whether the guardian exists at another school or not at all, so a school's
  // staff learn nothing about other schools' families.
  absl::StatusOr<GuardianInfo> GuardianAt(const std::string& guardian, const std::string& school_id);
  // Check and Evaluate without storing: the query's references checked, then the gate's decision.
  absl::StatusOr<DecisionRecord> Decided(const GateQuery& query, absl::Time now);

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
// The id of the decision a keyed check records: "d" and 32 hex digits derived from the key.
std::string KeyedDecisionId(const std::string& school_id, const std::string& asked_by, const std::string& request_id);

// The etag of a row version, and the check of one sent back (empty = no check).
std::string EtagOf(int64_t row_version);
absl::Status CheckEtag(const std::string& sent, int64_t row_version);

}  // namespace parley::conduct
