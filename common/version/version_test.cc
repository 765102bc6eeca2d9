#include "common/version/version.h"

#include <string>

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "gtest/gtest.h"

namespace parley {
namespace {

TEST(BuildVersion, IsTheProjectVersionPlusTheGitShortHash) {
  const absl::string_view v = BuildVersion();
  const std::string prefix = absl::StrCat(PARLEY_TEST_PROJECT_VERSION, "+");
  ASSERT_TRUE(absl::StartsWith(v, prefix)) << v;
  const absl::string_view hash = v.substr(prefix.size());
  if (hash == "unknown") return;  // built outside a git checkout
  EXPECT_GE(hash.size(), 4u) << v;
  for (char c : hash) EXPECT_TRUE(absl::ascii_isxdigit(c) && !absl::ascii_isupper(c)) << v;
}

TEST(BuildVersion, IsTheSameOnEveryCall) { EXPECT_EQ(BuildVersion().data(), BuildVersion().data()); }

}  // namespace
}  // namespace parley
