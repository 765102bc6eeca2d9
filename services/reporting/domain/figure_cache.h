// The report's memory: each source's answer per (school, source, [start, end)), with when it was
// computed and by which release. The figures are kept encoded (figures_codec.h), so the store
// holds one kind of row for every source. store/pg_figure_cache.* keeps it in PostgreSQL so every
// replica and every restart share it; testing/fakes.h (InMemoryFigureCache) for unit tests.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "services/reporting/domain/model.h"

namespace parley::reporting {

struct CacheKey {
  std::string school_id;
  Source source = Source::kEscalation;
  absl::Time start;
  absl::Time end;
};

struct CacheEntry {
  std::string figures;  // JSON, figures_codec.h
  absl::Time computed_at;
  std::string version;
  // Computed after the period closed: served without asking the source again.
  bool final = false;
};

class FigureCache {
 public:
  virtual ~FigureCache() = default;
  // nullopt when nothing is kept. Errors are the database's (UNAVAILABLE).
  virtual absl::StatusOr<std::optional<CacheEntry>> Get(const CacheKey& key) = 0;
  // Every key's entry in one lookup: the answer has one element per key, in the keys' order
  // (nullopt where nothing is kept; a key given twice is answered twice). Errors as for Get, for
  // the whole call.
  virtual absl::StatusOr<std::vector<std::optional<CacheEntry>>> GetMany(const std::vector<CacheKey>& keys) = 0;
  // Replaces what is kept for the key, unless a final entry is already kept (a closed period is
  // computed once).
  virtual absl::Status Put(const CacheKey& key, const CacheEntry& entry) = 0;
};

}  // namespace parley::reporting
