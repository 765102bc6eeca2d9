// Test-only: a fresh PostgreSQL database per test on the server named by PARLEY_TEST_PG_DSN
// (scripts/test.sh sets it), so db tests share no state and can run in parallel.
//
//   TEST(SchoolStore, CreatesSchools) {
//     PARLEY_REQUIRE_TEST_DB(db);          // skips when PARLEY_TEST_PG_DSN is unset
//     pg::PoolOptions opts;
//     opts.dsn = db.dsn();
//     ...
//   }
//
// For a fixture, keep a std::optional<TestDatabase> member filled by Create() in SetUp().
#pragma once

#include <optional>
#include <string>

#include "absl/status/statusor.h"
#include "gtest/gtest.h"

namespace parley::testing {

inline constexpr char kTestPgDsnVariable[] = "PARLEY_TEST_PG_DSN";

class TestDatabase {
 public:
  // CREATE DATABASE parley_t_<random> and return it; nullopt when PARLEY_TEST_PG_DSN is unset.
  // When the variable is set but the database cannot be made, records a test failure (so a
  // following GTEST_SKIP cannot hide it) and returns nullopt.
  static std::optional<TestDatabase> Create();
  // The same with the error as a status: NOT_FOUND when the variable is unset.
  static absl::StatusOr<TestDatabase> CreateOrError();
  // Whether PARLEY_TEST_PG_DSN is set (non-empty).
  static bool Configured();

  TestDatabase(TestDatabase&& other) noexcept;
  TestDatabase& operator=(TestDatabase&& other) noexcept;
  TestDatabase(const TestDatabase&) = delete;
  TestDatabase& operator=(const TestDatabase&) = delete;
  // DROP DATABASE ... WITH (FORCE): connections a test left open do not keep it alive.
  ~TestDatabase();

  // libpq DSN of the new database (the server DSN with dbname replaced).
  const std::string& dsn() const { return dsn_; }
  const std::string& name() const { return name_; }
  // The DSN of the server's maintenance database, for tests that need a second database.
  const std::string& admin_dsn() const { return admin_dsn_; }

 private:
  TestDatabase(std::string admin_dsn, std::string name, std::string dsn);

  std::string admin_dsn_;
  std::string name_;  // empty once moved from
  std::string dsn_;
};

// `dsn` (key=value or postgresql:// URI) pointing at database `dbname` instead.
std::string DsnWithDatabase(const std::string& dsn, const std::string& dbname);

}  // namespace parley::testing

// Declares `var` as a TestDatabase, or skips the test when PARLEY_TEST_PG_DSN is unset (and
// fails it when the variable is set but the database cannot be made). Use in a TEST body or a
// fixture's SetUp.
#define PARLEY_REQUIRE_TEST_DB(var)                                                   \
  auto var##_or_skip_ = ::parley::testing::TestDatabase::Create();                    \
  if (!var##_or_skip_.has_value()) {                                                  \
    if (::parley::testing::TestDatabase::Configured()) {                              \
      FAIL() << "could not create a test database on PARLEY_TEST_PG_DSN";             \
    }                                                                                 \
    GTEST_SKIP() << "set PARLEY_TEST_PG_DSN (scripts/test.sh does) to run this test"; \
  }                                                                                   \
  ::parley::testing::TestDatabase var = std::move(*var##_or_skip_)
