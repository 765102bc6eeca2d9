#include "services/contacts/config.h"

#include "common/status/status_macros.h"

namespace parley::contacts {

absl::StatusOr<Config> LoadConfig(EnvReader& env, bool migrate_only) {
  Config c;
  ReadServiceSettings(env, migrate_only, {50051, 1}, c);
  if (!migrate_only) {
    c.refresh_interval = env.Duration("PARLEY_DIRECTORY_REFRESH", absl::Seconds(1));
  }
  PARLEY_RETURN_IF_ERROR(env.Finish());
  PARLEY_RETURN_IF_ERROR(CheckServiceSettings(c));
  return c;
}

}  // namespace parley::contacts
