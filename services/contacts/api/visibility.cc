#include "services/contacts/api/visibility.h"

#include <algorithm>

#include "services/contacts/api/resource_names.h"

namespace parley::contacts {
namespace {

// The staff id of a staff caller at `school_id`, or "" for any other caller.
std::string StaffIdAt(const auth::Grant& caller, const std::string& school_id) {
  absl::StatusOr<std::pair<std::string, std::string>> staff = ParseStaffName(caller.subject());
  if (!staff.ok() || staff->first != school_id) return "";
  return staff->second;
}

// Whether the guardian is linked to the pupil and may be given information about them: a court
// order that they receive none hides the child's record from them (whatever its end date: the
// order is the school's to lift, by removing the flag).
bool LinkedTo(const Guardian& guardian, const std::string& school_id, const std::string& pupil_id) {
  return std::any_of(guardian.pupils.begin(), guardian.pupils.end(), [&](const PupilLink& l) {
    return l.school_id == school_id && l.pupil_id == pupil_id &&
           !(l.court_order.has_value() && l.court_order->no_information);
  });
}

}  // namespace

bool Teaches(const Pupil& pupil, const std::string& staff_id) {
  if (staff_id.empty()) return false;
  if (pupil.class_teacher == staff_id || pupil.form_tutor == staff_id) return true;
  return std::any_of(pupil.subject_teachers.begin(), pupil.subject_teachers.end(),
                     [&](const SubjectTeacher& t) { return t.teacher == staff_id; });
}

const Guardian* CallerAsGuardian(const Snapshot& snapshot, const auth::Grant& caller) {
  if (!caller.principal().HasRole(auth::kGuardian)) return nullptr;
  absl::StatusOr<std::string> id = ParseGuardianName(caller.subject());
  return id.ok() ? snapshot.FindGuardian(*id) : nullptr;
}

bool MaySeePupil(const Snapshot& snapshot, const auth::Grant& caller, auth::Reach reach, const Pupil& pupil) {
  if (reach != auth::Reach::kOwn) return reach != auth::Reach::kNone;
  const Guardian* self = CallerAsGuardian(snapshot, caller);
  return self != nullptr && LinkedTo(*self, pupil.school_id, pupil.id);
}

bool MaySeeGuardian(const Snapshot& snapshot, const auth::Grant& caller, const Guardian& guardian) {
  if (caller.IsSelf(GuardianName(guardian.id))) return true;
  for (const PupilLink& link : guardian.pupils) {
    absl::StatusOr<auth::Reach> reach = caller.At(link.school_id);
    if (!reach.ok()) continue;
    if (*reach >= auth::Reach::kSchool) return true;
    if (*reach == auth::Reach::kTaught) {
      const Pupil* pupil = snapshot.FindPupil(link.school_id, link.pupil_id);
      if (pupil != nullptr && Teaches(*pupil, StaffIdAt(caller, link.school_id))) return true;
    }
  }
  return false;
}

Guardian GuardianAsSeenBy(const auth::Grant& caller, const Guardian& guardian) {
  if (caller.IsSelf(GuardianName(guardian.id)) || caller.ReachesTrust()) return guardian;
  Guardian shown = guardian;
  shown.pupils.erase(std::remove_if(shown.pupils.begin(), shown.pupils.end(),
                                    [&](const PupilLink& l) { return !caller.Covers(l.school_id); }),
                     shown.pupils.end());
  return shown;
}

Staff StaffAsSeenBy(auth::Reach reach, const Staff& staff) {
  if (reach != auth::Reach::kPublic) return staff;
  Staff shown;
  shown.school_id = staff.school_id;
  shown.id = staff.id;
  shown.display_name = staff.display_name;
  shown.roles = staff.roles;
  shown.subjects = staff.subjects;
  shown.year_groups = staff.year_groups;
  shown.etag = staff.etag;
  shown.update_time = staff.update_time;
  return shown;
}

}  // namespace parley::contacts
