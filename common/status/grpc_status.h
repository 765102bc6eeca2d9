// The one place where absl::Status becomes grpc::Status (at the API edge) and back (in peer
// clients). The reason (reason.h) travels as the `parley-error-reason` trailing metadata entry.
// Only API and client code includes this header; the domain uses reason.h.
#pragma once

#include "absl/status/status.h"
#include "absl/strings/string_view.h"
#include "common/status/reason.h"
#include "grpcpp/client_context.h"
#include "grpcpp/server_context.h"
#include "grpcpp/support/status.h"

namespace parley {

inline constexpr absl::string_view kErrorReasonMetadataKey = "parley-error-reason";

// absl → grpc, at the server edge. Adds the reason as trailing metadata when `context` is given.
grpc::Status ToGrpcStatus(const absl::Status& status, grpc::ServerContext* context = nullptr);

// grpc → absl, in peer clients. Reads the reason back from the trailing metadata when given.
absl::Status FromGrpcStatus(const grpc::Status& status, const grpc::ClientContext* context = nullptr);

}  // namespace parley
