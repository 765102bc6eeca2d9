#include "services/appointments/domain/evening_service.h"

#include <algorithm>
#include <map>
#include <set>
#include <utility>

#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "common/status/reason.h"
#include "common/status/reasons.h"
#include "common/status/status_macros.h"

namespace parley::appointments {
namespace {

// A booking that takes its time now: confirmed, a no-show, or held on a lease not yet run out.
bool Live(const Booking& b, absl::Time now) {
  switch (b.state) {
    case BookingState::kConfirmed:
    case BookingState::kNoShow:
      return true;
    case BookingState::kHeld:
      return b.hold_expires && *b.hold_expires > now;
    default:
      return false;
  }
}

bool Has(const std::vector<std::string>& ids, const std::string& id) {
  return std::find(ids.begin(), ids.end(), id) != ids.end();
}

const EveningTeacher* TeacherOf(const EveningGrid& grid, const std::string& staff_id) {
  for (const EveningTeacher& t : grid.teachers) {
    if (t.staff_id == staff_id) return &t;
  }
  return nullptr;
}

// Whether `time` is one slot of the teacher's grid or, interpreted, the run of back-to-back slots
// from one of them that covers the interpreted length.
bool OnGrid(const EveningGrid& grid, const EveningTeacher& teacher, const Interval& time, bool interpreted) {
  const std::vector<Interval> slots = TeacherSlots(grid, teacher);
  const size_t run =
      interpreted ? static_cast<size_t>(absl::Ceil(grid.interpreted_length, grid.slot_length) / grid.slot_length) : 1;
  for (size_t k = 0; k + run <= slots.size(); ++k) {
    if (slots[k].start != time.start) continue;
    for (size_t m = 1; m < run; ++m) {
      if (slots[k + m].start != slots[k + m - 1].end) return false;
    }
    return slots[k + run - 1].end == time.end;
  }
  return false;
}

// Work a use case starts under the caller's request: the same on every retry of that request.
RequestKey DerivedKey(const RequestKey& key, absl::string_view what, absl::string_view part) {
  return RequestKey{absl::StrCat(key.scope, "/", what),
                    request::DerivedRequestId(absl::StrCat(key.scope, "/", key.request_id, "/", what, "/", part)),
                    absl::StrCat(key.fingerprint, "/", part)};
}

std::string Utc(absl::Time t) { return absl::FormatTime("%Y-%m-%dT%H:%M:%SZ", t, absl::UTCTimeZone()); }

}  // namespace

EveningState StateAt(const ParentsEvening& evening, absl::Time now) {
  if (evening.cancelled) return EveningState::kCancelled;
  if (now < evening.opens_at) return EveningState::kScheduled;
  if (now < evening.closes_at) return EveningState::kOpen;
  return EveningState::kClosed;
}

struct EveningService::Context {
  ParentsEvening evening;
  std::string guardian_id;
  std::set<std::string> own_pupils;    // the guardian's children at the school, no court order excluding
  std::map<std::string, int> year_of;  // their year groups (-1: not known)
  std::vector<Booking> live;           // the evening's live bookings
  absl::Duration hold_length;
};

EveningService::EveningService(EveningStore* evenings, BookingStore* bookings, Directory* directory, Gate* gate,
                               SettingsSource* settings, const Clock* clock)
    : evenings_(evenings),
      bookings_(bookings),
      directory_(directory),
      gate_(gate),
      settings_(settings),
      clock_(clock) {}

// ---- evenings ------------------------------------------------------------------------------------

absl::StatusOr<ParentsEvening> EveningService::Create(const RequestKey& key, ParentsEvening evening,
                                                      const EveningActor& actor) {
  const absl::Time now = clock_->Now();
  if (evening.title.empty()) return InvalidArgument(reason::kInvalidField, "the evening needs a title");
  PARLEY_RETURN_IF_ERROR(ValidateGrid(evening.grid));
  if (evening.grid.teachers.empty()) return InvalidArgument(reason::kInvalidField, "the evening needs a teacher");
  if (evening.closes_at == absl::InfinitePast()) evening.closes_at = evening.grid.span.start;
  if (evening.opens_at >= evening.closes_at) {
    return InvalidArgument(reason::kInvalidField, "booking must open before it closes");
  }
  if (evening.closes_at > evening.grid.span.start) {
    return InvalidArgument(reason::kInvalidField, "booking must close by the time the evening starts");
  }
  if (evening.hold_length != absl::ZeroDuration() &&
      (evening.hold_length < absl::Seconds(30) || evening.hold_length > absl::Minutes(10))) {
    return InvalidArgument(reason::kInvalidField, "a hold lasts 30 seconds to 10 minutes");
  }
  if (evening.max_per_guardian < 0) {
    return InvalidArgument(reason::kInvalidField, "the per-guardian limit cannot be negative");
  }
  for (const EveningTeacher& t : evening.grid.teachers) {
    // A teacher from another school is not on this one's staff: NOT_FOUND (STAFF_NOT_FOUND).
    PARLEY_RETURN_IF_ERROR(directory_->CheckStaff(evening.school_id, t.staff_id, evening.grid.span.start));
  }
  evening.id = request::DerivedRequestId(absl::StrCat(key.scope, "/", key.request_id));
  evening.cancelled = false;
  evening.cancel_reason.clear();
  evening.created_by = actor.id;
  return evenings_->Create(key, evening, now);
}

absl::StatusOr<ParentsEvening> EveningService::Get(const std::string& school_id, const std::string& id) {
  return evenings_->Get(school_id, id);
}

absl::StatusOr<std::vector<ParentsEvening>> EveningService::List(const std::string& school_id,
                                                                 const std::string& after_id, int limit) {
  return evenings_->List(school_id, after_id, limit);
}

absl::StatusOr<ParentsEvening> EveningService::Cancel(const RequestKey& key, const std::string& school_id,
                                                      const std::string& id, const std::string& why,
                                                      const std::string& etag) {
  const absl::Time now = clock_->Now();
  if (why.empty()) return InvalidArgument(reason::kReasonRequired, "say why the evening is cancelled");
  PARLEY_ASSIGN_OR_RETURN(ParentsEvening evening, evenings_->Get(school_id, id));
  PARLEY_ASSIGN_OR_RETURN(std::vector<Booking> live, LiveBookings(school_id, id, now));
  std::vector<Notice> notices;
  for (const Booking& b : live) {
    for (const std::string& guardian : b.guardian_ids) {
      Notice n;
      n.key = absl::StrCat("parentsEvenings/", id, "/cancelled/", b.id, "/", guardian);
      n.kind = "evening_cancelled";
      n.school_id = school_id;
      n.subject = absl::StrCat("parentsEvenings/", id);
      n.template_key = "appointments.evening_cancelled";
      n.priority = "important";
      n.guardian_ids = {guardian};
      n.pupil_ids = b.pupil_ids;
      n.variables = {{"evening", evening.title}, {"reason", why}, {"start_time", Utc(b.during.start)}};
      n.not_before = now;
      notices.push_back(std::move(n));
    }
  }
  PARLEY_ASSIGN_OR_RETURN(ParentsEvening cancelled, evenings_->Cancel(key, school_id, id, why, etag, notices, now));
  // The evening is cancelled (no new holds pass HoldSlots); now free every booking. A retry of
  // this request replays the cancel above and frees what is still live here.
  for (const Booking& b : live) {
    absl::StatusOr<Booking> freed =
        bookings_->Cancel(DerivedKey(key, "cancel-booking", b.id), school_id, b.id, why, now);
    if (!freed.ok() && ErrorReason(freed.status()) != reason::kWrongState) return freed.status();
  }
  return cancelled;
}

absl::StatusOr<std::vector<Booking>> EveningService::LiveBookings(const std::string& school_id,
                                                                  const std::string& evening_id, absl::Time now) {
  PARLEY_ASSIGN_OR_RETURN(std::vector<Booking> all, bookings_->ListEveningBookings(school_id, evening_id));
  std::vector<Booking> live;
  for (Booking& b : all) {
    if (Live(b, now)) live.push_back(std::move(b));
  }
  return live;
}

absl::StatusOr<std::vector<EveningSlotView>> EveningService::ListSlots(const std::string& school_id,
                                                                       const std::string& evening_id,
                                                                       const std::string& staff_id, bool free_only) {
  const absl::Time now = clock_->Now();
  PARLEY_ASSIGN_OR_RETURN(ParentsEvening evening, evenings_->Get(school_id, evening_id));
  if (!staff_id.empty() && TeacherOf(evening.grid, staff_id) == nullptr) {
    return NotFound(reason::kStaffNotFound, absl::StrCat("staff ", staff_id, " is not at this evening"));
  }
  PARLEY_ASSIGN_OR_RETURN(std::vector<Booking> live, LiveBookings(school_id, evening_id, now));
  std::vector<EveningSlotView> out;
  for (const EveningTeacher& t : evening.grid.teachers) {
    if (!staff_id.empty() && t.staff_id != staff_id) continue;
    for (const Interval& slot : TeacherSlots(evening.grid, t)) {
      const bool taken = !evening.cancelled && std::any_of(live.begin(), live.end(), [&](const Booking& b) {
        return Has(b.staff_ids, t.staff_id) && b.during.Overlaps(slot);
      });
      if (free_only && (taken || evening.cancelled)) continue;
      out.push_back(EveningSlotView{t.staff_id, slot, !taken && !evening.cancelled, t.room});
    }
  }
  return out;
}

// ---- holding slots --------------------------------------------------------------------------------

absl::Status EveningService::CheckGuardianActor(const std::string& guardian_id, const EveningActor& actor) {
  if (actor.guardian && actor.id != guardian_id) {
    return PermissionDenied(reason::kWrongGuardian, "a guardian books only for themselves");
  }
  return absl::OkStatus();
}

// An evening for some year groups is booked only about pupils in them; a pupil whose year is not
// known is not kept out.
absl::Status EveningService::CheckYearGroup(const ParentsEvening& evening, int year_group) {
  if (evening.year_groups.empty() || year_group < 0 ||
      std::find(evening.year_groups.begin(), evening.year_groups.end(), year_group) != evening.year_groups.end()) {
    return absl::OkStatus();
  }
  std::vector<std::string> years;
  for (int y : evening.year_groups) years.push_back(absl::StrCat(y));
  return FailedPrecondition(reason::kYearGroupNotInvited,
                            absl::StrCat("this parents' evening is for year groups ", absl::StrJoin(years, ", "),
                                         "; the pupil is in year ", year_group));
}

absl::StatusOr<int> EveningService::CheckOwnChild(const std::string& school_id, const std::string& guardian_id,
                                                  const std::string& pupil_id, absl::Time now) {
  PARLEY_ASSIGN_OR_RETURN(std::vector<GuardianLink> links, directory_->LinksOfGuardian(guardian_id, now));
  for (const GuardianLink& l : links) {
    if (l.school_id == school_id && l.pupil_id == pupil_id && !l.excluded) return l.year_group;
  }
  // The same answer as for no such pupil: another family's child cannot be told from none.
  return NotFound(reason::kPupilNotFound, "the pupil is not one of the guardian's children at this school");
}

absl::StatusOr<EveningService::Context> EveningService::LoadForBooking(const std::string& school_id,
                                                                       const std::string& evening_id,
                                                                       const std::string& guardian_id,
                                                                       const EveningActor& actor, absl::Time now) {
  PARLEY_RETURN_IF_ERROR(CheckGuardianActor(guardian_id, actor));
  Context ctx;
  PARLEY_ASSIGN_OR_RETURN(ctx.evening, evenings_->Get(school_id, evening_id));
  switch (StateAt(ctx.evening, now)) {
    case EveningState::kCancelled:
      return FailedPrecondition(reason::kWrongState, "the parents' evening is cancelled");
    case EveningState::kScheduled:
      return FailedPrecondition(reason::kWindowNotOpen, absl::StrCat("booking opens at ", Utc(ctx.evening.opens_at)));
    case EveningState::kClosed:
      return FailedPrecondition(reason::kBookingClosed, "booking for this parents' evening has closed");
    case EveningState::kOpen:
      break;
  }
  ctx.guardian_id = guardian_id;
  PARLEY_ASSIGN_OR_RETURN(std::vector<GuardianLink> links, directory_->LinksOfGuardian(guardian_id, now));
  for (const GuardianLink& l : links) {
    if (l.school_id == school_id && !l.excluded) {
      ctx.own_pupils.insert(l.pupil_id);
      ctx.year_of[l.pupil_id] = l.year_group;
    }
  }
  PARLEY_ASSIGN_OR_RETURN(ctx.live, LiveBookings(school_id, evening_id, now));
  ctx.hold_length = ctx.evening.hold_length;
  if (ctx.hold_length == absl::ZeroDuration()) {
    PARLEY_ASSIGN_OR_RETURN(AppointmentSettings settings, settings_->Settings(school_id));
    ctx.hold_length = settings.hold_length;
  }
  return ctx;
}

absl::Status EveningService::CheckRules(const Context& ctx, const std::vector<EveningChoice>& choices) {
  if (choices.empty()) return InvalidArgument(reason::kInvalidSlot, "choose at least one teacher");
  std::set<std::string> teachers;
  for (const EveningChoice& c : choices) {
    if (TeacherOf(ctx.evening.grid, c.staff_id) == nullptr) {
      return InvalidArgument(reason::kInvalidSlot, absl::StrCat("staff ", c.staff_id, " is not at this evening"));
    }
    if (!teachers.insert(c.staff_id).second) {
      return InvalidArgument(reason::kInvalidSlot, absl::StrCat("staff ", c.staff_id, " is chosen twice"));
    }
    if (ctx.own_pupils.count(c.pupil_id) == 0) {
      return NotFound(reason::kPupilNotFound, "the pupil is not one of the guardian's children at this school");
    }
    PARLEY_RETURN_IF_ERROR(CheckYearGroup(ctx.evening, ctx.year_of.at(c.pupil_id)));
  }
  const int already = static_cast<int>(std::count_if(
      ctx.live.begin(), ctx.live.end(), [&](const Booking& b) { return Has(b.guardian_ids, ctx.guardian_id); }));
  if (ctx.evening.max_per_guardian > 0 && already + static_cast<int>(choices.size()) > ctx.evening.max_per_guardian) {
    return FailedPrecondition(reason::kBookingLimitReached,
                              absl::StrCat("at most ", ctx.evening.max_per_guardian,
                                           " meetings per guardian at this evening; ", already, " booked already"));
  }
  for (const EveningChoice& c : choices) {
    for (const Booking& b : ctx.live) {
      if (!Has(b.staff_ids, c.staff_id) || !Has(b.pupil_ids, c.pupil_id)) continue;
      if (Has(b.guardian_ids, ctx.guardian_id)) {
        return FailedPrecondition(reason::kBookingLimitReached,
                                  absl::StrCat("one meeting per pupil with staff ", c.staff_id, ": booked already"));
      }
      HouseholdRule rule = ctx.evening.household_rule;
      PARLEY_ASSIGN_OR_RETURN(std::optional<HouseholdChoice> chosen,
                              evenings_->GetHouseholdChoice(ctx.evening.school_id, ctx.evening.id, c.pupil_id));
      if (chosen) rule = chosen->rule;
      if (rule == HouseholdRule::kOnePerHousehold) {
        return FailedPrecondition(
            reason::kHouseholdBooked,
            absl::StrCat("one meeting per household: the pupil's other guardian has booked staff ", c.staff_id));
      }
    }
  }
  return absl::OkStatus();
}

absl::Status EveningService::CheckEveningGate(const std::string& school_id, const std::string& guardian_id,
                                              const std::string& staff_id, absl::Time at,
                                              const std::string& request_id) {
  MeetingGateQuestion question;
  question.school_id = school_id;
  question.guardian_id = guardian_id;
  question.staff_id = staff_id;
  question.at = at;
  question.mode = Mode::kInPerson;  // an evening slot is a meeting at school
  question.school_event = true;
  question.request_id = request_id;
  PARLEY_ASSIGN_OR_RETURN(MeetingGate gate, gate_->CheckMeeting(question));
  if (gate.outcome == MeetingGate::Outcome::kDefer) {
    return FailedPrecondition(reason::kMeetingDeferred, "the school cannot meet this guardian yet (deferred)");
  }
  if (gate.outcome == MeetingGate::Outcome::kRedirect) {
    return FailedPrecondition(reason::kMeetingRedirected,
                              "the school asks this guardian to meet its point of contact instead");
  }
  if (gate.off_site_only) {
    return FailedPrecondition(reason::kOffSiteOnly,
                              "meetings with this guardian are by phone or video only; evening slots are in person");
  }
  return absl::OkStatus();
}

absl::StatusOr<std::vector<Booking>> EveningService::HoldChoices(const RequestKey& key, const Context& ctx,
                                                                 const std::vector<EveningChoice>& choices,
                                                                 const std::string& interpreter_id,
                                                                 const std::string& interpreter_language,
                                                                 absl::Duration lease, const EveningActor& actor,
                                                                 absl::Time now) {
  std::vector<Booking> bookings;
  for (size_t i = 0; i < choices.size(); ++i) {
    const EveningChoice& c = choices[i];
    PARLEY_RETURN_IF_ERROR(CheckEveningGate(ctx.evening.school_id, ctx.guardian_id, c.staff_id, c.time.start,
                                            DerivedKey(key, "gate", c.staff_id).request_id));
    const EveningTeacher* teacher = TeacherOf(ctx.evening.grid, c.staff_id);
    Booking b;
    b.id = request::DerivedRequestId(absl::StrCat(key.scope, "/", key.request_id, "/slot/", i));
    b.school_id = ctx.evening.school_id;
    b.evening_id = ctx.evening.id;
    b.kind = BookingKind::kEvening;
    b.during = c.time;
    b.mode = MeetingMode::kInPerson;
    b.staff_ids = {c.staff_id};
    b.guardian_ids = {ctx.guardian_id};
    b.pupil_ids = {c.pupil_id};
    if (!interpreter_id.empty()) b.interpreter = InterpreterBooking{interpreter_id, interpreter_language};
    if (teacher != nullptr && !teacher->room.empty()) b.room = teacher->room;
    b.created_by = actor.id;
    bookings.push_back(std::move(b));
  }
  return bookings_->Hold(key, bookings, lease, now);
}

absl::StatusOr<std::vector<Booking>> EveningService::HoldSlots(
    const RequestKey& key, const std::string& school_id, const std::string& evening_id, const std::string& guardian_id,
    const std::vector<EveningChoice>& choices, const std::string& interpreter_language, const EveningActor& actor) {
  const absl::Time now = clock_->Now();
  PARLEY_ASSIGN_OR_RETURN(Context ctx, LoadForBooking(school_id, evening_id, guardian_id, actor, now));
  PARLEY_RETURN_IF_ERROR(CheckRules(ctx, choices));
  const bool interpreted = !interpreter_language.empty();
  for (const EveningChoice& c : choices) {
    if (!OnGrid(ctx.evening.grid, *TeacherOf(ctx.evening.grid, c.staff_id), c.time, interpreted)) {
      return InvalidArgument(
          reason::kInvalidSlot,
          absl::StrCat("the time chosen with staff ", c.staff_id, " is not ",
                       interpreted ? "a run of slots of the interpreted length" : "a slot", " of their grid"));
    }
  }
  std::string interpreter_id;
  const std::string language = absl::AsciiStrToLower(interpreter_language);
  if (interpreted) {
    PARLEY_ASSIGN_OR_RETURN(std::vector<Interpreter> interpreters, settings_->InterpretersFor(school_id, language));
    for (const Interpreter& in : interpreters) {
      PARLEY_ASSIGN_OR_RETURN(std::vector<Interval> busy,
                              bookings_->ListBusy(school_id, Occupant{OccupantKind::kInterpreter, in.id},
                                                  ctx.evening.grid.span.start, ctx.evening.grid.span.end, now));
      const bool free = std::none_of(choices.begin(), choices.end(), [&](const EveningChoice& c) {
        return std::any_of(busy.begin(), busy.end(), [&](const Interval& i) { return i.Overlaps(c.time); });
      });
      if (free) {
        interpreter_id = in.id;
        break;
      }
    }
    if (interpreter_id.empty()) {
      return FailedPrecondition(reason::kNoInterpreter, "no interpreter of that language is free at those times");
    }
  }
  return HoldChoices(key, ctx, choices, interpreter_id, language, ctx.hold_length, actor, now);
}

absl::StatusOr<std::vector<Booking>> EveningService::Propose(const RequestKey& key, const std::string& school_id,
                                                             const std::string& evening_id,
                                                             const std::string& guardian_id, const Interval& available,
                                                             const std::vector<EveningChoice>& choices,
                                                             const std::string& interpreter_language,
                                                             const EveningActor& actor) {
  const absl::Time now = clock_->Now();
  PARLEY_ASSIGN_OR_RETURN(Context ctx, LoadForBooking(school_id, evening_id, guardian_id, actor, now));
  PARLEY_RETURN_IF_ERROR(CheckRules(ctx, choices));
  const Interval span = ctx.evening.grid.span;
  ScheduleRequest request;
  request.earliest = available.start;
  request.latest = available.end;
  request.interpreted = !interpreter_language.empty();
  EveningBusy busy;
  std::map<std::string, std::string> pupil_of;
  for (const EveningChoice& c : choices) {
    request.teachers.push_back(c.staff_id);
    pupil_of[c.staff_id] = c.pupil_id;
    PARLEY_ASSIGN_OR_RETURN(
        busy.teachers[c.staff_id],
        bookings_->ListBusy(school_id, Occupant{OccupantKind::kStaff, c.staff_id}, span.start, span.end, now));
  }
  PARLEY_ASSIGN_OR_RETURN(busy.guardian, bookings_->ListBusy(school_id, Occupant{OccupantKind::kGuardian, guardian_id},
                                                             span.start, span.end, now));
  const std::string language = absl::AsciiStrToLower(interpreter_language);
  std::vector<std::string> candidates = {""};
  if (request.interpreted) {
    PARLEY_ASSIGN_OR_RETURN(std::vector<Interpreter> interpreters, settings_->InterpretersFor(school_id, language));
    if (interpreters.empty()) {
      return FailedPrecondition(reason::kNoInterpreter, "the school has no interpreter of that language");
    }
    candidates.clear();
    for (const Interpreter& in : interpreters) candidates.push_back(in.id);
  }
  absl::Status last = absl::OkStatus();
  for (const std::string& interpreter_id : candidates) {
    if (request.interpreted) {
      PARLEY_ASSIGN_OR_RETURN(busy.interpreter,
                              bookings_->ListBusy(school_id, Occupant{OccupantKind::kInterpreter, interpreter_id},
                                                  span.start, span.end, now));
      busy.same_language.clear();
      for (const Booking& b : ctx.live) {
        if (b.interpreter && b.interpreter->id == interpreter_id && b.interpreter->language == language) {
          busy.same_language.push_back(b.during);
        }
      }
    }
    absl::StatusOr<std::vector<ProposedSlot>> proposed = ProposeSchedule(ctx.evening.grid, request, busy);
    if (!proposed.ok()) {
      if (ErrorReason(proposed.status()) != reason::kNoSchedule) return proposed.status();
      last = proposed.status();
      continue;
    }
    std::vector<EveningChoice> chosen;
    for (const ProposedSlot& p : *proposed) chosen.push_back(EveningChoice{pupil_of[p.staff_id], p.staff_id, p.slot});
    return HoldChoices(key, ctx, chosen, interpreter_id, language, kProposalLease, actor, now);
  }
  return last;
}

// ---- waiting lists ------------------------------------------------------------------------------

absl::StatusOr<WaitingEntry> EveningService::JoinWaitingList(const RequestKey& key, WaitingEntry entry,
                                                             const EveningActor& actor) {
  const absl::Time now = clock_->Now();
  PARLEY_RETURN_IF_ERROR(CheckGuardianActor(entry.guardian_id, actor));
  PARLEY_ASSIGN_OR_RETURN(ParentsEvening evening, evenings_->Get(entry.school_id, entry.evening_id));
  const EveningState state = StateAt(evening, now);
  if (state == EveningState::kCancelled) {
    return FailedPrecondition(reason::kWrongState, "the parents' evening is cancelled");
  }
  if (state == EveningState::kClosed) {
    return FailedPrecondition(reason::kBookingClosed, "booking for this parents' evening has closed");
  }
  if (TeacherOf(evening.grid, entry.staff_id) == nullptr) {
    return InvalidArgument(reason::kInvalidSlot, absl::StrCat("staff ", entry.staff_id, " is not at this evening"));
  }
  PARLEY_ASSIGN_OR_RETURN(const int year_group, CheckOwnChild(entry.school_id, entry.guardian_id, entry.pupil_id, now));
  PARLEY_RETURN_IF_ERROR(CheckYearGroup(evening, year_group));
  PARLEY_RETURN_IF_ERROR(CheckEveningGate(entry.school_id, entry.guardian_id, entry.staff_id, evening.grid.span.start,
                                          DerivedKey(key, "gate", entry.staff_id).request_id));
  entry.id = request::DerivedRequestId(absl::StrCat(key.scope, "/", key.request_id));
  entry.offered_booking_id.clear();
  return evenings_->JoinWaitingList(key, entry, now);
}

absl::Status EveningService::LeaveWaitingList(const RequestKey& key, const std::string& school_id,
                                              const std::string& evening_id, const std::string& entry_id,
                                              const EveningActor& actor) {
  if (actor.guardian) {
    PARLEY_ASSIGN_OR_RETURN(WaitingEntry entry, evenings_->GetWaitingEntry(school_id, evening_id, entry_id));
    if (entry.guardian_id != actor.id) {
      return NotFound(reason::kWaitingEntryNotFound, "no such waiting-list entry");
    }
  }
  return evenings_->LeaveWaitingList(key, school_id, evening_id, entry_id);
}

absl::StatusOr<std::vector<WaitingEntry>> EveningService::ListWaitingList(const std::string& school_id,
                                                                          const std::string& evening_id,
                                                                          const std::string& staff_id,
                                                                          const EveningActor& actor) {
  PARLEY_RETURN_IF_ERROR(evenings_->Get(school_id, evening_id).status());
  PARLEY_ASSIGN_OR_RETURN(std::vector<WaitingEntry> entries,
                          evenings_->ListWaitingList(school_id, evening_id, staff_id));
  if (actor.guardian) {
    entries.erase(std::remove_if(entries.begin(), entries.end(),
                                 [&](const WaitingEntry& e) { return e.guardian_id != actor.id; }),
                  entries.end());
  }
  return entries;
}

absl::StatusOr<int> EveningService::OfferFreedSlots(const std::string& school_id, const std::string& evening_id) {
  const absl::Time now = clock_->Now();
  PARLEY_ASSIGN_OR_RETURN(ParentsEvening evening, evenings_->Get(school_id, evening_id));
  if (StateAt(evening, now) != EveningState::kOpen) return 0;
  PARLEY_ASSIGN_OR_RETURN(std::vector<WaitingEntry> entries, evenings_->ListWaitingList(school_id, evening_id, ""));
  std::sort(entries.begin(), entries.end(),
            [](const WaitingEntry& a, const WaitingEntry& b) { return a.sequence < b.sequence; });
  PARLEY_ASSIGN_OR_RETURN(std::vector<Booking> live, LiveBookings(school_id, evening_id, now));
  int offers = 0;
  auto record = [&](const WaitingEntry& entry, const Booking& held) -> absl::Status {
    Notice n;
    n.key = absl::StrCat("parentsEvenings/", evening_id, "/waitingList/", entry.id, "/offered");
    n.kind = "waiting_list_offer";
    n.school_id = school_id;
    n.subject = absl::StrCat("parentsEvenings/", evening_id);
    n.template_key = "appointments.waiting_list_offer";
    n.priority = "important";
    n.guardian_ids = {entry.guardian_id};
    n.pupil_ids = {entry.pupil_id};
    n.staff_ids = {};
    n.variables = {{"evening", evening.title},
                   {"booking", absl::StrCat("schools/", school_id, "/bookings/", held.id)},
                   {"start_time", Utc(held.during.start)},
                   {"hold_expire_time", held.hold_expires ? Utc(*held.hold_expires) : ""}};
    n.not_before = now;
    absl::StatusOr<WaitingEntry> recorded = evenings_->RecordOffer(school_id, evening_id, entry.id, held.id, n);
    if (!recorded.ok() && ErrorReason(recorded.status()) != reason::kWaitingEntryNotFound) return recorded.status();
    if (recorded.ok() && recorded->offered_booking_id == held.id) ++offers;
    return absl::OkStatus();
  };
  for (const WaitingEntry& entry : entries) {
    if (!entry.offered_booking_id.empty()) continue;
    const std::string made_for = absl::StrCat("waiting_list/", entry.id);
    // A hold made for this entry whose offer a crash kept from being recorded.
    auto earlier = std::find_if(live.begin(), live.end(), [&](const Booking& b) { return b.created_by == made_for; });
    if (earlier != live.end()) {
      PARLEY_RETURN_IF_ERROR(record(entry, *earlier));
      continue;
    }
    // Waiting no longer: they have that meeting already.
    if (std::any_of(live.begin(), live.end(), [&](const Booking& b) {
          return Has(b.staff_ids, entry.staff_id) && Has(b.pupil_ids, entry.pupil_id) &&
                 Has(b.guardian_ids, entry.guardian_id);
        })) {
      continue;
    }
    const EveningTeacher* teacher = TeacherOf(evening.grid, entry.staff_id);
    if (teacher == nullptr) continue;
    for (const Interval& slot : TeacherSlots(evening.grid, *teacher)) {
      if (slot.start <= now) continue;
      const bool taken = std::any_of(live.begin(), live.end(), [&](const Booking& b) {
        return b.during.Overlaps(slot) && (Has(b.staff_ids, entry.staff_id) || Has(b.guardian_ids, entry.guardian_id));
      });
      if (taken) continue;
      const std::string part = absl::StrCat(entry.id, "/", absl::ToUnixSeconds(slot.start));
      // Refused now (an arrangement since they joined): passed over this time, asked again on
      // the next sweep. A gate that cannot answer stops the sweep: nothing is offered unchecked.
      const absl::Status allowed =
          CheckEveningGate(school_id, entry.guardian_id, entry.staff_id, slot.start,
                           request::DerivedRequestId(absl::StrCat("appointments.WaitingListGate/", part)));
      if (absl::IsFailedPrecondition(allowed)) break;
      PARLEY_RETURN_IF_ERROR(allowed);
      Booking b;
      b.id = request::DerivedRequestId(absl::StrCat("appointments.WaitingListOffer/", part));
      b.school_id = school_id;
      b.evening_id = evening_id;
      b.kind = BookingKind::kEvening;
      b.during = slot;
      b.staff_ids = {entry.staff_id};
      b.guardian_ids = {entry.guardian_id};
      b.pupil_ids = {entry.pupil_id};
      if (!teacher->room.empty()) b.room = teacher->room;
      b.created_by = made_for;
      const RequestKey key{absl::StrCat(school_id, "/appointments.WaitingListOffer"),
                           request::DerivedRequestId(absl::StrCat("appointments.WaitingListOffer/", part)), part};
      absl::StatusOr<std::vector<Booking>> held = bookings_->Hold(key, {b}, kWaitingOfferLease, now);
      if (!held.ok()) {
        // Taken by someone else's time (the guardian's elsewhere, or a booker who just won it).
        if (ErrorReason(held.status()) == reason::kSlotTaken) continue;
        return held.status();
      }
      live.push_back(held->front());
      PARLEY_RETURN_IF_ERROR(record(entry, held->front()));
      break;
    }
  }
  return offers;
}

absl::StatusOr<int> EveningService::SweepWaitingLists() {
  PARLEY_ASSIGN_OR_RETURN(auto evenings, evenings_->EveningsWithWaiting(clock_->Now()));
  int offers = 0;
  for (const auto& [school_id, evening_id] : evenings) {
    PARLEY_ASSIGN_OR_RETURN(int n, OfferFreedSlots(school_id, evening_id));
    offers += n;
  }
  return offers;
}

// ---- households and timetables -----------------------------------------------------------------

absl::StatusOr<HouseholdChoice> EveningService::SetHouseholdChoice(const RequestKey& key, HouseholdChoice choice,
                                                                   const EveningActor& actor) {
  const absl::Time now = clock_->Now();
  PARLEY_ASSIGN_OR_RETURN(ParentsEvening evening, evenings_->Get(choice.school_id, choice.evening_id));
  if (evening.cancelled) return FailedPrecondition(reason::kWrongState, "the parents' evening is cancelled");
  if (actor.guardian) PARLEY_RETURN_IF_ERROR(CheckOwnChild(choice.school_id, actor.id, choice.pupil_id, now).status());
  choice.chosen_by = actor.id;
  return evenings_->SetHouseholdChoice(key, choice, now);
}

absl::StatusOr<std::vector<Booking>> EveningService::GuardianTimetable(const std::string& school_id,
                                                                       const std::string& evening_id,
                                                                       const std::string& guardian_id) {
  PARLEY_RETURN_IF_ERROR(evenings_->Get(school_id, evening_id).status());
  PARLEY_ASSIGN_OR_RETURN(std::vector<Booking> live, LiveBookings(school_id, evening_id, clock_->Now()));
  std::vector<Booking> out;
  for (Booking& b : live) {
    if (Has(b.guardian_ids, guardian_id)) out.push_back(std::move(b));
  }
  return out;
}

absl::StatusOr<std::vector<Booking>> EveningService::TeacherTimetable(const std::string& school_id,
                                                                      const std::string& evening_id,
                                                                      const std::string& staff_id) {
  PARLEY_ASSIGN_OR_RETURN(ParentsEvening evening, evenings_->Get(school_id, evening_id));
  if (TeacherOf(evening.grid, staff_id) == nullptr) {
    return NotFound(reason::kStaffNotFound, absl::StrCat("staff ", staff_id, " is not at this evening"));
  }
  PARLEY_ASSIGN_OR_RETURN(std::vector<Booking> live, LiveBookings(school_id, evening_id, clock_->Now()));
  std::vector<Booking> out;
  for (Booking& b : live) {
    if (Has(b.staff_ids, staff_id)) out.push_back(std::move(b));
  }
  return out;
}

// ---- what the bookings slice tells us ----------------------------------------------------------

absl::Status EveningService::EveningBookingsConfirmed(const std::vector<Booking>& confirmed) {
  std::map<std::pair<std::string, std::string>, std::string> titles;  // (school, evening) → title
  std::vector<Notice> notices;
  for (const Booking& b : confirmed) {
    if (!b.evening_id || b.state != BookingState::kConfirmed) continue;
    auto title = titles.find({b.school_id, *b.evening_id});
    if (title == titles.end()) {
      PARLEY_ASSIGN_OR_RETURN(ParentsEvening evening, evenings_->Get(b.school_id, *b.evening_id));
      title = titles.emplace(std::make_pair(b.school_id, *b.evening_id), evening.title).first;
    }
    for (const std::string& guardian : b.guardian_ids) {
      Notice n;
      n.key = absl::StrCat("bookings/", b.id, "/evening_booked/", guardian);
      n.kind = "evening_booked";
      n.school_id = b.school_id;
      n.subject = absl::StrCat("bookings/", b.id);
      n.template_key = "appointments.evening_booked";
      n.guardian_ids = {guardian};
      n.pupil_ids = b.pupil_ids;
      n.variables = {{"evening", title->second},
                     {"booking", absl::StrCat("schools/", b.school_id, "/bookings/", b.id)},
                     {"start_time", Utc(b.during.start)},
                     {"end_time", Utc(b.during.end)},
                     {"room", b.room.value_or("")}};
      n.not_before = clock_->Now();
      notices.push_back(std::move(n));
    }
  }
  if (notices.empty()) return absl::OkStatus();
  return evenings_->AddNotices(notices);
}

absl::Status EveningService::EveningBookingCancelled(const Booking& cancelled) {
  if (!cancelled.evening_id) return absl::OkStatus();
  return OfferFreedSlots(cancelled.school_id, *cancelled.evening_id).status();
}

}  // namespace parley::appointments
