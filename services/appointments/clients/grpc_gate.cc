#include "services/appointments/clients/grpc_gate.h"

#include <utility>

#include "absl/strings/str_cat.h"
#include "common/grpc/client.h"
#include "common/grpc/timestamp.h"
#include "common/status/status_macros.h"

namespace parley::appointments {

namespace cv1 = parley::conduct::v1;

namespace {

// The channel conduct judges a meeting by is how it is held.
cv1::Channel ChannelOf(Mode mode) {
  switch (mode) {
    case Mode::kPhone:
      return cv1::CHANNEL_PHONE;
    case Mode::kVideo:
      return cv1::CHANNEL_VIDEO_CALL;
    case Mode::kInPerson:
      break;
  }
  return cv1::CHANNEL_IN_PERSON;
}

}  // namespace

ConductGate::ConductGate(std::shared_ptr<grpc::Channel> channel, const auth::ServiceIdentity* identity,
                         absl::Duration timeout)
    : stub_(cv1::ConductService::NewStub(std::move(channel))), identity_(identity), timeout_(timeout) {}

absl::StatusOr<MeetingGate> ConductGate::CheckMeeting(const MeetingGateQuestion& q) {
  cv1::CheckCommunicationRequest req;
  req.set_school(absl::StrCat("schools/", q.school_id));
  req.set_guardian(absl::StrCat("guardians/", q.guardian_id));
  req.set_channel(ChannelOf(q.mode));
  *req.mutable_time() = ToTimestamp(q.at);
  req.set_purpose(cv1::PURPOSE_MEETING);
  if (!q.staff_id.empty()) req.set_addressed_to(absl::StrCat("schools/", q.school_id, "/staff/", q.staff_id));
  req.set_school_event(q.school_event);
  req.set_request_id(q.request_id);
  cv1::Decision d;
  client::CallOptions call;
  call.timeout = timeout_;
  // The gate keeps one decision per caller and request id: a keyed check may be retried.
  call.idempotent = !q.request_id.empty();
  call.bearer_token = identity_->Token();
  PARLEY_RETURN_IF_ERROR(
      client::Call(call, [&](grpc::ClientContext& ctx) { return stub_->CheckCommunication(&ctx, req, &d); }));
  MeetingGate g;
  switch (d.outcome()) {
    case cv1::OUTCOME_DEFER:
      g.outcome = MeetingGate::Outcome::kDefer;
      break;
    case cv1::OUTCOME_REDIRECT:
      g.outcome = MeetingGate::Outcome::kRedirect;
      break;
    default:  // ALLOW; NO_RESPONSE_REQUIRED is for inbound messages only
      g.outcome = MeetingGate::Outcome::kAllow;
      break;
  }
  for (int r : d.requirements()) {
    switch (static_cast<cv1::MeetingRequirement>(r)) {
      case cv1::MEETING_REQUIREMENT_SECOND_STAFF:
        g.requires_second_staff = true;
        break;
      case cv1::MEETING_REQUIREMENT_HEAD_INFORMED:
        g.head_informed = true;
        break;
      case cv1::MEETING_REQUIREMENT_OFF_SITE_ONLY:
        g.off_site_only = true;
        break;
      default:
        break;
    }
  }
  g.decision = d.name();
  if (d.has_next_allowed_time()) g.next_allowed_time = FromTimestamp(d.next_allowed_time());
  g.point_of_contact = d.point_of_contact();
  g.explanation = d.explanation();
  return g;
}

}  // namespace parley::appointments
