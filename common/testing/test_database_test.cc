#include "common/testing/test_database.h"

#include "gtest/gtest.h"

namespace parley::testing {
namespace {

TEST(DsnWithDatabase, KeyValueFormAppendsDbnameWhichWins) {
  EXPECT_EQ(DsnWithDatabase("host=127.0.0.1 port=5432 dbname=postgres", "t1"),
            "host=127.0.0.1 port=5432 dbname=postgres dbname=t1");
}

TEST(DsnWithDatabase, UriFormReplacesThePath) {
  EXPECT_EQ(DsnWithDatabase("postgresql://u@h:5432/postgres", "t1"), "postgresql://u@h:5432/t1");
  EXPECT_EQ(DsnWithDatabase("postgresql://u@h:5432/postgres?sslmode=disable", "t1"),
            "postgresql://u@h:5432/t1?sslmode=disable");
  EXPECT_EQ(DsnWithDatabase("postgresql://u@h:5432", "t1"), "postgresql://u@h:5432/t1");
  EXPECT_EQ(DsnWithDatabase("postgresql://u@h?sslmode=disable", "t1"), "postgresql://u@h/t1?sslmode=disable");
}

}  // namespace
}  // namespace parley::testing
