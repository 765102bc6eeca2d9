#include "services/appointments/testing/api_harness.h"

#include <cstdlib>
#include <iostream>
#include <utility>

#include "absl/strings/str_format.h"
#include "absl/strings/string_view.h"
#include "common/auth/testing/test_keys.h"
#include "common/grpc/timestamp.h"
#include "grpcpp/support/client_interceptor.h"

namespace parley::appointments::testing {

constexpr char kIssuer[] = "parley-test";
constexpr char kAudience[] = "parley";

std::ostream& operator<<(std::ostream& os, const ApiOutcome& o) {
  return os << o.code << " " << o.reason << " (" << o.message << ")";
}

v1::TimeRange Range(absl::Time start, absl::Time end) {
  v1::TimeRange r;
  *r.mutable_start_time() = ToTimestamp(start);
  *r.mutable_end_time() = ToTimestamp(end);
  return r;
}

// Notes the method of every call on the channel; intercepts nothing.
class ApiHarness::MethodRecorder final : public grpc::experimental::ClientInterceptorFactoryInterface {
 public:
  explicit MethodRecorder(ApiHarness* harness) : harness_(harness) {}
  grpc::experimental::Interceptor* CreateClientInterceptor(grpc::experimental::ClientRpcInfo* info) override {
    harness_->Record(info->method());
    return nullptr;
  }

 private:
  ApiHarness* harness_;
};

ApiHarness::ApiHarness(absl::Time now) : clock_(now) {
  const auth::testing::KeyPair keys = auth::testing::GenerateEcP256();
  auth::VerifierOptions options;
  options.public_keys_pem = {keys.public_pem};
  options.issuer = kIssuer;
  options.audience = kAudience;
  auto verifier = auth::Verifier::Create(options);
  auto signer = auth::Signer::Create({keys.private_pem, kIssuer, kAudience, nullptr});
  if (!verifier.ok() || !signer.ok()) {
    std::cerr << "api harness: no verifier or signer: " << verifier.status() << " " << signer.status() << "\n";
    std::abort();
  }
  verifier_ = *std::move(verifier);
  signer_ = *std::move(signer);
}

ApiHarness::~ApiHarness() { Stop(); }

void ApiHarness::Stop() {
  if (server_) server_->Shutdown();
}

void ApiHarness::Start(const Services& services) {
  api_ = std::make_unique<AppointmentsApi>(services, verifier_.get());
  grpc::ServerBuilder builder;
  builder.RegisterService(api_.get());
  server_ = builder.BuildAndStart();
  std::vector<std::unique_ptr<grpc::experimental::ClientInterceptorFactoryInterface>> recorders;
  recorders.push_back(std::make_unique<MethodRecorder>(this));
  stub_ = v1::AppointmentsService::NewStub(
      server_->experimental().InProcessChannelWithInterceptors(grpc::ChannelArguments(), std::move(recorders)));
}

std::string ApiHarness::Token(const std::string& subject, std::vector<std::string> roles,
                              std::vector<std::string> schools) {
  auth::Principal p;
  p.subject = subject;
  p.roles = std::move(roles);
  p.schools = std::move(schools);
  return *signer_->Mint(p, absl::Minutes(10));
}

std::string ApiHarness::RequestId() { return absl::StrFormat("00000000-0000-4000-8000-%012d", ++request_ids_); }

std::set<std::string> ApiHarness::called_methods() const {
  absl::MutexLock lock(&mu_);
  return called_;
}

std::string ApiHarness::last_method() const {
  absl::MutexLock lock(&mu_);
  return last_;
}

ApiOutcome ApiHarness::OutcomeOf(const grpc::Status& status, const grpc::ClientContext& ctx) {
  ApiOutcome out;
  out.code = status.error_code();
  out.message = status.error_message();
  const auto& trailers = ctx.GetServerTrailingMetadata();
  auto it = trailers.find("parley-error-reason");
  if (it != trailers.end()) out.reason = std::string(it->second.data(), it->second.size());
  return out;
}

void ApiHarness::Record(const std::string& full_method) {
  // "/parley.appointments.v1.AppointmentsService/GetBooking" → "GetBooking"
  const absl::string_view name = absl::string_view(full_method).substr(full_method.rfind('/') + 1);
  absl::MutexLock lock(&mu_);
  called_.emplace(name);
  last_ = std::string(name);
}

}  // namespace parley::appointments::testing
