#include "services/appointments/testing/request_fakes.h"

#include <algorithm>

#include "absl/strings/str_cat.h"
#include "common/status/reason.h"
#include "common/status/reasons.h"
#include "common/status/status_macros.h"

namespace parley::appointments::testing {

// ---- directory ------------------------------------------------------------------------------------

void FakeRequestDirectory::AddSchool(const std::string& school, std::shared_ptr<const calendar::Calendar> cal) {
  absl::MutexLock lock(&mu_);
  schools_[school] = std::move(cal);
}
void FakeRequestDirectory::AddStaff(const std::string& school, const std::string& staff, Member member) {
  absl::MutexLock lock(&mu_);
  staff_[{school, staff}] = std::move(member);
}
void FakeRequestDirectory::SetRole(const std::string& school, const std::string& pupil, WantedRole role,
                                   const std::string& staff) {
  absl::MutexLock lock(&mu_);
  roles_[{school, pupil, role}] = staff;
}
void FakeRequestDirectory::Link(const std::string& guardian, const std::string& school, const std::string& pupil,
                                bool excluded) {
  absl::MutexLock lock(&mu_);
  links_[guardian].push_back(GuardianLink{school, pupil, excluded});
}
void FakeRequestDirectory::SetPromise(const std::string& school, directory::Channel channel, directory::Stage stage,
                                      Promise promise) {
  absl::MutexLock lock(&mu_);
  promises_[{school, channel, stage}] = std::move(promise);
}

absl::StatusOr<absl::TimeZone> FakeRequestDirectory::TimeZoneOf(const std::string& school_id) {
  absl::MutexLock lock(&mu_);
  auto it = schools_.find(school_id);
  if (it == schools_.end()) return NotFound(reason::kSchoolNotFound, absl::StrCat("school ", school_id));
  return it->second->zone();
}

absl::Status FakeRequestDirectory::CheckStaff(const std::string& school_id, const std::string& staff_id, absl::Time) {
  absl::MutexLock lock(&mu_);
  if (staff_.count({school_id, staff_id}) == 0) {
    return NotFound(reason::kStaffNotFound, absl::StrCat("staff ", staff_id, " not found at school ", school_id));
  }
  return absl::OkStatus();
}

absl::StatusOr<std::string> FakeRequestDirectory::StaffForRole(const std::string& school_id,
                                                               const std::string& pupil_id, WantedRole role) {
  absl::MutexLock lock(&mu_);
  auto it = roles_.find({school_id, pupil_id, role});
  if (it == roles_.end()) return FailedPrecondition(reason::kNoStaffForRole, "nobody holds that role for the pupil");
  return it->second;
}

absl::StatusOr<std::string> FakeRequestDirectory::HeadOf(const std::string& school_id) {
  absl::MutexLock lock(&mu_);
  for (const auto& [key, staff] : roles_) {
    if (std::get<0>(key) == school_id && std::get<2>(key) == WantedRole::kHead) return staff;
  }
  return FailedPrecondition(reason::kNoHead, absl::StrCat("school ", school_id, " has no head"));
}

absl::StatusOr<std::string> FakeRequestDirectory::LineManagerOf(const std::string& school_id,
                                                                const std::string& staff_id) {
  absl::MutexLock lock(&mu_);
  auto it = staff_.find({school_id, staff_id});
  if (it == staff_.end()) return NotFound(reason::kStaffNotFound, absl::StrCat("staff ", staff_id));
  return it->second.line_manager;
}

absl::StatusOr<std::vector<GuardianLink>> FakeRequestDirectory::LinksOfGuardian(const std::string& guardian_id,
                                                                                absl::Time) {
  absl::MutexLock lock(&mu_);
  auto it = links_.find(guardian_id);
  return it == links_.end() ? std::vector<GuardianLink>() : it->second;
}

absl::StatusOr<std::vector<std::string>> FakeRequestDirectory::GuardiansOf(const std::string& school_id,
                                                                           const std::string& pupil_id) {
  absl::MutexLock lock(&mu_);
  std::vector<std::string> out;
  for (const auto& [guardian, links] : links_) {
    for (const GuardianLink& l : links) {
      if (l.school_id == school_id && l.pupil_id == pupil_id) out.push_back(guardian);
    }
  }
  return out;
}

absl::StatusOr<StaffTime> FakeRequestDirectory::StaffTimeOf(const std::string& school_id, const std::string& staff_id) {
  absl::MutexLock lock(&mu_);
  auto it = staff_.find({school_id, staff_id});
  if (it == staff_.end()) {
    return NotFound(reason::kStaffNotFound, absl::StrCat("staff ", staff_id, " not found at school ", school_id));
  }
  return StaffTime{it->second.calendar, it->second.teaching_hours};
}

absl::StatusOr<std::optional<PolicyDue>> FakeRequestDirectory::Due(const std::string& school_id,
                                                                   directory::Channel channel, directory::Stage stage,
                                                                   absl::Time received, const std::string&,
                                                                   const std::string&) {
  absl::MutexLock lock(&mu_);
  auto p = promises_.find({school_id, channel, stage});
  if (p == promises_.end()) return std::optional<PolicyDue>();
  auto school = schools_.find(school_id);
  if (school == schools_.end()) return NotFound(reason::kSchoolNotFound, absl::StrCat("school ", school_id));
  calendar::Budget budget;
  budget.working_days = p->second.working_days;
  PARLEY_ASSIGN_OR_RETURN(calendar::Deadline d, calendar::ComputeDeadline(*school->second, budget, received));
  PolicyDue due;
  due.clock_start = d.clock_start;
  due.due = *d.due;
  due.policy_text = p->second.policy_text;
  due.calendar_version = school->second->Fingerprint();
  due.explanation = calendar::Summarize(d, *school->second);
  return std::optional<PolicyDue>(std::move(due));
}

// ---- settings -------------------------------------------------------------------------------------

// ---- bookings -------------------------------------------------------------------------------------

bool FakeBookings::Live(const Booking& b, absl::Time now) {
  return b.state == BookingState::kConfirmed || b.state == BookingState::kNoShow ||
         (b.state == BookingState::kHeld && b.hold_expires && *b.hold_expires > now);
}

absl::StatusOr<std::vector<Booking>> FakeBookings::Write(const RequestKey& key, std::vector<Booking> bookings,
                                                         bool confirmed, absl::Duration lease, absl::Time now) {
  const std::string done_key = absl::StrCat(key.scope, "/", key.request_id);
  if (auto it = done_.find(done_key); it != done_.end()) return it->second;
  PARLEY_RETURN_IF_ERROR(CheckNewBookings(bookings));
  for (const Booking& b : bookings) {
    for (const Booking& other : bookings_) {
      if (other.school_id != b.school_id || !Live(other, now) || !other.during.Overlaps(b.during)) continue;
      for (const Occupant& o : OccupantsOf(b)) {
        const std::vector<Occupant> theirs = OccupantsOf(other);
        if (std::find(theirs.begin(), theirs.end(), o) != theirs.end()) {
          return Aborted(reason::kSlotTaken, absl::StrCat("slot just taken: a ", OccupantKindName(o.kind),
                                                          "'s time overlaps another booking"));
        }
      }
    }
  }
  const std::string hold = absl::StrCat("h-", next_id_);
  for (Booking& b : bookings) {
    b.state = confirmed ? BookingState::kConfirmed : BookingState::kHeld;
    b.hold_id = hold;
    if (!confirmed) b.hold_expires = now + lease;
    b.create_time = b.update_time = now;
    b.etag = "1";
    bookings_.push_back(b);
  }
  ++next_id_;
  done_[done_key] = bookings;
  return bookings;
}

absl::StatusOr<std::vector<Booking>> FakeBookings::Hold(const RequestKey& key, const std::vector<Booking>& bookings,
                                                        absl::Duration lease, absl::Time now) {
  absl::MutexLock lock(&mu_);
  return Write(key, bookings, false, lease, now);
}

absl::StatusOr<std::vector<Booking>> FakeBookings::Confirm(const RequestKey&, const std::string& school_id,
                                                           const std::string& hold_id,
                                                           const std::vector<std::string>& booking_ids,
                                                           absl::Time now) {
  absl::MutexLock lock(&mu_);
  std::vector<Booking> out;
  for (Booking& b : bookings_) {
    if (b.school_id != school_id || b.hold_id != hold_id) continue;
    if (std::find(booking_ids.begin(), booking_ids.end(), b.id) == booking_ids.end()) {
      return FailedPrecondition(reason::kHoldMismatch, "not the whole hold");
    }
    if (b.state == BookingState::kHeld && b.hold_expires && *b.hold_expires <= now) {
      return FailedPrecondition(reason::kHoldExpired, "the hold's lease ran out");
    }
    b.state = BookingState::kConfirmed;
    b.hold_expires.reset();
    out.push_back(b);
  }
  if (out.size() != booking_ids.size()) return NotFound(reason::kBookingNotFound, "a booking is not in the hold");
  return out;
}

absl::StatusOr<std::vector<Booking>> FakeBookings::Book(const RequestKey& key, const std::vector<Booking>& bookings,
                                                        absl::Time now) {
  absl::MutexLock lock(&mu_);
  return Write(key, bookings, true, absl::ZeroDuration(), now);
}

absl::StatusOr<Booking> FakeBookings::Cancel(const RequestKey&, const std::string& school_id, const std::string& id,
                                             const std::string& reason, absl::Time now) {
  absl::MutexLock lock(&mu_);
  for (Booking& b : bookings_) {
    if (b.school_id != school_id || b.id != id) continue;
    if (b.state != BookingState::kHeld && b.state != BookingState::kConfirmed) {
      return FailedPrecondition(reason::kWrongState, absl::StrCat("booking ", id, " is not held or confirmed"));
    }
    b.state = BookingState::kCancelled;
    b.cancel_reason = reason;
    b.update_time = now;
    return b;
  }
  return NotFound(reason::kBookingNotFound, absl::StrCat("booking ", id));
}

absl::StatusOr<Booking> FakeBookings::MarkNoShow(const RequestKey&, const std::string& school_id, const std::string& id,
                                                 absl::Time now) {
  absl::MutexLock lock(&mu_);
  for (Booking& b : bookings_) {
    if (b.school_id != school_id || b.id != id) continue;
    if (b.state != BookingState::kConfirmed || now < b.during.start) {
      return FailedPrecondition(reason::kWrongState, absl::StrCat("booking ", id, " is not a started confirmed one"));
    }
    b.state = BookingState::kNoShow;
    return b;
  }
  return NotFound(reason::kBookingNotFound, absl::StrCat("booking ", id));
}

absl::StatusOr<Booking> FakeBookings::Get(const std::string& school_id, const std::string& id) {
  absl::MutexLock lock(&mu_);
  for (const Booking& b : bookings_) {
    if (b.school_id == school_id && b.id == id) return b;
  }
  return NotFound(reason::kBookingNotFound, absl::StrCat("booking ", id));
}

absl::StatusOr<std::vector<Interval>> FakeBookings::ListBusy(const std::string& school_id, const Occupant& who,
                                                             absl::Time from, absl::Time to, absl::Time now) {
  absl::MutexLock lock(&mu_);
  std::vector<Interval> out;
  for (const Booking& b : bookings_) {
    if (b.school_id != school_id || !Live(b, now) || !b.during.Overlaps(Interval{from, to})) continue;
    const std::vector<Occupant> occupants = OccupantsOf(b);
    if (std::find(occupants.begin(), occupants.end(), who) != occupants.end()) out.push_back(b.during);
  }
  std::sort(out.begin(), out.end());
  return out;
}

absl::StatusOr<std::vector<Booking>> FakeBookings::ListEveningBookings(const std::string& school_id,
                                                                       const std::string& evening_id) {
  absl::MutexLock lock(&mu_);
  std::vector<Booking> out;
  for (const Booking& b : bookings_) {
    if (b.school_id == school_id && b.evening_id == evening_id) out.push_back(b);
  }
  return out;
}

absl::StatusOr<int64_t> FakeBookings::SweepExpiredHolds(absl::Time now, int limit) {
  absl::MutexLock lock(&mu_);
  int64_t n = 0;
  for (Booking& b : bookings_) {
    if (n >= limit) break;
    if (b.state == BookingState::kHeld && b.hold_expires && *b.hold_expires <= now) {
      b.state = BookingState::kLapsed;
      ++n;
    }
  }
  return n;
}

absl::StatusOr<Booking> FakeBookings::BookForRequest(const RequestKey& key, const MeetingRequest& request,
                                                     const MeetingSlot& slot, const std::string& actor,
                                                     absl::Time now) {
  absl::MutexLock lock(&mu_);
  ++booker_calls_;
  Booking b;
  b.id = absl::StrCat("b-", request.id, "-", next_id_);
  b.school_id = request.school_id;
  b.kind = request.kind == RequestKind::kCall ? BookingKind::kCall : BookingKind::kMeeting;
  b.during = slot.time;
  b.mode = static_cast<MeetingMode>(slot.mode);
  b.staff_ids = {slot.staff};
  b.guardian_ids = {request.guardian};
  b.pupil_ids = request.pupils;
  b.created_by = actor;
  PARLEY_ASSIGN_OR_RETURN(std::vector<Booking> booked, Write(key, {b}, true, absl::ZeroDuration(), now));
  return booked.front();
}

absl::Status FakeBookings::CancelForRequest(const RequestKey& key, const std::string& school_id,
                                            const std::string& booking_id, const std::string& reason, absl::Time now) {
  absl::StatusOr<Booking> cancelled = Cancel(key, school_id, booking_id, reason, now);
  return cancelled.status();
}

int FakeBookings::booker_calls() const {
  absl::MutexLock lock(&mu_);
  return booker_calls_;
}

}  // namespace parley::appointments::testing
