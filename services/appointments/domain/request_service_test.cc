// The meeting-request use cases over the in-memory store and scripted peers, in simulated time on
// real school calendars: a request on a Friday before half-term, a part-time teacher, teaching
// hours, the clock-change week, accept / race / withdraw, breaches and missed calls.
#include "services/appointments/domain/request_service.h"

#include <memory>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/time/civil_time.h"
#include "common/calendar/testing/school_calendars.h"
#include "common/status/reason.h"
#include "common/status/reasons.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "services/appointments/testing/in_memory_request_store.h"
#include "services/appointments/testing/request_fakes.h"

namespace parley::appointments {
namespace {

using ::testing::ElementsAre;
using ::testing::IsEmpty;
using ::testing::SizeIs;

constexpr char kSchool[] = "kenilworth";
absl::Time London(int y, int mo, int d, int h, int mi = 0) { return calendar::testdata::LondonTime(y, mo, d, h, mi); }
constexpr calendar::HoursRange Hours(int h1, int m1, int h2, int m2) { return {h1 * 60 + m1, h2 * 60 + m2}; }

// A school year on 08:00-17:30 with the autumn half-term, and the Easter term spanning the spring
// clock change (Sunday 29 March 2026).
calendar::CalendarSpec LongDays() {
  calendar::CalendarSpec spec;
  spec.time_zone = "Europe/London";
  spec.terms = {{absl::CivilDay(2025, 9, 3), absl::CivilDay(2025, 12, 19), "Autumn"},
                {absl::CivilDay(2026, 1, 5), absl::CivilDay(2026, 4, 2), "Spring"}};
  spec.closures = {{absl::CivilDay(2025, 10, 27), absl::CivilDay(2025, 10, 31), "Autumn half-term"}};
  spec.core_hours = Hours(8, 0, 17, 30);
  return spec;
}

void ExpectStatus(const absl::Status& s, absl::StatusCode code, absl::string_view reason) {
  EXPECT_EQ(s.code(), code) << s;
  EXPECT_EQ(ErrorReason(s), reason) << s;
}

int keys = 0;
RequestKey Key(const std::string& method) {
  ++keys;
  return RequestKey{absl::StrCat("kenilworth/appointments.", method),
                    absl::StrFormat("00000000-0000-4000-8000-%012d", keys), absl::StrCat("fp", keys)};
}

// The response kept for a write: which request, at which version.
absl::StatusOr<std::string> Encode(const StoredRequest& s) { return absl::StrCat(s.request.id, "@", s.version); }
std::string IdOf(const std::string& response) { return response.substr(0, response.find('@')); }

class RequestServiceTest : public ::testing::Test {
 protected:
  RequestServiceTest() : clock_(London(2025, 10, 24, 14, 0)) {
    school_cal_ = calendar::testdata::MustBuild(LongDays());
    directory_.AddSchool(kSchool, school_cal_);
    calendar::WorkingPattern mon_to_wed;
    mon_to_wed.works = {true, true, true, false, false, false, false};
    directory_.AddStaff(kSchool, "t-part",
                        {calendar::testdata::MustBuild(LongDays(), &mon_to_wed), std::nullopt, "hoy"});
    // Milton Road's teachers teach 08:50-15:25: meetings fall before or after.
    directory_.AddStaff(kSchool, "t-class", {school_cal_, Hours(8, 50, 15, 25), "hoy"});
    directory_.AddStaff(kSchool, "hoy", {school_cal_, std::nullopt, ""});
    directory_.AddStaff(kSchool, "senco", {school_cal_, std::nullopt, "hoy"});
    directory_.SetRole(kSchool, "p-1", WantedRole::kSenco, "senco");
    directory_.SetRole(kSchool, "p-1", WantedRole::kClassTeacher, "t-class");
    directory_.Link("g-1", kSchool, "p-1");
    directory_.Link("g-2", kSchool, "p-2");
    directory_.Link("g-3", kSchool, "p-1", /*excluded=*/true);
    // Kenilworth: a meeting request answered within 2 working days, an appointment within 5.
    directory_.SetPromise(kSchool, directory::Channel::kMeetingRequest, directory::Stage::kRespond,
                          {2, "We answer a meeting request within 2 working days."});
    directory_.SetPromise(kSchool, directory::Channel::kMeetingRequest, directory::Stage::kHoldMeeting,
                          {5, "An appointment within 5 working days."});
    service_ = std::make_unique<RequestService>(
        RequestService::Ports{&store_, &directory_, &settings_, &bookings_, &bookings_, &clock_});
  }

  static RequestCaller Guardian(const std::string& id) {
    return RequestCaller{RequestCaller::Kind::kGuardian, id, absl::StrCat("guardians/", id)};
  }
  static RequestCaller Staff(const std::string& id) {
    return RequestCaller{RequestCaller::Kind::kStaff, id, absl::StrCat("schools/kenilworth/staff/", id)};
  }

  NewMeetingRequest Ask(const std::string& guardian, const std::string& pupil, std::vector<std::string> staff) {
    NewMeetingRequest in;
    in.school_id = kSchool;
    in.guardian = guardian;
    in.pupil = pupil;
    in.topic = "reading support";
    in.want_staff = std::move(staff);
    in.received_at = absl::InfinitePast();
    return in;
  }

  std::string Create(const NewMeetingRequest& in) {
    absl::StatusOr<std::string> r = service_->Create(Key("CreateMeetingRequest"), Guardian(in.guardian), in, Encode);
    EXPECT_TRUE(r.ok()) << r.status();
    return r.ok() ? IdOf(*r) : "";
  }

  MeetingRequest Get(const std::string& id) {
    absl::StatusOr<StoredRequest> s = store_.Get(kSchool, id);
    EXPECT_TRUE(s.ok()) << s.status();
    return s.ok() ? s->request : MeetingRequest();
  }

  absl::StatusOr<std::string> Offer(const std::string& id, std::vector<OfferedTime> times) {
    return service_->OfferTimes(Key("OfferTimes"), Staff("hoy"), kSchool, id, "", times, Encode);
  }

  SimulatedClock clock_;
  std::shared_ptr<const calendar::Calendar> school_cal_;
  testing::InMemoryRequestStore store_;
  testing::FakeRequestDirectory directory_;
  testing::FakeSettings settings_;
  testing::FakeBookings bookings_;
  std::unique_ptr<RequestService> service_;
};

TEST_F(RequestServiceTest, AFridayRequestBeforeHalfTermIsDueAfterTheHolidayWithItsTimersArmed) {
  const std::string id = Create(Ask("g-1", "p-1", {"t-class"}));
  const MeetingRequest r = Get(id);
  EXPECT_EQ(r.state, RequestState::kOpen);
  EXPECT_EQ(r.owner, "t-class");
  ASSERT_TRUE(r.answer.has_value());
  ASSERT_TRUE(r.hold.has_value());
  // Friday 24 October 14:00: Friday is day 0, the half-term week is skipped: Tuesday 4 November
  // answers, Friday 7 November holds.
  EXPECT_EQ(absl::ToCivilDay(r.answer->due, calendar::testdata::London()), absl::CivilDay(2025, 11, 4));
  EXPECT_EQ(absl::ToCivilDay(r.hold->due, calendar::testdata::London()), absl::CivilDay(2025, 11, 7));
  EXPECT_EQ(r.answer->policy_text, "We answer a meeting request within 2 working days.");
  EXPECT_EQ(store_.timers(),
            (std::map<std::string, absl::Time>{{RequestTimerKey(kSchool, id, ClockKind::kAnswer), r.answer->due},
                                               {RequestTimerKey(kSchool, id, ClockKind::kHold), r.hold->due}}));
  EXPECT_THAT(r.history, SizeIs(1));
}

TEST_F(RequestServiceTest, NoClockWherethePolicyPromisesNoneAndACallRunsOnThePhoneRules) {
  NewMeetingRequest in = Ask("g-1", "p-1", {"t-class"});
  in.kind = RequestKind::kCall;
  const std::string id = Create(in);
  const MeetingRequest r = Get(id);
  EXPECT_FALSE(r.answer.has_value());
  EXPECT_FALSE(r.hold.has_value());
  EXPECT_EQ(r.channel, directory::Channel::kPhone);
  EXPECT_THAT(r.modes, ElementsAre(Mode::kPhone));
  EXPECT_THAT(store_.timers(), IsEmpty());
}

TEST_F(RequestServiceTest, WantedRolesAreResolvedForThePupilAndTheFirstWantedOwnsIt) {
  NewMeetingRequest in = Ask("g-1", "p-1", {});
  in.want_roles = {WantedRole::kSenco, WantedRole::kClassTeacher};
  const MeetingRequest r = Get(Create(in));
  EXPECT_EQ(r.owner, "senco");
  ASSERT_THAT(r.wanted, SizeIs(2));
  EXPECT_EQ(r.wanted[1].staff, "t-class");
}

TEST_F(RequestServiceTest, OnlyTheirOwnChildrenAndNothingWrittenOtherwise) {
  // Another family's child looks like no such pupil to a guardian.
  ExpectStatus(service_->Create(Key("c"), Guardian("g-2"), Ask("g-2", "p-1", {"t-class"}), Encode).status(),
               absl::StatusCode::kNotFound, reason::kPupilNotFound);
  // Asking in another guardian's name, likewise.
  ExpectStatus(service_->Create(Key("c"), Guardian("g-2"), Ask("g-1", "p-1", {"t-class"}), Encode).status(),
               absl::StatusCode::kNotFound, reason::kPupilNotFound);
  ExpectStatus(service_->Create(Key("c"), Guardian("g-3"), Ask("g-3", "p-1", {"t-class"}), Encode).status(),
               absl::StatusCode::kFailedPrecondition, reason::kCourtOrderExcludes);
  // Staff are told why.
  ExpectStatus(service_->Create(Key("c"), Staff("hoy"), Ask("g-2", "p-1", {"t-class"}), Encode).status(),
               absl::StatusCode::kFailedPrecondition, reason::kNotLinkedToPupil);
  // A teacher of another school is not found here.
  ExpectStatus(service_->Create(Key("c"), Guardian("g-1"), Ask("g-1", "p-1", {"t-elsewhere"}), Encode).status(),
               absl::StatusCode::kNotFound, reason::kStaffNotFound);
  EXPECT_EQ(store_.committed_writes(), 0);
  EXPECT_THAT(store_.timers(), IsEmpty());
}

TEST_F(RequestServiceTest, ARetryReturnsTheFirstAnswerAndWritesNothing) {
  const NewMeetingRequest in = Ask("g-1", "p-1", {"t-class"});
  const RequestKey key = Key("CreateMeetingRequest");
  absl::StatusOr<std::string> first = service_->Create(key, Guardian("g-1"), in, Encode);
  ASSERT_TRUE(first.ok()) << first.status();
  clock_.Advance(absl::Minutes(5));
  absl::StatusOr<std::string> again = service_->Create(key, Guardian("g-1"), in, Encode);
  ASSERT_TRUE(again.ok()) << again.status();
  EXPECT_EQ(*again, *first);
  EXPECT_EQ(store_.committed_writes(), 1);
}

TEST_F(RequestServiceTest, APartTimeTeacherIsOfferedOnlyOnTheirOwnDays) {
  const std::string id = Create(Ask("g-1", "p-1", {"t-part"}));
  // Thursday 6 November is not one of their days.
  ExpectStatus(Offer(id, {{{London(2025, 11, 6, 16), London(2025, 11, 6, 16, 30)}, ""}}).status(),
               absl::StatusCode::kInvalidArgument, reason::kSlotNotAvailable);
  EXPECT_EQ(Get(id).state, RequestState::kOpen);
  ASSERT_TRUE(Offer(id, {{{London(2025, 11, 3, 16), London(2025, 11, 3, 16, 30)}, ""}}).ok());
  const MeetingRequest r = Get(id);
  EXPECT_EQ(r.state, RequestState::kOffered);
  EXPECT_EQ(r.answer->state, ClockState::kMet);
  // The guardian is told times are on offer.
  const std::vector<Notice> outbox = store_.outbox();
  ASSERT_THAT(outbox, SizeIs(1));
  EXPECT_EQ(outbox[0].template_key, "appointments.meeting_offered");
  EXPECT_THAT(outbox[0].guardian_ids, ElementsAre("g-1"));
  EXPECT_THAT(outbox[0].staff_ids, IsEmpty());
  // The answer's timer is gone; the hold's runs on.
  EXPECT_EQ(store_.timers().count(RequestTimerKey(kSchool, id, ClockKind::kAnswer)), 0u);
  EXPECT_EQ(store_.timers().count(RequestTimerKey(kSchool, id, ClockKind::kHold)), 1u);
}

TEST_F(RequestServiceTest, MeetingsFallBeforeOrAfterTeachingHoursAndNeverInThePast) {
  const std::string id = Create(Ask("g-1", "p-1", {"t-class"}));
  ExpectStatus(Offer(id, {{{London(2025, 11, 3, 12), London(2025, 11, 3, 12, 30)}, ""}}).status(),
               absl::StatusCode::kInvalidArgument, reason::kSlotNotAvailable);
  ExpectStatus(Offer(id, {{{London(2025, 10, 24, 12), London(2025, 10, 24, 12, 30)}, ""}}).status(),
               absl::StatusCode::kInvalidArgument, reason::kSlotInPast);
  // Someone the guardian did not ask for.
  ExpectStatus(Offer(id, {{{London(2025, 11, 3, 16), London(2025, 11, 3, 16, 30)}, "senco"}}).status(),
               absl::StatusCode::kInvalidArgument, reason::kSlotOutsideRequest);
  EXPECT_EQ(store_.committed_writes(), 1);
  EXPECT_TRUE(Offer(id, {{{London(2025, 11, 3, 8), London(2025, 11, 3, 8, 30)}, ""},
                         {{London(2025, 11, 3, 15, 30), London(2025, 11, 3, 16)}, ""}})
                  .ok());
}

TEST_F(RequestServiceTest, AStaleEtagIsAbortedAndWritesNothing) {
  const std::string id = Create(Ask("g-1", "p-1", {"t-class"}));
  ExpectStatus(service_
                   ->OfferTimes(Key("OfferTimes"), Staff("hoy"), kSchool, id, "\"7\"",
                                {{{London(2025, 11, 3, 16), London(2025, 11, 3, 16, 30)}, ""}}, Encode)
                   .status(),
               absl::StatusCode::kAborted, reason::kStaleEtag);
  EXPECT_TRUE(service_
                  ->OfferTimes(Key("OfferTimes"), Staff("hoy"), kSchool, id, RequestEtag(1),
                               {{{London(2025, 11, 3, 16), London(2025, 11, 3, 16, 30)}, ""}}, Encode)
                  .ok());
}

TEST_F(RequestServiceTest, AcceptBooksTheSlotAndALostRaceLeavesTheRequestOffered) {
  const std::string id = Create(Ask("g-1", "p-1", {"t-class"}));
  const Interval four{London(2025, 11, 3, 16), London(2025, 11, 3, 16, 30)};
  const Interval five{London(2025, 11, 3, 17), London(2025, 11, 3, 17, 30)};
  ASSERT_TRUE(Offer(id, {{four, ""}, {five, ""}}).ok());
  // Someone else takes the teacher at four first.
  Booking other;
  other.id = "b-other";
  other.school_id = kSchool;
  other.during = four;
  other.staff_ids = {"t-class"};
  other.guardian_ids = {"g-9"};
  other.created_by = "g-9";
  ASSERT_TRUE(bookings_.Book(Key("Book"), {other}, clock_.Now()).ok());
  ExpectStatus(
      service_->AcceptTime(Key("AcceptTime"), Guardian("g-1"), kSchool, id, "", four, std::nullopt, Encode).status(),
      absl::StatusCode::kAborted, reason::kSlotTaken);
  EXPECT_EQ(Get(id).state, RequestState::kOffered);
  // A time never offered books nothing.
  ExpectStatus(service_
                   ->AcceptTime(Key("AcceptTime"), Guardian("g-1"), kSchool, id, "",
                                {London(2025, 11, 3, 17, 30), London(2025, 11, 3, 18)}, std::nullopt, Encode)
                   .status(),
               absl::StatusCode::kInvalidArgument, reason::kSlotNotOffered);
  EXPECT_EQ(bookings_.booker_calls(), 1);
  ASSERT_TRUE(
      service_->AcceptTime(Key("AcceptTime"), Guardian("g-1"), kSchool, id, "", five, std::nullopt, Encode).ok());
  const MeetingRequest r = Get(id);
  EXPECT_EQ(r.state, RequestState::kBooked);
  EXPECT_FALSE(r.booking_id.empty());
  ASSERT_TRUE(r.slot.has_value());
  EXPECT_EQ(r.slot->time, five);
  // Booked inside the hold's promise: its timer is not armed.
  EXPECT_EQ(store_.timers().count(RequestTimerKey(kSchool, id, ClockKind::kHold)), 0u);
  // The teacher's time is taken now.
  absl::StatusOr<std::vector<Interval>> busy =
      bookings_.ListBusy(kSchool, Occupant{OccupantKind::kStaff, "t-class"}, five.start, five.end, clock_.Now());
  ASSERT_TRUE(busy.ok());
  EXPECT_THAT(*busy, ElementsAre(five));

  // Withdrawing a booked meeting cancels it and frees the time.
  ASSERT_TRUE(service_->Withdraw(Key("Withdraw"), Guardian("g-1"), kSchool, id, "", Encode).ok());
  EXPECT_EQ(Get(id).state, RequestState::kCancelled);
  busy = bookings_.ListBusy(kSchool, Occupant{OccupantKind::kStaff, "t-class"}, five.start, five.end, clock_.Now());
  ASSERT_TRUE(busy.ok());
  EXPECT_THAT(*busy, IsEmpty());
}

TEST_F(RequestServiceTest, AGuardianSeesOnlyTheirOwnRequests) {
  const std::string id = Create(Ask("g-1", "p-1", {"t-class"}));
  ExpectStatus(service_->Get(Guardian("g-2"), kSchool, id).status(), absl::StatusCode::kNotFound,
               reason::kMeetingRequestNotFound);
  ExpectStatus(service_->Withdraw(Key("Withdraw"), Guardian("g-2"), kSchool, id, "", Encode).status(),
               absl::StatusCode::kNotFound, reason::kMeetingRequestNotFound);
  absl::StatusOr<Page<StoredRequest>> theirs = service_->List(Guardian("g-2"), kSchool, {}, {});
  ASSERT_TRUE(theirs.ok());
  EXPECT_THAT(theirs->items, IsEmpty());
  absl::StatusOr<Page<StoredRequest>> all = service_->List(Staff("hoy"), kSchool, {}, {});
  ASSERT_TRUE(all.ok());
  EXPECT_THAT(all->items, SizeIs(1));
  EXPECT_EQ(Get(id).state, RequestState::kOpen);
}

TEST_F(RequestServiceTest, AnUnansweredRequestTellsTheOwnerAndLineManagerInTheirWorkingTime) {
  const std::string id = Create(Ask("g-1", "p-1", {"t-class"}));
  const MeetingRequest before = Get(id);
  const std::string answer_key = RequestTimerKey(kSchool, id, ClockKind::kAnswer);
  const RequestTimerPlan plan = service_->ClockTimerPlan();
  // Not yet due: nothing.
  absl::StatusOr<bool> early = store_.FireTimer(plan, answer_key, before.answer->due - absl::Minutes(1));
  ASSERT_TRUE(early.ok());
  EXPECT_FALSE(*early);
  // Due at the close of Tuesday 4 November; fired then.
  clock_.Set(before.answer->due);
  absl::StatusOr<bool> fired = store_.FireTimer(plan, answer_key, before.answer->due);
  ASSERT_TRUE(fired.ok()) << fired.status();
  EXPECT_TRUE(*fired);
  const MeetingRequest r = Get(id);
  EXPECT_EQ(r.history.back().kind, RequestEventKind::kAnswerBreached);
  EXPECT_EQ(r.state, RequestState::kOpen);  // the meeting is still owed
  const std::vector<Notice> outbox = store_.outbox();
  ASSERT_THAT(outbox, SizeIs(2));
  EXPECT_THAT(outbox[0].staff_ids, ElementsAre("t-class"));
  EXPECT_THAT(outbox[1].staff_ids, ElementsAre("hoy"));
  EXPECT_EQ(outbox[0].template_key, kAnswerBreachTemplate);
  // Told at the next working period: Wednesday morning, not at 17:30 on Tuesday.
  EXPECT_EQ(outbox[1].not_before, London(2025, 11, 5, 8));
  EXPECT_EQ(outbox[0].not_before, London(2025, 11, 5, 8));
  EXPECT_EQ(store_.timers().count(answer_key), 0u);
  // A second firing (a late duplicate) changes nothing.
  EXPECT_FALSE(*store_.FireTimer(plan, answer_key, before.answer->due));
  EXPECT_THAT(store_.outbox(), SizeIs(2));
}

TEST_F(RequestServiceTest, AMissedCallOpensACallBackClockAndCallingBackHoldsIt) {
  NewMeetingRequest in = Ask("g-1", "p-1", {"t-class"});
  in.kind = RequestKind::kCall;
  const std::string id = Create(in);
  const Interval call{London(2025, 11, 3, 15, 30), London(2025, 11, 3, 15, 45)};
  ASSERT_TRUE(Offer(id, {{call, ""}}).ok());
  ASSERT_TRUE(
      service_->AcceptTime(Key("AcceptTime"), Guardian("g-1"), kSchool, id, "", call, std::nullopt, Encode).ok());
  const std::string booking = Get(id).booking_id;
  ExpectStatus(service_->MeetingOutcome(Key("Outcome"), kSchool, id, booking, RequestOutcomes::Outcome::kCallMissed,
                                        "service:appointments", clock_.Now()),
               absl::StatusCode::kFailedPrecondition, reason::kMeetingNotStarted);
  clock_.Set(London(2025, 11, 3, 15, 40));
  ASSERT_TRUE(service_
                  ->MeetingOutcome(Key("Outcome"), kSchool, id, booking, RequestOutcomes::Outcome::kCallMissed,
                                   "service:appointments", clock_.Now())
                  .ok());
  MeetingRequest r = Get(id);
  EXPECT_EQ(r.state, RequestState::kMissed);
  ASSERT_TRUE(r.call_back.has_value());
  EXPECT_EQ(r.call_back->due, London(2025, 11, 3, 17, 30));  // the close of that working day
  EXPECT_EQ(store_.timers().at(RequestTimerKey(kSchool, id, ClockKind::kCallBack)), r.call_back->due);
  clock_.Set(London(2025, 11, 3, 16, 10));
  ASSERT_TRUE(service_
                  ->MeetingOutcome(Key("Outcome"), kSchool, id, booking, RequestOutcomes::Outcome::kHeld,
                                   "service:appointments", clock_.Now())
                  .ok());
  r = Get(id);
  EXPECT_EQ(r.state, RequestState::kHeld);
  EXPECT_EQ(r.call_back->state, ClockState::kMet);
  EXPECT_EQ(store_.timers().count(RequestTimerKey(kSchool, id, ClockKind::kCallBack)), 0u);
  // Another booking's outcome is not this request's.
  ExpectStatus(service_->MeetingOutcome(Key("Outcome"), kSchool, id, "b-other", RequestOutcomes::Outcome::kNoShow,
                                        "service:appointments", clock_.Now()),
               absl::StatusCode::kFailedPrecondition, reason::kWrongState);
}

TEST_F(RequestServiceTest, AvailableSlotsKeepLocalHoursAcrossTheClockChange) {
  clock_.Set(London(2026, 3, 20, 12));
  AvailableSlotsQuery q;
  q.school_id = kSchool;
  q.staff = {"hoy"};
  q.window = Interval{London(2026, 3, 27, 0), London(2026, 3, 31, 0)};  // Friday to Monday over 29 March
  q.length = absl::Minutes(30);
  q.limit = 500;
  absl::StatusOr<std::vector<Interval>> slots = service_->ListAvailableSlots(q);
  ASSERT_TRUE(slots.ok()) << slots.status();
  ASSERT_FALSE(slots->empty());
  // The first slot each day is at 08:00 local: 08:00 UTC on Friday (GMT), 07:00 UTC on Monday (BST).
  EXPECT_EQ(slots->front().start, London(2026, 3, 27, 8));
  EXPECT_EQ(slots->front().start, absl::FromCivil(absl::CivilSecond(2026, 3, 27, 8, 0, 0), absl::UTCTimeZone()));
  auto monday = std::find_if(slots->begin(), slots->end(), [](const Interval& i) {
    return absl::ToCivilDay(i.start, calendar::testdata::London()) == absl::CivilDay(2026, 3, 30);
  });
  ASSERT_NE(monday, slots->end());
  EXPECT_EQ(monday->start, absl::FromCivil(absl::CivilSecond(2026, 3, 30, 7, 0, 0), absl::UTCTimeZone()));
  // Friday 08:00-17:30 and Monday 08:00-17:30: 30-minute slots on quarter hours, 37 each.
  EXPECT_THAT(*slots, SizeIs(74));

  // Free together: a part-time teacher's Friday is not theirs, and a booking takes its time out.
  Booking b;
  b.id = "b-1";
  b.school_id = kSchool;
  b.during = Interval{London(2026, 3, 30, 9), London(2026, 3, 30, 10)};
  b.staff_ids = {"hoy"};
  b.created_by = "hoy";
  ASSERT_TRUE(bookings_.Book(Key("Book"), {b}, clock_.Now()).ok());
  q.staff = {"hoy", "t-part"};
  slots = service_->ListAvailableSlots(q);
  ASSERT_TRUE(slots.ok()) << slots.status();
  EXPECT_EQ(slots->front().start, London(2026, 3, 30, 8));
  EXPECT_THAT(*slots, SizeIs(37 - 5));  // 08:45 to 09:45 overlap the booking
  // A teacher of another school, and a bad window.
  q.staff = {"t-elsewhere"};
  ExpectStatus(service_->ListAvailableSlots(q).status(), absl::StatusCode::kNotFound, reason::kStaffNotFound);
  q.staff = {"hoy"};
  q.window = Interval{London(2026, 3, 31, 0), London(2026, 3, 27, 0)};
  ExpectStatus(service_->ListAvailableSlots(q).status(), absl::StatusCode::kInvalidArgument, reason::kInvalidField);
}

}  // namespace
}  // namespace parley::appointments
