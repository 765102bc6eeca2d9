// The requests slice's handlers of AppointmentsApi (api/appointments_api.h): meeting requests and
// arranged calls, and staff availability. Tenancy and reach first (Grant::At: another school's
// caller is PERMISSION_DENIED before anything is read), then the request's shape, then one use case
// of RequestService. A guardian (reach own) reaches the requests where they are the guardian; a
// teacher (reach own) those they are part of; anything else is answered as not found.
#include <algorithm>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "common/grpc/timestamp.h"
#include "common/status/reason.h"
#include "common/status/reasons.h"
#include "common/status/status_macros.h"
#include "services/appointments/api/appointments_api.h"
#include "services/appointments/api/request_convert.h"
#include "services/appointments/domain/request_service.h"

namespace parley::appointments {
namespace {

constexpr char kService[] = "appointments";
constexpr api::PageLimits kPageLimits{50, 500};

absl::Status RoleRequired() {
  return PermissionDenied(reason::kRoleRequired, "the caller's role does not allow this operation");
}

// Who the caller is at `school_id` for meeting requests. `change`: a guardian writes only at the
// schools their token names (their children's).
absl::StatusOr<RequestCaller> CallerAt(const auth::Grant& caller, const std::string& school_id, bool change) {
  PARLEY_ASSIGN_OR_RETURN(auth::Reach reach, caller.At(school_id));
  RequestCaller out;
  out.actor = caller.subject();
  absl::StatusOr<std::pair<std::string, std::string>> staff =
      api::ParseSchoolChild(caller.subject(), "staff", "token subject");
  if (reach >= auth::Reach::kSchool) {
    out.kind = RequestCaller::Kind::kStaff;
    if (staff.ok() && staff->first == school_id) out.id = staff->second;
    return out;
  }
  if (reach != auth::Reach::kOwn) return RoleRequired();
  if (absl::StartsWith(caller.subject(), "guardians/")) {
    PARLEY_ASSIGN_OR_RETURN(out.id, api::ParseGuardian(caller.subject(), "token subject"));
    const std::vector<std::string>& schools = caller.principal().schools;
    if (change && std::find(schools.begin(), schools.end(), school_id) == schools.end()) {
      return PermissionDenied(reason::kWrongSchool, "the caller's token does not cover this school");
    }
    out.kind = RequestCaller::Kind::kGuardian;
    return out;
  }
  if (staff.ok() && staff->first == school_id) {
    out.kind = RequestCaller::Kind::kStaff;
    out.id = staff->second;
    out.own_only = true;
    return out;
  }
  return RoleRequired();
}

absl::StatusOr<std::string> Encode(const StoredRequest& stored) {
  return MeetingRequestToProto(stored).SerializeAsString();
}

absl::StatusOr<std::vector<Interval>> Times(const google::protobuf::RepeatedPtrField<v1::TimeRange>& times) {
  std::vector<Interval> out;
  for (int i = 0; i < times.size(); ++i) {
    PARLEY_ASSIGN_OR_RETURN(Interval t, TimeRangeToInterval(times.Get(i), absl::StrCat("times[", i, "]")));
    out.push_back(t);
  }
  return out;
}

}  // namespace

grpc::Status AppointmentsApi::ListAvailableSlots(grpc::ServerContext* ctx, const v1::ListAvailableSlotsRequest* req,
                                                 v1::ListAvailableSlotsResponse* resp) {
  return edge_.Serve(ctx, *req, [&](const auth::Grant& caller) -> absl::Status {
    PARLEY_ASSIGN_OR_RETURN(std::string school_id, api::ParseSchool(req->parent(), "parent"));
    PARLEY_ASSIGN_OR_RETURN(auth::Reach reach, caller.At(school_id));
    AvailableSlotsQuery q;
    q.school_id = school_id;
    for (int i = 0; i < req->staff_size(); ++i) {
      PARLEY_ASSIGN_OR_RETURN(std::string staff,
                              RequestStaffId(req->staff(i), school_id, absl::StrCat("staff[", i, "]")));
      q.staff.push_back(std::move(staff));
    }
    PARLEY_ASSIGN_OR_RETURN(q.window, TimeRangeToInterval(req->window(), "window"));
    if (req->has_length()) q.length = absl::Seconds(req->length().seconds()) + absl::Nanoseconds(req->length().nanos());
    if (!req->guardian().empty()) {
      PARLEY_ASSIGN_OR_RETURN(q.guardian, api::ParseGuardian(req->guardian(), "guardian"));
      // A guardian leaves out their own bookings only: another family's times are theirs to keep.
      if (reach < auth::Reach::kSchool && req->guardian() != caller.subject()) {
        return PermissionDenied(reason::kWrongGuardian, "guardian must be the caller's own name");
      }
    }
    if (req->page_size() < 0) return InvalidArgument(reason::kInvalidField, "page_size must not be negative");
    q.limit = req->page_size() == 0 ? kPageLimits.default_size : std::min(req->page_size(), kPageLimits.max_size);
    PARLEY_ASSIGN_OR_RETURN(std::vector<Interval> slots, services_.requests->ListAvailableSlots(q));
    for (const Interval& s : slots) *resp->add_slots() = IntervalToTimeRange(s);
    return absl::OkStatus();
  });
}

grpc::Status AppointmentsApi::CreateMeetingRequest(grpc::ServerContext* ctx, const v1::CreateMeetingRequestRequest* req,
                                                   v1::MeetingRequest* resp) {
  return edge_.Serve(ctx, *req, [&](const auth::Grant& caller) -> absl::Status {
    PARLEY_ASSIGN_OR_RETURN(std::string school_id, api::ParseSchool(req->parent(), "parent"));
    PARLEY_ASSIGN_OR_RETURN(RequestCaller who, CallerAt(caller, school_id, /*change=*/true));
    if (who.guardian() && req->meeting_request().guardian() != caller.subject()) {
      return PermissionDenied(reason::kWrongGuardian,
                              "a guardian asks only for themselves: meeting_request.guardian must be the caller's own "
                              "name");
    }
    PARLEY_ASSIGN_OR_RETURN(RequestKey key, api::RequestKeyFor(caller, kService, "CreateMeetingRequest", *req));
    PARLEY_ASSIGN_OR_RETURN(NewMeetingRequest in, NewMeetingRequestFrom(req->meeting_request(), school_id));
    return api::DecodeResponse(services_.requests->Create(key, who, in, Encode), resp);
  });
}

grpc::Status AppointmentsApi::GetMeetingRequest(grpc::ServerContext* ctx, const v1::GetMeetingRequestRequest* req,
                                                v1::MeetingRequest* resp) {
  return edge_.Serve(ctx, *req, [&](const auth::Grant& caller) -> absl::Status {
    PARLEY_ASSIGN_OR_RETURN(auto id, MeetingRequestName(req->name(), "name"));
    PARLEY_ASSIGN_OR_RETURN(RequestCaller who, CallerAt(caller, id.first, /*change=*/false));
    PARLEY_ASSIGN_OR_RETURN(StoredRequest found, services_.requests->Get(who, id.first, id.second));
    *resp = MeetingRequestToProto(found);
    return absl::OkStatus();
  });
}

grpc::Status AppointmentsApi::ListMeetingRequests(grpc::ServerContext* ctx, const v1::ListMeetingRequestsRequest* req,
                                                  v1::ListMeetingRequestsResponse* resp) {
  return edge_.Serve(ctx, *req, [&](const auth::Grant& caller) -> absl::Status {
    PARLEY_ASSIGN_OR_RETURN(std::string school_id, api::ParseSchool(req->parent(), "parent"));
    PARLEY_ASSIGN_OR_RETURN(RequestCaller who, CallerAt(caller, school_id, /*change=*/false));
    RequestFilter filter;
    filter.state = RequestStateFrom(req->state());
    if (!req->owner().empty()) {
      PARLEY_ASSIGN_OR_RETURN(filter.owner, RequestStaffId(req->owner(), school_id, "owner"));
    }
    filter.breached_only = req->breached_only();
    PARLEY_ASSIGN_OR_RETURN(api::PageRequest page, api::ParsePage(*req, kPageLimits));
    PARLEY_ASSIGN_OR_RETURN(int64_t before, api::SeqPosition(page));
    PARLEY_ASSIGN_OR_RETURN(Page<StoredRequest> found,
                            services_.requests->List(who, school_id, filter, PageQuery{page.size, before}));
    for (const StoredRequest& s : found.items) *resp->add_meeting_requests() = MeetingRequestToProto(s);
    resp->set_next_page_token(api::NextPageToken(*req, api::SeqToPosition(found.next_before_seq)));
    return absl::OkStatus();
  });
}

grpc::Status AppointmentsApi::ListMeetingRequestEvents(grpc::ServerContext* ctx,
                                                       const v1::ListMeetingRequestEventsRequest* req,
                                                       v1::ListMeetingRequestEventsResponse* resp) {
  return edge_.Serve(ctx, *req, [&](const auth::Grant& caller) -> absl::Status {
    PARLEY_ASSIGN_OR_RETURN(auto id, MeetingRequestName(req->parent(), "parent"));
    PARLEY_ASSIGN_OR_RETURN(RequestCaller who, CallerAt(caller, id.first, /*change=*/false));
    PARLEY_ASSIGN_OR_RETURN(api::PageRequest page, api::ParsePage(*req, kPageLimits));
    PARLEY_ASSIGN_OR_RETURN(int64_t after, api::SeqPosition(page));
    PARLEY_ASSIGN_OR_RETURN(StoredRequest found, services_.requests->Get(who, id.first, id.second));
    // Oldest first, from the seq after the last one shown.
    int64_t last = 0;
    for (const RequestEvent& e : found.request.history) {
      if (e.seq <= after) continue;
      if (resp->events_size() == page.size) {
        resp->set_next_page_token(api::NextPageToken(*req, api::SeqToPosition(last)));
        break;
      }
      *resp->add_events() = RequestEventToProto(found.request, e);
      last = e.seq;
    }
    return absl::OkStatus();
  });
}

grpc::Status AppointmentsApi::OfferTimes(grpc::ServerContext* ctx, const v1::OfferTimesRequest* req,
                                         v1::MeetingRequest* resp) {
  return edge_.Serve(ctx, *req, [&](const auth::Grant& caller) -> absl::Status {
    PARLEY_ASSIGN_OR_RETURN(auto id, MeetingRequestName(req->name(), "name"));
    PARLEY_ASSIGN_OR_RETURN(RequestCaller who, CallerAt(caller, id.first, /*change=*/true));
    if (who.guardian()) return RoleRequired();  // the school offers; a guardian counter-offers
    PARLEY_ASSIGN_OR_RETURN(RequestKey key, api::RequestKeyFor(caller, kService, "OfferTimes", *req));
    PARLEY_ASSIGN_OR_RETURN(std::vector<Interval> times, Times(req->times()));
    std::vector<std::string> staff;
    for (int i = 0; i < req->staff_size(); ++i) {
      PARLEY_ASSIGN_OR_RETURN(std::string s, RequestStaffId(req->staff(i), id.first, absl::StrCat("staff[", i, "]")));
      staff.push_back(std::move(s));
    }
    // One member of staff for every time, or one each; none: the request's owner.
    if (staff.size() > 1 && staff.size() != times.size()) {
      return InvalidArgument(reason::kInvalidField, "staff: name one member of staff, or one for each time");
    }
    std::vector<OfferedTime> offered;
    for (size_t i = 0; i < times.size(); ++i) {
      offered.push_back(OfferedTime{times[i], staff.empty() ? "" : staff[staff.size() == 1 ? 0 : i]});
    }
    return api::DecodeResponse(
        services_.requests->OfferTimes(key, who, id.first, id.second, req->etag(), offered, Encode), resp);
  });
}

grpc::Status AppointmentsApi::CounterOffer(grpc::ServerContext* ctx, const v1::CounterOfferRequest* req,
                                           v1::MeetingRequest* resp) {
  return edge_.Serve(ctx, *req, [&](const auth::Grant& caller) -> absl::Status {
    PARLEY_ASSIGN_OR_RETURN(auto id, MeetingRequestName(req->name(), "name"));
    PARLEY_ASSIGN_OR_RETURN(RequestCaller who, CallerAt(caller, id.first, /*change=*/true));
    PARLEY_ASSIGN_OR_RETURN(RequestKey key, api::RequestKeyFor(caller, kService, "CounterOffer", *req));
    PARLEY_ASSIGN_OR_RETURN(std::vector<Interval> times, Times(req->times()));
    return api::DecodeResponse(
        services_.requests->CounterOffer(key, who, id.first, id.second, req->etag(), times, Encode), resp);
  });
}

grpc::Status AppointmentsApi::AcceptTime(grpc::ServerContext* ctx, const v1::AcceptTimeRequest* req,
                                         v1::MeetingRequest* resp) {
  return edge_.Serve(ctx, *req, [&](const auth::Grant& caller) -> absl::Status {
    PARLEY_ASSIGN_OR_RETURN(auto id, MeetingRequestName(req->name(), "name"));
    PARLEY_ASSIGN_OR_RETURN(RequestCaller who, CallerAt(caller, id.first, /*change=*/true));
    PARLEY_ASSIGN_OR_RETURN(RequestKey key, api::RequestKeyFor(caller, kService, "AcceptTime", *req));
    PARLEY_ASSIGN_OR_RETURN(Interval time, TimeRangeToInterval(req->time(), "time"));
    return api::DecodeResponse(services_.requests->AcceptTime(key, who, id.first, id.second, req->etag(), time,
                                                              RequestModeFrom(req->mode()), Encode),
                               resp);
  });
}

grpc::Status AppointmentsApi::DeclineMeetingRequest(grpc::ServerContext* ctx,
                                                    const v1::DeclineMeetingRequestRequest* req,
                                                    v1::MeetingRequest* resp) {
  return edge_.Serve(ctx, *req, [&](const auth::Grant& caller) -> absl::Status {
    PARLEY_ASSIGN_OR_RETURN(auto id, MeetingRequestName(req->name(), "name"));
    PARLEY_ASSIGN_OR_RETURN(RequestCaller who, CallerAt(caller, id.first, /*change=*/true));
    PARLEY_ASSIGN_OR_RETURN(RequestKey key, api::RequestKeyFor(caller, kService, "DeclineMeetingRequest", *req));
    return api::DecodeResponse(
        services_.requests->Decline(key, who, id.first, id.second, req->etag(), req->reason(), Encode), resp);
  });
}

grpc::Status AppointmentsApi::WithdrawMeetingRequest(grpc::ServerContext* ctx,
                                                     const v1::WithdrawMeetingRequestRequest* req,
                                                     v1::MeetingRequest* resp) {
  return edge_.Serve(ctx, *req, [&](const auth::Grant& caller) -> absl::Status {
    PARLEY_ASSIGN_OR_RETURN(auto id, MeetingRequestName(req->name(), "name"));
    PARLEY_ASSIGN_OR_RETURN(RequestCaller who, CallerAt(caller, id.first, /*change=*/true));
    PARLEY_ASSIGN_OR_RETURN(RequestKey key, api::RequestKeyFor(caller, kService, "WithdrawMeetingRequest", *req));
    return api::DecodeResponse(services_.requests->Withdraw(key, who, id.first, id.second, req->etag(), Encode), resp);
  });
}

}  // namespace parley::appointments
