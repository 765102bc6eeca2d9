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
#include "common/version/version.h"
#include "services/conduct/api/convert.h"

namespace parley::conduct {
namespace {

constexpr char kService[] = "conduct";
constexpr api::PageLimits kPageLimits{50, 500};

// What an update may change, per resource.
const std::set<std::string> kIncidentUpdatable = {"kind",           "channel",         "occur_time",
                                                  "staff_involved", "description_ref", "outcome"};
const std::set<std::string> kArrangementUpdatable = {"terms", "start_time", "review_date", "end_time"};

// ---- who sees what (common/auth/access.h; services/conduct/README.md, "Access") ---------------

// What the caller sees of a school's conduct records: only their own (a guardian: reach kOwn), or
// all of them (the school's staff whose role reaches the rule, the trust's).
enum class View { kOwn, kAll };

// The caller's view at `school_id`: the token must name the school (or reach the trust), and the
// reach be kOwn or at least the whole school. Conduct records have no public or taught part: a
// reach between the two is ROLE_REQUIRED.
absl::StatusOr<View> ViewAt(const auth::Grant& caller, absl::string_view school_id) {
  PARLEY_ASSIGN_OR_RETURN(auth::Reach reach, caller.At(school_id));
  if (reach == auth::Reach::kOwn) return View::kOwn;
  PARLEY_RETURN_IF_ERROR(caller.AtLeast(school_id, auth::Reach::kSchool).status());
  return View::kAll;
}

// Whether a guardian's own view includes the record: it must be about them; an arrangement only
// once issued (a draft is the school's working paper); a decision not taken on a safeguarding
// concern (the concern is the school's, and telling the guardian of it could put a child at risk).
// Incidents are never in a guardian's view (the model gives guardians no reach over them).
bool GuardianSees(const auth::Grant& caller, const DecisionRecord& d) {
  return caller.IsSelf(d.query.guardian) && !d.query.safeguarding;
}
bool GuardianSees(const auth::Grant& caller, const Arrangement& a) {
  return caller.IsSelf(a.guardian) && a.state != ArrangementState::kDraft;
}
bool GuardianSees(const auth::Grant& caller, const PremisesBan& b) { return caller.IsSelf(b.guardian); }
bool GuardianSees(const auth::Grant& caller, const Letter& l) { return caller.IsSelf(l.guardian); }
bool GuardianSees(const auth::Grant&, const Incident&) { return false; }

// A collection under "schools/{school}": its name segment, and what a missing record is called.
struct Collection {
  absl::string_view segment;
  absl::string_view what;
  absl::string_view not_found;
};
const Collection kDecisions{"decisions", "decision", reason::kDecisionNotFound};
const Collection kIncidents{"incidents", "incident", reason::kIncidentNotFound};
const Collection kArrangements{"arrangements", "arrangement", reason::kArrangementNotFound};
const Collection kBans{"premisesBans", "premises ban", reason::kPremisesBanNotFound};
const Collection kLetters{"letters", "letter", reason::kLetterNotFound};

// For a guardian's own view: the record when the guardian sees it; otherwise — another family's
// record, a draft, or no record at all — one NOT_FOUND in the same words, so a guardian cannot tell
// another family's record from none. Other errors (the store unavailable) pass through.
template <typename Record>
absl::StatusOr<Record> OwnOnly(const auth::Grant& caller, absl::StatusOr<Record> record, const Collection& c,
                               const std::string& school_id, const std::string& id) {
  if (record.ok() && GuardianSees(caller, *record)) return record;
  if (record.ok() || absl::IsNotFound(record.status())) {
    return NotFound(c.not_found, absl::StrCat("no ", c.what, " ", id, " at school ", school_id));
  }
  return record.status();
}

// Whether the caller reads every record of `resource` at the school (another rule than the call's).
bool ReadsAtSchool(const auth::Grant& caller, auth::Resource resource, absl::string_view school_id) {
  const auth::Grant reads(caller.principal(), {resource, auth::Verb::kRead});
  absl::StatusOr<auth::Reach> reach = reads.At(school_id);
  return reach.ok() && *reach >= auth::Reach::kSchool;
}

absl::Status WrongGuardian(absl::string_view what) {
  return PermissionDenied(reason::kWrongGuardian, absl::StrCat("a guardian may ", what, " only their own"));
}

// ---- the shapes every resource shares ----------------------------------------------------------

// Get of "schools/{school}/{collection}/{id}": the caller's view of the school before anything is
// looked up, so another school's record is PERMISSION_DENIED whether or not it exists; a guardian
// gets their own record (ForGuardian) or the answer a missing one gets.
template <typename Record, typename Proto, typename Get, typename ToProtoFn>
absl::Status GetOne(const auth::Grant& caller, const std::string& name, const Collection& c, Get get,
                    ToProtoFn to_proto, Proto* out) {
  PARLEY_ASSIGN_OR_RETURN(auto id, api::ParseSchoolChild(name, c.segment, "name"));
  PARLEY_ASSIGN_OR_RETURN(View view, ViewAt(caller, id.first));
  absl::StatusOr<Record> record = get(id.first, id.second);
  if (view == View::kOwn) record = OwnOnly(caller, std::move(record), c, id.first, id.second);
  if (!record.ok()) return record.status();
  *out = to_proto(*record);
  if (view == View::kOwn) ForGuardian(out);
  return absl::OkStatus();
}

// List under "schools/{school}" (`parent`), optionally for one guardian, newest first, keyed by
// sequence number: `list(school, guardian, page)` returns a Page, `add(record, resp)` appends one
// item and returns it. A guardian's list is always of their own records: with no `guardian` filter
// it is set to them, a filter naming anyone else is PERMISSION_DENIED (WRONG_GUARDIAN); records
// their view leaves out are skipped (a page may come back short; the page token still continues).
template <typename Req, typename Resp, typename List, typename Add>
absl::Status ListPage(const auth::Grant& caller, const Req& req, List list, Add add, Resp* resp) {
  PARLEY_ASSIGN_OR_RETURN(std::string school_id, api::ParseSchool(req.parent(), "parent"));
  PARLEY_ASSIGN_OR_RETURN(View view, ViewAt(caller, school_id));
  if (!req.guardian().empty()) PARLEY_RETURN_IF_ERROR(api::CheckGuardianName(req.guardian(), "guardian"));
  std::string guardian = req.guardian();
  if (view == View::kOwn) {
    if (guardian.empty()) guardian = caller.subject();
    if (!caller.IsSelf(guardian)) return WrongGuardian("list records about a guardian");
  }
  PARLEY_ASSIGN_OR_RETURN(api::PageRequest page, api::ParsePage(req, kPageLimits));
  PARLEY_ASSIGN_OR_RETURN(int64_t before, api::SeqPosition(page));
  auto result = list(school_id, guardian, PageQuery{page.size, before});
  if (!result.ok()) return result.status();
  for (const auto& item : result->items) {
    if (view == View::kAll) {
      add(item, resp);
    } else if (GuardianSees(caller, item)) {
      ForGuardian(add(item, resp));
    }
  }
  resp->set_next_page_token(api::NextPageToken(req, api::SeqToPosition(result->next_before_seq)));
  return absl::OkStatus();
}

// A whole Get RPC whose record needs only the caller's view of its school: `get` is the use case.
template <typename Req, typename Record, typename Proto>
grpc::Status ServeGet(const api::Edge& edge, grpc::ServerContext* ctx, const Req& req, const Collection& c,
                      ConductService* conduct,
                      absl::StatusOr<Record> (ConductService::*get)(const std::string&, const std::string&),
                      Proto* resp) {
  return edge.Serve(ctx, req, [&](const auth::Grant& caller) {
    return GetOne<Record>(
        caller, req.name(), c,
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
  return edge.Serve(ctx, req, [&](const auth::Grant& caller) {
    return ListPage(
        caller, req,
        [&](const std::string& school_id, const std::string& guardian, PageQuery page) {
          return (conduct->*list)(school_id, guardian, page);
        },
        [add](const Record& r, Resp* out) {
          Item* item = (out->*add)();
          *item = ToProto(r);
          return item;
        },
        resp);
  });
}

// A mutation: the request's key first (REQUEST_ID_INVALID before any work), then `write(key,
// encoder)`, whose response (new or replayed) is decoded into `resp`.
template <typename Proto, typename Record, typename ToProto, typename Write>
absl::Status Written(const auth::Grant& caller, const google::protobuf::Message& req, absl::string_view method,
                     ToProto to_proto, Write write, Proto* resp) {
  PARLEY_ASSIGN_OR_RETURN(RequestKey key, api::RequestKeyFor(caller, kService, method, req));
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

const auth::RuleTable& ConductApi::AccessRules() {
  using auth::Resource;
  constexpr auth::Verb kRead = auth::Verb::kRead, kChange = auth::Verb::kChange;
  static const auto* const rules = new auth::RuleTable{
      {"CheckCommunication", {Resource::kDecision, kChange}},
      {"GetDecision", {Resource::kDecision, kRead}},
      {"ListDecisions", {Resource::kDecision, kRead}},
      {"CreateIncident", {Resource::kIncident, kChange}},
      {"GetIncident", {Resource::kIncident, kRead}},
      {"ListIncidents", {Resource::kIncident, kRead}},
      {"UpdateIncident", {Resource::kIncidentReview, kChange}},
      {"CreateArrangement", {Resource::kArrangement, kChange}},
      {"GetArrangement", {Resource::kArrangement, kRead}},
      {"ListArrangements", {Resource::kArrangement, kRead}},
      {"UpdateArrangement", {Resource::kArrangement, kChange}},
      {"IssueArrangement", {Resource::kArrangement, kChange}},
      {"TightenArrangement", {Resource::kArrangement, kChange}},
      {"ContinueArrangement", {Resource::kArrangement, kChange}},
      {"EndArrangement", {Resource::kArrangement, kChange}},
      {"ListArrangementRevisions", {Resource::kArrangement, kRead}},
      {"ListGuardianArrangements", {Resource::kArrangement, kRead}},
      {"CreatePremisesBan", {Resource::kPremisesBan, kChange}},
      {"GetPremisesBan", {Resource::kPremisesBan, kRead}},
      {"ListPremisesBans", {Resource::kPremisesBan, kRead}},
      {"RevokePremisesBan", {Resource::kPremisesBan, kChange}},
      {"GetLetter", {Resource::kLetter, kRead}},
      {"ListLetters", {Resource::kLetter, kRead}},
      {"GetSchoolStats", {Resource::kStats, kRead}},
  };
  return *rules;
}

absl::StatusOr<Arrangement> ConductApi::ReadableArrangement(const auth::Grant& caller, const std::string& school_id,
                                                            const std::string& id, bool* own_view) {
  *own_view = false;
  absl::StatusOr<View> view = ViewAt(caller, school_id);
  if (view.ok()) {
    absl::StatusOr<Arrangement> a = conduct_->GetArrangement(school_id, id);
    if (*view == View::kAll) return a;
    *own_view = true;
    return OwnOnly(caller, std::move(a), kArrangements, school_id, id);
  }
  // A trust-wide arrangement is readable at the schools it covers: by their staff, and by the
  // guardian it is about. Anyone else gets the refusal of the issuing school, whether or not it
  // exists.
  absl::StatusOr<Arrangement> a = conduct_->GetArrangement(school_id, id);
  if (a.ok() && a->scope == ArrangementScope::kTrust) {
    for (const std::string& covered : a->covered_schools) {
      absl::StatusOr<View> there = ViewAt(caller, covered);
      if (!there.ok()) continue;
      if (*there == View::kAll) return a;
      if (GuardianSees(caller, *a)) {
        *own_view = true;
        return a;
      }
    }
  }
  if (a.ok() || absl::IsNotFound(a.status())) return view.status();
  return a.status();
}

absl::Status ConductApi::MayChangeArrangement(const auth::Grant& caller, const std::string& school_id,
                                              const std::string& id) {
  PARLEY_RETURN_IF_ERROR(caller.AtLeast(school_id, auth::Reach::kSchool).status());
  PARLEY_ASSIGN_OR_RETURN(Arrangement a, conduct_->GetArrangement(school_id, id));
  if (a.scope == ArrangementScope::kTrust) return MayChangeTrustWide(caller, school_id);
  return absl::OkStatus();
}

absl::Status ConductApi::MayChangeTrustWide(const auth::Grant& caller, const std::string& school_id) {
  // Only a role that changes arrangements at every school (trust_admin) changes one that applies
  // at every school.
  return caller.AtLeast(school_id, auth::Reach::kTrust).status();
}

absl::Status ConductApi::ChangeArrangement(const auth::Grant& caller, const google::protobuf::Message& req,
                                           const std::string& name, absl::string_view field, absl::string_view method,
                                           const ArrangementWrite& write, v1::Arrangement* resp) {
  PARLEY_ASSIGN_OR_RETURN(auto id, api::ParseSchoolChild(name, "arrangements", field));
  PARLEY_RETURN_IF_ERROR(MayChangeArrangement(caller, id.first, id.second));
  const absl::Time now = clock_->Now();
  return Written<v1::Arrangement, Arrangement>(
      caller, req, method, [now](const Arrangement& a) { return ToProto(a, now); },
      [&](const RequestKey& key, const Encoder<Arrangement>& encode) {
        return write(id.first, id.second, key, encode);
      },
      resp);
}

// ---- the gate ----------------------------------------------------------------------------------

grpc::Status ConductApi::CheckCommunication(grpc::ServerContext* ctx, const v1::CheckCommunicationRequest* req,
                                            v1::Decision* resp) {
  return edge_.Serve(ctx, *req, [&](const auth::Grant& caller) -> absl::Status {
    PARLEY_ASSIGN_OR_RETURN(std::string school_id, api::ParseSchool(req->school(), "school"));
    PARLEY_ASSIGN_OR_RETURN(View view, ViewAt(caller, school_id));
    // Optional here: with it, one decision per (school, asker, request_id).
    if (!req->request_id().empty()) PARLEY_RETURN_IF_ERROR(request::ValidateRequestId(req->request_id()));
    PARLEY_ASSIGN_OR_RETURN(GateQuery query, QueryFrom(*req));
    if (view == View::kOwn) {
      // A guardian asks about themselves only, and the answer is theirs: evaluated, not stored as
      // one of the school's decisions (no name, no asker; request_id is not needed).
      if (!caller.IsSelf(query.guardian)) return WrongGuardian("check the communication of a guardian");
      if (query.safeguarding || query.marked_abusive) {
        return PermissionDenied(reason::kRoleRequired,
                                "safeguarding and marked_abusive are staff judgements: a guardian's own check "
                                "cannot set them");
      }
      PARLEY_ASSIGN_OR_RETURN(DecisionRecord record, conduct_->Evaluate(query));
      *resp = ToProto(record);
      ForGuardian(resp);
      return absl::OkStatus();
    }
    PARLEY_ASSIGN_OR_RETURN(DecisionRecord record, conduct_->Check(query, caller.subject(), req->request_id()));
    *resp = ToProto(record);
    // A teacher checks before contacting a parent and is told what they may do (outcome, channels,
    // times, point of contact, why) — not pointed at the arrangement or ban records behind it, which
    // their role does not read.
    if (!ReadsAtSchool(caller, auth::Resource::kArrangement, school_id)) {
      resp->clear_arrangement();
      resp->clear_arrangement_version();
      resp->clear_verdicts();
    }
    if (!ReadsAtSchool(caller, auth::Resource::kPremisesBan, school_id)) resp->clear_premises_ban();
    return absl::OkStatus();
  });
}

grpc::Status ConductApi::GetDecision(grpc::ServerContext* ctx, const v1::GetDecisionRequest* req, v1::Decision* resp) {
  return ServeGet(edge_, ctx, *req, kDecisions, conduct_, &ConductService::GetDecision, resp);
}

grpc::Status ConductApi::ListDecisions(grpc::ServerContext* ctx, const v1::ListDecisionsRequest* req,
                                       v1::ListDecisionsResponse* resp) {
  return edge_.Serve(ctx, *req, [&](const auth::Grant& caller) -> absl::Status {
    if (req->outcome() < v1::OUTCOME_UNSPECIFIED || req->outcome() > v1::OUTCOME_NO_RESPONSE_REQUIRED) {
      return InvalidArgument(reason::kInvalidField, "outcome is not a known outcome");
    }
    return ListPage(
        caller, *req,
        [&](const std::string& school_id, const std::string& guardian, PageQuery page) {
          return conduct_->ListDecisions(school_id, guardian, OutcomeFilter(req->outcome()), page);
        },
        [](const DecisionRecord& d, v1::ListDecisionsResponse* r) {
          v1::Decision* item = r->add_decisions();
          *item = ToProto(d);
          return item;
        },
        resp);
  });
}

// ---- incidents ---------------------------------------------------------------------------------

grpc::Status ConductApi::CreateIncident(grpc::ServerContext* ctx, const v1::CreateIncidentRequest* req,
                                        v1::Incident* resp) {
  return edge_.Serve(ctx, *req, [&](const auth::Grant& caller) -> absl::Status {
    PARLEY_ASSIGN_OR_RETURN(std::string school_id, api::ParseSchool(req->parent(), "parent"));
    PARLEY_RETURN_IF_ERROR(caller.AtLeast(school_id, auth::Reach::kSchool).status());
    return Written<v1::Incident, Incident>(
        caller, *req, "CreateIncident", [](const Incident& i) { return ToProto(i); },
        [&](const RequestKey& key, const Encoder<Incident>& encode) -> absl::StatusOr<WriteResult> {
          if (!req->has_incident()) return InvalidArgument(reason::kInvalidField, "incident is required");
          PARLEY_ASSIGN_OR_RETURN(Incident incident, IncidentFrom(req->incident(), school_id));
          incident.reported_by = caller.subject();
          // Recording the outcome is reviewing the incident: a rule of its own (senior leaders, the
          // DSL, trust administrators), asked of the same caller at the same school.
          const auth::Grant review(caller.principal(), {auth::Resource::kIncidentReview, auth::Verb::kChange});
          if (incident.outcome != IncidentOutcome::kPending && !review.AtLeast(school_id, auth::Reach::kSchool).ok()) {
            return PermissionDenied(reason::kRoleRequired,
                                    "only senior leaders, the DSL and trust administrators record an incident's "
                                    "outcome");
          }
          return conduct_->CreateIncident(key, std::move(incident), encode);
        },
        resp);
  });
}

grpc::Status ConductApi::GetIncident(grpc::ServerContext* ctx, const v1::GetIncidentRequest* req, v1::Incident* resp) {
  return ServeGet(edge_, ctx, *req, kIncidents, conduct_, &ConductService::GetIncident, resp);
}

grpc::Status ConductApi::ListIncidents(grpc::ServerContext* ctx, const v1::ListIncidentsRequest* req,
                                       v1::ListIncidentsResponse* resp) {
  return ServeList(edge_, ctx, *req, conduct_, &ConductService::ListIncidents,
                   &v1::ListIncidentsResponse::add_incidents, resp);
}

grpc::Status ConductApi::UpdateIncident(grpc::ServerContext* ctx, const v1::UpdateIncidentRequest* req,
                                        v1::Incident* resp) {
  return edge_.Serve(ctx, *req, [&](const auth::Grant& caller) -> absl::Status {
    PARLEY_ASSIGN_OR_RETURN(auto id, api::ParseSchoolChild(req->incident().name(), "incidents", "incident.name"));
    PARLEY_RETURN_IF_ERROR(caller.AtLeast(id.first, auth::Reach::kSchool).status());
    return Written<v1::Incident, Incident>(
        caller, *req, "UpdateIncident", [](const Incident& i) { return ToProto(i); },
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
  return edge_.Serve(ctx, *req, [&](const auth::Grant& caller) -> absl::Status {
    PARLEY_ASSIGN_OR_RETURN(std::string school_id, api::ParseSchool(req->parent(), "parent"));
    PARLEY_RETURN_IF_ERROR(caller.AtLeast(school_id, auth::Reach::kSchool).status());
    if (req->arrangement().scope() == v1::ARRANGEMENT_SCOPE_TRUST) {
      PARLEY_RETURN_IF_ERROR(MayChangeTrustWide(caller, school_id));
    }
    const absl::Time now = clock_->Now();
    return Written<v1::Arrangement, Arrangement>(
        caller, *req, "CreateArrangement", [now](const Arrangement& a) { return ToProto(a, now); },
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
  return edge_.Serve(ctx, *req, [&](const auth::Grant& caller) -> absl::Status {
    PARLEY_ASSIGN_OR_RETURN(auto id, api::ParseSchoolChild(req->name(), "arrangements", "name"));
    bool own_view = false;
    PARLEY_ASSIGN_OR_RETURN(Arrangement a, ReadableArrangement(caller, id.first, id.second, &own_view));
    *resp = ToProto(a, clock_->Now());
    if (own_view) ForGuardian(resp);
    return absl::OkStatus();
  });
}

grpc::Status ConductApi::ListArrangements(grpc::ServerContext* ctx, const v1::ListArrangementsRequest* req,
                                          v1::ListArrangementsResponse* resp) {
  return edge_.Serve(ctx, *req, [&](const auth::Grant& caller) -> absl::Status {
    if (req->state() < 0 || req->state() > v1::ARRANGEMENT_STATE_ENDED) {
      return InvalidArgument(reason::kInvalidField, "state is not a known state");
    }
    std::optional<ArrangementState> state;
    if (req->state() != v1::ARRANGEMENT_STATE_UNSPECIFIED) state = static_cast<ArrangementState>(req->state());
    const absl::Time now = clock_->Now();
    return ListPage(
        caller, *req,
        [&](const std::string& school_id, const std::string& guardian, PageQuery page) {
          return conduct_->ListArrangements(school_id, guardian, state, page);
        },
        [now](const Arrangement& a, v1::ListArrangementsResponse* r) {
          v1::Arrangement* item = r->add_arrangements();
          *item = ToProto(a, now);
          return item;
        },
        resp);
  });
}

grpc::Status ConductApi::UpdateArrangement(grpc::ServerContext* ctx, const v1::UpdateArrangementRequest* req,
                                           v1::Arrangement* resp) {
  return edge_.Serve(ctx, *req, [&](const auth::Grant& caller) {
    return ChangeArrangement(
        caller, *req, req->arrangement().name(), "arrangement.name", "UpdateArrangement",
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
  return edge_.Serve(ctx, *req, [&](const auth::Grant& caller) {
    return ChangeArrangement(
        caller, *req, req->name(), "name", "IssueArrangement",
        [&](const std::string& school_id, const std::string& id, const RequestKey& key,
            const Encoder<Arrangement>& encode) {
          return conduct_->IssueArrangement(key, school_id, id, req->etag(), caller.subject(), encode);
        },
        resp);
  });
}

grpc::Status ConductApi::TightenArrangement(grpc::ServerContext* ctx, const v1::TightenArrangementRequest* req,
                                            v1::Arrangement* resp) {
  return edge_.Serve(ctx, *req, [&](const auth::Grant& caller) {
    return ChangeArrangement(
        caller, *req, req->name(), "name", "TightenArrangement",
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
                                              caller.subject(), encode);
        },
        resp);
  });
}

grpc::Status ConductApi::ContinueArrangement(grpc::ServerContext* ctx, const v1::ContinueArrangementRequest* req,
                                             v1::Arrangement* resp) {
  return edge_.Serve(ctx, *req, [&](const auth::Grant& caller) {
    return ChangeArrangement(
        caller, *req, req->name(), "name", "ContinueArrangement",
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
  return edge_.Serve(ctx, *req, [&](const auth::Grant& caller) {
    return ChangeArrangement(
        caller, *req, req->name(), "name", "EndArrangement",
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
  return edge_.Serve(ctx, *req, [&](const auth::Grant& caller) -> absl::Status {
    PARLEY_ASSIGN_OR_RETURN(auto id, api::ParseSchoolChild(req->name(), "arrangements", "name"));
    bool own_view = false;
    PARLEY_RETURN_IF_ERROR(ReadableArrangement(caller, id.first, id.second, &own_view).status());
    PARLEY_ASSIGN_OR_RETURN(std::vector<ArrangementRevision> revisions, conduct_->ListRevisions(id.first, id.second));
    for (const ArrangementRevision& r : revisions) {
      v1::ArrangementRevision* item = resp->add_revisions();
      *item = ToProto(r, id.first, id.second);
      if (own_view) ForGuardian(item);
    }
    return absl::OkStatus();
  });
}

grpc::Status ConductApi::ListGuardianArrangements(grpc::ServerContext* ctx,
                                                  const v1::ListGuardianArrangementsRequest* req,
                                                  v1::ListGuardianArrangementsResponse* resp) {
  return edge_.Serve(ctx, *req, [&](const auth::Grant& caller) -> absl::Status {
    PARLEY_RETURN_IF_ERROR(api::CheckGuardianName(req->guardian(), "guardian"));
    // A guardian (no role reaching further than their own records) lists only their own, wherever
    // issued; staff see those of their schools (or, trust-wide, of schools they cover).
    const bool own_view = caller.Widest() == auth::Reach::kOwn;
    if (own_view && !caller.IsSelf(req->guardian())) return WrongGuardian("list the arrangements of a guardian");
    PARLEY_ASSIGN_OR_RETURN(std::vector<Arrangement> current, conduct_->ListGuardianArrangements(req->guardian()));
    const absl::Time now = clock_->Now();
    for (const Arrangement& a : current) {
      if (own_view) {
        if (!GuardianSees(caller, a)) continue;
        v1::Arrangement* item = resp->add_arrangements();
        *item = ToProto(a, now);
        ForGuardian(item);
        continue;
      }
      bool readable = ViewAt(caller, a.school_id).value_or(View::kOwn) == View::kAll;
      if (!readable && a.scope == ArrangementScope::kTrust) {
        for (const std::string& covered : a.covered_schools) {
          if (ViewAt(caller, covered).value_or(View::kOwn) == View::kAll) readable = true;
        }
      }
      if (readable) *resp->add_arrangements() = ToProto(a, now);
    }
    return absl::OkStatus();
  });
}

// ---- premises bans -----------------------------------------------------------------------------

grpc::Status ConductApi::CreatePremisesBan(grpc::ServerContext* ctx, const v1::CreatePremisesBanRequest* req,
                                           v1::PremisesBan* resp) {
  return edge_.Serve(ctx, *req, [&](const auth::Grant& caller) -> absl::Status {
    PARLEY_ASSIGN_OR_RETURN(std::string school_id, api::ParseSchool(req->parent(), "parent"));
    PARLEY_RETURN_IF_ERROR(caller.AtLeast(school_id, auth::Reach::kSchool).status());
    return Written<v1::PremisesBan, PremisesBan>(
        caller, *req, "CreatePremisesBan", [](const PremisesBan& b) { return ToProto(b); },
        [&](const RequestKey& key, const Encoder<PremisesBan>& encode) -> absl::StatusOr<WriteResult> {
          if (!req->has_premises_ban()) return InvalidArgument(reason::kInvalidField, "premises_ban is required");
          PARLEY_ASSIGN_OR_RETURN(PremisesBan ban, BanFrom(req->premises_ban(), school_id));
          ban.issued_by = caller.subject();
          return conduct_->CreateBan(key, std::move(ban), encode);
        },
        resp);
  });
}

grpc::Status ConductApi::GetPremisesBan(grpc::ServerContext* ctx, const v1::GetPremisesBanRequest* req,
                                        v1::PremisesBan* resp) {
  return ServeGet(edge_, ctx, *req, kBans, conduct_, &ConductService::GetBan, resp);
}

grpc::Status ConductApi::ListPremisesBans(grpc::ServerContext* ctx, const v1::ListPremisesBansRequest* req,
                                          v1::ListPremisesBansResponse* resp) {
  return ServeList(edge_, ctx, *req, conduct_, &ConductService::ListBans,
                   &v1::ListPremisesBansResponse::add_premises_bans, resp);
}

grpc::Status ConductApi::RevokePremisesBan(grpc::ServerContext* ctx, const v1::RevokePremisesBanRequest* req,
                                           v1::PremisesBan* resp) {
  return edge_.Serve(ctx, *req, [&](const auth::Grant& caller) -> absl::Status {
    PARLEY_ASSIGN_OR_RETURN(auto id, api::ParseSchoolChild(req->name(), "premisesBans", "name"));
    PARLEY_RETURN_IF_ERROR(caller.AtLeast(id.first, auth::Reach::kSchool).status());
    return Written<v1::PremisesBan, PremisesBan>(
        caller, *req, "RevokePremisesBan", [](const PremisesBan& b) { return ToProto(b); },
        [&](const RequestKey& key, const Encoder<PremisesBan>& encode) {
          return conduct_->RevokeBan(key, id.first, id.second, req->etag(), encode);
        },
        resp);
  });
}

// ---- letters and stats -------------------------------------------------------------------------

grpc::Status ConductApi::GetLetter(grpc::ServerContext* ctx, const v1::GetLetterRequest* req, v1::Letter* resp) {
  return ServeGet(edge_, ctx, *req, kLetters, conduct_, &ConductService::GetLetter, resp);
}

grpc::Status ConductApi::ListLetters(grpc::ServerContext* ctx, const v1::ListLettersRequest* req,
                                     v1::ListLettersResponse* resp) {
  return ServeList(edge_, ctx, *req, conduct_, &ConductService::ListLetters, &v1::ListLettersResponse::add_letters,
                   resp);
}

grpc::Status ConductApi::GetSchoolStats(grpc::ServerContext* ctx, const v1::GetSchoolStatsRequest* req,
                                        v1::SchoolStats* resp) {
  return edge_.Serve(ctx, *req, [&](const auth::Grant& caller) -> absl::Status {
    PARLEY_ASSIGN_OR_RETURN(std::string school_id, api::ParseSchool(req->school(), "school"));
    PARLEY_RETURN_IF_ERROR(caller.AtLeast(school_id, auth::Reach::kSchool).status());
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
    resp->set_arrangements_past_review(s.arrangements_past_review);
    resp->set_tightenings(s.tightenings);
    resp->set_bans_started(s.bans_started);
    resp->set_bans_active(s.bans_active);
    for (const auto& [outcome, n] : s.decisions_by_outcome) {
      v1::OutcomeCount* c = resp->add_decisions_by_outcome();
      c->set_outcome(static_cast<v1::Outcome>(outcome));
      c->set_count(n);
    }
    resp->set_version(std::string(BuildVersion()));
    return absl::OkStatus();
  });
}

}  // namespace parley::conduct
