#include "services/contacts/api/resource_names.h"

#include <vector>

#include "absl/strings/str_cat.h"
#include "common/grpc/api_edge.h"
#include "common/status/status_macros.h"

namespace parley::contacts {

std::string SchoolName(absl::string_view school) { return absl::StrCat("schools/", school); }
std::string StaffName(absl::string_view school, absl::string_view staff) {
  return absl::StrCat("schools/", school, "/staff/", staff);
}
std::string PupilName(absl::string_view school, absl::string_view pupil) {
  return absl::StrCat("schools/", school, "/pupils/", pupil);
}
std::string LadderName(absl::string_view school, absl::string_view ladder) {
  return absl::StrCat("schools/", school, "/ladders/", ladder);
}
std::string RoutingMatrixName(absl::string_view school) { return absl::StrCat("schools/", school, "/routingMatrix"); }
std::string GuardianName(absl::string_view guardian) { return absl::StrCat("guardians/", guardian); }

absl::StatusOr<std::string> ParseSchoolName(absl::string_view name) { return api::ParseSchool(name, "school name"); }
absl::StatusOr<std::pair<std::string, std::string>> ParseInSchoolName(absl::string_view kind,
                                                                      absl::string_view collection,
                                                                      absl::string_view name) {
  PARLEY_ASSIGN_OR_RETURN(std::vector<std::string> ids,
                          api::ParseName(absl::StrCat("schools/{school}/", collection, "/{", kind, "}"), name,
                                         absl::StrCat(kind, " name")));
  return std::make_pair(std::move(ids[0]), std::move(ids[1]));
}
absl::StatusOr<std::pair<std::string, std::string>> ParseStaffName(absl::string_view name) {
  return ParseInSchoolName("staff", "staff", name);
}
absl::StatusOr<std::pair<std::string, std::string>> ParsePupilName(absl::string_view name) {
  return ParseInSchoolName("pupil", "pupils", name);
}
absl::StatusOr<std::pair<std::string, std::string>> ParseLadderName(absl::string_view name) {
  return ParseInSchoolName("ladder", "ladders", name);
}
absl::StatusOr<std::string> ParseRoutingMatrixName(absl::string_view name) {
  PARLEY_ASSIGN_OR_RETURN(std::vector<std::string> ids,
                          api::ParseName("schools/{school}/routingMatrix", name, "routing matrix name"));
  return std::move(ids[0]);
}
absl::StatusOr<std::string> ParseGuardianName(absl::string_view name) {
  return api::ParseGuardian(name, "guardian name");
}

}  // namespace parley::contacts
