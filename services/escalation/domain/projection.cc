// The stored projection of an enquiry's derived view, its etag, and the checks every store runs on
// a planned write (enquiry_store.h).
#include <algorithm>
#include <initializer_list>
#include <optional>
#include <utility>
#include <vector>

#include "absl/strings/str_cat.h"
#include "common/status/reason.h"
#include "services/escalation/domain/enquiry_store.h"

namespace parley::escalation {
namespace {

void ProjectClock(const std::optional<ClockView>& clock, std::optional<absl::Time>& due,
                  std::optional<ClockStatus>& status) {
  due.reset();
  status.reset();
  if (!clock.has_value()) return;
  due = clock->due;
  status = clock->status;
}

}  // namespace

void Project(const EnquiryView& view, EnquiryRecord& record) {
  record.state = view.state;
  record.owner = view.owner;
  record.rung = view.rung;
  record.owner_role = view.owner_role;
  record.cycle = view.cycle;
  ProjectClock(view.acknowledge, record.ack_due, record.ack_status);
  ProjectClock(view.respond, record.respond_due, record.respond_status);
  ProjectClock(view.follow_up, record.follow_up_due, record.follow_up_status);
  record.next_due.reset();
  for (const std::optional<ClockView>* clock : {&view.acknowledge, &view.respond, &view.follow_up}) {
    if (!clock->has_value() || (*clock)->status != ClockStatus::kPending || !(*clock)->due.has_value()) continue;
    if (!record.next_due.has_value() || *(*clock)->due < *record.next_due) record.next_due = (*clock)->due;
  }
}

std::string EtagOf(int64_t row_version) { return absl::StrCat("\"", row_version, "\""); }

bool EnquiryScope::Covers(const EnquiryRecord& record) const {
  switch (kind) {
    case Kind::kAll:
      return true;
    case Kind::kGuardian:
      return !who.empty() && record.enquiry.guardian == who;
    case Kind::kOwner:
      return !who.empty() && record.owner == who;
  }
  return false;
}

bool EnquiryScope::Narrow(EnquiryFilter& filter) const {
  switch (kind) {
    case Kind::kAll:
      return true;
    case Kind::kGuardian:
      if (who.empty() || (!filter.guardian.empty() && filter.guardian != who)) return false;
      filter.guardian = who;
      return true;
    case Kind::kOwner:
      if (who.empty() || (!filter.owner.empty() && filter.owner != who)) return false;
      filter.owner = who;
      return true;
  }
  return false;
}

absl::Status EnquiryNotFound(const std::string& school_id, const std::string& id) {
  return NotFound(reason::kEnquiryNotFound, absl::StrCat("no enquiry ", id, " at school ", school_id));
}

absl::Time StoredPrecision(absl::Time t) { return absl::FromUnixMicros(absl::ToUnixMicros(t)); }

Event StoredPrecision(Event ev) {
  ev.at = StoredPrecision(ev.at);
  if (ev.breached_due) ev.breached_due = StoredPrecision(*ev.breached_due);
  if (ev.promised_at) ev.promised_at = StoredPrecision(*ev.promised_at);
  for (std::optional<ClockSnapshot>* s : {&ev.acknowledge, &ev.respond, &ev.follow_up}) {
    if (!s->has_value()) continue;
    (*s)->clock_from = StoredPrecision((*s)->clock_from);
    (*s)->clock_start = StoredPrecision((*s)->clock_start);
    if ((*s)->due) (*s)->due = StoredPrecision(*(*s)->due);
  }
  return ev;
}

absl::Status CheckPlannedEvents(const PlannedWrite& write) {
  const std::vector<Event>& history = write.after.enquiry.history;
  const std::vector<Event>& events = write.change.events;
  if (events.size() > history.size()) {
    return Internal(reason::kEnquirySeqMismatch, "a planned write's events are not in the history it plans");
  }
  const size_t base = history.size() - events.size();
  for (size_t i = 0; i < events.size(); ++i) {
    const int64_t expected = static_cast<int64_t>(base + i + 1);
    if (events[i].seq != expected || history[base + i].seq != expected) {
      return Internal(reason::kEnquirySeqMismatch,
                      absl::StrCat("event seq ", events[i].seq, " does not continue the history of enquiry ",
                                   write.after.enquiry.id, " (expected ", expected, ")"));
    }
    if ((events[i].acknowledge && events[i].acknowledge->stage != Stage::kAcknowledge) ||
        (events[i].respond && events[i].respond->stage != Stage::kRespond) ||
        (events[i].follow_up && events[i].follow_up->stage != Stage::kFollowUp)) {
      return Internal(reason::kEnquiryClockStageMismatch,
                      absl::StrCat("event ", events[i].seq, " of enquiry ", write.after.enquiry.id,
                                   " sets a clock under the wrong stage"));
    }
  }
  return absl::OkStatus();
}

namespace {

// The clock in force before history[i] (the last snapshot of it set earlier) and history[i]'s time,
// for the first event of `kinds`; nullopt when no such event, or no clock ran before it.
std::optional<std::pair<absl::Time, absl::Time>> FirstKeep(const std::vector<Event>& history,
                                                           std::optional<ClockSnapshot> Event::*clock,
                                                           std::initializer_list<EventKind> kinds) {
  std::optional<absl::Time> clock_start;
  for (const Event& ev : history) {
    if (std::find(kinds.begin(), kinds.end(), ev.kind) != kinds.end()) {
      if (!clock_start) return std::nullopt;
      return std::make_pair(*clock_start, ev.at);
    }
    if ((ev.*clock).has_value()) clock_start = (ev.*clock)->clock_start;
  }
  return std::nullopt;
}

}  // namespace

KeepTimes KeepTimesOf(const Enquiry& enquiry) {
  KeepTimes k;
  k.channel = enquiry.channel;
  k.category = enquiry.category;
  k.safeguarding = enquiry.safeguarding;
  k.received_at = enquiry.received_at;
  k.acknowledge = FirstKeep(enquiry.history, &Event::acknowledge,
                            {EventKind::kAcknowledged, EventKind::kReplied, EventKind::kResolved});
  k.answer = FirstKeep(enquiry.history, &Event::respond, {EventKind::kReplied, EventKind::kResolved});
  return k;
}

}  // namespace parley::escalation
