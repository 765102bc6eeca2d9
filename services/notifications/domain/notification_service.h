// The use cases: accept a notice (check its shape, resolve its template and audience, plan every
// copy) and write it at once; reads; cancel; the inbox; consent; templates, preferences and
// settings; receipts; letters; figures. Delivery itself is the DeliveryWorker's (delivery_worker.h).
#pragma once

#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "common/clock/clock.h"
#include "services/notifications/domain/model.h"
#include "services/notifications/domain/notification_store.h"
#include "services/notifications/domain/peers.h"
#include "services/notifications/domain/senders.h"

namespace parley::notifications {

struct NotificationServiceOptions {
  size_t max_recipients = 100000;  // copies one notice may write
  // Turns a day's letters into a printable file (delivery/letter_pdf.h in production).
  std::function<absl::StatusOr<std::string>(const LetterBatch&)> render_letters;
};

class NotificationService {
 public:
  // `nudge` wakes the delivery workers after a notice is written (may be empty).
  NotificationService(NotificationStore* store, DirectorySource* directory, ContactDetailsSource* contacts,
                      const Clock* clock, std::function<void()> nudge, NotificationServiceOptions options = {});

  // INVALID_ARGUMENT for a bad shape (category, priority, template xor content, variables, send
  // time in the past: SEND_TIME_IN_PAST) or audience (AUDIENCE_INVALID); NOT_FOUND
  // (TEMPLATE_NOT_FOUND) for a template neither the school nor the trust has. Nothing is written
  // unless everything holds.
  absl::StatusOr<WriteResult> CreateNotice(const RequestKey& key, NoticeRequest request, const Encoder<Notice>& encode);
  absl::StatusOr<Notice> GetNotice(const NoticeRef& ref);
  absl::StatusOr<Page<Notice>> ListNotices(const std::string& scope, std::optional<Category> category, PageQuery page);
  absl::StatusOr<WriteResult> CancelNotice(const RequestKey& key, const NoticeRef& ref, const Encoder<Notice>& encode);

  absl::StatusOr<Page<Message>> ListMessages(const MessageFilter& filter, PageQuery page);
  absl::StatusOr<Message> GetMessage(const MessageRef& ref);
  absl::StatusOr<WriteResult> MarkRead(const RequestKey& key, const MessageRef& ref, const Encoder<Message>& encode);
  absl::StatusOr<WriteResult> ReplyToConsent(const RequestKey& key, const MessageRef& ref, const std::string& pupil_id,
                                             ConsentAnswer answer, const Encoder<Message>& encode);
  absl::StatusOr<WriteResult> ReopenConsent(const RequestKey& key, const NoticeRef& ref, const std::string& pupil_id,
                                            const Encoder<std::vector<ConsentRow>>& encode);
  absl::StatusOr<std::vector<ConsentRow>> ConsentOf(const NoticeRef& ref);

  absl::StatusOr<WriteResult> CreateTemplate(const RequestKey& key, Template t, const Encoder<Template>& encode);
  absl::StatusOr<Template> GetTemplate(const std::string& school_id, const std::string& id);
  absl::StatusOr<std::vector<Template>> ListTemplates(const std::string& school_id);
  absl::StatusOr<WriteResult> UpdateTemplate(const RequestKey& key, Template t, const std::string& etag,
                                             const Encoder<Template>& encode);
  absl::StatusOr<WriteResult> DeleteTemplate(const RequestKey& key, const std::string& school_id,
                                             const std::string& id);

  absl::StatusOr<Preferences> GetPreferences(const std::string& guardian_id);
  // INVALID_ARGUMENT: emergency entries, digest on SMS or letters, a (category, channel) twice.
  absl::StatusOr<WriteResult> PutPreferences(const RequestKey& key, Preferences p, const std::string& etag,
                                             const Encoder<Preferences>& encode);
  absl::StatusOr<SchoolSettings> GetSettings(const std::string& school_id);
  absl::StatusOr<WriteResult> PutSettings(const RequestKey& key, SchoolSettings s, const std::string& etag,
                                          const Encoder<SchoolSettings>& encode);

  absl::StatusOr<Delivery> RecordReceipt(const RequestKey& key, const std::string& provider,
                                         const std::string& provider_reference, bool delivered, bool permanent_failure,
                                         std::optional<absl::Time> time);

  absl::StatusOr<std::vector<LetterBatchInfo>> ListLetterBatches(const std::string& school_id);
  // The day's letters as a PDF (addresses fetched from contacts now). NOT_FOUND
  // (LETTER_BATCH_NOT_FOUND) for a day without letters.
  absl::StatusOr<std::string> LetterBatchPdf(const std::string& school_id, absl::CivilDay day);

  absl::StatusOr<SchoolFigures> Figures(const std::string& school_id, absl::Time start, absl::Time end);

  // The school's time zone (Europe/London when the directory has no calendar for it).
  absl::TimeZone ZoneOf(const std::string& school_id);

 private:
  NotificationStore* const store_;
  DirectorySource* const directory_;
  ContactDetailsSource* const contacts_;
  const Clock* const clock_;
  std::function<void()> nudge_;
  NotificationServiceOptions options_;
};

}  // namespace parley::notifications
