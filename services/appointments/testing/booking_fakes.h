// Scripted peers for the bookings use cases' tests: a directory of one school's staff (calendars,
// roles for pupils, the head, guardians' links), a conduct gate answering per guardian what the
// test set (one decision per request id, as conduct keeps them), the school's settings and
// interpreters, and the meeting requests' side that records the outcomes it is told.
#pragma once

#include <map>
#include <memory>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "absl/synchronization/mutex.h"
#include "services/appointments/domain/booking_ports.h"
#include "services/appointments/domain/peers.h"
#include "services/appointments/domain/settings.h"
#include "services/appointments/testing/fake_settings.h"

namespace parley::appointments::testing {

class FakeDirectory final : public Directory {
 public:
  explicit FakeDirectory(absl::TimeZone zone) : zone_(zone) {}

  // A member of staff of `school` working on `calendar` (teaching hours: none).
  void AddStaff(const std::string& school_id, const std::string& staff_id,
                std::shared_ptr<const calendar::Calendar> calendar);
  void SetRole(const std::string& school_id, const std::string& pupil_id, WantedRole role, const std::string& staff_id);
  void SetHead(const std::string& school_id, const std::string& staff_id);
  void Link(const std::string& guardian_id, GuardianLink link);

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
  absl::TimeZone zone_;
  mutable absl::Mutex mu_;
  std::map<std::pair<std::string, std::string>, std::shared_ptr<const calendar::Calendar>> staff_ ABSL_GUARDED_BY(mu_);
  std::map<std::tuple<std::string, std::string, int>, std::string> roles_ ABSL_GUARDED_BY(mu_);
  std::map<std::string, std::string> heads_ ABSL_GUARDED_BY(mu_);
  std::map<std::string, std::vector<GuardianLink>> links_ ABSL_GUARDED_BY(mu_);
};

class FakeGate final : public Gate {
 public:
  // ALLOW with decision "schools/{school}/decisions/d-{n}" for guardians not set otherwise.
  void Answer(const std::string& guardian_id, MeetingGate answer);
  void Fail(absl::Status status);

  absl::StatusOr<MeetingGate> CheckMeeting(const MeetingGateQuestion& question) override;

  int calls() const;
  int decisions() const;  // one per distinct request id
  std::vector<MeetingGateQuestion> questions() const;

 private:
  mutable absl::Mutex mu_;
  std::map<std::string, MeetingGate> answers_ ABSL_GUARDED_BY(mu_);
  std::map<std::string, MeetingGate> by_request_ ABSL_GUARDED_BY(mu_);
  absl::Status fail_ ABSL_GUARDED_BY(mu_);
  int calls_ ABSL_GUARDED_BY(mu_) = 0;
  std::vector<MeetingGateQuestion> questions_ ABSL_GUARDED_BY(mu_);
};

class FakeRequestOutcomes final : public RequestOutcomes {
 public:
  struct Told {
    std::string school_id, request_id, booking_id;
    Outcome outcome;
    std::string actor;
    absl::Time at;
  };
  absl::Status MeetingOutcome(const RequestKey& key, const std::string& school_id, const std::string& request_id,
                              const std::string& booking_id, Outcome outcome, const std::string& actor,
                              absl::Time at) override;
  // Once per distinct key, as the requests' store keeps them.
  std::vector<Told> told() const;

 private:
  mutable absl::Mutex mu_;
  std::map<std::string, Told> by_key_ ABSL_GUARDED_BY(mu_);
  std::vector<Told> told_ ABSL_GUARDED_BY(mu_);
};

}  // namespace parley::appointments::testing
