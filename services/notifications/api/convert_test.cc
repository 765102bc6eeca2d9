#include "services/notifications/api/convert.h"

#include "common/status/reason.h"
#include "common/version/version.h"
#include "gtest/gtest.h"

namespace parley::notifications {
namespace {

std::string ReasonOf(const absl::Status& s) { return std::string(ErrorReason(s)); }

TEST(ConvertNamesTest, NamesThatParseFormatBackToThemselves) {
  for (const std::string name : {"schools/st-marys/notices/n-1", "trust/notices/n00000000abcd"}) {
    auto ref = ParseNoticeName(name, "name");
    ASSERT_TRUE(ref.ok()) << name << " " << ref.status();
    EXPECT_EQ(NoticeName(*ref), name);
  }
  EXPECT_EQ(ParseNoticeName("trust/notices/n-1", "name")->scope, "");
  auto m = ParseMessageName("trust/notices/n-1/messages/7", "name");
  ASSERT_TRUE(m.ok());
  EXPECT_EQ(m->notice.id, "n-1");
  EXPECT_EQ(m->id, "7");
  EXPECT_EQ(MessageName(*m), "trust/notices/n-1/messages/7");
  auto t = ParseTemplateName("schools/st-marys/templates/escalation.acknowledgement", "name");
  ASSERT_TRUE(t.ok());
  EXPECT_EQ(t->first, "st-marys");
  EXPECT_EQ(TemplateName(t->first, t->second), "schools/st-marys/templates/escalation.acknowledgement");
  EXPECT_EQ(ParseTemplateName("trust/templates/newsletter", "name")->first, "");
  EXPECT_EQ(*ParsePreferencesName("guardians/g-1/preferences", "name"), "g-1");
  EXPECT_EQ(*ParseSettingsName("schools/st-marys/notificationSettings", "name"), "st-marys");
  auto b = ParseLetterBatchName("schools/st-marys/letterBatches/2025-11-04", "name");
  ASSERT_TRUE(b.ok());
  EXPECT_EQ(LetterBatchName(b->first, b->second), "schools/st-marys/letterBatches/2025-11-04");
  EXPECT_EQ(*ParseNoticeParent("trust", "parent"), "");
  EXPECT_EQ(*ParseNoticeParent("schools/st-marys", "parent"), "st-marys");
}

TEST(ConvertNamesTest, MalformedNamesAreInvalidName) {
  for (const std::string name :
       {"schools/st-marys/notices", "trust/notice/n-1", "schools/St Marys/notices/n-1", "guardians/g-1", ""}) {
    EXPECT_EQ(ReasonOf(ParseNoticeName(name, "name").status()), "INVALID_NAME") << name;
  }
  EXPECT_EQ(ReasonOf(ParseMessageName("trust/notices/n-1", "name").status()), "INVALID_NAME");
  EXPECT_EQ(ReasonOf(ParseTemplateName("trust/templates/Bad Id", "name").status()), "INVALID_NAME");
  EXPECT_EQ(ReasonOf(ParseLetterBatchName("schools/s/letterBatches/2025-02-30", "name").status()), "INVALID_NAME");
  EXPECT_EQ(ReasonOf(ParseNoticeParent("guardians/g-1", "parent").status()), "INVALID_NAME");
}

TEST(ConvertNoticeTest, TheAudiencesNamesBecomeIds) {
  v1::Notice in;
  in.set_category(v1::CATEGORY_TRIP);
  in.set_priority(v1::PRIORITY_IMPORTANT);
  v1::Audience* a = in.mutable_audience();
  a->set_kind(v1::AUDIENCE_KIND_PUPILS);
  a->add_schools("schools/st-marys");
  a->add_pupils("schools/st-marys/pupils/p-001");
  a->add_guardians("guardians/g-001");
  a->add_staff("schools/st-marys/staff/head");
  in.set_event_date("2025-12-10");
  in.set_name("schools/elsewhere/notices/ignored");  // output only
  in.set_recipient_count(99);
  auto r = NoticeFrom(in, "st-marys");
  ASSERT_TRUE(r.ok()) << r.status();
  EXPECT_EQ(r->sender.school_id, "st-marys");
  EXPECT_EQ(r->audience.school_ids, std::vector<std::string>{"st-marys"});
  EXPECT_EQ(r->audience.pupils[0], std::make_pair(std::string("st-marys"), std::string("p-001")));
  EXPECT_EQ(r->audience.guardian_ids, std::vector<std::string>{"g-001"});
  EXPECT_EQ(r->audience.staff[0], std::make_pair(std::string("st-marys"), std::string("head")));
  EXPECT_EQ(*r->event_date, absl::CivilDay(2025, 12, 10));

  Notice n;
  n.id = "n-1";
  n.request = *r;
  const v1::Notice out = ToProto(n);
  EXPECT_EQ(out.name(), "schools/st-marys/notices/n-1");
  EXPECT_EQ(out.audience().pupils(0), "schools/st-marys/pupils/p-001");
  EXPECT_EQ(out.event_date(), "2025-12-10");
  EXPECT_EQ(out.recipient_count(), 0);

  in.set_event_date("10/12/2025");
  EXPECT_EQ(ReasonOf(NoticeFrom(in, "st-marys").status()), "INVALID_FIELD");
}

TEST(ConvertSettingsTest, DigestTimeIsHoursAndMinutes) {
  v1::SchoolSettings in;
  in.set_digest_time("07:05");
  auto s = SettingsFrom(in, "st-marys");
  ASSERT_TRUE(s.ok());
  EXPECT_EQ(s->digest_time_of_day.hour(), 7);
  EXPECT_EQ(s->digest_time_of_day.minute(), 5);
  EXPECT_EQ(ToProto(*s).digest_time(), "07:05");
  for (const std::string bad : {"7:05", "24:00", "07:60", "0705", "+7:05", "07:5x"}) {
    in.set_digest_time(bad);
    EXPECT_EQ(ReasonOf(SettingsFrom(in, "st-marys").status()), "INVALID_FIELD") << bad;
  }
}

TEST(ConvertStatsTest, ReachIsTheShareOfGuardianCopiesReached) {
  SchoolFigures f;
  f.all.guardian_copies = 4;
  f.all.guardian_copies_reached = 3;
  f.by_channel[DeliveryChannel::kEmail].guardian_copies = 0;
  v1::SchoolStats out;
  FillStats(f, &out);
  EXPECT_DOUBLE_EQ(out.all().reach(), 0.75);
  ASSERT_EQ(out.by_channel_size(), 1);
  EXPECT_DOUBLE_EQ(out.by_channel(0).figures().reach(), 0.0);
}

TEST(ConvertStatsTest, TimesToSendAndTheReleaseAreCarried) {
  SchoolFigures f;
  f.all.median_seconds_to_send = 12.5;
  f.all.p90_seconds_to_send = 47.25;
  f.by_category[Category::kEmergency].median_seconds_to_send = 3;
  f.by_category[Category::kEmergency].p90_seconds_to_send = 8.5;
  v1::SchoolStats out;
  FillStats(f, &out);
  EXPECT_DOUBLE_EQ(out.all().median_seconds_to_send(), 12.5);
  EXPECT_DOUBLE_EQ(out.all().p90_seconds_to_send(), 47.25);
  ASSERT_EQ(out.by_category_size(), 1);
  EXPECT_EQ(out.by_category(0).category(), v1::CATEGORY_EMERGENCY);
  EXPECT_DOUBLE_EQ(out.by_category(0).figures().median_seconds_to_send(), 3);
  EXPECT_DOUBLE_EQ(out.by_category(0).figures().p90_seconds_to_send(), 8.5);
  EXPECT_FALSE(out.version().empty());
  EXPECT_EQ(out.version(), BuildVersion());
}

}  // namespace
}  // namespace parley::notifications
