#include "services/appointments/store/pg_records_store.h"

#include <string>
#include <utility>
#include <vector>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "common/pg/errors.h"
#include "common/pg/idempotency.h"
#include "common/pg/sql_values.h"
#include "common/status/reason.h"
#include "common/status/reasons.h"
#include "common/status/status_macros.h"
#include "nlohmann/json.hpp"
#include "pqxx/pqxx"
#include "services/appointments/domain/meeting_request.h"

namespace parley::appointments {
namespace {

using pg::Micros;
using pg::TextArray;
using pg::TimeAt;
using pg::TimeParam;

absl::Time ToMicros(absl::Time t) { return absl::FromUnixMicros(absl::ToUnixMicros(t)); }

std::string DayParam(absl::CivilDay d) { return absl::FormatCivilTime(d); }

absl::CivilDay DayAt(const pqxx::field& f) {
  absl::CivilDay d;
  // The column is a date: PostgreSQL's ISO output always parses.
  (void)absl::ParseCivilTime(f.c_str(), &d);
  return d;
}

std::string IntArray(const std::vector<int>& items) {
  std::string out = "{";
  for (size_t i = 0; i < items.size(); ++i) absl::StrAppend(&out, i == 0 ? "" : ",", items[i]);
  return out + "}";
}

std::vector<int> ParseIntArray(const pqxx::field& f) {
  std::vector<int> out;
  for (const std::string& s : pg::ParseTextArray(f)) {
    int v = 0;
    if (absl::SimpleAtoi(s, &v)) out.push_back(v);
  }
  return out;
}

int64_t Seconds(absl::Duration d) { return absl::ToInt64Seconds(d); }

// An etag is the row's version; "0" for settings a school never set.
absl::StatusOr<int64_t> VersionOf(const std::string& etag) {
  int64_t v = 0;
  if (!absl::SimpleAtoi(etag, &v) || v < 0) return Aborted(reason::kStaleEtag, "the etag is not current: read again");
  return v;
}

absl::Status StaleEtag(absl::string_view what) {
  return Aborted(reason::kStaleEtag, absl::StrCat("the ", what, " changed since it was read: read it again"));
}

// ---- settings ----------------------------------------------------------------------------------

AppointmentSettings Defaults(const std::string& school_id) {
  AppointmentSettings s;
  s.school_id = school_id;
  s.etag = "0";
  s.update_time = absl::InfinitePast();
  return s;
}

absl::StatusOr<AppointmentSettings> LoadSettings(pqxx::work& txn, const std::string& school_id) {
  const pqxx::result r = txn.exec_params(
      absl::StrCat("SELECT meeting_length_s, interpreted_meeting_length_s, slot_step_s, hold_length_s, row_version, ",
                   Micros("update_time"), " FROM appointment_settings WHERE school_id = $1"),
      school_id);
  AppointmentSettings s = Defaults(school_id);
  if (r.empty()) return s;
  s.meeting_length = absl::Seconds(r[0][0].as<int64_t>());
  s.interpreted_meeting_length = r[0][1].is_null() ? 2 * s.meeting_length : absl::Seconds(r[0][1].as<int64_t>());
  s.slot_step = absl::Seconds(r[0][2].as<int64_t>());
  s.hold_length = absl::Seconds(r[0][3].as<int64_t>());
  s.etag = absl::StrCat(r[0][4].as<int64_t>());
  s.update_time = TimeAt(r[0][5]);
  for (const pqxx::row& rule : txn.exec_params("SELECT record_type, years, until_pupil_age, schedule_text FROM "
                                               "retention_rules WHERE school_id = $1 ORDER BY position",
                                               school_id)) {
    s.retention.push_back(RetentionRule{rule[0].c_str(), rule[1].as<int>(), rule[2].as<int>(), rule[3].c_str()});
  }
  return s;
}

// ---- interpreters ------------------------------------------------------------------------------

const std::string kInterpreterColumns = "school_id, id, display_name, languages, row_version";

Interpreter InterpreterFrom(const pqxx::row& r) {
  Interpreter in;
  in.school_id = r[0].c_str();
  in.id = r[1].c_str();
  in.display_name = r[2].c_str();
  in.languages = pg::ParseTextArray(r[3]);
  in.etag = absl::StrCat(r[4].as<int64_t>());
  return in;
}

absl::Status InterpreterNotFound(const std::string& id) {
  return NotFound(reason::kInterpreterNotFound, absl::StrCat("interpreter ", id, " not found"));
}

absl::StatusOr<Interpreter> LoadInterpreter(pqxx::work& txn, const std::string& school_id, const std::string& id) {
  const pqxx::result r = txn.exec_params(
      absl::StrCat("SELECT ", kInterpreterColumns, " FROM interpreters WHERE school_id = $1 AND id = $2"), school_id,
      id);
  if (r.empty()) return InterpreterNotFound(id);
  return InterpreterFrom(r[0]);
}

// ---- exceptions --------------------------------------------------------------------------------

const std::string kExceptionColumns = "school_id, staff_id, day, open_minutes, close_minutes, row_version";

StaffException ExceptionFrom(const pqxx::row& r) {
  StaffException e;
  e.school_id = r[0].c_str();
  e.staff_id = r[1].c_str();
  e.day = DayAt(r[2]);
  const std::vector<int> open = ParseIntArray(r[3]), close = ParseIntArray(r[4]);
  for (size_t i = 0; i < open.size() && i < close.size(); ++i) e.hours.push_back({open[i], close[i]});
  e.etag = absl::StrCat(r[5].as<int64_t>());
  return e;
}

absl::StatusOr<StaffException> LoadException(pqxx::work& txn, const std::string& school_id, const std::string& staff_id,
                                             absl::CivilDay day) {
  const pqxx::result r = txn.exec_params(absl::StrCat("SELECT ", kExceptionColumns,
                                                      " FROM availability_exceptions WHERE school_id = $1 AND "
                                                      "staff_id = $2 AND day = $3::date"),
                                         school_id, staff_id, DayParam(day));
  if (r.empty()) {
    return NotFound(reason::kAvailabilityExceptionNotFound,
                    absl::StrCat("staff ", staff_id, " has no availability exception on ", DayParam(day)));
  }
  return ExceptionFrom(r[0]);
}

// ---- notes -------------------------------------------------------------------------------------

const std::string kNoteColumns =
    absl::StrCat("school_id, booking_id, id, record_type, body_ref, recording_not_permitted, ", Micros("meeting_time"),
                 ", ", Micros("retain_until"), ", retention_basis, legal_hold, author, row_version, ",
                 Micros("create_time"), ", ", Micros("update_time"));

MeetingNote NoteFrom(const pqxx::row& r) {
  MeetingNote n;
  n.school_id = r[0].c_str();
  n.booking_id = r[1].c_str();
  n.id = r[2].c_str();
  n.record_type = r[3].c_str();
  n.body_ref = r[4].c_str();
  n.recording_not_permitted = r[5].as<bool>();
  n.meeting_time = TimeAt(r[6]);
  n.retain_until = TimeAt(r[7]);
  n.retention_basis = r[8].c_str();
  n.legal_hold = r[9].as<bool>();
  n.author = r[10].c_str();
  n.etag = absl::StrCat(r[11].as<int64_t>());
  n.create_time = TimeAt(r[12]);
  n.update_time = TimeAt(r[13]);
  return n;
}

absl::Status NoteNotFound(const std::string& id) {
  return NotFound(reason::kNoteNotFound, absl::StrCat("meeting note ", id, " not found"));
}

absl::StatusOr<MeetingNote> LoadNote(pqxx::work& txn, const std::string& school_id, const std::string& booking_id,
                                     const std::string& id) {
  const pqxx::result r = txn.exec_params(
      absl::StrCat("SELECT ", kNoteColumns, " FROM meeting_notes WHERE school_id = $1 AND booking_id = $2 AND id = $3"),
      school_id, booking_id, id);
  if (r.empty()) return NoteNotFound(id);
  return NoteFrom(r[0]);
}

// An evening's teachers as the evenings store writes them: [{"staff", "start", "end" (µs),
// "breaks": [[µs, µs], ...], "room"}].
absl::StatusOr<std::vector<EveningTeacher>> TeachersFrom(const std::string& text) {
  const nlohmann::json j = nlohmann::json::parse(text, nullptr, /*allow_exceptions=*/false);
  if (!j.is_array()) return Internal(reason::kInternal, "an evening's teachers could not be read");
  std::vector<EveningTeacher> out;
  for (const nlohmann::json& t : j) {
    if (!t.is_object() || !t.contains("staff") || !t.contains("start") || !t.contains("end")) {
      return Internal(reason::kInternal, "an evening's teachers could not be read");
    }
    EveningTeacher teacher;
    teacher.staff_id = t.at("staff").get<std::string>();
    teacher.window =
        Interval{absl::FromUnixMicros(t.at("start").get<int64_t>()), absl::FromUnixMicros(t.at("end").get<int64_t>())};
    if (t.contains("breaks")) {
      for (const nlohmann::json& b : t.at("breaks")) {
        teacher.breaks.push_back(
            Interval{absl::FromUnixMicros(b.at(0).get<int64_t>()), absl::FromUnixMicros(b.at(1).get<int64_t>())});
      }
    }
    if (t.contains("room")) teacher.room = t.at("room").get<std::string>();
    out.push_back(std::move(teacher));
  }
  return out;
}

// A read-only transaction returning one value.
template <typename T, typename Fn>
absl::StatusOr<T> ReadOne(pg::Pool& pool, Fn fn) {
  absl::StatusOr<T> out = absl::InternalError("unset");
  PARLEY_RETURN_IF_ERROR(pool.Read([&](pqxx::work& txn) -> absl::Status {
    out = fn(txn);
    return out.status();
  }));
  return out;
}

}  // namespace

PgRecordsStore::PgRecordsStore(pg::Pool* pool) : pool_(pool) {}

// ---- settings ----------------------------------------------------------------------------------

absl::StatusOr<AppointmentSettings> PgRecordsStore::Settings(const std::string& school_id) {
  return ReadOne<AppointmentSettings>(*pool_, [&](pqxx::work& txn) { return LoadSettings(txn, school_id); });
}

absl::StatusOr<AppointmentSettings> PgRecordsStore::UpdateSettings(const RequestKey& key, const AppointmentSettings& s,
                                                                   const std::string& expected_etag, absl::Time now) {
  now = ToMicros(now);
  std::optional<int64_t> expected;
  if (!expected_etag.empty()) {
    PARLEY_ASSIGN_OR_RETURN(expected, VersionOf(expected_etag));
  }
  const std::string expected_param = expected ? absl::StrCat(*expected) : "";
  std::vector<std::string> types, texts;
  std::vector<int> years, ages;
  for (const RetentionRule& r : s.retention) {
    types.push_back(r.record_type);
    texts.push_back(r.schedule_text);
    years.push_back(r.years);
    ages.push_back(r.until_pupil_age);
  }
  absl::StatusOr<pg::IdempotentOutcome> outcome =
      pg::RunIdempotent(*pool_, key, [&](pqxx::work& txn) -> absl::StatusOr<std::string> {
        // The upsert changes the row only when it is still the version the caller read (any
        // version when they named none); the first write of a school inserts version 1.
        const pqxx::result r = txn.exec_params(
            "INSERT INTO appointment_settings AS a (school_id, meeting_length_s, interpreted_meeting_length_s, "
            "slot_step_s, hold_length_s, update_time) VALUES ($1, $2, $3, $4, $5, $6::timestamptz) "
            "ON CONFLICT (school_id) DO UPDATE SET meeting_length_s = EXCLUDED.meeting_length_s, "
            "interpreted_meeting_length_s = EXCLUDED.interpreted_meeting_length_s, slot_step_s = EXCLUDED.slot_step_s, "
            "hold_length_s = EXCLUDED.hold_length_s, update_time = EXCLUDED.update_time, "
            "row_version = a.row_version + 1 WHERE $7 = '' OR a.row_version = NULLIF($7, '')::bigint "
            "RETURNING (xmax = 0) AS inserted",
            s.school_id, Seconds(s.meeting_length), Seconds(s.interpreted_meeting_length), Seconds(s.slot_step),
            Seconds(s.hold_length), TimeParam(now), expected_param);
        // A first write is stale to a caller who read a version (another first write beat them).
        if (r.empty() || (r[0][0].as<bool>() && expected && *expected != 0)) {
          return StaleEtag("appointment settings");
        }
        txn.exec_params("DELETE FROM retention_rules WHERE school_id = $1", s.school_id);
        txn.exec_params(
            "INSERT INTO retention_rules (school_id, record_type, position, years, until_pupil_age, schedule_text) "
            "SELECT $1, t, p::int, y, a, x FROM unnest($2::text[], $3::int[], $4::int[], $5::text[]) "
            "WITH ORDINALITY AS u(t, y, a, x, p)",
            s.school_id, TextArray(types), IntArray(years), IntArray(ages), TextArray(texts));
        return s.school_id;
      });
  if (!outcome.ok()) return outcome.status();
  return Settings(s.school_id);
}

// ---- interpreters ------------------------------------------------------------------------------

absl::StatusOr<Interpreter> PgRecordsStore::CreateInterpreter(const RequestKey& key, const Interpreter& in,
                                                              absl::Time now) {
  absl::StatusOr<pg::IdempotentOutcome> outcome =
      pg::RunIdempotent(*pool_, key, [&](pqxx::work& txn) -> absl::StatusOr<std::string> {
        txn.exec_params(
            "INSERT INTO interpreters (school_id, id, display_name, languages, create_time) "
            "VALUES ($1, $2, $3, $4::text[], $5::timestamptz)",
            in.school_id, in.id, in.display_name, TextArray(in.languages), TimeParam(now));
        return in.id;
      });
  if (!outcome.ok()) return outcome.status();
  return GetInterpreter(in.school_id, outcome->response);
}

absl::StatusOr<std::vector<Interpreter>> PgRecordsStore::ListInterpreters(const std::string& school_id,
                                                                          const std::string& language) {
  return ReadOne<std::vector<Interpreter>>(*pool_, [&](pqxx::work& txn) -> absl::StatusOr<std::vector<Interpreter>> {
    std::vector<Interpreter> out;
    for (const pqxx::row& r :
         txn.exec_params(absl::StrCat("SELECT ", kInterpreterColumns,
                                      " FROM interpreters WHERE school_id = $1 AND ($2 = '' OR languages @> "
                                      "ARRAY[$2::text]) ORDER BY id"),
                         school_id, language)) {
      out.push_back(InterpreterFrom(r));
    }
    return out;
  });
}

absl::StatusOr<std::vector<Interpreter>> PgRecordsStore::InterpretersFor(const std::string& school_id,
                                                                         const std::string& language) {
  return ListInterpreters(school_id, language);
}

absl::StatusOr<Interpreter> PgRecordsStore::GetInterpreter(const std::string& school_id, const std::string& id) {
  return ReadOne<Interpreter>(*pool_, [&](pqxx::work& txn) { return LoadInterpreter(txn, school_id, id); });
}

absl::Status PgRecordsStore::DeleteInterpreter(const RequestKey& key, const std::string& school_id,
                                               const std::string& id, absl::Time now) {
  return pg::RunIdempotent(*pool_, key,
                           [&](pqxx::work& txn) -> absl::StatusOr<std::string> {
                             // Locked first, so that a booking made meanwhile that checks the
                             // interpreter exists (FOR SHARE) waits for the delete.
                             if (txn.exec_params("SELECT 1 FROM interpreters WHERE school_id = $1 AND id = $2 "
                                                 "FOR UPDATE",
                                                 school_id, id)
                                     .empty()) {
                               return InterpreterNotFound(id);
                             }
                             // A live booking still to come: confirmed or a held lease not run out.
                             const pqxx::result booked = txn.exec_params(
                                 "SELECT 1 FROM occupancy o JOIN bookings b ON b.school_id = o.school_id AND "
                                 "b.id = o.booking_id WHERE o.school_id = $1 AND o.occupant_kind = 'interpreter' "
                                 "AND o.occupant_id = $2 AND o.active AND upper(o.during) > $3::timestamptz AND "
                                 "(b.state = 'confirmed' OR (b.state = 'held' AND b.hold_expires > $3::timestamptz)) "
                                 "LIMIT 1",
                                 school_id, id, TimeParam(now));
                             if (!booked.empty()) {
                               return FailedPrecondition(
                                   reason::kInterpreterBooked,
                                   absl::StrCat("interpreter ", id,
                                                " is booked for a meeting still to come: cancel it or assign another "
                                                "interpreter first"));
                             }
                             txn.exec_params("DELETE FROM interpreters WHERE school_id = $1 AND id = $2", school_id,
                                             id);
                             return std::string();
                           })
      .status();
}

// ---- availability exceptions -------------------------------------------------------------------

absl::StatusOr<StaffException> PgRecordsStore::CreateException(const RequestKey& key, const StaffException& e,
                                                               absl::Time now) {
  std::vector<int> open, close;
  for (const calendar::HoursRange& h : e.hours) {
    open.push_back(h.open_minute);
    close.push_back(h.close_minute);
  }
  absl::StatusOr<pg::IdempotentOutcome> outcome =
      pg::RunIdempotent(*pool_, key, [&](pqxx::work& txn) -> absl::StatusOr<std::string> {
        const pqxx::result r = txn.exec_params(
            "INSERT INTO availability_exceptions (school_id, staff_id, day, open_minutes, close_minutes, create_time) "
            "VALUES ($1, $2, $3::date, $4::int[], $5::int[], $6::timestamptz) ON CONFLICT DO NOTHING RETURNING 1",
            e.school_id, e.staff_id, DayParam(e.day), IntArray(open), IntArray(close), TimeParam(now));
        if (r.empty()) {
          return AlreadyExists(reason::kAvailabilityExceptionExists,
                               absl::StrCat("staff ", e.staff_id, " already has an exception on ", DayParam(e.day),
                                            ": delete it to replace it"));
        }
        return std::string();
      });
  if (!outcome.ok()) return outcome.status();
  return ReadOne<StaffException>(*pool_,
                                 [&](pqxx::work& txn) { return LoadException(txn, e.school_id, e.staff_id, e.day); });
}

absl::StatusOr<std::vector<StaffException>> PgRecordsStore::ListExceptions(const std::string& school_id,
                                                                           const std::string& staff_id,
                                                                           absl::CivilDay first, absl::CivilDay last) {
  return ReadOne<std::vector<StaffException>>(
      *pool_, [&](pqxx::work& txn) -> absl::StatusOr<std::vector<StaffException>> {
        std::vector<StaffException> out;
        for (const pqxx::row& r : txn.exec_params(
                 absl::StrCat("SELECT ", kExceptionColumns,
                              " FROM availability_exceptions WHERE school_id = $1 AND staff_id = $2 AND day BETWEEN "
                              "$3::date AND $4::date ORDER BY day"),
                 school_id, staff_id, DayParam(first), DayParam(last))) {
          out.push_back(ExceptionFrom(r));
        }
        return out;
      });
}

absl::StatusOr<std::vector<AvailabilityException>> PgRecordsStore::Exceptions(const std::string& school_id,
                                                                              const std::string& staff_id,
                                                                              absl::Time from, absl::Time to) {
  // Dates are the school's; a day either side of the UTC dates covers any zone. An exception for
  // a day outside [from, to) changes nothing in FreeTime, which looks only at the window.
  const absl::CivilDay first = absl::ToCivilDay(from, absl::UTCTimeZone()) - 1;
  const absl::CivilDay last = absl::ToCivilDay(to, absl::UTCTimeZone()) + 1;
  PARLEY_ASSIGN_OR_RETURN(std::vector<StaffException> found, ListExceptions(school_id, staff_id, first, last));
  std::vector<AvailabilityException> out;
  for (StaffException& e : found) out.push_back(AvailabilityException{e.day, std::move(e.hours)});
  return out;
}

absl::Status PgRecordsStore::DeleteException(const RequestKey& key, const std::string& school_id,
                                             const std::string& staff_id, absl::CivilDay day) {
  return pg::RunIdempotent(*pool_, key,
                           [&](pqxx::work& txn) -> absl::StatusOr<std::string> {
                             const pqxx::result r = txn.exec_params(
                                 "DELETE FROM availability_exceptions WHERE school_id = $1 AND staff_id = $2 AND "
                                 "day = $3::date RETURNING 1",
                                 school_id, staff_id, DayParam(day));
                             if (r.empty()) return LoadException(txn, school_id, staff_id, day).status();
                             return std::string();
                           })
      .status();
}

// ---- notes -------------------------------------------------------------------------------------

absl::StatusOr<NoteSubject> PgRecordsStore::SubjectOf(const std::string& school_id, const std::string& booking_id) {
  return ReadOne<NoteSubject>(*pool_, [&](pqxx::work& txn) -> absl::StatusOr<NoteSubject> {
    const pqxx::result r =
        txn.exec_params(absl::StrCat("SELECT ", Micros("starts_at"),
                                     ", state, pupil_ids, staff_ids FROM bookings WHERE school_id = $1 AND id = $2"),
                        school_id, booking_id);
    if (r.empty()) return NotFound(reason::kBookingNotFound, absl::StrCat("booking ", booking_id, " not found"));
    return NoteSubject{school_id,
                       booking_id,
                       TimeAt(r[0][0]),
                       r[0][1].c_str(),
                       pg::ParseTextArray(r[0][2]),
                       pg::ParseTextArray(r[0][3])};
  });
}

absl::StatusOr<MeetingNote> PgRecordsStore::CreateNote(const RequestKey& key, const MeetingNote& n, absl::Time now) {
  now = ToMicros(now);
  absl::StatusOr<pg::IdempotentOutcome> outcome =
      pg::RunIdempotent(*pool_, key, [&](pqxx::work& txn) -> absl::StatusOr<std::string> {
        txn.exec_params(
            "INSERT INTO meeting_notes (school_id, booking_id, id, record_type, body_ref, recording_not_permitted, "
            "meeting_time, retain_until, retention_basis, legal_hold, author, create_time, update_time) VALUES ($1, "
            "$2, "
            "$3, $4, $5, $6, $7::timestamptz, $8::timestamptz, $9, $10, $11, $12::timestamptz, $12::timestamptz)",
            n.school_id, n.booking_id, n.id, n.record_type, n.body_ref, n.recording_not_permitted,
            TimeParam(n.meeting_time), TimeParam(n.retain_until), n.retention_basis, n.legal_hold, n.author,
            TimeParam(now));
        return n.id;
      });
  if (!outcome.ok()) return outcome.status();
  return GetNote(n.school_id, n.booking_id, outcome->response);
}

absl::StatusOr<MeetingNote> PgRecordsStore::GetNote(const std::string& school_id, const std::string& booking_id,
                                                    const std::string& id) {
  return ReadOne<MeetingNote>(*pool_, [&](pqxx::work& txn) { return LoadNote(txn, school_id, booking_id, id); });
}

absl::StatusOr<std::vector<MeetingNote>> PgRecordsStore::ListNotes(const std::string& school_id,
                                                                   const std::string& booking_id) {
  return ReadOne<std::vector<MeetingNote>>(*pool_, [&](pqxx::work& txn) -> absl::StatusOr<std::vector<MeetingNote>> {
    std::vector<MeetingNote> out;
    for (const pqxx::row& r : txn.exec_params(absl::StrCat("SELECT ", kNoteColumns,
                                                           " FROM meeting_notes WHERE school_id = $1 AND booking_id = "
                                                           "$2 ORDER BY create_time, id"),
                                              school_id, booking_id)) {
      out.push_back(NoteFrom(r));
    }
    return out;
  });
}

absl::StatusOr<MeetingNote> PgRecordsStore::SetLegalHold(const RequestKey& key, const std::string& school_id,
                                                         const std::string& booking_id, const std::string& id,
                                                         bool hold, const std::string& expected_etag, absl::Time now) {
  now = ToMicros(now);
  std::optional<int64_t> expected;
  if (!expected_etag.empty()) {
    PARLEY_ASSIGN_OR_RETURN(expected, VersionOf(expected_etag));
  }
  absl::StatusOr<pg::IdempotentOutcome> outcome =
      pg::RunIdempotent(*pool_, key, [&](pqxx::work& txn) -> absl::StatusOr<std::string> {
        // Waits for a sweeper that locked the note: once it committed, the note is gone.
        const pqxx::result r = txn.exec_params(
            "UPDATE meeting_notes SET legal_hold = $4, row_version = row_version + 1, update_time = $5::timestamptz "
            "WHERE school_id = $1 AND booking_id = $2 AND id = $3 AND ($6 = '' OR row_version = NULLIF($6, "
            "'')::bigint) "
            "RETURNING 1",
            school_id, booking_id, id, hold, TimeParam(now), expected ? absl::StrCat(*expected) : std::string());
        if (r.empty()) {
          PARLEY_RETURN_IF_ERROR(LoadNote(txn, school_id, booking_id, id).status());
          return StaleEtag("meeting note");
        }
        return id;
      });
  if (!outcome.ok()) return outcome.status();
  return GetNote(school_id, booking_id, id);
}

absl::StatusOr<int64_t> PgRecordsStore::SweepExpiredNotes(absl::Time now, int limit) {
  int64_t deleted = 0;
  PARLEY_RETURN_IF_ERROR(pool_->TransactWithRetry([&](pqxx::work& txn) -> absl::Status {
    // SKIP LOCKED: another replica's sweep (or a legal hold being set) has those rows; each note is
    // deleted, and its disposal recorded, by exactly one transaction. A row locked after a legal hold
    // committed is re-checked on its new version and left alone.
    const pqxx::result r = txn.exec_params(
        "WITH due AS (SELECT school_id, booking_id, id FROM meeting_notes WHERE retain_until <= $1::timestamptz AND "
        "NOT legal_hold ORDER BY retain_until LIMIT $2 FOR UPDATE SKIP LOCKED), "
        "gone AS (DELETE FROM meeting_notes n USING due d WHERE n.school_id = d.school_id AND "
        "n.booking_id = d.booking_id AND n.id = d.id RETURNING n.school_id, n.booking_id, n.id, n.record_type, "
        "n.retain_until) "
        "INSERT INTO note_disposals (school_id, booking_id, note_id, record_type, retain_until, deleted_at) "
        "SELECT school_id, booking_id, id, record_type, retain_until, $1::timestamptz FROM gone",
        TimeParam(now), limit);
    deleted = static_cast<int64_t>(r.affected_rows());
    return absl::OkStatus();
  }));
  return deleted;
}

// ---- figures -----------------------------------------------------------------------------------

absl::StatusOr<SchoolStats> PgRecordsStore::Stats(const std::string& school_id, absl::Time start, absl::Time end) {
  // A booking whose meeting was on: confirmed, or with its outcome recorded.
  constexpr char kOn[] = "state IN ('confirmed', 'attended', 'no_show', 'missed_call')";
  return ReadOne<SchoolStats>(*pool_, [&](pqxx::work& txn) -> absl::StatusOr<SchoolStats> {
    SchoolStats s;
    const pqxx::result r = txn.exec_params(
        absl::StrCat("WITH p AS (SELECT * FROM bookings WHERE school_id = $1 AND starts_at >= $2::timestamptz AND "
                     "starts_at < $3::timestamptz) SELECT "
                     "(SELECT count(*) FROM p WHERE kind = 'evening' AND ",
                     kOn, "), ",
                     "(SELECT count(DISTINCT g) FROM p, unnest(p.guardian_ids) AS g WHERE kind = 'evening' AND ", kOn,
                     "), (SELECT count(*) FROM p WHERE state = 'no_show'), ",
                     "(SELECT count(*) FROM p WHERE interpreter_id IS NOT NULL AND ", kOn, ")"),
        school_id, TimeParam(start), TimeParam(end));
    s.evening_slots_booked = r[0][0].as<int64_t>();
    s.evening_guardians = r[0][1].as<int64_t>();
    s.no_shows = r[0][2].as<int64_t>();
    s.interpreter_bookings = r[0][3].as<int64_t>();

    // Meeting requests (migration 0003) received in the period. A clock's state is the latest
    // the history recorded for it (each event that moves a clock carries its new state).
    const pqxx::result q = txn.exec_params(
        "WITH p AS (SELECT school_id, id, answer_due, hold_due FROM meeting_requests WHERE school_id = $1 AND "
        "received_at >= $2::timestamptz AND received_at < $3::timestamptz), "
        "c AS (SELECT p.*, "
        "(SELECT e.payload->'answer'->>'state' FROM meeting_request_events e WHERE e.school_id = p.school_id AND "
        "e.request_id = p.id AND e.payload ? 'answer' ORDER BY e.seq DESC LIMIT 1) AS answer_state, "
        "(SELECT e.payload->'hold'->>'state' FROM meeting_request_events e WHERE e.school_id = p.school_id AND "
        "e.request_id = p.id AND e.payload ? 'hold' ORDER BY e.seq DESC LIMIT 1) AS hold_state FROM p) "
        "SELECT count(*), count(*) FILTER (WHERE answer_due IS NOT NULL), "
        "count(*) FILTER (WHERE answer_due IS NOT NULL AND answer_state = $4), "
        "count(*) FILTER (WHERE hold_due IS NOT NULL), "
        "count(*) FILTER (WHERE hold_due IS NOT NULL AND hold_state = $4) FROM c",
        school_id, TimeParam(start), TimeParam(end), absl::StrCat(static_cast<int>(ClockState::kMet)));
    s.requests = q[0][0].as<int64_t>();
    s.answer_clocks = q[0][1].as<int64_t>();
    s.answered_in_time = q[0][2].as<int64_t>();
    s.hold_clocks = q[0][3].as<int64_t>();
    s.held_in_time = q[0][4].as<int64_t>();
    for (const pqxx::row& m : txn.exec_params(
             absl::StrCat("SELECT r.owner, ", Micros("r.received_at"), ", ", Micros("b.starts_at"),
                          " FROM meeting_requests r JOIN bookings b ON b.school_id = r.school_id AND b.id = "
                          "r.booking_id WHERE r.school_id = $1 AND r.received_at >= $2::timestamptz AND "
                          "r.received_at < $3::timestamptz AND r.state IN ($4, $5) ORDER BY r.id"),
             school_id, TimeParam(start), TimeParam(end), static_cast<int>(RequestState::kHeld),
             static_cast<int>(RequestState::kNoShow))) {
      s.to_meeting.push_back(RequestToMeeting{m[0].c_str(), TimeAt(m[1]), TimeAt(m[2])});
    }

    // Parents' evenings (migration 0004) held in the period and not cancelled: their grids.
    for (const pqxx::row& e : txn.exec_params(
             absl::StrCat("SELECT ", Micros("starts_at"), ", ", Micros("ends_at"),
                          ", slot_length_seconds, teachers::text FROM parents_evenings WHERE school_id = $1 AND "
                          "state = 'scheduled' AND starts_at >= $2::timestamptz AND starts_at < $3::timestamptz "
                          "ORDER BY id"),
             school_id, TimeParam(start), TimeParam(end))) {
      EveningGrid grid;
      grid.span = Interval{TimeAt(e[0]), TimeAt(e[1])};
      grid.slot_length = absl::Seconds(e[2].as<int64_t>());
      PARLEY_ASSIGN_OR_RETURN(grid.teachers, TeachersFrom(e[3].c_str()));
      s.evenings.push_back(std::move(grid));
    }
    return s;
  });
}

}  // namespace parley::appointments
