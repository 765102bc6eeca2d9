// The conduct service's configuration, read once from the environment at start-up. A missing or bad
// value stops start-up with a message naming the variable.
#pragma once

#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "common/config/env.h"
#include "common/config/service_settings.h"

namespace parley::conduct {

// The variables every service reads (ServiceSettings), then this service's own.
struct Config : ServiceSettings {
  std::string redis_address;               // PARLEY_REDIS_ADDR (required), host:port
  std::string redis_namespace = "parley";  // PARLEY_REDIS_NAMESPACE: keys are "<ns>:conduct:..."
  std::string service_key_file;            // PARLEY_SERVICE_KEY (required): signs this service's own tokens
  std::string contacts_address;            // PARLEY_CONTACTS_ADDR (required): the directory replica's feed
  // PARLEY_DIRECTORY_MAX_STALENESS: how long the directory replica answers without word from contacts.
  absl::Duration directory_max_staleness = absl::Minutes(5);
  absl::Duration gate_refresh = absl::Milliseconds(250);     // PARLEY_GATE_REFRESH
  absl::Duration incident_lookback = absl::Hours(24 * 365);  // PARLEY_INCIDENT_LOOKBACK
  int timer_threads = 2;                                     // PARLEY_TIMER_THREADS
  // The gate's write-behind decision log (domain/decision_recorder.h).
  absl::Duration decision_flush = absl::Milliseconds(50);  // PARLEY_DECISION_FLUSH
  int decision_queue = 10000;                              // PARLEY_DECISION_QUEUE
  // The outbox relay to notifications (docs/architecture.md#the-outbox); off while the address is empty.
  std::string notifications_address;                              // PARLEY_NOTIFICATIONS_ADDR
  absl::Duration outbox_poll_interval = absl::Milliseconds(250);  // PARLEY_OUTBOX_POLL_INTERVAL
  int outbox_batch = 50;                                          // PARLEY_OUTBOX_BATCH
};

// Reads the service configuration; `migrate_only` needs only the database.
absl::StatusOr<Config> LoadConfig(EnvReader& env, bool migrate_only);

}  // namespace parley::conduct
