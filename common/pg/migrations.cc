#include "common/pg/migrations.h"

#include <map>
#include <utility>

#include "absl/strings/str_cat.h"
#include "common/log/log.h"
#include "common/pg/errors.h"
#include "common/request/sha256.h"
#include "common/status/reason.h"
#include "common/status/status_macros.h"

namespace parley::pg {
namespace {

// First key of the two-key advisory locks taken here, so they cannot collide with single-key
// locks a service takes for its own reasons. The second key is hashtext(service), or 0 while
// creating the record table.
constexpr int kLockNamespace = 0x70617279;  // "pary"

constexpr char kCreateRecordTable[] = R"sql(
CREATE TABLE IF NOT EXISTS parley_schema_migrations (
  service    text        NOT NULL,
  version    integer     NOT NULL,
  name       text        NOT NULL,
  checksum   text        NOT NULL,
  applied_at timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (service, version)
))sql";

absl::Status Validate(absl::string_view service, const std::vector<Migration>& migrations) {
  if (service.empty()) {
    return InvalidArgument(reason::kMigrationsInvalid, "the migration service name is empty");
  }
  int previous = 0;
  for (const Migration& m : migrations) {
    if (m.version <= previous) {
      return InvalidArgument(reason::kMigrationsInvalid, absl::StrCat("migration versions of ", service,
                                                                      " must be positive and strictly increasing; ",
                                                                      m.version, " follows ", previous));
    }
    previous = m.version;
  }
  return absl::OkStatus();
}

absl::Status Changed(absl::string_view service, const Migration& m) {
  log::Error("migration_changed",
             {{"migration_service", std::string(service)}, {"version", m.version}, {"name", m.name}});
  return FailedPrecondition(reason::kMigrationChanged,
                            absl::StrCat("applied migration ", service, " ", m.version, " (", m.name,
                                         ") was edited; add a new migration instead"));
}

absl::Status CreateRecordTable(Pool& pool) {
  return pool.Transact([](pqxx::work& txn) {
    txn.exec0("SET LOCAL statement_timeout = 0");
    // CREATE TABLE IF NOT EXISTS is not safe against a concurrent twin (it can fail on the
    // catalog's unique index), hence the lock.
    txn.exec_params("SELECT pg_advisory_xact_lock($1, 0)", kLockNamespace);
    txn.exec0(kCreateRecordTable);
    return absl::OkStatus();
  });
}

absl::Status ApplySet(Pool& pool, absl::string_view service, const std::vector<Migration>& migrations) {
  const std::string svc(service);
  // Check every applied migration before applying anything, so an edited old migration stops the
  // run before newer ones land on top of it.
  std::map<int, std::string> applied;
  PARLEY_RETURN_IF_ERROR(pool.Read([&](pqxx::work& txn) {
    const pqxx::result rows =
        txn.exec_params("SELECT version, checksum FROM parley_schema_migrations WHERE service = $1", svc);
    for (const pqxx::row& row : rows) applied[row[0].as<int>()] = row[1].as<std::string>();
    return absl::OkStatus();
  }));
  for (const Migration& m : migrations) {
    auto it = applied.find(m.version);
    if (it != applied.end() && it->second != MigrationChecksum(m.sql)) return Changed(service, m);
  }

  for (const Migration& m : migrations) {
    if (applied.count(m.version) > 0) continue;
    bool ran = false;
    PARLEY_RETURN_IF_ERROR(pool.Transact([&](pqxx::work& txn) -> absl::Status {
      txn.exec0("SET LOCAL statement_timeout = 0");
      txn.exec_params("SELECT pg_advisory_xact_lock($1, hashtext($2))", kLockNamespace, svc);
      // Another migrator may have applied it while we waited for the lock.
      const pqxx::result existing = txn.exec_params(
          "SELECT checksum FROM parley_schema_migrations WHERE service = $1 AND version = $2", svc, m.version);
      const std::string checksum = MigrationChecksum(m.sql);
      if (!existing.empty()) {
        if (existing[0][0].as<std::string>() != checksum) return Changed(service, m);
        return absl::OkStatus();
      }
      try {
        txn.exec(m.sql);
      } catch (const std::exception& e) {
        const absl::Status s = TranslateException(e);
        log::Error("migration_failed",
                   {{"migration_service", svc}, {"version", m.version}, {"name", m.name}, {"sqlstate", SqlState(e)}});
        return WithReason(absl::Status(s.code(), absl::StrCat("migration ", service, " ", m.version, " (", m.name,
                                                              ") failed: ", s.message())),
                          ErrorReason(s));
      }
      txn.exec_params(
          "INSERT INTO parley_schema_migrations (service, version, name, checksum) "
          "VALUES ($1, $2, $3, $4)",
          svc, m.version, m.name, checksum);
      ran = true;
      return absl::OkStatus();
    }));
    if (ran) {
      log::Info("migration_applied", {{"migration_service", svc}, {"version", m.version}, {"name", m.name}});
    }
  }
  return absl::OkStatus();
}

}  // namespace

std::string MigrationChecksum(absl::string_view sql) { return request::Sha256Hex(sql); }

const std::vector<Migration>& CommonMigrations() {
  static const auto* const kMigrations = new std::vector<Migration>{
      {1, "create_idempotent_requests", R"sql(
-- One row per (scope, request_id) of a mutating call (idempotency.h). The row is inserted by the
-- call's own transaction before it does the work and completed with the response in the same
-- transaction, so a committed row always has a response.
CREATE TABLE parley_idempotent_requests (
  scope       text        NOT NULL,
  request_id  uuid        NOT NULL,
  fingerprint text        NOT NULL,
  response    bytea,
  created_at  timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (scope, request_id)
);
CREATE INDEX parley_idempotent_requests_created_at ON parley_idempotent_requests (created_at);
)sql"},
  };
  return *kMigrations;
}

absl::Status ApplyMigrations(Pool& pool, absl::string_view service, const std::vector<Migration>& migrations) {
  if (service == kCommonMigrationsService) {
    return InvalidArgument(reason::kMigrationsInvalid, absl::StrCat("the service name ", service, " is reserved"));
  }
  PARLEY_RETURN_IF_ERROR(Validate(service, migrations));
  PARLEY_RETURN_IF_ERROR(Validate(kCommonMigrationsService, CommonMigrations()));
  PARLEY_RETURN_IF_ERROR(CreateRecordTable(pool));
  PARLEY_RETURN_IF_ERROR(ApplySet(pool, kCommonMigrationsService, CommonMigrations()));
  return ApplySet(pool, service, migrations);
}

}  // namespace parley::pg
