#include "services/notifications/delivery/http_gateway.h"

#include <curl/curl.h>
#include <sys/stat.h>

#include <fstream>
#include <mutex>
#include <sstream>
#include <utility>

#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/strip.h"
#include "common/status/reason.h"
#include "nlohmann/json.hpp"

namespace parley::notifications {
namespace {

constexpr size_t kMaxResponseBytes = 64 * 1024;

void GlobalInit() {
  // curl_global_init is not thread-safe on every libcurl build: once, before the first handle.
  static std::once_flag once;
  std::call_once(once, [] { curl_global_init(CURL_GLOBAL_DEFAULT); });
}

size_t CollectBody(char* data, size_t size, size_t count, void* user) {
  auto* out = static_cast<std::string*>(user);
  const size_t n = size * count;
  // Keep reading past the cap (so the connection stays reusable) but store no more.
  if (out->size() < kMaxResponseBytes) out->append(data, std::min(n, kMaxResponseBytes - out->size()));
  return n;
}

// Failures before the request's bytes left: the gateway cannot have taken it.
bool BeforeRequest(int code) {
  switch (code) {
    case CURLE_COULDNT_RESOLVE_HOST:
    case CURLE_COULDNT_RESOLVE_PROXY:
    case CURLE_COULDNT_CONNECT:
    case CURLE_SSL_CONNECT_ERROR:
    case CURLE_PEER_FAILED_VERIFICATION:
    case CURLE_SSL_CACERT_BADFILE:
    case CURLE_SSL_CERTPROBLEM:
    case CURLE_URL_MALFORMAT:
    case CURLE_UNSUPPORTED_PROTOCOL:
      return true;
    default:
      return false;
  }
}

std::string ResponseId(absl::string_view body) {
  const nlohmann::json parsed = nlohmann::json::parse(body, nullptr, /*allow_exceptions=*/false);
  if (!parsed.is_object()) return "";
  auto it = parsed.find("id");
  if (it == parsed.end()) return "";
  if (it->is_string()) return it->get<std::string>();
  if (it->is_number_integer()) return std::to_string(it->get<int64_t>());
  return "";
}

}  // namespace

HttpGatewaySettings ReadHttpGatewaySettings(EnvReader& env, absl::string_view prefix, absl::string_view name) {
  HttpGatewaySettings out;
  out.name = std::string(name);
  out.base_url = env.Required(absl::StrCat(prefix, "_URL"));
  out.path = env.String(absl::StrCat(prefix, "_PATH"), out.path);
  out.token_file = env.String(absl::StrCat(prefix, "_TOKEN_FILE"), "");
  out.ca_file = env.String(absl::StrCat(prefix, "_CA_FILE"), "");
  out.connect_timeout = env.Duration(absl::StrCat(prefix, "_CONNECT_TIMEOUT"), out.connect_timeout);
  out.timeout = env.Duration(absl::StrCat(prefix, "_TIMEOUT"), out.timeout);
  out.max_idle_connections = static_cast<int>(env.Int(absl::StrCat(prefix, "_CONNECTIONS"), 8, 1, 256));
  return out;
}

bool HttpGatewayConfigured(EnvReader& env, absl::string_view prefix) {
  return !env.String(absl::StrCat(prefix, "_URL"), "").empty();
}

std::string GatewayRequestBody(const Outgoing& message) {
  nlohmann::json body = {
      {"to", message.address},    {"body", message.body},
      {"title", message.subject}, {"reference", message.idempotency_key},
      {"urgent", message.urgent},
  };
  // Replace rather than throw on invalid UTF-8: Send never throws, and a mangled character is
  // better than a copy that can never be sent.
  return body.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
}

GatewayAttempt ClassifyGatewayExchange(const std::string& gateway, int curl_code, long http_status, bool request_sent,
                                       absl::string_view response_body) {
  GatewayAttempt attempt;
  SendOutcome& out = attempt.outcome;
  out.provider = gateway;
  if (curl_code == CURLE_OK && http_status > 0) {
    if (http_status >= 200 && http_status < 300) {
      out.kind = SendOutcome::Kind::kAccepted;
      out.provider_reference = ResponseId(response_body);
      out.detail = out.provider_reference.empty() ? absl::StrCat("HTTP ", http_status, " without an id")
                                                  : absl::StrCat("HTTP ", http_status);
      return attempt;
    }
    if (http_status == 408 || http_status == 429 || http_status >= 500) {
      out.kind = SendOutcome::Kind::kRetry;
      attempt.ambiguous = http_status == 502 || http_status == 504;
      out.detail = absl::StrCat("HTTP ", http_status, attempt.ambiguous ? " (may have been taken)" : " (refused)");
      return attempt;
    }
    if (http_status == 401 || http_status == 403 || http_status == 407) {
      // Our credentials, not the recipient: falling back to another channel would hide it.
      out.kind = SendOutcome::Kind::kRetry;
      out.detail = absl::StrCat("HTTP ", http_status, " (credentials refused)");
      return attempt;
    }
    if (http_status >= 400) {
      out.kind = SendOutcome::Kind::kPermanent;
      out.detail = absl::StrCat("HTTP ", http_status, " (rejected)");
      return attempt;
    }
    // 1xx/3xx as a final answer: a misconfigured URL, not the message's fault. Nothing was taken.
    out.kind = SendOutcome::Kind::kRetry;
    out.detail = absl::StrCat("HTTP ", http_status, " (unexpected answer)");
    return attempt;
  }
  out.kind = SendOutcome::Kind::kRetry;
  attempt.ambiguous = request_sent && !BeforeRequest(curl_code);
  out.detail = absl::StrCat("curl ", curl_code, ": ", curl_easy_strerror(static_cast<CURLcode>(curl_code)),
                            attempt.ambiguous ? " (after the request was sent)" : " (before the request was sent)");
  return attempt;
}

absl::StatusOr<std::unique_ptr<HttpGatewaySender>> HttpGatewaySender::Create(HttpGatewaySettings settings) {
  if (settings.base_url.empty()) {
    return InvalidArgument(reason::kInvalidField, absl::StrCat("gateway ", settings.name, ": the URL is not set"));
  }
  GlobalInit();
  std::unique_ptr<HttpGatewaySender> sender(new HttpGatewaySender(std::move(settings)));
  if (!sender->settings_.token_file.empty()) {
    absl::StatusOr<std::string> token = sender->Token();
    if (!token.ok()) return token.status();
  }
  return sender;
}

HttpGatewaySender::HttpGatewaySender(HttpGatewaySettings settings)
    : settings_(std::move(settings)),
      url_(absl::StrCat(absl::StripSuffix(settings_.base_url, "/"),
                        absl::StartsWith(settings_.path, "/") || settings_.path.empty() ? "" : "/", settings_.path)) {}

HttpGatewaySender::~HttpGatewaySender() {
  absl::MutexLock lock(&mu_);
  for (void* h : idle_) curl_easy_cleanup(static_cast<CURL*>(h));
}

void* HttpGatewaySender::AcquireHandle() {
  {
    absl::MutexLock lock(&mu_);
    if (!idle_.empty()) {
      void* h = idle_.back();
      idle_.pop_back();
      return h;
    }
  }
  return curl_easy_init();
}

void HttpGatewaySender::ReleaseHandle(void* handle) {
  {
    absl::MutexLock lock(&mu_);
    if (static_cast<int>(idle_.size()) < settings_.max_idle_connections) {
      idle_.push_back(handle);
      return;
    }
  }
  curl_easy_cleanup(static_cast<CURL*>(handle));
}

absl::StatusOr<std::string> HttpGatewaySender::Token() {
  const std::string& path = settings_.token_file;
  struct stat st {};
  if (::stat(path.c_str(), &st) != 0) {
    return InvalidArgument(reason::kInvalidField,
                           absl::StrCat("gateway ", settings_.name, ": the token file cannot be read"));
  }
  const int64_t mtime_ns = static_cast<int64_t>(st.st_mtim.tv_sec) * 1000000000 + st.st_mtim.tv_nsec;
  {
    absl::MutexLock lock(&mu_);
    if (mtime_ns == token_mtime_ns_ && st.st_size == token_size_) return token_;
  }
  std::ifstream in(path, std::ios::binary);
  if (!in) {
    return InvalidArgument(reason::kInvalidField,
                           absl::StrCat("gateway ", settings_.name, ": the token file cannot be read"));
  }
  std::stringstream content;
  content << in.rdbuf();
  std::string token(absl::StripAsciiWhitespace(content.str()));
  if (token.empty()) {
    return InvalidArgument(reason::kInvalidField,
                           absl::StrCat("gateway ", settings_.name, ": the token file is empty"));
  }
  absl::MutexLock lock(&mu_);
  token_ = token;
  token_mtime_ns_ = mtime_ns;
  token_size_ = st.st_size;
  return token;
}

GatewayAttempt HttpGatewaySender::Attempt(const Outgoing& message) {
  std::string authorization;
  if (!settings_.token_file.empty()) {
    absl::StatusOr<std::string> token = Token();
    if (!token.ok()) {
      GatewayAttempt attempt;
      attempt.outcome.provider = settings_.name;
      attempt.outcome.kind = SendOutcome::Kind::kRetry;  // a secret being rotated: nothing was sent
      attempt.outcome.detail = "the gateway's token file cannot be read";
      return attempt;
    }
    authorization = absl::StrCat("Authorization: Bearer ", *token);
  }
  CURL* curl = static_cast<CURL*>(AcquireHandle());
  if (curl == nullptr) {
    GatewayAttempt attempt;
    attempt.outcome.provider = settings_.name;
    attempt.outcome.detail = "curl_easy_init failed";
    return attempt;
  }
  // reset keeps the handle's live connection and TLS session: that is the reuse.
  curl_easy_reset(curl);
  const std::string body = GatewayRequestBody(message);
  std::string response;
  curl_slist* headers = nullptr;
  headers = curl_slist_append(headers, "Content-Type: application/json");
  headers = curl_slist_append(headers, "Accept: application/json");
  headers = curl_slist_append(headers, absl::StrCat("Idempotency-Key: ", message.idempotency_key).c_str());
  if (!authorization.empty()) headers = curl_slist_append(headers, authorization.c_str());
  headers = curl_slist_append(headers, "Expect:");  // no 100-continue round trip

  curl_easy_setopt(curl, CURLOPT_URL, url_.c_str());
  curl_easy_setopt(curl, CURLOPT_NOSIGNAL, 1L);
  curl_easy_setopt(curl, CURLOPT_PROTOCOLS_STR, "http,https");
  curl_easy_setopt(curl, CURLOPT_HTTPHEADER, headers);
  curl_easy_setopt(curl, CURLOPT_POST, 1L);
  curl_easy_setopt(curl, CURLOPT_POSTFIELDS, body.data());
  curl_easy_setopt(curl, CURLOPT_POSTFIELDSIZE_LARGE, static_cast<curl_off_t>(body.size()));
  curl_easy_setopt(curl, CURLOPT_CONNECTTIMEOUT_MS,
                   static_cast<long>(absl::ToInt64Milliseconds(settings_.connect_timeout)));
  curl_easy_setopt(curl, CURLOPT_TIMEOUT_MS, static_cast<long>(absl::ToInt64Milliseconds(settings_.timeout)));
  curl_easy_setopt(curl, CURLOPT_WRITEFUNCTION, CollectBody);
  curl_easy_setopt(curl, CURLOPT_WRITEDATA, &response);
  if (!settings_.ca_file.empty()) curl_easy_setopt(curl, CURLOPT_CAINFO, settings_.ca_file.c_str());

  const CURLcode code = curl_easy_perform(curl);
  long http_status = 0;
  curl_easy_getinfo(curl, CURLINFO_RESPONSE_CODE, &http_status);
  long request_size = 0;
  curl_easy_getinfo(curl, CURLINFO_REQUEST_SIZE, &request_size);
  curl_slist_free_all(headers);
  // A handle whose exchange failed may hold a half-used connection: do not keep it.
  if (code == CURLE_OK) {
    ReleaseHandle(curl);
  } else {
    curl_easy_cleanup(curl);
  }
  return ClassifyGatewayExchange(settings_.name, code, http_status, request_size > 0, response);
}

}  // namespace parley::notifications
