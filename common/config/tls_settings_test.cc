#include "common/config/tls_settings.h"

#include <unistd.h>

#include <fstream>
#include <map>

#include "absl/strings/str_cat.h"
#include "common/config/service_settings.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace parley {
namespace {

using ::testing::HasSubstr;

EnvReader ReaderFor(std::map<std::string, std::string> vars) {
  return EnvReader([vars](absl::string_view name) -> std::optional<std::string> {
    auto it = vars.find(std::string(name));
    if (it == vars.end()) return std::nullopt;
    return it->second;
  });
}

std::string WritePem(const std::string& name,
                     const std::string& content = "-----BEGIN X-----\nAA==\n-----END X-----\n") {
  std::string path = absl::StrCat(::testing::TempDir(), "/", getpid(), "-", name);
  std::ofstream(path) << content;
  return path;
}

TEST(TlsSettings, UnsetMeansPlaintextAndIsValid) {
  EnvReader env = ReaderFor({});
  TlsSettings tls;
  ReadTlsSettings(env, tls);
  ASSERT_TRUE(env.Finish().ok());
  EXPECT_FALSE(tls.ServesTls());
  EXPECT_FALSE(tls.CallsWithTls());
  EXPECT_FALSE(tls.required);
  EXPECT_EQ(tls.client_auth, TlsClientAuth::kNone);
  EXPECT_EQ(tls.reload_interval, absl::Seconds(60));
  EXPECT_TRUE(CheckTlsSettings(tls).ok());
}

TEST(TlsSettings, ReadsEveryVariable) {
  const std::string cert = WritePem("cert.pem"), key = WritePem("key.pem"), ca = WritePem("ca.pem");
  EnvReader env = ReaderFor({{"PARLEY_TLS_CERT_FILE", cert},
                             {"PARLEY_TLS_KEY_FILE", key},
                             {"PARLEY_TLS_CA_FILE", ca},
                             {"PARLEY_TLS_CLIENT_AUTH", "require"},
                             {"PARLEY_TLS_REQUIRED", "true"},
                             {"PARLEY_TLS_RELOAD_INTERVAL", "5s"}});
  TlsSettings tls;
  ReadTlsSettings(env, tls);
  ASSERT_TRUE(env.Finish().ok());
  EXPECT_EQ(tls.cert_file, cert);
  EXPECT_EQ(tls.key_file, key);
  EXPECT_EQ(tls.ca_file, ca);
  EXPECT_EQ(tls.client_auth, TlsClientAuth::kRequire);
  EXPECT_TRUE(tls.required);
  EXPECT_EQ(tls.reload_interval, absl::Seconds(5));
  EXPECT_TRUE(tls.ServesTls());
  EXPECT_TRUE(tls.CallsWithTls());
  EXPECT_TRUE(CheckTlsSettings(tls).ok());
}

TEST(TlsSettings, ClientAuthDefaultsToOptionalWithACaAndNoneWithout) {
  const std::string cert = WritePem("cert.pem"), key = WritePem("key.pem"), ca = WritePem("ca.pem");
  {
    EnvReader env =
        ReaderFor({{"PARLEY_TLS_CERT_FILE", cert}, {"PARLEY_TLS_KEY_FILE", key}, {"PARLEY_TLS_CA_FILE", ca}});
    TlsSettings tls;
    ReadTlsSettings(env, tls);
    ASSERT_TRUE(env.Finish().ok());
    EXPECT_EQ(tls.client_auth, TlsClientAuth::kOptional);
  }
  {
    EnvReader env = ReaderFor({{"PARLEY_TLS_CERT_FILE", cert}, {"PARLEY_TLS_KEY_FILE", key}});
    TlsSettings tls;
    ReadTlsSettings(env, tls);
    ASSERT_TRUE(env.Finish().ok());
    EXPECT_EQ(tls.client_auth, TlsClientAuth::kNone);
    EXPECT_TRUE(CheckTlsSettings(tls).ok());
  }
}

TEST(TlsSettings, BadValuesAreReportedByName) {
  EnvReader env = ReaderFor({{"PARLEY_TLS_CLIENT_AUTH", "maybe"},
                             {"PARLEY_TLS_REQUIRED", "yes please"},
                             {"PARLEY_TLS_RELOAD_INTERVAL", "soon"}});
  TlsSettings tls;
  ReadTlsSettings(env, tls);
  absl::Status s = env.Finish();
  EXPECT_THAT(s.message(), HasSubstr("PARLEY_TLS_CLIENT_AUTH must be one of none, optional, require"));
  EXPECT_THAT(s.message(), HasSubstr("PARLEY_TLS_REQUIRED"));
  EXPECT_THAT(s.message(), HasSubstr("PARLEY_TLS_RELOAD_INTERVAL"));
}

TEST(TlsSettings, RequiredWithoutCertificateRefusesToStart) {
  TlsSettings tls;
  tls.required = true;
  absl::Status s = CheckTlsSettings(tls);
  EXPECT_EQ(s.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(s.message(), HasSubstr("PARLEY_TLS_REQUIRED"));
  EXPECT_THAT(s.message(), HasSubstr("refusing to serve plaintext"));
}

TEST(TlsSettings, InconsistentCombinationsAreRejected) {
  const std::string pem = WritePem("any.pem");
  TlsSettings cert_only;
  cert_only.cert_file = pem;
  EXPECT_THAT(CheckTlsSettings(cert_only).message(), HasSubstr("must be set together"));

  TlsSettings auth_without_ca;
  auth_without_ca.cert_file = auth_without_ca.key_file = pem;
  auth_without_ca.client_auth = TlsClientAuth::kRequire;
  EXPECT_THAT(CheckTlsSettings(auth_without_ca).message(), HasSubstr("needs PARLEY_TLS_CA_FILE"));

  TlsSettings auth_without_tls;
  auth_without_tls.ca_file = pem;
  auth_without_tls.client_auth = TlsClientAuth::kOptional;
  EXPECT_THAT(CheckTlsSettings(auth_without_tls).message(), HasSubstr("needs PARLEY_TLS_CERT_FILE"));
}

TEST(TlsSettings, UnreadableOrNonPemFilesAreNamed) {
  TlsSettings missing;
  missing.cert_file = "/nonexistent/cert.pem";
  missing.key_file = WritePem("key.pem");
  EXPECT_THAT(CheckTlsSettings(missing).message(),
              HasSubstr("PARLEY_TLS_CERT_FILE (/nonexistent/cert.pem) cannot be read"));

  TlsSettings not_pem;
  not_pem.ca_file = WritePem("ca.txt", "not a certificate");
  EXPECT_THAT(CheckTlsSettings(not_pem).message(), HasSubstr("PARLEY_TLS_CA_FILE"));
  EXPECT_THAT(CheckTlsSettings(not_pem).message(), HasSubstr("no PEM data"));
}

TEST(TlsSettings, ServiceSettingsReadAndCheckThem) {
  EnvReader env = ReaderFor(
      {{"PARLEY_PG_DSN", "host=db"}, {"PARLEY_JWT_PUBLIC_KEYS", "/keys/a.pem"}, {"PARLEY_TLS_REQUIRED", "true"}});
  ServiceSettings s;
  ReadServiceSettings(env, /*migrate_only=*/false, {50051, 2}, s);
  ASSERT_TRUE(env.Finish().ok());
  EXPECT_TRUE(s.tls.required);
  EXPECT_THAT(CheckServiceSettings(s).message(), HasSubstr("PARLEY_TLS_REQUIRED"));

  // Migrate mode serves nothing and reads no TLS settings.
  EnvReader migrate_env = ReaderFor({{"PARLEY_PG_DSN", "host=db"}, {"PARLEY_TLS_REQUIRED", "true"}});
  ServiceSettings m;
  ReadServiceSettings(migrate_env, /*migrate_only=*/true, {50051, 2}, m);
  ASSERT_TRUE(migrate_env.Finish().ok());
  EXPECT_TRUE(CheckServiceSettings(m).ok());
}

}  // namespace
}  // namespace parley
