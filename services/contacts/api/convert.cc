#include "services/contacts/api/convert.h"

#include <cstdint>
#include <utility>

#include "absl/strings/cord.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "common/grpc/api_edge.h"
#include "common/status/reason.h"
#include "common/status/status_macros.h"
#include "services/contacts/api/resource_names.h"

namespace parley::contacts {
namespace {

using IdPair = std::pair<std::string, std::string>;
using api::IsValidId;
using api::QuoteForError;
using api::ValidateId;

// ---- Where in the message a problem is ----------------------------------------------------------

// "calendar" + "terms" -> "calendar.terms"; a top-level field is its bare name.
std::string Field(absl::string_view path, absl::string_view name) {
  return path.empty() ? std::string(name) : absl::StrCat(path, ".", name);
}
// "calendar" + "terms" + 1 -> "calendar.terms[1]".
std::string Item(absl::string_view path, absl::string_view name, int index) {
  return absl::StrCat(Field(path, name), "[", index, "]");
}

absl::Status Invalid(absl::string_view where, absl::string_view problem) {
  return InvalidArgument("INVALID_FIELD", where.empty() ? std::string(problem) : absl::StrCat(where, " ", problem));
}

absl::Status Required(absl::string_view where) { return Invalid(where, "is required"); }

// The same error, its message prefixed with "where: ". Code and payloads (the reason) are kept.
absl::Status At(absl::string_view where, const absl::Status& status) {
  if (status.ok() || where.empty()) return status;
  absl::Status out(status.code(), absl::StrCat(where, ": ", status.message()));
  status.ForEachPayload([&](absl::string_view url, const absl::Cord& payload) { out.SetPayload(url, payload); });
  return out;
}

// ---- Enums ---------------------------------------------------------------------------------------

constexpr std::pair<Channel, v1::Channel> kChannels[] = {
    {Channel::kUnspecified, v1::CHANNEL_UNSPECIFIED},
    {Channel::kEmail, v1::CHANNEL_EMAIL},
    {Channel::kLetter, v1::CHANNEL_LETTER},
    {Channel::kPhone, v1::CHANNEL_PHONE},
    {Channel::kAppMessage, v1::CHANNEL_APP_MESSAGE},
    {Channel::kInPerson, v1::CHANNEL_IN_PERSON},
    {Channel::kMeetingRequest, v1::CHANNEL_MEETING_REQUEST},
    {Channel::kSms, v1::CHANNEL_SMS},
};
constexpr std::pair<Stage, v1::Stage> kStages[] = {
    {Stage::kUnspecified, v1::STAGE_UNSPECIFIED}, {Stage::kAcknowledge, v1::STAGE_ACKNOWLEDGE},
    {Stage::kRespond, v1::STAGE_RESPOND},         {Stage::kHoldMeeting, v1::STAGE_HOLD_MEETING},
    {Stage::kFollowUp, v1::STAGE_FOLLOW_UP},
};
constexpr std::pair<ClockCalendar, v1::ClockCalendar> kClockCalendars[] = {
    {ClockCalendar::kSchool, v1::CLOCK_CALENDAR_SCHOOL},
    {ClockCalendar::kOwner, v1::CLOCK_CALENDAR_OWNER},
};
constexpr std::pair<SchoolPhase, v1::SchoolPhase> kPhases[] = {
    {SchoolPhase::kUnspecified, v1::SCHOOL_PHASE_UNSPECIFIED}, {SchoolPhase::kInfant, v1::SCHOOL_PHASE_INFANT},
    {SchoolPhase::kJunior, v1::SCHOOL_PHASE_JUNIOR},           {SchoolPhase::kPrimary, v1::SCHOOL_PHASE_PRIMARY},
    {SchoolPhase::kSecondary, v1::SCHOOL_PHASE_SECONDARY},     {SchoolPhase::kAllThrough, v1::SCHOOL_PHASE_ALL_THROUGH},
};
constexpr std::pair<ClosureKind, v1::ClosureKind> kClosureKinds[] = {
    {ClosureKind::kUnspecified, v1::CLOSURE_KIND_UNSPECIFIED},
    {ClosureKind::kHalfTerm, v1::CLOSURE_KIND_HALF_TERM},
    {ClosureKind::kInsetDay, v1::CLOSURE_KIND_INSET_DAY},
    {ClosureKind::kBankHoliday, v1::CLOSURE_KIND_BANK_HOLIDAY},
    {ClosureKind::kEmergency, v1::CLOSURE_KIND_EMERGENCY},
    {ClosureKind::kOther, v1::CLOSURE_KIND_OTHER},
};
constexpr std::pair<SmsPolicy, v1::SmsPolicy> kSmsPolicies[] = {
    {SmsPolicy::kUnspecified, v1::SMS_POLICY_UNSPECIFIED},
    {SmsPolicy::kEmergencyOnly, v1::SMS_POLICY_EMERGENCY_ONLY},
    {SmsPolicy::kImportant, v1::SMS_POLICY_IMPORTANT},
    {SmsPolicy::kAny, v1::SMS_POLICY_ANY},
};
constexpr std::pair<ContactKind, v1::ContactKind> kContactKinds[] = {
    {ContactKind::kUnspecified, v1::CONTACT_KIND_UNSPECIFIED}, {ContactKind::kEmail, v1::CONTACT_KIND_EMAIL},
    {ContactKind::kMobile, v1::CONTACT_KIND_MOBILE},           {ContactKind::kLandline, v1::CONTACT_KIND_LANDLINE},
    {ContactKind::kPostal, v1::CONTACT_KIND_POSTAL},           {ContactKind::kApp, v1::CONTACT_KIND_APP},
};
constexpr std::pair<PupilRelation, v1::PupilRelation> kRelations[] = {
    {PupilRelation::kUnspecified, v1::PUPIL_RELATION_UNSPECIFIED},
    {PupilRelation::kClassTeacher, v1::PUPIL_RELATION_CLASS_TEACHER},
    {PupilRelation::kFormTutor, v1::PUPIL_RELATION_FORM_TUTOR},
    {PupilRelation::kSubjectTeacher, v1::PUPIL_RELATION_SUBJECT_TEACHER},
    {PupilRelation::kHeadOfYear, v1::PUPIL_RELATION_HEAD_OF_YEAR},
    {PupilRelation::kHeadOfDepartment, v1::PUPIL_RELATION_HEAD_OF_DEPARTMENT},
    {PupilRelation::kPhaseLeader, v1::PUPIL_RELATION_PHASE_LEADER},
};

template <typename D, typename P, size_t N>
D Lookup(const std::pair<D, P> (&table)[N], P value, D fallback) {
  for (const auto& [d, p] : table) {
    if (p == value) return d;
  }
  return fallback;
}
template <typename D, typename P, size_t N>
P Lookup(const std::pair<D, P> (&table)[N], D value, P fallback) {
  for (const auto& [d, p] : table) {
    if (d == value) return p;
  }
  return fallback;
}

// An enum field: a value this build knows, and not UNSPECIFIED (0) when `required`.
absl::Status CheckEnum(int value, bool known, bool required, absl::string_view where, absl::string_view what) {
  if (!known) return Invalid(where, absl::StrCat(value, " is not a known ", what));
  if (required && value == 0) return Required(where);
  return absl::OkStatus();
}

// ---- Scalars -------------------------------------------------------------------------------------

std::string ZeroPad(int64_t value, size_t width) {
  std::string text = absl::StrCat(value);
  if (text.size() < width) text.insert(0, width - text.size(), '0');
  return text;
}

bool IsDigit(char c) { return c >= '0' && c <= '9'; }

// Digits text[from, from + count) as a number; false when any is not a digit.
bool Digits(absl::string_view text, size_t from, size_t count, int* out) {
  int value = 0;
  for (size_t i = from; i < from + count; ++i) {
    if (!IsDigit(text[i])) return false;
    value = value * 10 + (text[i] - '0');
  }
  *out = value;
  return true;
}

absl::Status ReadDate(absl::string_view text, absl::string_view where, absl::CivilDay* out) {
  if (text.empty()) return Required(where);
  std::optional<absl::CivilDay> day = ParseDate(text);
  if (!day) return Invalid(where, absl::StrCat(QuoteForError(text), " is not a date (YYYY-MM-DD)"));
  *out = *day;
  return absl::OkStatus();
}

absl::Status ReadClockTime(absl::string_view text, absl::string_view where, int* out) {
  if (text.empty()) return Required(where);
  std::optional<int> minute = ParseClockTime(text);
  if (!minute) return Invalid(where, absl::StrCat(QuoteForError(text), " is not a time of day (HH:MM, 00:00-24:00)"));
  *out = *minute;
  return absl::OkStatus();
}

bool HasTime(absl::Time t) { return t != absl::InfinitePast() && t != absl::InfiniteFuture(); }

void WriteTime(absl::Time t, google::protobuf::Timestamp* out) {
  const int64_t seconds = absl::ToUnixSeconds(t);  // rounds down, so the remainder is not negative
  out->set_seconds(seconds);
  out->set_nanos(static_cast<int32_t>(absl::ToInt64Nanoseconds(t - absl::FromUnixSeconds(seconds))));
}

// ---- Names and references ------------------------------------------------------------------------

// The id of a record named "<collection>/{id}" (schools, guardians, routing matrices): from the
// name, or the one passed in, which the name (when given) must agree with.
absl::StatusOr<std::string> OwnId(absl::string_view name, absl::string_view given, absl::string_view id_field,
                                  absl::StatusOr<std::string> (*parse)(absl::string_view)) {
  if (!given.empty()) PARLEY_RETURN_IF_ERROR(ValidateId(given, id_field));
  if (name.empty()) {
    if (given.empty()) return Required("name");
    return std::string(given);
  }
  absl::StatusOr<std::string> parsed = parse(name);
  if (!parsed.ok()) return At("name", parsed.status());
  if (!given.empty() && *parsed != given) {
    return InvalidArgument("INVALID_NAME", absl::StrCat("name ", QuoteForError(name), " does not match ", id_field, " ",
                                                        QuoteForError(given)));
  }
  return parsed;
}

// The ids of a record named "schools/{school}/<collection>/{id}", likewise.
absl::StatusOr<IdPair> ScopedId(absl::string_view name, absl::string_view school_id, absl::string_view id,
                                absl::string_view id_field, absl::StatusOr<IdPair> (*parse)(absl::string_view)) {
  if (!school_id.empty()) PARLEY_RETURN_IF_ERROR(ValidateId(school_id, "school_id"));
  if (!id.empty()) PARLEY_RETURN_IF_ERROR(ValidateId(id, id_field));
  if (name.empty()) {
    if (school_id.empty() || id.empty()) return Required("name");
    return IdPair(std::string(school_id), std::string(id));
  }
  absl::StatusOr<IdPair> parsed = parse(name);
  if (!parsed.ok()) return At("name", parsed.status());
  if (!school_id.empty() && parsed->first != school_id) {
    return InvalidArgument("INVALID_NAME",
                           absl::StrCat("name ", QuoteForError(name), " is not in ", SchoolName(school_id)));
  }
  if (!id.empty() && parsed->second != id) {
    return InvalidArgument("INVALID_NAME", absl::StrCat("name ", QuoteForError(name), " does not match ", id_field, " ",
                                                        QuoteForError(id)));
  }
  return parsed;
}

// A reference to a member of staff (or a ladder) of the school `school_id`, as a bare id.
absl::StatusOr<std::string> SameSchoolRef(absl::string_view name, absl::string_view school_id, absl::string_view where,
                                          absl::string_view kind, absl::StatusOr<IdPair> (*parse)(absl::string_view)) {
  absl::StatusOr<IdPair> parsed = parse(name);
  if (!parsed.ok()) return At(where, parsed.status());
  if (parsed->first != school_id) {
    return InvalidArgument("CROSS_SCHOOL_REFERENCE",
                           absl::StrCat(where, " ", QuoteForError(name), " is in another school; name a ", kind, " of ",
                                        SchoolName(school_id)));
  }
  return std::move(parsed->second);
}

absl::StatusOr<std::string> StaffRef(absl::string_view name, absl::string_view school_id, absl::string_view where) {
  return SameSchoolRef(name, school_id, where, "member of staff", &ParseStaffName);
}

// " (st-marys)" when the name parses, to say which record of a list a problem is in.
std::string IdLabel(const absl::StatusOr<std::string>& parsed) {
  return parsed.ok() ? absl::StrCat(" (", *parsed, ")") : "";
}
std::string IdLabel(const absl::StatusOr<IdPair>& parsed) {
  return parsed.ok() ? absl::StrCat(" (", parsed->second, ")") : "";
}

// ---- Calendar pieces -----------------------------------------------------------------------------

absl::StatusOr<calendar::HoursRange> HoursFrom(const v1::HoursRange& p, absl::string_view where) {
  calendar::HoursRange h;
  PARLEY_RETURN_IF_ERROR(ReadClockTime(p.open(), Field(where, "open"), &h.open_minute));
  PARLEY_RETURN_IF_ERROR(ReadClockTime(p.close(), Field(where, "close"), &h.close_minute));
  if (h.close_minute <= h.open_minute) {
    return Invalid(where, absl::StrCat("must close after it opens (open ", QuoteForError(p.open()), ", close ",
                                       QuoteForError(p.close()), ")"));
  }
  return h;
}

v1::HoursRange HoursTo(const calendar::HoursRange& h) {
  v1::HoursRange out;
  out.set_open(FormatClockTime(h.open_minute));
  out.set_close(FormatClockTime(h.close_minute));
  return out;
}

absl::Status CheckOrder(const calendar::DateRange& r, absl::string_view where) {
  if (r.last < r.first) {
    return Invalid(where, absl::StrCat("ends (", FormatDate(r.last), ") before it starts (", FormatDate(r.first), ")"));
  }
  return absl::OkStatus();
}

absl::StatusOr<calendar::Budget> BudgetFrom(const v1::Budget& p, absl::string_view where) {
  calendar::Budget b;
  switch (p.amount_case()) {
    case v1::Budget::kWorkingDays:
      if (p.working_days() < 0 || p.working_days() > 365) {
        return Invalid(Field(where, "working_days"), absl::StrCat(p.working_days(), " is out of range (0-365)"));
      }
      b.unit = calendar::Unit::kWorkingDays;
      b.working_days = p.working_days();
      return b;
    case v1::Budget::kWorkingHours:
      if (p.working_hours() < 1 || p.working_hours() > 2000) {
        return Invalid(Field(where, "working_hours"), absl::StrCat(p.working_hours(), " is out of range (1-2000)"));
      }
      b.unit = calendar::Unit::kWorkingHours;
      b.duration = absl::Hours(p.working_hours());
      return b;
    case v1::Budget::kWorkingMinutes:
      if (p.working_minutes() < 1 || p.working_minutes() > 120000) {
        return Invalid(Field(where, "working_minutes"),
                       absl::StrCat(p.working_minutes(), " is out of range (1-120000)"));
      }
      // The same clock as working_hours: only the unit the school wrote it in differs.
      b.unit = calendar::Unit::kWorkingHours;
      b.duration = absl::Minutes(p.working_minutes());
      return b;
    case v1::Budget::kElapsedMinutes:
      if (p.elapsed_minutes() < 1 || p.elapsed_minutes() > 525600) {
        return Invalid(Field(where, "elapsed_minutes"),
                       absl::StrCat(p.elapsed_minutes(), " is out of range (1-525600)"));
      }
      b.unit = calendar::Unit::kElapsed;
      b.duration = absl::Minutes(p.elapsed_minutes());
      return b;
    case v1::Budget::kElapsedSeconds:
      if (p.elapsed_seconds() < 1 || p.elapsed_seconds() > 86400) {
        return Invalid(Field(where, "elapsed_seconds"),
                       absl::StrCat(p.elapsed_seconds(), " is out of range (1-86400)"));
      }
      b.unit = calendar::Unit::kElapsed;
      b.duration = absl::Seconds(p.elapsed_seconds());
      return b;
    case v1::Budget::AMOUNT_NOT_SET:
      break;
  }
  return Invalid(where,
                 "sets no amount: set one of working_days (0-365), working_hours (1-2000), working_minutes "
                 "(1-120000), elapsed_minutes (1-525600) or elapsed_seconds (1-86400)");
}

absl::StatusOr<calendar::WorkingPattern> PatternFrom(const v1::WorkingPattern& p, absl::string_view where) {
  calendar::WorkingPattern w;
  w.works.fill(false);
  for (int i = 0; i < p.days_size(); ++i) {
    const v1::WorkingDay& day = p.days(i);
    const std::string at = Item(where, "days", i);
    PARLEY_RETURN_IF_ERROR(
        CheckEnum(day.weekday(), v1::Weekday_IsValid(day.weekday()), true, Field(at, "weekday"), "weekday"));
    const int index = WeekdayIndexFromProto(day.weekday());
    if (w.works[index]) {
      return Invalid(Field(at, "weekday"), absl::StrCat(v1::Weekday_Name(day.weekday()), " is listed twice"));
    }
    w.works[index] = true;
    if (day.has_hours()) {
      PARLEY_ASSIGN_OR_RETURN(w.hours[index], HoursFrom(day.hours(), Field(at, "hours")));
    }
  }
  return w;
}

absl::StatusOr<SchoolCalendar> CalendarFrom(const v1::SchoolCalendar& p, absl::string_view where) {
  SchoolCalendar c;
  c.time_zone = p.time_zone();
  for (int i = 0; i < p.terms_size(); ++i) {
    const v1::Term& t = p.terms(i);
    const std::string at = Item(where, "terms", i);
    calendar::DateRange r;
    r.label = t.display_name();
    PARLEY_RETURN_IF_ERROR(ReadDate(t.start_date(), Field(at, "start_date"), &r.first));
    PARLEY_RETURN_IF_ERROR(ReadDate(t.end_date(), Field(at, "end_date"), &r.last));
    PARLEY_RETURN_IF_ERROR(CheckOrder(r, at));
    c.terms.push_back(std::move(r));
  }
  for (int i = 0; i < p.closures_size(); ++i) {
    const v1::Closure& cl = p.closures(i);
    const std::string at = Item(where, "closures", i);
    Closure closure;
    PARLEY_RETURN_IF_ERROR(ReadDate(cl.start_date(), Field(at, "start_date"), &closure.range.first));
    closure.range.last = closure.range.first;
    if (!cl.end_date().empty()) {
      PARLEY_RETURN_IF_ERROR(ReadDate(cl.end_date(), Field(at, "end_date"), &closure.range.last));
    }
    PARLEY_RETURN_IF_ERROR(CheckOrder(closure.range, at));
    if (cl.label().empty()) return Required(Field(at, "label"));
    closure.range.label = cl.label();
    PARLEY_RETURN_IF_ERROR(
        CheckEnum(cl.kind(), v1::ClosureKind_IsValid(cl.kind()), false, Field(at, "kind"), "closure kind"));
    closure.kind = ClosureKindFromProto(cl.kind());
    c.closures.push_back(std::move(closure));
  }
  if (p.school_days_size() > 0) {
    c.school_days.fill(false);
    for (int i = 0; i < p.school_days_size(); ++i) {
      const std::string at = Item(where, "school_days", i);
      const v1::Weekday day = p.school_days(i);
      PARLEY_RETURN_IF_ERROR(CheckEnum(day, v1::Weekday_IsValid(day), true, at, "weekday"));
      const int index = WeekdayIndexFromProto(day);
      if (c.school_days[index]) return Invalid(at, absl::StrCat(v1::Weekday_Name(day), " is listed twice"));
      c.school_days[index] = true;
    }
  }
  if (!p.has_core_hours()) return Required(Field(where, "core_hours"));
  PARLEY_ASSIGN_OR_RETURN(c.core_hours, HoursFrom(p.core_hours(), Field(where, "core_hours")));
  for (int i = 0; i < p.overrides_size(); ++i) {
    const v1::HoursOverride& o = p.overrides(i);
    const std::string at = Item(where, "overrides", i);
    calendar::HoursOverride override_hours;
    PARLEY_RETURN_IF_ERROR(ReadDate(o.date(), Field(at, "date"), &override_hours.day));
    if (!o.has_hours()) return Required(Field(at, "hours"));
    PARLEY_ASSIGN_OR_RETURN(override_hours.hours, HoursFrom(o.hours(), Field(at, "hours")));
    override_hours.label = o.label();
    c.overrides.push_back(std::move(override_hours));
  }
  if (p.has_teaching_hours()) {
    PARLEY_ASSIGN_OR_RETURN(c.teaching_hours, HoursFrom(p.teaching_hours(), Field(where, "teaching_hours")));
  }
  c.bank_holiday_division = p.bank_holiday_division();
  return c;
}

absl::StatusOr<RoleRef> RoleRefFrom(const v1::RoleRef& p, absl::string_view school_id, absl::string_view where);

absl::StatusOr<IncidentNoticeRule> IncidentNoticeFrom(const v1::IncidentNoticeRule& p, absl::string_view school_id,
                                                      absl::string_view where) {
  IncidentNoticeRule rule;
  for (int i = 0; i < p.incident_kinds_size(); ++i) {
    if (p.incident_kinds(i).empty()) return Invalid(Item(where, "incident_kinds", i), "is empty");
    rule.incident_kinds.push_back(p.incident_kinds(i));
  }
  for (int i = 0; i < p.channels_size(); ++i) {
    const v1::Channel c = p.channels(i);
    PARLEY_RETURN_IF_ERROR(CheckEnum(c, v1::Channel_IsValid(c), true, Item(where, "channels", i), "channel"));
    rule.channels.push_back(ChannelFromProto(c));
  }
  rule.reporter_line_manager = p.reporter_line_manager();
  for (int i = 0; i < p.notify_size(); ++i) {
    PARLEY_ASSIGN_OR_RETURN(RoleRef ref, RoleRefFrom(p.notify(i), school_id, Item(where, "notify", i)));
    rule.notify.push_back(std::move(ref));
  }
  rule.immediate = p.immediate();
  rule.policy_text = p.policy_text();
  return rule;
}

absl::StatusOr<CommunicationPolicy> PolicyFrom(const v1::CommunicationPolicy& p, absl::string_view school_id,
                                               absl::string_view where) {
  CommunicationPolicy policy;
  for (int i = 0; i < p.rules_size(); ++i) {
    const v1::ResponseRule& r = p.rules(i);
    const std::string at = Item(where, "rules", i);
    ResponseRule rule;
    PARLEY_RETURN_IF_ERROR(
        CheckEnum(r.channel(), v1::Channel_IsValid(r.channel()), true, Field(at, "channel"), "channel"));
    rule.channel = ChannelFromProto(r.channel());
    PARLEY_RETURN_IF_ERROR(CheckEnum(r.stage(), v1::Stage_IsValid(r.stage()), true, Field(at, "stage"), "stage"));
    rule.stage = StageFromProto(r.stage());
    if (!r.has_budget()) return Required(Field(at, "budget"));
    PARLEY_ASSIGN_OR_RETURN(rule.budget, BudgetFrom(r.budget(), Field(at, "budget")));
    PARLEY_RETURN_IF_ERROR(CheckEnum(r.clock_calendar(), v1::ClockCalendar_IsValid(r.clock_calendar()), false,
                                     Field(at, "clock_calendar"), "clock calendar"));
    rule.clock_calendar = ClockCalendarFromProto(r.clock_calendar());
    rule.policy_text = r.policy_text();
    for (int j = 0; j < r.categories_size(); ++j) {
      if (r.categories(j).empty())
        return InvalidArgument("INVALID_FIELD", absl::StrCat(Field(at, "categories"), " has an empty entry"));
      rule.categories.push_back(r.categories(j));
    }
    policy.rules.push_back(std::move(rule));
  }
  if (p.has_safeguarding_budget()) {
    PARLEY_ASSIGN_OR_RETURN(policy.safeguarding_budget,
                            BudgetFrom(p.safeguarding_budget(), Field(where, "safeguarding_budget")));
  }
  policy.event_notice_days = p.event_notice_days();
  PARLEY_RETURN_IF_ERROR(CheckEnum(p.sms_policy(), v1::SmsPolicy_IsValid(p.sms_policy()), false,
                                   Field(where, "sms_policy"), "SMS policy"));
  policy.sms_policy = SmsPolicyFromProto(p.sms_policy());
  policy.separate_copies_on_request = p.separate_copies_on_request();
  policy.separate_copies_require_written_request = p.separate_copies_require_written_request();
  policy.breach.notify_line_manager_on_acknowledge_breach = p.breach().notify_line_manager_on_acknowledge_breach();
  policy.breach.escalate_on_response_breach = p.breach().escalate_on_response_breach();
  policy.breach.refer_to_complaints_at_top = p.breach().refer_to_complaints_at_top();
  policy.breach.complaints_procedure_uri = p.breach().complaints_procedure_uri();
  policy.translation_locales.assign(p.translation_locales().begin(), p.translation_locales().end());
  policy.interpreters_available = p.interpreters_available();
  for (int i = 0; i < p.incident_notices_size(); ++i) {
    PARLEY_ASSIGN_OR_RETURN(IncidentNoticeRule rule,
                            IncidentNoticeFrom(p.incident_notices(i), school_id, Item(where, "incident_notices", i)));
    policy.incident_notices.push_back(std::move(rule));
  }
  policy.addressed_staff_own = p.addressed_staff_own();
  return policy;
}

// ---- Routing ---------------------------------------------------------------------------------------

absl::StatusOr<RoleRef> RoleRefFrom(const v1::RoleRef& p, absl::string_view school_id, absl::string_view where) {
  RoleRef r;
  switch (p.target_case()) {
    case v1::RoleRef::kRelation:
      PARLEY_RETURN_IF_ERROR(CheckEnum(p.relation(), v1::PupilRelation_IsValid(p.relation()), true,
                                       Field(where, "relation"), "pupil relation"));
      r.kind = RoleRef::Kind::kRelation;
      r.relation = PupilRelationFromProto(p.relation());
      break;
    case v1::RoleRef::kRole:
      if (p.role().empty()) return Invalid(Field(where, "role"), "is empty");
      r.kind = RoleRef::Kind::kRole;
      r.value = p.role();
      break;
    case v1::RoleRef::kStaff: {
      r.kind = RoleRef::Kind::kStaff;
      PARLEY_ASSIGN_OR_RETURN(r.value, StaffRef(p.staff(), school_id, Field(where, "staff")));
      break;
    }
    case v1::RoleRef::kExternalContact:
      if (!IsValidId(p.external_contact())) {
        return Invalid(Field(where, "external_contact"),
                       absl::StrCat(QuoteForError(p.external_contact()),
                                    " is not an external contact id (1-64 lower-case letters, digits, '-' and '_')"));
      }
      r.kind = RoleRef::Kind::kExternalContact;
      r.value = p.external_contact();
      break;
    case v1::RoleRef::TARGET_NOT_SET:
      return Invalid(where, "names no one: set one of relation, role, staff or external_contact");
  }
  r.subject = p.subject();
  return r;
}

absl::StatusOr<RoutingRule> RuleFrom(const v1::RoutingRule& p, absl::string_view school_id, absl::string_view where) {
  RoutingRule r;
  r.category = p.category();
  r.display_name = p.display_name();
  if (!p.has_owner()) return Required(Field(where, "owner"));
  PARLEY_ASSIGN_OR_RETURN(r.owner, RoleRefFrom(p.owner(), school_id, Field(where, "owner")));
  for (int i = 0; i < p.allowed_channels_size(); ++i) {
    const v1::Channel c = p.allowed_channels(i);
    PARLEY_RETURN_IF_ERROR(CheckEnum(c, v1::Channel_IsValid(c), true, Item(where, "allowed_channels", i), "channel"));
    r.allowed_channels.push_back(ChannelFromProto(c));
  }
  r.channel_rule = p.channel_rule();
  if (!p.ladder().empty()) {
    PARLEY_ASSIGN_OR_RETURN(r.ladder,
                            SameSchoolRef(p.ladder(), school_id, Field(where, "ladder"), "ladder", &ParseLadderName));
  }
  for (int i = 0; i < p.also_notify_size(); ++i) {
    PARLEY_ASSIGN_OR_RETURN(RoleRef ref, RoleRefFrom(p.also_notify(i), school_id, Item(where, "also_notify", i)));
    r.also_notify.push_back(std::move(ref));
  }
  r.safeguarding = p.safeguarding();
  return r;
}

absl::StatusOr<Rung> RungFrom(const v1::Rung& p, absl::string_view school_id, absl::string_view where) {
  Rung r;
  r.title = p.title();
  if (!p.has_who()) return Required(Field(where, "who"));
  PARLEY_ASSIGN_OR_RETURN(r.who, RoleRefFrom(p.who(), school_id, Field(where, "who")));
  return r;
}

}  // namespace

// ---- Enums ---------------------------------------------------------------------------------------

Channel ChannelFromProto(v1::Channel c) { return Lookup(kChannels, c, Channel::kUnspecified); }
v1::Channel ChannelToProto(Channel c) { return Lookup(kChannels, c, v1::CHANNEL_UNSPECIFIED); }
Stage StageFromProto(v1::Stage s) { return Lookup(kStages, s, Stage::kUnspecified); }
v1::Stage StageToProto(Stage s) { return Lookup(kStages, s, v1::STAGE_UNSPECIFIED); }
ClockCalendar ClockCalendarFromProto(v1::ClockCalendar c) { return Lookup(kClockCalendars, c, ClockCalendar::kSchool); }
v1::ClockCalendar ClockCalendarToProto(ClockCalendar c) {
  return Lookup(kClockCalendars, c, v1::CLOCK_CALENDAR_SCHOOL);
}
SchoolPhase SchoolPhaseFromProto(v1::SchoolPhase p) { return Lookup(kPhases, p, SchoolPhase::kUnspecified); }
v1::SchoolPhase SchoolPhaseToProto(SchoolPhase p) { return Lookup(kPhases, p, v1::SCHOOL_PHASE_UNSPECIFIED); }
ClosureKind ClosureKindFromProto(v1::ClosureKind k) { return Lookup(kClosureKinds, k, ClosureKind::kUnspecified); }
v1::ClosureKind ClosureKindToProto(ClosureKind k) { return Lookup(kClosureKinds, k, v1::CLOSURE_KIND_UNSPECIFIED); }
SmsPolicy SmsPolicyFromProto(v1::SmsPolicy p) { return Lookup(kSmsPolicies, p, SmsPolicy::kUnspecified); }
v1::SmsPolicy SmsPolicyToProto(SmsPolicy p) { return Lookup(kSmsPolicies, p, v1::SMS_POLICY_UNSPECIFIED); }
ContactKind ContactKindFromProto(v1::ContactKind k) { return Lookup(kContactKinds, k, ContactKind::kUnspecified); }
v1::ContactKind ContactKindToProto(ContactKind k) { return Lookup(kContactKinds, k, v1::CONTACT_KIND_UNSPECIFIED); }
PupilRelation PupilRelationFromProto(v1::PupilRelation r) { return Lookup(kRelations, r, PupilRelation::kUnspecified); }
v1::PupilRelation PupilRelationToProto(PupilRelation r) {
  return Lookup(kRelations, r, v1::PUPIL_RELATION_UNSPECIFIED);
}

int WeekdayIndexFromProto(v1::Weekday w) {
  return w >= v1::WEEKDAY_MONDAY && w <= v1::WEEKDAY_SUNDAY ? static_cast<int>(w) - v1::WEEKDAY_MONDAY : -1;
}
v1::Weekday WeekdayToProto(int index) {
  return index >= 0 && index < 7 ? static_cast<v1::Weekday>(v1::WEEKDAY_MONDAY + index) : v1::WEEKDAY_UNSPECIFIED;
}

// ---- Scalars -------------------------------------------------------------------------------------

std::optional<absl::CivilDay> ParseDate(absl::string_view text) {
  int year = 0, month = 0, day = 0;
  if (text.size() != 10 || text[4] != '-' || text[7] != '-' || !Digits(text, 0, 4, &year) ||
      !Digits(text, 5, 2, &month) || !Digits(text, 8, 2, &day) || year < 1) {
    return std::nullopt;
  }
  const absl::CivilDay parsed(year, month, day);
  // CivilDay normalises 2025-02-30 to 2025-03-02: a date that does not exist comes back different.
  if (parsed.year() != year || parsed.month() != month || parsed.day() != day) return std::nullopt;
  return parsed;
}

std::string FormatDate(absl::CivilDay day) {
  return absl::StrCat(ZeroPad(day.year(), 4), "-", ZeroPad(day.month(), 2), "-", ZeroPad(day.day(), 2));
}

std::optional<int> ParseClockTime(absl::string_view text) {
  int hour = 0, minute = 0;
  if (text.size() != 5 || text[2] != ':' || !Digits(text, 0, 2, &hour) || !Digits(text, 3, 2, &minute) || hour > 24 ||
      minute > 59 || (hour == 24 && minute != 0)) {
    return std::nullopt;
  }
  return hour * 60 + minute;
}

std::string FormatClockTime(int minute_of_day) {
  return absl::StrCat(ZeroPad(minute_of_day / 60, 2), ":", ZeroPad(minute_of_day % 60, 2));
}

// ---- Budget --------------------------------------------------------------------------------------

absl::StatusOr<calendar::Budget> BudgetFromProto(const v1::Budget& p) { return BudgetFrom(p, "budget"); }

v1::Budget BudgetToProto(const calendar::Budget& b) {
  v1::Budget out;
  switch (b.unit) {
    case calendar::Unit::kWorkingDays:
      out.set_working_days(b.working_days);
      break;
    case calendar::Unit::kWorkingHours:
      // Whole hours read best; anything else in minutes, so 90 minutes exports as 90 and re-imports
      // as the same budget (never truncated to 1 hour).
      if (b.duration % absl::Hours(1) == absl::ZeroDuration()) {
        out.set_working_hours(static_cast<int32_t>(absl::ToInt64Hours(b.duration)));
      } else {
        out.set_working_minutes(static_cast<int32_t>(absl::ToInt64Minutes(b.duration)));
      }
      break;
    case calendar::Unit::kElapsed:
      // Whole minutes read best; a budget that is not one is given in seconds.
      if (b.duration % absl::Minutes(1) == absl::ZeroDuration()) {
        out.set_elapsed_minutes(static_cast<int32_t>(absl::ToInt64Minutes(b.duration)));
      } else {
        out.set_elapsed_seconds(static_cast<int32_t>(absl::ToInt64Seconds(b.duration)));
      }
      break;
  }
  return out;
}

// ---- Trust ---------------------------------------------------------------------------------------

absl::StatusOr<Trust> TrustFromProto(const v1::Trust& p) {
  Trust t;
  t.display_name = p.display_name();
  return t;
}

v1::Trust TrustToProto(const Trust& t) {
  v1::Trust out;
  out.set_name("trust");
  out.set_display_name(t.display_name);
  out.set_etag(t.etag);
  if (HasTime(t.update_time)) WriteTime(t.update_time, out.mutable_update_time());
  return out;
}

// ---- School --------------------------------------------------------------------------------------

absl::StatusOr<School> SchoolFromProto(const v1::School& p, absl::string_view school_id) {
  School s;
  PARLEY_ASSIGN_OR_RETURN(s.id, OwnId(p.name(), school_id, "school_id", &ParseSchoolName));
  s.display_name = p.display_name();
  PARLEY_RETURN_IF_ERROR(CheckEnum(p.phase(), v1::SchoolPhase_IsValid(p.phase()), false, "phase", "school phase"));
  s.phase = SchoolPhaseFromProto(p.phase());
  s.default_locale = p.default_locale();
  if (!p.has_calendar()) return Required("calendar");
  PARLEY_ASSIGN_OR_RETURN(s.calendar, CalendarFrom(p.calendar(), "calendar"));
  if (!p.has_policy()) return Required("policy");
  PARLEY_ASSIGN_OR_RETURN(s.policy, PolicyFrom(p.policy(), s.id, "policy"));
  for (int i = 0; i < p.external_contacts_size(); ++i) {
    const v1::ExternalContact& c = p.external_contacts(i);
    const std::string at = Item("", "external_contacts", i);
    if (!IsValidId(c.id())) {
      return Invalid(Field(at, "id"),
                     absl::StrCat(QuoteForError(c.id()),
                                  " must be 1-64 lower-case letters, digits, '-' and '_', starting with a letter or "
                                  "digit"));
    }
    s.external_contacts.push_back(ExternalContact{c.id(), c.display_name(), c.contact()});
  }
  return s;
}

absl::StatusOr<SchoolCalendar> SchoolCalendarFromProto(const v1::SchoolCalendar& p) { return CalendarFrom(p, ""); }

absl::StatusOr<CommunicationPolicy> CommunicationPolicyFromProto(const v1::CommunicationPolicy& p) {
  return PolicyFrom(p, "", "");
}

v1::SchoolCalendar SchoolCalendarToProto(const SchoolCalendar& c) {
  v1::SchoolCalendar out;
  out.set_time_zone(c.time_zone);
  for (const calendar::DateRange& r : c.terms) {
    v1::Term* t = out.add_terms();
    t->set_display_name(r.label);
    t->set_start_date(FormatDate(r.first));
    t->set_end_date(FormatDate(r.last));
  }
  for (const Closure& closure : c.closures) {
    v1::Closure* cl = out.add_closures();
    cl->set_start_date(FormatDate(closure.range.first));
    cl->set_end_date(FormatDate(closure.range.last));
    cl->set_label(closure.range.label);
    cl->set_kind(ClosureKindToProto(closure.kind));
  }
  for (int i = 0; i < 7; ++i) {
    if (c.school_days[i]) out.add_school_days(WeekdayToProto(i));
  }
  *out.mutable_core_hours() = HoursTo(c.core_hours);
  for (const calendar::HoursOverride& o : c.overrides) {
    v1::HoursOverride* po = out.add_overrides();
    po->set_date(FormatDate(o.day));
    *po->mutable_hours() = HoursTo(o.hours);
    po->set_label(o.label);
  }
  if (c.teaching_hours) *out.mutable_teaching_hours() = HoursTo(*c.teaching_hours);
  out.set_bank_holiday_division(c.bank_holiday_division);
  return out;
}

v1::CommunicationPolicy CommunicationPolicyToProto(const CommunicationPolicy& p, absl::string_view school_id) {
  v1::CommunicationPolicy out;
  for (const ResponseRule& r : p.rules) {
    v1::ResponseRule* pr = out.add_rules();
    pr->set_channel(ChannelToProto(r.channel));
    pr->set_stage(StageToProto(r.stage));
    *pr->mutable_budget() = BudgetToProto(r.budget);
    pr->set_clock_calendar(ClockCalendarToProto(r.clock_calendar));
    pr->set_policy_text(r.policy_text);
    for (const std::string& c : r.categories) pr->add_categories(c);
  }
  if (p.safeguarding_budget) *out.mutable_safeguarding_budget() = BudgetToProto(*p.safeguarding_budget);
  out.set_event_notice_days(p.event_notice_days);
  out.set_sms_policy(SmsPolicyToProto(p.sms_policy));
  out.set_separate_copies_on_request(p.separate_copies_on_request);
  out.set_separate_copies_require_written_request(p.separate_copies_require_written_request);
  v1::BreachPolicy* breach = out.mutable_breach();
  breach->set_notify_line_manager_on_acknowledge_breach(p.breach.notify_line_manager_on_acknowledge_breach);
  breach->set_escalate_on_response_breach(p.breach.escalate_on_response_breach);
  breach->set_refer_to_complaints_at_top(p.breach.refer_to_complaints_at_top);
  breach->set_complaints_procedure_uri(p.breach.complaints_procedure_uri);
  for (const std::string& locale : p.translation_locales) out.add_translation_locales(locale);
  out.set_interpreters_available(p.interpreters_available);
  for (const IncidentNoticeRule& r : p.incident_notices) {
    v1::IncidentNoticeRule* pr = out.add_incident_notices();
    for (const std::string& kind : r.incident_kinds) pr->add_incident_kinds(kind);
    for (Channel c : r.channels) pr->add_channels(ChannelToProto(c));
    pr->set_reporter_line_manager(r.reporter_line_manager);
    for (const RoleRef& ref : r.notify) *pr->add_notify() = RoleRefToProto(ref, school_id);
    pr->set_immediate(r.immediate);
    pr->set_policy_text(r.policy_text);
  }
  out.set_addressed_staff_own(p.addressed_staff_own);
  return out;
}

v1::School SchoolToProto(const School& s) {
  v1::School out;
  if (!s.id.empty()) out.set_name(SchoolName(s.id));
  out.set_display_name(s.display_name);
  out.set_phase(SchoolPhaseToProto(s.phase));
  out.set_default_locale(s.default_locale);
  *out.mutable_calendar() = SchoolCalendarToProto(s.calendar);
  *out.mutable_policy() = CommunicationPolicyToProto(s.policy, s.id);
  for (const ExternalContact& c : s.external_contacts) {
    v1::ExternalContact* pc = out.add_external_contacts();
    pc->set_id(c.id);
    pc->set_display_name(c.display_name);
    pc->set_contact(c.contact);
  }
  out.set_calendar_version(s.calendar_version);
  out.set_policy_version(s.policy_version);
  out.set_etag(s.etag);
  if (HasTime(s.create_time)) WriteTime(s.create_time, out.mutable_create_time());
  if (HasTime(s.update_time)) WriteTime(s.update_time, out.mutable_update_time());
  return out;
}

// ---- Staff ---------------------------------------------------------------------------------------

absl::StatusOr<Staff> StaffFromProto(const v1::Staff& p) { return StaffFromProto(p, "", ""); }

absl::StatusOr<Staff> StaffFromProto(const v1::Staff& p, absl::string_view school_id, absl::string_view staff_id) {
  Staff s;
  PARLEY_ASSIGN_OR_RETURN(IdPair ids, ScopedId(p.name(), school_id, staff_id, "staff_id", &ParseStaffName));
  s.school_id = std::move(ids.first);
  s.id = std::move(ids.second);
  s.display_name = p.display_name();
  s.roles.assign(p.roles().begin(), p.roles().end());
  s.subjects.assign(p.subjects().begin(), p.subjects().end());
  s.year_groups.assign(p.year_groups().begin(), p.year_groups().end());
  if (!p.line_manager().empty()) {
    PARLEY_ASSIGN_OR_RETURN(s.line_manager, StaffRef(p.line_manager(), s.school_id, "line_manager"));
  }
  // An empty pattern is full time, like an absent one.
  if (p.working_pattern().days_size() > 0) {
    PARLEY_ASSIGN_OR_RETURN(s.working_pattern, PatternFrom(p.working_pattern(), "working_pattern"));
  }
  s.email = p.email();
  auto date = [](const std::string& text, absl::string_view field, std::optional<absl::CivilDay>* out) -> absl::Status {
    if (text.empty()) return absl::OkStatus();
    absl::CivilDay day;
    PARLEY_RETURN_IF_ERROR(ReadDate(text, field, &day));
    *out = day;
    return absl::OkStatus();
  };
  PARLEY_RETURN_IF_ERROR(date(p.leaving_date(), "leaving_date", &s.leaving_date));
  PARLEY_RETURN_IF_ERROR(date(p.away_from(), "away_from", &s.away_from));
  PARLEY_RETURN_IF_ERROR(date(p.away_until(), "away_until", &s.away_until));
  return s;
}

v1::Staff StaffToProto(const Staff& s) {
  v1::Staff out;
  if (!s.school_id.empty() && !s.id.empty()) out.set_name(StaffName(s.school_id, s.id));
  out.set_display_name(s.display_name);
  for (const std::string& role : s.roles) out.add_roles(role);
  for (const std::string& subject : s.subjects) out.add_subjects(subject);
  for (int year : s.year_groups) out.add_year_groups(year);
  if (!s.line_manager.empty()) out.set_line_manager(StaffName(s.school_id, s.line_manager));
  if (s.working_pattern) {
    v1::WorkingPattern* pattern = out.mutable_working_pattern();
    for (int i = 0; i < 7; ++i) {
      if (!s.working_pattern->works[i]) continue;
      v1::WorkingDay* day = pattern->add_days();
      day->set_weekday(WeekdayToProto(i));
      if (s.working_pattern->hours[i]) *day->mutable_hours() = HoursTo(*s.working_pattern->hours[i]);
    }
  }
  out.set_email(s.email);
  if (s.leaving_date) out.set_leaving_date(FormatDate(*s.leaving_date));
  if (s.away_from) out.set_away_from(FormatDate(*s.away_from));
  if (s.away_until) out.set_away_until(FormatDate(*s.away_until));
  out.set_etag(s.etag);
  if (HasTime(s.update_time)) WriteTime(s.update_time, out.mutable_update_time());
  return out;
}

// ---- Pupil ---------------------------------------------------------------------------------------

absl::StatusOr<Pupil> PupilFromProto(const v1::Pupil& p) { return PupilFromProto(p, "", ""); }

absl::StatusOr<Pupil> PupilFromProto(const v1::Pupil& p, absl::string_view school_id, absl::string_view pupil_id) {
  Pupil out;
  PARLEY_ASSIGN_OR_RETURN(IdPair ids, ScopedId(p.name(), school_id, pupil_id, "pupil_id", &ParsePupilName));
  out.school_id = std::move(ids.first);
  out.id = std::move(ids.second);
  out.given_name = p.given_name();
  out.family_name = p.family_name();
  out.year_group = p.year_group();
  out.class_name = p.class_name();
  if (!p.class_teacher().empty()) {
    PARLEY_ASSIGN_OR_RETURN(out.class_teacher, StaffRef(p.class_teacher(), out.school_id, "class_teacher"));
  }
  if (!p.form_tutor().empty()) {
    PARLEY_ASSIGN_OR_RETURN(out.form_tutor, StaffRef(p.form_tutor(), out.school_id, "form_tutor"));
  }
  for (int i = 0; i < p.subject_teachers_size(); ++i) {
    const v1::SubjectTeacher& st = p.subject_teachers(i);
    const std::string at = Item("", "subject_teachers", i);
    if (st.subject().empty()) return Required(Field(at, "subject"));
    if (st.teacher().empty()) return Required(Field(at, "teacher"));
    SubjectTeacher teacher;
    teacher.subject = st.subject();
    PARLEY_ASSIGN_OR_RETURN(teacher.teacher, StaffRef(st.teacher(), out.school_id, Field(at, "teacher")));
    out.subject_teachers.push_back(std::move(teacher));
  }
  out.send = p.send();
  return out;
}

v1::Pupil PupilToProto(const Pupil& p) {
  v1::Pupil out;
  if (!p.school_id.empty() && !p.id.empty()) out.set_name(PupilName(p.school_id, p.id));
  out.set_given_name(p.given_name);
  out.set_family_name(p.family_name);
  out.set_year_group(p.year_group);
  out.set_class_name(p.class_name);
  if (!p.class_teacher.empty()) out.set_class_teacher(StaffName(p.school_id, p.class_teacher));
  if (!p.form_tutor.empty()) out.set_form_tutor(StaffName(p.school_id, p.form_tutor));
  for (const SubjectTeacher& st : p.subject_teachers) {
    v1::SubjectTeacher* pst = out.add_subject_teachers();
    pst->set_subject(st.subject);
    pst->set_teacher(StaffName(p.school_id, st.teacher));
  }
  out.set_send(p.send);
  out.set_etag(p.etag);
  if (HasTime(p.update_time)) WriteTime(p.update_time, out.mutable_update_time());
  return out;
}

// ---- Guardian ------------------------------------------------------------------------------------

absl::StatusOr<Guardian> GuardianFromProto(const v1::Guardian& p, absl::string_view guardian_id) {
  Guardian g;
  PARLEY_ASSIGN_OR_RETURN(g.id, OwnId(p.name(), guardian_id, "guardian_id", &ParseGuardianName));
  g.given_name = p.given_name();
  g.family_name = p.family_name();
  for (int i = 0; i < p.contact_points_size(); ++i) {
    const v1::ContactPoint& cp = p.contact_points(i);
    const std::string at = Item("", "contact_points", i);
    PARLEY_RETURN_IF_ERROR(
        CheckEnum(cp.kind(), v1::ContactKind_IsValid(cp.kind()), true, Field(at, "kind"), "contact kind"));
    g.contact_points.push_back(ContactPoint{ContactKindFromProto(cp.kind()), cp.value()});
  }
  PARLEY_RETURN_IF_ERROR(CheckEnum(p.preferred_channel(), v1::Channel_IsValid(p.preferred_channel()), false,
                                   "preferred_channel", "channel"));
  g.preferred_channel = ChannelFromProto(p.preferred_channel());
  g.language = p.language();
  g.household = p.household();
  g.lives_apart = p.lives_apart();
  g.separate_copies = p.separate_copies();
  for (int i = 0; i < p.pupils_size(); ++i) {
    const v1::PupilLink& l = p.pupils(i);
    const std::string at = Item("", "pupils", i);
    PupilLink link;
    if (l.pupil().empty()) return Required(Field(at, "pupil"));
    absl::StatusOr<IdPair> pupil = ParsePupilName(l.pupil());
    if (!pupil.ok()) return At(Field(at, "pupil"), pupil.status());
    link.school_id = std::move(pupil->first);
    link.pupil_id = std::move(pupil->second);
    link.relationship = l.relationship();
    link.parental_responsibility = l.parental_responsibility();
    if (l.has_court_order()) {
      CourtOrder order;
      order.no_information = l.court_order().no_information();
      order.no_contact = l.court_order().no_contact();
      if (!l.court_order().until_date().empty()) {
        absl::CivilDay until;
        PARLEY_RETURN_IF_ERROR(ReadDate(l.court_order().until_date(), Field(at, "court_order.until_date"), &until));
        order.until = until;
      }
      link.court_order = order;
    }
    g.pupils.push_back(std::move(link));
  }
  return g;
}

v1::Guardian GuardianToProto(const Guardian& g) {
  v1::Guardian out;
  if (!g.id.empty()) out.set_name(GuardianName(g.id));
  out.set_given_name(g.given_name);
  out.set_family_name(g.family_name);
  for (const ContactPoint& cp : g.contact_points) {
    v1::ContactPoint* pcp = out.add_contact_points();
    pcp->set_kind(ContactKindToProto(cp.kind));
    pcp->set_value(cp.value);
  }
  out.set_preferred_channel(ChannelToProto(g.preferred_channel));
  out.set_language(g.language);
  out.set_household(g.household);
  out.set_lives_apart(g.lives_apart);
  out.set_separate_copies(g.separate_copies);
  for (const PupilLink& link : g.pupils) {
    v1::PupilLink* pl = out.add_pupils();
    pl->set_pupil(PupilName(link.school_id, link.pupil_id));
    pl->set_relationship(link.relationship);
    pl->set_parental_responsibility(link.parental_responsibility);
    if (link.court_order) {
      v1::CourtOrder* order = pl->mutable_court_order();
      order->set_no_information(link.court_order->no_information);
      order->set_no_contact(link.court_order->no_contact);
      if (link.court_order->until) order->set_until_date(FormatDate(*link.court_order->until));
    }
  }
  out.set_etag(g.etag);
  if (HasTime(g.update_time)) WriteTime(g.update_time, out.mutable_update_time());
  return out;
}

namespace {

// "Given Family", without a stray space when one part is empty.
std::string FullName(const std::string& given, const std::string& family) {
  if (given.empty() || family.empty()) return given + family;
  return absl::StrCat(given, " ", family);
}

}  // namespace

v1::ContactDetails ContactDetailsToProto(const Guardian& g) {
  v1::ContactDetails out;
  out.set_name(GuardianName(g.id));
  out.set_display_name(FullName(g.given_name, g.family_name));
  out.set_given_name(g.given_name);
  out.set_family_name(g.family_name);
  for (const ContactPoint& cp : g.contact_points) {
    v1::ContactPoint* pcp = out.add_contact_points();
    pcp->set_kind(ContactKindToProto(cp.kind));
    pcp->set_value(cp.value);
  }
  return out;
}

v1::ContactDetails ContactDetailsToProto(const Staff& s) {
  v1::ContactDetails out;
  out.set_name(StaffName(s.school_id, s.id));
  out.set_display_name(s.display_name);
  out.set_email(s.email);
  return out;
}

v1::ContactDetails ContactDetailsToProto(const std::string& school_id, const ExternalContact& c) {
  v1::ContactDetails out;
  out.set_name(absl::StrCat("schools/", school_id, "/externalContacts/", c.id));
  out.set_display_name(c.display_name);
  // The contact is free text: an email address is the one thing a notice can be sent to.
  if (absl::StrContains(c.contact, '@')) out.set_email(c.contact);
  return out;
}

v1::ContactDetails ContactDetailsToProto(const Pupil& p) {
  v1::ContactDetails out;
  out.set_name(PupilName(p.school_id, p.id));
  out.set_display_name(FullName(p.given_name, p.family_name));
  out.set_given_name(p.given_name);
  out.set_family_name(p.family_name);
  out.set_year_group(p.year_group);
  out.set_class_name(p.class_name);
  return out;
}

// ---- Routing ---------------------------------------------------------------------------------------

absl::StatusOr<RoleRef> RoleRefFromProto(const v1::RoleRef& p, absl::string_view school_id) {
  return RoleRefFrom(p, school_id, "");
}

v1::RoleRef RoleRefToProto(const RoleRef& r, absl::string_view school_id) {
  v1::RoleRef out;
  switch (r.kind) {
    case RoleRef::Kind::kRelation:
      out.set_relation(PupilRelationToProto(r.relation));
      break;
    case RoleRef::Kind::kRole:
      out.set_role(r.value);
      break;
    case RoleRef::Kind::kStaff:
      out.set_staff(r.value.empty() ? std::string() : StaffName(school_id, r.value));
      break;
    case RoleRef::Kind::kExternalContact:
      out.set_external_contact(r.value);
      break;
  }
  out.set_subject(r.subject);
  return out;
}

absl::StatusOr<RoutingRule> RoutingRuleFromProto(const v1::RoutingRule& p, absl::string_view school_id) {
  return RuleFrom(p, school_id, "");
}

v1::RoutingRule RoutingRuleToProto(const RoutingRule& r, absl::string_view school_id) {
  v1::RoutingRule out;
  out.set_category(r.category);
  out.set_display_name(r.display_name);
  *out.mutable_owner() = RoleRefToProto(r.owner, school_id);
  for (Channel c : r.allowed_channels) out.add_allowed_channels(ChannelToProto(c));
  out.set_channel_rule(r.channel_rule);
  if (!r.ladder.empty()) out.set_ladder(LadderName(school_id, r.ladder));
  for (const RoleRef& ref : r.also_notify) *out.add_also_notify() = RoleRefToProto(ref, school_id);
  out.set_safeguarding(r.safeguarding);
  return out;
}

absl::StatusOr<Rung> RungFromProto(const v1::Rung& p, absl::string_view school_id) {
  return RungFrom(p, school_id, "");
}

v1::Rung RungToProto(const Rung& r, absl::string_view school_id) {
  v1::Rung out;
  out.set_title(r.title);
  *out.mutable_who() = RoleRefToProto(r.who, school_id);
  return out;
}

absl::StatusOr<RoutingMatrix> RoutingMatrixFromProto(const v1::RoutingMatrix& p, absl::string_view school_id) {
  RoutingMatrix m;
  PARLEY_ASSIGN_OR_RETURN(m.school_id, OwnId(p.name(), school_id, "school_id", &ParseRoutingMatrixName));
  for (int i = 0; i < p.rules_size(); ++i) {
    PARLEY_ASSIGN_OR_RETURN(RoutingRule rule, RuleFrom(p.rules(i), m.school_id, Item("", "rules", i)));
    m.rules.push_back(std::move(rule));
  }
  return m;
}

v1::RoutingMatrix RoutingMatrixToProto(const RoutingMatrix& m) {
  v1::RoutingMatrix out;
  if (!m.school_id.empty()) out.set_name(RoutingMatrixName(m.school_id));
  for (const RoutingRule& r : m.rules) *out.add_rules() = RoutingRuleToProto(r, m.school_id);
  out.set_etag(m.etag);
  if (HasTime(m.update_time)) WriteTime(m.update_time, out.mutable_update_time());
  return out;
}

absl::StatusOr<Ladder> LadderFromProto(const v1::Ladder& p) { return LadderFromProto(p, "", ""); }

absl::StatusOr<Ladder> LadderFromProto(const v1::Ladder& p, absl::string_view school_id, absl::string_view ladder_id) {
  Ladder l;
  PARLEY_ASSIGN_OR_RETURN(IdPair ids, ScopedId(p.name(), school_id, ladder_id, "ladder_id", &ParseLadderName));
  l.school_id = std::move(ids.first);
  l.id = std::move(ids.second);
  l.display_name = p.display_name();
  for (int i = 0; i < p.rungs_size(); ++i) {
    PARLEY_ASSIGN_OR_RETURN(Rung rung, RungFrom(p.rungs(i), l.school_id, Item("", "rungs", i)));
    l.rungs.push_back(std::move(rung));
  }
  return l;
}

v1::Ladder LadderToProto(const Ladder& l) {
  v1::Ladder out;
  if (!l.school_id.empty() && !l.id.empty()) out.set_name(LadderName(l.school_id, l.id));
  out.set_display_name(l.display_name);
  for (const Rung& r : l.rungs) *out.add_rungs() = RungToProto(r, l.school_id);
  out.set_etag(l.etag);
  if (HasTime(l.update_time)) WriteTime(l.update_time, out.mutable_update_time());
  return out;
}

// ---- Directory -----------------------------------------------------------------------------------

namespace {

// Adds one record of a school's list to `records` (keyed by id), prefixing any error with the
// record's place in the document: "schools[0] (st-marys): staff[3] (mrs-dunne): ...".
template <typename Proto, typename Record, typename Parsed>
absl::Status AddScoped(absl::string_view school_where, absl::string_view list, int index, const Proto& p,
                       absl::StatusOr<Parsed> parsed_name, const std::string& school_id,
                       absl::StatusOr<Record> (*from)(const Proto&, absl::string_view, absl::string_view),
                       std::map<std::string, Record>* records) {
  const std::string where = absl::StrCat(school_where, ": ", list, "[", index, "]", IdLabel(parsed_name));
  absl::StatusOr<Record> record = from(p, school_id, "");
  if (!record.ok()) return At(where, record.status());
  const std::string id = record->id;
  if (!records->emplace(id, *std::move(record)).second) {
    return InvalidArgument("INVALID_FIELD", absl::StrCat(where, ": ", id, " is listed twice"));
  }
  return absl::OkStatus();
}

}  // namespace

absl::StatusOr<Directory> DirectoryFromProto(const v1::TrustDirectory& p) {
  Directory d;
  if (p.has_trust()) {
    absl::StatusOr<Trust> trust = TrustFromProto(p.trust());
    if (!trust.ok()) return At("trust", trust.status());
    d.trust = *std::move(trust);
  }
  for (int i = 0; i < p.schools_size(); ++i) {
    const v1::SchoolDirectory& sp = p.schools(i);
    std::string where = absl::StrCat("schools[", i, "]");
    if (!sp.has_school()) return Required(Field(where, "school"));
    absl::StatusOr<std::string> parsed_name = ParseSchoolName(sp.school().name());
    where += IdLabel(parsed_name);
    absl::StatusOr<School> school = SchoolFromProto(sp.school());
    if (!school.ok()) return At(where, school.status());
    const std::string school_id = school->id;
    if (d.schools.count(school_id) != 0) {
      return InvalidArgument("INVALID_FIELD", absl::StrCat(where, ": school ", school_id, " is listed twice"));
    }
    SchoolDirectory& sd = d.schools[school_id];
    sd.school = *std::move(school);
    for (int j = 0; j < sp.staff_size(); ++j) {
      PARLEY_RETURN_IF_ERROR(AddScoped(where, "staff", j, sp.staff(j), ParseStaffName(sp.staff(j).name()), school_id,
                                       &StaffFromProto, &sd.staff));
    }
    for (int j = 0; j < sp.pupils_size(); ++j) {
      PARLEY_RETURN_IF_ERROR(AddScoped(where, "pupils", j, sp.pupils(j), ParsePupilName(sp.pupils(j).name()), school_id,
                                       &PupilFromProto, &sd.pupils));
    }
    if (!sp.has_routing_matrix()) {
      return InvalidArgument("INVALID_FIELD", absl::StrCat(where, ": routing_matrix is required"));
    }
    absl::StatusOr<RoutingMatrix> matrix = RoutingMatrixFromProto(sp.routing_matrix(), school_id);
    if (!matrix.ok()) return At(absl::StrCat(where, ": routing_matrix"), matrix.status());
    sd.routing_matrix = *std::move(matrix);
    for (int j = 0; j < sp.ladders_size(); ++j) {
      PARLEY_RETURN_IF_ERROR(AddScoped(where, "ladders", j, sp.ladders(j), ParseLadderName(sp.ladders(j).name()),
                                       school_id, &LadderFromProto, &sd.ladders));
    }
  }
  for (int i = 0; i < p.guardians_size(); ++i) {
    const v1::Guardian& gp = p.guardians(i);
    const std::string where = absl::StrCat("guardians[", i, "]", IdLabel(ParseGuardianName(gp.name())));
    absl::StatusOr<Guardian> guardian = GuardianFromProto(gp);
    if (!guardian.ok()) return At(where, guardian.status());
    const std::string id = guardian->id;
    if (!d.guardians.emplace(id, *std::move(guardian)).second) {
      return InvalidArgument("INVALID_FIELD", absl::StrCat(where, ": guardian ", id, " is listed twice"));
    }
  }
  return d;
}

v1::TrustDirectory DirectoryToProto(const Directory& d) {
  v1::TrustDirectory out;
  *out.mutable_trust() = TrustToProto(d.trust);
  for (const auto& [school_id, sd] : d.schools) {
    v1::SchoolDirectory* s = out.add_schools();
    *s->mutable_school() = SchoolToProto(sd.school);
    for (const auto& [id, staff] : sd.staff) *s->add_staff() = StaffToProto(staff);
    for (const auto& [id, pupil] : sd.pupils) *s->add_pupils() = PupilToProto(pupil);
    if (sd.routing_matrix.school_id.empty()) {
      // A matrix that was never written still belongs to its school.
      RoutingMatrix matrix = sd.routing_matrix;
      matrix.school_id = school_id;
      *s->mutable_routing_matrix() = RoutingMatrixToProto(matrix);
    } else {
      *s->mutable_routing_matrix() = RoutingMatrixToProto(sd.routing_matrix);
    }
    for (const auto& [id, ladder] : sd.ladders) *s->add_ladders() = LadderToProto(ladder);
  }
  for (const auto& [id, guardian] : d.guardians) *out.add_guardians() = GuardianToProto(guardian);
  return out;
}

namespace {

v1::ImportRecordKind ImportKindToProto(ImportKind kind) {
  switch (kind) {
    case ImportKind::kTrust:
      return v1::IMPORT_RECORD_KIND_TRUST;
    case ImportKind::kSchool:
      return v1::IMPORT_RECORD_KIND_SCHOOL;
    case ImportKind::kStaff:
      return v1::IMPORT_RECORD_KIND_STAFF;
    case ImportKind::kPupil:
      return v1::IMPORT_RECORD_KIND_PUPIL;
    case ImportKind::kGuardian:
      return v1::IMPORT_RECORD_KIND_GUARDIAN;
    case ImportKind::kLadder:
      return v1::IMPORT_RECORD_KIND_LADDER;
    case ImportKind::kRoutingMatrix:
      return v1::IMPORT_RECORD_KIND_ROUTING_MATRIX;
    case ImportKind::kRoutingRule:
      return v1::IMPORT_RECORD_KIND_ROUTING_RULE;
  }
  return v1::IMPORT_RECORD_KIND_UNSPECIFIED;
}

std::string ImportRefName(ImportKind kind, const ImportRef& ref) {
  switch (kind) {
    case ImportKind::kTrust:
      return "trust";
    case ImportKind::kSchool:
      return SchoolName(ref.school_id);
    case ImportKind::kStaff:
      return StaffName(ref.school_id, ref.id);
    case ImportKind::kPupil:
      return PupilName(ref.school_id, ref.id);
    case ImportKind::kGuardian:
      return GuardianName(ref.id);
    case ImportKind::kLadder:
      return LadderName(ref.school_id, ref.id);
    case ImportKind::kRoutingMatrix:
      return RoutingMatrixName(ref.school_id);
    case ImportKind::kRoutingRule:
      return absl::StrCat(RoutingMatrixName(ref.school_id), "#", ref.id);
  }
  return ref.id;
}

}  // namespace

v1::ImportSummary ImportSummaryToProto(const ImportResult& r) {
  v1::ImportSummary s;
  s.set_schools(r.schools);
  s.set_staff(r.staff);
  s.set_pupils(r.pupils);
  s.set_guardians(r.guardians);
  s.set_ladders(r.ladders);
  s.set_created(r.counts.created);
  s.set_updated(r.counts.updated);
  s.set_deleted(r.counts.deleted);
  s.set_unchanged(r.counts.unchanged);
  for (const std::string& id : r.schools_with_new_versions) s.add_schools_with_new_versions(SchoolName(id));
  for (const auto& [kind, k] : r.changes) {
    v1::ImportChanges* out = s.add_changes();
    out->set_kind(ImportKindToProto(kind));
    for (const ImportRef& ref : k.created) out->add_created(ImportRefName(kind, ref));
    for (const ImportRef& ref : k.changed) out->add_changed(ImportRefName(kind, ref));
    for (const ImportRef& ref : k.deleted) out->add_deleted(ImportRefName(kind, ref));
    out->set_unchanged(k.unchanged);
  }
  s.set_directory_etag(r.directory_etag);
  return s;
}

}  // namespace parley::contacts
