#include "services/contacts/domain/directory_service.h"

#include <algorithm>
#include <map>
#include <set>
#include <type_traits>
#include <utility>

#include "absl/strings/str_cat.h"
#include "common/log/log.h"
#include "common/status/reason.h"
#include "common/status/status_macros.h"

namespace parley::contacts {
namespace {

constexpr int kStaleRetries = 5;

absl::Status SchoolNotFound(const std::string& id) {
  return NotFound("SCHOOL_NOT_FOUND", absl::StrCat("school ", id, " does not exist"));
}

absl::Status CheckEtag(const std::string& expected, const std::string& current, const std::string& what) {
  if (!expected.empty() && expected != current) {
    return Aborted("ETAG_MISMATCH",
                   absl::StrCat(what, " was changed by someone else since you read it: read it again and retry"));
  }
  return absl::OkStatus();
}

// A deletion that would leave a dangling reference is refused with what still refers to it.
absl::Status StillReferenced(const absl::Status& validation, const std::string& what) {
  if (validation.ok()) return validation;
  return FailedPrecondition("STILL_REFERENCED", absl::StrCat(what, " is still named elsewhere (", validation.message(),
                                                             "): change that first"));
}

// What differs between the kinds of record that live inside one school; the create, update and
// delete rules are the same for all of them.
struct Words {
  const char* what;
  const char* exists;
  const char* not_found;
};

template <typename T, std::map<std::string, T> SchoolDirectory::*kRecords, std::vector<T> ChangeSet::*kWrites,
          std::vector<SchoolScopedId> ChangeSet::*kDeletes>
struct InSchool {
  static std::map<std::string, T>& Records(SchoolDirectory& sd) { return sd.*kRecords; }
  static std::vector<T>& Writes(ChangeSet& c) { return c.*kWrites; }
  static std::vector<SchoolScopedId>& Deletes(ChangeSet& c) { return c.*kDeletes; }
};

template <typename T>
struct ScopedKind;
template <>
struct ScopedKind<Staff> : InSchool<Staff, &SchoolDirectory::staff, &ChangeSet::staff, &ChangeSet::delete_staff> {
  static constexpr Words kWords{"staff", reason::kStaffExists, reason::kStaffNotFound};
};
template <>
struct ScopedKind<Pupil> : InSchool<Pupil, &SchoolDirectory::pupils, &ChangeSet::pupils, &ChangeSet::delete_pupils> {
  static constexpr Words kWords{"pupil", reason::kPupilExists, reason::kPupilNotFound};
};
template <>
struct ScopedKind<Ladder>
    : InSchool<Ladder, &SchoolDirectory::ladders, &ChangeSet::ladders, &ChangeSet::delete_ladders> {
  static constexpr Words kWords{"ladder", reason::kLadderExists, reason::kLadderNotFound};
};

// Deleting a pupil unlinks it from its guardians; a guardian left with no pupil is removed.
void UnlinkPupil(const Snapshot& s, const SchoolScopedId& id, ChangeSet& changes) {
  for (const Guardian* g : s.GuardiansOfPupil(id.first, id.second)) {
    Guardian updated = *g;
    updated.pupils.erase(
        std::remove_if(updated.pupils.begin(), updated.pupils.end(),
                       [&](const PupilLink& l) { return l.school_id == id.first && l.pupil_id == id.second; }),
        updated.pupils.end());
    if (updated.pupils.empty()) {
      changes.delete_guardians.push_back(g->id);
    } else {
      changes.guardians.push_back(std::move(updated));
    }
  }
}

}  // namespace

DirectoryService::DirectoryService(DirectoryStore* store, DirectoryLimits limits) : store_(store), limits_(limits) {}

DirectoryService::~DirectoryService() { StopRefresher(); }

absl::Status DirectoryService::Start() { return Reload(); }

absl::Status DirectoryService::Reload() {
  absl::MutexLock reload(&reload_mu_);
  PARLEY_ASSIGN_OR_RETURN(LoadedDirectory loaded, store_->Load());
  PARLEY_ASSIGN_OR_RETURN(std::shared_ptr<const Snapshot> snap,
                          Snapshot::Build(loaded.version, std::move(loaded.directory)));
  absl::MutexLock lock(&mu_);
  if (snapshot_ == nullptr || snapshot_->version() <= snap->version()) snapshot_ = std::move(snap);
  return absl::OkStatus();
}

absl::Status DirectoryService::RefreshIfStale() {
  PARLEY_ASSIGN_OR_RETURN(int64_t version, store_->Version());
  if (snapshot() != nullptr && snapshot()->version() == version) return absl::OkStatus();
  return Reload();
}

void DirectoryService::StartRefresher(absl::Duration interval) {
  stop_refresher_ = std::make_unique<absl::Notification>();
  refresher_ = std::thread([this, interval] { RefreshLoop(interval); });
}

void DirectoryService::StopRefresher() {
  if (!refresher_.joinable()) return;
  stop_refresher_->Notify();
  refresher_.join();
}

void DirectoryService::RefreshLoop(absl::Duration interval) {
  while (!stop_refresher_->WaitForNotificationWithTimeout(interval)) {
    absl::Status status = RefreshIfStale();
    if (!status.ok()) {
      log::Warning("directory_refresh_failed", {{"code", absl::StatusCodeToString(status.code())}});
    }
  }
}

std::shared_ptr<const Snapshot> DirectoryService::snapshot() const {
  absl::MutexLock lock(&mu_);
  return snapshot_;
}

std::shared_ptr<const Snapshot> DirectoryService::AwaitChange(int64_t version, absl::Duration timeout) const {
  absl::MutexLock lock(&mu_);
  auto changed = [&]() ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_) {
    return snapshot_ != nullptr && snapshot_->version() != version;
  };
  mu_.AwaitWithTimeout(absl::Condition(&changed), timeout);
  return snapshot_;
}

absl::StatusOr<std::string> DirectoryService::Write(const RequestKey& key, const Plan& plan, const Respond& respond,
                                                    bool dry_run) {
  for (int attempt = 0;; ++attempt) {
    std::shared_ptr<const Snapshot> snap = snapshot();
    DirectoryStore::Mutation mutation;
    mutation.key = key;
    mutation.expected_version = snap->version();
    mutation.dry_run = dry_run;
    mutation.plan = [&]() { return plan(*snap); };
    mutation.respond = respond;
    absl::StatusOr<DirectoryStore::Outcome> outcome = store_->Mutate(mutation);
    if (!outcome.ok() && ErrorReason(outcome.status()) == "STALE_SNAPSHOT" && attempt < kStaleRetries) {
      PARLEY_RETURN_IF_ERROR(Reload());
      continue;
    }
    if (!outcome.ok()) return outcome.status();
    if (!outcome->replayed && !dry_run) {
      absl::Status reload = Reload();
      // The write is committed; a failed reload only delays visibility until the refresher runs.
      if (!reload.ok()) log::Warning("directory_reload_failed", {{"code", absl::StatusCodeToString(reload.code())}});
    }
    return std::move(outcome->response);
  }
}

absl::StatusOr<std::string> DirectoryService::UpdateTrust(const RequestKey& key, const Updater<Trust>& update,
                                                          const Encoder<Trust>& encode) {
  return Write(
      key,
      [&](const Snapshot& s) -> absl::StatusOr<ChangeSet> {
        PARLEY_ASSIGN_OR_RETURN(Trust trust, update(s.directory().trust));
        if (trust.display_name.empty()) return InvalidArgument("INVALID_FIELD", "trust display_name is required");
        ChangeSet changes;
        changes.trust = std::move(trust);
        return changes;
      },
      [&](const ChangeSet& applied, const ApplyCounts&) { return encode(*applied.trust); });
}

absl::StatusOr<std::string> DirectoryService::CreateSchool(const RequestKey& key, School school,
                                                           const Encoder<School>& encode) {
  return Write(
      key,
      [&](const Snapshot& s) -> absl::StatusOr<ChangeSet> {
        if (s.FindSchool(school.id) != nullptr) {
          return AlreadyExists("SCHOOL_EXISTS", absl::StrCat("school ", school.id, " already exists"));
        }
        if (s.directory().schools.size() >= limits_.max_schools) {
          return FailedPrecondition("TOO_MANY_SCHOOLS", "the directory holds the most schools it may");
        }
        // The school as it will be (no staff, pupils or ladders, an empty routing matrix), under
        // the same rules UpdateSchool applies, so nothing is created that its first update refuses.
        SchoolDirectory created;
        created.school = school;
        created.routing_matrix.school_id = school.id;
        PARLEY_RETURN_IF_ERROR(ValidateSchoolDirectory(created, limits_));
        PARLEY_RETURN_IF_ERROR(StampVersions(school));
        ChangeSet changes;
        changes.schools.push_back(school);
        changes.routing_matrices.push_back(created.routing_matrix);
        return changes;
      },
      [&](const ChangeSet& applied, const ApplyCounts&) { return encode(applied.schools.front()); });
}

absl::StatusOr<std::string> DirectoryService::UpdateSchool(const RequestKey& key, const std::string& school_id,
                                                           const std::string& etag, const Updater<School>& update,
                                                           const Encoder<School>& encode) {
  return Write(
      key,
      [&](const Snapshot& s) -> absl::StatusOr<ChangeSet> {
        const SchoolDirectory* sd = s.FindSchool(school_id);
        if (sd == nullptr) return SchoolNotFound(school_id);
        PARLEY_RETURN_IF_ERROR(CheckEtag(etag, sd->school.etag, absl::StrCat("school ", school_id)));
        PARLEY_ASSIGN_OR_RETURN(School school, update(sd->school));
        school.id = school_id;
        SchoolDirectory copy = *sd;
        copy.school = school;
        PARLEY_RETURN_IF_ERROR(ValidateSchoolDirectory(copy, limits_));
        PARLEY_RETURN_IF_ERROR(StampVersions(school));
        ChangeSet changes;
        changes.schools.push_back(std::move(school));
        return changes;
      },
      [&](const ChangeSet& applied, const ApplyCounts&) { return encode(applied.schools.front()); });
}

absl::StatusOr<std::string> DirectoryService::DeleteSchool(const RequestKey& key, const std::string& school_id,
                                                           const std::string& etag, const std::string& empty_response) {
  return Write(
      key,
      [&](const Snapshot& s) -> absl::StatusOr<ChangeSet> {
        const SchoolDirectory* sd = s.FindSchool(school_id);
        if (sd == nullptr) return SchoolNotFound(school_id);
        PARLEY_RETURN_IF_ERROR(CheckEtag(etag, sd->school.etag, absl::StrCat("school ", school_id)));
        const size_t guardians = s.GuardiansOfSchool(school_id).size();
        if (!sd->staff.empty() || !sd->pupils.empty() || guardians != 0) {
          return FailedPrecondition(
              reason::kStillReferenced,
              absl::StrCat("school ", school_id, " still has ", sd->staff.size(), " staff, ", sd->pupils.size(),
                           " pupils and ", guardians, " guardians linked: remove or move them first"));
        }
        ChangeSet changes;
        for (const auto& [id, ladder] : sd->ladders) changes.delete_ladders.emplace_back(school_id, id);
        changes.delete_schools.push_back(school_id);
        return changes;
      },
      [&](const ChangeSet&, const ApplyCounts&) -> absl::StatusOr<std::string> { return empty_response; });
}

template <typename T>
absl::StatusOr<std::string> DirectoryService::Create(const RequestKey& key, T record, const Encoder<T>& encode) {
  using K = ScopedKind<T>;
  return Write(
      key,
      [&](const Snapshot& s) -> absl::StatusOr<ChangeSet> {
        const SchoolDirectory* sd = s.FindSchool(record.school_id);
        if (sd == nullptr) return SchoolNotFound(record.school_id);
        SchoolDirectory copy = *sd;
        if (K::Records(copy).count(record.id) != 0) {
          return AlreadyExists(K::kWords.exists, absl::StrCat(K::kWords.what, " ", record.id, " already exists"));
        }
        K::Records(copy)[record.id] = record;
        PARLEY_RETURN_IF_ERROR(ValidateSchoolDirectory(copy, limits_));
        ChangeSet changes;
        K::Writes(changes).push_back(record);
        return changes;
      },
      [&](ChangeSet applied, const ApplyCounts&) { return encode(K::Writes(applied).front()); });
}

template <typename T>
absl::StatusOr<std::string> DirectoryService::Update(const RequestKey& key, const SchoolScopedId& id,
                                                     const std::string& etag, const Updater<T>& update,
                                                     const Encoder<T>& encode) {
  using K = ScopedKind<T>;
  return Write(
      key,
      [&](const Snapshot& s) -> absl::StatusOr<ChangeSet> {
        const SchoolDirectory* sd = s.FindSchool(id.first);
        if (sd == nullptr) return SchoolNotFound(id.first);
        SchoolDirectory copy = *sd;
        auto it = K::Records(copy).find(id.second);
        if (it == K::Records(copy).end()) {
          return NotFound(K::kWords.not_found, absl::StrCat(K::kWords.what, " ", id.second, " does not exist"));
        }
        PARLEY_RETURN_IF_ERROR(CheckEtag(etag, it->second.etag, absl::StrCat(K::kWords.what, " ", id.second)));
        PARLEY_ASSIGN_OR_RETURN(T record, update(it->second));
        record.school_id = id.first;
        record.id = id.second;
        it->second = record;
        PARLEY_RETURN_IF_ERROR(ValidateSchoolDirectory(copy, limits_));
        ChangeSet changes;
        K::Writes(changes).push_back(std::move(record));
        return changes;
      },
      [&](ChangeSet applied, const ApplyCounts&) { return encode(K::Writes(applied).front()); });
}

template <typename T>
absl::StatusOr<std::string> DirectoryService::Delete(const RequestKey& key, const SchoolScopedId& id,
                                                     const std::string& etag, const std::string& empty_response) {
  using K = ScopedKind<T>;
  return Write(
      key,
      [&](const Snapshot& s) -> absl::StatusOr<ChangeSet> {
        const SchoolDirectory* sd = s.FindSchool(id.first);
        if (sd == nullptr) return SchoolNotFound(id.first);
        SchoolDirectory copy = *sd;
        auto it = K::Records(copy).find(id.second);
        if (it == K::Records(copy).end()) {
          return NotFound(K::kWords.not_found, absl::StrCat(K::kWords.what, " ", id.second, " does not exist"));
        }
        PARLEY_RETURN_IF_ERROR(CheckEtag(etag, it->second.etag, absl::StrCat(K::kWords.what, " ", id.second)));
        K::Records(copy).erase(it);
        PARLEY_RETURN_IF_ERROR(
            StillReferenced(ValidateSchoolDirectory(copy, limits_), absl::StrCat(K::kWords.what, " ", id.second)));
        ChangeSet changes;
        K::Deletes(changes).push_back(id);
        if constexpr (std::is_same_v<T, Pupil>) UnlinkPupil(s, id, changes);
        return changes;
      },
      [&](const ChangeSet&, const ApplyCounts&) -> absl::StatusOr<std::string> { return empty_response; });
}

template absl::StatusOr<std::string> DirectoryService::Create(const RequestKey&, Staff, const Encoder<Staff>&);
template absl::StatusOr<std::string> DirectoryService::Create(const RequestKey&, Pupil, const Encoder<Pupil>&);
template absl::StatusOr<std::string> DirectoryService::Create(const RequestKey&, Ladder, const Encoder<Ladder>&);
template absl::StatusOr<std::string> DirectoryService::Update(const RequestKey&, const SchoolScopedId&,
                                                              const std::string&, const Updater<Staff>&,
                                                              const Encoder<Staff>&);
template absl::StatusOr<std::string> DirectoryService::Update(const RequestKey&, const SchoolScopedId&,
                                                              const std::string&, const Updater<Pupil>&,
                                                              const Encoder<Pupil>&);
template absl::StatusOr<std::string> DirectoryService::Update(const RequestKey&, const SchoolScopedId&,
                                                              const std::string&, const Updater<Ladder>&,
                                                              const Encoder<Ladder>&);
template absl::StatusOr<std::string> DirectoryService::Delete<Staff>(const RequestKey&, const SchoolScopedId&,
                                                                     const std::string&, const std::string&);
template absl::StatusOr<std::string> DirectoryService::Delete<Pupil>(const RequestKey&, const SchoolScopedId&,
                                                                     const std::string&, const std::string&);
template absl::StatusOr<std::string> DirectoryService::Delete<Ladder>(const RequestKey&, const SchoolScopedId&,
                                                                      const std::string&, const std::string&);

absl::StatusOr<std::string> DirectoryService::CreateGuardian(const RequestKey& key, Guardian guardian,
                                                             const Encoder<Guardian>& encode) {
  return Write(
      key,
      [&](const Snapshot& s) -> absl::StatusOr<ChangeSet> {
        if (s.FindGuardian(guardian.id) != nullptr) {
          return AlreadyExists("GUARDIAN_EXISTS", absl::StrCat("guardian ", guardian.id, " already exists"));
        }
        PARLEY_RETURN_IF_ERROR(ValidateGuardian(guardian, s.directory()));
        ChangeSet changes;
        changes.guardians.push_back(guardian);
        return changes;
      },
      [&](const ChangeSet& applied, const ApplyCounts&) { return encode(applied.guardians.front()); });
}

absl::StatusOr<std::string> DirectoryService::UpdateGuardian(const RequestKey& key, const std::string& id,
                                                             const std::string& etag, const Updater<Guardian>& update,
                                                             const Encoder<Guardian>& encode) {
  return Write(
      key,
      [&](const Snapshot& s) -> absl::StatusOr<ChangeSet> {
        const Guardian* current = s.FindGuardian(id);
        if (current == nullptr) return NotFound("GUARDIAN_NOT_FOUND", absl::StrCat("guardian ", id, " does not exist"));
        PARLEY_RETURN_IF_ERROR(CheckEtag(etag, current->etag, absl::StrCat("guardian ", id)));
        PARLEY_ASSIGN_OR_RETURN(Guardian guardian, update(*current));
        guardian.id = id;
        PARLEY_RETURN_IF_ERROR(ValidateGuardian(guardian, s.directory()));
        ChangeSet changes;
        changes.guardians.push_back(std::move(guardian));
        return changes;
      },
      [&](const ChangeSet& applied, const ApplyCounts&) { return encode(applied.guardians.front()); });
}

absl::StatusOr<std::string> DirectoryService::DeleteGuardian(const RequestKey& key, const std::string& id,
                                                             const std::string& etag,
                                                             const std::string& empty_response) {
  return Write(
      key,
      [&](const Snapshot& s) -> absl::StatusOr<ChangeSet> {
        const Guardian* current = s.FindGuardian(id);
        if (current == nullptr) return NotFound("GUARDIAN_NOT_FOUND", absl::StrCat("guardian ", id, " does not exist"));
        PARLEY_RETURN_IF_ERROR(CheckEtag(etag, current->etag, absl::StrCat("guardian ", id)));
        ChangeSet changes;
        changes.delete_guardians.push_back(id);
        return changes;
      },
      [&](const ChangeSet&, const ApplyCounts&) -> absl::StatusOr<std::string> { return empty_response; });
}

absl::StatusOr<std::string> DirectoryService::UpdateRoutingMatrix(const RequestKey& key, RoutingMatrix matrix,
                                                                  const Encoder<RoutingMatrix>& encode) {
  return Write(
      key,
      [&](const Snapshot& s) -> absl::StatusOr<ChangeSet> {
        const SchoolDirectory* sd = s.FindSchool(matrix.school_id);
        if (sd == nullptr) return SchoolNotFound(matrix.school_id);
        PARLEY_RETURN_IF_ERROR(
            CheckEtag(matrix.etag, sd->routing_matrix.etag, absl::StrCat("the routing matrix of ", matrix.school_id)));
        SchoolDirectory copy = *sd;
        copy.routing_matrix = matrix;
        PARLEY_RETURN_IF_ERROR(ValidateSchoolDirectory(copy, limits_));
        ChangeSet changes;
        changes.routing_matrices.push_back(matrix);
        return changes;
      },
      [&](const ChangeSet& applied, const ApplyCounts&) { return encode(applied.routing_matrices.front()); });
}

absl::StatusOr<std::string> DirectoryService::Import(const RequestKey& key, Directory document, bool validate_only,
                                                     const ImportProgress& progress,
                                                     const Encoder<ImportResult>& encode) {
  ImportOptions options;
  options.validate_only = validate_only;
  return Import(key, std::move(document), options, progress, encode);
}

absl::StatusOr<std::string> DirectoryService::Import(const RequestKey& key, Directory document,
                                                     const ImportOptions& options, const ImportProgress& progress,
                                                     const Encoder<ImportResult>& encode) {
  const int64_t total_schools = static_cast<int64_t>(document.schools.size());
  auto report = [&](ImportPhase phase, int64_t done, int64_t total) {
    if (progress) progress(phase, done, total);
  };
  // The directory as it will be: the current one with the document's schools replaced.
  auto merged_directory = [&](const Snapshot& s) {
    Directory merged = s.directory();
    if (!document.trust.display_name.empty()) merged.trust.display_name = document.trust.display_name;
    for (const auto& [id, sd] : document.schools) merged.schools[id] = sd;
    for (auto it = merged.guardians.begin(); it != merged.guardians.end();) {
      bool only_replaced_schools =
          std::all_of(it->second.pupils.begin(), it->second.pupils.end(),
                      [&](const PupilLink& l) { return document.schools.count(l.school_id) != 0; });
      it = only_replaced_schools ? merged.guardians.erase(it) : std::next(it);
    }
    for (const auto& [id, g] : document.guardians) merged.guardians[id] = g;
    return merged;
  };

  ImportResult result;
  const Snapshot* planned_on = nullptr;  // alive for the whole Mutate call that runs plan and respond
  return Write(
      key,
      [&](const Snapshot& s) -> absl::StatusOr<ChangeSet> {
        // A plan may run again after a concurrent write; start the tally afresh.
        result = ImportResult{};
        result.validate_only = options.validate_only;
        result.directory_etag = absl::StrCat(s.version());
        planned_on = &s;
        if (!options.expected_directory_etag.empty() && options.expected_directory_etag != result.directory_etag) {
          return Aborted(reason::kEtagMismatch,
                         "the directory changed after the import was planned: plan it again (validate_only)");
        }
        report(ImportPhase::kValidating, 0, total_schools);
        Directory merged = merged_directory(s);
        int64_t done = 0;
        for (auto& [id, sd] : document.schools) {
          sd.school.id = id;
          PARLEY_RETURN_IF_ERROR(ValidateSchoolDirectory(sd, limits_));
          PARLEY_RETURN_IF_ERROR(StampVersions(sd.school));
          report(ImportPhase::kValidating, ++done, total_schools);
        }
        for (const auto& [id, g] : document.guardians) PARLEY_RETURN_IF_ERROR(ValidateGuardian(g, merged));
        // Guardians outside the document that still link into a replaced school must still
        // point at pupils that exist.
        for (const auto& [id, g] : merged.guardians) PARLEY_RETURN_IF_ERROR(ValidateGuardian(g, merged));
        if (merged.schools.size() > limits_.max_schools) {
          return InvalidArgument("INVALID_DIRECTORY", absl::StrCat("more than ", limits_.max_schools, " schools"));
        }

        // What is written; whether each written record is created, changed or unchanged is read
        // from the store's answer (respond below), deletions are known here.
        ChangeSet changes;
        if (!document.trust.display_name.empty()) changes.trust = document.trust;
        for (const auto& [school_id, sd] : document.schools) {
          changes.schools.push_back(sd.school);
          const SchoolDirectory* current = s.FindSchool(school_id);
          if (current == nullptr || current->school.calendar_version != sd.school.calendar_version ||
              current->school.policy_version != sd.school.policy_version) {
            result.schools_with_new_versions.push_back(school_id);
          }
          for (const auto& [id, staff] : sd.staff) changes.staff.push_back(staff);
          for (const auto& [id, pupil] : sd.pupils) changes.pupils.push_back(pupil);
          for (const auto& [id, ladder] : sd.ladders) changes.ladders.push_back(ladder);
          RoutingMatrix matrix = sd.routing_matrix;
          matrix.school_id = school_id;
          for (const RoutingRule& rule : matrix.rules) {
            if (current == nullptr || current->routing_matrix.Find(rule.category) == nullptr) {
              result.changes[ImportKind::kRoutingRule].created.push_back({school_id, rule.category});
            }
          }
          changes.routing_matrices.push_back(std::move(matrix));
          if (current != nullptr) {
            for (const auto& [id, staff] : current->staff) {
              if (sd.staff.count(id) == 0) changes.delete_staff.emplace_back(school_id, id);
            }
            for (const auto& [id, pupil] : current->pupils) {
              if (sd.pupils.count(id) == 0) changes.delete_pupils.emplace_back(school_id, id);
            }
            for (const auto& [id, ladder] : current->ladders) {
              if (sd.ladders.count(id) == 0) changes.delete_ladders.emplace_back(school_id, id);
            }
            for (const RoutingRule& rule : current->routing_matrix.rules) {
              if (sd.routing_matrix.Find(rule.category) == nullptr) {
                result.changes[ImportKind::kRoutingRule].deleted.push_back({school_id, rule.category});
              }
            }
          }
          result.schools += 1;
          result.staff += static_cast<int>(sd.staff.size());
          result.pupils += static_cast<int>(sd.pupils.size());
          result.ladders += static_cast<int>(sd.ladders.size());
        }
        for (const auto& [id, g] : document.guardians) changes.guardians.push_back(g);
        for (const auto& [id, g] : s.directory().guardians) {
          if (merged.guardians.count(id) == 0) changes.delete_guardians.push_back(id);
        }
        result.guardians = static_cast<int>(document.guardians.size());
        for (const auto& [school, id] : changes.delete_staff)
          result.changes[ImportKind::kStaff].deleted.push_back({school, id});
        for (const auto& [school, id] : changes.delete_pupils)
          result.changes[ImportKind::kPupil].deleted.push_back({school, id});
        for (const auto& [school, id] : changes.delete_ladders)
          result.changes[ImportKind::kLadder].deleted.push_back({school, id});
        for (const std::string& id : changes.delete_guardians)
          result.changes[ImportKind::kGuardian].deleted.push_back({"", id});

        if (!options.validate_only && !options.allow_deletions && CountDeletions(result) > 0) {
          return FailedPrecondition(
              reason::kImportWouldDelete,
              absl::StrCat("the document would delete ", DescribeDeletions(result),
                           "; nothing was written. Check what with validate_only, then import with allow_deletions"));
        }
        report(ImportPhase::kApplying, 0, 1);
        return changes;
      },
      [&](const ChangeSet& applied, const ApplyCounts& counts) -> absl::StatusOr<std::string> {
        // The store has written (or, validate_only, is about to roll back) exactly `applied`: a
        // record keeps its etag when its content did not change and gets a new one when it did.
        const Snapshot& s = *planned_on;
        auto tally = [&](ImportKind kind, ImportRef ref, const std::string* before_etag, const std::string& etag) {
          ImportKindChanges& k = result.changes[kind];
          if (before_etag == nullptr || before_etag->empty()) {
            k.created.push_back(std::move(ref));
          } else if (*before_etag != etag) {
            k.changed.push_back(std::move(ref));
          } else {
            ++k.unchanged;
          }
        };
        if (applied.trust) tally(ImportKind::kTrust, {}, &s.directory().trust.etag, applied.trust->etag);
        for (const School& school : applied.schools) {
          const SchoolDirectory* sd = s.FindSchool(school.id);
          tally(ImportKind::kSchool, {school.id, ""}, sd ? &sd->school.etag : nullptr, school.etag);
        }
        auto in_school = [&](auto member, const std::string& school_id, const std::string& id) -> const std::string* {
          const SchoolDirectory* sd = s.FindSchool(school_id);
          if (sd == nullptr) return nullptr;
          auto it = (sd->*member).find(id);
          return it == (sd->*member).end() ? nullptr : &it->second.etag;
        };
        for (const Staff& r : applied.staff) {
          tally(ImportKind::kStaff, {r.school_id, r.id}, in_school(&SchoolDirectory::staff, r.school_id, r.id), r.etag);
        }
        for (const Pupil& r : applied.pupils) {
          tally(ImportKind::kPupil, {r.school_id, r.id}, in_school(&SchoolDirectory::pupils, r.school_id, r.id),
                r.etag);
        }
        for (const Ladder& r : applied.ladders) {
          tally(ImportKind::kLadder, {r.school_id, r.id}, in_school(&SchoolDirectory::ladders, r.school_id, r.id),
                r.etag);
        }
        for (const RoutingMatrix& m : applied.routing_matrices) {
          const SchoolDirectory* sd = s.FindSchool(m.school_id);
          tally(ImportKind::kRoutingMatrix, {m.school_id, ""}, sd ? &sd->routing_matrix.etag : nullptr, m.etag);
        }
        for (const Guardian& g : applied.guardians) {
          const Guardian* before = s.FindGuardian(g.id);
          tally(ImportKind::kGuardian, {"", g.id}, before ? &before->etag : nullptr, g.etag);
        }
        // The report must be what the store did, record for record; anything else is a bug and
        // the transaction is not kept.
        ApplyCounts planned;
        for (const auto& [kind, k] : result.changes) {
          if (kind == ImportKind::kRoutingRule) continue;  // parts of a matrix, not records
          planned.created += static_cast<int>(k.created.size());
          planned.updated += static_cast<int>(k.changed.size());
          planned.deleted += static_cast<int>(k.deleted.size());
          planned.unchanged += k.unchanged;
        }
        if (planned.created != counts.created || planned.updated != counts.updated ||
            planned.deleted != counts.deleted || planned.unchanged != counts.unchanged) {
          return Internal(reason::kInternal, absl::StrCat("import plan and store disagree: planned ", planned.created,
                                                          "/", planned.updated, "/", planned.deleted, "/",
                                                          planned.unchanged, ", stored ", counts.created, "/",
                                                          counts.updated, "/", counts.deleted, "/", counts.unchanged));
        }
        result.counts = counts;
        report(ImportPhase::kApplying, 1, 1);
        return encode(result);
      },
      options.validate_only);
}

namespace {

struct KindWords {
  ImportKind kind;
  const char* one;
  const char* many;
};
constexpr KindWords kKindWords[] = {
    {ImportKind::kTrust, "trust", "trust"},
    {ImportKind::kSchool, "school", "schools"},
    {ImportKind::kStaff, "member of staff", "staff"},
    {ImportKind::kPupil, "pupil", "pupils"},
    {ImportKind::kGuardian, "guardian", "guardians"},
    {ImportKind::kLadder, "ladder", "ladders"},
    {ImportKind::kRoutingMatrix, "routing matrix", "routing matrices"},
    {ImportKind::kRoutingRule, "routing rule", "routing rules"},
};

}  // namespace

int CountDeletions(const ImportResult& result) {
  int n = 0;
  for (const auto& [kind, k] : result.changes) n += static_cast<int>(k.deleted.size());
  return n;
}

std::string DescribeDeletions(const ImportResult& result) {
  std::string out;
  for (const KindWords& w : kKindWords) {
    auto it = result.changes.find(w.kind);
    if (it == result.changes.end() || it->second.deleted.empty()) continue;
    const size_t n = it->second.deleted.size();
    absl::StrAppend(&out, out.empty() ? "" : ", ", n, " ", n == 1 ? w.one : w.many);
  }
  return out;
}

}  // namespace parley::contacts
