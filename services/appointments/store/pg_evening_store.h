// EveningStore on PostgreSQL (schema: services/appointments/migrations/0004_parents_evenings.sql):
// parents' evenings, waiting lists and household choices. Each keyed write is one transaction with
// its request-id record (common/pg/idempotency.h) and the outbox rows of its notices
// (store/outbox_writer.h); a notice key already in the outbox is left alone, so a notice repeated by a retry or a
// second sweep is sent once. libpqxx errors are turned into absl::Status here (common/pg/errors.h).
#pragma once

#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "common/pg/pool.h"
#include "services/appointments/domain/evening_store.h"

namespace parley::appointments {

class PgEveningStore final : public EveningStore {
 public:
  // Prepares the store's statements on `pool`'s connections; `pool` must outlive the store.
  explicit PgEveningStore(pg::Pool* pool);

  absl::StatusOr<ParentsEvening> Create(const RequestKey& key, const ParentsEvening& evening, absl::Time now) override;
  absl::StatusOr<ParentsEvening> Get(const std::string& school_id, const std::string& id) override;
  absl::StatusOr<std::vector<ParentsEvening>> List(const std::string& school_id, const std::string& after_id,
                                                   int limit) override;
  absl::StatusOr<ParentsEvening> Cancel(const RequestKey& key, const std::string& school_id, const std::string& id,
                                        const std::string& reason, const std::string& etag,
                                        const std::vector<Notice>& notices, absl::Time now) override;
  absl::StatusOr<WaitingEntry> JoinWaitingList(const RequestKey& key, const WaitingEntry& entry,
                                               absl::Time now) override;
  absl::Status LeaveWaitingList(const RequestKey& key, const std::string& school_id, const std::string& evening_id,
                                const std::string& entry_id) override;
  absl::StatusOr<WaitingEntry> GetWaitingEntry(const std::string& school_id, const std::string& evening_id,
                                               const std::string& entry_id) override;
  absl::StatusOr<std::vector<WaitingEntry>> ListWaitingList(const std::string& school_id, const std::string& evening_id,
                                                            const std::string& staff_id) override;
  absl::StatusOr<WaitingEntry> RecordOffer(const std::string& school_id, const std::string& evening_id,
                                           const std::string& entry_id, const std::string& booking_id,
                                           const Notice& notice) override;
  absl::StatusOr<HouseholdChoice> SetHouseholdChoice(const RequestKey& key, const HouseholdChoice& choice,
                                                     absl::Time now) override;
  absl::StatusOr<std::optional<HouseholdChoice>> GetHouseholdChoice(const std::string& school_id,
                                                                    const std::string& evening_id,
                                                                    const std::string& pupil_id) override;
  absl::Status AddNotices(const std::vector<Notice>& notices) override;
  absl::StatusOr<std::vector<std::pair<std::string, std::string>>> EveningsWithWaiting(absl::Time now) override;

 private:
  pg::Pool* pool_;
};

}  // namespace parley::appointments
