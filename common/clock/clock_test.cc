#include "common/clock/clock.h"

#include "gtest/gtest.h"

namespace parley {
namespace {

TEST(SimulatedClock, MovesOnlyWhenTold) {
  const absl::Time start = absl::FromUnixSeconds(1761300000);
  SimulatedClock clock(start);
  EXPECT_EQ(clock.Now(), start);
  clock.Advance(absl::Hours(49));
  EXPECT_EQ(clock.Now(), start + absl::Hours(49));
  clock.Set(start);
  EXPECT_EQ(clock.Now(), start);
}

TEST(RealClock, FollowsTheWallClock) {
  const absl::Time before = absl::Now();
  const absl::Time now = RealClock::Get().Now();
  EXPECT_GE(now, before);
  EXPECT_LE(now, absl::Now());
}

}  // namespace
}  // namespace parley
