// Who owns a matter and what the ladder above them is: the routing matrix and ladders of a
// school applied to one pupil.
#pragma once

#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "common/directory/model.h"
#include "common/directory/snapshot.h"

namespace parley::directory {

struct Recipient {
  enum class Kind { kStaff, kExternalContact };
  Kind kind = Kind::kStaff;
  std::string id;            // staff id or external contact id
  std::string display_name;  // staff names are shown to staff, never logged
  std::string role;          // why this person: "class teacher", "senco"
};

struct RouteQuery {
  std::string school_id;
  std::string pupil_id;  // optional
  std::string category;
  Channel channel = Channel::kUnspecified;
  std::string subject;  // optional
};

struct Route {
  Recipient owner;
  bool channel_allowed = true;
  std::vector<Channel> allowed_channels;
  std::string channel_rule;
  std::string ladder_id;
  std::vector<Recipient> also_notify;
  bool safeguarding = false;
};

struct ResolvedRung {
  std::string title;
  Recipient recipient;
};

struct ResolvedLadder {
  std::string ladder_id;
  std::vector<ResolvedRung> rungs;
  bool refer_to_complaints_after_top = false;
  std::string complaints_procedure_uri;
};

// NOT_FOUND for an unknown school or pupil; INVALID_ARGUMENT for a category the school's matrix
// does not have (the message lists the ones it has) or a pupil-relative route without a pupil;
// FAILED_PRECONDITION when a role or relation resolves to nobody for this pupil.
absl::StatusOr<Route> RouteEnquiry(const Snapshot& snapshot, const RouteQuery& query);
absl::StatusOr<ResolvedLadder> ResolveLadder(const Snapshot& snapshot, const RouteQuery& query);

// Every member of staff (or external contact) a reference names for this pupil, first the one
// who owns. Exposed for validation and tests.
absl::StatusOr<std::vector<Recipient>> ResolveRoleRef(const SchoolDirectory& school, const Pupil* pupil,
                                                      const std::string& subject, const RoleRef& ref);

}  // namespace parley::directory
