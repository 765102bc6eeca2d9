// Key files: reading them, and checking at start-up that a PEM block is the kind of key Parley's
// tokens use (EC P-256), so that a wrong file stops the process with a clear message instead of
// failing every request later.
#pragma once

#include <string>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"

namespace parley::auth {

// The whole content of a small file (a PEM key). NOT_FOUND / PERMISSION_DENIED / INVALID_ARGUMENT
// naming the path (never the content) when it cannot be read or is larger than 1 MiB.
[[nodiscard]] absl::StatusOr<std::string> ReadFile(const std::string& path);

namespace internal {

// OK when `pem` holds an EC P-256 public key ("PUBLIC KEY"); INVALID_ARGUMENT otherwise.
[[nodiscard]] absl::Status CheckEcP256PublicKey(absl::string_view pem);
// OK when `pem` holds an EC P-256 private key (PKCS#8 "PRIVATE KEY" or SEC1 "EC PRIVATE KEY", as
// `openssl ecparam -genkey` writes); INVALID_ARGUMENT otherwise.
[[nodiscard]] absl::Status CheckEcP256PrivateKey(absl::string_view pem);

}  // namespace internal
}  // namespace parley::auth
