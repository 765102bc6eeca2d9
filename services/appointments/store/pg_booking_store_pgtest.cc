// PgBookingStore and the schema's exclusion constraint against a real PostgreSQL: nobody's time is
// ever booked twice (the constraint alone refuses concurrent overlaps; through the store a lost race
// is ABORTED, SLOT_TAKEN, and writes nothing), touching spans do not clash, a multi-slot hold is all
// or none, expired holds block nobody and cannot be confirmed, cancelling frees the time, writes
// replay on their request id, and a rush of 200 bookers leaves no double booking.
#include "services/appointments/store/pg_booking_store.h"

#include <atomic>
#include <memory>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/synchronization/notification.h"
#include "absl/time/clock.h"
#include "common/pg/errors.h"
#include "common/pg/migrations.h"
#include "common/pg/pool.h"
#include "common/pg/sql_values.h"
#include "common/status/reason.h"
#include "common/status/reasons.h"
#include "common/testing/test_database.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "pqxx/pqxx"
#include "services/appointments/migrations.h"

namespace parley::appointments {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;

constexpr char kSchool[] = "st-marys";
// 2025-01-06 18:00 UTC: a parents' evening.
const absl::Time kSix = absl::FromUnixSeconds(1736186400);
absl::Time At(int minute) { return kSix + absl::Minutes(minute); }
const absl::Time kNow = kSix - absl::Hours(24);  // bookings are made the day before
const absl::Duration kLease = absl::Minutes(2);

std::atomic<int> request_counter{0};
RequestKey Key(const std::string& method, const std::string& fingerprint = "") {
  const int n = ++request_counter;
  return RequestKey{absl::StrCat("st-marys/appointments.", method), absl::StrFormat("00000000-0000-4000-8000-%012d", n),
                    fingerprint.empty() ? absl::StrCat(method, n) : fingerprint};
}

// A 10-minute parents' evening slot from `minute`, teacher with guardian.
Booking Slot(const std::string& id, int minute, const std::string& teacher, const std::string& guardian) {
  Booking b;
  b.id = id;
  b.school_id = kSchool;
  b.evening_id = "ev-spring";
  b.kind = BookingKind::kEvening;
  b.during = Interval{At(minute), At(minute + 10)};
  b.staff_ids = {teacher};
  b.guardian_ids = {guardian};
  b.pupil_ids = {"p-" + guardian};
  b.created_by = guardian;
  return b;
}

void ExpectStatus(const absl::Status& s, absl::StatusCode code, absl::string_view reason) {
  EXPECT_EQ(s.code(), code) << s;
  EXPECT_EQ(ErrorReason(s), reason) << s;
}

class PgBookingStoreTest : public ::testing::Test {
 protected:
  void SetUp() override {
    db_ = testing::TestDatabase::Create();
    if (!db_) {
      if (testing::TestDatabase::Configured()) FAIL() << "could not create a test database";
      GTEST_SKIP() << "set PARLEY_TEST_PG_DSN (scripts/test.sh does) to run this test";
    }
    pg::PoolOptions opts;
    opts.dsn = db_->dsn();
    opts.size = 16;
    // The rushes queue up to 200 threads on 16 connections: on a loaded machine a thread may wait
    // longer than the production default for one. These tests are about what is written, not how
    // fast, so a slow machine must not turn a wait into PG_POOL_EXHAUSTED.
    opts.acquire_timeout = absl::Seconds(120);
    opts.application_name = "appointments_store_pgtest";
    auto pool = pg::Pool::Create(opts);
    ASSERT_TRUE(pool.ok()) << pool.status();
    pool_ = *std::move(pool);
    ASSERT_TRUE(pg::ApplyMigrations(*pool_, "appointments", Migrations()).ok());
    store_ = std::make_unique<PgBookingStore>(pool_.get());
  }

  int64_t Count(const std::string& sql) {
    pqxx::connection c(db_->dsn());
    pqxx::nontransaction n(c);
    return n.exec1(sql)[0].as<int64_t>();
  }

  // Pairs of active occupancy rows of one occupant whose times overlap: double bookings.
  int64_t DoubleBookings() {
    return Count(
        "SELECT count(*) FROM occupancy a JOIN occupancy b ON a.school_id = b.school_id AND "
        "a.occupant_kind = b.occupant_kind AND a.occupant_id = b.occupant_id AND a.during && b.during AND "
        "a.booking_id < b.booking_id WHERE a.active AND b.active");
  }

  absl::StatusOr<std::vector<Booking>> Hold(std::vector<Booking> bookings, absl::Time now = kNow) {
    return store_->Hold(Key("Hold"), bookings, kLease, now);
  }

  // Holds `a` and `b` from two threads at once: one wins, the other must be ABORTED (SLOT_TAKEN)
  // naming `whose` time, and leave nothing behind.
  void Race(const Booking& a, const Booking& b, absl::string_view whose) {
    absl::Notification go;
    absl::StatusOr<std::vector<Booking>> ra, rb;
    std::thread ta([&] {
      go.WaitForNotification();
      ra = Hold({a});
    });
    std::thread tb([&] {
      go.WaitForNotification();
      rb = Hold({b});
    });
    go.Notify();
    ta.join();
    tb.join();
    ASSERT_NE(ra.ok(), rb.ok()) << ra.status() << " / " << rb.status();
    const absl::Status lost = ra.ok() ? rb.status() : ra.status();
    const Booking& loser = ra.ok() ? b : a;
    const Booking& winner = ra.ok() ? a : b;
    ExpectStatus(lost, absl::StatusCode::kAborted, reason::kSlotTaken);
    EXPECT_THAT(lost.message(), HasSubstr(absl::StrCat("slot just taken: ", whose, " time overlaps another booking")));
    ExpectStatus(store_->Get(kSchool, loser.id).status(), absl::StatusCode::kNotFound, reason::kBookingNotFound);
    EXPECT_EQ(Count(absl::StrCat("SELECT count(*) FROM occupancy WHERE booking_id = '", loser.id, "'")), 0);
    EXPECT_EQ(Count("SELECT count(*) FROM bookings"), 1);
    EXPECT_EQ(store_->Get(kSchool, winner.id)->state, BookingState::kHeld);
  }

  std::optional<testing::TestDatabase> db_;
  std::unique_ptr<pg::Pool> pool_;
  std::unique_ptr<PgBookingStore> store_;
};

// ---- (a) the constraint itself, without the store ---------------------------------------------

TEST_F(PgBookingStoreTest, ConstraintLetsOneOfManyConcurrentOverlappingInsertsThrough) {
  constexpr int kThreads = 12;
  {
    pqxx::connection c(db_->dsn());
    pqxx::work w(c);
    for (int i = 0; i < kThreads; ++i) {
      w.exec_params(
          "INSERT INTO bookings (school_id, id, kind, state, starts_at, ends_at, mode, staff_ids, guardian_ids, "
          "pupil_ids, hold_id, created_by, create_time, update_time) VALUES ($1, $2, 'evening', 'confirmed', $3, $4, "
          "'in_person', '{t1}', '{}', '{}', $2, 'test', now(), now())",
          kSchool, absl::StrCat("raw-", i), pg::TimeParam(At(i)), pg::TimeParam(At(i + 10)));
    }
    w.commit();
  }
  // Each thread on its own connection, all released at once, each its own span for teacher t1:
  // [18:00+i, 18:10+i) for i < 10 overlap pairwise. The first insert keeps its transaction open
  // until every other one is waiting on it (pg_stat_activity): an uncommitted row is enough to
  // block, and once it commits they all fail. Two inserts that enter the index at the same moment
  // may each find the other's uncommitted row and wait for each other: PostgreSQL then aborts one
  // of them as a deadlock (40P01), which is a refusal too (the store retries it, and the retry meets
  // the winner's row: 23P01).
  std::vector<std::unique_ptr<pqxx::connection>> conns;
  for (int i = 0; i < kThreads; ++i) {
    conns.push_back(std::make_unique<pqxx::connection>(db_->dsn()));
    // Deadlocks are found after deadlock_timeout (1 s by default), one cycle at a time.
    pqxx::nontransaction(*conns.back()).exec("SET deadlock_timeout = '100ms'");
  }
  absl::Notification go, commit;
  std::atomic<int> ok{0}, excluded{0}, deadlocked{0}, other{0};
  std::vector<std::thread> threads;
  for (int i = 0; i < kThreads; ++i) {
    threads.emplace_back([&, i] {
      const int minute = i % 10;
      go.WaitForNotification();
      try {
        pqxx::work w(*conns[i]);
        w.exec_params(
            "INSERT INTO occupancy (school_id, booking_id, occupant_kind, occupant_id, during, active) "
            "VALUES ($1, $2, 'staff', 't1', tstzrange($3::timestamptz, $4::timestamptz, '[)'), true)",
            kSchool, absl::StrCat("raw-", i), pg::TimeParam(At(minute)), pg::TimeParam(At(minute + 10)));
        commit.WaitForNotificationWithTimeout(absl::Seconds(20));
        w.commit();
        ++ok;
      } catch (const std::exception& e) {  // libpqxx 6's deadlock_detected is no sql_error
        const std::string state = pg::SqlState(e);
        if (state == "23P01") {
          ++excluded;
        } else if (state == "40P01") {
          ++deadlocked;
        } else {
          ++other;
        }
      }
    });
  }
  go.Notify();
  int64_t waiting = 0;
  for (absl::Time deadline = absl::Now() + absl::Seconds(20); absl::Now() < deadline;) {
    waiting = Count(
        "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() AND wait_event_type = 'Lock' "
        "AND query LIKE 'INSERT INTO occupancy%'");
    if (waiting + deadlocked.load() == kThreads - 1) break;
    absl::SleepFor(absl::Milliseconds(10));
  }
  EXPECT_EQ(waiting + deadlocked.load(), kThreads - 1) << "the other inserts did not wait for the first";
  commit.Notify();
  for (std::thread& t : threads) t.join();
  EXPECT_EQ(ok.load(), 1);
  EXPECT_EQ(excluded.load() + deadlocked.load(), kThreads - 1);
  EXPECT_EQ(other.load(), 0);
  EXPECT_EQ(DoubleBookings(), 0);
}

TEST_F(PgBookingStoreTest, ConstraintAllowsTouchingSpansOtherOccupantsAndInactiveRows) {
  pqxx::connection c(db_->dsn());
  pqxx::nontransaction n(c);
  for (int i = 0; i < 4; ++i) {
    n.exec_params(
        "INSERT INTO bookings (school_id, id, kind, state, starts_at, ends_at, mode, staff_ids, guardian_ids, "
        "pupil_ids, hold_id, created_by, create_time, update_time) VALUES ($1, $2, 'evening', 'confirmed', $3, $4, "
        "'in_person', '{}', '{}', '{}', $2, 'test', now(), now())",
        kSchool, absl::StrCat("raw-", i), pg::TimeParam(At(0)), pg::TimeParam(At(20)));
  }
  const std::string insert =
      "INSERT INTO occupancy (school_id, booking_id, occupant_kind, occupant_id, during, active) "
      "VALUES ($1, $2, $3, $4, tstzrange($5::timestamptz, $6::timestamptz, '[)'), $7)";
  // [18:00, 18:10) and [18:10, 18:20) for one teacher: adjacent, not overlapping.
  n.exec_params(insert, kSchool, "raw-0", "staff", "t1", pg::TimeParam(At(0)), pg::TimeParam(At(10)), true);
  n.exec_params(insert, kSchool, "raw-1", "staff", "t1", pg::TimeParam(At(10)), pg::TimeParam(At(20)), true);
  // The same id as a guardian is another occupant; an inactive row blocks nobody.
  n.exec_params(insert, kSchool, "raw-2", "guardian", "t1", pg::TimeParam(At(0)), pg::TimeParam(At(10)), true);
  n.exec_params(insert, kSchool, "raw-3", "staff", "t1", pg::TimeParam(At(5)), pg::TimeParam(At(15)), false);
  try {
    n.exec_params(insert, kSchool, "raw-3", "room", "hall", pg::TimeParam(At(5)), pg::TimeParam(At(15)), true);
    n.exec_params(insert, kSchool, "raw-2", "room", "hall", pg::TimeParam(At(14)), pg::TimeParam(At(16)), true);
    ADD_FAILURE() << "an overlap for the room was accepted";
  } catch (const pqxx::sql_error& e) {
    EXPECT_EQ(pg::SqlState(e), "23P01");
  }
  EXPECT_EQ(DoubleBookings(), 0);
}

// ---- (b) races through the store ---------------------------------------------------------------

TEST_F(PgBookingStoreTest, TwoHoldsForOneTeachersSlotOneIsAbortedAndWritesNothing) {
  Race(Slot("b-1", 0, "t1", "g1"), Slot("b-2", 5, "t1", "g2"), "a member of staff's");
}

TEST_F(PgBookingStoreTest, AGuardianCannotBeInTwoMeetingsAtOnce) {
  Race(Slot("b-1", 0, "t1", "g1"), Slot("b-2", 0, "t2", "g1"), "a guardian's");
}

TEST_F(PgBookingStoreTest, AnInterpreterCannotBeInTwoMeetingsAtOnce) {
  Booking a = Slot("b-1", 0, "t1", "g1"), b = Slot("b-2", 9, "t2", "g2");
  a.interpreter = InterpreterBooking{"int-1", "pl"};
  b.interpreter = InterpreterBooking{"int-1", "pl"};
  Race(a, b, "the interpreter's");
}

TEST_F(PgBookingStoreTest, ARoomCannotHostTwoMeetingsAtOnce) {
  Booking a = Slot("b-1", 0, "t1", "g1"), b = Slot("b-2", 3, "t2", "g2");
  a.room = "hall";
  b.room = "hall";
  Race(a, b, "the room's");
}

TEST_F(PgBookingStoreTest, AdjacentSlotsAndOtherPeopleDoNotClash) {
  ASSERT_TRUE(Hold({Slot("b-1", 0, "t1", "g1")}).ok());
  ASSERT_TRUE(Hold({Slot("b-2", 10, "t1", "g2")}).ok());  // right after, same teacher
  ASSERT_TRUE(Hold({Slot("b-3", 0, "t2", "g3")}).ok());   // same time, other people
  EXPECT_THAT(*store_->ListBusy(kSchool, {OccupantKind::kStaff, "t1"}, At(-60), At(60), kNow),
              ElementsAre(Interval{At(0), At(10)}, Interval{At(10), At(20)}));
  EXPECT_EQ(DoubleBookings(), 0);
}

// ---- (c) a schedule is held all or none ---------------------------------------------------------

TEST_F(PgBookingStoreTest, AMultiSlotHoldWithOneTakenSlotWritesNone) {
  ASSERT_TRUE(Hold({Slot("other", 20, "t2", "g9")}).ok());
  const absl::StatusOr<std::vector<Booking>> held =
      Hold({Slot("s-1", 0, "t1", "g1"), Slot("s-2", 15, "t2", "g1"), Slot("s-3", 30, "t3", "g1")});
  ExpectStatus(held.status(), absl::StatusCode::kAborted, reason::kSlotTaken);
  EXPECT_THAT(held.status().message(), HasSubstr("a member of staff's"));
  for (const char* id : {"s-1", "s-2", "s-3"}) {
    ExpectStatus(store_->Get(kSchool, id).status(), absl::StatusCode::kNotFound, reason::kBookingNotFound);
  }
  EXPECT_TRUE(store_->ListBusy(kSchool, {OccupantKind::kGuardian, "g1"}, At(-60), At(120), kNow)->empty());
  EXPECT_EQ(Count("SELECT count(*) FROM occupancy"), 2);
}

TEST_F(PgBookingStoreTest, AScheduleIsConfirmedWholeByItsOwnHold) {
  absl::StatusOr<std::vector<Booking>> mine =
      Hold({Slot("s-1", 0, "t1", "g1"), Slot("s-2", 10, "t2", "g1"), Slot("s-3", 20, "t3", "g1")});
  ASSERT_TRUE(mine.ok()) << mine.status();
  absl::StatusOr<std::vector<Booking>> theirs = Hold({Slot("x-1", 0, "t4", "g2")});
  ASSERT_TRUE(theirs.ok()) << theirs.status();
  const std::string hold = mine->front().hold_id;
  EXPECT_EQ((*mine)[2].hold_id, hold);
  EXPECT_NE(theirs->front().hold_id, hold);
  EXPECT_EQ(mine->front().hold_expires, kNow + kLease);

  const absl::Time later = kNow + absl::Minutes(1);
  ExpectStatus(store_->Confirm(Key("Confirm"), kSchool, hold, {"s-1", "s-2"}, later).status(),
               absl::StatusCode::kFailedPrecondition, reason::kHoldMismatch);
  ExpectStatus(store_->Confirm(Key("Confirm"), kSchool, hold, {"s-1", "s-2", "s-3", "x-1"}, later).status(),
               absl::StatusCode::kFailedPrecondition, reason::kHoldMismatch);
  ExpectStatus(store_->Confirm(Key("Confirm"), kSchool, theirs->front().hold_id, {"s-1"}, later).status(),
               absl::StatusCode::kFailedPrecondition, reason::kHoldMismatch);
  ExpectStatus(store_->Confirm(Key("Confirm"), kSchool, hold, {"s-1", "s-2", "nope"}, later).status(),
               absl::StatusCode::kNotFound, reason::kBookingNotFound);
  EXPECT_EQ(store_->Get(kSchool, "s-1")->state, BookingState::kHeld);  // nothing of the refusals stuck

  absl::StatusOr<std::vector<Booking>> confirmed =
      store_->Confirm(Key("Confirm"), kSchool, hold, {"s-3", "s-1", "s-2"}, later);
  ASSERT_TRUE(confirmed.ok()) << confirmed.status();
  ASSERT_EQ(confirmed->size(), 3u);
  EXPECT_EQ((*confirmed)[0].id, "s-3");
  for (const Booking& b : *confirmed) {
    EXPECT_EQ(b.state, BookingState::kConfirmed);
    EXPECT_EQ(b.etag, "2");
    EXPECT_EQ(b.update_time, later);
  }
  ExpectStatus(store_->Confirm(Key("Confirm"), kSchool, hold, {"s-1", "s-2", "s-3"}, later).status(),
               absl::StatusCode::kFailedPrecondition, reason::kWrongState);
  // Confirmed bookings stay busy long after the lease.
  EXPECT_EQ(store_->ListBusy(kSchool, {OccupantKind::kGuardian, "g1"}, At(0), At(30), kSix)->size(), 3u);
}

// ---- (d) leases --------------------------------------------------------------------------------

TEST_F(PgBookingStoreTest, AnExpiredHoldBlocksNobodyAndCannotBeConfirmed) {
  absl::StatusOr<std::vector<Booking>> first = Hold({Slot("b-1", 0, "t1", "g1")});
  ASSERT_TRUE(first.ok()) << first.status();
  const absl::Time before = kNow + kLease - absl::Microseconds(1), after = kNow + kLease;
  // Within the lease the slot is busy and taken.
  EXPECT_EQ(store_->ListBusy(kSchool, {OccupantKind::kStaff, "t1"}, At(0), At(10), before)->size(), 1u);
  ExpectStatus(Hold({Slot("b-2", 0, "t1", "g2")}, before).status(), absl::StatusCode::kAborted, reason::kSlotTaken);
  // From the end of the lease it is free, even before anything released it...
  EXPECT_TRUE(store_->ListBusy(kSchool, {OccupantKind::kStaff, "t1"}, At(0), At(10), after)->empty());
  ExpectStatus(store_->Confirm(Key("Confirm"), kSchool, first->front().hold_id, {"b-1"}, after).status(),
               absl::StatusCode::kFailedPrecondition, reason::kHoldExpired);
  // ...and the next hold over it releases it.
  absl::StatusOr<std::vector<Booking>> second = Hold({Slot("b-3", 5, "t1", "g3")}, after);
  ASSERT_TRUE(second.ok()) << second.status();
  EXPECT_EQ(store_->Get(kSchool, "b-1")->state, BookingState::kLapsed);
  ExpectStatus(store_->Confirm(Key("Confirm"), kSchool, first->front().hold_id, {"b-1"}, after).status(),
               absl::StatusCode::kFailedPrecondition, reason::kHoldExpired);
  EXPECT_TRUE(store_->Confirm(Key("Confirm"), kSchool, second->front().hold_id, {"b-3"}, after).ok());
  EXPECT_EQ(DoubleBookings(), 0);
}

TEST_F(PgBookingStoreTest, TheSweepReleasesExpiredHoldsOnly) {
  ASSERT_TRUE(Hold({Slot("b-1", 0, "t1", "g1")}).ok());
  ASSERT_TRUE(Hold({Slot("b-2", 0, "t2", "g2")}).ok());
  ASSERT_TRUE(Hold({Slot("b-3", 0, "t3", "g3")}, kNow + absl::Minutes(5)).ok());
  ASSERT_TRUE(store_->Book(Key("Book"), {Slot("b-4", 0, "t4", "g4")}, kNow).ok());
  const absl::Time later = kNow + absl::Minutes(3);
  EXPECT_EQ(*store_->SweepExpiredHolds(later, 1), 1);
  EXPECT_EQ(*store_->SweepExpiredHolds(later, 10), 1);
  EXPECT_EQ(*store_->SweepExpiredHolds(later, 10), 0);
  EXPECT_EQ(store_->Get(kSchool, "b-1")->state, BookingState::kLapsed);
  EXPECT_EQ(store_->Get(kSchool, "b-3")->state, BookingState::kHeld);
  EXPECT_EQ(store_->Get(kSchool, "b-4")->state, BookingState::kConfirmed);
  EXPECT_EQ(Count("SELECT count(*) FROM occupancy WHERE active"), 4);
}

// ---- (e) cancel, no-show -----------------------------------------------------------------------

TEST_F(PgBookingStoreTest, CancellingFreesTheTime) {
  Booking meeting = Slot("m-1", 0, "t1", "g1");
  meeting.kind = BookingKind::kMeeting;
  meeting.evening_id.reset();
  meeting.mode = MeetingMode::kVideo;
  meeting.video_link = "https://meet.example/abc";
  meeting.staff_ids = {"t1", "senco"};
  meeting.interpreter = InterpreterBooking{"int-1", "Polish"};
  meeting.room = "room-4";
  absl::StatusOr<std::vector<Booking>> booked = store_->Book(Key("Book"), {meeting}, kNow);
  ASSERT_TRUE(booked.ok()) << booked.status();
  EXPECT_EQ(booked->front().state, BookingState::kConfirmed);
  EXPECT_FALSE(booked->front().hold_expires.has_value());
  absl::StatusOr<Booking> read = store_->Get(kSchool, "m-1");
  ASSERT_TRUE(read.ok());
  EXPECT_EQ(read->staff_ids, meeting.staff_ids);
  EXPECT_EQ(read->interpreter->language, "Polish");
  EXPECT_EQ(read->room, meeting.room);
  EXPECT_EQ(read->video_link, meeting.video_link);
  EXPECT_EQ(read->mode, MeetingMode::kVideo);
  EXPECT_EQ(read->create_time, kNow);
  EXPECT_EQ(read->during, meeting.during);
  EXPECT_FALSE(read->evening_id.has_value());

  ExpectStatus(store_->Book(Key("Book"), {Slot("m-2", 5, "senco", "g2")}, kNow).status(), absl::StatusCode::kAborted,
               reason::kSlotTaken);
  absl::StatusOr<Booking> cancelled = store_->Cancel(Key("Cancel"), kSchool, "m-1", "teacher ill", kNow);
  ASSERT_TRUE(cancelled.ok()) << cancelled.status();
  EXPECT_EQ(cancelled->state, BookingState::kCancelled);
  EXPECT_EQ(cancelled->cancel_reason, "teacher ill");
  EXPECT_TRUE(store_->ListBusy(kSchool, {OccupantKind::kRoom, "room-4"}, At(0), At(10), kNow)->empty());
  EXPECT_TRUE(store_->Book(Key("Book"), {Slot("m-2", 5, "senco", "g2")}, kNow).ok());
  ExpectStatus(store_->Cancel(Key("Cancel"), kSchool, "m-1", "again", kNow).status(),
               absl::StatusCode::kFailedPrecondition, reason::kWrongState);
  ExpectStatus(store_->Cancel(Key("Cancel"), kSchool, "nope", "x", kNow).status(), absl::StatusCode::kNotFound,
               reason::kBookingNotFound);
  ExpectStatus(store_->Cancel(Key("Cancel"), "woodgrange", "m-2", "x", kNow).status(), absl::StatusCode::kNotFound,
               reason::kBookingNotFound);
}

TEST_F(PgBookingStoreTest, ANoShowIsAConfirmedBookingThatStarted) {
  ASSERT_TRUE(store_->Book(Key("Book"), {Slot("b-1", 0, "t1", "g1")}, kNow).ok());
  ASSERT_TRUE(Hold({Slot("b-2", 10, "t1", "g2")}).ok());
  ExpectStatus(store_->MarkNoShow(Key("NoShow"), kSchool, "b-1", At(0) - absl::Seconds(1)).status(),
               absl::StatusCode::kFailedPrecondition, reason::kWrongState);
  ExpectStatus(store_->MarkNoShow(Key("NoShow"), kSchool, "b-2", At(15)).status(),
               absl::StatusCode::kFailedPrecondition, reason::kWrongState);
  absl::StatusOr<Booking> no_show = store_->MarkNoShow(Key("NoShow"), kSchool, "b-1", At(5));
  ASSERT_TRUE(no_show.ok()) << no_show.status();
  EXPECT_EQ(no_show->state, BookingState::kNoShow);
  EXPECT_EQ(store_->ListBusy(kSchool, {OccupantKind::kStaff, "t1"}, At(0), At(10), At(5))->size(), 1u);
}

// ---- (f) replays -------------------------------------------------------------------------------

TEST_F(PgBookingStoreTest, AReplayedHoldReturnsTheFirstAnswerAndWritesNothing) {
  const RequestKey key = Key("Hold");
  const std::vector<Booking> schedule = {Slot("s-1", 0, "t1", "g1"), Slot("s-2", 10, "t2", "g1")};
  absl::StatusOr<std::vector<Booking>> first = store_->Hold(key, schedule, kLease, kNow);
  ASSERT_TRUE(first.ok()) << first.status();
  const int64_t bookings = Count("SELECT count(*) FROM bookings"), rows = Count("SELECT count(*) FROM occupancy");
  absl::StatusOr<std::vector<Booking>> again = store_->Hold(key, schedule, kLease, kNow + absl::Seconds(30));
  ASSERT_TRUE(again.ok()) << again.status();
  ASSERT_EQ(again->size(), 2u);
  for (size_t i = 0; i < 2; ++i) {
    EXPECT_EQ((*again)[i].id, (*first)[i].id);
    EXPECT_EQ((*again)[i].hold_id, (*first)[i].hold_id);
    EXPECT_EQ((*again)[i].hold_expires, (*first)[i].hold_expires);
    EXPECT_EQ((*again)[i].etag, (*first)[i].etag);
    EXPECT_EQ((*again)[i].create_time, (*first)[i].create_time);
    EXPECT_EQ((*again)[i].during, (*first)[i].during);
    EXPECT_EQ((*again)[i].state, BookingState::kHeld);
  }
  EXPECT_EQ(Count("SELECT count(*) FROM bookings"), bookings);
  EXPECT_EQ(Count("SELECT count(*) FROM occupancy"), rows);
  // The same id with another request is refused; a lost race is not remembered, so its retry runs.
  RequestKey other = key;
  other.fingerprint = "something else";
  ExpectStatus(store_->Hold(other, schedule, kLease, kNow).status(), absl::StatusCode::kInvalidArgument,
               reason::kRequestIdReused);
  const RequestKey confirm = Key("Confirm");
  ASSERT_TRUE(store_->Confirm(confirm, kSchool, first->front().hold_id, {"s-1", "s-2"}, kNow).ok());
  absl::StatusOr<std::vector<Booking>> confirmed_again =
      store_->Confirm(confirm, kSchool, first->front().hold_id, {"s-1", "s-2"}, kNow);
  ASSERT_TRUE(confirmed_again.ok()) << confirmed_again.status();
  EXPECT_EQ(confirmed_again->front().state, BookingState::kConfirmed);
}

TEST_F(PgBookingStoreTest, ListsAnEveningsBookingsInTimeOrder) {
  ASSERT_TRUE(Hold({Slot("b-2", 10, "t1", "g2")}).ok());
  ASSERT_TRUE(Hold({Slot("b-1", 0, "t1", "g1")}).ok());
  Booking elsewhere = Slot("b-3", 0, "t2", "g3");
  elsewhere.evening_id = "ev-autumn";
  ASSERT_TRUE(Hold({elsewhere}).ok());
  absl::StatusOr<std::vector<Booking>> evening = store_->ListEveningBookings(kSchool, "ev-spring");
  ASSERT_TRUE(evening.ok()) << evening.status();
  ASSERT_EQ(evening->size(), 2u);
  EXPECT_EQ((*evening)[0].id, "b-1");
  EXPECT_EQ((*evening)[1].id, "b-2");
}

// ---- (g) the rush ------------------------------------------------------------------------------

TEST_F(PgBookingStoreTest, ARushOf200BookersOn20SlotsBooksEachSlotOnce) {
  constexpr int kBookers = 200, kSlots = 20;
  absl::Notification go;
  std::atomic<int> won{0}, slot_taken{0}, other{0};
  std::vector<std::thread> threads;
  for (int i = 0; i < kBookers; ++i) {
    threads.emplace_back([&, i] {
      // Slots 0-9 of teacher t1 and t2, 10 minutes each; each slot wanted by 10 guardians.
      const int slot = i % kSlots;
      Booking b = Slot(absl::StrCat("rush-", i), (slot % 10) * 10, slot < 10 ? "t1" : "t2", absl::StrCat("g", i));
      go.WaitForNotification();
      absl::StatusOr<std::vector<Booking>> held = store_->Hold(Key("Hold"), {b}, kLease, kNow);
      absl::Status s = held.status();
      if (held.ok()) {
        s = store_->Confirm(Key("Confirm"), kSchool, held->front().hold_id, {b.id}, kNow + absl::Seconds(5)).status();
      }
      if (s.ok()) {
        ++won;
      } else if (s.code() == absl::StatusCode::kAborted && ErrorReason(s) == reason::kSlotTaken) {
        ++slot_taken;
      } else {
        ++other;
        ADD_FAILURE() << s;
      }
    });
  }
  go.Notify();
  for (std::thread& t : threads) t.join();
  EXPECT_EQ(won.load(), kSlots);
  EXPECT_EQ(slot_taken.load(), kBookers - kSlots);
  EXPECT_EQ(other.load(), 0);
  EXPECT_EQ(DoubleBookings(), 0);
  EXPECT_EQ(Count("SELECT count(*) FROM bookings WHERE state = 'confirmed'"), kSlots);
  EXPECT_EQ(Count("SELECT count(*) FROM bookings"), kSlots);
}

// ---- (d) booking details (0006): attendees, interpreters, the gate, notices, outcomes ---------

// A meeting at `minute` with teacher t1 and guardian g1, as the bookings use cases write it.
Booking Meeting(const std::string& id, int minute, const std::string& teacher = "t1",
                const std::string& guardian = "g1") {
  Booking b;
  b.id = id;
  b.school_id = kSchool;
  b.kind = BookingKind::kMeeting;
  b.during = Interval{At(minute), At(minute + 30)};
  b.staff_ids = {teacher};
  b.guardian_ids = {guardian};
  b.pupil_ids = {"p1"};
  b.created_by = "schools/st-marys/staff/t1";
  return b;
}

Notice ConfirmedNotice(const std::string& booking, const std::string& guardian) {
  Notice n;
  n.key = absl::StrCat("bookings/", booking, "/confirmed/", guardian);
  n.kind = "booking_confirmed";
  n.school_id = kSchool;
  n.subject = absl::StrCat("bookings/", booking);
  n.template_key = "appointments.booking_confirmed";
  n.guardian_ids = {guardian};
  n.pupil_ids = {"p1"};
  n.variables = {{"time", "Monday 6 January 2025 at 18:00"}};
  n.not_before = kNow;
  return n;
}

TEST_F(PgBookingStoreTest, DetailsRoundTripAndNoticesGoToTheOutboxWithTheWrite) {
  Booking b = Meeting("m1", 0);
  b.staff_ids = {"t1", "senco"};
  b.staff_roles = {{"senco", "senco"}};
  b.guests = {"Education welfare officer, County"};
  b.meeting_request_id = "mr-1";
  b.language = "pl";
  b.interpreter = InterpreterBooking{"i-pl", "pl"};
  b.mode = MeetingMode::kVideo;
  b.video_link = "https://meet.example/x";
  b.gate = {GateRecord{"g1", "schools/st-marys/decisions/d-1", {"ALLOW", "HEAD_INFORMED"}, "flagged", kNow}};
  absl::StatusOr<Booking> made = store_->Create(Key("Create"), b, std::nullopt, {ConfirmedNotice("m1", "g1")}, kNow);
  ASSERT_TRUE(made.ok()) << made.status();
  EXPECT_EQ(made->state, BookingState::kConfirmed);
  absl::StatusOr<Booking> got = store_->Get(kSchool, "m1");
  ASSERT_TRUE(got.ok()) << got.status();
  EXPECT_EQ(got->staff_roles, b.staff_roles);
  EXPECT_EQ(got->guests, b.guests);
  EXPECT_EQ(got->meeting_request_id, "mr-1");
  EXPECT_EQ(got->language, "pl");
  EXPECT_EQ(got->gate, b.gate);
  EXPECT_EQ(got->video_link, b.video_link);
  EXPECT_EQ(Count("SELECT count(*) FROM occupancy WHERE booking_id = 'm1' AND active"),
            4);  // 2 staff, guardian, interpreter
  EXPECT_EQ(
      Count("SELECT count(*) FROM outbox WHERE key = 'bookings/m1/confirmed/g1' AND subject = 'bookings/m1' "
            "AND notice->>'category' = 'meeting' AND notice->>'template' = 'appointments.booking_confirmed' "
            "AND notice->'recipients'->'guardians'->>0 = 'guardians/g1' AND notice->>'school' = 'schools/st-marys'"),
      1);

  // A write refused by the constraint leaves no notice behind.
  absl::Status lost =
      store_->Create(Key("Create"), Meeting("m2", 10, "t1", "g2"), std::nullopt, {ConfirmedNotice("m2", "g2")}, kNow)
          .status();
  ExpectStatus(lost, absl::StatusCode::kAborted, reason::kSlotTaken);
  EXPECT_EQ(Count("SELECT count(*) FROM outbox"), 1);
  EXPECT_EQ(Count("SELECT count(*) FROM bookings"), 1);
}

TEST_F(PgBookingStoreTest, AnInterpreterIsNeverBookedTwiceEvenWhenAssignedLater) {
  Booking first = Meeting("m1", 0, "t1", "g1");
  first.language = "pl";
  first.interpreter = InterpreterBooking{"i-pl", "pl"};
  ASSERT_TRUE(store_->Create(Key("Create"), first, std::nullopt, {}, kNow).ok());
  // Another meeting at an overlapping time, waiting for its interpreter, with other people.
  Booking second = Meeting("m2", 15, "t2", "g2");
  second.language = "pl";
  second.waiting_for = {kWaitingInterpreter};
  absl::StatusOr<Booking> waiting = store_->Create(Key("Create"), second, second.during.start, {}, kNow);
  ASSERT_TRUE(waiting.ok()) << waiting.status();
  EXPECT_EQ(waiting->state, BookingState::kHeld);

  Booking assigned = *waiting;
  assigned.interpreter = InterpreterBooking{"i-pl", "pl"};
  assigned.waiting_for.clear();
  assigned.state = BookingState::kConfirmed;
  absl::Status lost =
      store_->Update(Key("Assign"), waiting->etag, assigned, {ConfirmedNotice("m2", "g2")}, kNow).status();
  ExpectStatus(lost, absl::StatusCode::kAborted, reason::kSlotTaken);
  EXPECT_THAT(lost.message(), HasSubstr("the interpreter's time"));
  // Nothing of it written: still held, waiting, no interpreter, no notice, no row.
  absl::StatusOr<Booking> after = store_->Get(kSchool, "m2");
  EXPECT_EQ(after->state, BookingState::kHeld);
  EXPECT_FALSE(after->interpreter.has_value());
  EXPECT_EQ(after->etag, waiting->etag);
  EXPECT_EQ(Count("SELECT count(*) FROM occupancy WHERE booking_id = 'm2' AND occupant_kind = 'interpreter'"), 0);
  EXPECT_EQ(Count("SELECT count(*) FROM outbox"), 0);

  // Straight into PostgreSQL: the constraint refuses the interpreter's overlapping row.
  pqxx::connection c(db_->dsn());
  pqxx::work w(c);
  try {
    w.exec_params(
        "INSERT INTO occupancy (school_id, booking_id, occupant_kind, occupant_id, during, active) "
        "VALUES ($1, 'm2', 'interpreter', 'i-pl', tstzrange($2::timestamptz, $3::timestamptz, '[)'), true)",
        kSchool, pg::TimeParam(At(15)), pg::TimeParam(At(45)));
    ADD_FAILURE() << "the exclusion constraint let an interpreter be booked twice";
  } catch (const pqxx::sql_error& e) {
    EXPECT_EQ(pg::SqlState(e), "23P01");
  }
  // A different interpreter is free then.
  assigned.interpreter = InterpreterBooking{"i-pl-2", "pl"};
  absl::StatusOr<Booking> done = store_->Update(Key("Assign"), waiting->etag, assigned, {}, kNow);
  ASSERT_TRUE(done.ok()) << done.status();
  EXPECT_EQ(done->state, BookingState::kConfirmed);
  EXPECT_EQ(DoubleBookings(), 0);
}

TEST_F(PgBookingStoreTest, SecondStaffFlowHoldsUntilTheColleagueIsAdded) {
  Booking b = Meeting("m1", 0);
  b.waiting_for = {kWaitingSecondStaff};
  b.gate = {GateRecord{"g1", "schools/st-marys/decisions/d-9", {"ALLOW", "REQUIRES_SECOND_STAFF"}, "", kNow}};
  absl::StatusOr<Booking> held = store_->Create(Key("Create"), b, b.during.start, {}, kNow);
  ASSERT_TRUE(held.ok()) << held.status();
  // Not confirmable while it waits, whole hold or not.
  ExpectStatus(
      store_->ConfirmWithNotices(Key("Confirm"), kSchool, held->hold_id, {"m1"}, {ConfirmedNotice("m1", "g1")}, kNow)
          .status(),
      absl::StatusCode::kFailedPrecondition, reason::kBookingIncomplete);
  EXPECT_EQ(Count("SELECT count(*) FROM outbox"), 0);
  // The database refuses a confirmed booking that still waits.
  {
    pqxx::connection c(db_->dsn());
    pqxx::work w(c);
    EXPECT_THROW(w.exec("UPDATE bookings SET state = 'confirmed' WHERE id = 'm1'"), pqxx::check_violation);
  }
  // A stale etag changes nothing.
  Booking added = *held;
  added.staff_ids.push_back("t2");
  added.waiting_for.clear();
  added.state = BookingState::kConfirmed;
  ExpectStatus(store_->Update(Key("Add"), "99", added, {}, kNow).status(), absl::StatusCode::kAborted,
               reason::kStaleEtag);
  const RequestKey key = Key("Add");
  absl::StatusOr<Booking> confirmed = store_->Update(key, held->etag, added, {ConfirmedNotice("m1", "g1")}, kNow);
  ASSERT_TRUE(confirmed.ok()) << confirmed.status();
  EXPECT_EQ(confirmed->state, BookingState::kConfirmed);
  EXPECT_THAT(confirmed->staff_ids, ElementsAre("t1", "t2"));
  EXPECT_EQ(confirmed->gate, b.gate);
  EXPECT_EQ(Count("SELECT count(*) FROM occupancy WHERE booking_id = 'm1' AND occupant_id = 't2' AND active"), 1);
  EXPECT_EQ(Count("SELECT count(*) FROM outbox"), 1);
  // A replay answers the same and writes nothing.
  absl::StatusOr<Booking> replayed = store_->Update(key, held->etag, added, {ConfirmedNotice("m1", "g1")}, kNow);
  ASSERT_TRUE(replayed.ok()) << replayed.status();
  EXPECT_EQ(replayed->etag, confirmed->etag);
  EXPECT_EQ(Count("SELECT count(*) FROM outbox"), 1);
  // t2's time is taken now.
  ExpectStatus(store_->Create(Key("Create"), Meeting("m2", 20, "t2", "g2"), std::nullopt, {}, kNow).status(),
               absl::StatusCode::kAborted, reason::kSlotTaken);
}

TEST_F(PgBookingStoreTest, ConfirmWithNoticesIsAllOrNone) {
  std::vector<Booking> schedule = {Slot("s1", 0, "t1", "g1"), Slot("s2", 10, "t2", "g1"), Slot("s3", 20, "t3", "g1")};
  absl::StatusOr<std::vector<Booking>> held = Hold(schedule);
  ASSERT_TRUE(held.ok()) << held.status();
  const std::string hold = held->front().hold_id;
  ExpectStatus(
      store_->ConfirmWithNotices(Key("Confirm"), kSchool, hold, {"s1", "s2"}, {ConfirmedNotice("s1", "g1")}, kNow)
          .status(),
      absl::StatusCode::kFailedPrecondition, reason::kHoldMismatch);
  EXPECT_EQ(Count("SELECT count(*) FROM bookings WHERE state = 'confirmed'"), 0);
  EXPECT_EQ(Count("SELECT count(*) FROM outbox"), 0);
  ExpectStatus(store_
                   ->ConfirmWithNotices(Key("Confirm"), kSchool, hold, {"s1", "s2", "s3"},
                                        {ConfirmedNotice("s1", "g1")}, kNow + kLease)
                   .status(),
               absl::StatusCode::kFailedPrecondition, reason::kHoldExpired);
  EXPECT_EQ(Count("SELECT count(*) FROM outbox"), 0);
  absl::StatusOr<std::vector<Booking>> all = store_->ConfirmWithNotices(
      Key("Confirm"), kSchool, hold, {"s1", "s2", "s3"}, {ConfirmedNotice("s1", "g1")}, kNow);
  ASSERT_TRUE(all.ok()) << all.status();
  EXPECT_EQ(Count("SELECT count(*) FROM bookings WHERE state = 'confirmed'"), 3);
  EXPECT_EQ(Count("SELECT count(*) FROM outbox"), 1);
}

// Confirm writes in one statement without a transaction to roll back: a booking of the hold
// cancelled while it runs must still leave the hold confirmed whole (the cancel came after) or
// not at all (the rest stay held), never the rest confirmed without it.
TEST_F(PgBookingStoreTest, AConfirmRacingACancelOfOneOfItsBookingsIsStillAllOrNone) {
  int confirmed_first = 0, cancelled_first = 0;
  for (int round = 0; round < 30; ++round) {
    const std::string p = absl::StrCat("r", round, "-");
    const int minute = 30 * round;
    absl::StatusOr<std::vector<Booking>> held =
        Hold({Slot(p + "s1", minute, "t1", "g1"), Slot(p + "s2", minute + 10, "t2", "g1"),
              Slot(p + "s3", minute + 20, "t3", "g1")});
    ASSERT_TRUE(held.ok()) << held.status();
    absl::Notification go;
    absl::StatusOr<std::vector<Booking>> confirmed;
    absl::StatusOr<Booking> cancelled;
    std::thread confirming([&] {
      go.WaitForNotification();
      confirmed = store_->Confirm(Key("Confirm"), kSchool, held->front().hold_id, {p + "s1", p + "s2", p + "s3"}, kNow);
    });
    std::thread cancelling([&] {
      go.WaitForNotification();
      cancelled = store_->Cancel(Key("Cancel"), kSchool, p + "s2", "changed plans", kNow);
    });
    go.Notify();
    confirming.join();
    cancelling.join();
    ASSERT_TRUE(cancelled.ok()) << cancelled.status();  // held or confirmed, s2 can always be cancelled
    if (confirmed.ok()) {
      ++confirmed_first;
      ASSERT_EQ(confirmed->size(), 3u);
      EXPECT_EQ(cancelled->etag, "3") << "s2 was cancelled before the confirm that reported it confirmed";
      EXPECT_EQ(store_->Get(kSchool, p + "s1")->state, BookingState::kConfirmed);
      EXPECT_EQ(store_->Get(kSchool, p + "s3")->state, BookingState::kConfirmed);
    } else {
      ++cancelled_first;
      ExpectStatus(confirmed.status(), absl::StatusCode::kFailedPrecondition, reason::kWrongState);
      EXPECT_EQ(store_->Get(kSchool, p + "s1")->state, BookingState::kHeld);
      EXPECT_EQ(store_->Get(kSchool, p + "s3")->state, BookingState::kHeld);
    }
  }
  EXPECT_EQ(confirmed_first + cancelled_first, 30);
}

TEST_F(PgBookingStoreTest, OutcomesKeepTheTimeAndCancellingFreesIt) {
  ASSERT_TRUE(store_->Create(Key("Create"), Meeting("m1", 0), std::nullopt, {}, kNow).ok());
  Booking attended = *store_->Get(kSchool, "m1");
  attended.state = BookingState::kAttended;
  absl::StatusOr<Booking> a = store_->Update(Key("Outcome"), attended.etag, attended, {}, At(40));
  ASSERT_TRUE(a.ok()) << a.status();
  EXPECT_EQ(a->state, BookingState::kAttended);
  EXPECT_THAT(*store_->ListBusy(kSchool, {OccupantKind::kStaff, "t1"}, At(0), At(60), At(40)),
              ElementsAre(Interval{At(0), At(30)}));

  ASSERT_TRUE(store_->Create(Key("Create"), Meeting("m2", 60), std::nullopt, {}, kNow).ok());
  Booking cancelled = *store_->Get(kSchool, "m2");
  cancelled.state = BookingState::kCancelled;
  cancelled.cancel_reason = "staff ill";
  ASSERT_TRUE(store_->Update(Key("Cancel"), cancelled.etag, cancelled, {}, kNow).ok());
  EXPECT_EQ(Count("SELECT count(*) FROM occupancy WHERE booking_id = 'm2' AND active"), 0);
  EXPECT_TRUE(store_->Create(Key("Create"), Meeting("m3", 60), std::nullopt, {}, kNow).ok());
}

TEST_F(PgBookingStoreTest, AMeetingRecordedAfterItTookPlaceIsWrittenAttendedAndKeepsItsTime) {
  Booking held = Meeting("m1", 0);
  held.state = BookingState::kAttended;
  absl::StatusOr<Booking> made = store_->Create(Key("Create"), held, std::nullopt, {}, At(45));
  ASSERT_TRUE(made.ok()) << made.status();
  EXPECT_EQ(made->state, BookingState::kAttended);
  EXPECT_EQ(store_->Get(kSchool, "m1")->state, BookingState::kAttended);
  EXPECT_EQ(Count("SELECT count(*) FROM bookings WHERE id = 'm1' AND state = 'attended'"), 1);
  ExpectStatus(store_->Create(Key("Create"), Meeting("m2", 15), std::nullopt, {}, At(45)).status(),
               absl::StatusCode::kAborted, reason::kSlotTaken);
}

TEST_F(PgBookingStoreTest, ListsBySchoolFilterAndPage) {
  for (int i = 0; i < 5; ++i) {
    ASSERT_TRUE(store_
                    ->Create(Key("Create"), Meeting(absl::StrCat("m", i), 30 * (4 - i), "t1", absl::StrCat("g", i)),
                             std::nullopt, {}, kNow)
                    .ok());
  }
  ASSERT_TRUE(store_->Create(Key("Create"), Meeting("other", 0, "t2", "g9"), std::nullopt, {}, kNow).ok());
  BookingFilter filter{Interval{At(0), At(600)}, "t1", "", ""};
  std::vector<std::string> ids;
  std::optional<BookingCursor> after;
  for (;;) {
    absl::StatusOr<std::vector<Booking>> page = store_->List(kSchool, filter, after, 2);
    ASSERT_TRUE(page.ok()) << page.status();
    for (const Booking& b : *page) ids.push_back(b.id);
    if (page->size() < 2) break;
    after = BookingCursor{page->back().during.start, page->back().id};
  }
  EXPECT_THAT(ids, ElementsAre("m4", "m3", "m2", "m1", "m0"));
  filter.staff_id.clear();
  filter.guardian_id = "g9";
  EXPECT_EQ(store_->List(kSchool, filter, std::nullopt, 10)->size(), 1u);
  EXPECT_TRUE(
      store_->List("another-school", BookingFilter{Interval{At(0), At(600)}, "", "", ""}, std::nullopt, 10)->empty());
}

}  // namespace
}  // namespace parley::appointments
