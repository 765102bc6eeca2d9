#include "tools/parleyctl/escalation_args.h"

#include "absl/strings/ascii.h"
#include "tools/parleyctl/conduct_args.h"
#include "tools/parleyctl/named_enum.h"

namespace parley::ctl {
namespace {

constexpr Named<ev1::Channel> kChannels[] = {
    {ev1::CHANNEL_EMAIL, "email", "email"},
    {ev1::CHANNEL_LETTER, "letter", "letter"},
    {ev1::CHANNEL_PHONE, "phone", "phone"},
    {ev1::CHANNEL_APP_MESSAGE, "app", "app-message"},
    {ev1::CHANNEL_IN_PERSON, "in-person", "in-person"},
};

constexpr Named<ev1::EnquiryState> kStates[] = {
    {ev1::ENQUIRY_STATE_OPEN, "open", "open"},
    {ev1::ENQUIRY_STATE_ACKNOWLEDGED, "acknowledged", "acked"},
    {ev1::ENQUIRY_STATE_AWAITING_PARENT, "awaiting-parent", "paused"},
    {ev1::ENQUIRY_STATE_RESOLVED, "resolved", "resolved"},
    {ev1::ENQUIRY_STATE_REFERRED_TO_COMPLAINTS, "referred", "referred-to-complaints"},
    {ev1::ENQUIRY_STATE_REDIRECTED, "redirected", "redirected"},
    {ev1::ENQUIRY_STATE_NO_RESPONSE_REQUIRED, "no-response", "no-response-required"},
};

constexpr Named<ev1::EnquiryEventKind> kEventKinds[] = {
    {ev1::ENQUIRY_EVENT_KIND_RECEIVED, "received", "received"},
    {ev1::ENQUIRY_EVENT_KIND_GATED, "gated", "gated"},
    {ev1::ENQUIRY_EVENT_KIND_ROUTED, "routed", "routed"},
    {ev1::ENQUIRY_EVENT_KIND_ACKNOWLEDGED, "acknowledged", "acknowledged"},
    {ev1::ENQUIRY_EVENT_KIND_REPLIED, "replied", "replied"},
    {ev1::ENQUIRY_EVENT_KIND_PAUSED, "paused", "paused"},
    {ev1::ENQUIRY_EVENT_KIND_RESUMED, "resumed", "resumed"},
    {ev1::ENQUIRY_EVENT_KIND_ESCALATED, "escalated", "escalated"},
    {ev1::ENQUIRY_EVENT_KIND_BREACHED, "breached", "breached"},
    {ev1::ENQUIRY_EVENT_KIND_RESOLVED, "resolved", "resolved"},
    {ev1::ENQUIRY_EVENT_KIND_REOPENED, "reopened", "reopened"},
    {ev1::ENQUIRY_EVENT_KIND_REFERRED_TO_COMPLAINTS, "referred", "referred-to-complaints"},
    {ev1::ENQUIRY_EVENT_KIND_REASSIGNED, "reassigned", "reassigned"},
    {ev1::ENQUIRY_EVENT_KIND_MARKED_ABUSIVE, "marked-abusive", "abusive"},
    {ev1::ENQUIRY_EVENT_KIND_RECOMPUTED, "recomputed", "recomputed"},
    {ev1::ENQUIRY_EVENT_KIND_PROGRESS_RECORDED, "progress", "progress-recorded"},
    {ev1::ENQUIRY_EVENT_KIND_CHANNEL_REDIRECTED, "channel-redirected", "channel-refused"},
};

constexpr Named<ev1::Stage> kStages[] = {
    {ev1::STAGE_ACKNOWLEDGE, "acknowledge", "ack"},
    {ev1::STAGE_RESPOND, "respond", "response"},
    {ev1::STAGE_FOLLOW_UP, "follow-up", "follow_up"},
};

constexpr Named<ev1::ClockState> kClockStates[] = {
    {ev1::CLOCK_STATE_RUNNING, "running", "running"},
    {ev1::CLOCK_STATE_PAUSED, "paused", "paused"},
    {ev1::CLOCK_STATE_MET, "met", "kept"},
    {ev1::CLOCK_STATE_BREACHED, "breached", "breached"},
};

}  // namespace

absl::StatusOr<ev1::Channel> ParseEnquiryChannel(const std::string& text) {
  return ParseNamed(kChannels, text, "channel-", "channel");
}

std::string EnquiryChannelName(ev1::Channel channel) { return NameOf(kChannels, channel); }

absl::StatusOr<ev1::EnquiryState> ParseEnquiryState(const std::string& text) {
  return ParseNamed(kStates, text, "enquiry-state-", "enquiry state");
}

std::string EnquiryStateName(ev1::EnquiryState state) { return NameOf(kStates, state); }

std::string EnquiryEventKindName(ev1::EnquiryEventKind kind) { return NameOf(kEventKinds, kind); }

std::string ClockStageName(ev1::Stage stage) { return NameOf(kStages, stage); }

std::string ClockStateName(ev1::ClockState state) { return NameOf(kClockStates, state); }

const std::vector<EnquiryVerbSpec>& EnquiryVerbs() {
  using V = Ctl::EnquiryVerb;
  static const std::vector<EnquiryVerbSpec>* const kVerbs = new std::vector<EnquiryVerbSpec>{
      {V::kAck, "ack",
       "acknowledge it: the acknowledgement clock is met (--promise: when a fuller response or meeting will happen)",
       nullptr, false, false, false, true, false},
      {V::kReply, "reply", "record the answer: the response clock is met", nullptr, false, false, true, false, false},
      {V::kPause, "pause", "await the parent: the clocks stand still",
       "what the school is waiting for (at most 200 characters)", false, false, false, false, false},
      {V::kResume, "resume", "the parent has answered: the clocks run again", nullptr, false, false, false, false,
       false},
      {V::kResolve, "resolve", "close it: the follow-up action is done (the follow-up clock is met)", nullptr, false,
       false, false, false, false},
      {V::kReopen, "reopen", "a new response (and follow-up) cycle from now", "why (at most 200 characters)", false,
       false, false, false, false},
      {V::kEscalate, "escalate", "up one rung, with a fresh response budget", "why (at most 200 characters)", false,
       true, false, false, false},
      {V::kReassign, "reassign", "cover for absence: same rung, another owner",
       "why (\"cover for absence\"; at most 200 characters)", true, false, false, false, false},
      {V::kAbusive, "abusive", "record it as abusive: no reply is owed (unless safeguarding)", nullptr, false, false,
       false, false, false},
      {V::kProgress, "progress", "tell the guardian how it stands (and optionally a new promised time); no clock moves",
       nullptr, false, false, false, true, true},
  };
  return *kVerbs;
}

const EnquiryVerbSpec& EnquiryVerbSpecOf(Ctl::EnquiryVerb verb) {
  for (const EnquiryVerbSpec& spec : EnquiryVerbs()) {
    if (spec.verb == verb) return spec;
  }
  return EnquiryVerbs().front();  // unreachable: every verb is in the table
}

std::string GateOutcomeName(const std::string& outcome) {
  if (outcome.empty()) return "-";
  // The gate's own outcomes are conduct's; anything newer is shown as sent, in lower case.
  absl::StatusOr<cv1::Outcome> known = ParseOutcome(outcome);
  return known.ok() ? OutcomeName(*known) : absl::AsciiStrToLower(outcome);
}

}  // namespace parley::ctl
