#include "services/appointments/domain/booking_service.h"

#include <algorithm>
#include <set>
#include <utility>

#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "common/status/reason.h"
#include "common/status/reasons.h"
#include "common/status/status_macros.h"
#include "services/appointments/domain/availability.h"

namespace parley::appointments {
namespace {

constexpr absl::Duration kLongestListWindow = absl::Hours(24 * 93);

std::string BookingName(const Booking& b) { return absl::StrCat("schools/", b.school_id, "/bookings/", b.id); }

bool Has(const std::vector<std::string>& v, const std::string& x) {
  return std::find(v.begin(), v.end(), x) != v.end();
}

void Drop(std::vector<std::string>& v, const std::string& x) { v.erase(std::remove(v.begin(), v.end(), x), v.end()); }

// A hold whose lease ran out is lapsed, whether or not it was released yet.
Booking AsOf(Booking b, absl::Time now) {
  if (b.state == BookingState::kHeld && b.hold_expires && *b.hold_expires <= now) b.state = BookingState::kLapsed;
  return b;
}

// "Tuesday 8 December 2026 at 15:30", the school's local time.
std::string LocalWhen(absl::Time t, absl::TimeZone zone) {
  return absl::StrCat(absl::FormatTime("%A ", t, zone), absl::ToCivilDay(t, zone).day(),
                      absl::FormatTime(" %B %Y at %H:%M", t, zone));
}

const char* ModeWord(MeetingMode m) {
  switch (m) {
    case MeetingMode::kInPerson:
      return "in person";
    case MeetingMode::kPhone:
      return "phone";
    case MeetingMode::kVideo:
      return "video";
  }
  return "in person";
}

MeetingMode ModeOf(Mode m) {
  switch (m) {
    case Mode::kInPerson:
      return MeetingMode::kInPerson;
    case Mode::kPhone:
      return MeetingMode::kPhone;
    case Mode::kVideo:
      return MeetingMode::kVideo;
  }
  return MeetingMode::kInPerson;
}

Mode ModeOfBooking(MeetingMode m) {
  switch (m) {
    case MeetingMode::kInPerson:
      return Mode::kInPerson;
    case MeetingMode::kPhone:
      return Mode::kPhone;
    case MeetingMode::kVideo:
      return Mode::kVideo;
  }
  return Mode::kInPerson;
}

// A sub-key of `key` for work done on its behalf (the gate's decision, the request's outcome):
// the same on every retry of the call.
RequestKey SubKey(const RequestKey& key, absl::string_view what) {
  return RequestKey{absl::StrCat(key.scope, "/", what),
                    request::DerivedRequestId(absl::StrCat(key.scope, "/", key.request_id, "/", what)),
                    absl::StrCat(key.fingerprint, "/", what)};
}

absl::Status StaleEtag(const Booking& b) {
  return Aborted(reason::kStaleEtag, absl::StrCat("booking ", b.id, " has changed: read it again"));
}

// The gate's words for what it decided, as conduct names them.
std::vector<std::string> OutcomeWords(const MeetingGate& g) {
  std::vector<std::string> out;
  switch (g.outcome) {
    case MeetingGate::Outcome::kAllow:
      out.push_back("ALLOW");
      break;
    case MeetingGate::Outcome::kDefer:
      out.push_back("DEFER");
      break;
    case MeetingGate::Outcome::kRedirect:
      out.push_back("REDIRECT");
      break;
  }
  if (g.requires_second_staff) out.push_back("REQUIRES_SECOND_STAFF");
  if (g.head_informed) out.push_back("HEAD_INFORMED");
  if (g.off_site_only) out.push_back("OFF_SITE_ONLY");
  return out;
}

}  // namespace

const char* RoleWord(WantedRole role) {
  switch (role) {
    case WantedRole::kNamed:
      return "";
    case WantedRole::kClassTeacher:
      return "class_teacher";
    case WantedRole::kHeadOfYear:
      return "head_of_year";
    case WantedRole::kSenco:
      return "senco";
    case WantedRole::kDeputy:
      return "deputy_head";
    case WantedRole::kHead:
      return "headteacher";
  }
  return "";
}

BookingService::BookingService(BookingDetailsStore* store, Directory* directory, Gate* gate, SettingsSource* settings,
                               const Clock* clock)
    : store_(store), directory_(directory), gate_(gate), settings_(settings), clock_(clock) {}

absl::StatusOr<Booking> BookingService::CreateBooking(const RequestKey& key, const NewBooking& booking,
                                                      const BookingCaller& caller) {
  if (caller.guardian_id) {
    return PermissionDenied(reason::kRoleRequired, "bookings are made by the school's staff");
  }
  return Create(key, booking, std::nullopt, caller.actor, caller.staff_id, clock_->Now());
}

absl::Status BookingService::CheckOnStaff(const std::string& school_id, const std::string& staff_id) {
  absl::StatusOr<StaffTime> time = directory_->StaffTimeOf(school_id, staff_id);
  if (absl::IsNotFound(time.status())) {
    return InvalidArgument(reason::kUnknownStaff, absl::StrCat("staff ", staff_id, " is not on this school's staff"));
  }
  return time.status();
}

absl::Status BookingService::CheckStaffFree(const std::string& school_id, const std::string& staff_id,
                                            const Interval& during) {
  absl::StatusOr<StaffTime> time = directory_->StaffTimeOf(school_id, staff_id);
  if (absl::IsNotFound(time.status())) {
    return InvalidArgument(reason::kUnknownStaff, absl::StrCat("staff ", staff_id, " is not on this school's staff"));
  }
  PARLEY_RETURN_IF_ERROR(time.status());
  AvailabilityInput input;
  input.calendar = time->calendar.get();
  input.teaching_hours = time->teaching_hours;
  PARLEY_ASSIGN_OR_RETURN(input.exceptions, settings_->Exceptions(school_id, staff_id, during.start, during.end));
  const std::vector<Interval> free = FreeTime(input, during);
  if (free.size() != 1 || !(free.front() == during)) {
    return InvalidArgument(reason::kInvalidSlot,
                           absl::StrCat("the time is outside staff ", staff_id,
                                        "'s working time (working pattern, school calendar, teaching hours)"));
  }
  return absl::OkStatus();
}

absl::StatusOr<Booking> BookingService::Create(const RequestKey& key, const NewBooking& in,
                                               const std::optional<std::string>& meeting_request_id,
                                               const std::string& actor, const std::optional<std::string>& caller_staff,
                                               absl::Time now) {
  // The shape first: nothing is asked of anyone for a booking that cannot be made.
  if (in.during.empty()) return InvalidArgument(reason::kInvalidSlot, "the booking must end after it starts");
  if (in.held && in.during.end > now) {
    return InvalidArgument(reason::kInvalidSlot, "a meeting recorded as held must have ended");
  }
  if (!in.held && in.during.start <= now) {
    return InvalidArgument(reason::kSlotInPast, "the booking must start in the future");
  }
  if (in.staff.empty()) return InvalidArgument(reason::kInvalidBooking, "a booking needs a member of staff");
  if (in.guardian_ids.empty()) return InvalidArgument(reason::kInvalidBooking, "a booking needs a guardian");
  if (in.kind == BookingKind::kEvening) {
    return InvalidArgument(reason::kInvalidBooking, "parents' evening slots are held through the evening");
  }
  if (in.kind == BookingKind::kCall && in.mode != MeetingMode::kPhone) {
    return InvalidArgument(reason::kInvalidBooking, "an arranged call is by phone");
  }
  if (in.interpreter_id && !in.language) {
    return InvalidArgument(reason::kInvalidBooking, "an interpreter is booked for a language");
  }
  PARLEY_ASSIGN_OR_RETURN(const AppointmentSettings settings, settings_->Settings(in.school_id));

  Booking b;
  b.id = request::DerivedRequestId(absl::StrCat(key.scope, "/", key.request_id, "/booking"));
  b.school_id = in.school_id;
  b.kind = in.kind;
  b.during = in.during;
  b.mode = in.mode;
  b.video_link = in.video_link;
  b.guardian_ids = in.guardian_ids;
  b.pupil_ids = in.pupil_ids;
  b.guests = in.guests;
  b.room = in.room;
  b.meeting_request_id = meeting_request_id;
  b.created_by = actor;
  if (in.language) {
    b.language = absl::AsciiStrToLower(*in.language);
    // An interpreted meeting takes longer: at least the school's interpreted length.
    if (b.during.length() < settings.interpreted_meeting_length) {
      b.during.end = b.during.start + settings.interpreted_meeting_length;
    }
  }

  // Staff by name, or by role for the pupil.
  for (const StaffAttendee& a : in.staff) {
    std::string staff_id = a.staff_id;
    if (a.role != WantedRole::kNamed && !staff_id.empty()) {
      b.staff_roles[staff_id] = RoleWord(a.role);  // resolved for the pupil already (a meeting request)
    } else if (a.role != WantedRole::kNamed) {
      if (in.pupil_ids.empty()) {
        return InvalidArgument(reason::kPupilRequired, "staff are found by role for a pupil: name the pupil");
      }
      PARLEY_ASSIGN_OR_RETURN(staff_id, directory_->StaffForRole(in.school_id, in.pupil_ids.front(), a.role));
      b.staff_roles[staff_id] = RoleWord(a.role);
    } else if (staff_id.empty()) {
      return InvalidArgument(reason::kInvalidBooking, "an attendee needs a member of staff or a role");
    }
    if (Has(b.staff_ids, staff_id)) continue;  // a role resolved to someone already attending
    // A meeting to come must fit the member of staff's working time; one that took place is a fact
    // (only that they are on the school's staff is checked).
    PARLEY_RETURN_IF_ERROR(in.held ? CheckOnStaff(in.school_id, staff_id)
                                   : CheckStaffFree(in.school_id, staff_id, b.during));
    b.staff_ids.push_back(staff_id);
  }

  if (caller_staff && !Has(b.staff_ids, *caller_staff)) {
    return PermissionDenied(reason::kRoleRequired, "a teacher books only meetings they attend");
  }

  // Guardians discuss only their own children, and not where a court order removes contact.
  for (const std::string& guardian : b.guardian_ids) {
    PARLEY_ASSIGN_OR_RETURN(const std::vector<GuardianLink> links, directory_->LinksOfGuardian(guardian, now));
    for (const std::string& pupil : b.pupil_ids) {
      auto link = std::find_if(links.begin(), links.end(), [&](const GuardianLink& l) {
        return l.school_id == in.school_id && l.pupil_id == pupil;
      });
      if (link == links.end()) {
        return FailedPrecondition(reason::kNotLinkedToPupil,
                                  absl::StrCat("guardian ", guardian, " is not linked to pupil ", pupil));
      }
      if (link->excluded) {
        return FailedPrecondition(reason::kCourtOrderExcludes, absl::StrCat("a court order removes guardian ", guardian,
                                                                            "'s contact about pupil ", pupil));
      }
    }
  }

  if (b.language && in.interpreter_id) {
    PARLEY_ASSIGN_OR_RETURN(const Interpreter interpreter, settings_->GetInterpreter(in.school_id, *in.interpreter_id));
    if (!Has(interpreter.languages, *b.language)) {
      return InvalidArgument(reason::kInterpreterLanguageMismatch,
                             absl::StrCat("interpreter ", interpreter.id, " does not interpret ", *b.language));
    }
    b.interpreter = InterpreterBooking{interpreter.id, *b.language};
  }

  if (in.held) {
    // Recorded as it happened: no gate, nothing to wait for, no one to tell.
    b.state = BookingState::kAttended;
    return store_->Create(key, b, std::nullopt, {}, now);
  }

  // The conduct gate, for every guardian; every decision is recorded on the booking.
  bool second_staff = false, head_informed = false;
  for (const std::string& guardian : b.guardian_ids) {
    MeetingGateQuestion q;
    q.school_id = b.school_id;
    q.guardian_id = guardian;
    q.staff_id = b.staff_ids.front();
    q.at = b.during.start;
    q.mode = ModeOfBooking(b.mode);
    q.request_id = SubKey(key, absl::StrCat("gate/", guardian)).request_id;
    PARLEY_ASSIGN_OR_RETURN(const MeetingGate g, gate_->CheckMeeting(q));
    if (g.outcome == MeetingGate::Outcome::kRedirect) {
      return FailedPrecondition(reason::kMeetingRedirected,
                                absl::StrCat("meetings with this guardian go through another point of contact",
                                             g.point_of_contact.empty() ? "" : absl::StrCat(": ", g.point_of_contact)));
    }
    if (g.outcome == MeetingGate::Outcome::kDefer && (!g.next_allowed_time || b.during.start < *g.next_allowed_time)) {
      return FailedPrecondition(
          reason::kMeetingDeferred,
          g.next_allowed_time
              ? absl::StrCat("a meeting with this guardian cannot be held before ",
                             absl::FormatTime(absl::RFC3339_full, *g.next_allowed_time, absl::UTCTimeZone()))
              : std::string("meetings with this guardian are deferred"));
    }
    if (g.off_site_only && b.mode == MeetingMode::kInPerson) {
      return FailedPrecondition(reason::kOffSiteOnly,
                                "a meeting with this guardian is by phone or video only: book it by phone or video");
    }
    second_staff = second_staff || g.requires_second_staff;
    head_informed = head_informed || g.head_informed;
    b.gate.push_back(GateRecord{guardian, g.decision, OutcomeWords(g), g.explanation, now});
  }
  if (second_staff && b.staff_ids.size() < 2) b.waiting_for.push_back(kWaitingSecondStaff);
  if (b.language && !b.interpreter) b.waiting_for.push_back(kWaitingInterpreter);

  std::vector<Notice> notices;
  if (head_informed) {
    PARLEY_ASSIGN_OR_RETURN(const std::string head, directory_->HeadOf(b.school_id));
    if (!Has(b.staff_ids, head)) {
      PARLEY_ASSIGN_OR_RETURN(const absl::TimeZone zone, directory_->TimeZoneOf(b.school_id));
      Notice n;
      n.key = absl::StrCat("bookings/", b.id, "/head_informed");
      n.kind = "head_informed";
      n.school_id = b.school_id;
      n.subject = absl::StrCat("bookings/", b.id);
      n.template_key = "appointments.head_informed";
      n.priority = "important";
      n.staff_ids = {head};
      n.variables = {
          {"booking", BookingName(b)}, {"time", LocalWhen(b.during.start, zone)}, {"mode", ModeWord(b.mode)}};
      n.not_before = now;
      notices.push_back(std::move(n));
    }
  }

  // Waiting for someone: held until they are added, at the latest until the meeting starts.
  std::optional<absl::Time> hold_until;
  if (!b.waiting_for.empty()) {
    hold_until = b.during.start;
  } else if (!in.confirm) {
    hold_until = now + settings.hold_length;
  } else {
    b.state = BookingState::kConfirmed;
    PARLEY_ASSIGN_OR_RETURN(std::vector<Notice> confirmed, ConfirmedNotices({b}, now));
    for (Notice& n : confirmed) notices.push_back(std::move(n));
  }
  return store_->Create(key, b, hold_until, notices, now);
}

absl::StatusOr<std::vector<Notice>> BookingService::ConfirmedNotices(const std::vector<Booking>& bookings,
                                                                     absl::Time now) {
  std::vector<Notice> out;
  if (bookings.empty()) return out;
  const Booking& first = bookings.front();
  PARLEY_ASSIGN_OR_RETURN(const absl::TimeZone zone, directory_->TimeZoneOf(first.school_id));
  std::vector<std::string> times, names;
  std::set<std::string> guardians, pupils;
  for (const Booking& b : bookings) {
    times.push_back(LocalWhen(b.during.start, zone));
    names.push_back(BookingName(b));
    guardians.insert(b.guardian_ids.begin(), b.guardian_ids.end());
    pupils.insert(b.pupil_ids.begin(), b.pupil_ids.end());
  }
  // Separate copies: parents who live apart each get their own.
  for (const std::string& guardian : guardians) {
    Notice n;
    n.key = absl::StrCat("bookings/", first.id, "/confirmed/", guardian);
    n.kind = "booking_confirmed";
    n.school_id = first.school_id;
    n.subject = absl::StrCat("bookings/", first.id);
    n.template_key = "appointments.booking_confirmed";
    n.guardian_ids = {guardian};
    n.pupil_ids.assign(pupils.begin(), pupils.end());
    n.variables = {{"booking", names.front()},
                   {"bookings", absl::StrJoin(names, ", ")},
                   {"time", times.front()},
                   {"times", absl::StrJoin(times, "; ")},
                   {"mode", ModeWord(first.mode)}};
    if (!first.video_link.empty()) n.variables["video_link"] = first.video_link;
    n.not_before = now;
    out.push_back(std::move(n));
  }
  return out;
}

absl::StatusOr<Booking> BookingService::Load(const std::string& school_id, const std::string& id,
                                             const BookingCaller& caller, absl::Time now) {
  PARLEY_ASSIGN_OR_RETURN(Booking b, store_->Get(school_id, id));
  // A guardian cannot tell another family's booking from none.
  if ((caller.guardian_id && !Has(b.guardian_ids, *caller.guardian_id)) ||
      (caller.staff_id && !Has(b.staff_ids, *caller.staff_id))) {
    return NotFound(reason::kBookingNotFound, absl::StrCat("booking ", id, " was not found"));
  }
  return AsOf(std::move(b), now);
}

absl::StatusOr<Booking> BookingService::GetBooking(const std::string& school_id, const std::string& id,
                                                   const BookingCaller& caller) {
  return Load(school_id, id, caller, clock_->Now());
}

absl::StatusOr<BookingPage> BookingService::ListBookings(const std::string& school_id, BookingFilter filter,
                                                         const std::optional<BookingCursor>& after, int limit,
                                                         const BookingCaller& caller) {
  if (filter.window.empty()) return InvalidArgument(reason::kInvalidField, "window: must end after it starts");
  if (filter.window.length() > kLongestListWindow) {
    return InvalidArgument(reason::kInvalidField, "window: at most 93 days long");
  }
  if (limit <= 0) return InvalidArgument(reason::kInvalidField, "page_size: must be positive");
  if (caller.guardian_id) {
    if (!filter.guardian_id.empty() && filter.guardian_id != *caller.guardian_id) {
      return BookingPage{};  // another family's bookings: none to see
    }
    filter.guardian_id = *caller.guardian_id;
  }
  if (caller.staff_id) {
    if (!filter.staff_id.empty() && filter.staff_id != *caller.staff_id) return BookingPage{};
    filter.staff_id = *caller.staff_id;
  }
  const absl::Time now = clock_->Now();
  PARLEY_ASSIGN_OR_RETURN(std::vector<Booking> found, store_->List(school_id, filter, after, limit + 1));
  BookingPage page;
  if (static_cast<int>(found.size()) > limit) {
    found.resize(limit);
    page.next = BookingCursor{found.back().during.start, found.back().id};
  }
  for (Booking& b : found) page.bookings.push_back(AsOf(std::move(b), now));
  return page;
}

absl::StatusOr<std::vector<Booking>> BookingService::ConfirmBookings(const RequestKey& key,
                                                                     const std::string& school_id,
                                                                     const std::vector<std::string>& ids,
                                                                     const BookingCaller& caller) {
  if (ids.empty()) return InvalidArgument(reason::kInvalidField, "bookings: name at least one");
  const absl::Time now = clock_->Now();
  std::vector<Booking> bookings;
  for (const std::string& id : ids) {
    PARLEY_ASSIGN_OR_RETURN(Booking b, Load(school_id, id, caller, now));
    bookings.push_back(std::move(b));
  }
  // Which hold is the first booking's; the store refuses any that is not of it, and a hold
  // named only in part.
  const std::string hold_id = bookings.front().hold_id;
  std::vector<Booking> confirmed = bookings;
  for (Booking& b : confirmed) b.state = BookingState::kConfirmed;
  PARLEY_ASSIGN_OR_RETURN(const std::vector<Notice> notices, ConfirmedNotices(confirmed, now));
  return store_->ConfirmWithNotices(key, school_id, hold_id, ids, notices, now);
}

absl::Status BookingService::CheckChangeable(const Booking& b, absl::Time now) {
  if (b.state == BookingState::kLapsed && b.hold_expires && *b.hold_expires <= now) {
    return FailedPrecondition(reason::kHoldExpired, "the hold ran out before it was confirmed: book the time again");
  }
  if (b.state != BookingState::kHeld && b.state != BookingState::kConfirmed) {
    return FailedPrecondition(reason::kWrongState,
                              absl::StrCat("booking ", b.id, " is no longer held or confirmed: it cannot change"));
  }
  if (b.during.start <= now) {
    return FailedPrecondition(reason::kWrongState, absl::StrCat("booking ", b.id, " has started: it cannot change"));
  }
  return absl::OkStatus();
}

absl::StatusOr<Booking> BookingService::Save(const RequestKey& key, const Booking& before, Booking after,
                                             absl::Time now) {
  std::vector<Notice> notices;
  // Held only for what was missing: complete now, so confirmed.
  if (after.state == BookingState::kHeld && !before.waiting_for.empty() && after.waiting_for.empty()) {
    after.state = BookingState::kConfirmed;
    PARLEY_ASSIGN_OR_RETURN(notices, ConfirmedNotices({after}, now));
  }
  return store_->Update(key, before.etag, after, notices, now);
}

absl::StatusOr<Booking> BookingService::AddStaff(const RequestKey& key, const std::string& school_id,
                                                 const std::string& id, const std::string& staff_id,
                                                 const std::string& etag, const BookingCaller& caller) {
  if (caller.guardian_id) return PermissionDenied(reason::kRoleRequired, "attendees are added by the school's staff");
  if (staff_id.empty()) return InvalidArgument(reason::kInvalidField, "staff: name a member of staff");
  const absl::Time now = clock_->Now();
  PARLEY_ASSIGN_OR_RETURN(const Booking before, Load(school_id, id, caller, now));
  if (!etag.empty() && etag != before.etag) return StaleEtag(before);
  PARLEY_RETURN_IF_ERROR(CheckChangeable(before, now));
  if (Has(before.staff_ids, staff_id)) {
    return InvalidArgument(reason::kInvalidBooking, absl::StrCat("staff ", staff_id, " already attends"));
  }
  PARLEY_RETURN_IF_ERROR(CheckStaffFree(school_id, staff_id, before.during));
  Booking after = before;
  after.staff_ids.push_back(staff_id);
  if (after.staff_ids.size() >= 2) Drop(after.waiting_for, kWaitingSecondStaff);
  return Save(key, before, std::move(after), now);
}

absl::StatusOr<Booking> BookingService::AddGuest(const RequestKey& key, const std::string& school_id,
                                                 const std::string& id, const std::string& description,
                                                 const std::string& etag, const BookingCaller& caller) {
  if (caller.guardian_id) return PermissionDenied(reason::kRoleRequired, "attendees are added by the school's staff");
  if (description.empty()) return InvalidArgument(reason::kInvalidField, "guest.description: describe the guest");
  const absl::Time now = clock_->Now();
  PARLEY_ASSIGN_OR_RETURN(const Booking before, Load(school_id, id, caller, now));
  if (!etag.empty() && etag != before.etag) return StaleEtag(before);
  PARLEY_RETURN_IF_ERROR(CheckChangeable(before, now));
  if (before.guests.size() >= 8) return InvalidArgument(reason::kInvalidBooking, "at most 8 guests");
  Booking after = before;
  after.guests.push_back(description);
  return Save(key, before, std::move(after), now);
}

absl::StatusOr<Booking> BookingService::AssignInterpreter(const RequestKey& key, const std::string& school_id,
                                                          const std::string& id, const std::string& interpreter_id,
                                                          const std::string& etag, const BookingCaller& caller) {
  if (caller.guardian_id) return PermissionDenied(reason::kRoleRequired, "interpreters are booked by the school");
  const absl::Time now = clock_->Now();
  PARLEY_ASSIGN_OR_RETURN(const Booking before, Load(school_id, id, caller, now));
  if (!etag.empty() && etag != before.etag) return StaleEtag(before);
  PARLEY_RETURN_IF_ERROR(CheckChangeable(before, now));
  if (!before.language) {
    return FailedPrecondition(reason::kWrongState, absl::StrCat("booking ", id, " is not an interpreted meeting"));
  }
  if (before.interpreter) {
    return FailedPrecondition(reason::kWrongState, absl::StrCat("booking ", id, " has its interpreter already"));
  }
  PARLEY_ASSIGN_OR_RETURN(const Interpreter interpreter, settings_->GetInterpreter(school_id, interpreter_id));
  if (!Has(interpreter.languages, *before.language)) {
    return InvalidArgument(reason::kInterpreterLanguageMismatch,
                           absl::StrCat("interpreter ", interpreter.id, " does not interpret ", *before.language));
  }
  Booking after = before;
  after.interpreter = InterpreterBooking{interpreter.id, *before.language};
  Drop(after.waiting_for, kWaitingInterpreter);
  return Save(key, before, std::move(after), now);
}

absl::StatusOr<Booking> BookingService::CancelBooking(const RequestKey& key, const std::string& school_id,
                                                      const std::string& id, const std::string& why,
                                                      const std::string& etag, const BookingCaller& caller) {
  if (why.empty()) return InvalidArgument(reason::kReasonRequired, "reason: say why the booking is cancelled");
  const absl::Time now = clock_->Now();
  PARLEY_ASSIGN_OR_RETURN(const Booking before, Load(school_id, id, caller, now));
  if (!etag.empty() && etag != before.etag) return StaleEtag(before);
  if (caller.guardian_id && before.meeting_request_id) {
    return FailedPrecondition(reason::kWrongState,
                              "this meeting was booked for a meeting request: cancel it through the request");
  }
  PARLEY_RETURN_IF_ERROR(CheckChangeable(before, now));
  Booking after = before;
  after.state = BookingState::kCancelled;
  after.cancel_reason = why;
  after.waiting_for.clear();
  std::vector<Notice> notices;
  // The other side is told: the school's cancellation reaches each guardian.
  if (!caller.guardian_id && before.state == BookingState::kConfirmed) {
    PARLEY_ASSIGN_OR_RETURN(const absl::TimeZone zone, directory_->TimeZoneOf(school_id));
    for (const std::string& guardian : before.guardian_ids) {
      Notice n;
      n.key = absl::StrCat("bookings/", id, "/cancelled/", guardian);
      n.kind = "booking_cancelled";
      n.school_id = school_id;
      n.subject = absl::StrCat("bookings/", id);
      n.template_key = "appointments.booking_cancelled";
      n.guardian_ids = {guardian};
      n.pupil_ids = before.pupil_ids;
      n.variables = {{"booking", BookingName(before)}, {"time", LocalWhen(before.during.start, zone)}};
      n.not_before = now;
      notices.push_back(std::move(n));
    }
  }
  PARLEY_ASSIGN_OR_RETURN(Booking cancelled, store_->Update(key, before.etag, after, notices, now));
  // A freed evening slot goes to the first guardian waiting for the teacher. Not in the cancel's
  // transaction: if this fails, the waiting-list sweep offers the slot on its next round.
  if (cancelled.evening_id && evening_events_ != nullptr) {
    (void)evening_events_->EveningBookingCancelled(cancelled);
  }
  if (!caller.guardian_id) {
    PARLEY_RETURN_IF_ERROR(
        TellRequest(key, cancelled, RequestOutcomes::Outcome::kCancelledBySchool, caller.actor, now));
  }
  return cancelled;
}

absl::StatusOr<Booking> BookingService::RecordOutcome(const RequestKey& key, const std::string& school_id,
                                                      const std::string& id, BookingState outcome,
                                                      const std::string& etag, const BookingCaller& caller) {
  if (caller.guardian_id) return PermissionDenied(reason::kRoleRequired, "outcomes are recorded by the school");
  RequestOutcomes::Outcome told;
  switch (outcome) {
    case BookingState::kAttended:
      told = RequestOutcomes::Outcome::kHeld;
      break;
    case BookingState::kNoShow:
      told = RequestOutcomes::Outcome::kNoShow;
      break;
    case BookingState::kMissedCall:
      told = RequestOutcomes::Outcome::kCallMissed;
      break;
    default:
      return InvalidArgument(reason::kInvalidField, "outcome: ATTENDED, NO_SHOW or MISSED_CALL");
  }
  const absl::Time now = clock_->Now();
  PARLEY_ASSIGN_OR_RETURN(const Booking before, Load(school_id, id, caller, now));
  if (!etag.empty() && etag != before.etag) return StaleEtag(before);
  if (outcome == BookingState::kMissedCall && before.kind != BookingKind::kCall) {
    return FailedPrecondition(reason::kNotACall, absl::StrCat("booking ", id, " is a meeting, not an arranged call"));
  }
  if (before.state != BookingState::kConfirmed) {
    return FailedPrecondition(
        reason::kWrongState,
        absl::StrCat("booking ", id, " is not confirmed: only a confirmed meeting has an outcome"));
  }
  if (before.during.start > now) {
    return FailedPrecondition(reason::kMeetingNotStarted, absl::StrCat("booking ", id, " has not started yet"));
  }
  Booking after = before;
  after.state = outcome;
  PARLEY_ASSIGN_OR_RETURN(Booking recorded, store_->Update(key, before.etag, after, {}, now));
  PARLEY_RETURN_IF_ERROR(TellRequest(key, recorded, told, caller.actor, now));
  return recorded;
}

absl::Status BookingService::TellRequest(const RequestKey& key, const Booking& b, RequestOutcomes::Outcome outcome,
                                         const std::string& actor, absl::Time at) {
  if (!b.meeting_request_id) return absl::OkStatus();
  if (outcomes_ == nullptr) {
    return Internal(reason::kInternal, "the meeting requests are not wired to the bookings");
  }
  return outcomes_->MeetingOutcome(SubKey(key, "request_outcome"), b.school_id, *b.meeting_request_id, b.id, outcome,
                                   actor, at);
}

absl::StatusOr<Booking> BookingService::BookForRequest(const RequestKey& key, const MeetingRequest& request,
                                                       const MeetingSlot& slot, const std::string& actor,
                                                       absl::Time now) {
  NewBooking in;
  in.school_id = request.school_id;
  in.kind = request.kind == RequestKind::kCall ? BookingKind::kCall : BookingKind::kMeeting;
  in.during = slot.time;
  in.mode = ModeOf(slot.mode);
  in.guardian_ids = {request.guardian};
  in.pupil_ids = request.pupils;
  // Why the slot's member of staff attends: as the guardian asked for them.
  StaffAttendee attendee{slot.staff, WantedRole::kNamed};
  for (const WantedPerson& w : request.wanted) {
    if (w.staff == slot.staff) attendee.role = w.role;
  }
  in.staff = {attendee};
  in.confirm = true;
  return Create(key, in, request.id, actor, std::nullopt, now);
}

absl::Status BookingService::CancelForRequest(const RequestKey& key, const std::string& school_id,
                                              const std::string& booking_id, const std::string& why, absl::Time now) {
  PARLEY_ASSIGN_OR_RETURN(const Booking before, Load(school_id, booking_id, BookingCaller{}, now));
  // Already over: nothing of its time to free.
  if (before.state == BookingState::kCancelled || before.state == BookingState::kLapsed) return absl::OkStatus();
  PARLEY_RETURN_IF_ERROR(CheckChangeable(before, now));
  Booking after = before;
  after.state = BookingState::kCancelled;
  after.cancel_reason = why.empty() ? "cancelled with its meeting request" : why;
  after.waiting_for.clear();
  return store_->Update(key, before.etag, after, {}, now).status();
}

}  // namespace parley::appointments
