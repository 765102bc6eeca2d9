// The figure cache on a real PostgreSQL: what is put comes back exactly, one key at a time or many
// in one lookup, an open period's entry is replaced, a final one never is, and the purge drops only
// old unsettled entries.
#include "services/reporting/store/pg_figure_cache.h"

#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
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

TEST_F(PgFigureCacheTest, GetManyAnswersEveryKeyInOrderPresentAbsentAndFinal) {
  const absl::Time start = At(2025, 9, 1) - absl::Hours(1);
  const absl::Time end = At(2025, 12, 20) + absl::Microseconds(1);
  ConductStats open_stats;
  open_stats.incidents = 3;
  ConductStats final_stats;
  final_stats.incidents = 7;
  EnquiryStats week;
  week.all.received = 9;
  week.all.median_hours_to_answer = 2.25;
  const CacheKey open_key{"kenilworth", Source::kConduct, start, end};
  const CacheKey final_key{"st-marys", Source::kConduct, start, end};
  const CacheKey week_key{"kenilworth", Source::kEscalation, At(2025, 9, 8), At(2025, 9, 15)};
  const CacheKey now_key{"kenilworth", Source::kEscalation, absl::UnixEpoch(), absl::UnixEpoch()};
  const absl::Time computed = At(2025, 11, 20) + absl::Microseconds(654321);
  ASSERT_TRUE(cache_->Put(open_key, {EncodeFigures(open_stats), computed, "0.15.0", false}).ok());
  ASSERT_TRUE(cache_->Put(final_key, {EncodeFigures(final_stats), computed + absl::Hours(1), "0.16.0", true}).ok());
  ASSERT_TRUE(cache_->Put(week_key, {EncodeFigures(week), computed, "0.15.0", true}).ok());

  // Nothing asked: nothing answered, and no query needed.
  absl::StatusOr<std::vector<std::optional<CacheEntry>>> got = cache_->GetMany({});
  ASSERT_TRUE(got.ok()) << got.status();
  EXPECT_TRUE(got->empty());

  // Absent keys differ from kept ones in one member only: school, source, start or end.
  const std::vector<CacheKey> keys = {
      {"kenilworth", Source::kAppointments, start, end},  // absent: another source
      final_key,
      {"kenilworth", Source::kConduct, start, end - absl::Microseconds(1)},  // absent: another end
      open_key,
      now_key,  // absent
      week_key,
      {"kenilworth", Source::kEscalation, At(2025, 9, 8) + absl::Microseconds(1), At(2025, 9, 15)},  // absent
      open_key,                                   // asked twice, answered twice
      {"nowhere", Source::kConduct, start, end},  // absent: another school
  };
  got = cache_->GetMany(keys);
  ASSERT_TRUE(got.ok()) << got.status();
  ASSERT_EQ(got->size(), keys.size());
  EXPECT_FALSE((*got)[0].has_value());
  EXPECT_FALSE((*got)[2].has_value());
  EXPECT_FALSE((*got)[4].has_value());
  EXPECT_FALSE((*got)[6].has_value());
  EXPECT_FALSE((*got)[8].has_value());
  for (size_t i : {1, 3, 5, 7}) ASSERT_TRUE((*got)[i].has_value()) << i;

  ConductStats c;
  ASSERT_TRUE(DecodeFigures((*got)[1]->figures, c).ok());
  EXPECT_EQ(c.incidents, 7);
  EXPECT_TRUE((*got)[1]->final);
  EXPECT_EQ((*got)[1]->version, "0.16.0");
  EXPECT_EQ((*got)[1]->computed_at, computed + absl::Hours(1));

  ASSERT_TRUE(DecodeFigures((*got)[3]->figures, c).ok());
  EXPECT_EQ(c.incidents, 3);
  EXPECT_FALSE((*got)[3]->final);
  EXPECT_EQ((*got)[3]->version, "0.15.0");
  EXPECT_EQ((*got)[3]->computed_at, computed);
  EXPECT_EQ((*got)[7]->figures, (*got)[3]->figures);

  EnquiryStats back;
  ASSERT_TRUE(DecodeFigures((*got)[5]->figures, back).ok());
  EXPECT_EQ(EncodeFigures(back), EncodeFigures(week));
  EXPECT_TRUE((*got)[5]->final);

  // The same as Get, key by key.
  for (size_t i = 0; i < keys.size(); ++i) {
    absl::StatusOr<std::optional<CacheEntry>> one = cache_->Get(keys[i]);
    ASSERT_TRUE(one.ok());
    ASSERT_EQ(one->has_value(), (*got)[i].has_value()) << i;
    if (one->has_value()) {
      EXPECT_EQ((*one)->figures, (*got)[i]->figures) << i;
      EXPECT_EQ((*one)->final, (*got)[i]->final) << i;
    }
  }

  // Only absent keys: every answer empty.
  got = cache_->GetMany({keys[0], keys[2], now_key});
  ASSERT_TRUE(got.ok()) << got.status();
  ASSERT_EQ(got->size(), 3u);
  for (const std::optional<CacheEntry>& e : *got) EXPECT_FALSE(e.has_value());
}

TEST_F(PgFigureCacheTest, GetManyTakesAWholeReportsKeysAndOddSchoolIds) {
  // 20 schools' term, weeks and "now" (as report_bench asks), and ids with quotes and commas.
  std::vector<CacheKey> keys;
  const std::string figures = EncodeFigures(MeetingStats{});
  for (int school = 0; school < 20; ++school) {
    const std::string id = school == 0 ? std::string("o\"brien, {st} \\ 'x'") : absl::StrCat("school-", school);
    for (int week = 0; week < 21; ++week) {
      keys.push_back({id, Source::kAppointments, At(2025, 9, 1) + absl::Hours(24 * 7 * week),
                      At(2025, 9, 8) + absl::Hours(24 * 7 * week)});
    }
  }
  for (size_t i = 0; i < keys.size(); i += 2) {
    ASSERT_TRUE(cache_->Put(keys[i], {figures, At(2025, 10, 1), absl::StrCat("v", i), i % 4 == 0}).ok());
  }
  absl::StatusOr<std::vector<std::optional<CacheEntry>>> got = cache_->GetMany(keys);
  ASSERT_TRUE(got.ok()) << got.status();
  ASSERT_EQ(got->size(), keys.size());
  for (size_t i = 0; i < keys.size(); ++i) {
    ASSERT_EQ((*got)[i].has_value(), i % 2 == 0) << i;
    if (i % 2 == 0) {
      EXPECT_EQ((*got)[i]->version, absl::StrCat("v", i));
      EXPECT_EQ((*got)[i]->final, i % 4 == 0);
    }
  }
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
