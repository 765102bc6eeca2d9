// An in-memory Directory for tests: guardians, schools, staff and heads as the test sets them, and
// a working-time rule the test controls.
#pragma once

#include <functional>
#include <map>
#include <set>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/synchronization/mutex.h"
#include "common/status/reason.h"
#include "services/conduct/domain/directory.h"

namespace parley::conduct::testing {

class FakeDirectory final : public Directory {
 public:
  void AddSchool(const std::string& id, const std::string& zone = "Europe/London") {
    absl::MutexLock lock(&mu_);
    SchoolInfo info;
    info.id = id;
    absl::LoadTimeZone(zone, &info.zone);
    schools_[id] = info;
  }
  void AddGuardian(const std::string& name, std::vector<std::string> school_ids) {
    absl::MutexLock lock(&mu_);
    GuardianInfo g;
    g.name = name;
    for (const std::string& s : school_ids) g.pupils.push_back(absl::StrCat("schools/", s, "/pupils/p-", name.size()));
    g.school_ids = std::move(school_ids);
    guardians_[name] = g;
  }
  void AddStaff(const std::string& name) {
    absl::MutexLock lock(&mu_);
    staff_.insert(name);
  }
  void SetHead(const std::string& school_id, const std::string& staff) {
    absl::MutexLock lock(&mu_);
    heads_[school_id] = staff;
    staff_.insert(staff);
  }
  void SetLineManager(const std::string& staff, const std::string& manager) {
    absl::MutexLock lock(&mu_);
    staff_.insert(staff);
    line_managers_[staff] = manager;
  }
  void SetIncidentNotices(const std::string& school_id, std::vector<IncidentNoticeRule> rules) {
    absl::MutexLock lock(&mu_);
    incident_notices_[school_id] = std::move(rules);
  }
  // When staff next work; by default, at once.
  void SetNextWorkingTime(std::function<absl::Time(absl::Time)> rule) {
    absl::MutexLock lock(&mu_);
    next_working_ = std::move(rule);
  }

  absl::StatusOr<GuardianInfo> GetGuardian(const std::string& guardian) override {
    absl::MutexLock lock(&mu_);
    auto it = guardians_.find(guardian);
    if (it == guardians_.end()) return NotFound("GUARDIAN_NOT_FOUND", absl::StrCat("no guardian ", guardian));
    return it->second;
  }
  absl::StatusOr<SchoolInfo> GetSchool(const std::string& school_id) override {
    absl::MutexLock lock(&mu_);
    auto it = schools_.find(school_id);
    if (it == schools_.end()) return NotFound("SCHOOL_NOT_FOUND", absl::StrCat("no school ", school_id));
    return it->second;
  }
  absl::Status CheckStaff(const std::string& staff) override {
    absl::MutexLock lock(&mu_);
    if (staff_.count(staff) == 0) return NotFound("STAFF_NOT_FOUND", absl::StrCat("no staff member ", staff));
    return absl::OkStatus();
  }
  absl::StatusOr<std::string> HeadOf(const std::string& school_id) override {
    absl::MutexLock lock(&mu_);
    auto it = heads_.find(school_id);
    if (it == heads_.end()) return FailedPrecondition("NO_HEAD", "no head");
    return it->second;
  }
  absl::StatusOr<std::string> LineManagerOf(const std::string& staff) override {
    absl::MutexLock lock(&mu_);
    if (staff_.count(staff) == 0) return NotFound("STAFF_NOT_FOUND", absl::StrCat("no staff member ", staff));
    auto it = line_managers_.find(staff);
    return it == line_managers_.end() ? std::string() : it->second;
  }
  absl::StatusOr<std::vector<IncidentNoticeRule>> IncidentNoticesOf(const std::string& school_id) override {
    absl::MutexLock lock(&mu_);
    if (schools_.count(school_id) == 0) return NotFound("SCHOOL_NOT_FOUND", absl::StrCat("no school ", school_id));
    auto it = incident_notices_.find(school_id);
    return it == incident_notices_.end() ? std::vector<IncidentNoticeRule>() : it->second;
  }
  absl::StatusOr<absl::Time> NextWorkingTime(const std::string&, const std::string&, absl::Time at) override {
    absl::MutexLock lock(&mu_);
    return next_working_ ? next_working_(at) : at;
  }

 private:
  absl::Mutex mu_;
  std::map<std::string, SchoolInfo> schools_;
  std::map<std::string, GuardianInfo> guardians_;
  std::set<std::string> staff_;
  std::map<std::string, std::string> heads_;
  std::map<std::string, std::string> line_managers_;
  std::map<std::string, std::vector<IncidentNoticeRule>> incident_notices_;
  std::function<absl::Time(absl::Time)> next_working_;
};

}  // namespace parley::conduct::testing
