// The gate's in-memory view of every arrangement, ban and recent incident, so CheckCommunication
// never waits on PostgreSQL for them. The view is an immutable snapshot swapped atomically.
//
// Invalidation: every write that affects the gate bumps gate_epoch in the same transaction. Each
// replica polls the epoch every `refresh_interval` (one indexed single-row read) and reloads when
// it moved; the replica that made a change reloads before answering the write. So a change is
// visible to the next check on the writing replica at once and on every other replica within
// refresh_interval plus one reload (well under a second with the default 250 ms).
#pragma once

#include <map>
#include <memory>
#include <string>
#include <thread>
#include <utility>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/status/status.h"
#include "absl/synchronization/mutex.h"
#include "absl/synchronization/notification.h"
#include "absl/time/time.h"
#include "common/clock/clock.h"
#include "services/conduct/domain/conduct_store.h"
#include "services/conduct/domain/model.h"

namespace parley::conduct {

class GateSnapshot {
 public:
  GateSnapshot() = default;
  explicit GateSnapshot(GateData data);

  int64_t epoch() const { return epoch_; }
  // Every issued arrangement of the guardian (the gate decides which are in force).
  std::vector<const Arrangement*> ArrangementsOf(const std::string& guardian) const;
  std::vector<const PremisesBan*> BansOf(const std::string& school_id, const std::string& guardian) const;
  // The guardian's latest incident at the school within the look-back, if any.
  std::optional<absl::Time> LastIncident(const std::string& school_id, const std::string& guardian) const;

 private:
  int64_t epoch_ = 0;
  std::vector<Arrangement> arrangements_;
  std::vector<PremisesBan> bans_;
  std::multimap<std::string, size_t> arrangements_by_guardian_;
  std::multimap<std::pair<std::string, std::string>, size_t> bans_by_school_guardian_;
  std::map<std::pair<std::string, std::string>, absl::Time> last_incident_;
};

class GateCache {
 public:
  GateCache(ConductStore* store, const Clock* clock, absl::Duration incident_lookback);
  ~GateCache();

  // Loads the first snapshot (UNAVAILABLE when PostgreSQL cannot be reached).
  absl::Status Start(absl::Duration refresh_interval);
  void Stop();

  std::shared_ptr<const GateSnapshot> Current() const;
  // Reloads now when the stored epoch differs from the snapshot's.
  absl::Status Refresh();

 private:
  void Loop(absl::Duration interval);
  // `force` reloads even when the epoch has not moved (the incident look-back slides with time).
  absl::Status Reload(bool force);

  ConductStore* const store_;
  const Clock* const clock_;
  const absl::Duration incident_lookback_;
  mutable absl::Mutex mu_;
  std::shared_ptr<const GateSnapshot> current_ ABSL_GUARDED_BY(mu_);
  absl::Mutex reload_mu_;  // one reload at a time
  absl::Notification stop_;
  std::thread thread_;
};

}  // namespace parley::conduct
