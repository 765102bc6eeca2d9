// Gate and Directory over the conduct and contacts gRPC APIs, with the service's own identity and
// a deadline on every call. Routing, ladders and deadlines are never cached: they are asked once
// per intake or clock change and must be current (a calendar edit changes the next deadline).
// Staff working periods and line managers, asked for every staff notice (rule 7) and every
// acknowledgement breach, are kept for `cache_ttl`: an edit reaches notice timing within it, as a
// directory edit reaches conduct's gate within its own cache's minute.
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "absl/container/flat_hash_map.h"
#include "absl/synchronization/mutex.h"

#include "absl/time/time.h"
#include "common/auth/signer.h"
#include "parley/conduct/v1/conduct_service.grpc.pb.h"
#include "parley/contacts/v1/contacts_service.grpc.pb.h"
#include "services/escalation/domain/enquiry_view.h"
#include "services/escalation/domain/peers.h"
#include "services/escalation/domain/rules.h"

namespace parley::escalation {

class ConductGate final : public Gate {
 public:
  ConductGate(std::shared_ptr<grpc::Channel> channel, const auth::ServiceIdentity* identity,
              absl::Duration timeout = absl::Seconds(2));
  absl::StatusOr<GateAnswer> Check(const GateQuestion& question) override;

 private:
  std::unique_ptr<parley::conduct::v1::ConductService::Stub> stub_;
  const auth::ServiceIdentity* const identity_;
  const absl::Duration timeout_;
};

class ContactsDirectory final : public Directory, public DeadlineSource, public StaffHours {
 public:
  ContactsDirectory(std::shared_ptr<grpc::Channel> channel, const auth::ServiceIdentity* identity,
                    absl::Duration timeout = absl::Seconds(2), absl::Duration cache_ttl = absl::Seconds(60));
  absl::StatusOr<Route> RouteEnquiry(const std::string& school_id, const std::string& pupil,
                                     const std::string& category, const std::string& teaching_subject,
                                     int channel) override;
  absl::StatusOr<Ladder> ResolveLadder(const std::string& school_id, const std::string& pupil,
                                       const std::string& category, const std::string& teaching_subject) override;
  absl::StatusOr<std::string> LineManagerOf(const std::string& staff) override;
  absl::StatusOr<absl::Time> NextWorkingTime(const std::string& school_id, const std::string& staff,
                                             absl::Time at) override;
  absl::StatusOr<DueAt> Compute(const DeadlineQuery& query) override;
  // From contacts' ListWorkingPeriods over the next two weeks.
  absl::StatusOr<WorkingPeriod> PeriodAtOrAfter(const std::string& staff, absl::Time t) override;
  absl::StatusOr<std::pair<std::string, std::string>> Versions(const std::string& school_id) override;
  // Kept for the cache TTL, like working periods: asked on every breach.
  absl::StatusOr<BreachSwitches> BreachPolicyOf(const std::string& school_id) override;
  // From contacts' GetGuardian (the service reads the whole record): its pupil links. Not cached,
  // like routing; a guardian contacts does not know (NOT_FOUND) has none.
  absl::StatusOr<std::vector<std::string>> PupilsOfGuardian(const std::string& guardian) override;

 private:
  // A staff member's periods overlapping [from, to) as contacts listed them at `fetched`.
  struct PeriodsEntry {
    absl::Time fetched;
    absl::Time from, to;
    std::vector<WorkingPeriod> periods;
  };
  struct ManagerEntry {
    absl::Time fetched;
    std::string manager;
  };
  struct BreachEntry {
    absl::Time fetched;
    BreachSwitches switches;
  };
  // Bounds each cache: a trust has hundreds of staff, so reaching it means something is wrong and
  // starting afresh is cheap.
  static constexpr size_t kMaxCached = 20000;

  std::unique_ptr<parley::contacts::v1::ContactsService::Stub> stub_;
  const auth::ServiceIdentity* const identity_;
  const absl::Duration timeout_;
  const absl::Duration cache_ttl_;
  absl::Mutex mu_;
  absl::flat_hash_map<std::string, PeriodsEntry> periods_ ABSL_GUARDED_BY(mu_);
  absl::flat_hash_map<std::string, ManagerEntry> managers_ ABSL_GUARDED_BY(mu_);
  absl::flat_hash_map<std::string, BreachEntry> breach_policies_ ABSL_GUARDED_BY(mu_);
};

}  // namespace parley::escalation
