// The parley.escalation.v1 gRPC service: every call goes through the one API edge (api::Edge:
// authentication, the request's declared checks, statuses with their reasons), then tenancy and
// roles before anything is looked up, the request's own shape, proto ⇄ domain, and one use case of
// EnquiryService (reads included: nothing here touches a store). Sync API: a call blocks on contacts, conduct and
// PostgreSQL inside the server's bounded thread pool.
//
// Who may do what is the access model (common/auth/access.h; AccessRules() states each method's
// rule, and the edge refuses a caller whose roles reach it nowhere). Each handler then asks the
// caller's Grant at the enquiry's school: with reach kOwn a guardian reaches only enquiries about
// them (and sees them without staff-internal fields: convert.h, ForGuardian) and a teacher only those
// they own now; an enquiry outside that is answered as one that does not exist. The table is in
// services/escalation/README.md ("Access").
#pragma once

#include <functional>
#include <string>

#include "common/auth/auth.h"
#include "common/grpc/api_edge.h"
#include "parley/escalation/v1/escalation_service.grpc.pb.h"
#include "services/escalation/domain/enquiry_service.h"

namespace parley::escalation {

class EscalationApi final : public v1::EscalationService::Service {
 public:
  EscalationApi(EnquiryService* enquiries, const auth::Verifier* verifier)
      : enquiries_(enquiries),
        edge_(verifier, api::Edge::ServiceNamed(v1::EscalationService::service_full_name()), AccessRules()) {}

  // The access rule of every method (common/auth/access.h; docs/security.md).
  static const auth::RuleTable& AccessRules();

  grpc::Status OpenEnquiry(grpc::ServerContext* ctx, const v1::OpenEnquiryRequest* req, v1::Enquiry* resp) override;
  grpc::Status GetEnquiry(grpc::ServerContext* ctx, const v1::GetEnquiryRequest* req, v1::Enquiry* resp) override;
  grpc::Status ListEnquiries(grpc::ServerContext* ctx, const v1::ListEnquiriesRequest* req,
                             v1::ListEnquiriesResponse* resp) override;
  grpc::Status ListEnquiryEvents(grpc::ServerContext* ctx, const v1::ListEnquiryEventsRequest* req,
                                 v1::ListEnquiryEventsResponse* resp) override;

  grpc::Status AcknowledgeEnquiry(grpc::ServerContext* ctx, const v1::AcknowledgeEnquiryRequest* req,
                                  v1::Enquiry* resp) override;
  grpc::Status RecordReply(grpc::ServerContext* ctx, const v1::RecordReplyRequest* req, v1::Enquiry* resp) override;
  grpc::Status PauseEnquiry(grpc::ServerContext* ctx, const v1::PauseEnquiryRequest* req, v1::Enquiry* resp) override;
  grpc::Status ResumeEnquiry(grpc::ServerContext* ctx, const v1::ResumeEnquiryRequest* req, v1::Enquiry* resp) override;
  grpc::Status ResolveEnquiry(grpc::ServerContext* ctx, const v1::ResolveEnquiryRequest* req,
                              v1::Enquiry* resp) override;
  grpc::Status ReopenEnquiry(grpc::ServerContext* ctx, const v1::ReopenEnquiryRequest* req, v1::Enquiry* resp) override;
  grpc::Status EscalateEnquiry(grpc::ServerContext* ctx, const v1::EscalateEnquiryRequest* req,
                               v1::Enquiry* resp) override;
  grpc::Status ReassignEnquiry(grpc::ServerContext* ctx, const v1::ReassignEnquiryRequest* req,
                               v1::Enquiry* resp) override;
  grpc::Status MarkAbusive(grpc::ServerContext* ctx, const v1::MarkAbusiveRequest* req, v1::Enquiry* resp) override;
  grpc::Status RecordProgress(grpc::ServerContext* ctx, const v1::RecordProgressRequest* req,
                              v1::Enquiry* resp) override;

  grpc::Status GetSchoolStats(grpc::ServerContext* ctx, const v1::GetSchoolStatsRequest* req,
                              v1::SchoolStats* resp) override;
  grpc::Status ListBreaches(grpc::ServerContext* ctx, const v1::ListBreachesRequest* req,
                            v1::ListBreachesResponse* resp) override;

 private:
  // A staff action on the enquiry `name` under the method's rule: tenancy and reach (kOwn: only
  // enquiries the caller owns), request key, then EnquiryService::Act. `input` arrives without its
  // actor; `check` validates the rest of the request once tenancy is known.
  grpc::Status Act(grpc::ServerContext* ctx, const char* method, const google::protobuf::Message& req,
                   const std::string& name, const std::string& etag, ActionInput input, v1::Enquiry* resp,
                   const std::function<absl::Status(const std::string& school_id)>& check = nullptr);

  EnquiryService* const enquiries_;
  const api::Edge edge_;
};

}  // namespace parley::escalation
