#include "common/text/utf8.h"

#include <string>

#include "gtest/gtest.h"

namespace parley::text {
namespace {

TEST(Utf8Length, CountsCodePointsNotBytes) {
  EXPECT_EQ(Utf8Length(""), 0u);
  EXPECT_EQ(Utf8Length("plain ascii"), 11u);
  EXPECT_EQ(Utf8Length("\xc5\x81\xc3\xb3\x64\xc5\xba"), 4u);                     // Łódź
  EXPECT_EQ(Utf8Length("\xc3\xa9t\xc3\xa9 \xe2\x82\xac \xf0\x9f\x98\x80"), 7u);  // été € 😀
}

TEST(Utf8Length, RefusesWhatIsNotUtf8) {
  EXPECT_FALSE(Utf8Length("\xc0\xaf").has_value());          // overlong '/'
  EXPECT_FALSE(Utf8Length("\xed\xa0\x80").has_value());      // a UTF-16 surrogate
  EXPECT_FALSE(Utf8Length("\xf4\x90\x80\x80").has_value());  // beyond U+10FFFF
  EXPECT_FALSE(Utf8Length("\xe2\x82").has_value());          // cut short
  EXPECT_FALSE(Utf8Length("\x80").has_value());              // a lone continuation byte
  EXPECT_FALSE(Utf8Length("\xff").has_value());
}

TEST(IsStorableText, RefusesNulAsWellAsBadUtf8) {
  EXPECT_TRUE(IsStorableText("\xc3\xa9t\xc3\xa9"));
  EXPECT_FALSE(IsStorableText(std::string("a\0b", 3)));
  EXPECT_FALSE(IsStorableText("\xc0\xaf"));
}

}  // namespace
}  // namespace parley::text
