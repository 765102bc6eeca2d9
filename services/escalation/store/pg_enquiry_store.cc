#include "services/escalation/store/pg_enquiry_store.h"

#include <cstdint>
#include <deque>
#include <optional>
#include <set>
#include <string>
#include <utility>
#include <vector>

#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "common/pg/idempotency.h"
#include "common/status/reason.h"
#include "common/status/status_macros.h"
#include "common/timer/timer.h"

namespace parley::escalation {
namespace {

// ---- values in and out -------------------------------------------------------------------------

// Timestamps are sent as UTC text ('' = NULL, via NULLIF in the SQL) and read back as integer
// microseconds, which keeps every conversion exact and zone-free. What is kept in memory after a
// write is cut to the microsecond the same way, so a write's response equals a later Get.
absl::Time ToMicros(absl::Time t) { return absl::FromUnixMicros(absl::ToUnixMicros(t)); }
std::optional<absl::Time> ToMicros(const std::optional<absl::Time>& t) {
  return t ? std::optional<absl::Time>(ToMicros(*t)) : std::nullopt;
}
std::string TimeParam(absl::Time t) { return absl::FormatTime("%Y-%m-%dT%H:%M:%E6SZ", t, absl::UTCTimeZone()); }
std::string TimeParam(const std::optional<absl::Time>& t) { return t ? TimeParam(*t) : std::string(); }

std::string Micros(const std::string& column) {
  return absl::StrCat("(EXTRACT(EPOCH FROM ", column, ") * 1000000)::BIGINT");
}

absl::Time TimeAt(const pqxx::field& f) { return absl::FromUnixMicros(f.as<int64_t>()); }
std::optional<absl::Time> OptionalTimeAt(const pqxx::field& f) {
  if (f.is_null()) return std::nullopt;
  return TimeAt(f);
}

// Optional enums travel as int, 0 = NULL (NULLIF in the SQL): every enum here starts at 1.
template <typename Enum>
int EnumParam(const std::optional<Enum>& e) {
  return e ? static_cast<int>(*e) : 0;
}
template <typename Enum>
std::optional<Enum> OptionalEnum(const pqxx::field& f) {
  if (f.is_null()) return std::nullopt;
  return static_cast<Enum>(f.as<int>());
}

// ---- rows --------------------------------------------------------------------------------------

const std::string kEnquiryColumns =
    absl::StrCat("school_id, id, pupil, guardian, sender_description, channel, category, ", Micros("received_at"),
                 ", subject, subject_ref, body_ref, safeguarding, state, owner, rung, cycle, ", Micros("ack_due"),
                 ", ack_status, ", Micros("respond_due"), ", respond_status, ", Micros("next_due"), ", row_version, ",
                 Micros("create_time"), ", ", Micros("update_time"), ", seq, owner_role, teaching_subject, ",
                 Micros("follow_up_due"), ", follow_up_status, urgent, addressed_to, guardian_not_told");
constexpr int kEnquirySeqColumn = 24;

EnquiryRecord RecordFrom(const pqxx::row& r) {
  EnquiryRecord rec;
  Enquiry& e = rec.enquiry;
  e.school_id = r[0].c_str();
  e.id = r[1].c_str();
  e.pupil = r[2].c_str();
  e.guardian = r[3].c_str();
  rec.sender_description = r[4].c_str();
  e.channel = static_cast<Channel>(r[5].as<int>());
  e.category = r[6].c_str();
  e.received_at = TimeAt(r[7]);
  rec.subject = r[8].c_str();
  e.subject_ref = r[9].c_str();
  e.body_ref = r[10].c_str();
  e.safeguarding = r[11].as<bool>();
  rec.state = static_cast<EnquiryState>(r[12].as<int>());
  rec.owner = r[13].c_str();
  rec.rung = r[14].as<int>();
  rec.cycle = r[15].as<int>();
  rec.ack_due = OptionalTimeAt(r[16]);
  rec.ack_status = OptionalEnum<ClockStatus>(r[17]);
  rec.respond_due = OptionalTimeAt(r[18]);
  rec.respond_status = OptionalEnum<ClockStatus>(r[19]);
  rec.next_due = OptionalTimeAt(r[20]);
  rec.row_version = r[21].as<int64_t>();
  rec.create_time = TimeAt(r[22]);
  rec.update_time = TimeAt(r[23]);
  rec.owner_role = r[25].c_str();
  e.teaching_subject = r[26].c_str();
  rec.follow_up_due = OptionalTimeAt(r[27]);
  rec.follow_up_status = OptionalEnum<ClockStatus>(r[28]);
  e.urgent = r[29].as<bool>();
  e.addressed_to = r[30].c_str();
  e.guardian_not_told = r[31].as<bool>();
  return rec;
}

// The same seven columns for each clock an event sets, prefixed "ack_", "resp_" or "fup_".
std::string SnapshotColumns(const std::string& p) {
  return absl::StrCat(Micros(p + "clock_from"), ", ", Micros(p + "clock_start"), ", ", Micros(p + "due"), ", ", p,
                      "owner, ", p, "calendar_version, ", p, "policy_version, ", p, "explanation");
}

const std::string kEventColumns = absl::StrCat(
    "seq, kind, ", Micros("at"), ", actor, owner, rung, reason, gate, gate_decision, stage, ", Micros("breached_due"),
    ", parent_requested, ", SnapshotColumns("ack_"), ", ", SnapshotColumns("resp_"),
    ", owner_role, gate_arrangement, gate_arrangement_version, gate_premises_ban, gate_premises_ban_version, ",
    Micros("gate_decided_at"), ", ", SnapshotColumns("fup_"), ", ", Micros("promised_at"), ", progress, addressing");

// The clock_from column tells whether the event set this clock (it is always set in a snapshot).
std::optional<ClockSnapshot> SnapshotFrom(const pqxx::row& r, int first, Stage stage) {
  if (r[first].is_null()) return std::nullopt;
  ClockSnapshot s;
  s.stage = stage;
  s.clock_from = TimeAt(r[first]);
  s.clock_start = TimeAt(r[first + 1]);
  s.due = OptionalTimeAt(r[first + 2]);
  s.owner = r[first + 3].c_str();
  s.calendar_version = r[first + 4].c_str();
  s.policy_version = r[first + 5].c_str();
  if (!r[first + 6].is_null()) s.explanation = r[first + 6].c_str();
  return s;
}

Event EventFrom(const pqxx::row& r) {
  Event ev;
  ev.seq = r[0].as<int64_t>();
  ev.kind = static_cast<EventKind>(r[1].as<int>());
  ev.at = TimeAt(r[2]);
  ev.actor = r[3].c_str();
  ev.owner = r[4].c_str();
  ev.rung = r[5].as<int>();
  ev.reason = r[6].c_str();
  ev.gate = OptionalEnum<GateOutcome>(r[7]);
  ev.gate_decision = r[8].c_str();
  ev.stage = OptionalEnum<Stage>(r[9]);
  ev.breached_due = OptionalTimeAt(r[10]);
  ev.parent_requested = r[11].as<bool>();
  ev.acknowledge = SnapshotFrom(r, 12, Stage::kAcknowledge);
  ev.respond = SnapshotFrom(r, 19, Stage::kRespond);
  ev.owner_role = r[26].c_str();
  ev.gate_arrangement = r[27].c_str();
  ev.gate_arrangement_version = r[28].as<int>();
  ev.gate_premises_ban = r[29].c_str();
  ev.gate_premises_ban_version = r[30].as<int64_t>();
  ev.gate_decided_at = OptionalTimeAt(r[31]);
  ev.follow_up = SnapshotFrom(r, 32, Stage::kFollowUp);
  ev.promised_at = OptionalTimeAt(r[39]);
  ev.progress = r[40].c_str();
  ev.addressing = OptionalEnum<Addressing>(r[41]);
  return ev;
}

// A snapshot's parameters: the times as text, the strings as C strings that are NULL when the
// event sets no such clock.
struct SnapshotParams {
  std::string from, start, due;
  const char* owner = nullptr;
  const char* calendar_version = nullptr;
  const char* policy_version = nullptr;
  const char* explanation = nullptr;
};

SnapshotParams ToParams(const std::optional<ClockSnapshot>& s) {
  SnapshotParams p;
  if (!s.has_value()) return p;
  p.from = TimeParam(s->clock_from);
  p.start = TimeParam(s->clock_start);
  p.due = TimeParam(s->due);
  p.owner = s->owner.c_str();
  p.calendar_version = s->calendar_version.c_str();
  p.policy_version = s->policy_version.c_str();
  p.explanation = s->explanation.c_str();
  return p;
}

// Parameters for one multi-row statement: values kept alive here, NULL as nullptr.
class RowParams {
 public:
  void Add(std::string v) { pointers_.push_back(values_.emplace_back(std::move(v)).c_str()); }
  void Add(const char* v) { pointers_.push_back(v); }  // nullptr: NULL; must outlive the statement
  void Add(int64_t v) { Add(absl::StrCat(v)); }
  void Add(bool v) { Add(std::string(v ? "true" : "false")); }
  size_t size() const { return pointers_.size(); }
  auto dynamic() const { return pqxx::prepare::make_dynamic_params(pointers_); }

 private:
  std::deque<std::string> values_;  // stable addresses as it grows
  std::vector<const char*> pointers_;
};

// "(…), (…)": `row` written `rows` times with its placeholders $1..$width renumbered for each row.
std::string ValuesRows(absl::string_view row, int width, size_t rows) {
  std::string out;
  for (size_t r = 0; r < rows; ++r) {
    if (r > 0) out += ", ";
    for (size_t i = 0; i < row.size(); ++i) {
      if (row[i] != '$') {
        out += row[i];
        continue;
      }
      size_t j = i + 1;
      int n = 0;
      while (j < row.size() && absl::ascii_isdigit(static_cast<unsigned char>(row[j]))) n = n * 10 + (row[j++] - '0');
      absl::StrAppend(&out, "$", n + static_cast<int>(r) * width);
      i = j - 1;
    }
  }
  return out;
}

// One statement for all of a change's events: a timer firing or an intake writes several.
void InsertEvents(pqxx::work& txn, const std::string& school_id, const std::string& enquiry_id,
                  const std::vector<Event>& events) {
  if (events.empty()) return;
  constexpr absl::string_view kRow =
      "($1, $2, $3::int, $4::int, $5::timestamptz, $6, $7, $8::int, $9, NULLIF($10::int, 0)::smallint, $11, "
      "NULLIF($12::int, 0)::smallint, NULLIF($13, '')::timestamptz, $14::bool, NULLIF($15, '')::timestamptz, "
      "NULLIF($16, '')::timestamptz, NULLIF($17, '')::timestamptz, $18, $19, $20, NULLIF($21, '')::timestamptz, "
      "NULLIF($22, '')::timestamptz, NULLIF($23, '')::timestamptz, $24, $25, $26, $27, $28, $29, $30, $31::int, $32, "
      "$33::bigint, NULLIF($34, '')::timestamptz, NULLIF($35, '')::timestamptz, NULLIF($36, '')::timestamptz, "
      "NULLIF($37, '')::timestamptz, $38, $39, $40, $41, NULLIF($42, '')::timestamptz, $43, "
      "NULLIF($44::int, 0)::smallint)";
  RowParams params;
  for (const Event& ev : events) {
    const SnapshotParams ack = ToParams(ev.acknowledge), resp = ToParams(ev.respond), fup = ToParams(ev.follow_up);
    params.Add(school_id.c_str());
    params.Add(enquiry_id.c_str());
    params.Add(int64_t{ev.seq});
    params.Add(int64_t{static_cast<int>(ev.kind)});
    params.Add(TimeParam(ev.at));
    params.Add(ev.actor.c_str());
    params.Add(ev.owner.c_str());
    params.Add(int64_t{ev.rung});
    params.Add(ev.reason.c_str());
    params.Add(int64_t{EnumParam(ev.gate)});
    params.Add(ev.gate_decision.c_str());
    params.Add(int64_t{EnumParam(ev.stage)});
    params.Add(TimeParam(ev.breached_due));
    params.Add(ev.parent_requested);
    for (const SnapshotParams* c : {&ack, &resp}) {
      params.Add(c->from);
      params.Add(c->start);
      params.Add(c->due);
      params.Add(c->owner);
      params.Add(c->calendar_version);
      params.Add(c->policy_version);
    }
    params.Add(ack.explanation);
    params.Add(resp.explanation);
    params.Add(ev.owner_role.c_str());
    params.Add(ev.gate_arrangement.c_str());
    params.Add(int64_t{ev.gate_arrangement_version});
    params.Add(ev.gate_premises_ban.c_str());
    params.Add(int64_t{ev.gate_premises_ban_version});
    params.Add(TimeParam(ev.gate_decided_at));
    params.Add(fup.from);
    params.Add(fup.start);
    params.Add(fup.due);
    params.Add(fup.owner);
    params.Add(fup.calendar_version);
    params.Add(fup.policy_version);
    params.Add(fup.explanation);
    params.Add(TimeParam(ev.promised_at));
    params.Add(ev.progress.c_str());
    params.Add(int64_t{EnumParam(ev.addressing)});
  }
  txn.exec_params(
      absl::StrCat("INSERT INTO enquiry_events (school_id, enquiry_id, seq, kind, at, actor, owner, rung, "
                   "reason, gate, gate_decision, stage, breached_due, parent_requested, ack_clock_from, "
                   "ack_clock_start, ack_due, ack_owner, ack_calendar_version, ack_policy_version, "
                   "resp_clock_from, resp_clock_start, resp_due, resp_owner, resp_calendar_version, "
                   "resp_policy_version, ack_explanation, resp_explanation, owner_role, gate_arrangement, "
                   "gate_arrangement_version, gate_premises_ban, gate_premises_ban_version, "
                   "gate_decided_at, fup_clock_from, fup_clock_start, fup_due, fup_owner, "
                   "fup_calendar_version, fup_policy_version, fup_explanation, promised_at, progress, addressing) "
                   "VALUES ",
                   ValuesRows(kRow, 44, events.size())),
      params.dynamic());
}

// Statements every intake, action and timer firing runs, prepared once per connection: parsing
// and planning them each time cost the database more than running them.
constexpr char kSelectEnquiry[] = "escalation_select_enquiry";
constexpr char kSelectEvents[] = "escalation_select_events";
constexpr char kSelectStaffNotices[] = "escalation_select_staff_notices";
constexpr char kUpdateProjection[] = "escalation_update_projection";
constexpr char kSelectVersion[] = "escalation_select_version";

// Why a write guarded by `base_version` found no row to write: gone, or moved on.
absl::Status NotAtVersion(pqxx::work& txn, const std::string& school_id, const std::string& id) {
  if (txn.exec_prepared(kSelectVersion, school_id, id).empty()) return EnquiryNotFound(school_id, id);
  return Aborted(reason::kRecordChanged, "the enquiry changed while the change was planned");
}

// The projection of `rec`, if the row is still at `base_version` (the UPDATE takes the row lock;
// a concurrent writer's commit makes it match nothing). Fills the row version and update time.
absl::Status WriteProjection(pqxx::work& txn, int64_t base_version, EnquiryRecord& rec) {
  pqxx::result r =
      txn.exec_prepared(kUpdateProjection, rec.enquiry.school_id, rec.enquiry.id, static_cast<int>(rec.state),
                        rec.owner, rec.rung, rec.cycle, TimeParam(rec.ack_due), EnumParam(rec.ack_status),
                        TimeParam(rec.respond_due), EnumParam(rec.respond_status), TimeParam(rec.next_due),
                        rec.owner_role, base_version, TimeParam(rec.follow_up_due), EnumParam(rec.follow_up_status));
  if (r.empty()) return NotAtVersion(txn, rec.enquiry.school_id, rec.enquiry.id);
  rec.row_version = r[0][0].as<int64_t>();
  rec.update_time = TimeAt(r[0][1]);
  rec.ack_due = ToMicros(rec.ack_due);
  rec.respond_due = ToMicros(rec.respond_due);
  rec.follow_up_due = ToMicros(rec.follow_up_due);
  rec.next_due = ToMicros(rec.next_due);
  return absl::OkStatus();
}

// The staff-notice ledger rows, in one statement; returns the outbox keys of those whose slot was
// taken already.
std::set<std::string> InsertStaffNotices(pqxx::work& txn, const Enquiry& e, const std::vector<StaffNoticeRow>& rows) {
  std::set<std::string> skipped;
  if (rows.empty()) return skipped;
  RowParams params;
  for (const StaffNoticeRow& n : rows) {
    params.Add(e.school_id.c_str());
    params.Add(e.id.c_str());
    params.Add(n.recipient.c_str());
    params.Add(TimeParam(n.period_start));
    params.Add(n.outbox_key.c_str());
    skipped.insert(n.outbox_key);
  }
  const pqxx::result inserted = txn.exec_params(
      absl::StrCat("INSERT INTO staff_notices (school_id, enquiry_id, recipient, period_start, outbox_key) VALUES ",
                   ValuesRows("($1, $2, $3, $4::timestamptz, $5)", 5, rows.size()),
                   " ON CONFLICT DO NOTHING RETURNING outbox_key"),
      params.dynamic());
  for (const pqxx::row& r : inserted) skipped.erase(r[0].as<std::string>());
  return skipped;
}

// The outbox rows, in one statement.
absl::Status InsertOutbox(pqxx::work& txn, const Enquiry& e, const std::vector<OutboxRow>& rows,
                          const std::set<std::string>& skipped) {
  RowParams params;
  size_t count = 0;
  for (const OutboxRow& o : rows) {
    if (skipped.count(o.key) > 0) continue;
    params.Add(o.key.c_str());
    params.Add(o.kind.c_str());
    params.Add(e.school_id.c_str());
    params.Add(e.id.c_str());
    params.Add(o.notice_json.c_str());
    params.Add(TimeParam(o.not_before));
    ++count;
  }
  if (count == 0) return absl::OkStatus();
  // A plain INSERT: keys are stable per decision, so a duplicate means two decisions chose the
  // same key (a bug), never a retry (retries replay before getting here).
  try {
    txn.exec_params(absl::StrCat("INSERT INTO outbox (key, kind, school_id, enquiry_id, notice, not_before) VALUES ",
                                 ValuesRows("($1, $2, $3, $4, $5::jsonb, $6::timestamptz)", 6, count)),
                    params.dynamic());
  } catch (const pqxx::unique_violation&) {
    return WithReason(
        absl::InternalError(absl::StrCat("an outbox key of a notice for enquiry ", e.id, " is already taken")),
        "OUTBOX_KEY_DUPLICATE");
  }
  return absl::OkStatus();
}

std::optional<EnquiryRecord> LoadRecord(pqxx::work& txn, const std::string& school_id, const std::string& id) {
  pqxx::result row = txn.exec_prepared(kSelectEnquiry, school_id, id);
  if (row.empty()) return std::nullopt;
  EnquiryRecord rec = RecordFrom(row[0]);
  for (const pqxx::row& r : txn.exec_prepared(kSelectEvents, school_id, id)) {
    rec.enquiry.history.push_back(EventFrom(r));
  }
  for (const pqxx::row& r : txn.exec_prepared(kSelectStaffNotices, school_id, id)) {
    rec.staff_notices.push_back(StaffNoticeRow{r[0].c_str(), TimeAt(r[1]), r[2].c_str()});
  }
  return rec;
}

// Still owed something (open, acknowledged, awaiting the parent) with a clock past due and not
// kept: a running clock whose due has passed (its timer may not have fired yet), or an
// acknowledgement still owed after its breach was recorded. `now` is a parameter's placeholder.
std::string OverdueSql(const std::string& now) {
  return absl::StrCat("(state IN (1, 2, 3) AND (next_due < ", now, "::timestamptz OR (state = 1 AND ack_status = 4)))");
}

// The start of the `prefix` clock in force and the first event of `kinds` that kept it, for
// enquiry e (a LATERAL subquery yielding `clock_start` and `kept_at`, in microseconds).
std::string ClockKept(const std::string& prefix, const std::string& kinds) {
  return absl::StrCat("SELECT ", Micros("s.clock_start"), " AS clock_start, ", Micros("m.at"),
                      " AS kept_at FROM enquiry_events m JOIN LATERAL (SELECT ", prefix,
                      "clock_start AS clock_start FROM enquiry_events c WHERE c.school_id = m.school_id AND "
                      "c.enquiry_id = m.enquiry_id AND c.seq < m.seq AND c.",
                      prefix, "clock_start IS NOT NULL ORDER BY c.seq DESC LIMIT 1) s ON TRUE ",
                      "WHERE m.school_id = e.school_id AND m.enquiry_id = e.id AND m.kind IN ", kinds,
                      " ORDER BY m.seq LIMIT 1");
}

std::optional<std::pair<absl::Time, absl::Time>> OptionalSpan(const pqxx::field& from, const pqxx::field& to) {
  if (from.is_null() || to.is_null()) return std::nullopt;
  return std::make_pair(TimeAt(from), TimeAt(to));
}

absl::Time DatabaseNow(pqxx::work& txn) {
  return TimeAt(txn.exec1("SELECT (EXTRACT(EPOCH FROM clock_timestamp()) * 1000000)::BIGINT")[0]);
}

}  // namespace

PgEnquiryStore::PgEnquiryStore(pg::Pool* pool) : pool_(pool) {
  const std::string select_enquiry =
      absl::StrCat("SELECT ", kEnquiryColumns, " FROM enquiries WHERE school_id = $1 AND id = $2");
  pool_->Prepare(kSelectEnquiry, select_enquiry);
  pool_->Prepare(kSelectVersion, "SELECT row_version FROM enquiries WHERE school_id = $1 AND id = $2 FOR SHARE");
  pool_->Prepare(kSelectEvents,
                 absl::StrCat("SELECT ", kEventColumns,
                              " FROM enquiry_events WHERE school_id = $1 AND enquiry_id = $2 ORDER BY seq"));
  pool_->Prepare(kSelectStaffNotices,
                 absl::StrCat("SELECT recipient, ", Micros("period_start"),
                              ", outbox_key FROM staff_notices WHERE school_id = $1 AND enquiry_id = $2 "
                              "ORDER BY period_start"));
  pool_->Prepare(
      kUpdateProjection,
      absl::StrCat("UPDATE enquiries SET state = $3, owner = $4, rung = $5, cycle = $6, owner_role = $12, "
                   "ack_due = NULLIF($7, '')::timestamptz, ack_status = NULLIF($8::int, 0)::smallint, "
                   "respond_due = NULLIF($9, '')::timestamptz, respond_status = NULLIF($10::int, "
                   "0)::smallint, next_due = NULLIF($11, '')::timestamptz, follow_up_due = NULLIF($14, "
                   "'')::timestamptz, follow_up_status = NULLIF($15::int, 0)::smallint, row_version = row_version + 1, "
                   "update_time = now() WHERE school_id = $1 AND id = $2 AND row_version = $13 RETURNING row_version, ",
                   Micros("update_time")));
}

absl::Status PgEnquiryStore::Ping() { return pool_->Ping(); }

absl::StatusOr<std::optional<std::string>> PgEnquiryStore::FindResponse(const RequestKey& key) {
  return pg::FindResponse(*pool_, key);
}

absl::StatusOr<EnquiryRecord> PgEnquiryStore::ApplyPlanned(pqxx::work& txn, int64_t base_version,
                                                           const PlannedWrite& write,
                                                           std::vector<timer::TimerRef>& timers,
                                                           const std::optional<InsertedRow>& inserted) {
  PARLEY_RETURN_IF_ERROR(CheckPlannedEvents(write));
  EnquiryRecord stored = write.after;
  const Enquiry& e = stored.enquiry;
  const Change& change = write.change;
  if (!change.events.empty()) {
    if (inserted) {
      // Create wrote the projection with the row (version 1): an UPDATE right after the INSERT
      // cost the database as much again (a second row version through every index).
      stored.row_version = 1;
      stored.update_time = inserted->update_time;
      stored.ack_due = ToMicros(stored.ack_due);
      stored.respond_due = ToMicros(stored.respond_due);
      stored.follow_up_due = ToMicros(stored.follow_up_due);
      stored.next_due = ToMicros(stored.next_due);
    } else {
      // The guarded projection first: it takes the row lock, and writes nothing when the row moved.
      PARLEY_RETURN_IF_ERROR(WriteProjection(txn, base_version, stored));
    }
    try {
      InsertEvents(txn, e.school_id, e.id, change.events);
    } catch (const pqxx::unique_violation&) {
      // The version matched but the history did not: the caller's base version and plan disagree.
      return Internal(reason::kEnquirySeqMismatch,
                      absl::StrCat("the events planned for enquiry ", e.id, " do not continue its stored history"));
    }
  } else {
    // Nothing to project; what else the change does still belongs to the version it was planned on.
    pqxx::result r = txn.exec_prepared(kSelectVersion, e.school_id, e.id);
    if (r.empty()) return EnquiryNotFound(e.school_id, e.id);
    if (r[0][0].as<int64_t>() != base_version) {
      return Aborted(reason::kRecordChanged, "the enquiry changed while the change was planned");
    }
    stored.row_version = base_version;
  }
  PARLEY_RETURN_IF_ERROR(InsertOutbox(txn, e, change.outbox, InsertStaffNotices(txn, e, change.staff_notices)));
  // Cancel first: a timer both cancelled and scheduled by one change ends up armed.
  for (const auto& [kind, timer_key] : change.cancel) PARLEY_RETURN_IF_ERROR(timer::Cancel(txn, kind, timer_key));
  for (const timer::TimerSpec& spec : change.schedule) {
    PARLEY_ASSIGN_OR_RETURN(timer::TimerRef ref, timer::Schedule(txn, spec));
    timers.push_back(ref);
  }
  return stored;
}

absl::StatusOr<WriteResult> PgEnquiryStore::Create(const RequestKey& key, const PlannedWrite& write) {
  const EnquiryRecord& record = write.after;
  const Enquiry& e = record.enquiry;
  if (write.change.events.empty() || e.history.size() != write.change.events.size()) {
    return Internal(reason::kEnquiryCreateMisuse, "a new enquiry is stored with its first events and no history");
  }
  return pg::RunIdempotentInto<WriteResult>(
      *pool_, key, [&](pqxx::work& txn, WriteResult& result) -> absl::StatusOr<std::string> {
        // The row with the projection of its first events: version 1, so a new enquiry's etag is "1".
        pqxx::result inserted = txn.exec_params(
            absl::StrCat(
                "INSERT INTO enquiries (school_id, id, pupil, guardian, sender_description, channel, category, "
                "received_at, subject, subject_ref, body_ref, safeguarding, state, row_version, teaching_subject, "
                "owner, rung, cycle, owner_role, ack_due, ack_status, respond_due, respond_status, next_due, "
                "follow_up_due, follow_up_status, urgent, addressed_to, guardian_not_told) "
                "VALUES ($1, $2, $3, $4, $5, $6, $7, $8::timestamptz, $9, $10, $11, $12, $13, 1, $14, $15, $16, $17, "
                "$18, NULLIF($19, '')::timestamptz, NULLIF($20::int, 0)::smallint, NULLIF($21, '')::timestamptz, "
                "NULLIF($22::int, 0)::smallint, NULLIF($23, '')::timestamptz, NULLIF($24, '')::timestamptz, "
                "NULLIF($25::int, 0)::smallint, $26, $27, $28) "
                "ON CONFLICT (school_id, id) DO NOTHING RETURNING ",
                Micros("create_time"), ", ", Micros("update_time")),
            e.school_id, e.id, e.pupil, e.guardian, record.sender_description, static_cast<int>(e.channel), e.category,
            TimeParam(e.received_at), record.subject, e.subject_ref, e.body_ref, e.safeguarding,
            static_cast<int>(record.state), e.teaching_subject, record.owner, record.rung, record.cycle,
            record.owner_role, TimeParam(record.ack_due), EnumParam(record.ack_status), TimeParam(record.respond_due),
            EnumParam(record.respond_status), TimeParam(record.next_due), TimeParam(record.follow_up_due),
            EnumParam(record.follow_up_status), e.urgent, e.addressed_to, e.guardian_not_told);
        if (inserted.empty()) {
          return AlreadyExists(reason::kEnquiryExists,
                               absl::StrCat("enquiry ", e.id, " already exists at school ", e.school_id));
        }
        PARLEY_ASSIGN_OR_RETURN(EnquiryRecord stored, ApplyPlanned(txn, /*base_version=*/0, write, result.timers,
                                                                   InsertedRow{TimeAt(inserted[0][1])}));
        stored.create_time = TimeAt(inserted[0][0]);
        stored.enquiry.received_at = ToMicros(stored.enquiry.received_at);
        if (!write.encode) return std::string();
        return write.encode(stored);
      });
}

absl::StatusOr<WriteResult> PgEnquiryStore::Apply(const RequestKey& key, int64_t base_version,
                                                  const PlannedWrite& write) {
  return pg::RunIdempotentInto<WriteResult>(
      *pool_, key, [&](pqxx::work& txn, WriteResult& result) -> absl::StatusOr<std::string> {
        PARLEY_ASSIGN_OR_RETURN(EnquiryRecord stored, ApplyPlanned(txn, base_version, write, result.timers));
        if (!write.encode) return std::string();
        return write.encode(stored);
      });
}

timer::Handler PgEnquiryStore::ClockTimerHandler(TimerPlan plan, int max_plan_attempts) {
  return [plan = std::move(plan), max_plan_attempts](
             pqxx::work& txn, const timer::Timer& t) -> absl::StatusOr<std::optional<absl::Time>> {
    const std::optional<std::pair<std::string, std::string>> target = plan.target(t);
    if (!target) return std::nullopt;
    for (int attempt = 1;; ++attempt) {
      // Read without a lock: the plan may ask contacts, and no enquiry row is held meanwhile. The
      // timer's own row is, by the worker, so the firing happens once.
      std::optional<EnquiryRecord> current = LoadRecord(txn, target->first, target->second);
      if (!current) return std::nullopt;
      PARLEY_ASSIGN_OR_RETURN(TimerOutcome outcome, plan.plan(*current, t, DatabaseNow(txn)));
      if (!outcome.write) return outcome.rearm;
      // Timers a handler schedules are nudged by the worker after the commit.
      std::vector<timer::TimerRef> scheduled;
      absl::StatusOr<EnquiryRecord> stored = ApplyPlanned(txn, current->row_version, *outcome.write, scheduled);
      if (stored.ok()) return outcome.rearm;
      const bool moved = absl::IsAborted(stored.status()) && ErrorReason(stored.status()) == reason::kRecordChanged;
      if (!moved || attempt >= max_plan_attempts) return stored.status();
    }
  };
}

absl::StatusOr<EnquiryRecord> PgEnquiryStore::Get(const std::string& school_id, const std::string& id) {
  std::optional<EnquiryRecord> found;
  PARLEY_RETURN_IF_ERROR(pool_->Read([&](pqxx::work& txn) -> absl::Status {
    found = LoadRecord(txn, school_id, id);
    return absl::OkStatus();
  }));
  if (!found) return EnquiryNotFound(school_id, id);
  return *std::move(found);
}

absl::StatusOr<std::vector<std::string>> PgEnquiryStore::SchoolsWithLiveEnquiries() {
  std::vector<std::string> schools;
  PARLEY_RETURN_IF_ERROR(pool_->Read([&](pqxx::work& txn) -> absl::Status {
    schools.clear();
    for (const pqxx::row& r :
         txn.exec("SELECT DISTINCT school_id FROM enquiries WHERE state IN (1, 2, 3) ORDER BY 1")) {
      schools.emplace_back(r[0].c_str());
    }
    return absl::OkStatus();
  }));
  return schools;
}

absl::StatusOr<Page<EnquiryRecord>> PgEnquiryStore::List(const std::string& school_id, const EnquiryFilter& filter,
                                                         PageQuery page, absl::Time now) {
  Page<EnquiryRecord> out;
  const int size = page.size > 0 ? page.size : 50;
  PARLEY_RETURN_IF_ERROR(pool_->Read([&](pqxx::work& txn) -> absl::Status {
    out = Page<EnquiryRecord>();
    pqxx::result rows = txn.exec_params(
        absl::StrCat("SELECT ", kEnquiryColumns,
                     " FROM enquiries WHERE school_id = $1 AND ($2 = '' OR owner = $2) AND ($3 = 0 OR state = $3) "
                     "AND ($4 = '' OR category = $4) AND ($10 = '' OR guardian = $10) AND (NOT $5::boolean OR ",
                     OverdueSql("$6"),
                     ") "
                     "AND ($7 = '' OR next_due < NULLIF($7, '')::timestamptz) AND seq < $8::bigint "
                     "ORDER BY seq DESC LIMIT $9"),
        school_id, filter.owner, EnumParam(filter.state), filter.category, filter.overdue, TimeParam(now),
        TimeParam(filter.due_before), page.before_seq > 0 ? page.before_seq : INT64_MAX, size + 1, filter.guardian);
    for (const pqxx::row& r : rows) {
      if (static_cast<int>(out.items.size()) == size) {
        out.next_before_seq = rows[size - 1][kEnquirySeqColumn].as<int64_t>();
        break;
      }
      out.items.push_back(RecordFrom(r));
    }
    return absl::OkStatus();
  }));
  return out;
}

absl::StatusOr<SchoolStats> PgEnquiryStore::Stats(const std::string& school_id, absl::Time start, absl::Time end,
                                                  absl::Time now) {
  static const std::string kFiguresSql =
      "WITH received AS (SELECT e.channel, e.category, e.ack_status, e.respond_status, (SELECT count(*) FROM "
      "enquiry_events b WHERE b.school_id = e.school_id AND b.enquiry_id = e.id AND b.kind = 9) AS breaches FROM "
      "enquiries e WHERE e.school_id = $1 AND e.received_at >= $2::timestamptz AND e.received_at < $3::timestamptz) "
      "SELECT GROUPING(channel), GROUPING(category), channel, category, count(*), "
      "count(*) FILTER (WHERE ack_status IN (3, 4)), count(*) FILTER (WHERE ack_status = 3), "
      "count(*) FILTER (WHERE respond_status IN (3, 4)), count(*) FILTER (WHERE respond_status = 3), "
      "sum(breaches)::BIGINT FROM received GROUP BY GROUPING SETS ((), (channel), (category)) "
      "ORDER BY channel, category";
  // Acknowledged by an acknowledgement, a reply or a resolution; answered by a reply or a
  // resolution (the view's own rules for when a clock is kept).
  static const std::string kKeepTimesSql = absl::StrCat(
      "SELECT e.channel, e.category, e.safeguarding, ", Micros("e.received_at"),
      ", ack.clock_start, ack.kept_at, ans.clock_start, ans.kept_at FROM enquiries e LEFT JOIN LATERAL (",
      ClockKept("ack_", "(4, 5, 10)"), ") ack ON TRUE LEFT JOIN LATERAL (", ClockKept("resp_", "(5, 10)"),
      ") ans ON TRUE WHERE e.school_id = $1 AND e.received_at >= $2::timestamptz AND e.received_at < $3::timestamptz");
  SchoolStats out;
  PARLEY_RETURN_IF_ERROR(pool_->Read([&](pqxx::work& txn) -> absl::Status {
    out = SchoolStats();
    for (const pqxx::row& r : txn.exec_params(kFiguresSql, school_id, TimeParam(start), TimeParam(end))) {
      PromiseFigures f;
      f.received = r[4].as<int64_t>();
      f.acknowledge_ended = r[5].as<int64_t>();
      f.acknowledge_met = r[6].as<int64_t>();
      f.respond_ended = r[7].as<int64_t>();
      f.respond_met = r[8].as<int64_t>();
      f.breaches = r[9].is_null() ? 0 : r[9].as<int64_t>();
      const bool per_channel = r[0].as<int>() == 0, per_category = r[1].as<int>() == 0;
      if (per_channel) {
        out.by_channel.emplace_back(static_cast<Channel>(r[2].as<int>()), f);
      } else if (per_category) {
        out.by_category.emplace_back(r[3].c_str(), f);
      } else {
        out.all = f;
      }
    }
    for (const pqxx::row& r : txn.exec_params(kKeepTimesSql, school_id, TimeParam(start), TimeParam(end))) {
      KeepTimes k;
      k.channel = static_cast<Channel>(r[0].as<int>());
      k.category = r[1].c_str();
      k.safeguarding = r[2].as<bool>();
      k.received_at = TimeAt(r[3]);
      k.acknowledge = OptionalSpan(r[4], r[5]);
      k.answer = OptionalSpan(r[6], r[7]);
      out.keep_times.push_back(std::move(k));
    }
    for (const pqxx::row& r :
         txn.exec_params("SELECT rung, count(*) FROM enquiry_events WHERE school_id = $1 AND kind = 8 AND "
                         "at >= $2::timestamptz AND at < $3::timestamptz GROUP BY rung ORDER BY rung",
                         school_id, TimeParam(start), TimeParam(end))) {
      out.escalations_by_rung.emplace_back(r[0].as<int>(), r[1].as<int64_t>());
    }
    out.referrals_to_complaints = txn.exec_params1(
                                         "SELECT count(*) FROM enquiry_events WHERE school_id = $1 AND kind = 12 AND "
                                         "at >= $2::timestamptz AND at < $3::timestamptz",
                                         school_id, TimeParam(start), TimeParam(end))[0]
                                      .as<int64_t>();
    pqxx::row now_row =
        txn.exec_params1(absl::StrCat("SELECT count(*) FILTER (WHERE state IN (1, 2, 3)), count(*) FILTER (WHERE ",
                                      OverdueSql("$2"), ") FROM enquiries WHERE school_id = $1"),
                         school_id, TimeParam(now));
    out.open_now = now_row[0].as<int64_t>();
    out.overdue_now = now_row[1].as<int64_t>();
    // Follow-up clocks as projected (ClockStatus: 1 running, 2 paused, 3 met, 4 breached).
    pqxx::row follow_up = txn.exec_params1(
        "SELECT count(*) FILTER (WHERE follow_up_status = 3), count(*) FILTER (WHERE follow_up_status = 4), "
        "count(*) FILTER (WHERE follow_up_status IN (1, 2)) FROM enquiries WHERE school_id = $1 AND "
        "received_at >= $2::timestamptz AND received_at < $3::timestamptz",
        school_id, TimeParam(start), TimeParam(end));
    out.follow_up_met = follow_up[0].as<int64_t>();
    out.follow_up_breached = follow_up[1].as<int64_t>();
    out.follow_up_running = follow_up[2].as<int64_t>();
    return absl::OkStatus();
  }));
  return out;
}

absl::StatusOr<BreachPage> PgEnquiryStore::ListBreaches(const std::string& school_id, const BreachFilter& filter,
                                                        BreachPosition after, int size) {
  // Stats' `breaches`: breached events (kind 9) of the enquiries received in the period. A clock is
  // kept late by the events that keep it in the view (enquiry_view.cc): acknowledge by an
  // acknowledgement, reply or resolution (4, 5, 10), respond by a reply or resolution (5, 10),
  // follow-up by a resolution (10).
  static const std::string kBreachesSql = absl::StrCat(
      "SELECT e.id, e.channel, e.category, ", Micros("e.received_at"), ", b.stage, ", Micros("b.breached_due"), ", ",
      Micros("b.at"), ", (SELECT ", Micros("k.at"),
      " FROM enquiry_events k WHERE k.school_id = b.school_id AND k.enquiry_id = b.enquiry_id AND k.seq > b.seq "
      "AND k.kind = ANY (CASE b.stage WHEN 1 THEN ARRAY[4, 5, 10] WHEN 2 THEN ARRAY[5, 10] ELSE ARRAY[10] "
      "END::smallint[]) "
      "ORDER BY k.seq LIMIT 1), b.rung, b.owner_role, e.seq, b.seq "
      "FROM enquiries e JOIN enquiry_events b ON b.school_id = e.school_id AND b.enquiry_id = e.id AND b.kind = 9 "
      "WHERE e.school_id = $1 AND e.received_at >= $2::timestamptz AND e.received_at < $3::timestamptz "
      "AND ($4::int = 0 OR e.channel = $4::int) AND ($5 = '' OR e.category = $5) "
      "AND (e.seq, b.seq) > ($6::bigint, $7::int) ORDER BY e.seq, b.seq LIMIT $8");
  BreachPage out;
  PARLEY_RETURN_IF_ERROR(pool_->Read([&](pqxx::work& txn) -> absl::Status {
    out = BreachPage();
    pqxx::result rows =
        txn.exec_params(kBreachesSql, school_id, TimeParam(filter.start), TimeParam(filter.end),
                        EnumParam(filter.channel), filter.category, after.enquiry_seq, after.event_seq, size + 1);
    for (const pqxx::row& r : rows) {
      if (static_cast<int>(out.items.size()) == size) {
        out.next = out.items.back().position;
        break;
      }
      BreachRecord b;
      b.enquiry_id = r[0].c_str();
      b.channel = static_cast<Channel>(r[1].as<int>());
      b.category = r[2].c_str();
      b.received_at = TimeAt(r[3]);
      b.stage = r[4].is_null() ? Stage::kAcknowledge : static_cast<Stage>(r[4].as<int>());
      b.due = OptionalTimeAt(r[5]);
      b.breached_at = TimeAt(r[6]);
      b.kept_at = OptionalTimeAt(r[7]);
      b.rung = r[8].as<int>();
      b.rung_role = r[9].c_str();
      b.position = {r[10].as<int64_t>(), r[11].as<int64_t>()};
      out.items.push_back(std::move(b));
    }
    return absl::OkStatus();
  }));
  return out;
}

}  // namespace parley::escalation
