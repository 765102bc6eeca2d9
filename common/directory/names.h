// Resource names of directory records as peers write them ("schools/{school}/staff/{id}"), for the
// replica adapters in the services. Contacts' API has its own, stricter parser for user input.
#pragma once

#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "absl/strings/string_view.h"

namespace parley::directory {

inline std::string StaffName(absl::string_view school_id, absl::string_view id) {
  return absl::StrCat("schools/", school_id, "/staff/", id);
}
inline std::string PupilName(absl::string_view school_id, absl::string_view id) {
  return absl::StrCat("schools/", school_id, "/pupils/", id);
}

// "schools/{school}/{collection}/{id}" → (school, id); nullopt for any other shape.
inline std::optional<std::pair<std::string, std::string>> ParseSchoolScoped(absl::string_view name,
                                                                            absl::string_view collection) {
  std::vector<absl::string_view> parts = absl::StrSplit(name, '/');
  if (parts.size() != 4 || parts[0] != "schools" || parts[2] != collection || parts[1].empty() || parts[3].empty()) {
    return std::nullopt;
  }
  return std::make_pair(std::string(parts[1]), std::string(parts[3]));
}

// "guardians/{id}" → id; nullopt for any other shape.
inline std::optional<std::string> ParseGuardianName(absl::string_view name) {
  std::vector<absl::string_view> parts = absl::StrSplit(name, '/');
  if (parts.size() != 2 || parts[0] != "guardians" || parts[1].empty()) return std::nullopt;
  return std::string(parts[1]);
}

}  // namespace parley::directory
