#include "common/pg/errors.h"

#include <cxxabi.h>

#include <cstdlib>
#include <memory>
#include <typeinfo>

#include "absl/strings/match.h"
#include "absl/strings/string_view.h"
#include "common/log/log.h"
#include "common/status/reason.h"
#include "pqxx/pqxx"

namespace parley::pg {
namespace {

struct Classified {
  absl::StatusCode code;
  const char* reason;
  const char* message;
  bool connection_failure;
};

constexpr char kMsgUnavailable[] = "the database is unavailable; retry later";

// libpqxx 6 raises the transaction_rollback family, in_doubt_error and broken_connection without a
// SQLSTATE (and its sql_error subclasses may lack one), so the state is inferred from the class
// when missing.
std::string StateOf(const std::exception& e) {
  if (const auto* sql = dynamic_cast<const pqxx::sql_error*>(&e)) {
    if (!sql->sqlstate().empty()) return sql->sqlstate();
  }
  if (dynamic_cast<const pqxx::unique_violation*>(&e)) return "23505";
  if (dynamic_cast<const pqxx::foreign_key_violation*>(&e)) return "23503";
  if (dynamic_cast<const pqxx::restrict_violation*>(&e)) return "23001";
  if (dynamic_cast<const pqxx::check_violation*>(&e)) return "23514";
  if (dynamic_cast<const pqxx::not_null_violation*>(&e)) return "23502";
  if (dynamic_cast<const pqxx::serialization_failure*>(&e)) return "40001";
  if (dynamic_cast<const pqxx::deadlock_detected*>(&e)) return "40P01";
  if (dynamic_cast<const pqxx::statement_completion_unknown*>(&e)) return "40003";
  if (dynamic_cast<const pqxx::transaction_rollback*>(&e)) return "40000";
  return "";
}

Classified FromSqlState(absl::string_view state) {
  if (state == "23505") {
    return {absl::StatusCode::kAlreadyExists, kReasonDuplicate, "the record already exists", false};
  }
  if (state == "23503" || state == "23001") {
    return {absl::StatusCode::kFailedPrecondition, kReasonReferenceViolation,
            "a referenced record is missing or still in use", false};
  }
  if (state == "23P01") {
    return {absl::StatusCode::kFailedPrecondition, kReasonConflictingRecord,
            "the record conflicts with an existing one", false};
  }
  if (state == "23514" || state == "23502") {
    return {absl::StatusCode::kInvalidArgument, kReasonConstraintViolation, "a value is missing or not allowed", false};
  }
  if (state == "40003") {
    return {absl::StatusCode::kUnavailable, kReasonCommitUnknown,
            "the database connection was lost while committing; the outcome is unknown", true};
  }
  if (absl::StartsWith(state, "40")) {
    return {absl::StatusCode::kAborted, kReasonTransactionConflict,
            "the transaction conflicted with another one; retry it", false};
  }
  if (absl::StartsWith(state, "08") || state == "57P01" || state == "57P02" || state == "57P03") {
    return {absl::StatusCode::kUnavailable, kReasonUnavailable, kMsgUnavailable, true};
  }
  if (absl::StartsWith(state, "53")) {
    return {absl::StatusCode::kUnavailable, kReasonUnavailable, kMsgUnavailable, false};
  }
  if (state == "55P03") {
    return {absl::StatusCode::kUnavailable, kReasonBusy, "the database is busy; retry later", false};
  }
  if (state == "57014") {
    return {absl::StatusCode::kDeadlineExceeded, kReasonStatementTimeout, "the database did not answer in time", false};
  }
  return {absl::StatusCode::kInternal, kReasonInternal, "internal database error", false};
}

Classified Classify(const std::exception& e) {
  // Classes first: they are what libpqxx 6 gives for the cases without a SQLSTATE.
  if (dynamic_cast<const pqxx::in_doubt_error*>(&e)) return FromSqlState("40003");
  if (dynamic_cast<const pqxx::broken_connection*>(&e)) {
    return {absl::StatusCode::kUnavailable, kReasonUnavailable, kMsgUnavailable, true};
  }
  const std::string state = StateOf(e);
  if (!state.empty()) return FromSqlState(state);
  return {absl::StatusCode::kInternal, kReasonInternal, "internal database error", false};
}

std::string ClassName(const std::exception& e) {
  int status = 0;
  std::unique_ptr<char, void (*)(void*)> demangled(abi::__cxa_demangle(typeid(e).name(), nullptr, nullptr, &status),
                                                   std::free);
  return status == 0 && demangled ? std::string(demangled.get()) : std::string(typeid(e).name());
}

}  // namespace

absl::Status TranslateException(const std::exception& e) {
  const Classified c = Classify(e);
  log::Warning("pg_error",
               {{"sqlstate", SqlState(e)}, {"exception", ClassName(e)}, {"code", absl::StatusCodeToString(c.code)}});
  return WithReason(absl::Status(c.code, c.message), c.reason);
}

bool IsConnectionFailure(const std::exception& e) { return Classify(e).connection_failure; }

std::string SqlState(const std::exception& e) { return StateOf(e); }

}  // namespace parley::pg
