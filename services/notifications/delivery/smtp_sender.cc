#include "services/notifications/delivery/smtp_sender.h"

#include <curl/curl.h>

#include <algorithm>
#include <cstdio>
#include <cstring>
#include <fstream>
#include <mutex>
#include <sstream>
#include <utility>

#include "absl/strings/ascii.h"
#include "absl/strings/escaping.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_split.h"
#include "absl/strings/strip.h"
#include "common/status/status_macros.h"

namespace parley::notifications {
namespace {

constexpr char kProvider[] = "smtp";

// curl_global_init is not thread-safe: run it once, before the first handle, whoever comes first.
void GlobalInitOnce() {
  static std::once_flag once;
  std::call_once(once, [] { curl_global_init(CURL_GLOBAL_DEFAULT); });
}

std::string StripLineBreaks(absl::string_view value) {
  std::string out;
  out.reserve(value.size());
  for (char c : value) {
    if (c != '\r' && c != '\n') out.push_back(c);
  }
  return out;
}

bool IsPrintableAscii(absl::string_view text) {
  return std::all_of(text.begin(), text.end(), [](char c) { return c >= 0x20 && c <= 0x7e; });
}

// An envelope address curl can put between angle brackets: one '@', nothing that ends or splits the
// SMTP command. Anything else is refused for good; trying again would not change it.
bool IsSendableAddress(absl::string_view address) {
  if (address.empty() || address.size() > 254) return false;
  for (char c : address) {
    const auto u = static_cast<unsigned char>(c);
    if (u <= 0x20 || u == 0x7f || c == '<' || c == '>' || c == ',' || c == '"' || c == '\\') return false;
  }
  const size_t at = address.rfind('@');
  return at != absl::string_view::npos && at > 0 && at + 1 < address.size() && address.find('@') == at;
}

// "Name" <address>, the name quoted, or encoded when it is not printable ASCII.
std::string Mailbox(absl::string_view name, absl::string_view address) {
  const std::string clean_name = StripLineBreaks(name);
  const std::string clean_address = StripLineBreaks(address);
  if (clean_name.empty()) return absl::StrCat("<", clean_address, ">");
  if (!IsPrintableAscii(clean_name)) return absl::StrCat(EncodeHeaderText(clean_name), " <", clean_address, ">");
  std::string quoted = "\"";
  for (char c : clean_name) {
    if (c == '"' || c == '\\') quoted.push_back('\\');
    quoted.push_back(c);
  }
  return absl::StrCat(quoted, "\" <", clean_address, ">");
}

// RFC 5322 date in UTC, spelled out here so no locale can change it.
std::string RfcDate(absl::Time t) {
  static constexpr const char* kDays[] = {"Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"};
  static constexpr const char* kMonths[] = {"Jan", "Feb", "Mar", "Apr", "May", "Jun",
                                            "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"};
  const absl::TimeZone utc = absl::UTCTimeZone();
  const absl::CivilSecond cs = absl::ToCivilSecond(t, utc);
  const int weekday = static_cast<int>(absl::GetWeekday(cs));  // absl: Monday is 0
  return absl::StrFormat("%s, %02d %s %04d %02d:%02d:%02d +0000", kDays[weekday], cs.day(), kMonths[cs.month() - 1],
                         cs.year(), cs.hour(), cs.minute(), cs.second());
}

// The SMTP step a failure happened at, from the message libcurl wrote for it.
std::string FailedStep(CURLcode rc, const char* error_buffer) {
  const absl::string_view e(error_buffer);
  if (absl::StartsWith(e, "RCPT")) return "RCPT";
  if (absl::StartsWith(e, "DATA")) return "DATA";
  if (absl::StartsWith(e, "MAIL")) return "MAIL";
  if (absl::StartsWith(e, "Got unexpected smtp-server response")) return "greeting";
  if (absl::StartsWith(e, "Authentication")) return "AUTH";
  if (absl::StartsWith(e, "Remote access denied")) return "EHLO";
  if (absl::StartsWith(e, "STARTTLS")) return "STARTTLS";
  // The answer to the end of the data is the one failure libcurl reports without a message.
  if (rc == CURLE_WEIRD_SERVER_REPLY) return "end of data";
  return "session";
}

struct ReadState {
  absl::string_view data;
  size_t pos = 0;
};

size_t ReadPayload(char* buffer, size_t size, size_t count, void* user) {
  auto* state = static_cast<ReadState*>(user);
  const size_t n = std::min(size * count, state->data.size() - state->pos);
  std::memcpy(buffer, state->data.data() + state->pos, n);
  state->pos += n;
  return n;
}

absl::StatusOr<std::string> ReadSecretFile(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return absl::InvalidArgumentError("configuration: PARLEY_SMTP_PASSWORD_FILE cannot be read");
  std::ostringstream content;
  content << in.rdbuf();
  std::string secret = content.str();
  while (!secret.empty() && (secret.back() == '\n' || secret.back() == '\r')) secret.pop_back();
  return secret;
}

}  // namespace

struct SmtpSender::Handle {
  CURL* curl = nullptr;
  char error[CURL_ERROR_SIZE] = {};
  ~Handle() {
    if (curl != nullptr) curl_easy_cleanup(curl);
  }
};

absl::StatusOr<SmtpSettings> SmtpSettingsFromEnv(EnvReader& env) {
  SmtpSettings s;
  s.url = env.Required("PARLEY_SMTP_URL");
  s.starttls = env.Bool("PARLEY_SMTP_STARTTLS", false);
  s.username = env.String("PARLEY_SMTP_USERNAME", "");
  const std::string password_file = env.String("PARLEY_SMTP_PASSWORD_FILE", "");
  s.from_address = env.Required("PARLEY_SMTP_FROM");
  s.from_name = env.String("PARLEY_SMTP_FROM_NAME", "Parley");
  s.message_id_domain = env.String("PARLEY_SMTP_MESSAGE_ID_DOMAIN", "");
  s.timeout = env.Duration("PARLEY_SMTP_TIMEOUT", s.timeout);
  s.max_connections = static_cast<int>(env.Int("PARLEY_SMTP_CONNECTIONS", s.max_connections, 1, 256));
  s.ca_file = env.String("PARLEY_SMTP_CA_FILE", "");
  PARLEY_RETURN_IF_ERROR(env.Finish());

  if (!absl::StartsWith(s.url, "smtp://") && !absl::StartsWith(s.url, "smtps://")) {
    return absl::InvalidArgumentError("configuration: PARLEY_SMTP_URL must start with smtp:// or smtps://");
  }
  if (!IsSendableAddress(s.from_address)) {
    return absl::InvalidArgumentError("configuration: PARLEY_SMTP_FROM must be one address (name@domain)");
  }
  if (s.timeout < absl::Seconds(1)) {
    return absl::InvalidArgumentError("configuration: PARLEY_SMTP_TIMEOUT must be at least 1s");
  }
  if (!password_file.empty()) {
    if (s.username.empty()) {
      return absl::InvalidArgumentError("configuration: PARLEY_SMTP_PASSWORD_FILE needs PARLEY_SMTP_USERNAME");
    }
    absl::StatusOr<std::string> password = ReadSecretFile(password_file);
    if (!password.ok()) return password.status();
    s.password = *std::move(password);
  }
  if (s.message_id_domain.empty()) s.message_id_domain = s.from_address.substr(s.from_address.rfind('@') + 1);
  return s;
}

std::string QuotedPrintable(absl::string_view text) {
  std::string out;
  out.reserve(text.size() + text.size() / 8 + 8);
  bool first_line = true;
  for (absl::string_view line : absl::StrSplit(text, '\n')) {
    if (!first_line) out += "\r\n";
    first_line = false;
    absl::ConsumeSuffix(&line, "\r");
    size_t column = 0;
    for (size_t i = 0; i < line.size(); ++i) {
      const auto c = static_cast<unsigned char>(line[i]);
      const bool last = i + 1 == line.size();
      const bool literal = (c >= 33 && c <= 126 && c != '=') || ((c == ' ' || c == '\t') && !last);
      std::string token = literal ? std::string(1, static_cast<char>(c)) : absl::StrFormat("=%02X", c);
      // 75 leaves room for the '=' of a soft break: physical lines stay within 76.
      if (column + token.size() > 75) {
        out += "=\r\n";
        column = 0;
      }
      // A leading dot would need SMTP dot-stuffing; encoded, it never matters.
      if (column == 0 && c == '.') token = "=2E";
      out += token;
      column += token.size();
    }
  }
  out += "\r\n";
  return out;
}

std::string EncodeHeaderText(absl::string_view text) {
  if (IsPrintableAscii(text)) return std::string(text);
  // 45 bytes → 60 base64 characters: with "=?UTF-8?B?" and "?=" a word stays within 75 (RFC 2047 §2).
  constexpr size_t kChunk = 45;
  std::vector<std::string> words;
  size_t start = 0;
  while (start < text.size()) {
    size_t end = std::min(start + kChunk, text.size());
    // Never split a UTF-8 sequence: back off continuation bytes (10xxxxxx).
    while (end < text.size() && end > start + 1 && (static_cast<unsigned char>(text[end]) & 0xC0) == 0x80) --end;
    words.push_back(absl::StrCat("=?UTF-8?B?", absl::Base64Escape(text.substr(start, end - start)), "?="));
    start = end;
  }
  return absl::StrJoin(words, "\r\n ");
}

std::string ComposeMessage(const SmtpSettings& settings, const Outgoing& message, absl::string_view message_id,
                           absl::Time date) {
  std::string out;
  out.reserve(message.body.size() * 11 / 10 + 512);
  absl::StrAppend(&out, "Message-ID: ", StripLineBreaks(message_id), "\r\n");
  absl::StrAppend(&out, "Date: ", RfcDate(date), "\r\n");
  absl::StrAppend(&out, "From: ", Mailbox(settings.from_name, settings.from_address), "\r\n");
  absl::StrAppend(&out, "To: ", Mailbox(message.recipient_name, message.address), "\r\n");
  absl::StrAppend(&out, "Subject: ", EncodeHeaderText(StripLineBreaks(message.subject)), "\r\n");
  out += "MIME-Version: 1.0\r\n";
  out += "Content-Type: text/plain; charset=UTF-8\r\n";
  out += "Content-Transfer-Encoding: quoted-printable\r\n";
  absl::StrAppend(&out, "X-Parley-School: ", StripLineBreaks(message.school_id), "\r\n");
  if (message.urgent) out += "Importance: high\r\n";
  out += "\r\n";
  out += QuotedPrintable(message.body);
  return out;
}

SmtpSender::SmtpSender(SmtpSettings settings, const Clock& clock) : settings_(std::move(settings)), clock_(clock) {
  GlobalInitOnce();
}

SmtpSender::~SmtpSender() = default;

std::string SmtpSender::MessageId(absl::string_view idempotency_key) const {
  std::string id = "<";
  for (char c : idempotency_key) {
    if (absl::ascii_isalnum(static_cast<unsigned char>(c)) || c == '-' || c == '_') {
      id.push_back(c);
    } else {
      absl::StrAppendFormat(&id, "=%02X", static_cast<unsigned char>(c));
    }
  }
  id.push_back('@');
  for (char c : settings_.message_id_domain) {
    if (absl::ascii_isalnum(static_cast<unsigned char>(c)) || c == '-' || c == '.') id.push_back(c);
  }
  id.push_back('>');
  return id;
}

SmtpSender::Handle* SmtpSender::Acquire() {
  absl::MutexLock lock(&mu_);
  const auto available = [this]() ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_) {
    return !idle_.empty() || static_cast<int>(handles_.size()) < settings_.max_connections;
  };
  mu_.Await(absl::Condition(&available));
  if (!idle_.empty()) {
    Handle* h = idle_.back();
    idle_.pop_back();
    return h;
  }
  auto handle = std::make_unique<Handle>();
  CURL* curl = curl_easy_init();
  handle->curl = curl;
  if (curl != nullptr) {
    curl_easy_setopt(curl, CURLOPT_URL, settings_.url.c_str());
    const std::string from = absl::StrCat("<", settings_.from_address, ">");
    curl_easy_setopt(curl, CURLOPT_MAIL_FROM, from.c_str());  // libcurl copies string options
    curl_easy_setopt(curl, CURLOPT_UPLOAD, 1L);
    curl_easy_setopt(curl, CURLOPT_READFUNCTION, &ReadPayload);
    curl_easy_setopt(curl, CURLOPT_NOSIGNAL, 1L);  // threads: no SIGALRM for timeouts
    curl_easy_setopt(curl, CURLOPT_TIMEOUT_MS, static_cast<long>(absl::ToInt64Milliseconds(settings_.timeout)));
    curl_easy_setopt(curl, CURLOPT_CONNECTTIMEOUT_MS,
                     static_cast<long>(absl::ToInt64Milliseconds(std::min(settings_.timeout, absl::Seconds(10)))));
    curl_easy_setopt(curl, CURLOPT_TCP_KEEPALIVE, 1L);
    curl_easy_setopt(curl, CURLOPT_ERRORBUFFER, handle->error);
    if (settings_.starttls) curl_easy_setopt(curl, CURLOPT_USE_SSL, static_cast<long>(CURLUSESSL_ALL));
    if (!settings_.ca_file.empty()) curl_easy_setopt(curl, CURLOPT_CAINFO, settings_.ca_file.c_str());
    if (!settings_.username.empty()) {
      curl_easy_setopt(curl, CURLOPT_USERNAME, settings_.username.c_str());
      curl_easy_setopt(curl, CURLOPT_PASSWORD, settings_.password.c_str());
    }
  }
  handles_.push_back(std::move(handle));
  return handles_.back().get();
}

void SmtpSender::Release(Handle* handle) {
  absl::MutexLock lock(&mu_);
  idle_.push_back(handle);
}

SendOutcome SmtpSender::Send(const Outgoing& message) {
  SendOutcome outcome;
  outcome.provider = kProvider;
  if (!IsSendableAddress(message.address)) {
    outcome.kind = SendOutcome::Kind::kPermanent;
    outcome.detail = "smtp: not a valid email address";
    return outcome;
  }
  const std::string message_id = MessageId(message.idempotency_key);
  const std::string payload = ComposeMessage(settings_, message, message_id, clock_.Now());
  const std::string recipient = absl::StrCat("<", message.address, ">");

  Handle* handle = Acquire();
  CURL* curl = handle->curl;
  if (curl == nullptr) {
    Release(handle);
    outcome.detail = "smtp: libcurl could not make a handle";
    return outcome;
  }
  curl_slist* recipients = curl_slist_append(nullptr, recipient.c_str());
  curl_easy_setopt(curl, CURLOPT_MAIL_RCPT, recipients);
  CURLcode rc = CURLE_OK;
  long code = 0;
  // A pooled session the server has closed since (idle timeout) fails before any answer: that
  // message was not taken, so one more try on a fresh connection is safe.
  for (int attempt = 0; attempt < 2; ++attempt) {
    ReadState state{payload, 0};
    curl_easy_setopt(curl, CURLOPT_READDATA, &state);
    curl_easy_setopt(curl, CURLOPT_INFILESIZE_LARGE, static_cast<curl_off_t>(payload.size()));
    handle->error[0] = '\0';
    rc = curl_easy_perform(curl);
    code = 0;
    curl_easy_getinfo(curl, CURLINFO_RESPONSE_CODE, &code);
    long new_connections = 0;
    curl_easy_getinfo(curl, CURLINFO_NUM_CONNECTS, &new_connections);
    const bool dead_reused_session = new_connections == 0 && code == 0 &&
                                     (rc == CURLE_SEND_ERROR || rc == CURLE_RECV_ERROR || rc == CURLE_GOT_NOTHING);
    if (!dead_reused_session) break;
  }
  curl_easy_setopt(curl, CURLOPT_MAIL_RCPT, nullptr);
  curl_slist_free_all(recipients);
  const std::string step = rc == CURLE_OK ? "" : FailedStep(rc, handle->error);
  Release(handle);

  if (rc == CURLE_OK) {
    outcome.kind = SendOutcome::Kind::kAccepted;
    outcome.provider_reference = message_id;
    outcome.detail = absl::StrCat("smtp ", code, ": accepted");
    return outcome;
  }
  if (code < 200) {  // no SMTP answer: refused, unreachable, timed out, TLS
    outcome.kind = SendOutcome::Kind::kRetry;
    outcome.detail = absl::StrCat("smtp connection: ", curl_easy_strerror(rc));
    return outcome;
  }
  const bool recipient_step = step == "RCPT" || step == "DATA" || step == "end of data";
  if (code >= 500 && code < 600 && recipient_step) {
    outcome.kind = SendOutcome::Kind::kPermanent;
    outcome.detail = absl::StrCat("smtp ", code, " at ", step, ": permanent failure");
  } else {
    outcome.kind = SendOutcome::Kind::kRetry;
    outcome.detail =
        absl::StrCat("smtp ", code, " at ", step, code >= 500 ? ": refused (configuration?)" : ": temporary failure");
  }
  return outcome;
}

}  // namespace parley::notifications
