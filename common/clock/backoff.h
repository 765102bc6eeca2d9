// Retry delays shared by everything that retries (durable timers, outbox relays, deliveries).
#pragma once

#include "absl/time/time.h"

namespace parley {

// Delay before retry number `attempts` (1 = after the first failure): base * 2^(attempts-1),
// capped at `max`, then jittered into [d/2, d] by `unit_random` in [0, 1] so replicas retrying
// the same failure spread out. Never below 1 ms.
absl::Duration RetryBackoff(int attempts, absl::Duration base, absl::Duration max, double unit_random);

}  // namespace parley
