#include "services/notifications/domain/planning.h"

#include <algorithm>

#include "absl/time/civil_time.h"
#include "common/calendar/testing/school_calendars.h"
#include "common/status/reason.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "services/contacts/testing/sample_directory.h"

namespace parley::notifications {
namespace {

using ::testing::ElementsAre;
using ::testing::IsEmpty;
using ::testing::UnorderedElementsAre;

constexpr char kSchool[] = "st-marys";
const absl::TimeZone& kLondon = calendar::testdata::London();

absl::Time London(int y, int mo, int d, int h, int mi = 0) { return calendar::testdata::LondonTime(y, mo, d, h, mi); }

directory::Guardian Guardian(const std::string& id, std::vector<directory::ContactKind> kinds,
                             directory::Channel preferred = directory::Channel::kEmail) {
  directory::Guardian g;
  g.id = id;
  g.preferred_channel = preferred;
  for (auto k : kinds) g.contact_points.push_back(directory::ContactPoint{k, ""});
  return g;
}

directory::PupilLink Link(const std::string& pupil, bool pr = true) {
  return directory::PupilLink{kSchool, pupil, "parent", pr, std::nullopt};
}

class PlanningTest : public ::testing::Test {
 protected:
  PlanningTest() {
    dir_.schools[kSchool] = contacts::testing::SampleSchool(kSchool);
    dir_.schools[kSchool].school.default_locale = "en";
  }

  void AddGuardian(directory::Guardian g) { dir_.guardians[g.id] = std::move(g); }

  absl::StatusOr<Plan> Run(const NoticeRequest& request, absl::Time now = London(2025, 11, 4, 10),
                           std::vector<std::string> locales = {"en"}) {
    auto snap = directory::Snapshot::Build(1, dir_);
    if (!snap.ok()) return snap.status();
    snapshot_ = *snap;
    SchoolContext ctx{snapshot_, snapshot_->FindSchool(kSchool), settings_};
    return PlanNotice(
        request, {ctx},
        [this](const std::string& id) -> const Preferences* {
          auto it = prefs_.find(id);
          return it == prefs_.end() ? nullptr : &it->second;
        },
        locales, now);
  }

  // A trust notice over every school in `dir_`, in the order given.
  absl::StatusOr<Plan> RunTrust(const NoticeRequest& request, const std::vector<std::string>& school_ids) {
    auto snap = directory::Snapshot::Build(1, dir_);
    if (!snap.ok()) return snap.status();
    snapshot_ = *snap;
    std::vector<SchoolContext> schools;
    for (const std::string& id : school_ids) schools.push_back({snapshot_, snapshot_->FindSchool(id), settings_});
    return PlanNotice(
        request, schools, [](const std::string&) -> const Preferences* { return nullptr; }, {"en"},
        London(2025, 11, 4, 10));
  }

  static NoticeRequest SchoolNotice(Category category, Priority priority) {
    NoticeRequest r;
    r.sender.school_id = kSchool;
    r.category = category;
    r.priority = priority;
    r.audience.kind = AudienceKind::kSchool;
    return r;
  }

  const Message* CopyFor(const Plan& plan, const std::string& recipient) {
    for (const Message& m : plan.copies) {
      if (m.recipient_id == recipient) return &m;
    }
    return nullptr;
  }

  static std::vector<DeliveryChannel> Channels(const Message& m) {
    std::vector<DeliveryChannel> out;
    for (const Delivery& d : m.deliveries) out.push_back(d.channel);
    return out;
  }

  directory::Directory dir_;
  std::shared_ptr<const directory::Snapshot> snapshot_;
  SchoolSettings settings_;
  std::map<std::string, Preferences> prefs_;
};

TEST_F(PlanningTest, SeparatedParentsWhoAskedGetTheirOwnCopyAndEachCopyNamesAllTheirChildren) {
  auto mum = Guardian("g-mum", {directory::ContactKind::kEmail});
  mum.pupils = {Link("p-001"), Link("p-002")};
  auto dad = Guardian("g-dad", {directory::ContactKind::kEmail});
  dad.lives_apart = true;
  dad.separate_copies = true;
  dad.pupils = {Link("p-001")};
  AddGuardian(mum);
  AddGuardian(dad);
  auto plan = Run(SchoolNotice(Category::kNewsletter, Priority::kRoutine));
  ASSERT_TRUE(plan.ok()) << plan.status();
  ASSERT_EQ(plan->copies.size(), 2u);
  EXPECT_THAT(CopyFor(*plan, "g-mum")->pupil_ids, ElementsAre("p-001", "p-002"));
  EXPECT_THAT(CopyFor(*plan, "g-dad")->pupil_ids, ElementsAre("p-001"));
}

TEST_F(PlanningTest, AParentLivingApartWhoDidNotAskHearsThroughTheResidentParentOnly) {
  auto mum = Guardian("g-mum", {directory::ContactKind::kEmail});
  mum.pupils = {Link("p-001")};
  auto dad = Guardian("g-dad", {directory::ContactKind::kEmail});
  dad.lives_apart = true;
  dad.pupils = {Link("p-001")};
  AddGuardian(mum);
  AddGuardian(dad);
  auto plan = Run(SchoolNotice(Category::kNewsletter, Priority::kRoutine));
  ASSERT_TRUE(plan.ok()) << plan.status();
  ASSERT_EQ(plan->copies.size(), 1u);
  EXPECT_EQ(plan->copies[0].recipient_id, "g-mum");
}

TEST_F(PlanningTest, SeparatedParentsBothLivingApartTheOneWhoAskedDoesNotTakeTheOthersCopy) {
  auto mum = Guardian("g-mum", {directory::ContactKind::kEmail});
  mum.lives_apart = true;
  mum.pupils = {Link("p-001")};
  auto dad = mum;
  dad.id = "g-dad";
  dad.separate_copies = true;
  AddGuardian(mum);
  AddGuardian(dad);
  auto plan = Run(SchoolNotice(Category::kNewsletter, Priority::kRoutine));
  ASSERT_TRUE(plan.ok());
  EXPECT_EQ(plan->copies.size(), 2u);

  dir_.guardians["g-dad"].separate_copies = false;  // nobody asked: the first listed hears
  auto one = Run(SchoolNotice(Category::kNewsletter, Priority::kRoutine));
  ASSERT_TRUE(one.ok());
  ASSERT_EQ(one->copies.size(), 1u);
  EXPECT_EQ(one->copies[0].recipient_id, "g-dad");  // guardians are listed in id order
}

TEST_F(PlanningTest, ACourtOrderExcludesTheGuardianForThatPupilOnly) {
  auto dad = Guardian("g-dad", {directory::ContactKind::kEmail});
  directory::CourtOrder order;
  order.no_information = true;
  dad.pupils = {Link("p-001"), Link("p-002")};
  dad.pupils[0].court_order = order;
  AddGuardian(dad);
  auto plan = Run(SchoolNotice(Category::kNewsletter, Priority::kRoutine));
  ASSERT_TRUE(plan.ok()) << plan.status();
  ASSERT_EQ(plan->copies.size(), 1u);
  EXPECT_THAT(plan->copies[0].pupil_ids, ElementsAre("p-002"));

  // A notice about p-001 alone reaches nobody; an expired order no longer excludes.
  NoticeRequest about = SchoolNotice(Category::kTrip, Priority::kImportant);
  about.audience.kind = AudienceKind::kPupils;
  about.audience.pupils = {{kSchool, "p-001"}};
  auto none = Run(about);
  ASSERT_TRUE(none.ok());
  EXPECT_THAT(none->copies, IsEmpty());
  dir_.guardians["g-dad"].pupils[0].court_order->until = absl::CivilDay(2025, 11, 3);
  auto after = Run(about);
  ASSERT_TRUE(after.ok());
  EXPECT_EQ(after->copies.size(), 1u);
}

TEST_F(PlanningTest, GuardiansWithoutParentalResponsibilityAreLeftOut) {
  auto gran = Guardian("g-gran", {directory::ContactKind::kEmail});
  gran.pupils = {Link("p-001", /*pr=*/false)};
  AddGuardian(gran);
  auto plan = Run(SchoolNotice(Category::kNewsletter, Priority::kRoutine));
  ASSERT_TRUE(plan.ok());
  EXPECT_THAT(plan->copies, IsEmpty());
}

TEST_F(PlanningTest, AHouseholdOnLettersGetsOneLetterButNotWhenOneAskedForSeparateCopies) {
  auto a = Guardian("g-a", {directory::ContactKind::kPostal}, directory::Channel::kLetter);
  a.household = "h-1";
  a.pupils = {Link("p-001")};
  auto b = a;
  b.id = "g-b";
  b.pupils = {Link("p-002")};
  AddGuardian(a);
  AddGuardian(b);
  auto plan = Run(SchoolNotice(Category::kNewsletter, Priority::kImportant));
  ASSERT_TRUE(plan.ok());
  ASSERT_EQ(plan->copies.size(), 1u);
  EXPECT_EQ(plan->copies[0].recipient_id, "g-a");
  EXPECT_THAT(plan->copies[0].household_members, ElementsAre("g-b"));
  EXPECT_THAT(plan->copies[0].pupil_ids, UnorderedElementsAre("p-001", "p-002"));

  dir_.guardians["g-b"].separate_copies = true;
  auto separate = Run(SchoolNotice(Category::kNewsletter, Priority::kImportant));
  ASSERT_TRUE(separate.ok());
  EXPECT_EQ(separate->copies.size(), 2u);
}

TEST_F(PlanningTest, RoutineNoticesDoNotGoBySmsUnlessTheSchoolAllowsIt) {
  auto g = Guardian("g-1", {directory::ContactKind::kMobile, directory::ContactKind::kEmail}, directory::Channel::kSms);
  g.pupils = {Link("p-001")};
  AddGuardian(g);
  auto plan = Run(SchoolNotice(Category::kNewsletter, Priority::kRoutine));
  ASSERT_TRUE(plan.ok());
  EXPECT_THAT(Channels(plan->copies[0]), ElementsAre(DeliveryChannel::kEmail));

  dir_.schools[kSchool].school.policy.sms_policy = directory::SmsPolicy::kAny;
  auto allowed = Run(SchoolNotice(Category::kNewsletter, Priority::kRoutine));
  ASSERT_TRUE(allowed.ok());
  EXPECT_THAT(Channels(allowed->copies[0]), ElementsAre(DeliveryChannel::kSms));
  EXPECT_THAT(allowed->copies[0].fallbacks, ElementsAre(DeliveryChannel::kEmail));
}

TEST_F(PlanningTest, EmergencyGoesOnEveryFastChannelWhateverThePreferences) {
  auto g = Guardian("g-1", {directory::ContactKind::kMobile, directory::ContactKind::kEmail,
                            directory::ContactKind::kApp, directory::ContactKind::kPostal});
  g.pupils = {Link("p-001")};
  AddGuardian(g);
  Preferences off;
  for (auto c : {DeliveryChannel::kApp, DeliveryChannel::kEmail, DeliveryChannel::kSms}) {
    off.entries.push_back(ChannelPreference{Category::kClosure, c, DeliveryMode::kOff});
  }
  prefs_["g-1"] = off;
  const absl::Time now = London(2025, 11, 8, 6);  // a Saturday, early
  auto plan = Run(SchoolNotice(Category::kClosure, Priority::kEmergency), now);
  ASSERT_TRUE(plan.ok());
  EXPECT_THAT(Channels(plan->copies[0]),
              ElementsAre(DeliveryChannel::kApp, DeliveryChannel::kEmail, DeliveryChannel::kSms));
  for (const Delivery& d : plan->copies[0].deliveries) EXPECT_EQ(d.due, now);

  // The same preferences switch a routine closure notice off on those channels: a letter goes.
  auto routine = Run(SchoolNotice(Category::kClosure, Priority::kRoutine), now);
  ASSERT_TRUE(routine.ok());
  EXPECT_THAT(Channels(routine->copies[0]), ElementsAre(DeliveryChannel::kLetter));
}

TEST_F(PlanningTest, ARoutineEmailWaitsBehindTheAppCopyAnImportantOneDoesNot) {
  auto g =
      Guardian("g-1", {directory::ContactKind::kApp, directory::ContactKind::kEmail, directory::ContactKind::kPostal},
               directory::Channel::kAppMessage);
  g.pupils = {Link("p-001")};
  AddGuardian(g);
  const absl::Time now = London(2025, 11, 4, 10);
  auto routine = Run(SchoolNotice(Category::kNewsletter, Priority::kRoutine), now);
  ASSERT_TRUE(routine.ok());
  const Message& m = routine->copies[0];
  ASSERT_THAT(Channels(m), ElementsAre(DeliveryChannel::kApp, DeliveryChannel::kEmail));
  EXPECT_EQ(m.deliveries[0].due, now);
  EXPECT_EQ(m.deliveries[1].due, now + absl::Hours(2));
  EXPECT_TRUE(m.deliveries[1].unless_read);
  EXPECT_THAT(m.fallbacks, ElementsAre(DeliveryChannel::kLetter));

  auto important = Run(SchoolNotice(Category::kNewsletter, Priority::kImportant), now);
  ASSERT_TRUE(important.ok());
  EXPECT_EQ(important->copies[0].deliveries[1].due, now);
  EXPECT_FALSE(important->copies[0].deliveries[1].unless_read);
}

TEST_F(PlanningTest, ADigestPreferenceWaitsForTheSchoolsDigestTimeAcrossTheClockChange) {
  auto g = Guardian("g-1", {directory::ContactKind::kEmail});
  g.pupils = {Link("p-001")};
  AddGuardian(g);
  Preferences digest;
  digest.entries.push_back(ChannelPreference{Category::kNewsletter, DeliveryChannel::kEmail, DeliveryMode::kDigest});
  prefs_["g-1"] = digest;
  // Saturday 28 March 2026 is GMT; Sunday 29 March is BST: 17:00 local is 17:00 and 16:00 UTC.
  auto sat = Run(SchoolNotice(Category::kNewsletter, Priority::kRoutine), London(2026, 3, 28, 18));
  ASSERT_TRUE(sat.ok());
  EXPECT_EQ(sat->copies[0].deliveries[0].status, DeliveryStatus::kInDigest);
  EXPECT_EQ(sat->copies[0].deliveries[0].due,
            absl::FromCivil(absl::CivilMinute(2026, 3, 29, 16, 0), absl::UTCTimeZone()));
  auto fri = Run(SchoolNotice(Category::kNewsletter, Priority::kRoutine), London(2026, 3, 27, 9));
  ASSERT_TRUE(fri.ok());
  EXPECT_EQ(fri->copies[0].deliveries[0].due,
            absl::FromCivil(absl::CivilMinute(2026, 3, 27, 17, 0), absl::UTCTimeZone()));
  // Other categories stay instant.
  auto trip = Run(SchoolNotice(Category::kTrip, Priority::kRoutine), London(2026, 3, 27, 9));
  ASSERT_TRUE(trip.ok());
  EXPECT_EQ(trip->copies[0].deliveries[0].status, DeliveryStatus::kPending);
}

TEST_F(PlanningTest, AGuardianWhoseLanguageHasNoVariantGetsTheSchoolDefaultAndTheFallbackIsCounted) {
  auto pl = Guardian("g-pl", {directory::ContactKind::kEmail});
  pl.language = "pl";
  pl.pupils = {Link("p-001")};
  auto ur = Guardian("g-ur", {directory::ContactKind::kEmail});
  ur.language = "ur-PK";
  ur.pupils = {Link("p-002")};
  AddGuardian(pl);
  AddGuardian(ur);
  auto plan = Run(SchoolNotice(Category::kNewsletter, Priority::kRoutine), London(2025, 11, 4, 10), {"en", "ur"});
  ASSERT_TRUE(plan.ok());
  EXPECT_EQ(CopyFor(*plan, "g-pl")->locale, "en");
  EXPECT_EQ(CopyFor(*plan, "g-ur")->locale, "ur");
  auto w = std::find_if(plan->warnings.begin(), plan->warnings.end(),
                        [](const Warning& w) { return w.code == "LOCALE_FALLBACK"; });
  ASSERT_NE(w, plan->warnings.end());
  EXPECT_EQ(w->count, 1);
}

TEST_F(PlanningTest, StaffNoticesWaitForTheMembersWorkingTimeUnlessUrgent) {
  NoticeRequest r = SchoolNotice(Category::kEscalation, Priority::kImportant);
  r.audience.kind = AudienceKind::kStaff;
  r.audience.staff = {{kSchool, "ash-teacher"}};  // works Monday to Wednesday
  const absl::Time thursday = London(2025, 11, 6, 10);
  auto plan = Run(r, thursday);
  ASSERT_TRUE(plan.ok()) << plan.status();
  ASSERT_EQ(plan->copies.size(), 1u);
  EXPECT_EQ(plan->copies[0].recipient_kind, RecipientKind::kStaff);
  EXPECT_EQ(plan->copies[0].deliveries[0].due, London(2025, 11, 10, 8, 45));  // Monday's opening

  r.priority = Priority::kEmergency;
  auto urgent = Run(r, thursday);
  ASSERT_TRUE(urgent.ok());
  EXPECT_EQ(urgent->copies[0].deliveries[0].due, thursday);
}

TEST_F(PlanningTest, AnExternalContactGetsAnEmailAtOnceAndAnUnknownOneIsRefused) {
  NoticeRequest r = SchoolNotice(Category::kEscalation, Priority::kImportant);
  r.audience.kind = AudienceKind::kStaff;
  r.audience.external_contacts = {{kSchool, "county-lado"}};  // the sample school's county team
  const absl::Time saturday = London(2025, 11, 8, 9);
  auto plan = Run(r, saturday);
  ASSERT_TRUE(plan.ok()) << plan.status();
  ASSERT_EQ(plan->copies.size(), 1u);
  EXPECT_EQ(plan->copies[0].recipient_kind, RecipientKind::kExternal);
  EXPECT_EQ(plan->copies[0].recipient_id, "county-lado");
  EXPECT_THAT(Channels(plan->copies[0]), ElementsAre(DeliveryChannel::kEmail));
  EXPECT_EQ(plan->copies[0].deliveries[0].due, saturday);

  r.audience.external_contacts = {{kSchool, "nobody"}};
  EXPECT_EQ(ErrorReason(Run(r).status()), reason::kAudienceInvalid);
}

TEST_F(PlanningTest, StaffByRole) {
  NoticeRequest r = SchoolNotice(Category::kMeeting, Priority::kRoutine);
  r.audience.kind = AudienceKind::kStaff;
  r.audience.staff_roles = {"office"};
  auto plan = Run(r);
  ASSERT_TRUE(plan.ok());
  std::vector<std::string> who;
  for (const Message& m : plan->copies) who.push_back(m.recipient_id);
  EXPECT_THAT(who, UnorderedElementsAre("office", "finance"));
}

TEST_F(PlanningTest, AnEventInsideTheNoticePeriodIsAcceptedWithAWarning) {
  auto g = Guardian("g-1", {directory::ContactKind::kEmail});
  g.pupils = {Link("p-001")};
  AddGuardian(g);
  NoticeRequest r = SchoolNotice(Category::kEvent, Priority::kRoutine);
  r.event_date = absl::CivilDay(2025, 11, 14);  // 10 days ahead; the policy asks for 14
  auto plan = Run(r);
  ASSERT_TRUE(plan.ok());
  EXPECT_TRUE(plan->short_notice);
  EXPECT_EQ(plan->warnings.front().code, "SHORT_NOTICE");
  r.event_date = absl::CivilDay(2025, 11, 18);
  auto enough = Run(r);
  ASSERT_TRUE(enough.ok());
  EXPECT_FALSE(enough->short_notice);
}

TEST_F(PlanningTest, YearGroupsClassesAndUnknownNames) {
  auto g1 = Guardian("g-1", {directory::ContactKind::kEmail});
  g1.pupils = {Link("p-001")};  // year 4, Oak
  auto g2 = Guardian("g-2", {directory::ContactKind::kEmail});
  g2.pupils = {Link("p-002")};  // year 1, Ash
  AddGuardian(g1);
  AddGuardian(g2);
  NoticeRequest r = SchoolNotice(Category::kTrip, Priority::kRoutine);
  r.audience.kind = AudienceKind::kYearGroups;
  r.audience.year_groups = {4};
  auto year = Run(r);
  ASSERT_TRUE(year.ok());
  ASSERT_EQ(year->copies.size(), 1u);
  EXPECT_EQ(year->copies[0].recipient_id, "g-1");

  r.audience.kind = AudienceKind::kClasses;
  r.audience.classes = {"Ash"};
  auto cls = Run(r);
  ASSERT_TRUE(cls.ok());
  ASSERT_EQ(cls->copies.size(), 1u);
  EXPECT_EQ(cls->copies[0].recipient_id, "g-2");

  r.audience.classes = {"Willow"};
  EXPECT_EQ(ErrorReason(Run(r).status()), reason::kAudienceInvalid);
  r.audience.kind = AudienceKind::kPupils;
  r.audience.pupils = {{kSchool, "p-404"}};
  EXPECT_EQ(ErrorReason(Run(r).status()), reason::kAudienceInvalid);
  r.audience.kind = AudienceKind::kGuardians;
  r.audience.pupils.clear();
  r.audience.guardian_ids = {"g-404"};
  EXPECT_EQ(ErrorReason(Run(r).status()), reason::kAudienceInvalid);
}

TEST_F(PlanningTest, ANoticeToOneGuardianNamesOnlyThePupilsItIsAbout) {
  auto g = Guardian("g-1", {directory::ContactKind::kEmail});
  g.pupils = {Link("p-001"), Link("p-002")};
  AddGuardian(g);
  NoticeRequest r = SchoolNotice(Category::kEscalation, Priority::kImportant);
  r.audience.kind = AudienceKind::kGuardians;
  r.audience.guardian_ids = {"g-1"};
  r.audience.pupils = {{kSchool, "p-002"}};
  auto plan = Run(r);
  ASSERT_TRUE(plan.ok()) << plan.status();
  ASSERT_EQ(plan->copies.size(), 1u);
  EXPECT_THAT(plan->copies[0].pupil_ids, ElementsAre("p-002"));
}

TEST_F(PlanningTest, ATrustNoticeGivesAGuardianWithChildrenAtTwoSchoolsOneCopyNamingBoth) {
  constexpr char kOther[] = "oakfield";
  dir_.schools[kOther] = contacts::testing::SampleSchool(kOther);
  auto both = Guardian("g-both", {directory::ContactKind::kEmail});
  // The same pupil id at two schools is two children.
  both.pupils = {Link("p-001"), directory::PupilLink{kOther, "p-001", "parent", true, std::nullopt},
                 directory::PupilLink{kOther, "p-002", "parent", true, std::nullopt}};
  auto only_other = Guardian("g-other", {directory::ContactKind::kEmail});
  dir_.schools[kOther].pupils["p-003"] = dir_.schools[kOther].pupils["p-002"];
  dir_.schools[kOther].pupils["p-003"].id = "p-003";
  only_other.pupils = {directory::PupilLink{kOther, "p-003", "parent", true, std::nullopt}};
  AddGuardian(both);
  AddGuardian(only_other);
  NoticeRequest r = SchoolNotice(Category::kClosure, Priority::kEmergency);
  r.sender.school_id.clear();
  r.audience.kind = AudienceKind::kTrust;

  auto plan = RunTrust(r, {kSchool, kOther});
  ASSERT_TRUE(plan.ok()) << plan.status();
  ASSERT_EQ(plan->copies.size(), 2u);
  const Message* copy = CopyFor(*plan, "g-both");
  ASSERT_NE(copy, nullptr);
  EXPECT_EQ(copy->school_id, kSchool);  // planned at the first of their schools
  EXPECT_THAT(copy->pupil_ids, ElementsAre("p-001", "oakfield/p-001", "oakfield/p-002"));
  EXPECT_TRUE(NamesPupil(*copy, kOther, "p-002"));
  EXPECT_FALSE(NamesPupil(*copy, kOther, "p-003"));
  EXPECT_EQ(PupilOf(*copy, copy->pupil_ids[1]), std::make_pair(std::string(kOther), std::string("p-001")));
  EXPECT_EQ(PupilOf(*copy, copy->pupil_ids[0]), std::make_pair(std::string(kSchool), std::string("p-001")));
  EXPECT_THAT(CopyFor(*plan, "g-other")->pupil_ids, ElementsAre("p-003"));
  EXPECT_EQ(CopyFor(*plan, "g-other")->school_id, kOther);

  // Planned the other way round, the copy belongs to the other school and names St Mary's child.
  plan = RunTrust(r, {kOther, kSchool});
  ASSERT_TRUE(plan.ok()) << plan.status();
  ASSERT_EQ(plan->copies.size(), 2u);
  EXPECT_THAT(CopyFor(*plan, "g-both")->pupil_ids, ElementsAre("p-001", "p-002", "st-marys/p-001"));
}

TEST_F(PlanningTest, NoChannelIsAWarningNotAnError) {
  auto g = Guardian("g-1", {});
  g.pupils = {Link("p-001")};
  AddGuardian(g);
  auto plan = Run(SchoolNotice(Category::kNewsletter, Priority::kRoutine));
  ASSERT_TRUE(plan.ok());
  ASSERT_EQ(plan->copies.size(), 1u);
  EXPECT_THAT(plan->copies[0].deliveries, IsEmpty());
  EXPECT_TRUE(std::any_of(plan->warnings.begin(), plan->warnings.end(),
                          [](const Warning& w) { return w.code == "NO_CHANNEL" && w.count == 1; }));
}

}  // namespace
}  // namespace parley::notifications
