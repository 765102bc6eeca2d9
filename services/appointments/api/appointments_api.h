// The parley.appointments.v1 gRPC service: every call goes through the one API edge (api::Edge:
// authentication, the request's declared checks, statuses with their reasons), then tenancy and
// reach before anything is looked up, the request's own shape, proto ⇄ domain, and one use case of
// the slice's domain service (reads included: nothing here touches a store). Sync API: a call
// blocks on conduct and PostgreSQL inside the server's bounded thread pool.
//
// The service has four slices, each with its own domain service and its own handlers file:
// requests (api/request_api.cc), evenings (api/evening_api.cc), records (api/records_api.cc) and
// bookings (api/booking_api.cc). Who may do what is the access model (common/auth/access.h;
// AccessRules() states each method's rule); the table in words is in services/appointments/README.md.
#pragma once

#include "common/auth/auth.h"
#include "common/grpc/api_edge.h"
#include "parley/appointments/v1/appointments_service.grpc.pb.h"

namespace parley::appointments {

namespace v1 = ::parley::appointments::v1;

class RequestService;
class EveningService;
class RecordsService;
class BookingService;

// The domain services the handlers call; each outlives the API.
struct Services {
  RequestService* requests = nullptr;
  EveningService* evenings = nullptr;
  RecordsService* records = nullptr;
  BookingService* bookings = nullptr;
};

class AppointmentsApi final : public v1::AppointmentsService::Service {
 public:
  AppointmentsApi(const Services& services, const auth::Verifier* verifier);

  // The access rule of every method (common/auth/access.h; docs/security.md).
  static const auth::RuleTable& AccessRules();

  // --- requests (api/request_api.cc) ---
  grpc::Status ListAvailableSlots(grpc::ServerContext* ctx, const v1::ListAvailableSlotsRequest* req,
                                  v1::ListAvailableSlotsResponse* resp) override;
  grpc::Status CreateMeetingRequest(grpc::ServerContext* ctx, const v1::CreateMeetingRequestRequest* req,
                                    v1::MeetingRequest* resp) override;
  grpc::Status GetMeetingRequest(grpc::ServerContext* ctx, const v1::GetMeetingRequestRequest* req,
                                 v1::MeetingRequest* resp) override;
  grpc::Status ListMeetingRequests(grpc::ServerContext* ctx, const v1::ListMeetingRequestsRequest* req,
                                   v1::ListMeetingRequestsResponse* resp) override;
  grpc::Status ListMeetingRequestEvents(grpc::ServerContext* ctx, const v1::ListMeetingRequestEventsRequest* req,
                                        v1::ListMeetingRequestEventsResponse* resp) override;
  grpc::Status OfferTimes(grpc::ServerContext* ctx, const v1::OfferTimesRequest* req,
                          v1::MeetingRequest* resp) override;
  grpc::Status CounterOffer(grpc::ServerContext* ctx, const v1::CounterOfferRequest* req,
                            v1::MeetingRequest* resp) override;
  grpc::Status AcceptTime(grpc::ServerContext* ctx, const v1::AcceptTimeRequest* req,
                          v1::MeetingRequest* resp) override;
  grpc::Status DeclineMeetingRequest(grpc::ServerContext* ctx, const v1::DeclineMeetingRequestRequest* req,
                                     v1::MeetingRequest* resp) override;
  grpc::Status WithdrawMeetingRequest(grpc::ServerContext* ctx, const v1::WithdrawMeetingRequestRequest* req,
                                      v1::MeetingRequest* resp) override;

  // --- end requests ---

  // --- evenings (api/evening_api.cc) ---
  grpc::Status CreateParentsEvening(grpc::ServerContext* ctx, const v1::CreateParentsEveningRequest* req,
                                    v1::ParentsEvening* resp) override;
  grpc::Status GetParentsEvening(grpc::ServerContext* ctx, const v1::GetParentsEveningRequest* req,
                                 v1::ParentsEvening* resp) override;
  grpc::Status ListParentsEvenings(grpc::ServerContext* ctx, const v1::ListParentsEveningsRequest* req,
                                   v1::ListParentsEveningsResponse* resp) override;
  grpc::Status CancelParentsEvening(grpc::ServerContext* ctx, const v1::CancelParentsEveningRequest* req,
                                    v1::ParentsEvening* resp) override;
  grpc::Status ListEveningSlots(grpc::ServerContext* ctx, const v1::ListEveningSlotsRequest* req,
                                v1::ListEveningSlotsResponse* resp) override;
  grpc::Status HoldEveningSlots(grpc::ServerContext* ctx, const v1::HoldEveningSlotsRequest* req,
                                v1::HoldEveningSlotsResponse* resp) override;
  grpc::Status ProposeEveningSchedule(grpc::ServerContext* ctx, const v1::ProposeEveningScheduleRequest* req,
                                      v1::HoldEveningSlotsResponse* resp) override;
  grpc::Status JoinWaitingList(grpc::ServerContext* ctx, const v1::JoinWaitingListRequest* req,
                               v1::WaitingListEntry* resp) override;
  grpc::Status LeaveWaitingList(grpc::ServerContext* ctx, const v1::LeaveWaitingListRequest* req,
                                google::protobuf::Empty* resp) override;
  grpc::Status ListWaitingList(grpc::ServerContext* ctx, const v1::ListWaitingListRequest* req,
                               v1::ListWaitingListResponse* resp) override;
  grpc::Status SetHouseholdChoice(grpc::ServerContext* ctx, const v1::SetHouseholdChoiceRequest* req,
                                  v1::HouseholdChoice* resp) override;
  grpc::Status GetTimetable(grpc::ServerContext* ctx, const v1::GetTimetableRequest* req, v1::Timetable* resp) override;

  // --- end evenings ---

  // --- records (api/records_api.cc) ---
  grpc::Status CreateMeetingNote(grpc::ServerContext* ctx, const v1::CreateMeetingNoteRequest* req,
                                 v1::MeetingNote* resp) override;
  grpc::Status GetMeetingNote(grpc::ServerContext* ctx, const v1::GetMeetingNoteRequest* req,
                              v1::MeetingNote* resp) override;
  grpc::Status ListMeetingNotes(grpc::ServerContext* ctx, const v1::ListMeetingNotesRequest* req,
                                v1::ListMeetingNotesResponse* resp) override;
  grpc::Status SetLegalHold(grpc::ServerContext* ctx, const v1::SetLegalHoldRequest* req,
                            v1::MeetingNote* resp) override;
  grpc::Status GetAppointmentSettings(grpc::ServerContext* ctx, const v1::GetAppointmentSettingsRequest* req,
                                      v1::AppointmentSettings* resp) override;
  grpc::Status UpdateAppointmentSettings(grpc::ServerContext* ctx, const v1::UpdateAppointmentSettingsRequest* req,
                                         v1::AppointmentSettings* resp) override;
  grpc::Status CreateInterpreter(grpc::ServerContext* ctx, const v1::CreateInterpreterRequest* req,
                                 v1::Interpreter* resp) override;
  grpc::Status ListInterpreters(grpc::ServerContext* ctx, const v1::ListInterpretersRequest* req,
                                v1::ListInterpretersResponse* resp) override;
  grpc::Status DeleteInterpreter(grpc::ServerContext* ctx, const v1::DeleteInterpreterRequest* req,
                                 google::protobuf::Empty* resp) override;
  grpc::Status CreateAvailabilityException(grpc::ServerContext* ctx, const v1::CreateAvailabilityExceptionRequest* req,
                                           v1::AvailabilityException* resp) override;
  grpc::Status ListAvailabilityExceptions(grpc::ServerContext* ctx, const v1::ListAvailabilityExceptionsRequest* req,
                                          v1::ListAvailabilityExceptionsResponse* resp) override;
  grpc::Status DeleteAvailabilityException(grpc::ServerContext* ctx, const v1::DeleteAvailabilityExceptionRequest* req,
                                           google::protobuf::Empty* resp) override;
  grpc::Status GetSchoolStats(grpc::ServerContext* ctx, const v1::GetSchoolStatsRequest* req,
                              v1::SchoolStats* resp) override;

  // --- end records ---

  // --- bookings (api/booking_api.cc) ---
  grpc::Status CreateBooking(grpc::ServerContext* ctx, const v1::CreateBookingRequest* req, v1::Booking* resp) override;
  grpc::Status GetBooking(grpc::ServerContext* ctx, const v1::GetBookingRequest* req, v1::Booking* resp) override;
  grpc::Status ListBookings(grpc::ServerContext* ctx, const v1::ListBookingsRequest* req,
                            v1::ListBookingsResponse* resp) override;
  grpc::Status ConfirmBookings(grpc::ServerContext* ctx, const v1::ConfirmBookingsRequest* req,
                               v1::ConfirmBookingsResponse* resp) override;
  grpc::Status AddAttendee(grpc::ServerContext* ctx, const v1::AddAttendeeRequest* req, v1::Booking* resp) override;
  grpc::Status AssignInterpreter(grpc::ServerContext* ctx, const v1::AssignInterpreterRequest* req,
                                 v1::Booking* resp) override;
  grpc::Status CancelBooking(grpc::ServerContext* ctx, const v1::CancelBookingRequest* req, v1::Booking* resp) override;
  grpc::Status RecordOutcome(grpc::ServerContext* ctx, const v1::RecordOutcomeRequest* req, v1::Booking* resp) override;

  // --- end bookings ---

 private:
  const Services services_;
  const api::Edge edge_;
};

}  // namespace parley::appointments
