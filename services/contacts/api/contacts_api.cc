#include "services/contacts/api/contacts_api.h"

#include <algorithm>
#include <set>
#include <string>
#include <utility>
#include <vector>

#include "absl/strings/escaping.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_split.h"
#include "common/grpc/api_edge.h"
#include "common/pg/idempotency.h"
#include "common/status/grpc_status.h"
#include "common/status/status_macros.h"
#include "google/protobuf/util/field_mask_util.h"
#include "services/contacts/api/convert.h"
#include "services/contacts/api/resource_names.h"
#include "services/contacts/domain/deadlines.h"
#include "services/contacts/domain/routing.h"

namespace parley::contacts {
namespace {

using google::protobuf::Message;
using google::protobuf::util::FieldMaskUtil;

constexpr int kDefaultPageSize = 50;
constexpr int kMaxPageSize = 500;
constexpr int kMaxBatch = 1000;
constexpr int kMaxPauses = 100;

// Who may do what. Staff read their own schools; trust readers read every school.
absl::Status MayEditPeople(const auth::Principal& p, const std::string& school_id) {
  return auth::RequireAct(p, school_id, {"office", "senior_leader", "trust_admin"});
}
absl::Status MayEditSchoolRules(const auth::Principal& p, const std::string& school_id) {
  return auth::RequireAct(p, school_id, {"senior_leader", "trust_admin"});
}
absl::Status MayAdministerTrust(const auth::Principal& p) { return auth::RequireRole(p, {"trust_admin"}); }

template <typename Proto, typename T>
Encoder<T> EncodeWith(Proto (*to_proto)(const T&)) {
  return [to_proto](const T& value) -> absl::StatusOr<std::string> { return to_proto(value).SerializeAsString(); };
}

absl::Status Decode(const absl::StatusOr<std::string>& bytes, Message* out) {
  if (!bytes.ok()) return bytes.status();
  if (!out->ParseFromString(*bytes)) return absl::InternalError("a stored response could not be read");
  return absl::OkStatus();
}

std::string EmptyResponse() { return google::protobuf::Empty().SerializeAsString(); }

// Pages are keyed by the last id returned, so concurrent inserts never shift a page.
struct Page {
  int size = kDefaultPageSize;
  std::string after;
};

absl::StatusOr<Page> ParsePage(int32_t page_size, const std::string& token) {
  Page page;
  if (page_size < 0) return InvalidArgument("INVALID_FIELD", "page_size must not be negative");
  if (page_size > 0) page.size = std::min(page_size, kMaxPageSize);
  if (!token.empty()) {
    std::string decoded;
    if (!absl::WebSafeBase64Unescape(token, &decoded) || decoded.rfind("after:", 0) != 0) {
      return InvalidArgument("INVALID_PAGE_TOKEN", "page_token is not one this service issued");
    }
    page.after = decoded.substr(6);
  }
  return page;
}

std::string NextToken(const std::string& last_key) {
  return absl::WebSafeBase64Escape(absl::StrCat("after:", last_key));
}

// Walks `items` (ordered by key) after the page's key, keeping those `keep` accepts.
template <typename Map, typename Keep, typename Emit>
std::string Paginate(const Map& items, const Page& page, Keep keep, Emit emit) {
  int emitted = 0;
  const typename Map::key_type* last_emitted = nullptr;
  for (auto it = page.after.empty() ? items.begin() : items.upper_bound(page.after); it != items.end(); ++it) {
    if (!keep(it->second)) continue;
    // A full page and at least one more match: the next page starts after the last one emitted.
    if (emitted == page.size) return NextToken(*last_emitted);
    emit(it->second);
    last_emitted = &it->first;
    ++emitted;
  }
  return "";
}

template <typename Msg>
absl::StatusOr<Msg> ApplyMask(const Msg& current, const Msg& patch, const google::protobuf::FieldMask& mask,
                              const std::set<std::string>& updatable) {
  if (mask.paths_size() == 0) {
    return InvalidArgument("UPDATE_MASK_REQUIRED", absl::StrCat("update_mask is required: name the fields to change (",
                                                                absl::StrJoin(updatable, ", "), ")"));
  }
  for (const std::string& path : mask.paths()) {
    std::string top = std::string(absl::StrSplit(path, '.').begin()->data(),
                                  path.find('.') == std::string::npos ? path.size() : path.find('.'));
    if (updatable.count(top) == 0) {
      return InvalidArgument(
          "FIELD_NOT_UPDATABLE",
          absl::StrCat("field \"", path, "\" cannot be updated; updatable: ", absl::StrJoin(updatable, ", ")));
    }
  }
  FieldMaskUtil::MergeOptions options;
  options.set_replace_message_fields(true);
  options.set_replace_repeated_fields(true);
  Msg merged = current;
  FieldMaskUtil::MergeMessageTo(patch, mask, options, &merged);
  return merged;
}

absl::Time FromTimestamp(const google::protobuf::Timestamp& ts) {
  return absl::FromUnixSeconds(ts.seconds()) + absl::Nanoseconds(ts.nanos());
}

void ToTimestamp(absl::Time t, google::protobuf::Timestamp* ts) {
  const int64_t nanos = absl::ToUnixNanos(t);
  ts->set_seconds(static_cast<int64_t>(absl::ToUnixSeconds(t)));
  ts->set_nanos(static_cast<int32_t>(nanos - ts->seconds() * 1'000'000'000));
}

absl::Status ValidTimestamp(const google::protobuf::Timestamp& ts, const std::string& field) {
  // 0001-01-01 .. 9999-12-31, as google.protobuf.Timestamp defines.
  if (ts.seconds() < -62135596800 || ts.seconds() > 253402300799 || ts.nanos() < 0 || ts.nanos() > 999999999) {
    return InvalidArgument("INVALID_FIELD", absl::StrCat(field, " is not a valid timestamp"));
  }
  return absl::OkStatus();
}

v1::Recipient RecipientToProto(const std::string& school_id, const Recipient& r) {
  v1::Recipient out;
  if (r.kind == Recipient::Kind::kStaff) {
    out.set_staff(StaffName(school_id, r.id));
  } else {
    out.set_external_contact(r.id);
  }
  out.set_display_name(r.display_name);
  out.set_role(r.role);
  return out;
}

v1::ExplanationStepKind StepKindToProto(calendar::Step::Kind kind) {
  switch (kind) {
    case calendar::Step::Kind::kReceived:
      return v1::EXPLANATION_STEP_KIND_RECEIVED;
    case calendar::Step::Kind::kClockStart:
      return v1::EXPLANATION_STEP_KIND_CLOCK_START;
    case calendar::Step::Kind::kSkipped:
      return v1::EXPLANATION_STEP_KIND_SKIPPED;
    case calendar::Step::Kind::kCounted:
      return v1::EXPLANATION_STEP_KIND_COUNTED;
    case calendar::Step::Kind::kPause:
      return v1::EXPLANATION_STEP_KIND_PAUSE;
    case calendar::Step::Kind::kDue:
      return v1::EXPLANATION_STEP_KIND_DUE;
  }
  return v1::EXPLANATION_STEP_KIND_UNSPECIFIED;
}

std::string DayString(absl::CivilDay day) { return absl::FormatCivilTime(day); }

// Shape checks and domain query for one ComputeDeadline request.
absl::StatusOr<DeadlineQuery> DeadlineQueryFromProto(const v1::ComputeDeadlineRequest& req, bool explain) {
  DeadlineQuery q;
  PARLEY_ASSIGN_OR_RETURN(q.school_id, ParseSchoolName(req.school()));
  q.safeguarding = req.safeguarding();
  q.category = req.category();
  if (!v1::Channel_IsValid(req.channel()) || !v1::Stage_IsValid(req.stage())) {
    return InvalidArgument("INVALID_FIELD", "channel or stage is not one this API defines");
  }
  if (!q.safeguarding) {
    if (req.channel() == v1::CHANNEL_UNSPECIFIED) return InvalidArgument("INVALID_FIELD", "channel is required");
    if (req.stage() == v1::STAGE_UNSPECIFIED) return InvalidArgument("INVALID_FIELD", "stage is required");
  }
  q.channel = ChannelFromProto(req.channel());
  q.stage = StageFromProto(req.stage());
  if (!req.has_received_time()) return InvalidArgument("INVALID_FIELD", "received_time is required");
  PARLEY_RETURN_IF_ERROR(ValidTimestamp(req.received_time(), "received_time"));
  q.received = FromTimestamp(req.received_time());
  if (!req.owner().empty()) {
    PARLEY_ASSIGN_OR_RETURN(auto owner, ParseStaffName(req.owner()));
    if (owner.first != q.school_id) {
      return InvalidArgument("CROSS_SCHOOL_REFERENCE", "owner must be a member of staff of the same school");
    }
    q.owner_id = owner.second;
  }
  if (req.pauses_size() > kMaxPauses) {
    return InvalidArgument("INVALID_FIELD", absl::StrCat("at most ", kMaxPauses, " pauses"));
  }
  for (int i = 0; i < req.pauses_size(); ++i) {
    const v1::Pause& p = req.pauses(i);
    const std::string where = absl::StrCat("pauses[", i, "]");
    if (!p.has_start_time()) return InvalidArgument("INVALID_FIELD", absl::StrCat(where, ".start_time is required"));
    PARLEY_RETURN_IF_ERROR(ValidTimestamp(p.start_time(), where + ".start_time"));
    calendar::Pause pause{FromTimestamp(p.start_time()), std::nullopt};
    if (p.has_end_time()) {
      PARLEY_RETURN_IF_ERROR(ValidTimestamp(p.end_time(), where + ".end_time"));
      pause.end = FromTimestamp(p.end_time());
      if (*pause.end < pause.start) {
        return InvalidArgument("INVALID_FIELD", absl::StrCat(where, " ends before it starts"));
      }
    }
    q.pauses.push_back(pause);
  }
  q.explain = explain;
  return q;
}

v1::ComputeDeadlineResponse DeadlineToProto(const DeadlineAnswer& a) {
  v1::ComputeDeadlineResponse out;
  ToTimestamp(a.deadline.clock_start, out.mutable_clock_start_time());
  if (a.deadline.due) ToTimestamp(*a.deadline.due, out.mutable_due_time());
  *out.mutable_budget() = BudgetToProto(a.budget);
  out.set_clock_calendar(a.clock_calendar == ClockCalendar::kOwner ? v1::CLOCK_CALENDAR_OWNER
                                                                   : v1::CLOCK_CALENDAR_SCHOOL);
  out.set_calendar_version(a.calendar_version);
  out.set_policy_version(a.policy_version);
  out.set_policy_text(a.policy_text);
  out.set_time_zone(a.time_zone);
  for (const calendar::Step& step : a.deadline.steps) {
    v1::ExplanationStep* s = out.mutable_explanation()->add_steps();
    s->set_kind(StepKindToProto(step.kind));
    if (step.time != absl::InfinitePast()) ToTimestamp(step.time, s->mutable_time());
    if (step.kind == calendar::Step::Kind::kSkipped || step.kind == calendar::Step::Kind::kCounted) {
      s->set_first_date(DayString(step.first));
      s->set_last_date(DayString(step.last));
    }
    s->set_reason(step.reason);
  }
  if (!a.summary.empty()) out.mutable_explanation()->set_summary(a.summary);
  return out;
}

bool MayReadGuardian(const auth::Principal& p, const Guardian& g) {
  if (p.HasRole("guardian") && p.subject == GuardianName(g.id)) return true;
  return std::any_of(g.pupils.begin(), g.pupils.end(), [&](const PupilLink& l) { return p.CanRead(l.school_id); });
}

absl::Status MayEditGuardianLinks(const auth::Principal& p, const Guardian& g) {
  std::set<std::string> schools;
  for (const PupilLink& l : g.pupils) schools.insert(l.school_id);
  if (schools.empty()) return InvalidArgument("INVALID_FIELD", "a guardian must be linked to at least one pupil");
  for (const std::string& school : schools) PARLEY_RETURN_IF_ERROR(MayEditPeople(p, school));
  return absl::OkStatus();
}

}  // namespace

#define PARLEY_AUTHENTICATE(ctx, principal)                                         \
  absl::StatusOr<auth::Principal> principal##_or = verifier_->Authenticate(*(ctx)); \
  if (!principal##_or.ok()) return ToGrpcStatus(principal##_or.status(), ctx);      \
  const auth::Principal& principal = *principal##_or

#define PARLEY_GRPC_RETURN_IF_ERROR(ctx, expr)                                  \
  do {                                                                          \
    ::absl::Status parley_api_status_ = (expr);                                 \
    if (!parley_api_status_.ok()) return ToGrpcStatus(parley_api_status_, ctx); \
  } while (false)

#define PARLEY_GRPC_ASSIGN_OR_RETURN(ctx, lhs, expr)                                    \
  auto PARLEY_STATUS_CONCAT_(parley_api_or_, __LINE__) = (expr);                        \
  if (!PARLEY_STATUS_CONCAT_(parley_api_or_, __LINE__).ok())                            \
    return ToGrpcStatus(PARLEY_STATUS_CONCAT_(parley_api_or_, __LINE__).status(), ctx); \
  lhs = std::move(PARLEY_STATUS_CONCAT_(parley_api_or_, __LINE__)).value()

grpc::Status ContactsApi::GetTrust(grpc::ServerContext* ctx, const v1::GetTrustRequest*, v1::Trust* resp) {
  PARLEY_AUTHENTICATE(ctx, principal);
  (void)principal;
  *resp = TrustToProto(directory_->snapshot()->directory().trust);
  return grpc::Status::OK;
}

grpc::Status ContactsApi::GetSchool(grpc::ServerContext* ctx, const v1::GetSchoolRequest* req, v1::School* resp) {
  PARLEY_AUTHENTICATE(ctx, principal);
  PARLEY_GRPC_ASSIGN_OR_RETURN(ctx, std::string school_id, ParseSchoolName(req->name()));
  PARLEY_GRPC_RETURN_IF_ERROR(ctx, auth::RequireRead(principal, school_id));
  auto snap = directory_->snapshot();
  const SchoolDirectory* sd = snap->FindSchool(school_id);
  if (sd == nullptr) {
    return ToGrpcStatus(NotFound("SCHOOL_NOT_FOUND", absl::StrCat("school ", school_id, " does not exist")), ctx);
  }
  *resp = SchoolToProto(sd->school);
  return grpc::Status::OK;
}

grpc::Status ContactsApi::ListSchools(grpc::ServerContext* ctx, const v1::ListSchoolsRequest* req,
                                      v1::ListSchoolsResponse* resp) {
  PARLEY_AUTHENTICATE(ctx, principal);
  PARLEY_GRPC_ASSIGN_OR_RETURN(ctx, Page page, ParsePage(req->page_size(), req->page_token()));
  auto snap = directory_->snapshot();
  resp->set_next_page_token(Paginate(
      snap->directory().schools, page, [&](const SchoolDirectory& sd) { return principal.CanRead(sd.school.id); },
      [&](const SchoolDirectory& sd) { *resp->add_schools() = SchoolToProto(sd.school); }));
  return grpc::Status::OK;
}

grpc::Status ContactsApi::CreateSchool(grpc::ServerContext* ctx, const v1::CreateSchoolRequest* req, v1::School* resp) {
  PARLEY_AUTHENTICATE(ctx, principal);
  PARLEY_GRPC_RETURN_IF_ERROR(ctx, MayAdministerTrust(principal));
  PARLEY_GRPC_RETURN_IF_ERROR(ctx, ValidateId(req->school_id(), "school_id"));
  PARLEY_GRPC_ASSIGN_OR_RETURN(ctx, RequestKey key,
                               api::RequestKeyFor("contacts", "CreateSchool", *req, req->request_id()));
  PARLEY_GRPC_ASSIGN_OR_RETURN(ctx, School school, SchoolFromProto(req->school(), req->school_id()));
  return ToGrpcStatus(Decode(directory_->CreateSchool(key, std::move(school), EncodeWith(&SchoolToProto)), resp), ctx);
}

grpc::Status ContactsApi::UpdateSchool(grpc::ServerContext* ctx, const v1::UpdateSchoolRequest* req, v1::School* resp) {
  PARLEY_AUTHENTICATE(ctx, principal);
  PARLEY_GRPC_ASSIGN_OR_RETURN(ctx, std::string school_id, ParseSchoolName(req->school().name()));
  PARLEY_GRPC_RETURN_IF_ERROR(ctx, MayEditSchoolRules(principal, school_id));
  PARLEY_GRPC_ASSIGN_OR_RETURN(ctx, RequestKey key,
                               api::RequestKeyFor("contacts", "UpdateSchool", *req, req->request_id()));
  static const std::set<std::string> kUpdatable = {"display_name", "phase",  "default_locale",
                                                   "calendar",     "policy", "external_contacts"};
  Updater<School> update = [&](const School& current) -> absl::StatusOr<School> {
    PARLEY_ASSIGN_OR_RETURN(v1::School merged,
                            ApplyMask(SchoolToProto(current), req->school(), req->update_mask(), kUpdatable));
    return SchoolFromProto(merged, school_id);
  };
  return ToGrpcStatus(
      Decode(directory_->UpdateSchool(key, school_id, req->school().etag(), update, EncodeWith(&SchoolToProto)), resp),
      ctx);
}

grpc::Status ContactsApi::GetStaff(grpc::ServerContext* ctx, const v1::GetStaffRequest* req, v1::Staff* resp) {
  PARLEY_AUTHENTICATE(ctx, principal);
  PARLEY_GRPC_ASSIGN_OR_RETURN(ctx, auto id, ParseStaffName(req->name()));
  PARLEY_GRPC_RETURN_IF_ERROR(ctx, auth::RequireRead(principal, id.first));
  auto snap = directory_->snapshot();
  const Staff* staff = snap->FindStaff(id.first, id.second);
  if (staff == nullptr) {
    return ToGrpcStatus(NotFound("STAFF_NOT_FOUND", absl::StrCat("staff ", req->name(), " does not exist")), ctx);
  }
  *resp = StaffToProto(*staff);
  return grpc::Status::OK;
}

grpc::Status ContactsApi::ListStaff(grpc::ServerContext* ctx, const v1::ListStaffRequest* req,
                                    v1::ListStaffResponse* resp) {
  PARLEY_AUTHENTICATE(ctx, principal);
  PARLEY_GRPC_ASSIGN_OR_RETURN(ctx, std::string school_id, ParseSchoolName(req->parent()));
  PARLEY_GRPC_RETURN_IF_ERROR(ctx, auth::RequireRead(principal, school_id));
  PARLEY_GRPC_ASSIGN_OR_RETURN(ctx, Page page, ParsePage(req->page_size(), req->page_token()));
  auto snap = directory_->snapshot();
  const SchoolDirectory* sd = snap->FindSchool(school_id);
  if (sd == nullptr) {
    return ToGrpcStatus(NotFound("SCHOOL_NOT_FOUND", absl::StrCat("school ", school_id, " does not exist")), ctx);
  }
  resp->set_next_page_token(Paginate(
      sd->staff, page, [&](const Staff& s) { return req->role().empty() || s.HasRole(req->role()); },
      [&](const Staff& s) { *resp->add_staff() = StaffToProto(s); }));
  return grpc::Status::OK;
}

grpc::Status ContactsApi::CreateStaff(grpc::ServerContext* ctx, const v1::CreateStaffRequest* req, v1::Staff* resp) {
  PARLEY_AUTHENTICATE(ctx, principal);
  PARLEY_GRPC_ASSIGN_OR_RETURN(ctx, std::string school_id, ParseSchoolName(req->parent()));
  PARLEY_GRPC_RETURN_IF_ERROR(ctx, MayEditPeople(principal, school_id));
  PARLEY_GRPC_RETURN_IF_ERROR(ctx, ValidateId(req->staff_id(), "staff_id"));
  PARLEY_GRPC_ASSIGN_OR_RETURN(ctx, RequestKey key,
                               api::RequestKeyFor("contacts", "CreateStaff", *req, req->request_id()));
  PARLEY_GRPC_ASSIGN_OR_RETURN(ctx, Staff staff, StaffFromProto(req->staff(), school_id, req->staff_id()));
  return ToGrpcStatus(Decode(directory_->CreateStaff(key, std::move(staff), EncodeWith(&StaffToProto)), resp), ctx);
}

grpc::Status ContactsApi::UpdateStaff(grpc::ServerContext* ctx, const v1::UpdateStaffRequest* req, v1::Staff* resp) {
  PARLEY_AUTHENTICATE(ctx, principal);
  PARLEY_GRPC_ASSIGN_OR_RETURN(ctx, auto id, ParseStaffName(req->staff().name()));
  PARLEY_GRPC_RETURN_IF_ERROR(ctx, MayEditPeople(principal, id.first));
  PARLEY_GRPC_ASSIGN_OR_RETURN(ctx, RequestKey key,
                               api::RequestKeyFor("contacts", "UpdateStaff", *req, req->request_id()));
  static const std::set<std::string> kUpdatable = {"display_name", "roles",           "subjects", "year_groups",
                                                   "line_manager", "working_pattern", "email"};
  Updater<Staff> update = [&](const Staff& current) -> absl::StatusOr<Staff> {
    PARLEY_ASSIGN_OR_RETURN(v1::Staff merged,
                            ApplyMask(StaffToProto(current), req->staff(), req->update_mask(), kUpdatable));
    return StaffFromProto(merged, id.first, id.second);
  };
  return ToGrpcStatus(
      Decode(directory_->UpdateStaff(key, id, req->staff().etag(), update, EncodeWith(&StaffToProto)), resp), ctx);
}

grpc::Status ContactsApi::DeleteStaff(grpc::ServerContext* ctx, const v1::DeleteStaffRequest* req,
                                      google::protobuf::Empty* resp) {
  PARLEY_AUTHENTICATE(ctx, principal);
  PARLEY_GRPC_ASSIGN_OR_RETURN(ctx, auto id, ParseStaffName(req->name()));
  PARLEY_GRPC_RETURN_IF_ERROR(ctx, MayEditPeople(principal, id.first));
  PARLEY_GRPC_ASSIGN_OR_RETURN(ctx, RequestKey key,
                               api::RequestKeyFor("contacts", "DeleteStaff", *req, req->request_id()));
  return ToGrpcStatus(Decode(directory_->DeleteStaff(key, id, req->etag(), EmptyResponse()), resp), ctx);
}

grpc::Status ContactsApi::GetPupil(grpc::ServerContext* ctx, const v1::GetPupilRequest* req, v1::Pupil* resp) {
  PARLEY_AUTHENTICATE(ctx, principal);
  PARLEY_GRPC_ASSIGN_OR_RETURN(ctx, auto id, ParsePupilName(req->name()));
  PARLEY_GRPC_RETURN_IF_ERROR(ctx, auth::RequireRead(principal, id.first));
  auto snap = directory_->snapshot();
  const Pupil* pupil = snap->FindPupil(id.first, id.second);
  if (pupil == nullptr) {
    return ToGrpcStatus(NotFound("PUPIL_NOT_FOUND", absl::StrCat("pupil ", req->name(), " does not exist")), ctx);
  }
  *resp = PupilToProto(*pupil);
  return grpc::Status::OK;
}

grpc::Status ContactsApi::ListPupils(grpc::ServerContext* ctx, const v1::ListPupilsRequest* req,
                                     v1::ListPupilsResponse* resp) {
  PARLEY_AUTHENTICATE(ctx, principal);
  PARLEY_GRPC_ASSIGN_OR_RETURN(ctx, std::string school_id, ParseSchoolName(req->parent()));
  PARLEY_GRPC_RETURN_IF_ERROR(ctx, auth::RequireRead(principal, school_id));
  PARLEY_GRPC_ASSIGN_OR_RETURN(ctx, Page page, ParsePage(req->page_size(), req->page_token()));
  auto snap = directory_->snapshot();
  const SchoolDirectory* sd = snap->FindSchool(school_id);
  if (sd == nullptr) {
    return ToGrpcStatus(NotFound("SCHOOL_NOT_FOUND", absl::StrCat("school ", school_id, " does not exist")), ctx);
  }
  resp->set_next_page_token(Paginate(
      sd->pupils, page, [&](const Pupil& p) { return req->class_name().empty() || p.class_name == req->class_name(); },
      [&](const Pupil& p) { *resp->add_pupils() = PupilToProto(p); }));
  return grpc::Status::OK;
}

grpc::Status ContactsApi::CreatePupil(grpc::ServerContext* ctx, const v1::CreatePupilRequest* req, v1::Pupil* resp) {
  PARLEY_AUTHENTICATE(ctx, principal);
  PARLEY_GRPC_ASSIGN_OR_RETURN(ctx, std::string school_id, ParseSchoolName(req->parent()));
  PARLEY_GRPC_RETURN_IF_ERROR(ctx, MayEditPeople(principal, school_id));
  PARLEY_GRPC_RETURN_IF_ERROR(ctx, ValidateId(req->pupil_id(), "pupil_id"));
  PARLEY_GRPC_ASSIGN_OR_RETURN(ctx, RequestKey key,
                               api::RequestKeyFor("contacts", "CreatePupil", *req, req->request_id()));
  PARLEY_GRPC_ASSIGN_OR_RETURN(ctx, Pupil pupil, PupilFromProto(req->pupil(), school_id, req->pupil_id()));
  return ToGrpcStatus(Decode(directory_->CreatePupil(key, std::move(pupil), EncodeWith(&PupilToProto)), resp), ctx);
}

grpc::Status ContactsApi::UpdatePupil(grpc::ServerContext* ctx, const v1::UpdatePupilRequest* req, v1::Pupil* resp) {
  PARLEY_AUTHENTICATE(ctx, principal);
  PARLEY_GRPC_ASSIGN_OR_RETURN(ctx, auto id, ParsePupilName(req->pupil().name()));
  PARLEY_GRPC_RETURN_IF_ERROR(ctx, MayEditPeople(principal, id.first));
  PARLEY_GRPC_ASSIGN_OR_RETURN(ctx, RequestKey key,
                               api::RequestKeyFor("contacts", "UpdatePupil", *req, req->request_id()));
  static const std::set<std::string> kUpdatable = {"given_name",    "family_name", "year_group",       "class_name",
                                                   "class_teacher", "form_tutor",  "subject_teachers", "send"};
  Updater<Pupil> update = [&](const Pupil& current) -> absl::StatusOr<Pupil> {
    PARLEY_ASSIGN_OR_RETURN(v1::Pupil merged,
                            ApplyMask(PupilToProto(current), req->pupil(), req->update_mask(), kUpdatable));
    return PupilFromProto(merged, id.first, id.second);
  };
  return ToGrpcStatus(
      Decode(directory_->UpdatePupil(key, id, req->pupil().etag(), update, EncodeWith(&PupilToProto)), resp), ctx);
}

grpc::Status ContactsApi::DeletePupil(grpc::ServerContext* ctx, const v1::DeletePupilRequest* req,
                                      google::protobuf::Empty* resp) {
  PARLEY_AUTHENTICATE(ctx, principal);
  PARLEY_GRPC_ASSIGN_OR_RETURN(ctx, auto id, ParsePupilName(req->name()));
  PARLEY_GRPC_RETURN_IF_ERROR(ctx, MayEditPeople(principal, id.first));
  PARLEY_GRPC_ASSIGN_OR_RETURN(ctx, RequestKey key,
                               api::RequestKeyFor("contacts", "DeletePupil", *req, req->request_id()));
  return ToGrpcStatus(Decode(directory_->DeletePupil(key, id, req->etag(), EmptyResponse()), resp), ctx);
}

grpc::Status ContactsApi::GetGuardian(grpc::ServerContext* ctx, const v1::GetGuardianRequest* req, v1::Guardian* resp) {
  PARLEY_AUTHENTICATE(ctx, principal);
  PARLEY_GRPC_ASSIGN_OR_RETURN(ctx, std::string id, ParseGuardianName(req->name()));
  auto snap = directory_->snapshot();
  const Guardian* guardian = snap->FindGuardian(id);
  // Guardians belong to no one school, so tenancy cannot be checked before existence. Instead a
  // caller who may not read every school gets the same answer for a guardian of another school
  // and for one that does not exist, so ids of other schools' families cannot be probed.
  if (guardian == nullptr && principal.TrustWideRead()) {
    return ToGrpcStatus(NotFound("GUARDIAN_NOT_FOUND", absl::StrCat("guardian ", req->name(), " does not exist")), ctx);
  }
  if (guardian == nullptr || !MayReadGuardian(principal, *guardian)) {
    return ToGrpcStatus(
        PermissionDenied("WRONG_SCHOOL", "no guardian of that name is linked to a school this token acts for"), ctx);
  }
  *resp = GuardianToProto(*guardian);
  return grpc::Status::OK;
}

grpc::Status ContactsApi::ListGuardians(grpc::ServerContext* ctx, const v1::ListGuardiansRequest* req,
                                        v1::ListGuardiansResponse* resp) {
  PARLEY_AUTHENTICATE(ctx, principal);
  if (req->school().empty() == req->pupil().empty()) {
    return ToGrpcStatus(InvalidArgument("INVALID_FIELD", "give exactly one of school or pupil"), ctx);
  }
  std::string school_id;
  std::string pupil_id;
  if (!req->school().empty()) {
    PARLEY_GRPC_ASSIGN_OR_RETURN(ctx, school_id, ParseSchoolName(req->school()));
  } else {
    PARLEY_GRPC_ASSIGN_OR_RETURN(ctx, auto id, ParsePupilName(req->pupil()));
    school_id = id.first;
    pupil_id = id.second;
  }
  PARLEY_GRPC_RETURN_IF_ERROR(ctx, auth::RequireRead(principal, school_id));
  PARLEY_GRPC_ASSIGN_OR_RETURN(ctx, Page page, ParsePage(req->page_size(), req->page_token()));
  auto snap = directory_->snapshot();
  if (snap->FindSchool(school_id) == nullptr) {
    return ToGrpcStatus(NotFound("SCHOOL_NOT_FOUND", absl::StrCat("school ", school_id, " does not exist")), ctx);
  }
  if (!pupil_id.empty() && snap->FindPupil(school_id, pupil_id) == nullptr) {
    return ToGrpcStatus(NotFound("PUPIL_NOT_FOUND", absl::StrCat("pupil ", req->pupil(), " does not exist")), ctx);
  }
  std::map<std::string, const Guardian*> selected;
  for (const Guardian* g :
       pupil_id.empty() ? snap->GuardiansOfSchool(school_id) : snap->GuardiansOfPupil(school_id, pupil_id)) {
    selected[g->id] = g;
  }
  resp->set_next_page_token(Paginate(
      selected, page, [](const Guardian*) { return true; },
      [&](const Guardian* g) { *resp->add_guardians() = GuardianToProto(*g); }));
  return grpc::Status::OK;
}

grpc::Status ContactsApi::CreateGuardian(grpc::ServerContext* ctx, const v1::CreateGuardianRequest* req,
                                         v1::Guardian* resp) {
  PARLEY_AUTHENTICATE(ctx, principal);
  PARLEY_GRPC_RETURN_IF_ERROR(ctx, ValidateId(req->guardian_id(), "guardian_id"));
  PARLEY_GRPC_ASSIGN_OR_RETURN(ctx, Guardian guardian, GuardianFromProto(req->guardian(), req->guardian_id()));
  PARLEY_GRPC_RETURN_IF_ERROR(ctx, MayEditGuardianLinks(principal, guardian));
  PARLEY_GRPC_ASSIGN_OR_RETURN(ctx, RequestKey key,
                               api::RequestKeyFor("contacts", "CreateGuardian", *req, req->request_id()));
  return ToGrpcStatus(Decode(directory_->CreateGuardian(key, std::move(guardian), EncodeWith(&GuardianToProto)), resp),
                      ctx);
}

grpc::Status ContactsApi::UpdateGuardian(grpc::ServerContext* ctx, const v1::UpdateGuardianRequest* req,
                                         v1::Guardian* resp) {
  PARLEY_AUTHENTICATE(ctx, principal);
  PARLEY_GRPC_ASSIGN_OR_RETURN(ctx, std::string id, ParseGuardianName(req->guardian().name()));
  {
    auto snap = directory_->snapshot();
    const Guardian* current = snap->FindGuardian(id);
    if (current != nullptr) PARLEY_GRPC_RETURN_IF_ERROR(ctx, MayEditGuardianLinks(principal, *current));
  }
  PARLEY_GRPC_ASSIGN_OR_RETURN(ctx, RequestKey key,
                               api::RequestKeyFor("contacts", "UpdateGuardian", *req, req->request_id()));
  static const std::set<std::string> kUpdatable = {"given_name",        "family_name",     "contact_points",
                                                   "preferred_channel", "language",        "household",
                                                   "lives_apart",       "separate_copies", "pupils"};
  Updater<Guardian> update = [&](const Guardian& current) -> absl::StatusOr<Guardian> {
    PARLEY_RETURN_IF_ERROR(MayEditGuardianLinks(principal, current));
    PARLEY_ASSIGN_OR_RETURN(v1::Guardian merged,
                            ApplyMask(GuardianToProto(current), req->guardian(), req->update_mask(), kUpdatable));
    PARLEY_ASSIGN_OR_RETURN(Guardian updated, GuardianFromProto(merged, id));
    PARLEY_RETURN_IF_ERROR(MayEditGuardianLinks(principal, updated));
    return updated;
  };
  return ToGrpcStatus(
      Decode(directory_->UpdateGuardian(key, id, req->guardian().etag(), update, EncodeWith(&GuardianToProto)), resp),
      ctx);
}

grpc::Status ContactsApi::DeleteGuardian(grpc::ServerContext* ctx, const v1::DeleteGuardianRequest* req,
                                         google::protobuf::Empty* resp) {
  PARLEY_AUTHENTICATE(ctx, principal);
  PARLEY_GRPC_ASSIGN_OR_RETURN(ctx, std::string id, ParseGuardianName(req->name()));
  {
    auto snap = directory_->snapshot();
    const Guardian* current = snap->FindGuardian(id);
    if (current != nullptr) PARLEY_GRPC_RETURN_IF_ERROR(ctx, MayEditGuardianLinks(principal, *current));
  }
  PARLEY_GRPC_ASSIGN_OR_RETURN(ctx, RequestKey key,
                               api::RequestKeyFor("contacts", "DeleteGuardian", *req, req->request_id()));
  return ToGrpcStatus(Decode(directory_->DeleteGuardian(key, id, req->etag(), EmptyResponse()), resp), ctx);
}

grpc::Status ContactsApi::GetRoutingMatrix(grpc::ServerContext* ctx, const v1::GetRoutingMatrixRequest* req,
                                           v1::RoutingMatrix* resp) {
  PARLEY_AUTHENTICATE(ctx, principal);
  PARLEY_GRPC_ASSIGN_OR_RETURN(ctx, std::string school_id, ParseRoutingMatrixName(req->name()));
  PARLEY_GRPC_RETURN_IF_ERROR(ctx, auth::RequireRead(principal, school_id));
  auto snap = directory_->snapshot();
  const SchoolDirectory* sd = snap->FindSchool(school_id);
  if (sd == nullptr) {
    return ToGrpcStatus(NotFound("SCHOOL_NOT_FOUND", absl::StrCat("school ", school_id, " does not exist")), ctx);
  }
  *resp = RoutingMatrixToProto(sd->routing_matrix);
  return grpc::Status::OK;
}

grpc::Status ContactsApi::UpdateRoutingMatrix(grpc::ServerContext* ctx, const v1::UpdateRoutingMatrixRequest* req,
                                              v1::RoutingMatrix* resp) {
  PARLEY_AUTHENTICATE(ctx, principal);
  PARLEY_GRPC_ASSIGN_OR_RETURN(ctx, std::string school_id, ParseRoutingMatrixName(req->routing_matrix().name()));
  PARLEY_GRPC_RETURN_IF_ERROR(ctx, MayEditSchoolRules(principal, school_id));
  PARLEY_GRPC_ASSIGN_OR_RETURN(ctx, RequestKey key,
                               api::RequestKeyFor("contacts", "UpdateRoutingMatrix", *req, req->request_id()));
  PARLEY_GRPC_ASSIGN_OR_RETURN(ctx, RoutingMatrix matrix, RoutingMatrixFromProto(req->routing_matrix(), school_id));
  matrix.etag = req->routing_matrix().etag();
  return ToGrpcStatus(
      Decode(directory_->UpdateRoutingMatrix(key, std::move(matrix), EncodeWith(&RoutingMatrixToProto)), resp), ctx);
}

grpc::Status ContactsApi::GetLadder(grpc::ServerContext* ctx, const v1::GetLadderRequest* req, v1::Ladder* resp) {
  PARLEY_AUTHENTICATE(ctx, principal);
  PARLEY_GRPC_ASSIGN_OR_RETURN(ctx, auto id, ParseLadderName(req->name()));
  PARLEY_GRPC_RETURN_IF_ERROR(ctx, auth::RequireRead(principal, id.first));
  auto snap = directory_->snapshot();
  const SchoolDirectory* sd = snap->FindSchool(id.first);
  auto it = sd == nullptr ? decltype(sd->ladders.end()){} : sd->ladders.find(id.second);
  if (sd == nullptr || it == sd->ladders.end()) {
    return ToGrpcStatus(NotFound("LADDER_NOT_FOUND", absl::StrCat("ladder ", req->name(), " does not exist")), ctx);
  }
  *resp = LadderToProto(it->second);
  return grpc::Status::OK;
}

grpc::Status ContactsApi::ListLadders(grpc::ServerContext* ctx, const v1::ListLaddersRequest* req,
                                      v1::ListLaddersResponse* resp) {
  PARLEY_AUTHENTICATE(ctx, principal);
  PARLEY_GRPC_ASSIGN_OR_RETURN(ctx, std::string school_id, ParseSchoolName(req->parent()));
  PARLEY_GRPC_RETURN_IF_ERROR(ctx, auth::RequireRead(principal, school_id));
  PARLEY_GRPC_ASSIGN_OR_RETURN(ctx, Page page, ParsePage(req->page_size(), req->page_token()));
  auto snap = directory_->snapshot();
  const SchoolDirectory* sd = snap->FindSchool(school_id);
  if (sd == nullptr) {
    return ToGrpcStatus(NotFound("SCHOOL_NOT_FOUND", absl::StrCat("school ", school_id, " does not exist")), ctx);
  }
  resp->set_next_page_token(Paginate(
      sd->ladders, page, [](const Ladder&) { return true; },
      [&](const Ladder& l) { *resp->add_ladders() = LadderToProto(l); }));
  return grpc::Status::OK;
}

grpc::Status ContactsApi::CreateLadder(grpc::ServerContext* ctx, const v1::CreateLadderRequest* req, v1::Ladder* resp) {
  PARLEY_AUTHENTICATE(ctx, principal);
  PARLEY_GRPC_ASSIGN_OR_RETURN(ctx, std::string school_id, ParseSchoolName(req->parent()));
  PARLEY_GRPC_RETURN_IF_ERROR(ctx, MayEditSchoolRules(principal, school_id));
  PARLEY_GRPC_RETURN_IF_ERROR(ctx, ValidateId(req->ladder_id(), "ladder_id"));
  PARLEY_GRPC_ASSIGN_OR_RETURN(ctx, RequestKey key,
                               api::RequestKeyFor("contacts", "CreateLadder", *req, req->request_id()));
  PARLEY_GRPC_ASSIGN_OR_RETURN(ctx, Ladder ladder, LadderFromProto(req->ladder(), school_id, req->ladder_id()));
  return ToGrpcStatus(Decode(directory_->CreateLadder(key, std::move(ladder), EncodeWith(&LadderToProto)), resp), ctx);
}

grpc::Status ContactsApi::UpdateLadder(grpc::ServerContext* ctx, const v1::UpdateLadderRequest* req, v1::Ladder* resp) {
  PARLEY_AUTHENTICATE(ctx, principal);
  PARLEY_GRPC_ASSIGN_OR_RETURN(ctx, auto id, ParseLadderName(req->ladder().name()));
  PARLEY_GRPC_RETURN_IF_ERROR(ctx, MayEditSchoolRules(principal, id.first));
  PARLEY_GRPC_ASSIGN_OR_RETURN(ctx, RequestKey key,
                               api::RequestKeyFor("contacts", "UpdateLadder", *req, req->request_id()));
  PARLEY_GRPC_ASSIGN_OR_RETURN(ctx, Ladder ladder, LadderFromProto(req->ladder(), id.first, id.second));
  ladder.etag = req->ladder().etag();
  return ToGrpcStatus(Decode(directory_->UpdateLadder(key, std::move(ladder), EncodeWith(&LadderToProto)), resp), ctx);
}

grpc::Status ContactsApi::DeleteLadder(grpc::ServerContext* ctx, const v1::DeleteLadderRequest* req,
                                       google::protobuf::Empty* resp) {
  PARLEY_AUTHENTICATE(ctx, principal);
  PARLEY_GRPC_ASSIGN_OR_RETURN(ctx, auto id, ParseLadderName(req->name()));
  PARLEY_GRPC_RETURN_IF_ERROR(ctx, MayEditSchoolRules(principal, id.first));
  PARLEY_GRPC_ASSIGN_OR_RETURN(ctx, RequestKey key,
                               api::RequestKeyFor("contacts", "DeleteLadder", *req, req->request_id()));
  return ToGrpcStatus(Decode(directory_->DeleteLadder(key, id, req->etag(), EmptyResponse()), resp), ctx);
}

namespace {

absl::StatusOr<RouteQuery> RouteQueryFromProto(const std::string& school, const std::string& pupil,
                                               const std::string& category, v1::Channel channel,
                                               const std::string& subject) {
  RouteQuery q;
  PARLEY_ASSIGN_OR_RETURN(q.school_id, ParseSchoolName(school));
  if (!pupil.empty()) {
    PARLEY_ASSIGN_OR_RETURN(auto id, ParsePupilName(pupil));
    if (id.first != q.school_id) {
      return InvalidArgument("CROSS_SCHOOL_REFERENCE", "the pupil must be on roll at the school named");
    }
    q.pupil_id = id.second;
  }
  if (category.empty()) return InvalidArgument("INVALID_FIELD", "category is required");
  q.category = category;
  q.channel = ChannelFromProto(channel);
  q.subject = subject;
  return q;
}

}  // namespace

grpc::Status ContactsApi::RouteEnquiry(grpc::ServerContext* ctx, const v1::RouteEnquiryRequest* req,
                                       v1::RouteEnquiryResponse* resp) {
  PARLEY_AUTHENTICATE(ctx, principal);
  PARLEY_GRPC_ASSIGN_OR_RETURN(ctx, std::string school_id, ParseSchoolName(req->school()));
  PARLEY_GRPC_RETURN_IF_ERROR(ctx, auth::RequireRead(principal, school_id));
  if (req->channel() == v1::CHANNEL_UNSPECIFIED || !v1::Channel_IsValid(req->channel())) {
    return ToGrpcStatus(InvalidArgument("INVALID_FIELD", "channel is required and must be one this API defines"), ctx);
  }
  PARLEY_GRPC_ASSIGN_OR_RETURN(
      ctx, RouteQuery query,
      RouteQueryFromProto(req->school(), req->pupil(), req->category(), req->channel(), req->subject()));
  auto snap = directory_->snapshot();
  PARLEY_GRPC_ASSIGN_OR_RETURN(ctx, Route route, contacts::RouteEnquiry(*snap, query));
  *resp->mutable_owner() = RecipientToProto(school_id, route.owner);
  resp->set_channel_allowed(route.channel_allowed);
  for (Channel c : route.allowed_channels) resp->add_allowed_channels(ChannelToProto(c));
  resp->set_channel_rule(route.channel_rule);
  if (!route.ladder_id.empty()) resp->set_ladder(LadderName(school_id, route.ladder_id));
  for (const Recipient& r : route.also_notify) *resp->add_also_notify() = RecipientToProto(school_id, r);
  resp->set_safeguarding(route.safeguarding);
  return grpc::Status::OK;
}

grpc::Status ContactsApi::ResolveLadder(grpc::ServerContext* ctx, const v1::ResolveLadderRequest* req,
                                        v1::ResolveLadderResponse* resp) {
  PARLEY_AUTHENTICATE(ctx, principal);
  PARLEY_GRPC_ASSIGN_OR_RETURN(ctx, std::string school_id, ParseSchoolName(req->school()));
  PARLEY_GRPC_RETURN_IF_ERROR(ctx, auth::RequireRead(principal, school_id));
  PARLEY_GRPC_ASSIGN_OR_RETURN(
      ctx, RouteQuery query,
      RouteQueryFromProto(req->school(), req->pupil(), req->category(), v1::CHANNEL_UNSPECIFIED, req->subject()));
  auto snap = directory_->snapshot();
  PARLEY_GRPC_ASSIGN_OR_RETURN(ctx, ResolvedLadder ladder, contacts::ResolveLadder(*snap, query));
  resp->set_ladder(LadderName(school_id, ladder.ladder_id));
  for (size_t i = 0; i < ladder.rungs.size(); ++i) {
    v1::ResolvedRung* rung = resp->add_rungs();
    rung->set_index(static_cast<int32_t>(i));
    rung->set_title(ladder.rungs[i].title);
    *rung->mutable_recipient() = RecipientToProto(school_id, ladder.rungs[i].recipient);
  }
  resp->set_refer_to_complaints_after_top(ladder.refer_to_complaints_after_top);
  resp->set_complaints_procedure_uri(ladder.complaints_procedure_uri);
  return grpc::Status::OK;
}

grpc::Status ContactsApi::ComputeDeadline(grpc::ServerContext* ctx, const v1::ComputeDeadlineRequest* req,
                                          v1::ComputeDeadlineResponse* resp) {
  PARLEY_AUTHENTICATE(ctx, principal);
  PARLEY_GRPC_ASSIGN_OR_RETURN(ctx, std::string school_id, ParseSchoolName(req->school()));
  PARLEY_GRPC_RETURN_IF_ERROR(ctx, auth::RequireRead(principal, school_id));
  PARLEY_GRPC_ASSIGN_OR_RETURN(ctx, DeadlineQuery query, DeadlineQueryFromProto(*req, /*explain=*/true));
  auto snap = directory_->snapshot();
  PARLEY_GRPC_ASSIGN_OR_RETURN(ctx, DeadlineAnswer answer, contacts::ComputeDeadline(*snap, query));
  *resp = DeadlineToProto(answer);
  return grpc::Status::OK;
}

grpc::Status ContactsApi::BatchComputeDeadlines(grpc::ServerContext* ctx, const v1::BatchComputeDeadlinesRequest* req,
                                                v1::BatchComputeDeadlinesResponse* resp) {
  PARLEY_AUTHENTICATE(ctx, principal);
  if (req->requests_size() == 0 || req->requests_size() > kMaxBatch) {
    return ToGrpcStatus(InvalidArgument("INVALID_FIELD", absl::StrCat("send 1 to ", kMaxBatch, " requests")), ctx);
  }
  auto snap = directory_->snapshot();
  for (const v1::ComputeDeadlineRequest& one : req->requests()) {
    v1::DeadlineResult* result = resp->add_results();
    absl::StatusOr<DeadlineAnswer> answer = [&]() -> absl::StatusOr<DeadlineAnswer> {
      PARLEY_ASSIGN_OR_RETURN(std::string school_id, ParseSchoolName(one.school()));
      PARLEY_RETURN_IF_ERROR(auth::RequireRead(principal, school_id));
      PARLEY_ASSIGN_OR_RETURN(DeadlineQuery query, DeadlineQueryFromProto(one, !req->omit_explanations()));
      return contacts::ComputeDeadline(*snap, query);
    }();
    if (answer.ok()) {
      *result->mutable_deadline() = DeadlineToProto(*answer);
    } else {
      result->mutable_error()->set_code(static_cast<int32_t>(answer.status().code()));
      result->mutable_error()->set_message(std::string(answer.status().message()));
    }
  }
  return grpc::Status::OK;
}

grpc::Status ContactsApi::ListWorkingPeriods(grpc::ServerContext* ctx, const v1::ListWorkingPeriodsRequest* req,
                                             v1::ListWorkingPeriodsResponse* resp) {
  PARLEY_AUTHENTICATE(ctx, principal);
  PARLEY_GRPC_ASSIGN_OR_RETURN(ctx, std::string school_id, ParseSchoolName(req->school()));
  PARLEY_GRPC_RETURN_IF_ERROR(ctx, auth::RequireRead(principal, school_id));
  if (!req->has_start_time() || !req->has_end_time()) {
    return ToGrpcStatus(InvalidArgument("INVALID_FIELD", "start_time and end_time are required"), ctx);
  }
  const absl::Time start = FromTimestamp(req->start_time()), end = FromTimestamp(req->end_time());
  if (end <= start || end - start > absl::Hours(24 * 92)) {
    return ToGrpcStatus(InvalidArgument("INVALID_FIELD", "end_time must be after start_time and at most 92 days later"),
                        ctx);
  }
  auto snap = directory_->snapshot();
  if (snap->FindSchool(school_id) == nullptr) {
    return ToGrpcStatus(NotFound("SCHOOL_NOT_FOUND", absl::StrCat("school ", req->school(), " does not exist")), ctx);
  }
  std::shared_ptr<const calendar::Calendar> cal = snap->SchoolCalendarOf(school_id);
  if (!req->staff().empty()) {
    PARLEY_GRPC_ASSIGN_OR_RETURN(ctx, auto staff, ParseStaffName(req->staff()));
    if (staff.first != school_id) {
      return ToGrpcStatus(InvalidArgument("INVALID_FIELD", "staff must be a member of the same school"), ctx);
    }
    if (snap->FindStaff(staff.first, staff.second) == nullptr) {
      return ToGrpcStatus(NotFound("STAFF_NOT_FOUND", absl::StrCat("staff ", req->staff(), " does not exist")), ctx);
    }
    cal = snap->OwnerCalendarOf(staff.first, staff.second);
  }
  for (absl::Time t = start; t < end;) {
    absl::StatusOr<std::pair<absl::Time, absl::Time>> period = cal->PeriodAtOrAfter(t);
    if (!period.ok() || period->first >= end) break;  // no more terms entered, or past the range
    v1::WorkingPeriod* out = resp->add_periods();
    ToTimestamp(period->first, out->mutable_start_time());
    ToTimestamp(period->second, out->mutable_end_time());
    out->set_date(absl::FormatCivilTime(absl::ToCivilDay(period->first, cal->zone())));
    t = period->second;
  }
  resp->set_calendar_version(cal->Fingerprint());
  return grpc::Status::OK;
}

grpc::Status ContactsApi::ImportTrust(grpc::ServerContext* ctx, const v1::ImportTrustRequest* req,
                                      grpc::ServerWriter<v1::ImportTrustResponse>* writer) {
  PARLEY_AUTHENTICATE(ctx, principal);
  PARLEY_GRPC_RETURN_IF_ERROR(ctx, MayAdministerTrust(principal));
  PARLEY_GRPC_ASSIGN_OR_RETURN(ctx, RequestKey key,
                               api::RequestKeyFor("contacts", "ImportTrust", *req, req->request_id()));
  PARLEY_GRPC_ASSIGN_OR_RETURN(ctx, Directory document, DirectoryFromProto(req->directory()));
  ImportProgress progress = [&](ImportPhase phase, int64_t done, int64_t total) {
    v1::ImportTrustResponse update;
    update.set_phase(phase == ImportPhase::kValidating ? v1::IMPORT_PHASE_VALIDATING : v1::IMPORT_PHASE_APPLYING);
    update.set_done(done);
    update.set_total(total);
    writer->Write(update);
  };
  Encoder<ImportResult> encode = [](const ImportResult& r) -> absl::StatusOr<std::string> {
    v1::ImportTrustResponse out;
    out.set_phase(v1::IMPORT_PHASE_DONE);
    out.set_done(r.schools);
    out.set_total(r.schools);
    v1::ImportSummary* s = out.mutable_summary();
    s->set_schools(r.schools);
    s->set_staff(r.staff);
    s->set_pupils(r.pupils);
    s->set_guardians(r.guardians);
    s->set_ladders(r.ladders);
    s->set_created(r.counts.created);
    s->set_updated(r.counts.updated);
    s->set_deleted(r.counts.deleted);
    s->set_unchanged(r.counts.unchanged);
    for (const std::string& id : r.schools_with_new_versions) s->add_schools_with_new_versions(SchoolName(id));
    ToTimestamp(absl::Now(), s->mutable_applied_time());
    return out.SerializeAsString();
  };
  v1::ImportTrustResponse final_message;
  PARLEY_GRPC_RETURN_IF_ERROR(
      ctx,
      Decode(directory_->Import(key, std::move(document), req->validate_only(), progress, encode), &final_message));
  writer->Write(final_message);
  return grpc::Status::OK;
}

grpc::Status ContactsApi::ExportTrust(grpc::ServerContext* ctx, const v1::ExportTrustRequest*,
                                      v1::ExportTrustResponse* resp) {
  PARLEY_AUTHENTICATE(ctx, principal);
  PARLEY_GRPC_RETURN_IF_ERROR(ctx, MayAdministerTrust(principal));
  *resp->mutable_directory() = DirectoryToProto(directory_->snapshot()->directory());
  return grpc::Status::OK;
}

}  // namespace parley::contacts
