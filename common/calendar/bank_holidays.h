// Public bank holiday lists, which a school calendar imports as closures (docs/architecture.md#the-policy-clock).
//
// The lists under data/bank-holidays-<division>.json are compiled into the library, so a service
// container needs no data file and every replica sees the same list as the build that was tested.
// A list covers only the years it was published for: callers never extrapolate it.
#pragma once

#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "common/calendar/calendar.h"

namespace parley::calendar {

// The compiled-in list for a division ("england-and-wales"), sorted by date; each DateRange has
// first == last and label = the holiday's title. Unknown division: INVALID_ARGUMENT (reason
// UNKNOWN_BANK_HOLIDAY_DIVISION) listing the known ones.
absl::StatusOr<std::vector<DateRange>> BankHolidays(absl::string_view division);

// Parses one division in the gov.uk shape {"division": ..., "events": [{"date": "2025-12-25",
// "title": "Christmas Day"}, ...]}, sorted by date. Malformed input: INVALID_ARGUMENT (reason
// INVALID_BANK_HOLIDAYS) naming the offending event.
absl::StatusOr<std::vector<DateRange>> ParseBankHolidays(absl::string_view json);

// Divisions compiled into this build, sorted.
std::vector<std::string> KnownBankHolidayDivisions();

}  // namespace parley::calendar
