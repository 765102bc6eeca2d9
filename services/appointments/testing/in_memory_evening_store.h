// Test-only fakes for the parents' evenings use cases: the evening store, and the directory, gate
// and settings ports with only what evenings ask of them. Every write is idempotent on its key, as
// the real stores are. The bookings they book are InMemoryBookingStore's
// (in_memory_booking_store.h).
#pragma once

#include <map>
#include <optional>
#include <set>
#include <string>
#include <utility>
#include <vector>

#include "absl/synchronization/mutex.h"
#include "services/appointments/domain/booking.h"
#include "services/appointments/domain/evening_store.h"
#include "services/appointments/domain/peers.h"
#include "services/appointments/domain/settings.h"

namespace parley::appointments::testing {

class InMemoryEveningStore final : public EveningStore {
 public:
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

  // The outbox, by key.
  std::map<std::string, Notice> notices() const;

 private:
  void AddNoticesLocked(const std::vector<Notice>& notices) ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  std::vector<WaitingEntry> LineLocked(const std::string& school_id, const std::string& evening_id) const
      ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);

  mutable absl::Mutex mu_;
  std::map<std::pair<std::string, std::string>, ParentsEvening> evenings_ ABSL_GUARDED_BY(mu_);
  std::map<std::string, WaitingEntry> entries_ ABSL_GUARDED_BY(mu_);  // by id
  std::map<std::tuple<std::string, std::string, std::string>, HouseholdChoice> choices_ ABSL_GUARDED_BY(mu_);
  std::map<std::string, Notice> notices_ ABSL_GUARDED_BY(mu_);
  std::map<std::string, std::string> done_ ABSL_GUARDED_BY(mu_);  // scope/request id → fingerprint
  int64_t sequence_ ABSL_GUARDED_BY(mu_) = 0;
};

class FakeEveningDirectory final : public Directory {
 public:
  void AddStaff(const std::string& school_id, const std::string& staff_id) { staff_.insert({school_id, staff_id}); }
  // `guardian_id` is a guardian of `pupil_id` (in `year_group`, -1: not known) at the school.
  void Link(const std::string& guardian_id, const std::string& school_id, const std::string& pupil_id,
            bool excluded = false, int year_group = -1) {
    links_[guardian_id].push_back(GuardianLink{school_id, pupil_id, excluded, year_group});
  }

  absl::StatusOr<absl::TimeZone> TimeZoneOf(const std::string& school_id) override;
  absl::Status CheckStaff(const std::string& school_id, const std::string& staff_id, absl::Time at) override;
  absl::StatusOr<std::string> StaffForRole(const std::string& school_id, const std::string& pupil_id,
                                           WantedRole role) override;
  absl::StatusOr<std::string> HeadOf(const std::string& school_id) override;
  absl::StatusOr<std::string> LineManagerOf(const std::string& school_id, const std::string& staff_id) override;
  absl::StatusOr<std::vector<GuardianLink>> LinksOfGuardian(const std::string& guardian_id, absl::Time at) override;
  absl::StatusOr<std::vector<std::string>> GuardiansOf(const std::string& school_id,
                                                       const std::string& pupil_id) override;
  absl::StatusOr<StaffTime> StaffTimeOf(const std::string& school_id, const std::string& staff_id) override;
  absl::StatusOr<std::optional<PolicyDue>> Due(const std::string& school_id, directory::Channel channel,
                                               directory::Stage stage, absl::Time received, const std::string& owner,
                                               const std::string& category) override;

 private:
  std::set<std::pair<std::string, std::string>> staff_;
  std::map<std::string, std::vector<GuardianLink>> links_;
};

// Allows every meeting but for the guardians given another answer.
class FakeEveningGate final : public Gate {
 public:
  void Answer(const std::string& guardian_id, MeetingGate gate) { answers_[guardian_id] = std::move(gate); }
  absl::StatusOr<MeetingGate> CheckMeeting(const MeetingGateQuestion& question) override;
  std::vector<MeetingGateQuestion> questions;

 private:
  std::map<std::string, MeetingGate> answers_;
};

class FakeEveningSettings final : public SettingsSource {
 public:
  AppointmentSettings settings;
  std::vector<Interpreter> interpreters;

  absl::StatusOr<AppointmentSettings> Settings(const std::string& school_id) override;
  absl::StatusOr<std::vector<AvailabilityException>> Exceptions(const std::string& school_id,
                                                                const std::string& staff_id, absl::Time from,
                                                                absl::Time to) override;
  absl::StatusOr<std::vector<Interpreter>> InterpretersFor(const std::string& school_id,
                                                           const std::string& language) override;
  absl::StatusOr<Interpreter> GetInterpreter(const std::string& school_id, const std::string& id) override;
};

}  // namespace parley::appointments::testing
