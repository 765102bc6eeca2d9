// What every service's API layer does the same way at its edge, written once:
//   - Edge::Serve: authenticate the caller, validate the request against its proto declaration
//     (request_validation.h), refuse a caller whose roles do not reach the method's access rule
//     (common/auth/access.h), run the handler body with the caller's Grant, turn its absl::Status
//     into a grpc::Status with the reason as trailing metadata;
//   - request keys of mutating calls (request_id, the first response replayed on retry);
//   - resource names and ids, one rule for every service;
//   - opaque page tokens, one format for every list, bound to the list's filters;
//   - update masks, checked against the resource's fields and the ones the service lets change.
// Errors are INVALID_ARGUMENT naming the field, with a reason from common/status/reasons.h.
#pragma once

#include <cstdint>
#include <functional>
#include <initializer_list>
#include <map>
#include <set>
#include <string>
#include <utility>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "common/auth/access.h"
#include "common/auth/principal.h"
#include "common/auth/verifier.h"
#include "common/request/request_key.h"
#include "google/protobuf/descriptor.h"
#include "google/protobuf/field_mask.pb.h"
#include "google/protobuf/message.h"
#include "grpcpp/server_context.h"
#include "grpcpp/support/status.h"

namespace parley::api {

using request::RequestKey;

// ---- serving one call ----------------------------------------------------------------------

using Body = std::function<absl::Status(const auth::Grant& caller)>;

class Edge {
 public:
  // `verifier` must outlive the edge. `rules` states the access rule of every method of `service`:
  // an edge whose rules miss a method, name one the service does not have, or cannot tell two
  // methods apart by request type is a programming error, and the process stops here with the
  // method named (every service and its API test construct one).
  Edge(const auth::Verifier* verifier, const google::protobuf::ServiceDescriptor& service, auth::RuleTable rules);

  // The descriptor of a generated service by its full name (Stub::service_full_name()).
  static const google::protobuf::ServiceDescriptor& ServiceNamed(absl::string_view full_name);

  // OK when `rules` covers exactly the methods of `service` and no two methods share a request type.
  static absl::Status CheckRules(const google::protobuf::ServiceDescriptor& service, const auth::RuleTable& rules);

  // Authenticates (UNAUTHENTICATED without a valid token), validates `request` (INVALID_ARGUMENT),
  // refuses a caller none of whose roles reach the method's rule anywhere (PERMISSION_DENIED,
  // ROLE_REQUIRED), then runs `body` with the caller's Grant; every error leaves with its reason.
  // Nothing in `body` runs for a caller or a request that fails a check.
  grpc::Status Serve(grpc::ServerContext* context, const google::protobuf::Message& request, const Body& body) const;

  // The rule of the method taking `request`.
  const auth::Rule& RuleFor(const google::protobuf::Message& request) const;

 private:
  const auth::Verifier* verifier_;
  std::map<std::string, auth::Rule> rule_by_request_type_;
};

// ---- request keys --------------------------------------------------------------------------

// The key of a mutating request: scope "{tenancy}/{service}.{method}" (the caller's tenancy,
// auth::Tenancy, so callers of different schools never share a request id), its validated request
// id, and the fingerprint of the request without its `request_id` field (deterministic
// serialization), so a retry matches and a different request under a reused id is caught.
absl::StatusOr<RequestKey> RequestKeyFor(const auth::Principal& caller, absl::string_view service,
                                         absl::string_view method, const google::protobuf::Message& request);

// The response bytes a write kept (or replayed), parsed into `out`. `Result` has
// `std::string response`.
template <typename Result>
absl::Status DecodeResponse(const absl::StatusOr<Result>& result, google::protobuf::Message* out);
absl::Status DecodeResponse(const absl::StatusOr<std::string>& bytes, google::protobuf::Message* out);

// An encoder the domain calls inside its write to produce the response bytes kept for replay.
template <typename T>
using Encoder = std::function<absl::StatusOr<std::string>(const T&)>;
template <typename Proto, typename T>
Encoder<T> EncodeWith(std::function<Proto(const T&)> to_proto) {
  return [to_proto](const T& value) -> absl::StatusOr<std::string> { return to_proto(value).SerializeAsString(); };
}

// ---- names ---------------------------------------------------------------------------------

// Ids this trust issues: 1-64 characters of lower-case letters, digits, '-' and '_', starting
// with a letter or a digit.
bool IsValidId(absl::string_view id);
// INVALID_NAME naming `field` when `id` is not a valid id.
absl::Status ValidateId(absl::string_view id, absl::string_view field);

// `name` against `pattern` ("schools/{school}/staff/{staff}"): the placeholder values in order,
// or INVALID_NAME naming `field` and the expected shape. A name that parses formats back to itself.
absl::StatusOr<std::vector<std::string>> ParseName(absl::string_view pattern, absl::string_view name,
                                                   absl::string_view field);
// "schools/{school}" → school id.
absl::StatusOr<std::string> ParseSchool(absl::string_view name, absl::string_view field);
// "schools/{school}/{collection}/{id}" → (school id, id).
absl::StatusOr<std::pair<std::string, std::string>> ParseSchoolChild(absl::string_view name,
                                                                     absl::string_view collection,
                                                                     absl::string_view field);
// "guardians/{guardian}" → guardian id.
absl::StatusOr<std::string> ParseGuardian(absl::string_view name, absl::string_view field);
absl::Status CheckGuardianName(absl::string_view name, absl::string_view field);

// `value` in double quotes for an error message: at most 100 characters (cut on a UTF-8
// boundary, "..." appended), quotes, backslashes and control characters escaped. Only for values
// that are not personal data (names and ids).
std::string QuoteForError(absl::string_view value);

// ---- pages ---------------------------------------------------------------------------------

// A list request's page: how many items, and where the previous page stopped ("" = the start).
// The position is whatever the list is keyed by: an id, or a sequence number in decimal.
struct PageRequest {
  int size = 50;
  std::string after;
};

struct PageLimits {
  int default_size = 50;
  int max_size = 500;
};

// Reads `page_size` and `page_token` of a List request. page_size 0 → the default, above the
// maximum → the maximum, negative → INVALID_FIELD. A token is accepted only by the list and the
// filters it was issued for (the rest of the request, fingerprinted): INVALID_PAGE_TOKEN otherwise.
absl::StatusOr<PageRequest> ParsePage(const google::protobuf::Message& list_request, PageLimits limits = {});
// The token that continues `list_request` after `position`; "" when `position` is empty (no
// further page).
std::string NextPageToken(const google::protobuf::Message& list_request, absl::string_view position);

// For lists keyed by a sequence number: the position as a number (0 for the start), and back.
absl::StatusOr<int64_t> SeqPosition(const PageRequest& page);
std::string SeqToPosition(int64_t seq);  // "" for seq <= 0

// ---- update masks --------------------------------------------------------------------------

// OK when `mask` names at least one path (UPDATE_MASK_REQUIRED otherwise) and every path is a real
// field path of `resource`'s type whose first segment is in `updatable` (INVALID_UPDATE_MASK
// otherwise, naming the path and what can change).
absl::Status CheckUpdateMask(const google::protobuf::FieldMask& mask, const google::protobuf::Descriptor& resource,
                             const std::set<std::string>& updatable);
// Whether `mask` touches `field` (the field itself or a path under it).
bool Masked(const google::protobuf::FieldMask& mask, absl::string_view field);
// `current` with the masked fields of `patch` (message and repeated fields replaced whole), after
// CheckUpdateMask.
template <typename Msg>
absl::StatusOr<Msg> ApplyUpdateMask(const Msg& current, const Msg& patch, const google::protobuf::FieldMask& mask,
                                    const std::set<std::string>& updatable);

// ---- implementation of the templates -------------------------------------------------------

void MergeMasked(const google::protobuf::Message& patch, const google::protobuf::FieldMask& mask,
                 google::protobuf::Message* target);

template <typename Result>
absl::Status DecodeResponse(const absl::StatusOr<Result>& result, google::protobuf::Message* out) {
  if (!result.ok()) return result.status();
  return DecodeResponse(absl::StatusOr<std::string>(result->response), out);
}

template <typename Msg>
absl::StatusOr<Msg> ApplyUpdateMask(const Msg& current, const Msg& patch, const google::protobuf::FieldMask& mask,
                                    const std::set<std::string>& updatable) {
  absl::Status checked = CheckUpdateMask(mask, *Msg::descriptor(), updatable);
  if (!checked.ok()) return checked;
  Msg merged = current;
  MergeMasked(patch, mask, &merged);
  return merged;
}

}  // namespace parley::api
