#include "services/appointments/api/request_convert.h"

#include <utility>

#include "absl/strings/str_cat.h"
#include "common/grpc/api_edge.h"
#include "common/grpc/timestamp.h"
#include "common/status/reason.h"
#include "common/status/reasons.h"
#include "common/status/status_macros.h"

namespace parley::appointments {
namespace {

// The role names of the proto ("senco"), as the directory resolves them for a pupil.
struct RoleName {
  const char* name;
  WantedRole role;
};
constexpr RoleName kRoles[] = {
    {"class_teacher", WantedRole::kClassTeacher},
    {"head_of_year", WantedRole::kHeadOfYear},
    {"senco", WantedRole::kSenco},
    {"deputy_head", WantedRole::kDeputy},
    {"headteacher", WantedRole::kHead},
};

const char* RoleNameOf(WantedRole role) {
  for (const RoleName& r : kRoles) {
    if (r.role == role) return r.name;
  }
  return "";
}

v1::Clock ClockToProto(const RequestClock& c) {
  v1::Clock out;
  out.set_kind(static_cast<v1::ClockKind>(c.kind));
  *out.mutable_start_time() = ToTimestamp(c.clock_start);
  *out.mutable_due_time() = ToTimestamp(c.due);
  out.set_state(static_cast<v1::ClockState>(c.state));
  out.set_policy_text(c.policy_text);
  out.set_explanation(c.explanation);
  return out;
}

std::string SchoolName(const MeetingRequest& r) { return absl::StrCat("schools/", r.school_id); }

}  // namespace

absl::StatusOr<std::pair<std::string, std::string>> MeetingRequestName(const std::string& name, const char* field) {
  return api::ParseSchoolChild(name, "meetingRequests", field);
}

absl::StatusOr<Interval> TimeRangeToInterval(const v1::TimeRange& range, const std::string& field) {
  if (!range.has_start_time() || !range.has_end_time()) {
    return InvalidArgument(reason::kInvalidField, absl::StrCat(field, ": start_time and end_time are required"));
  }
  return Interval{FromTimestamp(range.start_time()), FromTimestamp(range.end_time())};
}

v1::TimeRange IntervalToTimeRange(const Interval& i) {
  v1::TimeRange out;
  *out.mutable_start_time() = ToTimestamp(i.start);
  *out.mutable_end_time() = ToTimestamp(i.end);
  return out;
}

std::optional<Mode> RequestModeFrom(v1::MeetingMode mode) {
  switch (mode) {
    case v1::MEETING_MODE_IN_PERSON:
      return Mode::kInPerson;
    case v1::MEETING_MODE_PHONE:
      return Mode::kPhone;
    case v1::MEETING_MODE_VIDEO:
      return Mode::kVideo;
    default:
      return std::nullopt;
  }
}

absl::StatusOr<std::string> RequestStaffId(const std::string& name, const std::string& school_id,
                                           const std::string& field) {
  PARLEY_ASSIGN_OR_RETURN(auto parsed, api::ParseSchoolChild(name, "staff", field));
  if (parsed.first != school_id) {
    return InvalidArgument(reason::kCrossSchoolReference, absl::StrCat(field, ": must be of schools/", school_id));
  }
  return parsed.second;
}

std::optional<RequestState> RequestStateFrom(v1::MeetingRequestState state) {
  if (state == v1::MEETING_REQUEST_STATE_UNSPECIFIED) return std::nullopt;
  return static_cast<RequestState>(state);
}

v1::MeetingRequest MeetingRequestToProto(const StoredRequest& stored) {
  const MeetingRequest& r = stored.request;
  const std::string school = SchoolName(r);
  v1::MeetingRequest out;
  out.set_name(absl::StrCat(school, "/meetingRequests/", r.id));
  out.set_guardian(absl::StrCat("guardians/", r.guardian));
  if (!r.pupils.empty()) out.set_pupil(absl::StrCat(school, "/pupils/", r.pupils.front()));
  out.set_topic(r.topic);
  for (const WantedPerson& w : r.wanted) {
    if (w.role == WantedRole::kNamed) {
      out.add_want_staff(absl::StrCat(school, "/staff/", w.staff));
    } else {
      out.add_want_roles(RoleNameOf(w.role));
    }
  }
  if (!r.modes.empty()) out.set_mode(static_cast<v1::MeetingMode>(r.modes.front()));
  out.set_kind(r.kind == RequestKind::kCall ? v1::MEETING_REQUEST_KIND_CALL : v1::MEETING_REQUEST_KIND_MEETING);
  *out.mutable_receive_time() = ToTimestamp(r.received_at);
  out.set_enquiry(r.enquiry);
  out.set_state(static_cast<v1::MeetingRequestState>(r.state));
  out.set_owner(absl::StrCat(school, "/staff/", r.owner));
  for (const MeetingSlot& s : r.offered) *out.add_offered() = IntervalToTimeRange(s.time);
  if (!r.booking_id.empty()) out.set_booking(absl::StrCat(school, "/bookings/", r.booking_id));
  for (const std::optional<RequestClock>* c : {&r.answer, &r.hold, &r.call_back}) {
    if (c->has_value()) *out.add_clocks() = ClockToProto(**c);
  }
  out.set_etag(RequestEtag(stored.version));
  *out.mutable_create_time() = ToTimestamp(stored.create_time);
  *out.mutable_update_time() = ToTimestamp(stored.update_time);
  return out;
}

v1::MeetingRequestEvent RequestEventToProto(const MeetingRequest& r, const RequestEvent& e) {
  const std::string school = SchoolName(r);
  v1::MeetingRequestEvent out;
  out.set_name(absl::StrCat(school, "/meetingRequests/", r.id, "/events/", e.seq));
  out.set_kind(static_cast<v1::MeetingRequestEventKind>(e.kind));
  *out.mutable_event_time() = ToTimestamp(e.at);
  out.set_actor(e.actor);
  for (const MeetingSlot& s : e.slots) *out.add_times() = IntervalToTimeRange(s.time);
  for (const Interval& i : e.proposed) *out.add_times() = IntervalToTimeRange(i);
  if (e.slot) *out.add_times() = IntervalToTimeRange(e.slot->time);
  if (!e.booking_id.empty()) out.set_booking(absl::StrCat(school, "/bookings/", e.booking_id));
  switch (e.kind) {
    case RequestEventKind::kAnswerBreached:
      out.set_clock(v1::CLOCK_KIND_ANSWER);
      break;
    case RequestEventKind::kHoldBreached:
      out.set_clock(v1::CLOCK_KIND_HOLD);
      break;
    case RequestEventKind::kCallMissed:
    case RequestEventKind::kCallBackBreached:
      out.set_clock(v1::CLOCK_KIND_CALL_BACK);
      break;
    default:
      break;
  }
  out.set_reason(e.reason);
  return out;
}

absl::StatusOr<NewMeetingRequest> NewMeetingRequestFrom(const v1::MeetingRequest& in, const std::string& school_id) {
  NewMeetingRequest out;
  out.school_id = school_id;
  PARLEY_ASSIGN_OR_RETURN(out.guardian, api::ParseGuardian(in.guardian(), "meeting_request.guardian"));
  PARLEY_ASSIGN_OR_RETURN(auto pupil, api::ParseSchoolChild(in.pupil(), "pupils", "meeting_request.pupil"));
  if (pupil.first != school_id) {
    return InvalidArgument(reason::kCrossSchoolReference,
                           absl::StrCat("meeting_request.pupil: must be of schools/", school_id));
  }
  out.pupil = pupil.second;
  out.topic = in.topic();
  for (int i = 0; i < in.want_staff_size(); ++i) {
    PARLEY_ASSIGN_OR_RETURN(std::string staff, RequestStaffId(in.want_staff(i), school_id,
                                                              absl::StrCat("meeting_request.want_staff[", i, "]")));
    out.want_staff.push_back(std::move(staff));
  }
  for (int i = 0; i < in.want_roles_size(); ++i) {
    bool known = false;
    for (const RoleName& r : kRoles) {
      if (in.want_roles(i) == r.name) {
        out.want_roles.push_back(r.role);
        known = true;
      }
    }
    if (!known) {
      return InvalidArgument(reason::kInvalidField,
                             absl::StrCat("meeting_request.want_roles[", i,
                                          "]: one of class_teacher, head_of_year, senco, deputy_head, headteacher"));
    }
  }
  if (std::optional<Mode> mode = RequestModeFrom(in.mode())) out.modes = {*mode};
  out.kind = in.kind() == v1::MEETING_REQUEST_KIND_CALL ? RequestKind::kCall : RequestKind::kMeeting;
  if (!in.interpreter_language().empty()) {
    // The requests' store keeps no language yet: refused rather than dropped (an interpreter is
    // booked with the booking: AssignInterpreter).
    return InvalidArgument(reason::kInvalidField,
                           "meeting_request.interpreter_language is not taken on a request yet: add the interpreter "
                           "to the booking");
  }
  if (!in.has_receive_time()) return InvalidArgument(reason::kInvalidField, "meeting_request.receive_time is required");
  out.received_at = FromTimestamp(in.receive_time());
  out.enquiry = in.enquiry();
  return out;
}

}  // namespace parley::appointments
