// Public bank holiday lists, which a school calendar imports as closures (docs/architecture.md#the-policy-clock).
//
// The lists under data/bank-holidays-<division>.json are compiled into the library, so a service
// container needs no data file and every replica sees the same list as the build that was tested.
// A published list wins for the years it covers: it has the one-off changes (a holiday moved or
// added for a jubilee or a coronation). Beyond its last year, England and Wales follows its usual
// rules (EnglandAndWalesBankHolidaysByRule), so a calendar that runs past the list still has its
// bank holidays; a division without rules has none beyond its list.
#pragma once

#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/time/civil_time.h"
#include "common/calendar/calendar.h"

namespace parley::calendar {

// The compiled-in published list for a division ("england-and-wales"), sorted by date; each
// DateRange has first == last and label = the holiday's title. Unknown division: INVALID_ARGUMENT
// (reason UNKNOWN_BANK_HOLIDAY_DIVISION) listing the known ones.
absl::StatusOr<std::vector<DateRange>> BankHolidays(absl::string_view division);

// The published list, then, for every year after its last one up to `last_year`, the division's
// usual rules where Parley has them (England and Wales); sorted by date. A `last_year` inside the
// list changes nothing: the whole published list is returned. At most 100 years are computed.
// Errors as BankHolidays.
absl::StatusOr<std::vector<DateRange>> BankHolidaysThrough(absl::string_view division, int last_year);

// Easter Sunday of a Gregorian year (the Gregorian computus; meaningful from 1583).
absl::CivilDay EasterSunday(int year);

// The eight England-and-Wales bank holidays of `year` by the usual rules, sorted by date, titled
// as gov.uk titles them: New Year's Day; Good Friday and Easter Monday; the early May bank holiday
// (first Monday of May); the spring bank holiday (last Monday of May); the summer bank holiday
// (last Monday of August); Christmas Day and Boxing Day. New Year's Day, Christmas Day or Boxing Day
// on a Saturday or Sunday moves to the next weekday that is not already a bank holiday, titled
// "... (substitute day)" (Christmas on a Saturday: Monday 27th and Tuesday 28th; on a Sunday:
// Boxing Day Monday 26th, Christmas Day (substitute day) Tuesday 27th). One-off changes are not
// predicted: they are in the published list or nowhere.
std::vector<DateRange> EnglandAndWalesBankHolidaysByRule(int year);

// Parses one division in the gov.uk shape {"division": ..., "events": [{"date": "2025-12-25",
// "title": "Christmas Day"}, ...]}, sorted by date. Malformed input: INVALID_ARGUMENT (reason
// INVALID_BANK_HOLIDAYS) naming the offending event.
absl::StatusOr<std::vector<DateRange>> ParseBankHolidays(absl::string_view json);

// Divisions compiled into this build, sorted.
std::vector<std::string> KnownBankHolidayDivisions();

}  // namespace parley::calendar
