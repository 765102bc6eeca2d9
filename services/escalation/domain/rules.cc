#include "services/escalation/domain/rules.h"

#include <algorithm>
#include <utility>

#include "absl/strings/str_cat.h"
#include "common/status/reason.h"
#include "common/status/reasons.h"
#include "common/status/status_macros.h"

namespace parley::escalation {
namespace {

constexpr Stage kStages[] = {Stage::kAcknowledge, Stage::kRespond, Stage::kFollowUp};

absl::Status WrongState(const Enquiry& e, const EnquiryView& v, const char* action, const char* needs) {
  return FailedPrecondition("WRONG_STATE", absl::StrCat("cannot ", action, " enquiry ", e.id, ": it is ",
                                                        StateWord(v.state), " (", needs, ")"));
}

absl::Status RequireReason(const Act& act, const char* action) {
  if (act.reason.empty())
    return InvalidArgument("REASON_REQUIRED", absl::StrCat("say why to ", action, " the enquiry"));
  return absl::OkStatus();
}

bool In(EnquiryState s, std::initializer_list<EnquiryState> allowed) {
  return std::find(allowed.begin(), allowed.end(), s) != allowed.end();
}

// A fresh clock from `from` (receipt, DEFER window, rung arrival, reopening): no pause applies yet.
// None when the school's policy makes no promise for this stage on this channel: many promise only
// an acknowledgement of letters, or only a call back for phone calls.
absl::StatusOr<std::optional<ClockSnapshot>> FreshClock(const Enquiry& e, Stage stage, absl::Time from,
                                                        const std::string& owner, DeadlineSource& source) {
  absl::StatusOr<DueAt> due = source.Compute(QueryFor(e, stage, from, owner));
  if (!due.ok() && ErrorReason(due.status()) == "NO_POLICY_RULE") return std::optional<ClockSnapshot>();
  if (!due.ok()) return due.status();
  DueAt& d = *due;
  ClockSnapshot s;
  s.stage = stage;
  s.clock_from = from;
  s.clock_start = d.clock_start;
  s.due = d.due;
  s.owner = owner;
  s.calendar_version = std::move(d.calendar_version);
  s.policy_version = std::move(d.policy_version);
  s.explanation = std::move(d.explanation);
  return std::optional<ClockSnapshot>(std::move(s));
}

// The follow-up clock, where the policy has a rule for it. None for safeguarding: its clocks run on
// the elapsed safeguarding budget whatever the stage, and what follows is the DSL's procedure.
absl::StatusOr<std::optional<ClockSnapshot>> FollowUpClock(const Enquiry& e, absl::Time from, const std::string& owner,
                                                           DeadlineSource& source) {
  if (e.safeguarding) return std::optional<ClockSnapshot>();
  return FreshClock(e, Stage::kFollowUp, from, owner, source);
}

// A promise to the guardian is a date in the future, and not after the respond deadline unless a
// reason is recorded: the policy's clock is what the school published, so promising later must be
// a decision someone can explain. The deadline is the respond clock's due while the enquiry is live
// and that clock is unmet (an overdue clock included); with no such clock (none on this channel,
// paused, already met, or the matter with the complaints procedure) only the first rule applies.
absl::Status CheckPromise(const Enquiry& e, const Act& act, DeadlineSource& source) {
  if (!act.promised_at.has_value()) return absl::OkStatus();
  if (*act.promised_at <= act.at) {
    return InvalidArgument(reason::kPromiseInPast, "promised_time must be in the future");
  }
  PARLEY_ASSIGN_OR_RETURN(EnquiryView v, Derive(e, act.at, source));
  if (!act.reason.empty() || !v.live() || !v.respond.has_value()) return absl::OkStatus();
  const ClockView& respond = *v.respond;
  if (respond.met_at.has_value() || !respond.due.has_value() || *act.promised_at <= *respond.due) {
    return absl::OkStatus();
  }
  return InvalidArgument(reason::kPromiseAfterDeadline,
                         absl::StrCat("promised_time is after enquiry ", e.id, "'s respond deadline (",
                                      absl::FormatTime("%Y-%m-%dT%H:%M:%SZ", *respond.due, absl::UTCTimeZone()),
                                      "): promise an earlier time or say why in promise_reason"));
}

// Builds one decision: events appended to a copy of the enquiry, their notices, and at the end the
// timers the enquiry should have, read from the view after the events.
class Draft {
 public:
  Draft(const Enquiry& e, const EnquiryView& before)
      : after_(e), owner_(before.owner), rung_(before.rung), role_(before.owner_role) {}

  // The returned reference is valid until the next Add.
  Event& Add(EventKind kind, const std::string& actor, absl::Time at) {
    Event ev;
    ev.seq = NextSeq(after_);
    ev.kind = kind;
    ev.at = at;
    ev.actor = actor;
    ev.owner = owner_;
    ev.rung = rung_;
    ev.owner_role = role_;
    after_.history.push_back(std::move(ev));
    ++added_;
    return after_.history.back();
  }

  void MoveTo(const std::string& owner, int rung, const std::string& role) {
    owner_ = owner;
    rung_ = rung;
    role_ = role;
  }

  // Keyed by the event that caused it, so a retried decision makes the same outbox rows.
  // Null when there is nobody to tell (an unidentified sender); otherwise valid until the next Notify.
  Notice* Notify(Notice::Kind kind, const std::string& recipient, bool to_staff, absl::Time at) {
    if (recipient.empty()) return nullptr;
    // Not linked to the pupil, or a court order excludes them: nothing about the matter reaches
    // them (notifications also drops a copy a court order made later excludes).
    if (!to_staff && after_.guardian_not_told) return nullptr;
    Notice n;
    n.kind = kind;
    n.recipient = recipient;
    n.to_staff = to_staff;
    n.enquiry_id = after_.id;
    n.earliest = at;
    n.urgent = after_.safeguarding && to_staff;
    n.interrupts_teaching = (after_.safeguarding || after_.urgent) && to_staff;
    n.key = absl::StrCat(after_.id, "/", after_.history.back().seq, "/", static_cast<int>(kind), "/", recipient);
    decision_.notices.push_back(std::move(n));
    return &decision_.notices.back();
  }

  absl::StatusOr<Decision> Finish(absl::Time now, DeadlineSource& source) {
    // Copied only now: callers fill in the events through the references Add returned.
    decision_.events.assign(after_.history.end() - static_cast<std::ptrdiff_t>(added_), after_.history.end());
    PARLEY_ASSIGN_OR_RETURN(EnquiryView v, Derive(after_, now, source));
    decision_.timers = ArmedTimers(v);
    return std::move(decision_);
  }

 private:
  Enquiry after_;
  std::string owner_;
  int rung_;
  std::string role_;
  size_t added_ = 0;
  Decision decision_;
};

// The next rung with a fresh budget from `at`, the new owner told; at the top, referral.
absl::Status ClimbOrRefer(Draft& d, const Enquiry& e, const EnquiryView& v, const EscalationLadder& ladder,
                          const std::string& actor, absl::Time at, const std::string& reason, bool parent_requested,
                          DeadlineSource& source) {
  const size_t next = static_cast<size_t>(v.rung) + 1;
  if (next < ladder.rungs.size()) {
    const Rung& rung = ladder.rungs[next];
    PARLEY_ASSIGN_OR_RETURN(std::optional<ClockSnapshot> respond,
                            FreshClock(e, Stage::kRespond, at, rung.staff, source));
    d.MoveTo(rung.staff, static_cast<int>(next), rung.role);
    Event& ev = d.Add(EventKind::kEscalated, actor, at);
    ev.reason = reason;
    ev.parent_requested = parent_requested;
    ev.respond = std::move(respond);
    d.Notify(Notice::Kind::kEscalated, rung.staff, true, at);
    return absl::OkStatus();
  }
  if (!ladder.refer_to_complaints_at_top) {
    return FailedPrecondition("TOP_OF_LADDER", absl::StrCat("enquiry ", e.id,
                                                            " is at the top of its ladder and the school's policy "
                                                            "does not refer matters to the complaints procedure"));
  }
  Event& ev = d.Add(EventKind::kReferredToComplaints, actor, at);
  ev.reason = reason;
  ev.parent_requested = parent_requested;
  d.Notify(Notice::Kind::kReferredToComplaints, v.owner, true, at);
  d.Notify(Notice::Kind::kReferredToComplaints, e.guardian, false, at);
  return absl::OkStatus();
}

}  // namespace

std::vector<TimerSetting> ArmedTimers(const EnquiryView& view) {
  std::vector<TimerSetting> timers;
  for (Stage stage : kStages) {
    TimerSetting t;
    t.stage = stage;
    const std::optional<ClockView>& c = view.clock(stage);
    if (view.live() && c.has_value() && !c->met_at.has_value() && !c->breach_recorded) t.due = c->due;
    timers.push_back(t);
  }
  return timers;
}

absl::StatusOr<Decision> Open(const Enquiry& fresh, const OpenRequest& request, DeadlineSource& source) {
  if (!fresh.history.empty()) {
    return FailedPrecondition("ALREADY_OPENED", absl::StrCat("enquiry ", fresh.id, " has already been opened"));
  }
  const bool gated_away =
      !fresh.safeguarding && request.gate.has_value() &&
      (request.gate->outcome == GateOutcome::kRedirect || request.gate->outcome == GateOutcome::kNoResponseRequired);
  const bool deferred = !fresh.safeguarding && request.gate.has_value() && request.gate->outcome == GateOutcome::kDefer;
  if (deferred && !request.gate->next_allowed_time.has_value()) {
    return InvalidArgument("DEFER_WITHOUT_WINDOW", "a DEFER decision must say when the next allowed window opens");
  }
  const bool channel_refused = !fresh.safeguarding && !request.channel_allowed;
  if (!gated_away && !channel_refused && request.owner.empty()) {
    return InvalidArgument("OWNER_REQUIRED", "an enquiry that starts a clock needs an owner");
  }

  Draft d(fresh, EnquiryView{});
  d.Add(EventKind::kReceived, request.actor, fresh.received_at);
  if (request.gate.has_value()) {
    Event& ev = d.Add(EventKind::kGated, request.actor, request.now);
    ev.gate = request.gate->outcome;
    ev.gate_decision = request.gate->decision;
    ev.gate_arrangement = request.gate->arrangement;
    ev.gate_arrangement_version = request.gate->arrangement_version;
    ev.gate_premises_ban = request.gate->premises_ban;
    ev.gate_premises_ban_version = request.gate->premises_ban_version;
    ev.gate_decided_at = request.gate->decided_at;
    if (fresh.safeguarding && request.gate->outcome != GateOutcome::kAllow) {
      ev.reason = "safeguarding: never held, redirected or suppressed";
    }
  }
  if (gated_away) {
    if (request.gate->outcome == GateOutcome::kRedirect) {
      d.Notify(Notice::Kind::kRedirected, fresh.guardian, false, request.now);
    }
    return d.Finish(request.now, source);
  }
  // A channel the route does not take: recorded, no clock, the guardian told how to reach the
  // school in the route's own words. Safeguarding is never refused.
  if (!fresh.safeguarding && !request.channel_allowed) {
    d.Add(EventKind::kChannelRedirected, request.actor, request.now).reason = request.channel_rule;
    // The template needs the words; a route that gives none still tells the guardian where to go.
    if (Notice* n = d.Notify(Notice::Kind::kChannelRedirected, fresh.guardian, false, request.now)) {
      n->how_to_reach = request.channel_rule.empty() ? "Please contact the school office." : request.channel_rule;
    }
    return d.Finish(request.now, source);
  }

  // DEFER: the clock starts at the next allowed window (never before receipt).
  const absl::Time from = deferred ? std::max(fresh.received_at, *request.gate->next_allowed_time) : fresh.received_at;
  PARLEY_ASSIGN_OR_RETURN(std::optional<ClockSnapshot> ack,
                          FreshClock(fresh, Stage::kAcknowledge, from, request.owner, source));
  PARLEY_ASSIGN_OR_RETURN(std::optional<ClockSnapshot> respond,
                          FreshClock(fresh, Stage::kRespond, from, request.owner, source));
  PARLEY_ASSIGN_OR_RETURN(std::optional<ClockSnapshot> follow_up, FollowUpClock(fresh, from, request.owner, source));
  d.MoveTo(request.owner, 0, request.owner_role);
  Event& routed = d.Add(EventKind::kRouted, request.actor, request.now);
  routed.acknowledge = std::move(ack);
  routed.respond = std::move(respond);
  routed.follow_up = std::move(follow_up);
  routed.addressing = request.addressing;
  if (fresh.safeguarding) {
    d.Notify(Notice::Kind::kSafeguardingAlert, request.owner, true, request.now);
    for (const std::string& deputy : request.also_notify) {
      if (deputy != request.owner) d.Notify(Notice::Kind::kSafeguardingAlert, deputy, true, request.now);
    }
  } else {
    d.Notify(Notice::Kind::kAssigned, request.owner, true, request.now);
    // The people the route names besides the owner, under the quiet-hours rule like any notice.
    for (const std::string& person : request.also_notify) {
      if (person != request.owner) d.Notify(Notice::Kind::kInformed, person, true, request.now);
    }
  }
  return d.Finish(request.now, source);
}

absl::StatusOr<Decision> Acknowledge(const Enquiry& e, const Act& act, DeadlineSource& source) {
  const EnquiryView v = DeriveState(e);
  if (v.state != EnquiryState::kOpen) {
    return WrongState(e, v, "acknowledge", "only an open enquiry can be acknowledged");
  }
  PARLEY_RETURN_IF_ERROR(CheckPromise(e, act, source));
  Draft d(e, v);
  Event& ev = d.Add(EventKind::kAcknowledged, act.actor, act.at);
  ev.promised_at = act.promised_at;
  if (act.promised_at) ev.reason = act.reason;  // a reason is the promise's, and only with one
  if (Notice* n = d.Notify(Notice::Kind::kAcknowledgement, e.guardian, false, act.at)) n->promised_at = act.promised_at;
  return d.Finish(act.at, source);
}

absl::StatusOr<Decision> RecordProgress(const Enquiry& e, const Act& act, DeadlineSource& source) {
  const EnquiryView v = DeriveState(e);
  if (!In(v.state, {EnquiryState::kOpen, EnquiryState::kAcknowledged, EnquiryState::kAwaitingParent,
                    EnquiryState::kReferredToComplaints})) {
    return WrongState(e, v, "record progress on", "only an enquiry still being handled can have progress");
  }
  if (act.progress.empty()) return InvalidArgument(reason::kInvalidField, "progress is required");
  PARLEY_RETURN_IF_ERROR(CheckPromise(e, act, source));
  Draft d(e, v);
  Event& ev = d.Add(EventKind::kProgressRecorded, act.actor, act.at);
  ev.promised_at = act.promised_at;
  if (act.promised_at) ev.reason = act.reason;
  ev.progress = act.progress;
  // The guardian hears the promise in force with the update: the new one, or the one made before.
  if (Notice* n = d.Notify(Notice::Kind::kProgress, e.guardian, false, act.at)) {
    n->promised_at = act.promised_at.has_value() ? act.promised_at : v.promised_at;
    n->progress = act.progress;
  }
  return d.Finish(act.at, source);
}

absl::StatusOr<Decision> Reply(const Enquiry& e, const Act& act, DeadlineSource& source) {
  const EnquiryView v = DeriveState(e);
  if (!In(v.state, {EnquiryState::kOpen, EnquiryState::kAcknowledged, EnquiryState::kAwaitingParent})) {
    return WrongState(e, v, "reply to", "reopen it first");
  }
  Draft d(e, v);
  // The parent answered, so the school is no longer waiting: the pause ends with the reply.
  if (v.state == EnquiryState::kAwaitingParent) d.Add(EventKind::kResumed, act.actor, act.at);
  d.Add(EventKind::kReplied, act.actor, act.at);
  return d.Finish(act.at, source);
}

absl::StatusOr<Decision> Pause(const Enquiry& e, const Act& act, DeadlineSource& source) {
  PARLEY_RETURN_IF_ERROR(RequireReason(act, "pause"));
  const EnquiryView v = DeriveState(e);
  if (!In(v.state, {EnquiryState::kOpen, EnquiryState::kAcknowledged})) {
    return WrongState(e, v, "pause", "only an open or acknowledged enquiry can wait for the parent");
  }
  Draft d(e, v);
  d.Add(EventKind::kPaused, act.actor, act.at).reason = act.reason;
  return d.Finish(act.at, source);
}

absl::StatusOr<Decision> Resume(const Enquiry& e, const Act& act, DeadlineSource& source) {
  const EnquiryView v = DeriveState(e);
  if (v.state != EnquiryState::kAwaitingParent) {
    return WrongState(e, v, "resume", "only an enquiry awaiting the parent can be resumed");
  }
  Draft d(e, v);
  d.Add(EventKind::kResumed, act.actor, act.at);
  return d.Finish(act.at, source);
}

absl::StatusOr<Decision> Resolve(const Enquiry& e, const Act& act, DeadlineSource& source) {
  const EnquiryView v = DeriveState(e);
  if (!v.live()) return WrongState(e, v, "resolve", "it is already closed");
  Draft d(e, v);
  d.Add(EventKind::kResolved, act.actor, act.at);
  return d.Finish(act.at, source);
}

absl::StatusOr<Decision> Reopen(const Enquiry& e, const Act& act, DeadlineSource& source) {
  PARLEY_RETURN_IF_ERROR(RequireReason(act, "reopen"));
  const EnquiryView v = DeriveState(e);
  if (v.state != EnquiryState::kResolved) {
    return WrongState(e, v, "reopen", "only a resolved enquiry can be reopened");
  }
  PARLEY_ASSIGN_OR_RETURN(std::optional<ClockSnapshot> respond,
                          FreshClock(e, Stage::kRespond, act.at, v.owner, source));
  // A new cycle owes its follow-up action again (rule 5), on the same terms as at intake.
  PARLEY_ASSIGN_OR_RETURN(std::optional<ClockSnapshot> follow_up, FollowUpClock(e, act.at, v.owner, source));
  Draft d(e, v);
  Event& ev = d.Add(EventKind::kReopened, act.actor, act.at);
  ev.reason = act.reason;
  ev.respond = std::move(respond);
  ev.follow_up = std::move(follow_up);
  d.Notify(Notice::Kind::kReopened, v.owner, true, act.at);
  return d.Finish(act.at, source);
}

absl::StatusOr<Decision> Escalate(const Enquiry& e, const Act& act, bool parent_requested,
                                  const EscalationLadder& ladder, DeadlineSource& source) {
  PARLEY_RETURN_IF_ERROR(RequireReason(act, "escalate"));
  const EnquiryView v = DeriveState(e);
  if (!In(v.state, {EnquiryState::kOpen, EnquiryState::kAcknowledged})) {
    return WrongState(e, v, "escalate",
                      v.state == EnquiryState::kAwaitingParent ? "resume it first"
                      : v.state == EnquiryState::kResolved     ? "reopen it first"
                                                               : "it is closed");
  }
  Draft d(e, v);
  PARLEY_RETURN_IF_ERROR(ClimbOrRefer(d, e, v, ladder, act.actor, act.at, act.reason, parent_requested, source));
  return d.Finish(act.at, source);
}

absl::StatusOr<Decision> Reassign(const Enquiry& e, const Act& act, const std::string& new_owner,
                                  DeadlineSource& source) {
  PARLEY_RETURN_IF_ERROR(RequireReason(act, "reassign"));
  if (new_owner.empty()) return InvalidArgument("OWNER_REQUIRED", "name the member of staff who takes the enquiry");
  const EnquiryView v = DeriveState(e);
  if (!v.live()) return WrongState(e, v, "reassign", "it is closed");
  if (new_owner == v.owner) {
    return InvalidArgument("SAME_OWNER", absl::StrCat("enquiry ", e.id, " is already owned by ", new_owner));
  }
  Draft d(e, v);
  d.MoveTo(new_owner, v.rung, v.owner_role);  // cover keeps the rung and its role
  d.Add(EventKind::kReassigned, act.actor, act.at).reason = act.reason;
  d.Notify(Notice::Kind::kAssigned, new_owner, true, act.at);
  return d.Finish(act.at, source);
}

absl::StatusOr<Decision> MarkAbusive(const Enquiry& e, const Act& act, DeadlineSource& source) {
  const EnquiryView v = DeriveState(e);
  if (!v.live()) return WrongState(e, v, "mark abusive", "it is closed");
  Draft d(e, v);
  Event& ev = d.Add(EventKind::kMarkedAbusive, act.actor, act.at);
  ev.reason = act.reason;
  if (e.safeguarding) ev.reason = "safeguarding: a reply is still owed";
  return d.Finish(act.at, source);
}

absl::StatusOr<Decision> OnTimer(const Enquiry& e, Stage stage, absl::Time armed_due, absl::Time now,
                                 const BreachContext& context, DeadlineSource& source) {
  PARLEY_ASSIGN_OR_RETURN(EnquiryView v, Derive(e, now, source));
  const std::optional<ClockView>& c = v.clock(stage);
  // Every way a timer can be stale is a no-op, never an error: the store will simply drop it.
  if (!v.live() || !c.has_value() || c->met_at.has_value() || c->breach_recorded || !c->due.has_value() ||
      *c->due != armed_due || now < *c->due) {
    return Decision{};
  }
  Draft d(e, v);
  Event& ev = d.Add(EventKind::kBreached, kServiceActor, now);
  ev.stage = stage;
  ev.breached_due = c->due;
  if (stage == Stage::kAcknowledge) {
    ev.reason = "acknowledgement overdue";
    d.Notify(Notice::Kind::kAcknowledgeBreach, v.owner, true, now);
    if (context.notify_line_manager && context.owner_line_manager != v.owner) {
      d.Notify(Notice::Kind::kAcknowledgeBreach, context.owner_line_manager, true, now);
    }
  } else if (stage == Stage::kFollowUp) {
    // The answer's own clock climbs the ladder; an overdue follow-up is the owner's to finish, with
    // their line manager told as for an acknowledgement breach.
    ev.reason = "follow-up overdue";
    d.Notify(Notice::Kind::kFollowUpBreach, v.owner, true, now);
    if (context.notify_line_manager && context.owner_line_manager != v.owner) {
      d.Notify(Notice::Kind::kFollowUpBreach, context.owner_line_manager, true, now);
    }
  } else {
    ev.reason = "response overdue";
    const bool at_top = static_cast<size_t>(v.rung) + 1 >= context.ladder.rungs.size();
    if (!context.escalate_on_response_breach || (at_top && !context.ladder.refer_to_complaints_at_top)) {
      // The school's policy keeps the matter where it is: the owner is told it is overdue.
      d.Notify(Notice::Kind::kResponseBreach, v.owner, true, now);
    } else {
      PARLEY_RETURN_IF_ERROR(
          ClimbOrRefer(d, e, v, context.ladder, kServiceActor, now, "response overdue", false, source));
    }
  }
  return d.Finish(now, source);
}

absl::StatusOr<Decision> Recompute(const Enquiry& e, const Versions& current, absl::Time now, DeadlineSource& source) {
  PARLEY_ASSIGN_OR_RETURN(EnquiryView v, Derive(e, now, source));
  if (!v.live()) return Decision{};
  std::optional<ClockSnapshot> changed[3];
  bool any = false;
  for (Stage stage : kStages) {
    const std::optional<ClockView>& c = v.clock(stage);
    if (!c.has_value() || c->met_at.has_value() || c->breach_recorded) continue;
    if (c->recorded.calendar_version == current.calendar && c->recorded.policy_version == current.policy) continue;
    PARLEY_ASSIGN_OR_RETURN(DueAt d, source.Compute(QueryFor(e, stage, c->clock_from, c->owner,
                                                             PausesAffecting(v.pauses, c->clock_from, c->met_at))));
    if (d.calendar_version == c->recorded.calendar_version && d.policy_version == c->recorded.policy_version &&
        d.due == c->due) {
      continue;  // e.g. an owner calendar the edit did not touch
    }
    ClockSnapshot s = c->recorded;
    s.clock_start = d.clock_start;
    s.due = d.due;
    s.calendar_version = std::move(d.calendar_version);
    s.policy_version = std::move(d.policy_version);
    s.explanation = std::move(d.explanation);
    changed[static_cast<int>(stage) - 1] = std::move(s);
    any = true;
  }
  if (!any) return Decision{};
  Draft d(e, v);
  Event& ev = d.Add(EventKind::kRecomputed, kServiceActor, now);
  ev.reason = "the school's calendar or policy changed";
  ev.acknowledge = std::move(changed[0]);
  ev.respond = std::move(changed[1]);
  ev.follow_up = std::move(changed[2]);
  return d.Finish(now, source);
}

absl::StatusOr<NoticeSlot> ScheduleStaffNotice(const Notice& notice, absl::Span<const SentNotice> already_sent,
                                               StaffHours& hours) {
  if (notice.urgent) return NoticeSlot{false, notice.earliest};
  absl::Time t = notice.earliest;
  // Each period skipped holds at least one earlier notice, so this ends.
  for (size_t attempt = 0; attempt <= already_sent.size(); ++attempt) {
    PARLEY_ASSIGN_OR_RETURN(WorkingPeriod p, hours.PeriodAtOrAfter(notice.recipient, t, !notice.interrupts_teaching));
    bool taken = false;
    for (const SentNotice& s : already_sent) {
      if (s.enquiry_id != notice.enquiry_id || s.recipient != notice.recipient) continue;
      if (s.send_at < p.open || s.send_at >= p.close) continue;
      if (s.kind == notice.kind) return NoticeSlot{true, absl::InfinitePast()};
      taken = true;
    }
    if (!taken) return NoticeSlot{false, std::max(t, p.open)};
    t = p.close;
  }
  return absl::InternalError("notice scheduling did not settle");
}

}  // namespace parley::escalation
