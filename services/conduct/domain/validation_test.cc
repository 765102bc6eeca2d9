#include "services/conduct/domain/validation.h"

#include <string>

#include "absl/time/civil_time.h"
#include "absl/time/time.h"
#include "common/status/reason.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace parley::conduct {
namespace {

using ::testing::HasSubstr;

constexpr absl::Weekday kTue = absl::Weekday::tuesday;
constexpr absl::Weekday kThu = absl::Weekday::thursday;

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

// Kenilworth-style terms: email or letter, Tuesdays 15:30-16:30, one point of contact.
ArrangementTerms Terms() {
  ArrangementTerms t;
  t.allowed_channels = {Channel::kEmail, Channel::kLetter};
  t.allowed_windows = {Window(kTue, 15, 30, 16, 30)};
  t.point_of_contact = "schools/kenilworth/staff/s-04";
  t.reasons = "Repeated abusive emails to class teachers.";
  return t;
}

Arrangement Draft() {
  Arrangement a;
  a.id = "a-1";
  a.school_id = "kenilworth";
  a.guardian = "guardians/g-00012";
  a.terms = Terms();
  a.start_time = Utc(2025, 11, 3, 9, 0);
  a.review_date = absl::CivilDay(2026, 2, 2);
  return a;
}

void ExpectInvalid(const absl::Status& status, const std::string& reason, const std::string& fragment) {
  EXPECT_EQ(status.code(), absl::StatusCode::kInvalidArgument) << status;
  EXPECT_EQ(ErrorReason(status), reason) << status;
  EXPECT_THAT(std::string(status.message()), HasSubstr(fragment));
}

// ---- Terms ------------------------------------------------------------------------------------

TEST(ValidateTerms, KenilworthStyleTermsAreValid) {
  absl::Status status = ValidateTerms(Terms(), "kenilworth", /*for_issue=*/true);
  EXPECT_TRUE(status.ok()) << status;
}

TEST(ValidateTerms, AnEmptyWindowIsRefused) {
  ArrangementTerms t = Terms();
  t.allowed_windows = {Window(kTue, 15, 30, 15, 30)};
  ExpectInvalid(ValidateTerms(t, "kenilworth", false), "INVALID_ARRANGEMENT", "allowed_windows[0]: empty window");
}

TEST(ValidateTerms, AWindowEndingBeforeItStartsIsRefused) {
  ArrangementTerms t = Terms();
  t.allowed_windows = {Window(kThu, 9, 0, 10, 0), Window(kTue, 16, 30, 15, 0)};
  absl::Status status = ValidateTerms(t, "kenilworth", false);
  ExpectInvalid(status, "INVALID_ARRANGEMENT", "allowed_windows[1]: end 15:00 is not after start 16:30");
}

TEST(ValidateTerms, OverlappingWindowsOnADayAreRefusedTouchingOnesAreNot) {
  ArrangementTerms t = Terms();
  t.allowed_windows = {Window(kTue, 15, 30, 16, 30), Window(kThu, 15, 0, 16, 0), Window(kTue, 15, 0, 16, 0)};
  ExpectInvalid(ValidateTerms(t, "kenilworth", false), "INVALID_ARRANGEMENT",
                "allowed_windows[2]: Tuesday 15:00-16:00 overlaps allowed_windows[0] (Tuesday 15:30-16:30)");
  t.allowed_windows = {Window(kTue, 15, 30, 16, 30), Window(kTue, 14, 30, 15, 30), Window(kThu, 15, 0, 24, 0)};
  EXPECT_TRUE(ValidateTerms(t, "kenilworth", false).ok());
}

TEST(ValidateTerms, WindowsMustStayInsideTheDayAndBeFewEnough) {
  ArrangementTerms t = Terms();
  t.allowed_windows = {Window(kTue, 23, 0, 24, 1)};
  ExpectInvalid(ValidateTerms(t, "kenilworth", false), "INVALID_ARRANGEMENT", "allowed_windows[0]");
  t.allowed_windows.clear();
  for (int i = 0; i <= static_cast<int>(kMaxWindows); ++i) {
    t.allowed_windows.push_back(Window(static_cast<absl::Weekday>(i % 7), i % 24, 0, i % 24, 30));
  }
  ExpectInvalid(ValidateTerms(t, "kenilworth", false), "INVALID_ARRANGEMENT", "at most 28 windows");
}

TEST(ValidateTerms, UnknownAndDuplicateChannelsAreRefused) {
  ArrangementTerms t = Terms();
  t.allowed_channels = {Channel::kEmail, static_cast<Channel>(9)};
  ExpectInvalid(ValidateTerms(t, "kenilworth", false), "INVALID_ARRANGEMENT",
                "allowed_channels[1]: unknown channel value 9");
  t.allowed_channels = {static_cast<Channel>(0)};
  ExpectInvalid(ValidateTerms(t, "kenilworth", false), "INVALID_ARRANGEMENT", "unknown channel value 0");
  t.allowed_channels = {Channel::kEmail, Channel::kLetter, Channel::kEmail};
  ExpectInvalid(ValidateTerms(t, "kenilworth", false), "INVALID_ARRANGEMENT",
                "allowed_channels[2]: email is listed twice");
}

TEST(ValidateTerms, ThePointOfContactMustBeStaffOfTheIssuingSchool) {
  ArrangementTerms t = Terms();
  t.point_of_contact = "schools/woodgrange/staff/s-04";
  ExpectInvalid(ValidateTerms(t, "kenilworth", false), "INVALID_ARRANGEMENT", "point_of_contact");
  t.point_of_contact = "schools/kenilworth/staff/";
  ExpectInvalid(ValidateTerms(t, "kenilworth", false), "INVALID_ARRANGEMENT", "point_of_contact");
  t.point_of_contact = "schools/kenilworth/staff/s-04/extra";
  ExpectInvalid(ValidateTerms(t, "kenilworth", false), "INVALID_ARRANGEMENT", "point_of_contact");
  t.point_of_contact.clear();
  EXPECT_TRUE(ValidateTerms(t, "kenilworth", false).ok());
}

TEST(ValidateTerms, ReasonsAreRequiredToIssueAndLimitedInLength) {
  ArrangementTerms t = Terms();
  t.reasons = "  ";
  EXPECT_TRUE(ValidateTerms(t, "kenilworth", /*for_issue=*/false).ok());
  ExpectInvalid(ValidateTerms(t, "kenilworth", /*for_issue=*/true), "INVALID_ARRANGEMENT", "reasons: required");
  t.reasons = std::string(kMaxReasonsBytes + 1, 'x');
  absl::Status status = ValidateTerms(t, "kenilworth", false);
  ExpectInvalid(status, "INVALID_ARRANGEMENT", "reasons: at most 4000 bytes");
  EXPECT_THAT(std::string(status.message()), ::testing::Not(HasSubstr("xxx")));  // never echoes personal data
}

// ---- Arrangements ------------------------------------------------------------------------------

TEST(ValidateArrangement, ACompleteArrangementCanBeIssued) {
  absl::Status status = ValidateForIssue(Draft(), London());
  EXPECT_TRUE(status.ok()) << status;
}

TEST(ValidateArrangement, IssueNeedsAStartAndAReviewDate) {
  Arrangement a = Draft();
  a.start_time.reset();
  ExpectInvalid(ValidateForIssue(a, London()), "INVALID_ARRANGEMENT", "start_time: required");
  EXPECT_TRUE(ValidateDraft(a, London()).ok());
  a = Draft();
  a.review_date.reset();
  ExpectInvalid(ValidateForIssue(a, London()), "INVALID_ARRANGEMENT", "review_date: required");
}

TEST(ValidateArrangement, TheReviewDateIsComparedWithTheLocalStartDate) {
  Arrangement a = Draft();
  a.start_time = Utc(2025, 10, 1, 23, 30);  // 00:30 BST on Thu 2 Oct
  a.review_date = absl::CivilDay(2025, 10, 1);
  ExpectInvalid(ValidateForIssue(a, London()), "INVALID_ARRANGEMENT",
                "review_date: 2025-10-01 is before the start date 2025-10-02");
  ExpectInvalid(ValidateDraft(a, London()), "INVALID_ARRANGEMENT", "review_date");
  a.review_date = absl::CivilDay(2025, 10, 2);
  EXPECT_TRUE(ValidateForIssue(a, London()).ok());
}

TEST(ValidateArrangement, TheEndMustComeAfterTheStart) {
  Arrangement a = Draft();
  a.end_time = Utc(2025, 11, 3, 8, 0);
  ExpectInvalid(ValidateForIssue(a, London()), "INVALID_ARRANGEMENT", "end_time: must be after start_time");
  ExpectInvalid(ValidateDraft(a, London()), "INVALID_ARRANGEMENT", "end_time");
  a.end_time = a.start_time;
  ExpectInvalid(ValidateForIssue(a, London()), "INVALID_ARRANGEMENT", "end_time");
  a.end_time = Utc(2026, 7, 22, 15, 0);
  EXPECT_TRUE(ValidateForIssue(a, London()).ok());
}

TEST(ValidateArrangement, ADraftMayBeIncompleteButNotWrong) {
  Arrangement a = Draft();
  a.start_time.reset();
  a.review_date.reset();
  a.terms.reasons.clear();
  EXPECT_TRUE(ValidateDraft(a, London()).ok());
  a.terms.allowed_windows = {Window(kTue, 16, 30, 15, 0)};
  ExpectInvalid(ValidateDraft(a, London()), "INVALID_ARRANGEMENT", "allowed_windows[0]");
}

// ---- Tightening ------------------------------------------------------------------------------

ArrangementTerms Tightened() {
  ArrangementTerms t = Terms();
  t.reasons = "Breach on 10 Nov.";
  return t;
}

TEST(CheckTighter, DroppingAChannelOrShorteningAWindowIsATightening) {
  ArrangementTerms fewer_channels = Tightened();
  fewer_channels.allowed_channels = {Channel::kLetter};
  EXPECT_TRUE(CheckTighter(Terms(), fewer_channels).ok());

  ArrangementTerms shorter = Tightened();
  shorter.allowed_windows = {Window(kTue, 15, 30, 16, 0)};
  EXPECT_TRUE(CheckTighter(Terms(), shorter).ok());

  ArrangementTerms with_condition = Tightened();
  with_condition.meeting.second_staff_required = true;
  EXPECT_TRUE(CheckTighter(Terms(), with_condition).ok());

  ArrangementTerms none;
  ArrangementTerms first_limits = Tightened();
  EXPECT_TRUE(CheckTighter(none, first_limits).ok());
}

TEST(CheckTighter, AddingAChannelIsARelaxation) {
  ArrangementTerms t = Tightened();
  t.allowed_channels = {Channel::kEmail, Channel::kPhone};
  ExpectInvalid(CheckTighter(Terms(), t), "NOT_TIGHTER", "allowed_channels: phone is not allowed now");
}

TEST(CheckTighter, RemovingTheChannelListIsARelaxation) {
  ArrangementTerms t = Tightened();
  t.allowed_channels.clear();
  t.meeting.head_informed = true;  // a tightening elsewhere does not excuse it
  ExpectInvalid(CheckTighter(Terms(), t), "NOT_TIGHTER", "allowed_channels");
}

TEST(CheckTighter, WideningOrMovingAWindowIsARelaxation) {
  ArrangementTerms wider = Tightened();
  wider.allowed_windows = {Window(kTue, 15, 0, 16, 30)};
  ExpectInvalid(CheckTighter(Terms(), wider), "NOT_TIGHTER", "allowed_windows[0]: Tuesday 15:00-16:30");
  ArrangementTerms moved = Tightened();
  moved.allowed_windows = {Window(kThu, 15, 30, 16, 0)};
  ExpectInvalid(CheckTighter(Terms(), moved), "NOT_TIGHTER", "allowed_windows[0]");
  ArrangementTerms any_time = Tightened();
  any_time.allowed_windows.clear();
  ExpectInvalid(CheckTighter(Terms(), any_time), "NOT_TIGHTER", "allowed_windows");
}

TEST(CheckTighter, ChangingOrRemovingThePointOfContactIsRefused) {
  ArrangementTerms other = Tightened();
  other.point_of_contact = "schools/kenilworth/staff/s-05";
  other.allowed_channels = {Channel::kEmail};
  ExpectInvalid(CheckTighter(Terms(), other), "NOT_TIGHTER", "point_of_contact");
  ArrangementTerms none = Tightened();
  none.point_of_contact.clear();
  ExpectInvalid(CheckTighter(Terms(), none), "NOT_TIGHTER", "point_of_contact");
}

TEST(CheckTighter, DroppingAMeetingConditionIsARelaxation) {
  ArrangementTerms current = Terms();
  current.meeting.off_site_only = true;
  ArrangementTerms t = Tightened();
  t.allowed_channels = {Channel::kEmail};
  ExpectInvalid(CheckTighter(current, t), "NOT_TIGHTER", "meeting.off_site_only");
}

TEST(CheckTighter, TheSameTermsAreNotATightening) {
  ExpectInvalid(CheckTighter(Terms(), Tightened()), "NOT_TIGHTER", "restrict nothing more");
  // The same times split in two restrict nothing more either.
  ArrangementTerms split = Tightened();
  split.allowed_windows = {Window(kTue, 15, 30, 16, 0), Window(kTue, 16, 0, 16, 30)};
  ExpectInvalid(CheckTighter(Terms(), split), "NOT_TIGHTER", "restrict nothing more");
}

TEST(CheckTighter, NewReasonsAreRequired) {
  ArrangementTerms t = Tightened();
  t.allowed_channels = {Channel::kLetter};
  t.reasons.clear();
  ExpectInvalid(CheckTighter(Terms(), t), "INVALID_ARRANGEMENT", "reasons: required");
}

// ---- Incidents and bans ---------------------------------------------------------------------

Incident AnIncident() {
  Incident i;
  i.school_id = "woodgrange";
  i.guardian = "guardians/g-00031";
  i.kind = IncidentKind::kShouting;
  i.channel = Channel::kInPerson;
  i.occur_time = Utc(2025, 11, 3, 8, 40);
  i.staff_involved = {"schools/woodgrange/staff/s-01", "schools/woodgrange/staff/s-02"};
  i.reported_by = "users/office-1";
  i.description_ref = "blobs/d-1";
  return i;
}

const absl::Time kNow = Utc(2025, 11, 3, 9, 0);

TEST(ValidateIncident, ARecordedIncidentIsValid) { EXPECT_TRUE(ValidateIncident(AnIncident(), kNow).ok()); }

TEST(ValidateIncident, StaffMustBelongToTheSchoolAndBeListedOnce) {
  Incident i = AnIncident();
  i.staff_involved[1] = "schools/kenilworth/staff/s-02";
  ExpectInvalid(ValidateIncident(i, kNow), "INVALID_INCIDENT", "staff_involved[1]: must be a member of staff");
  i = AnIncident();
  i.staff_involved[1] = "Mrs Jones";
  absl::Status status = ValidateIncident(i, kNow);
  ExpectInvalid(status, "INVALID_INCIDENT", "staff_involved[1]");
  EXPECT_THAT(std::string(status.message()), ::testing::Not(HasSubstr("Jones")));
  i = AnIncident();
  i.staff_involved.push_back("schools/woodgrange/staff/s-01");
  ExpectInvalid(ValidateIncident(i, kNow), "INVALID_INCIDENT", "staff_involved[2]: listed twice");
  i = AnIncident();
  i.staff_involved.clear();
  for (size_t n = 0; n <= kMaxStaffInvolved; ++n)
    i.staff_involved.push_back("schools/woodgrange/staff/s-" + std::to_string(n));
  ExpectInvalid(ValidateIncident(i, kNow), "INVALID_INCIDENT", "staff_involved: at most 20");
}

TEST(ValidateIncident, AnIncidentCannotHappenInTheFuture) {
  Incident i = AnIncident();
  i.occur_time = kNow + absl::Seconds(30);  // clock skew
  EXPECT_TRUE(ValidateIncident(i, kNow).ok());
  i.occur_time = kNow + absl::Minutes(2);
  ExpectInvalid(ValidateIncident(i, kNow), "INVALID_INCIDENT", "occur_time: is in the future");
  i.occur_time = absl::Time();
  ExpectInvalid(ValidateIncident(i, kNow), "INVALID_INCIDENT", "occur_time: required");
}

TEST(ValidateIncident, KindAndChannelMustBeKnownAndTheReferenceShort) {
  Incident i = AnIncident();
  i.kind = static_cast<IncidentKind>(0);
  ExpectInvalid(ValidateIncident(i, kNow), "INVALID_INCIDENT", "kind");
  i = AnIncident();
  i.channel = static_cast<Channel>(42);
  ExpectInvalid(ValidateIncident(i, kNow), "INVALID_INCIDENT", "channel: unknown value 42");
  i = AnIncident();
  i.description_ref = std::string(kMaxReferenceBytes + 1, 'r');
  ExpectInvalid(ValidateIncident(i, kNow), "INVALID_INCIDENT", "description_ref");
}

PremisesBan ABan() {
  PremisesBan b;
  b.school_id = "woodgrange";
  b.guardian = "guardians/g-00031";
  b.scope = PremisesBanScope::kSite;
  b.start_time = Utc(2025, 11, 4, 0, 0);
  b.end_time = Utc(2026, 2, 4, 0, 0);
  b.reason = "Threatening behaviour at the gate.";
  return b;
}

TEST(ValidateBan, ABanNeedsAScopeAStartAnEndAfterItAndAReason) {
  EXPECT_TRUE(ValidateBan(ABan()).ok());
  PremisesBan b = ABan();
  b.end_time = b.start_time;
  ExpectInvalid(ValidateBan(b), "INVALID_PREMISES_BAN", "end_time: must be after start_time");
  b = ABan();
  b.end_time.reset();  // permanent
  EXPECT_TRUE(ValidateBan(b).ok());
  b.reason.clear();
  ExpectInvalid(ValidateBan(b), "INVALID_PREMISES_BAN", "reason: required");
  b = ABan();
  b.scope = static_cast<PremisesBanScope>(0);
  ExpectInvalid(ValidateBan(b), "INVALID_PREMISES_BAN", "scope");
  b = ABan();
  b.start_time = absl::Time();
  ExpectInvalid(ValidateBan(b), "INVALID_PREMISES_BAN", "start_time: required");
}

// ---- Clock times ---------------------------------------------------------------------------

TEST(ParseClock, ReadsHoursAndMinutesIncludingMidnightAtTheEnd) {
  int minutes = -1;
  ASSERT_TRUE(ParseClock("09:30", "allowed_windows[0].start", &minutes).ok());
  EXPECT_EQ(minutes, 570);
  ASSERT_TRUE(ParseClock("00:00", "allowed_windows[0].start", &minutes).ok());
  EXPECT_EQ(minutes, 0);
  ASSERT_TRUE(ParseClock("24:00", "allowed_windows[0].end", &minutes).ok());
  EXPECT_EQ(minutes, 1440);
  EXPECT_EQ(FormatClock(570), "09:30");
  EXPECT_EQ(FormatClock(1440), "24:00");
}

TEST(ParseClock, RefusesMalformedTimesNamingTheField) {
  for (const char* bad : {"9:30", "09:3", "24:01", "12:60", "25:00", "ab:cd", "09-30", "", "09:30:00", " 9:30"}) {
    int minutes = -1;
    absl::Status status = ParseClock(bad, "allowed_windows[1].end", &minutes);
    ExpectInvalid(status, "INVALID_FIELD", "allowed_windows[1].end");
    EXPECT_EQ(minutes, -1) << bad;
  }
}

}  // namespace
}  // namespace parley::conduct
