// The report's schools over a replica loaded from the contacts sample directory: names, roll,
// terms with their half-terms, promises in words, the main ladder's rungs, safeguarding categories.
#include "services/reporting/clients/replica_directory.h"

#include "common/clock/clock.h"
#include "common/directory/testing/static_feed.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "services/contacts/testing/sample_directory.h"

namespace parley::reporting {
namespace {

TEST(ReportingReplicaDirectoryTest, SchoolsAsTheReportNeedsThem) {
  directory::Directory dir = contacts::testing::SampleDirectory();
  directory::SchoolDirectory paris = contacts::testing::SampleSchool("oak-park");
  paris.school.calendar.time_zone = "Europe/Paris";
  paris.school.policy.rules[0].budget = {calendar::Unit::kWorkingHours, 0, absl::Minutes(90)};
  dir.schools["oak-park"] = paris;
  directory::testing::StaticFeed feed(dir);
  SimulatedClock clock(absl::FromUnixSeconds(1762160400));
  directory::Replica replica(&feed, &clock, {});
  replica.Start();
  ASSERT_TRUE(replica.AwaitReady(absl::Seconds(10)).ok());
  ReplicaDirectory directory(&replica);

  absl::StatusOr<std::vector<SchoolInfo>> schools = directory.Schools();
  ASSERT_TRUE(schools.ok()) << schools.status();
  ASSERT_EQ(schools->size(), 2u);
  const SchoolInfo& oak = (*schools)[0];
  const SchoolInfo& marys = (*schools)[1];
  EXPECT_EQ(marys.id, "st-marys");
  EXPECT_EQ(marys.display_name, "St Mary's C of E Primary School");
  EXPECT_EQ(marys.time_zone, "Europe/London");
  EXPECT_EQ(oak.time_zone, "Europe/Paris");
  EXPECT_EQ(marys.pupils, static_cast<int64_t>(dir.schools.at("st-marys").pupils.size()));
  EXPECT_GT(marys.pupils, 0);
  ASSERT_EQ(marys.terms.size(), 3u);
  EXPECT_EQ(marys.terms[0].display_name, "Autumn 2025");
  EXPECT_EQ(marys.terms[0].first, absl::CivilDay(2025, 9, 3));
  ASSERT_TRUE(marys.terms[0].half_term.has_value());
  EXPECT_EQ(marys.terms[0].half_term->first, absl::CivilDay(2025, 10, 27));
  EXPECT_EQ(marys.terms[0].half_term->second, absl::CivilDay(2025, 10, 31));
  ASSERT_EQ(marys.promises.size(), dir.schools.at("st-marys").school.policy.rules.size());
  EXPECT_EQ(marys.promises[0].channel, "email");
  EXPECT_EQ(marys.promises[0].stage, "acknowledge");
  EXPECT_EQ(marys.promises[0].budget, "2 working days");
  EXPECT_EQ(oak.promises[0].budget, "90 working minutes");
  EXPECT_EQ(marys.rung_roles.at(0), "Class teacher");
  EXPECT_EQ(marys.rung_roles.at(1), "Deputy head");
  replica.Stop();
}

}  // namespace
}  // namespace parley::reporting
