#include "services/conduct/domain/gate.h"

#include <string>
#include <vector>

#include "absl/time/civil_time.h"
#include "absl/time/time.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "services/conduct/domain/model.h"

namespace parley::conduct {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::IsEmpty;
using ::testing::Optional;

constexpr absl::Weekday kMon = absl::Weekday::monday;
constexpr absl::Weekday kTue = absl::Weekday::tuesday;
constexpr absl::Weekday kWed = absl::Weekday::wednesday;
constexpr absl::Weekday kThu = absl::Weekday::thursday;
constexpr absl::Weekday kSun = absl::Weekday::sunday;

absl::TimeZone London() {
  absl::TimeZone zone;
  EXPECT_TRUE(absl::LoadTimeZone("Europe/London", &zone)) << "tzdata for Europe/London is missing";
  return zone;
}

absl::Time Utc(int y, int mo, int d, int h, int mi, int s = 0) {
  return absl::FromCivil(absl::CivilSecond(y, mo, d, h, mi, s), absl::UTCTimeZone());
}

TimeWindow Window(absl::Weekday day, int start_h, int start_m, int end_h, int end_m) {
  TimeWindow w;
  w.day = day;
  w.start_minute = start_h * 60 + start_m;
  w.end_minute = end_h * 60 + end_m;
  return w;
}

// An arrangement Kenilworth issued on 1 Sep 2025, in force until changed by the test.
Arrangement Issued(const std::string& id, int version = 1) {
  Arrangement a;
  a.id = id;
  a.school_id = "kenilworth";
  a.guardian = "guardians/g-00012";
  a.scope = ArrangementScope::kSchool;
  a.state = ArrangementState::kActive;
  a.version = version;
  a.start_time = Utc(2025, 9, 1, 0, 0);
  a.review_date = absl::CivilDay(2026, 7, 1);
  a.terms.reasons = "not logged";
  return a;
}

PremisesBan Ban(const std::string& id, PremisesBanScope scope) {
  PremisesBan b;
  b.id = id;
  b.school_id = "kenilworth";
  b.guardian = "guardians/g-00012";
  b.scope = scope;
  b.start_time = Utc(2025, 9, 1, 0, 0);
  b.reason = "not logged";
  return b;
}

GateQuery Query(Channel channel, absl::Time at, Purpose purpose = Purpose::kInboundMessage) {
  GateQuery q;
  q.school_id = "kenilworth";
  q.guardian = "guardians/g-00012";
  q.channel = channel;
  q.at = at;
  q.purpose = purpose;
  return q;
}

GateInputs Inputs(std::vector<const Arrangement*> arrangements, std::vector<const PremisesBan*> bans = {},
                  bool known_difficult = false) {
  GateInputs in;
  in.zone = London();
  in.arrangements = std::move(arrangements);
  in.bans = std::move(bans);
  in.known_difficult = known_difficult;
  return in;
}

// ---- Windows in school-local time ----------------------------------------------------------------

TEST(Windows, TuesdayWindowIsReadInLocalTimeEitherSideOfTheAutumnChange) {
  const std::vector<TimeWindow> tue = {Window(kTue, 15, 30, 16, 30)};
  const absl::TimeZone zone = London();
  // Tue 21 Oct 2025 is BST: 15:30 local = 14:30Z. Start inclusive, end exclusive.
  EXPECT_FALSE(InsideWindows(tue, zone, Utc(2025, 10, 21, 14, 29, 59)));
  EXPECT_TRUE(InsideWindows(tue, zone, Utc(2025, 10, 21, 14, 30)));
  EXPECT_TRUE(InsideWindows(tue, zone, Utc(2025, 10, 21, 15, 29, 59)));
  EXPECT_FALSE(InsideWindows(tue, zone, Utc(2025, 10, 21, 15, 30)));
  EXPECT_THAT(NextWindowStart(tue, zone, Utc(2025, 10, 21, 9, 0)), Optional(Utc(2025, 10, 21, 14, 30)));
  // Tue 28 Oct 2025 is GMT: 15:30 local = 15:30Z, found from the Wednesday before the change.
  EXPECT_THAT(NextWindowStart(tue, zone, Utc(2025, 10, 22, 0, 0)), Optional(Utc(2025, 10, 28, 15, 30)));
  EXPECT_FALSE(InsideWindows(tue, zone, Utc(2025, 10, 28, 15, 29, 59)));
  EXPECT_TRUE(InsideWindows(tue, zone, Utc(2025, 10, 28, 15, 30)));
  EXPECT_TRUE(InsideWindows(tue, zone, Utc(2025, 10, 28, 16, 29, 59)));
  EXPECT_FALSE(InsideWindows(tue, zone, Utc(2025, 10, 28, 16, 30)));
}

TEST(Windows, TuesdayWindowIsReadInLocalTimeEitherSideOfTheSpringChange) {
  const std::vector<TimeWindow> tue = {Window(kTue, 15, 30, 16, 30)};
  const absl::TimeZone zone = London();
  // Tue 24 Mar 2026 is GMT, Tue 31 Mar 2026 BST.
  EXPECT_THAT(NextWindowStart(tue, zone, Utc(2026, 3, 23, 12, 0)), Optional(Utc(2026, 3, 24, 15, 30)));
  EXPECT_THAT(NextWindowStart(tue, zone, Utc(2026, 3, 24, 16, 30)), Optional(Utc(2026, 3, 31, 14, 30)));
  EXPECT_TRUE(InsideWindows(tue, zone, Utc(2026, 3, 31, 14, 30)));
  EXPECT_FALSE(InsideWindows(tue, zone, Utc(2026, 3, 31, 15, 30)));
}

TEST(Windows, AStartInTheRepeatedAutumnHourIsItsFirstOccurrence) {
  // Sun 26 Oct 2025: local 01:00-02:00 happens twice (00:00Z-01:00Z BST, then 01:00Z-02:00Z GMT).
  const std::vector<TimeWindow> sun = {Window(kSun, 1, 30, 2, 30)};
  const absl::TimeZone zone = London();
  EXPECT_THAT(NextWindowStart(sun, zone, Utc(2025, 10, 25, 12, 0)), Optional(Utc(2025, 10, 26, 0, 30)));
  EXPECT_FALSE(InsideWindows(sun, zone, Utc(2025, 10, 26, 0, 29, 59)));
  EXPECT_TRUE(InsideWindows(sun, zone, Utc(2025, 10, 26, 0, 30)));
  // Once open it stays open through the clocks going back, until 02:30 GMT.
  EXPECT_TRUE(InsideWindows(sun, zone, Utc(2025, 10, 26, 1, 10)));
  EXPECT_THAT(NextWindowStart(sun, zone, Utc(2025, 10, 26, 1, 10)), Optional(Utc(2025, 10, 26, 1, 10)));
  EXPECT_TRUE(InsideWindows(sun, zone, Utc(2025, 10, 26, 2, 29, 59)));
  EXPECT_FALSE(InsideWindows(sun, zone, Utc(2025, 10, 26, 2, 30)));

  // A window wholly inside the repeated hour happens once, on the first pass.
  const std::vector<TimeWindow> repeated = {Window(kSun, 1, 10, 1, 40)};
  EXPECT_TRUE(InsideWindows(repeated, zone, Utc(2025, 10, 26, 0, 20)));
  EXPECT_FALSE(InsideWindows(repeated, zone, Utc(2025, 10, 26, 1, 20)));
  EXPECT_THAT(NextWindowStart(repeated, zone, Utc(2025, 10, 26, 0, 50)), Optional(Utc(2025, 11, 2, 1, 10)));
}

TEST(Windows, AStartInTheSpringGapIsReadWithTheOffsetBefore) {
  // Sun 29 Mar 2026: local 01:00-02:00 does not exist; 01:30 is read as 01:30 GMT = 01:30Z.
  const std::vector<TimeWindow> sun = {Window(kSun, 1, 30, 3, 0)};
  const absl::TimeZone zone = London();
  EXPECT_THAT(NextWindowStart(sun, zone, Utc(2026, 3, 28, 12, 0)), Optional(Utc(2026, 3, 29, 1, 30)));
  EXPECT_FALSE(InsideWindows(sun, zone, Utc(2026, 3, 29, 1, 0)));  // 02:00 BST: before the resolved start
  EXPECT_FALSE(InsideWindows(sun, zone, Utc(2026, 3, 29, 1, 29, 59)));
  EXPECT_TRUE(InsideWindows(sun, zone, Utc(2026, 3, 29, 1, 30)));
  EXPECT_TRUE(InsideWindows(sun, zone, Utc(2026, 3, 29, 1, 59, 59)));
  EXPECT_FALSE(InsideWindows(sun, zone, Utc(2026, 3, 29, 2, 0)));  // 03:00 BST
  // A week later the same window is plain BST.
  EXPECT_THAT(NextWindowStart(sun, zone, Utc(2026, 3, 29, 2, 0)), Optional(Utc(2026, 4, 5, 0, 30)));

  // 01:30 resolves to 02:30 BST, after 02:15: that night the window does not happen at all.
  const std::vector<TimeWindow> short_one = {Window(kSun, 1, 30, 2, 15)};
  EXPECT_FALSE(InsideWindows(short_one, zone, Utc(2026, 3, 29, 1, 10)));
  EXPECT_THAT(NextWindowStart(short_one, zone, Utc(2026, 3, 28, 12, 0)), Optional(Utc(2026, 4, 5, 0, 30)));
}

TEST(Windows, AnEmptyListAllowsAnyTimeAndHasNoNextStart) {
  EXPECT_TRUE(InsideWindows({}, London(), Utc(2025, 11, 1, 3, 0)));
  EXPECT_EQ(NextWindowStart({}, London(), Utc(2025, 11, 1, 3, 0)), std::nullopt);
}

TEST(Windows, TheEarliestOfSeveralWindowsIsNextAndAWindowMayEndAtMidnight) {
  const std::vector<TimeWindow> windows = {Window(kThu, 9, 0, 10, 0), Window(kWed, 23, 0, 24, 0)};
  const absl::TimeZone zone = London();
  EXPECT_THAT(NextWindowStart(windows, zone, Utc(2025, 11, 3, 12, 0)), Optional(Utc(2025, 11, 5, 23, 0)));
  EXPECT_TRUE(InsideWindows(windows, zone, Utc(2025, 11, 5, 23, 59, 59)));
  EXPECT_FALSE(InsideWindows(windows, zone, Utc(2025, 11, 6, 0, 0)));
  EXPECT_THAT(NextWindowStart(windows, zone, Utc(2025, 11, 6, 0, 0)), Optional(Utc(2025, 11, 6, 9, 0)));
}

// ---- Which arrangements apply ---------------------------------------------------------------------

TEST(Gate, WithNoArrangementContactIsAllowed) {
  GateDecision d = Decide(Query(Channel::kPhone, Utc(2025, 11, 4, 10, 0)), Inputs({}));
  EXPECT_EQ(d.outcome, Outcome::kAllow);
  EXPECT_THAT(d.verdicts, IsEmpty());
  EXPECT_TRUE(d.arrangement_id.empty());
  EXPECT_THAT(d.requirements, IsEmpty());
  EXPECT_EQ(d.explanation, "No communication arrangement is in force for this guardian at this school.");
}

TEST(Gate, OutsideTheWindowDefersToTheNextOneAndSaysWhy) {
  Arrangement a = Issued("a-123", 2);
  a.terms.allowed_windows = {Window(kTue, 15, 30, 16, 30)};
  GateDecision d = Decide(Query(Channel::kEmail, Utc(2025, 11, 3, 10, 0)), Inputs({&a}));
  EXPECT_EQ(d.outcome, Outcome::kDefer);
  EXPECT_EQ(d.arrangement_id, "a-123");
  EXPECT_EQ(d.arrangement_school_id, "kenilworth");
  EXPECT_EQ(d.arrangement_version, 2);
  EXPECT_THAT(d.next_allowed_time, Optional(Utc(2025, 11, 4, 15, 30)));
  EXPECT_EQ(d.explanation,
            "Outside the allowed times of arrangement a-123 v2 (Tuesday 15:30-16:30); the clock starts Tue 4 Nov 2025 "
            "15:30 GMT.");
  ASSERT_EQ(d.verdicts.size(), 1u);
  EXPECT_EQ(d.verdicts[0].outcome, Outcome::kDefer);
  EXPECT_THAT(d.allowed_channels, IsEmpty());  // guidance is for REDIRECT only
}

TEST(Gate, WindowStartIsInsideAndWindowEndIsOutside) {
  Arrangement a = Issued("a-123", 2);
  a.terms.allowed_windows = {Window(kTue, 15, 30, 16, 30)};
  GateDecision at_start = Decide(Query(Channel::kEmail, Utc(2025, 11, 4, 15, 30)), Inputs({&a}));
  EXPECT_EQ(at_start.outcome, Outcome::kAllow);
  EXPECT_EQ(at_start.next_allowed_time, std::nullopt);
  EXPECT_EQ(at_start.explanation, "Allowed by arrangement a-123 v2.");
  GateDecision at_end = Decide(Query(Channel::kEmail, Utc(2025, 11, 4, 16, 30)), Inputs({&a}));
  EXPECT_EQ(at_end.outcome, Outcome::kDefer);
  EXPECT_THAT(at_end.next_allowed_time, Optional(Utc(2025, 11, 11, 15, 30)));
}

TEST(Gate, AnArrangementThatStartsAndEndsMidDayAppliesExactlyBetween) {
  Arrangement a = Issued("a-1");
  a.terms.allowed_channels = {Channel::kEmail};
  a.start_time = Utc(2025, 11, 4, 12, 0);
  a.end_time = Utc(2025, 11, 6, 13, 0);
  const auto outcome_at = [&](absl::Time t) { return Decide(Query(Channel::kPhone, t), Inputs({&a})).outcome; };
  EXPECT_EQ(outcome_at(Utc(2025, 11, 4, 11, 59, 59)), Outcome::kAllow);
  EXPECT_EQ(outcome_at(Utc(2025, 11, 4, 12, 0)), Outcome::kRedirect);
  EXPECT_EQ(outcome_at(Utc(2025, 11, 6, 12, 59, 59)), Outcome::kRedirect);
  EXPECT_EQ(outcome_at(Utc(2025, 11, 6, 13, 0)), Outcome::kAllow);
}

TEST(Gate, ExpiredAndFutureArrangementsDoNotApply) {
  Arrangement expired = Issued("a-old");
  expired.terms.allowed_channels = {Channel::kLetter};
  expired.end_time = Utc(2025, 10, 1, 0, 0);
  Arrangement future = Issued("a-new");
  future.terms.allowed_channels = {Channel::kLetter};
  future.start_time = Utc(2025, 12, 1, 0, 0);
  GateDecision d = Decide(Query(Channel::kPhone, Utc(2025, 11, 4, 10, 0)), Inputs({&expired, &future}));
  EXPECT_EQ(d.outcome, Outcome::kAllow);
  EXPECT_THAT(d.verdicts, IsEmpty());
  EXPECT_EQ(EffectiveState(expired, Utc(2025, 11, 4, 10, 0)), ArrangementState::kEnded);
  EXPECT_EQ(EffectiveState(future, Utc(2025, 11, 4, 10, 0)), ArrangementState::kActive);
}

TEST(Gate, DraftsAndEndedArrangementsAreIgnoredButUnderReviewApplies) {
  Arrangement draft = Issued("a-draft");
  draft.state = ArrangementState::kDraft;
  draft.terms.allowed_channels = {Channel::kLetter};
  Arrangement ended = Issued("a-ended");
  ended.state = ArrangementState::kEnded;
  ended.terms.allowed_channels = {Channel::kLetter};
  const GateQuery q = Query(Channel::kPhone, Utc(2025, 11, 4, 10, 0));
  EXPECT_EQ(Decide(q, Inputs({&draft, &ended})).outcome, Outcome::kAllow);
  EXPECT_EQ(EffectiveState(draft, Utc(2030, 1, 1, 0, 0)), ArrangementState::kDraft);

  Arrangement review = Issued("a-review");
  review.state = ArrangementState::kUnderReview;
  review.terms.allowed_channels = {Channel::kLetter};
  EXPECT_EQ(Decide(q, Inputs({&draft, &review})).outcome, Outcome::kRedirect);
}

TEST(Gate, TrustWideArrangementsApplyAtAnotherSchoolSchoolOnesDoNot) {
  Arrangement school_only = Issued("a-school");
  school_only.school_id = "woodgrange";
  school_only.terms.allowed_channels = {Channel::kLetter};
  const GateQuery at_kenilworth = Query(Channel::kPhone, Utc(2025, 11, 4, 10, 0));
  EXPECT_EQ(Decide(at_kenilworth, Inputs({&school_only})).outcome, Outcome::kAllow);

  Arrangement trust = school_only;
  trust.id = "a-trust";
  trust.scope = ArrangementScope::kTrust;
  GateDecision d = Decide(at_kenilworth, Inputs({&school_only, &trust}));
  EXPECT_EQ(d.outcome, Outcome::kRedirect);
  EXPECT_EQ(d.arrangement_id, "a-trust");
  EXPECT_EQ(d.arrangement_school_id, "woodgrange");
  ASSERT_EQ(d.verdicts.size(), 1u);
}

// ---- Several arrangements -------------------------------------------------------------------------

TEST(Gate, TheMostRestrictiveVerdictWinsAndIsNamed) {
  Arrangement times = Issued("a-times");
  times.terms.allowed_windows = {Window(kTue, 15, 30, 16, 30)};
  Arrangement channels = Issued("a-channels", 3);
  channels.terms.allowed_channels = {Channel::kLetter, Channel::kEmail};
  GateDecision d = Decide(Query(Channel::kPhone, Utc(2025, 11, 3, 10, 0)), Inputs({&times, &channels}));
  EXPECT_EQ(d.outcome, Outcome::kRedirect);
  EXPECT_EQ(d.arrangement_id, "a-channels");
  EXPECT_EQ(d.arrangement_version, 3);
  ASSERT_EQ(d.verdicts.size(), 2u);
  EXPECT_EQ(d.verdicts[0].arrangement_id, "a-times");
  EXPECT_EQ(d.verdicts[0].outcome, Outcome::kDefer);
  EXPECT_EQ(d.verdicts[1].arrangement_id, "a-channels");
  EXPECT_EQ(d.verdicts[1].outcome, Outcome::kRedirect);
  EXPECT_THAT(d.allowed_channels, ElementsAre(Channel::kEmail, Channel::kLetter));
  EXPECT_EQ(d.next_allowed_time, std::nullopt);
  EXPECT_EQ(
      d.explanation,
      "Arrangement a-channels v3 does not allow contact by this channel (phone); allowed channels: email, letter.");
}

TEST(Gate, OnATieTheFirstArrangementGivenIsNamed) {
  Arrangement a = Issued("a-1");
  a.terms.allowed_channels = {Channel::kEmail};
  Arrangement b = Issued("a-2");
  b.terms.allowed_channels = {Channel::kLetter, Channel::kEmail};
  const GateQuery q = Query(Channel::kPhone, Utc(2025, 11, 3, 10, 0));
  EXPECT_EQ(Decide(q, Inputs({&a, &b})).arrangement_id, "a-1");
  GateDecision reversed = Decide(q, Inputs({&b, &a}));
  EXPECT_EQ(reversed.arrangement_id, "a-2");
  EXPECT_THAT(reversed.allowed_channels, ElementsAre(Channel::kEmail));  // the intersection
}

TEST(Gate, DeferWaitsUntilEveryArrangementAllows) {
  // a-1: Mon and Wed 09:00-10:00; a-2: Tue 09:00-10:00 and Wed 09:30-11:00 (GMT in November).
  Arrangement a = Issued("a-1");
  a.terms.allowed_windows = {Window(kMon, 9, 0, 10, 0), Window(kWed, 9, 0, 10, 0)};
  Arrangement b = Issued("a-2");
  b.terms.allowed_windows = {Window(kTue, 9, 0, 10, 0), Window(kWed, 9, 30, 11, 0)};
  GateDecision d = Decide(Query(Channel::kEmail, Utc(2025, 11, 3, 8, 0)), Inputs({&a, &b}));
  EXPECT_EQ(d.outcome, Outcome::kDefer);
  EXPECT_EQ(d.arrangement_id, "a-1");
  EXPECT_THAT(d.next_allowed_time, Optional(Utc(2025, 11, 5, 9, 30)));
  EXPECT_THAT(d.explanation, HasSubstr("when every arrangement in force allows contact"));
}

TEST(Gate, AnArrangementThatEndsFirstStopsConstrainingTheDeferral) {
  Arrangement ending = Issued("a-ending");
  ending.terms.allowed_windows = {Window(kThu, 9, 0, 10, 0)};
  ending.end_time = Utc(2025, 11, 4, 12, 0);
  Arrangement lasting = Issued("a-lasting");
  lasting.terms.allowed_windows = {Window(kTue, 15, 30, 16, 30)};
  GateDecision d = Decide(Query(Channel::kEmail, Utc(2025, 11, 3, 10, 0)), Inputs({&ending, &lasting}));
  EXPECT_EQ(d.outcome, Outcome::kDefer);
  EXPECT_THAT(d.next_allowed_time, Optional(Utc(2025, 11, 4, 15, 30)));
}

TEST(Gate, AnArrangementStartingBeforeTheNextWindowAlsoConstrainsIt) {
  Arrangement now = Issued("a-now");
  now.terms.allowed_windows = {Window(kTue, 15, 0, 16, 0)};
  Arrangement later = Issued("a-later");
  later.start_time = Utc(2025, 11, 4, 0, 0);
  later.terms.allowed_windows = {Window(kTue, 15, 45, 17, 0)};
  GateDecision d = Decide(Query(Channel::kEmail, Utc(2025, 11, 3, 10, 0)), Inputs({&now, &later}));
  EXPECT_EQ(d.outcome, Outcome::kDefer);
  EXPECT_EQ(d.verdicts.size(), 1u);
  EXPECT_THAT(d.next_allowed_time, Optional(Utc(2025, 11, 4, 15, 45)));
}

TEST(Gate, WindowsThatNeverMeetRedirect) {
  Arrangement a = Issued("a-1");
  a.terms.allowed_windows = {Window(kMon, 9, 0, 10, 0)};
  a.terms.allowed_channels = {Channel::kEmail, Channel::kLetter};
  a.terms.point_of_contact = "schools/kenilworth/staff/s-04";
  Arrangement b = Issued("a-2");
  b.terms.allowed_windows = {Window(kTue, 9, 0, 10, 0)};
  GateDecision d = Decide(Query(Channel::kEmail, Utc(2025, 11, 3, 12, 0)), Inputs({&a, &b}));
  EXPECT_EQ(d.outcome, Outcome::kRedirect);
  EXPECT_EQ(d.next_allowed_time, std::nullopt);
  EXPECT_EQ(d.arrangement_id, "a-1");
  EXPECT_THAT(d.allowed_channels, ElementsAre(Channel::kEmail, Channel::kLetter));
  EXPECT_EQ(d.point_of_contact, "schools/kenilworth/staff/s-04");
  EXPECT_EQ(d.explanation,
            "The allowed times of arrangement a-1 v1 and arrangement a-2 v1 do not meet within 8 weeks, so contact is "
            "never allowed.");
}

TEST(Gate, WindowsThatMeetOnlyOnceAnArrangementEndsDeferUntilThen) {
  Arrangement mondays = Issued("a-1");
  mondays.terms.allowed_windows = {Window(kMon, 9, 0, 10, 0)};
  Arrangement tuesdays = Issued("a-2");
  tuesdays.terms.allowed_windows = {Window(kTue, 9, 0, 10, 0)};
  tuesdays.end_time = Utc(2025, 11, 17, 12, 0);
  const GateQuery q = Query(Channel::kEmail, Utc(2025, 11, 3, 12, 0));
  GateDecision d = Decide(q, Inputs({&mondays, &tuesdays}));
  EXPECT_EQ(d.outcome, Outcome::kDefer);
  EXPECT_THAT(d.next_allowed_time, Optional(Utc(2025, 11, 24, 9, 0)));

  tuesdays.end_time = Utc(2026, 2, 2, 12, 0);  // 13 weeks on: beyond what the gate waits for
  EXPECT_EQ(Decide(q, Inputs({&mondays, &tuesdays})).outcome, Outcome::kRedirect);
}

// ---- Safeguarding, abusive messages, point of contact ----------------------------------------------

TEST(Gate, SafeguardingBypassesArrangementsButVerdictsAreKept) {
  Arrangement a = Issued("a-1");
  a.terms.allowed_channels = {Channel::kLetter};
  a.terms.allowed_windows = {Window(kTue, 15, 30, 16, 30)};
  PremisesBan ban = Ban("b-1", PremisesBanScope::kSite);
  GateQuery q = Query(Channel::kInPerson, Utc(2025, 11, 3, 10, 0));
  q.safeguarding = true;
  q.marked_abusive = true;
  GateDecision d = Decide(q, Inputs({&a}, {&ban}));
  EXPECT_EQ(d.outcome, Outcome::kAllow);
  EXPECT_TRUE(d.arrangement_id.empty());
  EXPECT_EQ(d.arrangement_version, 0);
  EXPECT_EQ(d.next_allowed_time, std::nullopt);
  EXPECT_TRUE(d.premises_ban_id.empty());
  ASSERT_EQ(d.verdicts.size(), 1u);
  EXPECT_EQ(d.verdicts[0].outcome, Outcome::kRedirect);
  EXPECT_THAT(d.explanation, HasSubstr("Safeguarding bypasses arrangements"));
}

TEST(Gate, AMessageMarkedAbusiveNeedsNoResponse) {
  Arrangement a = Issued("a-1");
  GateQuery q = Query(Channel::kEmail, Utc(2025, 11, 3, 10, 0));
  q.marked_abusive = true;
  GateDecision d = Decide(q, Inputs({&a}));
  EXPECT_EQ(d.outcome, Outcome::kNoResponseRequired);
  EXPECT_TRUE(d.arrangement_id.empty());
  EXPECT_EQ(d.verdicts.size(), 1u);
}

TEST(Gate, ASinglePointOfContactRedirectsMessagesAddressedToOthers) {
  Arrangement channels = Issued("a-channels");
  channels.terms.allowed_channels = {Channel::kLetter, Channel::kEmail};
  Arrangement contact = Issued("a-contact", 2);
  contact.terms.point_of_contact = "schools/kenilworth/staff/s-04";
  contact.terms.allowed_channels = {Channel::kEmail, Channel::kPhone, Channel::kLetter};
  GateQuery q = Query(Channel::kEmail, Utc(2025, 11, 3, 10, 0));
  q.addressed_to = "schools/kenilworth/staff/s-07";
  GateDecision d = Decide(q, Inputs({&channels, &contact}));
  EXPECT_EQ(d.outcome, Outcome::kRedirect);
  EXPECT_EQ(d.arrangement_id, "a-contact");
  EXPECT_EQ(d.point_of_contact, "schools/kenilworth/staff/s-04");
  EXPECT_THAT(d.allowed_channels, ElementsAre(Channel::kEmail, Channel::kLetter));
  EXPECT_EQ(d.explanation, "Arrangement a-contact v2 names a single point of contact; redirect the contact to them.");

  q.addressed_to = "schools/kenilworth/staff/s-04";
  EXPECT_EQ(Decide(q, Inputs({&channels, &contact})).outcome, Outcome::kAllow);
  q.addressed_to.clear();  // to the office: routed to the point of contact, not redirected
  EXPECT_EQ(Decide(q, Inputs({&channels, &contact})).outcome, Outcome::kAllow);
}

TEST(Gate, ThePointOfContactComesFromTheFirstArrangementNamingOneWhenTheDecidingOneHasNone) {
  Arrangement channels = Issued("a-channels");
  channels.terms.allowed_channels = {Channel::kEmail};
  Arrangement contact = Issued("a-contact");
  contact.terms.point_of_contact = "schools/kenilworth/staff/s-04";
  GateDecision d = Decide(Query(Channel::kPhone, Utc(2025, 11, 3, 10, 0)), Inputs({&channels, &contact}));
  EXPECT_EQ(d.outcome, Outcome::kRedirect);
  EXPECT_EQ(d.arrangement_id, "a-channels");
  EXPECT_EQ(d.point_of_contact, "schools/kenilworth/staff/s-04");
}

// ---- Premises bans and meetings ---------------------------------------------------------------

TEST(Gate, AMeetingDuringASiteBanMustBeOffSite) {
  PremisesBan ban = Ban("b-1", PremisesBanScope::kSite);
  GateDecision d = Decide(Query(Channel::kInPerson, Utc(2025, 11, 4, 10, 0), Purpose::kMeeting), Inputs({}, {&ban}));
  EXPECT_EQ(d.outcome, Outcome::kAllow);
  EXPECT_THAT(d.requirements, ElementsAre(MeetingRequirement::kOffSiteOnly));
  EXPECT_EQ(d.premises_ban_id, "b-1");
  EXPECT_EQ(d.premises_ban_school_id, "kenilworth");

  ban.revoke_time = Utc(2025, 11, 1, 0, 0);
  GateDecision revoked =
      Decide(Query(Channel::kInPerson, Utc(2025, 11, 4, 10, 0), Purpose::kMeeting), Inputs({}, {&ban}));
  EXPECT_THAT(revoked.requirements, IsEmpty());
  EXPECT_TRUE(revoked.premises_ban_id.empty());
}

TEST(Gate, AnEventsBanCountsOnlyForSchoolEvents) {
  PremisesBan ban = Ban("b-events", PremisesBanScope::kEvents);
  GateQuery q = Query(Channel::kInPerson, Utc(2025, 11, 4, 10, 0), Purpose::kMeeting);
  EXPECT_THAT(Decide(q, Inputs({}, {&ban})).requirements, IsEmpty());
  GateQuery message = Query(Channel::kInPerson, Utc(2025, 11, 4, 10, 0));
  EXPECT_EQ(Decide(message, Inputs({}, {&ban})).outcome, Outcome::kAllow);
  q.school_event = true;
  GateDecision d = Decide(q, Inputs({}, {&ban}));
  EXPECT_THAT(d.requirements, ElementsAre(MeetingRequirement::kOffSiteOnly));
  EXPECT_EQ(d.premises_ban_id, "b-events");
  message.school_event = true;
  EXPECT_EQ(Decide(message, Inputs({}, {&ban})).outcome, Outcome::kRedirect);
}

TEST(Gate, AnInPersonMessageDuringASiteBanIsRedirected) {
  PremisesBan ban = Ban("b-1", PremisesBanScope::kSite);
  GateDecision d = Decide(Query(Channel::kInPerson, Utc(2025, 11, 4, 10, 0)), Inputs({}, {&ban}));
  EXPECT_EQ(d.outcome, Outcome::kRedirect);
  EXPECT_EQ(d.premises_ban_id, "b-1");
  EXPECT_TRUE(d.arrangement_id.empty());
  EXPECT_THAT(d.requirements, IsEmpty());
  EXPECT_THAT(d.allowed_channels, ElementsAre(Channel::kEmail, Channel::kLetter, Channel::kPhone, Channel::kAppMessage,
                                              Channel::kSms, Channel::kVideoCall));
  EXPECT_THAT(d.explanation, HasSubstr("Premises ban b-1"));

  Arrangement a = Issued("a-1");
  a.terms.allowed_channels = {Channel::kInPerson, Channel::kPhone, Channel::kEmail};
  a.terms.point_of_contact = "schools/kenilworth/staff/s-04";
  GateDecision with_arrangement = Decide(Query(Channel::kInPerson, Utc(2025, 11, 4, 10, 0)), Inputs({&a}, {&ban}));
  EXPECT_EQ(with_arrangement.outcome, Outcome::kRedirect);
  EXPECT_TRUE(with_arrangement.arrangement_id.empty());
  EXPECT_THAT(with_arrangement.allowed_channels, ElementsAre(Channel::kEmail, Channel::kPhone));
  EXPECT_EQ(with_arrangement.point_of_contact, "schools/kenilworth/staff/s-04");

  EXPECT_EQ(Decide(Query(Channel::kEmail, Utc(2025, 11, 4, 10, 0)), Inputs({}, {&ban})).outcome, Outcome::kAllow);
}

TEST(Gate, DifficultMeetingsNeedASecondStaffMemberAndTheHeadInformed) {
  GateDecision meeting =
      Decide(Query(Channel::kInPerson, Utc(2025, 11, 4, 10, 0), Purpose::kMeeting), Inputs({}, {}, true));
  EXPECT_EQ(meeting.outcome, Outcome::kAllow);
  EXPECT_THAT(meeting.requirements, ElementsAre(MeetingRequirement::kSecondStaff, MeetingRequirement::kHeadInformed));
  EXPECT_EQ(meeting.explanation,
            "No communication arrangement is in force for this guardian at this school; the meeting needs a second "
            "member of staff and the head informed.");

  GateDecision message = Decide(Query(Channel::kInPerson, Utc(2025, 11, 4, 10, 0)), Inputs({}, {}, true));
  EXPECT_THAT(message.requirements, IsEmpty());
}

TEST(Gate, MeetingRequirementsAreTheSortedUnionOfEverySource) {
  Arrangement a = Issued("a-1");
  a.terms.meeting.off_site_only = true;
  a.terms.meeting.second_staff_required = true;
  Arrangement b = Issued("a-2");
  b.terms.meeting.second_staff_required = true;
  PremisesBan ban = Ban("b-1", PremisesBanScope::kSite);
  GateDecision d =
      Decide(Query(Channel::kVideoCall, Utc(2025, 11, 4, 10, 0), Purpose::kMeeting), Inputs({&a, &b}, {&ban}, true));
  EXPECT_THAT(d.requirements, ElementsAre(MeetingRequirement::kSecondStaff, MeetingRequirement::kHeadInformed,
                                          MeetingRequirement::kOffSiteOnly));

  GateDecision only_arrangement =
      Decide(Query(Channel::kVideoCall, Utc(2025, 11, 4, 10, 0), Purpose::kMeeting), Inputs({&b}));
  EXPECT_THAT(only_arrangement.requirements, ElementsAre(MeetingRequirement::kSecondStaff));
}

TEST(Gate, AMeetingIsHeldThroughAChannelTheArrangementMustAllow) {
  Arrangement a = Issued("a-1");
  a.terms.allowed_channels = {Channel::kPhone, Channel::kVideoCall};
  a.terms.allowed_windows = {Window(kTue, 15, 30, 16, 30)};
  EXPECT_EQ(Decide(Query(Channel::kInPerson, Utc(2025, 11, 4, 15, 45), Purpose::kMeeting), Inputs({&a})).outcome,
            Outcome::kRedirect);
  EXPECT_EQ(Decide(Query(Channel::kVideoCall, Utc(2025, 11, 4, 15, 45), Purpose::kMeeting), Inputs({&a})).outcome,
            Outcome::kAllow);
  GateDecision late = Decide(Query(Channel::kVideoCall, Utc(2025, 11, 4, 17, 0), Purpose::kMeeting), Inputs({&a}));
  EXPECT_EQ(late.outcome, Outcome::kDefer);
  EXPECT_THAT(late.next_allowed_time, Optional(Utc(2025, 11, 11, 15, 30)));
}

TEST(Names, ChannelsOutcomesAndIncidentKindsHaveNames) {
  EXPECT_EQ(ChannelName(Channel::kAppMessage), "app message");
  EXPECT_EQ(ChannelName(Channel::kVideoCall), "video call");
  EXPECT_EQ(OutcomeName(Outcome::kNoResponseRequired), "NO_RESPONSE_REQUIRED");
  EXPECT_EQ(OutcomeName(Outcome::kDefer), "DEFER");
  EXPECT_EQ(IncidentKindName(IncidentKind::kAbusiveWrittenMessage), "abusive written message");
}

}  // namespace
}  // namespace parley::conduct
