// PgRequestStore against a real PostgreSQL: the history read back and replayed equals the record
// as planned, concurrent appends at one version land once, the timers and outbox rows are written
// in the change's own transaction (and not at all when it fails), retries replay, lists filter and
// page, and a clock timer fired through the handler records the breach and its notices once.
#include "services/appointments/store/pg_request_store.h"

#include <atomic>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/synchronization/notification.h"
#include "common/calendar/testing/school_calendars.h"
#include "common/pg/migrations.h"
#include "common/pg/pool.h"
#include "common/status/reason.h"
#include "common/status/reasons.h"
#include "common/testing/test_database.h"
#include "common/timer/timer.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "pqxx/pqxx"
#include "services/appointments/domain/request_rules.h"
#include "services/appointments/domain/request_service.h"
#include "services/appointments/migrations.h"
#include "services/appointments/testing/request_fakes.h"

namespace parley::appointments {
namespace {

using ::testing::ElementsAre;
using ::testing::SizeIs;

constexpr char kSchool[] = "st-marys";
absl::Time London(int y, int mo, int d, int h, int mi = 0) { return calendar::testdata::LondonTime(y, mo, d, h, mi); }

std::atomic<int> counter{0};
RequestKey Key(const std::string& method, const std::string& fingerprint = "") {
  const int n = ++counter;
  return RequestKey{absl::StrCat("st-marys/appointments.", method), absl::StrFormat("00000000-0000-4000-8000-%012d", n),
                    fingerprint.empty() ? absl::StrCat(method, n) : fingerprint};
}

void ExpectStatus(const absl::Status& s, absl::StatusCode code, absl::string_view reason) {
  EXPECT_EQ(s.code(), code) << s;
  EXPECT_EQ(ErrorReason(s), reason) << s;
}

absl::StatusOr<std::string> Encode(const StoredRequest& s) { return absl::StrCat(s.request.id, "@", s.version); }

// A request as the rules open it, with an answer and a hold clock.
MeetingRequest Fresh(const std::string& id, const std::string& guardian = "g-1") {
  MeetingRequest r;
  r.id = id;
  r.school_id = kSchool;
  r.requester = absl::StrCat("guardians/", guardian);
  r.guardian = guardian;
  r.pupils = {"p-1"};
  r.topic = "reading support";
  r.category = "send";
  r.wanted = {{WantedRole::kNamed, "t-1"}, {WantedRole::kSenco, "senco"}};
  r.modes = {Mode::kInPerson, Mode::kVideo};
  r.windows = {{London(2025, 11, 3, 15, 30), London(2025, 11, 3, 18)}};
  r.received_at = London(2025, 10, 24, 14, 10);
  r.owner = "t-1";
  return r;
}

RequestWrite WriteOf(const Change& c) {
  RequestWrite w;
  w.after = c.after;
  w.events = c.events;
  w.timers = c.timers;
  w.encode = Encode;
  return w;
}

class PgRequestStoreTest : public ::testing::Test {
 protected:
  void SetUp() override {
    db_ = ::parley::testing::TestDatabase::Create();
    if (!db_) {
      if (::parley::testing::TestDatabase::Configured()) FAIL() << "could not create a test database";
      GTEST_SKIP() << "set PARLEY_TEST_PG_DSN (scripts/test.sh does) to run this test";
    }
    pg::PoolOptions opts;
    opts.dsn = db_->dsn();
    opts.size = 8;
    opts.application_name = "appointments_request_store_pgtest";
    auto pool = pg::Pool::Create(opts);
    ASSERT_TRUE(pool.ok()) << pool.status();
    pool_ = *std::move(pool);
    ASSERT_TRUE(pg::ApplyMigrations(*pool_, timer::kMigrationsService, timer::Migrations()).ok());
    ASSERT_TRUE(pg::ApplyMigrations(*pool_, "appointments", Migrations()).ok());
    store_ = std::make_unique<PgRequestStore>(pool_.get());
    // Through the autumn of 2026 too: a timer fires at the database's clock, which is today.
    calendar::CalendarSpec spec = calendar::testdata::England2025To26();
    spec.terms.push_back({absl::CivilDay(2026, 9, 2), absl::CivilDay(2027, 7, 21), "Next year"});
    cal_ = calendar::testdata::MustBuild(spec);
  }

  int64_t Count(const std::string& sql) {
    pqxx::connection c(db_->dsn());
    pqxx::nontransaction n(c);
    return n.exec1(sql)[0].as<int64_t>();
  }

  // Opens `fresh` with clocks from St Mary's style rules: answer in 2 working days, hold in 5.
  Change Opened(const MeetingRequest& fresh) {
    directory::ResponseRule answer, hold;
    answer.channel = hold.channel = directory::Channel::kMeetingRequest;
    answer.stage = directory::Stage::kRespond;
    answer.budget.working_days = 2;
    answer.policy_text = "answered within 2 working days";
    hold.stage = directory::Stage::kHoldMeeting;
    hold.budget.working_days = 5;
    hold.policy_text = "a meeting within 5 working days";
    rules_ = {answer, hold};
    ClockPolicy policy;
    policy.rules = rules_;
    policy.school_calendar = cal_.get();
    absl::StatusOr<Change> c = Open(fresh, policy, Act{fresh.requester, fresh.received_at, ""});
    EXPECT_TRUE(c.ok()) << c.status();
    return *c;
  }

  StoredRequest MustGet(const std::string& id) {
    absl::StatusOr<StoredRequest> s = store_->Get(kSchool, id);
    EXPECT_TRUE(s.ok()) << s.status();
    return s.ok() ? *s : StoredRequest();
  }

  std::optional<::parley::testing::TestDatabase> db_;
  std::unique_ptr<pg::Pool> pool_;
  std::unique_ptr<PgRequestStore> store_;
  std::shared_ptr<const calendar::Calendar> cal_;
  std::vector<directory::ResponseRule> rules_;
};

TEST_F(PgRequestStoreTest, TheHistoryReadBackReplaysToTheRecordAsPlanned) {
  Change c = Opened(Fresh("mr-1"));
  ASSERT_TRUE(store_->Create(Key("Create"), WriteOf(c)).ok());
  const Act staff{"schools/st-marys/staff/t-1", London(2025, 10, 24, 15), ""};
  const MeetingSlot four{{London(2025, 11, 3, 16), London(2025, 11, 3, 16, 30)}, "t-1", Mode::kVideo};
  const MeetingSlot five{{London(2025, 11, 3, 17), London(2025, 11, 3, 17, 30)}, "senco", Mode::kInPerson};
  std::vector<Change> steps;
  absl::StatusOr<Change> next = OfferSlots(c.after, staff, {four, five});
  ASSERT_TRUE(next.ok()) << next.status();
  steps.push_back(*next);
  next = CounterOffer(steps.back().after, Act{"guardians/g-1", London(2025, 10, 24, 16), "after work"},
                      {{London(2025, 11, 4, 17), London(2025, 11, 4, 18)}});
  ASSERT_TRUE(next.ok()) << next.status();
  steps.push_back(*next);
  next = OfferSlots(steps.back().after, staff, {four});
  ASSERT_TRUE(next.ok()) << next.status();
  steps.push_back(*next);
  next = Accept(steps.back().after, Act{"guardians/g-1", London(2025, 10, 25, 9), ""}, four, "b-1");
  ASSERT_TRUE(next.ok()) << next.status();
  steps.push_back(*next);
  int64_t version = 1;
  for (const Change& step : steps) {
    absl::StatusOr<RequestWriteResult> w = store_->Append(Key("Append"), version, WriteOf(step));
    ASSERT_TRUE(w.ok()) << w.status();
    version += static_cast<int64_t>(step.events.size());
    EXPECT_EQ(w->response, absl::StrCat("mr-1@", version));
  }
  const MeetingRequest& planned = steps.back().after;
  const StoredRequest stored = MustGet("mr-1");
  EXPECT_EQ(stored.version, 6);
  const MeetingRequest& got = stored.request;
  EXPECT_EQ(got.state, RequestState::kBooked);
  EXPECT_EQ(got.booking_id, "b-1");
  ASSERT_TRUE(got.slot.has_value());
  EXPECT_EQ(*got.slot, four);
  EXPECT_EQ(got.wanted.size(), 2u);
  EXPECT_EQ(got.wanted[1].role, WantedRole::kSenco);
  EXPECT_THAT(got.modes, ElementsAre(Mode::kInPerson, Mode::kVideo));
  EXPECT_EQ(got.windows, planned.windows);
  EXPECT_EQ(got.proposed, planned.proposed);
  ASSERT_TRUE(got.answer && got.hold);
  EXPECT_EQ(got.answer->due, planned.answer->due);
  EXPECT_EQ(got.answer->state, ClockState::kMet);
  EXPECT_EQ(got.answer->met_at, planned.answer->met_at);
  EXPECT_EQ(got.hold->due, planned.hold->due);
  EXPECT_EQ(got.hold->explanation, planned.hold->explanation);
  EXPECT_EQ(got.answer->policy_text, "answered within 2 working days");
  ASSERT_THAT(got.history, SizeIs(6));
  for (size_t i = 0; i < got.history.size(); ++i) {
    EXPECT_EQ(got.history[i].seq, static_cast<int64_t>(i + 1));
    EXPECT_EQ(got.history[i].kind, planned.history[i].kind);
    EXPECT_EQ(got.history[i].at, planned.history[i].at);
    EXPECT_EQ(got.history[i].slots, planned.history[i].slots);
    EXPECT_EQ(got.history[i].reason, planned.history[i].reason);
  }
  // The listed columns are the fold's.
  EXPECT_EQ(Count("SELECT count(*) FROM meeting_requests WHERE state = 3 AND booking_id = 'b-1' AND version = 6"), 1);
  // Booked inside the hold's promise, answered: no timer armed.
  EXPECT_EQ(Count("SELECT count(*) FROM parley_timers WHERE kind = 'appointments.request_clock' AND state = 'pending'"),
            0);
}

TEST_F(PgRequestStoreTest, TimersAreArmedWithTheRequestAndNothingIsWrittenWhenTheWriteFails) {
  Change c = Opened(Fresh("mr-1"));
  ASSERT_TRUE(store_->Create(Key("Create"), WriteOf(c)).ok());
  EXPECT_EQ(Count(absl::StrCat("SELECT count(*) FROM parley_timers WHERE kind = 'appointments.request_clock' AND key = "
                               "'st-marys/mr-1/answer' AND state = 'pending' AND due_at = '",
                               absl::FormatTime("%Y-%m-%dT%H:%M:%SZ", c.after.answer->due, absl::UTCTimeZone()), "'")),
            1);
  EXPECT_EQ(Count("SELECT count(*) FROM parley_timers WHERE key = 'st-marys/mr-1/hold' AND state = 'pending'"), 1);
  // The same id again: refused, nothing more written.
  ExpectStatus(store_->Create(Key("Create"), WriteOf(c)).status(), absl::StatusCode::kAlreadyExists,
               reason::kMeetingRequestExists);
  // A change planned on an old version: refused whole.
  absl::StatusOr<Change> offer =
      OfferSlots(c.after, Act{"t-1", London(2025, 10, 24, 15), ""},
                 {{{London(2025, 11, 3, 16), London(2025, 11, 3, 16, 30)}, "t-1", Mode::kInPerson}});
  ASSERT_TRUE(offer.ok()) << offer.status();
  ASSERT_TRUE(store_->Append(Key("Append"), 1, WriteOf(*offer)).ok());
  EXPECT_EQ(Count("SELECT count(*) FROM parley_timers WHERE key = 'st-marys/mr-1/answer' AND state = 'cancelled'"), 1);
  ExpectStatus(store_->Append(Key("Append"), 1, WriteOf(*offer)).status(), absl::StatusCode::kAborted,
               reason::kRecordChanged);
  Change gone = *offer;
  gone.after.id = "mr-none";
  ExpectStatus(store_->Append(Key("Append"), 1, WriteOf(gone)).status(), absl::StatusCode::kNotFound,
               reason::kMeetingRequestNotFound);
  EXPECT_EQ(Count("SELECT count(*) FROM meeting_request_events"), 2);
  EXPECT_EQ(Count("SELECT count(*) FROM meeting_requests"), 1);
}

TEST_F(PgRequestStoreTest, ARetryReplaysItsFirstAnswerAndAReusedIdIsRefused) {
  Change c = Opened(Fresh("mr-1"));
  const RequestKey key = Key("Create", "fp-create");
  absl::StatusOr<RequestWriteResult> first = store_->Create(key, WriteOf(c));
  ASSERT_TRUE(first.ok()) << first.status();
  EXPECT_FALSE(first->replayed);
  absl::StatusOr<RequestWriteResult> again = store_->Create(key, WriteOf(c));
  ASSERT_TRUE(again.ok()) << again.status();
  EXPECT_TRUE(again->replayed);
  EXPECT_EQ(again->response, first->response);
  absl::StatusOr<std::optional<std::string>> found = store_->FindResponse(key);
  ASSERT_TRUE(found.ok());
  EXPECT_EQ(*found, first->response);
  RequestKey reused = key;
  reused.fingerprint = "fp-other";
  ExpectStatus(store_->Create(reused, WriteOf(c)).status(), absl::StatusCode::kInvalidArgument,
               reason::kRequestIdReused);
  EXPECT_EQ(Count("SELECT count(*) FROM meeting_request_events"), 1);
}

TEST_F(PgRequestStoreTest, ConcurrentAppendsAtOneVersionLandOnce) {
  Change c = Opened(Fresh("mr-1"));
  ASSERT_TRUE(store_->Create(Key("Create"), WriteOf(c)).ok());
  constexpr int kWriters = 8;
  std::vector<Change> plans;
  for (int i = 0; i < kWriters; ++i) {
    absl::StatusOr<Change> offer =
        OfferSlots(c.after, Act{"t-1", London(2025, 10, 24, 15), ""},
                   {{{London(2025, 11, 3, 16, i), London(2025, 11, 3, 16, 30 + i)}, "t-1", Mode::kInPerson}});
    ASSERT_TRUE(offer.ok()) << offer.status();
    plans.push_back(*offer);
  }
  std::atomic<int> landed{0}, refused{0};
  absl::Notification go;
  std::vector<std::thread> threads;
  for (int i = 0; i < kWriters; ++i) {
    threads.emplace_back([&, i] {
      go.WaitForNotification();
      absl::StatusOr<RequestWriteResult> w = store_->Append(Key("Append"), 1, WriteOf(plans[i]));
      if (w.ok()) {
        ++landed;
      } else if (absl::IsAborted(w.status()) && ErrorReason(w.status()) == reason::kRecordChanged) {
        ++refused;
      } else {
        ADD_FAILURE() << w.status();
      }
    });
  }
  go.Notify();
  for (std::thread& t : threads) t.join();
  EXPECT_EQ(landed.load(), 1);
  EXPECT_EQ(refused.load(), kWriters - 1);
  EXPECT_EQ(Count("SELECT count(*) FROM meeting_request_events"), 2);
  EXPECT_EQ(MustGet("mr-1").version, 2);
}

TEST_F(PgRequestStoreTest, ListsFilterAndPageNewestFirst) {
  for (int i = 1; i <= 5; ++i) {
    MeetingRequest f = Fresh(absl::StrCat("mr-", i), i % 2 == 0 ? "g-2" : "g-1");
    if (i == 5) f.pupils = {"p-5"};
    ASSERT_TRUE(store_->Create(Key("Create"), WriteOf(Opened(f))).ok());
  }
  absl::StatusOr<Page<StoredRequest>> page = store_->List(kSchool, {}, PageQuery{2, 0});
  ASSERT_TRUE(page.ok()) << page.status();
  ASSERT_THAT(page->items, SizeIs(2));
  EXPECT_EQ(page->items[0].request.id, "mr-5");
  EXPECT_EQ(page->items[1].request.id, "mr-4");
  ASSERT_NE(page->next_before_seq, 0);
  page = store_->List(kSchool, {}, PageQuery{2, page->next_before_seq});
  ASSERT_TRUE(page.ok());
  EXPECT_EQ(page->items[0].request.id, "mr-3");
  RequestFilter mine;
  mine.guardian = "g-2";
  page = store_->List(kSchool, mine, PageQuery{});
  ASSERT_TRUE(page.ok());
  ASSERT_THAT(page->items, SizeIs(2));
  EXPECT_EQ(page->items[0].request.topic, "reading support");
  RequestFilter pupil;
  pupil.pupil = "p-5";
  pupil.state = RequestState::kOpen;
  page = store_->List(kSchool, pupil, PageQuery{});
  ASSERT_TRUE(page.ok());
  ASSERT_THAT(page->items, SizeIs(1));
  EXPECT_EQ(page->items[0].request.id, "mr-5");
  RequestFilter breached;
  breached.breached_only = true;
  page = store_->List(kSchool, breached, PageQuery{});
  ASSERT_TRUE(page.ok());
  EXPECT_THAT(page->items, SizeIs(0));
  pupil.state = RequestState::kBooked;
  page = store_->List(kSchool, pupil, PageQuery{});
  ASSERT_TRUE(page.ok());
  EXPECT_THAT(page->items, SizeIs(0));
  // Another school's list is its own.
  page = store_->List("kenilworth", {}, PageQuery{});
  ASSERT_TRUE(page.ok());
  EXPECT_THAT(page->items, SizeIs(0));
}

// The use cases over this store: a request created through the service, its answer clock fired by
// the store's timer handler in a transaction as the worker runs it.
TEST_F(PgRequestStoreTest, AFiredAnswerClockRecordsTheBreachAndItsNoticesOnce) {
  testing::FakeRequestDirectory directory;
  testing::FakeSettings settings;
  testing::FakeBookings bookings;
  directory.AddSchool(kSchool, cal_);
  directory.AddStaff(kSchool, "t-1", {cal_, std::nullopt, "hoy"});
  directory.AddStaff(kSchool, "hoy", {cal_, std::nullopt, ""});
  directory.Link("g-1", kSchool, "p-1");
  directory.SetPromise(kSchool, directory::Channel::kMeetingRequest, directory::Stage::kRespond, {2, "2 days"});
  // Long ago, so the database's clock finds the answer overdue.
  SimulatedClock clock(London(2025, 10, 24, 14, 10));
  RequestService service(RequestService::Ports{store_.get(), &directory, &settings, &bookings, &bookings, &clock});
  NewMeetingRequest in;
  in.school_id = kSchool;
  in.guardian = "g-1";
  in.pupil = "p-1";
  in.topic = "reading";
  in.want_staff = {"t-1"};
  in.received_at = absl::InfinitePast();
  absl::StatusOr<std::string> created =
      service.Create(Key("Create"), RequestCaller{RequestCaller::Kind::kGuardian, "g-1", "guardians/g-1"}, in, Encode);
  ASSERT_TRUE(created.ok()) << created.status();
  const std::string id = created->substr(0, created->find('@'));

  const timer::Handler handler = PgRequestStore::ClockTimerHandler(service.ClockTimerPlan());
  for (int firing = 0; firing < 2; ++firing) {
    const absl::Status fired = pool_->Transact([&](pqxx::work& txn) -> absl::Status {
      absl::StatusOr<std::optional<timer::Timer>> t =
          timer::Find(txn, kRequestClockTimer, RequestTimerKey(kSchool, id, ClockKind::kAnswer));
      if (!t.ok()) return t.status();
      EXPECT_TRUE(t->has_value());
      absl::StatusOr<std::optional<absl::Time>> out = handler(txn, **t);
      if (!out.ok()) return out.status();
      EXPECT_FALSE(out->has_value());
      return absl::OkStatus();
    });
    ASSERT_TRUE(fired.ok()) << fired;
  }
  const StoredRequest r = MustGet(id);
  ASSERT_THAT(r.request.history, SizeIs(2));
  EXPECT_EQ(r.request.history[1].kind, RequestEventKind::kAnswerBreached);
  EXPECT_EQ(r.request.history[1].actor, kServiceActor);
  // The owner and their line manager, once, written with the breach.
  EXPECT_EQ(
      Count("SELECT count(*) FROM outbox WHERE kind = 'answer_breach' AND subject = 'meetingRequests/" + id + "'"), 2);
  EXPECT_EQ(Count("SELECT count(*) FROM outbox WHERE notice->'recipients'->'staff' ? 'schools/st-marys/staff/hoy'"), 1);
  EXPECT_EQ(Count("SELECT count(*) FROM parley_timers WHERE key LIKE '%/answer' AND state = 'cancelled'"), 1);
  // Listed among the breached.
  RequestFilter breached;
  breached.breached_only = true;
  absl::StatusOr<Page<StoredRequest>> page = store_->List(kSchool, breached, PageQuery{});
  ASSERT_TRUE(page.ok()) << page.status();
  ASSERT_THAT(page->items, SizeIs(1));
  EXPECT_EQ(page->items[0].request.id, id);
}

}  // namespace
}  // namespace parley::appointments
