#include "services/appointments/domain/evening.h"

#include <algorithm>
#include <functional>
#include <random>

#include "absl/strings/str_cat.h"
#include "common/calendar/testing/school_calendars.h"
#include "common/status/reason.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace parley::appointments {
namespace {

using ::testing::ElementsAre;

const absl::TimeZone& kLondon = calendar::testdata::London();

// 12 November 2025, an autumn parents' evening.
absl::Time Pm(int h, int m = 0) { return absl::FromCivil(absl::CivilMinute(2025, 11, 12, h, m), kLondon); }
Interval Span(int h1, int m1, int h2, int m2) { return Interval{Pm(h1, m1), Pm(h2, m2)}; }

EveningGrid Grid() {
  EveningGrid g;
  g.span = Span(16, 0, 19, 0);
  g.slot_length = absl::Minutes(10);
  g.interpreted_length = absl::Minutes(20);
  g.teachers = {{"maths", Span(16, 0, 19, 0), {}, "M1"},
                {"english", Span(16, 0, 19, 0), {Span(17, 0, 17, 20)}, "E4"},
                {"science", Span(17, 0, 18, 30), {}, "S2"}};
  return g;
}

}  // namespace

void PrintTo(const ProposedSlot& p, std::ostream* os) {
  *os << p.staff_id << " " << absl::FormatTime("%H:%M", p.slot.start, kLondon) << "-"
      << absl::FormatTime("%H:%M", p.slot.end, kLondon);
}

namespace {

TEST(TeacherSlotsTest, BackToBackFromTheWindowSkippingBreaksAndNeverPastTheEnd) {
  EveningGrid g = Grid();
  g.teachers[1].window = Span(16, 30, 17, 55);  // ends mid-slot
  const std::vector<Interval> slots = TeacherSlots(g, g.teachers[1]);
  EXPECT_THAT(slots, ElementsAre(Span(16, 30, 16, 40), Span(16, 40, 16, 50), Span(16, 50, 17, 0), Span(17, 20, 17, 30),
                                 Span(17, 30, 17, 40), Span(17, 40, 17, 50)));
}

TEST(ValidateGridTest, NamesTheFault) {
  EXPECT_TRUE(ValidateGrid(Grid()).ok());
  EveningGrid g = Grid();
  g.teachers[2].window = Span(18, 0, 19, 30);
  EXPECT_THAT(std::string(ValidateGrid(g).message()), ::testing::HasSubstr("science"));
  g = Grid();
  g.teachers.push_back(g.teachers[0]);
  EXPECT_EQ(ValidateGrid(g).code(), absl::StatusCode::kInvalidArgument);
  g = Grid();
  g.slot_length = absl::ZeroDuration();
  EXPECT_EQ(ValidateGrid(g).code(), absl::StatusCode::kInvalidArgument);
  g = Grid();
  g.teachers[1].breaks = {Span(15, 0, 16, 10)};
  EXPECT_EQ(ValidateGrid(g).code(), absl::StatusCode::kInvalidArgument);
}

TEST(ProposeScheduleTest, TheMostCompactSetOfAdjacentSlots) {
  EveningGrid g = Grid();
  EveningBusy busy;
  // Maths is booked solid until 17:10 except 16:20; English breaks 17:00-17:20; science opens at
  // 17:00.
  for (int m = 0; m < 70; m += 10) {
    if (m != 20) busy.teachers["maths"].push_back(Interval{Pm(16) + absl::Minutes(m), Pm(16) + absl::Minutes(m + 10)});
  }
  ScheduleRequest r{Pm(16, 0), Pm(19, 0), {"maths", "english", "science"}, false};
  auto s = ProposeSchedule(g, r, busy);
  ASSERT_TRUE(s.ok()) << s.status();
  // Three back to back from 16:50 — the only half hour that holds all three — beat anything using
  // maths' lone 16:20, since science starts at 17:00.
  EXPECT_THAT(*s,
              ElementsAre(ProposedSlot{"english", Span(16, 50, 17, 0)}, ProposedSlot{"science", Span(17, 0, 17, 10)},
                          ProposedSlot{"maths", Span(17, 10, 17, 20)}));
}

TEST(ProposeScheduleTest, TheWalkBetweenRoomsAndTheGuardiansOwnBookings) {
  EveningGrid g = Grid();
  g.walk = absl::Minutes(5);
  EveningBusy busy;
  busy.guardian = {Span(16, 0, 16, 10)};  // already seeing another child's teacher
  ScheduleRequest r{Pm(16, 0), Pm(17, 0), {"maths", "english"}, false};
  auto s = ProposeSchedule(g, r, busy);
  ASSERT_TRUE(s.ok()) << s.status();
  // Different rooms: the next slot on the grid after a five-minute walk is ten minutes later.
  ASSERT_EQ(s->size(), 2u);
  EXPECT_EQ(s->front().slot, Span(16, 10, 16, 20));
  EXPECT_EQ(s->back().slot, Span(16, 30, 16, 40));
  // In one room no walk is needed.
  g.teachers[1].room = "M1";
  s = ProposeSchedule(g, r, busy);
  ASSERT_TRUE(s.ok()) << s.status();
  EXPECT_EQ(s->back().slot.start - s->front().slot.end, absl::ZeroDuration());
}

TEST(ProposeScheduleTest, AnInterpretedScheduleTakesLongerSlotsTheInterpreterIsFreeForNextToTheSameLanguage) {
  EveningGrid g = Grid();
  EveningBusy busy;
  busy.interpreter = {Span(16, 0, 16, 40), Span(17, 40, 18, 0)};  // interpreting for two other families,
  busy.same_language = {Span(17, 40, 18, 0)};                     // the second in this family's language
  busy.teachers["maths"] = {Span(17, 20, 17, 40)};
  ScheduleRequest r{Pm(16, 0), Pm(19, 0), {"maths", "science"}, true};
  auto s = ProposeSchedule(g, r, busy);
  ASSERT_TRUE(s.ok()) << s.status();
  // Twenty minutes each. 16:40-17:20 is as compact, but 17:00-17:40 runs straight into the
  // interpreter's next meeting in the same language.
  EXPECT_THAT(*s,
              ElementsAre(ProposedSlot{"maths", Span(17, 0, 17, 20)}, ProposedSlot{"science", Span(17, 20, 17, 40)}));
  // Without that meeting, the earliest.
  busy.same_language.clear();
  s = ProposeSchedule(g, r, busy);
  ASSERT_TRUE(s.ok()) << s.status();
  EXPECT_THAT(*s,
              ElementsAre(ProposedSlot{"maths", Span(16, 40, 17, 0)}, ProposedSlot{"science", Span(17, 0, 17, 20)}));
}

TEST(ProposeScheduleTest, BadRequestsAndNoScheduleAreClear) {
  EveningGrid g = Grid();
  EveningBusy busy;
  EXPECT_EQ(ProposeSchedule(g, {Pm(16), Pm(19), {}, false}, busy).status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(ProposeSchedule(g, {Pm(16), Pm(19), {"art"}, false}, busy).status().code(),
            absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(ProposeSchedule(g, {Pm(16), Pm(19), {"maths", "maths"}, false}, busy).status().code(),
            absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(ProposeSchedule(g, {Pm(19), Pm(16), {"maths"}, false}, busy).status().code(),
            absl::StatusCode::kInvalidArgument);
  // Science is not there before 17:00.
  absl::Status none = ProposeSchedule(g, {Pm(16), Pm(17), {"maths", "science"}, false}, busy).status();
  EXPECT_EQ(none.code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_EQ(ErrorReason(none), reason::kNoSchedule);
  EXPECT_THAT(std::string(none.message()), ::testing::HasSubstr("science"));
  // Each has a slot, but not two that fit together for the guardian.
  busy.teachers["maths"] = {Span(16, 0, 16, 50)};
  busy.teachers["english"] = {Span(16, 0, 16, 50)};
  none = ProposeSchedule(g, {Pm(16), Pm(17), {"maths", "english"}, false}, busy).status();
  EXPECT_EQ(ErrorReason(none), reason::kNoSchedule);
}

// Exact: on random small evenings the proposal is as compact as the best found by trying every
// order and every combination of free slots.
TEST(ProposeScheduleTest, NeverLessCompactThanExhaustiveSearch) {
  std::mt19937 rng(20251112);
  for (int round = 0; round < 300; ++round) {
    EveningGrid g;
    g.span = Span(16, 0, 18, 0);
    g.walk = absl::Minutes(static_cast<int>(rng() % 2) * 5);
    const int n = 1 + static_cast<int>(rng() % 4);
    ScheduleRequest r{Pm(16, 0), Pm(18, 0), {}, false};
    EveningBusy busy;
    for (int t = 0; t < n; ++t) {
      const std::string id = absl::StrCat("t", t);
      g.teachers.push_back({id, g.span, {}, absl::StrCat("R", rng() % 2)});
      r.teachers.push_back(id);
      for (int m = 0; m < 120; m += 10) {
        if (rng() % 3 != 0) busy.teachers[id].push_back({Pm(16) + absl::Minutes(m), Pm(16) + absl::Minutes(m + 10)});
      }
    }
    // Exhaustive: every order, every slot per teacher.
    absl::Duration best = absl::InfiniteDuration();
    std::vector<int> order(n);
    for (int i = 0; i < n; ++i) order[i] = i;
    std::vector<std::vector<Interval>> free(n);
    for (int t = 0; t < n; ++t) {
      for (const Interval& s : TeacherSlots(g, g.teachers[t])) {
        const auto& b = busy.teachers[absl::StrCat("t", t)];
        if (std::none_of(b.begin(), b.end(), [&](const Interval& x) { return x.Overlaps(s); })) free[t].push_back(s);
      }
    }
    do {
      std::function<void(int, absl::Time, absl::Time)> go = [&](int k, absl::Time first, absl::Time end) {
        if (k == n) {
          best = std::min(best, end - first);
          return;
        }
        const int t = order[k];
        for (const Interval& s : free[t]) {
          if (k > 0) {
            const int prev = order[k - 1];
            const absl::Duration walk = g.teachers[prev].room != g.teachers[t].room ? g.walk : absl::ZeroDuration();
            if (s.start < end + walk) continue;
          }
          go(k + 1, k == 0 ? s.start : first, s.end);
        }
      };
      go(0, absl::InfinitePast(), absl::InfinitePast());
    } while (std::next_permutation(order.begin(), order.end()));

    auto s = ProposeSchedule(g, r, busy);
    if (best == absl::InfiniteDuration()) {
      EXPECT_EQ(s.status().code(), absl::StatusCode::kFailedPrecondition) << "round " << round;
      continue;
    }
    ASSERT_TRUE(s.ok()) << "round " << round << ": " << s.status();
    EXPECT_EQ(s->back().slot.end - s->front().slot.start, best) << "round " << round;
    ASSERT_EQ(s->size(), static_cast<size_t>(n));
    for (size_t i = 1; i < s->size(); ++i) EXPECT_LE((*s)[i - 1].slot.end, (*s)[i].slot.start) << "round " << round;
  }
}

}  // namespace
}  // namespace parley::appointments
