// A small but complete directory for domain tests: one primary school shaped like St Mary's
// (Europe/London, core hours 08:45-15:30, 2025-26 terms with the 27-31 Oct half-term, email
// acknowledge in 2 / respond in 5 working days, phone respond in 2 following the owner), with a
// part-time teacher, a SENCo, DSL and deputy, an attendance-by-phone route and a SEND ladder.
#pragma once

#include "services/contacts/domain/model.h"

namespace parley::contacts::testing {

inline constexpr char kSchool[] = "st-marys";

SchoolDirectory SampleSchool(const std::string& school_id = kSchool);
Directory SampleDirectory();

}  // namespace parley::contacts::testing
