// Values between C++ and SQL text, the way Parley's stores pass them: timestamps sent as UTC text
// and read back as integer microseconds (exact, zone-free); text arrays as quoted array literals.
// New stores use these; conduct's, escalation's and the timer library's older copies are to move here.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "absl/strings/string_view.h"
#include "absl/time/time.h"
#include "pqxx/pqxx"

namespace parley::pg {

// "2025-11-04T10:00:00.000000Z".
std::string TimeParam(absl::Time t);
// The SQL expression reading `column` (a timestamptz) as integer microseconds since the epoch.
std::string Micros(absl::string_view column);
// A column selected through Micros().
absl::Time TimeAt(const pqxx::field& f);
std::optional<absl::Time> OptionalTimeAt(const pqxx::field& f);

// A PostgreSQL text array literal; every element quoted, so any content survives.
std::string TextArray(const std::vector<std::string>& items);
// A text[] column; empty for NULL.
std::vector<std::string> ParseTextArray(const pqxx::field& f);

}  // namespace parley::pg
