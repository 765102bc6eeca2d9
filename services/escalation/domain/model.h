// The escalation service's domain values: an enquiry (a parent's message) and its append-only
// history of events (docs/architecture.md#enquiries-and-timers). Plain value types only: no protobuf, no pqxx. Nothing
// here holds a "current state" or a "current deadline": those are derived from the history by
// services/escalation/domain/enquiry_view.h, so the history is the single source of truth.
//
// References to other services' resources are their resource names, opaque here
// ("schools/st-marys/staff/s-04", "guardians/g-00012"); the enquiry's own id is bare.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "absl/time/time.h"

namespace parley::escalation {

// Values match parley.escalation.v1.Channel and parley.contacts.v1.Channel 1-5.
enum class Channel { kEmail = 1, kLetter = 2, kPhone = 3, kAppMessage = 4, kInPerson = 5 };

// Values match parley.escalation.v1.Stage. kFollowUp: the follow-up action a policy promises after
// the answer (Riverside: calls returned in 2 working days, follow-up done in 10), kept by resolving.
enum class Stage { kAcknowledge = 1, kRespond = 2, kFollowUp = 3 };

// Values match parley.conduct.v1's gate outcome (and conduct's domain Outcome).
enum class GateOutcome { kAllow = 1, kDefer = 2, kRedirect = 3, kNoResponseRequired = 4 };

// Values match parley.escalation.v1.EnquiryEventKind.
enum class EventKind {
  kReceived = 1,
  kGated = 2,
  kRouted = 3,
  kAcknowledged = 4,
  kReplied = 5,
  kPaused = 6,
  kResumed = 7,
  kEscalated = 8,
  kBreached = 9,
  kResolved = 10,
  kReopened = 11,
  kReferredToComplaints = 12,
  kReassigned = 13,
  kMarkedAbusive = 14,
  kRecomputed = 15,
  kProgressRecorded = 22,   // staff told the guardian how the matter stands
  kChannelRedirected = 16,  // the route does not take this channel: recorded, no clock, guardian told how
};

// What became of an enquiry addressed to a member of staff, on its routed event. Values match
// parley.escalation.v1.Addressing.
enum class Addressing {
  kTaken = 1,         // the school's policy honours addressing and they could take it: they own it
  kFallbackLeft = 2,  // they had left by the receipt date: routing decided
  kFallbackAway = 3,  // they were on long leave on the receipt date: routing decided
  kNotHonoured = 4,   // the school's policy does not give addressed matters to the person named
  kSafeguarding = 5,  // a safeguarding concern goes to the DSL whoever it was addressed to
};

// Values match parley.escalation.v1.EnquiryState.
enum class EnquiryState {
  kOpen = 1,                  // waiting to be acknowledged
  kAcknowledged = 2,          // acknowledged (or reopened): waiting for the answer
  kAwaitingParent = 3,        // paused: the clocks stand still
  kResolved = 4,              //
  kReferredToComplaints = 5,  // a breach at the top rung, or the parent still unhappy there
  kRedirected = 6,            // conduct REDIRECT: recorded, no clock
  kNoResponseRequired = 7,    // marked abusive, or conduct NO_RESPONSE_REQUIRED: no clock
};

// Who acts when nobody asked: timers, breaches, recomputations.
inline constexpr char kServiceActor[] = "service:escalation";

// A clock as it was set by an event (routed, escalated, reopened, recomputed): the promise in force
// from then on. `due` is what the deadline source said at that moment, with the pauses known then;
// later pauses are applied by Derive on the same calendar (clock rule 3 (docs/architecture.md#policy-clock-rules)).
struct ClockSnapshot {
  Stage stage = Stage::kAcknowledge;
  // The instant the clock was asked to run from: receipt, the DEFER window, arrival at a rung, or
  // a reopening. Kept apart from clock_start so a recomputation starts from the same instant.
  absl::Time clock_from;
  absl::Time clock_start;         // clock_from moved to the next working period (policy clock)
  std::optional<absl::Time> due;  // unset when set while a pause held the clock
  std::string owner;              // whose calendar set it, when the policy follows the owner
  std::string calendar_version;
  std::string policy_version;
  std::string explanation;  // how contacts reached `due`, in English (clock rule 9
                            // (docs/architecture.md#policy-clock-rules)); may be empty
};

struct Event {
  int64_t seq = 0;  // 1, 2, ... in the order appended
  EventKind kind = EventKind::kReceived;
  absl::Time at;
  std::string actor;  // token subject, or kServiceActor
  // The owner after the event ("schools/{school}/staff/{id}") and their rung (0 = first owner).
  std::string owner;
  int rung = 0;
  std::string owner_role;  // their role at that rung, as routing or the ladder named it
  std::string reason;      // escalation, reassignment, pause or reopen reason; may be personal data
  // kGated: what the gate said and the decision that said it, with what an auditor needs of it:
  // the arrangement (and version) or premises ban (and revision) behind the outcome and when
  // conduct decided. Written in the intake's transaction, so the decision an enquiry acted on is
  // kept with it whatever conduct's write-behind log holds (docs/architecture.md#the-conduct-gate).
  std::optional<GateOutcome> gate;
  std::string gate_decision;     // "schools/{school}/decisions/{id}"
  std::string gate_arrangement;  // "schools/{school}/arrangements/{id}"; empty when none decided
  int gate_arrangement_version = 0;
  std::string gate_premises_ban;  // "schools/{school}/premisesBans/{id}"; empty when none
  int64_t gate_premises_ban_version = 0;
  std::optional<absl::Time> gate_decided_at;
  // kBreached: which clock, and the due instant that passed.
  std::optional<Stage> stage;
  std::optional<absl::Time> breached_due;
  bool parent_requested = false;  // kEscalated
  // kAcknowledged, kProgressRecorded: when a fuller response or meeting was promised to the
  // guardian; `reason` then says why it is later than the respond deadline, if it is. A promise
  // moves no clock: the policy's clocks stay the contract and the promise is reported beside them.
  std::optional<absl::Time> promised_at;
  std::string progress;  // kProgressRecorded: the update sent to the guardian; personal data, never logged
  // The clocks this event sets: kRouted all three, kEscalated respond, kReopened respond and
  // follow-up, kRecomputed those it recomputed. follow_up only where the policy has a follow-up rule.
  std::optional<ClockSnapshot> acknowledge;
  std::optional<ClockSnapshot> respond;
  std::optional<ClockSnapshot> follow_up;
  // kRouted of an enquiry addressed to someone: whether they took it, or why routing decided.
  std::optional<Addressing> addressing;
};

struct Enquiry {
  std::string id;
  std::string school_id;
  std::string pupil;     // "schools/{school}/pupils/{id}"; empty when the matter concerns none
  std::string guardian;  // "guardians/{id}"; empty for an unidentified sender
  Channel channel = Channel::kEmail;
  std::string category;          // from the school's routing matrix ("learning", "send")
  std::string teaching_subject;  // "maths": for routes and ladders to the subject teacher
  absl::Time received_at;
  bool safeguarding = false;
  // Marked urgent at intake, never changed: routed to the school's "urgent" route where it has
  // one, on its urgent clock where the policy sets one, and its staff notices may interrupt
  // teaching (docs/architecture.md#enquiries-and-timers).
  bool urgent = false;
  std::string subject_ref;  // personal data: never logged
  std::string body_ref;     // personal data: never logged
  // "schools/{school}/staff/{id}": the member of staff the parent named; empty when none.
  std::string addressed_to;
  // The guardian is told nothing about this matter: they are not linked to its pupil, or a court
  // order in force on the receipt date excludes them (taken only as a safeguarding concern).
  bool guardian_not_told = false;
  std::vector<Event> history;
};

// Lower-case words for messages and logs ("awaiting the parent", "acknowledge").
const char* StateWord(EnquiryState state);
const char* StageWord(Stage stage);
const char* EventKindWord(EventKind kind);
const char* GateOutcomeWord(GateOutcome outcome);   // "ALLOW", "DEFER", ... as the API shows them
const char* AddressingWord(Addressing addressing);  // "taken", "fell back: left", ...

// The sequence number the next appended event takes.
int64_t NextSeq(const Enquiry& enquiry);

}  // namespace parley::escalation
