#include "common/grpc/api_edge.h"

#include <algorithm>
#include <memory>
#include <vector>

#include "absl/strings/escaping.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "common/status/grpc_status.h"
#include "common/status/status_macros.h"
#include "google/protobuf/io/coded_stream.h"
#include "google/protobuf/io/zero_copy_stream_impl_lite.h"

namespace parley::api {
namespace {

absl::Status BadName(absl::string_view field, absl::string_view expected) {
  return InvalidArgument("INVALID_NAME", absl::StrCat(field, " must look like \"", expected, "\""));
}

}  // namespace

absl::StatusOr<pg::RequestKey> RequestKeyFor(absl::string_view service, absl::string_view method,
                                             const google::protobuf::Message& request, const std::string& request_id) {
  PARLEY_RETURN_IF_ERROR(pg::ValidateRequestId(request_id));
  std::unique_ptr<google::protobuf::Message> copy(request.New());
  copy->CopyFrom(request);
  const auto* field = copy->GetDescriptor()->FindFieldByName("request_id");
  if (field != nullptr) copy->GetReflection()->ClearField(copy.get(), field);
  std::string bytes;
  {
    google::protobuf::io::StringOutputStream out(&bytes);
    google::protobuf::io::CodedOutputStream coded(&out);
    coded.SetSerializationDeterministic(true);
    copy->SerializeToCodedStream(&coded);
  }
  return pg::RequestKey{absl::StrCat(service, ".", method), request_id, pg::Fingerprint(bytes)};
}

absl::StatusOr<int> PageSizeFrom(int32_t page_size, int fallback, int max) {
  if (page_size < 0) return InvalidArgument("INVALID_FIELD", "page_size must not be negative");
  if (page_size == 0) return fallback;
  return std::min<int>(page_size, max);
}

std::string SeqPageToken(absl::string_view tag, int64_t seq) {
  return seq > 0 ? absl::WebSafeBase64Escape(absl::StrCat(tag, ":", seq)) : std::string();
}

absl::StatusOr<int64_t> ParseSeqPageToken(absl::string_view tag, const std::string& token) {
  if (token.empty()) return 0;
  std::string decoded;
  int64_t seq = 0;
  const std::string prefix = absl::StrCat(tag, ":");
  if (!absl::WebSafeBase64Unescape(token, &decoded) || !absl::StartsWith(decoded, prefix) ||
      !absl::SimpleAtoi(absl::string_view(decoded).substr(prefix.size()), &seq) || seq <= 0) {
    return InvalidArgument("INVALID_PAGE_TOKEN", "page_token is not one this service issued");
  }
  return seq;
}

bool IsValidId(absl::string_view id) {
  if (id.empty() || id.size() > 64) return false;
  return std::all_of(id.begin(), id.end(),
                     [](char c) { return std::isalnum(static_cast<unsigned char>(c)) != 0 || c == '-' || c == '_'; });
}

absl::StatusOr<std::string> ParseSchool(absl::string_view name, absl::string_view field) {
  std::vector<absl::string_view> parts = absl::StrSplit(name, '/');
  if (parts.size() != 2 || parts[0] != "schools" || !IsValidId(parts[1])) return BadName(field, "schools/{school}");
  return std::string(parts[1]);
}

absl::StatusOr<std::pair<std::string, std::string>> ParseSchoolChild(absl::string_view name,
                                                                     absl::string_view collection,
                                                                     absl::string_view field) {
  std::vector<absl::string_view> parts = absl::StrSplit(name, '/');
  if (parts.size() != 4 || parts[0] != "schools" || parts[2] != collection || !IsValidId(parts[1]) ||
      !IsValidId(parts[3])) {
    return BadName(field, absl::StrCat("schools/{school}/", collection, "/{id}"));
  }
  return std::make_pair(std::string(parts[1]), std::string(parts[3]));
}

absl::Status CheckGuardianName(absl::string_view name, absl::string_view field) {
  std::vector<absl::string_view> parts = absl::StrSplit(name, '/');
  if (parts.size() != 2 || parts[0] != "guardians" || !IsValidId(parts[1])) {
    return BadName(field, "guardians/{guardian}");
  }
  return absl::OkStatus();
}

}  // namespace parley::api
