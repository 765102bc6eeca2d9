// The decisions the escalation service makes about one enquiry, as functions that say what to do
// and do none of it: the events to append, the notices to put in the outbox, and the timers the
// enquiry should have afterwards. The caller (the service layer) appends the events, writes the
// notices and sets the timers in one transaction, guarded by the enquiry's version, so a retry or a
// lost race changes nothing twice.
//
// Every rule checks the state derived from the history first and answers FAILED_PRECONDITION,
// naming the enquiry's state, when the action does not fit it ("enquiry e-1 is resolved: only an
// open enquiry can be acknowledged"). Deadlines come from a DeadlineSource (docs/architecture.md#the-policy-clock);
// staff notices are timed by ScheduleStaffNotice (rule 7).
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "absl/types/span.h"
#include "services/escalation/domain/enquiry_view.h"
#include "services/escalation/domain/model.h"

namespace parley::escalation {

// An outbox row to be: who is told what about which matter, and from when it may go.
struct Notice {
  enum class Kind {
    kAssigned = 1,              // staff: a new matter is yours
    kSafeguardingAlert = 2,     // staff: DSL and deputies, at once
    kAcknowledgeBreach = 3,     // staff: owner and line manager
    kEscalated = 4,             // staff: the matter reached you
    kReferredToComplaints = 5,  // staff (owner) and the guardian
    kAcknowledgement = 6,       // guardian: we have your message
    kRedirected = 7,            // guardian: how to reach the school instead
    kReopened = 8,              // staff: the parent came back
    kResponseBreach = 9,        // staff (owner): the answer is overdue and the policy does not escalate
    kFollowUpBreach = 10,       // staff: owner and line manager: the follow-up action is overdue
    kInformed = 11,             // staff or external contact the route names besides the owner
    kProgress = 22,             // guardian: how the matter stands (RecordProgress)
    kChannelRedirected = 16,    // guardian: the route does not take that channel; how to reach the school
  };
  Kind kind = Kind::kAssigned;
  std::string recipient;  // staff or guardian resource name
  bool to_staff = true;
  std::string enquiry_id;
  absl::Time earliest;  // staff notices still go through ScheduleStaffNotice
  bool urgent = false;  // safeguarding: ignores working periods (rule 7)
  // An urgent or safeguarding matter: a teacher is told during teaching hours too. Every other
  // staff notice to a member of staff who teaches waits until they are out of class.
  bool interrupts_teaching = false;
  std::string how_to_reach;  // kChannelRedirected: the route's channel rule, the school's own words
  // Stable across retries of the same decision: the outbox's idempotency key.
  std::string key;
  // Guardian notices that carry the promise in force (kAcknowledgement, kProgress) and the update.
  std::optional<absl::Time> promised_at;
  std::string progress;  // personal data: stored in the outbox, never logged
};

// The timer an enquiry should have for one clock: armed at `due`, or none.
struct TimerSetting {
  Stage stage = Stage::kAcknowledge;
  std::optional<absl::Time> due;
};

// The timers a view calls for, one per stage: armed while something can still happen at the due
// instant; an overdue clock whose breach is not handled yet stays armed so its timer fires at once.
std::vector<TimerSetting> ArmedTimers(const EnquiryView& view);

struct Decision {
  std::vector<Event> events;    // seq continues the history
  std::vector<Notice> notices;  // in the order the events caused them
  // Always every stage: the whole desired timer state after the events, so setting it is
  // idempotent. Empty only when nothing changed (events empty).
  std::vector<TimerSetting> timers;
};

// Who is asking and when.
struct Act {
  std::string actor;  // token subject
  absl::Time at;
  std::string reason;  // required for pause, reopen, escalate, reassign; a promise's reason otherwise
  // Acknowledge and RecordProgress: when a fuller response or meeting is promised to the guardian.
  std::optional<absl::Time> promised_at{};
  std::string progress{};  // RecordProgress: the update for the guardian
};

// --- Intake --------------------------------------------------------------------------------------

struct GateResult {
  GateOutcome outcome = GateOutcome::kAllow;
  std::string decision;                         // "schools/{school}/decisions/{id}"
  std::optional<absl::Time> next_allowed_time;  // DEFER: the clock starts there
  // Recorded with the gated event for the audit (see Event).
  std::string arrangement{};
  int arrangement_version = 0;
  std::string premises_ban{};
  int64_t premises_ban_version = 0;
  std::optional<absl::Time> decided_at{};
};

struct OpenRequest {
  // Unset when the gate was not asked (an unidentified sender). Ignored for safeguarding matters
  // beyond being recorded: they are never held, redirected or suppressed.
  std::optional<GateResult> gate;
  // The first owner from contacts' routing, or the DSL for safeguarding; may be empty only when the
  // gate redirects or suppresses.
  std::string owner;
  // Told as well as the owner: a safeguarding matter's deputies get the alert, any other route's
  // people (a head told of urgent matters, a chair of governors) an "informed" notice.
  std::vector<std::string> also_notify;
  std::string actor;
  absl::Time now;
  std::string owner_role;  // the owner's role as routing named it ("class_teacher", "dsl")
  // The route does not accept the enquiry's channel (St Mary's: absence by phone only): the
  // enquiry is recorded with no clock and the guardian is told the route's own words,
  // `channel_rule`. Ignored for safeguarding matters, which are never refused.
  bool channel_allowed = true;
  std::string channel_rule{};
  // Set when the enquiry was addressed to someone: whether `owner` is them, or why routing chose.
  std::optional<Addressing> addressing{};
};

// `fresh` has no history yet. INVALID_ARGUMENT for a DEFER without a window or a missing owner.
// A guardian with `guardian_not_told` set is sent nothing, now or later.
absl::StatusOr<Decision> Open(const Enquiry& fresh, const OpenRequest& request, DeadlineSource& source);

// --- Staff actions -------------------------------------------------------------------------------

// open → acknowledged; tells the guardian (when known), with the promised date when `act` carries
// one. A promise must be in the future (INVALID_ARGUMENT, PROMISE_IN_PAST) and, while the enquiry's
// respond clock runs unmet, not after its due instant unless act.reason says why
// (INVALID_ARGUMENT, PROMISE_AFTER_DEADLINE). It is recorded on the event and moves no clock.
absl::StatusOr<Decision> Acknowledge(const Enquiry& e, const Act& act, DeadlineSource& source);
// open/acknowledged/awaiting the parent/referred to complaints → unchanged, a progress event
// (act.progress, required) and, when `act` carries one, a new promise under Acknowledge's rule; the
// guardian is sent the update with the promise in force. Changes no clock.
absl::StatusOr<Decision> RecordProgress(const Enquiry& e, const Act& act, DeadlineSource& source);
// open/acknowledged → acknowledged with the response clock met (the acknowledgement too, if still
// owed). While awaiting the parent the reply resumes the clocks first.
absl::StatusOr<Decision> Reply(const Enquiry& e, const Act& act, DeadlineSource& source);
// open/acknowledged → awaiting the parent: the clocks stand still (rule 3). Reason required.
absl::StatusOr<Decision> Pause(const Enquiry& e, const Act& act, DeadlineSource& source);
// awaiting the parent → the state before the pause; due instants move on by the time paused.
absl::StatusOr<Decision> Resume(const Enquiry& e, const Act& act, DeadlineSource& source);
// open/acknowledged/awaiting the parent → resolved: every clock still running is met, the
// follow-up clock only by this (the follow-up action is done when the matter is resolved).
absl::StatusOr<Decision> Resolve(const Enquiry& e, const Act& act, DeadlineSource& source);
// resolved → acknowledged, cycle + 1, a fresh response clock (and follow-up clock, where the policy
// has one) from the reopen instant (rule 5); the owner is told. Reason required.
absl::StatusOr<Decision> Reopen(const Enquiry& e, const Act& act, DeadlineSource& source);

// A ladder from contacts: rung 0 first.
struct Rung {
  std::string staff;
  std::string role;
};
struct EscalationLadder {
  std::vector<Rung> rungs;
  // The school's policy: past the top rung, the complaints procedure. When false, a breach at the
  // top stays with the top rung's owner and a request to go higher is refused.
  bool refer_to_complaints_at_top = true;
};

// open/acknowledged → the next rung with a fresh response budget from now (rule 4), the new owner
// told; at the top rung → referred to complaints ("a parent still unhappy at the top").
// `parent_requested` is recorded. Reason required.
absl::StatusOr<Decision> Escalate(const Enquiry& e, const Act& act, bool parent_requested,
                                  const EscalationLadder& ladder, DeadlineSource& source);
// Cover for absence: the owner changes, the rung and the clocks do not (the promise to the parent
// stands). INVALID_ARGUMENT for an empty or unchanged owner. Reason required.
absl::StatusOr<Decision> Reassign(const Enquiry& e, const Act& act, const std::string& new_owner,
                                  DeadlineSource& source);
// → no response required, clocks stopped; for a safeguarding matter the mark is recorded and
// nothing else changes.
absl::StatusOr<Decision> MarkAbusive(const Enquiry& e, const Act& act, DeadlineSource& source);

// --- Timers --------------------------------------------------------------------------------------

// What a breach finds and what the school's policy says to do about it (contacts' BreachPolicy).
struct BreachContext {
  EscalationLadder ladder;
  std::string owner_line_manager;           // empty when the owner has none
  bool notify_line_manager = true;          // an acknowledgement breach tells the line manager too
  bool escalate_on_response_breach = true;  // else the owner is told and the matter stays with them
};

// A timer armed for `stage` at `armed_due` fired at `now`. Acknowledgement breach: the owner and
// their line manager told. Response breach: the next rung with a fresh budget, the new owner told;
// at the top, referred to complaints. Follow-up breach: like an acknowledgement breach (owner, and
// the line manager when the policy tells them); the matter stays where it is, since the response
// clock is the one that climbs the ladder. Returns an empty Decision (no events) when the clock was met,
// paused, superseded (its due moved: `armed_due` differs), already handled, not yet due, or the
// enquiry is no longer live: a timer may fire late or twice.
absl::StatusOr<Decision> OnTimer(const Enquiry& e, Stage stage, absl::Time armed_due, absl::Time now,
                                 const BreachContext& context, DeadlineSource& source);

// --- Rule 6: recompute after a calendar or policy edit ------------------------------------------

struct Versions {
  std::string calendar;
  std::string policy;
};

// When a running clock's stored versions differ from `current`, asks the source again from the same
// clock start and records a `recomputed` event if the versions or the due instant changed. Clocks
// met, breached or of an enquiry no longer live are history and stay as they are. Empty Decision
// when nothing changed. (A clock that follows an owner's calendar carries that calendar's
// fingerprint, so it is asked again and kept when the answer is the same.)
absl::StatusOr<Decision> Recompute(const Enquiry& e, const Versions& current, absl::Time now, DeadlineSource& source);

// --- Rule 7: staff notices inside the recipient's working periods -------------------------------

struct WorkingPeriod {
  absl::Time open;
  absl::Time close;  // [open, close)
};

// The recipient's working periods (their owner calendar). Contacts in the service, a calendar in
// tests. FAILED_PRECONDITION / CALENDAR_EXHAUSTED when there is none.
class StaffHours {
 public:
  virtual ~StaffHours() = default;
  // The period containing `t`, or else the next one. `outside_teaching`: for a member of staff who
  // teaches, at a school whose calendar states teaching hours, the periods minus those hours.
  virtual absl::StatusOr<WorkingPeriod> PeriodAtOrAfter(const std::string& staff, absl::Time t,
                                                        bool outside_teaching) = 0;
};

// A staff notice already sent (or scheduled) for some matter.
struct SentNotice {
  std::string enquiry_id;
  std::string recipient;
  Notice::Kind kind = Notice::Kind::kAssigned;
  absl::Time send_at;
};

struct NoticeSlot {
  bool suppressed = false;  // the same notice already went this period: nothing to send
  absl::Time send_at;       // when !suppressed
};

// When a staff notice may go: at `notice.earliest` if that is inside one of the recipient's working
// periods, else at the next opening; at most one notice per matter per recipient per working period.
// A repeat of a kind already sent that period is suppressed (its news is out); a notice of another
// kind waits for the next period, so no news is lost. Urgent (safeguarding) notices go at once.
// Unless the notice interrupts teaching, a teacher's periods are those outside teaching hours.
absl::StatusOr<NoticeSlot> ScheduleStaffNotice(const Notice& notice, absl::Span<const SentNotice> already_sent,
                                               StaffHours& hours);

}  // namespace parley::escalation
