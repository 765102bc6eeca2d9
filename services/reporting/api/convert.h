// Domain reports -> parley.reporting.v1 messages. The small-count rule is applied here, once, so
// every client (the API, the CSV export, the HTML report built from either) sees the same withheld
// figures: in a breakdown, a count from 1 to threshold-1 is withheld, and a share, median or
// percentile resting on a withheld count is left unset.
#pragma once

#include "parley/reporting/v1/reporting_service.pb.h"
#include "services/reporting/domain/breach_list.h"
#include "services/reporting/domain/model.h"
#include "services/reporting/domain/report_service.h"

namespace parley::reporting {

namespace v1 = ::parley::reporting::v1;

void ToProto(const SchoolReport& report, const Breakdowns& breakdowns, int threshold, v1::SchoolReport* out);
void ToProto(const TrustReport& report, const Breakdowns& breakdowns, int threshold, v1::TrustReport* out);

// A page of the drill-down behind `breaches`: the period as resolved and the items, as escalation
// gave them (no small-count rule: a list names matters, for readers who may open each of them).
// The next page's token is the API's to set.
void ToProto(const BreachList& list, const std::string& school_id, v1::ListBreachesResponse* out);

// The breakdowns a request's group_by asks for.
Breakdowns BreakdownsOf(const google::protobuf::RepeatedField<int>& group_by);

}  // namespace parley::reporting
