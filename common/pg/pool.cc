#include "common/pg/pool.h"

#include <algorithm>
#include <cmath>
#include <random>
#include <utility>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/string_view.h"
#include "absl/time/clock.h"
#include "common/log/log.h"
#include "common/pg/errors.h"
#include "common/status/reason.h"
#include "common/status/status_macros.h"

namespace parley::pg {
namespace {

// libpqxx prints server notices and its own complaints (e.g. a failed ROLLBACK on a dead
// connection) to stderr by default, which would break the one-JSON-object-per-line log. Their
// text can quote row values, so only the severity is kept.
class NoticeSink final : public pqxx::errorhandler {
 public:
  explicit NoticeSink(pqxx::connection_base& conn) : pqxx::errorhandler(conn) {}
  bool operator()(const char msg[]) noexcept override {
    absl::string_view text(msg);
    const size_t colon = text.find(':');
    const absl::string_view severity =
        colon != absl::string_view::npos && colon < 16 ? text.substr(0, colon) : "libpqxx";
    log::Debug("pg_notice", {{"severity", std::string(severity)}});
    return false;
  }
};

std::string WithConnectTimeout(const std::string& dsn, absl::Duration timeout) {
  if (absl::StrContains(dsn, "connect_timeout")) return dsn;
  // libpq treats anything below 2 s as 2 s.
  const int64_t seconds = std::max<int64_t>(2, absl::ToInt64Seconds(absl::Ceil(timeout, absl::Seconds(1))));
  if (absl::StartsWith(dsn, "postgresql://") || absl::StartsWith(dsn, "postgres://")) {
    return absl::StrCat(dsn, absl::StrContains(dsn, "?") ? "&" : "?", "connect_timeout=", seconds);
  }
  return absl::StrCat(dsn, " connect_timeout=", seconds);
}

bool IsTransactionConflict(const absl::Status& status) {
  return status.code() == absl::StatusCode::kAborted && ErrorReason(status) == kReasonTransactionConflict;
}

absl::Duration RetryBackoff(int retry) {
  thread_local std::mt19937_64 rng{std::random_device{}()};
  std::uniform_real_distribution<double> jitter(0.5, 1.5);
  const absl::Duration base = std::min(absl::Milliseconds(5) * (1 << std::min(retry, 6)), absl::Milliseconds(200));
  return base * jitter(rng);
}

}  // namespace

struct Pool::Conn {
  // Declared before `notices` so the handler is unregistered before the connection goes.
  std::unique_ptr<pqxx::connection> c;
  std::unique_ptr<NoticeSink> notices;
  std::map<std::string, std::string> prepared;
  uint64_t statements_version = 0;
  bool pooled = false;  // has sat idle in the pool, so it may have died unnoticed
};

Pool::Pool(PoolOptions opts) : opts_(std::move(opts)), dsn_(WithConnectTimeout(opts_.dsn, opts_.acquire_timeout)) {}

Pool::~Pool() {
  absl::MutexLock lock(&mu_);
  if (open_ != static_cast<int>(idle_.size())) {
    log::Error("pg_pool_destroyed_in_use", {{"in_use", open_ - static_cast<int>(idle_.size())}});
  }
  idle_.clear();
}

absl::StatusOr<std::unique_ptr<Pool>> Pool::Create(PoolOptions opts) {
  if (opts.dsn.empty()) return InvalidArgument(reason::kPgOptionsInvalid, "the database DSN is empty");
  if (opts.size < 1) return InvalidArgument(reason::kPgOptionsInvalid, "the pool size must be at least 1");
  if (opts.acquire_timeout <= absl::ZeroDuration() || opts.statement_timeout < absl::ZeroDuration()) {
    return InvalidArgument(reason::kPgOptionsInvalid, "the pool timeouts must be positive");
  }
  std::unique_ptr<Pool> pool(new Pool(std::move(opts)));
  PARLEY_ASSIGN_OR_RETURN(std::unique_ptr<Conn> conn, pool->Acquire(pool->opts_.acquire_timeout));
  pool->Release(std::move(conn), /*discard=*/false);
  log::Info("pg_pool_ready", {{"size", pool->opts_.size}, {"application_name", pool->opts_.application_name}});
  return pool;
}

int Pool::open_connections() const {
  absl::MutexLock lock(&mu_);
  return open_;
}

void Pool::Prepare(std::string name, std::string sql) {
  absl::MutexLock lock(&mu_);
  statements_[std::move(name)] = std::move(sql);
  ++statements_version_;
}

bool Pool::CanAcquire() const { return !idle_.empty() || open_ < opts_.size; }

absl::StatusOr<std::unique_ptr<Pool::Conn>> Pool::Acquire(absl::Duration timeout) {
  std::unique_ptr<Conn> conn;
  {
    absl::MutexLock lock(&mu_);
    if (!mu_.AwaitWithTimeout(absl::Condition(this, &Pool::CanAcquire), timeout)) {
      log::Warning("pg_pool_exhausted", {{"size", opts_.size}});
      return Unavailable(kReasonPoolExhausted, "no database connection became free in time; retry later");
    }
    if (!idle_.empty()) {
      conn = std::move(idle_.back());
      idle_.pop_back();
      return conn;
    }
    ++open_;  // reserve the slot while connecting outside the lock
  }
  absl::StatusOr<std::unique_ptr<Conn>> fresh = Connect();
  if (!fresh.ok()) {
    absl::MutexLock lock(&mu_);
    --open_;
  }
  return fresh;
}

void Pool::Release(std::unique_ptr<Conn> conn, bool discard) {
  if (discard) {
    conn.reset();  // closing can block briefly: not under the lock
    absl::MutexLock lock(&mu_);
    --open_;
    return;
  }
  conn->pooled = true;
  absl::MutexLock lock(&mu_);
  idle_.push_back(std::move(conn));
}

absl::StatusOr<std::unique_ptr<Pool::Conn>> Pool::Connect() {
  try {
    auto conn = std::make_unique<Conn>();
    conn->c = std::make_unique<pqxx::connection>(dsn_);
    conn->notices = std::make_unique<NoticeSink>(*conn->c);
    // set_variable (rather than a plain SET) because libpqxx replays these if it ever
    // re-establishes the session itself.
    conn->c->set_variable("statement_timeout", std::to_string(absl::ToInt64Milliseconds(opts_.statement_timeout)));
    conn->c->set_variable("client_min_messages", "warning");
    if (!opts_.application_name.empty()) {
      conn->c->set_variable("application_name", conn->c->quote(opts_.application_name));
    }
    return conn;
  } catch (const std::exception& e) {
    return TranslateException(e);
  }
}

void Pool::SyncStatements(Conn& conn) {
  std::map<std::string, std::string> wanted;
  {
    absl::MutexLock lock(&mu_);
    if (conn.statements_version == statements_version_) return;
    wanted = statements_;
    conn.statements_version = statements_version_;
  }
  for (const auto& [name, sql] : wanted) {
    auto it = conn.prepared.find(name);
    if (it != conn.prepared.end() && it->second == sql) continue;
    if (it != conn.prepared.end()) conn.c->unprepare(name);
    conn.c->prepare(name, sql);
    conn.prepared[name] = sql;
  }
}

template <typename Txn>
absl::Status Pool::Run(const std::function<absl::Status(Txn&)>& fn, Mode mode, absl::Duration acquire_timeout) {
  // Every idle connection may have died with a server restart; each is found out at BEGIN, before
  // fn ran, so moving on to the next one is safe. A fresh connection failing ends the call.
  const int max_attempts = opts_.size + 1;
  for (int attempt = 1;; ++attempt) {
    PARLEY_ASSIGN_OR_RETURN(std::unique_ptr<Conn> conn, Acquire(acquire_timeout));
    const bool was_pooled = conn->pooled;
    bool fn_started = false;
    bool discard = false;
    absl::Status status;
    try {
      SyncStatements(*conn);
      Txn txn(*conn->c);
      if (mode == Mode::kReadOnly) txn.exec0("SET TRANSACTION READ ONLY");
      fn_started = true;
      status = fn(txn);
      if (status.ok()) txn.commit();
      // Otherwise ~work rolls back (a nontransaction has nothing to roll back).
    } catch (const std::exception& e) {
      discard = IsConnectionFailure(e) || !conn->c->is_open();
      if (discard && !fn_started && was_pooled && attempt < max_attempts) {
        log::Debug("pg_stale_connection_dropped", {{"attempt", attempt}});
        Release(std::move(conn), /*discard=*/true);
        continue;
      }
      status = TranslateException(e);
    } catch (...) {
      // Not a std::exception: nothing is known about the connection's state.
      log::Warning("pg_error", {{"exception", "non-std exception"}});
      discard = true;
      status = WithReason(absl::InternalError("internal database error"), kReasonInternal);
    }
    // fn may have caught and translated a connection failure itself.
    if (!discard && !conn->c->is_open()) discard = true;
    Release(std::move(conn), discard);
    return status;
  }
}

absl::Status Pool::Transact(const TxnFn& fn) { return Run(fn, Mode::kReadWrite, opts_.acquire_timeout); }

absl::Status Pool::Read(const TxnFn& fn) { return Run(fn, Mode::kReadOnly, opts_.acquire_timeout); }

absl::Status Pool::Autocommit(const AutocommitFn& fn) { return Run(fn, Mode::kReadWrite, opts_.acquire_timeout); }

absl::Status Pool::TransactWithRetry(const TxnFn& fn, int attempts) {
  absl::Status status;
  for (int attempt = 1; attempt <= std::max(1, attempts); ++attempt) {
    if (attempt > 1) absl::SleepFor(RetryBackoff(attempt - 1));
    status = Transact(fn);
    if (!IsTransactionConflict(status)) return status;
  }
  return status;
}

absl::Status Pool::Ping() {
  return Run<pqxx::work>(
      [](pqxx::work& txn) {
        txn.exec0("SET LOCAL statement_timeout = 2000");
        txn.exec1("SELECT 1");
        return absl::OkStatus();
      },
      Mode::kReadOnly, std::min(opts_.acquire_timeout, absl::Seconds(1)));
}

}  // namespace parley::pg
