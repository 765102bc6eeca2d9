// Parents' evenings: the use cases over the evening store, the bookings store, the directory, the
// conduct gate and the school's settings (docs/architecture.md#parents-evenings). Every slot a
// guardian takes is a Booking (kind kEvening, evening_id set) held through BookingStore::Hold and
// confirmed by ConfirmBookings (the bookings slice), so the database's exclusion constraints are
// what make double booking impossible; the checks here (the window, the grid, limits, the
// household rule, a guardian's own children) only refuse what the school's rules forbid.
#pragma once

#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "common/clock/clock.h"
#include "services/appointments/domain/booking.h"
#include "services/appointments/domain/evening.h"
#include "services/appointments/domain/evening_events.h"
#include "services/appointments/domain/evening_store.h"
#include "services/appointments/domain/peers.h"
#include "services/appointments/domain/settings.h"

namespace parley::appointments {

// Who acts: a guardian only ever for themselves and their own children; staff of the school for
// any guardian of it.
struct EveningActor {
  std::string id;
  bool guardian = false;
};

// A slot of a teacher's grid and whether anyone holds it. No names: what anyone may see.
struct EveningSlotView {
  std::string staff_id;
  Interval time;
  bool free = true;
  std::string room;
};

// One meeting a guardian asks for: the pupil, the teacher and (when holding) the slot.
struct EveningChoice {
  std::string pupil_id;
  std::string staff_id;
  Interval time;  // unused by ProposeSchedule
};

// A waiting-list offer stays held this long: the guardian hears of it by a notice, not while
// looking at the screen, so the two-minute lease of a live booking would lapse unseen.
inline constexpr absl::Duration kWaitingOfferLease = absl::Hours(2);
// Automatic scheduling holds what it proposes for two minutes (docs/architecture.md#parents-evenings).
inline constexpr absl::Duration kProposalLease = absl::Minutes(2);

class EveningService final : public EveningBookingEvents {
 public:
  // Every port must outlive the service.
  EveningService(EveningStore* evenings, BookingStore* bookings, Directory* directory, Gate* gate,
                 SettingsSource* settings, const Clock* clock);

  // ValidateGrid; every teacher on the school's staff (NOT_FOUND STAFF_NOT_FOUND otherwise: a
  // teacher from another school); booking opening before it closes, closing by the evening's start.
  // The id is derived from the request key.
  absl::StatusOr<ParentsEvening> Create(const RequestKey& key, ParentsEvening evening, const EveningActor& actor);
  absl::StatusOr<ParentsEvening> Get(const std::string& school_id, const std::string& id);
  absl::StatusOr<std::vector<ParentsEvening>> List(const std::string& school_id, const std::string& after_id,
                                                   int limit);
  // Cancels the evening, then every live booking of it, and tells each guardian booked
  // (appointments.evening_cancelled). A retry with the same key finishes a cancel cut short.
  absl::StatusOr<ParentsEvening> Cancel(const RequestKey& key, const std::string& school_id, const std::string& id,
                                        const std::string& reason, const std::string& etag);

  // Every teacher's slots (or one teacher's) with whether each is free now.
  absl::StatusOr<std::vector<EveningSlotView>> ListSlots(const std::string& school_id, const std::string& evening_id,
                                                         const std::string& staff_id, bool free_only);

  // Holds the slots chosen for `guardian_id`, all or none, for the evening's hold length (the
  // school's when the evening sets none). FAILED_PRECONDITION: WINDOW_NOT_OPEN before booking
  // opens, BOOKING_CLOSED after, WRONG_STATE when cancelled, BOOKING_LIMIT_REACHED past the
  // guardian's limit or a second meeting about one pupil with one teacher, HOUSEHOLD_BOOKED when
  // the other guardian of the pupil booked that teacher under one-per-household, NO_INTERPRETER,
  // MEETING_DEFERRED, MEETING_REDIRECTED or OFF_SITE_ONLY when the conduct gate refuses. INVALID_ARGUMENT
  // (INVALID_SLOT) for a slot not on the teacher's grid (interpreted: not a run of slots covering the interpreted
  // length) or a teacher not at the evening. PUPIL_NOT_FOUND for a pupil not the guardian's. A slot taken meanwhile is
  // ABORTED (SLOT_TAKEN) from the store.
  absl::StatusOr<std::vector<Booking>> HoldSlots(const RequestKey& key, const std::string& school_id,
                                                 const std::string& evening_id, const std::string& guardian_id,
                                                 const std::vector<EveningChoice>& choices,
                                                 const std::string& interpreter_language, const EveningActor& actor);

  // The most compact schedule (ProposeSchedule) with the teachers chosen between the guardian's
  // earliest and latest, over what is busy now, held together for kProposalLease; the same rules
  // as HoldSlots. FAILED_PRECONDITION (NO_SCHEDULE) when nothing fits.
  absl::StatusOr<std::vector<Booking>> Propose(const RequestKey& key, const std::string& school_id,
                                               const std::string& evening_id, const std::string& guardian_id,
                                               const Interval& available, const std::vector<EveningChoice>& choices,
                                               const std::string& interpreter_language, const EveningActor& actor);

  // Joins a teacher's waiting line (the evening not cancelled or closed, the teacher at the
  // evening, the pupil the guardian's, and the conduct gate allowing the guardian an evening
  // meeting with the teacher: refused as HoldSlots is). The entry's position is filled in.
  absl::StatusOr<WaitingEntry> JoinWaitingList(const RequestKey& key, WaitingEntry entry, const EveningActor& actor);
  // A guardian leaves only their own entry (others are NOT_FOUND to them).
  absl::Status LeaveWaitingList(const RequestKey& key, const std::string& school_id, const std::string& evening_id,
                                const std::string& entry_id, const EveningActor& actor);
  // A guardian sees only their own entries (positions still count everyone ahead).
  absl::StatusOr<std::vector<WaitingEntry>> ListWaitingList(const std::string& school_id, const std::string& evening_id,
                                                            const std::string& staff_id, const EveningActor& actor);

  // A family's choice for a pupil (a guardian only for their own child), any time before the
  // evening ends.
  absl::StatusOr<HouseholdChoice> SetHouseholdChoice(const RequestKey& key, HouseholdChoice choice,
                                                     const EveningActor& actor);

  // The guardian's live bookings of the evening (held and not lapsed, confirmed, no-show), in time
  // order.
  absl::StatusOr<std::vector<Booking>> GuardianTimetable(const std::string& school_id, const std::string& evening_id,
                                                         const std::string& guardian_id);
  // The teacher's live bookings of the evening, with who comes when (staff only), in time order.
  absl::StatusOr<std::vector<Booking>> TeacherTimetable(const std::string& school_id, const std::string& evening_id,
                                                        const std::string& staff_id);

  // Offers each free slot of the evening (starting after now) to the first guardian waiting for
  // that teacher without an offer whom the conduct gate allows that meeting (asked again for the
  // slot: an arrangement may have come since they joined; one refused is passed over this time):
  // held for kWaitingOfferLease in their name and told by a notice
  // (appointments.waiting_list_offer). Returns how many offers it made. Safe to repeat: a hold made
  // for an entry whose offer was not recorded (a crash in between) is found and recorded.
  absl::StatusOr<int> OfferFreedSlots(const std::string& school_id, const std::string& evening_id);
  // OfferFreedSlots over every open evening with someone waiting: run on a timer by main.cc, so a
  // freed slot is offered even if the cancel that freed it (or a lapsed hold) told nobody.
  absl::StatusOr<int> SweepWaitingLists();

  // The service's clock: what "open" and "free" are judged against.
  absl::Time Now() const { return clock_->Now(); }

  absl::Status EveningBookingsConfirmed(const std::vector<Booking>& confirmed) override;
  absl::Status EveningBookingCancelled(const Booking& cancelled) override;

 private:
  struct Context;
  absl::StatusOr<Context> LoadForBooking(const std::string& school_id, const std::string& evening_id,
                                         const std::string& guardian_id, const EveningActor& actor, absl::Time now);
  absl::Status CheckRules(const Context& ctx, const std::vector<EveningChoice>& choices);
  // The conduct gate on an evening meeting of `guardian_id` with `staff_id` at `at` (in person, a
  // school event): OK to go ahead, else FAILED_PRECONDITION MEETING_DEFERRED, MEETING_REDIRECTED
  // or OFF_SITE_ONLY. Asked for every slot held, on joining a waiting line and before each offer.
  absl::Status CheckEveningGate(const std::string& school_id, const std::string& guardian_id,
                                const std::string& staff_id, absl::Time at, const std::string& request_id);
  absl::StatusOr<std::vector<Booking>> HoldChoices(const RequestKey& key, const Context& ctx,
                                                   const std::vector<EveningChoice>& choices,
                                                   const std::string& interpreter_id,
                                                   const std::string& interpreter_language, absl::Duration lease,
                                                   const EveningActor& actor, absl::Time now);
  absl::Status CheckGuardianActor(const std::string& guardian_id, const EveningActor& actor);
  // The pupil's year group is one the evening is for (any, when it names none).
  static absl::Status CheckYearGroup(const ParentsEvening& evening, int year_group);
  // The pupil is one of the guardian's children at the school: its year group (-1: not known).
  absl::StatusOr<int> CheckOwnChild(const std::string& school_id, const std::string& guardian_id,
                                    const std::string& pupil_id, absl::Time now);
  absl::StatusOr<std::vector<Booking>> LiveBookings(const std::string& school_id, const std::string& evening_id,
                                                    absl::Time now);

  EveningStore* evenings_;
  BookingStore* bookings_;
  Directory* directory_;
  Gate* gate_;
  SettingsSource* settings_;
  const Clock* clock_;
};

}  // namespace parley::appointments
