#include "services/appointments/testing/in_memory_records_store.h"

#include <algorithm>
#include <utility>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "common/status/reason.h"
#include "common/status/reasons.h"
#include "common/status/status_macros.h"

namespace parley::appointments::testing {
namespace {

absl::Status StaleEtag() { return Aborted(reason::kStaleEtag, "changed since it was read"); }

bool EtagMatches(const std::string& expected, int64_t version) {
  return expected.empty() || expected == absl::StrCat(version);
}

}  // namespace

void InMemoryRecordsStore::AddBooking(const NoteSubject& subject, const std::string& interpreter, absl::Time ends_at) {
  absl::MutexLock lock(&mu_);
  bookings_[{subject.school_id, subject.booking_id}] = BookingRow{subject, interpreter, ends_at};
}

void InMemoryRecordsStore::AddRequestToMeeting(const std::string& school_id, const RequestToMeeting& request) {
  absl::MutexLock lock(&mu_);
  requests_to_meeting_.emplace_back(school_id, request);
}

void InMemoryRecordsStore::AddEvening(const std::string& school_id, const EveningGrid& grid) {
  absl::MutexLock lock(&mu_);
  evenings_.emplace_back(school_id, grid);
}

std::vector<NoteDisposal> InMemoryRecordsStore::disposals() const {
  absl::MutexLock lock(&mu_);
  return disposals_;
}

absl::StatusOr<bool> InMemoryRecordsStore::Replayed(const RequestKey& key, std::string* response) {
  auto it = requests_.find({key.scope, key.request_id});
  if (it == requests_.end()) return false;
  if (it->second.first != key.fingerprint) {
    return InvalidArgument(reason::kRequestIdReused, "request_id was used for a different request");
  }
  *response = it->second.second;
  return true;
}

void InMemoryRecordsStore::Remember(const RequestKey& key, std::string response) {
  requests_[{key.scope, key.request_id}] = {key.fingerprint, std::move(response)};
}

// ---- settings ----------------------------------------------------------------------------------

absl::StatusOr<AppointmentSettings> InMemoryRecordsStore::SettingsLocked(const std::string& school_id) {
  auto it = settings_.find(school_id);
  if (it == settings_.end()) {
    AppointmentSettings s;
    s.school_id = school_id;
    s.etag = "0";
    s.update_time = absl::InfinitePast();
    return s;
  }
  AppointmentSettings s = it->second.first;
  s.etag = absl::StrCat(it->second.second);
  return s;
}

absl::StatusOr<AppointmentSettings> InMemoryRecordsStore::Settings(const std::string& school_id) {
  absl::MutexLock lock(&mu_);
  return SettingsLocked(school_id);
}

absl::StatusOr<AppointmentSettings> InMemoryRecordsStore::UpdateSettings(const RequestKey& key,
                                                                         const AppointmentSettings& settings,
                                                                         const std::string& expected_etag,
                                                                         absl::Time now) {
  absl::MutexLock lock(&mu_);
  std::string response;
  PARLEY_ASSIGN_OR_RETURN(bool replayed, Replayed(key, &response));
  if (!replayed) {
    auto it = settings_.find(settings.school_id);
    const int64_t version = it == settings_.end() ? 0 : it->second.second;
    if (!EtagMatches(expected_etag, version)) return StaleEtag();
    AppointmentSettings next = settings;
    next.update_time = now;
    settings_[settings.school_id] = {next, version + 1};
    Remember(key, settings.school_id);
  }
  return SettingsLocked(settings.school_id);
}

// ---- interpreters ------------------------------------------------------------------------------

absl::StatusOr<Interpreter> InMemoryRecordsStore::CreateInterpreter(const RequestKey& key, const Interpreter& in,
                                                                    absl::Time) {
  {
    absl::MutexLock lock(&mu_);
    std::string response;
    PARLEY_ASSIGN_OR_RETURN(bool replayed, Replayed(key, &response));
    if (!replayed) {
      if (interpreters_.count({in.school_id, in.id}) > 0) return AlreadyExists(reason::kDuplicate, "taken");
      interpreters_[{in.school_id, in.id}] = {in, 1};
      Remember(key, in.id);
    }
  }
  return GetInterpreter(in.school_id, in.id);
}

absl::StatusOr<std::vector<Interpreter>> InMemoryRecordsStore::ListInterpreters(const std::string& school_id,
                                                                                const std::string& language) {
  absl::MutexLock lock(&mu_);
  std::vector<Interpreter> out;
  for (const auto& [k, v] : interpreters_) {
    if (k.first != school_id) continue;
    const auto& langs = v.first.languages;
    if (!language.empty() && std::find(langs.begin(), langs.end(), language) == langs.end()) continue;
    Interpreter in = v.first;
    in.etag = absl::StrCat(v.second);
    out.push_back(std::move(in));
  }
  return out;
}

absl::StatusOr<std::vector<Interpreter>> InMemoryRecordsStore::InterpretersFor(const std::string& school_id,
                                                                               const std::string& language) {
  return ListInterpreters(school_id, language);
}

absl::StatusOr<Interpreter> InMemoryRecordsStore::GetInterpreter(const std::string& school_id, const std::string& id) {
  absl::MutexLock lock(&mu_);
  auto it = interpreters_.find({school_id, id});
  if (it == interpreters_.end()) return NotFound(reason::kInterpreterNotFound, "interpreter not found");
  Interpreter in = it->second.first;
  in.etag = absl::StrCat(it->second.second);
  return in;
}

absl::Status InMemoryRecordsStore::DeleteInterpreter(const RequestKey& key, const std::string& school_id,
                                                     const std::string& id, absl::Time now) {
  absl::MutexLock lock(&mu_);
  std::string response;
  PARLEY_ASSIGN_OR_RETURN(bool replayed, Replayed(key, &response));
  if (replayed) return absl::OkStatus();
  if (interpreters_.count({school_id, id}) == 0) return NotFound(reason::kInterpreterNotFound, "interpreter not found");
  for (const auto& [k, b] : bookings_) {
    if (k.first == school_id && b.interpreter == id && b.ends_at > now &&
        (b.subject.state == "confirmed" || b.subject.state == "held")) {
      return FailedPrecondition(reason::kInterpreterBooked, "interpreter is booked for a meeting still to come");
    }
  }
  interpreters_.erase({school_id, id});
  Remember(key, "");
  return absl::OkStatus();
}

// ---- exceptions --------------------------------------------------------------------------------

absl::StatusOr<StaffException> InMemoryRecordsStore::CreateException(const RequestKey& key, const StaffException& e,
                                                                     absl::Time) {
  absl::MutexLock lock(&mu_);
  std::string response;
  PARLEY_ASSIGN_OR_RETURN(bool replayed, Replayed(key, &response));
  const auto id = std::make_tuple(e.school_id, e.staff_id, e.day);
  if (!replayed) {
    if (exceptions_.count(id) > 0) {
      return AlreadyExists(reason::kAvailabilityExceptionExists, "an exception for that date exists");
    }
    StaffException stored = e;
    stored.etag = "1";
    exceptions_[id] = stored;
    Remember(key, "");
  }
  auto it = exceptions_.find(id);
  if (it == exceptions_.end()) return NotFound(reason::kAvailabilityExceptionNotFound, "no exception on that date");
  return it->second;
}

absl::StatusOr<std::vector<StaffException>> InMemoryRecordsStore::ListExceptions(const std::string& school_id,
                                                                                 const std::string& staff_id,
                                                                                 absl::CivilDay first,
                                                                                 absl::CivilDay last) {
  absl::MutexLock lock(&mu_);
  std::vector<StaffException> out;
  for (const auto& [k, e] : exceptions_) {
    if (e.school_id == school_id && e.staff_id == staff_id && e.day >= first && e.day <= last) out.push_back(e);
  }
  return out;
}

absl::StatusOr<std::vector<AvailabilityException>> InMemoryRecordsStore::Exceptions(const std::string& school_id,
                                                                                    const std::string& staff_id,
                                                                                    absl::Time from, absl::Time to) {
  PARLEY_ASSIGN_OR_RETURN(std::vector<StaffException> found,
                          ListExceptions(school_id, staff_id, absl::ToCivilDay(from, absl::UTCTimeZone()) - 1,
                                         absl::ToCivilDay(to, absl::UTCTimeZone()) + 1));
  std::vector<AvailabilityException> out;
  for (StaffException& e : found) out.push_back(AvailabilityException{e.day, std::move(e.hours)});
  return out;
}

absl::Status InMemoryRecordsStore::DeleteException(const RequestKey& key, const std::string& school_id,
                                                   const std::string& staff_id, absl::CivilDay day) {
  absl::MutexLock lock(&mu_);
  std::string response;
  PARLEY_ASSIGN_OR_RETURN(bool replayed, Replayed(key, &response));
  if (replayed) return absl::OkStatus();
  if (exceptions_.erase(std::make_tuple(school_id, staff_id, day)) == 0) {
    return NotFound(reason::kAvailabilityExceptionNotFound, "no exception on that date");
  }
  Remember(key, "");
  return absl::OkStatus();
}

// ---- notes -------------------------------------------------------------------------------------

absl::StatusOr<NoteSubject> InMemoryRecordsStore::SubjectOf(const std::string& school_id,
                                                            const std::string& booking_id) {
  absl::MutexLock lock(&mu_);
  auto it = bookings_.find({school_id, booking_id});
  if (it == bookings_.end()) return NotFound(reason::kBookingNotFound, "booking not found");
  return it->second.subject;
}

absl::StatusOr<MeetingNote> InMemoryRecordsStore::CreateNote(const RequestKey& key, const MeetingNote& note,
                                                             absl::Time now) {
  {
    absl::MutexLock lock(&mu_);
    std::string response;
    PARLEY_ASSIGN_OR_RETURN(bool replayed, Replayed(key, &response));
    if (!replayed) {
      const auto id = std::make_tuple(note.school_id, note.booking_id, note.id);
      if (notes_.count(id) > 0) return AlreadyExists(reason::kDuplicate, "taken");
      MeetingNote stored = note;
      stored.create_time = stored.update_time = now;
      notes_[id] = {stored, 1};
      Remember(key, note.id);
    }
  }
  return GetNote(note.school_id, note.booking_id, note.id);
}

absl::StatusOr<MeetingNote> InMemoryRecordsStore::GetNote(const std::string& school_id, const std::string& booking_id,
                                                          const std::string& id) {
  absl::MutexLock lock(&mu_);
  auto it = notes_.find(std::make_tuple(school_id, booking_id, id));
  if (it == notes_.end()) return NotFound(reason::kNoteNotFound, "meeting note not found");
  MeetingNote n = it->second.first;
  n.etag = absl::StrCat(it->second.second);
  return n;
}

absl::StatusOr<std::vector<MeetingNote>> InMemoryRecordsStore::ListNotes(const std::string& school_id,
                                                                         const std::string& booking_id) {
  absl::MutexLock lock(&mu_);
  std::vector<MeetingNote> out;
  for (const auto& [k, v] : notes_) {
    if (std::get<0>(k) != school_id || std::get<1>(k) != booking_id) continue;
    MeetingNote n = v.first;
    n.etag = absl::StrCat(v.second);
    out.push_back(std::move(n));
  }
  std::sort(out.begin(), out.end(), [](const MeetingNote& a, const MeetingNote& b) {
    return std::tie(a.create_time, a.id) < std::tie(b.create_time, b.id);
  });
  return out;
}

absl::StatusOr<MeetingNote> InMemoryRecordsStore::SetLegalHold(const RequestKey& key, const std::string& school_id,
                                                               const std::string& booking_id, const std::string& id,
                                                               bool hold, const std::string& expected_etag,
                                                               absl::Time now) {
  {
    absl::MutexLock lock(&mu_);
    std::string response;
    PARLEY_ASSIGN_OR_RETURN(bool replayed, Replayed(key, &response));
    if (!replayed) {
      auto it = notes_.find(std::make_tuple(school_id, booking_id, id));
      if (it == notes_.end()) return NotFound(reason::kNoteNotFound, "meeting note not found");
      if (!EtagMatches(expected_etag, it->second.second)) return StaleEtag();
      it->second.first.legal_hold = hold;
      it->second.first.update_time = now;
      ++it->second.second;
      Remember(key, id);
    }
  }
  return GetNote(school_id, booking_id, id);
}

absl::StatusOr<int64_t> InMemoryRecordsStore::SweepExpiredNotes(absl::Time now, int limit) {
  absl::MutexLock lock(&mu_);
  std::vector<std::pair<absl::Time, decltype(notes_)::key_type>> due;
  for (const auto& [k, v] : notes_) {
    if (v.first.retain_until <= now && !v.first.legal_hold) due.emplace_back(v.first.retain_until, k);
  }
  std::sort(due.begin(), due.end());
  int64_t deleted = 0;
  for (const auto& [when, k] : due) {
    if (deleted == limit) break;
    const MeetingNote& n = notes_.at(k).first;
    disposals_.push_back(NoteDisposal{n.school_id, n.booking_id, n.id, n.record_type, n.retain_until, now});
    notes_.erase(k);
    ++deleted;
  }
  return deleted;
}

absl::StatusOr<SchoolStats> InMemoryRecordsStore::Stats(const std::string& school_id, absl::Time start,
                                                        absl::Time end) {
  absl::MutexLock lock(&mu_);
  SchoolStats s;
  for (const auto& [school, r] : requests_to_meeting_) {
    if (school == school_id && r.received >= start && r.received < end) s.to_meeting.push_back(r);
  }
  for (const auto& [school, grid] : evenings_) {
    if (school == school_id && grid.span.start >= start && grid.span.start < end) s.evenings.push_back(grid);
  }
  for (const auto& [k, b] : bookings_) {
    if (k.first != school_id || b.subject.starts_at < start || b.subject.starts_at >= end) continue;
    if (b.subject.state == "no_show") ++s.no_shows;
    if (!b.interpreter.empty() && b.subject.state != "held" && b.subject.state != "cancelled" &&
        b.subject.state != "lapsed") {
      ++s.interpreter_bookings;
    }
  }
  return s;
}

// ---- the directory ----------------------------------------------------------------------------

namespace {
absl::Status NotAsked() { return absl::InternalError("the records use cases do not ask this"); }
}  // namespace

void RecordsDirectory::AddSchool(const std::string& school_id, absl::TimeZone tz) {
  absl::MutexLock lock(&mu_);
  zones_[school_id] = tz;
}

void RecordsDirectory::AddStaff(const std::string& school_id, const std::string& staff_id) {
  absl::MutexLock lock(&mu_);
  staff_.insert({school_id, staff_id});
}

absl::StatusOr<absl::TimeZone> RecordsDirectory::TimeZoneOf(const std::string& school_id) {
  absl::MutexLock lock(&mu_);
  auto it = zones_.find(school_id);
  if (it == zones_.end()) return NotFound(reason::kSchoolNotFound, "no such school");
  return it->second;
}

absl::Status RecordsDirectory::CheckStaff(const std::string& school_id, const std::string& staff_id, absl::Time) {
  absl::MutexLock lock(&mu_);
  if (staff_.count({school_id, staff_id}) == 0) return NotFound(reason::kStaffNotFound, "not on the school's staff");
  return absl::OkStatus();
}

absl::StatusOr<std::string> RecordsDirectory::StaffForRole(const std::string&, const std::string&, WantedRole) {
  return NotAsked();
}
absl::StatusOr<std::string> RecordsDirectory::HeadOf(const std::string&) { return NotAsked(); }
absl::StatusOr<std::string> RecordsDirectory::LineManagerOf(const std::string&, const std::string&) {
  return NotAsked();
}
absl::StatusOr<std::vector<GuardianLink>> RecordsDirectory::LinksOfGuardian(const std::string&, absl::Time) {
  return NotAsked();
}
absl::StatusOr<std::vector<std::string>> RecordsDirectory::GuardiansOf(const std::string&, const std::string&) {
  return NotAsked();
}
void RecordsDirectory::SetCalendar(const std::string& school_id, const std::string& staff_id,
                                   std::shared_ptr<const calendar::Calendar> calendar) {
  absl::MutexLock lock(&mu_);
  calendars_[{school_id, staff_id}] = std::move(calendar);
}

absl::StatusOr<StaffTime> RecordsDirectory::StaffTimeOf(const std::string& school_id, const std::string& staff_id) {
  absl::MutexLock lock(&mu_);
  auto it = calendars_.find({school_id, staff_id});
  if (it == calendars_.end()) return NotFound(reason::kStaffNotFound, "not on the school's staff");
  return StaffTime{it->second, std::nullopt};
}
absl::StatusOr<std::optional<PolicyDue>> RecordsDirectory::Due(const std::string&, directory::Channel, directory::Stage,
                                                               absl::Time, const std::string&, const std::string&) {
  return NotAsked();
}

}  // namespace parley::appointments::testing
