#include "common/directory/testing/static_feed.h"

#include <cstdlib>
#include <iostream>
#include <string>
#include <utility>

#include "absl/strings/str_cat.h"
#include "common/directory/snapshot.h"

namespace parley::directory::testing {

class StaticFeed::StaticWatch final : public SliceFeed::Watch {
 public:
  explicit StaticWatch(StaticFeed* feed) : feed_(feed) {}

  absl::StatusOr<DirectoryVersions> Next() override {
    absl::MutexLock lock(&feed_->mu_);
    // Anything not yet sent on this watch: the list at open, then each version Set serves.
    auto news = [this]() ABSL_EXCLUSIVE_LOCKS_REQUIRED(feed_->mu_) {
      return cancelled_ || (feed_->current_ != nullptr && feed_->current_->directory_version() != sent_);
    };
    while (true) {
      if (feed_->heartbeat_ == absl::InfiniteDuration()) {
        feed_->mu_.Await(absl::Condition(&news));
      } else {
        feed_->mu_.AwaitWithTimeout(absl::Condition(&news), feed_->heartbeat_);
      }
      if (cancelled_) return absl::CancelledError("watch cancelled");
      // A heartbeat sends the list again; before anything is served there is nothing to send.
      if (feed_->current_ != nullptr) break;
    }
    sent_ = feed_->current_->directory_version();
    return feed_->ListLocked();
  }

  void Cancel() override {
    absl::MutexLock lock(&feed_->mu_);
    cancelled_ = true;
  }

 private:
  StaticFeed* const feed_;
  bool cancelled_ ABSL_GUARDED_BY(feed_->mu_) = false;
  int64_t sent_ ABSL_GUARDED_BY(feed_->mu_) = 0;  // the version last listed on this watch
};

StaticFeed::StaticFeed(absl::Duration heartbeat) : heartbeat_(heartbeat) {}

StaticFeed::StaticFeed(Directory directory, absl::Duration heartbeat) : heartbeat_(heartbeat) {
  absl::StatusOr<int64_t> set = Set(std::move(directory));
  if (!set.ok()) {
    std::cerr << "StaticFeed: the test directory is not one contacts would serve: " << set.status() << "\n";
    std::abort();
  }
}

absl::StatusOr<int64_t> StaticFeed::Set(Directory directory) {
  // Encoded under the lock: two Sets at once still serve consecutive versions.
  absl::MutexLock lock(&mu_);
  const int64_t next = current_ == nullptr ? 1 : current_->directory_version() + 1;
  absl::StatusOr<std::shared_ptr<const Snapshot>> snapshot = Snapshot::Build(next, std::move(directory));
  if (!snapshot.ok()) return snapshot.status();
  absl::StatusOr<std::shared_ptr<const SliceSet>> slices = SliceSet::Encode(*std::move(snapshot));
  if (!slices.ok()) return slices.status();
  current_ = *std::move(slices);
  return next;
}

int64_t StaticFeed::version() const {
  absl::MutexLock lock(&mu_);
  return current_ == nullptr ? 0 : current_->directory_version();
}

DirectoryVersions StaticFeed::ListLocked() const {
  DirectoryVersions list;
  list.directory_version = current_->directory_version();
  for (const auto& [id, slice] : current_->slices()) list.schools.push_back(SliceVersion{id, slice.fingerprint});
  return list;
}

absl::StatusOr<std::unique_ptr<SliceFeed::Watch>> StaticFeed::OpenWatch() {
  return std::unique_ptr<Watch>(std::make_unique<StaticWatch>(this));
}

absl::StatusOr<FetchedSlice> StaticFeed::Fetch(const std::string& school_id) {
  absl::MutexLock lock(&mu_);
  const EncodedSlice* slice = current_ == nullptr ? nullptr : current_->Find(school_id);
  if (slice == nullptr) return absl::NotFoundError(absl::StrCat("no slice for school ", school_id));
  return FetchedSlice{current_->directory_version(), *slice};
}

}  // namespace parley::directory::testing
