// The ports through which a delivery leaves Parley: one Sender per channel (email over SMTP, SMS and
// app push through HTTP gateways) and the letter batch renderer. Plain types only: the adapters in
// delivery/ speak SMTP and HTTP; the domain and the delivery worker see only these.
#pragma once

#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/time/time.h"

namespace parley::notifications {

// One copy on one channel, rendered and addressed. Everything but the key, the school and the
// flags is personal data: it never appears in logs or metrics.
struct Outgoing {
  // Stable for this delivery whatever the number of attempts: the email's Message-ID, the HTTP
  // gateways' Idempotency-Key. A provider that saw the key already must not send again.
  std::string idempotency_key;
  std::string school_id;
  std::string address;         // email address, mobile number (E.164 or national), app recipient id
  std::string recipient_name;  // "Mrs K. Nowak"
  std::string subject;         // email subject, push title (SMS has none)
  std::string body;            // plain text, UTF-8
  bool urgent = false;         // emergency priority: gateways may route it first
  // The `provider` of this delivery's previous attempt when it ended kRetry (empty on the first).
  // The SMS router's kRetry names a gateway only when that gateway may hold the message, and it
  // retries such a delivery on that gateway alone: no message is sent by both (delivery/sms_router.h).
  std::string sticky_provider;
};

struct SendOutcome {
  enum class Kind {
    kAccepted,   // the provider took it; `provider_reference` names it for receipts
    kRetry,      // not taken, or unknown: try again later with the same key
    kPermanent,  // refused for good (no such mailbox, invalid number): fall back to the next channel
  };
  Kind kind = Kind::kRetry;
  std::string provider;            // "smtp", "sms-a", "sms-b", "push"
  std::string provider_reference;  // the provider's id of the message, when accepted
  std::string detail;              // why, for operators: a status code and class, never an address
};

class Sender {
 public:
  virtual ~Sender() = default;
  // Blocking; safe to call from several threads at once. Never throws.
  virtual SendOutcome Send(const Outgoing& message) = 0;
};

// One addressed letter of a school's daily batch: one page, naming the pupil(s).
struct Letter {
  std::string recipient_name;
  std::vector<std::string> address_lines;
  std::string school_name;
  absl::CivilDay date;
  std::string subject;
  std::string pupils_line;  // "About: Amelia Nowak (Year 4)"
  std::string body;         // paragraphs separated by blank lines
};

struct LetterBatch {
  std::string school_id;
  std::string school_name;
  absl::CivilDay date;
  std::vector<Letter> letters;
};

}  // namespace parley::notifications
