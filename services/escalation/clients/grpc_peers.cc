#include "services/escalation/clients/grpc_peers.h"

#include <utility>

#include "absl/strings/str_cat.h"
#include "common/grpc/client.h"
#include "common/grpc/timestamp.h"
#include "common/status/status_macros.h"

namespace parley::escalation {
namespace cv1 = parley::conduct::v1;
namespace {

client::CallOptions Options(const auth::ServiceIdentity* identity, absl::Duration timeout, bool idempotent) {
  client::CallOptions call;
  call.timeout = timeout;
  call.idempotent = idempotent;
  call.bearer_token = identity->Token();
  return call;
}

}  // namespace

ConductGate::ConductGate(std::shared_ptr<grpc::Channel> channel, const auth::ServiceIdentity* identity,
                         absl::Duration timeout)
    : stub_(cv1::ConductService::NewStub(std::move(channel))), identity_(identity), timeout_(timeout) {}

absl::StatusOr<GateAnswer> ConductGate::Check(const GateQuestion& q) {
  cv1::CheckCommunicationRequest req;
  req.set_school(absl::StrCat("schools/", q.school_id));
  req.set_guardian(q.guardian);
  req.set_channel(static_cast<cv1::Channel>(q.channel));
  *req.mutable_time() = ToTimestamp(q.at);
  req.set_purpose(cv1::PURPOSE_INBOUND_MESSAGE);
  req.set_safeguarding(q.safeguarding);
  req.set_request_id(q.request_id);
  cv1::Decision d;
  // The gate keeps one decision per caller and request id, so a check with the intake's request id
  // may be retried; one without (none is sent only by callers outside intake) is not.
  PARLEY_RETURN_IF_ERROR(
      client::Call(Options(identity_, timeout_, /*idempotent=*/!q.request_id.empty()),
                   [&](grpc::ClientContext& ctx) { return stub_->CheckCommunication(&ctx, req, &d); }));
  GateAnswer a;
  a.outcome = static_cast<GateAnswer::Outcome>(d.outcome());
  a.decision = d.name();
  if (d.has_next_allowed_time()) a.next_allowed_time = FromTimestamp(d.next_allowed_time());
  a.explanation = d.explanation();
  a.arrangement = d.arrangement();
  a.arrangement_version = d.arrangement_version();
  a.premises_ban = d.premises_ban();
  a.premises_ban_version = d.premises_ban_version();
  if (d.has_decide_time()) a.decided_at = FromTimestamp(d.decide_time());
  return a;
}

}  // namespace parley::escalation
