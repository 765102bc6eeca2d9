// The escalation use cases against a real PostgreSQL and Redis: intake arms the clocks' timers, a
// staff action meets them, and when they fall due (seconds-long elapsed clocks on an always-open
// calendar) the durable timer worker fires them: an acknowledgement breach tells the owner and
// their line manager, a response breach escalates up the ladder with a fresh budget, and the top
// rung's breach refers the matter to complaints — each exactly once.
#include "services/escalation/domain/enquiry_service.h"

#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "common/calendar/calendar.h"
#include "common/pg/migrations.h"
#include "common/pg/pool.h"
#include "common/redis/client.h"
#include "common/status/reason.h"
#include "common/testing/sync.h"
#include "common/testing/test_database.h"
#include "common/testing/test_redis.h"
#include "common/timer/timer.h"
#include "common/timer/worker.h"
#include "gtest/gtest.h"
#include "services/escalation/migrations.h"
#include "services/escalation/store/pg_enquiry_store.h"
#include "services/escalation/testing/calendar_deadline_source.h"

namespace parley::escalation {
namespace {

constexpr char kSchool[] = "test-school";
const std::string kTeacher = "schools/test-school/staff/teacher";
const std::string kHead = "schools/test-school/staff/head";
const std::string kPrincipal = "schools/test-school/staff/principal";

class FakeGate final : public Gate {
 public:
  absl::StatusOr<GateAnswer> Check(const GateQuestion&) override {
    ++asked;
    return answer;
  }
  GateAnswer answer;
  int asked = 0;
};

class FakeDirectory final : public Directory {
 public:
  absl::StatusOr<Route> RouteEnquiry(const std::string&, const std::string& pupil, const std::string& category,
                                     const std::string&, int) override {
    if (category != "learning") return InvalidArgument("UNKNOWN_CATEGORY", "no such category");
    Route r;
    r.owner = Person{kTeacher, "class teacher"};
    (void)pupil;
    return r;
  }
  absl::StatusOr<Ladder> ResolveLadder(const std::string&, const std::string&, const std::string&,
                                       const std::string&) override {
    Ladder l;
    l.rungs = {Person{kTeacher, "class teacher"}, Person{kHead, "head of year"}, Person{kPrincipal, "principal"}};
    return l;
  }
  absl::StatusOr<BreachSwitches> BreachPolicyOf(const std::string&) override { return BreachSwitches{}; }
  absl::StatusOr<absl::TimeZone> TimeZoneOf(const std::string&) override { return absl::UTCTimeZone(); }
  absl::StatusOr<std::string> LineManagerOf(const std::string& staff) override {
    return staff == kTeacher ? kHead : std::string();
  }
  absl::StatusOr<absl::Time> NextWorkingTime(const std::string&, const std::string&, absl::Time at) override {
    return at;
  }
  absl::StatusOr<std::pair<std::string, std::string>> Versions(const std::string&) override { return versions; }
  // The one family these tests open enquiries for.
  absl::StatusOr<std::vector<GuardianLink>> LinksOfGuardian(const std::string& guardian, absl::Time) override {
    if (guardian != "guardians/g1") return std::vector<GuardianLink>();
    return std::vector<GuardianLink>{GuardianLink{"schools/test-school/pupils/p1", false}};
  }
  absl::StatusOr<Addressee> AddresseeOf(const std::string&, absl::Time) override {
    return NotFound(reason::kStaffNotFound, "no such member of staff");
  }
  std::pair<std::string, std::string> versions{"cal", "policy-1"};
};

// Open every day, all day, for years: elapsed budgets then behave like plain durations.
std::shared_ptr<const calendar::Calendar> AlwaysOpen() {
  calendar::CalendarSpec spec;
  spec.time_zone = "UTC";
  spec.terms = {calendar::DateRange{absl::CivilDay(2024, 1, 1), absl::CivilDay(2030, 12, 31), "always"}};
  spec.school_days = {true, true, true, true, true, true, true};
  spec.core_hours = calendar::HoursRange{0, 24 * 60};
  absl::StatusOr<std::shared_ptr<const calendar::Calendar>> cal = calendar::Calendar::Build(spec);
  EXPECT_TRUE(cal.ok()) << cal.status();
  return cal.ok() ? *std::move(cal) : nullptr;
}

int request_counter = 0;
RequestKey Key() {
  return RequestKey{"escalation.test", absl::StrFormat("00000000-0000-4000-8000-%012d", ++request_counter), "x"};
}

ResponseEncoder EncodeId() {
  return [](const EnquiryRecord& r, const EnquiryView&) -> absl::StatusOr<std::string> { return r.enquiry.id; };
}

class EnquiryServicePgTest : public ::testing::Test {
 protected:
  void SetUp() override {
    db_ = parley::testing::TestDatabase::Create();
    redis_address_ = parley::testing::TestRedis::FromEnv();
    if (!db_ || !redis_address_) GTEST_SKIP() << "set PARLEY_TEST_PG_DSN and PARLEY_TEST_REDIS_ADDR";
    pg::PoolOptions opts;
    opts.dsn = db_->dsn();
    pool_ = *pg::Pool::Create(opts);
    ASSERT_TRUE(pg::ApplyMigrations(*pool_, timer::kMigrationsService, timer::Migrations()).ok());
    ASSERT_TRUE(pg::ApplyMigrations(*pool_, "escalation", Migrations()).ok());
    store_ = std::make_unique<PgEnquiryStore>(pool_.get());
    source_ = std::make_unique<testing::CalendarDeadlineSource>(AlwaysOpen());
    source_->SetBudget(Stage::kAcknowledge, calendar::Budget{calendar::Unit::kElapsed, 0, absl::Seconds(2)});
    source_->SetBudget(Stage::kRespond, calendar::Budget{calendar::Unit::kElapsed, 0, absl::Seconds(3)});
    redis_ = *redis::Client::Connect(redis_address_->options());
    timer::WorkerOptions wopts;
    wopts.redis_key_prefix = redis_address_->Key("escalation:");
    worker_ = *timer::Worker::Create(pool_.get(), redis_.get(), wopts, nullptr);
    service_ = std::make_unique<EnquiryService>(
        store_.get(), &gate_, &directory_, source_.get(), source_.get(),
        [this](const timer::TimerRef& r) { worker_->Notify(r); }, &RealClock::Get());
    ASSERT_TRUE(worker_->Register(kClockTimerKind, PgEnquiryStore::ClockTimerHandler(service_->ClockTimerPlan())).ok());
  }

  int64_t Count(const std::string& sql) {
    int64_t n = -1;
    EXPECT_TRUE(pool_
                    ->Read([&](pqxx::work& txn) {
                      n = txn.exec1(sql)[0].as<int64_t>();
                      return absl::OkStatus();
                    })
                    .ok());
    return n;
  }

  std::string OpenOne(const std::string& category = "learning") {
    EnquiryRecord draft;
    draft.enquiry.school_id = kSchool;
    draft.enquiry.pupil = "schools/test-school/pupils/p1";
    draft.enquiry.guardian = "guardians/g1";
    draft.enquiry.channel = Channel::kEmail;
    draft.enquiry.category = category;
    draft.enquiry.received_at = absl::Now();
    draft.subject = "Homework";
    absl::StatusOr<WriteResult> w = service_->Open(Key(), draft, "office", EncodeId());
    EXPECT_TRUE(w.ok()) << w.status();
    return w.ok() ? w->response : "";
  }

  // Fires whatever the database says is due until `done` holds or `timeout` passes.
  bool FireUntil(const std::function<bool()>& done, absl::Duration timeout = absl::Seconds(20)) {
    return parley::testing::PollUntil(
        [&] {
          absl::StatusOr<int> fired = worker_->FireDueNow();
          EXPECT_TRUE(fired.ok()) << fired.status();
          return done();
        },
        timeout);
  }

  // On failure: the history and the timers, to see where the chain stopped.
  void DumpState() {
    (void)pool_->Read([&](pqxx::work& txn) {
      for (const pqxx::row& r :
           txn.exec("SELECT seq, kind, rung, owner, resp_due, at FROM enquiry_events ORDER BY seq")) {
        ADD_FAILURE() << "event " << r[0].c_str() << " kind " << r[1].c_str() << " rung " << r[2].c_str() << " "
                      << r[3].c_str() << " resp_due " << r[4].c_str() << " at " << r[5].c_str();
      }
      for (const pqxx::row& r : txn.exec("SELECT key, state, due_at, attempts, last_error FROM parley_timers")) {
        ADD_FAILURE() << "timer " << r[0].c_str() << " " << r[1].c_str() << " " << r[2].c_str() << " attempts "
                      << r[3].c_str() << " " << r[4].c_str();
      }
      return absl::OkStatus();
    });
  }

  std::optional<parley::testing::TestDatabase> db_;
  std::optional<parley::testing::TestRedis> redis_address_;
  std::unique_ptr<pg::Pool> pool_;
  std::unique_ptr<PgEnquiryStore> store_;
  std::unique_ptr<testing::CalendarDeadlineSource> source_;
  FakeGate gate_;
  FakeDirectory directory_;
  std::unique_ptr<redis::Client> redis_;
  std::unique_ptr<timer::Worker> worker_;
  std::unique_ptr<EnquiryService> service_;
};

TEST_F(EnquiryServicePgTest, IntakeArmsBothClocksAndAnAcknowledgementMeetsOne) {
  const std::string id = OpenOne();
  ASSERT_FALSE(id.empty());
  EXPECT_EQ(gate_.asked, 1);
  EXPECT_EQ(Count("SELECT count(*) FROM parley_timers WHERE state = 'pending'"), 2);
  EXPECT_EQ(Count("SELECT count(*) FROM outbox WHERE kind = 'escalation.assigned'"), 1);
  ActionInput ack;
  ack.kind = ActionInput::Kind::kAcknowledge;
  ack.actor = "teacher";
  ASSERT_TRUE(service_->Act(Key(), kSchool, id, "", ack, EncodeId()).ok());
  EXPECT_EQ(Count("SELECT count(*) FROM parley_timers WHERE state = 'pending'"), 1);
  EXPECT_EQ(Count("SELECT count(*) FROM outbox WHERE kind = 'escalation.acknowledgement'"), 1);
  // Acknowledging again is the wrong state and writes nothing.
  absl::StatusOr<WriteResult> again = service_->Act(Key(), kSchool, id, "", ack, EncodeId());
  EXPECT_EQ(again.status().code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_EQ(Count("SELECT count(*) FROM enquiry_events"), 4);
}

TEST_F(EnquiryServicePgTest, BadInputWritesNothing) {
  EnquiryRecord draft;
  draft.enquiry.school_id = kSchool;
  draft.enquiry.category = "no-such-category";
  draft.enquiry.received_at = absl::Now();
  draft.subject = "x";
  EXPECT_EQ(service_->Open(Key(), draft, "office", EncodeId()).status().code(), absl::StatusCode::kInvalidArgument);
  draft.enquiry.school_id = kSchool;
  draft.enquiry.pupil = "schools/other-school/pupils/p1";
  draft.enquiry.category = "learning";
  draft.enquiry.received_at = absl::Now();
  draft.subject = "x";
  EXPECT_EQ(service_->Open(Key(), draft, "office", EncodeId()).status().code(), absl::StatusCode::kInvalidArgument);
  draft.enquiry.pupil = "";
  draft.enquiry.received_at = absl::Now() + absl::Hours(1);
  EXPECT_EQ(service_->Open(Key(), draft, "office", EncodeId()).status().code(), absl::StatusCode::kInvalidArgument);
  draft.enquiry.received_at = absl::Now();
  draft.subject = std::string(201, 'x');
  EXPECT_EQ(service_->Open(Key(), draft, "office", EncodeId()).status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(Count("SELECT count(*) FROM enquiries"), 0);
  EXPECT_EQ(Count("SELECT count(*) FROM parley_timers"), 0);
  EXPECT_EQ(gate_.asked, 0);

  // 200 characters are allowed however many bytes they take.
  draft.subject.clear();
  for (int i = 0; i < 200; ++i) draft.subject += "\xc5\x82";  // ł
  EXPECT_TRUE(service_->Open(Key(), draft, "office", EncodeId()).ok());
  EXPECT_EQ(Count("SELECT count(*) FROM enquiries WHERE char_length(subject) = 200"), 1);
}

TEST_F(EnquiryServicePgTest, RealTimersBreachEscalateUpTheLadderAndReferOnceEach) {
  const std::string id = OpenOne();
  ASSERT_FALSE(id.empty());
  // Acknowledgement breach after 2 s: the owner and their line manager are told, once.
  ASSERT_TRUE(FireUntil([&] { return Count("SELECT count(*) FROM enquiry_events WHERE kind = 9") >= 1; }));
  EXPECT_EQ(Count("SELECT count(*) FROM outbox WHERE kind = 'escalation.acknowledge_breach'"), 2);
  // Response breaches every 3 s: rung 1 (head of year), rung 2 (principal), then complaints.
  const bool referred =
      FireUntil([&] { return Count("SELECT count(*) FROM enquiry_events WHERE kind = 12") == 1; }, absl::Seconds(30));
  if (!referred) DumpState();
  ASSERT_TRUE(referred);
  EXPECT_EQ(Count("SELECT count(*) FROM enquiry_events WHERE kind = 8"), 2);  // escalated twice
  EXPECT_EQ(Count("SELECT max(rung) FROM enquiry_events"), 2);
  absl::StatusOr<EnquiryRecord> record = store_->Get(kSchool, id);
  ASSERT_TRUE(record.ok());
  EXPECT_EQ(record->state, EnquiryState::kReferredToComplaints);
  EXPECT_EQ(record->owner, kPrincipal);
  // Nothing more is armed, and firing again changes nothing.
  EXPECT_EQ(Count("SELECT count(*) FROM parley_timers WHERE state = 'pending'"), 0);
  const int64_t events = Count("SELECT count(*) FROM enquiry_events");
  ASSERT_TRUE(worker_->FireDueNow().ok());
  EXPECT_EQ(Count("SELECT count(*) FROM enquiry_events"), events);
  EXPECT_EQ(Count("SELECT count(*) FROM outbox WHERE kind = 'escalation.escalated'"), 2);
}

TEST_F(EnquiryServicePgTest, APolicyEditRecomputesOpenEnquiriesOnceAndMovesTheirTimers) {
  source_->SetBudget(Stage::kAcknowledge, calendar::Budget{calendar::Unit::kElapsed, 0, absl::Hours(1)});
  source_->SetBudget(Stage::kRespond, calendar::Budget{calendar::Unit::kElapsed, 0, absl::Hours(2)});
  directory_.versions = {source_->Current().calendar, source_->Current().policy};
  const std::string id = OpenOne();
  ASSERT_FALSE(id.empty());
  // Nothing changed since: nothing is recomputed.
  absl::StatusOr<int> changed = service_->RecomputeChangedSchools();
  ASSERT_TRUE(changed.ok()) << changed.status();
  EXPECT_EQ(*changed, 0);

  // The school's policy now promises an answer in 3 hours.
  source_->SetBudget(Stage::kRespond, calendar::Budget{calendar::Unit::kElapsed, 0, absl::Hours(3)});
  source_->SetPolicyVersion("policy-2");
  directory_.versions = {source_->Current().calendar, "policy-2"};
  changed = service_->RecomputeChangedSchools();
  ASSERT_TRUE(changed.ok()) << changed.status();
  EXPECT_EQ(*changed, 1);
  EXPECT_EQ(Count("SELECT count(*) FROM enquiry_events WHERE kind = 15"), 1);
  EXPECT_EQ(Count("SELECT count(*) FROM parley_timers WHERE key LIKE '%/respond' AND state = 'pending' AND "
                  "due_at > now() + interval '150 minutes'"),
            1);
  // Seen already: the next round does nothing, and asking again for the school records nothing new.
  changed = service_->RecomputeChangedSchools();
  ASSERT_TRUE(changed.ok());
  EXPECT_EQ(*changed, 0);
  ASSERT_TRUE(service_->RecomputeSchool(kSchool).ok());
  EXPECT_EQ(Count("SELECT count(*) FROM enquiry_events WHERE kind = 15"), 1);
}

}  // namespace
}  // namespace parley::escalation
