// When a stage is due: the school's policy rule for the channel and stage, applied on the school's
// (or the owner's) calendar by the policy clock in common/calendar.
#pragma once

#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "common/calendar/calendar.h"
#include "common/directory/model.h"
#include "common/directory/snapshot.h"

namespace parley::directory {

struct DeadlineQuery {
  std::string school_id;
  Channel channel = Channel::kUnspecified;
  Stage stage = Stage::kUnspecified;
  absl::Time received;
  std::string owner_id;  // optional; used when the rule's clock follows the owner
  std::string category;  // optional; a rule for this category wins over the general one
  std::vector<calendar::Pause> pauses;
  bool safeguarding = false;
  // An urgent matter: a rule for the category "urgent" wins over the category's and the general
  // rule, so a policy's urgent clock applies to urgent matters of every category.
  bool urgent = false;
  bool explain = true;
};

struct DeadlineAnswer {
  calendar::Deadline deadline;
  calendar::Budget budget;
  ClockCalendar clock_calendar = ClockCalendar::kSchool;
  std::string calendar_version;  // fingerprint of the calendar actually used
  std::string policy_version;
  std::string policy_text;
  std::string time_zone;
  std::string summary;  // empty when explain is false
};

// The category of a school's route and response rules for urgent matters.
inline constexpr char kUrgentCategory[] = "urgent";

// The budget of a safeguarding matter when the policy sets none.
inline constexpr absl::Duration kDefaultSafeguardingBudget = absl::Minutes(60);

// NOT_FOUND for an unknown school or owner; FAILED_PRECONDITION (NO_POLICY_RULE) when the school
// promises nothing for this channel and stage, or (CALENDAR_EXHAUSTED) when its calendar holds
// no working period after the clock start — the message names the school and the date.
absl::StatusOr<DeadlineAnswer> ComputeDeadline(const Snapshot& snapshot, const DeadlineQuery& query);

}  // namespace parley::directory
