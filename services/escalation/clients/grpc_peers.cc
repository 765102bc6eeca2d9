#include "services/escalation/clients/grpc_peers.h"

#include <utility>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "common/grpc/client.h"
#include "common/grpc/timestamp.h"
#include "common/status/reason.h"
#include "common/status/status_macros.h"

namespace parley::escalation {
namespace cv1 = parley::conduct::v1;
namespace kv1 = parley::contacts::v1;
namespace {

client::CallOptions Options(const auth::ServiceIdentity* identity, absl::Duration timeout, bool idempotent) {
  client::CallOptions call;
  call.timeout = timeout;
  call.idempotent = idempotent;
  call.bearer_token = identity->Token();
  return call;
}

Person PersonFrom(const kv1::Recipient& r) {
  Person p;
  // External contacts (the county child-protection team) are named by the school's contact id.
  p.staff =
      r.target_case() == kv1::Recipient::kExternalContact ? absl::StrCat("external:", r.external_contact()) : r.staff();
  p.role = r.role();
  return p;
}

}  // namespace

ConductGate::ConductGate(std::shared_ptr<grpc::Channel> channel, const auth::ServiceIdentity* identity,
                         absl::Duration timeout)
    : stub_(cv1::ConductService::NewStub(std::move(channel))), identity_(identity), timeout_(timeout) {}

absl::StatusOr<GateAnswer> ConductGate::Check(const GateQuestion& q) {
  cv1::CheckCommunicationRequest req;
  req.set_school(absl::StrCat("schools/", q.school_id));
  req.set_guardian(q.guardian);
  req.set_channel(static_cast<cv1::Channel>(q.channel));
  *req.mutable_time() = ToTimestamp(q.at);
  req.set_purpose(cv1::PURPOSE_INBOUND_MESSAGE);
  req.set_safeguarding(q.safeguarding);
  req.set_request_id(q.request_id);
  cv1::Decision d;
  // The gate keeps one decision per caller and request id, so a check with the intake's request id
  // may be retried; one without (none is sent only by callers outside intake) is not.
  PARLEY_RETURN_IF_ERROR(
      client::Call(Options(identity_, timeout_, /*idempotent=*/!q.request_id.empty()),
                   [&](grpc::ClientContext& ctx) { return stub_->CheckCommunication(&ctx, req, &d); }));
  GateAnswer a;
  a.outcome = static_cast<GateAnswer::Outcome>(d.outcome());
  a.decision = d.name();
  if (d.has_next_allowed_time()) a.next_allowed_time = FromTimestamp(d.next_allowed_time());
  a.explanation = d.explanation();
  a.arrangement = d.arrangement();
  a.arrangement_version = d.arrangement_version();
  a.premises_ban = d.premises_ban();
  a.premises_ban_version = d.premises_ban_version();
  if (d.has_decide_time()) a.decided_at = FromTimestamp(d.decide_time());
  return a;
}

ContactsDirectory::ContactsDirectory(std::shared_ptr<grpc::Channel> channel, const auth::ServiceIdentity* identity,
                                     absl::Duration timeout, absl::Duration cache_ttl)
    : stub_(kv1::ContactsService::NewStub(std::move(channel))),
      identity_(identity),
      timeout_(timeout),
      cache_ttl_(cache_ttl) {}

absl::StatusOr<Route> ContactsDirectory::RouteEnquiry(const std::string& school_id, const std::string& pupil,
                                                      const std::string& category, const std::string& teaching_subject,
                                                      int channel) {
  kv1::RouteEnquiryRequest req;
  req.set_school(absl::StrCat("schools/", school_id));
  req.set_pupil(pupil);
  req.set_category(category);
  req.set_subject(teaching_subject);
  req.set_channel(static_cast<kv1::Channel>(channel));
  kv1::RouteEnquiryResponse resp;
  PARLEY_RETURN_IF_ERROR(client::Call(Options(identity_, timeout_, true),
                                      [&](grpc::ClientContext& ctx) { return stub_->RouteEnquiry(&ctx, req, &resp); }));
  Route r;
  r.owner = PersonFrom(resp.owner());
  for (const kv1::Recipient& n : resp.also_notify()) r.also_notify.push_back(PersonFrom(n));
  r.channel_allowed = resp.channel_allowed();
  r.channel_rule = resp.channel_rule();
  r.safeguarding = resp.safeguarding();
  return r;
}

absl::StatusOr<Ladder> ContactsDirectory::ResolveLadder(const std::string& school_id, const std::string& pupil,
                                                        const std::string& category,
                                                        const std::string& teaching_subject) {
  kv1::ResolveLadderRequest req;
  req.set_school(absl::StrCat("schools/", school_id));
  req.set_pupil(pupil);
  req.set_category(category);
  req.set_subject(teaching_subject);
  kv1::ResolveLadderResponse resp;
  PARLEY_RETURN_IF_ERROR(client::Call(Options(identity_, timeout_, true), [&](grpc::ClientContext& ctx) {
    return stub_->ResolveLadder(&ctx, req, &resp);
  }));
  Ladder l;
  for (const kv1::ResolvedRung& rung : resp.rungs()) {
    Person p = PersonFrom(rung.recipient());
    if (p.role.empty()) p.role = rung.title();
    l.rungs.push_back(std::move(p));
  }
  l.refer_to_complaints_after_top = resp.refer_to_complaints_after_top();
  return l;
}

absl::StatusOr<std::string> ContactsDirectory::LineManagerOf(const std::string& staff) {
  const absl::Time now = absl::Now();
  {
    absl::MutexLock lock(&mu_);
    auto it = managers_.find(staff);
    if (it != managers_.end() && now < it->second.fetched + cache_ttl_) return it->second.manager;
  }
  kv1::GetStaffRequest req;
  req.set_name(staff);
  kv1::Staff member;
  PARLEY_RETURN_IF_ERROR(client::Call(Options(identity_, timeout_, true),
                                      [&](grpc::ClientContext& ctx) { return stub_->GetStaff(&ctx, req, &member); }));
  if (cache_ttl_ > absl::ZeroDuration()) {
    absl::MutexLock lock(&mu_);
    if (managers_.size() >= kMaxCached) managers_.clear();
    managers_[staff] = ManagerEntry{now, member.line_manager()};
  }
  return member.line_manager();
}

absl::StatusOr<DueAt> ContactsDirectory::Compute(const DeadlineQuery& q) {
  kv1::ComputeDeadlineRequest req;
  req.set_school(absl::StrCat("schools/", q.school_id));
  req.set_channel(static_cast<kv1::Channel>(q.channel));
  req.set_stage(q.stage == Stage::kRespond ? kv1::STAGE_RESPOND : kv1::STAGE_ACKNOWLEDGE);
  *req.mutable_received_time() = ToTimestamp(q.clock_from);
  if (!q.owner.empty() && q.owner.rfind("schools/", 0) == 0) req.set_owner(q.owner);
  for (const calendar::Pause& p : q.pauses) {
    kv1::Pause* pause = req.add_pauses();
    *pause->mutable_start_time() = ToTimestamp(p.start);
    if (p.end) *pause->mutable_end_time() = ToTimestamp(*p.end);
  }
  req.set_safeguarding(q.safeguarding);
  req.set_category(q.category);
  kv1::ComputeDeadlineResponse resp;
  PARLEY_RETURN_IF_ERROR(client::Call(Options(identity_, timeout_, true), [&](grpc::ClientContext& ctx) {
    return stub_->ComputeDeadline(&ctx, req, &resp);
  }));
  DueAt d;
  d.clock_start = FromTimestamp(resp.clock_start_time());
  if (resp.has_due_time()) d.due = FromTimestamp(resp.due_time());
  d.calendar_version = resp.calendar_version();
  d.policy_version = resp.policy_version();
  d.explanation = resp.explanation().summary();
  return d;
}

absl::StatusOr<absl::Time> ContactsDirectory::NextWorkingTime(const std::string& school_id, const std::string& staff,
                                                              absl::Time at) {
  DeadlineQuery q;
  q.school_id = school_id;
  q.channel = Channel::kEmail;
  q.stage = Stage::kAcknowledge;
  q.clock_from = at;
  q.owner = staff;
  // The clock start of a deadline received at `at` with the staff member as owner is the first
  // instant inside their working periods.
  PARLEY_ASSIGN_OR_RETURN(DueAt d, Compute(q));
  return d.clock_start;
}

absl::StatusOr<std::pair<std::string, std::string>> ContactsDirectory::Versions(const std::string& school_id) {
  kv1::GetSchoolRequest req;
  req.set_name(absl::StrCat("schools/", school_id));
  kv1::School school;
  PARLEY_RETURN_IF_ERROR(client::Call(Options(identity_, timeout_, true),
                                      [&](grpc::ClientContext& ctx) { return stub_->GetSchool(&ctx, req, &school); }));
  return std::make_pair(school.calendar_version(), school.policy_version());
}

absl::StatusOr<BreachSwitches> ContactsDirectory::BreachPolicyOf(const std::string& school_id) {
  const absl::Time now = absl::Now();
  {
    absl::MutexLock lock(&mu_);
    auto it = breach_policies_.find(school_id);
    if (it != breach_policies_.end() && now < it->second.fetched + cache_ttl_) return it->second.switches;
  }
  kv1::GetSchoolRequest req;
  req.set_name(absl::StrCat("schools/", school_id));
  kv1::School school;
  PARLEY_RETURN_IF_ERROR(client::Call(Options(identity_, timeout_, true),
                                      [&](grpc::ClientContext& ctx) { return stub_->GetSchool(&ctx, req, &school); }));
  const kv1::BreachPolicy& b = school.policy().breach();
  const BreachSwitches switches{b.notify_line_manager_on_acknowledge_breach(), b.escalate_on_response_breach(),
                                b.refer_to_complaints_at_top()};
  if (cache_ttl_ > absl::ZeroDuration()) {
    absl::MutexLock lock(&mu_);
    if (breach_policies_.size() >= kMaxCached) breach_policies_.clear();
    breach_policies_[school_id] = BreachEntry{now, switches};
  }
  return switches;
}

absl::StatusOr<std::vector<std::string>> ContactsDirectory::PupilsOfGuardian(const std::string& guardian) {
  kv1::GetGuardianRequest req;
  req.set_name(guardian);
  kv1::Guardian record;
  const absl::Status got = client::Call(Options(identity_, timeout_, true), [&](grpc::ClientContext& ctx) {
    return stub_->GetGuardian(&ctx, req, &record);
  });
  if (absl::IsNotFound(got)) return std::vector<std::string>();
  PARLEY_RETURN_IF_ERROR(got);
  std::vector<std::string> pupils;
  pupils.reserve(record.pupils_size());
  for (const kv1::PupilLink& link : record.pupils()) {
    // A court order that the guardian receive no information about the child: an enquiry about the
    // child would route to, and name, the child's staff. Such a child is not theirs to ask about here.
    if (link.court_order().no_information()) continue;
    pupils.push_back(link.pupil());
  }
  return pupils;
}

absl::StatusOr<WorkingPeriod> ContactsDirectory::PeriodAtOrAfter(const std::string& staff, absl::Time t) {
  const std::vector<std::string> parts = absl::StrSplit(staff, '/');
  if (parts.size() != 4 || parts[0] != "schools" || parts[2] != "staff") {
    return InvalidArgument("INVALID_FIELD", absl::StrCat("not a staff name: ", staff));
  }
  const absl::Time now = absl::Now();
  {
    // The listing holds every period overlapping [from, to): the first that ends after t is the
    // answer if it starts inside the listing.
    absl::MutexLock lock(&mu_);
    auto it = periods_.find(staff);
    if (it != periods_.end() && now < it->second.fetched + cache_ttl_ && it->second.from <= t) {
      for (const WorkingPeriod& p : it->second.periods) {
        if (p.close <= t) continue;
        if (p.open < it->second.to) return p;
        break;
      }
    }
  }
  kv1::ListWorkingPeriodsRequest req;
  req.set_school(absl::StrCat("schools/", parts[1]));
  req.set_staff(staff);
  // Two weeks always hold a working period in term time; holidays are longer, so look further.
  for (absl::Duration window : {absl::Hours(24 * 14), absl::Hours(24 * 92)}) {
    *req.mutable_start_time() = ToTimestamp(t);
    *req.mutable_end_time() = ToTimestamp(t + window);
    kv1::ListWorkingPeriodsResponse resp;
    PARLEY_RETURN_IF_ERROR(client::Call(Options(identity_, timeout_, true), [&](grpc::ClientContext& ctx) {
      return stub_->ListWorkingPeriods(&ctx, req, &resp);
    }));
    if (resp.periods_size() == 0) continue;
    PeriodsEntry entry{now, t, t + window, {}};
    for (const kv1::WorkingPeriod& p : resp.periods()) {
      entry.periods.push_back(WorkingPeriod{FromTimestamp(p.start_time()), FromTimestamp(p.end_time())});
    }
    const WorkingPeriod first = entry.periods.front();
    if (cache_ttl_ > absl::ZeroDuration()) {
      absl::MutexLock lock(&mu_);
      if (periods_.size() >= kMaxCached) periods_.clear();
      periods_[staff] = std::move(entry);
    }
    return first;
  }
  return FailedPrecondition("CALENDAR_EXHAUSTED",
                            absl::StrCat("no working period for ", staff, " in the 92 days after ",
                                         absl::FormatTime("%Y-%m-%d", t, absl::UTCTimeZone())));
}

}  // namespace parley::escalation
