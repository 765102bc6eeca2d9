// Test-only: a minimal HTTP/1.0 GET against 127.0.0.1, enough to scrape a metrics endpoint
// without pulling an HTTP client library into tests.
#pragma once

#include <string>

#include "absl/status/statusor.h"

namespace parley::metrics::testing {

// The response body of GET `path` on 127.0.0.1:`port`; UNAVAILABLE when the connection fails,
// INTERNAL when the status is not 200. Gives up after 5 seconds.
absl::StatusOr<std::string> HttpGet(int port, const std::string& path = "/metrics");

}  // namespace parley::metrics::testing
