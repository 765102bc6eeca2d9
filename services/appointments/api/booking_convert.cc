#include "services/appointments/api/booking_convert.h"

#include <utility>

#include "absl/strings/str_cat.h"
#include "common/grpc/api_edge.h"
#include "common/grpc/timestamp.h"
#include "common/status/reason.h"
#include "common/status/reasons.h"
#include "common/status/status_macros.h"

namespace parley::appointments {
namespace {

v1::BookingKind KindToProto(BookingKind k) {
  switch (k) {
    case BookingKind::kMeeting:
      return v1::BOOKING_KIND_MEETING;
    case BookingKind::kCall:
      return v1::BOOKING_KIND_CALL;
    case BookingKind::kEvening:
      return v1::BOOKING_KIND_EVENING_SLOT;
  }
  return v1::BOOKING_KIND_UNSPECIFIED;
}

v1::BookingState StateToProto(BookingState s) {
  switch (s) {
    case BookingState::kHeld:
      return v1::BOOKING_STATE_HELD;
    case BookingState::kConfirmed:
      return v1::BOOKING_STATE_CONFIRMED;
    case BookingState::kCancelled:
      return v1::BOOKING_STATE_CANCELLED;
    case BookingState::kNoShow:
      return v1::BOOKING_STATE_NO_SHOW;
    case BookingState::kLapsed:
      return v1::BOOKING_STATE_LAPSED;
    case BookingState::kAttended:
      return v1::BOOKING_STATE_ATTENDED;
    case BookingState::kMissedCall:
      return v1::BOOKING_STATE_MISSED_CALL;
  }
  return v1::BOOKING_STATE_UNSPECIFIED;
}

v1::MeetingMode ModeToProto(MeetingMode m) {
  switch (m) {
    case MeetingMode::kInPerson:
      return v1::MEETING_MODE_IN_PERSON;
    case MeetingMode::kPhone:
      return v1::MEETING_MODE_PHONE;
    case MeetingMode::kVideo:
      return v1::MEETING_MODE_VIDEO;
  }
  return v1::MEETING_MODE_UNSPECIFIED;
}

absl::StatusOr<MeetingMode> ModeFrom(v1::MeetingMode m) {
  switch (m) {
    case v1::MEETING_MODE_IN_PERSON:
      return MeetingMode::kInPerson;
    case v1::MEETING_MODE_PHONE:
      return MeetingMode::kPhone;
    case v1::MEETING_MODE_VIDEO:
      return MeetingMode::kVideo;
    default:
      return InvalidArgument(reason::kInvalidField, "booking.mode: IN_PERSON, PHONE or VIDEO");
  }
}

// What a held booking waits for, as the app shows it.
std::string WaitingText(const std::string& what) {
  if (what == kWaitingSecondStaff) return "a second member of staff must attend";
  if (what == kWaitingInterpreter) return "no interpreter";
  return what;
}

// A reference to something of the school: its id, or INVALID_ARGUMENT naming the field.
absl::StatusOr<std::string> ChildAt(const std::string& name, const char* collection, const std::string& school_id,
                                    const std::string& field) {
  PARLEY_ASSIGN_OR_RETURN(auto parsed, api::ParseSchoolChild(name, collection, field));
  if (parsed.first != school_id) {
    return InvalidArgument(reason::kCrossSchoolReference, absl::StrCat(field, ": must be of schools/", school_id));
  }
  return parsed.second;
}

}  // namespace

absl::StatusOr<std::string> StaffIdAt(const std::string& name, const std::string& school_id, const char* field) {
  return ChildAt(name, "staff", school_id, field);
}

absl::StatusOr<BookingState> OutcomeFrom(v1::BookingState state) {
  switch (state) {
    case v1::BOOKING_STATE_ATTENDED:
      return BookingState::kAttended;
    case v1::BOOKING_STATE_NO_SHOW:
      return BookingState::kNoShow;
    case v1::BOOKING_STATE_MISSED_CALL:
      return BookingState::kMissedCall;
    default:
      return InvalidArgument(reason::kInvalidField, "outcome: ATTENDED, NO_SHOW or MISSED_CALL");
  }
}

v1::Booking BookingToProto(const Booking& b, bool for_guardian) {
  v1::Booking out;
  const std::string school = absl::StrCat("schools/", b.school_id);
  out.set_name(absl::StrCat(school, "/bookings/", b.id));
  out.set_kind(KindToProto(b.kind));
  out.set_state(StateToProto(b.state));
  *out.mutable_time()->mutable_start_time() = ToTimestamp(b.during.start);
  *out.mutable_time()->mutable_end_time() = ToTimestamp(b.during.end);
  out.set_mode(ModeToProto(b.mode));
  out.set_video_link(b.video_link);
  for (const std::string& g : b.guardian_ids) out.add_guardians(absl::StrCat("guardians/", g));
  for (const std::string& p : b.pupil_ids) out.add_pupils(absl::StrCat(school, "/pupils/", p));
  for (const std::string& s : b.staff_ids) {
    v1::Attendee* a = out.add_staff();
    a->set_staff(absl::StrCat(school, "/staff/", s));
    if (auto it = b.staff_roles.find(s); it != b.staff_roles.end()) a->set_role(it->second);
  }
  if (!for_guardian) {
    for (const std::string& g : b.guests) out.add_guests()->set_description(g);
    for (const GateRecord& g : b.gate) {
      v1::GateRecord* r = out.add_gate();
      r->set_guardian(absl::StrCat("guardians/", g.guardian_id));
      r->set_decision(g.decision);
      for (const std::string& o : g.outcomes) r->add_outcomes(o);
      *r->mutable_decide_time() = ToTimestamp(g.decide_time);
    }
  }
  if (b.language) {
    out.mutable_interpreter()->set_language(*b.language);
    if (b.interpreter)
      out.mutable_interpreter()->set_interpreter(absl::StrCat(school, "/interpreters/", b.interpreter->id));
  }
  if (b.room) out.set_room(*b.room);
  if (b.state == BookingState::kHeld && b.hold_expires) *out.mutable_hold_expire_time() = ToTimestamp(*b.hold_expires);
  for (const std::string& w : b.waiting_for) out.add_waiting_for(WaitingText(w));
  if (b.meeting_request_id) {
    out.set_source(absl::StrCat(school, "/meetingRequests/", *b.meeting_request_id));
  } else if (b.evening_id) {
    out.set_source(absl::StrCat(school, "/parentsEvenings/", *b.evening_id));
  }
  out.set_etag(b.etag);
  *out.mutable_create_time() = ToTimestamp(b.create_time);
  *out.mutable_update_time() = ToTimestamp(b.update_time);
  return out;
}

absl::StatusOr<NewBooking> NewBookingFrom(const v1::CreateBookingRequest& req, const std::string& school_id) {
  const v1::Booking& b = req.booking();
  NewBooking in;
  in.school_id = school_id;
  switch (req.kind()) {
    case v1::BOOKING_KIND_UNSPECIFIED:
    case v1::BOOKING_KIND_MEETING:
      in.kind = BookingKind::kMeeting;
      break;
    case v1::BOOKING_KIND_CALL:
      in.kind = BookingKind::kCall;
      break;
    default:
      return InvalidArgument(reason::kInvalidField,
                             "kind: MEETING or CALL (parents' evening slots are held through the evening)");
  }
  if (!b.time().has_start_time() || !b.time().has_end_time()) {
    return InvalidArgument(reason::kInvalidField, "booking.time: start_time and end_time are required");
  }
  in.during = Interval{FromTimestamp(b.time().start_time()), FromTimestamp(b.time().end_time())};
  PARLEY_ASSIGN_OR_RETURN(in.mode, ModeFrom(b.mode()));
  in.video_link = b.video_link();
  for (int i = 0; i < b.guardians_size(); ++i) {
    PARLEY_ASSIGN_OR_RETURN(std::string g,
                            api::ParseGuardian(b.guardians(i), absl::StrCat("booking.guardians[", i, "]")));
    in.guardian_ids.push_back(std::move(g));
  }
  for (int i = 0; i < b.pupils_size(); ++i) {
    PARLEY_ASSIGN_OR_RETURN(std::string p,
                            ChildAt(b.pupils(i), "pupils", school_id, absl::StrCat("booking.pupils[", i, "]")));
    in.pupil_ids.push_back(std::move(p));
  }
  for (int i = 0; i < b.staff_size(); ++i) {
    PARLEY_ASSIGN_OR_RETURN(
        std::string s, ChildAt(b.staff(i).staff(), "staff", school_id, absl::StrCat("booking.staff[", i, "].staff")));
    in.staff.push_back(StaffAttendee{std::move(s)});  // role is output only: named staff
  }
  for (const v1::Guest& g : b.guests()) in.guests.push_back(g.description());
  if (b.has_interpreter()) {
    in.language = b.interpreter().language();
    if (!b.interpreter().interpreter().empty()) {
      PARLEY_ASSIGN_OR_RETURN(in.interpreter_id, ChildAt(b.interpreter().interpreter(), "interpreters", school_id,
                                                         "booking.interpreter.interpreter"));
    }
  }
  if (!b.room().empty()) in.room = b.room();
  in.confirm = req.confirm();
  in.held = req.held();
  return in;
}

}  // namespace parley::appointments
