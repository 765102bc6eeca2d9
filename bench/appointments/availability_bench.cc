// How fast appointments derives a teacher's free time and proposes a parents' evening schedule.
// Target (issue 14): availability for one teacher over a half-term with bookings in place at
// >= 10,000 computations/s on one core. Beside it, as the reference in the same process, the
// calendar's own deadline arithmetic over the same calendar (bench/calendar measures it alone).
#include <random>
#include <vector>

#include "benchmark/benchmark.h"
#include "common/calendar/calendar.h"
#include "common/calendar/testing/school_calendars.h"
#include "services/appointments/domain/availability.h"
#include "services/appointments/domain/evening.h"

namespace parley::appointments {
namespace {

const absl::TimeZone& London() {
  static const absl::TimeZone tz = [] {
    absl::TimeZone z;
    absl::LoadTimeZone("Europe/London", &z);
    return z;
  }();
  return tz;
}

absl::Time At(absl::CivilDay day, int h, int m) {
  return absl::FromCivil(absl::CivilMinute(day) + h * 60 + m, London());
}

// A part-time teacher (Monday to Thursday) at a school whose staff teach 08:50-15:25.
const calendar::Calendar& Teacher() {
  static const std::shared_ptr<const calendar::Calendar> cal = [] {
    calendar::CalendarSpec spec = calendar::testdata::England2025To26();
    spec.core_hours = {8 * 60, 17 * 60 + 30};
    calendar::WorkingPattern pattern;
    pattern.works = {true, true, true, true, false, false, false};
    return calendar::testdata::MustBuild(spec, &pattern);
  }();
  return *cal;
}

// The second half of the autumn term (3 November to 19 December 2025), with a booking most days
// before and after lessons and a training day off.
AvailabilityInput HalfTerm(int bookings) {
  AvailabilityInput in;
  in.calendar = &Teacher();
  in.teaching_hours = calendar::HoursRange{8 * 60 + 50, 15 * 60 + 25};
  std::mt19937 rng(14);
  for (int i = 0; i < bookings; ++i) {
    const absl::CivilDay day = absl::CivilDay(2025, 11, 3) + static_cast<int>(rng() % 47);
    const int start =
        rng() % 2 ? 8 * 60 + static_cast<int>(rng() % 3) * 15 : 15 * 60 + 30 + static_cast<int>(rng() % 7) * 15;
    in.busy.push_back(Interval{At(day, 0, start), At(day, 0, start + 15)});
  }
  in.exceptions = {{absl::CivilDay(2025, 11, 20), {}}};
  return in;
}

const Interval kHalfTerm{At(absl::CivilDay(2025, 11, 3), 0, 0), At(absl::CivilDay(2025, 12, 20), 0, 0)};

void BM_FreeTimeOverAHalfTerm(benchmark::State& state) {
  const AvailabilityInput in = HalfTerm(static_cast<int>(state.range(0)));
  size_t pieces = 0;
  for (auto _ : state) {
    std::vector<Interval> free = FreeTime(in, kHalfTerm, absl::Minutes(15));
    pieces = free.size();
    benchmark::DoNotOptimize(free);
  }
  state.counters["pieces"] = static_cast<double>(pieces);
  state.SetItemsProcessed(state.iterations());
}
BENCHMARK(BM_FreeTimeOverAHalfTerm)->Arg(0)->Arg(60)->Arg(200);

void BM_SlotsOverAHalfTerm(benchmark::State& state) {
  const AvailabilityInput in = HalfTerm(static_cast<int>(state.range(0)));
  size_t slots = 0;
  for (auto _ : state) {
    std::vector<Interval> s =
        SlotsIn(FreeTime(in, kHalfTerm, absl::Minutes(15)), absl::Minutes(15), absl::Minutes(15), London());
    slots = s.size();
    benchmark::DoNotOptimize(s);
  }
  state.counters["slots"] = static_cast<double>(slots);
  state.SetItemsProcessed(state.iterations());
}
BENCHMARK(BM_SlotsOverAHalfTerm)->Arg(60);

// Reference: a 5-working-day deadline on the same calendar, explained (the clock's usual work).
void BM_ReferenceDeadlineOnTheSameCalendar(benchmark::State& state) {
  const calendar::Budget budget{calendar::Unit::kWorkingDays, 5, {}};
  const absl::Time received = At(absl::CivilDay(2025, 11, 14), 16, 10);
  for (auto _ : state) {
    absl::StatusOr<calendar::Deadline> d = calendar::ComputeDeadline(Teacher(), budget, received, {}, true);
    benchmark::DoNotOptimize(d);
  }
  state.SetItemsProcessed(state.iterations());
}
BENCHMARK(BM_ReferenceDeadlineOnTheSameCalendar);

// A guardian asks for N teachers on an evening of 12 teachers x 18 ten-minute slots, two thirds
// already taken.
void BM_ProposeSchedule(benchmark::State& state) {
  const int n = static_cast<int>(state.range(0));
  const absl::CivilDay day(2025, 11, 12);
  EveningGrid grid;
  grid.span = Interval{At(day, 16, 0), At(day, 19, 0)};
  grid.walk = absl::Minutes(2);
  EveningBusy busy;
  ScheduleRequest request{At(day, 16, 0), At(day, 19, 0), {}, false};
  std::mt19937 rng(11);
  for (int t = 0; t < 12; ++t) {
    const std::string id = "t" + std::to_string(t);
    grid.teachers.push_back({id, grid.span, {}, "R" + std::to_string(t % 4)});
    if (t < n) request.teachers.push_back(id);
    for (int m = 0; m < 180; m += 10) {
      if (rng() % 3 != 0) busy.teachers[id].push_back({At(day, 16, m), At(day, 16, m + 10)});
    }
  }
  for (auto _ : state) {
    auto s = ProposeSchedule(grid, request, busy);
    benchmark::DoNotOptimize(s);
  }
  state.SetItemsProcessed(state.iterations());
}
BENCHMARK(BM_ProposeSchedule)->Arg(3)->Arg(6)->Arg(8);

}  // namespace
}  // namespace parley::appointments
