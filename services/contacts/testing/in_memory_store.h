// An in-memory DirectoryStore with the PostgreSQL store's semantics (versions, request-id replay,
// etags only for changed content, dry runs), for domain unit tests only.
#pragma once

#include <map>
#include <utility>

#include "absl/synchronization/mutex.h"
#include "services/contacts/domain/directory_store.h"

namespace parley::contacts::testing {

class InMemoryDirectoryStore final : public DirectoryStore {
 public:
  absl::StatusOr<LoadedDirectory> Load() override;
  absl::StatusOr<int64_t> Version() override;
  absl::StatusOr<Outcome> Mutate(const Mutation& mutation) override;
  absl::Status Ping() override;

  // Simulates an outage: every call fails with UNAVAILABLE.
  void SetDown(bool down);
  // Simulates another replica's write landing between a plan and its commit.
  void BumpVersionForTesting();
  int mutations_applied() const;

 private:
  mutable absl::Mutex mu_;
  bool down_ = false;
  int64_t version_ = 0;
  int mutations_applied_ = 0;
  Directory directory_;
  std::map<std::pair<std::string, std::string>, std::pair<std::string, std::string>> requests_;
};

}  // namespace parley::contacts::testing
