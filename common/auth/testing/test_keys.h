// Test-only helpers: fresh EC P-256 key pairs generated at test time (no key is ever committed)
// and a minimal ES256 JWS signer built on OpenSSL, independent of libjwt, for tests that need a
// token no Signer would write (odd claims, other algorithms) or that check interoperability with
// identity providers. Link parley::auth_testing from tests only.
#pragma once

#include <string>

#include "absl/strings/string_view.h"

namespace parley::auth::testing {

struct KeyPair {
  std::string private_pem;       // PKCS#8 "PRIVATE KEY"
  std::string private_sec1_pem;  // SEC1 "EC PRIVATE KEY", as `openssl ecparam -genkey` writes
  std::string public_pem;        // "PUBLIC KEY"
};

// A new P-256 key pair. Aborts the test binary if OpenSSL fails.
KeyPair GenerateEcP256();

// base64url without padding (RFC 7515 §2).
std::string Base64Url(absl::string_view bytes);

// header.payload.signature with an ES256 signature in the JWS form (32-byte R || 32-byte S).
std::string SignEs256(const KeyPair& key, absl::string_view header_json, absl::string_view payload_json);

// header.payload.signature with an HMAC-SHA256 signature keyed by `secret`.
std::string SignHs256(absl::string_view secret, absl::string_view header_json, absl::string_view payload_json);

// True when `token`'s signature is a valid JWS ES256 signature (R || S) by `key`, checked with
// OpenSSL directly.
bool VerifyEs256WithOpenSsl(const KeyPair& key, absl::string_view token);

}  // namespace parley::auth::testing
