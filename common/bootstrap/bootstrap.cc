#include "common/bootstrap/bootstrap.h"

#include <cstdio>
#include <utility>

#include <future>

#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "common/config/env.h"
#include "common/config/tls_settings.h"
#include "common/grpc/client.h"
#include "common/log/log.h"
#include "grpcpp/generic/generic_stub.h"
#include "grpcpp/support/byte_buffer.h"

namespace parley::bootstrap {

std::optional<bool> ParseMigrateOnly(int argc, char** argv, absl::string_view binary) {
  const std::string command = argc > 1 ? argv[1] : "serve";
  if (argc > 2 || (command != "serve" && command != "migrate")) {
    std::fprintf(stderr, "usage: %s [serve|migrate|probe [liveness]]\n", std::string(binary).c_str());
    return std::nullopt;
  }
  return command == "migrate";
}

std::optional<int> RunProbe(int argc, char** argv, absl::string_view binary, int default_port) {
  if (argc < 2 || std::string(argv[1]) != "probe") return std::nullopt;
  const std::string name(binary);
  if (argc > 3) {
    std::fprintf(stderr, "usage: %s probe [health-name]\n", name.c_str());
    return 2;
  }
  const std::string health_name = argc == 3 ? argv[2] : "";
  if (health_name.size() > 127) {
    std::fprintf(stderr, "%s probe: health name too long\n", name.c_str());
    return 2;
  }
  EnvReader env;
  const int64_t port = env.Int("PARLEY_GRPC_PORT", default_port, 1, 65535);
  TlsSettings tls;
  ReadTlsSettings(env, tls);
  absl::Status status = env.Finish();
  if (status.ok()) status = CheckTlsSettings(tls);
  if (!status.ok()) {
    std::fprintf(stderr, "%s probe: %s\n", name.c_str(), std::string(status.message()).c_str());
    return 1;
  }
  // The certificate names 127.0.0.1 (docs/deploy.md, "TLS"), which is what the probe checks.
  std::shared_ptr<grpc::Channel> channel = client::MakeChannel(absl::StrCat("127.0.0.1:", port), tls, 1 << 20);
  grpc::GenericStub stub(channel);
  grpc::ClientContext ctx;
  ctx.set_deadline(absl::ToChronoTime(absl::Now() + absl::Seconds(2)));
  // grpc.health.v1.HealthCheckRequest { string service = 1; }, encoded by hand (no proto shipped).
  std::string request_bytes;
  if (!health_name.empty()) {
    request_bytes.push_back(0x0a);
    request_bytes.push_back(static_cast<char>(health_name.size()));
    request_bytes += health_name;
  }
  grpc::Slice slice(request_bytes);
  grpc::ByteBuffer request(&slice, 1);
  grpc::ByteBuffer response;
  std::promise<grpc::Status> done;
  stub.UnaryCall(&ctx, "/grpc.health.v1.Health/Check", grpc::StubOptions(), &request, &response,
                 [&done](grpc::Status s) { done.set_value(std::move(s)); });
  const grpc::Status call = done.get_future().get();
  if (!call.ok()) {
    std::fprintf(stderr, "%s probe: health check failed: %s\n", name.c_str(), call.error_message().c_str());
    return 1;
  }
  std::vector<grpc::Slice> slices;
  std::string bytes;
  if (response.Dump(&slices).ok()) {
    for (const grpc::Slice& s : slices) bytes.append(reinterpret_cast<const char*>(s.begin()), s.size());
  }
  // HealthCheckResponse { ServingStatus status = 1; }: SERVING is field 1, varint 1.
  if (bytes != std::string("\x08\x01", 2)) {
    std::fprintf(stderr, "%s probe: not serving\n", name.c_str());
    return 1;
  }
  return 0;
}

void SetUpLogging(absl::string_view service, const std::string& level) {
  log::SetService(std::string(service));
  log::Level parsed = log::Level::kInfo;
  log::ParseLevel(level, &parsed);
  log::SetMinLevel(parsed);
}

int Fail(absl::string_view binary, const absl::Status& status) {
  log::Error("startup_failed",
             {{"code", absl::StatusCodeToString(status.code())}, {"message", std::string(status.message())}});
  std::fprintf(stderr, "%s: %s\n", std::string(binary).c_str(), std::string(status.message()).c_str());
  return 1;
}

absl::StatusOr<std::unique_ptr<pg::Pool>> OpenPool(const std::string& dsn, int size, absl::string_view binary) {
  pg::PoolOptions options;
  options.dsn = dsn;
  options.size = size;
  options.application_name = std::string(binary);
  return pg::Pool::Create(options);
}

absl::Status Migrate(pg::Pool& pool, const std::vector<MigrationSet>& sets) {
  size_t count = 0;
  for (const MigrationSet& set : sets) {
    absl::Status s = pg::ApplyMigrations(pool, set.service, *set.migrations);
    if (!s.ok()) return s;
    count += set.migrations->size();
  }
  log::Info("migrations_applied", {{"count", count}});
  return absl::OkStatus();
}

absl::StatusOr<std::unique_ptr<redis::Client>> ConnectRedis(const std::string& address) {
  absl::StatusOr<redis::RedisOptions> options = redis::ParseAddress(address);
  if (!options.ok()) return absl::InvalidArgumentError("PARLEY_REDIS_ADDR must be host:port");
  return redis::Client::Connect(*options);
}

absl::StatusOr<std::unique_ptr<auth::Verifier>> CallerVerifier(const ServiceSettings& settings) {
  return auth::VerifierFromKeyFiles(settings.jwt_public_key_files, settings.jwt_issuer, settings.jwt_audience);
}

absl::StatusOr<std::unique_ptr<auth::ServiceIdentity>> PeerIdentity(const ServiceSettings& settings,
                                                                    const std::string& key_file,
                                                                    absl::string_view service) {
  return auth::ServiceIdentityFromKeyFile(key_file, settings.jwt_issuer, settings.jwt_audience, std::string(service));
}

server::ServerOptions ServerOptionsFor(const ServiceSettings& settings, absl::string_view service) {
  server::ServerOptions options;
  options.service_name = std::string(service);
  options.listen_address = settings.grpc_address;
  options.metrics_address = settings.metrics_address;
  options.max_threads = settings.max_threads;
  options.tls = settings.tls;
  return options;
}

absl::StatusOr<std::unique_ptr<timer::Worker>> TimerWorker(pg::Pool* pool, redis::Client* redis,
                                                           const std::string& redis_namespace,
                                                           absl::string_view service, int threads,
                                                           prometheus::Registry* registry) {
  timer::WorkerOptions options;
  options.redis_key_prefix = absl::StrCat(redis_namespace, ":", service, ":");
  options.threads = threads;
  return timer::Worker::Create(pool, redis, options, registry);
}

}  // namespace parley::bootstrap
