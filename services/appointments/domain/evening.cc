#include "services/appointments/domain/evening.h"

#include <algorithm>
#include <set>

#include "absl/strings/str_cat.h"
#include "common/status/reason.h"
#include "services/appointments/domain/availability.h"

namespace parley::appointments {
namespace {

bool OverlapsAny(const Interval& i, absl::Span<const Interval> others) {
  return std::any_of(others.begin(), others.end(), [&](const Interval& o) { return i.Overlaps(o); });
}

const EveningTeacher* FindTeacher(const EveningGrid& grid, const std::string& id) {
  for (const EveningTeacher& t : grid.teachers) {
    if (t.staff_id == id) return &t;
  }
  return nullptr;
}

// The meetings the guardian could have with one teacher: free slots (or, interpreted, runs of
// back-to-back free slots covering the interpreted length) inside the guardian's window, in order.
std::vector<Interval> Candidates(const EveningGrid& grid, const EveningTeacher& teacher, const ScheduleRequest& request,
                                 const EveningBusy& busy) {
  static const std::vector<Interval> kNone;
  auto taken = busy.teachers.find(teacher.staff_id);
  const std::vector<Interval>& teacher_busy = taken == busy.teachers.end() ? kNone : taken->second;
  const std::vector<Interval> slots = TeacherSlots(grid, teacher);
  size_t run = 1;
  if (request.interpreted) {
    run = static_cast<size_t>(absl::Ceil(grid.interpreted_length, grid.slot_length) / grid.slot_length);
  }
  std::vector<Interval> out;
  for (size_t k = 0; k + run <= slots.size(); ++k) {
    Interval meeting = slots[k];
    bool ok = !OverlapsAny(slots[k], teacher_busy);
    for (size_t m = 1; ok && m < run; ++m) {
      ok = slots[k + m].start == meeting.end && !OverlapsAny(slots[k + m], teacher_busy);
      meeting.end = slots[k + m].end;
    }
    if (!ok || meeting.start < request.earliest || meeting.end > request.latest) continue;
    if (OverlapsAny(meeting, busy.guardian)) continue;
    if (request.interpreted && OverlapsAny(meeting, busy.interpreter)) continue;
    out.push_back(meeting);
  }
  return out;
}

}  // namespace

absl::Status ValidateGrid(const EveningGrid& grid) {
  if (grid.span.empty()) return InvalidArgument(reason::kInvalidField, "the evening must end after it starts");
  if (grid.slot_length < absl::Minutes(1) || grid.slot_length > absl::Minutes(120)) {
    return InvalidArgument(reason::kInvalidField, "slot length must be 1 to 120 minutes");
  }
  if (grid.interpreted_length < grid.slot_length) {
    return InvalidArgument(reason::kInvalidField, "an interpreted meeting cannot be shorter than a slot");
  }
  if (grid.walk < absl::ZeroDuration()) return InvalidArgument(reason::kInvalidField, "walk cannot be negative");
  std::set<std::string> seen;
  for (const EveningTeacher& t : grid.teachers) {
    if (!seen.insert(t.staff_id).second) {
      return InvalidArgument(reason::kInvalidField, absl::StrCat("teacher ", t.staff_id, " is listed twice"));
    }
    if (t.window.empty() || !grid.span.Contains(t.window)) {
      return InvalidArgument(reason::kInvalidField,
                             absl::StrCat("teacher ", t.staff_id, ": the window must lie inside the evening"));
    }
    for (const Interval& b : t.breaks) {
      if (b.empty() || !t.window.Contains(b)) {
        return InvalidArgument(reason::kInvalidField,
                               absl::StrCat("teacher ", t.staff_id, ": a break must lie inside their window"));
      }
    }
  }
  return absl::OkStatus();
}

std::vector<Interval> TeacherSlots(const EveningGrid& grid, const EveningTeacher& teacher) {
  std::vector<Interval> out;
  if (grid.slot_length <= absl::ZeroDuration()) return out;
  const std::vector<Interval> breaks = Normalize(teacher.breaks);
  absl::Time t = teacher.window.start;
  size_t b = 0;
  while (t + grid.slot_length <= teacher.window.end) {
    const Interval slot{t, t + grid.slot_length};
    while (b < breaks.size() && breaks[b].end <= slot.start) ++b;
    if (b < breaks.size() && breaks[b].Overlaps(slot)) {
      t = breaks[b].end;  // the next slot starts when the break ends
      continue;
    }
    out.push_back(slot);
    t = slot.end;
  }
  return out;
}

absl::StatusOr<std::vector<ProposedSlot>> ProposeSchedule(const EveningGrid& grid, const ScheduleRequest& request,
                                                          const EveningBusy& busy) {
  const size_t n = request.teachers.size();
  if (n == 0) return InvalidArgument(reason::kInvalidField, "teachers: name at least one");
  if (n > static_cast<size_t>(kMaxScheduledTeachers)) {
    return InvalidArgument(reason::kInvalidField,
                           absl::StrCat("teachers: at most ", kMaxScheduledTeachers, " in one schedule"));
  }
  if (request.latest <= request.earliest) {
    return InvalidArgument(reason::kInvalidField, "latest must be after earliest");
  }
  std::vector<const EveningTeacher*> teachers;
  std::vector<std::vector<Interval>> options;
  for (const std::string& id : request.teachers) {
    const EveningTeacher* t = FindTeacher(grid, id);
    if (t == nullptr)
      return InvalidArgument(reason::kInvalidField, absl::StrCat("teacher ", id, " is not on the grid"));
    if (std::find(teachers.begin(), teachers.end(), t) != teachers.end()) {
      return InvalidArgument(reason::kInvalidField, absl::StrCat("teacher ", id, " is listed twice"));
    }
    teachers.push_back(t);
    options.push_back(Candidates(grid, *t, request, busy));
    if (options.back().empty()) {
      return FailedPrecondition(reason::kNoSchedule,
                                absl::StrCat("teacher ", id, " has no free slot between the times given"));
    }
  }
  auto gap = [&](size_t from, size_t to) {
    const std::string& a = teachers[from]->room;
    const std::string& b = teachers[to]->room;
    return !a.empty() && !b.empty() && a != b ? grid.walk : absl::ZeroDuration();
  };
  // Index of teacher i's first option starting at or after t, or options[i].size().
  auto first_at = [&](size_t i, absl::Time t) {
    return static_cast<size_t>(std::lower_bound(options[i].begin(), options[i].end(), t,
                                                [](const Interval& o, absl::Time v) { return o.start < v; }) -
                               options[i].begin());
  };
  auto next_to_same_language = [&](const std::vector<ProposedSlot>& s) {
    for (const Interval& o : busy.same_language) {
      if (o.end == s.front().slot.start || o.start == s.back().slot.end) return true;
    }
    return false;
  };

  std::set<absl::Time> starts;
  for (const auto& opts : options) {
    for (const Interval& o : opts) starts.insert(o.start);
  }
  const size_t full = (size_t{1} << n) - 1;
  constexpr size_t kNoOption = static_cast<size_t>(-1);
  // State (set of teachers met, last teacher): the earliest finish, and how it was reached.
  struct State {
    absl::Time end = absl::InfiniteFuture();
    size_t option = kNoOption;  // the last teacher's option
    size_t prev = kNoOption;    // the teacher met before, kNoOption for the first
  };
  std::vector<State> dp((full + 1) * n);
  auto at = [&](size_t mask, size_t last) -> State& { return dp[mask * n + last]; };

  std::vector<ProposedSlot> best;
  absl::Duration best_span = absl::InfiniteDuration();
  bool best_adjacent = false;
  for (absl::Time t0 : starts) {
    std::fill(dp.begin(), dp.end(), State{});
    for (size_t i = 0; i < n; ++i) {
      const size_t k = first_at(i, t0);
      if (k < options[i].size()) at(size_t{1} << i, i) = State{options[i][k].end, k, kNoOption};
    }
    // Earliest finish is enough: among schedules with the same set and last teacher, the one
    // ending sooner can continue with everything the other can.
    for (size_t mask = 1; mask <= full; ++mask) {
      for (size_t last = 0; last < n; ++last) {
        const State& s = at(mask, last);
        if (s.option == kNoOption) continue;
        for (size_t i = 0; i < n; ++i) {
          if (mask & (size_t{1} << i)) continue;
          const size_t k = first_at(i, s.end + gap(last, i));
          if (k == options[i].size()) continue;
          State& next = at(mask | (size_t{1} << i), i);
          if (options[i][k].end < next.end) next = State{options[i][k].end, k, last};
        }
      }
    }
    size_t last = kNoOption;
    for (size_t j = 0; j < n; ++j) {
      if (at(full, j).option != kNoOption && (last == kNoOption || at(full, j).end < at(full, last).end)) last = j;
    }
    if (last == kNoOption) break;  // nothing fits from t0, so nothing from any later start
    std::vector<ProposedSlot> schedule;
    for (size_t mask = full, j = last; j != kNoOption;) {
      const State& s = at(mask, j);
      schedule.push_back(ProposedSlot{teachers[j]->staff_id, options[j][s.option]});
      mask &= ~(size_t{1} << j);
      j = s.prev;
    }
    std::reverse(schedule.begin(), schedule.end());
    const absl::Duration span = schedule.back().slot.end - schedule.front().slot.start;
    const bool adjacent = next_to_same_language(schedule);
    // Starts are visited in order, so on a full tie the earliest is kept.
    if (span < best_span || (span == best_span && adjacent && !best_adjacent)) {
      best = std::move(schedule);
      best_span = span;
      best_adjacent = adjacent;
    }
  }
  if (best.empty()) {
    return FailedPrecondition(reason::kNoSchedule,
                              "no set of free slots with every teacher fits between the times given");
  }
  return best;
}

}  // namespace parley::appointments
