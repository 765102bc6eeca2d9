#include "common/bootstrap/bootstrap.h"

#include "gtest/gtest.h"

namespace parley::bootstrap {
namespace {

TEST(BootstrapTest, ServeIsTheDefaultMigrateIsAskedForAnythingElseIsAUsageError) {
  char binary[] = "parley-test";
  char serve[] = "serve";
  char migrate[] = "migrate";
  char other[] = "migrat";
  char* none[] = {binary};
  char* with_serve[] = {binary, serve};
  char* with_migrate[] = {binary, migrate};
  char* with_other[] = {binary, other};
  char* too_many[] = {binary, migrate, serve};
  EXPECT_EQ(ParseMigrateOnly(1, none, "parley-test"), false);
  EXPECT_EQ(ParseMigrateOnly(2, with_serve, "parley-test"), false);
  EXPECT_EQ(ParseMigrateOnly(2, with_migrate, "parley-test"), true);
  EXPECT_EQ(ParseMigrateOnly(2, with_other, "parley-test"), std::nullopt);
  EXPECT_EQ(ParseMigrateOnly(3, too_many, "parley-test"), std::nullopt);
}

TEST(BootstrapTest, ABadRedisAddressNamesTheVariable) {
  absl::StatusOr<std::unique_ptr<redis::Client>> client = ConnectRedis("no-port-here");
  EXPECT_EQ(client.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_NE(client.status().message().find("PARLEY_REDIS_ADDR"), absl::string_view::npos);
}

TEST(BootstrapTest, ServerOptionsComeFromTheSettings) {
  ServiceSettings settings;
  settings.grpc_address = "127.0.0.1:50052";
  settings.metrics_address = "127.0.0.1:9092";
  settings.max_threads = 64;
  settings.tls.cert_file = "/tls/tls.crt";
  settings.tls.key_file = "/tls/tls.key";
  settings.tls.ca_file = "/tls/ca.crt";
  settings.tls.client_auth = TlsClientAuth::kRequire;
  const server::ServerOptions options = ServerOptionsFor(settings, "conduct");
  EXPECT_EQ(options.tls.cert_file, "/tls/tls.crt");
  EXPECT_EQ(options.tls.key_file, "/tls/tls.key");
  EXPECT_EQ(options.tls.ca_file, "/tls/ca.crt");
  EXPECT_EQ(options.tls.client_auth, TlsClientAuth::kRequire);
  EXPECT_EQ(options.service_name, "conduct");
  EXPECT_EQ(options.listen_address, "127.0.0.1:50052");
  EXPECT_EQ(options.metrics_address, "127.0.0.1:9092");
  EXPECT_EQ(options.max_threads, 64);
}

TEST(BootstrapTest, AVerifierNeedsItsKeyFiles) {
  ServiceSettings settings;
  settings.jwt_public_key_files = {"/nonexistent/jwt-public.pem"};
  settings.jwt_issuer = "parley-local";
  settings.jwt_audience = "parley";
  EXPECT_FALSE(CallerVerifier(settings).ok());
}

TEST(BootstrapTest, FailReturnsExitCodeOne) { EXPECT_EQ(Fail("parley-test", absl::UnavailableError("down")), 1); }

}  // namespace
}  // namespace parley::bootstrap
