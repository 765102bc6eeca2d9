#include "common/status/grpc_status.h"

#include <string>

namespace parley {

grpc::Status ToGrpcStatus(const absl::Status& status, grpc::ServerContext* context) {
  if (status.ok()) return grpc::Status::OK;
  std::string reason = ErrorReason(status);
  if (context != nullptr && !reason.empty()) {
    context->AddTrailingMetadata(std::string(kErrorReasonMetadataKey), reason);
  }
  // absl and gRPC share the canonical code numbering.
  return grpc::Status(static_cast<grpc::StatusCode>(status.code()), std::string(status.message()));
}

absl::Status FromGrpcStatus(const grpc::Status& status, const grpc::ClientContext* context) {
  if (status.ok()) return absl::OkStatus();
  absl::Status result(static_cast<absl::StatusCode>(status.error_code()), status.error_message());
  if (context != nullptr) {
    const auto& trailers = context->GetServerTrailingMetadata();
    auto it = trailers.find(std::string(kErrorReasonMetadataKey));
    if (it != trailers.end()) {
      result = WithReason(std::move(result), absl::string_view(it->second.data(), it->second.size()));
    }
  }
  return result;
}

}  // namespace parley
