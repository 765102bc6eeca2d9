// In-memory stand-ins for the reporting domain's ports, for unit tests: sources that answer from
// a table (or fail on demand) and count their calls, a figure cache in a map, and a directory of
// schools built from plain values.
#pragma once

#include <map>
#include <set>
#include <string>
#include <tuple>
#include <vector>

#include "absl/synchronization/mutex.h"
#include "common/clock/clock.h"
#include "services/reporting/domain/directory.h"
#include "services/reporting/domain/figure_cache.h"
#include "services/reporting/domain/sources.h"

namespace parley::reporting::testing {

class FakeSources final : public FigureSources {
 public:
  explicit FakeSources(const Clock* clock) : clock_(clock) {}

  // What a source answers for a school, whatever the period (weeks get `week_promise`).
  void SetEnquiries(const std::string& school, EnquiryStats stats);
  void SetWeek(const std::string& school, absl::Time start, PromiseCounts promise);
  void SetConduct(const std::string& school, ConductStats stats);
  void SetMeetings(const std::string& school, MeetingStats stats);
  void SetNotifications(const std::string& school, NotificationStats stats);
  // The source fails every call with `status` until cleared with OkStatus.
  void Fail(Source source, absl::Status status);
  void SetVersion(std::string version);
  // Calls made to the source so far.
  int Calls(Source source) const;

  absl::StatusOr<Fetched<EnquiryStats>> Enquiries(const std::string& school_id, absl::Time start, absl::Time end,
                                                  absl::Duration timeout) override;
  absl::StatusOr<Fetched<ConductStats>> Conduct(const std::string& school_id, absl::Time start, absl::Time end,
                                                absl::Duration timeout) override;
  absl::StatusOr<Fetched<MeetingStats>> Meetings(const std::string& school_id, absl::Time start, absl::Time end,
                                                 absl::Duration timeout) override;
  absl::StatusOr<Fetched<NotificationStats>> Notifications(const std::string& school_id, absl::Time start,
                                                           absl::Time end, absl::Duration timeout) override;

 private:
  absl::Status Begin(Source source);

  const Clock* const clock_;
  mutable absl::Mutex mu_;
  std::map<std::string, EnquiryStats> enquiries_ ABSL_GUARDED_BY(mu_);
  std::map<std::pair<std::string, absl::Time>, PromiseCounts> weeks_ ABSL_GUARDED_BY(mu_);
  std::map<std::string, ConductStats> conduct_ ABSL_GUARDED_BY(mu_);
  std::map<std::string, MeetingStats> meetings_ ABSL_GUARDED_BY(mu_);
  std::map<std::string, NotificationStats> notifications_ ABSL_GUARDED_BY(mu_);
  std::map<Source, absl::Status> failing_ ABSL_GUARDED_BY(mu_);
  std::map<Source, int> calls_ ABSL_GUARDED_BY(mu_);
  std::string version_ ABSL_GUARDED_BY(mu_) = "test-1";
};

// Escalation's breach lists in memory: the items set per school, paged by index ("{n}" tokens),
// narrowed by channel and category, each call's arguments kept; fails on demand.
class FakeBreachSource final : public BreachSource {
 public:
  struct Call {
    std::string school_id;
    absl::Time start;
    absl::Time end;
    std::string channel;
    std::string category;
    int page_size = 0;
    std::string page_token;
    absl::Duration timeout;
  };

  void Set(const std::string& school, std::vector<BreachItem> items);
  // Every call fails with `status` until cleared with OkStatus.
  void Fail(absl::Status status);
  std::vector<Call> calls() const;

  absl::StatusOr<BreachItems> Breaches(const std::string& school_id, absl::Time start, absl::Time end,
                                       const std::string& channel, const std::string& category, int page_size,
                                       const std::string& page_token, absl::Duration timeout) override;

 private:
  mutable absl::Mutex mu_;
  std::map<std::string, std::vector<BreachItem>> items_ ABSL_GUARDED_BY(mu_);
  absl::Status failing_ ABSL_GUARDED_BY(mu_);
  std::vector<Call> calls_ ABSL_GUARDED_BY(mu_);
};

class InMemoryFigureCache final : public FigureCache {
 public:
  absl::StatusOr<std::optional<CacheEntry>> Get(const CacheKey& key) override;
  absl::StatusOr<std::vector<std::optional<CacheEntry>>> GetMany(const std::vector<CacheKey>& keys) override;
  absl::Status Put(const CacheKey& key, const CacheEntry& entry) override;
  size_t size() const;
  // Forgets every entry, final ones too (as TRUNCATE would).
  void Clear();
  // Lookups made so far (each Get and each GetMany is one, whatever its keys), and the keys they
  // asked for in all.
  int lookups() const;
  int keys_looked_up() const;
  // Every lookup fails with `status` until cleared with OkStatus.
  void FailLookups(absl::Status status);

 private:
  using Key = std::tuple<std::string, Source, absl::Time, absl::Time>;
  mutable absl::Mutex mu_;
  std::map<Key, CacheEntry> entries_ ABSL_GUARDED_BY(mu_);
  int lookups_ ABSL_GUARDED_BY(mu_) = 0;
  int keys_looked_up_ ABSL_GUARDED_BY(mu_) = 0;
  absl::Status failing_ ABSL_GUARDED_BY(mu_);
};

class FakeDirectory final : public SchoolDirectory {
 public:
  void Add(SchoolInfo school) { schools_.push_back(std::move(school)); }
  absl::StatusOr<std::vector<SchoolInfo>> Schools() override { return schools_; }

 private:
  std::vector<SchoolInfo> schools_;
};

// A school with the 2025-26 year's terms (autumn 1 Sept - 19 Dec 2025, half-term 27-31 Oct),
// `offset_days` later for a second school whose dates differ.
SchoolInfo SampleSchool(const std::string& id, int offset_days = 0);

}  // namespace parley::reporting::testing
