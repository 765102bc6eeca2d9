// BookingDetailsStore in memory, for the domain's unit tests (bookings, and the parents' evenings'
// BookingStore): the same answers as PgBookingStore (no two live bookings share anyone's time:
// SLOT_TAKEN naming whose; holds confirmed whole by their own hold; expired holds block nobody;
// writes idempotent on their request key, a reused key with another request REQUEST_ID_REUSED;
// etags), with the outbox kept as a list.
#pragma once

#include <map>
#include <string>
#include <utility>
#include <vector>

#include "absl/synchronization/mutex.h"
#include "services/appointments/domain/booking_details_store.h"

namespace parley::appointments::testing {

class InMemoryBookingStore final : public BookingDetailsStore {
 public:
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

  std::vector<Notice> outbox() const;
  int writes() const;  // writes that changed something (not replays, not refusals)
  // Hold and Book calls, refused and replayed ones included: whether a use case asked for time at all.
  int hold_or_book_calls() const;

 private:
  using Key = std::pair<std::string, std::string>;  // school, id
  struct Stored {
    std::string fingerprint;
    std::string school_id;
    std::vector<std::string> ids;
  };
  // The replay of `key`, if it was answered: the bookings as they are now, or REQUEST_ID_REUSED.
  std::optional<absl::StatusOr<std::vector<Booking>>> ReplayLocked(const RequestKey& key)
      ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  void RememberLocked(const RequestKey& key, const std::string& school_id, std::vector<std::string> ids)
      ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  // SLOT_TAKEN naming whose time `b` (its occupants) would share with a live booking other than itself.
  absl::Status CheckFreeLocked(const Booking& b, absl::Time now) ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  absl::StatusOr<std::vector<Booking>> WriteLocked(const RequestKey& key, const std::vector<Booking>& bookings,
                                                   std::optional<absl::Time> expires,
                                                   const std::vector<Notice>& notices, absl::Time now)
      ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  absl::StatusOr<std::vector<Booking>> ConfirmLocked(const RequestKey& key, const std::string& school_id,
                                                     const std::string& hold_id,
                                                     const std::vector<std::string>& booking_ids,
                                                     const std::vector<Notice>& notices, absl::Time now)
      ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);

  mutable absl::Mutex mu_;
  std::map<Key, Booking> bookings_ ABSL_GUARDED_BY(mu_);
  std::map<std::string, Stored> requests_ ABSL_GUARDED_BY(mu_);
  std::vector<Notice> outbox_ ABSL_GUARDED_BY(mu_);
  int writes_ ABSL_GUARDED_BY(mu_) = 0;
  int hold_or_book_calls_ ABSL_GUARDED_BY(mu_) = 0;
};

}  // namespace parley::appointments::testing
