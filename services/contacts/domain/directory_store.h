// The domain's port to persistence of the trust directory (store/pg_directory_store.h implements
// it over PostgreSQL; testing/in_memory_store.h in memory). The service serves reads from an
// in-memory snapshot and writes through this interface: every write is one transaction that holds the directory write
// lock, replays a request already done, checks that the snapshot it was planned against is still
// current, applies the changes and records the response for request-id replay.
#pragma once

#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "absl/status/statusor.h"
#include "common/request/request_key.h"
#include "services/contacts/domain/model.h"

namespace parley::contacts {

using SchoolScopedId = std::pair<std::string, std::string>;  // (school id, record id)

// What one write changes. Records carry their content; the store sets etag and update_time on
// those whose content differs from what is stored and leaves the others as they were.
struct ChangeSet {
  std::optional<Trust> trust;
  // Schools removed with their routing matrix and ladders; the plan has made sure no staff,
  // pupil or guardian link remains.
  std::vector<std::string> delete_schools;
  std::vector<School> schools;
  std::vector<Staff> staff;
  std::vector<SchoolScopedId> delete_staff;
  std::vector<Pupil> pupils;
  std::vector<SchoolScopedId> delete_pupils;
  std::vector<Guardian> guardians;
  std::vector<std::string> delete_guardians;
  std::vector<RoutingMatrix> routing_matrices;
  std::vector<Ladder> ladders;
  std::vector<SchoolScopedId> delete_ladders;
};

struct ApplyCounts {
  int created = 0;
  int updated = 0;
  int deleted = 0;
  int unchanged = 0;
};

using RequestKey = request::RequestKey;

struct LoadedDirectory {
  int64_t version = 0;
  Directory directory;
};

class DirectoryStore {
 public:
  struct Mutation {
    RequestKey key;
    // The directory version the plan reads; the write fails with ABORTED (STALE_SNAPSHOT) when
    // the stored directory has moved on, and the caller reloads and plans again.
    int64_t expected_version = 0;
    // Run everything, report the counts, then roll back; no request id is recorded.
    bool dry_run = false;
    std::function<absl::StatusOr<ChangeSet>()> plan;
    // Builds the response recorded for replay from the changes as applied (etags set).
    std::function<absl::StatusOr<std::string>(const ChangeSet& applied, const ApplyCounts& counts)> respond;
  };
  struct Outcome {
    std::string response;
    bool replayed = false;
    int64_t version = 0;
  };

  virtual ~DirectoryStore() = default;
  virtual absl::StatusOr<LoadedDirectory> Load() = 0;
  virtual absl::StatusOr<int64_t> Version() = 0;
  virtual absl::StatusOr<Outcome> Mutate(const Mutation& mutation) = 0;
  // Readiness.
  virtual absl::Status Ping() = 0;
};

}  // namespace parley::contacts
