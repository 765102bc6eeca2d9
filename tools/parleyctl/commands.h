// parleyctl's commands against the contacts service. main.cc parses the command line into these
// option structs and calls one method; everything else (tokens, deadlines on every call,
// pagination, output) happens here.
//
// Every method returns OK, a usage error (see IsUsageError: a bad argument found before any
// call, exit 2), or the error of the call that failed (exit 1).
#pragma once

#include <iosfwd>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "grpcpp/channel.h"
#include "parley/contacts/v1/contacts_service.grpc.pb.h"

namespace parley::ctl {

namespace v1 = ::parley::contacts::v1;

// A bad argument or missing configuration: INVALID_ARGUMENT, marked so main exits 2.
absl::Status UsageError(const std::string& message);
bool IsUsageError(const absl::Status& status);
// A non-usage error as parleyctl prints it: "error: NOT_FOUND: no school st-marys (reason
// SCHOOL_NOT_FOUND)".
std::string FormatError(const absl::Status& status);

struct GlobalOptions {
  std::string addr = "127.0.0.1:50051";
  std::string token;        // used as is when set
  std::string signing_key;  // else tokens are minted with this ES256 key
  std::string issuer = "parley-local";
  std::string audience = "parley";
  std::vector<std::string> as_roles = {"trust_admin"};
  std::vector<std::string> as_schools;  // empty: trust-wide
  bool json = false;
  // Per call; commands that move a whole directory default to longer.
  std::optional<absl::Duration> timeout;
};

// Reads a protobuf-JSON TrustDirectory. Unknown fields are an error naming the field.
absl::StatusOr<v1::TrustDirectory> ParseTrustDirectoryJson(const std::string& json, const std::string& source);

class Ctl {
 public:
  // `channel` may be null for commands that make no calls (token).
  Ctl(GlobalOptions options, std::shared_ptr<grpc::Channel> channel, std::ostream& out, std::ostream& err);
  ~Ctl();

  absl::Status Token(const std::vector<std::string>& roles, const std::vector<std::string>& schools,
                     absl::Duration ttl);

  absl::Status SchoolsList();
  absl::Status SchoolsShow(const std::string& school);

  absl::Status StaffList(const std::string& school, const std::string& role);

  struct PupilsListOptions {
    std::string school;
    std::string class_name;
    int page_size = 0;  // 0: every page
    std::string page_token;
    bool ids_only = false;
  };
  absl::Status PupilsList(const PupilsListOptions& opts);

  // Exactly one of school and pupil; a bare pupil id needs the school too.
  absl::Status GuardiansList(const std::string& school, const std::string& pupil);

  struct RouteOptions {
    std::string school;
    std::string pupil;
    std::string category;
    std::string channel;
    std::string subject;
  };
  absl::Status Route(const RouteOptions& opts);

  struct LadderOptions {
    std::string school;
    std::string pupil;
    std::string category;
    std::string subject;
  };
  absl::Status Ladder(const LadderOptions& opts);

  struct DeadlineOptions {
    std::string school;
    std::string channel;
    std::string stage;
    std::string received;
    std::string owner;
    std::vector<std::string> pauses;
    bool safeguarding = false;
    std::string category;
    bool explain = false;
  };
  absl::Status Deadline(const DeadlineOptions& opts);

  absl::Status Import(const std::string& file, bool validate_only, bool progress_is_tty);
  // To `file`, or stdout when empty.
  absl::Status Export(const std::string& file);

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace parley::ctl
