// What an import does, as plain values: the plan DirectoryService::Import computes once and both
// reports (validate_only) and applies, and the options that govern deletions. Kept apart from
// directory_service.h so api/convert can turn a result into its proto without the service.
#pragma once

#include <map>
#include <string>
#include <vector>

#include "services/contacts/domain/directory_store.h"

namespace parley::contacts {

// The kinds of record an import reconciles, in the order its report lists them.
enum class ImportKind { kTrust, kSchool, kStaff, kPupil, kGuardian, kLadder, kRoutingMatrix, kRoutingRule };

// One record an import touches, by id: `school_id` alone for a school or its routing matrix,
// `school_id` and `id` for staff, pupils, ladders and routing rules (the category), `id` alone for
// a guardian, neither for the trust.
struct ImportRef {
  std::string school_id;
  std::string id;
  bool operator==(const ImportRef& o) const { return school_id == o.school_id && id == o.id; }
};

// What an import does to one kind of record. Routing rules are created and deleted only: a rule
// whose content changes shows as a changed routing matrix.
struct ImportKindChanges {
  std::vector<ImportRef> created;
  std::vector<ImportRef> changed;
  std::vector<ImportRef> deleted;
  int unchanged = 0;
};

struct ImportResult {
  int schools = 0, staff = 0, pupils = 0, guardians = 0, ladders = 0;
  ApplyCounts counts;
  std::vector<std::string> schools_with_new_versions;
  bool validate_only = false;
  // The plan, per kind touched: computed once, on the snapshot the write is checked against, and
  // equal to what the store applied (Import refuses to finish otherwise).
  std::map<ImportKind, ImportKindChanges> changes;
  // The directory version the plan was made against (ImportOptions::expected_directory_etag).
  std::string directory_etag;
};

// "1399 guardians, 2 pupils" (defined in directory_service.cc): the deletions of a plan, counts and kinds only (never
// names or personal data); empty when it deletes nothing.
std::string DescribeDeletions(const ImportResult& result);
int CountDeletions(const ImportResult& result);

struct ImportOptions {
  // Plan, validate and run the write, then roll it back: the result is the plan a real import of
  // the same document applies to the same directory.
  bool validate_only = false;
  // Without it an import that would delete anything is FAILED_PRECONDITION
  // (IMPORT_WOULD_DELETE) and writes nothing. validate_only reports deletions either way.
  bool allow_deletions = false;
  // When set, the import is ABORTED (ETAG_MISMATCH) unless the directory is still at this version
  // (ImportResult::directory_etag of the report a caller was shown).
  std::string expected_directory_etag;
};

}  // namespace parley::contacts
