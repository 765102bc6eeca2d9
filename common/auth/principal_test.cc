#include "common/auth/principal.h"

#include "common/status/reason.h"
#include "gtest/gtest.h"

namespace parley::auth {
namespace {

Principal Make(std::vector<std::string> roles, std::vector<std::string> schools) {
  return Principal{"user-1", std::move(roles), std::move(schools)};
}

TEST(Principal, RolesAndSchools) {
  Principal office = Make({"office"}, {"st-marys"});
  EXPECT_TRUE(office.HasRole(kOffice));
  EXPECT_FALSE(office.HasRole(kTeacher));
  EXPECT_TRUE(office.HasAnyRole({kTeacher, kOffice}));
  EXPECT_FALSE(office.HasAnyRole({}));
  EXPECT_FALSE(office.TrustWideRead());
  EXPECT_TRUE(office.CanRead("st-marys"));
  EXPECT_FALSE(office.CanRead("oakfield"));
  EXPECT_TRUE(office.CanActFor("st-marys"));
  EXPECT_FALSE(office.CanActFor("oakfield"));
  EXPECT_FALSE(office.CanRead(""));
}

TEST(Principal, TrustLeadersAndServicesReadEverywhereButActOnlyForTheirSchools) {
  for (const char* role : {"trust_leader", "service"}) {
    Principal p = Make({role}, {});
    EXPECT_TRUE(p.TrustWideRead()) << role;
    EXPECT_TRUE(p.CanRead("oakfield")) << role;
    EXPECT_FALSE(p.CanActFor("oakfield")) << role;
  }
  Principal admin = Make({"trust_admin"}, {});
  EXPECT_TRUE(admin.CanRead("oakfield"));
  EXPECT_TRUE(admin.CanActFor("oakfield"));
}

TEST(Principal, AnEmptySchoolIdInATokenMatchesNothing) {
  Principal p = Make({"office"}, {""});
  EXPECT_FALSE(p.CanRead(""));
  EXPECT_FALSE(p.CanActFor(""));
}

TEST(Tenancy, RequireReadDeniesOtherSchools) {
  Principal teacher = Make({"teacher"}, {"st-marys"});
  EXPECT_TRUE(RequireRead(teacher, "st-marys").ok());
  absl::Status denied = RequireRead(teacher, "oakfield");
  EXPECT_EQ(denied.code(), absl::StatusCode::kPermissionDenied);
  EXPECT_EQ(ErrorReason(denied), "WRONG_SCHOOL");
}

TEST(Tenancy, RequireActChecksTheSchoolBeforeTheRole) {
  Principal teacher = Make({"teacher"}, {"st-marys"});
  EXPECT_TRUE(RequireAct(teacher, "st-marys", {kTeacher, kOffice}).ok());
  EXPECT_TRUE(RequireAct(teacher, "st-marys", {}).ok());

  absl::Status role = RequireAct(teacher, "st-marys", {kDsl});
  EXPECT_EQ(role.code(), absl::StatusCode::kPermissionDenied);
  EXPECT_EQ(ErrorReason(role), "ROLE_REQUIRED");

  // Wrong school and wrong role: the school wins, so the answer is the same for every resource
  // of another school.
  absl::Status both = RequireAct(teacher, "oakfield", {kDsl});
  EXPECT_EQ(ErrorReason(both), "WRONG_SCHOOL");

  // Reading trust-wide is not acting.
  Principal leader = Make({"trust_leader"}, {});
  EXPECT_EQ(ErrorReason(RequireAct(leader, "st-marys", {kTrustLeader})), "WRONG_SCHOOL");
  Principal admin = Make({"trust_admin"}, {});
  EXPECT_TRUE(RequireAct(admin, "st-marys", {kTrustAdmin}).ok());
}

TEST(Tenancy, RequireRole) {
  Principal admin = Make({"trust_admin"}, {});
  EXPECT_TRUE(RequireRole(admin, {kTrustAdmin}).ok());
  absl::Status denied = RequireRole(Make({"office"}, {"st-marys"}), {kTrustAdmin, kTrustLeader});
  EXPECT_EQ(denied.code(), absl::StatusCode::kPermissionDenied);
  EXPECT_EQ(ErrorReason(denied), "ROLE_REQUIRED");
}

}  // namespace
}  // namespace parley::auth
