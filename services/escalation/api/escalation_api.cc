#include "services/escalation/api/escalation_api.h"

#include <algorithm>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "common/auth/access.h"
#include "common/grpc/api_edge.h"
#include "common/grpc/timestamp.h"
#include "common/status/reason.h"
#include "common/status/status_macros.h"
#include "common/version/version.h"
#include "services/escalation/api/convert.h"

namespace parley::escalation {
namespace {

constexpr char kService[] = "escalation";
// Enquiries page newest first, before a seq; events oldest first, from a seq. Tokens carry the seq
// and are bound to the list's filters (api::ParsePage).
constexpr api::PageLimits kPageLimits{50, 500};

// The response a write keeps: the enquiry as it now stands, from the view the write derived.
absl::StatusOr<std::string> Encode(const EnquiryRecord& record, const EnquiryView& view) {
  return ToProto(record, view).SerializeAsString();
}

// The same for a guardian's own write: their view of it (kept and replayed as such; a guardian's
// request ids live in their own tenancy, so only they can replay it).
absl::StatusOr<std::string> EncodeForGuardian(const EnquiryRecord& record, const EnquiryView& view) {
  v1::Enquiry out = ToProto(record, view);
  ForGuardian(record, &out);
  return out.SerializeAsString();
}

bool IsGuardianName(const std::string& name) { return absl::StartsWith(name, "guardians/"); }
bool IsStaffName(const std::string& name) { return absl::StartsWith(name, "schools/"); }

absl::Status RoleRequired() {
  return PermissionDenied(reason::kRoleRequired, "the caller's role does not allow this operation");
}

// The enquiries of `school_id` the caller reaches under the call's rule: every one (school or trust
// reach), or with reach kOwn those about them (a guardian) or owned by them now (staff: a teacher).
// Tenancy first (Grant::At): another school's caller is PERMISSION_DENIED before anything is read.
absl::StatusOr<EnquiryScope> ScopeAt(const auth::Grant& caller, const std::string& school_id) {
  PARLEY_ASSIGN_OR_RETURN(auth::Reach reach, caller.At(school_id));
  if (reach >= auth::Reach::kSchool) return EnquiryScope::All();
  if (reach == auth::Reach::kOwn) {
    if (IsGuardianName(caller.subject())) return EnquiryScope::AboutGuardian(caller.subject());
    if (IsStaffName(caller.subject())) return EnquiryScope::OwnedBy(caller.subject());
  }
  // No role reaches enquiries as "public" or "taught"; a kOwn token whose subject is neither a
  // guardian nor a member of staff owns nothing.
  return RoleRequired();
}

bool GuardianView(const EnquiryScope& scope) { return scope.kind == EnquiryScope::Kind::kGuardian; }

// A page of breaches stops at (enquiry seq, event seq): "{enquiry seq}.{event seq}" in the token.
std::string BreachToPosition(const std::optional<BreachPosition>& p) {
  return p ? absl::StrCat(p->enquiry_seq, ".", p->event_seq) : std::string();
}

absl::StatusOr<BreachPosition> BreachPositionOf(const api::PageRequest& page) {
  BreachPosition p;
  if (page.after.empty()) return p;
  std::pair<std::string, std::string> parts = absl::StrSplit(page.after, absl::MaxSplits('.', 1));
  if (!absl::SimpleAtoi(parts.first, &p.enquiry_seq) || !absl::SimpleAtoi(parts.second, &p.event_seq) ||
      p.enquiry_seq <= 0 || p.event_seq <= 0) {
    return InvalidArgument(reason::kInvalidPageToken,
                           "page_token is not one this list issued for these filters: start again without it");
  }
  return p;
}

}  // namespace

const auth::RuleTable& EscalationApi::AccessRules() {
  using auth::Resource;
  constexpr auth::Verb kRead = auth::Verb::kRead, kChange = auth::Verb::kChange;
  static const auto* const rules = new auth::RuleTable{
      {"OpenEnquiry", {Resource::kEnquiryIntake, kChange}},
      {"GetEnquiry", {Resource::kEnquiry, kRead}},
      {"ListEnquiries", {Resource::kEnquiry, kRead}},
      {"ListEnquiryEvents", {Resource::kEnquiry, kRead}},
      {"AcknowledgeEnquiry", {Resource::kEnquiry, kChange}},
      {"RecordReply", {Resource::kEnquiry, kChange}},
      {"PauseEnquiry", {Resource::kEnquiry, kChange}},
      {"ResumeEnquiry", {Resource::kEnquiry, kChange}},
      {"ResolveEnquiry", {Resource::kEnquiry, kChange}},
      {"ReopenEnquiry", {Resource::kEnquiry, kChange}},
      {"EscalateEnquiry", {Resource::kEnquiry, kChange}},
      {"ReassignEnquiry", {Resource::kEnquiryAssignment, kChange}},
      {"MarkAbusive", {Resource::kEnquiryAssignment, kChange}},
      {"RecordProgress", {Resource::kEnquiry, kChange}},
      {"GetSchoolStats", {Resource::kStats, kRead}},
      {"ListBreaches", {Resource::kStats, kRead}},
  };
  return *rules;
}

// ---- intake and reads --------------------------------------------------------------------------

grpc::Status EscalationApi::OpenEnquiry(grpc::ServerContext* ctx, const v1::OpenEnquiryRequest* req,
                                        v1::Enquiry* resp) {
  return edge_.Serve(ctx, *req, [&](const auth::Grant& caller) -> absl::Status {
    PARLEY_ASSIGN_OR_RETURN(std::string school_id, api::ParseSchool(req->parent(), "parent"));
    // Intake: a guardian (reach kOwn) opens only enquiries about themselves; staff of the school,
    // trust admins and services (school apps, intake integrations) open any.
    PARLEY_ASSIGN_OR_RETURN(auth::Reach reach, caller.At(school_id));
    const bool own = reach < auth::Reach::kSchool;
    if (own && !(reach == auth::Reach::kOwn && IsGuardianName(caller.subject()))) return RoleRequired();
    // A guardian's own records are theirs at every school (Grant::At), but they write only to the
    // schools their token names (their children's): elsewhere, routing would tell them whether a
    // pupil exists before conduct's gate answers.
    const std::vector<std::string>& schools = caller.principal().schools;
    if (own && std::find(schools.begin(), schools.end(), school_id) == schools.end()) {
      return PermissionDenied(reason::kWrongSchool, "the caller's token does not cover this school");
    }
    if (own && req->enquiry().guardian() != caller.subject()) {
      return PermissionDenied(reason::kWrongGuardian,
                              "a guardian may open only enquiries about themselves: enquiry.guardian must be the "
                              "caller's own name");
    }
    PARLEY_ASSIGN_OR_RETURN(RequestKey key, api::RequestKeyFor(caller, kService, "OpenEnquiry", *req));
    if (!req->has_enquiry()) return InvalidArgument(reason::kInvalidField, "enquiry is required");
    PARLEY_ASSIGN_OR_RETURN(EnquiryRecord draft, DraftFrom(req->enquiry(), school_id));
    // And only about their own children: the reach is decided here, the pupil links are the
    // directory's, asked by the intake use case after a retry is replayed and before routing (a
    // pupil not theirs is answered as one not on roll, before anything is stored).
    const IntakeScope scope = own ? IntakeScope::ChildrenOf(caller.subject()) : IntakeScope::AnyPupil();
    return api::DecodeResponse(
        enquiries_->Open(key, std::move(draft), caller.subject(), own ? EncodeForGuardian : Encode, scope), resp);
  });
}

grpc::Status EscalationApi::GetEnquiry(grpc::ServerContext* ctx, const v1::GetEnquiryRequest* req, v1::Enquiry* resp) {
  return edge_.Serve(ctx, *req, [&](const auth::Grant& caller) -> absl::Status {
    PARLEY_ASSIGN_OR_RETURN(auto id, ParseEnquiryName(req->name(), "name"));
    PARLEY_ASSIGN_OR_RETURN(EnquiryScope scope, ScopeAt(caller, id.first));
    PARLEY_ASSIGN_OR_RETURN(EnquiryWithView found, enquiries_->Get(id.first, id.second, scope));
    *resp = ToProto(found.record, found.view);
    if (GuardianView(scope)) ForGuardian(found.record, resp);
    return absl::OkStatus();
  });
}

grpc::Status EscalationApi::ListEnquiries(grpc::ServerContext* ctx, const v1::ListEnquiriesRequest* req,
                                          v1::ListEnquiriesResponse* resp) {
  return edge_.Serve(ctx, *req, [&](const auth::Grant& caller) -> absl::Status {
    PARLEY_ASSIGN_OR_RETURN(std::string school_id, api::ParseSchool(req->parent(), "parent"));
    PARLEY_ASSIGN_OR_RETURN(EnquiryScope scope, ScopeAt(caller, school_id));
    EnquiryFilter filter;
    if (!req->owner().empty()) PARLEY_RETURN_IF_ERROR(CheckStaffOf(req->owner(), school_id, "owner"));
    filter.owner = req->owner();
    PARLEY_ASSIGN_OR_RETURN(filter.state, StateFilterFrom(req->state(), "state"));
    filter.category = req->category();
    filter.overdue = req->overdue();
    if (req->has_due_before()) filter.due_before = FromTimestamp(req->due_before());
    PARLEY_ASSIGN_OR_RETURN(api::PageRequest page, api::ParsePage(*req, kPageLimits));
    PageQuery query;
    query.size = page.size;
    PARLEY_ASSIGN_OR_RETURN(query.before_seq, api::SeqPosition(page));
    // The scope narrows the store's own query (a guardian's, an owner's): pages are never short.
    PARLEY_ASSIGN_OR_RETURN(Page<EnquiryRecord> result, enquiries_->List(school_id, filter, query, scope));
    for (const EnquiryRecord& r : result.items) {
      v1::Enquiry* out = resp->add_enquiries();
      *out = ToProto(r);
      if (GuardianView(scope)) ForGuardian(r, out);
    }
    resp->set_next_page_token(api::NextPageToken(*req, api::SeqToPosition(result.next_before_seq)));
    return absl::OkStatus();
  });
}

grpc::Status EscalationApi::ListEnquiryEvents(grpc::ServerContext* ctx, const v1::ListEnquiryEventsRequest* req,
                                              v1::ListEnquiryEventsResponse* resp) {
  return edge_.Serve(ctx, *req, [&](const auth::Grant& caller) -> absl::Status {
    PARLEY_ASSIGN_OR_RETURN(auto id, ParseEnquiryName(req->parent(), "parent"));
    // The history is visible exactly when the enquiry is (GetEnquiry).
    PARLEY_ASSIGN_OR_RETURN(EnquiryScope scope, ScopeAt(caller, id.first));
    const bool guardian = GuardianView(scope);
    PARLEY_ASSIGN_OR_RETURN(api::PageRequest page, api::ParsePage(*req, kPageLimits));
    PARLEY_ASSIGN_OR_RETURN(int64_t from, api::SeqPosition(page));
    PARLEY_ASSIGN_OR_RETURN(EventPage events, enquiries_->ListEvents(id.first, id.second, from, page.size, scope,
                                                                     guardian ? ShownToGuardian : nullptr));
    for (const Event& ev : events.events) {
      v1::EnquiryEvent* out = resp->add_events();
      *out = ToProto(ev, id.first, id.second);
      if (guardian) ForGuardian(caller.subject(), out);
    }
    resp->set_next_page_token(api::NextPageToken(*req, api::SeqToPosition(events.next_seq)));
    return absl::OkStatus();
  });
}

grpc::Status EscalationApi::GetSchoolStats(grpc::ServerContext* ctx, const v1::GetSchoolStatsRequest* req,
                                           v1::SchoolStats* resp) {
  return edge_.Serve(ctx, *req, [&](const auth::Grant& caller) -> absl::Status {
    PARLEY_ASSIGN_OR_RETURN(std::string school_id, api::ParseSchool(req->school(), "school"));
    // Figures cover the whole school: no reach short of it sees them.
    PARLEY_RETURN_IF_ERROR(caller.AtLeast(school_id, auth::Reach::kSchool).status());
    if (!req->has_start_time()) return InvalidArgument(reason::kInvalidField, "start_time is required");
    if (!req->has_end_time()) return InvalidArgument(reason::kInvalidField, "end_time is required");
    const absl::Time start = FromTimestamp(req->start_time()), end = FromTimestamp(req->end_time());
    if (end <= start) return InvalidArgument(reason::kInvalidField, "end_time must be after start_time");
    PARLEY_ASSIGN_OR_RETURN(SchoolStats s, enquiries_->Stats(school_id, start, end));
    resp->set_school(req->school());
    *resp->mutable_start_time() = req->start_time();
    *resp->mutable_end_time() = req->end_time();
    *resp->mutable_all() = ToProto(s.all);
    for (const auto& [channel, figures] : s.by_channel) {
      v1::ChannelFigures* c = resp->add_by_channel();
      c->set_channel(static_cast<v1::Channel>(channel));
      *c->mutable_figures() = ToProto(figures);
    }
    for (const auto& [category, figures] : s.by_category) {
      v1::CategoryFigures* c = resp->add_by_category();
      c->set_category(category);
      *c->mutable_figures() = ToProto(figures);
    }
    for (const auto& [rung, count] : s.escalations_by_rung) {
      v1::RungCount* c = resp->add_escalations_by_rung();
      c->set_rung(rung);
      c->set_count(count);
    }
    resp->set_referrals_to_complaints(s.referrals_to_complaints);
    resp->set_open_now(s.open_now);
    resp->set_overdue_now(s.overdue_now);
    *resp->mutable_safeguarding() = ToProto(s.safeguarding);
    resp->set_follow_up_met(s.follow_up_met);
    resp->set_follow_up_breached(s.follow_up_breached);
    resp->set_follow_up_running(s.follow_up_running);
    const int64_t follow_up_ended = s.follow_up_met + s.follow_up_breached;
    resp->set_followed_up_within_promise(
        follow_up_ended > 0 ? static_cast<double>(s.follow_up_met) / static_cast<double>(follow_up_ended) : 0.0);
    resp->set_version(std::string(BuildVersion()));
    return absl::OkStatus();
  });
}

grpc::Status EscalationApi::ListBreaches(grpc::ServerContext* ctx, const v1::ListBreachesRequest* req,
                                         v1::ListBreachesResponse* resp) {
  return edge_.Serve(ctx, *req, [&](const auth::Grant& caller) -> absl::Status {
    PARLEY_ASSIGN_OR_RETURN(std::string school_id, api::ParseSchool(req->parent(), "parent"));
    // The figure's matters, as the figure: the whole school or nothing.
    PARLEY_RETURN_IF_ERROR(caller.AtLeast(school_id, auth::Reach::kSchool).status());
    // The list names enquiries, safeguarding ones among them. Every role that reads the figures
    // reads the school's enquiries whole today (common/auth/access.cc); should that change, a
    // caller who may not see every enquiry is refused rather than shown what its scope hides.
    PARLEY_RETURN_IF_ERROR(auth::Grant(caller.principal(), {auth::Resource::kEnquiry, auth::Verb::kRead})
                               .AtLeast(school_id, auth::Reach::kSchool)
                               .status());
    if (!req->has_start_time()) return InvalidArgument(reason::kInvalidField, "start_time is required");
    if (!req->has_end_time()) return InvalidArgument(reason::kInvalidField, "end_time is required");
    BreachFilter filter;
    filter.start = FromTimestamp(req->start_time());
    filter.end = FromTimestamp(req->end_time());
    if (filter.end <= filter.start) return InvalidArgument(reason::kInvalidField, "end_time must be after start_time");
    if (req->channel() != v1::CHANNEL_UNSPECIFIED) filter.channel = static_cast<Channel>(req->channel());
    filter.category = req->category();
    PARLEY_ASSIGN_OR_RETURN(api::PageRequest page, api::ParsePage(*req, kPageLimits));
    PARLEY_ASSIGN_OR_RETURN(BreachPosition after, BreachPositionOf(page));
    PARLEY_ASSIGN_OR_RETURN(BreachPage result, enquiries_->ListBreaches(school_id, filter, after, page.size));
    for (const BreachRecord& b : result.items) *resp->add_breaches() = ToProto(b, school_id);
    resp->set_next_page_token(api::NextPageToken(*req, BreachToPosition(result.next)));
    return absl::OkStatus();
  });
}

// ---- staff actions -----------------------------------------------------------------------------

grpc::Status EscalationApi::Act(grpc::ServerContext* ctx, const char* method, const google::protobuf::Message& req,
                                const std::string& name, const std::string& etag, ActionInput input, v1::Enquiry* resp,
                                const std::function<absl::Status(const std::string& school_id)>& check) {
  return edge_.Serve(ctx, req, [&](const auth::Grant& caller) -> absl::Status {
    PARLEY_ASSIGN_OR_RETURN(auto id, ParseEnquiryName(name, "name"));
    // A teacher (reach kOwn) acts only on what they own now; others of theirs are not found.
    PARLEY_ASSIGN_OR_RETURN(EnquiryScope scope, ScopeAt(caller, id.first));
    if (GuardianView(scope)) return RoleRequired();  // no rule lets a guardian act; never reached
    PARLEY_ASSIGN_OR_RETURN(RequestKey key, api::RequestKeyFor(caller, kService, method, req));
    if (check) PARLEY_RETURN_IF_ERROR(check(id.first));
    input.actor = caller.subject();
    return api::DecodeResponse(enquiries_->Act(key, id.first, id.second, etag, input, Encode, scope), resp);
  });
}

grpc::Status EscalationApi::AcknowledgeEnquiry(grpc::ServerContext* ctx, const v1::AcknowledgeEnquiryRequest* req,
                                               v1::Enquiry* resp) {
  ActionInput input;
  input.kind = ActionInput::Kind::kAcknowledge;
  if (req->has_promised_time()) input.promised_at = FromTimestamp(req->promised_time());
  input.reason = req->promise_reason();
  return Act(ctx, "AcknowledgeEnquiry", *req, req->name(), req->etag(), input, resp,
             [&](const std::string&) { return CheckPromiseReason(req->has_promised_time(), req->promise_reason()); });
}

grpc::Status EscalationApi::RecordReply(grpc::ServerContext* ctx, const v1::RecordReplyRequest* req,
                                        v1::Enquiry* resp) {
  // The reply's body_ref is recorded by the school's mail or records system, not here: it is
  // part of the request (and its fingerprint) only.
  ActionInput input;
  input.kind = ActionInput::Kind::kReply;
  return Act(ctx, "RecordReply", *req, req->name(), req->etag(), input, resp);
}

grpc::Status EscalationApi::PauseEnquiry(grpc::ServerContext* ctx, const v1::PauseEnquiryRequest* req,
                                         v1::Enquiry* resp) {
  ActionInput input;
  input.kind = ActionInput::Kind::kPause;
  input.reason = req->reason();
  return Act(ctx, "PauseEnquiry", *req, req->name(), req->etag(), input, resp,
             [&](const std::string&) { return CheckReason(req->reason(), "reason"); });
}

grpc::Status EscalationApi::ResumeEnquiry(grpc::ServerContext* ctx, const v1::ResumeEnquiryRequest* req,
                                          v1::Enquiry* resp) {
  ActionInput input;
  input.kind = ActionInput::Kind::kResume;
  return Act(ctx, "ResumeEnquiry", *req, req->name(), req->etag(), input, resp);
}

grpc::Status EscalationApi::ResolveEnquiry(grpc::ServerContext* ctx, const v1::ResolveEnquiryRequest* req,
                                           v1::Enquiry* resp) {
  ActionInput input;
  input.kind = ActionInput::Kind::kResolve;
  return Act(ctx, "ResolveEnquiry", *req, req->name(), req->etag(), input, resp);
}

grpc::Status EscalationApi::ReopenEnquiry(grpc::ServerContext* ctx, const v1::ReopenEnquiryRequest* req,
                                          v1::Enquiry* resp) {
  ActionInput input;
  input.kind = ActionInput::Kind::kReopen;
  input.reason = req->reason();
  return Act(ctx, "ReopenEnquiry", *req, req->name(), req->etag(), input, resp,
             [&](const std::string&) { return CheckReason(req->reason(), "reason"); });
}

grpc::Status EscalationApi::EscalateEnquiry(grpc::ServerContext* ctx, const v1::EscalateEnquiryRequest* req,
                                            v1::Enquiry* resp) {
  ActionInput input;
  input.kind = ActionInput::Kind::kEscalate;
  input.reason = req->reason();
  input.parent_requested = req->parent_requested();
  return Act(ctx, "EscalateEnquiry", *req, req->name(), req->etag(), input, resp,
             [&](const std::string&) { return CheckReason(req->reason(), "reason"); });
}

grpc::Status EscalationApi::ReassignEnquiry(grpc::ServerContext* ctx, const v1::ReassignEnquiryRequest* req,
                                            v1::Enquiry* resp) {
  ActionInput input;
  input.kind = ActionInput::Kind::kReassign;
  input.reason = req->reason();
  input.new_owner = req->new_owner();
  return Act(ctx, "ReassignEnquiry", *req, req->name(), req->etag(), input, resp,
             [&](const std::string& school_id) -> absl::Status {
               if (req->new_owner().empty()) return InvalidArgument(reason::kInvalidField, "new_owner is required");
               PARLEY_RETURN_IF_ERROR(CheckStaffOf(req->new_owner(), school_id, "new_owner"));
               return CheckReason(req->reason(), "reason");
             });
}

grpc::Status EscalationApi::MarkAbusive(grpc::ServerContext* ctx, const v1::MarkAbusiveRequest* req,
                                        v1::Enquiry* resp) {
  ActionInput input;
  input.kind = ActionInput::Kind::kMarkAbusive;
  return Act(ctx, "MarkAbusive", *req, req->name(), req->etag(), input, resp);
}

grpc::Status EscalationApi::RecordProgress(grpc::ServerContext* ctx, const v1::RecordProgressRequest* req,
                                           v1::Enquiry* resp) {
  ActionInput input;
  input.kind = ActionInput::Kind::kRecordProgress;
  input.progress = req->progress();
  if (req->has_promised_time()) input.promised_at = FromTimestamp(req->promised_time());
  input.reason = req->promise_reason();
  return Act(ctx, "RecordProgress", *req, req->name(), req->etag(), input, resp,
             [&](const std::string&) { return CheckPromiseReason(req->has_promised_time(), req->promise_reason()); });
}

}  // namespace parley::escalation
