// Fakes of notifications' peer ports for tests without servers: the directory served from one
// snapshot of a directory the test builds (contacts' sample school, say), and contact details
// from a map the test fills.
#pragma once

#include <map>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/synchronization/mutex.h"
#include "common/directory/snapshot.h"
#include "common/status/reason.h"
#include "services/notifications/domain/peers.h"

namespace parley::notifications::testing {

class FakeDirectorySource final : public DirectorySource {
 public:
  // Dies on a directory Snapshot::Build refuses (a broken test).
  explicit FakeDirectorySource(directory::Directory directory) { Set(std::move(directory)); }

  void Set(directory::Directory directory) {
    auto snap = directory::Snapshot::Build(++version_, std::move(directory));
    if (!snap.ok()) std::abort();
    absl::MutexLock lock(&mu_);
    snapshot_ = *snap;
  }

  absl::StatusOr<std::shared_ptr<const directory::Snapshot>> School(const std::string& school_id) override {
    absl::MutexLock lock(&mu_);
    if (snapshot_->FindSchool(school_id) == nullptr) {
      return NotFound(reason::kSchoolNotFound, absl::StrCat("no school ", school_id));
    }
    return snapshot_;
  }

  absl::StatusOr<std::vector<std::string>> SchoolIds() override {
    absl::MutexLock lock(&mu_);
    std::vector<std::string> ids;
    for (const auto& [id, school] : snapshot_->directory().schools) ids.push_back(id);
    return ids;
  }

 private:
  absl::Mutex mu_;
  int64_t version_ = 0;
  std::shared_ptr<const directory::Snapshot> snapshot_;
};

class FakeContactDetails final : public ContactDetailsSource {
 public:
  void Put(const std::string& name, PersonDetails details) {
    absl::MutexLock lock(&mu_);
    people_[name] = std::move(details);
  }

  absl::StatusOr<std::map<std::string, PersonDetails>> Lookup(const std::vector<std::string>& names) override {
    absl::MutexLock lock(&mu_);
    std::map<std::string, PersonDetails> out;
    for (const std::string& n : names) {
      auto it = people_.find(n);
      if (it != people_.end()) out.emplace(n, it->second);
    }
    return out;
  }

 private:
  absl::Mutex mu_;
  std::map<std::string, PersonDetails> people_;
};

}  // namespace parley::notifications::testing
