// The trust's schools as the report needs them: names, sizes, calendars, promises. Answered from
// the directory replica (clients/replica_directory.*).
#pragma once

#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "services/reporting/domain/model.h"

namespace parley::reporting {

class SchoolDirectory {
 public:
  virtual ~SchoolDirectory() = default;
  // Every school of the trust, by id. UNAVAILABLE while the directory is not loaded.
  virtual absl::StatusOr<std::vector<SchoolInfo>> Schools() = 0;
};

}  // namespace parley::reporting
