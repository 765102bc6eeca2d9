#include "common/auth/testing/test_keys.h"

#include <openssl/bio.h>
#include <openssl/bn.h>
#include <openssl/ec.h>
#include <openssl/ecdsa.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <openssl/pem.h>

#include <cstdio>
#include <cstdlib>
#include <memory>
#include <vector>

#include "absl/strings/escaping.h"
#include "absl/strings/str_cat.h"

namespace parley::auth::testing {
namespace {

void Check(bool ok, const char* what) {
  if (!ok) {
    std::fprintf(stderr, "test_keys: OpenSSL failed: %s\n", what);
    std::abort();
  }
}

using PkeyPtr = std::unique_ptr<EVP_PKEY, decltype(&EVP_PKEY_free)>;
using BioPtr = std::unique_ptr<BIO, decltype(&BIO_free)>;

std::string BioText(BIO* bio) {
  char* data = nullptr;
  long len = BIO_get_mem_data(bio, &data);
  return std::string(data, static_cast<size_t>(len));
}

PkeyPtr ReadPrivate(const KeyPair& key) {
  BioPtr bio(BIO_new_mem_buf(key.private_pem.data(), static_cast<int>(key.private_pem.size())), &BIO_free);
  PkeyPtr pkey(PEM_read_bio_PrivateKey(bio.get(), nullptr, nullptr, nullptr), &EVP_PKEY_free);
  Check(pkey != nullptr, "read private key");
  return pkey;
}

}  // namespace

KeyPair GenerateEcP256() {
  PkeyPtr pkey(EVP_EC_gen("P-256"), &EVP_PKEY_free);
  Check(pkey != nullptr, "EVP_EC_gen");
  KeyPair pair;
  {
    BioPtr bio(BIO_new(BIO_s_mem()), &BIO_free);
    Check(PEM_write_bio_PrivateKey(bio.get(), pkey.get(), nullptr, nullptr, 0, nullptr, nullptr) == 1, "write PKCS#8");
    pair.private_pem = BioText(bio.get());
  }
  {
    BioPtr bio(BIO_new(BIO_s_mem()), &BIO_free);
    Check(PEM_write_bio_PrivateKey_traditional(bio.get(), pkey.get(), nullptr, nullptr, 0, nullptr, nullptr) == 1,
          "write SEC1");
    pair.private_sec1_pem = BioText(bio.get());
  }
  {
    BioPtr bio(BIO_new(BIO_s_mem()), &BIO_free);
    Check(PEM_write_bio_PUBKEY(bio.get(), pkey.get()) == 1, "write public key");
    pair.public_pem = BioText(bio.get());
  }
  return pair;
}

std::string Base64Url(absl::string_view bytes) { return absl::WebSafeBase64Escape(bytes); }

std::string SignEs256(const KeyPair& key, absl::string_view header_json, absl::string_view payload_json) {
  const std::string input = absl::StrCat(Base64Url(header_json), ".", Base64Url(payload_json));
  PkeyPtr pkey = ReadPrivate(key);
  std::unique_ptr<EVP_MD_CTX, decltype(&EVP_MD_CTX_free)> md(EVP_MD_CTX_new(), &EVP_MD_CTX_free);
  Check(EVP_DigestSignInit(md.get(), nullptr, EVP_sha256(), nullptr, pkey.get()) == 1, "sign init");
  size_t der_len = 0;
  Check(EVP_DigestSign(md.get(), nullptr, &der_len, reinterpret_cast<const unsigned char*>(input.data()),
                       input.size()) == 1,
        "sign size");
  std::vector<unsigned char> der(der_len);
  Check(EVP_DigestSign(md.get(), der.data(), &der_len, reinterpret_cast<const unsigned char*>(input.data()),
                       input.size()) == 1,
        "sign");
  // OpenSSL writes ECDSA signatures in DER; JWS wants the fixed-width R || S.
  const unsigned char* p = der.data();
  std::unique_ptr<ECDSA_SIG, decltype(&ECDSA_SIG_free)> sig(d2i_ECDSA_SIG(nullptr, &p, static_cast<long>(der_len)),
                                                            &ECDSA_SIG_free);
  Check(sig != nullptr, "parse DER signature");
  unsigned char raw[64];
  Check(BN_bn2binpad(ECDSA_SIG_get0_r(sig.get()), raw, 32) == 32 &&
            BN_bn2binpad(ECDSA_SIG_get0_s(sig.get()), raw + 32, 32) == 32,
        "R || S");
  return absl::StrCat(input, ".", Base64Url(absl::string_view(reinterpret_cast<char*>(raw), 64)));
}

std::string SignHs256(absl::string_view secret, absl::string_view header_json, absl::string_view payload_json) {
  const std::string input = absl::StrCat(Base64Url(header_json), ".", Base64Url(payload_json));
  unsigned char mac[EVP_MAX_MD_SIZE];
  unsigned int mac_len = 0;
  Check(HMAC(EVP_sha256(), secret.data(), static_cast<int>(secret.size()),
             reinterpret_cast<const unsigned char*>(input.data()), input.size(), mac, &mac_len) != nullptr,
        "HMAC");
  return absl::StrCat(input, ".", Base64Url(absl::string_view(reinterpret_cast<char*>(mac), mac_len)));
}

bool VerifyEs256WithOpenSsl(const KeyPair& key, absl::string_view token) {
  const size_t last_dot = token.rfind('.');
  if (last_dot == absl::string_view::npos) return false;
  const absl::string_view input = token.substr(0, last_dot);
  std::string raw;
  if (!absl::WebSafeBase64Unescape(token.substr(last_dot + 1), &raw) || raw.size() != 64) {
    return false;
  }
  std::unique_ptr<ECDSA_SIG, decltype(&ECDSA_SIG_free)> sig(ECDSA_SIG_new(), &ECDSA_SIG_free);
  const auto* bytes = reinterpret_cast<const unsigned char*>(raw.data());
  Check(ECDSA_SIG_set0(sig.get(), BN_bin2bn(bytes, 32, nullptr), BN_bin2bn(bytes + 32, 32, nullptr)) == 1,
        "ECDSA_SIG_set0");
  unsigned char* der = nullptr;
  const int der_len = i2d_ECDSA_SIG(sig.get(), &der);
  Check(der_len > 0, "i2d_ECDSA_SIG");

  BioPtr bio(BIO_new_mem_buf(key.public_pem.data(), static_cast<int>(key.public_pem.size())), &BIO_free);
  PkeyPtr pub(PEM_read_bio_PUBKEY(bio.get(), nullptr, nullptr, nullptr), &EVP_PKEY_free);
  Check(pub != nullptr, "read public key");
  std::unique_ptr<EVP_MD_CTX, decltype(&EVP_MD_CTX_free)> md(EVP_MD_CTX_new(), &EVP_MD_CTX_free);
  Check(EVP_DigestVerifyInit(md.get(), nullptr, EVP_sha256(), nullptr, pub.get()) == 1, "verify init");
  const int verified = EVP_DigestVerify(md.get(), der, static_cast<size_t>(der_len),
                                        reinterpret_cast<const unsigned char*>(input.data()), input.size());
  OPENSSL_free(der);
  return verified == 1;
}

}  // namespace parley::auth::testing
