#include "tools/parleyctl/args.h"

#include <random>
#include <vector>

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_replace.h"
#include "absl/strings/str_split.h"
#include "absl/strings/strip.h"

namespace parley::ctl {
namespace {

// Lower case, '_' as '-', and without the enum prefix: "CHANNEL_IN_PERSON" → "in-person".
std::string Normalise(const std::string& text, const std::string& enum_prefix) {
  std::string s = absl::AsciiStrToLower(absl::StripAsciiWhitespace(text));
  absl::StrReplaceAll({{"_", "-"}}, &s);
  absl::string_view view(s);
  absl::ConsumePrefix(&view, enum_prefix);
  return std::string(view);
}

struct ChannelEntry {
  v1::Channel channel;
  const char* name;
  const char* alias;
};
constexpr ChannelEntry kChannels[] = {
    {v1::CHANNEL_EMAIL, "email", "email"},
    {v1::CHANNEL_LETTER, "letter", "letter"},
    {v1::CHANNEL_PHONE, "phone", "phone"},
    {v1::CHANNEL_APP_MESSAGE, "app", "app-message"},
    {v1::CHANNEL_IN_PERSON, "in-person", "in-person"},
    {v1::CHANNEL_MEETING_REQUEST, "meeting", "meeting-request"},
    {v1::CHANNEL_SMS, "sms", "sms"},
};

struct StageEntry {
  v1::Stage stage;
  const char* name;
};
constexpr StageEntry kStages[] = {
    {v1::STAGE_ACKNOWLEDGE, "acknowledge"},
    {v1::STAGE_RESPOND, "respond"},
    {v1::STAGE_HOLD_MEETING, "hold-meeting"},
    {v1::STAGE_FOLLOW_UP, "follow-up"},
};

bool ValidId(const std::string& id) {
  if (id.empty()) return false;
  for (char c : id) {
    if (c == '/' || absl::ascii_isspace(static_cast<unsigned char>(c))) return false;
  }
  return true;
}

// "2025-10-24 16:10[:SS]" or with 'T': a civil time, or nullopt.
std::optional<absl::CivilSecond> ParseCivil(const std::string& text) {
  std::string s = std::string(absl::StripAsciiWhitespace(text));
  size_t space = s.find(' ');
  if (space != std::string::npos) s[space] = 'T';
  absl::CivilSecond second;
  if (absl::ParseCivilTime(s, &second)) return second;
  absl::CivilMinute minute;
  if (absl::ParseCivilTime(s, &minute)) return absl::CivilSecond(minute);
  return std::nullopt;
}

}  // namespace

absl::StatusOr<v1::Channel> ParseChannel(const std::string& text) {
  std::string s = Normalise(text, "channel-");
  for (const ChannelEntry& e : kChannels) {
    if (s == e.name || s == e.alias) return e.channel;
  }
  return absl::InvalidArgumentError(
      absl::StrCat("unknown channel \"", text, "\": want email, letter, phone, app, in-person, meeting or sms"));
}

std::string ChannelName(v1::Channel channel) {
  for (const ChannelEntry& e : kChannels) {
    if (e.channel == channel) return e.name;
  }
  return "unspecified";
}

absl::StatusOr<v1::Stage> ParseStage(const std::string& text) {
  std::string s = Normalise(text, "stage-");
  for (const StageEntry& e : kStages) {
    if (s == e.name) return e.stage;
  }
  return absl::InvalidArgumentError(
      absl::StrCat("unknown stage \"", text, "\": want acknowledge, respond, hold-meeting or follow-up"));
}

std::string StageName(v1::Stage stage) {
  for (const StageEntry& e : kStages) {
    if (e.stage == stage) return e.name;
  }
  return "unspecified";
}

absl::StatusOr<std::string> SchoolId(const std::string& text) {
  absl::string_view view(text);
  absl::ConsumePrefix(&view, "schools/");
  std::string id(view);
  if (!ValidId(id)) {
    return absl::InvalidArgumentError(absl::StrCat("\"", text, "\" is neither a school id nor schools/{school}"));
  }
  return id;
}

absl::StatusOr<std::string> SchoolName(const std::string& text) {
  absl::StatusOr<std::string> id = SchoolId(text);
  if (!id.ok()) return id.status();
  return absl::StrCat("schools/", *id);
}

absl::StatusOr<std::string> ChildResourceName(const std::string& school_name, const std::string& collection,
                                              const std::string& text) {
  if (ValidId(text)) {
    if (school_name.empty()) {
      return absl::InvalidArgumentError(absl::StrCat("\"", text,
                                                     "\" is a bare id: give the full name (schools/{school}/",
                                                     collection, "/", text, ") or the school"));
    }
    return absl::StrCat(school_name, "/", collection, "/", text);
  }
  std::vector<std::string> parts = absl::StrSplit(text, '/');
  if (parts.size() != 4 || parts[0] != "schools" || !ValidId(parts[1]) || parts[2] != collection ||
      !ValidId(parts[3])) {
    return absl::InvalidArgumentError(
        absl::StrCat("\"", text, "\" is neither an id nor a name like schools/{school}/", collection, "/{id}"));
  }
  if (!school_name.empty() && absl::StrCat("schools/", parts[1]) != school_name) {
    return absl::InvalidArgumentError(absl::StrCat(text, " is not in ", school_name));
  }
  return text;
}

absl::StatusOr<std::string> PupilName(const std::string& school_name, const std::string& text) {
  return ChildResourceName(school_name, "pupils", text);
}

absl::StatusOr<std::string> StaffName(const std::string& school_name, const std::string& text) {
  return ChildResourceName(school_name, "staff", text);
}

std::string LastSegment(const std::string& name) {
  size_t slash = name.rfind('/');
  return slash == std::string::npos ? name : name.substr(slash + 1);
}

bool IsAbsoluteTime(const std::string& text) {
  absl::Time t;
  std::string err;
  return absl::ParseTime(absl::RFC3339_full, std::string(absl::StripAsciiWhitespace(text)), &t, &err);
}

absl::StatusOr<absl::Time> ParseTimeArg(const std::string& text, absl::TimeZone zone) {
  absl::Time t;
  std::string err;
  if (absl::ParseTime(absl::RFC3339_full, std::string(absl::StripAsciiWhitespace(text)), &t, &err)) return t;
  std::optional<absl::CivilSecond> civil = ParseCivil(text);
  if (!civil.has_value()) {
    return absl::InvalidArgumentError(absl::StrCat(
        "bad time \"", text, "\": want RFC 3339 (2025-10-24T15:10:00Z) or school-local \"YYYY-MM-DD HH:MM\""));
  }
  // For a time the clocks skip or repeat, `pre` applies the offset in force before the change.
  return zone.At(*civil).pre;
}

absl::StatusOr<PauseArg> ParsePauseArg(const std::string& text, absl::TimeZone zone) {
  std::vector<std::string> parts = absl::StrSplit(text, absl::MaxSplits('/', 1));
  PauseArg pause;
  absl::StatusOr<absl::Time> start = ParseTimeArg(parts[0], zone);
  if (!start.ok()) return absl::InvalidArgumentError(absl::StrCat("pause start: ", start.status().message()));
  pause.start = *start;
  if (parts.size() == 2 && !absl::StripAsciiWhitespace(parts[1]).empty()) {
    absl::StatusOr<absl::Time> end = ParseTimeArg(parts[1], zone);
    if (!end.ok()) return absl::InvalidArgumentError(absl::StrCat("pause end: ", end.status().message()));
    if (*end < *start) return absl::InvalidArgumentError(absl::StrCat("pause \"", text, "\" ends before it starts"));
    pause.end = *end;
  }
  return pause;
}

absl::StatusOr<absl::Duration> ParseDurationArg(const std::string& flag, const std::string& text) {
  absl::Duration d;
  if (!absl::ParseDuration(std::string(absl::StripAsciiWhitespace(text)), &d) || d <= absl::ZeroDuration() ||
      d == absl::InfiniteDuration()) {
    return absl::InvalidArgumentError(
        absl::StrCat(flag, ": bad duration \"", text, "\": want a positive duration such as 10s, 2m or 1h30m"));
  }
  return d;
}

absl::StatusOr<absl::TimeZone> LoadZone(const std::string& name) {
  const std::string zone_name = name.empty() ? "Europe/London" : name;
  absl::TimeZone zone;
  if (!absl::LoadTimeZone(zone_name, &zone)) {
    return absl::FailedPreconditionError(
        absl::StrCat("time zone \"", zone_name, "\" is not in this machine's tz database (install tzdata)"));
  }
  return zone;
}

std::string FormatUuidV4(std::array<uint8_t, 16> b) {
  b[6] = static_cast<uint8_t>((b[6] & 0x0f) | 0x40);  // version 4
  b[8] = static_cast<uint8_t>((b[8] & 0x3f) | 0x80);  // RFC 4122 variant
  std::string out;
  out.reserve(36);
  for (size_t i = 0; i < b.size(); ++i) {
    if (i == 4 || i == 6 || i == 8 || i == 10) out.push_back('-');
    absl::StrAppendFormat(&out, "%02x", b[i]);
  }
  return out;
}

std::string NewRequestId() {
  // libstdc++'s random_device reads the kernel's random source (getrandom or /dev/urandom).
  std::random_device rd;
  std::array<uint8_t, 16> bytes;
  for (size_t i = 0; i < bytes.size(); i += 4) {
    uint32_t word = rd();
    for (size_t j = 0; j < 4; ++j) bytes[i + j] = static_cast<uint8_t>(word >> (8 * j));
  }
  return FormatUuidV4(bytes);
}

}  // namespace parley::ctl
