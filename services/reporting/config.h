// The reporting service's configuration, read once from the environment at start-up. A missing or
// bad value stops start-up with a message naming the variable.
#pragma once

#include <string>

#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "common/config/env.h"
#include "common/config/service_settings.h"

namespace parley::reporting {

// The variables every service reads (ServiceSettings), then this service's own.
struct Config : ServiceSettings {
  std::string service_key_file;  // PARLEY_SERVICE_KEY (required): signs this service's own tokens
  // The sources (required): the directory replica's feed, and each service's GetSchoolStats.
  std::string contacts_address;       // PARLEY_CONTACTS_ADDR
  std::string escalation_address;     // PARLEY_ESCALATION_ADDR
  std::string conduct_address;        // PARLEY_CONDUCT_ADDR
  std::string appointments_address;   // PARLEY_APPOINTMENTS_ADDR
  std::string notifications_address;  // PARLEY_NOTIFICATIONS_ADDR
  // PARLEY_DIRECTORY_MAX_STALENESS: how long the directory replica answers without word from contacts.
  absl::Duration directory_max_staleness = absl::Minutes(5);
  absl::Duration source_timeout = absl::Seconds(3);   // PARLEY_REPORT_SOURCE_TIMEOUT: each source call
  absl::Duration fresh_for = absl::Seconds(60);       // PARLEY_REPORT_FRESH_FOR: reuse of an open period's figures
  absl::Duration settle = absl::Hours(24 * 14);       // PARLEY_REPORT_SETTLE: after a period's end, figures are final
  int fan_out = 16;                                   // PARLEY_REPORT_FAN_OUT: source calls in flight per report
  int small_count_threshold = 5;                      // PARLEY_REPORT_SMALL_COUNT: withheld below this
  absl::Duration gauge_interval = absl::Seconds(60);  // PARLEY_REPORT_GAUGE_INTERVAL: alerting gauges' refresh
};

// Reads the service configuration; `migrate_only` needs only the database.
absl::StatusOr<Config> LoadConfig(EnvReader& env, bool migrate_only);

}  // namespace parley::reporting
