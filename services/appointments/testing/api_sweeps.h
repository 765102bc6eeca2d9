// Every RPC of parley.appointments.v1.AppointmentsService, slice by slice, as the tenancy sweeps of
// the API tests call them: each a well-formed request (so only the caller can be refused), made
// with whatever token the test gives. The slice tests assert what each caller gets;
// appointments_api_test checks that the four sweeps together reach every method of the service,
// so a new RPC fails the tests until a sweep calls it. The sample requests the sweeps send are the
// ones the slice tests build on: their data (schools, staff, guardians) is the slice tests' own.
#pragma once

#include <functional>
#include <string>
#include <vector>

#include "absl/time/time.h"
#include "services/appointments/testing/api_harness.h"

namespace parley::appointments::testing {

// One RPC of a sweep: its method's name and the call, with the token given ("" sends none).
struct SweptRpc {
  std::string method;
  std::function<ApiOutcome(const std::string& token)> call;
};
using TenancySweep = std::vector<SweptRpc>;

// ---- requests (at st-marys) ----------------------------------------------------------------

// Guardian g-1 asks to see t-1 about p-1 at `school`, received a minute before the harness's now.
v1::CreateMeetingRequestRequest SampleMeetingRequest(ApiHarness& h, const std::string& school = "st-marys");
// Thirty minutes from `start` offered on the request `name`.
v1::OfferTimesRequest SampleOffer(ApiHarness& h, const std::string& name, absl::Time start);
// Every requests RPC aimed at the request `name` or its school.
TenancySweep RequestRpcs(ApiHarness& h, const std::string& name);

// ---- evenings (at st-marys) ----------------------------------------------------------------

// Wednesday 12 November 2025 at hh:mm, the sample evening's day.
absl::Time EveningAt(int hour, int minute = 0);
// When the sample evening opens for booking: Monday 3 November 2025 at 18:00.
absl::Time EveningBookingOpens();
// "Year 7 parents' evening", 16:00-19:00, 10-minute slots, `teacher` and english 16:00-18:00 in M1.
v1::CreateParentsEveningRequest SampleEvening(ApiHarness& h,
                                              const std::string& teacher = "schools/st-marys/staff/maths");
// `guardian` holds ten minutes with maths from `start` for `pupil` (ids without their collections).
v1::HoldEveningSlotsRequest SampleHold(ApiHarness& h, const std::string& evening, const std::string& guardian,
                                       const std::string& pupil, absl::Time start);
// Every evenings RPC aimed at an evening that does not exist (its create: a valid SampleEvening).
TenancySweep EveningRpcs(ApiHarness& h);

// ---- records (at st-marys) -----------------------------------------------------------------

// A parent_meeting note (recording not permitted) on the booking `booking`.
v1::CreateMeetingNoteRequest SampleNote(ApiHarness& h, const std::string& booking = "b-1");
// Every records RPC, aimed at records that do not exist where they name one.
TenancySweep RecordsRpcs(ApiHarness& h);

// ---- bookings (at woodgrange) --------------------------------------------------------------

// Tuesday 2 December 2025 at `hour`, 30 minutes in person with t-ahmed about `pupil`, for
// `guardian`, confirmed.
v1::CreateBookingRequest SampleBooking(ApiHarness& h, int hour = 10, const std::string& guardian = "g-anna",
                                       const std::string& pupil = "p-amy");
// Every bookings RPC aimed at a booking that does not exist (its create: a valid SampleBooking).
TenancySweep BookingRpcs(ApiHarness& h);

}  // namespace parley::appointments::testing
