#include "common/config/env.h"

#include <map>

#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace parley {
namespace {

using ::testing::AllOf;
using ::testing::HasSubstr;
using ::testing::Not;

EnvReader ReaderFor(std::map<std::string, std::string> vars) {
  return EnvReader([vars](absl::string_view name) -> std::optional<std::string> {
    auto it = vars.find(std::string(name));
    if (it == vars.end()) return std::nullopt;
    return it->second;
  });
}

TEST(EnvReader, ReadsTypedValuesAndFallbacks) {
  EnvReader env =
      ReaderFor({{"PORT", "8080"}, {"DEBUG", "yes"}, {"WAIT", "1m30s"}, {"NAMES", " a, ,b "}, {"DSN", "host=x"}});
  EXPECT_EQ(env.Int("PORT", 1, 0, 65535), 8080);
  EXPECT_EQ(env.Int("MISSING", 7, 0, 10), 7);
  EXPECT_TRUE(env.Bool("DEBUG", false));
  EXPECT_EQ(env.Duration("WAIT", absl::Seconds(1)), absl::Seconds(90));
  EXPECT_EQ(env.List("NAMES"), (std::vector<std::string>{"a", "b"}));
  EXPECT_EQ(env.Required("DSN"), "host=x");
  EXPECT_EQ(env.String("OTHER", "dflt"), "dflt");
  EXPECT_EQ(env.Name("NS_MISSING", "parley"), "parley");
  EXPECT_TRUE(env.Finish().ok());
  EXPECT_EQ(ReaderFor({{"NS", "e2e-41.run_2"}}).Name("NS", "parley"), "e2e-41.run_2");
}

TEST(EnvReader, ReportsEveryBadVariableByNameWithoutItsValue) {
  EnvReader env = ReaderFor(
      {{"PORT", "80x80"}, {"DEBUG", "perhaps"}, {"LIMIT", "99"}, {"WAIT", "soon"}, {"BLANK", "  "}, {"NS", "a b:c"}});
  env.Name("NS", "parley");
  env.Int("PORT", 1, 0, 65535);
  env.Bool("DEBUG", false);
  env.Int("LIMIT", 1, 0, 10);
  env.Duration("WAIT", absl::Seconds(1));
  env.Required("BLANK");
  absl::Status status = env.Finish();
  EXPECT_EQ(status.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(status.message(),
              AllOf(HasSubstr("PORT"), HasSubstr("DEBUG"), HasSubstr("LIMIT"), HasSubstr("WAIT"), HasSubstr("BLANK"),
                    HasSubstr("NS"), Not(HasSubstr("80x80")), Not(HasSubstr("perhaps")), Not(HasSubstr("a b:c"))));
}

}  // namespace
}  // namespace parley
