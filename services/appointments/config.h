// The appointments service's configuration, read once from the environment at start-up. A missing
// or bad value stops start-up with a message naming the variable.
#pragma once

#include <string>

#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "common/config/env.h"
#include "common/config/service_settings.h"

namespace parley::appointments {

// The variables every service reads (ServiceSettings), then this service's own.
struct Config : ServiceSettings {
  std::string redis_address;               // PARLEY_REDIS_ADDR (required), host:port
  std::string redis_namespace = "parley";  // PARLEY_REDIS_NAMESPACE: keys are "<ns>:appointments:..."
  std::string service_key_file;            // PARLEY_SERVICE_KEY (required): signs this service's own tokens
  std::string contacts_address;            // PARLEY_CONTACTS_ADDR (required): the directory replica's feed
  std::string conduct_address;             // PARLEY_CONDUCT_ADDR (required): the gate
  int timer_threads = 4;                   // PARLEY_TIMER_THREADS
  // PARLEY_DIRECTORY_MAX_STALENESS: how long the directory replica answers without word from contacts.
  absl::Duration directory_max_staleness = absl::Minutes(5);
  // The outbox relay to notifications (docs/architecture.md#the-outbox); off while the address is empty.
  std::string notifications_address;                              // PARLEY_NOTIFICATIONS_ADDR
  absl::Duration outbox_poll_interval = absl::Milliseconds(250);  // PARLEY_OUTBOX_POLL_INTERVAL
  int outbox_batch = 50;                                          // PARLEY_OUTBOX_BATCH
  // PARLEY_HOLD_SWEEP_INTERVAL: how often lapsed holds are released (and waiting lists offered the
  // freed slots) when no write over their time has released them first.
  absl::Duration hold_sweep_interval = absl::Seconds(5);
  // PARLEY_RETENTION_SWEEP_INTERVAL: how often meeting notes past their retention date are disposed of.
  absl::Duration retention_sweep_interval = absl::Hours(1);
};

// Reads the service configuration; `migrate_only` needs only the database.
absl::StatusOr<Config> LoadConfig(EnvReader& env, bool migrate_only);

}  // namespace parley::appointments
