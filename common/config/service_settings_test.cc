#include "common/config/service_settings.h"

#include <map>

#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace parley {
namespace {

using ::testing::HasSubstr;

EnvReader ReaderFor(std::map<std::string, std::string> vars) {
  return EnvReader([vars](absl::string_view name) -> std::optional<std::string> {
    auto it = vars.find(std::string(name));
    if (it == vars.end()) return std::nullopt;
    return it->second;
  });
}

TEST(ServiceSettings, ReadsEveryCommonVariableWithTheServicesDefaults) {
  EnvReader env = ReaderFor({{"PARLEY_PG_DSN", "host=db"},
                             {"PARLEY_JWT_PUBLIC_KEYS", "/keys/a.pem,/keys/b.pem"},
                             {"PARLEY_BIND_ADDRESS", "127.0.0.1"},
                             {"PARLEY_METRICS_PORT", "0"},
                             {"PARLEY_REQUEST_ID_RETENTION", "2h"}});
  ServiceSettings s;
  ReadServiceSettings(env, /*migrate_only=*/false, {53053, 2}, s);
  ASSERT_TRUE(env.Finish().ok());
  ASSERT_TRUE(CheckServiceSettings(s).ok());
  EXPECT_EQ(s.pg_dsn, "host=db");
  EXPECT_EQ(s.pg_pool_size, 16);
  EXPECT_EQ(s.grpc_address, "127.0.0.1:53053");
  EXPECT_EQ(s.metrics_address, "");  // port 0: no metrics listener
  EXPECT_EQ(s.jwt_public_key_files, (std::vector<std::string>{"/keys/a.pem", "/keys/b.pem"}));
  EXPECT_EQ(s.jwt_issuer, "parley-local");
  EXPECT_EQ(s.jwt_audience, "parley");
  EXPECT_EQ(s.request_id_retention, absl::Hours(2));
  EXPECT_EQ(s.max_threads, 256);
  EXPECT_EQ(s.log_level, "info");
}

TEST(ServiceSettings, MigrateNeedsOnlyTheDatabase) {
  EnvReader env = ReaderFor({{"PARLEY_PG_DSN", "host=db"}});
  ServiceSettings s;
  ReadServiceSettings(env, /*migrate_only=*/true, {}, s);
  EXPECT_TRUE(env.Finish().ok());
  EXPECT_EQ(s.grpc_address, "");
}

TEST(ServiceSettings, BadValuesAreReportedByName) {
  EnvReader env = ReaderFor({{"PARLEY_PG_POOL_SIZE", "1"}, {"PARLEY_LOG_LEVEL", "loud"}});
  ServiceSettings s;
  ReadServiceSettings(env, /*migrate_only=*/false, {50051, 2}, s);
  absl::Status read = env.Finish();
  EXPECT_THAT(read.message(), HasSubstr("PARLEY_PG_DSN"));
  EXPECT_THAT(read.message(), HasSubstr("PARLEY_PG_POOL_SIZE"));
  EXPECT_THAT(read.message(), HasSubstr("PARLEY_JWT_PUBLIC_KEYS"));
  EXPECT_THAT(CheckServiceSettings(s).message(), HasSubstr("PARLEY_LOG_LEVEL"));
  // A pool of one is allowed where the service says so (contacts).
  EnvReader one = ReaderFor({{"PARLEY_PG_DSN", "host=db"}, {"PARLEY_PG_POOL_SIZE", "1"}});
  ReadServiceSettings(one, /*migrate_only=*/true, {50051, 1}, s);
  EXPECT_TRUE(one.Finish().ok());
  EXPECT_EQ(s.pg_pool_size, 1);
}

}  // namespace
}  // namespace parley
