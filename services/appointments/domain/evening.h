// Parents' evenings: each teacher's grid of slots, and automatic scheduling — a guardian gives the
// earliest and latest time they can attend and the teachers they want, and Parley proposes the most
// compact set of slots, one per teacher, with the walk between rooms where the school sets one
// (docs/architecture.md#parents-evenings). Pure functions: the service holds what they propose.
#pragma once

#include <map>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "absl/types/span.h"
#include "services/appointments/domain/interval.h"

namespace parley::appointments {

struct EveningTeacher {
  std::string staff_id;
  Interval window;               // the teacher's own window inside the evening
  std::vector<Interval> breaks;  // no slot overlaps one
  std::string room;              // empty: the school sets no rooms
};

struct EveningGrid {
  Interval span;  // the evening
  absl::Duration slot_length = absl::Minutes(10);
  // Time to walk between two rooms, added between a guardian's consecutive slots in different
  // rooms (zero: none, or the school sets no rooms).
  absl::Duration walk = absl::ZeroDuration();
  // An interpreted meeting takes this long (a school setting; at least slot_length): it occupies
  // as many consecutive slots of the teacher's grid as cover it.
  absl::Duration interpreted_length = absl::Minutes(20);
  std::vector<EveningTeacher> teachers;
};

// INVALID_ARGUMENT naming the fault: a slot length outside 1-120 minutes, an interpreted length
// shorter than a slot, a negative walk, a teacher listed twice, a teacher window or break outside
// the evening or ending before it starts.
absl::Status ValidateGrid(const EveningGrid& grid);

// The teacher's slots: back to back from the start of their window, a break pushing the next slot
// to its end, none running past the window's end.
std::vector<Interval> TeacherSlots(const EveningGrid& grid, const EveningTeacher& teacher);

struct ScheduleRequest {
  absl::Time earliest;                // the guardian can arrive from
  absl::Time latest;                  // and must leave by
  std::vector<std::string> teachers;  // staff ids, each once; at most kMaxScheduledTeachers
  bool interpreted = false;           // every meeting with an interpreter (interpreted_length)
};
inline constexpr int kMaxScheduledTeachers = 8;

struct ProposedSlot {
  std::string staff_id;
  Interval slot;

  friend bool operator==(const ProposedSlot& a, const ProposedSlot& b) {
    return a.staff_id == b.staff_id && a.slot == b.slot;
  }
};

// What is already taken when the guardian asks.
struct EveningBusy {
  std::map<std::string, std::vector<Interval>> teachers;  // by staff id: booked or held slots
  std::vector<Interval> guardian;                         // the guardian's own bookings that evening
  std::vector<Interval> interpreter;                      // the interpreter's, for an interpreted request
  // Same-language meetings already booked: among equally compact schedules the one that starts or
  // ends against one of them wins, so an interpreter's meetings run back to back.
  std::vector<Interval> same_language;
};

// The most compact schedule: one meeting per teacher wanted, none overlapping, consecutive meetings
// in different rooms at least `walk` apart, all inside [earliest, latest] and free for the teacher,
// the guardian and (interpreted) the interpreter. Compact = the shortest time from the first
// meeting's start to the last one's end; ties go to the one next to a same-language meeting, then
// the earliest. In meeting order. Exact (a search over the orders of teachers, pruned by the
// earliest finish for each set of teachers met), so it never misses a schedule that exists.
// INVALID_ARGUMENT for a bad request (no teachers, one not on the grid or listed twice, more than
// kMaxScheduledTeachers, latest not after earliest); FAILED_PRECONDITION (NO_SCHEDULE) when no
// schedule fits.
absl::StatusOr<std::vector<ProposedSlot>> ProposeSchedule(const EveningGrid& grid, const ScheduleRequest& request,
                                                          const EveningBusy& busy);

}  // namespace parley::appointments
