// RecordsStore (and the SettingsSource the other slices read) on PostgreSQL (schema:
// services/appointments/migrations/0005_records.sql).
//
// Each write is one transaction holding its request-id record (common/pg/idempotency.h); a replay
// answers with the record as it now is. The retention sweep deletes and audits in one statement
// whose rows are taken FOR UPDATE SKIP LOCKED, so sweepers on several replicas never wait for or
// repeat each other, and a legal hold set meanwhile is seen (the row is re-checked once locked).
// Times travel as UTC text and come back as integer microseconds.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "common/pg/pool.h"
#include "services/appointments/domain/records_store.h"

namespace parley::appointments {

class PgRecordsStore final : public RecordsStore {
 public:
  // `pool` must outlive the store.
  explicit PgRecordsStore(pg::Pool* pool);

  // SettingsSource.
  absl::StatusOr<AppointmentSettings> Settings(const std::string& school_id) override;
  absl::StatusOr<std::vector<AvailabilityException>> Exceptions(const std::string& school_id,
                                                                const std::string& staff_id, absl::Time from,
                                                                absl::Time to) override;
  absl::StatusOr<std::vector<Interpreter>> InterpretersFor(const std::string& school_id,
                                                           const std::string& language) override;
  absl::StatusOr<Interpreter> GetInterpreter(const std::string& school_id, const std::string& id) override;

  // RecordsStore.
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
  pg::Pool* pool_;
};

}  // namespace parley::appointments
