// The escalation service's peer clients against in-process fakes of contacts and conduct: what
// each call sends (the service's own token, names, stages, pauses) and how answers and errors come
// back.
#include "services/escalation/clients/grpc_peers.h"

#include <algorithm>
#include <atomic>
#include <memory>
#include <string>

#include "absl/strings/str_cat.h"
#include "common/auth/signer.h"
#include "common/auth/testing/test_keys.h"
#include "common/status/reason.h"
#include "gmock/gmock.h"
#include "grpcpp/grpcpp.h"
#include "gtest/gtest.h"

namespace parley::escalation {
namespace {

namespace cv1 = parley::conduct::v1;
namespace kv1 = parley::contacts::v1;

std::string Bearer(grpc::ServerContext* ctx) {
  auto it = ctx->client_metadata().find("authorization");
  return it == ctx->client_metadata().end() ? "" : std::string(it->second.data(), it->second.size());
}

class FakeContacts final : public kv1::ContactsService::Service {
 public:
  grpc::Status RouteEnquiry(grpc::ServerContext* ctx, const kv1::RouteEnquiryRequest* req,
                            kv1::RouteEnquiryResponse* resp) override {
    last_bearer = Bearer(ctx);
    last_route = *req;
    if (req->category() == "unknown") return grpc::Status(grpc::StatusCode::INVALID_ARGUMENT, "unknown category");
    resp->mutable_owner()->set_staff("schools/kenilworth/staff/dsl");
    resp->mutable_owner()->set_role("dsl");
    kv1::Recipient* county = resp->add_also_notify();
    county->set_external_contact("county-cp");
    county->set_role("county child protection");
    resp->set_channel_allowed(true);
    resp->set_safeguarding(true);
    return grpc::Status::OK;
  }
  grpc::Status ResolveLadder(grpc::ServerContext*, const kv1::ResolveLadderRequest*,
                             kv1::ResolveLadderResponse* resp) override {
    kv1::ResolvedRung* first = resp->add_rungs();
    first->set_title("class teacher");
    first->mutable_recipient()->set_staff("schools/kenilworth/staff/ct");
    kv1::ResolvedRung* second = resp->add_rungs();
    second->set_title("phase leader");
    second->mutable_recipient()->set_staff("schools/kenilworth/staff/pl");
    second->mutable_recipient()->set_role("phase_leader");
    resp->set_refer_to_complaints_after_top(true);
    return grpc::Status::OK;
  }
  grpc::Status GetStaff(grpc::ServerContext*, const kv1::GetStaffRequest* req, kv1::Staff* resp) override {
    ++get_staff_calls;
    if (req->name() != "schools/kenilworth/staff/ct") return grpc::Status(grpc::StatusCode::NOT_FOUND, "no staff");
    resp->set_name(req->name());
    resp->set_line_manager("schools/kenilworth/staff/pl");
    return grpc::Status::OK;
  }
  grpc::Status ComputeDeadline(grpc::ServerContext*, const kv1::ComputeDeadlineRequest* req,
                               kv1::ComputeDeadlineResponse* resp) override {
    last_deadline = *req;
    resp->mutable_clock_start_time()->set_seconds(req->received_time().seconds() + 3600);
    if (req->pauses_size() == 0 || req->pauses(req->pauses_size() - 1).has_end_time()) {
      resp->mutable_due_time()->set_seconds(req->received_time().seconds() + 86400);
    }
    resp->set_calendar_version("cal-1");
    resp->set_policy_version("pol-1");
    resp->mutable_explanation()->set_summary("Due tomorrow.");
    return grpc::Status::OK;
  }
  grpc::Status ListWorkingPeriods(grpc::ServerContext*, const kv1::ListWorkingPeriodsRequest* req,
                                  kv1::ListWorkingPeriodsResponse* resp) override {
    last_periods = *req;
    ++period_calls;
    // Holidays until second 2,000,000; then one period a day from 09:00 to 15:00 (UTC).
    for (int64_t day = std::max<int64_t>(req->start_time().seconds(), 2000000) / 86400;
         day * 86400 < req->end_time().seconds(); ++day) {
      if (day * 86400 + 15 * 3600 <= req->start_time().seconds()) continue;
      kv1::WorkingPeriod* p = resp->add_periods();
      p->mutable_start_time()->set_seconds(day * 86400 + 9 * 3600);
      p->mutable_end_time()->set_seconds(day * 86400 + 15 * 3600);
    }
    return grpc::Status::OK;
  }
  grpc::Status GetGuardian(grpc::ServerContext* ctx, const kv1::GetGuardianRequest* req, kv1::Guardian* resp) override {
    last_bearer = Bearer(ctx);
    ++get_guardian_calls;
    if (req->name() == "guardians/unavailable") return grpc::Status(grpc::StatusCode::UNAVAILABLE, "restarting");
    if (req->name() != "guardians/g1") return grpc::Status(grpc::StatusCode::NOT_FOUND, "no guardian");
    resp->set_name(req->name());
    resp->add_pupils()->set_pupil("schools/kenilworth/pupils/p1");
    resp->add_pupils()->set_pupil("schools/st-marys/pupils/p7");
    // A child a court order says g1 receives no information about.
    kv1::PupilLink* restricted = resp->add_pupils();
    restricted->set_pupil("schools/st-marys/pupils/p8");
    restricted->mutable_court_order()->set_no_information(true);
    return grpc::Status::OK;
  }
  grpc::Status GetSchool(grpc::ServerContext*, const kv1::GetSchoolRequest* req, kv1::School* resp) override {
    resp->set_name(req->name());
    ++get_school_calls;
    resp->set_calendar_version("cal-2");
    resp->set_policy_version("pol-2");
    kv1::BreachPolicy* breach = resp->mutable_policy()->mutable_breach();
    breach->set_notify_line_manager_on_acknowledge_breach(true);
    breach->set_escalate_on_response_breach(false);
    breach->set_refer_to_complaints_at_top(true);
    return grpc::Status::OK;
  }

  std::string last_bearer;
  kv1::RouteEnquiryRequest last_route;
  kv1::ComputeDeadlineRequest last_deadline;
  kv1::ListWorkingPeriodsRequest last_periods;
  std::atomic<int> period_calls{0};
  std::atomic<int> get_staff_calls{0};
  std::atomic<int> get_school_calls{0};
  std::atomic<int> get_guardian_calls{0};
};

class FakeConduct final : public cv1::ConductService::Service {
 public:
  grpc::Status CheckCommunication(grpc::ServerContext*, const cv1::CheckCommunicationRequest* req,
                                  cv1::Decision* resp) override {
    last = *req;
    resp->set_name("schools/kenilworth/decisions/d1");
    resp->set_outcome(cv1::OUTCOME_DEFER);
    resp->mutable_next_allowed_time()->set_seconds(1764000000);
    resp->set_explanation("Outside the allowed times.");
    return grpc::Status::OK;
  }
  cv1::CheckCommunicationRequest last;
};

class GrpcPeersTest : public ::testing::Test {
 protected:
  void SetUp() override {
    grpc::ServerBuilder builder;
    int port = 0;
    builder.AddListeningPort("127.0.0.1:0", grpc::InsecureServerCredentials(), &port);
    builder.RegisterService(&contacts_);
    builder.RegisterService(&conduct_);
    server_ = builder.BuildAndStart();
    ASSERT_NE(server_, nullptr);
    channel_ = grpc::CreateChannel(absl::StrCat("127.0.0.1:", port), grpc::InsecureChannelCredentials());
    auth::testing::KeyPair keys = auth::testing::GenerateEcP256();
    auto signer = auth::Signer::Create({keys.private_pem, "test", "parley", nullptr});
    ASSERT_TRUE(signer.ok());
    identity_ = std::make_unique<auth::ServiceIdentity>(*std::move(signer), "escalation");
  }
  void TearDown() override {
    if (server_) server_->Shutdown();
  }

  FakeContacts contacts_;
  FakeConduct conduct_;
  std::unique_ptr<grpc::Server> server_;
  std::shared_ptr<grpc::Channel> channel_;
  std::unique_ptr<auth::ServiceIdentity> identity_;
};

TEST_F(GrpcPeersTest, RoutingCarriesTheServiceTokenAndMapsExternalContacts) {
  ContactsDirectory directory(channel_, identity_.get());
  absl::StatusOr<Route> route = directory.RouteEnquiry("kenilworth", "", "safeguarding", "", 1);
  ASSERT_TRUE(route.ok()) << route.status();
  EXPECT_EQ(contacts_.last_bearer, absl::StrCat("Bearer ", identity_->Token()));
  EXPECT_EQ(contacts_.last_route.school(), "schools/kenilworth");
  EXPECT_EQ(contacts_.last_route.channel(), kv1::CHANNEL_EMAIL);
  ASSERT_TRUE(directory.RouteEnquiry("kenilworth", "schools/kenilworth/pupils/p1", "safeguarding", "maths", 1).ok());
  EXPECT_EQ(contacts_.last_route.subject(), "maths");
  EXPECT_EQ(route->owner.staff, "schools/kenilworth/staff/dsl");
  ASSERT_EQ(route->also_notify.size(), 1u);
  EXPECT_EQ(route->also_notify[0].staff, "external:county-cp");
  EXPECT_TRUE(route->safeguarding);
}

TEST_F(GrpcPeersTest, APeersErrorKeepsItsCode) {
  ContactsDirectory directory(channel_, identity_.get());
  EXPECT_EQ(directory.RouteEnquiry("kenilworth", "", "unknown", "", 1).status().code(),
            absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(directory.LineManagerOf("schools/kenilworth/staff/nobody").status().code(), absl::StatusCode::kNotFound);
}

// p8's link carries a court order of no information: not a child g1 may open an enquiry about.
TEST_F(GrpcPeersTest, AGuardiansPupilsAreTheirLinksAskedEveryTimeAndAnUnknownGuardianHasNone) {
  ContactsDirectory directory(channel_, identity_.get(), absl::Seconds(2), absl::Seconds(60));
  absl::StatusOr<std::vector<std::string>> pupils = directory.PupilsOfGuardian("guardians/g1");
  ASSERT_TRUE(pupils.ok()) << pupils.status();
  EXPECT_THAT(*pupils, ::testing::ElementsAre("schools/kenilworth/pupils/p1", "schools/st-marys/pupils/p7"));
  EXPECT_EQ(contacts_.last_bearer, absl::StrCat("Bearer ", identity_->Token()));
  ASSERT_TRUE(directory.PupilsOfGuardian("guardians/g1").ok());
  EXPECT_EQ(contacts_.get_guardian_calls, 2);  // never cached: a link removed counts at once
  pupils = directory.PupilsOfGuardian("guardians/nobody");
  ASSERT_TRUE(pupils.ok()) << pupils.status();
  EXPECT_TRUE(pupils->empty());
  // An outage is retried (the call is idempotent), then reported as it is.
  EXPECT_EQ(directory.PupilsOfGuardian("guardians/unavailable").status().code(), absl::StatusCode::kUnavailable);
  EXPECT_GT(contacts_.get_guardian_calls, 4);
}

TEST_F(GrpcPeersTest, LaddersUseTheRungTitleWhenTheRecipientHasNoRole) {
  ContactsDirectory directory(channel_, identity_.get());
  absl::StatusOr<Ladder> ladder =
      directory.ResolveLadder("kenilworth", "schools/kenilworth/pupils/p1", "learning", "maths");
  ASSERT_TRUE(ladder.ok());
  ASSERT_EQ(ladder->rungs.size(), 2u);
  EXPECT_EQ(ladder->rungs[0].role, "class teacher");
  EXPECT_EQ(ladder->rungs[1].role, "phase_leader");
  EXPECT_EQ(*directory.LineManagerOf("schools/kenilworth/staff/ct"), "schools/kenilworth/staff/pl");
}

TEST_F(GrpcPeersTest, DeadlinesSendStagePausesAndOwnerAndAnOpenPauseLeavesNoDue) {
  ContactsDirectory directory(channel_, identity_.get());
  DeadlineQuery q;
  q.school_id = "kenilworth";
  q.channel = Channel::kPhone;
  q.stage = Stage::kRespond;
  q.category = "learning";
  q.clock_from = absl::FromUnixSeconds(1761318600);
  q.owner = "schools/kenilworth/staff/ct";
  q.pauses = {calendar::Pause{absl::FromUnixSeconds(1761400000), absl::FromUnixSeconds(1761410000)}};
  absl::StatusOr<DueAt> due = directory.Compute(q);
  ASSERT_TRUE(due.ok()) << due.status();
  EXPECT_EQ(contacts_.last_deadline.stage(), kv1::STAGE_RESPOND);
  EXPECT_EQ(contacts_.last_deadline.channel(), kv1::CHANNEL_PHONE);
  EXPECT_EQ(contacts_.last_deadline.owner(), "schools/kenilworth/staff/ct");
  EXPECT_EQ(contacts_.last_deadline.category(), "learning");
  ASSERT_EQ(contacts_.last_deadline.pauses_size(), 1);
  EXPECT_EQ(contacts_.last_deadline.pauses(0).end_time().seconds(), 1761410000);
  EXPECT_EQ(due->clock_start, absl::FromUnixSeconds(1761318600 + 3600));
  EXPECT_EQ(due->due, absl::FromUnixSeconds(1761318600 + 86400));
  EXPECT_EQ(due->calendar_version, "cal-1");
  EXPECT_EQ(due->explanation, "Due tomorrow.");

  q.pauses.push_back(calendar::Pause{absl::FromUnixSeconds(1761500000), std::nullopt});
  due = directory.Compute(q);
  ASSERT_TRUE(due.ok());
  EXPECT_FALSE(due->due.has_value());
  EXPECT_FALSE(contacts_.last_deadline.pauses(1).has_end_time());

  absl::StatusOr<absl::Time> next =
      directory.NextWorkingTime("kenilworth", "schools/kenilworth/staff/ct", absl::FromUnixSeconds(1761318600));
  ASSERT_TRUE(next.ok());
  EXPECT_EQ(*next, absl::FromUnixSeconds(1761318600 + 3600));
  EXPECT_EQ(contacts_.last_deadline.stage(), kv1::STAGE_ACKNOWLEDGE);
  EXPECT_EQ(*directory.Versions("kenilworth"), std::make_pair(std::string("cal-2"), std::string("pol-2")));
}

TEST_F(GrpcPeersTest, StaffHoursAreTheFirstPeriodFromContactsLookingPastAHoliday) {
  ContactsDirectory directory(channel_, identity_.get());
  // Inside a period: that period.
  absl::StatusOr<WorkingPeriod> p =
      directory.PeriodAtOrAfter("schools/kenilworth/staff/ct", absl::FromUnixSeconds(50 * 86400 + 10 * 3600));
  ASSERT_TRUE(p.ok()) << p.status();
  EXPECT_EQ(contacts_.last_periods.school(), "schools/kenilworth");
  EXPECT_EQ(contacts_.last_periods.staff(), "schools/kenilworth/staff/ct");
  EXPECT_LE(p->open, absl::FromUnixSeconds(50 * 86400 + 10 * 3600));
  EXPECT_GT(p->close, absl::FromUnixSeconds(50 * 86400 + 10 * 3600));
  // In a long holiday the first, two-week look finds nothing and the longer one does.
  p = directory.PeriodAtOrAfter("schools/kenilworth/staff/ct", absl::FromUnixSeconds(2000000 - 30 * 86400));
  ASSERT_TRUE(p.ok()) << p.status();
  EXPECT_GE(p->open, absl::FromUnixSeconds(2000000));
  EXPECT_EQ(directory.PeriodAtOrAfter("nobody", absl::Now()).status().code(), absl::StatusCode::kInvalidArgument);
}

TEST_F(GrpcPeersTest, WorkingPeriodsAndLineManagersAreKeptForTheCacheTtl) {
  const std::string ct = "schools/kenilworth/staff/ct";
  const absl::Time day50 = absl::FromUnixSeconds(50 * 86400);
  ContactsDirectory directory(channel_, identity_.get(), absl::Seconds(2), absl::Minutes(1));
  absl::StatusOr<WorkingPeriod> first = directory.PeriodAtOrAfter(ct, day50 + absl::Hours(10));
  ASSERT_TRUE(first.ok()) << first.status();
  EXPECT_EQ(contacts_.period_calls, 1);
  // Later in the same period, and after it: answered from the listing, the same as contacts says.
  absl::StatusOr<WorkingPeriod> same = directory.PeriodAtOrAfter(ct, day50 + absl::Hours(14));
  absl::StatusOr<WorkingPeriod> next = directory.PeriodAtOrAfter(ct, day50 + absl::Hours(16));
  ASSERT_TRUE(same.ok() && next.ok());
  EXPECT_EQ(same->open, first->open);
  EXPECT_EQ(next->open, day50 + absl::Hours(24 + 9));
  EXPECT_EQ(next->close, day50 + absl::Hours(24 + 15));
  EXPECT_EQ(contacts_.period_calls, 1);
  // Before the listing starts, or beyond its two weeks: asked again.
  ASSERT_TRUE(directory.PeriodAtOrAfter(ct, day50).ok());
  EXPECT_EQ(contacts_.period_calls, 2);
  ASSERT_TRUE(directory.PeriodAtOrAfter(ct, day50 + absl::Hours(24 * 20)).ok());
  EXPECT_EQ(contacts_.period_calls, 3);

  EXPECT_EQ(*directory.LineManagerOf(ct), "schools/kenilworth/staff/pl");
  EXPECT_EQ(*directory.LineManagerOf(ct), "schools/kenilworth/staff/pl");
  EXPECT_EQ(contacts_.get_staff_calls, 1);

  // The school's breach switches, asked once a minute.
  absl::StatusOr<BreachSwitches> switches = directory.BreachPolicyOf("kenilworth");
  ASSERT_TRUE(switches.ok()) << switches.status();
  EXPECT_TRUE(switches->notify_line_manager);
  EXPECT_FALSE(switches->escalate_on_response_breach);
  EXPECT_TRUE(switches->refer_to_complaints_at_top);
  ASSERT_TRUE(directory.BreachPolicyOf("kenilworth").ok());
  EXPECT_EQ(contacts_.get_school_calls, 1);

  // A zero TTL keeps nothing.
  ContactsDirectory uncached(channel_, identity_.get(), absl::Seconds(2), absl::ZeroDuration());
  ASSERT_TRUE(uncached.PeriodAtOrAfter(ct, day50 + absl::Hours(10)).ok());
  ASSERT_TRUE(uncached.PeriodAtOrAfter(ct, day50 + absl::Hours(10)).ok());
  EXPECT_EQ(contacts_.period_calls, 5);
  ASSERT_TRUE(uncached.LineManagerOf(ct).ok());
  ASSERT_TRUE(uncached.LineManagerOf(ct).ok());
  EXPECT_EQ(contacts_.get_staff_calls, 3);
}

TEST_F(GrpcPeersTest, TheGateIsAskedAboutAnInboundMessageAndItsDeferralComesBack) {
  ConductGate gate(channel_, identity_.get());
  GateQuestion q;
  q.school_id = "kenilworth";
  q.guardian = "guardians/g-00835";
  q.channel = 3;
  q.at = absl::FromUnixSeconds(1763900000);
  q.request_id = "00000000-0000-4000-8000-000000000042";
  absl::StatusOr<GateAnswer> answer = gate.Check(q);
  ASSERT_TRUE(answer.ok()) << answer.status();
  EXPECT_EQ(conduct_.last.school(), "schools/kenilworth");
  EXPECT_EQ(conduct_.last.purpose(), cv1::PURPOSE_INBOUND_MESSAGE);
  EXPECT_EQ(conduct_.last.channel(), cv1::CHANNEL_PHONE);
  EXPECT_EQ(conduct_.last.time().seconds(), 1763900000);
  // The intake's request id, so the gate keeps one decision for a retried or concurrent intake.
  EXPECT_EQ(conduct_.last.request_id(), "00000000-0000-4000-8000-000000000042");
  EXPECT_EQ(answer->outcome, GateAnswer::Outcome::kDefer);
  EXPECT_EQ(answer->decision, "schools/kenilworth/decisions/d1");
  EXPECT_EQ(answer->next_allowed_time, absl::FromUnixSeconds(1764000000));
}

}  // namespace
}  // namespace parley::escalation
