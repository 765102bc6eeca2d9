// The requests RPCs of AppointmentsApi over the real use cases on the in-memory store and scripted
// peers, through an in-process channel: tenancy for every RPC (another school's caller is refused
// before anything is read), who reaches what (a guardian their own requests, a teacher those they
// are part of; anything else answered as not found), bad input refused with its reason and nothing
// written, a request offered, accepted and booked, its history paged, and a replayed request id.
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "common/calendar/testing/school_calendars.h"
#include "common/grpc/timestamp.h"
#include "common/status/reasons.h"
#include "gtest/gtest.h"
#include "services/appointments/api/appointments_api.h"
#include "services/appointments/domain/request_service.h"
#include "services/appointments/testing/api_harness.h"
#include "services/appointments/testing/api_sweeps.h"
#include "services/appointments/testing/in_memory_request_store.h"
#include "services/appointments/testing/request_fakes.h"

namespace parley::appointments {
namespace {

using calendar::testdata::LondonTime;

constexpr char kSchool[] = "st-marys";

using Outcome = testing::ApiOutcome;
using testing::Range;

class RequestApiTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto cal = calendar::testdata::MustBuild(calendar::testdata::England2025To26());
    directory_.AddSchool(kSchool, cal);
    directory_.AddSchool("riverside", cal);
    directory_.AddStaff(kSchool, "t-1", {cal, std::nullopt, "hoy"});
    directory_.AddStaff(kSchool, "t-2", {cal, std::nullopt, "hoy"});
    directory_.AddStaff(kSchool, "hoy", {cal, std::nullopt, ""});
    directory_.AddStaff("riverside", "t-river", {cal, std::nullopt, ""});
    directory_.SetRole(kSchool, "p-1", WantedRole::kSenco, "t-2");
    directory_.Link("g-1", kSchool, "p-1");
    directory_.Link("g-2", kSchool, "p-2");
    directory_.SetPromise(kSchool, directory::Channel::kMeetingRequest, directory::Stage::kRespond,
                          {2, "answered within 2 working days"});
    service_ = std::make_unique<RequestService>(
        RequestService::Ports{&store_, &directory_, &settings_, &bookings_, &bookings_, &h_.clock()});
    Services services;
    services.requests = service_.get();
    h_.Start(services);
    office_ = h_.Token("schools/st-marys/staff/office-1", {"office"}, {kSchool});
    other_office_ = h_.Token("schools/riverside/staff/office-9", {"office"}, {"riverside"});
    g1_ = h_.Token("guardians/g-1", {"guardian"}, {kSchool});
    g2_ = h_.Token("guardians/g-2", {"guardian"}, {kSchool});
    t1_ = h_.Token("schools/st-marys/staff/t-1", {"teacher"}, {kSchool});
    t2_ = h_.Token("schools/st-marys/staff/t-2", {"teacher"}, {kSchool});
  }

  void TearDown() override { h_.Stop(); }

  v1::CreateMeetingRequestRequest CreateRequest(const std::string& school = kSchool) {
    return testing::SampleMeetingRequest(h_, school);
  }
  v1::OfferTimesRequest OfferRequest(const std::string& name, absl::Time start) {
    return testing::SampleOffer(h_, name, start);
  }

  v1::MeetingRequest Create() {
    v1::MeetingRequest out;
    const Outcome o = h_.Call(&v1::AppointmentsService::Stub::CreateMeetingRequest, CreateRequest(), g1_, &out);
    EXPECT_EQ(o.code, grpc::StatusCode::OK) << o;
    return out;
  }

  testing::ApiHarness h_{LondonTime(2025, 12, 1, 9, 0)};  // Monday 1 December 2025
  testing::InMemoryRequestStore store_;
  testing::FakeRequestDirectory directory_;
  testing::FakeSettings settings_;
  testing::FakeBookings bookings_;
  std::unique_ptr<RequestService> service_;
  std::string office_, other_office_, g1_, g2_, t1_, t2_;
};

TEST_F(RequestApiTest, EveryRpcRefusesAnotherSchoolsCallerBeforeReadingAnythingAndACallerWithoutAToken) {
  const v1::MeetingRequest created = Create();
  const int writes = store_.committed_writes();
  for (auto& [method, call] : testing::RequestRpcs(h_, created.name())) {
    const Outcome other = call(other_office_);
    EXPECT_EQ(other.code, grpc::StatusCode::PERMISSION_DENIED) << method << ": " << other;
    EXPECT_EQ(other.reason, reason::kWrongSchool) << method;
    // The same for a request that does not exist: nothing tells the two apart.
    EXPECT_EQ(other.code, call(other_office_).code) << method;
    const Outcome none = call("");
    EXPECT_EQ(none.code, grpc::StatusCode::UNAUTHENTICATED) << method << ": " << none;
  }
  for (auto& [method, call] : testing::RequestRpcs(h_, "schools/st-marys/meetingRequests/mr-missing")) {
    const Outcome other = call(other_office_);
    EXPECT_EQ(other.code, grpc::StatusCode::PERMISSION_DENIED) << method << ": " << other;
  }
  EXPECT_EQ(store_.committed_writes(), writes);
}

TEST_F(RequestApiTest, AGuardianReachesOnlyTheirOwnRequestsAndATeacherOnlyThoseTheyArePartOf) {
  const v1::MeetingRequest created = Create();
  EXPECT_EQ(created.state(), v1::MEETING_REQUEST_STATE_OPEN);
  EXPECT_EQ(created.owner(), "schools/st-marys/staff/t-1");
  ASSERT_EQ(created.clocks_size(), 1);
  EXPECT_EQ(created.clocks(0).kind(), v1::CLOCK_KIND_ANSWER);
  EXPECT_EQ(created.etag(), "\"1\"");
  v1::GetMeetingRequestRequest get;
  get.set_name(created.name());
  for (const std::string* token : {&g1_, &t1_, &office_}) {
    EXPECT_EQ(h_.Call(&v1::AppointmentsService::Stub::GetMeetingRequest, get, *token).code, grpc::StatusCode::OK);
  }
  for (const std::string* token : {&g2_, &t2_}) {
    const Outcome o = h_.Call(&v1::AppointmentsService::Stub::GetMeetingRequest, get, *token);
    EXPECT_EQ(o.code, grpc::StatusCode::NOT_FOUND) << o;
    EXPECT_EQ(o.reason, reason::kMeetingRequestNotFound);
  }
  v1::ListMeetingRequestsRequest list;
  list.set_parent("schools/st-marys");
  v1::ListMeetingRequestsResponse page;
  ASSERT_EQ(h_.Call(&v1::AppointmentsService::Stub::ListMeetingRequests, list, g2_, &page).code, grpc::StatusCode::OK);
  EXPECT_EQ(page.meeting_requests_size(), 0);
  ASSERT_EQ(h_.Call(&v1::AppointmentsService::Stub::ListMeetingRequests, list, office_, &page).code,
            grpc::StatusCode::OK);
  EXPECT_EQ(page.meeting_requests_size(), 1);
  // Another family's guardian cannot withdraw it either.
  v1::WithdrawMeetingRequestRequest withdraw;
  withdraw.set_name(created.name());
  withdraw.set_request_id(h_.RequestId());
  EXPECT_EQ(h_.Call(&v1::AppointmentsService::Stub::WithdrawMeetingRequest, withdraw, g2_).code,
            grpc::StatusCode::NOT_FOUND);
  // A guardian asks only in their own name, and offers nothing.
  v1::CreateMeetingRequestRequest as_other = CreateRequest();
  const Outcome o = h_.Call(&v1::AppointmentsService::Stub::CreateMeetingRequest, as_other, g2_);
  EXPECT_EQ(o.code, grpc::StatusCode::PERMISSION_DENIED) << o;
  EXPECT_EQ(o.reason, reason::kWrongGuardian);
  EXPECT_EQ(h_.Call(&v1::AppointmentsService::Stub::OfferTimes,
                    OfferRequest(created.name(), LondonTime(2025, 12, 2, 15, 30)), g1_)
                .code,
            grpc::StatusCode::PERMISSION_DENIED);
}

TEST_F(RequestApiTest, TheEnquiryAMeetingCameFromIsKeptOnTheRequest) {
  v1::CreateMeetingRequestRequest req = CreateRequest();
  req.mutable_meeting_request()->set_enquiry("schools/st-marys/enquiries/e-7");
  v1::MeetingRequest out;
  const Outcome o = h_.Call(&v1::AppointmentsService::Stub::CreateMeetingRequest, req, office_, &out);
  ASSERT_EQ(o.code, grpc::StatusCode::OK) << o;
  EXPECT_EQ(out.enquiry(), "schools/st-marys/enquiries/e-7");
  v1::GetMeetingRequestRequest get;
  get.set_name(out.name());
  v1::MeetingRequest again;
  ASSERT_EQ(h_.Call(&v1::AppointmentsService::Stub::GetMeetingRequest, get, office_, &again).code,
            grpc::StatusCode::OK);
  EXPECT_EQ(again.enquiry(), "schools/st-marys/enquiries/e-7");
}

TEST_F(RequestApiTest, BadInputIsRefusedWithItsReasonAndNothingWritten) {
  const v1::MeetingRequest created = Create();
  const int writes = store_.committed_writes();
  struct Case {
    std::string what;
    std::function<void(v1::CreateMeetingRequestRequest&)> change;
    grpc::StatusCode code;
    std::string reason;
  };
  const std::vector<Case> cases = {
      {"a pupil of another school",
       [](auto& r) { r.mutable_meeting_request()->set_pupil("schools/riverside/pupils/p-1"); },
       grpc::StatusCode::INVALID_ARGUMENT, reason::kCrossSchoolReference},
      {"a teacher of another school",
       [](auto& r) { r.mutable_meeting_request()->set_want_staff(0, "schools/riverside/staff/t-river"); },
       grpc::StatusCode::INVALID_ARGUMENT, reason::kCrossSchoolReference},
      {"an enquiry of another school",
       [](auto& r) { r.mutable_meeting_request()->set_enquiry("schools/riverside/enquiries/e-1"); },
       grpc::StatusCode::INVALID_ARGUMENT, reason::kCrossSchoolReference},
      {"an enquiry named wrongly",
       [](auto& r) { r.mutable_meeting_request()->set_enquiry("schools/st-marys/pupils/p-1"); },
       grpc::StatusCode::INVALID_ARGUMENT, reason::kInvalidName},
      {"an unknown role", [](auto& r) { r.mutable_meeting_request()->add_want_roles("janitor"); },
       grpc::StatusCode::INVALID_ARGUMENT, reason::kInvalidField},
      {"nobody to see", [](auto& r) { r.mutable_meeting_request()->clear_want_staff(); },
       grpc::StatusCode::INVALID_ARGUMENT, reason::kInvalidField},
      {"a staff id not on the staff",
       [](auto& r) { r.mutable_meeting_request()->set_want_staff(0, "schools/st-marys/staff/t-nobody"); },
       grpc::StatusCode::NOT_FOUND, reason::kStaffNotFound},
      {"a bad name", [](auto& r) { r.mutable_meeting_request()->set_guardian("parents/g-1"); },
       grpc::StatusCode::INVALID_ARGUMENT, reason::kInvalidName},
      {"no request id", [](auto& r) { r.clear_request_id(); }, grpc::StatusCode::INVALID_ARGUMENT, ""},
  };
  for (const Case& c : cases) {
    v1::CreateMeetingRequestRequest req = CreateRequest();
    c.change(req);
    const Outcome o = h_.Call(&v1::AppointmentsService::Stub::CreateMeetingRequest, req, office_);
    EXPECT_EQ(o.code, c.code) << c.what << ": " << o;
    if (!c.reason.empty()) {
      EXPECT_EQ(o.reason, c.reason) << c.what;
    }
  }
  // Offers: end before start, a time the teacher does not work (Saturday), a past time.
  v1::OfferTimesRequest backwards = OfferRequest(created.name(), LondonTime(2025, 12, 2, 15, 30));
  *backwards.mutable_times(0) = Range(LondonTime(2025, 12, 2, 15, 30), LondonTime(2025, 12, 2, 15, 0));
  Outcome o = h_.Call(&v1::AppointmentsService::Stub::OfferTimes, backwards, office_);
  EXPECT_EQ(o.code, grpc::StatusCode::INVALID_ARGUMENT) << o;
  EXPECT_EQ(o.reason, reason::kInvalidSlot);
  o = h_.Call(&v1::AppointmentsService::Stub::OfferTimes, OfferRequest(created.name(), LondonTime(2025, 12, 6, 10)),
              office_);
  EXPECT_EQ(o.reason, reason::kSlotNotAvailable) << o;
  o = h_.Call(&v1::AppointmentsService::Stub::OfferTimes, OfferRequest(created.name(), LondonTime(2025, 11, 28, 10)),
              office_);
  EXPECT_EQ(o.reason, reason::kSlotInPast) << o;
  v1::OfferTimesRequest stale = OfferRequest(created.name(), LondonTime(2025, 12, 2, 14));
  stale.set_etag("\"9\"");
  o = h_.Call(&v1::AppointmentsService::Stub::OfferTimes, stale, office_);
  EXPECT_EQ(o.code, grpc::StatusCode::ABORTED) << o;
  EXPECT_EQ(o.reason, reason::kStaleEtag);
  // Slots: another school's teacher, a window ending before it starts.
  v1::ListAvailableSlotsRequest slots;
  slots.set_parent("schools/st-marys");
  slots.add_staff("schools/riverside/staff/t-river");
  *slots.mutable_window() = Range(LondonTime(2025, 12, 2, 9), LondonTime(2025, 12, 2, 11));
  o = h_.Call(&v1::AppointmentsService::Stub::ListAvailableSlots, slots, office_);
  EXPECT_EQ(o.reason, reason::kCrossSchoolReference) << o;
  slots.set_staff(0, "schools/st-marys/staff/t-1");
  *slots.mutable_window() = Range(LondonTime(2025, 12, 2, 9), LondonTime(2025, 12, 2, 7));
  o = h_.Call(&v1::AppointmentsService::Stub::ListAvailableSlots, slots, office_);
  EXPECT_EQ(o.code, grpc::StatusCode::INVALID_ARGUMENT) << o;
  EXPECT_EQ(store_.committed_writes(), writes);
}

TEST_F(RequestApiTest, OfferedAcceptedAndBookedWithItsHistoryPagedAndARetryReplayed) {
  const v1::MeetingRequest created = Create();
  // The office looks for free time, offers two of the slots found.
  v1::ListAvailableSlotsRequest slots;
  slots.set_parent("schools/st-marys");
  slots.add_staff("schools/st-marys/staff/t-1");
  *slots.mutable_window() = Range(LondonTime(2025, 12, 2, 14), LondonTime(2025, 12, 2, 16));
  slots.mutable_length()->set_seconds(30 * 60);
  v1::ListAvailableSlotsResponse free;
  ASSERT_EQ(h_.Call(&v1::AppointmentsService::Stub::ListAvailableSlots, slots, office_, &free).code,
            grpc::StatusCode::OK);
  ASSERT_GE(free.slots_size(), 2);
  EXPECT_EQ(FromTimestamp(free.slots(0).start_time()), LondonTime(2025, 12, 2, 14));
  // Core hours end at 15:30: the last 30 minutes start at 15:00.
  EXPECT_EQ(FromTimestamp(free.slots(free.slots_size() - 1).start_time()), LondonTime(2025, 12, 2, 15));
  v1::OfferTimesRequest offer;
  offer.set_name(created.name());
  offer.set_request_id(h_.RequestId());
  *offer.add_times() = free.slots(0);
  *offer.add_times() = free.slots(2);
  offer.set_etag(created.etag());
  v1::MeetingRequest offered;
  Outcome o = h_.Call(&v1::AppointmentsService::Stub::OfferTimes, offer, office_, &offered);
  ASSERT_EQ(o.code, grpc::StatusCode::OK) << o;
  EXPECT_EQ(offered.state(), v1::MEETING_REQUEST_STATE_OFFERED);
  EXPECT_EQ(offered.offered_size(), 2);
  EXPECT_EQ(offered.clocks(0).state(), v1::CLOCK_STATE_MET);
  // A retry of the same call answers the same and writes nothing.
  const int writes = store_.committed_writes();
  v1::MeetingRequest again;
  ASSERT_EQ(h_.Call(&v1::AppointmentsService::Stub::OfferTimes, offer, office_, &again).code, grpc::StatusCode::OK);
  EXPECT_EQ(again.SerializeAsString(), offered.SerializeAsString());
  EXPECT_EQ(store_.committed_writes(), writes);

  v1::AcceptTimeRequest accept;
  accept.set_name(created.name());
  accept.set_request_id(h_.RequestId());
  *accept.mutable_time() = free.slots(2);
  v1::MeetingRequest booked;
  o = h_.Call(&v1::AppointmentsService::Stub::AcceptTime, accept, g1_, &booked);
  ASSERT_EQ(o.code, grpc::StatusCode::OK) << o;
  EXPECT_EQ(booked.state(), v1::MEETING_REQUEST_STATE_BOOKED);
  EXPECT_FALSE(booked.booking().empty());
  // The booked time is no longer free.
  ASSERT_EQ(h_.Call(&v1::AppointmentsService::Stub::ListAvailableSlots, slots, office_, &free).code,
            grpc::StatusCode::OK);
  for (const v1::TimeRange& s : free.slots()) {
    EXPECT_FALSE(FromTimestamp(s.start_time()) < FromTimestamp(accept.time().end_time()) &&
                 FromTimestamp(accept.time().start_time()) < FromTimestamp(s.end_time()));
  }

  // The history, two at a time: requested, offered, accepted, booked.
  v1::ListMeetingRequestEventsRequest events;
  events.set_parent(created.name());
  events.set_page_size(2);
  std::vector<v1::MeetingRequestEventKind> kinds;
  for (int pages = 0; pages < 5; ++pages) {
    v1::ListMeetingRequestEventsResponse page;
    ASSERT_EQ(h_.Call(&v1::AppointmentsService::Stub::ListMeetingRequestEvents, events, t1_, &page).code,
              grpc::StatusCode::OK);
    for (const auto& e : page.events()) kinds.push_back(e.kind());
    if (page.next_page_token().empty()) break;
    events.set_page_token(page.next_page_token());
  }
  EXPECT_EQ(kinds, (std::vector<v1::MeetingRequestEventKind>{
                       v1::MEETING_REQUEST_EVENT_KIND_REQUESTED, v1::MEETING_REQUEST_EVENT_KIND_OFFERED,
                       v1::MEETING_REQUEST_EVENT_KIND_ACCEPTED, v1::MEETING_REQUEST_EVENT_KIND_BOOKED}));
  // A token from another list is refused.
  v1::ListMeetingRequestsRequest list;
  list.set_parent("schools/st-marys");
  list.set_page_token(events.page_token());
  o = h_.Call(&v1::AppointmentsService::Stub::ListMeetingRequests, list, office_);
  EXPECT_EQ(o.reason, reason::kInvalidPageToken) << o;

  // Withdrawn once booked: cancelled, and the time free again.
  v1::WithdrawMeetingRequestRequest withdraw;
  withdraw.set_name(created.name());
  withdraw.set_request_id(h_.RequestId());
  v1::MeetingRequest withdrawn;
  o = h_.Call(&v1::AppointmentsService::Stub::WithdrawMeetingRequest, withdraw, g1_, &withdrawn);
  ASSERT_EQ(o.code, grpc::StatusCode::OK) << o;
  EXPECT_EQ(withdrawn.state(), v1::MEETING_REQUEST_STATE_CANCELLED);
}

TEST_F(RequestApiTest, CounterOfferAndDeclineAreTheGuardiansAnswers) {
  const v1::MeetingRequest created = Create();
  ASSERT_EQ(h_.Call(&v1::AppointmentsService::Stub::OfferTimes,
                    OfferRequest(created.name(), LondonTime(2025, 12, 2, 14)), office_)
                .code,
            grpc::StatusCode::OK);
  v1::CounterOfferRequest counter;
  counter.set_name(created.name());
  counter.set_request_id(h_.RequestId());
  *counter.add_times() = Range(LondonTime(2025, 12, 3, 15), LondonTime(2025, 12, 3, 15, 30));
  v1::MeetingRequest back;
  ASSERT_EQ(h_.Call(&v1::AppointmentsService::Stub::CounterOffer, counter, g1_, &back).code, grpc::StatusCode::OK);
  EXPECT_EQ(back.state(), v1::MEETING_REQUEST_STATE_OPEN);
  // Nothing is on offer now: declining is the wrong state.
  v1::DeclineMeetingRequestRequest decline;
  decline.set_name(created.name());
  decline.set_reason("sorted at pick-up");
  decline.set_request_id(h_.RequestId());
  Outcome o = h_.Call(&v1::AppointmentsService::Stub::DeclineMeetingRequest, decline, g1_);
  EXPECT_EQ(o.code, grpc::StatusCode::FAILED_PRECONDITION) << o;
  EXPECT_EQ(o.reason, reason::kWrongState);
  ASSERT_EQ(h_.Call(&v1::AppointmentsService::Stub::OfferTimes,
                    OfferRequest(created.name(), LondonTime(2025, 12, 3, 15)), office_)
                .code,
            grpc::StatusCode::OK);
  decline.set_request_id(h_.RequestId());
  v1::MeetingRequest declined;
  o = h_.Call(&v1::AppointmentsService::Stub::DeclineMeetingRequest, decline, g1_, &declined);
  ASSERT_EQ(o.code, grpc::StatusCode::OK) << o;
  EXPECT_EQ(declined.state(), v1::MEETING_REQUEST_STATE_DECLINED);
}

}  // namespace
}  // namespace parley::appointments
