// Scripted peers for domain and API tests: a conduct gate that answers what the test set and keeps
// one decision per request id (as conduct does), and a directory with routes per category, one
// ladder, line managers, versions and breach switches. Both count their calls, so tests can show a
// replay asked nobody. Staff working periods come from CalendarDeadlineSource.
#pragma once

#include <map>
#include <optional>
#include <set>
#include <string>
#include <utility>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/synchronization/mutex.h"
#include "services/escalation/domain/peers.h"

namespace parley::escalation::testing {

class FakeGate final : public Gate {
 public:
  // ALLOW, decision "schools/{school}/decisions/d-{n}", until set otherwise.
  void Answer(GateAnswer::Outcome outcome, std::optional<absl::Time> next_allowed_time = std::nullopt);
  void Fail(absl::Status status);

  absl::StatusOr<GateAnswer> Check(const GateQuestion& question) override;

  int calls() const;
  // Decisions recorded: one per distinct request id (and one per call without an id).
  int decisions() const;
  std::vector<GateQuestion> questions() const;

 private:
  mutable absl::Mutex mu_;
  GateAnswer::Outcome outcome_ ABSL_GUARDED_BY(mu_) = GateAnswer::Outcome::kAllow;
  std::optional<absl::Time> next_allowed_ ABSL_GUARDED_BY(mu_);
  absl::Status fail_ ABSL_GUARDED_BY(mu_);
  int calls_ ABSL_GUARDED_BY(mu_) = 0;
  int decisions_ ABSL_GUARDED_BY(mu_) = 0;
  std::map<std::string, GateAnswer> by_request_ ABSL_GUARDED_BY(mu_);
  std::vector<GateQuestion> questions_ ABSL_GUARDED_BY(mu_);
};

class FakeDirectory final : public Directory {
 public:
  // Routes every category not set otherwise to `owner`; "safeguarding" to a DSL route. Knows one
  // family: guardians/g1 linked to schools/{school_id}/pupils/p1. A pupil whose name holds
  // "missing" is not on roll.
  explicit FakeDirectory(std::string school_id);

  void SetRoute(const std::string& category, Route route);
  void SetLadder(Ladder ladder);
  // ResolveLadder answers FAILED_PRECONDITION NO_LADDER for `category`, as routing does for a
  // category whose routing rule names no ladder.
  void NoLadderFor(const std::string& category);
  void SetLineManager(const std::string& staff, const std::string& manager);
  // Staff the directory knows (LineManagerOf answers NOT_FOUND for others).
  void AddStaff(const std::string& staff);
  void SetVersions(std::string calendar, std::string policy);
  void SetBreachSwitches(BreachSwitches switches);
  // Links `guardian` to `pupil` ("schools/{school}/pupils/{id}").
  void LinkGuardian(const std::string& guardian, const std::string& pupil);
  // A court order removing `guardian`'s contact about `pupil` (linked by this call if not yet),
  // in force until `until` (inclusive); open-ended when unset.
  void CourtOrder(const std::string& guardian, const std::string& pupil,
                  std::optional<absl::Time> until = std::nullopt);
  // Whether the school's policy gives an addressed matter to the person named (off by default).
  void HonourAddressing(bool honour);
  // Staff known by AddStaff or the defaults are available unless given leave or a leaving time:
  // away in [from, until), left at and after `left`.
  void SetAway(const std::string& staff, absl::Time from, absl::Time until);
  void SetLeft(const std::string& staff, absl::Time left);
  void Fail(absl::Status status);  // every call fails with it until cleared with OkStatus

  absl::StatusOr<Route> RouteEnquiry(const std::string& school_id, const std::string& pupil,
                                     const std::string& category, const std::string& teaching_subject,
                                     int channel) override;
  absl::StatusOr<Ladder> ResolveLadder(const std::string& school_id, const std::string& pupil,
                                       const std::string& category, const std::string& teaching_subject) override;
  absl::StatusOr<std::string> LineManagerOf(const std::string& staff) override;
  absl::StatusOr<absl::Time> NextWorkingTime(const std::string& school_id, const std::string& staff,
                                             absl::Time at) override;
  absl::StatusOr<std::pair<std::string, std::string>> Versions(const std::string& school_id) override;
  absl::StatusOr<BreachSwitches> BreachPolicyOf(const std::string& school_id) override;
  // Europe/London, as every sample school's.
  absl::StatusOr<absl::TimeZone> TimeZoneOf(const std::string& school_id) override;
  absl::StatusOr<std::vector<GuardianLink>> LinksOfGuardian(const std::string& guardian, absl::Time at) override;
  absl::StatusOr<Addressee> AddresseeOf(const std::string& staff, absl::Time at) override;

  int route_calls() const;
  int ladder_calls() const;
  int guardian_calls() const;

  static std::string Staff(const std::string& school_id, const std::string& id) {
    return "schools/" + school_id + "/staff/" + id;
  }

 private:
  const std::string school_id_;
  mutable absl::Mutex mu_;
  std::map<std::string, Route> routes_ ABSL_GUARDED_BY(mu_);
  Ladder ladder_ ABSL_GUARDED_BY(mu_);
  std::set<std::string> no_ladder_ ABSL_GUARDED_BY(mu_);
  std::map<std::string, std::string> line_managers_ ABSL_GUARDED_BY(mu_);
  std::pair<std::string, std::string> versions_ ABSL_GUARDED_BY(mu_);
  BreachSwitches switches_ ABSL_GUARDED_BY(mu_);
  std::map<std::string, std::vector<std::string>> children_ ABSL_GUARDED_BY(mu_);
  // (guardian, pupil) → until when a court order excludes them (InfiniteFuture: open-ended).
  std::map<std::pair<std::string, std::string>, absl::Time> orders_ ABSL_GUARDED_BY(mu_);
  bool honour_addressing_ ABSL_GUARDED_BY(mu_) = false;
  std::map<std::string, std::pair<absl::Time, absl::Time>> away_ ABSL_GUARDED_BY(mu_);
  std::map<std::string, absl::Time> left_ ABSL_GUARDED_BY(mu_);
  absl::Status fail_ ABSL_GUARDED_BY(mu_);
  int route_calls_ ABSL_GUARDED_BY(mu_) = 0;
  int ladder_calls_ ABSL_GUARDED_BY(mu_) = 0;
  int guardian_calls_ ABSL_GUARDED_BY(mu_) = 0;
};

}  // namespace parley::escalation::testing
