// What parleyctl's enquiries commands accept on the command line, and the names they print, for
// parley.escalation.v1 values: channels, enquiry states, event kinds, clock stages and states.
// Pure functions, so the rules can be tested without a server. Names are lower case with '-', as
// for conduct (named_enum.h): case is ignored, '_' reads as '-', and the proto's own name is
// accepted too ("ENQUIRY_STATE_AWAITING_PARENT").
#pragma once

#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "parley/escalation/v1/escalation_service.pb.h"
#include "tools/parleyctl/commands.h"

namespace parley::ctl {

namespace ev1 = ::parley::escalation::v1;

// email, letter, phone, app, in-person ("app-message" also accepted).
absl::StatusOr<ev1::Channel> ParseEnquiryChannel(const std::string& text);
std::string EnquiryChannelName(ev1::Channel channel);

// open, acknowledged, awaiting-parent, resolved, referred, redirected, no-response
// ("referred-to-complaints" and "no-response-required" also accepted).
absl::StatusOr<ev1::EnquiryState> ParseEnquiryState(const std::string& text);
std::string EnquiryStateName(ev1::EnquiryState state);

// received, gated, routed, acknowledged, replied, paused, resumed, escalated, breached, resolved,
// reopened, referred, reassigned, marked-abusive, recomputed, progress.
std::string EnquiryEventKindName(ev1::EnquiryEventKind kind);
// acknowledge, respond.
std::string ClockStageName(ev1::Stage stage);
// running, paused, met, breached.
std::string ClockStateName(ev1::ClockState state);

// One verb of `parleyctl enquiries`: its subcommand and help, and the flags it takes besides NAME,
// --school and --etag. The command line registers, and the command checks, exactly these.
struct EnquiryVerbSpec {
  Ctl::EnquiryVerb verb;
  const char* command;
  const char* help;
  const char* reason_help;  // nullptr: no --reason; otherwise --reason is required
  bool to;                  // --to STAFF, required
  bool parent_requested;    // --parent-requested
  bool body_ref;            // --body-ref REF
  bool promise;             // --promise TIME, --promise-reason TEXT
  bool text;                // --text TEXT, required
};
// Every verb, in the order `parleyctl enquiries --help` lists them.
const std::vector<EnquiryVerbSpec>& EnquiryVerbs();
const EnquiryVerbSpec& EnquiryVerbSpecOf(Ctl::EnquiryVerb verb);

// The conduct gate's outcome as the enquiry records it ("NO_RESPONSE_REQUIRED"), by the name
// `parleyctl conduct` uses ("no-response-required"); "-" when there is none.
std::string GateOutcomeName(const std::string& outcome);

}  // namespace parley::ctl
