#include "services/escalation/domain/model.h"

namespace parley::escalation {

const char* StateWord(EnquiryState state) {
  switch (state) {
    case EnquiryState::kOpen:
      return "open";
    case EnquiryState::kAcknowledged:
      return "acknowledged";
    case EnquiryState::kAwaitingParent:
      return "awaiting the parent";
    case EnquiryState::kResolved:
      return "resolved";
    case EnquiryState::kReferredToComplaints:
      return "referred to complaints";
    case EnquiryState::kRedirected:
      return "redirected";
    case EnquiryState::kNoResponseRequired:
      return "no response required";
  }
  return "unknown";
}

const char* StageWord(Stage stage) {
  switch (stage) {
    case Stage::kAcknowledge:
      return "acknowledge";
    case Stage::kRespond:
      return "respond";
    case Stage::kFollowUp:
      return "follow-up";
  }
  return "unknown";
}

const char* EventKindWord(EventKind kind) {
  switch (kind) {
    case EventKind::kReceived:
      return "received";
    case EventKind::kGated:
      return "gated";
    case EventKind::kRouted:
      return "routed";
    case EventKind::kAcknowledged:
      return "acknowledged";
    case EventKind::kReplied:
      return "replied";
    case EventKind::kPaused:
      return "paused";
    case EventKind::kResumed:
      return "resumed";
    case EventKind::kEscalated:
      return "escalated";
    case EventKind::kBreached:
      return "breached";
    case EventKind::kResolved:
      return "resolved";
    case EventKind::kReopened:
      return "reopened";
    case EventKind::kReferredToComplaints:
      return "referred to complaints";
    case EventKind::kReassigned:
      return "reassigned";
    case EventKind::kMarkedAbusive:
      return "marked abusive";
    case EventKind::kRecomputed:
      return "recomputed";
    case EventKind::kProgressRecorded:
      return "progress recorded";
    case EventKind::kChannelRedirected:
      return "channel redirected";
  }
  return "unknown";
}

const char* GateOutcomeWord(GateOutcome outcome) {
  switch (outcome) {
    case GateOutcome::kAllow:
      return "ALLOW";
    case GateOutcome::kDefer:
      return "DEFER";
    case GateOutcome::kRedirect:
      return "REDIRECT";
    case GateOutcome::kNoResponseRequired:
      return "NO_RESPONSE_REQUIRED";
  }
  return "UNKNOWN";
}

const char* AddressingWord(Addressing addressing) {
  switch (addressing) {
    case Addressing::kTaken:
      return "taken by the member of staff addressed";
    case Addressing::kFallbackLeft:
      return "routed: the member of staff addressed has left";
    case Addressing::kFallbackAway:
      return "routed: the member of staff addressed is on leave";
    case Addressing::kNotHonoured:
      return "routed: the school's policy does not give addressed matters to the person named";
    case Addressing::kSafeguarding:
      return "routed to the DSL: safeguarding";
  }
  return "unknown";
}

int64_t NextSeq(const Enquiry& enquiry) { return enquiry.history.empty() ? 1 : enquiry.history.back().seq + 1; }

}  // namespace parley::escalation
