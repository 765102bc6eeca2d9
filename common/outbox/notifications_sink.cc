#include "common/outbox/notifications_sink.h"

#include <utility>

#include "common/grpc/client.h"
#include "common/log/log.h"
#include "common/outbox/notice_convert.h"
#include "common/status/reason.h"
#include "common/status/reasons.h"
#include "common/status/status_macros.h"

namespace parley::outbox {
namespace nv1 = parley::notifications::v1;

NotificationsSink::NotificationsSink(std::shared_ptr<grpc::Channel> channel, const auth::ServiceIdentity* identity,
                                     absl::Duration timeout)
    : stub_(nv1::NotificationsService::NewStub(std::move(channel))), identity_(identity), timeout_(timeout) {}

absl::Status NotificationsSink::Send(const Row& row) {
  PARLEY_ASSIGN_OR_RETURN(std::vector<nv1::CreateNoticeRequest> requests, NoticeToRequests(row));
  for (const nv1::CreateNoticeRequest& req : requests) {
    client::CallOptions call;
    call.timeout = timeout_;
    call.idempotent = true;  // every request carries its request id
    call.bearer_token = identity_->Token();
    nv1::Notice created;
    absl::Status s =
        client::Call(call, [&](grpc::ClientContext& ctx) { return stub_->CreateNotice(&ctx, req, &created); });
    if (absl::IsInvalidArgument(s) && ErrorReason(s) == reason::kRequestIdReused) {
      log::Warning("outbox_row_applied_before", {{"outbox_id", row.id}});
      continue;
    }
    PARLEY_RETURN_IF_ERROR(s);
  }
  return absl::OkStatus();
}

Sink NotificationsSink::AsSink() {
  return [this](const Row& row) { return Send(row); };
}

absl::StatusOr<std::unique_ptr<NotificationsRelay>> StartNotificationsRelay(pg::Pool* pool,
                                                                            const NotificationsRelayConfig& config,
                                                                            const TlsSettings& tls,
                                                                            const auth::ServiceIdentity* identity,
                                                                            prometheus::Registry* registry) {
  if (config.address.empty()) {
    log::Info("outbox_relay_off", {{"why", "PARLEY_NOTIFICATIONS_ADDR is not set: notices wait in the outbox"}});
    return std::unique_ptr<NotificationsRelay>();
  }
  auto sink = std::make_unique<NotificationsSink>(client::MakeChannel(config.address, tls), identity);
  RelayOptions options;
  options.service = config.service;
  options.batch = config.batch;
  options.poll_interval = config.poll_interval;
  PARLEY_ASSIGN_OR_RETURN(std::unique_ptr<Relay> relay, Relay::Create(pool, sink->AsSink(), options, registry));
  relay->Start();
  log::Info("outbox_relay_started", {{"batch", config.batch}});
  return std::make_unique<NotificationsRelay>(std::move(sink), std::move(relay));
}

}  // namespace parley::outbox
