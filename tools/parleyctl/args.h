// What parleyctl accepts on its command line, turned into API values: channel and stage names,
// bare ids or full resource names, instants given as RFC 3339 or as school-local clock time, and
// fresh request ids. Kept apart from the commands so the rules can be tested without a server.
#pragma once

#include <array>
#include <cstdint>
#include <optional>
#include <string>
#include <utility>

#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "parley/contacts/v1/common.pb.h"

namespace parley::ctl {

namespace v1 = ::parley::contacts::v1;

// "email", "letter", "phone", "app", "in-person", "meeting", "sms". Case and '-'/'_' are not
// significant, and the longer forms ("app-message", "meeting-request", "CHANNEL_EMAIL") are
// accepted too.
absl::StatusOr<v1::Channel> ParseChannel(const std::string& text);
// The short name ParseChannel accepts, for output.
std::string ChannelName(v1::Channel channel);

// "acknowledge", "respond", "hold-meeting", "follow-up" (and "STAGE_RESPOND" etc.).
absl::StatusOr<v1::Stage> ParseStage(const std::string& text);
std::string StageName(v1::Stage stage);

// "st-marys" or "schools/st-marys" → "schools/st-marys".
absl::StatusOr<std::string> SchoolName(const std::string& text);
// "st-marys" or "schools/st-marys" → "st-marys": the form token claims use.
absl::StatusOr<std::string> SchoolId(const std::string& text);
// "p-0001" or "schools/st-marys/pupils/p-0001" → "schools/st-marys/pupils/p-0001". A full name
// must belong to `school_name`.
absl::StatusOr<std::string> PupilName(const std::string& school_name, const std::string& text);
// The same for "schools/{school}/staff/{staff}".
absl::StatusOr<std::string> StaffName(const std::string& school_name, const std::string& text);
// The same for any collection inside a school: "schools/{school}/{collection}/{id}". With an
// empty `school_name`, only a full name is accepted (a bare id has no school to go in).
absl::StatusOr<std::string> ChildResourceName(const std::string& school_name, const std::string& collection,
                                              const std::string& text);
// The last segment of a resource name ("schools/a/pupils/p-1" → "p-1").
std::string LastSegment(const std::string& name);

// True when `text` names an instant by itself (RFC 3339 with "Z" or an offset); false when it is
// a local clock time that needs the school's zone.
bool IsAbsoluteTime(const std::string& text);

// An instant given as RFC 3339 ("2025-10-24T15:10:00Z", "2025-10-24T16:10:00+01:00") or as
// local clock time in `zone` ("2025-10-24 16:10", "2025-10-24T16:10", seconds optional). A
// local time the zone skips or repeats is resolved with the offset in force before the
// transition (clock rule 1 (docs/architecture.md#policy-clock-rules)).
absl::StatusOr<absl::Time> ParseTimeArg(const std::string& text, absl::TimeZone zone);

// A pause "START/END", each side as for ParseTimeArg; "START/" (or "START") is a pause still
// open. The end, when given, must not be before the start.
struct PauseArg {
  absl::Time start;
  std::optional<absl::Time> end;
};
absl::StatusOr<PauseArg> ParsePauseArg(const std::string& text, absl::TimeZone zone);

// A duration flag: "10s", "1h", "1h30m", "250ms". Must be positive.
absl::StatusOr<absl::Duration> ParseDurationArg(const std::string& flag, const std::string& text);

// An IANA zone, Europe/London when `name` is empty.
absl::StatusOr<absl::TimeZone> LoadZone(const std::string& name);

// A version 4 UUID in its canonical lower-case form, from 16 random bytes.
std::string FormatUuidV4(std::array<uint8_t, 16> bytes);
// A fresh request id: FormatUuidV4 of bytes from the system's random source.
std::string NewRequestId();

}  // namespace parley::ctl
