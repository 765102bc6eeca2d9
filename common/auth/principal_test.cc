#include "common/auth/principal.h"

#include "gtest/gtest.h"

namespace parley::auth {
namespace {

Principal Make(std::vector<std::string> roles, std::vector<std::string> schools) {
  return Principal{"user-1", std::move(roles), std::move(schools)};
}

TEST(Principal, Roles) {
  const Principal office = Make({"office", "teacher"}, {"st-marys"});
  EXPECT_TRUE(office.HasRole(kOffice));
  EXPECT_FALSE(office.HasRole(kDsl));
  EXPECT_TRUE(office.HasAnyRole({kDsl, kTeacher}));
  EXPECT_FALSE(office.HasAnyRole({kDsl, kTrustAdmin}));
  EXPECT_FALSE(office.HasAnyRole({}));
}

TEST(Principal, TrustLeadersAdminsAndServicesReadTheWholeTrust) {
  for (absl::string_view role : {kTrustLeader, kTrustAdmin, kService}) {
    EXPECT_TRUE(Make({std::string(role)}, {}).TrustWideRead()) << role;
  }
  for (absl::string_view role : {kOffice, kTeacher, kSeniorLeader, kDsl, kGuardian}) {
    EXPECT_FALSE(Make({std::string(role)}, {"st-marys"}).TrustWideRead()) << role;
  }
}

}  // namespace
}  // namespace parley::auth
