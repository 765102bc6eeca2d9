// Client against a real Redis (PARLEY_TEST_REDIS_ADDR). Every key carries the test's own prefix;
// nothing is flushed.
#include <memory>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "absl/time/clock.h"
#include "common/redis/client.h"
#include "common/status/reason.h"
#include "common/testing/test_redis.h"
#include "gtest/gtest.h"

namespace parley::redis {
namespace {

class RedisClientTest : public ::testing::Test {
 protected:
  void SetUp() override {
    PARLEY_REQUIRE_TEST_REDIS(redis);
    redis_.emplace(std::move(redis));
    client_ = MakeClient();
    ASSERT_NE(client_, nullptr);
  }
  void TearDown() override {
    if (client_ == nullptr) return;
    for (const char* key : {"due", "many", "str", "threads"}) {
      EXPECT_TRUE(client_->Del(redis_->Key(key)).ok());
    }
  }

  std::unique_ptr<Client> MakeClient() {
    absl::StatusOr<std::unique_ptr<Client>> c = Client::Connect(redis_->options());
    EXPECT_TRUE(c.ok()) << c.status();
    return c.ok() ? std::move(*c) : nullptr;
  }

  int64_t ClientId(Client& c) {
    absl::StatusOr<Reply> id = c.Command({"CLIENT", "ID"});
    EXPECT_TRUE(id.ok()) << id.status();
    return id.ok() ? id->integer : -1;
  }

  std::optional<::parley::testing::TestRedis> redis_;
  std::unique_ptr<Client> client_;
};

TEST_F(RedisClientTest, PingsAndReadsTheServerClock) {
  EXPECT_TRUE(client_->Ping().ok());
  absl::StatusOr<absl::Time> t = client_->ServerTime();
  ASSERT_TRUE(t.ok()) << t.status();
  // Same machine: the clocks agree closely.
  EXPECT_LT(absl::AbsDuration(*t - absl::Now()), absl::Seconds(5));
}

TEST_F(RedisClientTest, ConfigGet) {
  absl::StatusOr<std::string> policy = client_->ConfigGet("maxmemory-policy");
  ASSERT_TRUE(policy.ok()) << policy.status();
  EXPECT_EQ(*policy, "noeviction");  // scripts/stack.sh starts Redis so
  EXPECT_EQ(client_->ConfigGet("no-such-setting").status().code(), absl::StatusCode::kNotFound);
}

TEST_F(RedisClientTest, SortedSetRoundTrip) {
  const std::string key = redis_->Key("due");
  // Due times in Unix milliseconds must come back exactly.
  const double t0 = 1761300000123.0;
  ASSERT_TRUE(client_->ZAdd(key, t0 + 2000, "c").ok());
  ASSERT_TRUE(client_->ZAdd(key, t0, "a").ok());
  ASSERT_TRUE(client_->ZAdd(key, t0 + 1000, "b").ok());
  absl::StatusOr<std::vector<std::pair<std::string, double>>> due = client_->ZRangeByScore(key, t0 + 1000, 10);
  ASSERT_TRUE(due.ok()) << due.status();
  ASSERT_EQ(due->size(), 2u);
  EXPECT_EQ((*due)[0].first, "a");
  EXPECT_EQ((*due)[0].second, t0);
  EXPECT_EQ((*due)[1].first, "b");
  EXPECT_EQ((*due)[1].second, t0 + 1000);

  absl::StatusOr<std::vector<std::pair<std::string, double>>> one = client_->ZRangeByScore(key, t0 + 5000, 1);
  ASSERT_TRUE(one.ok());
  ASSERT_EQ(one->size(), 1u);
  EXPECT_EQ((*one)[0].first, "a");

  ASSERT_TRUE(client_->ZRem(key, "a").ok());
  EXPECT_EQ(*client_->ZCard(key), 2);
  // Re-adding moves the member rather than duplicating it.
  ASSERT_TRUE(client_->ZAdd(key, t0 - 1, "c").ok());
  EXPECT_EQ(*client_->ZCard(key), 2);
  absl::StatusOr<std::vector<std::pair<std::string, double>>> moved = client_->ZRangeByScore(key, t0, 10);
  ASSERT_TRUE(moved.ok());
  ASSERT_EQ(moved->size(), 1u);
  EXPECT_EQ((*moved)[0].first, "c");

  ASSERT_TRUE(client_->Del(key).ok());
  EXPECT_EQ(*client_->ZCard(key), 0);
  EXPECT_EQ(client_->ZRangeByScore(key, t0, 0).status().code(), absl::StatusCode::kInvalidArgument);
}

TEST_F(RedisClientTest, ZAddManyPipelinesLargeBatches) {
  const std::string key = redis_->Key("many");
  std::vector<std::pair<double, std::string>> items;
  for (int i = 0; i < 1300; ++i) items.emplace_back(i, "m" + std::to_string(i));
  ASSERT_TRUE(client_->ZAddMany(key, items).ok());
  EXPECT_EQ(*client_->ZCard(key), 1300);
  absl::StatusOr<std::vector<std::pair<std::string, double>>> low = client_->ZRangeByScore(key, 2, 100);
  ASSERT_TRUE(low.ok());
  EXPECT_EQ(low->size(), 3u);
  EXPECT_TRUE(client_->ZAddMany(key, {}).ok());
}

TEST_F(RedisClientTest, GenericCommandsAndErrorReplies) {
  const std::string key = redis_->Key("str");
  absl::StatusOr<Reply> set = client_->Command({"SET", key, std::string("v\0w", 3)});
  ASSERT_TRUE(set.ok());
  EXPECT_EQ(set->type, Reply::Type::kStatus);
  EXPECT_EQ(set->str, "OK");
  absl::StatusOr<Reply> get = client_->Command({"GET", key});
  ASSERT_TRUE(get.ok());
  EXPECT_EQ(get->type, Reply::Type::kString);
  EXPECT_EQ(get->str, std::string("v\0w", 3));
  absl::StatusOr<Reply> missing = client_->Command({"GET", redis_->Key("missing")});
  ASSERT_TRUE(missing.ok());
  EXPECT_TRUE(missing->is_nil());
  // Error replies are values for Command, statuses for the typed methods.
  absl::StatusOr<Reply> wrong = client_->Command({"ZCARD", key});
  ASSERT_TRUE(wrong.ok());
  EXPECT_TRUE(wrong->is_error());
  const absl::Status typed = client_->ZAdd(key, 1, "x");
  EXPECT_EQ(typed.code(), absl::StatusCode::kInternal) << typed;
  EXPECT_EQ(ErrorReason(typed), kReasonCommandFailed);
  // The connection is fine after an error reply.
  EXPECT_TRUE(client_->Ping().ok());
  EXPECT_TRUE(client_->Publish(redis_->Key("wake"), "x").ok());
}

TEST_F(RedisClientTest, ReconnectsAfterItsConnectionIsKilled) {
  const int64_t id = ClientId(*client_);
  ASSERT_GT(id, 0);
  std::unique_ptr<Client> killer = MakeClient();
  ASSERT_NE(killer, nullptr);
  absl::StatusOr<Reply> killed = killer->Command({"CLIENT", "KILL", "ID", std::to_string(id)});
  ASSERT_TRUE(killed.ok());
  ASSERT_EQ(killed->integer, 1);
  // The call that finds the connection dead fails (it is not retried: the command may have run);
  // the next one reconnects.
  const absl::Status first = client_->Ping();
  EXPECT_TRUE(first.ok() || first.code() == absl::StatusCode::kUnavailable) << first;
  EXPECT_TRUE(client_->Ping().ok());
  EXPECT_NE(ClientId(*client_), id);
}

TEST_F(RedisClientTest, IsSafeToShareBetweenThreads) {
  const std::string key = redis_->Key("threads");
  std::vector<std::thread> threads;
  for (int t = 0; t < 8; ++t) {
    threads.emplace_back([&, t] {
      for (int i = 0; i < 50; ++i) {
        EXPECT_TRUE(client_->ZAdd(key, i, std::to_string(t) + ":" + std::to_string(i)).ok());
      }
    });
  }
  for (std::thread& th : threads) th.join();
  EXPECT_EQ(*client_->ZCard(key), 400);
}

}  // namespace
}  // namespace parley::redis
