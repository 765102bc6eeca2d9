#include "services/reporting/testing/fakes.h"

#include <utility>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "common/status/reason.h"

namespace parley::reporting::testing {

void FakeSources::SetEnquiries(const std::string& school, EnquiryStats stats) {
  absl::MutexLock lock(&mu_);
  enquiries_[school] = std::move(stats);
}
void FakeSources::SetWeek(const std::string& school, absl::Time start, PromiseCounts promise) {
  absl::MutexLock lock(&mu_);
  weeks_[{school, start}] = promise;
}
void FakeSources::SetConduct(const std::string& school, ConductStats stats) {
  absl::MutexLock lock(&mu_);
  conduct_[school] = stats;
}
void FakeSources::SetMeetings(const std::string& school, MeetingStats stats) {
  absl::MutexLock lock(&mu_);
  meetings_[school] = stats;
}
void FakeSources::SetNotifications(const std::string& school, NotificationStats stats) {
  absl::MutexLock lock(&mu_);
  notifications_[school] = std::move(stats);
}
void FakeSources::Fail(Source source, absl::Status status) {
  absl::MutexLock lock(&mu_);
  failing_[source] = std::move(status);
}
void FakeSources::SetVersion(std::string version) {
  absl::MutexLock lock(&mu_);
  version_ = std::move(version);
}
int FakeSources::Calls(Source source) const {
  absl::MutexLock lock(&mu_);
  auto it = calls_.find(source);
  return it == calls_.end() ? 0 : it->second;
}

absl::Status FakeSources::Begin(Source source) {
  ++calls_[source];
  auto it = failing_.find(source);
  return it == failing_.end() ? absl::OkStatus() : it->second;
}

absl::StatusOr<Fetched<EnquiryStats>> FakeSources::Enquiries(const std::string& school_id, absl::Time start, absl::Time,
                                                             absl::Duration) {
  absl::MutexLock lock(&mu_);
  if (absl::Status s = Begin(Source::kEscalation); !s.ok()) return s;
  Fetched<EnquiryStats> out{enquiries_[school_id], clock_->Now(), version_};
  if (auto week = weeks_.find({school_id, start}); week != weeks_.end()) out.stats.all = week->second;
  return out;
}
absl::StatusOr<Fetched<ConductStats>> FakeSources::Conduct(const std::string& school_id, absl::Time, absl::Time,
                                                           absl::Duration) {
  absl::MutexLock lock(&mu_);
  if (absl::Status s = Begin(Source::kConduct); !s.ok()) return s;
  return Fetched<ConductStats>{conduct_[school_id], clock_->Now(), version_};
}
absl::StatusOr<Fetched<MeetingStats>> FakeSources::Meetings(const std::string& school_id, absl::Time, absl::Time,
                                                            absl::Duration) {
  absl::MutexLock lock(&mu_);
  if (absl::Status s = Begin(Source::kAppointments); !s.ok()) return s;
  return Fetched<MeetingStats>{meetings_[school_id], clock_->Now(), version_};
}
absl::StatusOr<Fetched<NotificationStats>> FakeSources::Notifications(const std::string& school_id, absl::Time,
                                                                      absl::Time, absl::Duration) {
  absl::MutexLock lock(&mu_);
  if (absl::Status s = Begin(Source::kNotifications); !s.ok()) return s;
  return Fetched<NotificationStats>{notifications_[school_id], clock_->Now(), version_};
}

void FakeBreachSource::Set(const std::string& school, std::vector<BreachItem> items) {
  absl::MutexLock lock(&mu_);
  items_[school] = std::move(items);
}
void FakeBreachSource::Fail(absl::Status status) {
  absl::MutexLock lock(&mu_);
  failing_ = std::move(status);
}
std::vector<FakeBreachSource::Call> FakeBreachSource::calls() const {
  absl::MutexLock lock(&mu_);
  return calls_;
}

absl::StatusOr<BreachItems> FakeBreachSource::Breaches(const std::string& school_id, absl::Time start, absl::Time end,
                                                       const std::string& channel, const std::string& category,
                                                       int page_size, const std::string& page_token,
                                                       absl::Duration timeout) {
  absl::MutexLock lock(&mu_);
  calls_.push_back({school_id, start, end, channel, category, page_size, page_token, timeout});
  if (!failing_.ok()) return failing_;
  size_t from = 0;
  if (!page_token.empty() && !absl::SimpleAtoi(page_token, &from)) {
    return InvalidArgument(reason::kInvalidPageToken, "page_token was not issued for this list");
  }
  std::vector<BreachItem> matching;
  for (const BreachItem& b : items_[school_id]) {
    if (!channel.empty() && b.channel != channel) continue;
    if (!category.empty() && b.category != category) continue;
    matching.push_back(b);
  }
  BreachItems out;
  const size_t size = static_cast<size_t>(page_size > 0 ? page_size : 50);
  for (size_t i = from; i < matching.size() && out.items.size() < size; ++i) out.items.push_back(matching[i]);
  if (from + size < matching.size()) out.next_token = absl::StrCat(from + size);
  return out;
}

absl::StatusOr<std::optional<CacheEntry>> InMemoryFigureCache::Get(const CacheKey& key) {
  absl::MutexLock lock(&mu_);
  ++lookups_;
  ++keys_looked_up_;
  if (!failing_.ok()) return failing_;
  auto it = entries_.find({key.school_id, key.source, key.start, key.end});
  if (it == entries_.end()) return std::optional<CacheEntry>();
  return std::optional<CacheEntry>(it->second);
}

absl::StatusOr<std::vector<std::optional<CacheEntry>>> InMemoryFigureCache::GetMany(const std::vector<CacheKey>& keys) {
  absl::MutexLock lock(&mu_);
  ++lookups_;
  keys_looked_up_ += static_cast<int>(keys.size());
  if (!failing_.ok()) return failing_;
  std::vector<std::optional<CacheEntry>> out;
  out.reserve(keys.size());
  for (const CacheKey& key : keys) {
    auto it = entries_.find({key.school_id, key.source, key.start, key.end});
    out.push_back(it == entries_.end() ? std::nullopt : std::optional<CacheEntry>(it->second));
  }
  return out;
}

absl::Status InMemoryFigureCache::Put(const CacheKey& key, const CacheEntry& entry) {
  absl::MutexLock lock(&mu_);
  const Key k{key.school_id, key.source, key.start, key.end};
  auto it = entries_.find(k);
  if (it != entries_.end() && it->second.final) return absl::OkStatus();
  entries_[k] = entry;
  return absl::OkStatus();
}

size_t InMemoryFigureCache::size() const {
  absl::MutexLock lock(&mu_);
  return entries_.size();
}

void InMemoryFigureCache::Clear() {
  absl::MutexLock lock(&mu_);
  entries_.clear();
}

int InMemoryFigureCache::lookups() const {
  absl::MutexLock lock(&mu_);
  return lookups_;
}

int InMemoryFigureCache::keys_looked_up() const {
  absl::MutexLock lock(&mu_);
  return keys_looked_up_;
}

void InMemoryFigureCache::FailLookups(absl::Status status) {
  absl::MutexLock lock(&mu_);
  failing_ = std::move(status);
}

SchoolInfo SampleSchool(const std::string& id, int offset_days) {
  SchoolInfo s;
  s.id = id;
  s.display_name = "School " + id;
  s.time_zone = "Europe/London";
  s.pupils = 420;
  const int d = offset_days;
  s.terms.push_back({absl::CivilDay(2025, 9, 1) + d, absl::CivilDay(2025, 12, 19) + d, "Autumn 2025",
                     std::make_pair(absl::CivilDay(2025, 10, 27) + d, absl::CivilDay(2025, 10, 31) + d)});
  s.terms.push_back({absl::CivilDay(2026, 1, 5) + d, absl::CivilDay(2026, 3, 27) + d, "Spring 2026",
                     std::make_pair(absl::CivilDay(2026, 2, 16) + d, absl::CivilDay(2026, 2, 20) + d)});
  s.terms.push_back({absl::CivilDay(2026, 4, 13) + d, absl::CivilDay(2026, 7, 22) + d, "Summer 2026", std::nullopt});
  s.promises.push_back({"email", "acknowledge", "2 working days", "We reply to emails within 2 working days."});
  s.rung_roles = {{0, "Class teacher"}, {1, "Head of year"}, {2, "Deputy headteacher"}};
  return s;
}

}  // namespace parley::reporting::testing
