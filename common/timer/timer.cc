#include "common/timer/timer.h"

#include <utility>

#include "absl/time/civil_time.h"
#include "common/pg/errors.h"
#include "common/status/reason.h"
#include "common/status/status_macros.h"
#include "common/timer/internal.h"

namespace parley::timer {
namespace internal {

const char kTimerColumns[] =
    "id, kind, key, (extract(epoch FROM due_at) * 1000000)::int8, state, version, payload, attempts, "
    "last_error, (extract(epoch FROM created_at) * 1000000)::int8, "
    "(extract(epoch FROM updated_at) * 1000000)::int8, (extract(epoch FROM fired_at) * 1000000)::int8";

Timer TimerFromRow(const pqxx::row& row) {
  Timer t;
  t.id = row[0].as<int64_t>();
  t.kind = row[1].as<std::string>();
  t.key = row[2].as<std::string>();
  t.due = absl::FromUnixMicros(row[3].as<int64_t>());
  const std::string state = row[4].as<std::string>();
  t.state = state == "fired"       ? TimerState::kFired
            : state == "cancelled" ? TimerState::kCancelled
                                   : TimerState::kPending;
  t.version = row[5].as<int64_t>();
  t.payload = row[6].as<std::string>();
  t.attempts = row[7].as<int>();
  t.last_error = row[8].is_null() ? std::string() : row[8].as<std::string>();
  t.created_at = absl::FromUnixMicros(row[9].as<int64_t>());
  t.updated_at = absl::FromUnixMicros(row[10].as<int64_t>());
  if (!row[11].is_null()) t.fired_at = absl::FromUnixMicros(row[11].as<int64_t>());
  return t;
}

}  // namespace internal

namespace {

absl::Status CheckKindAndKey(absl::string_view kind, absl::string_view key) {
  if (!internal::IsValidKind(kind)) {
    return InvalidArgument(kReasonKindInvalid,
                           "a timer kind is 1 to 64 characters of A-Z, a-z, 0-9, '_', '.', ':', '-'");
  }
  if (key.empty() || key.size() > kMaxKeyBytes || !internal::IsValidText(key)) {
    return InvalidArgument(kReasonKeyInvalid, "a timer key is 1 to 256 bytes of UTF-8 text");
  }
  return absl::OkStatus();
}

}  // namespace

absl::string_view TimerStateName(TimerState state) {
  switch (state) {
    case TimerState::kPending:
      return "pending";
    case TimerState::kFired:
      return "fired";
    case TimerState::kCancelled:
      return "cancelled";
  }
  return "pending";
}

absl::Status ValidateSpec(const TimerSpec& spec) {
  PARLEY_RETURN_IF_ERROR(CheckKindAndKey(spec.kind, spec.key));
  static const absl::Time kLatest = absl::FromCivil(absl::CivilSecond(10000, 1, 1), absl::UTCTimeZone());
  if (spec.due < absl::UnixEpoch() || spec.due >= kLatest) {
    return InvalidArgument(kReasonDueInvalid, "a timer's due time must lie between 1970 and the year 9999");
  }
  if (spec.payload.size() > kMaxPayloadBytes || !internal::IsValidText(spec.payload)) {
    return InvalidArgument(kReasonPayloadInvalid, "a timer payload is at most 64 KiB of UTF-8 text");
  }
  return absl::OkStatus();
}

absl::StatusOr<TimerRef> Schedule(pqxx::work& txn, const TimerSpec& spec) {
  PARLEY_RETURN_IF_ERROR(ValidateSpec(spec));
  try {
    // One statement either way, so concurrent schedulers of one (kind, key) serialise on the row.
    const pqxx::row row = txn.exec_params1(
        "INSERT INTO parley_timers (kind, key, due_at, payload) VALUES ($1, $2, $3::timestamptz, $4) "
        "ON CONFLICT (kind, key) DO UPDATE SET due_at = EXCLUDED.due_at, payload = EXCLUDED.payload, "
        "state = 'pending', version = parley_timers.version + 1, attempts = 0, last_error = NULL, "
        "fired_at = NULL, updated_at = now() "
        "RETURNING id, version, (extract(epoch FROM due_at) * 1000000)::int8",
        spec.kind, spec.key, internal::SqlTimestamp(spec.due), spec.payload);
    TimerRef ref{row[0].as<int64_t>(), row[1].as<int64_t>(), absl::FromUnixMicros(row[2].as<int64_t>())};
    internal::ScheduleObserver::Report(txn, ref);
    return ref;
  } catch (const std::exception& e) {
    return pg::TranslateException(e);
  }
}

absl::Status Cancel(pqxx::work& txn, absl::string_view kind, absl::string_view key) {
  PARLEY_RETURN_IF_ERROR(CheckKindAndKey(kind, key));
  try {
    txn.exec_params0(
        "UPDATE parley_timers SET state = 'cancelled', version = version + 1, updated_at = now() "
        "WHERE kind = $1 AND key = $2 AND state = 'pending'",
        std::string(kind), std::string(key));
    return absl::OkStatus();
  } catch (const std::exception& e) {
    return pg::TranslateException(e);
  }
}

absl::StatusOr<std::optional<Timer>> Find(pqxx::work& txn, absl::string_view kind, absl::string_view key) {
  PARLEY_RETURN_IF_ERROR(CheckKindAndKey(kind, key));
  try {
    const pqxx::result r = txn.exec_params(
        std::string("SELECT ") + internal::kTimerColumns + " FROM parley_timers WHERE kind = $1 AND key = $2",
        std::string(kind), std::string(key));
    if (r.empty()) return std::optional<Timer>();
    return std::optional<Timer>(internal::TimerFromRow(r[0]));
  } catch (const std::exception& e) {
    return pg::TranslateException(e);
  }
}

}  // namespace parley::timer
