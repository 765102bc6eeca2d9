// The gate's Directory answered from the service's directory replica (common/directory/replica.h):
// a guardian's schools and pupils, a school's time zone, its head, and when a member of staff next
// works, computed in this process on the directory as the replica last confirmed it — no call to
// contacts on the gate's path (docs/architecture.md#the-directory-replica).
#pragma once

#include <string>
#include <vector>

#include "common/directory/replica.h"
#include "services/conduct/domain/directory.h"

namespace parley::conduct {

class ReplicaDirectory final : public Directory {
 public:
  // Staff roles that make someone the head, in order of preference; the first member (in id order)
  // with the first role found is the head.
  explicit ReplicaDirectory(const directory::Replica* replica,
                            std::vector<std::string> head_roles = {"headteacher", "principal", "head_of_school"})
      : replica_(replica), head_roles_(std::move(head_roles)) {}

  absl::StatusOr<GuardianInfo> GetGuardian(const std::string& guardian) override;
  absl::StatusOr<SchoolInfo> GetSchool(const std::string& school_id) override;
  absl::Status CheckStaff(const std::string& staff) override;
  absl::StatusOr<std::string> HeadOf(const std::string& school_id) override;
  absl::StatusOr<std::string> LineManagerOf(const std::string& staff) override;
  absl::StatusOr<std::vector<IncidentNoticeRule>> IncidentNoticesOf(const std::string& school_id) override;
  absl::StatusOr<absl::Time> NextWorkingTime(const std::string& school_id, const std::string& staff,
                                             absl::Time at) override;

 private:
  const directory::Replica* const replica_;
  const std::vector<std::string> head_roles_;
};

}  // namespace parley::conduct
