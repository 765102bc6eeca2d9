#include "services/appointments/domain/availability.h"

#include <algorithm>

namespace parley::appointments {
namespace {

absl::Time LocalMinute(absl::CivilDay day, int minute, const absl::TimeZone& zone) {
  // 24:00 is the next day's midnight; FromCivil resolves a time the clock change skips to the
  // instant after it, so a range never inverts across the change.
  return absl::FromCivil(absl::CivilMinute(day) + minute, zone);
}

const AvailabilityException* ExceptionOn(const AvailabilityInput& input, absl::CivilDay day) {
  for (const AvailabilityException& e : input.exceptions) {
    if (e.day == day) return &e;
  }
  return nullptr;
}

}  // namespace

std::vector<Interval> Normalize(std::vector<Interval> intervals) {
  intervals.erase(std::remove_if(intervals.begin(), intervals.end(), [](const Interval& i) { return i.empty(); }),
                  intervals.end());
  std::sort(intervals.begin(), intervals.end());
  std::vector<Interval> out;
  for (const Interval& i : intervals) {
    if (!out.empty() && i.start <= out.back().end) {
      out.back().end = std::max(out.back().end, i.end);
    } else {
      out.push_back(i);
    }
  }
  return out;
}

std::vector<Interval> Subtract(absl::Span<const Interval> a, absl::Span<const Interval> b) {
  std::vector<Interval> out;
  size_t j = 0;
  for (Interval piece : a) {
    // Skip what ends before this piece; `b` is ordered, so those never matter again.
    while (j < b.size() && b[j].end <= piece.start) ++j;
    for (size_t k = j; k < b.size() && b[k].start < piece.end; ++k) {
      if (b[k].start > piece.start) out.push_back(Interval{piece.start, b[k].start});
      piece.start = std::max(piece.start, b[k].end);
      if (piece.empty()) break;
    }
    if (!piece.empty()) out.push_back(piece);
  }
  return out;
}

std::vector<Interval> FreeTime(const AvailabilityInput& input, Interval window, absl::Duration min_length) {
  std::vector<Interval> open;
  if (input.calendar == nullptr || window.empty()) return open;
  const calendar::Calendar& cal = *input.calendar;
  const absl::TimeZone& zone = cal.zone();
  const absl::CivilDay first = absl::ToCivilDay(window.start, zone);
  const absl::CivilDay last = absl::ToCivilDay(window.end - absl::Nanoseconds(1), zone);
  for (absl::CivilDay day = first; day <= last; ++day) {
    if (const AvailabilityException* e = ExceptionOn(input, day)) {
      for (const calendar::HoursRange& h : e->hours) {
        open.push_back(Interval{LocalMinute(day, h.open_minute, zone), LocalMinute(day, h.close_minute, zone)});
      }
      continue;
    }
    auto period = cal.PeriodOn(day);
    if (!period) continue;
    const Interval working{period->first, period->second};
    if (!input.teaching_hours) {
      open.push_back(working);
      continue;
    }
    const Interval teaching{LocalMinute(day, input.teaching_hours->open_minute, zone),
                            LocalMinute(day, input.teaching_hours->close_minute, zone)};
    const Interval before{working.start, std::min(working.end, teaching.start)};
    const Interval after{std::max(working.start, teaching.end), working.end};
    if (!before.empty()) open.push_back(before);
    if (!after.empty()) open.push_back(after);
  }
  // Clip to the window; exception hours may overlap each other, so normalise.
  for (Interval& i : open) {
    i.start = std::max(i.start, window.start);
    i.end = std::min(i.end, window.end);
  }
  open = Normalize(std::move(open));
  std::vector<Interval> free = Subtract(open, Normalize(input.busy));
  if (min_length > absl::ZeroDuration()) {
    free.erase(std::remove_if(free.begin(), free.end(), [&](const Interval& i) { return i.length() < min_length; }),
               free.end());
  }
  return free;
}

std::vector<Interval> SlotsIn(absl::Span<const Interval> free, absl::Duration length, absl::Duration step,
                              const absl::TimeZone& zone) {
  std::vector<Interval> out;
  if (length <= absl::ZeroDuration() || step <= absl::ZeroDuration()) return out;
  for (const Interval& piece : free) {
    // The first local-clock boundary at or after the piece's start: boundaries are counted from
    // the local hour, so a 15-minute step gives :00, :15, :30, :45 whatever the UTC offset.
    const absl::CivilSecond local = absl::ToCivilSecond(piece.start, zone);
    const absl::Time hour = absl::FromCivil(absl::CivilHour(local), zone);
    const absl::Duration into = piece.start - hour;
    absl::Time t = hour + absl::Ceil(into, step);
    for (; t + length <= piece.end; t += step) out.push_back(Interval{t, t + length});
  }
  return out;
}

}  // namespace parley::appointments
