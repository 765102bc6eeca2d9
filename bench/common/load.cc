#include "bench/common/load.h"

#include <sys/resource.h>

#include <algorithm>
#include <atomic>
#include <deque>
#include <thread>
#include <utility>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/status/status.h"
#include "absl/strings/str_format.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/clock.h"

namespace parley::bench {
namespace {

absl::Duration Percentile(const std::vector<int64_t>& sorted_ns, double q) {
  if (sorted_ns.empty()) return absl::ZeroDuration();
  const size_t index = std::min(sorted_ns.size() - 1, static_cast<size_t>(q * sorted_ns.size()));
  return absl::Nanoseconds(sorted_ns[index]);
}

absl::Duration ProcessCpu() {
  rusage usage{};
  getrusage(RUSAGE_SELF, &usage);
  return absl::DurationFromTimeval(usage.ru_utime) + absl::DurationFromTimeval(usage.ru_stime);
}

std::string Ms(absl::Duration d) { return absl::StrFormat("%.3fms", absl::ToDoubleMilliseconds(d)); }

std::string ErrorText(const grpc::Status& status) {
  return absl::StrFormat("%s: %s", absl::StatusCodeToString(static_cast<absl::StatusCode>(status.error_code())),
                         status.error_message());
}

// What one stream of calls (one thread, or one slot of the async driver) measured.
struct Tally {
  std::vector<int64_t> latencies_ns;
  int64_t ok = 0;
  int64_t errors = 0;
  std::string first_error;

  void Add(absl::Duration latency, const grpc::Status& status) {
    latencies_ns.push_back(absl::ToInt64Nanoseconds(latency));
    if (status.ok()) {
      ++ok;
    } else if (errors++ == 0) {
      first_error = ErrorText(status);
    }
  }
};

LoadResult Summarize(int in_flight, absl::Duration elapsed, absl::Duration cpu_used, std::vector<Tally>& tallies) {
  LoadResult result;
  result.in_flight = in_flight;
  result.elapsed = elapsed;
  std::vector<int64_t> all;
  for (Tally& t : tallies) {
    result.ok += t.ok;
    result.errors += t.errors;
    if (result.first_error.empty()) result.first_error = t.first_error;
    all.insert(all.end(), t.latencies_ns.begin(), t.latencies_ns.end());
  }
  std::sort(all.begin(), all.end());
  result.requests_per_second = static_cast<double>(result.ok + result.errors) / absl::ToDoubleSeconds(elapsed);
  result.p50 = Percentile(all, 0.50);
  result.p90 = Percentile(all, 0.90);
  result.p99 = Percentile(all, 0.99);
  result.max = all.empty() ? absl::ZeroDuration() : absl::Nanoseconds(all.back());
  if (!all.empty()) result.cpu_per_call = cpu_used / static_cast<int64_t>(all.size());
  return result;
}

// 0 = warming up, 1 = measuring, 2 = stopping.
constexpr int kWarmup = 0;
constexpr int kMeasuring = 1;
constexpr int kStopping = 2;

// Keeps one call outstanding per slot; a completion records its call and starts the slot's next.
class AsyncDriver {
 public:
  AsyncDriver(int in_flight, const StartCall& start_call)
      : start_call_(start_call), slots_(in_flight), tallies_(in_flight) {
    for (Tally& t : tallies_) t.latencies_ns.reserve(1 << 16);
  }

  LoadResult Run(absl::Duration warmup, absl::Duration duration) {
    for (int i = 0; i < static_cast<int>(slots_.size()); ++i) Start(i);
    ServeDeferred(absl::Now() + warmup);
    const absl::Time began = absl::Now();
    const absl::Duration cpu_began = ProcessCpu();
    phase_.store(kMeasuring);
    ServeDeferred(began + duration);
    phase_.store(kStopping);
    const absl::Time ended = absl::Now();
    const absl::Duration cpu_used = ProcessCpu() - cpu_began;
    {
      absl::MutexLock lock(&mu_);
      // Slots parked in deferred_ have finished too.
      finished_ += static_cast<int>(deferred_.size());
      deferred_.clear();
      mu_.Await(absl::Condition(this, &AsyncDriver::AllFinished));
    }
    return Summarize(static_cast<int>(slots_.size()), ended - began, cpu_used, tallies_);
  }

 private:
  struct Slot {
    absl::Time started;
    int phase = kWarmup;
  };

  bool AllFinished() const ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_) { return finished_ == static_cast<int>(slots_.size()); }

  void Start(int index) {
    Slot& slot = slots_[index];
    slot.phase = phase_.load(std::memory_order_relaxed);
    slot.started = absl::Now();
    start_call_([this, index](grpc::Status status) { OnDone(index, std::move(status)); });
  }

  void OnDone(int index, grpc::Status status) {
    const Slot& slot = slots_[index];
    const int now = phase_.load(std::memory_order_relaxed);
    if (slot.phase == kMeasuring && now == kMeasuring) tallies_[index].Add(absl::Now() - slot.started, status);
    if (now == kStopping) {
      absl::MutexLock lock(&mu_);
      ++finished_;
      return;
    }
    // A call that completes inside start_call (a failure before it reached the wire) would
    // otherwise recurse without bound; past a few levels the next start is left to Run's thread.
    thread_local int depth = 0;
    if (depth >= 8) {
      absl::MutexLock lock(&mu_);
      deferred_.push_back(index);
      return;
    }
    ++depth;
    Start(index);
    --depth;
  }

  // Until `until`: starts the slots OnDone deferred.
  void ServeDeferred(absl::Time until) {
    while (true) {
      int index;
      {
        absl::MutexLock lock(&mu_);
        if (!mu_.AwaitWithDeadline(absl::Condition(
                                       +[](std::deque<int>* d) { return !d->empty(); }, &deferred_),
                                   until)) {
          return;
        }
        index = deferred_.front();
        deferred_.pop_front();
      }
      Start(index);
    }
  }

  const StartCall& start_call_;
  std::atomic<int> phase_{kWarmup};
  std::vector<Slot> slots_;
  std::vector<Tally> tallies_;  // one per slot: a slot's calls follow one another
  absl::Mutex mu_;
  std::deque<int> deferred_ ABSL_GUARDED_BY(mu_);
  int finished_ ABSL_GUARDED_BY(mu_) = 0;
};

}  // namespace

LoadResult RunAsyncLoad(int in_flight, absl::Duration duration, const StartCall& start_call, absl::Duration warmup) {
  AsyncDriver driver(std::max(1, in_flight), start_call);
  return driver.Run(warmup, duration);
}

LoadResult RunLoad(int in_flight, absl::Duration duration, const std::function<grpc::Status()>& one_call,
                   absl::Duration warmup) {
  in_flight = std::max(1, in_flight);
  std::atomic<int> phase{kWarmup};
  std::vector<Tally> tallies(in_flight);
  std::vector<std::thread> threads;
  threads.reserve(in_flight);
  for (int t = 0; t < in_flight; ++t) {
    threads.emplace_back([&, t] {
      Tally& mine = tallies[t];
      mine.latencies_ns.reserve(1 << 16);
      int p;
      while ((p = phase.load(std::memory_order_relaxed)) != kStopping) {
        const absl::Time start = absl::Now();
        const grpc::Status status = one_call();
        if (p != kMeasuring || phase.load(std::memory_order_relaxed) != kMeasuring) continue;  // outside the window
        mine.Add(absl::Now() - start, status);
      }
    });
  }
  absl::SleepFor(warmup);
  const absl::Time began = absl::Now();
  const absl::Duration cpu_began = ProcessCpu();
  phase.store(kMeasuring);
  absl::SleepFor(duration);
  phase.store(kStopping);
  const absl::Time ended = absl::Now();
  const absl::Duration cpu_used = ProcessCpu() - cpu_began;
  for (std::thread& t : threads) t.join();
  return Summarize(in_flight, ended - began, cpu_used, tallies);
}

std::string FormatResult(absl::string_view label, const LoadResult& r) {
  std::string line =
      absl::StrFormat("%-10s in_flight=%-3d req/s=%-7.0f p50=%s p90=%s p99=%s max=%s cpu/call=%.1fus errors=%d", label,
                      r.in_flight, r.requests_per_second, Ms(r.p50), Ms(r.p90), Ms(r.p99), Ms(r.max),
                      absl::ToDoubleMicroseconds(r.cpu_per_call), r.errors);
  if (!r.first_error.empty()) line += absl::StrFormat(" first_error=\"%s\"", r.first_error);
  return line;
}

}  // namespace parley::bench
