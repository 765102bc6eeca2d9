// The review reminder (issue: "when a review date falls due, the head of that school is reminded
// inside working periods"). The timer is armed for local midnight of the review date when an
// arrangement is issued, tightened or continued. When it fires, the handler finds the head's next
// working time: before then it re-arms itself for that instant (DESIGN §3 rule 7: staff notices
// only inside the recipient's working periods); at it, in the timer's own transaction, the
// arrangement moves to UNDER_REVIEW and the reminder goes to the outbox, once.
#pragma once

#include "common/clock/clock.h"
#include "common/timer/worker.h"
#include "services/conduct/domain/conduct_service.h"

namespace parley::conduct {

timer::Handler ReviewTimerHandler(ConductService* conduct, const Clock* clock);

}  // namespace parley::conduct
