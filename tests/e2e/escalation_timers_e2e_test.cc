// End to end with real timers: the parley-contacts, parley-conduct and parley-escalation binaries on
// the test-only drill school (tests/e2e/testdata/drill-trust.json), whose calendar is always open and
// whose clocks run out in seconds, so deadlines fall due while the test watches. The Redis server is
// this test's own: the fault test empties it.
//
// What is counted is what the timers do, in escalation's own database: the history events a firing
// appends and the outbox rows it writes. Exactly once means one breach event per deadline, however
// often the process dies.
#include <signal.h>

#include <atomic>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "common/pg/pool.h"
#include "common/redis/client.h"
#include "common/testing/owned_redis.h"
#include "common/testing/test_database.h"
#include "gmock/gmock.h"
#include "google/protobuf/util/time_util.h"
#include "grpcpp/grpcpp.h"
#include "gtest/gtest.h"
#include "parley/escalation/v1/escalation_service.grpc.pb.h"
#include "tests/e2e/e2e_support.h"
#include "tests/e2e/trust_under_test.h"

namespace parley::e2e {
namespace {

namespace ev1 = ::parley::escalation::v1;
using ::google::protobuf::util::TimeUtil;
using Stub = ev1::EscalationService::Stub;

constexpr char kSchool[] = "schools/drill";
constexpr char kPupil[] = "schools/drill/pupils/p-1";
constexpr char kGuardian[] = "guardians/drill-g-1";
constexpr char kTeacher[] = "schools/drill/staff/teacher";
constexpr char kDeputy[] = "schools/drill/staff/deputy";
constexpr char kHead[] = "schools/drill/staff/head";
// The drill school's letter clocks: acknowledge within 5 minutes, answer within a day.
constexpr absl::Duration kLetterAcknowledge = absl::Seconds(300);

google::protobuf::Timestamp ToProto(absl::Time t) { return TimeUtil::MicrosecondsToTimestamp(absl::ToUnixMicros(t)); }
absl::Time FromProto(const google::protobuf::Timestamp& t) {
  return absl::FromUnixMicros(TimeUtil::TimestampToMicroseconds(t));
}

struct Suite {
  std::unique_ptr<parley::testing::OwnedRedis> redis;  // outlives the services that use it
  std::unique_ptr<TrustUnderTest> trust;               // the drill trust, conduct and escalation
  std::unique_ptr<pg::Pool> escalation_sql;
};
std::unique_ptr<Suite> suite;

class EscalationTimersE2eTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    if (!parley::testing::TestDatabase::Configured() || !parley::testing::OwnedRedis::Available()) return;
    suite = std::make_unique<Suite>();
    auto redis = parley::testing::OwnedRedis::Start({});
    ASSERT_TRUE(redis.ok()) << redis.status();
    suite->redis = std::move(*redis);
    TrustOptions trust{"timers", PARLEY_DRILL_TRUST_JSON, PARLEY_CONTACTS_BINARY, PARLEY_CONDUCT_BINARY,
                       PARLEY_ESCALATION_BINARY};
    trust.redis_addr = suite->redis->address();  // its own: the fault test empties it
    trust.admin_subject = "office@drill";        // the subject every token of this suite carries
    suite->trust = TrustUnderTest::StartForSuite(trust);
    if (!suite->trust) return;

    pg::PoolOptions sql;
    sql.dsn = suite->trust->Dsn(Service::kEscalation);
    sql.size = 1;
    auto pool = pg::Pool::Create(sql);
    ASSERT_TRUE(pool.ok()) << pool.status();
    suite->escalation_sql = std::move(*pool);
    ready_ = true;
  }

  static void TearDownTestSuite() { suite.reset(); }

  void SetUp() override {
    if (!ready_) {
      if (parley::testing::TestDatabase::Configured() && parley::testing::OwnedRedis::Available()) {
        FAIL() << "the suite set-up failed (see above)";
      }
      GTEST_SKIP() << "needs PARLEY_TEST_PG_DSN (scripts/test.sh sets it) and redis-server in PATH";
    }
    office_token_ = Office();
    Connect();
  }

  void Connect() { stub_ = ev1::EscalationService::NewStub(suite->trust->Channel(Service::kEscalation)); }

  static std::string Token(std::vector<std::string> roles, std::vector<std::string> schools) {
    return suite->trust->Mint(std::move(roles), std::move(schools), "office@drill", absl::Minutes(10));
  }
  static std::string Office() { return Token({"office"}, {"drill"}); }

  template <typename Req, typename Resp, typename Method>
  grpc::Status Call(Method method, const Req& req, Resp* resp) {
    grpc::ClientContext ctx;
    ctx.AddMetadata("authorization", absl::StrCat("Bearer ", office_token_));
    ctx.set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(30));
    return ((*stub_).*method)(&ctx, req, resp);
  }

  static ev1::OpenEnquiryRequest OpenRequest(ev1::Channel channel, absl::Time received) {
    ev1::OpenEnquiryRequest req;
    req.set_parent(kSchool);
    ev1::Enquiry* e = req.mutable_enquiry();
    e->set_pupil(kPupil);
    e->set_guardian(kGuardian);
    e->set_channel(channel);
    e->set_category("learning");
    *e->mutable_receive_time() = ToProto(received);
    e->set_subject("Homework diary");
    e->set_body_ref("drill/1");
    req.set_request_id(NewUuid());
    return req;
  }

  static int64_t Count(const std::string& sql) {
    int64_t n = -1;
    absl::Status s = suite->escalation_sql->Read([&](pqxx::work& txn) {
      n = txn.exec1(sql)[0].as<int64_t>();
      return absl::OkStatus();
    });
    EXPECT_TRUE(s.ok()) << s;
    return n;
  }

  std::string office_token_;  // minted in SetUp: without a set-up there is no signer
  std::unique_ptr<Stub> stub_;
  static bool ready_;
};
bool EscalationTimersE2eTest::ready_ = false;

// docs/architecture.md#enquiries-and-timers on real timers: 2 s to acknowledge, 3 s to answer at each rung. Nobody
// acts, so the acknowledgement breaches (owner and line manager told), the answer breaches at the class teacher (up to
// the deputy with a fresh budget), then at the deputy (up to the head), then at the head: referred to the complaints
// procedure. Each step happens once.
TEST_F(EscalationTimersE2eTest, AnUnansweredEmailClimbsTheLadderToComplaintsOnRealTimers) {
  const absl::Time received = absl::Now();
  ev1::Enquiry opened;
  grpc::Status s = Call(&Stub::OpenEnquiry, OpenRequest(ev1::CHANNEL_EMAIL, received), &opened);
  ASSERT_TRUE(s.ok()) << s.error_message();
  EXPECT_EQ(opened.owner(), kTeacher);
  EXPECT_EQ(FromProto(opened.acknowledge().due_time()) - FromProto(opened.receive_time()), absl::Seconds(2));
  EXPECT_EQ(FromProto(opened.respond().due_time()) - FromProto(opened.receive_time()), absl::Seconds(3));

  ev1::GetEnquiryRequest get;
  get.set_name(opened.name());
  ev1::Enquiry now;
  const absl::Time give_up = absl::Now() + absl::Seconds(60);
  while (absl::Now() < give_up) {
    ASSERT_TRUE(Call(&Stub::GetEnquiry, get, &now).ok());
    if (now.state() == ev1::ENQUIRY_STATE_REFERRED_TO_COMPLAINTS) break;
    absl::SleepFor(absl::Milliseconds(100));
  }
  ASSERT_EQ(now.state(), ev1::ENQUIRY_STATE_REFERRED_TO_COMPLAINTS) << now.DebugString();
  EXPECT_EQ(now.owner(), kHead);
  EXPECT_EQ(now.rung(), 2);
  EXPECT_EQ(now.rung_role(), "headteacher");  // the ladder's role for its top rung
  EXPECT_EQ(now.acknowledge().state(), ev1::CLOCK_STATE_BREACHED);

  ev1::ListEnquiryEventsRequest list;
  list.set_parent(opened.name());
  list.set_page_size(100);
  ev1::ListEnquiryEventsResponse events;
  ASSERT_TRUE(Call(&Stub::ListEnquiryEvents, list, &events).ok());
  int acknowledge_breaches = 0, respond_breaches = 0, referrals = 0;
  std::vector<std::string> escalated_to;
  for (const ev1::EnquiryEvent& ev : events.events()) {
    if (ev.kind() == ev1::ENQUIRY_EVENT_KIND_BREACHED) {
      (ev.clock().stage() == ev1::STAGE_ACKNOWLEDGE ? acknowledge_breaches : respond_breaches)++;
    }
    if (ev.kind() == ev1::ENQUIRY_EVENT_KIND_ESCALATED) escalated_to.push_back(ev.owner());
    if (ev.kind() == ev1::ENQUIRY_EVENT_KIND_REFERRED_TO_COMPLAINTS) ++referrals;
  }
  EXPECT_EQ(acknowledge_breaches, 1);
  EXPECT_EQ(respond_breaches, 3);
  EXPECT_THAT(escalated_to, ::testing::ElementsAre(kDeputy, kHead));
  EXPECT_EQ(referrals, 1);

  // Every effect is in the outbox once, keyed for the notifications service.
  const std::string id = opened.name().substr(opened.name().rfind('/') + 1);
  auto notices = [&](const std::string& kind) {
    return Count(
        absl::StrCat("SELECT count(*) FROM outbox WHERE enquiry_id = '", id, "' AND kind = 'escalation.", kind, "'"));
  };
  EXPECT_EQ(notices("acknowledge_breach"), 2);      // the class teacher and her line manager
  EXPECT_EQ(notices("escalated"), 2);               // the deputy, then the head
  EXPECT_EQ(notices("referred_to_complaints"), 2);  // the head and the parent
  // Nothing is left to fire for it.
  EXPECT_EQ(
      Count(absl::StrCat("SELECT count(*) FROM parley_timers WHERE state = 'pending' AND key LIKE 'drill/", id, "/%'")),
      0);
}

// The issue's fault test: 2,000 acknowledgement deadlines fall due at one instant; while they fire
// the escalation process is killed with SIGKILL three times and Redis is emptied twice. Afterwards
// every deadline has fired exactly once: one breach event and two breach notices per enquiry.
TEST_F(EscalationTimersE2eTest, TwoThousandDeadlinesFireExactlyOnceThroughKillsAndAFlushedRedis) {
  constexpr int kEnquiries = 2000;
  constexpr int kInFlight = 16;
  // Letters received so that their acknowledgement falls due together, after every one is open.
  const absl::Time start = absl::Now();
  const absl::Time due = start + absl::Seconds(40);
  const absl::Time received = due - kLetterAcknowledge;

  std::vector<std::string> ids(kEnquiries);
  std::atomic<int> next{0};
  std::atomic<int> failures{0};
  std::vector<std::thread> openers;
  for (int t = 0; t < kInFlight; ++t) {
    openers.emplace_back([&] {
      for (int i = next++; i < kEnquiries; i = next++) {
        ev1::Enquiry out;
        grpc::Status s = Call(&Stub::OpenEnquiry, OpenRequest(ev1::CHANNEL_LETTER, received), &out);
        if (!s.ok()) {
          ++failures;
          continue;
        }
        ids[i] = out.name().substr(out.name().rfind('/') + 1);
      }
    });
  }
  for (std::thread& t : openers) t.join();
  ASSERT_EQ(failures.load(), 0);
  const absl::Time opened = absl::Now();
  std::cout << "opened " << kEnquiries << " letters in " << absl::FormatDuration(opened - start)
            << "; they fall due in " << absl::FormatDuration(due - opened) << "\n";

  const std::string letters = "SELECT id FROM enquiries WHERE channel = 2";
  const std::string fired_sql = absl::StrCat(
      "SELECT count(*) FROM enquiry_events WHERE kind = 9 AND stage = 1 AND enquiry_id IN (", letters, ")");
  ASSERT_EQ(Count(absl::StrCat("SELECT count(*) FROM (", letters, ") l")), kEnquiries);
  ASSERT_EQ(Count(fired_sql), 0) << "the deadlines fell due before every letter was open";

  // Crash the process at a fifth, two fifths and three fifths of the herd, so each crash lands while
  // deadlines are firing; empty Redis once while it runs and once while it is down.
  auto wait_for_at_least = [&](int64_t n) {
    int64_t now = 0;
    const absl::Time give_up = absl::Now() + absl::Seconds(120);
    while ((now = Count(fired_sql)) < n && absl::Now() < give_up) absl::SleepFor(absl::Milliseconds(10));
    return now;
  };
  auto redis = redis::Client::Connect(suite->redis->options());
  ASSERT_TRUE(redis.ok()) << redis.status();
  for (int crash = 1; crash <= 3; ++crash) {
    wait_for_at_least(crash * kEnquiries / 5);
    ASSERT_TRUE(suite->trust->Process(Service::kEscalation).Kill().ok());
    const int64_t at_kill = Count(fired_sql);
    std::cout << "kill -9 #" << crash << " with " << at_kill << " of " << kEnquiries << " fired\n";
    // The first crash must land mid-herd for the test to mean anything; the later ones usually do
    // too, but on a loaded machine the herd may finish first, which proves nothing either way.
    if (crash == 1) {
      EXPECT_LT(at_kill, kEnquiries) << "the herd was over before the first crash";
    }
    if (crash == 2) {
      // The wake-up index vanishes while nobody runs: the restarted worker must notice and rebuild it.
      ASSERT_TRUE((*redis)->Command({"FLUSHALL"}).ok());
    }
    ASSERT_TRUE(suite->trust->StartAgain(Service::kEscalation).ok());
    if (crash == 1) {
      wait_for_at_least(at_kill + kEnquiries / 10);
      ASSERT_TRUE((*redis)->Command({"FLUSHALL"}).ok());
      std::cout << "FLUSHALL with " << Count(fired_sql) << " fired\n";
    }
  }
  Connect();

  const absl::Time give_up = absl::Now() + absl::Seconds(180);
  while (Count(fired_sql) < kEnquiries && absl::Now() < give_up) absl::SleepFor(absl::Milliseconds(100));
  std::cout << "all fired " << absl::FormatDuration(absl::Now() - due) << " after they fell due\n";

  // Exactly once, counted in SQL: one breach per letter, none twice, two notices each.
  EXPECT_EQ(Count(fired_sql), kEnquiries);
  EXPECT_EQ(Count(absl::StrCat("SELECT count(DISTINCT enquiry_id) FROM enquiry_events WHERE kind = 9 AND stage = 1 "
                               "AND enquiry_id IN (",
                               letters, ")")),
            kEnquiries);
  EXPECT_EQ(Count(absl::StrCat("SELECT count(*) FROM outbox WHERE kind = 'escalation.acknowledge_breach' AND "
                               "enquiry_id IN (",
                               letters, ")")),
            2 * kEnquiries);
  EXPECT_EQ(Count(absl::StrCat("SELECT count(*) FROM (SELECT enquiry_id FROM outbox WHERE kind = "
                               "'escalation.acknowledge_breach' AND enquiry_id IN (",
                               letters, ") GROUP BY enquiry_id, notice->'recipients' HAVING count(*) > 1) twice")),
            0);
  // The acknowledgement timers are spent; each letter still has its day-long answer clock armed.
  auto pending = [&](const std::string& stage) {
    return Count(
        absl::StrCat("SELECT count(*) FROM parley_timers WHERE state = 'pending' AND key IN (SELECT 'drill/' "
                     "|| id || '/",
                     stage, "' FROM enquiries WHERE channel = 2)"));
  };
  EXPECT_EQ(pending("acknowledge"), 0);
  EXPECT_EQ(pending("respond"), kEnquiries);
  // The enquiries say so too.
  ev1::GetEnquiryRequest get;
  get.set_name(absl::StrCat(kSchool, "/enquiries/", ids[kEnquiries / 2]));
  ev1::Enquiry one;
  ASSERT_TRUE(Call(&Stub::GetEnquiry, get, &one).ok());
  EXPECT_EQ(one.acknowledge().state(), ev1::CLOCK_STATE_BREACHED);
  EXPECT_EQ(one.state(), ev1::ENQUIRY_STATE_OPEN);
}

}  // namespace
}  // namespace parley::e2e
