#include "common/log/log.h"

#include <string>
#include <vector>

#include "gtest/gtest.h"

namespace parley::log {
namespace {

std::vector<std::string>& Lines() {
  static std::vector<std::string> lines;
  return lines;
}

class LogTest : public ::testing::Test {
 protected:
  void SetUp() override {
    Lines().clear();
    SetSinkForTesting([](std::string_view line) { Lines().emplace_back(line); });
    SetService("test-svc");
    SetMinLevel(Level::kInfo);
  }
  void TearDown() override { SetSinkForTesting(nullptr); }
};

TEST_F(LogTest, WritesOneJsonObjectPerLine) {
  Info("rpc", {{"method", "/x/Y"}, {"code", 0}});
  ASSERT_EQ(Lines().size(), 1u);
  EXPECT_EQ(Lines()[0].find('\n'), std::string::npos);
  nlohmann::json parsed = nlohmann::json::parse(Lines()[0]);
  EXPECT_EQ(parsed["level"], "info");
  EXPECT_EQ(parsed["service"], "test-svc");
  EXPECT_EQ(parsed["event"], "rpc");
  EXPECT_EQ(parsed["method"], "/x/Y");
  EXPECT_EQ(parsed["code"], 0);
  EXPECT_TRUE(parsed.contains("ts"));
}

TEST_F(LogTest, FieldsCannotOverwriteTheEnvelope) {
  Warning("x", {{"level", "debug"}, {"event", "other"}});
  nlohmann::json parsed = nlohmann::json::parse(Lines().at(0));
  EXPECT_EQ(parsed["level"], "warning");
  EXPECT_EQ(parsed["event"], "x");
}

TEST_F(LogTest, DropsLinesBelowTheMinimumLevel) {
  Debug("noise");
  SetMinLevel(Level::kError);
  Info("also-noise");
  Error("kept");
  ASSERT_EQ(Lines().size(), 1u);
  EXPECT_EQ(nlohmann::json::parse(Lines()[0])["event"], "kept");
}

TEST_F(LogTest, EnabledSaysWhatWriteWouldDrop) {
  SetMinLevel(Level::kInfo);
  EXPECT_FALSE(Enabled(Level::kDebug));
  EXPECT_TRUE(Enabled(Level::kInfo));
  EXPECT_TRUE(Enabled(Level::kError));
  SetMinLevel(Level::kDebug);
  EXPECT_TRUE(Enabled(Level::kDebug));
}

TEST(LogLevel, Parses) {
  Level level;
  EXPECT_TRUE(ParseLevel("warning", &level));
  EXPECT_EQ(level, Level::kWarning);
  EXPECT_FALSE(ParseLevel("loud", &level));
}

}  // namespace
}  // namespace parley::log
