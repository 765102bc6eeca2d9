// The conduct domain's storage port and the records it exchanges. Reads return domain values; every
// write is one transaction that replays a request already done (request_id), locks and re-reads
// the row it changes, lets the caller's plan decide on the current state (etag, state machine),
// writes the change together with its letter, outbox notice and timer, bumps the gate epoch, and
// records the response for replay. Implementations (store/pg_conduct_store.h on PostgreSQL,
// testing/in_memory_conduct_store.h) translate their own errors; nothing here throws, and nothing
// here knows libpqxx or protobuf.
#pragma once

#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "common/request/page.h"
#include "common/request/request_key.h"
#include "common/timer/types.h"
#include "services/conduct/domain/model.h"

namespace parley::conduct {

// A request id scoped to one method, with a fingerprint of the request it came with.
using RequestKey = request::RequestKey;

using request::Page;
using request::PageQuery;

// What a gate snapshot holds: every issued arrangement not yet ended, every ban not yet over, and
// when each (school, guardian) last had an incident within the look-back.
struct GateData {
  int64_t epoch = 0;
  std::vector<Arrangement> arrangements;
  std::vector<PremisesBan> bans;
  struct LastIncident {
    std::string school_id;
    std::string guardian;
    absl::Time at;
  };
  std::vector<LastIncident> recent_incidents;
};

// A notice for the notifications service (docs/architecture.md#services-and-what-they-own): written to the outbox in
// the same transaction as the change. `key` is stable: the relay passes it as request_id.
struct OutboxNotice {
  std::string key;
  std::string kind;  // "conduct_letter", "arrangement_review_reminder"
  std::string school_id;
  std::string notice_json;  // recipients, pupils, template key and variables, priority
  absl::Time not_before;
};

// The effects of one arrangement or ban mutation, decided by the caller's plan on the locked row.
struct ArrangementChange {
  Arrangement updated;                                        // row_version is bumped by the store
  std::optional<ArrangementRevision> new_revision;            // issue / tighten
  std::optional<Letter> letter;                               // stored with its outbox notice:
  std::optional<OutboxNotice> notice;                         // required when `letter` is set
  std::optional<timer::TimerSpec> schedule;                   // the review reminder
  std::optional<std::pair<std::string, std::string>> cancel;  // (kind, key) of a timer to cancel
};

template <typename T>
using Encoder = std::function<absl::StatusOr<std::string>(const T&)>;

// What the review timer does when it fires, decided by the domain (ConductService::PlanReview)
// and applied by the store in the timer's own transaction.
struct ReviewPlan {
  enum class Action {
    kNothing,          // the arrangement moved on (or is gone): the timer is spent
    kRearm,            // outside the head's working time: fire again at `rearm_at`
    kMarkUnderReview,  // still issued at `version` for `review_date`: mark it, write `reminder`
  };
  Action action = Action::kNothing;
  absl::Time rearm_at;
  std::string school_id;
  std::string arrangement_id;
  int version = 0;
  absl::CivilDay review_date;
  OutboxNotice reminder;
};

// The outcome of a write: the response bytes (replayed or new) and timers to nudge after commit.
struct WriteResult {
  std::string response;
  bool replayed = false;
  std::vector<timer::TimerRef> timers;
};

class ConductStore {
 public:
  virtual ~ConductStore() = default;

  virtual absl::Status Ping() = 0;

  // --- the gate -----------------------------------------------------------------------------
  virtual absl::StatusOr<int64_t> GateEpoch() = 0;
  virtual absl::StatusOr<GateData> LoadGateData(absl::Time incidents_since) = 0;
  // All in one transaction: either every record is stored or none. A record whose (school, id) is
  // stored already is skipped, not an error (a repeated check keyed by its request_id): the
  // result says, per record in order, whether it was newly stored. Ids are unique in `records`.
  virtual absl::StatusOr<std::vector<bool>> RecordDecisions(const std::vector<DecisionRecord>& records) = 0;
  virtual absl::StatusOr<DecisionRecord> GetDecision(const std::string& school_id, const std::string& id) = 0;
  virtual absl::StatusOr<Page<DecisionRecord>> ListDecisions(const std::string& school_id, const std::string& guardian,
                                                             std::optional<Outcome> outcome, PageQuery page) = 0;

  // --- incidents ----------------------------------------------------------------------------
  // The incident with its referrals' notices (incident_notices.h), in one transaction.
  virtual absl::StatusOr<WriteResult> CreateIncident(const RequestKey& key, const Incident& incident,
                                                     const std::vector<OutboxNotice>& notices,
                                                     const Encoder<Incident>& encode) = 0;
  virtual absl::StatusOr<Incident> GetIncident(const std::string& school_id, const std::string& id) = 0;
  virtual absl::StatusOr<Page<Incident>> ListIncidents(const std::string& school_id, const std::string& guardian,
                                                       PageQuery page) = 0;
  using IncidentPlan = std::function<absl::StatusOr<Incident>(const Incident& current)>;
  virtual absl::StatusOr<WriteResult> UpdateIncident(const RequestKey& key, const std::string& school_id,
                                                     const std::string& id, const IncidentPlan& plan,
                                                     const Encoder<Incident>& encode) = 0;

  // --- arrangements -------------------------------------------------------------------------
  virtual absl::StatusOr<WriteResult> CreateArrangement(const RequestKey& key, const Arrangement& arrangement,
                                                        const Encoder<Arrangement>& encode) = 0;
  virtual absl::StatusOr<Arrangement> GetArrangement(const std::string& school_id, const std::string& id) = 0;
  // The school's own arrangements and trust-wide ones that cover it, newest first.
  virtual absl::StatusOr<Page<Arrangement>> ListArrangements(const std::string& school_id, const std::string& guardian,
                                                             PageQuery page) = 0;
  // Every issued arrangement of a guardian (any school, trust-wide included).
  virtual absl::StatusOr<std::vector<Arrangement>> ListGuardianArrangements(const std::string& guardian) = 0;
  virtual absl::StatusOr<std::vector<ArrangementRevision>> ListRevisions(const std::string& school_id,
                                                                         const std::string& id) = 0;
  // `plan` sees the locked current row and the database's clock.
  using ArrangementPlan = std::function<absl::StatusOr<ArrangementChange>(const Arrangement& current, absl::Time now)>;
  virtual absl::StatusOr<WriteResult> MutateArrangement(const RequestKey& key, const std::string& school_id,
                                                        const std::string& id, const ArrangementPlan& plan,
                                                        const Encoder<Arrangement>& encode) = 0;

  // --- premises bans ------------------------------------------------------------------------
  virtual absl::StatusOr<WriteResult> CreateBan(const RequestKey& key, const PremisesBan& ban,
                                                const Encoder<PremisesBan>& encode) = 0;
  virtual absl::StatusOr<PremisesBan> GetBan(const std::string& school_id, const std::string& id) = 0;
  virtual absl::StatusOr<Page<PremisesBan>> ListBans(const std::string& school_id, const std::string& guardian,
                                                     PageQuery page) = 0;
  using BanPlan = std::function<absl::StatusOr<PremisesBan>(const PremisesBan& current, absl::Time now)>;
  virtual absl::StatusOr<WriteResult> MutateBan(const RequestKey& key, const std::string& school_id,
                                                const std::string& id, const BanPlan& plan,
                                                const Encoder<PremisesBan>& encode) = 0;

  // --- letters ------------------------------------------------------------------------------
  virtual absl::StatusOr<Letter> GetLetter(const std::string& school_id, const std::string& id) = 0;
  virtual absl::StatusOr<Page<Letter>> ListLetters(const std::string& school_id, const std::string& guardian,
                                                   PageQuery page) = 0;

  // --- reviews -----------------------------------------------------------------------------
  // Applies a kMarkUnderReview plan on its own: when the arrangement is still issued at the plan's
  // version and review date it becomes UNDER_REVIEW and the reminder goes to the outbox (once per
  // notice key). Returns false, changing nothing, when it has moved on. (On PostgreSQL the timer
  // handler does the same inside the timer's transaction.)
  virtual absl::StatusOr<bool> MarkUnderReview(const ReviewPlan& plan) = 0;

  // --- reporting ----------------------------------------------------------------------------
  struct Stats {
    std::vector<std::pair<IncidentKind, int64_t>> incidents_by_kind;
    int64_t arrangements_issued = 0;
    int64_t arrangements_active = 0;
    // In force at `as_of` (ACTIVE or UNDER_REVIEW, started before it and not ended by it) with the
    // current version's review date before `review_day`: the head has not continued or ended them.
    int64_t arrangements_past_review = 0;
    int64_t tightenings = 0;
    int64_t bans_started = 0;
    int64_t bans_active = 0;
    std::vector<std::pair<Outcome, int64_t>> decisions_by_outcome;
  };
  // Figures over [start, end); arrangements_past_review as at `as_of` (the end of the period, or now if
  // it has not ended) and `review_day` (the school's day at `as_of`).
  virtual absl::StatusOr<Stats> GetSchoolStats(const std::string& school_id, absl::Time start, absl::Time end,
                                               absl::Time as_of, absl::CivilDay review_day) = 0;
};

}  // namespace parley::conduct
