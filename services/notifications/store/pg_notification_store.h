// NotificationStore on PostgreSQL (schema: services/notifications/migrations). A notice's copies
// and deliveries go in with one statement each (unnest over arrays), so a 30,000-guardian
// broadcast is a handful of statements; the structured parts of a notice (its request, its
// template as accepted, warnings) are JSON. Only main and db tests know this class.
#pragma once

#include "common/pg/pool.h"
#include "services/notifications/domain/notification_store.h"

namespace parley::notifications {

class PgNotificationStore final : public NotificationStore {
 public:
  explicit PgNotificationStore(pg::Pool* pool) : pool_(pool) {}

  absl::Status Ping() { return pool_->Ping(); }

  absl::StatusOr<WriteResult> CreateNotice(const RequestKey& key, const Notice& notice, const Template& resolved,
                                           const std::vector<Message>& copies, const Encoder<Notice>& encode) override;
  absl::StatusOr<Notice> GetNotice(const NoticeRef& ref) override;
  absl::StatusOr<Page<Notice>> ListNotices(const std::string& scope, std::optional<Category> category,
                                           PageQuery page) override;
  absl::StatusOr<WriteResult> CancelNotice(const RequestKey& key, const NoticeRef& ref, absl::Time now,
                                           const Encoder<Notice>& encode) override;

  absl::StatusOr<Page<Message>> ListMessages(const MessageFilter& filter, PageQuery page) override;
  absl::StatusOr<Message> GetMessage(const MessageRef& ref) override;
  absl::StatusOr<WriteResult> MarkRead(const RequestKey& key, const MessageRef& ref, absl::Time now,
                                       const Encoder<Message>& encode) override;

  absl::StatusOr<WriteResult> ReplyToConsent(const RequestKey& key, const MessageRef& ref, const std::string& pupil_id,
                                             ConsentAnswer answer, absl::Time now,
                                             const Encoder<Message>& encode) override;
  absl::StatusOr<WriteResult> ReopenConsent(const RequestKey& key, const NoticeRef& ref, const std::string& pupil_id,
                                            const Encoder<std::vector<ConsentRow>>& encode) override;
  absl::StatusOr<std::vector<ConsentRow>> ConsentOf(const NoticeRef& ref) override;

  absl::StatusOr<WriteResult> CreateTemplate(const RequestKey& key, const Template& t,
                                             const Encoder<Template>& encode) override;
  absl::StatusOr<Template> GetTemplate(const std::string& school_id, const std::string& id) override;
  absl::StatusOr<Template> ResolveTemplate(const std::string& school_id, const std::string& id) override;
  absl::StatusOr<std::vector<Template>> ListTemplates(const std::string& school_id) override;
  absl::StatusOr<WriteResult> UpdateTemplate(const RequestKey& key, const Template& t, const std::string& etag,
                                             const Encoder<Template>& encode) override;
  absl::StatusOr<WriteResult> DeleteTemplate(const RequestKey& key, const std::string& school_id,
                                             const std::string& id) override;

  absl::StatusOr<Preferences> GetPreferences(const std::string& guardian_id) override;
  absl::StatusOr<std::map<std::string, Preferences>> PreferencesOf(const std::vector<std::string>& ids) override;
  absl::StatusOr<WriteResult> PutPreferences(const RequestKey& key, const Preferences& p, const std::string& etag,
                                             const Encoder<Preferences>& encode) override;
  absl::StatusOr<SchoolSettings> GetSettings(const std::string& school_id) override;
  absl::StatusOr<WriteResult> PutSettings(const RequestKey& key, const SchoolSettings& s, const std::string& etag,
                                          const Encoder<SchoolSettings>& encode) override;

  absl::StatusOr<std::vector<ClaimedDelivery>> ClaimDue(absl::Time now, int limit, absl::Duration lease) override;
  absl::Status RecordAttempt(int64_t delivery_id, const AttemptResult& result, absl::Time now) override;
  absl::StatusOr<Delivery> RecordReceipt(const RequestKey& key, const std::string& provider,
                                         const std::string& provider_reference, bool delivered, bool permanent_failure,
                                         absl::Time time, absl::Time now) override;
  absl::StatusOr<std::optional<absl::Time>> NextDue() override;

  absl::StatusOr<std::vector<LetterBatchInfo>> ListLetterBatches(const std::string& school_id,
                                                                 const absl::TimeZone& zone) override;
  absl::StatusOr<std::vector<StoredLetter>> LettersOf(const std::string& school_id, absl::CivilDay day,
                                                      const absl::TimeZone& zone) override;

  absl::StatusOr<SchoolFigures> Figures(const std::string& school_id, absl::Time start, absl::Time end) override;

 private:
  pg::Pool* const pool_;
};

}  // namespace parley::notifications
