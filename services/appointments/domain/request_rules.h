// The decisions the appointments service makes about one meeting request, as functions that say
// what to do and do none of it (docs/architecture.md#meeting-requests): the events to append, the
// staff notices to put in the outbox, and the timers the request should have afterwards. The
// service layer writes them in one transaction with the request (and its booking), guarded by the
// request's version, so a retry or a lost race changes nothing twice.
//
// Every rule checks the request's state first and answers FAILED_PRECONDITION (WRONG_STATE, naming
// the state) when the action does not fit it; bad input is INVALID_ARGUMENT naming the fault. A
// refused action returns no Change, so nothing is written.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "absl/types/span.h"
#include "common/calendar/calendar.h"
#include "common/directory/model.h"
#include "services/appointments/domain/interval.h"
#include "services/appointments/domain/meeting_request.h"

namespace parley::appointments {

// The durable timer kind of a request's clocks; the key names the request and the clock.
inline constexpr char kRequestClockTimer[] = "appointments.request_clock";

// Template keys of the staff notices the rules plan.
inline constexpr char kAnswerBreachTemplate[] = "appointments.answer_breach";
inline constexpr char kHoldBreachTemplate[] = "appointments.hold_breach";
inline constexpr char kCallBackDueTemplate[] = "appointments.call_back_due";
inline constexpr char kCallBackBreachTemplate[] = "appointments.call_back_breach";

// --- (a) The policy clocks -----------------------------------------------------------------------

// The school's policy as a request's clocks need it.
struct ClockPolicy {
  absl::Span<const directory::ResponseRule> rules;
  const calendar::Calendar* school_calendar = nullptr;
  // The owner's calendar (the school's intersected with their working pattern), for rules whose
  // clock follows the owner; null: the school's calendar is used for those too.
  const calendar::Calendar* owner_calendar = nullptr;
  std::string owner;  // staff id, recorded on a clock set by their calendar
};

// The rule for the meeting-request channel and the clock's stage (kAnswer: respond, kHold: hold a
// meeting), the one naming `category` winning over the general one; null when the policy has none.
const directory::ResponseRule* FindRule(absl::Span<const directory::ResponseRule> rules, ClockKind kind,
                                        const std::string& category);

// The clock of `kind` for a request received at `from`, on the calendar the rule says (the policy
// clock, docs/architecture.md#the-policy-clock). None when the policy promises nothing for that
// stage. FAILED_PRECONDITION / CALENDAR_EXHAUSTED from the calendar, unchanged (rule 8).
absl::StatusOr<std::optional<RequestClock>> PolicyClock(ClockKind kind, const ClockPolicy& policy,
                                                        const std::string& category, absl::Time from);

// --- Plans ---------------------------------------------------------------------------------------

// A member of staff to tell, and their working periods (rule 7).
struct StaffMember {
  std::string staff;                             // staff id
  const calendar::Calendar* calendar = nullptr;  // their owner calendar
  // Set when they teach at a school whose calendar states teaching hours: told outside them.
  std::optional<calendar::HoursRange> teaching_hours;
};

// An outbox row to be.
struct StaffNotice {
  std::string template_key;  // kAnswerBreachTemplate, ...
  std::string recipient;     // staff id at the request's school
  std::string request_id;
  // Not before: the start of the recipient's next working period (outside teaching when they
  // teach), or at once when urgent.
  absl::Time earliest;
  bool urgent = false;
  absl::Time due;   // the clock's due instant, for the template
  std::string key;  // stable across retries of the same decision: "{request}/{seq}/{template}/{recipient}"
};

// The timer a request should have for one clock: armed at `due`, or none.
struct TimerSetting {
  ClockKind kind = ClockKind::kAnswer;
  std::optional<absl::Time> due;
};

struct Change {
  MeetingRequest after;  // the request with `events` appended and applied
  std::vector<RequestEvent> events;
  std::vector<StaffNotice> notices;
  // Every clock kind, the whole desired timer state after the events, so setting it is idempotent.
  // Empty only when nothing changed (events empty).
  std::vector<TimerSetting> timers;
};

// The timers `request` should have: a running clock not yet breached, of a live request, armed at
// its due instant; a hold clock is not armed while a meeting before its due instant is booked.
std::vector<TimerSetting> Timers(const MeetingRequest& request);

// When a non-urgent staff notice may go: `t` if inside one of the recipient's working periods (out
// of class when they teach), else the next opening. Urgent: `t`.
absl::StatusOr<absl::Time> NoticeTime(const StaffMember& recipient, absl::Time t, bool urgent);

// Who is asking and when.
struct Act {
  std::string actor;  // token subject
  absl::Time at;
  std::string reason;  // required to cancel; recorded otherwise
};

// --- (b) Transitions -----------------------------------------------------------------------------

// A new request: its answer and hold clocks from the policy (none where it promises none), from
// received_at. `fresh` has no history (ALREADY_OPENED otherwise) and an owner (OWNER_REQUIRED).
// A non-empty `fresh.enquiry` is recorded as the enquiry it came from (INVALID_NAME unless
// "schools/{its school}/enquiries/{id}").
absl::StatusOr<Change> Open(const MeetingRequest& fresh, const ClockPolicy& policy, const Act& act);

// Slot checks (offers and direct bookings): INVALID_SLOT when a slot ends before it starts, names
// no member of staff or is given twice; SLOT_IN_PAST when it has started; SLOT_OUTSIDE_REQUEST when
// it is with someone not asked for (nor the owner), in a mode the guardian does not accept, outside
// every window the guardian gave, or (a call) not by phone.

// open/offered → offered (a new offer replaces the last): meets the answer clock. INVALID_FIELD
// when no slot is given.
absl::StatusOr<Change> OfferSlots(const MeetingRequest& request, const Act& act, const std::vector<MeetingSlot>& slots);
// offered → open: the guardian proposes other times (each in the future, at least one); the
// school offers again, on the clocks already running.
absl::StatusOr<Change> CounterOffer(const MeetingRequest& request, const Act& act,
                                    const std::vector<Interval>& proposed);
// offered → booked: one of the offered slots (SLOT_NOT_OFFERED otherwise), not yet started, and
// the booking written with it (`booking_id`, INVALID_FIELD when empty).
absl::StatusOr<Change> Accept(const MeetingRequest& request, const Act& act, const MeetingSlot& slot,
                              const std::string& booking_id);
// open/offered → booked: staff book a time agreed another way (the office on the phone, an
// arranged call). Meets the answer clock.
absl::StatusOr<Change> Book(const MeetingRequest& request, const Act& act, const MeetingSlot& slot,
                            const std::string& booking_id);
// offered → declined: the guardian turns the offer down and proposes nothing. The offer answered
// the request; the hold clock stops.
absl::StatusOr<Change> Decline(const MeetingRequest& request, const Act& act);
// booked → cancelled by the guardian (the clocks stop), or → open by the school (the promise
// stands: the clocks run on and the school offers again). Reason required.
absl::StatusOr<Change> Cancel(const MeetingRequest& request, const Act& act, Party by);
// open/offered → withdrawn: the clocks stop. A booked meeting is cancelled instead.
absl::StatusOr<Change> Withdraw(const MeetingRequest& request, const Act& act);
// booked → no-show, once the slot has started (MEETING_NOT_STARTED before). The school kept its
// side: the hold clock is met at the slot's start when that is by its due instant.
absl::StatusOr<Change> MarkNoShow(const MeetingRequest& request, const Act& act);
// booked → held, once the slot has started: the hold clock is met at the slot's start when that is
// by its due instant, else breached (kept late).
absl::StatusOr<Change> MarkHeld(const MeetingRequest& request, const Act& act);
// Records the escalation enquiry the meeting came from, in any state. INVALID_NAME unless
// "schools/{the request's school}/enquiries/{id}"; WRONG_STATE when another is linked already;
// no change when it is the same one.
absl::StatusOr<Change> LinkEnquiry(const MeetingRequest& request, const Act& act, const std::string& enquiry);

// --- (d) Arranged calls --------------------------------------------------------------------------

// "The teacher will try to call back the same day": the close of the teacher's working period at
// the call's time, or of the next one when the call was outside their working periods.
// FAILED_PRECONDITION / CALENDAR_EXHAUSTED when their calendar has none.
absl::StatusOr<absl::Time> CallBackDue(const calendar::Calendar& teacher_calendar, absl::Time call_time);
// booked → missed, for a call (NOT_A_CALL otherwise) whose time has come (MEETING_NOT_STARTED):
// the teacher could not take it. Opens the call-back clock on `teacher`'s calendar from the call's
// time and tells them (kCallBackDueTemplate) in their working time.
absl::StatusOr<Change> MarkCallMissed(const MeetingRequest& request, const Act& act, const StaffMember& teacher);
// missed → held: the call-back clock (and the hold clock) kept at act.at.
absl::StatusOr<Change> CalledBack(const MeetingRequest& request, const Act& act);

// --- (c) Timers ----------------------------------------------------------------------------------

// Who a breach tells: the clock's owner and their line manager (none, or the owner themselves:
// only the owner). `urgent`: told at once, whatever their working periods.
struct BreachContext {
  StaffMember owner;
  std::optional<StaffMember> line_manager;
  bool urgent = false;
};

// The timer of the `kind` clock armed at `armed_due` fired at `now`. Breached: the event
// (ANSWER_BREACHED, HOLD_BREACHED, CALL_BACK_BREACHED) and a notice to the owner and their line
// manager, each timed to the recipient's next working period. An empty Change (no events) when the
// clock was met, stopped or already breached, its due moved (`armed_due` differs), it is not yet
// due, the request has ended, or (hold) a meeting before its due instant is booked: a timer may
// fire late or twice.
absl::StatusOr<Change> OnClockDue(const MeetingRequest& request, ClockKind kind, absl::Time armed_due, absl::Time now,
                                  const BreachContext& context);

}  // namespace parley::appointments
