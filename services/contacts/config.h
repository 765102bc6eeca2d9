// The contacts service's configuration, read once from the environment at start-up.
#pragma once

#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "common/config/env.h"
#include "common/config/service_settings.h"

namespace parley::contacts {

// The variables every service reads (ServiceSettings), then this service's own.
struct Config : ServiceSettings {
  absl::Duration refresh_interval = absl::Seconds(1);  // PARLEY_DIRECTORY_REFRESH
};

// Reads the service configuration; `migrate_only` needs only the database.
absl::StatusOr<Config> LoadConfig(EnvReader& env, bool migrate_only);

}  // namespace parley::contacts
