// The records slice's use cases: a school's appointment settings and records-disposal schedule,
// interpreters, per-date availability exceptions, meeting notes with their retention date and
// legal hold, the retention sweep, and the school's figures. Input is checked here (bounds,
// languages, hours) before anything is written; tenancy and roles are the API's (a note is for the
// school's staff only). Time comes from the injected clock.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/time/civil_time.h"
#include "absl/time/time.h"
#include "common/clock/clock.h"
#include "services/appointments/domain/peers.h"
#include "services/appointments/domain/records_store.h"

namespace parley::appointments {

// When a note may be deleted, and why.
struct Retention {
  absl::Time retain_until;  // the start of the school's local day after the last day it is kept
  std::string basis;        // in English, no personal data
};

// The retention date of a note of a meeting at `meeting` under `rule`, on the school's local
// calendar: kept through the anniversary `rule.years` after the meeting's date (a meeting on
// 29 February: through 1 March in a year without one); with `rule.until_pupil_age` and the pupil's
// date of birth known, kept through the day the pupil reaches that age when that is later. The
// directory holds no dates of birth (common/directory/model.h), so the service passes none and the
// years apply; the basis says so.
Retention RetentionFor(const RetentionRule& rule, absl::Time meeting, absl::TimeZone tz,
                       std::optional<absl::CivilDay> pupil_birth_date);

// Working days from `from` to `to` on `calendar`: the days after `from`'s date up to and including
// `to`'s that have a working period (a meeting the next school day after a request is 1 day).
int WorkingDaysBetween(const calendar::Calendar& calendar, absl::Time from, absl::Time to);

// Settings bounds (proto/parley/appointments/v1/settings.proto). Every violation is INVALID_ARGUMENT
// (INVALID_FIELD) naming the field.
absl::Status CheckSettings(const AppointmentSettings& settings);

// A BCP 47 tag in lower case ("pl", "zh-hant"); INVALID_ARGUMENT (INVALID_FIELD) naming `field`
// when it is not one.
absl::StatusOr<std::string> NormalizeLanguage(const std::string& tag, const std::string& field);

// Which of the settings an update changes (the update mask, already checked by the API).
struct SettingsChange {
  bool meeting_length = false;
  bool interpreted_meeting_length = false;
  bool slot_step = false;
  bool hold_length = false;
  bool retention = false;
};

// Whose notes a caller reaches: every note of the school's meetings, or (a teacher) those of the
// meetings they attend. A note outside it is answered as one that does not exist.
struct NoteScope {
  std::string attendee;  // a staff id; empty: the whole school
  static NoteScope School() { return NoteScope{}; }
  static NoteScope AttendedBy(std::string staff_id) { return NoteScope{std::move(staff_id)}; }
};

struct NewNote {
  std::string school_id;
  std::string booking_id;
  std::string record_type;
  std::string body_ref;
  bool recording_not_permitted = false;
  bool legal_hold = false;
  std::string author;
};

class RecordsService {
 public:
  // Every pointer must outlive the service.
  RecordsService(RecordsStore* store, Directory* directory, const Clock* clock);

  absl::StatusOr<AppointmentSettings> GetSettings(const std::string& school_id);
  // The fields `change` names are taken from `values`, the rest kept; the result must be within
  // bounds. `expected_etag` empty: unconditional.
  absl::StatusOr<AppointmentSettings> UpdateSettings(const RequestKey& key, const std::string& school_id,
                                                     const AppointmentSettings& values, const SettingsChange& change,
                                                     const std::string& expected_etag);

  absl::StatusOr<Interpreter> CreateInterpreter(const RequestKey& key, const std::string& school_id,
                                                const std::string& display_name,
                                                const std::vector<std::string>& languages);
  absl::StatusOr<std::vector<Interpreter>> ListInterpreters(const std::string& school_id, const std::string& language);
  absl::Status DeleteInterpreter(const RequestKey& key, const std::string& school_id, const std::string& id);

  // A member of this school's staff (NOT_FOUND, STAFF_NOT_FOUND otherwise: a teacher from another
  // school is not found here); hours within the day, open before close, not overlapping.
  absl::StatusOr<StaffException> CreateException(const RequestKey& key, const std::string& school_id,
                                                 const std::string& staff_id, absl::CivilDay day,
                                                 std::vector<calendar::HoursRange> hours);
  // At most 366 days from `first` to `last`.
  absl::StatusOr<std::vector<StaffException>> ListExceptions(const std::string& school_id, const std::string& staff_id,
                                                             absl::CivilDay first, absl::CivilDay last);
  absl::Status DeleteException(const RequestKey& key, const std::string& school_id, const std::string& staff_id,
                               absl::CivilDay day);

  // About a booking of the school whose meeting has started (confirmed, attended, a no-show or a
  // missed call); its record
  // type must be in the school's records-disposal schedule (FAILED_PRECONDITION, NO_RETENTION_RULE).
  absl::StatusOr<MeetingNote> CreateNote(const RequestKey& key, const NewNote& note,
                                         const NoteScope& scope = NoteScope::School());
  absl::StatusOr<MeetingNote> GetNote(const std::string& school_id, const std::string& booking_id,
                                      const std::string& id, const NoteScope& scope = NoteScope::School());
  // NOT_FOUND (BOOKING_NOT_FOUND) for a booking the school does not have (or the scope leaves out).
  absl::StatusOr<std::vector<MeetingNote>> ListNotes(const std::string& school_id, const std::string& booking_id,
                                                     const NoteScope& scope = NoteScope::School());
  absl::StatusOr<MeetingNote> SetLegalHold(const RequestKey& key, const std::string& school_id,
                                           const std::string& booking_id, const std::string& id, bool hold,
                                           const std::string& expected_etag);

  // Deletes up to `limit` expired notes not under a legal hold, auditing each; main runs it on an
  // interval on every replica.
  absl::StatusOr<int64_t> RunRetentionSweep(absl::Time now, int limit);

  // end after start, at most 400 days. The median working days to a meeting is counted on each
  // request owner's calendar (the directory's).
  absl::StatusOr<SchoolStats> Stats(const std::string& school_id, absl::Time start, absl::Time end);

 private:
  // The booking as the scope reaches it; BOOKING_NOT_FOUND outside it.
  absl::StatusOr<NoteSubject> SubjectIn(const std::string& school_id, const std::string& booking_id,
                                        const NoteScope& scope);

  RecordsStore* store_;
  Directory* directory_;
  const Clock* clock_;
};

}  // namespace parley::appointments
