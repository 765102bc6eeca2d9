// A notice the domain asks to send: written to the outbox in the same transaction as the change
// that causes it (migrations/0002_outbox.sql), handed to notifications by the relay, which turns it
// into a CreateNotice request (common/outbox/notice_convert.h has the JSON shape). Quiet hours,
// channels and consent are the notifications service's business, not the domain's.
#pragma once

#include <map>
#include <string>
#include <vector>

#include "absl/time/time.h"

namespace parley::appointments {

struct Notice {
  // Unique and stable for the change that causes it ("bookings/{id}/confirmed/{guardian}"): a
  // retried write adds no second row, and the receiver applies a resend once.
  std::string key;
  std::string kind;  // "booking_confirmed", "answer_breach", "head_informed": for metrics and tests
  std::string school_id;
  std::string subject;                    // "meetingRequests/{id}", "bookings/{id}", "parentsEvenings/{id}"
  std::string template_key;               // "appointments.booking_confirmed", ...
  std::string priority = "routine";       // "routine", "important"
  std::vector<std::string> guardian_ids;  // ids, not resource names
  std::vector<std::string> pupil_ids;     // with guardians: whom it is about
  std::vector<std::string> staff_ids;
  std::map<std::string, std::string> variables;  // text only; may hold personal data (never logged)
  absl::Time not_before;
};

}  // namespace parley::appointments
