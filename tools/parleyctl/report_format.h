// `parleyctl report` without --html, --csv or --json: the trust report as text, a block per
// school, for a terminal. Withheld counts read "fewer than N" and unset figures "-", as on the page.
#pragma once

#include <string>

#include "parley/reporting/v1/reporting_service.pb.h"

namespace parley::ctl {

namespace rv1 = ::parley::reporting::v1;

std::string FormatTrustReport(const rv1::TrustReport& report);

}  // namespace parley::ctl
