// What parleyctl's conduct commands accept on the command line, turned into parley.conduct.v1
// values: channel, kind, state, scope and outcome names, weekly windows ("tue:15:30-16:30"),
// guardian names and dates. Pure functions, so the rules can be tested without a server.
//
// Every enum is named on the command line the way parleyctl prints it: lower case with '-'
// ("in-person", "under-review", "no-response-required"). Parsing ignores case, accepts '_' for
// '-', and accepts the proto's own name too ("CHANNEL_VIDEO_CALL").
#pragma once

#include <string>
#include <utility>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/time/civil_time.h"
#include "absl/time/time.h"
#include "parley/conduct/v1/conduct_service.pb.h"

namespace parley::ctl {

namespace cv1 = ::parley::conduct::v1;

// email, letter, phone, app, in-person, meeting-request, sms, video ("app-message", "meeting",
// "video-call" also accepted).
absl::StatusOr<cv1::Channel> ParseConductChannel(const std::string& text);
std::string ConductChannelName(cv1::Channel channel);
// "email,phone" → both, in the order given, without repeats. Empty text → an empty list.
absl::StatusOr<std::vector<cv1::Channel>> ParseConductChannels(const std::string& text);

// "mon".."sun" (or "monday".."sunday").
absl::StatusOr<cv1::Weekday> ParseWeekday(const std::string& text);
// "Mon".."Sun"; "?" for an unknown day.
std::string WeekdayShortName(cv1::Weekday day);

// A weekly window "DAY:HH:MM-HH:MM", school-local: "tue:15:30-16:30". The end may be 24:00 and
// must be after the start (a window stays within its day).
absl::StatusOr<cv1::TimeWindow> ParseWindow(const std::string& text);
// "Tue 15:30-16:30".
std::string FormatWindow(const cv1::TimeWindow& window);

// shouting, threatening, abusive-message, harassment, physical, damage, security, other.
absl::StatusOr<cv1::IncidentKind> ParseIncidentKind(const std::string& text);
std::string IncidentKindName(cv1::IncidentKind kind);
// pending, no-further-action, warning-given, arrangement, premises-ban, police-involved,
// referred-to-governors.
std::string IncidentOutcomeName(cv1::IncidentOutcome outcome);

// draft, active, under-review, ended.
absl::StatusOr<cv1::ArrangementState> ParseArrangementState(const std::string& text);
std::string ArrangementStateName(cv1::ArrangementState state);
// school, trust.
absl::StatusOr<cv1::ArrangementScope> ParseArrangementScope(const std::string& text);
std::string ArrangementScopeName(cv1::ArrangementScope scope);
// site, events.
absl::StatusOr<cv1::PremisesBanScope> ParseBanScope(const std::string& text);
std::string BanScopeName(cv1::PremisesBanScope scope);

// allow, defer, redirect, no-response-required.
absl::StatusOr<cv1::Outcome> ParseOutcome(const std::string& text);
std::string OutcomeName(cv1::Outcome outcome);
// second-staff, head-informed, off-site-only: the names of the arrangement flags that ask for them.
std::string MeetingRequirementName(cv1::MeetingRequirement requirement);
// issued, tightened, ended; pending, handed-over.
std::string LetterKindName(cv1::LetterKind kind);
std::string LetterDeliveryName(cv1::LetterDeliveryState state);

// "g-00012" or "guardians/g-00012" → "guardians/g-00012".
absl::StatusOr<std::string> GuardianName(const std::string& text);

// A calendar date "YYYY-MM-DD" (exactly that form: the API's dates are strings).
absl::StatusOr<absl::CivilDay> ParseDateArg(const std::string& flag, const std::string& text);

// The school-local days `from`..`to`, both included, as the instants [start, end) the API takes:
// local midnight at the start of `from` to local midnight after `to`. A day on which the clocks
// change is 23 or 25 hours long, as the school lived it. INVALID_ARGUMENT when `to` is before `from`.
absl::StatusOr<std::pair<absl::Time, absl::Time>> LocalDays(absl::CivilDay from, absl::CivilDay to,
                                                            absl::TimeZone zone);

}  // namespace parley::ctl
