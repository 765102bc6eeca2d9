// The escalation service's use cases: intake (gate → route → clocks), staff actions, the reads
// the API shows, the clock timers' firing, and recomputation after a calendar edit. Each write
// turns a rule's Decision (domain/rules.h) into one planned store write: the events, the outbox
// notices (staff notices placed inside the recipient's working periods, at most one per matter
// per recipient per period), and the enquiry's timers (one per clock, kind kClockTimerKind).
//
// A write is done once: a request id already done is answered from the store before any peer is
// asked; then the change is planned on a snapshot of the enquiry, where peers may be asked (no row
// is locked), the view is derived once for both the stored projection and the response, and the
// store applies the plan guarded by the row version it was planned on, planning again (a few
// times) when the row moved. Tenancy and roles are the API's; the reads and staff actions take the
// EnquiryScope the caller's reach leaves (enquiry_store.h), and answer an enquiry outside it exactly
// as one that does not exist.
#pragma once

#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/status/statusor.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"
#include "common/clock/clock.h"
#include "common/status/reasons.h"
#include "common/timer/types.h"
#include "services/escalation/domain/enquiry_store.h"
#include "services/escalation/domain/enquiry_view.h"
#include "services/escalation/domain/peers.h"
#include "services/escalation/domain/rules.h"

namespace parley::escalation {

// One timer per clock: key "{school}/{enquiry}/{stage}", due the clock's due (payload: the due as
// first armed, Unix micros, for reading only).
inline constexpr char kClockTimerKind[] = "escalation.clock";

struct EnquiryServiceOptions {
  // How far in the future receive_time may be (clock skew between the caller and us).
  absl::Duration receipt_skew = absl::Minutes(1);
  size_t max_subject_chars = 200;
  size_t max_reason_chars = 200;
  size_t max_progress_chars = 500;
  // How many times a write is planned when the enquiry keeps changing under it.
  int max_plan_attempts = 4;
};

// The response a write keeps for its request id, from the enquiry as stored and the view derived
// for the write.
using ResponseEncoder = std::function<absl::StatusOr<std::string>(const EnquiryRecord&, const EnquiryView&)>;

struct EnquiryWithView {
  EnquiryRecord record;
  EnquiryView view;
};

struct EventPage {
  std::vector<Event> events;
  int64_t next_seq = 0;  // the seq the next page starts at; 0 when there is none
};

using TimerNudge = std::function<void(const timer::TimerRef&)>;

// What a staff action needs beyond the enquiry.
struct ActionInput {
  enum class Kind {
    kAcknowledge,
    kReply,
    kPause,
    kResume,
    kResolve,
    kReopen,
    kEscalate,
    kReassign,
    kMarkAbusive,
    kRecordProgress,
  };
  Kind kind = Kind::kAcknowledge;
  std::string actor;   // token subject
  std::string reason;  // pause, reopen, escalate, reassign; acknowledge and progress: the promise's
  // Acknowledge, record progress: when a fuller response or meeting is promised to the guardian.
  std::optional<absl::Time> promised_at;
  std::string progress;           // record progress: the update; personal data, never logged
  std::string new_owner;          // reassign: "schools/{school}/staff/{id}"
  bool parent_requested = false;  // escalate
};

// Whose intake an Open is, as the caller's reach decided (the API's): staff, trust admins and
// services open about any pupil of the school; a guardian (reach kOwn) only about a pupil linked to
// them (ChildrenOf).
struct IntakeScope {
  std::string guardian;  // "guardians/{id}"; empty: any pupil of the school

  static IntakeScope AnyPupil() { return {}; }
  static IntakeScope ChildrenOf(std::string guardian) { return {std::move(guardian)}; }
};

class EnquiryService {
 public:
  EnquiryService(EnquiryStore* store, Gate* gate, Directory* directory, DeadlineSource* deadlines, StaffHours* hours,
                 TimerNudge nudge, const Clock* clock, EnquiryServiceOptions options = {});

  // `draft` carries what arrived (school, pupil, guardian, channel, category, received_at,
  // safeguarding, subject, body_ref, sender_description); the id is assigned here. Bad input
  // (empty or oversized subject, unknown category, a pupil of another school, receipt beyond the
  // skew) → INVALID_ARGUMENT / NOT_FOUND before anything is written. A retry of a request id done
  // already returns the first response without asking routing or the gate again; the gate is
  // given the request id, so concurrent copies record one decision. Under `scope`
  // IntakeScope::ChildrenOf, a pupil the guardian is not linked to is answered exactly as a pupil
  // that is not the school's (PupilNotFound), after the replay and before routing, the gate or
  // anything stored.
  absl::StatusOr<WriteResult> Open(const RequestKey& key, EnquiryRecord draft, const std::string& actor,
                                   const ResponseEncoder& encode, const IntakeScope& scope = IntakeScope::AnyPupil());

  // An enquiry `scope` does not cover → NOT_FOUND as if it did not exist (checked on the snapshot
  // the change is planned on, before the etag, so a guarded write cannot land on an enquiry that
  // left the scope meanwhile); acting in the wrong state → FAILED_PRECONDITION; a stale etag →
  // ABORTED (STALE_ETAG); a row that kept moving while the change was planned → ABORTED
  // (RECORD_CHANGED). A request id done already replays its response first.
  absl::StatusOr<WriteResult> Act(const RequestKey& key, const std::string& school_id, const std::string& id,
                                  const std::string& etag, const ActionInput& input, const ResponseEncoder& encode,
                                  const EnquiryScope& scope = EnquiryScope::All());

  // ---- reads ----
  // With its history and the derived view (contacts asked only when a pause moved a clock).
  // Outside `scope` → NOT_FOUND, as if it did not exist.
  absl::StatusOr<EnquiryWithView> Get(const std::string& school_id, const std::string& id,
                                      const EnquiryScope& scope = EnquiryScope::All());
  // Newest first, as last projected (no history, no view). Scopes narrow `filter` (EnquiryScope::Narrow),
  // so the store's query pages over the caller's enquiries only.
  absl::StatusOr<Page<EnquiryRecord>> List(const std::string& school_id, const EnquiryFilter& filter, PageQuery page,
                                           const EnquiryScope& scope = EnquiryScope::All());
  // The history from seq `from_seq` (1 = the start), at most `size` events that `shown` keeps (all
  // when it is null: pages are counted after it, never short because of it). The enquiry outside
  // `scope` → NOT_FOUND, as if it did not exist.
  using EventShown = std::function<bool(const EnquiryRecord&, const Event&)>;
  absl::StatusOr<EventPage> ListEvents(const std::string& school_id, const std::string& id, int64_t from_seq, int size,
                                       const EnquiryScope& scope = EnquiryScope::All(),
                                       const EventShown& shown = nullptr);
  absl::StatusOr<SchoolStats> Stats(const std::string& school_id, absl::Time start, absl::Time end);
  // The breaches Stats counts for the same period, a page at a time (`size` > 0). The caller
  // reaches the whole school (no scope narrows a figure's matters).
  absl::StatusOr<BreachPage> ListBreaches(const std::string& school_id, const BreachFilter& filter,
                                          BreachPosition after, int size);

  // ---- clock timers ----
  // What the store's timer handler for kClockTimerKind asks (the PostgreSQL store's, in store/):
  // which enquiry a timer belongs to, and PlanClockTimer for it.
  TimerPlan ClockTimerPlan();
  // The firing of the `stage` clock's timer armed at `armed_due`, on the enquiry as stored, at
  // `now` (the database's clock): breach notices, escalation, referral, and the timer's next due.
  // Asks contacts for the breach switches, the ladder or the owner's line manager.
  absl::StatusOr<TimerOutcome> PlanClockTimer(const EnquiryRecord& current, Stage stage, absl::Time armed_due,
                                              absl::Time now);

  // clock rule 6 (docs/architecture.md#policy-clock-rules): for every school with live enquiries whose calendar or
  // policy fingerprint (from contacts) differs from the one last seen, recomputes each live enquiry's running clocks
  // and records it (a `recomputed` event, the timers moved). Idempotent and safe on several
  // replicas: each recomputation's request id is derived from the enquiry and the new versions.
  // Returns how many enquiries changed.
  absl::StatusOr<int> RecomputeChangedSchools();
  // The same for one school, whatever was seen before.
  absl::StatusOr<int> RecomputeSchool(const std::string& school_id);

 private:
  using Decide = std::function<absl::StatusOr<Decision>(const EnquiryRecord& current, absl::Time now)>;

  // Turns a Decision into a store Change for `enquiry` (times cut to what the store keeps);
  // `ledger` is the enquiry's rule-7 ledger, so staff notices go to working periods not yet used
  // for their recipient.
  absl::StatusOr<Change> ToChange(const Enquiry& enquiry, const Decision& decision,
                                  const std::vector<StaffNoticeRow>& ledger);
  // The write of `decision` on `current`: the change, the record after it with the projection of
  // the view derived once at `now`, and the response from that same view.
  absl::StatusOr<PlannedWrite> Plan(const EnquiryRecord& current, const Decision& decision, absl::Time now,
                                    const ResponseEncoder& encode);
  // Snapshot → etag check → decide → apply guarded by the snapshot's row version, again while the
  // row moved; nudges the timers written.
  absl::StatusOr<WriteResult> Write(const RequestKey& key, const std::string& school_id, const std::string& id,
                                    const std::string& etag, const Decide& decide, const ResponseEncoder& encode,
                                    const EnquiryScope& scope = EnquiryScope::All());
  // The response an earlier success kept for `key`, as a replayed result; nullopt when there is
  // none (REQUEST_ID_REUSED for another request under the same id).
  absl::StatusOr<std::optional<WriteResult>> Replay(const RequestKey& key);
  void Nudge(const WriteResult& written);

  absl::Mutex seen_mu_;
  std::map<std::string, std::pair<std::string, std::string>> seen_versions_ ABSL_GUARDED_BY(seen_mu_);

  EnquiryStore* const store_;
  Gate* const gate_;
  Directory* const directory_;
  DeadlineSource* const deadlines_;
  StaffHours* const hours_;
  const TimerNudge nudge_;
  const Clock* const clock_;
  const EnquiryServiceOptions options_;
};

}  // namespace parley::escalation
