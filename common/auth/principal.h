// Who is calling, as proven by a verified bearer token, and the one tenancy check every RPC makes.
//
// A token names the schools its holder acts for. A token for one school must never read or change
// another school's data, so every handler calls RequireRead / RequireAct with the school the
// request is about BEFORE it looks the resource up: a caller from another school gets
// PERMISSION_DENIED whether or not the resource exists, and learns nothing from the difference.
//
//   PARLEY_ASSIGN_OR_RETURN(auth::Principal caller, verifier.Authenticate(*ctx));
//   PARLEY_RETURN_IF_ERROR(auth::RequireAct(caller, school_id, {auth::kOffice, auth::kTeacher}));
#pragma once

#include <initializer_list>
#include <string>
#include <vector>

#include "absl/status/status.h"
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
  // Member of the school, or trust-wide reader.
  bool CanRead(absl::string_view school_id) const;
  // Member of the school, or trust admin. Trust leaders and services read everywhere but only
  // change what their own token names: reporting must never be able to write.
  bool CanActFor(absl::string_view school_id) const;
};

// PERMISSION_DENIED (WRONG_SCHOOL) unless p.CanRead(school_id).
[[nodiscard]] absl::Status RequireRead(const Principal& p, absl::string_view school_id);

// PERMISSION_DENIED (WRONG_SCHOOL) unless p.CanActFor(school_id); then PERMISSION_DENIED
// (ROLE_REQUIRED) unless p holds one of `any_of_roles` (an empty list accepts any role). The school
// is checked first so that a caller from another school always sees the same answer.
[[nodiscard]] absl::Status RequireAct(const Principal& p, absl::string_view school_id,
                                      std::initializer_list<absl::string_view> any_of_roles);

// For trust-level operations that are not about one school: PERMISSION_DENIED (ROLE_REQUIRED)
// unless p holds one of `any_of_roles`.
[[nodiscard]] absl::Status RequireRole(const Principal& p, std::initializer_list<absl::string_view> any_of_roles);

}  // namespace parley::auth
