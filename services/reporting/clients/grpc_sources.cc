#include "services/reporting/clients/grpc_sources.h"

#include <optional>
#include <utility>

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "common/grpc/client.h"
#include "common/grpc/timestamp.h"
#include "common/status/reason.h"
#include "common/status/status_macros.h"
#include "google/protobuf/duration.pb.h"
#include "parley/appointments/v1/appointments_service.grpc.pb.h"
#include "parley/conduct/v1/conduct_service.grpc.pb.h"
#include "parley/escalation/v1/escalation_service.grpc.pb.h"
#include "parley/notifications/v1/notifications_service.grpc.pb.h"

namespace parley::reporting {

namespace esc = ::parley::escalation::v1;
namespace con = ::parley::conduct::v1;
namespace app = ::parley::appointments::v1;
namespace ntf = ::parley::notifications::v1;

struct GrpcFigureSources::Stubs {
  std::unique_ptr<esc::EscalationService::Stub> escalation;
  std::unique_ptr<con::ConductService::Stub> conduct;
  std::unique_ptr<app::AppointmentsService::Stub> appointments;
  std::unique_ptr<ntf::NotificationsService::Stub> notifications;
};

namespace {

// "CHANNEL_APP_MESSAGE" with prefix "CHANNEL_" -> "app_message".
std::string EnumId(const std::string& name, absl::string_view prefix) {
  absl::string_view rest = name;
  if (absl::StartsWith(rest, prefix)) rest.remove_prefix(prefix.size());
  return absl::AsciiStrToLower(rest);
}

std::optional<double> Hours(const google::protobuf::Duration& d, bool present) {
  if (!present) return std::nullopt;
  return (static_cast<double>(d.seconds()) + d.nanos() / 1e9) / 3600.0;
}

PromiseCounts FromProto(const esc::PromiseFigures& p) {
  PromiseCounts out;
  out.received = p.received();
  out.acknowledge_ended = p.acknowledge_clocks_ended();
  out.acknowledge_met = p.acknowledged_in_time();
  out.answer_ended = p.answer_clocks_ended();
  out.answer_met = p.answered_in_time();
  out.breaches = p.breaches();
  out.median_hours_to_acknowledge = Hours(p.median_to_acknowledge(), p.has_median_to_acknowledge());
  out.p90_hours_to_acknowledge = Hours(p.p90_to_acknowledge(), p.has_p90_to_acknowledge());
  out.median_hours_to_answer = Hours(p.median_to_answer(), p.has_median_to_answer());
  out.p90_hours_to_answer = Hours(p.p90_to_answer(), p.has_p90_to_answer());
  return out;
}

DeliveryCounts FromProto(const ntf::DeliveryFigures& d) {
  DeliveryCounts out;
  out.notices = d.notices();
  out.messages = d.messages();
  out.sent = d.sent();
  out.delivered = d.delivered();
  out.failed = d.failed();
  out.fallbacks = d.fallbacks();
  // Shares and times mean nothing without copies.
  if (d.messages() > 0) {
    out.reach = d.reach();
    if (d.sent() > 0) {
      out.median_seconds_to_send = d.median_seconds_to_send();
      out.p90_seconds_to_send = d.p90_seconds_to_send();
    }
  }
  return out;
}

template <typename Request>
Request StatsRequest(const std::string& school_id, absl::Time start, absl::Time end) {
  Request request;
  request.set_school(absl::StrCat("schools/", school_id));
  *request.mutable_start_time() = ToTimestamp(start);
  *request.mutable_end_time() = ToTimestamp(end);
  return request;
}

client::CallOptions Options(const auth::ServiceIdentity* identity, absl::Duration timeout) {
  client::CallOptions opts;
  opts.timeout = timeout;
  opts.idempotent = true;
  opts.bearer_token = identity->Token();
  return opts;
}

}  // namespace

GrpcFigureSources::GrpcFigureSources(const SourceChannels& channels, const auth::ServiceIdentity* identity,
                                     const Clock* clock)
    : stubs_(std::make_unique<Stubs>()), identity_(identity), clock_(clock) {
  stubs_->escalation = esc::EscalationService::NewStub(channels.escalation);
  stubs_->conduct = con::ConductService::NewStub(channels.conduct);
  stubs_->appointments = app::AppointmentsService::NewStub(channels.appointments);
  stubs_->notifications = ntf::NotificationsService::NewStub(channels.notifications);
}

GrpcFigureSources::~GrpcFigureSources() = default;

absl::StatusOr<Fetched<EnquiryStats>> GrpcFigureSources::Enquiries(const std::string& school_id, absl::Time start,
                                                                   absl::Time end, absl::Duration timeout) {
  const auto request = StatsRequest<esc::GetSchoolStatsRequest>(school_id, start, end);
  esc::SchoolStats response;
  PARLEY_RETURN_IF_ERROR(client::Call(Options(identity_, timeout), [&](grpc::ClientContext& ctx) {
    return stubs_->escalation->GetSchoolStats(&ctx, request, &response);
  }));
  Fetched<EnquiryStats> out{EnquiryStats{}, clock_->Now(), response.version()};
  EnquiryStats& s = out.stats;
  s.all = FromProto(response.all());
  for (const esc::ChannelFigures& row : response.by_channel()) {
    s.by_channel.emplace_back(EnumId(esc::Channel_Name(row.channel()), "CHANNEL_"), FromProto(row.figures()));
  }
  for (const esc::CategoryFigures& row : response.by_category()) {
    s.by_category.emplace_back(row.category(), FromProto(row.figures()));
  }
  for (const esc::RungCount& row : response.escalations_by_rung()) {
    s.escalations_by_rung.emplace_back(row.rung(), row.count());
  }
  s.referrals_to_complaints = response.referrals_to_complaints();
  s.follow_up_met = response.follow_up_met();
  s.follow_up_breached = response.follow_up_breached();
  s.follow_up_running = response.follow_up_running();
  const esc::SafeguardingFigures& safeguarding = response.safeguarding();
  s.safeguarding_received = safeguarding.received();
  s.safeguarding_taken_up = safeguarding.taken_up();
  s.median_hours_to_dsl = Hours(safeguarding.median_to_take_up(), safeguarding.has_median_to_take_up());
  s.p90_hours_to_dsl = Hours(safeguarding.p90_to_take_up(), safeguarding.has_p90_to_take_up());
  s.open_now = response.open_now();
  s.overdue_now = response.overdue_now();
  return out;
}

absl::StatusOr<Fetched<ConductStats>> GrpcFigureSources::Conduct(const std::string& school_id, absl::Time start,
                                                                 absl::Time end, absl::Duration timeout) {
  const auto request = StatsRequest<con::GetSchoolStatsRequest>(school_id, start, end);
  con::SchoolStats response;
  PARLEY_RETURN_IF_ERROR(client::Call(Options(identity_, timeout), [&](grpc::ClientContext& ctx) {
    return stubs_->conduct->GetSchoolStats(&ctx, request, &response);
  }));
  Fetched<ConductStats> out{ConductStats{}, clock_->Now(), response.version()};
  ConductStats& s = out.stats;
  for (const con::IncidentKindCount& row : response.incidents_by_kind()) s.incidents += row.count();
  s.arrangements_issued = response.arrangements_issued();
  s.arrangements_active = response.arrangements_active();
  s.arrangements_past_review = response.arrangements_past_review();
  s.tightenings = response.tightenings();
  s.bans_started = response.bans_started();
  s.bans_active = response.bans_active();
  return out;
}

absl::StatusOr<Fetched<MeetingStats>> GrpcFigureSources::Meetings(const std::string& school_id, absl::Time start,
                                                                  absl::Time end, absl::Duration timeout) {
  const auto request = StatsRequest<app::GetSchoolStatsRequest>(school_id, start, end);
  app::SchoolStats response;
  PARLEY_RETURN_IF_ERROR(client::Call(Options(identity_, timeout), [&](grpc::ClientContext& ctx) {
    return stubs_->appointments->GetSchoolStats(&ctx, request, &response);
  }));
  Fetched<MeetingStats> out{MeetingStats{}, clock_->Now(), response.version()};
  MeetingStats& s = out.stats;
  s.requests = response.requests();
  s.answer_clocks = response.answer_clocks();
  s.answered_in_time = response.answered_in_time();
  s.hold_clocks = response.hold_clocks();
  s.held_in_time = response.held_in_time();
  if (response.has_median_working_days_to_meeting()) {
    s.median_working_days_to_meeting = response.median_working_days_to_meeting();
  }
  s.evening_slots_offered = response.evening_slots_offered();
  s.evening_slots_booked = response.evening_slots_booked();
  s.evening_guardians = response.evening_guardians();
  s.no_shows = response.no_shows();
  return out;
}

absl::StatusOr<Fetched<NotificationStats>> GrpcFigureSources::Notifications(const std::string& school_id,
                                                                            absl::Time start, absl::Time end,
                                                                            absl::Duration timeout) {
  const auto request = StatsRequest<ntf::GetSchoolStatsRequest>(school_id, start, end);
  ntf::SchoolStats response;
  PARLEY_RETURN_IF_ERROR(client::Call(Options(identity_, timeout), [&](grpc::ClientContext& ctx) {
    return stubs_->notifications->GetSchoolStats(&ctx, request, &response);
  }));
  Fetched<NotificationStats> out{NotificationStats{}, clock_->Now(), response.version()};
  NotificationStats& s = out.stats;
  s.all = FromProto(response.all());
  for (const ntf::CategoryDeliveryFigures& row : response.by_category()) {
    if (row.category() == ntf::CATEGORY_EMERGENCY) s.emergency = FromProto(row.figures());
  }
  for (const ntf::ChannelDeliveryFigures& row : response.by_channel()) {
    s.by_channel.emplace_back(EnumId(ntf::DeliveryChannel_Name(row.channel()), "DELIVERY_CHANNEL_"),
                              FromProto(row.figures()));
  }
  s.late_event_notices = response.short_notice_events();
  return out;
}

absl::StatusOr<BreachItems> GrpcFigureSources::Breaches(const std::string& school_id, absl::Time start, absl::Time end,
                                                        const std::string& channel, const std::string& category,
                                                        int page_size, const std::string& page_token,
                                                        absl::Duration timeout) {
  esc::ListBreachesRequest request;
  request.set_parent(absl::StrCat("schools/", school_id));
  *request.mutable_start_time() = ToTimestamp(start);
  *request.mutable_end_time() = ToTimestamp(end);
  if (!channel.empty()) {
    esc::Channel value = esc::CHANNEL_UNSPECIFIED;
    if (!esc::Channel_Parse(absl::StrCat("CHANNEL_", absl::AsciiStrToUpper(channel)), &value)) {
      return InvalidArgument(reason::kInvalidField, absl::StrCat("escalation has no channel ", channel));
    }
    request.set_channel(value);
  }
  request.set_category(category);
  request.set_page_size(page_size);
  request.set_page_token(page_token);
  esc::ListBreachesResponse response;
  PARLEY_RETURN_IF_ERROR(client::Call(Options(identity_, timeout), [&](grpc::ClientContext& ctx) {
    return stubs_->escalation->ListBreaches(&ctx, request, &response);
  }));
  BreachItems out;
  for (const esc::Breach& b : response.breaches()) {
    BreachItem item;
    item.enquiry = b.enquiry();
    item.stage = EnumId(esc::Stage_Name(b.stage()), "STAGE_");
    item.channel = EnumId(esc::Channel_Name(b.channel()), "CHANNEL_");
    item.category = b.category();
    item.received_at = FromTimestamp(b.receive_time());
    if (b.has_due_time()) item.due = FromTimestamp(b.due_time());
    item.breached_at = FromTimestamp(b.breach_time());
    if (b.has_kept_time()) item.kept_at = FromTimestamp(b.kept_time());
    item.rung = b.rung();
    item.rung_role = b.rung_role();
    out.items.push_back(std::move(item));
  }
  out.next_token = response.next_page_token();
  return out;
}

}  // namespace parley::reporting
