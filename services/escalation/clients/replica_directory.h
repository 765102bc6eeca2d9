// Directory, DeadlineSource and StaffHours answered from the service's directory replica
// (common/directory/replica.h): routing, ladders and both clocks of an intake, line managers,
// working periods and breach switches, all computed in this process with the code contacts runs,
// on the directory as the replica last confirmed it (docs/architecture.md#the-directory-replica).
#pragma once

#include <string>
#include <utility>
#include <vector>

#include "common/directory/replica.h"
#include "common/directory/routing.h"
#include "services/escalation/domain/enquiry_view.h"
#include "services/escalation/domain/peers.h"
#include "services/escalation/domain/rules.h"

namespace parley::escalation {

class ReplicaDirectory final : public Directory, public DeadlineSource, public StaffHours {
 public:
  explicit ReplicaDirectory(const directory::Replica* replica) : replica_(replica) {}

  absl::StatusOr<Route> RouteEnquiry(const std::string& school_id, const std::string& pupil,
                                     const std::string& category, const std::string& teaching_subject,
                                     int channel) override;
  absl::StatusOr<Ladder> ResolveLadder(const std::string& school_id, const std::string& pupil,
                                       const std::string& category, const std::string& teaching_subject) override;
  absl::StatusOr<std::string> LineManagerOf(const std::string& staff) override;
  absl::StatusOr<absl::Time> NextWorkingTime(const std::string& school_id, const std::string& staff,
                                             absl::Time at) override;
  absl::StatusOr<DueAt> Compute(const DeadlineQuery& query) override;
  absl::StatusOr<std::vector<absl::Duration>> WorkingTimes(
      const std::string& school_id, const std::vector<std::pair<absl::Time, absl::Time>>& spans) override;
  absl::StatusOr<WorkingPeriod> PeriodAtOrAfter(const std::string& staff, absl::Time t, bool outside_teaching) override;
  absl::StatusOr<std::pair<std::string, std::string>> Versions(const std::string& school_id) override;
  absl::StatusOr<BreachSwitches> BreachPolicyOf(const std::string& school_id) override;
  absl::StatusOr<absl::TimeZone> TimeZoneOf(const std::string& school_id) override;
  // Each link's court order is judged on the day of `at` in its school's time zone.
  absl::StatusOr<std::vector<GuardianLink>> LinksOfGuardian(const std::string& guardian, absl::Time at) override;
  absl::StatusOr<Addressee> AddresseeOf(const std::string& staff, absl::Time at) override;

 private:
  // The school's snapshot in the current view, with the view kept alive by `view`.
  absl::StatusOr<const directory::Snapshot*> SchoolSnapshot(const std::string& school_id,
                                                            std::shared_ptr<const directory::ReplicaView>& view) const;
  absl::StatusOr<directory::RouteQuery> RouteQueryOf(const std::string& school_id, const std::string& pupil,
                                                     const std::string& category, const std::string& subject,
                                                     int channel) const;

  const directory::Replica* const replica_;
};

}  // namespace parley::escalation
