// RequestStore on PostgreSQL (schema: services/appointments/migrations/0003_meeting_requests.sql).
//
// One write (Create, Append, or a clock timer's firing) is one transaction: the request's row
// guarded by the version the change was planned on (the UPDATE takes the row lock; a row that moved
// matches nothing and the write is ABORTED, RECORD_CHANGED), the events (their primary key on seq
// refuses a second writer at the same version too), the outbox rows, the clock timers (each kind
// cancelled or armed at its due instant) and the response for the request id. Events are kept as
// JSON payloads; times travel as integer microseconds, so what is read back equals what was
// planned on microsecond times. Every statement is parameterised.
#pragma once

#include <optional>
#include <string>

#include "common/pg/pool.h"
#include "common/timer/worker.h"
#include "pqxx/pqxx"
#include "services/appointments/domain/request_store.h"

namespace parley::appointments {

class PgRequestStore final : public RequestStore {
 public:
  // `pool` must outlive the store.
  explicit PgRequestStore(pg::Pool* pool);

  absl::StatusOr<std::optional<std::string>> FindResponse(const RequestKey& key) override;
  absl::StatusOr<RequestWriteResult> Create(const RequestKey& key, const RequestWrite& write) override;
  absl::StatusOr<RequestWriteResult> Append(const RequestKey& key, int64_t base_version,
                                            const RequestWrite& write) override;
  absl::StatusOr<StoredRequest> Get(const std::string& school_id, const std::string& id) override;
  absl::StatusOr<Page<StoredRequest>> List(const std::string& school_id, const RequestFilter& filter,
                                           PageQuery page) override;

  // The handler to register for kRequestClockTimer: in the firing transaction, reads the timer's
  // request, asks `plan` (the timer's own due is the armed due) at the database's clock, and
  // appends its write guarded by the version read, planning again (up to `max_plan_attempts`)
  // when a concurrent write moved the request. A timer whose key or request is unknown is dropped.
  static timer::Handler ClockTimerHandler(RequestTimerPlan plan, int max_plan_attempts = 4);

 private:
  pg::Pool* pool_;
};

}  // namespace parley::appointments
