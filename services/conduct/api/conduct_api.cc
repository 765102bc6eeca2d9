#include "services/conduct/api/conduct_api.h"

#include <algorithm>
#include <memory>
#include <set>
#include <string>
#include <utility>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_split.h"
#include "common/grpc/api_edge.h"
#include "common/pg/idempotency.h"
#include "common/status/grpc_status.h"
#include "common/status/status_macros.h"
#include "services/conduct/api/convert.h"

namespace parley::conduct {
namespace {

constexpr int kDefaultPageSize = 50;
constexpr int kMaxPageSize = 500;

// Who may do what (the service comment in conduct_service.proto says it for API users).
const std::initializer_list<absl::string_view> kStaff = {auth::kOffice, auth::kTeacher, auth::kSeniorLeader, auth::kDsl,
                                                         auth::kTrustAdmin};
const std::initializer_list<absl::string_view> kLeaders = {auth::kSeniorLeader, auth::kDsl, auth::kTrustAdmin};

template <typename Proto, typename T>
Encoder<T> EncodeWith(std::function<Proto(const T&)> to_proto) {
  return [to_proto](const T& value) -> absl::StatusOr<std::string> { return to_proto(value).SerializeAsString(); };
}

absl::StatusOr<PageQuery> ParsePage(int32_t page_size, const std::string& token) {
  PageQuery q;
  PARLEY_ASSIGN_OR_RETURN(q.size, api::PageSizeFrom(page_size, kDefaultPageSize, kMaxPageSize));
  PARLEY_ASSIGN_OR_RETURN(q.before_seq, api::ParseSeqPageToken("before", token));
  return q;
}

std::string NextToken(int64_t before_seq) { return api::SeqPageToken("before", before_seq); }

absl::Status CheckMask(const google::protobuf::FieldMask& mask, const std::set<std::string>& updatable) {
  if (mask.paths_size() == 0) {
    return InvalidArgument("UPDATE_MASK_REQUIRED", absl::StrCat("update_mask is required: name the fields to change (",
                                                                absl::StrJoin(updatable, ", "), ")"));
  }
  for (const std::string& path : mask.paths()) {
    const std::string top = path.substr(0, path.find('.'));
    if (updatable.count(top) == 0) {
      return InvalidArgument("INVALID_UPDATE_MASK", absl::StrCat("update_mask: ", path, " cannot be changed (",
                                                                 absl::StrJoin(updatable, ", "), " can)"));
    }
  }
  return absl::OkStatus();
}

bool Masked(const google::protobuf::FieldMask& mask, absl::string_view field) {
  for (const std::string& path : mask.paths()) {
    if (path == field || absl::StartsWith(path, absl::StrCat(field, "."))) return true;
  }
  return false;
}

bool SharesSchool(const auth::Principal& p, const std::vector<std::string>& schools) {
  for (const std::string& s : schools) {
    if (p.CanRead(s)) return true;
  }
  return false;
}

}  // namespace

grpc::Status ConductApi::Handle(grpc::ServerContext* ctx,
                                const std::function<absl::Status(const auth::Principal&)>& body) {
  absl::StatusOr<auth::Principal> principal = verifier_->Authenticate(*ctx);
  if (!principal.ok()) return ToGrpcStatus(principal.status(), ctx);
  return ToGrpcStatus(body(*principal), ctx);
}

absl::StatusOr<Arrangement> ConductApi::ReadableArrangement(const auth::Principal& p, const std::string& school_id,
                                                            const std::string& id) {
  if (p.CanRead(school_id)) return conduct_->store().GetArrangement(school_id, id);
  // Staff of a school a trust-wide arrangement covers may read it; anyone else learns nothing,
  // not even whether it exists.
  absl::StatusOr<Arrangement> a = conduct_->store().GetArrangement(school_id, id);
  if (a.ok() && a->scope == ArrangementScope::kTrust && SharesSchool(p, a->covered_schools)) return a;
  if (a.ok() || absl::IsNotFound(a.status())) return auth::RequireRead(p, school_id);
  return a.status();
}

absl::Status ConductApi::MayChangeArrangement(const auth::Principal& p, const std::string& school_id,
                                              const std::string& id) {
  PARLEY_RETURN_IF_ERROR(auth::RequireAct(p, school_id, kLeaders));
  PARLEY_ASSIGN_OR_RETURN(Arrangement a, conduct_->store().GetArrangement(school_id, id));
  if (a.scope == ArrangementScope::kTrust) {
    return auth::RequireRole(p, {auth::kTrustAdmin});
  }
  return absl::OkStatus();
}

// ---- the gate ----------------------------------------------------------------------------------

grpc::Status ConductApi::CheckCommunication(grpc::ServerContext* ctx, const v1::CheckCommunicationRequest* req,
                                            v1::Decision* resp) {
  return Handle(ctx, [&](const auth::Principal& p) -> absl::Status {
    PARLEY_ASSIGN_OR_RETURN(std::string school_id, ParseSchool(req->school(), "school"));
    PARLEY_RETURN_IF_ERROR(auth::RequireRead(p, school_id));
    PARLEY_ASSIGN_OR_RETURN(GateQuery query, QueryFrom(*req));
    PARLEY_ASSIGN_OR_RETURN(DecisionRecord record, conduct_->Check(query, p.subject));
    *resp = ToProto(record);
    return absl::OkStatus();
  });
}

grpc::Status ConductApi::GetDecision(grpc::ServerContext* ctx, const v1::GetDecisionRequest* req, v1::Decision* resp) {
  return Handle(ctx, [&](const auth::Principal& p) -> absl::Status {
    PARLEY_ASSIGN_OR_RETURN(auto id, ParseChild(req->name(), "decisions", "name"));
    PARLEY_RETURN_IF_ERROR(auth::RequireRead(p, id.first));
    PARLEY_ASSIGN_OR_RETURN(DecisionRecord d, conduct_->store().GetDecision(id.first, id.second));
    *resp = ToProto(d);
    return absl::OkStatus();
  });
}

grpc::Status ConductApi::ListDecisions(grpc::ServerContext* ctx, const v1::ListDecisionsRequest* req,
                                       v1::ListDecisionsResponse* resp) {
  return Handle(ctx, [&](const auth::Principal& p) -> absl::Status {
    PARLEY_ASSIGN_OR_RETURN(std::string school_id, ParseSchool(req->parent(), "parent"));
    PARLEY_RETURN_IF_ERROR(auth::RequireRead(p, school_id));
    if (!req->guardian().empty()) PARLEY_RETURN_IF_ERROR(CheckGuardianName(req->guardian(), "guardian"));
    std::optional<Outcome> outcome;
    if (req->outcome() != v1::OUTCOME_UNSPECIFIED) {
      if (req->outcome() < v1::OUTCOME_ALLOW || req->outcome() > v1::OUTCOME_NO_RESPONSE_REQUIRED) {
        return InvalidArgument("INVALID_FIELD", "outcome is not a known outcome");
      }
      outcome = static_cast<Outcome>(req->outcome());
    }
    PARLEY_ASSIGN_OR_RETURN(PageQuery page, ParsePage(req->page_size(), req->page_token()));
    PARLEY_ASSIGN_OR_RETURN(Page<DecisionRecord> result,
                            conduct_->store().ListDecisions(school_id, req->guardian(), outcome, page));
    for (const DecisionRecord& d : result.items) *resp->add_decisions() = ToProto(d);
    resp->set_next_page_token(NextToken(result.next_before_seq));
    return absl::OkStatus();
  });
}

// ---- incidents ---------------------------------------------------------------------------------

grpc::Status ConductApi::CreateIncident(grpc::ServerContext* ctx, const v1::CreateIncidentRequest* req,
                                        v1::Incident* resp) {
  return Handle(ctx, [&](const auth::Principal& p) -> absl::Status {
    PARLEY_ASSIGN_OR_RETURN(std::string school_id, ParseSchool(req->parent(), "parent"));
    PARLEY_RETURN_IF_ERROR(auth::RequireAct(p, school_id, kStaff));
    PARLEY_ASSIGN_OR_RETURN(RequestKey key, api::RequestKeyFor("conduct", "CreateIncident", *req, req->request_id()));
    PARLEY_ASSIGN_OR_RETURN(Incident incident, IncidentFrom(req->incident(), school_id));
    incident.reported_by = p.subject;
    if (incident.outcome != IncidentOutcome::kPending && !p.HasAnyRole(kLeaders)) {
      return PermissionDenied("ROLE_REQUIRED", "only senior leaders record an incident's outcome");
    }
    return api::DecodeResponse(
        conduct_->CreateIncident(key, std::move(incident),
                                 EncodeWith<v1::Incident, Incident>([](const Incident& i) { return ToProto(i); })),
        resp);
  });
}

grpc::Status ConductApi::GetIncident(grpc::ServerContext* ctx, const v1::GetIncidentRequest* req, v1::Incident* resp) {
  return Handle(ctx, [&](const auth::Principal& p) -> absl::Status {
    PARLEY_ASSIGN_OR_RETURN(auto id, ParseChild(req->name(), "incidents", "name"));
    PARLEY_RETURN_IF_ERROR(auth::RequireRead(p, id.first));
    PARLEY_ASSIGN_OR_RETURN(Incident i, conduct_->store().GetIncident(id.first, id.second));
    *resp = ToProto(i);
    return absl::OkStatus();
  });
}

grpc::Status ConductApi::ListIncidents(grpc::ServerContext* ctx, const v1::ListIncidentsRequest* req,
                                       v1::ListIncidentsResponse* resp) {
  return Handle(ctx, [&](const auth::Principal& p) -> absl::Status {
    PARLEY_ASSIGN_OR_RETURN(std::string school_id, ParseSchool(req->parent(), "parent"));
    PARLEY_RETURN_IF_ERROR(auth::RequireRead(p, school_id));
    if (!req->guardian().empty()) PARLEY_RETURN_IF_ERROR(CheckGuardianName(req->guardian(), "guardian"));
    PARLEY_ASSIGN_OR_RETURN(PageQuery page, ParsePage(req->page_size(), req->page_token()));
    PARLEY_ASSIGN_OR_RETURN(Page<Incident> result, conduct_->store().ListIncidents(school_id, req->guardian(), page));
    for (const Incident& i : result.items) *resp->add_incidents() = ToProto(i);
    resp->set_next_page_token(NextToken(result.next_before_seq));
    return absl::OkStatus();
  });
}

grpc::Status ConductApi::UpdateIncident(grpc::ServerContext* ctx, const v1::UpdateIncidentRequest* req,
                                        v1::Incident* resp) {
  return Handle(ctx, [&](const auth::Principal& p) -> absl::Status {
    PARLEY_ASSIGN_OR_RETURN(auto id, ParseChild(req->incident().name(), "incidents", "incident.name"));
    PARLEY_RETURN_IF_ERROR(auth::RequireAct(p, id.first, kLeaders));
    PARLEY_ASSIGN_OR_RETURN(RequestKey key, api::RequestKeyFor("conduct", "UpdateIncident", *req, req->request_id()));
    const google::protobuf::FieldMask& mask = req->update_mask();
    PARLEY_RETURN_IF_ERROR(
        CheckMask(mask, {"kind", "channel", "occur_time", "staff_involved", "description_ref", "outcome"}));
    // Parse the patch against a complete incident so only masked fields need to be present.
    v1::Incident patch = req->incident();
    if (!Masked(mask, "guardian")) patch.set_guardian("guardians/placeholder");
    if (!Masked(mask, "kind")) patch.set_kind(v1::INCIDENT_KIND_OTHER);
    if (!Masked(mask, "channel")) patch.set_channel(v1::CHANNEL_EMAIL);
    if (!Masked(mask, "occur_time")) patch.mutable_occur_time()->set_seconds(1);
    PARLEY_ASSIGN_OR_RETURN(Incident parsed, IncidentFrom(patch, id.first));
    return api::DecodeResponse(conduct_->UpdateIncident(
                                   key, id.first, id.second, req->incident().etag(),
                                   [&](const Incident& current) {
                                     Incident next = current;
                                     if (Masked(mask, "kind")) next.kind = parsed.kind;
                                     if (Masked(mask, "channel")) next.channel = parsed.channel;
                                     if (Masked(mask, "occur_time")) next.occur_time = parsed.occur_time;
                                     if (Masked(mask, "staff_involved")) next.staff_involved = parsed.staff_involved;
                                     if (Masked(mask, "description_ref")) next.description_ref = parsed.description_ref;
                                     if (Masked(mask, "outcome")) next.outcome = parsed.outcome;
                                     return next;
                                   },
                                   EncodeWith<v1::Incident, Incident>([](const Incident& i) { return ToProto(i); })),
                               resp);
  });
}

// ---- arrangements ------------------------------------------------------------------------------

grpc::Status ConductApi::CreateArrangement(grpc::ServerContext* ctx, const v1::CreateArrangementRequest* req,
                                           v1::Arrangement* resp) {
  return Handle(ctx, [&](const auth::Principal& p) -> absl::Status {
    PARLEY_ASSIGN_OR_RETURN(std::string school_id, ParseSchool(req->parent(), "parent"));
    PARLEY_RETURN_IF_ERROR(auth::RequireAct(p, school_id, kLeaders));
    if (req->arrangement().scope() == v1::ARRANGEMENT_SCOPE_TRUST) {
      PARLEY_RETURN_IF_ERROR(auth::RequireRole(p, {auth::kTrustAdmin}));
    }
    PARLEY_ASSIGN_OR_RETURN(RequestKey key,
                            api::RequestKeyFor("conduct", "CreateArrangement", *req, req->request_id()));
    PARLEY_ASSIGN_OR_RETURN(Arrangement draft, ArrangementFrom(req->arrangement(), school_id));
    const absl::Time now = clock_->Now();
    return api::DecodeResponse(
        conduct_->CreateArrangement(
            key, std::move(draft),
            EncodeWith<v1::Arrangement, Arrangement>([now](const Arrangement& a) { return ToProto(a, now); })),
        resp);
  });
}

grpc::Status ConductApi::GetArrangement(grpc::ServerContext* ctx, const v1::GetArrangementRequest* req,
                                        v1::Arrangement* resp) {
  return Handle(ctx, [&](const auth::Principal& p) -> absl::Status {
    PARLEY_ASSIGN_OR_RETURN(auto id, ParseChild(req->name(), "arrangements", "name"));
    PARLEY_ASSIGN_OR_RETURN(Arrangement a, ReadableArrangement(p, id.first, id.second));
    *resp = ToProto(a, clock_->Now());
    return absl::OkStatus();
  });
}

grpc::Status ConductApi::ListArrangements(grpc::ServerContext* ctx, const v1::ListArrangementsRequest* req,
                                          v1::ListArrangementsResponse* resp) {
  return Handle(ctx, [&](const auth::Principal& p) -> absl::Status {
    PARLEY_ASSIGN_OR_RETURN(std::string school_id, ParseSchool(req->parent(), "parent"));
    PARLEY_RETURN_IF_ERROR(auth::RequireRead(p, school_id));
    if (!req->guardian().empty()) PARLEY_RETURN_IF_ERROR(CheckGuardianName(req->guardian(), "guardian"));
    if (req->state() < 0 || req->state() > v1::ARRANGEMENT_STATE_ENDED) {
      return InvalidArgument("INVALID_FIELD", "state is not a known state");
    }
    PARLEY_ASSIGN_OR_RETURN(PageQuery page, ParsePage(req->page_size(), req->page_token()));
    const absl::Time now = clock_->Now();
    // The state filter applies to the effective state, which the database does not hold: read
    // pages until this one is full or the arrangements run out.
    while (true) {
      PARLEY_ASSIGN_OR_RETURN(Page<Arrangement> result,
                              conduct_->store().ListArrangements(school_id, req->guardian(), page));
      for (const Arrangement& a : result.items) {
        if (req->state() != v1::ARRANGEMENT_STATE_UNSPECIFIED &&
            static_cast<int>(EffectiveState(a, now)) != static_cast<int>(req->state())) {
          continue;
        }
        *resp->add_arrangements() = ToProto(a, now);
      }
      resp->set_next_page_token(NextToken(result.next_before_seq));
      if (result.next_before_seq == 0 || resp->arrangements_size() > 0) break;
      page.before_seq = result.next_before_seq;
    }
    return absl::OkStatus();
  });
}

grpc::Status ConductApi::UpdateArrangement(grpc::ServerContext* ctx, const v1::UpdateArrangementRequest* req,
                                           v1::Arrangement* resp) {
  return Handle(ctx, [&](const auth::Principal& p) -> absl::Status {
    PARLEY_ASSIGN_OR_RETURN(auto id, ParseChild(req->arrangement().name(), "arrangements", "arrangement.name"));
    PARLEY_RETURN_IF_ERROR(MayChangeArrangement(p, id.first, id.second));
    PARLEY_ASSIGN_OR_RETURN(RequestKey key,
                            api::RequestKeyFor("conduct", "UpdateArrangement", *req, req->request_id()));
    const google::protobuf::FieldMask& mask = req->update_mask();
    PARLEY_RETURN_IF_ERROR(CheckMask(mask, {"terms", "start_time", "review_date", "end_time"}));
    v1::Arrangement patch = req->arrangement();
    patch.set_guardian("guardians/placeholder");
    patch.set_scope(v1::ARRANGEMENT_SCOPE_SCHOOL);
    PARLEY_ASSIGN_OR_RETURN(Arrangement parsed, ArrangementFrom(patch, id.first));
    const absl::Time now = clock_->Now();
    return api::DecodeResponse(
        conduct_->UpdateArrangement(
            key, id.first, id.second, req->arrangement().etag(),
            [&](const Arrangement& current) {
              Arrangement next = current;
              if (Masked(mask, "terms")) next.terms = parsed.terms;
              if (Masked(mask, "start_time")) next.start_time = parsed.start_time;
              if (Masked(mask, "review_date")) next.review_date = parsed.review_date;
              if (Masked(mask, "end_time")) next.end_time = parsed.end_time;
              return next;
            },
            EncodeWith<v1::Arrangement, Arrangement>([now](const Arrangement& a) { return ToProto(a, now); })),
        resp);
  });
}

grpc::Status ConductApi::IssueArrangement(grpc::ServerContext* ctx, const v1::IssueArrangementRequest* req,
                                          v1::Arrangement* resp) {
  return Handle(ctx, [&](const auth::Principal& p) -> absl::Status {
    PARLEY_ASSIGN_OR_RETURN(auto id, ParseChild(req->name(), "arrangements", "name"));
    PARLEY_RETURN_IF_ERROR(MayChangeArrangement(p, id.first, id.second));
    PARLEY_ASSIGN_OR_RETURN(RequestKey key, api::RequestKeyFor("conduct", "IssueArrangement", *req, req->request_id()));
    const absl::Time now = clock_->Now();
    return api::DecodeResponse(conduct_->IssueArrangement(key, id.first, id.second, req->etag(), p.subject,
                                                          EncodeWith<v1::Arrangement, Arrangement>(
                                                              [now](const Arrangement& a) { return ToProto(a, now); })),
                               resp);
  });
}

grpc::Status ConductApi::TightenArrangement(grpc::ServerContext* ctx, const v1::TightenArrangementRequest* req,
                                            v1::Arrangement* resp) {
  return Handle(ctx, [&](const auth::Principal& p) -> absl::Status {
    PARLEY_ASSIGN_OR_RETURN(auto id, ParseChild(req->name(), "arrangements", "name"));
    PARLEY_RETURN_IF_ERROR(MayChangeArrangement(p, id.first, id.second));
    PARLEY_ASSIGN_OR_RETURN(RequestKey key,
                            api::RequestKeyFor("conduct", "TightenArrangement", *req, req->request_id()));
    PARLEY_ASSIGN_OR_RETURN(ArrangementTerms terms, TermsFrom(req->terms()));
    PARLEY_ASSIGN_OR_RETURN(auto breach, ParseChild(req->breach_incident(), "incidents", "breach_incident"));
    if (breach.first != id.first) {
      return InvalidArgument("INVALID_FIELD", "breach_incident must be an incident of the arrangement's school");
    }
    std::optional<absl::CivilDay> review;
    if (!req->review_date().empty()) {
      PARLEY_ASSIGN_OR_RETURN(absl::CivilDay d, ParseDate(req->review_date(), "review_date"));
      review = d;
    }
    const absl::Time now = clock_->Now();
    return api::DecodeResponse(
        conduct_->TightenArrangement(
            key, id.first, id.second, req->etag(), std::move(terms), breach.second, review, p.subject,
            EncodeWith<v1::Arrangement, Arrangement>([now](const Arrangement& a) { return ToProto(a, now); })),
        resp);
  });
}

grpc::Status ConductApi::ContinueArrangement(grpc::ServerContext* ctx, const v1::ContinueArrangementRequest* req,
                                             v1::Arrangement* resp) {
  return Handle(ctx, [&](const auth::Principal& p) -> absl::Status {
    PARLEY_ASSIGN_OR_RETURN(auto id, ParseChild(req->name(), "arrangements", "name"));
    PARLEY_RETURN_IF_ERROR(MayChangeArrangement(p, id.first, id.second));
    PARLEY_ASSIGN_OR_RETURN(RequestKey key,
                            api::RequestKeyFor("conduct", "ContinueArrangement", *req, req->request_id()));
    PARLEY_ASSIGN_OR_RETURN(absl::CivilDay next, ParseDate(req->next_review_date(), "next_review_date"));
    const absl::Time now = clock_->Now();
    return api::DecodeResponse(
        conduct_->ContinueArrangement(
            key, id.first, id.second, req->etag(), next,
            EncodeWith<v1::Arrangement, Arrangement>([now](const Arrangement& a) { return ToProto(a, now); })),
        resp);
  });
}

grpc::Status ConductApi::EndArrangement(grpc::ServerContext* ctx, const v1::EndArrangementRequest* req,
                                        v1::Arrangement* resp) {
  return Handle(ctx, [&](const auth::Principal& p) -> absl::Status {
    PARLEY_ASSIGN_OR_RETURN(auto id, ParseChild(req->name(), "arrangements", "name"));
    PARLEY_RETURN_IF_ERROR(MayChangeArrangement(p, id.first, id.second));
    PARLEY_ASSIGN_OR_RETURN(RequestKey key, api::RequestKeyFor("conduct", "EndArrangement", *req, req->request_id()));
    std::optional<absl::Time> end;
    if (req->has_end_time()) end = FromProto(req->end_time());
    const absl::Time now = clock_->Now();
    return api::DecodeResponse(conduct_->EndArrangement(key, id.first, id.second, req->etag(), end,
                                                        EncodeWith<v1::Arrangement, Arrangement>(
                                                            [now](const Arrangement& a) { return ToProto(a, now); })),
                               resp);
  });
}

grpc::Status ConductApi::ListArrangementRevisions(grpc::ServerContext* ctx,
                                                  const v1::ListArrangementRevisionsRequest* req,
                                                  v1::ListArrangementRevisionsResponse* resp) {
  return Handle(ctx, [&](const auth::Principal& p) -> absl::Status {
    PARLEY_ASSIGN_OR_RETURN(auto id, ParseChild(req->name(), "arrangements", "name"));
    PARLEY_ASSIGN_OR_RETURN(Arrangement a, ReadableArrangement(p, id.first, id.second));
    (void)a;
    PARLEY_ASSIGN_OR_RETURN(std::vector<ArrangementRevision> revisions,
                            conduct_->store().ListRevisions(id.first, id.second));
    for (const ArrangementRevision& r : revisions) *resp->add_revisions() = ToProto(r, id.first, id.second);
    return absl::OkStatus();
  });
}

grpc::Status ConductApi::ListGuardianArrangements(grpc::ServerContext* ctx,
                                                  const v1::ListGuardianArrangementsRequest* req,
                                                  v1::ListGuardianArrangementsResponse* resp) {
  return Handle(ctx, [&](const auth::Principal& p) -> absl::Status {
    PARLEY_RETURN_IF_ERROR(CheckGuardianName(req->guardian(), "guardian"));
    const bool self = p.HasRole(auth::kGuardian) && p.subject == req->guardian();
    if (!self && p.schools.empty() && !p.TrustWideRead()) {
      return PermissionDenied("WRONG_GUARDIAN", "a guardian may read only their own arrangements");
    }
    PARLEY_ASSIGN_OR_RETURN(std::vector<Arrangement> all, conduct_->store().ListGuardianArrangements(req->guardian()));
    const absl::Time now = clock_->Now();
    for (const Arrangement& a : all) {
      const ArrangementState state = EffectiveState(a, now);
      if (state != ArrangementState::kActive && state != ArrangementState::kUnderReview) continue;
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
  return Handle(ctx, [&](const auth::Principal& p) -> absl::Status {
    PARLEY_ASSIGN_OR_RETURN(std::string school_id, ParseSchool(req->parent(), "parent"));
    PARLEY_RETURN_IF_ERROR(auth::RequireAct(p, school_id, kLeaders));
    PARLEY_ASSIGN_OR_RETURN(RequestKey key,
                            api::RequestKeyFor("conduct", "CreatePremisesBan", *req, req->request_id()));
    PARLEY_ASSIGN_OR_RETURN(PremisesBan ban, BanFrom(req->premises_ban(), school_id));
    ban.issued_by = p.subject;
    return api::DecodeResponse(
        conduct_->CreateBan(key, std::move(ban),
                            EncodeWith<v1::PremisesBan, PremisesBan>([](const PremisesBan& b) { return ToProto(b); })),
        resp);
  });
}

grpc::Status ConductApi::GetPremisesBan(grpc::ServerContext* ctx, const v1::GetPremisesBanRequest* req,
                                        v1::PremisesBan* resp) {
  return Handle(ctx, [&](const auth::Principal& p) -> absl::Status {
    PARLEY_ASSIGN_OR_RETURN(auto id, ParseChild(req->name(), "premisesBans", "name"));
    PARLEY_RETURN_IF_ERROR(auth::RequireRead(p, id.first));
    PARLEY_ASSIGN_OR_RETURN(PremisesBan b, conduct_->store().GetBan(id.first, id.second));
    *resp = ToProto(b);
    return absl::OkStatus();
  });
}

grpc::Status ConductApi::ListPremisesBans(grpc::ServerContext* ctx, const v1::ListPremisesBansRequest* req,
                                          v1::ListPremisesBansResponse* resp) {
  return Handle(ctx, [&](const auth::Principal& p) -> absl::Status {
    PARLEY_ASSIGN_OR_RETURN(std::string school_id, ParseSchool(req->parent(), "parent"));
    PARLEY_RETURN_IF_ERROR(auth::RequireRead(p, school_id));
    if (!req->guardian().empty()) PARLEY_RETURN_IF_ERROR(CheckGuardianName(req->guardian(), "guardian"));
    PARLEY_ASSIGN_OR_RETURN(PageQuery page, ParsePage(req->page_size(), req->page_token()));
    PARLEY_ASSIGN_OR_RETURN(Page<PremisesBan> result, conduct_->store().ListBans(school_id, req->guardian(), page));
    for (const PremisesBan& b : result.items) *resp->add_premises_bans() = ToProto(b);
    resp->set_next_page_token(NextToken(result.next_before_seq));
    return absl::OkStatus();
  });
}

grpc::Status ConductApi::RevokePremisesBan(grpc::ServerContext* ctx, const v1::RevokePremisesBanRequest* req,
                                           v1::PremisesBan* resp) {
  return Handle(ctx, [&](const auth::Principal& p) -> absl::Status {
    PARLEY_ASSIGN_OR_RETURN(auto id, ParseChild(req->name(), "premisesBans", "name"));
    PARLEY_RETURN_IF_ERROR(auth::RequireAct(p, id.first, kLeaders));
    PARLEY_ASSIGN_OR_RETURN(RequestKey key,
                            api::RequestKeyFor("conduct", "RevokePremisesBan", *req, req->request_id()));
    return api::DecodeResponse(
        conduct_->RevokeBan(key, id.first, id.second, req->etag(),
                            EncodeWith<v1::PremisesBan, PremisesBan>([](const PremisesBan& b) { return ToProto(b); })),
        resp);
  });
}

// ---- letters and stats -------------------------------------------------------------------------

grpc::Status ConductApi::GetLetter(grpc::ServerContext* ctx, const v1::GetLetterRequest* req, v1::Letter* resp) {
  return Handle(ctx, [&](const auth::Principal& p) -> absl::Status {
    PARLEY_ASSIGN_OR_RETURN(auto id, ParseChild(req->name(), "letters", "name"));
    PARLEY_RETURN_IF_ERROR(auth::RequireRead(p, id.first));
    PARLEY_ASSIGN_OR_RETURN(Letter l, conduct_->store().GetLetter(id.first, id.second));
    *resp = ToProto(l);
    return absl::OkStatus();
  });
}

grpc::Status ConductApi::ListLetters(grpc::ServerContext* ctx, const v1::ListLettersRequest* req,
                                     v1::ListLettersResponse* resp) {
  return Handle(ctx, [&](const auth::Principal& p) -> absl::Status {
    PARLEY_ASSIGN_OR_RETURN(std::string school_id, ParseSchool(req->parent(), "parent"));
    PARLEY_RETURN_IF_ERROR(auth::RequireRead(p, school_id));
    if (!req->guardian().empty()) PARLEY_RETURN_IF_ERROR(CheckGuardianName(req->guardian(), "guardian"));
    PARLEY_ASSIGN_OR_RETURN(PageQuery page, ParsePage(req->page_size(), req->page_token()));
    PARLEY_ASSIGN_OR_RETURN(Page<Letter> result, conduct_->store().ListLetters(school_id, req->guardian(), page));
    for (const Letter& l : result.items) *resp->add_letters() = ToProto(l);
    resp->set_next_page_token(NextToken(result.next_before_seq));
    return absl::OkStatus();
  });
}

grpc::Status ConductApi::GetSchoolStats(grpc::ServerContext* ctx, const v1::GetSchoolStatsRequest* req,
                                        v1::SchoolStats* resp) {
  return Handle(ctx, [&](const auth::Principal& p) -> absl::Status {
    PARLEY_ASSIGN_OR_RETURN(std::string school_id, ParseSchool(req->school(), "school"));
    PARLEY_RETURN_IF_ERROR(auth::RequireRead(p, school_id));
    if (!req->has_start_time() || !req->has_end_time()) {
      return InvalidArgument("INVALID_FIELD", "start_time and end_time are required");
    }
    const absl::Time start = FromProto(req->start_time()), end = FromProto(req->end_time());
    if (end <= start) return InvalidArgument("INVALID_FIELD", "end_time must be after start_time");
    PARLEY_ASSIGN_OR_RETURN(ConductStore::Stats s, conduct_->store().GetSchoolStats(school_id, start, end));
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
