#include "common/directory/grpc_feed.h"

#include <utility>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "common/grpc/client.h"
#include "common/status/grpc_status.h"
#include "common/status/reason.h"
#include "common/status/status_macros.h"

namespace parley::directory {
namespace kv1 = parley::contacts::v1;
namespace {

constexpr absl::string_view kSchoolsPrefix = "schools/";

absl::StatusOr<std::string> SchoolIdOf(const std::string& name) {
  if (!absl::StartsWith(name, kSchoolsPrefix) || name.size() == kSchoolsPrefix.size()) {
    return absl::InternalError(absl::StrCat("contacts sent a slice version without a school name"));
  }
  return name.substr(kSchoolsPrefix.size());
}

class GrpcWatch final : public SliceFeed::Watch {
 public:
  GrpcWatch(kv1::ContactsService::Stub* stub, const std::string& token, absl::Duration heartbeat,
            absl::Duration rotate_after) {
    context_.AddMetadata("authorization", absl::StrCat("Bearer ", token));
    context_.set_deadline(absl::ToChronoTime(absl::Now() + rotate_after));
    kv1::WatchDirectoryRequest request;
    request.set_heartbeat_seconds(static_cast<int32_t>(absl::ToInt64Seconds(heartbeat)));
    reader_ = stub->WatchDirectory(&context_, request);
  }
  ~GrpcWatch() override {
    context_.TryCancel();
    if (!finished_) reader_->Finish().ok();
  }

  absl::StatusOr<DirectoryVersions> Next() override {
    kv1::DirectoryVersions message;
    if (!reader_->Read(&message)) {
      finished_ = true;
      const grpc::Status status = reader_->Finish();
      // The planned rotation ends the stream with DEADLINE_EXCEEDED; say so plainly.
      if (status.error_code() == grpc::StatusCode::DEADLINE_EXCEEDED) {
        return absl::DeadlineExceededError("watch rotated");
      }
      if (status.ok()) return absl::UnavailableError("contacts ended the watch");
      return FromGrpcStatus(status, &context_);
    }
    DirectoryVersions versions;
    versions.directory_version = message.directory_version();
    versions.schools.reserve(message.schools_size());
    for (const kv1::SliceVersion& s : message.schools()) {
      PARLEY_ASSIGN_OR_RETURN(std::string school_id, SchoolIdOf(s.school()));
      versions.schools.push_back(SliceVersion{std::move(school_id), s.slice_version()});
    }
    return versions;
  }

  void Cancel() override { context_.TryCancel(); }

 private:
  grpc::ClientContext context_;
  std::unique_ptr<grpc::ClientReader<kv1::DirectoryVersions>> reader_;
  bool finished_ = false;
};

}  // namespace

GrpcSliceFeed::GrpcSliceFeed(std::shared_ptr<grpc::Channel> channel, const auth::ServiceIdentity* identity,
                             absl::Duration heartbeat, absl::Duration fetch_timeout, absl::Duration rotate_after)
    : stub_(kv1::ContactsService::NewStub(std::move(channel))),
      identity_(identity),
      heartbeat_(heartbeat),
      fetch_timeout_(fetch_timeout),
      rotate_after_(rotate_after) {}

absl::StatusOr<std::unique_ptr<SliceFeed::Watch>> GrpcSliceFeed::OpenWatch() {
  return std::unique_ptr<SliceFeed::Watch>(
      std::make_unique<GrpcWatch>(stub_.get(), identity_->Token(), heartbeat_, rotate_after_));
}

absl::StatusOr<FetchedSlice> GrpcSliceFeed::Fetch(const std::string& school_id) {
  kv1::GetDirectorySliceRequest request;
  request.set_school(absl::StrCat(kSchoolsPrefix, school_id));
  kv1::DirectorySlice response;
  client::CallOptions options;
  options.timeout = fetch_timeout_;
  options.idempotent = true;
  options.bearer_token = identity_->Token();
  PARLEY_RETURN_IF_ERROR(client::Call(
      options, [&](grpc::ClientContext& ctx) { return stub_->GetDirectorySlice(&ctx, request, &response); }));
  if (response.encoding() != kSliceEncoding) {
    return absl::InternalError(absl::StrCat("contacts sent a slice encoded as \"", response.encoding(),
                                            "\"; this build reads ", kSliceEncoding));
  }
  FetchedSlice fetched;
  fetched.directory_version = response.directory_version();
  fetched.slice.school_id = school_id;
  fetched.slice.fingerprint = response.slice_version();
  fetched.slice.payload = std::move(*response.mutable_payload());
  return fetched;
}

}  // namespace parley::directory
