// Whole-record and cross-reference checks run before anything is written. Format checks (dates,
// names, enums) happen earlier, at the API edge; these check what only the directory can tell:
// that every staff member, pupil, ladder and role a record names exists and that calendars and
// policies make sense. Messages say what to fix and where.
#pragma once

#include <cstddef>

#include "absl/status/status.h"
#include "services/contacts/domain/model.h"

namespace parley::contacts {

struct DirectoryLimits {
  size_t max_schools = 500;
  size_t max_staff_per_school = 5'000;
  size_t max_pupils_per_school = 10'000;
  size_t max_guardians = 250'000;
  size_t max_rules = 200;
  size_t max_rungs = 12;
};

absl::Status ValidateSchool(const School& school);
absl::Status ValidateSchoolDirectory(const SchoolDirectory& sd, const DirectoryLimits& limits = {});
absl::Status ValidateGuardian(const Guardian& guardian, const Directory& directory);
absl::Status ValidateDirectory(const Directory& directory, const DirectoryLimits& limits = {});

// Sets school.calendar_version and school.policy_version from the content.
absl::Status StampVersions(School& school);

}  // namespace parley::contacts
