#include "services/conduct/clients/contacts_directory.h"

#include <algorithm>
#include <utility>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "common/grpc/client.h"
#include "common/grpc/timestamp.h"
#include "common/status/reason.h"
#include "common/status/status_macros.h"

namespace parley::conduct {
namespace v1 = parley::contacts::v1;
namespace {

// "schools/{school}/pupils/{id}" → school.
std::string SchoolOfPupil(const std::string& pupil) {
  std::vector<std::string> parts = absl::StrSplit(pupil, '/');
  return parts.size() == 4 && parts[0] == "schools" ? parts[1] : std::string();
}

}  // namespace

ContactsDirectory::ContactsDirectory(std::shared_ptr<grpc::Channel> channel, const auth::ServiceIdentity* identity,
                                     const Clock* clock, ContactsDirectoryOptions options)
    : stub_(v1::ContactsService::NewStub(std::move(channel))),
      identity_(identity),
      clock_(clock),
      options_(std::move(options)) {}

template <typename T, typename Fetch>
absl::StatusOr<T> ContactsDirectory::Cached(Cache<T>& cache, const std::string& key, absl::Duration ttl, Fetch fetch) {
  const absl::Time now = clock_->Now();
  {
    absl::ReaderMutexLock lock(&mu_);
    auto it = cache.find(key);
    if (it != cache.end() && it->second.expires > now) return it->second.value;
  }
  absl::StatusOr<T> value = fetch();
  if (value.ok() || absl::IsNotFound(value.status())) {
    absl::MutexLock lock(&mu_);
    if (cache.size() > 100000) cache.clear();  // a bound, never reached by a real trust
    cache[key] = Entry<T>{value, now + (value.ok() ? ttl : ttl / 10)};
  }
  return value;
}

absl::StatusOr<GuardianInfo> ContactsDirectory::GetGuardian(const std::string& guardian) {
  return Cached(guardians_, guardian, options_.guardian_ttl, [&]() -> absl::StatusOr<GuardianInfo> {
    client::CallOptions call;
    call.timeout = options_.call_timeout;
    call.idempotent = true;
    call.bearer_token = identity_->Token();
    v1::GetGuardianRequest req;
    req.set_name(guardian);
    v1::Guardian g;
    absl::Status s = client::Call(call, [&](grpc::ClientContext& ctx) { return stub_->GetGuardian(&ctx, req, &g); });
    if (absl::IsNotFound(s)) return NotFound("GUARDIAN_NOT_FOUND", absl::StrCat("no guardian ", guardian));
    PARLEY_RETURN_IF_ERROR(s);
    GuardianInfo info;
    info.name = g.name();
    for (const v1::PupilLink& link : g.pupils()) {
      info.pupils.push_back(link.pupil());
      const std::string school = SchoolOfPupil(link.pupil());
      if (!school.empty() &&
          std::find(info.school_ids.begin(), info.school_ids.end(), school) == info.school_ids.end()) {
        info.school_ids.push_back(school);
      }
    }
    return info;
  });
}

absl::StatusOr<SchoolInfo> ContactsDirectory::GetSchool(const std::string& school_id) {
  return Cached(schools_, school_id, options_.school_ttl, [&]() -> absl::StatusOr<SchoolInfo> {
    client::CallOptions call;
    call.timeout = options_.call_timeout;
    call.idempotent = true;
    call.bearer_token = identity_->Token();
    v1::GetSchoolRequest req;
    req.set_name(absl::StrCat("schools/", school_id));
    v1::School school;
    absl::Status s = client::Call(call, [&](grpc::ClientContext& ctx) { return stub_->GetSchool(&ctx, req, &school); });
    if (absl::IsNotFound(s)) return NotFound("SCHOOL_NOT_FOUND", absl::StrCat("no school ", school_id));
    PARLEY_RETURN_IF_ERROR(s);
    SchoolInfo info;
    info.id = school_id;
    const std::string zone = school.calendar().time_zone().empty() ? "Europe/London" : school.calendar().time_zone();
    if (!absl::LoadTimeZone(zone, &info.zone)) {
      return FailedPrecondition("SCHOOL_TIME_ZONE", absl::StrCat("school ", school_id, " has an unknown time zone"));
    }
    return info;
  });
}

absl::Status ContactsDirectory::CheckStaff(const std::string& staff) {
  absl::StatusOr<bool> found = Cached(staff_, staff, options_.school_ttl, [&]() -> absl::StatusOr<bool> {
    client::CallOptions call;
    call.timeout = options_.call_timeout;
    call.idempotent = true;
    call.bearer_token = identity_->Token();
    v1::GetStaffRequest req;
    req.set_name(staff);
    v1::Staff member;
    absl::Status s = client::Call(call, [&](grpc::ClientContext& ctx) { return stub_->GetStaff(&ctx, req, &member); });
    if (absl::IsNotFound(s) || absl::IsInvalidArgument(s)) {
      return NotFound("STAFF_NOT_FOUND", absl::StrCat("no staff member ", staff));
    }
    PARLEY_RETURN_IF_ERROR(s);
    return true;
  });
  return found.status();
}

absl::StatusOr<std::string> ContactsDirectory::HeadOf(const std::string& school_id) {
  return Cached(heads_, school_id, options_.school_ttl, [&]() -> absl::StatusOr<std::string> {
    for (const std::string& role : options_.head_roles) {
      client::CallOptions call;
      call.timeout = options_.call_timeout;
      call.idempotent = true;
      call.bearer_token = identity_->Token();
      v1::ListStaffRequest req;
      req.set_parent(absl::StrCat("schools/", school_id));
      req.set_role(role);
      req.set_page_size(1);
      v1::ListStaffResponse resp;
      PARLEY_RETURN_IF_ERROR(
          client::Call(call, [&](grpc::ClientContext& ctx) { return stub_->ListStaff(&ctx, req, &resp); }));
      if (resp.staff_size() > 0) return resp.staff(0).name();
    }
    return FailedPrecondition("NO_HEAD", absl::StrCat("school ", school_id, " has no staff member with a head's role"));
  });
}

absl::StatusOr<absl::Time> ContactsDirectory::NextWorkingTime(const std::string& school_id, const std::string& staff,
                                                              absl::Time at) {
  // The clock start of a deadline received at `at` with the staff member as owner is exactly the
  // first instant inside their working periods.
  client::CallOptions call;
  call.timeout = options_.call_timeout;
  call.idempotent = true;
  call.bearer_token = identity_->Token();
  v1::ComputeDeadlineRequest req;
  req.set_school(absl::StrCat("schools/", school_id));
  req.set_channel(v1::CHANNEL_EMAIL);
  req.set_stage(v1::STAGE_ACKNOWLEDGE);
  *req.mutable_received_time() = ToTimestamp(at);
  req.set_owner(staff);
  v1::ComputeDeadlineResponse resp;
  PARLEY_RETURN_IF_ERROR(
      client::Call(call, [&](grpc::ClientContext& ctx) { return stub_->ComputeDeadline(&ctx, req, &resp); }));
  return FromTimestamp(resp.clock_start_time());
}

}  // namespace parley::conduct
