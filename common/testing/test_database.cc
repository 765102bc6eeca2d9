#include "common/testing/test_database.h"

#include <chrono>
#include <thread>

#include <cstdio>
#include <cstdlib>
#include <random>
#include <utility>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "pqxx/pqxx"

// libpqxx 6.4 leaks the PGresult of a statement that fails on a broken connection (make_result
// asks the dead connection for its encoding and throws before it owns the result; fixed in 7.x).
// Tests that break connections on purpose would fail LeakSanitizer for it, so every binary that
// uses TestDatabase suppresses leaks allocated inside libpq (Parley never calls libpq directly).
// Weak, so a test binary may still define its own list.
extern "C" __attribute__((weak, visibility("default"))) const char* __lsan_default_suppressions() {
  return "leak:libpq.so\n";
}

namespace parley::testing {
namespace {

std::string RandomSuffix() {
  std::random_device rd;
  std::mt19937_64 rng((static_cast<uint64_t>(rd()) << 32) ^ rd());
  return absl::StrFormat("%016x", rng());
}

}  // namespace

std::string DsnWithDatabase(const std::string& dsn, const std::string& dbname) {
  const size_t scheme = dsn.find("://");
  if (scheme == std::string::npos) return absl::StrCat(dsn, " dbname=", dbname);  // last one wins
  const size_t path = dsn.find_first_of("/?", scheme + 3);
  if (path == std::string::npos) return absl::StrCat(dsn, "/", dbname);
  if (dsn[path] == '?') return absl::StrCat(dsn.substr(0, path), "/", dbname, dsn.substr(path));
  const size_t query = dsn.find('?', path);
  return absl::StrCat(dsn.substr(0, path + 1), dbname, query == std::string::npos ? "" : dsn.substr(query));
}

bool TestDatabase::Configured() {
  const char* dsn = std::getenv(kTestPgDsnVariable);
  return dsn != nullptr && *dsn != '\0';
}

absl::StatusOr<TestDatabase> TestDatabase::CreateOrError() {
  if (!Configured()) return absl::NotFoundError("PARLEY_TEST_PG_DSN is not set");
  const std::string admin_dsn = std::getenv(kTestPgDsnVariable);
  const std::string name = "parley_t_" + RandomSuffix();
  // Parallel test processes creating databases at the same moment can collide on the template
  // database ("being accessed by other users"); a short retry rides that out.
  std::string last_error;
  for (int attempt = 0; attempt < 8; ++attempt) {
    try {
      pqxx::connection admin(admin_dsn);
      pqxx::nontransaction txn(admin);  // CREATE DATABASE cannot run in a transaction block
      txn.exec0("CREATE DATABASE " + txn.quote_name(name));
      return TestDatabase(admin_dsn, name, DsnWithDatabase(admin_dsn, name));
    } catch (const std::exception& e) {
      // Test-only code: the server's message is what a developer needs here.
      last_error = e.what();
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(50 * (attempt + 1)));
  }
  return absl::UnavailableError(absl::StrCat("could not create test database: ", last_error));
}

std::optional<TestDatabase> TestDatabase::Create() {
  if (!Configured()) return std::nullopt;
  absl::StatusOr<TestDatabase> db = CreateOrError();
  if (!db.ok()) {
    ADD_FAILURE() << db.status();
    return std::nullopt;
  }
  return std::move(*db);
}

TestDatabase::TestDatabase(std::string admin_dsn, std::string name, std::string dsn)
    : admin_dsn_(std::move(admin_dsn)), name_(std::move(name)), dsn_(std::move(dsn)) {}

TestDatabase::TestDatabase(TestDatabase&& other) noexcept
    : admin_dsn_(std::move(other.admin_dsn_)),
      name_(std::exchange(other.name_, std::string())),
      dsn_(std::move(other.dsn_)) {}

TestDatabase& TestDatabase::operator=(TestDatabase&& other) noexcept {
  if (this != &other) {
    TestDatabase old(std::move(*this));  // drops the database this one held
    admin_dsn_ = std::move(other.admin_dsn_);
    name_ = std::exchange(other.name_, std::string());
    dsn_ = std::move(other.dsn_);
  }
  return *this;
}

TestDatabase::~TestDatabase() {
  if (name_.empty()) return;
  try {
    pqxx::connection admin(admin_dsn_);
    pqxx::nontransaction txn(admin);
    txn.exec0("DROP DATABASE IF EXISTS " + txn.quote_name(name_) + " WITH (FORCE)");
  } catch (const std::exception& e) {
    std::fprintf(stderr, "warning: could not drop test database %s: %s\n", name_.c_str(), e.what());
  }
}

}  // namespace parley::testing
