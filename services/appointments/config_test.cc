// The appointments configuration: its own variables, their defaults and bounds, and what a
// migration run needs (only the database).
#include "services/appointments/config.h"

#include <map>
#include <optional>
#include <string>

#include "gtest/gtest.h"

namespace parley::appointments {
namespace {

EnvReader From(std::map<std::string, std::string> vars) {
  return EnvReader([vars = std::move(vars)](absl::string_view name) -> std::optional<std::string> {
    auto it = vars.find(std::string(name));
    if (it == vars.end()) return std::nullopt;
    return it->second;
  });
}

std::map<std::string, std::string> Serving() {
  return {{"PARLEY_PG_DSN", "host=127.0.0.1 dbname=appointments"},
          {"PARLEY_REDIS_ADDR", "127.0.0.1:6379"},
          {"PARLEY_SERVICE_KEY", "/keys/appointments.pem"},
          {"PARLEY_CONTACTS_ADDR", "contacts:50051"},
          {"PARLEY_CONDUCT_ADDR", "conduct:50052"},
          {"PARLEY_JWT_PUBLIC_KEYS", "/keys/jwt.pub"}};
}

TEST(AppointmentsConfigTest, DefaultsToPort50055AndTheSweepIntervals) {
  EnvReader env = From(Serving());
  absl::StatusOr<Config> c = LoadConfig(env, /*migrate_only=*/false);
  ASSERT_TRUE(c.ok()) << c.status();
  EXPECT_EQ(c->grpc_address.substr(c->grpc_address.rfind(':') + 1), "50055");
  EXPECT_EQ(c->conduct_address, "conduct:50052");
  EXPECT_EQ(c->hold_sweep_interval, absl::Seconds(5));
  EXPECT_EQ(c->retention_sweep_interval, absl::Hours(1));
  EXPECT_TRUE(c->notifications_address.empty());
}

TEST(AppointmentsConfigTest, RefusesASweepIntervalOutOfBoundsNamingTheVariable) {
  auto vars = Serving();
  vars["PARLEY_HOLD_SWEEP_INTERVAL"] = "10ms";
  EnvReader env = From(vars);
  absl::StatusOr<Config> c = LoadConfig(env, false);
  ASSERT_FALSE(c.ok());
  EXPECT_NE(c.status().message().find("PARLEY_HOLD_SWEEP_INTERVAL"), std::string::npos) << c.status();
}

TEST(AppointmentsConfigTest, RefusesAMissingPeerAddressButMigrationNeedsOnlyTheDatabase) {
  auto vars = Serving();
  vars.erase("PARLEY_CONDUCT_ADDR");
  EnvReader serving = From(vars);
  absl::StatusOr<Config> c = LoadConfig(serving, false);
  ASSERT_FALSE(c.ok());
  EXPECT_NE(c.status().message().find("PARLEY_CONDUCT_ADDR"), std::string::npos) << c.status();
  EnvReader migrating = From({{"PARLEY_PG_DSN", "host=127.0.0.1 dbname=appointments"}});
  EXPECT_TRUE(LoadConfig(migrating, true).ok());
}

}  // namespace
}  // namespace parley::appointments
