// The parley.reporting.v1 gRPC service: every call through the one API edge (authentication,
// request checks, the method's access rule, status translation). Each handler narrows the schools
// to the caller's reach before anything is computed: a trust-wide reader gets every school, a
// school's leader only their own (asking for another is PERMISSION_DENIED, WRONG_SCHOOL). Sync
// API: a report blocks on its sources inside the server's bounded thread pool.
#pragma once

#include "common/auth/auth.h"
#include "common/grpc/api_edge.h"
#include "parley/reporting/v1/reporting_service.grpc.pb.h"
#include "services/reporting/domain/breach_list.h"
#include "services/reporting/domain/report_service.h"

namespace parley::reporting {

namespace v1 = ::parley::reporting::v1;

class ReportingApi final : public v1::ReportingService::Service {
 public:
  // `small_count_threshold`: counts from 1 to threshold-1 in a breakdown are withheld.
  ReportingApi(ReportService* reports, BreachLister* breaches, const auth::Verifier* verifier,
               int small_count_threshold)
      : reports_(reports),
        breaches_(breaches),
        edge_(verifier, api::Edge::ServiceNamed(v1::ReportingService::service_full_name()), AccessRules()),
        threshold_(small_count_threshold) {}

  // The access rule of every method (common/auth/access.h; docs/security.md).
  static const auth::RuleTable& AccessRules();

  grpc::Status GetTrustReport(grpc::ServerContext* ctx, const v1::GetTrustReportRequest* req,
                              v1::TrustReport* resp) override;
  grpc::Status GetSchoolReport(grpc::ServerContext* ctx, const v1::GetSchoolReportRequest* req,
                               v1::SchoolReport* resp) override;
  grpc::Status ExportReport(grpc::ServerContext* ctx, const v1::ExportReportRequest* req,
                            grpc::ServerWriter<v1::ExportReportChunk>* writer) override;
  grpc::Status ListBreaches(grpc::ServerContext* ctx, const v1::ListBreachesRequest* req,
                            v1::ListBreachesResponse* resp) override;

 private:
  // The trust report for the schools asked (empty: every school the caller reads).
  absl::Status BuildTrustReport(const auth::Grant& caller, const std::string& period,
                                const google::protobuf::RepeatedPtrField<std::string>& schools,
                                const google::protobuf::RepeatedField<int>& group_by, v1::TrustReport* out);

  ReportService* const reports_;
  BreachLister* const breaches_;
  api::Edge edge_;
  const int threshold_;
};

}  // namespace parley::reporting
