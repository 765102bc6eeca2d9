// What notifications asks its peers, as plain types (clients/ implements them over gRPC).
#pragma once

#include <map>
#include <memory>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "common/directory/snapshot.h"

namespace parley::notifications {

// A school's slice of the directory (pupils, guardians' links and flags, staff, calendar, policy),
// from the shared replica. UNAVAILABLE (DIRECTORY_REPLICA_STALE) while the replica is stale.
class DirectorySource {
 public:
  virtual ~DirectorySource() = default;
  // The school's snapshot, or NOT_FOUND (SCHOOL_NOT_FOUND).
  virtual absl::StatusOr<std::shared_ptr<const directory::Snapshot>> School(const std::string& school_id) = 0;
  // Every school the directory has, in id order.
  virtual absl::StatusOr<std::vector<std::string>> SchoolIds() = 0;
};

// A person's name and addresses, fetched when a copy is about to go. Personal data: never logged.
struct PersonDetails {
  std::string display_name;  // "Mrs K. Nowak"; a pupil's "Amelia Nowak"
  std::string email;
  std::string mobile;
  std::string app;                          // the parent app's recipient id
  std::vector<std::string> postal_address;  // lines
  int year_group = 0;                       // pupils
  std::string class_name;                   // pupils
};

class ContactDetailsSource {
 public:
  virtual ~ContactDetailsSource() = default;
  // By resource name ("guardians/g", "schools/s/staff/m", "schools/s/pupils/p"); names that no
  // longer exist are absent from the map. UNAVAILABLE when contacts cannot be reached.
  virtual absl::StatusOr<std::map<std::string, PersonDetails>> Lookup(const std::vector<std::string>& names) = 0;
};

}  // namespace parley::notifications
