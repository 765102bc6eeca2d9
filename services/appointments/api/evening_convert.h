// parley.appointments.v1 parents' evenings ⇄ the evenings domain (domain/evening_service.h):
// resource names to ids (references of the request's school only, or INVALID_ARGUMENT), the
// evening's grid and rules, waiting-list entries and household choices.
#pragma once

#include <string>

#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "parley/appointments/v1/appointments_service.pb.h"
#include "parley/appointments/v1/evening.pb.h"
#include "services/appointments/domain/evening_service.h"

namespace parley::appointments {

// The ParentsEvening resource as it is at `now`, with the slots offered and booked.
v1::ParentsEvening EveningToProto(const ParentsEvening& e, absl::Time now, int slots_offered, int slots_booked);

// The request's evening at `school_id` (id, state and times are the service's).
absl::StatusOr<ParentsEvening> EveningFrom(const v1::ParentsEvening& in, const std::string& school_id);

// "schools/{school}/parentsEvenings/{evening}" → (school, evening).
absl::StatusOr<std::pair<std::string, std::string>> EveningName(const std::string& name, const char* field);

// "schools/{school}/{collection}/{id}" of `school_id` → id; another school's is INVALID_ARGUMENT
// (CROSS_SCHOOL_REFERENCE).
absl::StatusOr<std::string> ChildIdAt(const std::string& name, const std::string& collection,
                                      const std::string& school_id, const char* field);

v1::WaitingListEntry WaitingEntryToProto(const WaitingEntry& e);
v1::HouseholdChoice HouseholdChoiceToProto(const HouseholdChoice& c);
absl::StatusOr<HouseholdRule> HouseholdRuleFrom(v1::HouseholdRule rule, bool unspecified_ok);

}  // namespace parley::appointments
