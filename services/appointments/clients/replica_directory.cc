#include "services/appointments/clients/replica_directory.h"

#include <algorithm>
#include <initializer_list>

#include "absl/strings/str_cat.h"
#include "common/directory/deadlines.h"
#include "common/directory/model.h"
#include "common/status/reason.h"
#include "common/status/status_macros.h"

namespace parley::appointments {
namespace {

// The directory's role names for the people a guardian may ask to see. Schools name their heads
// and deputies differently (a primary's headteacher, an academy's principal and vice principals).
const std::initializer_list<const char*> kHeadRoles = {"headteacher", "principal", "head_of_school"};
const std::initializer_list<const char*> kDeputyRoles = {
    "deputy_head",    "vice_principal_pastoral", "vice_principal_teaching_learning",
    "vice_principal", "assistant_principal",     "assistant_head"};

absl::Status StaffNotFound(const std::string& school_id, const std::string& staff_id) {
  return NotFound(reason::kStaffNotFound,
                  absl::StrCat("staff ", staff_id, " is not on the staff of school ", school_id));
}

absl::Status Nobody(const std::string& school_id, const std::string& who) {
  return FailedPrecondition(reason::kNoStaffForRole,
                            absl::StrCat("school ", school_id, " has no ", who, " in its directory"));
}

// The first member (in id order) holding any of `roles`, and available on the day.
const directory::Staff* FirstWithRole(const directory::SchoolDirectory& school,
                                      std::initializer_list<const char*> roles) {
  for (const char* role : roles) {
    for (const auto& [id, member] : school.staff) {
      if (member.HasRole(role)) return &member;
    }
  }
  return nullptr;
}

}  // namespace

absl::StatusOr<const directory::Snapshot*> ReplicaDirectory::SchoolSnapshot(
    const std::string& school_id, std::shared_ptr<const directory::ReplicaView>& view) const {
  PARLEY_ASSIGN_OR_RETURN(view, replica_->View());
  const directory::Snapshot* snapshot = view->School(school_id);
  if (snapshot == nullptr) {
    return NotFound(reason::kSchoolNotFound, absl::StrCat("school ", school_id, " does not exist"));
  }
  return snapshot;
}

absl::StatusOr<absl::TimeZone> ReplicaDirectory::TimeZoneOf(const std::string& school_id) {
  std::shared_ptr<const directory::ReplicaView> view;
  PARLEY_ASSIGN_OR_RETURN(const directory::Snapshot* snapshot, SchoolSnapshot(school_id, view));
  std::shared_ptr<const calendar::Calendar> calendar = snapshot->SchoolCalendarOf(school_id);
  return calendar ? calendar->zone() : absl::UTCTimeZone();
}

absl::Status ReplicaDirectory::CheckStaff(const std::string& school_id, const std::string& staff_id, absl::Time at) {
  std::shared_ptr<const directory::ReplicaView> view;
  PARLEY_ASSIGN_OR_RETURN(const directory::Snapshot* snapshot, SchoolSnapshot(school_id, view));
  const directory::Staff* member = snapshot->FindStaff(school_id, staff_id);
  if (member == nullptr) return StaffNotFound(school_id, staff_id);
  std::shared_ptr<const calendar::Calendar> calendar = snapshot->SchoolCalendarOf(school_id);
  const absl::TimeZone zone = calendar ? calendar->zone() : absl::UTCTimeZone();
  if (member->AvailabilityOn(absl::ToCivilDay(at, zone)) == directory::Staff::Availability::kLeft) {
    return StaffNotFound(school_id, staff_id);
  }
  return absl::OkStatus();
}

absl::StatusOr<std::string> ReplicaDirectory::StaffForRole(const std::string& school_id, const std::string& pupil_id,
                                                           WantedRole role) {
  std::shared_ptr<const directory::ReplicaView> view;
  PARLEY_ASSIGN_OR_RETURN(const directory::Snapshot* snapshot, SchoolSnapshot(school_id, view));
  const directory::Pupil* pupil = snapshot->FindPupil(school_id, pupil_id);
  if (pupil == nullptr) {
    return NotFound(reason::kPupilNotFound, absl::StrCat("pupil ", pupil_id, " is not on roll at school ", school_id));
  }
  const directory::SchoolDirectory& school = *snapshot->FindSchool(school_id);
  auto on_staff = [&](const std::string& id) { return !id.empty() && school.staff.count(id) > 0; };
  switch (role) {
    case WantedRole::kNamed:
      return InvalidArgument(reason::kInvalidField, "a member of staff named directly has no role to resolve");
    case WantedRole::kClassTeacher:
      // A secondary pupil has a form tutor where a primary pupil has a class teacher.
      if (on_staff(pupil->class_teacher)) return pupil->class_teacher;
      if (on_staff(pupil->form_tutor)) return pupil->form_tutor;
      return Nobody(school_id, absl::StrCat("class teacher or form tutor for pupil ", pupil_id));
    case WantedRole::kHeadOfYear: {
      // The head of the pupil's year; a primary's phase or key stage leader covering it.
      for (const char* r : {"head_of_year", "phase_leader", "key_stage_leader"}) {
        for (const auto& [id, member] : school.staff) {
          if (member.HasRole(r) && std::find(member.year_groups.begin(), member.year_groups.end(), pupil->year_group) !=
                                       member.year_groups.end()) {
            return id;
          }
        }
      }
      return Nobody(school_id, absl::StrCat("head of year for year ", pupil->year_group));
    }
    case WantedRole::kSenco:
      if (const directory::Staff* m = FirstWithRole(school, {"senco", "inclusion_coordinator"})) return m->id;
      return Nobody(school_id, "SENCo");
    case WantedRole::kDeputy:
      if (const directory::Staff* m = FirstWithRole(school, kDeputyRoles)) return m->id;
      return Nobody(school_id, "deputy head");
    case WantedRole::kHead:
      return HeadOf(school_id);
  }
  return InvalidArgument(reason::kInvalidField, "unknown role");
}

absl::StatusOr<std::string> ReplicaDirectory::HeadOf(const std::string& school_id) {
  std::shared_ptr<const directory::ReplicaView> view;
  PARLEY_ASSIGN_OR_RETURN(const directory::Snapshot* snapshot, SchoolSnapshot(school_id, view));
  if (const directory::Staff* m = FirstWithRole(*snapshot->FindSchool(school_id), kHeadRoles)) return m->id;
  return Nobody(school_id, "head");
}

absl::StatusOr<std::string> ReplicaDirectory::LineManagerOf(const std::string& school_id, const std::string& staff_id) {
  std::shared_ptr<const directory::ReplicaView> view;
  PARLEY_ASSIGN_OR_RETURN(const directory::Snapshot* snapshot, SchoolSnapshot(school_id, view));
  const directory::Staff* member = snapshot->FindStaff(school_id, staff_id);
  if (member == nullptr) return StaffNotFound(school_id, staff_id);
  return member->line_manager;
}

absl::StatusOr<std::vector<GuardianLink>> ReplicaDirectory::LinksOfGuardian(const std::string& guardian_id,
                                                                            absl::Time at) {
  PARLEY_ASSIGN_OR_RETURN(std::shared_ptr<const directory::ReplicaView> view, replica_->View());
  std::vector<GuardianLink> links;
  for (const directory::PupilLink& link : view->LinksOfGuardian(guardian_id)) {
    const directory::Snapshot* snapshot = view->School(link.school_id);
    auto calendar = snapshot == nullptr ? nullptr : snapshot->SchoolCalendarOf(link.school_id);
    const absl::TimeZone zone = calendar ? calendar->zone() : absl::UTCTimeZone();
    const directory::Pupil* pupil = snapshot == nullptr ? nullptr : snapshot->FindPupil(link.school_id, link.pupil_id);
    links.push_back(GuardianLink{link.school_id, link.pupil_id,
                                 directory::CourtOrderExcludes(link, absl::ToCivilDay(at, zone)),
                                 pupil == nullptr ? -1 : pupil->year_group});
  }
  return links;
}

absl::StatusOr<std::vector<std::string>> ReplicaDirectory::GuardiansOf(const std::string& school_id,
                                                                       const std::string& pupil_id) {
  std::shared_ptr<const directory::ReplicaView> view;
  PARLEY_ASSIGN_OR_RETURN(const directory::Snapshot* snapshot, SchoolSnapshot(school_id, view));
  if (snapshot->FindPupil(school_id, pupil_id) == nullptr) {
    return NotFound(reason::kPupilNotFound, absl::StrCat("pupil ", pupil_id, " is not on roll at school ", school_id));
  }
  std::vector<std::string> ids;
  for (const directory::Guardian* g : snapshot->GuardiansOfPupil(school_id, pupil_id)) ids.push_back(g->id);
  return ids;
}

absl::StatusOr<StaffTime> ReplicaDirectory::StaffTimeOf(const std::string& school_id, const std::string& staff_id) {
  std::shared_ptr<const directory::ReplicaView> view;
  PARLEY_ASSIGN_OR_RETURN(const directory::Snapshot* snapshot, SchoolSnapshot(school_id, view));
  const directory::Staff* member = snapshot->FindStaff(school_id, staff_id);
  if (member == nullptr) return StaffNotFound(school_id, staff_id);
  StaffTime t;
  // The calendar is shared with the snapshot: it lives as long as this pointer, whatever the replica
  // swaps in meanwhile.
  t.calendar = snapshot->OwnerCalendarOf(school_id, staff_id);
  if (member->Teaches()) t.teaching_hours = snapshot->FindSchool(school_id)->school.calendar.teaching_hours;
  return t;
}

absl::StatusOr<std::optional<PolicyDue>> ReplicaDirectory::Due(const std::string& school_id, directory::Channel channel,
                                                               directory::Stage stage, absl::Time received,
                                                               const std::string& owner, const std::string& category) {
  std::shared_ptr<const directory::ReplicaView> view;
  PARLEY_ASSIGN_OR_RETURN(const directory::Snapshot* snapshot, SchoolSnapshot(school_id, view));
  directory::DeadlineQuery query;
  query.school_id = school_id;
  query.channel = channel;
  query.stage = stage;
  query.received = received;
  query.owner_id = owner;
  query.category = category;
  query.explain = true;
  absl::StatusOr<directory::DeadlineAnswer> answer = directory::ComputeDeadline(*snapshot, query);
  // Where the school promises nothing for this channel and stage, the request runs no clock.
  if (!answer.ok() && ErrorReason(answer.status()) == reason::kNoPolicyRule) return std::optional<PolicyDue>();
  if (!answer.ok()) return answer.status();
  PolicyDue due;
  due.clock_start = answer->deadline.clock_start;
  // No pauses are asked for, so the clock always has a due instant.
  if (!answer->deadline.due.has_value()) {
    return Internal(reason::kInternal, "the policy clock gave no due instant for an unpaused request");
  }
  due.due = *answer->deadline.due;
  due.policy_text = answer->policy_text;
  due.owner = answer->clock_calendar == directory::ClockCalendar::kOwner ? owner : std::string();
  due.calendar_version = answer->calendar_version;
  due.explanation = answer->summary;
  return std::optional<PolicyDue>(std::move(due));
}

}  // namespace parley::appointments
