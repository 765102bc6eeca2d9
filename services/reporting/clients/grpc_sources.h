// FigureSources over each service's GetSchoolStats, with this service's own token and a deadline
// per call. Stats are reads: a call is retried while its deadline allows.
#pragma once

#include <memory>
#include <string>

#include "common/auth/signer.h"
#include "common/clock/clock.h"
#include "grpcpp/channel.h"
#include "services/reporting/domain/sources.h"

namespace parley::reporting {

struct SourceChannels {
  std::shared_ptr<grpc::Channel> escalation;
  std::shared_ptr<grpc::Channel> conduct;
  std::shared_ptr<grpc::Channel> appointments;
  std::shared_ptr<grpc::Channel> notifications;
};

// Also the BreachSource (escalation's ListBreaches) on the same escalation channel.
class GrpcFigureSources final : public FigureSources, public BreachSource {
 public:
  // `identity` and `clock` must outlive this.
  GrpcFigureSources(const SourceChannels& channels, const auth::ServiceIdentity* identity, const Clock* clock);
  ~GrpcFigureSources() override;

  absl::StatusOr<Fetched<EnquiryStats>> Enquiries(const std::string& school_id, absl::Time start, absl::Time end,
                                                  absl::Duration timeout) override;
  absl::StatusOr<Fetched<ConductStats>> Conduct(const std::string& school_id, absl::Time start, absl::Time end,
                                                absl::Duration timeout) override;
  absl::StatusOr<Fetched<MeetingStats>> Meetings(const std::string& school_id, absl::Time start, absl::Time end,
                                                 absl::Duration timeout) override;
  absl::StatusOr<Fetched<NotificationStats>> Notifications(const std::string& school_id, absl::Time start,
                                                           absl::Time end, absl::Duration timeout) override;
  absl::StatusOr<BreachItems> Breaches(const std::string& school_id, absl::Time start, absl::Time end,
                                       const std::string& channel, const std::string& category, int page_size,
                                       const std::string& page_token, absl::Duration timeout) override;

 private:
  struct Stubs;
  std::unique_ptr<Stubs> stubs_;
  const auth::ServiceIdentity* const identity_;
  const Clock* const clock_;
};

}  // namespace parley::reporting
