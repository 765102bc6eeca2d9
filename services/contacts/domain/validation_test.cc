#include "services/contacts/domain/validation.h"

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "services/contacts/testing/sample_directory.h"

namespace parley::contacts {
namespace {

using ::testing::HasSubstr;

TEST(Validation, TheSampleDirectoryIsValid) {
  absl::Status status = ValidateDirectory(testing::SampleDirectory());
  EXPECT_TRUE(status.ok()) << status;
}

void ExpectInvalid(const Directory& dir, const std::string& fragment) {
  absl::Status status = ValidateDirectory(dir);
  EXPECT_EQ(status.code(), absl::StatusCode::kInvalidArgument) << fragment;
  EXPECT_THAT(status.message(), HasSubstr(fragment));
}

TEST(Validation, OverlappingTermsAreRefused) {
  Directory dir = testing::SampleDirectory();
  dir.schools.begin()->second.school.calendar.terms[1].first = absl::CivilDay(2025, 12, 1);
  ExpectInvalid(dir, "calendar");
}

TEST(Validation, CoreHoursMustCloseAfterTheyOpen) {
  Directory dir = testing::SampleDirectory();
  dir.schools.begin()->second.school.calendar.core_hours = calendar::HoursRange{15 * 60, 9 * 60};
  ExpectInvalid(dir, "calendar");
}

TEST(Validation, UnknownTimeZoneIsRefused) {
  Directory dir = testing::SampleDirectory();
  dir.schools.begin()->second.school.calendar.time_zone = "Europe/Londn";
  ExpectInvalid(dir, "calendar");
}

TEST(Validation, ALadderRungMustNameARoleSomeoneHolds) {
  Directory dir = testing::SampleDirectory();
  dir.schools.begin()->second.ladders["send"].rungs[1].who.value = "sendco";
  ExpectInvalid(dir, "sendco");
}

TEST(Validation, RoutesMustNameLaddersThatExist) {
  Directory dir = testing::SampleDirectory();
  dir.schools.begin()->second.routing_matrix.rules[0].ladder = "missing";
  ExpectInvalid(dir, "ladder missing does not exist");
}

TEST(Validation, GuardiansMustLinkToPupilsThatExist) {
  Directory dir = testing::SampleDirectory();
  dir.guardians["g-001"].pupils[0].pupil_id = "p-404";
  ExpectInvalid(dir, "p-404");
}

TEST(Validation, LineManagementMustNotLoop) {
  Directory dir = testing::SampleDirectory();
  dir.schools.begin()->second.staff["head"].line_manager = "senco";
  ExpectInvalid(dir, "loop");
}

TEST(Validation, IncidentNoticesNameKnownKindsAndPeopleWhoExist) {
  auto with = [](IncidentNoticeRule rule) {
    Directory dir = testing::SampleDirectory();
    dir.schools.begin()->second.school.policy.incident_notices = {std::move(rule)};
    return dir;
  };
  IncidentNoticeRule ok;
  ok.incident_kinds = {"shouting", "abusive_written_message"};
  ok.channels = {Channel::kPhone};
  ok.reporter_line_manager = true;
  ok.notify = {{RoleRef::Kind::kRole, PupilRelation::kUnspecified, "deputy_head", ""},
               {RoleRef::Kind::kStaff, PupilRelation::kUnspecified, "head", ""},
               {RoleRef::Kind::kExternalContact, PupilRelation::kUnspecified, "county-lado", ""}};
  absl::Status status = ValidateDirectory(with(ok));
  EXPECT_TRUE(status.ok()) << status;

  IncidentNoticeRule bad = ok;
  bad.incident_kinds = {"rudeness"};
  ExpectInvalid(with(bad), "incident kind \"rudeness\"");
  bad = ok;
  bad.reporter_line_manager = false;
  bad.notify.clear();
  ExpectInvalid(with(bad), "tells no one");
  bad = ok;
  bad.notify[0].value = "chair_of_governors";
  ExpectInvalid(with(bad), "chair_of_governors");
  bad = ok;
  bad.notify[1].value = "nobody";
  ExpectInvalid(with(bad), "staff nobody does not exist");
  bad = ok;
  bad.notify[2].value = "chair";
  ExpectInvalid(with(bad), "external contact chair does not exist");
  bad = ok;
  bad.notify = {{RoleRef::Kind::kRelation, PupilRelation::kClassTeacher, "", ""}};
  ExpectInvalid(with(bad), "a pupil relation cannot be told of an incident");
}

// Leave has a start, and ends on or after it.
TEST(Validation, LeaveRunsForwardFromItsStart) {
  Directory dir = testing::SampleDirectory();
  Staff& head = dir.schools.begin()->second.staff["head"];
  head.away_until = absl::CivilDay(2026, 2, 12);
  ExpectInvalid(dir, "away_until needs away_from");
  head.away_from = absl::CivilDay(2026, 2, 13);
  ExpectInvalid(dir, "before away_from");
  head.away_from = absl::CivilDay(2026, 2, 12);
  head.leaving_date = absl::CivilDay(2026, 7, 22);
  EXPECT_TRUE(ValidateDirectory(dir).ok());
}

TEST(Validation, OneRulePerChannelAndStage) {
  Directory dir = testing::SampleDirectory();
  auto& rules = dir.schools.begin()->second.school.policy.rules;
  rules.push_back(rules.front());
  ExpectInvalid(dir, "already exists");
}

TEST(Validation, SafeguardingBudgetsAreElapsed) {
  Directory dir = testing::SampleDirectory();
  dir.schools.begin()->second.school.policy.safeguarding_budget = calendar::Budget{calendar::Unit::kWorkingDays, 1, {}};
  ExpectInvalid(dir, "elapsed");
}

TEST(Validation, PupilsMustNameStaffWhoExist) {
  Directory dir = testing::SampleDirectory();
  dir.schools.begin()->second.pupils["p-001"].class_teacher = "gone";
  ExpectInvalid(dir, "class teacher gone");
}

TEST(Validation, StampVersionsTracksCalendarAndPolicyChanges) {
  School school = testing::SampleSchool().school;
  ASSERT_TRUE(StampVersions(school).ok());
  School inset = school;
  inset.calendar.closures.push_back(
      Closure{calendar::DateRange{absl::CivilDay(2025, 11, 14), absl::CivilDay(2025, 11, 14), "INSET day"},
              ClosureKind::kInsetDay});
  ASSERT_TRUE(StampVersions(inset).ok());
  EXPECT_NE(inset.calendar_version, school.calendar_version);
  EXPECT_EQ(inset.policy_version, school.policy_version);
  School stricter = school;
  stricter.policy.rules[0].budget.working_days = 1;
  ASSERT_TRUE(StampVersions(stricter).ok());
  EXPECT_NE(stricter.policy_version, school.policy_version);
  EXPECT_EQ(stricter.calendar_version, school.calendar_version);
}

}  // namespace
}  // namespace parley::contacts

namespace parley::contacts {
namespace {

TEST(Validation, CategoryRulesMustNameRoutedCategoriesOnce) {
  Directory dir = testing::SampleDirectory();
  auto& rules = dir.schools.begin()->second.school.policy.rules;
  ResponseRule office = rules.front();
  office.categories = {"attendance"};
  rules.push_back(office);
  EXPECT_TRUE(ValidateDirectory(dir).ok());
  rules.push_back(office);
  ExpectInvalid(dir, "already names category");
  rules.pop_back();
  rules.back().categories = {"parking"};
  ExpectInvalid(dir, "not in the routing matrix");
}

TEST(Validation, YearGroupsRunFromNurseryToFourteen) {
  Directory dir = testing::SampleDirectory();
  dir.schools.begin()->second.pupils.begin()->second.year_group = -2;
  ExpectInvalid(dir, "year groups are -1 (nursery) to 14");
  dir = testing::SampleDirectory();
  dir.schools.begin()->second.staff["ks2-lead"].year_groups = {3, 15};
  ExpectInvalid(dir, "staff ks2-lead");
}

TEST(Validation, EmailsMustBeAddresses) {
  for (const char* bad : {"not-an-email", "a@b", "@example.org", "a b@example.org", "a@@example.org"}) {
    Directory dir = testing::SampleDirectory();
    dir.schools.begin()->second.staff["head"].email = bad;
    ExpectInvalid(dir, "email is not an email address");
    dir = testing::SampleDirectory();
    dir.guardians.begin()->second.contact_points = {ContactPoint{ContactKind::kEmail, bad}};
    ExpectInvalid(dir, "not an email address");
  }
  Directory dir = testing::SampleDirectory();
  dir.schools.begin()->second.staff["head"].email = "head@st-marys.example.org";
  EXPECT_TRUE(ValidateDirectory(dir).ok());
}

TEST(Validation, LanguagesAreLanguageTags) {
  for (const char* good : {"en", "pl", "en-GB", "zh-Hant-HK", "yue"}) {
    Directory dir = testing::SampleDirectory();
    dir.guardians.begin()->second.language = good;
    EXPECT_TRUE(ValidateDirectory(dir).ok()) << good;
  }
  for (const char* bad : {"abcdefghijklmnopqrst", "e", "en_GB", "en-", "12", "en-toolongsubtag"}) {
    Directory dir = testing::SampleDirectory();
    dir.guardians.begin()->second.language = bad;
    ExpectInvalid(dir, "language is not a BCP 47 language tag");
  }
  Directory dir = testing::SampleDirectory();
  dir.schools.begin()->second.school.default_locale = "English";
  ExpectInvalid(dir, "default_locale");
}

TEST(Validation, NamesAreAtMostTwoHundredCharacters) {
  Directory dir = testing::SampleDirectory();
  dir.schools.begin()->second.pupils.begin()->second.given_name = std::string(1 << 20, 'x');
  ExpectInvalid(dir, "given_name is longer than 200 characters");
  dir = testing::SampleDirectory();
  // Characters, not bytes: 200 two-byte characters are fine.
  std::string accented;
  for (int i = 0; i < 200; ++i) accented += "\xc3\xa9";
  dir.guardians.begin()->second.family_name = accented;
  EXPECT_TRUE(ValidateDirectory(dir).ok());
  dir.guardians.begin()->second.family_name += "x";
  ExpectInvalid(dir, "family_name is longer than 200 characters");
  dir = testing::SampleDirectory();
  dir.schools.begin()->second.school.display_name.clear();
  ExpectInvalid(dir, "display_name is required");
}

}  // namespace
}  // namespace parley::contacts
