#include "services/escalation/clients/replica_directory.h"

#include <algorithm>

#include "absl/strings/str_cat.h"
#include "common/directory/deadlines.h"
#include "common/directory/names.h"
#include "common/directory/routing.h"
#include "common/status/reason.h"
#include "common/status/status_macros.h"

namespace parley::escalation {
namespace {

Person PersonFrom(const std::string& school_id, const directory::Recipient& r) {
  Person p;
  // External contacts (the county child-protection team) are named by the school's contact id.
  p.staff = r.kind == directory::Recipient::Kind::kExternalContact ? absl::StrCat("external:", r.id)
                                                                   : directory::StaffName(school_id, r.id);
  p.role = r.role;
  return p;
}

absl::Status SchoolNotFound(const std::string& school_id) {
  return NotFound(reason::kSchoolNotFound, absl::StrCat("school ", school_id, " does not exist"));
}

absl::Status NotAStaffName(const std::string& staff) {
  return InvalidArgument(reason::kInvalidName, absl::StrCat("not a staff name: ", staff));
}

}  // namespace

absl::StatusOr<const directory::Snapshot*> ReplicaDirectory::SchoolSnapshot(
    const std::string& school_id, std::shared_ptr<const directory::ReplicaView>& view) const {
  PARLEY_ASSIGN_OR_RETURN(view, replica_->View());
  const directory::Snapshot* snapshot = view->School(school_id);
  if (snapshot == nullptr) return SchoolNotFound(school_id);
  return snapshot;
}

absl::StatusOr<directory::RouteQuery> ReplicaDirectory::RouteQueryOf(const std::string& school_id,
                                                                     const std::string& pupil,
                                                                     const std::string& category,
                                                                     const std::string& subject, int channel) const {
  directory::RouteQuery q;
  q.school_id = school_id;
  if (!pupil.empty()) {
    auto id = directory::ParseSchoolScoped(pupil, "pupils");
    if (!id) return InvalidArgument(reason::kInvalidName, absl::StrCat("not a pupil name: ", pupil));
    if (id->first != school_id) {
      return InvalidArgument(reason::kCrossSchoolReference, "the pupil must be on roll at the school named");
    }
    q.pupil_id = id->second;
  }
  if (category.empty()) return InvalidArgument(reason::kInvalidField, "category is required");
  q.category = category;
  q.channel = static_cast<directory::Channel>(channel);
  q.subject = subject;
  return q;
}

absl::StatusOr<Route> ReplicaDirectory::RouteEnquiry(const std::string& school_id, const std::string& pupil,
                                                     const std::string& category, const std::string& teaching_subject,
                                                     int channel) {
  if (channel < 1 || channel > 7) {
    return InvalidArgument(reason::kInvalidField, "channel is required and must be one this API defines");
  }
  std::shared_ptr<const directory::ReplicaView> view;
  PARLEY_ASSIGN_OR_RETURN(const directory::Snapshot* snapshot, SchoolSnapshot(school_id, view));
  PARLEY_ASSIGN_OR_RETURN(directory::RouteQuery query,
                          RouteQueryOf(school_id, pupil, category, teaching_subject, channel));
  PARLEY_ASSIGN_OR_RETURN(directory::Route route, directory::RouteEnquiry(*snapshot, query));
  Route r;
  r.owner = PersonFrom(school_id, route.owner);
  for (const directory::Recipient& n : route.also_notify) r.also_notify.push_back(PersonFrom(school_id, n));
  r.channel_allowed = route.channel_allowed;
  r.channel_rule = route.channel_rule;
  r.safeguarding = route.safeguarding;
  return r;
}

absl::StatusOr<Ladder> ReplicaDirectory::ResolveLadder(const std::string& school_id, const std::string& pupil,
                                                       const std::string& category,
                                                       const std::string& teaching_subject) {
  std::shared_ptr<const directory::ReplicaView> view;
  PARLEY_ASSIGN_OR_RETURN(const directory::Snapshot* snapshot, SchoolSnapshot(school_id, view));
  PARLEY_ASSIGN_OR_RETURN(directory::RouteQuery query, RouteQueryOf(school_id, pupil, category, teaching_subject, 0));
  PARLEY_ASSIGN_OR_RETURN(directory::ResolvedLadder ladder, directory::ResolveLadder(*snapshot, query));
  Ladder l;
  for (const directory::ResolvedRung& rung : ladder.rungs) {
    Person p = PersonFrom(school_id, rung.recipient);
    if (p.role.empty()) p.role = rung.title;
    l.rungs.push_back(std::move(p));
  }
  l.refer_to_complaints_after_top = ladder.refer_to_complaints_after_top;
  return l;
}

absl::StatusOr<std::string> ReplicaDirectory::LineManagerOf(const std::string& staff) {
  auto id = directory::ParseSchoolScoped(staff, "staff");
  if (!id) return NotAStaffName(staff);
  std::shared_ptr<const directory::ReplicaView> view;
  PARLEY_ASSIGN_OR_RETURN(const directory::Snapshot* snapshot, SchoolSnapshot(id->first, view));
  const directory::Staff* member = snapshot->FindStaff(id->first, id->second);
  if (member == nullptr) return NotFound(reason::kStaffNotFound, absl::StrCat("staff ", staff, " does not exist"));
  return member->line_manager.empty() ? std::string() : directory::StaffName(id->first, member->line_manager);
}

absl::StatusOr<DueAt> ReplicaDirectory::Compute(const DeadlineQuery& q) {
  std::shared_ptr<const directory::ReplicaView> view;
  PARLEY_ASSIGN_OR_RETURN(const directory::Snapshot* snapshot, SchoolSnapshot(q.school_id, view));
  directory::DeadlineQuery query;
  query.school_id = q.school_id;
  query.channel = static_cast<directory::Channel>(q.channel);
  switch (q.stage) {
    case Stage::kAcknowledge:
      query.stage = directory::Stage::kAcknowledge;
      break;
    case Stage::kRespond:
      query.stage = directory::Stage::kRespond;
      break;
    case Stage::kFollowUp:
      query.stage = directory::Stage::kFollowUp;
      break;
  }
  query.received = q.clock_from;
  // Only a member of staff has working periods; an external owner runs on the school calendar.
  if (!q.owner.empty() && q.owner.rfind("schools/", 0) == 0) {
    auto owner = directory::ParseSchoolScoped(q.owner, "staff");
    if (!owner) return NotAStaffName(q.owner);
    if (owner->first != q.school_id) {
      return InvalidArgument(reason::kCrossSchoolReference, "owner must be a member of staff of the same school");
    }
    query.owner_id = owner->second;
  }
  query.category = q.category;
  query.pauses = q.pauses;
  query.safeguarding = q.safeguarding;
  query.urgent = q.urgent;
  query.explain = true;
  PARLEY_ASSIGN_OR_RETURN(directory::DeadlineAnswer answer, directory::ComputeDeadline(*snapshot, query));
  DueAt d;
  d.clock_start = answer.deadline.clock_start;
  d.due = answer.deadline.due;
  d.calendar_version = answer.calendar_version;
  d.policy_version = answer.policy_version;
  d.explanation = answer.summary;
  return d;
}

absl::StatusOr<absl::Time> ReplicaDirectory::NextWorkingTime(const std::string& school_id, const std::string& staff,
                                                             absl::Time at) {
  auto id = directory::ParseSchoolScoped(staff, "staff");
  if (!id) return NotAStaffName(staff);
  if (id->first != school_id) {
    return InvalidArgument(reason::kCrossSchoolReference, "staff must be a member of staff of the same school");
  }
  // The first instant inside the member's own working periods. (Not the clock start of a deadline
  // with them as owner: an email rule runs on the school calendar, whatever days they work.)
  PARLEY_ASSIGN_OR_RETURN(WorkingPeriod period, PeriodAtOrAfter(staff, at, /*outside_teaching=*/false));
  return std::max(at, period.open);
}

absl::StatusOr<WorkingPeriod> ReplicaDirectory::PeriodAtOrAfter(const std::string& staff, absl::Time t,
                                                                bool outside_teaching) {
  auto id = directory::ParseSchoolScoped(staff, "staff");
  if (!id) return InvalidArgument(reason::kInvalidField, absl::StrCat("not a staff name: ", staff));
  std::shared_ptr<const directory::ReplicaView> view;
  PARLEY_ASSIGN_OR_RETURN(const directory::Snapshot* snapshot, SchoolSnapshot(id->first, view));
  const directory::Staff* member = snapshot->FindStaff(id->first, id->second);
  if (member == nullptr) return NotFound(reason::kStaffNotFound, absl::StrCat("staff ", staff, " does not exist"));
  std::shared_ptr<const calendar::Calendar> cal = snapshot->OwnerCalendarOf(id->first, id->second);
  // A teacher is in class for the school's teaching hours: only what may interrupt teaching is
  // sent then (Milton Road: 08:50-15:25).
  const std::optional<calendar::HoursRange>& teaching = snapshot->FindSchool(id->first)->school.calendar.teaching_hours;
  absl::StatusOr<std::pair<absl::Time, absl::Time>> period =
      outside_teaching && teaching.has_value() && member->Teaches() ? cal->PeriodAtOrAfterOutside(t, *teaching)
                                                                    : cal->PeriodAtOrAfter(t);
  if (!period.ok()) {
    return FailedPrecondition(
        reason::kCalendarExhausted,
        absl::StrCat("no working period for ", staff, " after ", absl::FormatTime("%Y-%m-%d", t, absl::UTCTimeZone())));
  }
  return WorkingPeriod{period->first, period->second};
}

absl::StatusOr<std::vector<absl::Duration>> ReplicaDirectory::WorkingTimes(
    const std::string& school_id, const std::vector<std::pair<absl::Time, absl::Time>>& spans) {
  std::shared_ptr<const directory::ReplicaView> view;
  PARLEY_ASSIGN_OR_RETURN(const directory::Snapshot* snapshot, SchoolSnapshot(school_id, view));
  std::shared_ptr<const calendar::Calendar> calendar = snapshot->SchoolCalendarOf(school_id);
  if (calendar == nullptr) {
    return FailedPrecondition(reason::kInvalidCalendar,
                              absl::StrCat("school ", school_id, " has no calendar to measure working time on"));
  }
  std::vector<absl::Duration> out;
  out.reserve(spans.size());
  for (const auto& [from, to] : spans) out.push_back(calendar->WorkingTimeBetween(from, to));
  return out;
}

absl::StatusOr<std::pair<std::string, std::string>> ReplicaDirectory::Versions(const std::string& school_id) {
  std::shared_ptr<const directory::ReplicaView> view;
  PARLEY_ASSIGN_OR_RETURN(const directory::Snapshot* snapshot, SchoolSnapshot(school_id, view));
  const directory::School& school = snapshot->FindSchool(school_id)->school;
  return std::make_pair(school.calendar_version, school.policy_version);
}

absl::StatusOr<BreachSwitches> ReplicaDirectory::BreachPolicyOf(const std::string& school_id) {
  std::shared_ptr<const directory::ReplicaView> view;
  PARLEY_ASSIGN_OR_RETURN(const directory::Snapshot* snapshot, SchoolSnapshot(school_id, view));
  const directory::BreachPolicy& b = snapshot->FindSchool(school_id)->school.policy.breach;
  return BreachSwitches{b.notify_line_manager_on_acknowledge_breach, b.escalate_on_response_breach,
                        b.refer_to_complaints_at_top};
}

absl::StatusOr<absl::TimeZone> ReplicaDirectory::TimeZoneOf(const std::string& school_id) {
  std::shared_ptr<const directory::ReplicaView> view;
  PARLEY_ASSIGN_OR_RETURN(const directory::Snapshot* snapshot, SchoolSnapshot(school_id, view));
  std::shared_ptr<const calendar::Calendar> calendar = snapshot->SchoolCalendarOf(school_id);
  return calendar ? calendar->zone() : absl::UTCTimeZone();
}

absl::StatusOr<std::vector<GuardianLink>> ReplicaDirectory::LinksOfGuardian(const std::string& guardian,
                                                                            absl::Time at) {
  auto id = directory::ParseGuardianName(guardian);
  if (!id) return std::vector<GuardianLink>();
  PARLEY_ASSIGN_OR_RETURN(std::shared_ptr<const directory::ReplicaView> view, replica_->View());
  std::vector<GuardianLink> links;
  for (const directory::PupilLink& link : view->LinksOfGuardian(*id)) {
    const directory::Snapshot* snapshot = view->School(link.school_id);
    auto calendar = snapshot == nullptr ? nullptr : snapshot->SchoolCalendarOf(link.school_id);
    const absl::TimeZone zone = calendar ? calendar->zone() : absl::UTCTimeZone();
    links.push_back(GuardianLink{directory::PupilName(link.school_id, link.pupil_id),
                                 directory::CourtOrderExcludes(link, absl::ToCivilDay(at, zone))});
  }
  return links;
}

absl::StatusOr<Addressee> ReplicaDirectory::AddresseeOf(const std::string& staff, absl::Time at) {
  auto id = directory::ParseSchoolScoped(staff, "staff");
  if (!id) return NotAStaffName(staff);
  std::shared_ptr<const directory::ReplicaView> view;
  PARLEY_ASSIGN_OR_RETURN(const directory::Snapshot* snapshot, SchoolSnapshot(id->first, view));
  const directory::Staff* member = snapshot->FindStaff(id->first, id->second);
  if (member == nullptr) return NotFound(reason::kStaffNotFound, absl::StrCat("staff ", staff, " does not exist"));
  auto calendar = snapshot->SchoolCalendarOf(id->first);
  const absl::TimeZone zone = calendar ? calendar->zone() : absl::UTCTimeZone();
  Addressee a;
  switch (member->AvailabilityOn(absl::ToCivilDay(at, zone))) {
    case directory::Staff::Availability::kAvailable:
      a.availability = Addressee::Availability::kAvailable;
      break;
    case directory::Staff::Availability::kLeft:
      a.availability = Addressee::Availability::kLeft;
      break;
    case directory::Staff::Availability::kAway:
      a.availability = Addressee::Availability::kAway;
      break;
  }
  if (!member->roles.empty()) a.role = member->roles.front();
  a.policy_honours = snapshot->FindSchool(id->first)->school.policy.addressed_staff_own;
  return a;
}

}  // namespace parley::escalation
