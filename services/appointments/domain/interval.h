// A span of time, half-open [start, end): the unit of availability, slots and bookings. Two
// intervals that only touch (one ends as the other starts) do not overlap, as in PostgreSQL's
// tstzrange '[)' with which bookings are stored.
#pragma once

#include <vector>

#include "absl/time/time.h"

namespace parley::appointments {

struct Interval {
  absl::Time start;
  absl::Time end;

  absl::Duration length() const { return end - start; }
  bool empty() const { return end <= start; }
  bool Overlaps(const Interval& o) const { return start < o.end && o.start < end; }
  bool Contains(const Interval& o) const { return start <= o.start && o.end <= end; }

  friend bool operator==(const Interval& a, const Interval& b) { return a.start == b.start && a.end == b.end; }
  friend bool operator!=(const Interval& a, const Interval& b) { return !(a == b); }
  friend bool operator<(const Interval& a, const Interval& b) {
    return a.start < b.start || (a.start == b.start && a.end < b.end);
  }
};

}  // namespace parley::appointments
