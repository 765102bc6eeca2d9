// What the escalation service asks its peers, as plain types: the conduct gate (may this message
// start a clock?) and the trust directory (who owns it, the ladder above them, their line
// manager, when they next work). When a promise falls due is the domain's DeadlineSource
// (domain/enquiry_view.h), which contacts also answers. Ports of the domain: implemented over gRPC
// in clients/grpc_peers, faked in testing/.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/str_cat.h"
#include "absl/time/time.h"
#include "common/status/reason.h"

namespace parley::escalation {

// The conduct gate's answer for an inbound message.
struct GateAnswer {
  enum class Outcome { kAllow = 1, kDefer = 2, kRedirect = 3, kNoResponseRequired = 4 };
  Outcome outcome = Outcome::kAllow;
  std::string decision;                         // "schools/{school}/decisions/{id}"
  std::optional<absl::Time> next_allowed_time;  // DEFER
  std::string explanation;
  // What an auditor needs of the decision intake acts on, kept with the enquiry (conduct writes its
  // own log of queries behind the answer; docs/architecture.md#the-conduct-gate).
  std::string arrangement;  // "schools/{school}/arrangements/{id}" that decided; empty when none did
  int arrangement_version = 0;
  std::string premises_ban;  // "schools/{school}/premisesBans/{id}" behind the outcome; empty when none
  int64_t premises_ban_version = 0;
  std::optional<absl::Time> decided_at;  // conduct's decide_time
};

struct GateQuestion {
  std::string school_id;
  std::string guardian;  // "guardians/{id}"; the gate is not asked for unidentified senders
  int channel = 0;       // parley.conduct.v1.Channel value (1-5 match escalation's)
  absl::Time at;
  bool safeguarding = false;
  // The intake's request id: the gate keeps one decision per caller and request id, so a retried
  // or concurrent copy of one intake records one decision.
  std::string request_id;
};

class Gate {
 public:
  virtual ~Gate() = default;
  virtual absl::StatusOr<GateAnswer> Check(const GateQuestion& question) = 0;
};

// A member of staff a matter is routed to.
struct Person {
  std::string staff;  // "schools/{school}/staff/{id}"
  std::string role;   // "class teacher", "senco"
};

struct Route {
  Person owner;
  std::vector<Person> also_notify;  // safeguarding: the deputies
  bool channel_allowed = true;
  std::string channel_rule;  // what to tell the sender when the channel is not allowed
  bool safeguarding = false;
};

struct Ladder {
  std::vector<Person> rungs;  // rung 0 first
  bool refer_to_complaints_after_top = true;
};

struct BreachSwitches {
  bool notify_line_manager = true;
  bool escalate_on_response_breach = true;
  bool refer_to_complaints_at_top = true;
};

// A guardian's link to a pupil, for intake's "only their own children".
struct GuardianLink {
  std::string pupil;      // "schools/{school}/pupils/{pupil}"
  bool excluded = false;  // a court order in force removes contact with or information about the pupil
};

// A member of staff named by the parent, and whether the school gives them the matter.
struct Addressee {
  enum class Availability { kAvailable, kLeft, kAway };
  Availability availability = Availability::kAvailable;  // on the receipt date
  std::string role;                                      // their first role in the directory, shown as the owner's role
  bool policy_honours = false;  // the school's policy gives an addressed matter to the person named
};

class Directory {
 public:
  virtual ~Directory() = default;
  // INVALID_ARGUMENT for an unknown category (or a subject-teacher route without its subject);
  // NOT_FOUND for a pupil that is not the school's. `teaching_subject` may be empty.
  virtual absl::StatusOr<Route> RouteEnquiry(const std::string& school_id, const std::string& pupil,
                                             const std::string& category, const std::string& teaching_subject,
                                             int channel) = 0;
  virtual absl::StatusOr<Ladder> ResolveLadder(const std::string& school_id, const std::string& pupil,
                                               const std::string& category, const std::string& teaching_subject) = 0;
  // Empty when the member has none.
  virtual absl::StatusOr<std::string> LineManagerOf(const std::string& staff) = 0;
  virtual absl::StatusOr<absl::Time> NextWorkingTime(const std::string& school_id, const std::string& staff,
                                                     absl::Time at) = 0;
  // The school's current calendar and policy fingerprints.
  virtual absl::StatusOr<std::pair<std::string, std::string>> Versions(const std::string& school_id) = 0;
  // What the school's policy says a breach does (contacts' BreachPolicy).
  virtual absl::StatusOr<BreachSwitches> BreachPolicyOf(const std::string& school_id) = 0;
  // The school's time zone (its calendar's), for dates and times written to guardians.
  virtual absl::StatusOr<absl::TimeZone> TimeZoneOf(const std::string& school_id) = 0;
  // The pupils `guardian` ("guardians/{id}") is linked to at every school, each with whether a
  // court order in force on the day of `at` (the school's day) removes contact or information;
  // empty when the directory knows no such guardian. Asked at every intake naming a guardian and a
  // pupil, whoever records it, and never cached: a link removed stops the next intake.
  virtual absl::StatusOr<std::vector<GuardianLink>> LinksOfGuardian(const std::string& guardian, absl::Time at) = 0;
  // The member of staff an enquiry is addressed to ("schools/{school}/staff/{id}"), as on the day
  // of `at`: NOT_FOUND (STAFF_NOT_FOUND) when the school's directory does not hold them.
  virtual absl::StatusOr<Addressee> AddresseeOf(const std::string& staff, absl::Time at) = 0;
};

// The answer for a pupil that is not the school's: routing's (contacts' NOT_FOUND PUPIL_NOT_FOUND,
// the same words). Intake gives it for a pupil routing did not find and for a pupil a guardian is
// not linked to, so the two cannot be told apart. `pupil` is "schools/{school}/pupils/{pupil}".
inline absl::Status PupilNotFound(const std::string& school_id, const std::string& pupil) {
  return NotFound(reason::kPupilNotFound,
                  absl::StrCat("pupil ", pupil.substr(pupil.rfind('/') + 1), " is not on roll at school ", school_id));
}

}  // namespace parley::escalation
