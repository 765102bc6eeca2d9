// parley.appointments.v1 bookings ⇄ the bookings domain (domain/booking_service.h): resource names
// to ids (every reference of the request's school, or INVALID_ARGUMENT), enums both ways, and the
// Booking resource as a guardian or the school sees it.
#pragma once

#include <string>

#include "absl/status/statusor.h"
#include "parley/appointments/v1/appointments_service.pb.h"
#include "parley/appointments/v1/booking.pb.h"
#include "services/appointments/domain/booking.h"
#include "services/appointments/domain/booking_service.h"

namespace parley::appointments {

// The school's Booking resource. `for_guardian`: without the conduct gate's decisions about them
// (those are the school's) and the outside guests (other people's details).
v1::Booking BookingToProto(const Booking& b, bool for_guardian);

// CreateBookingRequest → NewBooking at `school_id`.
absl::StatusOr<NewBooking> NewBookingFrom(const v1::CreateBookingRequest& req, const std::string& school_id);

// "schools/{school}/staff/{staff}" of `school_id` → staff id; another school's is INVALID_ARGUMENT
// (CROSS_SCHOOL_REFERENCE).
absl::StatusOr<std::string> StaffIdAt(const std::string& name, const std::string& school_id, const char* field);

// ATTENDED, NO_SHOW, MISSED_CALL; anything else INVALID_ARGUMENT (INVALID_FIELD).
absl::StatusOr<BookingState> OutcomeFrom(v1::BookingState state);

}  // namespace parley::appointments
