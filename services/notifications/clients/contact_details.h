// The domain's ContactDetailsSource over contacts' BatchGetContactDetails (service tokens only):
// names and addresses of the people a batch of deliveries is for, fetched when they are sent.
#pragma once

#include <memory>

#include "absl/time/time.h"
#include "common/auth/signer.h"
#include "grpcpp/channel.h"
#include "parley/contacts/v1/contacts_service.grpc.pb.h"
#include "services/notifications/domain/peers.h"

namespace parley::notifications {

class GrpcContactDetails final : public ContactDetailsSource {
 public:
  GrpcContactDetails(std::shared_ptr<grpc::Channel> channel, const auth::ServiceIdentity* identity,
                     absl::Duration timeout = absl::Seconds(5));

  absl::StatusOr<std::map<std::string, PersonDetails>> Lookup(const std::vector<std::string>& names) override;

 private:
  std::unique_ptr<contacts::v1::ContactsService::Stub> stub_;
  const auth::ServiceIdentity* const identity_;
  const absl::Duration timeout_;
};

}  // namespace parley::notifications
