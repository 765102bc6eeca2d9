// The trust report as CSV (RFC 4180, UTF-8, CRLF line ends), one figure per row:
//
//   school,school_name,period,start_date,end_date,section,row,figure,value
//   schools/kenilworth,Kenilworth Primary,2025-autumn,2025-09-01,2025-12-19,enquiries,,promise.received,312
//   schools/kenilworth,...,by_channel,email,promise.breaches,fewer than 5
//
// Every figure of the messages is written, found by reflection, so a figure added to the API is in
// the export without a change here; unset figures are left out. A withheld count reads "fewer than
// N". Text a spreadsheet would take for a formula (starting with = + - @, a tab or a carriage
// return) is prefixed with an apostrophe.
#pragma once

#include <string>

#include "parley/reporting/v1/reporting_service.pb.h"

namespace parley::reporting {

std::string ReportCsv(const ::parley::reporting::v1::TrustReport& report);

// One cell: formula-safe, quoted when it holds a comma, a quote or a line break.
std::string CsvCell(const std::string& text);

}  // namespace parley::reporting
