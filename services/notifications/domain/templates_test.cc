#include "services/notifications/domain/templates.h"

#include "common/status/reason.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace parley::notifications {
namespace {

using ::testing::ElementsAre;

Template Newsletter() {
  Template t;
  t.id = "newsletter.weekly";
  t.category = Category::kNewsletter;
  t.variables = {"week"};
  t.variants = {{"en", "Week {{week}} at {{school_name}}", "Dear {{recipient_name}}, news about {{pupil_names}}.", ""},
                {"pl", "Tydzień {{week}}", "Szanowni Państwo, {{ pupil_names }}.", ""}};
  return t;
}

TEST(Templates, PlaceholdersAreFoundAndMalformedOnesRefused) {
  auto names = Placeholders("a {{x}} b {{ y_2 }} {{x}}");
  ASSERT_TRUE(names.ok());
  EXPECT_THAT(*names, ElementsAre("x", "y_2", "x"));
  EXPECT_EQ(ErrorReason(Placeholders("a {{x").status()), reason::kTemplateInvalid);
  EXPECT_EQ(ErrorReason(Placeholders("a {{X-1}}").status()), reason::kTemplateInvalid);
}

TEST(Templates, ASavedTemplateMayUseOnlyDeclaredOrBuiltinVariables) {
  EXPECT_TRUE(ValidateTemplate(Newsletter()).ok());
  Template t = Newsletter();
  t.variants[1].body += " {{trip_cost}}";
  const absl::Status s = ValidateTemplate(t);
  EXPECT_EQ(ErrorReason(s), reason::kTemplateInvalid);
  EXPECT_THAT(std::string(s.message()), ::testing::HasSubstr("trip_cost"));

  t = Newsletter();
  t.variants.push_back(t.variants[0]);
  EXPECT_EQ(ErrorReason(ValidateTemplate(t)), reason::kTemplateInvalid);  // two "en"
  t = Newsletter();
  t.id = "Bad Id";
  EXPECT_EQ(ErrorReason(ValidateTemplate(t)), reason::kTemplateInvalid);
  t = Newsletter();
  t.variables = {"pupil_names"};
  EXPECT_EQ(ErrorReason(ValidateTemplate(t)), reason::kTemplateInvalid);
}

TEST(Templates, ANoticeMustGiveEveryDeclaredVariable) {
  EXPECT_TRUE(CheckVariables(Newsletter(), {{"week", "12"}}).ok());
  const absl::Status missing = CheckVariables(Newsletter(), {{"wek", "12"}});
  EXPECT_EQ(missing.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(ErrorReason(missing), reason::kTemplateVariableMissing);
  EXPECT_THAT(std::string(missing.message()), ::testing::HasSubstr("\"week\""));
  EXPECT_EQ(ErrorReason(CheckVariables(Newsletter(), {{"week", std::string(2001, 'x')}})),
            reason::kTemplateVariableMissing);
}

TEST(Templates, RenderFillsEveryPlaceholder) {
  EXPECT_EQ(Render("Dear {{recipient_name}}, {{ pupil_names }} {{week}}.",
                   {{"recipient_name", "Mrs K. Nowak"}, {"pupil_names", "Amelia"}, {"week", "12"}}),
            "Dear Mrs K. Nowak, Amelia 12.");
  EXPECT_EQ(Render("no placeholders", {}), "no placeholders");
}

TEST(Templates, LocaleChoice) {
  bool fell_back = true;
  EXPECT_EQ(ChooseLocale({"en", "pl"}, "pl", "en", &fell_back), "pl");
  EXPECT_FALSE(fell_back);
  EXPECT_EQ(ChooseLocale({"en", "pt"}, "pt-BR", "en", &fell_back), "pt");
  EXPECT_FALSE(fell_back);
  EXPECT_EQ(ChooseLocale({"en", "ur"}, "pl", "en", &fell_back), "en");
  EXPECT_TRUE(fell_back);
  EXPECT_EQ(ChooseLocale({"cy", "en"}, "", "cy", &fell_back), "cy");
  EXPECT_FALSE(fell_back);
  EXPECT_EQ(ChooseLocale({"fr"}, "pl", "en", &fell_back), "fr");
}

}  // namespace
}  // namespace parley::notifications
