#include "services/notifications/clients/directory_source.h"

#include "absl/strings/str_cat.h"
#include "common/status/reason.h"
#include "common/status/status_macros.h"

namespace parley::notifications {

absl::StatusOr<std::shared_ptr<const directory::Snapshot>> ReplicaDirectorySource::School(
    const std::string& school_id) {
  PARLEY_ASSIGN_OR_RETURN(auto view, replica_->View());
  auto it = view->schools().find(school_id);
  if (it == view->schools().end()) {
    return NotFound(reason::kSchoolNotFound, absl::StrCat("school ", school_id, " does not exist"));
  }
  return it->second.snapshot;
}

absl::StatusOr<std::vector<std::string>> ReplicaDirectorySource::SchoolIds() {
  PARLEY_ASSIGN_OR_RETURN(auto view, replica_->View());
  std::vector<std::string> ids;
  for (const auto& [id, held] : view->schools()) ids.push_back(id);
  return ids;
}

}  // namespace parley::notifications
