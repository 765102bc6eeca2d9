#include "services/reporting/store/pg_figure_cache.h"

#include <string>

#include "absl/time/clock.h"
#include "common/log/log.h"
#include "common/pg/sql_values.h"
#include "common/status/reason.h"
#include "common/status/status_macros.h"

namespace parley::reporting {

using pg::TimeParam;

absl::StatusOr<std::optional<CacheEntry>> PgFigureCache::Get(const CacheKey& key) {
  std::optional<CacheEntry> out;
  PARLEY_RETURN_IF_ERROR(pool_->Read([&](pqxx::work& txn) -> absl::Status {
    out.reset();
    pqxx::result rows =
        txn.exec_params("SELECT figures::text, " + pg::Micros("computed_at") +
                            ", version, final FROM figure_cache WHERE school_id = $1 AND source = $2 AND start_time = "
                            "$3::timestamptz AND end_time = $4::timestamptz",
                        key.school_id, SourceName(key.source), TimeParam(key.start), TimeParam(key.end));
    if (rows.empty()) return absl::OkStatus();
    const pqxx::row& r = rows[0];
    out = CacheEntry{r[0].c_str(), pg::TimeAt(r[1]), r[2].c_str(), r[3].as<bool>()};
    return absl::OkStatus();
  }));
  return out;
}

absl::Status PgFigureCache::Put(const CacheKey& key, const CacheEntry& entry) {
  return pool_->Autocommit([&](pqxx::nontransaction& txn) -> absl::Status {
    // A final entry stays as first computed.
    txn.exec_params(
        "INSERT INTO figure_cache (school_id, source, start_time, end_time, figures, computed_at, version, final) "
        "VALUES ($1, $2, $3::timestamptz, $4::timestamptz, $5::jsonb, $6::timestamptz, $7, $8) "
        "ON CONFLICT (school_id, source, start_time, end_time) DO UPDATE SET figures = EXCLUDED.figures, "
        "computed_at = EXCLUDED.computed_at, version = EXCLUDED.version, final = EXCLUDED.final "
        "WHERE NOT figure_cache.final",
        key.school_id, SourceName(key.source), TimeParam(key.start), TimeParam(key.end), entry.figures,
        TimeParam(entry.computed_at), entry.version, entry.final);
    return absl::OkStatus();
  });
}

absl::StatusOr<int64_t> PgFigureCache::PurgeUnsettled(absl::Time before) {
  int64_t purged = 0;
  PARLEY_RETURN_IF_ERROR(pool_->Autocommit([&](pqxx::nontransaction& txn) -> absl::Status {
    purged =
        txn.exec_params("DELETE FROM figure_cache WHERE NOT final AND computed_at < $1::timestamptz", TimeParam(before))
            .affected_rows();
    return absl::OkStatus();
  }));
  return purged;
}

FigureCachePurger::FigureCachePurger(PgFigureCache* cache, absl::Duration age, absl::Duration every) {
  thread_ = std::thread([this, cache, age, every] {
    do {
      absl::StatusOr<int64_t> purged = cache->PurgeUnsettled(absl::Now() - age);
      if (!purged.ok()) {
        log::Warning("figure_cache_purge_failed", {{"reason", ErrorReason(purged.status())}});
      } else if (*purged > 0) {
        log::Info("figure_cache_purged", {{"entries", *purged}});
      }
    } while (!stopping_.WaitForNotificationWithTimeout(every));
  });
}

FigureCachePurger::~FigureCachePurger() { Stop(); }

void FigureCachePurger::Stop() {
  if (!stopping_.HasBeenNotified()) stopping_.Notify();
  if (thread_.joinable()) thread_.join();
}

}  // namespace parley::reporting
