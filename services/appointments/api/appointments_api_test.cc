// AppointmentsApi as a whole, against the service's descriptor: every method has an access rule,
// and the four slice tests' tenancy sweeps (testing/api_sweeps.h: no token, another school's
// token) together call every method, so an RPC added to the proto fails here until a sweep covers
// it. The methods are the ones the harness saw called, not the names the sweeps give themselves.
#include <set>
#include <string>

#include "common/calendar/testing/school_calendars.h"
#include "common/grpc/api_edge.h"
#include "gtest/gtest.h"
#include "services/appointments/api/appointments_api.h"
#include "services/appointments/testing/api_harness.h"
#include "services/appointments/testing/api_sweeps.h"

namespace parley::appointments {
namespace {

const google::protobuf::ServiceDescriptor& Service() {
  return api::Edge::ServiceNamed(v1::AppointmentsService::service_full_name());
}

TEST(AppointmentsApiTest, EveryMethodHasARule) {
  const absl::Status covered = api::Edge::CheckRules(Service(), AppointmentsApi::AccessRules());
  EXPECT_TRUE(covered.ok()) << covered;
}

TEST(AppointmentsApiTest, EveryMethodIsInATenancySweep) {
  testing::ApiHarness h(calendar::testdata::LondonTime(2025, 12, 1, 9, 0));
  // No slice is served: a call without a token is refused at the edge before any handler runs.
  h.Start(Services{});
  std::set<std::string> swept;
  for (const testing::TenancySweep& sweep :
       {testing::RequestRpcs(h, "schools/st-marys/meetingRequests/mr-missing"), testing::EveningRpcs(h),
        testing::RecordsRpcs(h), testing::BookingRpcs(h)}) {
    for (const auto& [method, call] : sweep) {
      EXPECT_EQ(call("").code, grpc::StatusCode::UNAUTHENTICATED) << method;
      EXPECT_EQ(h.last_method(), method) << "the sweep's entry named " << method << " calls another method";
      EXPECT_TRUE(swept.insert(method).second) << method << " is swept twice";
    }
  }
  std::set<std::string> methods;
  for (int i = 0; i < Service().method_count(); ++i) methods.insert(Service().method(i)->name());
  const std::set<std::string> called = h.called_methods();
  for (const std::string& m : methods) EXPECT_EQ(called.count(m), 1u) << m << " is in no tenancy sweep";
}

}  // namespace
}  // namespace parley::appointments
