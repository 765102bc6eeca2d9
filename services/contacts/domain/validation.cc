#include "services/contacts/domain/validation.h"

#include <algorithm>
#include <iterator>
#include <set>
#include <tuple>
#include <utility>

#include "absl/strings/str_cat.h"
#include "common/calendar/calendar.h"
#include "common/status/reason.h"
#include "common/status/status_macros.h"
#include "services/contacts/domain/model.h"

namespace parley::contacts {
namespace {

absl::Status Invalid(const std::string& where, const std::string& problem) {
  return InvalidArgument("INVALID_DIRECTORY", absl::StrCat(where, ": ", problem));
}

bool RoleHeld(const SchoolDirectory& sd, const std::string& role) {
  for (const auto& [id, staff] : sd.staff) {
    if (staff.HasRole(role)) return true;
  }
  return false;
}

absl::Status ValidateRef(const SchoolDirectory& sd, const RoleRef& ref, const std::string& where) {
  switch (ref.kind) {
    case RoleRef::Kind::kRole:
      if (ref.value.empty()) return Invalid(where, "names no role");
      if (!RoleHeld(sd, ref.value)) {
        return Invalid(where,
                       absl::StrCat("role \"", ref.value, "\" is held by no member of staff; give it to someone"));
      }
      return absl::OkStatus();
    case RoleRef::Kind::kStaff:
      if (sd.staff.count(ref.value) == 0) return Invalid(where, absl::StrCat("staff ", ref.value, " does not exist"));
      return absl::OkStatus();
    case RoleRef::Kind::kExternalContact:
      for (const ExternalContact& c : sd.school.external_contacts) {
        if (c.id == ref.value) return absl::OkStatus();
      }
      return Invalid(where, absl::StrCat("external contact ", ref.value, " does not exist"));
    case RoleRef::Kind::kRelation: {
      if (ref.relation == PupilRelation::kUnspecified) return Invalid(where, "names no relation");
      const char* role = ref.relation == PupilRelation::kHeadOfYear         ? "head_of_year"
                         : ref.relation == PupilRelation::kPhaseLeader      ? "phase_leader"
                         : ref.relation == PupilRelation::kHeadOfDepartment ? "head_of_department"
                                                                            : nullptr;
      if (role != nullptr && !RoleHeld(sd, role)) {
        return Invalid(where, absl::StrCat("routes to a ", role, " but no member of staff holds that role"));
      }
      return absl::OkStatus();
    }
  }
  return absl::OkStatus();
}

// Names are shown in lists, letters and notices and the whole directory is held in memory: a
// longer one is a mistake (or an attack), never a name.
constexpr size_t kMaxNameChars = 200;
constexpr int kMinYearGroup = -1;  // nursery
constexpr int kMaxYearGroup = 14;

size_t CodePoints(const std::string& text) {
  size_t n = 0;
  for (char c : text) n += (static_cast<unsigned char>(c) & 0xC0) != 0x80 ? 1 : 0;
  return n;
}

absl::Status CheckName(const std::string& where, const char* field, const std::string& value) {
  if (value.empty()) return Invalid(where, absl::StrCat(field, " is required"));
  if (CodePoints(value) > kMaxNameChars) {
    return Invalid(where, absl::StrCat(field, " is longer than ", kMaxNameChars, " characters"));
  }
  return absl::OkStatus();
}

absl::Status CheckYearGroup(const std::string& where, int year_group) {
  if (year_group < kMinYearGroup || year_group > kMaxYearGroup) {
    return Invalid(where, absl::StrCat("year groups are ", kMinYearGroup, " (nursery) to ", kMaxYearGroup));
  }
  return absl::OkStatus();
}

// What the directory sends mail to: local@domain with a dot in the domain, no spaces, at most 254
// characters (RFC 5321). Deliverability is the mail system's business; shape is ours.
bool IsEmailAddress(const std::string& value) {
  const size_t at = value.find('@');
  if (value.size() > 254 || at == std::string::npos || at == 0 || at > 64) return false;
  if (value.find('@', at + 1) != std::string::npos) return false;
  const std::string domain = value.substr(at + 1);
  if (domain.size() < 3 || domain.find('.') == std::string::npos || domain.front() == '.' || domain.back() == '.') {
    return false;
  }
  for (char c : value) {
    if (static_cast<unsigned char>(c) <= ' ' || c == 0x7f) return false;
  }
  return true;
}

// A BCP 47 language tag as the directory uses them for translations ("en", "en-GB", "pl",
// "zh-Hant-HK"): a 2-3 letter language, then subtags of 1-8 letters or digits, at most 35
// characters in all (RFC 5646 §4.4.1).
bool IsLanguageTag(const std::string& tag) {
  if (tag.empty() || tag.size() > 35) return false;
  size_t start = 0;
  for (bool first = true;; first = false) {
    size_t end = tag.find('-', start);
    if (end == std::string::npos) end = tag.size();
    const size_t len = end - start;
    if (first ? (len < 2 || len > 3) : (len < 1 || len > 8)) return false;
    for (size_t i = start; i < end; ++i) {
      const char c = tag[i];
      const bool letter = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
      if (!letter && (first || c < '0' || c > '9')) return false;
    }
    if (end == tag.size()) return true;
    start = end + 1;
  }
}

absl::Status CheckLanguageTag(const std::string& where, const char* field, const std::string& tag) {
  if (tag.empty() || IsLanguageTag(tag)) return absl::OkStatus();
  return Invalid(where, absl::StrCat(field, " is not a BCP 47 language tag (for example en-GB)"));
}

}  // namespace

absl::Status StampVersions(School& school) {
  PARLEY_ASSIGN_OR_RETURN(calendar::CalendarSpec spec, EffectiveCalendarSpec(school.calendar));
  auto cal = calendar::Calendar::Build(spec);
  if (!cal.ok()) return Invalid(absl::StrCat("school ", school.id, " calendar"), std::string(cal.status().message()));
  school.calendar_version = (*cal)->Fingerprint();
  school.policy_version = PolicyFingerprint(school.policy);
  return absl::OkStatus();
}

absl::Status ValidateSchool(const School& school) {
  const std::string where = absl::StrCat("school ", school.id);
  PARLEY_RETURN_IF_ERROR(CheckName(where, "display_name", school.display_name));
  PARLEY_RETURN_IF_ERROR(CheckLanguageTag(where, "default_locale", school.default_locale));
  for (const std::string& locale : school.policy.translation_locales) {
    PARLEY_RETURN_IF_ERROR(CheckLanguageTag(where, "policy.translation_locales", locale));
  }
  auto spec = EffectiveCalendarSpec(school.calendar);
  if (!spec.ok()) return Invalid(absl::StrCat(where, " calendar"), std::string(spec.status().message()));
  absl::Status cal = calendar::ValidateSpec(*spec);
  if (!cal.ok()) return Invalid(absl::StrCat(where, " calendar"), std::string(cal.message()));

  // One general rule per channel and stage, and at most one rule per category on top of it.
  std::set<std::tuple<Channel, Stage, std::string>> seen;
  for (size_t i = 0; i < school.policy.rules.size(); ++i) {
    const ResponseRule& r = school.policy.rules[i];
    const std::string rw = absl::StrCat(where, " policy.rules[", i, "]");
    std::vector<std::string> keys = r.categories;
    if (keys.empty()) keys.push_back("");
    for (const std::string& category : keys) {
      if (!seen.insert({r.channel, r.stage, category}).second) {
        return Invalid(rw, category.empty()
                               ? "a rule for this channel and stage already exists; keep one"
                               : absl::StrCat("another rule for this channel and stage already names category \"",
                                              category, "\""));
      }
    }
  }
  if (school.policy.safeguarding_budget && school.policy.safeguarding_budget->unit != calendar::Unit::kElapsed) {
    return Invalid(absl::StrCat(where, " policy.safeguarding_budget"),
                   "safeguarding is never deferred: use an elapsed budget (elapsed_minutes or elapsed_seconds)");
  }
  if (school.policy.event_notice_days < 0 || school.policy.event_notice_days > 365) {
    return Invalid(absl::StrCat(where, " policy.event_notice_days"), "must be between 0 and 365");
  }
  std::set<std::string> contacts;
  for (const ExternalContact& c : school.external_contacts) {
    if (!contacts.insert(c.id).second)
      return Invalid(where, absl::StrCat("external contact ", c.id, " is listed twice"));
    if (c.display_name.empty()) return Invalid(where, absl::StrCat("external contact ", c.id, " needs a display_name"));
  }
  return absl::OkStatus();
}

absl::Status ValidateSchoolDirectory(const SchoolDirectory& sd, const DirectoryLimits& limits) {
  PARLEY_RETURN_IF_ERROR(ValidateSchool(sd.school));
  const std::string& school_id = sd.school.id;
  if (sd.staff.size() > limits.max_staff_per_school) {
    return Invalid(absl::StrCat("school ", school_id),
                   absl::StrCat("more than ", limits.max_staff_per_school, " staff"));
  }
  if (sd.pupils.size() > limits.max_pupils_per_school) {
    return Invalid(absl::StrCat("school ", school_id),
                   absl::StrCat("more than ", limits.max_pupils_per_school, " pupils"));
  }
  for (const auto& [id, staff] : sd.staff) {
    const std::string where = absl::StrCat("school ", school_id, " staff ", id);
    PARLEY_RETURN_IF_ERROR(CheckName(where, "display_name", staff.display_name));
    if (!staff.email.empty() && !IsEmailAddress(staff.email)) return Invalid(where, "email is not an email address");
    for (int year_group : staff.year_groups) PARLEY_RETURN_IF_ERROR(CheckYearGroup(where, year_group));
    if (!staff.line_manager.empty()) {
      if (staff.line_manager == id) return Invalid(where, "cannot be their own line manager");
      if (sd.staff.count(staff.line_manager) == 0) {
        return Invalid(where, absl::StrCat("line manager ", staff.line_manager, " does not exist"));
      }
    }
    if (staff.away_until && !staff.away_from) return Invalid(where, "away_until needs away_from");
    if (staff.away_until && *staff.away_until < *staff.away_from) {
      return Invalid(where, "away_until is before away_from");
    }
    if (staff.working_pattern) {
      absl::Status pattern = calendar::ValidatePattern(*staff.working_pattern);
      if (!pattern.ok()) return Invalid(absl::StrCat(where, " working_pattern"), std::string(pattern.message()));
    }
  }
  // Line management must not loop, or a breach notice would chase its own tail.
  for (const auto& [id, staff] : sd.staff) {
    std::set<std::string> chain{id};
    for (std::string next = staff.line_manager; !next.empty(); next = sd.staff.at(next).line_manager) {
      if (!chain.insert(next).second) {
        return Invalid(absl::StrCat("school ", school_id, " staff ", id), "line management forms a loop");
      }
    }
  }
  for (const auto& [id, pupil] : sd.pupils) {
    const std::string where = absl::StrCat("school ", school_id, " pupil ", id);
    PARLEY_RETURN_IF_ERROR(CheckName(where, "given_name", pupil.given_name));
    PARLEY_RETURN_IF_ERROR(CheckName(where, "family_name", pupil.family_name));
    PARLEY_RETURN_IF_ERROR(CheckYearGroup(where, pupil.year_group));
    if (!pupil.class_teacher.empty() && sd.staff.count(pupil.class_teacher) == 0) {
      return Invalid(where, absl::StrCat("class teacher ", pupil.class_teacher, " does not exist"));
    }
    if (!pupil.form_tutor.empty() && sd.staff.count(pupil.form_tutor) == 0) {
      return Invalid(where, absl::StrCat("form tutor ", pupil.form_tutor, " does not exist"));
    }
    std::set<std::string> subjects;
    for (const SubjectTeacher& st : pupil.subject_teachers) {
      if (!subjects.insert(st.subject).second)
        return Invalid(where, absl::StrCat("subject ", st.subject, " is listed twice"));
      if (sd.staff.count(st.teacher) == 0) {
        return Invalid(where, absl::StrCat(st.subject, " teacher ", st.teacher, " does not exist"));
      }
    }
  }
  for (const auto& [id, ladder] : sd.ladders) {
    const std::string where = absl::StrCat("school ", school_id, " ladder ", id);
    if (ladder.rungs.empty()) return Invalid(where, "needs at least one rung");
    if (ladder.rungs.size() > limits.max_rungs)
      return Invalid(where, absl::StrCat("has more than ", limits.max_rungs, " rungs"));
    for (size_t i = 0; i < ladder.rungs.size(); ++i) {
      const std::string rw = absl::StrCat(where, " rungs[", i, "]");
      if (ladder.rungs[i].title.empty()) return Invalid(rw, "title is required");
      PARLEY_RETURN_IF_ERROR(ValidateRef(sd, ladder.rungs[i].who, rw));
    }
  }
  const RoutingMatrix& matrix = sd.routing_matrix;
  if (matrix.rules.size() > limits.max_rules) {
    return Invalid(absl::StrCat("school ", school_id, " routing matrix"),
                   absl::StrCat("more than ", limits.max_rules, " rules"));
  }
  std::set<std::string> categories;
  for (size_t i = 0; i < matrix.rules.size(); ++i) {
    const RoutingRule& rule = matrix.rules[i];
    const std::string where =
        absl::StrCat("school ", school_id, " routing matrix rules[", i, "] (", rule.category, ")");
    if (rule.category.empty()) return Invalid(where, "category is required");
    if (!categories.insert(rule.category).second) return Invalid(where, "category is listed twice");
    PARLEY_RETURN_IF_ERROR(ValidateRef(sd, rule.owner, absl::StrCat(where, " owner")));
    for (size_t j = 0; j < rule.also_notify.size(); ++j) {
      PARLEY_RETURN_IF_ERROR(ValidateRef(sd, rule.also_notify[j], absl::StrCat(where, " also_notify[", j, "]")));
    }
    if (!rule.ladder.empty() && sd.ladders.count(rule.ladder) == 0) {
      return Invalid(where, absl::StrCat("ladder ", rule.ladder, " does not exist"));
    }
  }
  const std::vector<IncidentNoticeRule>& notices = sd.school.policy.incident_notices;
  for (size_t i = 0; i < notices.size(); ++i) {
    const IncidentNoticeRule& rule = notices[i];
    const std::string where = absl::StrCat("school ", school_id, " policy.incident_notices[", i, "]");
    for (const std::string& kind : rule.incident_kinds) {
      if (std::find_if(std::begin(directory::kIncidentKindNames), std::end(directory::kIncidentKindNames),
                       [&](const char* known) { return kind == known; }) == std::end(directory::kIncidentKindNames)) {
        return Invalid(where, absl::StrCat("incident kind \"", kind,
                                           "\" is not one of the conduct service's (shouting, threatening, "
                                           "abusive_written_message, harassment, physical_aggression, damage, "
                                           "security_breach, other)"));
      }
    }
    if (!rule.reporter_line_manager && rule.notify.empty()) {
      return Invalid(where, "tells no one: set reporter_line_manager or name someone in notify");
    }
    for (size_t j = 0; j < rule.notify.size(); ++j) {
      const std::string rw = absl::StrCat(where, " notify[", j, "]");
      // An incident is about a guardian, not a pupil: there is no pupil to be related to.
      if (rule.notify[j].kind == RoleRef::Kind::kRelation) {
        return Invalid(rw, "a pupil relation cannot be told of an incident: name a role, staff or external contact");
      }
      PARLEY_RETURN_IF_ERROR(ValidateRef(sd, rule.notify[j], rw));
    }
  }
  const std::vector<ResponseRule>& policy_rules = sd.school.policy.rules;
  for (size_t i = 0; i < policy_rules.size(); ++i) {
    for (const std::string& category : policy_rules[i].categories) {
      if (categories.count(category) == 0) {
        return Invalid(absl::StrCat("school ", school_id, " policy.rules[", i, "]"),
                       absl::StrCat("category \"", category, "\" is not in the routing matrix"));
      }
    }
  }
  return absl::OkStatus();
}

absl::Status ValidateGuardian(const Guardian& g, const Directory& directory) {
  const std::string where = absl::StrCat("guardian ", g.id);
  PARLEY_RETURN_IF_ERROR(CheckName(where, "given_name", g.given_name));
  PARLEY_RETURN_IF_ERROR(CheckName(where, "family_name", g.family_name));
  PARLEY_RETURN_IF_ERROR(CheckLanguageTag(where, "language", g.language));
  if (g.pupils.empty()) return Invalid(where, "must be linked to at least one pupil");
  std::set<std::pair<std::string, std::string>> linked;
  for (const PupilLink& link : g.pupils) {
    if (!linked.insert({link.school_id, link.pupil_id}).second) {
      return Invalid(where, absl::StrCat("pupil ", link.school_id, "/", link.pupil_id, " is linked twice"));
    }
    auto school = directory.schools.find(link.school_id);
    if (school == directory.schools.end() || school->second.pupils.count(link.pupil_id) == 0) {
      return Invalid(
          where, absl::StrCat("linked pupil schools/", link.school_id, "/pupils/", link.pupil_id, " does not exist"));
    }
  }
  for (const ContactPoint& cp : g.contact_points) {
    if (cp.value.empty()) return Invalid(where, "a contact point has no value");
    if (cp.kind == ContactKind::kEmail && !IsEmailAddress(cp.value)) {
      return Invalid(where, "an email contact point is not an email address");
    }
  }
  return absl::OkStatus();
}

absl::Status ValidateDirectory(const Directory& directory, const DirectoryLimits& limits) {
  if (directory.schools.size() > limits.max_schools) {
    return Invalid("directory", absl::StrCat("more than ", limits.max_schools, " schools"));
  }
  if (directory.guardians.size() > limits.max_guardians) {
    return Invalid("directory", absl::StrCat("more than ", limits.max_guardians, " guardians"));
  }
  for (const auto& [id, sd] : directory.schools) PARLEY_RETURN_IF_ERROR(ValidateSchoolDirectory(sd, limits));
  for (const auto& [id, g] : directory.guardians) PARLEY_RETURN_IF_ERROR(ValidateGuardian(g, directory));
  return absl::OkStatus();
}

}  // namespace parley::contacts
