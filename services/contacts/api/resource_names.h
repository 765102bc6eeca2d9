// Resource names of parley.contacts.v1 ("schools/st-marys/staff/mrs-dunne") and the bare ids the
// domain uses ("st-marys", "mrs-dunne"). Parsing checks the whole shape and every id, so a name
// that parses always formats back to itself. Errors are INVALID_ARGUMENT with reason
// INVALID_NAME; they quote the offending name (names and ids are not personal data), cut to 100
// characters.
#pragma once

#include <string>
#include <utility>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"

namespace parley::contacts {

// An id is 2-40 characters of lower-case letters, digits and hyphens, starting with a letter or
// digit.
bool IsValidId(absl::string_view id);
// INVALID_NAME naming `what` ("staff_id") when `id` is not a valid id.
absl::Status ValidateId(absl::string_view id, absl::string_view what);

std::string SchoolName(absl::string_view school);                            // schools/{school}
std::string StaffName(absl::string_view school, absl::string_view staff);    // schools/{school}/staff/{staff}
std::string PupilName(absl::string_view school, absl::string_view pupil);    // schools/{school}/pupils/{pupil}
std::string LadderName(absl::string_view school, absl::string_view ladder);  // schools/{school}/ladders/{ladder}
std::string RoutingMatrixName(absl::string_view school);                     // schools/{school}/routingMatrix
std::string GuardianName(absl::string_view guardian);                        // guardians/{guardian}

// The school id.
absl::StatusOr<std::string> ParseSchoolName(absl::string_view name);
// {school id, staff id}, and likewise for pupils and ladders.
absl::StatusOr<std::pair<std::string, std::string>> ParseStaffName(absl::string_view name);
absl::StatusOr<std::pair<std::string, std::string>> ParsePupilName(absl::string_view name);
absl::StatusOr<std::pair<std::string, std::string>> ParseLadderName(absl::string_view name);
// The school id.
absl::StatusOr<std::string> ParseRoutingMatrixName(absl::string_view name);
// The guardian id.
absl::StatusOr<std::string> ParseGuardianName(absl::string_view name);

// `value` in double quotes for an error message: at most 100 characters (cut on a UTF-8
// boundary, "..." appended) with quotes, backslashes and control characters escaped. Only for
// values that are not personal data.
std::string QuoteForError(absl::string_view value);

}  // namespace parley::contacts
