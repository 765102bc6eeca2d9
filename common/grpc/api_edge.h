// What every service's API layer does the same way at its edge: the idempotency key of a mutating
// request (DESIGN §8: request_id, the first response replayed on retry), opaque page tokens over a
// sequence number, page sizes, and school-scoped resource names. Errors are INVALID_ARGUMENT
// naming the field, with a reason (INVALID_NAME, INVALID_PAGE_TOKEN, INVALID_FIELD,
// REQUEST_ID_INVALID).
#pragma once

#include <cstdint>
#include <string>
#include <utility>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "common/pg/idempotency.h"
#include "google/protobuf/message.h"

namespace parley::api {

// The key of a mutating request: scope "{service}.{method}", its validated request id, and the
// fingerprint of the request without its `request_id` field, so a retry matches and a different
// request under a reused id is caught (deterministic serialization).
absl::StatusOr<pg::RequestKey> RequestKeyFor(absl::string_view service, absl::string_view method,
                                             const google::protobuf::Message& request, const std::string& request_id);

// The response a store kept for a write (or replayed), parsed into `out`. `Result` has
// `std::string response`.
template <typename Result>
absl::Status DecodeResponse(const absl::StatusOr<Result>& result, google::protobuf::Message* out) {
  if (!result.ok()) return result.status();
  if (!out->ParseFromString(result->response)) return absl::InternalError("a stored response could not be read");
  return absl::OkStatus();
}

// page_size: 0 → `fallback`; above `max` → max; negative → INVALID_ARGUMENT.
absl::StatusOr<int> PageSizeFrom(int32_t page_size, int fallback, int max);

// An opaque token for "continue at `seq`" under a tag naming the direction ("before", "from");
// empty for seq <= 0 (no further page).
std::string SeqPageToken(absl::string_view tag, int64_t seq);
// The seq of a token SeqPageToken(tag, seq) issued, 0 for an empty token; INVALID_PAGE_TOKEN for
// anything else.
absl::StatusOr<int64_t> ParseSeqPageToken(absl::string_view tag, const std::string& token);

// Ids this trust issues: letters, digits, '-' and '_', 1-64 characters.
bool IsValidId(absl::string_view id);
// "schools/{school}" → school id.
absl::StatusOr<std::string> ParseSchool(absl::string_view name, absl::string_view field);
// "schools/{school}/{collection}/{id}" → (school id, id).
absl::StatusOr<std::pair<std::string, std::string>> ParseSchoolChild(absl::string_view name,
                                                                     absl::string_view collection,
                                                                     absl::string_view field);
// "guardians/{guardian}": checked.
absl::Status CheckGuardianName(absl::string_view name, absl::string_view field);

}  // namespace parley::api
