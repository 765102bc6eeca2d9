// PgRecordsStore against a real PostgreSQL: settings with their etag and the retention rules
// replaced whole; interpreters by language, and one with a booking still to come cannot be deleted;
// exceptions; notes and legal hold; the retention sweep deletes only the expired notes not under a
// legal hold and records each (no body), skips rows another transaction holds, and two sweepers at
// once delete and record each note exactly once.
#include "services/appointments/store/pg_records_store.h"

#include <atomic>
#include <memory>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "common/pg/migrations.h"
#include "common/pg/pool.h"
#include "common/status/reason.h"
#include "common/status/reasons.h"
#include "common/testing/test_database.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "pqxx/pqxx"
#include "services/appointments/migrations.h"
#include "services/appointments/store/pg_booking_store.h"

namespace parley::appointments {
namespace {

using ::testing::ElementsAre;
using ::testing::IsEmpty;
using ::testing::SizeIs;

constexpr char kSchool[] = "st-marys";
// 2026-11-10 16:00 UTC.
const absl::Time kNow = absl::FromUnixSeconds(1794326400);

std::atomic<int> request_counter{0};
RequestKey Key(const std::string& method) {
  const int n = ++request_counter;
  return RequestKey{absl::StrCat("st-marys/appointments.", method), absl::StrFormat("00000000-0000-4000-8000-%012d", n),
                    absl::StrCat(method, n)};
}

void ExpectStatus(const absl::Status& s, absl::StatusCode code, absl::string_view why) {
  EXPECT_EQ(s.code(), code) << s;
  EXPECT_EQ(ErrorReason(s), why) << s;
}

class PgRecordsStoreTest : public ::testing::Test {
 protected:
  void SetUp() override {
    db_ = testing::TestDatabase::Create();
    if (!db_) {
      if (testing::TestDatabase::Configured()) FAIL() << "could not create a test database";
      GTEST_SKIP() << "set PARLEY_TEST_PG_DSN (scripts/test.sh does) to run this test";
    }
    pg::PoolOptions opts;
    opts.dsn = db_->dsn();
    opts.size = 8;
    opts.application_name = "appointments_records_pgtest";
    auto pool = pg::Pool::Create(opts);
    ASSERT_TRUE(pool.ok()) << pool.status();
    pool_ = *std::move(pool);
    ASSERT_TRUE(pg::ApplyMigrations(*pool_, "appointments", Migrations()).ok());
    store_ = std::make_unique<PgRecordsStore>(pool_.get());
    bookings_ = std::make_unique<PgBookingStore>(pool_.get());
  }

  int64_t Count(const std::string& sql) {
    pqxx::connection c(db_->dsn());
    pqxx::nontransaction n(c);
    return n.exec1(sql)[0].as<int64_t>();
  }

  // A confirmed meeting at `start` for 30 minutes, with an interpreter when named.
  void BookMeeting(const std::string& id, absl::Time start, const std::string& interpreter = "") {
    Booking b;
    b.id = id;
    b.school_id = kSchool;
    b.during = Interval{start, start + absl::Minutes(30)};
    b.staff_ids = {"t-okafor"};
    b.guardian_ids = {absl::StrCat("g-", id)};
    b.pupil_ids = {"p-00001"};
    if (!interpreter.empty()) b.interpreter = InterpreterBooking{interpreter, "pl"};
    b.created_by = "schools/st-marys/staff/t-okafor";
    ASSERT_TRUE(bookings_->Book(Key("Book"), {b}, kNow - absl::Hours(48)).ok());
  }

  MeetingNote Note(const std::string& booking, const std::string& id, absl::Time retain_until) {
    MeetingNote n;
    n.school_id = kSchool;
    n.booking_id = booking;
    n.id = id;
    n.record_type = "parent_meeting";
    n.body_ref = "records://meetings/secret-body";
    n.recording_not_permitted = true;
    n.meeting_time = kNow - absl::Hours(1);
    n.retain_until = retain_until;
    n.retention_basis = "parent_meeting: kept 6 years";
    n.author = "schools/st-marys/staff/t-okafor";
    return n;
  }

  std::optional<testing::TestDatabase> db_;
  std::unique_ptr<pg::Pool> pool_;
  std::unique_ptr<PgRecordsStore> store_;
  std::unique_ptr<PgBookingStore> bookings_;
};

TEST_F(PgRecordsStoreTest, SettingsDefaultThenStoredWithTheirEtagAndRules) {
  const AppointmentSettings defaults = *store_->Settings(kSchool);
  EXPECT_EQ(defaults.meeting_length, absl::Minutes(30));
  EXPECT_EQ(defaults.etag, "0");
  AppointmentSettings s = defaults;
  s.meeting_length = absl::Minutes(20);
  s.interpreted_meeting_length = absl::Minutes(45);
  s.hold_length = absl::Seconds(90);
  s.retention = {{"parent_meeting", 6, 0, "IRMS 4.1"}, {"send_review", 6, 25, "until 25"}};
  absl::StatusOr<AppointmentSettings> stored = store_->UpdateSettings(Key("Update"), s, "0", kNow);
  ASSERT_TRUE(stored.ok()) << stored.status();
  EXPECT_EQ(stored->meeting_length, absl::Minutes(20));
  EXPECT_EQ(stored->interpreted_meeting_length, absl::Minutes(45));
  EXPECT_EQ(stored->hold_length, absl::Seconds(90));
  EXPECT_EQ(stored->etag, "1");
  EXPECT_EQ(stored->update_time, kNow);
  ASSERT_THAT(stored->retention, SizeIs(2));
  EXPECT_EQ(stored->retention[1].record_type, "send_review");
  EXPECT_EQ(stored->retention[1].until_pupil_age, 25);
  EXPECT_EQ(stored->retention[0].schedule_text, "IRMS 4.1");

  // Stale etags (including a first write's "0" once written) change nothing.
  ExpectStatus(store_->UpdateSettings(Key("Update"), s, "0", kNow).status(), absl::StatusCode::kAborted,
               reason::kStaleEtag);
  ExpectStatus(store_->UpdateSettings(Key("Update"), s, "7", kNow).status(), absl::StatusCode::kAborted,
               reason::kStaleEtag);
  s.retention = {{"safeguarding_meeting", 25, 0, ""}};
  stored = store_->UpdateSettings(Key("Update"), s, "1", kNow + absl::Minutes(1));
  ASSERT_TRUE(stored.ok()) << stored.status();
  EXPECT_EQ(stored->etag, "2");
  ASSERT_THAT(stored->retention, SizeIs(1));
  EXPECT_EQ(stored->retention[0].record_type, "safeguarding_meeting");
  EXPECT_EQ(store_->Settings("kenilworth")->etag, "0");  // another school's are its own
}

TEST_F(PgRecordsStoreTest, InterpretersByLanguageAndABookedOneIsKept) {
  Interpreter anna{"i-anna", kSchool, "Anna Nowak", {"pl", "ru"}, ""};
  Interpreter imran{"i-imran", kSchool, "Imran Shah", {"ur"}, ""};
  ASSERT_TRUE(store_->CreateInterpreter(Key("CreateInterpreter"), anna, kNow).ok());
  const RequestKey key = Key("CreateInterpreter");
  ASSERT_TRUE(store_->CreateInterpreter(key, imran, kNow).ok());
  // A replay answers again and writes nothing.
  EXPECT_EQ(store_->CreateInterpreter(key, imran, kNow)->display_name, "Imran Shah");
  EXPECT_THAT(*store_->InterpretersFor(kSchool, "pl"), SizeIs(1));
  EXPECT_THAT(*store_->ListInterpreters(kSchool, ""), SizeIs(2));
  EXPECT_THAT(*store_->ListInterpreters("kenilworth", ""), IsEmpty());
  ExpectStatus(store_->GetInterpreter("kenilworth", "i-anna").status(), absl::StatusCode::kNotFound,
               reason::kInterpreterNotFound);

  BookMeeting("b-future", kNow + absl::Hours(24), "i-anna");
  BookMeeting("b-past", kNow - absl::Hours(24), "i-imran");
  ExpectStatus(store_->DeleteInterpreter(Key("DeleteInterpreter"), kSchool, "i-anna", kNow),
               absl::StatusCode::kFailedPrecondition, reason::kInterpreterBooked);
  EXPECT_TRUE(store_->DeleteInterpreter(Key("DeleteInterpreter"), kSchool, "i-imran", kNow).ok());
  EXPECT_TRUE(store_->GetInterpreter(kSchool, "i-anna").ok());
  ExpectStatus(store_->DeleteInterpreter(Key("DeleteInterpreter"), kSchool, "i-imran", kNow),
               absl::StatusCode::kNotFound, reason::kInterpreterNotFound);
  // Cancelled, the meeting no longer keeps her.
  ASSERT_TRUE(bookings_->Cancel(Key("Cancel"), kSchool, "b-future", "unwell", kNow).ok());
  EXPECT_TRUE(store_->DeleteInterpreter(Key("DeleteInterpreter"), kSchool, "i-anna", kNow).ok());
}

TEST_F(PgRecordsStoreTest, ExceptionsPerDate) {
  const absl::CivilDay day(2026, 11, 17);
  StaffException e{kSchool, "t-okafor", day, {{450, 510}, {960, 1080}}, ""};
  absl::StatusOr<StaffException> stored = store_->CreateException(Key("CreateException"), e, kNow);
  ASSERT_TRUE(stored.ok()) << stored.status();
  ASSERT_THAT(stored->hours, SizeIs(2));
  EXPECT_EQ(stored->hours[1].close_minute, 1080);
  StaffException away{kSchool, "t-okafor", day + 1, {}, ""};
  ASSERT_TRUE(store_->CreateException(Key("CreateException"), away, kNow).ok());
  ExpectStatus(store_->CreateException(Key("CreateException"), e, kNow).status(), absl::StatusCode::kAlreadyExists,
               reason::kAvailabilityExceptionExists);
  EXPECT_THAT(*store_->ListExceptions(kSchool, "t-okafor", day + 1, day + 5), SizeIs(1));
  // For FreeTime: the days around an instant window.
  absl::StatusOr<std::vector<AvailabilityException>> around =
      store_->Exceptions(kSchool, "t-okafor", absl::FromCivil(absl::CivilHour(2026, 11, 18, 9), absl::UTCTimeZone()),
                         absl::FromCivil(absl::CivilHour(2026, 11, 18, 17), absl::UTCTimeZone()));
  ASSERT_TRUE(around.ok());
  ASSERT_THAT(*around, SizeIs(2));
  EXPECT_THAT(around->at(1).hours, IsEmpty());
  EXPECT_TRUE(store_->DeleteException(Key("DeleteException"), kSchool, "t-okafor", day).ok());
  ExpectStatus(store_->DeleteException(Key("DeleteException"), kSchool, "t-okafor", day), absl::StatusCode::kNotFound,
               reason::kAvailabilityExceptionNotFound);
}

TEST_F(PgRecordsStoreTest, NotesAndLegalHold) {
  BookMeeting("b-1", kNow - absl::Hours(1));
  const NoteSubject subject = *store_->SubjectOf(kSchool, "b-1");
  EXPECT_EQ(subject.state, "confirmed");
  EXPECT_THAT(subject.pupil_ids, ElementsAre("p-00001"));
  EXPECT_THAT(subject.staff_ids, ElementsAre("t-okafor"));
  ExpectStatus(store_->SubjectOf("kenilworth", "b-1").status(), absl::StatusCode::kNotFound, reason::kBookingNotFound);

  const absl::Time until = kNow + absl::Hours(24 * 365 * 6);
  absl::StatusOr<MeetingNote> n = store_->CreateNote(Key("CreateNote"), Note("b-1", "n-1", until), kNow);
  ASSERT_TRUE(n.ok()) << n.status();
  EXPECT_EQ(n->retain_until, until);
  EXPECT_TRUE(n->recording_not_permitted);
  EXPECT_EQ(n->etag, "1");
  absl::StatusOr<MeetingNote> held = store_->SetLegalHold(Key("SetLegalHold"), kSchool, "b-1", "n-1", true, "1", kNow);
  ASSERT_TRUE(held.ok()) << held.status();
  EXPECT_TRUE(held->legal_hold);
  ExpectStatus(store_->SetLegalHold(Key("SetLegalHold"), kSchool, "b-1", "n-1", false, "1", kNow).status(),
               absl::StatusCode::kAborted, reason::kStaleEtag);
  ExpectStatus(store_->SetLegalHold(Key("SetLegalHold"), kSchool, "b-1", "n-9", false, "", kNow).status(),
               absl::StatusCode::kNotFound, reason::kNoteNotFound);
  EXPECT_THAT(*store_->ListNotes(kSchool, "b-1"), SizeIs(1));
  ExpectStatus(store_->GetNote("kenilworth", "b-1", "n-1").status(), absl::StatusCode::kNotFound,
               reason::kNoteNotFound);
}

TEST_F(PgRecordsStoreTest, TheSweepDeletesOnlyExpiredUnheldNotesAndAuditsEach) {
  BookMeeting("b-1", kNow - absl::Hours(1));
  ASSERT_TRUE(store_->CreateNote(Key("CreateNote"), Note("b-1", "expired", kNow - absl::Hours(1)), kNow).ok());
  ASSERT_TRUE(store_->CreateNote(Key("CreateNote"), Note("b-1", "due-now", kNow), kNow).ok());
  ASSERT_TRUE(store_->CreateNote(Key("CreateNote"), Note("b-1", "held", kNow - absl::Hours(2)), kNow).ok());
  ASSERT_TRUE(store_->CreateNote(Key("CreateNote"), Note("b-1", "kept", kNow + absl::Seconds(1)), kNow).ok());
  ASSERT_TRUE(store_->SetLegalHold(Key("SetLegalHold"), kSchool, "b-1", "held", true, "", kNow).ok());

  // A note another transaction has locked (a legal hold being set) is skipped, not waited for.
  {
    pqxx::connection c(db_->dsn());
    pqxx::work locker(c);
    locker.exec("SELECT 1 FROM meeting_notes WHERE id = 'expired' FOR UPDATE");
    EXPECT_EQ(*store_->SweepExpiredNotes(kNow, 100), 1);
    locker.abort();
  }
  EXPECT_EQ(*store_->SweepExpiredNotes(kNow, 100), 1);
  EXPECT_EQ(*store_->SweepExpiredNotes(kNow, 100), 0);
  EXPECT_EQ(Count("SELECT count(*) FROM meeting_notes WHERE id IN ('held', 'kept')"), 2);
  EXPECT_EQ(Count("SELECT count(*) FROM meeting_notes"), 2);
  EXPECT_EQ(Count("SELECT count(*) FROM note_disposals WHERE note_id IN ('expired', 'due-now') AND "
                  "record_type = 'parent_meeting' AND booking_id = 'b-1'"),
            2);
  EXPECT_EQ(Count(absl::StrCat("SELECT count(*) FROM note_disposals WHERE note_id = 'expired' AND retain_until = "
                               "to_timestamp(",
                               absl::ToUnixSeconds(kNow - absl::Hours(1)), ") AND deleted_at = to_timestamp(",
                               absl::ToUnixSeconds(kNow), ")")),
            1);
  // The audit keeps no body: no column of it holds one.
  EXPECT_EQ(Count("SELECT count(*) FROM note_disposals d WHERE d::text LIKE '%secret-body%'"), 0);
  ExpectStatus(store_->GetNote(kSchool, "b-1", "expired").status(), absl::StatusCode::kNotFound, reason::kNoteNotFound);
}

TEST_F(PgRecordsStoreTest, TwoSweepersAtOnceDeleteEachNoteOnce) {
  BookMeeting("b-1", kNow - absl::Hours(1));
  constexpr int kNotes = 300;
  {
    pqxx::connection c(db_->dsn());
    pqxx::work w(c);
    w.exec(absl::StrCat(
        "INSERT INTO meeting_notes (school_id, booking_id, id, record_type, body_ref, recording_not_permitted, "
        "meeting_time, retain_until, retention_basis, author, create_time, update_time) SELECT 'st-marys', 'b-1', "
        "'n-' || i, 'parent_meeting', 'ref', false, now(), to_timestamp(",
        absl::ToUnixSeconds(kNow),
        ") - i * interval '1 second', 'six years', 'a', now(), now() FROM "
        "generate_series(1, ",
        kNotes, ") AS i"));
    w.commit();
  }
  std::atomic<int64_t> deleted{0};
  std::atomic<bool> failed{false};
  auto sweeper = [&] {
    for (;;) {
      absl::StatusOr<int64_t> n = store_->SweepExpiredNotes(kNow, 7);
      if (!n.ok()) {
        failed = true;
        return;
      }
      if (*n == 0) return;
      deleted += *n;
    }
  };
  std::thread a(sweeper), b(sweeper), c(sweeper);
  a.join();
  b.join();
  c.join();
  EXPECT_FALSE(failed);
  EXPECT_EQ(deleted.load(), kNotes);
  EXPECT_EQ(Count("SELECT count(*) FROM meeting_notes"), 0);
  EXPECT_EQ(Count("SELECT count(*) FROM note_disposals"), kNotes);
  EXPECT_EQ(Count("SELECT count(DISTINCT note_id) FROM note_disposals"), kNotes);
}

TEST_F(PgRecordsStoreTest, StatsCountNoShowsInterpretersAndEveningGuardians) {
  BookMeeting("b-1", kNow - absl::Hours(3), "i-anna");
  BookMeeting("b-2", kNow - absl::Hours(2));
  BookMeeting("b-outside", kNow + absl::Hours(30), "i-anna");
  ASSERT_TRUE(bookings_->MarkNoShow(Key("NoShow"), kSchool, "b-2", kNow).ok());
  absl::StatusOr<SchoolStats> s = store_->Stats(kSchool, kNow - absl::Hours(24), kNow + absl::Hours(24));
  ASSERT_TRUE(s.ok()) << s.status();
  EXPECT_EQ(s->no_shows, 1);
  EXPECT_EQ(s->interpreter_bookings, 1);
  EXPECT_EQ(s->evening_slots_booked, 0);
  EXPECT_EQ(store_->Stats("kenilworth", kNow - absl::Hours(24), kNow + absl::Hours(24))->no_shows, 0);

  // Meeting requests received in the period: r-1 answered in time (its answer clock met, then its
  // hold clock breached: the latest state counts), held at b-1; r-2 with no clocks; r-3 before.
  {
    pqxx::connection c(db_->dsn());
    pqxx::work w(c);
    const std::string received = absl::StrCat("to_timestamp(", absl::ToUnixSeconds(kNow - absl::Hours(5)), ")");
    w.exec(absl::StrCat(
        "INSERT INTO meeting_requests (school_id, id, kind, requester, guardian, pupils, topic, given, received_at, "
        "channel, state, owner, booking_id, answer_due, hold_due, version) VALUES "
        "('st-marys', 'r-1', 1, 'g', 'g', '{p}', 't', '{}', ",
        received,
        ", 1, 4, 't-okafor', 'b-1', now(), now(), 3), "
        "('st-marys', 'r-2', 1, 'g', 'g', '{p}', 't', '{}', ",
        received,
        ", 1, 1, 't-okafor', '', NULL, NULL, 1), "
        "('st-marys', 'r-3', 1, 'g', 'g', '{p}', 't', '{}', ",
        received,
        " - interval '3 days', 1, 1, '', '', "
        "now(), now(), 1)"));
    w.exec(
        "INSERT INTO meeting_request_events (school_id, request_id, seq, kind, at, actor, payload) VALUES "
        "('st-marys', 'r-1', 1, 1, now(), 'g', '{\"answer\": {\"state\": 1}, \"hold\": {\"state\": 1}}'), "
        "('st-marys', 'r-1', 2, 2, now(), 's', '{\"answer\": {\"state\": 2}}'), "
        "('st-marys', 'r-1', 3, 3, now(), 's', '{\"hold\": {\"state\": 3}}')");
    w.commit();
  }
  s = store_->Stats(kSchool, kNow - absl::Hours(24), kNow + absl::Hours(24));
  ASSERT_TRUE(s.ok()) << s.status();
  EXPECT_EQ(s->requests, 2);
  EXPECT_EQ(s->answer_clocks, 1);
  EXPECT_EQ(s->answered_in_time, 1);
  EXPECT_EQ(s->hold_clocks, 1);
  EXPECT_EQ(s->held_in_time, 0);
  ASSERT_EQ(s->to_meeting.size(), 1u);
  EXPECT_EQ(s->to_meeting[0].owner, "t-okafor");
  EXPECT_EQ(s->to_meeting[0].meeting, kNow - absl::Hours(3));
}

TEST_F(PgRecordsStoreTest, StatsReadTheGridsOfTheEveningsHeldInThePeriod) {
  const int64_t six = absl::ToUnixMicros(kNow + absl::Hours(2));
  const int64_t nine = absl::ToUnixMicros(kNow + absl::Hours(5));
  {
    pqxx::connection c(db_->dsn());
    pqxx::work w(c);
    const std::string teachers =
        absl::StrFormat(R"([{"staff": "t-okafor", "start": %d, "end": %d, "breaks": [[%d, %d]], "room": "B12"},)"
                        R"( {"staff": "t-patel", "start": %d, "end": %d, "breaks": [], "room": ""}])",
                        six, nine, six + 3600000000LL, six + 4200000000LL, six, six + 3600000000LL);
    for (const auto& [id, state] :
         std::vector<std::pair<std::string, std::string>>{{"ev-1", "scheduled"}, {"ev-cancelled", "cancelled"}}) {
      w.exec_params(
          "INSERT INTO parents_evenings (school_id, id, title, starts_at, ends_at, slot_length_seconds, "
          "interpreted_length_seconds, teachers, opens_at, closes_at, household_rule, state, created_by, create_time, "
          "update_time) VALUES ('st-marys', $1, 'Year 4', to_timestamp($2::bigint / 1e6), to_timestamp($3::bigint / "
          "1e6), 600, 1200, $4::jsonb, to_timestamp($2::bigint / 1e6) - interval '7 days', "
          "to_timestamp($2::bigint / 1e6) - interval '1 day', 'one_each', $5, 'o', "
          "now(), now())",
          id, six, nine, teachers, state);
    }
    w.commit();
  }
  absl::StatusOr<SchoolStats> s = store_->Stats(kSchool, kNow, kNow + absl::Hours(24));
  ASSERT_TRUE(s.ok()) << s.status();
  ASSERT_THAT(s->evenings, SizeIs(1));
  const EveningGrid& grid = s->evenings[0];
  EXPECT_EQ(grid.slot_length, absl::Minutes(10));
  ASSERT_THAT(grid.teachers, SizeIs(2));
  EXPECT_EQ(grid.teachers[0].staff_id, "t-okafor");
  ASSERT_THAT(grid.teachers[0].breaks, SizeIs(1));
  EXPECT_EQ(grid.teachers[0].breaks[0].start, kNow + absl::Hours(3));
  EXPECT_EQ(grid.teachers[0].room, "B12");
  EXPECT_EQ(grid.teachers[1].window.end, kNow + absl::Hours(3));
  EXPECT_THAT(store_->Stats(kSchool, kNow + absl::Hours(24), kNow + absl::Hours(48))->evenings, IsEmpty());
}

}  // namespace
}  // namespace parley::appointments
