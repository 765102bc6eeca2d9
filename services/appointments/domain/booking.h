// Bookings: who is to meet, when and how, and the port of the store that keeps them without ever
// double-booking anyone (docs/architecture.md#bookings-and-holds). A booking occupies the time of every
// member of staff, guardian and interpreter on it, and of its room if it has one; the store refuses
// a booking that would overlap another live one for any of them (PostgreSQL exclusion constraints,
// services/appointments/migrations), so a lost race is ABORTED (SLOT_TAKEN), never a double booking.
//
// Holds: a parent picking slots first holds them for a short lease, then confirms; a schedule of
// several slots (a parents' evening with three teachers) is held in one Hold and confirmed in one
// Confirm, all or none. A hold whose lease ran out blocks nobody: the next write over its time, or
// the sweep, releases it (state kLapsed), and it can no longer be confirmed (HOLD_EXPIRED).
//
// Plain value types: no pqxx, no protobuf, no gRPC.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/time/time.h"
#include "common/request/request_key.h"
#include "services/appointments/domain/interval.h"

namespace parley::appointments {

using request::RequestKey;

enum class BookingKind { kMeeting = 1, kEvening = 2, kCall = 3 };

enum class BookingState {
  kHeld = 1,        // leased until hold_expires; occupies its time until then
  kConfirmed = 2,   // occupies its time
  kCancelled = 3,   // its time is free again
  kNoShow = 4,      // confirmed, took place without the guardian; its time stays occupied (it passed)
  kLapsed = 5,      // a hold whose lease ran out and was released; its time is free again
  kAttended = 6,    // confirmed, and the meeting took place; its time stays occupied (it passed)
  kMissedCall = 7,  // an arranged call nobody answered; its time stays occupied (it passed)
};

// What a held booking waits for before it can be confirmed (Booking::waiting_for): the conduct
// gate's second member of staff, and the interpreter of an interpreted meeting.
inline constexpr char kWaitingSecondStaff[] = "second_staff";
inline constexpr char kWaitingInterpreter[] = "interpreter";

// One of the conduct gate's decisions about the meeting, as recorded on the booking: which guardian
// it was asked for, the decision in conduct, and its outcome and requirements as conduct names
// them ("ALLOW", "DEFER", "REDIRECT", "REQUIRES_SECOND_STAFF", "HEAD_INFORMED", "OFF_SITE_ONLY").
struct GateRecord {
  std::string guardian_id;
  std::string decision;
  std::vector<std::string> outcomes;
  std::string explanation;
  absl::Time decide_time;

  friend bool operator==(const GateRecord& a, const GateRecord& b) {
    return a.guardian_id == b.guardian_id && a.decision == b.decision && a.outcomes == b.outcomes &&
           a.explanation == b.explanation && a.decide_time == b.decide_time;
  }
};

enum class MeetingMode { kInPerson = 1, kPhone = 2, kVideo = 3 };

// Whose time a booking occupies: each kind is checked on its own (a teacher and a guardian with
// the same id never clash).
enum class OccupantKind { kStaff = 1, kGuardian = 2, kInterpreter = 3, kRoom = 4 };

// "staff", "guardian", "interpreter", "room": the words error messages use, and the values of
// occupancy.occupant_kind.
absl::string_view OccupantKindName(OccupantKind kind);

struct Occupant {
  OccupantKind kind = OccupantKind::kStaff;
  std::string id;

  friend bool operator==(const Occupant& a, const Occupant& b) { return a.kind == b.kind && a.id == b.id; }
};

struct InterpreterBooking {
  std::string id;        // the interpreter (an outside agency's person, or a member of staff)
  std::string language;  // the language interpreted, as the school records it ("pl", "Polish")
};

struct Booking {
  std::string id;
  std::string school_id;
  std::optional<std::string> evening_id;  // set for a parents' evening slot
  BookingKind kind = BookingKind::kMeeting;
  BookingState state = BookingState::kHeld;  // output: the store sets it
  Interval during;                           // half-open [start, end)
  MeetingMode mode = MeetingMode::kInPerson;
  std::string video_link;                         // for kVideo; may be empty until the link is made
  std::vector<std::string> staff_ids;             // staff of the school; each occupies their time
  std::vector<std::string> guardian_ids;          // each occupies their time
  std::vector<std::string> pupil_ids;             // whom the meeting is about; occupies nobody's time
  std::optional<InterpreterBooking> interpreter;  // occupies the interpreter's time
  std::optional<std::string> room;                // occupies the room
  // An interpreted meeting's language (BCP 47, lower case): `interpreter` speaks it once assigned.
  // Unset with an interpreter: the interpreter's language.
  std::optional<std::string> language;
  // Why the staff attend, by staff id: the role resolved for the pupil ("senco", "deputy_head",
  // "headteacher"); a member of staff absent here was asked for by name.
  std::map<std::string, std::string> staff_roles;
  // People from outside the school (an education welfare officer, an outside agency), described
  // only. Personal data: stored, never logged. They occupy nobody's time.
  std::vector<std::string> guests;
  std::optional<std::string> meeting_request_id;  // the meeting request it was booked for
  std::vector<std::string> waiting_for;           // kWaiting*: a held booking cannot be confirmed yet
  std::vector<GateRecord> gate;                   // the conduct gate's decisions, one per guardian
  // Output. The hold this booking was made under (the same for every booking of one Hold or Book)
  // and, while held, when its lease runs out.
  std::string hold_id;
  std::optional<absl::Time> hold_expires;
  std::string created_by;
  std::string cancel_reason;  // output: set by Cancel
  absl::Time create_time;     // output
  absl::Time update_time;     // output
  std::string etag;           // output: changes with every change of the booking
};

// The occupants a booking takes the time of: staff, guardians, the interpreter, the room.
std::vector<Occupant> OccupantsOf(const Booking& b);

// Checks bookings about to be written together (one Hold or Book): ids present, one school, a
// non-empty span each, at least one member of staff or guardian each, no id twice, and no two of
// them overlapping for one occupant (a schedule must not clash with itself).
// INVALID_ARGUMENT (INVALID_BOOKING) naming the booking.
absl::Status CheckNewBookings(const std::vector<Booking>& bookings);

// The store of bookings. Every write is idempotent on its RequestKey (a retry with the same key
// returns the first answer and writes nothing new) and happens in one transaction.
class BookingStore {
 public:
  virtual ~BookingStore() = default;

  // Writes `bookings` (CheckNewBookings; state, hold and times are set here) as one hold, all or
  // none, state kHeld until now + lease. An overlap with a live booking (confirmed, or held and not
  // expired at `now`) for any occupant → ABORTED (SLOT_TAKEN) naming the occupant's kind, and
  // nothing is written. Holds that expired by `now` and overlap are released first.
  virtual absl::StatusOr<std::vector<Booking>> Hold(const RequestKey& key, const std::vector<Booking>& bookings,
                                                    absl::Duration lease, absl::Time now) = 0;

  // Confirms every booking of hold `hold_id`, all or none; `booking_ids` must be exactly the hold's
  // bookings. A booking that is not there → NOT_FOUND (BOOKING_NOT_FOUND); one of another hold, or
  // ids that are not the whole hold → FAILED_PRECONDITION (HOLD_MISMATCH); a lease that ran out by
  // `now` → FAILED_PRECONDITION (HOLD_EXPIRED); a booking no longer held → WRONG_STATE.
  virtual absl::StatusOr<std::vector<Booking>> Confirm(const RequestKey& key, const std::string& school_id,
                                                       const std::string& hold_id,
                                                       const std::vector<std::string>& booking_ids, absl::Time now) = 0;

  // Hold and Confirm in one step (staff booking a meeting directly): confirmed at once.
  virtual absl::StatusOr<std::vector<Booking>> Book(const RequestKey& key, const std::vector<Booking>& bookings,
                                                    absl::Time now) = 0;

  // Cancels a held or confirmed booking and frees its time. NOT_FOUND (BOOKING_NOT_FOUND);
  // WRONG_STATE when cancelled, lapsed or a no-show already.
  virtual absl::StatusOr<Booking> Cancel(const RequestKey& key, const std::string& school_id, const std::string& id,
                                         const std::string& reason, absl::Time now) = 0;

  // Records that a confirmed booking that has started took place without the guardian.
  // NOT_FOUND (BOOKING_NOT_FOUND); WRONG_STATE when not confirmed or not started by `now`.
  virtual absl::StatusOr<Booking> MarkNoShow(const RequestKey& key, const std::string& school_id, const std::string& id,
                                             absl::Time now) = 0;

  // NOT_FOUND (BOOKING_NOT_FOUND).
  virtual absl::StatusOr<Booking> Get(const std::string& school_id, const std::string& id) = 0;

  // The spans within [from, to) in which `who` is occupied at `now`: by confirmed bookings, no-shows
  // and holds not yet expired. In start order; the spans are the bookings' own (not clipped).
  virtual absl::StatusOr<std::vector<Interval>> ListBusy(const std::string& school_id, const Occupant& who,
                                                         absl::Time from, absl::Time to, absl::Time now) = 0;

  // Every booking of a parents' evening, in any state, by start time then id.
  virtual absl::StatusOr<std::vector<Booking>> ListEveningBookings(const std::string& school_id,
                                                                   const std::string& evening_id) = 0;

  // Releases up to `limit` holds whose lease ran out by `now` (state kLapsed, time freed) and
  // returns how many. Safe to run on several replicas at once. Not keyed: releasing twice is a no-op.
  virtual absl::StatusOr<int64_t> SweepExpiredHolds(absl::Time now, int limit) = 0;
};

}  // namespace parley::appointments
