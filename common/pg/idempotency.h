// Idempotent mutating calls (docs/architecture.md#cross-cutting-conventions): every mutating RPC carries a request_id
// (UUID); a retry with the same id gets the first response back, and the same id with a different request is refused.
// The record lives in the caller's own transaction, next to the work:
//
//   PARLEY_RETURN_IF_ERROR(pg::ValidateRequestId(req.request_id()));
//   const std::string fp = pg::Fingerprint(RequestWithoutId(req));   // deterministic serialization
//   std::string response_bytes;
//   PARLEY_RETURN_IF_ERROR(pool.TransactWithRetry([&](pqxx::work& txn) -> absl::Status {
//     PARLEY_ASSIGN_OR_RETURN(std::optional<std::string> prior,
//                             pg::BeginRequest(txn, "contacts.CreateStaff", req.request_id(), fp));
//     if (prior) { response_bytes = *std::move(prior); return absl::OkStatus(); }
//     ... do the work, build the response ...
//     response_bytes = response.SerializeAsString();
//     return pg::FinishRequest(txn, "contacts.CreateStaff", req.request_id(), response_bytes);
//   }));
//
// Only successes are remembered: a call whose transaction rolls back (an error status, a crash)
// leaves no record, so a retry runs the work again.
//
// Concurrency: BeginRequest inserts a placeholder row (ON CONFLICT DO NOTHING). A second
// transaction with the same (scope, request_id) blocks on that uncommitted row until the first
// ends; if the first committed, the second replays its response; if it rolled back, the second
// does the work. At REPEATABLE READ or SERIALIZABLE the second instead fails with ABORTED
// (TRANSACTION_CONFLICT), and TransactWithRetry's next attempt replays.
//
// The table (parley_idempotent_requests) is created by ApplyMigrations (migrations.h).
#pragma once

#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <thread>
#include <utility>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/synchronization/notification.h"
#include "absl/time/time.h"
#include "common/pg/pool.h"
#include "common/request/request_key.h"
#include "pqxx/pqxx"

namespace parley::pg {

using request::Fingerprint;
using request::RequestKey;
using request::ValidateRequestId;

// Call first in the transaction. Returns the stored response of an earlier successful call with
// the same (scope, request_id), or nullopt when this call should do the work (and must then call
// FinishRequest before committing). Same id with a different fingerprint → INVALID_ARGUMENT
// (REQUEST_ID_REUSED). `scope` names the method ("contacts.CreateStaff") so ids are independent
// per method.
absl::StatusOr<std::optional<std::string>> BeginRequest(pqxx::work& txn, absl::string_view scope,
                                                        absl::string_view request_id,
                                                        absl::string_view request_fingerprint);

// The response of an earlier successful call with this key, read without a transaction of the
// caller's and without waiting for a twin that is still running: nullopt when there is none yet.
// Same id with a different fingerprint → INVALID_ARGUMENT (REQUEST_ID_REUSED). For services that
// do work before their write transaction (peer calls): a retry is answered before repeating it.
absl::StatusOr<std::optional<std::string>> FindResponse(Pool& pool, const RequestKey& key);

// Stores the response bytes of the call that BeginRequest let through; INTERNAL
// (IDEMPOTENCY_MISUSE) when there was no such BeginRequest in this transaction.
absl::Status FinishRequest(pqxx::work& txn, absl::string_view scope, absl::string_view request_id,
                           absl::string_view response_bytes);

struct IdempotentOutcome {
  std::string response;
  bool replayed = false;  // an earlier success's response, `work` did not run
};

// The whole pattern above in one call: in one TransactWithRetry, returns the stored response of an
// earlier success with the same key, or runs `work` and records the response it returns. `work`
// may run more than once (a retried serialization conflict), so it must reset anything it
// accumulates outside the transaction when it starts.
absl::StatusOr<IdempotentOutcome> RunIdempotent(Pool& pool, const RequestKey& key,
                                                const std::function<absl::StatusOr<std::string>(pqxx::work&)>& work);

// RunIdempotent for a store whose writes also collect something besides the response bytes (the
// timers they armed, say): Result has `std::string response` and `bool replayed`, is reset before
// every attempt, and `work` fills it.
template <typename Result>
absl::StatusOr<Result> RunIdempotentInto(Pool& pool, const RequestKey& key,
                                         const std::function<absl::StatusOr<std::string>(pqxx::work&, Result&)>& work) {
  Result result;
  absl::StatusOr<IdempotentOutcome> outcome = RunIdempotent(pool, key, [&](pqxx::work& txn) {
    result = Result();
    return work(txn, result);
  });
  if (!outcome.ok()) return outcome.status();
  result.response = std::move(outcome->response);
  result.replayed = outcome->replayed;
  return result;
}

// Retention: deletes records older than `age` in batches (each its own transaction) and returns
// how many went. A retry after that age does the work again.
absl::StatusOr<int64_t> PurgeRequestsOlderThan(Pool& pool, absl::Duration age);

// A service's retention loop: purges records older than `age` at once and then every `every` on
// its own thread until Stop (or destruction), logging a failed round and trying again next time.
// The first round always runs, even when Stop comes first.
class RequestIdPurger {
 public:
  RequestIdPurger(Pool* pool, absl::Duration age, absl::Duration every = absl::Minutes(10));
  ~RequestIdPurger();  // Stop()
  RequestIdPurger(const RequestIdPurger&) = delete;
  RequestIdPurger& operator=(const RequestIdPurger&) = delete;
  // Waits for the round under way. Idempotent.
  void Stop();

 private:
  absl::Notification stopping_;
  std::thread thread_;
};

}  // namespace parley::pg
