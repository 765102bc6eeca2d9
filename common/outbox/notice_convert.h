// An outbox row's notice JSON (docs/architecture.md#the-outbox) as the notifications service's
// CreateNotice requests. Pure: no I/O, the same row always gives the same requests (so a resend
// fingerprints the same and the receiver replays its first answer).
//
//   notice field                      request field
//   school "schools/{s}"              parent
//   category                          notice.category: "escalation", "conduct_letter", "meeting"
//   priority                          notice.priority: "routine", "important", "emergency"
//   recipients.guardians + pupils     notice.audience GUARDIANS (guardians, pupils)
//   recipients.staff                  notice.audience STAFF (staff)
//   template                          notice.template
//   variables                         notice.variables: strings as they are, numbers in decimal,
//                                     booleans "yes"/"no", arrays joined with ", ", null ""
//   not_before (RFC 3339)             notice.not_before (the row's column when absent)
//   enquiry | letter | incident | source | variables.arrangement   notice.source
//   the row's key                     request_id = request::DerivedRequestId(key)
//
// A row naming guardians and staff gives two requests, with request ids derived from
// key + "#guardians" and key + "#staff". Anything else wrong (bad JSON, an unknown category or
// priority, no recipient, no template, a nested object in the variables) is INVALID_ARGUMENT
// (INVALID_FIELD), naming the field, never its value.
#pragma once

#include <vector>

#include "absl/status/statusor.h"
#include "common/outbox/relay.h"
#include "parley/notifications/v1/notifications_service.pb.h"

namespace parley::outbox {

absl::StatusOr<std::vector<parley::notifications::v1::CreateNoticeRequest>> NoticeToRequests(const Row& row);

}  // namespace parley::outbox
