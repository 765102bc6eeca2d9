#include "common/auth/key_files.h"

#include <unistd.h>

#include <fstream>

#include "absl/strings/str_cat.h"
#include "common/auth/testing/test_keys.h"
#include "gtest/gtest.h"

namespace parley::auth {
namespace {

std::string WriteTemp(const std::string& name, const std::string& content) {
  const std::string path = absl::StrCat(::testing::TempDir(), "/", getpid(), "-", name);
  std::ofstream(path) << content;
  return path;
}

TEST(KeyFiles, AServiceIdentityIsTrustedByAVerifierOfItsPublicKey) {
  const testing::KeyPair keys = testing::GenerateEcP256();
  const std::string pub = WriteTemp("kf-pub.pem", keys.public_pem);
  const std::string priv = WriteTemp("kf-priv.pem", keys.private_pem);
  absl::StatusOr<std::unique_ptr<Verifier>> verifier = VerifierFromKeyFiles({pub}, "iss", "aud");
  ASSERT_TRUE(verifier.ok()) << verifier.status();
  absl::StatusOr<std::unique_ptr<ServiceIdentity>> identity = ServiceIdentityFromKeyFile(priv, "iss", "aud", "demo");
  ASSERT_TRUE(identity.ok()) << identity.status();
  absl::StatusOr<Principal> p = (*verifier)->Verify((*identity)->Token());
  ASSERT_TRUE(p.ok()) << p.status();
  EXPECT_EQ(p->subject, "service:demo");
}

TEST(KeyFiles, AnUnreadableFileIsNamedWithItsVariable) {
  absl::StatusOr<std::unique_ptr<Verifier>> verifier = VerifierFromKeyFiles({"/nonexistent/k.pem"}, "iss", "aud");
  ASSERT_EQ(verifier.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_NE(verifier.status().message().find("PARLEY_JWT_PUBLIC_KEYS"), absl::string_view::npos);
  absl::StatusOr<std::unique_ptr<ServiceIdentity>> identity =
      ServiceIdentityFromKeyFile("/nonexistent/k.pem", "iss", "aud", "demo");
  ASSERT_EQ(identity.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_NE(identity.status().message().find("PARLEY_SERVICE_KEY"), absl::string_view::npos);
}

TEST(KeyFiles, APublicKeyIsNotASigningKey) {
  const testing::KeyPair keys = testing::GenerateEcP256();
  const std::string pub = WriteTemp("kf-pub2.pem", keys.public_pem);
  absl::StatusOr<std::unique_ptr<ServiceIdentity>> identity = ServiceIdentityFromKeyFile(pub, "iss", "aud", "demo");
  ASSERT_EQ(identity.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_NE(identity.status().message().find("PARLEY_SERVICE_KEY"), absl::string_view::npos);
}

}  // namespace
}  // namespace parley::auth
