// A school's slice: what a replica rebuilds from it answers exactly as the whole directory does,
// it carries what an audience is resolved from and nothing personal a replica does not need, a payload that is not a
// slice is refused, and its fingerprint follows its content.
#include "common/directory/slice.h"

#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/time/civil_time.h"
#include "common/directory/deadlines.h"
#include "common/directory/routing.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "services/contacts/testing/sample_directory.h"

namespace parley::directory {
namespace {

using ::testing::HasSubstr;
using ::testing::Not;

constexpr char kMarys[] = "st-marys";
constexpr char kOak[] = "oak-park";

absl::Time Utc(int y, int m, int d, int hh, int mm) {
  return absl::FromCivil(absl::CivilSecond(y, m, d, hh, mm, 0), absl::UTCTimeZone());
}

// Two schools shaped like the sample, with names, emails and contact points marked so that a
// test can look for them in a payload, and a guardian with children at both.
Directory TwoSchools() {
  Directory dir = contacts::testing::SampleDirectory();
  SchoolDirectory oak = contacts::testing::SampleSchool(kOak);
  oak.school.display_name = "Oak Park Primary";
  oak.pupils["p-101"] = oak.pupils["p-001"];
  oak.pupils["p-101"].id = "p-101";
  oak.pupils.erase("p-001");
  dir.schools[kOak] = std::move(oak);
  for (auto& [school_id, sd] : dir.schools) {
    sd.school.policy_version = PolicyFingerprint(sd.school.policy);
    sd.school.calendar_version = absl::StrCat("cal-", school_id);
    for (ExternalContact& c : sd.school.external_contacts) c.contact = absl::StrCat("SECRET-CONTACT-", school_id);
    for (auto& [id, s] : sd.staff) {
      s.display_name = absl::StrCat("SECRET-STAFF-NAME-", id);
      s.email = absl::StrCat("SECRET-STAFF-EMAIL-", id);
    }
    for (auto& [id, p] : sd.pupils) {
      p.given_name = absl::StrCat("SECRET-PUPIL-GIVEN-", id);
      p.family_name = absl::StrCat("SECRET-PUPIL-FAMILY-", id);
    }
  }
  for (auto& [id, g] : dir.guardians) {
    g.given_name = absl::StrCat("SECRET-GUARDIAN-GIVEN-", id);
    g.family_name = absl::StrCat("SECRET-GUARDIAN-FAMILY-", id);
    g.contact_points = {ContactPoint{ContactKind::kMobile, absl::StrCat("SECRET-PHONE-", id)},
                        ContactPoint{ContactKind::kEmail, absl::StrCat("SECRET-EMAIL-", id)},
                        ContactPoint{ContactKind::kMobile, absl::StrCat("SECRET-PHONE-2-", id)}};
  }
  // What an audience is resolved from travels (the sample's dad lives apart, with his own household).
  dir.guardians["g-001"].language = "pl";
  dir.guardians["g-001"].household = "h-1";
  dir.guardians["g-001"].preferred_channel = Channel::kAppMessage;
  // Mum has a child at each school.
  dir.guardians["g-001"].pupils.push_back(PupilLink{kOak, "p-101", "mother", true, std::nullopt});
  Guardian oak_only;
  oak_only.id = "g-003";
  oak_only.given_name = "SECRET-GUARDIAN-GIVEN-g-003";
  oak_only.pupils = {PupilLink{kOak, "p-002", "carer", false, CourtOrder{true, false, absl::CivilDay(2026, 7, 1)}}};
  dir.guardians[oak_only.id] = oak_only;
  return dir;
}

std::shared_ptr<const Snapshot> Build(int64_t version, Directory dir) {
  absl::StatusOr<std::shared_ptr<const Snapshot>> snap = Snapshot::Build(version, std::move(dir));
  EXPECT_TRUE(snap.ok()) << snap.status();
  return snap.ok() ? *snap : nullptr;
}

// The snapshot a replica builds from the school's slice.
std::shared_ptr<const Snapshot> Rebuilt(const Snapshot& full, const std::string& school_id) {
  absl::StatusOr<EncodedSlice> slice = EncodeSlice(full, school_id);
  EXPECT_TRUE(slice.ok()) << slice.status();
  if (!slice.ok()) return nullptr;
  absl::StatusOr<Directory> decoded = DecodeSlice(slice->payload);
  EXPECT_TRUE(decoded.ok()) << decoded.status();
  if (!decoded.ok()) return nullptr;
  return Build(full.version(), *std::move(decoded));
}

std::string Describe(const Recipient& r) {
  return absl::StrCat(r.kind == Recipient::Kind::kStaff ? "staff:" : "external:", r.id, "/", r.role);
}

// Everything of a route but display names (a slice carries no staff names).
std::string Describe(const absl::StatusOr<Route>& route) {
  if (!route.ok()) return absl::StrCat("error ", absl::StatusCodeToString(route.status().code()));
  std::string out = absl::StrCat(Describe(route->owner), " allowed=", route->channel_allowed, " [");
  for (Channel c : route->allowed_channels) absl::StrAppend(&out, static_cast<int>(c), ",");
  absl::StrAppend(&out, "] rule=", route->channel_rule, " ladder=", route->ladder_id,
                  " safeguarding=", route->safeguarding, " notify=");
  for (const Recipient& r : route->also_notify) absl::StrAppend(&out, Describe(r), ";");
  return out;
}

std::string Describe(const absl::StatusOr<ResolvedLadder>& ladder) {
  if (!ladder.ok()) return absl::StrCat("error ", absl::StatusCodeToString(ladder.status().code()));
  std::string out = absl::StrCat(ladder->ladder_id, " complaints=", ladder->refer_to_complaints_after_top, " ",
                                 ladder->complaints_procedure_uri, ":");
  for (const ResolvedRung& rung : ladder->rungs) absl::StrAppend(&out, " ", rung.title, "=", Describe(rung.recipient));
  return out;
}

std::string Describe(const absl::StatusOr<DeadlineAnswer>& a) {
  if (!a.ok()) return absl::StrCat("error ", absl::StatusCodeToString(a.status().code()));
  return absl::StrCat("start=", absl::FormatTime(a->deadline.clock_start),
                      " due=", a->deadline.due ? absl::FormatTime(*a->deadline.due) : "held",
                      " clock=", static_cast<int>(a->clock_calendar), " cal=", a->calendar_version,
                      " policy=", a->policy_version, " tz=", a->time_zone, " text=", a->policy_text,
                      " steps=", a->deadline.steps.size(), " summary=", a->summary);
}

TEST(SliceTest, TheRebuiltSchoolAnswersAsTheWholeDirectory) {
  std::shared_ptr<const Snapshot> full = Build(7, TwoSchools());
  ASSERT_NE(full, nullptr);
  int compared = 0;
  for (const std::string school_id : {kMarys, kOak}) {
    SCOPED_TRACE(school_id);
    std::shared_ptr<const Snapshot> part = Rebuilt(*full, school_id);
    ASSERT_NE(part, nullptr);
    EXPECT_EQ(part->version(), 7);
    const SchoolDirectory& sd = *full->FindSchool(school_id);
    std::vector<std::string> pupils = {""};
    for (const auto& [id, p] : sd.pupils) pupils.push_back(id);
    std::vector<std::string> categories = {"no-such-category"};
    for (const RoutingRule& r : sd.routing_matrix.rules) categories.push_back(r.category);
    for (const std::string& pupil : pupils) {
      for (const std::string& category : categories) {
        for (Channel channel : {Channel::kEmail, Channel::kPhone}) {
          RouteQuery q{school_id, pupil, category, channel, ""};
          EXPECT_EQ(Describe(RouteEnquiry(*part, q)), Describe(RouteEnquiry(*full, q))) << pupil << " " << category;
          EXPECT_EQ(Describe(ResolveLadder(*part, q)), Describe(ResolveLadder(*full, q))) << pupil << " " << category;
          ++compared;
        }
      }
    }
    // Term days, evenings, a weekend, half-term, the short last day, Christmas, a bank holiday.
    const std::vector<absl::Time> received = {
        Utc(2025, 9, 8, 9, 0),    Utc(2025, 10, 24, 15, 10), Utc(2025, 10, 25, 11, 0), Utc(2025, 10, 29, 8, 0),
        Utc(2025, 12, 19, 13, 0), Utc(2025, 12, 24, 10, 0),  Utc(2026, 2, 13, 18, 30), Utc(2026, 5, 4, 9, 0),
        Utc(2026, 7, 22, 14, 0),  Utc(2026, 8, 10, 10, 0)};
    for (Channel channel : {Channel::kEmail, Channel::kPhone, Channel::kLetter}) {
      for (Stage stage : {Stage::kAcknowledge, Stage::kRespond}) {
        for (absl::Time t : received) {
          for (const std::string owner : {"", "ash-teacher", "oak-teacher", "nobody"}) {
            for (int variant = 0; variant < 3; ++variant) {
              DeadlineQuery q;
              q.school_id = school_id;
              q.channel = channel;
              q.stage = stage;
              q.received = t;
              q.owner_id = owner;
              if (variant == 1) q.pauses = {calendar::Pause{t + absl::Hours(30), t + absl::Hours(80)}};
              if (variant == 2) q.safeguarding = true;
              EXPECT_EQ(Describe(ComputeDeadline(*part, q)), Describe(ComputeDeadline(*full, q)))
                  << static_cast<int>(channel) << "/" << static_cast<int>(stage) << " " << t << " " << owner << " "
                  << variant;
              ++compared;
            }
          }
        }
      }
    }
  }
  EXPECT_GT(compared, 1000);
}

TEST(SliceTest, CarriesNothingPersonalAndNoOtherSchool) {
  std::shared_ptr<const Snapshot> full = Build(1, TwoSchools());
  ASSERT_NE(full, nullptr);
  absl::StatusOr<EncodedSlice> marys = EncodeSlice(*full, kMarys);
  ASSERT_TRUE(marys.ok()) << marys.status();
  EXPECT_THAT(marys->payload, Not(HasSubstr("SECRET")));
  EXPECT_THAT(marys->payload, Not(HasSubstr("@example.org")));
  EXPECT_THAT(marys->payload, Not(HasSubstr(kOak)));
  EXPECT_THAT(marys->payload, Not(HasSubstr("g-003")));  // a guardian of the other school only
  // What a replica needs is there: the external contact by name, the guardians of its pupils.
  EXPECT_THAT(marys->payload, HasSubstr("county-lado"));

  absl::StatusOr<Directory> decoded = DecodeSlice(marys->payload);
  ASSERT_TRUE(decoded.ok()) << decoded.status();
  ASSERT_EQ(decoded->schools.size(), 1u);
  EXPECT_EQ(decoded->schools.begin()->first, kMarys);
  ASSERT_EQ(decoded->guardians.size(), 2u);
  const Guardian& mum = decoded->guardians.at("g-001");
  ASSERT_EQ(mum.pupils.size(), 2u);  // her child at Oak Park is not in St Mary's slice
  for (const PupilLink& link : mum.pupils) EXPECT_EQ(link.school_id, kMarys);
  EXPECT_TRUE(mum.given_name.empty());
  EXPECT_TRUE(mum.family_name.empty());
  // The kinds of contact point, each once, in the guardian's order; no value.
  ASSERT_EQ(mum.contact_points.size(), 2u);
  EXPECT_EQ(mum.contact_points[0].kind, ContactKind::kMobile);
  EXPECT_EQ(mum.contact_points[1].kind, ContactKind::kEmail);
  for (const ContactPoint& point : mum.contact_points) EXPECT_TRUE(point.value.empty());
  // What notifications resolves copies, language and channel from.
  EXPECT_EQ(mum.language, "pl");
  EXPECT_EQ(mum.household, "h-1");
  EXPECT_EQ(mum.preferred_channel, Channel::kAppMessage);
  EXPECT_FALSE(mum.lives_apart);
  const Guardian& dad = decoded->guardians.at("g-002");
  EXPECT_TRUE(dad.lives_apart);
  EXPECT_TRUE(dad.separate_copies);
  EXPECT_EQ(dad.household, "h-2");
  EXPECT_EQ(dad.preferred_channel, Channel::kEmail);
  // Staff keep their roles and lose their name and email.
  const SchoolDirectory& sd = decoded->schools.begin()->second;
  ASSERT_FALSE(sd.staff.empty());
  for (const auto& [id, member] : sd.staff) {
    EXPECT_TRUE(member.display_name.empty()) << id;
    EXPECT_TRUE(member.email.empty()) << id;
    EXPECT_EQ(member.roles, full->FindStaff(kMarys, id)->roles) << id;
  }

  absl::StatusOr<EncodedSlice> oak = EncodeSlice(*full, kOak);
  ASSERT_TRUE(oak.ok()) << oak.status();
  EXPECT_THAT(oak->payload, Not(HasSubstr("SECRET")));
  EXPECT_THAT(oak->payload, Not(HasSubstr(kMarys)));
  EXPECT_THAT(oak->payload, Not(HasSubstr("g-002")));
  decoded = DecodeSlice(oak->payload);
  ASSERT_TRUE(decoded.ok()) << decoded.status();
  // The court order travels: a replica must not route a no-information child's matters.
  const Guardian& carer = decoded->guardians.at("g-003");
  ASSERT_EQ(carer.pupils.size(), 1u);
  ASSERT_TRUE(carer.pupils[0].court_order.has_value());
  EXPECT_TRUE(carer.pupils[0].court_order->no_information);

  EXPECT_EQ(EncodeSlice(*full, "no-such-school").status().code(), absl::StatusCode::kNotFound);
}

TEST(SliceTest, AMalformedPayloadIsAnError) {
  std::shared_ptr<const Snapshot> full = Build(1, TwoSchools());
  ASSERT_NE(full, nullptr);
  const std::string good = EncodeSlice(*full, kMarys)->payload;
  ASSERT_TRUE(DecodeSlice(good).ok());
  // Top-level keys come last in the payload (sorted), after any nested key of the same name.
  auto replaced = [&](const std::string& from, const std::string& to) {
    std::string out = good;
    const size_t at = out.rfind(from);
    EXPECT_NE(at, std::string::npos) << from;
    if (at != std::string::npos) out.replace(at, from.size(), to);
    return out;
  };
  const std::vector<std::string> bad = {
      "",
      "not json",
      "[]",
      "{}",
      good.substr(0, good.size() / 2),
      R"({"school": {"id": "st-marys"}})",
      replaced(R"("staff":)", R"("staff_gone":)"),
      replaced(R"("pupils":)", R"("pupils_gone":)"),
      replaced(R"("ladders":)", R"("ladders_gone":)"),
      replaced(R"("guardians":)", R"("guardians_gone":)"),
      replaced(R"("routing_matrix":)", R"("routing_gone":)"),
      replaced(R"("calendar_version":)", R"("calendar_version":1,"x":)"),
      replaced(R"("staff":[)", R"("staff":[7,)"),
      replaced(R"("pupils":[)", R"("pupils":[{"id":"p-9"},)"),
      // A guardian's link to another school's pupil has no place in a slice.
      replaced(R"("school_id":"st-marys")", R"("school_id":"oak-park")"),
  };
  for (const std::string& payload : bad) {
    absl::StatusOr<Directory> decoded = DecodeSlice(payload);
    EXPECT_FALSE(decoded.ok()) << payload.substr(0, 200);
  }
  EXPECT_EQ(DecodeSlice("not json").status().code(), absl::StatusCode::kInternal);
}

TEST(SliceTest, TheFingerprintChangesIffTheContentDoes) {
  const Directory base = TwoSchools();
  std::shared_ptr<const Snapshot> v1 = Build(1, base);
  ASSERT_NE(v1, nullptr);
  auto fingerprint = [](const Snapshot& s, const std::string& school_id) {
    absl::StatusOr<EncodedSlice> slice = EncodeSlice(s, school_id);
    EXPECT_TRUE(slice.ok()) << slice.status();
    EXPECT_EQ(slice->fingerprint.size(), 16u);
    return slice.ok() ? slice->fingerprint : "";
  };
  const std::string marys = fingerprint(*v1, kMarys), oak = fingerprint(*v1, kOak);
  EXPECT_NE(marys, oak);
  // The same content at another directory version, encoded again: the same fingerprint.
  EXPECT_EQ(fingerprint(*Build(2, base), kMarys), marys);
  EXPECT_EQ(fingerprint(*v1, kMarys), marys);

  struct Edit {
    const char* what;
    std::function<void(Directory&)> apply;
    bool marys_changes;
    bool oak_changes;
  };
  const std::vector<Edit> edits = {
      {"a closure at St Mary's",
       [](Directory& d) {
         d.schools[kMarys].school.calendar.closures.push_back(
             Closure{calendar::DateRange{absl::CivilDay(2026, 3, 2), absl::CivilDay(2026, 3, 2), "INSET"},
                     ClosureKind::kInsetDay});
       },
       true, false},
      {"a part-time pattern at Oak Park",
       [](Directory& d) {
         calendar::WorkingPattern p;
         p.works = {false, false, true, true, true, false, false};
         d.schools[kOak].staff["oak-teacher"].working_pattern = p;
       },
       false, true},
      {"a line manager at St Mary's", [](Directory& d) { d.schools[kMarys].staff["senco"].line_manager = "head"; },
       true, false},
      {"a ladder rung at Oak Park", [](Directory& d) { d.schools[kOak].ladders["main"].rungs.pop_back(); }, false,
       true},
      {"a pupil's class teacher at St Mary's",
       [](Directory& d) { d.schools[kMarys].pupils["p-001"].class_teacher = "ash-teacher"; }, true, false},
      {"a guardian's link to St Mary's",
       [](Directory& d) { d.guardians["g-002"].pupils[0].parental_responsibility = false; }, true, false},
      {"mum's link at Oak Park only", [](Directory& d) { d.guardians["g-001"].pupils.back().relationship = "carer"; },
       false, true},
      {"a staff name and email (not carried)",
       [](Directory& d) {
         d.schools[kMarys].staff["head"].display_name = "Someone Else";
         d.schools[kMarys].staff["head"].email = "else@example.org";
       },
       false, false},
      {"a guardian's name and phone number (not carried)",
       [](Directory& d) {
         d.guardians["g-001"].given_name = "Renamed";
         d.guardians["g-001"].contact_points[0].value = "+44 7700 900123";
       },
       false, false},
      {"a second mobile (a kind she has already)",
       [](Directory& d) {
         d.guardians["g-001"].contact_points.push_back(ContactPoint{ContactKind::kMobile, "+44 7700 900124"});
       },
       false, false},
      {"mum's email removed (a kind she no longer has)",
       [](Directory& d) { d.guardians["g-001"].contact_points.erase(d.guardians["g-001"].contact_points.begin() + 1); },
       true, true},
      {"mum's language (both her schools)", [](Directory& d) { d.guardians["g-001"].language = "ur"; }, true, true},
      {"dad's separate copies (St Mary's only)", [](Directory& d) { d.guardians["g-002"].separate_copies = false; },
       true, false},
      {"dad's household", [](Directory& d) { d.guardians["g-002"].household = "h-9"; }, true, false},
      {"dad's preferred channel", [](Directory& d) { d.guardians["g-002"].preferred_channel = Channel::kLetter; }, true,
       false},
      {"dad living apart", [](Directory& d) { d.guardians["g-002"].lives_apart = false; }, true, false},
      {"a pupil's name (not carried)", [](Directory& d) { d.schools[kOak].pupils["p-101"].given_name = "Renamed"; },
       false, false},
  };
  for (const Edit& edit : edits) {
    SCOPED_TRACE(edit.what);
    Directory changed = base;
    edit.apply(changed);
    std::shared_ptr<const Snapshot> v2 = Build(3, changed);
    ASSERT_NE(v2, nullptr);
    EXPECT_EQ(fingerprint(*v2, kMarys) != marys, edit.marys_changes);
    EXPECT_EQ(fingerprint(*v2, kOak) != oak, edit.oak_changes);
  }
}

TEST(SliceTest, ASliceSetHoldsEverySchoolOnceAndTheCacheTheNewest) {
  const Directory base = TwoSchools();
  std::shared_ptr<const Snapshot> v1 = Build(1, base);
  ASSERT_NE(v1, nullptr);
  absl::StatusOr<std::shared_ptr<const SliceSet>> set = SliceSet::Encode(v1);
  ASSERT_TRUE(set.ok()) << set.status();
  EXPECT_EQ((*set)->directory_version(), 1);
  ASSERT_EQ((*set)->slices().size(), 2u);
  ASSERT_NE((*set)->Find(kOak), nullptr);
  EXPECT_EQ((*set)->Find(kOak)->payload, EncodeSlice(*v1, kOak)->payload);
  EXPECT_EQ((*set)->Find("no-such-school"), nullptr);

  SliceCache cache;
  absl::StatusOr<std::shared_ptr<const SliceSet>> a = cache.For(v1);
  absl::StatusOr<std::shared_ptr<const SliceSet>> b = cache.For(v1);
  ASSERT_TRUE(a.ok() && b.ok());
  EXPECT_EQ(a->get(), b->get());  // encoded once
  std::shared_ptr<const Snapshot> v2 = Build(2, base);
  absl::StatusOr<std::shared_ptr<const SliceSet>> c = cache.For(v2);
  ASSERT_TRUE(c.ok());
  EXPECT_NE(c->get(), a->get());
  EXPECT_EQ((*c)->directory_version(), 2);
  // A caller still holding an older snapshot is given the newer encoding, never an older one.
  absl::StatusOr<std::shared_ptr<const SliceSet>> d = cache.For(v1);
  ASSERT_TRUE(d.ok());
  EXPECT_EQ(d->get(), c->get());
}

// Every record at etag `etag`, as a store would have it.
void StampEtags(Directory& dir, const std::string& etag) {
  for (auto& [id, sd] : dir.schools) {
    sd.school.etag = etag;
    sd.routing_matrix.etag = etag;
    for (auto& [sid, member] : sd.staff) member.etag = etag;
    for (auto& [pid, pupil] : sd.pupils) pupil.etag = etag;
    for (auto& [lid, ladder] : sd.ladders) ladder.etag = etag;
  }
  for (auto& [gid, guardian] : dir.guardians) guardian.etag = etag;
}

TEST(SliceTest, AnEncodingIsReusedWhileTheSchoolsRecordsKeepTheirEtags) {
  Directory base = TwoSchools();
  StampEtags(base, "1");
  std::shared_ptr<const Snapshot> v1 = Build(1, base);
  ASSERT_NE(v1, nullptr);
  absl::StatusOr<std::shared_ptr<const SliceSet>> first = SliceSet::Encode(v1);
  ASSERT_TRUE(first.ok()) << first.status();

  // A staff member of St Mary's changes (a new etag, as a store gives a changed record): St Mary's
  // is encoded afresh and oak-park's encoding is taken over.
  Directory edited = base;
  edited.schools[kMarys].staff.begin()->second.subjects.push_back("latin");
  edited.schools[kMarys].staff.begin()->second.etag = "2";
  std::shared_ptr<const Snapshot> v2 = Build(2, edited);
  absl::StatusOr<std::shared_ptr<const SliceSet>> second = SliceSet::Encode(v2, first->get());
  ASSERT_TRUE(second.ok()) << second.status();
  EXPECT_NE((*second)->Find(kMarys)->fingerprint, (*first)->Find(kMarys)->fingerprint);
  EXPECT_EQ((*second)->Find(kMarys)->payload, EncodeSlice(*v2, kMarys)->payload);
  EXPECT_EQ((*second)->Find(kOak)->payload, (*first)->Find(kOak)->payload);
  EXPECT_EQ((*second)->Find(kOak)->payload, EncodeSlice(*v2, kOak)->payload);

  // A record removed changes the key even though no etag moved.
  Directory removed = edited;
  removed.schools[kOak].ladders.clear();
  std::shared_ptr<const Snapshot> v3 = Build(3, removed);
  absl::StatusOr<std::shared_ptr<const SliceSet>> third = SliceSet::Encode(v3, second->get());
  ASSERT_TRUE(third.ok()) << third.status();
  EXPECT_EQ((*third)->Find(kOak)->payload, EncodeSlice(*v3, kOak)->payload);
  EXPECT_NE((*third)->Find(kOak)->fingerprint, (*second)->Find(kOak)->fingerprint);

  // Records without etags (never stored) are always encoded afresh, never taken on trust.
  Directory unstamped = TwoSchools();
  std::shared_ptr<const Snapshot> u1 = Build(4, unstamped);
  absl::StatusOr<std::shared_ptr<const SliceSet>> plain = SliceSet::Encode(u1);
  ASSERT_TRUE(plain.ok());
  unstamped.schools[kOak].staff.begin()->second.subjects.push_back("latin");
  std::shared_ptr<const Snapshot> u2 = Build(5, unstamped);
  absl::StatusOr<std::shared_ptr<const SliceSet>> again = SliceSet::Encode(u2, plain->get());
  ASSERT_TRUE(again.ok());
  EXPECT_EQ((*again)->Find(kOak)->payload, EncodeSlice(*u2, kOak)->payload);
  EXPECT_NE((*again)->Find(kOak)->fingerprint, (*plain)->Find(kOak)->fingerprint);
}

}  // namespace
}  // namespace parley::directory
