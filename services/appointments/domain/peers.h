// What the appointments service asks its peers, as plain types: the trust directory (who a pupil's
// SENCo is, a guardian's children, a member of staff's free time, the policy clock for a meeting
// request) and the conduct gate (may this meeting go ahead, and on what terms). Ports of the domain:
// implemented over the directory replica and gRPC in clients/, faked in testing/.
#pragma once

#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "common/calendar/calendar.h"
#include "common/directory/model.h"
#include "services/appointments/domain/availability.h"
#include "services/appointments/domain/meeting_request.h"

namespace parley::appointments {

// A guardian's link to a pupil: only their own children, and none a court order in force removes.
struct GuardianLink {
  std::string school_id;
  std::string pupil_id;
  bool excluded = false;  // a court order in force on the day asked removes contact or information
  int year_group = -1;    // the pupil's year group (0: reception); -1 when not known
};

// When a promise on a meeting request falls due (the policy clock of common/calendar, applied by
// the directory to the school's rule for the channel and stage).
struct PolicyDue {
  absl::Time clock_start;
  absl::Time due;
  std::string policy_text;       // the school's own words
  std::string owner;             // staff id whose calendar set it; empty: the school's
  std::string calendar_version;  // fingerprint of the calendar used
  std::string explanation;       // how `due` was reached
};

// What a member of staff's free time is made of between two instants, for FreeTime
// (domain/availability.h): their calendar and the school's teaching hours where the school says
// its staff teach then. The calendar is shared and immutable (the replica's snapshot keeps it).
struct StaffTime {
  std::shared_ptr<const calendar::Calendar> calendar;
  std::optional<calendar::HoursRange> teaching_hours;
};

class Directory {
 public:
  virtual ~Directory() = default;

  // NOT_FOUND (SCHOOL_NOT_FOUND) for a school the directory does not hold.
  virtual absl::StatusOr<absl::TimeZone> TimeZoneOf(const std::string& school_id) = 0;

  // NOT_FOUND (STAFF_NOT_FOUND) when `staff_id` is not on the school's staff on the day of `at`:
  // a teacher from another school is not found at this one.
  virtual absl::Status CheckStaff(const std::string& school_id, const std::string& staff_id, absl::Time at) = 0;

  // The member of staff holding `role` for the pupil (class teacher, head of year, SENCo, deputy,
  // head). NOT_FOUND (PUPIL_NOT_FOUND) for a pupil not on roll; FAILED_PRECONDITION
  // (NO_STAFF_FOR_ROLE) when the school has nobody in that role.
  virtual absl::StatusOr<std::string> StaffForRole(const std::string& school_id, const std::string& pupil_id,
                                                   WantedRole role) = 0;

  // The head of the school (told before a meeting the gate marks HEAD_INFORMED).
  virtual absl::StatusOr<std::string> HeadOf(const std::string& school_id) = 0;

  // Empty when the member has none.
  virtual absl::StatusOr<std::string> LineManagerOf(const std::string& school_id, const std::string& staff_id) = 0;

  // Every pupil `guardian_id` is linked to, at every school, as on the day of `at`; empty when the
  // directory knows no such guardian. Never cached: a link removed stops the next request.
  virtual absl::StatusOr<std::vector<GuardianLink>> LinksOfGuardian(const std::string& guardian_id, absl::Time at) = 0;

  // The guardians of a pupil, each once (separate copies for parents who live apart).
  virtual absl::StatusOr<std::vector<std::string>> GuardiansOf(const std::string& school_id,
                                                               const std::string& pupil_id) = 0;

  // NOT_FOUND (STAFF_NOT_FOUND) as CheckStaff.
  virtual absl::StatusOr<StaffTime> StaffTimeOf(const std::string& school_id, const std::string& staff_id) = 0;

  // The school's promise for `stage` of a meeting request (or a call, channel kPhone) received at
  // `received`, owed by `owner` (may be empty); nullopt where the policy promises none.
  virtual absl::StatusOr<std::optional<PolicyDue>> Due(const std::string& school_id, directory::Channel channel,
                                                       directory::Stage stage, absl::Time received,
                                                       const std::string& owner, const std::string& category) = 0;
};

// The conduct gate's answer for a meeting with a guardian (conduct's CheckCommunication with
// purpose MEETING), every part of it recorded on the booking.
struct MeetingGate {
  enum class Outcome { kAllow = 1, kDefer = 2, kRedirect = 3 };
  Outcome outcome = Outcome::kAllow;
  bool requires_second_staff = false;           // stays unconfirmed until a second member of staff attends
  bool head_informed = false;                   // the head gets a notice before the meeting
  bool off_site_only = false;                   // phone or video only
  std::string decision;                         // "schools/{school}/decisions/{id}"
  std::optional<absl::Time> next_allowed_time;  // DEFER
  std::string point_of_contact;                 // REDIRECT: who the guardian should contact instead
  std::string explanation;
};

struct MeetingGateQuestion {
  std::string school_id;
  std::string guardian_id;
  std::string staff_id;         // who the meeting is with
  absl::Time at;                // when the meeting would be held
  Mode mode = Mode::kInPerson;  // how: conduct judges the channel (in person, phone, video call)
  bool school_event = false;    // a parents' evening slot
  std::string request_id;       // one decision per caller and request id
};

class Gate {
 public:
  virtual ~Gate() = default;
  virtual absl::StatusOr<MeetingGate> CheckMeeting(const MeetingGateQuestion& question) = 0;
};

}  // namespace parley::appointments
