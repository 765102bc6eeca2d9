// End to end: the built parley-contacts, parley-conduct and parley-escalation binaries against a
// real PostgreSQL (a database each) and Redis, contacts loaded with the demo trust, escalation
// asking conduct's gate and contacts' routing and clocks with its own service identity, everything
// over gRPC with real ES256 tokens.
#include <functional>
#include <set>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_replace.h"
#include "common/testing/test_database.h"
#include "common/testing/test_redis.h"
#include "gmock/gmock.h"
#include "google/protobuf/util/time_util.h"
#include "grpcpp/grpcpp.h"
#include "gtest/gtest.h"
#include "parley/contacts/v1/contacts_service.grpc.pb.h"
#include "parley/escalation/v1/escalation_service.grpc.pb.h"
#include "tests/e2e/e2e_support.h"
#include "tests/e2e/trust_under_test.h"

namespace parley::e2e {
namespace {

namespace ev1 = ::parley::escalation::v1;
namespace kv1 = ::parley::contacts::v1;
using ::google::protobuf::util::TimeUtil;
using ::testing::ElementsAre;
using ::testing::HasSubstr;
using Stub = ev1::EscalationService::Stub;

google::protobuf::Timestamp Ago(absl::Duration d) { return TimeUtil::TimeTToTimestamp(absl::ToTimeT(absl::Now() - d)); }

struct Suite {
  std::unique_ptr<TrustUnderTest> trust;  // contacts (the demo trust), conduct and escalation
  std::string pupil;                      // a St Mary's pupil with a single class teacher
  std::string class_teacher;              // theirs
  std::string guardian;                   // one of theirs
  std::string deputy_head;                // St Mary's rung 1 on the main ladder
  std::string head;                       // St Mary's headteacher
  std::string kenilworth_pupil;
  std::string other_family_pupil;  // a St Mary's pupil `guardian` is not linked to
};
std::unique_ptr<Suite> suite;

class EscalationE2eTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    suite = std::make_unique<Suite>();
    suite->trust = TrustUnderTest::StartForSuite({"escalation", PARLEY_DEMO_TRUST_JSON, PARLEY_CONTACTS_BINARY,
                                                  PARLEY_CONDUCT_BINARY, PARLEY_ESCALATION_BINARY});
    if (!suite->trust) return;
    ASSERT_NO_FATAL_FAILURE(FindPeople());
    ready_ = true;
  }

  // The people the scenarios use, from the demo trust.
  static void FindPeople() {
    auto contacts = kv1::ContactsService::NewStub(suite->trust->Channel(Service::kContacts));
    const std::string reader = Token({"office"}, {"st-marys", "kenilworth"});
    {
      grpc::ClientContext ctx;
      Authorize(ctx, reader);
      kv1::ListPupilsRequest req;
      req.set_parent("schools/st-marys");
      req.set_page_size(50);
      kv1::ListPupilsResponse resp;
      ASSERT_TRUE(contacts->ListPupils(&ctx, req, &resp).ok());
      // Kingfishers is a job share: its owner depends on the day.
      for (const kv1::Pupil& p : resp.pupils()) {
        if (p.class_teacher().empty() || p.class_name() == "Kingfishers") continue;
        suite->pupil = p.name();
        suite->class_teacher = p.class_teacher();
        break;
      }
      ASSERT_FALSE(suite->pupil.empty());
    }
    {
      grpc::ClientContext ctx;
      Authorize(ctx, reader);
      kv1::ListGuardiansRequest req;
      req.set_pupil(suite->pupil);
      kv1::ListGuardiansResponse resp;
      ASSERT_TRUE(contacts->ListGuardians(&ctx, req, &resp).ok());
      ASSERT_GT(resp.guardians_size(), 0);
      suite->guardian = resp.guardians(0).name();
    }
    {
      // Another family at the same school: a pupil on roll the guardian is not linked to.
      grpc::ClientContext ctx;
      Authorize(ctx, reader);
      kv1::GetGuardianRequest get;
      get.set_name(suite->guardian);
      kv1::Guardian guardian;
      ASSERT_TRUE(contacts->GetGuardian(&ctx, get, &guardian).ok());
      std::set<std::string> theirs;
      for (const kv1::PupilLink& link : guardian.pupils()) theirs.insert(link.pupil());
      grpc::ClientContext list_ctx;
      Authorize(list_ctx, reader);
      kv1::ListPupilsRequest req;
      req.set_parent("schools/st-marys");
      req.set_page_size(50);
      kv1::ListPupilsResponse resp;
      ASSERT_TRUE(contacts->ListPupils(&list_ctx, req, &resp).ok());
      for (const kv1::Pupil& p : resp.pupils()) {
        if (theirs.count(p.name()) == 0) {
          suite->other_family_pupil = p.name();
          break;
        }
      }
      ASSERT_FALSE(suite->other_family_pupil.empty());
    }
    auto staff_with_role = [&](const std::string& role, std::string* out) {
      grpc::ClientContext ctx;
      Authorize(ctx, reader);
      kv1::ListStaffRequest req;
      req.set_parent("schools/st-marys");
      req.set_role(role);
      kv1::ListStaffResponse resp;
      ASSERT_TRUE(contacts->ListStaff(&ctx, req, &resp).ok());
      ASSERT_GT(resp.staff_size(), 0) << role;
      *out = resp.staff(0).name();
    };
    ASSERT_NO_FATAL_FAILURE(staff_with_role("deputy_head", &suite->deputy_head));
    ASSERT_NO_FATAL_FAILURE(staff_with_role("headteacher", &suite->head));
    {
      grpc::ClientContext ctx;
      Authorize(ctx, reader);
      kv1::ListPupilsRequest req;
      req.set_parent("schools/kenilworth");
      req.set_page_size(1);
      kv1::ListPupilsResponse resp;
      ASSERT_TRUE(contacts->ListPupils(&ctx, req, &resp).ok());
      ASSERT_EQ(resp.pupils_size(), 1);
      suite->kenilworth_pupil = resp.pupils(0).name();
    }
  }

  static void TearDownTestSuite() { suite.reset(); }

  void SetUp() override {
    PARLEY_REQUIRE_SUITE_READY(ready_);
    stub_ = ev1::EscalationService::NewStub(suite->trust->Channel(Service::kEscalation));
  }

  static std::string Token(std::vector<std::string> roles, std::vector<std::string> schools,
                           const std::string& subject = "e2e") {
    return suite->trust->Mint(std::move(roles), std::move(schools), subject, absl::Minutes(5));
  }

  static void Authorize(grpc::ClientContext& ctx, const std::string& token) {
    if (!token.empty()) ctx.AddMetadata("authorization", absl::StrCat("Bearer ", token));
    ctx.set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(30));
  }

  // A call with a token ("" for none); returns the status.
  template <typename Req, typename Resp, typename Method>
  grpc::Status Call(const std::string& token, Method method, const Req& req, Resp* resp) {
    grpc::ClientContext ctx;
    Authorize(ctx, token);
    return ((*stub_).*method)(&ctx, req, resp);
  }

  // The pupil's class teacher: routing gives them the enquiries about the pupil's learning, and a
  // teacher reads and acts on the enquiries they own now, and no others.
  static std::string Teacher() { return Token({"teacher"}, {"st-marys"}, suite->class_teacher); }
  static std::string Guardian() { return Token({"guardian"}, {"st-marys"}, suite->guardian); }
  static std::string Office() { return Token({"office"}, {"st-marys"}, "office@st-marys"); }
  static std::string Leader() { return Token({"senior_leader"}, {"st-marys"}, "head@st-marys"); }
  static std::string OtherSchool() { return Token({"senior_leader"}, {"kenilworth"}, "head@kenilworth"); }
  static std::string TrustLeader() { return Token({"trust_leader"}, {}, "ceo@trust"); }
  static std::string IntakeService() { return Token({"service"}, {}, "service:school-app"); }

  // An email about the pupil's learning, received a minute ago.
  static ev1::OpenEnquiryRequest OpenRequest(const std::string& subject = "Reading book not changed") {
    ev1::OpenEnquiryRequest req;
    req.set_parent("schools/st-marys");
    ev1::Enquiry* e = req.mutable_enquiry();
    e->set_pupil(suite->pupil);
    e->set_guardian(suite->guardian);
    e->set_channel(ev1::CHANNEL_EMAIL);
    e->set_category("learning");
    *e->mutable_receive_time() = Ago(absl::Minutes(1));
    e->set_subject(subject);
    e->set_body_ref("mail/2026/11/0001");
    req.set_request_id(NewUuid());
    return req;
  }

  ev1::Enquiry Open(const std::string& token = "") {
    ev1::Enquiry out;
    grpc::Status s = Call(token.empty() ? Office() : token, &Stub::OpenEnquiry, OpenRequest(), &out);
    EXPECT_TRUE(s.ok()) << s.error_message();
    return out;
  }

  int CountEnquiries() {
    ev1::ListEnquiriesRequest req;
    req.set_parent("schools/st-marys");
    req.set_page_size(500);
    ev1::ListEnquiriesResponse resp;
    grpc::Status s = Call(Office(), &Stub::ListEnquiries, req, &resp);
    EXPECT_TRUE(s.ok()) << s.error_message();
    return resp.enquiries_size();
  }

  std::vector<std::string> ListNames(const ev1::ListEnquiriesRequest& req) {
    ev1::ListEnquiriesResponse resp;
    grpc::Status s = Call(Office(), &Stub::ListEnquiries, req, &resp);
    EXPECT_TRUE(s.ok()) << s.error_message();
    std::vector<std::string> names;
    for (const ev1::Enquiry& e : resp.enquiries()) names.push_back(e.name());
    return names;
  }

  std::unique_ptr<Stub> stub_;
  static bool ready_;
};
bool EscalationE2eTest::ready_ = false;

template <typename Req>
Req Named(const std::string& name, const std::string& etag = "") {
  Req req;
  req.set_name(name);
  req.set_etag(etag);
  req.set_request_id(NewUuid());
  return req;
}

TEST_F(EscalationE2eTest, AnEnquiryIsRoutedClockedAcknowledgedPausedAndEscalated) {
  const ev1::Enquiry opened = Open();
  EXPECT_THAT(opened.name(), HasSubstr("schools/st-marys/enquiries/"));
  EXPECT_EQ(opened.state(), ev1::ENQUIRY_STATE_OPEN);
  EXPECT_EQ(opened.owner(), suite->class_teacher);
  EXPECT_EQ(opened.rung(), 0);
  EXPECT_FALSE(opened.rung_role().empty());
  EXPECT_EQ(opened.cycle(), 1);
  EXPECT_EQ(opened.gate_outcome(), "ALLOW");
  EXPECT_THAT(opened.gate_decision(), HasSubstr("schools/st-marys/decisions/"));
  EXPECT_EQ(opened.acknowledge().stage(), ev1::STAGE_ACKNOWLEDGE);
  EXPECT_EQ(opened.acknowledge().state(), ev1::CLOCK_STATE_RUNNING);
  ASSERT_TRUE(opened.acknowledge().has_due_time());
  ASSERT_TRUE(opened.respond().has_due_time());
  EXPECT_GT(opened.acknowledge().due_time().seconds(), opened.receive_time().seconds());
  EXPECT_GE(opened.respond().due_time().seconds(), opened.acknowledge().due_time().seconds());
  // How contacts reached each due instant, kept with the clock (clock rule 9
  // (docs/architecture.md#policy-clock-rules)).
  EXPECT_THAT(opened.acknowledge().explanation(), HasSubstr("Due "));
  EXPECT_FALSE(opened.respond().explanation().empty());
  EXPECT_FALSE(opened.acknowledge().calendar_version().empty());
  EXPECT_FALSE(opened.acknowledge().policy_version().empty());

  // Get shows the same enquiry.
  ev1::GetEnquiryRequest get;
  get.set_name(opened.name());
  ev1::Enquiry got;
  ASSERT_TRUE(Call(Teacher(), &Stub::GetEnquiry, get, &got).ok());
  EXPECT_EQ(got.etag(), opened.etag());
  EXPECT_EQ(got.owner(), opened.owner());
  EXPECT_EQ(TimeUtil::ToString(got.acknowledge().due_time()), TimeUtil::ToString(opened.acknowledge().due_time()));

  // Acknowledge; a retry of the same request replays; acknowledging again is the wrong state.
  const auto ack = Named<ev1::AcknowledgeEnquiryRequest>(opened.name(), opened.etag());
  ev1::Enquiry acked, replayed, again;
  grpc::Status s = Call(Teacher(), &Stub::AcknowledgeEnquiry, ack, &acked);
  ASSERT_TRUE(s.ok()) << s.error_message();
  EXPECT_EQ(acked.state(), ev1::ENQUIRY_STATE_ACKNOWLEDGED);
  EXPECT_EQ(acked.acknowledge().state(), ev1::CLOCK_STATE_MET);
  EXPECT_NE(acked.etag(), opened.etag());
  s = Call(Teacher(), &Stub::AcknowledgeEnquiry, ack, &replayed);
  ASSERT_TRUE(s.ok()) << s.error_message();
  EXPECT_EQ(replayed.etag(), acked.etag());
  EXPECT_EQ(replayed.SerializeAsString(), acked.SerializeAsString());
  s = Call(Teacher(), &Stub::AcknowledgeEnquiry, Named<ev1::AcknowledgeEnquiryRequest>(opened.name()), &again);
  EXPECT_EQ(s.error_code(), grpc::StatusCode::FAILED_PRECONDITION) << s.error_message();

  // A stale etag is a lost update.
  auto pause = Named<ev1::PauseEnquiryRequest>(opened.name(), opened.etag());
  pause.set_reason("Waiting for the reading record from home");
  ev1::Enquiry paused;
  EXPECT_EQ(Call(Teacher(), &Stub::PauseEnquiry, pause, &paused).error_code(), grpc::StatusCode::ABORTED);
  pause.set_etag(acked.etag());
  pause.set_request_id(NewUuid());
  s = Call(Teacher(), &Stub::PauseEnquiry, pause, &paused);
  ASSERT_TRUE(s.ok()) << s.error_message();
  EXPECT_EQ(paused.state(), ev1::ENQUIRY_STATE_AWAITING_PARENT);
  EXPECT_EQ(paused.respond().state(), ev1::CLOCK_STATE_PAUSED);
  EXPECT_FALSE(paused.respond().has_due_time());

  ev1::Enquiry resumed;
  s = Call(Teacher(), &Stub::ResumeEnquiry, Named<ev1::ResumeEnquiryRequest>(opened.name(), paused.etag()), &resumed);
  ASSERT_TRUE(s.ok()) << s.error_message();
  EXPECT_EQ(resumed.state(), ev1::ENQUIRY_STATE_ACKNOWLEDGED);
  EXPECT_EQ(resumed.respond().state(), ev1::CLOCK_STATE_RUNNING);
  ASSERT_TRUE(resumed.respond().has_due_time());
  EXPECT_GE(resumed.respond().due_time().seconds(), opened.respond().due_time().seconds());

  // Up one rung: the deputy head owns it, with a fresh response clock.
  auto escalate = Named<ev1::EscalateEnquiryRequest>(opened.name(), resumed.etag());
  escalate.set_reason("The parent asked for the deputy head");
  escalate.set_parent_requested(true);
  ev1::Enquiry escalated;
  s = Call(Teacher(), &Stub::EscalateEnquiry, escalate, &escalated);
  ASSERT_TRUE(s.ok()) << s.error_message();
  EXPECT_EQ(escalated.rung(), 1);
  EXPECT_EQ(escalated.owner(), suite->deputy_head);
  EXPECT_EQ(escalated.respond().state(), ev1::CLOCK_STATE_RUNNING);
  EXPECT_TRUE(escalated.respond().has_due_time());

  // No longer the class teacher's: they read it no more. The history, oldest first, two at a time.
  ev1::Enquiry gone;
  EXPECT_EQ(Call(Teacher(), &Stub::GetEnquiry, get, &gone).error_code(), grpc::StatusCode::NOT_FOUND);
  std::vector<ev1::EnquiryEventKind> kinds;
  std::vector<std::string> names;
  ev1::ListEnquiryEventsRequest events;
  events.set_parent(opened.name());
  events.set_page_size(2);
  int pages = 0;
  for (;;) {
    ev1::ListEnquiryEventsResponse page;
    s = Call(Leader(), &Stub::ListEnquiryEvents, events, &page);
    ASSERT_TRUE(s.ok()) << s.error_message();
    ++pages;
    for (const ev1::EnquiryEvent& ev : page.events()) {
      kinds.push_back(ev.kind());
      names.push_back(ev.name());
    }
    if (page.next_page_token().empty()) break;
    events.set_page_token(page.next_page_token());
  }
  EXPECT_THAT(kinds, ElementsAre(ev1::ENQUIRY_EVENT_KIND_RECEIVED, ev1::ENQUIRY_EVENT_KIND_GATED,
                                 ev1::ENQUIRY_EVENT_KIND_ROUTED, ev1::ENQUIRY_EVENT_KIND_ACKNOWLEDGED,
                                 ev1::ENQUIRY_EVENT_KIND_PAUSED, ev1::ENQUIRY_EVENT_KIND_RESUMED,
                                 ev1::ENQUIRY_EVENT_KIND_ESCALATED));
  EXPECT_EQ(pages, 4);
  ASSERT_FALSE(names.empty());
  EXPECT_EQ(names.front(), absl::StrCat(opened.name(), "/events/1"));
  events.set_page_token("not-a-token");
  ev1::ListEnquiryEventsResponse bad_page;
  EXPECT_EQ(Call(Leader(), &Stub::ListEnquiryEvents, events, &bad_page).error_code(),
            grpc::StatusCode::INVALID_ARGUMENT);

  // The figures count it.
  ev1::GetSchoolStatsRequest stats_req;
  stats_req.set_school("schools/st-marys");
  *stats_req.mutable_start_time() = Ago(absl::Hours(24));
  *stats_req.mutable_end_time() = Ago(-absl::Hours(24));
  ev1::SchoolStats stats;
  s = Call(TrustLeader(), &Stub::GetSchoolStats, stats_req, &stats);
  ASSERT_TRUE(s.ok()) << s.error_message();
  EXPECT_GE(stats.all().received(), 1);
  EXPECT_GE(stats.open_now(), 1);
  bool rung1 = false;
  for (const ev1::RungCount& c : stats.escalations_by_rung()) rung1 |= c.rung() == 1 && c.count() >= 1;
  EXPECT_TRUE(rung1);
  bool learning = false;
  for (const ev1::CategoryFigures& c : stats.by_category()) learning |= c.category() == "learning";
  EXPECT_TRUE(learning);
}

TEST_F(EscalationE2eTest, ListsFilterAndPage) {
  const ev1::Enquiry a = Open();
  const ev1::Enquiry b = Open(IntakeService());
  ev1::Enquiry b_acked;
  ASSERT_TRUE(
      Call(Teacher(), &Stub::AcknowledgeEnquiry, Named<ev1::AcknowledgeEnquiryRequest>(b.name()), &b_acked).ok());

  ev1::ListEnquiriesRequest req;
  req.set_parent("schools/st-marys");
  std::vector<std::string> all = ListNames(req);
  ASSERT_GE(all.size(), 2u);
  EXPECT_EQ(all[0], b.name());  // newest first
  EXPECT_EQ(all[1], a.name());

  req.set_state(ev1::ENQUIRY_STATE_ACKNOWLEDGED);
  std::vector<std::string> acked = ListNames(req);
  EXPECT_THAT(acked, ::testing::Contains(b.name()));
  EXPECT_THAT(acked, ::testing::Not(::testing::Contains(a.name())));
  req.set_state(ev1::ENQUIRY_STATE_OPEN);
  EXPECT_THAT(ListNames(req), ::testing::Contains(a.name()));
  req.clear_state();

  req.set_owner(suite->class_teacher);
  EXPECT_THAT(ListNames(req), ::testing::IsSupersetOf({a.name(), b.name()}));
  req.set_owner(suite->head);
  EXPECT_THAT(ListNames(req), ::testing::Not(::testing::Contains(a.name())));
  req.clear_owner();

  req.set_category("pastoral");
  EXPECT_THAT(ListNames(req), ::testing::IsEmpty());
  req.set_category("learning");
  EXPECT_THAT(ListNames(req), ::testing::IsSupersetOf({a.name(), b.name()}));
  req.clear_category();

  // Nothing is overdue yet; both are due before the acknowledgement falls due for `a`, plus a day.
  req.set_overdue(true);
  EXPECT_THAT(ListNames(req), ::testing::Not(::testing::Contains(a.name())));
  req.set_overdue(false);
  *req.mutable_due_before() = a.acknowledge().due_time();
  EXPECT_THAT(ListNames(req), ::testing::Not(::testing::Contains(a.name())));
  req.mutable_due_before()->set_seconds(a.acknowledge().due_time().seconds() + 1);
  EXPECT_THAT(ListNames(req), ::testing::Contains(a.name()));
  req.clear_due_before();

  // Pages of one, each continuing where the last stopped.
  req.set_page_size(1);
  std::vector<std::string> paged;
  for (int i = 0; i < 2; ++i) {
    ev1::ListEnquiriesResponse resp;
    ASSERT_TRUE(Call(Office(), &Stub::ListEnquiries, req, &resp).ok());
    ASSERT_EQ(resp.enquiries_size(), 1);
    paged.push_back(resp.enquiries(0).name());
    // Whether more follow `a` depends on the tests run before this one in the process.
    if (i == 0) {
      ASSERT_FALSE(resp.next_page_token().empty());
    }
    req.set_page_token(resp.next_page_token());
  }
  EXPECT_THAT(paged, ElementsAre(b.name(), a.name()));

  ev1::ListEnquiriesRequest bad;
  bad.set_parent("schools/st-marys");
  bad.set_owner("schools/kenilworth/staff/someone");
  ev1::ListEnquiriesResponse out;
  grpc::Status s = Call(Teacher(), &Stub::ListEnquiries, bad, &out);
  EXPECT_EQ(s.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_THAT(s.error_message(), HasSubstr("owner"));
}

// Every RPC: the school's own staff may as their roles reach (a teacher only on what they own; the
// figures and reassignment are not a teacher's), another school's may not (whether or not the
// enquiry exists), a trust leader reads but never acts, and a call without a token is refused.
TEST_F(EscalationE2eTest, TenancyHoldsForEveryRpc) {
  const ev1::Enquiry e = Open();
  const std::string missing = "schools/st-marys/enquiries/e000000000000";
  const std::string no_token;

  // Reads.
  using Read = std::function<grpc::Status(const std::string& token, const std::string& name)>;
  const std::vector<std::pair<std::string, Read>> reads = {
      {"GetEnquiry",
       [&](const std::string& t, const std::string& n) {
         ev1::GetEnquiryRequest r;
         r.set_name(n);
         ev1::Enquiry out;
         return Call(t, &Stub::GetEnquiry, r, &out);
       }},
      {"ListEnquiries",
       [&](const std::string& t, const std::string&) {
         ev1::ListEnquiriesRequest r;
         r.set_parent("schools/st-marys");
         ev1::ListEnquiriesResponse out;
         return Call(t, &Stub::ListEnquiries, r, &out);
       }},
      {"ListEnquiryEvents",
       [&](const std::string& t, const std::string& n) {
         ev1::ListEnquiryEventsRequest r;
         r.set_parent(n);
         ev1::ListEnquiryEventsResponse out;
         return Call(t, &Stub::ListEnquiryEvents, r, &out);
       }},
      {"GetSchoolStats",
       [&](const std::string& t, const std::string&) {
         ev1::GetSchoolStatsRequest r;
         r.set_school("schools/st-marys");
         *r.mutable_start_time() = Ago(absl::Hours(24));
         *r.mutable_end_time() = Ago(-absl::Hours(1));
         ev1::SchoolStats out;
         return Call(t, &Stub::GetSchoolStats, r, &out);
       }},
  };
  for (const auto& [rpc, read] : reads) {
    SCOPED_TRACE(rpc);
    if (rpc == "GetSchoolStats") {
      EXPECT_EQ(read(Teacher(), e.name()).error_code(), grpc::StatusCode::PERMISSION_DENIED);
      EXPECT_TRUE(read(Office(), e.name()).ok());
    } else {
      EXPECT_TRUE(read(Teacher(), e.name()).ok());
    }
    EXPECT_TRUE(read(TrustLeader(), e.name()).ok());
    EXPECT_EQ(read(OtherSchool(), e.name()).error_code(), grpc::StatusCode::PERMISSION_DENIED);
    EXPECT_EQ(read(OtherSchool(), missing).error_code(), grpc::StatusCode::PERMISSION_DENIED);
    EXPECT_EQ(read(no_token, e.name()).error_code(), grpc::StatusCode::UNAUTHENTICATED);
  }

  // Intake: the school's staff and services; not another school, not a trust leader.
  const int before = CountEnquiries();
  ev1::Enquiry out;
  EXPECT_EQ(Call(OtherSchool(), &Stub::OpenEnquiry, OpenRequest(), &out).error_code(),
            grpc::StatusCode::PERMISSION_DENIED);
  EXPECT_EQ(Call(TrustLeader(), &Stub::OpenEnquiry, OpenRequest(), &out).error_code(),
            grpc::StatusCode::PERMISSION_DENIED);
  EXPECT_EQ(Call(no_token, &Stub::OpenEnquiry, OpenRequest(), &out).error_code(), grpc::StatusCode::UNAUTHENTICATED);
  EXPECT_EQ(CountEnquiries(), before);
  EXPECT_TRUE(Call(IntakeService(), &Stub::OpenEnquiry, OpenRequest(), &out).ok());
  EXPECT_TRUE(Call(Teacher(), &Stub::OpenEnquiry, OpenRequest(), &out).ok());
  EXPECT_EQ(CountEnquiries(), before + 2);

  // Staff actions, in an order the enquiry allows: each refused to the others first.
  using Action = std::function<grpc::Status(const std::string& token, const std::string& name, ev1::Enquiry* out)>;
  const std::vector<std::pair<std::string, Action>> actions = {
      {"AcknowledgeEnquiry",
       [&](const std::string& t, const std::string& n, ev1::Enquiry* o) {
         return Call(t, &Stub::AcknowledgeEnquiry, Named<ev1::AcknowledgeEnquiryRequest>(n), o);
       }},
      {"PauseEnquiry",
       [&](const std::string& t, const std::string& n, ev1::Enquiry* o) {
         auto r = Named<ev1::PauseEnquiryRequest>(n);
         r.set_reason("Waiting for the parent");
         return Call(t, &Stub::PauseEnquiry, r, o);
       }},
      {"ResumeEnquiry",
       [&](const std::string& t, const std::string& n, ev1::Enquiry* o) {
         return Call(t, &Stub::ResumeEnquiry, Named<ev1::ResumeEnquiryRequest>(n), o);
       }},
      {"RecordReply",
       [&](const std::string& t, const std::string& n, ev1::Enquiry* o) {
         auto r = Named<ev1::RecordReplyRequest>(n);
         r.set_body_ref("mail/2026/11/0002");
         return Call(t, &Stub::RecordReply, r, o);
       }},
      {"ResolveEnquiry",
       [&](const std::string& t, const std::string& n, ev1::Enquiry* o) {
         return Call(t, &Stub::ResolveEnquiry, Named<ev1::ResolveEnquiryRequest>(n), o);
       }},
      {"ReopenEnquiry",
       [&](const std::string& t, const std::string& n, ev1::Enquiry* o) {
         auto r = Named<ev1::ReopenEnquiryRequest>(n);
         r.set_reason("The parent wrote again");
         return Call(t, &Stub::ReopenEnquiry, r, o);
       }},
      {"EscalateEnquiry",
       [&](const std::string& t, const std::string& n, ev1::Enquiry* o) {
         auto r = Named<ev1::EscalateEnquiryRequest>(n);
         r.set_reason("Still unresolved");
         return Call(t, &Stub::EscalateEnquiry, r, o);
       }},
      {"ReassignEnquiry",
       [&](const std::string& t, const std::string& n, ev1::Enquiry* o) {
         auto r = Named<ev1::ReassignEnquiryRequest>(n);
         r.set_new_owner(suite->head);
         r.set_reason("Cover for absence");
         return Call(t, &Stub::ReassignEnquiry, r, o);
       }},
      {"MarkAbusive",
       [&](const std::string& t, const std::string& n, ev1::Enquiry* o) {
         return Call(t, &Stub::MarkAbusive, Named<ev1::MarkAbusiveRequest>(n), o);
       }},
  };
  for (const auto& [rpc, act] : actions) {
    SCOPED_TRACE(rpc);
    ev1::Enquiry result;
    EXPECT_EQ(act(OtherSchool(), e.name(), &result).error_code(), grpc::StatusCode::PERMISSION_DENIED);
    EXPECT_EQ(act(OtherSchool(), missing, &result).error_code(), grpc::StatusCode::PERMISSION_DENIED);
    EXPECT_EQ(act(TrustLeader(), e.name(), &result).error_code(), grpc::StatusCode::PERMISSION_DENIED);
    EXPECT_EQ(act(no_token, e.name(), &result).error_code(), grpc::StatusCode::UNAUTHENTICATED);
    if (rpc == "ReassignEnquiry" || rpc == "MarkAbusive") {
      // Cover and abusive marks are the office's and leaders', not a teacher's.
      EXPECT_EQ(act(Teacher(), e.name(), &result).error_code(), grpc::StatusCode::PERMISSION_DENIED);
      grpc::Status s = act(Leader(), e.name(), &result);
      EXPECT_TRUE(s.ok()) << s.error_message();
      if (rpc == "ReassignEnquiry") {
        EXPECT_EQ(result.owner(), suite->head);
      }
      continue;
    }
    grpc::Status s = act(Teacher(), e.name(), &result);
    EXPECT_TRUE(s.ok()) << s.error_message();
  }
  ev1::GetEnquiryRequest get;
  get.set_name(e.name());
  ev1::Enquiry final_state;
  // Escalated past the class teacher: no longer theirs to read.
  EXPECT_EQ(Call(Teacher(), &Stub::GetEnquiry, get, &final_state).error_code(), grpc::StatusCode::NOT_FOUND);
  ASSERT_TRUE(Call(Office(), &Stub::GetEnquiry, get, &final_state).ok());
  EXPECT_EQ(final_state.state(), ev1::ENQUIRY_STATE_NO_RESPONSE_REQUIRED);
  EXPECT_EQ(final_state.cycle(), 2);
  EXPECT_EQ(final_state.rung(), 1);
}

// A guardian opens enquiries about themselves only, reads and lists only those, without what staff
// keep for themselves, and another's is answered as one that does not exist; a teacher reads and
// acts only on what they own now.
TEST_F(EscalationE2eTest, AGuardianAndATeacherReachOnlyTheirOwn) {
  ev1::OpenEnquiryRequest own = OpenRequest("About my child's reading");
  ev1::Enquiry opened;
  grpc::Status s = Call(Guardian(), &Stub::OpenEnquiry, own, &opened);
  ASSERT_TRUE(s.ok()) << s.error_message();
  EXPECT_EQ(opened.guardian(), suite->guardian);
  EXPECT_TRUE(opened.gate_decision().empty());
  EXPECT_TRUE(opened.gate_outcome().empty());
  EXPECT_TRUE(opened.body_ref().empty());
  EXPECT_TRUE(opened.acknowledge().explanation().empty());
  EXPECT_EQ(opened.owner(), suite->class_teacher);

  ev1::OpenEnquiryRequest someone_else = OpenRequest();
  someone_else.mutable_enquiry()->set_guardian("guardians/someone-else");
  ev1::Enquiry out;
  s = Call(Guardian(), &Stub::OpenEnquiry, someone_else, &out);
  EXPECT_EQ(s.error_code(), grpc::StatusCode::PERMISSION_DENIED) << s.error_message();

  // About another family's child at the same school: answered exactly as a pupil not on roll (the
  // same code, reason and words), and nothing is opened. The office recording it is held to the
  // same rule ("parents/carers will only be invited to discuss their own children"), with a reason
  // that says so.
  const int before = CountEnquiries();
  auto open_about = [&](const std::string& token, const std::string& pupil, std::string* reason) {
    ev1::OpenEnquiryRequest req = OpenRequest("About a classmate");
    req.mutable_enquiry()->set_pupil(pupil);
    grpc::ClientContext ctx;
    Authorize(ctx, token);
    ev1::Enquiry opened_about;
    const grpc::Status status = stub_->OpenEnquiry(&ctx, req, &opened_about);
    const auto& trailers = ctx.GetServerTrailingMetadata();
    auto it = trailers.find("parley-error-reason");
    *reason = it == trailers.end() ? "" : std::string(it->second.data(), it->second.size());
    return status;
  };
  const std::string no_pupil = "schools/st-marys/pupils/no-such-pupil";
  std::string other_reason, missing_reason, office_reason;
  const grpc::Status other_family = open_about(Guardian(), suite->other_family_pupil, &other_reason);
  const grpc::Status no_such = open_about(Guardian(), no_pupil, &missing_reason);
  const grpc::Status office_no_such = open_about(Office(), no_pupil, &office_reason);
  EXPECT_EQ(other_family.error_code(), grpc::StatusCode::NOT_FOUND) << other_family.error_message();
  EXPECT_EQ(other_reason, "PUPIL_NOT_FOUND");
  EXPECT_EQ(no_such.error_code(), other_family.error_code());
  EXPECT_EQ(missing_reason, other_reason);
  const std::string other_id = suite->other_family_pupil.substr(suite->other_family_pupil.rfind('/') + 1);
  EXPECT_EQ(other_family.error_message(), absl::StrReplaceAll(no_such.error_message(), {{"no-such-pupil", other_id}}));
  EXPECT_EQ(office_no_such.error_code(), no_such.error_code());
  EXPECT_EQ(office_reason, missing_reason);
  EXPECT_EQ(office_no_such.error_message(), no_such.error_message());
  EXPECT_EQ(open_about(Office(), suite->other_family_pupil, &office_reason).error_code(),
            grpc::StatusCode::FAILED_PRECONDITION);
  EXPECT_EQ(office_reason, "NOT_LINKED_TO_PUPIL");
  EXPECT_EQ(CountEnquiries(), before);

  // An unidentified sender's enquiry (no guardian) is nobody's own.
  ev1::OpenEnquiryRequest anonymous = OpenRequest("Parking outside the gate");
  anonymous.mutable_enquiry()->clear_guardian();
  ev1::Enquiry not_theirs;
  ASSERT_TRUE(Call(Office(), &Stub::OpenEnquiry, anonymous, &not_theirs).ok());

  ev1::GetEnquiryRequest get;
  get.set_name(opened.name());
  ev1::Enquiry seen;
  ASSERT_TRUE(Call(Guardian(), &Stub::GetEnquiry, get, &seen).ok());
  EXPECT_TRUE(seen.gate_decision().empty());
  EXPECT_TRUE(seen.body_ref().empty());
  get.set_name(not_theirs.name());
  grpc::ClientContext ctx;
  Authorize(ctx, Guardian());
  const grpc::Status hidden = stub_->GetEnquiry(&ctx, get, &out);
  get.set_name("schools/st-marys/enquiries/e000000000000");
  grpc::ClientContext ctx2;
  Authorize(ctx2, Guardian());
  const grpc::Status missing = stub_->GetEnquiry(&ctx2, get, &out);
  EXPECT_EQ(hidden.error_code(), grpc::StatusCode::NOT_FOUND);
  EXPECT_EQ(missing.error_code(), grpc::StatusCode::NOT_FOUND);
  EXPECT_EQ(hidden.error_message(),
            absl::StrReplaceAll(missing.error_message(),
                                {{"e000000000000", not_theirs.name().substr(not_theirs.name().rfind('/') + 1)}}));

  ev1::ListEnquiriesRequest list;
  list.set_parent("schools/st-marys");
  list.set_page_size(500);
  ev1::ListEnquiriesResponse listed;
  ASSERT_TRUE(Call(Guardian(), &Stub::ListEnquiries, list, &listed).ok());
  bool found = false;
  for (const ev1::Enquiry& e : listed.enquiries()) {
    EXPECT_EQ(e.guardian(), suite->guardian);
    EXPECT_TRUE(e.body_ref().empty());
    found |= e.name() == opened.name();
  }
  EXPECT_TRUE(found);

  ev1::ListEnquiryEventsRequest events;
  events.set_parent(opened.name());
  ev1::ListEnquiryEventsResponse history;
  ASSERT_TRUE(Call(Guardian(), &Stub::ListEnquiryEvents, events, &history).ok());
  for (const ev1::EnquiryEvent& ev : history.events()) EXPECT_NE(ev.kind(), ev1::ENQUIRY_EVENT_KIND_GATED);
  ev1::Enquiry acked;
  EXPECT_EQ(Call(Guardian(), &Stub::AcknowledgeEnquiry, Named<ev1::AcknowledgeEnquiryRequest>(opened.name()), &acked)
                .error_code(),
            grpc::StatusCode::PERMISSION_DENIED);

  // The class teacher acts on the guardian's (theirs); not on the anonymous one (the office's route).
  ASSERT_TRUE(
      Call(Teacher(), &Stub::AcknowledgeEnquiry, Named<ev1::AcknowledgeEnquiryRequest>(opened.name()), &acked).ok());
  if (not_theirs.owner() != suite->class_teacher) {
    EXPECT_EQ(
        Call(Teacher(), &Stub::AcknowledgeEnquiry, Named<ev1::AcknowledgeEnquiryRequest>(not_theirs.name()), &acked)
            .error_code(),
        grpc::StatusCode::NOT_FOUND);
  }
}

// Request ids live in the caller's tenancy (api::RequestKeyFor): a St Mary's caller using an id
// first does not make Kenilworth's first use of it REQUEST_ID_REUSED, on the real store; and each
// school's retry still replays its own first response.
TEST_F(EscalationE2eTest, RequestIdsAreScopedToTheCallersSchools) {
  ev1::OpenEnquiryRequest st_marys = OpenRequest("Same id, St Mary's");
  ev1::Enquiry first;
  ASSERT_TRUE(Call(Office(), &Stub::OpenEnquiry, st_marys, &first).ok());

  ev1::OpenEnquiryRequest kenilworth = OpenRequest("Same id, Kenilworth");
  kenilworth.set_parent("schools/kenilworth");
  kenilworth.set_request_id(st_marys.request_id());
  kenilworth.mutable_enquiry()->set_pupil(suite->kenilworth_pupil);
  kenilworth.mutable_enquiry()->clear_guardian();
  ev1::Enquiry theirs, theirs_again, ours_again;
  grpc::Status s = Call(OtherSchool(), &Stub::OpenEnquiry, kenilworth, &theirs);
  ASSERT_TRUE(s.ok()) << s.error_code() << " " << s.error_message();
  EXPECT_THAT(theirs.name(), HasSubstr("schools/kenilworth/enquiries/"));
  ASSERT_TRUE(Call(OtherSchool(), &Stub::OpenEnquiry, kenilworth, &theirs_again).ok());
  EXPECT_EQ(theirs_again.name(), theirs.name());
  ASSERT_TRUE(Call(Office(), &Stub::OpenEnquiry, st_marys, &ours_again).ok());
  EXPECT_EQ(ours_again.name(), first.name());
}

TEST_F(EscalationE2eTest, BadInputIsRefusedClearlyAndWritesNothing) {
  const int before = CountEnquiries();
  ev1::Enquiry out;

  ev1::OpenEnquiryRequest unknown_category = OpenRequest();
  unknown_category.mutable_enquiry()->set_category("astrology");
  grpc::Status s = Call(Office(), &Stub::OpenEnquiry, unknown_category, &out);
  EXPECT_EQ(s.error_code(), grpc::StatusCode::INVALID_ARGUMENT) << s.error_message();

  ev1::OpenEnquiryRequest other_pupil = OpenRequest();
  other_pupil.mutable_enquiry()->set_pupil(suite->kenilworth_pupil);
  s = Call(Office(), &Stub::OpenEnquiry, other_pupil, &out);
  EXPECT_EQ(s.error_code(), grpc::StatusCode::INVALID_ARGUMENT) << s.error_message();
  EXPECT_THAT(s.error_message(), HasSubstr("pupil"));

  ev1::OpenEnquiryRequest future = OpenRequest();
  *future.mutable_enquiry()->mutable_receive_time() = Ago(-absl::Hours(1));
  s = Call(Office(), &Stub::OpenEnquiry, future, &out);
  EXPECT_EQ(s.error_code(), grpc::StatusCode::INVALID_ARGUMENT) << s.error_message();
  EXPECT_THAT(s.error_message(), HasSubstr("receive_time"));

  s = Call(Office(), &Stub::OpenEnquiry, OpenRequest(std::string(201, 'x')), &out);
  EXPECT_EQ(s.error_code(), grpc::StatusCode::INVALID_ARGUMENT) << s.error_message();
  EXPECT_THAT(s.error_message(), HasSubstr("enquiry.subject"));

  ev1::OpenEnquiryRequest no_channel = OpenRequest();
  no_channel.mutable_enquiry()->clear_channel();
  s = Call(Office(), &Stub::OpenEnquiry, no_channel, &out);
  EXPECT_EQ(s.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_THAT(s.error_message(), HasSubstr("enquiry.channel"));

  ev1::OpenEnquiryRequest no_request_id = OpenRequest();
  no_request_id.clear_request_id();
  EXPECT_EQ(Call(Office(), &Stub::OpenEnquiry, no_request_id, &out).error_code(), grpc::StatusCode::INVALID_ARGUMENT);

  ev1::OpenEnquiryRequest bad_parent = OpenRequest();
  bad_parent.set_parent("st-marys");
  s = Call(Office(), &Stub::OpenEnquiry, bad_parent, &out);
  EXPECT_EQ(s.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_THAT(s.error_message(), HasSubstr("parent"));

  EXPECT_EQ(CountEnquiries(), before);

  // A 200-character subject is fine, and so is the same request id retried.
  ev1::OpenEnquiryRequest longest = OpenRequest(std::string(200, 'x'));
  ev1::Enquiry first, retried;
  s = Call(Office(), &Stub::OpenEnquiry, longest, &first);
  ASSERT_TRUE(s.ok()) << s.error_message();
  ASSERT_TRUE(Call(Office(), &Stub::OpenEnquiry, longest, &retried).ok());
  EXPECT_EQ(retried.name(), first.name());
  EXPECT_EQ(CountEnquiries(), before + 1);
  // The same id with a different request is refused.
  longest.mutable_enquiry()->set_subject("Something else");
  EXPECT_EQ(Call(Office(), &Stub::OpenEnquiry, longest, &out).error_code(), grpc::StatusCode::INVALID_ARGUMENT);

  // Staff actions check their fields too.
  auto pause = Named<ev1::PauseEnquiryRequest>(first.name());
  s = Call(Teacher(), &Stub::PauseEnquiry, pause, &out);
  EXPECT_EQ(s.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_THAT(s.error_message(), HasSubstr("reason"));
  auto reassign = Named<ev1::ReassignEnquiryRequest>(first.name());
  reassign.set_reason("Cover");
  reassign.set_new_owner("schools/kenilworth/staff/someone");
  s = Call(Leader(), &Stub::ReassignEnquiry, reassign, &out);
  EXPECT_EQ(s.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_THAT(s.error_message(), HasSubstr("new_owner"));
  // Of this school, but nobody in its directory: refused, the owner unchanged.
  reassign = Named<ev1::ReassignEnquiryRequest>(first.name());
  reassign.set_reason("Cover");
  reassign.set_new_owner("schools/st-marys/staff/nobody-of-that-name");
  s = Call(Leader(), &Stub::ReassignEnquiry, reassign, &out);
  EXPECT_EQ(s.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_THAT(s.error_message(), HasSubstr("not a member of staff"));
  ev1::GetEnquiryRequest again;
  again.set_name(first.name());
  ASSERT_TRUE(Call(Teacher(), &Stub::GetEnquiry, again, &out).ok());
  EXPECT_EQ(out.owner(), first.owner());
  ev1::GetEnquiryRequest get;
  get.set_name("schools/st-marys/enquiries/e000000000000");
  EXPECT_EQ(Call(Teacher(), &Stub::GetEnquiry, get, &out).error_code(), grpc::StatusCode::NOT_FOUND);
}

}  // namespace
}  // namespace parley::e2e
