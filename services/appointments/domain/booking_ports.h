// How the requests slice and the bookings slice reach each other without either knowing the other's
// use cases: accepting a meeting request books its slot (the gate applies, as for any booking), and
// a booking's outcome moves the request it came from on. main.cc wires the two services together.
#pragma once

#include <string>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "common/request/request_key.h"
#include "services/appointments/domain/booking.h"
#include "services/appointments/domain/meeting_request.h"

namespace parley::appointments {

// Requests → bookings (implemented by the bookings slice's service).
class MeetingBooker {
 public:
  virtual ~MeetingBooker() = default;
  // Books `slot` for `request` (its guardian, pupils and the slot's member of staff), applying the
  // conduct gate: a gate that refuses the meeting or its mode fails here and books nothing. The
  // booking names the request (Booking::meeting_request_id). Idempotent on `key`.
  virtual absl::StatusOr<Booking> BookForRequest(const RequestKey& key, const MeetingRequest& request,
                                                 const MeetingSlot& slot, const std::string& actor, absl::Time now) = 0;
  // Cancels the booking of a request its guardian cancelled or withdrew. Idempotent on `key`.
  virtual absl::Status CancelForRequest(const RequestKey& key, const std::string& school_id,
                                        const std::string& booking_id, const std::string& reason, absl::Time now) = 0;
};

// Bookings → requests (implemented by the requests slice's service).
class RequestOutcomes {
 public:
  virtual ~RequestOutcomes() = default;
  enum class Outcome { kHeld = 1, kNoShow = 2, kCallMissed = 3, kCancelledBySchool = 4 };
  // What became of the booked meeting of request `request_id`. Idempotent on `key`.
  virtual absl::Status MeetingOutcome(const RequestKey& key, const std::string& school_id,
                                      const std::string& request_id, const std::string& booking_id, Outcome outcome,
                                      const std::string& actor, absl::Time at) = 0;
};

}  // namespace parley::appointments
