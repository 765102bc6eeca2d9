#include "common/directory/deadlines.h"

#include <algorithm>

#include "absl/strings/str_cat.h"
#include "common/status/reason.h"
#include "common/status/status_macros.h"

namespace parley::directory {
namespace {

const char* ChannelWord(Channel c) {
  switch (c) {
    case Channel::kEmail:
      return "email";
    case Channel::kLetter:
      return "letter";
    case Channel::kPhone:
      return "phone";
    case Channel::kAppMessage:
      return "app message";
    case Channel::kInPerson:
      return "in person";
    case Channel::kMeetingRequest:
      return "meeting request";
    case Channel::kSms:
      return "text message";
    case Channel::kUnspecified:
      break;
  }
  return "unspecified channel";
}

const char* StageWord(Stage s) {
  switch (s) {
    case Stage::kAcknowledge:
      return "acknowledge";
    case Stage::kRespond:
      return "respond";
    case Stage::kHoldMeeting:
      return "hold a meeting";
    case Stage::kFollowUp:
      return "follow up";
    case Stage::kUnspecified:
      break;
  }
  return "unspecified stage";
}

}  // namespace

absl::StatusOr<DeadlineAnswer> ComputeDeadline(const Snapshot& snapshot, const DeadlineQuery& q) {
  const SchoolDirectory* sd = snapshot.FindSchool(q.school_id);
  if (sd == nullptr) return NotFound("SCHOOL_NOT_FOUND", absl::StrCat("school ", q.school_id, " does not exist"));
  const School& school = sd->school;
  if (!q.owner_id.empty() && sd->staff.find(q.owner_id) == sd->staff.end()) {
    return NotFound("STAFF_NOT_FOUND", absl::StrCat("owner ", q.owner_id, " is not on the staff of ", q.school_id));
  }

  DeadlineAnswer answer;
  if (q.safeguarding) {
    answer.budget = school.policy.safeguarding_budget.value_or(
        calendar::Budget{calendar::Unit::kElapsed, 0, kDefaultSafeguardingBudget});
    answer.policy_text = "Safeguarding concerns go to the designated safeguarding lead at once.";
  } else {
    // The rule for urgent matters when the matter is urgent and the policy has one, else the rule
    // for the matter's category if the policy has one, else the general rule.
    auto names = [](const ResponseRule& r, const std::string& category) {
      return !category.empty() && std::find(r.categories.begin(), r.categories.end(), category) != r.categories.end();
    };
    const ResponseRule* general = nullptr;
    const ResponseRule* for_category = nullptr;
    const ResponseRule* for_urgent = nullptr;
    for (const ResponseRule& r : school.policy.rules) {
      if (r.channel != q.channel || r.stage != q.stage) continue;
      if (q.urgent && for_urgent == nullptr && names(r, kUrgentCategory)) for_urgent = &r;
      if (r.categories.empty()) {
        if (general == nullptr) general = &r;
      } else if (for_category == nullptr && names(r, q.category)) {
        for_category = &r;
      }
    }
    const ResponseRule* rule = for_urgent != nullptr ? for_urgent : for_category != nullptr ? for_category : general;
    if (rule == nullptr) {
      return FailedPrecondition("NO_POLICY_RULE", absl::StrCat(school.display_name, " (", school.id,
                                                               ") promises nothing to ", StageWord(q.stage), " by ",
                                                               ChannelWord(q.channel), ": add a rule to its policy"));
    }
    answer.budget = rule->budget;
    answer.clock_calendar = rule->clock_calendar;
    answer.policy_text = rule->policy_text;
  }

  std::shared_ptr<const calendar::Calendar> cal = answer.clock_calendar == ClockCalendar::kOwner && !q.owner_id.empty()
                                                      ? snapshot.OwnerCalendarOf(q.school_id, q.owner_id)
                                                      : snapshot.SchoolCalendarOf(q.school_id);
  if (cal == nullptr) return absl::InternalError("school calendar missing from snapshot");

  auto deadline = calendar::ComputeDeadline(*cal, answer.budget, q.received, q.pauses, q.explain);
  if (!deadline.ok()) {
    return WithReason(absl::Status(deadline.status().code(), absl::StrCat(school.display_name, " (", school.id,
                                                                          "): ", deadline.status().message())),
                      ErrorReason(deadline.status()));
  }
  answer.deadline = *std::move(deadline);
  answer.calendar_version = cal->Fingerprint();
  answer.policy_version = school.policy_version;
  answer.time_zone = cal->spec().time_zone;
  if (q.explain) answer.summary = calendar::Summarize(answer.deadline, *cal);
  return answer;
}

}  // namespace parley::directory
