// The report's view of the trust's schools, answered from the service's directory replica
// (common/directory/replica.h): names, pupils on roll, terms and half-terms, published promises,
// ladders and safeguarding categories — no call to contacts per report.
#pragma once

#include <vector>

#include "common/directory/replica.h"
#include "services/reporting/domain/directory.h"

namespace parley::reporting {

class ReplicaDirectory final : public SchoolDirectory {
 public:
  explicit ReplicaDirectory(const directory::Replica* replica) : replica_(replica) {}
  absl::StatusOr<std::vector<SchoolInfo>> Schools() override;

 private:
  const directory::Replica* const replica_;
};

// One school of the directory as the report needs it (exposed for tests).
SchoolInfo SchoolInfoOf(const directory::SchoolDirectory& school);

}  // namespace parley::reporting
