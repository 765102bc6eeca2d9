#include "services/conduct/api/conduct_api.h"

#include <optional>
#include <set>
#include <string>
#include <utility>
#include <vector>

#include "absl/strings/str_cat.h"
#include "common/request/request_key.h"
#include "common/status/reason.h"
#include "common/status/status_macros.h"
#include "services/conduct/api/convert.h"

namespace parley::conduct {
namespace {

constexpr char kService[] = "conduct";
constexpr api::PageLimits kPageLimits{50, 500};

// Who may do what (the service comment in conduct_service.proto says it for API users).
const std::initializer_list<absl::string_view> kStaff = {auth::kOffice, auth::kTeacher, auth::kSeniorLeader, auth::kDsl,
                                                         auth::kTrustAdmin};
const std::initializer_list<absl::string_view> kLeaders = {auth::kSeniorLeader, auth::kDsl, auth::kTrustAdmin};

// What an update may change, per resource.
const std::set<std::string> kIncidentUpdatable = {"kind",           "channel",         "occur_time",
                                                  "staff_involved", "description_ref", "outcome"};
const std::set<std::string> kArrangementUpdatable = {"terms", "start_time", "review_date", "end_time"};

bool SharesSchool(const auth::Principal& p, const std::vector<std::string>& schools) {
  for (const std::string& s : schools) {
    if (p.CanRead(s)) return true;
  }
  return false;
}

// ---- the shapes every resource shares ----------------------------------------------------------

// Get of "schools/{school}/{collection}/{id}": the caller may read the school before anything is
// looked up, so another school's record is PERMISSION_DENIED whether or not it exists.
template <typename Proto, typename Get, typename ToProto>
absl::Status GetOne(const auth::Principal& p, const std::string& name, absl::string_view collection, Get get,
                    ToProto to_proto, Proto* out) {
  PARLEY_ASSIGN_OR_RETURN(auto id, api::ParseSchoolChild(name, collection, "name"));
  PARLEY_RETURN_IF_ERROR(auth::RequireRead(p, id.first));
  auto record = get(id.first, id.second);
  if (!record.ok()) return record.status();
  *out = to_proto(*record);
  return absl::OkStatus();
}

// List under "schools/{school}" (`parent`), optionally for one guardian, newest first, keyed by
// sequence number: `list(school, page)` returns a Page, `add(record, resp)` appends one item.
template <typename Req, typename Resp, typename List, typename Add>
absl::Status ListPage(const auth::Principal& p, const Req& req, List list, Add add, Resp* resp) {
  PARLEY_ASSIGN_OR_RETURN(std::string school_id, api::ParseSchool(req.parent(), "parent"));
  PARLEY_RETURN_IF_ERROR(auth::RequireRead(p, school_id));
  if (!req.guardian().empty()) PARLEY_RETURN_IF_ERROR(api::CheckGuardianName(req.guardian(), "guardian"));
  PARLEY_ASSIGN_OR_RETURN(api::PageRequest page, api::ParsePage(req, kPageLimits));
  PARLEY_ASSIGN_OR_RETURN(int64_t before, api::SeqPosition(page));
  auto result = list(school_id, PageQuery{page.size, before});
  if (!result.ok()) return result.status();
  for (const auto& item : result->items) add(item, resp);
  resp->set_next_page_token(api::NextPageToken(req, api::SeqToPosition(result->next_before_seq)));
  return absl::OkStatus();
}

// A whole Get RPC whose record only needs its school readable: `get` is the use case.
template <typename Req, typename Record, typename Proto>
grpc::Status ServeGet(const api::Edge& edge, grpc::ServerContext* ctx, const Req& req, absl::string_view collection,
                      ConductService* conduct,
                      absl::StatusOr<Record> (ConductService::*get)(const std::string&, const std::string&),
                      Proto* resp) {
  return edge.Serve(ctx, req, [&](const auth::Principal& p) {
    return GetOne(
        p, req.name(), collection,
        [&](const std::string& school_id, const std::string& id) { return (conduct->*get)(school_id, id); },
        [](const Record& r) { return ToProto(r); }, resp);
  });
}

// A whole List RPC filtered by guardian only: `list` is the use case, `add` the response's adder.
template <typename Req, typename Record, typename Resp, typename Item>
grpc::Status ServeList(const api::Edge& edge, grpc::ServerContext* ctx, const Req& req, ConductService* conduct,
                       absl::StatusOr<Page<Record>> (ConductService::*list)(const std::string&, const std::string&,
                                                                            PageQuery),
                       Item* (Resp::*add)(), Resp* resp) {
  return edge.Serve(ctx, req, [&](const auth::Principal& p) {
    return ListPage(
        p, req,
        [&](const std::string& school_id, PageQuery page) { return (conduct->*list)(school_id, req.guardian(), page); },
        [add](const Record& r, Resp* out) { *(out->*add)() = ToProto(r); }, resp);
  });
}

// A mutation: the request's key first (REQUEST_ID_INVALID before any work), then `write(key,
// encoder)`, whose response (new or replayed) is decoded into `resp`.
template <typename Proto, typename Record, typename ToProto, typename Write>
absl::Status Written(const google::protobuf::Message& req, absl::string_view method, ToProto to_proto, Write write,
                     Proto* resp) {
  PARLEY_ASSIGN_OR_RETURN(RequestKey key, api::RequestKeyFor(kService, method, req));
  const Encoder<Record> encode = api::EncodeWith<Proto, Record>(to_proto);
  return api::DecodeResponse(write(key, encode), resp);
}

// `patch`'s masked fields over `base`, for an update: INVALID_UPDATE_MASK for a path that is not a
// real field path of the resource or not one the service lets change.
template <typename Proto>
absl::StatusOr<Proto> Patched(const Proto& base, const Proto& patch, const google::protobuf::FieldMask& mask,
                              const std::set<std::string>& updatable) {
  return api::ApplyUpdateMask(base, patch, mask, updatable);
}

std::optional<Outcome> OutcomeFilter(v1::Outcome o) {
  if (o == v1::OUTCOME_UNSPECIFIED) return std::nullopt;
  return static_cast<Outcome>(o);
}

}  // namespace

absl::StatusOr<Arrangement> ConductApi::ReadableArrangement(const auth::Principal& p, const std::string& school_id,
                                                            const std::string& id) {
  if (p.CanRead(school_id)) return conduct_->GetArrangement(school_id, id);
  // Staff of a school a trust-wide arrangement covers may read it; anyone else learns nothing,
  // not even whether it exists.
  absl::StatusOr<Arrangement> a = conduct_->GetArrangement(school_id, id);
  if (a.ok() && a->scope == ArrangementScope::kTrust && SharesSchool(p, a->covered_schools)) return a;
  if (a.ok() || absl::IsNotFound(a.status())) return auth::RequireRead(p, school_id);
  return a.status();
}

absl::Status ConductApi::MayChangeArrangement(const auth::Principal& p, const std::string& school_id,
                                              const std::string& id) {
  PARLEY_RETURN_IF_ERROR(auth::RequireAct(p, school_id, kLeaders));
  PARLEY_ASSIGN_OR_RETURN(Arrangement a, conduct_->GetArrangement(school_id, id));
  if (a.scope == ArrangementScope::kTrust) return auth::RequireRole(p, {auth::kTrustAdmin});
  return absl::OkStatus();
}

absl::Status ConductApi::ChangeArrangement(const auth::Principal& p, const google::protobuf::Message& req,
                                           const std::string& name, absl::string_view field, absl::string_view method,
                                           const ArrangementWrite& write, v1::Arrangement* resp) {
  PARLEY_ASSIGN_OR_RETURN(auto id, api::ParseSchoolChild(name, "arrangements", field));
  PARLEY_RETURN_IF_ERROR(MayChangeArrangement(p, id.first, id.second));
  const absl::Time now = clock_->Now();
  return Written<v1::Arrangement, Arrangement>(
      req, method, [now](const Arrangement& a) { return ToProto(a, now); },
      [&](const RequestKey& key, const Encoder<Arrangement>& encode) {
        return write(id.first, id.second, key, encode);
      },
      resp);
}

// ---- the gate ----------------------------------------------------------------------------------

grpc::Status ConductApi::CheckCommunication(grpc::ServerContext* ctx, const v1::CheckCommunicationRequest* req,
                                            v1::Decision* resp) {
  return edge_.Serve(ctx, *req, [&](const auth::Principal& p) -> absl::Status {
    PARLEY_ASSIGN_OR_RETURN(std::string school_id, api::ParseSchool(req->school(), "school"));
    PARLEY_RETURN_IF_ERROR(auth::RequireRead(p, school_id));
    // Optional here: with it, one decision per (school, asker, request_id).
    if (!req->request_id().empty()) PARLEY_RETURN_IF_ERROR(request::ValidateRequestId(req->request_id()));
    PARLEY_ASSIGN_OR_RETURN(GateQuery query, QueryFrom(*req));
    PARLEY_ASSIGN_OR_RETURN(DecisionRecord record, conduct_->Check(query, p.subject, req->request_id()));
    *resp = ToProto(record);
    return absl::OkStatus();
  });
}

grpc::Status ConductApi::GetDecision(grpc::ServerContext* ctx, const v1::GetDecisionRequest* req, v1::Decision* resp) {
  return ServeGet(edge_, ctx, *req, "decisions", conduct_, &ConductService::GetDecision, resp);
}

grpc::Status ConductApi::ListDecisions(grpc::ServerContext* ctx, const v1::ListDecisionsRequest* req,
                                       v1::ListDecisionsResponse* resp) {
  return edge_.Serve(ctx, *req, [&](const auth::Principal& p) -> absl::Status {
    if (req->outcome() < v1::OUTCOME_UNSPECIFIED || req->outcome() > v1::OUTCOME_NO_RESPONSE_REQUIRED) {
      return InvalidArgument(reason::kInvalidField, "outcome is not a known outcome");
    }
    return ListPage(
        p, *req,
        [&](const std::string& school_id, PageQuery page) {
          return conduct_->ListDecisions(school_id, req->guardian(), OutcomeFilter(req->outcome()), page);
        },
        [](const DecisionRecord& d, v1::ListDecisionsResponse* r) { *r->add_decisions() = ToProto(d); }, resp);
  });
}

// ---- incidents ---------------------------------------------------------------------------------

grpc::Status ConductApi::CreateIncident(grpc::ServerContext* ctx, const v1::CreateIncidentRequest* req,
                                        v1::Incident* resp) {
  return edge_.Serve(ctx, *req, [&](const auth::Principal& p) -> absl::Status {
    PARLEY_ASSIGN_OR_RETURN(std::string school_id, api::ParseSchool(req->parent(), "parent"));
    PARLEY_RETURN_IF_ERROR(auth::RequireAct(p, school_id, kStaff));
    return Written<v1::Incident, Incident>(
        *req, "CreateIncident", [](const Incident& i) { return ToProto(i); },
        [&](const RequestKey& key, const Encoder<Incident>& encode) -> absl::StatusOr<WriteResult> {
          if (!req->has_incident()) return InvalidArgument(reason::kInvalidField, "incident is required");
          PARLEY_ASSIGN_OR_RETURN(Incident incident, IncidentFrom(req->incident(), school_id));
          incident.reported_by = p.subject;
          if (incident.outcome != IncidentOutcome::kPending && !p.HasAnyRole(kLeaders)) {
            return PermissionDenied(reason::kRoleRequired, "only senior leaders record an incident's outcome");
          }
          return conduct_->CreateIncident(key, std::move(incident), encode);
        },
        resp);
  });
}

grpc::Status ConductApi::GetIncident(grpc::ServerContext* ctx, const v1::GetIncidentRequest* req, v1::Incident* resp) {
  return ServeGet(edge_, ctx, *req, "incidents", conduct_, &ConductService::GetIncident, resp);
}

grpc::Status ConductApi::ListIncidents(grpc::ServerContext* ctx, const v1::ListIncidentsRequest* req,
                                       v1::ListIncidentsResponse* resp) {
  return ServeList(edge_, ctx, *req, conduct_, &ConductService::ListIncidents,
                   &v1::ListIncidentsResponse::add_incidents, resp);
}

grpc::Status ConductApi::UpdateIncident(grpc::ServerContext* ctx, const v1::UpdateIncidentRequest* req,
                                        v1::Incident* resp) {
  return edge_.Serve(ctx, *req, [&](const auth::Principal& p) -> absl::Status {
    PARLEY_ASSIGN_OR_RETURN(auto id, api::ParseSchoolChild(req->incident().name(), "incidents", "incident.name"));
    PARLEY_RETURN_IF_ERROR(auth::RequireAct(p, id.first, kLeaders));
    return Written<v1::Incident, Incident>(
        *req, "UpdateIncident", [](const Incident& i) { return ToProto(i); },
        [&](const RequestKey& key, const Encoder<Incident>& encode) -> absl::StatusOr<WriteResult> {
          const google::protobuf::FieldMask& mask = req->update_mask();
          // The patch checked on its own first, over a complete incident, so a bad value is refused
          // before anything is read.
          v1::Incident complete;
          complete.set_guardian("guardians/placeholder");
          complete.set_kind(v1::INCIDENT_KIND_OTHER);
          complete.set_channel(v1::CHANNEL_EMAIL);
          complete.mutable_occur_time()->set_seconds(1);
          PARLEY_ASSIGN_OR_RETURN(v1::Incident checked, Patched(complete, req->incident(), mask, kIncidentUpdatable));
          PARLEY_RETURN_IF_ERROR(IncidentFrom(checked, id.first).status());
          return conduct_->UpdateIncident(
              key, id.first, id.second, req->incident().etag(),
              [&](const Incident& current) -> absl::StatusOr<Incident> {
                PARLEY_ASSIGN_OR_RETURN(v1::Incident merged,
                                        Patched(ToProto(current), req->incident(), mask, kIncidentUpdatable));
                PARLEY_ASSIGN_OR_RETURN(Incident parsed, IncidentFrom(merged, id.first));
                Incident next = current;
                next.kind = parsed.kind;
                next.channel = parsed.channel;
                next.occur_time = parsed.occur_time;
                next.staff_involved = parsed.staff_involved;
                next.description_ref = parsed.description_ref;
                next.outcome = parsed.outcome;
                return next;
              },
              encode);
        },
        resp);
  });
}

// ---- arrangements ------------------------------------------------------------------------------

grpc::Status ConductApi::CreateArrangement(grpc::ServerContext* ctx, const v1::CreateArrangementRequest* req,
                                           v1::Arrangement* resp) {
  return edge_.Serve(ctx, *req, [&](const auth::Principal& p) -> absl::Status {
    PARLEY_ASSIGN_OR_RETURN(std::string school_id, api::ParseSchool(req->parent(), "parent"));
    PARLEY_RETURN_IF_ERROR(auth::RequireAct(p, school_id, kLeaders));
    if (req->arrangement().scope() == v1::ARRANGEMENT_SCOPE_TRUST) {
      PARLEY_RETURN_IF_ERROR(auth::RequireRole(p, {auth::kTrustAdmin}));
    }
    const absl::Time now = clock_->Now();
    return Written<v1::Arrangement, Arrangement>(
        *req, "CreateArrangement", [now](const Arrangement& a) { return ToProto(a, now); },
        [&](const RequestKey& key, const Encoder<Arrangement>& encode) -> absl::StatusOr<WriteResult> {
          // Required by the proto: a draft says what it allows from the start.
          if (!req->arrangement().has_terms()) {
            return InvalidArgument(reason::kInvalidField, "arrangement.terms is required");
          }
          PARLEY_ASSIGN_OR_RETURN(Arrangement draft, ArrangementFrom(req->arrangement(), school_id));
          return conduct_->CreateArrangement(key, std::move(draft), encode);
        },
        resp);
  });
}

grpc::Status ConductApi::GetArrangement(grpc::ServerContext* ctx, const v1::GetArrangementRequest* req,
                                        v1::Arrangement* resp) {
  return edge_.Serve(ctx, *req, [&](const auth::Principal& p) -> absl::Status {
    PARLEY_ASSIGN_OR_RETURN(auto id, api::ParseSchoolChild(req->name(), "arrangements", "name"));
    PARLEY_ASSIGN_OR_RETURN(Arrangement a, ReadableArrangement(p, id.first, id.second));
    *resp = ToProto(a, clock_->Now());
    return absl::OkStatus();
  });
}

grpc::Status ConductApi::ListArrangements(grpc::ServerContext* ctx, const v1::ListArrangementsRequest* req,
                                          v1::ListArrangementsResponse* resp) {
  return edge_.Serve(ctx, *req, [&](const auth::Principal& p) -> absl::Status {
    if (req->state() < 0 || req->state() > v1::ARRANGEMENT_STATE_ENDED) {
      return InvalidArgument(reason::kInvalidField, "state is not a known state");
    }
    std::optional<ArrangementState> state;
    if (req->state() != v1::ARRANGEMENT_STATE_UNSPECIFIED) state = static_cast<ArrangementState>(req->state());
    const absl::Time now = clock_->Now();
    return ListPage(
        p, *req,
        [&](const std::string& school_id, PageQuery page) {
          return conduct_->ListArrangements(school_id, req->guardian(), state, page);
        },
        [now](const Arrangement& a, v1::ListArrangementsResponse* r) { *r->add_arrangements() = ToProto(a, now); },
        resp);
  });
}

grpc::Status ConductApi::UpdateArrangement(grpc::ServerContext* ctx, const v1::UpdateArrangementRequest* req,
                                           v1::Arrangement* resp) {
  return edge_.Serve(ctx, *req, [&](const auth::Principal& p) {
    return ChangeArrangement(
        p, *req, req->arrangement().name(), "arrangement.name", "UpdateArrangement",
        [&](const std::string& school_id, const std::string& id, const RequestKey& key,
            const Encoder<Arrangement>& encode) -> absl::StatusOr<WriteResult> {
          const google::protobuf::FieldMask& mask = req->update_mask();
          v1::Arrangement complete;
          complete.set_guardian("guardians/placeholder");
          complete.set_scope(v1::ARRANGEMENT_SCOPE_SCHOOL);
          PARLEY_ASSIGN_OR_RETURN(v1::Arrangement checked,
                                  Patched(complete, req->arrangement(), mask, kArrangementUpdatable));
          PARLEY_RETURN_IF_ERROR(ArrangementFrom(checked, school_id).status());
          const absl::Time now = clock_->Now();
          return conduct_->UpdateArrangement(
              key, school_id, id, req->arrangement().etag(),
              [&](const Arrangement& current) -> absl::StatusOr<Arrangement> {
                PARLEY_ASSIGN_OR_RETURN(v1::Arrangement merged, Patched(ToProto(current, now), req->arrangement(), mask,
                                                                        kArrangementUpdatable));
                PARLEY_ASSIGN_OR_RETURN(Arrangement parsed, ArrangementFrom(merged, school_id));
                Arrangement next = current;
                next.terms = parsed.terms;
                next.start_time = parsed.start_time;
                next.review_date = parsed.review_date;
                next.end_time = parsed.end_time;
                return next;
              },
              encode);
        },
        resp);
  });
}

grpc::Status ConductApi::IssueArrangement(grpc::ServerContext* ctx, const v1::IssueArrangementRequest* req,
                                          v1::Arrangement* resp) {
  return edge_.Serve(ctx, *req, [&](const auth::Principal& p) {
    return ChangeArrangement(
        p, *req, req->name(), "name", "IssueArrangement",
        [&](const std::string& school_id, const std::string& id, const RequestKey& key,
            const Encoder<Arrangement>& encode) {
          return conduct_->IssueArrangement(key, school_id, id, req->etag(), p.subject, encode);
        },
        resp);
  });
}

grpc::Status ConductApi::TightenArrangement(grpc::ServerContext* ctx, const v1::TightenArrangementRequest* req,
                                            v1::Arrangement* resp) {
  return edge_.Serve(ctx, *req, [&](const auth::Principal& p) {
    return ChangeArrangement(
        p, *req, req->name(), "name", "TightenArrangement",
        [&](const std::string& school_id, const std::string& id, const RequestKey& key,
            const Encoder<Arrangement>& encode) -> absl::StatusOr<WriteResult> {
          if (!req->has_terms()) return InvalidArgument(reason::kInvalidField, "terms is required");
          PARLEY_ASSIGN_OR_RETURN(ArrangementTerms terms, TermsFrom(req->terms()));
          PARLEY_ASSIGN_OR_RETURN(auto breach,
                                  api::ParseSchoolChild(req->breach_incident(), "incidents", "breach_incident"));
          if (breach.first != school_id) {
            return InvalidArgument(reason::kInvalidField,
                                   "breach_incident must be an incident of the arrangement's school");
          }
          std::optional<absl::CivilDay> review;
          if (!req->review_date().empty()) {
            PARLEY_ASSIGN_OR_RETURN(absl::CivilDay d, ParseDate(req->review_date(), "review_date"));
            review = d;
          }
          return conduct_->TightenArrangement(key, school_id, id, req->etag(), std::move(terms), breach.second, review,
                                              p.subject, encode);
        },
        resp);
  });
}

grpc::Status ConductApi::ContinueArrangement(grpc::ServerContext* ctx, const v1::ContinueArrangementRequest* req,
                                             v1::Arrangement* resp) {
  return edge_.Serve(ctx, *req, [&](const auth::Principal& p) {
    return ChangeArrangement(
        p, *req, req->name(), "name", "ContinueArrangement",
        [&](const std::string& school_id, const std::string& id, const RequestKey& key,
            const Encoder<Arrangement>& encode) -> absl::StatusOr<WriteResult> {
          PARLEY_ASSIGN_OR_RETURN(absl::CivilDay next, ParseDate(req->next_review_date(), "next_review_date"));
          return conduct_->ContinueArrangement(key, school_id, id, req->etag(), next, encode);
        },
        resp);
  });
}

grpc::Status ConductApi::EndArrangement(grpc::ServerContext* ctx, const v1::EndArrangementRequest* req,
                                        v1::Arrangement* resp) {
  return edge_.Serve(ctx, *req, [&](const auth::Principal& p) {
    return ChangeArrangement(
        p, *req, req->name(), "name", "EndArrangement",
        [&](const std::string& school_id, const std::string& id, const RequestKey& key,
            const Encoder<Arrangement>& encode) {
          std::optional<absl::Time> end;
          if (req->has_end_time()) end = FromProto(req->end_time());
          return conduct_->EndArrangement(key, school_id, id, req->etag(), end, encode);
        },
        resp);
  });
}

grpc::Status ConductApi::ListArrangementRevisions(grpc::ServerContext* ctx,
                                                  const v1::ListArrangementRevisionsRequest* req,
                                                  v1::ListArrangementRevisionsResponse* resp) {
  return edge_.Serve(ctx, *req, [&](const auth::Principal& p) -> absl::Status {
    PARLEY_ASSIGN_OR_RETURN(auto id, api::ParseSchoolChild(req->name(), "arrangements", "name"));
    PARLEY_RETURN_IF_ERROR(ReadableArrangement(p, id.first, id.second).status());
    PARLEY_ASSIGN_OR_RETURN(std::vector<ArrangementRevision> revisions, conduct_->ListRevisions(id.first, id.second));
    for (const ArrangementRevision& r : revisions) *resp->add_revisions() = ToProto(r, id.first, id.second);
    return absl::OkStatus();
  });
}

grpc::Status ConductApi::ListGuardianArrangements(grpc::ServerContext* ctx,
                                                  const v1::ListGuardianArrangementsRequest* req,
                                                  v1::ListGuardianArrangementsResponse* resp) {
  return edge_.Serve(ctx, *req, [&](const auth::Principal& p) -> absl::Status {
    PARLEY_RETURN_IF_ERROR(api::CheckGuardianName(req->guardian(), "guardian"));
    const bool self = p.HasRole(auth::kGuardian) && p.subject == req->guardian();
    if (!self && p.schools.empty() && !p.TrustWideRead()) {
      return PermissionDenied(reason::kWrongGuardian, "a guardian may read only their own arrangements");
    }
    PARLEY_ASSIGN_OR_RETURN(std::vector<Arrangement> current, conduct_->ListGuardianArrangements(req->guardian()));
    const absl::Time now = clock_->Now();
    for (const Arrangement& a : current) {
      const bool readable =
          self || p.CanRead(a.school_id) || (a.scope == ArrangementScope::kTrust && SharesSchool(p, a.covered_schools));
      if (readable) *resp->add_arrangements() = ToProto(a, now);
    }
    return absl::OkStatus();
  });
}

// ---- premises bans -----------------------------------------------------------------------------

grpc::Status ConductApi::CreatePremisesBan(grpc::ServerContext* ctx, const v1::CreatePremisesBanRequest* req,
                                           v1::PremisesBan* resp) {
  return edge_.Serve(ctx, *req, [&](const auth::Principal& p) -> absl::Status {
    PARLEY_ASSIGN_OR_RETURN(std::string school_id, api::ParseSchool(req->parent(), "parent"));
    PARLEY_RETURN_IF_ERROR(auth::RequireAct(p, school_id, kLeaders));
    return Written<v1::PremisesBan, PremisesBan>(
        *req, "CreatePremisesBan", [](const PremisesBan& b) { return ToProto(b); },
        [&](const RequestKey& key, const Encoder<PremisesBan>& encode) -> absl::StatusOr<WriteResult> {
          if (!req->has_premises_ban()) return InvalidArgument(reason::kInvalidField, "premises_ban is required");
          PARLEY_ASSIGN_OR_RETURN(PremisesBan ban, BanFrom(req->premises_ban(), school_id));
          ban.issued_by = p.subject;
          return conduct_->CreateBan(key, std::move(ban), encode);
        },
        resp);
  });
}

grpc::Status ConductApi::GetPremisesBan(grpc::ServerContext* ctx, const v1::GetPremisesBanRequest* req,
                                        v1::PremisesBan* resp) {
  return ServeGet(edge_, ctx, *req, "premisesBans", conduct_, &ConductService::GetBan, resp);
}

grpc::Status ConductApi::ListPremisesBans(grpc::ServerContext* ctx, const v1::ListPremisesBansRequest* req,
                                          v1::ListPremisesBansResponse* resp) {
  return ServeList(edge_, ctx, *req, conduct_, &ConductService::ListBans,
                   &v1::ListPremisesBansResponse::add_premises_bans, resp);
}

grpc::Status ConductApi::RevokePremisesBan(grpc::ServerContext* ctx, const v1::RevokePremisesBanRequest* req,
                                           v1::PremisesBan* resp) {
  return edge_.Serve(ctx, *req, [&](const auth::Principal& p) -> absl::Status {
    PARLEY_ASSIGN_OR_RETURN(auto id, api::ParseSchoolChild(req->name(), "premisesBans", "name"));
    PARLEY_RETURN_IF_ERROR(auth::RequireAct(p, id.first, kLeaders));
    return Written<v1::PremisesBan, PremisesBan>(
        *req, "RevokePremisesBan", [](const PremisesBan& b) { return ToProto(b); },
        [&](const RequestKey& key, const Encoder<PremisesBan>& encode) {
          return conduct_->RevokeBan(key, id.first, id.second, req->etag(), encode);
        },
        resp);
  });
}

// ---- letters and stats -------------------------------------------------------------------------

grpc::Status ConductApi::GetLetter(grpc::ServerContext* ctx, const v1::GetLetterRequest* req, v1::Letter* resp) {
  return ServeGet(edge_, ctx, *req, "letters", conduct_, &ConductService::GetLetter, resp);
}

grpc::Status ConductApi::ListLetters(grpc::ServerContext* ctx, const v1::ListLettersRequest* req,
                                     v1::ListLettersResponse* resp) {
  return ServeList(edge_, ctx, *req, conduct_, &ConductService::ListLetters, &v1::ListLettersResponse::add_letters,
                   resp);
}

grpc::Status ConductApi::GetSchoolStats(grpc::ServerContext* ctx, const v1::GetSchoolStatsRequest* req,
                                        v1::SchoolStats* resp) {
  return edge_.Serve(ctx, *req, [&](const auth::Principal& p) -> absl::Status {
    PARLEY_ASSIGN_OR_RETURN(std::string school_id, api::ParseSchool(req->school(), "school"));
    PARLEY_RETURN_IF_ERROR(auth::RequireRead(p, school_id));
    if (!req->has_start_time() || !req->has_end_time()) {
      return InvalidArgument(reason::kInvalidField, "start_time and end_time are required");
    }
    PARLEY_ASSIGN_OR_RETURN(ConductStore::Stats s, conduct_->GetSchoolStats(school_id, FromProto(req->start_time()),
                                                                            FromProto(req->end_time())));
    resp->set_school(req->school());
    *resp->mutable_start_time() = req->start_time();
    *resp->mutable_end_time() = req->end_time();
    for (const auto& [kind, n] : s.incidents_by_kind) {
      v1::IncidentKindCount* c = resp->add_incidents_by_kind();
      c->set_kind(static_cast<v1::IncidentKind>(kind));
      c->set_count(n);
    }
    resp->set_arrangements_issued(s.arrangements_issued);
    resp->set_arrangements_active(s.arrangements_active);
    resp->set_tightenings(s.tightenings);
    resp->set_bans_started(s.bans_started);
    resp->set_bans_active(s.bans_active);
    for (const auto& [outcome, n] : s.decisions_by_outcome) {
      v1::OutcomeCount* c = resp->add_decisions_by_outcome();
      c->set_outcome(static_cast<v1::Outcome>(outcome));
      c->set_count(n);
    }
    return absl::OkStatus();
  });
}

}  // namespace parley::conduct
