#include "services/appointments/testing/in_memory_request_store.h"

#include <algorithm>

#include "absl/strings/str_cat.h"
#include "common/status/reason.h"
#include "common/status/reasons.h"
#include "common/status/status_macros.h"

namespace parley::appointments::testing {
namespace {

bool Breached(const MeetingRequest& r) {
  return std::any_of(r.history.begin(), r.history.end(), [](const RequestEvent& e) {
    return e.kind == RequestEventKind::kAnswerBreached || e.kind == RequestEventKind::kHoldBreached ||
           e.kind == RequestEventKind::kCallBackBreached;
  });
}

}  // namespace

absl::StatusOr<std::optional<std::string>> InMemoryRequestStore::FindResponse(const RequestKey& key) {
  absl::MutexLock lock(&mu_);
  auto it = responses_.find({key.scope, key.request_id});
  if (it == responses_.end()) return std::optional<std::string>();
  if (it->second.first != key.fingerprint) {
    return InvalidArgument(reason::kRequestIdReused, "request_id was used for another request");
  }
  return std::optional<std::string>(it->second.second);
}

absl::StatusOr<RequestWriteResult> InMemoryRequestStore::Write(const RequestKey* key, int64_t base_version,
                                                               const RequestWrite& w, bool create) {
  if (key != nullptr) {
    auto done = responses_.find({key->scope, key->request_id});
    if (done != responses_.end()) {
      if (done->second.first != key->fingerprint) {
        return InvalidArgument(reason::kRequestIdReused, "request_id was used for another request");
      }
      return RequestWriteResult{done->second.second, true, {}};
    }
  }
  PARLEY_RETURN_IF_ERROR(CheckRequestWrite(w, base_version));
  const std::pair<std::string, std::string> id{w.after.school_id, w.after.id};
  auto it = rows_.find(id);
  if (create) {
    if (it != rows_.end()) {
      return AlreadyExists(reason::kMeetingRequestExists, absl::StrCat("meeting request ", w.after.id, " exists"));
    }
  } else {
    if (it == rows_.end()) return RequestNotFound(w.after.school_id, w.after.id);
    if (it->second.stored.version != base_version) {
      return Aborted(reason::kRecordChanged, "the meeting request changed while the change was planned");
    }
  }
  Row& row = rows_[id];
  if (create) {
    row.list_seq = next_list_seq_++;
  }
  row.stored.request = w.after;
  row.stored.version = base_version + static_cast<int64_t>(w.events.size());
  row.stored.update_time = w.events.empty() ? row.stored.update_time : w.events.back().at;
  if (create) row.stored.create_time = row.stored.update_time;
  // As the outbox writer: a key already there is not written again.
  for (const Notice& n : w.notices) {
    if (std::none_of(outbox_.begin(), outbox_.end(), [&](const Notice& o) { return o.key == n.key; })) {
      outbox_.push_back(n);
    }
  }
  for (const TimerSetting& t : w.timers) {
    const std::string tk = RequestTimerKey(w.after.school_id, w.after.id, t.kind);
    if (t.due) {
      timers_[tk] = *t.due;
    } else {
      timers_.erase(tk);
    }
  }
  RequestWriteResult result;
  if (w.encode) {
    PARLEY_ASSIGN_OR_RETURN(result.response, w.encode(row.stored));
  }
  if (key != nullptr) responses_[{key->scope, key->request_id}] = {key->fingerprint, result.response};
  ++committed_;
  return result;
}

absl::StatusOr<RequestWriteResult> InMemoryRequestStore::Create(const RequestKey& key, const RequestWrite& write) {
  absl::MutexLock lock(&mu_);
  return Write(&key, 0, write, true);
}

absl::StatusOr<RequestWriteResult> InMemoryRequestStore::Append(const RequestKey& key, int64_t base_version,
                                                                const RequestWrite& write) {
  absl::MutexLock lock(&mu_);
  return Write(&key, base_version, write, false);
}

absl::StatusOr<StoredRequest> InMemoryRequestStore::Get(const std::string& school_id, const std::string& id) {
  absl::MutexLock lock(&mu_);
  auto it = rows_.find({school_id, id});
  if (it == rows_.end()) return RequestNotFound(school_id, id);
  return it->second.stored;
}

absl::StatusOr<Page<StoredRequest>> InMemoryRequestStore::List(const std::string& school_id,
                                                               const RequestFilter& filter, PageQuery page) {
  absl::MutexLock lock(&mu_);
  std::vector<const Row*> matching;
  for (const auto& [id, row] : rows_) {
    const MeetingRequest& r = row.stored.request;
    if (id.first != school_id || (filter.state && r.state != *filter.state) ||
        (!filter.guardian.empty() && r.guardian != filter.guardian) ||
        (!filter.owner.empty() && r.owner != filter.owner) ||
        (!filter.pupil.empty() && std::find(r.pupils.begin(), r.pupils.end(), filter.pupil) == r.pupils.end()) ||
        (page.before_seq > 0 && row.list_seq >= page.before_seq) || (filter.breached_only && !Breached(r))) {
      continue;
    }
    matching.push_back(&row);
  }
  std::sort(matching.begin(), matching.end(), [](const Row* a, const Row* b) { return a->list_seq > b->list_seq; });
  Page<StoredRequest> out;
  const size_t size = page.size > 0 ? page.size : 50;
  for (const Row* row : matching) {
    if (out.items.size() == size) {
      out.next_before_seq = matching[size - 1]->list_seq;
      break;
    }
    StoredRequest s = row->stored;
    s.request.history.clear();
    out.items.push_back(std::move(s));
  }
  return out;
}

absl::StatusOr<bool> InMemoryRequestStore::FireTimer(const RequestTimerPlan& plan, const std::string& key,
                                                     absl::Time now) {
  std::optional<RequestTimerTarget> target = ParseRequestTimerKey(key);
  absl::Time armed_due;
  StoredRequest current;
  {
    absl::MutexLock lock(&mu_);
    auto t = timers_.find(key);
    if (t == timers_.end() || !target || now < t->second) return false;
    armed_due = t->second;
    timers_.erase(t);  // fired: spent unless the write arms it again
    auto it = rows_.find({target->school_id, target->request_id});
    if (it == rows_.end()) return true;
    current = it->second.stored;
  }
  PARLEY_ASSIGN_OR_RETURN(std::optional<RequestWrite> write, plan.plan(current, target->kind, armed_due, now));
  if (!write || write->events.empty()) return true;
  absl::MutexLock lock(&mu_);
  PARLEY_RETURN_IF_ERROR(Write(nullptr, current.version, *write, false).status());
  return true;
}

std::vector<Notice> InMemoryRequestStore::outbox() const {
  absl::MutexLock lock(&mu_);
  return outbox_;
}

std::map<std::string, absl::Time> InMemoryRequestStore::timers() const {
  absl::MutexLock lock(&mu_);
  return timers_;
}

int InMemoryRequestStore::committed_writes() const {
  absl::MutexLock lock(&mu_);
  return committed_;
}

}  // namespace parley::appointments::testing
