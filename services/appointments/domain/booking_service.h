// The bookings use cases (docs/architecture.md#bookings-and-holds): meetings and arranged calls
// booked by the school's staff with their attendees (staff by name, or by role resolved for the
// pupil), outside guests and an interpreter; the conduct gate asked for every guardian and each of
// its decisions recorded on the booking; holds confirmed all or none (parents' evening holds too);
// attendees and interpreters added later; cancellation; and the outcome of a meeting, passed on to
// the meeting request it was booked for.
//
// What the gate decides:
//   REDIRECT              refused, FAILED_PRECONDITION (MEETING_REDIRECTED) naming the point of contact
//   DEFER                 refused before next_allowed_time (MEETING_DEFERRED); from then on, booked
//   OFF_SITE_ONLY         in person refused (OFF_SITE_ONLY); phone and video booked
//   REQUIRES_SECOND_STAFF held, waiting for a second member of staff, until AddStaff adds one
//   HEAD_INFORMED         a notice to the head at once (appointments.head_informed), unless the head attends
// An interpreted meeting lasts at least the school's interpreted length and is held, waiting, until
// AssignInterpreter co-books an interpreter of its language. A held booking that waits for someone
// keeps its time until its start; once nothing is missing it is confirmed. Confirmation tells each
// guardian separately (appointments.booking_confirmed). Every write is idempotent on its RequestKey.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "common/clock/clock.h"
#include "services/appointments/domain/booking.h"
#include "services/appointments/domain/booking_details_store.h"
#include "services/appointments/domain/booking_ports.h"
#include "services/appointments/domain/evening_events.h"
#include "services/appointments/domain/peers.h"
#include "services/appointments/domain/settings.h"

namespace parley::appointments {

// Who acts, as the API resolved the caller.
struct BookingCaller {
  std::string actor;  // "schools/{school}/staff/{id}", "guardians/{id}", "service:..."
  // Set for a guardian: they see and act on their own bookings only (others are not found).
  std::optional<std::string> guardian_id;
  // Set for a member of staff who reaches only their own bookings (a teacher): those they attend.
  std::optional<std::string> staff_id;
};

// A member of staff attending: by name, or by role resolved for the booking's first pupil (a role
// with a staff id: resolved already, recorded as why they attend).
struct StaffAttendee {
  std::string staff_id;  // by name; empty: resolved from the role
  WantedRole role = WantedRole::kNamed;
};

struct NewBooking {
  std::string school_id;
  BookingKind kind = BookingKind::kMeeting;  // kMeeting or kCall (a call is by phone)
  Interval during;
  MeetingMode mode = MeetingMode::kInPerson;
  std::string video_link;
  std::vector<std::string> guardian_ids;  // at least one
  std::vector<std::string> pupil_ids;     // each linked to every guardian
  std::vector<StaffAttendee> staff;       // at least one; the first is whom the meeting is with
  std::vector<std::string> guests;        // described only; personal data
  std::optional<std::string> language;    // interpreted
  std::optional<std::string> interpreter_id;
  std::optional<std::string> room;
  bool confirm = false;  // confirm at once when nothing is missing; else held for the hold length
  // A meeting that took place, recorded afterwards: it must have ended; ATTENDED at once, the gate
  // not asked (it decides meetings to come), no notices.
  bool held = false;
};

struct BookingPage {
  std::vector<Booking> bookings;
  std::optional<BookingCursor> next;  // set when there may be more
};

// "senco", "deputy_head", "headteacher", "class_teacher", "head_of_year"; "" for kNamed.
const char* RoleWord(WantedRole role);

class BookingService final : public MeetingBooker {
 public:
  // Every pointer must outlive the service.
  BookingService(BookingDetailsStore* store, Directory* directory, Gate* gate, SettingsSource* settings,
                 const Clock* clock);

  // The requests slice's use cases, told the outcome of a booking made for a meeting request.
  // Wired once by main.cc before serving (the two services know each other).
  void SetRequestOutcomes(RequestOutcomes* outcomes) { outcomes_ = outcomes; }
  // The parents' evenings use cases, told of a cancelled evening slot so the first guardian waiting
  // for that teacher is offered it. Wired once by main.cc; unset: the waiting-list sweep offers it.
  void SetEveningEvents(EveningBookingEvents* events) { evening_events_ = events; }

  absl::StatusOr<Booking> CreateBooking(const RequestKey& key, const NewBooking& booking, const BookingCaller& caller);
  absl::StatusOr<Booking> GetBooking(const std::string& school_id, const std::string& id, const BookingCaller& caller);
  // A guardian's list is their own bookings whatever the filter says. `filter.window` is required
  // and at most 93 days long (INVALID_ARGUMENT, INVALID_FIELD).
  absl::StatusOr<BookingPage> ListBookings(const std::string& school_id, BookingFilter filter,
                                           const std::optional<BookingCursor>& after, int limit,
                                           const BookingCaller& caller);
  // The bookings of one hold, all or none (store Confirm's refusals; BOOKING_INCOMPLETE for one
  // still waiting for someone).
  absl::StatusOr<std::vector<Booking>> ConfirmBookings(const RequestKey& key, const std::string& school_id,
                                                       const std::vector<std::string>& ids,
                                                       const BookingCaller& caller);
  // `etag` empty: whatever the booking is now.
  absl::StatusOr<Booking> AddStaff(const RequestKey& key, const std::string& school_id, const std::string& id,
                                   const std::string& staff_id, const std::string& etag, const BookingCaller& caller);
  absl::StatusOr<Booking> AddGuest(const RequestKey& key, const std::string& school_id, const std::string& id,
                                   const std::string& description, const std::string& etag,
                                   const BookingCaller& caller);
  absl::StatusOr<Booking> AssignInterpreter(const RequestKey& key, const std::string& school_id, const std::string& id,
                                            const std::string& interpreter_id, const std::string& etag,
                                            const BookingCaller& caller);
  // The school or the booking's guardian (a guardian cancels a meeting request's booking through
  // the request). A booking of a meeting request cancelled by the school tells the request.
  absl::StatusOr<Booking> CancelBooking(const RequestKey& key, const std::string& school_id, const std::string& id,
                                        const std::string& reason, const std::string& etag,
                                        const BookingCaller& caller);
  // kAttended, kNoShow or kMissedCall (a call only), once the booking has started.
  absl::StatusOr<Booking> RecordOutcome(const RequestKey& key, const std::string& school_id, const std::string& id,
                                        BookingState outcome, const std::string& etag, const BookingCaller& caller);

  // MeetingBooker.
  absl::StatusOr<Booking> BookForRequest(const RequestKey& key, const MeetingRequest& request, const MeetingSlot& slot,
                                         const std::string& actor, absl::Time now) override;
  absl::Status CancelForRequest(const RequestKey& key, const std::string& school_id, const std::string& booking_id,
                                const std::string& reason, absl::Time now) override;

 private:
  absl::StatusOr<Booking> Create(const RequestKey& key, const NewBooking& in,
                                 const std::optional<std::string>& meeting_request_id, const std::string& actor,
                                 const std::optional<std::string>& caller_staff, absl::Time now);
  // The booking as `caller` may see it at `now` (NOT_FOUND for a guardian not on it).
  absl::StatusOr<Booking> Load(const std::string& school_id, const std::string& id, const BookingCaller& caller,
                               absl::Time now);
  // A held or confirmed booking that can still change (not started, lease not run out).
  absl::Status CheckChangeable(const Booking& b, absl::Time now);
  absl::Status CheckOnStaff(const std::string& school_id, const std::string& staff_id);
  absl::Status CheckStaffFree(const std::string& school_id, const std::string& staff_id, const Interval& during);
  // Completes `after` (confirmed once nothing is missing) and writes it with its notices.
  absl::StatusOr<Booking> Save(const RequestKey& key, const Booking& before, Booking after, absl::Time now);
  absl::StatusOr<std::vector<Notice>> ConfirmedNotices(const std::vector<Booking>& bookings, absl::Time now);
  absl::Status TellRequest(const RequestKey& key, const Booking& b, RequestOutcomes::Outcome outcome,
                           const std::string& actor, absl::Time at);

  BookingDetailsStore* store_;
  Directory* directory_;
  Gate* gate_;
  SettingsSource* settings_;
  const Clock* clock_;
  RequestOutcomes* outcomes_ = nullptr;
  EveningBookingEvents* evening_events_ = nullptr;
};

}  // namespace parley::appointments
