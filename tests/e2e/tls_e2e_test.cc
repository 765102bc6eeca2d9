// End to end: the built parley-contacts binary serving TLS (docs/deploy.md, "TLS"). A plaintext
// client and a client that trusts a different CA are refused; with PARLEY_TLS_CLIENT_AUTH=require
// only a client presenting a certificate the CA signed gets in; a rotated certificate is served
// without a restart; the Kubernetes probe command passes over TLS; PARLEY_TLS_REQUIRED refuses to
// start without certificate files.
#include <unistd.h>

#include <chrono>
#include <filesystem>

#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "common/auth/testing/test_keys.h"
#include "common/config/tls_settings.h"
#include "common/grpc/client.h"
#include "common/testing/test_database.h"
#include "gmock/gmock.h"
#include "grpcpp/grpcpp.h"
#include "gtest/gtest.h"
#include "parley/diagnostics/v1/diagnostics.grpc.pb.h"
#include "tests/e2e/e2e_support.h"
#include "tests/e2e/service_process.h"

namespace parley::e2e {
namespace {

namespace dv1 = ::parley::diagnostics::v1;
using ::testing::HasSubstr;

// One Echo (no token needed) over `credentials` on a channel of its own: OK, or why not.
grpc::Status EchoWith(int port, const std::shared_ptr<grpc::ChannelCredentials>& credentials) {
  grpc::ChannelArguments args = client::ChannelArgs();
  args.SetInt(GRPC_ARG_USE_LOCAL_SUBCHANNEL_POOL, 1);  // never reuse another test's connection
  auto stub =
      dv1::DiagnosticsService::NewStub(grpc::CreateCustomChannel(absl::StrCat("127.0.0.1:", port), credentials, args));
  grpc::ClientContext ctx;
  ctx.set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(10));
  dv1::EchoRequest req;
  req.set_payload("ping");
  dv1::EchoResponse resp;
  return stub->Echo(&ctx, req, &resp);
}

TlsSettings Trusting(const TestPki& pki) {
  TlsSettings tls;
  tls.ca_file = pki.ca_file;
  return tls;
}

TlsSettings Presenting(const TestPki& trusted, const TestPki& signer, const std::string& name) {
  TlsSettings tls = Trusting(trusted);
  tls.cert_file = signer.Cert(name);
  tls.key_file = signer.Key(name);
  return tls;
}

class TlsE2eTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    const std::string base = absl::StrCat(::testing::TempDir(), "/", getpid(), "-tls-e2e");
    absl::StatusOr<TestPki> trust = MakeTestPki(base + "/trust", {"contacts", "client"});
    absl::StatusOr<TestPki> other = MakeTestPki(base + "/other", {"contacts", "client"});
    ASSERT_TRUE(trust.ok() && other.ok()) << "openssl failed";
    trust_ = new TestPki(*trust);
    other_ = new TestPki(*other);
    keys_ = new auth::testing::KeyPair(auth::testing::GenerateEcP256());
    public_key_file_ = new std::string(WriteTemp("tls-jwt-public.pem", keys_->public_pem));
  }

  static void TearDownTestSuite() {
    delete trust_;
    delete other_;
    delete keys_;
    delete public_key_file_;
  }

  // contacts' environment, serving TLS with the trust's "contacts" certificate from `dir`.
  static std::map<std::string, std::string> Env(const std::string& dsn, const std::string& dir) {
    return {{"PARLEY_PG_DSN", dsn},
            {"PARLEY_JWT_PUBLIC_KEYS", *public_key_file_},
            {"PARLEY_JWT_ISSUER", "parley-e2e"},
            {"PARLEY_JWT_AUDIENCE", "parley"},
            {"PARLEY_BIND_ADDRESS", "127.0.0.1"},
            {"PARLEY_GRPC_PORT", "0"},
            {"PARLEY_METRICS_PORT", "0"},
            {"PARLEY_TLS_CERT_FILE", dir + "/tls.crt"},
            {"PARLEY_TLS_KEY_FILE", dir + "/tls.key"},
            {"PARLEY_TLS_CA_FILE", dir + "/ca.crt"},
            {"PARLEY_TLS_RELOAD_INTERVAL", "1s"},
            {"PARLEY_TLS_REQUIRED", "true"}};
  }

  // The files a Kubernetes Secret would mount: a certificate, its key and the CA, under one dir.
  static std::string MountLike(const std::string& name, const TestPki& pki) {
    namespace fs = std::filesystem;
    const std::string dir = absl::StrCat(::testing::TempDir(), "/", getpid(), "-tls-mount-", name);
    fs::create_directories(dir);
    Install(dir, pki);
    return dir;
  }

  static void Install(const std::string& dir, const TestPki& pki) {
    namespace fs = std::filesystem;
    const auto over = fs::copy_options::overwrite_existing;
    fs::copy_file(pki.Cert("contacts"), dir + "/tls.crt", over);
    fs::copy_file(pki.Key("contacts"), dir + "/tls.key", over);
    fs::copy_file(pki.ca_file, dir + "/ca.crt", over);
  }

  // Runs `parley-contacts probe` against `port` with `extra` on top of `env`; its exit code.
  static int Probe(std::map<std::string, std::string> env, int port) {
    env["PARLEY_GRPC_PORT"] = absl::StrCat(port);
    absl::StatusOr<int> code =
        ServiceProcess::RunToCompletion(PARLEY_CONTACTS_BINARY, {"probe"}, env, absl::Seconds(20));
    return code.ok() ? *code : -1000;
  }

  static TestPki* trust_;
  static TestPki* other_;
  static auth::testing::KeyPair* keys_;
  static std::string* public_key_file_;
};

TestPki* TlsE2eTest::trust_ = nullptr;
TestPki* TlsE2eTest::other_ = nullptr;
auth::testing::KeyPair* TlsE2eTest::keys_ = nullptr;
std::string* TlsE2eTest::public_key_file_ = nullptr;

TEST_F(TlsE2eTest, RequiredWithoutCertificatesRefusesToStart) {
  std::map<std::string, std::string> env = Env("host=127.0.0.1 port=1 dbname=unused", "/unused");
  env.erase("PARLEY_TLS_CERT_FILE");
  env.erase("PARLEY_TLS_KEY_FILE");
  env.erase("PARLEY_TLS_CA_FILE");
  absl::StatusOr<int> code = ServiceProcess::RunToCompletion(PARLEY_CONTACTS_BINARY, {"serve"}, env, absl::Seconds(20));
  ASSERT_TRUE(code.ok()) << code.status();
  EXPECT_EQ(*code, 1);

  ServiceProcess process;
  absl::Status started = process.Start(PARLEY_CONTACTS_BINARY, env, absl::Seconds(20));
  EXPECT_EQ(started.code(), absl::StatusCode::kFailedPrecondition) << started;
  std::string logs;
  for (const std::string& line : process.LogLines()) logs += line + "\n";
  EXPECT_THAT(logs, HasSubstr("startup_failed"));
  EXPECT_THAT(logs, HasSubstr("PARLEY_TLS_REQUIRED is true"));
}

TEST_F(TlsE2eTest, OptionalClientAuthRefusesPlaintextAndStrangersAndLetsTokenClientsIn) {
  PARLEY_REQUIRE_TEST_DB(db);
  const std::string dir = MountLike("optional", *trust_);
  std::map<std::string, std::string> env = Env(db.dsn(), dir);
  ASSERT_EQ(ServiceProcess::RunToCompletion(PARLEY_CONTACTS_BINARY, {"migrate"}, env, absl::Seconds(60)).value_or(-1),
            0);
  ServiceProcess server;
  ASSERT_TRUE(server.Start(PARLEY_CONTACTS_BINARY, env).ok());
  const int port = server.grpc_port();

  // A third-party app: trusts the CA, presents no certificate, authenticates by token.
  grpc::Status token_only = EchoWith(port, client::ChannelCredentials(Trusting(*trust_)));
  EXPECT_TRUE(token_only.ok()) << token_only.error_message();
  // A Parley service: presents its certificate.
  grpc::Status mutual = EchoWith(port, client::ChannelCredentials(Presenting(*trust_, *trust_, "client")));
  EXPECT_TRUE(mutual.ok()) << mutual.error_message();

  // Plaintext never reaches a handler.
  grpc::Status plaintext = EchoWith(port, grpc::InsecureChannelCredentials());
  EXPECT_EQ(plaintext.error_code(), grpc::StatusCode::UNAVAILABLE) << plaintext.error_message();
  // A client that trusts another CA does not accept the server's certificate.
  grpc::Status wrong_ca = EchoWith(port, client::ChannelCredentials(Trusting(*other_)));
  EXPECT_EQ(wrong_ca.error_code(), grpc::StatusCode::UNAVAILABLE) << wrong_ca.error_message();
  // A certificate, when presented, must be one the CA signed.
  grpc::Status stranger = EchoWith(port, client::ChannelCredentials(Presenting(*trust_, *other_, "client")));
  EXPECT_EQ(stranger.error_code(), grpc::StatusCode::UNAVAILABLE) << stranger.error_message();

  // The Kubernetes probe: over TLS with the pod's own files; refused when it trusts another CA.
  EXPECT_EQ(Probe(env, port), 0);
  std::map<std::string, std::string> wrong = env;
  wrong["PARLEY_TLS_CA_FILE"] = other_->ca_file;
  EXPECT_EQ(Probe(wrong, port), 1);
  std::map<std::string, std::string> plain = env;
  plain.erase("PARLEY_TLS_CERT_FILE");
  plain.erase("PARLEY_TLS_KEY_FILE");
  plain.erase("PARLEY_TLS_CA_FILE");
  plain.erase("PARLEY_TLS_REQUIRED");
  EXPECT_EQ(Probe(plain, port), 1);

  // Rotation: new files under the same paths are served without a restart.
  Install(dir, *other_);
  const absl::Time give_up = absl::Now() + absl::Seconds(20);
  grpc::Status rotated;
  do {
    absl::SleepFor(absl::Milliseconds(500));
    rotated = EchoWith(port, client::ChannelCredentials(Trusting(*other_)));
  } while (!rotated.ok() && absl::Now() < give_up);
  EXPECT_TRUE(rotated.ok()) << rotated.error_message();
  EXPECT_EQ(EchoWith(port, client::ChannelCredentials(Trusting(*trust_))).error_code(), grpc::StatusCode::UNAVAILABLE);
  EXPECT_TRUE(server.Terminate().ok());
}

TEST_F(TlsE2eTest, RequireClientAuthWantsACertificateTheCaSigned) {
  PARLEY_REQUIRE_TEST_DB(db);
  std::map<std::string, std::string> env = Env(db.dsn(), MountLike("require", *trust_));
  env["PARLEY_TLS_CLIENT_AUTH"] = "require";
  ASSERT_EQ(ServiceProcess::RunToCompletion(PARLEY_CONTACTS_BINARY, {"migrate"}, env, absl::Seconds(60)).value_or(-1),
            0);
  ServiceProcess server;
  ASSERT_TRUE(server.Start(PARLEY_CONTACTS_BINARY, env).ok());
  const int port = server.grpc_port();

  grpc::Status no_cert = EchoWith(port, client::ChannelCredentials(Trusting(*trust_)));
  EXPECT_EQ(no_cert.error_code(), grpc::StatusCode::UNAVAILABLE) << no_cert.error_message();
  grpc::Status stranger = EchoWith(port, client::ChannelCredentials(Presenting(*trust_, *other_, "client")));
  EXPECT_EQ(stranger.error_code(), grpc::StatusCode::UNAVAILABLE) << stranger.error_message();
  grpc::Status signed_cert = EchoWith(port, client::ChannelCredentials(Presenting(*trust_, *trust_, "client")));
  EXPECT_TRUE(signed_cert.ok()) << signed_cert.error_message();
  // The probe presents the pod's own certificate, so it passes under require too.
  EXPECT_EQ(Probe(env, port), 0);
  EXPECT_TRUE(server.Terminate().ok());
}

}  // namespace
}  // namespace parley::e2e
