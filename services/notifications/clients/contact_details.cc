#include "services/notifications/clients/contact_details.h"

#include <algorithm>
#include <utility>

#include "absl/strings/str_split.h"
#include "common/grpc/client.h"
#include "common/status/status_macros.h"

namespace parley::notifications {
namespace cv1 = parley::contacts::v1;

namespace {
constexpr size_t kBatch = 500;  // contacts' limit per call
}

GrpcContactDetails::GrpcContactDetails(std::shared_ptr<grpc::Channel> channel, const auth::ServiceIdentity* identity,
                                       absl::Duration timeout)
    : stub_(cv1::ContactsService::NewStub(std::move(channel))), identity_(identity), timeout_(timeout) {}

absl::StatusOr<std::map<std::string, PersonDetails>> GrpcContactDetails::Lookup(const std::vector<std::string>& names) {
  std::map<std::string, PersonDetails> out;
  for (size_t start = 0; start < names.size(); start += kBatch) {
    cv1::BatchGetContactDetailsRequest req;
    for (size_t i = start; i < std::min(names.size(), start + kBatch); ++i) req.add_names(names[i]);
    cv1::BatchGetContactDetailsResponse resp;
    client::CallOptions call;
    call.timeout = timeout_;
    call.idempotent = true;  // a read
    call.bearer_token = identity_->Token();
    PARLEY_RETURN_IF_ERROR(
        client::Call(call, [&](grpc::ClientContext& ctx) { return stub_->BatchGetContactDetails(&ctx, req, &resp); }));
    for (const cv1::ContactDetails& d : resp.details()) {
      PersonDetails p;
      p.display_name = d.display_name();
      p.email = d.email();
      p.year_group = d.year_group();
      p.class_name = d.class_name();
      for (const cv1::ContactPoint& cp : d.contact_points()) {
        switch (cp.kind()) {
          case cv1::CONTACT_KIND_EMAIL:
            if (p.email.empty()) p.email = cp.value();
            break;
          case cv1::CONTACT_KIND_MOBILE:
            if (p.mobile.empty()) p.mobile = cp.value();
            break;
          case cv1::CONTACT_KIND_APP:
            if (p.app.empty()) p.app = cp.value();
            break;
          case cv1::CONTACT_KIND_POSTAL:
            if (p.postal_address.empty()) {
              // Postal addresses are stored one line per comma or newline.
              for (absl::string_view line :
                   absl::StrSplit(cp.value(), absl::ByAnyChar(",\n"), absl::SkipWhitespace())) {
                p.postal_address.emplace_back(absl::StripAsciiWhitespace(line));
              }
            }
            break;
          default:
            break;
        }
      }
      out[d.name()] = std::move(p);
    }
  }
  return out;
}

}  // namespace parley::notifications
