// Pool and TranslateException against a real PostgreSQL (PARLEY_TEST_PG_DSN), one fresh database
// per test.
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <atomic>
#include <memory>
#include <optional>
#include <stdexcept>
#include <string>
#include <thread>

#include "absl/status/status.h"
#include "absl/synchronization/notification.h"
#include "absl/time/clock.h"
#include "common/pg/errors.h"
#include "common/pg/pool.h"
#include "common/status/reason.h"
#include "common/testing/sync.h"
#include "common/testing/test_database.h"
#include "gtest/gtest.h"
#include "pqxx/pqxx"

namespace parley::pg {
namespace {

using ::parley::testing::Barrier;
using ::parley::testing::PollUntil;
using ::parley::testing::TestDatabase;

class PoolTest : public ::testing::Test {
 protected:
  void SetUp() override {
    PARLEY_REQUIRE_TEST_DB(db);
    db_.emplace(std::move(db));
    pool_ = MakePool(4);
    ASSERT_NE(pool_, nullptr);
    ASSERT_TRUE(pool_
                    ->Transact([](pqxx::work& txn) {
                      txn.exec0(R"sql(
        CREATE TABLE parents (id int PRIMARY KEY);
        CREATE TABLE items (
          id        int  PRIMARY KEY,
          parent_id int  REFERENCES parents (id),
          label     text NOT NULL,
          qty       int  NOT NULL DEFAULT 0 CHECK (qty >= 0)
        );
        INSERT INTO parents VALUES (1);
      )sql");
                      return absl::OkStatus();
                    })
                    .ok());
  }

  std::unique_ptr<Pool> MakePool(int size, absl::Duration acquire_timeout = absl::Seconds(5),
                                 absl::Duration statement_timeout = absl::Seconds(10)) {
    PoolOptions opts;
    opts.dsn = db_->dsn();
    opts.size = size;
    opts.acquire_timeout = acquire_timeout;
    opts.statement_timeout = statement_timeout;
    opts.application_name = "pool_pgtest";
    absl::StatusOr<std::unique_ptr<Pool>> pool = Pool::Create(opts);
    EXPECT_TRUE(pool.ok()) << pool.status();
    return pool.ok() ? std::move(*pool) : nullptr;
  }

  int64_t CountItems() {
    int64_t n = -1;
    EXPECT_TRUE(pool_
                    ->Read([&](pqxx::work& txn) {
                      n = txn.exec1("SELECT count(*) FROM items")[0].as<int64_t>();
                      return absl::OkStatus();
                    })
                    .ok());
    return n;
  }

  absl::Status Insert(Pool& pool, int id, const std::string& label, int qty = 0,
                      std::optional<int> parent = std::nullopt) {
    return pool.Transact([&](pqxx::work& txn) {
      txn.exec_params("INSERT INTO items (id, parent_id, label, qty) VALUES ($1, $2, $3, $4)", id, parent, label, qty);
      return absl::OkStatus();
    });
  }

  // The backend pid a pool connection has; with size 1 it is always the same connection.
  int BackendPid(Pool& pool) {
    int pid = 0;
    EXPECT_TRUE(pool.Transact([&](pqxx::work& txn) {
                      pid = txn.exec1("SELECT pg_backend_pid()")[0].as<int>();
                      return absl::OkStatus();
                    })
                    .ok());
    return pid;
  }

  std::optional<TestDatabase> db_;
  std::unique_ptr<Pool> pool_;
};

TEST_F(PoolTest, CommitsWhenTheCallbackReturnsOk) {
  EXPECT_TRUE(Insert(*pool_, 1, "a").ok());
  EXPECT_EQ(CountItems(), 1);
}

TEST_F(PoolTest, RollsBackAndReturnsTheCallbacksError) {
  const absl::Status s = pool_->Transact([](pqxx::work& txn) {
    txn.exec0("INSERT INTO items (id, label) VALUES (1, 'a')");
    return FailedPrecondition("WRONG_STATE", "nope");
  });
  EXPECT_EQ(s.code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_EQ(ErrorReason(s), "WRONG_STATE");
  EXPECT_EQ(CountItems(), 0);
}

TEST_F(PoolTest, RollsBackAndTranslatesExceptionsFromTheCallback) {
  const absl::Status s = pool_->Transact([](pqxx::work& txn) -> absl::Status {
    txn.exec0("INSERT INTO items (id, label) VALUES (1, 'a')");
    throw std::runtime_error("boom");
  });
  EXPECT_EQ(s.code(), absl::StatusCode::kInternal);
  EXPECT_EQ(CountItems(), 0);
  // The connection is still usable afterwards.
  EXPECT_TRUE(Insert(*pool_, 2, "b").ok());
}

TEST_F(PoolTest, AutocommitCommitsEachStatementAndAMultiRowInsertIsAllOrNothing) {
  ASSERT_TRUE(pool_
                  ->Autocommit([](pqxx::nontransaction& txn) {
                    txn.exec0("INSERT INTO items (id, label) VALUES (1, 'a'), (2, 'b')");
                    return absl::OkStatus();
                  })
                  .ok());
  EXPECT_EQ(CountItems(), 2);
  // One bad row fails the whole statement: nothing of it is stored, and the error is translated.
  const absl::Status s = pool_->Autocommit([](pqxx::nontransaction& txn) {
    txn.exec0("INSERT INTO items (id, label, qty) VALUES (3, 'c', 0), (4, 'd', -1)");
    return absl::OkStatus();
  });
  EXPECT_EQ(s.code(), absl::StatusCode::kInvalidArgument) << s;
  EXPECT_EQ(CountItems(), 2);
  // No transaction block: a statement that succeeded before an error returned stays committed.
  const absl::Status returned = pool_->Autocommit([](pqxx::nontransaction& txn) {
    txn.exec0("INSERT INTO items (id, label) VALUES (5, 'e')");
    return FailedPrecondition("WRONG_STATE", "after the insert");
  });
  EXPECT_EQ(returned.code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_EQ(CountItems(), 3);
}

TEST_F(PoolTest, UniqueViolationIsAlreadyExists) {
  ASSERT_TRUE(Insert(*pool_, 1, "a").ok());
  const absl::Status s = Insert(*pool_, 1, "again");
  EXPECT_EQ(s.code(), absl::StatusCode::kAlreadyExists) << s;
  EXPECT_EQ(ErrorReason(s), kReasonDuplicate);
  EXPECT_EQ(s.message().find("again"), absl::string_view::npos);
}

TEST_F(PoolTest, ForeignKeyViolationIsFailedPrecondition) {
  const absl::Status s = Insert(*pool_, 1, "a", 0, 99);
  EXPECT_EQ(s.code(), absl::StatusCode::kFailedPrecondition) << s;
  EXPECT_EQ(ErrorReason(s), kReasonReferenceViolation);
  EXPECT_TRUE(Insert(*pool_, 2, "b", 0, 1).ok());
}

TEST_F(PoolTest, CheckAndNotNullViolationsAreInvalidArgument) {
  const absl::Status check = Insert(*pool_, 1, "a", -1);
  EXPECT_EQ(check.code(), absl::StatusCode::kInvalidArgument) << check;
  EXPECT_EQ(ErrorReason(check), kReasonConstraintViolation);
  const absl::Status not_null = pool_->Transact([](pqxx::work& txn) {
    txn.exec0("INSERT INTO items (id, label) VALUES (1, NULL)");
    return absl::OkStatus();
  });
  EXPECT_EQ(not_null.code(), absl::StatusCode::kInvalidArgument) << not_null;
  EXPECT_EQ(CountItems(), 0);
}

TEST_F(PoolTest, StatementTimeoutIsDeadlineExceeded) {
  std::unique_ptr<Pool> pool = MakePool(1, absl::Seconds(5), absl::Milliseconds(50));
  ASSERT_NE(pool, nullptr);
  const absl::Status s = pool->Transact([](pqxx::work& txn) {
    txn.exec0("SELECT pg_sleep(5)");
    return absl::OkStatus();
  });
  EXPECT_EQ(s.code(), absl::StatusCode::kDeadlineExceeded) << s;
  EXPECT_EQ(ErrorReason(s), kReasonStatementTimeout);
}

// Classic write skew: each transaction reads what the other writes. SERIALIZABLE lets only one
// of them commit.
absl::Status WriteSkew(pqxx::work& txn, int my_id, Barrier* barrier) {
  txn.exec0("SET TRANSACTION ISOLATION LEVEL SERIALIZABLE");
  const int64_t n = txn.exec1("SELECT count(*) FROM items")[0].as<int64_t>();
  if (barrier != nullptr && !barrier->ArriveAndWait()) {
    return absl::InternalError("the other transaction never arrived");
  }
  txn.exec_params("INSERT INTO items (id, label, qty) VALUES ($1, 'skew', $2)", my_id, n);
  return absl::OkStatus();
}

TEST_F(PoolTest, SerializationFailureIsAborted) {
  Barrier barrier(2);
  absl::Status s1, s2;
  std::thread t1([&] { s1 = pool_->Transact([&](pqxx::work& t) { return WriteSkew(t, 1, &barrier); }); });
  std::thread t2([&] { s2 = pool_->Transact([&](pqxx::work& t) { return WriteSkew(t, 2, &barrier); }); });
  t1.join();
  t2.join();
  EXPECT_NE(s1.ok(), s2.ok()) << s1 << " / " << s2;
  const absl::Status& failed = s1.ok() ? s2 : s1;
  EXPECT_EQ(failed.code(), absl::StatusCode::kAborted) << failed;
  EXPECT_EQ(ErrorReason(failed), kReasonTransactionConflict);
  EXPECT_EQ(CountItems(), 1);
}

TEST_F(PoolTest, TransactWithRetryRerunsSerializationFailures) {
  Barrier barrier(2);
  std::atomic<int> runs{0};
  absl::Status s1, s2;
  auto skew = [&](int id) {
    // Only the first run of each meets the other at the barrier; a retry runs alone.
    std::atomic<bool> first{true};
    // Enough attempts that two retries meeting again (slow machines, sanitizers) still end well;
    // what is asserted is that conflicts are rerun, not how many times.
    return pool_->TransactWithRetry(
        [&, id](pqxx::work& t) {
          ++runs;
          return WriteSkew(t, id, first.exchange(false) ? &barrier : nullptr);
        },
        /*attempts=*/10);
  };
  std::thread t1([&] { s1 = skew(1); });
  std::thread t2([&] { s2 = skew(2); });
  t1.join();
  t2.join();
  EXPECT_TRUE(s1.ok()) << s1;
  EXPECT_TRUE(s2.ok()) << s2;
  // At least one rerun; PostgreSQL's serializable checks may abort both first runs, so not exactly 3.
  EXPECT_GE(runs.load(), 3);
  EXPECT_EQ(CountItems(), 2);
}

TEST_F(PoolTest, TransactWithRetryDoesNotRetryTheCallbacksOwnAborted) {
  int runs = 0;
  const absl::Status s = pool_->TransactWithRetry([&](pqxx::work&) {
    ++runs;
    return Aborted("ETAG_MISMATCH", "stale etag");
  });
  EXPECT_EQ(s.code(), absl::StatusCode::kAborted);
  EXPECT_EQ(runs, 1);
}

TEST_F(PoolTest, DeadlockIsAborted) {
  ASSERT_TRUE(Insert(*pool_, 1, "a").ok());
  ASSERT_TRUE(Insert(*pool_, 2, "b").ok());
  Barrier barrier(2);
  auto lock_both = [&](int first, int second) {
    return pool_->Transact([&, first, second](pqxx::work& txn) -> absl::Status {
      txn.exec0("SET LOCAL deadlock_timeout = '50ms'");
      txn.exec_params("UPDATE items SET qty = qty + 1 WHERE id = $1", first);
      if (!barrier.ArriveAndWait()) return absl::InternalError("barrier");
      txn.exec_params("UPDATE items SET qty = qty + 1 WHERE id = $1", second);
      return absl::OkStatus();
    });
  };
  absl::Status s1, s2;
  std::thread t1([&] { s1 = lock_both(1, 2); });
  std::thread t2([&] { s2 = lock_both(2, 1); });
  t1.join();
  t2.join();
  EXPECT_NE(s1.ok(), s2.ok()) << s1 << " / " << s2;
  const absl::Status& failed = s1.ok() ? s2 : s1;
  EXPECT_EQ(failed.code(), absl::StatusCode::kAborted) << failed;
  EXPECT_EQ(ErrorReason(failed), kReasonTransactionConflict);
}

TEST_F(PoolTest, ConnectionLostMidTransactionIsUnavailableAndThePoolRecovers) {
  std::unique_ptr<Pool> pool = MakePool(1);
  ASSERT_NE(pool, nullptr);
  const int pid = BackendPid(*pool);
  const absl::Status s = pool->Transact([](pqxx::work& txn) {
    txn.exec0("INSERT INTO items (id, label) VALUES (1, 'lost')");
    txn.exec0("SELECT pg_terminate_backend(pg_backend_pid())");
    return absl::OkStatus();
  });
  EXPECT_EQ(s.code(), absl::StatusCode::kUnavailable) << s;
  EXPECT_EQ(ErrorReason(s), kReasonUnavailable);
  // The next call gets a new connection.
  EXPECT_TRUE(Insert(*pool, 2, "b").ok());
  EXPECT_NE(BackendPid(*pool), pid);
  EXPECT_EQ(pool->open_connections(), 1);
  EXPECT_EQ(CountItems(), 1);
}

TEST_F(PoolTest, DeadIdleConnectionIsReplacedWithoutFailingTheCall) {
  std::unique_ptr<Pool> pool = MakePool(1);
  ASSERT_NE(pool, nullptr);
  const int pid = BackendPid(*pool);
  pqxx::connection admin(db_->dsn());
  {
    pqxx::nontransaction txn(admin);
    ASSERT_TRUE(txn.exec_params1("SELECT pg_terminate_backend($1)", pid)[0].as<bool>());
  }
  ASSERT_TRUE(PollUntil([&] {
    pqxx::nontransaction txn(admin);
    return txn.exec_params1("SELECT count(*) FROM pg_stat_activity WHERE pid = $1", pid)[0].as<int>() == 0;
  }));
  EXPECT_TRUE(Insert(*pool, 1, "after restart").ok());
  EXPECT_NE(BackendPid(*pool), pid);
  EXPECT_EQ(pool->open_connections(), 1);
}

TEST_F(PoolTest, IsBoundedAndTimesOutAsUnavailable) {
  std::unique_ptr<Pool> pool = MakePool(1, absl::Milliseconds(100));
  ASSERT_NE(pool, nullptr);
  absl::Notification inside, release;
  std::thread holder([&] {
    EXPECT_TRUE(pool->Transact([&](pqxx::work&) {
                      inside.Notify();
                      release.WaitForNotificationWithTimeout(absl::Seconds(10));
                      return absl::OkStatus();
                    })
                    .ok());
  });
  ASSERT_TRUE(inside.WaitForNotificationWithTimeout(absl::Seconds(10)));
  const absl::Time start = absl::Now();
  const absl::Status s = pool->Transact([](pqxx::work&) { return absl::OkStatus(); });
  const absl::Duration waited = absl::Now() - start;
  release.Notify();
  holder.join();
  EXPECT_EQ(s.code(), absl::StatusCode::kUnavailable) << s;
  EXPECT_EQ(ErrorReason(s), kReasonPoolExhausted);
  EXPECT_GE(waited, absl::Milliseconds(90));
  EXPECT_EQ(pool->open_connections(), 1);
  EXPECT_TRUE(pool->Transact([](pqxx::work&) { return absl::OkStatus(); }).ok());
}

TEST_F(PoolTest, NeverOpensMoreThanSizeConnections) {
  std::unique_ptr<Pool> pool = MakePool(2);
  ASSERT_NE(pool, nullptr);
  std::atomic<int> concurrent{0}, peak{0};
  std::vector<std::thread> threads;
  for (int i = 0; i < 6; ++i) {
    threads.emplace_back([&] {
      for (int j = 0; j < 10; ++j) {
        EXPECT_TRUE(pool->Transact([&](pqxx::work& txn) {
                          const int now = ++concurrent;
                          int seen = peak.load();
                          while (now > seen && !peak.compare_exchange_weak(seen, now)) {
                          }
                          // A round trip keeps the connection busy long enough for the threads to
                          // contend.
                          txn.exec1("SELECT pg_backend_pid()");
                          --concurrent;
                          return absl::OkStatus();
                        })
                        .ok());
      }
    });
  }
  for (std::thread& t : threads) t.join();
  EXPECT_LE(peak.load(), 2);
  EXPECT_LE(pool->open_connections(), 2);
  pqxx::connection admin(db_->dsn());
  pqxx::nontransaction txn(admin);
  EXPECT_LE(txn.exec1("SELECT count(*) FROM pg_stat_activity "
                      "WHERE application_name = 'pool_pgtest' AND datname = current_database()")[0]
                .as<int>(),
            2 + 4);  // this pool + the fixture's pool of 4
}

TEST_F(PoolTest, ReadRejectsWrites) {
  const absl::Status s = pool_->Read([](pqxx::work& txn) {
    txn.exec0("INSERT INTO items (id, label) VALUES (1, 'a')");
    return absl::OkStatus();
  });
  EXPECT_FALSE(s.ok());
  EXPECT_EQ(CountItems(), 0);
}

TEST_F(PoolTest, PingAnswers) { EXPECT_TRUE(pool_->Ping().ok()); }

TEST_F(PoolTest, SessionSettingsAreApplied) {
  std::string app, timeout;
  ASSERT_TRUE(pool_
                  ->Read([&](pqxx::work& txn) {
                    app = txn.exec1("SHOW application_name")[0].as<std::string>();
                    timeout = txn.exec1("SHOW statement_timeout")[0].as<std::string>();
                    return absl::OkStatus();
                  })
                  .ok());
  EXPECT_EQ(app, "pool_pgtest");
  EXPECT_EQ(timeout, "10s");
}

TEST_F(PoolTest, PreparedStatementsReachEveryConnectionAndSurviveReconnects) {
  std::unique_ptr<Pool> pool = MakePool(1);
  ASSERT_NE(pool, nullptr);
  pool->Prepare("insert_item", "INSERT INTO items (id, label) VALUES ($1, $2)");
  auto insert = [&](int id) {
    return pool->Transact([id](pqxx::work& txn) {
      txn.exec_prepared("insert_item", id, "p");
      return absl::OkStatus();
    });
  };
  EXPECT_TRUE(insert(1).ok());
  // Re-registering replaces the SQL on the existing connection.
  pool->Prepare("insert_item", "INSERT INTO items (id, label, qty) VALUES ($1, $2, 7)");
  EXPECT_TRUE(insert(2).ok());
  // A replacement connection gets it too.
  EXPECT_EQ(pool->Transact([](pqxx::work& txn) {
                  txn.exec0("SELECT pg_terminate_backend(pg_backend_pid())");
                  return absl::OkStatus();
                })
                .code(),
            absl::StatusCode::kUnavailable);
  EXPECT_TRUE(insert(3).ok());
  int64_t sevens = 0;
  ASSERT_TRUE(pool->Read([&](pqxx::work& txn) {
                    sevens = txn.exec1("SELECT count(*) FROM items WHERE qty = 7")[0].as<int64_t>();
                    return absl::OkStatus();
                  })
                  .ok());
  EXPECT_EQ(sevens, 2);
}

int ClosedPort() {
  const int fd = socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  addr.sin_port = 0;
  socklen_t len = sizeof(addr);
  if (bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof(addr)) != 0 ||
      getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &len) != 0) {
    close(fd);
    return -1;
  }
  close(fd);
  return ntohs(addr.sin_port);
}

TEST(PoolCreate, ServerDownIsUnavailable) {
  const int port = ClosedPort();
  ASSERT_GT(port, 0);
  PoolOptions opts;
  opts.dsn = "host=127.0.0.1 port=" + std::to_string(port) + " user=postgres dbname=postgres";
  const absl::StatusOr<std::unique_ptr<Pool>> pool = Pool::Create(opts);
  EXPECT_EQ(pool.status().code(), absl::StatusCode::kUnavailable) << pool.status();
  EXPECT_EQ(ErrorReason(pool.status()), kReasonUnavailable);
}

TEST(PoolCreate, RejectsBadOptions) {
  PoolOptions opts;
  EXPECT_EQ(Pool::Create(opts).status().code(), absl::StatusCode::kInvalidArgument);
  opts.dsn = "host=127.0.0.1";
  opts.size = 0;
  EXPECT_EQ(Pool::Create(opts).status().code(), absl::StatusCode::kInvalidArgument);
}

}  // namespace
}  // namespace parley::pg
