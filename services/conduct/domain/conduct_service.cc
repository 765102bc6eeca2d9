#include "services/conduct/domain/conduct_service.h"

#include <algorithm>
#include <utility>
#include <vector>

#include "absl/random/random.h"
#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_replace.h"
#include "common/log/log.h"
#include "common/request/request_key.h"
#include "common/status/reason.h"
#include "common/status/status_macros.h"
#include "nlohmann/json.hpp"
#include "services/conduct/domain/gate.h"
#include "services/conduct/domain/incident_notices.h"
#include "services/conduct/domain/validation.h"

namespace parley::conduct {
namespace {

// ---- notices: a small JSON writer (values are escaped; the outbox column is JSONB) -------------

std::string Utc(absl::Time t) { return absl::FormatTime("%Y-%m-%dT%H:%M:%SZ", t, absl::UTCTimeZone()); }

std::string TemplateFor(LetterKind kind) {
  switch (kind) {
    case LetterKind::kIssued:
      return "conduct.arrangement_issued";
    case LetterKind::kTightened:
      return "conduct.arrangement_tightened";
    case LetterKind::kEnded:
      return "conduct.arrangement_ended";
  }
  return "";
}

std::string SchoolName(const std::string& school_id) { return absl::StrCat("schools/", school_id); }

// The letter's notice (docs/architecture.md#services-and-what-they-own): who gets it, the pupils it concerns, the
// template and what it says. A conduct letter is important: it goes by the guardian's channel with fallbacks.
OutboxNotice LetterNotice(const Letter& l, const std::vector<std::string>& pupils) {
  std::vector<std::string> channels, windows;
  for (Channel c : l.terms.allowed_channels) channels.emplace_back(ChannelName(c));
  for (const TimeWindow& w : l.terms.allowed_windows) {
    windows.push_back(WindowText(w));
  }
  nlohmann::json variables = {
      {"arrangement", absl::StrCat(SchoolName(l.school_id), "/arrangements/", l.arrangement_id)},
      {"version", l.arrangement_version},
      {"reasons", l.terms.reasons},
      {"allowed_channels", channels},
      {"allowed_windows", windows},
      {"point_of_contact", l.terms.point_of_contact},
      {"second_staff_required", l.terms.meeting.second_staff_required},
      {"head_informed", l.terms.meeting.head_informed},
      {"off_site_only", l.terms.meeting.off_site_only},
      {"review_date", l.review_date ? absl::FormatCivilTime(*l.review_date) : ""},
      {"start_time", l.start_time ? Utc(*l.start_time) : ""},
      {"end_time", l.end_time ? Utc(*l.end_time) : ""}};
  OutboxNotice n;
  n.key = absl::StrCat("conduct/letter/", l.school_id, "/", l.id);
  n.kind = "conduct_letter";
  n.school_id = l.school_id;
  n.not_before = l.create_time;
  n.notice_json = nlohmann::json{{"category", "conduct_letter"},
                                 {"priority", "important"},
                                 {"school", SchoolName(l.school_id)},
                                 {"letter", absl::StrCat(SchoolName(l.school_id), "/letters/", l.id)},
                                 {"recipients", {{"guardians", {l.guardian}}, {"staff", nlohmann::json::array()}}},
                                 {"pupils", pupils},
                                 {"template", l.template_key},
                                 {"variables", variables},
                                 {"not_before", Utc(n.not_before)}}
                      .dump();
  return n;
}

bool Contains(const std::vector<std::string>& v, const std::string& x) {
  return std::find(v.begin(), v.end(), x) != v.end();
}

absl::Status StateError(const Arrangement& a, absl::Time now, absl::string_view action) {
  static constexpr const char* kNames[] = {"", "a draft", "active", "under review", "ended"};
  return FailedPrecondition(reason::kWrongState, absl::StrCat("cannot ", action, " arrangement ", a.id, ": it is ",
                                                              kNames[static_cast<int>(EffectiveState(a, now))]));
}

}  // namespace

std::string NewId(char prefix) {
  thread_local absl::BitGen gen;
  return absl::StrFormat("%c%012x", prefix, absl::Uniform<uint64_t>(gen, 0, uint64_t{1} << 48));
}

std::string KeyedDecisionId(const std::string& school_id, const std::string& asked_by, const std::string& request_id) {
  return absl::StrCat(
      "d",
      absl::StrReplaceAll(request::DerivedRequestId(absl::StrCat("conduct.CheckCommunication\n", school_id, "\n",
                                                                 asked_by, "\n", absl::AsciiStrToLower(request_id))),
                          {{"-", ""}}));
}

std::string EtagOf(int64_t row_version) { return absl::StrCat("\"", row_version, "\""); }

absl::Status CheckEtag(const std::string& sent, int64_t row_version) {
  if (sent.empty() || sent == EtagOf(row_version)) return absl::OkStatus();
  return Aborted(reason::kStaleEtag, "the record has changed since it was read: read it again and retry");
}

ConductService::ConductService(ConductStore* store, Directory* directory, GateCache* gate, DecisionRecorder* recorder,
                               TimerNudge nudge, const Clock* clock, ConductOptions options)
    : store_(store),
      directory_(directory),
      gate_(gate),
      recorder_(recorder),
      nudge_(std::move(nudge)),
      clock_(clock),
      options_(options) {}

absl::StatusOr<GuardianInfo> ConductService::GuardianAt(const std::string& guardian, const std::string& school_id) {
  absl::StatusOr<GuardianInfo> info = directory_->GetGuardian(guardian);
  if (info.ok() ? !Contains(info->school_ids, school_id) : absl::IsNotFound(info.status())) {
    return NotFound(reason::kGuardianNotFound,
                    absl::StrCat("no guardian ", guardian, " of a pupil at school ", school_id));
  }
  return info;
}

absl::StatusOr<WriteResult> ConductService::AfterWrite(absl::StatusOr<WriteResult> result) {
  if (!result.ok()) return result;
  // The writer's own next check must see the change at once; other replicas poll the epoch.
  if (absl::Status refreshed = gate_->Refresh(); !refreshed.ok()) {
    log::Warning("gate_refresh_after_write_failed", {{"code", absl::StatusCodeToString(refreshed.code())}});
  }
  if (nudge_) {
    for (const timer::TimerRef& ref : result->timers) nudge_(ref);
  }
  return result;
}

// ---- the gate ----------------------------------------------------------------------------------

absl::StatusOr<DecisionRecord> ConductService::Decided(const GateQuery& query, absl::Time now) {
  if (query.purpose == Purpose::kInboundMessage && query.at > now + options_.message_future_skew) {
    return InvalidArgument(reason::kTimeInFuture, "time: a message cannot arrive in the future");
  }
  PARLEY_RETURN_IF_ERROR(ValidateQuery(query));
  PARLEY_ASSIGN_OR_RETURN(SchoolInfo school, directory_->GetSchool(query.school_id));
  PARLEY_RETURN_IF_ERROR(GuardianAt(query.guardian, query.school_id).status());
  if (!query.addressed_to.empty()) PARLEY_RETURN_IF_ERROR(directory_->CheckStaff(query.addressed_to));
  std::shared_ptr<const GateSnapshot> snapshot = gate_->Current();
  GateInputs inputs;
  inputs.zone = school.zone;
  inputs.arrangements = snapshot->ArrangementsOf(query.guardian);
  inputs.bans = snapshot->BansOf(query.school_id, query.guardian);
  std::optional<absl::Time> last = snapshot->LastIncident(query.school_id, query.guardian);
  inputs.known_difficult = last.has_value() && *last >= now - options_.incident_lookback;

  DecisionRecord record;
  record.query = query;
  record.decision = Decide(query, inputs);
  record.decide_time = now;
  return record;
}

absl::StatusOr<DecisionRecord> ConductService::Check(const GateQuery& query, const std::string& asked_by,
                                                     const std::string& request_id) {
  const bool keyed = !request_id.empty();
  const std::string id = keyed ? KeyedDecisionId(query.school_id, asked_by, request_id) : NewId('d');
  if (keyed) {
    // A retry, or a copy running alongside, is answered with the decision given first: still in
    // the log's memory, or stored. Only a decision lost in a crash is decided again.
    if (std::optional<DecisionRecord> first = recorder_->Find(query.school_id, id)) return *std::move(first);
    absl::StatusOr<DecisionRecord> stored = store_->GetDecision(query.school_id, id);
    if (stored.ok() || !absl::IsNotFound(stored.status())) return stored;
  }
  PARLEY_ASSIGN_OR_RETURN(DecisionRecord record, Decided(query, clock_->Now()));
  record.id = id;
  record.asked_by = asked_by;
  // Queued, not yet stored (decision_recorder.h says when it is): the read path waits for no
  // commit. A copy queued first is returned instead.
  return recorder_->Record(std::move(record), keyed);
}

absl::StatusOr<DecisionRecord> ConductService::Evaluate(const GateQuery& query) {
  return Decided(query, clock_->Now());
}

absl::StatusOr<DecisionRecord> ConductService::GetDecision(const std::string& school_id, const std::string& id) {
  if (std::optional<DecisionRecord> queued = recorder_->Find(school_id, id)) return *std::move(queued);
  return store_->GetDecision(school_id, id);
}

absl::StatusOr<Page<DecisionRecord>> ConductService::ListDecisions(const std::string& school_id,
                                                                   const std::string& guardian,
                                                                   std::optional<Outcome> outcome, PageQuery page) {
  // Flush on read: a list (and its page tokens, which are positions in the stored log) includes
  // every decision answered before it.
  PARLEY_RETURN_IF_ERROR(recorder_->Flush());
  return store_->ListDecisions(school_id, guardian, outcome, page);
}

// ---- reads -------------------------------------------------------------------------------------

absl::StatusOr<Incident> ConductService::GetIncident(const std::string& school_id, const std::string& id) {
  return store_->GetIncident(school_id, id);
}

absl::StatusOr<Page<Incident>> ConductService::ListIncidents(const std::string& school_id, const std::string& guardian,
                                                             PageQuery page) {
  return store_->ListIncidents(school_id, guardian, page);
}

absl::StatusOr<Arrangement> ConductService::GetArrangement(const std::string& school_id, const std::string& id) {
  return store_->GetArrangement(school_id, id);
}

absl::StatusOr<Page<Arrangement>> ConductService::ListArrangements(const std::string& school_id,
                                                                   const std::string& guardian,
                                                                   std::optional<ArrangementState> state,
                                                                   PageQuery page) {
  const absl::Time now = clock_->Now();
  // The state filter applies to the effective state, which the store does not hold.
  while (true) {
    PARLEY_ASSIGN_OR_RETURN(Page<Arrangement> result, store_->ListArrangements(school_id, guardian, page));
    if (state) {
      result.items.erase(std::remove_if(result.items.begin(), result.items.end(),
                                        [&](const Arrangement& a) { return EffectiveState(a, now) != *state; }),
                         result.items.end());
    }
    if (result.next_before_seq == 0 || !result.items.empty()) return result;
    page.before_seq = result.next_before_seq;
  }
}

absl::StatusOr<std::vector<ArrangementRevision>> ConductService::ListRevisions(const std::string& school_id,
                                                                               const std::string& id) {
  return store_->ListRevisions(school_id, id);
}

absl::StatusOr<std::vector<Arrangement>> ConductService::ListGuardianArrangements(const std::string& guardian) {
  PARLEY_ASSIGN_OR_RETURN(std::vector<Arrangement> all, store_->ListGuardianArrangements(guardian));
  const absl::Time now = clock_->Now();
  std::vector<Arrangement> out;
  for (Arrangement& a : all) {
    const ArrangementState state = EffectiveState(a, now);
    if (state == ArrangementState::kActive || state == ArrangementState::kUnderReview) out.push_back(std::move(a));
  }
  return out;
}

absl::StatusOr<PremisesBan> ConductService::GetBan(const std::string& school_id, const std::string& id) {
  return store_->GetBan(school_id, id);
}

absl::StatusOr<Page<PremisesBan>> ConductService::ListBans(const std::string& school_id, const std::string& guardian,
                                                           PageQuery page) {
  return store_->ListBans(school_id, guardian, page);
}

absl::StatusOr<Letter> ConductService::GetLetter(const std::string& school_id, const std::string& id) {
  return store_->GetLetter(school_id, id);
}

absl::StatusOr<Page<Letter>> ConductService::ListLetters(const std::string& school_id, const std::string& guardian,
                                                         PageQuery page) {
  return store_->ListLetters(school_id, guardian, page);
}

absl::StatusOr<ConductStore::Stats> ConductService::GetSchoolStats(const std::string& school_id, absl::Time start,
                                                                   absl::Time end) {
  if (end <= start) return InvalidArgument(reason::kInvalidField, "end_time must be after start_time");
  PARLEY_ASSIGN_OR_RETURN(SchoolInfo school, directory_->GetSchool(school_id));
  PARLEY_RETURN_IF_ERROR(recorder_->Flush());  // the figures count every decision answered so far
  // Past review as the period closes, or as things stand if it has not closed yet.
  const absl::Time as_of = std::min(end, clock_->Now());
  return store_->GetSchoolStats(school_id, start, end, as_of, absl::ToCivilDay(as_of, school.zone));
}

// ---- incidents ---------------------------------------------------------------------------------

absl::StatusOr<WriteResult> ConductService::CreateIncident(const RequestKey& key, Incident incident,
                                                           const Encoder<Incident>& encode) {
  incident.id = NewId('i');
  PARLEY_RETURN_IF_ERROR(ValidateIncident(incident, clock_->Now()));
  PARLEY_ASSIGN_OR_RETURN(GuardianInfo guardian, GuardianAt(incident.guardian, incident.school_id));
  for (const std::string& staff : incident.staff_involved) PARLEY_RETURN_IF_ERROR(directory_->CheckStaff(staff));
  PARLEY_ASSIGN_OR_RETURN(incident.referrals, Referrals(incident));
  return AfterWrite(store_->CreateIncident(key, incident, ReferralNotices(incident, clock_->Now()), encode));
}

absl::StatusOr<std::vector<IncidentReferral>> ConductService::Referrals(const Incident& incident) {
  PARLEY_ASSIGN_OR_RETURN(std::vector<IncidentNoticeRule> rules, directory_->IncidentNoticesOf(incident.school_id));
  const bool wants_line_manager = std::any_of(rules.begin(), rules.end(), [&](const IncidentNoticeRule& r) {
    return r.reporter_line_manager && RuleMatches(r, incident);
  });
  std::string line_manager, head;
  if (wants_line_manager) {
    // The recorder's line manager, when the recorder is one of this school's staff (a trust
    // administrator or the office may record for someone else; their line manager is not the one).
    if (absl::StartsWith(incident.reported_by, absl::StrCat("schools/", incident.school_id, "/staff/"))) {
      absl::StatusOr<std::string> manager = directory_->LineManagerOf(incident.reported_by);
      if (manager.ok()) {
        line_manager = *std::move(manager);
      } else if (!absl::IsNotFound(manager.status())) {
        return manager.status();
      }
    }
    if (line_manager.empty()) {
      absl::StatusOr<std::string> found = directory_->HeadOf(incident.school_id);
      if (found.ok()) {
        head = *std::move(found);
      } else if (absl::IsFailedPrecondition(found.status())) {
        // Recorded all the same: the incident matters more than the notice; the gap is logged.
        log::Warning("incident_referral_no_head", {{"school", incident.school_id}});
      } else {
        return found.status();
      }
    }
  }
  return PlanReferrals(incident, rules, line_manager, head);
}

absl::StatusOr<WriteResult> ConductService::UpdateIncident(
    const RequestKey& key, const std::string& school_id, const std::string& id, const std::string& etag,
    const std::function<absl::StatusOr<Incident>(const Incident&)>& apply, const Encoder<Incident>& encode) {
  const absl::Time now = clock_->Now();
  return AfterWrite(store_->UpdateIncident(
      key, school_id, id,
      [&](const Incident& current) -> absl::StatusOr<Incident> {
        PARLEY_RETURN_IF_ERROR(CheckEtag(etag, current.row_version));
        PARLEY_ASSIGN_OR_RETURN(Incident next, apply(current));
        next.referrals = current.referrals;  // who was told when it was recorded stays as it was
        PARLEY_RETURN_IF_ERROR(ValidateIncident(next, now));
        for (const std::string& staff : next.staff_involved) {
          if (!Contains(current.staff_involved, staff)) PARLEY_RETURN_IF_ERROR(directory_->CheckStaff(staff));
        }
        return next;
      },
      encode));
}

// ---- arrangements ------------------------------------------------------------------------------

absl::StatusOr<WriteResult> ConductService::CreateArrangement(const RequestKey& key, Arrangement draft,
                                                              const Encoder<Arrangement>& encode) {
  draft.id = NewId('a');
  draft.state = ArrangementState::kDraft;
  draft.version = 0;
  PARLEY_ASSIGN_OR_RETURN(SchoolInfo school, directory_->GetSchool(draft.school_id));
  PARLEY_RETURN_IF_ERROR(ValidateDraft(draft, school.zone));
  PARLEY_ASSIGN_OR_RETURN(GuardianInfo guardian, GuardianAt(draft.guardian, draft.school_id));
  if (!draft.terms.point_of_contact.empty())
    PARLEY_RETURN_IF_ERROR(directory_->CheckStaff(draft.terms.point_of_contact));
  draft.covered_schools.clear();
  if (draft.scope == ArrangementScope::kTrust) draft.covered_schools = guardian.school_ids;
  return AfterWrite(store_->CreateArrangement(key, draft, encode));
}

absl::StatusOr<WriteResult> ConductService::UpdateArrangement(
    const RequestKey& key, const std::string& school_id, const std::string& id, const std::string& etag,
    const std::function<absl::StatusOr<Arrangement>(const Arrangement&)>& apply, const Encoder<Arrangement>& encode) {
  PARLEY_ASSIGN_OR_RETURN(SchoolInfo school, directory_->GetSchool(school_id));
  return AfterWrite(store_->MutateArrangement(
      key, school_id, id,
      [&](const Arrangement& current, absl::Time now) -> absl::StatusOr<ArrangementChange> {
        PARLEY_RETURN_IF_ERROR(CheckEtag(etag, current.row_version));
        if (current.state != ArrangementState::kDraft) {
          return FailedPrecondition(
              reason::kWrongState,
              absl::StrCat("arrangement ", id, " has been issued: tighten, continue or end it instead of editing it"));
        }
        (void)now;
        ArrangementChange change;
        PARLEY_ASSIGN_OR_RETURN(change.updated, apply(current));
        PARLEY_RETURN_IF_ERROR(ValidateDraft(change.updated, school.zone));
        if (!change.updated.terms.point_of_contact.empty() &&
            change.updated.terms.point_of_contact != current.terms.point_of_contact) {
          PARLEY_RETURN_IF_ERROR(directory_->CheckStaff(change.updated.terms.point_of_contact));
        }
        return change;
      },
      encode));
}

namespace {

// Builds the letter for `a` as it now stands, and its notice.
void AttachLetter(ArrangementChange& change, LetterKind kind, absl::Time now, const std::vector<std::string>& pupils) {
  const Arrangement& a = change.updated;
  Letter l;
  l.id = NewId('l');
  l.school_id = a.school_id;
  l.guardian = a.guardian;
  l.kind = kind;
  l.arrangement_id = a.id;
  l.arrangement_version = a.version;
  l.terms = a.terms;
  l.review_date = a.review_date;
  l.start_time = a.start_time;
  l.end_time = a.end_time;
  l.template_key = TemplateFor(kind);
  l.create_time = now;
  change.notice = LetterNotice(l, pupils);
  change.updated.letter_id = l.id;
  change.letter = std::move(l);
}

ArrangementRevision RevisionOf(const Arrangement& a) {
  ArrangementRevision v;
  v.version = a.version;
  v.terms = a.terms;
  v.review_date = a.review_date.value_or(absl::CivilDay());
  v.end_time = a.end_time;
  v.breach_incident_id = a.breach_incident_id;
  v.letter_id = a.letter_id;
  v.issued_by = a.issued_by;
  v.issue_time = a.issue_time.value_or(absl::UnixEpoch());
  return v;
}

std::vector<std::string> PupilsAt(const GuardianInfo& g, const Arrangement& a) {
  if (a.scope == ArrangementScope::kTrust) return g.pupils;
  std::vector<std::string> out;
  const std::string prefix = absl::StrCat("schools/", a.school_id, "/");
  for (const std::string& p : g.pupils) {
    if (p.rfind(prefix, 0) == 0) out.push_back(p);
  }
  return out;
}

}  // namespace

absl::StatusOr<WriteResult> ConductService::IssueArrangement(const RequestKey& key, const std::string& school_id,
                                                             const std::string& id, const std::string& etag,
                                                             const std::string& issued_by,
                                                             const Encoder<Arrangement>& encode) {
  PARLEY_ASSIGN_OR_RETURN(SchoolInfo school, directory_->GetSchool(school_id));
  PARLEY_ASSIGN_OR_RETURN(Arrangement peek, store_->GetArrangement(school_id, id));
  PARLEY_ASSIGN_OR_RETURN(GuardianInfo guardian, directory_->GetGuardian(peek.guardian));
  return AfterWrite(store_->MutateArrangement(
      key, school_id, id,
      [&](const Arrangement& current, absl::Time now) -> absl::StatusOr<ArrangementChange> {
        PARLEY_RETURN_IF_ERROR(CheckEtag(etag, current.row_version));
        if (current.state != ArrangementState::kDraft) return StateError(current, now, "issue");
        PARLEY_RETURN_IF_ERROR(ValidateForIssue(current, school.zone));
        ArrangementChange change;
        change.updated = current;
        change.updated.state = ArrangementState::kActive;
        change.updated.version = 1;
        change.updated.issued_by = issued_by;
        change.updated.issue_time = now;
        if (change.updated.scope == ArrangementScope::kTrust) change.updated.covered_schools = guardian.school_ids;
        AttachLetter(change, LetterKind::kIssued, now, PupilsAt(guardian, current));
        change.new_revision = RevisionOf(change.updated);
        change.schedule = ReviewTimerSpec({school_id, id, 1, *current.review_date}, school.zone);
        return change;
      },
      encode));
}

absl::StatusOr<WriteResult> ConductService::TightenArrangement(
    const RequestKey& key, const std::string& school_id, const std::string& id, const std::string& etag,
    ArrangementTerms terms, const std::string& breach_incident_id, std::optional<absl::CivilDay> review_date,
    const std::string& issued_by, const Encoder<Arrangement>& encode) {
  PARLEY_ASSIGN_OR_RETURN(SchoolInfo school, directory_->GetSchool(school_id));
  PARLEY_ASSIGN_OR_RETURN(Arrangement peek, store_->GetArrangement(school_id, id));
  if (breach_incident_id.empty()) {
    return InvalidArgument(reason::kInvalidField,
                           "breach_incident is required: record the breach as an incident first");
  }
  PARLEY_ASSIGN_OR_RETURN(Incident breach, store_->GetIncident(school_id, breach_incident_id));
  if (breach.guardian != peek.guardian) {
    return InvalidArgument(reason::kInvalidField,
                           absl::StrCat("breach_incident ", breach_incident_id, " is about another guardian"));
  }
  PARLEY_RETURN_IF_ERROR(ValidateTerms(terms, school_id, /*for_issue=*/true));
  if (!terms.point_of_contact.empty() && terms.point_of_contact != peek.terms.point_of_contact) {
    PARLEY_RETURN_IF_ERROR(directory_->CheckStaff(terms.point_of_contact));
  }
  PARLEY_ASSIGN_OR_RETURN(GuardianInfo guardian, directory_->GetGuardian(peek.guardian));
  return AfterWrite(store_->MutateArrangement(
      key, school_id, id,
      [&](const Arrangement& current, absl::Time now) -> absl::StatusOr<ArrangementChange> {
        PARLEY_RETURN_IF_ERROR(CheckEtag(etag, current.row_version));
        const ArrangementState state = EffectiveState(current, now);
        if (state != ArrangementState::kActive && state != ArrangementState::kUnderReview) {
          return StateError(current, now, "tighten");
        }
        PARLEY_RETURN_IF_ERROR(CheckTighter(current.terms, terms));
        ArrangementChange change;
        change.updated = current;
        change.updated.terms = terms;
        change.updated.version = current.version + 1;
        change.updated.state = ArrangementState::kActive;
        change.updated.breach_incident_id = breach_incident_id;
        change.updated.issued_by = issued_by;
        change.updated.issue_time = now;
        if (review_date) change.updated.review_date = *review_date;
        PARLEY_RETURN_IF_ERROR(ValidateForIssue(change.updated, school.zone));
        AttachLetter(change, LetterKind::kTightened, now, PupilsAt(guardian, current));
        change.new_revision = RevisionOf(change.updated);
        change.schedule =
            ReviewTimerSpec({school_id, id, change.updated.version, *change.updated.review_date}, school.zone);
        return change;
      },
      encode));
}

absl::StatusOr<WriteResult> ConductService::ContinueArrangement(const RequestKey& key, const std::string& school_id,
                                                                const std::string& id, const std::string& etag,
                                                                absl::CivilDay next_review_date,
                                                                const Encoder<Arrangement>& encode) {
  PARLEY_ASSIGN_OR_RETURN(SchoolInfo school, directory_->GetSchool(school_id));
  return AfterWrite(store_->MutateArrangement(
      key, school_id, id,
      [&](const Arrangement& current, absl::Time now) -> absl::StatusOr<ArrangementChange> {
        PARLEY_RETURN_IF_ERROR(CheckEtag(etag, current.row_version));
        const ArrangementState state = EffectiveState(current, now);
        if (state != ArrangementState::kActive && state != ArrangementState::kUnderReview) {
          return StateError(current, now, "continue");
        }
        const absl::CivilDay today = absl::ToCivilDay(now, school.zone);
        if (next_review_date <= today) {
          return InvalidArgument(reason::kInvalidField,
                                 absl::StrCat("next_review_date ", absl::FormatCivilTime(next_review_date),
                                              " must be after today (", absl::FormatCivilTime(today), ")"));
        }
        ArrangementChange change;
        change.updated = current;
        change.updated.state = ArrangementState::kActive;
        change.updated.review_date = next_review_date;
        change.schedule = ReviewTimerSpec({school_id, id, current.version, next_review_date}, school.zone);
        return change;
      },
      encode));
}

absl::StatusOr<WriteResult> ConductService::EndArrangement(const RequestKey& key, const std::string& school_id,
                                                           const std::string& id, const std::string& etag,
                                                           std::optional<absl::Time> end_time,
                                                           const Encoder<Arrangement>& encode) {
  PARLEY_ASSIGN_OR_RETURN(Arrangement peek, store_->GetArrangement(school_id, id));
  PARLEY_ASSIGN_OR_RETURN(GuardianInfo guardian, directory_->GetGuardian(peek.guardian));
  return AfterWrite(store_->MutateArrangement(
      key, school_id, id,
      [&](const Arrangement& current, absl::Time now) -> absl::StatusOr<ArrangementChange> {
        PARLEY_RETURN_IF_ERROR(CheckEtag(etag, current.row_version));
        const ArrangementState state = EffectiveState(current, now);
        if (state != ArrangementState::kActive && state != ArrangementState::kUnderReview) {
          return StateError(current, now, "end");
        }
        ArrangementChange change;
        change.updated = current;
        const absl::Time end = end_time.value_or(now);
        if (current.start_time && end <= *current.start_time) {
          if (end_time.has_value()) {
            return InvalidArgument(reason::kInvalidField, "end_time must be after the arrangement's start");
          }
          // Ended before it ever applied: withdrawn, with no end instant of its own.
          change.updated.end_time.reset();
          change.updated.state = ArrangementState::kEnded;
        } else {
          change.updated.end_time = end;
          if (end <= now) change.updated.state = ArrangementState::kEnded;
        }
        AttachLetter(change, LetterKind::kEnded, now, PupilsAt(guardian, current));
        change.cancel = std::make_pair(std::string(kReviewTimerKind), absl::StrCat(school_id, "/", id));
        return change;
      },
      encode));
}

absl::StatusOr<ReviewPlan> ConductService::PlanReview(const timer::Timer& t) {
  std::optional<ReviewTimerKey> key = ParseReviewTimer(t);
  if (!key) {
    log::Error("review_timer_malformed", {{"timer", t.id}});
    return ReviewPlan{};  // nothing to do for a timer this code never wrote
  }
  absl::StatusOr<Arrangement> a = store_->GetArrangement(key->school_id, key->arrangement_id);
  if (absl::IsNotFound(a.status())) return ReviewPlan{};
  if (!a.ok()) return a.status();
  if (!ReviewStillDue(*key, *a)) return ReviewPlan{};
  const absl::Time now = clock_->Now();
  PARLEY_ASSIGN_OR_RETURN(std::string head, directory_->HeadOf(key->school_id));
  PARLEY_ASSIGN_OR_RETURN(absl::Time send_at, directory_->NextWorkingTime(key->school_id, head, now));
  return DecideReview(*key, now, send_at, ReviewReminder(*key, a->guardian, head, send_at));
}

// ---- premises bans -----------------------------------------------------------------------------

absl::StatusOr<WriteResult> ConductService::CreateBan(const RequestKey& key, PremisesBan ban,
                                                      const Encoder<PremisesBan>& encode) {
  ban.id = NewId('b');
  PARLEY_RETURN_IF_ERROR(ValidateBan(ban));
  PARLEY_ASSIGN_OR_RETURN(GuardianInfo guardian, GuardianAt(ban.guardian, ban.school_id));
  if (!ban.incident_id.empty()) {
    PARLEY_ASSIGN_OR_RETURN(Incident incident, store_->GetIncident(ban.school_id, ban.incident_id));
    if (incident.guardian != ban.guardian) {
      return InvalidArgument(reason::kInvalidField,
                             absl::StrCat("incident ", ban.incident_id, " is about another guardian"));
    }
  }
  return AfterWrite(store_->CreateBan(key, ban, encode));
}

absl::StatusOr<WriteResult> ConductService::RevokeBan(const RequestKey& key, const std::string& school_id,
                                                      const std::string& id, const std::string& etag,
                                                      const Encoder<PremisesBan>& encode) {
  return AfterWrite(store_->MutateBan(
      key, school_id, id,
      [&](const PremisesBan& current, absl::Time now) -> absl::StatusOr<PremisesBan> {
        PARLEY_RETURN_IF_ERROR(CheckEtag(etag, current.row_version));
        if (current.revoke_time || (current.end_time && *current.end_time <= now)) {
          return FailedPrecondition(reason::kWrongState, absl::StrCat("premises ban ", id, " is already over"));
        }
        PremisesBan next = current;
        next.revoke_time = std::max(now, current.start_time);
        return next;
      },
      encode));
}

}  // namespace parley::conduct
