#include "common/metrics/metrics.h"

#include <netdb.h>
#include <sys/socket.h>
#include <unistd.h>

#include <atomic>
#include <exception>
#include <thread>

#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "prometheus/exposer.h"

namespace parley::metrics {
namespace {

// The address to reach a listener bound to `bind_address` ("host:port") from this host.
std::string LocalHost(const std::string& bind_address) {
  std::string host = bind_address.substr(0, bind_address.rfind(':'));
  if (host.size() >= 2 && host.front() == '[' && host.back() == ']') {
    host = host.substr(1, host.size() - 2);
  }
  if (host.empty() || host == "0.0.0.0") return "127.0.0.1";
  if (host == "::") return "::1";
  return host;
}

// Opens and closes one connection to host:port; failures are irrelevant.
void Poke(const std::string& host, int port) {
  addrinfo hints = {};
  hints.ai_socktype = SOCK_STREAM;
  addrinfo* found = nullptr;
  if (getaddrinfo(host.c_str(), std::to_string(port).c_str(), &hints, &found) != 0) return;
  for (addrinfo* ai = found; ai != nullptr; ai = ai->ai_next) {
    const int fd = socket(ai->ai_family, ai->ai_socktype | SOCK_CLOEXEC, ai->ai_protocol);
    if (fd < 0) continue;
    const bool connected = connect(fd, ai->ai_addr, ai->ai_addrlen) == 0;
    close(fd);
    if (connected) break;
  }
  freeaddrinfo(found);
}

}  // namespace

Exporter::Exporter() : registry_(std::make_shared<prometheus::Registry>()) {}

Exporter::~Exporter() { Stop(); }

absl::Status Exporter::Start(const std::string& address) {
  if (exposer_ != nullptr) return absl::FailedPreconditionError("metrics endpoint already started");
  try {
    // Two threads: scrapes are rare and cheap, and these threads compete with the RPC handlers.
    exposer_ = std::make_unique<prometheus::Exposer>(address, 2);
  } catch (const std::exception&) {
    // civetweb's exception text is not actionable; the address is.
    return absl::UnavailableError(absl::StrCat("metrics: cannot listen on ", address));
  }
  std::vector<int> ports = exposer_->GetListeningPorts();
  if (ports.empty() || ports.front() <= 0) {
    exposer_.reset();
    return absl::UnavailableError(absl::StrCat("metrics: cannot listen on ", address));
  }
  port_ = ports.front();
  local_host_ = LocalHost(address);
  exposer_->RegisterCollectable(registry_);
  return absl::OkStatus();
}

void Exporter::Stop() {
  if (exposer_ == nullptr) return;
  // civetweb's listener thread polls with a 2 s timeout and sees the stop request only when it
  // wakes; connecting wakes it, which takes 2 s off every shutdown (and every test).
  std::atomic<bool> stopped{false};
  std::thread waker([this, &stopped] {
    while (!stopped.load()) {
      Poke(local_host_, port_);
      absl::SleepFor(absl::Milliseconds(5));
    }
  });
  exposer_.reset();  // joins civetweb's threads
  stopped.store(true);
  waker.join();
  port_ = 0;
}

const prometheus::Histogram::BucketBoundaries& LatencyBuckets() {
  static const auto* const buckets = new prometheus::Histogram::BucketBoundaries{
      0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10};
  return *buckets;
}

}  // namespace parley::metrics
