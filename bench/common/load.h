// Closed-loop load generators for benchmarks: keep `in_flight` calls outstanding for a fixed time
// (after a warm-up) and report throughput, latency percentiles and the process's CPU per call.
//
// RunAsyncLoad is the one to use: the calls are asynchronous (gRPC's callback client API), so
// the client needs no thread per call and spends little of the machine's cores on itself.
//
//   const bench::StartCall echo = bench::CallbackUnary<EchoResponse>(
//       [&](grpc::ClientContext* ctx, EchoResponse* response, bench::Done done) {
//         stub->async()->Echo(ctx, &request, response, std::move(done));
//       });
//   bench::LoadResult r = bench::RunAsyncLoad(16, absl::Seconds(3), echo);
//   std::printf("%s\n", bench::FormatResult("echo", r).c_str());
//
// RunLoad is the older blocking form (one thread per call in flight, each waiting for its call):
// trivial to use with any sync stub, but at 16-64 in flight the client's context switches take a
// visible share of a 2-core machine.
//
// On a machine shared with an in-process server the client's cost is part of every figure:
// compare a service's result only with an Echo run of the same shape from the same run.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <utility>

#include "absl/strings/string_view.h"
#include "absl/time/clock.h"
#include "absl/time/time.h"
#include "grpcpp/client_context.h"
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

// ---- asynchronous -----------------------------------------------------------------------------

// Reports the end of one call, exactly once, from any thread.
using Done = std::function<void(grpc::Status)>;
// Starts one call without waiting for it and arranges for `done` to be called when it ends.
using StartCall = std::function<void(Done done)>;

// Keeps `in_flight` calls outstanding: each completion starts the next call (from the thread that
// reported it), for `warmup` (not measured) and then `duration`. Returns once every call it started
// has reported, so whatever `start_call` refers to may be destroyed afterwards. `start_call` must
// be thread-safe. Calls that start before the window or end after it are not counted.
LoadResult RunAsyncLoad(int in_flight, absl::Duration duration, const StartCall& start_call,
                        absl::Duration warmup = absl::Milliseconds(500));

// A StartCall for a unary RPC through the callback API: each call gets a fresh ClientContext with
// a `deadline` and a fresh Response; `rpc` issues it (adding metadata to the context if it needs
// to) and passes `done` on as the completion callback.
template <typename Response>
StartCall CallbackUnary(std::function<void(grpc::ClientContext*, Response*, Done)> rpc,
                        absl::Duration deadline = absl::Seconds(5)) {
  struct Call {
    grpc::ClientContext context;
    Response response;
  };
  return [rpc = std::move(rpc), deadline](Done done) {
    auto* call = new Call;
    call->context.set_deadline(absl::ToChronoTime(absl::Now() + deadline));
    rpc(&call->context, &call->response, [call, done = std::move(done)](grpc::Status status) {
      delete call;
      done(std::move(status));
    });
  };
}

// ---- blocking ---------------------------------------------------------------------------------

// Drives `one_call` from `in_flight` threads for `warmup` (not measured) and then `duration`.
// `one_call` must be thread-safe.
LoadResult RunLoad(int in_flight, absl::Duration duration, const std::function<grpc::Status()>& one_call,
                   absl::Duration warmup = absl::Milliseconds(500));

// "label  in_flight=16  req/s=31234  p50=0.450ms  p90=...  p99=...  max=...  cpu/call=61.2us
// errors=0"
std::string FormatResult(absl::string_view label, const LoadResult& result);

}  // namespace parley::bench
