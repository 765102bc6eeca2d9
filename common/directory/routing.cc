#include "common/directory/routing.h"

#include <algorithm>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_replace.h"
#include "common/status/reason.h"
#include "common/status/status_macros.h"

namespace parley::directory {
namespace {

std::string RelationTitle(PupilRelation relation) {
  switch (relation) {
    case PupilRelation::kClassTeacher:
      return "class teacher";
    case PupilRelation::kFormTutor:
      return "form tutor";
    case PupilRelation::kSubjectTeacher:
      return "subject teacher";
    case PupilRelation::kHeadOfYear:
      return "head of year";
    case PupilRelation::kHeadOfDepartment:
      return "head of department";
    case PupilRelation::kPhaseLeader:
      return "phase leader";
    case PupilRelation::kUnspecified:
      break;
  }
  return "staff";
}

Recipient StaffRecipient(const Staff& staff, std::string role) {
  return Recipient{Recipient::Kind::kStaff, staff.id, staff.display_name, std::move(role)};
}

bool Covers(const Staff& staff, int year_group) {
  return std::find(staff.year_groups.begin(), staff.year_groups.end(), year_group) != staff.year_groups.end();
}
bool Teaches(const Staff& staff, const std::string& subject) {
  return std::find(staff.subjects.begin(), staff.subjects.end(), subject) != staff.subjects.end();
}

absl::Status Nobody(const std::string& who, const std::string& fix) {
  return FailedPrecondition("NO_STAFF_FOR_ROLE", absl::StrCat("no member of staff is the ", who, ": ", fix));
}

absl::StatusOr<std::vector<Recipient>> ResolveRelation(const SchoolDirectory& school, const Pupil* pupil,
                                                       const std::string& subject, PupilRelation relation) {
  const std::string title = RelationTitle(relation);
  if (pupil == nullptr) {
    return InvalidArgument("PUPIL_REQUIRED",
                           absl::StrCat("this route goes to the pupil's ", title, ": name the pupil"));
  }
  auto staff_by_id = [&](const std::string& id, const std::string& what) -> absl::StatusOr<std::vector<Recipient>> {
    auto it = school.staff.find(id);
    if (id.empty() || it == school.staff.end()) {
      return Nobody(absl::StrCat(what, " of pupil ", pupil->id), absl::StrCat("set the pupil's ", what));
    }
    return std::vector<Recipient>{StaffRecipient(it->second, what)};
  };
  switch (relation) {
    case PupilRelation::kClassTeacher:
      return staff_by_id(pupil->class_teacher, "class teacher");
    case PupilRelation::kFormTutor:
      return staff_by_id(pupil->form_tutor, "form tutor");
    case PupilRelation::kSubjectTeacher: {
      if (subject.empty()) {
        return InvalidArgument("SUBJECT_REQUIRED", "this route goes to the pupil's subject teacher: name the subject");
      }
      for (const SubjectTeacher& st : pupil->subject_teachers) {
        if (st.subject == subject) return staff_by_id(st.teacher, absl::StrCat(subject, " teacher"));
      }
      return Nobody(absl::StrCat(subject, " teacher of pupil ", pupil->id),
                    absl::StrCat("add a ", subject, " teacher to the pupil"));
    }
    case PupilRelation::kHeadOfYear:
    case PupilRelation::kPhaseLeader: {
      const std::string role = relation == PupilRelation::kHeadOfYear ? "head_of_year" : "phase_leader";
      std::vector<Recipient> found;
      for (const auto& [id, staff] : school.staff) {
        if (staff.HasRole(role) && Covers(staff, pupil->year_group)) found.push_back(StaffRecipient(staff, title));
      }
      if (found.empty()) {
        return Nobody(absl::StrCat(title, " for year ", pupil->year_group),
                      absl::StrCat("give a member the role ", role, " with year group ", pupil->year_group));
      }
      return found;
    }
    case PupilRelation::kHeadOfDepartment: {
      if (subject.empty()) {
        return InvalidArgument("SUBJECT_REQUIRED", "this route goes to a head of department: name the subject");
      }
      std::vector<Recipient> found;
      for (const auto& [id, staff] : school.staff) {
        if (staff.HasRole("head_of_department") && Teaches(staff, subject)) {
          found.push_back(StaffRecipient(staff, absl::StrCat("head of ", subject)));
        }
      }
      if (found.empty()) {
        return Nobody(absl::StrCat("head of ", subject),
                      absl::StrCat("give a member the role head_of_department with subject ", subject));
      }
      return found;
    }
    case PupilRelation::kUnspecified:
      break;
  }
  return InvalidArgument("INVALID_ROUTE", "route names no relation");
}

absl::StatusOr<const RoutingRule*> FindRule(const SchoolDirectory& school, const std::string& category) {
  const RoutingRule* rule = school.routing_matrix.Find(category);
  if (rule == nullptr) {
    std::vector<std::string> known;
    for (const RoutingRule& r : school.routing_matrix.rules) known.push_back(r.category);
    return InvalidArgument("UNKNOWN_CATEGORY",
                           absl::StrCat("school ", school.school.id, " has no route for category \"", category,
                                        "\"; its categories are: ", absl::StrJoin(known, ", ")));
  }
  return rule;
}

struct Context {
  const SchoolDirectory* school;
  const Pupil* pupil;
};

absl::StatusOr<Context> Lookup(const Snapshot& snapshot, const RouteQuery& q) {
  const SchoolDirectory* school = snapshot.FindSchool(q.school_id);
  if (school == nullptr) return NotFound("SCHOOL_NOT_FOUND", absl::StrCat("school ", q.school_id, " does not exist"));
  const Pupil* pupil = nullptr;
  if (!q.pupil_id.empty()) {
    pupil = snapshot.FindPupil(q.school_id, q.pupil_id);
    if (pupil == nullptr) {
      return NotFound("PUPIL_NOT_FOUND", absl::StrCat("pupil ", q.pupil_id, " is not on roll at school ", q.school_id));
    }
  }
  return Context{school, pupil};
}

}  // namespace

absl::StatusOr<std::vector<Recipient>> ResolveRoleRef(const SchoolDirectory& school, const Pupil* pupil,
                                                      const std::string& subject, const RoleRef& ref) {
  switch (ref.kind) {
    case RoleRef::Kind::kRelation:
      return ResolveRelation(school, pupil, ref.subject.empty() ? subject : ref.subject, ref.relation);
    case RoleRef::Kind::kRole: {
      std::vector<Recipient> found;
      const std::string title = absl::StrReplaceAll(ref.value, {{"_", " "}});
      for (const auto& [id, staff] : school.staff) {
        if (staff.HasRole(ref.value)) found.push_back(StaffRecipient(staff, title));
      }
      if (found.empty()) {
        return Nobody(title, absl::StrCat("give a member of staff the role ", ref.value));
      }
      return found;
    }
    case RoleRef::Kind::kStaff: {
      auto it = school.staff.find(ref.value);
      if (it == school.staff.end()) {
        return Nobody(absl::StrCat("named member ", ref.value), "the route names a member who has left: update it");
      }
      std::string role = it->second.roles.empty() ? "named member of staff"
                                                  : absl::StrReplaceAll(it->second.roles.front(), {{"_", " "}});
      return std::vector<Recipient>{StaffRecipient(it->second, role)};
    }
    case RoleRef::Kind::kExternalContact: {
      for (const ExternalContact& c : school.school.external_contacts) {
        if (c.id == ref.value) {
          return std::vector<Recipient>{
              Recipient{Recipient::Kind::kExternalContact, c.id, c.display_name, "external contact"}};
        }
      }
      return FailedPrecondition("NO_EXTERNAL_CONTACT", absl::StrCat("the school has no external contact ", ref.value));
    }
  }
  return InvalidArgument("INVALID_ROUTE", "unknown route kind");
}

absl::StatusOr<Route> RouteEnquiry(const Snapshot& snapshot, const RouteQuery& q) {
  PARLEY_ASSIGN_OR_RETURN(Context ctx, Lookup(snapshot, q));
  PARLEY_ASSIGN_OR_RETURN(const RoutingRule* rule, FindRule(*ctx.school, q.category));
  PARLEY_ASSIGN_OR_RETURN(std::vector<Recipient> owners,
                          ResolveRoleRef(*ctx.school, ctx.pupil, q.subject, rule->owner));
  Route route;
  route.owner = owners.front();
  route.allowed_channels = rule->allowed_channels;
  route.channel_allowed = rule->allowed_channels.empty() ||
                          std::find(rule->allowed_channels.begin(), rule->allowed_channels.end(), q.channel) !=
                              rule->allowed_channels.end();
  route.channel_rule = rule->channel_rule;
  route.ladder_id = rule->ladder;
  route.safeguarding = rule->safeguarding;
  // Everyone else the owner's reference names (a DSL's deputies hold the same role or are listed
  // in also_notify) is told at once as well.
  for (size_t i = 1; i < owners.size(); ++i) route.also_notify.push_back(owners[i]);
  for (const RoleRef& ref : rule->also_notify) {
    PARLEY_ASSIGN_OR_RETURN(std::vector<Recipient> extra, ResolveRoleRef(*ctx.school, ctx.pupil, q.subject, ref));
    for (Recipient& r : extra) {
      bool seen = (r.kind == route.owner.kind && r.id == route.owner.id) ||
                  std::any_of(route.also_notify.begin(), route.also_notify.end(),
                              [&](const Recipient& x) { return x.kind == r.kind && x.id == r.id; });
      if (!seen) route.also_notify.push_back(std::move(r));
    }
  }
  return route;
}

absl::StatusOr<ResolvedLadder> ResolveLadder(const Snapshot& snapshot, const RouteQuery& q) {
  PARLEY_ASSIGN_OR_RETURN(Context ctx, Lookup(snapshot, q));
  PARLEY_ASSIGN_OR_RETURN(const RoutingRule* rule, FindRule(*ctx.school, q.category));
  if (rule->ladder.empty()) {
    return FailedPrecondition("NO_LADDER", absl::StrCat("category \"", q.category, "\" has no ladder at school ",
                                                        q.school_id, ": name one in the routing matrix"));
  }
  auto it = ctx.school->ladders.find(rule->ladder);
  if (it == ctx.school->ladders.end()) {
    return FailedPrecondition("NO_LADDER", absl::StrCat("ladder ", rule->ladder, " does not exist"));
  }
  ResolvedLadder out;
  out.ladder_id = it->first;
  for (const Rung& rung : it->second.rungs) {
    auto who = ResolveRoleRef(*ctx.school, ctx.pupil, q.subject, rung.who);
    if (!who.ok()) {
      return WithReason(
          absl::Status(who.status().code(), absl::StrCat("ladder rung \"", rung.title, "\": ", who.status().message())),
          ErrorReason(who.status()));
    }
    out.rungs.push_back(ResolvedRung{rung.title, who->front()});
  }
  const BreachPolicy& breach = ctx.school->school.policy.breach;
  out.refer_to_complaints_after_top = breach.refer_to_complaints_at_top;
  out.complaints_procedure_uri = breach.complaints_procedure_uri;
  return out;
}

}  // namespace parley::directory
