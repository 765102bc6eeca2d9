// Errors with a machine-readable reason, below the API edge. Every error Parley returns carries a
// reason from the catalogue (reasons.h) so that integrators can branch on it without parsing
// English; the reason travels as an absl payload inside a service, and grpc_status.h turns it into
// the `parley-error-reason` trailing metadata entry at the edge. This header needs only Abseil:
// domain code includes it, never the gRPC conversion.
#pragma once

#include <string>

#include "absl/status/status.h"
#include "absl/strings/string_view.h"
#include "common/status/reasons.h"

namespace parley {

inline constexpr absl::string_view kErrorReasonPayloadUrl = "type.parley.dev/error-reason";

// Attaches a reason (UPPER_SNAKE_CASE, from reasons.h) to a non-OK status.
absl::Status WithReason(absl::Status status, absl::string_view reason);

// The reason attached by WithReason, or "" when there is none.
std::string ErrorReason(const absl::Status& status);

// Shorthands that build a status with a reason in one go.
absl::Status InvalidArgument(absl::string_view reason, absl::string_view message);
absl::Status NotFound(absl::string_view reason, absl::string_view message);
absl::Status FailedPrecondition(absl::string_view reason, absl::string_view message);
absl::Status PermissionDenied(absl::string_view reason, absl::string_view message);
absl::Status AlreadyExists(absl::string_view reason, absl::string_view message);
absl::Status Aborted(absl::string_view reason, absl::string_view message);
absl::Status Unavailable(absl::string_view reason, absl::string_view message);
absl::Status Unauthenticated(absl::string_view reason, absl::string_view message);
absl::Status Internal(absl::string_view reason, absl::string_view message);

}  // namespace parley
