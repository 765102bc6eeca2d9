#include "tools/parleyctl/conduct_args.h"

#include <algorithm>

#include "absl/strings/ascii.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_replace.h"
#include "absl/strings/str_split.h"
#include "absl/strings/strip.h"
#include "tools/parleyctl/named_enum.h"

namespace parley::ctl {
namespace {

constexpr Named<cv1::Channel> kChannels[] = {
    {cv1::CHANNEL_EMAIL, "email", "email"},
    {cv1::CHANNEL_LETTER, "letter", "letter"},
    {cv1::CHANNEL_PHONE, "phone", "phone"},
    {cv1::CHANNEL_APP_MESSAGE, "app", "app-message"},
    {cv1::CHANNEL_IN_PERSON, "in-person", "in-person"},
    {cv1::CHANNEL_MEETING_REQUEST, "meeting-request", "meeting"},
    {cv1::CHANNEL_SMS, "sms", "sms"},
    {cv1::CHANNEL_VIDEO_CALL, "video", "video-call"},
};

constexpr Named<cv1::Weekday> kWeekdays[] = {
    {cv1::WEEKDAY_MONDAY, "mon", "monday"},       {cv1::WEEKDAY_TUESDAY, "tue", "tuesday"},
    {cv1::WEEKDAY_WEDNESDAY, "wed", "wednesday"}, {cv1::WEEKDAY_THURSDAY, "thu", "thursday"},
    {cv1::WEEKDAY_FRIDAY, "fri", "friday"},       {cv1::WEEKDAY_SATURDAY, "sat", "saturday"},
    {cv1::WEEKDAY_SUNDAY, "sun", "sunday"},
};

constexpr Named<cv1::IncidentKind> kIncidentKinds[] = {
    {cv1::INCIDENT_KIND_SHOUTING, "shouting", "shouting"},
    {cv1::INCIDENT_KIND_THREATENING, "threatening", "threatening"},
    {cv1::INCIDENT_KIND_ABUSIVE_WRITTEN_MESSAGE, "abusive-message", "abusive-written-message"},
    {cv1::INCIDENT_KIND_HARASSMENT, "harassment", "harassment"},
    {cv1::INCIDENT_KIND_PHYSICAL_AGGRESSION, "physical", "physical-aggression"},
    {cv1::INCIDENT_KIND_DAMAGE, "damage", "damage"},
    {cv1::INCIDENT_KIND_SECURITY_BREACH, "security", "security-breach"},
    {cv1::INCIDENT_KIND_OTHER, "other", "other"},
};

constexpr Named<cv1::IncidentOutcome> kIncidentOutcomes[] = {
    {cv1::INCIDENT_OUTCOME_PENDING, "pending", "pending"},
    {cv1::INCIDENT_OUTCOME_NO_FURTHER_ACTION, "no-further-action", "nfa"},
    {cv1::INCIDENT_OUTCOME_WARNING_GIVEN, "warning-given", "warning"},
    {cv1::INCIDENT_OUTCOME_ARRANGEMENT, "arrangement", "arrangement"},
    {cv1::INCIDENT_OUTCOME_PREMISES_BAN, "premises-ban", "ban"},
    {cv1::INCIDENT_OUTCOME_POLICE_INVOLVED, "police-involved", "police"},
    {cv1::INCIDENT_OUTCOME_REFERRED_TO_GOVERNORS, "referred-to-governors", "governors"},
};

constexpr Named<cv1::ArrangementState> kStates[] = {
    {cv1::ARRANGEMENT_STATE_DRAFT, "draft", "draft"},
    {cv1::ARRANGEMENT_STATE_ACTIVE, "active", "active"},
    {cv1::ARRANGEMENT_STATE_UNDER_REVIEW, "under-review", "review"},
    {cv1::ARRANGEMENT_STATE_ENDED, "ended", "ended"},
};

constexpr Named<cv1::ArrangementScope> kScopes[] = {
    {cv1::ARRANGEMENT_SCOPE_SCHOOL, "school", "school"},
    {cv1::ARRANGEMENT_SCOPE_TRUST, "trust", "trust"},
};

constexpr Named<cv1::PremisesBanScope> kBanScopes[] = {
    {cv1::PREMISES_BAN_SCOPE_SITE, "site", "site"},
    {cv1::PREMISES_BAN_SCOPE_EVENTS, "events", "event"},
};

constexpr Named<cv1::Outcome> kOutcomes[] = {
    {cv1::OUTCOME_ALLOW, "allow", "allow"},
    {cv1::OUTCOME_DEFER, "defer", "defer"},
    {cv1::OUTCOME_REDIRECT, "redirect", "redirect"},
    {cv1::OUTCOME_NO_RESPONSE_REQUIRED, "no-response-required", "no-response"},
};

constexpr Named<cv1::MeetingRequirement> kRequirements[] = {
    {cv1::MEETING_REQUIREMENT_SECOND_STAFF, "second-staff", "second-staff"},
    {cv1::MEETING_REQUIREMENT_HEAD_INFORMED, "head-informed", "head-informed"},
    {cv1::MEETING_REQUIREMENT_OFF_SITE_ONLY, "off-site-only", "off-site-only"},
};

constexpr Named<cv1::LetterKind> kLetterKinds[] = {
    {cv1::LETTER_KIND_ARRANGEMENT_ISSUED, "issued", "arrangement-issued"},
    {cv1::LETTER_KIND_ARRANGEMENT_TIGHTENED, "tightened", "arrangement-tightened"},
    {cv1::LETTER_KIND_ARRANGEMENT_ENDED, "ended", "arrangement-ended"},
};

constexpr Named<cv1::LetterDeliveryState> kDeliveryStates[] = {
    {cv1::LETTER_DELIVERY_STATE_PENDING, "pending", "pending"},
    {cv1::LETTER_DELIVERY_STATE_HANDED_OVER, "handed-over", "handed-over"},
};

// "15:30" → minutes since midnight; 24:00 allowed (the end of the day).
bool ParseClockMinutes(absl::string_view text, int* minutes) {
  if (text.size() != 5 || text[2] != ':') return false;
  int hours = 0, mins = 0;
  if (!absl::ascii_isdigit(text[0]) || !absl::ascii_isdigit(text[1]) || !absl::ascii_isdigit(text[3]) ||
      !absl::ascii_isdigit(text[4]) || !absl::SimpleAtoi(text.substr(0, 2), &hours) ||
      !absl::SimpleAtoi(text.substr(3, 2), &mins)) {
    return false;
  }
  if (hours > 24 || mins > 59 || (hours == 24 && mins != 0)) return false;
  *minutes = hours * 60 + mins;
  return true;
}

}  // namespace

absl::StatusOr<cv1::Channel> ParseConductChannel(const std::string& text) {
  return ParseNamed(kChannels, text, "channel-", "channel");
}

std::string ConductChannelName(cv1::Channel channel) { return NameOf(kChannels, channel); }

absl::StatusOr<std::vector<cv1::Channel>> ParseConductChannels(const std::string& text) {
  std::vector<cv1::Channel> out;
  for (absl::string_view part : absl::StrSplit(text, ',', absl::SkipWhitespace())) {
    absl::StatusOr<cv1::Channel> c = ParseConductChannel(std::string(part));
    if (!c.ok()) return c.status();
    if (std::find(out.begin(), out.end(), *c) == out.end()) out.push_back(*c);
  }
  return out;
}

absl::StatusOr<cv1::Weekday> ParseWeekday(const std::string& text) {
  return ParseNamed(kWeekdays, text, "weekday-", "day");
}

std::string WeekdayShortName(cv1::Weekday day) {
  std::string name = NameOf(kWeekdays, day);
  if (name == "unspecified") return "?";
  name[0] = absl::ascii_toupper(static_cast<unsigned char>(name[0]));
  return name;
}

absl::StatusOr<cv1::TimeWindow> ParseWindow(const std::string& text) {
  const std::string s(absl::StripAsciiWhitespace(text));
  auto bad = [&](absl::string_view why) {
    return absl::InvalidArgumentError(
        absl::StrCat("bad window \"", text, "\": ", why, " (want DAY:HH:MM-HH:MM, e.g. tue:15:30-16:30)"));
  };
  // The day ends at the first ':'; the times hold the others.
  const size_t colon = s.find(':');
  if (colon == std::string::npos) return bad("no day");
  absl::StatusOr<cv1::Weekday> day = ParseWeekday(s.substr(0, colon));
  if (!day.ok()) return bad(absl::StrCat("unknown day \"", s.substr(0, colon), "\""));
  std::vector<std::string> times = absl::StrSplit(s.substr(colon + 1), '-');
  if (times.size() != 2) return bad("no start-end");
  int start = 0, end = 0;
  if (!ParseClockMinutes(times[0], &start)) return bad(absl::StrCat("\"", times[0], "\" is not HH:MM"));
  if (!ParseClockMinutes(times[1], &end)) return bad(absl::StrCat("\"", times[1], "\" is not HH:MM"));
  if (end <= start) return bad("the end must be after the start");
  cv1::TimeWindow window;
  window.set_day(*day);
  window.set_start(times[0]);
  window.set_end(times[1]);
  return window;
}

std::string FormatWindow(const cv1::TimeWindow& window) {
  return absl::StrCat(WeekdayShortName(window.day()), " ", window.start(), "-", window.end());
}

absl::StatusOr<cv1::IncidentKind> ParseIncidentKind(const std::string& text) {
  return ParseNamed(kIncidentKinds, text, "incident-kind-", "incident kind");
}

std::string IncidentKindName(cv1::IncidentKind kind) { return NameOf(kIncidentKinds, kind); }

std::string IncidentOutcomeName(cv1::IncidentOutcome outcome) { return NameOf(kIncidentOutcomes, outcome); }

absl::StatusOr<cv1::ArrangementState> ParseArrangementState(const std::string& text) {
  return ParseNamed(kStates, text, "arrangement-state-", "arrangement state");
}

std::string ArrangementStateName(cv1::ArrangementState state) { return NameOf(kStates, state); }

absl::StatusOr<cv1::ArrangementScope> ParseArrangementScope(const std::string& text) {
  return ParseNamed(kScopes, text, "arrangement-scope-", "arrangement scope");
}

std::string ArrangementScopeName(cv1::ArrangementScope scope) { return NameOf(kScopes, scope); }

absl::StatusOr<cv1::PremisesBanScope> ParseBanScope(const std::string& text) {
  return ParseNamed(kBanScopes, text, "premises-ban-scope-", "premises ban scope");
}

std::string BanScopeName(cv1::PremisesBanScope scope) { return NameOf(kBanScopes, scope); }

absl::StatusOr<cv1::Outcome> ParseOutcome(const std::string& text) {
  return ParseNamed(kOutcomes, text, "outcome-", "outcome");
}

std::string OutcomeName(cv1::Outcome outcome) { return NameOf(kOutcomes, outcome); }

std::string MeetingRequirementName(cv1::MeetingRequirement requirement) { return NameOf(kRequirements, requirement); }

std::string LetterKindName(cv1::LetterKind kind) { return NameOf(kLetterKinds, kind); }

std::string LetterDeliveryName(cv1::LetterDeliveryState state) { return NameOf(kDeliveryStates, state); }

absl::StatusOr<std::string> GuardianName(const std::string& text) {
  absl::string_view view = absl::StripAsciiWhitespace(text);
  absl::ConsumePrefix(&view, "guardians/");
  const bool valid = !view.empty() && std::none_of(view.begin(), view.end(), [](char c) {
    return c == '/' || absl::ascii_isspace(static_cast<unsigned char>(c));
  });
  if (!valid) {
    return absl::InvalidArgumentError(
        absl::StrCat("\"", text, "\" is neither a guardian id (g-00012) nor guardians/{guardian}"));
  }
  return absl::StrCat("guardians/", view);
}

absl::StatusOr<absl::CivilDay> ParseDateArg(const std::string& flag, const std::string& text) {
  const std::string s(absl::StripAsciiWhitespace(text));
  absl::CivilDay day;
  // ParseCivilTime accepts "2025-9-1"; the API wants exactly YYYY-MM-DD, so the text must round-trip.
  if (s.size() != 10 || !absl::ParseCivilTime(s, &day) || absl::FormatCivilTime(day) != s) {
    return absl::InvalidArgumentError(absl::StrCat(flag, ": bad date \"", text, "\": want YYYY-MM-DD"));
  }
  return day;
}

absl::StatusOr<std::pair<absl::Time, absl::Time>> LocalDays(absl::CivilDay from, absl::CivilDay to,
                                                            absl::TimeZone zone) {
  if (to < from) {
    return absl::InvalidArgumentError(absl::StrCat("the period ends (", absl::FormatCivilTime(to),
                                                   ") before it starts (", absl::FormatCivilTime(from), ")"));
  }
  // Midnight never falls in a UK clock change, but it does elsewhere: `pre` is the usual rule.
  return std::make_pair(zone.At(absl::CivilSecond(from)).pre, zone.At(absl::CivilSecond(to + 1)).pre);
}

}  // namespace parley::ctl
