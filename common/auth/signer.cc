#include "common/auth/signer.h"

#include <jwt.h>

#include <cstdlib>
#include <utility>

#include "absl/strings/str_cat.h"
#include "common/auth/keys.h"
#include "common/log/log.h"
#include "nlohmann/json.hpp"

namespace parley::auth {

absl::StatusOr<std::unique_ptr<Signer>> Signer::Create(SignerOptions opts) {
  if (absl::Status key = internal::CheckEcP256PrivateKey(opts.private_key_pem); !key.ok()) {
    return absl::InvalidArgumentError(absl::StrCat("auth: JWT signing key: ", key.message()));
  }
  if (opts.issuer.empty()) return absl::InvalidArgumentError("auth: the JWT issuer must be set");
  if (opts.audience.empty()) {
    return absl::InvalidArgumentError("auth: the JWT audience must be set");
  }
  const Clock* clock = opts.clock != nullptr ? opts.clock : &RealClock::Get();
  std::unique_ptr<Signer> signer(new Signer(std::move(opts), clock));
  Principal probe;
  probe.subject = "parley:key-check";
  if (absl::StatusOr<std::string> token = signer->Mint(probe, absl::Seconds(1)); !token.ok()) {
    return absl::InvalidArgumentError(absl::StrCat("auth: JWT signing key is not usable: ", token.status().message()));
  }
  return signer;
}

absl::StatusOr<std::string> Signer::Mint(const Principal& p, absl::Duration ttl) const {
  if (ttl <= absl::ZeroDuration()) {
    return absl::InvalidArgumentError("token lifetime must be positive");
  }
  if (p.subject.empty()) return absl::InvalidArgumentError("token subject must not be empty");
  const int64_t iat = absl::ToUnixSeconds(clock_.Now());
  const int64_t lifetime = absl::ToInt64Seconds(absl::Ceil(ttl, absl::Seconds(1)));

  nlohmann::json claims = {
      {"iss", opts_.issuer},   {"aud", opts_.audience}, {"sub", p.subject},     {"iat", iat},
      {"exp", iat + lifetime}, {"roles", p.roles},      {"schools", p.schools},
  };

  jwt_t* raw = nullptr;
  if (jwt_new(&raw) != 0) return absl::ResourceExhaustedError("cannot allocate a token");
  std::unique_ptr<jwt_t, decltype(&jwt_free)> jwt(raw, &jwt_free);
  if (jwt_add_grants_json(jwt.get(), claims.dump().c_str()) != 0) {
    return absl::InternalError("cannot add the token's claims");
  }
  if (jwt_set_alg(jwt.get(), JWT_ALG_ES256, reinterpret_cast<const unsigned char*>(opts_.private_key_pem.data()),
                  static_cast<int>(opts_.private_key_pem.size())) != 0) {
    return absl::InternalError("cannot set the token's algorithm");
  }
  char* encoded = jwt_encode_str(jwt.get());
  if (encoded == nullptr) return absl::InternalError("cannot sign the token");
  std::string token(encoded);
  std::free(encoded);
  return token;
}

ServiceIdentity::ServiceIdentity(std::unique_ptr<Signer> signer, std::string service_name, absl::Duration ttl)
    : signer_(std::move(signer)),
      principal_{absl::StrCat("service:", service_name), {std::string(kService)}, {}},
      ttl_(ttl) {
  Token();  // mint now so that a problem shows at start-up, not on the first peer call
}

std::string ServiceIdentity::Token() const {
  absl::MutexLock lock(&mu_);
  const absl::Time now = signer_->clock().Now();
  if (now < refresh_at_) return token_;
  absl::StatusOr<std::string> minted = signer_->Mint(principal_, ttl_);
  if (minted.ok()) {
    token_ = *std::move(minted);
    refresh_at_ = now + ttl_ / 2;
  } else {
    refresh_at_ = now + absl::Seconds(1);  // retry soon, but not on every call
    log::Error("service_token_mint_failed",
               {{"subject", principal_.subject}, {"code", absl::StatusCodeToString(minted.status().code())}});
  }
  return token_;
}

}  // namespace parley::auth
