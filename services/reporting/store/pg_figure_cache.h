// The figure cache in the service's PostgreSQL database (migrations/0001_reporting.sql): shared by
// every replica and kept across restarts.
#pragma once

#include <thread>

#include "absl/synchronization/notification.h"
#include "absl/time/time.h"
#include "common/pg/pool.h"
#include "services/reporting/domain/figure_cache.h"

namespace parley::reporting {

class PgFigureCache final : public FigureCache {
 public:
  explicit PgFigureCache(pg::Pool* pool) : pool_(pool) {}

  absl::StatusOr<std::optional<CacheEntry>> Get(const CacheKey& key) override;
  // One statement outside a transaction block (a single round trip): the keys go as four arrays,
  // unnested and joined to the table on its primary key.
  absl::StatusOr<std::vector<std::optional<CacheEntry>>> GetMany(const std::vector<CacheKey>& keys) override;
  absl::Status Put(const CacheKey& key, const CacheEntry& entry) override;

  // Deletes entries of unsettled periods computed before `before` (they would be asked again
  // anyway); returns how many. Final entries are kept.
  absl::StatusOr<int64_t> PurgeUnsettled(absl::Time before);
  absl::Status Ping() { return pool_->Ping(); }

 private:
  pg::Pool* const pool_;
};

// Purges unsettled entries older than `age` now and then every `every`, on its own thread, until
// Stop (or destruction); a failed round is logged and tried again next time.
class FigureCachePurger {
 public:
  FigureCachePurger(PgFigureCache* cache, absl::Duration age, absl::Duration every = absl::Minutes(10));
  ~FigureCachePurger();  // Stop()
  FigureCachePurger(const FigureCachePurger&) = delete;
  FigureCachePurger& operator=(const FigureCachePurger&) = delete;
  void Stop();

 private:
  absl::Notification stopping_;
  std::thread thread_;
};

}  // namespace parley::reporting
