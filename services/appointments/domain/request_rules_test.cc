#include "services/appointments/domain/request_rules.h"

#include <algorithm>
#include <array>
#include <cstdio>
#include <cstdlib>
#include <functional>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "absl/time/civil_time.h"
#include "absl/time/time.h"
#include "common/calendar/calendar.h"
#include "common/calendar/testing/school_calendars.h"
#include "common/directory/model.h"
#include "common/status/reason.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "services/appointments/domain/meeting_request.h"

namespace parley::appointments {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::IsEmpty;
using ::testing::SizeIs;

const absl::TimeZone& kLondon = calendar::testdata::London();

absl::Time London(int y, int mo, int d, int h, int mi = 0) { return calendar::testdata::LondonTime(y, mo, d, h, mi); }
absl::Time Utc(int y, int mo, int d, int h, int mi = 0) {
  return absl::FromCivil(absl::CivilMinute(y, mo, d, h, mi), absl::UTCTimeZone());
}

template <typename T>
T Must(absl::StatusOr<T> s) {
  if (!s.ok()) {
    std::fprintf(stderr, "unexpected error: %s\n", s.status().ToString().c_str());
    std::abort();
  }
  return *std::move(s);
}

// Riverside (the secondary): "This request will be responded to within 2 working days."
directory::ResponseRule AnswerWithin(int days, directory::ClockCalendar cal = directory::ClockCalendar::kSchool) {
  directory::ResponseRule r;
  r.channel = directory::Channel::kMeetingRequest;
  r.stage = directory::Stage::kRespond;
  r.budget = calendar::Budget{calendar::Unit::kWorkingDays, days, absl::ZeroDuration()};
  r.clock_calendar = cal;
  r.policy_text = "This request will be responded to within 2 working days.";
  return r;
}

// Kenilworth: "We will aim to make appointments within 5 working days."
directory::ResponseRule HoldWithin(int days, std::vector<std::string> categories = {}) {
  directory::ResponseRule r;
  r.channel = directory::Channel::kMeetingRequest;
  r.stage = directory::Stage::kHoldMeeting;
  r.budget = calendar::Budget{calendar::Unit::kWorkingDays, days, absl::ZeroDuration()};
  r.policy_text = "We will aim to make appointments within 5 working days.";
  r.categories = std::move(categories);
  return r;
}

calendar::WorkingPattern Days(std::array<bool, 7> works) {
  calendar::WorkingPattern p;
  p.works = works;
  return p;
}

MeetingSlot Slot(absl::Time start, const std::string& staff = "mr-khan", Mode mode = Mode::kInPerson) {
  return MeetingSlot{Interval{start, start + absl::Minutes(30)}, staff, mode};
}

const std::string kGuardian = "guardians/g-1";
const std::string kOffice = "schools/riverside/staff/office";

class RequestRulesTest : public ::testing::Test {
 protected:
  std::shared_ptr<const calendar::Calendar> school_ =
      calendar::testdata::MustBuild(calendar::testdata::England2025To26());
  std::vector<directory::ResponseRule> rules_ = {AnswerWithin(2), HoldWithin(5)};

  ClockPolicy Policy() const { return ClockPolicy{rules_, school_.get(), nullptr, "mr-khan"}; }

  MeetingRequest Fresh(absl::Time received, RequestKind kind = RequestKind::kMeeting) const {
    MeetingRequest r;
    r.id = "r-1";
    r.school_id = "riverside";
    r.kind = kind;
    r.requester = kGuardian;
    r.guardian = "g-1";
    r.pupils = {"p-1"};
    r.topic = "Progress in maths";
    r.wanted = {{WantedRole::kClassTeacher, "mr-khan"}, {WantedRole::kSenco, "ms-patel"}};
    r.received_at = received;
    r.owner = "mr-khan";
    return r;
  }

  // Received Mon 3 Nov 2025 10:00: answer due Wed 5 Nov 15:30, hold due Mon 10 Nov 15:30 (GMT).
  MeetingRequest Opened(RequestKind kind = RequestKind::kMeeting) const {
    const absl::Time at = London(2025, 11, 3, 10);
    return Must(Open(Fresh(at, kind), Policy(), Act{kGuardian, at, ""})).after;
  }
  MeetingRequest Offered() const {
    return Must(OfferSlots(Opened(), Act{kOffice, London(2025, 11, 4, 9), ""},
                           {Slot(London(2025, 11, 5, 16)), Slot(London(2025, 11, 6, 16))}))
        .after;
  }
  MeetingRequest Booked() const {
    return Must(Accept(Offered(), Act{kGuardian, London(2025, 11, 4, 12), ""}, Slot(London(2025, 11, 5, 16)), "b-1"))
        .after;
  }
};

// --- (a) the clocks ------------------------------------------------------------------------------

TEST_F(RequestRulesTest, ARequestOnTheFridayBeforeHalfTermFallsDueAfterTheHoliday) {
  // Fri 24 Oct 2025 14:00 BST, inside core hours: day 0 is that Friday; 27-31 Oct is half-term.
  const Change c = Must(Open(Fresh(London(2025, 10, 24, 14)), Policy(), Act{kGuardian, London(2025, 10, 24, 14), ""}));
  ASSERT_TRUE(c.after.answer.has_value());
  ASSERT_TRUE(c.after.hold.has_value());
  EXPECT_EQ(c.after.answer->due, Utc(2025, 11, 4, 15, 30));  // Mon 3, Tue 4 Nov counted; 15:30 GMT
  EXPECT_EQ(c.after.hold->due, Utc(2025, 11, 7, 15, 30));    // Mon 3 .. Fri 7 Nov
  EXPECT_EQ(c.after.answer->stage, directory::Stage::kRespond);
  EXPECT_EQ(c.after.hold->stage, directory::Stage::kHoldMeeting);
  EXPECT_EQ(c.after.answer->state, ClockState::kRunning);
  EXPECT_EQ(c.after.answer->policy_text, "This request will be responded to within 2 working days.");
  EXPECT_EQ(c.after.answer->calendar_version, school_->Fingerprint());
  EXPECT_FALSE(c.after.answer->explanation.empty());
  EXPECT_EQ(c.after.state, RequestState::kOpen);
  ASSERT_THAT(c.events, SizeIs(1));
  EXPECT_EQ(c.events[0].kind, RequestEventKind::kRequested);
  EXPECT_EQ(c.events[0].seq, 1);
  ASSERT_THAT(c.timers, SizeIs(3));
  EXPECT_EQ(c.timers[0].due, c.after.answer->due);
  EXPECT_EQ(c.timers[1].due, c.after.hold->due);
  EXPECT_FALSE(c.timers[2].due.has_value());  // no call-back clock
}

TEST_F(RequestRulesTest, AFridayRequestAfterHoursStartsItsClocksAfterHalfTerm) {
  const Change c =
      Must(Open(Fresh(London(2025, 10, 24, 16, 10)), Policy(), Act{kGuardian, London(2025, 10, 24, 16, 10), ""}));
  EXPECT_EQ(c.after.answer->clock_start, Utc(2025, 11, 3, 8, 45));
  EXPECT_EQ(c.after.answer->due, Utc(2025, 11, 5, 15, 30));
  EXPECT_EQ(c.after.hold->due, Utc(2025, 11, 10, 15, 30));
}

TEST_F(RequestRulesTest, APartTimeOwnersCalendarSetsTheClockWhenTheRuleFollowsTheOwner) {
  const calendar::WorkingPattern mon_to_wed = Days({true, true, true, false, false, false, false});
  auto owner = calendar::testdata::MustBuild(calendar::testdata::England2025To26(), &mon_to_wed);
  const absl::Time thursday = London(2025, 11, 6, 10);

  rules_ = {AnswerWithin(2, directory::ClockCalendar::kOwner)};
  ClockPolicy policy = Policy();
  policy.owner_calendar = owner.get();
  const std::optional<RequestClock> theirs = Must(PolicyClock(ClockKind::kAnswer, policy, "", thursday));
  ASSERT_TRUE(theirs.has_value());
  EXPECT_EQ(theirs->clock_start, Utc(2025, 11, 10, 8, 45));  // they next work on Monday
  EXPECT_EQ(theirs->due, Utc(2025, 11, 12, 15, 30));         // Tue 11, Wed 12 counted
  EXPECT_EQ(theirs->owner, "mr-khan");
  EXPECT_EQ(theirs->calendar_version, owner->Fingerprint());

  // The same request under a rule on the school calendar: Thursday is day 0.
  rules_ = {AnswerWithin(2)};
  policy = Policy();
  policy.owner_calendar = owner.get();
  const std::optional<RequestClock> school = Must(PolicyClock(ClockKind::kAnswer, policy, "", thursday));
  EXPECT_EQ(school->due, Utc(2025, 11, 10, 15, 30));
  EXPECT_EQ(school->owner, "");
}

TEST_F(RequestRulesTest, DueInstantsKeepLocalHoursAcrossBothClockChanges) {
  // Clocks go back on Sun 26 Oct 2025 (inside half-term): a BST request falls due at 15:30 GMT.
  const absl::Time friday = London(2025, 10, 24, 14);
  const RequestClock autumn = *Must(PolicyClock(ClockKind::kAnswer, Policy(), "", friday));
  EXPECT_EQ(absl::ToCivilMinute(autumn.due, kLondon), absl::CivilMinute(2025, 11, 4, 15, 30));
  EXPECT_EQ(autumn.due, Utc(2025, 11, 4, 15, 30));
  // Clocks go forward on Sun 29 Mar 2026 (inside the Easter holiday): a GMT request on Thu 26 Mar
  // counts Fri 27 Mar and then Mon 13 Apr, due 15:30 BST = 14:30Z.
  const absl::Time thursday = London(2026, 3, 26, 10);
  EXPECT_EQ(thursday, Utc(2026, 3, 26, 10));
  const RequestClock spring = *Must(PolicyClock(ClockKind::kAnswer, Policy(), "", thursday));
  EXPECT_EQ(absl::ToCivilMinute(spring.due, kLondon), absl::CivilMinute(2026, 4, 13, 15, 30));
  EXPECT_EQ(spring.due, Utc(2026, 4, 13, 14, 30));
}

TEST_F(RequestRulesTest, NoRuleForAStageMeansNoClock) {
  directory::ResponseRule email = AnswerWithin(2);
  email.channel = directory::Channel::kEmail;  // a rule for emails is not one for meeting requests
  rules_ = {email};
  const Change c = Must(Open(Fresh(London(2025, 11, 3, 10)), Policy(), Act{kGuardian, London(2025, 11, 3, 10), ""}));
  EXPECT_FALSE(c.after.answer.has_value());
  EXPECT_FALSE(c.after.hold.has_value());
  for (const TimerSetting& t : c.timers) EXPECT_FALSE(t.due.has_value());

  // Kenilworth promises an appointment and says nothing of an answer: a hold clock only.
  rules_ = {HoldWithin(5)};
  const Change k = Must(Open(Fresh(London(2025, 11, 3, 10)), Policy(), Act{kGuardian, London(2025, 11, 3, 10), ""}));
  EXPECT_FALSE(k.after.answer.has_value());
  ASSERT_TRUE(k.after.hold.has_value());
  EXPECT_EQ(k.after.hold->due, Utc(2025, 11, 10, 15, 30));
}

TEST_F(RequestRulesTest, ARuleForTheRequestsCategoryWinsOverTheGeneralOne) {
  rules_ = {HoldWithin(5), HoldWithin(10, {"send"})};
  MeetingRequest r = Fresh(London(2025, 11, 3, 10));
  r.category = "send";
  const Change c = Must(Open(r, Policy(), Act{kGuardian, r.received_at, ""}));
  EXPECT_EQ(c.after.hold->due, Utc(2025, 11, 17, 15, 30));
  r.category = "learning";
  EXPECT_EQ(Must(Open(r, Policy(), Act{kGuardian, r.received_at, ""})).after.hold->due, Utc(2025, 11, 10, 15, 30));
}

TEST_F(RequestRulesTest, ACalendarWithNoWorkingPeriodLeftIsCalendarExhausted) {
  const absl::Time after_summer = London(2026, 7, 23, 10);  // the last term ended on 22 July
  const absl::StatusOr<Change> c = Open(Fresh(after_summer), Policy(), Act{kGuardian, after_summer, ""});
  ASSERT_FALSE(c.ok());
  EXPECT_EQ(c.status().code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_EQ(ErrorReason(c.status()), "CALENDAR_EXHAUSTED");
  EXPECT_THAT(std::string(c.status().message()), HasSubstr("riverside"));
  EXPECT_THAT(std::string(c.status().message()), HasSubstr("2026-07-23"));
}

// --- (b) transitions -----------------------------------------------------------------------------

TEST_F(RequestRulesTest, AnOfferMeetsTheAnswerClockAndAHeldMeetingTheHoldClock) {
  const Change offer = Must(OfferSlots(Opened(), Act{kOffice, London(2025, 11, 4, 9), ""},
                                       {Slot(London(2025, 11, 5, 16)), Slot(London(2025, 11, 6, 16))}));
  EXPECT_EQ(offer.after.state, RequestState::kOffered);
  EXPECT_EQ(offer.after.answer->state, ClockState::kMet);
  EXPECT_EQ(offer.after.answer->met_at, London(2025, 11, 4, 9));
  EXPECT_FALSE(offer.timers[0].due.has_value());              // the answer timer goes
  EXPECT_EQ(offer.timers[1].due, Utc(2025, 11, 10, 15, 30));  // the hold timer stays
  EXPECT_THAT(offer.after.offered, SizeIs(2));

  const Change accept =
      Must(Accept(offer.after, Act{kGuardian, London(2025, 11, 4, 12), ""}, Slot(London(2025, 11, 5, 16)), "b-1"));
  ASSERT_THAT(accept.events, SizeIs(2));
  EXPECT_EQ(accept.events[0].kind, RequestEventKind::kAccepted);
  EXPECT_EQ(accept.events[1].kind, RequestEventKind::kBooked);
  EXPECT_EQ(accept.events[1].seq, 4);  // requested 1, offered 2, accepted 3
  EXPECT_EQ(accept.after.state, RequestState::kBooked);
  EXPECT_EQ(accept.after.booking_id, "b-1");
  EXPECT_THAT(accept.after.offered, IsEmpty());
  EXPECT_FALSE(accept.timers[1].due.has_value());  // a meeting in time is booked

  const Change held = Must(MarkHeld(accept.after, Act{kOffice, London(2025, 11, 5, 16, 40), ""}));
  EXPECT_EQ(held.after.state, RequestState::kHeld);
  EXPECT_EQ(held.after.hold->state, ClockState::kMet);
  EXPECT_EQ(held.after.hold->met_at, London(2025, 11, 5, 16));  // the meeting began then
  for (const TimerSetting& t : held.timers) EXPECT_FALSE(t.due.has_value());
}

TEST_F(RequestRulesTest, AMeetingHeldAfterTheHoldDeadlineIsKeptLate) {
  const Change booked =
      Must(Book(Opened(), Act{kOffice, London(2025, 11, 4, 9), ""}, Slot(London(2025, 11, 11, 16)), "b-2"));
  EXPECT_EQ(booked.after.answer->state, ClockState::kMet);
  EXPECT_EQ(booked.timers[1].due, Utc(2025, 11, 10, 15, 30));  // booked after the deadline: still armed
  const Change held = Must(MarkHeld(booked.after, Act{kOffice, London(2025, 11, 11, 17), ""}));
  EXPECT_EQ(held.after.hold->state, ClockState::kBreached);
  EXPECT_EQ(held.after.hold->met_at, London(2025, 11, 11, 16));
}

TEST_F(RequestRulesTest, ACounterOfferReturnsTheRequestToTheSchoolOnTheSameClocks) {
  const Interval friday_early{London(2025, 11, 7, 8), London(2025, 11, 7, 8, 30)};
  const Change counter =
      Must(CounterOffer(Offered(), Act{kGuardian, London(2025, 11, 4, 12), "I work late"}, {friday_early}));
  EXPECT_EQ(counter.after.state, RequestState::kOpen);
  EXPECT_THAT(counter.after.proposed, ElementsAre(friday_early));
  EXPECT_THAT(counter.after.offered, IsEmpty());
  EXPECT_EQ(counter.after.answer->state, ClockState::kMet);  // the first offer answered it
  EXPECT_EQ(counter.timers[1].due, Utc(2025, 11, 10, 15, 30));
  EXPECT_EQ(counter.events[0].reason, "I work late");

  const MeetingSlot early{friday_early, "mr-khan", Mode::kInPerson};
  const Change again = Must(OfferSlots(counter.after, Act{kOffice, London(2025, 11, 4, 14), ""}, {early}));
  const Change accepted = Must(Accept(again.after, Act{kGuardian, London(2025, 11, 4, 15), ""}, early, "b-3"));
  EXPECT_EQ(accepted.after.state, RequestState::kBooked);
  EXPECT_EQ(accepted.after.slot, early);
}

TEST_F(RequestRulesTest, DecliningOrWithdrawingStopsTheClocks) {
  const Change declined = Must(Decline(Offered(), Act{kGuardian, London(2025, 11, 4, 12), "none suit"}));
  EXPECT_EQ(declined.after.state, RequestState::kDeclined);
  EXPECT_EQ(declined.after.answer->state, ClockState::kMet);
  EXPECT_EQ(declined.after.hold->state, ClockState::kStopped);
  for (const TimerSetting& t : declined.timers) EXPECT_FALSE(t.due.has_value());

  const Change withdrawn = Must(Withdraw(Opened(), Act{kGuardian, London(2025, 11, 4, 12), "sorted out"}));
  EXPECT_EQ(withdrawn.after.state, RequestState::kWithdrawn);
  EXPECT_EQ(withdrawn.after.answer->state, ClockState::kStopped);
  EXPECT_EQ(withdrawn.after.hold->state, ClockState::kStopped);
}

TEST_F(RequestRulesTest, TheGuardianCancellingEndsTheRequestTheSchoolCancellingReopensIt) {
  const Change by_guardian = Must(Cancel(Booked(), Act{kGuardian, London(2025, 11, 4, 13), "ill"}, Party::kGuardian));
  EXPECT_EQ(by_guardian.after.state, RequestState::kCancelled);
  EXPECT_EQ(by_guardian.after.hold->state, ClockState::kStopped);
  EXPECT_EQ(by_guardian.events[0].booking_id, "b-1");
  EXPECT_EQ(by_guardian.events[0].by, Party::kGuardian);
  for (const TimerSetting& t : by_guardian.timers) EXPECT_FALSE(t.due.has_value());

  const Change by_school =
      Must(Cancel(Booked(), Act{kOffice, London(2025, 11, 4, 13), "teacher off sick"}, Party::kSchool));
  EXPECT_EQ(by_school.after.state, RequestState::kOpen);
  EXPECT_EQ(by_school.after.hold->state, ClockState::kRunning);
  EXPECT_EQ(by_school.after.booking_id, "");
  EXPECT_FALSE(by_school.after.slot.has_value());
  EXPECT_EQ(by_school.timers[1].due, Utc(2025, 11, 10, 15, 30));  // the promise stands
  EXPECT_EQ(by_school.events[0].booking_id, "b-1");
  // The school offers again.
  EXPECT_TRUE(
      OfferSlots(by_school.after, Act{kOffice, London(2025, 11, 4, 14), ""}, {Slot(London(2025, 11, 6, 16))}).ok());
}

TEST_F(RequestRulesTest, ANoShowMeetsTheHoldClockTheSchoolWasThere) {
  const Change c = Must(MarkNoShow(Booked(), Act{kOffice, London(2025, 11, 5, 16, 20), ""}));
  EXPECT_EQ(c.after.state, RequestState::kNoShow);
  EXPECT_EQ(c.after.hold->state, ClockState::kMet);
  for (const TimerSetting& t : c.timers) EXPECT_FALSE(t.due.has_value());
}

TEST_F(RequestRulesTest, ReplayingTheHistoryGivesBackTheRecord) {
  MeetingRequest r = Opened();
  r = Must(OfferSlots(r, Act{kOffice, London(2025, 11, 4, 9), ""}, {Slot(London(2025, 11, 5, 16))})).after;
  r = Must(CounterOffer(r, Act{kGuardian, London(2025, 11, 4, 10), ""},
                        {Interval{London(2025, 11, 6, 16), London(2025, 11, 6, 16, 30)}}))
          .after;
  r = Must(OfferSlots(r, Act{kOffice, London(2025, 11, 4, 11), ""}, {Slot(London(2025, 11, 6, 16))})).after;
  r = Must(Accept(r, Act{kGuardian, London(2025, 11, 4, 12), ""}, Slot(London(2025, 11, 6, 16)), "b-1")).after;
  r = Must(Cancel(r, Act{kOffice, London(2025, 11, 5, 9), "cover"}, Party::kSchool)).after;
  r = Must(LinkEnquiry(r, Act{kOffice, London(2025, 11, 5, 9), ""}, "schools/riverside/enquiries/e-7")).after;
  r = Must(Book(r, Act{kOffice, London(2025, 11, 5, 10), ""}, Slot(London(2025, 11, 11, 16), "ms-patel"), "b-2")).after;
  r = Must(OnClockDue(r, ClockKind::kHold, Utc(2025, 11, 10, 15, 30), Utc(2025, 11, 10, 15, 30),
                      BreachContext{StaffMember{"mr-khan", school_.get(), std::nullopt}, std::nullopt, false}))
          .after;
  r = Must(MarkHeld(r, Act{kOffice, London(2025, 11, 11, 17), ""})).after;
  ASSERT_THAT(r.history, SizeIs(11));
  for (size_t i = 0; i < r.history.size(); ++i) EXPECT_EQ(r.history[i].seq, static_cast<int64_t>(i + 1));

  const MeetingRequest replayed = Replay(r);
  EXPECT_EQ(replayed.state, RequestState::kHeld);
  EXPECT_EQ(replayed.state, r.state);
  EXPECT_EQ(replayed.slot, r.slot);
  EXPECT_EQ(replayed.booking_id, "b-2");
  EXPECT_EQ(replayed.enquiry, "schools/riverside/enquiries/e-7");
  EXPECT_EQ(replayed.proposed, r.proposed);
  EXPECT_EQ(replayed.answer->state, ClockState::kMet);
  EXPECT_EQ(replayed.hold->state, ClockState::kBreached);
  EXPECT_EQ(replayed.hold->breached_at, Utc(2025, 11, 10, 15, 30));
  EXPECT_EQ(replayed.hold->met_at, r.hold->met_at);
}

// Every transition refused in every state it does not fit, with WRONG_STATE and no Change.
TEST_F(RequestRulesTest, EveryInvalidTransitionIsRefusedWithItsReason) {
  const absl::Time now = London(2025, 11, 5, 17);
  const Act act{kOffice, now, "a reason"};
  const MeetingSlot later = Slot(London(2025, 11, 7, 16));
  struct Action {
    const char* name;
    std::function<absl::StatusOr<Change>(const MeetingRequest&)> run;
    std::vector<RequestState> allowed;
  };
  const std::vector<Action> actions = {
      {"offer",
       [&](const MeetingRequest& r) { return OfferSlots(r, act, {later}); },
       {RequestState::kOpen, RequestState::kOffered}},
      {"counter",
       [&](const MeetingRequest& r) { return CounterOffer(r, act, {later.time}); },
       {RequestState::kOffered}},
      {"accept",
       [&](const MeetingRequest& r) { return Accept(r, act, Slot(London(2025, 11, 6, 16)), "b-9"); },
       {RequestState::kOffered}},
      {"book",
       [&](const MeetingRequest& r) { return Book(r, act, later, "b-9"); },
       {RequestState::kOpen, RequestState::kOffered}},
      {"decline", [&](const MeetingRequest& r) { return Decline(r, act); }, {RequestState::kOffered}},
      {"cancel", [&](const MeetingRequest& r) { return Cancel(r, act, Party::kGuardian); }, {RequestState::kBooked}},
      {"withdraw",
       [&](const MeetingRequest& r) { return Withdraw(r, act); },
       {RequestState::kOpen, RequestState::kOffered}},
      {"no-show", [&](const MeetingRequest& r) { return MarkNoShow(r, act); }, {RequestState::kBooked}},
      {"held", [&](const MeetingRequest& r) { return MarkHeld(r, act); }, {RequestState::kBooked}},
      {"called back", [&](const MeetingRequest& r) { return CalledBack(r, act); }, {RequestState::kMissed}},
  };
  const MeetingRequest booked = Booked();
  MeetingRequest call = Opened(RequestKind::kCall);
  call = Must(Book(call, Act{kOffice, London(2025, 11, 4, 9), ""},
                   Slot(London(2025, 11, 5, 15), "mr-khan", Mode::kPhone), "b-c"))
             .after;
  call = Must(MarkCallMissed(call, Act{kOffice, London(2025, 11, 5, 15, 10), ""},
                             StaffMember{"mr-khan", school_.get(), std::nullopt}))
             .after;
  const std::vector<MeetingRequest> states = {
      Opened(),
      Offered(),
      booked,
      Must(MarkHeld(booked, Act{kOffice, London(2025, 11, 5, 16, 30), ""})).after,
      Must(Decline(Offered(), Act{kGuardian, London(2025, 11, 4, 12), ""})).after,
      Must(Cancel(booked, Act{kGuardian, London(2025, 11, 4, 13), "ill"}, Party::kGuardian)).after,
      Must(Withdraw(Opened(), Act{kGuardian, London(2025, 11, 4, 12), ""})).after,
      Must(MarkNoShow(booked, Act{kOffice, London(2025, 11, 5, 16, 20), ""})).after,
      call,
  };
  int refused = 0;
  for (const MeetingRequest& r : states) {
    for (const Action& a : actions) {
      if (std::find(a.allowed.begin(), a.allowed.end(), r.state) != a.allowed.end()) continue;
      const size_t events_before = r.history.size();
      const absl::StatusOr<Change> c = a.run(r);
      ASSERT_FALSE(c.ok()) << a.name << " on a " << RequestStateWord(r.state) << " request";
      EXPECT_EQ(c.status().code(), absl::StatusCode::kFailedPrecondition)
          << a.name << " / " << RequestStateWord(r.state);
      EXPECT_EQ(ErrorReason(c.status()), "WRONG_STATE") << a.name << " / " << RequestStateWord(r.state);
      EXPECT_EQ(r.history.size(), events_before);
      ++refused;
    }
  }
  EXPECT_EQ(refused, 9 * 10 - 13);  // 13 (state, action) pairs are allowed
}

absl::Status StatusOf(const absl::StatusOr<Change>& c) { return c.status(); }

TEST_F(RequestRulesTest, BadSlotsAndMissingFieldsAreRefusedWithClearReasons) {
  const Act act{kOffice, London(2025, 11, 4, 9), ""};
  const MeetingRequest open = Opened();
  auto reason = [](const absl::StatusOr<Change>& c) { return c.ok() ? std::string("OK") : ErrorReason(c.status()); };

  EXPECT_EQ(reason(OfferSlots(open, act, {})), "INVALID_FIELD");
  MeetingSlot backwards = Slot(London(2025, 11, 5, 16));
  backwards.time.end = backwards.time.start - absl::Minutes(5);
  EXPECT_EQ(reason(OfferSlots(open, act, {backwards})), "INVALID_SLOT");
  EXPECT_EQ(reason(OfferSlots(open, act, {Slot(London(2025, 11, 5, 16)), Slot(London(2025, 11, 5, 16))})),
            "INVALID_SLOT");
  EXPECT_EQ(reason(OfferSlots(open, act, {Slot(London(2025, 11, 3, 16))})), "SLOT_IN_PAST");
  EXPECT_EQ(reason(OfferSlots(open, act, {Slot(London(2025, 11, 5, 16), "mr-someone-else")})), "SLOT_OUTSIDE_REQUEST");
  EXPECT_EQ(reason(OfferSlots(open, act, {Slot(London(2025, 11, 5, 16), "ms-patel")})),
            "OK");  // the SENCo was asked for

  MeetingRequest phone_only = open;
  phone_only.modes = {Mode::kPhone, Mode::kVideo};
  EXPECT_EQ(reason(OfferSlots(phone_only, act, {Slot(London(2025, 11, 5, 16))})), "SLOT_OUTSIDE_REQUEST");
  EXPECT_EQ(reason(OfferSlots(phone_only, act, {Slot(London(2025, 11, 5, 16), "mr-khan", Mode::kVideo)})), "OK");

  MeetingRequest after_work = open;
  after_work.windows = {Interval{London(2025, 11, 5, 17), London(2025, 11, 5, 19)}};
  EXPECT_EQ(reason(OfferSlots(after_work, act, {Slot(London(2025, 11, 5, 16))})), "SLOT_OUTSIDE_REQUEST");
  EXPECT_EQ(reason(OfferSlots(after_work, act, {Slot(London(2025, 11, 5, 17))})), "OK");

  const MeetingRequest call = Opened(RequestKind::kCall);
  EXPECT_EQ(reason(Book(call, act, Slot(London(2025, 11, 5, 15)), "b-1")), "SLOT_OUTSIDE_REQUEST");  // in person

  const MeetingRequest offered = Offered();
  const Act guardian{kGuardian, London(2025, 11, 4, 12), ""};
  EXPECT_EQ(reason(Accept(offered, guardian, Slot(London(2025, 11, 7, 16)), "b-1")), "SLOT_NOT_OFFERED");
  EXPECT_EQ(reason(Accept(offered, guardian, Slot(London(2025, 11, 5, 16)), "")), "INVALID_FIELD");
  EXPECT_EQ(
      reason(Accept(offered, Act{kGuardian, London(2025, 11, 5, 16, 5), ""}, Slot(London(2025, 11, 5, 16)), "b-1")),
      "SLOT_IN_PAST");
  EXPECT_EQ(reason(CounterOffer(offered, guardian, {})), "INVALID_FIELD");
  EXPECT_EQ(reason(CounterOffer(offered, guardian, {Interval{London(2025, 11, 4, 8), London(2025, 11, 4, 9)}})),
            "SLOT_IN_PAST");

  const MeetingRequest booked = Booked();
  EXPECT_EQ(reason(Cancel(booked, Act{kGuardian, London(2025, 11, 4, 13), ""}, Party::kGuardian)), "REASON_REQUIRED");
  const absl::StatusOr<Change> early = MarkHeld(booked, Act{kOffice, London(2025, 11, 5, 15, 59), ""});
  EXPECT_EQ(StatusOf(early).code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_EQ(reason(early), "MEETING_NOT_STARTED");
  EXPECT_EQ(reason(MarkNoShow(booked, Act{kOffice, London(2025, 11, 5, 15, 59), ""})), "MEETING_NOT_STARTED");
  EXPECT_EQ(reason(MarkCallMissed(booked, Act{kOffice, London(2025, 11, 5, 16, 5), ""},
                                  StaffMember{"mr-khan", school_.get(), std::nullopt})),
            "NOT_A_CALL");

  EXPECT_EQ(reason(Open(open, Policy(), act)), "ALREADY_OPENED");
  MeetingRequest ownerless = Fresh(London(2025, 11, 3, 10));
  ownerless.owner.clear();
  EXPECT_EQ(reason(Open(ownerless, Policy(), act)), "OWNER_REQUIRED");

  EXPECT_EQ(reason(LinkEnquiry(open, act, "enquiries/e-1")), "INVALID_NAME");
  EXPECT_EQ(reason(LinkEnquiry(open, act, "schools/riverside/enquiries/")), "INVALID_NAME");
  EXPECT_EQ(reason(LinkEnquiry(open, act, "schools/st-marys/enquiries/e-1")), "CROSS_SCHOOL_REFERENCE");
  const MeetingRequest linked = Must(LinkEnquiry(open, act, "schools/riverside/enquiries/e-1")).after;
  EXPECT_THAT(Must(LinkEnquiry(linked, act, "schools/riverside/enquiries/e-1")).events, IsEmpty());
  EXPECT_EQ(reason(LinkEnquiry(linked, act, "schools/riverside/enquiries/e-2")), "WRONG_STATE");
}

// --- (c) breach plans ----------------------------------------------------------------------------

TEST_F(RequestRulesTest, AnAnswerBreachTellsTheOwnerAndLineManagerInTheirNextWorkingPeriods) {
  const calendar::WorkingPattern mon_tue = Days({true, true, false, false, false, false, false});
  auto manager_cal = calendar::testdata::MustBuild(calendar::testdata::England2025To26(), &mon_tue);
  const BreachContext context{StaffMember{"mr-khan", school_.get(), std::nullopt},
                              StaffMember{"mrs-ahmed", manager_cal.get(), std::nullopt}, false};
  const MeetingRequest r = Opened();
  const absl::Time due = Utc(2025, 11, 5, 15, 30);  // Wed 5 Nov, the close of core hours
  ASSERT_EQ(r.answer->due, due);

  const Change c = Must(OnClockDue(r, ClockKind::kAnswer, due, due, context));
  ASSERT_THAT(c.events, SizeIs(1));
  EXPECT_EQ(c.events[0].kind, RequestEventKind::kAnswerBreached);
  EXPECT_EQ(c.events[0].actor, kServiceActor);
  EXPECT_EQ(c.events[0].breached_due, due);
  EXPECT_EQ(c.after.answer->state, ClockState::kBreached);
  EXPECT_EQ(c.after.answer->breached_at, due);
  ASSERT_THAT(c.notices, SizeIs(2));
  EXPECT_EQ(c.notices[0].template_key, "appointments.answer_breach");
  EXPECT_EQ(c.notices[0].recipient, "mr-khan");
  EXPECT_EQ(c.notices[0].earliest, Utc(2025, 11, 6, 8, 45));  // Thursday morning
  EXPECT_EQ(c.notices[1].recipient, "mrs-ahmed");
  EXPECT_EQ(c.notices[1].earliest, Utc(2025, 11, 10, 8, 45));  // she works Mondays and Tuesdays
  EXPECT_EQ(c.notices[0].due, due);
  EXPECT_NE(c.notices[0].key, c.notices[1].key);
  EXPECT_EQ(c.notices[0].request_id, "r-1");
  EXPECT_FALSE(c.timers[0].due.has_value());  // breach recorded: the answer timer is done
  EXPECT_EQ(c.timers[1].due, Utc(2025, 11, 10, 15, 30));

  // The timer firing again (a retry, a second replica) plans nothing.
  EXPECT_THAT(Must(OnClockDue(c.after, ClockKind::kAnswer, due, due + absl::Seconds(5), context)).events, IsEmpty());
}

TEST_F(RequestRulesTest, ABreachNoticeToATeacherWaitsUntilTheyAreOutOfClassUnlessUrgent) {
  const MeetingRequest r = Opened();
  const absl::Time due = r.answer->due;
  const absl::Time late = London(2025, 11, 6, 10);  // the timer fired late, Thursday mid-morning
  BreachContext context{StaffMember{"mr-khan", school_.get(), std::nullopt}, std::nullopt, false};
  EXPECT_EQ(Must(OnClockDue(r, ClockKind::kAnswer, due, late, context)).notices.at(0).earliest, late);

  context.owner.teaching_hours = calendar::HoursRange{8 * 60 + 50, 15 * 60 + 25};  // Milton Road
  const Change c = Must(OnClockDue(r, ClockKind::kAnswer, due, late, context));
  ASSERT_THAT(c.notices, SizeIs(1));  // no line manager
  EXPECT_EQ(c.notices[0].earliest, London(2025, 11, 6, 15, 25));

  context.urgent = true;
  const Change urgent = Must(OnClockDue(r, ClockKind::kAnswer, due, late, context));
  EXPECT_EQ(urgent.notices.at(0).earliest, late);
  EXPECT_TRUE(urgent.notices.at(0).urgent);
}

TEST_F(RequestRulesTest, MetMovedEndedOrNotYetDueClocksPlanNothing) {
  const BreachContext context{StaffMember{"mr-khan", school_.get(), std::nullopt},
                              StaffMember{"mrs-ahmed", school_.get(), std::nullopt}, false};
  const absl::Time answer_due = Utc(2025, 11, 5, 15, 30);
  const absl::Time hold_due = Utc(2025, 11, 10, 15, 30);
  auto nothing = [&](const MeetingRequest& r, ClockKind kind, absl::Time armed, absl::Time now) {
    const Change c = Must(OnClockDue(r, kind, armed, now, context));
    return c.events.empty() && c.notices.empty() && c.timers.empty() && c.after.history.size() == r.history.size();
  };
  EXPECT_TRUE(nothing(Offered(), ClockKind::kAnswer, answer_due, answer_due));                    // met by the offer
  EXPECT_TRUE(nothing(Opened(), ClockKind::kAnswer, answer_due, answer_due - absl::Minutes(1)));  // not yet due
  EXPECT_TRUE(nothing(Opened(), ClockKind::kAnswer, answer_due - absl::Hours(24), answer_due));   // moved since armed
  EXPECT_TRUE(nothing(Booked(), ClockKind::kHold, hold_due, hold_due));  // a meeting before the deadline is booked
  EXPECT_TRUE(nothing(Must(Withdraw(Opened(), Act{kGuardian, London(2025, 11, 4, 9), ""})).after, ClockKind::kHold,
                      hold_due, hold_due));
  EXPECT_TRUE(nothing(Opened(), ClockKind::kCallBack, hold_due, hold_due));  // no such clock

  // No clock where the policy promises none: nothing to fire.
  rules_ = {};
  const MeetingRequest unpromised = Opened();
  EXPECT_TRUE(nothing(unpromised, ClockKind::kAnswer, answer_due, answer_due));
  EXPECT_TRUE(nothing(unpromised, ClockKind::kHold, hold_due, hold_due));
}

TEST_F(RequestRulesTest, AMeetingBookedAfterTheHoldDeadlineBreachesIt) {
  const MeetingRequest late =
      Must(Book(Opened(), Act{kOffice, London(2025, 11, 4, 9), ""}, Slot(London(2025, 11, 12, 16)), "b-1")).after;
  const absl::Time due = Utc(2025, 11, 10, 15, 30);
  const Change c =
      Must(OnClockDue(late, ClockKind::kHold, due, due,
                      BreachContext{StaffMember{"mr-khan", school_.get(), std::nullopt}, std::nullopt, false}));
  ASSERT_THAT(c.events, SizeIs(1));
  EXPECT_EQ(c.events[0].kind, RequestEventKind::kHoldBreached);
  ASSERT_THAT(c.notices, SizeIs(1));
  EXPECT_EQ(c.notices[0].template_key, "appointments.hold_breach");
  EXPECT_EQ(c.notices[0].earliest, Utc(2025, 11, 11, 8, 45));
  EXPECT_EQ(c.after.state, RequestState::kBooked);  // the meeting still happens
}

// --- (d) arranged calls --------------------------------------------------------------------------

class ArrangedCallTest : public RequestRulesTest {
 protected:
  // A call booked for `at` on a request received the working day before it.
  MeetingRequest CallBookedFor(absl::Time at, absl::Time received) const {
    MeetingRequest r = Must(Open(Fresh(received, RequestKind::kCall), Policy(), Act{kGuardian, received, ""})).after;
    return Must(Book(r, Act{kOffice, received, ""}, Slot(at, "mr-khan", Mode::kPhone), "b-call")).after;
  }
  StaffMember Teacher() const { return StaffMember{"mr-khan", school_.get(), std::nullopt}; }
};

TEST_F(ArrangedCallTest, ACallMissedAtThreeIsReturnedByThatDaysClose) {
  const MeetingRequest booked = CallBookedFor(London(2025, 11, 4, 15), London(2025, 11, 3, 10));
  const Change c = Must(MarkCallMissed(booked, Act{kOffice, London(2025, 11, 4, 15, 5), "in a meeting"}, Teacher()));
  EXPECT_EQ(c.after.state, RequestState::kMissed);
  ASSERT_TRUE(c.after.call_back.has_value());
  EXPECT_EQ(c.after.call_back->kind, ClockKind::kCallBack);
  EXPECT_EQ(c.after.call_back->due, Utc(2025, 11, 4, 15, 30));
  EXPECT_EQ(c.after.call_back->owner, "mr-khan");
  EXPECT_EQ(c.timers[2].due, Utc(2025, 11, 4, 15, 30));
  ASSERT_THAT(c.notices, SizeIs(1));
  EXPECT_EQ(c.notices[0].template_key, "appointments.call_back_due");
  EXPECT_EQ(c.notices[0].earliest, London(2025, 11, 4, 15, 5));
  EXPECT_EQ(c.notices[0].due, Utc(2025, 11, 4, 15, 30));

  const Change back =
      Must(CalledBack(c.after, Act{"schools/riverside/staff/mr-khan", London(2025, 11, 4, 15, 20), ""}));
  EXPECT_EQ(back.after.state, RequestState::kHeld);
  EXPECT_EQ(back.after.call_back->state, ClockState::kMet);
  EXPECT_EQ(back.after.hold->state, ClockState::kMet);
  for (const TimerSetting& t : back.timers) EXPECT_FALSE(t.due.has_value());
}

TEST_F(ArrangedCallTest, ACallMissedAfterHoursIsReturnedByTheNextWorkingDaysClose) {
  const MeetingRequest tuesday = CallBookedFor(London(2025, 11, 4, 17), London(2025, 11, 3, 10));
  const Change c = Must(MarkCallMissed(tuesday, Act{kOffice, London(2025, 11, 4, 17, 5), ""}, Teacher()));
  EXPECT_EQ(c.after.call_back->due, Utc(2025, 11, 5, 15, 30));
  EXPECT_EQ(c.notices.at(0).earliest, Utc(2025, 11, 5, 8, 45));  // told when they are next at work

  // A Friday evening before half-term: the next working day is Monday 3 November.
  const MeetingRequest friday = CallBookedFor(London(2025, 10, 24, 17), London(2025, 10, 23, 10));
  EXPECT_EQ(Must(MarkCallMissed(friday, Act{kOffice, London(2025, 10, 24, 17, 5), ""}, Teacher())).after.call_back->due,
            Utc(2025, 11, 3, 15, 30));

  // A part-time teacher (Monday to Wednesday) whose Wednesday-evening call is missed calls back on Monday.
  const calendar::WorkingPattern mon_to_wed = Days({true, true, true, false, false, false, false});
  auto theirs = calendar::testdata::MustBuild(calendar::testdata::England2025To26(), &mon_to_wed);
  EXPECT_EQ(Must(CallBackDue(*theirs, London(2025, 11, 5, 17))), Utc(2025, 11, 10, 15, 30));
}

TEST_F(ArrangedCallTest, AnUnreturnedCallBreachesAtTheCloseAndTellsTheTeacherAndLineManager) {
  const MeetingRequest booked = CallBookedFor(London(2025, 11, 4, 15), London(2025, 11, 3, 10));
  const MeetingRequest missed =
      Must(MarkCallMissed(booked, Act{kOffice, London(2025, 11, 4, 15, 5), ""}, Teacher())).after;
  const absl::Time due = Utc(2025, 11, 4, 15, 30);
  const Change c =
      Must(OnClockDue(missed, ClockKind::kCallBack, due, due,
                      BreachContext{Teacher(), StaffMember{"mrs-ahmed", school_.get(), std::nullopt}, false}));
  ASSERT_THAT(c.events, SizeIs(1));
  EXPECT_EQ(c.events[0].kind, RequestEventKind::kCallBackBreached);
  EXPECT_EQ(c.after.call_back->state, ClockState::kBreached);
  ASSERT_THAT(c.notices, SizeIs(2));
  EXPECT_EQ(c.notices[0].template_key, "appointments.call_back_breach");
  EXPECT_EQ(c.notices[0].earliest, Utc(2025, 11, 5, 8, 45));
  EXPECT_EQ(c.notices[1].recipient, "mrs-ahmed");
  EXPECT_EQ(c.after.state, RequestState::kMissed);  // still owed: calling back later is recorded, late

  const Change late = Must(CalledBack(c.after, Act{kOffice, London(2025, 11, 5, 9), ""}));
  EXPECT_EQ(late.after.call_back->state, ClockState::kBreached);
  EXPECT_EQ(late.after.call_back->met_at, London(2025, 11, 5, 9));
}

TEST_F(ArrangedCallTest, ACallIsMissedOnlyOnceItsTimeHasCome) {
  const MeetingRequest booked = CallBookedFor(London(2025, 11, 4, 15), London(2025, 11, 3, 10));
  const absl::StatusOr<Change> early = MarkCallMissed(booked, Act{kOffice, London(2025, 11, 4, 14, 59), ""}, Teacher());
  ASSERT_FALSE(early.ok());
  EXPECT_EQ(ErrorReason(early.status()), "MEETING_NOT_STARTED");
  const absl::StatusOr<Change> open =
      MarkCallMissed(Opened(RequestKind::kCall), Act{kOffice, London(2025, 11, 4, 15, 5), ""}, Teacher());
  EXPECT_EQ(ErrorReason(open.status()), "WRONG_STATE");
}

}  // namespace
}  // namespace parley::appointments
