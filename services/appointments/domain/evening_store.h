// Parents' evenings as stored: the evening (its grid, booking window, limits and household rule),
// the waiting lists and the families' household choices, and the port of the store that keeps
// them (docs/architecture.md#parents-evenings). The evening's slots themselves are bookings
// (domain/booking.h, kind kEvening, evening_id set): the bookings store is what refuses a double
// booking. Plain value types: no pqxx, no protobuf, no gRPC.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "common/request/request_key.h"
#include "services/appointments/domain/evening.h"
#include "services/appointments/domain/notice.h"

namespace parley::appointments {

using request::RequestKey;

// Separated parents: one meeting per pupil and teacher for the household, or one each.
enum class HouseholdRule { kOnePerHousehold = 1, kOneEach = 2 };

// What a caller sees: kScheduled before booking opens, kOpen while it is open, kClosed after;
// kCancelled once cancelled. Only cancellation is stored; the rest follows from the clock.
enum class EveningState { kScheduled = 1, kOpen = 2, kClosed = 3, kCancelled = 4 };

struct ParentsEvening {
  std::string id;
  std::string school_id;
  std::string title;  // "Year 7 parents' evening"
  EveningGrid grid;
  std::vector<int> year_groups;                       // empty: every year group
  absl::Time opens_at;                                // booking opens at this instant
  absl::Time closes_at;                               // and closes at this one (at the latest when the evening starts)
  absl::Duration hold_length = absl::ZeroDuration();  // zero: the school's setting
  int max_per_guardian = 0;                           // 0: no limit beyond one per pupil and teacher
  HouseholdRule household_rule = HouseholdRule::kOnePerHousehold;  // the school's default
  bool cancelled = false;
  std::string cancel_reason;
  std::string created_by;
  absl::Time create_time;  // output
  absl::Time update_time;  // output
  std::string etag;        // output: changes with every change
};

EveningState StateAt(const ParentsEvening& evening, absl::Time now);

// A guardian waiting for a teacher. The first in line without an offer gets the next freed slot,
// held for them (offered_booking_id) and told by a notice.
struct WaitingEntry {
  std::string id;
  std::string school_id;
  std::string evening_id;
  std::string staff_id;
  std::string guardian_id;
  std::string pupil_id;
  int64_t sequence = 0;            // output: order of joining (the line's order)
  int position = 0;                // output: 1 for the first in the teacher's line
  std::string offered_booking_id;  // output: empty until a slot is offered
  absl::Time create_time;          // output
};

// A family's choice for one pupil against the evening's household rule.
struct HouseholdChoice {
  std::string school_id;
  std::string evening_id;
  std::string pupil_id;
  HouseholdRule rule = HouseholdRule::kOnePerHousehold;
  std::string chosen_by;  // guardian or member of staff id
  absl::Time update_time;
};

// The store of evenings, waiting lists and household choices. Every write is one transaction,
// idempotent on its RequestKey (a retry returns the first answer and writes nothing new); the
// notices passed with a write are written to the outbox in the same transaction, once per key.
class EveningStore {
 public:
  virtual ~EveningStore() = default;

  // ALREADY_EXISTS (EVENING_EXISTS) when the id is taken at the school.
  virtual absl::StatusOr<ParentsEvening> Create(const RequestKey& key, const ParentsEvening& evening,
                                                absl::Time now) = 0;
  // NOT_FOUND (EVENING_NOT_FOUND).
  virtual absl::StatusOr<ParentsEvening> Get(const std::string& school_id, const std::string& id) = 0;
  // By id, those after `after_id` (empty: from the first), at most `limit`.
  virtual absl::StatusOr<std::vector<ParentsEvening>> List(const std::string& school_id, const std::string& after_id,
                                                           int limit) = 0;
  // Marks the evening cancelled with the notices to its guardians. NOT_FOUND (EVENING_NOT_FOUND);
  // ABORTED (STALE_ETAG) when `etag` is set and not current; FAILED_PRECONDITION (WRONG_STATE) when
  // cancelled already.
  virtual absl::StatusOr<ParentsEvening> Cancel(const RequestKey& key, const std::string& school_id,
                                                const std::string& id, const std::string& reason,
                                                const std::string& etag, const std::vector<Notice>& notices,
                                                absl::Time now) = 0;

  // ALREADY_EXISTS (WAITING_ENTRY_EXISTS) when the guardian already waits for that teacher about
  // that pupil. Positions are filled in.
  virtual absl::StatusOr<WaitingEntry> JoinWaitingList(const RequestKey& key, const WaitingEntry& entry,
                                                       absl::Time now) = 0;
  // NOT_FOUND (WAITING_ENTRY_NOT_FOUND).
  virtual absl::Status LeaveWaitingList(const RequestKey& key, const std::string& school_id,
                                        const std::string& evening_id, const std::string& entry_id) = 0;
  // NOT_FOUND (WAITING_ENTRY_NOT_FOUND).
  virtual absl::StatusOr<WaitingEntry> GetWaitingEntry(const std::string& school_id, const std::string& evening_id,
                                                       const std::string& entry_id) = 0;
  // The evening's lines in order (by teacher, then sequence), positions filled in; `staff_id`
  // non-empty: that teacher's only.
  virtual absl::StatusOr<std::vector<WaitingEntry>> ListWaitingList(const std::string& school_id,
                                                                    const std::string& evening_id,
                                                                    const std::string& staff_id) = 0;
  // Records the booking held for an entry, with its notice, unless the entry already has one (then
  // the entry as it is). Not keyed: the notice's key and the entry's single offer make it safe to
  // repeat. NOT_FOUND (WAITING_ENTRY_NOT_FOUND) when the guardian left meanwhile.
  virtual absl::StatusOr<WaitingEntry> RecordOffer(const std::string& school_id, const std::string& evening_id,
                                                   const std::string& entry_id, const std::string& booking_id,
                                                   const Notice& notice) = 0;

  // Replaces the family's choice for the pupil.
  virtual absl::StatusOr<HouseholdChoice> SetHouseholdChoice(const RequestKey& key, const HouseholdChoice& choice,
                                                             absl::Time now) = 0;
  virtual absl::StatusOr<std::optional<HouseholdChoice>> GetHouseholdChoice(const std::string& school_id,
                                                                            const std::string& evening_id,
                                                                            const std::string& pupil_id) = 0;

  // Writes notices to the outbox, each once (a key already there is left alone).
  virtual absl::Status AddNotices(const std::vector<Notice>& notices) = 0;

  // Evenings not cancelled whose booking window is open at `now` and that have someone waiting
  // without an offer: where the waiting-list sweep looks. (school id, evening id) pairs.
  virtual absl::StatusOr<std::vector<std::pair<std::string, std::string>>> EveningsWithWaiting(absl::Time now) = 0;
};

}  // namespace parley::appointments
