#include "services/conduct/domain/review.h"

#include <utility>
#include <vector>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "nlohmann/json.hpp"

namespace parley::conduct {

timer::TimerSpec ReviewTimerSpec(const ReviewTimerKey& key, const absl::TimeZone& zone) {
  return timer::TimerSpec{kReviewTimerKind, absl::StrCat(key.school_id, "/", key.arrangement_id),
                          zone.At(absl::CivilSecond(key.review_date)).pre,
                          absl::StrCat(key.version, " ", absl::FormatCivilTime(key.review_date))};
}

std::optional<ReviewTimerKey> ParseReviewTimer(const timer::Timer& t) {
  std::vector<std::string> key = absl::StrSplit(t.key, '/');
  std::vector<std::string> payload = absl::StrSplit(t.payload, ' ');
  ReviewTimerKey out;
  if (key.size() != 2 || payload.size() != 2 || !absl::SimpleAtoi(payload[0], &out.version) ||
      !absl::ParseCivilTime(payload[1], &out.review_date)) {
    return std::nullopt;
  }
  out.school_id = std::move(key[0]);
  out.arrangement_id = std::move(key[1]);
  return out;
}

bool ReviewStillDue(const ReviewTimerKey& key, const Arrangement& current) {
  return current.version == key.version && current.review_date == key.review_date &&
         current.state == ArrangementState::kActive;
}

OutboxNotice ReviewReminder(const ReviewTimerKey& key, const std::string& guardian, const std::string& head,
                            absl::Time send_at) {
  const std::string school = absl::StrCat("schools/", key.school_id);
  const std::string review_date = absl::FormatCivilTime(key.review_date);
  OutboxNotice n;
  n.key = absl::StrCat("conduct/review/", key.school_id, "/", key.arrangement_id, "/", review_date);
  n.kind = "arrangement_review_reminder";
  n.school_id = key.school_id;
  n.not_before = send_at;
  n.notice_json = nlohmann::json{{"category", "conduct_letter"},
                                 {"priority", "important"},
                                 {"school", school},
                                 {"recipients", {{"guardians", nlohmann::json::array()}, {"staff", {head}}}},
                                 {"pupils", nlohmann::json::array()},
                                 {"template", "conduct.arrangement_review_due"},
                                 {"variables",
                                  {{"arrangement", absl::StrCat(school, "/arrangements/", key.arrangement_id)},
                                   {"guardian", guardian},
                                   {"review_date", review_date}}},
                                 {"not_before", absl::FormatTime("%Y-%m-%dT%H:%M:%SZ", send_at, absl::UTCTimeZone())}}
                      .dump();
  return n;
}

ReviewPlan DecideReview(const ReviewTimerKey& key, absl::Time now, absl::Time send_at, OutboxNotice reminder) {
  ReviewPlan plan;
  plan.school_id = key.school_id;
  plan.arrangement_id = key.arrangement_id;
  plan.version = key.version;
  plan.review_date = key.review_date;
  if (send_at > now + absl::Seconds(1)) {
    plan.action = ReviewPlan::Action::kRearm;
    plan.rearm_at = send_at;
    return plan;
  }
  plan.action = ReviewPlan::Action::kMarkUnderReview;
  plan.reminder = std::move(reminder);
  return plan;
}

}  // namespace parley::conduct
