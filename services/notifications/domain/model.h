// Notifications' records as plain structs: notices and their audiences, the copies (messages) a
// notice resolves to, each copy's deliveries per channel, templates, preferences and a school's
// settings. No protobuf, pqxx or gRPC here (docs/conventions.md#service-layout).
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "absl/time/civil_time.h"
#include "absl/time/time.h"

namespace parley::notifications {

enum class Category {
  kUnspecified = 0,
  kNewsletter,
  kEvent,
  kClosure,
  kTrip,
  kConsent,
  kAttendance,
  kReport,
  kMeeting,
  kEscalation,
  kConductLetter,
  kEmergency,
};
inline constexpr int kCategoryCount = 12;

enum class Priority { kUnspecified = 0, kRoutine, kImportant, kEmergency };
enum class DeliveryChannel { kUnspecified = 0, kApp, kEmail, kSms, kLetter };
enum class DeliveryMode { kUnspecified = 0, kInstant, kDigest, kOff };
enum class DeliveryStatus { kUnspecified = 0, kPending, kInDigest, kSent, kDelivered, kFailed, kSkipped, kCancelled };
enum class AudienceKind { kUnspecified = 0, kTrust, kSchool, kYearGroups, kClasses, kPupils, kGuardians, kStaff };
enum class NoticeState { kUnspecified = 0, kScheduled, kSending, kCancelled };
enum class ConsentAnswer { kUnspecified = 0, kYes, kNo };

// Lower-case words used in storage, keys and metrics labels.
const char* CategoryWord(Category c);
const char* PriorityWord(Priority p);
const char* ChannelWord(DeliveryChannel c);
const char* StatusWord(DeliveryStatus s);
std::optional<Category> CategoryFromWord(std::string_view word);
std::optional<DeliveryChannel> ChannelFromWord(std::string_view word);
std::optional<DeliveryStatus> StatusFromWord(std::string_view word);

// Where a notice comes from: a school, or the trust (school_id empty).
struct SenderScope {
  std::string school_id;
  bool trust() const { return school_id.empty(); }
};

struct Audience {
  AudienceKind kind = AudienceKind::kUnspecified;
  std::vector<std::string> school_ids;  // trust notices: which schools (all when empty)
  std::vector<int> year_groups;
  std::vector<std::string> classes;
  std::vector<std::pair<std::string, std::string>> pupils;  // (school id, pupil id)
  std::vector<std::string> guardian_ids;
  std::vector<std::pair<std::string, std::string>> staff;  // (school id, staff id)
  // (school id, external contact id): a school's outside contact (the county's child-protection
  // team), reached by email; for the staff kind, beside members of staff.
  std::vector<std::pair<std::string, std::string>> external_contacts;
  std::vector<std::string> staff_roles;
};

struct LocalizedContent {
  std::string locale;
  std::string subject;
  std::string body;  // personal data when it names someone
  std::string sms_body;
};

struct Warning {
  std::string code;  // SHORT_NOTICE, NO_CHANNEL, NO_RECIPIENTS, LOCALE_FALLBACK
  std::string message;
  int count = 0;
};

struct DeliverySummary {
  int pending = 0, sent = 0, delivered = 0, failed = 0, skipped = 0, cancelled = 0;
};

// What a sender asks for.
struct NoticeRequest {
  SenderScope sender;
  Category category = Category::kUnspecified;
  Priority priority = Priority::kUnspecified;
  Audience audience;
  std::string template_id;
  std::map<std::string, std::string> variables;
  std::vector<LocalizedContent> content;
  std::optional<absl::CivilDay> event_date;
  std::optional<absl::Time> send_time;
  std::optional<absl::Time> not_before;
  std::string source;
  std::string created_by;
};

struct Notice {
  std::string id;
  NoticeRequest request;
  NoticeState state = NoticeState::kScheduled;
  int recipient_count = 0;
  std::vector<Warning> warnings;
  bool short_notice = false;
  DeliverySummary summary;  // filled on reads
  absl::Time create_time = absl::InfinitePast();
  std::optional<absl::Time> cancel_time;
};

// One copy's delivery on one channel.
struct Delivery {
  int64_t id = 0;
  DeliveryChannel channel = DeliveryChannel::kUnspecified;
  DeliveryStatus status = DeliveryStatus::kPending;
  absl::Time due = absl::InfinitePast();
  int attempts = 0;
  std::string provider;
  std::string provider_reference;
  std::optional<absl::Time> sent_time;
  std::optional<absl::Time> delivered_time;
  std::string reason;
  DeliveryChannel fallback_from = DeliveryChannel::kUnspecified;
  // A routine email behind an app copy: skipped when the app copy was read by `due`.
  bool unless_read = false;
};

enum class RecipientKind { kGuardian, kStaff, kExternal };

// One recipient's copy of a notice.
struct Message {
  std::string id;
  std::string notice_id;
  std::string school_id;  // the school whose pupils (or staff) it concerns
  RecipientKind recipient_kind = RecipientKind::kGuardian;
  std::string recipient_id;                    // guardian, staff or external contact id
  std::vector<std::string> household_members;  // guardian ids sharing this copy's letter
  std::vector<std::string> pupil_ids;          // entries: see PupilEntry
  std::string locale;
  std::vector<DeliveryChannel> fallbacks;  // channels still to try after a permanent failure
  std::vector<Delivery> deliveries;
  std::string subject, body;  // rendered, once the app copy is placed
  std::optional<absl::Time> read_time;
  absl::Time create_time = absl::InfinitePast();
};

// A copy names its pupils by their id at its school. A trust notice gives a guardian with children
// at several schools one copy; the children at the other schools are named "{school}/{pupil}".
std::string PupilEntry(const Message& m, const std::string& school_id, const std::string& pupil_id);
std::pair<std::string, std::string> PupilOf(const Message& m, const std::string& entry);  // (school, pupil)
bool NamesPupil(const Message& m, const std::string& school_id, const std::string& pupil_id);

struct TemplateVariant {
  std::string locale;
  std::string subject;
  std::string body;
  std::string sms_body;
};

struct Template {
  std::string school_id;  // empty: the trust's
  std::string id;
  Category category = Category::kUnspecified;
  std::vector<std::string> variables;
  std::vector<TemplateVariant> variants;
  std::string etag;
  absl::Time update_time = absl::InfinitePast();
};

struct ChannelPreference {
  Category category = Category::kUnspecified;
  DeliveryChannel channel = DeliveryChannel::kUnspecified;
  DeliveryMode mode = DeliveryMode::kInstant;
};

struct Preferences {
  std::string guardian_id;
  std::vector<ChannelPreference> entries;
  std::string etag;
  absl::Time update_time = absl::InfinitePast();

  DeliveryMode ModeFor(Category category, DeliveryChannel channel) const;
};

struct SchoolSettings {
  std::string school_id;
  absl::CivilMinute digest_time_of_day = absl::CivilMinute(1970, 1, 1, 17, 0);  // only hour:minute count
  absl::Duration app_read_wait = absl::Hours(2);
  std::string etag;
  absl::Time update_time = absl::InfinitePast();
};

}  // namespace parley::notifications
