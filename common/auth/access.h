// Who may read and change what: Parley's one authorisation model (docs/security.md says it for
// people; this file is the model the services run).
//
// Every RPC states one Rule: the kind of record it touches (Resource) and whether it reads or
// changes it (Verb). A role reaches each (resource, verb) so far and no further (Reach): nothing,
// the caller's own records, the public part of a school's records, the records of the pupils the
// caller teaches, the whole school, or every school. A caller's reach is the widest of their roles';
// a reach short of the whole trust applies only at the schools the token names.
//
// The API edge (common/grpc/api_edge.h) refuses a call whose rule the caller's roles do not reach
// at all before anything runs, and hands the handler a Grant: the caller with the rule's reach,
// which the handler asks at the school the request is about (Grant::At) and then narrows to what
// the reach covers (the caller's own records, the pupils they teach, the public view).
//
//   return edge_.Serve(ctx, *req, [&](const auth::Grant& caller) -> absl::Status {
//     PARLEY_ASSIGN_OR_RETURN(auth::Reach reach, caller.At(school_id));
//     if (reach == auth::Reach::kOwn) ... keep only the caller's own records ...
#pragma once

#include <map>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "common/auth/principal.h"

namespace parley::auth {

// The kinds of record an RPC touches. Coarse on purpose: one row per thing a role is trusted with.
enum class Resource {
  kTrust,                 // the trust's profile and its set of schools
  kSchool,                // a school's profile: calendar, published policy, who to contact
  kSchoolRules,           // routing matrix and escalation ladders; deadlines and working periods
  kRouting,               // routing one enquiry about one pupil to the staff who own it
  kStaff,                 // staff records (name, roles, subjects, email, working pattern)
  kPupil,                 // pupil records (name, class, teachers, SEND flag)
  kGuardian,              // guardian records (contact points, household, links to pupils, court orders)
  kDirectory,             // the whole trust's directory at once (import, export)
  kEnquiryIntake,         // opening an enquiry
  kEnquiry,               // reading and handling enquiries (acknowledge, reply, pause, resolve, escalate)
  kEnquiryAssignment,     // reassigning an enquiry, marking contact abusive
  kDecision,              // communication-gate decisions
  kIncident,              // incidents reported about a guardian's conduct
  kIncidentReview,        // recording an incident's outcome, correcting it
  kArrangement,           // communication arrangements and their revisions
  kPremisesBan,           // premises bans
  kLetter,                // letters sent to a guardian about an arrangement or ban
  kStats,                 // a school's aggregate figures
  kReplica,               // directory slices and their versions, for Parley's own services' replicas
  kContactDetails,        // names and contact details of a batch of people, for Parley's own services to deliver
  kNotice,                // notices a school or the trust sends (notifications): send, read, cancel, reopen consent
  kMessage,               // the copies of notices: a guardian's inbox, deliveries per channel, consent replies
  kTemplate,              // notice templates, a school's own and the trust's
  kPreferences,           // a guardian's notification preferences per category and channel
  kNotificationSettings,  // a school's notification settings (digest time, app read wait)
  kDeliveryReceipt,       // providers' delivery receipts, for Parley's own services (the webhook bridge)
  kLetterBatch,           // a school's daily printable letter batches (addresses and letters)
  kMeetingRequest,        // meeting requests and arranged calls, with their history
  kBooking,               // bookings (meetings, calls, parents' evening slots), holds, waiting lists
  kAvailability,          // staff free time for meetings and its per-date exceptions
  kParentsEvening,        // parents' evenings: the grid, the booking window, limits, household rules
  kMeetingNote,           // notes of a meeting (staff only)
  kLegalHold,             // a legal hold on meeting notes, which stops their disposal
  kAppointmentSettings,   // a school's meeting lengths, hold length, records-disposal rules, interpreters
  kReport,                // reports comparing schools' figures (reporting): leaders only
};
inline constexpr int kResourceCount = static_cast<int>(Resource::kReport) + 1;

enum class Verb { kRead, kChange };

// How far a caller reaches over one (resource, verb). Ordered from nothing to everything; a caller
// with several roles reaches as far as the widest.
enum class Reach {
  kNone,    // refused
  kOwn,     // records about the caller: a guardian's own record, children, enquiries, arrangements,
            // letters and decisions; for staff, the enquiries they own
  kPublic,  // the public part of every record at the caller's schools (staff: name and role only)
  kTaught,  // records of the pupils the caller teaches, and of those pupils' guardians
  kSchool,  // every record at the caller's schools
  kTrust,   // every record at every school
};

struct Rule {
  Resource resource;
  Verb verb;
};

// Every method of one gRPC service ("OpenEnquiry") with its rule.
using RuleTable = std::map<std::string, Rule>;

absl::string_view ResourceName(Resource r);
absl::string_view ReachName(Reach r);

// The reach one role has over (resource, verb); kNone for a role Parley does not know.
Reach RoleReach(absl::string_view role, Resource resource, Verb verb);

// The roles Parley knows, in the order docs/security.md lists them.
const std::vector<absl::string_view>& KnownRoles();

// A verified caller together with the rule of the call they are making.
class Grant {
 public:
  Grant(const Principal& principal, Rule rule) : principal_(&principal), rule_(rule) {}

  const Principal& principal() const { return *principal_; }
  const std::string& subject() const { return principal_->subject; }
  Rule rule() const { return rule_; }

  // The widest reach of the caller's roles, wherever the school.
  Reach Widest() const;

  // The caller's reach at `school_id`. PERMISSION_DENIED (WRONG_SCHOOL) when the token does not
  // name the school and no role reaches the whole trust, so another school's caller gets the same
  // answer whether or not a record exists; PERMISSION_DENIED (ROLE_REQUIRED) when it names the
  // school but no role reaches this rule. kOwn applies at every school (the handler keeps only the
  // caller's own records). An empty `school_id` is a record of the trust (a guardian, the
  // directory): only kOwn and kTrust reach apply there.
  absl::StatusOr<Reach> At(absl::string_view school_id) const;

  // At(school_id), and PERMISSION_DENIED (ROLE_REQUIRED) unless the reach is at least `at_least`.
  absl::StatusOr<Reach> AtLeast(absl::string_view school_id, Reach at_least) const;

  // Whether `resource_name` ("guardians/g-1", "schools/x/staff/y") is the caller themselves.
  bool IsSelf(absl::string_view resource_name) const;

  // Whether the caller sees more than their own records at `school_id` (reach kPublic or wider):
  // what a record spanning schools may show of each school (a guardian's links to pupils).
  bool Covers(absl::string_view school_id) const;

  // Trust-wide readers see every school; used to decide what a missing record may be called.
  bool ReachesTrust() const { return Widest() == Reach::kTrust; }

  // Lets checks written against a Principal take a Grant.
  operator const Principal&() const { return *principal_; }  // NOLINT(google-explicit-constructor)

 private:
  const Principal* principal_;
  Rule rule_;
};

// The tenancy a caller's request ids live in: "trust" for callers who reach every school, the
// guardian's own name for a guardian, otherwise the schools the token names and the subject. Two
// tenants never share a request id, so one school's ids cannot collide with (or probe) another's,
// nor one member of staff's replay another's response.
std::string Tenancy(const Principal& p);

}  // namespace parley::auth
