// echo_bench: how fast the Parley server machinery answers a trivial RPC, what bearer-token
// authentication adds to it, and how far both are from gRPC itself.
//
//   echo_bench                          start a Server in this process and measure it
//   echo_bench --target=host:50051      measure a running service's Diagnostics Echo
//   echo_bench --tls_dir=DIR            the same over mutual TLS: DIR as scripts/tls-certs.sh DIR
//                                       service client makes it (the server presents service.crt,
//                                       the client client.crt; both trust ca.crt)
//   echo_bench --blocking_client        drive the calls from a thread per call in flight (the old
//                                       harness) instead of the asynchronous client
//
// Prints one line per (call, in-flight) pair: req/s, p50, p90, p99, CPU of the process per call.
// In-process runs measure three servers in turn, at each level:
//   - "bare_echo": the physical reference, a plain grpc::Server in this process serving the same
//     Echo through the callback API (ServerUnaryReactor), with no interceptors, no auth, no
//     metrics, no health or reflection;
//   - "echo": Parley's Diagnostics Echo on a server::Server (sync API, interceptor, metrics, log);
//   - "auth_echo": the same Echo behind Verifier::Authenticate and the access model's check at a
//     school (auth::Grant::At) with a cached ES256 token, i.e. what every real RPC pays before its
//     own work.
// Parley's figures are also printed as a share of bare_echo's req/s from the same round. On a
// shared machine use --rounds=5: the three alternate, and the medians are printed at the end.
#include <algorithm>
#include <cstdio>
#include <memory>
#include <string>
#include <vector>

#include "CLI/CLI.hpp"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
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
#include "grpcpp/security/tls_certificate_provider.h"
#include "grpcpp/security/tls_credentials_options.h"
#include "grpcpp/support/client_callback.h"
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

// The reference: Echo on the callback API, answered inline on gRPC's own thread.
class BareEchoService final : public parley::diagnostics::v1::DiagnosticsService::CallbackService {
  grpc::ServerUnaryReactor* Echo(grpc::CallbackServerContext* ctx, const EchoRequest* request,
                                 EchoResponse* response) override {
    response->set_payload(request->payload());
    grpc::ServerUnaryReactor* reactor = ctx->DefaultReactor();
    reactor->Finish(grpc::Status::OK);
    return reactor;
  }
};

// The same transport security as the Parley server under test (server.cc), so the two differ
// by what runs around the handler only.
std::shared_ptr<grpc::ServerCredentials> BareCredentials(const std::string& tls_dir) {
  if (tls_dir.empty()) return grpc::InsecureServerCredentials();
  auto provider = std::make_shared<grpc::experimental::FileWatcherCertificateProvider>(
      tls_dir + "/service.key", tls_dir + "/service.crt", tls_dir + "/ca.crt", 60);
  grpc::experimental::TlsServerCredentialsOptions options(provider);
  options.watch_identity_key_cert_pairs();
  options.watch_root_certs();
  options.set_cert_request_type(GRPC_SSL_REQUEST_CLIENT_CERTIFICATE_AND_VERIFY);
  return grpc::experimental::TlsServerCredentials(options);
}

struct Flags {
  std::string target;
  double seconds = 3;
  std::string in_flight = "1,16,64";
  int payload_bytes = 16;
  int max_threads = 256;  // PARLEY_GRPC_MAX_THREADS' default in every service
  std::string tls_dir;
  bool blocking_client = false;
  std::string calls = "bare_echo,echo,auth_echo";
  int rounds = 1;
};

// Each figure's median over rounds, taken separately (req/s, each percentile, cpu/call).
LoadResult Median(std::vector<LoadResult> runs) {
  LoadResult m = runs[runs.size() / 2];
  auto median_of = [&](auto field) {
    std::sort(runs.begin(), runs.end(), [&](const LoadResult& a, const LoadResult& b) { return a.*field < b.*field; });
    return runs[runs.size() / 2].*field;
  };
  m.requests_per_second = median_of(&LoadResult::requests_per_second);
  m.p50 = median_of(&LoadResult::p50);
  m.p90 = median_of(&LoadResult::p90);
  m.p99 = median_of(&LoadResult::p99);
  m.max = median_of(&LoadResult::max);
  m.cpu_per_call = median_of(&LoadResult::cpu_per_call);
  m.errors = median_of(&LoadResult::errors);
  return m;
}

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
  BareEchoService bare_service;
  std::unique_ptr<grpc::Server> bare_server;
  int bare_port = 0;
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

    grpc::ServerBuilder builder;
    builder.AddListeningPort("127.0.0.1:0", BareCredentials(flags.tls_dir), &bare_port);
    builder.RegisterService(&bare_service);
    bare_server = builder.BuildAndStart();
    if (bare_server == nullptr || bare_port == 0) {
      std::fprintf(stderr, "echo_bench: the bare echo server did not start\n");
      return 1;
    }
  }

  std::printf("target=%s payload=%dB seconds=%.1f%s%s client=%s\n", target.c_str(), flags.payload_bytes, flags.seconds,
              server != nullptr ? " (in-process server)" : "", flags.tls_dir.empty() ? "" : " tls",
              flags.blocking_client ? "blocking" : "async");
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

  // Each call as the blocking harness makes it, and as the asynchronous one starts it. auth_echo
  // takes the same client path as the generated stub, so the figures differ by the server only.
  auto echo = [&]() {
    grpc::ClientContext ctx;
    ctx.set_deadline(absl::ToChronoTime(absl::Now() + absl::Seconds(5)));
    EchoResponse response;
    return stub->Echo(&ctx, request, &response);
  };
  auto authed_echo = [&]() {
    grpc::ClientContext ctx;
    ctx.set_deadline(absl::ToChronoTime(absl::Now() + absl::Seconds(5)));
    ctx.AddMetadata("authorization", authorization);
    EchoResponse response;
    return grpc::internal::BlockingUnaryCall<EchoRequest, EchoResponse>(channel.get(), auth_method, &ctx, request,
                                                                        &response);
  };
  const StartCall async_echo =
      CallbackUnary<EchoResponse>([&](grpc::ClientContext* ctx, EchoResponse* response, Done done) {
        stub->async()->Echo(ctx, &request, response, std::move(done));
      });
  const StartCall async_authed_echo =
      CallbackUnary<EchoResponse>([&](grpc::ClientContext* ctx, EchoResponse* response, Done done) {
        ctx->AddMetadata("authorization", authorization);
        grpc::internal::CallbackUnaryCall<EchoRequest, EchoResponse>(channel.get(), auth_method, ctx, &request,
                                                                     response, std::move(done));
      });
  std::shared_ptr<grpc::Channel> bare_channel;
  std::unique_ptr<parley::diagnostics::v1::DiagnosticsService::Stub> bare_stub;
  if (bare_server != nullptr) {
    bare_channel = client::MakeChannel(absl::StrCat("127.0.0.1:", bare_port), tls);
    bare_stub = parley::diagnostics::v1::DiagnosticsService::NewStub(bare_channel);
  }
  auto bare_echo = [&]() {
    grpc::ClientContext ctx;
    ctx.set_deadline(absl::ToChronoTime(absl::Now() + absl::Seconds(5)));
    EchoResponse response;
    return bare_stub->Echo(&ctx, request, &response);
  };
  const StartCall async_bare_echo =
      CallbackUnary<EchoResponse>([&](grpc::ClientContext* ctx, EchoResponse* response, Done done) {
        bare_stub->async()->Echo(ctx, &request, response, std::move(done));
      });

  const absl::Duration duration = absl::Seconds(flags.seconds);
  const std::vector<std::string> calls = absl::StrSplit(flags.calls, ',', absl::SkipEmpty());
  auto wanted = [&](absl::string_view call) { return std::find(calls.begin(), calls.end(), call) != calls.end(); };
  if (!wanted("bare_echo")) bare_stub.reset();
  struct Kind {
    std::string label;
    std::function<grpc::Status()> blocking;
    const StartCall* async;
  };
  std::vector<Kind> kinds;
  if (bare_stub != nullptr) kinds.push_back({"bare_echo", bare_echo, &async_bare_echo});
  if (wanted("echo")) kinds.push_back({"echo", echo, &async_echo});
  if (verifier != nullptr && wanted("auth_echo")) kinds.push_back({"auth_echo", authed_echo, &async_authed_echo});
  auto share = [&](const LoadResult& r, const LoadResult& bare) {
    if (bare_stub == nullptr || bare.requests_per_second <= 0) return std::string();
    return absl::StrFormat("  (%.0f%% of bare_echo req/s, +%.1fus cpu/call)",
                           100.0 * r.requests_per_second / bare.requests_per_second,
                           absl::ToDoubleMicroseconds(r.cpu_per_call - bare.cpu_per_call));
  };
  for (int level : levels) {
    // results[kind][round]: the kinds alternate within a round, so that a neighbour's build on a
    // shared machine disturbs all of them alike; the medians over rounds are printed last.
    std::vector<std::vector<LoadResult>> results(kinds.size());
    for (int round = 0; round < flags.rounds; ++round) {
      for (size_t k = 0; k < kinds.size(); ++k) {
        results[k].push_back(flags.blocking_client ? RunLoad(level, duration, kinds[k].blocking)
                                                   : RunAsyncLoad(level, duration, *kinds[k].async));
        const LoadResult& bare = bare_stub != nullptr ? results[0].back() : LoadResult{};
        std::printf("%s%s\n", FormatResult(kinds[k].label, results[k].back()).c_str(),
                    k == 0 ? "" : share(results[k].back(), bare).c_str());
        std::fflush(stdout);
      }
    }
    if (flags.rounds > 1) {
      std::vector<LoadResult> medians;
      for (size_t k = 0; k < kinds.size(); ++k) medians.push_back(Median(results[k]));
      for (size_t k = 0; k < kinds.size(); ++k) {
        std::printf("median %s%s\n", FormatResult(kinds[k].label, medians[k]).c_str(),
                    k == 0 ? "" : share(medians[k], medians[0]).c_str());
      }
      std::fflush(stdout);
    }
  }
  if (bare_server != nullptr) bare_server->Shutdown(absl::ToChronoTime(absl::Now() + absl::Seconds(1)));
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
  app.add_option("--rounds", flags.rounds, "measure each level this many times, alternating, and print medians")
      ->check(CLI::PositiveNumber);
  app.add_option("--calls", flags.calls, "which of bare_echo,echo,auth_echo to measure (for profiling one)");
  app.add_flag("--blocking_client", flags.blocking_client, "a blocking call per thread instead of the async client");
  CLI11_PARSE(app, argc, argv);
  return parley::bench::Run(flags);
}
