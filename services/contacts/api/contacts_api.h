// The parley.contacts.v1 gRPC service: every call goes through the one API edge (api::Edge:
// authentication, request validation, status conversion); the handlers check tenancy and map
// proto ⇄ domain. Get/List/Create/Update/Delete are one set of templates over the kinds of record
// (contacts_api.cc, RecordKind). Runs on the sync API: writes block on PostgreSQL inside the
// server's bounded thread pool; reads are served from the in-memory snapshot.
#pragma once

#include <string>

#include "common/auth/auth.h"
#include "common/directory/slice.h"
#include "common/grpc/api_edge.h"
#include "parley/contacts/v1/contacts_service.grpc.pb.h"
#include "services/contacts/domain/directory_service.h"

namespace parley::contacts {

namespace v1 = ::parley::contacts::v1;

class ContactsApi final : public v1::ContactsService::Service {
 public:
  ContactsApi(DirectoryService* directory, const auth::Verifier* verifier)
      : directory_(directory),
        edge_(verifier, api::Edge::ServiceNamed(v1::ContactsService::service_full_name()), AccessRules()) {}

  // The access rule of every method (common/auth/access.h; docs/security.md).
  static const auth::RuleTable& AccessRules();

  grpc::Status GetTrust(grpc::ServerContext* ctx, const v1::GetTrustRequest* req, v1::Trust* resp) override;

  grpc::Status GetSchool(grpc::ServerContext* ctx, const v1::GetSchoolRequest* req, v1::School* resp) override;
  grpc::Status ListSchools(grpc::ServerContext* ctx, const v1::ListSchoolsRequest* req,
                           v1::ListSchoolsResponse* resp) override;
  grpc::Status CreateSchool(grpc::ServerContext* ctx, const v1::CreateSchoolRequest* req, v1::School* resp) override;
  grpc::Status UpdateSchool(grpc::ServerContext* ctx, const v1::UpdateSchoolRequest* req, v1::School* resp) override;
  grpc::Status DeleteSchool(grpc::ServerContext* ctx, const v1::DeleteSchoolRequest* req,
                            google::protobuf::Empty* resp) override;

  grpc::Status GetStaff(grpc::ServerContext* ctx, const v1::GetStaffRequest* req, v1::Staff* resp) override;
  grpc::Status ListStaff(grpc::ServerContext* ctx, const v1::ListStaffRequest* req,
                         v1::ListStaffResponse* resp) override;
  grpc::Status CreateStaff(grpc::ServerContext* ctx, const v1::CreateStaffRequest* req, v1::Staff* resp) override;
  grpc::Status UpdateStaff(grpc::ServerContext* ctx, const v1::UpdateStaffRequest* req, v1::Staff* resp) override;
  grpc::Status DeleteStaff(grpc::ServerContext* ctx, const v1::DeleteStaffRequest* req,
                           google::protobuf::Empty* resp) override;

  grpc::Status GetPupil(grpc::ServerContext* ctx, const v1::GetPupilRequest* req, v1::Pupil* resp) override;
  grpc::Status ListPupils(grpc::ServerContext* ctx, const v1::ListPupilsRequest* req,
                          v1::ListPupilsResponse* resp) override;
  grpc::Status CreatePupil(grpc::ServerContext* ctx, const v1::CreatePupilRequest* req, v1::Pupil* resp) override;
  grpc::Status UpdatePupil(grpc::ServerContext* ctx, const v1::UpdatePupilRequest* req, v1::Pupil* resp) override;
  grpc::Status DeletePupil(grpc::ServerContext* ctx, const v1::DeletePupilRequest* req,
                           google::protobuf::Empty* resp) override;

  grpc::Status GetGuardian(grpc::ServerContext* ctx, const v1::GetGuardianRequest* req, v1::Guardian* resp) override;
  grpc::Status ListGuardians(grpc::ServerContext* ctx, const v1::ListGuardiansRequest* req,
                             v1::ListGuardiansResponse* resp) override;
  grpc::Status CreateGuardian(grpc::ServerContext* ctx, const v1::CreateGuardianRequest* req,
                              v1::Guardian* resp) override;
  grpc::Status UpdateGuardian(grpc::ServerContext* ctx, const v1::UpdateGuardianRequest* req,
                              v1::Guardian* resp) override;
  grpc::Status DeleteGuardian(grpc::ServerContext* ctx, const v1::DeleteGuardianRequest* req,
                              google::protobuf::Empty* resp) override;

  grpc::Status GetRoutingMatrix(grpc::ServerContext* ctx, const v1::GetRoutingMatrixRequest* req,
                                v1::RoutingMatrix* resp) override;
  grpc::Status UpdateRoutingMatrix(grpc::ServerContext* ctx, const v1::UpdateRoutingMatrixRequest* req,
                                   v1::RoutingMatrix* resp) override;

  grpc::Status GetLadder(grpc::ServerContext* ctx, const v1::GetLadderRequest* req, v1::Ladder* resp) override;
  grpc::Status ListLadders(grpc::ServerContext* ctx, const v1::ListLaddersRequest* req,
                           v1::ListLaddersResponse* resp) override;
  grpc::Status CreateLadder(grpc::ServerContext* ctx, const v1::CreateLadderRequest* req, v1::Ladder* resp) override;
  grpc::Status UpdateLadder(grpc::ServerContext* ctx, const v1::UpdateLadderRequest* req, v1::Ladder* resp) override;
  grpc::Status DeleteLadder(grpc::ServerContext* ctx, const v1::DeleteLadderRequest* req,
                            google::protobuf::Empty* resp) override;

  grpc::Status RouteEnquiry(grpc::ServerContext* ctx, const v1::RouteEnquiryRequest* req,
                            v1::RouteEnquiryResponse* resp) override;
  grpc::Status ResolveLadder(grpc::ServerContext* ctx, const v1::ResolveLadderRequest* req,
                             v1::ResolveLadderResponse* resp) override;
  grpc::Status ComputeDeadline(grpc::ServerContext* ctx, const v1::ComputeDeadlineRequest* req,
                               v1::ComputeDeadlineResponse* resp) override;
  grpc::Status ListWorkingPeriods(grpc::ServerContext* ctx, const v1::ListWorkingPeriodsRequest* req,
                                  v1::ListWorkingPeriodsResponse* resp) override;
  grpc::Status BatchComputeDeadlines(grpc::ServerContext* ctx, const v1::BatchComputeDeadlinesRequest* req,
                                     v1::BatchComputeDeadlinesResponse* resp) override;

  grpc::Status ImportTrust(grpc::ServerContext* ctx, const v1::ImportTrustRequest* req,
                           grpc::ServerWriter<v1::ImportTrustResponse>* writer) override;
  grpc::Status ExportTrust(grpc::ServerContext* ctx, const v1::ExportTrustRequest* req,
                           v1::ExportTrustResponse* resp) override;

  grpc::Status WatchDirectory(grpc::ServerContext* ctx, const v1::WatchDirectoryRequest* req,
                              grpc::ServerWriter<v1::DirectoryVersions>* writer) override;
  grpc::Status GetDirectorySlice(grpc::ServerContext* ctx, const v1::GetDirectorySliceRequest* req,
                                 v1::DirectorySlice* resp) override;

  grpc::Status BatchGetContactDetails(grpc::ServerContext* ctx, const v1::BatchGetContactDetailsRequest* req,
                                      v1::BatchGetContactDetailsResponse* resp) override;

 private:
  // The handlers shared by every kind of record T (School, Staff, Pupil, Ladder); RecordKind<T>
  // in contacts_api.cc says what differs.
  template <typename T, typename Out>
  grpc::Status Get(grpc::ServerContext* ctx, const google::protobuf::Message& req, const std::string& name, Out* out);
  template <typename T, typename Req, typename Keep, typename Items>
  grpc::Status List(grpc::ServerContext* ctx, const Req& req, const std::string& parent, Keep keep, Items* items,
                    std::string* next_page_token);
  template <typename T, typename Body, typename Out>
  grpc::Status Create(grpc::ServerContext* ctx, const google::protobuf::Message& req, const std::string& parent,
                      const std::string& id, const Body& body, Out* out);
  template <typename T, typename Body, typename Out>
  grpc::Status Update(grpc::ServerContext* ctx, const google::protobuf::Message& req, const Body& patch,
                      const google::protobuf::FieldMask& mask, Out* out);
  template <typename T>
  grpc::Status Delete(grpc::ServerContext* ctx, const google::protobuf::Message& req, const std::string& name,
                      const std::string& etag, google::protobuf::Empty* out);

  DirectoryService* directory_;
  api::Edge edge_;
  directory::SliceCache slices_;  // every watcher and fetch of one version shares one encoding
};

}  // namespace parley::contacts
