#include "common/pg/errors.h"

#include <functional>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

#include "absl/status/status.h"
#include "common/log/log.h"
#include "common/status/reason.h"
#include "gtest/gtest.h"
#include "pqxx/pqxx"

namespace parley::pg {
namespace {

// Text a server message could carry (a row value); it must reach neither statuses nor logs.
constexpr char kSecret[] = "Key (email)=(jo@example.org) already exists";

std::vector<std::string>* CapturedLines() {
  static auto* lines = new std::vector<std::string>();
  return lines;
}
void Capture(std::string_view line) { CapturedLines()->emplace_back(line); }

struct Case {
  std::string label;
  std::function<absl::Status()> translate;
  absl::StatusCode code;
  std::string reason;
  bool connection_failure;
};

template <typename E, typename... Args>
std::function<absl::Status()> Translate(Args... args) {
  return [=] { return TranslateException(E(args...)); };
}

TEST(TranslateException, MapsEachClassToItsCode) {
  const std::vector<Case> cases = {
      {"unique", Translate<pqxx::unique_violation>(kSecret, "INSERT", "23505"), absl::StatusCode::kAlreadyExists,
       kReasonDuplicate, false},
      {"unique without sqlstate", Translate<pqxx::unique_violation>(kSecret), absl::StatusCode::kAlreadyExists,
       kReasonDuplicate, false},
      {"foreign key", Translate<pqxx::foreign_key_violation>(kSecret, "", "23503"),
       absl::StatusCode::kFailedPrecondition, kReasonReferenceViolation, false},
      {"restrict", Translate<pqxx::restrict_violation>(kSecret, "", "23001"), absl::StatusCode::kFailedPrecondition,
       kReasonReferenceViolation, false},
      {"exclusion", Translate<pqxx::sql_error>(kSecret, "", "23P01"), absl::StatusCode::kFailedPrecondition,
       kReasonConflictingRecord, false},
      {"check", Translate<pqxx::check_violation>(kSecret, "", "23514"), absl::StatusCode::kInvalidArgument,
       kReasonConstraintViolation, false},
      {"not null", Translate<pqxx::not_null_violation>(kSecret, "", "23502"), absl::StatusCode::kInvalidArgument,
       kReasonConstraintViolation, false},
      {"serialization", Translate<pqxx::serialization_failure>(kSecret), absl::StatusCode::kAborted,
       kReasonTransactionConflict, false},
      {"deadlock", Translate<pqxx::deadlock_detected>(kSecret), absl::StatusCode::kAborted, kReasonTransactionConflict,
       false},
      {"rollback", Translate<pqxx::transaction_rollback>(kSecret), absl::StatusCode::kAborted,
       kReasonTransactionConflict, false},
      {"40001 as sql_error", Translate<pqxx::sql_error>(kSecret, "", "40001"), absl::StatusCode::kAborted,
       kReasonTransactionConflict, false},
      {"broken connection", Translate<pqxx::broken_connection>(kSecret), absl::StatusCode::kUnavailable,
       kReasonUnavailable, true},
      {"too many connections", Translate<pqxx::too_many_connections>(kSecret), absl::StatusCode::kUnavailable,
       kReasonUnavailable, true},
      {"in doubt", Translate<pqxx::in_doubt_error>(kSecret), absl::StatusCode::kUnavailable, kReasonCommitUnknown,
       true},
      {"completion unknown", Translate<pqxx::statement_completion_unknown>(kSecret), absl::StatusCode::kUnavailable,
       kReasonCommitUnknown, true},
      {"admin shutdown", Translate<pqxx::sql_error>(kSecret, "", "57P01"), absl::StatusCode::kUnavailable,
       kReasonUnavailable, true},
      {"cannot connect now", Translate<pqxx::sql_error>(kSecret, "", "57P03"), absl::StatusCode::kUnavailable,
       kReasonUnavailable, true},
      {"connection exception", Translate<pqxx::sql_error>(kSecret, "", "08006"), absl::StatusCode::kUnavailable,
       kReasonUnavailable, true},
      {"too many connections (53300)", Translate<pqxx::sql_error>(kSecret, "", "53300"), absl::StatusCode::kUnavailable,
       kReasonUnavailable, false},
      {"lock timeout", Translate<pqxx::sql_error>(kSecret, "", "55P03"), absl::StatusCode::kUnavailable, kReasonBusy,
       false},
      {"statement timeout", Translate<pqxx::sql_error>(kSecret, "", "57014"), absl::StatusCode::kDeadlineExceeded,
       kReasonStatementTimeout, false},
      {"syntax", Translate<pqxx::syntax_error>(kSecret, "SELEC", "42601"), absl::StatusCode::kInternal, kReasonInternal,
       false},
      {"data exception", Translate<pqxx::data_exception>(kSecret, "", "22P02"), absl::StatusCode::kInternal,
       kReasonInternal, false},
      {"usage", Translate<pqxx::usage_error>(kSecret), absl::StatusCode::kInternal, kReasonInternal, false},
      {"conversion", Translate<pqxx::conversion_error>(kSecret), absl::StatusCode::kInternal, kReasonInternal, false},
      {"std", Translate<std::runtime_error>(kSecret), absl::StatusCode::kInternal, kReasonInternal, false},
  };
  for (const Case& c : cases) {
    SCOPED_TRACE(c.label);
    const absl::Status s = c.translate();
    EXPECT_EQ(s.code(), c.code) << s;
    EXPECT_EQ(ErrorReason(s), c.reason);
    EXPECT_FALSE(s.message().empty());
    EXPECT_EQ(s.message().find("jo@example.org"), absl::string_view::npos) << s;
  }
}

TEST(TranslateException, NeverReportsAnOutageAsFailedPrecondition) {
  for (const absl::Status& s :
       {TranslateException(pqxx::broken_connection("x")), TranslateException(pqxx::sql_error("x", "", "57P01")),
        TranslateException(pqxx::sql_error("x", "", "08001")), TranslateException(pqxx::in_doubt_error("x"))}) {
    EXPECT_EQ(s.code(), absl::StatusCode::kUnavailable) << s;
  }
}

TEST(IsConnectionFailure, OnlyForLostConnections) {
  EXPECT_TRUE(IsConnectionFailure(pqxx::broken_connection("x")));
  EXPECT_TRUE(IsConnectionFailure(pqxx::in_doubt_error("x")));
  EXPECT_TRUE(IsConnectionFailure(pqxx::sql_error("x", "", "57P01")));
  EXPECT_FALSE(IsConnectionFailure(pqxx::unique_violation("x", "", "23505")));
  EXPECT_FALSE(IsConnectionFailure(pqxx::serialization_failure("x")));
  EXPECT_FALSE(IsConnectionFailure(std::runtime_error("x")));
}

TEST(TranslateException, LogsStateAndClassButNotTheServerText) {
  CapturedLines()->clear();
  log::SetSinkForTesting(&Capture);
  (void)TranslateException(pqxx::unique_violation(kSecret, "INSERT INTO t VALUES ('jo')", "23505"));
  log::SetSinkForTesting(nullptr);
  ASSERT_EQ(CapturedLines()->size(), 1u);
  const std::string& line = CapturedLines()->front();
  EXPECT_NE(line.find("\"sqlstate\":\"23505\""), std::string::npos) << line;
  EXPECT_NE(line.find("unique_violation"), std::string::npos) << line;
  EXPECT_NE(line.find("\"level\":\"warning\""), std::string::npos) << line;
  EXPECT_EQ(line.find("jo@example.org"), std::string::npos) << line;
  EXPECT_EQ(line.find("INSERT"), std::string::npos) << line;
}

}  // namespace
}  // namespace parley::pg
