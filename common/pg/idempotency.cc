#include "common/pg/idempotency.h"

#include <string>

#include "absl/strings/ascii.h"
#include "common/log/log.h"
#include "common/pg/errors.h"
#include "common/status/reason.h"
#include "common/status/status_macros.h"

namespace parley::pg {
namespace {

constexpr const auto& kMisuse = reason::kIdempotencyMisuse;
constexpr int kPurgeBatch = 5000;

absl::Status Misuse(absl::string_view message) { return WithReason(absl::InternalError(message), kMisuse); }

}  // namespace

absl::StatusOr<std::optional<std::string>> BeginRequest(pqxx::work& txn, absl::string_view scope,
                                                        absl::string_view request_id,
                                                        absl::string_view request_fingerprint) {
  PARLEY_RETURN_IF_ERROR(ValidateRequestId(request_id));
  if (scope.empty()) return Misuse("BeginRequest needs a scope");
  const std::string s(scope), id(request_id), fp(request_fingerprint);
  try {
    // Blocks behind an uncommitted twin until it ends (see the header).
    const pqxx::result inserted = txn.exec_params(
        "INSERT INTO parley_idempotent_requests (scope, request_id, fingerprint) "
        "VALUES ($1, $2::uuid, $3) ON CONFLICT (scope, request_id) DO NOTHING RETURNING 1",
        s, id, fp);
    if (!inserted.empty()) return std::optional<std::string>();

    const pqxx::result prior = txn.exec_params(
        "SELECT fingerprint, response FROM parley_idempotent_requests "
        "WHERE scope = $1 AND request_id = $2::uuid",
        s, id);
    if (prior.empty()) {
      // Purged between the two statements: running the transaction again settles it.
      return Aborted(kReasonTransactionConflict, "the request record changed; retry");
    }
    if (prior[0][0].as<std::string>() != fp) {
      return InvalidArgument(reason::kRequestIdReused, "request_id was already used for a different request");
    }
    if (prior[0][1].is_null()) {
      return Misuse("an earlier call with this request_id committed without a response");
    }
    const pqxx::binarystring response(prior[0][1]);
    return std::optional<std::string>(response.str());
  } catch (const std::exception& e) {
    return TranslateException(e);
  }
}

absl::Status FinishRequest(pqxx::work& txn, absl::string_view scope, absl::string_view request_id,
                           absl::string_view response_bytes) {
  PARLEY_RETURN_IF_ERROR(ValidateRequestId(request_id));
  try {
    const pqxx::result updated = txn.exec_params(
        "UPDATE parley_idempotent_requests SET response = $3 "
        "WHERE scope = $1 AND request_id = $2::uuid AND response IS NULL",
        std::string(scope), std::string(request_id), pqxx::binarystring(response_bytes.data(), response_bytes.size()));
    if (updated.affected_rows() != 1) {
      return Misuse("FinishRequest without a matching BeginRequest in the same transaction");
    }
    return absl::OkStatus();
  } catch (const std::exception& e) {
    return TranslateException(e);
  }
}

absl::StatusOr<std::optional<std::string>> FindResponse(Pool& pool, const RequestKey& key) {
  PARLEY_RETURN_IF_ERROR(ValidateRequestId(key.request_id));
  std::optional<std::string> response;
  PARLEY_RETURN_IF_ERROR(pool.Autocommit([&](pqxx::nontransaction& txn) -> absl::Status {
    const pqxx::result prior = txn.exec_params(
        "SELECT fingerprint, response FROM parley_idempotent_requests "
        "WHERE scope = $1 AND request_id = $2::uuid AND response IS NOT NULL",
        key.scope, key.request_id);
    if (prior.empty()) return absl::OkStatus();
    if (prior[0][0].as<std::string>() != key.fingerprint) {
      return InvalidArgument(reason::kRequestIdReused, "request_id was already used for a different request");
    }
    const pqxx::binarystring bytes(prior[0][1]);
    response = bytes.str();
    return absl::OkStatus();
  }));
  return response;
}

absl::StatusOr<int64_t> PurgeRequestsOlderThan(Pool& pool, absl::Duration age) {
  if (age < absl::ZeroDuration()) {
    return InvalidArgument(reason::kRetentionInvalid, "the retention age must not be negative");
  }
  const double seconds = absl::ToDoubleSeconds(age);
  int64_t total = 0;
  // Small batches keep each transaction short next to live traffic.
  for (;;) {
    int64_t deleted = 0;
    PARLEY_RETURN_IF_ERROR(pool.Transact([&](pqxx::work& txn) {
      const pqxx::result r = txn.exec_params(
          "DELETE FROM parley_idempotent_requests WHERE (scope, request_id) IN ("
          "SELECT scope, request_id FROM parley_idempotent_requests "
          "WHERE created_at < now() - make_interval(secs => $1) LIMIT $2)",
          seconds, kPurgeBatch);
      deleted = r.affected_rows();
      return absl::OkStatus();
    }));
    total += deleted;
    if (deleted < kPurgeBatch) return total;
  }
}

RequestIdPurger::RequestIdPurger(Pool* pool, absl::Duration age, absl::Duration every)
    : thread_([this, pool, age, every] {
        do {
          absl::StatusOr<int64_t> purged = PurgeRequestsOlderThan(*pool, age);
          if (!purged.ok()) {
            log::Warning("request_id_purge_failed", {{"code", absl::StatusCodeToString(purged.status().code())}});
          }
        } while (!stopping_.WaitForNotificationWithTimeout(every));
      }) {}

RequestIdPurger::~RequestIdPurger() { Stop(); }

void RequestIdPurger::Stop() {
  if (!stopping_.HasBeenNotified()) stopping_.Notify();
  if (thread_.joinable()) thread_.join();
}

absl::StatusOr<IdempotentOutcome> RunIdempotent(Pool& pool, const RequestKey& key,
                                                const std::function<absl::StatusOr<std::string>(pqxx::work&)>& work) {
  IdempotentOutcome outcome;
  PARLEY_RETURN_IF_ERROR(pool.TransactWithRetry([&](pqxx::work& txn) -> absl::Status {
    outcome = IdempotentOutcome();
    PARLEY_ASSIGN_OR_RETURN(std::optional<std::string> prior,
                            BeginRequest(txn, key.scope, key.request_id, key.fingerprint));
    if (prior.has_value()) {
      outcome.response = *std::move(prior);
      outcome.replayed = true;
      return absl::OkStatus();
    }
    PARLEY_ASSIGN_OR_RETURN(outcome.response, work(txn));
    return FinishRequest(txn, key.scope, key.request_id, outcome.response);
  }));
  return outcome;
}

}  // namespace parley::pg
