#include "services/notifications/store/pg_notification_store.h"

#include <algorithm>
#include <utility>

#include "absl/random/random.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_split.h"
#include "common/pg/idempotency.h"
#include "common/pg/sql_values.h"
#include "common/status/reason.h"
#include "common/status/status_macros.h"
#include "nlohmann/json.hpp"

namespace parley::notifications {
namespace {

using json = nlohmann::json;

using pg::Micros;
using pg::ParseTextArray;
using pg::TextArray;
using pg::TimeAt;
using pg::TimeParam;
std::optional<absl::Time> OptTimeAt(const pqxx::field& f) { return pg::OptionalTimeAt(f); }

std::string NewEtag() {
  thread_local absl::BitGen gen;
  return absl::StrFormat("%016x", absl::Uniform<uint64_t>(gen));
}

std::string DeliveryKey(const std::string& scope, const std::string& notice, int message, DeliveryChannel c) {
  return absl::StrCat(scope.empty() ? "trust" : scope, ".", notice, ".", message, ".", ChannelWord(c));
}

// ---- JSON forms of the structured columns ----------------------------------------------------

json AudienceJson(const Audience& a) {
  json pupils = json::array(), staff = json::array();
  for (const auto& [s, p] : a.pupils) pupils.push_back({s, p});
  for (const auto& [s, m] : a.staff) staff.push_back({s, m});
  return {{"kind", static_cast<int>(a.kind)},
          {"schools", a.school_ids},
          {"year_groups", a.year_groups},
          {"classes", a.classes},
          {"pupils", pupils},
          {"guardians", a.guardian_ids},
          {"staff", staff},
          {"staff_roles", a.staff_roles}};
}

Audience AudienceFrom(const json& j) {
  Audience a;
  a.kind = static_cast<AudienceKind>(j.value("kind", 0));
  a.school_ids = j.value("schools", std::vector<std::string>{});
  a.year_groups = j.value("year_groups", std::vector<int>{});
  a.classes = j.value("classes", std::vector<std::string>{});
  for (const json& p : j.value("pupils", json::array()))
    a.pupils.emplace_back(p[0].get<std::string>(), p[1].get<std::string>());
  a.guardian_ids = j.value("guardians", std::vector<std::string>{});
  for (const json& m : j.value("staff", json::array()))
    a.staff.emplace_back(m[0].get<std::string>(), m[1].get<std::string>());
  a.staff_roles = j.value("staff_roles", std::vector<std::string>{});
  return a;
}

json RequestJson(const NoticeRequest& r) {
  json content = json::array();
  for (const LocalizedContent& c : r.content) {
    content.push_back({{"locale", c.locale}, {"subject", c.subject}, {"body", c.body}, {"sms_body", c.sms_body}});
  }
  json j = {{"audience", AudienceJson(r.audience)},
            {"template", r.template_id},
            {"variables", r.variables},
            {"content", content},
            {"source", r.source}};
  if (r.event_date) j["event_date"] = absl::FormatCivilTime(*r.event_date);
  if (r.not_before) j["not_before"] = absl::ToUnixMicros(*r.not_before);
  return j;
}

NoticeRequest RequestFrom(const json& j) {
  NoticeRequest r;
  r.audience = AudienceFrom(j.value("audience", json::object()));
  r.template_id = j.value("template", "");
  r.variables = j.value("variables", std::map<std::string, std::string>{});
  for (const json& c : j.value("content", json::array())) {
    r.content.push_back(
        LocalizedContent{c.value("locale", ""), c.value("subject", ""), c.value("body", ""), c.value("sms_body", "")});
  }
  r.source = j.value("source", "");
  if (j.contains("event_date")) {
    absl::CivilDay d;
    if (absl::ParseCivilTime(j["event_date"].get<std::string>(), &d)) r.event_date = d;
  }
  if (j.contains("not_before")) r.not_before = absl::FromUnixMicros(j["not_before"].get<int64_t>());
  return r;
}

json VariantsJson(const std::vector<TemplateVariant>& variants) {
  json out = json::array();
  for (const TemplateVariant& v : variants) {
    out.push_back({{"locale", v.locale}, {"subject", v.subject}, {"body", v.body}, {"sms_body", v.sms_body}});
  }
  return out;
}

std::vector<TemplateVariant> VariantsFrom(const json& j) {
  std::vector<TemplateVariant> out;
  for (const json& v : j) {
    out.push_back(
        TemplateVariant{v.value("locale", ""), v.value("subject", ""), v.value("body", ""), v.value("sms_body", "")});
  }
  return out;
}

json TemplateJson(const Template& t) {
  return {{"scope", t.school_id},
          {"id", t.id},
          {"category", CategoryWord(t.category)},
          {"variables", t.variables},
          {"variants", VariantsJson(t.variants)}};
}

Template TemplateFrom(const json& j) {
  Template t;
  if (!j.is_object()) return t;
  t.school_id = j.value("scope", "");
  t.id = j.value("id", "");
  t.category = CategoryFromWord(j.value("category", "")).value_or(Category::kUnspecified);
  t.variables = j.value("variables", std::vector<std::string>{});
  t.variants = VariantsFrom(j.value("variants", json::array()));
  return t;
}

json WarningsJson(const std::vector<Warning>& ws) {
  json out = json::array();
  for (const Warning& w : ws) out.push_back({{"code", w.code}, {"message", w.message}, {"count", w.count}});
  return out;
}

std::vector<Warning> WarningsFrom(const json& j) {
  std::vector<Warning> out;
  for (const json& w : j) out.push_back(Warning{w.value("code", ""), w.value("message", ""), w.value("count", 0)});
  return out;
}

json EntriesJson(const std::vector<ChannelPreference>& entries) {
  json out = json::array();
  for (const ChannelPreference& e : entries) {
    out.push_back({{"category", CategoryWord(e.category)},
                   {"channel", ChannelWord(e.channel)},
                   {"mode", static_cast<int>(e.mode)}});
  }
  return out;
}

std::vector<ChannelPreference> EntriesFrom(const json& j) {
  std::vector<ChannelPreference> out;
  for (const json& e : j) {
    ChannelPreference p;
    p.category = CategoryFromWord(e.value("category", "")).value_or(Category::kUnspecified);
    p.channel = ChannelFromWord(e.value("channel", "")).value_or(DeliveryChannel::kUnspecified);
    p.mode = static_cast<DeliveryMode>(e.value("mode", 1));
    out.push_back(p);
  }
  return out;
}

// ---- rows --------------------------------------------------------------------------------------

const std::string kNoticeColumns =
    absl::StrCat("n.scope, n.id, n.category, n.priority, n.request::text, ", Micros("n.send_time"),
                 ", n.short_notice, n.recipient_count, n.warnings::text, n.created_by, ", Micros("n.create_time"), ", ",
                 Micros("n.cancel_time"), ", n.seq");

Notice NoticeFrom(const pqxx::row& r) {
  Notice n;
  n.request = RequestFrom(json::parse(r[4].c_str(), nullptr, false));
  n.request.sender.school_id = r[0].c_str();
  n.id = r[1].c_str();
  n.request.category = CategoryFromWord(r[2].c_str()).value_or(Category::kUnspecified);
  for (Priority p : {Priority::kRoutine, Priority::kImportant, Priority::kEmergency}) {
    if (std::string(r[3].c_str()) == PriorityWord(p)) n.request.priority = p;
  }
  n.request.send_time = TimeAt(r[5]);
  n.short_notice = r[6].as<bool>();
  n.recipient_count = r[7].as<int>();
  n.warnings = WarningsFrom(json::parse(r[8].c_str(), nullptr, false));
  n.request.created_by = r[9].c_str();
  n.create_time = TimeAt(r[10]);
  n.cancel_time = OptTimeAt(r[11]);
  return n;
}

// Fills the state and the delivery counts of each notice.
void Summarise(pqxx::work& txn, std::vector<Notice>& notices, absl::Time now) {
  for (Notice& n : notices) {
    pqxx::result r =
        txn.exec_params("SELECT status, count(*) FROM deliveries WHERE scope = $1 AND notice_id = $2 GROUP BY status",
                        n.request.sender.school_id, n.id);
    n.summary = DeliverySummary();
    for (const pqxx::row& row : r) {
      const int count = row[1].as<int>();
      switch (StatusFromWord(row[0].c_str()).value_or(DeliveryStatus::kUnspecified)) {
        case DeliveryStatus::kPending:
        case DeliveryStatus::kInDigest:
          n.summary.pending += count;
          break;
        case DeliveryStatus::kSent:
          n.summary.sent += count;
          break;
        case DeliveryStatus::kDelivered:
          n.summary.delivered += count;
          break;
        case DeliveryStatus::kFailed:
          n.summary.failed += count;
          break;
        case DeliveryStatus::kSkipped:
          n.summary.skipped += count;
          break;
        case DeliveryStatus::kCancelled:
          n.summary.cancelled += count;
          break;
        default:
          break;
      }
    }
    n.state = n.cancel_time                                         ? NoticeState::kCancelled
              : (n.request.send_time && *n.request.send_time > now) ? NoticeState::kScheduled
                                                                    : NoticeState::kSending;
  }
}

const std::string kMessageColumns = absl::StrCat(
    "m.scope, m.notice_id, m.id, m.school_id, m.recipient_kind, m.recipient_id, m.household_members, m.pupil_ids, "
    "m.locale, m.fallbacks, m.subject, m.body, ",
    Micros("m.read_time"), ", ", Micros("m.create_time"), ", m.seq");

Message MessageFrom(const pqxx::row& r) {
  Message m;
  m.notice_id = r[1].c_str();
  m.id = r[2].c_str();
  m.school_id = r[3].c_str();
  const std::string kind = r[4].c_str();
  m.recipient_kind = kind == "staff"      ? RecipientKind::kStaff
                     : kind == "external" ? RecipientKind::kExternal
                                          : RecipientKind::kGuardian;
  m.recipient_id = r[5].c_str();
  m.household_members = ParseTextArray(r[6]);
  m.pupil_ids = ParseTextArray(r[7]);
  m.locale = r[8].c_str();
  for (const std::string& c : ParseTextArray(r[9])) {
    if (auto ch = ChannelFromWord(c)) m.fallbacks.push_back(*ch);
  }
  if (!r[10].is_null()) m.subject = r[10].c_str();
  if (!r[11].is_null()) m.body = r[11].c_str();
  m.read_time = OptTimeAt(r[12]);
  m.create_time = TimeAt(r[13]);
  return m;
}

const std::string kDeliveryColumns = absl::StrCat(
    "d.id, d.channel, d.status, ", Micros("d.due_at"),
    ", d.attempts, d.provider, d.provider_reference, d.reason, d.fallback_from, ", Micros("d.sent_at"), ", ",
    Micros("d.delivered_at"), ", d.unless_read, d.idempotency_key, d.scope, d.notice_id, d.message_id");

Delivery DeliveryFrom(const pqxx::row& r) {
  Delivery d;
  d.id = r[0].as<int64_t>();
  d.channel = ChannelFromWord(r[1].c_str()).value_or(DeliveryChannel::kUnspecified);
  d.status = StatusFromWord(r[2].c_str()).value_or(DeliveryStatus::kUnspecified);
  d.due = TimeAt(r[3]);
  d.attempts = r[4].as<int>();
  d.provider = r[5].c_str();
  d.provider_reference = r[6].c_str();
  d.reason = r[7].c_str();
  d.fallback_from = ChannelFromWord(r[8].c_str()).value_or(DeliveryChannel::kUnspecified);
  d.sent_time = OptTimeAt(r[9]);
  d.delivered_time = OptTimeAt(r[10]);
  d.unless_read = r[11].as<bool>();
  return d;
}

void LoadDeliveries(pqxx::work& txn, std::vector<Message>& messages, const std::vector<NoticeRef>& refs) {
  for (size_t i = 0; i < messages.size(); ++i) {
    pqxx::result r = txn.exec_params(
        absl::StrCat("SELECT ", kDeliveryColumns,
                     " FROM deliveries d WHERE d.scope = $1 AND d.notice_id = $2 AND d.message_id = $3 ORDER BY d.id"),
        refs[i].scope, refs[i].id, std::stoi(messages[i].id));
    messages[i].deliveries.clear();
    for (const pqxx::row& row : r) messages[i].deliveries.push_back(DeliveryFrom(row));
  }
}

absl::Status NoticeMissing(const NoticeRef& ref) {
  return NotFound(reason::kNoticeNotFound,
                  absl::StrCat("notice ", ref.id, " does not exist at ", ref.scope.empty() ? "the trust" : ref.scope));
}

absl::Status MessageMissing(const MessageRef& ref) {
  return NotFound(reason::kMessageNotFound,
                  absl::StrCat("message ", ref.id, " of notice ", ref.notice.id, " does not exist"));
}

absl::StatusOr<Notice> ReadNotice(pqxx::work& txn, const NoticeRef& ref, absl::Time now) {
  pqxx::result r = txn.exec_params(
      absl::StrCat("SELECT ", kNoticeColumns, " FROM notices n WHERE n.scope = $1 AND n.id = $2"), ref.scope, ref.id);
  if (r.empty()) return NoticeMissing(ref);
  std::vector<Notice> one = {NoticeFrom(r[0])};
  Summarise(txn, one, now);
  return one[0];
}

absl::StatusOr<Message> ReadMessage(pqxx::work& txn, const MessageRef& ref) {
  int id = 0;
  if (!absl::SimpleAtoi(ref.id, &id)) return MessageMissing(ref);
  pqxx::result r =
      txn.exec_params(absl::StrCat("SELECT ", kMessageColumns,
                                   " FROM messages m WHERE m.scope = $1 AND m.notice_id = $2 AND m.id = $3"),
                      ref.notice.scope, ref.notice.id, id);
  if (r.empty()) return MessageMissing(ref);
  std::vector<Message> one = {MessageFrom(r[0])};
  LoadDeliveries(txn, one, {ref.notice});
  return one[0];
}

// The copy's next channel after a failure, as a new pending delivery due now.
void FallBack(pqxx::work& txn, const std::string& scope, const std::string& notice_id, int message_id,
              const std::string& school_id, DeliveryChannel failed, absl::Time now) {
  pqxx::result m =
      txn.exec_params("SELECT fallbacks FROM messages WHERE scope = $1 AND notice_id = $2 AND id = $3 FOR UPDATE",
                      scope, notice_id, message_id);
  if (m.empty()) return;
  std::vector<std::string> left = ParseTextArray(m[0][0]);
  while (!left.empty()) {
    const std::string next = left.front();
    left.erase(left.begin());
    auto channel = ChannelFromWord(next);
    if (!channel) continue;
    pqxx::result inserted = txn.exec_params(
        "INSERT INTO deliveries (scope, notice_id, message_id, school_id, channel, status, due_at, idempotency_key, "
        "fallback_from, create_time) VALUES ($1, $2, $3, $4, $5, 'pending', $6::timestamptz, $7, $8, $6::timestamptz) "
        "ON CONFLICT DO NOTHING RETURNING id",
        scope, notice_id, message_id, school_id, next, TimeParam(now),
        DeliveryKey(scope, notice_id, message_id, *channel), ChannelWord(failed));
    if (!inserted.empty()) break;
  }
  txn.exec_params("UPDATE messages SET fallbacks = $4::text[] WHERE scope = $1 AND notice_id = $2 AND id = $3", scope,
                  notice_id, message_id, TextArray(left));
}

int MessageNumber(const std::string& id) {
  int n = 0;
  return absl::SimpleAtoi(id, &n) ? n : 0;
}

}  // namespace

absl::StatusOr<WriteResult> PgNotificationStore::CreateNotice(const RequestKey& key, const Notice& notice,
                                                              const Template& resolved,
                                                              const std::vector<Message>& copies,
                                                              const Encoder<Notice>& encode) {
  const std::string& scope = notice.request.sender.school_id;
  // The copies and their deliveries as columns, for one INSERT ... SELECT FROM unnest each.
  std::vector<std::string> m_id, m_school, m_kind, m_recipient, m_household, m_pupils, m_locale, m_fallbacks;
  std::vector<std::string> d_message, d_school, d_channel, d_status, d_due, d_unless, d_key;
  for (const Message& m : copies) {
    const int number = MessageNumber(m.id);
    m_id.push_back(m.id);
    m_school.push_back(m.school_id);
    m_kind.push_back(m.recipient_kind == RecipientKind::kStaff      ? "staff"
                     : m.recipient_kind == RecipientKind::kExternal ? "external"
                                                                    : "guardian");
    m_recipient.push_back(m.recipient_id);
    m_household.push_back(absl::StrJoin(m.household_members, ","));
    m_pupils.push_back(absl::StrJoin(m.pupil_ids, ","));
    m_locale.push_back(m.locale);
    std::vector<std::string> fallbacks;
    for (DeliveryChannel c : m.fallbacks) fallbacks.push_back(ChannelWord(c));
    m_fallbacks.push_back(absl::StrJoin(fallbacks, ","));
    for (const Delivery& d : m.deliveries) {
      d_message.push_back(m.id);
      d_school.push_back(m.school_id);
      d_channel.push_back(ChannelWord(d.channel));
      d_status.push_back(StatusWord(d.status));
      d_due.push_back(TimeParam(d.due));
      d_unless.push_back(d.unless_read ? "t" : "f");
      d_key.push_back(DeliveryKey(scope, notice.id, number, d.channel));
    }
  }
  return pg::RunIdempotentInto<WriteResult>(
      *pool_, key, [&](pqxx::work& txn, WriteResult&) -> absl::StatusOr<std::string> {
        txn.exec_params(
            "INSERT INTO notices (scope, id, category, priority, request, template, send_time, short_notice, "
            "recipient_count, warnings, created_by, create_time) VALUES ($1, $2, $3, $4, $5::jsonb, "
            "NULLIF($6, '')::jsonb, $7::timestamptz, $8, $9, $10::jsonb, $11, $12::timestamptz)",
            scope, notice.id, CategoryWord(notice.request.category), PriorityWord(notice.request.priority),
            RequestJson(notice.request).dump(), resolved.id.empty() ? std::string() : TemplateJson(resolved).dump(),
            TimeParam(notice.request.send_time.value_or(notice.create_time)), notice.short_notice,
            notice.recipient_count, WarningsJson(notice.warnings).dump(), notice.request.created_by,
            TimeParam(notice.create_time));
        if (!copies.empty()) {
          txn.exec_params(
              "INSERT INTO messages (scope, notice_id, id, school_id, recipient_kind, recipient_id, household_members, "
              "pupil_ids, locale, fallbacks, create_time) "
              "SELECT $1, $2, u.id::int, u.school_id, u.kind, u.recipient, string_to_array(u.household, ','), "
              "string_to_array(u.pupils, ','), u.locale, string_to_array(u.fallbacks, ','), $3::timestamptz "
              "FROM unnest($4::text[], $5::text[], $6::text[], $7::text[], $8::text[], $9::text[], $10::text[], "
              "$11::text[]) AS u(id, school_id, kind, recipient, household, pupils, locale, fallbacks)",
              scope, notice.id, TimeParam(notice.create_time), TextArray(m_id), TextArray(m_school), TextArray(m_kind),
              TextArray(m_recipient), TextArray(m_household), TextArray(m_pupils), TextArray(m_locale),
              TextArray(m_fallbacks));
        }
        if (!d_key.empty()) {
          txn.exec_params(
              "INSERT INTO deliveries (scope, notice_id, message_id, school_id, channel, status, due_at, unless_read, "
              "idempotency_key, create_time) "
              "SELECT $1, $2, u.message_id::int, u.school_id, u.channel, u.status, u.due::timestamptz, u.unless::bool, "
              "u.key, $3::timestamptz FROM unnest($4::text[], $5::text[], $6::text[], $7::text[], $8::text[], "
              "$9::text[], $10::text[]) AS u(message_id, school_id, channel, status, due, unless, key)",
              scope, notice.id, TimeParam(notice.create_time), TextArray(d_message), TextArray(d_school),
              TextArray(d_channel), TextArray(d_status), TextArray(d_due), TextArray(d_unless), TextArray(d_key));
        }
        PARLEY_ASSIGN_OR_RETURN(Notice stored, ReadNotice(txn, NoticeRef{scope, notice.id}, notice.create_time));
        return encode(stored);
      });
}

absl::StatusOr<Notice> PgNotificationStore::GetNotice(const NoticeRef& ref) {
  std::optional<Notice> found;
  PARLEY_RETURN_IF_ERROR(pool_->Read([&](pqxx::work& txn) -> absl::Status {
    PARLEY_ASSIGN_OR_RETURN(Notice n, ReadNotice(txn, ref, absl::Now()));
    found = std::move(n);
    return absl::OkStatus();
  }));
  return *std::move(found);
}

absl::StatusOr<Page<Notice>> PgNotificationStore::ListNotices(const std::string& scope,
                                                              std::optional<Category> category, PageQuery page) {
  Page<Notice> out;
  PARLEY_RETURN_IF_ERROR(pool_->Read([&](pqxx::work& txn) -> absl::Status {
    pqxx::result r = txn.exec_params(
        absl::StrCat("SELECT ", kNoticeColumns,
                     " FROM notices n WHERE n.scope = $1 AND ($2 = '' OR n.category = $2) AND ($3 = 0 OR n.seq < $3) "
                     "ORDER BY n.seq DESC LIMIT $4"),
        scope, category ? CategoryWord(*category) : "", page.before_seq, page.size + 1);
    std::vector<int64_t> seqs;
    for (const pqxx::row& row : r) {
      out.items.push_back(NoticeFrom(row));
      seqs.push_back(row[12].as<int64_t>());
    }
    if (static_cast<int>(out.items.size()) > page.size) {
      out.items.pop_back();
      out.next_before_seq = seqs[page.size - 1];
    }
    Summarise(txn, out.items, absl::Now());
    return absl::OkStatus();
  }));
  return out;
}

absl::StatusOr<WriteResult> PgNotificationStore::CancelNotice(const RequestKey& key, const NoticeRef& ref,
                                                              absl::Time now, const Encoder<Notice>& encode) {
  return pg::RunIdempotentInto<WriteResult>(
      *pool_, key, [&](pqxx::work& txn, WriteResult&) -> absl::StatusOr<std::string> {
        pqxx::result n = txn.exec_params("SELECT cancel_time FROM notices WHERE scope = $1 AND id = $2 FOR UPDATE",
                                         ref.scope, ref.id);
        if (n.empty()) return NoticeMissing(ref);
        if (n[0][0].is_null()) {
          pqxx::result gone = txn.exec_params(
              "SELECT count(*) FROM deliveries WHERE scope = $1 AND notice_id = $2 AND (status NOT IN "
              "('pending', 'in_digest', 'cancelled') OR attempts > 0)",
              ref.scope, ref.id);
          if (gone[0][0].as<int64_t>() > 0) {
            return FailedPrecondition(
                reason::kNoticeAlreadySent,
                absl::StrCat("notice ", ref.id, " has begun to go; it can no longer be cancelled"));
          }
          txn.exec_params(
              "UPDATE deliveries SET status = 'cancelled', reason = 'NOTICE_CANCELLED' WHERE scope = $1 AND "
              "notice_id = $2 AND status IN ('pending', 'in_digest')",
              ref.scope, ref.id);
          txn.exec_params("UPDATE notices SET cancel_time = $3::timestamptz WHERE scope = $1 AND id = $2", ref.scope,
                          ref.id, TimeParam(now));
        }
        PARLEY_ASSIGN_OR_RETURN(Notice stored, ReadNotice(txn, ref, now));
        return encode(stored);
      });
}

absl::StatusOr<Page<Message>> PgNotificationStore::ListMessages(const MessageFilter& filter, PageQuery page) {
  Page<Message> out;
  PARLEY_RETURN_IF_ERROR(pool_->Read([&](pqxx::work& txn) -> absl::Status {
    std::string where;
    std::vector<std::string> args;
    if (filter.notice) {
      where = "m.scope = $1 AND m.notice_id = $2";
      args = {filter.notice->scope, filter.notice->id};
    } else if (!filter.guardian_id.empty()) {
      where = "(m.recipient_kind = 'guardian' AND m.recipient_id = $1 OR m.household_members @> ARRAY[$1]) AND $2 = ''";
      args = {filter.guardian_id, ""};
    } else if (!filter.pupil.second.empty()) {
      // Named bare on their own school's copies, "{school}/{pupil}" on a trust copy planned elsewhere.
      where = "(m.school_id = $1 AND m.pupil_ids @> ARRAY[$2] OR m.pupil_ids @> ARRAY[$1 || '/' || $2])";
      args = {filter.pupil.first, filter.pupil.second};
    } else {
      where = "m.school_id = $1 AND m.recipient_kind = 'staff' AND m.recipient_id = $2";
      args = {filter.staff.first, filter.staff.second};
    }
    if (filter.unread_only) {
      where +=
          " AND m.read_time IS NULL AND EXISTS (SELECT 1 FROM deliveries x WHERE x.scope = m.scope AND "
          "x.notice_id = m.notice_id AND x.message_id = m.id AND x.channel = 'app' AND x.status = 'delivered')";
    }
    pqxx::result r = txn.exec_params(absl::StrCat("SELECT ", kMessageColumns, " FROM messages m WHERE ", where,
                                                  " AND ($3 = 0 OR m.seq < $3) ORDER BY m.seq DESC LIMIT $4"),
                                     args[0], args[1], page.before_seq, page.size + 1);
    std::vector<NoticeRef> refs;
    std::vector<int64_t> seqs;
    for (const pqxx::row& row : r) {
      out.items.push_back(MessageFrom(row));
      refs.push_back(NoticeRef{row[0].c_str(), row[1].c_str()});
      seqs.push_back(row[14].as<int64_t>());
    }
    if (static_cast<int>(out.items.size()) > page.size) {
      out.items.pop_back();
      refs.pop_back();
      out.next_before_seq = seqs[page.size - 1];
    }
    LoadDeliveries(txn, out.items, refs);
    return absl::OkStatus();
  }));
  return out;
}

absl::StatusOr<Message> PgNotificationStore::GetMessage(const MessageRef& ref) {
  std::optional<Message> found;
  PARLEY_RETURN_IF_ERROR(pool_->Read([&](pqxx::work& txn) -> absl::Status {
    PARLEY_ASSIGN_OR_RETURN(Message m, ReadMessage(txn, ref));
    found = std::move(m);
    return absl::OkStatus();
  }));
  return *std::move(found);
}

absl::StatusOr<WriteResult> PgNotificationStore::MarkRead(const RequestKey& key, const MessageRef& ref, absl::Time now,
                                                          const Encoder<Message>& encode) {
  return pg::RunIdempotentInto<WriteResult>(
      *pool_, key, [&](pqxx::work& txn, WriteResult&) -> absl::StatusOr<std::string> {
        txn.exec_params(
            "UPDATE messages SET read_time = $4::timestamptz WHERE scope = $1 AND notice_id = $2 AND id = $3 AND "
            "read_time IS NULL",
            ref.notice.scope, ref.notice.id, MessageNumber(ref.id), TimeParam(now));
        // A routine email waiting behind the app copy is no longer needed.
        txn.exec_params(
            "UPDATE deliveries SET status = 'skipped', reason = 'READ_IN_APP' WHERE scope = $1 AND notice_id = $2 AND "
            "message_id = $3 AND unless_read AND status IN ('pending', 'in_digest') AND attempts = 0",
            ref.notice.scope, ref.notice.id, MessageNumber(ref.id));
        PARLEY_ASSIGN_OR_RETURN(Message m, ReadMessage(txn, ref));
        return encode(m);
      });
}

absl::StatusOr<WriteResult> PgNotificationStore::ReplyToConsent(const RequestKey& key, const MessageRef& ref,
                                                                const std::string& pupil_id, ConsentAnswer answer,
                                                                absl::Time now, const Encoder<Message>& encode) {
  return pg::RunIdempotentInto<WriteResult>(
      *pool_, key, [&](pqxx::work& txn, WriteResult&) -> absl::StatusOr<std::string> {
        PARLEY_ASSIGN_OR_RETURN(Message m, ReadMessage(txn, ref));
        pqxx::result cat = txn.exec_params("SELECT category FROM notices WHERE scope = $1 AND id = $2",
                                           ref.notice.scope, ref.notice.id);
        if (cat.empty() || std::string(cat[0][0].c_str()) != CategoryWord(Category::kConsent)) {
          return FailedPrecondition(reason::kNotConsentNotice, "the notice does not ask for consent");
        }
        if (std::find(m.pupil_ids.begin(), m.pupil_ids.end(), pupil_id) == m.pupil_ids.end()) {
          return InvalidArgument(reason::kInvalidField, "pupil: the copy is not about this pupil");
        }
        const auto [pupil_school, pupil_within] = PupilOf(m, pupil_id);
        const std::string pupil_key = absl::StrCat(pupil_school, "/", pupil_within);
        pqxx::result existing = txn.exec_params(
            "SELECT locked FROM consent_replies WHERE scope = $1 AND notice_id = $2 AND pupil_id = $3 FOR UPDATE",
            ref.notice.scope, ref.notice.id, pupil_key);
        if (!existing.empty() && existing[0][0].as<bool>()) {
          return FailedPrecondition(reason::kConsentLocked,
                                    "this pupil's consent was answered already; the school can reopen it");
        }
        txn.exec_params(
            "INSERT INTO consent_replies (scope, notice_id, pupil_id, guardian_id, answer, answer_time, locked) "
            "VALUES ($1, $2, $3, $4, $5, $6::timestamptz, true) ON CONFLICT (scope, notice_id, pupil_id) DO UPDATE "
            "SET guardian_id = EXCLUDED.guardian_id, answer = EXCLUDED.answer, answer_time = EXCLUDED.answer_time, "
            "locked = true",
            ref.notice.scope, ref.notice.id, pupil_key, m.recipient_id, answer == ConsentAnswer::kYes ? "yes" : "no",
            TimeParam(now));
        return encode(m);
      });
}

absl::StatusOr<WriteResult> PgNotificationStore::ReopenConsent(const RequestKey& key, const NoticeRef& ref,
                                                               const std::string& pupil_id,
                                                               const Encoder<std::vector<ConsentRow>>& encode) {
  return pg::RunIdempotentInto<WriteResult>(
      *pool_, key, [&](pqxx::work& txn, WriteResult&) -> absl::StatusOr<std::string> {
        PARLEY_RETURN_IF_ERROR(ReadNotice(txn, ref, absl::Now()).status());
        // Rows are keyed "{school}/{pupil}"; the API passes the pupil's id within its school.
        txn.exec_params(
            "UPDATE consent_replies SET locked = false WHERE scope = $1 AND notice_id = $2 AND (pupil_id = $3 OR "
            "split_part(pupil_id, '/', 2) = $3)",
            ref.scope, ref.id, pupil_id);
        return encode({});
      });
}

absl::StatusOr<std::vector<ConsentRow>> PgNotificationStore::ConsentOf(const NoticeRef& ref) {
  std::vector<ConsentRow> rows;
  PARLEY_RETURN_IF_ERROR(pool_->Read([&](pqxx::work& txn) -> absl::Status {
    PARLEY_RETURN_IF_ERROR(ReadNotice(txn, ref, absl::Now()).status());
    // Every pupil the notice's copies name, with the guardians reached about them and the answer.
    pqxx::result r = txn.exec_params(
        absl::StrCat("SELECT p.pupil, array_agg(DISTINCT m.recipient_id), c.guardian_id, c.answer, ",
                     Micros("c.answer_time"),
                     ", c.locked FROM messages m CROSS JOIN LATERAL (SELECT CASE WHEN strpos(x, '/') > 0 THEN x ELSE "
                     "m.school_id || '/' || x END AS pupil FROM unnest(m.pupil_ids) x) p LEFT JOIN consent_replies c "
                     "ON c.scope = m.scope AND c.notice_id = "
                     "m.notice_id AND c.pupil_id = p.pupil WHERE m.scope = $1 AND m.notice_id = $2 GROUP BY p.pupil, "
                     "c.guardian_id, c.answer, c.answer_time, c.locked ORDER BY p.pupil"),
        ref.scope, ref.id);
    for (const pqxx::row& row : r) {
      ConsentRow c;
      // Stored as "{school}/{pupil}": a trust notice's pupils come from several schools.
      const std::string key = row[0].c_str();
      const size_t slash = key.find('/');
      c.school_id = key.substr(0, slash);
      c.pupil_id = slash == std::string::npos ? key : key.substr(slash + 1);
      c.reached = ParseTextArray(row[1]);
      if (!row[2].is_null()) {
        c.guardian_id = row[2].c_str();
        c.answer = std::string(row[3].c_str()) == "yes" ? ConsentAnswer::kYes : ConsentAnswer::kNo;
        c.answer_time = TimeAt(row[4]);
        c.locked = row[5].as<bool>();
      }
      rows.push_back(std::move(c));
    }
    return absl::OkStatus();
  }));
  return rows;
}

namespace {

const std::string kTemplateColumns =
    absl::StrCat("scope, id, category, variables, variants::text, etag, ", Micros("update_time"));

Template TemplateRow(const pqxx::row& r) {
  Template t;
  t.school_id = r[0].c_str();
  t.id = r[1].c_str();
  t.category = CategoryFromWord(r[2].c_str()).value_or(Category::kUnspecified);
  t.variables = ParseTextArray(r[3]);
  t.variants = VariantsFrom(json::parse(r[4].c_str(), nullptr, false));
  t.etag = r[5].c_str();
  t.update_time = TimeAt(r[6]);
  return t;
}

absl::Status TemplateMissing(const std::string& scope, const std::string& id) {
  return NotFound(reason::kTemplateNotFound,
                  absl::StrCat("template ", id, " does not exist at ", scope.empty() ? "the trust" : scope));
}

}  // namespace

absl::StatusOr<WriteResult> PgNotificationStore::CreateTemplate(const RequestKey& key, const Template& t,
                                                                const Encoder<Template>& encode) {
  return pg::RunIdempotentInto<WriteResult>(
      *pool_, key, [&](pqxx::work& txn, WriteResult&) -> absl::StatusOr<std::string> {
        pqxx::result r = txn.exec_params(
            absl::StrCat("INSERT INTO templates (scope, id, category, variables, variants, etag, update_time) VALUES "
                         "($1, $2, $3, $4::text[], $5::jsonb, $6, now()) ON CONFLICT DO NOTHING RETURNING ",
                         kTemplateColumns),
            t.school_id, t.id, CategoryWord(t.category), TextArray(t.variables), VariantsJson(t.variants).dump(),
            NewEtag());
        if (r.empty()) {
          return AlreadyExists(reason::kTemplateExists, absl::StrCat("template ", t.id, " exists already"));
        }
        return encode(TemplateRow(r[0]));
      });
}

absl::StatusOr<Template> PgNotificationStore::GetTemplate(const std::string& school_id, const std::string& id) {
  std::optional<Template> found;
  PARLEY_RETURN_IF_ERROR(pool_->Read([&](pqxx::work& txn) -> absl::Status {
    pqxx::result r = txn.exec_params(
        absl::StrCat("SELECT ", kTemplateColumns, " FROM templates WHERE scope = $1 AND id = $2"), school_id, id);
    if (!r.empty()) found = TemplateRow(r[0]);
    return absl::OkStatus();
  }));
  if (!found) return TemplateMissing(school_id, id);
  return *std::move(found);
}

absl::StatusOr<Template> PgNotificationStore::ResolveTemplate(const std::string& school_id, const std::string& id) {
  std::optional<Template> found;
  PARLEY_RETURN_IF_ERROR(pool_->Read([&](pqxx::work& txn) -> absl::Status {
    pqxx::result r =
        txn.exec_params(absl::StrCat("SELECT ", kTemplateColumns,
                                     " FROM templates WHERE id = $2 AND scope IN ($1, '') ORDER BY scope DESC LIMIT 1"),
                        school_id, id);
    if (!r.empty()) found = TemplateRow(r[0]);
    return absl::OkStatus();
  }));
  if (!found) {
    return NotFound(reason::kTemplateNotFound,
                    absl::StrCat("template ", id, " exists neither at ", school_id.empty() ? "the trust" : school_id,
                                 school_id.empty() ? "" : " nor at the trust"));
  }
  return *std::move(found);
}

absl::StatusOr<std::vector<Template>> PgNotificationStore::ListTemplates(const std::string& school_id) {
  std::vector<Template> out;
  PARLEY_RETURN_IF_ERROR(pool_->Read([&](pqxx::work& txn) -> absl::Status {
    pqxx::result r = txn.exec_params(absl::StrCat("SELECT DISTINCT ON (id) ", kTemplateColumns,
                                                  " FROM templates WHERE scope IN ($1, '') ORDER BY id, scope DESC"),
                                     school_id);
    for (const pqxx::row& row : r) out.push_back(TemplateRow(row));
    return absl::OkStatus();
  }));
  return out;
}

absl::StatusOr<WriteResult> PgNotificationStore::UpdateTemplate(const RequestKey& key, const Template& t,
                                                                const std::string& etag,
                                                                const Encoder<Template>& encode) {
  return pg::RunIdempotentInto<WriteResult>(
      *pool_, key, [&](pqxx::work& txn, WriteResult&) -> absl::StatusOr<std::string> {
        pqxx::result cur =
            txn.exec_params("SELECT etag FROM templates WHERE scope = $1 AND id = $2 FOR UPDATE", t.school_id, t.id);
        if (cur.empty()) return TemplateMissing(t.school_id, t.id);
        if (!etag.empty() && etag != cur[0][0].c_str()) {
          return Aborted(reason::kEtagMismatch, "the template changed since it was read; read it again");
        }
        pqxx::row r = txn.exec_params1(
            absl::StrCat("UPDATE templates SET category = $3, variables = $4::text[], variants = $5::jsonb, etag = $6, "
                         "update_time = now() WHERE scope = $1 AND id = $2 RETURNING ",
                         kTemplateColumns),
            t.school_id, t.id, CategoryWord(t.category), TextArray(t.variables), VariantsJson(t.variants).dump(),
            NewEtag());
        return encode(TemplateRow(r));
      });
}

absl::StatusOr<WriteResult> PgNotificationStore::DeleteTemplate(const RequestKey& key, const std::string& school_id,
                                                                const std::string& id) {
  return pg::RunIdempotentInto<WriteResult>(
      *pool_, key, [&](pqxx::work& txn, WriteResult&) -> absl::StatusOr<std::string> {
        pqxx::result r =
            txn.exec_params("DELETE FROM templates WHERE scope = $1 AND id = $2 RETURNING id", school_id, id);
        if (r.empty()) return TemplateMissing(school_id, id);
        return std::string();
      });
}

absl::StatusOr<Preferences> PgNotificationStore::GetPreferences(const std::string& guardian_id) {
  Preferences p;
  p.guardian_id = guardian_id;
  PARLEY_RETURN_IF_ERROR(pool_->Read([&](pqxx::work& txn) -> absl::Status {
    pqxx::result r = txn.exec_params(
        absl::StrCat("SELECT entries::text, etag, ", Micros("update_time"), " FROM preferences WHERE guardian_id = $1"),
        guardian_id);
    if (!r.empty()) {
      p.entries = EntriesFrom(json::parse(r[0][0].c_str(), nullptr, false));
      p.etag = r[0][1].c_str();
      p.update_time = TimeAt(r[0][2]);
    }
    return absl::OkStatus();
  }));
  return p;
}

absl::StatusOr<std::map<std::string, Preferences>> PgNotificationStore::PreferencesOf(
    const std::vector<std::string>& ids) {
  std::map<std::string, Preferences> out;
  PARLEY_RETURN_IF_ERROR(pool_->Read([&](pqxx::work& txn) -> absl::Status {
    pqxx::result r = txn.exec_params(
        "SELECT guardian_id, entries::text FROM preferences WHERE guardian_id = ANY($1::text[])", TextArray(ids));
    for (const pqxx::row& row : r) {
      Preferences p;
      p.guardian_id = row[0].c_str();
      p.entries = EntriesFrom(json::parse(row[1].c_str(), nullptr, false));
      out[p.guardian_id] = std::move(p);
    }
    return absl::OkStatus();
  }));
  return out;
}

absl::StatusOr<WriteResult> PgNotificationStore::PutPreferences(const RequestKey& key, const Preferences& p,
                                                                const std::string& etag,
                                                                const Encoder<Preferences>& encode) {
  return pg::RunIdempotentInto<WriteResult>(
      *pool_, key, [&](pqxx::work& txn, WriteResult&) -> absl::StatusOr<std::string> {
        pqxx::result cur =
            txn.exec_params("SELECT etag FROM preferences WHERE guardian_id = $1 FOR UPDATE", p.guardian_id);
        if (!etag.empty() && (cur.empty() || etag != cur[0][0].c_str())) {
          return Aborted(reason::kEtagMismatch, "the preferences changed since they were read; read them again");
        }
        Preferences stored = p;
        stored.etag = NewEtag();
        pqxx::row r = txn.exec_params1(
            absl::StrCat("INSERT INTO preferences (guardian_id, entries, etag, update_time) VALUES ($1, $2::jsonb, $3, "
                         "now()) ON CONFLICT (guardian_id) DO UPDATE SET entries = EXCLUDED.entries, etag = "
                         "EXCLUDED.etag, update_time = EXCLUDED.update_time RETURNING ",
                         Micros("update_time")),
            p.guardian_id, EntriesJson(p.entries).dump(), stored.etag);
        stored.update_time = TimeAt(r[0]);
        return encode(stored);
      });
}

absl::StatusOr<SchoolSettings> PgNotificationStore::GetSettings(const std::string& school_id) {
  SchoolSettings s;
  s.school_id = school_id;
  PARLEY_RETURN_IF_ERROR(pool_->Read([&](pqxx::work& txn) -> absl::Status {
    pqxx::result r = txn.exec_params(absl::StrCat("SELECT digest_minute, app_read_wait_seconds, etag, ",
                                                  Micros("update_time"), " FROM school_settings WHERE school_id = $1"),
                                     school_id);
    if (!r.empty()) {
      const int minute = r[0][0].as<int>();
      s.digest_time_of_day = absl::CivilMinute(1970, 1, 1, minute / 60, minute % 60);
      s.app_read_wait = absl::Seconds(r[0][1].as<int>());
      s.etag = r[0][2].c_str();
      s.update_time = TimeAt(r[0][3]);
    }
    return absl::OkStatus();
  }));
  return s;
}

absl::StatusOr<WriteResult> PgNotificationStore::PutSettings(const RequestKey& key, const SchoolSettings& s,
                                                             const std::string& etag,
                                                             const Encoder<SchoolSettings>& encode) {
  return pg::RunIdempotentInto<WriteResult>(
      *pool_, key, [&](pqxx::work& txn, WriteResult&) -> absl::StatusOr<std::string> {
        pqxx::result cur =
            txn.exec_params("SELECT etag FROM school_settings WHERE school_id = $1 FOR UPDATE", s.school_id);
        if (!etag.empty() && (cur.empty() || etag != cur[0][0].c_str())) {
          return Aborted(reason::kEtagMismatch, "the settings changed since they were read; read them again");
        }
        SchoolSettings stored = s;
        stored.etag = NewEtag();
        pqxx::row r = txn.exec_params1(
            absl::StrCat("INSERT INTO school_settings (school_id, digest_minute, app_read_wait_seconds, etag, "
                         "update_time) VALUES ($1, $2, $3, $4, now()) ON CONFLICT (school_id) DO UPDATE SET "
                         "digest_minute = EXCLUDED.digest_minute, app_read_wait_seconds = "
                         "EXCLUDED.app_read_wait_seconds, etag = EXCLUDED.etag, update_time = EXCLUDED.update_time "
                         "RETURNING ",
                         Micros("update_time")),
            s.school_id, s.digest_time_of_day.hour() * 60 + s.digest_time_of_day.minute(),
            absl::ToInt64Seconds(s.app_read_wait), stored.etag);
        stored.update_time = TimeAt(r[0]);
        return encode(stored);
      });
}

namespace {

constexpr int kDigestGroupsPerClaim = 16;

// The claimed rows with their copy, notice and template.
absl::StatusOr<std::vector<ClaimedDelivery>> LoadClaimed(pqxx::work& txn, const std::vector<int64_t>& ids) {
  std::vector<ClaimedDelivery> out;
  if (ids.empty()) return out;
  std::vector<std::string> id_text;
  for (int64_t id : ids) id_text.push_back(absl::StrCat(id));
  pqxx::result r = txn.exec_params(
      absl::StrCat("SELECT ", kDeliveryColumns, ", ", kMessageColumns, ", ", kNoticeColumns,
                   ", n.template::text FROM deliveries d JOIN messages m ON m.scope = d.scope AND m.notice_id = "
                   "d.notice_id AND m.id = d.message_id JOIN notices n ON n.scope = d.scope AND n.id = d.notice_id "
                   "WHERE d.id = ANY($1::bigint[]) ORDER BY d.id"),
      TextArray(id_text));
  constexpr int kD = 16, kM = 15, kN = 13;
  for (const pqxx::row& row : r) {
    ClaimedDelivery c;
    c.delivery = DeliveryFrom(row);
    c.idempotency_key = row[12].c_str();
    c.message = MessageRef{NoticeRef{row[13].c_str(), row[14].c_str()}, row[15].c_str()};
    // The message and notice columns follow the delivery's; read them through row slices.
    pqxx::row m = row.slice(kD, kD + kM);
    c.copy = MessageFrom(m);
    c.read_in_app = c.copy.read_time.has_value();
    pqxx::row n = row.slice(kD + kM, kD + kM + kN);
    c.notice = NoticeFrom(n);
    const pqxx::field t = row[kD + kM + kN];
    if (!t.is_null()) c.resolved = TemplateFrom(json::parse(t.c_str(), nullptr, false));
    if (c.delivery.attempts > 1) c.sticky_provider = c.delivery.provider;
    out.push_back(std::move(c));
  }
  return out;
}

}  // namespace

absl::StatusOr<std::vector<ClaimedDelivery>> PgNotificationStore::ClaimDue(absl::Time now, int limit,
                                                                           absl::Duration lease) {
  std::vector<ClaimedDelivery> out;
  PARLEY_RETURN_IF_ERROR(pool_->Transact([&](pqxx::work& txn) -> absl::Status {
    out.clear();
    std::vector<int64_t> ids;
    pqxx::result r = txn.exec_params(
        "WITH due AS (SELECT id FROM deliveries WHERE status = 'pending' AND due_at <= $1::timestamptz AND "
        "(lease_until IS NULL OR lease_until < $1::timestamptz) ORDER BY due_at LIMIT $2 FOR UPDATE SKIP LOCKED) "
        "UPDATE deliveries d SET lease_until = $3::timestamptz, attempts = d.attempts + 1 FROM due WHERE d.id = due.id "
        "RETURNING d.id",
        TimeParam(now), limit, TimeParam(now + lease));
    for (const pqxx::row& row : r) ids.push_back(row[0].as<int64_t>());
    PARLEY_ASSIGN_OR_RETURN(out, LoadClaimed(txn, ids));

    // Digests: one recipient's window at a time, under an advisory lock on the window, so two
    // workers never split one window into two messages.
    pqxx::result groups = txn.exec_params(
        absl::StrCat("SELECT d.school_id, m.recipient_id, d.channel, ", Micros("min(d.due_at)"),
                     " FROM deliveries d JOIN messages m ON m.scope = d.scope AND m.notice_id = d.notice_id AND m.id = "
                     "d.message_id WHERE d.status = 'in_digest' AND d.due_at <= $1::timestamptz AND (d.lease_until IS "
                     "NULL OR d.lease_until < $1::timestamptz) GROUP BY 1, 2, 3 LIMIT $2"),
        TimeParam(now), kDigestGroupsPerClaim);
    for (const pqxx::row& g : groups) {
      const std::string school = g[0].c_str(), recipient = g[1].c_str(), channel = g[2].c_str();
      const std::string key = absl::StrCat("digest.", school, ".", recipient, ".", channel, ".",
                                           absl::FormatTime("%Y%m%dT%H%M", TimeAt(g[3]), absl::UTCTimeZone()));
      pqxx::result locked = txn.exec_params("SELECT pg_try_advisory_xact_lock(hashtext($1))", key);
      if (!locked[0][0].as<bool>()) continue;
      pqxx::result rows = txn.exec_params(
          "WITH due AS (SELECT d.id FROM deliveries d JOIN messages m ON m.scope = d.scope AND m.notice_id = "
          "d.notice_id AND m.id = d.message_id WHERE d.status = 'in_digest' AND d.due_at <= $1::timestamptz AND "
          "(d.lease_until IS NULL OR d.lease_until < $1::timestamptz) AND d.school_id = $2 AND m.recipient_id = $3 AND "
          "d.channel = $4 FOR UPDATE OF d SKIP LOCKED) UPDATE deliveries x SET lease_until = $5::timestamptz, "
          "attempts = x.attempts + 1 FROM due WHERE x.id = due.id RETURNING x.id",
          TimeParam(now), school, recipient, channel, TimeParam(now + lease));
      std::vector<int64_t> group_ids;
      for (const pqxx::row& row : rows) group_ids.push_back(row[0].as<int64_t>());
      PARLEY_ASSIGN_OR_RETURN(std::vector<ClaimedDelivery> claimed, LoadClaimed(txn, group_ids));
      for (ClaimedDelivery& c : claimed) {
        c.digest_key = key;
        out.push_back(std::move(c));
      }
    }
    return absl::OkStatus();
  }));
  return out;
}

absl::Status PgNotificationStore::RecordAttempt(int64_t delivery_id, const AttemptResult& result, absl::Time now) {
  return pool_->TransactWithRetry([&](pqxx::work& txn) -> absl::Status {
    pqxx::result d = txn.exec_params(
        "SELECT scope, notice_id, message_id, school_id, channel, status FROM deliveries WHERE id = $1 FOR UPDATE",
        delivery_id);
    if (d.empty()) return absl::OkStatus();
    const std::string scope = d[0][0].c_str(), notice_id = d[0][1].c_str(), school_id = d[0][3].c_str();
    const int message_id = d[0][2].as<int>();
    const std::string status = d[0][5].c_str();
    if (status != "pending" && status != "in_digest") return absl::OkStatus();  // cancelled or settled meanwhile
    if (result.rendered) {
      txn.exec_params(
          "UPDATE messages SET subject = $4, body = $5 WHERE scope = $1 AND notice_id = $2 AND id = $3 AND "
          "subject IS NULL",
          scope, notice_id, message_id, result.rendered->first, result.rendered->second);
    }
    const std::string at = TimeParam(now);
    switch (result.kind) {
      case AttemptResult::Kind::kSent:
      case AttemptResult::Kind::kDelivered:
        txn.exec_params(
            "UPDATE deliveries SET status = $2, provider = $3, provider_reference = $4, sent_at = $5::timestamptz, "
            "delivered_at = CASE WHEN $2 = 'delivered' THEN $5::timestamptz END, lease_until = NULL, reason = '' "
            "WHERE id = $1",
            delivery_id, result.kind == AttemptResult::Kind::kSent ? "sent" : "delivered", result.provider,
            result.provider_reference, at);
        break;
      case AttemptResult::Kind::kRetry:
        txn.exec_params(
            "UPDATE deliveries SET due_at = $2::timestamptz, lease_until = NULL, reason = $3, provider = $4 WHERE id = "
            "$1",
            delivery_id, TimeParam(result.retry_at), result.reason, result.provider);
        break;
      case AttemptResult::Kind::kSkipped:
        txn.exec_params("UPDATE deliveries SET status = 'skipped', lease_until = NULL, reason = $2 WHERE id = $1",
                        delivery_id, result.reason);
        break;
      case AttemptResult::Kind::kFailed:
        txn.exec_params(
            "UPDATE deliveries SET status = 'failed', lease_until = NULL, reason = $2, provider = $3 WHERE id = $1",
            delivery_id, result.reason, result.provider);
        FallBack(txn, scope, notice_id, message_id, school_id,
                 ChannelFromWord(d[0][4].c_str()).value_or(DeliveryChannel::kUnspecified), now);
        break;
    }
    return absl::OkStatus();
  });
}

absl::StatusOr<Delivery> PgNotificationStore::RecordReceipt(const RequestKey& key, const std::string& provider,
                                                            const std::string& provider_reference, bool delivered,
                                                            bool permanent_failure, absl::Time time, absl::Time now) {
  PARLEY_ASSIGN_OR_RETURN(
      WriteResult written,
      pg::RunIdempotentInto<WriteResult>(
          *pool_, key, [&](pqxx::work& txn, WriteResult&) -> absl::StatusOr<std::string> {
            pqxx::result d = txn.exec_params(
                "SELECT id, scope, notice_id, message_id, school_id, channel, status FROM deliveries WHERE provider = "
                "$1 AND provider_reference = $2 FOR UPDATE",
                provider, provider_reference);
            if (d.empty()) {
              return NotFound(reason::kDeliveryNotFound, "no delivery has that provider reference");
            }
            const int64_t id = d[0][0].as<int64_t>();
            const std::string status = d[0][6].c_str();
            if (delivered && status == "sent") {
              txn.exec_params(
                  "UPDATE deliveries SET status = 'delivered', delivered_at = $2::timestamptz WHERE id = $1", id,
                  TimeParam(time));
            } else if (permanent_failure && (status == "sent" || status == "delivered")) {
              txn.exec_params("UPDATE deliveries SET status = 'failed', reason = 'BOUNCED' WHERE id = $1", id);
              FallBack(txn, d[0][1].c_str(), d[0][2].c_str(), d[0][3].as<int>(), d[0][4].c_str(),
                       ChannelFromWord(d[0][5].c_str()).value_or(DeliveryChannel::kUnspecified), now);
            } else if (!delivered && !permanent_failure) {
              txn.exec_params("UPDATE deliveries SET reason = 'TEMPORARY_FAILURE_REPORTED' WHERE id = $1", id);
            }
            return absl::StrCat(id);
          }));
  Delivery out;
  PARLEY_RETURN_IF_ERROR(pool_->Read([&](pqxx::work& txn) -> absl::Status {
    pqxx::result r = txn.exec_params(absl::StrCat("SELECT ", kDeliveryColumns, " FROM deliveries d WHERE d.id = $1"),
                                     written.response);
    if (r.empty()) return NotFound(reason::kDeliveryNotFound, "the delivery is gone");
    out = DeliveryFrom(r[0]);
    return absl::OkStatus();
  }));
  return out;
}

absl::StatusOr<std::optional<absl::Time>> PgNotificationStore::NextDue() {
  std::optional<absl::Time> next;
  PARLEY_RETURN_IF_ERROR(pool_->Read([&](pqxx::work& txn) -> absl::Status {
    pqxx::result r = txn.exec(
        absl::StrCat("SELECT ", Micros("LEAST((SELECT min(due_at) FROM deliveries WHERE status = 'pending'), (SELECT "
                                       "min(due_at) FROM deliveries WHERE status = 'in_digest'))")));
    if (!r.empty() && !r[0][0].is_null()) next = TimeAt(r[0][0]);
    return absl::OkStatus();
  }));
  return next;
}

absl::StatusOr<std::vector<LetterBatchInfo>> PgNotificationStore::ListLetterBatches(const std::string& school_id,
                                                                                    const absl::TimeZone& zone) {
  std::vector<LetterBatchInfo> out;
  PARLEY_RETURN_IF_ERROR(pool_->Read([&](pqxx::work& txn) -> absl::Status {
    pqxx::result r = txn.exec_params(
        absl::StrCat("SELECT to_char((sent_at AT TIME ZONE $2)::date, 'YYYY-MM-DD') AS day, count(*), ",
                     Micros("min(sent_at)"),
                     " FROM deliveries WHERE school_id = $1 AND channel = 'letter' AND status = 'sent' GROUP BY day "
                     "ORDER BY day DESC LIMIT 90"),
        school_id, zone.name());
    for (const pqxx::row& row : r) {
      LetterBatchInfo b;
      b.school_id = school_id;
      absl::ParseCivilTime(row[0].c_str(), &b.day);
      b.letters = row[1].as<int>();
      b.create_time = TimeAt(row[2]);
      out.push_back(b);
    }
    return absl::OkStatus();
  }));
  return out;
}

absl::StatusOr<std::vector<StoredLetter>> PgNotificationStore::LettersOf(const std::string& school_id,
                                                                         absl::CivilDay day,
                                                                         const absl::TimeZone& zone) {
  std::vector<StoredLetter> out;
  PARLEY_RETURN_IF_ERROR(pool_->Read([&](pqxx::work& txn) -> absl::Status {
    pqxx::result r = txn.exec_params(
        absl::StrCat("SELECT ", kMessageColumns,
                     " FROM deliveries d JOIN messages m ON m.scope = d.scope AND m.notice_id = d.notice_id AND m.id = "
                     "d.message_id WHERE d.school_id = $1 AND d.channel = 'letter' AND d.status = 'sent' AND "
                     "(d.sent_at AT TIME ZONE $3)::date = $2::date ORDER BY d.id"),
        school_id, absl::FormatCivilTime(day), zone.name());
    for (const pqxx::row& row : r) {
      StoredLetter l;
      l.message = MessageRef{NoticeRef{row[0].c_str(), row[1].c_str()}, row[2].c_str()};
      l.copy = MessageFrom(row);
      out.push_back(std::move(l));
    }
    return absl::OkStatus();
  }));
  return out;
}

absl::StatusOr<SchoolFigures> PgNotificationStore::Figures(const std::string& school_id, absl::Time start,
                                                           absl::Time end) {
  SchoolFigures out;
  PARLEY_RETURN_IF_ERROR(pool_->Read([&](pqxx::work& txn) -> absl::Status {
    // One row per (category, channel); the totals are summed from them, reach and medians asked apart.
    const std::string deliveries_in_period =
        "FROM deliveries d JOIN notices n ON n.scope = d.scope AND n.id = d.notice_id WHERE d.school_id = $1 AND "
        "n.create_time >= $2::timestamptz AND n.create_time < $3::timestamptz";
    pqxx::result r = txn.exec_params(
        absl::StrCat("SELECT n.category, d.channel, count(*) FILTER (WHERE d.status IN ('sent', 'delivered')), "
                     "count(*) FILTER (WHERE d.status = 'delivered'), count(*) FILTER (WHERE d.status = 'failed'), "
                     "count(*) FILTER (WHERE d.fallback_from <> '' AND d.status IN ('sent', 'delivered')) ",
                     deliveries_in_period, " GROUP BY 1, 2"),
        school_id, TimeParam(start), TimeParam(end));
    auto add = [](DeliveryFigures& f, const pqxx::row& row) {
      f.sent += row[2].as<int>();
      f.delivered += row[3].as<int>();
      f.failed += row[4].as<int>();
      f.fallbacks += row[5].as<int>();
    };
    for (const pqxx::row& row : r) {
      const Category cat = CategoryFromWord(row[0].c_str()).value_or(Category::kUnspecified);
      const DeliveryChannel ch = ChannelFromWord(row[1].c_str()).value_or(DeliveryChannel::kUnspecified);
      add(out.all, row);
      add(out.by_category[cat], row);
      add(out.by_channel[ch], row);
    }
    // Copies and reach (a guardian copy reached by at least one channel), by category.
    pqxx::result m = txn.exec_params(
        "SELECT n.category, count(DISTINCT (m.scope, m.notice_id)), count(*), count(*) FILTER (WHERE m.recipient_kind "
        "= "
        "'guardian'), count(*) FILTER (WHERE m.recipient_kind = 'guardian' AND EXISTS (SELECT 1 FROM deliveries d "
        "WHERE "
        "d.scope = m.scope AND d.notice_id = m.notice_id AND d.message_id = m.id AND d.status IN ('sent', "
        "'delivered'))) FROM messages m JOIN notices n ON n.scope = m.scope AND n.id = m.notice_id WHERE m.school_id = "
        "$1 AND n.create_time >= $2::timestamptz AND n.create_time < $3::timestamptz GROUP BY 1",
        school_id, TimeParam(start), TimeParam(end));
    for (const pqxx::row& row : m) {
      DeliveryFigures& f = out.by_category[CategoryFromWord(row[0].c_str()).value_or(Category::kUnspecified)];
      f.notices = row[1].as<int>();
      f.messages = row[2].as<int>();
      f.guardian_copies = row[3].as<int>();
      f.guardian_copies_reached = row[4].as<int>();
      out.all.notices += f.notices;
      out.all.messages += f.messages;
      out.all.guardian_copies += f.guardian_copies;
      out.all.guardian_copies_reached += f.guardian_copies_reached;
    }
    // Times to send (median and 90th percentile) for the whole school, per category and per channel.
    const std::string seconds_to_send = "EXTRACT(EPOCH FROM d.sent_at - GREATEST(d.create_time, n.send_time))";
    pqxx::result times = txn.exec_params(
        absl::StrCat("SELECT GROUPING(n.category), GROUPING(d.channel), n.category, d.channel, "
                     "percentile_cont(0.5) WITHIN GROUP (ORDER BY ",
                     seconds_to_send, "), percentile_cont(0.9) WITHIN GROUP (ORDER BY ", seconds_to_send, ") ",
                     deliveries_in_period,
                     " AND d.sent_at IS NOT NULL GROUP BY GROUPING SETS ((), (n.category), (d.channel))"),
        school_id, TimeParam(start), TimeParam(end));
    for (const pqxx::row& row : times) {
      if (row[4].is_null()) continue;  // the whole school's row when nothing was sent
      const bool per_category = row[0].as<int>() == 0, per_channel = row[1].as<int>() == 0;
      DeliveryFigures& f =
          per_category  ? out.by_category[CategoryFromWord(row[2].c_str()).value_or(Category::kUnspecified)]
          : per_channel ? out.by_channel[ChannelFromWord(row[3].c_str()).value_or(DeliveryChannel::kUnspecified)]
                        : out.all;
      f.median_seconds_to_send = row[4].as<double>();
      f.p90_seconds_to_send = row[5].as<double>();
    }
    pqxx::result shorts = txn.exec_params(
        "SELECT count(*) FROM notices WHERE scope = $1 AND short_notice AND create_time >= $2::timestamptz AND "
        "create_time < $3::timestamptz",
        school_id, TimeParam(start), TimeParam(end));
    out.short_notice_events = shorts[0][0].as<int>();
    return absl::OkStatus();
  }));
  return out;
}

}  // namespace parley::notifications
