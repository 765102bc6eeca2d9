#include "common/grpc/server.h"

#include <fcntl.h>
#include <signal.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cerrno>
#include <thread>
#include <utility>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "absl/synchronization/mutex.h"
#include "absl/synchronization/notification.h"
#include "absl/time/clock.h"
#include "common/grpc/rpc_observer.h"
#include "common/log/log.h"
#include "common/metrics/metrics.h"
#include "common/status/reason.h"
#include "grpcpp/ext/proto_server_reflection_plugin.h"
#include "grpcpp/grpcpp.h"
#include "grpcpp/health_check_service_interface.h"
#include "grpcpp/impl/server_builder_option.h"
#include "grpcpp/impl/server_builder_plugin.h"
#include "grpcpp/impl/server_initializer.h"
#include "grpcpp/resource_quota.h"
#include "grpcpp/security/server_credentials.h"
#include "grpcpp/security/tls_certificate_provider.h"
#include "grpcpp/security/tls_credentials_options.h"
#include "parley/diagnostics/v1/diagnostics.grpc.pb.h"

namespace parley::server {
namespace {

// The trivial round trip benchmarks compare real RPCs against. Synchronous like the services'
// handlers, so that it goes through the same thread pool and interceptors.
class DiagnosticsService final : public parley::diagnostics::v1::DiagnosticsService::Service {
  grpc::Status Echo(grpc::ServerContext*, const parley::diagnostics::v1::EchoRequest* request,
                    parley::diagnostics::v1::EchoResponse* response) override {
    response->set_payload(request->payload());
    return grpc::Status::OK;
  }
};

// gRPC knows the names of the services it serves but offers them only to builder plugins (the
// reflection service gets them the same way). The health status is set per service name, so we
// capture the list with a plugin of our own.
class ServiceListPlugin final : public grpc::ServerBuilderPlugin {
 public:
  explicit ServiceListPlugin(std::vector<std::string>* out) : out_(out) {}
  std::string name() override { return "parley_service_list"; }
  void InitServer(grpc::ServerInitializer*) override {}
  void Finish(grpc::ServerInitializer* si) override { *out_ = *si->GetServiceList(); }
  void ChangeArguments(const std::string&, void*) override {}

 private:
  std::vector<std::string>* out_;
};

class ServiceListOption final : public grpc::ServerBuilderOption {
 public:
  explicit ServiceListOption(std::vector<std::string>* out) : out_(out) {}
  void UpdateArguments(grpc::ChannelArguments*) override {}
  void UpdatePlugins(std::vector<std::unique_ptr<grpc::ServerBuilderPlugin>>* plugins) override {
    plugins->push_back(std::make_unique<ServiceListPlugin>(out_));
  }

 private:
  std::vector<std::string>* out_;
};

// TLS from the watched certificate files (gRPC re-reads them every reload_interval, so a
// cert-manager rotation is served without a restart), or plaintext when there is no certificate.
std::shared_ptr<grpc::ServerCredentials> ServerCredentialsFor(const TlsSettings& tls) {
  if (!tls.ServesTls()) return grpc::InsecureServerCredentials();
  const auto interval = static_cast<unsigned int>(std::max<int64_t>(1, absl::ToInt64Seconds(tls.reload_interval)));
  auto provider = std::make_shared<grpc::experimental::FileWatcherCertificateProvider>(tls.key_file, tls.cert_file,
                                                                                       tls.ca_file, interval);
  grpc::experimental::TlsServerCredentialsOptions options(provider);
  options.watch_identity_key_cert_pairs();
  if (!tls.ca_file.empty()) options.watch_root_certs();
  switch (tls.client_auth) {
    case TlsClientAuth::kNone:
      options.set_cert_request_type(GRPC_SSL_DONT_REQUEST_CLIENT_CERTIFICATE);
      break;
    case TlsClientAuth::kOptional:
      // A certificate, when presented, must be one the CA signed; token-only clients still connect.
      options.set_cert_request_type(GRPC_SSL_REQUEST_CLIENT_CERTIFICATE_AND_VERIFY);
      break;
    case TlsClientAuth::kRequire:
      options.set_cert_request_type(GRPC_SSL_REQUEST_AND_REQUIRE_CLIENT_CERTIFICATE_AND_VERIFY);
      break;
  }
  return grpc::experimental::TlsServerCredentials(options);
}

int ToMillis(absl::Duration d) { return static_cast<int>(std::min<int64_t>(absl::ToInt64Milliseconds(d), INT32_MAX)); }

// Signal plumbing. The handler may only do async-signal-safe things: it writes one byte to a
// pipe that a watcher thread reads.
std::atomic<int> g_signal_pipe_write{-1};
std::atomic<int> g_signal_count{0};
std::atomic<bool> g_handlers_installed{false};

constexpr char kSignalByte = 's';
constexpr char kQuitByte = 'q';

extern "C" void OnTerminationSignal(int) {
  const int saved_errno = errno;
  if (g_signal_count.fetch_add(1) >= 1) _exit(128 + SIGTERM);  // second signal: stop now
  const int fd = g_signal_pipe_write.load();
  if (fd >= 0) {
    const char byte = kSignalByte;
    [[maybe_unused]] ssize_t n = write(fd, &byte, 1);
  }
  errno = saved_errno;
}

}  // namespace

class Server::Impl {
 public:
  explicit Impl(ServerOptions opts) : opts_(std::move(opts)), observer_(exporter_.registry()) {}

  ~Impl() {
    bool started;
    {
      absl::MutexLock lock(&mu_);
      started = state_ != State::kNew;
    }
    if (started) Shutdown();
    StopSignalWatcher();
  }

  void AddService(grpc::Service* service) {
    absl::MutexLock lock(&mu_);
    if (state_ != State::kNew) {
      log::Error("server_add_service_after_start");
      return;
    }
    services_.push_back(service);
  }

  void AddReadinessCheck(std::string name, std::function<absl::Status()> check) {
    absl::MutexLock lock(&mu_);
    if (state_ != State::kNew) {
      log::Error("server_add_readiness_check_after_start", {{"check", name}});
      return;
    }
    checks_.push_back(Check{std::move(name), std::move(check), absl::OkStatus()});
  }

  prometheus::Registry& registry() { return exporter_.registry(); }

  absl::Status Start() {
    absl::MutexLock lock(&mu_);
    if (state_ != State::kNew) return absl::FailedPreconditionError("server already started");

    if (!opts_.metrics_address.empty()) {
      absl::Status metrics = exporter_.Start(opts_.metrics_address);
      if (!metrics.ok()) return metrics;
    }

    // Both calls configure process-wide state that BuildAndStart reads.
    grpc::EnableDefaultHealthCheckService(true);
    grpc::reflection::InitProtoReflectionServerBuilderPlugin();

    grpc::ServerBuilder builder;
    builder.AddListeningPort(opts_.listen_address, ServerCredentialsFor(opts_.tls), &port_);
    // gRPC sets SO_REUSEPORT by default, which lets a second process bind the same port and
    // silently take half the traffic; a busy port must be an error.
    builder.AddChannelArgument(GRPC_ARG_ALLOW_REUSEPORT, 0);
    builder.SetMaxReceiveMessageSize(opts_.max_message_bytes);
    builder.SetMaxSendMessageSize(opts_.max_message_bytes);
    // The quota counts every sync-server thread, the one polling for the next call included: one
    // more than max_threads lets max_threads handlers run at once while a thread still polls
    // (with exactly max_threads, the last handler's call was refused RESOURCE_EXHAUSTED).
    grpc::ResourceQuota quota(absl::StrCat("parley-", opts_.service_name));
    quota.SetMaxThreads(opts_.max_threads + 1);
    builder.SetResourceQuota(quota);
    // gRPC lets a thread that finished a call go back to polling only while fewer than
    // MAX_POLLERS (default 2) poll, and starts a new thread whenever none is left polling: with a
    // few calls in flight, threads were created and destroyed all the time (clone, stack mmap and
    // munmap, TLB shootdowns; ~1 thread per 20 calls at 16 in flight). Every thread the quota
    // allows may stay a poller, so the pool keeps the peak concurrency it has seen (at most
    // max_threads + 1 idle threads) and no call pays for a thread.
    builder.SetSyncServerOption(grpc::ServerBuilder::SyncServerOption::MIN_POLLERS, 1);
    builder.SetSyncServerOption(grpc::ServerBuilder::SyncServerOption::MAX_POLLERS, opts_.max_threads + 1);
    // Clients (client.h) ping every 30 s to find dead connections behind NATs and proxies; allow
    // it, and ping idle clients ourselves so half-open connections do not pile up.
    builder.AddChannelArgument(GRPC_ARG_HTTP2_MIN_RECV_PING_INTERVAL_WITHOUT_DATA_MS, 10000);
    builder.AddChannelArgument(GRPC_ARG_KEEPALIVE_PERMIT_WITHOUT_CALLS, 1);
    builder.AddChannelArgument(GRPC_ARG_KEEPALIVE_TIME_MS, 60000);
    builder.AddChannelArgument(GRPC_ARG_KEEPALIVE_TIMEOUT_MS, 20000);
    if (opts_.max_connection_age > absl::ZeroDuration()) {
      builder.AddChannelArgument(GRPC_ARG_MAX_CONNECTION_AGE_MS, ToMillis(opts_.max_connection_age));
      builder.AddChannelArgument(GRPC_ARG_MAX_CONNECTION_AGE_GRACE_MS, ToMillis(opts_.drain_deadline));
    }
    builder.RegisterService(&diagnostics_);
    for (grpc::Service* service : services_) builder.RegisterService(service);
    builder.SetOption(std::make_unique<ServiceListOption>(&service_names_));
    std::vector<std::unique_ptr<grpc::experimental::ServerInterceptorFactoryInterface>> creators;
    creators.push_back(std::make_unique<ForwardingFactory>(&observer_));
    builder.experimental().SetInterceptorCreators(std::move(creators));

    // Dependencies are checked before the port opens, so that the status set right after the
    // start (gRPC's health service begins with "" SERVING) is correct before any probe arrives.
    const bool ready = RunChecks();

    server_ = builder.BuildAndStart();
    if (server_ == nullptr || port_ == 0) {
      server_.reset();
      exporter_.Stop();
      return absl::UnavailableError(absl::StrCat("cannot listen on ", opts_.listen_address));
    }
    observer_.SetKnownServices(service_names_);
    // Health is reported for the process ("") and for each API it serves; gRPC's own services
    // (reflection, health) are not dependencies anyone probes.
    health_names_ = {""};
    for (const std::string& name : service_names_) {
      if (name.rfind("grpc.", 0) != 0) health_names_.push_back(name);
    }
    SetServing(ready);
    // Liveness says only that the process is alive and answering; it stays SERVING while a
    // dependency is down (restarting would not bring PostgreSQL back) and goes NOT_SERVING at
    // shutdown with every other name.
    server_->GetHealthCheckService()->SetServingStatus(std::string(kLivenessHealthName), true);
    metrics_port_ = exporter_.port();
    state_ = State::kServing;
    readiness_thread_ = std::thread([this] { ReadinessLoop(); });
    log::Info("server_started", {{"grpc_port", port_},
                                 {"metrics_port", exporter_.port()},
                                 {"ready", ready},
                                 {"tls", opts_.tls.ServesTls()},
                                 {"client_auth", std::string(TlsClientAuthName(opts_.tls.client_auth))},
                                 {"max_threads", opts_.max_threads}});
    return absl::OkStatus();
  }

  int port() const {
    absl::MutexLock lock(&mu_);
    return port_;
  }

  int metrics_port() const {
    absl::MutexLock lock(&mu_);
    return metrics_port_;
  }

  void InstallSignalHandlers() {
    if (g_handlers_installed.exchange(true)) {
      log::Error("signal_handlers_already_installed");
      return;
    }
    int fds[2];
    if (pipe2(fds, O_CLOEXEC) != 0) {
      log::Error("signal_pipe_failed", {{"errno", errno}});
      return;
    }
    // The handler must never block, even if the watcher has stopped reading.
    fcntl(fds[1], F_SETFL, fcntl(fds[1], F_GETFL) | O_NONBLOCK);
    signal_pipe_read_ = fds[0];
    g_signal_pipe_write.store(fds[1]);
    signal_watcher_ = std::thread([this] { WatchSignals(); });

    struct sigaction action = {};
    action.sa_handler = OnTerminationSignal;
    sigemptyset(&action.sa_mask);
    action.sa_flags = SA_RESTART;
    sigaction(SIGTERM, &action, nullptr);
    sigaction(SIGINT, &action, nullptr);
  }

  void Shutdown() {
    {
      absl::MutexLock lock(&mu_);
      if (state_ == State::kStopping || state_ == State::kStopped) {
        mu_.Await(absl::Condition(
            +[](State* s) { return *s == State::kStopped; }, &state_));
        return;
      }
      if (state_ == State::kNew) {
        state_ = State::kStopped;
        return;
      }
      state_ = State::kStopping;
    }
    const absl::Time began = absl::Now();
    log::Info("shutdown_started", {{"not_serving_delay_ms", ToMillis(opts_.not_serving_delay)},
                                   {"drain_deadline_ms", ToMillis(opts_.drain_deadline)}});
    stop_readiness_.Notify();
    readiness_thread_.join();
    // Every name NOT_SERVING, and no later update can undo it.
    server_->GetHealthCheckService()->Shutdown();
    absl::SleepFor(opts_.not_serving_delay);
    server_->Shutdown(absl::ToChronoTime(absl::Now() + opts_.drain_deadline));
    server_->Wait();
    exporter_.Stop();
    log::Info("shutdown_complete", {{"duration_ms", absl::ToInt64Milliseconds(absl::Now() - began)}});
    absl::MutexLock lock(&mu_);
    metrics_port_ = 0;
    state_ = State::kStopped;
  }

  void Wait() {
    absl::MutexLock lock(&mu_);
    mu_.Await(absl::Condition(
        +[](State* s) { return *s == State::kStopped; }, &state_));
  }

 private:
  enum class State { kNew, kServing, kStopping, kStopped };

  struct Check {
    std::string name;
    std::function<absl::Status()> fn;
    absl::Status last;
  };

  // gRPC takes ownership of the factories it is given; the observer must outlive the server and
  // be reachable from the Impl, so gRPC gets a thin forwarder.
  class ForwardingFactory final : public grpc::experimental::ServerInterceptorFactoryInterface {
   public:
    explicit ForwardingFactory(internal::RpcObserver* observer) : observer_(observer) {}
    grpc::experimental::Interceptor* CreateServerInterceptor(grpc::experimental::ServerRpcInfo* info) override {
      return observer_->CreateServerInterceptor(info);
    }

   private:
    internal::RpcObserver* observer_;
  };

  // Runs every check, logs the ones that changed, and returns whether all passed. Called from
  // Start (before any other thread exists) and from the readiness thread only.
  bool RunChecks() ABSL_NO_THREAD_SAFETY_ANALYSIS {
    bool ready = true;
    for (Check& check : checks_) {
      absl::Status status = check.fn();
      if (!status.ok()) {
        ready = false;
        if (status.code() != check.last.code() || check.last.ok()) {
          log::Warning("readiness_check_failed", {{"check", check.name},
                                                  {"code", absl::StatusCodeToString(status.code())},
                                                  {"reason", ErrorReason(status)}});
        }
      } else if (!check.last.ok()) {
        log::Info("readiness_check_recovered", {{"check", check.name}});
      }
      check.last = std::move(status);
    }
    return ready;
  }

  void ReadinessLoop() {
    while (!stop_readiness_.WaitForNotificationWithTimeout(opts_.readiness_poll)) {
      const bool ready = RunChecks();
      if (ready != serving_) {
        SetServing(ready);
        log::Write(ready ? log::Level::kInfo : log::Level::kWarning, ready ? "serving" : "not_serving");
      }
    }
  }

  void SetServing(bool serving) ABSL_NO_THREAD_SAFETY_ANALYSIS {
    serving_ = serving;
    grpc::HealthCheckServiceInterface* health = server_->GetHealthCheckService();
    for (const std::string& name : health_names_) health->SetServingStatus(name, serving);
  }

  void WatchSignals() {
    char byte = 0;
    while (true) {
      const ssize_t n = read(signal_pipe_read_, &byte, 1);
      if (n < 0 && errno == EINTR) continue;
      if (n <= 0 || byte == kQuitByte) return;
      log::Info("signal_received");
      Shutdown();
      return;
    }
  }

  void StopSignalWatcher() {
    if (!signal_watcher_.joinable()) return;
    const int fd = g_signal_pipe_write.load();
    const char byte = kQuitByte;
    [[maybe_unused]] ssize_t n = write(fd, &byte, 1);
    signal_watcher_.join();
    // The handlers stay installed (restoring them could race with a signal being delivered), but
    // with no pipe they only count.
    g_signal_pipe_write.store(-1);
    close(fd);
    close(signal_pipe_read_);
    g_handlers_installed.store(false);
  }

  const ServerOptions opts_;
  metrics::Exporter exporter_;
  internal::RpcObserver observer_;
  DiagnosticsService diagnostics_;

  mutable absl::Mutex mu_;
  State state_ ABSL_GUARDED_BY(mu_) = State::kNew;
  std::vector<grpc::Service*> services_ ABSL_GUARDED_BY(mu_);
  std::vector<Check> checks_;  // fixed once started; touched by one thread at a time
  std::unique_ptr<grpc::Server> server_;
  int port_ ABSL_GUARDED_BY(mu_) = 0;
  int metrics_port_ ABSL_GUARDED_BY(mu_) = 0;
  std::vector<std::string> service_names_;
  std::vector<std::string> health_names_;
  bool serving_ = false;  // readiness thread (and Start, before it exists) only
  std::thread readiness_thread_;
  absl::Notification stop_readiness_;

  int signal_pipe_read_ = -1;
  std::thread signal_watcher_;
};

Server::Server(ServerOptions opts) : impl_(std::make_unique<Impl>(std::move(opts))) {
  // Debian builds Abseil with its debug-time deadlock detection on, which records every
  // absl::Mutex acquisition in a global graph. A serving process takes a few mutexes on every
  // RPC (snapshot, token cache), and the bookkeeping showed up as contention at 64 in flight.
  absl::SetMutexDeadlockDetectionMode(absl::OnDeadlockCycle::kIgnore);
}
Server::~Server() = default;
void Server::AddService(grpc::Service* service) { impl_->AddService(service); }
void Server::AddReadinessCheck(std::string name, std::function<absl::Status()> check) {
  impl_->AddReadinessCheck(std::move(name), std::move(check));
}
prometheus::Registry& Server::registry() { return impl_->registry(); }
absl::Status Server::Start() { return impl_->Start(); }
int Server::port() const { return impl_->port(); }
int Server::metrics_port() const { return impl_->metrics_port(); }
void Server::InstallSignalHandlers() { impl_->InstallSignalHandlers(); }
void Server::Shutdown() { impl_->Shutdown(); }
void Server::Wait() { impl_->Wait(); }

}  // namespace parley::server
