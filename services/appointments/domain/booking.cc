#include "services/appointments/domain/booking.h"

#include <algorithm>
#include <set>
#include <utility>

#include "absl/strings/str_cat.h"
#include "common/status/reason.h"
#include "common/status/reasons.h"
#include "common/status/status_macros.h"

namespace parley::appointments {
namespace {

absl::Status Invalid(const Booking& b, absl::string_view what) {
  return InvalidArgument(reason::kInvalidBooking, absl::StrCat("booking ", b.id, ": ", what));
}

// Each id at most once in a list, none empty.
absl::Status CheckIds(const Booking& b, const std::vector<std::string>& ids, absl::string_view what) {
  std::set<std::string> seen;
  for (const std::string& id : ids) {
    if (id.empty()) return Invalid(b, absl::StrCat("a ", what, " id is empty"));
    if (!seen.insert(id).second) return Invalid(b, absl::StrCat("a ", what, " is named twice"));
  }
  return absl::OkStatus();
}

}  // namespace

absl::string_view OccupantKindName(OccupantKind kind) {
  switch (kind) {
    case OccupantKind::kStaff:
      return "staff";
    case OccupantKind::kGuardian:
      return "guardian";
    case OccupantKind::kInterpreter:
      return "interpreter";
    case OccupantKind::kRoom:
      return "room";
  }
  return "unknown";
}

std::vector<Occupant> OccupantsOf(const Booking& b) {
  std::vector<Occupant> out;
  for (const std::string& id : b.staff_ids) out.push_back({OccupantKind::kStaff, id});
  for (const std::string& id : b.guardian_ids) out.push_back({OccupantKind::kGuardian, id});
  if (b.interpreter) out.push_back({OccupantKind::kInterpreter, b.interpreter->id});
  if (b.room) out.push_back({OccupantKind::kRoom, *b.room});
  return out;
}

absl::Status CheckNewBookings(const std::vector<Booking>& bookings) {
  if (bookings.empty()) return InvalidArgument(reason::kInvalidBooking, "no bookings to write");
  std::set<std::string> ids;
  for (const Booking& b : bookings) {
    if (b.id.empty()) return InvalidArgument(reason::kInvalidBooking, "a booking has no id");
    if (!ids.insert(b.id).second) return Invalid(b, "the id is given twice");
    if (b.school_id.empty()) return Invalid(b, "no school");
    if (b.school_id != bookings.front().school_id) return Invalid(b, "bookings written together are of one school");
    if (b.during.empty()) return Invalid(b, "it must end after it starts");
    if (b.staff_ids.empty() && b.guardian_ids.empty()) return Invalid(b, "it needs a member of staff or a guardian");
    if (b.evening_id && b.evening_id->empty()) return Invalid(b, "the evening id is empty");
    if (b.interpreter && (b.interpreter->id.empty() || b.interpreter->language.empty())) {
      return Invalid(b, "an interpreter needs an id and a language");
    }
    if (b.room && b.room->empty()) return Invalid(b, "the room is empty");
    if (b.language && b.language->empty()) return Invalid(b, "the language is empty");
    if (b.language && b.interpreter && b.interpreter->language != *b.language) {
      return Invalid(b, "the interpreter's language is not the meeting's");
    }
    for (const auto& [staff, role] : b.staff_roles) {
      if (std::find(b.staff_ids.begin(), b.staff_ids.end(), staff) == b.staff_ids.end()) {
        return Invalid(b, "a role is given for a member of staff who does not attend");
      }
    }
    for (const std::string& guest : b.guests) {
      if (guest.empty()) return Invalid(b, "a guest has no description");
    }
    if (b.meeting_request_id && b.meeting_request_id->empty()) return Invalid(b, "the meeting request id is empty");
    if (b.created_by.empty()) return Invalid(b, "created_by is empty");
    PARLEY_RETURN_IF_ERROR(CheckIds(b, b.staff_ids, "member of staff"));
    PARLEY_RETURN_IF_ERROR(CheckIds(b, b.guardian_ids, "guardian"));
    PARLEY_RETURN_IF_ERROR(CheckIds(b, b.pupil_ids, "pupil"));
  }
  // A schedule that clashes with itself would be refused by the database as SLOT_TAKEN, which
  // would tell the parent the slot was taken by someone else.
  for (size_t i = 0; i < bookings.size(); ++i) {
    for (size_t j = i + 1; j < bookings.size(); ++j) {
      if (!bookings[i].during.Overlaps(bookings[j].during)) continue;
      for (const Occupant& a : OccupantsOf(bookings[i])) {
        for (const Occupant& b : OccupantsOf(bookings[j])) {
          if (a == b) {
            return Invalid(bookings[j], absl::StrCat("it overlaps booking ", bookings[i].id, " for the same ",
                                                     OccupantKindName(a.kind)));
          }
        }
      }
    }
  }
  return absl::OkStatus();
}

}  // namespace parley::appointments
