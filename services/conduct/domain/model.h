// The conduct service's domain: incidents under the parent code of conduct, special communication
// arrangements (versioned), premises bans, and the decisions of the communication gate
// (docs/architecture.md#the-conduct-gate). Plain value types only: no protobuf, no pqxx. References to other services'
// resources (guardians, staff) are kept as their resource names ("guardians/g-00012", "schools/kenilworth/staff/s-04"),
// opaque here; ids of this service's own resources are bare ids.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "absl/time/civil_time.h"
#include "absl/time/time.h"

namespace parley::conduct {

// Values match parley.conduct.v1.Channel (and parley.contacts.v1.Channel for 1-7).
enum class Channel {
  kEmail = 1,
  kLetter = 2,
  kPhone = 3,
  kAppMessage = 4,
  kInPerson = 5,
  kMeetingRequest = 6,
  kSms = 7,
  kVideoCall = 8,
};
inline constexpr int kMaxChannel = 8;

enum class Purpose { kInboundMessage = 1, kMeeting = 2 };

// Ordered from least to most restrictive: with several arrangements in force the highest wins.
enum class Outcome { kAllow = 1, kDefer = 2, kRedirect = 3, kNoResponseRequired = 4 };

enum class MeetingRequirement { kSecondStaff = 1, kHeadInformed = 2, kOffSiteOnly = 3 };

enum class IncidentKind {
  kShouting = 1,
  kThreatening = 2,
  kAbusiveWrittenMessage = 3,
  kHarassment = 4,
  kPhysicalAggression = 5,
  kDamage = 6,
  kSecurityBreach = 7,
  kOther = 8,
};
inline constexpr int kMaxIncidentKind = 8;

enum class IncidentOutcome {
  kPending = 1,
  kNoFurtherAction = 2,
  kWarningGiven = 3,
  kArrangement = 4,
  kPremisesBan = 5,
  kPoliceInvolved = 6,
  kReferredToGovernors = 7,
};
inline constexpr int kMaxIncidentOutcome = 7;

// Why someone was told of an incident: the school's incident notice rules (contacts'
// CommunicationPolicy.incident_notices) said so. Values match parley.conduct.v1.ReferralBasis.
enum class ReferralBasis {
  kLineManager = 1,      // the line manager of the member of staff who recorded it
  kHead = 2,             // in their place: the recorder has no line manager or is not the school's staff
  kRole = 3,             // holds a role the rule names (`role`)
  kStaff = 4,            // named by the rule
  kExternalContact = 5,  // an external contact of the school the rule names (the Chair of Governors)
};
inline constexpr int kMaxReferralBasis = 5;

// One person an incident was referred to when it was recorded (a notice in the outbox).
struct IncidentReferral {
  std::string recipient;  // "schools/{school}/staff/{id}" or "schools/{school}/externalContacts/{id}"
  ReferralBasis basis = ReferralBasis::kStaff;
  std::string role;        // kRole: the role named
  bool immediate = false;  // told at once, even outside their working time

  friend bool operator==(const IncidentReferral& a, const IncidentReferral& b) {
    return a.recipient == b.recipient && a.basis == b.basis && a.role == b.role && a.immediate == b.immediate;
  }
};

struct Incident {
  std::string id;
  std::string school_id;
  std::string guardian;  // "guardians/{id}"
  IncidentKind kind = IncidentKind::kOther;
  Channel channel = Channel::kInPerson;
  absl::Time occur_time;
  std::vector<std::string> staff_involved;  // "schools/{school}/staff/{id}"
  std::string reported_by;                  // token subject
  std::string description_ref;              // personal data: never logged
  IncidentOutcome outcome = IncidentOutcome::kPending;
  std::vector<IncidentReferral> referrals;  // set when recorded, by the school's policy; never changed
  int64_t row_version = 0;                  // the etag
  absl::Time create_time;
  absl::Time update_time;
};

// A weekly window of school-local time: [start_minute, end_minute) minutes after local midnight on
// `day`. 0 <= start < end <= 1440.
struct TimeWindow {
  absl::Weekday day = absl::Weekday::monday;
  int start_minute = 0;
  int end_minute = 0;

  friend bool operator==(const TimeWindow& a, const TimeWindow& b) {
    return a.day == b.day && a.start_minute == b.start_minute && a.end_minute == b.end_minute;
  }
};

struct MeetingConditions {
  bool second_staff_required = false;
  bool head_informed = false;
  bool off_site_only = false;
};

// What one version of an arrangement allows. An empty list places no limit of that kind.
struct ArrangementTerms {
  std::vector<Channel> allowed_channels;
  std::vector<TimeWindow> allowed_windows;
  std::string point_of_contact;  // "schools/{school}/staff/{id}", empty = none
  MeetingConditions meeting;
  std::string reasons;  // personal data: never logged
};

enum class ArrangementScope { kSchool = 1, kTrust = 2 };
enum class ArrangementState { kDraft = 1, kActive = 2, kUnderReview = 3, kEnded = 4 };

// One issued version, kept forever.
struct ArrangementRevision {
  int version = 0;
  ArrangementTerms terms;
  absl::CivilDay review_date;
  std::optional<absl::Time> end_time;
  std::string breach_incident_id;  // version >= 2
  std::string letter_id;
  std::string issued_by;
  absl::Time issue_time;
};

struct Arrangement {
  std::string id;
  std::string school_id;  // the issuing school
  std::string guardian;   // "guardians/{id}"
  ArrangementScope scope = ArrangementScope::kSchool;
  // As stored. An ACTIVE or UNDER_REVIEW arrangement whose end_time has passed is reported as
  // ENDED (EffectiveState) without anyone having to write that down.
  ArrangementState state = ArrangementState::kDraft;
  int version = 0;  // 0 while a draft
  ArrangementTerms terms;
  std::optional<absl::Time> start_time;
  std::optional<absl::CivilDay> review_date;
  std::optional<absl::Time> end_time;
  std::string letter_id;
  std::string breach_incident_id;
  std::vector<std::string> covered_schools;  // trust scope: school ids
  std::string issued_by;
  std::optional<absl::Time> issue_time;
  int64_t row_version = 0;  // the etag
  absl::Time create_time;
  absl::Time update_time;
};

// DRAFT and ENDED stay; ACTIVE/UNDER_REVIEW become ENDED once end_time <= now.
ArrangementState EffectiveState(const Arrangement& a, absl::Time now);

// Whether the arrangement governs contact with `school_id` at instant `at`: issued (ACTIVE or
// UNDER_REVIEW as stored), start_time <= at < end_time, and the school is the issuing one (school
// scope) or any school (trust scope). Does not look at the guardian.
bool InForce(const Arrangement& a, const std::string& school_id, absl::Time at);

enum class PremisesBanScope { kSite = 1, kEvents = 2 };

struct PremisesBan {
  std::string id;
  std::string school_id;
  std::string guardian;  // "guardians/{id}"
  PremisesBanScope scope = PremisesBanScope::kSite;
  absl::Time start_time;
  std::optional<absl::Time> end_time;  // unset = permanent
  std::string reason;                  // personal data: never logged
  std::string incident_id;             // optional
  std::optional<absl::Time> revoke_time;
  std::string issued_by;
  int64_t row_version = 0;
  absl::Time create_time;
};

// start_time <= at < min(end_time, revoke_time).
bool InForce(const PremisesBan& b, absl::Time at);

// The question the gate answers.
struct GateQuery {
  std::string school_id;
  std::string guardian;  // "guardians/{id}"
  Channel channel = Channel::kEmail;
  absl::Time at;
  Purpose purpose = Purpose::kInboundMessage;
  bool safeguarding = false;
  bool marked_abusive = false;
  std::string addressed_to;  // "schools/{school}/staff/{id}", may be empty
  bool school_event = false;
};

struct Verdict {
  std::string arrangement_school_id;
  std::string arrangement_id;
  int version = 0;
  Outcome outcome = Outcome::kAllow;
};

struct GateDecision {
  Outcome outcome = Outcome::kAllow;
  std::vector<MeetingRequirement> requirements;  // meetings only; sorted, no duplicates
  // The arrangement that decided the outcome; empty when none did.
  std::string arrangement_school_id;
  std::string arrangement_id;
  int arrangement_version = 0;
  std::vector<Verdict> verdicts;  // every arrangement in force, in the order given
  // REDIRECT guidance.
  std::vector<Channel> allowed_channels;
  std::string point_of_contact;
  // DEFER: when contact is next allowed by every arrangement in force.
  std::optional<absl::Time> next_allowed_time;
  std::string premises_ban_school_id;
  std::string premises_ban_id;
  int64_t premises_ban_version = 0;  // the ban's row version (its etag) when it decided
  std::string explanation;           // one English sentence; no personal data (no reasons, no names)
};

// A recorded decision (the audit trail): the query, the decision, who asked and when.
struct DecisionRecord {
  std::string id;
  GateQuery query;
  GateDecision decision;
  std::string asked_by;
  absl::Time decide_time;
};

enum class LetterKind { kIssued = 1, kTightened = 2, kEnded = 3 };

// A letter to a guardian, written to the outbox with the change that caused it.
struct Letter {
  std::string id;
  std::string school_id;
  std::string guardian;
  LetterKind kind = LetterKind::kIssued;
  std::string arrangement_id;
  int arrangement_version = 0;
  ArrangementTerms terms;
  std::optional<absl::CivilDay> review_date;
  std::optional<absl::Time> start_time;
  std::optional<absl::Time> end_time;
  std::string template_key;  // "conduct.arrangement_issued"
  bool handed_over = false;
  absl::Time create_time;
  std::optional<absl::Time> deliver_time;
};

std::string_view WeekdayName(absl::Weekday d);      // "Tuesday"
std::string FormatClock(int minutes);               // 930 → "15:30"
std::string WindowText(const TimeWindow& w);        // "Tuesday 15:30-16:30"
std::string_view ChannelName(Channel c);            // "email", "app message", ...
std::string_view OutcomeName(Outcome o);            // "ALLOW", "REDIRECT", ...
std::string_view IncidentKindName(IncidentKind k);  // "shouting", ...

}  // namespace parley::conduct
