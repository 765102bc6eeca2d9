// The drill-down from a school's `breaches` figure to the matters behind it: the period resolved in
// the school's own calendar exactly as a report resolves it (period.h), then escalation asked for
// that school's breached clocks over it, a page at a time, with the source deadline. Never cached:
// a list names matters, and what is kept late changes. The caller's reach is the API's to check.
#pragma once

#include <string>

#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "services/reporting/domain/directory.h"
#include "services/reporting/domain/model.h"
#include "services/reporting/domain/sources.h"

namespace parley::reporting {

struct BreachQuery {
  std::string school_id;
  std::string period;    // "2025-autumn", ... as a report names it
  std::string channel;   // "" or one of the report's channel ids ("email", ...)
  std::string category;  // "" or a category id
  int page_size = 50;
  std::string page_token;  // the source's, "" for the first page
};

struct BreachList {
  Period period;  // as resolved in the school's calendar
  BreachItems page;
};

// The channel ids a report's by_channel rows use: "email", "letter", "phone", "app_message",
// "in_person".
bool IsReportChannel(const std::string& channel);

class BreachLister {
 public:
  // Both must outlive this.
  BreachLister(SchoolDirectory* directory, BreachSource* source, absl::Duration source_timeout)
      : directory_(directory), source_(source), timeout_(source_timeout) {}

  // INVALID_ARGUMENT: a period of no known shape (INVALID_PERIOD), a channel that is not a report
  // channel (INVALID_FIELD), a page token the source refuses (its reason). NOT_FOUND
  // (SCHOOL_NOT_FOUND): no such school. FAILED_PRECONDITION (PERIOD_NOT_IN_CALENDAR): the school's
  // calendar has no such term. UNAVAILABLE (PEER_UNAVAILABLE): escalation did not answer in time.
  absl::StatusOr<BreachList> List(const BreachQuery& query);

 private:
  SchoolDirectory* const directory_;
  BreachSource* const source_;
  const absl::Duration timeout_;
};

}  // namespace parley::reporting
