// BookingStore and BookingDetailsStore on PostgreSQL (schema: services/appointments/migrations/0001_appointments.sql
// and 0006_booking_details.sql). Notices go to the outbox table (0002_outbox.sql) in the write's transaction.
//
// A write is atomic with its request-id record (common/pg/idempotency.h's table and rules). Hold and
// Book release the expired holds that overlap the time they are about to take (the exclusion
// constraint cannot know about leases: it cannot refer to now()), then insert the bookings and
// their occupancy rows. The constraint on occupancy is what refuses a double booking: a write that
// loses a race for anyone's time fails with SQLSTATE 23P01 and nothing of it is kept; it is
// reported as ABORTED (SLOT_TAKEN) naming the kind of occupant whose time was taken (without
// personal data). Serialization failures and deadlocks are retried and come back as ABORTED
// (TRANSACTION_CONFLICT) only if they persist.
//
// The rush's calls are one statement and one round trip each, outside a transaction block:
// Hold/Book without notices (it answers SLOT_TAKEN itself, writing nothing, when a live booking
// already holds the time), Confirm without notices when the hold is confirmable as asked, and
// ListBusy. Anything else — a replay, a twin in flight, a conflict to retry, notices, a Confirm
// to refuse — goes the transactional way (pg::RunIdempotent), which replays or says why.
//
// Times travel as UTC text and come back as integer microseconds; every statement is prepared
// once per connection and parameterised (arrays for the rows of a multi-slot hold).
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "common/pg/pool.h"
#include "services/appointments/domain/booking.h"
#include "services/appointments/domain/booking_details_store.h"

namespace parley::appointments {

class PgBookingStore final : public BookingDetailsStore {
 public:
  // Prepares the store's statements on `pool`'s connections; `pool` must outlive the store.
  explicit PgBookingStore(pg::Pool* pool);

  absl::StatusOr<std::vector<Booking>> Hold(const RequestKey& key, const std::vector<Booking>& bookings,
                                            absl::Duration lease, absl::Time now) override;
  absl::StatusOr<std::vector<Booking>> Confirm(const RequestKey& key, const std::string& school_id,
                                               const std::string& hold_id, const std::vector<std::string>& booking_ids,
                                               absl::Time now) override;
  absl::StatusOr<std::vector<Booking>> Book(const RequestKey& key, const std::vector<Booking>& bookings,
                                            absl::Time now) override;
  absl::StatusOr<Booking> Cancel(const RequestKey& key, const std::string& school_id, const std::string& id,
                                 const std::string& reason, absl::Time now) override;
  absl::StatusOr<Booking> MarkNoShow(const RequestKey& key, const std::string& school_id, const std::string& id,
                                     absl::Time now) override;
  absl::StatusOr<Booking> Get(const std::string& school_id, const std::string& id) override;
  absl::StatusOr<std::vector<Interval>> ListBusy(const std::string& school_id, const Occupant& who, absl::Time from,
                                                 absl::Time to, absl::Time now) override;
  absl::StatusOr<std::vector<Booking>> ListEveningBookings(const std::string& school_id,
                                                           const std::string& evening_id) override;
  absl::StatusOr<int64_t> SweepExpiredHolds(absl::Time now, int limit) override;

  absl::StatusOr<Booking> Create(const RequestKey& key, const Booking& booking, std::optional<absl::Time> hold_until,
                                 const std::vector<Notice>& notices, absl::Time now) override;
  absl::StatusOr<std::vector<Booking>> ConfirmWithNotices(const RequestKey& key, const std::string& school_id,
                                                          const std::string& hold_id,
                                                          const std::vector<std::string>& booking_ids,
                                                          const std::vector<Notice>& notices, absl::Time now) override;
  absl::StatusOr<Booking> Update(const RequestKey& key, const std::string& etag, const Booking& after,
                                 const std::vector<Notice>& notices, absl::Time now) override;
  absl::StatusOr<std::vector<Booking>> List(const std::string& school_id, const BookingFilter& filter,
                                            const std::optional<BookingCursor>& after, int limit) override;

 private:
  // Hold and Create (state held until `expires`) and Book (no `expires`: confirmed) share it.
  absl::StatusOr<std::vector<Booking>> Write(const RequestKey& key, const std::vector<Booking>& bookings,
                                             std::optional<absl::Time> expires, const std::vector<Notice>& notices,
                                             absl::Time now);
  // ABORTED (SLOT_TAKEN) naming the kind of occupant whose time a lost write wanted and a live
  // booking holds. When no live booking holds it: the same without the kind if the write is `known`
  // to have lost a slot (its winner went since), `otherwise` if not. Booking `exclude`'s own time
  // does not count (an Update taking more of it).
  absl::Status SlotTaken(const std::vector<Booking>& bookings, absl::Time now, bool known,
                         absl::Status otherwise = absl::OkStatus(), const std::string& exclude = "");

  pg::Pool* pool_;
};

}  // namespace parley::appointments
