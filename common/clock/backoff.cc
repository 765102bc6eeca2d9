#include "common/clock/backoff.h"

#include <algorithm>

namespace parley {

absl::Duration RetryBackoff(int attempts, absl::Duration base, absl::Duration max, double unit_random) {
  base = std::max(base, absl::Milliseconds(1));
  max = std::max(max, base);
  absl::Duration d = base;
  // Doubling stops at the cap, so no overflow whatever `attempts` is.
  for (int i = 1; i < attempts && d < max; ++i) d *= 2;
  d = std::min(d, max);
  unit_random = std::clamp(unit_random, 0.0, 1.0);
  return std::max(d / 2 + (d / 2) * unit_random, absl::Milliseconds(1));
}

}  // namespace parley
