#include "services/reporting/domain/breach_list.h"

#include <algorithm>
#include <utility>
#include <vector>

#include "absl/strings/str_cat.h"
#include "common/status/reason.h"
#include "common/status/status_macros.h"
#include "services/reporting/domain/period.h"

namespace parley::reporting {

bool IsReportChannel(const std::string& channel) {
  static const char* const kChannels[] = {"email", "letter", "phone", "app_message", "in_person"};
  return std::any_of(std::begin(kChannels), std::end(kChannels), [&](const char* c) { return channel == c; });
}

absl::StatusOr<BreachList> BreachLister::List(const BreachQuery& query) {
  if (!query.channel.empty() && !IsReportChannel(query.channel)) {
    return InvalidArgument(reason::kInvalidField,
                           "channel must be one of email, letter, phone, app_message, in_person (or empty)");
  }
  // As ReportService resolves a school's period: the same shapes, the school's own calendar.
  PARLEY_ASSIGN_OR_RETURN(PeriodSpec spec, ParsePeriod(query.period));
  PARLEY_ASSIGN_OR_RETURN(std::vector<SchoolInfo> schools, directory_->Schools());
  auto school =
      std::find_if(schools.begin(), schools.end(), [&](const SchoolInfo& s) { return s.id == query.school_id; });
  if (school == schools.end()) {
    return NotFound(reason::kSchoolNotFound, absl::StrCat("schools/", query.school_id, " not found"));
  }
  BreachList out;
  PARLEY_ASSIGN_OR_RETURN(out.period, ResolvePeriod(spec, *school));
  absl::StatusOr<BreachItems> page =
      source_->Breaches(query.school_id, out.period.start_time, out.period.end_time, query.channel, query.category,
                        query.page_size, query.page_token, timeout_);
  if (!page.ok()) {
    switch (page.status().code()) {
      case absl::StatusCode::kInvalidArgument:
        return page.status();  // a page token escalation did not issue for this list: its reason
      case absl::StatusCode::kUnavailable:
      case absl::StatusCode::kDeadlineExceeded:
        return Unavailable(
            reason::kPeerUnavailable,
            absl::StrCat("escalation did not answer within ", absl::FormatDuration(timeout_),
                         ": the breaches of schools/", query.school_id, " cannot be listed now; try again"));
      default:
        return Internal(reason::kInternal,
                        absl::StrCat("escalation refused to list the breaches of schools/", query.school_id, ": ",
                                     absl::StatusCodeToString(page.status().code())));
    }
  }
  out.page = *std::move(page);
  return out;
}

}  // namespace parley::reporting
