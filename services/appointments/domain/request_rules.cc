#include "services/appointments/domain/request_rules.h"

#include <algorithm>
#include <initializer_list>
#include <utility>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "common/status/reason.h"
#include "common/status/reasons.h"
#include "common/status/status_macros.h"

namespace parley::appointments {
namespace {

constexpr ClockKind kClockKinds[] = {ClockKind::kAnswer, ClockKind::kHold, ClockKind::kCallBack};

std::string Utc(absl::Time t) { return absl::FormatTime("%Y-%m-%dT%H:%M:%SZ", t, absl::UTCTimeZone()); }

bool In(RequestState s, std::initializer_list<RequestState> allowed) {
  return std::find(allowed.begin(), allowed.end(), s) != allowed.end();
}

absl::Status WrongState(const MeetingRequest& r, const char* action, const char* needs) {
  return FailedPrecondition(reason::kWrongState, absl::StrCat("cannot ", action, " meeting request ", r.id, ": it is ",
                                                              RequestStateWord(r.state), " (", needs, ")"));
}

directory::Stage StageOf(ClockKind kind) {
  return kind == ClockKind::kHold ? directory::Stage::kHoldMeeting : directory::Stage::kRespond;
}

// Builds one Change: events numbered on from the history, applied in order at the end, with the
// notices they cause and the timers the request has afterwards.
class Draft {
 public:
  explicit Draft(const MeetingRequest& r) : before_(r) {}

  // Valid until the next Add: fill the event in before adding another.
  RequestEvent& Add(RequestEventKind kind, const std::string& actor, absl::Time at) {
    RequestEvent e;
    e.seq = NextSeq(before_) + static_cast<int64_t>(events_.size());
    e.kind = kind;
    e.at = at;
    e.actor = actor;
    events_.push_back(std::move(e));
    return events_.back();
  }

  // Timed by the recipient's working periods; keyed by the event that caused it.
  absl::Status Notify(const char* template_key, const StaffMember& to, absl::Time at, absl::Time due, bool urgent) {
    PARLEY_ASSIGN_OR_RETURN(absl::Time earliest, NoticeTime(to, at, urgent));
    StaffNotice n;
    n.template_key = template_key;
    n.recipient = to.staff;
    n.request_id = before_.id;
    n.earliest = earliest;
    n.urgent = urgent;
    n.due = due;
    n.key = absl::StrCat(before_.id, "/", events_.back().seq, "/", template_key, "/", to.staff);
    notices_.push_back(std::move(n));
    return absl::OkStatus();
  }

  Change Finish() {
    Change c;
    c.after = before_;
    for (const RequestEvent& e : events_) {
      Apply(c.after, e);
      c.after.history.push_back(e);
    }
    c.events = std::move(events_);
    c.notices = std::move(notices_);
    c.timers = Timers(c.after);
    return c;
  }

 private:
  const MeetingRequest& before_;
  std::vector<RequestEvent> events_;
  std::vector<StaffNotice> notices_;
};

// The school's side of a slot (docs/architecture.md#meeting-requests): a real span with someone
// asked for, not started, in a way and at a time the guardian accepts.
absl::Status CheckSlot(const MeetingRequest& r, const MeetingSlot& slot, absl::Time now) {
  if (slot.time.empty()) {
    return InvalidArgument(reason::kInvalidSlot, absl::StrCat("a slot ends at or before its start (",
                                                              Utc(slot.time.end), " <= ", Utc(slot.time.start), ")"));
  }
  if (slot.staff.empty()) return InvalidArgument(reason::kInvalidSlot, "a slot names no member of staff");
  if (slot.time.start <= now) {
    return InvalidArgument(reason::kSlotInPast, absl::StrCat("the slot at ", Utc(slot.time.start), " has started"));
  }
  const bool asked_for =
      slot.staff == r.owner ||
      std::any_of(r.wanted.begin(), r.wanted.end(), [&](const WantedPerson& w) { return w.staff == slot.staff; });
  if (!asked_for) {
    return InvalidArgument(reason::kSlotOutsideRequest,
                           absl::StrCat("staff ", slot.staff, " is not among those meeting request ", r.id,
                                        " asks to see, nor its owner"));
  }
  if (r.kind == RequestKind::kCall && slot.mode != Mode::kPhone) {
    return InvalidArgument(reason::kSlotOutsideRequest,
                           absl::StrCat("meeting request ", r.id, " is an arranged call: its slot is by phone"));
  }
  if (!r.modes.empty() && std::find(r.modes.begin(), r.modes.end(), slot.mode) == r.modes.end()) {
    return InvalidArgument(reason::kSlotOutsideRequest,
                           absl::StrCat("the guardian of meeting request ", r.id, " did not accept that mode"));
  }
  if (!r.windows.empty() &&
      std::none_of(r.windows.begin(), r.windows.end(), [&](const Interval& w) { return w.Contains(slot.time); })) {
    return InvalidArgument(reason::kSlotOutsideRequest,
                           absl::StrCat("the slot at ", Utc(slot.time.start),
                                        " is outside the times the guardian of meeting request ", r.id, " gave"));
  }
  return absl::OkStatus();
}

absl::Status RequireBookingId(const std::string& booking_id) {
  if (booking_id.empty()) return InvalidArgument(reason::kInvalidField, "booking_id is required");
  return absl::OkStatus();
}

absl::Status RequireStarted(const MeetingRequest& r, absl::Time now, const char* action) {
  if (!r.slot.has_value() || now < r.slot->time.start) {
    return FailedPrecondition(reason::kMeetingNotStarted,
                              absl::StrCat("cannot ", action, " meeting request ", r.id, ": its slot starts at ",
                                           r.slot.has_value() ? Utc(r.slot->time.start) : "no time yet"));
  }
  return absl::OkStatus();
}

// "schools/{school}/enquiries/{id}" of the request's own school.
absl::Status CheckEnquiryName(const MeetingRequest& r, const std::string& name) {
  const std::string kSchools = "schools/";
  const std::string kEnquiries = "/enquiries/";
  const size_t mid = name.find(kEnquiries);
  if (!absl::StartsWith(name, kSchools) || mid == std::string::npos || mid <= kSchools.size()) {
    return InvalidArgument(reason::kInvalidName, "enquiry must be schools/{school}/enquiries/{id}");
  }
  const std::string id = name.substr(mid + kEnquiries.size());
  if (id.empty() || id.find('/') != std::string::npos) {
    return InvalidArgument(reason::kInvalidName, "enquiry must be schools/{school}/enquiries/{id}");
  }
  if (name.substr(kSchools.size(), mid - kSchools.size()) != r.school_id) {
    return InvalidArgument(reason::kCrossSchoolReference,
                           absl::StrCat("meeting request ", r.id, " can link only an enquiry of ", r.school_id));
  }
  return absl::OkStatus();
}

// Rule 8: the calendar's error names the date; the school is named here, the reason kept.
absl::StatusOr<std::optional<RequestClock>> NamingSchool(const MeetingRequest& r,
                                                         absl::StatusOr<std::optional<RequestClock>> clock) {
  if (clock.ok()) return clock;
  return WithReason(
      absl::Status(clock.status().code(), absl::StrCat("school ", r.school_id, ": ", clock.status().message())),
      ErrorReason(clock.status()));
}

}  // namespace

const directory::ResponseRule* FindRule(absl::Span<const directory::ResponseRule> rules, ClockKind kind,
                                        const std::string& category) {
  const directory::ResponseRule* general = nullptr;
  for (const directory::ResponseRule& rule : rules) {
    if (rule.channel != directory::Channel::kMeetingRequest || rule.stage != StageOf(kind)) continue;
    if (rule.categories.empty()) {
      if (general == nullptr) general = &rule;
    } else if (!category.empty() &&
               std::find(rule.categories.begin(), rule.categories.end(), category) != rule.categories.end()) {
      return &rule;
    }
  }
  return general;
}

absl::StatusOr<std::optional<RequestClock>> PolicyClock(ClockKind kind, const ClockPolicy& policy,
                                                        const std::string& category, absl::Time from) {
  if (kind == ClockKind::kCallBack) {
    return absl::InvalidArgumentError("the call-back clock comes from a missed call, not the policy");
  }
  const directory::ResponseRule* rule = FindRule(policy.rules, kind, category);
  if (rule == nullptr) return std::optional<RequestClock>();  // the policy promises none
  const bool follows_owner =
      rule->clock_calendar == directory::ClockCalendar::kOwner && policy.owner_calendar != nullptr;
  const calendar::Calendar* cal = follows_owner ? policy.owner_calendar : policy.school_calendar;
  if (cal == nullptr) return InvalidArgument(reason::kInvalidField, "the school's calendar is required");
  PARLEY_ASSIGN_OR_RETURN(calendar::Deadline d, calendar::ComputeDeadline(*cal, rule->budget, from));
  if (!d.due.has_value()) return absl::InternalError("a clock with no pause has no due instant");
  RequestClock c;
  c.kind = kind;
  c.stage = StageOf(kind);
  c.clock_start = d.clock_start;
  c.due = *d.due;
  c.policy_text = rule->policy_text;
  if (follows_owner) c.owner = policy.owner;
  c.calendar_version = cal->Fingerprint();
  c.explanation = calendar::Summarize(d, *cal);
  return std::optional<RequestClock>(std::move(c));
}

std::vector<TimerSetting> Timers(const MeetingRequest& r) {
  std::vector<TimerSetting> out;
  for (ClockKind kind : kClockKinds) {
    TimerSetting t;
    t.kind = kind;
    const std::optional<RequestClock>& c = r.clock(kind);
    const bool booked_in_time = kind == ClockKind::kHold && r.state == RequestState::kBooked && r.slot.has_value() &&
                                c.has_value() && r.slot->time.start <= c->due;
    // An overdue clock whose breach is not recorded stays armed, so its timer fires at once.
    if (r.live() && c.has_value() && c->state == ClockState::kRunning && !c->breached_at.has_value() &&
        !booked_in_time) {
      t.due = c->due;
    }
    out.push_back(t);
  }
  return out;
}

absl::StatusOr<absl::Time> NoticeTime(const StaffMember& recipient, absl::Time t, bool urgent) {
  if (urgent) return t;
  if (recipient.calendar == nullptr) {
    return InvalidArgument(reason::kInvalidField, absl::StrCat("no calendar for staff ", recipient.staff));
  }
  std::pair<absl::Time, absl::Time> period;
  if (recipient.teaching_hours.has_value()) {
    PARLEY_ASSIGN_OR_RETURN(period, recipient.calendar->PeriodAtOrAfterOutside(t, *recipient.teaching_hours));
  } else {
    PARLEY_ASSIGN_OR_RETURN(period, recipient.calendar->PeriodAtOrAfter(t));
  }
  return std::max(t, period.first);
}

absl::StatusOr<Change> Open(const MeetingRequest& fresh, const ClockPolicy& policy, const Act& act) {
  if (!fresh.history.empty()) {
    return FailedPrecondition(reason::kAlreadyOpened,
                              absl::StrCat("meeting request ", fresh.id, " has already been opened"));
  }
  if (fresh.owner.empty()) {
    return InvalidArgument(reason::kOwnerRequired, "a meeting request needs an owner to answer it");
  }
  if (!fresh.enquiry.empty()) PARLEY_RETURN_IF_ERROR(CheckEnquiryName(fresh, fresh.enquiry));
  PARLEY_ASSIGN_OR_RETURN(
      std::optional<RequestClock> answer,
      NamingSchool(fresh, PolicyClock(ClockKind::kAnswer, policy, fresh.category, fresh.received_at)));
  PARLEY_ASSIGN_OR_RETURN(
      std::optional<RequestClock> hold,
      NamingSchool(fresh, PolicyClock(ClockKind::kHold, policy, fresh.category, fresh.received_at)));
  Draft d(fresh);
  RequestEvent& e = d.Add(RequestEventKind::kRequested, act.actor, act.at);
  e.answer = std::move(answer);
  e.hold = std::move(hold);
  e.enquiry = fresh.enquiry;
  return d.Finish();
}

absl::StatusOr<Change> OfferSlots(const MeetingRequest& r, const Act& act, const std::vector<MeetingSlot>& slots) {
  if (!In(r.state, {RequestState::kOpen, RequestState::kOffered})) {
    return WrongState(r, "offer slots for", "only an open or offered request can be offered slots");
  }
  if (slots.empty()) return InvalidArgument(reason::kInvalidField, "slots: offer at least one");
  for (size_t i = 0; i < slots.size(); ++i) {
    PARLEY_RETURN_IF_ERROR(CheckSlot(r, slots[i], act.at));
    for (size_t j = 0; j < i; ++j) {
      if (slots[j] == slots[i]) return InvalidArgument(reason::kInvalidSlot, "a slot is offered twice");
    }
  }
  Draft d(r);
  RequestEvent& e = d.Add(RequestEventKind::kSlotsOffered, act.actor, act.at);
  e.slots = slots;
  e.reason = act.reason;
  return d.Finish();
}

absl::StatusOr<Change> CounterOffer(const MeetingRequest& r, const Act& act, const std::vector<Interval>& proposed) {
  if (r.state != RequestState::kOffered) {
    return WrongState(r, "counter-offer on", "only offered slots can be answered with other times");
  }
  if (proposed.empty()) return InvalidArgument(reason::kInvalidField, "proposed: give at least one time");
  for (const Interval& p : proposed) {
    if (p.empty()) return InvalidArgument(reason::kInvalidSlot, "a proposed time ends at or before its start");
    if (p.start <= act.at) {
      return InvalidArgument(reason::kSlotInPast, absl::StrCat("the proposed time ", Utc(p.start), " has started"));
    }
  }
  Draft d(r);
  RequestEvent& e = d.Add(RequestEventKind::kCounterOffered, act.actor, act.at);
  e.proposed = proposed;
  e.reason = act.reason;
  return d.Finish();
}

absl::StatusOr<Change> Accept(const MeetingRequest& r, const Act& act, const MeetingSlot& slot,
                              const std::string& booking_id) {
  if (r.state != RequestState::kOffered) {
    return WrongState(r, "accept a slot of", "only an offered request has slots to accept");
  }
  if (std::find(r.offered.begin(), r.offered.end(), slot) == r.offered.end()) {
    return InvalidArgument(reason::kSlotNotOffered, absl::StrCat("the slot at ", Utc(slot.time.start),
                                                                 " was not offered for meeting request ", r.id));
  }
  if (slot.time.start <= act.at) {
    return InvalidArgument(reason::kSlotInPast, absl::StrCat("the slot at ", Utc(slot.time.start), " has started"));
  }
  PARLEY_RETURN_IF_ERROR(RequireBookingId(booking_id));
  Draft d(r);
  d.Add(RequestEventKind::kAccepted, act.actor, act.at).slot = slot;
  RequestEvent& booked = d.Add(RequestEventKind::kBooked, act.actor, act.at);
  booked.slot = slot;
  booked.booking_id = booking_id;
  return d.Finish();
}

absl::StatusOr<Change> Book(const MeetingRequest& r, const Act& act, const MeetingSlot& slot,
                            const std::string& booking_id) {
  if (!In(r.state, {RequestState::kOpen, RequestState::kOffered})) {
    return WrongState(r, "book", "only an open or offered request can be booked");
  }
  PARLEY_RETURN_IF_ERROR(CheckSlot(r, slot, act.at));
  PARLEY_RETURN_IF_ERROR(RequireBookingId(booking_id));
  Draft d(r);
  RequestEvent& e = d.Add(RequestEventKind::kBooked, act.actor, act.at);
  e.slot = slot;
  e.booking_id = booking_id;
  e.reason = act.reason;
  return d.Finish();
}

absl::StatusOr<Change> Decline(const MeetingRequest& r, const Act& act) {
  if (r.state != RequestState::kOffered) {
    return WrongState(r, "decline", "only offered slots can be declined");
  }
  Draft d(r);
  d.Add(RequestEventKind::kDeclined, act.actor, act.at).reason = act.reason;
  return d.Finish();
}

absl::StatusOr<Change> Cancel(const MeetingRequest& r, const Act& act, Party by) {
  if (r.state != RequestState::kBooked) {
    return WrongState(r, "cancel", "only a booked meeting can be cancelled; withdraw a request not yet booked");
  }
  if (act.reason.empty()) return InvalidArgument(reason::kReasonRequired, "say why the meeting is cancelled");
  Draft d(r);
  RequestEvent& e = d.Add(RequestEventKind::kCancelled, act.actor, act.at);
  e.reason = act.reason;
  e.by = by;
  e.booking_id = r.booking_id;
  return d.Finish();
}

absl::StatusOr<Change> Withdraw(const MeetingRequest& r, const Act& act) {
  if (!In(r.state, {RequestState::kOpen, RequestState::kOffered})) {
    return WrongState(r, "withdraw", "only a request not yet booked can be withdrawn; cancel a booked one");
  }
  Draft d(r);
  d.Add(RequestEventKind::kWithdrawn, act.actor, act.at).reason = act.reason;
  return d.Finish();
}

absl::StatusOr<Change> MarkNoShow(const MeetingRequest& r, const Act& act) {
  if (r.state != RequestState::kBooked) return WrongState(r, "mark a no-show on", "only a booked meeting");
  PARLEY_RETURN_IF_ERROR(RequireStarted(r, act.at, "mark a no-show on"));
  Draft d(r);
  d.Add(RequestEventKind::kNoShow, act.actor, act.at).reason = act.reason;
  return d.Finish();
}

absl::StatusOr<Change> MarkHeld(const MeetingRequest& r, const Act& act) {
  if (r.state != RequestState::kBooked) return WrongState(r, "mark held", "only a booked meeting can be held");
  PARLEY_RETURN_IF_ERROR(RequireStarted(r, act.at, "mark held"));
  Draft d(r);
  d.Add(RequestEventKind::kHeld, act.actor, act.at).reason = act.reason;
  return d.Finish();
}

absl::StatusOr<Change> LinkEnquiry(const MeetingRequest& r, const Act& act, const std::string& enquiry) {
  PARLEY_RETURN_IF_ERROR(CheckEnquiryName(r, enquiry));
  if (r.enquiry == enquiry) return Change{r, {}, {}, {}};
  if (!r.enquiry.empty()) {
    return FailedPrecondition(reason::kWrongState,
                              absl::StrCat("meeting request ", r.id, " is already linked to ", r.enquiry));
  }
  Draft d(r);
  d.Add(RequestEventKind::kEnquiryLinked, act.actor, act.at).enquiry = enquiry;
  return d.Finish();
}

absl::StatusOr<absl::Time> CallBackDue(const calendar::Calendar& teacher_calendar, absl::Time call_time) {
  PARLEY_ASSIGN_OR_RETURN(auto period, teacher_calendar.PeriodAtOrAfter(call_time));
  return period.second;
}

absl::StatusOr<Change> MarkCallMissed(const MeetingRequest& r, const Act& act, const StaffMember& teacher) {
  if (r.kind != RequestKind::kCall) {
    return FailedPrecondition(reason::kNotACall, absl::StrCat("meeting request ", r.id, " is a meeting, not a call"));
  }
  if (r.state != RequestState::kBooked) return WrongState(r, "mark missed", "only a booked call can be missed");
  PARLEY_RETURN_IF_ERROR(RequireStarted(r, act.at, "mark missed"));
  if (teacher.calendar == nullptr) {
    return InvalidArgument(reason::kInvalidField, absl::StrCat("no calendar for staff ", teacher.staff));
  }
  const absl::Time call_time = r.slot->time.start;
  PARLEY_ASSIGN_OR_RETURN(absl::Time due, CallBackDue(*teacher.calendar, call_time));
  RequestClock c;
  c.kind = ClockKind::kCallBack;
  c.stage = directory::Stage::kFollowUp;
  c.clock_start = call_time;
  c.due = due;
  c.policy_text = "A message is taken and the teacher calls back the same day.";
  c.owner = teacher.staff;
  c.calendar_version = teacher.calendar->Fingerprint();
  c.explanation = absl::StrCat("Call arranged for ", calendar::FormatLocal(call_time, *teacher.calendar),
                               " missed; call back by the close of that working day, ",
                               calendar::FormatLocal(due, *teacher.calendar), ".");
  Draft d(r);
  RequestEvent& e = d.Add(RequestEventKind::kCallMissed, act.actor, act.at);
  e.reason = act.reason;
  e.call_back = std::move(c);
  PARLEY_RETURN_IF_ERROR(d.Notify(kCallBackDueTemplate, teacher, act.at, due, false));
  return d.Finish();
}

absl::StatusOr<Change> CalledBack(const MeetingRequest& r, const Act& act) {
  if (r.state != RequestState::kMissed) return WrongState(r, "record a call back on", "only a missed call");
  Draft d(r);
  d.Add(RequestEventKind::kCalledBack, act.actor, act.at).reason = act.reason;
  return d.Finish();
}

absl::StatusOr<Change> OnClockDue(const MeetingRequest& r, ClockKind kind, absl::Time armed_due, absl::Time now,
                                  const BreachContext& context) {
  const std::optional<RequestClock>& c = r.clock(kind);
  // Every way a timer can be stale is a no-op, never an error: the store simply drops it.
  if (!r.live() || !c.has_value() || c->state != ClockState::kRunning || c->breached_at.has_value() ||
      c->due != armed_due || now < c->due) {
    return Change{r, {}, {}, {}};
  }
  if (kind == ClockKind::kHold && r.state == RequestState::kBooked && r.slot.has_value() &&
      r.slot->time.start <= c->due) {
    return Change{r, {}, {}, {}};  // held or no-show settles it
  }
  Draft d(r);
  RequestEventKind event = RequestEventKind::kAnswerBreached;
  const char* template_key = kAnswerBreachTemplate;
  const char* why = "no answer to the meeting request in time";
  if (kind == ClockKind::kHold) {
    event = RequestEventKind::kHoldBreached;
    template_key = kHoldBreachTemplate;
    why = "no meeting held in time";
  } else if (kind == ClockKind::kCallBack) {
    event = RequestEventKind::kCallBackBreached;
    template_key = kCallBackBreachTemplate;
    why = "the missed call was not returned the same day";
  }
  RequestEvent& e = d.Add(event, kServiceActor, now);
  e.breached_due = c->due;
  e.reason = why;
  PARLEY_RETURN_IF_ERROR(d.Notify(template_key, context.owner, now, c->due, context.urgent));
  if (context.line_manager.has_value() && !context.line_manager->staff.empty() &&
      context.line_manager->staff != context.owner.staff) {
    PARLEY_RETURN_IF_ERROR(d.Notify(template_key, *context.line_manager, now, c->due, context.urgent));
  }
  return d.Finish();
}

}  // namespace parley::appointments
