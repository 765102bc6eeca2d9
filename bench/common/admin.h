// What the database benchmarks do alike around the figures they measure.
#pragma once

#include <string>

#include "absl/status/status.h"

namespace parley::bench {

// Runs one statement outside a transaction (CREATE / DROP DATABASE) on `dsn`; UNAVAILABLE with the
// server's message when it fails.
absl::Status AdminSql(const std::string& dsn, const std::string& sql);

// "load average 0.21 0.84 1.71", printed beside figures: they mean little on a busy machine.
std::string LoadAverage();

}  // namespace parley::bench
