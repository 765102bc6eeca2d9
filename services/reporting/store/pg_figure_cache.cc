#include "services/reporting/store/pg_figure_cache.h"

#include <string>
#include <vector>

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

absl::StatusOr<std::vector<std::optional<CacheEntry>>> PgFigureCache::GetMany(const std::vector<CacheKey>& keys) {
  std::vector<std::optional<CacheEntry>> out(keys.size());
  if (keys.empty()) return out;
  std::vector<std::string> schools, sources, starts, ends;
  schools.reserve(keys.size());
  sources.reserve(keys.size());
  starts.reserve(keys.size());
  ends.reserve(keys.size());
  for (const CacheKey& key : keys) {
    schools.push_back(key.school_id);
    sources.push_back(SourceName(key.source));
    starts.push_back(TimeParam(key.start));
    ends.push_back(TimeParam(key.end));
  }
  PARLEY_RETURN_IF_ERROR(pool_->Autocommit([&](pqxx::nontransaction& txn) -> absl::Status {
    for (std::optional<CacheEntry>& entry : out) entry.reset();
    // WITH ORDINALITY numbers the keys from 1, so each row says which key it answers.
    pqxx::result rows = txn.exec_params(
        "SELECT k.n, f.figures::text, " + pg::Micros("f.computed_at") +
            ", f.version, f.final FROM unnest($1::text[], $2::text[], $3::timestamptz[], $4::timestamptz[]) "
            "WITH ORDINALITY AS k(school_id, source, start_time, end_time, n) "
            "JOIN figure_cache f ON f.school_id = k.school_id AND f.source = k.source "
            "AND f.start_time = k.start_time AND f.end_time = k.end_time",
        pg::TextArray(schools), pg::TextArray(sources), pg::TextArray(starts), pg::TextArray(ends));
    for (const pqxx::row& r : rows) {
      const int64_t n = r[0].as<int64_t>();
      if (n < 1 || n > static_cast<int64_t>(out.size())) continue;
      out[static_cast<size_t>(n - 1)] = CacheEntry{r[1].c_str(), pg::TimeAt(r[2]), r[3].c_str(), r[4].as<bool>()};
    }
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
