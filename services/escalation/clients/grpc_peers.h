// The conduct gate over conduct's gRPC API, with the service's own identity and a deadline on
// every call. The directory (routing, ladders, deadlines, staff hours) is not asked over gRPC: it
// is answered in process from the directory replica (replica_directory.h).
#pragma once

#include <memory>
#include <string>

#include "absl/time/time.h"
#include "common/auth/signer.h"
#include "parley/conduct/v1/conduct_service.grpc.pb.h"
#include "services/escalation/domain/peers.h"

namespace parley::escalation {

class ConductGate final : public Gate {
 public:
  ConductGate(std::shared_ptr<grpc::Channel> channel, const auth::ServiceIdentity* identity,
              absl::Duration timeout = absl::Seconds(2));
  absl::StatusOr<GateAnswer> Check(const GateQuestion& question) override;

 private:
  std::unique_ptr<parley::conduct::v1::ConductService::Stub> stub_;
  const auth::ServiceIdentity* const identity_;
  const absl::Duration timeout_;
};

}  // namespace parley::escalation
