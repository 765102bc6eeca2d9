// A member of staff's free time for meetings, derived rather than typed in
// (docs/architecture.md#appointments): their working periods (the school calendar intersected with
// their working pattern), outside the school's teaching hours where the school says its staff
// teach then, with per-date exceptions, minus what is already booked. Pure functions over
// common/calendar: no store, no clock.
#pragma once

#include <optional>
#include <vector>

#include "absl/time/civil_time.h"
#include "absl/time/time.h"
#include "absl/types/span.h"
#include "common/calendar/calendar.h"
#include "services/appointments/domain/interval.h"

namespace parley::appointments {

// A date on which the member's hours are not the derived ones: `hours` (local, school time zone)
// replace them — empty means not available at all that day (a course, a day off in lieu), and
// hours outside the school's day are honoured as given (a late meeting agreed for that date).
struct AvailabilityException {
  absl::CivilDay day;
  std::vector<calendar::HoursRange> hours;
};

struct AvailabilityInput {
  // The member's calendar (Calendar::Build with their working pattern); its zone is the school's.
  const calendar::Calendar* calendar = nullptr;
  // The school's teaching hours when its policy says staff teach then (Milton Road 08:50-15:25):
  // meetings fall before or after. Unset: any time in the working period.
  std::optional<calendar::HoursRange> teaching_hours;
  std::vector<AvailabilityException> exceptions;  // at most one per date
  std::vector<Interval> busy;                     // held and confirmed bookings, any order, may overlap
};

// The member's free time inside `window`, in order, disjoint, each piece at least `min_length`
// long (zero: every piece).
std::vector<Interval> FreeTime(const AvailabilityInput& input, Interval window,
                               absl::Duration min_length = absl::ZeroDuration());

// Slots of `length` inside `free` that start on the school's local clock at multiples of `step`
// past the hour (step 15 minutes: 16:00, 16:15, ...), in order. A slot never straddles two pieces
// of free time. `length` and `step` must be positive (an empty result otherwise).
std::vector<Interval> SlotsIn(absl::Span<const Interval> free, absl::Duration length, absl::Duration step,
                              const absl::TimeZone& zone);

// `a` minus everything in `b`: both in order and disjoint within themselves; the result is too.
std::vector<Interval> Subtract(absl::Span<const Interval> a, absl::Span<const Interval> b);

// Sorts and merges overlapping or touching intervals; drops empty ones.
std::vector<Interval> Normalize(std::vector<Interval> intervals);

}  // namespace parley::appointments
