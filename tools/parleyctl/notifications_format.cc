#include "tools/parleyctl/notifications_format.h"

#include <algorithm>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "google/protobuf/util/time_util.h"
#include "tools/parleyctl/format.h"
#include "tools/parleyctl/notifications_args.h"

namespace parley::ctl {
namespace {

std::string When(bool has, const google::protobuf::Timestamp& ts, absl::TimeZone zone, const std::string& none) {
  return has ? FormatLocalTime(FromProto(ts), zone) : none;
}

std::string Joined(const google::protobuf::RepeatedPtrField<std::string>& names) {
  std::vector<std::string> shorts;
  for (const std::string& n : names) shorts.push_back(ShortName(n));
  return shorts.empty() ? "-" : absl::StrJoin(shorts, ",");
}

std::string DescribeAudience(const nv1::Audience& a) {
  std::string where;
  if (a.schools_size() > 0) where = absl::StrCat(" at ", Joined(a.schools()));
  switch (a.kind()) {
    case nv1::AUDIENCE_KIND_TRUST:
      return "every guardian in the trust";
    case nv1::AUDIENCE_KIND_SCHOOL:
      return absl::StrCat("every guardian of the school", where);
    case nv1::AUDIENCE_KIND_YEAR_GROUPS:
      return absl::StrCat("guardians of year ", absl::StrJoin(a.year_groups(), ","), where);
    case nv1::AUDIENCE_KIND_CLASSES:
      return absl::StrCat("guardians of class ", absl::StrJoin(a.classes(), ","), where);
    case nv1::AUDIENCE_KIND_PUPILS:
      return absl::StrCat("guardians of pupils ", Joined(a.pupils()));
    case nv1::AUDIENCE_KIND_GUARDIANS: {
      std::string s = absl::StrCat("guardians ", Joined(a.guardians()));
      if (a.pupils_size() > 0) absl::StrAppend(&s, " about ", Joined(a.pupils()));
      return s;
    }
    case nv1::AUDIENCE_KIND_STAFF:
      if (a.staff_size() > 0) return absl::StrCat("staff ", Joined(a.staff()));
      if (a.staff_roles_size() > 0) return absl::StrCat("staff with role ", absl::StrJoin(a.staff_roles(), ","), where);
      return absl::StrCat("every member of staff", where);
    default:
      return "-";
  }
}

std::string WarningText(const nv1::NoticeWarning& w) {
  std::string s = w.code();
  if (w.count() > 0) absl::StrAppend(&s, " (", w.count(), ")");
  if (!w.message().empty()) absl::StrAppend(&s, ": ", w.message());
  return s;
}

std::string DurationText(const google::protobuf::Duration& d) {
  const int64_t s = d.seconds();
  if (s == 0) return "0 (the email goes with the app copy)";
  if (s % 3600 == 0) return absl::StrCat(s / 3600, "h");
  if (s % 60 == 0) return absl::StrCat(s / 60, "m");
  return absl::StrCat(s, "s");
}

}  // namespace

std::string FormatDeliverySummary(const nv1::DeliverySummary& s) {
  std::vector<std::string> parts;
  auto add = [&](const char* what, int n) {
    if (n > 0) parts.push_back(absl::StrCat(what, " ", n));
  };
  add("pending", s.pending());
  add("sent", s.sent());
  add("delivered", s.delivered());
  add("failed", s.failed());
  add("skipped", s.skipped());
  add("cancelled", s.cancelled());
  return parts.empty() ? "nothing yet" : absl::StrJoin(parts, ", ");
}

std::string FormatNotice(const nv1::Notice& n, absl::TimeZone zone) {
  KeyValues kv;
  kv.Add("notice", n.name());
  kv.Add("state", NoticeStateName(n.state()));
  kv.Add("category", NoticeCategoryName(n.category()));
  kv.Add("priority", NoticePriorityName(n.priority()));
  kv.Add("audience", DescribeAudience(n.audience()));
  if (!n.template_().empty()) {
    std::vector<std::string> vars;
    for (const auto& [k, v] : n.variables()) vars.push_back(k);
    std::sort(vars.begin(), vars.end());
    kv.Add("template",
           vars.empty() ? n.template_() : absl::StrCat(n.template_(), " (", absl::StrJoin(vars, ", "), ")"));
  } else {
    std::vector<std::string> locales;
    for (const nv1::LocalizedContent& c : n.content()) locales.push_back(c.locale());
    kv.Add("content", absl::StrCat("written, in ", locales.empty() ? "-" : absl::StrJoin(locales, ", ")));
  }
  if (!n.event_date().empty()) kv.Add("event date", FormatDate(n.event_date()));
  if (n.has_send_time()) kv.Add("send time", FormatLocalAndUtc(FromProto(n.send_time()), zone));
  if (n.has_not_before()) kv.Add("not before", FormatLocalTime(FromProto(n.not_before()), zone));
  if (!n.source().empty()) kv.Add("about", n.source());
  kv.Add("recipients", absl::StrCat(n.recipient_count()));
  if (n.warnings_size() == 0) kv.Add("warnings", "none");
  for (const nv1::NoticeWarning& w : n.warnings()) AddWrapped(&kv, "warning", WarningText(w));
  kv.Add("deliveries", FormatDeliverySummary(n.summary()));
  if (!n.created_by().empty()) kv.Add("created by", n.created_by());
  if (n.has_create_time()) kv.Add("created", FormatLocalTime(FromProto(n.create_time()), zone));
  if (n.has_cancel_time()) kv.Add("cancelled", FormatLocalTime(FromProto(n.cancel_time()), zone));
  return kv.Render();
}

std::string FormatNoticesTable(const std::vector<nv1::Notice>& notices, absl::TimeZone zone) {
  if (notices.empty()) return "no notices\n";
  Table t({"NOTICE", "CATEGORY", "PRIORITY", "STATE", "RECIPIENTS", "CREATED", "WARNINGS"});
  for (const nv1::Notice& n : notices) {
    std::vector<std::string> codes;
    for (const nv1::NoticeWarning& w : n.warnings()) codes.push_back(w.code());
    t.AddRow({ShortName(n.name()), NoticeCategoryName(n.category()), NoticePriorityName(n.priority()),
              NoticeStateName(n.state()), absl::StrCat(n.recipient_count()),
              When(n.has_create_time(), n.create_time(), zone, "-"), codes.empty() ? "-" : absl::StrJoin(codes, ",")});
  }
  return t.Render();
}

std::string FormatDeliveriesCell(const google::protobuf::RepeatedPtrField<nv1::Delivery>& deliveries) {
  std::vector<std::string> cells;
  for (const nv1::Delivery& d : deliveries) {
    std::string c = absl::StrCat(DeliveryChannelName(d.channel()), ":", DeliveryStatusName(d.status()));
    if (!d.reason().empty()) absl::StrAppend(&c, "(", d.reason(), ")");
    if (d.fallback_from() != nv1::DELIVERY_CHANNEL_UNSPECIFIED) {
      c = absl::StrCat(DeliveryChannelName(d.fallback_from()), "→", c);
    }
    cells.push_back(std::move(c));
  }
  return cells.empty() ? "-" : absl::StrJoin(cells, " ");
}

std::string FormatMessage(const nv1::Message& m, absl::TimeZone zone) {
  KeyValues kv;
  kv.Add("message", m.name());
  kv.Add("notice", m.notice());
  kv.Add("category", NoticeCategoryName(m.category()));
  kv.Add("priority", NoticePriorityName(m.priority()));
  kv.Add("recipient", m.recipient());
  if (m.household_members_size() > 0) kv.Add("household", absl::StrJoin(m.household_members(), ", "));
  kv.Add("pupils", m.pupils_size() == 0 ? "-" : absl::StrJoin(m.pupils(), ", "));
  kv.Add("locale", m.locale().empty() ? "-" : m.locale());
  kv.Add("read", When(m.has_read_time(), m.read_time(), zone, "not yet"));
  if (m.has_create_time()) kv.Add("created", FormatLocalTime(FromProto(m.create_time()), zone));
  if (!m.subject().empty()) kv.Add("subject", m.subject());
  if (!m.body().empty()) AddWrapped(&kv, "body", m.body());
  for (const nv1::ConsentReply& r : m.consent_replies()) {
    kv.Add(
        absl::StrCat("consent ", ShortName(r.pupil())),
        absl::StrCat(ConsentAnswerName(r.answer()), " by ", ShortName(r.guardian()),
                     r.has_answer_time() ? absl::StrCat(" at ", FormatLocalTime(FromProto(r.answer_time()), zone)) : "",
                     r.locked() ? " (locked)" : ""));
  }
  std::string out = kv.Render();
  if (m.deliveries_size() > 0) {
    Table t({"CHANNEL", "STATUS", "ATTEMPTS", "PROVIDER", "DUE", "SENT", "DELIVERED", "REASON"});
    for (const nv1::Delivery& d : m.deliveries()) {
      std::string channel = DeliveryChannelName(d.channel());
      if (d.fallback_from() != nv1::DELIVERY_CHANNEL_UNSPECIFIED) {
        channel = absl::StrCat(channel, " (after ", DeliveryChannelName(d.fallback_from()), ")");
      }
      t.AddRow({channel, DeliveryStatusName(d.status()), absl::StrCat(d.attempts()),
                d.provider().empty() ? "-" : d.provider(), When(d.has_due_time(), d.due_time(), zone, "-"),
                When(d.has_sent_time(), d.sent_time(), zone, "-"),
                When(d.has_delivered_time(), d.delivered_time(), zone, "-"), d.reason().empty() ? "-" : d.reason()});
    }
    absl::StrAppend(&out, IndentedTable("deliveries", t));
  }
  return out;
}

std::string FormatMessagesTable(const std::vector<nv1::Message>& messages, absl::TimeZone zone) {
  if (messages.empty()) return "no messages\n";
  Table t({"MESSAGE", "NOTICE", "RECIPIENT", "PUPILS", "LOCALE", "READ", "DELIVERIES"});
  for (const nv1::Message& m : messages) {
    t.AddRow({ShortName(m.name()), ShortName(m.notice()), m.recipient(), Joined(m.pupils()),
              m.locale().empty() ? "-" : m.locale(), When(m.has_read_time(), m.read_time(), zone, "-"),
              FormatDeliveriesCell(m.deliveries())});
  }
  return t.Render();
}

std::string FormatTemplatesTable(const std::vector<nv1::Template>& templates) {
  if (templates.empty()) return "no templates\n";
  Table t({"TEMPLATE", "CATEGORY", "LOCALES", "VARIABLES"});
  for (const nv1::Template& tpl : templates) {
    std::vector<std::string> locales;
    for (const nv1::TemplateVariant& v : tpl.variants()) locales.push_back(v.locale());
    t.AddRow({tpl.name(), NoticeCategoryName(tpl.category()), absl::StrJoin(locales, ","),
              tpl.variables_size() == 0 ? "-" : absl::StrJoin(tpl.variables(), ",")});
  }
  return t.Render();
}

std::string FormatTemplate(const nv1::Template& t, absl::TimeZone zone) {
  KeyValues kv;
  kv.Add("template", t.name());
  kv.Add("category", NoticeCategoryName(t.category()));
  kv.Add("variables", t.variables_size() == 0 ? "none" : absl::StrJoin(t.variables(), ", "));
  if (!t.etag().empty()) kv.Add("etag", t.etag());
  if (t.has_update_time()) kv.Add("updated", FormatLocalTime(FromProto(t.update_time()), zone));
  for (const nv1::TemplateVariant& v : t.variants()) {
    kv.Add(absl::StrCat("[", v.locale(), "] subject"), v.subject());
    AddWrapped(&kv, absl::StrCat("[", v.locale(), "] body"), v.body());
    if (!v.sms_body().empty()) AddWrapped(&kv, absl::StrCat("[", v.locale(), "] sms"), v.sms_body());
  }
  return kv.Render();
}

std::string FormatPreferences(const nv1::Preferences& prefs, absl::TimeZone zone) {
  KeyValues kv;
  kv.Add("preferences", prefs.name());
  if (!prefs.etag().empty()) kv.Add("etag", prefs.etag());
  if (prefs.has_update_time()) kv.Add("updated", FormatLocalTime(FromProto(prefs.update_time()), zone));
  if (prefs.entries_size() == 0) {
    kv.Add("entries", "none: instant on the guardian's channel and its fallbacks");
    return kv.Render();
  }
  std::string out = kv.Render();
  Table t({"CATEGORY", "CHANNEL", "MODE"});
  for (const nv1::ChannelPreference& e : prefs.entries()) {
    t.AddRow({NoticeCategoryName(e.category()), DeliveryChannelName(e.channel()), DeliveryModeName(e.mode())});
  }
  absl::StrAppend(&out, IndentedTable("entries", t));
  return out;
}

std::string FormatSchoolSettings(const nv1::SchoolSettings& s, absl::TimeZone zone) {
  KeyValues kv;
  kv.Add("settings", s.name());
  kv.Add("digest time", s.digest_time().empty() ? "17:00 (default)" : s.digest_time());
  kv.Add("app read wait", s.has_app_read_wait() ? DurationText(s.app_read_wait()) : "2h (default)");
  if (!s.etag().empty()) kv.Add("etag", s.etag());
  if (s.has_update_time()) kv.Add("updated", FormatLocalTime(FromProto(s.update_time()), zone));
  return kv.Render();
}

std::string FormatConsentSummary(const nv1::ConsentSummary& s, absl::TimeZone zone) {
  KeyValues kv;
  kv.Add("notice", s.notice());
  kv.Add("pupils", absl::StrCat(s.pupils()));
  kv.Add("yes", absl::StrCat(s.answered_yes()));
  kv.Add("no", absl::StrCat(s.answered_no()));
  kv.Add("awaiting", absl::StrCat(s.awaiting()));
  std::string out = kv.Render();
  if (s.rows_size() == 0) return out;
  Table t({"PUPIL", "ANSWER", "BY", "WHEN", "LOCKED", "GUARDIANS"});
  for (const nv1::PupilConsent& r : s.rows()) {
    const bool answered = r.has_reply() && r.reply().answer() != nv1::CONSENT_ANSWER_UNSPECIFIED;
    t.AddRow({ShortName(r.pupil()), answered ? ConsentAnswerName(r.reply().answer()) : "awaiting",
              answered ? ShortName(r.reply().guardian()) : "-",
              answered ? When(r.reply().has_answer_time(), r.reply().answer_time(), zone, "-") : "-",
              answered && r.reply().locked() ? "yes" : "-", Joined(r.guardians())});
  }
  absl::StrAppend(&out, IndentedTable("by pupil", t));
  return out;
}

std::string FormatLetterBatches(const std::vector<nv1::LetterBatch>& batches, absl::TimeZone zone) {
  if (batches.empty()) return "no letter batches\n";
  Table t({"BATCH", "LETTERS", "CREATED"});
  for (const nv1::LetterBatch& b : batches) {
    t.AddRow({b.name(), absl::StrCat(b.letter_count()), When(b.has_create_time(), b.create_time(), zone, "-")});
  }
  return t.Render();
}

}  // namespace parley::ctl
