// echo_bench: how fast the Parley server machinery answers a trivial RPC, and what bearer-token
// authentication adds to it.
//
//   echo_bench                          start a Server in this process and measure it
//   echo_bench --target=host:50051      measure a running service's Diagnostics Echo
//   echo_bench --tls_dir=DIR            the same over mutual TLS: DIR as scripts/tls-certs.sh DIR
//                                       service client makes it (the server presents service.crt,
//                                       the client client.crt; both trust ca.crt)
//
// Prints one line per (call, in-flight) pair: req/s, p50, p90, p99. In-process runs also measure
// "auth_echo": the same Echo behind Verifier::Authenticate and the access model's check at a
// school (auth::Grant::At) with a cached ES256 token, i.e. what every real RPC pays before its
// own work, and print it as a share of Echo.
#include <cstdio>
#include <memory>
#include <string>
#include <vector>

#include "CLI/CLI.hpp"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "absl/time/clock.h"
#include "bench/common/load.h"
#include "common/auth/auth.h"
#include "common/auth/testing/test_keys.h"
#include "common/grpc/client.h"
#include "common/grpc/server.h"
#include "common/log/log.h"
#include "common/status/grpc_status.h"
#include "grpcpp/grpcpp.h"
#include "grpcpp/impl/client_unary_call.h"
#include "grpcpp/impl/rpc_method.h"
#include "grpcpp/support/method_handler.h"
#include "parley/diagnostics/v1/diagnostics.grpc.pb.h"

namespace parley::bench {
namespace {

using parley::diagnostics::v1::EchoRequest;
using parley::diagnostics::v1::EchoResponse;

constexpr char kAuthEchoMethod[] = "/parley.bench.v1.AuthEcho/Echo";

// Echo behind the authentication and tenancy check a real handler starts with. Assembled by
// hand (same message types as Diagnostics) so the benchmark needs no proto of its own.
class AuthEchoService final : public grpc::Service {
 public:
  explicit AuthEchoService(const auth::Verifier* verifier) : verifier_(verifier) {
    AddMethod(new grpc::internal::RpcServiceMethod(
        kAuthEchoMethod, grpc::internal::RpcMethod::NORMAL_RPC,
        new grpc::internal::RpcMethodHandler<AuthEchoService, EchoRequest, EchoResponse, grpc::protobuf::MessageLite,
                                             grpc::protobuf::MessageLite>(
            [](AuthEchoService* self, grpc::ServerContext* ctx, const EchoRequest* request, EchoResponse* response) {
              return self->Echo(ctx, request, response);
            },
            this)));
  }

 private:
  grpc::Status Echo(grpc::ServerContext* ctx, const EchoRequest* request, EchoResponse* response) {
    absl::StatusOr<auth::Principal> caller = verifier_->Authenticate(*ctx);
    if (!caller.ok()) return ToGrpcStatus(caller.status(), ctx);
    const auth::Grant grant(*caller, {auth::Resource::kSchool, auth::Verb::kRead});
    if (absl::Status allowed = grant.At("st-marys").status(); !allowed.ok()) return ToGrpcStatus(allowed, ctx);
    response->set_payload(request->payload());
    return grpc::Status::OK;
  }

  const auth::Verifier* verifier_;
};

struct Flags {
  std::string target;
  double seconds = 3;
  std::string in_flight = "1,16,64";
  int payload_bytes = 16;
  int max_threads = 64;
  std::string tls_dir;
};

int Run(const Flags& flags) {
  std::vector<int> levels;
  for (absl::string_view item : absl::StrSplit(flags.in_flight, ',', absl::SkipEmpty())) {
    int n;
    if (!absl::SimpleAtoi(item, &n) || n <= 0) {
      std::fprintf(stderr, "echo_bench: bad --in_flight item '%s'\n", std::string(item).c_str());
      return 2;
    }
    levels.push_back(n);
  }

  log::SetMinLevel(log::Level::kWarning);
  std::unique_ptr<server::Server> server;
  std::unique_ptr<auth::Verifier> verifier;
  std::unique_ptr<AuthEchoService> auth_echo;
  std::string token;
  std::string target = flags.target;
  if (target.empty()) {
    const auth::testing::KeyPair key = auth::testing::GenerateEcP256();
    auth::VerifierOptions vopts;
    vopts.public_keys_pem = {key.public_pem};
    vopts.issuer = "bench";
    vopts.audience = "parley";
    verifier = *auth::Verifier::Create(vopts);
    auth::SignerOptions sopts;
    sopts.private_key_pem = key.private_pem;
    sopts.issuer = "bench";
    sopts.audience = "parley";
    token =
        *(*auth::Signer::Create(sopts))->Mint(auth::Principal{"staff-1", {"teacher"}, {"st-marys"}}, absl::Hours(1));
    auth_echo = std::make_unique<AuthEchoService>(verifier.get());

    server::ServerOptions options;
    options.service_name = "echo-bench";
    options.listen_address = "127.0.0.1:0";
    options.metrics_address = "";
    options.max_threads = flags.max_threads;
    options.not_serving_delay = absl::ZeroDuration();
    if (!flags.tls_dir.empty()) {
      options.tls.cert_file = flags.tls_dir + "/service.crt";
      options.tls.key_file = flags.tls_dir + "/service.key";
      options.tls.ca_file = flags.tls_dir + "/ca.crt";
      options.tls.client_auth = TlsClientAuth::kOptional;
    }
    server = std::make_unique<server::Server>(options);
    server->AddService(auth_echo.get());
    if (absl::Status started = server->Start(); !started.ok()) {
      std::fprintf(stderr, "echo_bench: %s\n", started.ToString().c_str());
      return 1;
    }
    target = absl::StrCat("127.0.0.1:", server->port());
  }

  std::printf("target=%s payload=%dB seconds=%.1f%s%s\n", target.c_str(), flags.payload_bytes, flags.seconds,
              server != nullptr ? " (in-process server)" : "", flags.tls_dir.empty() ? "" : " tls");
  TlsSettings tls;
  if (!flags.tls_dir.empty()) {
    tls.ca_file = flags.tls_dir + "/ca.crt";
    tls.cert_file = flags.tls_dir + "/client.crt";
    tls.key_file = flags.tls_dir + "/client.key";
  }
  auto channel = client::MakeChannel(target, tls);
  auto stub = parley::diagnostics::v1::DiagnosticsService::NewStub(channel);
  EchoRequest request;
  request.set_payload(std::string(static_cast<size_t>(flags.payload_bytes), 'x'));
  const std::string authorization = absl::StrCat("Bearer ", token);
  const grpc::internal::RpcMethod auth_method(kAuthEchoMethod, grpc::internal::RpcMethod::NORMAL_RPC);

  auto echo = [&]() {
    grpc::ClientContext ctx;
    ctx.set_deadline(absl::ToChronoTime(absl::Now() + absl::Seconds(5)));
    EchoResponse response;
    return stub->Echo(&ctx, request, &response);
  };
  // The same client path as the generated stub, so the two figures differ by the server's auth
  // only.
  auto authed_echo = [&]() {
    grpc::ClientContext ctx;
    ctx.set_deadline(absl::ToChronoTime(absl::Now() + absl::Seconds(5)));
    ctx.AddMetadata("authorization", authorization);
    EchoResponse response;
    return grpc::internal::BlockingUnaryCall<EchoRequest, EchoResponse>(channel.get(), auth_method, &ctx, request,
                                                                        &response);
  };

  const absl::Duration duration = absl::Seconds(flags.seconds);
  for (int level : levels) {
    LoadResult plain = RunLoad(level, duration, echo);
    std::printf("%s\n", FormatResult("echo", plain).c_str());
    if (verifier != nullptr) {
      LoadResult authed = RunLoad(level, duration, authed_echo);
      std::printf("%s  (%.0f%% of echo req/s, +%.1fus cpu/call)\n", FormatResult("auth_echo", authed).c_str(),
                  100.0 * authed.requests_per_second / plain.requests_per_second,
                  absl::ToDoubleMicroseconds(authed.cpu_per_call - plain.cpu_per_call));
    }
    std::fflush(stdout);
  }
  if (server != nullptr) server->Shutdown();
  return 0;
}

}  // namespace
}  // namespace parley::bench

int main(int argc, char** argv) {
  parley::bench::Flags flags;
  CLI::App app("Drives DiagnosticsService.Echo at several concurrency levels and prints req/s and latency.");
  app.add_option("--target", flags.target, "host:port of a running service (default: in-process server)");
  app.add_option("--seconds", flags.seconds, "measured seconds per level")->check(CLI::PositiveNumber);
  app.add_option("--in_flight", flags.in_flight, "comma-separated concurrency levels");
  app.add_option("--payload", flags.payload_bytes, "Echo payload size in bytes")->check(CLI::NonNegativeNumber);
  app.add_option("--max_threads", flags.max_threads, "in-process server thread cap")->check(CLI::PositiveNumber);
  app.add_option("--tls_dir", flags.tls_dir, "mutual TLS with the CA and certificates scripts/tls-certs.sh made here");
  CLI11_PARSE(app, argc, argv);
  return parley::bench::Run(flags);
}
