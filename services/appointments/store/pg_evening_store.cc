#include "services/appointments/store/pg_evening_store.h"

#include <utility>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "common/pg/errors.h"
#include "common/pg/idempotency.h"
#include "common/pg/sql_values.h"
#include "common/status/reason.h"
#include "common/status/reasons.h"
#include "common/status/status_macros.h"
#include "nlohmann/json.hpp"
#include "pqxx/pqxx"
#include "services/appointments/store/outbox_writer.h"

namespace parley::appointments {
namespace {

using nlohmann::json;
using pg::Micros;
using pg::TextArray;
using pg::TimeAt;
using pg::TimeParam;

// What PostgreSQL keeps: a write's answer is cut to the microsecond so that it equals a later Get.
absl::Time ToMicros(absl::Time t) { return absl::FromUnixMicros(absl::ToUnixMicros(t)); }

const char* RuleText(HouseholdRule r) { return r == HouseholdRule::kOneEach ? "one_each" : "one_per_household"; }
HouseholdRule RuleFrom(const std::string& s) {
  return s == "one_each" ? HouseholdRule::kOneEach : HouseholdRule::kOnePerHousehold;
}

std::string TeachersJson(const EveningGrid& grid) {
  json out = json::array();
  for (const EveningTeacher& t : grid.teachers) {
    json breaks = json::array();
    for (const Interval& b : t.breaks) breaks.push_back({absl::ToUnixMicros(b.start), absl::ToUnixMicros(b.end)});
    out.push_back({{"staff", t.staff_id},
                   {"start", absl::ToUnixMicros(t.window.start)},
                   {"end", absl::ToUnixMicros(t.window.end)},
                   {"breaks", breaks},
                   {"room", t.room}});
  }
  return out.dump();
}

std::vector<EveningTeacher> TeachersFrom(const std::string& text) {
  std::vector<EveningTeacher> out;
  for (const json& t : json::parse(text)) {
    EveningTeacher teacher;
    teacher.staff_id = t.at("staff").get<std::string>();
    teacher.window =
        Interval{absl::FromUnixMicros(t.at("start").get<int64_t>()), absl::FromUnixMicros(t.at("end").get<int64_t>())};
    for (const json& b : t.at("breaks")) {
      teacher.breaks.push_back(
          Interval{absl::FromUnixMicros(b.at(0).get<int64_t>()), absl::FromUnixMicros(b.at(1).get<int64_t>())});
    }
    teacher.room = t.at("room").get<std::string>();
    out.push_back(std::move(teacher));
  }
  return out;
}

std::string YearGroups(const std::vector<int>& years) { return absl::StrCat("{", absl::StrJoin(years, ","), "}"); }
std::vector<int> YearGroupsFrom(const pqxx::field& f) {
  std::vector<int> out;
  for (const std::string& s : pg::ParseTextArray(f)) out.push_back(std::stoi(s));
  return out;
}

const std::string kEveningColumns = absl::StrCat(
    "school_id, id, title, ", Micros("starts_at"), ", ", Micros("ends_at"),
    ", slot_length_seconds, walk_seconds, interpreted_length_seconds, teachers::text, year_groups::text[], ",
    Micros("opens_at"), ", ", Micros("closes_at"),
    ", hold_length_seconds, max_per_guardian, household_rule, state, cancel_reason, created_by, row_version, ",
    Micros("create_time"), ", ", Micros("update_time"));

ParentsEvening EveningFrom(const pqxx::row& r) {
  ParentsEvening e;
  e.school_id = r[0].c_str();
  e.id = r[1].c_str();
  e.title = r[2].c_str();
  e.grid.span = Interval{TimeAt(r[3]), TimeAt(r[4])};
  e.grid.slot_length = absl::Seconds(r[5].as<int>());
  e.grid.walk = absl::Seconds(r[6].as<int>());
  e.grid.interpreted_length = absl::Seconds(r[7].as<int>());
  e.grid.teachers = TeachersFrom(r[8].c_str());
  e.year_groups = YearGroupsFrom(r[9]);
  e.opens_at = TimeAt(r[10]);
  e.closes_at = TimeAt(r[11]);
  e.hold_length = absl::Seconds(r[12].as<int>());
  e.max_per_guardian = r[13].as<int>();
  e.household_rule = RuleFrom(r[14].c_str());
  e.cancelled = std::string(r[15].c_str()) == "cancelled";
  e.cancel_reason = r[16].c_str();
  e.created_by = r[17].c_str();
  e.etag = absl::StrCat(r[18].as<int64_t>());
  e.create_time = TimeAt(r[19]);
  e.update_time = TimeAt(r[20]);
  return e;
}

// Every entry of the evening's lines with its place in its teacher's line.
const std::string kEntrySelect = absl::StrCat(
    "SELECT school_id, evening_id, id, seq, staff_id, guardian_id, pupil_id, coalesce(offered_booking_id, ''), ",
    Micros("create_time"),
    ", row_number() OVER (PARTITION BY staff_id ORDER BY seq) FROM waiting_list "
    "WHERE school_id = $1 AND evening_id = $2");

WaitingEntry EntryFrom(const pqxx::row& r) {
  WaitingEntry e;
  e.school_id = r[0].c_str();
  e.evening_id = r[1].c_str();
  e.id = r[2].c_str();
  e.sequence = r[3].as<int64_t>();
  e.staff_id = r[4].c_str();
  e.guardian_id = r[5].c_str();
  e.pupil_id = r[6].c_str();
  e.offered_booking_id = r[7].c_str();
  e.create_time = TimeAt(r[8]);
  e.position = r[9].as<int>();
  return e;
}

absl::Status EveningNotFound() { return NotFound(reason::kEveningNotFound, "no such parents' evening"); }
absl::Status EntryNotFound() { return NotFound(reason::kWaitingEntryNotFound, "no such waiting-list entry"); }

std::optional<ParentsEvening> LoadEvening(pqxx::transaction_base& txn, const std::string& school_id,
                                          const std::string& id) {
  const pqxx::result r = txn.exec_params(
      absl::StrCat("SELECT ", kEveningColumns, " FROM parents_evenings WHERE school_id = $1 AND id = $2"), school_id,
      id);
  if (r.empty()) return std::nullopt;
  return EveningFrom(r[0]);
}

std::optional<WaitingEntry> LoadEntry(pqxx::transaction_base& txn, const std::string& school_id,
                                      const std::string& evening_id, const std::string& id) {
  const pqxx::result r = txn.exec_params(absl::StrCat("SELECT * FROM (", kEntrySelect, ") AS line WHERE id = $3"),
                                         school_id, evening_id, id);
  if (r.empty()) return std::nullopt;
  return EntryFrom(r[0]);
}

}  // namespace

PgEveningStore::PgEveningStore(pg::Pool* pool) : pool_(pool) {}

// ---- evenings -------------------------------------------------------------------------------------

absl::StatusOr<ParentsEvening> PgEveningStore::Create(const RequestKey& key, const ParentsEvening& evening,
                                                      absl::Time now) {
  now = ToMicros(now);
  absl::StatusOr<pg::IdempotentOutcome> out =
      pg::RunIdempotent(*pool_, key, [&](pqxx::work& txn) -> absl::StatusOr<std::string> {
        try {
          txn.exec_params(
              "INSERT INTO parents_evenings (school_id, id, title, starts_at, ends_at, slot_length_seconds, "
              "walk_seconds, "
              "interpreted_length_seconds, teachers, year_groups, opens_at, closes_at, hold_length_seconds, "
              "max_per_guardian, household_rule, state, created_by, create_time, update_time) VALUES ($1, $2, $3, "
              "$4::timestamptz, $5::timestamptz, $6, $7, $8, $9::jsonb, $10::integer[], $11::timestamptz, "
              "$12::timestamptz, $13, $14, $15, 'scheduled', $16, $17::timestamptz, $17::timestamptz)",
              evening.school_id, evening.id, evening.title, TimeParam(evening.grid.span.start),
              TimeParam(evening.grid.span.end), absl::ToInt64Seconds(evening.grid.slot_length),
              absl::ToInt64Seconds(evening.grid.walk), absl::ToInt64Seconds(evening.grid.interpreted_length),
              TeachersJson(evening.grid), YearGroups(evening.year_groups), TimeParam(evening.opens_at),
              TimeParam(evening.closes_at), absl::ToInt64Seconds(evening.hold_length), evening.max_per_guardian,
              RuleText(evening.household_rule), evening.created_by, TimeParam(now));
        } catch (const pqxx::unique_violation&) {
          return AlreadyExists(reason::kEveningExists, "a parents' evening with that id is already at the school");
        }
        return absl::StrCat(evening.school_id, "\n", evening.id);
      });
  if (!out.ok()) return out.status();
  return Get(evening.school_id, evening.id);
}

absl::StatusOr<ParentsEvening> PgEveningStore::Get(const std::string& school_id, const std::string& id) {
  std::optional<ParentsEvening> out;
  PARLEY_RETURN_IF_ERROR(pool_->Read([&](pqxx::work& txn) -> absl::Status {
    out = LoadEvening(txn, school_id, id);
    return absl::OkStatus();
  }));
  if (!out) return EveningNotFound();
  return *std::move(out);
}

absl::StatusOr<std::vector<ParentsEvening>> PgEveningStore::List(const std::string& school_id,
                                                                 const std::string& after_id, int limit) {
  std::vector<ParentsEvening> out;
  PARLEY_RETURN_IF_ERROR(pool_->Read([&](pqxx::work& txn) -> absl::Status {
    out.clear();
    for (const pqxx::row& r :
         txn.exec_params(absl::StrCat("SELECT ", kEveningColumns,
                                      " FROM parents_evenings WHERE school_id = $1 AND id > $2 ORDER BY id LIMIT $3"),
                         school_id, after_id, limit)) {
      out.push_back(EveningFrom(r));
    }
    return absl::OkStatus();
  }));
  return out;
}

absl::StatusOr<ParentsEvening> PgEveningStore::Cancel(const RequestKey& key, const std::string& school_id,
                                                      const std::string& id, const std::string& why,
                                                      const std::string& etag, const std::vector<Notice>& notices,
                                                      absl::Time now) {
  now = ToMicros(now);
  absl::StatusOr<pg::IdempotentOutcome> out =
      pg::RunIdempotent(*pool_, key, [&](pqxx::work& txn) -> absl::StatusOr<std::string> {
        const pqxx::result current = txn.exec_params(
            "SELECT state, row_version FROM parents_evenings WHERE school_id = $1 AND id = $2 FOR UPDATE", school_id,
            id);
        if (current.empty()) return EveningNotFound();
        if (!etag.empty() && etag != current[0][1].c_str()) {
          return Aborted(reason::kStaleEtag, "the parents' evening changed since it was read");
        }
        if (std::string(current[0][0].c_str()) == "cancelled") {
          return FailedPrecondition(reason::kWrongState, "the parents' evening is cancelled already");
        }
        txn.exec_params(
            "UPDATE parents_evenings SET state = 'cancelled', cancel_reason = $3, row_version = row_version + 1, "
            "update_time = $4::timestamptz WHERE school_id = $1 AND id = $2",
            school_id, id, why, TimeParam(now));
        WriteNotices(txn, notices);
        return absl::StrCat(school_id, "\n", id);
      });
  if (!out.ok()) return out.status();
  return Get(school_id, id);
}

// ---- waiting lists ------------------------------------------------------------------------------

absl::StatusOr<WaitingEntry> PgEveningStore::JoinWaitingList(const RequestKey& key, const WaitingEntry& entry,
                                                             absl::Time now) {
  now = ToMicros(now);
  absl::StatusOr<pg::IdempotentOutcome> out =
      pg::RunIdempotent(*pool_, key, [&](pqxx::work& txn) -> absl::StatusOr<std::string> {
        // One join at a time per teacher's line, so places are handed out in the order joins commit:
        // without it, two joins committing out of sequence order were both told the same place.
        txn.exec_params("SELECT pg_advisory_xact_lock(hashtextextended($1 || '/' || $2 || '/' || $3, 0))",
                        entry.school_id, entry.evening_id, entry.staff_id);
        try {
          txn.exec_params(
              "INSERT INTO waiting_list (school_id, evening_id, id, staff_id, guardian_id, pupil_id, create_time) "
              "VALUES ($1, $2, $3, $4, $5, $6, $7::timestamptz)",
              entry.school_id, entry.evening_id, entry.id, entry.staff_id, entry.guardian_id, entry.pupil_id,
              TimeParam(now));
        } catch (const pqxx::unique_violation&) {
          return AlreadyExists(reason::kWaitingEntryExists,
                               "the guardian already waits for that teacher about that pupil");
        } catch (const pqxx::foreign_key_violation&) {
          return EveningNotFound();
        }
        return entry.id;
      });
  if (!out.ok()) return out.status();
  return GetWaitingEntry(entry.school_id, entry.evening_id, out->response);
}

absl::Status PgEveningStore::LeaveWaitingList(const RequestKey& key, const std::string& school_id,
                                              const std::string& evening_id, const std::string& entry_id) {
  return pg::RunIdempotent(
             *pool_, key,
             [&](pqxx::work& txn) -> absl::StatusOr<std::string> {
               const pqxx::result r = txn.exec_params(
                   "DELETE FROM waiting_list WHERE school_id = $1 AND evening_id = $2 AND id = $3 RETURNING 1",
                   school_id, evening_id, entry_id);
               if (r.empty()) return EntryNotFound();
               return entry_id;
             })
      .status();
}

absl::StatusOr<WaitingEntry> PgEveningStore::GetWaitingEntry(const std::string& school_id,
                                                             const std::string& evening_id,
                                                             const std::string& entry_id) {
  std::optional<WaitingEntry> out;
  PARLEY_RETURN_IF_ERROR(pool_->Read([&](pqxx::work& txn) -> absl::Status {
    out = LoadEntry(txn, school_id, evening_id, entry_id);
    return absl::OkStatus();
  }));
  if (!out) return EntryNotFound();
  return *std::move(out);
}

absl::StatusOr<std::vector<WaitingEntry>> PgEveningStore::ListWaitingList(const std::string& school_id,
                                                                          const std::string& evening_id,
                                                                          const std::string& staff_id) {
  std::vector<WaitingEntry> out;
  PARLEY_RETURN_IF_ERROR(pool_->Read([&](pqxx::work& txn) -> absl::Status {
    out.clear();
    for (const pqxx::row& r : txn.exec_params(absl::StrCat("SELECT * FROM (", kEntrySelect,
                                                           ") AS line WHERE $3 = '' OR staff_id = $3 "
                                                           "ORDER BY staff_id, seq"),
                                              school_id, evening_id, staff_id)) {
      out.push_back(EntryFrom(r));
    }
    return absl::OkStatus();
  }));
  return out;
}

absl::StatusOr<WaitingEntry> PgEveningStore::RecordOffer(const std::string& school_id, const std::string& evening_id,
                                                         const std::string& entry_id, const std::string& booking_id,
                                                         const Notice& notice) {
  std::optional<WaitingEntry> out;
  PARLEY_RETURN_IF_ERROR(pool_->TransactWithRetry([&](pqxx::work& txn) -> absl::Status {
    // Only the first offer is recorded (and told): a second sweep racing this one changes nothing.
    const pqxx::result set = txn.exec_params(
        "UPDATE waiting_list SET offered_booking_id = $4 WHERE school_id = $1 AND evening_id = $2 AND id = $3 "
        "AND offered_booking_id IS NULL RETURNING 1",
        school_id, evening_id, entry_id, booking_id);
    if (!set.empty()) WriteNotices(txn, {notice});
    out = LoadEntry(txn, school_id, evening_id, entry_id);
    return absl::OkStatus();
  }));
  if (!out) return EntryNotFound();
  return *std::move(out);
}

// ---- household choices and notices ------------------------------------------------------------

absl::StatusOr<HouseholdChoice> PgEveningStore::SetHouseholdChoice(const RequestKey& key, const HouseholdChoice& choice,
                                                                   absl::Time now) {
  now = ToMicros(now);
  absl::StatusOr<pg::IdempotentOutcome> out =
      pg::RunIdempotent(*pool_, key, [&](pqxx::work& txn) -> absl::StatusOr<std::string> {
        try {
          txn.exec_params(
              "INSERT INTO household_choices (school_id, evening_id, pupil_id, rule, chosen_by, update_time) "
              "VALUES ($1, $2, $3, $4, $5, $6::timestamptz) ON CONFLICT (school_id, evening_id, pupil_id) DO UPDATE "
              "SET rule = EXCLUDED.rule, chosen_by = EXCLUDED.chosen_by, update_time = EXCLUDED.update_time",
              choice.school_id, choice.evening_id, choice.pupil_id, RuleText(choice.rule), choice.chosen_by,
              TimeParam(now));
        } catch (const pqxx::foreign_key_violation&) {
          return EveningNotFound();
        }
        return choice.pupil_id;
      });
  if (!out.ok()) return out.status();
  PARLEY_ASSIGN_OR_RETURN(std::optional<HouseholdChoice> stored,
                          GetHouseholdChoice(choice.school_id, choice.evening_id, choice.pupil_id));
  if (!stored) return Internal(reason::kInternal, "a household choice just written is not there");
  return *std::move(stored);
}

absl::StatusOr<std::optional<HouseholdChoice>> PgEveningStore::GetHouseholdChoice(const std::string& school_id,
                                                                                  const std::string& evening_id,
                                                                                  const std::string& pupil_id) {
  std::optional<HouseholdChoice> out;
  PARLEY_RETURN_IF_ERROR(pool_->Read([&](pqxx::work& txn) -> absl::Status {
    const pqxx::result r = txn.exec_params(
        absl::StrCat("SELECT rule, chosen_by, ", Micros("update_time"),
                     " FROM household_choices WHERE school_id = $1 AND evening_id = $2 AND pupil_id = $3"),
        school_id, evening_id, pupil_id);
    if (!r.empty()) {
      out =
          HouseholdChoice{school_id, evening_id, pupil_id, RuleFrom(r[0][0].c_str()), r[0][1].c_str(), TimeAt(r[0][2])};
    }
    return absl::OkStatus();
  }));
  return out;
}

absl::Status PgEveningStore::AddNotices(const std::vector<Notice>& notices) {
  return pool_->TransactWithRetry([&](pqxx::work& txn) -> absl::Status {
    WriteNotices(txn, notices);
    return absl::OkStatus();
  });
}

absl::StatusOr<std::vector<std::pair<std::string, std::string>>> PgEveningStore::EveningsWithWaiting(absl::Time now) {
  std::vector<std::pair<std::string, std::string>> out;
  PARLEY_RETURN_IF_ERROR(pool_->Read([&](pqxx::work& txn) -> absl::Status {
    out.clear();
    for (const pqxx::row& r : txn.exec_params(
             "SELECT e.school_id, e.id FROM parents_evenings e WHERE e.state = 'scheduled' AND "
             "e.opens_at <= $1::timestamptz AND e.closes_at > $1::timestamptz AND EXISTS (SELECT 1 FROM waiting_list w "
             "WHERE w.school_id = e.school_id AND w.evening_id = e.id AND w.offered_booking_id IS NULL) "
             "ORDER BY e.school_id, e.id",
             TimeParam(now))) {
      out.emplace_back(r[0].c_str(), r[1].c_str());
    }
    return absl::OkStatus();
  }));
  return out;
}

}  // namespace parley::appointments
