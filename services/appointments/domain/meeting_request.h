// Meeting requests: a guardian (or a member of staff) asks to meet about a pupil, and the school's
// policy promises an answer within N working days and a meeting within M
// (docs/architecture.md#meeting-requests). Arranged calls are requests too (kind CALL): booked at
// an agreed time like any meeting, and a call the teacher could not take opens a call-back clock to
// the end of that working day (Milton Road).
//
// The record's state, slots and clocks are a fold of its append-only history: every rule in
// request_rules.h says what happened as events, and Apply turns an event into the record's next
// state, so Replay(history) always gives back the stored record. Plain value types only: no
// protobuf, no pqxx, no gRPC.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "absl/time/time.h"
#include "common/directory/model.h"
#include "services/appointments/domain/interval.h"

namespace parley::appointments {

enum class RequestKind {
  kMeeting = 1,  // a meeting in person, by phone or by video
  kCall = 2,     // an arranged call: the teacher calls at the agreed time
};

// open → offered → booked → held, or it ends declined, cancelled, no-show or withdrawn. A call the
// teacher missed is `missed` until they call back (→ held).
enum class RequestState {
  kOpen = 1,       // the school owes an offer (at first, or after a counter-offer or its own cancellation)
  kOffered = 2,    // slots offered: the guardian accepts one, declines or proposes other times
  kBooked = 3,     // a slot agreed and booked (booking_id)
  kHeld = 4,       // the meeting took place (a missed call: the call back was made)
  kDeclined = 5,   // the guardian turned the offered slots down and proposed none
  kCancelled = 6,  // the guardian called a booked meeting off
  kNoShow = 7,     // the guardian did not come (or answer) at the booked time
  kWithdrawn = 8,  // the guardian no longer wants a meeting
  kMissed = 9,     // an arranged call the teacher could not take: a call back is owed
};

// How a meeting takes place. Values 1-3 as parley.appointments.v1's meeting mode will have them.
enum class Mode { kInPerson = 1, kPhone = 2, kVideo = 3 };

// Who a guardian asks to see, by role for the pupil or by name; contacts resolves a role to a
// member of staff for the pupil before the request is recorded.
enum class WantedRole {
  kNamed = 0,  // a member of staff named directly
  kClassTeacher = 1,
  kHeadOfYear = 2,
  kSenco = 3,
  kDeputy = 4,
  kHead = 5,
};

struct WantedPerson {
  WantedRole role = WantedRole::kNamed;
  std::string staff;  // staff id at the request's school, resolved for the pupil
};

// A time the school offers (or books): the member of staff whose time it is, and how. Others who
// join (SENCo, an interpreter, an outside agency) are the booking's attendees.
struct MeetingSlot {
  Interval time;
  std::string staff;  // staff id
  Mode mode = Mode::kInPerson;

  friend bool operator==(const MeetingSlot& a, const MeetingSlot& b) {
    return a.time == b.time && a.staff == b.staff && a.mode == b.mode;
  }
  friend bool operator!=(const MeetingSlot& a, const MeetingSlot& b) { return !(a == b); }
};

// The promises a request runs on. kAnswer and kHold come from the school's policy (channel
// meeting request, stages respond and hold a meeting); kCallBack from a missed arranged call.
enum class ClockKind { kAnswer = 1, kHold = 2, kCallBack = 3 };

enum class ClockState {
  kRunning = 1,
  kMet = 2,       // kept by its due instant
  kBreached = 3,  // fell due before it was kept, or was kept late
  kStopped = 4,   // the guardian ended the request (declined, cancelled, withdrew) before it was kept
};

struct RequestClock {
  ClockKind kind = ClockKind::kAnswer;
  directory::Stage stage = directory::Stage::kRespond;  // kCallBack: kFollowUp, the call returned
  absl::Time clock_start;                               // the policy clock's start (rule 2)
  absl::Time due;
  ClockState state = ClockState::kRunning;
  std::optional<absl::Time> met_at;       // when it was kept (late ones too)
  std::optional<absl::Time> breached_at;  // when the breach was recorded: its timer is done
  std::string policy_text;                // the school's own words for the promise
  std::string owner;                      // staff id whose calendar set it; empty: the school's
  std::string calendar_version;           // fingerprint of the calendar used
  std::string explanation;                // how `due` was reached (clock rule 9); may be empty
};

enum class RequestEventKind {
  kRequested = 1,        // sets the answer and hold clocks
  kSlotsOffered = 2,     // meets the answer clock
  kCounterOffered = 3,   // the guardian proposed other times: back to open
  kAccepted = 4,         // the guardian chose one of the offered slots
  kDeclined = 5,         //
  kBooked = 6,           // meets the answer clock; carries the booking id
  kCancelled = 7,        // by the guardian: ends it; by the school: back to open, clocks running
  kNoShow = 8,           //
  kHeld = 9,             // meets the hold clock at the slot's start
  kWithdrawn = 10,       //
  kAnswerBreached = 11,  //
  kHoldBreached = 12,    //
  kCallMissed = 13,      // sets the call-back clock
  kCalledBack = 14,      // meets the call-back and hold clocks
  kCallBackBreached = 15,
  kEnquiryLinked = 16,  // the escalation enquiry this meeting came from
};

// Who called a booked meeting off.
enum class Party { kGuardian = 1, kSchool = 2 };

struct RequestEvent {
  int64_t seq = 0;  // 1, 2, ... in the order appended
  RequestEventKind kind = RequestEventKind::kRequested;
  absl::Time at;
  std::string actor;                       // token subject, or kServiceActor
  std::string reason;                      // cancellation, decline, withdrawal, missed call; may be personal data
  std::vector<MeetingSlot> slots;          // kSlotsOffered
  std::vector<Interval> proposed;          // kCounterOffered: the guardian's times
  std::optional<MeetingSlot> slot;         // kAccepted, kBooked
  std::string booking_id;                  // kBooked, kCancelled
  std::optional<Party> by;                 // kCancelled
  std::optional<RequestClock> answer;      // kRequested, where the policy promises an answer
  std::optional<RequestClock> hold;        // kRequested, where the policy promises a meeting
  std::optional<RequestClock> call_back;   // kCallMissed
  std::optional<absl::Time> breached_due;  // the *Breached kinds: the due instant that passed
  std::string enquiry;                     // kEnquiryLinked; kRequested when it came from one
};

// Who acts when nobody asked: timers.
inline constexpr char kServiceActor[] = "service:appointments";

struct MeetingRequest {
  // Given when the request is made; never changed.
  std::string id;
  std::string school_id;
  RequestKind kind = RequestKind::kMeeting;
  std::string requester;            // "guardians/{id}" or "schools/{school}/staff/{id}"
  std::string guardian;             // guardian id
  std::vector<std::string> pupils;  // pupil ids at the school
  std::string topic;                // personal data: stored, never logged
  std::string category;             // the routing category ("send"): a policy rule for it wins
  std::vector<WantedPerson> wanted;
  // Modes the guardian accepts, the preferred first; empty: any.
  std::vector<Mode> modes;
  // The times the guardian can come; empty: any time.
  std::vector<Interval> windows;
  absl::Time received_at;
  directory::Channel channel = directory::Channel::kMeetingRequest;  // how the request arrived
  std::string owner;                                                 // staff id who owes the answer; told of breaches

  // The fold of the history (Apply).
  RequestState state = RequestState::kOpen;
  std::vector<MeetingSlot> offered;  // while offered
  std::vector<Interval> proposed;    // the guardian's latest counter-offer
  std::optional<MeetingSlot> slot;   // the agreed slot, once accepted or booked
  std::string booking_id;            // once booked
  std::string enquiry;               // "schools/{school}/enquiries/{id}"; empty when none
  std::optional<RequestClock> answer;
  std::optional<RequestClock> hold;
  std::optional<RequestClock> call_back;
  std::vector<RequestEvent> history;

  // Something may still happen: the school acts or a clock may fall due.
  bool live() const {
    return state == RequestState::kOpen || state == RequestState::kOffered || state == RequestState::kBooked ||
           state == RequestState::kMissed;
  }
  const std::optional<RequestClock>& clock(ClockKind kind) const;
  std::optional<RequestClock>& clock(ClockKind kind);
};

// Lower-case words for messages ("offered", "no-show", "answer").
const char* RequestStateWord(RequestState state);
const char* RequestEventKindWord(RequestEventKind kind);  // "REQUESTED", "SLOTS_OFFERED", ...
const char* ClockKindWord(ClockKind kind);

// The sequence number the next appended event takes.
int64_t NextSeq(const MeetingRequest& request);

// The record after `event`: its state, slots and clocks. Appends nothing to the history.
void Apply(MeetingRequest& request, const RequestEvent& event);

// `given` (the fields given at creation) with its history folded from the start: the stored
// record's derived fields are exactly this.
MeetingRequest Replay(const MeetingRequest& given);

}  // namespace parley::appointments
