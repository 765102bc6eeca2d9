#include "common/auth/key_files.h"

#include <utility>

#include "absl/strings/str_cat.h"
#include "common/auth/keys.h"

namespace parley::auth {

absl::StatusOr<std::unique_ptr<Verifier>> VerifierFromKeyFiles(const std::vector<std::string>& files,
                                                               const std::string& issuer, const std::string& audience) {
  VerifierOptions options;
  for (const std::string& path : files) {
    absl::StatusOr<std::string> pem = ReadFile(path);
    if (!pem.ok()) return absl::InvalidArgumentError(absl::StrCat("PARLEY_JWT_PUBLIC_KEYS: cannot read ", path));
    options.public_keys_pem.push_back(*std::move(pem));
  }
  options.issuer = issuer;
  options.audience = audience;
  return Verifier::Create(std::move(options));
}

absl::StatusOr<std::unique_ptr<ServiceIdentity>> ServiceIdentityFromKeyFile(const std::string& file,
                                                                            const std::string& issuer,
                                                                            const std::string& audience,
                                                                            const std::string& service_name) {
  SignerOptions options;
  absl::StatusOr<std::string> pem = ReadFile(file);
  if (!pem.ok()) return absl::InvalidArgumentError(absl::StrCat("PARLEY_SERVICE_KEY: cannot read ", file));
  options.private_key_pem = *std::move(pem);
  options.issuer = issuer;
  options.audience = audience;
  absl::StatusOr<std::unique_ptr<Signer>> signer = Signer::Create(std::move(options));
  if (!signer.ok()) return absl::InvalidArgumentError(absl::StrCat("PARLEY_SERVICE_KEY: ", signer.status().message()));
  return std::make_unique<ServiceIdentity>(*std::move(signer), service_name);
}

}  // namespace parley::auth
