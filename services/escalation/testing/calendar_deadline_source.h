// The policy clock for escalation's domain tests, computed with common/calendar directly instead of
// asking contacts: one school calendar, a budget per stage, optional owner calendars for part-time
// staff, and the same calendars as staff working periods for rule 7. Every deadline a test pins is
// therefore the one common/calendar (and so contacts) would give.
#pragma once

#include <map>
#include <memory>
#include <string>

#include "common/calendar/calendar.h"
#include "services/escalation/domain/enquiry_view.h"
#include "services/escalation/domain/rules.h"

namespace parley::escalation::testing {

class CalendarDeadlineSource final : public DeadlineSource, public StaffHours {
 public:
  explicit CalendarDeadlineSource(std::shared_ptr<const calendar::Calendar> school);

  void SetBudget(Stage stage, calendar::Budget budget) { budgets_[stage] = budget; }
  // The policy promises nothing for `stage`: Compute answers NO_POLICY_RULE, as contacts does.
  void ClearBudget(Stage stage) { budgets_.erase(stage); }
  // ELAPSED by default (acknowledge 1 hour, respond 24 hours).
  void SetSafeguardingBudget(Stage stage, calendar::Budget budget) { safeguarding_[stage] = budget; }
  // The owner's clock follows their own calendar (a policy that says part-time staff answer on
  // their return); they also receive notices only inside it.
  void SetOwnerCalendar(const std::string& staff, std::shared_ptr<const calendar::Calendar> cal) {
    owners_[staff] = std::move(cal);
  }
  // Replaces the school calendar (a calendar edit); owner calendars stay as set.
  void SetSchoolCalendar(std::shared_ptr<const calendar::Calendar> school) { school_ = std::move(school); }
  void SetPolicyVersion(std::string version) { policy_version_ = std::move(version); }
  // The policy's clock for urgent matters (a rule for the "urgent" category).
  void SetUrgentBudget(Stage stage, calendar::Budget budget) { urgent_[stage] = budget; }
  // `staff` teaches, in class during `hours` every working day.
  void SetTeaching(const std::string& staff, calendar::HoursRange hours) { teaching_[staff] = hours; }

  const calendar::Calendar& CalendarFor(const std::string& staff) const;
  Versions Current() const { return Versions{school_->Fingerprint(), policy_version_}; }
  int calls() const { return calls_; }

  absl::StatusOr<DueAt> Compute(const DeadlineQuery& query) override;
  // On the school calendar.
  absl::StatusOr<std::vector<absl::Duration>> WorkingTimes(
      const std::string& school_id, const std::vector<std::pair<absl::Time, absl::Time>>& spans) override;
  absl::StatusOr<WorkingPeriod> PeriodAtOrAfter(const std::string& staff, absl::Time t, bool outside_teaching) override;

 private:
  std::shared_ptr<const calendar::Calendar> school_;
  std::map<std::string, std::shared_ptr<const calendar::Calendar>> owners_;
  std::map<Stage, calendar::Budget> budgets_;
  std::map<Stage, calendar::Budget> safeguarding_;
  std::map<Stage, calendar::Budget> urgent_;
  std::map<std::string, calendar::HoursRange> teaching_;
  std::string policy_version_ = "policy-1";
  int calls_ = 0;
};

}  // namespace parley::escalation::testing
