#include "common/clock/clock.h"

namespace parley {

const RealClock& RealClock::Get() {
  static const RealClock* const clock = new RealClock();
  return *clock;
}

}  // namespace parley
