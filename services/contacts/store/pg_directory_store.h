// The PostgreSQL DirectoryStore: one row per record with its content as JSONB, written in one
// transaction per change that holds the directory_state row lock (directory writes are rare office
// edits and imports; serialising them keeps every write validated against the latest directory).
#pragma once

#include "common/pg/pool.h"
#include "services/contacts/domain/directory_store.h"

namespace parley::contacts {

class PgDirectoryStore final : public DirectoryStore {
 public:
  explicit PgDirectoryStore(pg::Pool* pool) : pool_(pool) {}

  absl::StatusOr<LoadedDirectory> Load() override;
  absl::StatusOr<int64_t> Version() override;
  absl::StatusOr<Outcome> Mutate(const Mutation& mutation) override;
  absl::Status Ping() override;

 private:
  pg::Pool* pool_;
};

}  // namespace parley::contacts
