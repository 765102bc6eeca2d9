// Directory over the contacts service's gRPC API, with the service's own identity and a deadline
// on every call. Answers are cached so the gate's hot path rarely leaves the process: guardians
// for `guardian_ttl` (a guardian linked to a new school is seen within that time), "no such
// guardian" for a tenth of it, schools, staff and heads for `school_ttl`.
#pragma once

#include <map>
#include <memory>
#include <string>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"
#include "common/auth/signer.h"
#include "common/clock/clock.h"
#include "parley/contacts/v1/contacts_service.grpc.pb.h"
#include "services/conduct/domain/directory.h"

namespace parley::conduct {

struct ContactsDirectoryOptions {
  absl::Duration call_timeout = absl::Seconds(2);
  absl::Duration guardian_ttl = absl::Seconds(60);
  absl::Duration school_ttl = absl::Minutes(5);
  // Staff roles that make someone the head, in order of preference.
  std::vector<std::string> head_roles = {"headteacher", "principal", "head_of_school"};
};

class ContactsDirectory final : public Directory {
 public:
  ContactsDirectory(std::shared_ptr<grpc::Channel> channel, const auth::ServiceIdentity* identity, const Clock* clock,
                    ContactsDirectoryOptions options = {});

  absl::StatusOr<GuardianInfo> GetGuardian(const std::string& guardian) override;
  absl::StatusOr<SchoolInfo> GetSchool(const std::string& school_id) override;
  absl::Status CheckStaff(const std::string& staff) override;
  absl::StatusOr<std::string> HeadOf(const std::string& school_id) override;
  absl::StatusOr<absl::Time> NextWorkingTime(const std::string& school_id, const std::string& staff,
                                             absl::Time at) override;

 private:
  template <typename T>
  struct Entry {
    absl::StatusOr<T> value;
    absl::Time expires;
  };
  template <typename T>
  using Cache = std::map<std::string, Entry<T>>;

  // Looks `key` up in `cache`, or fetches, stores (for `ttl`, or `ttl/10` for NOT_FOUND) and
  // returns it. Other errors (the peer down) are not cached.
  template <typename T, typename Fetch>
  absl::StatusOr<T> Cached(Cache<T>& cache, const std::string& key, absl::Duration ttl, Fetch fetch);

  std::unique_ptr<parley::contacts::v1::ContactsService::Stub> stub_;
  const auth::ServiceIdentity* const identity_;
  const Clock* const clock_;
  const ContactsDirectoryOptions options_;

  absl::Mutex mu_;
  Cache<GuardianInfo> guardians_ ABSL_GUARDED_BY(mu_);
  Cache<SchoolInfo> schools_ ABSL_GUARDED_BY(mu_);
  Cache<bool> staff_ ABSL_GUARDED_BY(mu_);
  Cache<std::string> heads_ ABSL_GUARDED_BY(mu_);
};

}  // namespace parley::conduct
