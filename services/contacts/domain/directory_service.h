// The contacts domain: serves the directory from an in-memory snapshot and applies every change
// through the store in one transaction, validated against the snapshot it was planned on.
//
// Writes take a RequestKey (request-id replay) and an encoder that turns the result into the
// bytes the API returns, so a retried request gets exactly the first response back. The domain
// never sees protobuf: the encoder is supplied by the API layer.
#pragma once

#include <atomic>
#include <functional>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/status/statusor.h"
#include "absl/synchronization/mutex.h"
#include "absl/synchronization/notification.h"
#include "absl/time/time.h"
#include "services/contacts/domain/directory_store.h"
#include "services/contacts/domain/import_plan.h"
#include "services/contacts/domain/model.h"
#include "services/contacts/domain/validation.h"

namespace parley::contacts {

template <typename T>
using Encoder = std::function<absl::StatusOr<std::string>(const T&)>;
template <typename T>
using Updater = std::function<absl::StatusOr<T>(const T& current)>;

enum class ImportPhase { kValidating, kApplying };
using ImportProgress = std::function<void(ImportPhase phase, int64_t done, int64_t total)>;

class DirectoryService {
 public:
  DirectoryService(DirectoryStore* store, DirectoryLimits limits = {});
  ~DirectoryService();

  // Loads the first snapshot. UNAVAILABLE when the store is down.
  absl::Status Start();
  // Reloads when the stored version differs from the snapshot's. Other replicas' writes become
  // visible here within one refresh interval.
  absl::Status RefreshIfStale();
  void StartRefresher(absl::Duration interval);
  void StopRefresher();

  std::shared_ptr<const Snapshot> snapshot() const;
  // The snapshot once its version is not `version` any more, or the current one after `timeout`:
  // how WatchDirectory learns of a change (a write here, or another replica's write loaded by
  // the refresher) without polling.
  std::shared_ptr<const Snapshot> AwaitChange(int64_t version, absl::Duration timeout) const;

  absl::StatusOr<std::string> UpdateTrust(const RequestKey& key, const Updater<Trust>& update,
                                          const Encoder<Trust>& encode);

  // The school with an empty routing matrix, validated exactly as UpdateSchool validates it.
  absl::StatusOr<std::string> CreateSchool(const RequestKey& key, School school, const Encoder<School>& encode);
  absl::StatusOr<std::string> UpdateSchool(const RequestKey& key, const std::string& school_id, const std::string& etag,
                                           const Updater<School>& update, const Encoder<School>& encode);
  // Removes a school with its routing matrix and ladders. FAILED_PRECONDITION (STILL_REFERENCED)
  // while it has staff, pupils or guardians linked to its pupils: those are people's records, and
  // they are removed (or moved) one by one first, never as a side effect.
  absl::StatusOr<std::string> DeleteSchool(const RequestKey& key, const std::string& school_id, const std::string& etag,
                                           const std::string& empty_response);

  // Records that live inside one school: T is Staff, Pupil or Ladder (instantiated for those in
  // directory_service.cc). Create refuses an id already taken (ALREADY_EXISTS); Update applies
  // `update` to the current record; Delete is FAILED_PRECONDITION (STILL_REFERENCED) while
  // anything in the school still names the record, except that deleting a pupil unlinks it from
  // its guardians (a guardian left with no pupil is removed). An etag, when set, must match.
  template <typename T>
  absl::StatusOr<std::string> Create(const RequestKey& key, T record, const Encoder<T>& encode);
  template <typename T>
  absl::StatusOr<std::string> Update(const RequestKey& key, const SchoolScopedId& id, const std::string& etag,
                                     const Updater<T>& update, const Encoder<T>& encode);
  template <typename T>
  absl::StatusOr<std::string> Delete(const RequestKey& key, const SchoolScopedId& id, const std::string& etag,
                                     const std::string& empty_response);

  absl::StatusOr<std::string> CreateGuardian(const RequestKey& key, Guardian guardian, const Encoder<Guardian>& encode);
  absl::StatusOr<std::string> UpdateGuardian(const RequestKey& key, const std::string& id, const std::string& etag,
                                             const Updater<Guardian>& update, const Encoder<Guardian>& encode);
  absl::StatusOr<std::string> DeleteGuardian(const RequestKey& key, const std::string& id, const std::string& etag,
                                             const std::string& empty_response);

  absl::StatusOr<std::string> UpdateRoutingMatrix(const RequestKey& key, RoutingMatrix matrix,
                                                  const Encoder<RoutingMatrix>& encode);

  // The document is the desired state of the schools it holds (see the API comment): their staff,
  // pupils and ladders missing from it, and the categories missing from their routing matrices,
  // are deleted. Guardians in the document are written; guardians linked only to pupils of those
  // schools and missing from the document are deleted. A school missing from the document, and
  // every guardian linked to one, is left as it is: a partial document never deletes a school.
  // Any deletion needs options.allow_deletions (see ImportOptions).
  absl::StatusOr<std::string> Import(const RequestKey& key, Directory document, const ImportOptions& options,
                                     const ImportProgress& progress, const Encoder<ImportResult>& encode);
  // Import with options {validate_only}: deletions refused.
  absl::StatusOr<std::string> Import(const RequestKey& key, Directory document, bool validate_only,
                                     const ImportProgress& progress, const Encoder<ImportResult>& encode);

 private:
  using Plan = std::function<absl::StatusOr<ChangeSet>(const Snapshot&)>;
  using Respond = std::function<absl::StatusOr<std::string>(const ChangeSet&, const ApplyCounts&)>;

  absl::StatusOr<std::string> Write(const RequestKey& key, const Plan& plan, const Respond& respond,
                                    bool dry_run = false);
  absl::Status Reload();
  void RefreshLoop(absl::Duration interval);

  DirectoryStore* store_;
  DirectoryLimits limits_;
  mutable absl::Mutex mu_;
  std::shared_ptr<const Snapshot> snapshot_ ABSL_GUARDED_BY(mu_);
  absl::Mutex reload_mu_;  // one reload at a time
  std::unique_ptr<absl::Notification> stop_refresher_;
  std::thread refresher_;
};

}  // namespace parley::contacts
