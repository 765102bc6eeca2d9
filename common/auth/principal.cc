#include "common/auth/principal.h"

#include <algorithm>

#include "common/status/reason.h"

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

bool Principal::CanRead(absl::string_view school_id) const {
  // An empty id is never a school: it must not match a token that (wrongly) lists "".
  if (school_id.empty()) return TrustWideRead();
  return Contains(schools, school_id) || TrustWideRead();
}

bool Principal::CanActFor(absl::string_view school_id) const {
  if (school_id.empty()) return HasRole(kTrustAdmin);
  return Contains(schools, school_id) || HasRole(kTrustAdmin);
}

absl::Status RequireRead(const Principal& p, absl::string_view school_id) {
  if (p.CanRead(school_id)) return absl::OkStatus();
  return PermissionDenied(reason::kWrongSchool, "the caller's token does not cover this school");
}

absl::Status RequireAct(const Principal& p, absl::string_view school_id,
                        std::initializer_list<absl::string_view> any_of_roles) {
  if (!p.CanActFor(school_id)) {
    return PermissionDenied(reason::kWrongSchool, "the caller's token does not cover this school");
  }
  return RequireRole(p, any_of_roles);
}

absl::Status RequireRole(const Principal& p, std::initializer_list<absl::string_view> any_of_roles) {
  if (any_of_roles.size() == 0 || p.HasAnyRole(any_of_roles)) return absl::OkStatus();
  return PermissionDenied(reason::kRoleRequired, "the caller's role does not allow this operation");
}

}  // namespace parley::auth
