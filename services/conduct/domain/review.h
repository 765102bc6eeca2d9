// The review reminder (issue: "when a review date falls due, the head of that school is reminded
// inside working periods"). The timer is armed for local midnight of the review date when an
// arrangement is issued, tightened or continued. When it fires, the domain plans what happens
// (ConductService::PlanReview, built from the pure decisions here): before the head's next working
// time the timer re-arms itself for that instant (clock rule 7 (docs/architecture.md#policy-clock-rules): staff notices
// only inside the recipient's working periods); at it, the arrangement moves to UNDER_REVIEW and the reminder goes to
// the outbox, once. The store applies the plan in the timer's own transaction.
#pragma once

#include <optional>
#include <string>

#include "absl/time/civil_time.h"
#include "absl/time/time.h"
#include "common/timer/types.h"
#include "services/conduct/domain/conduct_store.h"
#include "services/conduct/domain/model.h"

namespace parley::conduct {

inline constexpr char kReviewTimerKind[] = "conduct.arrangement_review";

// What a review timer names: key "school/arrangement", payload "version YYYY-MM-DD".
struct ReviewTimerKey {
  std::string school_id;
  std::string arrangement_id;
  int version = 0;
  absl::CivilDay review_date;
};

// The timer for `key`, due at local midnight starting the review date in `zone`.
timer::TimerSpec ReviewTimerSpec(const ReviewTimerKey& key, const absl::TimeZone& zone);
// nullopt for a timer this code never wrote.
std::optional<ReviewTimerKey> ParseReviewTimer(const timer::Timer& t);

// Whether the arrangement is still the one the timer was armed for: issued, at the same version
// and review date. Tightened, continued or ended since → a newer timer (if any) takes over.
bool ReviewStillDue(const ReviewTimerKey& key, const Arrangement& current);

// The reminder notice to `head` for the review, not before `send_at`.
OutboxNotice ReviewReminder(const ReviewTimerKey& key, const std::string& guardian, const std::string& head,
                            absl::Time send_at);

// The plan once the review is still due: re-arm for `send_at` when it is more than a second
// after `now` (outside the head's working time), otherwise mark it under review with `reminder`.
ReviewPlan DecideReview(const ReviewTimerKey& key, absl::Time now, absl::Time send_at, OutboxNotice reminder);

}  // namespace parley::conduct
