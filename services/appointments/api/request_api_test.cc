// The requests RPCs of AppointmentsApi over the real use cases on the in-memory store and scripted
// peers, through an in-process channel: tenancy for every RPC (another school's caller is refused
// before anything is read), who reaches what (a guardian their own requests, a teacher those they
// are part of; anything else answered as not found), bad input refused with its reason and nothing
// written, a request offered, accepted and booked, its history paged, and a replayed request id.
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/time/clock.h"
#include "common/auth/signer.h"
#include "common/auth/testing/test_keys.h"
#include "common/auth/verifier.h"
#include "common/calendar/testing/school_calendars.h"
#include "common/clock/clock.h"
#include "common/grpc/timestamp.h"
#include "common/status/reasons.h"
#include "grpcpp/grpcpp.h"
#include "gtest/gtest.h"
#include "services/appointments/api/appointments_api.h"
#include "services/appointments/domain/request_service.h"
#include "services/appointments/testing/in_memory_request_store.h"
#include "services/appointments/testing/request_fakes.h"

namespace parley::appointments {
namespace {

using calendar::testdata::LondonTime;

constexpr char kSchool[] = "st-marys";
constexpr char kIssuer[] = "parley-test";
constexpr char kAudience[] = "parley";

struct Outcome {
  grpc::StatusCode code = grpc::StatusCode::OK;
  std::string reason;
  std::string message;
};
std::ostream& operator<<(std::ostream& os, const Outcome& o) {
  return os << o.code << " " << o.reason << " (" << o.message << ")";
}

v1::TimeRange Range(absl::Time start, absl::Duration length) {
  v1::TimeRange r;
  *r.mutable_start_time() = ToTimestamp(start);
  *r.mutable_end_time() = ToTimestamp(start + length);
  return r;
}

class RequestApiTest : public ::testing::Test {
 protected:
  void SetUp() override {
    const auth::testing::KeyPair keys = auth::testing::GenerateEcP256();
    auth::VerifierOptions vopts;
    vopts.public_keys_pem = {keys.public_pem};
    vopts.issuer = kIssuer;
    vopts.audience = kAudience;
    verifier_ = *auth::Verifier::Create(vopts);
    signer_ = *auth::Signer::Create({keys.private_pem, kIssuer, kAudience, nullptr});

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
        RequestService::Ports{&store_, &directory_, &settings_, &bookings_, &bookings_, &clock_});
    Services services;
    services.requests = service_.get();
    api_ = std::make_unique<AppointmentsApi>(services, verifier_.get());
    grpc::ServerBuilder builder;
    builder.RegisterService(api_.get());
    server_ = builder.BuildAndStart();
    stub_ = v1::AppointmentsService::NewStub(server_->InProcessChannel(grpc::ChannelArguments()));
    office_ = Token("schools/st-marys/staff/office-1", {"office"}, {kSchool});
    other_office_ = Token("schools/riverside/staff/office-9", {"office"}, {"riverside"});
    g1_ = Token("guardians/g-1", {"guardian"}, {kSchool});
    g2_ = Token("guardians/g-2", {"guardian"}, {kSchool});
    t1_ = Token("schools/st-marys/staff/t-1", {"teacher"}, {kSchool});
    t2_ = Token("schools/st-marys/staff/t-2", {"teacher"}, {kSchool});
  }

  void TearDown() override {
    if (server_) server_->Shutdown();
  }

  std::string Token(const std::string& subject, std::vector<std::string> roles, std::vector<std::string> schools) {
    auth::Principal p;
    p.subject = subject;
    p.roles = std::move(roles);
    p.schools = std::move(schools);
    return *signer_->Mint(p, absl::Minutes(10));
  }

  template <typename Req, typename Resp>
  using Method = grpc::Status (v1::AppointmentsService::Stub::*)(grpc::ClientContext*, const Req&, Resp*);

  template <typename Req, typename Resp>
  Outcome Call(Method<Req, Resp> method, const Req& req, const std::string& token, Resp* resp = nullptr) {
    grpc::ClientContext ctx;
    ctx.set_deadline(absl::ToChronoTime(absl::Now() + absl::Seconds(10)));
    if (!token.empty()) ctx.AddMetadata("authorization", "Bearer " + token);
    Resp local;
    const grpc::Status status = ((*stub_).*method)(&ctx, req, resp ? resp : &local);
    Outcome out;
    out.code = status.error_code();
    out.message = status.error_message();
    const auto& trailers = ctx.GetServerTrailingMetadata();
    auto it = trailers.find("parley-error-reason");
    if (it != trailers.end()) out.reason = std::string(it->second.data(), it->second.size());
    return out;
  }

  std::string RequestId() { return absl::StrFormat("00000000-0000-4000-8000-%012d", ++requests_); }

  // Guardian g-1 asks to see t-1 about p-1, received a minute ago.
  v1::CreateMeetingRequestRequest CreateRequest(const std::string& school = kSchool) {
    v1::CreateMeetingRequestRequest req;
    req.set_parent(absl::StrCat("schools/", school));
    req.set_request_id(RequestId());
    v1::MeetingRequest* m = req.mutable_meeting_request();
    m->set_guardian("guardians/g-1");
    m->set_pupil(absl::StrCat("schools/", school, "/pupils/p-1"));
    m->set_topic("reading");
    m->add_want_staff(absl::StrCat("schools/", school, "/staff/t-1"));
    m->set_mode(v1::MEETING_MODE_IN_PERSON);
    *m->mutable_receive_time() = ToTimestamp(clock_.Now() - absl::Minutes(1));
    return req;
  }

  v1::MeetingRequest Create() {
    v1::MeetingRequest out;
    const Outcome o = Call(&v1::AppointmentsService::Stub::CreateMeetingRequest, CreateRequest(), g1_, &out);
    EXPECT_EQ(o.code, grpc::StatusCode::OK) << o;
    return out;
  }

  v1::OfferTimesRequest OfferRequest(const std::string& name, absl::Time start) {
    v1::OfferTimesRequest req;
    req.set_name(name);
    req.set_request_id(RequestId());
    *req.add_times() = Range(start, absl::Minutes(30));
    return req;
  }

  // Every request RPC, aimed at `name` (a request) or its school, for the tenancy sweep.
  std::vector<std::pair<std::string, std::function<Outcome(const std::string& token)>>> AllRpcs(
      const std::string& name) {
    using S = v1::AppointmentsService::Stub;
    const std::string parent = "schools/st-marys";
    const absl::Time at = LondonTime(2025, 12, 2, 15, 30);
    return {
        {"ListAvailableSlots",
         [=, this](const std::string& t) {
           v1::ListAvailableSlotsRequest r;
           r.set_parent(parent);
           r.add_staff("schools/st-marys/staff/t-1");
           *r.mutable_window() = Range(at, absl::Hours(2));
           return Call(&S::ListAvailableSlots, r, t);
         }},
        {"CreateMeetingRequest",
         [=, this](const std::string& t) { return Call(&S::CreateMeetingRequest, CreateRequest(), t); }},
        {"GetMeetingRequest",
         [=, this](const std::string& t) {
           v1::GetMeetingRequestRequest r;
           r.set_name(name);
           return Call(&S::GetMeetingRequest, r, t);
         }},
        {"ListMeetingRequests",
         [=, this](const std::string& t) {
           v1::ListMeetingRequestsRequest r;
           r.set_parent(parent);
           return Call(&S::ListMeetingRequests, r, t);
         }},
        {"ListMeetingRequestEvents",
         [=, this](const std::string& t) {
           v1::ListMeetingRequestEventsRequest r;
           r.set_parent(name);
           return Call(&S::ListMeetingRequestEvents, r, t);
         }},
        {"OfferTimes", [=, this](const std::string& t) { return Call(&S::OfferTimes, OfferRequest(name, at), t); }},
        {"CounterOffer",
         [=, this](const std::string& t) {
           v1::CounterOfferRequest r;
           r.set_name(name);
           r.set_request_id(RequestId());
           *r.add_times() = Range(at, absl::Minutes(30));
           return Call(&S::CounterOffer, r, t);
         }},
        {"AcceptTime",
         [=, this](const std::string& t) {
           v1::AcceptTimeRequest r;
           r.set_name(name);
           r.set_request_id(RequestId());
           *r.mutable_time() = Range(at, absl::Minutes(30));
           return Call(&S::AcceptTime, r, t);
         }},
        {"DeclineMeetingRequest",
         [=, this](const std::string& t) {
           v1::DeclineMeetingRequestRequest r;
           r.set_name(name);
           r.set_reason("not needed");
           r.set_request_id(RequestId());
           return Call(&S::DeclineMeetingRequest, r, t);
         }},
        {"WithdrawMeetingRequest",
         [=, this](const std::string& t) {
           v1::WithdrawMeetingRequestRequest r;
           r.set_name(name);
           r.set_request_id(RequestId());
           return Call(&S::WithdrawMeetingRequest, r, t);
         }},
    };
  }

  SimulatedClock clock_{LondonTime(2025, 12, 1, 9, 0)};  // Monday 1 December 2025
  testing::InMemoryRequestStore store_;
  testing::FakeRequestDirectory directory_;
  testing::FakeSettings settings_;
  testing::FakeBookings bookings_;
  std::unique_ptr<RequestService> service_;
  std::unique_ptr<auth::Verifier> verifier_;
  std::unique_ptr<auth::Signer> signer_;
  std::unique_ptr<AppointmentsApi> api_;
  std::unique_ptr<grpc::Server> server_;
  std::unique_ptr<v1::AppointmentsService::Stub> stub_;
  std::string office_, other_office_, g1_, g2_, t1_, t2_;
  int requests_ = 0;
};

TEST_F(RequestApiTest, EveryRpcRefusesAnotherSchoolsCallerBeforeReadingAnythingAndACallerWithoutAToken) {
  const v1::MeetingRequest created = Create();
  const int writes = store_.committed_writes();
  for (auto& [method, call] : AllRpcs(created.name())) {
    const Outcome other = call(other_office_);
    EXPECT_EQ(other.code, grpc::StatusCode::PERMISSION_DENIED) << method << ": " << other;
    EXPECT_EQ(other.reason, reason::kWrongSchool) << method;
    // The same for a request that does not exist: nothing tells the two apart.
    EXPECT_EQ(other.code, call(other_office_).code) << method;
    const Outcome none = call("");
    EXPECT_EQ(none.code, grpc::StatusCode::UNAUTHENTICATED) << method << ": " << none;
  }
  for (auto& [method, call] : AllRpcs("schools/st-marys/meetingRequests/mr-missing")) {
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
    EXPECT_EQ(Call(&v1::AppointmentsService::Stub::GetMeetingRequest, get, *token).code, grpc::StatusCode::OK);
  }
  for (const std::string* token : {&g2_, &t2_}) {
    const Outcome o = Call(&v1::AppointmentsService::Stub::GetMeetingRequest, get, *token);
    EXPECT_EQ(o.code, grpc::StatusCode::NOT_FOUND) << o;
    EXPECT_EQ(o.reason, reason::kMeetingRequestNotFound);
  }
  v1::ListMeetingRequestsRequest list;
  list.set_parent("schools/st-marys");
  v1::ListMeetingRequestsResponse page;
  ASSERT_EQ(Call(&v1::AppointmentsService::Stub::ListMeetingRequests, list, g2_, &page).code, grpc::StatusCode::OK);
  EXPECT_EQ(page.meeting_requests_size(), 0);
  ASSERT_EQ(Call(&v1::AppointmentsService::Stub::ListMeetingRequests, list, office_, &page).code, grpc::StatusCode::OK);
  EXPECT_EQ(page.meeting_requests_size(), 1);
  // Another family's guardian cannot withdraw it either.
  v1::WithdrawMeetingRequestRequest withdraw;
  withdraw.set_name(created.name());
  withdraw.set_request_id(RequestId());
  EXPECT_EQ(Call(&v1::AppointmentsService::Stub::WithdrawMeetingRequest, withdraw, g2_).code,
            grpc::StatusCode::NOT_FOUND);
  // A guardian asks only in their own name, and offers nothing.
  v1::CreateMeetingRequestRequest as_other = CreateRequest();
  const Outcome o = Call(&v1::AppointmentsService::Stub::CreateMeetingRequest, as_other, g2_);
  EXPECT_EQ(o.code, grpc::StatusCode::PERMISSION_DENIED) << o;
  EXPECT_EQ(o.reason, reason::kWrongGuardian);
  EXPECT_EQ(Call(&v1::AppointmentsService::Stub::OfferTimes,
                 OfferRequest(created.name(), LondonTime(2025, 12, 2, 15, 30)), g1_)
                .code,
            grpc::StatusCode::PERMISSION_DENIED);
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
    const Outcome o = Call(&v1::AppointmentsService::Stub::CreateMeetingRequest, req, office_);
    EXPECT_EQ(o.code, c.code) << c.what << ": " << o;
    if (!c.reason.empty()) {
      EXPECT_EQ(o.reason, c.reason) << c.what;
    }
  }
  // Offers: end before start, a time the teacher does not work (Saturday), a past time.
  v1::OfferTimesRequest backwards = OfferRequest(created.name(), LondonTime(2025, 12, 2, 15, 30));
  *backwards.mutable_times(0) = Range(LondonTime(2025, 12, 2, 15, 30), -absl::Minutes(30));
  Outcome o = Call(&v1::AppointmentsService::Stub::OfferTimes, backwards, office_);
  EXPECT_EQ(o.code, grpc::StatusCode::INVALID_ARGUMENT) << o;
  EXPECT_EQ(o.reason, reason::kInvalidSlot);
  o = Call(&v1::AppointmentsService::Stub::OfferTimes, OfferRequest(created.name(), LondonTime(2025, 12, 6, 10)),
           office_);
  EXPECT_EQ(o.reason, reason::kSlotNotAvailable) << o;
  o = Call(&v1::AppointmentsService::Stub::OfferTimes, OfferRequest(created.name(), LondonTime(2025, 11, 28, 10)),
           office_);
  EXPECT_EQ(o.reason, reason::kSlotInPast) << o;
  v1::OfferTimesRequest stale = OfferRequest(created.name(), LondonTime(2025, 12, 2, 14));
  stale.set_etag("\"9\"");
  o = Call(&v1::AppointmentsService::Stub::OfferTimes, stale, office_);
  EXPECT_EQ(o.code, grpc::StatusCode::ABORTED) << o;
  EXPECT_EQ(o.reason, reason::kStaleEtag);
  // Slots: another school's teacher, a window ending before it starts.
  v1::ListAvailableSlotsRequest slots;
  slots.set_parent("schools/st-marys");
  slots.add_staff("schools/riverside/staff/t-river");
  *slots.mutable_window() = Range(LondonTime(2025, 12, 2, 9), absl::Hours(2));
  o = Call(&v1::AppointmentsService::Stub::ListAvailableSlots, slots, office_);
  EXPECT_EQ(o.reason, reason::kCrossSchoolReference) << o;
  slots.set_staff(0, "schools/st-marys/staff/t-1");
  *slots.mutable_window() = Range(LondonTime(2025, 12, 2, 9), -absl::Hours(2));
  o = Call(&v1::AppointmentsService::Stub::ListAvailableSlots, slots, office_);
  EXPECT_EQ(o.code, grpc::StatusCode::INVALID_ARGUMENT) << o;
  EXPECT_EQ(store_.committed_writes(), writes);
}

TEST_F(RequestApiTest, OfferedAcceptedAndBookedWithItsHistoryPagedAndARetryReplayed) {
  const v1::MeetingRequest created = Create();
  // The office looks for free time, offers two of the slots found.
  v1::ListAvailableSlotsRequest slots;
  slots.set_parent("schools/st-marys");
  slots.add_staff("schools/st-marys/staff/t-1");
  *slots.mutable_window() = Range(LondonTime(2025, 12, 2, 14), absl::Hours(2));
  slots.mutable_length()->set_seconds(30 * 60);
  v1::ListAvailableSlotsResponse free;
  ASSERT_EQ(Call(&v1::AppointmentsService::Stub::ListAvailableSlots, slots, office_, &free).code, grpc::StatusCode::OK);
  ASSERT_GE(free.slots_size(), 2);
  EXPECT_EQ(FromTimestamp(free.slots(0).start_time()), LondonTime(2025, 12, 2, 14));
  // Core hours end at 15:30: the last 30 minutes start at 15:00.
  EXPECT_EQ(FromTimestamp(free.slots(free.slots_size() - 1).start_time()), LondonTime(2025, 12, 2, 15));
  v1::OfferTimesRequest offer;
  offer.set_name(created.name());
  offer.set_request_id(RequestId());
  *offer.add_times() = free.slots(0);
  *offer.add_times() = free.slots(2);
  offer.set_etag(created.etag());
  v1::MeetingRequest offered;
  Outcome o = Call(&v1::AppointmentsService::Stub::OfferTimes, offer, office_, &offered);
  ASSERT_EQ(o.code, grpc::StatusCode::OK) << o;
  EXPECT_EQ(offered.state(), v1::MEETING_REQUEST_STATE_OFFERED);
  EXPECT_EQ(offered.offered_size(), 2);
  EXPECT_EQ(offered.clocks(0).state(), v1::CLOCK_STATE_MET);
  // A retry of the same call answers the same and writes nothing.
  const int writes = store_.committed_writes();
  v1::MeetingRequest again;
  ASSERT_EQ(Call(&v1::AppointmentsService::Stub::OfferTimes, offer, office_, &again).code, grpc::StatusCode::OK);
  EXPECT_EQ(again.SerializeAsString(), offered.SerializeAsString());
  EXPECT_EQ(store_.committed_writes(), writes);

  v1::AcceptTimeRequest accept;
  accept.set_name(created.name());
  accept.set_request_id(RequestId());
  *accept.mutable_time() = free.slots(2);
  v1::MeetingRequest booked;
  o = Call(&v1::AppointmentsService::Stub::AcceptTime, accept, g1_, &booked);
  ASSERT_EQ(o.code, grpc::StatusCode::OK) << o;
  EXPECT_EQ(booked.state(), v1::MEETING_REQUEST_STATE_BOOKED);
  EXPECT_FALSE(booked.booking().empty());
  // The booked time is no longer free.
  ASSERT_EQ(Call(&v1::AppointmentsService::Stub::ListAvailableSlots, slots, office_, &free).code, grpc::StatusCode::OK);
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
    ASSERT_EQ(Call(&v1::AppointmentsService::Stub::ListMeetingRequestEvents, events, t1_, &page).code,
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
  o = Call(&v1::AppointmentsService::Stub::ListMeetingRequests, list, office_);
  EXPECT_EQ(o.reason, reason::kInvalidPageToken) << o;

  // Withdrawn once booked: cancelled, and the time free again.
  v1::WithdrawMeetingRequestRequest withdraw;
  withdraw.set_name(created.name());
  withdraw.set_request_id(RequestId());
  v1::MeetingRequest withdrawn;
  o = Call(&v1::AppointmentsService::Stub::WithdrawMeetingRequest, withdraw, g1_, &withdrawn);
  ASSERT_EQ(o.code, grpc::StatusCode::OK) << o;
  EXPECT_EQ(withdrawn.state(), v1::MEETING_REQUEST_STATE_CANCELLED);
}

TEST_F(RequestApiTest, CounterOfferAndDeclineAreTheGuardiansAnswers) {
  const v1::MeetingRequest created = Create();
  ASSERT_EQ(Call(&v1::AppointmentsService::Stub::OfferTimes, OfferRequest(created.name(), LondonTime(2025, 12, 2, 14)),
                 office_)
                .code,
            grpc::StatusCode::OK);
  v1::CounterOfferRequest counter;
  counter.set_name(created.name());
  counter.set_request_id(RequestId());
  *counter.add_times() = Range(LondonTime(2025, 12, 3, 15), absl::Minutes(30));
  v1::MeetingRequest back;
  ASSERT_EQ(Call(&v1::AppointmentsService::Stub::CounterOffer, counter, g1_, &back).code, grpc::StatusCode::OK);
  EXPECT_EQ(back.state(), v1::MEETING_REQUEST_STATE_OPEN);
  // Nothing is on offer now: declining is the wrong state.
  v1::DeclineMeetingRequestRequest decline;
  decline.set_name(created.name());
  decline.set_reason("sorted at pick-up");
  decline.set_request_id(RequestId());
  Outcome o = Call(&v1::AppointmentsService::Stub::DeclineMeetingRequest, decline, g1_);
  EXPECT_EQ(o.code, grpc::StatusCode::FAILED_PRECONDITION) << o;
  EXPECT_EQ(o.reason, reason::kWrongState);
  ASSERT_EQ(Call(&v1::AppointmentsService::Stub::OfferTimes, OfferRequest(created.name(), LondonTime(2025, 12, 3, 15)),
                 office_)
                .code,
            grpc::StatusCode::OK);
  decline.set_request_id(RequestId());
  v1::MeetingRequest declined;
  o = Call(&v1::AppointmentsService::Stub::DeclineMeetingRequest, decline, g1_, &declined);
  ASSERT_EQ(o.code, grpc::StatusCode::OK) << o;
  EXPECT_EQ(declined.state(), v1::MEETING_REQUEST_STATE_DECLINED);
}

}  // namespace
}  // namespace parley::appointments
