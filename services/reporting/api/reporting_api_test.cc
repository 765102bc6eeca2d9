// The real ReportingApi over fake sources, an in-memory cache and a fixed directory, called
// through an in-process channel: who reads which school, the small-count rule, partial reports,
// request checks, and the CSV export's escaping.
#include "services/reporting/api/reporting_api.h"

#include <memory>
#include <string>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "common/auth/auth.h"
#include "common/auth/testing/test_keys.h"
#include "common/status/grpc_status.h"
#include "common/status/reason.h"
#include "grpcpp/grpcpp.h"
#include "gtest/gtest.h"
#include "services/reporting/api/csv_export.h"
#include "services/reporting/testing/fakes.h"

namespace parley::reporting {
namespace {

using testing::SampleSchool;

struct Result {
  grpc::StatusCode code = grpc::StatusCode::OK;
  std::string reason;
};

PromiseCounts Promise(int64_t received, int64_t met, int64_t ended) {
  PromiseCounts p;
  p.received = received;
  p.acknowledge_met = met;
  p.acknowledge_ended = ended;
  p.answer_met = met;
  p.answer_ended = ended;
  p.breaches = ended - met;
  p.median_hours_to_acknowledge = 6.0;
  return p;
}

class ReportingApiTest : public ::testing::Test {
 protected:
  ReportingApiTest()
      : clock_(absl::FromCivil(absl::CivilSecond(2025, 11, 20, 12, 0, 0), absl::UTCTimeZone())), sources_(&clock_) {}

  void SetUp() override {
    SchoolInfo kenilworth = SampleSchool("kenilworth");
    kenilworth.display_name = "=HYPERLINK(\"http://x\"), \"Kenilworth\"";
    directory_.Add(kenilworth);
    directory_.Add(SampleSchool("st-marys", 2));
    EnquiryStats k;
    k.all = Promise(40, 30, 36);
    k.by_category = {{"learning", Promise(37, 28, 33)}, {"safeguarding", Promise(3, 2, 3)}};
    k.by_channel = {{"email", Promise(40, 30, 36)}};
    k.escalations_by_rung = {{1, 6}, {2, 2}};
    k.safeguarding_received = 3;
    k.safeguarding_taken_up = 2;
    k.median_hours_to_dsl = 0.75;
    k.open_now = 7;
    sources_.SetEnquiries("kenilworth", k);
    EnquiryStats s;
    s.all = Promise(10, 9, 10);
    sources_.SetEnquiries("st-marys", s);
    reports_ = std::make_unique<ReportService>(&directory_, &sources_, &cache_, &clock_, ReportOptions{});

    keys_ = auth::testing::GenerateEcP256();
    auth::VerifierOptions vopts;
    vopts.public_keys_pem = {keys_.public_pem};
    vopts.issuer = "test";
    vopts.audience = "parley";
    verifier_ = *auth::Verifier::Create(vopts);
    signer_ = *auth::Signer::Create({keys_.private_pem, "test", "parley", nullptr});
    lister_ = std::make_unique<BreachLister>(&directory_, &breaches_, absl::Milliseconds(1500));
    api_ = std::make_unique<ReportingApi>(reports_.get(), lister_.get(), verifier_.get(), 5);
    grpc::ServerBuilder builder;
    builder.RegisterService(api_.get());
    server_ = builder.BuildAndStart();
    stub_ = v1::ReportingService::NewStub(server_->InProcessChannel(grpc::ChannelArguments()));
  }

  void TearDown() override { server_->Shutdown(); }

  std::string Token(const std::string& role, const std::string& school = "kenilworth") {
    std::vector<std::string> schools;
    if (!school.empty()) schools.push_back(school);
    return *signer_->Mint(auth::Principal{absl::StrCat("staff:", role), {role}, schools}, absl::Hours(1));
  }

  template <typename Req, typename Resp, typename Method>
  Result Call(Method method, const Req& req, Resp* resp, const std::string& token) {
    grpc::ClientContext ctx;
    ctx.AddMetadata("authorization", absl::StrCat("Bearer ", token));
    grpc::Status s = ((*stub_).*method)(&ctx, req, resp);
    Result r;
    r.code = s.error_code();
    auto it = ctx.GetServerTrailingMetadata().find(std::string(kErrorReasonMetadataKey));
    if (it != ctx.GetServerTrailingMetadata().end()) r.reason = std::string(it->second.data(), it->second.size());
    return r;
  }

  Result Trust(const std::vector<std::string>& schools, const std::string& token, v1::TrustReport* out,
               const std::string& period = "2025-autumn") {
    v1::GetTrustReportRequest req;
    req.set_period(period);
    for (const std::string& s : schools) req.add_schools(s);
    req.add_group_by(v1::GROUP_BY_CATEGORY);
    req.add_group_by(v1::GROUP_BY_RUNG);
    return Call(&v1::ReportingService::Stub::GetTrustReport, req, out, token);
  }

  std::string Export(const std::string& token, Result* result) {
    v1::ExportReportRequest req;
    req.set_period("2025-autumn");
    req.add_group_by(v1::GROUP_BY_CATEGORY);
    grpc::ClientContext ctx;
    ctx.AddMetadata("authorization", absl::StrCat("Bearer ", token));
    auto reader = stub_->ExportReport(&ctx, req);
    std::string csv;
    v1::ExportReportChunk chunk;
    while (reader->Read(&chunk)) {
      EXPECT_EQ(chunk.content_type(), "text/csv; charset=utf-8");
      csv += chunk.data();
    }
    grpc::Status s = reader->Finish();
    result->code = s.error_code();
    return csv;
  }

  SimulatedClock clock_;
  testing::FakeDirectory directory_;
  testing::FakeSources sources_;
  testing::InMemoryFigureCache cache_;
  testing::FakeBreachSource breaches_;
  std::unique_ptr<ReportService> reports_;
  std::unique_ptr<BreachLister> lister_;
  auth::testing::KeyPair keys_;
  std::unique_ptr<auth::Verifier> verifier_;
  std::unique_ptr<auth::Signer> signer_;
  std::unique_ptr<ReportingApi> api_;
  std::unique_ptr<grpc::Server> server_;
  std::unique_ptr<v1::ReportingService::Stub> stub_;
};

TEST_F(ReportingApiTest, TrustLeadersReadEverySchoolWithTotalsFromCounts) {
  for (const char* role : {"trust_leader", "trust_admin"}) {
    v1::TrustReport report;
    Result r = Trust({}, Token(role, ""), &report);
    ASSERT_EQ(r.code, grpc::StatusCode::OK) << role << " " << r.reason;
    ASSERT_EQ(report.schools_size(), 2);
    EXPECT_EQ(report.schools(0).school(), "schools/kenilworth");
    EXPECT_EQ(report.schools(1).period().start_date(), "2025-09-03");
    EXPECT_EQ(report.totals().received(), 50);
    EXPECT_EQ(report.totals().acknowledged_in_time(), 39);
    EXPECT_EQ(report.totals().acknowledge_clocks_ended(), 46);
    EXPECT_DOUBLE_EQ(report.totals().acknowledged_within_promise(), 39.0 / 46.0);
    EXPECT_EQ(report.totals().escalations(), 8);
    EXPECT_EQ(report.small_count_threshold(), 5);
    EXPECT_FALSE(report.partial());
  }
}

TEST_F(ReportingApiTest, ASchoolsLeadersReadOnlyTheirOwnSchool) {
  for (const char* role : {"senior_leader", "dsl"}) {
    v1::TrustReport report;
    Result r = Trust({}, Token(role), &report);
    ASSERT_EQ(r.code, grpc::StatusCode::OK) << role;
    ASSERT_EQ(report.schools_size(), 1);
    EXPECT_EQ(report.schools(0).school(), "schools/kenilworth");
    EXPECT_EQ(report.totals().received(), 40);

    r = Trust({"schools/kenilworth", "schools/st-marys"}, Token(role), &report);
    EXPECT_EQ(r.code, grpc::StatusCode::PERMISSION_DENIED) << role;
    EXPECT_EQ(r.reason, reason::kWrongSchool);
    v1::GetSchoolReportRequest req;
    req.set_school("schools/st-marys");
    req.set_period("2025-autumn");
    v1::SchoolReport school;
    r = Call(&v1::ReportingService::Stub::GetSchoolReport, req, &school, Token(role));
    EXPECT_EQ(r.code, grpc::StatusCode::PERMISSION_DENIED);
    EXPECT_EQ(r.reason, reason::kWrongSchool);
    req.set_school("schools/kenilworth");
    r = Call(&v1::ReportingService::Stub::GetSchoolReport, req, &school, Token(role));
    EXPECT_EQ(r.code, grpc::StatusCode::OK);
    EXPECT_EQ(school.enquiries().promise().received().value(), 40);
  }
  // Nobody else reads reports, and nothing was asked of a source for them.
  const int calls = sources_.Calls(Source::kEscalation);
  for (const char* role : {"teacher", "office", "guardian", "service"}) {
    v1::TrustReport report;
    Result r = Trust({"schools/kenilworth"}, Token(role), &report);
    EXPECT_EQ(r.code, grpc::StatusCode::PERMISSION_DENIED) << role;
    EXPECT_EQ(r.reason, reason::kRoleRequired) << role;
  }
  EXPECT_EQ(sources_.Calls(Source::kEscalation), calls);
}

TEST_F(ReportingApiTest, SmallCountsInABreakdownAreWithheldButTotalsAreNot) {
  v1::TrustReport report;
  ASSERT_EQ(Trust({"schools/kenilworth"}, Token("trust_leader", ""), &report).code, grpc::StatusCode::OK);
  const v1::SchoolReport& k = report.schools(0);
  ASSERT_EQ(k.by_category_size(), 2);
  const v1::PromiseFigures& learning = k.by_category(0).promise();
  EXPECT_EQ(learning.received().value(), 37);
  EXPECT_EQ(learning.received().fewer_than(), 0);
  EXPECT_DOUBLE_EQ(learning.acknowledged_within_promise(), 28.0 / 33.0);
  EXPECT_TRUE(learning.has_median_working_hours_to_acknowledge());
  EXPECT_EQ(learning.breaches().value(), 5);

  const v1::PromiseFigures& safeguarding = k.by_category(1).promise();
  EXPECT_EQ(k.by_category(1).category(), "safeguarding");
  EXPECT_EQ(safeguarding.received().value(), 0);
  EXPECT_EQ(safeguarding.received().fewer_than(), 5);
  EXPECT_EQ(safeguarding.acknowledged_in_time().fewer_than(), 5);
  EXPECT_FALSE(safeguarding.has_acknowledged_within_promise());  // 2 of 3 would point at families
  EXPECT_FALSE(safeguarding.has_median_working_hours_to_acknowledge());
  EXPECT_EQ(safeguarding.breaches().fewer_than(), 5);

  // Rungs: 6 shown, 2 withheld; the school's totals show everything.
  ASSERT_EQ(k.by_rung_size(), 2);
  EXPECT_EQ(k.by_rung(0).role(), "Head of year");
  EXPECT_EQ(k.by_rung(0).escalations().value(), 6);
  EXPECT_EQ(k.by_rung(1).escalations().fewer_than(), 5);
  EXPECT_EQ(k.enquiries().safeguarding(), 3);
  EXPECT_EQ(k.enquiries().safeguarding_taken_up(), 2);
  EXPECT_DOUBLE_EQ(k.enquiries().median_hours_to_dsl(), 0.75);
  EXPECT_FALSE(k.enquiries().has_p90_hours_to_dsl());
  EXPECT_EQ(k.enquiries().escalations(), 8);
  EXPECT_EQ(k.enquiries().open_now(), 7);
  EXPECT_EQ(k.promises(0).budget(), "2 working days");
}

TEST_F(ReportingApiTest, ASourceDownGivesAPartialReportNamingIt) {
  sources_.Fail(Source::kAppointments, absl::UnavailableError("down"));
  v1::TrustReport report;
  ASSERT_EQ(Trust({}, Token("trust_leader", ""), &report).code, grpc::StatusCode::OK);
  EXPECT_TRUE(report.partial());
  ASSERT_EQ(report.missing_size(), 2);
  EXPECT_EQ(report.missing(0).school(), "schools/kenilworth");
  EXPECT_EQ(report.missing(0).source(), "appointments");
  EXPECT_EQ(report.missing(0).figures(), "meetings");
  EXPECT_EQ(report.missing(1).school(), "schools/st-marys");
  EXPECT_FALSE(report.schools(0).has_meetings());
  EXPECT_TRUE(report.schools(0).has_enquiries());
  EXPECT_EQ(report.schools(0).missing_size(), 1);
}

TEST_F(ReportingApiTest, BadRequestsAreRefusedBeforeAnySourceIsAsked) {
  v1::TrustReport report;
  Result r = Trust({}, Token("trust_leader", ""), &report, "2025-winter");
  EXPECT_EQ(r.code, grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_EQ(r.reason, reason::kInvalidPeriod);
  r = Trust({}, Token("trust_leader", ""), &report, "");
  EXPECT_EQ(r.code, grpc::StatusCode::INVALID_ARGUMENT);
  r = Trust({"kenilworth"}, Token("trust_leader", ""), &report);
  EXPECT_EQ(r.code, grpc::StatusCode::INVALID_ARGUMENT);
  r = Trust({"schools/nowhere"}, Token("trust_leader", ""), &report);
  EXPECT_EQ(r.code, grpc::StatusCode::NOT_FOUND);
  r = Trust({}, Token("trust_leader", ""), &report, "2029-autumn");
  EXPECT_EQ(r.code, grpc::StatusCode::FAILED_PRECONDITION);
  EXPECT_EQ(r.reason, reason::kPeriodNotInCalendar);
  EXPECT_EQ(sources_.Calls(Source::kEscalation), 0);
}

TEST_F(ReportingApiTest, TheCsvExportIsTheReportWithSafeCells) {
  Result r;
  const std::string csv = Export(Token("trust_leader", ""), &r);
  ASSERT_EQ(r.code, grpc::StatusCode::OK);
  std::vector<std::string> lines = absl::StrSplit(csv, "\r\n", absl::SkipEmpty());
  ASSERT_GT(lines.size(), 20u);
  EXPECT_EQ(lines[0], "school,school_name,period,start_date,end_date,section,row,figure,value");
  // The display name starts with "=" and holds quotes and a comma: apostrophe, quoted, doubled.
  const std::string name_cell = "\"'=HYPERLINK(\"\"http://x\"\"), \"\"Kenilworth\"\"\"";
  EXPECT_TRUE(
      absl::StrContains(csv, absl::StrCat("schools/kenilworth,", name_cell, ",2025-autumn,2025-09-01,2025-12-19,")));
  EXPECT_TRUE(absl::StrContains(csv, ",enquiries,,promise.received,40\r\n"));
  EXPECT_TRUE(absl::StrContains(csv, ",by_category,safeguarding,promise.received,fewer than 5\r\n"));
  EXPECT_TRUE(absl::StrContains(csv, ",by_category,learning,promise.received,37\r\n"));
  EXPECT_TRUE(absl::StrContains(csv, "trust,,2025-autumn,,,totals,,received,50\r\n"));
  // Every line has nine cells (quoted commas aside): no cell breaks the row.
  for (const std::string& line : lines) {
    if (absl::StrContains(line, "HYPERLINK")) continue;
    EXPECT_EQ(std::count(line.begin(), line.end(), ','), 8) << line;
  }

  EXPECT_EQ(CsvCell("+1 555"), "'+1 555");
  EXPECT_EQ(CsvCell("-2"), "'-2");
  EXPECT_EQ(CsvCell("@sum"), "'@sum");
  EXPECT_EQ(CsvCell("\tx"), "'\tx");
  EXPECT_EQ(CsvCell("a\nb"), "\"a\nb\"");
  EXPECT_EQ(CsvCell("plain"), "plain");

  Export(Token("teacher"), &r);
  EXPECT_EQ(r.code, grpc::StatusCode::PERMISSION_DENIED);
}

// ---- ListBreaches --------------------------------------------------------------------------------

BreachItem Item(const std::string& id, const std::string& channel, const std::string& category) {
  BreachItem b;
  b.enquiry = "schools/kenilworth/enquiries/" + id;
  b.stage = "acknowledge";
  b.channel = channel;
  b.category = category;
  b.received_at = absl::FromCivil(absl::CivilSecond(2025, 10, 1, 9, 0, 0), absl::UTCTimeZone());
  b.due = b.received_at + absl::Hours(48);
  b.breached_at = *b.due + absl::Seconds(1);
  b.rung = 1;
  b.rung_role = "head_of_year";
  return b;
}

class ListBreachesApiTest : public ReportingApiTest {
 protected:
  void SetUp() override {
    ReportingApiTest::SetUp();
    BreachItem kept = Item("e-1", "email", "learning");
    kept.kept_at = *kept.due + absl::Hours(3);
    breaches_.Set("kenilworth", {kept, Item("e-2", "phone", "learning"), Item("e-3", "email", "send")});
    breaches_.Set("st-marys", {Item("e-9", "email", "learning")});
  }

  static v1::ListBreachesRequest Request(const std::string& school = "schools/kenilworth") {
    v1::ListBreachesRequest req;
    req.set_school(school);
    req.set_period("2025-autumn");
    return req;
  }

  Result List(const v1::ListBreachesRequest& req, const std::string& token, v1::ListBreachesResponse* out) {
    return Call(&v1::ReportingService::Stub::ListBreaches, req, out, token);
  }
};

TEST_F(ListBreachesApiTest, ListsTheMattersBehindTheFigureForTheSchoolsOwnPeriod) {
  v1::ListBreachesResponse resp;
  Result r = List(Request("schools/st-marys"), Token("trust_leader", ""), &resp);
  ASSERT_EQ(r.code, grpc::StatusCode::OK) << r.reason;
  // St Mary's terms start two days later: its own autumn term, exactly as its report resolves it.
  v1::GetSchoolReportRequest report_req;
  report_req.set_school("schools/st-marys");
  report_req.set_period("2025-autumn");
  v1::SchoolReport report;
  ASSERT_EQ(Call(&v1::ReportingService::Stub::GetSchoolReport, report_req, &report, Token("trust_leader", "")).code,
            grpc::StatusCode::OK);
  EXPECT_EQ(resp.period().start_date(), "2025-09-03");
  EXPECT_EQ(resp.period().start_date(), report.period().start_date());
  EXPECT_EQ(resp.period().end_date(), report.period().end_date());
  EXPECT_EQ(resp.period().start_time().seconds(), report.period().start_time().seconds());
  EXPECT_EQ(resp.period().end_time().seconds(), report.period().end_time().seconds());
  ASSERT_FALSE(breaches_.calls().empty());
  const testing::FakeBreachSource::Call asked = breaches_.calls().back();
  EXPECT_EQ(asked.school_id, "st-marys");
  EXPECT_EQ(absl::ToUnixSeconds(asked.start), report.period().start_time().seconds());
  EXPECT_EQ(absl::ToUnixSeconds(asked.end), report.period().end_time().seconds());
  EXPECT_EQ(asked.timeout, absl::Milliseconds(1500));  // the source deadline
  EXPECT_EQ(asked.page_size, 50);
  EXPECT_EQ(resp.school(), "schools/st-marys");
  ASSERT_EQ(resp.breaches_size(), 1);

  ASSERT_EQ(List(Request(), Token("trust_leader", ""), &resp).code, grpc::StatusCode::OK);
  ASSERT_EQ(resp.breaches_size(), 3);
  const v1::Breach& b = resp.breaches(0);
  EXPECT_EQ(b.enquiry(), "schools/kenilworth/enquiries/e-1");
  EXPECT_EQ(b.stage(), "acknowledge");
  EXPECT_EQ(b.channel(), "email");
  EXPECT_EQ(b.category(), "learning");
  EXPECT_EQ(b.due_time().seconds() - b.receive_time().seconds(), 48 * 3600);
  EXPECT_EQ(b.breach_time().seconds() - b.due_time().seconds(), 1);
  EXPECT_EQ(b.kept_time().seconds() - b.due_time().seconds(), 3 * 3600);
  EXPECT_FALSE(resp.breaches(1).has_kept_time());
  EXPECT_EQ(b.rung(), 1);
  EXPECT_EQ(b.rung_role(), "head_of_year");
  EXPECT_TRUE(resp.next_page_token().empty());

  // Never cached: the same question asks escalation again.
  const size_t calls = breaches_.calls().size();
  ASSERT_EQ(List(Request(), Token("trust_leader", ""), &resp).code, grpc::StatusCode::OK);
  EXPECT_EQ(breaches_.calls().size(), calls + 1);
}

TEST_F(ListBreachesApiTest, FiltersAndPagesPassThroughWithTokensBoundToTheRequest) {
  const std::string token = Token("senior_leader");
  v1::ListBreachesRequest req = Request();
  req.set_channel("email");
  v1::ListBreachesResponse resp;
  ASSERT_EQ(List(req, token, &resp).code, grpc::StatusCode::OK);
  ASSERT_EQ(resp.breaches_size(), 2);
  EXPECT_EQ(breaches_.calls().back().channel, "email");
  req.set_category("send");
  ASSERT_EQ(List(req, token, &resp).code, grpc::StatusCode::OK);
  ASSERT_EQ(resp.breaches_size(), 1);
  EXPECT_EQ(resp.breaches(0).enquiry(), "schools/kenilworth/enquiries/e-3");
  EXPECT_EQ(breaches_.calls().back().category, "send");

  req = Request();
  req.set_page_size(2);
  ASSERT_EQ(List(req, token, &resp).code, grpc::StatusCode::OK);
  ASSERT_EQ(resp.breaches_size(), 2);
  ASSERT_FALSE(resp.next_page_token().empty());
  req.set_page_token(resp.next_page_token());
  v1::ListBreachesResponse second;
  ASSERT_EQ(List(req, token, &second).code, grpc::StatusCode::OK);
  ASSERT_EQ(second.breaches_size(), 1);
  EXPECT_EQ(second.breaches(0).enquiry(), "schools/kenilworth/enquiries/e-3");
  EXPECT_EQ(breaches_.calls().back().page_token, "2");  // escalation's own token, carried in ours
  EXPECT_TRUE(second.next_page_token().empty());

  // Our token continues only the list it was issued for.
  req.set_channel("phone");
  Result r = List(req, token, &second);
  EXPECT_EQ(r.code, grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_EQ(r.reason, reason::kInvalidPageToken);
}

TEST_F(ListBreachesApiTest, OnlyLeadersAndOnlyTheirOwnSchool) {
  v1::ListBreachesResponse resp;
  for (const char* role : {"senior_leader", "dsl"}) {
    EXPECT_EQ(List(Request(), Token(role), &resp).code, grpc::StatusCode::OK) << role;
    const size_t calls = breaches_.calls().size();
    Result r = List(Request("schools/st-marys"), Token(role), &resp);
    EXPECT_EQ(r.code, grpc::StatusCode::PERMISSION_DENIED) << role;
    EXPECT_EQ(r.reason, reason::kWrongSchool) << role;
    // The same answer for a school that does not exist: denied before anything is looked up.
    r = List(Request("schools/nowhere"), Token(role), &resp);
    EXPECT_EQ(r.reason, reason::kWrongSchool) << role;
    EXPECT_EQ(breaches_.calls().size(), calls) << role;
  }
  EXPECT_EQ(List(Request(), Token("trust_admin", ""), &resp).code, grpc::StatusCode::OK);
  const size_t calls = breaches_.calls().size();
  for (const char* role : {"teacher", "office", "guardian", "service"}) {
    Result r = List(Request(), Token(role), &resp);
    EXPECT_EQ(r.code, grpc::StatusCode::PERMISSION_DENIED) << role;
    EXPECT_EQ(r.reason, reason::kRoleRequired) << role;
  }
  EXPECT_EQ(breaches_.calls().size(), calls);
}

TEST_F(ListBreachesApiTest, BadRequestsAreRefusedBeforeEscalationIsAsked) {
  const std::string token = Token("trust_leader", "");
  v1::ListBreachesResponse resp;
  const auto expect = [&](const v1::ListBreachesRequest& req, grpc::StatusCode code, const std::string& reason) {
    const Result r = List(req, token, &resp);
    EXPECT_EQ(r.code, code) << reason;
    EXPECT_EQ(r.reason, reason);
  };
  v1::ListBreachesRequest req = Request();
  req.set_period("2025-winter");
  expect(req, grpc::StatusCode::INVALID_ARGUMENT, reason::kInvalidPeriod);
  req.set_period("2029-autumn");
  expect(req, grpc::StatusCode::FAILED_PRECONDITION, reason::kPeriodNotInCalendar);
  req = Request();
  req.set_channel("carrier_pigeon");
  expect(req, grpc::StatusCode::INVALID_ARGUMENT, reason::kInvalidField);
  req = Request();
  req.set_category("Not an id!");
  expect(req, grpc::StatusCode::INVALID_ARGUMENT, reason::kInvalidName);
  req = Request();
  req.set_page_size(-1);
  expect(req, grpc::StatusCode::INVALID_ARGUMENT, reason::kInvalidField);
  req = Request();
  req.set_page_token("forged");
  expect(req, grpc::StatusCode::INVALID_ARGUMENT, reason::kInvalidPageToken);
  req = Request("kenilworth");
  expect(req, grpc::StatusCode::INVALID_ARGUMENT, reason::kInvalidName);
  req = Request("schools/nowhere");
  expect(req, grpc::StatusCode::NOT_FOUND, reason::kSchoolNotFound);
  req = Request();
  req.clear_period();
  expect(req, grpc::StatusCode::INVALID_ARGUMENT, reason::kInvalidField);
  EXPECT_TRUE(breaches_.calls().empty());
}

TEST_F(ListBreachesApiTest, EscalationDownIsUnavailableSayingSo) {
  for (absl::Status down :
       {absl::UnavailableError("connection refused"), absl::DeadlineExceededError("deadline exceeded")}) {
    breaches_.Fail(down);
    grpc::ClientContext ctx;
    ctx.AddMetadata("authorization", absl::StrCat("Bearer ", Token("trust_leader", "")));
    v1::ListBreachesResponse resp;
    const grpc::Status s = stub_->ListBreaches(&ctx, Request(), &resp);
    EXPECT_EQ(s.error_code(), grpc::StatusCode::UNAVAILABLE) << down;
    EXPECT_TRUE(absl::StrContains(s.error_message(), "escalation")) << s.error_message();
    EXPECT_TRUE(absl::StrContains(s.error_message(), "schools/kenilworth")) << s.error_message();
    auto it = ctx.GetServerTrailingMetadata().find(std::string(kErrorReasonMetadataKey));
    ASSERT_NE(it, ctx.GetServerTrailingMetadata().end());
    EXPECT_EQ(std::string(it->second.data(), it->second.size()), reason::kPeerUnavailable);
    EXPECT_EQ(resp.breaches_size(), 0);
  }
}

}  // namespace
}  // namespace parley::reporting
