// The store port: notices with all their copies and deliveries written in one transaction, the
// delivery work queue (claimed FOR UPDATE SKIP LOCKED by the PostgreSQL store), templates,
// preferences, settings, consent, receipts and figures. Every mutation is idempotent by request key.
#pragma once

#include <functional>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "common/request/page.h"
#include "common/request/request_key.h"
#include "services/notifications/domain/model.h"

namespace parley::notifications {

using request::Page;
using request::PageQuery;
using request::RequestKey;

template <typename T>
using Encoder = std::function<absl::StatusOr<std::string>(const T&)>;

struct WriteResult {
  std::string response;  // the encoded answer (replayed for a retried request id)
  bool replayed = false;
};

// Where a notice lives: a school ("st-marys") or the trust ("").
struct NoticeRef {
  std::string scope;
  std::string id;
};

struct MessageRef {
  NoticeRef notice;
  std::string id;
};

// What ListMessages lists: exactly one of these.
struct MessageFilter {
  std::optional<NoticeRef> notice;
  std::string guardian_id;
  std::pair<std::string, std::string> pupil;  // (school, pupil)
  std::pair<std::string, std::string> staff;  // (school, staff)
  bool unread_only = false;
};

// A delivery a worker claimed: the copy, its notice, and what it needs to render and send.
struct ClaimedDelivery {
  Delivery delivery;
  MessageRef message;
  Message copy;       // without other deliveries
  Notice notice;      // the request as accepted
  Template resolved;  // the template's text as accepted (empty id: written content)
  std::string idempotency_key;
  std::string sticky_provider;
  bool read_in_app = false;  // the app copy was read (for `unless_read`)
  // Digest deliveries: the recipient's window ("digest.{school}.{recipient}.{channel}.{time}");
  // every delivery of one window is claimed together and goes as one message under this key.
  std::string digest_key;
};

// What became of one attempt.
struct AttemptResult {
  enum class Kind { kSent, kDelivered, kRetry, kFailed, kSkipped };
  Kind kind = Kind::kRetry;
  std::string provider;
  std::string provider_reference;
  std::string reason;  // a code, never personal data
  absl::Time retry_at;
  // Rendered text to keep with the copy (the inbox shows it; letters print it).
  std::optional<std::pair<std::string, std::string>> rendered;  // subject, body
};

struct ConsentRow {
  std::string school_id;  // the pupil's school
  std::string pupil_id;
  std::string guardian_id;
  ConsentAnswer answer = ConsentAnswer::kUnspecified;
  absl::Time answer_time;
  bool locked = false;
  std::vector<std::string> reached;  // guardians the notice reached about this pupil
};

struct LetterBatchInfo {
  std::string school_id;
  absl::CivilDay day;
  int letters = 0;
  absl::Time create_time;
};

// One letter of a batch: the copy and its rendered text (addresses are fetched when printing).
struct StoredLetter {
  MessageRef message;
  Message copy;
};

struct DeliveryFigures {
  int notices = 0, messages = 0, sent = 0, delivered = 0, failed = 0, fallbacks = 0;
  int guardian_copies = 0, guardian_copies_reached = 0;
  // From the later of the delivery's creation and the notice's send time to the provider's
  // acceptance, over the accepted deliveries; 0 when none was accepted.
  double median_seconds_to_send = 0;
  double p90_seconds_to_send = 0;
};

struct SchoolFigures {
  DeliveryFigures all;
  std::map<Category, DeliveryFigures> by_category;
  std::map<DeliveryChannel, DeliveryFigures> by_channel;
  int short_notice_events = 0;
};

class NotificationStore {
 public:
  virtual ~NotificationStore() = default;

  // The notice with its copies and their first deliveries, at once; the copies' ids are "1", "2", ...
  virtual absl::StatusOr<WriteResult> CreateNotice(const RequestKey& key, const Notice& notice,
                                                   const Template& resolved, const std::vector<Message>& copies,
                                                   const Encoder<Notice>& encode) = 0;
  virtual absl::StatusOr<Notice> GetNotice(const NoticeRef& ref) = 0;
  virtual absl::StatusOr<Page<Notice>> ListNotices(const std::string& scope, std::optional<Category> category,
                                                   PageQuery page) = 0;
  // Every delivery not yet gone is cancelled; FAILED_PRECONDITION (NOTICE_ALREADY_SENT) if one went.
  virtual absl::StatusOr<WriteResult> CancelNotice(const RequestKey& key, const NoticeRef& ref, absl::Time now,
                                                   const Encoder<Notice>& encode) = 0;

  virtual absl::StatusOr<Page<Message>> ListMessages(const MessageFilter& filter, PageQuery page) = 0;
  virtual absl::StatusOr<Message> GetMessage(const MessageRef& ref) = 0;
  virtual absl::StatusOr<WriteResult> MarkRead(const RequestKey& key, const MessageRef& ref, absl::Time now,
                                               const Encoder<Message>& encode) = 0;

  // The first answer for a pupil locks it: FAILED_PRECONDITION (CONSENT_LOCKED) afterwards.
  // `pupil_id`: as the copy names the pupil (PupilEntry).
  virtual absl::StatusOr<WriteResult> ReplyToConsent(const RequestKey& key, const MessageRef& ref,
                                                     const std::string& pupil_id, ConsentAnswer answer, absl::Time now,
                                                     const Encoder<Message>& encode) = 0;
  virtual absl::StatusOr<WriteResult> ReopenConsent(const RequestKey& key, const NoticeRef& ref,
                                                    const std::string& pupil_id,
                                                    const Encoder<std::vector<ConsentRow>>& encode) = 0;
  virtual absl::StatusOr<std::vector<ConsentRow>> ConsentOf(const NoticeRef& ref) = 0;

  // Templates: `school_id` empty for the trust's.
  virtual absl::StatusOr<WriteResult> CreateTemplate(const RequestKey& key, const Template& t,
                                                     const Encoder<Template>& encode) = 0;
  virtual absl::StatusOr<Template> GetTemplate(const std::string& school_id, const std::string& id) = 0;
  // The school's own, else the trust's: NOT_FOUND (TEMPLATE_NOT_FOUND) when neither has it.
  virtual absl::StatusOr<Template> ResolveTemplate(const std::string& school_id, const std::string& id) = 0;
  // A school's list includes the trust's templates it does not override.
  virtual absl::StatusOr<std::vector<Template>> ListTemplates(const std::string& school_id) = 0;
  // ABORTED (ETAG_MISMATCH) for a stale etag when one is given.
  virtual absl::StatusOr<WriteResult> UpdateTemplate(const RequestKey& key, const Template& t, const std::string& etag,
                                                     const Encoder<Template>& encode) = 0;
  virtual absl::StatusOr<WriteResult> DeleteTemplate(const RequestKey& key, const std::string& school_id,
                                                     const std::string& id) = 0;

  virtual absl::StatusOr<Preferences> GetPreferences(const std::string& guardian_id) = 0;
  virtual absl::StatusOr<std::map<std::string, Preferences>> PreferencesOf(const std::vector<std::string>& ids) = 0;
  virtual absl::StatusOr<WriteResult> PutPreferences(const RequestKey& key, const Preferences& p,
                                                     const std::string& etag, const Encoder<Preferences>& encode) = 0;
  virtual absl::StatusOr<SchoolSettings> GetSettings(const std::string& school_id) = 0;
  virtual absl::StatusOr<WriteResult> PutSettings(const RequestKey& key, const SchoolSettings& s,
                                                  const std::string& etag, const Encoder<SchoolSettings>& encode) = 0;

  // Delivery work: up to `limit` deliveries due at `now`, leased until `now + lease` (a worker that
  // dies leaves them to be claimed again when the lease ends, with the same idempotency key).
  virtual absl::StatusOr<std::vector<ClaimedDelivery>> ClaimDue(absl::Time now, int limit, absl::Duration lease) = 0;
  // Records an attempt; a failure moves the copy to its next channel (a new delivery due `now`).
  virtual absl::Status RecordAttempt(int64_t delivery_id, const AttemptResult& result, absl::Time now) = 0;
  // A provider's receipt: DELIVERED, or a permanent failure (fallback as above). NOT_FOUND
  // (DELIVERY_NOT_FOUND) for a reference no delivery has.
  virtual absl::StatusOr<Delivery> RecordReceipt(const RequestKey& key, const std::string& provider,
                                                 const std::string& provider_reference, bool delivered,
                                                 bool permanent_failure, absl::Time time, absl::Time now) = 0;
  // The soonest due time of any pending delivery (for the workers' sleep), if any.
  virtual absl::StatusOr<std::optional<absl::Time>> NextDue() = 0;

  virtual absl::StatusOr<std::vector<LetterBatchInfo>> ListLetterBatches(const std::string& school_id,
                                                                         const absl::TimeZone& zone) = 0;
  virtual absl::StatusOr<std::vector<StoredLetter>> LettersOf(const std::string& school_id, absl::CivilDay day,
                                                              const absl::TimeZone& zone) = 0;

  virtual absl::StatusOr<SchoolFigures> Figures(const std::string& school_id, absl::Time start, absl::Time end) = 0;
};

}  // namespace parley::notifications
