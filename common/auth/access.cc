#include "common/auth/access.h"

#include <algorithm>
#include <array>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "common/status/reason.h"

namespace parley::auth {
namespace {

constexpr Reach N = Reach::kNone, O = Reach::kOwn, P = Reach::kPublic, T = Reach::kTaught, S = Reach::kSchool,
                W = Reach::kTrust;

// The model: for each resource, the reach of each role to read and to change it. Columns in
// KnownRoles() order. docs/security.md is this table in words; access_test.cc pins it.
struct Row {
  Resource resource;
  //                     guardian teacher office senior dsl trust_leader trust_admin service
  std::array<Reach, 8> read;
  std::array<Reach, 8> change;
};

constexpr std::array<Row, kResourceCount> kModel = {{
    {Resource::kTrust, {W, W, W, W, W, W, W, W}, {N, N, N, N, N, N, W, N}},
    {Resource::kSchool, {S, S, S, S, S, W, W, W}, {N, N, N, S, N, N, W, N}},
    {Resource::kSchoolRules, {S, S, S, S, S, W, W, W}, {N, N, N, S, N, N, W, N}},
    {Resource::kRouting, {N, S, S, S, S, N, W, W}, {N, N, N, N, N, N, N, N}},
    {Resource::kStaff, {P, S, S, S, S, W, W, W}, {N, N, S, S, N, N, W, N}},
    {Resource::kPupil, {O, S, S, S, S, N, W, W}, {N, N, S, S, N, N, W, N}},
    {Resource::kGuardian, {O, T, S, S, S, N, W, W}, {N, N, S, S, N, N, W, N}},
    {Resource::kDirectory, {N, N, N, N, N, N, W, N}, {N, N, N, N, N, N, W, N}},
    {Resource::kEnquiryIntake, {N, N, N, N, N, N, N, N}, {O, S, S, S, S, N, W, W}},
    {Resource::kEnquiry, {O, O, S, S, S, W, W, W}, {N, O, S, S, S, N, W, N}},
    {Resource::kEnquiryAssignment, {N, N, N, N, N, N, N, N}, {N, N, S, S, S, N, W, N}},
    {Resource::kDecision, {O, N, S, S, S, N, W, W}, {O, S, S, S, S, N, W, W}},
    {Resource::kIncident, {N, N, S, S, S, N, W, W}, {N, S, S, S, S, N, W, N}},
    {Resource::kIncidentReview, {N, N, N, N, N, N, N, N}, {N, N, N, S, S, N, W, N}},
    {Resource::kArrangement, {O, N, S, S, S, N, W, W}, {N, N, N, S, S, N, W, N}},
    {Resource::kPremisesBan, {O, N, S, S, S, N, W, W}, {N, N, N, S, S, N, W, N}},
    {Resource::kLetter, {O, N, S, S, S, N, W, W}, {N, N, N, N, N, N, N, N}},
    {Resource::kStats, {N, N, S, S, S, W, W, W}, {N, N, N, N, N, N, N, N}},
    {Resource::kReplica, {N, N, N, N, N, N, N, W}, {N, N, N, N, N, N, N, N}},
    {Resource::kContactDetails, {N, N, N, N, N, N, N, W}, {N, N, N, N, N, N, N, N}},
    // A trust leader's own notices are the trust's: they send those, never a school's.
    {Resource::kNotice, {N, S, S, S, S, W, W, W}, {N, N, S, S, S, O, W, W}},
    // Copies name guardians, households and pupils: not for teachers (who see only the guardians
    // of pupils they teach) nor trust leaders (no families' details); a guardian reads and answers
    // their own.
    {Resource::kMessage, {O, N, S, S, S, N, W, W}, {O, N, N, N, N, N, N, N}},
    {Resource::kTemplate, {N, S, S, S, S, W, W, W}, {N, N, S, S, N, N, W, N}},
    // The office keeps a parent's preferences for them (a paper form, no app).
    {Resource::kPreferences, {O, N, S, N, N, N, W, W}, {O, N, S, N, N, N, W, N}},
    {Resource::kNotificationSettings, {N, N, S, S, N, W, W, W}, {N, N, S, S, N, N, W, N}},
    {Resource::kDeliveryReceipt, {N, N, N, N, N, N, N, N}, {N, N, N, N, N, N, N, W}},
    {Resource::kLetterBatch, {N, N, S, S, N, N, W, N}, {N, N, N, N, N, N, N, N}},
    // A guardian asks, answers and books for their own children; a teacher handles the requests
    // and bookings they are part of; the office, senior leaders and the DSL the whole school's.
    {Resource::kMeetingRequest, {O, O, S, S, S, N, W, W}, {O, O, S, S, S, N, W, N}},
    {Resource::kBooking, {O, O, S, S, S, N, W, W}, {O, O, S, S, S, N, W, N}},
    // Free time is asked by whoever arranges a meeting; a teacher keeps their own exceptions.
    {Resource::kAvailability, {O, S, S, S, S, N, W, W}, {N, O, S, S, N, N, W, N}},
    // Guardians see the evenings of their children's schools; the office and leaders run them.
    {Resource::kParentsEvening, {O, S, S, S, S, N, W, W}, {N, N, S, S, N, N, W, N}},
    // Notes are for the school's staff only: never guardians, never the trust's leaders.
    {Resource::kMeetingNote, {N, O, S, S, S, N, W, N}, {N, O, S, S, S, N, W, N}},
    {Resource::kLegalHold, {N, N, N, S, S, N, W, N}, {N, N, N, S, S, N, W, N}},
    {Resource::kAppointmentSettings, {N, S, S, S, S, W, W, W}, {N, N, S, S, N, N, W, N}},
    // Reports are for leaders: a school's senior leaders and DSL read their own school's, trust
    // leaders and admins every school's. Nothing writes them.
    {Resource::kReport, {N, N, N, S, S, W, W, N}, {N, N, N, N, N, N, N, N}},
}};

int RoleColumn(absl::string_view role) {
  const std::vector<absl::string_view>& roles = KnownRoles();
  auto it = std::find(roles.begin(), roles.end(), role);
  return it == roles.end() ? -1 : static_cast<int>(it - roles.begin());
}

bool NamesSchool(const Principal& p, absl::string_view school_id) {
  return std::any_of(p.schools.begin(), p.schools.end(),
                     [school_id](const std::string& s) { return absl::string_view(s) == school_id; });
}

absl::Status WrongSchool() {
  return PermissionDenied(reason::kWrongSchool, "the caller's token does not cover this school");
}

absl::Status RoleRequired() {
  return PermissionDenied(reason::kRoleRequired, "the caller's role does not allow this operation");
}

}  // namespace

const std::vector<absl::string_view>& KnownRoles() {
  static const auto* const roles = new std::vector<absl::string_view>{
      kGuardian, kTeacher, kOffice, kSeniorLeader, kDsl, kTrustLeader, kTrustAdmin, kService};
  return *roles;
}

absl::string_view ResourceName(Resource r) {
  // clang-format off
  static constexpr std::array<absl::string_view, kResourceCount> kNames = {
      "trust",          "school",          "school rules",       "routing",
      "staff",          "pupil",           "guardian",           "directory",
      "enquiry intake", "enquiry",         "enquiry assignment", "decision",
      "incident",       "incident review", "arrangement",        "premises ban",
      "letter",         "stats",           "directory replica",  "contact details",
      "notice",         "notice copy",     "notice template",    "notification preferences",
      "notification settings",             "delivery receipt",   "letter batch",
      "meeting request", "booking",         "availability",       "parents' evening",
      "meeting note",   "legal hold",      "appointment settings", "report"};
  // clang-format on
  return kNames[static_cast<int>(r)];
}

absl::string_view ReachName(Reach r) {
  switch (r) {
    case Reach::kNone:
      return "none";
    case Reach::kOwn:
      return "own";
    case Reach::kPublic:
      return "public";
    case Reach::kTaught:
      return "taught";
    case Reach::kSchool:
      return "school";
    case Reach::kTrust:
      return "trust";
  }
  return "none";
}

Reach RoleReach(absl::string_view role, Resource resource, Verb verb) {
  const int column = RoleColumn(role);
  if (column < 0) return Reach::kNone;
  const Row& row = kModel[static_cast<int>(resource)];
  return verb == Verb::kRead ? row.read[column] : row.change[column];
}

Reach Grant::Widest() const {
  Reach widest = Reach::kNone;
  for (const std::string& role : principal_->roles) {
    widest = std::max(widest, RoleReach(role, rule_.resource, rule_.verb));
  }
  return widest;
}

absl::StatusOr<Reach> Grant::At(absl::string_view school_id) const {
  const Reach widest = Widest();
  if (widest == Reach::kTrust) return widest;
  // The caller's own records are theirs at any school (a child who has left, a trust-wide
  // arrangement): the handler keeps only records about the caller, and answers any other record
  // as it answers a missing one, so nothing is learnt about a school the token does not name.
  if (widest == Reach::kOwn) return widest;
  if (school_id.empty()) {
    // A record of the trust (a guardian, the directory): only trust-wide reach, or one's own.
    return widest == Reach::kNone ? RoleRequired() : WrongSchool();
  }
  // Tenancy first: another school's caller learns nothing from the difference between a record
  // that exists and one that does not.
  if (!NamesSchool(*principal_, school_id)) return WrongSchool();
  if (widest == Reach::kNone) return RoleRequired();
  return widest;
}

absl::StatusOr<Reach> Grant::AtLeast(absl::string_view school_id, Reach at_least) const {
  absl::StatusOr<Reach> reach = At(school_id);
  if (reach.ok() && *reach < at_least) return RoleRequired();
  return reach;
}

bool Grant::IsSelf(absl::string_view resource_name) const {
  return !resource_name.empty() && principal_->subject == resource_name;
}

bool Grant::Covers(absl::string_view school_id) const {
  absl::StatusOr<Reach> reach = At(school_id);
  return reach.ok() && *reach >= Reach::kPublic;
}

std::string Tenancy(const Principal& p) {
  if (p.TrustWideRead()) return "trust";
  if (p.HasRole(kGuardian)) return p.subject;
  std::vector<std::string> schools = p.schools;
  std::sort(schools.begin(), schools.end());
  schools.erase(std::unique(schools.begin(), schools.end()), schools.end());
  // The subject too: a replay is answered before the handler looks at the record, so a colleague
  // who learnt another's request id must not be handed the response of a record outside their reach.
  return absl::StrCat(absl::StrJoin(schools, ","), "|", p.subject);
}

}  // namespace parley::auth
