#include "services/contacts/store/pg_directory_store.h"

#include <string>
#include <utility>

#include "absl/strings/str_cat.h"
#include "common/directory/json_codec.h"
#include "common/pg/idempotency.h"
#include "common/status/reason.h"
#include "common/status/status_macros.h"

namespace parley::contacts {

using directory::GuardianFromJson;
using directory::LadderFromJson;
using directory::PupilFromJson;
using directory::RoutingMatrixFromJson;
using directory::SchoolFromJson;
using directory::StaffFromJson;
using directory::TrustFromJson;
namespace {

// Returned from inside a dry-run transaction so that the pool rolls it back.
constexpr char kDryRunReason[] = "DRY_RUN_ROLLBACK";

constexpr char kMicros[] = "(extract(epoch from update_time) * 1000000)::bigint";

absl::Time FromMicros(const pqxx::field& f) { return absl::FromUnixMicros(f.as<int64_t>()); }

template <typename T>
absl::StatusOr<T> Parse(const pqxx::field& doc, absl::StatusOr<T> (*from_json)(const nlohmann::json&)) {
  nlohmann::json j = nlohmann::json::parse(doc.c_str(), nullptr, /*allow_exceptions=*/false);
  if (j.is_discarded()) return absl::InternalError("a stored directory record is not valid JSON");
  return from_json(j);
}

// The outcome of writing one record: the store only touches rows whose content changed, so an
// unchanged record keeps its etag and update time.
struct Written {
  bool changed = false;
  bool created = false;
  std::string etag;
  absl::Time update_time;
};

// Invalid UTF-8 cannot arrive through the API (proto3 rejects it); replacing it keeps a dump
// from ever throwing inside a transaction.
std::string Doc(const nlohmann::json& j) { return j.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace); }

Written FromReturning(const pqxx::result& r) {
  Written w;
  if (r.empty()) return w;
  w.changed = true;
  w.created = r[0][0].as<bool>();
  w.etag = r[0][1].as<std::string>();
  w.update_time = FromMicros(r[0][2]);
  return w;
}

// "ON CONFLICT ... WHERE doc IS DISTINCT FROM": jsonb equality ignores key order, so a re-import
// of the same content changes nothing.
Written UpsertScoped(pqxx::work& txn, const char* table, const std::string& school_id, const std::string& id,
                     const std::string& doc, const std::string& etag) {
  const std::string sql = absl::StrCat(
      "INSERT INTO ", table, " (school_id, id, doc, etag, update_time) VALUES ($1, $2, $3::jsonb, $4, now()) ",
      "ON CONFLICT (school_id, id) DO UPDATE SET doc = EXCLUDED.doc, etag = EXCLUDED.etag, ",
      "update_time = EXCLUDED.update_time WHERE ", table, ".doc IS DISTINCT FROM EXCLUDED.doc ",
      "RETURNING (xmax = 0), etag, ", kMicros);
  Written w = FromReturning(txn.exec_params(sql, school_id, id, doc, etag));
  if (!w.changed) {
    pqxx::row row = txn.exec_params1(
        absl::StrCat("SELECT etag, ", kMicros, " FROM ", table, " WHERE school_id = $1 AND id = $2"), school_id, id);
    w.etag = row[0].as<std::string>();
    w.update_time = FromMicros(row[1]);
  }
  return w;
}

bool DeleteScoped(pqxx::work& txn, const char* table, const SchoolScopedId& id) {
  return txn.exec_params(absl::StrCat("DELETE FROM ", table, " WHERE school_id = $1 AND id = $2"), id.first, id.second)
             .affected_rows() > 0;
}

template <typename T>
void Tally(const Written& w, T& record, ApplyCounts& counts) {
  record.etag = w.etag;
  record.update_time = w.update_time;
  if (!w.changed) {
    ++counts.unchanged;
  } else if (w.created) {
    ++counts.created;
  } else {
    ++counts.updated;
  }
}

absl::Status Apply(pqxx::work& txn, ChangeSet& changes, const std::string& etag, ApplyCounts& counts) {
  if (changes.trust) {
    Written w = FromReturning(txn.exec_params(
        absl::StrCat("INSERT INTO trust (singleton, doc, etag, update_time) VALUES (true, $1::jsonb, $2, now()) "
                     "ON CONFLICT (singleton) DO UPDATE SET doc = EXCLUDED.doc, etag = EXCLUDED.etag, "
                     "update_time = EXCLUDED.update_time WHERE trust.doc IS DISTINCT FROM EXCLUDED.doc "
                     "RETURNING (xmax = 0), etag, ",
                     kMicros),
        Doc(ToJson(*changes.trust)), etag));
    if (!w.changed) {
      pqxx::row row = txn.exec1(absl::StrCat("SELECT etag, ", kMicros, " FROM trust"));
      w.etag = row[0].as<std::string>();
      w.update_time = FromMicros(row[1]);
    }
    Tally(w, *changes.trust, counts);
  }
  for (School& school : changes.schools) {
    Written w = FromReturning(txn.exec_params(
        absl::StrCat("INSERT INTO schools (id, doc, calendar_version, policy_version, etag, create_time, update_time) "
                     "VALUES ($1, $2::jsonb, $3, $4, $5, now(), now()) ON CONFLICT (id) DO UPDATE SET "
                     "doc = EXCLUDED.doc, calendar_version = EXCLUDED.calendar_version, "
                     "policy_version = EXCLUDED.policy_version, etag = EXCLUDED.etag, "
                     "update_time = EXCLUDED.update_time WHERE schools.doc IS DISTINCT FROM EXCLUDED.doc "
                     "RETURNING (xmax = 0), etag, ",
                     kMicros),
        school.id, Doc(ToJson(school)), school.calendar_version, school.policy_version, etag));
    pqxx::row row = txn.exec_params1(
        "SELECT etag, (extract(epoch from update_time) * 1000000)::bigint, "
        "(extract(epoch from create_time) * 1000000)::bigint FROM schools WHERE id = $1",
        school.id);
    if (!w.changed) {
      w.etag = row[0].as<std::string>();
      w.update_time = FromMicros(row[1]);
    }
    school.create_time = FromMicros(row[2]);
    Tally(w, school, counts);
  }
  for (Staff& staff : changes.staff) {
    Tally(UpsertScoped(txn, "staff", staff.school_id, staff.id, Doc(ToJson(staff)), etag), staff, counts);
  }
  for (Pupil& pupil : changes.pupils) {
    Tally(UpsertScoped(txn, "pupils", pupil.school_id, pupil.id, Doc(ToJson(pupil)), etag), pupil, counts);
  }
  for (Ladder& ladder : changes.ladders) {
    Tally(UpsertScoped(txn, "ladders", ladder.school_id, ladder.id, Doc(ToJson(ladder)), etag), ladder, counts);
  }
  for (RoutingMatrix& matrix : changes.routing_matrices) {
    Written w = FromReturning(txn.exec_params(
        absl::StrCat(
            "INSERT INTO routing_matrices (school_id, doc, etag, update_time) VALUES ($1, $2::jsonb, $3, now()) "
            "ON CONFLICT (school_id) DO UPDATE SET doc = EXCLUDED.doc, etag = EXCLUDED.etag, "
            "update_time = EXCLUDED.update_time WHERE routing_matrices.doc IS DISTINCT FROM EXCLUDED.doc "
            "RETURNING (xmax = 0), etag, ",
            kMicros),
        matrix.school_id, Doc(ToJson(matrix)), etag));
    if (!w.changed) {
      pqxx::row row = txn.exec_params1(
          absl::StrCat("SELECT etag, ", kMicros, " FROM routing_matrices WHERE school_id = $1"), matrix.school_id);
      w.etag = row[0].as<std::string>();
      w.update_time = FromMicros(row[1]);
    }
    Tally(w, matrix, counts);
  }
  for (Guardian& guardian : changes.guardians) {
    Written w = FromReturning(txn.exec_params(
        absl::StrCat("INSERT INTO guardians (id, doc, etag, update_time) VALUES ($1, $2::jsonb, $3, now()) "
                     "ON CONFLICT (id) DO UPDATE SET doc = EXCLUDED.doc, etag = EXCLUDED.etag, "
                     "update_time = EXCLUDED.update_time WHERE guardians.doc IS DISTINCT FROM EXCLUDED.doc "
                     "RETURNING (xmax = 0), etag, ",
                     kMicros),
        guardian.id, Doc(ToJson(guardian)), etag));
    if (!w.changed) {
      pqxx::row row =
          txn.exec_params1(absl::StrCat("SELECT etag, ", kMicros, " FROM guardians WHERE id = $1"), guardian.id);
      w.etag = row[0].as<std::string>();
      w.update_time = FromMicros(row[1]);
    } else {
      txn.exec_params("DELETE FROM guardian_links WHERE guardian_id = $1", guardian.id);
      for (const PupilLink& link : guardian.pupils) {
        txn.exec_params("INSERT INTO guardian_links (guardian_id, school_id, pupil_id) VALUES ($1, $2, $3)",
                        guardian.id, link.school_id, link.pupil_id);
      }
    }
    Tally(w, guardian, counts);
  }
  for (const std::string& id : changes.delete_guardians) {
    counts.deleted += txn.exec_params("DELETE FROM guardians WHERE id = $1", id).affected_rows() > 0 ? 1 : 0;
  }
  for (const SchoolScopedId& id : changes.delete_ladders) counts.deleted += DeleteScoped(txn, "ladders", id) ? 1 : 0;
  for (const SchoolScopedId& id : changes.delete_pupils) counts.deleted += DeleteScoped(txn, "pupils", id) ? 1 : 0;
  for (const SchoolScopedId& id : changes.delete_staff) counts.deleted += DeleteScoped(txn, "staff", id) ? 1 : 0;
  // Last: the school's own rows go first, and a staff, pupil or guardian link row still there
  // fails the foreign keys rather than disappearing with it.
  for (const std::string& id : changes.delete_schools) {
    txn.exec_params("DELETE FROM routing_matrices WHERE school_id = $1", id);
    counts.deleted += txn.exec_params("DELETE FROM schools WHERE id = $1", id).affected_rows() > 0 ? 1 : 0;
  }
  return absl::OkStatus();
}

}  // namespace

absl::Status PgDirectoryStore::Ping() { return pool_->Ping(); }

absl::StatusOr<int64_t> PgDirectoryStore::Version() {
  int64_t version = 0;
  PARLEY_RETURN_IF_ERROR(pool_->Read([&](pqxx::work& txn) {
    version = txn.exec1("SELECT version FROM directory_state")[0].as<int64_t>();
    return absl::OkStatus();
  }));
  return version;
}

absl::StatusOr<LoadedDirectory> PgDirectoryStore::Load() {
  LoadedDirectory out;
  PARLEY_RETURN_IF_ERROR(pool_->Read([&](pqxx::work& txn) -> absl::Status {
    // One consistent view of every table.
    txn.exec0("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ");
    out.version = txn.exec1("SELECT version FROM directory_state")[0].as<int64_t>();
    Directory& dir = out.directory;
    for (const pqxx::row& row : txn.exec(absl::StrCat("SELECT doc, etag, ", kMicros, " FROM trust"))) {
      PARLEY_ASSIGN_OR_RETURN(dir.trust, Parse<Trust>(row[0], &TrustFromJson));
      dir.trust.etag = row[1].as<std::string>();
      dir.trust.update_time = FromMicros(row[2]);
    }
    for (const pqxx::row& row :
         txn.exec(absl::StrCat("SELECT id, doc, calendar_version, policy_version, etag, ", kMicros,
                               ", (extract(epoch from create_time) * 1000000)::bigint FROM schools ORDER BY id"))) {
      PARLEY_ASSIGN_OR_RETURN(School school, Parse<School>(row[1], &SchoolFromJson));
      school.id = row[0].as<std::string>();
      school.calendar_version = row[2].as<std::string>();
      school.policy_version = row[3].as<std::string>();
      school.etag = row[4].as<std::string>();
      school.update_time = FromMicros(row[5]);
      school.create_time = FromMicros(row[6]);
      SchoolDirectory& sd = dir.schools[school.id];
      sd.routing_matrix.school_id = school.id;
      sd.school = std::move(school);
    }
    auto school_of = [&](const std::string& id) -> absl::StatusOr<SchoolDirectory*> {
      auto it = dir.schools.find(id);
      if (it == dir.schools.end()) return absl::InternalError("a stored record names a school that does not exist");
      return &it->second;
    };
    for (const pqxx::row& row : txn.exec(absl::StrCat("SELECT school_id, id, doc, etag, ", kMicros, " FROM staff"))) {
      PARLEY_ASSIGN_OR_RETURN(Staff staff, Parse<Staff>(row[2], &StaffFromJson));
      staff.school_id = row[0].as<std::string>();
      staff.id = row[1].as<std::string>();
      staff.etag = row[3].as<std::string>();
      staff.update_time = FromMicros(row[4]);
      PARLEY_ASSIGN_OR_RETURN(SchoolDirectory * sd, school_of(staff.school_id));
      sd->staff[staff.id] = std::move(staff);
    }
    for (const pqxx::row& row : txn.exec(absl::StrCat("SELECT school_id, id, doc, etag, ", kMicros, " FROM pupils"))) {
      PARLEY_ASSIGN_OR_RETURN(Pupil pupil, Parse<Pupil>(row[2], &PupilFromJson));
      pupil.school_id = row[0].as<std::string>();
      pupil.id = row[1].as<std::string>();
      pupil.etag = row[3].as<std::string>();
      pupil.update_time = FromMicros(row[4]);
      PARLEY_ASSIGN_OR_RETURN(SchoolDirectory * sd, school_of(pupil.school_id));
      sd->pupils[pupil.id] = std::move(pupil);
    }
    for (const pqxx::row& row : txn.exec(absl::StrCat("SELECT school_id, id, doc, etag, ", kMicros, " FROM ladders"))) {
      PARLEY_ASSIGN_OR_RETURN(Ladder ladder, Parse<Ladder>(row[2], &LadderFromJson));
      ladder.school_id = row[0].as<std::string>();
      ladder.id = row[1].as<std::string>();
      ladder.etag = row[3].as<std::string>();
      ladder.update_time = FromMicros(row[4]);
      PARLEY_ASSIGN_OR_RETURN(SchoolDirectory * sd, school_of(ladder.school_id));
      sd->ladders[ladder.id] = std::move(ladder);
    }
    for (const pqxx::row& row :
         txn.exec(absl::StrCat("SELECT school_id, doc, etag, ", kMicros, " FROM routing_matrices"))) {
      PARLEY_ASSIGN_OR_RETURN(RoutingMatrix matrix, Parse<RoutingMatrix>(row[1], &RoutingMatrixFromJson));
      matrix.school_id = row[0].as<std::string>();
      matrix.etag = row[2].as<std::string>();
      matrix.update_time = FromMicros(row[3]);
      PARLEY_ASSIGN_OR_RETURN(SchoolDirectory * sd, school_of(matrix.school_id));
      sd->routing_matrix = std::move(matrix);
    }
    for (const pqxx::row& row : txn.exec(absl::StrCat("SELECT id, doc, etag, ", kMicros, " FROM guardians"))) {
      PARLEY_ASSIGN_OR_RETURN(Guardian guardian, Parse<Guardian>(row[1], &GuardianFromJson));
      guardian.id = row[0].as<std::string>();
      guardian.etag = row[2].as<std::string>();
      guardian.update_time = FromMicros(row[3]);
      dir.guardians[guardian.id] = std::move(guardian);
    }
    return absl::OkStatus();
  }));
  return out;
}

absl::StatusOr<DirectoryStore::Outcome> PgDirectoryStore::Mutate(const Mutation& m) {
  Outcome outcome;
  absl::Status status = pool_->Transact([&](pqxx::work& txn) -> absl::Status {
    // The row lock serialises directory writers for the rest of the transaction.
    const int64_t version = txn.exec1("SELECT version FROM directory_state FOR UPDATE")[0].as<int64_t>();
    if (!m.dry_run) {
      PARLEY_ASSIGN_OR_RETURN(std::optional<std::string> prior,
                              pg::BeginRequest(txn, m.key.scope, m.key.request_id, m.key.fingerprint));
      if (prior.has_value()) {
        outcome.response = *std::move(prior);
        outcome.replayed = true;
        outcome.version = version;
        return absl::OkStatus();
      }
    }
    if (version != m.expected_version) {
      return Aborted("STALE_SNAPSHOT", "the directory changed while this request was prepared; retry");
    }
    PARLEY_ASSIGN_OR_RETURN(ChangeSet changes, m.plan());
    const int64_t next = version + 1;
    ApplyCounts counts;
    PARLEY_RETURN_IF_ERROR(Apply(txn, changes, absl::StrCat(next), counts));
    const bool changed = counts.created + counts.updated + counts.deleted > 0;
    if (changed) txn.exec_params0("UPDATE directory_state SET version = $1", next);
    outcome.version = changed ? next : version;
    PARLEY_ASSIGN_OR_RETURN(outcome.response, m.respond(changes, counts));
    if (m.dry_run) return WithReason(absl::AbortedError("dry run"), kDryRunReason);
    return pg::FinishRequest(txn, m.key.scope, m.key.request_id, outcome.response);
  });
  if (!status.ok() && ErrorReason(status) == kDryRunReason) return outcome;
  if (!status.ok()) return status;
  return outcome;
}

}  // namespace parley::contacts
