// Real school calendars for tests and benchmarks: England's 2025-26 term shapes with the England
// and Wales bank holidays compiled into the library. Services' domain tests use these so that
// every deadline they pin is one a real school would see.
#pragma once

#include <memory>

#include "common/calendar/calendar.h"

namespace parley::calendar::testdata {

// A St Mary's style school: Europe/London, Monday-Friday, core hours 08:45-15:30; terms autumn
// 2025-09-03..2025-12-19, spring 2026-01-05..2026-03-27, summer 2026-04-13..2026-07-22;
// half-terms 27-31 Oct 2025 ("Autumn half-term"), 16-20 Feb 2026 ("Spring half-term"), 25-29 May
// 2026 ("May half-term"); every England and Wales bank holiday as a closure. No overrides.
CalendarSpec England2025To26();

// Europe/London, and a local time there: what domain tests pin their instants in.
const absl::TimeZone& London();
absl::Time LondonTime(int year, int month, int day, int hour, int minute = 0);

// Calendar::Build that aborts the test binary on failure: fixtures are known-good.
std::shared_ptr<const Calendar> MustBuild(const CalendarSpec& spec, const WorkingPattern* owner = nullptr);

}  // namespace parley::calendar::testdata
