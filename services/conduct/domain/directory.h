// What the conduct service needs to know from the trust directory (the contacts service): which
// schools a guardian is linked to, a school's time zone, who its head is, and when a member of
// staff next works. Implemented over gRPC with caching in clients/; faked in tests.
#pragma once

#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "services/conduct/domain/model.h"

namespace parley::conduct {

struct GuardianInfo {
  std::string name;                     // "guardians/{id}"
  std::vector<std::string> school_ids;  // schools of the pupils the guardian is linked to
  std::vector<std::string> pupils;      // "schools/{school}/pupils/{id}"
};

struct SchoolInfo {
  std::string id;
  absl::TimeZone zone;
};

// One of the school's incident notice rules (contacts' CommunicationPolicy.incident_notices), with
// the people it names already looked up.
struct IncidentNoticeRule {
  std::vector<IncidentKind> kinds;  // empty: every kind
  std::vector<Channel> channels;    // empty: every channel
  bool reporter_line_manager = false;
  // The roles' holders, named staff and external contacts, each with why (basis kRole, kStaff or
  // kExternalContact) and `immediate` as the rule says.
  std::vector<IncidentReferral> named;
  bool immediate = false;
};

class Directory {
 public:
  virtual ~Directory() = default;
  // NOT_FOUND (GUARDIAN_NOT_FOUND) when there is no such guardian.
  virtual absl::StatusOr<GuardianInfo> GetGuardian(const std::string& guardian) = 0;
  // NOT_FOUND (SCHOOL_NOT_FOUND).
  virtual absl::StatusOr<SchoolInfo> GetSchool(const std::string& school_id) = 0;
  // NOT_FOUND (STAFF_NOT_FOUND) unless "schools/{school}/staff/{id}" exists.
  virtual absl::Status CheckStaff(const std::string& staff) = 0;
  // The head of the school ("schools/{school}/staff/{id}"); FAILED_PRECONDITION when it has none.
  virtual absl::StatusOr<std::string> HeadOf(const std::string& school_id) = 0;
  // The line manager of "schools/{school}/staff/{id}" (a staff resource name), empty when they have
  // none; NOT_FOUND (STAFF_NOT_FOUND) when there is no such member of staff.
  virtual absl::StatusOr<std::string> LineManagerOf(const std::string& staff) = 0;
  // The school's incident notice rules, in policy order; NOT_FOUND (SCHOOL_NOT_FOUND).
  virtual absl::StatusOr<std::vector<IncidentNoticeRule>> IncidentNoticesOf(const std::string& school_id) = 0;
  // The first instant at or after `at` inside one of the staff member's working periods.
  virtual absl::StatusOr<absl::Time> NextWorkingTime(const std::string& school_id, const std::string& staff,
                                                     absl::Time at) = 0;
};

}  // namespace parley::conduct
