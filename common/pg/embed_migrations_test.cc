// Checks the source that parley_embed_migrations (cmake/ParleyMigrations.cmake) generated from
// testdata/migrations: versions and names from the file names, in numeric order, SQL byte for
// byte (including text that looks like the raw-string terminator).
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include "common/pg/migrations.h"
#include "gtest/gtest.h"

namespace parley::pg::testdata {
const std::vector<Migration>& EmbeddedMigrations();
}  // namespace parley::pg::testdata

namespace parley::pg {
namespace {

std::string ReadFile(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  EXPECT_TRUE(in.good()) << path;
  std::ostringstream out;
  out << in.rdbuf();
  return out.str();
}

TEST(EmbedMigrations, GeneratesTheFilesInVersionOrder) {
  const std::vector<Migration>& m = testdata::EmbeddedMigrations();
  ASSERT_EQ(m.size(), 3u);
  EXPECT_EQ(m[0].version, 1);
  EXPECT_EQ(m[0].name, "create_widgets");
  EXPECT_EQ(m[1].version, 2);
  EXPECT_EQ(m[1].name, "add_widget_notes");
  EXPECT_EQ(m[2].version, 10);  // numeric order, and leading zeros dropped
  EXPECT_EQ(m[2].name, "add_widget_index");
}

TEST(EmbedMigrations, EmbedsTheSqlByteForByte) {
  const std::string dir = std::string(PARLEY_PG_TESTDATA_DIR) + "/migrations/";
  const std::vector<Migration>& m = testdata::EmbeddedMigrations();
  ASSERT_EQ(m.size(), 3u);
  EXPECT_EQ(m[0].sql, ReadFile(dir + "0001_create_widgets.sql"));
  EXPECT_EQ(m[1].sql, ReadFile(dir + "0002_add_widget_notes.sql"));
  EXPECT_NE(m[1].sql.find(")parley_sql\""), std::string::npos);
  EXPECT_EQ(m[2].sql, ReadFile(dir + "0010_add_widget_index.sql"));
}

}  // namespace
}  // namespace parley::pg
