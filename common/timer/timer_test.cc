// Unit tests of the timer library's pure parts: score and timestamp conversion, retry backoff,
// error summaries and input validation. Database behaviour is in timer_pgtest.cc.
#include <string>

#include "absl/time/civil_time.h"
#include "common/status/reason.h"
#include "common/timer/internal.h"
#include "common/timer/timer.h"
#include "gtest/gtest.h"

namespace parley::timer {
namespace {

using internal::NowScore;
using internal::RetryBackoff;
using internal::ScoreForDue;

absl::Time At(int64_t unix_millis) { return absl::FromUnixMillis(unix_millis); }

TEST(Score, IsUnixSecondsWithMillisecondPrecision) {
  EXPECT_EQ(ScoreForDue(At(1761318600123)), 1761318600.123);
  EXPECT_EQ(NowScore(At(1761318600123)), 1761318600.123);
  EXPECT_EQ(ScoreForDue(absl::UnixEpoch()), 0.0);
}

TEST(Score, RoundsDueUpAndNowDownSoNothingIsEverEarly) {
  const absl::Time due = At(1761318600123) + absl::Microseconds(1);
  EXPECT_EQ(ScoreForDue(due), 1761318600.124);
  // Just before the due instant the clock's score has not reached the member's score...
  EXPECT_LT(NowScore(due - absl::Microseconds(1)), ScoreForDue(due));
  // ...and once the next whole millisecond is reached, it has.
  EXPECT_GE(NowScore(At(1761318600124)), ScoreForDue(due));
}

TEST(Score, IsMonotonicAcrossMilliseconds) {
  const absl::Time base = At(1761318600000);
  double previous = ScoreForDue(base);
  for (int ms = 1; ms < 2000; ++ms) {
    const double score = ScoreForDue(base + absl::Milliseconds(ms));
    ASSERT_GT(score, previous) << ms;
    previous = score;
  }
}

TEST(Score, FormatsToTextThatParsesBackExactly) {
  const double score = ScoreForDue(At(1761318600123));
  EXPECT_EQ(std::stod(internal::FormatScore(score)), score);
  EXPECT_EQ(internal::FormatScore(1.5), "1.5");
}

TEST(Backoff, DoublesFromBaseUpToTheCap) {
  const absl::Duration base = absl::Seconds(1);
  const absl::Duration max = absl::Seconds(60);
  // unit_random = 1 gives the top of the jitter range, d; 0 gives d/2.
  EXPECT_EQ(RetryBackoff(1, base, max, 1.0), absl::Seconds(1));
  EXPECT_EQ(RetryBackoff(2, base, max, 1.0), absl::Seconds(2));
  EXPECT_EQ(RetryBackoff(3, base, max, 1.0), absl::Seconds(4));
  EXPECT_EQ(RetryBackoff(7, base, max, 1.0), absl::Seconds(60));
  EXPECT_EQ(RetryBackoff(1000000, base, max, 1.0), absl::Seconds(60));
  EXPECT_EQ(RetryBackoff(3, base, max, 0.0), absl::Seconds(2));
}

TEST(Backoff, JitterStaysInTheUpperHalf) {
  for (double r : {0.0, 0.25, 0.5, 0.999}) {
    const absl::Duration d = RetryBackoff(4, absl::Seconds(1), absl::Minutes(5), r);
    EXPECT_GE(d, absl::Seconds(4));
    EXPECT_LT(d, absl::Seconds(8));
  }
}

TEST(Backoff, IsNeverZero) {
  EXPECT_GE(RetryBackoff(0, absl::ZeroDuration(), absl::ZeroDuration(), 0.0), absl::Milliseconds(1));
  EXPECT_GE(RetryBackoff(-3, absl::Nanoseconds(1), absl::Nanoseconds(1), 0.0), absl::Milliseconds(1));
}

TEST(ErrorSummary, KeepsCodeAndConstantReasonOnly) {
  EXPECT_EQ(internal::ErrorSummary(Unavailable("NOTIFY_DOWN", "the gateway at 10.0.0.1 said: Mrs Smith unknown")),
            "UNAVAILABLE NOTIFY_DOWN");
  EXPECT_EQ(internal::ErrorSummary(absl::InternalError("Mrs Smith's letter failed")), "INTERNAL");
  // A reason that is not shaped like a constant could carry anything.
  EXPECT_EQ(internal::ErrorSummary(WithReason(absl::AbortedError("x"), "mrs smith")), "ABORTED");
  EXPECT_EQ(internal::ErrorSummary(WithReason(absl::InternalError("x"), "INTERNAL")), "INTERNAL");
}

TEST(Validation, AcceptsAWellFormedSpec) {
  EXPECT_TRUE(ValidateSpec({"arrangement_review", "school-1/arr-7", At(1761318600000), "{\"v\":1}"}).ok());
  EXPECT_TRUE(ValidateSpec({"a.b:c-d_E9", "é", absl::UnixEpoch(), ""}).ok());
}

TEST(Validation, RejectsBadKinds) {
  for (const std::string& kind :
       {std::string(), std::string("has space"), std::string("ünï"), std::string(65, 'k'), std::string("a\"b")}) {
    const absl::Status s = ValidateSpec({kind, "key", At(0), ""});
    EXPECT_EQ(s.code(), absl::StatusCode::kInvalidArgument) << kind;
    EXPECT_EQ(ErrorReason(s), kReasonKindInvalid) << kind;
  }
  EXPECT_TRUE(ValidateSpec({std::string(64, 'k'), "key", At(0), ""}).ok());
}

TEST(Validation, RejectsBadKeys) {
  for (const std::string& key : {std::string(), std::string(257, 'k'), std::string("a\0b", 3), std::string("\xff")}) {
    EXPECT_EQ(ErrorReason(ValidateSpec({"kind", key, At(0), ""})), kReasonKeyInvalid);
  }
  EXPECT_TRUE(ValidateSpec({"kind", std::string(256, 'k'), At(0), ""}).ok());
}

TEST(Validation, RejectsBadPayloadsAndDueTimes) {
  EXPECT_EQ(ErrorReason(ValidateSpec({"kind", "key", At(0), std::string(kMaxPayloadBytes + 1, 'p')})),
            kReasonPayloadInvalid);
  EXPECT_TRUE(ValidateSpec({"kind", "key", At(0), std::string(kMaxPayloadBytes, 'p')}).ok());
  EXPECT_EQ(ErrorReason(ValidateSpec({"kind", "key", At(0), "\xc3\x28"})), kReasonPayloadInvalid);
  EXPECT_EQ(ErrorReason(ValidateSpec({"kind", "key", absl::InfiniteFuture(), ""})), kReasonDueInvalid);
  EXPECT_EQ(ErrorReason(ValidateSpec({"kind", "key", absl::UnixEpoch() - absl::Seconds(1), ""})), kReasonDueInvalid);
  EXPECT_EQ(ErrorReason(ValidateSpec(
                {"kind", "key", absl::FromCivil(absl::CivilSecond(10000, 1, 1), absl::UTCTimeZone()), ""})),
            kReasonDueInvalid);
}

TEST(Utf8, AcceptsWellFormedTextOnly) {
  EXPECT_TRUE(internal::IsValidText(""));
  EXPECT_TRUE(internal::IsValidText("plain ascii"));
  EXPECT_TRUE(internal::IsValidText("\xc3\xa9t\xc3\xa9 \xe2\x82\xac \xf0\x9f\x98\x80"));  // été € 😀
  EXPECT_FALSE(internal::IsValidText("\xc0\xaf"));                                        // overlong '/'
  EXPECT_FALSE(internal::IsValidText("\xed\xa0\x80"));                                    // a UTF-16 surrogate
  EXPECT_FALSE(internal::IsValidText("\xf4\x90\x80\x80"));                                // beyond U+10FFFF
  EXPECT_FALSE(internal::IsValidText("\xe2\x82"));                                        // truncated
  EXPECT_FALSE(internal::IsValidText(std::string("\0", 1)));
}

TEST(Sql, FormatsTimestampsAndArrays) {
  EXPECT_EQ(internal::SqlTimestamp(absl::FromUnixMicros(1761318600123456)), "2025-10-24 15:10:00.123456+00");
  EXPECT_EQ(internal::BigintArray({}), "{}");
  EXPECT_EQ(internal::BigintArray({1, -2, 30}), "{1,-2,30}");
  EXPECT_EQ(internal::TextArray({"a", "b.c"}), "{\"a\",\"b.c\"}");
}

TEST(TimerState, NamesMatchTheTable) {
  EXPECT_EQ(TimerStateName(TimerState::kPending), "pending");
  EXPECT_EQ(TimerStateName(TimerState::kFired), "fired");
  EXPECT_EQ(TimerStateName(TimerState::kCancelled), "cancelled");
}

}  // namespace
}  // namespace parley::timer
