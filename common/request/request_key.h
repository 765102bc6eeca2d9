// The identity of a mutating request (every mutating RPC carries a request_id, a UUID; a retry with
// the same id gets the first response back, and the same id with a different request is refused).
// The key is plain data so that the API builds it, the domain passes it on and the store records
// it: this header needs neither libpqxx nor protobuf. common/pg/idempotency.h keeps the record;
// common/grpc/api_edge.h builds keys from requests.
#pragma once

#include <string>

#include "absl/status/status.h"
#include "absl/strings/string_view.h"

namespace parley::request {

// A request id scoped to one method ("conduct.IssueArrangement"), with the fingerprint of the
// request it came with.
struct RequestKey {
  std::string scope;
  std::string request_id;
  std::string fingerprint;
};

// OK for a UUID in 8-4-4-4-12 hex form (either case); INVALID_ARGUMENT (REQUEST_ID_INVALID)
// otherwise, including when empty.
absl::Status ValidateRequestId(absl::string_view request_id);

// SHA-256 hex of the serialized request with request_id cleared. Serialize deterministically
// (protobuf: SerializationDeterministic, for map fields) so a retry fingerprints the same.
std::string Fingerprint(absl::string_view bytes);

// A request id (UUID-shaped) derived from `seed`: the same seed always gives the same id, so work
// a service starts on its own (a recomputation, a relay) is applied once however many replicas or
// retries start it.
std::string DerivedRequestId(absl::string_view seed);

}  // namespace parley::request
