// Internal to parleyctl's command files (commands.cc for contacts, conduct_commands.cc for
// conduct): the state behind Ctl and the call machinery both share, so that every command mints
// its token, sets its deadline, retries and prints JSON the same way.
#pragma once

#include <functional>
#include <iosfwd>
#include <map>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "common/auth/auth.h"
#include "common/grpc/client.h"
#include "common/status/status_macros.h"
#include "google/protobuf/message.h"
#include "google/protobuf/timestamp.pb.h"
#include "grpcpp/channel.h"
#include "parley/conduct/v1/conduct_service.grpc.pb.h"
#include "parley/contacts/v1/contacts_service.grpc.pb.h"
#include "tools/parleyctl/commands.h"

namespace parley::ctl {

inline constexpr absl::Duration kDefaultTimeout = absl::Seconds(10);
// Asked for when following every page; servers cap it at what they allow.
inline constexpr int kFollowPageSize = 500;

// Protobuf JSON, re-indented by two; with `print_defaults`, fields at their defaults too.
absl::StatusOr<std::string> ToJson(const google::protobuf::Message& message, bool print_defaults);
absl::StatusOr<std::string> ReadWholeFile(const std::string& path);
void ToProto(absl::Time t, google::protobuf::Timestamp* ts);

// A bad value found while reading the command line becomes a usage error (exit 2).
template <typename T>
absl::StatusOr<T> Usage(absl::StatusOr<T> value) {
  if (value.ok()) return value;
  return UsageError(std::string(value.status().message()));
}

struct Ctl::Impl {
  Impl(GlobalOptions o, std::shared_ptr<grpc::Channel> contacts_channel, std::shared_ptr<grpc::Channel> conduct_channel,
       std::ostream& out_stream, std::ostream& err_stream);

  absl::Duration Timeout(absl::Duration fallback) const { return opts.timeout.value_or(fallback); }

  absl::StatusOr<std::string> Mint(const std::vector<std::string>& roles, const std::vector<std::string>& schools,
                                   absl::Duration ttl) const;
  absl::StatusOr<std::string> BearerToken(absl::Duration call_timeout);

  // One call (with retries of UNAVAILABLE when idempotent), always under a deadline.
  absl::Status Call(absl::Duration default_timeout, bool idempotent,
                    const std::function<grpc::Status(grpc::ClientContext&)>& attempt);

  // Fetches one page, or every page from `page_token` on when `follow`, into `all`.
  template <typename Response>
  absl::Status Pages(bool follow, std::string page_token,
                     const std::function<grpc::Status(grpc::ClientContext&, const std::string&, Response*)>& fetch,
                     Response* all) {
    while (true) {
      Response page;
      PARLEY_RETURN_IF_ERROR(Call(kDefaultTimeout, true, [&](grpc::ClientContext& ctx) {
        page.Clear();
        return fetch(ctx, page_token, &page);
      }));
      all->MergeFrom(page);
      all->set_next_page_token(page.next_page_token());
      if (!follow || page.next_page_token().empty()) return absl::OkStatus();
      if (page.next_page_token() == page_token) return absl::InternalError("the server repeated a page token");
      page_token = page.next_page_token();
    }
  }

  absl::Status PrintJson(const google::protobuf::Message& message);

  absl::StatusOr<contacts::v1::School> GetSchool(const std::string& name);

  // The school's time zone: --zone when given, else the school's calendar zone from contacts
  // (Europe/London when the school names none). Looked up once per school and run.
  absl::StatusOr<absl::TimeZone> SchoolZone(const std::string& school_name);
  // For showing times only: as SchoolZone, but when the lookup fails, a warning on stderr and
  // Europe/London. Every time shown carries its zone abbreviation, so nothing is misread.
  absl::TimeZone DisplayZone(const std::string& school_name);

  GlobalOptions opts;
  std::shared_ptr<grpc::Channel> channel;
  std::unique_ptr<contacts::v1::ContactsService::Stub> stub;
  std::unique_ptr<conduct::v1::ConductService::Stub> conduct;
  std::ostream& out;
  std::ostream& err;
  std::string minted;
  std::map<std::string, absl::TimeZone> zones;
};

}  // namespace parley::ctl
