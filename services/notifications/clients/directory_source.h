// The domain's DirectorySource answered from the shared directory replica (common/directory):
// every school's slice is in memory, so resolving a 30,000-guardian audience asks no peer.
#pragma once

#include "common/directory/replica.h"
#include "services/notifications/domain/peers.h"

namespace parley::notifications {

class ReplicaDirectorySource final : public DirectorySource {
 public:
  explicit ReplicaDirectorySource(const directory::Replica* replica) : replica_(replica) {}

  absl::StatusOr<std::shared_ptr<const directory::Snapshot>> School(const std::string& school_id) override;
  absl::StatusOr<std::vector<std::string>> SchoolIds() override;

 private:
  const directory::Replica* const replica_;
};

}  // namespace parley::notifications
