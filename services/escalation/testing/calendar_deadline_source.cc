#include "services/escalation/testing/calendar_deadline_source.h"

#include <utility>

#include "common/status/reason.h"
#include "common/status/status_macros.h"

namespace parley::escalation::testing {

CalendarDeadlineSource::CalendarDeadlineSource(std::shared_ptr<const calendar::Calendar> school)
    : school_(std::move(school)) {
  safeguarding_[Stage::kAcknowledge] = calendar::Budget{calendar::Unit::kElapsed, 0, absl::Hours(1)};
  safeguarding_[Stage::kRespond] = calendar::Budget{calendar::Unit::kElapsed, 0, absl::Hours(24)};
}

const calendar::Calendar& CalendarDeadlineSource::CalendarFor(const std::string& staff) const {
  auto it = owners_.find(staff);
  return it == owners_.end() ? *school_ : *it->second;
}

absl::StatusOr<DueAt> CalendarDeadlineSource::Compute(const DeadlineQuery& query) {
  ++calls_;
  const std::map<Stage, calendar::Budget>& budgets = query.safeguarding ? safeguarding_
                                                     : query.urgent && urgent_.find(query.stage) != urgent_.end()
                                                         ? urgent_
                                                         : budgets_;
  auto it = budgets.find(query.stage);
  if (it == budgets.end()) {
    return FailedPrecondition("NO_POLICY_RULE",
                              std::string("the policy promises nothing to ") + StageWord(query.stage));
  }
  const calendar::Calendar& cal = CalendarFor(query.owner);
  PARLEY_ASSIGN_OR_RETURN(calendar::Deadline d,
                          calendar::ComputeDeadline(cal, it->second, query.clock_from, query.pauses, /*explain=*/true));
  DueAt out;
  out.clock_start = d.clock_start;
  out.due = d.due;
  out.calendar_version = cal.Fingerprint();
  out.policy_version = policy_version_;
  out.explanation = calendar::Summarize(d, cal);
  return out;
}

absl::StatusOr<WorkingPeriod> CalendarDeadlineSource::PeriodAtOrAfter(const std::string& staff, absl::Time t,
                                                                      bool outside_teaching) {
  auto teaching = teaching_.find(staff);
  if (outside_teaching && teaching != teaching_.end()) {
    PARLEY_ASSIGN_OR_RETURN(auto period, CalendarFor(staff).PeriodAtOrAfterOutside(t, teaching->second));
    return WorkingPeriod{period.first, period.second};
  }
  PARLEY_ASSIGN_OR_RETURN(auto period, CalendarFor(staff).PeriodAtOrAfter(t));
  return WorkingPeriod{period.first, period.second};
}

absl::StatusOr<std::vector<absl::Duration>> CalendarDeadlineSource::WorkingTimes(
    const std::string&, const std::vector<std::pair<absl::Time, absl::Time>>& spans) {
  std::vector<absl::Duration> out;
  for (const auto& [from, to] : spans) out.push_back(school_->WorkingTimeBetween(from, to));
  return out;
}

}  // namespace parley::escalation::testing
