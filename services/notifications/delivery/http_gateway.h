// SMS and app-push delivery: the Sender (domain/senders.h) that posts a copy as JSON to an HTTP(S)
// gateway with libcurl.
//
//   POST {base_url}{path}
//   Content-Type: application/json
//   Idempotency-Key: {idempotency_key}          the same on every attempt of one delivery
//   Authorization: Bearer {token}               the token file's content (a mounted secret)
//   {"to": address, "body": body, "title": subject, "reference": idempotency_key, "urgent": bool}
//   → 2xx {"id": "..."}
//
// Easy handles are pooled: libcurl keeps each handle's connection (and TLS session) open, so a busy
// sender pays the handshake once per handle, not once per message. The token file is re-read when it
// changes, so a rotated secret applies without a restart.
//
// Outcomes: 2xx → kAccepted (provider_reference: the answer's `id`); 408, 429, 5xx, a connection
// failure or a timeout → kRetry; 401, 403, 407 (our credentials: an operator fixes them, the
// message must not fall back to another channel for it) → kRetry; any other 4xx → kPermanent (an
// invalid number, an unknown app recipient). `detail` names the status or the libcurl error class, never the address or
// the body.
//
// For failover (sms_router.h) an attempt also says whether the gateway may have taken the message
// although it did not say so (GatewayAttempt::ambiguous): a timeout or a broken connection after the
// request was sent, and 502/504 (a proxy in front of the gateway lost or timed out on the upstream,
// which may have taken it). Such a delivery may only be retried on the same gateway, with the same
// key. Any other answer (408, 429, 401/403, 500, 503, ...) and a failure before the request left
// (refused connection, DNS, TLS handshake, connect timeout) are definite: the gateway did not take it.
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"
#include "common/config/env.h"
#include "services/notifications/domain/senders.h"

namespace parley::notifications {

struct HttpGatewaySettings {
  std::string name;                // the provider label: "sms-a", "sms-b", "push" (metrics, outcomes)
  std::string base_url;            // "https://api.gateway.example/v1" (no trailing slash needed)
  std::string path = "/messages";  // appended to base_url
  std::string token_file;          // bearer token, a mounted secret; empty: no Authorization header
  std::string ca_file;             // TLS: trust this PEM CA instead of the system's
  absl::Duration connect_timeout = absl::Seconds(5);
  absl::Duration timeout = absl::Seconds(15);  // the whole request, connection included
  int max_idle_connections = 8;                // easy handles (and their connections) kept for reuse
};

// Reads {prefix}_URL (required), {prefix}_PATH (default /messages), {prefix}_TOKEN_FILE,
// {prefix}_CA_FILE, {prefix}_CONNECT_TIMEOUT (default 5s), {prefix}_TIMEOUT (default 15s) and
// {prefix}_CONNECTIONS (default 8, 1-256) into a gateway named `name`. Problems are recorded in
// `env` (the caller calls env.Finish()). Prefixes in use: PARLEY_SMS_A, PARLEY_SMS_B, PARLEY_PUSH.
HttpGatewaySettings ReadHttpGatewaySettings(EnvReader& env, absl::string_view prefix, absl::string_view name);

// Whether {prefix}_URL is set: an optional gateway (PARLEY_SMS_B, PARLEY_PUSH) is configured.
bool HttpGatewayConfigured(EnvReader& env, absl::string_view prefix);

// One attempt at one gateway, with what failover needs to know beyond the outcome.
struct GatewayAttempt {
  SendOutcome outcome;
  // The gateway may have taken the message although it did not answer so: retry only there.
  bool ambiguous = false;
};

// A gateway as the SMS router sees it (fakes in tests).
class Gateway {
 public:
  virtual ~Gateway() = default;
  virtual const std::string& name() const = 0;
  // Blocking; safe from several threads at once; never throws.
  virtual GatewayAttempt Attempt(const Outgoing& message) = 0;
};

class HttpGatewaySender final : public Sender, public Gateway {
 public:
  // INVALID_ARGUMENT naming the setting when the URL is empty or the token file cannot be read.
  static absl::StatusOr<std::unique_ptr<HttpGatewaySender>> Create(HttpGatewaySettings settings);
  ~HttpGatewaySender() override;
  HttpGatewaySender(const HttpGatewaySender&) = delete;
  HttpGatewaySender& operator=(const HttpGatewaySender&) = delete;

  SendOutcome Send(const Outgoing& message) override { return Attempt(message).outcome; }
  GatewayAttempt Attempt(const Outgoing& message) override;
  const std::string& name() const override { return settings_.name; }

 private:
  explicit HttpGatewaySender(HttpGatewaySettings settings);
  void* AcquireHandle();
  void ReleaseHandle(void* handle);
  // The current bearer token: re-read when the file's modification time or size changed.
  absl::StatusOr<std::string> Token();

  const HttpGatewaySettings settings_;
  const std::string url_;
  absl::Mutex mu_;
  std::vector<void*> idle_ ABSL_GUARDED_BY(mu_);  // CURL* kept with their connections
  std::string token_ ABSL_GUARDED_BY(mu_);
  int64_t token_mtime_ns_ ABSL_GUARDED_BY(mu_) = -1;
  int64_t token_size_ ABSL_GUARDED_BY(mu_) = -1;
};

// The JSON body posted for `message` (exposed for tests). Invalid UTF-8 is replaced, never refused.
std::string GatewayRequestBody(const Outgoing& message);

// Classifies a finished exchange (exposed for tests): `http_status` is 0 when no answer came;
// `curl_code` is the CURLcode; `request_sent` whether libcurl sent the request's bytes.
GatewayAttempt ClassifyGatewayExchange(const std::string& gateway, int curl_code, long http_status, bool request_sent,
                                       absl::string_view response_body);

}  // namespace parley::notifications
