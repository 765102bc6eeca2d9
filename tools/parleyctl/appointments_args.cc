#include "tools/parleyctl/appointments_args.h"

#include <cstdlib>

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "absl/strings/strip.h"
#include "tools/parleyctl/args.h"
#include "tools/parleyctl/named_enum.h"

namespace parley::ctl {
namespace {

constexpr Named<av1::MeetingMode> kModes[] = {
    {av1::MEETING_MODE_IN_PERSON, "in-person", "person"},
    {av1::MEETING_MODE_PHONE, "phone", "call"},
    {av1::MEETING_MODE_VIDEO, "video", "online"},
};

constexpr Named<av1::MeetingRequestState> kRequestStates[] = {
    {av1::MEETING_REQUEST_STATE_OPEN, "open", "open"},
    {av1::MEETING_REQUEST_STATE_OFFERED, "offered", "offered"},
    {av1::MEETING_REQUEST_STATE_BOOKED, "booked", "booked"},
    {av1::MEETING_REQUEST_STATE_HELD, "held", "held"},
    {av1::MEETING_REQUEST_STATE_DECLINED, "declined", "declined"},
    {av1::MEETING_REQUEST_STATE_CANCELLED, "cancelled", "canceled"},
    {av1::MEETING_REQUEST_STATE_NO_SHOW, "no-show", "noshow"},
    {av1::MEETING_REQUEST_STATE_WITHDRAWN, "withdrawn", "withdrawn"},
    {av1::MEETING_REQUEST_STATE_MISSED, "missed", "missed-call"},
};

constexpr Named<av1::MeetingRequestKind> kRequestKinds[] = {
    {av1::MEETING_REQUEST_KIND_MEETING, "meeting", "meeting"},
    {av1::MEETING_REQUEST_KIND_CALL, "call", "call"},
};

constexpr Named<av1::MeetingRequestEventKind> kEventKinds[] = {
    {av1::MEETING_REQUEST_EVENT_KIND_REQUESTED, "requested", "requested"},
    {av1::MEETING_REQUEST_EVENT_KIND_OFFERED, "offered", "offered"},
    {av1::MEETING_REQUEST_EVENT_KIND_COUNTERED, "countered", "countered"},
    {av1::MEETING_REQUEST_EVENT_KIND_ACCEPTED, "accepted", "accepted"},
    {av1::MEETING_REQUEST_EVENT_KIND_DECLINED, "declined", "declined"},
    {av1::MEETING_REQUEST_EVENT_KIND_BOOKED, "booked", "booked"},
    {av1::MEETING_REQUEST_EVENT_KIND_CANCELLED, "cancelled", "cancelled"},
    {av1::MEETING_REQUEST_EVENT_KIND_NO_SHOW, "no-show", "no-show"},
    {av1::MEETING_REQUEST_EVENT_KIND_HELD, "held", "held"},
    {av1::MEETING_REQUEST_EVENT_KIND_WITHDRAWN, "withdrawn", "withdrawn"},
    {av1::MEETING_REQUEST_EVENT_KIND_ANSWER_BREACHED, "answer-breached", "answer-breached"},
    {av1::MEETING_REQUEST_EVENT_KIND_HOLD_BREACHED, "hold-breached", "hold-breached"},
    {av1::MEETING_REQUEST_EVENT_KIND_CALL_MISSED, "call-missed", "call-missed"},
    {av1::MEETING_REQUEST_EVENT_KIND_CALLED_BACK, "called-back", "called-back"},
    {av1::MEETING_REQUEST_EVENT_KIND_CALL_BACK_BREACHED, "call-back-breached", "call-back-breached"},
    {av1::MEETING_REQUEST_EVENT_KIND_ENQUIRY_LINKED, "enquiry-linked", "enquiry-linked"},
};

constexpr Named<av1::BookingState> kBookingStates[] = {
    {av1::BOOKING_STATE_HELD, "held", "held"},
    {av1::BOOKING_STATE_CONFIRMED, "confirmed", "confirmed"},
    {av1::BOOKING_STATE_CANCELLED, "cancelled", "canceled"},
    {av1::BOOKING_STATE_LAPSED, "lapsed", "expired"},
    {av1::BOOKING_STATE_ATTENDED, "attended", "attended"},
    {av1::BOOKING_STATE_NO_SHOW, "no-show", "noshow"},
    {av1::BOOKING_STATE_MISSED_CALL, "missed-call", "missed"},
};

// Only what RecordOutcome takes.
constexpr Named<av1::BookingState> kOutcomes[] = {
    {av1::BOOKING_STATE_ATTENDED, "attended", "held"},
    {av1::BOOKING_STATE_NO_SHOW, "no-show", "noshow"},
    {av1::BOOKING_STATE_MISSED_CALL, "missed-call", "missed"},
};

constexpr Named<av1::BookingKind> kBookingKinds[] = {
    {av1::BOOKING_KIND_MEETING, "meeting", "meeting"},
    {av1::BOOKING_KIND_CALL, "call", "call"},
    {av1::BOOKING_KIND_EVENING_SLOT, "evening-slot", "evening"},
};

constexpr Named<av1::ClockKind> kClockKinds[] = {
    {av1::CLOCK_KIND_ANSWER, "answer", "answer"},
    {av1::CLOCK_KIND_HOLD, "hold", "hold"},
    {av1::CLOCK_KIND_CALL_BACK, "call-back", "callback"},
};

constexpr Named<av1::ClockState> kClockStates[] = {
    {av1::CLOCK_STATE_RUNNING, "running", "running"},
    {av1::CLOCK_STATE_MET, "met", "kept"},
    {av1::CLOCK_STATE_BREACHED, "breached", "breached"},
    {av1::CLOCK_STATE_STOPPED, "stopped", "stopped"},
};

constexpr Named<av1::EveningState> kEveningStates[] = {
    {av1::EVENING_STATE_SCHEDULED, "scheduled", "scheduled"},
    {av1::EVENING_STATE_OPEN, "open", "open"},
    {av1::EVENING_STATE_CLOSED, "closed", "closed"},
    {av1::EVENING_STATE_CANCELLED, "cancelled", "canceled"},
};

constexpr Named<av1::HouseholdRule> kHouseholdRules[] = {
    {av1::HOUSEHOLD_RULE_ONE_PER_HOUSEHOLD, "one-per-household", "household"},
    {av1::HOUSEHOLD_RULE_ONE_EACH, "one-each", "each"},
};

// Splits "a,b,c" into exactly `n` non-empty, trimmed parts.
absl::StatusOr<std::vector<std::string>> SplitFields(const std::string& text, size_t n, const char* want) {
  std::vector<std::string> parts = absl::StrSplit(text, ',');
  if (parts.size() != n) return absl::InvalidArgumentError(absl::StrCat("bad \"", text, "\": want ", want));
  for (std::string& p : parts) {
    p = std::string(absl::StripAsciiWhitespace(p));
    if (p.empty()) return absl::InvalidArgumentError(absl::StrCat("bad \"", text, "\": want ", want));
  }
  return parts;
}

bool IsClockTime(const std::string& text) { return ParseClockTime(absl::CivilDay(2000, 1, 1), text).ok(); }

}  // namespace

absl::StatusOr<av1::MeetingMode> ParseMeetingMode(const std::string& text) {
  return ParseNamed(kModes, text, "meeting-mode-", "meeting mode");
}
std::string MeetingModeName(av1::MeetingMode mode) { return NameOf(kModes, mode); }

absl::StatusOr<av1::MeetingRequestState> ParseMeetingRequestState(const std::string& text) {
  return ParseNamed(kRequestStates, text, "meeting-request-state-", "meeting request state");
}
std::string MeetingRequestStateName(av1::MeetingRequestState state) { return NameOf(kRequestStates, state); }
std::string MeetingRequestKindName(av1::MeetingRequestKind kind) { return NameOf(kRequestKinds, kind); }
std::string MeetingEventKindName(av1::MeetingRequestEventKind kind) { return NameOf(kEventKinds, kind); }

absl::StatusOr<av1::BookingState> ParseBookingOutcome(const std::string& text) {
  return ParseNamed(kOutcomes, text, "booking-state-", "outcome");
}
std::string BookingStateName(av1::BookingState state) { return NameOf(kBookingStates, state); }
std::string BookingKindName(av1::BookingKind kind) { return NameOf(kBookingKinds, kind); }
std::string AppointmentClockKindName(av1::ClockKind kind) { return NameOf(kClockKinds, kind); }
std::string AppointmentClockStateName(av1::ClockState state) { return NameOf(kClockStates, state); }
std::string EveningStateName(av1::EveningState state) { return NameOf(kEveningStates, state); }

absl::StatusOr<av1::HouseholdRule> ParseHouseholdRule(const std::string& text) {
  return ParseNamed(kHouseholdRules, text, "household-rule-", "household rule");
}
std::string HouseholdRuleName(av1::HouseholdRule rule) { return NameOf(kHouseholdRules, rule); }

absl::StatusOr<absl::CivilMinute> ParseClockTime(absl::CivilDay day, const std::string& text) {
  const std::string s(absl::StripAsciiWhitespace(text));
  std::vector<std::string> hm = absl::StrSplit(s, ':');
  int h = 0, m = 0;
  if (hm.size() != 2 || hm[0].empty() || hm[0].size() > 2 || hm[1].size() != 2 || !absl::SimpleAtoi(hm[0], &h) ||
      !absl::SimpleAtoi(hm[1], &m) || h < 0 || h > 23 || m < 0 || m > 59) {
    return absl::InvalidArgumentError(absl::StrCat("bad clock time \"", text, "\": want HH:MM (16:40)"));
  }
  return absl::CivilMinute(day.year(), day.month(), day.day(), h, m);
}

absl::Time LocalInstant(absl::CivilMinute minute, absl::TimeZone zone) { return zone.At(minute).pre; }

bool TimeRangeIsLocal(const std::string& text) {
  std::vector<std::string> parts = absl::StrSplit(text, absl::MaxSplits('/', 1));
  return !IsAbsoluteTime(parts[0]) || (parts.size() == 2 && !IsAbsoluteTime(parts[1]));
}

absl::StatusOr<TimeRangeArg> ParseTimeRangeArg(const std::string& text, absl::TimeZone zone,
                                               std::optional<absl::Duration> length) {
  std::vector<std::string> parts = absl::StrSplit(text, absl::MaxSplits('/', 1));
  absl::StatusOr<absl::Time> start = ParseTimeArg(parts[0], zone);
  if (!start.ok())
    return absl::InvalidArgumentError(absl::StrCat("start of \"", text, "\": ", start.status().message()));
  TimeRangeArg range{*start, *start};
  if (parts.size() == 2) {
    const std::string end_text(absl::StripAsciiWhitespace(parts[1]));
    if (IsClockTime(end_text)) {
      // "HH:MM" on the start's local day.
      const absl::CivilDay day = absl::ToCivilDay(*start, zone);
      absl::StatusOr<absl::CivilMinute> end = ParseClockTime(day, end_text);
      if (!end.ok()) return end.status();
      range.end = LocalInstant(*end, zone);
    } else {
      absl::StatusOr<absl::Time> end = ParseTimeArg(end_text, zone);
      if (!end.ok()) return absl::InvalidArgumentError(absl::StrCat("end of \"", text, "\": ", end.status().message()));
      range.end = *end;
    }
  } else if (length.has_value()) {
    range.end = *start + *length;
  } else {
    return absl::InvalidArgumentError(
        absl::StrCat("\"", text, "\" has no end: give START/END (END may be HH:MM) or --length"));
  }
  if (range.end <= range.start) return absl::InvalidArgumentError(absl::StrCat("\"", text, "\" ends before it starts"));
  return range;
}

absl::Status CheckTimeRangeArg(const std::string& text, bool has_length) {
  // The form does not depend on the zone: read it in UTC.
  return ParseTimeRangeArg(text, absl::UTCTimeZone(),
                           has_length ? std::optional<absl::Duration>(absl::Minutes(1)) : std::nullopt)
      .status();
}

absl::StatusOr<EveningSlotArg> ParseEveningSlotArg(const std::string& text) {
  absl::StatusOr<std::vector<std::string>> parts = SplitFields(text, 3, "PUPIL,STAFF,TIME (p-00012,mrs-hart,16:40)");
  if (!parts.ok()) return parts.status();
  const std::string& time = (*parts)[2];
  if (!IsClockTime(time) && !ParseTimeArg(time, absl::UTCTimeZone()).ok()) {
    return absl::InvalidArgumentError(absl::StrCat("bad slot time \"", time, "\": want HH:MM or a time"));
  }
  return EveningSlotArg{(*parts)[0], (*parts)[1], time};
}

absl::StatusOr<EveningTeacherChoiceArg> ParseEveningTeacherChoiceArg(const std::string& text) {
  absl::StatusOr<std::vector<std::string>> parts = SplitFields(text, 2, "PUPIL,STAFF (p-00012,mrs-hart)");
  if (!parts.ok()) return parts.status();
  return EveningTeacherChoiceArg{(*parts)[0], (*parts)[1]};
}

absl::StatusOr<EveningTeacherArg> ParseEveningTeacherArg(const std::string& text) {
  std::vector<std::string> parts = absl::StrSplit(text, ',');
  EveningTeacherArg t;
  t.staff = std::string(absl::StripAsciiWhitespace(parts[0]));
  if (t.staff.empty() || absl::StrContains(t.staff, '=')) {
    return absl::InvalidArgumentError(absl::StrCat("bad teacher \"", text,
                                                   "\": want STAFF[,room=R][,from=HH:MM]"
                                                   "[,to=HH:MM][,break=HH:MM-HH:MM]"));
  }
  const absl::CivilDay any_day(2000, 1, 1);
  for (size_t i = 1; i < parts.size(); ++i) {
    std::pair<std::string, std::string> kv = absl::StrSplit(parts[i], absl::MaxSplits('=', 1));
    const std::string key(absl::StripAsciiWhitespace(kv.first));
    const std::string value(absl::StripAsciiWhitespace(kv.second));
    if (key == "room" && !value.empty()) {
      t.room = value;
    } else if ((key == "from" || key == "to") && ParseClockTime(any_day, value).ok()) {
      (key == "from" ? t.from : t.to) = value;
    } else if (key == "break") {
      std::pair<std::string, std::string> span = absl::StrSplit(value, absl::MaxSplits('-', 1));
      if (!ParseClockTime(any_day, span.first).ok() || !ParseClockTime(any_day, span.second).ok()) {
        return absl::InvalidArgumentError(absl::StrCat("bad break \"", value, "\" of ", t.staff, ": want HH:MM-HH:MM"));
      }
      t.breaks.emplace_back(span.first, span.second);
    } else {
      return absl::InvalidArgumentError(absl::StrCat("bad \"", parts[i], "\" in teacher \"", text,
                                                     "\": want room=R, from=HH:MM, to=HH:MM or "
                                                     "break=HH:MM-HH:MM"));
    }
  }
  return t;
}

}  // namespace parley::ctl
