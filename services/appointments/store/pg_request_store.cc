#include "services/appointments/store/pg_request_store.h"

#include <cstdint>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "absl/strings/str_cat.h"
#include "common/pg/idempotency.h"
#include "common/status/reason.h"
#include "common/status/reasons.h"
#include "common/status/status_macros.h"
#include "common/timer/timer.h"
#include "nlohmann/json.hpp"
#include "services/appointments/store/outbox_writer.h"

namespace parley::appointments {
namespace {

using nlohmann::json;

// ---- times -------------------------------------------------------------------------------------

int64_t Us(absl::Time t) { return absl::ToUnixMicros(t); }
absl::Time FromUs(int64_t us) { return absl::FromUnixMicros(us); }
std::string TimeParam(absl::Time t) { return absl::FormatTime("%Y-%m-%dT%H:%M:%E6SZ", t, absl::UTCTimeZone()); }
std::string Micros(const std::string& column) {
  return absl::StrCat("(EXTRACT(EPOCH FROM ", column, ") * 1000000)::BIGINT");
}

// ---- the record's given fields and its events as JSON --------------------------------------------

json IntervalJson(const Interval& i) { return json::array({Us(i.start), Us(i.end)}); }
Interval IntervalFrom(const json& j) {
  return Interval{FromUs(j.at(0).get<int64_t>()), FromUs(j.at(1).get<int64_t>())};
}

json SlotJson(const MeetingSlot& s) {
  return json{{"time", IntervalJson(s.time)}, {"staff", s.staff}, {"mode", static_cast<int>(s.mode)}};
}
MeetingSlot SlotFrom(const json& j) {
  return MeetingSlot{IntervalFrom(j.at("time")), j.at("staff").get<std::string>(),
                     static_cast<Mode>(j.at("mode").get<int>())};
}

json ClockJson(const RequestClock& c) {
  json j{{"kind", static_cast<int>(c.kind)},
         {"stage", static_cast<int>(c.stage)},
         {"clock_start", Us(c.clock_start)},
         {"due", Us(c.due)},
         {"state", static_cast<int>(c.state)},
         {"policy_text", c.policy_text},
         {"owner", c.owner},
         {"calendar_version", c.calendar_version},
         {"explanation", c.explanation}};
  if (c.met_at) j["met_at"] = Us(*c.met_at);
  if (c.breached_at) j["breached_at"] = Us(*c.breached_at);
  return j;
}
RequestClock ClockFrom(const json& j) {
  RequestClock c;
  c.kind = static_cast<ClockKind>(j.at("kind").get<int>());
  c.stage = static_cast<directory::Stage>(j.at("stage").get<int>());
  c.clock_start = FromUs(j.at("clock_start").get<int64_t>());
  c.due = FromUs(j.at("due").get<int64_t>());
  c.state = static_cast<ClockState>(j.at("state").get<int>());
  c.policy_text = j.at("policy_text").get<std::string>();
  c.owner = j.at("owner").get<std::string>();
  c.calendar_version = j.at("calendar_version").get<std::string>();
  c.explanation = j.at("explanation").get<std::string>();
  if (j.contains("met_at")) c.met_at = FromUs(j.at("met_at").get<int64_t>());
  if (j.contains("breached_at")) c.breached_at = FromUs(j.at("breached_at").get<int64_t>());
  return c;
}

// Everything of an event but its seq, kind, time and actor (columns of their own).
json PayloadJson(const RequestEvent& e) {
  json j = json::object();
  if (!e.reason.empty()) j["reason"] = e.reason;
  if (!e.slots.empty()) {
    j["slots"] = json::array();
    for (const MeetingSlot& s : e.slots) j["slots"].push_back(SlotJson(s));
  }
  if (!e.proposed.empty()) {
    j["proposed"] = json::array();
    for (const Interval& i : e.proposed) j["proposed"].push_back(IntervalJson(i));
  }
  if (e.slot) j["slot"] = SlotJson(*e.slot);
  if (!e.booking_id.empty()) j["booking_id"] = e.booking_id;
  if (e.by) j["by"] = static_cast<int>(*e.by);
  if (e.answer) j["answer"] = ClockJson(*e.answer);
  if (e.hold) j["hold"] = ClockJson(*e.hold);
  if (e.call_back) j["call_back"] = ClockJson(*e.call_back);
  if (e.breached_due) j["breached_due"] = Us(*e.breached_due);
  if (!e.enquiry.empty()) j["enquiry"] = e.enquiry;
  return j;
}
void PayloadInto(const json& j, RequestEvent& e) {
  if (j.contains("reason")) e.reason = j.at("reason").get<std::string>();
  if (j.contains("slots")) {
    for (const json& s : j.at("slots")) e.slots.push_back(SlotFrom(s));
  }
  if (j.contains("proposed")) {
    for (const json& i : j.at("proposed")) e.proposed.push_back(IntervalFrom(i));
  }
  if (j.contains("slot")) e.slot = SlotFrom(j.at("slot"));
  if (j.contains("booking_id")) e.booking_id = j.at("booking_id").get<std::string>();
  if (j.contains("by")) e.by = static_cast<Party>(j.at("by").get<int>());
  if (j.contains("answer")) e.answer = ClockFrom(j.at("answer"));
  if (j.contains("hold")) e.hold = ClockFrom(j.at("hold"));
  if (j.contains("call_back")) e.call_back = ClockFrom(j.at("call_back"));
  if (j.contains("breached_due")) e.breached_due = FromUs(j.at("breached_due").get<int64_t>());
  if (j.contains("enquiry")) e.enquiry = j.at("enquiry").get<std::string>();
}

// Wanted people, modes and windows: given once, read with the record.
json GivenJson(const MeetingRequest& r) {
  json j{{"wanted", json::array()}, {"modes", json::array()}, {"windows", json::array()}};
  for (const WantedPerson& w : r.wanted)
    j["wanted"].push_back(json{{"role", static_cast<int>(w.role)}, {"staff", w.staff}});
  for (Mode m : r.modes) j["modes"].push_back(static_cast<int>(m));
  for (const Interval& i : r.windows) j["windows"].push_back(IntervalJson(i));
  return j;
}
void GivenInto(const json& j, MeetingRequest& r) {
  for (const json& w : j.at("wanted")) {
    r.wanted.push_back(
        WantedPerson{static_cast<WantedRole>(w.at("role").get<int>()), w.at("staff").get<std::string>()});
  }
  for (const json& m : j.at("modes")) r.modes.push_back(static_cast<Mode>(m.get<int>()));
  for (const json& i : j.at("windows")) r.windows.push_back(IntervalFrom(i));
}

std::string PupilsArray(const std::vector<std::string>& pupils) {
  // A PostgreSQL text[] literal; ids are [a-z0-9_-] (api::IsValidId), quoted anyway.
  std::string out = "{";
  for (size_t i = 0; i < pupils.size(); ++i) absl::StrAppend(&out, i ? "," : "", "\"", pupils[i], "\"");
  return out + "}";
}

// ---- rows ----------------------------------------------------------------------------------------

const std::string kRequestColumns = absl::StrCat(
    "school_id, id, kind, requester, guardian, array_to_json(pupils)::text, topic, category, given::text, ",
    Micros("received_at"), ", channel, owner, version, ", Micros("create_time"), ", ", Micros("update_time"),
    ", list_seq");
constexpr int kListSeqColumn = 15;

StoredRequest GivenFrom(const pqxx::row& r) {
  StoredRequest s;
  MeetingRequest& m = s.request;
  m.school_id = r[0].c_str();
  m.id = r[1].c_str();
  m.kind = static_cast<RequestKind>(r[2].as<int>());
  m.requester = r[3].c_str();
  m.guardian = r[4].c_str();
  m.pupils = json::parse(r[5].c_str()).get<std::vector<std::string>>();
  m.topic = r[6].c_str();
  m.category = r[7].c_str();
  GivenInto(json::parse(r[8].c_str()), m);
  m.received_at = FromUs(r[9].as<int64_t>());
  m.channel = static_cast<directory::Channel>(r[10].as<int>());
  m.owner = r[11].c_str();
  s.version = r[12].as<int64_t>();
  s.create_time = FromUs(r[13].as<int64_t>());
  s.update_time = FromUs(r[14].as<int64_t>());
  return s;
}

// The record from its given fields and its events, folded (Replay): what the state is, exactly.
std::optional<StoredRequest> Load(pqxx::work& txn, const std::string& school_id, const std::string& id) {
  pqxx::result row = txn.exec_params(
      absl::StrCat("SELECT ", kRequestColumns, " FROM meeting_requests WHERE school_id = $1 AND id = $2"), school_id,
      id);
  if (row.empty()) return std::nullopt;
  StoredRequest s = GivenFrom(row[0]);
  for (const pqxx::row& r :
       txn.exec_params(absl::StrCat("SELECT seq, kind, ", Micros("at"),
                                    ", actor, payload::text FROM meeting_request_events WHERE school_id = $1 AND "
                                    "request_id = $2 ORDER BY seq"),
                       school_id, id)) {
    RequestEvent e;
    e.seq = r[0].as<int64_t>();
    e.kind = static_cast<RequestEventKind>(r[1].as<int>());
    e.at = FromUs(r[2].as<int64_t>());
    e.actor = r[3].c_str();
    PayloadInto(json::parse(r[4].c_str()), e);
    s.request.history.push_back(std::move(e));
  }
  s.request = Replay(s.request);
  return s;
}

std::string OptionalDue(const std::optional<RequestClock>& c) { return c ? TimeParam(c->due) : std::string(); }

// The events, the outbox rows and the timers of a write whose row is in place at its new version.
absl::Status WriteEffects(pqxx::work& txn, const RequestWrite& w, std::vector<timer::TimerRef>& timers) {
  const MeetingRequest& r = w.after;
  for (const RequestEvent& e : w.events) {
    txn.exec_params(
        "INSERT INTO meeting_request_events (school_id, request_id, seq, kind, at, actor, payload) "
        "VALUES ($1, $2, $3, $4, $5::timestamptz, $6, $7::jsonb)",
        r.school_id, r.id, e.seq, static_cast<int>(e.kind), TimeParam(e.at), e.actor, PayloadJson(e).dump());
  }
  WriteNotices(txn, w.notices);
  for (const TimerSetting& t : w.timers) {
    const std::string key = RequestTimerKey(r.school_id, r.id, t.kind);
    if (t.due) {
      PARLEY_ASSIGN_OR_RETURN(timer::TimerRef ref, timer::Schedule(txn, timer::TimerSpec{kRequestClockTimer, key,
                                                                                         StoredPrecision(*t.due), ""}));
      timers.push_back(ref);
    } else {
      PARLEY_RETURN_IF_ERROR(timer::Cancel(txn, kRequestClockTimer, key));
    }
  }
  return absl::OkStatus();
}

// Appends `w` to the request at `base_version` in `txn`; the record as stored.
absl::StatusOr<StoredRequest> AppendIn(pqxx::work& txn, int64_t base_version, const RequestWrite& w,
                                       std::vector<timer::TimerRef>& timers) {
  PARLEY_RETURN_IF_ERROR(CheckRequestWrite(w, base_version));
  const MeetingRequest& r = w.after;
  const int64_t version = base_version + static_cast<int64_t>(w.events.size());
  pqxx::result row = txn.exec_params(
      absl::StrCat("UPDATE meeting_requests SET state = $3, owner = $4, booking_id = $5, enquiry = $6, "
                   "answer_due = NULLIF($7, '')::timestamptz, hold_due = NULLIF($8, '')::timestamptz, version = $9, "
                   "update_time = CASE WHEN $9 = $10 THEN update_time ELSE now() END "
                   "WHERE school_id = $1 AND id = $2 AND version = $10 RETURNING ",
                   Micros("create_time"), ", ", Micros("update_time")),
      r.school_id, r.id, static_cast<int>(r.state), r.owner, r.booking_id, r.enquiry, OptionalDue(r.answer),
      OptionalDue(r.hold), version, base_version);
  if (row.empty()) {
    if (txn.exec_params("SELECT 1 FROM meeting_requests WHERE school_id = $1 AND id = $2", r.school_id, r.id).empty()) {
      return RequestNotFound(r.school_id, r.id);
    }
    return Aborted(reason::kRecordChanged,
                   absl::StrCat("meeting request ", r.id, " changed while the change was planned: try again"));
  }
  try {
    PARLEY_RETURN_IF_ERROR(WriteEffects(txn, w, timers));
  } catch (const pqxx::unique_violation&) {
    // The version matched but the history did not: the caller's base version and plan disagree.
    return Internal(reason::kRequestSeqMismatch,
                    absl::StrCat("the events planned for meeting request ", r.id, " do not continue its history"));
  }
  StoredRequest stored{r, version, FromUs(row[0][0].as<int64_t>()), FromUs(row[0][1].as<int64_t>())};
  return stored;
}

absl::Time DatabaseNow(pqxx::work& txn) {
  return FromUs(txn.exec1("SELECT (EXTRACT(EPOCH FROM clock_timestamp()) * 1000000)::BIGINT")[0].as<int64_t>());
}

}  // namespace

PgRequestStore::PgRequestStore(pg::Pool* pool) : pool_(pool) {}

absl::StatusOr<std::optional<std::string>> PgRequestStore::FindResponse(const RequestKey& key) {
  return pg::FindResponse(*pool_, key);
}

absl::StatusOr<RequestWriteResult> PgRequestStore::Create(const RequestKey& key, const RequestWrite& write) {
  const MeetingRequest& r = write.after;
  if (write.events.empty() || r.history.size() != write.events.size()) {
    return Internal(reason::kRequestSeqMismatch, "a new meeting request is stored with its first events only");
  }
  return pg::RunIdempotentInto<RequestWriteResult>(
      *pool_, key, [&](pqxx::work& txn, RequestWriteResult& result) -> absl::StatusOr<std::string> {
        // The row at version 0, then the events as any append: one path for every write.
        pqxx::result inserted = txn.exec_params(
            "INSERT INTO meeting_requests (school_id, id, kind, requester, guardian, pupils, topic, category, given, "
            "received_at, channel, state, owner, version) VALUES ($1, $2, $3, $4, $5, $6::text[], $7, $8, $9::jsonb, "
            "$10::timestamptz, $11, $12, $13, 0) ON CONFLICT (school_id, id) DO NOTHING RETURNING 1",
            r.school_id, r.id, static_cast<int>(r.kind), r.requester, r.guardian, PupilsArray(r.pupils), r.topic,
            r.category, GivenJson(r).dump(), TimeParam(r.received_at), static_cast<int>(r.channel),
            static_cast<int>(r.state), r.owner);
        if (inserted.empty()) {
          return AlreadyExists(reason::kMeetingRequestExists,
                               absl::StrCat("meeting request ", r.id, " already exists at school ", r.school_id));
        }
        PARLEY_ASSIGN_OR_RETURN(StoredRequest stored, AppendIn(txn, 0, write, result.timers));
        if (!write.encode) return std::string();
        return write.encode(stored);
      });
}

absl::StatusOr<RequestWriteResult> PgRequestStore::Append(const RequestKey& key, int64_t base_version,
                                                          const RequestWrite& write) {
  return pg::RunIdempotentInto<RequestWriteResult>(
      *pool_, key, [&](pqxx::work& txn, RequestWriteResult& result) -> absl::StatusOr<std::string> {
        PARLEY_ASSIGN_OR_RETURN(StoredRequest stored, AppendIn(txn, base_version, write, result.timers));
        if (!write.encode) return std::string();
        return write.encode(stored);
      });
}

absl::StatusOr<StoredRequest> PgRequestStore::Get(const std::string& school_id, const std::string& id) {
  std::optional<StoredRequest> found;
  PARLEY_RETURN_IF_ERROR(pool_->Read([&](pqxx::work& txn) -> absl::Status {
    found = Load(txn, school_id, id);
    return absl::OkStatus();
  }));
  if (!found) return RequestNotFound(school_id, id);
  return *std::move(found);
}

absl::StatusOr<Page<StoredRequest>> PgRequestStore::List(const std::string& school_id, const RequestFilter& filter,
                                                         PageQuery page) {
  Page<StoredRequest> out;
  const int size = page.size > 0 ? page.size : 50;
  PARLEY_RETURN_IF_ERROR(pool_->Read([&](pqxx::work& txn) -> absl::Status {
    out = Page<StoredRequest>();
    pqxx::result rows = txn.exec_params(
        absl::StrCat("SELECT ", kRequestColumns,
                     ", state, booking_id, enquiry FROM meeting_requests WHERE school_id = $1 AND ($2 = 0 OR state = "
                     "$2) AND ($3 = '' OR guardian = $3) AND ($4 = '' OR owner = $4) AND ($5 = '' OR $5 = ANY "
                     "(pupils)) AND list_seq < $6::bigint AND (NOT $8::boolean OR EXISTS (SELECT 1 FROM "
                     "meeting_request_events e WHERE e.school_id = meeting_requests.school_id AND e.request_id = "
                     "meeting_requests.id AND e.kind IN (11, 12, 15))) ORDER BY list_seq DESC LIMIT $7"),
        school_id, filter.state ? static_cast<int>(*filter.state) : 0, filter.guardian, filter.owner, filter.pupil,
        page.before_seq > 0 ? page.before_seq : INT64_MAX, size + 1, filter.breached_only);
    for (const pqxx::row& r : rows) {
      if (static_cast<int>(out.items.size()) == size) {
        out.next_before_seq = rows[size - 1][kListSeqColumn].as<int64_t>();
        break;
      }
      StoredRequest s = GivenFrom(r);
      // Listed without histories: the projection columns stand for the fold.
      s.request.state = static_cast<RequestState>(r[16].as<int>());
      s.request.booking_id = r[17].c_str();
      s.request.enquiry = r[18].c_str();
      out.items.push_back(std::move(s));
    }
    return absl::OkStatus();
  }));
  return out;
}

timer::Handler PgRequestStore::ClockTimerHandler(RequestTimerPlan plan, int max_plan_attempts) {
  return [plan = std::move(plan), max_plan_attempts](
             pqxx::work& txn, const timer::Timer& t) -> absl::StatusOr<std::optional<absl::Time>> {
    const std::optional<RequestTimerTarget> target = ParseRequestTimerKey(t.key);
    if (!target) return std::nullopt;
    for (int attempt = 1;; ++attempt) {
      // Read without a lock: the plan may ask the directory. The worker holds the timer's own row,
      // so the firing happens once; the guarded append catches a request that moved meanwhile.
      std::optional<StoredRequest> current = Load(txn, target->school_id, target->request_id);
      if (!current) return std::nullopt;
      PARLEY_ASSIGN_OR_RETURN(std::optional<RequestWrite> write,
                              plan.plan(*current, target->kind, t.due, DatabaseNow(txn)));
      if (!write || write->events.empty()) return std::nullopt;
      std::vector<timer::TimerRef> scheduled;
      absl::StatusOr<StoredRequest> stored = AppendIn(txn, current->version, *write, scheduled);
      if (stored.ok()) return std::nullopt;
      const bool moved = absl::IsAborted(stored.status()) && ErrorReason(stored.status()) == reason::kRecordChanged;
      if (!moved || attempt >= max_plan_attempts) return stored.status();
    }
  };
}

}  // namespace parley::appointments
