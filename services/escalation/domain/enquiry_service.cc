#include "services/escalation/domain/enquiry_service.h"

#include <algorithm>
#include <utility>
#include <vector>

#include "absl/random/random.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_split.h"
#include "common/log/log.h"
#include "common/pg/idempotency.h"
#include "common/status/reason.h"
#include "common/status/status_macros.h"
#include "nlohmann/json.hpp"
#include "services/escalation/store/pg_enquiry_store.h"

namespace parley::escalation {
namespace {

std::string NewEnquiryId() {
  thread_local absl::BitGen gen;
  return absl::StrFormat("e%012x", absl::Uniform<uint64_t>(gen, 0, uint64_t{1} << 48));
}

std::string Utc(absl::Time t) { return absl::FormatTime("%Y-%m-%dT%H:%M:%SZ", t, absl::UTCTimeZone()); }

// The notifications template of each notice kind, and whether it concerns staff or the guardian.
const char* TemplateOf(Notice::Kind kind) {
  switch (kind) {
    case Notice::Kind::kAssigned:
      return "escalation.assigned";
    case Notice::Kind::kSafeguardingAlert:
      return "escalation.safeguarding_alert";
    case Notice::Kind::kAcknowledgeBreach:
      return "escalation.acknowledge_breach";
    case Notice::Kind::kEscalated:
      return "escalation.escalated";
    case Notice::Kind::kReferredToComplaints:
      return "escalation.referred_to_complaints";
    case Notice::Kind::kAcknowledgement:
      return "escalation.acknowledgement";
    case Notice::Kind::kRedirected:
      return "escalation.redirected";
    case Notice::Kind::kReopened:
      return "escalation.reopened";
    case Notice::Kind::kResponseBreach:
      return "escalation.response_breach";
  }
  return "escalation.notice";
}

std::string TimerKey(const std::string& school_id, const std::string& id, Stage stage) {
  return absl::StrCat(school_id, "/", id, "/", stage == Stage::kAcknowledge ? "acknowledge" : "respond");
}

bool IsStaff(const std::string& name) { return name.rfind("schools/", 0) == 0; }

// Characters, not bytes: limits are stated in characters and a name in Polish or Urdu is longer
// in UTF-8 than it looks.
size_t Utf8Length(const std::string& s) {
  size_t n = 0;
  for (unsigned char c : s) n += (c & 0xC0) != 0x80;
  return n;
}

}  // namespace

EnquiryService::EnquiryService(EnquiryStore* store, Gate* gate, Directory* directory, DeadlineSource* deadlines,
                               StaffHours* hours, TimerNudge nudge, const Clock* clock, EnquiryServiceOptions options)
    : store_(store),
      gate_(gate),
      directory_(directory),
      deadlines_(deadlines),
      hours_(hours),
      nudge_(std::move(nudge)),
      clock_(clock),
      options_(options) {}

absl::Status EnquiryService::ProjectRecord(EnquiryRecord& record) {
  PARLEY_ASSIGN_OR_RETURN(EnquiryView view, Derive(record.enquiry, clock_->Now(), *deadlines_));
  Project(view, record);
  return absl::OkStatus();
}

absl::StatusOr<EnquiryView> EnquiryService::View(const EnquiryRecord& record) {
  return Derive(record.enquiry, clock_->Now(), *deadlines_);
}

absl::StatusOr<Change> EnquiryService::ToChange(const Enquiry& enquiry, const Decision& decision,
                                                const std::vector<StaffNoticeRow>& ledger) {
  Change change;
  change.events = decision.events;
  // What the ledger says was sent: the kind is the fourth part of the outbox key
  // ("escalation/{enquiry}/{seq}/{kind}/{recipient}").
  std::vector<SentNotice> sent;
  for (const StaffNoticeRow& row : ledger) {
    const std::vector<std::string> parts = absl::StrSplit(row.outbox_key, '/');
    int kind = 0;
    if (parts.size() < 5 || !absl::SimpleAtoi(parts[3], &kind)) continue;
    sent.push_back(SentNotice{enquiry.id, row.recipient, static_cast<Notice::Kind>(kind), row.period_start});
  }
  for (const Notice& n : decision.notices) {
    absl::Time send_at = n.earliest;
    // Staff notices go inside the recipient's working periods, one per matter per recipient per
    // period (DESIGN §3 rule 7): the ledger row's key is the period, and a slot already used skips
    // the notice. Safeguarding alerts go at once.
    if (n.to_staff && !n.urgent && IsStaff(n.recipient)) {
      PARLEY_ASSIGN_OR_RETURN(NoticeSlot slot, ScheduleStaffNotice(n, sent, *hours_));
      if (slot.suppressed) continue;
      send_at = slot.send_at;
      PARLEY_ASSIGN_OR_RETURN(WorkingPeriod period, hours_->PeriodAtOrAfter(n.recipient, send_at));
      change.staff_notices.push_back(StaffNoticeRow{n.recipient, period.open, absl::StrCat("escalation/", n.key)});
      sent.push_back(SentNotice{enquiry.id, n.recipient, n.kind, send_at});
    }
    const std::string name = absl::StrCat("schools/", enquiry.school_id, "/enquiries/", enquiry.id);
    OutboxRow row;
    row.key = absl::StrCat("escalation/", n.key);
    row.kind = TemplateOf(n.kind);
    row.not_before = send_at;
    nlohmann::json recipients = {{"staff", nlohmann::json::array()}, {"guardians", nlohmann::json::array()}};
    recipients[n.to_staff ? "staff" : "guardians"].push_back(n.recipient);
    row.notice_json = nlohmann::json{
        {"category", "escalation"},
        {"priority", n.urgent ? "emergency" : "important"},
        {"school", absl::StrCat("schools/", enquiry.school_id)},
        {"enquiry", name},
        {"recipients", recipients},
        {"pupils", enquiry.pupil.empty() ? nlohmann::json::array() : nlohmann::json::array({enquiry.pupil})},
        {"template", TemplateOf(n.kind)},
        {"variables", {{"enquiry", name}, {"category", enquiry.category}}},
        {"not_before",
         Utc(send_at)}}.dump();
    change.outbox.push_back(std::move(row));
  }
  for (const TimerSetting& t : decision.timers) {
    const std::string key = TimerKey(enquiry.school_id, enquiry.id, t.stage);
    if (t.due) {
      change.schedule.push_back(
          timer::TimerSpec{kClockTimerKind, key, *t.due, absl::StrCat(absl::ToUnixMicros(*t.due))});
    } else {
      change.cancel.emplace_back(kClockTimerKind, key);
    }
  }
  return change;
}

absl::StatusOr<WriteResult> EnquiryService::Open(const RequestKey& key, EnquiryRecord draft, const std::string& actor,
                                                 const Encoder<EnquiryRecord>& encode) {
  Enquiry& e = draft.enquiry;
  const absl::Time now = clock_->Now();
  if (draft.subject.empty() || Utf8Length(draft.subject) > options_.max_subject_chars) {
    return InvalidArgument("INVALID_FIELD", absl::StrCat("enquiry.subject is required, at most ",
                                                         options_.max_subject_chars, " characters"));
  }
  if (Utf8Length(draft.sender_description) > options_.max_subject_chars) {
    return InvalidArgument("INVALID_FIELD", "enquiry.sender_description is too long");
  }
  if (e.category.empty()) return InvalidArgument("INVALID_FIELD", "enquiry.category is required");
  if (e.received_at > now + options_.receipt_skew) {
    return InvalidArgument("TIME_IN_FUTURE", "enquiry.receive_time is in the future");
  }
  if (!e.pupil.empty() && e.pupil.rfind(absl::StrCat("schools/", e.school_id, "/pupils/"), 0) != 0) {
    return InvalidArgument("PUPIL_OF_ANOTHER_SCHOOL",
                           absl::StrCat("enquiry.pupil must be a pupil of schools/", e.school_id));
  }
  e.id = NewEnquiryId();
  e.history.clear();

  // Routing first: it checks the category and the pupil against the directory before the gate
  // records a decision about a message that will not be accepted.
  const int channel = static_cast<int>(e.channel);
  PARLEY_ASSIGN_OR_RETURN(Route route,
                          directory_->RouteEnquiry(e.school_id, e.pupil, e.category, e.teaching_subject, channel));
  if (e.safeguarding && !route.safeguarding) {
    PARLEY_ASSIGN_OR_RETURN(route, directory_->RouteEnquiry(e.school_id, e.pupil, "safeguarding", "", channel));
  }
  OpenRequest request;
  if (!e.guardian.empty()) {
    GateQuestion q;
    q.school_id = e.school_id;
    q.guardian = e.guardian;
    q.channel = channel;
    q.at = e.received_at;
    q.safeguarding = e.safeguarding;
    PARLEY_ASSIGN_OR_RETURN(GateAnswer answer, gate_->Check(q));
    GateResult gate;
    gate.outcome = static_cast<GateOutcome>(answer.outcome);
    gate.decision = answer.decision;
    gate.next_allowed_time = answer.next_allowed_time;
    request.gate = gate;
  }
  request.owner = route.owner.staff;
  request.owner_role = route.owner.role;
  for (const Person& p : route.also_notify) request.also_notify.push_back(p.staff);
  request.actor = actor;
  request.now = now;
  PARLEY_ASSIGN_OR_RETURN(Decision decision, escalation::Open(e, request, *deadlines_));
  PARLEY_ASSIGN_OR_RETURN(Change change, ToChange(e, decision, {}));
  absl::StatusOr<WriteResult> written = store_->Create(
      key, draft, change, [this](EnquiryRecord& r) { return ProjectRecord(r); }, encode);
  if (written.ok() && nudge_) {
    for (const timer::TimerRef& ref : written->timers) nudge_(ref);
  }
  return written;
}

absl::StatusOr<WriteResult> EnquiryService::Act(const RequestKey& key, const std::string& school_id,
                                                const std::string& id, const std::string& etag,
                                                const ActionInput& input, const Encoder<EnquiryRecord>& encode) {
  if ((input.kind == ActionInput::Kind::kPause || input.kind == ActionInput::Kind::kReopen ||
       input.kind == ActionInput::Kind::kEscalate || input.kind == ActionInput::Kind::kReassign) &&
      Utf8Length(input.reason) > options_.max_reason_chars) {
    return InvalidArgument("INVALID_FIELD",
                           absl::StrCat("reason is at most ", options_.max_reason_chars, " characters"));
  }
  // Escalation needs the ladder: asked before the write so no call to contacts holds the row lock.
  EscalationLadder ladder;
  if (input.kind == ActionInput::Kind::kEscalate) {
    PARLEY_ASSIGN_OR_RETURN(EnquiryRecord current, store_->Get(school_id, id));
    PARLEY_ASSIGN_OR_RETURN(Ladder l,
                            directory_->ResolveLadder(school_id, current.enquiry.pupil, current.enquiry.category,
                                                      current.enquiry.teaching_subject));
    for (const Person& p : l.rungs) ladder.rungs.push_back(Rung{p.staff, p.role});
    ladder.refer_to_complaints_at_top = l.refer_to_complaints_after_top;
  }
  // Cover goes to someone the school's directory knows: a typo must not strand the enquiry with an
  // owner nobody is.
  if (input.kind == ActionInput::Kind::kReassign && !input.new_owner.empty()) {
    absl::StatusOr<std::string> known = directory_->LineManagerOf(input.new_owner);
    if (absl::IsNotFound(known.status())) {
      return InvalidArgument("UNKNOWN_STAFF", absl::StrCat("new_owner ", input.new_owner,
                                                           " is not a member of staff in the school's directory"));
    }
    if (!known.ok()) return known.status();
  }
  absl::StatusOr<WriteResult> written = store_->Append(
      key, school_id, id, etag,
      [&](const EnquiryRecord& current, absl::Time db_now) -> absl::StatusOr<Change> {
        const Enquiry& e = current.enquiry;
        const escalation::Act act{input.actor, std::max(db_now, clock_->Now()), input.reason};
        absl::StatusOr<Decision> decision;
        switch (input.kind) {
          case ActionInput::Kind::kAcknowledge:
            decision = Acknowledge(e, act, *deadlines_);
            break;
          case ActionInput::Kind::kReply:
            decision = Reply(e, act, *deadlines_);
            break;
          case ActionInput::Kind::kPause:
            decision = Pause(e, act, *deadlines_);
            break;
          case ActionInput::Kind::kResume:
            decision = Resume(e, act, *deadlines_);
            break;
          case ActionInput::Kind::kResolve:
            decision = Resolve(e, act, *deadlines_);
            break;
          case ActionInput::Kind::kReopen:
            decision = Reopen(e, act, *deadlines_);
            break;
          case ActionInput::Kind::kEscalate:
            decision = Escalate(e, act, input.parent_requested, ladder, *deadlines_);
            break;
          case ActionInput::Kind::kReassign:
            decision = Reassign(e, act, input.new_owner, *deadlines_);
            break;
          case ActionInput::Kind::kMarkAbusive:
            decision = MarkAbusive(e, act, *deadlines_);
            break;
        }
        if (!decision.ok()) return decision.status();
        return ToChange(e, *decision, current.staff_notices);
      },
      [this](EnquiryRecord& r) { return ProjectRecord(r); }, encode);
  if (written.ok() && nudge_) {
    for (const timer::TimerRef& ref : written->timers) nudge_(ref);
  }
  return written;
}

absl::StatusOr<int> EnquiryService::RecomputeSchool(const std::string& school_id) {
  PARLEY_ASSIGN_OR_RETURN(auto versions, directory_->Versions(school_id));
  const escalation::Versions current{versions.first, versions.second};
  int changed = 0;
  for (EnquiryState state : {EnquiryState::kOpen, EnquiryState::kAcknowledged, EnquiryState::kAwaitingParent}) {
    EnquiryFilter filter;
    filter.state = state;
    PageQuery page;
    page.size = 200;
    while (true) {
      PARLEY_ASSIGN_OR_RETURN(Page<EnquiryRecord> listed, store_->List(school_id, filter, page, clock_->Now()));
      for (const EnquiryRecord& r : listed.items) {
        // The same enquiry and versions give the same request id, so replicas doing this at once
        // (or a retry) recompute it once.
        const std::string h =
            pg::Fingerprint(absl::StrCat(school_id, "/", r.enquiry.id, "/", current.calendar, "/", current.policy));
        const RequestKey key{"escalation.Recompute",
                             absl::StrCat(h.substr(0, 8), "-", h.substr(8, 4), "-", h.substr(12, 4), "-",
                                          h.substr(16, 4), "-", h.substr(20, 12)),
                             ""};
        bool recorded = false;
        absl::StatusOr<WriteResult> written = store_->Append(
            key, school_id, r.enquiry.id, "",
            [&](const EnquiryRecord& now_stored, absl::Time db_now) -> absl::StatusOr<Change> {
              PARLEY_ASSIGN_OR_RETURN(
                  Decision d, Recompute(now_stored.enquiry, current, std::max(db_now, clock_->Now()), *deadlines_));
              recorded = !d.events.empty();
              return ToChange(now_stored.enquiry, d, now_stored.staff_notices);
            },
            [this](EnquiryRecord& rec) { return ProjectRecord(rec); },
            [](const EnquiryRecord& rec) -> absl::StatusOr<std::string> { return rec.enquiry.id; });
        if (!written.ok()) {
          log::Warning("recompute_failed", {{"school", school_id},
                                            {"enquiry", r.enquiry.id},
                                            {"code", absl::StatusCodeToString(written.status().code())}});
          continue;  // the next round tries again
        }
        if (nudge_) {
          for (const timer::TimerRef& ref : written->timers) nudge_(ref);
        }
        if (recorded) ++changed;
      }
      if (listed.next_before_seq == 0) break;
      page.before_seq = listed.next_before_seq;
    }
  }
  if (changed > 0) log::Info("enquiries_recomputed", {{"school", school_id}, {"count", changed}});
  return changed;
}

absl::StatusOr<int> EnquiryService::RecomputeChangedSchools() {
  PARLEY_ASSIGN_OR_RETURN(std::vector<std::string> schools, store_->SchoolsWithLiveEnquiries());
  int changed = 0;
  for (const std::string& school_id : schools) {
    absl::StatusOr<std::pair<std::string, std::string>> versions = directory_->Versions(school_id);
    if (!versions.ok()) return versions.status();
    {
      absl::MutexLock lock(&seen_mu_);
      auto it = seen_versions_.find(school_id);
      if (it != seen_versions_.end() && it->second == *versions) continue;
    }
    PARLEY_ASSIGN_OR_RETURN(int n, RecomputeSchool(school_id));
    changed += n;
    absl::MutexLock lock(&seen_mu_);
    seen_versions_[school_id] = *versions;
  }
  return changed;
}

timer::Handler EnquiryService::ClockTimerHandler() {
  return [this](pqxx::work& txn, const timer::Timer& t) -> absl::StatusOr<std::optional<absl::Time>> {
    // key "{school}/{enquiry}/{acknowledge|respond}". The timer's own due is the armed due: a handler
    // that re-arms its timer moves it, and the payload (the due first armed) is only for reading.
    const std::vector<std::string> key = absl::StrSplit(t.key, '/');
    if (key.size() != 3 || (key[2] != "acknowledge" && key[2] != "respond")) {
      log::Error("clock_timer_malformed", {{"timer", t.id}});
      return std::nullopt;  // not a timer this code wrote: nothing to do
    }
    const Stage stage = key[2] == "acknowledge" ? Stage::kAcknowledge : Stage::kRespond;
    const absl::Time armed_due = t.due;
    absl::StatusOr<EnquiryRecord> current = PgEnquiryStore::LoadForUpdate(txn, key[0], key[1]);
    if (absl::IsNotFound(current.status())) return std::nullopt;
    if (!current.ok()) return current.status();
    BreachContext context;
    const Enquiry& e = current->enquiry;
    PARLEY_ASSIGN_OR_RETURN(BreachSwitches policy, directory_->BreachPolicyOf(e.school_id));
    context.notify_line_manager = policy.notify_line_manager;
    context.escalate_on_response_breach = policy.escalate_on_response_breach;
    if (stage == Stage::kRespond) {
      PARLEY_ASSIGN_OR_RETURN(Ladder l,
                              directory_->ResolveLadder(e.school_id, e.pupil, e.category, e.teaching_subject));
      for (const Person& p : l.rungs) context.ladder.rungs.push_back(Rung{p.staff, p.role});
      context.ladder.refer_to_complaints_at_top = l.refer_to_complaints_after_top;
    } else if (IsStaff(current->owner)) {
      absl::StatusOr<std::string> manager = directory_->LineManagerOf(current->owner);
      if (manager.ok()) {
        context.owner_line_manager = *manager;
      } else if (!absl::IsNotFound(manager.status())) {
        return manager.status();  // contacts down: retried later
      }
    }
    // The database's clock decided the timer is due; this process's clock may lag it a little.
    const absl::Time now = std::max(clock_->Now(), armed_due);
    PARLEY_ASSIGN_OR_RETURN(Decision decision, OnTimer(e, stage, armed_due, now, context, *deadlines_));
    if (decision.events.empty()) return std::nullopt;  // met, moved or handled already
    // The firing timer is re-armed by returning its new due; only the other clock's timer is set
    // through the change.
    std::optional<absl::Time> rearm;
    Decision rest = decision;
    rest.timers.clear();
    for (const TimerSetting& s : decision.timers) {
      if (s.stage == stage) {
        rearm = s.due;
      } else {
        rest.timers.push_back(s);
      }
    }
    PARLEY_ASSIGN_OR_RETURN(Change change, ToChange(e, rest, current->staff_notices));
    PARLEY_ASSIGN_OR_RETURN(
        std::vector<timer::TimerRef> refs,
        PgEnquiryStore::ApplyChange(txn, *current, change, [this](EnquiryRecord& r) { return ProjectRecord(r); }));
    (void)refs;  // timers scheduled inside a handler are nudged by the worker after the commit
    log::Info("enquiry_clock_fired", {{"school", key[0]}, {"enquiry", key[1]}, {"stage", key[2]}});
    return rearm;
  };
}

}  // namespace parley::escalation
