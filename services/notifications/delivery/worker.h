// The delivery workers: threads that claim due deliveries from the store (FOR UPDATE SKIP LOCKED,
// leased), fetch the recipients' names and addresses from contacts for the batch, render each
// copy, hand it to its channel's sender outside any transaction, and record the outcome: sent,
// retried with jittered backoff under the same idempotency key, or failed over to the copy's next
// channel. A digest window goes as one message. Several replicas may run them at once.
#pragma once

#include <atomic>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"
#include "common/clock/clock.h"
#include "prometheus/counter.h"
#include "prometheus/registry.h"
#include "services/notifications/domain/notification_store.h"
#include "services/notifications/domain/peers.h"
#include "services/notifications/domain/senders.h"

namespace parley::notifications {

struct DeliveryWorkerOptions {
  int threads = 4;
  int batch = 32;
  absl::Duration poll = absl::Milliseconds(250);
  absl::Duration lease = absl::Minutes(2);  // longer than any one batch's sends
  int max_attempts = 24;                    // about 8 h at the backoff below
  absl::Duration retry_base = absl::Seconds(5);
  absl::Duration retry_max = absl::Minutes(30);
};

// Senders by channel; a null one means the channel is not configured (its deliveries fail over).
struct ChannelSenders {
  Sender* email = nullptr;
  Sender* sms = nullptr;
  Sender* push = nullptr;  // app copies are placed in the inbox whether or not a push goes
};

class DeliveryWorker {
 public:
  DeliveryWorker(NotificationStore* store, DirectorySource* directory, ContactDetailsSource* contacts,
                 ChannelSenders senders, const Clock* clock, DeliveryWorkerOptions options,
                 prometheus::Registry* registry = nullptr);
  ~DeliveryWorker();  // Stop()
  DeliveryWorker(const DeliveryWorker&) = delete;
  DeliveryWorker& operator=(const DeliveryWorker&) = delete;

  void Start();
  // Stops claiming; sends under way finish. Idempotent.
  void Stop();
  // Something became due now (a notice was written, a copy failed over).
  void Nudge();

  // One claim and its sends, on the calling thread: how many deliveries it handled (tests, the bench).
  absl::StatusOr<int> RunOnce();

 private:
  struct Recipient;
  void Loop();
  void Count(DeliveryChannel channel, const char* outcome);
  AttemptResult Send(const ClaimedDelivery& c, const std::map<std::string, PersonDetails>& details,
                     const std::string& school_name);
  AttemptResult FromOutcome(const ClaimedDelivery& c, const SendOutcome& outcome);
  void SendDigest(const std::vector<const ClaimedDelivery*>& group, const std::map<std::string, PersonDetails>& details,
                  const std::string& school_name);
  std::string SchoolName(const std::string& school_id);

  NotificationStore* const store_;
  DirectorySource* const directory_;
  ContactDetailsSource* const contacts_;
  const ChannelSenders senders_;
  const Clock* const clock_;
  const DeliveryWorkerOptions options_;
  prometheus::Family<prometheus::Counter>* deliveries_ = nullptr;

  absl::Mutex mu_;
  bool stopping_ ABSL_GUARDED_BY(mu_) = false;
  bool nudged_ ABSL_GUARDED_BY(mu_) = false;
  std::vector<std::thread> threads_;
};

}  // namespace parley::notifications
