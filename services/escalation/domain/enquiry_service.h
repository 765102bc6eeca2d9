// The escalation service's use cases: intake (gate → route → clocks), staff actions, the clock
// timers' firing, and recomputation after a calendar edit. Each turns a rule's Decision
// (domain/rules.h) into one store write: the events, the outbox notices (staff notices placed
// inside the recipient's working periods, at most one per matter per recipient per period), and
// the enquiry's timers (one per clock, kind kClockTimerKind). Tenancy and roles are the API's.
#pragma once

#include <functional>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/status/statusor.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"
#include "common/clock/clock.h"
#include "common/timer/timer.h"
#include "common/timer/worker.h"
#include "services/escalation/clients/peers.h"
#include "services/escalation/domain/enquiry_view.h"
#include "services/escalation/domain/rules.h"
#include "services/escalation/store/enquiry_store.h"

namespace parley::escalation {

// One timer per clock: key "{school}/{enquiry}/{stage}", due the clock's due (payload: the due as
// first armed, Unix micros, for reading only).
inline constexpr char kClockTimerKind[] = "escalation.clock";

struct EnquiryServiceOptions {
  // How far in the future receive_time may be (clock skew between the caller and us).
  absl::Duration receipt_skew = absl::Minutes(1);
  size_t max_subject_chars = 200;
  size_t max_reason_chars = 200;
};

using TimerNudge = std::function<void(const timer::TimerRef&)>;

// What a staff action needs beyond the enquiry.
struct ActionInput {
  enum class Kind { kAcknowledge, kReply, kPause, kResume, kResolve, kReopen, kEscalate, kReassign, kMarkAbusive };
  Kind kind = Kind::kAcknowledge;
  std::string actor;              // token subject
  std::string reason;             // pause, reopen, escalate, reassign
  std::string new_owner;          // reassign: "schools/{school}/staff/{id}"
  bool parent_requested = false;  // escalate
};

class EnquiryService {
 public:
  EnquiryService(EnquiryStore* store, Gate* gate, Directory* directory, DeadlineSource* deadlines, StaffHours* hours,
                 TimerNudge nudge, const Clock* clock, EnquiryServiceOptions options = {});

  // `draft` carries what arrived (school, pupil, guardian, channel, category, received_at,
  // safeguarding, subject, body_ref, sender_description); the id is assigned here. Bad input
  // (empty or oversized subject, unknown category, a pupil of another school, receipt beyond the
  // skew) → INVALID_ARGUMENT / NOT_FOUND before anything is written.
  absl::StatusOr<WriteResult> Open(const RequestKey& key, EnquiryRecord draft, const std::string& actor,
                                   const Encoder<EnquiryRecord>& encode);

  // Acting in the wrong state → FAILED_PRECONDITION; a stale etag or a lost race → ABORTED.
  absl::StatusOr<WriteResult> Act(const RequestKey& key, const std::string& school_id, const std::string& id,
                                  const std::string& etag, const ActionInput& input,
                                  const Encoder<EnquiryRecord>& encode);

  // The derived view of a stored enquiry (for showing clocks), asking contacts only when a pause
  // moved a clock.
  absl::StatusOr<EnquiryView> View(const EnquiryRecord& record);

  // The handler to register for kClockTimerKind: in the timer's transaction, loads the enquiry,
  // asks rules::OnTimer, and applies the decision (breach notices, escalation, referral).
  timer::Handler ClockTimerHandler();

  // DESIGN §3 rule 6: for every school with live enquiries whose calendar or policy fingerprint
  // (from contacts) differs from the one last seen, recomputes each live enquiry's running clocks
  // and records it (a `recomputed` event, the timers moved). Idempotent and safe on several
  // replicas: each recomputation's request id is derived from the enquiry and the new versions.
  // Returns how many enquiries changed.
  absl::StatusOr<int> RecomputeChangedSchools();
  // The same for one school, whatever was seen before.
  absl::StatusOr<int> RecomputeSchool(const std::string& school_id);

  // Fills the projection of `record` from its history (the store calls it inside each write).
  absl::Status ProjectRecord(EnquiryRecord& record);

  EnquiryStore& store() { return *store_; }

 private:
  // Turns a Decision into a store Change for `enquiry`; `ledger` is the enquiry's rule-7 ledger,
  // so staff notices go to working periods not yet used for their recipient.
  absl::StatusOr<Change> ToChange(const Enquiry& enquiry, const Decision& decision,
                                  const std::vector<StaffNoticeRow>& ledger);

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
