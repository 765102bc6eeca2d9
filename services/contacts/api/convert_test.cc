#include "services/contacts/api/convert.h"

#include <string>
#include <tuple>
#include <utility>

#include "common/directory/json_codec.h"
#include "common/grpc/api_edge.h"
#include "common/status/reason.h"
#include "gmock/gmock.h"
#include "google/protobuf/util/message_differencer.h"
#include "gtest/gtest.h"
#include "services/contacts/api/resource_names.h"

namespace parley::contacts {
namespace {

using ::google::protobuf::util::MessageDifferencer;
using ::testing::HasSubstr;
using ::testing::Not;
using ::testing::StartsWith;

// ---- A small two-school directory with every kind of value ---------------------------------------

const absl::Time kWritten = absl::FromUnixSeconds(1'760'000'000) + absl::Nanoseconds(250);

calendar::HoursRange Hours(int open, int close) { return calendar::HoursRange{open, close}; }

RoleRef Ref(RoleRef::Kind kind, std::string value, PupilRelation relation = PupilRelation::kUnspecified,
            std::string subject = "") {
  RoleRef r;
  r.kind = kind;
  r.value = std::move(value);
  r.relation = relation;
  r.subject = std::move(subject);
  return r;
}

SchoolDirectory StMarys() {
  SchoolDirectory sd;
  School& s = sd.school;
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
  c.overrides = {{absl::CivilDay(2025, 12, 19), Hours(8 * 60 + 45, 13 * 60 + 30), "Last day of term"},
                 {absl::CivilDay(2026, 3, 27), Hours(0, 24 * 60), ""}};
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
      {Channel::kEmail,
       Stage::kRespond,
       {calendar::Unit::kWorkingDays, 0, absl::ZeroDuration()},
       ClockCalendar::kSchool,
       "",
       {}},
      {Channel::kPhone,
       Stage::kRespond,
       {calendar::Unit::kWorkingHours, 0, absl::Hours(24)},
       ClockCalendar::kOwner,
       "Calls are returned on the member of staff's return.",
       {}},
      {Channel::kMeetingRequest,
       Stage::kHoldMeeting,
       {calendar::Unit::kElapsed, 0, absl::Minutes(90)},
       ClockCalendar::kSchool,
       "",
       {}},
      {Channel::kLetter,
       Stage::kFollowUp,
       {calendar::Unit::kWorkingDays, 10, absl::ZeroDuration()},
       ClockCalendar::kOwner,
       "",
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
      {{"shouting", "threatening"}, {Channel::kPhone, Channel::kInPerson}, true, {}, true, "report it at once"},
      {{},
       {},
       false,
       {{RoleRef::Kind::kStaff, PupilRelation::kUnspecified, "mr-head", ""},
        {RoleRef::Kind::kRole, PupilRelation::kUnspecified, "dsl", ""},
        {RoleRef::Kind::kExternalContact, PupilRelation::kUnspecified, "county-cp", ""}},
       false,
       ""},
  };
  p.addressed_staff_own = true;
  s.external_contacts = {{"county-cp", "Hertfordshire child protection team", "0300 123 4043"}};
  s.calendar_version = "0123456789abcdef";
  s.policy_version = "fedcba9876543210";
  s.etag = "7";
  s.create_time = kWritten - absl::Hours(24);
  s.update_time = kWritten;

  Staff head;
  head.school_id = "st-marys";
  head.id = "mr-head";
  head.display_name = "Mr B. Head";
  head.roles = {"headteacher", "dsl"};
  head.email = "head@example.org";
  Staff dunne;
  dunne.school_id = "st-marys";
  dunne.id = "mrs-dunne";
  dunne.display_name = "Mrs A. Dunne";
  dunne.roles = {"class_teacher", "senco"};
  dunne.subjects = {"maths"};
  dunne.year_groups = {0, 3};
  dunne.line_manager = "mr-head";
  calendar::WorkingPattern w;
  w.works = {true, true, true, false, false, false, false};
  w.hours[1] = Hours(8 * 60 + 45, 12 * 60);
  dunne.working_pattern = w;
  dunne.email = "a.dunne@example.org";
  dunne.away_from = absl::CivilDay(2026, 11, 2);
  dunne.away_until = absl::CivilDay(2027, 2, 12);
  dunne.leaving_date = absl::CivilDay(2027, 7, 21);
  dunne.etag = "3";
  dunne.update_time = kWritten;
  sd.staff = {{head.id, head}, {dunne.id, dunne}};

  Pupil ada;
  ada.school_id = "st-marys";
  ada.id = "p-001";
  ada.given_name = "Ada";
  ada.family_name = "Lovelace";
  ada.year_group = -1;
  ada.class_name = "Oak";
  ada.class_teacher = "mrs-dunne";
  ada.form_tutor = "mr-head";
  ada.subject_teachers = {{"maths", "mrs-dunne"}, {"music", "mr-head"}};
  ada.send = true;
  sd.pupils = {{ada.id, ada}};

  RoutingMatrix& m = sd.routing_matrix;
  m.school_id = "st-marys";
  RoutingRule learning;
  learning.category = "learning";
  learning.display_name = "My child's learning";
  learning.owner = Ref(RoleRef::Kind::kRelation, "", PupilRelation::kClassTeacher);
  learning.allowed_channels = {Channel::kEmail, Channel::kAppMessage, Channel::kInPerson, Channel::kSms};
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

  Ladder send;
  send.school_id = "st-marys";
  send.id = "send";
  send.display_name = "SEND";
  send.rungs = {{"Class teacher", Ref(RoleRef::Kind::kRelation, "", PupilRelation::kClassTeacher)},
                {"SENCo", Ref(RoleRef::Kind::kRole, "senco")},
                {"Headteacher", Ref(RoleRef::Kind::kStaff, "mr-head")},
                {"County", Ref(RoleRef::Kind::kExternalContact, "county-cp")},
                {"Form tutor", Ref(RoleRef::Kind::kRelation, "", PupilRelation::kFormTutor)},
                {"Subject", Ref(RoleRef::Kind::kRelation, "", PupilRelation::kSubjectTeacher, "maths")},
                {"Year", Ref(RoleRef::Kind::kRelation, "", PupilRelation::kHeadOfYear)},
                {"Phase", Ref(RoleRef::Kind::kRelation, "", PupilRelation::kPhaseLeader)}};
  sd.ladders = {{send.id, send}};
  return sd;
}

// The plainest school there can be: defaults wherever a default is allowed.
SchoolDirectory Kenilworth() {
  SchoolDirectory sd;
  sd.school.id = "kenilworth";
  sd.school.display_name = "Kenilworth Primary";
  sd.school.calendar.terms = {{absl::CivilDay(2025, 9, 4), absl::CivilDay(2025, 12, 19), ""}};
  sd.school.calendar.core_hours = Hours(9 * 60, 15 * 60 + 15);
  sd.routing_matrix.school_id = "kenilworth";
  Pupil p;
  p.school_id = "kenilworth";
  p.id = "p-100";
  p.given_name = "Alan";
  p.family_name = "Turing";
  p.year_group = 6;
  sd.pupils = {{p.id, p}};
  return sd;
}

Guardian Nowak() {
  Guardian g;
  g.id = "g-001";
  g.given_name = "Anna";
  g.family_name = "Nowak";
  g.contact_points = {{ContactKind::kEmail, "anna@example.org"},
                      {ContactKind::kMobile, "07700 900123"},
                      {ContactKind::kLandline, "020 7946 0000"},
                      {ContactKind::kPostal, "1 High Street"},
                      {ContactKind::kApp, "weduc:123"}};
  g.preferred_channel = Channel::kAppMessage;
  g.language = "pl";
  g.household = "h-17";
  g.lives_apart = true;
  g.separate_copies = true;
  g.pupils = {{"st-marys", "p-001", "mother", true, CourtOrder{true, false, absl::CivilDay(2026, 7, 31)}},
              {"kenilworth", "p-100", "mother", true, CourtOrder{false, true, std::nullopt}}};
  g.etag = "5";
  g.update_time = kWritten;
  return g;
}

Directory SmallDirectory() {
  Directory d;
  d.trust.display_name = "Riverside Learning Trust";
  d.trust.etag = "1";
  d.trust.update_time = kWritten;
  d.schools = {{"st-marys", StMarys()}, {"kenilworth", Kenilworth()}};
  Guardian plain;
  plain.id = "g-002";
  plain.given_name = "Bob";
  plain.family_name = "Smith";
  plain.pupils = {{"kenilworth", "p-100", "", false, std::nullopt}};
  d.guardians = {{"g-001", Nowak()}, {"g-002", plain}};
  return d;
}

// ---- Comparison ----------------------------------------------------------------------------------
//
// Content is compared through the store's codec (which json_codec_test checks field by field), the
// keys directly. Output-only fields are not compared: FromProto ignores them by design.

template <typename T>
void ExpectSameContent(const T& got, const T& want) {
  EXPECT_EQ(ToJson(got).dump(1), ToJson(want).dump(1));
}
void ExpectSameIds(const Staff& a, const Staff& b) {
  EXPECT_EQ(std::tie(a.school_id, a.id), std::tie(b.school_id, b.id));
}
void ExpectSameIds(const Pupil& a, const Pupil& b) {
  EXPECT_EQ(std::tie(a.school_id, a.id), std::tie(b.school_id, b.id));
}
void ExpectSameIds(const Ladder& a, const Ladder& b) {
  EXPECT_EQ(std::tie(a.school_id, a.id), std::tie(b.school_id, b.id));
}

void ExpectSameDirectory(const Directory& got, const Directory& want) {
  ExpectSameContent(got.trust, want.trust);
  ASSERT_EQ(got.schools.size(), want.schools.size());
  for (const auto& [id, w] : want.schools) {
    ASSERT_EQ(got.schools.count(id), 1u) << id;
    const SchoolDirectory& g = got.schools.at(id);
    EXPECT_EQ(g.school.id, id);
    ExpectSameContent(g.school, w.school);
    ASSERT_EQ(g.staff.size(), w.staff.size());
    for (const auto& [sid, s] : w.staff) {
      ExpectSameIds(g.staff.at(sid), s);
      ExpectSameContent(g.staff.at(sid), s);
    }
    ASSERT_EQ(g.pupils.size(), w.pupils.size());
    for (const auto& [pid, p] : w.pupils) {
      ExpectSameIds(g.pupils.at(pid), p);
      ExpectSameContent(g.pupils.at(pid), p);
    }
    EXPECT_EQ(g.routing_matrix.school_id, id);
    ExpectSameContent(g.routing_matrix, w.routing_matrix);
    ASSERT_EQ(g.ladders.size(), w.ladders.size());
    for (const auto& [lid, l] : w.ladders) {
      ExpectSameIds(g.ladders.at(lid), l);
      ExpectSameContent(g.ladders.at(lid), l);
    }
  }
  ASSERT_EQ(got.guardians.size(), want.guardians.size());
  for (const auto& [id, w] : want.guardians) {
    EXPECT_EQ(got.guardians.at(id).id, id);
    ExpectSameContent(got.guardians.at(id), w);
  }
}

// Clears every output-only field of a message, recursively by name, to get the canonical input.
void ClearOutputOnly(google::protobuf::Message* m) {
  const google::protobuf::Descriptor* d = m->GetDescriptor();
  const google::protobuf::Reflection* r = m->GetReflection();
  for (const char* name : {"etag", "calendar_version", "policy_version", "create_time", "update_time"}) {
    if (const auto* f = d->FindFieldByName(name)) r->ClearField(m, f);
  }
  if (d->name() == "Trust") r->ClearField(m, d->FindFieldByName("name"));
  for (int i = 0; i < d->field_count(); ++i) {
    const google::protobuf::FieldDescriptor* f = d->field(i);
    if (f->cpp_type() != google::protobuf::FieldDescriptor::CPPTYPE_MESSAGE) continue;
    if (f->is_repeated()) {
      for (int j = 0; j < r->FieldSize(*m, f); ++j) ClearOutputOnly(r->MutableRepeatedMessage(m, f, j));
    } else if (r->HasField(*m, f)) {
      ClearOutputOnly(r->MutableMessage(m, f));
    }
  }
}

template <typename Msg>
void ExpectSameProto(const Msg& got, const Msg& want) {
  std::string diff;
  MessageDifferencer differ;
  differ.ReportDifferencesToString(&diff);
  EXPECT_TRUE(differ.Compare(got, want)) << diff;
}

void ExpectInvalid(const absl::Status& status, absl::string_view reason, absl::string_view message) {
  EXPECT_EQ(status.code(), absl::StatusCode::kInvalidArgument) << status;
  EXPECT_EQ(ErrorReason(status), reason) << status;
  EXPECT_THAT(std::string(status.message()), StartsWith(std::string(message))) << status;
}

// ---- Round trips ---------------------------------------------------------------------------------

TEST(ConvertTest, SchoolRoundTrips) {
  const School s = StMarys().school;
  v1::School p = SchoolToProto(s);
  absl::StatusOr<School> back = SchoolFromProto(p);
  ASSERT_TRUE(back.ok()) << back.status();
  EXPECT_EQ(back->id, "st-marys");
  ExpectSameContent(*back, s);

  ClearOutputOnly(&p);
  ExpectSameProto(SchoolToProto(*back), p);
}

TEST(ConvertTest, CanonicalSchoolProtoIsExplicit) {
  const v1::School p = SchoolToProto(Kenilworth().school);
  EXPECT_EQ(p.name(), "schools/kenilworth");
  EXPECT_EQ(p.calendar().school_days_size(), 5);  // Monday to Friday written out
  EXPECT_TRUE(p.has_policy());
  EXPECT_TRUE(p.policy().has_breach());
  EXPECT_FALSE(p.calendar().has_teaching_hours());
  EXPECT_FALSE(p.policy().has_safeguarding_budget());
  EXPECT_FALSE(p.has_create_time());  // InfinitePast: never written
  const v1::School rich = SchoolToProto(StMarys().school);
  EXPECT_EQ(rich.calendar().closures(1).start_date(), "2025-11-14");
  EXPECT_EQ(rich.calendar().closures(1).end_date(), "2025-11-14");  // written even for one day
  EXPECT_EQ(rich.calendar().core_hours().open(), "08:45");
  EXPECT_EQ(rich.calendar().overrides(1).hours().close(), "24:00");
  EXPECT_EQ(rich.policy().rules(0).clock_calendar(), v1::CLOCK_CALENDAR_SCHOOL);
  EXPECT_EQ(rich.etag(), "7");
  EXPECT_EQ(rich.calendar_version(), "0123456789abcdef");
  EXPECT_EQ(rich.update_time().seconds(), 1'760'000'000);
  EXPECT_EQ(rich.update_time().nanos(), 250);
}

TEST(ConvertTest, OutputOnlyFieldsAreIgnoredOnInput) {
  v1::School p = SchoolToProto(StMarys().school);
  ASSERT_FALSE(p.etag().empty());
  absl::StatusOr<School> s = SchoolFromProto(p);
  ASSERT_TRUE(s.ok()) << s.status();
  EXPECT_EQ(s->etag, "");
  EXPECT_EQ(s->calendar_version, "");
  EXPECT_EQ(s->policy_version, "");
  EXPECT_EQ(s->create_time, absl::InfinitePast());
  EXPECT_EQ(s->update_time, absl::InfinitePast());
}

TEST(ConvertTest, ShorthandsReadAsTheirDefaults) {
  v1::School p = SchoolToProto(Kenilworth().school);
  p.mutable_calendar()->clear_school_days();
  p.mutable_calendar()->add_closures()->set_start_date("2025-10-27");
  p.mutable_calendar()->mutable_closures(0)->set_label("INSET day");
  p.mutable_policy()->add_rules()->set_channel(v1::CHANNEL_EMAIL);
  p.mutable_policy()->mutable_rules(0)->set_stage(v1::STAGE_RESPOND);
  p.mutable_policy()->mutable_rules(0)->mutable_budget()->set_working_days(3);
  absl::StatusOr<School> s = SchoolFromProto(p);
  ASSERT_TRUE(s.ok()) << s.status();
  EXPECT_EQ(s->calendar.school_days, (std::array<bool, 7>{true, true, true, true, true, false, false}));
  EXPECT_EQ(s->calendar.closures[0].range.last, absl::CivilDay(2025, 10, 27));
  EXPECT_EQ(s->policy.rules[0].clock_calendar, ClockCalendar::kSchool);
}

TEST(ConvertTest, PartTimeStaffRoundTrips) {
  const Staff s = StMarys().staff.at("mrs-dunne");
  v1::Staff p = StaffToProto(s);
  EXPECT_EQ(p.name(), "schools/st-marys/staff/mrs-dunne");
  EXPECT_EQ(p.line_manager(), "schools/st-marys/staff/mr-head");
  ASSERT_EQ(p.working_pattern().days_size(), 3);
  EXPECT_EQ(p.working_pattern().days(0).weekday(), v1::WEEKDAY_MONDAY);
  EXPECT_FALSE(p.working_pattern().days(0).has_hours());
  EXPECT_EQ(p.working_pattern().days(1).hours().close(), "12:00");
  EXPECT_EQ(p.away_from(), "2026-11-02");
  EXPECT_EQ(p.away_until(), "2027-02-12");
  EXPECT_EQ(p.leaving_date(), "2027-07-21");
  absl::StatusOr<Staff> back = StaffFromProto(p);
  ASSERT_TRUE(back.ok()) << back.status();
  ExpectSameIds(*back, s);
  ExpectSameContent(*back, s);
  ClearOutputOnly(&p);
  ExpectSameProto(StaffToProto(*back), p);
}

TEST(ConvertTest, StaffLeaveDatesMustBeDates) {
  v1::Staff p = StaffToProto(StMarys().staff.at("mrs-dunne"));
  p.set_away_until("12/02/2027");
  absl::StatusOr<Staff> back = StaffFromProto(p);
  EXPECT_EQ(back.status().code(), absl::StatusCode::kInvalidArgument) << back.status();
  EXPECT_THAT(std::string(back.status().message()), ::testing::HasSubstr("away_until"));
}

TEST(ConvertTest, EmptyWorkingPatternIsFullTime) {
  const Staff head = StMarys().staff.at("mr-head");
  v1::Staff p = StaffToProto(head);
  EXPECT_FALSE(p.has_working_pattern());
  p.mutable_working_pattern();  // present but empty
  absl::StatusOr<Staff> back = StaffFromProto(p);
  ASSERT_TRUE(back.ok()) << back.status();
  EXPECT_FALSE(back->working_pattern.has_value());
}

TEST(ConvertTest, PupilRoundTrips) {
  const Pupil pupil = StMarys().pupils.at("p-001");
  v1::Pupil p = PupilToProto(pupil);
  EXPECT_EQ(p.subject_teachers(1).teacher(), "schools/st-marys/staff/mr-head");
  absl::StatusOr<Pupil> back = PupilFromProto(p);
  ASSERT_TRUE(back.ok()) << back.status();
  ExpectSameIds(*back, pupil);
  ExpectSameContent(*back, pupil);
  ClearOutputOnly(&p);
  ExpectSameProto(PupilToProto(*back), p);
}

TEST(ConvertTest, GuardianWithCourtOrdersRoundTrips) {
  const Guardian g = Nowak();
  v1::Guardian p = GuardianToProto(g);
  EXPECT_EQ(p.name(), "guardians/g-001");
  EXPECT_EQ(p.pupils(0).pupil(), "schools/st-marys/pupils/p-001");
  EXPECT_EQ(p.pupils(0).court_order().until_date(), "2026-07-31");
  EXPECT_TRUE(p.pupils(1).has_court_order());
  EXPECT_EQ(p.pupils(1).court_order().until_date(), "");
  absl::StatusOr<Guardian> back = GuardianFromProto(p);
  ASSERT_TRUE(back.ok()) << back.status();
  EXPECT_EQ(back->id, "g-001");
  ExpectSameContent(*back, g);
  ClearOutputOnly(&p);
  ExpectSameProto(GuardianToProto(*back), p);
}

TEST(ConvertTest, RoutingMatrixWithEveryRoleRefKindRoundTrips) {
  const RoutingMatrix m = StMarys().routing_matrix;
  v1::RoutingMatrix p = RoutingMatrixToProto(m);
  EXPECT_EQ(p.name(), "schools/st-marys/routingMatrix");
  const v1::RoutingRule& rule = p.rules(0);
  EXPECT_EQ(rule.owner().relation(), v1::PUPIL_RELATION_CLASS_TEACHER);
  EXPECT_EQ(rule.ladder(), "schools/st-marys/ladders/send");
  EXPECT_EQ(rule.also_notify(0).role(), "senco");
  EXPECT_EQ(rule.also_notify(1).staff(), "schools/st-marys/staff/mr-head");
  EXPECT_EQ(rule.also_notify(2).external_contact(), "county-cp");
  EXPECT_EQ(rule.also_notify(3).subject(), "maths");
  absl::StatusOr<RoutingMatrix> back = RoutingMatrixFromProto(p);
  ASSERT_TRUE(back.ok()) << back.status();
  EXPECT_EQ(back->school_id, "st-marys");
  ExpectSameContent(*back, m);
  ClearOutputOnly(&p);
  ExpectSameProto(RoutingMatrixToProto(*back), p);
}

TEST(ConvertTest, LadderRoundTrips) {
  const Ladder l = StMarys().ladders.at("send");
  v1::Ladder p = LadderToProto(l);
  absl::StatusOr<Ladder> back = LadderFromProto(p);
  ASSERT_TRUE(back.ok()) << back.status();
  ExpectSameIds(*back, l);
  ExpectSameContent(*back, l);
  ExpectSameProto(LadderToProto(*back), p);
}

TEST(ConvertTest, EveryBudgetKindRoundTrips) {
  const calendar::Budget budgets[] = {
      {calendar::Unit::kWorkingDays, 0, absl::ZeroDuration()},
      {calendar::Unit::kWorkingDays, 365, absl::ZeroDuration()},
      {calendar::Unit::kWorkingHours, 0, absl::Hours(1)},
      {calendar::Unit::kWorkingHours, 0, absl::Hours(2000)},
      {calendar::Unit::kWorkingHours, 0, absl::Minutes(1)},
      {calendar::Unit::kWorkingHours, 0, absl::Minutes(90)},
      {calendar::Unit::kWorkingHours, 0, absl::Hours(2000) - absl::Minutes(1)},
      {calendar::Unit::kElapsed, 0, absl::Minutes(1)},
      {calendar::Unit::kElapsed, 0, absl::Minutes(525600)},
  };
  for (const calendar::Budget& b : budgets) {
    const v1::Budget p = BudgetToProto(b);
    absl::StatusOr<calendar::Budget> back = BudgetFromProto(p);
    ASSERT_TRUE(back.ok()) << back.status();
    EXPECT_EQ(back->unit, b.unit);
    EXPECT_EQ(back->working_days, b.working_days);
    EXPECT_EQ(back->duration, b.duration);
    ExpectSameProto(BudgetToProto(*back), p);
  }
  EXPECT_EQ(BudgetToProto(budgets[0]).amount_case(), v1::Budget::kWorkingDays);  // zero days is still set
}

TEST(ConvertTest, EnumsMapBothWays) {
  for (int v = v1::Channel_MIN; v <= v1::Channel_MAX; ++v) {
    EXPECT_EQ(ChannelToProto(ChannelFromProto(static_cast<v1::Channel>(v))), v);
  }
  for (int v = v1::Stage_MIN; v <= v1::Stage_MAX; ++v) {
    EXPECT_EQ(StageToProto(StageFromProto(static_cast<v1::Stage>(v))), v);
  }
  for (int v = v1::SchoolPhase_MIN; v <= v1::SchoolPhase_MAX; ++v) {
    EXPECT_EQ(SchoolPhaseToProto(SchoolPhaseFromProto(static_cast<v1::SchoolPhase>(v))), v);
  }
  for (int v = v1::ClosureKind_MIN; v <= v1::ClosureKind_MAX; ++v) {
    EXPECT_EQ(ClosureKindToProto(ClosureKindFromProto(static_cast<v1::ClosureKind>(v))), v);
  }
  for (int v = v1::SmsPolicy_MIN; v <= v1::SmsPolicy_MAX; ++v) {
    EXPECT_EQ(SmsPolicyToProto(SmsPolicyFromProto(static_cast<v1::SmsPolicy>(v))), v);
  }
  for (int v = v1::ContactKind_MIN; v <= v1::ContactKind_MAX; ++v) {
    EXPECT_EQ(ContactKindToProto(ContactKindFromProto(static_cast<v1::ContactKind>(v))), v);
  }
  for (int v = v1::PupilRelation_MIN; v <= v1::PupilRelation_MAX; ++v) {
    EXPECT_EQ(PupilRelationToProto(PupilRelationFromProto(static_cast<v1::PupilRelation>(v))), v);
  }
  EXPECT_EQ(ChannelFromProto(static_cast<v1::Channel>(42)), Channel::kUnspecified);
  EXPECT_EQ(ClockCalendarFromProto(v1::CLOCK_CALENDAR_UNSPECIFIED), ClockCalendar::kSchool);
  EXPECT_EQ(ClockCalendarFromProto(v1::CLOCK_CALENDAR_OWNER), ClockCalendar::kOwner);
  EXPECT_EQ(ClockCalendarToProto(ClockCalendar::kSchool), v1::CLOCK_CALENDAR_SCHOOL);
  EXPECT_EQ(WeekdayIndexFromProto(v1::WEEKDAY_MONDAY), 0);
  EXPECT_EQ(WeekdayIndexFromProto(v1::WEEKDAY_SUNDAY), 6);
  EXPECT_EQ(WeekdayIndexFromProto(v1::WEEKDAY_UNSPECIFIED), -1);
  EXPECT_EQ(WeekdayToProto(4), v1::WEEKDAY_FRIDAY);
  EXPECT_EQ(WeekdayToProto(7), v1::WEEKDAY_UNSPECIFIED);
}

TEST(ConvertTest, DatesAndTimes) {
  EXPECT_EQ(ParseDate("2024-02-29"), absl::CivilDay(2024, 2, 29));
  EXPECT_EQ(ParseDate("0001-01-01"), absl::CivilDay(1, 1, 1));
  for (const char* bad : {"2025-02-29", "2025-02-30", "2025-13-01", "2025-00-10", "2025-1-01", "25-01-01", "2025/01/01",
                          "0000-01-01", "2025-01-01T00:00", " 2025-01-01", ""}) {
    EXPECT_FALSE(ParseDate(bad).has_value()) << bad;
  }
  EXPECT_EQ(FormatDate(absl::CivilDay(987, 6, 5)), "0987-06-05");
  EXPECT_EQ(ParseClockTime("00:00"), 0);
  EXPECT_EQ(ParseClockTime("08:45"), 525);
  EXPECT_EQ(ParseClockTime("24:00"), 1440);
  for (const char* bad : {"24:01", "25:00", "8:45", "08:60", "08-45", "0845", "08:45:00", ""}) {
    EXPECT_FALSE(ParseClockTime(bad).has_value()) << bad;
  }
  EXPECT_EQ(FormatClockTime(525), "08:45");
  EXPECT_EQ(FormatClockTime(1440), "24:00");
}

TEST(ConvertTest, TrustDirectoryRoundTrips) {
  const Directory d = SmallDirectory();
  v1::TrustDirectory p = DirectoryToProto(d);
  ASSERT_EQ(p.schools_size(), 2);
  EXPECT_EQ(p.schools(0).school().name(), "schools/kenilworth");  // by id
  EXPECT_EQ(p.schools(0).routing_matrix().name(), "schools/kenilworth/routingMatrix");
  EXPECT_EQ(p.trust().name(), "trust");
  absl::StatusOr<Directory> back = DirectoryFromProto(p);
  ASSERT_TRUE(back.ok()) << back.status();
  ExpectSameDirectory(*back, d);

  ClearOutputOnly(&p);
  v1::TrustDirectory again = DirectoryToProto(*back);
  ClearOutputOnly(&again);
  ExpectSameProto(again, p);
}

TEST(ConvertTest, DirectoryWithoutTrustKeepsItEmpty) {
  v1::TrustDirectory p = DirectoryToProto(SmallDirectory());
  p.clear_trust();
  absl::StatusOr<Directory> d = DirectoryFromProto(p);
  ASSERT_TRUE(d.ok()) << d.status();
  EXPECT_EQ(d->trust.display_name, "");
}

TEST(ConvertTest, NeverWrittenMatrixStillBelongsToItsSchool) {
  Directory d = SmallDirectory();
  d.schools.at("kenilworth").routing_matrix = RoutingMatrix{};
  EXPECT_EQ(DirectoryToProto(d).schools(0).routing_matrix().name(), "schools/kenilworth/routingMatrix");
}

// ---- Ids given apart from the name (Create and Update) --------------------------------------------

TEST(ConvertTest, CreateTakesTheIdsPassedIn) {
  v1::Staff p = StaffToProto(StMarys().staff.at("mrs-dunne"));
  p.clear_name();
  absl::StatusOr<Staff> s = StaffFromProto(p, "st-marys", "new-teacher");
  ASSERT_TRUE(s.ok()) << s.status();
  EXPECT_EQ(s->school_id, "st-marys");
  EXPECT_EQ(s->id, "new-teacher");

  v1::School school = SchoolToProto(Kenilworth().school);
  school.clear_name();
  absl::StatusOr<School> created = SchoolFromProto(school, "new-school");
  ASSERT_TRUE(created.ok()) << created.status();
  EXPECT_EQ(created->id, "new-school");

  v1::Guardian g = GuardianToProto(Nowak());
  g.clear_name();
  absl::StatusOr<Guardian> guardian = GuardianFromProto(g, "g-new");
  ASSERT_TRUE(guardian.ok()) << guardian.status();
  EXPECT_EQ(guardian->id, "g-new");

  v1::Ladder l = LadderToProto(StMarys().ladders.at("send"));
  absl::StatusOr<Ladder> ladder = LadderFromProto(l, "st-marys", "send");  // agreeing name is fine
  ASSERT_TRUE(ladder.ok()) << ladder.status();
}

TEST(ConvertTest, NameMustAgreeWithTheIdsPassedIn) {
  v1::Staff p = StaffToProto(StMarys().staff.at("mrs-dunne"));
  p.set_name("schools/kenilworth/staff/mrs-dunne");
  ExpectInvalid(StaffFromProto(p, "st-marys", "").status(), "INVALID_NAME",
                "name \"schools/kenilworth/staff/mrs-dunne\" is not in schools/st-marys");
  p.set_name("schools/st-marys/staff/mrs-dunne");
  ExpectInvalid(StaffFromProto(p, "st-marys", "someone-else").status(), "INVALID_NAME",
                "name \"schools/st-marys/staff/mrs-dunne\" does not match staff_id \"someone-else\"");
  p.clear_name();
  ExpectInvalid(StaffFromProto(p).status(), "INVALID_FIELD", "name is required");
  ExpectInvalid(StaffFromProto(p, "st-marys", "Bad_Id").status(), "INVALID_NAME", "staff_id \"Bad_Id\" must be");

  v1::School school = SchoolToProto(Kenilworth().school);
  ExpectInvalid(SchoolFromProto(school, "st-marys").status(), "INVALID_NAME",
                "name \"schools/kenilworth\" does not match school_id \"st-marys\"");
  v1::RoutingMatrix m = RoutingMatrixToProto(StMarys().routing_matrix);
  ExpectInvalid(RoutingMatrixFromProto(m, "kenilworth").status(), "INVALID_NAME",
                "name \"schools/st-marys/routingMatrix\" does not match school_id \"kenilworth\"");
}

// ---- Format errors say where -----------------------------------------------------------------------

TEST(ConvertTest, BadDateNamesItsField) {
  v1::School p = SchoolToProto(StMarys().school);
  p.mutable_calendar()->mutable_terms(1)->set_end_date("2025-02-30");
  ExpectInvalid(SchoolFromProto(p).status(), "INVALID_FIELD",
                "calendar.terms[1].end_date \"2025-02-30\" is not a date");

  p = SchoolToProto(StMarys().school);
  p.mutable_calendar()->mutable_closures(2)->clear_start_date();
  ExpectInvalid(SchoolFromProto(p).status(), "INVALID_FIELD", "calendar.closures[2].start_date is required");

  p = SchoolToProto(StMarys().school);
  p.mutable_calendar()->mutable_terms(0)->set_end_date("2025-09-01");
  ExpectInvalid(SchoolFromProto(p).status(), "INVALID_FIELD",
                "calendar.terms[0] ends (2025-09-01) before it starts (2025-09-03)");

  v1::Guardian g = GuardianToProto(Nowak());
  g.mutable_pupils(0)->mutable_court_order()->set_until_date("31/07/2026");
  ExpectInvalid(GuardianFromProto(g).status(), "INVALID_FIELD",
                "pupils[0].court_order.until_date \"31/07/2026\" is not a date");
}

TEST(ConvertTest, BadTimeNamesItsField) {
  v1::School p = SchoolToProto(StMarys().school);
  p.mutable_calendar()->mutable_core_hours()->set_open("25:00");
  ExpectInvalid(SchoolFromProto(p).status(), "INVALID_FIELD",
                "calendar.core_hours.open \"25:00\" is not a time of day");

  p = SchoolToProto(StMarys().school);
  p.mutable_calendar()->mutable_overrides(0)->mutable_hours()->set_close("07:00");
  ExpectInvalid(SchoolFromProto(p).status(), "INVALID_FIELD", "calendar.overrides[0].hours must close after it opens");

  p = SchoolToProto(StMarys().school);
  p.mutable_calendar()->clear_core_hours();
  ExpectInvalid(SchoolFromProto(p).status(), "INVALID_FIELD", "calendar.core_hours is required");

  v1::Staff s = StaffToProto(StMarys().staff.at("mrs-dunne"));
  s.mutable_working_pattern()->mutable_days(1)->mutable_hours()->set_close("");
  ExpectInvalid(StaffFromProto(s).status(), "INVALID_FIELD", "working_pattern.days[1].hours.close is required");
}

TEST(ConvertTest, BudgetMustSetOneAmountInRange) {
  v1::School p = SchoolToProto(StMarys().school);
  p.mutable_policy()->mutable_rules(2)->mutable_budget()->clear_amount();
  ExpectInvalid(SchoolFromProto(p).status(), "INVALID_FIELD", "policy.rules[2].budget sets no amount");

  p = SchoolToProto(StMarys().school);
  p.mutable_policy()->mutable_rules(0)->clear_budget();
  ExpectInvalid(SchoolFromProto(p).status(), "INVALID_FIELD", "policy.rules[0].budget is required");

  v1::Budget b;
  b.set_working_days(366);
  ExpectInvalid(BudgetFromProto(b).status(), "INVALID_FIELD", "budget.working_days 366 is out of range (0-365)");
  b.set_working_hours(0);
  ExpectInvalid(BudgetFromProto(b).status(), "INVALID_FIELD", "budget.working_hours 0 is out of range (1-2000)");
  b.set_working_minutes(0);
  ExpectInvalid(BudgetFromProto(b).status(), "INVALID_FIELD", "budget.working_minutes 0 is out of range (1-120000)");
  b.set_working_minutes(120001);
  ExpectInvalid(BudgetFromProto(b).status(), "INVALID_FIELD", "budget.working_minutes 120001 is out of range");
  b.set_working_minutes(-90);
  ExpectInvalid(BudgetFromProto(b).status(), "INVALID_FIELD", "budget.working_minutes -90 is out of range");
  b.set_elapsed_minutes(525601);
  ExpectInvalid(BudgetFromProto(b).status(), "INVALID_FIELD", "budget.elapsed_minutes 525601 is out of range");
  b.set_elapsed_seconds(0);
  ExpectInvalid(BudgetFromProto(b).status(), "INVALID_FIELD", "budget.elapsed_seconds 0 is out of range (1-86400)");
  b.set_elapsed_seconds(86401);
  ExpectInvalid(BudgetFromProto(b).status(), "INVALID_FIELD", "budget.elapsed_seconds 86401 is out of range");
  b.set_working_days(-1);
  ExpectInvalid(BudgetFromProto(b).status(), "INVALID_FIELD", "budget.working_days -1 is out of range");

  p = SchoolToProto(StMarys().school);
  p.mutable_policy()->mutable_safeguarding_budget()->clear_amount();
  ExpectInvalid(SchoolFromProto(p).status(), "INVALID_FIELD", "policy.safeguarding_budget sets no amount");
}

TEST(ConvertTest, ElapsedBudgetsRoundTripInMinutesOrSeconds) {
  v1::Budget seconds;
  seconds.set_elapsed_seconds(3);
  absl::StatusOr<calendar::Budget> b = BudgetFromProto(seconds);
  ASSERT_TRUE(b.ok()) << b.status();
  EXPECT_EQ(b->unit, calendar::Unit::kElapsed);
  EXPECT_EQ(b->duration, absl::Seconds(3));
  EXPECT_EQ(BudgetToProto(*b).elapsed_seconds(), 3);

  b->duration = absl::Seconds(120);
  EXPECT_EQ(BudgetToProto(*b).amount_case(), v1::Budget::kElapsedMinutes);
  EXPECT_EQ(BudgetToProto(*b).elapsed_minutes(), 2);
}

TEST(ConvertTest, WorkingMinutesRoundTripAsMinutesUnlessWholeHours) {
  // "Within 90 minutes of working time": the working-period clock, exported as the 90 it was
  // imported as, not truncated to 1 hour.
  v1::Budget ninety;
  ninety.set_working_minutes(90);
  absl::StatusOr<calendar::Budget> b = BudgetFromProto(ninety);
  ASSERT_TRUE(b.ok()) << b.status();
  EXPECT_EQ(b->unit, calendar::Unit::kWorkingHours);
  EXPECT_EQ(b->duration, absl::Minutes(90));
  ExpectSameProto(BudgetToProto(*b), ninety);

  // 2.5 working hours is 150 minutes.
  v1::Budget two_and_a_half;
  two_and_a_half.set_working_minutes(150);
  b = BudgetFromProto(two_and_a_half);
  ASSERT_TRUE(b.ok()) << b.status();
  EXPECT_EQ(b->duration, absl::Hours(2) + absl::Minutes(30));
  EXPECT_EQ(BudgetToProto(*b).working_minutes(), 150);

  // A whole number of hours is the same budget as working_hours and reads back as hours.
  v1::Budget two_hours;
  two_hours.set_working_minutes(120);
  b = BudgetFromProto(two_hours);
  ASSERT_TRUE(b.ok()) << b.status();
  v1::Budget as_hours;
  as_hours.set_working_hours(2);
  ExpectSameProto(BudgetToProto(*b), as_hours);

  // A rule of the whole school keeps it too.
  v1::School p = SchoolToProto(StMarys().school);
  p.mutable_policy()->mutable_rules(0)->mutable_budget()->set_working_minutes(90);
  absl::StatusOr<School> school = SchoolFromProto(p);
  ASSERT_TRUE(school.ok()) << school.status();
  EXPECT_EQ(school->policy.rules[0].budget.duration, absl::Minutes(90));
  EXPECT_EQ(SchoolToProto(*school).policy().rules(0).budget().working_minutes(), 90);
}

TEST(ConvertTest, RequiredEnumsMustBeSet) {
  v1::School p = SchoolToProto(StMarys().school);
  p.mutable_policy()->mutable_rules(1)->set_channel(v1::CHANNEL_UNSPECIFIED);
  ExpectInvalid(SchoolFromProto(p).status(), "INVALID_FIELD", "policy.rules[1].channel is required");

  p = SchoolToProto(StMarys().school);
  p.mutable_policy()->mutable_rules(1)->set_stage(static_cast<v1::Stage>(99));
  ExpectInvalid(SchoolFromProto(p).status(), "INVALID_FIELD", "policy.rules[1].stage 99 is not a known stage");

  p = SchoolToProto(StMarys().school);
  p.mutable_calendar()->set_school_days(2, v1::WEEKDAY_UNSPECIFIED);
  ExpectInvalid(SchoolFromProto(p).status(), "INVALID_FIELD", "calendar.school_days[2] is required");

  p = SchoolToProto(StMarys().school);
  p.mutable_calendar()->set_school_days(2, v1::WEEKDAY_MONDAY);
  ExpectInvalid(SchoolFromProto(p).status(), "INVALID_FIELD", "calendar.school_days[2] WEEKDAY_MONDAY is listed twice");

  p = SchoolToProto(StMarys().school);
  p.set_phase(static_cast<v1::SchoolPhase>(12));
  ExpectInvalid(SchoolFromProto(p).status(), "INVALID_FIELD", "phase 12 is not a known school phase");

  v1::Staff s = StaffToProto(StMarys().staff.at("mrs-dunne"));
  s.mutable_working_pattern()->mutable_days(0)->set_weekday(v1::WEEKDAY_UNSPECIFIED);
  ExpectInvalid(StaffFromProto(s).status(), "INVALID_FIELD", "working_pattern.days[0].weekday is required");

  v1::Guardian g = GuardianToProto(Nowak());
  g.mutable_contact_points(1)->set_kind(v1::CONTACT_KIND_UNSPECIFIED);
  ExpectInvalid(GuardianFromProto(g).status(), "INVALID_FIELD", "contact_points[1].kind is required");

  v1::RoutingMatrix m = RoutingMatrixToProto(StMarys().routing_matrix);
  m.mutable_rules(0)->mutable_owner()->set_relation(v1::PUPIL_RELATION_UNSPECIFIED);
  ExpectInvalid(RoutingMatrixFromProto(m).status(), "INVALID_FIELD", "rules[0].owner.relation is required");
  m = RoutingMatrixToProto(StMarys().routing_matrix);
  m.mutable_rules(0)->set_allowed_channels(1, v1::CHANNEL_UNSPECIFIED);
  ExpectInvalid(RoutingMatrixFromProto(m).status(), "INVALID_FIELD", "rules[0].allowed_channels[1] is required");
}

TEST(ConvertTest, RequiredPartsMustBePresent) {
  v1::School p = SchoolToProto(StMarys().school);
  p.clear_calendar();
  ExpectInvalid(SchoolFromProto(p).status(), "INVALID_FIELD", "calendar is required");
  p = SchoolToProto(StMarys().school);
  p.clear_policy();
  ExpectInvalid(SchoolFromProto(p).status(), "INVALID_FIELD", "policy is required");
  p = SchoolToProto(StMarys().school);
  p.mutable_calendar()->mutable_closures(0)->clear_label();
  ExpectInvalid(SchoolFromProto(p).status(), "INVALID_FIELD", "calendar.closures[0].label is required");
  p = SchoolToProto(StMarys().school);
  p.mutable_external_contacts(0)->set_id("County CP");
  ExpectInvalid(SchoolFromProto(p).status(), "INVALID_FIELD", "external_contacts[0].id \"County CP\" must be");

  v1::RoutingMatrix m = RoutingMatrixToProto(StMarys().routing_matrix);
  m.mutable_rules(1)->clear_owner();
  ExpectInvalid(RoutingMatrixFromProto(m).status(), "INVALID_FIELD", "rules[1].owner is required");
  m = RoutingMatrixToProto(StMarys().routing_matrix);
  m.mutable_rules(0)->mutable_also_notify(0)->clear_target();
  ExpectInvalid(RoutingMatrixFromProto(m).status(), "INVALID_FIELD", "rules[0].also_notify[0] names no one");

  v1::Ladder l = LadderToProto(StMarys().ladders.at("send"));
  l.mutable_rungs(2)->clear_who();
  ExpectInvalid(LadderFromProto(l).status(), "INVALID_FIELD", "rungs[2].who is required");

  v1::Pupil pupil = PupilToProto(StMarys().pupils.at("p-001"));
  pupil.mutable_subject_teachers(0)->clear_subject();
  ExpectInvalid(PupilFromProto(pupil).status(), "INVALID_FIELD", "subject_teachers[0].subject is required");

  v1::Guardian g = GuardianToProto(Nowak());
  g.mutable_pupils(1)->clear_pupil();
  ExpectInvalid(GuardianFromProto(g).status(), "INVALID_FIELD", "pupils[1].pupil is required");
}

TEST(ConvertTest, ReferencesStayInTheSchool) {
  v1::Staff s = StaffToProto(StMarys().staff.at("mrs-dunne"));
  s.set_line_manager("schools/kenilworth/staff/mr-head");
  ExpectInvalid(StaffFromProto(s).status(), "CROSS_SCHOOL_REFERENCE",
                "line_manager \"schools/kenilworth/staff/mr-head\" is in another school");

  v1::RoutingMatrix m = RoutingMatrixToProto(StMarys().routing_matrix);
  m.mutable_rules(0)->mutable_also_notify(1)->set_staff("schools/kenilworth/staff/mr-head");
  ExpectInvalid(RoutingMatrixFromProto(m).status(), "CROSS_SCHOOL_REFERENCE",
                "rules[0].also_notify[1].staff \"schools/kenilworth/staff/mr-head\" is in another school");
  m = RoutingMatrixToProto(StMarys().routing_matrix);
  m.mutable_rules(0)->set_ladder("schools/kenilworth/ladders/send");
  ExpectInvalid(RoutingMatrixFromProto(m).status(), "CROSS_SCHOOL_REFERENCE", "rules[0].ladder");

  v1::School school = SchoolToProto(StMarys().school);
  EXPECT_EQ(school.policy().incident_notices(1).notify(0).staff(), "schools/st-marys/staff/mr-head");
  school.mutable_policy()->mutable_incident_notices(1)->mutable_notify(0)->set_staff(
      "schools/kenilworth/staff/mr-head");
  ExpectInvalid(SchoolFromProto(school).status(), "CROSS_SCHOOL_REFERENCE",
                "policy.incident_notices[1].notify[0].staff \"schools/kenilworth/staff/mr-head\" is in another "
                "school");

  v1::Pupil p = PupilToProto(StMarys().pupils.at("p-001"));
  p.set_class_teacher("schools/st-marys/pupils/mrs-dunne");
  ExpectInvalid(PupilFromProto(p).status(), "INVALID_NAME",
                "class_teacher: staff name must look like \"schools/{school}/staff/{staff}\", got "
                "\"schools/st-marys/pupils/mrs-dunne\"");

  v1::RoleRef ref;
  ref.set_staff("schools/st-marys/staff/mr-head");
  absl::StatusOr<RoleRef> r = RoleRefFromProto(ref, "st-marys");
  ASSERT_TRUE(r.ok()) << r.status();
  EXPECT_EQ(r->value, "mr-head");
  ExpectInvalid(RoleRefFromProto(ref, "kenilworth").status(), "CROSS_SCHOOL_REFERENCE", "staff ");
}

TEST(ConvertTest, DirectoryErrorsSayWhereInTheDocument) {
  v1::TrustDirectory base = DirectoryToProto(SmallDirectory());  // schools[0] kenilworth, [1] st-marys
  v1::TrustDirectory p = base;
  p.mutable_schools(1)->mutable_school()->mutable_calendar()->mutable_terms(1)->set_end_date("2026-02-30");
  ExpectInvalid(DirectoryFromProto(p).status(), "INVALID_FIELD",
                "schools[1] (st-marys): calendar.terms[1].end_date \"2026-02-30\" is not a date");

  p = base;
  p.mutable_schools(1)->mutable_staff(1)->mutable_working_pattern()->mutable_days(0)->set_weekday(
      v1::WEEKDAY_UNSPECIFIED);
  ExpectInvalid(DirectoryFromProto(p).status(), "INVALID_FIELD",
                "schools[1] (st-marys): staff[1] (mrs-dunne): working_pattern.days[0].weekday is required");

  p = base;
  p.mutable_schools(1)->mutable_staff(0)->set_name("schools/kenilworth/staff/mr-head");
  ExpectInvalid(DirectoryFromProto(p).status(), "INVALID_NAME",
                "schools[1] (st-marys): staff[0] (mr-head): name \"schools/kenilworth/staff/mr-head\" is not in "
                "schools/st-marys");

  p = base;
  p.mutable_schools(1)->mutable_routing_matrix()->mutable_rules(0)->mutable_owner()->set_staff("mr-head");
  ExpectInvalid(DirectoryFromProto(p).status(), "INVALID_NAME",
                "schools[1] (st-marys): routing_matrix: rules[0].owner.staff: staff name must look like");

  p = base;
  p.mutable_schools(1)->mutable_ladders(0)->mutable_rungs(0)->clear_who();
  ExpectInvalid(DirectoryFromProto(p).status(), "INVALID_FIELD",
                "schools[1] (st-marys): ladders[0] (send): rungs[0].who is required");

  p = base;
  p.mutable_schools(0)->mutable_pupils(0)->set_form_tutor("schools/st-marys/staff/mr-head");
  ExpectInvalid(DirectoryFromProto(p).status(), "CROSS_SCHOOL_REFERENCE",
                "schools[0] (kenilworth): pupils[0] (p-100): form_tutor");

  p = base;
  p.mutable_guardians(0)->mutable_pupils(0)->set_pupil("schools/st-marys/p-001");
  ExpectInvalid(DirectoryFromProto(p).status(), "INVALID_NAME", "guardians[0] (g-001): pupils[0].pupil: pupil name");

  p = base;
  p.mutable_schools(0)->mutable_school()->set_name("schools/Kenilworth");
  ExpectInvalid(DirectoryFromProto(p).status(), "INVALID_NAME", "schools[0]: name: school name must look like");

  p = base;
  p.mutable_schools(0)->clear_routing_matrix();
  ExpectInvalid(DirectoryFromProto(p).status(), "INVALID_FIELD", "schools[0] (kenilworth): routing_matrix is required");

  p = base;
  p.mutable_schools(0)->clear_school();
  ExpectInvalid(DirectoryFromProto(p).status(), "INVALID_FIELD", "schools[0].school is required");

  p = base;
  p.mutable_schools(1)->mutable_staff(1)->clear_name();
  ExpectInvalid(DirectoryFromProto(p).status(), "INVALID_FIELD", "schools[1] (st-marys): staff[1]: name is required");
}

TEST(ConvertTest, DirectoryRefusesIdsListedTwice) {
  v1::TrustDirectory p = DirectoryToProto(SmallDirectory());
  *p.add_schools() = p.schools(0);
  ExpectInvalid(DirectoryFromProto(p).status(), "INVALID_FIELD",
                "schools[2] (kenilworth): school kenilworth is listed twice");

  p = DirectoryToProto(SmallDirectory());
  *p.mutable_schools(1)->add_pupils() = p.schools(1).pupils(0);
  ExpectInvalid(DirectoryFromProto(p).status(), "INVALID_FIELD",
                "schools[1] (st-marys): pupils[1] (p-001): p-001 is listed twice");

  p = DirectoryToProto(SmallDirectory());
  *p.add_guardians() = p.guardians(1);
  ExpectInvalid(DirectoryFromProto(p).status(), "INVALID_FIELD",
                "guardians[2] (g-002): guardian g-002 is listed twice");
}

// ---- Resource names --------------------------------------------------------------------------------

TEST(ResourceNamesTest, FormatAndParse) {
  EXPECT_EQ(SchoolName("st-marys"), "schools/st-marys");
  EXPECT_EQ(StaffName("st-marys", "mrs-dunne"), "schools/st-marys/staff/mrs-dunne");
  EXPECT_EQ(PupilName("st-marys", "p-001"), "schools/st-marys/pupils/p-001");
  EXPECT_EQ(LadderName("st-marys", "send"), "schools/st-marys/ladders/send");
  EXPECT_EQ(RoutingMatrixName("st-marys"), "schools/st-marys/routingMatrix");
  EXPECT_EQ(GuardianName("g-001"), "guardians/g-001");

  EXPECT_EQ(*ParseSchoolName("schools/st-marys"), "st-marys");
  EXPECT_EQ(*ParseStaffName("schools/st-marys/staff/mrs-dunne"),
            std::make_pair(std::string("st-marys"), std::string("mrs-dunne")));
  EXPECT_EQ(ParsePupilName("schools/st-marys/pupils/p-001")->second, "p-001");
  EXPECT_EQ(ParseLadderName("schools/st-marys/ladders/send")->second, "send");
  EXPECT_EQ(*ParseRoutingMatrixName("schools/st-marys/routingMatrix"), "st-marys");
  EXPECT_EQ(*ParseGuardianName("guardians/g-001"), "g-001");
  EXPECT_EQ(*ParseSchoolName("schools/9a"), "9a");
  EXPECT_EQ(*ParseSchoolName(SchoolName(std::string(64, 'a'))), std::string(64, 'a'));
}

TEST(ResourceNamesTest, BadNamesAreInvalidName) {
  ExpectInvalid(ParseStaffName("schools/st-marys/staff").status(), "INVALID_NAME",
                "staff name must look like \"schools/{school}/staff/{staff}\", got \"schools/st-marys/staff\"");
  ExpectInvalid(ParseStaffName("schools/st-marys/pupils/p-001").status(), "INVALID_NAME", "staff name must look like");
  ExpectInvalid(ParseStaffName("").status(), "INVALID_NAME", "staff name must look like");
  ExpectInvalid(ParseSchoolName("schools/St-Marys").status(), "INVALID_NAME",
                "school name must look like \"schools/{school}\", got \"schools/St-Marys\"; the school id must be");
  for (const std::string& bad :
       {std::string("schools/-ab"), std::string("schools/_ab"), std::string("schools/"), std::string("schools/ab/"),
        std::string("/schools/ab"), SchoolName(std::string(65, 'a')), std::string("Schools/ab"),
        std::string("schools/ab c")}) {
    EXPECT_FALSE(ParseSchoolName(bad).ok()) << bad;
  }
  ExpectInvalid(ParseRoutingMatrixName("schools/st-marys/routingmatrix").status(), "INVALID_NAME",
                "routing matrix name must look like");
  ExpectInvalid(ParseGuardianName("guardian/g-001").status(), "INVALID_NAME", "guardian name must look like");
  ExpectInvalid(ParseLadderName("schools/st-marys/ladders/SEND").status(), "INVALID_NAME", "ladder name");
  ExpectInvalid(ParsePupilName("schools/x1/pupils/P").status(), "INVALID_NAME", "pupil name");
}

TEST(ResourceNamesTest, LongNamesAreCutInMessages) {
  const std::string long_name = "schools/" + std::string(300, 'x');
  absl::Status status = ParseSchoolName(long_name).status();
  EXPECT_THAT(std::string(status.message()), HasSubstr("xxx...\""));
  EXPECT_THAT(std::string(status.message()), Not(HasSubstr(std::string(101, 'x'))));
  // Cut on a character boundary, and control characters escaped.
  EXPECT_EQ(api::QuoteForError(std::string(99, 'a') + "\xc3\xa9" + "b"), "\"" + std::string(99, 'a') + "...\"");
  EXPECT_EQ(api::QuoteForError("a\nb\"c"), "\"a\\nb\\\"c\"");
}

TEST(ResourceNamesTest, OneIdRuleForEveryService) {
  // contacts has no id rule of its own: its names use api::IsValidId.
  for (const std::string& id : {std::string("a"), std::string("st-marys"), std::string("a_b"), std::string(64, 'a')}) {
    EXPECT_TRUE(ParseSchoolName(SchoolName(id)).ok()) << id;
    EXPECT_EQ(ParseSchoolName(SchoolName(id)).ok(), api::IsValidId(id)) << id;
  }
  for (const std::string& id : {std::string(""), std::string("-a"), std::string("_a"), std::string(65, 'a'),
                                std::string("A"), std::string("a b")}) {
    EXPECT_FALSE(ParseSchoolName(SchoolName(id)).ok()) << id;
    EXPECT_EQ(ParseSchoolName(SchoolName(id)).ok(), api::IsValidId(id)) << id;
  }
  ExpectInvalid(ParsePupilName("schools/x1/pupils/P").status(), "INVALID_NAME",
                "pupil name must look like \"schools/{school}/pupils/{pupil}\", got \"schools/x1/pupils/P\"; the "
                "pupil id must be 1-64");
}

}  // namespace
}  // namespace parley::contacts
