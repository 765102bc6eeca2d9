#include "common/auth/verifier.h"

#include <jwt.h>
#include <openssl/evp.h>
#include <openssl/sha.h>

#include <array>
#include <cmath>
#include <cstdlib>
#include <cstring>
#include <optional>
#include <utility>

#include "absl/base/thread_annotations.h"
#include "absl/container/flat_hash_map.h"
#include "absl/strings/ascii.h"
#include "absl/strings/escaping.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/synchronization/mutex.h"
#include "common/auth/keys.h"
#include "common/status/reason.h"
#include "nlohmann/json.hpp"

namespace parley::auth {
namespace {

// Real tokens are well under 2 KiB; the bound keeps a hostile header from costing much.
constexpr size_t kMaxTokenBytes = 16 * 1024;

absl::Status Invalid(absl::string_view message) { return Unauthenticated(reason::kTokenInvalid, message); }

// OpenSSL 3's one-shot SHA256() looks the algorithm up in the provider registry on every call
// (EVP_MD_fetch), which was most of what a cached verification cost; it is fetched once here.
const EVP_MD* Sha256() {
  static const EVP_MD* const md = EVP_MD_fetch(nullptr, "SHA256", nullptr);
  return md;
}

// Claims are numbers of seconds since the epoch; JSON allows fractions, and a value outside any
// sane range must not overflow the conversion.
std::optional<absl::Time> NumericDate(const nlohmann::json& claims, const char* name) {
  auto it = claims.find(name);
  if (it == claims.end() || !it->is_number()) return std::nullopt;
  const double seconds = it->get<double>();
  if (!std::isfinite(seconds) || seconds < 0 || seconds > 1e11) return std::nullopt;
  return absl::FromUnixSeconds(static_cast<int64_t>(std::floor(seconds)));
}

bool StringList(const nlohmann::json& claims, const char* name, std::vector<std::string>* out) {
  auto it = claims.find(name);
  if (it == claims.end() || it->is_null()) return true;  // absent: no roles / no schools
  if (!it->is_array()) return false;
  for (const auto& item : *it) {
    if (!item.is_string()) return false;
    out->push_back(item.get<std::string>());
  }
  return true;
}

// The header is decoded and checked here, before libjwt runs, so that no key is ever handed to
// libjwt together with a token that asks for another algorithm.
absl::Status CheckHeader(absl::string_view encoded_header) {
  std::string header_json;
  if (!absl::WebSafeBase64Unescape(encoded_header, &header_json)) {
    return Invalid("token header is not base64url");
  }
  nlohmann::json header = nlohmann::json::parse(header_json, nullptr, /*allow_exceptions=*/false);
  if (!header.is_object()) return Invalid("token header is not a JSON object");
  auto alg = header.find("alg");
  if (alg == header.end() || !alg->is_string() || alg->get<std::string>() != "ES256") {
    return Invalid("token algorithm is not accepted; ES256 is required");
  }
  // RFC 7515 §4.1.11: extensions we do not understand must be refused.
  if (header.contains("crit")) return Invalid("token header has critical extensions");
  return absl::OkStatus();
}

}  // namespace

// What the cache keeps and what a fresh verification produces.
struct Verifier::Claims {
  Principal principal;
  absl::Time expires;
};

using Digest = std::array<unsigned char, SHA256_DIGEST_LENGTH>;

// A sharded map from SHA-256(token) to the verified principal. Keyed by digest so that the cache
// holds no usable credentials, and sharded so that concurrent RPCs rarely meet on one lock.
class Verifier::Cache {
 public:
  explicit Cache(size_t capacity) : per_shard_((capacity + kShards - 1) / kShards) {}

  enum class Result { kMiss, kHit, kExpired };

  // kHit (and the principal) while `now` is within the entry's acceptance window. An expired
  // entry is removed.
  Result Lookup(const Digest& digest, absl::Time now, Principal* out) {
    Shard& shard = ShardFor(digest);
    {
      absl::ReaderMutexLock lock(&shard.mu);
      auto it = shard.entries.find(digest);
      if (it == shard.entries.end()) return Result::kMiss;
      if (now <= it->second.accept_until) {
        *out = it->second.principal;
        return Result::kHit;
      }
    }
    absl::MutexLock lock(&shard.mu);
    shard.entries.erase(digest);
    return Result::kExpired;
  }

  void Insert(const Digest& digest, const Principal& principal, absl::Time accept_until, absl::Time now) {
    Shard& shard = ShardFor(digest);
    absl::MutexLock lock(&shard.mu);
    if (shard.entries.size() >= per_shard_) {
      // Expired tokens go first; if that frees too little (many live tokens), drop an arbitrary
      // eighth so that the next inserts do not each pay for a sweep.
      absl::erase_if(shard.entries, [now](const auto& e) { return e.second.accept_until < now; });
      size_t to_drop = shard.entries.size() >= per_shard_ ? per_shard_ / 8 + 1 : 0;
      for (auto it = shard.entries.begin(); to_drop > 0 && it != shard.entries.end(); --to_drop) {
        shard.entries.erase(it++);
      }
    }
    shard.entries.insert_or_assign(digest, Entry{principal, accept_until});
  }

 private:
  static constexpr size_t kShards = 16;

  struct Entry {
    Principal principal;
    absl::Time accept_until;  // exp + leeway: exactly when a fresh verification starts failing
  };
  // The digest is already uniformly distributed: its first bytes are a perfect hash.
  struct DigestHash {
    size_t operator()(const Digest& d) const {
      size_t h;
      std::memcpy(&h, d.data(), sizeof(h));
      return h;
    }
  };
  struct Shard {
    absl::Mutex mu;
    absl::flat_hash_map<Digest, Entry, DigestHash> entries ABSL_GUARDED_BY(mu);
  };

  Shard& ShardFor(const Digest& digest) { return shards_[digest[sizeof(size_t)] % kShards]; }

  const size_t per_shard_;
  std::array<Shard, kShards> shards_;
};

absl::StatusOr<std::unique_ptr<Verifier>> Verifier::Create(VerifierOptions opts) {
  if (opts.public_keys_pem.empty()) {
    return absl::InvalidArgumentError("auth: at least one JWT public key is required");
  }
  for (size_t i = 0; i < opts.public_keys_pem.size(); ++i) {
    absl::Status key = internal::CheckEcP256PublicKey(opts.public_keys_pem[i]);
    if (!key.ok()) {
      return absl::InvalidArgumentError(absl::StrCat("auth: JWT public key ", i + 1, ": ", key.message()));
    }
  }
  if (opts.issuer.empty()) return absl::InvalidArgumentError("auth: the JWT issuer must be set");
  if (opts.audience.empty()) {
    return absl::InvalidArgumentError("auth: the JWT audience must be set");
  }
  if (opts.leeway < absl::ZeroDuration()) {
    return absl::InvalidArgumentError("auth: the JWT leeway must not be negative");
  }
  const Clock* clock = opts.clock != nullptr ? opts.clock : &RealClock::Get();
  return std::unique_ptr<Verifier>(new Verifier(std::move(opts), clock));
}

Verifier::Verifier(VerifierOptions opts, const Clock* clock)
    : opts_(std::move(opts)),
      clock_(*clock),
      cache_(opts_.cache_capacity > 0 ? std::make_unique<Cache>(opts_.cache_capacity) : nullptr) {}

Verifier::~Verifier() = default;

absl::StatusOr<Principal> Verifier::Verify(absl::string_view token) const {
  if (token.empty()) return Unauthenticated(reason::kTokenMissing, "a bearer token is required");
  if (token.size() > kMaxTokenBytes) return Invalid("token is too large");

  Digest digest{};
  // A token that cannot be hashed (OpenSSL failing) is verified in full and not cached.
  const bool cacheable =
      cache_ != nullptr && EVP_Digest(token.data(), token.size(), digest.data(), nullptr, Sha256(), nullptr) == 1;
  if (cacheable) {
    Principal cached;
    switch (cache_->Lookup(digest, clock_.Now(), &cached)) {
      case Cache::Result::kHit:
        return cached;
      case Cache::Result::kExpired:
        return Unauthenticated(reason::kTokenExpired, "token has expired");
      case Cache::Result::kMiss:
        break;
    }
  }

  absl::StatusOr<Claims> claims = VerifyUncached(token);
  if (!claims.ok()) return claims.status();
  if (cacheable) {
    cache_->Insert(digest, claims->principal, claims->expires + opts_.leeway, clock_.Now());
  }
  return std::move(claims->principal);
}

absl::StatusOr<Verifier::Claims> Verifier::VerifyUncached(absl::string_view token) const {
  // Compact JWS: three base64url parts. Five parts would be JWE, which Parley does not use.
  const size_t dot1 = token.find('.');
  const size_t dot2 = dot1 == absl::string_view::npos ? dot1 : token.find('.', dot1 + 1);
  if (dot2 == absl::string_view::npos || token.find('.', dot2 + 1) != absl::string_view::npos || dot1 == 0 ||
      dot2 == dot1 + 1 || dot2 + 1 == token.size()) {
    return Invalid("token is not a signed JWT");
  }
  if (absl::Status header = CheckHeader(token.substr(0, dot1)); !header.ok()) return header;

  // libjwt wants a NUL-terminated string.
  const std::string token_str(token);
  jwt_t* jwt = nullptr;
  for (const std::string& key : opts_.public_keys_pem) {
    if (jwt_decode(&jwt, token_str.c_str(), reinterpret_cast<const unsigned char*>(key.data()),
                   static_cast<int>(key.size())) == 0) {
      break;
    }
    jwt = nullptr;
  }
  if (jwt == nullptr) return Invalid("token signature or format is invalid");
  std::unique_ptr<jwt_t, decltype(&jwt_free)> owned(jwt, &jwt_free);
  // Checked again after decoding: the header check above is ours, this one is what libjwt used.
  if (jwt_get_alg(jwt) != JWT_ALG_ES256) return Invalid("token algorithm is not accepted");

  char* grants_text = jwt_get_grants_json(jwt, nullptr);
  if (grants_text == nullptr) return Invalid("token claims are unreadable");
  nlohmann::json claims = nlohmann::json::parse(grants_text, nullptr, /*allow_exceptions=*/false);
  std::free(grants_text);
  if (!claims.is_object()) return Invalid("token claims are not a JSON object");

  const absl::Time now = clock_.Now();
  std::optional<absl::Time> exp = NumericDate(claims, "exp");
  if (!exp.has_value()) return Invalid("token has no valid expiry (exp)");
  if (now > *exp + opts_.leeway) return Unauthenticated(reason::kTokenExpired, "token has expired");
  if (claims.contains("nbf")) {
    std::optional<absl::Time> nbf = NumericDate(claims, "nbf");
    if (!nbf.has_value()) return Invalid("token has a malformed nbf");
    if (now + opts_.leeway < *nbf) return Invalid("token is not yet valid");
  }
  if (claims.contains("iat")) {
    std::optional<absl::Time> iat = NumericDate(claims, "iat");
    if (!iat.has_value()) return Invalid("token has a malformed iat");
    if (now + opts_.leeway < *iat || *iat > *exp) {
      return Invalid("token issue time is not plausible");
    }
  }

  auto iss = claims.find("iss");
  if (iss == claims.end() || !iss->is_string() || iss->get<std::string>() != opts_.issuer) {
    return Invalid("token issuer is not accepted");
  }
  bool audience_ok = false;
  if (auto aud = claims.find("aud"); aud != claims.end()) {
    if (aud->is_string()) {
      audience_ok = aud->get<std::string>() == opts_.audience;
    } else if (aud->is_array()) {
      for (const auto& item : *aud) {
        if (item.is_string() && item.get<std::string>() == opts_.audience) audience_ok = true;
      }
    }
  }
  if (!audience_ok) return Invalid("token audience is not accepted");

  Claims result;
  result.expires = *exp;
  auto sub = claims.find("sub");
  if (sub == claims.end() || !sub->is_string() || sub->get<std::string>().empty()) {
    return Invalid("token has no subject");
  }
  result.principal.subject = sub->get<std::string>();
  if (!StringList(claims, "roles", &result.principal.roles) ||
      !StringList(claims, "schools", &result.principal.schools)) {
    return Invalid("token roles or schools are malformed");
  }
  return result;
}

absl::StatusOr<Principal> Verifier::Authenticate(const grpc::ServerContext& ctx) const {
  return Authenticate(static_cast<const grpc::ServerContextBase&>(ctx));
}

absl::StatusOr<Principal> Verifier::Authenticate(const grpc::ServerContextBase& ctx) const {
  const auto& metadata = ctx.client_metadata();
  auto it = metadata.find("authorization");
  if (it == metadata.end()) return Unauthenticated(reason::kTokenMissing, "a bearer token is required");
  absl::StatusOr<absl::string_view> token = ParseBearer(absl::string_view(it->second.data(), it->second.size()));
  if (!token.ok()) return token.status();
  return Verify(*token);
}

absl::StatusOr<absl::string_view> ParseBearer(absl::string_view value) {
  constexpr absl::string_view kScheme = "bearer ";
  if (value.size() < kScheme.size() || !absl::EqualsIgnoreCase(value.substr(0, kScheme.size()), kScheme)) {
    return Invalid("the authorization header must be \"Bearer <token>\"");
  }
  absl::string_view token = absl::StripAsciiWhitespace(value.substr(kScheme.size()));
  if (token.empty()) return Invalid("the authorization header must be \"Bearer <token>\"");
  return token;
}

}  // namespace parley::auth
