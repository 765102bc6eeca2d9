// The appointments Directory (domain/peers.h) answered from the service's directory replica
// (common/directory/replica.h): staff by role for a pupil, a guardian's children, a member of
// staff's calendar and the school's teaching hours, and the policy clock for meeting requests, all
// computed in this process with the code contacts runs (docs/architecture.md#the-directory-replica).
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "common/directory/replica.h"
#include "services/appointments/domain/peers.h"

namespace parley::appointments {

class ReplicaDirectory final : public Directory {
 public:
  explicit ReplicaDirectory(const directory::Replica* replica) : replica_(replica) {}

  absl::StatusOr<absl::TimeZone> TimeZoneOf(const std::string& school_id) override;
  absl::Status CheckStaff(const std::string& school_id, const std::string& staff_id, absl::Time at) override;
  absl::StatusOr<std::string> StaffForRole(const std::string& school_id, const std::string& pupil_id,
                                           WantedRole role) override;
  absl::StatusOr<std::string> HeadOf(const std::string& school_id) override;
  absl::StatusOr<std::string> LineManagerOf(const std::string& school_id, const std::string& staff_id) override;
  absl::StatusOr<std::vector<GuardianLink>> LinksOfGuardian(const std::string& guardian_id, absl::Time at) override;
  absl::StatusOr<std::vector<std::string>> GuardiansOf(const std::string& school_id,
                                                       const std::string& pupil_id) override;
  absl::StatusOr<StaffTime> StaffTimeOf(const std::string& school_id, const std::string& staff_id) override;
  absl::StatusOr<std::optional<PolicyDue>> Due(const std::string& school_id, directory::Channel channel,
                                               directory::Stage stage, absl::Time received, const std::string& owner,
                                               const std::string& category) override;

 private:
  // The school's snapshot in the current view, with the view kept alive by `view`.
  absl::StatusOr<const directory::Snapshot*> SchoolSnapshot(const std::string& school_id,
                                                            std::shared_ptr<const directory::ReplicaView>& view) const;

  const directory::Replica* const replica_;
};

}  // namespace parley::appointments
