// Email delivery: the Sender (domain/senders.h) that hands a copy to an SMTP server with libcurl.
//
// One CURL easy handle per concurrent caller, up to `max_connections`, kept in a pool: libcurl keeps
// each handle's SMTP session open, so a busy sender pays the connection, EHLO, STARTTLS and AUTH once
// per handle, not once per message. The Message-ID is built from the delivery's idempotency key, so a
// resend after an unknown outcome carries the same Message-ID and a provider (or a person) can see
// it is the same message.
//
// Outcomes: 2xx → kAccepted (provider "smtp", provider_reference the Message-ID); 4xx, a connection
// failure or a timeout → kRetry; 5xx to RCPT TO, DATA or the end of the data (550 no such mailbox)
// → kPermanent; 5xx elsewhere (greeting, EHLO, AUTH, MAIL FROM: our configuration, not the
// recipient) → kRetry. `detail` names the code and the step, never the address.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"
#include "common/clock/clock.h"
#include "common/config/env.h"
#include "services/notifications/domain/senders.h"

namespace parley::notifications {

struct SmtpSettings {
  std::string url;        // "smtp://host:port" or "smtps://host:port" (TLS from the first byte)
  bool starttls = false;  // require STARTTLS on smtp:// (refuse to send in clear)
  std::string username;   // empty: no AUTH
  std::string password;
  std::string from_address;                    // envelope and From: "office@trust.example"
  std::string from_name;                       // From's display name: "Parley (Oak Trust)"
  std::string message_id_domain;               // right side of Message-ID: "<key@domain>"
  absl::Duration timeout = absl::Seconds(30);  // one whole message, connection included
  int max_connections = 4;                     // SMTP sessions held open at most
  std::string ca_file;                         // TLS: trust this PEM CA instead of the system's
};

// Reads PARLEY_SMTP_URL (required), PARLEY_SMTP_STARTTLS (default false), PARLEY_SMTP_USERNAME,
// PARLEY_SMTP_PASSWORD_FILE (a mounted secret; its trailing newline is dropped), PARLEY_SMTP_FROM
// (required), PARLEY_SMTP_FROM_NAME (default "Parley"), PARLEY_SMTP_MESSAGE_ID_DOMAIN (default: the
// domain of PARLEY_SMTP_FROM), PARLEY_SMTP_TIMEOUT (default 30s), PARLEY_SMTP_CONNECTIONS (default 4,
// 1-256) and PARLEY_SMTP_CA_FILE. Calls env.Finish(): the error names every variable to fix.
absl::StatusOr<SmtpSettings> SmtpSettingsFromEnv(EnvReader& env);

class SmtpSender final : public Sender {
 public:
  // `clock` dates the messages (the Date header); it must outlive the sender.
  explicit SmtpSender(SmtpSettings settings, const Clock& clock = RealClock::Get());
  ~SmtpSender() override;
  SmtpSender(const SmtpSender&) = delete;
  SmtpSender& operator=(const SmtpSender&) = delete;

  SendOutcome Send(const Outgoing& message) override;

  // The Message-ID of the delivery with this key, angle brackets included: "<key@domain>".
  // Characters a Message-ID may not hold are written "=XX" (hex), so distinct keys stay distinct.
  std::string MessageId(absl::string_view idempotency_key) const;

 private:
  struct Handle;
  Handle* Acquire();
  void Release(Handle* handle);

  const SmtpSettings settings_;
  const Clock& clock_;
  absl::Mutex mu_;
  std::vector<std::unique_ptr<Handle>> handles_ ABSL_GUARDED_BY(mu_);  // every handle made
  std::vector<Handle*> idle_ ABSL_GUARDED_BY(mu_);
};

// The message as sent, headers and quoted-printable body with CRLF line ends (exposed for tests).
// Header values lose any CR and LF (no header injection); a non-ASCII subject or display name is an
// RFC 2047 encoded-word.
std::string ComposeMessage(const SmtpSettings& settings, const Outgoing& message, absl::string_view message_id,
                           absl::Time date);

// Quoted-printable (RFC 2045 §6.7) of UTF-8 text: CRLF line ends, lines of at most 76 characters.
std::string QuotedPrintable(absl::string_view text);

// `text` as it may stand in a header: unchanged when printable ASCII, else RFC 2047 encoded-words
// ("=?UTF-8?B?...?=") split on character boundaries and folded.
std::string EncodeHeaderText(absl::string_view text);

}  // namespace parley::notifications
