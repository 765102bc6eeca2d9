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

const RoutingRule* RoutingMatrix::Find(const std::string& category) const {
  for (const RoutingRule& rule : rules) {
    if (rule.category == category) return &rule;
  }
  return nullptr;
}

}  // namespace parley::directory
