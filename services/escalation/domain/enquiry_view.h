// An enquiry as people see it now — state, owner, rung, response cycle and the current
// acknowledge, respond and follow-up clocks — derived from its history alone
// (docs/architecture.md#enquiries-and-timers: "state is derived from history; the current deadlines are a pure function
// of history + calendar + policy").
//
// Deadlines are not computed from scratch here. Each clock comes from the snapshot of the last
// event that set it (routed, escalated, reopened, recomputed); pauses recorded after it are
// applied by asking a DeadlineSource again from the same clock start on the same calendar (clock
// rule 3, docs/architecture.md#policy-clock-rules). A clock no pause touches uses its snapshot as is, so listing
// enquiries asks the source nothing.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "common/calendar/calendar.h"
#include "services/escalation/domain/model.h"

namespace parley::escalation {

// What a deadline source is asked: when does this stage fall due for this matter?
struct DeadlineQuery {
  std::string school_id;
  Channel channel = Channel::kEmail;
  Stage stage = Stage::kAcknowledge;
  std::string category;
  absl::Time clock_from;  // receipt, DEFER window, rung arrival or reopen instant
  std::string owner;      // for policies whose clock follows the owner's working pattern
  std::vector<calendar::Pause> pauses;
  bool safeguarding = false;  // an ELAPSED clock, whatever the channel's rule
  bool urgent = false;        // the policy's rule for urgent matters wins where it has one
};

struct DueAt {
  absl::Time clock_start;
  std::optional<absl::Time> due;  // unset while an open pause holds the clock
  std::string calendar_version;   // fingerprint of the calendar actually used
  std::string policy_version;
  std::string explanation;  // clock rule 9 (docs/architecture.md#policy-clock-rules); may be empty
};

// The policy clock as escalation sees it: contacts over gRPC in the service, a calendar in tests.
// Errors pass through unchanged (FAILED_PRECONDITION / CALENDAR_EXHAUSTED, NO_POLICY_RULE, ...).
class DeadlineSource {
 public:
  virtual ~DeadlineSource() = default;
  virtual absl::StatusOr<DueAt> Compute(const DeadlineQuery& query) = 0;
  // The school's working time in each of `spans` ([from, to); zero when to <= from), on its
  // current calendar: the figures measured in working time, so a 2-day and a 5-day school compare
  // on the same footing.
  virtual absl::StatusOr<std::vector<absl::Duration>> WorkingTimes(
      const std::string& school_id, const std::vector<std::pair<absl::Time, absl::Time>>& spans) = 0;
};

// Values match parley.escalation.v1.ClockState.
enum class ClockStatus {
  kPending = 1,   // running, not yet due
  kPaused = 2,    // held while the school awaits the parent: no due instant
  kMet = 3,       // kept before it fell due
  kBreached = 4,  // fell due before it was kept (or was kept late)
};

struct ClockView {
  Stage stage = Stage::kAcknowledge;
  absl::Time clock_from;
  absl::Time clock_start;
  std::optional<absl::Time> due;  // unset while paused
  ClockStatus status = ClockStatus::kPending;
  std::optional<absl::Time> met_at;
  // A breached event already handled this clock; its timer must not fire again.
  bool breach_recorded = false;
  // Of `due`: the snapshot's, or the source's when a pause made Derive ask again.
  std::string owner;  // whose calendar set it
  std::string calendar_version;
  std::string policy_version;
  std::string
      explanation;  // how `due` was reached (clock rule 9 (docs/architecture.md#policy-clock-rules)); may be empty
  ClockSnapshot recorded;  // as last set in the history: what a recomputation compares
};

struct EnquiryView {
  EnquiryState state = EnquiryState::kOpen;
  std::string owner;
  int rung = 0;
  std::string owner_role;  // "Class teacher", "SENCo": the owner's role at their rung
  int cycle = 0;           // 1 for the first response cycle; each reopening adds one; 0 before routing
  // Absent when no such clock runs (redirected, no response required, not yet routed).
  std::optional<ClockView> acknowledge;
  std::optional<ClockView> respond;
  // Where the policy promises a follow-up for the channel: from receipt (or the DEFER window) to
  // resolution; a reopening starts a new one. Not renewed per rung.
  std::optional<ClockView> follow_up;
  std::optional<GateOutcome> gate;
  std::string gate_decision;
  std::vector<calendar::Pause> pauses;  // every pause, the last possibly open
  // The promise to the guardian in force: the latest promised date of the current response cycle
  // (acknowledged or progress events), and why it is later than the respond deadline, if it is.
  std::optional<absl::Time> promised_at;
  std::string promise_reason;

  const std::optional<ClockView>& clock(Stage stage) const {
    switch (stage) {
      case Stage::kAcknowledge:
        return acknowledge;
      case Stage::kRespond:
        return respond;
      case Stage::kFollowUp:
        return follow_up;
    }
    return respond;
  }
  // Still owed something: a clock may run and staff may act.
  bool live() const {
    return state == EnquiryState::kOpen || state == EnquiryState::kAcknowledged ||
           state == EnquiryState::kAwaitingParent;
  }
};

// The pauses that can move a clock: they overlap its run and began before it was met.
std::vector<calendar::Pause> PausesAffecting(const std::vector<calendar::Pause>& pauses, absl::Time clock_from,
                                             std::optional<absl::Time> met_at);

// The question to ask a source about one of the enquiry's clocks.
DeadlineQuery QueryFor(const Enquiry& enquiry, Stage stage, absl::Time clock_from, const std::string& owner,
                       std::vector<calendar::Pause> pauses = {});

// State, owner and rung only: no clock is computed and no source is asked.
EnquiryView DeriveState(const Enquiry& enquiry);

// The full view at `now`: DeriveState plus the clocks. Fails only when the source does (a clock
// that a pause touched must be recomputed).
absl::StatusOr<EnquiryView> Derive(const Enquiry& enquiry, absl::Time now, DeadlineSource& source);

}  // namespace parley::escalation
