#include "services/notifications/api/convert.h"

#include <algorithm>
#include <map>
#include <utility>
#include <vector>

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_split.h"
#include "common/grpc/api_edge.h"
#include "common/grpc/timestamp.h"
#include "common/status/reason.h"
#include "common/status/status_macros.h"
#include "common/version/version.h"
#include "services/notifications/domain/templates.h"

namespace parley::notifications {
namespace {

constexpr char kTrust[] = "trust";

absl::Status BadName(absl::string_view field, absl::string_view name, absl::string_view shape) {
  return InvalidArgument(reason::kInvalidName,
                         absl::StrCat(field, " must look like ", shape, ", got ", api::QuoteForError(name)));
}

absl::Status BadField(absl::string_view field, absl::string_view what) {
  return InvalidArgument(reason::kInvalidField, absl::StrCat(field, " ", what));
}

template <typename Enum>
absl::StatusOr<Enum> EnumFrom(int value, int max, absl::string_view field) {
  if (value < 0 || value > max) return BadField(field, "is not a known value");
  return static_cast<Enum>(value);
}

google::protobuf::Timestamp Ts(absl::Time t) { return ToTimestamp(t); }

bool Set(absl::Time t) { return t != absl::InfinitePast() && t != absl::InfiniteFuture(); }

}  // namespace

// ---- names ---------------------------------------------------------------------------------

absl::StatusOr<std::string> ParseNoticeParent(absl::string_view parent, absl::string_view field) {
  if (parent == kTrust) return std::string();
  if (!absl::StartsWith(parent, "schools/")) return BadName(field, parent, "\"schools/{school}\" or \"trust\"");
  return api::ParseSchool(parent, field);
}

std::string NoticeParentName(const std::string& scope) {
  return scope.empty() ? std::string(kTrust) : absl::StrCat("schools/", scope);
}

absl::StatusOr<NoticeRef> ParseNoticeName(absl::string_view name, absl::string_view field) {
  if (absl::StartsWith(name, "trust/")) {
    PARLEY_ASSIGN_OR_RETURN(std::vector<std::string> ids, api::ParseName("trust/notices/{notice}", name, field));
    return NoticeRef{"", std::move(ids[0])};
  }
  PARLEY_ASSIGN_OR_RETURN(auto id, api::ParseSchoolChild(name, "notices", field));
  return NoticeRef{std::move(id.first), std::move(id.second)};
}

std::string NoticeName(const NoticeRef& ref) { return absl::StrCat(NoticeParentName(ref.scope), "/notices/", ref.id); }

absl::StatusOr<MessageRef> ParseMessageName(absl::string_view name, absl::string_view field) {
  const size_t at = name.rfind("/messages/");
  if (at == absl::string_view::npos) {
    return BadName(field, name, "\"{notice}/messages/{message}\"");
  }
  PARLEY_ASSIGN_OR_RETURN(NoticeRef notice, ParseNoticeName(name.substr(0, at), field));
  const absl::string_view id = name.substr(at + std::string("/messages/").size());
  PARLEY_RETURN_IF_ERROR(api::ValidateId(id, field));
  return MessageRef{std::move(notice), std::string(id)};
}

std::string MessageName(const MessageRef& ref) { return absl::StrCat(NoticeName(ref.notice), "/messages/", ref.id); }

absl::StatusOr<std::pair<std::string, std::string>> ParseTemplateName(absl::string_view name, absl::string_view field) {
  const std::vector<absl::string_view> parts = absl::StrSplit(name, '/');
  std::pair<std::string, std::string> out;
  absl::string_view id;
  if (parts.size() == 3 && parts[0] == kTrust && parts[1] == "templates") {
    id = parts[2];
  } else if (parts.size() == 4 && parts[0] == "schools" && parts[2] == "templates" && api::IsValidId(parts[1])) {
    out.first = std::string(parts[1]);
    id = parts[3];
  } else {
    return BadName(field, name, "\"trust/templates/{template}\" or \"schools/{school}/templates/{template}\"");
  }
  if (!IsValidTemplateId(std::string_view(id.data(), id.size()))) {
    return InvalidArgument(reason::kInvalidName, absl::StrCat(field, ": the template id ", api::QuoteForError(id),
                                                              " must be 1-64 of [a-z0-9_.-]"));
  }
  out.second = std::string(id);
  return out;
}

std::string TemplateName(const std::string& school_id, const std::string& id) {
  return absl::StrCat(NoticeParentName(school_id), "/templates/", id);
}

absl::StatusOr<std::string> ParsePreferencesName(absl::string_view name, absl::string_view field) {
  PARLEY_ASSIGN_OR_RETURN(std::vector<std::string> ids,
                          api::ParseName("guardians/{guardian}/preferences", name, field));
  return std::move(ids[0]);
}

absl::StatusOr<std::string> ParseSettingsName(absl::string_view name, absl::string_view field) {
  PARLEY_ASSIGN_OR_RETURN(std::vector<std::string> ids,
                          api::ParseName("schools/{school}/notificationSettings", name, field));
  return std::move(ids[0]);
}

absl::StatusOr<std::pair<std::string, absl::CivilDay>> ParseLetterBatchName(absl::string_view name,
                                                                            absl::string_view field) {
  const std::vector<absl::string_view> parts = absl::StrSplit(name, '/');
  if (parts.size() != 4 || parts[0] != "schools" || parts[2] != "letterBatches" || !api::IsValidId(parts[1]) ||
      !ParseDay(parts[3], field).ok()) {
    return BadName(field, name, "\"schools/{school}/letterBatches/{YYYY-MM-DD}\"");
  }
  return std::make_pair(std::string(parts[1]), *ParseDay(parts[3], field));
}

std::string LetterBatchName(const std::string& school_id, absl::CivilDay day) {
  return absl::StrCat("schools/", school_id, "/letterBatches/", absl::FormatCivilTime(day));
}

absl::StatusOr<absl::CivilDay> ParseDay(absl::string_view text, absl::string_view field) {
  absl::CivilDay day;
  if (text.size() != 10 || !absl::ParseCivilTime(text, &day) || absl::FormatCivilTime(day) != text) {
    return BadField(field, "must be a date, YYYY-MM-DD");
  }
  return day;
}

// ---- enums ---------------------------------------------------------------------------------

v1::Category ToProto(Category c) { return static_cast<v1::Category>(c); }

absl::StatusOr<Category> CategoryFrom(int value, absl::string_view field) {
  return EnumFrom<Category>(value, kCategoryCount - 1, field);
}

absl::StatusOr<DeliveryChannel> ChannelFrom(int value, absl::string_view field) {
  return EnumFrom<DeliveryChannel>(value, static_cast<int>(DeliveryChannel::kLetter), field);
}

// ---- notices -------------------------------------------------------------------------------

absl::StatusOr<Audience> AudienceFrom(const v1::Audience& in) {
  Audience a;
  PARLEY_ASSIGN_OR_RETURN(
      a.kind, EnumFrom<AudienceKind>(in.kind(), static_cast<int>(AudienceKind::kStaff), "notice.audience.kind"));
  for (int i = 0; i < in.schools_size(); ++i) {
    PARLEY_ASSIGN_OR_RETURN(std::string s,
                            api::ParseSchool(in.schools(i), absl::StrCat("notice.audience.schools[", i, "]")));
    a.school_ids.push_back(std::move(s));
  }
  a.year_groups.assign(in.year_groups().begin(), in.year_groups().end());
  a.classes.assign(in.classes().begin(), in.classes().end());
  for (int i = 0; i < in.pupils_size(); ++i) {
    PARLEY_ASSIGN_OR_RETURN(
        auto p, api::ParseSchoolChild(in.pupils(i), "pupils", absl::StrCat("notice.audience.pupils[", i, "]")));
    a.pupils.push_back(std::move(p));
  }
  for (int i = 0; i < in.guardians_size(); ++i) {
    PARLEY_ASSIGN_OR_RETURN(std::string g,
                            api::ParseGuardian(in.guardians(i), absl::StrCat("notice.audience.guardians[", i, "]")));
    a.guardian_ids.push_back(std::move(g));
  }
  for (int i = 0; i < in.staff_size(); ++i) {
    const std::string field = absl::StrCat("notice.audience.staff[", i, "]");
    // A member of staff, or a school's external contact (schools/{school}/externalContacts/{id}).
    if (absl::StrContains(in.staff(i), "/externalContacts/")) {
      PARLEY_ASSIGN_OR_RETURN(auto c, api::ParseSchoolChild(in.staff(i), "externalContacts", field));
      a.external_contacts.push_back(std::move(c));
      continue;
    }
    PARLEY_ASSIGN_OR_RETURN(auto m, api::ParseSchoolChild(in.staff(i), "staff", field));
    a.staff.push_back(std::move(m));
  }
  a.staff_roles.assign(in.staff_roles().begin(), in.staff_roles().end());
  return a;
}

absl::StatusOr<NoticeRequest> NoticeFrom(const v1::Notice& in, const std::string& sender) {
  NoticeRequest r;
  r.sender.school_id = sender;
  PARLEY_ASSIGN_OR_RETURN(r.category, CategoryFrom(in.category(), "notice.category"));
  PARLEY_ASSIGN_OR_RETURN(r.priority,
                          EnumFrom<Priority>(in.priority(), static_cast<int>(Priority::kEmergency), "notice.priority"));
  PARLEY_ASSIGN_OR_RETURN(r.audience, AudienceFrom(in.audience()));
  r.template_id = in.template_();
  for (const auto& [k, v] : in.variables()) {
    if (k.empty() || k.size() > 64) return BadField("notice.variables", "keys must be 1-64 characters");
    if (v.size() > kMaxVariableValue) {
      return BadField(absl::StrCat("notice.variables[\"", k, "\"]"), "is longer than 2,000 characters");
    }
    r.variables.emplace(k, v);
  }
  for (const v1::LocalizedContent& c : in.content()) {
    r.content.push_back(LocalizedContent{c.locale(), c.subject(), c.body(), c.sms_body()});
  }
  if (!in.event_date().empty()) {
    PARLEY_ASSIGN_OR_RETURN(absl::CivilDay day, ParseDay(in.event_date(), "notice.event_date"));
    r.event_date = day;
  }
  if (in.has_send_time()) r.send_time = FromTimestamp(in.send_time());
  if (in.has_not_before()) r.not_before = FromTimestamp(in.not_before());
  r.source = in.source();
  return r;
}

v1::Notice ToProto(const Notice& n) {
  v1::Notice out;
  const NoticeRequest& r = n.request;
  out.set_name(NoticeName(NoticeRef{r.sender.school_id, n.id}));
  out.set_category(ToProto(r.category));
  out.set_priority(static_cast<v1::Priority>(r.priority));
  v1::Audience* a = out.mutable_audience();
  a->set_kind(static_cast<v1::AudienceKind>(r.audience.kind));
  for (const std::string& s : r.audience.school_ids) a->add_schools(absl::StrCat("schools/", s));
  for (int y : r.audience.year_groups) a->add_year_groups(y);
  for (const std::string& c : r.audience.classes) a->add_classes(c);
  for (const auto& [s, p] : r.audience.pupils) a->add_pupils(absl::StrCat("schools/", s, "/pupils/", p));
  for (const std::string& g : r.audience.guardian_ids) a->add_guardians(absl::StrCat("guardians/", g));
  for (const auto& [s, m] : r.audience.staff) a->add_staff(absl::StrCat("schools/", s, "/staff/", m));
  for (const auto& [s, c] : r.audience.external_contacts)
    a->add_staff(absl::StrCat("schools/", s, "/externalContacts/", c));
  for (const std::string& role : r.audience.staff_roles) a->add_staff_roles(role);
  out.set_template_(r.template_id);
  for (const auto& [k, v] : r.variables) (*out.mutable_variables())[k] = v;
  for (const LocalizedContent& c : r.content) {
    v1::LocalizedContent* lc = out.add_content();
    lc->set_locale(c.locale);
    lc->set_subject(c.subject);
    lc->set_body(c.body);
    lc->set_sms_body(c.sms_body);
  }
  if (r.event_date) out.set_event_date(absl::FormatCivilTime(*r.event_date));
  if (r.send_time) *out.mutable_send_time() = Ts(*r.send_time);
  if (r.not_before) *out.mutable_not_before() = Ts(*r.not_before);
  out.set_source(r.source);
  out.set_state(static_cast<v1::NoticeState>(n.state));
  out.set_recipient_count(n.recipient_count);
  for (const Warning& w : n.warnings) {
    v1::NoticeWarning* pw = out.add_warnings();
    pw->set_code(w.code);
    pw->set_message(w.message);
    pw->set_count(w.count);
  }
  v1::DeliverySummary* s = out.mutable_summary();
  s->set_pending(n.summary.pending);
  s->set_sent(n.summary.sent);
  s->set_delivered(n.summary.delivered);
  s->set_failed(n.summary.failed);
  s->set_skipped(n.summary.skipped);
  s->set_cancelled(n.summary.cancelled);
  out.set_created_by(r.created_by);
  if (Set(n.create_time)) *out.mutable_create_time() = Ts(n.create_time);
  if (n.cancel_time) *out.mutable_cancel_time() = Ts(*n.cancel_time);
  return out;
}

// ---- copies --------------------------------------------------------------------------------

v1::Delivery ToProto(const Delivery& d) {
  v1::Delivery out;
  out.set_channel(static_cast<v1::DeliveryChannel>(d.channel));
  out.set_status(static_cast<v1::DeliveryStatus>(d.status));
  out.set_attempts(d.attempts);
  out.set_provider(d.provider);
  out.set_provider_reference(d.provider_reference);
  if (Set(d.due)) *out.mutable_due_time() = Ts(d.due);
  if (d.sent_time) *out.mutable_sent_time() = Ts(*d.sent_time);
  if (d.delivered_time) *out.mutable_delivered_time() = Ts(*d.delivered_time);
  out.set_reason(d.reason);
  out.set_fallback_from(static_cast<v1::DeliveryChannel>(d.fallback_from));
  return out;
}

v1::Message ToProto(const Message& m, const Notice& notice) {
  v1::Message out;
  const NoticeRef ref{notice.request.sender.school_id, notice.id};
  out.set_name(MessageName(MessageRef{ref, m.id}));
  out.set_notice(NoticeName(ref));
  out.set_category(ToProto(notice.request.category));
  out.set_priority(static_cast<v1::Priority>(notice.request.priority));
  out.set_recipient(m.recipient_kind == RecipientKind::kGuardian ? absl::StrCat("guardians/", m.recipient_id)
                    : m.recipient_kind == RecipientKind::kStaff
                        ? absl::StrCat("schools/", m.school_id, "/staff/", m.recipient_id)
                        : absl::StrCat("schools/", m.school_id, "/externalContacts/", m.recipient_id));
  for (const std::string& g : m.household_members) out.add_household_members(absl::StrCat("guardians/", g));
  for (const std::string& p : m.pupil_ids) {
    const auto [school_id, pupil_id] = PupilOf(m, p);
    out.add_pupils(absl::StrCat("schools/", school_id, "/pupils/", pupil_id));
  }
  out.set_locale(m.locale);
  out.set_subject(m.subject);
  out.set_body(m.body);
  if (m.read_time) *out.mutable_read_time() = Ts(*m.read_time);
  for (const Delivery& d : m.deliveries) *out.add_deliveries() = ToProto(d);
  if (Set(m.create_time)) *out.mutable_create_time() = Ts(m.create_time);
  return out;
}

namespace {

v1::ConsentReply ReplyOf(const std::string& school_id, const ConsentRow& row) {
  v1::ConsentReply r;
  r.set_pupil(absl::StrCat("schools/", row.school_id.empty() ? school_id : row.school_id, "/pupils/", row.pupil_id));
  r.set_guardian(absl::StrCat("guardians/", row.guardian_id));
  r.set_answer(static_cast<v1::ConsentAnswer>(row.answer));
  if (Set(row.answer_time)) *r.mutable_answer_time() = Ts(row.answer_time);
  r.set_locked(row.locked);
  return r;
}

}  // namespace

void AddConsentReplies(const Message& m, const std::vector<ConsentRow>& rows, v1::Message* out) {
  if (m.recipient_kind != RecipientKind::kGuardian) return;
  for (const ConsentRow& row : rows) {
    if (row.answer == ConsentAnswer::kUnspecified) continue;
    const bool theirs =
        row.guardian_id == m.recipient_id ||
        std::find(m.household_members.begin(), m.household_members.end(), row.guardian_id) != m.household_members.end();
    const bool about_their_pupil = NamesPupil(m, row.school_id.empty() ? m.school_id : row.school_id, row.pupil_id);
    if (theirs && about_their_pupil) *out->add_consent_replies() = ReplyOf(m.school_id, row);
  }
}

v1::ConsentSummary ToProto(const NoticeRef& notice, const std::vector<ConsentRow>& rows) {
  v1::ConsentSummary out;
  out.set_notice(NoticeName(notice));
  // Rows name pupils of the notice's school; a trust notice's rows are under the school that
  // each pupil id was reached at, which the row does not carry: the notice's scope is used.
  out.set_pupils(static_cast<int>(rows.size()));
  int yes = 0, no = 0, awaiting = 0;
  for (const ConsentRow& row : rows) {
    v1::PupilConsent* pc = out.add_rows();
    pc->set_pupil(
        absl::StrCat("schools/", row.school_id.empty() ? notice.scope : row.school_id, "/pupils/", row.pupil_id));
    if (row.answer == ConsentAnswer::kUnspecified) {
      ++awaiting;
    } else {
      (row.answer == ConsentAnswer::kYes ? yes : no)++;
      *pc->mutable_reply() = ReplyOf(notice.scope, row);
    }
    for (const std::string& g : row.reached) pc->add_guardians(absl::StrCat("guardians/", g));
  }
  out.set_answered_yes(yes);
  out.set_answered_no(no);
  out.set_awaiting(awaiting);
  return out;
}

// ---- templates, preferences, settings ----------------------------------------------------------

absl::StatusOr<Template> TemplateFrom(const v1::Template& in, const std::string& school_id, const std::string& id) {
  Template t;
  t.school_id = school_id;
  t.id = id;
  PARLEY_ASSIGN_OR_RETURN(t.category, CategoryFrom(in.category(), "template.category"));
  if (t.category == Category::kUnspecified) return BadField("template.category", "is required");
  t.variables.assign(in.variables().begin(), in.variables().end());
  for (const v1::TemplateVariant& v : in.variants()) {
    t.variants.push_back(TemplateVariant{v.locale(), v.subject(), v.body(), v.sms_body()});
  }
  return t;
}

v1::Template ToProto(const Template& t) {
  v1::Template out;
  out.set_name(TemplateName(t.school_id, t.id));
  out.set_category(ToProto(t.category));
  for (const std::string& v : t.variables) out.add_variables(v);
  for (const TemplateVariant& v : t.variants) {
    v1::TemplateVariant* pv = out.add_variants();
    pv->set_locale(v.locale);
    pv->set_subject(v.subject);
    pv->set_body(v.body);
    pv->set_sms_body(v.sms_body);
  }
  out.set_etag(t.etag);
  if (Set(t.update_time)) *out.mutable_update_time() = Ts(t.update_time);
  return out;
}

absl::StatusOr<Preferences> PreferencesFrom(const v1::Preferences& in, const std::string& guardian_id) {
  Preferences p;
  p.guardian_id = guardian_id;
  for (int i = 0; i < in.entries_size(); ++i) {
    const v1::ChannelPreference& e = in.entries(i);
    const std::string field = absl::StrCat("preferences.entries[", i, "]");
    ChannelPreference cp;
    PARLEY_ASSIGN_OR_RETURN(cp.category, CategoryFrom(e.category(), absl::StrCat(field, ".category")));
    PARLEY_ASSIGN_OR_RETURN(cp.channel, ChannelFrom(e.channel(), absl::StrCat(field, ".channel")));
    PARLEY_ASSIGN_OR_RETURN(
        cp.mode, EnumFrom<DeliveryMode>(e.mode(), static_cast<int>(DeliveryMode::kOff), absl::StrCat(field, ".mode")));
    if (cp.category == Category::kUnspecified || cp.channel == DeliveryChannel::kUnspecified ||
        cp.mode == DeliveryMode::kUnspecified) {
      return BadField(field, "needs a category, a channel and a mode");
    }
    p.entries.push_back(cp);
  }
  return p;
}

v1::Preferences ToProto(const Preferences& p) {
  v1::Preferences out;
  out.set_name(absl::StrCat("guardians/", p.guardian_id, "/preferences"));
  for (const ChannelPreference& e : p.entries) {
    v1::ChannelPreference* pe = out.add_entries();
    pe->set_category(ToProto(e.category));
    pe->set_channel(static_cast<v1::DeliveryChannel>(e.channel));
    pe->set_mode(static_cast<v1::DeliveryMode>(e.mode));
  }
  out.set_etag(p.etag);
  if (Set(p.update_time)) *out.mutable_update_time() = Ts(p.update_time);
  return out;
}

absl::StatusOr<SchoolSettings> SettingsFrom(const v1::SchoolSettings& in, const std::string& school_id) {
  SchoolSettings s;
  s.school_id = school_id;
  if (!in.digest_time().empty()) {
    const std::string& t = in.digest_time();
    int h = 0, m = 0;
    if (t.size() != 5 || t[2] != ':' || !absl::SimpleAtoi(t.substr(0, 2), &h) || !absl::SimpleAtoi(t.substr(3), &m) ||
        !absl::ascii_isdigit(t[0]) || !absl::ascii_isdigit(t[3]) || h < 0 || h > 23 || m < 0 || m > 59) {
      return BadField("settings.digest_time", "must be a time of day, HH:MM");
    }
    s.digest_time_of_day = absl::CivilMinute(1970, 1, 1, h, m);
  }
  if (in.has_app_read_wait()) {
    const absl::Duration wait =
        absl::Seconds(in.app_read_wait().seconds()) + absl::Nanoseconds(in.app_read_wait().nanos());
    if (wait < absl::ZeroDuration() || wait > absl::Hours(72)) {
      return BadField("settings.app_read_wait", "must be between 0 and 72 hours");
    }
    s.app_read_wait = wait;
  }
  return s;
}

v1::SchoolSettings ToProto(const SchoolSettings& s) {
  v1::SchoolSettings out;
  out.set_name(absl::StrCat("schools/", s.school_id, "/notificationSettings"));
  out.set_digest_time(absl::StrFormat("%02d:%02d", s.digest_time_of_day.hour(), s.digest_time_of_day.minute()));
  out.mutable_app_read_wait()->set_seconds(absl::ToInt64Seconds(s.app_read_wait));
  out.set_etag(s.etag);
  if (Set(s.update_time)) *out.mutable_update_time() = Ts(s.update_time);
  return out;
}

// ---- letters and figures -------------------------------------------------------------------

v1::LetterBatch ToProto(const LetterBatchInfo& b) {
  v1::LetterBatch out;
  out.set_name(LetterBatchName(b.school_id, b.day));
  out.set_letter_count(b.letters);
  if (Set(b.create_time)) *out.mutable_create_time() = Ts(b.create_time);
  return out;
}

namespace {

void FillFigures(const DeliveryFigures& f, v1::DeliveryFigures* out) {
  out->set_notices(f.notices);
  out->set_messages(f.messages);
  out->set_sent(f.sent);
  out->set_delivered(f.delivered);
  out->set_failed(f.failed);
  out->set_fallbacks(f.fallbacks);
  out->set_reach(f.guardian_copies > 0 ? static_cast<double>(f.guardian_copies_reached) / f.guardian_copies : 0.0);
  out->set_median_seconds_to_send(f.median_seconds_to_send);
  out->set_p90_seconds_to_send(f.p90_seconds_to_send);
}

}  // namespace

void FillStats(const SchoolFigures& f, v1::SchoolStats* out) {
  FillFigures(f.all, out->mutable_all());
  for (const auto& [category, figures] : f.by_category) {
    v1::CategoryDeliveryFigures* c = out->add_by_category();
    c->set_category(ToProto(category));
    FillFigures(figures, c->mutable_figures());
  }
  for (const auto& [channel, figures] : f.by_channel) {
    v1::ChannelDeliveryFigures* c = out->add_by_channel();
    c->set_channel(static_cast<v1::DeliveryChannel>(channel));
    FillFigures(figures, c->mutable_figures());
  }
  out->set_short_notice_events(f.short_notice_events);
  out->set_version(std::string(BuildVersion()));
}

}  // namespace parley::notifications
