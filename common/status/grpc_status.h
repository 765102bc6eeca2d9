// The one place where absl::Status becomes grpc::Status (at the API edge) and back (in peer
// clients). Every error also carries a google.rpc.ErrorInfo-style machine-readable reason
// ("SCHOOL_NOT_FOUND", "CALENDAR_EXHAUSTED", ...) so that integrators can branch on it without
// parsing English. The reason travels as an absl payload inside a service and as the
// `parley-error-reason` trailing metadata entry on the wire.
#pragma once

#include <string>
#include "absl/strings/string_view.h"

#include "absl/status/status.h"
#include "grpcpp/client_context.h"
#include "grpcpp/server_context.h"
#include "grpcpp/support/status.h"

namespace parley {

inline constexpr absl::string_view kErrorReasonPayloadUrl = "type.parley.dev/error-reason";
inline constexpr absl::string_view kErrorReasonMetadataKey = "parley-error-reason";

// Attaches a reason (UPPER_SNAKE_CASE) to a non-OK status.
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

// absl → grpc, at the server edge. Adds the reason as trailing metadata when `context` is given.
grpc::Status ToGrpcStatus(const absl::Status& status, grpc::ServerContext* context = nullptr);

// grpc → absl, in peer clients. Reads the reason back from the trailing metadata when given.
absl::Status FromGrpcStatus(const grpc::Status& status, const grpc::ClientContext* context = nullptr);

}  // namespace parley
