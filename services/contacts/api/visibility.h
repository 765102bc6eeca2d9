// What one caller may see of the directory: the access model's reach (common/auth/access.h)
// applied to contacts' records. A guardian sees their own record and their own children; a teacher
// the guardians of the pupils they teach; a guardian's links to pupils at schools the caller does
// not cover (and the court orders on them) are left out of what the caller is shown; staff
// contact details are shown only to staff.
#pragma once

#include <set>
#include <string>

#include "common/auth/access.h"
#include "services/contacts/domain/model.h"

namespace parley::contacts {

// Whether `pupil` is taught by staff `staff_id` of its school: class teacher, form tutor or a
// subject teacher.
bool Teaches(const Pupil& pupil, const std::string& staff_id);

// The caller as a guardian of the directory, or nullptr when the caller is not a guardian or their
// record does not exist.
const Guardian* CallerAsGuardian(const Snapshot& snapshot, const auth::Grant& caller);

// Whether the caller, with `reach` at the pupil's school, may see `pupil`: kOwn only their own
// children (not one a court order says they receive no information about), wider reaches every
// pupil of the school.
bool MaySeePupil(const Snapshot& snapshot, const auth::Grant& caller, auth::Reach reach, const Pupil& pupil);

// Whether the caller may see `guardian` at all: themselves; with kTaught, a guardian of a pupil
// they teach; with kSchool, a guardian of any pupil at a school they cover; with kTrust, anyone.
bool MaySeeGuardian(const Snapshot& snapshot, const auth::Grant& caller, const Guardian& guardian);

// `guardian` as the caller may be shown it: their own record and trust-wide readers see it whole;
// anyone else only its links to pupils at schools they cover (with those links' court orders).
Guardian GuardianAsSeenBy(const auth::Grant& caller, const Guardian& guardian);

// `staff` as the caller may be shown it at `reach`: kPublic is name, roles, subjects and year
// groups only (no email, line manager or working pattern).
Staff StaffAsSeenBy(auth::Reach reach, const Staff& staff);

}  // namespace parley::contacts
