// A SliceFeed serving a directory held in memory, for tests of code that reads a Replica: build a
// Directory (or take services/contacts/testing/sample_directory.h), serve it, and a Replica loads
// it as it would from contacts — the same slice encoding, so only what a slice carries arrives.
//
//   directory::testing::StaticFeed feed(dir);
//   directory::Replica replica(&feed, &clock, {});
//   replica.Start();
//   ASSERT_TRUE(replica.AwaitReady(absl::Seconds(10)).ok());
//   ...
//   int64_t v = *feed.Set(changed);          // the next version; the open watch lists it
//   ASSERT_TRUE(replica.AwaitVersion(v, absl::Seconds(10)));
//
// No failures or delays to inject: replica_test.cc has a feed for those.
#pragma once

#include <cstdint>
#include <memory>

#include "absl/base/thread_annotations.h"
#include "absl/status/statusor.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"
#include "common/directory/model.h"
#include "common/directory/replica.h"
#include "common/directory/slice.h"

namespace parley::directory::testing {

class StaticFeed final : public SliceFeed {
 public:
  // Serves nothing until Set: a watch blocks, so a replica over it never loads.
  explicit StaticFeed(absl::Duration heartbeat = absl::InfiniteDuration());
  // Serves `directory` as version 1. Dies on a directory Snapshot::Build refuses (a broken test).
  explicit StaticFeed(Directory directory, absl::Duration heartbeat = absl::InfiniteDuration());
  StaticFeed(const StaticFeed&) = delete;
  StaticFeed& operator=(const StaticFeed&) = delete;

  // Serves `directory` as the next version and wakes every open watch; that version, or the
  // error Snapshot::Build or the encoding gave (then nothing changes).
  absl::StatusOr<int64_t> Set(Directory directory);
  int64_t version() const;

  absl::StatusOr<std::unique_ptr<Watch>> OpenWatch() override;
  absl::StatusOr<FetchedSlice> Fetch(const std::string& school_id) override;

 private:
  class StaticWatch;

  DirectoryVersions ListLocked() const ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);

  // A watch sends the current list when it opens, on every Set, and again every `heartbeat` (real
  // time) when set, as WatchDirectory does; without one it waits for the next Set.
  const absl::Duration heartbeat_;
  mutable absl::Mutex mu_;
  std::shared_ptr<const SliceSet> current_ ABSL_GUARDED_BY(mu_);  // null before the first Set
};

}  // namespace parley::directory::testing
