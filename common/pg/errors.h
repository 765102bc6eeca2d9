// The one place where libpqxx exceptions become absl::Status (docs/architecture.md#cross-cutting-conventions: no
// exception crosses a layer). Stores wrap their SQL in Pool::Transact, which calls this; a store that catches a pqxx
// exception itself must call it too rather than choosing its own code.
//
// Mapping (reason in parentheses, retry advice from absl/status/status.h):
//   unique_violation (23505)                          ALREADY_EXISTS      (DUPLICATE)
//   serialization_failure (40001), deadlock (40P01),
//     other transaction rollbacks (40xxx)             ABORTED             (TRANSACTION_CONFLICT)
//     -> retry the whole transaction; Pool::TransactWithRetry does so for this reason only.
//   broken_connection, too_many_connections, SQLSTATE
//     class 08, 57P01-57P03 (shutdown), class 53
//     (out of connections / memory / disk)            UNAVAILABLE         (PG_UNAVAILABLE)
//   in_doubt_error, statement_completion_unknown      UNAVAILABLE         (PG_COMMIT_UNKNOWN)
//     -> the outcome is unknown; a retry is safe only with a request_id (idempotency.h).
//   lock_not_available (55P03, lock_timeout)          UNAVAILABLE         (PG_BUSY)
//   query_canceled (57014, statement_timeout)         DEADLINE_EXCEEDED   (PG_STATEMENT_TIMEOUT)
//   foreign_key_violation (23503),
//     restrict_violation (23001),
//     exclusion_violation (23P01)                     FAILED_PRECONDITION (REFERENCE_VIOLATION /
//                                                                          CONFLICTING_RECORD)
//     -> the values are fine, the state of other rows is not: don't retry until it changes.
//   check_violation (23514), not_null_violation (23502) INVALID_ARGUMENT  (CONSTRAINT_VIOLATION)
//     -> the values themselves are bad whatever the state.
//   anything else (syntax errors, data exceptions, libpqxx usage/conversion errors, std::)
//                                                     INTERNAL            (INTERNAL)
//
// Messages are short English without SQL, values or the server's text. The SQLSTATE and exception
// class are logged at warning (never what(): it can quote values from the row).
#pragma once

#include <exception>
#include <string>

#include "absl/status/status.h"
#include "common/status/reasons.h"

namespace parley::pg {

// Reasons attached to translated statuses; stores usually replace them with domain reasons
// ("SCHOOL_EXISTS") before a status leaves the service.
inline constexpr const auto& kReasonDuplicate = reason::kDuplicate;
inline constexpr const auto& kReasonTransactionConflict = reason::kTransactionConflict;
inline constexpr const auto& kReasonUnavailable = reason::kPgUnavailable;
inline constexpr const auto& kReasonCommitUnknown = reason::kPgCommitUnknown;
inline constexpr const auto& kReasonBusy = reason::kPgBusy;
inline constexpr const auto& kReasonStatementTimeout = reason::kPgStatementTimeout;
inline constexpr const auto& kReasonReferenceViolation = reason::kReferenceViolation;
inline constexpr const auto& kReasonConflictingRecord = reason::kConflictingRecord;
inline constexpr const auto& kReasonConstraintViolation = reason::kConstraintViolation;
inline constexpr const auto& kReasonInternal = reason::kInternal;
inline constexpr const auto& kReasonPoolExhausted = reason::kPgPoolExhausted;

absl::Status TranslateException(const std::exception& e);

// True when `e` means the connection it came from can no longer be trusted (lost, shut down, or a
// commit of unknown outcome); the pool discards such connections.
bool IsConnectionFailure(const std::exception& e);

// The SQLSTATE behind `e` ("23505"), or "" when it carries none and its class implies none.
std::string SqlState(const std::exception& e);

}  // namespace parley::pg
