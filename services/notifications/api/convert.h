// parley.notifications.v1 ⇄ the notifications domain: resource names (notices, copies, templates,
// preferences, settings, letter batches), notices and their audiences, copies with their deliveries
// and consent replies, templates, preferences, settings, consent summaries and figures. Names are
// parsed with the API edge's one rule (common/grpc/api_edge.h): a name that does not parse is
// INVALID_ARGUMENT (INVALID_NAME) naming the field; other bad values are INVALID_FIELD. Output-only
// fields are ignored on input. Message bodies are personal data: nothing here logs.
#pragma once

#include <string>
#include <utility>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/time/civil_time.h"
#include "parley/notifications/v1/notifications_service.pb.h"
#include "services/notifications/domain/model.h"
#include "services/notifications/domain/notification_store.h"

namespace parley::notifications {

namespace v1 = parley::notifications::v1;

// ---- names ---------------------------------------------------------------------------------

// A notice's parent: "schools/{school}" → the school id, "trust" → "".
absl::StatusOr<std::string> ParseNoticeParent(absl::string_view parent, absl::string_view field);
std::string NoticeParentName(const std::string& scope);
// "schools/{school}/notices/{notice}" or "trust/notices/{notice}" (scope "").
absl::StatusOr<NoticeRef> ParseNoticeName(absl::string_view name, absl::string_view field);
std::string NoticeName(const NoticeRef& ref);
// "{notice}/messages/{message}".
absl::StatusOr<MessageRef> ParseMessageName(absl::string_view name, absl::string_view field);
std::string MessageName(const MessageRef& ref);
// "trust/templates/{id}" or "schools/{school}/templates/{id}" → (school id or "", template id).
absl::StatusOr<std::pair<std::string, std::string>> ParseTemplateName(absl::string_view name, absl::string_view field);
std::string TemplateName(const std::string& school_id, const std::string& id);
// "guardians/{guardian}/preferences" → guardian id.
absl::StatusOr<std::string> ParsePreferencesName(absl::string_view name, absl::string_view field);
// "schools/{school}/notificationSettings" → school id.
absl::StatusOr<std::string> ParseSettingsName(absl::string_view name, absl::string_view field);
// "schools/{school}/letterBatches/{YYYY-MM-DD}" → (school id, day).
absl::StatusOr<std::pair<std::string, absl::CivilDay>> ParseLetterBatchName(absl::string_view name,
                                                                            absl::string_view field);
std::string LetterBatchName(const std::string& school_id, absl::CivilDay day);

// "YYYY-MM-DD" → the day; INVALID_FIELD naming `field` otherwise.
absl::StatusOr<absl::CivilDay> ParseDay(absl::string_view text, absl::string_view field);

// ---- enums (the proto's numbers are the domain's) ------------------------------------------

v1::Category ToProto(Category c);
// INVALID_FIELD naming `field` for a value outside the enum (UNSPECIFIED is allowed: the caller decides).
absl::StatusOr<Category> CategoryFrom(int value, absl::string_view field);
absl::StatusOr<DeliveryChannel> ChannelFrom(int value, absl::string_view field);

// ---- records -------------------------------------------------------------------------------

// What `sender` (a school id, "" for the trust) asks for. Audience names: pupils
// "schools/{s}/pupils/{p}", guardians "guardians/{g}", staff "schools/{s}/staff/{m}", schools
// "schools/{s}"; event_date "YYYY-MM-DD".
absl::StatusOr<NoticeRequest> NoticeFrom(const v1::Notice& in, const std::string& sender);
absl::StatusOr<Audience> AudienceFrom(const v1::Audience& in);
v1::Notice ToProto(const Notice& n);

// A copy; `notice` is the notice it belongs to (its name, category and priority).
v1::Message ToProto(const Message& m, const Notice& notice);
v1::Delivery ToProto(const Delivery& d);
// The consent replies of `rows` that `m`'s guardian (recipient or household member) gave.
void AddConsentReplies(const Message& m, const std::vector<ConsentRow>& rows, v1::Message* out);
v1::ConsentSummary ToProto(const NoticeRef& notice, const std::vector<ConsentRow>& rows);

absl::StatusOr<Template> TemplateFrom(const v1::Template& in, const std::string& school_id, const std::string& id);
v1::Template ToProto(const Template& t);

absl::StatusOr<Preferences> PreferencesFrom(const v1::Preferences& in, const std::string& guardian_id);
v1::Preferences ToProto(const Preferences& p);

// digest_time "HH:MM".
absl::StatusOr<SchoolSettings> SettingsFrom(const v1::SchoolSettings& in, const std::string& school_id);
v1::SchoolSettings ToProto(const SchoolSettings& s);

v1::LetterBatch ToProto(const LetterBatchInfo& b);
// reach = guardian copies reached / guardian copies (0 when there were none).
void FillStats(const SchoolFigures& f, v1::SchoolStats* out);

}  // namespace parley::notifications
