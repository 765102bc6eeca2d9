// Details shared by calendar.cc and deadline.cc; not part of the library's API.
#pragma once

#include <array>
#include <cstdint>
#include <string>

namespace parley::calendar::internal {

// The first entries of Calendar::reasons_; closure labels follow. The words are what offices
// read in explanations, so they are part of the contract tests pin.
inline constexpr int32_t kOutsideTerm = 0;
inline constexpr int32_t kWeekend = 1;
inline constexpr int32_t kNotASchoolDay = 2;
inline constexpr int32_t kOwnerNotWorking = 3;
inline constexpr int32_t kClockChange = 4;
inline constexpr std::array<const char*, 5> kFixedReasons = {
    "school holiday (outside term)",
    "weekend",
    "not a school day",
    "not a working day for this member of staff",
    "core hours fall inside the clock change",
};

// "08:45" for 525.
std::string FormatMinute(int minute);

}  // namespace parley::calendar::internal
