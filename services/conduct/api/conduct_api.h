// The parley.conduct.v1 gRPC service: every call goes through the one API edge (api::Edge:
// authentication, request checks, the method's access rule, status translation); each handler asks
// the caller's Grant at the school the request is about before anything is looked up, narrows a
// guardian to their own records (services/conduct/README.md, "Access") and maps proto ⇄ domain. Reads and writes alike
// are use cases of ConductService: the API never sees the store. Sync API: writes block on the store inside the
// server's bounded thread pool; the gate is served from memory and waits only for its audit
// record's group commit.
#pragma once

#include <functional>

#include "common/auth/auth.h"
#include "common/clock/clock.h"
#include "common/grpc/api_edge.h"
#include "parley/conduct/v1/conduct_service.grpc.pb.h"
#include "services/conduct/domain/conduct_service.h"

namespace parley::conduct {

class ConductApi final : public v1::ConductService::Service {
 public:
  ConductApi(ConductService* conduct, const auth::Verifier* verifier, const Clock* clock)
      : conduct_(conduct),
        edge_(verifier, api::Edge::ServiceNamed(v1::ConductService::service_full_name()), AccessRules()),
        clock_(clock) {}

  // The access rule of every method (common/auth/access.h; docs/security.md).
  static const auth::RuleTable& AccessRules();

  grpc::Status CheckCommunication(grpc::ServerContext* ctx, const v1::CheckCommunicationRequest* req,
                                  v1::Decision* resp) override;
  grpc::Status GetDecision(grpc::ServerContext* ctx, const v1::GetDecisionRequest* req, v1::Decision* resp) override;
  grpc::Status ListDecisions(grpc::ServerContext* ctx, const v1::ListDecisionsRequest* req,
                             v1::ListDecisionsResponse* resp) override;

  grpc::Status CreateIncident(grpc::ServerContext* ctx, const v1::CreateIncidentRequest* req,
                              v1::Incident* resp) override;
  grpc::Status GetIncident(grpc::ServerContext* ctx, const v1::GetIncidentRequest* req, v1::Incident* resp) override;
  grpc::Status ListIncidents(grpc::ServerContext* ctx, const v1::ListIncidentsRequest* req,
                             v1::ListIncidentsResponse* resp) override;
  grpc::Status UpdateIncident(grpc::ServerContext* ctx, const v1::UpdateIncidentRequest* req,
                              v1::Incident* resp) override;

  grpc::Status CreateArrangement(grpc::ServerContext* ctx, const v1::CreateArrangementRequest* req,
                                 v1::Arrangement* resp) override;
  grpc::Status GetArrangement(grpc::ServerContext* ctx, const v1::GetArrangementRequest* req,
                              v1::Arrangement* resp) override;
  grpc::Status ListArrangements(grpc::ServerContext* ctx, const v1::ListArrangementsRequest* req,
                                v1::ListArrangementsResponse* resp) override;
  grpc::Status UpdateArrangement(grpc::ServerContext* ctx, const v1::UpdateArrangementRequest* req,
                                 v1::Arrangement* resp) override;
  grpc::Status IssueArrangement(grpc::ServerContext* ctx, const v1::IssueArrangementRequest* req,
                                v1::Arrangement* resp) override;
  grpc::Status TightenArrangement(grpc::ServerContext* ctx, const v1::TightenArrangementRequest* req,
                                  v1::Arrangement* resp) override;
  grpc::Status ContinueArrangement(grpc::ServerContext* ctx, const v1::ContinueArrangementRequest* req,
                                   v1::Arrangement* resp) override;
  grpc::Status EndArrangement(grpc::ServerContext* ctx, const v1::EndArrangementRequest* req,
                              v1::Arrangement* resp) override;
  grpc::Status ListArrangementRevisions(grpc::ServerContext* ctx, const v1::ListArrangementRevisionsRequest* req,
                                        v1::ListArrangementRevisionsResponse* resp) override;
  grpc::Status ListGuardianArrangements(grpc::ServerContext* ctx, const v1::ListGuardianArrangementsRequest* req,
                                        v1::ListGuardianArrangementsResponse* resp) override;

  grpc::Status CreatePremisesBan(grpc::ServerContext* ctx, const v1::CreatePremisesBanRequest* req,
                                 v1::PremisesBan* resp) override;
  grpc::Status GetPremisesBan(grpc::ServerContext* ctx, const v1::GetPremisesBanRequest* req,
                              v1::PremisesBan* resp) override;
  grpc::Status ListPremisesBans(grpc::ServerContext* ctx, const v1::ListPremisesBansRequest* req,
                                v1::ListPremisesBansResponse* resp) override;
  grpc::Status RevokePremisesBan(grpc::ServerContext* ctx, const v1::RevokePremisesBanRequest* req,
                                 v1::PremisesBan* resp) override;

  grpc::Status GetLetter(grpc::ServerContext* ctx, const v1::GetLetterRequest* req, v1::Letter* resp) override;
  grpc::Status ListLetters(grpc::ServerContext* ctx, const v1::ListLettersRequest* req,
                           v1::ListLettersResponse* resp) override;

  grpc::Status GetSchoolStats(grpc::ServerContext* ctx, const v1::GetSchoolStatsRequest* req,
                              v1::SchoolStats* resp) override;

 private:
  // A change to an arrangement named `name` (in `field`): the caller's right to change it, then
  // the write under the request's key; `write` gets (school, id, key, encoder).
  using ArrangementWrite = std::function<absl::StatusOr<WriteResult>(
      const std::string& school_id, const std::string& id, const RequestKey& key, const Encoder<Arrangement>& encode)>;
  absl::Status ChangeArrangement(const auth::Grant& caller, const google::protobuf::Message& req,
                                 const std::string& name, absl::string_view field, absl::string_view method,
                                 const ArrangementWrite& write, v1::Arrangement* resp);
  // An arrangement the caller may read: at its school, the school's readers (everything) or the
  // guardian it is about (`*own_view`: their view, an issued one only); a trust-wide one also at the
  // schools it covers. Anyone else gets the answer a missing arrangement gets.
  absl::StatusOr<Arrangement> ReadableArrangement(const auth::Grant& caller, const std::string& school_id,
                                                  const std::string& id, bool* own_view);
  // Changing an arrangement: the school's senior leaders and DSL, trust administrators; a
  // trust-wide one only a role reaching every school (MayChangeTrustWide).
  absl::Status MayChangeArrangement(const auth::Grant& caller, const std::string& school_id, const std::string& id);
  absl::Status MayChangeTrustWide(const auth::Grant& caller, const std::string& school_id);

  ConductService* const conduct_;
  const api::Edge edge_;
  const Clock* const clock_;
};

}  // namespace parley::conduct
