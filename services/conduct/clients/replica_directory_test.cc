// The gate's Directory over a replica loaded from a test directory (the contacts sample school as
// st-marys and oak-park): a guardian's schools and pupils, a school's zone and head, staff checks
// and when a member of staff next works.
#include "services/conduct/clients/replica_directory.h"

#include <string>
#include <utility>

#include "absl/time/civil_time.h"
#include "absl/time/time.h"
#include "common/clock/clock.h"
#include "common/directory/testing/static_feed.h"
#include "common/status/reason.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "services/contacts/testing/sample_directory.h"

namespace parley::conduct {
namespace {

using ::testing::UnorderedElementsAre;

constexpr char kMarys[] = "st-marys";
constexpr char kOak[] = "oak-park";
constexpr char kHeadless[] = "headless";
constexpr absl::Duration kWait = absl::Seconds(10);

// In November London is on UTC.
absl::Time London(int y, int m, int d, int hh, int mm = 0) {
  return absl::FromCivil(absl::CivilMinute(y, m, d, hh, mm), absl::UTCTimeZone());
}

// St Mary's as the sample has it (its head: "head", a headteacher); oak-park on Paris time with a
// principal listed before its headteacher; a school whose head has left. g-001 has children at
// St Mary's and oak-park.
directory::Directory TestDirectory() {
  directory::Directory dir = contacts::testing::SampleDirectory();
  directory::SchoolDirectory oak = contacts::testing::SampleSchool(kOak);
  oak.school.calendar.time_zone = "Europe/Paris";
  oak.staff.erase("head");
  for (const auto& [id, role] : {std::pair<std::string, std::string>{"a-principal", "principal"},
                                 std::pair<std::string, std::string>{"z-head", "headteacher"}}) {
    directory::Staff member = oak.staff.at("senco");
    member.id = id;
    member.roles = {role};
    oak.staff[id] = std::move(member);
  }
  dir.schools[kOak] = std::move(oak);
  directory::SchoolDirectory headless = contacts::testing::SampleSchool(kHeadless);
  headless.staff.at("head").roles = {"dsl"};
  dir.schools[kHeadless] = std::move(headless);
  dir.guardians["g-001"].pupils.push_back(directory::PupilLink{kOak, "p-002", "mother", true, std::nullopt});
  directory::IncidentNoticeRule line;
  line.incident_kinds = {"abusive_written_message", "shouting"};
  line.channels = {directory::Channel::kPhone};
  line.reporter_line_manager = true;
  line.immediate = true;
  directory::IncidentNoticeRule named;
  named.notify = {
      {directory::RoleRef::Kind::kRole, directory::PupilRelation::kUnspecified, "office", ""},
      {directory::RoleRef::Kind::kStaff, directory::PupilRelation::kUnspecified, "senco", ""},
      {directory::RoleRef::Kind::kExternalContact, directory::PupilRelation::kUnspecified, "county-lado", ""}};
  dir.schools[kMarys].school.policy.incident_notices = {line, named};
  return dir;
}

void ExpectError(const absl::Status& status, absl::StatusCode code, const char* why) {
  EXPECT_EQ(status.code(), code) << status;
  EXPECT_EQ(ErrorReason(status), why) << status;
}

class ConductReplicaDirectoryTest : public ::testing::Test {
 protected:
  void SetUp() override {
    replica_.Start();
    ASSERT_TRUE(replica_.AwaitReady(kWait).ok());
  }

  directory::testing::StaticFeed feed_{TestDirectory()};
  SimulatedClock clock_{London(2025, 11, 3, 9)};
  directory::Replica replica_{&feed_, &clock_, {}};
  ReplicaDirectory directory_{&replica_};
};

TEST_F(ConductReplicaDirectoryTest, AGuardiansSchoolsAndPupilsSpanEverySchool) {
  absl::StatusOr<GuardianInfo> g = directory_.GetGuardian("guardians/g-001");
  ASSERT_TRUE(g.ok()) << g.status();
  EXPECT_EQ(g->name, "guardians/g-001");
  EXPECT_THAT(g->school_ids, UnorderedElementsAre(kMarys, kOak));  // each school once
  EXPECT_THAT(g->pupils, UnorderedElementsAre("schools/st-marys/pupils/p-001", "schools/st-marys/pupils/p-002",
                                              "schools/oak-park/pupils/p-002"));
  g = directory_.GetGuardian("guardians/g-002");
  ASSERT_TRUE(g.ok()) << g.status();
  EXPECT_THAT(g->school_ids, UnorderedElementsAre(kMarys));
  EXPECT_THAT(g->pupils, UnorderedElementsAre("schools/st-marys/pupils/p-001"));
  for (const char* unknown : {"guardians/nobody", "g-001", ""}) {
    ExpectError(directory_.GetGuardian(unknown).status(), absl::StatusCode::kNotFound, reason::kGuardianNotFound);
  }
}

TEST_F(ConductReplicaDirectoryTest, ASchoolsZoneIsItsCalendars) {
  absl::StatusOr<SchoolInfo> marys = directory_.GetSchool(kMarys);
  ASSERT_TRUE(marys.ok()) << marys.status();
  EXPECT_EQ(marys->id, kMarys);
  EXPECT_EQ(marys->zone.name(), "Europe/London");
  absl::StatusOr<SchoolInfo> oak = directory_.GetSchool(kOak);
  ASSERT_TRUE(oak.ok()) << oak.status();
  EXPECT_EQ(oak->zone.name(), "Europe/Paris");
  ExpectError(directory_.GetSchool("no-such-school").status(), absl::StatusCode::kNotFound, reason::kSchoolNotFound);
}

TEST_F(ConductReplicaDirectoryTest, StaffAreCheckedAtTheirOwnSchool) {
  EXPECT_TRUE(directory_.CheckStaff("schools/st-marys/staff/head").ok());
  EXPECT_TRUE(directory_.CheckStaff("schools/oak-park/staff/z-head").ok());
  for (const char* unknown : {"schools/st-marys/staff/z-head", "schools/st-marys/staff/nobody",
                              "schools/no-such-school/staff/head", "schools/st-marys/pupils/p-001", "head"}) {
    ExpectError(directory_.CheckStaff(unknown), absl::StatusCode::kNotFound, reason::kStaffNotFound);
  }
}

TEST_F(ConductReplicaDirectoryTest, TheHeadHoldsTheFirstHeadRoleInPreferenceOrder) {
  EXPECT_EQ(*directory_.HeadOf(kMarys), "schools/st-marys/staff/head");
  // A headteacher is preferred to a principal, whatever their ids.
  EXPECT_EQ(*directory_.HeadOf(kOak), "schools/oak-park/staff/z-head");
  ReplicaDirectory principal_first(&replica_, {"principal", "headteacher"});
  EXPECT_EQ(*principal_first.HeadOf(kOak), "schools/oak-park/staff/a-principal");
  ExpectError(directory_.HeadOf(kHeadless).status(), absl::StatusCode::kFailedPrecondition, reason::kNoHead);
  ExpectError(directory_.HeadOf("no-such-school").status(), absl::StatusCode::kNotFound, reason::kSchoolNotFound);
}

TEST_F(ConductReplicaDirectoryTest, NextWorkingTimeIsNowInsideAPeriodAndElseTheNextOpening) {
  const std::string ash = "schools/st-marys/staff/ash-teacher";  // Monday to Wednesday
  const std::string oak = "schools/st-marys/staff/oak-teacher";
  EXPECT_EQ(*directory_.NextWorkingTime(kMarys, oak, London(2025, 11, 3, 10)), London(2025, 11, 3, 10));
  EXPECT_EQ(*directory_.NextWorkingTime(kMarys, oak, London(2025, 11, 3, 7)), London(2025, 11, 3, 8, 45));
  EXPECT_EQ(*directory_.NextWorkingTime(kMarys, oak, London(2025, 11, 3, 16)), London(2025, 11, 4, 8, 45));
  EXPECT_EQ(*directory_.NextWorkingTime(kMarys, ash, London(2025, 11, 6, 10)), London(2025, 11, 10, 8, 45));
  // Half-term (27-31 October) is nobody's working time.
  EXPECT_EQ(*directory_.NextWorkingTime(kMarys, oak, London(2025, 10, 24, 16)), London(2025, 11, 3, 8, 45));
  ExpectError(directory_.NextWorkingTime(kMarys, "schools/st-marys/staff/nobody", London(2025, 11, 3, 10)).status(),
              absl::StatusCode::kNotFound, reason::kStaffNotFound);
  ExpectError(
      directory_.NextWorkingTime(kMarys, "schools/oak-park/staff/oak-teacher", London(2025, 11, 3, 10)).status(),
      absl::StatusCode::kNotFound, reason::kStaffNotFound);
  ExpectError(directory_.NextWorkingTime("no-such-school", oak, London(2025, 11, 3, 10)).status(),
              absl::StatusCode::kNotFound, reason::kSchoolNotFound);
}

TEST_F(ConductReplicaDirectoryTest, LineManagersAndIncidentNoticesComeFromTheSlice) {
  EXPECT_EQ(*directory_.LineManagerOf("schools/st-marys/staff/senco"), "schools/st-marys/staff/deputy");
  EXPECT_EQ(*directory_.LineManagerOf("schools/st-marys/staff/head"), "");
  ExpectError(directory_.LineManagerOf("schools/st-marys/staff/nobody").status(), absl::StatusCode::kNotFound,
              reason::kStaffNotFound);

  absl::StatusOr<std::vector<IncidentNoticeRule>> rules = directory_.IncidentNoticesOf(kMarys);
  ASSERT_TRUE(rules.ok()) << rules.status();
  ASSERT_EQ(rules->size(), 2u);
  EXPECT_THAT((*rules)[0].kinds, UnorderedElementsAre(IncidentKind::kAbusiveWrittenMessage, IncidentKind::kShouting));
  EXPECT_THAT((*rules)[0].channels, UnorderedElementsAre(Channel::kPhone));
  EXPECT_TRUE((*rules)[0].reporter_line_manager);
  EXPECT_TRUE((*rules)[0].immediate);
  EXPECT_TRUE((*rules)[0].named.empty());
  // A role is every member holding it; external contacts by their resource name.
  EXPECT_THAT(
      (*rules)[1].named,
      UnorderedElementsAre(IncidentReferral{"schools/st-marys/staff/office", ReferralBasis::kRole, "office", false},
                           IncidentReferral{"schools/st-marys/staff/finance", ReferralBasis::kRole, "office", false},
                           IncidentReferral{"schools/st-marys/staff/senco", ReferralBasis::kStaff, "", false},
                           IncidentReferral{"schools/st-marys/externalContacts/county-lado",
                                            ReferralBasis::kExternalContact, "", false}));
  EXPECT_TRUE(directory_.IncidentNoticesOf(kOak)->empty());
  ExpectError(directory_.IncidentNoticesOf("no-such-school").status(), absl::StatusCode::kNotFound,
              reason::kSchoolNotFound);
}

TEST(ConductReplicaDirectoryNotLoadedTest, EveryAnswerIsUnavailableUntilTheReplicaHasLoaded) {
  directory::testing::StaticFeed empty;  // serves nothing: the replica never loads
  SimulatedClock clock(London(2025, 11, 3, 9));
  directory::Replica replica(&empty, &clock, {});
  replica.Start();
  ReplicaDirectory directory(&replica);
  auto expect_stale = [](const absl::Status& status) {
    ExpectError(status, absl::StatusCode::kUnavailable, reason::kDirectoryReplicaStale);
  };
  expect_stale(directory.GetGuardian("guardians/g-001").status());
  expect_stale(directory.GetSchool(kMarys).status());
  expect_stale(directory.CheckStaff("schools/st-marys/staff/head"));
  expect_stale(directory.HeadOf(kMarys).status());
  expect_stale(directory.NextWorkingTime(kMarys, "schools/st-marys/staff/head", London(2025, 11, 3, 10)).status());
}

}  // namespace
}  // namespace parley::conduct
