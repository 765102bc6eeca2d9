// The trust report as one self-contained HTML page: what `parleyctl report --html` writes for
// trust leaders. Inline CSS and inline SVG charts only (no fonts, scripts or images from anywhere),
// so the file opens offline in any browser and can be mailed as it is.
//
// The page never makes a figure up: a withheld count (Count.fewer_than > 0) reads "fewer than N"
// and is drawn as a hatched "unknown" marker, never as 0 or a bar; an unset figure reads "—".
// Every figure cell carries data-figure (its path in the TrustReport, as in
// `<td data-figure="enquiries.promise.received" data-school="schools/x">`; breakdown rows as
// `by_channel[email].promise.received`; trust totals as `totals.received` without data-school), and
// each chart is `<svg data-chart="compliance|trend|funnel|channels">`, so that a checker
// (tests/browser/check_report.mjs) can read the page back against the report.
#pragma once

#include <string>

#include "absl/strings/string_view.h"
#include "parley/reporting/v1/reporting_service.pb.h"

namespace parley::ctl {

namespace rv1 = ::parley::reporting::v1;

// The page. A pure function of the report: the same report gives the same bytes.
std::string RenderReportHtml(const rv1::TrustReport& report);

// Text made safe for HTML element content and quoted attribute values: & < > " '.
std::string HtmlEscape(absl::string_view text);

// "312", or "fewer than 5" when withheld.
std::string ReportCountText(const rv1::Count& count);

}  // namespace parley::ctl
