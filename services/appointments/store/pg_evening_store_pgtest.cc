// PgEveningStore and the parents' evening use cases against a real PostgreSQL: evenings, waiting
// lists and household choices round-trip and replay on their request ids; notices reach the outbox
// once; guardians racing for one slot through HoldSlots leave exactly one winner and the rest
// ABORTED (SLOT_TAKEN), with no double booking counted in SQL; a lapsed hold frees its slot; a
// cancelled booking is offered to the first in line.
#include "services/appointments/store/pg_evening_store.h"

#include <atomic>
#include <memory>
#include <optional>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/synchronization/notification.h"
#include "common/calendar/testing/school_calendars.h"
#include "common/clock/clock.h"
#include "common/pg/migrations.h"
#include "common/pg/pool.h"
#include "common/status/reason.h"
#include "common/status/reasons.h"
#include "common/testing/test_database.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "pqxx/pqxx"
#include "services/appointments/domain/evening_service.h"
#include "services/appointments/migrations.h"
#include "services/appointments/store/pg_booking_store.h"
#include "services/appointments/testing/in_memory_evening_store.h"

namespace parley::appointments {
namespace {

using calendar::testdata::LondonTime;
using ::testing::SizeIs;

constexpr char kSchool[] = "st-marys";
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

class PgEveningStoreTest : public ::testing::Test {
 protected:
  PgEveningStoreTest() : clock_(kOpens - absl::Hours(1)) {}

  void SetUp() override {
    db_ = parley::testing::TestDatabase::Create();
    if (!db_) {
      if (parley::testing::TestDatabase::Configured()) FAIL() << "could not create a test database";
      GTEST_SKIP() << "set PARLEY_TEST_PG_DSN (scripts/test.sh does) to run this test";
    }
    pg::PoolOptions opts;
    opts.dsn = db_->dsn();
    opts.size = 16;
    opts.application_name = "appointments_evening_store_pgtest";
    auto pool = pg::Pool::Create(opts);
    ASSERT_TRUE(pool.ok()) << pool.status();
    pool_ = *std::move(pool);
    ASSERT_TRUE(pg::ApplyMigrations(*pool_, "appointments", Migrations()).ok());
    store_ = std::make_unique<PgEveningStore>(pool_.get());
    bookings_ = std::make_unique<PgBookingStore>(pool_.get());
    for (const char* staff : {"maths", "english"}) directory_.AddStaff(kSchool, staff);
    settings_.settings.hold_length = absl::Minutes(2);
    service_ =
        std::make_unique<EveningService>(store_.get(), bookings_.get(), &directory_, &gate_, &settings_, &clock_);
  }

  int64_t Count(const std::string& sql) {
    pqxx::connection c(db_->dsn());
    pqxx::nontransaction n(c);
    return n.exec1(sql)[0].as<int64_t>();
  }

  int64_t DoubleBookings() {
    return Count(
        "SELECT count(*) FROM occupancy a JOIN occupancy b ON a.school_id = b.school_id AND "
        "a.occupant_kind = b.occupant_kind AND a.occupant_id = b.occupant_id AND a.during && b.during AND "
        "a.booking_id < b.booking_id WHERE a.active AND b.active");
  }

  ParentsEvening Evening() {
    ParentsEvening e;
    e.school_id = kSchool;
    e.title = "Year 7 parents' evening";
    e.grid.span = Span(16, 0, 19, 0);
    e.grid.slot_length = absl::Minutes(10);
    e.grid.walk = absl::Minutes(2);
    e.grid.interpreted_length = absl::Minutes(20);
    e.grid.teachers = {{"maths", Span(16, 0, 19, 0), {Span(17, 0, 17, 20)}, "M1"},
                       {"english", Span(17, 0, 18, 0), {}, ""}};
    e.year_groups = {7, 8};
    e.opens_at = kOpens;
    e.closes_at = Pm(12);
    e.max_per_guardian = 3;
    e.household_rule = HouseholdRule::kOneEach;
    absl::StatusOr<ParentsEvening> created =
        service_->Create(Key("CreateParentsEvening"), e, EveningActor{"office-1", false});
    EXPECT_TRUE(created.ok()) << created.status();
    return created.value_or(ParentsEvening{});
  }

  std::optional<parley::testing::TestDatabase> db_;
  std::unique_ptr<pg::Pool> pool_;
  std::unique_ptr<PgEveningStore> store_;
  std::unique_ptr<PgBookingStore> bookings_;
  SimulatedClock clock_;
  testing::FakeEveningDirectory directory_;
  testing::FakeEveningGate gate_;
  testing::FakeEveningSettings settings_;
  std::unique_ptr<EveningService> service_;
};

TEST_F(PgEveningStoreTest, AnEveningRoundTripsAndReplaysOnItsRequestId) {
  const ParentsEvening e = Evening();
  absl::StatusOr<ParentsEvening> got = store_->Get(kSchool, e.id);
  ASSERT_TRUE(got.ok()) << got.status();
  EXPECT_EQ(got->title, "Year 7 parents' evening");
  EXPECT_EQ(got->grid.span, Span(16, 0, 19, 0));
  EXPECT_EQ(got->grid.slot_length, absl::Minutes(10));
  EXPECT_EQ(got->grid.walk, absl::Minutes(2));
  ASSERT_THAT(got->grid.teachers, SizeIs(2));
  EXPECT_EQ(got->grid.teachers[0].staff_id, "maths");
  EXPECT_EQ(got->grid.teachers[0].breaks.at(0), Span(17, 0, 17, 20));
  EXPECT_EQ(got->grid.teachers[0].room, "M1");
  EXPECT_EQ(got->grid.teachers[1].window, Span(17, 0, 18, 0));
  EXPECT_EQ(got->year_groups, (std::vector<int>{7, 8}));
  EXPECT_EQ(got->opens_at, kOpens);
  EXPECT_EQ(got->closes_at, Pm(12));
  EXPECT_EQ(got->max_per_guardian, 3);
  EXPECT_EQ(got->household_rule, HouseholdRule::kOneEach);
  EXPECT_EQ(got->etag, "1");
  EXPECT_FALSE(got->cancelled);
  ExpectStatus(store_->Get(kSchool, "nope").status(), absl::StatusCode::kNotFound, reason::kEveningNotFound);
  ExpectStatus(store_->Get("kenilworth", e.id).status(), absl::StatusCode::kNotFound, reason::kEveningNotFound);
  EXPECT_THAT(*store_->List(kSchool, "", 10), SizeIs(1));
  EXPECT_TRUE(store_->List(kSchool, e.id, 10)->empty());

  const RequestKey key = Key("CreateParentsEvening");
  ParentsEvening again = *got;
  again.id = "fixed";
  ASSERT_TRUE(store_->Create(key, again, clock_.Now()).ok());
  ASSERT_TRUE(store_->Create(key, again, clock_.Now()).ok());  // the replay
  ExpectStatus(store_->Create(Key("CreateParentsEvening"), again, clock_.Now()).status(),
               absl::StatusCode::kAlreadyExists, reason::kEveningExists);
  EXPECT_EQ(Count("SELECT count(*) FROM parents_evenings"), 2);
}

TEST_F(PgEveningStoreTest, CancellingWritesItsNoticesOnceAndChecksTheEtag) {
  const ParentsEvening e = Evening();
  Notice n;
  n.key = "parentsEvenings/x/cancelled/b/ann";
  n.kind = "evening_cancelled";
  n.school_id = kSchool;
  n.subject = "parentsEvenings/x";
  n.template_key = "appointments.evening_cancelled";
  n.guardian_ids = {"ann"};
  n.pupil_ids = {"p1"};
  n.variables = {{"evening", "Year 7"}};
  n.not_before = clock_.Now();
  ExpectStatus(store_->Cancel(Key("Cancel"), kSchool, e.id, "snow", "7", {n}, clock_.Now()).status(),
               absl::StatusCode::kAborted, reason::kStaleEtag);
  const RequestKey key = Key("Cancel");
  absl::StatusOr<ParentsEvening> cancelled = store_->Cancel(key, kSchool, e.id, "snow", "1", {n}, clock_.Now());
  ASSERT_TRUE(cancelled.ok()) << cancelled.status();
  EXPECT_TRUE(cancelled->cancelled);
  EXPECT_EQ(cancelled->etag, "2");
  EXPECT_EQ(cancelled->cancel_reason, "snow");
  ASSERT_TRUE(store_->Cancel(key, kSchool, e.id, "snow", "1", {n}, clock_.Now()).ok());  // the replay
  ExpectStatus(store_->Cancel(Key("Cancel"), kSchool, e.id, "snow", "", {}, clock_.Now()).status(),
               absl::StatusCode::kFailedPrecondition, reason::kWrongState);
  EXPECT_EQ(Count("SELECT count(*) FROM outbox WHERE key = 'parentsEvenings/x/cancelled/b/ann' AND "
                  "notice->>'category' = 'meeting' AND notice->>'template' = 'appointments.evening_cancelled' "
                  "AND notice->'recipients'->'guardians'->>0 = 'guardians/ann'"),
            1);
  ASSERT_TRUE(store_->AddNotices({n}).ok());
  EXPECT_EQ(Count("SELECT count(*) FROM outbox"), 1);
}

TEST_F(PgEveningStoreTest, WaitingListsHouseholdChoicesAndOffers) {
  const ParentsEvening e = Evening();
  WaitingEntry w;
  w.school_id = kSchool;
  w.evening_id = e.id;
  w.staff_id = "maths";
  w.guardian_id = "ann";
  w.pupil_id = "p1";
  w.id = "w-ann";
  const RequestKey key = Key("Join");
  absl::StatusOr<WaitingEntry> ann = store_->JoinWaitingList(key, w, clock_.Now());
  ASSERT_TRUE(ann.ok()) << ann.status();
  EXPECT_EQ(ann->position, 1);
  EXPECT_TRUE(store_->JoinWaitingList(key, w, clock_.Now()).ok());  // the replay
  w.id = "w-ann-2";
  ExpectStatus(store_->JoinWaitingList(Key("Join"), w, clock_.Now()).status(), absl::StatusCode::kAlreadyExists,
               reason::kWaitingEntryExists);
  w.id = "w-cat";
  w.guardian_id = "cat";
  w.pupil_id = "p2";
  ASSERT_EQ(store_->JoinWaitingList(Key("Join"), w, clock_.Now())->position, 2);
  w.id = "w-cat-english";
  w.staff_id = "english";
  ASSERT_EQ(store_->JoinWaitingList(Key("Join"), w, clock_.Now())->position, 1);
  EXPECT_THAT(*store_->ListWaitingList(kSchool, e.id, ""), SizeIs(3));
  EXPECT_THAT(*store_->ListWaitingList(kSchool, e.id, "maths"), SizeIs(2));

  clock_.Set(kOpens);
  ASSERT_EQ(*store_->EveningsWithWaiting(clock_.Now()),
            (std::vector<std::pair<std::string, std::string>>{{kSchool, e.id}}));
  Notice n;
  n.key = "offer/w-ann";
  n.kind = "waiting_list_offer";
  n.school_id = kSchool;
  n.subject = "parentsEvenings/x";
  n.template_key = "appointments.waiting_list_offer";
  n.guardian_ids = {"ann"};
  n.not_before = clock_.Now();
  EXPECT_EQ(store_->RecordOffer(kSchool, e.id, "w-ann", "b-1", n)->offered_booking_id, "b-1");
  EXPECT_EQ(store_->RecordOffer(kSchool, e.id, "w-ann", "b-2", n)->offered_booking_id, "b-1");  // offered once
  EXPECT_EQ(Count("SELECT count(*) FROM outbox"), 1);
  ExpectStatus(store_->RecordOffer(kSchool, e.id, "nope", "b-3", n).status(), absl::StatusCode::kNotFound,
               reason::kWaitingEntryNotFound);

  ASSERT_TRUE(store_->LeaveWaitingList(Key("Leave"), kSchool, e.id, "w-cat").ok());
  ExpectStatus(store_->LeaveWaitingList(Key("Leave"), kSchool, e.id, "w-cat"), absl::StatusCode::kNotFound,
               reason::kWaitingEntryNotFound);
  EXPECT_EQ(store_->GetWaitingEntry(kSchool, e.id, "w-cat-english")->position, 1);

  EXPECT_FALSE(store_->GetHouseholdChoice(kSchool, e.id, "p1")->has_value());
  ASSERT_TRUE(store_
                  ->SetHouseholdChoice(
                      Key("Choose"), {kSchool, e.id, "p1", HouseholdRule::kOneEach, "ann", absl::Time()}, clock_.Now())
                  .ok());
  absl::StatusOr<HouseholdChoice> replaced = store_->SetHouseholdChoice(
      Key("Choose"), {kSchool, e.id, "p1", HouseholdRule::kOnePerHousehold, "ben", absl::Time()}, clock_.Now());
  ASSERT_TRUE(replaced.ok()) << replaced.status();
  EXPECT_EQ((*store_->GetHouseholdChoice(kSchool, e.id, "p1"))->rule, HouseholdRule::kOnePerHousehold);
  EXPECT_EQ((*store_->GetHouseholdChoice(kSchool, e.id, "p1"))->chosen_by, "ben");
}

TEST_F(PgEveningStoreTest, GuardiansJoiningOneLineAtOnceAreEachToldADifferentPlace) {
  const ParentsEvening e = Evening();
  constexpr int kJoiners = 24;
  absl::Notification go;
  std::vector<absl::StatusOr<WaitingEntry>> results(kJoiners);
  std::vector<std::thread> threads;
  for (int i = 0; i < kJoiners; ++i) {
    threads.emplace_back([&, i] {
      WaitingEntry w;
      w.school_id = kSchool;
      w.evening_id = e.id;
      w.staff_id = "maths";
      w.guardian_id = absl::StrCat("g", i);
      w.pupil_id = absl::StrCat("p", i);
      w.id = absl::StrCat("w-", i);
      go.WaitForNotification();
      results[i] = store_->JoinWaitingList(Key("Join"), w, clock_.Now());
    });
  }
  go.Notify();
  for (std::thread& t : threads) t.join();
  std::set<int> places;
  for (const absl::StatusOr<WaitingEntry>& r : results) {
    ASSERT_TRUE(r.ok()) << r.status();
    EXPECT_TRUE(places.insert(r->position).second) << "place " << r->position << " given twice";
  }
  ASSERT_EQ(places.size(), static_cast<size_t>(kJoiners));
  EXPECT_EQ(*places.begin(), 1);
  EXPECT_EQ(*places.rbegin(), kJoiners);
}

TEST_F(PgEveningStoreTest, GuardiansRacingForOneSlotLeaveExactlyOneWinner) {
  const ParentsEvening e = Evening();
  constexpr int kRacers = 12;
  for (int i = 0; i < kRacers; ++i) directory_.Link(absl::StrCat("g", i), kSchool, absl::StrCat("p", i));
  clock_.Set(kOpens);
  absl::Notification go;
  std::vector<absl::StatusOr<std::vector<Booking>>> results(kRacers);
  std::vector<std::thread> threads;
  for (int i = 0; i < kRacers; ++i) {
    threads.emplace_back([&, i] {
      go.WaitForNotification();
      const std::string g = absl::StrCat("g", i);
      results[i] =
          service_->HoldSlots(Key("HoldEveningSlots"), kSchool, e.id, g,
                              {{absl::StrCat("p", i), "maths", Span(16, 0, 16, 10)}}, "", EveningActor{g, true});
    });
  }
  go.Notify();
  for (std::thread& t : threads) t.join();
  int won = 0;
  for (const auto& r : results) {
    if (r.ok()) {
      ++won;
    } else {
      ExpectStatus(r.status(), absl::StatusCode::kAborted, reason::kSlotTaken);
    }
  }
  EXPECT_EQ(won, 1);
  EXPECT_EQ(DoubleBookings(), 0);
  EXPECT_EQ(Count("SELECT count(*) FROM bookings"), 1);
}

TEST_F(PgEveningStoreTest, ALapsedHoldFreesTheSlotAndACancelledOneGoesToTheFirstInLine) {
  const ParentsEvening e = Evening();
  directory_.Link("ann", kSchool, "p1");
  directory_.Link("cat", kSchool, "p2");
  directory_.Link("dan", kSchool, "p3");
  clock_.Set(kOpens);
  ASSERT_TRUE(service_
                  ->HoldSlots(Key("HoldEveningSlots"), kSchool, e.id, "ann", {{"p1", "english", Span(17, 0, 17, 10)}},
                              "", EveningActor{"ann", true})
                  .ok());
  ExpectStatus(service_
                   ->HoldSlots(Key("HoldEveningSlots"), kSchool, e.id, "cat", {{"p2", "english", Span(17, 0, 17, 10)}},
                               "", EveningActor{"cat", true})
                   .status(),
               absl::StatusCode::kAborted, reason::kSlotTaken);
  clock_.Advance(absl::Minutes(2));  // Ann's hold lapses
  absl::StatusOr<std::vector<Booking>> cat =
      service_->HoldSlots(Key("HoldEveningSlots"), kSchool, e.id, "cat", {{"p2", "english", Span(17, 0, 17, 10)}}, "",
                          EveningActor{"cat", true});
  ASSERT_TRUE(cat.ok()) << cat.status();
  absl::StatusOr<std::vector<Booking>> confirmed =
      bookings_->Confirm(Key("ConfirmBookings"), kSchool, cat->front().hold_id, {cat->front().id}, clock_.Now());
  ASSERT_TRUE(confirmed.ok()) << confirmed.status();
  ASSERT_TRUE(service_->EveningBookingsConfirmed(*confirmed).ok());
  EXPECT_EQ(Count("SELECT count(*) FROM outbox WHERE notice->>'template' = 'appointments.evening_booked'"), 1);

  // English is full from 17:10 on for Dan's purposes: take every other slot.
  for (int m = 10; m < 60; m += 10) {
    const std::string g = absl::StrCat("x", m);
    directory_.Link(g, kSchool, absl::StrCat("px", m));
    ASSERT_TRUE(service_
                    ->HoldSlots(Key("HoldEveningSlots"), kSchool, e.id, g,
                                {{absl::StrCat("px", m), "english", Interval{Pm(17, m), Pm(17, m + 10)}}}, "",
                                EveningActor{g, true})
                    .ok());
  }
  WaitingEntry w;
  w.school_id = kSchool;
  w.evening_id = e.id;
  w.staff_id = "english";
  w.guardian_id = "dan";
  w.pupil_id = "p3";
  absl::StatusOr<WaitingEntry> dan = service_->JoinWaitingList(Key("JoinWaitingList"), w, EveningActor{"dan", true});
  ASSERT_TRUE(dan.ok()) << dan.status();
  EXPECT_EQ(*service_->SweepWaitingLists(), 0);
  absl::StatusOr<Booking> freed =
      bookings_->Cancel(Key("CancelBooking"), kSchool, cat->front().id, "ill", clock_.Now());
  ASSERT_TRUE(freed.ok());
  ASSERT_TRUE(service_->EveningBookingCancelled(*freed).ok());
  absl::StatusOr<WaitingEntry> offered = store_->GetWaitingEntry(kSchool, e.id, dan->id);
  ASSERT_TRUE(offered.ok());
  ASSERT_FALSE(offered->offered_booking_id.empty());
  absl::StatusOr<Booking> held = bookings_->Get(kSchool, offered->offered_booking_id);
  ASSERT_TRUE(held.ok());
  EXPECT_EQ(held->during, Span(17, 0, 17, 10));
  EXPECT_EQ(held->state, BookingState::kHeld);
  EXPECT_EQ(Count("SELECT count(*) FROM outbox WHERE notice->>'template' = 'appointments.waiting_list_offer'"), 1);
  EXPECT_EQ(*service_->SweepWaitingLists(), 0);
  EXPECT_EQ(DoubleBookings(), 0);
}

}  // namespace
}  // namespace parley::appointments
