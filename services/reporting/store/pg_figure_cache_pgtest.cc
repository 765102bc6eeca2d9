// The figure cache on a real PostgreSQL: what is put comes back exactly, an open period's entry is
// replaced, a final one never is, and the purge drops only old unsettled entries.
#include "services/reporting/store/pg_figure_cache.h"

#include <memory>
#include <optional>

#include "common/pg/migrations.h"
#include "common/pg/pool.h"
#include "common/testing/test_database.h"
#include "gtest/gtest.h"
#include "services/reporting/domain/figures_codec.h"
#include "services/reporting/migrations.h"

namespace parley::reporting {
namespace {

absl::Time At(int y, int m, int d) { return absl::FromCivil(absl::CivilDay(y, m, d), absl::UTCTimeZone()); }

class PgFigureCacheTest : public ::testing::Test {
 protected:
  void SetUp() override {
    db_ = parley::testing::TestDatabase::Create();
    if (!db_) GTEST_SKIP() << "PARLEY_TEST_PG_DSN is not set";
    pg::PoolOptions opts;
    opts.dsn = db_->dsn();
    opts.size = 2;
    pool_ = *pg::Pool::Create(opts);
    ASSERT_TRUE(pg::ApplyMigrations(*pool_, "reporting", Migrations()).ok());
    cache_ = std::make_unique<PgFigureCache>(pool_.get());
  }

  std::optional<parley::testing::TestDatabase> db_;
  std::unique_ptr<pg::Pool> pool_;
  std::unique_ptr<PgFigureCache> cache_;
};

TEST_F(PgFigureCacheTest, EntriesComeBackExactlyAndOpenOnesAreReplaced) {
  const CacheKey key{"kenilworth", Source::kEscalation, At(2025, 9, 1) - absl::Hours(1), At(2025, 12, 20)};
  absl::StatusOr<std::optional<CacheEntry>> got = cache_->Get(key);
  ASSERT_TRUE(got.ok()) << got.status();
  EXPECT_FALSE(got->has_value());

  EnquiryStats stats;
  stats.all.received = 42;
  stats.all.median_hours_to_answer = 13.5;
  stats.by_channel = {{"email", stats.all}};
  const absl::Time computed = At(2025, 11, 20) + absl::Microseconds(123457);
  ASSERT_TRUE(cache_->Put(key, {EncodeFigures(stats), computed, "0.15.0+abc", false}).ok());
  got = cache_->Get(key);
  ASSERT_TRUE(got.ok() && got->has_value());
  EXPECT_EQ((*got)->computed_at, computed);
  EXPECT_EQ((*got)->version, "0.15.0+abc");
  EXPECT_FALSE((*got)->final);
  EnquiryStats back;
  ASSERT_TRUE(DecodeFigures((*got)->figures, back).ok());
  EXPECT_EQ(EncodeFigures(back), EncodeFigures(stats));

  // Another source, or another period, is another entry.
  EXPECT_FALSE(cache_->Get({"kenilworth", Source::kConduct, key.start, key.end})->has_value());
  EXPECT_FALSE(cache_->Get({"kenilworth", Source::kEscalation, key.start, key.end + absl::Hours(1)})->has_value());

  stats.all.received = 43;
  ASSERT_TRUE(cache_->Put(key, {EncodeFigures(stats), computed + absl::Minutes(1), "0.15.0+abc", true}).ok());
  ASSERT_TRUE(DecodeFigures((*cache_->Get(key))->figures, back).ok());
  EXPECT_EQ(back.all.received, 43);
  EXPECT_TRUE((*cache_->Get(key))->final);

  // Final: computed once, never replaced.
  stats.all.received = 44;
  ASSERT_TRUE(cache_->Put(key, {EncodeFigures(stats), computed + absl::Minutes(2), "0.16.0", false}).ok());
  got = cache_->Get(key);
  ASSERT_TRUE(DecodeFigures((*got)->figures, back).ok());
  EXPECT_EQ(back.all.received, 43);
  EXPECT_EQ((*got)->version, "0.15.0+abc");
  EXPECT_TRUE((*got)->final);
}

TEST_F(PgFigureCacheTest, PurgeDropsOnlyOldUnsettledEntries) {
  const std::string figures = EncodeFigures(ConductStats{});
  const CacheKey old_open{"a", Source::kConduct, At(2025, 9, 1), At(2025, 10, 1)};
  const CacheKey new_open{"b", Source::kConduct, At(2025, 9, 1), At(2025, 10, 1)};
  const CacheKey old_final{"c", Source::kConduct, At(2025, 9, 1), At(2025, 10, 1)};
  ASSERT_TRUE(cache_->Put(old_open, {figures, At(2025, 10, 2), "v", false}).ok());
  ASSERT_TRUE(cache_->Put(new_open, {figures, At(2025, 10, 9), "v", false}).ok());
  ASSERT_TRUE(cache_->Put(old_final, {figures, At(2025, 10, 2), "v", true}).ok());
  absl::StatusOr<int64_t> purged = cache_->PurgeUnsettled(At(2025, 10, 5));
  ASSERT_TRUE(purged.ok()) << purged.status();
  EXPECT_EQ(*purged, 1);
  EXPECT_FALSE(cache_->Get(old_open)->has_value());
  EXPECT_TRUE(cache_->Get(new_open)->has_value());
  EXPECT_TRUE(cache_->Get(old_final)->has_value());
}

}  // namespace
}  // namespace parley::reporting
