// EnquiryStore on PostgreSQL (schema: services/escalation/migrations). Times travel as UTC text and
// come back as integer microseconds (so they are kept to the microsecond); every SQL statement is
// parameterised.
//
// One write (Create, Append, or a timer's ApplyChange) appends the change's events after checking
// that their seq continues the history, re-projects the record, bumps its row version, writes the
// staff-notice ledger rows and then the outbox rows, and cancels then schedules the timers, all in
// the caller's transaction. A ledger row whose slot (matter, recipient, working period) is already
// taken is skipped together with the outbox row it names: rule 7 allows one notice per slot. Any
// other duplicate outbox key is a bug in the caller's keys and fails the whole write (INTERNAL,
// OUTBOX_KEY_DUPLICATE).
#pragma once

#include <functional>
#include <string>
#include <vector>

#include "common/pg/pool.h"
#include "common/timer/timer.h"
#include "pqxx/pqxx"
#include "services/escalation/store/enquiry_store.h"

namespace parley::escalation {

class PgEnquiryStore final : public EnquiryStore {
 public:
  // Prepares the statements every read and timer firing runs on each of `pool`'s connections:
  // LoadForUpdate and ApplyChange need a transaction of a pool that has a PgEnquiryStore.
  explicit PgEnquiryStore(pg::Pool* pool);

  absl::Status Ping() override;

  // `record.enquiry.history` must be empty and `change.events` must start at seq 1 (INTERNAL
  // otherwise). The enquiry's id taken already → ALREADY_EXISTS (ENQUIRY_EXISTS).
  absl::StatusOr<WriteResult> Create(const RequestKey& key, const EnquiryRecord& record, const Change& change,
                                     const std::function<absl::Status(EnquiryRecord&)>& project,
                                     const Encoder<EnquiryRecord>& encode) override;
  absl::StatusOr<EnquiryRecord> Get(const std::string& school_id, const std::string& id) override;
  absl::StatusOr<std::vector<std::string>> SchoolsWithLiveEnquiries() override;
  absl::StatusOr<Page<EnquiryRecord>> List(const std::string& school_id, const EnquiryFilter& filter, PageQuery page,
                                           absl::Time now) override;
  // Times to acknowledge and answer are wall-clock time from the clock's start (already moved to
  // the next working period) to the instant it was kept: working time would need the school's
  // calendar from contacts, which a SQL report cannot reach. Pauses are not taken off.
  absl::StatusOr<SchoolStats> Stats(const std::string& school_id, absl::Time start, absl::Time end,
                                    absl::Time now) override;
  // A non-empty `etag` other than EtagOf(row_version) → ABORTED (STALE_ETAG), nothing written.
  absl::StatusOr<WriteResult> Append(const RequestKey& key, const std::string& school_id, const std::string& id,
                                     const std::string& etag, const Plan& plan,
                                     const std::function<absl::Status(EnquiryRecord&)>& project,
                                     const Encoder<EnquiryRecord>& encode) override;

  // For timer handlers, inside the timer's own transaction (no request id). These may throw
  // pqxx exceptions, which the surrounding Pool call translates.
  //
  // The enquiry with its history, its row locked until the transaction ends; NOT_FOUND
  // (ENQUIRY_NOT_FOUND) when there is none.
  static absl::StatusOr<EnquiryRecord> LoadForUpdate(pqxx::work& txn, const std::string& school_id,
                                                     const std::string& id);
  // Writes `change` to the enquiry `current` (locked by LoadForUpdate) and updates `current` to
  // what was stored: history, projection, row version. Returns the timers scheduled, to nudge
  // after commit. A change without events leaves the row (and its version) alone.
  static absl::StatusOr<std::vector<timer::TimerRef>> ApplyChange(
      pqxx::work& txn, EnquiryRecord& current, const Change& change,
      const std::function<absl::Status(EnquiryRecord&)>& project);

 private:
  pg::Pool* pool_;
};

}  // namespace parley::escalation
