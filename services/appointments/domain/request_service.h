// The meeting-request use cases (docs/architecture.md#meeting-requests): create a request (or an
// arranged call) on the school's policy clocks, read and list it, offer times in the staff member's
// free time, counter-offer, accept (booked through MeetingBooker), decline, withdraw, the clocks'
// timers, and what the bookings slice reports back (RequestOutcomes). Also the staff's available
// slots. Over the ports: RequestStore, Directory, SettingsSource, BookingStore (busy times),
// MeetingBooker, and a Clock. The rules themselves are request_rules.h; this layer gathers what
// they need from the peers, plans the write and hands it to the store.
//
// Every mutation is idempotent on its RequestKey: a retry returns the first answer before any peer
// is asked. Writes are guarded by the version they were planned on (an etag given by the caller
// must match it: ABORTED, STALE_ETAG), and a write that lost a race is planned again.
#pragma once

#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "common/clock/clock.h"
#include "services/appointments/domain/booking.h"
#include "services/appointments/domain/booking_ports.h"
#include "services/appointments/domain/meeting_request.h"
#include "services/appointments/domain/peers.h"
#include "services/appointments/domain/request_store.h"
#include "services/appointments/domain/settings.h"

namespace parley::appointments {

// Who is acting: a guardian reaches only requests where they are the guardian; staff of the school
// reach all of its requests (the API has checked the school), or with `own_only` (a teacher) only
// those they are part of: its owner, someone it asks for, or the staff of its slot.
struct RequestCaller {
  enum class Kind { kGuardian, kStaff, kService };
  Kind kind = Kind::kStaff;
  std::string id;     // the guardian's or the member of staff's id; empty for kService
  std::string actor;  // recorded on events: "guardians/{id}", "schools/{s}/staff/{id}", "service:..."
  bool own_only = false;
  bool guardian() const { return kind == Kind::kGuardian; }
  // Whether `r` is one this caller reaches (answered as not found otherwise).
  bool Reaches(const MeetingRequest& r) const;
};

struct NewMeetingRequest {
  std::string school_id;
  RequestKind kind = RequestKind::kMeeting;
  std::string guardian;  // guardian id
  std::string pupil;     // pupil id
  std::string topic;     // personal data
  std::string category;
  std::vector<std::string> want_staff;  // staff ids
  std::vector<WantedRole> want_roles;
  std::vector<Mode> modes;
  std::vector<Interval> windows;
  absl::Time received_at;  // InfinitePast: now
  std::string enquiry;     // "schools/{school}/enquiries/{id}" or empty
};

// One time offered: with `staff`, or (empty) the request's owner; the mode is the request's first
// accepted one (phone for a call).
struct OfferedTime {
  Interval time;
  std::string staff;
};

struct AvailableSlotsQuery {
  std::string school_id;
  std::vector<std::string> staff;  // all must be free
  Interval window;
  std::optional<absl::Duration> length;  // unset: the school's meeting length
  std::string guardian;                  // leave out times they are booked; may be empty
  int limit = 50;
};

using RequestEncoder = std::function<absl::StatusOr<std::string>(const StoredRequest&)>;

class RequestService final : public RequestOutcomes {
 public:
  struct Ports {
    RequestStore* store = nullptr;
    Directory* directory = nullptr;
    SettingsSource* settings = nullptr;
    BookingStore* bookings = nullptr;
    MeetingBooker* booker = nullptr;
    const Clock* clock = nullptr;
  };
  explicit RequestService(Ports ports);

  // Each write returns the response `encode` made of the record as stored (or the first response
  // of an earlier call with the same key).
  absl::StatusOr<std::string> Create(const RequestKey& key, const RequestCaller& caller, const NewMeetingRequest& in,
                                     const RequestEncoder& encode);
  // NOT_FOUND (MEETING_REQUEST_NOT_FOUND) for one the caller may not see.
  absl::StatusOr<StoredRequest> Get(const RequestCaller& caller, const std::string& school_id, const std::string& id);
  // A guardian's list is narrowed to their own requests, a teacher's (own_only) to those they own.
  absl::StatusOr<Page<StoredRequest>> List(const RequestCaller& caller, const std::string& school_id,
                                           RequestFilter filter, PageQuery page);

  absl::StatusOr<std::string> OfferTimes(const RequestKey& key, const RequestCaller& caller,
                                         const std::string& school_id, const std::string& id, const std::string& etag,
                                         const std::vector<OfferedTime>& times, const RequestEncoder& encode);
  absl::StatusOr<std::string> CounterOffer(const RequestKey& key, const RequestCaller& caller,
                                           const std::string& school_id, const std::string& id, const std::string& etag,
                                           const std::vector<Interval>& times, const RequestEncoder& encode);
  // `mode` unset: the offered slot's. A lost race for the slot is the booker's ABORTED (SLOT_TAKEN)
  // and the request stays offered.
  absl::StatusOr<std::string> AcceptTime(const RequestKey& key, const RequestCaller& caller,
                                         const std::string& school_id, const std::string& id, const std::string& etag,
                                         const Interval& time, std::optional<Mode> mode, const RequestEncoder& encode);
  absl::StatusOr<std::string> Decline(const RequestKey& key, const RequestCaller& caller, const std::string& school_id,
                                      const std::string& id, const std::string& etag, const std::string& reason,
                                      const RequestEncoder& encode);
  // Open or offered: withdrawn. Booked: cancelled by the guardian, its booking cancelled through
  // the booker.
  absl::StatusOr<std::string> Withdraw(const RequestKey& key, const RequestCaller& caller, const std::string& school_id,
                                       const std::string& id, const std::string& etag, const RequestEncoder& encode);

  // RequestOutcomes: held (a missed call: called back), no-show, call missed (opens the call-back
  // clock), cancelled by the school (back to open, clocks running).
  absl::Status MeetingOutcome(const RequestKey& key, const std::string& school_id, const std::string& request_id,
                              const std::string& booking_id, Outcome outcome, const std::string& actor,
                              absl::Time at) override;

  // What the store's timer handler asks when a clock's timer fires (OnClockDue with the owner's and
  // line manager's working periods).
  RequestTimerPlan ClockTimerPlan();

  // Slots of the length asked in the free time of every member of `staff` (and the guardian's)
  // inside the window, on the school's slot step, not in the past.
  absl::StatusOr<std::vector<Interval>> ListAvailableSlots(const AvailableSlotsQuery& query);

 private:
  absl::Time Now() const;
  absl::StatusOr<StoredRequest> Visible(const RequestCaller& caller, const std::string& school_id,
                                        const std::string& id);
  // The member's free time inside `window`: their calendar and teaching hours, exceptions, bookings.
  absl::StatusOr<std::vector<Interval>> FreeTimeOf(const std::string& school_id, const std::string& staff,
                                                   Interval window, absl::Time now);
  absl::StatusOr<StaffMember> MemberOf(const std::string& school_id, const std::string& staff,
                                       std::vector<std::shared_ptr<const calendar::Calendar>>& keep);
  // Plans a Change on the request as stored and appends it; plans again when a concurrent write
  // moved the request. `plan` may ask peers.
  absl::StatusOr<std::string> Mutate(
      const RequestKey& key, const RequestCaller& caller, const std::string& school_id, const std::string& id,
      const std::string& etag, const RequestEncoder& encode,
      const std::function<absl::StatusOr<Change>(const StoredRequest& current, absl::Time now)>& plan);
  RequestWrite WriteOf(const Change& change, const RequestEncoder& encode);

  Ports ports_;
};

}  // namespace parley::appointments
