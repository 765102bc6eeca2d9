// Resource names of parley.contacts.v1 ("schools/st-marys/staff/mrs-dunne") and the bare ids the
// domain uses ("st-marys", "mrs-dunne"). Parsing goes through common/grpc/api_edge.h
// (api::ParseName), so contacts has the same id rule as every service (api::IsValidId) and a name
// that parses always formats back to itself. Errors are INVALID_ARGUMENT with reason INVALID_NAME
// and quote the offending name (api::QuoteForError).
#pragma once

#include <string>
#include <utility>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"

namespace parley::contacts {

std::string SchoolName(absl::string_view school);                            // schools/{school}
std::string StaffName(absl::string_view school, absl::string_view staff);    // schools/{school}/staff/{staff}
std::string PupilName(absl::string_view school, absl::string_view pupil);    // schools/{school}/pupils/{pupil}
std::string LadderName(absl::string_view school, absl::string_view ladder);  // schools/{school}/ladders/{ladder}
std::string RoutingMatrixName(absl::string_view school);                     // schools/{school}/routingMatrix
std::string GuardianName(absl::string_view guardian);                        // guardians/{guardian}

// The school id.
absl::StatusOr<std::string> ParseSchoolName(absl::string_view name);
// "schools/{school}/{collection}/{kind}" → {school id, id}; errors name the `kind` ("staff name
// must look like ...").
absl::StatusOr<std::pair<std::string, std::string>> ParseInSchoolName(absl::string_view kind,
                                                                      absl::string_view collection,
                                                                      absl::string_view name);
// {school id, staff id}, and likewise for pupils and ladders.
absl::StatusOr<std::pair<std::string, std::string>> ParseStaffName(absl::string_view name);
absl::StatusOr<std::pair<std::string, std::string>> ParsePupilName(absl::string_view name);
absl::StatusOr<std::pair<std::string, std::string>> ParseLadderName(absl::string_view name);
// The school id.
absl::StatusOr<std::string> ParseRoutingMatrixName(absl::string_view name);
// The guardian id.
absl::StatusOr<std::string> ParseGuardianName(absl::string_view name);

}  // namespace parley::contacts
