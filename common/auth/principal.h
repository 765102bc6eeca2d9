// Who is calling, as proven by a verified bearer token. What a caller may read and change is the
// access model's (common/auth/access.h): the API edge hands each handler a Grant for the call's rule.
#pragma once

#include <initializer_list>
#include <string>
#include <vector>

#include "absl/strings/string_view.h"

namespace parley::auth {

// Role names as they appear in the token's "roles" claim.
inline constexpr absl::string_view kOffice = "office";
inline constexpr absl::string_view kTeacher = "teacher";
inline constexpr absl::string_view kSeniorLeader = "senior_leader";
inline constexpr absl::string_view kDsl = "dsl";
inline constexpr absl::string_view kTrustLeader = "trust_leader";
inline constexpr absl::string_view kTrustAdmin = "trust_admin";
inline constexpr absl::string_view kService = "service";
inline constexpr absl::string_view kGuardian = "guardian";

struct Principal {
  std::string subject;               // "sub"
  std::vector<std::string> roles;    // "roles"
  std::vector<std::string> schools;  // "schools": the school ids the caller acts for

  bool HasRole(absl::string_view role) const;
  bool HasAnyRole(std::initializer_list<absl::string_view> roles) const;
  // Trust leaders and admins compare schools; services read on behalf of the whole trust.
  bool TrustWideRead() const;
};

}  // namespace parley::auth
