#include "services/escalation/domain/enquiry_view.h"

#include <algorithm>
#include <utility>

#include "common/status/status_macros.h"

namespace parley::escalation {
namespace {

// One clock while the history is replayed.
struct Track {
  ClockSnapshot snap;
  std::optional<absl::Time> met_at;
  bool breach_recorded = false;
};

void Set(std::optional<Track>& track, const std::optional<ClockSnapshot>& snap) {
  if (snap.has_value()) track = Track{*snap, std::nullopt, false};
}

void Meet(std::optional<Track>& track, absl::Time at) {
  if (track.has_value() && !track->met_at.has_value()) track->met_at = at;
}

// A recomputation replaces the promise but keeps what already happened to it.
void Replace(std::optional<Track>& track, const std::optional<ClockSnapshot>& snap) {
  if (track.has_value() && snap.has_value()) track->snap = *snap;
}

void ClosePause(std::vector<calendar::Pause>& pauses, absl::Time at) {
  if (!pauses.empty() && !pauses.back().end.has_value()) pauses.back().end = at;
}

// An event that made no new promise leaves the one in force.
void KeepPromise(EnquiryView& v, const Event& ev) {
  if (!ev.promised_at.has_value()) return;
  v.promised_at = ev.promised_at;
  v.promise_reason = ev.reason;
}

struct Replay {
  EnquiryView view;
  std::optional<Track> acknowledge;
  std::optional<Track> respond;
  std::optional<Track> follow_up;
  // When the enquiry stopped being live: a clock not met by then ends there.
  std::optional<absl::Time> closed_at;
};

Replay ReplayHistory(const Enquiry& e) {
  Replay r;
  EnquiryView& v = r.view;
  EnquiryState before_pause = EnquiryState::kOpen;
  for (const Event& ev : e.history) {
    switch (ev.kind) {
      case EventKind::kReceived:
        break;
      case EventKind::kGated:
        v.gate = ev.gate;
        v.gate_decision = ev.gate_decision;
        // Safeguarding is never redirected or suppressed by the gate (docs/architecture.md#enquiries-and-timers).
        if (!e.safeguarding && ev.gate == GateOutcome::kRedirect) {
          v.state = EnquiryState::kRedirected;
          r.closed_at = ev.at;
        } else if (!e.safeguarding && ev.gate == GateOutcome::kNoResponseRequired) {
          v.state = EnquiryState::kNoResponseRequired;
          r.closed_at = ev.at;
        }
        break;
      case EventKind::kRouted:
        v.state = EnquiryState::kOpen;
        v.owner = ev.owner;
        v.rung = ev.rung;
        v.owner_role = ev.owner_role;
        v.cycle = 1;
        Set(r.acknowledge, ev.acknowledge);
        Set(r.respond, ev.respond);
        Set(r.follow_up, ev.follow_up);
        break;
      case EventKind::kAcknowledged:
        v.state = EnquiryState::kAcknowledged;
        Meet(r.acknowledge, ev.at);
        KeepPromise(v, ev);
        break;
      case EventKind::kProgressRecorded:
        KeepPromise(v, ev);
        break;
      case EventKind::kReplied:
        // A reply acknowledges too; the matter stays with the school until resolved.
        v.state = EnquiryState::kAcknowledged;
        Meet(r.acknowledge, ev.at);
        Meet(r.respond, ev.at);
        break;
      case EventKind::kPaused:
        before_pause = v.state;
        v.state = EnquiryState::kAwaitingParent;
        v.pauses.push_back(calendar::Pause{ev.at, std::nullopt});
        break;
      case EventKind::kResumed:
        v.state = before_pause;
        ClosePause(v.pauses, ev.at);
        break;
      case EventKind::kEscalated:
        v.owner = ev.owner;
        v.rung = ev.rung;
        v.owner_role = ev.owner_role;
        Set(r.respond, ev.respond);
        break;
      case EventKind::kBreached:
        if (ev.stage == Stage::kAcknowledge && r.acknowledge) r.acknowledge->breach_recorded = true;
        if (ev.stage == Stage::kRespond && r.respond) r.respond->breach_recorded = true;
        if (ev.stage == Stage::kFollowUp && r.follow_up) r.follow_up->breach_recorded = true;
        break;
      case EventKind::kResolved:
        ClosePause(v.pauses, ev.at);
        v.state = EnquiryState::kResolved;
        Meet(r.acknowledge, ev.at);
        Meet(r.respond, ev.at);
        // Resolving is the follow-up action done: a reply alone does not keep that promise.
        Meet(r.follow_up, ev.at);
        r.closed_at = ev.at;
        break;
      case EventKind::kReopened:
        v.state = EnquiryState::kAcknowledged;
        ++v.cycle;
        Set(r.respond, ev.respond);
        Set(r.follow_up, ev.follow_up);
        r.closed_at.reset();
        // A promise was about the cycle's answer; the new cycle has made none yet.
        v.promised_at.reset();
        v.promise_reason.clear();
        break;
      case EventKind::kReferredToComplaints:
        ClosePause(v.pauses, ev.at);
        v.state = EnquiryState::kReferredToComplaints;
        r.closed_at = ev.at;
        break;
      case EventKind::kReassigned:
        v.owner = ev.owner;
        v.owner_role = ev.owner_role;
        break;
      case EventKind::kMarkedAbusive:
        // No reply is owed, unless the matter is safeguarding: then it stays as it was.
        if (!e.safeguarding) {
          ClosePause(v.pauses, ev.at);
          v.state = EnquiryState::kNoResponseRequired;
          r.acknowledge.reset();
          r.respond.reset();
          r.follow_up.reset();
          r.closed_at = ev.at;
        }
        break;
      case EventKind::kRecomputed:
        Replace(r.acknowledge, ev.acknowledge);
        Replace(r.respond, ev.respond);
        Replace(r.follow_up, ev.follow_up);
        break;
      case EventKind::kChannelRedirected:
        // The route does not take this channel: like the gate's REDIRECT, no clock runs.
        v.state = EnquiryState::kRedirected;
        r.closed_at = ev.at;
        break;
    }
  }
  return r;
}

absl::StatusOr<std::optional<ClockView>> Resolve(const Enquiry& e, const Replay& r, const std::optional<Track>& track,
                                                 absl::Time now, DeadlineSource& source) {
  if (!track.has_value()) return std::optional<ClockView>();
  const Track& t = *track;
  ClockView c;
  c.stage = t.snap.stage;
  c.clock_from = t.snap.clock_from;
  c.clock_start = t.snap.clock_start;
  c.due = t.snap.due;
  c.met_at = t.met_at;
  c.breach_recorded = t.breach_recorded;
  c.owner = t.snap.owner;
  c.calendar_version = t.snap.calendar_version;
  c.policy_version = t.snap.policy_version;
  c.explanation = t.snap.explanation;
  c.recorded = t.snap;

  std::vector<calendar::Pause> pauses = PausesAffecting(r.view.pauses, t.snap.clock_from, t.met_at);
  if (!pauses.empty() || !c.due.has_value()) {
    PARLEY_ASSIGN_OR_RETURN(
        DueAt d, source.Compute(QueryFor(e, t.snap.stage, t.snap.clock_from, t.snap.owner, std::move(pauses))));
    c.clock_start = d.clock_start;
    c.due = d.due;
    c.calendar_version = d.calendar_version;
    c.policy_version = d.policy_version;
    c.explanation = d.explanation;
  }

  if (c.met_at.has_value()) {
    c.status = (c.due.has_value() && *c.met_at <= *c.due) ? ClockStatus::kMet : ClockStatus::kBreached;
    return std::optional<ClockView>(c);
  }
  if (!c.due.has_value()) {
    c.status = ClockStatus::kPaused;
    return std::optional<ClockView>(c);
  }
  // A clock that ended unmet (referral, redirection) is breached only if it fell due first.
  const absl::Time until = r.closed_at.has_value() ? std::min(now, *r.closed_at) : now;
  if (until >= *c.due) {
    c.status = ClockStatus::kBreached;
  } else if (r.closed_at.has_value()) {
    return std::optional<ClockView>();  // stopped before it fell due: no promise left to show
  } else {
    c.status = ClockStatus::kPending;
  }
  return std::optional<ClockView>(c);
}

}  // namespace

std::vector<calendar::Pause> PausesAffecting(const std::vector<calendar::Pause>& pauses, absl::Time clock_from,
                                             std::optional<absl::Time> met_at) {
  std::vector<calendar::Pause> out;
  const absl::Time met = met_at.value_or(absl::InfiniteFuture());
  for (const calendar::Pause& p : pauses) {
    if (p.start >= met) continue;  // a pause after the clock was kept cannot move it
    if (p.end.has_value() && *p.end <= clock_from) continue;
    out.push_back(p);
  }
  return out;
}

DeadlineQuery QueryFor(const Enquiry& enquiry, Stage stage, absl::Time clock_from, const std::string& owner,
                       std::vector<calendar::Pause> pauses) {
  DeadlineQuery q;
  q.school_id = enquiry.school_id;
  q.channel = enquiry.channel;
  q.stage = stage;
  q.category = enquiry.category;
  q.clock_from = clock_from;
  q.owner = owner;
  q.pauses = std::move(pauses);
  q.safeguarding = enquiry.safeguarding;
  q.urgent = enquiry.urgent;
  return q;
}

EnquiryView DeriveState(const Enquiry& enquiry) { return ReplayHistory(enquiry).view; }

absl::StatusOr<EnquiryView> Derive(const Enquiry& enquiry, absl::Time now, DeadlineSource& source) {
  Replay r = ReplayHistory(enquiry);
  PARLEY_ASSIGN_OR_RETURN(r.view.acknowledge, Resolve(enquiry, r, r.acknowledge, now, source));
  PARLEY_ASSIGN_OR_RETURN(r.view.respond, Resolve(enquiry, r, r.respond, now, source));
  PARLEY_ASSIGN_OR_RETURN(r.view.follow_up, Resolve(enquiry, r, r.follow_up, now, source));
  return std::move(r.view);
}

}  // namespace parley::escalation
