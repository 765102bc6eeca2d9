// What parleyctl's meetings and evenings commands accept on the command line, and the names they
// print, for parley.appointments.v1 values: meeting modes, request states and events, booking
// states, clocks, evening states and household rules; time ranges, evening slots and teachers.
// Pure functions, so the rules can be tested without a server. Enum names are lower case with '-'
// as for conduct and enquiries (named_enum.h).
#pragma once

#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/time/civil_time.h"
#include "absl/time/time.h"
#include "parley/appointments/v1/appointments_service.pb.h"

namespace parley::ctl {

namespace av1 = ::parley::appointments::v1;

// in-person, phone, video.
absl::StatusOr<av1::MeetingMode> ParseMeetingMode(const std::string& text);
std::string MeetingModeName(av1::MeetingMode mode);
// open, offered, booked, held, declined, cancelled, no-show, withdrawn, missed.
absl::StatusOr<av1::MeetingRequestState> ParseMeetingRequestState(const std::string& text);
std::string MeetingRequestStateName(av1::MeetingRequestState state);
std::string MeetingRequestKindName(av1::MeetingRequestKind kind);
std::string MeetingEventKindName(av1::MeetingRequestEventKind kind);
// attended, no-show, missed-call: the outcomes RecordOutcome takes.
absl::StatusOr<av1::BookingState> ParseBookingOutcome(const std::string& text);
std::string BookingStateName(av1::BookingState state);
std::string BookingKindName(av1::BookingKind kind);
std::string AppointmentClockKindName(av1::ClockKind kind);
std::string AppointmentClockStateName(av1::ClockState state);
std::string EveningStateName(av1::EveningState state);
// one-per-household, one-each.
absl::StatusOr<av1::HouseholdRule> ParseHouseholdRule(const std::string& text);
std::string HouseholdRuleName(av1::HouseholdRule rule);

// A clock time of day, "HH:MM" (24-hour).
absl::StatusOr<absl::CivilMinute> ParseClockTime(absl::CivilDay day, const std::string& text);
// The instant a school-local civil time names; a time the zone skips or repeats is read with the
// offset in force before the change, as ParseTimeArg does.
absl::Time LocalInstant(absl::CivilMinute minute, absl::TimeZone zone);

// A span "START/END": START as ParseTimeArg reads it, END the same or "HH:MM" on START's local
// day; or "START" alone with `length`. END must be after START.
struct TimeRangeArg {
  absl::Time start;
  absl::Time end;
};
absl::StatusOr<TimeRangeArg> ParseTimeRangeArg(const std::string& text, absl::TimeZone zone,
                                               std::optional<absl::Duration> length);
// The form of a span, before the zone is known: what the command checks before any call.
absl::Status CheckTimeRangeArg(const std::string& text, bool has_length);
// True when the span names a local time (the school's zone is needed to read it).
bool TimeRangeIsLocal(const std::string& text);

// One slot to book at an evening: "PUPIL,STAFF,TIME", TIME "HH:MM" on the evening's date or an
// instant. Ids or full names.
struct EveningSlotArg {
  std::string pupil;
  std::string staff;
  std::string time;
};
absl::StatusOr<EveningSlotArg> ParseEveningSlotArg(const std::string& text);

// A teacher to see, for `evenings propose`: "PUPIL,STAFF".
struct EveningTeacherChoiceArg {
  std::string pupil;
  std::string staff;
};
absl::StatusOr<EveningTeacherChoiceArg> ParseEveningTeacherChoiceArg(const std::string& text);

// A teacher taking part: "STAFF[,room=R][,from=HH:MM][,to=HH:MM][,break=HH:MM-HH:MM]..."; the
// window defaults to the whole evening.
struct EveningTeacherArg {
  std::string staff;
  std::string room;
  std::string from;  // "HH:MM", empty: the evening's start
  std::string to;
  std::vector<std::pair<std::string, std::string>> breaks;
};
absl::StatusOr<EveningTeacherArg> ParseEveningTeacherArg(const std::string& text);

// ---- the options of the meetings and evenings commands (Ctl methods in commands.h) ----

struct MeetingRequestOptions {
  std::string school;
  std::string guardian;
  std::string pupil;
  std::string topic;
  std::vector<std::string> staff;  // asked for by name
  std::vector<std::string> roles;  // resolved for the pupil
  std::string mode;                // in-person|phone|video
  bool call = false;               // an arranged call rather than a meeting
  std::string interpreter;         // a language
  std::string received;            // empty: now
  std::string enquiry;             // the enquiry that led to it
};

// The verbs on one meeting request, and on one booking.
struct MeetingActionOptions {
  std::string school;
  std::string name;
  std::vector<std::string> times;  // offer: spans; accept: one span
  std::string length;              // with a span given by its start
  int offered = 0;                 // accept: the Nth time on offer (1-based) instead of --time
  std::vector<std::string> staff;  // offer: who will attend
  std::string mode;                // accept
  std::string reason;              // decline, cancel
  std::string outcome;             // outcome: attended|no-show|missed-call
  std::string etag;                // empty: the one just read
};

struct MeetingBookOptions {
  std::string school;
  std::vector<std::string> guardians;
  std::vector<std::string> pupils;
  std::vector<std::string> staff;
  std::string time;
  std::string length;
  std::string mode = "in-person";
  bool call = false;
  std::string room;
  std::string video_link;
  std::string interpreter;
  std::vector<std::string> guests;
  bool hold = false;  // leave it HELD instead of confirming at once
  bool held = false;  // a meeting that took place, recorded afterwards (ATTENDED)
};

struct MeetingListOptions {
  std::string school;
  std::string state;
  std::string owner;
  bool breached = false;
  int page_size = 0;
  std::string page_token;
};

struct MeetingNoteOptions {
  std::string school;
  std::string name;  // the booking (list, add) or the note (hold)
  std::string record_type = "parent_meeting";
  std::string body_ref;
  bool recording_not_permitted = false;
  bool release = false;  // hold: clear the legal hold
  std::string etag;
};

// Free time of staff together (ListAvailableSlots).
struct MeetingSlotsOptions {
  std::string school;
  std::vector<std::string> staff;
  std::string from;  // a time; empty: now
  std::string to;    // a time; empty: a week after --from
  std::string length;
  std::string guardian;
  int limit = 0;  // 0: the service's default
};

// One rule of the school's records-disposal schedule for meeting notes.
struct RetentionOptions {
  std::string school;
  std::string record_type;
  int years = 0;
  int until_age = 0;
  std::string text;
};

struct EveningCreateOptions {
  std::string school;
  std::string display_name;
  std::string date;  // YYYY-MM-DD
  std::string from;  // HH:MM
  std::string to;
  std::string slot = "10m";
  std::string interpreted;
  std::string walk;
  std::vector<std::string> teachers;
  std::vector<int> year_groups;
  std::string opens;  // a time; `evenings open`: now
  std::string closes;
  std::string hold_length;
  int max_per_guardian = 0;
  std::string household;
};

struct EveningOptions {
  std::string school;
  std::string evening;
  std::string staff;
  std::string guardian;
  bool free_only = false;
  std::vector<std::string> slots;     // book
  std::vector<std::string> teachers;  // propose: PUPIL,STAFF
  std::string from;                   // propose: HH:MM or a time
  std::string to;
  std::string interpreter;
  bool hold = false;
  std::string reason;
  std::string etag;
  int page_size = 0;
  std::string page_token;
};

}  // namespace parley::ctl
