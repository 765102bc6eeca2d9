#include "services/notifications/api/notifications_api.h"

#include <algorithm>
#include <optional>
#include <set>
#include <string>
#include <utility>
#include <vector>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "common/grpc/timestamp.h"
#include "common/request/request_key.h"
#include "common/status/reason.h"
#include "common/status/status_macros.h"
#include "services/notifications/api/convert.h"
#include "services/notifications/domain/templates.h"

namespace parley::notifications {
namespace {

constexpr char kService[] = "notifications";
constexpr api::PageLimits kPageLimits{50, 200};
constexpr size_t kChunkBytes = 1 << 20;  // LetterBatchChunk: at most 1 MiB each

const std::set<std::string> kTemplateUpdatable = {"category", "variables", "variants"};
const std::set<std::string> kSettingsUpdatable = {"digest_time", "app_read_wait"};

// ---- who sees what (common/auth/access.h; services/notifications/README.md, "Access") ---------

// The caller's right over a notice's scope: a school's (school-wide reach there) or the trust's
// (trust-wide reach; for sending and cancelling also a trust leader's own reach, which is the
// trust's notices and never a school's).
absl::Status AtScope(const auth::Grant& caller, const std::string& scope) {
  if (!scope.empty()) return caller.AtLeast(scope, auth::Reach::kSchool).status();
  PARLEY_ASSIGN_OR_RETURN(auth::Reach reach, caller.At(""));
  if (reach == auth::Reach::kTrust) return absl::OkStatus();
  if (reach == auth::Reach::kOwn && caller.rule().verb == auth::Verb::kChange &&
      !caller.principal().HasRole(auth::kGuardian)) {
    return absl::OkStatus();
  }
  return PermissionDenied(reason::kWrongSchool, "the trust's notices are for trust-wide roles");
}

bool IsGuardianView(const auth::Grant& caller) { return caller.Widest() == auth::Reach::kOwn; }

std::string GuardianName(const std::string& id) { return absl::StrCat("guardians/", id); }

// Whether the copy is addressed to the calling guardian (recipient, or a household member sharing
// its letter).
bool Addressed(const auth::Grant& caller, const Message& m) {
  if (m.recipient_kind != RecipientKind::kGuardian) return false;
  if (caller.IsSelf(GuardianName(m.recipient_id))) return true;
  return std::any_of(m.household_members.begin(), m.household_members.end(),
                     [&](const std::string& g) { return caller.IsSelf(GuardianName(g)); });
}

absl::Status MessageNotFound(const MessageRef& ref) {
  return NotFound(reason::kMessageNotFound, absl::StrCat("no message ", MessageName(ref)));
}

absl::Status WrongGuardian(absl::string_view what) {
  return PermissionDenied(reason::kWrongGuardian, absl::StrCat("a guardian may ", what, " only their own"));
}

// A mutation: the request's key first (REQUEST_ID_INVALID before any work), then `write(key,
// encoder)`, whose response (new or replayed) is decoded into `resp`.
template <typename Proto, typename Record, typename ToProtoFn, typename Write>
absl::Status Written(const auth::Grant& caller, const google::protobuf::Message& req, absl::string_view method,
                     ToProtoFn to_proto, Write write, Proto* resp) {
  PARLEY_ASSIGN_OR_RETURN(RequestKey key, api::RequestKeyFor(caller, kService, method, req));
  const Encoder<Record> encode = api::EncodeWith<Proto, Record>(to_proto);
  return api::DecodeResponse(write(key, encode), resp);
}

// Lists the domain answers whole, paged here by name: the position is the last name served.
template <typename Item, typename Resp, typename Add>
absl::Status PageByName(const google::protobuf::Message& req, std::vector<Item> items, Add add, Resp* resp) {
  PARLEY_ASSIGN_OR_RETURN(api::PageRequest page, api::ParsePage(req, kPageLimits));
  std::sort(items.begin(), items.end(), [](const Item& a, const Item& b) { return a.name() < b.name(); });
  int served = 0;
  for (const Item& item : items) {
    if (!page.after.empty() && item.name() <= page.after) continue;
    if (served == page.size) {
      resp->set_next_page_token(api::NextPageToken(req, page.after));
      return absl::OkStatus();
    }
    add(resp, item);
    page.after = item.name();
    ++served;
  }
  return absl::OkStatus();
}

std::optional<Category> CategoryFilter(int value) {
  if (value == 0) return std::nullopt;
  return static_cast<Category>(value);
}

}  // namespace

const auth::RuleTable& NotificationsApi::AccessRules() {
  using auth::Resource;
  constexpr auth::Verb kRead = auth::Verb::kRead, kChange = auth::Verb::kChange;
  static const auto* const rules = new auth::RuleTable{
      {"CreateNotice", {Resource::kNotice, kChange}},
      {"GetNotice", {Resource::kNotice, kRead}},
      {"ListNotices", {Resource::kNotice, kRead}},
      {"CancelNotice", {Resource::kNotice, kChange}},
      {"ListMessages", {Resource::kMessage, kRead}},
      {"GetMessage", {Resource::kMessage, kRead}},
      {"MarkMessageRead", {Resource::kMessage, kChange}},
      {"ReplyToConsent", {Resource::kMessage, kChange}},
      {"ReopenConsent", {Resource::kNotice, kChange}},
      {"GetConsentSummary", {Resource::kMessage, kRead}},
      {"CreateTemplate", {Resource::kTemplate, kChange}},
      {"GetTemplate", {Resource::kTemplate, kRead}},
      {"ListTemplates", {Resource::kTemplate, kRead}},
      {"UpdateTemplate", {Resource::kTemplate, kChange}},
      {"DeleteTemplate", {Resource::kTemplate, kChange}},
      {"GetPreferences", {Resource::kPreferences, kRead}},
      {"UpdatePreferences", {Resource::kPreferences, kChange}},
      {"GetSchoolSettings", {Resource::kNotificationSettings, kRead}},
      {"UpdateSchoolSettings", {Resource::kNotificationSettings, kChange}},
      {"RecordReceipt", {Resource::kDeliveryReceipt, kChange}},
      {"ListLetterBatches", {Resource::kLetterBatch, kRead}},
      {"DownloadLetterBatch", {Resource::kLetterBatch, kRead}},
      {"GetSchoolStats", {Resource::kStats, kRead}},
  };
  return *rules;
}

absl::StatusOr<Message> NotificationsApi::ReadableMessage(const auth::Grant& caller, const MessageRef& ref, bool* own) {
  *own = IsGuardianView(caller);
  if (!*own) {
    PARLEY_RETURN_IF_ERROR(AtScope(caller, ref.notice.scope));
    return notifications_->GetMessage(ref);
  }
  absl::StatusOr<Message> m = notifications_->GetMessage(ref);
  // Another family's copy and no copy at all get the same answer.
  if (m.ok() && Addressed(caller, *m)) return m;
  if (m.ok() || absl::IsNotFound(m.status())) return MessageNotFound(ref);
  return m.status();
}

absl::StatusOr<Notice> NotificationsApi::NoticeOf(const Message& m, const std::string& scope_hint,
                                                  std::map<std::string, Notice>* cache) {
  auto it = cache->find(m.notice_id);
  if (it != cache->end()) return it->second;
  // A copy lives under its school; its notice is the school's, or else the trust's.
  absl::StatusOr<Notice> n = notifications_->GetNotice(NoticeRef{scope_hint, m.notice_id});
  if (absl::IsNotFound(n.status()) && !scope_hint.empty()) n = notifications_->GetNotice(NoticeRef{"", m.notice_id});
  if (!n.ok()) return n.status();
  cache->emplace(m.notice_id, *n);
  return n;
}

absl::Status NotificationsApi::MayActForGuardian(const auth::Grant& caller, const std::string& guardian_id) {
  if (IsGuardianView(caller)) {
    if (!caller.IsSelf(GuardianName(guardian_id)))
      return WrongGuardian("read and change the preferences of a guardian");
    return absl::OkStatus();
  }
  if (caller.At("").ok()) return absl::OkStatus();
  // A guardian belongs to no one school: staff act for those with a pupil at a school of theirs,
  // and get the answer for a guardian of another school whether or not the guardian exists.
  for (const std::string& school_id : caller.principal().schools) {
    if (!caller.AtLeast(school_id, auth::Reach::kSchool).ok()) continue;
    absl::StatusOr<std::shared_ptr<const directory::Snapshot>> snap = directory_->School(school_id);
    if (!snap.ok()) {
      if (absl::IsNotFound(snap.status())) continue;
      return snap.status();
    }
    const directory::Guardian* g = (*snap)->FindGuardian(guardian_id);
    if (g == nullptr) continue;
    for (const directory::PupilLink& link : g->pupils) {
      if (link.school_id == school_id) return absl::OkStatus();
    }
  }
  return PermissionDenied(reason::kWrongSchool, "the guardian has no pupil at the caller's schools");
}

// ---- notices -------------------------------------------------------------------------------

grpc::Status NotificationsApi::CreateNotice(grpc::ServerContext* ctx, const v1::CreateNoticeRequest* req,
                                            v1::Notice* resp) {
  return edge_.Serve(ctx, *req, [&](const auth::Grant& caller) -> absl::Status {
    PARLEY_ASSIGN_OR_RETURN(std::string scope, ParseNoticeParent(req->parent(), "parent"));
    PARLEY_RETURN_IF_ERROR(AtScope(caller, scope));
    return Written<v1::Notice, Notice>(
        caller, *req, "CreateNotice", [](const Notice& n) { return ToProto(n); },
        [&](const RequestKey& key, const Encoder<Notice>& encode) -> absl::StatusOr<WriteResult> {
          PARLEY_ASSIGN_OR_RETURN(NoticeRequest request, NoticeFrom(req->notice(), scope));
          request.created_by = caller.subject();
          return notifications_->CreateNotice(key, std::move(request), encode);
        },
        resp);
  });
}

grpc::Status NotificationsApi::GetNotice(grpc::ServerContext* ctx, const v1::GetNoticeRequest* req, v1::Notice* resp) {
  return edge_.Serve(ctx, *req, [&](const auth::Grant& caller) -> absl::Status {
    PARLEY_ASSIGN_OR_RETURN(NoticeRef ref, ParseNoticeName(req->name(), "name"));
    PARLEY_RETURN_IF_ERROR(AtScope(caller, ref.scope));
    PARLEY_ASSIGN_OR_RETURN(Notice n, notifications_->GetNotice(ref));
    *resp = ToProto(n);
    return absl::OkStatus();
  });
}

grpc::Status NotificationsApi::ListNotices(grpc::ServerContext* ctx, const v1::ListNoticesRequest* req,
                                           v1::ListNoticesResponse* resp) {
  return edge_.Serve(ctx, *req, [&](const auth::Grant& caller) -> absl::Status {
    PARLEY_ASSIGN_OR_RETURN(std::string scope, ParseNoticeParent(req->parent(), "parent"));
    PARLEY_RETURN_IF_ERROR(AtScope(caller, scope));
    PARLEY_RETURN_IF_ERROR(CategoryFrom(req->category(), "category").status());
    PARLEY_ASSIGN_OR_RETURN(api::PageRequest page, api::ParsePage(*req, kPageLimits));
    PARLEY_ASSIGN_OR_RETURN(int64_t before, api::SeqPosition(page));
    PARLEY_ASSIGN_OR_RETURN(Page<Notice> result, notifications_->ListNotices(scope, CategoryFilter(req->category()),
                                                                             PageQuery{page.size, before}));
    for (const Notice& n : result.items) *resp->add_notices() = ToProto(n);
    resp->set_next_page_token(api::NextPageToken(*req, api::SeqToPosition(result.next_before_seq)));
    return absl::OkStatus();
  });
}

grpc::Status NotificationsApi::CancelNotice(grpc::ServerContext* ctx, const v1::CancelNoticeRequest* req,
                                            v1::Notice* resp) {
  return edge_.Serve(ctx, *req, [&](const auth::Grant& caller) -> absl::Status {
    PARLEY_ASSIGN_OR_RETURN(NoticeRef ref, ParseNoticeName(req->name(), "name"));
    PARLEY_RETURN_IF_ERROR(AtScope(caller, ref.scope));
    return Written<v1::Notice, Notice>(
        caller, *req, "CancelNotice", [](const Notice& n) { return ToProto(n); },
        [&](const RequestKey& key, const Encoder<Notice>& encode) {
          return notifications_->CancelNotice(key, ref, encode);
        },
        resp);
  });
}

// ---- copies --------------------------------------------------------------------------------

grpc::Status NotificationsApi::ListMessages(grpc::ServerContext* ctx, const v1::ListMessagesRequest* req,
                                            v1::ListMessagesResponse* resp) {
  return edge_.Serve(ctx, *req, [&](const auth::Grant& caller) -> absl::Status {
    const std::string& parent = req->parent();
    MessageFilter filter;
    filter.unread_only = req->unread_only();
    std::string scope_hint;
    if (absl::StartsWith(parent, "guardians/")) {
      PARLEY_ASSIGN_OR_RETURN(filter.guardian_id, api::ParseGuardian(parent, "parent"));
      if (IsGuardianView(caller)) {
        if (!caller.IsSelf(parent)) return WrongGuardian("list the messages of a guardian");
      } else {
        // A guardian belongs to no one school: only trust-wide roles list a guardian's inbox; a
        // school's staff list by pupil.
        PARLEY_RETURN_IF_ERROR(AtScope(caller, ""));
      }
    } else {
      if (IsGuardianView(caller)) return WrongGuardian("list the messages of a guardian");
      if (absl::StrContains(parent, "/notices/")) {
        PARLEY_ASSIGN_OR_RETURN(NoticeRef ref, ParseNoticeName(parent, "parent"));
        PARLEY_RETURN_IF_ERROR(AtScope(caller, ref.scope));
        filter.notice = ref;
        scope_hint = ref.scope;
      } else if (absl::StrContains(parent, "/staff/")) {
        PARLEY_ASSIGN_OR_RETURN(filter.staff, api::ParseSchoolChild(parent, "staff", "parent"));
        PARLEY_RETURN_IF_ERROR(AtScope(caller, filter.staff.first));
      } else {
        PARLEY_ASSIGN_OR_RETURN(filter.pupil, api::ParseSchoolChild(parent, "pupils", "parent"));
        PARLEY_RETURN_IF_ERROR(AtScope(caller, filter.pupil.first));
      }
    }
    PARLEY_ASSIGN_OR_RETURN(api::PageRequest page, api::ParsePage(*req, kPageLimits));
    PARLEY_ASSIGN_OR_RETURN(int64_t before, api::SeqPosition(page));
    PARLEY_ASSIGN_OR_RETURN(Page<Message> result, notifications_->ListMessages(filter, PageQuery{page.size, before}));
    std::map<std::string, Notice> notices;
    for (const Message& m : result.items) {
      PARLEY_ASSIGN_OR_RETURN(Notice n, NoticeOf(m, filter.notice ? scope_hint : m.school_id, &notices));
      *resp->add_messages() = ToProto(m, n);
    }
    resp->set_next_page_token(api::NextPageToken(*req, api::SeqToPosition(result.next_before_seq)));
    return absl::OkStatus();
  });
}

grpc::Status NotificationsApi::GetMessage(grpc::ServerContext* ctx, const v1::GetMessageRequest* req,
                                          v1::Message* resp) {
  return edge_.Serve(ctx, *req, [&](const auth::Grant& caller) -> absl::Status {
    PARLEY_ASSIGN_OR_RETURN(MessageRef ref, ParseMessageName(req->name(), "name"));
    bool own = false;
    PARLEY_ASSIGN_OR_RETURN(Message m, ReadableMessage(caller, ref, &own));
    PARLEY_ASSIGN_OR_RETURN(Notice n, notifications_->GetNotice(ref.notice));
    *resp = ToProto(m, n);
    if (n.request.category == Category::kConsent) {
      PARLEY_ASSIGN_OR_RETURN(std::vector<ConsentRow> rows, notifications_->ConsentOf(ref.notice));
      AddConsentReplies(m, rows, resp);
    }
    return absl::OkStatus();
  });
}

grpc::Status NotificationsApi::MarkMessageRead(grpc::ServerContext* ctx, const v1::MarkMessageReadRequest* req,
                                               v1::Message* resp) {
  return edge_.Serve(ctx, *req, [&](const auth::Grant& caller) -> absl::Status {
    PARLEY_ASSIGN_OR_RETURN(MessageRef ref, ParseMessageName(req->name(), "name"));
    bool own = false;
    PARLEY_RETURN_IF_ERROR(ReadableMessage(caller, ref, &own).status());
    PARLEY_ASSIGN_OR_RETURN(Notice n, notifications_->GetNotice(ref.notice));
    return Written<v1::Message, Message>(
        caller, *req, "MarkMessageRead", [n](const Message& m) { return ToProto(m, n); },
        [&](const RequestKey& key, const Encoder<Message>& encode) {
          return notifications_->MarkRead(key, ref, encode);
        },
        resp);
  });
}

grpc::Status NotificationsApi::ReplyToConsent(grpc::ServerContext* ctx, const v1::ReplyToConsentRequest* req,
                                              v1::Message* resp) {
  return edge_.Serve(ctx, *req, [&](const auth::Grant& caller) -> absl::Status {
    PARLEY_ASSIGN_OR_RETURN(MessageRef ref, ParseMessageName(req->message(), "message"));
    PARLEY_ASSIGN_OR_RETURN(auto pupil, api::ParseSchoolChild(req->pupil(), "pupils", "pupil"));
    if (req->answer() != v1::CONSENT_ANSWER_YES && req->answer() != v1::CONSENT_ANSWER_NO) {
      return InvalidArgument(reason::kInvalidField, "answer must be yes or no");
    }
    bool own = false;
    PARLEY_ASSIGN_OR_RETURN(Message m, ReadableMessage(caller, ref, &own));
    if (!NamesPupil(m, pupil.first, pupil.second)) {
      return InvalidArgument(reason::kInvalidField, "pupil is not one of the pupils the message names");
    }
    PARLEY_ASSIGN_OR_RETURN(Notice n, notifications_->GetNotice(ref.notice));
    const absl::Status written = Written<v1::Message, Message>(
        caller, *req, "ReplyToConsent", [n](const Message& copy) { return ToProto(copy, n); },
        [&](const RequestKey& key, const Encoder<Message>& encode) {
          return notifications_->ReplyToConsent(key, ref, PupilEntry(m, pupil.first, pupil.second),
                                                static_cast<ConsentAnswer>(req->answer()), encode);
        },
        resp);
    PARLEY_RETURN_IF_ERROR(written);
    // The replies as they stand now (a replay shows the current lock too).
    PARLEY_ASSIGN_OR_RETURN(std::vector<ConsentRow> rows, notifications_->ConsentOf(ref.notice));
    resp->clear_consent_replies();
    AddConsentReplies(m, rows, resp);
    return absl::OkStatus();
  });
}

grpc::Status NotificationsApi::ReopenConsent(grpc::ServerContext* ctx, const v1::ReopenConsentRequest* req,
                                             v1::ConsentSummary* resp) {
  return edge_.Serve(ctx, *req, [&](const auth::Grant& caller) -> absl::Status {
    PARLEY_ASSIGN_OR_RETURN(NoticeRef ref, ParseNoticeName(req->notice(), "notice"));
    PARLEY_RETURN_IF_ERROR(AtScope(caller, ref.scope));
    PARLEY_ASSIGN_OR_RETURN(auto pupil, api::ParseSchoolChild(req->pupil(), "pupils", "pupil"));
    if (!ref.scope.empty() && pupil.first != ref.scope) {
      return InvalidArgument(reason::kInvalidField, "pupil must be a pupil of the notice's school");
    }
    return Written<v1::ConsentSummary, std::vector<ConsentRow>>(
        caller, *req, "ReopenConsent", [ref](const std::vector<ConsentRow>& rows) { return ToProto(ref, rows); },
        [&](const RequestKey& key, const Encoder<std::vector<ConsentRow>>& encode) {
          return notifications_->ReopenConsent(key, ref, pupil.second, encode);
        },
        resp);
  });
}

grpc::Status NotificationsApi::GetConsentSummary(grpc::ServerContext* ctx, const v1::GetConsentSummaryRequest* req,
                                                 v1::ConsentSummary* resp) {
  return edge_.Serve(ctx, *req, [&](const auth::Grant& caller) -> absl::Status {
    PARLEY_ASSIGN_OR_RETURN(NoticeRef ref, ParseNoticeName(req->notice(), "notice"));
    if (IsGuardianView(caller)) return WrongGuardian("read consent replies to a notice");
    PARLEY_RETURN_IF_ERROR(AtScope(caller, ref.scope));
    PARLEY_ASSIGN_OR_RETURN(std::vector<ConsentRow> rows, notifications_->ConsentOf(ref));
    *resp = ToProto(ref, rows);
    return absl::OkStatus();
  });
}

// ---- templates -----------------------------------------------------------------------------

namespace {

// Changing a template: the school's (office, senior leaders) or the trust's (trust-wide change).
absl::Status MayChangeTemplates(const auth::Grant& caller, const std::string& school_id) {
  if (!school_id.empty()) return caller.AtLeast(school_id, auth::Reach::kSchool).status();
  return caller.AtLeast("", auth::Reach::kTrust).status();
}

// Reading: a school's templates at that school; the trust's by every role that reads templates
// somewhere (every school inherits them).
absl::Status MayReadTemplates(const auth::Grant& caller, const std::string& school_id) {
  if (!school_id.empty()) return caller.AtLeast(school_id, auth::Reach::kSchool).status();
  if (caller.Widest() >= auth::Reach::kSchool) return absl::OkStatus();
  return PermissionDenied(reason::kRoleRequired, "the caller's role does not allow this operation");
}

}  // namespace

grpc::Status NotificationsApi::CreateTemplate(grpc::ServerContext* ctx, const v1::CreateTemplateRequest* req,
                                              v1::Template* resp) {
  return edge_.Serve(ctx, *req, [&](const auth::Grant& caller) -> absl::Status {
    PARLEY_ASSIGN_OR_RETURN(std::string school_id, ParseNoticeParent(req->parent(), "parent"));
    PARLEY_RETURN_IF_ERROR(MayChangeTemplates(caller, school_id));
    if (!IsValidTemplateId(req->template_id())) {
      return InvalidArgument(reason::kInvalidField, "template_id must be 1-64 of [a-z0-9_.-]");
    }
    return Written<v1::Template, Template>(
        caller, *req, "CreateTemplate", [](const Template& t) { return ToProto(t); },
        [&](const RequestKey& key, const Encoder<Template>& encode) -> absl::StatusOr<WriteResult> {
          PARLEY_ASSIGN_OR_RETURN(Template t, TemplateFrom(req->template_(), school_id, req->template_id()));
          return notifications_->CreateTemplate(key, std::move(t), encode);
        },
        resp);
  });
}

grpc::Status NotificationsApi::GetTemplate(grpc::ServerContext* ctx, const v1::GetTemplateRequest* req,
                                           v1::Template* resp) {
  return edge_.Serve(ctx, *req, [&](const auth::Grant& caller) -> absl::Status {
    PARLEY_ASSIGN_OR_RETURN(auto id, ParseTemplateName(req->name(), "name"));
    PARLEY_RETURN_IF_ERROR(MayReadTemplates(caller, id.first));
    PARLEY_ASSIGN_OR_RETURN(Template t, notifications_->GetTemplate(id.first, id.second));
    *resp = ToProto(t);
    return absl::OkStatus();
  });
}

grpc::Status NotificationsApi::ListTemplates(grpc::ServerContext* ctx, const v1::ListTemplatesRequest* req,
                                             v1::ListTemplatesResponse* resp) {
  return edge_.Serve(ctx, *req, [&](const auth::Grant& caller) -> absl::Status {
    PARLEY_ASSIGN_OR_RETURN(std::string school_id, ParseNoticeParent(req->parent(), "parent"));
    PARLEY_RETURN_IF_ERROR(MayReadTemplates(caller, school_id));
    PARLEY_ASSIGN_OR_RETURN(std::vector<Template> all, notifications_->ListTemplates(school_id));
    std::vector<v1::Template> items;
    for (const Template& t : all) items.push_back(ToProto(t));
    return PageByName(
        *req, std::move(items), [](v1::ListTemplatesResponse* r, const v1::Template& t) { *r->add_templates() = t; },
        resp);
  });
}

grpc::Status NotificationsApi::UpdateTemplate(grpc::ServerContext* ctx, const v1::UpdateTemplateRequest* req,
                                              v1::Template* resp) {
  return edge_.Serve(ctx, *req, [&](const auth::Grant& caller) -> absl::Status {
    PARLEY_ASSIGN_OR_RETURN(auto id, ParseTemplateName(req->template_().name(), "template.name"));
    PARLEY_RETURN_IF_ERROR(MayChangeTemplates(caller, id.first));
    if (req->update_mask().paths_size() > 0) {
      PARLEY_RETURN_IF_ERROR(api::CheckUpdateMask(req->update_mask(), *v1::Template::descriptor(), kTemplateUpdatable));
    }
    return Written<v1::Template, Template>(
        caller, *req, "UpdateTemplate", [](const Template& t) { return ToProto(t); },
        [&](const RequestKey& key, const Encoder<Template>& encode) -> absl::StatusOr<WriteResult> {
          v1::Template merged = req->template_();
          std::string etag = req->etag();
          if (req->update_mask().paths_size() > 0) {
            PARLEY_ASSIGN_OR_RETURN(Template current, notifications_->GetTemplate(id.first, id.second));
            PARLEY_ASSIGN_OR_RETURN(merged, api::ApplyUpdateMask(ToProto(current), req->template_(), req->update_mask(),
                                                                 kTemplateUpdatable));
            // The merge is over what was read: a change in between is ABORTED, not lost.
            if (etag.empty()) etag = current.etag;
          }
          PARLEY_ASSIGN_OR_RETURN(Template t, TemplateFrom(merged, id.first, id.second));
          return notifications_->UpdateTemplate(key, std::move(t), etag, encode);
        },
        resp);
  });
}

grpc::Status NotificationsApi::DeleteTemplate(grpc::ServerContext* ctx, const v1::DeleteTemplateRequest* req,
                                              google::protobuf::Empty* resp) {
  return edge_.Serve(ctx, *req, [&](const auth::Grant& caller) -> absl::Status {
    PARLEY_ASSIGN_OR_RETURN(auto id, ParseTemplateName(req->name(), "name"));
    PARLEY_RETURN_IF_ERROR(MayChangeTemplates(caller, id.first));
    PARLEY_ASSIGN_OR_RETURN(RequestKey key, api::RequestKeyFor(caller, kService, "DeleteTemplate", *req));
    PARLEY_RETURN_IF_ERROR(notifications_->DeleteTemplate(key, id.first, id.second).status());
    resp->Clear();
    return absl::OkStatus();
  });
}

// ---- preferences and settings --------------------------------------------------------------

grpc::Status NotificationsApi::GetPreferences(grpc::ServerContext* ctx, const v1::GetPreferencesRequest* req,
                                              v1::Preferences* resp) {
  return edge_.Serve(ctx, *req, [&](const auth::Grant& caller) -> absl::Status {
    PARLEY_ASSIGN_OR_RETURN(std::string guardian_id, ParsePreferencesName(req->name(), "name"));
    PARLEY_RETURN_IF_ERROR(MayActForGuardian(caller, guardian_id));
    PARLEY_ASSIGN_OR_RETURN(Preferences p, notifications_->GetPreferences(guardian_id));
    p.guardian_id = guardian_id;
    *resp = ToProto(p);
    return absl::OkStatus();
  });
}

grpc::Status NotificationsApi::UpdatePreferences(grpc::ServerContext* ctx, const v1::UpdatePreferencesRequest* req,
                                                 v1::Preferences* resp) {
  return edge_.Serve(ctx, *req, [&](const auth::Grant& caller) -> absl::Status {
    PARLEY_ASSIGN_OR_RETURN(std::string guardian_id,
                            ParsePreferencesName(req->preferences().name(), "preferences.name"));
    PARLEY_RETURN_IF_ERROR(MayActForGuardian(caller, guardian_id));
    return Written<v1::Preferences, Preferences>(
        caller, *req, "UpdatePreferences", [](const Preferences& p) { return ToProto(p); },
        [&](const RequestKey& key, const Encoder<Preferences>& encode) -> absl::StatusOr<WriteResult> {
          PARLEY_ASSIGN_OR_RETURN(Preferences p, PreferencesFrom(req->preferences(), guardian_id));
          return notifications_->PutPreferences(key, std::move(p), req->etag(), encode);
        },
        resp);
  });
}

grpc::Status NotificationsApi::GetSchoolSettings(grpc::ServerContext* ctx, const v1::GetSchoolSettingsRequest* req,
                                                 v1::SchoolSettings* resp) {
  return edge_.Serve(ctx, *req, [&](const auth::Grant& caller) -> absl::Status {
    PARLEY_ASSIGN_OR_RETURN(std::string school_id, ParseSettingsName(req->name(), "name"));
    PARLEY_RETURN_IF_ERROR(caller.AtLeast(school_id, auth::Reach::kSchool).status());
    PARLEY_ASSIGN_OR_RETURN(SchoolSettings s, notifications_->GetSettings(school_id));
    s.school_id = school_id;
    *resp = ToProto(s);
    return absl::OkStatus();
  });
}

grpc::Status NotificationsApi::UpdateSchoolSettings(grpc::ServerContext* ctx,
                                                    const v1::UpdateSchoolSettingsRequest* req,
                                                    v1::SchoolSettings* resp) {
  return edge_.Serve(ctx, *req, [&](const auth::Grant& caller) -> absl::Status {
    PARLEY_ASSIGN_OR_RETURN(std::string school_id, ParseSettingsName(req->settings().name(), "settings.name"));
    PARLEY_RETURN_IF_ERROR(caller.AtLeast(school_id, auth::Reach::kSchool).status());
    if (req->update_mask().paths_size() > 0) {
      PARLEY_RETURN_IF_ERROR(
          api::CheckUpdateMask(req->update_mask(), *v1::SchoolSettings::descriptor(), kSettingsUpdatable));
    }
    // The patch checked on its own first, so a bad value is refused before anything is read.
    PARLEY_RETURN_IF_ERROR(SettingsFrom(req->settings(), school_id).status());
    return Written<v1::SchoolSettings, SchoolSettings>(
        caller, *req, "UpdateSchoolSettings", [](const SchoolSettings& s) { return ToProto(s); },
        [&](const RequestKey& key, const Encoder<SchoolSettings>& encode) -> absl::StatusOr<WriteResult> {
          v1::SchoolSettings merged = req->settings();
          std::string etag = req->etag();
          if (req->update_mask().paths_size() > 0) {
            PARLEY_ASSIGN_OR_RETURN(SchoolSettings current, notifications_->GetSettings(school_id));
            current.school_id = school_id;
            PARLEY_ASSIGN_OR_RETURN(merged, api::ApplyUpdateMask(ToProto(current), req->settings(), req->update_mask(),
                                                                 kSettingsUpdatable));
            // The merge is over what was read: a change in between is ABORTED, not lost.
            if (etag.empty()) etag = current.etag;
          }
          PARLEY_ASSIGN_OR_RETURN(SchoolSettings s, SettingsFrom(merged, school_id));
          return notifications_->PutSettings(key, std::move(s), etag, encode);
        },
        resp);
  });
}

// ---- receipts, letters, figures ------------------------------------------------------------

grpc::Status NotificationsApi::RecordReceipt(grpc::ServerContext* ctx, const v1::RecordReceiptRequest* req,
                                             v1::Delivery* resp) {
  return edge_.Serve(ctx, *req, [&](const auth::Grant& caller) -> absl::Status {
    PARLEY_RETURN_IF_ERROR(caller.AtLeast("", auth::Reach::kTrust).status());
    if (req->status() < v1::RECEIPT_STATUS_DELIVERED || req->status() > v1::RECEIPT_STATUS_TEMPORARY_FAILURE) {
      return InvalidArgument(reason::kInvalidField, "status must be delivered, permanent or temporary failure");
    }
    PARLEY_ASSIGN_OR_RETURN(RequestKey key, api::RequestKeyFor(caller, kService, "RecordReceipt", *req));
    std::optional<absl::Time> time;
    if (req->has_time()) time = FromTimestamp(req->time());
    PARLEY_ASSIGN_OR_RETURN(Delivery d,
                            notifications_->RecordReceipt(key, req->provider(), req->provider_reference(),
                                                          req->status() == v1::RECEIPT_STATUS_DELIVERED,
                                                          req->status() == v1::RECEIPT_STATUS_PERMANENT_FAILURE, time));
    *resp = ToProto(d);
    return absl::OkStatus();
  });
}

grpc::Status NotificationsApi::ListLetterBatches(grpc::ServerContext* ctx, const v1::ListLetterBatchesRequest* req,
                                                 v1::ListLetterBatchesResponse* resp) {
  return edge_.Serve(ctx, *req, [&](const auth::Grant& caller) -> absl::Status {
    PARLEY_ASSIGN_OR_RETURN(std::string school_id, api::ParseSchool(req->parent(), "parent"));
    PARLEY_RETURN_IF_ERROR(caller.AtLeast(school_id, auth::Reach::kSchool).status());
    PARLEY_ASSIGN_OR_RETURN(std::vector<LetterBatchInfo> all, notifications_->ListLetterBatches(school_id));
    std::vector<v1::LetterBatch> items;
    for (const LetterBatchInfo& b : all) items.push_back(ToProto(b));
    return PageByName(
        *req, std::move(items),
        [](v1::ListLetterBatchesResponse* r, const v1::LetterBatch& b) { *r->add_batches() = b; }, resp);
  });
}

grpc::Status NotificationsApi::DownloadLetterBatch(grpc::ServerContext* ctx, const v1::DownloadLetterBatchRequest* req,
                                                   grpc::ServerWriter<v1::LetterBatchChunk>* writer) {
  return edge_.Serve(ctx, *req, [&](const auth::Grant& caller) -> absl::Status {
    PARLEY_ASSIGN_OR_RETURN(auto batch, ParseLetterBatchName(req->name(), "name"));
    PARLEY_RETURN_IF_ERROR(caller.AtLeast(batch.first, auth::Reach::kSchool).status());
    PARLEY_ASSIGN_OR_RETURN(std::string pdf, notifications_->LetterBatchPdf(batch.first, batch.second));
    for (size_t at = 0; at < pdf.size(); at += kChunkBytes) {
      v1::LetterBatchChunk chunk;
      chunk.set_content_type("application/pdf");
      chunk.set_data(pdf.substr(at, kChunkBytes));
      if (!writer->Write(chunk)) return Unavailable(reason::kPeerUnavailable, "the client went away");
    }
    return absl::OkStatus();
  });
}

grpc::Status NotificationsApi::GetSchoolStats(grpc::ServerContext* ctx, const v1::GetSchoolStatsRequest* req,
                                              v1::SchoolStats* resp) {
  return edge_.Serve(ctx, *req, [&](const auth::Grant& caller) -> absl::Status {
    PARLEY_ASSIGN_OR_RETURN(std::string school_id, api::ParseSchool(req->school(), "school"));
    PARLEY_RETURN_IF_ERROR(caller.AtLeast(school_id, auth::Reach::kSchool).status());
    const absl::Time start = FromTimestamp(req->start_time()), end = FromTimestamp(req->end_time());
    if (end <= start) return InvalidArgument(reason::kInvalidField, "end_time must be after start_time");
    PARLEY_ASSIGN_OR_RETURN(SchoolFigures f, notifications_->Figures(school_id, start, end));
    resp->set_school(req->school());
    *resp->mutable_start_time() = req->start_time();
    *resp->mutable_end_time() = req->end_time();
    FillStats(f, resp);
    return absl::OkStatus();
  });
}

}  // namespace parley::notifications
