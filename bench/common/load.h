// A closed-loop load generator for benchmarks: `in_flight` threads each issue one call, wait for
// it, and issue the next, for a fixed time. Reports throughput and latency percentiles.
//
//   bench::LoadResult r = bench::RunLoad(16, absl::Seconds(3), [&] {
//     grpc::ClientContext ctx;
//     return stub->Echo(&ctx, request, &response);
//   });
//   std::printf("%s\n", bench::FormatResult("echo", r).c_str());
//
// Threads with blocking calls keep the harness trivial to reuse with any sync stub; on a 2-core
// machine shared with the server the client's own cost is part of every figure, so compare a
// service's result only with an Echo run of the same shape from the same run.
#pragma once

#include <cstdint>
#include <functional>
#include <string>

#include "absl/strings/string_view.h"
#include "absl/time/time.h"
#include "grpcpp/support/status.h"

namespace parley::bench {

struct LoadResult {
  int in_flight = 0;
  absl::Duration elapsed;  // the measured window (warm-up excluded)
  int64_t ok = 0;
  int64_t errors = 0;  // non-OK statuses; their latencies are included below
  double requests_per_second = 0;
  absl::Duration p50, p90, p99, max;
  // CPU time of this whole process per call (client and server when the server runs in-process):
  // a second view of cost that depends less on how the cores were shared than req/s does.
  absl::Duration cpu_per_call;
  std::string first_error;  // "CODE: message" of the first failure, for diagnosis
};

// Drives `one_call` from `in_flight` threads for `warmup` (not measured) and then `duration`.
// `one_call` must be thread-safe.
LoadResult RunLoad(int in_flight, absl::Duration duration, const std::function<grpc::Status()>& one_call,
                   absl::Duration warmup = absl::Milliseconds(500));

// "label  in_flight=16  req/s=31234  p50=0.450ms  p90=...  p99=...  max=...  cpu/call=61.2us
// errors=0"
std::string FormatResult(absl::string_view label, const LoadResult& result);

}  // namespace parley::bench
