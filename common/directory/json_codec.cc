#include "common/directory/json_codec.h"

#include <array>
#include <cstdint>
#include <exception>
#include <limits>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/string_view.h"

namespace parley::directory {
namespace {

using nlohmann::json;

// ---- Enum names: stable, stored in rows; never rename one -------------------------------------

template <typename E>
using Names = std::pair<E, const char*>;

constexpr Names<Channel> kChannels[] = {
    {Channel::kUnspecified, "unspecified"},
    {Channel::kEmail, "email"},
    {Channel::kLetter, "letter"},
    {Channel::kPhone, "phone"},
    {Channel::kAppMessage, "app_message"},
    {Channel::kInPerson, "in_person"},
    {Channel::kMeetingRequest, "meeting_request"},
    {Channel::kSms, "sms"},
};
constexpr Names<Stage> kStages[] = {
    {Stage::kUnspecified, "unspecified"},  {Stage::kAcknowledge, "acknowledge"}, {Stage::kRespond, "respond"},
    {Stage::kHoldMeeting, "hold_meeting"}, {Stage::kFollowUp, "follow_up"},
};
constexpr Names<ClockCalendar> kClockCalendars[] = {
    {ClockCalendar::kSchool, "school"},
    {ClockCalendar::kOwner, "owner"},
};
constexpr Names<SchoolPhase> kPhases[] = {
    {SchoolPhase::kUnspecified, "unspecified"}, {SchoolPhase::kInfant, "infant"},
    {SchoolPhase::kJunior, "junior"},           {SchoolPhase::kPrimary, "primary"},
    {SchoolPhase::kSecondary, "secondary"},     {SchoolPhase::kAllThrough, "all_through"},
};
constexpr Names<ClosureKind> kClosureKinds[] = {
    {ClosureKind::kUnspecified, "unspecified"}, {ClosureKind::kHalfTerm, "half_term"},
    {ClosureKind::kInsetDay, "inset_day"},      {ClosureKind::kBankHoliday, "bank_holiday"},
    {ClosureKind::kEmergency, "emergency"},     {ClosureKind::kOther, "other"},
};
constexpr Names<SmsPolicy> kSmsPolicies[] = {
    {SmsPolicy::kUnspecified, "unspecified"},
    {SmsPolicy::kEmergencyOnly, "emergency_only"},
    {SmsPolicy::kImportant, "important"},
    {SmsPolicy::kAny, "any"},
};
constexpr Names<ContactKind> kContactKinds[] = {
    {ContactKind::kUnspecified, "unspecified"}, {ContactKind::kEmail, "email"},   {ContactKind::kMobile, "mobile"},
    {ContactKind::kLandline, "landline"},       {ContactKind::kPostal, "postal"}, {ContactKind::kApp, "app"},
};
constexpr Names<PupilRelation> kRelations[] = {
    {PupilRelation::kUnspecified, "unspecified"},  {PupilRelation::kClassTeacher, "class_teacher"},
    {PupilRelation::kFormTutor, "form_tutor"},     {PupilRelation::kSubjectTeacher, "subject_teacher"},
    {PupilRelation::kHeadOfYear, "head_of_year"},  {PupilRelation::kHeadOfDepartment, "head_of_department"},
    {PupilRelation::kPhaseLeader, "phase_leader"},
};
constexpr Names<RoleRef::Kind> kRoleRefKinds[] = {
    {RoleRef::Kind::kRelation, "relation"},
    {RoleRef::Kind::kRole, "role"},
    {RoleRef::Kind::kStaff, "staff"},
    {RoleRef::Kind::kExternalContact, "external_contact"},
};
constexpr Names<calendar::Unit> kUnits[] = {
    {calendar::Unit::kWorkingDays, "working_days"},
    {calendar::Unit::kWorkingHours, "working_hours"},
    {calendar::Unit::kElapsed, "elapsed"},
};

// ---- Dates ---------------------------------------------------------------------------------------

std::string ZeroPad(int64_t value, size_t width) {
  std::string text = absl::StrCat(value);
  if (text.size() < width) text.insert(0, width - text.size(), '0');
  return text;
}

std::string FormatDay(absl::CivilDay day) {
  return absl::StrCat(ZeroPad(day.year(), 4), "-", ZeroPad(day.month(), 2), "-", ZeroPad(day.day(), 2));
}

std::optional<absl::CivilDay> ParseDay(absl::string_view text) {
  if (text.size() != 10 || text[4] != '-' || text[7] != '-') return std::nullopt;
  int parts[3] = {0, 0, 0};
  const size_t starts[3] = {0, 5, 8}, lengths[3] = {4, 2, 2};
  for (int p = 0; p < 3; ++p) {
    for (size_t i = starts[p]; i < starts[p] + lengths[p]; ++i) {
      if (text[i] < '0' || text[i] > '9') return std::nullopt;
      parts[p] = parts[p] * 10 + (text[i] - '0');
    }
  }
  const absl::CivilDay day(parts[0], parts[1], parts[2]);
  if (parts[0] < 1 || day.year() != parts[0] || day.month() != parts[1] || day.day() != parts[2]) return std::nullopt;
  return day;
}

// ---- Writing -------------------------------------------------------------------------------------

json J(const std::string& s) { return s; }
json J(bool b) { return b; }
json J(int v) { return v; }
json J(absl::CivilDay day) { return FormatDay(day); }

template <typename E, size_t N>
json Name(const Names<E> (&names)[N], E value) {
  for (const auto& [e, name] : names) {
    if (e == value) return name;
  }
  // Only a value cast from an out-of-range integer gets here; the reader refuses it loudly.
  return absl::StrCat("unknown-", static_cast<int>(value));
}
json J(Channel v) { return Name(kChannels, v); }
json J(Stage v) { return Name(kStages, v); }
json J(ClockCalendar v) { return Name(kClockCalendars, v); }
json J(SchoolPhase v) { return Name(kPhases, v); }
json J(ClosureKind v) { return Name(kClosureKinds, v); }
json J(SmsPolicy v) { return Name(kSmsPolicies, v); }
json J(ContactKind v) { return Name(kContactKinds, v); }
json J(PupilRelation v) { return Name(kRelations, v); }
json J(RoleRef::Kind v) { return Name(kRoleRefKinds, v); }
json J(calendar::Unit v) { return Name(kUnits, v); }

json J(const calendar::HoursRange& h);
json J(const calendar::DateRange& r);
json J(const calendar::HoursOverride& o);
json J(const calendar::WorkingPattern& w);
json J(const calendar::Budget& b);
json J(const Closure& c);
json J(const SchoolCalendar& c);
json J(const ResponseRule& r);
json J(const BreachPolicy& b);
json J(const IncidentNoticeRule& r);
json J(const CommunicationPolicy& p);
json J(const ExternalContact& c);
json J(const SubjectTeacher& s);
json J(const ContactPoint& c);
json J(const CourtOrder& c);
json J(const PupilLink& l);
json J(const RoleRef& r);
json J(const RoutingRule& r);
json J(const Rung& r);

template <typename T>
json J(const std::optional<T>& v) {
  return v ? J(*v) : json(nullptr);
}
template <typename T>
json J(const std::vector<T>& items) {
  json out = json::array();
  for (const T& item : items) out.push_back(J(item));
  return out;
}
template <typename T, size_t N>
json J(const std::array<T, N>& items) {
  json out = json::array();
  for (const T& item : items) out.push_back(J(item));
  return out;
}

json J(const calendar::HoursRange& h) { return {{"open_minute", h.open_minute}, {"close_minute", h.close_minute}}; }
json J(const calendar::DateRange& r) { return {{"first", J(r.first)}, {"last", J(r.last)}, {"label", r.label}}; }
json J(const calendar::HoursOverride& o) { return {{"day", J(o.day)}, {"hours", J(o.hours)}, {"label", o.label}}; }
json J(const calendar::WorkingPattern& w) { return {{"works", J(w.works)}, {"hours", J(w.hours)}}; }
json J(const calendar::Budget& b) {
  return {{"unit", J(b.unit)},
          {"working_days", b.working_days},
          {"seconds", static_cast<int64_t>(absl::ToInt64Seconds(b.duration))}};
}
json J(const Closure& c) {
  return {{"first", J(c.range.first)}, {"last", J(c.range.last)}, {"label", c.range.label}, {"kind", J(c.kind)}};
}
json J(const SchoolCalendar& c) {
  return {{"time_zone", c.time_zone},
          {"terms", J(c.terms)},
          {"closures", J(c.closures)},
          {"school_days", J(c.school_days)},
          {"core_hours", J(c.core_hours)},
          {"overrides", J(c.overrides)},
          {"teaching_hours", J(c.teaching_hours)},
          {"bank_holiday_division", c.bank_holiday_division}};
}
json J(const ResponseRule& r) {
  return {{"channel", J(r.channel)},      {"stage", J(r.stage)},
          {"budget", J(r.budget)},        {"clock_calendar", J(r.clock_calendar)},
          {"policy_text", r.policy_text}, {"categories", r.categories}};
}
json J(const BreachPolicy& b) {
  return {{"notify_line_manager_on_acknowledge_breach", b.notify_line_manager_on_acknowledge_breach},
          {"escalate_on_response_breach", b.escalate_on_response_breach},
          {"refer_to_complaints_at_top", b.refer_to_complaints_at_top},
          {"complaints_procedure_uri", b.complaints_procedure_uri}};
}
json J(const CommunicationPolicy& p) {
  return {{"rules", J(p.rules)},
          {"safeguarding_budget", J(p.safeguarding_budget)},
          {"event_notice_days", p.event_notice_days},
          {"sms_policy", J(p.sms_policy)},
          {"separate_copies_on_request", p.separate_copies_on_request},
          {"separate_copies_require_written_request", p.separate_copies_require_written_request},
          {"breach", J(p.breach)},
          {"translation_locales", J(p.translation_locales)},
          {"interpreters_available", p.interpreters_available},
          {"incident_notices", J(p.incident_notices)},
          {"addressed_staff_own", p.addressed_staff_own}};
}
json J(const IncidentNoticeRule& r) {
  return {{"incident_kinds", r.incident_kinds},
          {"channels", J(r.channels)},
          {"reporter_line_manager", r.reporter_line_manager},
          {"notify", J(r.notify)},
          {"immediate", r.immediate},
          {"policy_text", r.policy_text}};
}
json J(const ExternalContact& c) { return {{"id", c.id}, {"display_name", c.display_name}, {"contact", c.contact}}; }
json J(const SubjectTeacher& s) { return {{"subject", s.subject}, {"teacher", s.teacher}}; }
json J(const ContactPoint& c) { return {{"kind", J(c.kind)}, {"value", c.value}}; }
json J(const CourtOrder& c) {
  return {{"no_information", c.no_information}, {"no_contact", c.no_contact}, {"until", J(c.until)}};
}
json J(const PupilLink& l) {
  return {{"school_id", l.school_id},
          {"pupil_id", l.pupil_id},
          {"relationship", l.relationship},
          {"parental_responsibility", l.parental_responsibility},
          {"court_order", J(l.court_order)}};
}
json J(const RoleRef& r) {
  return {{"kind", J(r.kind)}, {"relation", J(r.relation)}, {"value", r.value}, {"subject", r.subject}};
}
json J(const RoutingRule& r) {
  return {{"category", r.category},
          {"display_name", r.display_name},
          {"owner", J(r.owner)},
          {"allowed_channels", J(r.allowed_channels)},
          {"channel_rule", r.channel_rule},
          {"ladder", r.ladder},
          {"also_notify", J(r.also_notify)},
          {"safeguarding", r.safeguarding}};
}
json J(const Rung& r) { return {{"title", r.title}, {"who", J(r.who)}}; }

// ---- Reading -------------------------------------------------------------------------------------

// A position in the document being read. The first problem is kept in *error (as "<path>
// <problem>") and everything after it is skipped, so readers need no early returns.
class In {
 public:
  In(const json* j, std::string path, std::string* error) : j_(j), path_(std::move(path)), error_(error) {}

  bool ok() const { return error_->empty(); }
  // The key is in the document (a null value counts).
  bool present() const { return ok() && j_ != nullptr; }
  const json& value() const { return *j_; }
  void Fail(absl::string_view problem) const {
    if (ok()) *error_ = absl::StrCat(path_, " ", problem);
  }

  In operator[](const char* key) const {
    const json* child = nullptr;
    if (present() && j_->is_object()) {
      auto it = j_->find(key);
      if (it != j_->end()) child = &*it;
    }
    return In(child, absl::StrCat(path_, ".", key), error_);
  }
  size_t size() const { return present() && j_->is_array() ? j_->size() : 0; }
  In operator[](size_t index) const { return In(&(*j_)[index], absl::StrCat(path_, "[", index, "]"), error_); }

  // True when the value is there and of the kind wanted; a value of another kind is a failure.
  bool Is(bool (json::*test)() const noexcept, absl::string_view kind) const {
    if (!present()) return false;
    if (!(j_->*test)()) {
      Fail(absl::StrCat("is not ", kind));
      return false;
    }
    return true;
  }
  bool Object() const { return Is(&json::is_object, "an object"); }
  bool Array() const { return Is(&json::is_array, "an array"); }

 private:
  const json* j_;
  std::string path_;
  std::string* error_;
};

void Read(const In& in, std::string* out) {
  if (in.Is(&json::is_string, "a string")) *out = in.value().get<std::string>();
}
void Read(const In& in, bool* out) {
  if (in.Is(&json::is_boolean, "a boolean")) *out = in.value().get<bool>();
}
template <typename Int>
void ReadInteger(const In& in, Int* out) {
  if (!in.Is(&json::is_number_integer, "an integer")) return;
  if (in.value().is_number_unsigned()) {
    const uint64_t v = in.value().get<uint64_t>();
    if (v > static_cast<uint64_t>(std::numeric_limits<Int>::max())) return in.Fail("is out of range");
    *out = static_cast<Int>(v);
    return;
  }
  const int64_t v = in.value().get<int64_t>();
  if (v < std::numeric_limits<Int>::min() || v > std::numeric_limits<Int>::max()) return in.Fail("is out of range");
  *out = static_cast<Int>(v);
}
void Read(const In& in, int* out) { ReadInteger(in, out); }
void Read(const In& in, int64_t* out) { ReadInteger(in, out); }
void Read(const In& in, absl::CivilDay* out) {
  if (!in.Is(&json::is_string, "a date")) return;
  std::optional<absl::CivilDay> day = ParseDay(in.value().get_ref<const std::string&>());
  if (!day) return in.Fail("is not a date");
  *out = *day;
}

template <typename E, size_t N>
void ReadName(const In& in, const Names<E> (&names)[N], E* out) {
  if (!in.Is(&json::is_string, "a string")) return;
  const std::string& text = in.value().get_ref<const std::string&>();
  for (const auto& [e, name] : names) {
    if (text == name) {
      *out = e;
      return;
    }
  }
  in.Fail("is not a known value");
}
void Read(const In& in, Channel* out) { ReadName(in, kChannels, out); }
void Read(const In& in, Stage* out) { ReadName(in, kStages, out); }
void Read(const In& in, ClockCalendar* out) { ReadName(in, kClockCalendars, out); }
void Read(const In& in, SchoolPhase* out) { ReadName(in, kPhases, out); }
void Read(const In& in, ClosureKind* out) { ReadName(in, kClosureKinds, out); }
void Read(const In& in, SmsPolicy* out) { ReadName(in, kSmsPolicies, out); }
void Read(const In& in, ContactKind* out) { ReadName(in, kContactKinds, out); }
void Read(const In& in, PupilRelation* out) { ReadName(in, kRelations, out); }
void Read(const In& in, RoleRef::Kind* out) { ReadName(in, kRoleRefKinds, out); }
void Read(const In& in, calendar::Unit* out) { ReadName(in, kUnits, out); }

void Read(const In& in, calendar::HoursRange* out);
void Read(const In& in, calendar::DateRange* out);
void Read(const In& in, calendar::HoursOverride* out);
void Read(const In& in, calendar::WorkingPattern* out);
void Read(const In& in, calendar::Budget* out);
void Read(const In& in, Closure* out);
void Read(const In& in, SchoolCalendar* out);
void Read(const In& in, ResponseRule* out);
void Read(const In& in, BreachPolicy* out);
void Read(const In& in, IncidentNoticeRule* out);
void Read(const In& in, CommunicationPolicy* out);
void Read(const In& in, ExternalContact* out);
void Read(const In& in, SubjectTeacher* out);
void Read(const In& in, ContactPoint* out);
void Read(const In& in, CourtOrder* out);
void Read(const In& in, PupilLink* out);
void Read(const In& in, RoleRef* out);
void Read(const In& in, RoutingRule* out);
void Read(const In& in, Rung* out);

// null: unset.
template <typename T>
void Read(const In& in, std::optional<T>* out) {
  if (!in.present()) return;
  if (in.value().is_null()) {
    out->reset();
    return;
  }
  T value{};
  Read(in, &value);
  *out = std::move(value);
}
template <typename T>
void Read(const In& in, std::vector<T>* out) {
  if (!in.Array()) return;
  out->clear();
  for (size_t i = 0; i < in.size() && in.ok(); ++i) {
    T item{};
    Read(in[i], &item);
    out->push_back(std::move(item));
  }
}
template <typename T, size_t N>
void Read(const In& in, std::array<T, N>* out) {
  if (!in.Array()) return;
  if (in.size() != N) return in.Fail(absl::StrCat("does not have ", N, " entries"));
  for (size_t i = 0; i < N; ++i) Read(in[i], &(*out)[i]);
}

void Read(const In& in, calendar::HoursRange* out) {
  if (!in.Object()) return;
  Read(in["open_minute"], &out->open_minute);
  Read(in["close_minute"], &out->close_minute);
}
void Read(const In& in, calendar::DateRange* out) {
  if (!in.Object()) return;
  Read(in["first"], &out->first);
  Read(in["last"], &out->last);
  Read(in["label"], &out->label);
}
void Read(const In& in, calendar::HoursOverride* out) {
  if (!in.Object()) return;
  Read(in["day"], &out->day);
  Read(in["hours"], &out->hours);
  Read(in["label"], &out->label);
}
void Read(const In& in, calendar::WorkingPattern* out) {
  if (!in.Object()) return;
  Read(in["works"], &out->works);
  Read(in["hours"], &out->hours);
}
void Read(const In& in, calendar::Budget* out) {
  if (!in.Object()) return;
  Read(in["unit"], &out->unit);
  Read(in["working_days"], &out->working_days);
  int64_t seconds = absl::ToInt64Seconds(out->duration);
  Read(in["seconds"], &seconds);
  out->duration = absl::Seconds(seconds);
}
void Read(const In& in, Closure* out) {
  if (!in.Object()) return;
  Read(in["first"], &out->range.first);
  Read(in["last"], &out->range.last);
  Read(in["label"], &out->range.label);
  Read(in["kind"], &out->kind);
}
void Read(const In& in, SchoolCalendar* out) {
  if (!in.Object()) return;
  Read(in["time_zone"], &out->time_zone);
  Read(in["terms"], &out->terms);
  Read(in["closures"], &out->closures);
  Read(in["school_days"], &out->school_days);
  Read(in["core_hours"], &out->core_hours);
  Read(in["overrides"], &out->overrides);
  Read(in["teaching_hours"], &out->teaching_hours);
  Read(in["bank_holiday_division"], &out->bank_holiday_division);
}
void Read(const In& in, ResponseRule* out) {
  if (!in.Object()) return;
  Read(in["channel"], &out->channel);
  Read(in["stage"], &out->stage);
  Read(in["budget"], &out->budget);
  Read(in["clock_calendar"], &out->clock_calendar);
  Read(in["policy_text"], &out->policy_text);
  Read(in["categories"], &out->categories);
}
void Read(const In& in, BreachPolicy* out) {
  if (!in.Object()) return;
  Read(in["notify_line_manager_on_acknowledge_breach"], &out->notify_line_manager_on_acknowledge_breach);
  Read(in["escalate_on_response_breach"], &out->escalate_on_response_breach);
  Read(in["refer_to_complaints_at_top"], &out->refer_to_complaints_at_top);
  Read(in["complaints_procedure_uri"], &out->complaints_procedure_uri);
}
void Read(const In& in, CommunicationPolicy* out) {
  if (!in.Object()) return;
  Read(in["rules"], &out->rules);
  Read(in["safeguarding_budget"], &out->safeguarding_budget);
  Read(in["event_notice_days"], &out->event_notice_days);
  Read(in["sms_policy"], &out->sms_policy);
  Read(in["separate_copies_on_request"], &out->separate_copies_on_request);
  Read(in["separate_copies_require_written_request"], &out->separate_copies_require_written_request);
  Read(in["breach"], &out->breach);
  Read(in["translation_locales"], &out->translation_locales);
  Read(in["interpreters_available"], &out->interpreters_available);
  Read(in["incident_notices"], &out->incident_notices);
  Read(in["addressed_staff_own"], &out->addressed_staff_own);
}
void Read(const In& in, IncidentNoticeRule* out) {
  if (!in.Object()) return;
  Read(in["incident_kinds"], &out->incident_kinds);
  Read(in["channels"], &out->channels);
  Read(in["reporter_line_manager"], &out->reporter_line_manager);
  Read(in["notify"], &out->notify);
  Read(in["immediate"], &out->immediate);
  Read(in["policy_text"], &out->policy_text);
}
void Read(const In& in, ExternalContact* out) {
  if (!in.Object()) return;
  Read(in["id"], &out->id);
  Read(in["display_name"], &out->display_name);
  Read(in["contact"], &out->contact);
}
void Read(const In& in, SubjectTeacher* out) {
  if (!in.Object()) return;
  Read(in["subject"], &out->subject);
  Read(in["teacher"], &out->teacher);
}
void Read(const In& in, ContactPoint* out) {
  if (!in.Object()) return;
  Read(in["kind"], &out->kind);
  Read(in["value"], &out->value);
}
void Read(const In& in, CourtOrder* out) {
  if (!in.Object()) return;
  Read(in["no_information"], &out->no_information);
  Read(in["no_contact"], &out->no_contact);
  Read(in["until"], &out->until);
}
void Read(const In& in, PupilLink* out) {
  if (!in.Object()) return;
  Read(in["school_id"], &out->school_id);
  Read(in["pupil_id"], &out->pupil_id);
  Read(in["relationship"], &out->relationship);
  Read(in["parental_responsibility"], &out->parental_responsibility);
  Read(in["court_order"], &out->court_order);
}
void Read(const In& in, RoleRef* out) {
  if (!in.Object()) return;
  Read(in["kind"], &out->kind);
  Read(in["relation"], &out->relation);
  Read(in["value"], &out->value);
  Read(in["subject"], &out->subject);
}
void Read(const In& in, RoutingRule* out) {
  if (!in.Object()) return;
  Read(in["category"], &out->category);
  Read(in["display_name"], &out->display_name);
  Read(in["owner"], &out->owner);
  Read(in["allowed_channels"], &out->allowed_channels);
  Read(in["channel_rule"], &out->channel_rule);
  Read(in["ladder"], &out->ladder);
  Read(in["also_notify"], &out->also_notify);
  Read(in["safeguarding"], &out->safeguarding);
}
void Read(const In& in, Rung* out) {
  if (!in.Object()) return;
  Read(in["title"], &out->title);
  Read(in["who"], &out->who);
}

// Reads one record. `read` fills it from the root object. Nothing escapes: nlohmann throws on
// some misuse (and std::bad_alloc exists), so any exception becomes the same INTERNAL error.
template <typename T, typename ReadFields>
absl::StatusOr<T> Decode(const json& j, const char* kind, ReadFields read) {
  std::string error;
  T out;
  try {
    In root(&j, kind, &error);
    if (root.Object()) read(root, &out);
  } catch (const std::exception&) {
    error = absl::StrCat(kind, " could not be read");
  }
  if (!error.empty()) return absl::InternalError(absl::StrCat("stored record is malformed: ", error));
  return out;
}

}  // namespace

nlohmann::json ToJson(const Trust& trust) { return {{"display_name", trust.display_name}}; }

nlohmann::json ToJson(const School& school) {
  return {{"display_name", school.display_name},
          {"phase", J(school.phase)},
          {"default_locale", school.default_locale},
          {"calendar", J(school.calendar)},
          {"policy", J(school.policy)},
          {"external_contacts", J(school.external_contacts)}};
}

nlohmann::json ToJson(const Staff& staff) {
  return {{"display_name", staff.display_name},
          {"roles", J(staff.roles)},
          {"subjects", J(staff.subjects)},
          {"year_groups", J(staff.year_groups)},
          {"line_manager", staff.line_manager},
          {"working_pattern", J(staff.working_pattern)},
          {"email", staff.email},
          {"leaving_date", J(staff.leaving_date)},
          {"away_from", J(staff.away_from)},
          {"away_until", J(staff.away_until)}};
}

nlohmann::json ToJson(const Pupil& pupil) {
  return {{"given_name", pupil.given_name},
          {"family_name", pupil.family_name},
          {"year_group", pupil.year_group},
          {"class_name", pupil.class_name},
          {"class_teacher", pupil.class_teacher},
          {"form_tutor", pupil.form_tutor},
          {"subject_teachers", J(pupil.subject_teachers)},
          {"send", pupil.send}};
}

nlohmann::json ToJson(const Guardian& guardian) {
  return {{"given_name", guardian.given_name},
          {"family_name", guardian.family_name},
          {"contact_points", J(guardian.contact_points)},
          {"preferred_channel", J(guardian.preferred_channel)},
          {"language", guardian.language},
          {"household", guardian.household},
          {"lives_apart", guardian.lives_apart},
          {"separate_copies", guardian.separate_copies},
          {"pupils", J(guardian.pupils)}};
}

nlohmann::json ToJson(const RoutingMatrix& matrix) { return {{"rules", J(matrix.rules)}}; }

nlohmann::json ToJson(const Ladder& ladder) {
  return {{"display_name", ladder.display_name}, {"rungs", J(ladder.rungs)}};
}

absl::StatusOr<Trust> TrustFromJson(const nlohmann::json& j) {
  return Decode<Trust>(j, "trust", [](const In& in, Trust* t) { Read(in["display_name"], &t->display_name); });
}

absl::StatusOr<School> SchoolFromJson(const nlohmann::json& j) {
  return Decode<School>(j, "school", [](const In& in, School* s) {
    Read(in["display_name"], &s->display_name);
    Read(in["phase"], &s->phase);
    Read(in["default_locale"], &s->default_locale);
    Read(in["calendar"], &s->calendar);
    Read(in["policy"], &s->policy);
    Read(in["external_contacts"], &s->external_contacts);
  });
}

absl::StatusOr<Staff> StaffFromJson(const nlohmann::json& j) {
  return Decode<Staff>(j, "staff", [](const In& in, Staff* s) {
    Read(in["display_name"], &s->display_name);
    Read(in["roles"], &s->roles);
    Read(in["subjects"], &s->subjects);
    Read(in["year_groups"], &s->year_groups);
    Read(in["line_manager"], &s->line_manager);
    Read(in["working_pattern"], &s->working_pattern);
    Read(in["email"], &s->email);
    Read(in["leaving_date"], &s->leaving_date);
    Read(in["away_from"], &s->away_from);
    Read(in["away_until"], &s->away_until);
  });
}

absl::StatusOr<Pupil> PupilFromJson(const nlohmann::json& j) {
  return Decode<Pupil>(j, "pupil", [](const In& in, Pupil* p) {
    Read(in["given_name"], &p->given_name);
    Read(in["family_name"], &p->family_name);
    Read(in["year_group"], &p->year_group);
    Read(in["class_name"], &p->class_name);
    Read(in["class_teacher"], &p->class_teacher);
    Read(in["form_tutor"], &p->form_tutor);
    Read(in["subject_teachers"], &p->subject_teachers);
    Read(in["send"], &p->send);
  });
}

absl::StatusOr<Guardian> GuardianFromJson(const nlohmann::json& j) {
  return Decode<Guardian>(j, "guardian", [](const In& in, Guardian* g) {
    Read(in["given_name"], &g->given_name);
    Read(in["family_name"], &g->family_name);
    Read(in["contact_points"], &g->contact_points);
    Read(in["preferred_channel"], &g->preferred_channel);
    Read(in["language"], &g->language);
    Read(in["household"], &g->household);
    Read(in["lives_apart"], &g->lives_apart);
    Read(in["separate_copies"], &g->separate_copies);
    Read(in["pupils"], &g->pupils);
  });
}

absl::StatusOr<RoutingMatrix> RoutingMatrixFromJson(const nlohmann::json& j) {
  return Decode<RoutingMatrix>(j, "routing_matrix",
                               [](const In& in, RoutingMatrix* m) { Read(in["rules"], &m->rules); });
}

absl::StatusOr<Ladder> LadderFromJson(const nlohmann::json& j) {
  return Decode<Ladder>(j, "ladder", [](const In& in, Ladder* l) {
    Read(in["display_name"], &l->display_name);
    Read(in["rungs"], &l->rungs);
  });
}

}  // namespace parley::directory
