#include "tools/parleyctl/notifications_args.h"

#include <algorithm>
#include <set>

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "absl/strings/strip.h"
#include "google/protobuf/util/json_util.h"
#include "google/protobuf/util/time_util.h"
#include "tools/parleyctl/args.h"
#include "tools/parleyctl/conduct_args.h"
#include "tools/parleyctl/named_enum.h"

namespace parley::ctl {
namespace {

constexpr Named<nv1::Category> kCategories[] = {
    {nv1::CATEGORY_NEWSLETTER, "newsletter", "newsletters"},
    {nv1::CATEGORY_EVENT, "event", "events"},
    {nv1::CATEGORY_CLOSURE, "closure", "closures"},
    {nv1::CATEGORY_TRIP, "trip", "trips"},
    {nv1::CATEGORY_CONSENT, "consent", "consents"},
    {nv1::CATEGORY_ATTENDANCE, "attendance", "attendance"},
    {nv1::CATEGORY_REPORT, "report", "reports"},
    {nv1::CATEGORY_MEETING, "meeting", "meetings"},
    {nv1::CATEGORY_ESCALATION, "escalation", "escalations"},
    {nv1::CATEGORY_CONDUCT_LETTER, "conduct-letter", "conduct"},
    {nv1::CATEGORY_EMERGENCY, "emergency", "emergencies"},
};

constexpr Named<nv1::Priority> kPriorities[] = {
    {nv1::PRIORITY_ROUTINE, "routine", "normal"},
    {nv1::PRIORITY_IMPORTANT, "important", "high"},
    {nv1::PRIORITY_EMERGENCY, "emergency", "urgent"},
};

constexpr Named<nv1::DeliveryChannel> kChannels[] = {
    {nv1::DELIVERY_CHANNEL_APP, "app", "push"},
    {nv1::DELIVERY_CHANNEL_EMAIL, "email", "mail"},
    {nv1::DELIVERY_CHANNEL_SMS, "sms", "text"},
    {nv1::DELIVERY_CHANNEL_LETTER, "letter", "post"},
};

constexpr Named<nv1::DeliveryMode> kModes[] = {
    {nv1::DELIVERY_MODE_INSTANT, "instant", "now"},
    {nv1::DELIVERY_MODE_DIGEST, "digest", "daily"},
    {nv1::DELIVERY_MODE_OFF, "off", "none"},
};

constexpr Named<nv1::DeliveryStatus> kStatuses[] = {
    {nv1::DELIVERY_STATUS_PENDING, "pending", "pending"},
    {nv1::DELIVERY_STATUS_IN_DIGEST, "in-digest", "digest"},
    {nv1::DELIVERY_STATUS_SENT, "sent", "sent"},
    {nv1::DELIVERY_STATUS_DELIVERED, "delivered", "delivered"},
    {nv1::DELIVERY_STATUS_FAILED, "failed", "failed"},
    {nv1::DELIVERY_STATUS_SKIPPED, "skipped", "skipped"},
    {nv1::DELIVERY_STATUS_CANCELLED, "cancelled", "canceled"},
};

constexpr Named<nv1::NoticeState> kNoticeStates[] = {
    {nv1::NOTICE_STATE_SCHEDULED, "scheduled", "scheduled"},
    {nv1::NOTICE_STATE_SENDING, "sending", "sent"},
    {nv1::NOTICE_STATE_CANCELLED, "cancelled", "canceled"},
};

constexpr Named<nv1::ConsentAnswer> kAnswers[] = {
    {nv1::CONSENT_ANSWER_YES, "yes", "y"},
    {nv1::CONSENT_ANSWER_NO, "no", "n"},
};

// The limits of the API (notice.proto), checked here so a mistake costs no call.
constexpr size_t kMaxSubject = 200;
constexpr size_t kMaxBody = 20000;
constexpr size_t kMaxSmsBody = 640;
constexpr size_t kMaxVariableName = 64;
constexpr size_t kMaxVariableValue = 2000;
constexpr size_t kMaxTemplateId = 64;

bool IsId(absl::string_view id) {
  return !id.empty() && std::none_of(id.begin(), id.end(), [](char c) {
    return c == '/' || absl::ascii_isspace(static_cast<unsigned char>(c));
  });
}

bool IsTemplateId(absl::string_view id) {
  return !id.empty() && id.size() <= kMaxTemplateId && std::all_of(id.begin(), id.end(), [](char c) {
    return absl::ascii_islower(static_cast<unsigned char>(c)) || absl::ascii_isdigit(static_cast<unsigned char>(c)) ||
           c == '_' || c == '.' || c == '-';
  });
}

// Characters, not bytes, as the API counts them.
size_t Chars(const std::string& text) {
  return static_cast<size_t>(
      std::count_if(text.begin(), text.end(), [](char c) { return (static_cast<unsigned char>(c) & 0xC0) != 0x80; }));
}

absl::Status TooLong(const std::string& value, const char* flag, size_t max) {
  if (Chars(value) <= max) return absl::OkStatus();
  return absl::InvalidArgumentError(absl::StrCat(flag, " is over ", max, " characters"));
}

// "schools/{school}/{collection}/{id}" or "trust/{collection}/{id}" as given, or a bare id under
// `parent`.
absl::StatusOr<std::string> NameUnder(const std::string& parent, const std::string& collection, const std::string& text,
                                      const std::string& what) {
  const std::string s(absl::StripAsciiWhitespace(text));
  if (IsId(s)) {
    if (parent.empty()) {
      return absl::InvalidArgumentError(absl::StrCat(what, " \"", s, "\" is a bare id: give the full name (trust/",
                                                     collection, "/", s, " or schools/{school}/", collection, "/", s,
                                                     "), or --school / --trust"));
    }
    return absl::StrCat(parent, "/", collection, "/", s);
  }
  const std::vector<std::string> parts = absl::StrSplit(s, '/');
  const bool trust = parts.size() == 3 && parts[0] == "trust" && parts[1] == collection && IsId(parts[2]);
  const bool school =
      parts.size() == 4 && parts[0] == "schools" && IsId(parts[1]) && parts[2] == collection && IsId(parts[3]);
  if (!trust && !school) {
    return absl::InvalidArgumentError(absl::StrCat("\"", text, "\" is not ", what, ": want trust/", collection,
                                                   "/{id} or schools/{school}/", collection, "/{id}"));
  }
  return s;
}

// A comma-separated list: items trimmed, empty ones refused.
absl::StatusOr<std::vector<std::string>> CommaList(absl::string_view text, absl::string_view what) {
  std::vector<std::string> out;
  for (absl::string_view item : absl::StrSplit(text, ',')) {
    item = absl::StripAsciiWhitespace(item);
    if (item.empty()) return absl::InvalidArgumentError(absl::StrCat("--audience ", what, ": an empty item"));
    out.emplace_back(item);
  }
  return out;
}

}  // namespace

absl::StatusOr<nv1::Category> ParseNoticeCategory(const std::string& text) {
  return ParseNamed(kCategories, text, "category-", "category");
}
std::string NoticeCategoryName(nv1::Category category) { return NameOf(kCategories, category); }

absl::StatusOr<nv1::Priority> ParseNoticePriority(const std::string& text) {
  return ParseNamed(kPriorities, text, "priority-", "priority");
}
std::string NoticePriorityName(nv1::Priority priority) { return NameOf(kPriorities, priority); }

absl::StatusOr<nv1::DeliveryChannel> ParseDeliveryChannel(const std::string& text) {
  return ParseNamed(kChannels, text, "delivery-channel-", "channel");
}
std::string DeliveryChannelName(nv1::DeliveryChannel channel) { return NameOf(kChannels, channel); }

absl::StatusOr<nv1::DeliveryMode> ParseDeliveryMode(const std::string& text) {
  return ParseNamed(kModes, text, "delivery-mode-", "mode");
}
std::string DeliveryModeName(nv1::DeliveryMode mode) { return NameOf(kModes, mode); }

std::string DeliveryStatusName(nv1::DeliveryStatus status) { return NameOf(kStatuses, status); }
std::string NoticeStateName(nv1::NoticeState state) { return NameOf(kNoticeStates, state); }
std::string ConsentAnswerName(nv1::ConsentAnswer answer) { return NameOf(kAnswers, answer); }

absl::StatusOr<std::string> NotificationsParent(const std::string& school, bool trust) {
  if (trust && !school.empty()) return absl::InvalidArgumentError("give --school or --trust, not both");
  if (trust) return std::string("trust");
  if (school.empty()) return absl::InvalidArgumentError("give --school S (a school's) or --trust (the trust's)");
  return SchoolName(school);
}

absl::StatusOr<std::string> NoticeName(const std::string& parent, const std::string& text) {
  return NameUnder(parent, "notices", text, "a notice");
}

absl::StatusOr<std::string> TemplateName(const std::string& parent, const std::string& text) {
  absl::StatusOr<std::string> name = NameUnder(parent, "templates", text, "a template");
  if (!name.ok()) return name;
  if (!IsTemplateId(LastSegment(*name))) {
    return absl::InvalidArgumentError(
        absl::StrCat("template id \"", LastSegment(*name), "\": 1-64 of a-z, 0-9, '_', '.', '-'"));
  }
  return name;
}

absl::StatusOr<std::string> MessageName(const std::string& text) {
  const std::string s(absl::StripAsciiWhitespace(text));
  const std::vector<std::string> parts = absl::StrSplit(s, '/');
  const bool ok = parts.size() == 6 && parts[0] == "schools" && IsId(parts[1]) && parts[2] == "notices" &&
                  IsId(parts[3]) && parts[4] == "messages" && IsId(parts[5]);
  if (!ok) {
    return absl::InvalidArgumentError(
        absl::StrCat("\"", text, "\" is not a message: want schools/{school}/notices/{notice}/messages/{message}"));
  }
  return s;
}

absl::StatusOr<std::string> LetterBatchName(const std::string& school, const std::string& text) {
  const std::string s(absl::StripAsciiWhitespace(text));
  std::string name = s;
  if (!absl::StartsWith(s, "schools/")) {
    if (school.empty()) {
      return absl::InvalidArgumentError(
          "a letter batch needs its full name (schools/{school}/letterBatches/{YYYY-MM-DD}), or --school with a date");
    }
    absl::StatusOr<std::string> school_name = SchoolName(school);
    if (!school_name.ok()) return school_name.status();
    name = absl::StrCat(*school_name, "/letterBatches/", s);
  }
  const std::vector<std::string> parts = absl::StrSplit(name, '/');
  if (parts.size() != 4 || !IsId(parts[1]) || parts[2] != "letterBatches" ||
      !ParseDateArg("letter batch", parts[3]).ok()) {
    return absl::InvalidArgumentError(
        absl::StrCat("\"", text, "\" is not a letter batch: want schools/{school}/letterBatches/{YYYY-MM-DD}"));
  }
  return name;
}

absl::StatusOr<std::map<std::string, std::string>> ParseVariables(const std::vector<std::string>& vars) {
  std::map<std::string, std::string> out;
  for (const std::string& v : vars) {
    const size_t eq = v.find('=');
    if (eq == std::string::npos) {
      return absl::InvalidArgumentError(absl::StrCat("--var \"", v, "\": want name=value"));
    }
    const std::string name = v.substr(0, eq);
    const bool valid =
        !name.empty() && name.size() <= kMaxVariableName && std::all_of(name.begin(), name.end(), [](char c) {
          return absl::ascii_islower(static_cast<unsigned char>(c)) ||
                 absl::ascii_isdigit(static_cast<unsigned char>(c)) || c == '_';
        });
    if (!valid) {
      return absl::InvalidArgumentError(absl::StrCat("--var \"", v, "\": the name is 1-64 of a-z, 0-9 and '_'"));
    }
    std::string value = v.substr(eq + 1);
    if (Chars(value) > kMaxVariableValue) {
      return absl::InvalidArgumentError(absl::StrCat("--var ", name, ": the value is over 2,000 characters"));
    }
    if (!out.emplace(name, std::move(value)).second) {
      return absl::InvalidArgumentError(absl::StrCat("--var ", name, " is given twice"));
    }
  }
  return out;
}

absl::StatusOr<nv1::Audience> ParseAudience(const std::string& parent, const std::string& text,
                                            const std::vector<std::string>& schools) {
  const bool trust = parent == "trust";
  const std::string s(absl::StripAsciiWhitespace(text));
  const size_t colon = s.find(':');
  const std::string kind = absl::AsciiStrToLower(s.substr(0, colon));
  const bool has_list = colon != std::string::npos;
  const std::string list = has_list ? s.substr(colon + 1) : "";
  nv1::Audience a;
  if (!schools.empty()) {
    if (!trust) return absl::InvalidArgumentError("--schools is for the trust's notices (--trust) only");
    for (const std::string& school : schools) {
      absl::StatusOr<std::string> name = SchoolName(school);
      if (!name.ok()) return name.status();
      a.add_schools(*name);
    }
  }
  auto no_list = [&]() -> absl::Status {
    if (has_list) return absl::InvalidArgumentError(absl::StrCat("--audience ", kind, " takes no list"));
    return absl::OkStatus();
  };
  auto need_list = [&]() -> absl::StatusOr<std::vector<std::string>> {
    if (!has_list || list.empty()) {
      return absl::InvalidArgumentError(absl::StrCat("--audience ", kind, ": needs a list (", kind, ":a,b)"));
    }
    return CommaList(list, kind);
  };
  // Bare pupil and staff ids belong to the sending school; a trust notice names them in full.
  const std::string school_parent = trust ? "" : parent;
  if (kind == "trust") {
    if (absl::Status st = no_list(); !st.ok()) return st;
    if (!trust) return absl::InvalidArgumentError("--audience trust is for the trust's notices (--trust) only");
    if (!schools.empty()) return absl::InvalidArgumentError("--audience trust reaches every school: no --schools");
    a.set_kind(nv1::AUDIENCE_KIND_TRUST);
  } else if (kind == "school") {
    if (absl::Status st = no_list(); !st.ok()) return st;
    if (trust && schools.empty()) {
      return absl::InvalidArgumentError("--audience school from the trust needs --schools (or --audience trust)");
    }
    a.set_kind(nv1::AUDIENCE_KIND_SCHOOL);
  } else if (kind == "year" || kind == "years") {
    absl::StatusOr<std::vector<std::string>> items = need_list();
    if (!items.ok()) return items.status();
    a.set_kind(nv1::AUDIENCE_KIND_YEAR_GROUPS);
    for (const std::string& item : *items) {
      int year = 0;
      if (!absl::SimpleAtoi(item, &year) || year < -1 || year > 14) {
        return absl::InvalidArgumentError(
            absl::StrCat("--audience year: \"", item, "\" is not a year group (-1 to 14)"));
      }
      a.add_year_groups(year);
    }
  } else if (kind == "class" || kind == "classes") {
    absl::StatusOr<std::vector<std::string>> items = need_list();
    if (!items.ok()) return items.status();
    a.set_kind(nv1::AUDIENCE_KIND_CLASSES);
    for (const std::string& item : *items) a.add_classes(item);
  } else if (kind == "pupils" || kind == "pupil") {
    absl::StatusOr<std::vector<std::string>> items = need_list();
    if (!items.ok()) return items.status();
    a.set_kind(nv1::AUDIENCE_KIND_PUPILS);
    for (const std::string& item : *items) {
      absl::StatusOr<std::string> name = PupilName(school_parent, item);
      if (!name.ok()) return name.status();
      a.add_pupils(*name);
    }
  } else if (kind == "guardians" || kind == "guardian") {
    absl::StatusOr<std::vector<std::string>> items = need_list();
    if (!items.ok()) return items.status();
    a.set_kind(nv1::AUDIENCE_KIND_GUARDIANS);
    for (const std::string& item : *items) {
      absl::StatusOr<std::string> name = GuardianName(item);
      if (!name.ok()) return name.status();
      a.add_guardians(*name);
    }
  } else if (kind == "staff") {
    a.set_kind(nv1::AUDIENCE_KIND_STAFF);
    if (has_list) {
      absl::StatusOr<std::vector<std::string>> roles = need_list();
      if (!roles.ok()) return roles.status();
      for (const std::string& role : *roles) a.add_staff_roles(role);
    }
  } else {
    return absl::InvalidArgumentError(absl::StrCat(
        "--audience \"", text,
        "\": want school, trust, year:4,5, class:Oak,Ash, pupils:p-1,p-2, guardians:g-1,g-2, staff or staff:role,..."));
  }
  return a;
}

absl::Status CheckDigestTime(const std::string& text) {
  int h = 0, m = 0;
  const bool ok = text.size() == 5 && text[2] == ':' && absl::ascii_isdigit(static_cast<unsigned char>(text[0])) &&
                  absl::ascii_isdigit(static_cast<unsigned char>(text[1])) &&
                  absl::ascii_isdigit(static_cast<unsigned char>(text[3])) &&
                  absl::ascii_isdigit(static_cast<unsigned char>(text[4])) && absl::SimpleAtoi(text.substr(0, 2), &h) &&
                  absl::SimpleAtoi(text.substr(3, 2), &m) && h < 24 && m < 60;
  if (!ok) return absl::InvalidArgumentError(absl::StrCat("--digest-time \"", text, "\": want HH:MM (17:00)"));
  return absl::OkStatus();
}

absl::StatusOr<absl::Duration> ParseAppReadWait(const std::string& text) {
  if (absl::StripAsciiWhitespace(text) == "0") return absl::ZeroDuration();
  absl::StatusOr<absl::Duration> d = ParseDurationArg("--app-read-wait", text);
  if (!d.ok()) return d;
  if (*d > absl::Hours(72)) return absl::InvalidArgumentError("--app-read-wait: at most 72h");
  if (*d % absl::Seconds(1) != absl::ZeroDuration()) {
    return absl::InvalidArgumentError("--app-read-wait: whole seconds");
  }
  return d;
}

absl::StatusOr<std::string> MessagesParent(const NotificationsListOptions& opts) {
  const int given = !opts.notice.empty() + !opts.guardian.empty() + !opts.pupil.empty() + !opts.staff.empty();
  if (given != 1) {
    return absl::InvalidArgumentError("give one of NOTICE, --guardian G, --pupil P or --staff M");
  }
  if (!opts.guardian.empty()) return GuardianName(opts.guardian);
  std::string school;
  if (!opts.school.empty()) {
    absl::StatusOr<std::string> name = SchoolName(opts.school);
    if (!name.ok()) return name.status();
    school = *name;
  }
  if (!opts.pupil.empty()) return PupilName(school, opts.pupil);
  if (!opts.staff.empty()) return StaffName(school, opts.staff);
  std::string parent;
  if (opts.trust || !opts.school.empty()) {
    absl::StatusOr<std::string> p = NotificationsParent(opts.school, opts.trust);
    if (!p.ok()) return p.status();
    parent = *p;
  }
  return NoticeName(parent, opts.notice);
}

absl::StatusOr<nv1::CreateNoticeRequest> BuildNoticeRequest(const NoticeOptions& opts, bool broadcast) {
  nv1::CreateNoticeRequest req;
  absl::StatusOr<std::string> parent = NotificationsParent(opts.school, opts.trust);
  if (!parent.ok()) return parent.status();
  req.set_parent(*parent);
  nv1::Notice* n = req.mutable_notice();

  if (opts.category.empty()) return absl::InvalidArgumentError("--category is required");
  absl::StatusOr<nv1::Category> category = ParseNoticeCategory(opts.category);
  if (!category.ok()) return category.status();
  n->set_category(*category);
  if (opts.priority.empty()) return absl::InvalidArgumentError("--priority is required");
  absl::StatusOr<nv1::Priority> priority = ParseNoticePriority(opts.priority);
  if (!priority.ok()) return priority.status();
  n->set_priority(*priority);

  // Bare pupil and staff ids belong to the sending school; a trust notice names them in full.
  const std::string school_parent = opts.trust ? "" : *parent;
  if (broadcast) {
    if (opts.audience.empty()) return absl::InvalidArgumentError("--audience is required");
    if (!opts.guardians.empty() || !opts.pupils.empty() || !opts.staff.empty()) {
      return absl::InvalidArgumentError("broadcast takes --audience, not --guardian, --pupil or --staff");
    }
    absl::StatusOr<nv1::Audience> audience = ParseAudience(*parent, opts.audience, opts.schools);
    if (!audience.ok()) return audience.status();
    *n->mutable_audience() = *std::move(audience);
  } else {
    if (!opts.audience.empty() || !opts.schools.empty()) {
      return absl::InvalidArgumentError("send takes --guardian or --staff; use broadcast for --audience");
    }
    if (opts.guardians.empty() == opts.staff.empty()) {
      return absl::InvalidArgumentError("give --guardian G (one or more) or --staff M (one or more)");
    }
    nv1::Audience* a = n->mutable_audience();
    if (!opts.guardians.empty()) {
      a->set_kind(nv1::AUDIENCE_KIND_GUARDIANS);
      for (const std::string& g : opts.guardians) {
        absl::StatusOr<std::string> name = GuardianName(g);
        if (!name.ok()) return name.status();
        a->add_guardians(*name);
      }
      for (const std::string& p : opts.pupils) {
        absl::StatusOr<std::string> name = PupilName(school_parent, p);
        if (!name.ok()) return name.status();
        a->add_pupils(*name);
      }
    } else {
      if (!opts.pupils.empty()) return absl::InvalidArgumentError("--pupil goes with --guardian, not --staff");
      a->set_kind(nv1::AUDIENCE_KIND_STAFF);
      for (const std::string& m : opts.staff) {
        absl::StatusOr<std::string> name = StaffName(school_parent, m);
        if (!name.ok()) return name.status();
        a->add_staff(*name);
      }
    }
  }

  const bool written = !opts.subject.empty() || !opts.body.empty() || !opts.sms_body.empty();
  if (opts.template_id.empty() == !written) {
    return absl::InvalidArgumentError("give --template T (with --var name=value) or --subject and --body, not both");
  }
  if (!opts.template_id.empty()) {
    if (!IsTemplateId(opts.template_id)) {
      return absl::InvalidArgumentError(
          absl::StrCat("--template \"", opts.template_id, "\": a template id, 1-64 of a-z, 0-9, '_', '.', '-'"));
    }
    n->set_template_(opts.template_id);
    absl::StatusOr<std::map<std::string, std::string>> vars = ParseVariables(opts.vars);
    if (!vars.ok()) return vars.status();
    n->mutable_variables()->insert(vars->begin(), vars->end());
  } else {
    if (!opts.vars.empty()) return absl::InvalidArgumentError("--var goes with --template");
    if (opts.body.empty()) return absl::InvalidArgumentError("--body is required with --subject");
    if (absl::Status st = TooLong(opts.subject, "--subject", kMaxSubject); !st.ok()) return st;
    if (absl::Status st = TooLong(opts.body, "--body", kMaxBody); !st.ok()) return st;
    if (absl::Status st = TooLong(opts.sms_body, "--sms-body", kMaxSmsBody); !st.ok()) return st;
    if (opts.locale.empty()) return absl::InvalidArgumentError("--locale must not be empty");
    nv1::LocalizedContent* c = n->add_content();
    c->set_locale(opts.locale);
    c->set_subject(opts.subject);
    c->set_body(opts.body);
    c->set_sms_body(opts.sms_body);
  }
  if (!opts.event_date.empty()) {
    absl::StatusOr<absl::CivilDay> day = ParseDateArg("--event-date", opts.event_date);
    if (!day.ok()) return day.status();
    n->set_event_date(absl::FormatCivilTime(*day));
  }
  n->set_source(opts.source);
  return req;
}

absl::Status SetPreference(nv1::Preferences* prefs, nv1::Category category, nv1::DeliveryChannel channel,
                           nv1::DeliveryMode mode) {
  if (category == nv1::CATEGORY_EMERGENCY) {
    return absl::InvalidArgumentError("emergency notices ignore preferences: they cannot be switched off or delayed");
  }
  if (mode == nv1::DELIVERY_MODE_DIGEST && channel != nv1::DELIVERY_CHANNEL_APP &&
      channel != nv1::DELIVERY_CHANNEL_EMAIL) {
    return absl::InvalidArgumentError("a daily digest is for the app and email only");
  }
  for (nv1::ChannelPreference& e : *prefs->mutable_entries()) {
    if (e.category() == category && e.channel() == channel) {
      e.set_mode(mode);
      return absl::OkStatus();
    }
  }
  nv1::ChannelPreference* e = prefs->add_entries();
  e->set_category(category);
  e->set_channel(channel);
  e->set_mode(mode);
  return absl::OkStatus();
}

absl::StatusOr<std::pair<std::string, std::string>> SplitTemplateName(const std::string& name) {
  absl::StatusOr<std::string> full = TemplateName("", name);
  if (!full.ok()) return full.status();
  const size_t cut = full->rfind("/templates/");
  return std::make_pair(full->substr(0, cut), full->substr(cut + std::string("/templates/").size()));
}

absl::StatusOr<nv1::Template> ParseTemplateJson(const std::string& json, const std::string& source) {
  google::protobuf::util::JsonParseOptions options;
  options.ignore_unknown_fields = false;  // a misspelt field must not be silently dropped
  nv1::Template t;
  auto status = google::protobuf::util::JsonStringToMessage(json, &t, options);
  if (!status.ok()) {
    std::string message(status.message());
    message = message.substr(0, message.find('\n'));
    return absl::InvalidArgumentError(absl::StrCat(source, ": ", message));
  }
  if (t.name().empty()) {
    return absl::InvalidArgumentError(
        absl::StrCat(source, ": \"name\" is required (trust/templates/{id} or schools/{school}/templates/{id})"));
  }
  absl::StatusOr<std::pair<std::string, std::string>> split = SplitTemplateName(t.name());
  if (!split.ok()) return absl::InvalidArgumentError(absl::StrCat(source, ": ", split.status().message()));
  return t;
}

}  // namespace parley::ctl
