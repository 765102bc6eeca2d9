// The parley.notifications.v1 gRPC service: every call goes through the one API edge (api::Edge:
// authentication, request checks from the protos' field options, the method's access rule, status
// translation); each handler asks the caller's Grant at the school (or the trust) the request is
// about before anything is looked up, keeps a guardian to their own inbox, copies and preferences
// (services/notifications/README.md, "Access"), and maps proto ⇄ domain. Reads and writes are use
// cases of NotificationService: the API never sees the store. Message bodies are personal data and
// are never logged.
#pragma once

#include <map>
#include <string>

#include "common/auth/auth.h"
#include "common/grpc/api_edge.h"
#include "parley/notifications/v1/notifications_service.grpc.pb.h"
#include "services/notifications/domain/notification_service.h"
#include "services/notifications/domain/peers.h"

namespace parley::notifications {

class NotificationsApi final : public v1::NotificationsService::Service {
 public:
  // `directory` answers whether a guardian has a pupil at the office's school (preferences kept on
  // a parent's behalf); both must outlive the API.
  NotificationsApi(NotificationService* notifications, DirectorySource* directory, const auth::Verifier* verifier)
      : notifications_(notifications),
        directory_(directory),
        edge_(verifier, api::Edge::ServiceNamed(v1::NotificationsService::service_full_name()), AccessRules()) {}

  // The access rule of every method (common/auth/access.h; docs/security.md).
  static const auth::RuleTable& AccessRules();

  grpc::Status CreateNotice(grpc::ServerContext* ctx, const v1::CreateNoticeRequest* req, v1::Notice* resp) override;
  grpc::Status GetNotice(grpc::ServerContext* ctx, const v1::GetNoticeRequest* req, v1::Notice* resp) override;
  grpc::Status ListNotices(grpc::ServerContext* ctx, const v1::ListNoticesRequest* req,
                           v1::ListNoticesResponse* resp) override;
  grpc::Status CancelNotice(grpc::ServerContext* ctx, const v1::CancelNoticeRequest* req, v1::Notice* resp) override;

  grpc::Status ListMessages(grpc::ServerContext* ctx, const v1::ListMessagesRequest* req,
                            v1::ListMessagesResponse* resp) override;
  grpc::Status GetMessage(grpc::ServerContext* ctx, const v1::GetMessageRequest* req, v1::Message* resp) override;
  grpc::Status MarkMessageRead(grpc::ServerContext* ctx, const v1::MarkMessageReadRequest* req,
                               v1::Message* resp) override;
  grpc::Status ReplyToConsent(grpc::ServerContext* ctx, const v1::ReplyToConsentRequest* req,
                              v1::Message* resp) override;
  grpc::Status ReopenConsent(grpc::ServerContext* ctx, const v1::ReopenConsentRequest* req,
                             v1::ConsentSummary* resp) override;
  grpc::Status GetConsentSummary(grpc::ServerContext* ctx, const v1::GetConsentSummaryRequest* req,
                                 v1::ConsentSummary* resp) override;

  grpc::Status CreateTemplate(grpc::ServerContext* ctx, const v1::CreateTemplateRequest* req,
                              v1::Template* resp) override;
  grpc::Status GetTemplate(grpc::ServerContext* ctx, const v1::GetTemplateRequest* req, v1::Template* resp) override;
  grpc::Status ListTemplates(grpc::ServerContext* ctx, const v1::ListTemplatesRequest* req,
                             v1::ListTemplatesResponse* resp) override;
  grpc::Status UpdateTemplate(grpc::ServerContext* ctx, const v1::UpdateTemplateRequest* req,
                              v1::Template* resp) override;
  grpc::Status DeleteTemplate(grpc::ServerContext* ctx, const v1::DeleteTemplateRequest* req,
                              google::protobuf::Empty* resp) override;

  grpc::Status GetPreferences(grpc::ServerContext* ctx, const v1::GetPreferencesRequest* req,
                              v1::Preferences* resp) override;
  grpc::Status UpdatePreferences(grpc::ServerContext* ctx, const v1::UpdatePreferencesRequest* req,
                                 v1::Preferences* resp) override;
  grpc::Status GetSchoolSettings(grpc::ServerContext* ctx, const v1::GetSchoolSettingsRequest* req,
                                 v1::SchoolSettings* resp) override;
  grpc::Status UpdateSchoolSettings(grpc::ServerContext* ctx, const v1::UpdateSchoolSettingsRequest* req,
                                    v1::SchoolSettings* resp) override;

  grpc::Status RecordReceipt(grpc::ServerContext* ctx, const v1::RecordReceiptRequest* req,
                             v1::Delivery* resp) override;

  grpc::Status ListLetterBatches(grpc::ServerContext* ctx, const v1::ListLetterBatchesRequest* req,
                                 v1::ListLetterBatchesResponse* resp) override;
  grpc::Status DownloadLetterBatch(grpc::ServerContext* ctx, const v1::DownloadLetterBatchRequest* req,
                                   grpc::ServerWriter<v1::LetterBatchChunk>* writer) override;

  grpc::Status GetSchoolStats(grpc::ServerContext* ctx, const v1::GetSchoolStatsRequest* req,
                              v1::SchoolStats* resp) override;

 private:
  // A copy the caller may see: staff with the rule's reach over its notice's school (or the whole
  // trust for the trust's notices); a guardian only a copy addressed to them or their household
  // (`*own`), anyone else's answered exactly like a missing copy.
  absl::StatusOr<Message> ReadableMessage(const auth::Grant& caller, const MessageRef& ref, bool* own);
  // The notice a copy belongs to (its name, category and priority), looked up once per call.
  absl::StatusOr<Notice> NoticeOf(const Message& m, const std::string& scope_hint,
                                  std::map<std::string, Notice>* cache);
  // Whether the caller may read or change a guardian's preferences: the guardian themselves, the
  // trust's roles, or staff whose rule reaches a school where the guardian has a pupil.
  absl::Status MayActForGuardian(const auth::Grant& caller, const std::string& guardian_id);

  NotificationService* const notifications_;
  DirectorySource* const directory_;
  const api::Edge edge_;
};

}  // namespace parley::notifications
