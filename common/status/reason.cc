#include "common/status/reason.h"

#include "absl/strings/cord.h"

namespace parley {
namespace {

absl::Status Make(absl::StatusCode code, absl::string_view reason, absl::string_view message) {
  return WithReason(absl::Status(code, message), reason);
}

}  // namespace

absl::Status WithReason(absl::Status status, absl::string_view reason) {
  if (!status.ok() && !reason.empty()) {
    status.SetPayload(kErrorReasonPayloadUrl, absl::Cord(reason));
  }
  return status;
}

std::string ErrorReason(const absl::Status& status) {
  auto payload = status.GetPayload(kErrorReasonPayloadUrl);
  return payload.has_value() ? std::string(*payload) : std::string();
}

absl::Status InvalidArgument(absl::string_view r, absl::string_view m) {
  return Make(absl::StatusCode::kInvalidArgument, r, m);
}
absl::Status NotFound(absl::string_view r, absl::string_view m) { return Make(absl::StatusCode::kNotFound, r, m); }
absl::Status FailedPrecondition(absl::string_view r, absl::string_view m) {
  return Make(absl::StatusCode::kFailedPrecondition, r, m);
}
absl::Status PermissionDenied(absl::string_view r, absl::string_view m) {
  return Make(absl::StatusCode::kPermissionDenied, r, m);
}
absl::Status AlreadyExists(absl::string_view r, absl::string_view m) {
  return Make(absl::StatusCode::kAlreadyExists, r, m);
}
absl::Status Aborted(absl::string_view r, absl::string_view m) { return Make(absl::StatusCode::kAborted, r, m); }
absl::Status Unavailable(absl::string_view r, absl::string_view m) {
  return Make(absl::StatusCode::kUnavailable, r, m);
}
absl::Status Unauthenticated(absl::string_view r, absl::string_view m) {
  return Make(absl::StatusCode::kUnauthenticated, r, m);
}
absl::Status Internal(absl::string_view r, absl::string_view m) { return Make(absl::StatusCode::kInternal, r, m); }

}  // namespace parley
