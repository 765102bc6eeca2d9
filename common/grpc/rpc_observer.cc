#include "common/grpc/rpc_observer.h"

#include <chrono>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_replace.h"
#include "common/log/log.h"
#include "common/metrics/metrics.h"
#include "common/status/grpc_status.h"
#include "common/status/reasons.h"
#include "google/protobuf/descriptor.h"

namespace parley::server::internal {
namespace {

using grpc::experimental::InterceptionHookPoints;

constexpr int kNumCodes = 17;

// Errors that point at the server or its dependencies are warnings; errors that are the
// caller's (bad input, wrong school, stale etag) are routine and logged at info.
log::Level LevelFor(grpc::StatusCode code) {
  switch (code) {
    case grpc::StatusCode::OK:
      return log::Level::kDebug;
    case grpc::StatusCode::UNKNOWN:
    case grpc::StatusCode::DEADLINE_EXCEEDED:
    case grpc::StatusCode::RESOURCE_EXHAUSTED:
    case grpc::StatusCode::INTERNAL:
    case grpc::StatusCode::UNAVAILABLE:
    case grpc::StatusCode::DATA_LOSS:
      return log::Level::kWarning;
    default:
      return log::Level::kInfo;
  }
}

// Only a reason shaped like ours ("SCHOOL_NOT_FOUND") is logged: anything else in that trailer
// did not come from our status helpers and could carry anything.
bool IsReasonConstant(absl::string_view reason) {
  if (reason.empty() || reason.size() > 64) return false;
  for (char c : reason) {
    if (!((c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_')) return false;
  }
  return true;
}

// What a client is told when gRPC could not decode its request (a string field that is not valid
// UTF-8, or bytes that are not the method's request message). gRPC itself answers INTERNAL with
// an empty message, which blames the server for the client's bytes.
grpc::Status MalformedRequest(const char* method) {
  // "/parley.contacts.v1.ContactsService/GetSchool" → "parley.contacts.v1.ContactsService.GetSchool"
  std::string type = "request message";
  if (method != nullptr && method[0] == '/') {
    const std::string full_name = absl::StrReplaceAll(absl::string_view(method + 1), {{"/", "."}});
    if (const auto* m = google::protobuf::DescriptorPool::generated_pool()->FindMethodByName(full_name)) {
      type = m->input_type()->full_name();
    }
  }
  return grpc::Status(grpc::StatusCode::INVALID_ARGUMENT,
                      absl::StrCat("the request could not be decoded: a string field is not valid UTF-8 or the bytes "
                                   "are not a ",
                                   type));
}

class ObservingInterceptor final : public grpc::experimental::Interceptor {
 public:
  ObservingInterceptor(RpcObserver* observer, RpcObserver::MethodMetrics* metrics, const char* method)
      : observer_(observer), metrics_(metrics), method_(method), start_(std::chrono::steady_clock::now()) {}

  // A call torn down without sending a status (the server was forced down) still counts.
  ~ObservingInterceptor() override {
    if (!recorded_) Finish(grpc::StatusCode::CANCELLED, "");
  }

  void Intercept(grpc::experimental::InterceptorBatchMethods* methods) override {
    // A request that failed to deserialize reaches this hook without a message; the handler is
    // then skipped and gRPC sends INTERNAL, which we rewrite below. (Only whether a message was
    // decoded is looked at, never the message.)
    if (methods->QueryInterceptionHookPoint(InterceptionHookPoints::POST_RECV_MESSAGE) &&
        methods->GetRecvMessage() == nullptr) {
      undecodable_ = true;
    }
    if (!recorded_ && methods->QueryInterceptionHookPoint(InterceptionHookPoints::PRE_SEND_STATUS)) {
      if (undecodable_ && methods->GetSendStatus().error_code() == grpc::StatusCode::INTERNAL) {
        methods->ModifySendStatus(MalformedRequest(method_));
        if (auto* trailers = methods->GetSendTrailingMetadata(); trailers != nullptr) {
          trailers->emplace(std::string(kErrorReasonMetadataKey), reason::kMalformedRequest);
        }
      }
      const grpc::StatusCode code = methods->GetSendStatus().error_code();
      std::string reason;
      if (code != grpc::StatusCode::OK) {
        if (const auto* trailers = methods->GetSendTrailingMetadata(); trailers != nullptr) {
          auto it = trailers->find(std::string(kErrorReasonMetadataKey));
          if (it != trailers->end() && IsReasonConstant(it->second)) reason = it->second;
        }
      }
      Finish(code, reason);
    }
    methods->Proceed();
  }

 private:
  void Finish(grpc::StatusCode code, absl::string_view reason) {
    recorded_ = true;
    const std::chrono::duration<double> elapsed = std::chrono::steady_clock::now() - start_;
    observer_->Record(metrics_, code, reason, elapsed.count());
  }

  RpcObserver* const observer_;
  RpcObserver::MethodMetrics* const metrics_;
  const char* const method_;  // owned by gRPC for the life of the call
  const std::chrono::steady_clock::time_point start_;
  bool recorded_ = false;
  bool undecodable_ = false;
};

}  // namespace

RpcObserver::RpcObserver(prometheus::Registry& registry)
    : handled_(prometheus::BuildCounter()
                   .Name("parley_grpc_server_handled_total")
                   .Help("RPCs completed on the server, by gRPC service, method and status code.")
                   .Register(registry)),
      handling_(prometheus::BuildHistogram()
                    .Name("parley_grpc_server_handling_seconds")
                    .Help("Time from the start of an RPC to its status, by gRPC service and method.")
                    .Register(registry)) {}

void RpcObserver::SetKnownServices(const std::vector<std::string>& services) {
  absl::MutexLock lock(&mu_);
  known_services_.insert(services.begin(), services.end());
  known_services_.insert("grpc.health.v1.Health");  // registered by gRPC itself, not listed
}

grpc::experimental::Interceptor* RpcObserver::CreateServerInterceptor(grpc::experimental::ServerRpcInfo* info) {
  return new ObservingInterceptor(this, MetricsFor(info->method()), info->method());
}

RpcObserver::MethodMetrics* RpcObserver::MetricsFor(const char* method_cstr) {
  const absl::string_view method = method_cstr != nullptr ? method_cstr : "";
  {
    absl::ReaderMutexLock lock(&mu_);
    auto it = methods_.find(method);
    if (it != methods_.end()) return it->second.get();
  }
  // "/package.Service/Method"
  absl::string_view service_label = "unknown";
  absl::string_view method_label = "unknown";
  const size_t slash = method.find('/', 1);
  if (method.size() > 2 && method[0] == '/' && slash != absl::string_view::npos && slash + 1 < method.size()) {
    service_label = method.substr(1, slash - 1);
    method_label = method.substr(slash + 1);
  }
  absl::MutexLock lock(&mu_);
  const bool known = known_services_.contains(service_label);
  if (!known) {
    if (unknown_ == nullptr) {
      auto metrics = std::make_unique<MethodMetrics>();
      metrics->method = "unknown";
      metrics->service_label = "unknown";
      metrics->method_label = "unknown";
      metrics->latency = &handling_.Add({{"service", "unknown"}, {"method", "unknown"}}, metrics::LatencyBuckets());
      unknown_ = metrics.get();
      methods_.emplace("\x01unknown", std::move(metrics));  // owned, never matched by a method
    }
    return unknown_;
  }
  auto& slot = methods_[method];
  if (slot == nullptr) {
    slot = std::make_unique<MethodMetrics>();
    slot->method = std::string(method);
    slot->service_label = std::string(service_label);
    slot->method_label = std::string(method_label);
    slot->latency =
        &handling_.Add({{"service", slot->service_label}, {"method", slot->method_label}}, metrics::LatencyBuckets());
  }
  return slot.get();
}

void RpcObserver::Record(MethodMetrics* metrics, grpc::StatusCode code, absl::string_view reason, double seconds) {
  int index = static_cast<int>(code);
  if (index < 0 || index >= kNumCodes) index = static_cast<int>(grpc::StatusCode::UNKNOWN);
  const auto status_code = static_cast<absl::StatusCode>(index);
  prometheus::Counter* counter = metrics->handled[index].load(std::memory_order_acquire);
  if (counter == nullptr) {
    // Family::Add is thread-safe and returns the same child for the same labels, so a race here
    // only costs a second lookup.
    counter = &handled_.Add({{"service", metrics->service_label},
                             {"method", metrics->method_label},
                             {"code", absl::StatusCodeToString(status_code)}});
    metrics->handled[index].store(counter, std::memory_order_release);
  }
  counter->Increment();
  metrics->latency->Observe(seconds);

  // A call that succeeded is logged at debug, off at the default level: its fields are not even
  // built then.
  const log::Level level = LevelFor(code);
  if (!log::Enabled(level)) return;
  nlohmann::json fields = {{"method", metrics->method},
                           {"code", absl::StatusCodeToString(status_code)},
                           {"duration_ms", static_cast<int64_t>(seconds * 1e6) / 1e3}};
  if (!reason.empty()) fields["reason"] = std::string(reason);
  log::Write(level, "rpc", fields);
}

}  // namespace parley::server::internal
