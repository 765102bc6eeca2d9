// ApplyMigrations against a real PostgreSQL (PARLEY_TEST_PG_DSN), one fresh database per test.
#include <memory>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "absl/status/status.h"
#include "common/pg/migrations.h"
#include "common/status/reason.h"
#include "common/testing/sync.h"
#include "common/testing/test_database.h"
#include "gtest/gtest.h"
#include "pqxx/pqxx"

namespace parley::pg {
namespace testdata {
const std::vector<Migration>& EmbeddedMigrations();
}  // namespace testdata
namespace {

using ::parley::testing::Barrier;
using ::parley::testing::TestDatabase;

class MigrationsTest : public ::testing::Test {
 protected:
  void SetUp() override {
    PARLEY_REQUIRE_TEST_DB(db);
    db_.emplace(std::move(db));
    pool_ = MakePool();
    ASSERT_NE(pool_, nullptr);
  }

  std::unique_ptr<Pool> MakePool() {
    PoolOptions opts;
    opts.dsn = db_->dsn();
    opts.size = 2;
    absl::StatusOr<std::unique_ptr<Pool>> pool = Pool::Create(opts);
    EXPECT_TRUE(pool.ok()) << pool.status();
    return pool.ok() ? std::move(*pool) : nullptr;
  }

  int64_t Scalar(const std::string& sql) {
    int64_t v = -1;
    const absl::Status s = pool_->Read([&](pqxx::work& txn) {
      v = txn.exec1(sql)[0].as<int64_t>();
      return absl::OkStatus();
    });
    EXPECT_TRUE(s.ok()) << s;
    return v;
  }

  bool TableExists(const std::string& table) {
    return Scalar("SELECT count(*) FROM pg_tables WHERE schemaname = 'public' AND tablename = '" + table + "'") == 1;
  }

  int64_t Recorded(const std::string& service) {
    return Scalar("SELECT count(*) FROM parley_schema_migrations WHERE service = '" + service + "'");
  }

  std::optional<TestDatabase> db_;
  std::unique_ptr<Pool> pool_;
};

std::vector<Migration> Base() {
  return {
      {1, "create_ledger", "CREATE TABLE ledger (entry int NOT NULL);"},
      // Not idempotent on purpose: running twice shows as two rows.
      {2, "first_entry", "INSERT INTO ledger VALUES (1);"},
  };
}

TEST_F(MigrationsTest, AppliesOnceAndRerunsAreNoOps) {
  ASSERT_TRUE(ApplyMigrations(*pool_, "svc", Base()).ok());
  EXPECT_EQ(Scalar("SELECT count(*) FROM ledger"), 1);
  EXPECT_EQ(Recorded("svc"), 2);
  ASSERT_TRUE(ApplyMigrations(*pool_, "svc", Base()).ok());
  EXPECT_EQ(Scalar("SELECT count(*) FROM ledger"), 1);
  EXPECT_EQ(Recorded("svc"), 2);
  EXPECT_EQ(Scalar("SELECT count(*) FROM parley_schema_migrations "
                   "WHERE service = 'svc' AND version = 2 AND name = 'first_entry' "
                   "AND applied_at <= now()"),
            1);
}

TEST_F(MigrationsTest, CreatesTheLibraryTablesUnderTheirOwnName) {
  ASSERT_TRUE(ApplyMigrations(*pool_, "svc", {}).ok());
  EXPECT_TRUE(TableExists("parley_idempotent_requests"));
  EXPECT_EQ(Recorded(kCommonMigrationsService), static_cast<int64_t>(CommonMigrations().size()));
  EXPECT_EQ(Recorded("svc"), 0);
  // A second service in the same database shares them.
  ASSERT_TRUE(ApplyMigrations(*pool_, "other", Base()).ok());
  EXPECT_EQ(Recorded(kCommonMigrationsService), static_cast<int64_t>(CommonMigrations().size()));
}

TEST_F(MigrationsTest, AppliesNewMigrationsLater) {
  ASSERT_TRUE(ApplyMigrations(*pool_, "svc", {Base()[0]}).ok());
  EXPECT_EQ(Scalar("SELECT count(*) FROM ledger"), 0);
  ASSERT_TRUE(ApplyMigrations(*pool_, "svc", Base()).ok());
  EXPECT_EQ(Scalar("SELECT count(*) FROM ledger"), 1);
}

TEST_F(MigrationsTest, DetectsAnEditedMigrationAndAppliesNothing) {
  ASSERT_TRUE(ApplyMigrations(*pool_, "svc", Base()).ok());
  std::vector<Migration> edited = Base();
  edited[0].sql = "CREATE TABLE ledger (entry bigint NOT NULL);";
  edited.push_back({3, "second_entry", "INSERT INTO ledger VALUES (2);"});
  const absl::Status s = ApplyMigrations(*pool_, "svc", edited);
  EXPECT_EQ(s.code(), absl::StatusCode::kFailedPrecondition) << s;
  EXPECT_EQ(ErrorReason(s), "MIGRATION_CHANGED");
  EXPECT_EQ(Scalar("SELECT count(*) FROM ledger"), 1);
  EXPECT_EQ(Recorded("svc"), 2);
}

TEST_F(MigrationsTest, RejectsVersionsThatDoNotIncrease) {
  for (const std::vector<Migration>& bad :
       std::vector<std::vector<Migration>>{{{2, "b", "SELECT 1"}, {1, "a", "SELECT 1"}},
                                           {{1, "a", "SELECT 1"}, {1, "a2", "SELECT 1"}},
                                           {{0, "zero", "SELECT 1"}}}) {
    const absl::Status s = ApplyMigrations(*pool_, "svc", bad);
    EXPECT_EQ(s.code(), absl::StatusCode::kInvalidArgument) << s;
    EXPECT_EQ(ErrorReason(s), "MIGRATIONS_INVALID");
  }
  // Validation comes before anything touches the database.
  EXPECT_FALSE(TableExists("parley_schema_migrations"));
}

TEST_F(MigrationsTest, RejectsTheReservedServiceName) {
  EXPECT_EQ(ApplyMigrations(*pool_, kCommonMigrationsService, {}).code(), absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(ApplyMigrations(*pool_, "", {}).code(), absl::StatusCode::kInvalidArgument);
}

TEST_F(MigrationsTest, AFailingMigrationLeavesNoTraceAndStopsTheRun) {
  std::vector<Migration> m = Base();
  m.push_back({3, "broken", "CREATE TABLE half (i int); SELECT no_such_column FROM ledger;"});
  m.push_back({4, "after", "CREATE TABLE after_broken (i int);"});
  const absl::Status s = ApplyMigrations(*pool_, "svc", m);
  EXPECT_FALSE(s.ok());
  EXPECT_NE(s.message().find("svc 3 (broken)"), absl::string_view::npos) << s;
  EXPECT_EQ(Recorded("svc"), 2);
  EXPECT_FALSE(TableExists("half"));
  EXPECT_FALSE(TableExists("after_broken"));
}

TEST_F(MigrationsTest, ConcurrentMigratorsApplyEachVersionOnce) {
  constexpr int kMigrators = 4;
  std::vector<std::unique_ptr<Pool>> pools;
  for (int i = 0; i < kMigrators; ++i) {
    pools.push_back(MakePool());
    ASSERT_NE(pools.back(), nullptr);
  }
  std::vector<Migration> m = Base();
  for (int v = 3; v <= 12; ++v) {
    m.push_back({v, "entry_" + std::to_string(v), "INSERT INTO ledger VALUES (" + std::to_string(v) + ");"});
  }
  Barrier start(kMigrators);
  std::vector<absl::Status> results(kMigrators);
  std::vector<std::thread> threads;
  for (int i = 0; i < kMigrators; ++i) {
    threads.emplace_back([&, i] {
      if (!start.ArriveAndWait()) return;
      results[i] = ApplyMigrations(*pools[i], "svc", m);
    });
  }
  for (std::thread& t : threads) t.join();
  for (const absl::Status& s : results) EXPECT_TRUE(s.ok()) << s;
  EXPECT_EQ(Scalar("SELECT count(*) FROM ledger"), 11);
  EXPECT_EQ(Scalar("SELECT count(DISTINCT entry) FROM ledger"), 11);
  EXPECT_EQ(Recorded("svc"), 12);
}

TEST_F(MigrationsTest, EmbeddedMigrationsApply) {
  ASSERT_TRUE(ApplyMigrations(*pool_, "widgets", testdata::EmbeddedMigrations()).ok());
  ASSERT_TRUE(pool_
                  ->Transact([](pqxx::work& txn) {
                    txn.exec0("INSERT INTO widgets (id, name) VALUES (1, 'w')");
                    return absl::OkStatus();
                  })
                  .ok());
  EXPECT_EQ(Scalar("SELECT count(*) FROM widgets WHERE notes LIKE 'semi;colons;%'"), 1);
  EXPECT_EQ(Scalar("SELECT count(*) FROM pg_indexes WHERE indexname = 'widgets_name'"), 1);
  EXPECT_EQ(Scalar("SELECT max(version) FROM parley_schema_migrations WHERE service = 'widgets'"), 10);
}

}  // namespace
}  // namespace parley::pg
