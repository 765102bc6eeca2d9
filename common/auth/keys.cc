#include "common/auth/keys.h"

#include <openssl/bio.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/pem.h>

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <memory>

#include "absl/strings/str_cat.h"

namespace parley::auth {
namespace {

constexpr long kMaxKeyFileBytes = 1 << 20;

using PkeyPtr = std::unique_ptr<EVP_PKEY, decltype(&EVP_PKEY_free)>;

absl::Status CheckP256(EVP_PKEY* pkey, absl::string_view what) {
  if (pkey == nullptr) {
    ERR_clear_error();  // leave no stale error behind for unrelated OpenSSL users on this thread
    return absl::InvalidArgumentError(absl::StrCat("not a readable PEM ", what));
  }
  PkeyPtr owned(pkey, &EVP_PKEY_free);
  char group[64] = {0};
  size_t group_len = 0;
  if (EVP_PKEY_base_id(pkey) != EVP_PKEY_EC || EVP_PKEY_get_group_name(pkey, group, sizeof(group), &group_len) != 1 ||
      std::strcmp(group, "prime256v1") != 0) {
    return absl::InvalidArgumentError(absl::StrCat(what, " is not an EC P-256 key (ES256 needs one)"));
  }
  return absl::OkStatus();
}

std::unique_ptr<BIO, decltype(&BIO_free)> MemBio(absl::string_view pem) {
  return {BIO_new_mem_buf(pem.data(), static_cast<int>(pem.size())), &BIO_free};
}

}  // namespace

absl::StatusOr<std::string> ReadFile(const std::string& path) {
  std::unique_ptr<FILE, decltype(&std::fclose)> file(std::fopen(path.c_str(), "rb"), &std::fclose);
  if (file == nullptr) {
    const int err = errno;
    const std::string message = absl::StrCat("cannot open ", path, ": ", std::strerror(err));
    if (err == ENOENT) return absl::NotFoundError(message);
    if (err == EACCES) return absl::PermissionDeniedError(message);
    return absl::InvalidArgumentError(message);
  }
  std::string content;
  char buffer[4096];
  size_t n;
  while ((n = std::fread(buffer, 1, sizeof(buffer), file.get())) > 0) {
    content.append(buffer, n);
    if (content.size() > static_cast<size_t>(kMaxKeyFileBytes)) {
      return absl::InvalidArgumentError(absl::StrCat(path, " is larger than a key file can be"));
    }
  }
  if (std::ferror(file.get())) {
    return absl::InvalidArgumentError(absl::StrCat("cannot read ", path));
  }
  return content;
}

namespace internal {

absl::Status CheckEcP256PublicKey(absl::string_view pem) {
  auto bio = MemBio(pem);
  return CheckP256(PEM_read_bio_PUBKEY(bio.get(), nullptr, nullptr, nullptr), "public key");
}

absl::Status CheckEcP256PrivateKey(absl::string_view pem) {
  auto bio = MemBio(pem);
  // An empty passphrase callback result: an encrypted key is refused instead of prompting on a tty.
  auto no_passphrase = [](char*, int, int, void*) -> int { return 0; };
  return CheckP256(PEM_read_bio_PrivateKey(bio.get(), nullptr, no_passphrase, nullptr), "private key");
}

}  // namespace internal
}  // namespace parley::auth
