// `parleyctl wait`: polls the standard gRPC health service until the server reports SERVING.
//
// grpc.health.v1's proto is not shipped with Debian's gRPC packages, so the call goes through
// grpc::GenericStub with the two tiny messages encoded by hand:
//   HealthCheckRequest  { string service = 1; }          ("" = the server as a whole: zero bytes)
//   HealthCheckResponse { ServingStatus status = 1; }    (SERVING = 1)
#pragma once

#include <memory>
#include <optional>
#include <string>

#include "absl/status/status.h"
#include "absl/time/time.h"
#include "grpcpp/channel.h"
#include "grpcpp/security/credentials.h"

namespace parley::ctl {

inline constexpr int kHealthServing = 1;

// The wire bytes of a HealthCheckRequest for `service`.
std::string EncodeHealthCheckRequest(const std::string& service);
// The status field of a HealthCheckResponse (0 when absent, as proto3 decodes it); nullopt when
// the bytes are not a well-formed message.
std::optional<int> DecodeHealthCheckStatus(const std::string& bytes);

// One Health/Check for the overall server with the given deadline: OK when SERVING,
// UNAVAILABLE naming the status otherwise, or the call's error.
absl::Status CheckHealth(const std::shared_ptr<grpc::Channel>& channel, absl::Duration timeout);

// Checks until SERVING or until `timeout` has passed (DEADLINE_EXCEEDED with the last answer).
// `credentials`: TLS from client::ChannelCredentials (plaintext when null).
absl::Status WaitForServing(const std::string& target, absl::Duration timeout,
                            std::shared_ptr<grpc::ChannelCredentials> credentials = nullptr);

}  // namespace parley::ctl
