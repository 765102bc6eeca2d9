// EscalationApi over the real domain on an in-memory store and scripted peers, called through an
// in-process channel: every RPC's status code and `parley-error-reason` trailer for a missing
// token, another school (before existence), bad names and page tokens, what is not there, and a
// replayed request id; and list pages walked with their tokens. Reach (common/auth/access.h): a
// guardian opens, reads and lists only enquiries about them, without staff-internal fields; a
// teacher reads and acts only on what they own now; a trust leader reads and never acts; another
// family's or owner's enquiry is answered exactly as one that does not exist.
#include "services/escalation/api/escalation_api.h"

#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_replace.h"
#include "absl/time/clock.h"
#include "common/auth/access.h"
#include "common/auth/signer.h"
#include "common/auth/testing/test_keys.h"
#include "common/auth/verifier.h"
#include "common/calendar/calendar.h"
#include "common/clock/clock.h"
#include "common/grpc/timestamp.h"
#include "common/timer/types.h"
#include "common/version/version.h"
#include "grpcpp/grpcpp.h"
#include "gtest/gtest.h"
#include "services/escalation/api/convert.h"
#include "services/escalation/testing/calendar_deadline_source.h"
#include "services/escalation/testing/fake_peers.h"
#include "services/escalation/testing/in_memory_enquiry_store.h"

namespace parley::escalation {
namespace {

constexpr char kSchool[] = "st-marys";
constexpr char kIssuer[] = "parley-test";
constexpr char kAudience[] = "parley";

std::shared_ptr<const calendar::Calendar> AlwaysOpen() {
  calendar::CalendarSpec spec;
  spec.time_zone = "UTC";
  spec.terms = {calendar::DateRange{absl::CivilDay(2024, 1, 1), absl::CivilDay(2035, 12, 31), "always"}};
  spec.school_days = {true, true, true, true, true, true, true};
  spec.core_hours = calendar::HoursRange{0, 24 * 60};
  return *calendar::Calendar::Build(spec);
}

// A call's outcome: the code and the reason trailer.
struct Outcome {
  grpc::StatusCode code = grpc::StatusCode::OK;
  std::string reason;
  std::string message;
};

std::ostream& operator<<(std::ostream& os, const Outcome& o) {
  return os << o.code << " " << o.reason << " (" << o.message << ")";
}

class EscalationApiTest : public ::testing::Test {
 protected:
  void SetUp() override {
    const auth::testing::KeyPair keys = auth::testing::GenerateEcP256();
    auth::VerifierOptions vopts;
    vopts.public_keys_pem = {keys.public_pem};
    vopts.issuer = kIssuer;
    vopts.audience = kAudience;
    verifier_ = *auth::Verifier::Create(vopts);
    signer_ = *auth::Signer::Create({keys.private_pem, kIssuer, kAudience, nullptr});

    directory_.LinkGuardian("guardians/g2", "schools/st-marys/pupils/p1");  // p1's other parent
    source_ = std::make_unique<testing::CalendarDeadlineSource>(AlwaysOpen());
    source_->SetBudget(Stage::kAcknowledge, calendar::Budget{calendar::Unit::kElapsed, 0, absl::Hours(2)});
    source_->SetBudget(Stage::kRespond, calendar::Budget{calendar::Unit::kElapsed, 0, absl::Hours(24)});
    service_ = std::make_unique<EnquiryService>(&store_, &gate_, &directory_, source_.get(), source_.get(), nullptr,
                                                &RealClock::Get());
    api_ = std::make_unique<EscalationApi>(service_.get(), verifier_.get());
    grpc::ServerBuilder builder;
    builder.RegisterService(api_.get());
    server_ = builder.BuildAndStart();
    stub_ = v1::EscalationService::NewStub(server_->InProcessChannel(grpc::ChannelArguments()));
    office_ = Token("office-1", {"office"}, {kSchool});
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
  using Method = grpc::Status (v1::EscalationService::Stub::*)(grpc::ClientContext*, const Req&, Resp*);

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

  v1::OpenEnquiryRequest OpenRequest(const std::string& school = kSchool) {
    v1::OpenEnquiryRequest req;
    req.set_parent(std::string("schools/") + school);
    req.set_request_id(RequestId());
    v1::Enquiry* e = req.mutable_enquiry();
    e->set_pupil(std::string("schools/") + school + "/pupils/p1");
    e->set_guardian("guardians/g1");
    e->set_channel(v1::CHANNEL_EMAIL);
    e->set_category("learning");
    *e->mutable_receive_time() = ToTimestamp(absl::Now() - absl::Minutes(1));
    e->set_subject("Homework");
    return req;
  }

  v1::Enquiry Open() { return OpenAbout("guardians/g1"); }

  // Opened by the office about `guardian`, with a body reference and in `category`.
  v1::Enquiry OpenAbout(const std::string& guardian, const std::string& category = "learning",
                        bool safeguarding = false) {
    v1::OpenEnquiryRequest req = OpenRequest();
    req.mutable_enquiry()->set_guardian(guardian);
    req.mutable_enquiry()->set_category(category);
    req.mutable_enquiry()->set_body_ref("mail/0001");
    req.mutable_enquiry()->set_sender_description("called from work");
    req.mutable_enquiry()->set_safeguarding(safeguarding);
    v1::Enquiry out;
    const Outcome o = Call(&v1::EscalationService::Stub::OpenEnquiry, req, office_, &out);
    EXPECT_EQ(o.code, grpc::StatusCode::OK) << o;
    return out;
  }

  // The answer a caller gets for an enquiry that does not exist, with `name`'s id in its words.
  Outcome NotThere(const std::string& token, const std::string& name) {
    v1::GetEnquiryRequest get;
    get.set_name("schools/st-marys/enquiries/e-404");
    Outcome o = Call(&v1::EscalationService::Stub::GetEnquiry, get, token);
    o.message = absl::StrReplaceAll(o.message, {{"e-404", name.substr(name.rfind('/') + 1)}});
    return o;
  }

  static bool SameAnswer(const Outcome& a, const Outcome& b) {
    return a.code == b.code && a.reason == b.reason && a.message == b.message;
  }

  // Fields only staff see: none of them set.
  static void ExpectGuardianView(const v1::Enquiry& e) {
    EXPECT_TRUE(e.body_ref().empty()) << e.name();
    EXPECT_TRUE(e.sender_description().empty()) << e.name();
    EXPECT_FALSE(e.safeguarding()) << e.name();
    EXPECT_TRUE(e.gate_decision().empty()) << e.name();
    EXPECT_TRUE(e.gate_outcome().empty()) << e.name();
    EXPECT_TRUE(e.acknowledge().calendar_version().empty() && e.acknowledge().explanation().empty()) << e.name();
    EXPECT_TRUE(e.respond().policy_version().empty() && e.respond().explanation().empty()) << e.name();
  }

  // One call of every RPC against `name` (an enquiry) or its school `parent`, each a valid request
  // otherwise.
  std::vector<std::pair<std::string, std::function<Outcome(const std::string& token)>>> EveryRpc(
      const std::string& parent, const std::string& name) {
    using S = v1::EscalationService::Stub;
    std::vector<std::pair<std::string, std::function<Outcome(const std::string&)>>> calls;
    calls.emplace_back("OpenEnquiry", [=](const std::string& t) {
      v1::OpenEnquiryRequest req = OpenRequest();
      req.set_parent(parent);
      return Call(&S::OpenEnquiry, req, t);
    });
    calls.emplace_back("GetEnquiry", [=](const std::string& t) {
      v1::GetEnquiryRequest req;
      req.set_name(name);
      return Call(&S::GetEnquiry, req, t);
    });
    calls.emplace_back("ListEnquiries", [=](const std::string& t) {
      v1::ListEnquiriesRequest req;
      req.set_parent(parent);
      return Call(&S::ListEnquiries, req, t);
    });
    calls.emplace_back("ListEnquiryEvents", [=](const std::string& t) {
      v1::ListEnquiryEventsRequest req;
      req.set_parent(name);
      return Call(&S::ListEnquiryEvents, req, t);
    });
    calls.emplace_back("GetSchoolStats", [=](const std::string& t) {
      v1::GetSchoolStatsRequest req;
      req.set_school(parent);
      *req.mutable_start_time() = ToTimestamp(absl::Now() - absl::Hours(24));
      *req.mutable_end_time() = ToTimestamp(absl::Now() + absl::Hours(1));
      return Call(&S::GetSchoolStats, req, t);
    });
    calls.emplace_back("ListBreaches", [=](const std::string& t) {
      v1::ListBreachesRequest req;
      req.set_parent(parent);
      *req.mutable_start_time() = ToTimestamp(absl::Now() - absl::Hours(24));
      *req.mutable_end_time() = ToTimestamp(absl::Now() + absl::Hours(1));
      return Call(&S::ListBreaches, req, t);
    });
#define PARLEY_ACTION(Rpc, Req, extra)                 \
  calls.emplace_back(#Rpc, [=](const std::string& t) { \
    v1::Req req;                                       \
    req.set_name(name);                                \
    req.set_request_id(RequestId());                   \
    extra;                                             \
    return Call(&S::Rpc, req, t);                      \
  })
    PARLEY_ACTION(AcknowledgeEnquiry, AcknowledgeEnquiryRequest, (void)0);
    PARLEY_ACTION(RecordReply, RecordReplyRequest, (void)0);
    PARLEY_ACTION(PauseEnquiry, PauseEnquiryRequest, req.set_reason("waiting"));
    PARLEY_ACTION(ResumeEnquiry, ResumeEnquiryRequest, (void)0);
    PARLEY_ACTION(ResolveEnquiry, ResolveEnquiryRequest, (void)0);
    PARLEY_ACTION(ReopenEnquiry, ReopenEnquiryRequest, req.set_reason("back"));
    PARLEY_ACTION(EscalateEnquiry, EscalateEnquiryRequest, req.set_reason("up"));
    PARLEY_ACTION(ReassignEnquiry, ReassignEnquiryRequest,
                  (req.set_reason("cover"), req.set_new_owner("schools/st-marys/staff/head")));
    PARLEY_ACTION(MarkAbusive, MarkAbusiveRequest, (void)0);
    PARLEY_ACTION(RecordProgress, RecordProgressRequest, req.set_progress("an update"));
#undef PARLEY_ACTION
    return calls;
  }

  testing::InMemoryEnquiryStore store_;
  testing::FakeGate gate_;
  testing::FakeDirectory directory_{kSchool};
  std::unique_ptr<testing::CalendarDeadlineSource> source_;
  std::unique_ptr<EnquiryService> service_;
  std::unique_ptr<auth::Verifier> verifier_;
  std::unique_ptr<auth::Signer> signer_;
  std::unique_ptr<EscalationApi> api_;
  std::unique_ptr<grpc::Server> server_;
  std::unique_ptr<v1::EscalationService::Stub> stub_;
  std::string office_;
  int requests_ = 0;
};

TEST_F(EscalationApiTest, WithoutATokenEveryRpcIsUnauthenticated) {
  const v1::Enquiry e = Open();
  for (const auto& [rpc, call] : EveryRpc("schools/st-marys", e.name())) {
    const Outcome o = call("");
    EXPECT_EQ(o.code, grpc::StatusCode::UNAUTHENTICATED) << rpc << ": " << o;
    EXPECT_EQ(o.reason, "TOKEN_MISSING") << rpc;
    const Outcome forged = call("not.a.token");
    EXPECT_EQ(forged.code, grpc::StatusCode::UNAUTHENTICATED) << rpc << ": " << forged;
  }
  EXPECT_EQ(store_.enquiry_count(), 1u);
}

TEST_F(EscalationApiTest, AnUrgentMarkIsKeptAndShown) {
  EXPECT_FALSE(Open().urgent());
  v1::OpenEnquiryRequest req = OpenRequest();
  req.mutable_enquiry()->set_urgent(true);
  v1::Enquiry opened;
  const Outcome o = Call(&v1::EscalationService::Stub::OpenEnquiry, req, office_, &opened);
  ASSERT_EQ(o.code, grpc::StatusCode::OK) << o;
  EXPECT_TRUE(opened.urgent());
  v1::GetEnquiryRequest get;
  get.set_name(opened.name());
  v1::Enquiry got;
  ASSERT_EQ(Call(&v1::EscalationService::Stub::GetEnquiry, get, office_, &got).code, grpc::StatusCode::OK);
  EXPECT_TRUE(got.urgent());
}

TEST_F(EscalationApiTest, AnotherSchoolIsDeniedBeforeExistenceIsChecked) {
  const v1::Enquiry e = Open();
  const std::string other = Token("office-2", {"office"}, {"kenilworth"});
  // The same answer whether the enquiry exists or not.
  for (const std::string& name : {e.name(), std::string("schools/st-marys/enquiries/e-404")}) {
    for (const auto& [rpc, call] : EveryRpc("schools/st-marys", name)) {
      const Outcome o = call(other);
      EXPECT_EQ(o.code, grpc::StatusCode::PERMISSION_DENIED) << rpc << " " << name << ": " << o;
      EXPECT_EQ(o.reason, "WRONG_SCHOOL") << rpc;
    }
  }
  EXPECT_EQ(gate_.calls(), 1);
  EXPECT_EQ(store_.committed_writes(), 1);
}

TEST_F(EscalationApiTest, BadNamesAreInvalidArgument) {
  // Names of the right form but the wrong pattern: this service's own name checks.
  for (const auto& [rpc, call] : EveryRpc("pupils/st-marys", "schools/st-marys/enquiry/e-1")) {
    const Outcome o = call(office_);
    EXPECT_EQ(o.code, grpc::StatusCode::INVALID_ARGUMENT) << rpc << ": " << o;
    EXPECT_EQ(o.reason, "INVALID_NAME") << rpc;
  }
  // Not names at all: refused by the edge's request checks before the handler runs.
  for (const auto& [rpc, call] : EveryRpc("schools/St Marys!", "schools/st-marys/enquiries/e 1")) {
    const Outcome o = call(office_);
    EXPECT_EQ(o.code, grpc::StatusCode::INVALID_ARGUMENT) << rpc << ": " << o;
    EXPECT_FALSE(o.reason.empty()) << rpc;
  }
  v1::OpenEnquiryRequest bad_id = OpenRequest();
  bad_id.set_request_id("not-a-uuid");
  const Outcome o = Call(&v1::EscalationService::Stub::OpenEnquiry, bad_id, office_);
  EXPECT_EQ(o.code, grpc::StatusCode::INVALID_ARGUMENT) << o;
  EXPECT_EQ(o.reason, "REQUEST_ID_INVALID");
  EXPECT_EQ(store_.committed_writes(), 0);
}

TEST_F(EscalationApiTest, WhatIsNotThereIsNotFound) {
  for (const auto& [rpc, call] : EveryRpc("schools/st-marys", "schools/st-marys/enquiries/e-404")) {
    if (rpc == "OpenEnquiry" || rpc == "ListEnquiries" || rpc == "GetSchoolStats" || rpc == "ListBreaches") continue;
    const Outcome o = call(office_);
    EXPECT_EQ(o.code, grpc::StatusCode::NOT_FOUND) << rpc << ": " << o;
    EXPECT_EQ(o.reason, "ENQUIRY_NOT_FOUND") << rpc;
  }
}

TEST_F(EscalationApiTest, ARetryReplaysTheFirstResponseAndAReusedIdIsRefused) {
  using S = v1::EscalationService::Stub;
  const v1::OpenEnquiryRequest req = OpenRequest();
  v1::Enquiry first, second;
  ASSERT_EQ(Call(&S::OpenEnquiry, req, office_, &first).code, grpc::StatusCode::OK);
  ASSERT_EQ(Call(&S::OpenEnquiry, req, office_, &second).code, grpc::StatusCode::OK);
  EXPECT_EQ(first.SerializeAsString(), second.SerializeAsString());
  EXPECT_EQ(store_.enquiry_count(), 1u);
  EXPECT_EQ(gate_.calls(), 1);
  EXPECT_EQ(directory_.route_calls(), 1);

  v1::OpenEnquiryRequest changed = req;
  changed.mutable_enquiry()->set_subject("Something else");
  const Outcome reused = Call(&S::OpenEnquiry, changed, office_);
  EXPECT_EQ(reused.code, grpc::StatusCode::INVALID_ARGUMENT) << reused;
  EXPECT_EQ(reused.reason, "REQUEST_ID_REUSED");

  // Staff actions: the etag, the state, and the replay of a done action.
  v1::AcknowledgeEnquiryRequest ack;
  ack.set_name(first.name());
  ack.set_etag(first.etag());
  ack.set_request_id(RequestId());
  v1::Enquiry acked, acked_again;
  ASSERT_EQ(Call(&S::AcknowledgeEnquiry, ack, office_, &acked).code, grpc::StatusCode::OK);
  EXPECT_NE(acked.etag(), first.etag());
  ASSERT_EQ(Call(&S::AcknowledgeEnquiry, ack, office_, &acked_again).code, grpc::StatusCode::OK);
  EXPECT_EQ(acked.SerializeAsString(), acked_again.SerializeAsString());

  v1::RecordReplyRequest stale;
  stale.set_name(first.name());
  stale.set_etag(first.etag());
  stale.set_request_id(RequestId());
  const Outcome s = Call(&S::RecordReply, stale, office_);
  EXPECT_EQ(s.code, grpc::StatusCode::ABORTED) << s;
  EXPECT_EQ(s.reason, "STALE_ETAG");

  ack.set_request_id(RequestId());
  ack.set_etag(acked.etag());
  const Outcome twice = Call(&S::AcknowledgeEnquiry, ack, office_);
  EXPECT_EQ(twice.code, grpc::StatusCode::FAILED_PRECONDITION) << twice;

  // A trust leader reads but never acts.
  const std::string leader = Token("leader", {"trust_leader"}, {});
  v1::GetEnquiryRequest get;
  get.set_name(first.name());
  EXPECT_EQ(Call(&S::GetEnquiry, get, leader).code, grpc::StatusCode::OK);
  v1::ResolveEnquiryRequest resolve;
  resolve.set_name(first.name());
  resolve.set_request_id(RequestId());
  EXPECT_EQ(Call(&S::ResolveEnquiry, resolve, leader).code, grpc::StatusCode::PERMISSION_DENIED);
}

// The promise and the progress are on the enquiry and its history; bad promises change nothing;
// a guardian sees the promise but not the reason staff typed for it.
TEST_F(EscalationApiTest, APromiseAndProgressAreShownAndBadOnesChangeNothing) {
  using S = v1::EscalationService::Stub;
  const v1::Enquiry opened = OpenAbout("guardians/g1");
  ASSERT_TRUE(opened.has_respond() && opened.respond().has_due_time());
  const absl::Time due = FromTimestamp(opened.respond().due_time());

  v1::AcknowledgeEnquiryRequest ack;
  ack.set_name(opened.name());
  ack.set_request_id(RequestId());
  *ack.mutable_promised_time() = ToTimestamp(due + absl::Hours(1));
  Outcome refused = Call(&S::AcknowledgeEnquiry, ack, office_);
  EXPECT_EQ(refused.code, grpc::StatusCode::INVALID_ARGUMENT) << refused;
  EXPECT_EQ(refused.reason, "PROMISE_AFTER_DEADLINE");
  ack.set_request_id(RequestId());
  ack.clear_promised_time();
  ack.set_promise_reason("no promise to explain");
  refused = Call(&S::AcknowledgeEnquiry, ack, office_);
  EXPECT_EQ(refused.reason, "INVALID_FIELD") << refused;
  const size_t outbox = store_.outbox().size();

  ack.set_request_id(RequestId());
  *ack.mutable_promised_time() = ToTimestamp(due + absl::Hours(1));
  ack.set_promise_reason("the SENCo is on a course until then");
  v1::Enquiry acked;
  ASSERT_EQ(Call(&S::AcknowledgeEnquiry, ack, office_, &acked).code, grpc::StatusCode::OK);
  EXPECT_EQ(FromTimestamp(acked.promised_time()), due + absl::Hours(1));
  EXPECT_EQ(acked.promise_reason(), "the SENCo is on a course until then");
  EXPECT_EQ(acked.respond().due_time().seconds(), opened.respond().due_time().seconds());  // no clock moved
  EXPECT_EQ(store_.outbox().size(), outbox + 1);

  v1::RecordProgressRequest progress;
  progress.set_name(opened.name());
  progress.set_request_id(RequestId());
  progress.set_progress("We have asked the SENCo.");
  v1::Enquiry updated;
  ASSERT_EQ(Call(&S::RecordProgress, progress, office_, &updated).code, grpc::StatusCode::OK);
  EXPECT_EQ(FromTimestamp(updated.promised_time()), due + absl::Hours(1));  // the promise in force

  v1::ListEnquiryEventsRequest events;
  events.set_parent(opened.name());
  v1::ListEnquiryEventsResponse staff_events, guardian_events;
  ASSERT_EQ(Call(&S::ListEnquiryEvents, events, office_, &staff_events).code, grpc::StatusCode::OK);
  const v1::EnquiryEvent& last = staff_events.events(staff_events.events_size() - 1);
  EXPECT_EQ(last.kind(), v1::ENQUIRY_EVENT_KIND_PROGRESS_RECORDED);
  EXPECT_EQ(last.progress(), "We have asked the SENCo.");
  const v1::EnquiryEvent& acknowledged = staff_events.events(staff_events.events_size() - 2);
  EXPECT_EQ(acknowledged.kind(), v1::ENQUIRY_EVENT_KIND_ACKNOWLEDGED);
  EXPECT_EQ(FromTimestamp(acknowledged.promised_time()), due + absl::Hours(1));
  EXPECT_EQ(acknowledged.reason(), "the SENCo is on a course until then");

  const std::string g1 = Token("guardians/g1", {"guardian"}, {kSchool});
  v1::GetEnquiryRequest get;
  get.set_name(opened.name());
  v1::Enquiry seen;
  ASSERT_EQ(Call(&S::GetEnquiry, get, g1, &seen).code, grpc::StatusCode::OK);
  EXPECT_EQ(FromTimestamp(seen.promised_time()), due + absl::Hours(1));
  EXPECT_EQ(seen.promise_reason(), "");
  ASSERT_EQ(Call(&S::ListEnquiryEvents, events, g1, &guardian_events).code, grpc::StatusCode::OK);
  EXPECT_EQ(guardian_events.events(guardian_events.events_size() - 1).progress(), "We have asked the SENCo.");
  EXPECT_EQ(guardian_events.events(guardian_events.events_size() - 2).reason(), "");

  // A guardian may not record progress; a resolved enquiry has none.
  progress.set_request_id(RequestId());
  EXPECT_EQ(Call(&S::RecordProgress, progress, g1).reason, "ROLE_REQUIRED");
  v1::ResolveEnquiryRequest resolve;
  resolve.set_name(opened.name());
  resolve.set_request_id(RequestId());
  ASSERT_EQ(Call(&S::ResolveEnquiry, resolve, office_).code, grpc::StatusCode::OK);
  progress.set_request_id(RequestId());
  const Outcome late = Call(&S::RecordProgress, progress, office_);
  EXPECT_EQ(late.code, grpc::StatusCode::FAILED_PRECONDITION) << late;
  EXPECT_EQ(late.reason, "WRONG_STATE");
}

TEST_F(EscalationApiTest, ListPagesWalkWithTokensBoundToTheirFilters) {
  using S = v1::EscalationService::Stub;
  std::vector<std::string> opened;
  for (int i = 0; i < 5; ++i) opened.push_back(Open().name());

  v1::ListEnquiriesRequest list;
  list.set_parent("schools/st-marys");
  list.set_page_size(2);
  std::vector<std::string> seen;
  std::string token;
  int pages = 0;
  do {
    list.set_page_token(token);
    v1::ListEnquiriesResponse page;
    const Outcome o = Call(&S::ListEnquiries, list, office_, &page);
    ASSERT_EQ(o.code, grpc::StatusCode::OK) << o;
    for (const v1::Enquiry& e : page.enquiries()) seen.push_back(e.name());
    token = page.next_page_token();
    ++pages;
  } while (!token.empty() && pages < 10);
  EXPECT_EQ(pages, 3);
  EXPECT_EQ(seen, std::vector<std::string>(opened.rbegin(), opened.rend()));

  // A token of this list is refused by the list with other filters, and junk is refused.
  list.set_page_token("");
  v1::ListEnquiriesResponse first;
  ASSERT_EQ(Call(&S::ListEnquiries, list, office_, &first).code, grpc::StatusCode::OK);
  v1::ListEnquiriesRequest other = list;
  other.set_category("send");
  other.set_page_token(first.next_page_token());
  Outcome o = Call(&S::ListEnquiries, other, office_);
  EXPECT_EQ(o.code, grpc::StatusCode::INVALID_ARGUMENT) << o;
  EXPECT_EQ(o.reason, "INVALID_PAGE_TOKEN");
  list.set_page_token("junk");
  o = Call(&S::ListEnquiries, list, office_);
  EXPECT_EQ(o.reason, "INVALID_PAGE_TOKEN");

  // Events page oldest first from a seq.
  v1::ListEnquiryEventsRequest events;
  events.set_parent(opened[0]);
  events.set_page_size(1);
  v1::ListEnquiryEventsResponse page;
  ASSERT_EQ(Call(&S::ListEnquiryEvents, events, office_, &page).code, grpc::StatusCode::OK);
  ASSERT_EQ(page.events_size(), 1);
  ASSERT_FALSE(page.next_page_token().empty());
  events.set_page_token(page.next_page_token());
  v1::ListEnquiryEventsResponse next;
  ASSERT_EQ(Call(&S::ListEnquiryEvents, events, office_, &next).code, grpc::StatusCode::OK);
  ASSERT_EQ(next.events_size(), 1);
  EXPECT_NE(next.events(0).name(), page.events(0).name());
  events.set_parent(opened[1]);
  EXPECT_EQ(Call(&S::ListEnquiryEvents, events, office_).reason, "INVALID_PAGE_TOKEN");
}

TEST_F(EscalationApiTest, AGuardianOpensOnlyEnquiriesAboutThemselves) {
  using S = v1::EscalationService::Stub;
  const std::string g1 = Token("guardians/g1", {"guardian"}, {kSchool});
  v1::OpenEnquiryRequest own = OpenRequest();
  own.mutable_enquiry()->set_body_ref("app/0001");
  v1::Enquiry opened;
  Outcome o = Call(&S::OpenEnquiry, own, g1, &opened);
  ASSERT_EQ(o.code, grpc::StatusCode::OK) << o;
  EXPECT_EQ(opened.guardian(), "guardians/g1");
  ExpectGuardianView(opened);
  // A retry replays the guardian's own view.
  v1::Enquiry again;
  ASSERT_EQ(Call(&S::OpenEnquiry, own, g1, &again).code, grpc::StatusCode::OK);
  EXPECT_EQ(again.SerializeAsString(), opened.SerializeAsString());

  for (const std::string& other : {std::string("guardians/g2"), std::string()}) {
    v1::OpenEnquiryRequest req = OpenRequest();
    req.mutable_enquiry()->set_guardian(other);
    o = Call(&S::OpenEnquiry, req, g1);
    EXPECT_EQ(o.code, grpc::StatusCode::PERMISSION_DENIED) << other << ": " << o;
    EXPECT_EQ(o.reason, "WRONG_GUARDIAN") << other;
  }
  // Not at a school their token does not name (their children's schools).
  o = Call(&S::OpenEnquiry, OpenRequest("kenilworth"), g1);
  EXPECT_EQ(o.reason, "WRONG_SCHOOL") << o;
  EXPECT_EQ(store_.enquiry_count(), 1u);
  EXPECT_EQ(gate_.calls(), 1);
}

TEST_F(EscalationApiTest, AGuardianNamingAnotherFamilysChildIsAnsweredAsForNoSuchPupil) {
  using S = v1::EscalationService::Stub;
  directory_.LinkGuardian("guardians/g2", "schools/st-marys/pupils/p2");
  const std::string g1 = Token("guardians/g1", {"guardian"}, {kSchool});
  auto about = [&](const std::string& pupil) {
    v1::OpenEnquiryRequest req = OpenRequest();
    req.mutable_enquiry()->set_pupil(pupil);
    return req;
  };
  const Outcome theirs = Call(&S::OpenEnquiry, about("schools/st-marys/pupils/p2"), g1);
  Outcome nobody = Call(&S::OpenEnquiry, about("schools/st-marys/pupils/missing"), g1);
  EXPECT_EQ(theirs.code, grpc::StatusCode::NOT_FOUND) << theirs;
  EXPECT_EQ(theirs.reason, "PUPIL_NOT_FOUND") << theirs;
  // What the office is told for a pupil not on roll, word for word.
  const Outcome office = Call(&S::OpenEnquiry, about("schools/st-marys/pupils/missing"), office_);
  EXPECT_TRUE(SameAnswer(nobody, office)) << nobody << " / " << office;
  nobody.message = absl::StrReplaceAll(nobody.message, {{"missing", "p2"}});
  EXPECT_TRUE(SameAnswer(theirs, nobody)) << theirs << " / " << nobody;
  EXPECT_EQ(store_.enquiry_count(), 0u);
  EXPECT_EQ(gate_.calls(), 0);
  // Staff recording a call are held to the same rule, with a reason that says so: g1 is not p2's.
  const Outcome recorded = Call(&S::OpenEnquiry, about("schools/st-marys/pupils/p2"), office_);
  EXPECT_EQ(recorded.code, grpc::StatusCode::FAILED_PRECONDITION) << recorded;
  EXPECT_EQ(recorded.reason, "NOT_LINKED_TO_PUPIL") << recorded;
  EXPECT_EQ(store_.enquiry_count(), 0u);
  v1::OpenEnquiryRequest parent = about("schools/st-marys/pupils/p2");
  parent.mutable_enquiry()->set_guardian("guardians/g2");
  EXPECT_EQ(Call(&S::OpenEnquiry, parent, office_).code, grpc::StatusCode::OK);
  EXPECT_EQ(store_.enquiry_count(), 1u);
}

TEST_F(EscalationApiTest, AnEnquiryAddressedToAnotherSchoolsOrUnknownStaffIsRefusedAndWritesNothing) {
  using S = v1::EscalationService::Stub;
  for (const char* to : {"schools/oak-park/staff/teacher", "schools/st-marys/staff/nobody", "not-a-name"}) {
    v1::OpenEnquiryRequest req = OpenRequest();
    req.mutable_enquiry()->set_addressed_to(to);
    const Outcome o = Call(&S::OpenEnquiry, req, office_);
    EXPECT_EQ(o.code, grpc::StatusCode::INVALID_ARGUMENT) << to << ": " << o;
  }
  EXPECT_EQ(store_.enquiry_count(), 0u);
  EXPECT_EQ(gate_.calls(), 0);
  // A member of staff of the school: recorded and shown as sent.
  v1::OpenEnquiryRequest req = OpenRequest();
  req.mutable_enquiry()->set_addressed_to("schools/st-marys/staff/teacher");
  v1::Enquiry out;
  ASSERT_EQ(Call(&S::OpenEnquiry, req, office_, &out).code, grpc::StatusCode::OK);
  EXPECT_EQ(out.addressed_to(), "schools/st-marys/staff/teacher");
}

TEST_F(EscalationApiTest, AChannelTheRouteRefusesIsRedirectedAndTheGuardianSeesTheSchoolsWords) {
  using S = v1::EscalationService::Stub;
  Route phone_only;
  phone_only.owner = Person{"schools/st-marys/staff/office", "office"};
  phone_only.channel_allowed = false;
  phone_only.channel_rule = "Report absence by phone to the school office.";
  directory_.SetRoute("attendance", phone_only);
  const std::string g1 = Token("guardians/g1", {"guardian"}, {kSchool});
  v1::OpenEnquiryRequest req = OpenRequest();
  req.mutable_enquiry()->set_category("attendance");
  v1::Enquiry out;
  ASSERT_EQ(Call(&S::OpenEnquiry, req, g1, &out).code, grpc::StatusCode::OK);
  EXPECT_EQ(out.state(), v1::ENQUIRY_STATE_REDIRECTED);
  EXPECT_FALSE(out.has_acknowledge());
  v1::ListEnquiryEventsRequest list;
  list.set_parent(out.name());
  v1::ListEnquiryEventsResponse events;
  ASSERT_EQ(Call(&S::ListEnquiryEvents, list, g1, &events).code, grpc::StatusCode::OK);
  ASSERT_EQ(events.events_size(), 2);
  EXPECT_EQ(events.events(1).kind(), v1::ENQUIRY_EVENT_KIND_CHANNEL_REDIRECTED);
  EXPECT_EQ(events.events(1).reason(), "Report absence by phone to the school office.");
}

TEST_F(EscalationApiTest, AGuardianReadsTheirOwnEnquiriesWithoutStaffFieldsAndNoOneElses) {
  using S = v1::EscalationService::Stub;
  const v1::Enquiry mine = OpenAbout("guardians/g1");
  const v1::Enquiry theirs = OpenAbout("guardians/g2");
  ASSERT_FALSE(mine.gate_decision().empty());  // staff see it
  ASSERT_FALSE(mine.body_ref().empty());
  // Staff act on it: a pause reason and a reassignment are staff-internal.
  v1::PauseEnquiryRequest pause;
  pause.set_name(mine.name());
  pause.set_reason("waiting for the SENCo's notes");
  pause.set_request_id(RequestId());
  ASSERT_EQ(Call(&S::PauseEnquiry, pause, office_).code, grpc::StatusCode::OK);

  const std::string g1 = Token("guardians/g1", {"guardian"}, {kSchool});
  v1::GetEnquiryRequest get;
  get.set_name(mine.name());
  v1::Enquiry seen;
  ASSERT_EQ(Call(&S::GetEnquiry, get, g1, &seen).code, grpc::StatusCode::OK);
  EXPECT_EQ(seen.name(), mine.name());
  EXPECT_EQ(seen.subject(), "Homework");
  EXPECT_EQ(seen.owner(), "schools/st-marys/staff/teacher");  // who has it: name and role
  EXPECT_EQ(seen.state(), v1::ENQUIRY_STATE_AWAITING_PARENT);
  ExpectGuardianView(seen);

  v1::ListEnquiryEventsRequest events;
  events.set_parent(mine.name());
  v1::ListEnquiryEventsResponse history;
  ASSERT_EQ(Call(&S::ListEnquiryEvents, events, g1, &history).code, grpc::StatusCode::OK);
  ASSERT_GT(history.events_size(), 0);
  for (const v1::EnquiryEvent& ev : history.events()) {
    EXPECT_NE(ev.kind(), v1::ENQUIRY_EVENT_KIND_GATED) << ev.name();
    EXPECT_TRUE(ev.actor().empty()) << ev.name() << " " << ev.actor();
    EXPECT_TRUE(ev.reason().empty()) << ev.name() << " " << ev.reason();
    EXPECT_TRUE(ev.clock().explanation().empty() && ev.clock().calendar_version().empty()) << ev.name();
  }
  EXPECT_EQ(history.events(history.events_size() - 1).kind(), v1::ENQUIRY_EVENT_KIND_PAUSED);

  // Another family's enquiry: the very answer of one that does not exist, for every read.
  get.set_name(theirs.name());
  const Outcome other = Call(&S::GetEnquiry, get, g1);
  EXPECT_EQ(other.code, grpc::StatusCode::NOT_FOUND) << other;
  EXPECT_EQ(other.reason, "ENQUIRY_NOT_FOUND");
  EXPECT_TRUE(SameAnswer(other, NotThere(g1, theirs.name()))) << other << " vs " << NotThere(g1, theirs.name());
  EXPECT_TRUE(SameAnswer(other, NotThere(office_, theirs.name())));
  events.set_parent(theirs.name());
  const Outcome other_events = Call(&S::ListEnquiryEvents, events, g1);
  EXPECT_TRUE(SameAnswer(other_events, other)) << other_events;

  // A guardian never acts, on their own or anyone's.
  for (const auto& [rpc, call] : EveryRpc("schools/st-marys", mine.name())) {
    if (rpc == "OpenEnquiry" || rpc == "GetEnquiry" || rpc == "ListEnquiries" || rpc == "ListEnquiryEvents") continue;
    const Outcome o = call(g1);
    EXPECT_EQ(o.code, grpc::StatusCode::PERMISSION_DENIED) << rpc << ": " << o;
    EXPECT_EQ(o.reason, "ROLE_REQUIRED") << rpc;
  }
}

TEST_F(EscalationApiTest, TheFollowUpClockIsShownInTheEnquiryItsHistoryAndTheStats) {
  using S = v1::EscalationService::Stub;
  source_->SetBudget(Stage::kFollowUp, calendar::Budget{calendar::Unit::kElapsed, 0, absl::Hours(240)});
  const v1::Enquiry e = Open();
  ASSERT_TRUE(e.has_follow_up());
  EXPECT_EQ(e.follow_up().stage(), v1::STAGE_FOLLOW_UP);
  EXPECT_EQ(e.follow_up().state(), v1::CLOCK_STATE_RUNNING);
  EXPECT_EQ(FromTimestamp(e.follow_up().due_time()) - FromTimestamp(e.follow_up().start_time()), absl::Hours(240));
  EXPECT_FALSE(e.follow_up().calendar_version().empty());

  v1::ListEnquiryEventsRequest events;
  events.set_parent(e.name());
  v1::ListEnquiryEventsResponse history;
  ASSERT_EQ(Call(&S::ListEnquiryEvents, events, office_, &history).code, grpc::StatusCode::OK);
  int set_it = 0;
  for (const v1::EnquiryEvent& ev : history.events()) {
    if (!ev.has_follow_up()) continue;
    ++set_it;
    EXPECT_EQ(ev.kind(), v1::ENQUIRY_EVENT_KIND_ROUTED);
    EXPECT_EQ(ev.follow_up().due_time().seconds(), e.follow_up().due_time().seconds());
  }
  EXPECT_EQ(set_it, 1);

  // A list shows it as projected; a guardian sees it without fingerprints.
  v1::ListEnquiriesRequest list;
  list.set_parent("schools/st-marys");
  v1::ListEnquiriesResponse listed;
  ASSERT_EQ(Call(&S::ListEnquiries, list, office_, &listed).code, grpc::StatusCode::OK);
  ASSERT_EQ(listed.enquiries_size(), 1);
  EXPECT_EQ(listed.enquiries(0).follow_up().state(), v1::CLOCK_STATE_RUNNING);
  v1::GetEnquiryRequest get;
  get.set_name(e.name());
  v1::Enquiry seen;
  ASSERT_EQ(Call(&S::GetEnquiry, get, Token("guardians/g1", {"guardian"}, {kSchool}), &seen).code,
            grpc::StatusCode::OK);
  ASSERT_TRUE(seen.has_follow_up());
  EXPECT_TRUE(seen.follow_up().calendar_version().empty() && seen.follow_up().explanation().empty());

  v1::ResolveEnquiryRequest resolve;
  resolve.set_name(e.name());
  resolve.set_request_id(RequestId());
  v1::Enquiry resolved;
  ASSERT_EQ(Call(&S::ResolveEnquiry, resolve, office_, &resolved).code, grpc::StatusCode::OK);
  EXPECT_EQ(resolved.follow_up().state(), v1::CLOCK_STATE_MET);

  v1::GetSchoolStatsRequest stats_req;
  stats_req.set_school("schools/st-marys");
  *stats_req.mutable_start_time() = ToTimestamp(absl::Now() - absl::Hours(24));
  *stats_req.mutable_end_time() = ToTimestamp(absl::Now() + absl::Hours(1));
  v1::SchoolStats stats;
  ASSERT_EQ(Call(&S::GetSchoolStats, stats_req, office_, &stats).code, grpc::StatusCode::OK);
  EXPECT_EQ(stats.follow_up_met(), 1);
  EXPECT_EQ(stats.follow_up_breached(), 0);
  EXPECT_EQ(stats.follow_up_running(), 0);
  EXPECT_DOUBLE_EQ(stats.followed_up_within_promise(), 1.0);
  // The release that computed them, for the reporting cache.
  EXPECT_FALSE(stats.version().empty());
  EXPECT_EQ(stats.version(), BuildVersion());
  // The counts behind the shares: the one enquiry, acknowledged and answered by its resolution.
  EXPECT_EQ(stats.all().acknowledge_clocks_ended(), 1);
  EXPECT_EQ(stats.all().acknowledged_in_time(), 1);
  EXPECT_EQ(stats.all().answer_clocks_ended(), 1);
  EXPECT_EQ(stats.all().answered_in_time(), 1);
}

TEST(EscalationConvertTest, PromiseFiguresCarryTheCountsBehindTheSharesAndTheNinetiethPercentiles) {
  PromiseFigures f;
  f.received = 9;
  f.acknowledge_ended = 8;
  f.acknowledge_met = 6;
  f.respond_ended = 5;
  f.respond_met = 2;
  f.median_to_acknowledge = absl::Minutes(20);
  f.p90_to_acknowledge = absl::Minutes(90) + absl::Microseconds(250);
  f.p90_to_answer = absl::Hours(30);
  const v1::PromiseFigures out = ToProto(f);
  EXPECT_EQ(out.acknowledge_clocks_ended(), 8);
  EXPECT_EQ(out.acknowledged_in_time(), 6);
  EXPECT_EQ(out.answer_clocks_ended(), 5);
  EXPECT_EQ(out.answered_in_time(), 2);
  EXPECT_DOUBLE_EQ(out.acknowledged_within_promise(), 0.75);
  EXPECT_DOUBLE_EQ(out.answered_within_promise(), 0.4);
  ASSERT_TRUE(out.has_p90_to_acknowledge());
  EXPECT_EQ(out.p90_to_acknowledge().seconds(), 90 * 60);
  EXPECT_EQ(out.p90_to_acknowledge().nanos(), 250000);
  ASSERT_TRUE(out.has_p90_to_answer());
  EXPECT_EQ(out.p90_to_answer().seconds(), 30 * 3600);
  EXPECT_EQ(out.p90_to_answer().nanos(), 0);
  // Unset where no enquiry got there, as the medians.
  EXPECT_FALSE(ToProto(PromiseFigures{}).has_p90_to_acknowledge());
  EXPECT_FALSE(ToProto(PromiseFigures{}).has_p90_to_answer());
}

TEST_F(EscalationApiTest, ASafeguardingEnquiryShowsItsGuardianWhatArrivedOnly) {
  using S = v1::EscalationService::Stub;
  const v1::Enquiry e = OpenAbout("guardians/g1", "learning", /*safeguarding=*/true);
  ASSERT_EQ(e.owner(), "schools/st-marys/staff/dsl");
  const std::string g1 = Token("guardians/g1", {"guardian"}, {kSchool});
  v1::GetEnquiryRequest get;
  get.set_name(e.name());
  v1::Enquiry seen;
  ASSERT_EQ(Call(&S::GetEnquiry, get, g1, &seen).code, grpc::StatusCode::OK);
  ExpectGuardianView(seen);
  EXPECT_TRUE(seen.owner().empty());
  EXPECT_TRUE(seen.rung_role().empty());
  EXPECT_FALSE(seen.has_acknowledge());
  EXPECT_FALSE(seen.has_respond());
  v1::ListEnquiryEventsRequest events;
  events.set_parent(e.name());
  v1::ListEnquiryEventsResponse history;
  ASSERT_EQ(Call(&S::ListEnquiryEvents, events, g1, &history).code, grpc::StatusCode::OK);
  ASSERT_EQ(history.events_size(), 1);
  EXPECT_EQ(history.events(0).kind(), v1::ENQUIRY_EVENT_KIND_RECEIVED);
  v1::ListEnquiriesRequest list;
  list.set_parent("schools/st-marys");
  v1::ListEnquiriesResponse listed;
  ASSERT_EQ(Call(&S::ListEnquiries, list, g1, &listed).code, grpc::StatusCode::OK);
  ASSERT_EQ(listed.enquiries_size(), 1);
  EXPECT_TRUE(listed.enquiries(0).owner().empty());
  EXPECT_FALSE(listed.enquiries(0).safeguarding());
}

TEST_F(EscalationApiTest, AGuardianListsOnlyEnquiriesAboutThemInFullPages) {
  using S = v1::EscalationService::Stub;
  std::vector<std::string> mine;
  for (int i = 0; i < 3; ++i) {
    OpenAbout("guardians/g2");
    mine.push_back(OpenAbout("guardians/g1").name());
    OpenAbout("guardians/g2");
  }
  const std::string g1 = Token("guardians/g1", {"guardian"}, {kSchool});
  v1::ListEnquiriesRequest list;
  list.set_parent("schools/st-marys");
  list.set_page_size(2);
  std::vector<std::string> seen;
  std::vector<int> sizes;
  std::string token;
  do {
    list.set_page_token(token);
    v1::ListEnquiriesResponse page;
    const Outcome o = Call(&S::ListEnquiries, list, g1, &page);
    ASSERT_EQ(o.code, grpc::StatusCode::OK) << o;
    sizes.push_back(page.enquiries_size());
    for (const v1::Enquiry& e : page.enquiries()) {
      seen.push_back(e.name());
      EXPECT_EQ(e.guardian(), "guardians/g1");
      ExpectGuardianView(e);
    }
    token = page.next_page_token();
  } while (!token.empty() && sizes.size() < 10);
  EXPECT_EQ(sizes, (std::vector<int>{2, 1}));
  EXPECT_EQ(seen, std::vector<std::string>(mine.rbegin(), mine.rend()));
  // Other filters narrow their own enquiries further.
  list.set_page_token("");
  list.set_page_size(10);
  list.set_owner("schools/st-marys/staff/teacher");
  v1::ListEnquiriesResponse owned;
  ASSERT_EQ(Call(&S::ListEnquiries, list, g1, &owned).code, grpc::StatusCode::OK);
  EXPECT_EQ(owned.enquiries_size(), 3);
}

TEST_F(EscalationApiTest, ATeacherReadsAndActsOnlyOnEnquiriesTheyOwnNow) {
  using S = v1::EscalationService::Stub;
  Route senco;
  senco.owner = Person{"schools/st-marys/staff/senco", "senco"};
  directory_.SetRoute("send", senco);
  const v1::Enquiry owned = OpenAbout("guardians/g1");
  const v1::Enquiry elsewhere = OpenAbout("guardians/g1", "send");
  ASSERT_EQ(owned.owner(), "schools/st-marys/staff/teacher");
  ASSERT_EQ(elsewhere.owner(), "schools/st-marys/staff/senco");
  const std::string teacher = Token("schools/st-marys/staff/teacher", {"teacher"}, {kSchool});

  v1::GetEnquiryRequest get;
  get.set_name(owned.name());
  v1::Enquiry seen;
  ASSERT_EQ(Call(&S::GetEnquiry, get, teacher, &seen).code, grpc::StatusCode::OK);
  EXPECT_EQ(seen.gate_decision(), owned.gate_decision());  // staff see the whole enquiry
  get.set_name(elsewhere.name());
  EXPECT_TRUE(SameAnswer(Call(&S::GetEnquiry, get, teacher), NotThere(teacher, elsewhere.name())));

  v1::ListEnquiriesRequest list;
  list.set_parent("schools/st-marys");
  v1::ListEnquiriesResponse listed;
  ASSERT_EQ(Call(&S::ListEnquiries, list, teacher, &listed).code, grpc::StatusCode::OK);
  ASSERT_EQ(listed.enquiries_size(), 1);
  EXPECT_EQ(listed.enquiries(0).name(), owned.name());
  list.set_owner("schools/st-marys/staff/senco");
  ASSERT_EQ(Call(&S::ListEnquiries, list, teacher, &listed).code, grpc::StatusCode::OK);
  EXPECT_EQ(listed.enquiries_size(), 0);

  // Acting on another's: not found, before the etag (a stale one says nothing either).
  for (const std::string& etag : {std::string(), std::string("\"99\"")}) {
    v1::AcknowledgeEnquiryRequest ack;
    ack.set_name(elsewhere.name());
    ack.set_etag(etag);
    ack.set_request_id(RequestId());
    EXPECT_TRUE(SameAnswer(Call(&S::AcknowledgeEnquiry, ack, teacher), NotThere(teacher, elsewhere.name()))) << etag;
  }
  for (const auto& [rpc, call] : EveryRpc("schools/st-marys", elsewhere.name())) {
    if (rpc == "OpenEnquiry" || rpc == "ListEnquiries") continue;
    const Outcome o = call(teacher);
    if (rpc == "ReassignEnquiry" || rpc == "MarkAbusive" || rpc == "GetSchoolStats" || rpc == "ListBreaches") {
      EXPECT_EQ(o.reason, "ROLE_REQUIRED") << rpc << ": " << o;  // assignment and figures: not a teacher's
    } else {
      EXPECT_EQ(o.reason, "ENQUIRY_NOT_FOUND") << rpc << ": " << o;
    }
  }
  v1::Enquiry after;
  get.set_name(elsewhere.name());
  ASSERT_EQ(Call(&S::GetEnquiry, get, office_, &after).code, grpc::StatusCode::OK);
  EXPECT_EQ(after.etag(), elsewhere.etag());  // untouched

  // Their own: they act, and once it climbs to the next rung it is no longer theirs to read.
  v1::AcknowledgeEnquiryRequest ack;
  ack.set_name(owned.name());
  ack.set_etag(owned.etag());
  ack.set_request_id(RequestId());
  v1::Enquiry acked;
  ASSERT_EQ(Call(&S::AcknowledgeEnquiry, ack, teacher, &acked).code, grpc::StatusCode::OK);
  v1::EscalateEnquiryRequest up;
  up.set_name(owned.name());
  up.set_reason("needs the head of year");
  up.set_request_id(RequestId());
  v1::Enquiry escalated;
  ASSERT_EQ(Call(&S::EscalateEnquiry, up, teacher, &escalated).code, grpc::StatusCode::OK);
  EXPECT_EQ(escalated.owner(), "schools/st-marys/staff/head-of-year");
  get.set_name(owned.name());
  EXPECT_EQ(Call(&S::GetEnquiry, get, teacher).reason, "ENQUIRY_NOT_FOUND");
  // A teacher still opens enquiries for the school (a phone message taken down).
  v1::OpenEnquiryRequest phone = OpenRequest();
  EXPECT_EQ(Call(&S::OpenEnquiry, phone, teacher).code, grpc::StatusCode::OK);
}

TEST_F(EscalationApiTest, ATrustLeaderReadsEverySchoolButNeverActsOrOpens) {
  const v1::Enquiry e = Open();
  const std::string leader = Token("leader", {"trust_leader"}, {});
  for (const auto& [rpc, call] : EveryRpc("schools/st-marys", e.name())) {
    const Outcome o = call(leader);
    if (rpc == "GetEnquiry" || rpc == "ListEnquiries" || rpc == "ListEnquiryEvents" || rpc == "GetSchoolStats" ||
        rpc == "ListBreaches") {
      EXPECT_EQ(o.code, grpc::StatusCode::OK) << rpc << ": " << o;
    } else {
      EXPECT_EQ(o.code, grpc::StatusCode::PERMISSION_DENIED) << rpc << ": " << o;
      EXPECT_EQ(o.reason, "ROLE_REQUIRED") << rpc;
    }
  }
  EXPECT_EQ(store_.committed_writes(), 1);
}

TEST_F(EscalationApiTest, RequestIdsLiveInTheCallersTenancy) {
  using S = v1::EscalationService::Stub;
  // St Mary's uses an id first; Kenilworth's first use of the same id is its own request.
  v1::OpenEnquiryRequest st_marys = OpenRequest();
  ASSERT_EQ(Call(&S::OpenEnquiry, st_marys, office_).code, grpc::StatusCode::OK);
  v1::OpenEnquiryRequest kenilworth = OpenRequest("kenilworth");
  kenilworth.set_request_id(st_marys.request_id());
  kenilworth.mutable_enquiry()->set_pupil("");
  const std::string other = Token("office-2", {"office"}, {"kenilworth"});
  const Outcome o = Call(&S::OpenEnquiry, kenilworth, other);
  EXPECT_EQ(o.code, grpc::StatusCode::OK) << o;
  EXPECT_EQ(store_.enquiry_count(), 2u);
}

// ---- ListBreaches --------------------------------------------------------------------------------

class ListBreachesTest : public EscalationApiTest {
 protected:
  // Opened by the office `ago` before now (the clocks run from then), in `category`, on `channel`.
  v1::Enquiry OpenReceived(absl::Duration ago, const std::string& category, v1::Channel channel,
                           bool safeguarding = false) {
    v1::OpenEnquiryRequest req = OpenRequest();
    req.mutable_enquiry()->set_category(category);
    req.mutable_enquiry()->set_channel(channel);
    req.mutable_enquiry()->set_body_ref("mail/secret-body");
    req.mutable_enquiry()->set_sender_description("called from work");
    req.mutable_enquiry()->set_subject("About my child's homework");
    req.mutable_enquiry()->set_safeguarding(safeguarding);
    *req.mutable_enquiry()->mutable_receive_time() = ToTimestamp(absl::Now() - ago);
    v1::Enquiry out;
    const Outcome o = Call(&v1::EscalationService::Stub::OpenEnquiry, req, office_, &out);
    EXPECT_EQ(o.code, grpc::StatusCode::OK) << o;
    return out;
  }

  // Fires the enquiry's `stage` clock timer now, as the worker would once it is due.
  void Fire(const v1::Enquiry& e, const std::string& stage) {
    const std::string id = e.name().substr(e.name().rfind('/') + 1);
    const auto timers = store_.timers();
    auto it = timers.find({kClockTimerKind, absl::StrCat(kSchool, "/", id, "/", stage)});
    ASSERT_NE(it, timers.end()) << e.name() << " " << stage;
    timer::Timer t;
    t.kind = it->second.kind;
    t.key = it->second.key;
    t.due = it->second.due;
    t.payload = it->second.payload;
    absl::StatusOr<std::optional<absl::Time>> fired = store_.FireTimer(service_->ClockTimerPlan(), t);
    ASSERT_TRUE(fired.ok()) << fired.status();
  }

  v1::ListBreachesRequest Request() {
    v1::ListBreachesRequest req;
    req.set_parent("schools/st-marys");
    *req.mutable_start_time() = ToTimestamp(absl::Now() - absl::Hours(24));
    *req.mutable_end_time() = ToTimestamp(absl::Now() + absl::Hours(1));
    return req;
  }

  // Every page of `req`, `page_size` at a time; the names in order.
  std::vector<std::string> Names(v1::ListBreachesRequest req, const std::string& token, int page_size,
                                 int* pages = nullptr) {
    std::vector<std::string> names;
    req.set_page_size(page_size);
    int n = 0;
    do {
      v1::ListBreachesResponse page;
      const Outcome o = Call(&v1::EscalationService::Stub::ListBreaches, req, token, &page);
      EXPECT_EQ(o.code, grpc::StatusCode::OK) << o;
      if (o.code != grpc::StatusCode::OK) break;
      EXPECT_LE(page.breaches_size(), page_size);
      for (const v1::Breach& b : page.breaches()) names.push_back(b.enquiry());
      req.set_page_token(page.next_page_token());
      ++n;
    } while (!req.page_token().empty() && n < 20);
    if (pages) *pages = n;
    return names;
  }

  int64_t StatsBreaches(const std::string& token) {
    v1::GetSchoolStatsRequest req;
    req.set_school("schools/st-marys");
    *req.mutable_start_time() = ToTimestamp(absl::Now() - absl::Hours(24));
    *req.mutable_end_time() = ToTimestamp(absl::Now() + absl::Hours(1));
    v1::SchoolStats stats;
    const Outcome o = Call(&v1::EscalationService::Stub::GetSchoolStats, req, token, &stats);
    EXPECT_EQ(o.code, grpc::StatusCode::OK) << o;
    return stats.all().breaches();
  }
};

TEST_F(ListBreachesTest, ListsTheMattersBehindTheBreachesFigureByNameOnly) {
  using S = v1::EscalationService::Stub;
  // Acknowledgement clocks of two hours (one for safeguarding): the first two missed theirs, the
  // third is still running.
  const v1::Enquiry late = OpenReceived(absl::Hours(3), "learning", v1::CHANNEL_EMAIL);
  const v1::Enquiry concern = OpenReceived(absl::Hours(3), "learning", v1::CHANNEL_PHONE, /*safeguarding=*/true);
  const v1::Enquiry kept = OpenReceived(absl::Minutes(1), "learning", v1::CHANNEL_EMAIL);
  Fire(late, "acknowledge");
  Fire(concern, "acknowledge");

  // The school's readers of figures see every breach, the safeguarding concern's too (they read
  // it whole with GetEnquiry), and exactly as many as the figure counts.
  for (const auto& [roles, schools] :
       std::vector<std::pair<std::vector<std::string>, std::vector<std::string>>>{{{"office"}, {kSchool}},
                                                                                  {{"senior_leader"}, {kSchool}},
                                                                                  {{"dsl"}, {kSchool}},
                                                                                  {{"trust_leader"}, {}},
                                                                                  {{"trust_admin"}, {}},
                                                                                  {{"service"}, {}}}) {
    const std::string token = Token("caller", roles, schools);
    EXPECT_EQ(Names(Request(), token, 10), (std::vector<std::string>{late.name(), concern.name()})) << roles[0];
    EXPECT_EQ(StatsBreaches(token), 2) << roles[0];
  }

  v1::ListBreachesResponse listed;
  ASSERT_EQ(Call(&S::ListBreaches, Request(), office_, &listed).code, grpc::StatusCode::OK);
  ASSERT_EQ(listed.breaches_size(), 2);
  EXPECT_TRUE(listed.next_page_token().empty());
  const v1::Breach& b = listed.breaches(0);
  EXPECT_EQ(b.enquiry(), late.name());
  EXPECT_EQ(b.stage(), v1::STAGE_ACKNOWLEDGE);
  EXPECT_EQ(b.channel(), v1::CHANNEL_EMAIL);
  EXPECT_EQ(b.category(), "learning");
  EXPECT_EQ(b.receive_time().seconds(), late.receive_time().seconds());
  EXPECT_EQ(b.due_time().seconds(), late.acknowledge().due_time().seconds());
  EXPECT_GE(FromTimestamp(b.breach_time()), FromTimestamp(b.due_time()));
  EXPECT_FALSE(b.has_kept_time());
  EXPECT_EQ(b.rung(), 0);
  EXPECT_EQ(b.rung_role(), late.rung_role());
  EXPECT_FALSE(b.rung_role().empty());
  EXPECT_EQ(listed.breaches(1).channel(), v1::CHANNEL_PHONE);
  EXPECT_EQ(listed.breaches(1).rung_role(), "dsl");
  // Nothing the parent wrote, nothing about who they are.
  const std::string wire = listed.SerializeAsString();
  for (const char* secret : {"mail/secret-body", "called from work", "homework", "guardians/g1", "pupils/p1"}) {
    EXPECT_FALSE(absl::StrContains(absl::AsciiStrToLower(wire), absl::AsciiStrToLower(secret))) << secret;
  }

  // Acknowledged late: the breach stays, now with when the promise was kept after all.
  v1::AcknowledgeEnquiryRequest ack;
  ack.set_name(late.name());
  ack.set_request_id(RequestId());
  ASSERT_EQ(Call(&S::AcknowledgeEnquiry, ack, office_).code, grpc::StatusCode::OK);
  ASSERT_EQ(Call(&S::ListBreaches, Request(), office_, &listed).code, grpc::StatusCode::OK);
  ASSERT_EQ(listed.breaches_size(), 2);
  ASSERT_TRUE(listed.breaches(0).has_kept_time());
  EXPECT_GT(FromTimestamp(listed.breaches(0).kept_time()), FromTimestamp(listed.breaches(0).due_time()));
  EXPECT_FALSE(listed.breaches(1).has_kept_time());

  // Filters narrow it; a period that holds no receipt lists nothing.
  v1::ListBreachesRequest by_channel = Request();
  by_channel.set_channel(v1::CHANNEL_PHONE);
  EXPECT_EQ(Names(by_channel, office_, 10), std::vector<std::string>{concern.name()});
  v1::ListBreachesRequest by_category = Request();
  by_category.set_category("send");
  EXPECT_TRUE(Names(by_category, office_, 10).empty());
  v1::ListBreachesRequest earlier = Request();
  *earlier.mutable_start_time() = ToTimestamp(absl::Now() - absl::Hours(48));
  *earlier.mutable_end_time() = ToTimestamp(absl::Now() - absl::Hours(24));
  EXPECT_TRUE(Names(earlier, office_, 10).empty());
}

TEST_F(ListBreachesTest, PagesWalkWithTokensBoundToTheirFilters) {
  using S = v1::EscalationService::Stub;
  std::vector<std::string> opened;
  for (int i = 0; i < 6; ++i) {
    const v1::Enquiry e = OpenReceived(absl::Hours(3), "learning", v1::CHANNEL_EMAIL);
    Fire(e, "acknowledge");
    opened.push_back(e.name());
  }
  int pages = 0;
  const std::vector<std::string> all = Names(Request(), office_, 10, &pages);
  EXPECT_EQ(all, opened);
  EXPECT_EQ(pages, 1);
  EXPECT_EQ(Names(Request(), office_, 4, &pages), all);
  EXPECT_EQ(pages, 2);
  EXPECT_EQ(Names(Request(), office_, 1, &pages), all);
  EXPECT_EQ(pages, 6);

  // A token continues only the list and filters it was issued for.
  v1::ListBreachesRequest req = Request();
  req.set_page_size(2);
  v1::ListBreachesResponse first;
  ASSERT_EQ(Call(&S::ListBreaches, req, office_, &first).code, grpc::StatusCode::OK);
  ASSERT_FALSE(first.next_page_token().empty());
  v1::ListBreachesRequest other = req;
  other.set_channel(v1::CHANNEL_EMAIL);
  other.set_page_token(first.next_page_token());
  Outcome o = Call(&S::ListBreaches, other, office_);
  EXPECT_EQ(o.code, grpc::StatusCode::INVALID_ARGUMENT) << o;
  EXPECT_EQ(o.reason, "INVALID_PAGE_TOKEN");
  other = req;
  other.set_page_token("garbage");
  o = Call(&S::ListBreaches, other, office_);
  EXPECT_EQ(o.reason, "INVALID_PAGE_TOKEN") << o;
  v1::ListEnquiriesRequest list;
  list.set_parent("schools/st-marys");
  list.set_page_token(first.next_page_token());
  o = Call(&S::ListEnquiries, list, office_);
  EXPECT_EQ(o.reason, "INVALID_PAGE_TOKEN") << o;
}

TEST_F(ListBreachesTest, BadRequestsAreInvalidArgumentWithTheirReasons) {
  using S = v1::EscalationService::Stub;
  const auto expect = [&](const v1::ListBreachesRequest& req, const std::string& reason, const std::string& field) {
    const Outcome o = Call(&S::ListBreaches, req, office_);
    EXPECT_EQ(o.code, grpc::StatusCode::INVALID_ARGUMENT) << field << ": " << o;
    EXPECT_EQ(o.reason, reason) << field;
    EXPECT_TRUE(absl::StrContains(o.message, field)) << o;
  };
  v1::ListBreachesRequest req = Request();
  req.clear_start_time();
  expect(req, "INVALID_FIELD", "start_time");
  req = Request();
  req.clear_end_time();
  expect(req, "INVALID_FIELD", "end_time");
  req = Request();
  *req.mutable_end_time() = req.start_time();
  expect(req, "INVALID_FIELD", "end_time");
  req = Request();
  req.set_channel(static_cast<v1::Channel>(42));
  expect(req, "INVALID_FIELD", "channel");
  req = Request();
  req.set_category("Not an id!");
  expect(req, "INVALID_NAME", "category");
  req = Request();
  req.set_page_size(-1);
  expect(req, "INVALID_FIELD", "page_size");
  req = Request();
  req.set_parent("schools/st-marys/enquiries/e-1");
  expect(req, "INVALID_NAME", "parent");
}

TEST(ListBreachesAccessTest, EveryRoleThatReadsTheFiguresReadsEveryEnquiryOfTheSchoolWhole) {
  // ListBreaches names safeguarding enquiries to whoever reads the figures: that is right only
  // while each such role reads the school's enquiries whole (no guardian's or owner's scope).
  // The handler refuses anyone else; this pins the table it relies on.
  for (absl::string_view role : auth::KnownRoles()) {
    const auth::Reach stats = auth::RoleReach(role, auth::Resource::kStats, auth::Verb::kRead);
    if (stats < auth::Reach::kSchool) continue;
    EXPECT_GE(auth::RoleReach(role, auth::Resource::kEnquiry, auth::Verb::kRead), stats) << role;
  }
}

}  // namespace
}  // namespace parley::escalation
