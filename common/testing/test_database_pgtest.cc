#include <string>

#include "common/testing/test_database.h"
#include "gtest/gtest.h"
#include "pqxx/pqxx"

namespace parley::testing {
namespace {

bool Exists(const std::string& admin_dsn, const std::string& name) {
  pqxx::connection admin(admin_dsn);
  pqxx::nontransaction txn(admin);
  return txn.exec_params1("SELECT count(*) FROM pg_database WHERE datname = $1", name)[0].as<int>() == 1;
}

TEST(TestDatabase, IsFreshAndDroppedEvenWithOpenConnections) {
  PARLEY_REQUIRE_TEST_DB(db);
  std::string name = db.name();
  std::string admin = db.admin_dsn();
  EXPECT_EQ(name.rfind("parley_t_", 0), 0u);
  {
    pqxx::connection c(db.dsn());
    pqxx::nontransaction txn(c);
    EXPECT_EQ(txn.exec1("SELECT current_database()")[0].as<std::string>(), name);
    EXPECT_EQ(txn.exec1("SELECT count(*) FROM pg_tables WHERE schemaname = 'public'")[0].as<int>(), 0);
  }
  pqxx::connection left_open(db.dsn());
  {
    TestDatabase moved = std::move(db);  // the moved-from object must not drop it
    EXPECT_TRUE(Exists(admin, name));
  }
  EXPECT_FALSE(Exists(admin, name));
}

TEST(TestDatabase, EachCallGetsItsOwnDatabase) {
  PARLEY_REQUIRE_TEST_DB(a);
  PARLEY_REQUIRE_TEST_DB(b);
  EXPECT_NE(a.name(), b.name());
  EXPECT_NE(a.dsn(), b.dsn());
}

}  // namespace
}  // namespace parley::testing
