// Scripted peers for the meeting-request use cases' unit tests: a directory of one or two schools
// built from real calendars, settings with per-date exceptions, and a booking store with a booker
// over it that refuses overlapping bookings of one member of staff or guardian (SLOT_TAKEN).
#pragma once

#include <map>
#include <memory>
#include <optional>
#include <set>
#include <string>
#include <utility>
#include <vector>

#include "absl/synchronization/mutex.h"
#include "services/appointments/domain/booking.h"
#include "services/appointments/domain/booking_ports.h"
#include "services/appointments/domain/peers.h"
#include "services/appointments/domain/settings.h"
#include "services/appointments/testing/fake_settings.h"

namespace parley::appointments::testing {

class FakeRequestDirectory final : public Directory {
 public:
  struct Member {
    std::shared_ptr<const calendar::Calendar> calendar;
    std::optional<calendar::HoursRange> teaching_hours;
    std::string line_manager;
  };
  // The school's promise per stage, as the directory would compute it from its rule: a budget in
  // working days on `calendar` (the school's), nullopt where the policy promises none.
  struct Promise {
    int working_days = 0;
    std::string policy_text;
  };

  void AddSchool(const std::string& school, std::shared_ptr<const calendar::Calendar> calendar);
  void AddStaff(const std::string& school, const std::string& staff, Member member);
  void SetRole(const std::string& school, const std::string& pupil, WantedRole role, const std::string& staff);
  void Link(const std::string& guardian, const std::string& school, const std::string& pupil, bool excluded = false);
  void SetPromise(const std::string& school, directory::Channel channel, directory::Stage stage, Promise promise);

  absl::StatusOr<absl::TimeZone> TimeZoneOf(const std::string& school_id) override;
  absl::Status CheckStaff(const std::string& school_id, const std::string& staff_id, absl::Time at) override;
  absl::StatusOr<std::string> StaffForRole(const std::string& school_id, const std::string& pupil_id,
                                           WantedRole role) override;
  absl::StatusOr<std::string> HeadOf(const std::string& school_id) override;
  absl::StatusOr<std::string> LineManagerOf(const std::string& school_id, const std::string& staff_id) override;
  absl::StatusOr<std::vector<GuardianLink>> LinksOfGuardian(const std::string& guardian_id, absl::Time at) override;
  absl::StatusOr<std::vector<std::string>> GuardiansOf(const std::string& school_id,
                                                       const std::string& pupil_id) override;
  absl::StatusOr<StaffTime> StaffTimeOf(const std::string& school_id, const std::string& staff_id) override;
  absl::StatusOr<std::optional<PolicyDue>> Due(const std::string& school_id, directory::Channel channel,
                                               directory::Stage stage, absl::Time received, const std::string& owner,
                                               const std::string& category) override;

 private:
  absl::Mutex mu_;
  std::map<std::string, std::shared_ptr<const calendar::Calendar>> schools_;
  std::map<std::pair<std::string, std::string>, Member> staff_;
  std::map<std::tuple<std::string, std::string, WantedRole>, std::string> roles_;
  std::map<std::string, std::vector<GuardianLink>> links_;
  std::map<std::tuple<std::string, directory::Channel, directory::Stage>, Promise> promises_;
};

// Bookings in memory, confirmed at once (Book) or held (Hold): an overlap with a live booking of any
// occupant is ABORTED (SLOT_TAKEN). Idempotent on the key.
class FakeBookings final : public BookingStore, public MeetingBooker {
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

  // MeetingBooker: the request's slot booked confirmed for its staff member and guardian.
  absl::StatusOr<Booking> BookForRequest(const RequestKey& key, const MeetingRequest& request, const MeetingSlot& slot,
                                         const std::string& actor, absl::Time now) override;
  absl::Status CancelForRequest(const RequestKey& key, const std::string& school_id, const std::string& booking_id,
                                const std::string& reason, absl::Time now) override;

  int booker_calls() const;

 private:
  static bool Live(const Booking& b, absl::Time now);
  absl::StatusOr<std::vector<Booking>> Write(const RequestKey& key, std::vector<Booking> bookings, bool confirmed,
                                             absl::Duration lease, absl::Time now) ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);

  mutable absl::Mutex mu_;
  std::vector<Booking> bookings_ ABSL_GUARDED_BY(mu_);
  std::map<std::string, std::vector<Booking>> done_ ABSL_GUARDED_BY(mu_);  // scope/request id → answer
  int next_id_ ABSL_GUARDED_BY(mu_) = 1;
  int booker_calls_ ABSL_GUARDED_BY(mu_) = 0;
};

}  // namespace parley::appointments::testing
