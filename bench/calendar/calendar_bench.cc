// How many deadlines one core computes per second. Services recompute every open enquiry's
// deadline when a calendar changes (clock rule 6 (docs/architecture.md#policy-clock-rules)), so the target is >=
// 1,000,000/s for WORKING_DAYS budgets without explanations.
#include <algorithm>
#include <random>
#include <vector>

#include "benchmark/benchmark.h"
#include "common/calendar/calendar.h"
#include "common/calendar/testing/school_calendars.h"

namespace parley::calendar {
namespace {

const Calendar& School() {
  static const std::shared_ptr<const Calendar> cal = testdata::MustBuild(testdata::England2025To26());
  return *cal;
}

// Receipts spread over the school year, holidays and nights included, in random order so the
// branch predictor cannot learn a sweep.
const std::vector<absl::Time>& Receipts() {
  static const std::vector<absl::Time> receipts = [] {
    std::mt19937_64 rng(7);
    const int64_t from = absl::ToUnixSeconds(absl::FromCivil(absl::CivilDay(2025, 8, 1), absl::UTCTimeZone()));
    const int64_t to = absl::ToUnixSeconds(absl::FromCivil(absl::CivilDay(2026, 6, 30), absl::UTCTimeZone()));
    std::uniform_int_distribution<int64_t> pick(from, to);
    std::vector<absl::Time> out(4096);
    for (absl::Time& t : out) t = absl::FromUnixSeconds(pick(rng));
    return out;
  }();
  return receipts;
}

void Run(benchmark::State& state, const Calendar& cal, const Budget& budget, bool explain,
         absl::Span<const Pause> pauses = {}) {
  const std::vector<absl::Time>& receipts = Receipts();
  size_t i = 0;
  for (auto _ : state) {
    absl::StatusOr<Deadline> d = ComputeDeadline(cal, budget, receipts[i++ & (receipts.size() - 1)], pauses, explain);
    if (!d.ok()) state.SkipWithError("deadline failed");
    benchmark::DoNotOptimize(d);
  }
  state.SetItemsProcessed(state.iterations());
}

void BM_WorkingDays(benchmark::State& state) {
  Run(state, School(), Budget{Unit::kWorkingDays, static_cast<int>(state.range(0)), {}},
      /*explain=*/false);
}
BENCHMARK(BM_WorkingDays)->Arg(2)->Arg(10);

void BM_WorkingDaysExplained(benchmark::State& state) {
  Run(state, School(), Budget{Unit::kWorkingDays, static_cast<int>(state.range(0)), {}},
      /*explain=*/true);
}
BENCHMARK(BM_WorkingDaysExplained)->Arg(2)->Arg(10);

void BM_WorkingHours(benchmark::State& state) {
  Run(state, School(), Budget{Unit::kWorkingHours, 0, absl::Hours(state.range(0))},
      /*explain=*/false);
}
BENCHMARK(BM_WorkingHours)->Arg(4)->Arg(20);

void BM_WorkingHoursExplained(benchmark::State& state) {
  Run(state, School(), Budget{Unit::kWorkingHours, 0, absl::Hours(state.range(0))},
      /*explain=*/true);
}
BENCHMARK(BM_WorkingHoursExplained)->Arg(4)->Arg(20);

void BM_WorkingDaysWithPause(benchmark::State& state) {
  // One closed pause in the middle of the year: the merge, clip and extension path.
  const absl::Time start = absl::FromCivil(absl::CivilSecond(2026, 1, 12, 10, 0, 0), absl::UTCTimeZone());
  const Pause pause{start, start + absl::Hours(30)};
  Run(state, School(), Budget{Unit::kWorkingDays, 5, {}}, /*explain=*/false, absl::MakeConstSpan(&pause, 1));
}
BENCHMARK(BM_WorkingDaysWithPause);

void BM_OwnerCalendarWorkingDays(benchmark::State& state) {
  static const std::shared_ptr<const Calendar> owner = [] {
    WorkingPattern pattern;
    pattern.works = {true, true, true, false, false, false, false};
    return testdata::MustBuild(testdata::England2025To26(), &pattern);
  }();
  Run(state, *owner, Budget{Unit::kWorkingDays, 2, {}}, /*explain=*/false);
}
BENCHMARK(BM_OwnerCalendarWorkingDays);

void BM_Summarize(benchmark::State& state) {
  const absl::StatusOr<Deadline> d = ComputeDeadline(School(), Budget{Unit::kWorkingDays, 2, {}}, Receipts()[0]);
  for (auto _ : state) benchmark::DoNotOptimize(Summarize(*d, School()));
  state.SetItemsProcessed(state.iterations());
}
BENCHMARK(BM_Summarize);

void BM_Build(benchmark::State& state) {
  // A calendar edit rebuilds the school's calendar (and its owners'): the cost of one year.
  const CalendarSpec spec = testdata::England2025To26();
  for (auto _ : state) benchmark::DoNotOptimize(Calendar::Build(spec));
  state.SetItemsProcessed(state.iterations());
}
BENCHMARK(BM_Build);

}  // namespace
}  // namespace parley::calendar
