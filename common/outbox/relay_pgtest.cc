// The relay against a real PostgreSQL (a fresh database with escalation's or conduct's real schema,
// the relay migration included) and a fake NotificationsService on a real in-process gRPC server,
// reached through the production sink.
#include <atomic>
#include <map>
#include <memory>
#include <optional>
#include <set>
#include <stdexcept>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/clock.h"
#include "absl/time/time.h"
#include "common/auth/signer.h"
#include "common/auth/testing/test_keys.h"
#include "common/grpc/client.h"
#include "common/outbox/notifications_sink.h"
#include "common/outbox/relay.h"
#include "common/pg/migrations.h"
#include "common/pg/pool.h"
#include "common/request/request_key.h"
#include "common/status/reasons.h"
#include "common/testing/test_database.h"
#include "gmock/gmock.h"
#include "grpcpp/server.h"
#include "grpcpp/server_builder.h"
#include "gtest/gtest.h"
#include "prometheus/registry.h"

namespace parley::outbox {
namespace testdata {
const std::vector<pg::Migration>& EscalationMigrations();
const std::vector<pg::Migration>& ConductMigrations();
}  // namespace testdata
namespace {

namespace nv1 = parley::notifications::v1;

// CreateNotice as the receiver's contract has it: a request id is applied once, a repeat answers
// OK again. Counts every call per request id, and the order of first applications.
class FakeNotifications final : public nv1::NotificationsService::Service {
 public:
  grpc::Status CreateNotice(grpc::ServerContext* ctx, const nv1::CreateNoticeRequest* req, nv1::Notice* out) override {
    absl::MutexLock lock(&mu_);
    ++calls_[req->request_id()];
    auto auth = ctx->client_metadata().find("authorization");
    if (auth == ctx->client_metadata().end() || !auth->second.starts_with("Bearer ")) {
      return grpc::Status(grpc::StatusCode::UNAUTHENTICATED, "no token");
    }
    if (fail_code_ != grpc::StatusCode::OK && (fail_template_.empty() || req->notice().template_() == fail_template_)) {
      return grpc::Status(fail_code_, "refused by the test");
    }
    if (applied_.insert(req->request_id()).second) order_.push_back(req->request_id());
    out->set_name(absl::StrCat(req->parent(), "/notices/n", applied_.size()));
    return grpc::Status::OK;
  }

  // Every call fails with `code` (OK: none), or only those of `template_key` when given.
  void FailWith(grpc::StatusCode code, std::string template_key = "") {
    absl::MutexLock lock(&mu_);
    fail_code_ = code;
    fail_template_ = std::move(template_key);
  }
  std::map<std::string, int> calls() {
    absl::MutexLock lock(&mu_);
    return calls_;
  }
  std::vector<std::string> order() {
    absl::MutexLock lock(&mu_);
    return order_;
  }

 private:
  absl::Mutex mu_;
  std::map<std::string, int> calls_ ABSL_GUARDED_BY(mu_);
  std::set<std::string> applied_ ABSL_GUARDED_BY(mu_);
  std::vector<std::string> order_ ABSL_GUARDED_BY(mu_);
  grpc::StatusCode fail_code_ ABSL_GUARDED_BY(mu_) = grpc::StatusCode::OK;
  std::string fail_template_ ABSL_GUARDED_BY(mu_);
};

double MetricValue(prometheus::Registry& registry, const std::string& name, const std::string& code = "") {
  for (const prometheus::MetricFamily& f : registry.Collect()) {
    if (f.name != name) continue;
    for (const prometheus::ClientMetric& m : f.metric) {
      bool match = code.empty();
      for (const prometheus::ClientMetric::Label& l : m.label) {
        if (l.name == "code" && l.value == code) match = true;
      }
      if (match) return f.type == prometheus::MetricType::Counter ? m.counter.value : m.gauge.value;
    }
  }
  return -1;
}

class RelayPgTest : public ::testing::TestWithParam<std::string> {
 protected:
  void SetUp() override {
    PARLEY_REQUIRE_TEST_DB(db);
    db_.emplace(std::move(db));
    pool_ = NewPool();
    const bool escalation = GetParam() == "escalation";
    ASSERT_TRUE(pg::ApplyMigrations(*pool_, GetParam(),
                                    escalation ? testdata::EscalationMigrations() : testdata::ConductMigrations())
                    .ok());

    grpc::ServerBuilder builder;
    builder.AddListeningPort("127.0.0.1:0", grpc::InsecureServerCredentials(), &port_);
    builder.RegisterService(&fake_);
    server_ = builder.BuildAndStart();
    ASSERT_NE(server_, nullptr);

    auto key = auth::testing::GenerateEcP256();
    absl::StatusOr<std::unique_ptr<auth::Signer>> signer =
        auth::Signer::Create({.private_key_pem = key.private_pem, .issuer = "parley-test", .audience = "parley"});
    ASSERT_TRUE(signer.ok()) << signer.status();
    identity_ = std::make_unique<auth::ServiceIdentity>(*std::move(signer), GetParam());
    sink_ = std::make_unique<NotificationsSink>(client::MakeChannel(absl::StrCat("127.0.0.1:", port_)), identity_.get(),
                                                absl::Seconds(2));
  }

  void TearDown() override {
    if (server_) server_->Shutdown(absl::ToChronoTime(absl::Now()));
  }

  std::unique_ptr<pg::Pool> NewPool() {
    pg::PoolOptions opts;
    opts.dsn = db_->dsn();
    opts.size = 4;
    absl::StatusOr<std::unique_ptr<pg::Pool>> pool = pg::Pool::Create(opts);
    EXPECT_TRUE(pool.ok()) << pool.status();
    return pool.ok() ? *std::move(pool) : nullptr;
  }

  RelayOptions Options() {
    RelayOptions opts;
    opts.service = GetParam();
    opts.poll_interval = absl::Milliseconds(10);
    opts.retry_base = absl::Milliseconds(10);
    opts.retry_max = absl::Milliseconds(40);
    return opts;
  }

  std::unique_ptr<Relay> NewRelay(pg::Pool* pool, Sink sink, RelayOptions opts, prometheus::Registry* registry) {
    absl::StatusOr<std::unique_ptr<Relay>> relay = Relay::Create(pool, std::move(sink), std::move(opts), registry);
    EXPECT_TRUE(relay.ok()) << relay.status();
    return relay.ok() ? *std::move(relay) : nullptr;
  }

  // `n` rows keyed "k/{first}".. with a staff notice using `template_key`; returns the keys in id order.
  std::vector<std::string> Insert(int n, const std::string& template_key = "escalation.assigned", int first = 0) {
    std::vector<std::string> keys;
    const bool escalation = GetParam() == "escalation";
    EXPECT_TRUE(pool_
                    ->Transact([&](pqxx::work& txn) -> absl::Status {
                      for (int i = first; i < first + n; ++i) {
                        const std::string key = absl::StrCat(GetParam(), "/e-", i, "/1/2/schools/s/staff/t-", i);
                        const std::string notice =
                            absl::StrCat(R"({"category":"escalation","priority":"important","school":"schools/s",)",
                                         R"("recipients":{"guardians":[],"staff":["schools/s/staff/t-)", i, R"("]},)",
                                         R"("pupils":[],"template":")", template_key, R"(","variables":{"enquiry":"e-)",
                                         i, R"("},"not_before":"2030-01-01T09:00:00Z"})");
                        if (escalation) {
                          txn.exec_params(
                              "INSERT INTO outbox (key, kind, school_id, enquiry_id, notice, not_before) "
                              "VALUES ($1, 'escalation.assigned', 's', $2, $3::jsonb, '2030-01-01T09:00:00Z')",
                              key, absl::StrCat("e-", i), notice);
                        } else {
                          txn.exec_params(
                              "INSERT INTO outbox (key, kind, school_id, notice, not_before) "
                              "VALUES ($1, 'conduct_letter', 's', $2::jsonb, '2030-01-01T09:00:00Z')",
                              key, notice);
                        }
                        keys.push_back(key);
                      }
                      return absl::OkStatus();
                    })
                    .ok());
    return keys;
  }

  int64_t Count(const std::string& sql) {
    int64_t n = -1;
    EXPECT_TRUE(pool_
                    ->Read([&](pqxx::work& txn) -> absl::Status {
                      n = txn.exec1(sql)[0].as<int64_t>();
                      return absl::OkStatus();
                    })
                    .ok());
    return n;
  }
  int64_t Pending() { return Count("SELECT count(*) FROM outbox WHERE handed_over_at IS NULL"); }

  // Runs passes until one claims nothing.
  int Drain(Relay& relay) {
    int handed = 0;
    for (;;) {
      absl::StatusOr<PassResult> pass = relay.RunOnce();
      EXPECT_TRUE(pass.ok()) << pass.status();
      if (!pass.ok() || pass->claimed == 0) return handed;
      handed += pass->handed_over;
    }
  }

  // Waits (without asserting on time) until no row is pending, at most `limit`.
  bool AwaitDrained(absl::Duration limit) {
    const absl::Time until = absl::Now() + limit;
    while (Pending() != 0) {
      if (absl::Now() > until) return false;
      absl::SleepFor(absl::Milliseconds(20));
    }
    return true;
  }

  std::optional<testing::TestDatabase> db_;
  std::unique_ptr<pg::Pool> pool_;
  FakeNotifications fake_;
  int port_ = 0;
  std::unique_ptr<grpc::Server> server_;
  std::unique_ptr<auth::ServiceIdentity> identity_;
  std::unique_ptr<NotificationsSink> sink_;
};

TEST_P(RelayPgTest, HandsOverInIdOrderExactlyOnce) {
  const std::vector<std::string> keys = Insert(120);
  prometheus::Registry registry;
  std::unique_ptr<Relay> relay = NewRelay(pool_.get(), sink_->AsSink(), Options(), &registry);
  ASSERT_TRUE(relay->RefreshStats().ok());
  EXPECT_EQ(MetricValue(registry, "parley_outbox_pending"), 120);
  EXPECT_GE(MetricValue(registry, "parley_outbox_oldest_pending_age_seconds"), 0);

  absl::StatusOr<PassResult> first = relay->RunOnce();
  ASSERT_TRUE(first.ok()) << first.status();
  EXPECT_EQ(first->claimed, 50);  // a batch at a time
  EXPECT_EQ(first->handed_over, 50);
  EXPECT_EQ(Pending(), 70);
  EXPECT_EQ(Drain(*relay), 70);

  std::vector<std::string> expected;
  for (const std::string& k : keys) expected.push_back(request::DerivedRequestId(k));
  EXPECT_EQ(fake_.order(), expected);
  for (const auto& [id, calls] : fake_.calls()) EXPECT_EQ(calls, 1) << id;
  EXPECT_EQ(Pending(), 0);
  EXPECT_EQ(Count("SELECT count(*) FROM outbox WHERE attempts <> 0 OR last_error <> ''"), 0);
  EXPECT_EQ(MetricValue(registry, "parley_outbox_handed_over_total"), 120);
  ASSERT_TRUE(relay->RefreshStats().ok());
  EXPECT_EQ(MetricValue(registry, "parley_outbox_pending"), 0);
  EXPECT_EQ(MetricValue(registry, "parley_outbox_oldest_pending_age_seconds"), 0);
  // Handed over rows are not taken again.
  EXPECT_EQ(relay->RunOnce()->claimed, 0);
}

TEST_P(RelayPgTest, BackgroundThreadDrainsAndStops) {
  Insert(30);
  std::unique_ptr<Relay> relay = NewRelay(pool_.get(), sink_->AsSink(), Options(), nullptr);
  relay->Start();
  ASSERT_TRUE(AwaitDrained(absl::Seconds(30)));
  // Rows written while it runs go too.
  Insert(5, "escalation.assigned", 100);
  ASSERT_TRUE(AwaitDrained(absl::Seconds(30)));
  relay->Stop();
  EXPECT_EQ(fake_.order().size(), 35u);
  Insert(1, "escalation.assigned", 200);
  absl::SleepFor(absl::Milliseconds(100));  // several poll intervals: a stopped relay takes nothing
  EXPECT_EQ(Pending(), 1);
}

TEST_P(RelayPgTest, UnavailableReceiverLeavesRowsPendingAndTheyGoLater) {
  const std::vector<std::string> keys = Insert(5);
  fake_.FailWith(grpc::StatusCode::UNAVAILABLE);
  prometheus::Registry registry;
  std::unique_ptr<Relay> relay = NewRelay(pool_.get(), sink_->AsSink(), Options(), &registry);
  absl::StatusOr<PassResult> pass = relay->RunOnce();
  ASSERT_TRUE(pass.ok()) << pass.status();
  EXPECT_EQ(pass->handed_over, 0);
  EXPECT_EQ(pass->retried, 5);
  EXPECT_EQ(Pending(), 5);
  EXPECT_EQ(Count("SELECT count(*) FROM outbox WHERE attempts = 1 AND last_error = 'UNAVAILABLE' AND "
                  "next_attempt_at > create_time"),
            5);
  // The receiver was asked about the first row only: the rest backed off with it.
  EXPECT_EQ(fake_.calls().size(), 1u);
  EXPECT_EQ(MetricValue(registry, "parley_outbox_retries_total", "UNAVAILABLE"), 5);

  fake_.FailWith(grpc::StatusCode::OK);
  relay->Start();
  ASSERT_TRUE(AwaitDrained(absl::Seconds(30)));
  relay->Stop();
  std::vector<std::string> expected;
  for (const std::string& k : keys) expected.push_back(request::DerivedRequestId(k));
  // Each row's backoff is jittered on its own, so after an outage rows fall due in any order:
  // every one goes, once.
  EXPECT_THAT(fake_.order(), ::testing::UnorderedElementsAreArray(expected));
  EXPECT_EQ(MetricValue(registry, "parley_outbox_handed_over_total"), 5);
}

TEST_P(RelayPgTest, RefusedRowBacksOffSlowlyIsCountedAndIsNotDropped) {
  Insert(2);
  Insert(1, "not.loaded.yet", 2);
  Insert(2, "escalation.assigned", 3);
  // A row no request can be made of is refused without a call.
  ASSERT_TRUE(pool_
                  ->Transact([&](pqxx::work& txn) -> absl::Status {
                    txn.exec(
                        "UPDATE outbox SET notice = jsonb_set(notice, '{category}', '\"newsletter\"') "
                        "WHERE key LIKE '%/e-4/%'");
                    return absl::OkStatus();
                  })
                  .ok());
  fake_.FailWith(grpc::StatusCode::INVALID_ARGUMENT, "not.loaded.yet");
  prometheus::Registry registry;
  std::unique_ptr<Relay> relay = NewRelay(pool_.get(), sink_->AsSink(), Options(), &registry);
  absl::StatusOr<PassResult> pass = relay->RunOnce();
  ASSERT_TRUE(pass.ok()) << pass.status();
  EXPECT_EQ(pass->handed_over, 3);
  EXPECT_EQ(pass->rejected, 2);
  EXPECT_EQ(fake_.calls().size(), 4u);  // not the unconvertible row
  EXPECT_EQ(Pending(), 2);
  EXPECT_EQ(Count("SELECT count(*) FROM outbox WHERE handed_over_at IS NULL AND attempts = 1 AND "
                  "last_error LIKE 'INVALID_ARGUMENT%' AND next_attempt_at > now() + interval '4 minutes'"),
            2);
  EXPECT_EQ(MetricValue(registry, "parley_outbox_rejected_total", "INVALID_ARGUMENT"), 2);
  // Not retried before its slow backoff.
  EXPECT_EQ(relay->RunOnce()->claimed, 0);

  // The trust loads the template and the backoff ends (moved here rather than waited for).
  fake_.FailWith(grpc::StatusCode::OK);
  ASSERT_TRUE(pool_
                  ->Transact([&](pqxx::work& txn) -> absl::Status {
                    txn.exec("UPDATE outbox SET next_attempt_at = now() WHERE handed_over_at IS NULL");
                    return absl::OkStatus();
                  })
                  .ok());
  pass = relay->RunOnce();
  ASSERT_TRUE(pass.ok());
  EXPECT_EQ(pass->handed_over, 1);
  EXPECT_EQ(pass->rejected, 1);  // the unconvertible one waits for a fix in the sender
  EXPECT_EQ(Pending(), 1);
  EXPECT_EQ(Count("SELECT attempts FROM outbox WHERE handed_over_at IS NULL"), 2);
  EXPECT_EQ(MetricValue(registry, "parley_outbox_rejected_total", "INVALID_ARGUMENT"), 3);
}

TEST_P(RelayPgTest, TwoRelaysRacingHandEachRowOverOnce) {
  const std::vector<std::string> keys = Insert(500);
  prometheus::Registry registry_a, registry_b;
  std::unique_ptr<pg::Pool> pool_a = NewPool(), pool_b = NewPool();
  RelayOptions opts = Options();
  opts.batch = 20;  // more passes, more chances to collide
  std::unique_ptr<Relay> a = NewRelay(pool_a.get(), sink_->AsSink(), opts, &registry_a);
  std::unique_ptr<Relay> b = NewRelay(pool_b.get(), sink_->AsSink(), opts, &registry_b);
  a->Start();
  b->Start();
  ASSERT_TRUE(AwaitDrained(absl::Seconds(60)));
  a->Stop();
  b->Stop();

  const std::map<std::string, int> calls = fake_.calls();
  EXPECT_EQ(calls.size(), 500u);
  for (const std::string& k : keys) {
    auto it = calls.find(request::DerivedRequestId(k));
    ASSERT_NE(it, calls.end()) << k;
    EXPECT_EQ(it->second, 1) << k;  // a healthy receiver: no row handed twice
  }
  EXPECT_EQ(Count("SELECT count(*) FROM outbox WHERE handed_over_at IS NOT NULL"), 500);
  const double by_a = MetricValue(registry_a, "parley_outbox_handed_over_total");
  const double by_b = MetricValue(registry_b, "parley_outbox_handed_over_total");
  EXPECT_EQ(by_a + by_b, 500);
}

TEST_P(RelayPgTest, RelayKilledMidBatchResendsWithTheSameRequestId) {
  const std::vector<std::string> keys = Insert(6);
  // The receiver accepted rows 0..3, then the relay "dies" before its commit.
  Sink dying = [this](const Row& row) -> absl::Status {
    absl::Status s = sink_->Send(row);
    if (row.key.find("/e-3/") != std::string::npos) throw std::runtime_error("killed");
    return s;
  };
  std::unique_ptr<Relay> doomed = NewRelay(pool_.get(), dying, Options(), nullptr);
  EXPECT_FALSE(doomed->RunOnce().ok());
  EXPECT_EQ(Pending(), 6);  // nothing of the batch was marked
  EXPECT_EQ(Count("SELECT count(*) FROM outbox WHERE attempts <> 0"), 0);

  std::unique_ptr<Relay> restarted = NewRelay(pool_.get(), sink_->AsSink(), Options(), nullptr);
  EXPECT_EQ(Drain(*restarted), 6);
  EXPECT_EQ(Pending(), 0);
  const std::map<std::string, int> calls = fake_.calls();
  for (size_t i = 0; i < keys.size(); ++i) {
    EXPECT_EQ(calls.at(request::DerivedRequestId(keys[i])), i <= 3 ? 2 : 1) << keys[i];
  }
  // Applied once each, in order, the resends included.
  std::vector<std::string> expected;
  for (const std::string& k : keys) expected.push_back(request::DerivedRequestId(k));
  EXPECT_EQ(fake_.order(), expected);
}

INSTANTIATE_TEST_SUITE_P(Schemas, RelayPgTest, ::testing::Values("escalation", "conduct"),
                         [](const ::testing::TestParamInfo<std::string>& info) { return info.param; });

}  // namespace
}  // namespace parley::outbox
