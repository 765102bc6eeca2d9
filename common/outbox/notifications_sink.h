// The production Sink: hands an outbox row to the notifications service's CreateNotice
// (notice_convert.h says how a row becomes requests), with the sending service's own token and a
// deadline, through client::Call. A row naming guardians and staff is two calls; it is accepted
// only when both are, and a resend repeats both under the same request ids (the receiver replays).
//
//   outbox::NotificationsSink sink(client::MakeChannel(config.notifications_address, config.tls),
//                                  identity.get());
//   outbox::Relay::Create(pool, sink.AsSink(), options, &registry);
//
// A service's main starts both in one call, StartNotificationsRelay.
#pragma once

#include <memory>
#include <string>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "common/auth/signer.h"
#include "common/config/tls_settings.h"
#include "common/outbox/relay.h"
#include "common/pg/pool.h"
#include "grpcpp/channel.h"
#include "parley/notifications/v1/notifications_service.grpc.pb.h"

namespace parley::outbox {

class NotificationsSink {
 public:
  // `identity` must outlive the sink.
  NotificationsSink(std::shared_ptr<grpc::Channel> channel, const auth::ServiceIdentity* identity,
                    absl::Duration timeout = absl::Seconds(5));

  // OK when the receiver accepted every request of the row. A row that cannot be converted is
  // INVALID_ARGUMENT without a call. REQUEST_ID_REUSED from the receiver counts as accepted: the
  // row's key was applied before, by a relay that converted it differently (an older version).
  absl::Status Send(const Row& row);

  // A Sink calling Send; the NotificationsSink must outlive it.
  Sink AsSink();

 private:
  std::unique_ptr<parley::notifications::v1::NotificationsService::Stub> stub_;
  const auth::ServiceIdentity* const identity_;
  const absl::Duration timeout_;
};

struct NotificationsRelayConfig {
  std::string service;  // the sender: "escalation", "conduct"
  std::string address;  // PARLEY_NOTIFICATIONS_ADDR; empty: no relay
  int batch = 50;
  absl::Duration poll_interval = absl::Milliseconds(250);
};

// A relay of the service's outbox to notifications, with its sink.
class NotificationsRelay {
 public:
  NotificationsRelay(std::unique_ptr<NotificationsSink> sink, std::unique_ptr<Relay> relay)
      : sink_(std::move(sink)), relay_(std::move(relay)) {}
  void Stop() { relay_->Stop(); }

 private:
  std::unique_ptr<NotificationsSink> sink_;
  std::unique_ptr<Relay> relay_;  // declared after the sink it calls: stopped first
};

// Starts the relay when config.address is set; otherwise logs once that the relay is off (rows
// wait in the outbox, nothing is lost) and returns null. INVALID_ARGUMENT for bad options.
absl::StatusOr<std::unique_ptr<NotificationsRelay>> StartNotificationsRelay(pg::Pool* pool,
                                                                            const NotificationsRelayConfig& config,
                                                                            const TlsSettings& tls,
                                                                            const auth::ServiceIdentity* identity,
                                                                            prometheus::Registry* registry);

}  // namespace parley::outbox
