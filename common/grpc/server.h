// The gRPC server every Parley service runs, with the conventions of docs/architecture.md#cross-cutting-conventions
// built in:
//
//   * the Diagnostics service (Echo, no auth), gRPC health (overall "" and per service) and
//     server reflection are always registered;
//   * every RPC is counted and timed in Prometheus (parley_grpc_server_handled_total{service,
//     method,code}, parley_grpc_server_handling_seconds{service,method}) and logged as one JSON
//     line (method, code, reason, duration; never payloads or metadata): a call that succeeded at
//     debug (so not written at the default level, info), every error at info (the caller's
//     mistake) or warning (the server's or a dependency's);
//   * readiness checks (PostgreSQL, Redis pings) run in the background; while any fails, health
//     reports NOT_SERVING for "" and for every registered service;
//   * TLS when the options carry a certificate and key (ServerOptions::tls), with the files
//     watched for rotation and optional or required client certificates (mutual TLS);
//   * on SIGTERM: NOT_SERVING, a pause for load balancers to notice, then a drain with a
//     deadline, then the metrics endpoint stops.
//
//   server::ServerOptions options;
//   options.service_name = "contacts";
//   options.listen_address = config.grpc_address;
//   options.metrics_address = config.metrics_address;
//   server::Server server(options);
//   server.AddService(&api);
//   server.AddReadinessCheck("postgresql", [&] { return store.Ping(); });
//   PARLEY_RETURN_IF_ERROR(server.Start());
//   server.InstallSignalHandlers();
//   server.Wait();  // returns once a signal (or Shutdown()) has drained the server
//
// Handlers use the synchronous API (they may block on PostgreSQL); max_threads caps the threads
// serving them (plus one that keeps polling for the next call). Threads are started as
// concurrency grows and then kept, up to that cap, so that no call pays for creating one. When
// every thread is busy, gRPC answers new calls RESOURCE_EXHAUSTED at once rather than queueing
// them without bound.
#pragma once

#include <functional>
#include <memory>
#include <string>
#include <string_view>

#include "absl/status/status.h"
#include "absl/time/time.h"
#include "common/config/tls_settings.h"
#include "prometheus/registry.h"

namespace grpc {
class Service;
}  // namespace grpc

namespace parley::server {

// The health name a Kubernetes liveness probe asks for: SERVING from start to shutdown, whatever
// the readiness checks say.
inline constexpr std::string_view kLivenessHealthName = "liveness";

struct ServerOptions {
  std::string service_name;                   // "contacts": names the process in logs
  std::string listen_address = "0.0.0.0:0";   // port 0 = ephemeral (tests); see port()
  std::string metrics_address = "0.0.0.0:0";  // empty = no metrics endpoint
  int max_message_bytes = 64 << 20;
  int max_threads = 64;  // handlers that can run at once (grpc::ResourceQuota of max_threads + 1)
  absl::Duration readiness_poll = absl::Seconds(2);
  // After SIGTERM: report NOT_SERVING, wait this long for load balancers, then drain.
  absl::Duration not_serving_delay = absl::Seconds(2);
  // In-flight calls get this long to finish; then they are cancelled.
  absl::Duration drain_deadline = absl::Seconds(15);
  // Connections are closed gracefully after this age so that clients spread over new replicas
  // after a scale-up; zero keeps connections forever.
  absl::Duration max_connection_age = absl::Minutes(5);
  // TLS when tls.ServesTls() (certificate and key files), plaintext otherwise. The files are
  // watched (re-read every tls.reload_interval), so a rotated certificate needs no restart;
  // tls.client_auth says whether clients are asked for a certificate the CA signed.
  TlsSettings tls;
};

class Server {
 public:
  explicit Server(ServerOptions opts);
  // Shuts down (with the configured delays) if still running.
  ~Server();
  Server(const Server&) = delete;
  Server& operator=(const Server&) = delete;

  // Registers a service implementation (not owned; must outlive the server). Before Start only.
  void AddService(grpc::Service* service);

  // A dependency the server needs to do useful work. While any check returns non-OK, health is
  // NOT_SERVING for "" and every registered service. Checks run once in Start and then every
  // readiness_poll on a background thread; they should be quick and bounded (a ping with a
  // timeout). Before Start only.
  void AddReadinessCheck(std::string name, std::function<absl::Status()> check);

  // The metrics registry, for the service's own metrics; usable before Start.
  prometheus::Registry& registry();

  // Binds, registers the built-in services and starts serving. UNAVAILABLE when an address
  // cannot be bound; FAILED_PRECONDITION when called twice or after Shutdown.
  [[nodiscard]] absl::Status Start();

  int port() const;          // the bound gRPC port, 0 before Start
  int metrics_port() const;  // the bound metrics port, 0 when there is no endpoint

  // SIGTERM / SIGINT start Shutdown() on a watcher thread (the handler only writes to a pipe).
  // A second signal while shutting down exits the process at once. One Server per process.
  void InstallSignalHandlers();

  // Health NOT_SERVING → wait not_serving_delay → drain (gRPC Shutdown with drain_deadline) →
  // stop the metrics endpoint. Idempotent and thread-safe; every caller returns once done.
  void Shutdown();

  // Blocks until Shutdown has completed.
  void Wait();

 private:
  class Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace parley::server
