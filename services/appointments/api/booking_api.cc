// The bookings slice's handlers of AppointmentsApi (api/appointments_api.h). Tenancy and reach
// first (Grant::At: another school's caller is PERMISSION_DENIED before anything is read), then the
// request's shape, then one use case of BookingService. A guardian (reach own) sees and acts on
// their own bookings only; a teacher (reach own) on the bookings they attend.
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "common/grpc/timestamp.h"
#include "common/status/reason.h"
#include "common/status/reasons.h"
#include "common/status/status_macros.h"
#include "services/appointments/api/appointments_api.h"
#include "services/appointments/api/booking_convert.h"
#include "services/appointments/domain/booking_service.h"

namespace parley::appointments {
namespace {

constexpr char kService[] = "appointments";

absl::Status RoleRequired() {
  return PermissionDenied(reason::kRoleRequired, "the caller's role does not allow this operation");
}

// Who the caller is at `school_id` for bookings: the whole school's (school or trust reach), a
// guardian's own, or a teacher's own. `change`: a guardian writes only at the schools their token
// names (their children's).
absl::StatusOr<BookingCaller> CallerAt(const auth::Grant& caller, const std::string& school_id, bool change) {
  PARLEY_ASSIGN_OR_RETURN(auth::Reach reach, caller.At(school_id));
  BookingCaller out{caller.subject(), std::nullopt, std::nullopt};
  if (reach >= auth::Reach::kSchool) return out;
  if (reach != auth::Reach::kOwn) return RoleRequired();
  if (absl::StartsWith(caller.subject(), "guardians/")) {
    PARLEY_ASSIGN_OR_RETURN(std::string guardian, api::ParseGuardian(caller.subject(), "token subject"));
    const std::vector<std::string>& schools = caller.principal().schools;
    if (change && std::find(schools.begin(), schools.end(), school_id) == schools.end()) {
      return PermissionDenied(reason::kWrongSchool, "the caller's token does not cover this school");
    }
    out.guardian_id = std::move(guardian);
    return out;
  }
  absl::StatusOr<std::pair<std::string, std::string>> staff =
      api::ParseSchoolChild(caller.subject(), "staff", "token subject");
  if (staff.ok() && staff->first == school_id) {
    out.staff_id = staff->second;
    return out;
  }
  return RoleRequired();
}

absl::StatusOr<std::pair<std::string, std::string>> BookingName(const std::string& name, const char* field) {
  return api::ParseSchoolChild(name, "bookings", field);
}

// A page's position in a school's bookings: "<start in unix microseconds>/<id>".
std::string PositionOf(const BookingCursor& c) { return absl::StrCat(absl::ToUnixMicros(c.start), "/", c.id); }

absl::StatusOr<std::optional<BookingCursor>> CursorFrom(const std::string& position) {
  if (position.empty()) return std::optional<BookingCursor>();
  std::pair<std::string, std::string> parts = absl::StrSplit(position, absl::MaxSplits('/', 1));
  int64_t micros = 0;
  if (!absl::SimpleAtoi(parts.first, &micros) || parts.second.empty()) {
    return InvalidArgument(reason::kInvalidPageToken, "page_token: not a token this list issued");
  }
  return std::optional<BookingCursor>(BookingCursor{absl::FromUnixMicros(micros), parts.second});
}

}  // namespace

grpc::Status AppointmentsApi::CreateBooking(grpc::ServerContext* ctx, const v1::CreateBookingRequest* req,
                                            v1::Booking* resp) {
  return edge_.Serve(ctx, *req, [&](const auth::Grant& caller) -> absl::Status {
    PARLEY_ASSIGN_OR_RETURN(std::string school_id, api::ParseSchool(req->parent(), "parent"));
    PARLEY_ASSIGN_OR_RETURN(BookingCaller who, CallerAt(caller, school_id, /*change=*/true));
    if (who.guardian_id) return RoleRequired();  // guardians book through meeting requests and evenings
    PARLEY_ASSIGN_OR_RETURN(RequestKey key, api::RequestKeyFor(caller, kService, "CreateBooking", *req));
    PARLEY_ASSIGN_OR_RETURN(NewBooking in, NewBookingFrom(*req, school_id));
    PARLEY_ASSIGN_OR_RETURN(Booking b, services_.bookings->CreateBooking(key, in, who));
    *resp = BookingToProto(b, /*for_guardian=*/false);
    return absl::OkStatus();
  });
}

grpc::Status AppointmentsApi::GetBooking(grpc::ServerContext* ctx, const v1::GetBookingRequest* req,
                                         v1::Booking* resp) {
  return edge_.Serve(ctx, *req, [&](const auth::Grant& caller) -> absl::Status {
    PARLEY_ASSIGN_OR_RETURN(auto id, BookingName(req->name(), "name"));
    PARLEY_ASSIGN_OR_RETURN(BookingCaller who, CallerAt(caller, id.first, /*change=*/false));
    PARLEY_ASSIGN_OR_RETURN(Booking b, services_.bookings->GetBooking(id.first, id.second, who));
    *resp = BookingToProto(b, who.guardian_id.has_value());
    return absl::OkStatus();
  });
}

grpc::Status AppointmentsApi::ListBookings(grpc::ServerContext* ctx, const v1::ListBookingsRequest* req,
                                           v1::ListBookingsResponse* resp) {
  return edge_.Serve(ctx, *req, [&](const auth::Grant& caller) -> absl::Status {
    PARLEY_ASSIGN_OR_RETURN(std::string school_id, api::ParseSchool(req->parent(), "parent"));
    PARLEY_ASSIGN_OR_RETURN(BookingCaller who, CallerAt(caller, school_id, /*change=*/false));
    BookingFilter filter;
    if (!req->window().has_start_time() || !req->window().has_end_time()) {
      return InvalidArgument(reason::kInvalidField, "window: start_time and end_time are required");
    }
    filter.window = Interval{FromTimestamp(req->window().start_time()), FromTimestamp(req->window().end_time())};
    if (!req->staff().empty()) {
      PARLEY_ASSIGN_OR_RETURN(filter.staff_id, StaffIdAt(req->staff(), school_id, "staff"));
    }
    if (!req->guardian().empty()) {
      PARLEY_ASSIGN_OR_RETURN(filter.guardian_id, api::ParseGuardian(req->guardian(), "guardian"));
    }
    PARLEY_ASSIGN_OR_RETURN(api::PageRequest page, api::ParsePage(*req));
    PARLEY_ASSIGN_OR_RETURN(std::optional<BookingCursor> after, CursorFrom(page.after));
    PARLEY_ASSIGN_OR_RETURN(BookingPage found,
                            services_.bookings->ListBookings(school_id, filter, after, page.size, who));
    for (const Booking& b : found.bookings) *resp->add_bookings() = BookingToProto(b, who.guardian_id.has_value());
    if (found.next) resp->set_next_page_token(api::NextPageToken(*req, PositionOf(*found.next)));
    return absl::OkStatus();
  });
}

grpc::Status AppointmentsApi::ConfirmBookings(grpc::ServerContext* ctx, const v1::ConfirmBookingsRequest* req,
                                              v1::ConfirmBookingsResponse* resp) {
  return edge_.Serve(ctx, *req, [&](const auth::Grant& caller) -> absl::Status {
    PARLEY_ASSIGN_OR_RETURN(std::string school_id, api::ParseSchool(req->parent(), "parent"));
    PARLEY_ASSIGN_OR_RETURN(BookingCaller who, CallerAt(caller, school_id, /*change=*/true));
    PARLEY_ASSIGN_OR_RETURN(RequestKey key, api::RequestKeyFor(caller, kService, "ConfirmBookings", *req));
    std::vector<std::string> ids;
    for (int i = 0; i < req->bookings_size(); ++i) {
      const std::string field = absl::StrCat("bookings[", i, "]");
      PARLEY_ASSIGN_OR_RETURN(auto id, BookingName(req->bookings(i), field.c_str()));
      if (id.first != school_id) {
        return InvalidArgument(reason::kCrossSchoolReference, absl::StrCat(field, ": must be of ", req->parent()));
      }
      ids.push_back(id.second);
    }
    PARLEY_ASSIGN_OR_RETURN(std::vector<Booking> confirmed,
                            services_.bookings->ConfirmBookings(key, school_id, ids, who));
    for (const Booking& b : confirmed) *resp->add_bookings() = BookingToProto(b, who.guardian_id.has_value());
    return absl::OkStatus();
  });
}

grpc::Status AppointmentsApi::AddAttendee(grpc::ServerContext* ctx, const v1::AddAttendeeRequest* req,
                                          v1::Booking* resp) {
  return edge_.Serve(ctx, *req, [&](const auth::Grant& caller) -> absl::Status {
    PARLEY_ASSIGN_OR_RETURN(auto id, BookingName(req->name(), "name"));
    PARLEY_ASSIGN_OR_RETURN(BookingCaller who, CallerAt(caller, id.first, /*change=*/true));
    if (who.guardian_id) return RoleRequired();
    PARLEY_ASSIGN_OR_RETURN(RequestKey key, api::RequestKeyFor(caller, kService, "AddAttendee", *req));
    if (req->staff().empty() == !req->has_guest()) {
      return InvalidArgument(reason::kInvalidField, "staff, guest: give exactly one");
    }
    absl::StatusOr<Booking> b;
    if (!req->staff().empty()) {
      PARLEY_ASSIGN_OR_RETURN(std::string staff_id, StaffIdAt(req->staff(), id.first, "staff"));
      b = services_.bookings->AddStaff(key, id.first, id.second, staff_id, req->etag(), who);
    } else {
      if (req->guest().description().empty()) {
        return InvalidArgument(reason::kInvalidField, "guest.description: describe the guest");
      }
      b = services_.bookings->AddGuest(key, id.first, id.second, req->guest().description(), req->etag(), who);
    }
    PARLEY_RETURN_IF_ERROR(b.status());
    *resp = BookingToProto(*b, /*for_guardian=*/false);
    return absl::OkStatus();
  });
}

grpc::Status AppointmentsApi::AssignInterpreter(grpc::ServerContext* ctx, const v1::AssignInterpreterRequest* req,
                                                v1::Booking* resp) {
  return edge_.Serve(ctx, *req, [&](const auth::Grant& caller) -> absl::Status {
    PARLEY_ASSIGN_OR_RETURN(auto id, BookingName(req->name(), "name"));
    PARLEY_ASSIGN_OR_RETURN(BookingCaller who, CallerAt(caller, id.first, /*change=*/true));
    if (who.guardian_id) return RoleRequired();
    PARLEY_ASSIGN_OR_RETURN(RequestKey key, api::RequestKeyFor(caller, kService, "AssignInterpreter", *req));
    PARLEY_ASSIGN_OR_RETURN(auto interpreter, api::ParseSchoolChild(req->interpreter(), "interpreters", "interpreter"));
    if (interpreter.first != id.first) {
      return InvalidArgument(reason::kCrossSchoolReference, "interpreter: must be of the booking's school");
    }
    PARLEY_ASSIGN_OR_RETURN(Booking b, services_.bookings->AssignInterpreter(key, id.first, id.second,
                                                                             interpreter.second, req->etag(), who));
    *resp = BookingToProto(b, /*for_guardian=*/false);
    return absl::OkStatus();
  });
}

grpc::Status AppointmentsApi::CancelBooking(grpc::ServerContext* ctx, const v1::CancelBookingRequest* req,
                                            v1::Booking* resp) {
  return edge_.Serve(ctx, *req, [&](const auth::Grant& caller) -> absl::Status {
    PARLEY_ASSIGN_OR_RETURN(auto id, BookingName(req->name(), "name"));
    PARLEY_ASSIGN_OR_RETURN(BookingCaller who, CallerAt(caller, id.first, /*change=*/true));
    PARLEY_ASSIGN_OR_RETURN(RequestKey key, api::RequestKeyFor(caller, kService, "CancelBooking", *req));
    PARLEY_ASSIGN_OR_RETURN(
        Booking b, services_.bookings->CancelBooking(key, id.first, id.second, req->reason(), req->etag(), who));
    *resp = BookingToProto(b, who.guardian_id.has_value());
    return absl::OkStatus();
  });
}

grpc::Status AppointmentsApi::RecordOutcome(grpc::ServerContext* ctx, const v1::RecordOutcomeRequest* req,
                                            v1::Booking* resp) {
  return edge_.Serve(ctx, *req, [&](const auth::Grant& caller) -> absl::Status {
    PARLEY_ASSIGN_OR_RETURN(auto id, BookingName(req->name(), "name"));
    PARLEY_ASSIGN_OR_RETURN(BookingCaller who, CallerAt(caller, id.first, /*change=*/true));
    if (who.guardian_id) return RoleRequired();
    PARLEY_ASSIGN_OR_RETURN(RequestKey key, api::RequestKeyFor(caller, kService, "RecordOutcome", *req));
    PARLEY_ASSIGN_OR_RETURN(BookingState outcome, OutcomeFrom(req->outcome()));
    PARLEY_ASSIGN_OR_RETURN(Booking b,
                            services_.bookings->RecordOutcome(key, id.first, id.second, outcome, req->etag(), who));
    *resp = BookingToProto(b, /*for_guardian=*/false);
    return absl::OkStatus();
  });
}

}  // namespace parley::appointments
