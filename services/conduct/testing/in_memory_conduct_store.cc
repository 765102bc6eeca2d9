#include "services/conduct/testing/in_memory_conduct_store.h"

#include <algorithm>
#include <functional>
#include <limits>
#include <utility>

#include "absl/strings/str_cat.h"
#include "common/status/reason.h"
#include "common/status/status_macros.h"

namespace parley::conduct::testing {
namespace {

template <typename T>
absl::StatusOr<T> Find(const std::map<std::pair<std::string, std::string>, T>& rows, const std::string& school_id,
                       const std::string& id, absl::string_view reason) {
  auto it = rows.find({school_id, id});
  if (it == rows.end()) return NotFound(reason, absl::StrCat("no such record ", id, " at school ", school_id));
  return it->second;
}

// Newest first (highest seq), below `page.before_seq` when set, `page.size` of them; the next page
// starts below the last one returned when more remain (as PgConductStore pages).
template <typename Rows, typename Keep>
auto PageOf(const Rows& rows, const PageQuery& page, Keep keep) {
  using T = decltype(rows.begin()->second.value);
  std::vector<std::pair<int64_t, const T*>> matching;
  const int64_t before = page.before_seq > 0 ? page.before_seq : std::numeric_limits<int64_t>::max();
  for (const auto& [id, row] : rows) {
    if (row.seq < before && keep(row.value)) matching.emplace_back(row.seq, &row.value);
  }
  std::sort(matching.begin(), matching.end(), [](const auto& a, const auto& b) { return a.first > b.first; });
  Page<T> out;
  for (const auto& [seq, value] : matching) {
    if (static_cast<int>(out.items.size()) == page.size) {
      out.next_before_seq = matching[page.size - 1].first;
      break;
    }
    out.items.push_back(*value);
  }
  return out;
}

bool ForGuardian(const std::string& want, const std::string& guardian) { return want.empty() || want == guardian; }

bool Issued(const Arrangement& a) {
  return a.state == ArrangementState::kActive || a.state == ArrangementState::kUnderReview;
}

}  // namespace

void InMemoryConductStore::Written() {
  ++epoch_;
  ++writes_;
}

absl::StatusOr<WriteResult> InMemoryConductStore::Idempotent(
    const RequestKey& key, const std::function<absl::StatusOr<std::string>(WriteResult&)>& work) {
  auto it = requests_.find({key.scope, key.request_id});
  if (it != requests_.end()) {
    if (it->second.fingerprint != key.fingerprint) {
      return InvalidArgument(reason::kRequestIdReused,
                             absl::StrCat("request_id ", key.request_id, " was used for a different request"));
    }
    WriteResult replay;
    replay.response = it->second.response;
    replay.replayed = true;
    return replay;
  }
  WriteResult result;
  PARLEY_ASSIGN_OR_RETURN(result.response, work(result));
  requests_[{key.scope, key.request_id}] = StoredRequest{key.fingerprint, result.response};
  Written();
  return result;
}

void InMemoryConductStore::Arm(const timer::TimerSpec& spec, WriteResult& result) {
  auto& [id, stored] = timers_[{spec.kind, spec.key}];
  if (id == 0) id = ++timer_ids_;
  stored.spec = spec;
  stored.state = timer::TimerState::kPending;
  ++stored.version;
  result.timers.push_back(timer::TimerRef{id, stored.version, spec.due});
}

// ---- the gate ----------------------------------------------------------------------------------

absl::StatusOr<int64_t> InMemoryConductStore::GateEpoch() {
  absl::MutexLock lock(&mu_);
  return epoch_;
}

absl::StatusOr<GateData> InMemoryConductStore::LoadGateData(absl::Time incidents_since) {
  absl::MutexLock lock(&mu_);
  const absl::Time now = clock_->Now();
  GateData data;
  data.epoch = epoch_;
  for (const auto& [id, row] : arrangements_) {
    const Arrangement& a = row.value;
    if (Issued(a) && (!a.end_time || *a.end_time > now - absl::Hours(24))) data.arrangements.push_back(a);
  }
  for (const auto& [id, row] : bans_) {
    const PremisesBan& b = row.value;
    std::optional<absl::Time> over = b.end_time;
    if (b.revoke_time && (!over || *b.revoke_time < *over)) over = b.revoke_time;
    if (!over || *over > now - absl::Hours(24)) data.bans.push_back(b);
  }
  std::map<std::pair<std::string, std::string>, absl::Time> last;
  for (const auto& [id, row] : incidents_) {
    const Incident& i = row.value;
    if (i.occur_time < incidents_since) continue;
    auto [it, inserted] = last.emplace(std::make_pair(i.school_id, i.guardian), i.occur_time);
    if (!inserted) it->second = std::max(it->second, i.occur_time);
  }
  for (const auto& [who, at] : last) data.recent_incidents.push_back(GateData::LastIncident{who.first, who.second, at});
  return data;
}

absl::StatusOr<std::vector<bool>> InMemoryConductStore::RecordDecisions(const std::vector<DecisionRecord>& records) {
  absl::MutexLock lock(&mu_);
  if (!decision_write_failure_.ok()) return decision_write_failure_;
  std::vector<bool> stored;
  for (const DecisionRecord& d : records) {
    auto [it, inserted] = decisions_.try_emplace({d.query.school_id, d.id});
    if (inserted) it->second = Row<DecisionRecord>{d, ++seq_};
    stored.push_back(inserted);
  }
  return stored;
}

absl::StatusOr<DecisionRecord> InMemoryConductStore::GetDecision(const std::string& school_id, const std::string& id) {
  absl::MutexLock lock(&mu_);
  PARLEY_ASSIGN_OR_RETURN(Row<DecisionRecord> row, Find(decisions_, school_id, id, reason::kDecisionNotFound));
  return row.value;
}

absl::StatusOr<Page<DecisionRecord>> InMemoryConductStore::ListDecisions(const std::string& school_id,
                                                                         const std::string& guardian,
                                                                         std::optional<Outcome> outcome,
                                                                         PageQuery page) {
  absl::MutexLock lock(&mu_);
  return PageOf(decisions_, page, [&](const DecisionRecord& d) {
    return d.query.school_id == school_id && ForGuardian(guardian, d.query.guardian) &&
           (!outcome || d.decision.outcome == *outcome);
  });
}

// ---- incidents ---------------------------------------------------------------------------------

absl::StatusOr<WriteResult> InMemoryConductStore::CreateIncident(const RequestKey& key, const Incident& incident,
                                                                 const std::vector<OutboxNotice>& notices,
                                                                 const Encoder<Incident>& encode) {
  absl::MutexLock lock(&mu_);
  return Idempotent(key, [&](WriteResult&) -> absl::StatusOr<std::string> {
    if (incidents_.count({incident.school_id, incident.id}) > 0) {
      return AlreadyExists(reason::kDuplicate, "incident id taken");
    }
    Incident stored = incident;
    stored.row_version = 1;
    stored.create_time = stored.update_time = clock_->Now();
    PARLEY_ASSIGN_OR_RETURN(std::string response, encode(stored));
    incidents_[{stored.school_id, stored.id}] = Row<Incident>{stored, ++seq_};
    outbox_.insert(outbox_.end(), notices.begin(), notices.end());
    return response;
  });
}

absl::StatusOr<Incident> InMemoryConductStore::GetIncident(const std::string& school_id, const std::string& id) {
  absl::MutexLock lock(&mu_);
  PARLEY_ASSIGN_OR_RETURN(Row<Incident> row, Find(incidents_, school_id, id, reason::kIncidentNotFound));
  return row.value;
}

absl::StatusOr<Page<Incident>> InMemoryConductStore::ListIncidents(const std::string& school_id,
                                                                   const std::string& guardian, PageQuery page) {
  absl::MutexLock lock(&mu_);
  return PageOf(incidents_, page,
                [&](const Incident& i) { return i.school_id == school_id && ForGuardian(guardian, i.guardian); });
}

absl::StatusOr<WriteResult> InMemoryConductStore::UpdateIncident(const RequestKey& key, const std::string& school_id,
                                                                 const std::string& id, const IncidentPlan& plan,
                                                                 const Encoder<Incident>& encode) {
  absl::MutexLock lock(&mu_);
  return Idempotent(key, [&](WriteResult&) -> absl::StatusOr<std::string> {
    auto it = incidents_.find({school_id, id});
    if (it == incidents_.end()) return Find(incidents_, school_id, id, reason::kIncidentNotFound).status();
    PARLEY_ASSIGN_OR_RETURN(Incident next, plan(it->second.value));
    next.row_version = it->second.value.row_version + 1;
    next.update_time = clock_->Now();
    PARLEY_ASSIGN_OR_RETURN(std::string response, encode(next));
    it->second.value = std::move(next);
    return response;
  });
}

// ---- arrangements ------------------------------------------------------------------------------

absl::StatusOr<WriteResult> InMemoryConductStore::CreateArrangement(const RequestKey& key,
                                                                    const Arrangement& arrangement,
                                                                    const Encoder<Arrangement>& encode) {
  absl::MutexLock lock(&mu_);
  return Idempotent(key, [&](WriteResult&) -> absl::StatusOr<std::string> {
    if (arrangements_.count({arrangement.school_id, arrangement.id}) > 0) {
      return AlreadyExists(reason::kDuplicate, "arrangement id taken");
    }
    Arrangement stored = arrangement;
    stored.row_version = 1;
    stored.create_time = stored.update_time = clock_->Now();
    PARLEY_ASSIGN_OR_RETURN(std::string response, encode(stored));
    arrangements_[{stored.school_id, stored.id}] = Row<Arrangement>{stored, ++seq_};
    return response;
  });
}

absl::StatusOr<Arrangement> InMemoryConductStore::GetArrangement(const std::string& school_id, const std::string& id) {
  absl::MutexLock lock(&mu_);
  PARLEY_ASSIGN_OR_RETURN(Row<Arrangement> row, Find(arrangements_, school_id, id, reason::kArrangementNotFound));
  return row.value;
}

absl::StatusOr<Page<Arrangement>> InMemoryConductStore::ListArrangements(const std::string& school_id,
                                                                         const std::string& guardian, PageQuery page) {
  absl::MutexLock lock(&mu_);
  return PageOf(arrangements_, page, [&](const Arrangement& a) {
    const bool covers =
        a.scope == ArrangementScope::kTrust &&
        std::find(a.covered_schools.begin(), a.covered_schools.end(), school_id) != a.covered_schools.end();
    return (a.school_id == school_id || covers) && ForGuardian(guardian, a.guardian);
  });
}

absl::StatusOr<std::vector<Arrangement>> InMemoryConductStore::ListGuardianArrangements(const std::string& guardian) {
  absl::MutexLock lock(&mu_);
  Page<Arrangement> all = PageOf(arrangements_, PageQuery{std::numeric_limits<int>::max(), 0},
                                 [&](const Arrangement& a) { return a.guardian == guardian && Issued(a); });
  return all.items;
}

absl::StatusOr<std::vector<ArrangementRevision>> InMemoryConductStore::ListRevisions(const std::string& school_id,
                                                                                     const std::string& id) {
  absl::MutexLock lock(&mu_);
  PARLEY_RETURN_IF_ERROR(Find(arrangements_, school_id, id, reason::kArrangementNotFound).status());
  auto it = revisions_.find({school_id, id});
  return it == revisions_.end() ? std::vector<ArrangementRevision>() : it->second;
}

absl::StatusOr<WriteResult> InMemoryConductStore::MutateArrangement(const RequestKey& key, const std::string& school_id,
                                                                    const std::string& id, const ArrangementPlan& plan,
                                                                    const Encoder<Arrangement>& encode) {
  absl::MutexLock lock(&mu_);
  return Idempotent(key, [&](WriteResult& result) -> absl::StatusOr<std::string> {
    auto it = arrangements_.find({school_id, id});
    if (it == arrangements_.end()) return Find(arrangements_, school_id, id, reason::kArrangementNotFound).status();
    const absl::Time now = clock_->Now();
    PARLEY_ASSIGN_OR_RETURN(ArrangementChange change, plan(it->second.value, now));
    if (change.letter.has_value() != change.notice.has_value()) {
      return Internal(reason::kInternal, "a letter must be written with its outbox notice");
    }
    for (const OutboxNotice& n : outbox_) {
      if (change.notice && n.key == change.notice->key) {
        return Internal(reason::kOutboxKeyDuplicate, "outbox key taken");
      }
    }
    Arrangement next = change.updated;
    next.row_version = it->second.value.row_version + 1;
    next.update_time = now;
    PARLEY_ASSIGN_OR_RETURN(std::string response, encode(next));
    // Everything checked: apply it all.
    if (change.letter) {
      letters_[{change.letter->school_id, change.letter->id}] = Row<Letter>{*change.letter, ++seq_};
      outbox_.push_back(*change.notice);
    }
    it->second.value = std::move(next);
    if (change.new_revision) revisions_[{school_id, id}].push_back(*change.new_revision);
    if (change.cancel) {
      auto t = timers_.find(*change.cancel);
      if (t != timers_.end() && t->second.second.state == timer::TimerState::kPending) {
        t->second.second.state = timer::TimerState::kCancelled;
        ++t->second.second.version;
      }
    }
    if (change.schedule) Arm(*change.schedule, result);
    return response;
  });
}

absl::StatusOr<bool> InMemoryConductStore::MarkUnderReview(const ReviewPlan& plan) {
  absl::MutexLock lock(&mu_);
  auto it = arrangements_.find({plan.school_id, plan.arrangement_id});
  if (it == arrangements_.end()) return false;
  Arrangement& a = it->second.value;
  const absl::Time now = clock_->Now();
  if (a.state != ArrangementState::kActive || a.version != plan.version || a.review_date != plan.review_date ||
      (a.end_time && *a.end_time <= now)) {
    return false;
  }
  a.state = ArrangementState::kUnderReview;
  ++a.row_version;
  a.update_time = now;
  const bool written =
      std::none_of(outbox_.begin(), outbox_.end(), [&](const OutboxNotice& n) { return n.key == plan.reminder.key; });
  if (written) outbox_.push_back(plan.reminder);
  auto t = timers_.find({kReviewTimerKind, absl::StrCat(plan.school_id, "/", plan.arrangement_id)});
  if (t != timers_.end()) {
    t->second.second.state = timer::TimerState::kFired;
    ++t->second.second.version;
  }
  Written();
  return true;
}

// ---- premises bans -----------------------------------------------------------------------------

absl::StatusOr<WriteResult> InMemoryConductStore::CreateBan(const RequestKey& key, const PremisesBan& ban,
                                                            const Encoder<PremisesBan>& encode) {
  absl::MutexLock lock(&mu_);
  return Idempotent(key, [&](WriteResult&) -> absl::StatusOr<std::string> {
    if (bans_.count({ban.school_id, ban.id}) > 0) return AlreadyExists(reason::kDuplicate, "premises ban id taken");
    PremisesBan stored = ban;
    stored.row_version = 1;
    stored.create_time = clock_->Now();
    PARLEY_ASSIGN_OR_RETURN(std::string response, encode(stored));
    bans_[{stored.school_id, stored.id}] = Row<PremisesBan>{stored, ++seq_};
    return response;
  });
}

absl::StatusOr<PremisesBan> InMemoryConductStore::GetBan(const std::string& school_id, const std::string& id) {
  absl::MutexLock lock(&mu_);
  PARLEY_ASSIGN_OR_RETURN(Row<PremisesBan> row, Find(bans_, school_id, id, reason::kPremisesBanNotFound));
  return row.value;
}

absl::StatusOr<Page<PremisesBan>> InMemoryConductStore::ListBans(const std::string& school_id,
                                                                 const std::string& guardian, PageQuery page) {
  absl::MutexLock lock(&mu_);
  return PageOf(bans_, page,
                [&](const PremisesBan& b) { return b.school_id == school_id && ForGuardian(guardian, b.guardian); });
}

absl::StatusOr<WriteResult> InMemoryConductStore::MutateBan(const RequestKey& key, const std::string& school_id,
                                                            const std::string& id, const BanPlan& plan,
                                                            const Encoder<PremisesBan>& encode) {
  absl::MutexLock lock(&mu_);
  return Idempotent(key, [&](WriteResult&) -> absl::StatusOr<std::string> {
    auto it = bans_.find({school_id, id});
    if (it == bans_.end()) return Find(bans_, school_id, id, reason::kPremisesBanNotFound).status();
    PARLEY_ASSIGN_OR_RETURN(PremisesBan next, plan(it->second.value, clock_->Now()));
    next.row_version = it->second.value.row_version + 1;
    PARLEY_ASSIGN_OR_RETURN(std::string response, encode(next));
    it->second.value = std::move(next);
    return response;
  });
}

// ---- letters, stats, assertions ----------------------------------------------------------------

absl::StatusOr<Letter> InMemoryConductStore::GetLetter(const std::string& school_id, const std::string& id) {
  absl::MutexLock lock(&mu_);
  PARLEY_ASSIGN_OR_RETURN(Row<Letter> row, Find(letters_, school_id, id, reason::kLetterNotFound));
  return row.value;
}

absl::StatusOr<Page<Letter>> InMemoryConductStore::ListLetters(const std::string& school_id,
                                                               const std::string& guardian, PageQuery page) {
  absl::MutexLock lock(&mu_);
  return PageOf(letters_, page,
                [&](const Letter& l) { return l.school_id == school_id && ForGuardian(guardian, l.guardian); });
}

absl::StatusOr<ConductStore::Stats> InMemoryConductStore::GetSchoolStats(const std::string& school_id, absl::Time start,
                                                                         absl::Time end, absl::Time as_of,
                                                                         absl::CivilDay review_day) {
  absl::MutexLock lock(&mu_);
  auto in = [&](absl::Time t) { return t >= start && t < end; };
  Stats s;
  std::map<IncidentKind, int64_t> kinds;
  for (const auto& [id, row] : incidents_) {
    if (id.first == school_id && in(row.value.occur_time)) ++kinds[row.value.kind];
  }
  s.incidents_by_kind.assign(kinds.begin(), kinds.end());
  for (const auto& [id, revisions] : revisions_) {
    if (id.first != school_id) continue;
    for (const ArrangementRevision& r : revisions) {
      if (!in(r.issue_time)) continue;
      if (r.version == 1) ++s.arrangements_issued;
      if (r.version > 1) ++s.tightenings;
    }
  }
  for (const auto& [id, row] : arrangements_) {
    if (id.first == school_id && Issued(row.value)) ++s.arrangements_active;
    const Arrangement& a = row.value;
    const bool in_force_at = a.start_time && *a.start_time < as_of && (!a.end_time || *a.end_time >= as_of);
    if (id.first == school_id && Issued(a) && in_force_at && a.review_date && *a.review_date < review_day) {
      ++s.arrangements_past_review;
    }
  }
  for (const auto& [id, row] : bans_) {
    if (id.first != school_id) continue;
    if (in(row.value.start_time)) ++s.bans_started;
    if (InForce(row.value, clock_->Now())) ++s.bans_active;
  }
  std::map<Outcome, int64_t> outcomes;
  for (const auto& [id, row] : decisions_) {
    if (id.first == school_id && in(row.value.decide_time)) ++outcomes[row.value.decision.outcome];
  }
  s.decisions_by_outcome.assign(outcomes.begin(), outcomes.end());
  return s;
}

std::vector<OutboxNotice> InMemoryConductStore::Outbox() const {
  absl::MutexLock lock(&mu_);
  return outbox_;
}

std::optional<InMemoryConductStore::StoredTimer> InMemoryConductStore::TimerOf(const std::string& kind,
                                                                               const std::string& key) const {
  absl::MutexLock lock(&mu_);
  auto it = timers_.find({kind, key});
  if (it == timers_.end()) return std::nullopt;
  return it->second.second;
}

std::optional<timer::Timer> InMemoryConductStore::FiringTimer(const std::string& kind, const std::string& key) const {
  absl::MutexLock lock(&mu_);
  auto it = timers_.find({kind, key});
  if (it == timers_.end()) return std::nullopt;
  timer::Timer t;
  t.id = it->second.first;
  t.kind = kind;
  t.key = key;
  t.due = it->second.second.spec.due;
  t.payload = it->second.second.spec.payload;
  t.version = it->second.second.version;
  t.state = it->second.second.state;
  return t;
}

int64_t InMemoryConductStore::DecisionCount() const {
  absl::MutexLock lock(&mu_);
  return static_cast<int64_t>(decisions_.size());
}

void InMemoryConductStore::FailDecisionWrites(absl::Status status) {
  absl::MutexLock lock(&mu_);
  decision_write_failure_ = std::move(status);
}

int64_t InMemoryConductStore::WriteCount() const {
  absl::MutexLock lock(&mu_);
  return writes_;
}

}  // namespace parley::conduct::testing
