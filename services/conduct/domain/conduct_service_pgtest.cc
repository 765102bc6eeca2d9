// The conduct rules against a real PostgreSQL and Redis: letters and outbox rows exactly once,
// review reminders by the durable timer inside working time, failed writes that change nothing,
// the audit trail, and a second replica's cache catching up.
#include "services/conduct/domain/conduct_service.h"

#include <atomic>
#include <memory>
#include <optional>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "common/pg/migrations.h"
#include "common/pg/pool.h"
#include "common/redis/client.h"
#include "common/testing/sync.h"
#include "common/testing/test_database.h"
#include "common/testing/test_redis.h"
#include "common/timer/timer.h"
#include "common/timer/worker.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "services/conduct/migrations.h"
#include "services/conduct/store/pg_conduct_store.h"
#include "services/conduct/testing/fake_directory.h"

namespace parley::conduct {
namespace {

constexpr char kSchool[] = "kenilworth";
constexpr char kGuardian[] = "guardians/g-00042";
constexpr char kHead[] = "schools/kenilworth/staff/s-head";

int request_counter = 0;
RequestKey Key(const std::string& method) {
  return RequestKey{absl::StrCat("conduct.", method),
                    absl::StrFormat("00000000-0000-4000-8000-%012d", ++request_counter), method};
}

Encoder<Arrangement> EncodeArrangement() {
  return [](const Arrangement& a) -> absl::StatusOr<std::string> {
    return absl::StrCat(a.id, " ", a.version, " ", static_cast<int>(a.state), " ", a.letter_id);
  };
}

class ConductServicePgTest : public ::testing::Test {
 protected:
  void SetUp() override {
    db_ = parley::testing::TestDatabase::Create();
    redis_address_ = parley::testing::TestRedis::FromEnv();
    if (!db_ || !redis_address_) GTEST_SKIP() << "set PARLEY_TEST_PG_DSN and PARLEY_TEST_REDIS_ADDR";
    pg::PoolOptions opts;
    opts.dsn = db_->dsn();
    pool_ = *pg::Pool::Create(opts);
    ASSERT_TRUE(pg::ApplyMigrations(*pool_, timer::kMigrationsService, timer::Migrations()).ok());
    ASSERT_TRUE(pg::ApplyMigrations(*pool_, "conduct", Migrations()).ok());
    store_ = std::make_unique<PgConductStore>(pool_.get());
    directory_.AddSchool(kSchool);
    directory_.AddGuardian(kGuardian, {kSchool});
    directory_.SetHead(kSchool, kHead);
    gate_ = std::make_unique<GateCache>(store_.get(), &RealClock::Get(), absl::Hours(24 * 365));
    ASSERT_TRUE(gate_->Start(absl::Seconds(60)).ok());
    DecisionLogOptions log_options;
    log_options.flush_interval = absl::Milliseconds(10);
    recorder_ = std::make_unique<DecisionRecorder>(store_.get(), log_options);
    recorder_->Start();
    redis_ = *redis::Client::Connect(redis_address_->options());
    timer::WorkerOptions wopts;
    wopts.redis_key_prefix = redis_address_->Key("conduct:");
    worker_ = *timer::Worker::Create(pool_.get(), redis_.get(), wopts, nullptr);
    conduct_ = std::make_unique<ConductService>(
        store_.get(), &directory_, gate_.get(), recorder_.get(),
        [this](const timer::TimerRef& r) { worker_->Notify(r); }, &RealClock::Get());
    ASSERT_TRUE(worker_
                    ->Register(kReviewTimerKind, PgConductStore::ReviewTimerHandler(
                                                     [this](const timer::Timer& t) { return conduct_->PlanReview(t); }))
                    .ok());
  }

  int64_t Count(const std::string& sql) {
    int64_t n = -1;
    EXPECT_TRUE(pool_
                    ->Read([&](pqxx::work& txn) -> absl::Status {
                      n = txn.exec1(sql)[0].as<int64_t>();
                      return absl::OkStatus();
                    })
                    .ok());
    return n;
  }

  // An email-only draft, Tuesdays 15:30-16:30, started two days ago, reviewed on `review`.
  std::string Draft(absl::CivilDay review) {
    Arrangement a;
    a.school_id = kSchool;
    a.guardian = kGuardian;
    a.scope = ArrangementScope::kSchool;
    a.terms.allowed_channels = {Channel::kEmail};
    a.terms.allowed_windows = {TimeWindow{absl::Weekday::tuesday, 15 * 60 + 30, 16 * 60 + 30}};
    a.terms.reasons = "Abusive emails.";
    a.start_time = absl::Now() - absl::Hours(48);
    a.review_date = review;
    absl::StatusOr<WriteResult> w = conduct_->CreateArrangement(Key("CreateArrangement"), a, EncodeArrangement());
    EXPECT_TRUE(w.ok()) << w.status();
    return w.ok() ? w->response.substr(0, w->response.find(' ')) : "";
  }

  absl::CivilDay Today() const {
    absl::TimeZone london;
    absl::LoadTimeZone("Europe/London", &london);
    return absl::ToCivilDay(absl::Now(), london);
  }

  std::string RecordIncident() {
    struct Incident i;
    i.school_id = kSchool;
    i.guardian = kGuardian;
    i.kind = IncidentKind::kAbusiveWrittenMessage;
    i.channel = Channel::kEmail;
    i.occur_time = absl::Now() - absl::Hours(1);
    i.reported_by = "teacher";
    absl::StatusOr<WriteResult> w = conduct_->CreateIncident(
        Key("CreateIncident"), i, [](const struct Incident& x) -> absl::StatusOr<std::string> { return x.id; });
    EXPECT_TRUE(w.ok()) << w.status();
    return w.ok() ? w->response : "";
  }

  std::optional<parley::testing::TestDatabase> db_;
  std::optional<parley::testing::TestRedis> redis_address_;
  std::unique_ptr<pg::Pool> pool_;
  std::unique_ptr<PgConductStore> store_;
  testing::FakeDirectory directory_;
  std::unique_ptr<GateCache> gate_;
  std::unique_ptr<DecisionRecorder> recorder_;
  std::unique_ptr<redis::Client> redis_;
  std::unique_ptr<timer::Worker> worker_;
  std::unique_ptr<ConductService> conduct_;
};

TEST_F(ConductServicePgTest, EachLetterIsWrittenToTheOutboxExactlyOnce) {
  const std::string id = Draft(Today() + 30);
  const RequestKey issue = Key("IssueArrangement");
  absl::StatusOr<WriteResult> first = conduct_->IssueArrangement(issue, kSchool, id, "", "head", EncodeArrangement());
  ASSERT_TRUE(first.ok()) << first.status();
  absl::StatusOr<WriteResult> retry = conduct_->IssueArrangement(issue, kSchool, id, "", "head", EncodeArrangement());
  ASSERT_TRUE(retry.ok()) << retry.status();
  EXPECT_TRUE(retry->replayed);
  EXPECT_EQ(retry->response, first->response);
  EXPECT_EQ(Count("SELECT count(*) FROM letters"), 1);
  EXPECT_EQ(Count("SELECT count(*) FROM outbox WHERE kind = 'conduct_letter'"), 1);
  EXPECT_EQ(Count("SELECT count(*) FROM outbox WHERE notice->'recipients'->'guardians'->>0 = 'guardians/g-00042' "
                  "AND notice->>'template' = 'conduct.arrangement_issued'"),
            1);

  ArrangementTerms stricter;
  stricter.allowed_channels = {Channel::kEmail};
  stricter.allowed_windows = {TimeWindow{absl::Weekday::tuesday, 15 * 60 + 30, 16 * 60}};
  stricter.reasons = "The arrangement was not respected.";
  ASSERT_TRUE(conduct_
                  ->TightenArrangement(Key("TightenArrangement"), kSchool, id, "", stricter, RecordIncident(),
                                       std::nullopt, "head", EncodeArrangement())
                  .ok());
  ASSERT_TRUE(conduct_->EndArrangement(Key("EndArrangement"), kSchool, id, "", std::nullopt, EncodeArrangement()).ok());
  EXPECT_EQ(Count("SELECT count(*) FROM letters"), 3);
  EXPECT_EQ(Count("SELECT count(*) FROM outbox WHERE kind = 'conduct_letter'"), 3);
  EXPECT_EQ(Count("SELECT count(DISTINCT key) FROM outbox"), 3);
  EXPECT_EQ(Count("SELECT count(*) FROM arrangement_revisions"), 2);
  // Ending cancels the review reminder.
  EXPECT_EQ(Count("SELECT count(*) FROM parley_timers WHERE state = 'cancelled'"), 1);
  absl::StatusOr<Arrangement> ended = store_->GetArrangement(kSchool, id);
  ASSERT_TRUE(ended.ok());
  EXPECT_EQ(EffectiveState(*ended, absl::Now()), ArrangementState::kEnded);
}

TEST_F(ConductServicePgTest, AWriteThatIsRefusedChangesNothing) {
  const std::string id = Draft(Today() + 30);
  ASSERT_TRUE(conduct_->IssueArrangement(Key("Issue"), kSchool, id, "", "head", EncodeArrangement()).ok());
  ArrangementTerms looser;
  looser.allowed_channels = {Channel::kEmail, Channel::kPhone};
  looser.reasons = "More channels.";
  absl::StatusOr<WriteResult> relaxed = conduct_->TightenArrangement(
      Key("Tighten"), kSchool, id, "", looser, RecordIncident(), std::nullopt, "head", EncodeArrangement());
  EXPECT_EQ(relaxed.status().code(), absl::StatusCode::kInvalidArgument);
  absl::StatusOr<WriteResult> stale =
      conduct_->EndArrangement(Key("End"), kSchool, id, "\"1\"", std::nullopt, EncodeArrangement());
  EXPECT_EQ(stale.status().code(), absl::StatusCode::kAborted);
  absl::StatusOr<WriteResult> draft_again =
      conduct_->IssueArrangement(Key("Issue"), kSchool, id, "", "head", EncodeArrangement());
  EXPECT_EQ(draft_again.status().code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_EQ(Count("SELECT count(*) FROM letters"), 1);
  EXPECT_EQ(Count("SELECT count(*) FROM outbox"), 1);
  EXPECT_EQ(Count("SELECT max(version) FROM arrangements"), 1);
}

TEST_F(ConductServicePgTest, TheReviewDateRemindsTheHeadOnceInsideWorkingTime) {
  // Reviewed today: the timer is due at local midnight, already past.
  const std::string id = Draft(Today());
  ASSERT_TRUE(conduct_->IssueArrangement(Key("Issue"), kSchool, id, "", "head", EncodeArrangement()).ok());

  // Outside the head's working time the timer waits for it and nothing is sent.
  directory_.SetNextWorkingTime([](absl::Time at) { return at + absl::Hours(2); });
  absl::StatusOr<int> fired = worker_->FireDueNow();
  ASSERT_TRUE(fired.ok()) << fired.status();
  EXPECT_EQ(*fired, 0);
  EXPECT_EQ(Count("SELECT count(*) FROM outbox WHERE kind = 'arrangement_review_reminder'"), 0);
  EXPECT_EQ(Count("SELECT count(*) FROM parley_timers WHERE state = 'pending' AND due_at > now() + interval '1 hour'"),
            1);

  // Inside working time it fires once: the arrangement is under review and the head reminded.
  ASSERT_TRUE(pool_
                  ->Transact([](pqxx::work& txn) -> absl::Status {
                    txn.exec("UPDATE parley_timers SET due_at = now() - interval '1 second'");
                    return absl::OkStatus();
                  })
                  .ok());
  directory_.SetNextWorkingTime([](absl::Time at) { return at; });
  fired = worker_->FireDueNow();
  ASSERT_TRUE(fired.ok());
  EXPECT_EQ(*fired, 1);
  fired = worker_->FireDueNow();
  ASSERT_TRUE(fired.ok());
  EXPECT_EQ(*fired, 0);
  EXPECT_EQ(Count("SELECT count(*) FROM outbox WHERE kind = 'arrangement_review_reminder' AND "
                  "notice->'recipients'->'staff'->>0 = 'schools/kenilworth/staff/s-head'"),
            1);
  absl::StatusOr<Arrangement> a = store_->GetArrangement(kSchool, id);
  ASSERT_TRUE(a.ok());
  EXPECT_EQ(a->state, ArrangementState::kUnderReview);

  // Continuing it arms the next review.
  ASSERT_TRUE(conduct_->ContinueArrangement(Key("Continue"), kSchool, id, "", Today() + 90, EncodeArrangement()).ok());
  EXPECT_EQ(Count("SELECT count(*) FROM parley_timers WHERE state = 'pending'"), 1);
  a = store_->GetArrangement(kSchool, id);
  EXPECT_EQ(a->state, ArrangementState::kActive);
}

TEST_F(ConductServicePgTest, ArrangementsPastReviewAreThoseInForceWhoseReviewDateHasGoneBy) {
  absl::TimeZone london;
  absl::LoadTimeZone("Europe/London", &london);
  // A period that ended 47 hours ago (the arrangements started 48 hours ago: in force at its end),
  // and one that has not ended yet.
  const absl::Time ended_at = absl::Now() - absl::Hours(47);
  const absl::CivilDay end_day = absl::ToCivilDay(ended_at, london);
  ASSERT_LT(end_day, Today());
  std::vector<std::string> ids;
  for (int i = 0; i < 5; ++i) {
    ids.push_back(Draft(Today() + 30));
    ASSERT_TRUE(conduct_->IssueArrangement(Key("Issue"), kSchool, ids.back(), "", "head", EncodeArrangement()).ok());
  }
  // Review dates as time would have brought them: the day before the period's end, its last day,
  // today, a month ahead; the fifth was due before the period ended too, but it has been ended.
  const absl::CivilDay review[] = {end_day - 1, end_day, Today(), Today() + 30, end_day - 1};
  ASSERT_TRUE(pool_
                  ->Transact([&](pqxx::work& txn) -> absl::Status {
                    for (int i = 0; i < 5; ++i) {
                      txn.exec_params("UPDATE arrangements SET review_date = $1::date WHERE id = $2",
                                      absl::FormatCivilTime(review[i]), ids[i]);
                    }
                    return absl::OkStatus();
                  })
                  .ok());
  ASSERT_TRUE(
      conduct_->EndArrangement(Key("EndArrangement"), kSchool, ids[4], "", std::nullopt, EncodeArrangement()).ok());

  // Not ended: as things stand today, the first two are past review (not the one due today).
  absl::StatusOr<ConductStore::Stats> now =
      conduct_->GetSchoolStats(kSchool, absl::Now() - absl::Hours(24 * 7), absl::Now() + absl::Hours(24));
  ASSERT_TRUE(now.ok()) << now.status();
  EXPECT_EQ(now->arrangements_active, 4);
  EXPECT_EQ(now->arrangements_past_review, 2);
  // Ended: as at its end, only the first (the second's review date is that very day).
  absl::StatusOr<ConductStore::Stats> then =
      conduct_->GetSchoolStats(kSchool, absl::Now() - absl::Hours(24 * 7), ended_at);
  ASSERT_TRUE(then.ok()) << then.status();
  EXPECT_EQ(then->arrangements_past_review, 1);
  // Before they started, none was in force.
  absl::StatusOr<ConductStore::Stats> before =
      conduct_->GetSchoolStats(kSchool, absl::Now() - absl::Hours(24 * 7), absl::Now() - absl::Hours(49));
  ASSERT_TRUE(before.ok()) << before.status();
  EXPECT_EQ(before->arrangements_past_review, 0);
}

TEST_F(ConductServicePgTest, EveryDecisionIsFoundAtOnceAndWrittenBehindIntoPostgreSQL) {
  const std::string id = Draft(Today() + 30);
  ASSERT_TRUE(conduct_->IssueArrangement(Key("Issue"), kSchool, id, "", "head", EncodeArrangement()).ok());
  constexpr int kThreads = 16, kEach = 25;
  std::atomic<int> redirected{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&] {
      for (int i = 0; i < kEach; ++i) {
        GateQuery q;
        q.school_id = kSchool;
        q.guardian = kGuardian;
        q.channel = Channel::kPhone;
        q.at = absl::Now() - absl::Minutes(1);
        absl::StatusOr<DecisionRecord> d = conduct_->Check(q, "service:escalation");
        ASSERT_TRUE(d.ok()) << d.status();
        if (d->decision.outcome == Outcome::kRedirect) ++redirected;
        // Found as soon as it was returned (queued or stored).
        ASSERT_TRUE(conduct_->GetDecision(kSchool, d->id).ok());
      }
    });
  }
  for (std::thread& t : threads) t.join();
  EXPECT_EQ(redirected.load(), kThreads * kEach);
  // Written behind by the log's own thread, every one of them.
  EXPECT_TRUE(parley::testing::PollUntil(
      [&] { return Count("SELECT count(*) FROM decisions WHERE outcome = 3") == kThreads * kEach; },
      absl::Seconds(10)));
  // A list waits for the log: it shows every decision answered before it.
  absl::StatusOr<Page<DecisionRecord>> listed = conduct_->ListDecisions(kSchool, kGuardian, Outcome::kRedirect, {1000});
  ASSERT_TRUE(listed.ok()) << listed.status();
  EXPECT_EQ(listed->items.size(), static_cast<size_t>(kThreads * kEach));
}

TEST_F(ConductServicePgTest, FiftyConcurrentCopiesOfAKeyedCheckStoreOneDecision) {
  const std::string id = Draft(Today() + 30);
  ASSERT_TRUE(conduct_->IssueArrangement(Key("Issue"), kSchool, id, "", "head", EncodeArrangement()).ok());
  constexpr int kCopies = 50;
  constexpr char kRequest[] = "5d1e0c7a-9b2f-4c3d-8e4f-a0b1c2d3e4f5";
  std::vector<std::string> ids(kCopies);
  std::vector<std::thread> threads;
  for (int i = 0; i < kCopies; ++i) {
    threads.emplace_back([&, i] {
      GateQuery q;
      q.school_id = kSchool;
      q.guardian = kGuardian;
      q.channel = Channel::kPhone;
      q.at = absl::Now() - absl::Minutes(1);
      absl::StatusOr<DecisionRecord> d = conduct_->Check(q, "service:escalation", kRequest);
      ids[i] = d.ok() ? d->id : d.status().ToString();
    });
  }
  for (std::thread& t : threads) t.join();
  EXPECT_EQ(std::set<std::string>(ids.begin(), ids.end()).size(), 1u) << ids[0];
  EXPECT_EQ(ids[0], KeyedDecisionId(kSchool, "service:escalation", kRequest));
  ASSERT_TRUE(recorder_->Flush().ok());
  EXPECT_EQ(Count("SELECT count(*) FROM decisions"), 1);
  // A retry later returns the same decision and stores nothing new.
  GateQuery q;
  q.school_id = kSchool;
  q.guardian = kGuardian;
  q.channel = Channel::kEmail;
  q.at = absl::Now();
  absl::StatusOr<DecisionRecord> retry = conduct_->Check(q, "service:escalation", kRequest);
  ASSERT_TRUE(retry.ok()) << retry.status();
  EXPECT_EQ(retry->id, ids[0]);
  EXPECT_EQ(retry->query.channel, Channel::kPhone);
  ASSERT_TRUE(recorder_->Flush().ok());
  EXPECT_EQ(Count("SELECT count(*) FROM decisions"), 1);
}

TEST_F(ConductServicePgTest, AnotherReplicaSeesAChangeWithinItsRefreshInterval) {
  GateCache other(store_.get(), &RealClock::Get(), absl::Hours(24 * 365));
  ASSERT_TRUE(other.Start(absl::Milliseconds(50)).ok());
  EXPECT_TRUE(other.Current()->ArrangementsOf(kGuardian).empty());
  const std::string id = Draft(Today() + 30);
  ASSERT_TRUE(conduct_->IssueArrangement(Key("Issue"), kSchool, id, "", "head", EncodeArrangement()).ok());
  // The writer's own cache has it at once.
  EXPECT_EQ(gate_->Current()->ArrangementsOf(kGuardian).size(), 1u);
  EXPECT_TRUE(parley::testing::PollUntil([&] { return other.Current()->ArrangementsOf(kGuardian).size() == 1; },
                                         absl::Seconds(5)));
}

TEST_F(ConductServicePgTest, UnknownGuardiansAndGuardiansOfOtherSchoolsAreNotFound) {
  directory_.AddGuardian("guardians/g-elsewhere", {"st-marys"});
  GateQuery q;
  q.school_id = kSchool;
  q.guardian = "guardians/g-elsewhere";
  q.channel = Channel::kEmail;
  q.at = absl::Now();
  EXPECT_EQ(conduct_->Check(q, "x").status().code(), absl::StatusCode::kNotFound);
  q.guardian = "guardians/g-nobody";
  EXPECT_EQ(conduct_->Check(q, "x").status().code(), absl::StatusCode::kNotFound);
  ASSERT_TRUE(recorder_->Flush().ok());
  EXPECT_EQ(Count("SELECT count(*) FROM decisions"), 0);
}

// Riverside's rule on PostgreSQL: the referral's notice is an outbox row written in the incident's
// own transaction, so either both are stored or neither, and a retry adds nothing.
TEST_F(ConductServicePgTest, AnIncidentsReferralIsWrittenToTheOutboxInItsTransaction) {
  const std::string teacher = "schools/kenilworth/staff/s-teach";
  const std::string manager = "schools/kenilworth/staff/s-hoy";
  directory_.SetLineManager(teacher, manager);
  IncidentNoticeRule rule;
  rule.channels = {Channel::kPhone};
  rule.reporter_line_manager = true;
  rule.immediate = true;
  directory_.SetIncidentNotices(kSchool, {rule});
  struct Incident i;
  i.school_id = kSchool;
  i.guardian = kGuardian;
  i.kind = IncidentKind::kShouting;
  i.channel = Channel::kPhone;
  i.occur_time = absl::Now() - absl::Minutes(10);
  i.reported_by = teacher;
  auto encode = [](const struct Incident& x) -> absl::StatusOr<std::string> { return x.id; };

  // The response cannot be written: the whole transaction rolls back, notice included.
  absl::StatusOr<WriteResult> failed = conduct_->CreateIncident(
      Key("CreateIncident"), i,
      [](const struct Incident&) -> absl::StatusOr<std::string> { return absl::InternalError("encode failed"); });
  EXPECT_FALSE(failed.ok());
  EXPECT_EQ(Count("SELECT count(*) FROM incidents"), 0);
  EXPECT_EQ(Count("SELECT count(*) FROM outbox"), 0);

  const RequestKey key = Key("CreateIncident");
  absl::StatusOr<WriteResult> w = conduct_->CreateIncident(key, i, encode);
  ASSERT_TRUE(w.ok()) << w.status();
  ASSERT_TRUE(conduct_->CreateIncident(key, i, encode).ok());  // a retry
  EXPECT_EQ(Count("SELECT count(*) FROM incidents"), 1);
  EXPECT_EQ(Count(absl::StrCat("SELECT count(*) FROM outbox WHERE kind = 'conduct_incident' AND key = "
                               "'conduct/incident/kenilworth/",
                               w->response, "/", manager,
                               "' AND notice->>'priority' = 'emergency' AND notice->>'template' = "
                               "'conduct.incident_reported' AND notice->'recipients'->'staff'->>0 = '",
                               manager, "'")),
            1);
  EXPECT_EQ(Count("SELECT count(*) FROM outbox"), 1);

  absl::StatusOr<struct Incident> stored = conduct_->GetIncident(kSchool, w->response);
  ASSERT_TRUE(stored.ok()) << stored.status();
  ASSERT_EQ(stored->referrals.size(), 1u);
  EXPECT_EQ(stored->referrals[0], (IncidentReferral{manager, ReferralBasis::kLineManager, "", true}));
  absl::StatusOr<Page<struct Incident>> listed = conduct_->ListIncidents(kSchool, kGuardian, PageQuery{});
  ASSERT_TRUE(listed.ok());
  ASSERT_EQ(listed->items.size(), 1u);
  EXPECT_EQ(listed->items[0].referrals, stored->referrals);
}

}  // namespace
}  // namespace parley::conduct
