// A service's start-up: the Verifier for incoming tokens and the ServiceIdentity for calls to its
// peers, built from the key files its configuration names. Errors are INVALID_ARGUMENT naming the
// variable (PARLEY_JWT_PUBLIC_KEYS, PARLEY_SERVICE_KEY) and the path, never a key's content, so
// main can stop with that message.
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "common/auth/signer.h"
#include "common/auth/verifier.h"

namespace parley::auth {

// Trusts every public key in `files` (several during a key rotation).
[[nodiscard]] absl::StatusOr<std::unique_ptr<Verifier>> VerifierFromKeyFiles(const std::vector<std::string>& files,
                                                                             const std::string& issuer,
                                                                             const std::string& audience);

// Signs this service's own tokens ("service:<service_name>", role "service") with the private key
// in `file`.
[[nodiscard]] absl::StatusOr<std::unique_ptr<ServiceIdentity>> ServiceIdentityFromKeyFile(
    const std::string& file, const std::string& issuer, const std::string& audience, const std::string& service_name);

}  // namespace parley::auth
