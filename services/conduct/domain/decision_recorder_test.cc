#include "services/conduct/domain/decision_recorder.h"

#include <string>
#include <thread>
#include <vector>

#include "absl/strings/str_cat.h"
#include "common/clock/clock.h"
#include "common/status/reason.h"
#include "gtest/gtest.h"
#include "services/conduct/testing/in_memory_conduct_store.h"

namespace parley::conduct {
namespace {

DecisionRecord Record(const std::string& id, Outcome outcome = Outcome::kAllow) {
  DecisionRecord r;
  r.id = id;
  r.query.school_id = "kenilworth";
  r.query.guardian = "guardians/g-1";
  r.decision.outcome = outcome;
  r.asked_by = "service:escalation";
  r.decide_time = absl::FromUnixSeconds(1760000000);
  return r;
}

// Waits for the writer thread, which runs on its own schedule; the bound only keeps a broken
// writer from hanging the test.
bool Eventually(const std::function<bool()>& done) {
  for (int i = 0; i < 500; ++i) {
    if (done()) return true;
    absl::SleepFor(absl::Milliseconds(10));
  }
  return done();
}

class DecisionRecorderTest : public ::testing::Test {
 protected:
  SimulatedClock clock_{absl::FromUnixSeconds(1760000000)};
  testing::InMemoryConductStore store_{&clock_};
};

TEST_F(DecisionRecorderTest, ACheckIsAnsweredFromTheQueueAndStoredByTheWriter) {
  DecisionLogOptions options;
  options.flush_interval = absl::Milliseconds(20);
  DecisionRecorder log(&store_, options);
  absl::StatusOr<DecisionRecord> answered = log.Record(Record("d1"), false);
  ASSERT_TRUE(answered.ok()) << answered.status();
  EXPECT_EQ(answered->id, "d1");
  // Not written on the caller's path: queued, and found there.
  EXPECT_EQ(store_.DecisionCount(), 0);
  ASSERT_TRUE(log.Find("kenilworth", "d1").has_value());
  log.Start();
  EXPECT_TRUE(Eventually([&] { return store_.DecisionCount() == 1; }));
  EXPECT_TRUE(Eventually([&] { return log.Queued() == 0; }));
  EXPECT_TRUE(store_.GetDecision("kenilworth", "d1").ok());
  // Unkeyed decisions are not kept in memory once stored.
  EXPECT_FALSE(log.Find("kenilworth", "d1").has_value());
}

TEST_F(DecisionRecorderTest, FlushWaitsForEverythingQueuedBeforeIt) {
  DecisionLogOptions options;
  options.flush_interval = absl::Seconds(5);  // only the flush makes it write
  options.batch = 3;
  DecisionRecorder log(&store_, options);
  log.Start();
  for (int i = 0; i < 10; ++i) ASSERT_TRUE(log.Record(Record(absl::StrCat("d", i)), false).ok());
  ASSERT_TRUE(log.Flush().ok());
  EXPECT_EQ(store_.DecisionCount(), 10);
  EXPECT_EQ(log.Queued(), 0u);
}

TEST_F(DecisionRecorderTest, StopStoresEverythingQueued) {
  DecisionLogOptions options;
  options.flush_interval = absl::Seconds(5);
  {
    DecisionRecorder log(&store_, options);
    log.Start();
    for (int i = 0; i < 100; ++i) ASSERT_TRUE(log.Record(Record(absl::StrCat("d", i)), false).ok());
    log.Stop();
    EXPECT_EQ(store_.DecisionCount(), 100);
    // After Stop nothing more is taken (so nothing is answered that would not be stored).
    EXPECT_EQ(log.Record(Record("late"), false).status().code(), absl::StatusCode::kUnavailable);
  }
  EXPECT_EQ(store_.DecisionCount(), 100);
}

TEST_F(DecisionRecorderTest, AKeyedCopyGetsTheDecisionQueuedOrStoredFirst) {
  DecisionLogOptions options;
  options.flush_interval = absl::Milliseconds(10);
  DecisionRecorder log(&store_, options);
  ASSERT_TRUE(log.Record(Record("dk", Outcome::kDefer), true).ok());
  // Queued: a copy deciding otherwise gets the first.
  absl::StatusOr<DecisionRecord> copy = log.Record(Record("dk", Outcome::kRedirect), true);
  ASSERT_TRUE(copy.ok());
  EXPECT_EQ(copy->decision.outcome, Outcome::kDefer);
  log.Start();
  ASSERT_TRUE(log.Flush().ok());
  // Stored: still remembered, so a copy that missed it in the store gets it too.
  copy = log.Record(Record("dk", Outcome::kRedirect), true);
  ASSERT_TRUE(copy.ok());
  EXPECT_EQ(copy->decision.outcome, Outcome::kDefer);
  ASSERT_TRUE(log.Flush().ok());
  EXPECT_EQ(store_.DecisionCount(), 1);
  EXPECT_EQ(store_.GetDecision("kenilworth", "dk")->decision.outcome, Outcome::kDefer);
}

TEST_F(DecisionRecorderTest, AFullQueuePushesBackAndLosesNothingItTook) {
  DecisionLogOptions options;
  options.flush_interval = absl::Milliseconds(5);
  options.capacity = 100;
  options.batch = 10;
  options.full_wait = absl::Milliseconds(50);
  DecisionRecorder log(&store_, options);
  store_.FailDecisionWrites(Unavailable(reason::kPgUnavailable, "down"));
  log.Start();
  for (int i = 0; i < 100; ++i) ASSERT_TRUE(log.Record(Record(absl::StrCat("d", i)), false).ok());
  // Full while PostgreSQL is down: refused, not answered and dropped.
  absl::StatusOr<DecisionRecord> refused = log.Record(Record("d-over"), false);
  EXPECT_EQ(refused.status().code(), absl::StatusCode::kUnavailable);
  EXPECT_EQ(ErrorReason(refused.status()), reason::kPgUnavailable);
  EXPECT_EQ(log.Flush(absl::Milliseconds(50)).code(), absl::StatusCode::kUnavailable);
  EXPECT_EQ(store_.DecisionCount(), 0);
  EXPECT_EQ(log.Queued(), 100u);
  // Back up: every record taken is stored, the refused one is not.
  store_.FailDecisionWrites(absl::OkStatus());
  ASSERT_TRUE(log.Flush(absl::Seconds(10)).ok());
  EXPECT_EQ(store_.DecisionCount(), 100);
  EXPECT_FALSE(store_.GetDecision("kenilworth", "d-over").ok());
}

TEST_F(DecisionRecorderTest, ManyCallersAtOnceAreAllStored) {
  DecisionLogOptions options;
  options.flush_interval = absl::Milliseconds(5);
  options.batch = 16;
  DecisionRecorder log(&store_, options);
  log.Start();
  std::vector<std::thread> callers;
  for (int t = 0; t < 8; ++t) {
    callers.emplace_back([&log, t] {
      for (int i = 0; i < 200; ++i) EXPECT_TRUE(log.Record(Record(absl::StrCat("d", t, "-", i)), false).ok());
    });
  }
  for (std::thread& c : callers) c.join();
  ASSERT_TRUE(log.Flush().ok());
  EXPECT_EQ(store_.DecisionCount(), 1600);
}

}  // namespace
}  // namespace parley::conduct
