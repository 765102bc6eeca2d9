// Verifies the bearer JWT every Parley RPC carries and turns it into a Principal.
//
// Tokens are ES256 (ECDSA P-256 with SHA-256) JWS compact serialisations signed by the trust's
// identity provider (or, in local runs, by a key the run script generates; see signer.h). The
// signature is checked by libjwt; this class adds what libjwt 1.10 leaves to the caller: it accepts
// ES256 only (a token that says "none" or "HS256" is refused before libjwt sees it, which closes
// the alg-confusion hole where a public key is used as an HMAC secret), and it checks exp
// (required), nbf, iat, iss and aud with a small leeway for clock skew.
//
// Verifying an ECDSA signature costs tens of microseconds, and the same token arrives on every
// call a client makes, so verified tokens are cached (keyed by their SHA-256, bounded in size) and
// a repeat costs one hash and one lookup. A cached token stops being accepted at the same instant
// a fresh verification would reject it.
//
//   auth::VerifierOptions opts;
//   opts.public_keys_pem = {*auth::ReadFile("/etc/parley/jwt/idp.pem")};
//   opts.issuer = "https://idp.example-trust.invalid/";
//   opts.audience = "parley";
//   PARLEY_ASSIGN_OR_RETURN(std::unique_ptr<auth::Verifier> verifier,
//   auth::Verifier::Create(opts));
//   ...
//   PARLEY_ASSIGN_OR_RETURN(auth::Principal caller, verifier->Authenticate(*context));
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/time/time.h"
#include "common/auth/principal.h"
#include "common/clock/clock.h"
#include "grpcpp/server_context.h"

namespace parley::auth {

struct VerifierOptions {
  // PEM "PUBLIC KEY" blocks, each an EC P-256 key. More than one during a key rotation: a token
  // signed by any of them is accepted.
  std::vector<std::string> public_keys_pem;
  std::string issuer;                         // required: the "iss" every token must carry
  std::string audience;                       // required: must appear in "aud" (a string or an array)
  absl::Duration leeway = absl::Seconds(30);  // tolerated clock skew for exp, nbf and iat
  const Clock* clock = nullptr;               // RealClock when null
  size_t cache_capacity = 10000;              // verified tokens kept; 0 disables the cache
};

class Verifier {
 public:
  // INVALID_ARGUMENT when there is no key, a key is not a readable EC P-256 public key, or the
  // issuer or audience is empty.
  [[nodiscard]] static absl::StatusOr<std::unique_ptr<Verifier>> Create(VerifierOptions opts);

  ~Verifier();
  Verifier(const Verifier&) = delete;
  Verifier& operator=(const Verifier&) = delete;

  // The caller proven by `token` (the part after "Bearer "), or UNAUTHENTICATED with reason
  // TOKEN_MISSING (empty), TOKEN_EXPIRED (past exp + leeway) or TOKEN_INVALID (anything else: bad
  // format, signature, algorithm, issuer, audience, not yet valid, malformed claims). The message
  // never contains the token. Thread-safe.
  [[nodiscard]] absl::StatusOr<Principal> Verify(absl::string_view token) const;

  // Reads "authorization: Bearer <token>" from the call's metadata and verifies it.
  // TOKEN_MISSING when there is no authorization header, TOKEN_INVALID when it is not a bearer
  // token. Works for sync (ServerContext) and callback (CallbackServerContext) handlers.
  [[nodiscard]] absl::StatusOr<Principal> Authenticate(const grpc::ServerContext& ctx) const;
  [[nodiscard]] absl::StatusOr<Principal> Authenticate(const grpc::ServerContextBase& ctx) const;

 private:
  class Cache;
  struct Claims;

  Verifier(VerifierOptions opts, const Clock* clock);
  absl::StatusOr<Claims> VerifyUncached(absl::string_view token) const;

  const VerifierOptions opts_;
  const Clock& clock_;
  std::unique_ptr<Cache> cache_;
};

// The token in an "authorization" header value: "Bearer <token>" (scheme case-insensitive).
// UNAUTHENTICATED (TOKEN_INVALID) for another scheme or an empty token.
[[nodiscard]] absl::StatusOr<absl::string_view> ParseBearer(absl::string_view header_value);

}  // namespace parley::auth
