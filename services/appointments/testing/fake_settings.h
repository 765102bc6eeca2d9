// A school's appointment settings for the use cases' tests: defaults unless a test sets them,
// interpreters it adds, and per-date availability exceptions per member of staff.
#pragma once

#include <map>
#include <string>
#include <utility>
#include <vector>

#include "absl/synchronization/mutex.h"
#include "services/appointments/domain/settings.h"

namespace parley::appointments::testing {

class FakeSettings final : public SettingsSource {
 public:
  void Set(AppointmentSettings settings);
  void AddInterpreter(Interpreter interpreter);
  void SetException(const std::string& school_id, const std::string& staff_id, AvailabilityException e);

  absl::StatusOr<AppointmentSettings> Settings(const std::string& school_id) override;
  // Every exception set for the member of staff; the use cases pick the dates they need.
  absl::StatusOr<std::vector<AvailabilityException>> Exceptions(const std::string& school_id,
                                                                const std::string& staff_id, absl::Time from,
                                                                absl::Time to) override;
  absl::StatusOr<std::vector<Interpreter>> InterpretersFor(const std::string& school_id,
                                                           const std::string& language) override;
  absl::StatusOr<Interpreter> GetInterpreter(const std::string& school_id, const std::string& id) override;

 private:
  mutable absl::Mutex mu_;
  std::map<std::string, AppointmentSettings> settings_ ABSL_GUARDED_BY(mu_);
  std::map<std::pair<std::string, std::string>, Interpreter> interpreters_ ABSL_GUARDED_BY(mu_);
  std::map<std::pair<std::string, std::string>, std::vector<AvailabilityException>> exceptions_ ABSL_GUARDED_BY(mu_);
};

}  // namespace parley::appointments::testing
