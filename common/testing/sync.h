// Test-only synchronisation for tests that race real servers: a barrier with a deadline (a lost
// thread fails the test instead of hanging it) and bounded polling for a condition only a server
// can report (a backend waiting on a lock). No sleeps beyond the polling interval.
#pragma once

#include <functional>

#include "absl/synchronization/mutex.h"
#include "absl/time/clock.h"
#include "absl/time/time.h"

namespace parley::testing {

class Barrier {
 public:
  explicit Barrier(int parties) : parties_(parties) {}
  // Waits until `parties` threads arrived; false if that did not happen within `timeout`.
  bool ArriveAndWait(absl::Duration timeout = absl::Seconds(10)) {
    absl::MutexLock lock(&mu_);
    ++arrived_;
    auto all_here = [this]() ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_) { return arrived_ >= parties_; };
    return mu_.AwaitWithTimeout(absl::Condition(&all_here), timeout);
  }

 private:
  const int parties_;
  absl::Mutex mu_;
  int arrived_ ABSL_GUARDED_BY(mu_) = 0;
};

// Calls `done` every `interval` until it returns true (→ true) or `timeout` passes (→ false).
inline bool PollUntil(const std::function<bool()>& done, absl::Duration timeout = absl::Seconds(10),
                      absl::Duration interval = absl::Milliseconds(5)) {
  const absl::Time deadline = absl::Now() + timeout;
  while (!done()) {
    if (absl::Now() >= deadline) return false;
    absl::SleepFor(interval);
  }
  return true;
}

}  // namespace parley::testing
