// The store the bookings use cases need beyond BookingStore (domain/booking.h): writes that carry
// the notices they cause (to the outbox, in the same transaction), changes to a booking after it is
// made (attendees, the interpreter, cancellation, the outcome) guarded by its etag, and the school's
// bookings listed by time. The PostgreSQL store implements both; testing/ fakes both.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "services/appointments/domain/booking.h"
#include "services/appointments/domain/notice.h"

namespace parley::appointments {

struct BookingFilter {
  Interval window;          // bookings overlapping it
  std::string staff_id;     // empty: anyone's
  std::string guardian_id;  // empty: anyone's
  std::string evening_id;   // empty: any
};

// A position in a school's bookings in time order: after the booking starting at `start` with `id`.
struct BookingCursor {
  absl::Time start;
  std::string id;
};

class BookingDetailsStore : public BookingStore {
 public:
  // Writes one booking as BookingStore::Hold and Book do (the same refusals: SLOT_TAKEN,
  // BOOKING_EXISTS), and `notices` in the same transaction. `hold_until` set: held until then
  // (a lease, or until what it waits for is added); unset: confirmed.
  virtual absl::StatusOr<Booking> Create(const RequestKey& key, const Booking& booking,
                                         std::optional<absl::Time> hold_until, const std::vector<Notice>& notices,
                                         absl::Time now) = 0;

  // BookingStore::Confirm, and `notices` in the same transaction. A booking still waiting for
  // someone → FAILED_PRECONDITION (BOOKING_INCOMPLETE), and nothing is confirmed.
  virtual absl::StatusOr<std::vector<Booking>> ConfirmWithNotices(const RequestKey& key, const std::string& school_id,
                                                                  const std::string& hold_id,
                                                                  const std::vector<std::string>& booking_ids,
                                                                  const std::vector<Notice>& notices,
                                                                  absl::Time now) = 0;

  // Replaces booking `after.id` by `after` (state, staff and roles, guests, interpreter, waiting
  // for, gate, video link, cancel reason, lease) if it still has `etag`, else ABORTED (STALE_ETAG).
  // The time of occupants it gained is taken like any write's (SLOT_TAKEN when someone else holds
  // it; expired holds over it released first); a state that frees time (cancelled, lapsed) frees
  // all of it. Writes `notices` in the same transaction. NOT_FOUND (BOOKING_NOT_FOUND).
  virtual absl::StatusOr<Booking> Update(const RequestKey& key, const std::string& etag, const Booking& after,
                                         const std::vector<Notice>& notices, absl::Time now) = 0;

  // The school's bookings matching `filter`, in (start, id) order, after `after`, at most `limit`.
  virtual absl::StatusOr<std::vector<Booking>> List(const std::string& school_id, const BookingFilter& filter,
                                                    const std::optional<BookingCursor>& after, int limit) = 0;
};

}  // namespace parley::appointments
