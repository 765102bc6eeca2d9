// Per-RPC metrics and access log for the server (an internal part of server.cc, separate so it
// can be read and tested on its own).
//
// A gRPC server interceptor sees every call, sync or callback: it notes when the call started,
// and when the status is about to be sent it counts the call, observes its latency and writes
// one log line. It reads the status code and the machine-readable error reason (the
// parley-error-reason trailer, which the server itself sets from an UPPER_SNAKE_CASE constant);
// it never reads request or response messages, nor any other metadata.
//
// It also turns gRPC's answer to a request it could not decode (INTERNAL with an empty message)
// into INVALID_ARGUMENT with reason MALFORMED_REQUEST and a message saying so: that is the
// client's mistake, not the server's.
#pragma once

#include <atomic>
#include <memory>
#include <string>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/container/flat_hash_map.h"
#include "absl/container/flat_hash_set.h"
#include "absl/strings/string_view.h"
#include "absl/synchronization/mutex.h"
#include "grpcpp/support/server_interceptor.h"
#include "grpcpp/support/status.h"
#include "prometheus/counter.h"
#include "prometheus/family.h"
#include "prometheus/histogram.h"
#include "prometheus/registry.h"

namespace parley::server::internal {

class RpcObserver final : public grpc::experimental::ServerInterceptorFactoryInterface {
 public:
  explicit RpcObserver(prometheus::Registry& registry);

  // The gRPC services whose method names may become label values. Calls to anything else are
  // labelled "unknown" so that a client cannot grow the metric set by inventing method names.
  // The server calls this as it starts; a call that races with it is merely labelled "unknown".
  void SetKnownServices(const std::vector<std::string>& services);

  grpc::experimental::Interceptor* CreateServerInterceptor(grpc::experimental::ServerRpcInfo* info) override;

  // One method's metric children, created on first use. Counters per code appear only once a
  // code has been seen, so the exposition is not padded with 17 zero series per method.
  struct MethodMetrics {
    std::string method;  // "/parley.diagnostics.v1.DiagnosticsService/Echo" for the log
    std::string service_label;
    std::string method_label;
    prometheus::Histogram* latency = nullptr;
    std::atomic<prometheus::Counter*> handled[17] = {};
  };

  // Records one finished call.
  void Record(MethodMetrics* metrics, grpc::StatusCode code, absl::string_view reason, double seconds);

 private:
  MethodMetrics* MetricsFor(const char* method);

  prometheus::Family<prometheus::Counter>& handled_;
  prometheus::Family<prometheus::Histogram>& handling_;
  absl::Mutex mu_;
  absl::flat_hash_set<std::string> known_services_ ABSL_GUARDED_BY(mu_);
  absl::flat_hash_map<std::string, std::unique_ptr<MethodMetrics>> methods_ ABSL_GUARDED_BY(mu_);
  MethodMetrics* unknown_ ABSL_GUARDED_BY(mu_) = nullptr;
};

}  // namespace parley::server::internal
