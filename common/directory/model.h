// The trust directory as plain value types: what the contacts domain reasons about. Proto types
// stop at api/ (api/convert.h maps them), SQL stops at store/. Identifiers here are bare ids
// ("st-marys", "mrs-dunne"); resource names ("schools/st-marys/staff/mrs-dunne") are an API
// concern.
#pragma once

#include <map>
#include <optional>
#include <string>
#include <vector>

#include "absl/time/time.h"
#include "common/calendar/calendar.h"

namespace parley::directory {

enum class Channel { kUnspecified = 0, kEmail, kLetter, kPhone, kAppMessage, kInPerson, kMeetingRequest, kSms };
enum class Stage { kUnspecified = 0, kAcknowledge, kRespond, kHoldMeeting, kFollowUp };
enum class ClockCalendar { kSchool = 0, kOwner };
enum class SchoolPhase { kUnspecified = 0, kInfant, kJunior, kPrimary, kSecondary, kAllThrough };
enum class ClosureKind { kUnspecified = 0, kHalfTerm, kInsetDay, kBankHoliday, kEmergency, kOther };
enum class SmsPolicy { kUnspecified = 0, kEmergencyOnly, kImportant, kAny };
enum class ContactKind { kUnspecified = 0, kEmail, kMobile, kLandline, kPostal, kApp };
enum class PupilRelation {
  kUnspecified = 0,
  kClassTeacher,
  kFormTutor,
  kSubjectTeacher,
  kHeadOfYear,
  kHeadOfDepartment,
  kPhaseLeader
};

struct Trust {
  std::string display_name;
  std::string etag;
  absl::Time update_time = absl::InfinitePast();
};

// The school calendar as the school states it; calendar::CalendarSpec is what it compiles to
// (bank holidays of the division added as closures).
struct Closure {
  calendar::DateRange range;  // label shown in explanations
  ClosureKind kind = ClosureKind::kUnspecified;
};
struct SchoolCalendar {
  std::string time_zone;  // empty: Europe/London
  std::vector<calendar::DateRange> terms;
  std::vector<Closure> closures;
  std::array<bool, 7> school_days = {true, true, true, true, true, false, false};  // Monday first
  calendar::HoursRange core_hours;
  std::vector<calendar::HoursOverride> overrides;
  std::optional<calendar::HoursRange> teaching_hours;
  std::string bank_holiday_division;
};

struct ResponseRule {
  Channel channel = Channel::kUnspecified;
  Stage stage = Stage::kUnspecified;
  calendar::Budget budget;
  ClockCalendar clock_calendar = ClockCalendar::kSchool;
  std::string policy_text;
  std::vector<std::string> categories;  // empty: every category
};

struct BreachPolicy {
  bool notify_line_manager_on_acknowledge_breach = false;
  bool escalate_on_response_breach = false;
  bool refer_to_complaints_at_top = false;
  std::string complaints_procedure_uri;
};

// Who, relative to a pupil or the school. Exactly one target kind.
struct RoleRef {
  enum class Kind { kRelation, kRole, kStaff, kExternalContact };
  Kind kind = Kind::kRole;
  PupilRelation relation = PupilRelation::kUnspecified;
  std::string value;    // role name, staff id or external contact id
  std::string subject;  // for subject relations
};

// Who hears of a conduct incident the school records, and how soon (api:
// contacts.v1.IncidentNoticeRule; the conduct service acts on it).
struct IncidentNoticeRule {
  std::vector<std::string> incident_kinds;  // conduct's kind names ("shouting"); empty: every kind
  std::vector<Channel> channels;            // how it happened; empty: every channel
  bool reporter_line_manager = false;       // the recorder's line manager (the head without one)
  std::vector<RoleRef> notify;              // roles, named staff, external contacts
  bool immediate = false;                   // staff told outside their working time too
  std::string policy_text;
};

// The incident kinds IncidentNoticeRule.incident_kinds may name (conduct.v1.IncidentKind, lower
// case, without the prefix).
inline constexpr const char* kIncidentKindNames[] = {
    "shouting",        "threatening", "abusive_written_message", "harassment", "physical_aggression", "damage",
    "security_breach", "other"};

struct CommunicationPolicy {
  std::vector<ResponseRule> rules;
  std::optional<calendar::Budget> safeguarding_budget;  // elapsed; 60 minutes when unset
  int event_notice_days = 0;
  SmsPolicy sms_policy = SmsPolicy::kUnspecified;
  bool separate_copies_on_request = false;
  bool separate_copies_require_written_request = false;
  BreachPolicy breach;
  std::vector<std::string> translation_locales;
  bool interpreters_available = false;
  std::vector<IncidentNoticeRule> incident_notices;
  // An enquiry addressed to a named member of staff is theirs while they can take it (Milton Road,
  // Kenilworth); otherwise addressing is recorded and routing decides.
  bool addressed_staff_own = false;
};

struct ExternalContact {
  std::string id;
  std::string display_name;
  std::string contact;  // personal data when it names a person
};

struct School {
  std::string id;
  std::string display_name;
  SchoolPhase phase = SchoolPhase::kUnspecified;
  std::string default_locale;
  SchoolCalendar calendar;
  CommunicationPolicy policy;
  std::vector<ExternalContact> external_contacts;
  // Derived and stored: fingerprints of the effective calendar and of the policy.
  std::string calendar_version;
  std::string policy_version;
  std::string etag;
  absl::Time create_time = absl::InfinitePast();
  absl::Time update_time = absl::InfinitePast();
};

struct Staff {
  std::string school_id;
  std::string id;
  std::string display_name;  // personal data
  std::vector<std::string> roles;
  std::vector<std::string> subjects;
  std::vector<int> year_groups;
  std::string line_manager;                                 // staff id in the same school, or empty
  std::optional<calendar::WorkingPattern> working_pattern;  // unset: full time
  std::string email;                                        // personal data
  // The last day worked; after it they have left and take no new matter. Unset: not leaving.
  std::optional<absl::CivilDay> leaving_date;
  // Long leave (maternity, secondment, sickness), first and last day inclusive; `away_until` unset
  // is open-ended. Matters addressed to them meanwhile go to routing.
  std::optional<absl::CivilDay> away_from;
  std::optional<absl::CivilDay> away_until;
  std::string etag;
  absl::Time update_time = absl::InfinitePast();

  bool HasRole(const std::string& role) const;
  // In class for the school's teaching hours: a teaching role (class or subject teacher, form
  // tutor) or a subject taught.
  bool Teaches() const;
  // Why they cannot take a new matter on `day`: kLeft after their leaving date, kAway inside their
  // leave; kAvailable otherwise.
  enum class Availability { kAvailable, kLeft, kAway };
  Availability AvailabilityOn(absl::CivilDay day) const;
};

struct SubjectTeacher {
  std::string subject;
  std::string teacher;  // staff id
};

struct Pupil {
  std::string school_id;
  std::string id;
  std::string given_name;   // personal data
  std::string family_name;  // personal data
  int year_group = 0;
  std::string class_name;
  std::string class_teacher;  // staff id
  std::string form_tutor;     // staff id
  std::vector<SubjectTeacher> subject_teachers;
  bool send = false;
  std::string etag;
  absl::Time update_time = absl::InfinitePast();
};

struct ContactPoint {
  ContactKind kind = ContactKind::kUnspecified;
  std::string value;  // personal data
};

struct CourtOrder {
  bool no_information = false;
  bool no_contact = false;
  std::optional<absl::CivilDay> until;
};

struct PupilLink {
  std::string school_id;
  std::string pupil_id;
  std::string relationship;
  bool parental_responsibility = false;
  std::optional<CourtOrder> court_order;
};

// Whether a court order in force on `day` (its last day included) removes contact with, or
// information about, the pupil for this guardian: they are told nothing about the pupil and
// cannot open a matter about them.
bool CourtOrderExcludes(const PupilLink& link, absl::CivilDay day);

struct Guardian {
  std::string id;
  std::string given_name;   // personal data
  std::string family_name;  // personal data
  std::vector<ContactPoint> contact_points;
  Channel preferred_channel = Channel::kUnspecified;
  std::string language;
  std::string household;
  bool lives_apart = false;
  bool separate_copies = false;
  std::vector<PupilLink> pupils;
  std::string etag;
  absl::Time update_time = absl::InfinitePast();
};

struct RoutingRule {
  std::string category;
  std::string display_name;
  RoleRef owner;
  std::vector<Channel> allowed_channels;
  std::string channel_rule;
  std::string ladder;  // ladder id, or empty
  std::vector<RoleRef> also_notify;
  bool safeguarding = false;
};

struct RoutingMatrix {
  std::string school_id;
  std::vector<RoutingRule> rules;
  std::string etag;
  absl::Time update_time = absl::InfinitePast();

  const RoutingRule* Find(const std::string& category) const;
};

struct Rung {
  std::string title;
  RoleRef who;
};

struct Ladder {
  std::string school_id;
  std::string id;
  std::string display_name;
  std::vector<Rung> rungs;
  std::string etag;
  absl::Time update_time = absl::InfinitePast();
};

// One school's part of the directory.
struct SchoolDirectory {
  School school;
  std::map<std::string, Staff> staff;   // by id
  std::map<std::string, Pupil> pupils;  // by id
  RoutingMatrix routing_matrix;
  std::map<std::string, Ladder> ladders;  // by id
};

// The whole directory, as imported, exported and served from memory.
struct Directory {
  Trust trust;
  std::map<std::string, SchoolDirectory> schools;  // by school id
  std::map<std::string, Guardian> guardians;       // by guardian id
};

}  // namespace parley::directory
