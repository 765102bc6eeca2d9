#include "services/appointments/api/appointments_api.h"

namespace parley::appointments {

AppointmentsApi::AppointmentsApi(const Services& services, const auth::Verifier* verifier)
    : services_(services),
      edge_(verifier, api::Edge::ServiceNamed(v1::AppointmentsService::service_full_name()), AccessRules()) {}

const auth::RuleTable& AppointmentsApi::AccessRules() {
  using auth::Resource;
  constexpr auth::Verb kRead = auth::Verb::kRead, kChange = auth::Verb::kChange;
  static const auto* const rules = new auth::RuleTable{
      // --- requests ---
      {"ListAvailableSlots", {Resource::kAvailability, kRead}},
      {"CreateMeetingRequest", {Resource::kMeetingRequest, kChange}},
      {"GetMeetingRequest", {Resource::kMeetingRequest, kRead}},
      {"ListMeetingRequests", {Resource::kMeetingRequest, kRead}},
      {"ListMeetingRequestEvents", {Resource::kMeetingRequest, kRead}},
      {"OfferTimes", {Resource::kMeetingRequest, kChange}},
      {"CounterOffer", {Resource::kMeetingRequest, kChange}},
      {"AcceptTime", {Resource::kMeetingRequest, kChange}},
      {"DeclineMeetingRequest", {Resource::kMeetingRequest, kChange}},
      {"WithdrawMeetingRequest", {Resource::kMeetingRequest, kChange}},
      // --- end requests ---
      // --- bookings ---
      {"CreateBooking", {Resource::kBooking, kChange}},
      {"GetBooking", {Resource::kBooking, kRead}},
      {"ListBookings", {Resource::kBooking, kRead}},
      {"ConfirmBookings", {Resource::kBooking, kChange}},
      {"AddAttendee", {Resource::kBooking, kChange}},
      {"AssignInterpreter", {Resource::kBooking, kChange}},
      {"CancelBooking", {Resource::kBooking, kChange}},
      {"RecordOutcome", {Resource::kBooking, kChange}},
      // --- end bookings ---
      // --- evenings ---
      {"CreateParentsEvening", {Resource::kParentsEvening, kChange}},
      {"GetParentsEvening", {Resource::kParentsEvening, kRead}},
      {"ListParentsEvenings", {Resource::kParentsEvening, kRead}},
      {"CancelParentsEvening", {Resource::kParentsEvening, kChange}},
      {"ListEveningSlots", {Resource::kParentsEvening, kRead}},
      {"HoldEveningSlots", {Resource::kBooking, kChange}},
      {"ProposeEveningSchedule", {Resource::kBooking, kChange}},
      {"JoinWaitingList", {Resource::kBooking, kChange}},
      {"LeaveWaitingList", {Resource::kBooking, kChange}},
      {"ListWaitingList", {Resource::kBooking, kRead}},
      {"SetHouseholdChoice", {Resource::kBooking, kChange}},
      {"GetTimetable", {Resource::kBooking, kRead}},
      // --- end evenings ---
      // --- records ---
      {"CreateMeetingNote", {Resource::kMeetingNote, kChange}},
      {"GetMeetingNote", {Resource::kMeetingNote, kRead}},
      {"ListMeetingNotes", {Resource::kMeetingNote, kRead}},
      {"SetLegalHold", {Resource::kLegalHold, kChange}},
      {"GetAppointmentSettings", {Resource::kAppointmentSettings, kRead}},
      {"UpdateAppointmentSettings", {Resource::kAppointmentSettings, kChange}},
      {"CreateInterpreter", {Resource::kAppointmentSettings, kChange}},
      {"ListInterpreters", {Resource::kAppointmentSettings, kRead}},
      {"DeleteInterpreter", {Resource::kAppointmentSettings, kChange}},
      {"GetSchoolStats", {Resource::kStats, kRead}},
      {"CreateAvailabilityException", {Resource::kAvailability, kChange}},
      {"ListAvailabilityExceptions", {Resource::kAvailability, kRead}},
      {"DeleteAvailabilityException", {Resource::kAvailability, kChange}},
      // --- end records ---
  };
  return *rules;
}

}  // namespace parley::appointments
