#include "common/directory/json_codec.h"

#include <map>
#include <optional>
#include <string>
#include <vector>

#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace parley::directory {
namespace {

using nlohmann::json;
using ::testing::HasSubstr;
using ::testing::Not;
using ::testing::StartsWith;

// ---- Field-by-field equality, independent of the codec -------------------------------------------
//
// Declared first so that the container templates below find every overload.

bool Same(const calendar::HoursRange& a, const calendar::HoursRange& b);
bool Same(const calendar::DateRange& a, const calendar::DateRange& b);
bool Same(const calendar::HoursOverride& a, const calendar::HoursOverride& b);
bool Same(const calendar::WorkingPattern& a, const calendar::WorkingPattern& b);
bool Same(const calendar::Budget& a, const calendar::Budget& b);
bool Same(const Closure& a, const Closure& b);
bool Same(const ResponseRule& a, const ResponseRule& b);
bool Same(const ExternalContact& a, const ExternalContact& b);
bool Same(const SubjectTeacher& a, const SubjectTeacher& b);
bool Same(const ContactPoint& a, const ContactPoint& b);
bool Same(const CourtOrder& a, const CourtOrder& b);
bool Same(const PupilLink& a, const PupilLink& b);
bool Same(const RoleRef& a, const RoleRef& b);
bool Same(const IncidentNoticeRule& a, const IncidentNoticeRule& b);
bool Same(const RoutingRule& a, const RoutingRule& b);
bool Same(const Rung& a, const Rung& b);

// Scalars (strings, numbers, enums, CivilDay, Time, Duration).
template <typename T>
auto Same(const T& a, const T& b) -> decltype(a == b, bool()) {
  return a == b;
}
template <typename T>
bool Same(const std::optional<T>& a, const std::optional<T>& b) {
  return a.has_value() == b.has_value() && (!a || Same(*a, *b));
}
template <typename T>
bool Same(const std::vector<T>& a, const std::vector<T>& b) {
  if (a.size() != b.size()) return false;
  for (size_t i = 0; i < a.size(); ++i) {
    if (!Same(a[i], b[i])) return false;
  }
  return true;
}
template <typename T, size_t N>
bool Same(const std::array<T, N>& a, const std::array<T, N>& b) {
  for (size_t i = 0; i < N; ++i) {
    if (!Same(a[i], b[i])) return false;
  }
  return true;
}

#define SAME(field) Same(a.field, b.field)

bool Same(const calendar::HoursRange& a, const calendar::HoursRange& b) {
  return SAME(open_minute) && SAME(close_minute);
}
bool Same(const calendar::DateRange& a, const calendar::DateRange& b) {
  return SAME(first) && SAME(last) && SAME(label);
}
bool Same(const calendar::HoursOverride& a, const calendar::HoursOverride& b) {
  return SAME(day) && SAME(hours) && SAME(label);
}
bool Same(const calendar::WorkingPattern& a, const calendar::WorkingPattern& b) { return SAME(works) && SAME(hours); }
bool Same(const calendar::Budget& a, const calendar::Budget& b) {
  return SAME(unit) && SAME(working_days) && SAME(duration);
}
bool Same(const Closure& a, const Closure& b) { return SAME(range) && SAME(kind); }
bool Same(const ResponseRule& a, const ResponseRule& b) {
  return SAME(channel) && SAME(stage) && SAME(budget) && SAME(clock_calendar) && SAME(policy_text) && SAME(categories);
}
bool Same(const ExternalContact& a, const ExternalContact& b) {
  return SAME(id) && SAME(display_name) && SAME(contact);
}
bool Same(const SubjectTeacher& a, const SubjectTeacher& b) { return SAME(subject) && SAME(teacher); }
bool Same(const ContactPoint& a, const ContactPoint& b) { return SAME(kind) && SAME(value); }
bool Same(const CourtOrder& a, const CourtOrder& b) { return SAME(no_information) && SAME(no_contact) && SAME(until); }
bool Same(const PupilLink& a, const PupilLink& b) {
  return SAME(school_id) && SAME(pupil_id) && SAME(relationship) && SAME(parental_responsibility) && SAME(court_order);
}
bool Same(const RoleRef& a, const RoleRef& b) { return SAME(kind) && SAME(relation) && SAME(value) && SAME(subject); }
bool Same(const RoutingRule& a, const RoutingRule& b) {
  return SAME(category) && SAME(display_name) && SAME(owner) && SAME(allowed_channels) && SAME(channel_rule) &&
         SAME(ladder) && SAME(also_notify) && SAME(safeguarding);
}
bool Same(const Rung& a, const Rung& b) { return SAME(title) && SAME(who); }

bool Same(const Trust& a, const Trust& b) { return SAME(display_name) && SAME(etag) && SAME(update_time); }
bool Same(const SchoolCalendar& a, const SchoolCalendar& b) {
  return SAME(time_zone) && SAME(terms) && SAME(closures) && SAME(school_days) && SAME(core_hours) && SAME(overrides) &&
         SAME(teaching_hours) && SAME(bank_holiday_division);
}
bool Same(const BreachPolicy& a, const BreachPolicy& b) {
  return SAME(notify_line_manager_on_acknowledge_breach) && SAME(escalate_on_response_breach) &&
         SAME(refer_to_complaints_at_top) && SAME(complaints_procedure_uri);
}
bool Same(const IncidentNoticeRule& a, const IncidentNoticeRule& b) {
  return SAME(incident_kinds) && SAME(channels) && SAME(reporter_line_manager) && SAME(notify) && SAME(immediate) &&
         SAME(policy_text);
}
bool Same(const CommunicationPolicy& a, const CommunicationPolicy& b) {
  return SAME(rules) && SAME(safeguarding_budget) && SAME(event_notice_days) && SAME(sms_policy) &&
         SAME(separate_copies_on_request) && SAME(separate_copies_require_written_request) &&
         Same(a.breach, b.breach) && SAME(translation_locales) && SAME(interpreters_available) &&
         SAME(incident_notices) && SAME(addressed_staff_own);
}
bool Same(const School& a, const School& b) {
  return SAME(id) && SAME(display_name) && SAME(phase) && SAME(default_locale) && Same(a.calendar, b.calendar) &&
         Same(a.policy, b.policy) && SAME(external_contacts) && SAME(calendar_version) && SAME(policy_version) &&
         SAME(etag) && SAME(create_time) && SAME(update_time);
}
bool Same(const Staff& a, const Staff& b) {
  return SAME(school_id) && SAME(id) && SAME(display_name) && SAME(roles) && SAME(subjects) && SAME(year_groups) &&
         SAME(line_manager) && SAME(working_pattern) && SAME(email) && SAME(leaving_date) && SAME(away_from) &&
         SAME(away_until) && SAME(etag) && SAME(update_time);
}
bool Same(const Pupil& a, const Pupil& b) {
  return SAME(school_id) && SAME(id) && SAME(given_name) && SAME(family_name) && SAME(year_group) && SAME(class_name) &&
         SAME(class_teacher) && SAME(form_tutor) && SAME(subject_teachers) && SAME(send) && SAME(etag) &&
         SAME(update_time);
}
bool Same(const Guardian& a, const Guardian& b) {
  return SAME(id) && SAME(given_name) && SAME(family_name) && SAME(contact_points) && SAME(preferred_channel) &&
         SAME(language) && SAME(household) && SAME(lives_apart) && SAME(separate_copies) && SAME(pupils) &&
         SAME(etag) && SAME(update_time);
}
bool Same(const RoutingMatrix& a, const RoutingMatrix& b) {
  return SAME(school_id) && SAME(rules) && SAME(etag) && SAME(update_time);
}
bool Same(const Ladder& a, const Ladder& b) {
  return SAME(school_id) && SAME(id) && SAME(display_name) && SAME(rungs) && SAME(etag) && SAME(update_time);
}

#undef SAME

// ---- Rich values: every field set to something other than its default ------------------------------

const absl::Time kWritten = absl::FromUnixSeconds(1'760'000'000);

calendar::HoursRange Hours(int open, int close) { return calendar::HoursRange{open, close}; }

School RichSchool() {
  School s;
  s.id = "st-marys";
  s.display_name = "St Mary's C of E Primary School";
  s.phase = SchoolPhase::kPrimary;
  s.default_locale = "en-GB";
  SchoolCalendar& c = s.calendar;
  c.time_zone = "Europe/London";
  c.terms = {{absl::CivilDay(2025, 9, 3), absl::CivilDay(2025, 12, 19), "Autumn 2025"},
             {absl::CivilDay(2026, 1, 5), absl::CivilDay(2026, 3, 27), "Spring 2026"}};
  c.closures = {
      {{absl::CivilDay(2025, 10, 27), absl::CivilDay(2025, 10, 31), "Autumn half-term"}, ClosureKind::kHalfTerm},
      {{absl::CivilDay(2025, 11, 14), absl::CivilDay(2025, 11, 14), "INSET day"}, ClosureKind::kInsetDay},
      {{absl::CivilDay(2025, 12, 25), absl::CivilDay(2025, 12, 26), "Christmas"}, ClosureKind::kBankHoliday},
      {{absl::CivilDay(2026, 1, 20), absl::CivilDay(2026, 1, 20), "Snow day"}, ClosureKind::kEmergency},
      {{absl::CivilDay(2026, 2, 2), absl::CivilDay(2026, 2, 3), "Polling station"}, ClosureKind::kOther},
      {{absl::CivilDay(2026, 3, 2), absl::CivilDay(2026, 3, 2), "Unsorted"}, ClosureKind::kUnspecified}};
  c.school_days = {true, true, true, true, true, true, false};
  c.core_hours = Hours(8 * 60 + 45, 15 * 60 + 30);
  c.overrides = {{absl::CivilDay(2025, 12, 19), Hours(8 * 60 + 45, 13 * 60 + 30), "Last day of term"}};
  c.teaching_hours = Hours(8 * 60 + 50, 15 * 60 + 25);
  c.bank_holiday_division = "england-and-wales";
  CommunicationPolicy& p = s.policy;
  p.rules = {
      {Channel::kEmail,
       Stage::kAcknowledge,
       {calendar::Unit::kWorkingDays, 2, absl::ZeroDuration()},
       ClockCalendar::kSchool,
       "We aim to acknowledge all emails within 2 working days.",
       {"learning", "send"}},
      {Channel::kPhone,
       Stage::kRespond,
       {calendar::Unit::kWorkingHours, 0, absl::Hours(24)},
       ClockCalendar::kOwner,
       "Calls are returned on the member of staff's return.",
       {}},
      {Channel::kInPerson,
       Stage::kFollowUp,
       {calendar::Unit::kElapsed, 0, absl::Minutes(90)},
       ClockCalendar::kSchool,
       "",
       {}},
      {Channel::kLetter,
       Stage::kAcknowledge,
       {calendar::Unit::kWorkingHours, 0, absl::Minutes(90)},
       ClockCalendar::kSchool,
       "Letters are acknowledged within 90 minutes of working time.",
       {}},
  };
  p.safeguarding_budget = calendar::Budget{calendar::Unit::kElapsed, 0, absl::Minutes(30)};
  p.event_notice_days = 14;
  p.sms_policy = SmsPolicy::kEmergencyOnly;
  p.separate_copies_on_request = true;
  p.separate_copies_require_written_request = true;
  p.breach = {true, true, true, "https://example.org/complaints"};
  p.translation_locales = {"pl", "ur"};
  p.interpreters_available = true;
  p.incident_notices = {
      {{"shouting"}, {Channel::kPhone, Channel::kInPerson}, true, {}, true, "report it to your line manager at once"},
      {{}, {}, false, {{RoleRef::Kind::kExternalContact, PupilRelation::kUnspecified, "county-cp", ""}}, false, ""},
  };
  p.addressed_staff_own = true;
  s.external_contacts = {{"county-cp", "Hertfordshire child protection team", "0300 123 4043"}};
  s.calendar_version = "0123456789abcdef";
  s.policy_version = "fedcba9876543210";
  s.etag = "7";
  s.create_time = kWritten - absl::Hours(24);
  s.update_time = kWritten;
  return s;
}

Staff RichStaff() {
  Staff s;
  s.school_id = "st-marys";
  s.id = "mrs-dunne";
  s.display_name = "Mrs A. Dunne";
  s.roles = {"class_teacher", "senco"};
  s.subjects = {"maths"};
  s.year_groups = {0, 3};
  s.line_manager = "mr-head";
  calendar::WorkingPattern w;
  w.works = {true, true, true, false, false, false, false};
  w.hours[1] = Hours(8 * 60 + 45, 12 * 60);
  s.working_pattern = w;
  s.email = "a.dunne@example.org";
  s.leaving_date = absl::CivilDay(2027, 7, 21);
  s.away_from = absl::CivilDay(2026, 11, 2);
  s.away_until = absl::CivilDay(2027, 2, 12);
  s.etag = "3";
  s.update_time = kWritten;
  return s;
}

Pupil RichPupil() {
  Pupil p;
  p.school_id = "st-marys";
  p.id = "p-001";
  p.given_name = "Ada";
  p.family_name = "Lovelace";
  p.year_group = -1;
  p.class_name = "Oak";
  p.class_teacher = "mrs-dunne";
  p.form_tutor = "mr-head";
  p.subject_teachers = {{"maths", "mrs-dunne"}, {"music", "mr-head"}};
  p.send = true;
  p.etag = "4";
  p.update_time = kWritten;
  return p;
}

Guardian RichGuardian() {
  Guardian g;
  g.id = "g-001";
  g.given_name = "Anna";
  g.family_name = "Nowak";
  g.contact_points = {{ContactKind::kEmail, "anna@example.org"},
                      {ContactKind::kMobile, "07700 900123"},
                      {ContactKind::kPostal, "1 High Street"}};
  g.preferred_channel = Channel::kAppMessage;
  g.language = "pl";
  g.household = "h-17";
  g.lives_apart = true;
  g.separate_copies = true;
  g.pupils = {{"st-marys", "p-001", "mother", true, CourtOrder{true, false, absl::CivilDay(2026, 7, 31)}},
              {"kenilworth", "p-100", "mother", true, CourtOrder{false, true, std::nullopt}},
              {"kenilworth", "p-101", "carer", false, std::nullopt}};
  g.etag = "5";
  g.update_time = kWritten;
  return g;
}

RoleRef Ref(RoleRef::Kind kind, std::string value, PupilRelation relation = PupilRelation::kUnspecified,
            std::string subject = "") {
  RoleRef r;
  r.kind = kind;
  r.value = std::move(value);
  r.relation = relation;
  r.subject = std::move(subject);
  return r;
}

RoutingMatrix RichMatrix() {
  RoutingMatrix m;
  m.school_id = "st-marys";
  RoutingRule learning;
  learning.category = "learning";
  learning.display_name = "My child's learning";
  learning.owner = Ref(RoleRef::Kind::kRelation, "", PupilRelation::kClassTeacher);
  learning.allowed_channels = {Channel::kEmail, Channel::kMeetingRequest, Channel::kSms};
  learning.channel_rule = "Email the class teacher";
  learning.ladder = "send";
  learning.also_notify = {Ref(RoleRef::Kind::kRole, "senco"), Ref(RoleRef::Kind::kStaff, "mr-head"),
                          Ref(RoleRef::Kind::kExternalContact, "county-cp"),
                          Ref(RoleRef::Kind::kRelation, "", PupilRelation::kHeadOfDepartment, "maths")};
  RoutingRule safeguarding;
  safeguarding.category = "safeguarding";
  safeguarding.owner = Ref(RoleRef::Kind::kRole, "dsl");
  safeguarding.safeguarding = true;
  m.rules = {learning, safeguarding};
  m.etag = "6";
  m.update_time = kWritten;
  return m;
}

Ladder RichLadder() {
  Ladder l;
  l.school_id = "st-marys";
  l.id = "send";
  l.display_name = "SEND";
  l.rungs = {{"Class teacher", Ref(RoleRef::Kind::kRelation, "", PupilRelation::kClassTeacher)},
             {"SENCo", Ref(RoleRef::Kind::kRole, "senco")},
             {"Headteacher", Ref(RoleRef::Kind::kStaff, "mr-head")},
             {"County", Ref(RoleRef::Kind::kExternalContact, "county-cp")},
             {"Form tutor", Ref(RoleRef::Kind::kRelation, "", PupilRelation::kFormTutor)},
             {"Subject", Ref(RoleRef::Kind::kRelation, "", PupilRelation::kSubjectTeacher, "maths")},
             {"Year", Ref(RoleRef::Kind::kRelation, "", PupilRelation::kHeadOfYear)},
             {"Phase", Ref(RoleRef::Kind::kRelation, "", PupilRelation::kPhaseLeader)}};
  l.etag = "8";
  l.update_time = kWritten;
  return l;
}

Trust RichTrust() {
  Trust t;
  t.display_name = "Riverside Learning Trust";
  t.etag = "1";
  t.update_time = kWritten;
  return t;
}

// What the store gets back from the doc alone: the column fields are its to set.
template <typename T>
T WithoutColumns(T record) {
  record.etag.clear();
  record.update_time = absl::InfinitePast();
  return record;
}
School WithoutColumns(School s) {
  s.id.clear();
  s.calendar_version.clear();
  s.policy_version.clear();
  s.etag.clear();
  s.create_time = s.update_time = absl::InfinitePast();
  return s;
}

// Through text, as the store does.
json ThroughText(const json& j) { return json::parse(j.dump()); }

template <typename T, typename FromJson>
void ExpectRoundTrip(const T& record, FromJson from_json, T without_columns) {
  const json j = ToJson(record);
  absl::StatusOr<T> back = from_json(ThroughText(j));
  ASSERT_TRUE(back.ok()) << back.status();
  EXPECT_TRUE(Same(*back, without_columns)) << j.dump(2);
  EXPECT_EQ(ToJson(*back), j);
}

TEST(JsonCodecTest, TrustRoundTrips) {
  Trust t = RichTrust();
  ExpectRoundTrip(t, &TrustFromJson, WithoutColumns(t));
}

TEST(JsonCodecTest, SchoolRoundTripsWithCalendarPolicyAndContacts) {
  School s = RichSchool();
  ExpectRoundTrip(s, &SchoolFromJson, WithoutColumns(s));
}

TEST(JsonCodecTest, SchoolWithDefaultsRoundTrips) {
  School s;
  s.calendar.core_hours = Hours(540, 900);
  ExpectRoundTrip(s, &SchoolFromJson, s);
}

TEST(JsonCodecTest, PartTimeStaffRoundTrips) {
  Staff s = RichStaff();
  Staff expected = WithoutColumns(s);
  expected.school_id.clear();
  expected.id.clear();
  ExpectRoundTrip(s, &StaffFromJson, expected);
}

TEST(JsonCodecTest, FullTimeStaffHasNoPattern) {
  Staff s = RichStaff();
  s.working_pattern.reset();
  EXPECT_TRUE(ToJson(s)["working_pattern"].is_null());
  absl::StatusOr<Staff> back = StaffFromJson(ToJson(s));
  ASSERT_TRUE(back.ok()) << back.status();
  EXPECT_FALSE(back->working_pattern.has_value());
}

TEST(JsonCodecTest, PupilRoundTrips) {
  Pupil p = RichPupil();
  Pupil expected = WithoutColumns(p);
  expected.school_id.clear();
  expected.id.clear();
  ExpectRoundTrip(p, &PupilFromJson, expected);
}

TEST(JsonCodecTest, GuardianWithCourtOrdersRoundTrips) {
  Guardian g = RichGuardian();
  Guardian expected = WithoutColumns(g);
  expected.id.clear();
  ExpectRoundTrip(g, &GuardianFromJson, expected);
}

TEST(JsonCodecTest, RoutingMatrixWithEveryRoleRefKindRoundTrips) {
  RoutingMatrix m = RichMatrix();
  RoutingMatrix expected = WithoutColumns(m);
  expected.school_id.clear();
  ExpectRoundTrip(m, &RoutingMatrixFromJson, expected);
}

TEST(JsonCodecTest, LadderRoundTrips) {
  Ladder l = RichLadder();
  Ladder expected = WithoutColumns(l);
  expected.school_id.clear();
  expected.id.clear();
  ExpectRoundTrip(l, &LadderFromJson, expected);
}

TEST(JsonCodecTest, JsonHoldsContentOnly) {
  const json school = ToJson(RichSchool());
  for (const char* column : {"id", "etag", "calendar_version", "policy_version", "create_time", "update_time"}) {
    EXPECT_FALSE(school.contains(column)) << column;
  }
  const json staff = ToJson(RichStaff());
  for (const char* column : {"id", "school_id", "etag", "update_time"}) EXPECT_FALSE(staff.contains(column)) << column;
  EXPECT_FALSE(ToJson(RichGuardian()).contains("id"));
  EXPECT_FALSE(ToJson(RichMatrix()).contains("school_id"));
  EXPECT_FALSE(ToJson(RichTrust()).contains("etag"));

  // The same content written at another time is the same document.
  School later = RichSchool();
  later.etag = "99";
  later.calendar_version = "other";
  later.update_time += absl::Hours(1);
  EXPECT_EQ(ToJson(later), school);
  later.calendar.overrides.clear();
  EXPECT_NE(ToJson(later), school);
}

TEST(JsonCodecTest, EncodingIsStable) {
  const json school = ToJson(RichSchool());
  const json& rule = school["policy"]["rules"][1];
  EXPECT_EQ(rule["channel"], "phone");
  EXPECT_EQ(rule["stage"], "respond");
  EXPECT_EQ(rule["clock_calendar"], "owner");
  EXPECT_EQ(rule["budget"], json({{"unit", "working_hours"}, {"working_days", 0}, {"seconds", 86400}}));
  // Working time finer than an hour is kept to the second, not rounded to hours.
  EXPECT_EQ(school["policy"]["rules"][3]["budget"],
            json({{"unit", "working_hours"}, {"working_days", 0}, {"seconds", 5400}}));
  EXPECT_EQ(school["phase"], "primary");
  EXPECT_EQ(
      school["calendar"]["closures"][0],
      json({{"first", "2025-10-27"}, {"last", "2025-10-31"}, {"label", "Autumn half-term"}, {"kind", "half_term"}}));
  EXPECT_EQ(school["calendar"]["core_hours"], json({{"open_minute", 525}, {"close_minute", 930}}));
  EXPECT_EQ(school["calendar"]["school_days"], json({true, true, true, true, true, true, false}));
  EXPECT_EQ(school["policy"]["sms_policy"], "emergency_only");
  EXPECT_EQ(ToJson(RichGuardian())["pupils"][0]["court_order"]["until"], "2026-07-31");
  EXPECT_EQ(ToJson(RichMatrix())["rules"][0]["also_notify"][2]["kind"], "external_contact");
  EXPECT_EQ(ToJson(RichStaff())["working_pattern"]["hours"][1], json({{"open_minute", 525}, {"close_minute", 720}}));
}

TEST(JsonCodecTest, MissingKeysReadAsDefaults) {
  absl::StatusOr<Staff> staff = StaffFromJson(json::object());
  ASSERT_TRUE(staff.ok()) << staff.status();
  EXPECT_TRUE(Same(*staff, Staff{}));
  absl::StatusOr<School> school = SchoolFromJson(json({{"display_name", "X"}, {"unknown_key", 1}}));
  ASSERT_TRUE(school.ok()) << school.status();
  EXPECT_EQ(school->display_name, "X");
  EXPECT_EQ(school->calendar.school_days, (std::array<bool, 7>{true, true, true, true, true, false, false}));
}

void ExpectMalformed(const absl::StatusOr<School>& result, const std::string& where) {
  ASSERT_FALSE(result.ok());
  EXPECT_EQ(result.status().code(), absl::StatusCode::kInternal);
  EXPECT_THAT(std::string(result.status().message()), StartsWith("stored record is malformed: "));
  EXPECT_THAT(std::string(result.status().message()), HasSubstr(where));
}

json Edit(json j, const json::json_pointer& at, json value) {
  j[at] = std::move(value);
  return j;
}

TEST(JsonCodecTest, MalformedRecordsAreInternalErrorsWithoutThrowing) {
  const json good = ToJson(RichSchool());
  ExpectMalformed(SchoolFromJson(json::array()), "school is not an object");
  ExpectMalformed(SchoolFromJson(json(nullptr)), "school is not an object");
  ExpectMalformed(SchoolFromJson(json("text")), "school is not an object");
  ExpectMalformed(SchoolFromJson(Edit(good, "/display_name"_json_pointer, 5)), "school.display_name is not a string");
  ExpectMalformed(SchoolFromJson(Edit(good, "/phase"_json_pointer, "nursery")), "school.phase is not a known value");
  ExpectMalformed(SchoolFromJson(Edit(good, "/calendar/terms/1/last"_json_pointer, "2026-02-30")),
                  "school.calendar.terms[1].last is not a date");
  ExpectMalformed(SchoolFromJson(Edit(good, "/calendar/terms/0/first"_json_pointer, 20250903)),
                  "school.calendar.terms[0].first is not a date");
  ExpectMalformed(SchoolFromJson(Edit(good, "/calendar/school_days"_json_pointer, json({true, false}))),
                  "school.calendar.school_days does not have 7 entries");
  ExpectMalformed(SchoolFromJson(Edit(good, "/calendar/core_hours/open_minute"_json_pointer, 525.5)),
                  "school.calendar.core_hours.open_minute is not an integer");
  ExpectMalformed(SchoolFromJson(Edit(good, "/calendar/core_hours/open_minute"_json_pointer, 1ULL << 40)),
                  "school.calendar.core_hours.open_minute is out of range");
  ExpectMalformed(SchoolFromJson(Edit(good, "/calendar/core_hours/close_minute"_json_pointer, -(1LL << 40))),
                  "school.calendar.core_hours.close_minute is out of range");
  ExpectMalformed(SchoolFromJson(Edit(good, "/policy/rules"_json_pointer, json::object())),
                  "school.policy.rules is not an array");
  ExpectMalformed(SchoolFromJson(Edit(good, "/policy/rules/0/budget/unit"_json_pointer, "fortnights")),
                  "school.policy.rules[0].budget.unit is not a known value");
  ExpectMalformed(SchoolFromJson(Edit(good, "/calendar/teaching_hours"_json_pointer, "08:50")),
                  "school.calendar.teaching_hours is not an object");
  ExpectMalformed(SchoolFromJson(Edit(good, "/external_contacts/0"_json_pointer, nullptr)),
                  "school.external_contacts[0] is not an object");
  ExpectMalformed(SchoolFromJson(Edit(good, "/display_name"_json_pointer, nullptr)),
                  "school.display_name is not a string");

  absl::StatusOr<Guardian> guardian =
      GuardianFromJson(Edit(ToJson(RichGuardian()), "/pupils/0/court_order/until"_json_pointer, "31/07/2026"));
  ASSERT_FALSE(guardian.ok());
  EXPECT_EQ(guardian.status().code(), absl::StatusCode::kInternal);
  EXPECT_THAT(std::string(guardian.status().message()),
              HasSubstr("guardian.pupils[0].court_order.until is not a date"));
}

TEST(JsonCodecTest, ErrorsNeverQuoteStoredValues) {
  // Stored values may be personal data.
  json doc = ToJson(RichGuardian());
  doc["contact_points"][0]["kind"] = "Anna Nowak's secret";
  absl::StatusOr<Guardian> g = GuardianFromJson(doc);
  ASSERT_FALSE(g.ok());
  EXPECT_THAT(std::string(g.status().message()), Not(HasSubstr("secret")));
  EXPECT_THAT(std::string(g.status().message()), HasSubstr("guardian.contact_points[0].kind is not a known value"));
}

TEST(JsonCodecTest, EveryRecordKindRejectsANonObject) {
  const json bad = json::array({1, 2});
  EXPECT_EQ(TrustFromJson(bad).status().code(), absl::StatusCode::kInternal);
  EXPECT_EQ(StaffFromJson(bad).status().code(), absl::StatusCode::kInternal);
  EXPECT_EQ(PupilFromJson(bad).status().code(), absl::StatusCode::kInternal);
  EXPECT_EQ(GuardianFromJson(bad).status().code(), absl::StatusCode::kInternal);
  EXPECT_EQ(RoutingMatrixFromJson(bad).status().code(), absl::StatusCode::kInternal);
  EXPECT_EQ(LadderFromJson(bad).status().code(), absl::StatusCode::kInternal);
  EXPECT_EQ(StaffFromJson(json({{"working_pattern", {{"works", {1, 2, 3, 4, 5, 6, 7}}}}})).status().code(),
            absl::StatusCode::kInternal);
  EXPECT_EQ(LadderFromJson(json({{"rungs", {{{"who", {{"kind", "robot"}}}}}}})).status().code(),
            absl::StatusCode::kInternal);
}

}  // namespace
}  // namespace parley::directory
