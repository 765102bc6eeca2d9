// A small, thread-safe pool of libpqxx connections and the transaction helpers every store uses.
//
//   pg::PoolOptions opts;
//   opts.dsn = config.pg_dsn;
//   opts.application_name = "contacts";
//   PARLEY_ASSIGN_OR_RETURN(std::unique_ptr<pg::Pool> pool, pg::Pool::Create(opts));
//   pool->Prepare("get_school", "SELECT id, name FROM schools WHERE id = $1");
//   absl::Status s = pool->Transact([&](pqxx::work& txn) -> absl::Status {
//     pqxx::result r = txn.exec_prepared("get_school", id);
//     ...
//     return absl::OkStatus();
//   });
//
// The callback owns nothing: it must not keep `txn` or results past its return, and must not
// commit or abort itself (the pool commits on OK and rolls back otherwise). Exceptions thrown in
// it are caught and translated by TranslateException (errors.h), so stores can let pqxx throw.
//
// Connections are made on demand up to `size`. One that broke (server restart, terminated
// backend, failed commit) is discarded and replaced on a later call. If a pooled connection turns
// out to be dead before the callback ran (its BEGIN failed), the call moves on to a fresh
// connection by itself, so a database restart costs at most the calls that were in flight.
#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"
#include "pqxx/pqxx"

namespace parley::pg {

struct PoolOptions {
  // libpq connection string, key=value ("host=... dbname=...") or URI ("postgresql://...").
  // Never logged: it may hold a password.
  std::string dsn;
  int size = 8;
  // How long a call waits for a free connection (and, rounded up to whole seconds with a minimum
  // of 2, libpq's connect_timeout unless the DSN sets one).
  absl::Duration acquire_timeout = absl::Seconds(5);
  // Server-side statement_timeout for every statement on the pool's connections.
  absl::Duration statement_timeout = absl::Seconds(10);
  // Shown in pg_stat_activity; the service name is a good choice.
  std::string application_name;
};

using TxnFn = std::function<absl::Status(pqxx::work&)>;
using AutocommitFn = std::function<absl::Status(pqxx::nontransaction&)>;

class Pool {
 public:
  // Connects one connection eagerly so a bad DSN or a down server shows at start-up:
  // UNAVAILABLE (PG_UNAVAILABLE) when the server cannot be reached, INVALID_ARGUMENT for bad
  // options.
  static absl::StatusOr<std::unique_ptr<Pool>> Create(PoolOptions opts);

  Pool(const Pool&) = delete;
  Pool& operator=(const Pool&) = delete;
  // Every call must have returned before the pool is destroyed.
  ~Pool();

  // Runs fn in a read-write READ COMMITTED transaction; commits when fn returns OK, rolls back
  // otherwise. Returns fn's status, or the translated error of BEGIN/COMMIT/an exception.
  // No free connection within acquire_timeout → UNAVAILABLE (PG_POOL_EXHAUSTED): the caller may
  // retry later, like any other transient outage.
  // fn may raise the isolation level with "SET TRANSACTION ISOLATION LEVEL ..." as its first
  // statement.
  absl::Status Transact(const TxnFn& fn);

  // Transact, retried up to `attempts` times in all while it fails with ABORTED for
  // TRANSACTION_CONFLICT (serialization failure, deadlock), with jittered exponential backoff
  // from 5 ms. ABORTED statuses that fn returns for its own reasons (a stale etag) are not
  // retried: re-running the transaction would not change them.
  absl::Status TransactWithRetry(const TxnFn& fn, int attempts = 3);

  // Like Transact, in a READ ONLY transaction (writes fail and come back as INTERNAL).
  absl::Status Read(const TxnFn& fn);

  // Runs fn outside a transaction block: every statement commits on its own. For a single
  // statement that is atomic by itself (a multi-row INSERT) this saves the BEGIN and COMMIT round
  // trips; fn must not rely on two statements committing together. Errors as for Transact.
  absl::Status Autocommit(const AutocommitFn& fn);

  // SELECT 1 with a 2 s statement timeout, waiting at most min(acquire_timeout, 1 s) for a
  // connection: for readiness checks. A saturated pool reports UNAVAILABLE (PG_POOL_EXHAUSTED).
  absl::Status Ping();

  // Registers a prepared statement on every connection, existing and future (libpqxx prepares it
  // on the server at first use). Call before the first call that uses it; registering a name
  // again replaces its SQL.
  void Prepare(std::string name, std::string sql);

  // For tests and metrics.
  int open_connections() const;

 private:
  struct Conn;
  enum class Mode { kReadWrite, kReadOnly };

  explicit Pool(PoolOptions opts);

  bool CanAcquire() const ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  absl::StatusOr<std::unique_ptr<Conn>> Acquire(absl::Duration timeout);
  void Release(std::unique_ptr<Conn> conn, bool discard);
  absl::StatusOr<std::unique_ptr<Conn>> Connect();
  void SyncStatements(Conn& conn);
  // Txn is pqxx::work or pqxx::nontransaction; defined (and instantiated) in pool.cc only.
  template <typename Txn>
  absl::Status Run(const std::function<absl::Status(Txn&)>& fn, Mode mode, absl::Duration acquire_timeout);

  const PoolOptions opts_;
  const std::string dsn_;  // opts_.dsn with connect_timeout added

  mutable absl::Mutex mu_;
  std::vector<std::unique_ptr<Conn>> idle_ ABSL_GUARDED_BY(mu_);
  int open_ ABSL_GUARDED_BY(mu_) = 0;  // idle + in use + being connected
  std::map<std::string, std::string> statements_ ABSL_GUARDED_BY(mu_);
  uint64_t statements_version_ ABSL_GUARDED_BY(mu_) = 0;
};

}  // namespace parley::pg
