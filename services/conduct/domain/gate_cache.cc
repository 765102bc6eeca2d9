#include "services/conduct/domain/gate_cache.h"

#include <utility>

#include "absl/strings/str_cat.h"
#include "common/log/log.h"

namespace parley::conduct {

GateSnapshot::GateSnapshot(GateData data)
    : epoch_(data.epoch), arrangements_(std::move(data.arrangements)), bans_(std::move(data.bans)) {
  for (size_t i = 0; i < arrangements_.size(); ++i) arrangements_by_guardian_.emplace(arrangements_[i].guardian, i);
  for (size_t i = 0; i < bans_.size(); ++i) {
    bans_by_school_guardian_.emplace(std::make_pair(bans_[i].school_id, bans_[i].guardian), i);
  }
  for (const GateData::LastIncident& li : data.recent_incidents) {
    last_incident_[{li.school_id, li.guardian}] = li.at;
  }
}

std::vector<const Arrangement*> GateSnapshot::ArrangementsOf(const std::string& guardian) const {
  std::vector<const Arrangement*> out;
  auto [begin, end] = arrangements_by_guardian_.equal_range(guardian);
  for (auto it = begin; it != end; ++it) out.push_back(&arrangements_[it->second]);
  return out;
}

std::vector<const PremisesBan*> GateSnapshot::BansOf(const std::string& school_id, const std::string& guardian) const {
  std::vector<const PremisesBan*> out;
  auto [begin, end] = bans_by_school_guardian_.equal_range({school_id, guardian});
  for (auto it = begin; it != end; ++it) out.push_back(&bans_[it->second]);
  return out;
}

std::optional<absl::Time> GateSnapshot::LastIncident(const std::string& school_id, const std::string& guardian) const {
  auto it = last_incident_.find({school_id, guardian});
  if (it == last_incident_.end()) return std::nullopt;
  return it->second;
}

GateCache::GateCache(ConductStore* store, const Clock* clock, absl::Duration incident_lookback)
    : store_(store), clock_(clock), incident_lookback_(incident_lookback) {}

GateCache::~GateCache() { Stop(); }

absl::Status GateCache::Start(absl::Duration refresh_interval) {
  absl::Status loaded = Refresh();
  if (!loaded.ok()) return loaded;
  thread_ = std::thread([this, refresh_interval] { Loop(refresh_interval); });
  return absl::OkStatus();
}

void GateCache::Stop() {
  if (!thread_.joinable()) return;
  stop_.Notify();
  thread_.join();
}

std::shared_ptr<const GateSnapshot> GateCache::Current() const {
  absl::ReaderMutexLock lock(&mu_);
  return current_;
}

absl::Status GateCache::Refresh() { return Reload(/*force=*/false); }

absl::Status GateCache::Reload(bool force) {
  absl::MutexLock reload(&reload_mu_);
  absl::StatusOr<int64_t> epoch = store_->GateEpoch();
  if (!epoch.ok()) return epoch.status();
  {
    absl::ReaderMutexLock lock(&mu_);
    if (!force && current_ != nullptr && current_->epoch() == *epoch) return absl::OkStatus();
  }
  absl::StatusOr<GateData> data = store_->LoadGateData(clock_->Now() - incident_lookback_);
  if (!data.ok()) return data.status();
  auto next = std::make_shared<const GateSnapshot>(*std::move(data));
  absl::MutexLock lock(&mu_);
  current_ = std::move(next);
  return absl::OkStatus();
}

void GateCache::Loop(absl::Duration interval) {
  bool healthy = true;
  // The incident look-back slides with time even when nothing is written: reload hourly anyway.
  absl::Time next_full = clock_->Now() + absl::Hours(1);
  while (!stop_.WaitForNotificationWithTimeout(interval)) {
    const bool full = clock_->Now() >= next_full;
    absl::Status s = Reload(full);
    if (full && s.ok()) next_full = clock_->Now() + absl::Hours(1);
    if (s.ok() != healthy) {
      healthy = s.ok();
      if (healthy) {
        log::Info("gate_cache_recovered");
      } else {
        log::Warning("gate_cache_refresh_failed", {{"code", absl::StatusCodeToString(s.code())}});
      }
    }
  }
}

}  // namespace parley::conduct
