// The parents' evenings use cases on simulated time, over the in-memory fakes: the booking window
// opening at its instant, slots on the grid only, per-guardian and per-pupil limits, the household
// rule both ways (and a family's own choice), a guardian only for their own children, a teacher
// from another school, waiting lists offered a freed slot on cancel, interpreted meetings grouped
// back to back, automatic scheduling held for two minutes, and cancelling an evening.
#include "services/appointments/domain/evening_service.h"

#include <atomic>
#include <memory>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "common/calendar/testing/school_calendars.h"
#include "common/clock/clock.h"
#include "common/status/reason.h"
#include "common/status/reasons.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "services/appointments/testing/in_memory_booking_store.h"
#include "services/appointments/testing/in_memory_evening_store.h"

namespace parley::appointments {
namespace {

using calendar::testdata::LondonTime;
using ::testing::ElementsAre;
using ::testing::SizeIs;

constexpr char kSchool[] = "st-marys";
// Wednesday 12 November 2025, 16:00-19:00; booking opens on Monday 3 November at 18:00 sharp.
absl::Time Pm(int h, int m = 0) { return LondonTime(2025, 11, 12, h, m); }
Interval Span(int h1, int m1, int h2, int m2) { return Interval{Pm(h1, m1), Pm(h2, m2)}; }
const absl::Time kOpens = LondonTime(2025, 11, 3, 18, 0);

std::atomic<int> counter{0};
RequestKey Key(const std::string& method) {
  const int n = ++counter;
  return RequestKey{absl::StrCat(kSchool, "/appointments.", method),
                    absl::StrFormat("00000000-0000-4000-8000-%012d", n), absl::StrCat(method, n)};
}

void ExpectStatus(const absl::Status& s, absl::StatusCode code, absl::string_view why) {
  EXPECT_EQ(s.code(), code) << s;
  EXPECT_EQ(ErrorReason(s), why) << s;
}

const EveningActor kOffice{"office-1", false};

WaitingEntry Waiting(const ParentsEvening& e, const std::string& staff, const std::string& guardian,
                     const std::string& pupil) {
  WaitingEntry w;
  w.school_id = kSchool;
  w.evening_id = e.id;
  w.staff_id = staff;
  w.guardian_id = guardian;
  w.pupil_id = pupil;
  return w;
}
EveningActor Guardian(const std::string& id) { return EveningActor{id, true}; }

class EveningServiceTest : public ::testing::Test {
 protected:
  EveningServiceTest() : clock_(kOpens - absl::Hours(1)) {
    for (const char* staff : {"maths", "english", "science", "office-1"}) directory_.AddStaff(kSchool, staff);
    directory_.AddStaff("kenilworth", "visitor");
    // Ann and Ben are separated parents of Pupil 1; Cat is the parent of Pupil 2 and Pupil 3.
    directory_.Link("ann", kSchool, "p1");
    directory_.Link("ben", kSchool, "p1");
    directory_.Link("cat", kSchool, "p2");
    directory_.Link("cat", kSchool, "p3");
    directory_.Link("dan", kSchool, "p4");
    settings_.settings.hold_length = absl::Minutes(2);
    settings_.interpreters = {Interpreter{"int-pl", kSchool, "Interpreter", {"pl"}, "1"}};
    service_ = std::make_unique<EveningService>(&evenings_, &bookings_, &directory_, &gate_, &settings_, &clock_);
  }

  ParentsEvening Draft() {
    ParentsEvening e;
    e.school_id = kSchool;
    e.title = "Year 7 parents' evening";
    e.grid.span = Span(16, 0, 19, 0);
    e.grid.slot_length = absl::Minutes(10);
    e.grid.interpreted_length = absl::Minutes(20);
    e.grid.teachers = {{"maths", Span(16, 0, 19, 0), {}, "M1"},
                       {"english", Span(16, 0, 19, 0), {Span(17, 0, 17, 20)}, "E4"},
                       {"science", Span(17, 0, 18, 30), {}, "S2"}};
    e.opens_at = kOpens;
    e.closes_at = Pm(12);
    return e;
  }

  ParentsEvening Create(ParentsEvening e) {
    absl::StatusOr<ParentsEvening> created = service_->Create(Key("CreateParentsEvening"), std::move(e), kOffice);
    EXPECT_TRUE(created.ok()) << created.status();
    return created.value_or(ParentsEvening{});
  }

  absl::StatusOr<std::vector<Booking>> Hold(const ParentsEvening& e, const std::string& guardian,
                                            std::vector<EveningChoice> choices, const std::string& language = "") {
    return service_->HoldSlots(Key("HoldEveningSlots"), kSchool, e.id, guardian, choices, language, Guardian(guardian));
  }

  std::vector<Booking> Confirm(const std::vector<Booking>& held) {
    std::vector<std::string> ids;
    for (const Booking& b : held) ids.push_back(b.id);
    absl::StatusOr<std::vector<Booking>> confirmed =
        bookings_.Confirm(Key("ConfirmBookings"), kSchool, held.front().hold_id, ids, clock_.Now());
    EXPECT_TRUE(confirmed.ok()) << confirmed.status();
    EXPECT_TRUE(service_->EveningBookingsConfirmed(*confirmed).ok());
    return *confirmed;
  }

  // Maths fully booked: its 18 slots confirmed for guardians g0..g17 (pupils pupil0..pupil17).
  std::vector<Booking> FillMaths(const ParentsEvening& e) {
    std::vector<Booking> taken;
    for (int i = 0; i < 18; ++i) {
      const std::string g = absl::StrCat("g", i), p = absl::StrCat("pupil", i);
      directory_.Link(g, kSchool, p);
      absl::StatusOr<std::vector<Booking>> held =
          Hold(e, g, {{p, "maths", Interval{Pm(16) + absl::Minutes(10 * i), Pm(16) + absl::Minutes(10 * i + 10)}}});
      EXPECT_TRUE(held.ok()) << held.status();
      if (held.ok()) taken.push_back(Confirm(*held).front());
    }
    return taken;
  }

  // Cancels `booking` as the bookings slice does (telling the evening), then reads maths' line.
  std::vector<WaitingEntry> CancelAndReadMathsLine(const ParentsEvening& e, const Booking& booking) {
    absl::StatusOr<Booking> cancelled =
        bookings_.Cancel(Key("CancelBooking"), kSchool, booking.id, "ill", clock_.Now());
    EXPECT_TRUE(cancelled.ok()) << cancelled.status();
    if (cancelled.ok()) {
      EXPECT_TRUE(service_->EveningBookingCancelled(*cancelled).ok());
    }
    absl::StatusOr<std::vector<WaitingEntry>> line = service_->ListWaitingList(kSchool, e.id, "maths", kOffice);
    EXPECT_TRUE(line.ok()) << line.status();
    return line.value_or(std::vector<WaitingEntry>{});
  }

  SimulatedClock clock_;
  testing::InMemoryEveningStore evenings_;
  testing::InMemoryBookingStore bookings_;
  testing::FakeEveningDirectory directory_;
  testing::FakeEveningGate gate_;
  testing::FakeEveningSettings settings_;
  std::unique_ptr<EveningService> service_;
};

TEST_F(EveningServiceTest, BookingOpensAtItsInstantAndNotASecondBefore) {
  const ParentsEvening e = Create(Draft());
  EXPECT_EQ(StateAt(e, clock_.Now()), EveningState::kScheduled);
  clock_.Set(kOpens - absl::Seconds(1));
  ExpectStatus(Hold(e, "ann", {{"p1", "maths", Span(16, 0, 16, 10)}}).status(), absl::StatusCode::kFailedPrecondition,
               reason::kWindowNotOpen);
  EXPECT_EQ(bookings_.hold_or_book_calls(), 0);
  clock_.Set(kOpens);
  absl::StatusOr<std::vector<Booking>> held = Hold(e, "ann", {{"p1", "maths", Span(16, 0, 16, 10)}});
  ASSERT_TRUE(held.ok()) << held.status();
  ASSERT_THAT(*held, SizeIs(1));
  EXPECT_EQ(held->front().state, BookingState::kHeld);
  EXPECT_EQ(held->front().hold_expires, kOpens + absl::Minutes(2));  // the school's hold length
  EXPECT_EQ(held->front().evening_id, e.id);
  EXPECT_EQ(held->front().kind, BookingKind::kEvening);
  EXPECT_EQ(held->front().room, "M1");
  // Booking closes at noon on the day.
  clock_.Set(Pm(12));
  ExpectStatus(Hold(e, "cat", {{"p2", "maths", Span(16, 10, 16, 20)}}).status(), absl::StatusCode::kFailedPrecondition,
               reason::kBookingClosed);
}

TEST_F(EveningServiceTest, CreateRefusesATeacherFromAnotherSchoolAndABadGrid) {
  ParentsEvening e = Draft();
  e.grid.teachers.push_back({"visitor", Span(16, 0, 19, 0), {}, ""});
  ExpectStatus(service_->Create(Key("CreateParentsEvening"), e, kOffice).status(), absl::StatusCode::kNotFound,
               reason::kStaffNotFound);
  e = Draft();
  e.grid.teachers[0].window = Span(15, 0, 17, 0);  // starts before the evening
  ExpectStatus(service_->Create(Key("CreateParentsEvening"), e, kOffice).status(), absl::StatusCode::kInvalidArgument,
               reason::kInvalidField);
  e = Draft();
  e.closes_at = Pm(17);  // booking open during the evening
  ExpectStatus(service_->Create(Key("CreateParentsEvening"), e, kOffice).status(), absl::StatusCode::kInvalidArgument,
               reason::kInvalidField);
  EXPECT_TRUE(evenings_.List(kSchool, "", 10)->empty());
  // A retry of a create returns the same evening.
  const RequestKey key = Key("CreateParentsEvening");
  absl::StatusOr<ParentsEvening> first = service_->Create(key, Draft(), kOffice);
  absl::StatusOr<ParentsEvening> again = service_->Create(key, Draft(), kOffice);
  ASSERT_TRUE(first.ok() && again.ok());
  EXPECT_EQ(first->id, again->id);
  EXPECT_THAT(*evenings_.List(kSchool, "", 10), SizeIs(1));
}

TEST_F(EveningServiceTest, OnlySlotsOfTheGridAndOnlyOwnChildren) {
  const ParentsEvening e = Create(Draft());
  clock_.Set(kOpens);
  // 16:05 is between two slots; English breaks at 17:00; science starts at 17:00.
  for (const Interval& bad : {Span(16, 5, 16, 15), Span(17, 0, 17, 10), Span(16, 0, 16, 20)}) {
    ExpectStatus(Hold(e, "ann", {{"p1", "english", bad}}).status(), absl::StatusCode::kInvalidArgument,
                 reason::kInvalidSlot);
  }
  ExpectStatus(Hold(e, "ann", {{"p1", "science", Span(16, 0, 16, 10)}}).status(), absl::StatusCode::kInvalidArgument,
               reason::kInvalidSlot);
  ExpectStatus(Hold(e, "ann", {{"p1", "nobody", Span(16, 0, 16, 10)}}).status(), absl::StatusCode::kInvalidArgument,
               reason::kInvalidSlot);
  // Cat's child, not Ann's.
  ExpectStatus(Hold(e, "ann", {{"p2", "maths", Span(16, 0, 16, 10)}}).status(), absl::StatusCode::kNotFound,
               reason::kPupilNotFound);
  // Ann for Ben.
  ExpectStatus(service_
                   ->HoldSlots(Key("HoldEveningSlots"), kSchool, e.id, "ben", {{"p1", "maths", Span(16, 0, 16, 10)}},
                               "", Guardian("ann"))
                   .status(),
               absl::StatusCode::kPermissionDenied, reason::kWrongGuardian);
  EXPECT_EQ(bookings_.hold_or_book_calls(), 0);
  // The office books for any guardian of the school.
  EXPECT_TRUE(service_
                  ->HoldSlots(Key("HoldEveningSlots"), kSchool, e.id, "ben", {{"p1", "maths", Span(16, 0, 16, 10)}}, "",
                              kOffice)
                  .ok());
}

TEST_F(EveningServiceTest, AnEveningForSomeYearGroupsIsBookedOnlyAboutPupilsInThem) {
  directory_.Link("eve", kSchool, "p7", false, 7);
  directory_.Link("eve", kSchool, "p9", false, 9);
  directory_.Link("fay", kSchool, "p8", false, 8);
  ParentsEvening draft = Draft();
  draft.year_groups = {7, 8};
  const ParentsEvening e = Create(draft);
  clock_.Set(kOpens);
  ExpectStatus(Hold(e, "eve", {{"p9", "maths", Span(16, 0, 16, 10)}}).status(), absl::StatusCode::kFailedPrecondition,
               reason::kYearGroupNotInvited);
  ExpectStatus(service_
                   ->Propose(Key("ProposeEveningSchedule"), kSchool, e.id, "eve", Span(16, 0, 19, 0),
                             {{"p9", "maths", {}}}, "", Guardian("eve"))
                   .status(),
               absl::StatusCode::kFailedPrecondition, reason::kYearGroupNotInvited);
  ExpectStatus(
      service_->JoinWaitingList(Key("JoinWaitingList"), Waiting(e, "maths", "eve", "p9"), Guardian("eve")).status(),
      absl::StatusCode::kFailedPrecondition, reason::kYearGroupNotInvited);
  EXPECT_EQ(bookings_.hold_or_book_calls(), 0);
  // Her year 7 child, and another family's year 8 child, are in.
  EXPECT_TRUE(Hold(e, "eve", {{"p7", "maths", Span(16, 0, 16, 10)}}).ok());
  EXPECT_TRUE(Hold(e, "fay", {{"p8", "maths", Span(16, 10, 16, 20)}}).ok());
  // A pupil whose year the directory does not know is not kept out.
  EXPECT_TRUE(Hold(e, "dan", {{"p4", "maths", Span(16, 20, 16, 30)}}).ok());
}

TEST_F(EveningServiceTest, PerGuardianAndPerPupilLimits) {
  ParentsEvening draft = Draft();
  draft.max_per_guardian = 2;
  const ParentsEvening e = Create(draft);
  clock_.Set(kOpens);
  ASSERT_TRUE(Hold(e, "cat", {{"p2", "maths", Span(16, 0, 16, 10)}, {"p3", "english", Span(16, 20, 16, 30)}}).ok());
  ExpectStatus(Hold(e, "cat", {{"p3", "science", Span(17, 0, 17, 10)}}).status(), absl::StatusCode::kFailedPrecondition,
               reason::kBookingLimitReached);
  // One meeting per pupil with one teacher, whatever the limit.
  ExpectStatus(Hold(e, "ann", {{"p1", "maths", Span(16, 30, 16, 40)}, {"p1", "maths", Span(16, 40, 16, 50)}}).status(),
               absl::StatusCode::kInvalidArgument, reason::kInvalidSlot);
  ASSERT_TRUE(Hold(e, "ann", {{"p1", "maths", Span(16, 30, 16, 40)}}).ok());
  ExpectStatus(Hold(e, "ann", {{"p1", "maths", Span(16, 50, 17, 0)}}).status(), absl::StatusCode::kFailedPrecondition,
               reason::kBookingLimitReached);
  // A lapsed hold no longer counts.
  clock_.Advance(absl::Minutes(3));
  EXPECT_TRUE(Hold(e, "cat", {{"p3", "science", Span(17, 0, 17, 10)}}).ok());
}

TEST_F(EveningServiceTest, OnePerHouseholdRefusesTheOtherParentUnlessTheFamilyChoseOneEach) {
  const ParentsEvening e = Create(Draft());  // the school's default: one per household
  clock_.Set(kOpens);
  Confirm(*Hold(e, "ann", {{"p1", "maths", Span(16, 0, 16, 10)}}));
  ExpectStatus(Hold(e, "ben", {{"p1", "maths", Span(16, 30, 16, 40)}}).status(), absl::StatusCode::kFailedPrecondition,
               reason::kHouseholdBooked);
  // Another teacher is fine.
  EXPECT_TRUE(Hold(e, "ben", {{"p1", "english", Span(16, 30, 16, 40)}}).ok());
  // The family chooses one each, any time: Ben may now see maths too.
  HouseholdChoice choice{kSchool, e.id, "p1", HouseholdRule::kOneEach, "", absl::Time()};
  ExpectStatus(service_->SetHouseholdChoice(Key("SetHouseholdChoice"), choice, Guardian("cat")).status(),
               absl::StatusCode::kNotFound, reason::kPupilNotFound);
  absl::StatusOr<HouseholdChoice> set =
      service_->SetHouseholdChoice(Key("SetHouseholdChoice"), choice, Guardian("ben"));
  ASSERT_TRUE(set.ok()) << set.status();
  EXPECT_EQ(set->chosen_by, "ben");
  EXPECT_TRUE(Hold(e, "ben", {{"p1", "maths", Span(16, 50, 17, 0)}}).ok());
}

TEST_F(EveningServiceTest, OneEachByTheSchoolsRuleAndBackToOnePerHouseholdByChoice) {
  ParentsEvening draft = Draft();
  draft.household_rule = HouseholdRule::kOneEach;
  const ParentsEvening e = Create(draft);
  clock_.Set(kOpens);
  Confirm(*Hold(e, "ann", {{"p1", "maths", Span(16, 0, 16, 10)}}));
  EXPECT_TRUE(Hold(e, "ben", {{"p1", "maths", Span(16, 30, 16, 40)}}).ok());
  ASSERT_TRUE(service_
                  ->SetHouseholdChoice(Key("SetHouseholdChoice"),
                                       {kSchool, e.id, "p1", HouseholdRule::kOnePerHousehold, "", absl::Time()},
                                       Guardian("ann"))
                  .ok());
  // Other teachers are still his to see.
  EXPECT_TRUE(Hold(e, "ben", {{"p1", "english", Span(16, 0, 16, 10)}, {"p1", "science", Span(17, 0, 17, 10)}}).ok());
  clock_.Advance(absl::Minutes(3));  // Ben's maths hold lapsed
  ExpectStatus(Hold(e, "ben", {{"p1", "maths", Span(16, 30, 16, 40)}}).status(), absl::StatusCode::kFailedPrecondition,
               reason::kHouseholdBooked);
}

TEST_F(EveningServiceTest, ATakenSlotIsAbortedAndTheSlotListShowsItTakenWithoutNames) {
  const ParentsEvening e = Create(Draft());
  clock_.Set(kOpens);
  ASSERT_TRUE(Hold(e, "ann", {{"p1", "maths", Span(16, 0, 16, 10)}}).ok());
  ExpectStatus(Hold(e, "cat", {{"p2", "maths", Span(16, 0, 16, 10)}}).status(), absl::StatusCode::kAborted,
               reason::kSlotTaken);
  absl::StatusOr<std::vector<EveningSlotView>> slots = service_->ListSlots(kSchool, e.id, "maths", false);
  ASSERT_TRUE(slots.ok());
  ASSERT_THAT(*slots, SizeIs(18));
  EXPECT_FALSE((*slots)[0].free);
  EXPECT_TRUE((*slots)[1].free);
  EXPECT_THAT(*service_->ListSlots(kSchool, e.id, "maths", true), SizeIs(17));
  EXPECT_THAT(*service_->ListSlots(kSchool, e.id, "", false), SizeIs(18 + 16 + 9));
  // The hold lapses: free again.
  clock_.Advance(absl::Minutes(2));
  EXPECT_THAT(*service_->ListSlots(kSchool, e.id, "maths", true), SizeIs(18));
}

TEST_F(EveningServiceTest, ACancelledSlotIsHeldForTheFirstInLineAndTheyAreTold) {
  const ParentsEvening e = Create(Draft());
  clock_.Set(kOpens);
  // Maths is fully booked: 18 slots, one guardian each.
  const std::vector<Booking> taken = FillMaths(e);
  ASSERT_THAT(taken, SizeIs(18));
  absl::StatusOr<WaitingEntry> cat =
      service_->JoinWaitingList(Key("JoinWaitingList"), Waiting(e, "maths", "cat", "p2"), Guardian("cat"));
  ASSERT_TRUE(cat.ok()) << cat.status();
  absl::StatusOr<WaitingEntry> ann =
      service_->JoinWaitingList(Key("JoinWaitingList"), Waiting(e, "maths", "ann", "p1"), Guardian("ann"));
  ASSERT_TRUE(ann.ok()) << ann.status();
  EXPECT_EQ(cat->position, 1);
  EXPECT_EQ(ann->position, 2);
  ExpectStatus(
      service_->JoinWaitingList(Key("JoinWaitingList"), Waiting(e, "maths", "ann", "p1"), Guardian("ann")).status(),
      absl::StatusCode::kAlreadyExists, reason::kWaitingEntryExists);
  // Nothing is free: the sweep offers nothing.
  EXPECT_EQ(*service_->SweepWaitingLists(), 0);

  // The 17:00 meeting is cancelled.
  absl::StatusOr<std::vector<WaitingEntry>> line = CancelAndReadMathsLine(e, taken[6]);
  ASSERT_THAT(*line, SizeIs(2));
  ASSERT_FALSE((*line)[0].offered_booking_id.empty());
  EXPECT_TRUE((*line)[1].offered_booking_id.empty());
  absl::StatusOr<Booking> offered = bookings_.Get(kSchool, (*line)[0].offered_booking_id);
  ASSERT_TRUE(offered.ok());
  EXPECT_EQ(offered->state, BookingState::kHeld);
  EXPECT_EQ(offered->during, Span(17, 0, 17, 10));
  EXPECT_THAT(offered->guardian_ids, ElementsAre("cat"));
  EXPECT_EQ(offered->hold_expires, clock_.Now() + kWaitingOfferLease);
  const auto notices = evenings_.notices();
  const auto told = notices.find(absl::StrCat("parentsEvenings/", e.id, "/waitingList/", cat->id, "/offered"));
  ASSERT_NE(told, notices.end());
  EXPECT_EQ(told->second.template_key, "appointments.waiting_list_offer");
  EXPECT_THAT(told->second.guardian_ids, ElementsAre("cat"));
  // Again: nothing more (the slot is held for Cat; Ann waits on).
  EXPECT_EQ(*service_->OfferFreedSlots(kSchool, e.id), 0);
  // Cat lets the offer lapse: the sweep offers the slot to Ann.
  clock_.Advance(kWaitingOfferLease);
  EXPECT_EQ(*service_->SweepWaitingLists(), 1);
  line = service_->ListWaitingList(kSchool, e.id, "maths", Guardian("ann"));
  ASSERT_THAT(*line, SizeIs(1));  // a guardian sees only their own entry
  EXPECT_EQ((*line)[0].position, 2);
  EXPECT_FALSE((*line)[0].offered_booking_id.empty());
  // And the confirmation of an evening booking is a notice to the guardian.
  const Booking confirmed = Confirm({*bookings_.Get(kSchool, (*line)[0].offered_booking_id)}).front();
  EXPECT_EQ(evenings_.notices().count(absl::StrCat("bookings/", confirmed.id, "/evening_booked/ann")), 1u);
}

// A guardian the conduct gate would not let meet a teacher at the evening cannot queue for them,
// and one restricted after joining is passed over when a slot frees: the next in line gets it.
TEST_F(EveningServiceTest, TheGateIsAskedOnJoiningAWaitingLineAndBeforeEachOffer) {
  const ParentsEvening e = Create(Draft());
  clock_.Set(kOpens);
  const std::vector<Booking> taken = FillMaths(e);
  ASSERT_THAT(taken, SizeIs(18));
  MeetingGate off_site;
  off_site.off_site_only = true;
  gate_.Answer("dan", off_site);
  ExpectStatus(
      service_->JoinWaitingList(Key("JoinWaitingList"), Waiting(e, "maths", "dan", "p4"), Guardian("dan")).status(),
      absl::StatusCode::kFailedPrecondition, reason::kOffSiteOnly);
  ASSERT_FALSE(gate_.questions.empty());
  EXPECT_EQ(gate_.questions.back().guardian_id, "dan");
  EXPECT_EQ(gate_.questions.back().staff_id, "maths");
  EXPECT_TRUE(gate_.questions.back().school_event);
  EXPECT_TRUE(service_->ListWaitingList(kSchool, e.id, "maths", kOffice)->empty());

  ASSERT_TRUE(
      service_->JoinWaitingList(Key("JoinWaitingList"), Waiting(e, "maths", "cat", "p2"), Guardian("cat")).ok());
  ASSERT_TRUE(
      service_->JoinWaitingList(Key("JoinWaitingList"), Waiting(e, "maths", "ann", "p1"), Guardian("ann")).ok());
  // Cat is deferred after joining; the 17:00 meeting is cancelled.
  MeetingGate deferred;
  deferred.outcome = MeetingGate::Outcome::kDefer;
  gate_.Answer("cat", deferred);
  const std::vector<WaitingEntry> line = CancelAndReadMathsLine(e, taken[6]);
  ASSERT_THAT(line, SizeIs(2));
  EXPECT_EQ(line[0].guardian_id, "cat");
  EXPECT_TRUE(line[0].offered_booking_id.empty());  // passed over
  ASSERT_FALSE(line[1].offered_booking_id.empty());
  absl::StatusOr<Booking> offered = bookings_.Get(kSchool, line[1].offered_booking_id);
  ASSERT_TRUE(offered.ok());
  EXPECT_THAT(offered->guardian_ids, ElementsAre("ann"));
  EXPECT_EQ(offered->during, Span(17, 0, 17, 10));
  const auto notices = evenings_.notices();
  for (const auto& [key, notice] : notices)
    EXPECT_THAT(notice.guardian_ids, ::testing::Not(::testing::Contains("cat")));
}

TEST_F(EveningServiceTest, ACrashBetweenTheOfferHoldAndItsRecordIsFoundAgain) {
  const ParentsEvening e = Create(Draft());
  clock_.Set(kOpens);
  // Everything but 18:50 is taken; Dan waits.
  for (int i = 0; i < 17; ++i) {
    const std::string g = absl::StrCat("g", i);
    directory_.Link(g, kSchool, absl::StrCat("pupil", i));
    ASSERT_TRUE(Hold(e, g,
                     {{absl::StrCat("pupil", i), "maths",
                       Interval{Pm(16) + absl::Minutes(10 * i), Pm(16) + absl::Minutes(10 * i + 10)}}})
                    .ok());
  }
  absl::StatusOr<WaitingEntry> dan =
      service_->JoinWaitingList(Key("JoinWaitingList"), Waiting(e, "maths", "dan", "p4"), Guardian("dan"));
  ASSERT_TRUE(dan.ok());
  // The hold an offer makes, made as if the process died before recording it.
  Booking b;
  b.id = "crashed-offer";
  b.school_id = kSchool;
  b.evening_id = e.id;
  b.kind = BookingKind::kEvening;
  b.during = Span(18, 50, 19, 0);
  b.staff_ids = {"maths"};
  b.guardian_ids = {"dan"};
  b.pupil_ids = {"p4"};
  b.created_by = absl::StrCat("waiting_list/", dan->id);
  ASSERT_TRUE(bookings_.Hold(Key("Offer"), {b}, kWaitingOfferLease, clock_.Now()).ok());
  EXPECT_EQ(*service_->SweepWaitingLists(), 1);
  EXPECT_EQ(service_->ListWaitingList(kSchool, e.id, "", kOffice)->front().offered_booking_id, "crashed-offer");
}

TEST_F(EveningServiceTest, InterpretedMeetingsTakeTheLongerLengthAndAreGroupedBackToBack) {
  const ParentsEvening e = Create(Draft());
  clock_.Set(kOpens);
  // A slot is not enough for an interpreted meeting: a run of two is.
  ExpectStatus(Hold(e, "ann", {{"p1", "maths", Span(16, 0, 16, 10)}}, "pl").status(),
               absl::StatusCode::kInvalidArgument, reason::kInvalidSlot);
  absl::StatusOr<std::vector<Booking>> ann = Hold(e, "ann", {{"p1", "maths", Span(17, 0, 17, 20)}}, "PL");
  ASSERT_TRUE(ann.ok()) << ann.status();
  ASSERT_TRUE(ann->front().interpreter.has_value());
  EXPECT_EQ(ann->front().interpreter->id, "int-pl");
  EXPECT_EQ(ann->front().interpreter->language, "pl");
  // The interpreter is busy 17:00-17:20: a second Polish meeting then has no interpreter.
  ExpectStatus(
      Hold(e, "cat", {{"p2", "english", Span(17, 20, 17, 40)}, {"p3", "science", Span(17, 0, 17, 20)}}, "pl").status(),
      absl::StatusCode::kFailedPrecondition, reason::kNoInterpreter);
  ExpectStatus(Hold(e, "cat", {{"p2", "english", Span(16, 0, 16, 20)}}, "fr").status(),
               absl::StatusCode::kFailedPrecondition, reason::kNoInterpreter);
  // Automatic scheduling for Cat between 16:00 and 19:00 with science: the most compact schedule
  // (one meeting) runs on from the interpreter's 17:00-17:20 meeting.
  absl::StatusOr<std::vector<Booking>> proposed =
      service_->Propose(Key("ProposeEveningSchedule"), kSchool, e.id, "cat", Span(16, 0, 19, 0),
                        {{"p2", "science", Interval{}}}, "pl", Guardian("cat"));
  ASSERT_TRUE(proposed.ok()) << proposed.status();
  ASSERT_THAT(*proposed, SizeIs(1));
  EXPECT_EQ(proposed->front().during, Span(17, 20, 17, 40));
  EXPECT_EQ(proposed->front().interpreter->id, "int-pl");
}

TEST_F(EveningServiceTest, AutomaticSchedulingHoldsTheMostCompactSetForTwoMinutes) {
  const ParentsEvening e = Create(Draft());
  clock_.Set(kOpens);
  ASSERT_TRUE(Hold(e, "ann", {{"p1", "science", Span(17, 0, 17, 10)}}).ok());
  absl::StatusOr<std::vector<Booking>> proposed = service_->Propose(
      Key("ProposeEveningSchedule"), kSchool, e.id, "cat", Span(16, 55, 18, 0),
      {{"p2", "maths", Interval{}}, {"p3", "science", Interval{}}, {"p2", "english", Interval{}}}, "", Guardian("cat"));
  ASSERT_TRUE(proposed.ok()) << proposed.status();
  ASSERT_THAT(*proposed, SizeIs(3));
  // From 16:55 (English's 16:50 starts too early), with English's break at 17:00-17:20 and
  // science's 17:00 taken: maths 17:00, science 17:10, English 17:20.
  EXPECT_EQ(proposed->at(0).staff_ids, std::vector<std::string>{"maths"});
  EXPECT_EQ(proposed->at(0).during, Span(17, 0, 17, 10));
  EXPECT_EQ(proposed->at(1).during, Span(17, 10, 17, 20));
  EXPECT_EQ(proposed->at(2).during, Span(17, 20, 17, 30));
  EXPECT_THAT(proposed->at(2).pupil_ids, ElementsAre("p2"));
  for (const Booking& b : *proposed) {
    EXPECT_EQ(b.hold_expires, kOpens + kProposalLease);
    EXPECT_EQ(b.hold_id, proposed->front().hold_id);  // one hold: confirmed all or none
  }
  ExpectStatus(service_
                   ->Propose(Key("ProposeEveningSchedule"), kSchool, e.id, "dan", Span(16, 0, 16, 5),
                             {{"p4", "maths", Interval{}}}, "", Guardian("dan"))
                   .status(),
               absl::StatusCode::kFailedPrecondition, reason::kNoSchedule);
}

TEST_F(EveningServiceTest, TheGateCanRefuseAnEveningMeeting) {
  const ParentsEvening e = Create(Draft());
  clock_.Set(kOpens);
  MeetingGate off_site;
  off_site.off_site_only = true;
  gate_.Answer("dan", off_site);
  ExpectStatus(Hold(e, "dan", {{"p4", "maths", Span(16, 0, 16, 10)}}).status(), absl::StatusCode::kFailedPrecondition,
               reason::kOffSiteOnly);
  ASSERT_FALSE(gate_.questions.empty());
  EXPECT_TRUE(gate_.questions.back().school_event);
  EXPECT_EQ(bookings_.hold_or_book_calls(), 0);
}

TEST_F(EveningServiceTest, CancellingTheEveningFreesEveryBookingAndTellsTheGuardians) {
  const ParentsEvening e = Create(Draft());
  clock_.Set(kOpens);
  const std::vector<Booking> ann = Confirm(*Hold(e, "ann", {{"p1", "maths", Span(16, 0, 16, 10)}}));
  const std::vector<Booking> cat = *Hold(e, "cat", {{"p2", "english", Span(16, 0, 16, 10)}});
  ExpectStatus(service_->Cancel(Key("CancelParentsEvening"), kSchool, e.id, "", "").status(),
               absl::StatusCode::kInvalidArgument, reason::kReasonRequired);
  ExpectStatus(service_->Cancel(Key("CancelParentsEvening"), kSchool, e.id, "snow", "99").status(),
               absl::StatusCode::kAborted, reason::kStaleEtag);
  absl::StatusOr<ParentsEvening> cancelled = service_->Cancel(Key("CancelParentsEvening"), kSchool, e.id, "snow", "");
  ASSERT_TRUE(cancelled.ok()) << cancelled.status();
  EXPECT_EQ(StateAt(*cancelled, clock_.Now()), EveningState::kCancelled);
  EXPECT_EQ(bookings_.Get(kSchool, ann[0].id)->state, BookingState::kCancelled);
  EXPECT_EQ(bookings_.Get(kSchool, cat[0].id)->state, BookingState::kCancelled);
  const auto notices = evenings_.notices();
  EXPECT_EQ(notices.count(absl::StrCat("parentsEvenings/", e.id, "/cancelled/", ann[0].id, "/ann")), 1u);
  EXPECT_EQ(notices.count(absl::StrCat("parentsEvenings/", e.id, "/cancelled/", cat[0].id, "/cat")), 1u);
  ExpectStatus(Hold(e, "dan", {{"p4", "maths", Span(16, 0, 16, 10)}}).status(), absl::StatusCode::kFailedPrecondition,
               reason::kWrongState);
  EXPECT_TRUE(service_->GuardianTimetable(kSchool, e.id, "ann")->empty());
}

TEST_F(EveningServiceTest, TimetablesPerGuardianAndPerTeacherInTimeOrder) {
  const ParentsEvening e = Create(Draft());
  clock_.Set(kOpens);
  Confirm(*Hold(e, "cat", {{"p2", "science", Span(18, 0, 18, 10)}, {"p3", "maths", Span(16, 30, 16, 40)}}));
  Confirm(*Hold(e, "ann", {{"p1", "maths", Span(16, 0, 16, 10)}}));
  absl::StatusOr<std::vector<Booking>> cat = service_->GuardianTimetable(kSchool, e.id, "cat");
  ASSERT_TRUE(cat.ok());
  ASSERT_THAT(*cat, SizeIs(2));
  EXPECT_EQ((*cat)[0].during, Span(16, 30, 16, 40));
  EXPECT_EQ((*cat)[1].during, Span(18, 0, 18, 10));
  absl::StatusOr<std::vector<Booking>> maths = service_->TeacherTimetable(kSchool, e.id, "maths");
  ASSERT_TRUE(maths.ok());
  ASSERT_THAT(*maths, SizeIs(2));
  EXPECT_THAT((*maths)[0].guardian_ids, ElementsAre("ann"));
  EXPECT_THAT((*maths)[1].guardian_ids, ElementsAre("cat"));
  ExpectStatus(service_->TeacherTimetable(kSchool, e.id, "visitor").status(), absl::StatusCode::kNotFound,
               reason::kStaffNotFound);
  ExpectStatus(service_->GuardianTimetable(kSchool, "nope", "cat").status(), absl::StatusCode::kNotFound,
               reason::kEveningNotFound);
}

}  // namespace
}  // namespace parley::appointments
