#include "services/appointments/store/pg_booking_store.h"

#include <algorithm>
#include <map>
#include <set>
#include <string>
#include <tuple>
#include <utility>
#include <vector>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_split.h"
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

using pg::Micros;
using pg::TextArray;
using pg::TimeAt;
using pg::TimeParam;

// ---- values in and out -------------------------------------------------------------------------

// What PostgreSQL keeps: a write's answer is cut to the microsecond so that it equals a later Get.
absl::Time ToMicros(absl::Time t) { return absl::FromUnixMicros(absl::ToUnixMicros(t)); }

const char* KindText(BookingKind k) {
  switch (k) {
    case BookingKind::kMeeting:
      return "meeting";
    case BookingKind::kEvening:
      return "evening";
    case BookingKind::kCall:
      return "call";
  }
  return "meeting";
}

const char* StateText(BookingState s) {
  switch (s) {
    case BookingState::kHeld:
      return "held";
    case BookingState::kConfirmed:
      return "confirmed";
    case BookingState::kCancelled:
      return "cancelled";
    case BookingState::kNoShow:
      return "no_show";
    case BookingState::kLapsed:
      return "lapsed";
    case BookingState::kAttended:
      return "attended";
    case BookingState::kMissedCall:
      return "missed_call";
  }
  return "held";
}

const char* ModeText(MeetingMode m) {
  switch (m) {
    case MeetingMode::kInPerson:
      return "in_person";
    case MeetingMode::kPhone:
      return "phone";
    case MeetingMode::kVideo:
      return "video";
  }
  return "in_person";
}

// The columns' CHECK constraints admit only the values above, so anything else is a bug.
BookingKind KindFrom(const std::string& s) {
  if (s == "evening") return BookingKind::kEvening;
  if (s == "call") return BookingKind::kCall;
  return BookingKind::kMeeting;
}
BookingState StateFrom(const std::string& s) {
  if (s == "confirmed") return BookingState::kConfirmed;
  if (s == "cancelled") return BookingState::kCancelled;
  if (s == "no_show") return BookingState::kNoShow;
  if (s == "lapsed") return BookingState::kLapsed;
  if (s == "attended") return BookingState::kAttended;
  if (s == "missed_call") return BookingState::kMissedCall;
  return BookingState::kHeld;
}
MeetingMode ModeFrom(const std::string& s) {
  if (s == "phone") return MeetingMode::kPhone;
  if (s == "video") return MeetingMode::kVideo;
  return MeetingMode::kInPerson;
}
std::optional<OccupantKind> OccupantKindFrom(const std::string& s) {
  for (OccupantKind k :
       {OccupantKind::kStaff, OccupantKind::kGuardian, OccupantKind::kInterpreter, OccupantKind::kRoom}) {
    if (OccupantKindName(k) == s) return k;
  }
  return std::nullopt;
}

const std::string kBookingColumns = absl::StrCat(
    "school_id, id, evening_id, kind, state, ", Micros("starts_at"), ", ", Micros("ends_at"),
    ", mode, video_link, staff_ids, guardian_ids, pupil_ids, interpreter_id, interpreter_language, room, hold_id, ",
    Micros("hold_expires"), ", created_by, cancel_reason, row_version, ", Micros("create_time"), ", ",
    Micros("update_time"), ", meeting_request_id, staff_roles::text, guests, language, waiting_for, gate::text");

// The columns' JSON, as the store writes it (migrations/0006_booking_details.sql).
std::string RolesJson(const std::map<std::string, std::string>& roles) { return nlohmann::json(roles).dump(); }

std::map<std::string, std::string> RolesFrom(const std::string& text) {
  std::map<std::string, std::string> out;
  const nlohmann::json j = nlohmann::json::parse(text, nullptr, /*allow_exceptions=*/false);
  if (!j.is_object()) return out;
  for (const auto& [staff, role] : j.items()) {
    if (role.is_string()) out[staff] = role.get<std::string>();
  }
  return out;
}

std::string GateJson(const std::vector<GateRecord>& gate) {
  nlohmann::json out = nlohmann::json::array();
  for (const GateRecord& g : gate) {
    out.push_back({{"guardian", g.guardian_id},
                   {"decision", g.decision},
                   {"outcomes", g.outcomes},
                   {"explanation", g.explanation},
                   {"decide_time", absl::ToUnixMicros(g.decide_time)}});
  }
  return out.dump();
}

std::vector<GateRecord> GateFrom(const std::string& text) {
  std::vector<GateRecord> out;
  const nlohmann::json j = nlohmann::json::parse(text, nullptr, /*allow_exceptions=*/false);
  if (!j.is_array()) return out;
  for (const nlohmann::json& g : j) {
    if (!g.is_object()) continue;
    GateRecord r;
    r.guardian_id = g.value("guardian", "");
    r.decision = g.value("decision", "");
    r.outcomes = g.value("outcomes", std::vector<std::string>{});
    r.explanation = g.value("explanation", "");
    r.decide_time = absl::FromUnixMicros(g.value("decide_time", int64_t{0}));
    out.push_back(std::move(r));
  }
  return out;
}

Booking BookingFrom(const pqxx::row& r) {
  Booking b;
  b.school_id = r[0].c_str();
  b.id = r[1].c_str();
  if (!r[2].is_null()) b.evening_id = r[2].c_str();
  b.kind = KindFrom(r[3].c_str());
  b.state = StateFrom(r[4].c_str());
  b.during = Interval{TimeAt(r[5]), TimeAt(r[6])};
  b.mode = ModeFrom(r[7].c_str());
  b.video_link = r[8].c_str();
  b.staff_ids = pg::ParseTextArray(r[9]);
  b.guardian_ids = pg::ParseTextArray(r[10]);
  b.pupil_ids = pg::ParseTextArray(r[11]);
  if (!r[12].is_null()) b.interpreter = InterpreterBooking{r[12].c_str(), r[13].c_str()};
  if (!r[14].is_null()) b.room = r[14].c_str();
  b.hold_id = r[15].c_str();
  b.hold_expires = pg::OptionalTimeAt(r[16]);
  b.created_by = r[17].c_str();
  b.cancel_reason = r[18].c_str();
  b.etag = absl::StrCat(r[19].as<int64_t>());
  b.create_time = TimeAt(r[20]);
  b.update_time = TimeAt(r[21]);
  if (!r[22].is_null()) b.meeting_request_id = r[22].c_str();
  b.staff_roles = RolesFrom(r[23].c_str());
  b.guests = pg::ParseTextArray(r[24]);
  if (!r[25].is_null()) b.language = r[25].c_str();
  b.waiting_for = pg::ParseTextArray(r[26]);
  b.gate = GateFrom(r[27].c_str());
  return b;
}

// The occupancy rows of a write as parallel arrays (one element per row), sorted by occupant and
// time so that concurrent writes lock shared occupants in one order (fewer deadlocks).
struct OccupancyArrays {
  std::string booking_ids, kinds, occupant_ids, starts, ends;
};

OccupancyArrays OccupancyOf(const std::vector<Booking>& bookings) {
  std::vector<std::tuple<int, std::string, absl::Time, absl::Time, std::string>> rows;
  for (const Booking& b : bookings) {
    for (const Occupant& o : OccupantsOf(b)) {
      rows.emplace_back(static_cast<int>(o.kind), o.id, b.during.start, b.during.end, b.id);
    }
  }
  std::sort(rows.begin(), rows.end());
  std::vector<std::string> booking_ids, kinds, occupant_ids, starts, ends;
  for (const auto& [kind, id, start, end, booking] : rows) {
    booking_ids.push_back(booking);
    kinds.emplace_back(OccupantKindName(static_cast<OccupantKind>(kind)));
    occupant_ids.push_back(id);
    starts.push_back(TimeParam(start));
    ends.push_back(TimeParam(end));
  }
  return {TextArray(booking_ids), TextArray(kinds), TextArray(occupant_ids), TextArray(starts), TextArray(ends)};
}

// ---- statements --------------------------------------------------------------------------------

constexpr char kWrite[] = "appointments_write";
constexpr char kWriteAtOnce[] = "appointments_write_at_once";
constexpr char kConfirmAtOnce[] = "appointments_confirm_at_once";
constexpr char kTakenBy[] = "appointments_taken_by";
constexpr char kConfirm[] = "appointments_confirm";
constexpr char kHoldRows[] = "appointments_hold_rows";
constexpr char kCancel[] = "appointments_cancel";
constexpr char kNoShow[] = "appointments_no_show";
constexpr char kSelect[] = "appointments_select";
constexpr char kSelectMany[] = "appointments_select_many";
constexpr char kBusy[] = "appointments_busy";
constexpr char kEvening[] = "appointments_evening";
constexpr char kSweep[] = "appointments_sweep";
constexpr char kUpdate[] = "appointments_update";
constexpr char kRelease[] = "appointments_release";
constexpr char kGain[] = "appointments_gain";
constexpr char kFree[] = "appointments_free";
constexpr char kList[] = "appointments_list";

// The requested occupancy rows ($2 kinds, $3 occupant ids, $4 starts, $5 ends) overlapping active
// rows of school $1, with their bookings, where `condition` holds. Each lookup is a subquery of its
// own (OFFSET 0 keeps the planner from merging it into a join), so that it is an index probe on all
// of its keys whatever the table statistics say: planned as a join over a table analysed while
// nearly empty (a new database, a new term), it became a scan of the school's every row.
std::string OverlappingSql(absl::string_view condition) {
  return absl::StrCat(
      "FROM unnest($2::text[], $3::text[], $4::timestamptz[], $5::timestamptz[]) AS r(kind, occupant_id, s, e) "
      "CROSS JOIN LATERAL (SELECT o.booking_id, o.occupant_kind FROM occupancy o WHERE o.school_id = $1 AND "
      "o.occupant_kind = r.kind AND o.occupant_id = r.occupant_id AND o.active AND "
      "o.during && tstzrange(r.s, r.e, '[)') OFFSET 0) o "
      "CROSS JOIN LATERAL (SELECT b.state, b.hold_expires FROM bookings b WHERE b.school_id = $1 AND "
      "b.id = o.booking_id OFFSET 0) b WHERE ",
      condition);
}
// Whose booking is live at $6: confirmed, a no-show, or held and not expired.
constexpr char kLive[] = "(b.state <> 'held' OR b.hold_expires > $6::timestamptz)";
// An expired hold not yet released.
constexpr char kExpired[] = "b.state = 'held' AND b.hold_expires <= $6::timestamptz";

// A write's occupancy rows ($7 booking ids, $2-$5 as above) once its bookings are written (a CTE
// `written_count`): the constraint on them is what refuses a double booking.
constexpr char kOccupancyRows[] =
    "INSERT INTO occupancy (school_id, booking_id, occupant_kind, occupant_id, during, active) "
    "SELECT $1, r.booking_id, r.kind, r.occupant_id, tstzrange(r.s, r.e, '[)'), true "
    "FROM unnest($7::text[], $2::text[], $3::text[], $4::timestamptz[], $5::timestamptz[]) "
    "AS r(booking_id, kind, occupant_id, s, e) CROSS JOIN written_count w WHERE w.n > 0";

void PrepareStatements(pg::Pool& pool) {
  // A Hold or Book in one statement. First it releases the expired holds that overlap the time it
  // is about to take (READ COMMITTED: a hold confirmed or released by someone else meanwhile is
  // re-checked on its new version and left alone); then it inserts the bookings, then their
  // occupancy rows, where the exclusion constraint decides. The order is forced by the data, not
  // by how PostgreSQL happens to schedule data-modifying CTEs: each insert reads a count over the
  // step before, and a count cannot produce its row before that step has finished. The occupancy
  // rows' foreign keys are checked at the end of the statement, when the bookings are there.
  //   $1 school, $2-$5 occupancy kinds, occupant ids, starts, ends, $6 now, $7 occupancy booking ids,
  //   $8-$22 one element per booking, $23 hold id, $24 lease end ('' for none), $25-$30 one element
  //   per booking: meeting request ('' for none), staff roles (JSON), guests (array), language ('' for
  //   none), waiting for (array), gate (JSON).
  // The releases name their rows by key (= ANY of an array) rather than by a join, for the reason
  // OverlappingSql gives.
  const auto release = [](absl::string_view expired_ids, absl::string_view gate) {
    return absl::StrCat(
        "released AS (UPDATE bookings b SET state = 'lapsed', row_version = b.row_version + 1, "
        "update_time = $6::timestamptz WHERE b.school_id = $1 AND b.id = ANY(ARRAY(",
        expired_ids, ")) AND b.state = 'held' AND b.hold_expires <= $6::timestamptz AND ", gate,
        " RETURNING b.id), "
        "freed AS (UPDATE occupancy o SET active = false WHERE o.school_id = $1 AND "
        "o.booking_id = ANY(ARRAY(SELECT id FROM released)) RETURNING 1), "
        "freed_count AS (SELECT count(*) AS n FROM freed)");
  };
  const std::string release_expired =
      absl::StrCat("WITH expired AS (SELECT DISTINCT o.booking_id ", OverlappingSql(kExpired), "), ",
                   release("SELECT booking_id FROM expired", "true"));
  // The bookings, after the step named `after` (a CTE with one row), only when `gate` holds; then
  // `written_count`, for the occupancy rows to follow (kOccupancyRows).
  const auto insert_bookings = [](absl::string_view after, absl::string_view gate) {
    return absl::StrCat(
        ", written AS (INSERT INTO bookings (school_id, id, evening_id, kind, state, starts_at, ends_at, mode, "
        "video_link, staff_ids, guardian_ids, pupil_ids, interpreter_id, interpreter_language, room, hold_id, "
        "hold_expires, created_by, create_time, update_time, meeting_request_id, staff_roles, guests, language, "
        "waiting_for, gate) "
        "SELECT $1, r.id, NULLIF(r.evening_id, ''), r.kind, $11, r.s, r.e, r.mode, r.video_link, r.staff::text[], "
        "r.guardians::text[], r.pupils::text[], NULLIF(r.interpreter, ''), NULLIF(r.language, ''), "
        "NULLIF(r.room, ''), $23, NULLIF($24, '')::timestamptz, r.created_by, $6::timestamptz, $6::timestamptz, "
        "NULLIF(r.request, ''), r.roles::jsonb, r.guests::text[], NULLIF(r.wanted_language, ''), "
        "r.waiting::text[], r.gate::jsonb "
        "FROM unnest($8::text[], $9::text[], $10::text[], $12::timestamptz[], $13::timestamptz[], $14::text[], "
        "$15::text[], $16::text[], $17::text[], $18::text[], $19::text[], $20::text[], $21::text[], $22::text[], "
        "$25::text[], $26::text[], $27::text[], $28::text[], $29::text[], $30::text[]) "
        "AS r(id, evening_id, kind, s, e, mode, video_link, staff, guardians, pupils, interpreter, language, room, "
        "created_by, request, roles, guests, wanted_language, waiting, gate) CROSS JOIN ",
        after, " WHERE ", gate, " RETURNING 1), written_count AS (SELECT count(*) AS n FROM written) ");
  };
  pool.Prepare(kWrite, absl::StrCat(release_expired, insert_bookings("freed_count", "true"), kOccupancyRows));
  // The same write as one statement on its own (no BEGIN or COMMIT round trips), with its
  // request-id record, and without an error for the usual loser: it first reads the active rows
  // over the time it wants. If a live booking holds any (or the request id was used before), it
  // writes nothing and says so; otherwise it records the request id with its response, releases
  // the expired holds it found (none in the usual case) and inserts. The constraint still decides:
  // a writer that read before a rival committed fails with 23P01, and the statement leaves
  // nothing. A twin with the same request id in flight makes the record's insert wait for it, and
  // then write nothing if the twin committed.
  //   $1-$30 as kWrite, $31 scope, $32 request id, $33 fingerprint, $34 the response to record.
  //   Returns: whether it recorded the request (0 or 1), whether the request id had a record
  //   (0 or 1), the kinds of occupant whose time a live booking holds.
  pool.Prepare(
      kWriteAtOnce,
      absl::StrCat(
          "WITH prior AS (SELECT 1 FROM parley_idempotent_requests WHERE scope = $31 AND request_id = $32::uuid), "
          "overlapping AS (SELECT o.booking_id, o.occupant_kind, "
          "b.state = 'held' AND b.hold_expires <= $6::timestamptz AS expired ",
          OverlappingSql("true"),
          "), taken AS (SELECT DISTINCT occupant_kind FROM overlapping WHERE NOT expired), "
          // Writers for one occupant take turns: a lock per occupant until the statement commits,
          // taken in one order. Two overlapping rows entering the constraint's index at the same
          // moment would each wait for the other, a deadlock PostgreSQL breaks only after
          // deadlock_timeout (1 s); bookers converging on the last free slots made chains of them
          // that ran into the statement timeout. Taking turns, the later writer fails at once.
          "locked AS (SELECT pg_advisory_xact_lock(k) FROM (SELECT DISTINCT hashtextextended($1 || '/' || "
          "r.kind || '/' || r.occupant_id, 0) AS k FROM unnest($2::text[], $3::text[]) AS r(kind, occupant_id) "
          "WHERE NOT EXISTS (SELECT 1 FROM prior) AND NOT EXISTS (SELECT 1 FROM taken) ORDER BY k OFFSET 0) s), "
          "recorded AS (INSERT INTO parley_idempotent_requests (scope, request_id, fingerprint, response) "
          "SELECT $31, $32::uuid, $33, convert_to($34, 'UTF8') "
          "WHERE NOT EXISTS (SELECT 1 FROM prior) AND NOT EXISTS (SELECT 1 FROM taken) AND "
          "(SELECT count(*) FROM locked) >= 0 "
          "ON CONFLICT (scope, request_id) DO NOTHING RETURNING 1), ",
          release("SELECT booking_id FROM overlapping WHERE expired", "EXISTS (SELECT 1 FROM recorded)"),
          insert_bookings("freed_count", "EXISTS (SELECT 1 FROM recorded)"), ", occupied AS (", kOccupancyRows,
          " RETURNING 1) "
          "SELECT (SELECT count(*) FROM recorded), (SELECT count(*) FROM prior), "
          "ARRAY(SELECT occupant_kind FROM taken), (SELECT count(*) FROM occupied)"));
  // $7: a booking whose own rows do not count ('' for none).
  pool.Prepare(kTakenBy,
               absl::StrCat("SELECT DISTINCT o.occupant_kind ", OverlappingSql(kLive), " AND o.booking_id <> $7"));
  // The expired holds over the time an Update is about to take, released as a write's are.
  pool.Prepare(kRelease, absl::StrCat(release_expired, " SELECT n FROM freed_count"));
  //   $1 school, $2 id, $3 state, $4 staff, $5 roles, $6 guests, $7 interpreter, $8 its language,
  //   $9 waiting for, $10 gate, $11 video link, $12 cancel reason, $13 lease end ('' for none),
  //   $14 now, $15 the row version the caller read.
  pool.Prepare(kUpdate,
               absl::StrCat("UPDATE bookings SET state = $3, staff_ids = $4::text[], staff_roles = $5::jsonb, "
                            "guests = $6::text[], interpreter_id = NULLIF($7, ''), "
                            "interpreter_language = NULLIF($8, ''), waiting_for = $9::text[], gate = $10::jsonb, "
                            "video_link = $11, cancel_reason = $12, hold_expires = NULLIF($13, '')::timestamptz, "
                            "row_version = row_version + 1, update_time = $14::timestamptz "
                            "WHERE school_id = $1 AND id = $2 AND row_version = $15 RETURNING ",
                            kBookingColumns));
  // The occupants a booking gained; the conflict target is the primary key only, so an overlap
  // with another booking still fails on the exclusion constraint.
  pool.Prepare(kGain,
               "INSERT INTO occupancy (school_id, booking_id, occupant_kind, occupant_id, during, active) "
               "SELECT $1, $2, r.kind, r.occupant_id, tstzrange($5::timestamptz, $6::timestamptz, '[)'), true "
               "FROM unnest($3::text[], $4::text[]) AS r(kind, occupant_id) "
               "ON CONFLICT (school_id, booking_id, occupant_kind, occupant_id) DO NOTHING");
  pool.Prepare(kFree, "UPDATE occupancy SET active = false WHERE school_id = $1 AND booking_id = $2");
  //   $1 school, $2-$3 window, $4 staff, $5 guardian, $6 evening ('' for any), $7-$8 after
  //   (start, id), $9 limit.
  pool.Prepare(kList, absl::StrCat("SELECT ", kBookingColumns,
                                   " FROM bookings WHERE school_id = $1 AND starts_at < $3::timestamptz AND "
                                   "ends_at > $2::timestamptz AND ($4 = '' OR $4 = ANY(staff_ids)) AND "
                                   "($5 = '' OR $5 = ANY(guardian_ids)) AND ($6 = '' OR evening_id = $6) AND "
                                   "(starts_at, id) > ($7::timestamptz, $8) ORDER BY starts_at, id LIMIT $9"));
  // Every live booking of the hold, confirmed in one statement; the caller compares what came
  // back with what it asked for. The last column counts the hold's bookings that were not
  // cancelled, as they were when the statement began.
  pool.Prepare(kConfirm,
               absl::StrCat("UPDATE bookings SET state = 'confirmed', row_version = row_version + 1, "
                            "update_time = $3::timestamptz WHERE school_id = $1 AND hold_id = $2 AND state = 'held' "
                            "AND hold_expires > $3::timestamptz AND waiting_for = '{}' RETURNING ",
                            kBookingColumns,
                            ", (SELECT count(*) FROM bookings g WHERE g.school_id = $1 AND g.hold_id = $2 "
                            "AND g.state <> 'cancelled')"));
  // A Confirm as one statement on its own, for the usual case: every live booking of the hold is
  // named, held, unexpired and waits for nothing. It locks the hold's bookings first (so nothing
  // changes them between the check and the update: all or none, though no transaction can roll
  // back), then records the request id with its response and confirms them. Anything else (a
  // request id used before, a hold not confirmable as asked) writes nothing and returns no rows;
  // the caller then goes the transactional way, which replays or says why.
  //   $1 school, $2 hold id, $3 now, $4 the booking ids asked for, $5 scope, $6 request id,
  //   $7 fingerprint, $8 the response to record.
  pool.Prepare(kConfirmAtOnce,
               absl::StrCat("WITH prior AS (SELECT 1 FROM parley_idempotent_requests WHERE scope = $5 AND "
                            "request_id = $6::uuid), "
                            "hold AS (SELECT id, state = 'held' AND hold_expires > $3::timestamptz AND "
                            "waiting_for = '{}' AND id = ANY($4::text[]) AS confirmable FROM bookings "
                            "WHERE school_id = $1 AND hold_id = $2 AND state <> 'cancelled' FOR UPDATE), "
                            "recorded AS (INSERT INTO parley_idempotent_requests (scope, request_id, fingerprint, "
                            "response) SELECT $5, $6::uuid, $7, convert_to($8, 'UTF8') "
                            "WHERE NOT EXISTS (SELECT 1 FROM prior) AND "
                            "(SELECT count(*) FROM hold) = cardinality($4::text[]) AND "
                            "(SELECT bool_and(confirmable) FROM hold) "
                            "ON CONFLICT (scope, request_id) DO NOTHING RETURNING 1) "
                            "UPDATE bookings b SET state = 'confirmed', row_version = b.row_version + 1, "
                            "update_time = $3::timestamptz WHERE b.school_id = $1 AND b.id = ANY($4::text[]) AND "
                            "b.hold_id = $2 AND b.state = 'held' AND EXISTS (SELECT 1 FROM recorded) RETURNING ",
                            kBookingColumns));
  pool.Prepare(kHoldRows,
               absl::StrCat("SELECT id, hold_id, state, ", Micros("hold_expires"), ", waiting_for <> '{}'",
                            " FROM bookings WHERE school_id = $1 AND (hold_id = $2 OR id = ANY($3::text[]))"));
  pool.Prepare(kCancel,
               absl::StrCat("WITH c AS (UPDATE bookings SET state = 'cancelled', cancel_reason = $3, "
                            "row_version = row_version + 1, update_time = $4::timestamptz "
                            "WHERE school_id = $1 AND id = $2 AND state IN ('held', 'confirmed') RETURNING ",
                            kBookingColumns,
                            "), f AS (UPDATE occupancy SET active = false WHERE school_id = $1 AND booking_id = $2 "
                            "AND EXISTS (SELECT 1 FROM c)) SELECT * FROM c"));
  pool.Prepare(kNoShow, absl::StrCat("UPDATE bookings SET state = 'no_show', row_version = row_version + 1, "
                                     "update_time = $3::timestamptz WHERE school_id = $1 AND id = $2 "
                                     "AND state = 'confirmed' AND starts_at <= $3::timestamptz RETURNING ",
                                     kBookingColumns));
  pool.Prepare(kSelect, absl::StrCat("SELECT ", kBookingColumns, " FROM bookings WHERE school_id = $1 AND id = $2"));
  pool.Prepare(kSelectMany, absl::StrCat("SELECT ", kBookingColumns,
                                         " FROM bookings WHERE school_id = $1 AND id = ANY($2::text[])"));
  // The booking of each row looked up on its own, as in OverlappingSql.
  pool.Prepare(kBusy, absl::StrCat("SELECT ", Micros("lower(o.during)"), ", ", Micros("upper(o.during)"),
                                   " FROM occupancy o CROSS JOIN LATERAL (SELECT b.state, b.hold_expires FROM "
                                   "bookings b WHERE b.school_id = $1 AND b.id = o.booking_id OFFSET 0) b "
                                   "WHERE o.school_id = $1 AND o.occupant_kind = $2 AND "
                                   "o.occupant_id = $3 AND o.active AND "
                                   "o.during && tstzrange($4::timestamptz, $5::timestamptz, '[)') AND "
                                   "(b.state <> 'held' OR b.hold_expires > $6::timestamptz) "
                                   "ORDER BY lower(o.during), upper(o.during)"));
  pool.Prepare(kEvening,
               absl::StrCat("SELECT ", kBookingColumns,
                            " FROM bookings WHERE school_id = $1 AND evening_id = $2 ORDER BY starts_at, id"));
  // SKIP LOCKED: sweeps on several replicas share the work instead of queueing behind each other.
  pool.Prepare(kSweep,
               "WITH x AS (SELECT school_id, id FROM bookings WHERE state = 'held' AND hold_expires <= $1::timestamptz "
               "ORDER BY hold_expires LIMIT $2 FOR UPDATE SKIP LOCKED), "
               "r AS (UPDATE bookings b SET state = 'lapsed', row_version = b.row_version + 1, "
               "update_time = $1::timestamptz FROM x WHERE b.school_id = x.school_id AND b.id = x.id "
               "RETURNING b.school_id, b.id), "
               "o AS (UPDATE occupancy o SET active = false FROM r WHERE o.school_id = r.school_id AND "
               "o.booking_id = r.id) "
               "SELECT count(*) FROM r");
}

absl::Status BookingNotFound(const std::string& id) {
  return NotFound(reason::kBookingNotFound, absl::StrCat("booking ", id, " was not found"));
}

// The response recorded for a write: the school, then the ids of the bookings it wrote. A replay
// reads them back as they are now.
std::string ResponseFor(const std::string& school_id, const std::vector<std::string>& ids) {
  return absl::StrCat(school_id, "\n", absl::StrJoin(ids, "\n"));
}

absl::StatusOr<std::vector<Booking>> LoadAll(pqxx::transaction_base& txn, const std::string& school_id,
                                             const std::vector<std::string>& ids) {
  std::map<std::string, Booking> by_id;
  for (const pqxx::row& r : txn.exec_prepared(kSelectMany, school_id, TextArray(ids))) {
    Booking b = BookingFrom(r);
    by_id.emplace(b.id, std::move(b));
  }
  std::vector<Booking> out;
  for (const std::string& id : ids) {
    auto it = by_id.find(id);
    if (it == by_id.end()) return BookingNotFound(id);
    out.push_back(it->second);
  }
  return out;
}

// The bookings a replayed write recorded in `response`, as they are now.
absl::StatusOr<std::vector<Booking>> Replay(pg::Pool& pool, const std::string& response) {
  std::vector<std::string> lines = absl::StrSplit(response, '\n');
  if (lines.size() < 2) {
    return Internal(reason::kStoredResponseUnreadable, "a stored booking response could not be read");
  }
  const std::string school_id = lines.front();
  lines.erase(lines.begin());
  std::vector<Booking> out;
  PARLEY_RETURN_IF_ERROR(pool.Read([&](pqxx::work& txn) -> absl::Status {
    PARLEY_ASSIGN_OR_RETURN(out, LoadAll(txn, school_id, lines));
    return absl::OkStatus();
  }));
  return out;
}

struct WriteResult {
  std::string response;
  bool replayed = false;
  std::vector<Booking> bookings;
};

absl::StatusOr<Booking> One(absl::StatusOr<std::vector<Booking>> bookings) {
  if (!bookings.ok()) return bookings.status();
  if (bookings->size() != 1) return Internal(reason::kInternal, "expected one booking");
  return std::move(bookings->front());
}

// The kinds as the message names them: whose time was taken.
std::string Whose(OccupantKind kind) {
  switch (kind) {
    case OccupantKind::kStaff:
      return "a member of staff's";
    case OccupantKind::kGuardian:
      return "a guardian's";
    case OccupantKind::kInterpreter:
      return "the interpreter's";
    case OccupantKind::kRoom:
      return "the room's";
  }
  return "someone's";
}

// Occupancy stays active while a booking is held or confirmed, and after it took place.
bool Occupies(BookingState s) { return s != BookingState::kCancelled && s != BookingState::kLapsed; }

// The one-statement writes record the request id themselves: only for a key BeginRequest would
// take (anything else goes the transactional way, which says what is wrong with it).
bool AtOnceKey(const RequestKey& key) { return !key.scope.empty() && pg::ValidateRequestId(key.request_id).ok(); }

// A deadlock or serialization failure: the transactional way retries it.
bool IsTransactionConflict(const absl::Status& s) {
  return s.code() == absl::StatusCode::kAborted && ErrorReason(s) == reason::kTransactionConflict;
}

}  // namespace

PgBookingStore::PgBookingStore(pg::Pool* pool) : pool_(pool) { PrepareStatements(*pool_); }

absl::StatusOr<std::vector<Booking>> PgBookingStore::Hold(const RequestKey& key, const std::vector<Booking>& bookings,
                                                          absl::Duration lease, absl::Time now) {
  if (lease <= absl::ZeroDuration()) return InvalidArgument(reason::kInvalidBooking, "a hold needs a positive lease");
  return Write(key, bookings, ToMicros(now + lease), {}, now);
}

absl::StatusOr<std::vector<Booking>> PgBookingStore::Book(const RequestKey& key, const std::vector<Booking>& bookings,
                                                          absl::Time now) {
  return Write(key, bookings, std::nullopt, {}, now);
}

absl::StatusOr<Booking> PgBookingStore::Create(const RequestKey& key, const Booking& booking,
                                               std::optional<absl::Time> hold_until, const std::vector<Notice>& notices,
                                               absl::Time now) {
  if (hold_until && *hold_until <= now) {
    return InvalidArgument(reason::kInvalidBooking, "a hold must last past the time it is made");
  }
  if (hold_until) hold_until = ToMicros(*hold_until);
  return One(Write(key, {booking}, hold_until, notices, now));
}

absl::StatusOr<std::vector<Booking>> PgBookingStore::Write(const RequestKey& key, const std::vector<Booking>& bookings,
                                                           std::optional<absl::Time> expires,
                                                           const std::vector<Notice>& notices, absl::Time now) {
  PARLEY_RETURN_IF_ERROR(CheckNewBookings(bookings));
  now = ToMicros(now);
  const bool confirmed = !expires.has_value();
  const std::string& school_id = bookings.front().school_id;
  // The same on every retry of this request, and unguessable by anyone without its request id.
  const std::string hold_id = request::DerivedRequestId(absl::StrCat(key.scope, "/", key.request_id));

  // The statements' parameters, built once (the transaction may run more than once).
  std::vector<std::string> ids, evenings, kinds, starts, ends, modes, links, staff, guardians, pupils, interpreters,
      languages, rooms, creators, requests, roles, guests, wanted_languages, waiting, gates;
  for (const Booking& b : bookings) {
    requests.push_back(b.meeting_request_id.value_or(""));
    roles.push_back(RolesJson(b.staff_roles));
    guests.push_back(TextArray(b.guests));
    wanted_languages.push_back(b.language ? *b.language : (b.interpreter ? b.interpreter->language : ""));
    waiting.push_back(TextArray(b.waiting_for));
    gates.push_back(GateJson(b.gate));
    ids.push_back(b.id);
    evenings.push_back(b.evening_id.value_or(""));
    kinds.emplace_back(KindText(b.kind));
    starts.push_back(TimeParam(b.during.start));
    ends.push_back(TimeParam(b.during.end));
    modes.emplace_back(ModeText(b.mode));
    links.push_back(b.video_link);
    staff.push_back(TextArray(b.staff_ids));
    guardians.push_back(TextArray(b.guardian_ids));
    pupils.push_back(TextArray(b.pupil_ids));
    interpreters.push_back(b.interpreter ? b.interpreter->id : "");
    languages.push_back(b.interpreter ? b.interpreter->language : "");
    rooms.push_back(b.room.value_or(""));
    creators.push_back(b.created_by);
  }
  const OccupancyArrays occupancy = OccupancyOf(bookings);
  const std::string now_param = TimeParam(now);
  const std::string expires_param = expires ? TimeParam(*expires) : "";
  // Confirmed, held, or (a meeting recorded after it took place: BookingService) attended.
  const BookingState written_state = !confirmed                                          ? BookingState::kHeld
                                     : bookings.front().state == BookingState::kAttended ? BookingState::kAttended
                                                                                         : BookingState::kConfirmed;
  const std::string state = StateText(written_state);

  std::vector<Booking> out = bookings;
  for (Booking& b : out) {
    b.state = written_state;
    b.during = Interval{ToMicros(b.during.start), ToMicros(b.during.end)};
    b.hold_id = hold_id;
    b.hold_expires = expires;
    if (!b.language && b.interpreter) b.language = b.interpreter->language;
    b.cancel_reason.clear();
    b.create_time = now;
    b.update_time = now;
    b.etag = "1";
  }

  // The usual write in one round trip (kWriteAtOnce); a replay, a twin, a conflict to retry and
  // notices go the transactional way below.
  if (notices.empty() && AtOnceKey(key)) {
    bool recorded = false;
    std::optional<OccupantKind> taken_by;
    const absl::Status at_once = pool_->Autocommit([&](pqxx::nontransaction& txn) -> absl::Status {
      try {
        const pqxx::row r = txn.exec_prepared1(
            kWriteAtOnce, school_id, occupancy.kinds, occupancy.occupant_ids, occupancy.starts, occupancy.ends,
            now_param, occupancy.booking_ids, TextArray(ids), TextArray(evenings), TextArray(kinds), state,
            TextArray(starts), TextArray(ends), TextArray(modes), TextArray(links), TextArray(staff),
            TextArray(guardians), TextArray(pupils), TextArray(interpreters), TextArray(languages), TextArray(rooms),
            TextArray(creators), hold_id, expires_param, TextArray(requests), TextArray(roles), TextArray(guests),
            TextArray(wanted_languages), TextArray(waiting), TextArray(gates), key.scope, key.request_id,
            key.fingerprint, ResponseFor(school_id, ids));
        recorded = r[0].as<int64_t>() == 1;
        // With an earlier record of this request id, its own bookings are what holds the time.
        if (!recorded && r[1].as<int64_t>() == 0) {
          for (const std::string& kind : pg::ParseTextArray(r[2])) {
            std::optional<OccupantKind> k = OccupantKindFrom(kind);
            if (k && (!taken_by || *k < *taken_by)) taken_by = k;
          }
        }
      } catch (const pqxx::sql_error& e) {
        const std::string sqlstate = pg::SqlState(e);
        if (sqlstate == "23505") return AlreadyExists(reason::kBookingExists, "a booking id is taken at this school");
        if (sqlstate == "23P01") return Aborted(reason::kSlotTaken, "slot just taken");
        throw;
      }
      return absl::OkStatus();
    });
    if (at_once.ok()) {
      if (recorded) return out;
      if (taken_by) {
        return Aborted(reason::kSlotTaken,
                       absl::StrCat("slot just taken: ", Whose(*taken_by), " time overlaps another booking"));
      }
    } else {
      // A rival committed after this statement looked: whose time it was is read now.
      if (ErrorReason(at_once) == reason::kSlotTaken) return SlotTaken(bookings, now, /*known=*/true);
      if (!IsTransactionConflict(at_once)) return at_once;
    }
  }

  absl::StatusOr<WriteResult> written = pg::RunIdempotentInto<WriteResult>(
      *pool_, key, [&](pqxx::work& txn, WriteResult&) -> absl::StatusOr<std::string> {
        try {
          txn.exec_prepared(kWrite, school_id, occupancy.kinds, occupancy.occupant_ids, occupancy.starts,
                            occupancy.ends, now_param, occupancy.booking_ids, TextArray(ids), TextArray(evenings),
                            TextArray(kinds), state, TextArray(starts), TextArray(ends), TextArray(modes),
                            TextArray(links), TextArray(staff), TextArray(guardians), TextArray(pupils),
                            TextArray(interpreters), TextArray(languages), TextArray(rooms), TextArray(creators),
                            hold_id, expires_param, TextArray(requests), TextArray(roles), TextArray(guests),
                            TextArray(wanted_languages), TextArray(waiting), TextArray(gates));
          WriteNotices(txn, notices);
        } catch (const pqxx::sql_error& e) {
          const std::string sqlstate = pg::SqlState(e);
          if (sqlstate == "23505") return AlreadyExists(reason::kBookingExists, "a booking id is taken at this school");
          // Whose time it was is read after the rollback (SlotTaken): this transaction is over.
          if (sqlstate == "23P01") return Aborted(reason::kSlotTaken, "slot just taken");
          throw;
        }
        return ResponseFor(school_id, ids);
      });
  if (!written.ok()) {
    const std::string why = ErrorReason(written.status());
    if (why == reason::kSlotTaken) return SlotTaken(bookings, now, /*known=*/true);
    // Two inserts entering the constraint's index at the same moment may each wait for the other;
    // PostgreSQL aborts one as a deadlock, and the retries may meet the same. If the time is taken
    // now, that is what the caller lost.
    if (written.status().code() == absl::StatusCode::kAborted && why == reason::kTransactionConflict) {
      return SlotTaken(bookings, now, /*known=*/false, written.status());
    }
    return written.status();
  }
  if (written->replayed) return Replay(*pool_, written->response);
  return out;
}

absl::Status PgBookingStore::SlotTaken(const std::vector<Booking>& bookings, absl::Time now, bool known,
                                       absl::Status otherwise, const std::string& exclude) {
  const OccupancyArrays occupancy = OccupancyOf(bookings);
  std::optional<OccupantKind> first;
  // One statement on its own: no BEGIN and COMMIT round trips for a loser of a rush.
  absl::Status read = pool_->Autocommit([&](pqxx::nontransaction& txn) -> absl::Status {
    for (const pqxx::row& r :
         txn.exec_prepared(kTakenBy, bookings.front().school_id, occupancy.kinds, occupancy.occupant_ids,
                           occupancy.starts, occupancy.ends, TimeParam(now), exclude)) {
      std::optional<OccupantKind> k = OccupantKindFrom(r[0].c_str());
      if (k && (!first || *k < *first)) first = k;
    }
    return absl::OkStatus();
  });
  // The winner may have been cancelled since, or the read failed: the answer is still that the
  // slot was taken when this write was made.
  if (!read.ok() || !first) {
    if (!known) return otherwise;
    return Aborted(reason::kSlotTaken, "slot just taken: someone's time in it overlaps another booking");
  }
  return Aborted(reason::kSlotTaken,
                 absl::StrCat("slot just taken: ", Whose(*first), " time overlaps another booking"));
}

absl::StatusOr<std::vector<Booking>> PgBookingStore::Confirm(const RequestKey& key, const std::string& school_id,
                                                             const std::string& hold_id,
                                                             const std::vector<std::string>& booking_ids,
                                                             absl::Time now) {
  return ConfirmWithNotices(key, school_id, hold_id, booking_ids, {}, now);
}

absl::StatusOr<std::vector<Booking>> PgBookingStore::ConfirmWithNotices(
    const RequestKey& key, const std::string& school_id, const std::string& hold_id,
    const std::vector<std::string>& booking_ids, const std::vector<Notice>& notices, absl::Time now) {
  if (booking_ids.empty()) return InvalidArgument(reason::kInvalidBooking, "no bookings to confirm");
  const std::set<std::string> wanted(booking_ids.begin(), booking_ids.end());
  if (wanted.size() != booking_ids.size()) return InvalidArgument(reason::kInvalidBooking, "a booking is named twice");
  now = ToMicros(now);
  const std::string now_param = TimeParam(now);

  // The usual confirm in one round trip (kConfirmAtOnce); when it confirms nothing, the
  // transactional way below replays, confirms after all, or says why not.
  if (notices.empty() && AtOnceKey(key)) {
    std::map<std::string, Booking> by_id;
    const absl::Status at_once = pool_->Autocommit([&](pqxx::nontransaction& txn) -> absl::Status {
      by_id.clear();
      for (const pqxx::row& r :
           txn.exec_prepared(kConfirmAtOnce, school_id, hold_id, now_param, TextArray(booking_ids), key.scope,
                             key.request_id, key.fingerprint, ResponseFor(school_id, booking_ids))) {
        Booking b = BookingFrom(r);
        by_id.emplace(b.id, std::move(b));
      }
      return absl::OkStatus();
    });
    if (!at_once.ok() && !IsTransactionConflict(at_once)) return at_once;
    if (at_once.ok() && !by_id.empty()) {
      // The statement confirms the hold whole or not at all (its bookings are locked first).
      std::vector<Booking> out;
      for (const std::string& id : booking_ids) {
        auto it = by_id.find(id);
        if (it == by_id.end()) return Internal(reason::kInternal, "a hold was confirmed without a booking named");
        out.push_back(std::move(it->second));
      }
      return out;
    }
  }

  absl::StatusOr<WriteResult> written = pg::RunIdempotentInto<WriteResult>(
      *pool_, key, [&](pqxx::work& txn, WriteResult& result) -> absl::StatusOr<std::string> {
        const pqxx::result confirmed = txn.exec_prepared(kConfirm, school_id, hold_id, now_param);
        std::map<std::string, Booking> by_id;
        int64_t hold_size = 0;
        for (const pqxx::row& r : confirmed) {
          Booking b = BookingFrom(r);
          hold_size = r[28].as<int64_t>();
          by_id.emplace(b.id, std::move(b));
        }
        bool exact = by_id.size() == wanted.size() && hold_size == static_cast<int64_t>(wanted.size());
        for (const std::string& id : booking_ids) exact = exact && by_id.count(id) > 0;
        if (exact) {
          for (const std::string& id : booking_ids) result.bookings.push_back(by_id.at(id));
          WriteNotices(txn, notices);
          return ResponseFor(school_id, booking_ids);
        }
        // Why not: the transaction rolls back, so what the UPDATE did is undone. Rows it confirmed
        // were held and unexpired.
        struct Row {
          std::string hold_id, state;
          std::optional<absl::Time> expires;
          bool waiting = false;
        };
        std::map<std::string, Row> rows;
        for (const pqxx::row& r : txn.exec_prepared(kHoldRows, school_id, hold_id, TextArray(booking_ids))) {
          rows[r[0].c_str()] = Row{r[1].c_str(), r[2].c_str(), pg::OptionalTimeAt(r[3]), r[4].as<bool>()};
        }
        for (const std::string& id : booking_ids) {
          if (rows.count(id) == 0) return BookingNotFound(id);
        }
        for (const std::string& id : booking_ids) {
          if (rows[id].hold_id != hold_id) {
            return FailedPrecondition(reason::kHoldMismatch, absl::StrCat("booking ", id, " is not of this hold"));
          }
        }
        for (const std::string& id : booking_ids) {
          const Row& row = rows[id];
          if (by_id.count(id) > 0) continue;
          if (row.state == "lapsed" || (row.state == "held" && row.expires && *row.expires <= now)) {
            return FailedPrecondition(reason::kHoldExpired,
                                      "the hold ran out before it was confirmed: hold the slots again");
          }
          if (row.state == "held" && row.waiting) {
            return FailedPrecondition(reason::kBookingIncomplete,
                                      absl::StrCat("booking ", id, " is still waiting for someone to attend"));
          }
          return FailedPrecondition(reason::kWrongState, absl::StrCat("booking ", id, " is ", row.state,
                                                                      ": only a held booking is confirmed"));
        }
        return FailedPrecondition(reason::kHoldMismatch,
                                  "a hold is confirmed whole: name every booking of the hold, and only those");
      });
  if (!written.ok()) return written.status();
  if (written->replayed) return Replay(*pool_, written->response);
  return std::move(written->bookings);
}

absl::StatusOr<Booking> PgBookingStore::Cancel(const RequestKey& key, const std::string& school_id,
                                               const std::string& id, const std::string& why, absl::Time now) {
  now = ToMicros(now);
  absl::StatusOr<WriteResult> written = pg::RunIdempotentInto<WriteResult>(
      *pool_, key, [&](pqxx::work& txn, WriteResult& result) -> absl::StatusOr<std::string> {
        const pqxx::result r = txn.exec_prepared(kCancel, school_id, id, why, TimeParam(now));
        if (r.empty()) {
          const pqxx::result current = txn.exec_prepared(kSelect, school_id, id);
          if (current.empty()) return BookingNotFound(id);
          return FailedPrecondition(reason::kWrongState,
                                    absl::StrCat("booking ", id, " is ", current[0][4].c_str(),
                                                 ": only a held or confirmed booking is cancelled"));
        }
        result.bookings.push_back(BookingFrom(r[0]));
        return ResponseFor(school_id, {id});
      });
  if (!written.ok()) return written.status();
  if (written->replayed) return One(Replay(*pool_, written->response));
  return std::move(written->bookings.front());
}

absl::StatusOr<Booking> PgBookingStore::MarkNoShow(const RequestKey& key, const std::string& school_id,
                                                   const std::string& id, absl::Time now) {
  now = ToMicros(now);
  absl::StatusOr<WriteResult> written = pg::RunIdempotentInto<WriteResult>(
      *pool_, key, [&](pqxx::work& txn, WriteResult& result) -> absl::StatusOr<std::string> {
        const pqxx::result r = txn.exec_prepared(kNoShow, school_id, id, TimeParam(now));
        if (r.empty()) {
          const pqxx::result current = txn.exec_prepared(kSelect, school_id, id);
          if (current.empty()) return BookingNotFound(id);
          const Booking b = BookingFrom(current[0]);
          if (b.state != BookingState::kConfirmed) {
            return FailedPrecondition(reason::kWrongState, absl::StrCat("booking ", id, " is ", StateText(b.state),
                                                                        ": only a confirmed booking can be a no-show"));
          }
          return FailedPrecondition(reason::kWrongState, absl::StrCat("booking ", id, " has not started yet"));
        }
        result.bookings.push_back(BookingFrom(r[0]));
        return ResponseFor(school_id, {id});
      });
  if (!written.ok()) return written.status();
  if (written->replayed) return One(Replay(*pool_, written->response));
  return std::move(written->bookings.front());
}

absl::StatusOr<Booking> PgBookingStore::Get(const std::string& school_id, const std::string& id) {
  std::optional<Booking> out;
  PARLEY_RETURN_IF_ERROR(pool_->Read([&](pqxx::work& txn) -> absl::Status {
    const pqxx::result r = txn.exec_prepared(kSelect, school_id, id);
    if (!r.empty()) out = BookingFrom(r[0]);
    return absl::OkStatus();
  }));
  if (!out) return BookingNotFound(id);
  return *std::move(out);
}

absl::StatusOr<std::vector<Interval>> PgBookingStore::ListBusy(const std::string& school_id, const Occupant& who,
                                                               absl::Time from, absl::Time to, absl::Time now) {
  std::vector<Interval> out;
  if (to <= from) return out;
  // One statement sees one snapshot by itself: no BEGIN, SET TRANSACTION and COMMIT round trips
  // for what a booking app asks before every hold.
  PARLEY_RETURN_IF_ERROR(pool_->Autocommit([&](pqxx::nontransaction& txn) -> absl::Status {
    out.clear();
    for (const pqxx::row& r : txn.exec_prepared(kBusy, school_id, std::string(OccupantKindName(who.kind)), who.id,
                                                TimeParam(from), TimeParam(to), TimeParam(now))) {
      out.push_back(Interval{TimeAt(r[0]), TimeAt(r[1])});
    }
    return absl::OkStatus();
  }));
  return out;
}

absl::StatusOr<std::vector<Booking>> PgBookingStore::ListEveningBookings(const std::string& school_id,
                                                                         const std::string& evening_id) {
  std::vector<Booking> out;
  PARLEY_RETURN_IF_ERROR(pool_->Read([&](pqxx::work& txn) -> absl::Status {
    out.clear();
    for (const pqxx::row& r : txn.exec_prepared(kEvening, school_id, evening_id)) out.push_back(BookingFrom(r));
    return absl::OkStatus();
  }));
  return out;
}

absl::StatusOr<Booking> PgBookingStore::Update(const RequestKey& key, const std::string& etag, const Booking& after,
                                               const std::vector<Notice>& notices, absl::Time now) {
  int64_t version = 0;
  if (!absl::SimpleAtoi(etag, &version)) {
    return Aborted(reason::kStaleEtag, absl::StrCat("booking ", after.id, " has changed: read it again"));
  }
  if (after.interpreter && after.language && after.interpreter->language != *after.language) {
    return InvalidArgument(reason::kInvalidBooking, "the interpreter's language is not the meeting's");
  }
  now = ToMicros(now);
  const std::string& school_id = after.school_id;
  const std::vector<Occupant> occupants = OccupantsOf(after);
  std::vector<std::string> kinds, ids, starts, ends;
  for (const Occupant& o : occupants) {
    kinds.emplace_back(OccupantKindName(o.kind));
    ids.push_back(o.id);
    starts.push_back(TimeParam(after.during.start));
    ends.push_back(TimeParam(after.during.end));
  }
  const std::string now_param = TimeParam(now);
  const bool occupies = Occupies(after.state);
  absl::StatusOr<WriteResult> written = pg::RunIdempotentInto<WriteResult>(
      *pool_, key, [&](pqxx::work& txn, WriteResult& result) -> absl::StatusOr<std::string> {
        const pqxx::result r = txn.exec_prepared(
            kUpdate, school_id, after.id, StateText(after.state), TextArray(after.staff_ids),
            RolesJson(after.staff_roles), TextArray(after.guests), after.interpreter ? after.interpreter->id : "",
            after.interpreter ? after.interpreter->language : "", TextArray(after.waiting_for), GateJson(after.gate),
            after.video_link, after.cancel_reason, after.hold_expires ? TimeParam(*after.hold_expires) : "", now_param,
            version);
        if (r.empty()) {
          if (txn.exec_prepared(kSelect, school_id, after.id).empty()) return BookingNotFound(after.id);
          return Aborted(reason::kStaleEtag, absl::StrCat("booking ", after.id, " has changed: read it again"));
        }
        if (occupies) {
          try {
            txn.exec_prepared(kRelease, school_id, TextArray(kinds), TextArray(ids), TextArray(starts), TextArray(ends),
                              now_param);
            txn.exec_prepared(kGain, school_id, after.id, TextArray(kinds), TextArray(ids),
                              TimeParam(after.during.start), TimeParam(after.during.end));
          } catch (const pqxx::sql_error& e) {
            if (pg::SqlState(e) == "23P01") return Aborted(reason::kSlotTaken, "slot just taken");
            throw;
          }
        } else {
          txn.exec_prepared(kFree, school_id, after.id);
        }
        WriteNotices(txn, notices);
        result.bookings.push_back(BookingFrom(r[0]));
        return ResponseFor(school_id, {after.id});
      });
  if (!written.ok()) {
    if (ErrorReason(written.status()) == reason::kSlotTaken) {
      // Whose time: only the booking's occupants not already its own can have been taken.
      return SlotTaken({after}, now, /*known=*/true, written.status(), after.id);
    }
    return written.status();
  }
  if (written->replayed) return One(Replay(*pool_, written->response));
  return std::move(written->bookings.front());
}

absl::StatusOr<std::vector<Booking>> PgBookingStore::List(const std::string& school_id, const BookingFilter& filter,
                                                          const std::optional<BookingCursor>& after, int limit) {
  std::vector<Booking> out;
  if (limit <= 0) return InvalidArgument(reason::kInvalidField, "the page size must be positive");
  PARLEY_RETURN_IF_ERROR(pool_->Read([&](pqxx::work& txn) -> absl::Status {
    out.clear();
    for (const pqxx::row& r : txn.exec_prepared(
             kList, school_id, TimeParam(filter.window.start), TimeParam(filter.window.end), filter.staff_id,
             filter.guardian_id, filter.evening_id, after ? TimeParam(after->start) : std::string("-infinity"),
             after ? after->id : std::string(), limit)) {
      out.push_back(BookingFrom(r));
    }
    return absl::OkStatus();
  }));
  return out;
}

absl::StatusOr<int64_t> PgBookingStore::SweepExpiredHolds(absl::Time now, int limit) {
  if (limit <= 0) return InvalidArgument(reason::kInvalidField, "the sweep limit must be positive");
  int64_t released = 0;
  PARLEY_RETURN_IF_ERROR(pool_->TransactWithRetry([&](pqxx::work& txn) -> absl::Status {
    released = txn.exec_prepared(kSweep, TimeParam(now), limit)[0][0].as<int64_t>();
    return absl::OkStatus();
  }));
  return released;
}

}  // namespace parley::appointments
