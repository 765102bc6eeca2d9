#include "services/conduct/domain/conduct_service.h"

#include <algorithm>
#include <utility>
#include <vector>

#include "absl/random/random.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_join.h"
#include "common/log/log.h"
#include "common/status/reason.h"
#include "common/status/status_macros.h"
#include "nlohmann/json.hpp"
#include "services/conduct/domain/gate.h"
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

// The letter's notice (DESIGN §2): who gets it, the pupils it concerns, the template and what it
// says. A conduct letter is important: it goes by the guardian's channel with fallbacks.
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
  return FailedPrecondition("WRONG_STATE", absl::StrCat("cannot ", action, " arrangement ", a.id, ": it is ",
                                                        kNames[static_cast<int>(EffectiveState(a, now))]));
}

}  // namespace

std::string NewId(char prefix) {
  thread_local absl::BitGen gen;
  return absl::StrFormat("%c%012x", prefix, absl::Uniform<uint64_t>(gen, 0, uint64_t{1} << 48));
}

std::string EtagOf(int64_t row_version) { return absl::StrCat("\"", row_version, "\""); }

absl::Status CheckEtag(const std::string& sent, int64_t row_version) {
  if (sent.empty() || sent == EtagOf(row_version)) return absl::OkStatus();
  return Aborted("STALE_ETAG", "the record has changed since it was read: read it again and retry");
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

absl::StatusOr<DecisionRecord> ConductService::Check(const GateQuery& query, const std::string& asked_by) {
  const absl::Time now = clock_->Now();
  if (query.purpose == Purpose::kInboundMessage && query.at > now + options_.message_future_skew) {
    return InvalidArgument("TIME_IN_FUTURE", "time: a message cannot arrive in the future");
  }
  PARLEY_ASSIGN_OR_RETURN(SchoolInfo school, directory_->GetSchool(query.school_id));
  PARLEY_ASSIGN_OR_RETURN(GuardianInfo guardian, directory_->GetGuardian(query.guardian));
  if (!Contains(guardian.school_ids, query.school_id)) {
    return NotFound("GUARDIAN_NOT_FOUND",
                    absl::StrCat("no guardian ", query.guardian, " of a pupil at school ", query.school_id));
  }
  std::shared_ptr<const GateSnapshot> snapshot = gate_->Current();
  GateInputs inputs;
  inputs.zone = school.zone;
  inputs.arrangements = snapshot->ArrangementsOf(query.guardian);
  inputs.bans = snapshot->BansOf(query.school_id, query.guardian);
  std::optional<absl::Time> last = snapshot->LastIncident(query.school_id, query.guardian);
  inputs.known_difficult = last.has_value() && *last >= now - options_.incident_lookback;

  DecisionRecord record;
  record.id = NewId('d');
  record.query = query;
  record.decision = Decide(query, inputs);
  record.asked_by = asked_by;
  record.decide_time = now;
  PARLEY_RETURN_IF_ERROR(recorder_->Record(record));
  return record;
}

// ---- incidents ---------------------------------------------------------------------------------

absl::StatusOr<WriteResult> ConductService::CreateIncident(const RequestKey& key, Incident incident,
                                                           const Encoder<Incident>& encode) {
  incident.id = NewId('i');
  PARLEY_RETURN_IF_ERROR(ValidateIncident(incident, clock_->Now()));
  PARLEY_ASSIGN_OR_RETURN(GuardianInfo guardian, directory_->GetGuardian(incident.guardian));
  if (!Contains(guardian.school_ids, incident.school_id)) {
    return NotFound("GUARDIAN_NOT_FOUND",
                    absl::StrCat("no guardian ", incident.guardian, " of a pupil at school ", incident.school_id));
  }
  for (const std::string& staff : incident.staff_involved) PARLEY_RETURN_IF_ERROR(directory_->CheckStaff(staff));
  return AfterWrite(store_->CreateIncident(key, incident, encode));
}

absl::StatusOr<WriteResult> ConductService::UpdateIncident(const RequestKey& key, const std::string& school_id,
                                                           const std::string& id, const std::string& etag,
                                                           const std::function<Incident(const Incident&)>& apply,
                                                           const Encoder<Incident>& encode) {
  const absl::Time now = clock_->Now();
  return AfterWrite(store_->UpdateIncident(
      key, school_id, id,
      [&](const Incident& current) -> absl::StatusOr<Incident> {
        PARLEY_RETURN_IF_ERROR(CheckEtag(etag, current.row_version));
        Incident next = apply(current);
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
  PARLEY_ASSIGN_OR_RETURN(GuardianInfo guardian, directory_->GetGuardian(draft.guardian));
  if (!Contains(guardian.school_ids, draft.school_id)) {
    return NotFound("GUARDIAN_NOT_FOUND",
                    absl::StrCat("no guardian ", draft.guardian, " of a pupil at school ", draft.school_id));
  }
  if (!draft.terms.point_of_contact.empty())
    PARLEY_RETURN_IF_ERROR(directory_->CheckStaff(draft.terms.point_of_contact));
  draft.covered_schools.clear();
  if (draft.scope == ArrangementScope::kTrust) draft.covered_schools = guardian.school_ids;
  return AfterWrite(store_->CreateArrangement(key, draft, encode));
}

absl::StatusOr<WriteResult> ConductService::UpdateArrangement(
    const RequestKey& key, const std::string& school_id, const std::string& id, const std::string& etag,
    const std::function<Arrangement(const Arrangement&)>& apply, const Encoder<Arrangement>& encode) {
  PARLEY_ASSIGN_OR_RETURN(SchoolInfo school, directory_->GetSchool(school_id));
  return AfterWrite(store_->MutateArrangement(
      key, school_id, id,
      [&](const Arrangement& current, absl::Time now) -> absl::StatusOr<ArrangementChange> {
        PARLEY_RETURN_IF_ERROR(CheckEtag(etag, current.row_version));
        if (current.state != ArrangementState::kDraft) {
          return FailedPrecondition(
              "WRONG_STATE",
              absl::StrCat("arrangement ", id, " has been issued: tighten, continue or end it instead of editing it"));
        }
        (void)now;
        ArrangementChange change;
        change.updated = apply(current);
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

absl::StatusOr<absl::Time> ConductService::ReviewDueAt(const std::string& school_id, absl::CivilDay review_date) {
  PARLEY_ASSIGN_OR_RETURN(SchoolInfo school, directory_->GetSchool(school_id));
  return school.zone.At(absl::CivilSecond(review_date)).pre;
}

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
        change.schedule = timer::TimerSpec{kReviewTimerKind, absl::StrCat(school_id, "/", id),
                                           school.zone.At(absl::CivilSecond(*current.review_date)).pre,
                                           absl::StrCat(1, " ", absl::FormatCivilTime(*current.review_date))};
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
    return InvalidArgument("INVALID_FIELD", "breach_incident is required: record the breach as an incident first");
  }
  PARLEY_ASSIGN_OR_RETURN(Incident breach, store_->GetIncident(school_id, breach_incident_id));
  if (breach.guardian != peek.guardian) {
    return InvalidArgument("INVALID_FIELD",
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
        change.schedule = timer::TimerSpec{
            kReviewTimerKind, absl::StrCat(school_id, "/", id),
            school.zone.At(absl::CivilSecond(*change.updated.review_date)).pre,
            absl::StrCat(change.updated.version, " ", absl::FormatCivilTime(*change.updated.review_date))};
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
          return InvalidArgument("INVALID_FIELD",
                                 absl::StrCat("next_review_date ", absl::FormatCivilTime(next_review_date),
                                              " must be after today (", absl::FormatCivilTime(today), ")"));
        }
        ArrangementChange change;
        change.updated = current;
        change.updated.state = ArrangementState::kActive;
        change.updated.review_date = next_review_date;
        change.schedule = timer::TimerSpec{kReviewTimerKind, absl::StrCat(school_id, "/", id),
                                           school.zone.At(absl::CivilSecond(next_review_date)).pre,
                                           absl::StrCat(current.version, " ", absl::FormatCivilTime(next_review_date))};
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
            return InvalidArgument("INVALID_FIELD", "end_time must be after the arrangement's start");
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

absl::StatusOr<ConductService::ReviewReminder> ConductService::PlanReviewReminder(const std::string& school_id,
                                                                                  const std::string& arrangement_id,
                                                                                  const std::string& guardian,
                                                                                  absl::CivilDay review_date,
                                                                                  absl::Time now) {
  PARLEY_ASSIGN_OR_RETURN(std::string head, directory_->HeadOf(school_id));
  PARLEY_ASSIGN_OR_RETURN(absl::Time send_at, directory_->NextWorkingTime(school_id, head, now));
  ReviewReminder r;
  r.send_at = send_at;
  const std::string arrangement = absl::StrCat(SchoolName(school_id), "/arrangements/", arrangement_id);
  r.notice.key =
      absl::StrCat("conduct/review/", school_id, "/", arrangement_id, "/", absl::FormatCivilTime(review_date));
  r.notice.kind = "arrangement_review_reminder";
  r.notice.school_id = school_id;
  r.notice.not_before = send_at;
  r.notice.notice_json = nlohmann::json{
      {"category", "conduct_letter"},
      {"priority", "important"},
      {"school", SchoolName(school_id)},
      {"recipients", {{"guardians", nlohmann::json::array()}, {"staff", {head}}}},
      {"pupils", nlohmann::json::array()},
      {"template", "conduct.arrangement_review_due"},
      {"variables",
       {{"arrangement", arrangement}, {"guardian", guardian}, {"review_date", absl::FormatCivilTime(review_date)}}},
      {"not_before",
       Utc(send_at)}}.dump();
  return r;
}

// ---- premises bans -----------------------------------------------------------------------------

absl::StatusOr<WriteResult> ConductService::CreateBan(const RequestKey& key, PremisesBan ban,
                                                      const Encoder<PremisesBan>& encode) {
  ban.id = NewId('b');
  PARLEY_RETURN_IF_ERROR(ValidateBan(ban));
  PARLEY_ASSIGN_OR_RETURN(GuardianInfo guardian, directory_->GetGuardian(ban.guardian));
  if (!Contains(guardian.school_ids, ban.school_id)) {
    return NotFound("GUARDIAN_NOT_FOUND",
                    absl::StrCat("no guardian ", ban.guardian, " of a pupil at school ", ban.school_id));
  }
  if (!ban.incident_id.empty()) {
    PARLEY_ASSIGN_OR_RETURN(Incident incident, store_->GetIncident(ban.school_id, ban.incident_id));
    if (incident.guardian != ban.guardian) {
      return InvalidArgument("INVALID_FIELD", absl::StrCat("incident ", ban.incident_id, " is about another guardian"));
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
          return FailedPrecondition("WRONG_STATE", absl::StrCat("premises ban ", id, " is already over"));
        }
        PremisesBan next = current;
        next.revoke_time = std::max(now, current.start_time);
        return next;
      },
      encode));
}

}  // namespace parley::conduct
