#include "common/directory/routing.h"

#include "common/status/reason.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "services/contacts/testing/sample_directory.h"

namespace parley::contacts {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;

class RoutingTest : public ::testing::Test {
 protected:
  void SetUp() override { snapshot_ = *Snapshot::Build(1, testing::SampleDirectory()); }
  RouteQuery Query(std::string category, std::string pupil = "p-001", Channel channel = Channel::kEmail) {
    return RouteQuery{testing::kSchool, std::move(pupil), std::move(category), channel, ""};
  }
  std::shared_ptr<const Snapshot> snapshot_;
};

TEST_F(RoutingTest, SendGoesToTheClassTeacherThenTheSenco) {
  absl::StatusOr<Route> route = RouteEnquiry(*snapshot_, Query("send"));
  ASSERT_TRUE(route.ok()) << route.status();
  EXPECT_EQ(route->owner.id, "oak-teacher");
  EXPECT_EQ(route->owner.role, "class teacher");
  EXPECT_EQ(route->ladder_id, "send");
  absl::StatusOr<ResolvedLadder> ladder = ResolveLadder(*snapshot_, Query("send"));
  ASSERT_TRUE(ladder.ok()) << ladder.status();
  std::vector<std::string> people;
  for (const ResolvedRung& r : ladder->rungs) people.push_back(r.recipient.id);
  EXPECT_THAT(people, ElementsAre("oak-teacher", "senco", "head"));
  EXPECT_TRUE(ladder->refer_to_complaints_after_top);
}

TEST_F(RoutingTest, TheRouteFollowsThePupil) {
  EXPECT_EQ(RouteEnquiry(*snapshot_, Query("learning", "p-002"))->owner.id, "ash-teacher");
}

TEST_F(RoutingTest, AttendanceByEmailSaysToPhone) {
  absl::StatusOr<Route> route = RouteEnquiry(*snapshot_, Query("attendance", "", Channel::kEmail));
  ASSERT_TRUE(route.ok()) << route.status();
  EXPECT_FALSE(route->channel_allowed);
  EXPECT_THAT(route->allowed_channels, ElementsAre(Channel::kPhone));
  EXPECT_THAT(route->channel_rule, HasSubstr("phone"));
  EXPECT_TRUE(RouteEnquiry(*snapshot_, Query("attendance", "", Channel::kPhone))->channel_allowed);
}

TEST_F(RoutingTest, SafeguardingGoesToTheDslAndDeputiesAndTheCounty) {
  absl::StatusOr<Route> route = RouteEnquiry(*snapshot_, Query("safeguarding"));
  ASSERT_TRUE(route.ok()) << route.status();
  EXPECT_TRUE(route->safeguarding);
  EXPECT_EQ(route->owner.id, "head");
  ASSERT_EQ(route->also_notify.size(), 2u);
  EXPECT_EQ(route->also_notify[0].id, "deputy");
  EXPECT_EQ(route->also_notify[1].kind, Recipient::Kind::kExternalContact);
}

TEST_F(RoutingTest, UnknownCategoryListsTheKnownOnes) {
  absl::StatusOr<Route> route = RouteEnquiry(*snapshot_, Query("parking"));
  EXPECT_EQ(route.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(ErrorReason(route.status()), "UNKNOWN_CATEGORY");
  EXPECT_THAT(route.status().message(), HasSubstr("send"));
}

TEST_F(RoutingTest, PupilRelativeRouteNeedsAPupil) {
  EXPECT_EQ(ErrorReason(RouteEnquiry(*snapshot_, Query("learning", "")).status()), "PUPIL_REQUIRED");
}

TEST_F(RoutingTest, UnknownPupilAndSchoolAreNotFound) {
  EXPECT_EQ(RouteEnquiry(*snapshot_, Query("learning", "p-999")).status().code(), absl::StatusCode::kNotFound);
  RouteQuery q = Query("learning");
  q.school_id = "elsewhere";
  EXPECT_EQ(RouteEnquiry(*snapshot_, q).status().code(), absl::StatusCode::kNotFound);
}

TEST_F(RoutingTest, NobodyForThePupilsPhaseIsFailedPrecondition) {
  // The KS2 phase leader covers years 3-6; p-002 is in year 1.
  EXPECT_EQ(RouteEnquiry(*snapshot_, Query("behaviour", "p-001"))->owner.id, "ks2-lead");
  absl::StatusOr<Route> route = RouteEnquiry(*snapshot_, Query("behaviour", "p-002"));
  EXPECT_EQ(route.status().code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_THAT(route.status().message(), HasSubstr("year group 1"));
}

TEST_F(RoutingTest, CategoryWithoutLadderCannotBeClimbed) {
  EXPECT_EQ(ErrorReason(ResolveLadder(*snapshot_, Query("attendance", "")).status()), "NO_LADDER");
}

}  // namespace
}  // namespace parley::contacts
