#include "common/auth/principal.h"

#include <algorithm>

namespace parley::auth {
namespace {

bool Contains(const std::vector<std::string>& list, absl::string_view value) {
  return std::any_of(list.begin(), list.end(),
                     [value](const std::string& item) { return absl::string_view(item) == value; });
}

}  // namespace

bool Principal::HasRole(absl::string_view role) const { return Contains(roles, role); }

bool Principal::HasAnyRole(std::initializer_list<absl::string_view> any_of) const {
  return std::any_of(any_of.begin(), any_of.end(), [this](absl::string_view role) { return HasRole(role); });
}

bool Principal::TrustWideRead() const { return HasAnyRole({kTrustLeader, kTrustAdmin, kService}); }

}  // namespace parley::auth
