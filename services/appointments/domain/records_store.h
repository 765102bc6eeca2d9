// The records slice's records and its store port: appointment settings, per-date availability
// exceptions, interpreters, meeting notes under a retention date, the retention sweep and the
// school's figures. Extends SettingsSource (domain/settings.h), which the other slices read. The
// PostgreSQL store implements it (store/pg_records_store.h), testing/ fakes it.
//
// Writes are idempotent on their RequestKey: a retry with the same key answers as the first call
// did (the record as it now is) and writes nothing; the same key with another fingerprint is
// INVALID_ARGUMENT (REQUEST_ID_REUSED). Tenancy and validation are the service's.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/time/civil_time.h"
#include "absl/time/time.h"
#include "common/request/request_key.h"
#include "services/appointments/domain/evening.h"
#include "services/appointments/domain/settings.h"

namespace parley::appointments {

using request::RequestKey;

// A member of staff's hours on one date (replacing that day's working period; empty: away).
struct StaffException {
  std::string school_id;
  std::string staff_id;
  absl::CivilDay day;
  std::vector<calendar::HoursRange> hours;  // sorted, not overlapping
  std::string etag;
};

// The school's note of a meeting. body_ref is personal data: never logged.
struct MeetingNote {
  std::string school_id;
  std::string booking_id;
  std::string id;
  std::string record_type;
  std::string body_ref;
  bool recording_not_permitted = false;
  absl::Time meeting_time;      // the booking's start: the retention clock runs from it
  absl::Time retain_until;      // the sweep deletes it from then, unless legal_hold
  std::string retention_basis;  // how retain_until was reached, in English
  bool legal_hold = false;
  std::string author;  // the caller's name ("schools/{school}/staff/{staff}")
  std::string etag;
  absl::Time create_time;
  absl::Time update_time;
};

// What a note needs to know about the booking it is about.
struct NoteSubject {
  std::string school_id;
  std::string booking_id;
  absl::Time starts_at;
  std::string state;  // bookings.state: held, confirmed, cancelled, no_show, lapsed, attended, missed_call
  std::vector<std::string> pupil_ids;
  std::vector<std::string> staff_ids;  // who from the school attends
};

// A meeting request received in a period that led to a meeting (held or a no-show): when it came,
// whose calendar its clocks ran on, and when the meeting was.
struct RequestToMeeting {
  std::string owner;  // staff id; empty: the school's calendar
  absl::Time received;
  absl::Time meeting;
};

// A school's figures over [start, end). A figure whose source the store does not hold yet is
// nullopt (the service that writes it is not deployed with this schema).
struct SchoolStats {
  std::optional<int64_t> requests, answered_in_time, answer_clocks, held_in_time, hold_clocks;
  std::optional<double> median_working_days_to_meeting;  // the service's, from `to_meeting`
  std::vector<RequestToMeeting> to_meeting;
  std::optional<int64_t> evening_slots_offered;  // the service's, from `evenings`
  std::vector<EveningGrid> evenings;             // the grids of the evenings held in the period
  int64_t evening_slots_booked = 0;
  int64_t evening_guardians = 0;
  int64_t no_shows = 0;
  int64_t interpreter_bookings = 0;
};

class RecordsStore : public SettingsSource {
 public:
  // Replaces the school's settings (retention rules whole). `expected_etag` empty: unconditional;
  // otherwise ABORTED (STALE_ETAG) when the stored settings moved on.
  virtual absl::StatusOr<AppointmentSettings> UpdateSettings(const RequestKey& key, const AppointmentSettings& settings,
                                                             const std::string& expected_etag, absl::Time now) = 0;

  // `interpreter.id` is the caller's (derived from the key by the service).
  virtual absl::StatusOr<Interpreter> CreateInterpreter(const RequestKey& key, const Interpreter& interpreter,
                                                        absl::Time now) = 0;
  // Every interpreter of the school (language empty) or those speaking `language`, by id.
  virtual absl::StatusOr<std::vector<Interpreter>> ListInterpreters(const std::string& school_id,
                                                                    const std::string& language) = 0;
  // NOT_FOUND (INTERPRETER_NOT_FOUND); FAILED_PRECONDITION (INTERPRETER_BOOKED) while a live
  // booking that ends after `now` has them.
  virtual absl::Status DeleteInterpreter(const RequestKey& key, const std::string& school_id, const std::string& id,
                                         absl::Time now) = 0;

  // ALREADY_EXISTS (AVAILABILITY_EXCEPTION_EXISTS) when the member has one for that date.
  virtual absl::StatusOr<StaffException> CreateException(const RequestKey& key, const StaffException& exception,
                                                         absl::Time now) = 0;
  // The member's exceptions on days in [first, last], by date.
  virtual absl::StatusOr<std::vector<StaffException>> ListExceptions(const std::string& school_id,
                                                                     const std::string& staff_id, absl::CivilDay first,
                                                                     absl::CivilDay last) = 0;
  // NOT_FOUND (AVAILABILITY_EXCEPTION_NOT_FOUND).
  virtual absl::Status DeleteException(const RequestKey& key, const std::string& school_id, const std::string& staff_id,
                                       absl::CivilDay day) = 0;

  // NOT_FOUND (BOOKING_NOT_FOUND).
  virtual absl::StatusOr<NoteSubject> SubjectOf(const std::string& school_id, const std::string& booking_id) = 0;
  // `note.id` is the caller's (derived from the key).
  virtual absl::StatusOr<MeetingNote> CreateNote(const RequestKey& key, const MeetingNote& note, absl::Time now) = 0;
  // NOT_FOUND (NOTE_NOT_FOUND).
  virtual absl::StatusOr<MeetingNote> GetNote(const std::string& school_id, const std::string& booking_id,
                                              const std::string& id) = 0;
  // Oldest first.
  virtual absl::StatusOr<std::vector<MeetingNote>> ListNotes(const std::string& school_id,
                                                             const std::string& booking_id) = 0;
  // NOT_FOUND (NOTE_NOT_FOUND); ABORTED (STALE_ETAG) when `expected_etag` is set and stale.
  virtual absl::StatusOr<MeetingNote> SetLegalHold(const RequestKey& key, const std::string& school_id,
                                                   const std::string& booking_id, const std::string& id, bool hold,
                                                   const std::string& expected_etag, absl::Time now) = 0;

  // Deletes up to `limit` notes whose retain_until is at or before `now` and that are not under a
  // legal hold, recording a disposal (no body) for each, and returns how many went. Safe on several
  // replicas at once: each note is deleted and recorded once.
  virtual absl::StatusOr<int64_t> SweepExpiredNotes(absl::Time now, int limit) = 0;

  virtual absl::StatusOr<SchoolStats> Stats(const std::string& school_id, absl::Time start, absl::Time end) = 0;
};

}  // namespace parley::appointments
