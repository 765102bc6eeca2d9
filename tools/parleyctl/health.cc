#include "tools/parleyctl/health.h"

#include <future>
#include <thread>
#include <vector>

#include "absl/strings/str_cat.h"
#include "common/status/grpc_status.h"
#include "grpcpp/client_context.h"
#include "grpcpp/create_channel.h"
#include "grpcpp/generic/generic_stub.h"
#include "grpcpp/security/credentials.h"
#include "grpcpp/support/byte_buffer.h"
#include "grpcpp/support/channel_arguments.h"
#include "grpcpp/support/stub_options.h"

namespace parley::ctl {
namespace {

constexpr char kCheckMethod[] = "/grpc.health.v1.Health/Check";

bool ReadVarint(const std::string& bytes, size_t* pos, uint64_t* value) {
  *value = 0;
  for (int shift = 0; shift < 64; shift += 7) {
    if (*pos >= bytes.size()) return false;
    uint8_t b = static_cast<uint8_t>(bytes[(*pos)++]);
    *value |= static_cast<uint64_t>(b & 0x7f) << shift;
    if ((b & 0x80) == 0) return true;
  }
  return false;
}

void WriteVarint(uint64_t value, std::string* out) {
  while (value >= 0x80) {
    out->push_back(static_cast<char>((value & 0x7f) | 0x80));
    value >>= 7;
  }
  out->push_back(static_cast<char>(value));
}

std::string StatusName(int status) {
  switch (status) {
    case 0:
      return "UNKNOWN";
    case 1:
      return "SERVING";
    case 2:
      return "NOT_SERVING";
    case 3:
      return "SERVICE_UNKNOWN";
    default:
      return absl::StrCat(status);
  }
}

}  // namespace

std::string EncodeHealthCheckRequest(const std::string& service) {
  std::string out;
  if (service.empty()) return out;                 // proto3 leaves a default string off the wire
  out.push_back(static_cast<char>((1 << 3) | 2));  // field 1, length-delimited
  WriteVarint(service.size(), &out);
  out.append(service);
  return out;
}

std::optional<int> DecodeHealthCheckStatus(const std::string& bytes) {
  int status = 0;
  size_t pos = 0;
  while (pos < bytes.size()) {
    uint64_t key = 0;
    if (!ReadVarint(bytes, &pos, &key)) return std::nullopt;
    const uint64_t field = key >> 3;
    const int wire_type = static_cast<int>(key & 7);
    uint64_t value = 0;
    switch (wire_type) {
      case 0:
        if (!ReadVarint(bytes, &pos, &value)) return std::nullopt;
        if (field == 1) status = static_cast<int>(value);
        break;
      case 1:
        if (bytes.size() - pos < 8) return std::nullopt;
        pos += 8;
        break;
      case 2:
        if (!ReadVarint(bytes, &pos, &value) || bytes.size() - pos < value) return std::nullopt;
        pos += value;
        break;
      case 5:
        if (bytes.size() - pos < 4) return std::nullopt;
        pos += 4;
        break;
      default:
        return std::nullopt;
    }
  }
  return status;
}

absl::Status CheckHealth(const std::shared_ptr<grpc::Channel>& channel, absl::Duration timeout) {
  grpc::GenericStub stub(channel);
  grpc::ClientContext ctx;
  ctx.set_deadline(absl::ToChronoTime(absl::Now() + timeout));
  grpc::Slice slice(EncodeHealthCheckRequest(""));
  grpc::ByteBuffer request(&slice, 1);
  grpc::ByteBuffer response;
  std::promise<grpc::Status> done;
  stub.UnaryCall(&ctx, kCheckMethod, grpc::StubOptions(), &request, &response,
                 [&done](grpc::Status status) { done.set_value(std::move(status)); });
  grpc::Status status = done.get_future().get();
  if (!status.ok()) return FromGrpcStatus(status, &ctx);

  std::vector<grpc::Slice> slices;
  if (!response.Dump(&slices).ok()) return absl::InternalError("unreadable health response");
  std::string bytes;
  for (const grpc::Slice& s : slices) bytes.append(reinterpret_cast<const char*>(s.begin()), s.size());
  std::optional<int> serving = DecodeHealthCheckStatus(bytes);
  if (!serving.has_value()) return absl::InternalError("malformed health response");
  if (*serving != kHealthServing) return absl::UnavailableError(absl::StrCat("health: ", StatusName(*serving)));
  return absl::OkStatus();
}

absl::Status WaitForServing(const std::string& target, absl::Duration timeout,
                            std::shared_ptr<grpc::ChannelCredentials> credentials) {
  // gRPC's default reconnect backoff grows to minutes; a waiting script wants to notice the server
  // within a fraction of a second of it starting.
  grpc::ChannelArguments args;
  args.SetInt(GRPC_ARG_INITIAL_RECONNECT_BACKOFF_MS, 100);
  args.SetInt(GRPC_ARG_MIN_RECONNECT_BACKOFF_MS, 100);
  args.SetInt(GRPC_ARG_MAX_RECONNECT_BACKOFF_MS, 500);
  if (credentials == nullptr) credentials = grpc::InsecureChannelCredentials();
  std::shared_ptr<grpc::Channel> channel = grpc::CreateCustomChannel(target, credentials, args);

  const absl::Time give_up = absl::Now() + timeout;
  const absl::Duration kPollEvery = absl::Milliseconds(200);
  absl::Status last = absl::UnavailableError("not checked");
  while (true) {
    const absl::Duration left = give_up - absl::Now();
    if (left <= absl::ZeroDuration()) break;
    last = CheckHealth(channel, std::min(left, absl::Seconds(2)));
    if (last.ok()) return last;
    const absl::Duration pause = std::min(kPollEvery, give_up - absl::Now());
    if (pause > absl::ZeroDuration()) std::this_thread::sleep_for(absl::ToChronoNanoseconds(pause));
  }
  return absl::DeadlineExceededError(absl::StrCat(target, " not serving after ", absl::FormatDuration(timeout),
                                                  " (last: ", absl::StatusCodeToString(last.code()), ": ",
                                                  last.message(), ")"));
}

}  // namespace parley::ctl
