// What `parleyctl report` accepts on its command line, turned into parley.reporting.v1 requests:
// the period, the schools, and a TrustReport saved earlier with --json (for rendering offline).
// Pure functions, so the rules can be tested without a server.
#pragma once

#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "parley/reporting/v1/reporting_service.pb.h"

namespace parley::ctl {

namespace rv1 = ::parley::reporting::v1;

struct ReportOptions {
  std::string period;                // "2025-autumn", "2026-03", "2026-01-05..2026-02-13"
  std::vector<std::string> schools;  // ids or schools/{school}; empty: every school the caller reads
  std::string html;                  // write the HTML report here
  std::string csv;                   // write the server's CSV export here
  std::string input;                 // render this saved TrustReport instead of asking the server
};

// `parleyctl report breaches`: the matters behind one school's `breaches` figure.
struct BreachesOptions {
  std::string school;    // id or schools/{school}; required
  std::string period;    // as for the report; required
  std::string channel;   // "email", ... as the report's by_channel rows; empty: every channel
  std::string category;  // as the report's by_category rows; empty: every category
};

// The first page's request (the command follows every page). Usage errors for a missing or
// malformed school or period.
absl::StatusOr<rv1::ListBreachesRequest> BreachesRequest(const BreachesOptions& opts);

// The flags' combination and form: --period with a server, not with --input (the file names its
// own); --csv only from the server (the CSV is the service's, never re-made here). Usage errors.
absl::Status CheckReportOptions(const ReportOptions& opts);

// GetTrustReport asking for every breakdown (channel, category, rung, week): the HTML report
// draws all of them.
absl::StatusOr<rv1::GetTrustReportRequest> TrustReportRequest(const ReportOptions& opts);
// The same period, schools and breakdowns for ExportReport, so the CSV holds what the page shows.
absl::StatusOr<rv1::ExportReportRequest> ExportReportRequest(const ReportOptions& opts);

// A TrustReport as protobuf JSON (what `report --json` prints). Unknown fields are an error, so a
// file of another kind is not rendered as an empty report.
absl::StatusOr<rv1::TrustReport> ParseTrustReportJson(const std::string& json, const std::string& source);

}  // namespace parley::ctl
