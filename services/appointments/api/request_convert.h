// proto ⇄ domain for the requests slice of AppointmentsApi: meeting requests, their events and
// clocks, times and modes. Bad input is INVALID_ARGUMENT naming the field.
#pragma once

#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "absl/status/statusor.h"
#include "parley/appointments/v1/appointments_service.pb.h"
#include "services/appointments/domain/meeting_request.h"
#include "services/appointments/domain/request_service.h"
#include "services/appointments/domain/request_store.h"

namespace parley::appointments {

namespace v1 = ::parley::appointments::v1;

// "schools/{school}/meetingRequests/{id}" → (school, id).
absl::StatusOr<std::pair<std::string, std::string>> MeetingRequestName(const std::string& name, const char* field);

v1::MeetingRequest MeetingRequestToProto(const StoredRequest& stored);
v1::MeetingRequestEvent RequestEventToProto(const MeetingRequest& r, const RequestEvent& e);

// The new request in `in` at `school_id`: names of this school, a receive time, roles by name.
absl::StatusOr<NewMeetingRequest> NewMeetingRequestFrom(const v1::MeetingRequest& in, const std::string& school_id);

// A time range with both ends, as an interval (INVALID_FIELD naming `field` otherwise).
absl::StatusOr<Interval> TimeRangeToInterval(const v1::TimeRange& range, const std::string& field);
v1::TimeRange IntervalToTimeRange(const Interval& i);

// MEETING_MODE_UNSPECIFIED → nullopt.
std::optional<Mode> RequestModeFrom(v1::MeetingMode mode);

// "schools/{school}/staff/{id}" of `school_id` → id (CROSS_SCHOOL_REFERENCE for another school's).
absl::StatusOr<std::string> RequestStaffId(const std::string& name, const std::string& school_id,
                                           const std::string& field);

// State filter: UNSPECIFIED → any.
std::optional<RequestState> RequestStateFrom(v1::MeetingRequestState state);

}  // namespace parley::appointments
