// The request checks every Parley RPC gets before its handler runs, declared in the protos rather
// than written per handler. Each field may carry a `(parley.api.v1.field)` option
// (proto/parley/api/v1/field_options.proto): required, output only, a length or item limit, a
// string format (email, BCP 47 language tag, id, resource name, UUID, phone), an integer range, a
// time window. Every field is also checked without an option:
//
//   * strings are valid UTF-8 and at most kDefaultMaxStringChars characters;
//   * Timestamps have nanos in [0, 999,999,999], seconds within Timestamp's range (years 1-9999)
//     and fall inside 2000-01-01T00:00:00Z..2100-01-01T00:00:00Z (a field's option may widen it);
//   * Durations are valid (|seconds| <= 315,576,000,000, nanos of the same sign);
//   * enum values are values the enum declares (proto3 keeps unknown numbers).
//
// Required fields of the resource in an update request (a sibling of a FieldMask `update_mask`)
// are required only when the mask names them: a partial update sends only what it changes.
//
// The first problem found is returned as INVALID_ARGUMENT with reason INVALID_FIELD and a message
// naming the field path ("enquiry.subject is longer than 200 characters", "schools[1].staff[3]
// .email is not an email address"). Values are never echoed: they may be personal data.
//
// What to check is worked out once per message type and cached, so the check costs one walk of
// the set fields. Thread-safe.
#pragma once

#include "absl/status/status.h"
#include "google/protobuf/message.h"

namespace parley::api {

// The limit on a string field without its own max_length, in characters (code points).
inline constexpr int kDefaultMaxStringChars = 10000;

// OK, or INVALID_ARGUMENT (reason INVALID_FIELD) naming the first field that breaks a rule.
[[nodiscard]] absl::Status ValidateRequest(const google::protobuf::Message& request);

}  // namespace parley::api
