// The conduct gate for meetings over conduct's gRPC API (CheckCommunication, purpose MEETING), with
// the service's own identity and a deadline on every call.
#pragma once

#include <memory>

#include "absl/time/time.h"
#include "common/auth/signer.h"
#include "parley/conduct/v1/conduct_service.grpc.pb.h"
#include "services/appointments/domain/peers.h"

namespace parley::appointments {

class ConductGate final : public Gate {
 public:
  ConductGate(std::shared_ptr<grpc::Channel> channel, const auth::ServiceIdentity* identity,
              absl::Duration timeout = absl::Seconds(2));

  absl::StatusOr<MeetingGate> CheckMeeting(const MeetingGateQuestion& question) override;

 private:
  std::unique_ptr<parley::conduct::v1::ConductService::Stub> stub_;
  const auth::ServiceIdentity* const identity_;
  const absl::Duration timeout_;
};

}  // namespace parley::appointments
