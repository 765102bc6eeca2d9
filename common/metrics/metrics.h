// The process's Prometheus registry and the HTTP endpoint that serves it (GET /metrics).
//
// The registry exists from construction, so services can create their metric families while they
// wire themselves up; the endpoint starts later, with the gRPC server. Metrics carry identifiers
// and outcomes only, never personal data (a guardian id is personal data; a school id is not).
//
//   metrics::Exporter exporter;
//   auto& depth = prometheus::BuildGauge().Name("parley_outbox_depth").Help("...")
//                     .Register(exporter.registry());
//   PARLEY_RETURN_IF_ERROR(exporter.Start("0.0.0.0:9090"));
#pragma once

#include <memory>
#include <string>

#include "absl/status/status.h"
#include "prometheus/histogram.h"
#include "prometheus/registry.h"

namespace prometheus {
class Exposer;
}  // namespace prometheus

namespace parley::metrics {

class Exporter {
 public:
  Exporter();
  ~Exporter();  // stops the endpoint
  Exporter(const Exporter&) = delete;
  Exporter& operator=(const Exporter&) = delete;

  prometheus::Registry& registry() { return *registry_; }
  const std::shared_ptr<prometheus::Registry>& shared_registry() { return registry_; }

  // Serves the registry on `address` ("host:port"; port 0 picks a free one, see port()).
  // UNAVAILABLE when the address cannot be bound, FAILED_PRECONDITION when already started.
  [[nodiscard]] absl::Status Start(const std::string& address);
  // The bound port, or 0 when not serving.
  int port() const { return port_; }
  // Stops serving; idempotent. The registry stays usable.
  void Stop();

 private:
  std::shared_ptr<prometheus::Registry> registry_;
  std::unique_ptr<prometheus::Exposer> exposer_;
  int port_ = 0;
  std::string local_host_;  // where this host reaches the endpoint
};

// Latency buckets in seconds for request-scale operations (0.5 ms … 10 s).
const prometheus::Histogram::BucketBoundaries& LatencyBuckets();

}  // namespace parley::metrics
