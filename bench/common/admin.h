// What the database benchmarks do alike around the figures they measure.
#pragma once

#include <string>

#include "absl/status/status.h"
#include "absl/time/time.h"

namespace parley::bench {

// Runs one statement outside a transaction (CREATE / DROP DATABASE) on `dsn`; UNAVAILABLE with the
// server's message when it fails.
absl::Status AdminSql(const std::string& dsn, const std::string& sql);

// PostgreSQL's own single-row INSERT rate: `connections` clients each inserting one row at a time
// into a plain table (bench_plain, created in `dsn`'s database if missing) for `duration`, each
// INSERT its own transaction (autocommit) or in BEGIN/COMMIT. Rows per second; 0 if a connection
// failed. The reference the database benchmarks print their rates beside.
double SingleRowInserts(const std::string& dsn, int connections, absl::Duration duration, bool in_transaction);

// "load average 0.21 0.84 1.71", printed beside figures: they mean little on a busy machine.
std::string LoadAverage();

}  // namespace parley::bench
