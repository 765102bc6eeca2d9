// What parleyctl's notifications commands (notices, templates, prefs, notify-settings, consent,
// letters) accept on the command line, turned into parley.notifications.v1 values and requests.
// Pure functions, so the rules can be tested without a server. Enum names are lower case with '-'
// as elsewhere (named_enum.h): case is ignored, '_' reads as '-', the proto's own name is accepted.
#pragma once

#include <map>
#include <string>
#include <utility>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "parley/notifications/v1/notifications_service.pb.h"

namespace parley::ctl {

namespace nv1 = ::parley::notifications::v1;

// newsletter, event, closure, trip, consent, attendance, report, meeting, escalation,
// conduct-letter, emergency.
absl::StatusOr<nv1::Category> ParseNoticeCategory(const std::string& text);
std::string NoticeCategoryName(nv1::Category category);
// routine, important, emergency.
absl::StatusOr<nv1::Priority> ParseNoticePriority(const std::string& text);
std::string NoticePriorityName(nv1::Priority priority);
// app, email, sms, letter.
absl::StatusOr<nv1::DeliveryChannel> ParseDeliveryChannel(const std::string& text);
std::string DeliveryChannelName(nv1::DeliveryChannel channel);
// instant, digest, off.
absl::StatusOr<nv1::DeliveryMode> ParseDeliveryMode(const std::string& text);
std::string DeliveryModeName(nv1::DeliveryMode mode);
// pending, in-digest, sent, delivered, failed, skipped, cancelled.
std::string DeliveryStatusName(nv1::DeliveryStatus status);
// scheduled, sending, cancelled.
std::string NoticeStateName(nv1::NoticeState state);
// yes, no.
std::string ConsentAnswerName(nv1::ConsentAnswer answer);

// The sender of a notice or owner of a template: "schools/{school}" for --school, "trust" for
// --trust; exactly one of them.
absl::StatusOr<std::string> NotificationsParent(const std::string& school, bool trust);

// A notice: "schools/{school}/notices/{id}" or "trust/notices/{id}" as given, or a bare id under
// `parent` (from NotificationsParent; empty: a bare id is refused).
absl::StatusOr<std::string> NoticeName(const std::string& parent, const std::string& text);
// A template: "trust/templates/{id}", "schools/{school}/templates/{id}", or a bare id under `parent`.
absl::StatusOr<std::string> TemplateName(const std::string& parent, const std::string& text);
// A message of a notice: "schools/{school}/notices/{notice}/messages/{message}" (full names only).
absl::StatusOr<std::string> MessageName(const std::string& text);
// A letter batch: "schools/{school}/letterBatches/{YYYY-MM-DD}", or the date with --school.
absl::StatusOr<std::string> LetterBatchName(const std::string& school, const std::string& text);

// `--var k=v`, repeatable: each name once, [a-z0-9_], 1-64 characters; the value may be empty and
// may itself contain '='.
absl::StatusOr<std::map<std::string, std::string>> ParseVariables(const std::vector<std::string>& vars);

// A broadcast's --audience, for a notice from `parent` ("schools/{school}" or "trust"):
//   school | trust | year:4,5 | class:Oak,Ash | pupils:p-1,p-2 | guardians:g-1,g-2 | staff | staff:role,...
// Pupils and staff are bare ids of the sending school or full names. `trust` only for the trust's
// notices; `schools` (the trust's narrower audiences: which schools) only for them too.
absl::StatusOr<nv1::Audience> ParseAudience(const std::string& parent, const std::string& text,
                                            const std::vector<std::string>& schools);

// "HH:MM", 00:00-23:59.
absl::Status CheckDigestTime(const std::string& text);
// "0" (send both at once) or a duration ("2h", "90m"), at most 72 hours.
absl::StatusOr<absl::Duration> ParseAppReadWait(const std::string& text);

// What `notices send` and `notices broadcast` read from their flags.
struct NoticeOptions {
  std::string school;
  bool trust = false;
  // send: one or more guardians (about `pupils` when given), or members of staff.
  std::vector<std::string> guardians;
  std::vector<std::string> pupils;
  std::vector<std::string> staff;
  // broadcast.
  std::string audience;
  std::vector<std::string> schools;
  std::string category;
  std::string priority;
  // Exactly one of a template (with its variables) and written content (subject and body).
  std::string template_id;
  std::vector<std::string> vars;
  std::string subject;
  std::string body;
  std::string sms_body;
  std::string locale = "en";
  std::string event_date;  // YYYY-MM-DD
  std::string send_at;     // RFC 3339 or school-local time; empty: now
  std::string source;      // the resource it is about, for tracing
};

// What the list commands (notices list, notices messages, templates list, letters list) read.
struct NotificationsListOptions {
  std::string school;
  bool trust = false;
  std::string category;  // notices list
  // notices messages: exactly one of a notice, a guardian, a pupil, a member of staff.
  std::string notice;
  std::string guardian;
  std::string pupil;
  std::string staff;
  bool unread_only = false;
  int page_size = 0;  // 0: every page
  std::string page_token;
};

// The parent of `notices messages`: the notice ("schools/{school}/notices/{id}", "trust/notices/{id}",
// or an id with --school/--trust), "guardians/{guardian}", "schools/{school}/pupils/{pupil}" or
// "schools/{school}/staff/{staff}"; exactly one of them.
absl::StatusOr<std::string> MessagesParent(const NotificationsListOptions& opts);

// The CreateNoticeRequest of `notices send` (broadcast false) or `notices broadcast` (true),
// everything but send_time (which may need the school's zone) and request_id. Every check the
// command line can make is made here, so a mistake is a usage error and nothing is sent.
absl::StatusOr<nv1::CreateNoticeRequest> BuildNoticeRequest(const NoticeOptions& opts, bool broadcast);

// Sets the (category, channel) entry of `prefs` to `mode`, replacing the one there; emergency is
// refused (it cannot be switched off or delayed), as is a digest for SMS or letters.
absl::Status SetPreference(nv1::Preferences* prefs, nv1::Category category, nv1::DeliveryChannel channel,
                           nv1::DeliveryMode mode);

// A template file: a protobuf-JSON Template whose "name" says where it goes
// ("trust/templates/newsletter" or "schools/st-marys/templates/newsletter"). Unknown fields are an
// error naming the field.
absl::StatusOr<nv1::Template> ParseTemplateJson(const std::string& json, const std::string& source);
// "trust/templates/x" → ("trust", "x"); "schools/s/templates/x" → ("schools/s", "x").
absl::StatusOr<std::pair<std::string, std::string>> SplitTemplateName(const std::string& name);

}  // namespace parley::ctl
