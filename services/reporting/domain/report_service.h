// The reporting use cases: a trust report and a school report over a named period. Each school's
// period is resolved in its own calendar; each source is asked for that (school, period) with a
// deadline, through the figure cache; a source that does not answer leaves its figures missing,
// named in the report.
//
// Freshness: figures of a period still open (or closed less than `settle` ago, while clocks of its
// last enquiries may still end) are reused for `fresh_for`, then asked again. Once the period has
// settled they are computed once and kept. "Now" figures (open and overdue enquiries) are always
// at most `fresh_for` old.
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "common/clock/clock.h"
#include "services/reporting/domain/directory.h"
#include "services/reporting/domain/figure_cache.h"
#include "services/reporting/domain/model.h"
#include "services/reporting/domain/sources.h"

namespace parley::reporting {

struct ReportOptions {
  absl::Duration source_timeout = absl::Seconds(3);  // each source call's deadline
  absl::Duration fresh_for = absl::Seconds(60);      // reuse of an open period's cached figures
  absl::Duration settle = absl::Hours(24 * 14);      // after the period's end, figures are final
  int fan_out = 16;                                  // source calls in flight for one report
  // Final entries' figures kept decoded in the process (an entry's text is decoded once, not per
  // report); when full, it starts again empty.
  size_t decoded_finals = 10000;
};

// Trust-wide sums over the schools whose figures are present.
struct TrustTotals {
  int64_t schools = 0;
  int64_t pupils = 0;
  PromiseCounts promise;  // counts only: medians and percentiles do not add
  int64_t escalations = 0;
  int64_t referrals_to_complaints = 0;
  int64_t safeguarding = 0;
  int64_t open_now = 0;
  int64_t overdue_now = 0;
  int64_t incidents = 0;
  int64_t arrangements_active = 0;
  int64_t arrangements_past_review = 0;
  int64_t meeting_requests = 0;
  int64_t evening_slots_offered = 0;
  int64_t evening_slots_booked = 0;
  int64_t notices = 0;
  int64_t messages = 0;
  int64_t fallbacks = 0;
};
TrustTotals Totals(const TrustReport& report);

class DecodedFinals;  // report_service.cc

class ReportService {
 public:
  // Everything must outlive the service.
  ReportService(SchoolDirectory* directory, FigureSources* sources, FigureCache* cache, const Clock* clock,
                ReportOptions options);
  ~ReportService();

  // Every school's id, in the directory's order (for the API to narrow to the caller's reach).
  absl::StatusOr<std::vector<std::string>> SchoolIds();

  // The named schools' reports (NOT_FOUND for a school the directory does not have).
  absl::StatusOr<TrustReport> Trust(const std::string& period, const std::vector<std::string>& school_ids,
                                    Breakdowns breakdowns);
  absl::StatusOr<SchoolReport> School(const std::string& school_id, const std::string& period, Breakdowns breakdowns);

 private:
  SchoolDirectory* const directory_;
  FigureSources* const sources_;
  FigureCache* const cache_;
  const Clock* const clock_;
  const ReportOptions options_;
  const std::unique_ptr<DecodedFinals> decoded_;
};

}  // namespace parley::reporting
