// An in-memory NotificationStore with the PostgreSQL store's answers for what the API and the use
// cases see (request-id replay, NOT_FOUND reasons, etags, cancelling before sending, consent locks),
// for unit tests only. Delivery work is not simulated: nothing is ever due.
#pragma once

#include <map>
#include <string>
#include <tuple>
#include <utility>
#include <vector>

#include "absl/synchronization/mutex.h"
#include "common/clock/clock.h"
#include "services/notifications/domain/notification_store.h"

namespace parley::notifications::testing {

class InMemoryNotificationStore final : public NotificationStore {
 public:
  explicit InMemoryNotificationStore(const Clock* clock) : clock_(clock) {}

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

  // For tests: how many notices, copies and committed writes the store holds.
  int NoticeCount() const;
  int MessageCount() const;
  int Writes() const;
  // Marks every delivery of a notice sent (as a worker would), so it can no longer be cancelled.
  void MarkSentForTesting(const NoticeRef& ref);
  // A letter in the school's batch of `day` (as the letter worker would have placed it).
  void AddLetterForTesting(const std::string& school_id, absl::CivilDay day, StoredLetter letter);

 private:
  using NoticeKey = std::pair<std::string, std::string>;  // (scope, id)
  struct StoredNotice {
    int64_t seq = 0;
    Notice notice;
    std::vector<std::pair<int64_t, Message>> copies;  // (seq, copy)
    std::map<std::string, ConsentRow> consent;        // by "{school}/{pupil}"
  };
  struct StoredRequest {
    std::string fingerprint;
    std::string response;
  };

  absl::StatusOr<WriteResult> Idempotent(const RequestKey& key,
                                         const std::function<absl::StatusOr<std::string>()>& work)
      ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  StoredNotice* FindNotice(const NoticeRef& ref) ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  Message* FindMessage(const MessageRef& ref, StoredNotice** notice) ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  Notice Summarised(const StoredNotice& n) const;
  std::string NextEtag() ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);

  const Clock* const clock_;
  mutable absl::Mutex mu_;
  int64_t seq_ ABSL_GUARDED_BY(mu_) = 0;
  int64_t delivery_ids_ ABSL_GUARDED_BY(mu_) = 0;
  int writes_ ABSL_GUARDED_BY(mu_) = 0;
  std::map<NoticeKey, StoredNotice> notices_ ABSL_GUARDED_BY(mu_);
  std::map<std::pair<std::string, std::string>, StoredRequest> requests_ ABSL_GUARDED_BY(mu_);
  std::map<std::pair<std::string, std::string>, Template> templates_ ABSL_GUARDED_BY(mu_);  // (school, id)
  std::map<std::string, Preferences> preferences_ ABSL_GUARDED_BY(mu_);
  std::map<std::string, SchoolSettings> settings_ ABSL_GUARDED_BY(mu_);
  std::map<std::pair<std::string, absl::CivilDay>, std::vector<StoredLetter>> letters_ ABSL_GUARDED_BY(mu_);
};

}  // namespace parley::notifications::testing
