// Internals of the timer library shared by timer.cc and worker.cc: pure helpers (score and
// timestamp conversion, retry backoff, error summaries, input checks) and the hook through which
// Schedule reports timers armed inside a firing transaction. Not for use outside common/timer.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/strings/string_view.h"
#include "absl/time/time.h"
#include "common/clock/backoff.h"
#include "common/timer/timer.h"
#include "pqxx/pqxx"

namespace parley::timer::internal {

// The sorted-set score of a due time: Unix seconds with millisecond precision, rounded UP to the
// next whole millisecond, so a member whose score is <= NowScore(t) is due at t (never early).
double ScoreForDue(absl::Time due);
// The score that `now` has reached: Unix seconds, rounded DOWN to the millisecond.
double NowScore(absl::Time now);
// Shortest text that parses back to the same double (what Redis is sent).
std::string FormatScore(double score);

// Retry delays: common/clock/backoff.h.
using ::parley::RetryBackoff;

// "CODE REASON" (or "CODE" when the status has no constant-shaped reason, or one that repeats the
// code) for last_error: no message text, which could hold personal data.
std::string ErrorSummary(const absl::Status& status);

// Kind names: 1..kMaxKindBytes of [A-Za-z0-9_.:-].
bool IsValidKind(absl::string_view kind);
// Well-formed UTF-8 without NUL bytes (PostgreSQL TEXT accepts nothing else).
bool IsValidText(absl::string_view text);

// "2025-10-24 15:10:00.000000+00": a timestamptz literal with microseconds.
std::string SqlTimestamp(absl::Time t);
// PostgreSQL array literals for bigint[] and text[] parameters. Text elements are quoted; they
// must not contain '"' or '\\' (kinds never do).
std::string BigintArray(const std::vector<int64_t>& values);
std::string TextArray(const std::vector<std::string>& values);

// The select list of parley_timers that TimerFromRow reads, in order (times as Unix microseconds).
extern const char kTimerColumns[];
Timer TimerFromRow(const pqxx::row& row);

// While a Worker runs a handler, it installs an observer on its thread; Schedule reports every
// timer armed in that handler's transaction to it, and the worker nudges them after commit.
class ScheduleObserver {
 public:
  explicit ScheduleObserver(const pqxx::work* txn);
  ~ScheduleObserver();
  ScheduleObserver(const ScheduleObserver&) = delete;
  ScheduleObserver& operator=(const ScheduleObserver&) = delete;

  const std::vector<TimerRef>& scheduled() const { return scheduled_; }

  // Called by Schedule: records `ref` when `txn` is the observed transaction on this thread.
  static void Report(const pqxx::work& txn, const TimerRef& ref);

 private:
  const pqxx::work* txn_;
  std::vector<TimerRef> scheduled_;
  ScheduleObserver* previous_;
};

}  // namespace parley::timer::internal
