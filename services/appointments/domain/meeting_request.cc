#include "services/appointments/domain/meeting_request.h"

namespace parley::appointments {
namespace {

// Kept at `t`: met when by the due instant, else breached (kept late). A clock already breached or
// stopped keeps its state; a breached one still records when it was kept.
void Meet(std::optional<RequestClock>& clock, absl::Time t) {
  if (!clock.has_value() || clock->state == ClockState::kMet || clock->state == ClockState::kStopped) return;
  if (clock->met_at.has_value()) return;
  clock->met_at = t;
  if (clock->state == ClockState::kRunning) clock->state = t <= clock->due ? ClockState::kMet : ClockState::kBreached;
}

void Stop(std::optional<RequestClock>& clock) {
  if (clock.has_value() && clock->state == ClockState::kRunning) clock->state = ClockState::kStopped;
}

void StopAll(MeetingRequest& r) {
  Stop(r.answer);
  Stop(r.hold);
  Stop(r.call_back);
}

void Breach(std::optional<RequestClock>& clock, absl::Time at) {
  if (!clock.has_value()) return;
  clock->state = ClockState::kBreached;
  clock->breached_at = at;
}

}  // namespace

const std::optional<RequestClock>& MeetingRequest::clock(ClockKind kind) const {
  switch (kind) {
    case ClockKind::kAnswer:
      return answer;
    case ClockKind::kHold:
      return hold;
    case ClockKind::kCallBack:
      return call_back;
  }
  return answer;
}

std::optional<RequestClock>& MeetingRequest::clock(ClockKind kind) {
  return const_cast<std::optional<RequestClock>&>(static_cast<const MeetingRequest&>(*this).clock(kind));
}

const char* RequestStateWord(RequestState state) {
  switch (state) {
    case RequestState::kOpen:
      return "open";
    case RequestState::kOffered:
      return "offered";
    case RequestState::kBooked:
      return "booked";
    case RequestState::kHeld:
      return "held";
    case RequestState::kDeclined:
      return "declined";
    case RequestState::kCancelled:
      return "cancelled";
    case RequestState::kNoShow:
      return "no-show";
    case RequestState::kWithdrawn:
      return "withdrawn";
    case RequestState::kMissed:
      return "missed";
  }
  return "unknown";
}

const char* RequestEventKindWord(RequestEventKind kind) {
  switch (kind) {
    case RequestEventKind::kRequested:
      return "REQUESTED";
    case RequestEventKind::kSlotsOffered:
      return "SLOTS_OFFERED";
    case RequestEventKind::kCounterOffered:
      return "COUNTER_OFFERED";
    case RequestEventKind::kAccepted:
      return "ACCEPTED";
    case RequestEventKind::kDeclined:
      return "DECLINED";
    case RequestEventKind::kBooked:
      return "BOOKED";
    case RequestEventKind::kCancelled:
      return "CANCELLED";
    case RequestEventKind::kNoShow:
      return "NO_SHOW";
    case RequestEventKind::kHeld:
      return "HELD";
    case RequestEventKind::kWithdrawn:
      return "WITHDRAWN";
    case RequestEventKind::kAnswerBreached:
      return "ANSWER_BREACHED";
    case RequestEventKind::kHoldBreached:
      return "HOLD_BREACHED";
    case RequestEventKind::kCallMissed:
      return "CALL_MISSED";
    case RequestEventKind::kCalledBack:
      return "CALLED_BACK";
    case RequestEventKind::kCallBackBreached:
      return "CALL_BACK_BREACHED";
    case RequestEventKind::kEnquiryLinked:
      return "ENQUIRY_LINKED";
  }
  return "UNKNOWN";
}

const char* ClockKindWord(ClockKind kind) {
  switch (kind) {
    case ClockKind::kAnswer:
      return "answer";
    case ClockKind::kHold:
      return "hold";
    case ClockKind::kCallBack:
      return "call-back";
  }
  return "unknown";
}

int64_t NextSeq(const MeetingRequest& request) { return request.history.empty() ? 1 : request.history.back().seq + 1; }

void Apply(MeetingRequest& r, const RequestEvent& e) {
  switch (e.kind) {
    case RequestEventKind::kRequested:
      r.state = RequestState::kOpen;
      r.answer = e.answer;
      r.hold = e.hold;
      r.enquiry = e.enquiry;
      break;
    case RequestEventKind::kSlotsOffered:
      r.state = RequestState::kOffered;
      r.offered = e.slots;
      Meet(r.answer, e.at);
      break;
    case RequestEventKind::kCounterOffered:
      r.state = RequestState::kOpen;
      r.proposed = e.proposed;
      r.offered.clear();
      break;
    case RequestEventKind::kAccepted:
      r.slot = e.slot;
      break;
    case RequestEventKind::kDeclined:
      r.state = RequestState::kDeclined;
      r.offered.clear();
      StopAll(r);
      break;
    case RequestEventKind::kBooked:
      r.state = RequestState::kBooked;
      r.slot = e.slot;
      r.booking_id = e.booking_id;
      r.offered.clear();
      Meet(r.answer, e.at);
      break;
    case RequestEventKind::kCancelled:
      r.slot.reset();
      r.booking_id.clear();
      if (e.by == Party::kSchool) {
        // The promise was the school's to keep: it offers again, on the clocks already running.
        r.state = RequestState::kOpen;
      } else {
        r.state = RequestState::kCancelled;
        StopAll(r);
      }
      break;
    case RequestEventKind::kNoShow:
      // The school kept its side: the meeting was there to be held at the slot's start.
      r.state = RequestState::kNoShow;
      if (r.slot.has_value()) Meet(r.hold, r.slot->time.start);
      StopAll(r);
      break;
    case RequestEventKind::kHeld:
      r.state = RequestState::kHeld;
      if (r.slot.has_value()) Meet(r.hold, r.slot->time.start);
      break;
    case RequestEventKind::kWithdrawn:
      r.state = RequestState::kWithdrawn;
      r.offered.clear();
      StopAll(r);
      break;
    case RequestEventKind::kAnswerBreached:
      Breach(r.answer, e.at);
      break;
    case RequestEventKind::kHoldBreached:
      Breach(r.hold, e.at);
      break;
    case RequestEventKind::kCallMissed:
      r.state = RequestState::kMissed;
      r.call_back = e.call_back;
      break;
    case RequestEventKind::kCalledBack:
      r.state = RequestState::kHeld;
      Meet(r.call_back, e.at);
      Meet(r.hold, e.at);
      break;
    case RequestEventKind::kCallBackBreached:
      Breach(r.call_back, e.at);
      break;
    case RequestEventKind::kEnquiryLinked:
      r.enquiry = e.enquiry;
      break;
  }
}

MeetingRequest Replay(const MeetingRequest& given) {
  MeetingRequest r = given;
  r.state = RequestState::kOpen;
  r.offered.clear();
  r.proposed.clear();
  r.slot.reset();
  r.booking_id.clear();
  r.enquiry.clear();
  r.answer.reset();
  r.hold.reset();
  r.call_back.reset();
  for (const RequestEvent& e : given.history) Apply(r, e);
  return r;
}

}  // namespace parley::appointments
