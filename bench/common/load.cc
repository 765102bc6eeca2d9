#include "bench/common/load.h"

#include <sys/resource.h>

#include <algorithm>
#include <atomic>
#include <thread>
#include <vector>

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

}  // namespace

LoadResult RunLoad(int in_flight, absl::Duration duration, const std::function<grpc::Status()>& one_call,
                   absl::Duration warmup) {
  in_flight = std::max(1, in_flight);
  // 0 = warming up, 1 = measuring, 2 = stop.
  std::atomic<int> phase{0};
  struct PerThread {
    std::vector<int64_t> latencies_ns;
    int64_t ok = 0;
    int64_t errors = 0;
    std::string first_error;
  };
  std::vector<PerThread> per_thread(in_flight);
  std::vector<std::thread> threads;
  threads.reserve(in_flight);
  for (int t = 0; t < in_flight; ++t) {
    threads.emplace_back([&, t] {
      PerThread& mine = per_thread[t];
      mine.latencies_ns.reserve(1 << 16);
      int p;
      while ((p = phase.load(std::memory_order_relaxed)) != 2) {
        const absl::Time start = absl::Now();
        const grpc::Status status = one_call();
        if (p != 1 || phase.load(std::memory_order_relaxed) != 1) continue;  // outside the window
        mine.latencies_ns.push_back(absl::ToInt64Nanoseconds(absl::Now() - start));
        if (status.ok()) {
          ++mine.ok;
        } else {
          if (mine.errors++ == 0) {
            mine.first_error =
                absl::StrFormat("%s: %s", absl::StatusCodeToString(static_cast<absl::StatusCode>(status.error_code())),
                                status.error_message());
          }
        }
      }
    });
  }
  absl::SleepFor(warmup);
  const absl::Time began = absl::Now();
  const absl::Duration cpu_began = ProcessCpu();
  phase.store(1);
  absl::SleepFor(duration);
  phase.store(2);
  const absl::Time ended = absl::Now();
  const absl::Duration cpu_used = ProcessCpu() - cpu_began;
  for (std::thread& t : threads) t.join();

  LoadResult result;
  result.in_flight = in_flight;
  result.elapsed = ended - began;
  std::vector<int64_t> all;
  for (PerThread& t : per_thread) {
    result.ok += t.ok;
    result.errors += t.errors;
    if (result.first_error.empty()) result.first_error = t.first_error;
    all.insert(all.end(), t.latencies_ns.begin(), t.latencies_ns.end());
  }
  std::sort(all.begin(), all.end());
  result.requests_per_second = static_cast<double>(result.ok + result.errors) / absl::ToDoubleSeconds(result.elapsed);
  result.p50 = Percentile(all, 0.50);
  result.p90 = Percentile(all, 0.90);
  result.p99 = Percentile(all, 0.99);
  result.max = all.empty() ? absl::ZeroDuration() : absl::Nanoseconds(all.back());
  if (!all.empty()) result.cpu_per_call = cpu_used / static_cast<int64_t>(all.size());
  return result;
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
