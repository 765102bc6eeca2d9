// Domain reports -> parley.reporting.v1 messages. The small-count rule is applied here, once, so
// every client (the API, the CSV export, the HTML report built from either) sees the same withheld
// figures: in a breakdown, a count from 1 to threshold-1 is withheld, and a share, median or
// percentile resting on a withheld count is left unset.
#pragma once

#include "parley/reporting/v1/reporting_service.pb.h"
#include "services/reporting/domain/model.h"
#include "services/reporting/domain/report_service.h"

namespace parley::reporting {

namespace v1 = ::parley::reporting::v1;

void ToProto(const SchoolReport& report, const Breakdowns& breakdowns, int threshold, v1::SchoolReport* out);
void ToProto(const TrustReport& report, const Breakdowns& breakdowns, int threshold, v1::TrustReport* out);

// The breakdowns a request's group_by asks for.
Breakdowns BreakdownsOf(const google::protobuf::RepeatedField<int>& group_by);

}  // namespace parley::reporting
