// The bookings use cases over the in-memory store and scripted peers, on a real school calendar in
// simulated time: each of the conduct gate's outcomes and requirements, interpreters, confirm all
// or none, attendees, cancel and outcomes passed on to the meeting request, what guardians see,
// bad input refused with nothing written, and replays.
#include "services/appointments/domain/booking_service.h"

#include <memory>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "common/calendar/testing/school_calendars.h"
#include "common/clock/clock.h"
#include "common/status/reason.h"
#include "common/status/reasons.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "services/appointments/testing/booking_fakes.h"
#include "services/appointments/testing/in_memory_booking_store.h"

namespace parley::appointments {
namespace {

using calendar::testdata::LondonTime;
using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::IsEmpty;
using ::testing::UnorderedElementsAre;

constexpr char kSchool[] = "woodgrange";
const BookingCaller kStaff{"schools/woodgrange/staff/office-1", std::nullopt, std::nullopt};
const BookingCaller kGuardianA{"guardians/g-anna", std::string("g-anna"), std::nullopt};
const BookingCaller kTeacherBrown{"schools/woodgrange/staff/t-brown", std::nullopt, std::string("t-brown")};

void ExpectStatus(const absl::Status& s, absl::StatusCode code, absl::string_view reason) {
  EXPECT_EQ(s.code(), code) << s;
  EXPECT_EQ(ErrorReason(s), reason) << s;
}

class BookingServiceTest : public ::testing::Test {
 protected:
  BookingServiceTest()
      : clock_(LondonTime(2025, 12, 1, 9, 0)),  // Monday 1 December 2025, term time
        directory_(calendar::testdata::London()),
        service_(&store_, &directory_, &gate_, &settings_, &clock_) {
    auto cal = calendar::testdata::MustBuild(calendar::testdata::England2025To26());
    for (const char* staff : {"t-ahmed", "t-brown", "senco-cole", "head-dunn"})
      directory_.AddStaff(kSchool, staff, cal);
    directory_.AddStaff("riverside", "t-river", cal);
    directory_.SetRole(kSchool, "p-amy", WantedRole::kSenco, "senco-cole");
    directory_.SetHead(kSchool, "head-dunn");
    directory_.Link("g-anna", GuardianLink{kSchool, "p-amy", false});
    directory_.Link("g-ben", GuardianLink{kSchool, "p-amy", false});  // separated parents: each their own copy
    directory_.Link("g-cara", GuardianLink{kSchool, "p-cal", false});
    directory_.Link("g-dan", GuardianLink{kSchool, "p-dot", true});  // a court order removes contact
    settings_.AddInterpreter(Interpreter{"i-pl", kSchool, "Interpreter One", {"pl"}, "1"});
    settings_.AddInterpreter(Interpreter{"i-ur", kSchool, "Interpreter Two", {"ur"}, "1"});
    service_.SetRequestOutcomes(&outcomes_);
  }

  RequestKey Key(const std::string& method) {
    const int n = ++requests_;
    return RequestKey{absl::StrCat(kSchool, "/appointments.", method),
                      absl::StrFormat("00000000-0000-4000-8000-%012d", n), absl::StrCat(method, n)};
  }

  // Tuesday 2 December 2025, 10:00-10:30 with Mr Ahmed, about Amy, for Anna.
  NewBooking Meeting(int hour = 10, int minute = 0) {
    NewBooking in;
    in.school_id = kSchool;
    in.during = Interval{LondonTime(2025, 12, 2, hour, minute), LondonTime(2025, 12, 2, hour, minute + 30)};
    in.mode = MeetingMode::kInPerson;
    in.guardian_ids = {"g-anna"};
    in.pupil_ids = {"p-amy"};
    in.staff = {StaffAttendee{"t-ahmed"}};
    in.confirm = true;
    return in;
  }

  MeetingGate Gate(MeetingGate::Outcome outcome = MeetingGate::Outcome::kAllow) {
    MeetingGate g;
    g.outcome = outcome;
    return g;
  }

  std::vector<Notice> NoticesOfKind(const std::string& kind) {
    std::vector<Notice> out;
    for (const Notice& n : store_.outbox()) {
      if (n.kind == kind) out.push_back(n);
    }
    return out;
  }

  SimulatedClock clock_;
  testing::InMemoryBookingStore store_;
  testing::FakeDirectory directory_;
  testing::FakeGate gate_;
  testing::FakeSettings settings_;
  testing::FakeRequestOutcomes outcomes_;
  BookingService service_;
  int requests_ = 0;
};

TEST_F(BookingServiceTest, AllowedMeetingIsConfirmedWithTheGateRecordedAndEachGuardianTold) {
  NewBooking in = Meeting();
  in.guardian_ids = {"g-anna", "g-ben"};
  in.guests = {"Education welfare officer, County"};
  absl::StatusOr<Booking> b = service_.CreateBooking(Key("CreateBooking"), in, kStaff);
  ASSERT_TRUE(b.ok()) << b.status();
  EXPECT_EQ(b->state, BookingState::kConfirmed);
  EXPECT_THAT(b->waiting_for, IsEmpty());
  EXPECT_THAT(b->guests, ElementsAre("Education welfare officer, County"));
  ASSERT_EQ(b->gate.size(), 2u);
  EXPECT_EQ(b->gate[0].guardian_id, "g-anna");
  EXPECT_THAT(b->gate[0].outcomes, ElementsAre("ALLOW"));
  EXPECT_THAT(b->gate[0].decision, HasSubstr("schools/woodgrange/decisions/"));
  EXPECT_EQ(gate_.questions()[0].staff_id, "t-ahmed");
  EXPECT_EQ(gate_.questions()[0].at, in.during.start);

  // Separate copies for parents who live apart.
  std::vector<Notice> confirmed = NoticesOfKind("booking_confirmed");
  ASSERT_EQ(confirmed.size(), 2u);
  EXPECT_THAT(confirmed[0].guardian_ids, ElementsAre("g-anna"));
  EXPECT_THAT(confirmed[1].guardian_ids, ElementsAre("g-ben"));
  EXPECT_NE(confirmed[0].key, confirmed[1].key);
  EXPECT_EQ(confirmed[0].template_key, "appointments.booking_confirmed");
  EXPECT_EQ(confirmed[0].variables.at("time"), "Tuesday 2 December 2025 at 10:00");
  EXPECT_EQ(confirmed[0].not_before, clock_.Now());

  absl::StatusOr<Booking> got = service_.GetBooking(kSchool, b->id, kStaff);
  ASSERT_TRUE(got.ok()) << got.status();
  EXPECT_EQ(got->gate, b->gate);
}

TEST_F(BookingServiceTest, OffSiteOnlyRefusesInPersonAndBooksPhoneOrVideo) {
  MeetingGate g = Gate();
  g.off_site_only = true;
  gate_.Answer("g-anna", g);
  ExpectStatus(service_.CreateBooking(Key("CreateBooking"), Meeting(), kStaff).status(),
               absl::StatusCode::kFailedPrecondition, reason::kOffSiteOnly);
  EXPECT_EQ(store_.writes(), 0);

  NewBooking video = Meeting();
  video.mode = MeetingMode::kVideo;
  video.video_link = "https://meet.example/abc";
  absl::StatusOr<Booking> b = service_.CreateBooking(Key("CreateBooking"), video, kStaff);
  ASSERT_TRUE(b.ok()) << b.status();
  EXPECT_EQ(b->state, BookingState::kConfirmed);
  EXPECT_THAT(b->gate[0].outcomes, ElementsAre("ALLOW", "OFF_SITE_ONLY"));
  EXPECT_EQ(NoticesOfKind("booking_confirmed")[0].variables.at("video_link"), "https://meet.example/abc");
}

TEST_F(BookingServiceTest, RedirectRefusesNamingThePointOfContact) {
  MeetingGate g = Gate(MeetingGate::Outcome::kRedirect);
  g.point_of_contact = "the deputy head";
  gate_.Answer("g-anna", g);
  absl::Status s = service_.CreateBooking(Key("CreateBooking"), Meeting(), kStaff).status();
  ExpectStatus(s, absl::StatusCode::kFailedPrecondition, reason::kMeetingRedirected);
  EXPECT_THAT(s.message(), HasSubstr("the deputy head"));
  EXPECT_EQ(store_.writes(), 0);
}

TEST_F(BookingServiceTest, DeferRefusesBeforeTheNextAllowedTimeAndBooksFromIt) {
  MeetingGate g = Gate(MeetingGate::Outcome::kDefer);
  g.next_allowed_time = LondonTime(2025, 12, 2, 11, 0);
  gate_.Answer("g-anna", g);
  ExpectStatus(service_.CreateBooking(Key("CreateBooking"), Meeting(10), kStaff).status(),
               absl::StatusCode::kFailedPrecondition, reason::kMeetingDeferred);
  EXPECT_EQ(store_.writes(), 0);
  absl::StatusOr<Booking> b = service_.CreateBooking(Key("CreateBooking"), Meeting(11), kStaff);
  ASSERT_TRUE(b.ok()) << b.status();
  EXPECT_THAT(b->gate[0].outcomes, ElementsAre("DEFER"));
}

TEST_F(BookingServiceTest, SecondStaffRequiredHoldsUntilAddedThenConfirms) {
  MeetingGate g = Gate();
  g.requires_second_staff = true;
  gate_.Answer("g-anna", g);
  absl::StatusOr<Booking> b = service_.CreateBooking(Key("CreateBooking"), Meeting(), kStaff);
  ASSERT_TRUE(b.ok()) << b.status();
  EXPECT_EQ(b->state, BookingState::kHeld);
  EXPECT_THAT(b->waiting_for, ElementsAre(kWaitingSecondStaff));
  EXPECT_EQ(b->hold_expires, b->during.start);  // it keeps its time until the meeting, not a lease
  EXPECT_THAT(b->gate[0].outcomes, ElementsAre("ALLOW", "REQUIRES_SECOND_STAFF"));
  EXPECT_THAT(NoticesOfKind("booking_confirmed"), IsEmpty());

  ExpectStatus(service_.ConfirmBookings(Key("ConfirmBookings"), kSchool, {b->id}, kStaff).status(),
               absl::StatusCode::kFailedPrecondition, reason::kBookingIncomplete);
  clock_.Advance(absl::Hours(3));  // well past any lease: still held
  absl::StatusOr<Booking> added = service_.AddStaff(Key("AddAttendee"), kSchool, b->id, "t-brown", b->etag, kStaff);
  ASSERT_TRUE(added.ok()) << added.status();
  EXPECT_EQ(added->state, BookingState::kConfirmed);
  EXPECT_THAT(added->staff_ids, ElementsAre("t-ahmed", "t-brown"));
  EXPECT_THAT(added->waiting_for, IsEmpty());
  EXPECT_EQ(NoticesOfKind("booking_confirmed").size(), 1u);
}

TEST_F(BookingServiceTest, SecondStaffRequiredWithTwoStaffIsConfirmedAtOnce) {
  MeetingGate g = Gate();
  g.requires_second_staff = true;
  gate_.Answer("g-anna", g);
  NewBooking in = Meeting();
  in.staff = {StaffAttendee{"t-ahmed"}, StaffAttendee{"", WantedRole::kSenco}};
  absl::StatusOr<Booking> b = service_.CreateBooking(Key("CreateBooking"), in, kStaff);
  ASSERT_TRUE(b.ok()) << b.status();
  EXPECT_EQ(b->state, BookingState::kConfirmed);
  EXPECT_THAT(b->staff_ids, ElementsAre("t-ahmed", "senco-cole"));
  EXPECT_EQ(b->staff_roles.at("senco-cole"), "senco");
  EXPECT_EQ(b->staff_roles.count("t-ahmed"), 0u);
}

TEST_F(BookingServiceTest, HeadInformedTellsTheHeadAtOnceUnlessTheHeadAttends) {
  MeetingGate g = Gate();
  g.head_informed = true;
  gate_.Answer("g-anna", g);
  absl::StatusOr<Booking> b = service_.CreateBooking(Key("CreateBooking"), Meeting(), kStaff);
  ASSERT_TRUE(b.ok()) << b.status();
  std::vector<Notice> told = NoticesOfKind("head_informed");
  ASSERT_EQ(told.size(), 1u);
  EXPECT_THAT(told[0].staff_ids, ElementsAre("head-dunn"));
  EXPECT_THAT(told[0].guardian_ids, IsEmpty());
  EXPECT_EQ(told[0].template_key, "appointments.head_informed");
  EXPECT_EQ(told[0].not_before, clock_.Now());
  EXPECT_LT(told[0].not_before, b->during.start);
  EXPECT_THAT(b->gate[0].outcomes, ElementsAre("ALLOW", "HEAD_INFORMED"));

  NewBooking with_head = Meeting(12);
  with_head.staff.push_back(StaffAttendee{"head-dunn"});
  ASSERT_TRUE(service_.CreateBooking(Key("CreateBooking"), with_head, kStaff).ok());
  EXPECT_EQ(NoticesOfKind("head_informed").size(), 1u);
}

TEST_F(BookingServiceTest, InterpretedMeetingIsLongerAndWaitsForItsInterpreter) {
  NewBooking in = Meeting();
  in.language = "pl";
  absl::StatusOr<Booking> b = service_.CreateBooking(Key("CreateBooking"), in, kStaff);
  ASSERT_TRUE(b.ok()) << b.status();
  EXPECT_EQ(b->during.length(), absl::Minutes(60));  // the school's interpreted length
  EXPECT_EQ(b->state, BookingState::kHeld);
  EXPECT_THAT(b->waiting_for, ElementsAre(kWaitingInterpreter));

  ExpectStatus(service_.AssignInterpreter(Key("AssignInterpreter"), kSchool, b->id, "i-ur", "", kStaff).status(),
               absl::StatusCode::kInvalidArgument, reason::kInterpreterLanguageMismatch);
  absl::StatusOr<Booking> done =
      service_.AssignInterpreter(Key("AssignInterpreter"), kSchool, b->id, "i-pl", "", kStaff);
  ASSERT_TRUE(done.ok()) << done.status();
  EXPECT_EQ(done->state, BookingState::kConfirmed);
  ASSERT_TRUE(done->interpreter.has_value());
  EXPECT_EQ(done->interpreter->id, "i-pl");

  // The interpreter's time is taken: another meeting at that time cannot have them.
  NewBooking other = Meeting(10, 15);
  other.guardian_ids = {"g-cara"};
  other.pupil_ids = {"p-cal"};
  other.staff = {StaffAttendee{"t-brown"}};
  other.language = "pl";
  other.interpreter_id = "i-pl";
  absl::Status lost = service_.CreateBooking(Key("CreateBooking"), other, kStaff).status();
  ExpectStatus(lost, absl::StatusCode::kAborted, reason::kSlotTaken);
  EXPECT_THAT(lost.message(), HasSubstr("the interpreter's"));
}

TEST_F(BookingServiceTest, HeldBookingIsConfirmedByItsHoldAndLapsesAfterTheLease) {
  NewBooking in = Meeting();
  in.confirm = false;
  absl::StatusOr<Booking> held = service_.CreateBooking(Key("CreateBooking"), in, kStaff);
  ASSERT_TRUE(held.ok()) << held.status();
  EXPECT_EQ(held->state, BookingState::kHeld);
  EXPECT_EQ(held->hold_expires, clock_.Now() + absl::Minutes(2));
  absl::StatusOr<std::vector<Booking>> confirmed =
      service_.ConfirmBookings(Key("ConfirmBookings"), kSchool, {held->id}, kGuardianA);
  ASSERT_TRUE(confirmed.ok()) << confirmed.status();
  EXPECT_EQ(confirmed->front().state, BookingState::kConfirmed);
  EXPECT_EQ(NoticesOfKind("booking_confirmed").size(), 1u);

  NewBooking later = Meeting(13);
  later.confirm = false;
  absl::StatusOr<Booking> lapsing = service_.CreateBooking(Key("CreateBooking"), later, kStaff);
  ASSERT_TRUE(lapsing.ok());
  clock_.Advance(absl::Minutes(3));
  EXPECT_EQ(service_.GetBooking(kSchool, lapsing->id, kStaff)->state, BookingState::kLapsed);
  ExpectStatus(service_.ConfirmBookings(Key("ConfirmBookings"), kSchool, {lapsing->id}, kStaff).status(),
               absl::StatusCode::kFailedPrecondition, reason::kHoldExpired);
}

TEST_F(BookingServiceTest, EveningHoldIsConfirmedAllOrNoneWithOneNoticePerGuardian) {
  // The evenings slice holds a schedule through BookingStore::Hold; ConfirmBookings confirms it.
  std::vector<Booking> schedule;
  for (int i = 0; i < 3; ++i) {
    Booking b;
    b.id = absl::StrCat("ev-slot-", i);
    b.school_id = kSchool;
    b.evening_id = "ev-autumn";
    b.kind = BookingKind::kEvening;
    b.during = Interval{LondonTime(2025, 12, 2, 17, 10 * i), LondonTime(2025, 12, 2, 17, 10 * i + 10)};
    b.staff_ids = {i == 0 ? "t-ahmed" : i == 1 ? "t-brown" : "senco-cole"};
    b.guardian_ids = {"g-anna"};
    b.pupil_ids = {"p-amy"};
    b.created_by = "guardians/g-anna";
    schedule.push_back(b);
  }
  absl::StatusOr<std::vector<Booking>> held =
      store_.Hold(Key("HoldEveningSlots"), schedule, absl::Minutes(2), clock_.Now());
  ASSERT_TRUE(held.ok()) << held.status();
  // Part of the hold is refused and confirms nothing.
  ExpectStatus(
      service_.ConfirmBookings(Key("ConfirmBookings"), kSchool, {"ev-slot-0", "ev-slot-1"}, kGuardianA).status(),
      absl::StatusCode::kFailedPrecondition, reason::kHoldMismatch);
  EXPECT_EQ(service_.GetBooking(kSchool, "ev-slot-0", kStaff)->state, BookingState::kHeld);
  // Another family cannot confirm it: not theirs to see.
  ExpectStatus(service_
                   .ConfirmBookings(Key("ConfirmBookings"), kSchool, {"ev-slot-0"},
                                    BookingCaller{"guardians/g-cara", "g-cara", std::nullopt})
                   .status(),
               absl::StatusCode::kNotFound, reason::kBookingNotFound);
  absl::StatusOr<std::vector<Booking>> all =
      service_.ConfirmBookings(Key("ConfirmBookings"), kSchool, {"ev-slot-0", "ev-slot-1", "ev-slot-2"}, kGuardianA);
  ASSERT_TRUE(all.ok()) << all.status();
  for (const Booking& b : *all) EXPECT_EQ(b.state, BookingState::kConfirmed);
  std::vector<Notice> told = NoticesOfKind("booking_confirmed");
  ASSERT_EQ(told.size(), 1u);
  EXPECT_EQ(told[0].variables.at("times"),
            "Tuesday 2 December 2025 at 17:00; Tuesday 2 December 2025 at 17:10; Tuesday 2 December 2025 at 17:20");
}

TEST_F(BookingServiceTest, BadInputIsRefusedAndNothingWritten) {
  NewBooking backwards = Meeting();
  std::swap(backwards.during.start, backwards.during.end);
  ExpectStatus(service_.CreateBooking(Key("CreateBooking"), backwards, kStaff).status(),
               absl::StatusCode::kInvalidArgument, reason::kInvalidSlot);
  NewBooking past = Meeting();
  clock_.Set(LondonTime(2025, 12, 2, 10, 5));
  ExpectStatus(service_.CreateBooking(Key("CreateBooking"), past, kStaff).status(), absl::StatusCode::kInvalidArgument,
               reason::kSlotInPast);
  clock_.Set(LondonTime(2025, 12, 1, 9, 0));
  NewBooking other_school = Meeting();
  other_school.staff = {StaffAttendee{"t-river"}};
  ExpectStatus(service_.CreateBooking(Key("CreateBooking"), other_school, kStaff).status(),
               absl::StatusCode::kInvalidArgument, reason::kUnknownStaff);
  NewBooking evening = Meeting(19);  // after the working day
  ExpectStatus(service_.CreateBooking(Key("CreateBooking"), evening, kStaff).status(),
               absl::StatusCode::kInvalidArgument, reason::kInvalidSlot);
  NewBooking saturday = Meeting();
  saturday.during = Interval{LondonTime(2025, 12, 6, 10, 0), LondonTime(2025, 12, 6, 10, 30)};
  ExpectStatus(service_.CreateBooking(Key("CreateBooking"), saturday, kStaff).status(),
               absl::StatusCode::kInvalidArgument, reason::kInvalidSlot);
  NewBooking not_theirs = Meeting();
  not_theirs.pupil_ids = {"p-cal"};
  ExpectStatus(service_.CreateBooking(Key("CreateBooking"), not_theirs, kStaff).status(),
               absl::StatusCode::kFailedPrecondition, reason::kNotLinkedToPupil);
  NewBooking court = Meeting();
  court.guardian_ids = {"g-dan"};
  court.pupil_ids = {"p-dot"};
  ExpectStatus(service_.CreateBooking(Key("CreateBooking"), court, kStaff).status(),
               absl::StatusCode::kFailedPrecondition, reason::kCourtOrderExcludes);
  NewBooking call = Meeting();
  call.kind = BookingKind::kCall;
  ExpectStatus(service_.CreateBooking(Key("CreateBooking"), call, kStaff).status(), absl::StatusCode::kInvalidArgument,
               reason::kInvalidBooking);
  NewBooking no_staff = Meeting();
  no_staff.staff.clear();
  ExpectStatus(service_.CreateBooking(Key("CreateBooking"), no_staff, kStaff).status(),
               absl::StatusCode::kInvalidArgument, reason::kInvalidBooking);
  ExpectStatus(service_.CreateBooking(Key("CreateBooking"), Meeting(), kGuardianA).status(),
               absl::StatusCode::kPermissionDenied, reason::kRoleRequired);
  EXPECT_EQ(store_.writes(), 0);
  EXPECT_THAT(store_.outbox(), IsEmpty());
}

TEST_F(BookingServiceTest, AMeetingThatTookPlaceIsRecordedAttendedWithoutTheGateOrNotices) {
  // A parent came in on Tuesday morning; the office records it that afternoon.
  clock_.Set(LondonTime(2025, 12, 2, 14, 0));
  NewBooking in = Meeting(10);
  in.held = true;
  in.confirm = false;
  absl::StatusOr<Booking> b = service_.CreateBooking(Key("CreateBooking"), in, kStaff);
  ASSERT_TRUE(b.ok()) << b.status();
  EXPECT_EQ(b->state, BookingState::kAttended);
  EXPECT_THAT(b->gate, IsEmpty());
  EXPECT_THAT(gate_.questions(), IsEmpty());
  EXPECT_THAT(store_.outbox(), IsEmpty());
  EXPECT_EQ(service_.GetBooking(kSchool, b->id, kStaff)->state, BookingState::kAttended);

  // Only what has ended can be recorded as held, and only with the school's own staff.
  NewBooking running = Meeting(13, 45);
  running.held = true;
  ExpectStatus(service_.CreateBooking(Key("CreateBooking"), running, kStaff).status(),
               absl::StatusCode::kInvalidArgument, reason::kInvalidSlot);
  NewBooking stranger = Meeting(9);
  stranger.held = true;
  stranger.staff = {StaffAttendee{"t-river"}};
  ExpectStatus(service_.CreateBooking(Key("CreateBooking"), stranger, kStaff).status(),
               absl::StatusCode::kInvalidArgument, reason::kUnknownStaff);
  // The teacher cannot have been in two meetings at once.
  NewBooking twice = Meeting(10, 15);
  twice.held = true;
  ExpectStatus(service_.CreateBooking(Key("CreateBooking"), twice, kStaff).status(), absl::StatusCode::kAborted,
               reason::kSlotTaken);
  EXPECT_EQ(store_.writes(), 1);
}

TEST_F(BookingServiceTest, AReplayAnswersTheSameAndWritesNothing) {
  const RequestKey key = Key("CreateBooking");
  absl::StatusOr<Booking> first = service_.CreateBooking(key, Meeting(), kStaff);
  ASSERT_TRUE(first.ok()) << first.status();
  absl::StatusOr<Booking> again = service_.CreateBooking(key, Meeting(), kStaff);
  ASSERT_TRUE(again.ok()) << again.status();
  EXPECT_EQ(again->id, first->id);
  EXPECT_EQ(store_.writes(), 1);
  EXPECT_EQ(gate_.decisions(), 1);  // the gate is asked under the same request id
  EXPECT_EQ(store_.outbox().size(), 1u);
}

TEST_F(BookingServiceTest, GuardiansSeeTheirOwnBookingsOnly) {
  absl::StatusOr<Booking> anna = service_.CreateBooking(Key("CreateBooking"), Meeting(), kStaff);
  NewBooking cara = Meeting(11);
  cara.guardian_ids = {"g-cara"};
  cara.pupil_ids = {"p-cal"};
  absl::StatusOr<Booking> theirs = service_.CreateBooking(Key("CreateBooking"), cara, kStaff);
  ASSERT_TRUE(anna.ok() && theirs.ok());
  EXPECT_TRUE(service_.GetBooking(kSchool, anna->id, kGuardianA).ok());
  ExpectStatus(service_.GetBooking(kSchool, theirs->id, kGuardianA).status(), absl::StatusCode::kNotFound,
               reason::kBookingNotFound);
  BookingFilter day{Interval{LondonTime(2025, 12, 2, 0), LondonTime(2025, 12, 3, 0)}, "", "", ""};
  absl::StatusOr<BookingPage> mine = service_.ListBookings(kSchool, day, std::nullopt, 10, kGuardianA);
  ASSERT_TRUE(mine.ok()) << mine.status();
  ASSERT_EQ(mine->bookings.size(), 1u);
  EXPECT_EQ(mine->bookings[0].id, anna->id);
  BookingFilter asks_for_cara = day;
  asks_for_cara.guardian_id = "g-cara";
  EXPECT_THAT(service_.ListBookings(kSchool, asks_for_cara, std::nullopt, 10, kGuardianA)->bookings, IsEmpty());
  ExpectStatus(service_.CancelBooking(Key("CancelBooking"), kSchool, theirs->id, "ill", "", kGuardianA).status(),
               absl::StatusCode::kNotFound, reason::kBookingNotFound);
  // A teacher reaching their own bookings sees the ones they attend, and books only those.
  ExpectStatus(service_.GetBooking(kSchool, anna->id, kTeacherBrown).status(), absl::StatusCode::kNotFound,
               reason::kBookingNotFound);
  EXPECT_THAT(service_.ListBookings(kSchool, day, std::nullopt, 10, kTeacherBrown)->bookings, IsEmpty());
  ExpectStatus(service_.CreateBooking(Key("CreateBooking"), Meeting(14), kTeacherBrown).status(),
               absl::StatusCode::kPermissionDenied, reason::kRoleRequired);
}

TEST_F(BookingServiceTest, ListsInTimeOrderPageByPage) {
  std::vector<std::string> ids;
  for (int hour : {13, 9, 11, 10, 12}) {
    absl::StatusOr<Booking> b = service_.CreateBooking(Key("CreateBooking"), Meeting(hour), kStaff);
    ASSERT_TRUE(b.ok()) << b.status();
  }
  BookingFilter day{Interval{LondonTime(2025, 12, 2, 0), LondonTime(2025, 12, 3, 0)}, "t-ahmed", "", ""};
  std::vector<absl::Time> starts;
  std::optional<BookingCursor> after;
  int pages = 0;
  do {
    absl::StatusOr<BookingPage> page = service_.ListBookings(kSchool, day, after, 2, kStaff);
    ASSERT_TRUE(page.ok()) << page.status();
    for (const Booking& b : page->bookings) starts.push_back(b.during.start);
    after = page->next;
    ++pages;
  } while (after);
  EXPECT_EQ(pages, 3);
  ASSERT_EQ(starts.size(), 5u);
  for (size_t i = 1; i < starts.size(); ++i) EXPECT_LT(starts[i - 1], starts[i]);
  day.staff_id = "t-brown";
  EXPECT_THAT(service_.ListBookings(kSchool, day, std::nullopt, 10, kStaff)->bookings, IsEmpty());
  BookingFilter too_long{Interval{LondonTime(2025, 12, 1, 0), LondonTime(2026, 3, 10, 0)}, "", "", ""};
  ExpectStatus(service_.ListBookings(kSchool, too_long, std::nullopt, 10, kStaff).status(),
               absl::StatusCode::kInvalidArgument, reason::kInvalidField);
}

TEST_F(BookingServiceTest, BookingForARequestRecordsItAndCancellingTellsTheRequest) {
  MeetingRequest request;
  request.id = "mr-1";
  request.school_id = kSchool;
  request.guardian = "g-anna";
  request.pupils = {"p-amy"};
  request.wanted = {WantedPerson{WantedRole::kSenco, "senco-cole"}};
  MeetingSlot slot{Interval{LondonTime(2025, 12, 2, 10), LondonTime(2025, 12, 2, 10, 30)}, "senco-cole", Mode::kPhone};
  absl::StatusOr<Booking> b =
      service_.BookForRequest(Key("AcceptTime"), request, slot, "guardians/g-anna", clock_.Now());
  ASSERT_TRUE(b.ok()) << b.status();
  EXPECT_EQ(b->meeting_request_id, "mr-1");
  EXPECT_EQ(b->state, BookingState::kConfirmed);
  EXPECT_EQ(b->mode, MeetingMode::kPhone);
  EXPECT_EQ(b->staff_roles.at("senco-cole"), "senco");

  // A guardian cancels a request's meeting through the request.
  ExpectStatus(service_.CancelBooking(Key("CancelBooking"), kSchool, b->id, "ill", "", kGuardianA).status(),
               absl::StatusCode::kFailedPrecondition, reason::kWrongState);
  ExpectStatus(service_.CancelBooking(Key("CancelBooking"), kSchool, b->id, "", "", kStaff).status(),
               absl::StatusCode::kInvalidArgument, reason::kReasonRequired);
  ExpectStatus(service_.CancelBooking(Key("CancelBooking"), kSchool, b->id, "staff ill", "999", kStaff).status(),
               absl::StatusCode::kAborted, reason::kStaleEtag);
  absl::StatusOr<Booking> cancelled =
      service_.CancelBooking(Key("CancelBooking"), kSchool, b->id, "staff ill", "", kStaff);
  ASSERT_TRUE(cancelled.ok()) << cancelled.status();
  EXPECT_EQ(cancelled->state, BookingState::kCancelled);
  ASSERT_EQ(outcomes_.told().size(), 1u);
  EXPECT_EQ(outcomes_.told()[0].request_id, "mr-1");
  EXPECT_EQ(outcomes_.told()[0].outcome, RequestOutcomes::Outcome::kCancelledBySchool);
  EXPECT_EQ(NoticesOfKind("booking_cancelled").size(), 1u);
  // Its time is free again.
  EXPECT_TRUE(service_.CreateBooking(Key("CreateBooking"), Meeting(), kStaff).ok());
}

TEST_F(BookingServiceTest, GuardianCancelsTheirOwnBooking) {
  absl::StatusOr<Booking> b = service_.CreateBooking(Key("CreateBooking"), Meeting(), kStaff);
  ASSERT_TRUE(b.ok());
  absl::StatusOr<Booking> cancelled =
      service_.CancelBooking(Key("CancelBooking"), kSchool, b->id, "away", "", kGuardianA);
  ASSERT_TRUE(cancelled.ok()) << cancelled.status();
  EXPECT_EQ(cancelled->cancel_reason, "away");
  EXPECT_THAT(outcomes_.told(), IsEmpty());
  ExpectStatus(service_.CancelBooking(Key("CancelBooking"), kSchool, b->id, "away", "", kGuardianA).status(),
               absl::StatusCode::kFailedPrecondition, reason::kWrongState);
}

TEST_F(BookingServiceTest, OutcomesAfterTheStartMoveTheRequestOn) {
  MeetingRequest request;
  request.id = "mr-2";
  request.school_id = kSchool;
  request.kind = RequestKind::kCall;
  request.guardian = "g-anna";
  request.pupils = {"p-amy"};
  MeetingSlot call{Interval{LondonTime(2025, 12, 2, 10), LondonTime(2025, 12, 2, 10, 15)}, "t-ahmed", Mode::kPhone};
  absl::StatusOr<Booking> b =
      service_.BookForRequest(Key("AcceptTime"), request, call, "guardians/g-anna", clock_.Now());
  ASSERT_TRUE(b.ok()) << b.status();
  EXPECT_EQ(b->kind, BookingKind::kCall);
  ExpectStatus(
      service_.RecordOutcome(Key("RecordOutcome"), kSchool, b->id, BookingState::kMissedCall, "", kStaff).status(),
      absl::StatusCode::kFailedPrecondition, reason::kMeetingNotStarted);
  clock_.Set(LondonTime(2025, 12, 2, 10, 5));
  ExpectStatus(
      service_.RecordOutcome(Key("RecordOutcome"), kSchool, b->id, BookingState::kCancelled, "", kStaff).status(),
      absl::StatusCode::kInvalidArgument, reason::kInvalidField);
  ExpectStatus(
      service_.RecordOutcome(Key("RecordOutcome"), kSchool, b->id, BookingState::kMissedCall, "", kGuardianA).status(),
      absl::StatusCode::kPermissionDenied, reason::kRoleRequired);
  absl::StatusOr<Booking> missed =
      service_.RecordOutcome(Key("RecordOutcome"), kSchool, b->id, BookingState::kMissedCall, "", kStaff);
  ASSERT_TRUE(missed.ok()) << missed.status();
  EXPECT_EQ(missed->state, BookingState::kMissedCall);
  ASSERT_EQ(outcomes_.told().size(), 1u);
  EXPECT_EQ(outcomes_.told()[0].outcome, RequestOutcomes::Outcome::kCallMissed);
  ExpectStatus(
      service_.RecordOutcome(Key("RecordOutcome"), kSchool, b->id, BookingState::kAttended, "", kStaff).status(),
      absl::StatusCode::kFailedPrecondition, reason::kWrongState);

  // A meeting: attended or a no-show, never a missed call.
  absl::StatusOr<Booking> meeting = service_.CreateBooking(Key("CreateBooking"), Meeting(11), kStaff);
  absl::StatusOr<Booking> meeting2 = service_.CreateBooking(Key("CreateBooking"), Meeting(12), kStaff);
  ASSERT_TRUE(meeting.ok() && meeting2.ok());
  clock_.Set(LondonTime(2025, 12, 2, 12, 40));
  ExpectStatus(service_.RecordOutcome(Key("RecordOutcome"), kSchool, meeting->id, BookingState::kMissedCall, "", kStaff)
                   .status(),
               absl::StatusCode::kFailedPrecondition, reason::kNotACall);
  EXPECT_EQ(
      service_.RecordOutcome(Key("RecordOutcome"), kSchool, meeting->id, BookingState::kAttended, "", kStaff)->state,
      BookingState::kAttended);
  EXPECT_EQ(
      service_.RecordOutcome(Key("RecordOutcome"), kSchool, meeting2->id, BookingState::kNoShow, "", kStaff)->state,
      BookingState::kNoShow);
  EXPECT_EQ(outcomes_.told().size(), 1u);  // not booked for a request: nothing to tell
}

TEST_F(BookingServiceTest, AddingAttendeesTakesTheirTimeAndGuestsTakeNone) {
  absl::StatusOr<Booking> b = service_.CreateBooking(Key("CreateBooking"), Meeting(), kStaff);
  NewBooking brown = Meeting(10, 15);
  brown.guardian_ids = {"g-cara"};
  brown.pupil_ids = {"p-cal"};
  brown.staff = {StaffAttendee{"t-brown"}};
  absl::StatusOr<Booking> busy = service_.CreateBooking(Key("CreateBooking"), brown, kStaff);
  ASSERT_TRUE(b.ok() && busy.ok());
  absl::Status lost = service_.AddStaff(Key("AddAttendee"), kSchool, b->id, "t-brown", "", kStaff).status();
  ExpectStatus(lost, absl::StatusCode::kAborted, reason::kSlotTaken);
  EXPECT_THAT(lost.message(), HasSubstr("a member of staff's"));
  ExpectStatus(service_.AddStaff(Key("AddAttendee"), kSchool, b->id, "t-ahmed", "", kStaff).status(),
               absl::StatusCode::kInvalidArgument, reason::kInvalidBooking);
  ExpectStatus(service_.AddStaff(Key("AddAttendee"), kSchool, b->id, "t-river", "", kStaff).status(),
               absl::StatusCode::kInvalidArgument, reason::kUnknownStaff);
  absl::StatusOr<Booking> guest =
      service_.AddGuest(Key("AddAttendee"), kSchool, b->id, "Speech and language therapist", "", kStaff);
  ASSERT_TRUE(guest.ok()) << guest.status();
  EXPECT_THAT(guest->guests, ElementsAre("Speech and language therapist"));
  EXPECT_THAT(guest->staff_ids, ElementsAre("t-ahmed"));
}

}  // namespace
}  // namespace parley::appointments
