// Helpers for escalation's domain tests: instants in UTC and in London time, a fresh enquiry, and
// applying a decision's events to an enquiry the way the store would (append, in order).
#pragma once

#include <string>

#include "absl/time/civil_time.h"
#include "absl/time/time.h"
#include "services/escalation/domain/model.h"
#include "services/escalation/domain/rules.h"

namespace parley::escalation::testing {

inline absl::Time Utc(int y, int mo, int d, int h, int mi, int s = 0) {
  return absl::FromCivil(absl::CivilSecond(y, mo, d, h, mi, s), absl::UTCTimeZone());
}

// School-local wall-clock time (BST or GMT as in force).
inline absl::Time London(int y, int mo, int d, int h, int mi) {
  absl::TimeZone zone;
  absl::LoadTimeZone("Europe/London", &zone);
  return absl::FromCivil(absl::CivilSecond(y, mo, d, h, mi, 0), zone);
}

inline Enquiry NewEnquiry(const std::string& id, absl::Time received_at, bool safeguarding = false) {
  Enquiry e;
  e.id = id;
  e.school_id = "st-marys";
  e.pupil = "schools/st-marys/pupils/p-0001";
  e.guardian = "guardians/g-0001";
  e.channel = Channel::kEmail;
  e.category = safeguarding ? "safeguarding" : "learning";
  e.received_at = received_at;
  e.safeguarding = safeguarding;
  e.subject_ref = "subject:1";
  e.body_ref = "body:1";
  return e;
}

inline void Apply(Enquiry& e, const Decision& d) {
  e.history.insert(e.history.end(), d.events.begin(), d.events.end());
}

}  // namespace parley::escalation::testing
