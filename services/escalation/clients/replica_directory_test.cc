// ReplicaDirectory over a replica loaded from a test directory (the contacts sample school as
// st-marys and oak-park): how routing, ladders, deadlines, staff hours, line managers, versions,
// breach switches and a guardian's pupils come out of the replica in escalation's terms, and that
// nothing is answered from a replica that has not loaded.
#include "services/escalation/clients/replica_directory.h"

#include <memory>
#include <string>
#include <utility>
#include <vector>

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

namespace parley::escalation {
namespace {

using ::testing::ElementsAre;
using ::testing::UnorderedElementsAre;

constexpr char kMarys[] = "st-marys";
constexpr char kOak[] = "oak-park";
constexpr absl::Duration kWait = absl::Seconds(10);

// Both schools are on London time; in November that is UTC.
absl::Time London(int y, int m, int d, int hh, int mm = 0) {
  return absl::FromCivil(absl::CivilMinute(y, m, d, hh, mm), absl::UTCTimeZone());
}

// St Mary's as the sample has it (versions cal-7 / pol-3), oak-park a copy with other breach
// switches. g-001 has children at both; g-002 one at St Mary's, and one at oak-park under a
// court order that they receive no information.
directory::Directory TestDirectory() {
  directory::Directory dir = contacts::testing::SampleDirectory();
  dir.schools[kMarys].school.calendar_version = "cal-7";
  dir.schools[kMarys].school.policy_version = "pol-3";
  directory::SchoolDirectory oak = contacts::testing::SampleSchool(kOak);
  oak.school.calendar_version = "cal-1";
  oak.school.policy_version = "pol-1";
  oak.school.policy.breach.notify_line_manager_on_acknowledge_breach = true;
  oak.school.policy.breach.escalate_on_response_breach = true;
  oak.school.policy.breach.refer_to_complaints_at_top = false;
  // Riverside's call-back promise: follow-up action within 10 working days of a call.
  directory::ResponseRule follow_up;
  follow_up.channel = directory::Channel::kPhone;
  follow_up.stage = directory::Stage::kFollowUp;
  follow_up.budget = calendar::Budget{calendar::Unit::kWorkingDays, 10, absl::ZeroDuration()};
  oak.school.policy.rules.push_back(follow_up);
  oak.school.calendar.teaching_hours = calendar::HoursRange{8 * 60 + 50, 15 * 60 + 25};
  dir.schools[kOak] = std::move(oak);
  dir.guardians["g-001"].pupils.push_back(directory::PupilLink{kOak, "p-002", "mother", true, std::nullopt});
  directory::CourtOrder no_information;
  no_information.no_information = true;
  dir.guardians["g-002"].pupils.push_back(directory::PupilLink{kOak, "p-001", "father", true, no_information});
  return dir;
}

void ExpectError(const absl::Status& status, absl::StatusCode code, const char* why) {
  EXPECT_EQ(status.code(), code) << status;
  EXPECT_EQ(ErrorReason(status), why) << status;
}

class ReplicaDirectoryTest : public ::testing::Test {
 protected:
  void SetUp() override {
    replica_.Start();
    ASSERT_TRUE(replica_.AwaitReady(kWait).ok());
  }

  // What contacts' own code computes for `query` on the test directory.
  directory::DeadlineAnswer Reference(const directory::DeadlineQuery& query) {
    auto snapshot = directory::Snapshot::Build(1, TestDirectory());
    EXPECT_TRUE(snapshot.ok()) << snapshot.status();
    absl::StatusOr<directory::DeadlineAnswer> answer = directory::ComputeDeadline(**snapshot, query);
    EXPECT_TRUE(answer.ok()) << answer.status();
    return answer.ok() ? *answer : directory::DeadlineAnswer{};
  }

  directory::testing::StaticFeed feed_{TestDirectory()};
  SimulatedClock clock_{London(2025, 11, 3, 9)};
  directory::Replica replica_{&feed_, &clock_, {}};
  ReplicaDirectory directory_{&replica_};
};

TEST_F(ReplicaDirectoryTest, TheFollowUpStageReachesTheFollowUpRule) {
  DeadlineQuery q;
  q.school_id = kOak;
  q.channel = Channel::kPhone;
  q.stage = Stage::kFollowUp;
  q.clock_from = London(2025, 11, 3, 10);
  absl::StatusOr<DueAt> follow_up = directory_.Compute(q);
  ASSERT_TRUE(follow_up.ok()) << follow_up.status();
  directory::DeadlineQuery ref;
  ref.school_id = kOak;
  ref.channel = directory::Channel::kPhone;
  ref.stage = directory::Stage::kFollowUp;
  ref.received = q.clock_from;
  EXPECT_EQ(follow_up->due, Reference(ref).deadline.due);
  EXPECT_TRUE(follow_up->due.has_value());
  // A school without a follow-up rule promises nothing: no clock, not another stage's deadline.
  q.school_id = kMarys;
  ExpectError(directory_.Compute(q).status(), absl::StatusCode::kFailedPrecondition, "NO_POLICY_RULE");
}

TEST_F(ReplicaDirectoryTest, RoutingNamesStaffBySchoolAndExternalContactsByTheirId) {
  absl::StatusOr<Route> route = directory_.RouteEnquiry(kMarys, "", "safeguarding", "", 1);
  ASSERT_TRUE(route.ok()) << route.status();
  EXPECT_EQ(route->owner.staff, "schools/st-marys/staff/head");
  EXPECT_EQ(route->owner.role, "dsl");
  ASSERT_EQ(route->also_notify.size(), 2u);
  EXPECT_EQ(route->also_notify[0].staff, "schools/st-marys/staff/deputy");
  EXPECT_EQ(route->also_notify[1].staff, "external:county-lado");
  EXPECT_TRUE(route->safeguarding);
  EXPECT_TRUE(route->channel_allowed);

  // A pupil's own teacher, and a channel the route does not take (3 = phone, 1 = email).
  route = directory_.RouteEnquiry(kMarys, "schools/st-marys/pupils/p-002", "learning", "", 1);
  ASSERT_TRUE(route.ok()) << route.status();
  EXPECT_EQ(route->owner.staff, "schools/st-marys/staff/ash-teacher");
  EXPECT_EQ(route->owner.role, "class teacher");
  EXPECT_FALSE(route->safeguarding);
  route = directory_.RouteEnquiry(kMarys, "", "attendance", "", 1);
  ASSERT_TRUE(route.ok()) << route.status();
  EXPECT_FALSE(route->channel_allowed);
  EXPECT_EQ(route->channel_rule, "Report absence by phone to the school office");
  EXPECT_TRUE(directory_.RouteEnquiry(kMarys, "", "attendance", "", 3)->channel_allowed);
  EXPECT_EQ(directory_.RouteEnquiry(kOak, "", "attendance", "", 3)->owner.staff, "schools/oak-park/staff/office");
}

TEST_F(ReplicaDirectoryTest, AnotherSchoolsPupilAnUnknownSchoolAndBadQuestionsAreRefused) {
  ExpectError(directory_.RouteEnquiry(kMarys, "schools/oak-park/pupils/p-001", "learning", "", 1).status(),
              absl::StatusCode::kInvalidArgument, reason::kCrossSchoolReference);
  ExpectError(directory_.ResolveLadder(kMarys, "schools/oak-park/pupils/p-001", "learning", "").status(),
              absl::StatusCode::kInvalidArgument, reason::kCrossSchoolReference);
  ExpectError(directory_.RouteEnquiry("no-such-school", "", "learning", "", 1).status(), absl::StatusCode::kNotFound,
              reason::kSchoolNotFound);
  ExpectError(directory_.ResolveLadder("no-such-school", "", "learning", "").status(), absl::StatusCode::kNotFound,
              reason::kSchoolNotFound);
  EXPECT_EQ(directory_.RouteEnquiry(kMarys, "p-001", "learning", "", 1).status().code(),
            absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(directory_.RouteEnquiry(kMarys, "", "learning", "", 0).status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(directory_.RouteEnquiry(kMarys, "", "", "", 1).status().code(), absl::StatusCode::kInvalidArgument);
  // A pupil the school does not have is the routing code's answer, passed through.
  EXPECT_EQ(directory_.RouteEnquiry(kMarys, "schools/st-marys/pupils/p-999", "learning", "", 1).status().code(),
            absl::StatusCode::kNotFound);
}

// Every recipient the directory resolves carries a role (the rung's relation or role title), so
// the rung title stands in only for a recipient without one.
TEST_F(ReplicaDirectoryTest, LaddersAreTheRungsInOrderWithTheirRoles) {
  absl::StatusOr<Ladder> ladder = directory_.ResolveLadder(kMarys, "schools/st-marys/pupils/p-001", "send", "");
  ASSERT_TRUE(ladder.ok()) << ladder.status();
  ASSERT_EQ(ladder->rungs.size(), 3u);
  EXPECT_EQ(ladder->rungs[0].staff, "schools/st-marys/staff/oak-teacher");
  EXPECT_EQ(ladder->rungs[0].role, "class teacher");
  EXPECT_EQ(ladder->rungs[1].staff, "schools/st-marys/staff/senco");
  EXPECT_EQ(ladder->rungs[1].role, "senco");
  EXPECT_EQ(ladder->rungs[2].staff, "schools/st-marys/staff/head");
  EXPECT_EQ(ladder->rungs[2].role, "headteacher");
  EXPECT_TRUE(ladder->refer_to_complaints_after_top);
  // Oak Park does not refer to complaints at the top.
  ladder = directory_.ResolveLadder(kOak, "schools/oak-park/pupils/p-002", "learning", "");
  ASSERT_TRUE(ladder.ok()) << ladder.status();
  EXPECT_EQ(ladder->rungs[0].staff, "schools/oak-park/staff/ash-teacher");
  EXPECT_FALSE(ladder->refer_to_complaints_after_top);
}

TEST_F(ReplicaDirectoryTest, DeadlinesMapStagePausesAndOwnerAndAnOpenPauseLeavesNoDue) {
  // Received Monday 3 November 2025, 10:00.
  DeadlineQuery q;
  q.school_id = kMarys;
  q.channel = Channel::kEmail;
  q.stage = Stage::kRespond;
  q.category = "learning";
  q.clock_from = London(2025, 11, 3, 10);
  absl::StatusOr<DueAt> respond = directory_.Compute(q);
  ASSERT_TRUE(respond.ok()) << respond.status();
  directory::DeadlineQuery ref;
  ref.school_id = kMarys;
  ref.channel = directory::Channel::kEmail;
  ref.stage = directory::Stage::kRespond;
  ref.category = "learning";
  ref.received = q.clock_from;
  directory::DeadlineAnswer expected = Reference(ref);
  EXPECT_EQ(respond->clock_start, q.clock_from);
  EXPECT_EQ(respond->due, expected.deadline.due);
  EXPECT_EQ(respond->calendar_version, expected.calendar_version);
  EXPECT_EQ(respond->policy_version, "pol-3");
  EXPECT_EQ(respond->explanation, expected.summary);
  EXPECT_FALSE(respond->explanation.empty());

  // Acknowledge is 2 working days, respond 5: the stage reaches the rule.
  q.stage = Stage::kAcknowledge;
  absl::StatusOr<DueAt> acknowledge = directory_.Compute(q);
  ASSERT_TRUE(acknowledge.ok()) << acknowledge.status();
  ref.stage = directory::Stage::kAcknowledge;
  EXPECT_EQ(acknowledge->due, Reference(ref).deadline.due);
  ASSERT_TRUE(acknowledge->due.has_value() && respond->due.has_value());
  EXPECT_LT(*acknowledge->due, *respond->due);

  // A closed pause of a whole working day moves the due later; an open one leaves none.
  q.stage = Stage::kRespond;
  q.pauses = {calendar::Pause{London(2025, 11, 4, 8), London(2025, 11, 5, 8)}};
  absl::StatusOr<DueAt> paused = directory_.Compute(q);
  ASSERT_TRUE(paused.ok()) << paused.status();
  ref.stage = directory::Stage::kRespond;
  ref.pauses = q.pauses;
  EXPECT_EQ(paused->due, Reference(ref).deadline.due);
  ASSERT_TRUE(paused->due.has_value());
  EXPECT_GT(*paused->due, *respond->due);
  q.pauses.push_back(calendar::Pause{London(2025, 11, 6, 9), std::nullopt});
  paused = directory_.Compute(q);
  ASSERT_TRUE(paused.ok()) << paused.status();
  EXPECT_FALSE(paused->due.has_value());

  // Phone respond follows the owner's calendar: Ash works Monday to Wednesday, so a call on
  // Wednesday afternoon is due later for her than for Oak's full-time teacher.
  DeadlineQuery phone;
  phone.school_id = kMarys;
  phone.channel = Channel::kPhone;
  phone.stage = Stage::kRespond;
  phone.clock_from = London(2025, 11, 5, 14);
  phone.owner = "schools/st-marys/staff/oak-teacher";
  absl::StatusOr<DueAt> full_time = directory_.Compute(phone);
  phone.owner = "schools/st-marys/staff/ash-teacher";
  absl::StatusOr<DueAt> part_time = directory_.Compute(phone);
  ASSERT_TRUE(full_time.ok() && part_time.ok()) << full_time.status() << part_time.status();
  directory::DeadlineQuery ref_phone;
  ref_phone.school_id = kMarys;
  ref_phone.channel = directory::Channel::kPhone;
  ref_phone.stage = directory::Stage::kRespond;
  ref_phone.received = phone.clock_from;
  ref_phone.owner_id = "ash-teacher";
  EXPECT_EQ(part_time->due, Reference(ref_phone).deadline.due);
  ASSERT_TRUE(full_time->due.has_value() && part_time->due.has_value());
  EXPECT_GT(*part_time->due, *full_time->due);
  // An external owner has no working periods: the school calendar.
  phone.owner = "external:county-lado";
  EXPECT_TRUE(directory_.Compute(phone).ok());

  // The owner must be the school's.
  phone.owner = "schools/oak-park/staff/ash-teacher";
  ExpectError(directory_.Compute(phone).status(), absl::StatusCode::kInvalidArgument, reason::kCrossSchoolReference);
  phone.owner = "schools/st-marys/teachers/ash-teacher";
  EXPECT_EQ(directory_.Compute(phone).status().code(), absl::StatusCode::kInvalidArgument);
  phone.school_id = "no-such-school";
  phone.owner.clear();
  ExpectError(directory_.Compute(phone).status(), absl::StatusCode::kNotFound, reason::kSchoolNotFound);
}

TEST_F(ReplicaDirectoryTest, NextWorkingTimeIsTheFirstInstantTheMemberWorks) {
  const std::string ash = "schools/st-marys/staff/ash-teacher";
  // Inside Monday's hours: then. Thursday: her next working day, Monday, at 08:45 (an email's clock
  // would start on Thursday: it runs on the school calendar).
  EXPECT_EQ(*directory_.NextWorkingTime(kMarys, ash, London(2025, 11, 3, 10)), London(2025, 11, 3, 10));
  EXPECT_EQ(*directory_.NextWorkingTime(kMarys, ash, London(2025, 11, 6, 10)), London(2025, 11, 10, 8, 45));
  EXPECT_EQ(*directory_.NextWorkingTime(kMarys, ash, London(2025, 11, 3, 16)), London(2025, 11, 4, 8, 45));
  ExpectError(directory_.NextWorkingTime(kMarys, "schools/st-marys/staff/nobody", London(2025, 11, 3, 10)).status(),
              absl::StatusCode::kNotFound, reason::kStaffNotFound);
  ExpectError(
      directory_.NextWorkingTime(kMarys, "schools/oak-park/staff/ash-teacher", London(2025, 11, 3, 10)).status(),
      absl::StatusCode::kInvalidArgument, reason::kCrossSchoolReference);
}

TEST_F(ReplicaDirectoryTest, StaffHoursAreTheFirstPeriodOfTheOwnerCalendarLookingPastAHoliday) {
  // Inside a period: that period.
  absl::StatusOr<WorkingPeriod> p =
      directory_.PeriodAtOrAfter("schools/st-marys/staff/oak-teacher", London(2025, 11, 3, 10), false);
  ASSERT_TRUE(p.ok()) << p.status();
  EXPECT_EQ(p->open, London(2025, 11, 3, 8, 45));
  EXPECT_EQ(p->close, London(2025, 11, 3, 15, 30));
  // Ash on a Thursday: Monday.
  p = directory_.PeriodAtOrAfter("schools/st-marys/staff/ash-teacher", London(2025, 11, 6, 10), false);
  ASSERT_TRUE(p.ok()) << p.status();
  EXPECT_EQ(p->open, London(2025, 11, 10, 8, 45));
  // After school on the Friday before half-term (27-31 October): the Monday after it.
  p = directory_.PeriodAtOrAfter("schools/st-marys/staff/oak-teacher",
                                 absl::FromCivil(absl::CivilMinute(2025, 10, 24, 16, 0), absl::UTCTimeZone()), false);
  ASSERT_TRUE(p.ok()) << p.status();
  EXPECT_EQ(p->open, London(2025, 11, 3, 8, 45));
  // Over Christmas (term ends 19 December, begins 5 January).
  p = directory_.PeriodAtOrAfter("schools/st-marys/staff/oak-teacher", London(2025, 12, 22, 10), false);
  ASSERT_TRUE(p.ok()) << p.status();
  EXPECT_EQ(p->open, London(2026, 1, 5, 8, 45));

  EXPECT_EQ(directory_.PeriodAtOrAfter("nobody", London(2025, 11, 3, 10), false).status().code(),
            absl::StatusCode::kInvalidArgument);
  ExpectError(directory_.PeriodAtOrAfter("schools/st-marys/staff/nobody", London(2025, 11, 3, 10), false).status(),
              absl::StatusCode::kNotFound, reason::kStaffNotFound);
  ExpectError(directory_.PeriodAtOrAfter("schools/no-such-school/staff/head", London(2025, 11, 3, 10), false).status(),
              absl::StatusCode::kNotFound, reason::kSchoolNotFound);
}

TEST_F(ReplicaDirectoryTest, ATeachersNoticePeriodsLeaveOutTheSchoolsTeachingHours) {
  // oak-park teaches 08:50-15:25; St Mary's states no teaching hours.
  absl::StatusOr<WorkingPeriod> p =
      directory_.PeriodAtOrAfter("schools/oak-park/staff/oak-teacher", London(2025, 11, 3, 10), true);
  ASSERT_TRUE(p.ok()) << p.status();
  EXPECT_EQ(p->open, London(2025, 11, 3, 15, 25));
  EXPECT_EQ(p->close, London(2025, 11, 3, 15, 30));
  // Before school: the minutes before teaching.
  p = directory_.PeriodAtOrAfter("schools/oak-park/staff/oak-teacher", London(2025, 11, 3, 7), true);
  ASSERT_TRUE(p.ok()) << p.status();
  EXPECT_EQ(p->open, London(2025, 11, 3, 8, 45));
  EXPECT_EQ(p->close, London(2025, 11, 3, 8, 50));
  // A notice that may interrupt teaching: the whole working period.
  p = directory_.PeriodAtOrAfter("schools/oak-park/staff/oak-teacher", London(2025, 11, 3, 10), false);
  ASSERT_TRUE(p.ok()) << p.status();
  EXPECT_EQ(p->open, London(2025, 11, 3, 8, 45));
  // Staff who do not teach (the office), and a school without teaching hours.
  p = directory_.PeriodAtOrAfter("schools/oak-park/staff/office", London(2025, 11, 3, 10), true);
  ASSERT_TRUE(p.ok()) << p.status();
  EXPECT_EQ(p->open, London(2025, 11, 3, 8, 45));
  p = directory_.PeriodAtOrAfter("schools/st-marys/staff/oak-teacher", London(2025, 11, 3, 10), true);
  ASSERT_TRUE(p.ok()) << p.status();
  EXPECT_EQ(p->open, London(2025, 11, 3, 8, 45));
}

TEST_F(ReplicaDirectoryTest, ALineManagerIsAFullStaffNameOrEmpty) {
  EXPECT_EQ(*directory_.LineManagerOf("schools/st-marys/staff/oak-teacher"), "schools/st-marys/staff/deputy");
  EXPECT_EQ(*directory_.LineManagerOf("schools/oak-park/staff/senco"), "schools/oak-park/staff/deputy");
  absl::StatusOr<std::string> none = directory_.LineManagerOf("schools/st-marys/staff/head");
  ASSERT_TRUE(none.ok()) << none.status();
  EXPECT_EQ(*none, "");
  ExpectError(directory_.LineManagerOf("schools/st-marys/staff/nobody").status(), absl::StatusCode::kNotFound,
              reason::kStaffNotFound);
  EXPECT_EQ(directory_.LineManagerOf("oak-teacher").status().code(), absl::StatusCode::kInvalidArgument);
}

TEST_F(ReplicaDirectoryTest, VersionsAndBreachSwitchesAreTheSchools) {
  EXPECT_EQ(*directory_.Versions(kMarys), std::make_pair(std::string("cal-7"), std::string("pol-3")));
  EXPECT_EQ(*directory_.Versions(kOak), std::make_pair(std::string("cal-1"), std::string("pol-1")));
  absl::StatusOr<BreachSwitches> marys = directory_.BreachPolicyOf(kMarys);
  ASSERT_TRUE(marys.ok()) << marys.status();
  EXPECT_FALSE(marys->notify_line_manager);
  EXPECT_FALSE(marys->escalate_on_response_breach);
  EXPECT_TRUE(marys->refer_to_complaints_at_top);
  absl::StatusOr<BreachSwitches> oak = directory_.BreachPolicyOf(kOak);
  ASSERT_TRUE(oak.ok()) << oak.status();
  EXPECT_TRUE(oak->notify_line_manager);
  EXPECT_TRUE(oak->escalate_on_response_breach);
  EXPECT_FALSE(oak->refer_to_complaints_at_top);
  ExpectError(directory_.Versions("no-such-school").status(), absl::StatusCode::kNotFound, reason::kSchoolNotFound);
  ExpectError(directory_.BreachPolicyOf("no-such-school").status(), absl::StatusCode::kNotFound,
              reason::kSchoolNotFound);
  absl::StatusOr<absl::TimeZone> zone = directory_.TimeZoneOf(kMarys);
  ASSERT_TRUE(zone.ok()) << zone.status();
  EXPECT_EQ(zone->name(), "Europe/London");
  ExpectError(directory_.TimeZoneOf("no-such-school").status(), absl::StatusCode::kNotFound, reason::kSchoolNotFound);
}

// Nothing is cached in front of the replica: an edit is answered as soon as the replica holds it.
TEST_F(ReplicaDirectoryTest, AnEditIsAnsweredOnceTheReplicaHoldsIt) {
  directory::Directory dir = TestDirectory();
  dir.schools[kMarys].school.policy.breach.escalate_on_response_breach = true;
  dir.schools[kMarys].school.policy_version = "pol-4";
  dir.schools[kMarys].staff["oak-teacher"].line_manager = "ks2-lead";
  absl::StatusOr<int64_t> version = feed_.Set(dir);
  ASSERT_TRUE(version.ok()) << version.status();
  ASSERT_TRUE(replica_.AwaitVersion(*version, kWait));
  EXPECT_TRUE(directory_.BreachPolicyOf(kMarys)->escalate_on_response_breach);
  EXPECT_EQ(directory_.Versions(kMarys)->second, "pol-4");
  EXPECT_EQ(*directory_.LineManagerOf("schools/st-marys/staff/oak-teacher"), "schools/st-marys/staff/ks2-lead");
}

// Every link at every school, each saying whether a court order in force that day excludes the
// guardian: p-001 at oak-park is under a no-information order for g-002.
TEST_F(ReplicaDirectoryTest, AGuardiansLinksSayWhichACourtOrderExcludesOnTheDay) {
  const absl::Time now = London(2025, 11, 3, 9);
  auto pupils = [&](const std::string& guardian, absl::Time at) {
    std::vector<std::string> out;
    absl::StatusOr<std::vector<GuardianLink>> links = directory_.LinksOfGuardian(guardian, at);
    EXPECT_TRUE(links.ok()) << links.status();
    if (links.ok()) {
      for (const GuardianLink& l : *links) out.push_back(absl::StrCat(l.pupil, l.excluded ? " excluded" : ""));
    }
    return out;
  };
  EXPECT_THAT(pupils("guardians/g-001", now),
              UnorderedElementsAre("schools/st-marys/pupils/p-001", "schools/st-marys/pupils/p-002",
                                   "schools/oak-park/pupils/p-002"));
  EXPECT_THAT(pupils("guardians/g-002", now),
              UnorderedElementsAre("schools/st-marys/pupils/p-001", "schools/oak-park/pupils/p-001 excluded"));
  for (const char* unknown : {"guardians/nobody", "g-001", ""}) EXPECT_TRUE(pupils(unknown, now).empty()) << unknown;

  // An order ending on 3 November still holds that day in London, and not the next.
  directory::Directory dir = TestDirectory();
  dir.guardians["g-002"].pupils.back().court_order->until = absl::CivilDay(2025, 11, 3);
  absl::StatusOr<int64_t> version = feed_.Set(dir);
  ASSERT_TRUE(version.ok()) << version.status();
  ASSERT_TRUE(replica_.AwaitVersion(*version, kWait));
  EXPECT_THAT(pupils("guardians/g-002", London(2025, 11, 3, 23, 30)),
              ::testing::Contains("schools/oak-park/pupils/p-001 excluded"));
  EXPECT_THAT(pupils("guardians/g-002", London(2025, 11, 4, 0, 30)),
              ::testing::Contains("schools/oak-park/pupils/p-001"));
}

// Whom an enquiry is addressed to: their leave and leaving date on the school's day, their role,
// and whether the school's policy gives them the matter.
TEST_F(ReplicaDirectoryTest, AnAddresseeIsAvailableUnlessOnLeaveOrLeftThatDay) {
  const std::string teacher = "schools/st-marys/staff/oak-teacher";
  absl::StatusOr<Addressee> a = directory_.AddresseeOf(teacher, London(2025, 11, 3, 9));
  ASSERT_TRUE(a.ok()) << a.status();
  EXPECT_EQ(a->availability, Addressee::Availability::kAvailable);
  EXPECT_FALSE(a->policy_honours);
  EXPECT_FALSE(a->role.empty());
  ExpectError(directory_.AddresseeOf("schools/st-marys/staff/nobody", London(2025, 11, 3, 9)).status(),
              absl::StatusCode::kNotFound, reason::kStaffNotFound);

  directory::Directory dir = TestDirectory();
  dir.schools[kMarys].school.policy.addressed_staff_own = true;
  directory::Staff& oak = dir.schools[kMarys].staff["oak-teacher"];
  oak.away_from = absl::CivilDay(2025, 11, 10);
  oak.away_until = absl::CivilDay(2025, 11, 14);
  oak.leaving_date = absl::CivilDay(2025, 12, 19);
  absl::StatusOr<int64_t> version = feed_.Set(dir);
  ASSERT_TRUE(version.ok()) << version.status();
  ASSERT_TRUE(replica_.AwaitVersion(*version, kWait));
  auto on = [&](int m, int d) { return directory_.AddresseeOf(teacher, London(2025, m, d, 12))->availability; };
  EXPECT_TRUE(directory_.AddresseeOf(teacher, London(2025, 11, 3, 9))->policy_honours);
  EXPECT_EQ(on(11, 9), Addressee::Availability::kAvailable);
  EXPECT_EQ(on(11, 10), Addressee::Availability::kAway);
  EXPECT_EQ(on(11, 14), Addressee::Availability::kAway);
  EXPECT_EQ(on(11, 17), Addressee::Availability::kAvailable);
  EXPECT_EQ(on(12, 19), Addressee::Availability::kAvailable);  // their last day
  EXPECT_EQ(on(12, 20), Addressee::Availability::kLeft);
}

TEST(ReplicaDirectoryNotLoadedTest, EveryAnswerIsUnavailableUntilTheReplicaHasLoaded) {
  directory::testing::StaticFeed empty;  // serves nothing: the replica never loads
  SimulatedClock clock(London(2025, 11, 3, 9));
  directory::Replica replica(&empty, &clock, {});
  replica.Start();
  ReplicaDirectory directory(&replica);
  auto expect_stale = [](const absl::Status& status) {
    ExpectError(status, absl::StatusCode::kUnavailable, reason::kDirectoryReplicaStale);
  };
  DeadlineQuery q;
  q.school_id = kMarys;
  q.clock_from = London(2025, 11, 3, 10);
  expect_stale(directory.RouteEnquiry(kMarys, "", "safeguarding", "", 1).status());
  expect_stale(directory.ResolveLadder(kMarys, "", "learning", "").status());
  expect_stale(directory.LineManagerOf("schools/st-marys/staff/oak-teacher").status());
  expect_stale(directory.NextWorkingTime(kMarys, "schools/st-marys/staff/oak-teacher", q.clock_from).status());
  expect_stale(directory.Compute(q).status());
  expect_stale(directory.PeriodAtOrAfter("schools/st-marys/staff/oak-teacher", q.clock_from, true).status());
  expect_stale(directory.Versions(kMarys).status());
  expect_stale(directory.BreachPolicyOf(kMarys).status());
  expect_stale(directory.LinksOfGuardian("guardians/g-001", q.clock_from).status());
  expect_stale(directory.AddresseeOf("schools/st-marys/staff/oak-teacher", q.clock_from).status());
}

}  // namespace
}  // namespace parley::escalation
