// Mints ES256 bearer tokens: for parleyctl in local runs (where the run script generates the
// key pair and there is no identity provider) and for service identities, whose calls to peer
// services carry a token of their own (role "service", subject "service:<name>").
//
//   auth::SignerOptions opts;
//   PARLEY_ASSIGN_OR_RETURN(opts.private_key_pem, auth::ReadFile(key_path));
//   opts.issuer = "parley-local";
//   opts.audience = "parley";
//   PARLEY_ASSIGN_OR_RETURN(std::unique_ptr<auth::Signer> signer, auth::Signer::Create(opts));
//   auth::ServiceIdentity identity(std::move(signer), "escalation");
//   client::CallOptions call;
//   call.bearer_token = identity.Token();
#pragma once

#include <memory>
#include <string>

#include "absl/base/thread_annotations.h"
#include "absl/status/statusor.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"
#include "common/auth/principal.h"
#include "common/clock/clock.h"

namespace parley::auth {

struct SignerOptions {
  std::string private_key_pem;  // EC P-256, PKCS#8 or SEC1 ("EC PRIVATE KEY")
  std::string issuer;
  std::string audience;
  const Clock* clock = nullptr;  // RealClock when null
};

class Signer {
 public:
  // INVALID_ARGUMENT when the key is not an unencrypted EC P-256 private key or issuer/audience
  // is empty. Signs one token to prove the key works with libjwt before anyone relies on it.
  [[nodiscard]] static absl::StatusOr<std::unique_ptr<Signer>> Create(SignerOptions opts);

  // A token for `p` with iss, aud, sub, roles, schools, iat = now and exp = now + ttl (whole
  // seconds, rounded up). INVALID_ARGUMENT for a non-positive ttl or an empty subject. Thread-safe.
  [[nodiscard]] absl::StatusOr<std::string> Mint(const Principal& p, absl::Duration ttl) const;

  const Clock& clock() const { return clock_; }

 private:
  Signer(SignerOptions opts, const Clock* clock) : opts_(std::move(opts)), clock_(*clock) {}

  const SignerOptions opts_;
  const Clock& clock_;
};

// A service's own token for calls to its peers. Re-mints once half the token's lifetime has gone,
// so a token handed out is always good for at least ttl/2 (far longer than any call's deadline).
// Thread-safe; Token() is a lock and a string copy except when it re-mints.
class ServiceIdentity {
 public:
  ServiceIdentity(std::unique_ptr<Signer> signer, std::string service_name, absl::Duration ttl = absl::Minutes(10));

  // The current token. If re-minting ever failed (it cannot with a key that Signer::Create
  // accepted), the previous token is returned and the failure logged; peers then answer
  // UNAUTHENTICATED once it expires.
  std::string Token() const;

  const Principal& principal() const { return principal_; }

 private:
  const std::unique_ptr<Signer> signer_;
  const Principal principal_;
  const absl::Duration ttl_;
  mutable absl::Mutex mu_;
  mutable std::string token_ ABSL_GUARDED_BY(mu_);
  mutable absl::Time refresh_at_ ABSL_GUARDED_BY(mu_) = absl::InfinitePast();
};

}  // namespace parley::auth
