// A replica's feed over contacts' gRPC API: WatchDirectory for the versions, GetDirectorySlice for
// a school's slice, with the service's own identity. The watch is reopened every `rotate_after`
// (a fresh token, and the streams spread again over contacts' replicas).
#pragma once

#include <memory>
#include <string>

#include "absl/time/time.h"
#include "common/auth/signer.h"
#include "common/directory/replica.h"
#include "grpcpp/channel.h"
#include "parley/contacts/v1/contacts_service.grpc.pb.h"

namespace parley::directory {

class GrpcSliceFeed final : public SliceFeed {
 public:
  GrpcSliceFeed(std::shared_ptr<grpc::Channel> channel, const auth::ServiceIdentity* identity,
                absl::Duration heartbeat = absl::Seconds(10), absl::Duration fetch_timeout = absl::Seconds(10),
                absl::Duration rotate_after = absl::Minutes(5));

  absl::StatusOr<std::unique_ptr<Watch>> OpenWatch() override;
  absl::StatusOr<FetchedSlice> Fetch(const std::string& school_id) override;

 private:
  std::unique_ptr<parley::contacts::v1::ContactsService::Stub> stub_;
  const auth::ServiceIdentity* const identity_;
  const absl::Duration heartbeat_;
  const absl::Duration fetch_timeout_;
  const absl::Duration rotate_after_;
};

}  // namespace parley::directory
