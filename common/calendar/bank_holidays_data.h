// The bank holiday lists compiled in by CMake (see CMakeLists.txt); not part of the API.
#pragma once

#include <cstddef>

namespace parley::calendar::internal {

struct EmbeddedBankHolidays {
  const char* division;
  const char* json;
};

extern const EmbeddedBankHolidays kEmbeddedBankHolidays[];
extern const size_t kEmbeddedBankHolidaysCount;

}  // namespace parley::calendar::internal
