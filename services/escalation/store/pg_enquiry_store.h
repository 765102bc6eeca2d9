// EnquiryStore on PostgreSQL (schema: services/escalation/migrations). Times travel as UTC text and
// come back as integer microseconds (so they are kept to the microsecond); every SQL statement is
// parameterised.
//
// One write (Create, Apply, or a clock timer's firing) applies a change the domain planned on a
// snapshot, in one transaction: first the projection, guarded by the row version the change was
// planned on (the row lock is taken here, after every peer call; a row that moved matches nothing
// and the write is ABORTED, RECORD_CHANGED), then the events, the staff-notice ledger rows and the
// outbox rows, then the timers (cancelled, then scheduled), and the response for the request id.
// A ledger row whose slot (matter, recipient, working period) is already taken is skipped together
// with the outbox row it names: rule 7 allows one notice per slot. Any other duplicate outbox key
// is a bug in the caller's keys and fails the whole write (INTERNAL, OUTBOX_KEY_DUPLICATE).
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "common/pg/pool.h"
#include "common/timer/worker.h"
#include "pqxx/pqxx"
#include "services/escalation/domain/enquiry_store.h"

namespace parley::escalation {

class PgEnquiryStore final : public EnquiryStore {
 public:
  // Prepares the statements every read, write and timer firing runs on each of `pool`'s
  // connections: ClockTimerHandler needs a transaction of a pool that has a PgEnquiryStore.
  explicit PgEnquiryStore(pg::Pool* pool);

  absl::Status Ping() override;
  absl::StatusOr<std::optional<std::string>> FindResponse(const RequestKey& key) override;
  // `write.after.enquiry.history` must be exactly `write.change.events`, from seq 1 (INTERNAL
  // otherwise). The enquiry's id taken already → ALREADY_EXISTS (ENQUIRY_EXISTS).
  absl::StatusOr<WriteResult> Create(const RequestKey& key, const PlannedWrite& write) override;
  absl::StatusOr<WriteResult> Apply(const RequestKey& key, int64_t base_version, const PlannedWrite& write) override;
  absl::StatusOr<EnquiryRecord> Get(const std::string& school_id, const std::string& id) override;
  absl::StatusOr<std::vector<std::string>> SchoolsWithLiveEnquiries() override;
  absl::StatusOr<Page<EnquiryRecord>> List(const std::string& school_id, const EnquiryFilter& filter, PageQuery page,
                                           absl::Time now) override;
  // Times to acknowledge and answer are wall-clock time from the clock's start (already moved to
  // the next working period) to the instant it was kept: working time would need the school's
  // calendar from contacts, which a SQL report cannot reach. Pauses are not taken off.
  absl::StatusOr<SchoolStats> Stats(const std::string& school_id, absl::Time start, absl::Time end,
                                    absl::Time now) override;
  // One statement: the breached events joined to their enquiries, each with its late keeping.
  absl::StatusOr<BreachPage> ListBreaches(const std::string& school_id, const BreachFilter& filter,
                                          BreachPosition after, int size) override;

  // The handler to register with the timer worker for the domain's clock timers: in the firing
  // transaction, reads the timer's enquiry (no row lock), asks `plan`, and applies its write guarded
  // by the version it read, reading and planning again (up to `max_plan_attempts` times) when a
  // concurrent write moved the row. The worker's conditional transition of the timer itself, in the
  // same transaction, keeps each firing to one.
  static timer::Handler ClockTimerHandler(TimerPlan plan, int max_plan_attempts = 4);

 private:
  // Applies `write` in `txn` (see above); appends the timers scheduled to `timers`. Returns the
  // record as stored (row version, update time). `inserted` is a new enquiry's row as Create wrote
  // it, projection included: nothing to update, only the history and side effects to add.
  struct InsertedRow {
    absl::Time update_time;
  };
  static absl::StatusOr<EnquiryRecord> ApplyPlanned(pqxx::work& txn, int64_t base_version, const PlannedWrite& write,
                                                    std::vector<timer::TimerRef>& timers,
                                                    const std::optional<InsertedRow>& inserted = std::nullopt);

  pg::Pool* pool_;
};

}  // namespace parley::escalation
