#include "services/conduct/store/pg_conduct_store.h"

#include <algorithm>
#include <cstdint>
#include <set>
#include <string>
#include <utility>
#include <vector>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_replace.h"
#include "absl/strings/str_split.h"
#include "common/log/log.h"
#include "common/pg/errors.h"
#include "common/pg/idempotency.h"
#include "common/status/reason.h"
#include "common/status/status_macros.h"
#include "common/timer/timer.h"
#include "nlohmann/json.hpp"

namespace parley::conduct {
namespace {

// ---- values in and out -------------------------------------------------------------------------

// Timestamps are sent as UTC text ('' = NULL, via NULLIF in the SQL) and read back as integer
// microseconds, which keeps every conversion exact and zone-free.
std::string TimeParam(absl::Time t) { return absl::FormatTime("%Y-%m-%dT%H:%M:%E6SZ", t, absl::UTCTimeZone()); }
std::string TimeParam(const std::optional<absl::Time>& t) { return t ? TimeParam(*t) : std::string(); }
std::string DateParam(const std::optional<absl::CivilDay>& d) { return d ? absl::FormatCivilTime(*d) : std::string(); }

std::string Micros(absl::string_view column) {
  return absl::StrCat("(EXTRACT(EPOCH FROM ", column, ") * 1000000)::BIGINT");
}

absl::Time TimeAt(const pqxx::field& f) { return absl::FromUnixMicros(f.as<int64_t>()); }
std::optional<absl::Time> OptionalTimeAt(const pqxx::field& f) {
  if (f.is_null()) return std::nullopt;
  return TimeAt(f);
}
std::optional<absl::CivilDay> OptionalDate(const pqxx::field& f) {
  if (f.is_null()) return std::nullopt;
  absl::CivilDay day;
  if (!absl::ParseCivilTime(f.c_str(), &day)) return std::nullopt;
  return day;
}

// Array literals. Text elements are always quoted, so any content survives.
std::string TextArray(const std::vector<std::string>& items) {
  std::string out = "{";
  for (size_t i = 0; i < items.size(); ++i) {
    if (i > 0) out += ',';
    out += '"';
    for (char c : items[i]) {
      if (c == '"' || c == '\\') out += '\\';
      out += c;
    }
    out += '"';
  }
  out += '}';
  return out;
}

template <typename Int>
std::string IntArray(const std::vector<Int>& items) {
  return absl::StrCat("{", absl::StrJoin(items, ","), "}");
}

std::vector<std::string> ParseTextArray(const pqxx::field& f) {
  std::vector<std::string> out;
  if (f.is_null()) return out;
  pqxx::array_parser parser = f.as_array();
  for (auto item = parser.get_next(); item.first != pqxx::array_parser::juncture::done; item = parser.get_next()) {
    if (item.first == pqxx::array_parser::juncture::string_value) out.push_back(item.second);
  }
  return out;
}

std::vector<int64_t> ParseIntArray(const pqxx::field& f) {
  std::vector<int64_t> out;
  for (const std::string& s : ParseTextArray(f)) {
    int64_t v = 0;
    if (absl::SimpleAtoi(s, &v)) out.push_back(v);
  }
  return out;
}

int WeekdayNumber(absl::Weekday d) {
  switch (d) {
    case absl::Weekday::monday:
      return 1;
    case absl::Weekday::tuesday:
      return 2;
    case absl::Weekday::wednesday:
      return 3;
    case absl::Weekday::thursday:
      return 4;
    case absl::Weekday::friday:
      return 5;
    case absl::Weekday::saturday:
      return 6;
    case absl::Weekday::sunday:
      return 7;
  }
  return 1;
}

absl::Weekday WeekdayFromNumber(int64_t n) {
  static constexpr absl::Weekday kDays[] = {absl::Weekday::monday,   absl::Weekday::tuesday, absl::Weekday::wednesday,
                                            absl::Weekday::thursday, absl::Weekday::friday,  absl::Weekday::saturday,
                                            absl::Weekday::sunday};
  return kDays[std::clamp<int64_t>(n, 1, 7) - 1];
}

// ---- arrangement terms: the same seven columns on arrangements, revisions and letters ----------

constexpr char kTermsColumns[] =
    "allowed_channels, allowed_windows, point_of_contact, second_staff, head_informed, off_site_only, reasons";

struct TermsParams {
  std::string channels, windows, contact;
  bool second_staff, head_informed, off_site;
  std::string reasons;
};

TermsParams ToParams(const ArrangementTerms& t) {
  std::vector<int> channels;
  for (Channel c : t.allowed_channels) channels.push_back(static_cast<int>(c));
  std::vector<int> windows;
  for (const TimeWindow& w : t.allowed_windows) {
    windows.push_back(WeekdayNumber(w.day));
    windows.push_back(w.start_minute);
    windows.push_back(w.end_minute);
  }
  return TermsParams{
      IntArray(channels),      IntArray(windows),       t.point_of_contact, t.meeting.second_staff_required,
      t.meeting.head_informed, t.meeting.off_site_only, t.reasons};
}

// Reads the seven terms columns starting at column `first`.
ArrangementTerms TermsFrom(const pqxx::row& r, int first) {
  ArrangementTerms t;
  for (int64_t c : ParseIntArray(r[first])) t.allowed_channels.push_back(static_cast<Channel>(c));
  const std::vector<int64_t> w = ParseIntArray(r[first + 1]);
  for (size_t i = 0; i + 2 < w.size(); i += 3) {
    t.allowed_windows.push_back(
        TimeWindow{WeekdayFromNumber(w[i]), static_cast<int>(w[i + 1]), static_cast<int>(w[i + 2])});
  }
  t.point_of_contact = r[first + 2].c_str();
  t.meeting.second_staff_required = r[first + 3].as<bool>();
  t.meeting.head_informed = r[first + 4].as<bool>();
  t.meeting.off_site_only = r[first + 5].as<bool>();
  t.reasons = r[first + 6].c_str();
  return t;
}

// ---- row mappers -------------------------------------------------------------------------------

const std::string kIncidentColumns =
    absl::StrCat("school_id, id, guardian, kind, channel, ", Micros("occur_time"),
                 ", staff_involved, reported_by, description_ref, outcome, row_version, ", Micros("create_time"), ", ",
                 Micros("update_time"), ", seq, referrals::text");

// Referrals as stored in incidents.referrals (JSONB): [{"recipient", "basis", "role", "immediate"}],
// basis as its number (ReferralBasis).
std::string ReferralsJson(const std::vector<IncidentReferral>& referrals) {
  nlohmann::json out = nlohmann::json::array();
  for (const IncidentReferral& r : referrals) {
    out.push_back({{"recipient", r.recipient},
                   {"basis", static_cast<int>(r.basis)},
                   {"role", r.role},
                   {"immediate", r.immediate}});
  }
  return out.dump();
}

std::vector<IncidentReferral> ReferralsFrom(const pqxx::field& f) {
  std::vector<IncidentReferral> out;
  const nlohmann::json doc = nlohmann::json::parse(f.c_str(), nullptr, /*allow_exceptions=*/false);
  if (!doc.is_array()) return out;
  for (const nlohmann::json& r : doc) {
    IncidentReferral referral;
    referral.recipient = r.value("recipient", "");
    referral.basis = static_cast<ReferralBasis>(r.value("basis", static_cast<int>(ReferralBasis::kStaff)));
    referral.role = r.value("role", "");
    referral.immediate = r.value("immediate", false);
    out.push_back(std::move(referral));
  }
  return out;
}

Incident IncidentFrom(const pqxx::row& r) {
  Incident i;
  i.school_id = r[0].c_str();
  i.id = r[1].c_str();
  i.guardian = r[2].c_str();
  i.kind = static_cast<IncidentKind>(r[3].as<int>());
  i.channel = static_cast<Channel>(r[4].as<int>());
  i.occur_time = TimeAt(r[5]);
  i.staff_involved = ParseTextArray(r[6]);
  i.reported_by = r[7].c_str();
  i.description_ref = r[8].c_str();
  i.outcome = static_cast<IncidentOutcome>(r[9].as<int>());
  i.row_version = r[10].as<int64_t>();
  i.create_time = TimeAt(r[11]);
  i.update_time = TimeAt(r[12]);
  i.referrals = ReferralsFrom(r[14]);
  return i;
}

const std::string kArrangementColumns =
    absl::StrCat("school_id, id, guardian, scope, state, version, ", kTermsColumns, ", ", Micros("start_time"),
                 ", to_char(review_date, 'YYYY-MM-DD'), ", Micros("end_time"),
                 ", letter_id, breach_incident_id, covered_schools, issued_by, ", Micros("issue_time"),
                 ", row_version, ", Micros("create_time"), ", ", Micros("update_time"), ", seq");

Arrangement ArrangementFrom(const pqxx::row& r) {
  Arrangement a;
  a.school_id = r[0].c_str();
  a.id = r[1].c_str();
  a.guardian = r[2].c_str();
  a.scope = static_cast<ArrangementScope>(r[3].as<int>());
  a.state = static_cast<ArrangementState>(r[4].as<int>());
  a.version = r[5].as<int>();
  a.terms = TermsFrom(r, 6);
  a.start_time = OptionalTimeAt(r[13]);
  a.review_date = OptionalDate(r[14]);
  a.end_time = OptionalTimeAt(r[15]);
  a.letter_id = r[16].c_str();
  a.breach_incident_id = r[17].c_str();
  a.covered_schools = ParseTextArray(r[18]);
  a.issued_by = r[19].c_str();
  a.issue_time = OptionalTimeAt(r[20]);
  a.row_version = r[21].as<int64_t>();
  a.create_time = TimeAt(r[22]);
  a.update_time = TimeAt(r[23]);
  return a;
}

const std::string kRevisionColumns =
    absl::StrCat("version, ", kTermsColumns, ", to_char(review_date, 'YYYY-MM-DD'), ", Micros("end_time"),
                 ", breach_incident_id, letter_id, issued_by, ", Micros("issue_time"));

ArrangementRevision RevisionFrom(const pqxx::row& r) {
  ArrangementRevision v;
  v.version = r[0].as<int>();
  v.terms = TermsFrom(r, 1);
  v.review_date = OptionalDate(r[8]).value_or(absl::CivilDay());
  v.end_time = OptionalTimeAt(r[9]);
  v.breach_incident_id = r[10].c_str();
  v.letter_id = r[11].c_str();
  v.issued_by = r[12].c_str();
  v.issue_time = TimeAt(r[13]);
  return v;
}

const std::string kBanColumns = absl::StrCat("school_id, id, guardian, scope, ", Micros("start_time"), ", ",
                                             Micros("end_time"), ", reason, incident_id, ", Micros("revoke_time"),
                                             ", issued_by, row_version, ", Micros("create_time"), ", seq");

PremisesBan BanFrom(const pqxx::row& r) {
  PremisesBan b;
  b.school_id = r[0].c_str();
  b.id = r[1].c_str();
  b.guardian = r[2].c_str();
  b.scope = static_cast<PremisesBanScope>(r[3].as<int>());
  b.start_time = TimeAt(r[4]);
  b.end_time = OptionalTimeAt(r[5]);
  b.reason = r[6].c_str();
  b.incident_id = r[7].c_str();
  b.revoke_time = OptionalTimeAt(r[8]);
  b.issued_by = r[9].c_str();
  b.row_version = r[10].as<int64_t>();
  b.create_time = TimeAt(r[11]);
  return b;
}

const std::string kDecisionColumns = absl::StrCat(
    "school_id, id, guardian, channel, ", Micros("at"),
    ", purpose, safeguarding, marked_abusive, addressed_to, school_event, outcome, requirements, "
    "arrangement_school_id, arrangement_id, arrangement_version, verdicts, allowed_channels, point_of_contact, ",
    Micros("next_allowed_time"), ", premises_ban_school_id, premises_ban_id, explanation, asked_by, ",
    Micros("decide_time"), ", seq, premises_ban_version");

// Verdicts are stored as "school/arrangement/version/outcome".
std::string VerdictText(const Verdict& v) {
  return absl::StrCat(v.arrangement_school_id, "/", v.arrangement_id, "/", v.version, "/", static_cast<int>(v.outcome));
}

DecisionRecord DecisionFrom(const pqxx::row& r) {
  DecisionRecord d;
  d.query.school_id = r[0].c_str();
  d.id = r[1].c_str();
  d.query.guardian = r[2].c_str();
  d.query.channel = static_cast<Channel>(r[3].as<int>());
  d.query.at = TimeAt(r[4]);
  d.query.purpose = static_cast<Purpose>(r[5].as<int>());
  d.query.safeguarding = r[6].as<bool>();
  d.query.marked_abusive = r[7].as<bool>();
  d.query.addressed_to = r[8].c_str();
  d.query.school_event = r[9].as<bool>();
  d.decision.outcome = static_cast<Outcome>(r[10].as<int>());
  for (int64_t q : ParseIntArray(r[11])) d.decision.requirements.push_back(static_cast<MeetingRequirement>(q));
  d.decision.arrangement_school_id = r[12].c_str();
  d.decision.arrangement_id = r[13].c_str();
  d.decision.arrangement_version = r[14].as<int>();
  for (const std::string& text : ParseTextArray(r[15])) {
    std::vector<std::string> parts = absl::StrSplit(text, '/');
    if (parts.size() != 4) continue;
    Verdict v;
    v.arrangement_school_id = parts[0];
    v.arrangement_id = parts[1];
    int version = 0, outcome = 1;
    (void)absl::SimpleAtoi(parts[2], &version);
    (void)absl::SimpleAtoi(parts[3], &outcome);
    v.version = version;
    v.outcome = static_cast<Outcome>(outcome);
    d.decision.verdicts.push_back(std::move(v));
  }
  for (int64_t c : ParseIntArray(r[16])) d.decision.allowed_channels.push_back(static_cast<Channel>(c));
  d.decision.point_of_contact = r[17].c_str();
  d.decision.next_allowed_time = OptionalTimeAt(r[18]);
  d.decision.premises_ban_school_id = r[19].c_str();
  d.decision.premises_ban_id = r[20].c_str();
  d.decision.explanation = r[21].c_str();
  d.asked_by = r[22].c_str();
  d.decide_time = TimeAt(r[23]);
  d.decision.premises_ban_version = r[25].as<int64_t>();
  return d;
}

const std::string kLetterColumns =
    absl::StrCat("l.school_id, l.id, l.guardian, l.kind, l.arrangement_id, l.arrangement_version, ",
                 "l.allowed_channels, l.allowed_windows, l.point_of_contact, l.second_staff, l.head_informed, "
                 "l.off_site_only, l.reasons, to_char(l.review_date, 'YYYY-MM-DD'), ",
                 Micros("l.start_time"), ", ", Micros("l.end_time"), ", l.template_key, ", Micros("l.create_time"),
                 ", ", Micros("o.handed_over_at"), ", l.seq");

Letter LetterFrom(const pqxx::row& r) {
  Letter l;
  l.school_id = r[0].c_str();
  l.id = r[1].c_str();
  l.guardian = r[2].c_str();
  l.kind = static_cast<LetterKind>(r[3].as<int>());
  l.arrangement_id = r[4].c_str();
  l.arrangement_version = r[5].as<int>();
  l.terms = TermsFrom(r, 6);
  l.review_date = OptionalDate(r[13]);
  l.start_time = OptionalTimeAt(r[14]);
  l.end_time = OptionalTimeAt(r[15]);
  l.template_key = r[16].c_str();
  l.create_time = TimeAt(r[17]);
  l.deliver_time = OptionalTimeAt(r[18]);
  l.handed_over = l.deliver_time.has_value();
  return l;
}

// ---- writes ------------------------------------------------------------------------------------

void BumpEpoch(pqxx::work& txn) { txn.exec("UPDATE gate_epoch SET epoch = epoch + 1"); }

void InsertOutbox(pqxx::work& txn, const OutboxNotice& n) {
  txn.exec_params(
      "INSERT INTO outbox (key, kind, school_id, notice, not_before) VALUES ($1, $2, $3, $4::jsonb, $5::timestamptz)",
      n.key, n.kind, n.school_id, n.notice_json, TimeParam(n.not_before));
}

void InsertLetter(pqxx::work& txn, const Letter& l) {
  const TermsParams t = ToParams(l.terms);
  txn.exec_params(absl::StrCat("INSERT INTO letters (school_id, id, guardian, kind, arrangement_id, "
                               "arrangement_version, ",
                               kTermsColumns,
                               ", review_date, start_time, end_time, template_key) VALUES ($1, $2, $3, $4, $5, $6, "
                               "$7::smallint[], $8::int[], $9, $10, $11, $12, $13, NULLIF($14, '')::date, "
                               "NULLIF($15, '')::timestamptz, NULLIF($16, '')::timestamptz, $17)"),
                  l.school_id, l.id, l.guardian, static_cast<int>(l.kind), l.arrangement_id, l.arrangement_version,
                  t.channels, t.windows, t.contact, t.second_staff, t.head_informed, t.off_site, t.reasons,
                  DateParam(l.review_date), TimeParam(l.start_time), TimeParam(l.end_time), l.template_key);
}

void InsertRevision(pqxx::work& txn, const std::string& school_id, const std::string& id,
                    const ArrangementRevision& v) {
  const TermsParams t = ToParams(v.terms);
  txn.exec_params(absl::StrCat("INSERT INTO arrangement_revisions (school_id, arrangement_id, version, ", kTermsColumns,
                               ", review_date, end_time, breach_incident_id, letter_id, issued_by, issue_time) "
                               "VALUES ($1, $2, $3, $4::smallint[], $5::int[], $6, $7, $8, $9, $10, $11::date, "
                               "NULLIF($12, '')::timestamptz, $13, $14, $15, $16::timestamptz)"),
                  school_id, id, v.version, t.channels, t.windows, t.contact, t.second_staff, t.head_informed,
                  t.off_site, t.reasons, absl::FormatCivilTime(v.review_date), TimeParam(v.end_time),
                  v.breach_incident_id, v.letter_id, v.issued_by, TimeParam(v.issue_time));
}

absl::Time DatabaseNow(pqxx::work& txn) {
  return TimeAt(txn.exec1("SELECT (EXTRACT(EPOCH FROM clock_timestamp()) * 1000000)::BIGINT")[0]);
}

absl::Status NotFoundIn(absl::string_view what, const std::string& school_id, const std::string& id) {
  return NotFound(absl::StrCat(what, "_NOT_FOUND"),
                  absl::StrCat("no ", absl::StrReplaceAll(what, {{"_", " "}}), " ", id, " at school ", school_id));
}

template <typename T, typename Mapper>
Page<T> PageFrom(const pqxx::result& rows, const PageQuery& q, Mapper map, int seq_column) {
  Page<T> page;
  for (const pqxx::row& r : rows) {
    if (static_cast<int>(page.items.size()) == q.size) {
      page.next_before_seq = rows[q.size - 1][seq_column].as<int64_t>();
      break;
    }
    page.items.push_back(map(r));
  }
  return page;
}

std::string SeqBound(const PageQuery& q) {
  return q.before_seq > 0 ? std::to_string(q.before_seq) : std::to_string(INT64_MAX);
}

}  // namespace

absl::Status PgConductStore::Ping() { return pool_->Ping(); }

absl::StatusOr<int64_t> PgConductStore::GateEpoch() {
  int64_t epoch = 0;
  PARLEY_RETURN_IF_ERROR(pool_->Read([&](pqxx::work& txn) -> absl::Status {
    epoch = txn.exec1("SELECT epoch FROM gate_epoch")[0].as<int64_t>();
    return absl::OkStatus();
  }));
  return epoch;
}

absl::StatusOr<GateData> PgConductStore::LoadGateData(absl::Time incidents_since) {
  GateData data;
  PARLEY_RETURN_IF_ERROR(pool_->Read([&](pqxx::work& txn) -> absl::Status {
    // One snapshot for all three reads, so the epoch matches what was loaded.
    txn.exec("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ");
    data = GateData();
    data.epoch = txn.exec1("SELECT epoch FROM gate_epoch")[0].as<int64_t>();
    for (const pqxx::row& r : txn.exec(absl::StrCat("SELECT ", kArrangementColumns,
                                                    " FROM arrangements WHERE state IN (2, 3) AND "
                                                    "(end_time IS NULL OR end_time > now() - interval '1 day')"))) {
      data.arrangements.push_back(ArrangementFrom(r));
    }
    for (const pqxx::row& r :
         txn.exec(absl::StrCat("SELECT ", kBanColumns,
                               " FROM premises_bans WHERE COALESCE(LEAST(end_time, revoke_time), 'infinity') > "
                               "now() - interval '1 day'"))) {
      data.bans.push_back(BanFrom(r));
    }
    for (const pqxx::row& r : txn.exec_params(
             absl::StrCat("SELECT school_id, guardian, ", Micros("max(occur_time)"),
                          " FROM incidents WHERE occur_time >= $1::timestamptz GROUP BY school_id, guardian"),
             TimeParam(incidents_since))) {
      data.recent_incidents.push_back(GateData::LastIncident{r[0].c_str(), r[1].c_str(), TimeAt(r[2])});
    }
    return absl::OkStatus();
  }));
  return data;
}

absl::StatusOr<std::vector<bool>> PgConductStore::RecordDecisions(const std::vector<DecisionRecord>& records) {
  std::vector<bool> stored(records.size(), false);
  if (records.empty()) return stored;
  // One multi-row INSERT per batch, atomic by itself, so no BEGIN/COMMIT round trips around it:
  // the gate's audit trail costs one round trip per group.
  PARLEY_RETURN_IF_ERROR(pool_->Autocommit([&](pqxx::nontransaction& txn) -> absl::Status {
    std::string sql =
        "INSERT INTO decisions (school_id, id, guardian, channel, at, purpose, safeguarding, marked_abusive, "
        "addressed_to, school_event, outcome, requirements, arrangement_school_id, arrangement_id, "
        "arrangement_version, verdicts, allowed_channels, point_of_contact, next_allowed_time, "
        "premises_ban_school_id, premises_ban_id, explanation, asked_by, decide_time, premises_ban_version) VALUES ";
    for (size_t i = 0; i < records.size(); ++i) {
      const DecisionRecord& d = records[i];
      std::vector<int> requirements, channels;
      for (MeetingRequirement m : d.decision.requirements) requirements.push_back(static_cast<int>(m));
      for (Channel c : d.decision.allowed_channels) channels.push_back(static_cast<int>(c));
      std::vector<std::string> verdicts;
      for (const Verdict& v : d.decision.verdicts) verdicts.push_back(VerdictText(v));
      const std::string next = TimeParam(d.decision.next_allowed_time);
      absl::StrAppend(&sql, i > 0 ? "," : "", "(", txn.quote(d.query.school_id), ",", txn.quote(d.id), ",",
                      txn.quote(d.query.guardian), ",", static_cast<int>(d.query.channel), ",",
                      txn.quote(TimeParam(d.query.at)), "::timestamptz,", static_cast<int>(d.query.purpose), ",",
                      d.query.safeguarding ? "TRUE" : "FALSE", ",", d.query.marked_abusive ? "TRUE" : "FALSE", ",",
                      txn.quote(d.query.addressed_to), ",", d.query.school_event ? "TRUE" : "FALSE", ",",
                      static_cast<int>(d.decision.outcome), ",", txn.quote(IntArray(requirements)), "::smallint[],",
                      txn.quote(d.decision.arrangement_school_id), ",", txn.quote(d.decision.arrangement_id), ",",
                      d.decision.arrangement_version, ",", txn.quote(TextArray(verdicts)), "::text[],",
                      txn.quote(IntArray(channels)), "::smallint[],", txn.quote(d.decision.point_of_contact), ",",
                      next.empty() ? "NULL" : absl::StrCat(txn.quote(next), "::timestamptz"), ",",
                      txn.quote(d.decision.premises_ban_school_id), ",", txn.quote(d.decision.premises_ban_id), ",",
                      txn.quote(d.decision.explanation), ",", txn.quote(d.asked_by), ",",
                      txn.quote(TimeParam(d.decide_time)), "::timestamptz,", d.decision.premises_ban_version, ")");
    }
    // A keyed check's id is derived from its key: a copy already stored is skipped, and RETURNING
    // names only the records this statement stored.
    absl::StrAppend(&sql, " ON CONFLICT (school_id, id) DO NOTHING RETURNING school_id, id");
    std::set<std::pair<std::string, std::string>> inserted;
    for (const pqxx::row& r : txn.exec(sql)) inserted.emplace(r[0].as<std::string>(), r[1].as<std::string>());
    for (size_t i = 0; i < records.size(); ++i) {
      stored[i] = inserted.count({records[i].query.school_id, records[i].id}) > 0;
    }
    return absl::OkStatus();
  }));
  return stored;
}

absl::StatusOr<DecisionRecord> PgConductStore::GetDecision(const std::string& school_id, const std::string& id) {
  std::optional<DecisionRecord> found;
  PARLEY_RETURN_IF_ERROR(pool_->Read([&](pqxx::work& txn) -> absl::Status {
    pqxx::result r = txn.exec_params(
        absl::StrCat("SELECT ", kDecisionColumns, " FROM decisions WHERE school_id = $1 AND id = $2"), school_id, id);
    if (!r.empty()) found = DecisionFrom(r[0]);
    return absl::OkStatus();
  }));
  if (!found) return NotFoundIn("DECISION", school_id, id);
  return *std::move(found);
}

absl::StatusOr<Page<DecisionRecord>> PgConductStore::ListDecisions(const std::string& school_id,
                                                                   const std::string& guardian,
                                                                   std::optional<Outcome> outcome, PageQuery page) {
  Page<DecisionRecord> out;
  PARLEY_RETURN_IF_ERROR(pool_->Read([&](pqxx::work& txn) -> absl::Status {
    pqxx::result rows = txn.exec_params(
        absl::StrCat("SELECT ", kDecisionColumns,
                     " FROM decisions WHERE school_id = $1 AND ($2 = '' OR guardian = $2) AND ($3 = 0 OR outcome = $3) "
                     "AND seq < $4::bigint ORDER BY seq DESC LIMIT $5"),
        school_id, guardian, outcome ? static_cast<int>(*outcome) : 0, SeqBound(page), page.size + 1);
    out = PageFrom<DecisionRecord>(rows, page, DecisionFrom, 24);
    return absl::OkStatus();
  }));
  return out;
}

// ---- incidents ---------------------------------------------------------------------------------

absl::StatusOr<WriteResult> PgConductStore::CreateIncident(const RequestKey& key, const Incident& i,
                                                           const std::vector<OutboxNotice>& notices,
                                                           const Encoder<Incident>& encode) {
  return pg::RunIdempotentInto<WriteResult>(
      *pool_, key, [&](pqxx::work& txn, WriteResult&) -> absl::StatusOr<std::string> {
        pqxx::row r = txn.exec_params1(
            absl::StrCat("INSERT INTO incidents (school_id, id, guardian, kind, channel, occur_time, staff_involved, "
                         "reported_by, description_ref, outcome, referrals) VALUES ($1, $2, $3, $4, $5, "
                         "$6::timestamptz, $7::text[], $8, $9, $10, $11::jsonb) RETURNING ",
                         kIncidentColumns),
            i.school_id, i.id, i.guardian, static_cast<int>(i.kind), static_cast<int>(i.channel),
            TimeParam(i.occur_time), TextArray(i.staff_involved), i.reported_by, i.description_ref,
            static_cast<int>(i.outcome), ReferralsJson(i.referrals));
        // The referrals' notices commit with the incident or not at all.
        for (const OutboxNotice& n : notices) InsertOutbox(txn, n);
        BumpEpoch(txn);
        return encode(IncidentFrom(r));
      });
}

absl::StatusOr<Incident> PgConductStore::GetIncident(const std::string& school_id, const std::string& id) {
  std::optional<Incident> found;
  PARLEY_RETURN_IF_ERROR(pool_->Read([&](pqxx::work& txn) -> absl::Status {
    pqxx::result r = txn.exec_params(
        absl::StrCat("SELECT ", kIncidentColumns, " FROM incidents WHERE school_id = $1 AND id = $2"), school_id, id);
    if (!r.empty()) found = IncidentFrom(r[0]);
    return absl::OkStatus();
  }));
  if (!found) return NotFoundIn("INCIDENT", school_id, id);
  return *std::move(found);
}

absl::StatusOr<Page<Incident>> PgConductStore::ListIncidents(const std::string& school_id, const std::string& guardian,
                                                             PageQuery page) {
  Page<Incident> out;
  PARLEY_RETURN_IF_ERROR(pool_->Read([&](pqxx::work& txn) -> absl::Status {
    pqxx::result rows = txn.exec_params(
        absl::StrCat("SELECT ", kIncidentColumns,
                     " FROM incidents WHERE school_id = $1 AND ($2 = '' OR guardian = $2) AND seq < $3::bigint "
                     "ORDER BY seq DESC LIMIT $4"),
        school_id, guardian, SeqBound(page), page.size + 1);
    out = PageFrom<Incident>(rows, page, IncidentFrom, 13);
    return absl::OkStatus();
  }));
  return out;
}

absl::StatusOr<WriteResult> PgConductStore::UpdateIncident(const RequestKey& key, const std::string& school_id,
                                                           const std::string& id, const IncidentPlan& plan,
                                                           const Encoder<Incident>& encode) {
  return pg::RunIdempotentInto<WriteResult>(
      *pool_, key, [&](pqxx::work& txn, WriteResult&) -> absl::StatusOr<std::string> {
        pqxx::result cur = txn.exec_params(
            absl::StrCat("SELECT ", kIncidentColumns, " FROM incidents WHERE school_id = $1 AND id = $2 FOR UPDATE"),
            school_id, id);
        if (cur.empty()) return NotFoundIn("INCIDENT", school_id, id);
        const Incident current = IncidentFrom(cur[0]);
        PARLEY_ASSIGN_OR_RETURN(Incident next, plan(current));
        pqxx::row r = txn.exec_params1(
            absl::StrCat(
                "UPDATE incidents SET kind = $3, channel = $4, occur_time = $5::timestamptz, "
                "staff_involved = $6::text[], description_ref = $7, outcome = $8, row_version = row_version + 1, "
                "update_time = now() WHERE school_id = $1 AND id = $2 AND row_version = $9 RETURNING ",
                kIncidentColumns),
            school_id, id, static_cast<int>(next.kind), static_cast<int>(next.channel), TimeParam(next.occur_time),
            TextArray(next.staff_involved), next.description_ref, static_cast<int>(next.outcome), current.row_version);
        BumpEpoch(txn);
        return encode(IncidentFrom(r));
      });
}

// ---- arrangements ------------------------------------------------------------------------------

namespace {

pqxx::row WriteArrangement(pqxx::work& txn, const Arrangement& a, bool insert, int64_t expected_row_version) {
  const TermsParams t = ToParams(a.terms);
  const std::string values =
      "$3, $4, $5, $6, $7::smallint[], $8::int[], $9, $10, $11, $12, $13, NULLIF($14, '')::timestamptz, "
      "NULLIF($15, '')::date, NULLIF($16, '')::timestamptz, $17, $18, $19::text[], $20, NULLIF($21, '')::timestamptz";
  const std::string sql =
      insert ? absl::StrCat("INSERT INTO arrangements (school_id, id, guardian, scope, state, version, ", kTermsColumns,
                            ", start_time, review_date, end_time, letter_id, breach_incident_id, covered_schools, "
                            "issued_by, issue_time) VALUES ($1, $2, ",
                            values, ") RETURNING ", kArrangementColumns)
             : absl::StrCat("UPDATE arrangements SET (guardian, scope, state, version, ", kTermsColumns,
                            ", start_time, review_date, end_time, letter_id, breach_incident_id, covered_schools, "
                            "issued_by, issue_time) = (",
                            values,
                            "), row_version = row_version + 1, update_time = now() WHERE school_id = $1 AND id = $2 "
                            "AND row_version = $22 RETURNING ",
                            kArrangementColumns);
  const std::string start = TimeParam(a.start_time), review = DateParam(a.review_date), end = TimeParam(a.end_time),
                    issue = TimeParam(a.issue_time), covered = TextArray(a.covered_schools);
  if (insert) {
    return txn.exec_params1(sql, a.school_id, a.id, a.guardian, static_cast<int>(a.scope), static_cast<int>(a.state),
                            a.version, t.channels, t.windows, t.contact, t.second_staff, t.head_informed, t.off_site,
                            t.reasons, start, review, end, a.letter_id, a.breach_incident_id, covered, a.issued_by,
                            issue);
  }
  return txn.exec_params1(sql, a.school_id, a.id, a.guardian, static_cast<int>(a.scope), static_cast<int>(a.state),
                          a.version, t.channels, t.windows, t.contact, t.second_staff, t.head_informed, t.off_site,
                          t.reasons, start, review, end, a.letter_id, a.breach_incident_id, covered, a.issued_by, issue,
                          expected_row_version);
}

}  // namespace

absl::StatusOr<WriteResult> PgConductStore::CreateArrangement(const RequestKey& key, const Arrangement& a,
                                                              const Encoder<Arrangement>& encode) {
  return pg::RunIdempotentInto<WriteResult>(
      *pool_, key, [&](pqxx::work& txn, WriteResult&) -> absl::StatusOr<std::string> {
        return encode(ArrangementFrom(WriteArrangement(txn, a, /*insert=*/true, 0)));
      });
}

absl::StatusOr<Arrangement> PgConductStore::GetArrangement(const std::string& school_id, const std::string& id) {
  std::optional<Arrangement> found;
  PARLEY_RETURN_IF_ERROR(pool_->Read([&](pqxx::work& txn) -> absl::Status {
    pqxx::result r = txn.exec_params(
        absl::StrCat("SELECT ", kArrangementColumns, " FROM arrangements WHERE school_id = $1 AND id = $2"), school_id,
        id);
    if (!r.empty()) found = ArrangementFrom(r[0]);
    return absl::OkStatus();
  }));
  if (!found) return NotFoundIn("ARRANGEMENT", school_id, id);
  return *std::move(found);
}

absl::StatusOr<Page<Arrangement>> PgConductStore::ListArrangements(const std::string& school_id,
                                                                   const std::string& guardian, PageQuery page) {
  Page<Arrangement> out;
  PARLEY_RETURN_IF_ERROR(pool_->Read([&](pqxx::work& txn) -> absl::Status {
    pqxx::result rows = txn.exec_params(
        absl::StrCat("SELECT ", kArrangementColumns,
                     " FROM arrangements WHERE (school_id = $1 OR (scope = 2 AND $1 = ANY(covered_schools))) "
                     "AND ($2 = '' OR guardian = $2) AND seq < $3::bigint ORDER BY seq DESC LIMIT $4"),
        school_id, guardian, SeqBound(page), page.size + 1);
    out = PageFrom<Arrangement>(rows, page, ArrangementFrom, 24);
    return absl::OkStatus();
  }));
  return out;
}

absl::StatusOr<std::vector<Arrangement>> PgConductStore::ListGuardianArrangements(const std::string& guardian) {
  std::vector<Arrangement> out;
  PARLEY_RETURN_IF_ERROR(pool_->Read([&](pqxx::work& txn) -> absl::Status {
    out.clear();
    for (const pqxx::row& r :
         txn.exec_params(absl::StrCat("SELECT ", kArrangementColumns,
                                      " FROM arrangements WHERE guardian = $1 AND state IN (2, 3) ORDER BY seq DESC"),
                         guardian)) {
      out.push_back(ArrangementFrom(r));
    }
    return absl::OkStatus();
  }));
  return out;
}

absl::StatusOr<std::vector<ArrangementRevision>> PgConductStore::ListRevisions(const std::string& school_id,
                                                                               const std::string& id) {
  std::vector<ArrangementRevision> out;
  PARLEY_RETURN_IF_ERROR(pool_->Read([&](pqxx::work& txn) -> absl::Status {
    out.clear();
    for (const pqxx::row& r :
         txn.exec_params(absl::StrCat("SELECT ", kRevisionColumns,
                                      " FROM arrangement_revisions WHERE school_id = $1 AND arrangement_id = $2 "
                                      "ORDER BY version"),
                         school_id, id)) {
      out.push_back(RevisionFrom(r));
    }
    return absl::OkStatus();
  }));
  return out;
}

absl::StatusOr<WriteResult> PgConductStore::MutateArrangement(const RequestKey& key, const std::string& school_id,
                                                              const std::string& id, const ArrangementPlan& plan,
                                                              const Encoder<Arrangement>& encode) {
  return pg::RunIdempotentInto<WriteResult>(
      *pool_, key, [&](pqxx::work& txn, WriteResult& result) -> absl::StatusOr<std::string> {
        pqxx::result cur =
            txn.exec_params(absl::StrCat("SELECT ", kArrangementColumns,
                                         " FROM arrangements WHERE school_id = $1 AND id = $2 FOR UPDATE"),
                            school_id, id);
        if (cur.empty()) return NotFoundIn("ARRANGEMENT", school_id, id);
        const Arrangement current = ArrangementFrom(cur[0]);
        PARLEY_ASSIGN_OR_RETURN(ArrangementChange change, plan(current, DatabaseNow(txn)));
        if (change.letter.has_value() != change.notice.has_value()) {
          return absl::InternalError("a letter must be written with its outbox notice");
        }
        if (change.letter) {
          InsertLetter(txn, *change.letter);
          InsertOutbox(txn, *change.notice);
        }
        pqxx::row written = WriteArrangement(txn, change.updated, /*insert=*/false, current.row_version);
        if (change.new_revision) InsertRevision(txn, school_id, id, *change.new_revision);
        if (change.cancel) PARLEY_RETURN_IF_ERROR(timer::Cancel(txn, change.cancel->first, change.cancel->second));
        if (change.schedule) {
          PARLEY_ASSIGN_OR_RETURN(timer::TimerRef ref, timer::Schedule(txn, *change.schedule));
          result.timers.push_back(ref);
        }
        BumpEpoch(txn);
        return encode(ArrangementFrom(written));
      });
}

namespace {

// The arrangement moves to UNDER_REVIEW only if it is still issued at the plan's version and
// review date; false (nothing changed) otherwise: the timer is then simply spent.
bool ApplyReviewPlan(pqxx::work& txn, const ReviewPlan& plan) {
  pqxx::result r = txn.exec_params(
      "UPDATE arrangements SET state = 3, row_version = row_version + 1, update_time = now() "
      "WHERE school_id = $1 AND id = $2 AND state = 2 AND version = $3 AND review_date = $4::date "
      "AND (end_time IS NULL OR end_time > now()) RETURNING id",
      plan.school_id, plan.arrangement_id, plan.version, absl::FormatCivilTime(plan.review_date));
  if (r.empty()) return false;
  // ON CONFLICT: a reminder already written for this review is not written twice.
  const OutboxNotice& reminder = plan.reminder;
  txn.exec_params(
      "INSERT INTO outbox (key, kind, school_id, notice, not_before) VALUES ($1, $2, $3, $4::jsonb, $5::timestamptz) "
      "ON CONFLICT (key) DO NOTHING",
      reminder.key, reminder.kind, reminder.school_id, reminder.notice_json, TimeParam(reminder.not_before));
  BumpEpoch(txn);
  return true;
}

}  // namespace

absl::StatusOr<bool> PgConductStore::MarkUnderReview(const ReviewPlan& plan) {
  bool marked = false;
  PARLEY_RETURN_IF_ERROR(pool_->TransactWithRetry([&](pqxx::work& txn) -> absl::Status {
    marked = ApplyReviewPlan(txn, plan);
    return absl::OkStatus();
  }));
  return marked;
}

timer::Handler PgConductStore::ReviewTimerHandler(ReviewPlanner plan) {
  return [plan = std::move(plan)](pqxx::work& txn, const timer::Timer& t) -> absl::StatusOr<std::optional<absl::Time>> {
    PARLEY_ASSIGN_OR_RETURN(ReviewPlan p, plan(t));
    switch (p.action) {
      case ReviewPlan::Action::kNothing:
        return std::nullopt;
      case ReviewPlan::Action::kRearm:
        return p.rearm_at;
      case ReviewPlan::Action::kMarkUnderReview:
        if (ApplyReviewPlan(txn, p)) {
          log::Info("arrangement_review_due", {{"school", p.school_id}, {"arrangement", p.arrangement_id}});
        }
        return std::nullopt;
    }
    return std::nullopt;
  };
}

// ---- premises bans -----------------------------------------------------------------------------

absl::StatusOr<WriteResult> PgConductStore::CreateBan(const RequestKey& key, const PremisesBan& b,
                                                      const Encoder<PremisesBan>& encode) {
  return pg::RunIdempotentInto<WriteResult>(
      *pool_, key, [&](pqxx::work& txn, WriteResult&) -> absl::StatusOr<std::string> {
        pqxx::row r = txn.exec_params1(
            absl::StrCat(
                "INSERT INTO premises_bans (school_id, id, guardian, scope, start_time, end_time, reason, "
                "incident_id, issued_by) VALUES ($1, $2, $3, $4, $5::timestamptz, NULLIF($6, '')::timestamptz, "
                "$7, $8, $9) RETURNING ",
                kBanColumns),
            b.school_id, b.id, b.guardian, static_cast<int>(b.scope), TimeParam(b.start_time), TimeParam(b.end_time),
            b.reason, b.incident_id, b.issued_by);
        BumpEpoch(txn);
        return encode(BanFrom(r));
      });
}

absl::StatusOr<PremisesBan> PgConductStore::GetBan(const std::string& school_id, const std::string& id) {
  std::optional<PremisesBan> found;
  PARLEY_RETURN_IF_ERROR(pool_->Read([&](pqxx::work& txn) -> absl::Status {
    pqxx::result r = txn.exec_params(
        absl::StrCat("SELECT ", kBanColumns, " FROM premises_bans WHERE school_id = $1 AND id = $2"), school_id, id);
    if (!r.empty()) found = BanFrom(r[0]);
    return absl::OkStatus();
  }));
  if (!found) return NotFoundIn("PREMISES_BAN", school_id, id);
  return *std::move(found);
}

absl::StatusOr<Page<PremisesBan>> PgConductStore::ListBans(const std::string& school_id, const std::string& guardian,
                                                           PageQuery page) {
  Page<PremisesBan> out;
  PARLEY_RETURN_IF_ERROR(pool_->Read([&](pqxx::work& txn) -> absl::Status {
    pqxx::result rows = txn.exec_params(
        absl::StrCat("SELECT ", kBanColumns,
                     " FROM premises_bans WHERE school_id = $1 AND ($2 = '' OR guardian = $2) AND seq < $3::bigint "
                     "ORDER BY seq DESC LIMIT $4"),
        school_id, guardian, SeqBound(page), page.size + 1);
    out = PageFrom<PremisesBan>(rows, page, BanFrom, 12);
    return absl::OkStatus();
  }));
  return out;
}

absl::StatusOr<WriteResult> PgConductStore::MutateBan(const RequestKey& key, const std::string& school_id,
                                                      const std::string& id, const BanPlan& plan,
                                                      const Encoder<PremisesBan>& encode) {
  return pg::RunIdempotentInto<WriteResult>(
      *pool_, key, [&](pqxx::work& txn, WriteResult&) -> absl::StatusOr<std::string> {
        pqxx::result cur = txn.exec_params(
            absl::StrCat("SELECT ", kBanColumns, " FROM premises_bans WHERE school_id = $1 AND id = $2 FOR UPDATE"),
            school_id, id);
        if (cur.empty()) return NotFoundIn("PREMISES_BAN", school_id, id);
        const PremisesBan current = BanFrom(cur[0]);
        PARLEY_ASSIGN_OR_RETURN(PremisesBan next, plan(current, DatabaseNow(txn)));
        pqxx::row r =
            txn.exec_params1(absl::StrCat("UPDATE premises_bans SET end_time = NULLIF($3, '')::timestamptz, "
                                          "revoke_time = NULLIF($4, '')::timestamptz, row_version = row_version + 1 "
                                          "WHERE school_id = $1 AND id = $2 AND row_version = $5 RETURNING ",
                                          kBanColumns),
                             school_id, id, TimeParam(next.end_time), TimeParam(next.revoke_time), current.row_version);
        BumpEpoch(txn);
        return encode(BanFrom(r));
      });
}

// ---- letters -----------------------------------------------------------------------------------

absl::StatusOr<Letter> PgConductStore::GetLetter(const std::string& school_id, const std::string& id) {
  std::optional<Letter> found;
  PARLEY_RETURN_IF_ERROR(pool_->Read([&](pqxx::work& txn) -> absl::Status {
    pqxx::result r = txn.exec_params(
        absl::StrCat("SELECT ", kLetterColumns,
                     " FROM letters l LEFT JOIN outbox o ON o.key = 'conduct/letter/' || l.school_id || '/' || l.id "
                     "WHERE l.school_id = $1 AND l.id = $2"),
        school_id, id);
    if (!r.empty()) found = LetterFrom(r[0]);
    return absl::OkStatus();
  }));
  if (!found) return NotFoundIn("LETTER", school_id, id);
  return *std::move(found);
}

absl::StatusOr<Page<Letter>> PgConductStore::ListLetters(const std::string& school_id, const std::string& guardian,
                                                         PageQuery page) {
  Page<Letter> out;
  PARLEY_RETURN_IF_ERROR(pool_->Read([&](pqxx::work& txn) -> absl::Status {
    pqxx::result rows = txn.exec_params(
        absl::StrCat("SELECT ", kLetterColumns,
                     " FROM letters l LEFT JOIN outbox o ON o.key = 'conduct/letter/' || l.school_id || '/' || l.id "
                     "WHERE l.school_id = $1 AND ($2 = '' OR l.guardian = $2) AND l.seq < $3::bigint "
                     "ORDER BY l.seq DESC LIMIT $4"),
        school_id, guardian, SeqBound(page), page.size + 1);
    out = PageFrom<Letter>(rows, page, LetterFrom, 19);
    return absl::OkStatus();
  }));
  return out;
}

absl::StatusOr<int64_t> PgConductStore::PendingOutboxCount() {
  int64_t n = 0;
  PARLEY_RETURN_IF_ERROR(pool_->Read([&](pqxx::work& txn) -> absl::Status {
    n = txn.exec1("SELECT count(*) FROM outbox WHERE handed_over_at IS NULL")[0].as<int64_t>();
    return absl::OkStatus();
  }));
  return n;
}

// ---- reporting ---------------------------------------------------------------------------------

absl::StatusOr<ConductStore::Stats> PgConductStore::GetSchoolStats(const std::string& school_id, absl::Time start,
                                                                   absl::Time end, absl::Time as_of,
                                                                   absl::CivilDay review_day) {
  Stats s;
  const std::string from = TimeParam(start), to = TimeParam(end), at = TimeParam(as_of);
  const std::string review_before = absl::FormatCivilTime(review_day);
  PARLEY_RETURN_IF_ERROR(pool_->Read([&](pqxx::work& txn) -> absl::Status {
    txn.exec("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ");
    s = Stats();
    for (const pqxx::row& r : txn.exec_params(
             "SELECT kind, count(*) FROM incidents WHERE school_id = $1 AND occur_time >= $2::timestamptz AND "
             "occur_time < $3::timestamptz GROUP BY kind ORDER BY kind",
             school_id, from, to)) {
      s.incidents_by_kind.emplace_back(static_cast<IncidentKind>(r[0].as<int>()), r[1].as<int64_t>());
    }
    pqxx::row a = txn.exec_params1(
        "SELECT "
        "  (SELECT count(*) FROM arrangement_revisions WHERE school_id = $1 AND version = 1 AND "
        "     issue_time >= $2::timestamptz AND issue_time < $3::timestamptz), "
        "  (SELECT count(*) FROM arrangement_revisions WHERE school_id = $1 AND version > 1 AND "
        "     issue_time >= $2::timestamptz AND issue_time < $3::timestamptz), "
        "  (SELECT count(*) FROM arrangements WHERE school_id = $1 AND state IN (2, 3) AND "
        "     start_time < $3::timestamptz AND (end_time IS NULL OR end_time >= $3::timestamptz)), "
        "  (SELECT count(*) FROM premises_bans WHERE school_id = $1 AND start_time >= $2::timestamptz AND "
        "     start_time < $3::timestamptz), "
        "  (SELECT count(*) FROM premises_bans WHERE school_id = $1 AND start_time < $3::timestamptz AND "
        "     COALESCE(LEAST(end_time, revoke_time), 'infinity') >= $3::timestamptz), "
        "  (SELECT count(*) FROM arrangements WHERE school_id = $1 AND state IN (2, 3) AND "
        "     start_time < $4::timestamptz AND (end_time IS NULL OR end_time >= $4::timestamptz) AND "
        "     review_date < $5::date)",
        school_id, from, to, at, review_before);
    s.arrangements_issued = a[0].as<int64_t>();
    s.tightenings = a[1].as<int64_t>();
    s.arrangements_active = a[2].as<int64_t>();
    s.bans_started = a[3].as<int64_t>();
    s.bans_active = a[4].as<int64_t>();
    s.arrangements_past_review = a[5].as<int64_t>();
    for (const pqxx::row& r : txn.exec_params(
             "SELECT outcome, count(*) FROM decisions WHERE school_id = $1 AND decide_time >= $2::timestamptz AND "
             "decide_time < $3::timestamptz GROUP BY outcome ORDER BY outcome",
             school_id, from, to)) {
      s.decisions_by_outcome.emplace_back(static_cast<Outcome>(r[0].as<int>()), r[1].as<int64_t>());
    }
    return absl::OkStatus();
  }));
  return s;
}

}  // namespace parley::conduct
