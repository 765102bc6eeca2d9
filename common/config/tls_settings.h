// Transport security of a Parley gRPC port and of the calls a Parley process makes (docs/deploy.md,
// "TLS"). Read from the environment by every service (ServiceSettings::tls); parleyctl, the tests
// and the benchmarks fill one in from their own flags.
//
//   PARLEY_TLS_CERT_FILE        PEM certificate chain this process presents (as server, and as
//                               client to its peers for mutual TLS)
//   PARLEY_TLS_KEY_FILE         its PEM private key (set together with the certificate)
//   PARLEY_TLS_CA_FILE          PEM CA bundle that peers' certificates are checked against: the
//                               servers this process calls, and the client certificates it asks for
//   PARLEY_TLS_CLIENT_AUTH      none | optional | require (default: optional when a CA is set, else
//                               none). optional asks for a client certificate and verifies one when
//                               presented, but also lets token-only clients (third-party apps) in;
//                               require refuses a connection without a certificate the CA signed.
//   PARLEY_TLS_REQUIRED         true: refuse to start without a certificate and key (production)
//   PARLEY_TLS_RELOAD_INTERVAL  how often the files are re-read (default 60s): a rotated
//                               certificate is picked up without a restart
#pragma once

#include <string>

#include "absl/status/status.h"
#include "absl/strings/string_view.h"
#include "absl/time/time.h"
#include "common/config/env.h"

namespace parley {

enum class TlsClientAuth { kNone, kOptional, kRequire };

struct TlsSettings {
  std::string cert_file;
  std::string key_file;
  std::string ca_file;
  TlsClientAuth client_auth = TlsClientAuth::kNone;
  bool required = false;
  absl::Duration reload_interval = absl::Seconds(60);

  // A server serves TLS when it has an identity (certificate and key).
  bool ServesTls() const { return !cert_file.empty(); }
  // A client speaks TLS when it has a CA to trust or an identity to present.
  bool CallsWithTls() const { return !ca_file.empty() || !cert_file.empty(); }
};

absl::string_view TlsClientAuthName(TlsClientAuth mode);

// Reads the PARLEY_TLS_* variables into `out`; problems are recorded in `env`.
void ReadTlsSettings(EnvReader& env, TlsSettings& out);

// What no single variable shows, as INVALID_ARGUMENT naming the variables: a certificate without
// its key (or the reverse); PARLEY_TLS_REQUIRED without either; a client-auth mode without a CA or
// without TLS; a file that cannot be read or holds no PEM block. Reads the files, never logs them.
absl::Status CheckTlsSettings(const TlsSettings& tls);

}  // namespace parley
