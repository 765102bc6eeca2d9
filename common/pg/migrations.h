// Schema migrations: numbered SQL applied once per database, recorded in
// parley_schema_migrations(service, version, name, checksum, applied_at).
//
// Each service keeps its schema in services/<svc>/migrations/NNNN_name.sql, embeds it with the
// CMake function parley_embed_migrations (cmake/ParleyMigrations.cmake), and runs
//   PARLEY_RETURN_IF_ERROR(pg::ApplyMigrations(*pool, "contacts", contacts::Migrations()));
// from its migration Job (STYLE "Deploy": not in every replica, although running it in every
// replica is safe too).
//
// Rules:
// - Versions are strictly increasing and positive (INVALID_ARGUMENT, MIGRATIONS_INVALID).
// - An applied migration is never edited: if its SQL's checksum differs from the recorded one,
//   nothing is applied and the call fails with FAILED_PRECONDITION (MIGRATION_CHANGED). Write a new
//   migration instead.
// - Each pending migration runs in its own transaction together with its record, under a
//   transaction-level advisory lock keyed on the service, so concurrent migrators apply each
//   version exactly once and in order. The statement timeout is lifted inside these
//   transactions: a long migration or waiting for another migrator is expected; the Job's own
//   deadline bounds it.
// - Statements that cannot run inside a transaction (CREATE INDEX CONCURRENTLY, VACUUM) are not
//   supported.
// - Versions recorded in the database but unknown to the caller (an older binary after a newer
//   one migrated) are left alone.
// - The library's own tables (the request table of idempotency.h) are a migration set recorded
//   under the service name "parley_common" and applied first, by every call.
#pragma once

#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/strings/string_view.h"
#include "common/pg/pool.h"

namespace parley::pg {

struct Migration {
  int version;
  std::string name;
  std::string sql;
};

inline constexpr char kCommonMigrationsService[] = "parley_common";

absl::Status ApplyMigrations(Pool& pool, absl::string_view service, const std::vector<Migration>& migrations);

// The library-owned set applied under kCommonMigrationsService.
const std::vector<Migration>& CommonMigrations();

// The checksum recorded for a migration's SQL (SHA-256 hex of the exact bytes).
std::string MigrationChecksum(absl::string_view sql);

}  // namespace parley::pg
