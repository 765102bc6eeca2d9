#include "common/request/request_key.h"

#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "common/request/sha256.h"
#include "common/status/reason.h"

namespace parley::request {

absl::Status ValidateRequestId(absl::string_view id) {
  bool ok = id.size() == 36;
  for (size_t i = 0; ok && i < id.size(); ++i) {
    ok = (i == 8 || i == 13 || i == 18 || i == 23) ? id[i] == '-' : absl::ascii_isxdigit(id[i]);
  }
  if (!ok) {
    return InvalidArgument(reason::kRequestIdInvalid,
                           "request_id must be a UUID (xxxxxxxx-xxxx-xxxx-xxxx-xxxxxxxxxxxx)");
  }
  return absl::OkStatus();
}

std::string Fingerprint(absl::string_view bytes) { return Sha256Hex(bytes); }

std::string DerivedRequestId(absl::string_view seed) {
  const std::string h = Sha256Hex(seed);
  return absl::StrCat(h.substr(0, 8), "-", h.substr(8, 4), "-", h.substr(12, 4), "-", h.substr(16, 4), "-",
                      h.substr(20, 12));
}

}  // namespace parley::request
