// A live, read-only copy of the trust directory inside a peer service (conduct, escalation, and
// the services after them), kept current from contacts' WatchDirectory stream. Routing, ladders,
// deadlines and guardian links are answered from it locally, with the same common/directory code
// contacts runs, so an intake asks contacts nothing.
//
//   directory::GrpcSliceFeed feed(contacts_channel, &identity);   // grpc_feed.h
//   directory::Replica replica(&feed, &clock, {});
//   replica.Start();
//   PARLEY_RETURN_IF_ERROR(replica.AwaitReady(absl::Seconds(30)));  // first load before serving
//   PARLEY_ASSIGN_OR_RETURN(auto view, replica.View());
//   directory::RouteEnquiry(*view->School("st-marys"), query);
//
// Freshness: contacts sends every school's slice version at once, again on every change, and at
// least every heartbeat; the replica fetches the slices whose version it does not hold and swaps
// in a new view. An edit in contacts is in every replica one stream message and one fetch after
// its commit (a few milliseconds; docs/architecture.md states the bound and benchmarks measure
// it). If the stream fails the replica reconnects with backoff and keeps answering from what it
// holds; once it has not confirmed it is current for `max_staleness`, View() refuses with
// UNAVAILABLE (DIRECTORY_REPLICA_STALE) rather than route on a directory that may be wrong.
//
// Threads: one reading the stream and fetching, one watchdog that cancels a silent stream.
#pragma once

#include <map>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"
#include "common/clock/clock.h"
#include "common/directory/model.h"
#include "common/directory/slice.h"
#include "common/directory/snapshot.h"

namespace prometheus {
class Registry;
class Gauge;
class Counter;
}  // namespace prometheus

namespace parley::directory {

struct SliceVersion {
  std::string school_id;
  std::string fingerprint;
};

struct DirectoryVersions {
  int64_t directory_version = 0;
  std::vector<SliceVersion> schools;  // every school
};

struct FetchedSlice {
  int64_t directory_version = 0;
  EncodedSlice slice;
};

// Where a replica's data comes from: contacts over gRPC (grpc_feed.h), or memory in tests.
class SliceFeed {
 public:
  class Watch {
   public:
    virtual ~Watch() = default;
    // Blocks for the next version list. An error ends the watch; the replica opens another.
    virtual absl::StatusOr<DirectoryVersions> Next() = 0;
    // Called from another thread: a blocked or later Next returns an error.
    virtual void Cancel() = 0;
  };
  virtual ~SliceFeed() = default;
  virtual absl::StatusOr<std::unique_ptr<Watch>> OpenWatch() = 0;
  virtual absl::StatusOr<FetchedSlice> Fetch(const std::string& school_id) = 0;
};

// What a replica holds at one moment; immutable, shared by readers.
class ReplicaView {
 public:
  struct HeldSchool {
    std::string fingerprint;
    int64_t directory_version = 0;
    std::shared_ptr<const Snapshot> snapshot;  // the school and its guardians' links to it
  };

  int64_t directory_version() const { return directory_version_; }
  // The school's snapshot, or null for a school the directory does not have.
  const Snapshot* School(const std::string& school_id) const;
  // The guardian's links to pupils, at every school; empty for a guardian no school knows.
  std::vector<PupilLink> LinksOfGuardian(const std::string& guardian_id) const;
  const std::map<std::string, HeldSchool>& schools() const { return schools_; }

 private:
  friend class Replica;
  int64_t directory_version_ = 0;
  std::map<std::string, HeldSchool> schools_;
};

class Replica {
 public:
  struct Options {
    // Longest time View() answers without having confirmed it is current.
    absl::Duration max_staleness = absl::Minutes(5);
    // The heartbeat asked of contacts; a stream silent for three of them is cancelled and reopened.
    absl::Duration heartbeat = absl::Seconds(10);
    absl::Duration retry_min = absl::Milliseconds(100);
    absl::Duration retry_max = absl::Seconds(5);
  };

  // `feed` and `clock` must outlive the replica; `registry` may be null.
  Replica(SliceFeed* feed, const Clock* clock, Options options, prometheus::Registry* registry = nullptr);
  Replica(const Replica&) = delete;
  Replica& operator=(const Replica&) = delete;
  ~Replica();  // Stop()

  void Start();
  void Stop();
  // Waits for the first complete load: UNAVAILABLE (DIRECTORY_REPLICA_STALE) if it has not
  // happened within `timeout`, with the last error seen.
  absl::Status AwaitReady(absl::Duration timeout) const;
  // Waits until the view holds `directory_version` or later (tests; a caller that must read its
  // own write). False on timeout.
  bool AwaitVersion(int64_t directory_version, absl::Duration timeout) const;

  // The current view; UNAVAILABLE (DIRECTORY_REPLICA_STALE) before the first load or when nothing
  // confirmed it current for max_staleness.
  absl::StatusOr<std::shared_ptr<const ReplicaView>> View() const;

  // Whether the view was confirmed current within max_staleness (readiness checks).
  absl::Status CheckFresh() const;

 private:
  void Run();
  void Watchdog();
  // Fetches what `versions` lists and the view lacks; swaps in the new view. OK only when the view
  // then matches the list.
  absl::Status Apply(const DirectoryVersions& versions);

  SliceFeed* const feed_;
  const Clock* const clock_;
  const Options options_;

  mutable absl::Mutex mu_;
  std::shared_ptr<const ReplicaView> view_ ABSL_GUARDED_BY(mu_);
  absl::Time confirmed_ ABSL_GUARDED_BY(mu_) = absl::InfinitePast();  // by clock_
  absl::Time heard_ ABSL_GUARDED_BY(mu_) = absl::InfinitePast();      // real time, for the watchdog
  absl::Status last_error_ ABSL_GUARDED_BY(mu_);
  SliceFeed::Watch* watch_ ABSL_GUARDED_BY(mu_) = nullptr;
  bool stopping_ ABSL_GUARDED_BY(mu_) = false;
  bool started_ ABSL_GUARDED_BY(mu_) = false;
  std::thread runner_;
  std::thread watchdog_;

  prometheus::Gauge* version_gauge_ = nullptr;
  prometheus::Gauge* confirmed_gauge_ = nullptr;
  prometheus::Counter* fetched_counter_ = nullptr;
  prometheus::Counter* reconnect_counter_ = nullptr;
};

}  // namespace parley::directory
