#include "services/escalation/domain/enquiry_service.h"

#include <algorithm>
#include <cstdint>
#include <map>
#include <optional>
#include <utility>
#include <vector>

#include "absl/algorithm/container.h"
#include "absl/random/random.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_split.h"
#include "common/log/log.h"
#include "common/request/request_key.h"
#include "common/status/reason.h"
#include "common/status/status_macros.h"
#include "common/text/utf8.h"
#include "nlohmann/json.hpp"

namespace parley::escalation {
namespace {

std::string NewEnquiryId() {
  thread_local absl::BitGen gen;
  return absl::StrFormat("e%012x", absl::Uniform<uint64_t>(gen, 0, uint64_t{1} << 48));
}

std::string Utc(absl::Time t) { return absl::FormatTime("%Y-%m-%dT%H:%M:%SZ", t, absl::UTCTimeZone()); }

// The notifications template of each notice kind, and whether it concerns staff or the guardian.
// A guardian notice with a promise uses the wording that states it ("..._promised").
const char* TemplateOf(const Notice& n) {
  switch (n.kind) {
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
      return n.promised_at ? "escalation.acknowledgement_promised" : "escalation.acknowledgement";
    case Notice::Kind::kRedirected:
      return "escalation.redirected";
    case Notice::Kind::kReopened:
      return "escalation.reopened";
    case Notice::Kind::kResponseBreach:
      return "escalation.response_breach";
    case Notice::Kind::kFollowUpBreach:
      return "escalation.follow_up_breach";
    case Notice::Kind::kInformed:
      return "escalation.informed";
    case Notice::Kind::kProgress:
      return n.promised_at ? "escalation.progress_promised" : "escalation.progress";
    case Notice::Kind::kChannelRedirected:
      return "escalation.channel_redirected";
  }
  return "escalation.notice";
}

// The last part of a clock timer's key.
const char* TimerStage(Stage stage) {
  switch (stage) {
    case Stage::kAcknowledge:
      return "acknowledge";
    case Stage::kRespond:
      return "respond";
    case Stage::kFollowUp:
      return "follow_up";
  }
  return "respond";
}

std::optional<Stage> StageOfTimer(const std::string& part) {
  for (Stage stage : {Stage::kAcknowledge, Stage::kRespond, Stage::kFollowUp}) {
    if (part == TimerStage(stage)) return stage;
  }
  return std::nullopt;
}

std::string TimerKey(const std::string& school_id, const std::string& id, Stage stage) {
  return absl::StrCat(school_id, "/", id, "/", TimerStage(stage));
}

// The category of a school's route for urgent matters.
constexpr char kUrgentRoute[] = "urgent";

bool IsStaff(const std::string& name) { return name.rfind("schools/", 0) == 0; }

// Characters, not bytes (common/text/utf8.h); text that is not UTF-8 is over every limit.
size_t Utf8Length(const std::string& s) { return text::Utf8Length(s).value_or(SIZE_MAX); }

// The q-quantile (0-1) of `times`, interpolated between the two nearest as PostgreSQL's
// percentile_cont does; unset when there are none. Sorts `times`.
std::optional<absl::Duration> Quantile(std::vector<absl::Duration>& times, double q) {
  if (times.empty()) return std::nullopt;
  std::sort(times.begin(), times.end());
  const double rank = q * static_cast<double>(times.size() - 1);
  const size_t below = static_cast<size_t>(rank);
  if (below + 1 >= times.size()) return times.back();
  return times[below] + (times[below + 1] - times[below]) * (rank - static_cast<double>(below));
}

// Working times to acknowledge and to answer, gathered for one slice of the enquiries.
struct SliceTimes {
  std::vector<absl::Duration> to_acknowledge;
  std::vector<absl::Duration> to_answer;

  void FillInto(PromiseFigures& f) {
    f.median_to_acknowledge = Quantile(to_acknowledge, 0.5);
    f.p90_to_acknowledge = Quantile(to_acknowledge, 0.9);
    f.median_to_answer = Quantile(to_answer, 0.5);
    f.p90_to_answer = Quantile(to_answer, 0.9);
  }
};

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

absl::StatusOr<Change> EnquiryService::ToChange(const Enquiry& enquiry, const Decision& decision,
                                                const std::vector<StaffNoticeRow>& ledger) {
  Change change;
  for (const Event& ev : decision.events) change.events.push_back(StoredPrecision(ev));
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
    // period (clock rule 7 (docs/architecture.md#policy-clock-rules)): the ledger row's key is the period, and a slot
    // already used skips the notice. Safeguarding alerts go at once.
    if (n.to_staff && !n.urgent && IsStaff(n.recipient)) {
      PARLEY_ASSIGN_OR_RETURN(NoticeSlot slot, ScheduleStaffNotice(n, sent, *hours_));
      if (slot.suppressed) continue;
      send_at = slot.send_at;
      PARLEY_ASSIGN_OR_RETURN(WorkingPeriod period,
                              hours_->PeriodAtOrAfter(n.recipient, send_at, !n.interrupts_teaching));
      change.staff_notices.push_back(
          StaffNoticeRow{n.recipient, StoredPrecision(period.open), absl::StrCat("escalation/", n.key)});
      sent.push_back(SentNotice{enquiry.id, n.recipient, n.kind, send_at});
    }
    const std::string name = absl::StrCat("schools/", enquiry.school_id, "/enquiries/", enquiry.id);
    OutboxRow row;
    row.key = absl::StrCat("escalation/", n.key);
    row.kind = TemplateOf(n);
    row.not_before = StoredPrecision(send_at);
    nlohmann::json variables = {{"enquiry", name}, {"category", enquiry.category}};
    // The promise as an instant in UTC (as conduct's letters carry theirs) for integrations, and
    // as the school's local date and time for the guardian to read. The promise and the update
    // are personal to the guardian: in the outbox row only, never logged.
    if (n.promised_at) {
      PARLEY_ASSIGN_OR_RETURN(absl::TimeZone zone, directory_->TimeZoneOf(enquiry.school_id));
      variables["promised_time"] = Utc(*n.promised_at);
      // "Tuesday 8 December 2026 at 15:30"
      variables["promised_date"] =
          absl::StrCat(absl::FormatTime("%A ", *n.promised_at, zone), absl::ToCivilDay(*n.promised_at, zone).day(),
                       absl::FormatTime(" %B %Y at %H:%M", *n.promised_at, zone));
    }
    if (n.kind == Notice::Kind::kProgress) variables["progress"] = n.progress;
    nlohmann::json recipients = {{"staff", nlohmann::json::array()}, {"guardians", nlohmann::json::array()}};
    recipients[n.to_staff ? "staff" : "guardians"].push_back(n.recipient);
    if (!n.how_to_reach.empty()) variables["how_to_reach"] = n.how_to_reach;
    row.notice_json = nlohmann::json{
        {"category", "escalation"},
        {"priority", n.urgent ? "emergency" : "important"},
        {"school", absl::StrCat("schools/", enquiry.school_id)},
        {"enquiry", name},
        {"recipients", recipients},
        {"pupils", enquiry.pupil.empty() ? nlohmann::json::array() : nlohmann::json::array({enquiry.pupil})},
        {"template", TemplateOf(n)},
        {"variables", variables},
        {"not_before",
         Utc(send_at)}}.dump();
    change.outbox.push_back(std::move(row));
  }
  for (const TimerSetting& t : decision.timers) {
    const std::string key = TimerKey(enquiry.school_id, enquiry.id, t.stage);
    if (t.due) {
      change.schedule.push_back(
          timer::TimerSpec{kClockTimerKind, key, StoredPrecision(*t.due), absl::StrCat(absl::ToUnixMicros(*t.due))});
    } else {
      change.cancel.emplace_back(kClockTimerKind, key);
    }
  }
  return change;
}

absl::StatusOr<PlannedWrite> EnquiryService::Plan(const EnquiryRecord& current, const Decision& decision,
                                                  absl::Time now, const ResponseEncoder& encode) {
  PlannedWrite write;
  PARLEY_ASSIGN_OR_RETURN(write.change, ToChange(current.enquiry, decision, current.staff_notices));
  write.after = current;
  for (const Event& ev : write.change.events) write.after.enquiry.history.push_back(ev);
  for (const StaffNoticeRow& row : write.change.staff_notices) write.after.staff_notices.push_back(row);
  // The one derivation of this write: the stored projection and the response both come from it.
  PARLEY_ASSIGN_OR_RETURN(EnquiryView view, Derive(write.after.enquiry, now, *deadlines_));
  Project(view, write.after);
  if (encode) {
    write.encode = [encode, view = std::move(view)](const EnquiryRecord& stored) { return encode(stored, view); };
  }
  return write;
}

absl::StatusOr<std::optional<WriteResult>> EnquiryService::Replay(const RequestKey& key) {
  PARLEY_ASSIGN_OR_RETURN(std::optional<std::string> stored, store_->FindResponse(key));
  if (!stored) return std::optional<WriteResult>();
  return std::optional<WriteResult>(WriteResult{*std::move(stored), /*replayed=*/true, {}});
}

void EnquiryService::Nudge(const WriteResult& written) {
  if (!nudge_) return;
  for (const timer::TimerRef& ref : written.timers) nudge_(ref);
}

absl::StatusOr<WriteResult> EnquiryService::Write(const RequestKey& key, const std::string& school_id,
                                                  const std::string& id, const std::string& etag, const Decide& decide,
                                                  const ResponseEncoder& encode, const EnquiryScope& scope) {
  for (int attempt = 1;; ++attempt) {
    PARLEY_ASSIGN_OR_RETURN(EnquiryRecord current, store_->Get(school_id, id));
    // Before the etag: an enquiry the caller does not reach says nothing about itself.
    if (!scope.Covers(current)) return EnquiryNotFound(school_id, id);
    if (!etag.empty() && etag != EtagOf(current.row_version)) {
      return Aborted(reason::kStaleEtag, "the enquiry has changed since it was read: read it again and retry");
    }
    const absl::Time now = clock_->Now();
    PARLEY_ASSIGN_OR_RETURN(Decision decision, decide(current, now));
    PARLEY_ASSIGN_OR_RETURN(PlannedWrite write, Plan(current, decision, now, encode));
    absl::StatusOr<WriteResult> written = store_->Apply(key, current.row_version, write);
    if (written.ok()) {
      Nudge(*written);
      return written;
    }
    const bool moved = absl::IsAborted(written.status()) && ErrorReason(written.status()) == reason::kRecordChanged;
    if (!moved || attempt >= options_.max_plan_attempts) return written.status();
    // Someone else wrote the enquiry while this change was planned: plan again on what they left.
  }
}

absl::StatusOr<WriteResult> EnquiryService::Open(const RequestKey& key, EnquiryRecord draft, const std::string& actor,
                                                 const ResponseEncoder& encode, const IntakeScope& scope) {
  Enquiry& e = draft.enquiry;
  const absl::Time now = clock_->Now();
  if (draft.subject.empty() || Utf8Length(draft.subject) > options_.max_subject_chars) {
    return InvalidArgument(reason::kInvalidField, absl::StrCat("enquiry.subject is required, at most ",
                                                               options_.max_subject_chars, " characters"));
  }
  if (Utf8Length(draft.sender_description) > options_.max_subject_chars) {
    return InvalidArgument(reason::kInvalidField, "enquiry.sender_description is too long");
  }
  if (e.category.empty()) return InvalidArgument(reason::kInvalidField, "enquiry.category is required");
  if (e.received_at > now + options_.receipt_skew) {
    return InvalidArgument(reason::kTimeInFuture, "enquiry.receive_time is in the future");
  }
  if (!e.pupil.empty() && e.pupil.rfind(absl::StrCat("schools/", e.school_id, "/pupils/"), 0) != 0) {
    return InvalidArgument(reason::kPupilOfAnotherSchool,
                           absl::StrCat("enquiry.pupil must be a pupil of schools/", e.school_id));
  }
  // A retry is answered before routing or the gate is asked again.
  PARLEY_ASSIGN_OR_RETURN(std::optional<WriteResult> replayed, Replay(key));
  if (replayed) return *std::move(replayed);

  // Parents and carers discuss only their own children, whoever records the enquiry (the guardian
  // themselves, or the office taking a call). Asked after the replay (a retry is answered as it
  // was first) and before the gate or any write; a guardian is refused before routing, whose
  // answer names the child's teacher, while staff (who may read the directory) are refused after
  // it, so a pupil not on roll is answered as that. A safeguarding concern is always taken (it
  // goes to the DSL), but then the guardian is told nothing about the matter.
  absl::Status refusal;
  if (!e.guardian.empty() && !e.pupil.empty()) {
    PARLEY_ASSIGN_OR_RETURN(std::vector<GuardianLink> links, directory_->LinksOfGuardian(e.guardian, e.received_at));
    auto link = std::find_if(links.begin(), links.end(), [&](const GuardianLink& l) { return l.pupil == e.pupil; });
    if (link == links.end() || link->excluded) {
      if (!e.safeguarding) {
        // A guardian's own intake about another family's child gets the answer a pupil that is not
        // the school's gets (the same code, reason and words), so it cannot be told from no child.
        if (link == links.end() && !scope.guardian.empty()) return PupilNotFound(e.school_id, e.pupil);
        if (link == links.end()) {
          refusal =
              FailedPrecondition(reason::kNotLinkedToPupil,
                                 absl::StrCat(e.guardian, " is not linked to ", e.pupil,
                                              ": parents and carers are invited to discuss only their own children"));
        } else {
          refusal = FailedPrecondition(reason::kCourtOrderExcludes,
                                       absl::StrCat("a court order in force on the receipt date removes ", e.guardian,
                                                    "'s contact with or information about ", e.pupil,
                                                    ": the enquiry is not taken (a safeguarding concern would be)"));
        }
        if (!scope.guardian.empty()) return refusal;
      } else {
        e.guardian_not_told = true;
      }
    }
  }

  // Addressed to a named member of staff of this school: known to the directory, or nothing is
  // written (as for cover on reassignment, a typo must not decide who owns a matter).
  std::optional<Addressee> addressee;
  if (!e.addressed_to.empty()) {
    if (e.addressed_to.rfind(absl::StrCat("schools/", e.school_id, "/staff/"), 0) != 0) {
      return InvalidArgument(reason::kCrossSchoolReference,
                             absl::StrCat("enquiry.addressed_to must be a member of staff of schools/", e.school_id));
    }
    absl::StatusOr<Addressee> found = directory_->AddresseeOf(e.addressed_to, e.received_at);
    if (absl::IsNotFound(found.status()) || absl::IsInvalidArgument(found.status())) {
      return InvalidArgument(reason::kUnknownStaff, absl::StrCat("enquiry.addressed_to ", e.addressed_to,
                                                                 " is not a member of staff in the school's "
                                                                 "directory (staff who have left keep their record "
                                                                 "with a leaving date)"));
    }
    if (!found.ok()) return found.status();
    addressee = *std::move(found);
  }

  e.id = NewEnquiryId();
  e.history.clear();
  e.received_at = StoredPrecision(e.received_at);

  // Routing first: it checks the category and the pupil against the directory before the gate
  // records a decision about a message that will not be accepted. Its unknown-pupil answer is
  // given in PupilNotFound's words, so it stays the one a guardian gets for another family's child.
  const int channel = static_cast<int>(e.channel);
  auto route_to = [&](const std::string& category, const std::string& subject) -> absl::StatusOr<Route> {
    absl::StatusOr<Route> routed = directory_->RouteEnquiry(e.school_id, e.pupil, category, subject, channel);
    if (absl::IsNotFound(routed.status()) && ErrorReason(routed.status()) == reason::kPupilNotFound) {
      return PupilNotFound(e.school_id, e.pupil);
    }
    return routed;
  };
  PARLEY_ASSIGN_OR_RETURN(Route route, route_to(e.category, e.teaching_subject));
  if (e.safeguarding && !route.safeguarding) {
    PARLEY_ASSIGN_OR_RETURN(route, route_to("safeguarding", ""));
  } else if (e.urgent && !e.safeguarding && e.category != kUrgentRoute) {
    // An urgent matter goes where the school sends urgent matters (Woodgrange: a senior leader,
    // the head told), when its matrix has such a route and it takes this channel; else by its
    // category, with its notices still allowed to interrupt teaching.
    absl::StatusOr<Route> urgent = route_to(kUrgentRoute, "");
    if (urgent.ok() && urgent->channel_allowed) {
      route = *std::move(urgent);
    } else if (!urgent.ok() && ErrorReason(urgent.status()) != reason::kUnknownCategory) {
      return urgent.status();
    }
  }
  PARLEY_RETURN_IF_ERROR(refusal);
  OpenRequest request;
  if (!e.guardian.empty()) {
    GateQuestion q;
    q.school_id = e.school_id;
    q.guardian = e.guardian;
    q.channel = channel;
    q.at = e.received_at;
    q.safeguarding = e.safeguarding;
    q.request_id = key.request_id;
    PARLEY_ASSIGN_OR_RETURN(GateAnswer answer, gate_->Check(q));
    GateResult gate;
    gate.outcome = static_cast<GateOutcome>(answer.outcome);
    gate.decision = answer.decision;
    gate.next_allowed_time = answer.next_allowed_time;
    gate.arrangement = answer.arrangement;
    gate.arrangement_version = answer.arrangement_version;
    gate.premises_ban = answer.premises_ban;
    gate.premises_ban_version = answer.premises_ban_version;
    gate.decided_at = answer.decided_at;
    request.gate = gate;
  }
  request.owner = route.owner.staff;
  request.owner_role = route.owner.role;
  request.channel_allowed = route.channel_allowed;
  request.channel_rule = route.channel_rule;
  if (addressee) {
    // Whom the parent named owns it when the school's policy says so and they can take it (on
    // their own calendar where the policy's clock follows the owner); otherwise routing decides,
    // and the routed event says why.
    if (e.safeguarding) {
      request.addressing = Addressing::kSafeguarding;
    } else if (!addressee->policy_honours) {
      request.addressing = Addressing::kNotHonoured;
    } else if (addressee->availability == Addressee::Availability::kLeft) {
      request.addressing = Addressing::kFallbackLeft;
    } else if (addressee->availability == Addressee::Availability::kAway) {
      request.addressing = Addressing::kFallbackAway;
    } else {
      request.addressing = Addressing::kTaken;
      request.owner = e.addressed_to;
      request.owner_role = addressee->role;
    }
  }
  for (const Person& p : route.also_notify) request.also_notify.push_back(p.staff);
  request.actor = actor;
  request.now = now;
  PARLEY_ASSIGN_OR_RETURN(Decision decision, escalation::Open(e, request, *deadlines_));
  PARLEY_ASSIGN_OR_RETURN(PlannedWrite write, Plan(draft, decision, now, encode));
  absl::StatusOr<WriteResult> written = store_->Create(key, write);
  if (written.ok()) Nudge(*written);
  return written;
}

absl::StatusOr<WriteResult> EnquiryService::Act(const RequestKey& key, const std::string& school_id,
                                                const std::string& id, const std::string& etag,
                                                const ActionInput& input, const ResponseEncoder& encode,
                                                const EnquiryScope& scope) {
  if (Utf8Length(input.reason) > options_.max_reason_chars) {
    return InvalidArgument(reason::kInvalidField,
                           absl::StrCat("reason is at most ", options_.max_reason_chars, " characters"));
  }
  if (Utf8Length(input.progress) > options_.max_progress_chars) {
    return InvalidArgument(reason::kInvalidField,
                           absl::StrCat("progress is at most ", options_.max_progress_chars, " characters"));
  }
  PARLEY_ASSIGN_OR_RETURN(std::optional<WriteResult> replayed, Replay(key));
  if (replayed) return *std::move(replayed);
  // Cover goes to someone the school's directory knows: a typo must not strand the enquiry with an
  // owner nobody is.
  if (input.kind == ActionInput::Kind::kReassign && !input.new_owner.empty()) {
    absl::StatusOr<std::string> known = directory_->LineManagerOf(input.new_owner);
    if (absl::IsNotFound(known.status())) {
      return InvalidArgument(
          reason::kUnknownStaff,
          absl::StrCat("new_owner ", input.new_owner, " is not a member of staff in the school's directory"));
    }
    if (!known.ok()) return known.status();
  }
  return Write(
      key, school_id, id, etag,
      [&](const EnquiryRecord& current, absl::Time now) -> absl::StatusOr<Decision> {
        const Enquiry& e = current.enquiry;
        const escalation::Act act{input.actor, now, input.reason, input.promised_at, input.progress};
        switch (input.kind) {
          case ActionInput::Kind::kAcknowledge:
            return Acknowledge(e, act, *deadlines_);
          case ActionInput::Kind::kReply:
            return Reply(e, act, *deadlines_);
          case ActionInput::Kind::kPause:
            return Pause(e, act, *deadlines_);
          case ActionInput::Kind::kResume:
            return Resume(e, act, *deadlines_);
          case ActionInput::Kind::kResolve:
            return Resolve(e, act, *deadlines_);
          case ActionInput::Kind::kReopen:
            return Reopen(e, act, *deadlines_);
          case ActionInput::Kind::kEscalate: {
            // The ladder is asked on the snapshot: no row is locked while contacts answers.
            PARLEY_ASSIGN_OR_RETURN(Ladder l,
                                    directory_->ResolveLadder(e.school_id, e.pupil, e.category, e.teaching_subject));
            EscalationLadder ladder;
            for (const Person& p : l.rungs) ladder.rungs.push_back(Rung{p.staff, p.role});
            ladder.refer_to_complaints_at_top = l.refer_to_complaints_after_top;
            return Escalate(e, act, input.parent_requested, ladder, *deadlines_);
          }
          case ActionInput::Kind::kReassign:
            return Reassign(e, act, input.new_owner, *deadlines_);
          case ActionInput::Kind::kMarkAbusive:
            return MarkAbusive(e, act, *deadlines_);
          case ActionInput::Kind::kRecordProgress:
            return RecordProgress(e, act, *deadlines_);
        }
        return Internal(reason::kInternal, "unknown staff action");
      },
      encode, scope);
}

// ---- reads -------------------------------------------------------------------------------------

absl::StatusOr<EnquiryWithView> EnquiryService::Get(const std::string& school_id, const std::string& id,
                                                    const EnquiryScope& scope) {
  PARLEY_ASSIGN_OR_RETURN(EnquiryRecord record, store_->Get(school_id, id));
  if (!scope.Covers(record)) return EnquiryNotFound(school_id, id);
  PARLEY_ASSIGN_OR_RETURN(EnquiryView view, Derive(record.enquiry, clock_->Now(), *deadlines_));
  return EnquiryWithView{std::move(record), std::move(view)};
}

absl::StatusOr<Page<EnquiryRecord>> EnquiryService::List(const std::string& school_id, const EnquiryFilter& filter,
                                                         PageQuery page, const EnquiryScope& scope) {
  EnquiryFilter narrowed = filter;
  if (!scope.Narrow(narrowed)) return Page<EnquiryRecord>();
  return store_->List(school_id, narrowed, page, clock_->Now());
}

absl::StatusOr<EventPage> EnquiryService::ListEvents(const std::string& school_id, const std::string& id,
                                                     int64_t from_seq, int size, const EnquiryScope& scope,
                                                     const EventShown& shown) {
  PARLEY_ASSIGN_OR_RETURN(EnquiryRecord record, store_->Get(school_id, id));
  if (!scope.Covers(record)) return EnquiryNotFound(school_id, id);
  EventPage page;
  // The history is append-only and numbered from 1, so "from seq" pages never shift.
  for (Event& ev : record.enquiry.history) {
    if (ev.seq < from_seq) continue;
    if (shown && !shown(record, ev)) continue;
    if (static_cast<int>(page.events.size()) == size) {
      page.next_seq = ev.seq;
      break;
    }
    page.events.push_back(std::move(ev));
  }
  return page;
}

absl::StatusOr<SchoolStats> EnquiryService::Stats(const std::string& school_id, absl::Time start, absl::Time end) {
  PARLEY_ASSIGN_OR_RETURN(SchoolStats stats, store_->Stats(school_id, start, end, clock_->Now()));
  // Every span measured in one call, on the school's calendar: acknowledgements, then answers.
  std::vector<std::pair<absl::Time, absl::Time>> spans;
  for (const KeepTimes& k : stats.keep_times) {
    if (k.acknowledge) spans.push_back(*k.acknowledge);
    if (k.answer) spans.push_back(*k.answer);
  }
  std::vector<absl::Duration> worked;
  if (!spans.empty()) {
    PARLEY_ASSIGN_OR_RETURN(worked, deadlines_->WorkingTimes(school_id, spans));
  }
  if (worked.size() != spans.size()) {
    return Internal(reason::kInternal, "the policy clock measured a different number of spans than asked");
  }
  SliceTimes all;
  std::map<Channel, SliceTimes> by_channel;
  std::map<std::string, SliceTimes> by_category;
  std::vector<absl::Duration> to_take_up;
  size_t next = 0;
  for (const KeepTimes& k : stats.keep_times) {
    if (k.acknowledge) {
      const absl::Duration d = worked[next++];
      for (SliceTimes* slice : {&all, &by_channel[k.channel], &by_category[k.category]}) {
        slice->to_acknowledge.push_back(d);
      }
    }
    if (k.answer) {
      const absl::Duration d = worked[next++];
      for (SliceTimes* slice : {&all, &by_channel[k.channel], &by_category[k.category]}) slice->to_answer.push_back(d);
    }
    if (k.safeguarding) {
      ++stats.safeguarding.received;
      if (k.acknowledge) {
        ++stats.safeguarding.taken_up;
        to_take_up.push_back(std::max(absl::ZeroDuration(), k.acknowledge->second - k.received_at));
      }
    }
  }
  all.FillInto(stats.all);
  for (auto& [channel, figures] : stats.by_channel) by_channel[channel].FillInto(figures);
  for (auto& [category, figures] : stats.by_category) by_category[category].FillInto(figures);
  stats.safeguarding.median_to_take_up = Quantile(to_take_up, 0.5);
  stats.safeguarding.p90_to_take_up = Quantile(to_take_up, 0.9);
  stats.keep_times.clear();
  return stats;
}

absl::StatusOr<BreachPage> EnquiryService::ListBreaches(const std::string& school_id, const BreachFilter& filter,
                                                        BreachPosition after, int size) {
  if (filter.end <= filter.start) {
    return InvalidArgument(reason::kInvalidField, "end_time must be after start_time");
  }
  if (size <= 0) return InvalidArgument(reason::kInvalidField, "page_size must be positive");
  return store_->ListBreaches(school_id, filter, after, size);
}

// ---- recomputation -----------------------------------------------------------------------------

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
        const RequestKey key{"escalation.Recompute",
                             request::DerivedRequestId(absl::StrCat(school_id, "/", r.enquiry.id, "/", current.calendar,
                                                                    "/", current.policy)),
                             ""};
        bool recorded = false;
        auto recompute = [&]() -> absl::StatusOr<WriteResult> {
          PARLEY_ASSIGN_OR_RETURN(std::optional<WriteResult> replayed, Replay(key));
          if (replayed) return *std::move(replayed);
          return Write(
              key, school_id, r.enquiry.id, "",
              [&](const EnquiryRecord& now_stored, absl::Time now) -> absl::StatusOr<Decision> {
                PARLEY_ASSIGN_OR_RETURN(Decision d, Recompute(now_stored.enquiry, current, now, *deadlines_));
                recorded = !d.events.empty();
                return d;
              },
              [](const EnquiryRecord& rec, const EnquiryView&) -> absl::StatusOr<std::string> {
                return rec.enquiry.id;
              });
        };
        const absl::StatusOr<WriteResult> written = recompute();
        if (!written.ok()) {
          log::Warning("recompute_failed", {{"school", school_id},
                                            {"enquiry", r.enquiry.id},
                                            {"code", absl::StatusCodeToString(written.status().code())}});
          continue;  // the next round tries again
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

// ---- clock timers ------------------------------------------------------------------------------

TimerPlan EnquiryService::ClockTimerPlan() {
  TimerPlan plan;
  // key "{school}/{enquiry}/{acknowledge|respond|follow_up}".
  plan.target = [](const timer::Timer& t) -> std::optional<std::pair<std::string, std::string>> {
    const std::vector<std::string> key = absl::StrSplit(t.key, '/');
    if (key.size() != 3 || !StageOfTimer(key[2]).has_value()) {
      log::Error("clock_timer_malformed", {{"timer", t.id}});
      return std::nullopt;  // not a timer this code wrote: nothing to do
    }
    return std::make_pair(key[0], key[1]);
  };
  plan.plan = [this](const EnquiryRecord& current, const timer::Timer& t,
                     absl::Time now) -> absl::StatusOr<TimerOutcome> {
    const std::vector<std::string> key = absl::StrSplit(t.key, '/');
    const Stage stage = StageOfTimer(key.back()).value_or(Stage::kRespond);  // target checked it
    // The timer's own due is the armed due: a handler that re-arms its timer moves it, and the
    // payload (the due first armed) is only for reading.
    return PlanClockTimer(current, stage, t.due, now);
  };
  return plan;
}

absl::StatusOr<TimerOutcome> EnquiryService::PlanClockTimer(const EnquiryRecord& current, Stage stage,
                                                            absl::Time armed_due, absl::Time db_now) {
  BreachContext context;
  const Enquiry& e = current.enquiry;
  PARLEY_ASSIGN_OR_RETURN(BreachSwitches policy, directory_->BreachPolicyOf(e.school_id));
  context.notify_line_manager = policy.notify_line_manager;
  context.escalate_on_response_breach = policy.escalate_on_response_breach;
  if (stage == Stage::kRespond) {
    absl::StatusOr<Ladder> l = directory_->ResolveLadder(e.school_id, e.pupil, e.category, e.teaching_subject);
    if (l.ok()) {
      for (const Person& p : l->rungs) context.ladder.rungs.push_back(Rung{p.staff, p.role});
      context.ladder.refer_to_complaints_at_top = l->refer_to_complaints_after_top;
    } else if (ErrorReason(l.status()) == reason::kNoLadder) {
      // A category with no ladder has nowhere to climb, not even to complaints: the breach is
      // still recorded and the owner told, rather than the timer failing until someone adds one.
      context.ladder.refer_to_complaints_at_top = false;
    } else {
      return l.status();  // contacts down: retried later
    }
  } else if (IsStaff(current.owner)) {  // acknowledge and follow-up breaches tell the line manager
    absl::StatusOr<std::string> manager = directory_->LineManagerOf(current.owner);
    if (manager.ok()) {
      context.owner_line_manager = *manager;
    } else if (!absl::IsNotFound(manager.status())) {
      return manager.status();  // contacts down: retried later
    }
  }
  // The database's clock decided the timer is due; this process's clock may lag it a little.
  const absl::Time now = std::max({clock_->Now(), armed_due, db_now});
  PARLEY_ASSIGN_OR_RETURN(Decision decision, OnTimer(e, stage, armed_due, now, context, *deadlines_));
  TimerOutcome outcome;
  if (decision.events.empty()) return outcome;  // met, moved or handled already
  // The firing timer is re-armed by returning its new due; another clock's timer is set through the
  // change only when the firing moved it. Rewriting an unchanged one would wait on its row while its
  // own handler, firing at the same instant, waits on this enquiry: a deadlock PostgreSQL breaks
  // by failing one of them.
  PARLEY_ASSIGN_OR_RETURN(EnquiryView before, Derive(e, now, *deadlines_));
  const std::vector<TimerSetting> armed_before = ArmedTimers(before);
  Decision rest = decision;
  rest.timers.clear();
  for (const TimerSetting& s : decision.timers) {
    if (s.stage == stage) {
      outcome.rearm = s.due ? std::optional<absl::Time>(StoredPrecision(*s.due)) : std::nullopt;
      continue;
    }
    const auto was = absl::c_find_if(armed_before, [&](const TimerSetting& b) { return b.stage == s.stage; });
    if (was == armed_before.end() || was->due != s.due) rest.timers.push_back(s);
  }
  // No request id: the timer's own transition is what makes the firing happen once.
  PARLEY_ASSIGN_OR_RETURN(outcome.write, Plan(current, rest, now, nullptr));
  log::Info("enquiry_clock_fired", {{"school", e.school_id}, {"enquiry", e.id}, {"stage", TimerStage(stage)}});
  return outcome;
}

}  // namespace parley::escalation
