#include "services/appointments/testing/fake_settings.h"

#include <algorithm>

#include "absl/strings/str_cat.h"
#include "common/status/reason.h"
#include "common/status/reasons.h"

namespace parley::appointments::testing {

void FakeSettings::Set(AppointmentSettings settings) {
  absl::MutexLock lock(&mu_);
  settings_[settings.school_id] = std::move(settings);
}

void FakeSettings::AddInterpreter(Interpreter interpreter) {
  absl::MutexLock lock(&mu_);
  interpreters_[{interpreter.school_id, interpreter.id}] = std::move(interpreter);
}

void FakeSettings::SetException(const std::string& school_id, const std::string& staff_id, AvailabilityException e) {
  absl::MutexLock lock(&mu_);
  exceptions_[{school_id, staff_id}].push_back(std::move(e));
}

absl::StatusOr<AppointmentSettings> FakeSettings::Settings(const std::string& school_id) {
  absl::MutexLock lock(&mu_);
  auto it = settings_.find(school_id);
  if (it != settings_.end()) return it->second;
  AppointmentSettings defaults;
  defaults.school_id = school_id;
  defaults.update_time = absl::InfinitePast();
  return defaults;
}

absl::StatusOr<std::vector<AvailabilityException>> FakeSettings::Exceptions(const std::string& school_id,
                                                                            const std::string& staff_id, absl::Time,
                                                                            absl::Time) {
  absl::MutexLock lock(&mu_);
  auto it = exceptions_.find({school_id, staff_id});
  return it == exceptions_.end() ? std::vector<AvailabilityException>() : it->second;
}

absl::StatusOr<std::vector<Interpreter>> FakeSettings::InterpretersFor(const std::string& school_id,
                                                                       const std::string& language) {
  absl::MutexLock lock(&mu_);
  std::vector<Interpreter> out;
  for (const auto& [key, i] : interpreters_) {
    if (key.first == school_id && std::find(i.languages.begin(), i.languages.end(), language) != i.languages.end()) {
      out.push_back(i);
    }
  }
  return out;
}

absl::StatusOr<Interpreter> FakeSettings::GetInterpreter(const std::string& school_id, const std::string& id) {
  absl::MutexLock lock(&mu_);
  auto it = interpreters_.find({school_id, id});
  if (it == interpreters_.end()) {
    return NotFound(reason::kInterpreterNotFound, absl::StrCat("interpreter ", id, " was not found"));
  }
  return it->second;
}

}  // namespace parley::appointments::testing
