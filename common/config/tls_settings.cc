#include "common/config/tls_settings.h"

#include <fstream>
#include <sstream>
#include <vector>

#include "absl/strings/str_cat.h"

namespace parley {
namespace {

// OK when `path` can be read and holds a PEM block; the message names the variable, not the
// contents.
absl::Status CheckPemFile(absl::string_view variable, const std::string& path) {
  std::ifstream in(path);
  if (!in) return absl::InvalidArgumentError(absl::StrCat("configuration: ", variable, " (", path, ") cannot be read"));
  std::stringstream ss;
  ss << in.rdbuf();
  if (ss.str().find("-----BEGIN ") == std::string::npos) {
    return absl::InvalidArgumentError(absl::StrCat("configuration: ", variable, " (", path, ") holds no PEM data"));
  }
  return absl::OkStatus();
}

}  // namespace

absl::string_view TlsClientAuthName(TlsClientAuth mode) {
  switch (mode) {
    case TlsClientAuth::kNone:
      return "none";
    case TlsClientAuth::kOptional:
      return "optional";
    case TlsClientAuth::kRequire:
      return "require";
  }
  return "none";
}

void ReadTlsSettings(EnvReader& env, TlsSettings& out) {
  out.cert_file = env.String("PARLEY_TLS_CERT_FILE", "");
  out.key_file = env.String("PARLEY_TLS_KEY_FILE", "");
  out.ca_file = env.String("PARLEY_TLS_CA_FILE", "");
  const std::string fallback = out.ca_file.empty() || out.cert_file.empty() ? "none" : "optional";
  const std::string mode = env.OneOf("PARLEY_TLS_CLIENT_AUTH", fallback, {"none", "optional", "require"});
  out.client_auth = mode == "require"    ? TlsClientAuth::kRequire
                    : mode == "optional" ? TlsClientAuth::kOptional
                                         : TlsClientAuth::kNone;
  out.required = env.Bool("PARLEY_TLS_REQUIRED", false);
  out.reload_interval = env.Duration("PARLEY_TLS_RELOAD_INTERVAL", absl::Seconds(60));
}

absl::Status CheckTlsSettings(const TlsSettings& tls) {
  if (tls.cert_file.empty() != tls.key_file.empty()) {
    return absl::InvalidArgumentError(
        "configuration: PARLEY_TLS_CERT_FILE and PARLEY_TLS_KEY_FILE must be set together");
  }
  if (tls.required && !tls.ServesTls()) {
    return absl::InvalidArgumentError(
        "configuration: PARLEY_TLS_REQUIRED is true but PARLEY_TLS_CERT_FILE and PARLEY_TLS_KEY_FILE are not set; "
        "refusing to serve plaintext");
  }
  if (tls.client_auth != TlsClientAuth::kNone) {
    if (!tls.ServesTls()) {
      return absl::InvalidArgumentError(
          "configuration: PARLEY_TLS_CLIENT_AUTH needs PARLEY_TLS_CERT_FILE and PARLEY_TLS_KEY_FILE");
    }
    if (tls.ca_file.empty()) {
      return absl::InvalidArgumentError("configuration: PARLEY_TLS_CLIENT_AUTH needs PARLEY_TLS_CA_FILE");
    }
  }
  if (tls.reload_interval < absl::Seconds(1)) {
    return absl::InvalidArgumentError("configuration: PARLEY_TLS_RELOAD_INTERVAL must be at least 1s");
  }
  const std::vector<std::pair<absl::string_view, const std::string*>> files = {{"PARLEY_TLS_CERT_FILE", &tls.cert_file},
                                                                               {"PARLEY_TLS_KEY_FILE", &tls.key_file},
                                                                               {"PARLEY_TLS_CA_FILE", &tls.ca_file}};
  for (const auto& [variable, path] : files) {
    if (path->empty()) continue;
    if (absl::Status s = CheckPemFile(variable, *path); !s.ok()) return s;
  }
  return absl::OkStatus();
}

}  // namespace parley
