#include "services/conduct/review_timer.h"

#include <string>
#include <vector>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "common/log/log.h"
#include "common/status/status_macros.h"
#include "services/conduct/store/pg_conduct_store.h"

namespace parley::conduct {

timer::Handler ReviewTimerHandler(ConductService* conduct, const Clock* clock) {
  return [conduct, clock](pqxx::work& txn, const timer::Timer& t) -> absl::StatusOr<std::optional<absl::Time>> {
    // key "school/arrangement", payload "version YYYY-MM-DD" (see ConductService).
    std::vector<std::string> key = absl::StrSplit(t.key, '/');
    std::vector<std::string> payload = absl::StrSplit(t.payload, ' ');
    int version = 0;
    absl::CivilDay review_date;
    if (key.size() != 2 || payload.size() != 2 || !absl::SimpleAtoi(payload[0], &version) ||
        !absl::ParseCivilTime(payload[1], &review_date)) {
      log::Error("review_timer_malformed", {{"timer", t.id}});
      return std::nullopt;  // nothing to do for a timer this code never wrote
    }
    absl::StatusOr<Arrangement> a = conduct->store().GetArrangement(key[0], key[1]);
    if (absl::IsNotFound(a.status())) return std::nullopt;
    if (!a.ok()) return a.status();
    if (a->version != version || a->review_date != review_date || a->state != ArrangementState::kActive) {
      return std::nullopt;  // tightened, continued or ended since: a newer timer (if any) takes over
    }
    const absl::Time now = clock->Now();
    PARLEY_ASSIGN_OR_RETURN(ConductService::ReviewReminder reminder,
                            conduct->PlanReviewReminder(key[0], key[1], a->guardian, review_date, now));
    if (reminder.send_at > now + absl::Seconds(1)) return reminder.send_at;  // outside working time
    PARLEY_ASSIGN_OR_RETURN(
        bool marked, PgConductStore::MarkUnderReview(txn, key[0], key[1], version, review_date, reminder.notice));
    if (marked) log::Info("arrangement_review_due", {{"school", key[0]}, {"arrangement", key[1]}});
    return std::nullopt;
  };
}

}  // namespace parley::conduct
