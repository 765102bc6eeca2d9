#include "services/escalation/testing/in_memory_enquiry_store.h"

#include <algorithm>
#include <climits>
#include <tuple>

#include "absl/strings/str_cat.h"
#include "common/status/reason.h"
#include "common/status/status_macros.h"

namespace parley::escalation::testing {
namespace {

absl::Status Moved() { return Aborted(reason::kRecordChanged, "the enquiry changed while the change was planned"); }

bool Live(EnquiryState s) {
  return s == EnquiryState::kOpen || s == EnquiryState::kAcknowledged || s == EnquiryState::kAwaitingParent;
}

// The SQL's overdue filter (pg_enquiry_store.cc OverdueSql).
bool Overdue(const EnquiryRecord& r, absl::Time now) {
  return Live(r.state) && ((r.next_due && *r.next_due < now) ||
                           (r.state == EnquiryState::kOpen && r.ack_status == ClockStatus::kBreached));
}

// Without history or ledger, as a list returns them.
EnquiryRecord Listed(const EnquiryRecord& r) {
  EnquiryRecord out = r;
  out.enquiry.history.clear();
  out.staff_notices.clear();
  return out;
}

void Count(PromiseFigures& f, const EnquiryRecord& r, int64_t breaches) {
  ++f.received;
  if (r.ack_status == ClockStatus::kMet || r.ack_status == ClockStatus::kBreached) ++f.acknowledge_ended;
  if (r.ack_status == ClockStatus::kMet) ++f.acknowledge_met;
  if (r.respond_status == ClockStatus::kMet || r.respond_status == ClockStatus::kBreached) ++f.respond_ended;
  if (r.respond_status == ClockStatus::kMet) ++f.respond_met;
  f.breaches += breaches;
}

}  // namespace

void InMemoryEnquiryStore::BeforeNextWrite(std::function<void()> hook) {
  absl::MutexLock lock(&mu_);
  hook_ = std::move(hook);
}

void InMemoryEnquiryStore::RunHook() {
  std::function<void()> hook;
  {
    absl::MutexLock lock(&mu_);
    hook.swap(hook_);
  }
  if (hook) hook();
}

std::optional<WriteResult> InMemoryEnquiryStore::Replay(const RequestKey& key, absl::Status& error) const {
  auto it = requests_.find({key.scope, key.request_id});
  if (it == requests_.end()) return std::nullopt;
  if (it->second.fingerprint != key.fingerprint) {
    error = InvalidArgument(reason::kRequestIdReused, "request_id was used with a different request");
    return std::nullopt;
  }
  return WriteResult{it->second.response, /*replayed=*/true, {}};
}

absl::StatusOr<std::optional<std::string>> InMemoryEnquiryStore::FindResponse(const RequestKey& key) {
  absl::MutexLock lock(&mu_);
  absl::Status error;
  std::optional<WriteResult> replay = Replay(key, error);
  if (!error.ok()) return error;
  if (!replay) return std::optional<std::string>();
  return std::optional<std::string>(replay->response);
}

std::vector<timer::TimerRef> InMemoryEnquiryStore::Effects(const Change& change, EnquiryRecord& row) {
  const Enquiry& e = row.enquiry;
  std::set<std::string> skipped;
  for (const StaffNoticeRow& n : change.staff_notices) {
    if (!slots_.insert({e.school_id, e.id, n.recipient, n.period_start}).second) {
      skipped.insert(n.outbox_key);
      continue;
    }
    ledger_.push_back(n);
    row.staff_notices.push_back(n);
  }
  for (const OutboxRow& o : change.outbox) {
    if (skipped.count(o.key) == 0) outbox_.push_back(o);
  }
  for (const auto& kind_key : change.cancel) timers_.erase(kind_key);
  std::vector<timer::TimerRef> refs;
  for (const timer::TimerSpec& spec : change.schedule) {
    timers_[{spec.kind, spec.key}] = spec;
    refs.push_back(timer::TimerRef{next_timer_id_++, 1, spec.due});
  }
  return refs;
}

absl::StatusOr<WriteResult> InMemoryEnquiryStore::Finish(const RequestKey& key, const PlannedWrite& write,
                                                         const EnquiryRecord& stored,
                                                         std::vector<timer::TimerRef> timers) {
  WriteResult result;
  if (write.encode) {
    PARLEY_ASSIGN_OR_RETURN(result.response, write.encode(stored));
  }
  result.timers = std::move(timers);
  if (!key.request_id.empty()) requests_[{key.scope, key.request_id}] = StoredRequest{key.fingerprint, result.response};
  ++committed_;
  return result;
}

absl::StatusOr<WriteResult> InMemoryEnquiryStore::Create(const RequestKey& key, const PlannedWrite& write) {
  RunHook();
  absl::MutexLock lock(&mu_);
  absl::Status error;
  if (std::optional<WriteResult> replay = Replay(key, error)) return *replay;
  if (!error.ok()) return error;
  const Enquiry& e = write.after.enquiry;
  if (write.change.events.empty() || e.history.size() != write.change.events.size()) {
    return Internal(reason::kEnquiryCreateMisuse, "a new enquiry is stored with its first events and no history");
  }
  PARLEY_RETURN_IF_ERROR(CheckPlannedEvents(write));
  if (rows_.count({e.school_id, e.id}) > 0) {
    return AlreadyExists(reason::kEnquiryExists, absl::StrCat("enquiry ", e.id, " already exists"));
  }
  // What would fail the whole write is checked before anything is kept.
  std::set<std::string> keys;
  for (const OutboxRow& o : outbox_) keys.insert(o.key);
  for (const OutboxRow& o : write.change.outbox) {
    if (!keys.insert(o.key).second) return Internal(reason::kOutboxKeyDuplicate, "an outbox key is already taken");
  }
  Row row;
  row.record = write.after;
  row.record.staff_notices.clear();
  row.record.row_version = 1;
  row.record.create_time = row.record.update_time = now_();
  row.seq = next_seq_++;
  std::vector<timer::TimerRef> refs = Effects(write.change, row.record);
  EnquiryRecord stored = row.record;
  rows_[{e.school_id, e.id}] = std::move(row);
  return Finish(key, write, stored, std::move(refs));
}

absl::StatusOr<WriteResult> InMemoryEnquiryStore::Apply(const RequestKey& key, int64_t base_version,
                                                        const PlannedWrite& write) {
  RunHook();
  absl::MutexLock lock(&mu_);
  absl::Status error;
  if (std::optional<WriteResult> replay = Replay(key, error)) return *replay;
  if (!error.ok()) return error;
  PARLEY_RETURN_IF_ERROR(CheckPlannedEvents(write));
  const Enquiry& e = write.after.enquiry;
  auto it = rows_.find({e.school_id, e.id});
  if (it == rows_.end()) return EnquiryNotFound(e.school_id, e.id);
  if (it->second.record.row_version != base_version) return Moved();
  std::set<std::string> keys;
  for (const OutboxRow& o : outbox_) keys.insert(o.key);
  for (const OutboxRow& o : write.change.outbox) {
    if (!keys.insert(o.key).second) return Internal(reason::kOutboxKeyDuplicate, "an outbox key is already taken");
  }
  EnquiryRecord& row = it->second.record;
  if (!write.change.events.empty()) {
    const std::vector<StaffNoticeRow> ledger = row.staff_notices;
    const absl::Time created = row.create_time;
    row = write.after;
    row.staff_notices = ledger;
    row.create_time = created;
    row.row_version = base_version + 1;
    row.update_time = now_();
  }
  std::vector<timer::TimerRef> refs = Effects(write.change, row);
  return Finish(key, write, row, std::move(refs));
}

absl::StatusOr<EnquiryRecord> InMemoryEnquiryStore::Get(const std::string& school_id, const std::string& id) {
  absl::MutexLock lock(&mu_);
  auto it = rows_.find({school_id, id});
  if (it == rows_.end()) return EnquiryNotFound(school_id, id);
  return it->second.record;
}

absl::StatusOr<std::vector<std::string>> InMemoryEnquiryStore::SchoolsWithLiveEnquiries() {
  absl::MutexLock lock(&mu_);
  std::set<std::string> schools;
  for (const auto& [id, row] : rows_) {
    if (Live(row.record.state)) schools.insert(id.first);
  }
  return std::vector<std::string>(schools.begin(), schools.end());
}

absl::StatusOr<Page<EnquiryRecord>> InMemoryEnquiryStore::List(const std::string& school_id,
                                                               const EnquiryFilter& filter, PageQuery page,
                                                               absl::Time now) {
  absl::MutexLock lock(&mu_);
  std::vector<const Row*> matching;
  const int64_t before = page.before_seq > 0 ? page.before_seq : INT64_MAX;
  for (const auto& [id, row] : rows_) {
    const EnquiryRecord& r = row.record;
    if (id.first != school_id || row.seq >= before) continue;
    if (!filter.owner.empty() && r.owner != filter.owner) continue;
    if (!filter.guardian.empty() && r.enquiry.guardian != filter.guardian) continue;
    if (filter.state && r.state != *filter.state) continue;
    if (!filter.category.empty() && r.enquiry.category != filter.category) continue;
    if (filter.overdue && !Overdue(r, now)) continue;
    if (filter.due_before && !(r.next_due && *r.next_due < *filter.due_before)) continue;
    matching.push_back(&row);
  }
  std::sort(matching.begin(), matching.end(), [](const Row* a, const Row* b) { return a->seq > b->seq; });
  const size_t size = page.size > 0 ? static_cast<size_t>(page.size) : 50;
  Page<EnquiryRecord> out;
  for (size_t i = 0; i < matching.size() && i < size; ++i) out.items.push_back(Listed(matching[i]->record));
  if (matching.size() > size) out.next_before_seq = matching[size - 1]->seq;
  return out;
}

absl::StatusOr<SchoolStats> InMemoryEnquiryStore::Stats(const std::string& school_id, absl::Time start, absl::Time end,
                                                        absl::Time now) {
  absl::MutexLock lock(&mu_);
  SchoolStats out;
  std::map<Channel, PromiseFigures> by_channel;
  std::map<std::string, PromiseFigures> by_category;
  std::map<int, int64_t> by_rung;
  for (const auto& [id, row] : rows_) {
    if (id.first != school_id) continue;
    const EnquiryRecord& r = row.record;
    int64_t breaches = 0;
    for (const Event& ev : r.enquiry.history) {
      if (ev.kind == EventKind::kBreached) ++breaches;
      if (ev.at < start || ev.at >= end) continue;
      if (ev.kind == EventKind::kEscalated) ++by_rung[ev.rung];
      if (ev.kind == EventKind::kReferredToComplaints) ++out.referrals_to_complaints;
    }
    if (Live(r.state)) ++out.open_now;
    if (Overdue(r, now)) ++out.overdue_now;
    if (r.enquiry.received_at < start || r.enquiry.received_at >= end) continue;
    Count(out.all, r, breaches);
    out.keep_times.push_back(KeepTimesOf(r.enquiry));
    Count(by_channel[r.enquiry.channel], r, breaches);
    Count(by_category[r.enquiry.category], r, breaches);
    if (r.follow_up_status == ClockStatus::kMet) ++out.follow_up_met;
    if (r.follow_up_status == ClockStatus::kBreached) ++out.follow_up_breached;
    if (r.follow_up_status == ClockStatus::kPending || r.follow_up_status == ClockStatus::kPaused) {
      ++out.follow_up_running;
    }
  }
  out.by_channel.assign(by_channel.begin(), by_channel.end());
  out.by_category.assign(by_category.begin(), by_category.end());
  out.escalations_by_rung.assign(by_rung.begin(), by_rung.end());
  return out;
}

namespace {

// Whether `kind` keeps the `stage` clock (the view's rules; pg_enquiry_store.cc ListBreaches).
bool Keeps(EventKind kind, Stage stage) {
  switch (stage) {
    case Stage::kAcknowledge:
      return kind == EventKind::kAcknowledged || kind == EventKind::kReplied || kind == EventKind::kResolved;
    case Stage::kRespond:
      return kind == EventKind::kReplied || kind == EventKind::kResolved;
    case Stage::kFollowUp:
      return kind == EventKind::kResolved;
  }
  return false;
}

}  // namespace

absl::StatusOr<BreachPage> InMemoryEnquiryStore::ListBreaches(const std::string& school_id, const BreachFilter& filter,
                                                              BreachPosition after, int size) {
  absl::MutexLock lock(&mu_);
  std::vector<BreachRecord> all;
  for (const auto& [id, row] : rows_) {
    const Enquiry& e = row.record.enquiry;
    if (id.first != school_id || e.received_at < filter.start || e.received_at >= filter.end) continue;
    if (filter.channel && e.channel != *filter.channel) continue;
    if (!filter.category.empty() && e.category != filter.category) continue;
    for (size_t i = 0; i < e.history.size(); ++i) {
      const Event& ev = e.history[i];
      if (ev.kind != EventKind::kBreached) continue;
      BreachRecord b;
      b.enquiry_id = e.id;
      b.channel = e.channel;
      b.category = e.category;
      b.received_at = e.received_at;
      b.stage = ev.stage.value_or(Stage::kAcknowledge);
      b.due = ev.breached_due;
      b.breached_at = ev.at;
      for (size_t j = i + 1; j < e.history.size(); ++j) {
        if (Keeps(e.history[j].kind, b.stage)) {
          b.kept_at = e.history[j].at;
          break;
        }
      }
      b.rung = ev.rung;
      b.rung_role = ev.owner_role;
      b.position = {row.seq, ev.seq};
      all.push_back(std::move(b));
    }
  }
  std::sort(all.begin(), all.end(), [](const BreachRecord& a, const BreachRecord& b) {
    return std::tie(a.position.enquiry_seq, a.position.event_seq) <
           std::tie(b.position.enquiry_seq, b.position.event_seq);
  });
  BreachPage out;
  for (BreachRecord& b : all) {
    if (std::tie(b.position.enquiry_seq, b.position.event_seq) <= std::tie(after.enquiry_seq, after.event_seq)) {
      continue;
    }
    if (static_cast<int>(out.items.size()) == size) {
      out.next = out.items.back().position;
      break;
    }
    out.items.push_back(std::move(b));
  }
  return out;
}

absl::StatusOr<std::optional<absl::Time>> InMemoryEnquiryStore::FireTimer(const TimerPlan& plan,
                                                                          const timer::Timer& timer,
                                                                          int max_plan_attempts) {
  const std::optional<std::pair<std::string, std::string>> target = plan.target(timer);
  std::optional<absl::Time> rearm;
  if (target) {
    for (int attempt = 1;; ++attempt) {
      absl::StatusOr<EnquiryRecord> current = Get(target->first, target->second);
      if (absl::IsNotFound(current.status())) break;
      if (!current.ok()) return current.status();
      PARLEY_ASSIGN_OR_RETURN(TimerOutcome outcome, plan.plan(*current, timer, now_()));
      rearm = outcome.rearm;
      if (!outcome.write) break;
      // No request id: the timer's own transition makes the firing happen once.
      absl::StatusOr<WriteResult> applied = Apply(RequestKey{}, current->row_version, *outcome.write);
      if (applied.ok()) break;
      const bool moved = absl::IsAborted(applied.status()) && ErrorReason(applied.status()) == reason::kRecordChanged;
      if (!moved || attempt >= max_plan_attempts) return applied.status();
    }
  }
  absl::MutexLock lock(&mu_);
  if (rearm) {
    timers_[{timer.kind, timer.key}] = timer::TimerSpec{timer.kind, timer.key, *rearm, timer.payload};
  } else {
    timers_.erase({timer.kind, timer.key});
  }
  return rearm;
}

std::vector<OutboxRow> InMemoryEnquiryStore::outbox() const {
  absl::MutexLock lock(&mu_);
  return outbox_;
}

std::vector<StaffNoticeRow> InMemoryEnquiryStore::ledger() const {
  absl::MutexLock lock(&mu_);
  return ledger_;
}

std::map<std::pair<std::string, std::string>, timer::TimerSpec> InMemoryEnquiryStore::timers() const {
  absl::MutexLock lock(&mu_);
  return timers_;
}

int InMemoryEnquiryStore::committed_writes() const {
  absl::MutexLock lock(&mu_);
  return committed_;
}

size_t InMemoryEnquiryStore::enquiry_count() const {
  absl::MutexLock lock(&mu_);
  return rows_.size();
}

void InMemoryEnquiryStore::Put(const EnquiryRecord& record) {
  absl::MutexLock lock(&mu_);
  rows_[{record.enquiry.school_id, record.enquiry.id}] = Row{record, next_seq_++};
}

}  // namespace parley::escalation::testing
