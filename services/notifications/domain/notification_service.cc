#include "services/notifications/domain/notification_service.h"

#include <algorithm>
#include <set>
#include <utility>

#include "absl/random/random.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_join.h"
#include "common/status/reason.h"
#include "common/status/status_macros.h"
#include "services/notifications/domain/planning.h"
#include "services/notifications/domain/rendering.h"
#include "services/notifications/domain/templates.h"

namespace parley::notifications {
namespace {

// A send time this far in the past is a clock difference between caller and server, not a
// request to send in the past.
constexpr absl::Duration kClockSkew = absl::Minutes(1);

std::string NewNoticeId() {
  thread_local absl::BitGen gen;
  return absl::StrFormat("n%012x", absl::Uniform<uint64_t>(gen, 0, uint64_t{1} << 48));
}

absl::Status BadAudience(const std::string& message) { return InvalidArgument(reason::kAudienceInvalid, message); }

absl::Status CheckShape(const NoticeRequest& r, absl::Time now) {
  if (r.category == Category::kUnspecified)
    return InvalidArgument(reason::kInvalidField, "notice.category is required");
  if (r.priority == Priority::kUnspecified)
    return InvalidArgument(reason::kInvalidField, "notice.priority is required");
  if (r.template_id.empty() == r.content.empty()) {
    return InvalidArgument(reason::kInvalidField, "notice: give exactly one of template and content");
  }
  if (!r.template_id.empty() && !IsValidTemplateId(r.template_id)) {
    return InvalidArgument(reason::kInvalidField, "notice.template is not 1-64 of [a-z0-9_.-]");
  }
  if (r.send_time && *r.send_time < now - kClockSkew) {
    return InvalidArgument(reason::kSendTimeInPast, "notice.send_time has passed");
  }
  const Audience& a = r.audience;
  switch (a.kind) {
    case AudienceKind::kTrust:
      if (!r.sender.trust()) return BadAudience("a school's notice cannot reach the whole trust");
      break;
    case AudienceKind::kSchool:
      break;
    case AudienceKind::kYearGroups:
      if (a.year_groups.empty()) return BadAudience("audience.year_groups is empty");
      break;
    case AudienceKind::kClasses:
      if (a.classes.empty()) return BadAudience("audience.classes is empty");
      break;
    case AudienceKind::kPupils:
      if (a.pupils.empty()) return BadAudience("audience.pupils is empty");
      break;
    case AudienceKind::kGuardians:
      if (a.guardian_ids.empty()) return BadAudience("audience.guardians is empty");
      break;
    case AudienceKind::kStaff:
      break;
    default:
      return BadAudience("audience.kind is required");
  }
  if (!r.sender.trust()) {
    for (const std::string& s : a.school_ids) {
      if (s != r.sender.school_id)
        return BadAudience(absl::StrCat("a notice of ", r.sender.school_id, " cannot reach ", s));
    }
    for (const auto& [s, p] : a.pupils) {
      if (s != r.sender.school_id) return BadAudience(absl::StrCat("pupil ", p, " is not at ", r.sender.school_id));
    }
    for (const auto& [s, m] : a.staff) {
      if (s != r.sender.school_id) return BadAudience(absl::StrCat("staff ", m, " is not at ", r.sender.school_id));
    }
    for (const auto& [s, c] : a.external_contacts) {
      if (s != r.sender.school_id)
        return BadAudience(absl::StrCat("contact ", c, " is not ", r.sender.school_id, "'s"));
    }
  }
  return absl::OkStatus();
}

}  // namespace

NotificationService::NotificationService(NotificationStore* store, DirectorySource* directory,
                                         ContactDetailsSource* contacts, const Clock* clock,
                                         std::function<void()> nudge, NotificationServiceOptions options)
    : store_(store),
      directory_(directory),
      contacts_(contacts),
      clock_(clock),
      nudge_(std::move(nudge)),
      options_(std::move(options)) {}

absl::TimeZone NotificationService::ZoneOf(const std::string& school_id) {
  auto snap = directory_->School(school_id);
  if (snap.ok()) {
    if (auto cal = (*snap)->SchoolCalendarOf(school_id)) return cal->zone();
  }
  absl::TimeZone london;
  absl::LoadTimeZone("Europe/London", &london);
  return london;
}

absl::StatusOr<WriteResult> NotificationService::CreateNotice(const RequestKey& key, NoticeRequest request,
                                                              const Encoder<Notice>& encode) {
  const absl::Time now = clock_->Now();
  PARLEY_RETURN_IF_ERROR(CheckShape(request, now));

  Template resolved;
  std::vector<std::string> offered;
  if (!request.template_id.empty()) {
    PARLEY_ASSIGN_OR_RETURN(resolved, store_->ResolveTemplate(request.sender.school_id, request.template_id));
    if (resolved.category != request.category) {
      return InvalidArgument(reason::kInvalidField,
                             absl::StrCat("template ", resolved.id, " is for ", CategoryWord(resolved.category),
                                          " notices, not ", CategoryWord(request.category)));
    }
    PARLEY_RETURN_IF_ERROR(CheckVariables(resolved, request.variables));
    for (const TemplateVariant& v : resolved.variants) offered.push_back(v.locale);
  } else {
    PARLEY_RETURN_IF_ERROR(ValidateContent(request.content));
    for (const LocalizedContent& c : request.content) offered.push_back(c.locale);
  }

  // The schools the notice reaches.
  std::vector<std::string> school_ids;
  if (!request.sender.trust()) {
    school_ids = {request.sender.school_id};
  } else if (!request.audience.school_ids.empty()) {
    school_ids = request.audience.school_ids;
  } else if (request.audience.kind == AudienceKind::kPupils || request.audience.kind == AudienceKind::kStaff) {
    std::set<std::string> named;
    for (const auto& [s, p] : request.audience.pupils) named.insert(s);
    for (const auto& [s, m] : request.audience.staff) named.insert(s);
    for (const auto& [s, c] : request.audience.external_contacts) named.insert(s);
    school_ids.assign(named.begin(), named.end());
  } else {
    PARLEY_ASSIGN_OR_RETURN(school_ids, directory_->SchoolIds());
  }
  std::sort(school_ids.begin(), school_ids.end());
  school_ids.erase(std::unique(school_ids.begin(), school_ids.end()), school_ids.end());

  std::vector<SchoolContext> schools;
  std::vector<std::string> guardian_ids;
  for (const std::string& id : school_ids) {
    auto snap = directory_->School(id);
    if (!snap.ok()) {
      if (snap.status().code() == absl::StatusCode::kNotFound)
        return BadAudience(absl::StrCat("school ", id, " does not exist"));
      return snap.status();
    }
    SchoolContext ctx;
    ctx.snapshot = *snap;
    ctx.school = ctx.snapshot->FindSchool(id);
    if (ctx.school == nullptr) return BadAudience(absl::StrCat("school ", id, " does not exist"));
    PARLEY_ASSIGN_OR_RETURN(ctx.settings, store_->GetSettings(id));
    if (request.audience.kind != AudienceKind::kStaff && request.audience.kind != AudienceKind::kGuardians) {
      for (const directory::Guardian* g : ctx.snapshot->GuardiansOfSchool(id)) guardian_ids.push_back(g->id);
    }
    schools.push_back(std::move(ctx));
  }
  if (request.audience.kind == AudienceKind::kGuardians) guardian_ids = request.audience.guardian_ids;
  std::map<std::string, Preferences> preferences;
  if (!guardian_ids.empty()) {
    PARLEY_ASSIGN_OR_RETURN(preferences, store_->PreferencesOf(guardian_ids));
  }

  PARLEY_ASSIGN_OR_RETURN(Plan plan, PlanNotice(
                                         request, schools,
                                         [&](const std::string& id) -> const Preferences* {
                                           auto it = preferences.find(id);
                                           return it == preferences.end() ? nullptr : &it->second;
                                         },
                                         offered, now));
  if (plan.copies.size() > options_.max_recipients) {
    return InvalidArgument(reason::kAudienceInvalid, absl::StrCat("the audience resolves to ", plan.copies.size(),
                                                                  " copies; at most ", options_.max_recipients));
  }

  Notice notice;
  notice.id = NewNoticeId();
  notice.request = std::move(request);
  if (!notice.request.send_time) notice.request.send_time = now;
  notice.state = *notice.request.send_time > now ? NoticeState::kScheduled : NoticeState::kSending;
  notice.recipient_count = static_cast<int>(plan.copies.size());
  notice.warnings = std::move(plan.warnings);
  notice.short_notice = plan.short_notice;
  notice.create_time = now;
  absl::StatusOr<WriteResult> written = store_->CreateNotice(key, notice, resolved, plan.copies, encode);
  if (written.ok() && !written->replayed && nudge_) nudge_();
  return written;
}

absl::StatusOr<Notice> NotificationService::GetNotice(const NoticeRef& ref) { return store_->GetNotice(ref); }

absl::StatusOr<Page<Notice>> NotificationService::ListNotices(const std::string& scope,
                                                              std::optional<Category> category, PageQuery page) {
  return store_->ListNotices(scope, category, page);
}

absl::StatusOr<WriteResult> NotificationService::CancelNotice(const RequestKey& key, const NoticeRef& ref,
                                                              const Encoder<Notice>& encode) {
  return store_->CancelNotice(key, ref, clock_->Now(), encode);
}

absl::StatusOr<Page<Message>> NotificationService::ListMessages(const MessageFilter& filter, PageQuery page) {
  return store_->ListMessages(filter, page);
}

absl::StatusOr<Message> NotificationService::GetMessage(const MessageRef& ref) { return store_->GetMessage(ref); }

absl::StatusOr<WriteResult> NotificationService::MarkRead(const RequestKey& key, const MessageRef& ref,
                                                          const Encoder<Message>& encode) {
  return store_->MarkRead(key, ref, clock_->Now(), encode);
}

absl::StatusOr<WriteResult> NotificationService::ReplyToConsent(const RequestKey& key, const MessageRef& ref,
                                                                const std::string& pupil_id, ConsentAnswer answer,
                                                                const Encoder<Message>& encode) {
  if (answer == ConsentAnswer::kUnspecified) return InvalidArgument(reason::kInvalidField, "answer is required");
  return store_->ReplyToConsent(key, ref, pupil_id, answer, clock_->Now(), encode);
}

absl::StatusOr<WriteResult> NotificationService::ReopenConsent(const RequestKey& key, const NoticeRef& ref,
                                                               const std::string& pupil_id,
                                                               const Encoder<std::vector<ConsentRow>>& encode) {
  return store_->ReopenConsent(key, ref, pupil_id, encode);
}

absl::StatusOr<std::vector<ConsentRow>> NotificationService::ConsentOf(const NoticeRef& ref) {
  return store_->ConsentOf(ref);
}

absl::StatusOr<WriteResult> NotificationService::CreateTemplate(const RequestKey& key, Template t,
                                                                const Encoder<Template>& encode) {
  PARLEY_RETURN_IF_ERROR(ValidateTemplate(t));
  return store_->CreateTemplate(key, t, encode);
}

absl::StatusOr<Template> NotificationService::GetTemplate(const std::string& school_id, const std::string& id) {
  return store_->GetTemplate(school_id, id);
}

absl::StatusOr<std::vector<Template>> NotificationService::ListTemplates(const std::string& school_id) {
  return store_->ListTemplates(school_id);
}

absl::StatusOr<WriteResult> NotificationService::UpdateTemplate(const RequestKey& key, Template t,
                                                                const std::string& etag,
                                                                const Encoder<Template>& encode) {
  PARLEY_RETURN_IF_ERROR(ValidateTemplate(t));
  return store_->UpdateTemplate(key, t, etag, encode);
}

absl::StatusOr<WriteResult> NotificationService::DeleteTemplate(const RequestKey& key, const std::string& school_id,
                                                                const std::string& id) {
  return store_->DeleteTemplate(key, school_id, id);
}

absl::StatusOr<Preferences> NotificationService::GetPreferences(const std::string& guardian_id) {
  return store_->GetPreferences(guardian_id);
}

absl::StatusOr<WriteResult> NotificationService::PutPreferences(const RequestKey& key, Preferences p,
                                                                const std::string& etag,
                                                                const Encoder<Preferences>& encode) {
  std::set<std::pair<Category, DeliveryChannel>> seen;
  for (const ChannelPreference& e : p.entries) {
    if (e.category == Category::kUnspecified || e.channel == DeliveryChannel::kUnspecified ||
        e.mode == DeliveryMode::kUnspecified) {
      return InvalidArgument(reason::kInvalidField, "every preference needs a category, a channel and a mode");
    }
    if (e.category == Category::kEmergency) {
      return InvalidArgument(reason::kInvalidField, "emergency notices cannot be switched off or delayed");
    }
    if (e.mode == DeliveryMode::kDigest && e.channel != DeliveryChannel::kEmail && e.channel != DeliveryChannel::kApp) {
      return InvalidArgument(reason::kInvalidField, "a digest is for email and the app only");
    }
    if (!seen.insert({e.category, e.channel}).second) {
      return InvalidArgument(reason::kInvalidField, absl::StrCat(CategoryWord(e.category), " by ",
                                                                 ChannelWord(e.channel), " is listed twice"));
    }
  }
  return store_->PutPreferences(key, p, etag, encode);
}

absl::StatusOr<SchoolSettings> NotificationService::GetSettings(const std::string& school_id) {
  PARLEY_RETURN_IF_ERROR(directory_->School(school_id).status());
  return store_->GetSettings(school_id);
}

absl::StatusOr<WriteResult> NotificationService::PutSettings(const RequestKey& key, SchoolSettings s,
                                                             const std::string& etag,
                                                             const Encoder<SchoolSettings>& encode) {
  PARLEY_RETURN_IF_ERROR(directory_->School(s.school_id).status());
  if (s.app_read_wait < absl::ZeroDuration() || s.app_read_wait > absl::Hours(72)) {
    return InvalidArgument(reason::kInvalidField, "app_read_wait must be between 0 and 72 hours");
  }
  return store_->PutSettings(key, s, etag, encode);
}

absl::StatusOr<Delivery> NotificationService::RecordReceipt(const RequestKey& key, const std::string& provider,
                                                            const std::string& provider_reference, bool delivered,
                                                            bool permanent_failure, std::optional<absl::Time> time) {
  const absl::Time now = clock_->Now();
  absl::StatusOr<Delivery> d =
      store_->RecordReceipt(key, provider, provider_reference, delivered, permanent_failure, time.value_or(now), now);
  if (d.ok() && permanent_failure && nudge_) nudge_();
  return d;
}

absl::StatusOr<std::vector<LetterBatchInfo>> NotificationService::ListLetterBatches(const std::string& school_id) {
  return store_->ListLetterBatches(school_id, ZoneOf(school_id));
}

absl::StatusOr<std::string> NotificationService::LetterBatchPdf(const std::string& school_id, absl::CivilDay day) {
  PARLEY_ASSIGN_OR_RETURN(std::vector<StoredLetter> stored, store_->LettersOf(school_id, day, ZoneOf(school_id)));
  if (stored.empty()) {
    return NotFound(reason::kLetterBatchNotFound,
                    absl::StrCat("no letters for ", school_id, " on ", absl::FormatCivilTime(day)));
  }
  if (!options_.render_letters) return Internal(reason::kInternal, "no letter renderer configured");
  std::vector<std::string> names;
  for (const StoredLetter& l : stored) {
    names.push_back(absl::StrCat("guardians/", l.copy.recipient_id));
    for (const std::string& m : l.copy.household_members) names.push_back(absl::StrCat("guardians/", m));
    for (const std::string& p : l.copy.pupil_ids) {
      const auto [pupil_school, pupil_id] = PupilOf(l.copy, p);
      names.push_back(absl::StrCat("schools/", pupil_school, "/pupils/", pupil_id));
    }
  }
  std::sort(names.begin(), names.end());
  names.erase(std::unique(names.begin(), names.end()), names.end());
  std::map<std::string, PersonDetails> details;
  for (size_t i = 0; i < names.size(); i += 500) {
    std::vector<std::string> chunk(names.begin() + i, names.begin() + std::min(names.size(), i + 500));
    PARLEY_ASSIGN_OR_RETURN(auto found, contacts_->Lookup(chunk));
    details.merge(found);
  }
  std::string school_name = school_id;
  if (auto snap = directory_->School(school_id); snap.ok()) {
    if (const auto* sd = (*snap)->FindSchool(school_id)) school_name = sd->school.display_name;
  }
  LetterBatch batch;
  batch.school_id = school_id;
  batch.school_name = school_name;
  batch.date = day;
  for (const StoredLetter& l : stored) {
    auto who = details.find(absl::StrCat("guardians/", l.copy.recipient_id));
    if (who == details.end()) continue;  // the guardian was removed since: nobody to post it to
    Letter letter;
    std::vector<std::string> to = {who->second.display_name};
    for (const std::string& m : l.copy.household_members) {
      auto other = details.find(absl::StrCat("guardians/", m));
      if (other != details.end()) to.push_back(other->second.display_name);
    }
    letter.recipient_name = absl::StrJoin(to, " and ");
    letter.address_lines = who->second.postal_address;
    letter.school_name = school_name;
    letter.date = day;
    letter.subject = l.copy.subject;
    letter.body = l.copy.body;
    std::map<std::string, PersonDetails> pupils;
    for (const std::string& p : l.copy.pupil_ids) {
      const auto [pupil_school, pupil_id] = PupilOf(l.copy, p);
      auto it = details.find(absl::StrCat("schools/", pupil_school, "/pupils/", pupil_id));
      if (it != details.end()) pupils[p] = it->second;
    }
    const std::string about = PupilNames(l.copy.pupil_ids, pupils);
    letter.pupils_line = about.empty() ? "" : absl::StrCat("About: ", about);
    batch.letters.push_back(std::move(letter));
  }
  if (batch.letters.empty()) {
    return NotFound(reason::kLetterBatchNotFound, "the day's letters have no recipients left in the directory");
  }
  return options_.render_letters(batch);
}

absl::StatusOr<SchoolFigures> NotificationService::Figures(const std::string& school_id, absl::Time start,
                                                           absl::Time end) {
  if (end <= start) return InvalidArgument(reason::kInvalidField, "end_time must be after start_time");
  return store_->Figures(school_id, start, end);
}

}  // namespace parley::notifications
