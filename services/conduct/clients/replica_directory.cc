#include "services/conduct/clients/replica_directory.h"

#include <algorithm>
#include <utility>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_replace.h"
#include "common/directory/names.h"
#include "common/status/reason.h"
#include "common/status/status_macros.h"

namespace parley::conduct {

absl::StatusOr<GuardianInfo> ReplicaDirectory::GetGuardian(const std::string& guardian) {
  auto id = directory::ParseGuardianName(guardian);
  PARLEY_ASSIGN_OR_RETURN(std::shared_ptr<const directory::ReplicaView> view, replica_->View());
  std::vector<directory::PupilLink> links = id ? view->LinksOfGuardian(*id) : std::vector<directory::PupilLink>();
  // A guardian is in the directory only while linked to a pupil (contacts removes one left with
  // none), so no links means no such guardian.
  if (links.empty()) return NotFound(reason::kGuardianNotFound, absl::StrCat("no guardian ", guardian));
  GuardianInfo info;
  info.name = guardian;
  for (const directory::PupilLink& link : links) {
    info.pupils.push_back(directory::PupilName(link.school_id, link.pupil_id));
    if (std::find(info.school_ids.begin(), info.school_ids.end(), link.school_id) == info.school_ids.end()) {
      info.school_ids.push_back(link.school_id);
    }
  }
  return info;
}

absl::StatusOr<SchoolInfo> ReplicaDirectory::GetSchool(const std::string& school_id) {
  PARLEY_ASSIGN_OR_RETURN(std::shared_ptr<const directory::ReplicaView> view, replica_->View());
  const directory::Snapshot* snapshot = view->School(school_id);
  if (snapshot == nullptr) return NotFound(reason::kSchoolNotFound, absl::StrCat("no school ", school_id));
  SchoolInfo info;
  info.id = school_id;
  info.zone = snapshot->SchoolCalendarOf(school_id)->zone();
  return info;
}

absl::Status ReplicaDirectory::CheckStaff(const std::string& staff) {
  auto id = directory::ParseSchoolScoped(staff, "staff");
  PARLEY_ASSIGN_OR_RETURN(std::shared_ptr<const directory::ReplicaView> view, replica_->View());
  const directory::Snapshot* snapshot = id ? view->School(id->first) : nullptr;
  if (snapshot == nullptr || snapshot->FindStaff(id->first, id->second) == nullptr) {
    return NotFound(reason::kStaffNotFound, absl::StrCat("no staff member ", staff));
  }
  return absl::OkStatus();
}

absl::StatusOr<std::string> ReplicaDirectory::HeadOf(const std::string& school_id) {
  PARLEY_ASSIGN_OR_RETURN(std::shared_ptr<const directory::ReplicaView> view, replica_->View());
  const directory::Snapshot* snapshot = view->School(school_id);
  if (snapshot == nullptr) return NotFound(reason::kSchoolNotFound, absl::StrCat("no school ", school_id));
  const directory::SchoolDirectory& school = *snapshot->FindSchool(school_id);
  for (const std::string& role : head_roles_) {
    for (const auto& [id, member] : school.staff) {
      if (member.HasRole(role)) return directory::StaffName(school_id, id);
    }
  }
  return FailedPrecondition(reason::kNoHead,
                            absl::StrCat("school ", school_id, " has no staff member with a head's role"));
}

absl::StatusOr<std::string> ReplicaDirectory::LineManagerOf(const std::string& staff) {
  auto id = directory::ParseSchoolScoped(staff, "staff");
  PARLEY_ASSIGN_OR_RETURN(std::shared_ptr<const directory::ReplicaView> view, replica_->View());
  const directory::Snapshot* snapshot = id ? view->School(id->first) : nullptr;
  const directory::Staff* member = snapshot == nullptr ? nullptr : snapshot->FindStaff(id->first, id->second);
  if (member == nullptr) return NotFound(reason::kStaffNotFound, absl::StrCat("no staff member ", staff));
  if (member->line_manager.empty()) return std::string();
  return directory::StaffName(id->first, member->line_manager);
}

absl::StatusOr<std::vector<IncidentNoticeRule>> ReplicaDirectory::IncidentNoticesOf(const std::string& school_id) {
  PARLEY_ASSIGN_OR_RETURN(std::shared_ptr<const directory::ReplicaView> view, replica_->View());
  const directory::Snapshot* snapshot = view->School(school_id);
  if (snapshot == nullptr) return NotFound(reason::kSchoolNotFound, absl::StrCat("no school ", school_id));
  const directory::SchoolDirectory& school = *snapshot->FindSchool(school_id);
  std::vector<IncidentNoticeRule> out;
  for (const directory::IncidentNoticeRule& rule : school.school.policy.incident_notices) {
    IncidentNoticeRule r;
    for (const std::string& name : rule.incident_kinds) {
      // contacts names kinds as conduct.v1 does, lower case ("abusive_written_message").
      for (int k = 1; k <= kMaxIncidentKind; ++k) {
        if (absl::StrReplaceAll(name, {{"_", " "}}) == IncidentKindName(static_cast<IncidentKind>(k))) {
          r.kinds.push_back(static_cast<IncidentKind>(k));
        }
      }
    }
    // directory::Channel's values are conduct's for email..SMS.
    for (directory::Channel c : rule.channels) r.channels.push_back(static_cast<Channel>(static_cast<int>(c)));
    r.reporter_line_manager = rule.reporter_line_manager;
    r.immediate = rule.immediate;
    for (const directory::RoleRef& ref : rule.notify) {
      switch (ref.kind) {
        case directory::RoleRef::Kind::kRole:
          for (const auto& [id, member] : school.staff) {
            if (member.HasRole(ref.value)) {
              r.named.push_back({directory::StaffName(school_id, id), ReferralBasis::kRole, ref.value, rule.immediate});
            }
          }
          break;
        case directory::RoleRef::Kind::kStaff:
          r.named.push_back({directory::StaffName(school_id, ref.value), ReferralBasis::kStaff, "", rule.immediate});
          break;
        case directory::RoleRef::Kind::kExternalContact:
          r.named.push_back({absl::StrCat("schools/", school_id, "/externalContacts/", ref.value),
                             ReferralBasis::kExternalContact, "", rule.immediate});
          break;
        case directory::RoleRef::Kind::kRelation:
          break;  // contacts refuses these in incident notices: there is no pupil to relate to
      }
    }
    out.push_back(std::move(r));
  }
  return out;
}

absl::StatusOr<absl::Time> ReplicaDirectory::NextWorkingTime(const std::string& school_id, const std::string& staff,
                                                             absl::Time at) {
  PARLEY_ASSIGN_OR_RETURN(std::shared_ptr<const directory::ReplicaView> view, replica_->View());
  const directory::Snapshot* snapshot = view->School(school_id);
  if (snapshot == nullptr) return NotFound(reason::kSchoolNotFound, absl::StrCat("no school ", school_id));
  auto id = directory::ParseSchoolScoped(staff, "staff");
  if (!id || id->first != school_id || snapshot->FindStaff(id->first, id->second) == nullptr) {
    return NotFound(reason::kStaffNotFound, absl::StrCat("no staff member ", staff));
  }
  // The first instant inside the member's working periods: the clock start of a deadline on
  // their calendar, as contacts computes it.
  absl::StatusOr<std::pair<absl::Time, absl::Time>> period =
      snapshot->OwnerCalendarOf(id->first, id->second)->PeriodAtOrAfter(at);
  if (!period.ok()) {
    return FailedPrecondition(reason::kCalendarExhausted,
                              absl::StrCat("no working period for ", staff, " after ",
                                           absl::FormatTime("%Y-%m-%d", at, absl::UTCTimeZone())));
  }
  return std::max(at, period->first);
}

}  // namespace parley::conduct
