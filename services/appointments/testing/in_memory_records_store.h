// RecordsStore in memory, for the records use cases' unit tests: the same answers as
// PgRecordsStore (reasons, replay on a request key, the sweep's rule) without a database. Bookings
// are given by the test (AddBooking), standing for the bookings table.
#pragma once

#include <map>
#include <memory>
#include <optional>
#include <set>
#include <string>
#include <tuple>
#include <vector>

#include "absl/synchronization/mutex.h"
#include "services/appointments/domain/peers.h"
#include "services/appointments/domain/records_store.h"

namespace parley::appointments::testing {

struct NoteDisposal {
  std::string school_id, booking_id, note_id, record_type;
  absl::Time retain_until, deleted_at;
};

class InMemoryRecordsStore final : public RecordsStore {
 public:
  // A booking notes may be about; `interpreter` empty when it has none.
  void AddBooking(const NoteSubject& subject, const std::string& interpreter = "", absl::Time ends_at = {});
  std::vector<NoteDisposal> disposals() const;
  // A meeting request that led to a meeting, standing for the meeting_requests table.
  void AddRequestToMeeting(const std::string& school_id, const RequestToMeeting& request);
  // A parents' evening held then, standing for the parents_evenings table.
  void AddEvening(const std::string& school_id, const EveningGrid& grid);

  absl::StatusOr<AppointmentSettings> Settings(const std::string& school_id) override;
  absl::StatusOr<std::vector<AvailabilityException>> Exceptions(const std::string& school_id,
                                                                const std::string& staff_id, absl::Time from,
                                                                absl::Time to) override;
  absl::StatusOr<std::vector<Interpreter>> InterpretersFor(const std::string& school_id,
                                                           const std::string& language) override;
  absl::StatusOr<Interpreter> GetInterpreter(const std::string& school_id, const std::string& id) override;
  absl::StatusOr<AppointmentSettings> UpdateSettings(const RequestKey& key, const AppointmentSettings& settings,
                                                     const std::string& expected_etag, absl::Time now) override;
  absl::StatusOr<Interpreter> CreateInterpreter(const RequestKey& key, const Interpreter& interpreter,
                                                absl::Time now) override;
  absl::StatusOr<std::vector<Interpreter>> ListInterpreters(const std::string& school_id,
                                                            const std::string& language) override;
  absl::Status DeleteInterpreter(const RequestKey& key, const std::string& school_id, const std::string& id,
                                 absl::Time now) override;
  absl::StatusOr<StaffException> CreateException(const RequestKey& key, const StaffException& exception,
                                                 absl::Time now) override;
  absl::StatusOr<std::vector<StaffException>> ListExceptions(const std::string& school_id, const std::string& staff_id,
                                                             absl::CivilDay first, absl::CivilDay last) override;
  absl::Status DeleteException(const RequestKey& key, const std::string& school_id, const std::string& staff_id,
                               absl::CivilDay day) override;
  absl::StatusOr<NoteSubject> SubjectOf(const std::string& school_id, const std::string& booking_id) override;
  absl::StatusOr<MeetingNote> CreateNote(const RequestKey& key, const MeetingNote& note, absl::Time now) override;
  absl::StatusOr<MeetingNote> GetNote(const std::string& school_id, const std::string& booking_id,
                                      const std::string& id) override;
  absl::StatusOr<std::vector<MeetingNote>> ListNotes(const std::string& school_id,
                                                     const std::string& booking_id) override;
  absl::StatusOr<MeetingNote> SetLegalHold(const RequestKey& key, const std::string& school_id,
                                           const std::string& booking_id, const std::string& id, bool hold,
                                           const std::string& expected_etag, absl::Time now) override;
  absl::StatusOr<int64_t> SweepExpiredNotes(absl::Time now, int limit) override;
  absl::StatusOr<SchoolStats> Stats(const std::string& school_id, absl::Time start, absl::Time end) override;

 private:
  struct BookingRow {
    NoteSubject subject;
    std::string interpreter;
    absl::Time ends_at;
  };
  // OK and true when `key` was done before (answer from `*response`); REQUEST_ID_REUSED for the
  // same id with another fingerprint.
  absl::StatusOr<bool> Replayed(const RequestKey& key, std::string* response) ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  void Remember(const RequestKey& key, std::string response) ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  absl::StatusOr<AppointmentSettings> SettingsLocked(const std::string& school_id) ABSL_SHARED_LOCKS_REQUIRED(mu_);

  mutable absl::Mutex mu_;
  std::map<std::pair<std::string, std::string>, std::pair<std::string, std::string>> requests_ ABSL_GUARDED_BY(mu_);
  std::map<std::string, std::pair<AppointmentSettings, int64_t>> settings_ ABSL_GUARDED_BY(mu_);
  std::map<std::pair<std::string, std::string>, std::pair<Interpreter, int64_t>> interpreters_ ABSL_GUARDED_BY(mu_);
  std::map<std::tuple<std::string, std::string, absl::CivilDay>, StaffException> exceptions_ ABSL_GUARDED_BY(mu_);
  std::map<std::pair<std::string, std::string>, BookingRow> bookings_ ABSL_GUARDED_BY(mu_);
  std::map<std::tuple<std::string, std::string, std::string>, std::pair<MeetingNote, int64_t>> notes_
      ABSL_GUARDED_BY(mu_);
  std::vector<NoteDisposal> disposals_ ABSL_GUARDED_BY(mu_);
  std::vector<std::pair<std::string, RequestToMeeting>> requests_to_meeting_ ABSL_GUARDED_BY(mu_);
  std::vector<std::pair<std::string, EveningGrid>> evenings_ ABSL_GUARDED_BY(mu_);
};

// The directory as the records use cases ask it: each school's zone and who is on its staff. Any
// other question is a test bug (INTERNAL).
class RecordsDirectory final : public Directory {
 public:
  void AddSchool(const std::string& school_id, absl::TimeZone tz);
  void AddStaff(const std::string& school_id, const std::string& staff_id);
  // The member's calendar (StaffTimeOf); a member without one is not asked about.
  void SetCalendar(const std::string& school_id, const std::string& staff_id,
                   std::shared_ptr<const calendar::Calendar> calendar);

  absl::StatusOr<absl::TimeZone> TimeZoneOf(const std::string& school_id) override;
  absl::Status CheckStaff(const std::string& school_id, const std::string& staff_id, absl::Time at) override;
  absl::StatusOr<std::string> StaffForRole(const std::string&, const std::string&, WantedRole) override;
  absl::StatusOr<std::string> HeadOf(const std::string&) override;
  absl::StatusOr<std::string> LineManagerOf(const std::string&, const std::string&) override;
  absl::StatusOr<std::vector<GuardianLink>> LinksOfGuardian(const std::string&, absl::Time) override;
  absl::StatusOr<std::vector<std::string>> GuardiansOf(const std::string&, const std::string&) override;
  absl::StatusOr<StaffTime> StaffTimeOf(const std::string&, const std::string&) override;
  absl::StatusOr<std::optional<PolicyDue>> Due(const std::string&, directory::Channel, directory::Stage, absl::Time,
                                               const std::string&, const std::string&) override;

 private:
  mutable absl::Mutex mu_;
  std::map<std::string, absl::TimeZone> zones_ ABSL_GUARDED_BY(mu_);
  std::set<std::pair<std::string, std::string>> staff_ ABSL_GUARDED_BY(mu_);
  std::map<std::pair<std::string, std::string>, std::shared_ptr<const calendar::Calendar>> calendars_
      ABSL_GUARDED_BY(mu_);
};

}  // namespace parley::appointments::testing
