// The notifications service's configuration, read once from the environment at start-up. A missing
// or bad value stops start-up with a message naming the variable (never its value: some are secrets).
#pragma once

#include <optional>
#include <string>

#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "common/config/env.h"
#include "common/config/service_settings.h"
#include "services/notifications/delivery/http_gateway.h"
#include "services/notifications/delivery/sms_router.h"
#include "services/notifications/delivery/smtp_sender.h"

namespace parley::notifications {

// The variables every service reads (ServiceSettings), then this service's own.
struct Config : ServiceSettings {
  std::string service_key_file;  // PARLEY_SERVICE_KEY (required): its token towards contacts
  std::string contacts_address;  // PARLEY_CONTACTS_ADDR (required): the directory and contact details
  absl::Duration directory_max_staleness = absl::Minutes(5);  // PARLEY_DIRECTORY_MAX_STALENESS
  // Delivery workers (delivery/worker.h).
  int delivery_threads = 4;                                         // PARLEY_DELIVERY_THREADS
  int delivery_batch = 32;                                          // PARLEY_DELIVERY_BATCH
  absl::Duration delivery_poll_interval = absl::Milliseconds(250);  // PARLEY_DELIVERY_POLL_INTERVAL
  // How long a claimed delivery stays a worker's: a killed worker's rows go again after it, so it
  // must outlast one send (longer than PARLEY_SMTP_TIMEOUT) and should outlast a batch.
  absl::Duration delivery_lease = absl::Minutes(2);  // PARLEY_DELIVERY_LEASE
  // Providers: SMTP is required; SMS (PARLEY_SMS_A_URL) and push (PARLEY_PUSH_URL) are optional
  // (without them those deliveries fail over to the copy's next channel).
  SmtpSettings smtp;
  std::optional<SmsSettings> sms;
  std::optional<HttpGatewaySettings> push;
};

// Reads the service configuration; `migrate_only` needs only the database.
absl::StatusOr<Config> LoadConfig(EnvReader& env, bool migrate_only);

}  // namespace parley::notifications
