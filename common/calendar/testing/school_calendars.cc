#include "common/calendar/testing/school_calendars.h"

#include <cstdio>
#include <cstdlib>
#include <string>

#include "common/calendar/bank_holidays.h"

namespace parley::calendar::testdata {
namespace {

[[noreturn]] void Die(const absl::Status& status) {
  std::fprintf(stderr, "test calendar fixture is broken: %s\n", status.ToString().c_str());
  std::abort();
}

}  // namespace

const absl::TimeZone& London() {
  static const absl::TimeZone zone = [] {
    absl::TimeZone tz;
    if (!absl::LoadTimeZone("Europe/London", &tz)) Die(absl::NotFoundError("no Europe/London in the tz database"));
    return tz;
  }();
  return zone;
}

absl::Time LondonTime(int year, int month, int day, int hour, int minute) {
  return absl::FromCivil(absl::CivilMinute(year, month, day, hour, minute), London());
}

CalendarSpec England2025To26() {
  CalendarSpec spec;
  spec.time_zone = "Europe/London";
  spec.core_hours = {8 * 60 + 45, 15 * 60 + 30};
  spec.terms = {
      {absl::CivilDay(2025, 9, 3), absl::CivilDay(2025, 12, 19), "Autumn"},
      {absl::CivilDay(2026, 1, 5), absl::CivilDay(2026, 3, 27), "Spring"},
      {absl::CivilDay(2026, 4, 13), absl::CivilDay(2026, 7, 22), "Summer"},
  };
  spec.closures = {
      {absl::CivilDay(2025, 10, 27), absl::CivilDay(2025, 10, 31), "Autumn half-term"},
      {absl::CivilDay(2026, 2, 16), absl::CivilDay(2026, 2, 20), "Spring half-term"},
      {absl::CivilDay(2026, 5, 25), absl::CivilDay(2026, 5, 29), "May half-term"},
  };
  absl::StatusOr<std::vector<DateRange>> holidays = BankHolidays("england-and-wales");
  if (!holidays.ok()) Die(holidays.status());
  spec.closures.insert(spec.closures.end(), holidays->begin(), holidays->end());
  return spec;
}

std::shared_ptr<const Calendar> MustBuild(const CalendarSpec& spec, const WorkingPattern* owner) {
  absl::StatusOr<std::shared_ptr<const Calendar>> cal = Calendar::Build(spec, owner);
  if (!cal.ok()) Die(cal.status());
  return *std::move(cal);
}

}  // namespace parley::calendar::testdata
