// The records slice's handlers: meeting notes (the school's staff; a teacher the notes of meetings
// they attend; legal holds senior leaders and the DSL), appointment settings and interpreters,
// per-date availability exceptions (a teacher their own), and the school's figures. Tenancy first:
// another school's caller is PERMISSION_DENIED before anything is looked up.
#include <set>
#include <string>
#include <utility>
#include <vector>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "common/auth/access.h"
#include "common/grpc/api_edge.h"
#include "common/grpc/timestamp.h"
#include "common/status/reason.h"
#include "common/status/reasons.h"
#include "common/status/status_macros.h"
#include "common/version/version.h"
#include "services/appointments/api/appointments_api.h"
#include "services/appointments/api/records_convert.h"
#include "services/appointments/domain/records_service.h"

namespace parley::appointments {
namespace {

constexpr char kService[] = "appointments";

absl::Status RoleRequired() {
  return PermissionDenied(reason::kRoleRequired, "the caller's role does not allow this operation");
}

// The caller's staff id at `school_id` when their name is "schools/{school}/staff/{staff}"; "".
std::string StaffIdOf(const auth::Grant& caller, const std::string& school_id) {
  const std::string prefix = absl::StrCat("schools/", school_id, "/staff/");
  if (!absl::StartsWith(caller.subject(), prefix)) return "";
  return caller.subject().substr(prefix.size());
}

// Notes the caller reaches at the school: all (school or trust reach), or a teacher's (reach kOwn)
// of the meetings they attend. Nobody else (guardians have no rule reaching notes at all).
absl::StatusOr<NoteScope> NotesAt(const auth::Grant& caller, const std::string& school_id) {
  PARLEY_ASSIGN_OR_RETURN(auth::Reach reach, caller.At(school_id));
  if (reach >= auth::Reach::kSchool) return NoteScope::School();
  const std::string staff_id = StaffIdOf(caller, school_id);
  if (reach == auth::Reach::kOwn && !staff_id.empty()) return NoteScope::AttendedBy(staff_id);
  return RoleRequired();
}

// Exceptions of `staff_name` ("schools/{school}/staff/{staff}"): the school's (school or trust
// reach), or a member of staff's own (reach kOwn).
absl::Status ExceptionsAt(const auth::Grant& caller, const std::string& school_id, const std::string& staff_name) {
  PARLEY_ASSIGN_OR_RETURN(auth::Reach reach, caller.At(school_id));
  if (reach >= auth::Reach::kSchool) return absl::OkStatus();
  if (reach == auth::Reach::kOwn && caller.IsSelf(staff_name)) return absl::OkStatus();
  return RoleRequired();
}

// Whether any of the caller's roles may set a legal hold (SetLegalHold's rule), the school's
// tenancy having been checked already.
bool MaySetLegalHold(const auth::Grant& caller) {
  for (const std::string& role : caller.principal().roles) {
    if (auth::RoleReach(role, auth::Resource::kLegalHold, auth::Verb::kChange) >= auth::Reach::kSchool) return true;
  }
  return false;
}

absl::StatusOr<std::pair<std::string, std::string>> ParseBooking(const std::string& name, const std::string& field) {
  PARLEY_ASSIGN_OR_RETURN(std::vector<std::string> parts,
                          api::ParseName("schools/{school}/bookings/{booking}", name, field));
  return std::make_pair(parts[0], parts[1]);
}

struct NoteName {
  std::string school_id, booking_id, id;
};

absl::StatusOr<NoteName> ParseNote(const std::string& name, const std::string& field) {
  PARLEY_ASSIGN_OR_RETURN(std::vector<std::string> parts,
                          api::ParseName("schools/{school}/bookings/{booking}/notes/{note}", name, field));
  return NoteName{parts[0], parts[1], parts[2]};
}

absl::StatusOr<std::pair<std::string, std::string>> ParseStaff(const std::string& name, const std::string& field) {
  PARLEY_ASSIGN_OR_RETURN(std::vector<std::string> parts,
                          api::ParseName("schools/{school}/staff/{staff}", name, field));
  return std::make_pair(parts[0], parts[1]);
}

const std::set<std::string>& UpdatableSettings() {
  static const auto* const fields = new std::set<std::string>{"meeting_length", "interpreted_meeting_length",
                                                              "slot_step", "hold_length", "retention"};
  return *fields;
}

}  // namespace

// ---- meeting notes -----------------------------------------------------------------------------

grpc::Status AppointmentsApi::CreateMeetingNote(grpc::ServerContext* ctx, const v1::CreateMeetingNoteRequest* req,
                                                v1::MeetingNote* resp) {
  return edge_.Serve(ctx, *req, [&](const auth::Grant& caller) -> absl::Status {
    PARLEY_ASSIGN_OR_RETURN(auto booking, ParseBooking(req->parent(), "parent"));
    PARLEY_ASSIGN_OR_RETURN(NoteScope scope, NotesAt(caller, booking.first));
    PARLEY_ASSIGN_OR_RETURN(RequestKey key, api::RequestKeyFor(caller, kService, "CreateMeetingNote", *req));
    NewNote note;
    note.school_id = booking.first;
    note.booking_id = booking.second;
    note.record_type = req->note().record_type();
    note.body_ref = req->note().body_ref();
    note.recording_not_permitted = req->note().recording_not_permitted();
    note.legal_hold = req->note().legal_hold();
    note.author = caller.subject();
    // Only those who may set a legal hold create a note under one.
    if (note.legal_hold && !MaySetLegalHold(caller)) {
      return PermissionDenied(reason::kRoleRequired, "only a senior leader or the DSL may set a legal hold");
    }
    PARLEY_ASSIGN_OR_RETURN(MeetingNote created, services_.records->CreateNote(key, note, scope));
    *resp = ToProto(created);
    return absl::OkStatus();
  });
}

grpc::Status AppointmentsApi::GetMeetingNote(grpc::ServerContext* ctx, const v1::GetMeetingNoteRequest* req,
                                             v1::MeetingNote* resp) {
  return edge_.Serve(ctx, *req, [&](const auth::Grant& caller) -> absl::Status {
    PARLEY_ASSIGN_OR_RETURN(NoteName name, ParseNote(req->name(), "name"));
    PARLEY_ASSIGN_OR_RETURN(NoteScope scope, NotesAt(caller, name.school_id));
    PARLEY_ASSIGN_OR_RETURN(MeetingNote note,
                            services_.records->GetNote(name.school_id, name.booking_id, name.id, scope));
    *resp = ToProto(note);
    return absl::OkStatus();
  });
}

grpc::Status AppointmentsApi::ListMeetingNotes(grpc::ServerContext* ctx, const v1::ListMeetingNotesRequest* req,
                                               v1::ListMeetingNotesResponse* resp) {
  return edge_.Serve(ctx, *req, [&](const auth::Grant& caller) -> absl::Status {
    PARLEY_ASSIGN_OR_RETURN(auto booking, ParseBooking(req->parent(), "parent"));
    PARLEY_ASSIGN_OR_RETURN(NoteScope scope, NotesAt(caller, booking.first));
    PARLEY_ASSIGN_OR_RETURN(std::vector<MeetingNote> notes,
                            services_.records->ListNotes(booking.first, booking.second, scope));
    for (const MeetingNote& n : notes) *resp->add_notes() = ToProto(n);
    return absl::OkStatus();
  });
}

grpc::Status AppointmentsApi::SetLegalHold(grpc::ServerContext* ctx, const v1::SetLegalHoldRequest* req,
                                           v1::MeetingNote* resp) {
  return edge_.Serve(ctx, *req, [&](const auth::Grant& caller) -> absl::Status {
    PARLEY_ASSIGN_OR_RETURN(NoteName name, ParseNote(req->name(), "name"));
    PARLEY_RETURN_IF_ERROR(caller.AtLeast(name.school_id, auth::Reach::kSchool).status());
    PARLEY_ASSIGN_OR_RETURN(RequestKey key, api::RequestKeyFor(caller, kService, "SetLegalHold", *req));
    PARLEY_ASSIGN_OR_RETURN(MeetingNote note, services_.records->SetLegalHold(key, name.school_id, name.booking_id,
                                                                              name.id, req->legal_hold(), req->etag()));
    *resp = ToProto(note);
    return absl::OkStatus();
  });
}

// ---- settings and interpreters -----------------------------------------------------------------

grpc::Status AppointmentsApi::GetAppointmentSettings(grpc::ServerContext* ctx,
                                                     const v1::GetAppointmentSettingsRequest* req,
                                                     v1::AppointmentSettings* resp) {
  return edge_.Serve(ctx, *req, [&](const auth::Grant& caller) -> absl::Status {
    PARLEY_ASSIGN_OR_RETURN(std::vector<std::string> parts,
                            api::ParseName("schools/{school}/appointmentSettings", req->name(), "name"));
    PARLEY_RETURN_IF_ERROR(caller.AtLeast(parts[0], auth::Reach::kSchool).status());
    PARLEY_ASSIGN_OR_RETURN(AppointmentSettings s, services_.records->GetSettings(parts[0]));
    *resp = ToProto(s);
    return absl::OkStatus();
  });
}

grpc::Status AppointmentsApi::UpdateAppointmentSettings(grpc::ServerContext* ctx,
                                                        const v1::UpdateAppointmentSettingsRequest* req,
                                                        v1::AppointmentSettings* resp) {
  return edge_.Serve(ctx, *req, [&](const auth::Grant& caller) -> absl::Status {
    PARLEY_ASSIGN_OR_RETURN(std::vector<std::string> parts, api::ParseName("schools/{school}/appointmentSettings",
                                                                           req->settings().name(), "settings.name"));
    PARLEY_RETURN_IF_ERROR(caller.AtLeast(parts[0], auth::Reach::kSchool).status());
    PARLEY_RETURN_IF_ERROR(
        api::CheckUpdateMask(req->update_mask(), *v1::AppointmentSettings::descriptor(), UpdatableSettings()));
    PARLEY_ASSIGN_OR_RETURN(RequestKey key, api::RequestKeyFor(caller, kService, "UpdateAppointmentSettings", *req));
    SettingsChange change;
    change.meeting_length = api::Masked(req->update_mask(), "meeting_length");
    change.interpreted_meeting_length = api::Masked(req->update_mask(), "interpreted_meeting_length");
    change.slot_step = api::Masked(req->update_mask(), "slot_step");
    change.hold_length = api::Masked(req->update_mask(), "hold_length");
    change.retention = api::Masked(req->update_mask(), "retention");
    // The etag the caller read (empty: unconditional).
    PARLEY_ASSIGN_OR_RETURN(AppointmentSettings s,
                            services_.records->UpdateSettings(key, parts[0], SettingsFromProto(req->settings()), change,
                                                              req->settings().etag()));
    *resp = ToProto(s);
    return absl::OkStatus();
  });
}

grpc::Status AppointmentsApi::CreateInterpreter(grpc::ServerContext* ctx, const v1::CreateInterpreterRequest* req,
                                                v1::Interpreter* resp) {
  return edge_.Serve(ctx, *req, [&](const auth::Grant& caller) -> absl::Status {
    PARLEY_ASSIGN_OR_RETURN(std::string school_id, api::ParseSchool(req->parent(), "parent"));
    PARLEY_RETURN_IF_ERROR(caller.AtLeast(school_id, auth::Reach::kSchool).status());
    PARLEY_ASSIGN_OR_RETURN(RequestKey key, api::RequestKeyFor(caller, kService, "CreateInterpreter", *req));
    const std::vector<std::string> languages(req->interpreter().languages().begin(),
                                             req->interpreter().languages().end());
    PARLEY_ASSIGN_OR_RETURN(Interpreter in, services_.records->CreateInterpreter(
                                                key, school_id, req->interpreter().display_name(), languages));
    *resp = ToProto(in);
    return absl::OkStatus();
  });
}

grpc::Status AppointmentsApi::ListInterpreters(grpc::ServerContext* ctx, const v1::ListInterpretersRequest* req,
                                               v1::ListInterpretersResponse* resp) {
  return edge_.Serve(ctx, *req, [&](const auth::Grant& caller) -> absl::Status {
    PARLEY_ASSIGN_OR_RETURN(std::string school_id, api::ParseSchool(req->parent(), "parent"));
    PARLEY_RETURN_IF_ERROR(caller.AtLeast(school_id, auth::Reach::kSchool).status());
    PARLEY_ASSIGN_OR_RETURN(std::vector<Interpreter> found,
                            services_.records->ListInterpreters(school_id, req->language()));
    for (const Interpreter& in : found) *resp->add_interpreters() = ToProto(in);
    return absl::OkStatus();
  });
}

grpc::Status AppointmentsApi::DeleteInterpreter(grpc::ServerContext* ctx, const v1::DeleteInterpreterRequest* req,
                                                google::protobuf::Empty*) {
  return edge_.Serve(ctx, *req, [&](const auth::Grant& caller) -> absl::Status {
    PARLEY_ASSIGN_OR_RETURN(auto id, api::ParseSchoolChild(req->name(), "interpreters", "name"));
    PARLEY_RETURN_IF_ERROR(caller.AtLeast(id.first, auth::Reach::kSchool).status());
    PARLEY_ASSIGN_OR_RETURN(RequestKey key, api::RequestKeyFor(caller, kService, "DeleteInterpreter", *req));
    return services_.records->DeleteInterpreter(key, id.first, id.second);
  });
}

// ---- availability exceptions -------------------------------------------------------------------

grpc::Status AppointmentsApi::CreateAvailabilityException(grpc::ServerContext* ctx,
                                                          const v1::CreateAvailabilityExceptionRequest* req,
                                                          v1::AvailabilityException* resp) {
  return edge_.Serve(ctx, *req, [&](const auth::Grant& caller) -> absl::Status {
    PARLEY_ASSIGN_OR_RETURN(auto staff, ParseStaff(req->parent(), "parent"));
    PARLEY_RETURN_IF_ERROR(ExceptionsAt(caller, staff.first, req->parent()));
    PARLEY_ASSIGN_OR_RETURN(RequestKey key, api::RequestKeyFor(caller, kService, "CreateAvailabilityException", *req));
    PARLEY_ASSIGN_OR_RETURN(absl::CivilDay day, ParseDate(req->date(), "date"));
    PARLEY_ASSIGN_OR_RETURN(std::vector<calendar::HoursRange> hours,
                            HoursFromProto(req->availability_exception().hours(), "availability_exception.hours"));
    PARLEY_ASSIGN_OR_RETURN(StaffException e,
                            services_.records->CreateException(key, staff.first, staff.second, day, std::move(hours)));
    *resp = ToProto(e);
    return absl::OkStatus();
  });
}

grpc::Status AppointmentsApi::ListAvailabilityExceptions(grpc::ServerContext* ctx,
                                                         const v1::ListAvailabilityExceptionsRequest* req,
                                                         v1::ListAvailabilityExceptionsResponse* resp) {
  return edge_.Serve(ctx, *req, [&](const auth::Grant& caller) -> absl::Status {
    PARLEY_ASSIGN_OR_RETURN(auto staff, ParseStaff(req->parent(), "parent"));
    PARLEY_RETURN_IF_ERROR(ExceptionsAt(caller, staff.first, req->parent()));
    PARLEY_ASSIGN_OR_RETURN(absl::CivilDay first, ParseDate(req->start_date(), "start_date"));
    PARLEY_ASSIGN_OR_RETURN(absl::CivilDay last, ParseDate(req->end_date(), "end_date"));
    PARLEY_ASSIGN_OR_RETURN(std::vector<StaffException> found,
                            services_.records->ListExceptions(staff.first, staff.second, first, last));
    for (const StaffException& e : found) *resp->add_availability_exceptions() = ToProto(e);
    return absl::OkStatus();
  });
}

grpc::Status AppointmentsApi::DeleteAvailabilityException(grpc::ServerContext* ctx,
                                                          const v1::DeleteAvailabilityExceptionRequest* req,
                                                          google::protobuf::Empty*) {
  return edge_.Serve(ctx, *req, [&](const auth::Grant& caller) -> absl::Status {
    PARLEY_ASSIGN_OR_RETURN(
        std::vector<std::string> parts,
        api::ParseName("schools/{school}/staff/{staff}/availabilityExceptions/{date}", req->name(), "name"));
    PARLEY_RETURN_IF_ERROR(ExceptionsAt(caller, parts[0], absl::StrCat("schools/", parts[0], "/staff/", parts[1])));
    PARLEY_ASSIGN_OR_RETURN(RequestKey key, api::RequestKeyFor(caller, kService, "DeleteAvailabilityException", *req));
    PARLEY_ASSIGN_OR_RETURN(absl::CivilDay day, ParseDate(parts[2], "name"));
    return services_.records->DeleteException(key, parts[0], parts[1], day);
  });
}

// ---- figures -----------------------------------------------------------------------------------

grpc::Status AppointmentsApi::GetSchoolStats(grpc::ServerContext* ctx, const v1::GetSchoolStatsRequest* req,
                                             v1::SchoolStats* resp) {
  return edge_.Serve(ctx, *req, [&](const auth::Grant& caller) -> absl::Status {
    PARLEY_ASSIGN_OR_RETURN(std::string school_id, api::ParseSchool(req->school(), "school"));
    // Figures cover the whole school: no reach short of it sees them.
    PARLEY_RETURN_IF_ERROR(caller.AtLeast(school_id, auth::Reach::kSchool).status());
    const absl::Time start = FromTimestamp(req->start_time()), end = FromTimestamp(req->end_time());
    PARLEY_ASSIGN_OR_RETURN(SchoolStats s, services_.records->Stats(school_id, start, end));
    resp->set_school(req->school());
    *resp->mutable_start_time() = req->start_time();
    *resp->mutable_end_time() = req->end_time();
    // A figure whose source is not in this database yet stays 0 (the store says which: nullopt).
    resp->set_requests(static_cast<int32_t>(s.requests.value_or(0)));
    resp->set_answered_in_time(static_cast<int32_t>(s.answered_in_time.value_or(0)));
    resp->set_answer_clocks(static_cast<int32_t>(s.answer_clocks.value_or(0)));
    resp->set_held_in_time(static_cast<int32_t>(s.held_in_time.value_or(0)));
    resp->set_hold_clocks(static_cast<int32_t>(s.hold_clocks.value_or(0)));
    if (s.median_working_days_to_meeting) resp->set_median_working_days_to_meeting(*s.median_working_days_to_meeting);
    resp->set_evening_slots_offered(static_cast<int32_t>(s.evening_slots_offered.value_or(0)));
    resp->set_evening_slots_booked(static_cast<int32_t>(s.evening_slots_booked));
    resp->set_evening_guardians(static_cast<int32_t>(s.evening_guardians));
    resp->set_no_shows(static_cast<int32_t>(s.no_shows));
    resp->set_interpreter_bookings(static_cast<int32_t>(s.interpreter_bookings));
    resp->set_version(std::string(BuildVersion()));
    return absl::OkStatus();
  });
}

}  // namespace parley::appointments
