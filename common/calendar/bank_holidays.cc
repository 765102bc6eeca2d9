#include "common/calendar/bank_holidays.h"

#include <algorithm>
#include <tuple>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "common/calendar/bank_holidays_data.h"
#include "common/status/reason.h"
#include "nlohmann/json.hpp"

namespace parley::calendar {
namespace {

absl::Status Bad(absl::string_view message) { return InvalidArgument(reason::kInvalidBankHolidays, message); }

}  // namespace

absl::StatusOr<std::vector<DateRange>> ParseBankHolidays(absl::string_view json) {
  // No exceptions cross the library boundary: parse without them and check every type by hand.
  const nlohmann::json doc = nlohmann::json::parse(json.begin(), json.end(), nullptr,
                                                   /*allow_exceptions=*/false);
  if (doc.is_discarded()) return Bad("bank holiday list is not valid JSON");
  if (!doc.is_object() || !doc.contains("events") || !doc["events"].is_array()) {
    return Bad("bank holiday list must be an object with an \"events\" array");
  }
  std::vector<DateRange> out;
  const nlohmann::json& events = doc["events"];
  for (size_t i = 0; i < events.size(); ++i) {
    const nlohmann::json& e = events[i];
    if (!e.is_object() || !e.contains("date") || !e["date"].is_string() || !e.contains("title") ||
        !e["title"].is_string()) {
      return Bad(absl::StrCat("event ", i, " needs string fields \"date\" and \"title\""));
    }
    const std::string& date = e["date"].get_ref<const std::string&>();
    absl::CivilDay day;
    // ParseCivilTime alone would accept "2025-02-30" by normalising it; insist on a round trip.
    if (!absl::ParseCivilTime(date, &day) || absl::FormatCivilTime(day) != date) {
      return Bad(absl::StrCat("event ", i, " has date \"", date, "\": expected YYYY-MM-DD"));
    }
    out.push_back(DateRange{day, day, e["title"].get<std::string>()});
  }
  std::sort(out.begin(), out.end(), [](const DateRange& a, const DateRange& b) {
    return std::tie(a.first, a.label) < std::tie(b.first, b.label);
  });
  return out;
}

std::vector<std::string> KnownBankHolidayDivisions() {
  std::vector<std::string> names;
  for (size_t i = 0; i < internal::kEmbeddedBankHolidaysCount; ++i) {
    names.emplace_back(internal::kEmbeddedBankHolidays[i].division);
  }
  std::sort(names.begin(), names.end());
  return names;
}

absl::StatusOr<std::vector<DateRange>> BankHolidays(absl::string_view division) {
  for (size_t i = 0; i < internal::kEmbeddedBankHolidaysCount; ++i) {
    if (division == internal::kEmbeddedBankHolidays[i].division) {
      return ParseBankHolidays(internal::kEmbeddedBankHolidays[i].json);
    }
  }
  return InvalidArgument(reason::kUnknownBankHolidayDivision,
                         absl::StrCat("unknown bank holiday division \"", division, "\": known divisions are ",
                                      absl::StrJoin(KnownBankHolidayDivisions(), ", ")));
}

}  // namespace parley::calendar
