#include "services/reporting/api/reporting_api.h"

#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "common/status/reason.h"
#include "common/status/status_macros.h"
#include "services/reporting/api/convert.h"
#include "services/reporting/api/csv_export.h"

namespace parley::reporting {
namespace {

constexpr size_t kChunkBytes = 64 << 10;
// Escalation's own limits for ListBreaches.
constexpr api::PageLimits kBreachPageLimits{50, 500};

}  // namespace

const auth::RuleTable& ReportingApi::AccessRules() {
  using auth::Resource;
  constexpr auth::Verb kRead = auth::Verb::kRead;
  static const auto* rules = new auth::RuleTable{
      {"GetTrustReport", {Resource::kReport, kRead}},
      {"GetSchoolReport", {Resource::kReport, kRead}},
      {"ExportReport", {Resource::kReport, kRead}},
      {"ListBreaches", {Resource::kReport, kRead}},
  };
  return *rules;
}

absl::Status ReportingApi::BuildTrustReport(const auth::Grant& caller, const std::string& period,
                                            const google::protobuf::RepeatedPtrField<std::string>& schools,
                                            const google::protobuf::RepeatedField<int>& group_by,
                                            v1::TrustReport* out) {
  std::vector<std::string> ids;
  if (schools.empty()) {
    // Every school the caller reads: all of them for a trust-wide reader, else the token's own.
    PARLEY_ASSIGN_OR_RETURN(std::vector<std::string> all, reports_->SchoolIds());
    for (const std::string& id : all) {
      if (caller.At(id).ok()) ids.push_back(id);
    }
    if (ids.empty()) return PermissionDenied(reason::kWrongSchool, "the caller reads no school's reports");
  } else {
    for (const std::string& name : schools) {
      PARLEY_ASSIGN_OR_RETURN(std::string id, api::ParseSchool(name, "schools"));
      PARLEY_RETURN_IF_ERROR(caller.At(id).status());
      if (std::find(ids.begin(), ids.end(), id) == ids.end()) ids.push_back(id);
    }
  }
  const Breakdowns breakdowns = BreakdownsOf(group_by);
  PARLEY_ASSIGN_OR_RETURN(TrustReport report, reports_->Trust(period, ids, breakdowns));
  ToProto(report, breakdowns, threshold_, out);
  return absl::OkStatus();
}

grpc::Status ReportingApi::GetTrustReport(grpc::ServerContext* ctx, const v1::GetTrustReportRequest* req,
                                          v1::TrustReport* resp) {
  return edge_.Serve(ctx, *req, [&](const auth::Grant& caller) -> absl::Status {
    return BuildTrustReport(caller, req->period(), req->schools(), req->group_by(), resp);
  });
}

grpc::Status ReportingApi::GetSchoolReport(grpc::ServerContext* ctx, const v1::GetSchoolReportRequest* req,
                                           v1::SchoolReport* resp) {
  return edge_.Serve(ctx, *req, [&](const auth::Grant& caller) -> absl::Status {
    PARLEY_ASSIGN_OR_RETURN(std::string school_id, api::ParseSchool(req->school(), "school"));
    PARLEY_RETURN_IF_ERROR(caller.At(school_id).status());
    const Breakdowns breakdowns = BreakdownsOf(req->group_by());
    PARLEY_ASSIGN_OR_RETURN(SchoolReport report, reports_->School(school_id, req->period(), breakdowns));
    ToProto(report, breakdowns, threshold_, resp);
    return absl::OkStatus();
  });
}

grpc::Status ReportingApi::ExportReport(grpc::ServerContext* ctx, const v1::ExportReportRequest* req,
                                        grpc::ServerWriter<v1::ExportReportChunk>* writer) {
  return edge_.Serve(ctx, *req, [&](const auth::Grant& caller) -> absl::Status {
    v1::TrustReport report;
    PARLEY_RETURN_IF_ERROR(BuildTrustReport(caller, req->period(), req->schools(), req->group_by(), &report));
    const std::string csv = ReportCsv(report);
    for (size_t at = 0; at < csv.size(); at += kChunkBytes) {
      v1::ExportReportChunk chunk;
      chunk.set_content_type("text/csv; charset=utf-8");
      chunk.set_data(csv.substr(at, kChunkBytes));
      if (!writer->Write(chunk)) return Unavailable(reason::kPeerUnavailable, "the client went away");
    }
    return absl::OkStatus();
  });
}

grpc::Status ReportingApi::ListBreaches(grpc::ServerContext* ctx, const v1::ListBreachesRequest* req,
                                        v1::ListBreachesResponse* resp) {
  return edge_.Serve(ctx, *req, [&](const auth::Grant& caller) -> absl::Status {
    PARLEY_ASSIGN_OR_RETURN(std::string school_id, api::ParseSchool(req->school(), "school"));
    // As GetSchoolReport: a school's leaders only their own school, checked before anything is read.
    PARLEY_RETURN_IF_ERROR(caller.At(school_id).status());
    // Our token is bound to this request; what it carries is escalation's own token.
    PARLEY_ASSIGN_OR_RETURN(api::PageRequest page, api::ParsePage(*req, kBreachPageLimits));
    BreachQuery query;
    query.school_id = school_id;
    query.period = req->period();
    query.channel = req->channel();
    query.category = req->category();
    query.page_size = page.size;
    query.page_token = page.after;
    PARLEY_ASSIGN_OR_RETURN(BreachList list, breaches_->List(query));
    ToProto(list, school_id, resp);
    resp->set_next_page_token(api::NextPageToken(*req, list.page.next_token));
    return absl::OkStatus();
  });
}

}  // namespace parley::reporting
