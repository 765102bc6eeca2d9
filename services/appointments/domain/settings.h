// A school's appointment settings, per-date availability exceptions and interpreters, as the other
// use cases read them (the records slice keeps them: domain/records_service.h). A port: the
// PostgreSQL store implements it, testing/ fakes it.
#pragma once

#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "services/appointments/domain/availability.h"

namespace parley::appointments {

// How long a kept record lives: whole years after the meeting, or until the pupil reaches an age.
struct RetentionRule {
  std::string record_type;  // "parent_meeting", "send_review"
  int years = 0;
  int until_pupil_age = 0;  // 0: not by age
  std::string schedule_text;
};

// What the school's policy leaves to the school. A school that never set them gets the defaults.
struct AppointmentSettings {
  std::string school_id;
  absl::Duration meeting_length = absl::Minutes(30);
  absl::Duration interpreted_meeting_length = absl::Minutes(60);
  absl::Duration slot_step = absl::Minutes(15);
  absl::Duration hold_length = absl::Minutes(2);
  std::vector<RetentionRule> retention;
  std::string etag;
  absl::Time update_time;  // InfinitePast when never set
};

struct Interpreter {
  std::string id;
  std::string school_id;
  std::string display_name;            // personal data: never logged
  std::vector<std::string> languages;  // BCP 47, lower case
  std::string etag;
};

class SettingsSource {
 public:
  virtual ~SettingsSource() = default;
  // The school's settings, the defaults where it set none.
  virtual absl::StatusOr<AppointmentSettings> Settings(const std::string& school_id) = 0;
  // The member's per-date exceptions for days overlapping [from, to).
  virtual absl::StatusOr<std::vector<AvailabilityException>> Exceptions(const std::string& school_id,
                                                                        const std::string& staff_id, absl::Time from,
                                                                        absl::Time to) = 0;
  // The school's interpreters for `language` (lower case), by id.
  virtual absl::StatusOr<std::vector<Interpreter>> InterpretersFor(const std::string& school_id,
                                                                   const std::string& language) = 0;
  // NOT_FOUND (INTERPRETER_NOT_FOUND) when the school has no such interpreter.
  virtual absl::StatusOr<Interpreter> GetInterpreter(const std::string& school_id, const std::string& id) = 0;
};

}  // namespace parley::appointments
