// The replica over a feed held in memory: what it fetches and when, what it keeps when contacts
// fails, when it refuses to answer, and that it stops.
#include "common/directory/replica.h"

#include <algorithm>
#include <deque>
#include <future>
#include <map>
#include <set>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "common/clock/clock.h"
#include "common/status/reason.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "services/contacts/testing/sample_directory.h"

namespace parley::directory {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::UnorderedElementsAre;

constexpr char kMarys[] = "st-marys";
constexpr char kOak[] = "oak-park";
constexpr absl::Duration kWait = absl::Seconds(10);

Directory TwoSchools() {
  Directory dir = contacts::testing::SampleDirectory();
  dir.schools[kOak] = contacts::testing::SampleSchool(kOak);
  dir.guardians["g-001"].pupils.push_back(PupilLink{kOak, "p-002", "mother", true, std::nullopt});
  Guardian oak_only;
  oak_only.id = "g-003";
  oak_only.pupils = {PupilLink{kOak, "p-001", "father", true, std::nullopt}};
  dir.guardians[oak_only.id] = oak_only;
  return dir;
}

void AddClosure(Directory& dir, const std::string& school_id, absl::CivilDay day) {
  dir.schools[school_id].school.calendar.closures.push_back(
      Closure{calendar::DateRange{day, day, "closed"}, ClosureKind::kEmergency});
}

// Contacts in memory: Publish encodes a directory like contacts does and queues its version list
// for the open watch; a new watch starts with the current list, as WatchDirectory does.
class FakeFeed final : public SliceFeed {
 public:
  class FakeWatch final : public Watch {
   public:
    explicit FakeWatch(FakeFeed* feed) : feed_(feed) {}
    absl::StatusOr<DirectoryVersions> Next() override {
      absl::MutexLock lock(&feed_->mu_);
      ++feed_->waiting_;
      auto ready = [this]() ABSL_EXCLUSIVE_LOCKS_REQUIRED(feed_->mu_) { return cancelled_ || !feed_->queue_.empty(); };
      feed_->mu_.Await(absl::Condition(&ready));
      --feed_->waiting_;
      if (cancelled_) return absl::CancelledError("watch cancelled");
      Item next = std::move(feed_->queue_.front());
      feed_->queue_.pop_front();
      if (!next.error.ok()) return next.error;
      return next.list;
    }
    void Cancel() override {
      absl::MutexLock lock(&feed_->mu_);
      cancelled_ = true;
      ++feed_->cancels_;
    }

   private:
    FakeFeed* const feed_;
    bool cancelled_ ABSL_GUARDED_BY(feed_->mu_) = false;
  };

  // The new directory; its version list is sent to the open watch (or the next one opened).
  void Publish(int64_t version, const Directory& dir) {
    absl::StatusOr<std::shared_ptr<const Snapshot>> snap = Snapshot::Build(version, dir);
    ASSERT_TRUE(snap.ok()) << snap.status();
    absl::StatusOr<std::shared_ptr<const SliceSet>> set = SliceSet::Encode(*snap);
    ASSERT_TRUE(set.ok()) << set.status();
    absl::MutexLock lock(&mu_);
    current_ = *set;
    queue_.push_back(Item{absl::OkStatus(), ListOf(**set)});
  }
  // The version list of the current directory again (a heartbeat).
  void Heartbeat() {
    absl::MutexLock lock(&mu_);
    queue_.push_back(Item{absl::OkStatus(), ListOf(*current_)});
  }
  // A list as a contacts replica behind the others would send it.
  void SendList(DirectoryVersions list) {
    absl::MutexLock lock(&mu_);
    queue_.push_back(Item{absl::OkStatus(), std::move(list)});
  }
  // Ends the open watch with `error`.
  void SendError(absl::Status error) {
    absl::MutexLock lock(&mu_);
    queue_.push_back(Item{std::move(error), {}});
  }
  void FailFetches(const std::string& school_id, bool fail) {
    absl::MutexLock lock(&mu_);
    if (fail) {
      failing_.insert(school_id);
    } else {
      failing_.erase(school_id);
    }
  }
  void FailOpens(int n) {
    absl::MutexLock lock(&mu_);
    failing_opens_ = n;
  }

  // Waits until the replica has handled everything queued and is blocked for more: the runner
  // calls Next again only once it has applied the previous list.
  bool AwaitIdle() {
    absl::MutexLock lock(&mu_);
    auto idle = [&]() ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_) { return queue_.empty() && waiting_ > 0; };
    return mu_.AwaitWithTimeout(absl::Condition(&idle), kWait);
  }
  bool AwaitOpens(int n) {
    absl::MutexLock lock(&mu_);
    auto opened = [&]() ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_) { return opens_ >= n; };
    return mu_.AwaitWithTimeout(absl::Condition(&opened), kWait);
  }

  int opens() const {
    absl::MutexLock lock(&mu_);
    return opens_;
  }
  int cancels() const {
    absl::MutexLock lock(&mu_);
    return cancels_;
  }
  int fetches(const std::string& school_id) const {
    absl::MutexLock lock(&mu_);
    auto it = fetches_.find(school_id);
    return it == fetches_.end() ? 0 : it->second;
  }
  std::string fingerprint(const std::string& school_id) const {
    absl::MutexLock lock(&mu_);
    return current_->Find(school_id)->fingerprint;
  }

  absl::StatusOr<std::unique_ptr<Watch>> OpenWatch() override {
    absl::MutexLock lock(&mu_);
    ++opens_;
    if (failing_opens_ > 0) {
      --failing_opens_;
      return absl::UnavailableError("contacts is down");
    }
    // A new stream starts with the current list, like WatchDirectory.
    if (opens_ > 1 && current_ != nullptr) queue_.push_front(Item{absl::OkStatus(), ListOf(*current_)});
    return std::unique_ptr<Watch>(std::make_unique<FakeWatch>(this));
  }

  absl::StatusOr<FetchedSlice> Fetch(const std::string& school_id) override {
    absl::MutexLock lock(&mu_);
    ++fetches_[school_id];
    if (failing_.count(school_id) > 0) return absl::UnavailableError("contacts is down");
    const EncodedSlice* slice = current_ == nullptr ? nullptr : current_->Find(school_id);
    if (slice == nullptr) return absl::NotFoundError(school_id);
    return FetchedSlice{current_->directory_version(), *slice};
  }

 private:
  static DirectoryVersions ListOf(const SliceSet& set) {
    DirectoryVersions list;
    list.directory_version = set.directory_version();
    for (const auto& [id, slice] : set.slices()) list.schools.push_back(SliceVersion{id, slice.fingerprint});
    return list;
  }

  mutable absl::Mutex mu_;
  std::shared_ptr<const SliceSet> current_ ABSL_GUARDED_BY(mu_);
  struct Item {
    absl::Status error;  // ends the watch when not OK
    DirectoryVersions list;
  };
  std::deque<Item> queue_ ABSL_GUARDED_BY(mu_);
  std::set<std::string> failing_ ABSL_GUARDED_BY(mu_);
  int failing_opens_ ABSL_GUARDED_BY(mu_) = 0;
  int opens_ ABSL_GUARDED_BY(mu_) = 0;
  int cancels_ ABSL_GUARDED_BY(mu_) = 0;
  int waiting_ ABSL_GUARDED_BY(mu_) = 0;  // Next calls blocked for a list
  std::map<std::string, int> fetches_ ABSL_GUARDED_BY(mu_);
};

void ExpectStale(const absl::Status& status) {
  EXPECT_EQ(status.code(), absl::StatusCode::kUnavailable) << status;
  EXPECT_EQ(ErrorReason(status), reason::kDirectoryReplicaStale) << status;
}

class ReplicaTest : public ::testing::Test {
 protected:
  Replica::Options Fast() {
    Replica::Options options;
    options.max_staleness = absl::Minutes(5);
    options.retry_min = absl::Milliseconds(1);
    options.retry_max = absl::Milliseconds(10);
    return options;
  }
  // Starts the replica on directory version 1 and waits for its first load.
  void StartLoaded(const Directory& dir, Replica::Options options) {
    feed_.Publish(1, dir);
    replica_ = std::make_unique<Replica>(&feed_, &clock_, options);
    replica_->Start();
    ASSERT_TRUE(replica_->AwaitReady(kWait).ok());
    ASSERT_TRUE(feed_.AwaitIdle());
  }
  std::shared_ptr<const ReplicaView> View() {
    absl::StatusOr<std::shared_ptr<const ReplicaView>> view = replica_->View();
    EXPECT_TRUE(view.ok()) << view.status();
    return view.ok() ? *view : nullptr;
  }

  FakeFeed feed_;
  SimulatedClock clock_{absl::FromUnixSeconds(1760000000)};
  std::unique_ptr<Replica> replica_;
};

TEST_F(ReplicaTest, FirstLoadFetchesEverySchoolOnce) {
  ASSERT_NO_FATAL_FAILURE(StartLoaded(TwoSchools(), Fast()));
  std::shared_ptr<const ReplicaView> view = View();
  ASSERT_NE(view, nullptr);
  EXPECT_EQ(view->directory_version(), 1);
  ASSERT_EQ(view->schools().size(), 2u);
  ASSERT_NE(view->School(kMarys), nullptr);
  EXPECT_NE(view->School(kMarys)->FindStaff(kMarys, "ash-teacher"), nullptr);
  EXPECT_EQ(view->School("no-such-school"), nullptr);
  EXPECT_EQ(view->schools().at(kOak).fingerprint, feed_.fingerprint(kOak));
  EXPECT_EQ(feed_.fetches(kMarys), 1);
  EXPECT_EQ(feed_.fetches(kOak), 1);
  EXPECT_EQ(feed_.opens(), 1);
  EXPECT_TRUE(replica_->CheckFresh().ok());
}

TEST_F(ReplicaTest, AChangedFingerprintFetchesOnlyThatSchool) {
  Directory dir = TwoSchools();
  ASSERT_NO_FATAL_FAILURE(StartLoaded(dir, Fast()));
  const Snapshot* oak_before = View()->School(kOak);

  AddClosure(dir, kMarys, absl::CivilDay(2026, 3, 2));
  feed_.Publish(2, dir);
  ASSERT_TRUE(replica_->AwaitVersion(2, kWait));
  ASSERT_TRUE(feed_.AwaitIdle());
  std::shared_ptr<const ReplicaView> view = View();
  EXPECT_EQ(view->directory_version(), 2);
  EXPECT_EQ(feed_.fetches(kMarys), 2);
  EXPECT_EQ(feed_.fetches(kOak), 1);
  EXPECT_EQ(view->School(kOak), oak_before);  // the same snapshot, shared
  EXPECT_EQ(view->schools().at(kMarys).fingerprint, feed_.fingerprint(kMarys));
  EXPECT_EQ(view->School(kMarys)->FindSchool(kMarys)->school.calendar.closures.size(),
            dir.schools[kMarys].school.calendar.closures.size());

  // A heartbeat with nothing new fetches nothing.
  feed_.Heartbeat();
  ASSERT_TRUE(feed_.AwaitIdle());
  EXPECT_EQ(feed_.fetches(kMarys), 2);
  EXPECT_EQ(feed_.fetches(kOak), 1);
}

TEST_F(ReplicaTest, ASchoolNoLongerListedIsDropped) {
  Directory dir = TwoSchools();
  ASSERT_NO_FATAL_FAILURE(StartLoaded(dir, Fast()));
  dir.schools.erase(kOak);
  for (auto& [id, g] : dir.guardians) {
    g.pupils.erase(
        std::remove_if(g.pupils.begin(), g.pupils.end(), [](const PupilLink& l) { return l.school_id == kOak; }),
        g.pupils.end());
  }
  dir.guardians.erase("g-003");
  feed_.Publish(2, dir);
  ASSERT_TRUE(replica_->AwaitVersion(2, kWait));
  std::shared_ptr<const ReplicaView> view = View();
  EXPECT_EQ(view->School(kOak), nullptr);
  EXPECT_NE(view->School(kMarys), nullptr);
  EXPECT_EQ(view->schools().size(), 1u);
  EXPECT_TRUE(view->LinksOfGuardian("g-003").empty());
  EXPECT_EQ(feed_.fetches(kMarys), 1);
}

TEST_F(ReplicaTest, AListOlderThanTheViewChangesAndConfirmsNothing) {
  Directory dir = TwoSchools();
  ASSERT_NO_FATAL_FAILURE(StartLoaded(dir, Fast()));
  AddClosure(dir, kOak, absl::CivilDay(2026, 3, 2));
  feed_.Publish(5, dir);
  ASSERT_TRUE(replica_->AwaitVersion(5, kWait));
  ASSERT_TRUE(feed_.AwaitIdle());
  const std::string oak = View()->schools().at(kOak).fingerprint;

  // A contacts replica that is behind lists version 4: St Mary's only, Oak Park as it was.
  DirectoryVersions behind;
  behind.directory_version = 4;
  behind.schools = {SliceVersion{kMarys, View()->schools().at(kMarys).fingerprint},
                    SliceVersion{kOak, "0000000000000000"}};
  feed_.SendList(behind);
  ASSERT_TRUE(feed_.AwaitIdle());
  std::shared_ptr<const ReplicaView> view = View();
  EXPECT_EQ(view->directory_version(), 5);
  EXPECT_EQ(view->schools().at(kOak).fingerprint, oak);
  EXPECT_EQ(feed_.fetches(kOak), 2);

  // Nor does it count as hearing that the view is current.
  clock_.Advance(absl::Minutes(5) + absl::Seconds(1));
  feed_.SendList(behind);
  ASSERT_TRUE(feed_.AwaitIdle());
  ExpectStale(replica_->View().status());
  feed_.Heartbeat();
  ASSERT_TRUE(feed_.AwaitIdle());
  EXPECT_TRUE(replica_->View().ok());
}

TEST_F(ReplicaTest, AFailedFetchLeavesTheOldViewUntilItSucceeds) {
  Directory dir = TwoSchools();
  ASSERT_NO_FATAL_FAILURE(StartLoaded(dir, Fast()));
  const std::string marys = View()->schools().at(kMarys).fingerprint;
  feed_.FailFetches(kMarys, true);
  AddClosure(dir, kMarys, absl::CivilDay(2026, 3, 2));
  AddClosure(dir, kOak, absl::CivilDay(2026, 3, 3));
  feed_.Publish(2, dir);
  ASSERT_TRUE(feed_.AwaitIdle());
  std::shared_ptr<const ReplicaView> view = View();  // still answering, from version 1 whole
  EXPECT_EQ(view->directory_version(), 1);
  EXPECT_EQ(view->schools().at(kMarys).fingerprint, marys);
  EXPECT_NE(view->schools().at(kOak).fingerprint, feed_.fingerprint(kOak));

  // Past the staleness bound with fetches still failing: refused, naming the failure.
  clock_.Advance(absl::Minutes(6));
  feed_.Heartbeat();
  ASSERT_TRUE(feed_.AwaitIdle());
  ExpectStale(replica_->View().status());

  feed_.FailFetches(kMarys, false);
  feed_.Heartbeat();
  ASSERT_TRUE(replica_->AwaitVersion(2, kWait));
  view = View();
  EXPECT_EQ(view->schools().at(kMarys).fingerprint, feed_.fingerprint(kMarys));
  EXPECT_EQ(view->schools().at(kOak).fingerprint, feed_.fingerprint(kOak));
}

TEST_F(ReplicaTest, AWatchErrorReconnectsAndKeepsAnswering) {
  Directory dir = TwoSchools();
  ASSERT_NO_FATAL_FAILURE(StartLoaded(dir, Fast()));
  feed_.FailOpens(2);
  feed_.SendError(absl::UnavailableError("stream reset"));
  // Two failed opens, then one that works.
  ASSERT_TRUE(feed_.AwaitOpens(4));
  EXPECT_TRUE(replica_->View().ok());
  // The new stream's first list is the current directory: nothing fetched again.
  ASSERT_TRUE(feed_.AwaitIdle());
  EXPECT_EQ(feed_.fetches(kMarys), 1);
  // And it carries the next edit.
  AddClosure(dir, kOak, absl::CivilDay(2026, 3, 2));
  feed_.Publish(2, dir);
  ASSERT_TRUE(replica_->AwaitVersion(2, kWait));
  EXPECT_EQ(feed_.opens(), 4);
}

TEST_F(ReplicaTest, ASilentWatchIsCancelledAndReopened) {
  Replica::Options options = Fast();
  options.heartbeat = absl::Milliseconds(20);
  ASSERT_NO_FATAL_FAILURE(StartLoaded(TwoSchools(), options));
  // Nothing more is sent: after three heartbeats the watchdog cancels the stream.
  ASSERT_TRUE(feed_.AwaitOpens(2));
  EXPECT_GE(feed_.cancels(), 1);
  EXPECT_TRUE(replica_->View().ok());
}

TEST_F(ReplicaTest, BeforeTheFirstLoadAndPastMaxStalenessItRefuses) {
  replica_ = std::make_unique<Replica>(&feed_, &clock_, Fast());
  ExpectStale(replica_->View().status());
  ExpectStale(replica_->CheckFresh());
  // Started, but contacts has nothing to say yet.
  replica_->Start();
  absl::Status ready = replica_->AwaitReady(absl::Milliseconds(50));
  ExpectStale(ready);
  ExpectStale(replica_->View().status());
  EXPECT_FALSE(replica_->AwaitVersion(1, absl::Milliseconds(10)));

  feed_.Publish(1, TwoSchools());
  ASSERT_TRUE(replica_->AwaitReady(kWait).ok());
  ASSERT_TRUE(feed_.AwaitIdle());
  clock_.Advance(absl::Minutes(5));  // exactly the bound: still answered
  EXPECT_TRUE(replica_->View().ok());
  clock_.Advance(absl::Seconds(1));
  ExpectStale(replica_->View().status());
  EXPECT_THAT(replica_->View().status().message(), HasSubstr("5m"));
  // A heartbeat confirms it again.
  feed_.Heartbeat();
  ASSERT_TRUE(feed_.AwaitIdle());
  EXPECT_TRUE(replica_->View().ok());
}

TEST_F(ReplicaTest, AwaitReadyReportsTheLastError) {
  feed_.FailOpens(1000000);
  replica_ = std::make_unique<Replica>(&feed_, &clock_, Fast());
  replica_->Start();
  ASSERT_TRUE(feed_.AwaitOpens(2));
  absl::Status ready = replica_->AwaitReady(absl::Milliseconds(20));
  ExpectStale(ready);
  EXPECT_THAT(ready.message(), HasSubstr("contacts is down"));
}

TEST_F(ReplicaTest, StopReturnsWhileNextBlocksOrBackingOff) {
  ASSERT_NO_FATAL_FAILURE(StartLoaded(TwoSchools(), Fast()));
  // The runner is blocked in Next (AwaitIdle saw it ask again).
  auto stopped = std::async(std::launch::async, [&] { replica_->Stop(); });
  ASSERT_EQ(stopped.wait_for(std::chrono::seconds(10)), std::future_status::ready);
  EXPECT_GE(feed_.cancels(), 1);
  replica_->Stop();  // twice is fine

  // Backing off between failed opens, with a long backoff.
  FakeFeed down;
  down.FailOpens(1000000);
  Replica::Options slow = Fast();
  slow.retry_min = absl::Hours(1);
  slow.retry_max = absl::Hours(1);
  Replica other(&down, &clock_, slow);
  other.Start();
  ASSERT_TRUE(down.AwaitOpens(1));
  auto stopped_other = std::async(std::launch::async, [&] { other.Stop(); });
  ASSERT_EQ(stopped_other.wait_for(std::chrono::seconds(10)), std::future_status::ready);

  // Never started.
  Replica idle(&down, &clock_, Fast());
  idle.Stop();
}

TEST_F(ReplicaTest, AGuardiansLinksAcrossSchools) {
  ASSERT_NO_FATAL_FAILURE(StartLoaded(TwoSchools(), Fast()));
  std::shared_ptr<const ReplicaView> view = View();
  auto links = [&](const std::string& guardian) {
    std::vector<std::string> out;
    for (const PupilLink& l : view->LinksOfGuardian(guardian)) {
      out.push_back(absl::StrCat(l.school_id, "/", l.pupil_id, "/", l.relationship));
    }
    return out;
  };
  EXPECT_THAT(links("g-001"),
              UnorderedElementsAre("st-marys/p-001/mother", "st-marys/p-002/mother", "oak-park/p-002/mother"));
  EXPECT_THAT(links("g-002"), ElementsAre("st-marys/p-001/father"));
  EXPECT_THAT(links("g-003"), ElementsAre("oak-park/p-001/father"));
  EXPECT_TRUE(links("g-999").empty());
}

}  // namespace
}  // namespace parley::directory
