// Typed configuration read once from the environment at start-up.
//
// An EnvReader collects every problem instead of stopping at the first, so an operator sees all
// the variables to fix in one go:
//
//   EnvReader env;                       // or EnvReader env(lookup) in tests
//   config.port = env.Int("PARLEY_GRPC_PORT", 50051, 0, 65535);
//   config.pg_dsn = env.Required("PARLEY_PG_DSN");
//   PARLEY_RETURN_IF_ERROR(env.Finish());
//
// Values are never echoed in errors (a DSN may hold a password); only the variable's name is.
#pragma once

#include <functional>
#include <optional>
#include <string>
#include <vector>
#include "absl/strings/string_view.h"

#include "absl/status/status.h"
#include "absl/time/time.h"

namespace parley {

class EnvReader {
 public:
  using Lookup = std::function<std::optional<std::string>(absl::string_view name)>;

  EnvReader();  // reads the process environment
  explicit EnvReader(Lookup lookup);

  std::string String(absl::string_view name, absl::string_view fallback);
  std::string Required(absl::string_view name);
  int64_t Int(absl::string_view name, int64_t fallback, int64_t min, int64_t max);
  bool Bool(absl::string_view name, bool fallback);
  // A short name (key namespaces, identifiers): 1-64 letters, digits, '-', '_' or '.'.
  std::string Name(absl::string_view name, absl::string_view fallback);
  // Accepts Go-style durations: "250ms", "5s", "2m", "1h30m".
  absl::Duration Duration(absl::string_view name, absl::Duration fallback);
  // One of `allowed` (exact, case-sensitive); `fallback` when unset.
  std::string OneOf(absl::string_view name, absl::string_view fallback, const std::vector<std::string>& allowed);
  // A comma-separated list; empty items are dropped.
  std::vector<std::string> List(absl::string_view name);

  // OK, or INVALID_ARGUMENT naming every missing or malformed variable.
  absl::Status Finish() const;

 private:
  std::optional<std::string> Get(absl::string_view name) const;
  void Fail(absl::string_view name, absl::string_view problem);

  Lookup lookup_;
  std::vector<std::string> errors_;
};

}  // namespace parley
