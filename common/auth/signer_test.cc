#include "common/auth/signer.h"

#include <unistd.h>

#include <cstdio>
#include <fstream>

#include "absl/strings/escaping.h"
#include "absl/strings/str_split.h"
#include "common/auth/keys.h"
#include "common/auth/testing/test_keys.h"
#include "common/auth/verifier.h"
#include "gtest/gtest.h"
#include "nlohmann/json.hpp"

namespace parley::auth {
namespace {

constexpr char kIssuer[] = "parley-local";
constexpr char kAudience[] = "parley";

SignerOptions Options(const std::string& pem, const Clock* clock = nullptr) {
  SignerOptions opts;
  opts.private_key_pem = pem;
  opts.issuer = kIssuer;
  opts.audience = kAudience;
  opts.clock = clock;
  return opts;
}

nlohmann::json Payload(const std::string& token) {
  std::vector<std::string> parts = absl::StrSplit(token, '.');
  std::string json;
  EXPECT_EQ(parts.size(), 3u);
  EXPECT_TRUE(absl::WebSafeBase64Unescape(parts[1], &json));
  return nlohmann::json::parse(json);
}

TEST(Signer, WritesStandardEs256Tokens) {
  // Identity providers and other JWT libraries must accept what we sign, and we theirs: the
  // signature is the JWS R || S form, checked here with OpenSSL alone.
  const testing::KeyPair key = testing::GenerateEcP256();
  SimulatedClock clock(absl::FromUnixSeconds(1760000000));
  auto signer = Signer::Create(Options(key.private_pem, &clock));
  ASSERT_TRUE(signer.ok()) << signer.status();
  absl::StatusOr<std::string> token =
      (*signer)->Mint(Principal{"staff-1", {"office"}, {"st-marys"}}, absl::Milliseconds(90500));
  ASSERT_TRUE(token.ok()) << token.status();
  EXPECT_TRUE(testing::VerifyEs256WithOpenSsl(key, *token));

  nlohmann::json claims = Payload(*token);
  EXPECT_EQ(claims["iss"], kIssuer);
  EXPECT_EQ(claims["aud"], kAudience);
  EXPECT_EQ(claims["sub"], "staff-1");
  EXPECT_EQ(claims["iat"], 1760000000);
  EXPECT_EQ(claims["exp"], 1760000091);  // lifetime rounded up to whole seconds
  EXPECT_EQ(claims["roles"], nlohmann::json({"office"}));
  EXPECT_EQ(claims["schools"], nlohmann::json({"st-marys"}));
}

TEST(Signer, AcceptsSec1Keys) {
  // `openssl ecparam -genkey` (scripts/run.sh) writes "EC PRIVATE KEY".
  const testing::KeyPair key = testing::GenerateEcP256();
  ASSERT_NE(key.private_sec1_pem.find("EC PRIVATE KEY"), std::string::npos);
  auto signer = Signer::Create(Options(key.private_sec1_pem));
  ASSERT_TRUE(signer.ok()) << signer.status();
  absl::StatusOr<std::string> token = (*signer)->Mint(Principal{"s", {}, {}}, absl::Minutes(1));
  ASSERT_TRUE(token.ok());
  EXPECT_TRUE(testing::VerifyEs256WithOpenSsl(key, *token));
}

TEST(Signer, RejectsBadKeysAndArguments) {
  const testing::KeyPair key = testing::GenerateEcP256();
  EXPECT_EQ(Signer::Create(Options("")).status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(Signer::Create(Options(key.public_pem)).status().code(), absl::StatusCode::kInvalidArgument);
  SignerOptions no_issuer = Options(key.private_pem);
  no_issuer.issuer.clear();
  EXPECT_EQ(Signer::Create(no_issuer).status().code(), absl::StatusCode::kInvalidArgument);

  auto signer = *Signer::Create(Options(key.private_pem));
  EXPECT_EQ(signer->Mint(Principal{"s", {}, {}}, absl::ZeroDuration()).status().code(),
            absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(signer->Mint(Principal{"", {}, {}}, absl::Minutes(1)).status().code(), absl::StatusCode::kInvalidArgument);
}

TEST(ServiceIdentity, RemintsBeforeExpiry) {
  const testing::KeyPair key = testing::GenerateEcP256();
  SimulatedClock clock(absl::FromUnixSeconds(1760000000));
  ServiceIdentity identity(*Signer::Create(Options(key.private_pem, &clock)), "escalation", absl::Minutes(10));

  VerifierOptions vopts;
  vopts.public_keys_pem = {key.public_pem};
  vopts.issuer = kIssuer;
  vopts.audience = kAudience;
  vopts.clock = &clock;
  vopts.leeway = absl::ZeroDuration();
  auto verifier = *Verifier::Create(vopts);

  const std::string first = identity.Token();
  absl::StatusOr<Principal> p = verifier->Verify(first);
  ASSERT_TRUE(p.ok()) << p.status();
  EXPECT_EQ(p->subject, "service:escalation");
  EXPECT_EQ(p->roles, std::vector<std::string>{"service"});
  EXPECT_TRUE(p->TrustWideRead());

  clock.Advance(absl::Minutes(4));
  EXPECT_EQ(identity.Token(), first);  // still fresh enough
  clock.Advance(absl::Minutes(2));     // past half the lifetime
  const std::string second = identity.Token();
  EXPECT_NE(second, first);
  clock.Advance(absl::Minutes(5));  // first has expired; second has not
  EXPECT_FALSE(verifier->Verify(first).ok());
  EXPECT_TRUE(verifier->Verify(identity.Token()).ok());
}

TEST(ReadFile, ReadsAndReportsMissingFiles) {
  char path[] = "/tmp/parley_auth_test_XXXXXX";
  const int fd = mkstemp(path);
  ASSERT_GE(fd, 0);
  ASSERT_EQ(write(fd, "pem\n", 4), 4);
  close(fd);
  absl::StatusOr<std::string> content = ReadFile(path);
  ASSERT_TRUE(content.ok());
  EXPECT_EQ(*content, "pem\n");
  std::remove(path);
  EXPECT_EQ(ReadFile(path).status().code(), absl::StatusCode::kNotFound);
}

}  // namespace
}  // namespace parley::auth
