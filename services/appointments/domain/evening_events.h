// What the bookings slice tells the parents' evenings use cases about evening bookings it changed
// (ConfirmBookings and CancelBooking serve every booking, evening slots included): a confirmation
// goes to the guardian as a notice, and a freed slot goes to the next guardian waiting for that
// teacher. Implemented by EveningService (domain/evening_service.h); main.cc wires it in.
#pragma once

#include <vector>

#include "absl/status/status.h"
#include "services/appointments/domain/booking.h"

namespace parley::appointments {

class EveningBookingEvents {
 public:
  virtual ~EveningBookingEvents() = default;
  // After BookingStore::Confirm: tells each guardian of the evening bookings among `confirmed`
  // (appointments.evening_booked), once per booking and guardian however often it is called.
  // Bookings without evening_id are ignored.
  virtual absl::Status EveningBookingsConfirmed(const std::vector<Booking>& confirmed) = 0;
  // After BookingStore::Cancel of an evening booking: offers the freed slot to the first in the
  // teacher's waiting line. Safe to call again (the waiting-list sweep also catches what a crash
  // in between left).
  virtual absl::Status EveningBookingCancelled(const Booking& cancelled) = 0;
};

}  // namespace parley::appointments
