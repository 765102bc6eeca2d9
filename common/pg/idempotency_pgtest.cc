// Idempotent requests against a real PostgreSQL (PARLEY_TEST_PG_DSN), one fresh database per test.
#include <atomic>
#include <memory>
#include <optional>
#include <string>
#include <thread>

#include "absl/status/status.h"
#include "absl/synchronization/notification.h"
#include "common/pg/idempotency.h"
#include "common/pg/migrations.h"
#include "common/status/reason.h"
#include "common/status/status_macros.h"
#include "common/testing/sync.h"
#include "common/testing/test_database.h"
#include "gtest/gtest.h"
#include "pqxx/pqxx"

namespace parley::pg {
namespace {

using ::parley::testing::PollUntil;
using ::parley::testing::TestDatabase;

constexpr char kScope[] = "test.CreateThing";
constexpr char kId[] = "9b2f8a3c-1d4e-4f5a-8b6c-7d8e9f0a1b2c";

class IdempotencyTest : public ::testing::Test {
 protected:
  void SetUp() override {
    PARLEY_REQUIRE_TEST_DB(db);
    db_.emplace(std::move(db));
    PoolOptions opts;
    opts.dsn = db_->dsn();
    opts.size = 4;
    absl::StatusOr<std::unique_ptr<Pool>> pool = Pool::Create(opts);
    ASSERT_TRUE(pool.ok()) << pool.status();
    pool_ = std::move(*pool);
    ASSERT_TRUE(ApplyMigrations(*pool_, "idem_test", {{1, "create_things", "CREATE TABLE things (note text);"}}).ok());
  }

  // The pattern a store follows; `response` is what this attempt would answer.
  absl::StatusOr<std::string> CreateThing(const std::string& scope, const std::string& id, const std::string& request,
                                          const std::string& response) {
    std::string out;
    PARLEY_RETURN_IF_ERROR(pool_->TransactWithRetry([&](pqxx::work& txn) -> absl::Status {
      PARLEY_ASSIGN_OR_RETURN(std::optional<std::string> prior, BeginRequest(txn, scope, id, Fingerprint(request)));
      if (prior) {
        out = *std::move(prior);
        return absl::OkStatus();
      }
      txn.exec_params("INSERT INTO things (note) VALUES ($1)", response);
      out = response;
      return FinishRequest(txn, scope, id, response);
    }));
    return out;
  }

  int64_t Scalar(const std::string& sql) {
    int64_t v = -1;
    EXPECT_TRUE(pool_
                    ->Read([&](pqxx::work& txn) {
                      v = txn.exec1(sql)[0].as<int64_t>();
                      return absl::OkStatus();
                    })
                    .ok());
    return v;
  }
  int64_t Things() { return Scalar("SELECT count(*) FROM things"); }
  int64_t Records() { return Scalar("SELECT count(*) FROM parley_idempotent_requests"); }

  std::optional<TestDatabase> db_;
  std::unique_ptr<Pool> pool_;
};

TEST_F(IdempotencyTest, ARetryReplaysTheFirstResponseBytes) {
  const std::string first("resp-1\0\xff\x01", 9);
  absl::StatusOr<std::string> r1 = CreateThing(kScope, kId, "req", first);
  ASSERT_TRUE(r1.ok()) << r1.status();
  EXPECT_EQ(*r1, first);
  absl::StatusOr<std::string> r2 = CreateThing(kScope, kId, "req", "resp-2");
  ASSERT_TRUE(r2.ok()) << r2.status();
  EXPECT_EQ(*r2, first);
  EXPECT_EQ(Things(), 1);
}

TEST_F(IdempotencyTest, RunIdempotentDoesTheWorkOnceAndReplaysIt) {
  const RequestKey key{"test.Create", "00000000-0000-4000-8000-0000000000aa", Fingerprint("req")};
  struct Result {
    std::string response;
    bool replayed = false;
    int attempts = 0;
  };
  int runs = 0;
  auto work = [&](pqxx::work& txn, Result& r) -> absl::StatusOr<std::string> {
    ++runs;
    ++r.attempts;
    txn.exec0("INSERT INTO things (note) VALUES ('x')");
    return std::string("first");
  };
  absl::StatusOr<Result> first = RunIdempotentInto<Result>(*pool_, key, work);
  ASSERT_TRUE(first.ok()) << first.status();
  EXPECT_FALSE(first->replayed);
  EXPECT_EQ(first->response, "first");
  EXPECT_EQ(first->attempts, 1);
  absl::StatusOr<Result> again = RunIdempotentInto<Result>(*pool_, key, work);
  ASSERT_TRUE(again.ok());
  EXPECT_TRUE(again->replayed);
  EXPECT_EQ(again->response, "first");
  EXPECT_EQ(again->attempts, 0);  // reset, and the work did not run
  EXPECT_EQ(runs, 1);
  EXPECT_EQ(Things(), 1);
  // A failed attempt records nothing: the next one does the work.
  const RequestKey other{"test.Create", "00000000-0000-4000-8000-0000000000ab", Fingerprint("req")};
  EXPECT_EQ(
      RunIdempotent(*pool_, other,
                    [](pqxx::work&) -> absl::StatusOr<std::string> { return absl::FailedPreconditionError("not now"); })
          .status()
          .code(),
      absl::StatusCode::kFailedPrecondition);
  EXPECT_FALSE(RunIdempotent(*pool_, other, [](pqxx::work&) -> absl::StatusOr<std::string> {
                 return std::string("second");
               })->replayed);
}

TEST_F(IdempotencyTest, AnEmptyResponseIsReplayedAsEmpty) {
  ASSERT_TRUE(CreateThing(kScope, kId, "req", "").ok());
  absl::StatusOr<std::string> again = CreateThing(kScope, kId, "req", "other");
  ASSERT_TRUE(again.ok()) << again.status();
  EXPECT_EQ(*again, "");
  EXPECT_EQ(Things(), 1);
}

TEST_F(IdempotencyTest, TheSameIdWithADifferentRequestIsInvalidArgument) {
  ASSERT_TRUE(CreateThing(kScope, kId, "req", "resp").ok());
  absl::StatusOr<std::string> r = CreateThing(kScope, kId, "different req", "resp");
  EXPECT_EQ(r.status().code(), absl::StatusCode::kInvalidArgument) << r.status();
  EXPECT_EQ(ErrorReason(r.status()), "REQUEST_ID_REUSED");
  EXPECT_EQ(Things(), 1);
}

TEST_F(IdempotencyTest, ScopesAreIndependent) {
  ASSERT_TRUE(CreateThing(kScope, kId, "req", "a").ok());
  absl::StatusOr<std::string> other = CreateThing("test.OtherMethod", kId, "other req", "b");
  ASSERT_TRUE(other.ok()) << other.status();
  EXPECT_EQ(*other, "b");
  EXPECT_EQ(Things(), 2);
}

TEST_F(IdempotencyTest, AnInvalidRequestIdIsRejected) {
  absl::StatusOr<std::string> r = CreateThing(kScope, "not-a-uuid", "req", "resp");
  EXPECT_EQ(r.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(ErrorReason(r.status()), "REQUEST_ID_INVALID");
  EXPECT_EQ(Things(), 0);
}

TEST_F(IdempotencyTest, ARolledBackCallLeavesNoRecord) {
  const absl::Status failed = pool_->Transact([](pqxx::work& txn) -> absl::Status {
    PARLEY_ASSIGN_OR_RETURN(std::optional<std::string> prior, BeginRequest(txn, kScope, kId, Fingerprint("req")));
    EXPECT_FALSE(prior.has_value());
    txn.exec0("INSERT INTO things (note) VALUES ('doomed')");
    return FailedPrecondition("WRONG_STATE", "the work failed");
  });
  EXPECT_EQ(failed.code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_EQ(Records(), 0);
  // The retry does the work.
  absl::StatusOr<std::string> retry = CreateThing(kScope, kId, "req", "second try");
  ASSERT_TRUE(retry.ok()) << retry.status();
  EXPECT_EQ(*retry, "second try");
  EXPECT_EQ(Things(), 1);
}

TEST_F(IdempotencyTest, FinishWithoutBeginIsMisuse) {
  const absl::Status s = pool_->Transact([](pqxx::work& txn) { return FinishRequest(txn, kScope, kId, "resp"); });
  EXPECT_EQ(s.code(), absl::StatusCode::kInternal);
  EXPECT_EQ(ErrorReason(s), "IDEMPOTENCY_MISUSE");
}

// Runs the first call up to the point where its record is inserted but not committed, waits until
// a second call with the same id is blocked behind it, then lets the first commit or roll back.
class ConcurrentRequests : public IdempotencyTest {
 protected:
  void Race(bool first_commits, absl::StatusOr<std::string>* second_result) {
    absl::Notification inserted;
    std::thread first([&] {
      const absl::Status s = pool_->Transact([&](pqxx::work& txn) -> absl::Status {
        PARLEY_ASSIGN_OR_RETURN(std::optional<std::string> prior, BeginRequest(txn, kScope, kId, Fingerprint("req")));
        if (prior) return absl::InternalError("the first call must do the work");
        txn.exec0("INSERT INTO things (note) VALUES ('first')");
        inserted.Notify();
        // Hold the uncommitted record until the second call waits on it.
        if (!PollUntil([&] { return WaitingOnLocks() >= 1; })) {
          return absl::InternalError("the second call never blocked");
        }
        if (!first_commits) return absl::AbortedError("first call gives up");
        return FinishRequest(txn, kScope, kId, "first response");
      });
      EXPECT_EQ(s.ok(), first_commits) << s;
    });
    ASSERT_TRUE(inserted.WaitForNotificationWithTimeout(absl::Seconds(10)));
    *second_result = CreateThing(kScope, kId, "req", "second response");
    first.join();
  }

  int64_t WaitingOnLocks() {
    // A separate connection: the pool's may all be busy.
    pqxx::connection admin(db_->dsn());
    pqxx::nontransaction txn(admin);
    return txn
        .exec1(
            "SELECT count(*) FROM pg_stat_activity "
            "WHERE datname = current_database() AND wait_event_type = 'Lock'")[0]
        .as<int64_t>();
  }
};

TEST_F(ConcurrentRequests, OnlyOneDoesTheWorkAndTheOtherReplaysIt) {
  absl::StatusOr<std::string> second;
  Race(/*first_commits=*/true, &second);
  ASSERT_TRUE(second.ok()) << second.status();
  EXPECT_EQ(*second, "first response");
  EXPECT_EQ(Things(), 1);
  EXPECT_EQ(Scalar("SELECT count(*) FROM things WHERE note = 'first'"), 1);
}

TEST_F(ConcurrentRequests, WhenTheFirstRollsBackTheSecondDoesTheWork) {
  absl::StatusOr<std::string> second;
  Race(/*first_commits=*/false, &second);
  ASSERT_TRUE(second.ok()) << second.status();
  EXPECT_EQ(*second, "second response");
  EXPECT_EQ(Things(), 1);
  EXPECT_EQ(Scalar("SELECT count(*) FROM things WHERE note = 'second response'"), 1);
}

TEST_F(IdempotencyTest, PurgeRemovesOnlyOldRecords) {
  const std::string old_id = "00000000-0000-4000-8000-000000000001";
  ASSERT_TRUE(CreateThing(kScope, old_id, "old", "old resp").ok());
  ASSERT_TRUE(CreateThing(kScope, kId, "new", "new resp").ok());
  ASSERT_TRUE(pool_
                  ->Transact([&](pqxx::work& txn) {
                    txn.exec_params(
                        "UPDATE parley_idempotent_requests SET created_at = now() - interval '2 days' "
                        "WHERE request_id = $1::uuid",
                        old_id);
                    return absl::OkStatus();
                  })
                  .ok());
  absl::StatusOr<int64_t> purged = PurgeRequestsOlderThan(*pool_, absl::Hours(24));
  ASSERT_TRUE(purged.ok()) << purged.status();
  EXPECT_EQ(*purged, 1);
  EXPECT_EQ(Records(), 1);
  // After retention the old id is new again; the recent one still replays.
  absl::StatusOr<std::string> old_again = CreateThing(kScope, old_id, "old", "redone");
  ASSERT_TRUE(old_again.ok());
  EXPECT_EQ(*old_again, "redone");
  absl::StatusOr<std::string> new_again = CreateThing(kScope, kId, "new", "ignored");
  ASSERT_TRUE(new_again.ok());
  EXPECT_EQ(*new_again, "new resp");
  EXPECT_EQ(PurgeRequestsOlderThan(*pool_, -absl::Hours(1)).status().code(), absl::StatusCode::kInvalidArgument);
}

TEST_F(IdempotencyTest, ThePurgerRunsARoundBeforeItStops) {
  ASSERT_TRUE(CreateThing(kScope, kId, "new", "new resp").ok());
  RequestIdPurger purger(pool_.get(), absl::ZeroDuration(), absl::Hours(1));
  purger.Stop();
  purger.Stop();
  EXPECT_EQ(Records(), 0);
}

}  // namespace
}  // namespace parley::pg
