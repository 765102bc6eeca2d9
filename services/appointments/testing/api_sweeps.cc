#include "services/appointments/testing/api_sweeps.h"

#include "absl/strings/str_cat.h"
#include "common/calendar/testing/school_calendars.h"
#include "common/grpc/timestamp.h"

namespace parley::appointments::testing {

using calendar::testdata::LondonTime;
using S = v1::AppointmentsService::Stub;

// ---- requests ----------------------------------------------------------------------------------

v1::CreateMeetingRequestRequest SampleMeetingRequest(ApiHarness& h, const std::string& school) {
  v1::CreateMeetingRequestRequest req;
  req.set_parent(absl::StrCat("schools/", school));
  req.set_request_id(h.RequestId());
  v1::MeetingRequest* m = req.mutable_meeting_request();
  m->set_guardian("guardians/g-1");
  m->set_pupil(absl::StrCat("schools/", school, "/pupils/p-1"));
  m->set_topic("reading");
  m->add_want_staff(absl::StrCat("schools/", school, "/staff/t-1"));
  m->set_mode(v1::MEETING_MODE_IN_PERSON);
  *m->mutable_receive_time() = ToTimestamp(h.clock().Now() - absl::Minutes(1));
  return req;
}

v1::OfferTimesRequest SampleOffer(ApiHarness& h, const std::string& name, absl::Time start) {
  v1::OfferTimesRequest req;
  req.set_name(name);
  req.set_request_id(h.RequestId());
  *req.add_times() = Range(start, start + absl::Minutes(30));
  return req;
}

TenancySweep RequestRpcs(ApiHarness& h, const std::string& name) {
  const std::string parent = "schools/st-marys";
  const absl::Time at = LondonTime(2025, 12, 2, 15, 30);
  const v1::TimeRange half_hour = Range(at, at + absl::Minutes(30));
  ApiHarness* const hp = &h;
  return {
      {"ListAvailableSlots",
       [=](const std::string& t) {
         v1::ListAvailableSlotsRequest r;
         r.set_parent(parent);
         r.add_staff("schools/st-marys/staff/t-1");
         *r.mutable_window() = Range(at, at + absl::Hours(2));
         return hp->Call(&S::ListAvailableSlots, r, t);
       }},
      {"CreateMeetingRequest",
       [=](const std::string& t) { return hp->Call(&S::CreateMeetingRequest, SampleMeetingRequest(*hp), t); }},
      {"GetMeetingRequest",
       [=](const std::string& t) {
         v1::GetMeetingRequestRequest r;
         r.set_name(name);
         return hp->Call(&S::GetMeetingRequest, r, t);
       }},
      {"ListMeetingRequests",
       [=](const std::string& t) {
         v1::ListMeetingRequestsRequest r;
         r.set_parent(parent);
         return hp->Call(&S::ListMeetingRequests, r, t);
       }},
      {"ListMeetingRequestEvents",
       [=](const std::string& t) {
         v1::ListMeetingRequestEventsRequest r;
         r.set_parent(name);
         return hp->Call(&S::ListMeetingRequestEvents, r, t);
       }},
      {"OfferTimes", [=](const std::string& t) { return hp->Call(&S::OfferTimes, SampleOffer(*hp, name, at), t); }},
      {"CounterOffer",
       [=](const std::string& t) {
         v1::CounterOfferRequest r;
         r.set_name(name);
         r.set_request_id(hp->RequestId());
         *r.add_times() = half_hour;
         return hp->Call(&S::CounterOffer, r, t);
       }},
      {"AcceptTime",
       [=](const std::string& t) {
         v1::AcceptTimeRequest r;
         r.set_name(name);
         r.set_request_id(hp->RequestId());
         *r.mutable_time() = half_hour;
         return hp->Call(&S::AcceptTime, r, t);
       }},
      {"DeclineMeetingRequest",
       [=](const std::string& t) {
         v1::DeclineMeetingRequestRequest r;
         r.set_name(name);
         r.set_reason("not needed");
         r.set_request_id(hp->RequestId());
         return hp->Call(&S::DeclineMeetingRequest, r, t);
       }},
      {"WithdrawMeetingRequest",
       [=](const std::string& t) {
         v1::WithdrawMeetingRequestRequest r;
         r.set_name(name);
         r.set_request_id(hp->RequestId());
         return hp->Call(&S::WithdrawMeetingRequest, r, t);
       }},
  };
}

// ---- evenings ----------------------------------------------------------------------------------

absl::Time EveningAt(int hour, int minute) { return LondonTime(2025, 11, 12, hour, minute); }
absl::Time EveningBookingOpens() { return LondonTime(2025, 11, 3, 18, 0); }

v1::CreateParentsEveningRequest SampleEvening(ApiHarness& h, const std::string& teacher) {
  v1::CreateParentsEveningRequest req;
  req.set_parent("schools/st-marys");
  req.set_request_id(h.RequestId());
  v1::ParentsEvening* e = req.mutable_parents_evening();
  e->set_display_name("Year 7 parents' evening");
  *e->mutable_time() = Range(EveningAt(16), EveningAt(19));
  e->mutable_slot_length()->set_seconds(600);
  *e->mutable_booking_open_time() = ToTimestamp(EveningBookingOpens());
  for (const std::string& t : {teacher, std::string("schools/st-marys/staff/english")}) {
    v1::EveningTeacher* teacher_out = e->add_teachers();
    teacher_out->set_staff(t);
    *teacher_out->mutable_window() = Range(EveningAt(16), EveningAt(18));
    teacher_out->set_room("M1");
  }
  return req;
}

v1::HoldEveningSlotsRequest SampleHold(ApiHarness& h, const std::string& evening, const std::string& guardian,
                                       const std::string& pupil, absl::Time start) {
  v1::HoldEveningSlotsRequest req;
  req.set_parent(evening);
  req.set_guardian(absl::StrCat("guardians/", guardian));
  req.set_request_id(h.RequestId());
  v1::SlotChoice* c = req.add_slots();
  c->set_pupil(absl::StrCat("schools/st-marys/pupils/", pupil));
  c->set_staff("schools/st-marys/staff/maths");
  *c->mutable_time() = Range(start, start + absl::Minutes(10));
  return req;
}

TenancySweep EveningRpcs(ApiHarness& h) {
  const std::string missing = "schools/st-marys/parentsEvenings/no-such-evening";
  v1::GetParentsEveningRequest get;
  get.set_name(missing);
  v1::ListParentsEveningsRequest list;
  list.set_parent("schools/st-marys");
  v1::CancelParentsEveningRequest cancel;
  cancel.set_name(missing);
  cancel.set_reason("snow");
  cancel.set_request_id(h.RequestId());
  v1::ListEveningSlotsRequest slots;
  slots.set_parent(missing);
  const v1::HoldEveningSlotsRequest hold = SampleHold(h, missing, "ann", "p1", EveningAt(16));
  v1::ProposeEveningScheduleRequest propose;
  propose.set_parent(missing);
  propose.set_guardian("guardians/ann");
  *propose.mutable_available() = Range(EveningAt(16), EveningAt(19));
  propose.add_teachers()->set_pupil("schools/st-marys/pupils/p1");
  propose.mutable_teachers(0)->set_staff("schools/st-marys/staff/maths");
  // SlotChoice.time is declared required; a proposal ignores it (the times are Parley's to find).
  *propose.mutable_teachers(0)->mutable_time() = Range(EveningAt(16), EveningAt(19));
  propose.set_request_id(h.RequestId());
  v1::JoinWaitingListRequest join;
  join.set_parent(missing);
  join.mutable_entry()->set_guardian("guardians/ann");
  join.mutable_entry()->set_pupil("schools/st-marys/pupils/p1");
  join.mutable_entry()->set_staff("schools/st-marys/staff/maths");
  join.set_request_id(h.RequestId());
  v1::LeaveWaitingListRequest leave;
  leave.set_name(absl::StrCat(missing, "/waitingList/w-1"));
  leave.set_request_id(h.RequestId());
  v1::ListWaitingListRequest waiting;
  waiting.set_parent(missing);
  v1::SetHouseholdChoiceRequest choose;
  choose.set_parent(missing);
  choose.mutable_choice()->set_pupil("schools/st-marys/pupils/p1");
  choose.mutable_choice()->set_rule(v1::HOUSEHOLD_RULE_ONE_EACH);
  choose.set_request_id(h.RequestId());
  v1::GetTimetableRequest timetable;
  timetable.set_parent(missing);
  timetable.set_guardian("guardians/ann");
  const v1::CreateParentsEveningRequest create = SampleEvening(h);

  ApiHarness* const hp = &h;
  return {
      {"CreateParentsEvening", [=](const std::string& t) { return hp->Call(&S::CreateParentsEvening, create, t); }},
      {"GetParentsEvening", [=](const std::string& t) { return hp->Call(&S::GetParentsEvening, get, t); }},
      {"ListParentsEvenings", [=](const std::string& t) { return hp->Call(&S::ListParentsEvenings, list, t); }},
      {"CancelParentsEvening", [=](const std::string& t) { return hp->Call(&S::CancelParentsEvening, cancel, t); }},
      {"ListEveningSlots", [=](const std::string& t) { return hp->Call(&S::ListEveningSlots, slots, t); }},
      {"HoldEveningSlots", [=](const std::string& t) { return hp->Call(&S::HoldEveningSlots, hold, t); }},
      {"ProposeEveningSchedule",
       [=](const std::string& t) { return hp->Call(&S::ProposeEveningSchedule, propose, t); }},
      {"JoinWaitingList", [=](const std::string& t) { return hp->Call(&S::JoinWaitingList, join, t); }},
      {"LeaveWaitingList", [=](const std::string& t) { return hp->Call(&S::LeaveWaitingList, leave, t); }},
      {"ListWaitingList", [=](const std::string& t) { return hp->Call(&S::ListWaitingList, waiting, t); }},
      {"SetHouseholdChoice", [=](const std::string& t) { return hp->Call(&S::SetHouseholdChoice, choose, t); }},
      {"GetTimetable", [=](const std::string& t) { return hp->Call(&S::GetTimetable, timetable, t); }},
  };
}

// ---- records -----------------------------------------------------------------------------------

v1::CreateMeetingNoteRequest SampleNote(ApiHarness& h, const std::string& booking) {
  v1::CreateMeetingNoteRequest req;
  req.set_parent("schools/st-marys/bookings/" + booking);
  req.mutable_note()->set_record_type("parent_meeting");
  req.mutable_note()->set_body_ref("records://2026/114");
  req.mutable_note()->set_recording_not_permitted(true);
  req.set_request_id(h.RequestId());
  return req;
}

TenancySweep RecordsRpcs(ApiHarness& h) {
  v1::GetMeetingNoteRequest get_note;
  get_note.set_name("schools/st-marys/bookings/b-1/notes/n-missing");
  v1::ListMeetingNotesRequest list_notes;
  list_notes.set_parent("schools/st-marys/bookings/b-missing");
  v1::SetLegalHoldRequest hold;
  hold.set_name("schools/st-marys/bookings/b-1/notes/n-missing");
  hold.set_request_id(h.RequestId());
  v1::GetAppointmentSettingsRequest get_settings;
  get_settings.set_name("schools/st-marys/appointmentSettings");
  v1::UpdateAppointmentSettingsRequest update;
  update.mutable_settings()->set_name("schools/st-marys/appointmentSettings");
  update.mutable_update_mask()->add_paths("slot_step");
  update.set_request_id(h.RequestId());
  v1::CreateInterpreterRequest create_in;
  create_in.set_parent("schools/st-marys");
  create_in.mutable_interpreter()->set_display_name("Anna Nowak");
  create_in.mutable_interpreter()->add_languages("pl");
  create_in.set_request_id(h.RequestId());
  v1::ListInterpretersRequest list_in;
  list_in.set_parent("schools/st-marys");
  v1::DeleteInterpreterRequest delete_in;
  delete_in.set_name("schools/st-marys/interpreters/i-missing");
  delete_in.set_request_id(h.RequestId());
  v1::CreateAvailabilityExceptionRequest create_ex;
  create_ex.set_parent("schools/st-marys/staff/t-okafor");
  create_ex.set_date("2026-11-17");
  create_ex.mutable_availability_exception();
  create_ex.set_request_id(h.RequestId());
  v1::ListAvailabilityExceptionsRequest list_ex;
  list_ex.set_parent("schools/st-marys/staff/t-okafor");
  list_ex.set_start_date("2026-11-01");
  list_ex.set_end_date("2026-11-30");
  v1::DeleteAvailabilityExceptionRequest delete_ex;
  delete_ex.set_name("schools/st-marys/staff/t-okafor/availabilityExceptions/2026-11-17");
  delete_ex.set_request_id(h.RequestId());
  v1::GetSchoolStatsRequest stats;
  stats.set_school("schools/st-marys");
  *stats.mutable_start_time() = ToTimestamp(LondonTime(2026, 9, 1, 0, 0));
  *stats.mutable_end_time() = ToTimestamp(LondonTime(2026, 12, 1, 0, 0));

  ApiHarness* const hp = &h;
  return {
      {"CreateMeetingNote", [=](const std::string& t) { return hp->Call(&S::CreateMeetingNote, SampleNote(*hp), t); }},
      {"GetMeetingNote", [=](const std::string& t) { return hp->Call(&S::GetMeetingNote, get_note, t); }},
      {"ListMeetingNotes", [=](const std::string& t) { return hp->Call(&S::ListMeetingNotes, list_notes, t); }},
      {"SetLegalHold", [=](const std::string& t) { return hp->Call(&S::SetLegalHold, hold, t); }},
      {"GetAppointmentSettings",
       [=](const std::string& t) { return hp->Call(&S::GetAppointmentSettings, get_settings, t); }},
      {"UpdateAppointmentSettings",
       [=](const std::string& t) { return hp->Call(&S::UpdateAppointmentSettings, update, t); }},
      {"CreateInterpreter", [=](const std::string& t) { return hp->Call(&S::CreateInterpreter, create_in, t); }},
      {"ListInterpreters", [=](const std::string& t) { return hp->Call(&S::ListInterpreters, list_in, t); }},
      {"DeleteInterpreter", [=](const std::string& t) { return hp->Call(&S::DeleteInterpreter, delete_in, t); }},
      {"CreateAvailabilityException",
       [=](const std::string& t) { return hp->Call(&S::CreateAvailabilityException, create_ex, t); }},
      {"ListAvailabilityExceptions",
       [=](const std::string& t) { return hp->Call(&S::ListAvailabilityExceptions, list_ex, t); }},
      {"DeleteAvailabilityException",
       [=](const std::string& t) { return hp->Call(&S::DeleteAvailabilityException, delete_ex, t); }},
      {"GetSchoolStats", [=](const std::string& t) { return hp->Call(&S::GetSchoolStats, stats, t); }},
  };
}

// ---- bookings ----------------------------------------------------------------------------------

v1::CreateBookingRequest SampleBooking(ApiHarness& h, int hour, const std::string& guardian, const std::string& pupil) {
  v1::CreateBookingRequest req;
  req.set_parent("schools/woodgrange");
  req.set_request_id(h.RequestId());
  req.set_confirm(true);
  v1::Booking* b = req.mutable_booking();
  *b->mutable_time() = Range(LondonTime(2025, 12, 2, hour), LondonTime(2025, 12, 2, hour, 30));
  b->set_mode(v1::MEETING_MODE_IN_PERSON);
  b->add_guardians(absl::StrCat("guardians/", guardian));
  b->add_pupils(absl::StrCat("schools/woodgrange/pupils/", pupil));
  b->add_staff()->set_staff("schools/woodgrange/staff/t-ahmed");
  return req;
}

TenancySweep BookingRpcs(ApiHarness& h) {
  const std::string missing = "schools/woodgrange/bookings/no-such-booking";
  v1::GetBookingRequest get;
  get.set_name(missing);
  v1::ListBookingsRequest list;
  list.set_parent("schools/woodgrange");
  *list.mutable_window() = Range(LondonTime(2025, 12, 1, 0), LondonTime(2025, 12, 8, 0));
  v1::ConfirmBookingsRequest confirm;
  confirm.set_parent("schools/woodgrange");
  confirm.add_bookings(missing);
  confirm.set_request_id(h.RequestId());
  v1::AddAttendeeRequest add;
  add.set_name(missing);
  add.set_staff("schools/woodgrange/staff/t-brown");
  add.set_request_id(h.RequestId());
  v1::AssignInterpreterRequest assign;
  assign.set_name(missing);
  assign.set_interpreter("schools/woodgrange/interpreters/i-pl");
  assign.set_request_id(h.RequestId());
  v1::CancelBookingRequest cancel;
  cancel.set_name(missing);
  cancel.set_reason("staff ill");
  cancel.set_request_id(h.RequestId());
  v1::RecordOutcomeRequest outcome;
  outcome.set_name(missing);
  outcome.set_outcome(v1::BOOKING_STATE_ATTENDED);
  outcome.set_request_id(h.RequestId());
  const v1::CreateBookingRequest create = SampleBooking(h);

  ApiHarness* const hp = &h;
  return {
      {"CreateBooking", [=](const std::string& t) { return hp->Call(&S::CreateBooking, create, t); }},
      {"GetBooking", [=](const std::string& t) { return hp->Call(&S::GetBooking, get, t); }},
      {"ListBookings", [=](const std::string& t) { return hp->Call(&S::ListBookings, list, t); }},
      {"ConfirmBookings", [=](const std::string& t) { return hp->Call(&S::ConfirmBookings, confirm, t); }},
      {"AddAttendee", [=](const std::string& t) { return hp->Call(&S::AddAttendee, add, t); }},
      {"AssignInterpreter", [=](const std::string& t) { return hp->Call(&S::AssignInterpreter, assign, t); }},
      {"CancelBooking", [=](const std::string& t) { return hp->Call(&S::CancelBooking, cancel, t); }},
      {"RecordOutcome", [=](const std::string& t) { return hp->Call(&S::RecordOutcome, outcome, t); }},
  };
}

}  // namespace parley::appointments::testing
