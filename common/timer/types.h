// What a durable timer is, as plain data: the spec a service schedules, the ref it nudges the worker
// with, and the timer a handler is given. No libpqxx here, so domain code can plan timers; the
// functions that write them (timer.h) and the worker that fires them (worker.h) live apart.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>

#include "absl/status/status.h"
#include "absl/strings/string_view.h"
#include "absl/time/time.h"
#include "common/status/reasons.h"

namespace parley::timer {

// Input bounds, enforced here (INVALID_ARGUMENT) and by the table's constraints.
inline constexpr size_t kMaxKindBytes = 64;            // [A-Za-z0-9_.:-]
inline constexpr size_t kMaxKeyBytes = 256;            // UTF-8, no NUL
inline constexpr size_t kMaxPayloadBytes = 64 * 1024;  // UTF-8, no NUL

inline constexpr const auto& kReasonKindInvalid = reason::kTimerKindInvalid;
inline constexpr const auto& kReasonKeyInvalid = reason::kTimerKeyInvalid;
inline constexpr const auto& kReasonPayloadInvalid = reason::kTimerPayloadInvalid;
inline constexpr const auto& kReasonDueInvalid = reason::kTimerDueInvalid;

enum class TimerState { kPending, kFired, kCancelled };

// "pending", "fired", "cancelled": the values stored in parley_timers.state.
absl::string_view TimerStateName(TimerState state);

struct TimerSpec {
  std::string kind;  // names the handler; 1..64 of [A-Za-z0-9_.:-]
  std::string key;   // unique within kind, e.g. the id of the record the deadline belongs to
  absl::Time due;    // between the Unix epoch and the year 9999; a past time fires at once
  std::string payload;
};

// What a caller needs after commit to nudge the worker (Worker::Notify).
struct TimerRef {
  int64_t id = 0;
  int64_t version = 0;
  absl::Time due;
};

struct Timer {
  int64_t id = 0;
  std::string kind;
  std::string key;
  absl::Time due;
  TimerState state = TimerState::kPending;
  // Bumped by every change of due or state (schedule, re-arm, retry, fire, cancel).
  int64_t version = 0;
  std::string payload;
  // Failed handler runs since the timer was last armed; kept when it finally fires.
  int attempts = 0;
  std::string last_error;  // "UNAVAILABLE PG_UNAVAILABLE" of the last failure; "" when none
  absl::Time created_at;
  absl::Time updated_at;
  std::optional<absl::Time> fired_at;

  TimerRef ref() const { return TimerRef{id, version, due}; }
};

// OK when `spec` is within the bounds above; INVALID_ARGUMENT with one of the reasons otherwise.
[[nodiscard]] absl::Status ValidateSpec(const TimerSpec& spec);

}  // namespace parley::timer
