#include "common/directory/model.h"

#include <algorithm>

namespace parley::directory {

bool Staff::HasRole(const std::string& role) const {
  return std::find(roles.begin(), roles.end(), role) != roles.end();
}

bool Staff::Teaches() const {
  for (const char* role : {"teacher", "class_teacher", "subject_teacher", "form_tutor"}) {
    if (HasRole(role)) return true;
  }
  return !subjects.empty();
}

Staff::Availability Staff::AvailabilityOn(absl::CivilDay day) const {
  if (leaving_date && day > *leaving_date) return Availability::kLeft;
  if (away_from && day >= *away_from && (!away_until || day <= *away_until)) return Availability::kAway;
  return Availability::kAvailable;
}

bool CourtOrderExcludes(const PupilLink& link, absl::CivilDay day) {
  if (!link.court_order) return false;
  const CourtOrder& order = *link.court_order;
  if (!order.no_information && !order.no_contact) return false;
  return !order.until || day <= *order.until;
}

const RoutingRule* RoutingMatrix::Find(const std::string& category) const {
  for (const RoutingRule& rule : rules) {
    if (rule.category == category) return &rule;
  }
  return nullptr;
}

}  // namespace parley::directory
