// `parleyctl report` without --html, --csv or --json: the trust report as text, a block per
// school, for a terminal. Withheld counts read "fewer than N" and unset figures "-", as on the page.
#pragma once

#include <string>

#include "parley/reporting/v1/reporting_service.pb.h"

namespace parley::ctl {

namespace rv1 = ::parley::reporting::v1;

std::string FormatTrustReport(const rv1::TrustReport& report);

// `parleyctl report breaches`: a heading (school, period, count), then one line per breach: the
// enquiry's name, the clock missed, channel, category, received, due, breached, kept late (or
// "not kept"), rung and role. Times in UTC.
std::string FormatBreaches(const rv1::ListBreachesResponse& list);

}  // namespace parley::ctl
