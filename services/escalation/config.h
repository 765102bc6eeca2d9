// The escalation service's configuration, read once from the environment at start-up. A missing or
// bad value stops start-up with a message naming the variable.
#pragma once

#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "common/config/env.h"
#include "common/config/service_settings.h"

namespace parley::escalation {

// The variables every service reads (ServiceSettings), then this service's own.
struct Config : ServiceSettings {
  std::string redis_address;               // PARLEY_REDIS_ADDR (required), host:port
  std::string redis_namespace = "parley";  // PARLEY_REDIS_NAMESPACE: keys are "<ns>:escalation:..."
  std::string service_key_file;            // PARLEY_SERVICE_KEY (required): signs this service's own tokens
  std::string contacts_address;            // PARLEY_CONTACTS_ADDR (required): the directory replica's feed
  std::string conduct_address;             // PARLEY_CONDUCT_ADDR (required): the gate
  int timer_threads = 8;                   // PARLEY_TIMER_THREADS
  absl::Duration recompute_interval = absl::Seconds(30);  // PARLEY_RECOMPUTE_INTERVAL
  // PARLEY_DIRECTORY_MAX_STALENESS: how long the directory replica answers without word from contacts.
  absl::Duration directory_max_staleness = absl::Minutes(5);
  // The outbox relay to notifications (docs/architecture.md#the-outbox); off while the address is empty.
  std::string notifications_address;                              // PARLEY_NOTIFICATIONS_ADDR
  absl::Duration outbox_poll_interval = absl::Milliseconds(250);  // PARLEY_OUTBOX_POLL_INTERVAL
  int outbox_batch = 50;                                          // PARLEY_OUTBOX_BATCH
};

// Reads the service configuration; `migrate_only` needs only the database.
absl::StatusOr<Config> LoadConfig(EnvReader& env, bool migrate_only);

}  // namespace parley::escalation
