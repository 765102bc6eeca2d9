#include "common/directory/deadlines.h"

#include "absl/time/civil_time.h"
#include "common/status/reason.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "services/contacts/testing/sample_directory.h"

namespace parley::contacts {
namespace {

using ::testing::HasSubstr;

absl::Time Utc(int y, int m, int d, int hh, int mm) {
  return absl::FromCivil(absl::CivilSecond(y, m, d, hh, mm, 0), absl::UTCTimeZone());
}

class DeadlinesTest : public ::testing::Test {
 protected:
  void SetUp() override { snapshot_ = *Snapshot::Build(1, testing::SampleDirectory()); }
  DeadlineQuery Query(Channel c, Stage s, absl::Time received) {
    DeadlineQuery q;
    q.school_id = testing::kSchool;
    q.channel = c;
    q.stage = s;
    q.received = received;
    return q;
  }
  std::shared_ptr<const Snapshot> snapshot_;
};

TEST_F(DeadlinesTest, TheWorkedExample) {
  // Fri 24 Oct 2025 16:10 BST = 15:10Z, after core hours; half-term 27-31 Oct.
  absl::StatusOr<DeadlineAnswer> a =
      ComputeDeadline(*snapshot_, Query(Channel::kEmail, Stage::kAcknowledge, Utc(2025, 10, 24, 15, 10)));
  ASSERT_TRUE(a.ok()) << a.status();
  EXPECT_EQ(a->deadline.clock_start, Utc(2025, 11, 3, 8, 45));
  EXPECT_EQ(*a->deadline.due, Utc(2025, 11, 5, 15, 30));
  EXPECT_EQ(a->time_zone, "Europe/London");
  EXPECT_FALSE(a->summary.empty());
  EXPECT_EQ(a->policy_version, snapshot_->FindSchool(testing::kSchool)->school.policy_version);
  // The same email at 14:00 BST counts Friday as day 0.
  a = ComputeDeadline(*snapshot_, Query(Channel::kEmail, Stage::kAcknowledge, Utc(2025, 10, 24, 13, 0)));
  ASSERT_TRUE(a.ok()) << a.status();
  EXPECT_EQ(*a->deadline.due, Utc(2025, 11, 4, 15, 30));
}

TEST_F(DeadlinesTest, PhoneCallsToAPartTimerWaitForTheirReturn) {
  // Thu 6 Nov 2025 10:00: Mrs Hart works Mon-Wed, so day 0 is Mon 10 Nov, due Wed 12 Nov.
  DeadlineQuery q = Query(Channel::kPhone, Stage::kRespond, Utc(2025, 11, 6, 10, 0));
  q.owner_id = "ash-teacher";
  absl::StatusOr<DeadlineAnswer> a = ComputeDeadline(*snapshot_, q);
  ASSERT_TRUE(a.ok()) << a.status();
  EXPECT_EQ(a->clock_calendar, ClockCalendar::kOwner);
  EXPECT_EQ(*a->deadline.due, Utc(2025, 11, 12, 15, 30));
  // A full-time owner: Thu is day 0, due Mon 10 Nov.
  q.owner_id = "oak-teacher";
  EXPECT_EQ(*ComputeDeadline(*snapshot_, q)->deadline.due, Utc(2025, 11, 10, 15, 30));
  EXPECT_NE(ComputeDeadline(*snapshot_, q)->calendar_version, a->calendar_version);
}

TEST_F(DeadlinesTest, SafeguardingIsAnElapsedHourEvenInTheHolidays) {
  DeadlineQuery q = Query(Channel::kEmail, Stage::kRespond, Utc(2025, 10, 28, 22, 0));
  q.safeguarding = true;
  absl::StatusOr<DeadlineAnswer> a = ComputeDeadline(*snapshot_, q);
  ASSERT_TRUE(a.ok()) << a.status();
  EXPECT_EQ(*a->deadline.due, Utc(2025, 10, 28, 23, 0));
}

TEST_F(DeadlinesTest, NoRuleForTheChannelIsFailedPrecondition) {
  absl::StatusOr<DeadlineAnswer> a =
      ComputeDeadline(*snapshot_, Query(Channel::kLetter, Stage::kAcknowledge, Utc(2025, 11, 3, 9, 0)));
  EXPECT_EQ(a.status().code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_EQ(ErrorReason(a.status()), "NO_POLICY_RULE");
}

TEST_F(DeadlinesTest, BeyondTheLastTermNamesTheSchoolAndNeverGuesses) {
  absl::StatusOr<DeadlineAnswer> a =
      ComputeDeadline(*snapshot_, Query(Channel::kEmail, Stage::kRespond, Utc(2026, 7, 21, 9, 0)));
  EXPECT_EQ(a.status().code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_THAT(a.status().message(), HasSubstr("st-marys"));
  EXPECT_THAT(a.status().message(), HasSubstr("2026-07-2"));
}

TEST_F(DeadlinesTest, UnknownOwnerIsNotFound) {
  DeadlineQuery q = Query(Channel::kPhone, Stage::kRespond, Utc(2025, 11, 6, 10, 0));
  q.owner_id = "nobody";
  EXPECT_EQ(ComputeDeadline(*snapshot_, q).status().code(), absl::StatusCode::kNotFound);
}

}  // namespace
}  // namespace parley::contacts

namespace parley::contacts {
namespace {

TEST(CategoryRules, ARuleForTheMattersCategoryWinsOverTheGeneralRule) {
  // Kenilworth-style: emails to the office are acknowledged in 1 working day, others in 2.
  Directory dir = testing::SampleDirectory();
  ResponseRule office;
  office.channel = Channel::kEmail;
  office.stage = Stage::kAcknowledge;
  office.budget.unit = calendar::Unit::kWorkingDays;
  office.budget.working_days = 1;
  office.categories = {"attendance"};
  dir.schools.begin()->second.school.policy.rules.push_back(office);
  auto snapshot = *Snapshot::Build(1, dir);
  DeadlineQuery q;
  q.school_id = testing::kSchool;
  q.channel = Channel::kEmail;
  q.stage = Stage::kAcknowledge;
  q.received = absl::FromCivil(absl::CivilSecond(2025, 11, 10, 10, 0, 0), absl::UTCTimeZone());  // Monday
  const absl::Time tuesday = absl::FromCivil(absl::CivilSecond(2025, 11, 11, 15, 30, 0), absl::UTCTimeZone());
  const absl::Time wednesday = tuesday + absl::Hours(24);
  q.category = "attendance";
  EXPECT_EQ(*ComputeDeadline(*snapshot, q)->deadline.due, tuesday);
  q.category = "learning";
  EXPECT_EQ(*ComputeDeadline(*snapshot, q)->deadline.due, wednesday);
  q.category.clear();
  EXPECT_EQ(*ComputeDeadline(*snapshot, q)->deadline.due, wednesday);

  // An urgent matter takes the rule for urgent matters, whatever its category; without one, the
  // rule it would have had.
  q.urgent = true;
  q.category = "learning";
  EXPECT_EQ(*ComputeDeadline(*snapshot, q)->deadline.due, wednesday);
  q.category = "attendance";
  EXPECT_EQ(*ComputeDeadline(*snapshot, q)->deadline.due, tuesday);
  ResponseRule urgent = office;
  urgent.budget = calendar::Budget{calendar::Unit::kWorkingHours, 0, absl::Hours(2)};
  urgent.categories = {"urgent"};
  dir.schools.begin()->second.school.policy.rules.push_back(urgent);
  snapshot = *Snapshot::Build(2, dir);
  EXPECT_EQ(*ComputeDeadline(*snapshot, q)->deadline.due, q.received + absl::Hours(2));
  q.category = "learning";
  EXPECT_EQ(*ComputeDeadline(*snapshot, q)->deadline.due, q.received + absl::Hours(2));
  q.urgent = false;  // the urgent rule is for urgent matters only
  EXPECT_EQ(*ComputeDeadline(*snapshot, q)->deadline.due, wednesday);
}

}  // namespace
}  // namespace parley::contacts
