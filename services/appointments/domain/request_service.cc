#include "services/appointments/domain/request_service.h"

#include <algorithm>
#include <memory>
#include <utility>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "common/request/request_key.h"
#include "common/status/reason.h"
#include "common/status/reasons.h"
#include "common/status/status_macros.h"
#include "services/appointments/domain/availability.h"

namespace parley::appointments {
namespace {

constexpr char kMeetingOfferedTemplate[] = "appointments.meeting_offered";

// A write that lost a race is planned again on the request as it then stands, this many times.
constexpr int kPlanAttempts = 3;

std::string Utc(absl::Time t) { return absl::FormatTime("%Y-%m-%dT%H:%M:%SZ", t, absl::UTCTimeZone()); }

// The booker's key for the booking of this call: the same request id in the booker's own scope,
// so a retried AcceptTime finds the booking its first attempt made.
RequestKey BookerKey(const RequestKey& key, const char* what) {
  return RequestKey{absl::StrCat(key.scope, "/", what), key.request_id, key.fingerprint};
}

// "answer_breach" for "appointments.answer_breach".
std::string NoticeKind(const std::string& template_key) {
  constexpr absl::string_view kPrefix = "appointments.";
  return absl::StartsWith(template_key, kPrefix) ? template_key.substr(kPrefix.size()) : template_key;
}

absl::Status CheckEtag(const std::string& etag, const StoredRequest& current) {
  if (!etag.empty() && etag != RequestEtag(current.version)) {
    return Aborted(reason::kStaleEtag,
                   absl::StrCat("meeting request ", current.request.id, " has changed: read it again"));
  }
  return absl::OkStatus();
}

}  // namespace

bool RequestCaller::Reaches(const MeetingRequest& r) const {
  if (guardian()) return r.guardian == id;
  if (!own_only) return true;
  const bool wanted =
      std::any_of(r.wanted.begin(), r.wanted.end(), [&](const WantedPerson& w) { return w.staff == id; });
  return r.owner == id || wanted || (r.slot && r.slot->staff == id);
}

RequestService::RequestService(Ports ports) : ports_(ports) {}

absl::Time RequestService::Now() const { return StoredPrecision(ports_.clock->Now()); }

RequestWrite RequestService::WriteOf(const Change& change, const RequestEncoder& encode) {
  RequestWrite w;
  w.after = change.after;
  w.events = change.events;
  w.timers = change.timers;
  w.encode = encode;
  const MeetingRequest& r = change.after;
  for (const StaffNotice& s : change.notices) {
    Notice n;
    // Request ids are unique per school only: the school makes the key unique in the outbox.
    n.key = absl::StrCat("appointments/", r.school_id, "/meetingRequests/", s.key);
    n.kind = NoticeKind(s.template_key);
    n.school_id = r.school_id;
    n.subject = absl::StrCat("meetingRequests/", r.id);
    n.template_key = s.template_key;
    n.priority = s.urgent ? "emergency" : "important";
    n.staff_ids = {s.recipient};
    n.pupil_ids = r.pupils;
    n.variables = {{"meeting_request", absl::StrCat("schools/", r.school_id, "/meetingRequests/", r.id)},
                   {"due_time", Utc(s.due)}};
    if (!r.category.empty()) n.variables["category"] = r.category;
    n.not_before = StoredPrecision(s.earliest);
    w.notices.push_back(std::move(n));
  }
  // The guardian hears that times are on offer (their app shows them).
  for (const RequestEvent& e : change.events) {
    if (e.kind != RequestEventKind::kSlotsOffered) continue;
    Notice n;
    n.key = absl::StrCat("appointments/", r.school_id, "/meetingRequests/", r.id, "/", e.seq, "/meeting_offered/",
                         r.guardian);
    n.kind = "meeting_offered";
    n.school_id = r.school_id;
    n.subject = absl::StrCat("meetingRequests/", r.id);
    n.template_key = kMeetingOfferedTemplate;
    n.guardian_ids = {r.guardian};
    n.pupil_ids = r.pupils;
    n.variables = {{"meeting_request", absl::StrCat("schools/", r.school_id, "/meetingRequests/", r.id)}};
    n.not_before = e.at;
    w.notices.push_back(std::move(n));
  }
  return w;
}

absl::StatusOr<StaffMember> RequestService::MemberOf(const std::string& school_id, const std::string& staff,
                                                     std::vector<std::shared_ptr<const calendar::Calendar>>& keep) {
  PARLEY_ASSIGN_OR_RETURN(StaffTime time, ports_.directory->StaffTimeOf(school_id, staff));
  keep.push_back(time.calendar);
  return StaffMember{staff, time.calendar.get(), time.teaching_hours};
}

absl::StatusOr<std::string> RequestService::Create(const RequestKey& key, const RequestCaller& caller,
                                                   const NewMeetingRequest& in, const RequestEncoder& encode) {
  PARLEY_ASSIGN_OR_RETURN(std::optional<std::string> replayed, ports_.store->FindResponse(key));
  if (replayed) return *std::move(replayed);
  const absl::Time now = Now();
  if (in.pupil.empty()) return InvalidArgument(reason::kPupilRequired, "meeting_request.pupil is required");
  if (in.want_staff.empty() && in.want_roles.empty()) {
    return InvalidArgument(
        reason::kInvalidField,
        "meeting_request: name at least one member of staff or role to meet (want_staff, want_roles)");
  }
  if (caller.guardian() && in.guardian != caller.id) {
    // A guardian asks only for themselves; another family's request looks like no such pupil.
    return NotFound(reason::kPupilNotFound, absl::StrCat("pupil ", in.pupil, " not found at school ", in.school_id));
  }
  const absl::Time received = in.received_at == absl::InfinitePast() ? now : StoredPrecision(in.received_at);
  if (received > now) {
    return InvalidArgument(reason::kInvalidField, "meeting_request.receive_time must not be in the future");
  }

  // Parents and carers discuss only their own children: a guardian's request about another child is
  // answered as a pupil that is not there; staff are told why.
  PARLEY_ASSIGN_OR_RETURN(std::vector<GuardianLink> links, ports_.directory->LinksOfGuardian(in.guardian, received));
  auto link = std::find_if(links.begin(), links.end(), [&](const GuardianLink& l) {
    return l.school_id == in.school_id && l.pupil_id == in.pupil;
  });
  if (link == links.end()) {
    if (caller.guardian()) {
      return NotFound(reason::kPupilNotFound, absl::StrCat("pupil ", in.pupil, " not found at school ", in.school_id));
    }
    return FailedPrecondition(reason::kNotLinkedToPupil,
                              absl::StrCat("guardian ", in.guardian, " is not linked to pupil ", in.pupil,
                                           ": parents and carers meet about their own children"));
  }
  if (link->excluded) {
    return FailedPrecondition(reason::kCourtOrderExcludes,
                              absl::StrCat("a court order in force removes guardian ", in.guardian,
                                           "'s contact with or information about pupil ", in.pupil));
  }

  MeetingRequest fresh;
  fresh.school_id = in.school_id;
  // Derived from the key: a retry racing its twin names the same request.
  fresh.id = absl::StrCat("mr-", request::Fingerprint(absl::StrCat(key.scope, "/", key.request_id)).substr(0, 16));
  fresh.kind = in.kind;
  fresh.requester = caller.actor;
  fresh.guardian = in.guardian;
  fresh.pupils = {in.pupil};
  fresh.topic = in.topic;
  fresh.category = in.category;
  fresh.modes = in.kind == RequestKind::kCall ? std::vector<Mode>{Mode::kPhone} : in.modes;
  fresh.windows = in.windows;
  fresh.received_at = received;
  fresh.channel = in.kind == RequestKind::kCall ? directory::Channel::kPhone : directory::Channel::kMeetingRequest;
  fresh.enquiry = in.enquiry;
  for (const std::string& staff : in.want_staff) {
    PARLEY_RETURN_IF_ERROR(ports_.directory->CheckStaff(in.school_id, staff, received));
    fresh.wanted.push_back(WantedPerson{WantedRole::kNamed, staff});
  }
  for (WantedRole role : in.want_roles) {
    PARLEY_ASSIGN_OR_RETURN(std::string staff, ports_.directory->StaffForRole(in.school_id, in.pupil, role));
    fresh.wanted.push_back(WantedPerson{role, staff});
  }
  fresh.owner = fresh.wanted.front().staff;

  // The clocks are the directory's answer for the school's rule (stage respond: the answer; hold a
  // meeting: the hold), none where the policy promises none.
  std::optional<RequestClock> clocks[2];
  const std::pair<ClockKind, directory::Stage> stages[] = {{ClockKind::kAnswer, directory::Stage::kRespond},
                                                           {ClockKind::kHold, directory::Stage::kHoldMeeting}};
  for (int i = 0; i < 2; ++i) {
    PARLEY_ASSIGN_OR_RETURN(
        std::optional<PolicyDue> due,
        ports_.directory->Due(in.school_id, fresh.channel, stages[i].second, received, fresh.owner, fresh.category));
    if (!due) continue;
    RequestClock c;
    c.kind = stages[i].first;
    c.stage = stages[i].second;
    c.clock_start = StoredPrecision(due->clock_start);
    c.due = StoredPrecision(due->due);
    c.policy_text = due->policy_text;
    c.owner = due->owner;
    c.calendar_version = due->calendar_version;
    c.explanation = due->explanation;
    clocks[i] = std::move(c);
  }
  // Open checks the request and records it; the clocks it would compute from rules are replaced
  // by the directory's, and the record folded again with them.
  PARLEY_ASSIGN_OR_RETURN(Change change, Open(fresh, ClockPolicy{}, Act{caller.actor, now, ""}));
  change.events.front().answer = clocks[0];
  change.events.front().hold = clocks[1];
  MeetingRequest given = fresh;
  given.history = change.events;
  change.after = Replay(given);
  change.timers = Timers(change.after);
  PARLEY_ASSIGN_OR_RETURN(RequestWriteResult result, ports_.store->Create(key, WriteOf(change, encode)));
  return std::move(result.response);
}

absl::StatusOr<StoredRequest> RequestService::Visible(const RequestCaller& caller, const std::string& school_id,
                                                      const std::string& id) {
  PARLEY_ASSIGN_OR_RETURN(StoredRequest stored, ports_.store->Get(school_id, id));
  if (!caller.Reaches(stored.request)) return RequestNotFound(school_id, id);
  return stored;
}

absl::StatusOr<StoredRequest> RequestService::Get(const RequestCaller& caller, const std::string& school_id,
                                                  const std::string& id) {
  return Visible(caller, school_id, id);
}

absl::StatusOr<Page<StoredRequest>> RequestService::List(const RequestCaller& caller, const std::string& school_id,
                                                         RequestFilter filter, PageQuery page) {
  if (caller.guardian()) {
    if (!filter.guardian.empty() && filter.guardian != caller.id) return Page<StoredRequest>();
    filter.guardian = caller.id;
  } else if (caller.own_only) {
    if (!filter.owner.empty() && filter.owner != caller.id) return Page<StoredRequest>();
    filter.owner = caller.id;
  }
  return ports_.store->List(school_id, filter, page);
}

absl::StatusOr<std::string> RequestService::Mutate(
    const RequestKey& key, const RequestCaller& caller, const std::string& school_id, const std::string& id,
    const std::string& etag, const RequestEncoder& encode,
    const std::function<absl::StatusOr<Change>(const StoredRequest& current, absl::Time now)>& plan) {
  PARLEY_ASSIGN_OR_RETURN(std::optional<std::string> replayed, ports_.store->FindResponse(key));
  if (replayed) return *std::move(replayed);
  for (int attempt = 1;; ++attempt) {
    PARLEY_ASSIGN_OR_RETURN(StoredRequest current, Visible(caller, school_id, id));
    // The caller's etag holds for the first plan only: a race lost after it is ours to replan.
    if (attempt == 1) PARLEY_RETURN_IF_ERROR(CheckEtag(etag, current));
    PARLEY_ASSIGN_OR_RETURN(Change change, plan(current, Now()));
    if (change.events.empty()) return encode ? encode(current) : std::string();
    absl::StatusOr<RequestWriteResult> result = ports_.store->Append(key, current.version, WriteOf(change, encode));
    if (result.ok()) return std::move(result->response);
    const bool moved = absl::IsAborted(result.status()) && ErrorReason(result.status()) == reason::kRecordChanged;
    if (!moved || attempt >= kPlanAttempts) return result.status();
  }
}

absl::StatusOr<std::vector<Interval>> RequestService::FreeTimeOf(const std::string& school_id, const std::string& staff,
                                                                 Interval window, absl::Time now) {
  PARLEY_ASSIGN_OR_RETURN(StaffTime time, ports_.directory->StaffTimeOf(school_id, staff));
  AvailabilityInput input;
  input.calendar = time.calendar.get();
  input.teaching_hours = time.teaching_hours;
  PARLEY_ASSIGN_OR_RETURN(input.exceptions, ports_.settings->Exceptions(school_id, staff, window.start, window.end));
  PARLEY_ASSIGN_OR_RETURN(input.busy, ports_.bookings->ListBusy(school_id, Occupant{OccupantKind::kStaff, staff},
                                                                window.start, window.end, now));
  return FreeTime(input, window);
}

absl::StatusOr<std::string> RequestService::OfferTimes(const RequestKey& key, const RequestCaller& caller,
                                                       const std::string& school_id, const std::string& id,
                                                       const std::string& etag, const std::vector<OfferedTime>& times,
                                                       const RequestEncoder& encode) {
  if (caller.guardian()) return PermissionDenied(reason::kRoleRequired, "only the school offers times");
  return Mutate(key, caller, school_id, id, etag, encode,
                [&](const StoredRequest& current, absl::Time now) -> absl::StatusOr<Change> {
                  const MeetingRequest& r = current.request;
                  const Mode mode = r.modes.empty() ? Mode::kInPerson : r.modes.front();
                  std::vector<MeetingSlot> slots;
                  for (const OfferedTime& t : times) {
                    slots.push_back(MeetingSlot{Interval{StoredPrecision(t.time.start), StoredPrecision(t.time.end)},
                                                t.staff.empty() ? r.owner : t.staff, mode});
                  }
                  // The rules first (state, shape, whom and when the guardian accepts), then the
                  // staff member's own time.
                  PARLEY_ASSIGN_OR_RETURN(Change change, OfferSlots(r, Act{caller.actor, now, ""}, slots));
                  for (const MeetingSlot& s : slots) {
                    PARLEY_ASSIGN_OR_RETURN(std::vector<Interval> free, FreeTimeOf(school_id, s.staff, s.time, now));
                    if (free.size() != 1 || free.front() != s.time) {
                      return InvalidArgument(
                          reason::kSlotNotAvailable,
                          absl::StrCat("staff ", s.staff, " is not free for the whole slot at ", Utc(s.time.start)));
                    }
                  }
                  return change;
                });
}

absl::StatusOr<std::string> RequestService::CounterOffer(const RequestKey& key, const RequestCaller& caller,
                                                         const std::string& school_id, const std::string& id,
                                                         const std::string& etag, const std::vector<Interval>& times,
                                                         const RequestEncoder& encode) {
  std::vector<Interval> proposed;
  for (const Interval& t : times) proposed.push_back(Interval{StoredPrecision(t.start), StoredPrecision(t.end)});
  return Mutate(key, caller, school_id, id, etag, encode, [&](const StoredRequest& current, absl::Time now) {
    return appointments::CounterOffer(current.request, Act{caller.actor, now, ""}, proposed);
  });
}

absl::StatusOr<std::string> RequestService::AcceptTime(const RequestKey& key, const RequestCaller& caller,
                                                       const std::string& school_id, const std::string& id,
                                                       const std::string& etag, const Interval& time,
                                                       std::optional<Mode> mode, const RequestEncoder& encode) {
  const Interval wanted{StoredPrecision(time.start), StoredPrecision(time.end)};
  std::string booking_id;  // once booked: a replan keeps the same booking
  return Mutate(key, caller, school_id, id, etag, encode,
                [&](const StoredRequest& current, absl::Time now) -> absl::StatusOr<Change> {
                  const MeetingRequest& r = current.request;
                  auto offered = std::find_if(r.offered.begin(), r.offered.end(), [&](const MeetingSlot& s) {
                    return s.time == wanted && (!mode || s.mode == *mode);
                  });
                  MeetingSlot slot = offered != r.offered.end()
                                         ? *offered
                                         : MeetingSlot{wanted, r.owner, mode.value_or(Mode::kInPerson)};
                  // The rules refuse a wrong state or a time not offered before anything is booked.
                  const Act act{caller.actor, now, ""};
                  PARLEY_RETURN_IF_ERROR(Accept(r, act, slot, "checking").status());
                  if (booking_id.empty()) {
                    PARLEY_ASSIGN_OR_RETURN(Booking booking, ports_.booker->BookForRequest(BookerKey(key, "book"), r,
                                                                                           slot, caller.actor, now));
                    booking_id = booking.id;
                  }
                  return Accept(r, act, slot, booking_id);
                });
}

absl::StatusOr<std::string> RequestService::Decline(const RequestKey& key, const RequestCaller& caller,
                                                    const std::string& school_id, const std::string& id,
                                                    const std::string& etag, const std::string& reason,
                                                    const RequestEncoder& encode) {
  return Mutate(key, caller, school_id, id, etag, encode, [&](const StoredRequest& current, absl::Time now) {
    return appointments::Decline(current.request, Act{caller.actor, now, reason});
  });
}

absl::StatusOr<std::string> RequestService::Withdraw(const RequestKey& key, const RequestCaller& caller,
                                                     const std::string& school_id, const std::string& id,
                                                     const std::string& etag, const RequestEncoder& encode) {
  return Mutate(key, caller, school_id, id, etag, encode,
                [&](const StoredRequest& current, absl::Time now) -> absl::StatusOr<Change> {
                  const MeetingRequest& r = current.request;
                  if (r.state != RequestState::kBooked) {
                    return appointments::Withdraw(r, Act{caller.actor, now, "withdrawn by the guardian"});
                  }
                  const Act act{caller.actor, now, "withdrawn by the guardian"};
                  PARLEY_ASSIGN_OR_RETURN(Change change, Cancel(r, act, Party::kGuardian));
                  // The booking goes first: a request shown cancelled must not keep the time taken.
                  PARLEY_RETURN_IF_ERROR(ports_.booker->CancelForRequest(BookerKey(key, "cancel"), school_id,
                                                                         r.booking_id, act.reason, now));
                  return change;
                });
}

absl::Status RequestService::MeetingOutcome(const RequestKey& key, const std::string& school_id,
                                            const std::string& request_id, const std::string& booking_id,
                                            Outcome outcome, const std::string& actor, absl::Time at) {
  const RequestCaller service{RequestCaller::Kind::kService, "", actor};
  return Mutate(key, service, school_id, request_id, "", nullptr,
                [&](const StoredRequest& current, absl::Time now) -> absl::StatusOr<Change> {
                  const MeetingRequest& r = current.request;
                  if (r.booking_id != booking_id) {
                    return FailedPrecondition(
                        reason::kWrongState,
                        absl::StrCat("booking ", booking_id, " is not the booking of meeting request ", r.id));
                  }
                  const Act act{actor, StoredPrecision(std::min(at, now)), ""};
                  switch (outcome) {
                    case Outcome::kHeld:
                      if (r.state == RequestState::kMissed) return CalledBack(r, act);
                      return MarkHeld(r, act);
                    case Outcome::kNoShow:
                      return MarkNoShow(r, act);
                    case Outcome::kCallMissed: {
                      if (!r.slot) return MarkCallMissed(r, act, StaffMember{});
                      std::vector<std::shared_ptr<const calendar::Calendar>> keep;
                      PARLEY_ASSIGN_OR_RETURN(StaffMember teacher, MemberOf(school_id, r.slot->staff, keep));
                      return MarkCallMissed(r, act, teacher);
                    }
                    case Outcome::kCancelledBySchool:
                      return Cancel(r, Act{actor, act.at, "cancelled by the school"}, Party::kSchool);
                  }
                  return absl::InternalError("unknown meeting outcome");
                })
      .status();
}

RequestTimerPlan RequestService::ClockTimerPlan() {
  RequestTimerPlan p;
  p.plan = [this](const StoredRequest& current, ClockKind kind, absl::Time armed_due,
                  absl::Time now) -> absl::StatusOr<std::optional<RequestWrite>> {
    const MeetingRequest& r = current.request;
    const std::optional<RequestClock>& c = r.clock(kind);
    // Stale timers change nothing; the directory is asked only for a breach to plan.
    if (!r.live() || !c || c->state != ClockState::kRunning || c->breached_at || c->due != armed_due || now < c->due) {
      return std::nullopt;
    }
    std::vector<std::shared_ptr<const calendar::Calendar>> keep;
    const std::string owner_id = kind == ClockKind::kCallBack && !c->owner.empty() ? c->owner : r.owner;
    BreachContext context;
    PARLEY_ASSIGN_OR_RETURN(context.owner, MemberOf(r.school_id, owner_id, keep));
    PARLEY_ASSIGN_OR_RETURN(std::string manager, ports_.directory->LineManagerOf(r.school_id, owner_id));
    if (!manager.empty() && manager != owner_id) {
      PARLEY_ASSIGN_OR_RETURN(context.line_manager, MemberOf(r.school_id, manager, keep));
    }
    PARLEY_ASSIGN_OR_RETURN(Change change, OnClockDue(r, kind, armed_due, StoredPrecision(now), context));
    if (change.events.empty()) return std::nullopt;
    return WriteOf(change, nullptr);
  };
  return p;
}

absl::StatusOr<std::vector<Interval>> RequestService::ListAvailableSlots(const AvailableSlotsQuery& q) {
  if (q.staff.empty()) return InvalidArgument(reason::kInvalidField, "staff: name at least one member of staff");
  if (q.window.empty()) return InvalidArgument(reason::kInvalidField, "window ends at or before its start");
  if (q.window.length() > absl::Hours(24 * 31)) {
    return InvalidArgument(reason::kInvalidField, "window is longer than 31 days");
  }
  if (q.length && *q.length <= absl::ZeroDuration()) {
    return InvalidArgument(reason::kInvalidField, "length must be positive");
  }
  const absl::Time now = Now();
  PARLEY_ASSIGN_OR_RETURN(AppointmentSettings settings, ports_.settings->Settings(q.school_id));
  PARLEY_ASSIGN_OR_RETURN(absl::TimeZone zone, ports_.directory->TimeZoneOf(q.school_id));
  // Not in the past: the window starts no earlier than now.
  const Interval window{std::max(q.window.start, now), q.window.end};
  if (window.empty()) return std::vector<Interval>();
  std::vector<Interval> free{window};
  for (const std::string& staff : q.staff) {
    PARLEY_RETURN_IF_ERROR(ports_.directory->CheckStaff(q.school_id, staff, now));
    PARLEY_ASSIGN_OR_RETURN(std::vector<Interval> theirs, FreeTimeOf(q.school_id, staff, window, now));
    // Free together: what is free for everyone so far, minus what is not free for this one.
    free = Subtract(free, Subtract(std::vector<Interval>{window}, theirs));
  }
  if (!q.guardian.empty()) {
    PARLEY_ASSIGN_OR_RETURN(std::vector<Interval> busy,
                            ports_.bookings->ListBusy(q.school_id, Occupant{OccupantKind::kGuardian, q.guardian},
                                                      window.start, window.end, now));
    free = Subtract(free, Normalize(std::move(busy)));
  }
  std::vector<Interval> slots = SlotsIn(free, q.length.value_or(settings.meeting_length), settings.slot_step, zone);
  if (q.limit > 0 && static_cast<int>(slots.size()) > q.limit) slots.resize(q.limit);
  return slots;
}

}  // namespace parley::appointments
