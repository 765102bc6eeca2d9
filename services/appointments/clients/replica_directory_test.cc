// The appointments Directory over a replica loaded from a test directory (the contacts sample
// school as st-marys): staff by role for a pupil, the head, a guardian's children (a court order
// judged on the day), a part-time teacher's calendar with the school's teaching hours, and the
// policy clock — none where the school promises none.
#include "services/appointments/clients/replica_directory.h"

#include <string>
#include <utility>

#include "absl/time/civil_time.h"
#include "absl/time/time.h"
#include "common/clock/clock.h"
#include "common/directory/deadlines.h"
#include "common/directory/snapshot.h"
#include "common/directory/testing/static_feed.h"
#include "common/status/reason.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "services/contacts/testing/sample_directory.h"

namespace parley::appointments {
namespace {

constexpr char kMarys[] = "st-marys";
constexpr absl::Duration kWait = absl::Seconds(10);

// In November London is on UTC.
absl::Time London(int y, int m, int d, int hh, int mm = 0) {
  return absl::FromCivil(absl::CivilMinute(y, m, d, hh, mm), absl::UTCTimeZone());
}

// The sample school with a meeting-request rule (an answer within 2 working days), teaching
// hours, and g-002's link to p-001 under a court order that ends on 30 November 2025.
directory::Directory TestDirectory() {
  directory::Directory dir = contacts::testing::SampleDirectory();
  directory::SchoolDirectory& marys = dir.schools[kMarys];
  directory::ResponseRule answer;
  answer.channel = directory::Channel::kMeetingRequest;
  answer.stage = directory::Stage::kRespond;
  answer.budget = calendar::Budget{calendar::Unit::kWorkingDays, 2, absl::ZeroDuration()};
  answer.policy_text = "We answer a request for a meeting within 2 working days.";
  marys.school.policy.rules.push_back(answer);
  marys.school.calendar.teaching_hours = calendar::HoursRange{8 * 60 + 50, 15 * 60 + 25};
  directory::CourtOrder no_contact;
  no_contact.no_contact = true;
  no_contact.until = absl::CivilDay(2025, 11, 30);
  dir.guardians["g-002"].pupils[0].court_order = no_contact;
  return dir;
}

void ExpectError(const absl::Status& status, absl::StatusCode code, const char* why) {
  EXPECT_EQ(status.code(), code) << status;
  EXPECT_EQ(ErrorReason(status), why) << status;
}

class AppointmentsReplicaDirectoryTest : public ::testing::Test {
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

TEST_F(AppointmentsReplicaDirectoryTest, ResolvesEachRoleForThePupil) {
  EXPECT_EQ(*directory_.StaffForRole(kMarys, "p-001", WantedRole::kClassTeacher), "oak-teacher");
  EXPECT_EQ(*directory_.StaffForRole(kMarys, "p-002", WantedRole::kClassTeacher), "ash-teacher");
  EXPECT_EQ(*directory_.StaffForRole(kMarys, "p-001", WantedRole::kSenco), "senco");
  EXPECT_EQ(*directory_.StaffForRole(kMarys, "p-001", WantedRole::kDeputy), "deputy");
  EXPECT_EQ(*directory_.StaffForRole(kMarys, "p-001", WantedRole::kHead), "head");
  // The phase leader covers years 3-6: year 4's p-001 has one, year 1's p-002 none.
  EXPECT_EQ(*directory_.StaffForRole(kMarys, "p-001", WantedRole::kHeadOfYear), "ks2-lead");
  ExpectError(directory_.StaffForRole(kMarys, "p-002", WantedRole::kHeadOfYear).status(),
              absl::StatusCode::kFailedPrecondition, "NO_STAFF_FOR_ROLE");
  ExpectError(directory_.StaffForRole(kMarys, "p-999", WantedRole::kSenco).status(), absl::StatusCode::kNotFound,
              "PUPIL_NOT_FOUND");
  ExpectError(directory_.StaffForRole("nowhere", "p-001", WantedRole::kSenco).status(), absl::StatusCode::kNotFound,
              "SCHOOL_NOT_FOUND");
  EXPECT_EQ(*directory_.HeadOf(kMarys), "head");
  EXPECT_EQ(*directory_.LineManagerOf(kMarys, "oak-teacher"), "deputy");
}

TEST_F(AppointmentsReplicaDirectoryTest, ChecksStaffAtTheSchoolAsked) {
  EXPECT_TRUE(directory_.CheckStaff(kMarys, "senco", London(2025, 11, 3, 9)).ok());
  ExpectError(directory_.CheckStaff(kMarys, "nobody", London(2025, 11, 3, 9)), absl::StatusCode::kNotFound,
              "STAFF_NOT_FOUND");
}

TEST_F(AppointmentsReplicaDirectoryTest, JudgesACourtOrderOnTheDayAsked) {
  absl::StatusOr<std::vector<GuardianLink>> during = directory_.LinksOfGuardian("g-002", London(2025, 11, 28, 9));
  ASSERT_TRUE(during.ok()) << during.status();
  ASSERT_EQ(during->size(), 1u);
  EXPECT_EQ((*during)[0].pupil_id, "p-001");
  EXPECT_TRUE((*during)[0].excluded);
  EXPECT_EQ((*during)[0].year_group, 4);  // for evenings held for some year groups
  absl::StatusOr<std::vector<GuardianLink>> after = directory_.LinksOfGuardian("g-002", London(2025, 12, 1, 9));
  ASSERT_TRUE(after.ok());
  EXPECT_FALSE((*after)[0].excluded);
  EXPECT_TRUE(directory_.LinksOfGuardian("g-nobody", London(2025, 12, 1, 9))->empty());
  EXPECT_THAT(*directory_.GuardiansOf(kMarys, "p-001"), ::testing::ElementsAre("g-001", "g-002"));
}

TEST_F(AppointmentsReplicaDirectoryTest, APartTimeTeachersTimeIsTheirPatternOutsideTeaching) {
  absl::StatusOr<StaffTime> ash = directory_.StaffTimeOf(kMarys, "ash-teacher");
  ASSERT_TRUE(ash.ok()) << ash.status();
  ASSERT_NE(ash->calendar, nullptr);
  ASSERT_TRUE(ash->teaching_hours.has_value());
  EXPECT_EQ(ash->teaching_hours->open_minute, 8 * 60 + 50);
  // Monday to Wednesday only: Thursday 6 November is not one of their working days.
  EXPECT_TRUE(ash->calendar->PeriodOn(absl::CivilDay(2025, 11, 5)).has_value());
  EXPECT_FALSE(ash->calendar->PeriodOn(absl::CivilDay(2025, 11, 6)).has_value());
  // The office does not teach: no teaching hours to keep clear.
  absl::StatusOr<StaffTime> office = directory_.StaffTimeOf(kMarys, "office");
  ASSERT_TRUE(office.ok());
  EXPECT_FALSE(office->teaching_hours.has_value());
}

TEST_F(AppointmentsReplicaDirectoryTest, ThePolicyClockRunsWhereTheSchoolPromisesOne) {
  // Received Friday 7 November 2025 at 16:00: two working days on is Tuesday 11 November.
  absl::StatusOr<std::optional<PolicyDue>> answer = directory_.Due(
      kMarys, directory::Channel::kMeetingRequest, directory::Stage::kRespond, London(2025, 11, 7, 16), "", "");
  ASSERT_TRUE(answer.ok()) << answer.status();
  ASSERT_TRUE(answer->has_value());
  EXPECT_EQ((*answer)->policy_text, "We answer a request for a meeting within 2 working days.");
  auto snapshot = directory::Snapshot::Build(1, TestDirectory());
  ASSERT_TRUE(snapshot.ok());
  directory::DeadlineQuery ref;
  ref.school_id = kMarys;
  ref.channel = directory::Channel::kMeetingRequest;
  ref.stage = directory::Stage::kRespond;
  ref.received = London(2025, 11, 7, 16);
  absl::StatusOr<directory::DeadlineAnswer> expected = directory::ComputeDeadline(**snapshot, ref);
  ASSERT_TRUE(expected.ok());
  EXPECT_EQ((*answer)->due, *expected->deadline.due);
  EXPECT_GT((*answer)->due, London(2025, 11, 10, 0));
  // No rule to hold a meeting: no clock, not an error.
  absl::StatusOr<std::optional<PolicyDue>> none = directory_.Due(
      kMarys, directory::Channel::kMeetingRequest, directory::Stage::kHoldMeeting, London(2025, 11, 7, 16), "", "");
  ASSERT_TRUE(none.ok()) << none.status();
  EXPECT_FALSE(none->has_value());
}

}  // namespace
}  // namespace parley::appointments
