#include "services/appointments/testing/in_memory_evening_store.h"

#include <algorithm>
#include <tuple>

#include "absl/strings/str_cat.h"
#include "common/status/reason.h"
#include "common/status/reasons.h"

namespace parley::appointments::testing {
namespace {

absl::Status Reused() { return InvalidArgument(reason::kRequestIdReused, "request id reused with another request"); }

std::string KeyOf(const RequestKey& key) { return absl::StrCat(key.scope, "/", key.request_id); }

}  // namespace

// ---- evenings -------------------------------------------------------------------------------------

absl::StatusOr<ParentsEvening> InMemoryEveningStore::Create(const RequestKey& key, const ParentsEvening& evening,
                                                            absl::Time now) {
  absl::MutexLock lock(&mu_);
  auto done = done_.find(KeyOf(key));
  if (done != done_.end()) {
    if (done->second != key.fingerprint) return Reused();
    return evenings_.at({evening.school_id, evening.id});
  }
  if (evenings_.count({evening.school_id, evening.id}) > 0) {
    return AlreadyExists(reason::kEveningExists, "the evening id is taken");
  }
  ParentsEvening e = evening;
  e.create_time = e.update_time = now;
  e.etag = "1";
  evenings_[{e.school_id, e.id}] = e;
  done_[KeyOf(key)] = key.fingerprint;
  return e;
}

absl::StatusOr<ParentsEvening> InMemoryEveningStore::Get(const std::string& school_id, const std::string& id) {
  absl::MutexLock lock(&mu_);
  auto it = evenings_.find({school_id, id});
  if (it == evenings_.end()) return NotFound(reason::kEveningNotFound, "no such parents' evening");
  return it->second;
}

absl::StatusOr<std::vector<ParentsEvening>> InMemoryEveningStore::List(const std::string& school_id,
                                                                       const std::string& after_id, int limit) {
  absl::MutexLock lock(&mu_);
  std::vector<ParentsEvening> out;
  for (const auto& [k, e] : evenings_) {
    if (k.first != school_id || (!after_id.empty() && k.second <= after_id)) continue;
    if (static_cast<int>(out.size()) >= limit) break;
    out.push_back(e);
  }
  return out;
}

absl::StatusOr<ParentsEvening> InMemoryEveningStore::Cancel(const RequestKey& key, const std::string& school_id,
                                                            const std::string& id, const std::string& why,
                                                            const std::string& etag, const std::vector<Notice>& notices,
                                                            absl::Time now) {
  absl::MutexLock lock(&mu_);
  auto done = done_.find(KeyOf(key));
  if (done != done_.end()) {
    if (done->second != key.fingerprint) return Reused();
    return evenings_.at({school_id, id});
  }
  auto it = evenings_.find({school_id, id});
  if (it == evenings_.end()) return NotFound(reason::kEveningNotFound, "no such parents' evening");
  ParentsEvening& e = it->second;
  if (!etag.empty() && etag != e.etag) return Aborted(reason::kStaleEtag, "the evening changed since it was read");
  if (e.cancelled) return FailedPrecondition(reason::kWrongState, "the evening is cancelled already");
  e.cancelled = true;
  e.cancel_reason = why;
  e.update_time = now;
  e.etag = absl::StrCat(std::stoi(e.etag) + 1);
  AddNoticesLocked(notices);
  done_[KeyOf(key)] = key.fingerprint;
  return e;
}

// ---- waiting lists ------------------------------------------------------------------------------

std::vector<WaitingEntry> InMemoryEveningStore::LineLocked(const std::string& school_id,
                                                           const std::string& evening_id) const {
  std::vector<WaitingEntry> out;
  for (const auto& [id, e] : entries_) {
    if (e.school_id == school_id && e.evening_id == evening_id) out.push_back(e);
  }
  std::sort(out.begin(), out.end(), [](const WaitingEntry& a, const WaitingEntry& b) {
    return std::tie(a.staff_id, a.sequence) < std::tie(b.staff_id, b.sequence);
  });
  std::map<std::string, int> positions;
  for (WaitingEntry& e : out) e.position = ++positions[e.staff_id];
  return out;
}

absl::StatusOr<WaitingEntry> InMemoryEveningStore::JoinWaitingList(const RequestKey& key, const WaitingEntry& entry,
                                                                   absl::Time now) {
  absl::MutexLock lock(&mu_);
  auto done = done_.find(KeyOf(key));
  if (done == done_.end()) {
    for (const auto& [id, e] : entries_) {
      if (e.school_id == entry.school_id && e.evening_id == entry.evening_id && e.staff_id == entry.staff_id &&
          e.guardian_id == entry.guardian_id && e.pupil_id == entry.pupil_id) {
        return AlreadyExists(reason::kWaitingEntryExists, "already waiting for that teacher");
      }
    }
    WaitingEntry e = entry;
    e.sequence = ++sequence_;
    e.create_time = now;
    entries_[e.id] = e;
    done_[KeyOf(key)] = key.fingerprint;
  } else if (done->second != key.fingerprint) {
    return Reused();
  }
  for (const WaitingEntry& e : LineLocked(entry.school_id, entry.evening_id)) {
    if (e.id == entry.id) return e;
  }
  return NotFound(reason::kWaitingEntryNotFound, "the entry has left the list");
}

absl::Status InMemoryEveningStore::LeaveWaitingList(const RequestKey& key, const std::string& school_id,
                                                    const std::string& evening_id, const std::string& entry_id) {
  absl::MutexLock lock(&mu_);
  auto done = done_.find(KeyOf(key));
  if (done != done_.end()) return done->second == key.fingerprint ? absl::OkStatus() : Reused();
  auto it = entries_.find(entry_id);
  if (it == entries_.end() || it->second.school_id != school_id || it->second.evening_id != evening_id) {
    return NotFound(reason::kWaitingEntryNotFound, "no such waiting-list entry");
  }
  entries_.erase(it);
  done_[KeyOf(key)] = key.fingerprint;
  return absl::OkStatus();
}

absl::StatusOr<WaitingEntry> InMemoryEveningStore::GetWaitingEntry(const std::string& school_id,
                                                                   const std::string& evening_id,
                                                                   const std::string& entry_id) {
  absl::MutexLock lock(&mu_);
  for (const WaitingEntry& e : LineLocked(school_id, evening_id)) {
    if (e.id == entry_id) return e;
  }
  return NotFound(reason::kWaitingEntryNotFound, "no such waiting-list entry");
}

absl::StatusOr<std::vector<WaitingEntry>> InMemoryEveningStore::ListWaitingList(const std::string& school_id,
                                                                                const std::string& evening_id,
                                                                                const std::string& staff_id) {
  absl::MutexLock lock(&mu_);
  std::vector<WaitingEntry> out;
  for (WaitingEntry& e : LineLocked(school_id, evening_id)) {
    if (staff_id.empty() || e.staff_id == staff_id) out.push_back(std::move(e));
  }
  return out;
}

absl::StatusOr<WaitingEntry> InMemoryEveningStore::RecordOffer(const std::string& school_id,
                                                               const std::string& evening_id,
                                                               const std::string& entry_id,
                                                               const std::string& booking_id, const Notice& notice) {
  absl::MutexLock lock(&mu_);
  auto it = entries_.find(entry_id);
  if (it == entries_.end() || it->second.school_id != school_id || it->second.evening_id != evening_id) {
    return NotFound(reason::kWaitingEntryNotFound, "no such waiting-list entry");
  }
  if (it->second.offered_booking_id.empty()) {
    it->second.offered_booking_id = booking_id;
    AddNoticesLocked({notice});
  }
  for (const WaitingEntry& e : LineLocked(school_id, evening_id)) {
    if (e.id == entry_id) return e;
  }
  return NotFound(reason::kWaitingEntryNotFound, "no such waiting-list entry");
}

// ---- household choices and notices ------------------------------------------------------------

absl::StatusOr<HouseholdChoice> InMemoryEveningStore::SetHouseholdChoice(const RequestKey& key,
                                                                         const HouseholdChoice& choice,
                                                                         absl::Time now) {
  absl::MutexLock lock(&mu_);
  const auto id = std::make_tuple(choice.school_id, choice.evening_id, choice.pupil_id);
  auto done = done_.find(KeyOf(key));
  if (done != done_.end()) {
    if (done->second != key.fingerprint) return Reused();
    return choices_.at(id);
  }
  HouseholdChoice c = choice;
  c.update_time = now;
  choices_[id] = c;
  done_[KeyOf(key)] = key.fingerprint;
  return c;
}

absl::StatusOr<std::optional<HouseholdChoice>> InMemoryEveningStore::GetHouseholdChoice(const std::string& school_id,
                                                                                        const std::string& evening_id,
                                                                                        const std::string& pupil_id) {
  absl::MutexLock lock(&mu_);
  auto it = choices_.find(std::make_tuple(school_id, evening_id, pupil_id));
  if (it == choices_.end()) return std::optional<HouseholdChoice>();
  return std::optional<HouseholdChoice>(it->second);
}

void InMemoryEveningStore::AddNoticesLocked(const std::vector<Notice>& notices) {
  for (const Notice& n : notices) notices_.emplace(n.key, n);
}

absl::Status InMemoryEveningStore::AddNotices(const std::vector<Notice>& notices) {
  absl::MutexLock lock(&mu_);
  AddNoticesLocked(notices);
  return absl::OkStatus();
}

absl::StatusOr<std::vector<std::pair<std::string, std::string>>> InMemoryEveningStore::EveningsWithWaiting(
    absl::Time now) {
  absl::MutexLock lock(&mu_);
  std::set<std::pair<std::string, std::string>> out;
  for (const auto& [id, e] : entries_) {
    if (!e.offered_booking_id.empty()) continue;
    const ParentsEvening& evening = evenings_.at({e.school_id, e.evening_id});
    if (StateAt(evening, now) == EveningState::kOpen) out.insert({e.school_id, e.evening_id});
  }
  return std::vector<std::pair<std::string, std::string>>(out.begin(), out.end());
}

std::map<std::string, Notice> InMemoryEveningStore::notices() const {
  absl::MutexLock lock(&mu_);
  return notices_;
}

// ---- peers --------------------------------------------------------------------------------------

absl::StatusOr<absl::TimeZone> FakeEveningDirectory::TimeZoneOf(const std::string&) {
  absl::TimeZone london;
  absl::LoadTimeZone("Europe/London", &london);
  return london;
}

absl::Status FakeEveningDirectory::CheckStaff(const std::string& school_id, const std::string& staff_id, absl::Time) {
  if (staff_.count({school_id, staff_id}) == 0) {
    return NotFound(reason::kStaffNotFound, absl::StrCat("staff ", staff_id, " is not at school ", school_id));
  }
  return absl::OkStatus();
}

absl::StatusOr<std::string> FakeEveningDirectory::StaffForRole(const std::string&, const std::string&, WantedRole) {
  return FailedPrecondition(reason::kNoStaffForRole, "not in this fake");
}

absl::StatusOr<std::string> FakeEveningDirectory::HeadOf(const std::string&) { return std::string("head"); }

absl::StatusOr<std::string> FakeEveningDirectory::LineManagerOf(const std::string&, const std::string&) {
  return std::string();
}

absl::StatusOr<std::vector<GuardianLink>> FakeEveningDirectory::LinksOfGuardian(const std::string& guardian_id,
                                                                                absl::Time) {
  auto it = links_.find(guardian_id);
  if (it == links_.end()) return std::vector<GuardianLink>();
  return it->second;
}

absl::StatusOr<std::vector<std::string>> FakeEveningDirectory::GuardiansOf(const std::string& school_id,
                                                                           const std::string& pupil_id) {
  std::vector<std::string> out;
  for (const auto& [guardian, links] : links_) {
    for (const GuardianLink& l : links) {
      if (l.school_id == school_id && l.pupil_id == pupil_id) out.push_back(guardian);
    }
  }
  return out;
}

absl::StatusOr<StaffTime> FakeEveningDirectory::StaffTimeOf(const std::string&, const std::string&) {
  return FailedPrecondition(reason::kInternal, "not in this fake");
}

absl::StatusOr<std::optional<PolicyDue>> FakeEveningDirectory::Due(const std::string&, directory::Channel,
                                                                   directory::Stage, absl::Time, const std::string&,
                                                                   const std::string&) {
  return std::optional<PolicyDue>();
}

absl::StatusOr<MeetingGate> FakeEveningGate::CheckMeeting(const MeetingGateQuestion& question) {
  questions.push_back(question);
  auto it = answers_.find(question.guardian_id);
  if (it != answers_.end()) return it->second;
  return MeetingGate{};
}

absl::StatusOr<AppointmentSettings> FakeEveningSettings::Settings(const std::string& school_id) {
  AppointmentSettings s = settings;
  s.school_id = school_id;
  return s;
}

absl::StatusOr<std::vector<AvailabilityException>> FakeEveningSettings::Exceptions(const std::string&,
                                                                                   const std::string&, absl::Time,
                                                                                   absl::Time) {
  return std::vector<AvailabilityException>();
}

absl::StatusOr<std::vector<Interpreter>> FakeEveningSettings::InterpretersFor(const std::string& school_id,
                                                                              const std::string& language) {
  std::vector<Interpreter> out;
  for (const Interpreter& i : interpreters) {
    if (i.school_id == school_id && std::find(i.languages.begin(), i.languages.end(), language) != i.languages.end()) {
      out.push_back(i);
    }
  }
  return out;
}

absl::StatusOr<Interpreter> FakeEveningSettings::GetInterpreter(const std::string& school_id, const std::string& id) {
  for (const Interpreter& i : interpreters) {
    if (i.school_id == school_id && i.id == id) return i;
  }
  return NotFound("INTERPRETER_NOT_FOUND", "no such interpreter");
}

}  // namespace parley::appointments::testing
