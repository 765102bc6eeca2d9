// `parleyctl report`: its arguments, the HTML page (escaping, withheld and unset figures, the
// charts, the partial-report banner), the text summary, and the calls against a fake reporting
// service (every breakdown asked for; the CSV written byte for byte; --input calling nothing).
#include <cstdio>
#include <fstream>
#include <memory>
#include <sstream>
#include <string>
#include <vector>

#include "CLI/CLI.hpp"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "gmock/gmock.h"
#include "grpcpp/create_channel.h"
#include "grpcpp/security/credentials.h"
#include "grpcpp/security/server_credentials.h"
#include "grpcpp/server.h"
#include "grpcpp/server_builder.h"
#include "gtest/gtest.h"
#include "parley/reporting/v1/reporting_service.grpc.pb.h"
#include "tools/parleyctl/commands.h"
#include "tools/parleyctl/report_args.h"
#include "tools/parleyctl/report_cli.h"
#include "tools/parleyctl/report_format.h"
#include "tools/parleyctl/report_html.h"

namespace parley::ctl {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::Not;

constexpr char kDash[] = "\u2014";

size_t Occurrences(const std::string& text, const std::string& what) {
  size_t n = 0;
  for (size_t at = text.find(what); at != std::string::npos; at = text.find(what, at + what.size())) ++n;
  return n;
}

rv1::Count Withheld() {
  rv1::Count c;
  c.set_fewer_than(5);
  return c;
}

rv1::Count Of(int64_t v) {
  rv1::Count c;
  c.set_value(v);
  return c;
}

// Two schools: one whole (with a withheld channel, rung and week), one whose escalation source did
// not answer (no enquiry figures), and names that need escaping.
rv1::TrustReport SampleReport() {
  rv1::TrustReport r;
  r.set_period("2025-autumn");
  r.set_small_count_threshold(5);
  r.set_partial(true);
  r.mutable_compute_time()->set_seconds(1766210400);  // 2025-12-20 06:00 UTC
  rv1::SchoolReport* a = r.add_schools();
  a->set_school("schools/st-marys");
  a->set_display_name("St Mary's <script>alert(1)</script> & Co");
  a->set_pupils(412);
  a->mutable_period()->set_display_name("Autumn 2025");
  rv1::Promise* ack = a->add_promises();
  ack->set_channel("email");
  ack->set_stage("acknowledge");
  ack->set_budget("2 working days");
  ack->set_policy_text("We acknowledge <b>every</b> email & letter.");
  rv1::PromiseFigures* p = a->mutable_enquiries()->mutable_promise();
  *p->mutable_received() = Of(312);
  *p->mutable_acknowledge_clocks_ended() = Of(311);
  *p->mutable_acknowledged_in_time() = Of(295);
  p->set_acknowledged_within_promise(0.9486);
  *p->mutable_breaches() = Of(39);
  // answered_within_promise and the medians unset: shown as a dash
  a->mutable_enquiries()->set_escalations(27);
  a->mutable_enquiries()->set_open_now(9);
  a->mutable_conduct()->set_incidents(4);
  a->mutable_meetings()->set_requests(38);
  a->mutable_notifications()->set_notices(64);
  rv1::ChannelRow* email = a->add_by_channel();
  email->set_channel("email");
  *email->mutable_promise()->mutable_received() = Of(303);
  rv1::ChannelRow* letter = a->add_by_channel();
  letter->set_channel("letter");
  *letter->mutable_promise()->mutable_received() = Withheld();
  rv1::RungRow* rung = a->add_by_rung();
  rung->set_rung(1);
  rung->set_role("head of year <pastoral>");
  *rung->mutable_escalations() = Withheld();
  rv1::WeekRow* w1 = a->add_by_week();
  w1->set_week_start("2025-09-01");
  *w1->mutable_promise()->mutable_received() = Of(14);
  w1->mutable_promise()->set_acknowledged_within_promise(1.0);
  rv1::WeekRow* w2 = a->add_by_week();
  w2->set_week_start("2025-09-08");
  *w2->mutable_promise()->mutable_received() = Withheld();

  rv1::SchoolReport* b = r.add_schools();
  b->set_school("schools/riverside");
  b->set_display_name("Riverside");
  b->mutable_conduct()->set_incidents(1);
  rv1::MissingFigures* m = r.add_missing();
  m->set_school("schools/riverside");
  m->set_source("escalation");
  m->set_figures("enquiries, weekly trend");
  m->set_reason("escalation did not answer within 3s <timeout>");
  *b->add_missing() = *m;
  r.mutable_totals()->set_received(312);
  return r;
}

// The text of the first element carrying `attrs` ("data-figure=\"x\" data-school=\"y\"").
std::string CellText(const std::string& html, const std::string& attrs) {
  const size_t at = html.find(attrs);
  if (at == std::string::npos) return "<no cell " + attrs + ">";
  const size_t open = html.find('>', at);
  const size_t close = html.find('<', open);
  return html.substr(open + 1, close - open - 1);
}

std::string Fig(const std::string& figure, const std::string& school) {
  return absl::StrCat("data-figure=\"", figure, "\" data-school=\"", school, "\"");
}

// --- arguments ---------------------------------------------------------------------------------

TEST(ReportArgs, AsksForEveryBreakdownOfThePeriodAndSchoolsNamed) {
  ReportOptions o;
  o.period = " 2025-autumn ";
  o.schools = {"st-marys", "schools/oakfield"};
  absl::StatusOr<rv1::GetTrustReportRequest> req = TrustReportRequest(o);
  ASSERT_TRUE(req.ok()) << req.status();
  EXPECT_EQ(req->period(), "2025-autumn");
  EXPECT_THAT(req->schools(), ElementsAre("schools/st-marys", "schools/oakfield"));
  EXPECT_THAT(req->group_by(),
              ElementsAre(rv1::GROUP_BY_CHANNEL, rv1::GROUP_BY_CATEGORY, rv1::GROUP_BY_RUNG, rv1::GROUP_BY_WEEK));
  absl::StatusOr<rv1::ExportReportRequest> exp = ExportReportRequest(o);
  ASSERT_TRUE(exp.ok()) << exp.status();
  EXPECT_EQ(exp->period(), "2025-autumn");
  EXPECT_EQ(exp->schools_size(), 2);
  EXPECT_EQ(exp->group_by_size(), 4);
}

TEST(ReportArgs, RefusesBadCombinationsBeforeAnyCall) {
  ReportOptions none;
  EXPECT_TRUE(IsUsageError(CheckReportOptions(none)));  // no period
  ReportOptions long_period;
  long_period.period = std::string(65, '2');
  EXPECT_TRUE(IsUsageError(CheckReportOptions(long_period)));
  ReportOptions bad_school;
  bad_school.period = "2025-autumn";
  bad_school.schools = {"schools/a/b"};
  EXPECT_TRUE(IsUsageError(CheckReportOptions(bad_school)));
  ReportOptions input_csv;
  input_csv.input = "saved.json";
  input_csv.csv = "out.csv";
  EXPECT_TRUE(IsUsageError(CheckReportOptions(input_csv)));
  ReportOptions input_period;
  input_period.input = "saved.json";
  input_period.period = "2025-autumn";
  EXPECT_TRUE(IsUsageError(CheckReportOptions(input_period)));
  ReportOptions input_html;
  input_html.input = "saved.json";
  input_html.html = "out.html";
  EXPECT_TRUE(CheckReportOptions(input_html).ok());
}

TEST(ReportArgs, ReadsSavedJsonAndRefusesUnknownFields) {
  absl::StatusOr<rv1::TrustReport> r = ParseTrustReportJson(
      R"({"period":"2025-autumn","schools":[{"school":"schools/a","enquiries":{"promise":{"received":{"fewerThan":5}}}}]})",
      "saved.json");
  ASSERT_TRUE(r.ok()) << r.status();
  EXPECT_EQ(r->schools(0).enquiries().promise().received().fewer_than(), 5);
  absl::StatusOr<rv1::TrustReport> bad = ParseTrustReportJson(R"({"periode":"2025-autumn"})", "saved.json");
  ASSERT_FALSE(bad.ok());
  EXPECT_THAT(std::string(bad.status().message()), HasSubstr("saved.json"));
}

// --- the HTML page -----------------------------------------------------------------------------

TEST(ReportHtml, EscapesEveryTextFromTheReport) {
  EXPECT_EQ(HtmlEscape("<a href=\"x\">Tom & Jerry's</a>"),
            "&lt;a href=&quot;x&quot;&gt;Tom &amp; Jerry&#39;s&lt;/a&gt;");
  const std::string html = RenderReportHtml(SampleReport());
  EXPECT_THAT(html, Not(HasSubstr("<script")));
  EXPECT_THAT(html, HasSubstr("St Mary&#39;s &lt;script&gt;alert(1)&lt;/script&gt; &amp; Co"));
  EXPECT_THAT(html, Not(HasSubstr("<b>every</b>")));
  EXPECT_THAT(html, HasSubstr("We acknowledge &lt;b&gt;every&lt;/b&gt; email &amp; letter."));
  EXPECT_THAT(html, HasSubstr("head of year &lt;pastoral&gt;"));
  EXPECT_THAT(html, HasSubstr("escalation did not answer within 3s &lt;timeout&gt;"));
  EXPECT_THAT(html, Not(HasSubstr("<pastoral>")));
  EXPECT_THAT(html, Not(HasSubstr("<timeout>")));
}

TEST(ReportHtml, WithheldCountsReadFewerThanAndAreNeverDrawnAsBars) {
  const std::string html = RenderReportHtml(SampleReport());
  EXPECT_EQ(CellText(html, Fig("by_channel[letter].promise.received", "schools/st-marys")), "fewer than 5");
  EXPECT_EQ(CellText(html, Fig("by_rung[1].escalations", "schools/st-marys")), "fewer than 5");
  EXPECT_EQ(CellText(html, Fig("by_week[2025-09-08].promise.received", "schools/st-marys")), "fewer than 5");
  EXPECT_EQ(CellText(html, Fig("by_channel[email].promise.received", "schools/st-marys")), "303");
  // In the charts: a hatched "unknown" marker, and no bar for the letter channel or the rung.
  EXPECT_THAT(html, HasSubstr("data-school=\"schools/st-marys\" data-series=\"letter\" data-unknown=\"true\""));
  EXPECT_THAT(html, Not(HasSubstr("data-school=\"schools/st-marys\" data-series=\"letter\" data-value")));
  EXPECT_THAT(html, HasSubstr("data-school=\"schools/st-marys\" data-series=\"rung-1\" data-unknown=\"true\""));
  EXPECT_THAT(html, Not(HasSubstr("data-series=\"rung-1\" data-value")));
  EXPECT_THAT(html, HasSubstr("fill=\"url(#hatch-channels)\""));
  EXPECT_THAT(html, HasSubstr("Counts under 5 in a breakdown are withheld"));
}

TEST(ReportHtml, UnsetFiguresReadAsADashNeverZero) {
  const std::string html = RenderReportHtml(SampleReport());
  // Unset optional fields of a present message.
  EXPECT_EQ(CellText(html, Fig("enquiries.promise.answered_within_promise", "schools/st-marys")), kDash);
  EXPECT_EQ(CellText(html, Fig("enquiries.promise.median_working_hours_to_acknowledge", "schools/st-marys")), kDash);
  EXPECT_EQ(CellText(html, Fig("enquiries.overdue_now", "schools/st-marys")), kDash);
  EXPECT_EQ(CellText(html, Fig("enquiries.promise.acknowledged_within_promise", "schools/st-marys")), "94.9%");
  EXPECT_EQ(CellText(html, Fig("enquiries.open_now", "schools/st-marys")), "9");
  // A source that did not answer: every one of its figures is a dash, not 0.
  EXPECT_EQ(CellText(html, Fig("enquiries.promise.received", "schools/riverside")), kDash);
  EXPECT_EQ(CellText(html, Fig("enquiries.escalations", "schools/riverside")), kDash);
  EXPECT_EQ(CellText(html, Fig("meetings.requests", "schools/riverside")), kDash);
  EXPECT_EQ(CellText(html, Fig("conduct.incidents", "schools/riverside")), "1");
  EXPECT_THAT(html, HasSubstr("data-school=\"schools/riverside\" data-series=\"acknowledged_within_promise\" "
                              "data-unknown=\"true\""));
  EXPECT_EQ(CellText(html, "data-figure=\"totals.received\""), "312");
}

TEST(ReportHtml, HasFourTitledChartsAndNothingFromOutside) {
  const std::string html = RenderReportHtml(SampleReport());
  for (const char* chart : {"compliance", "trend", "funnel", "channels"}) {
    const std::string open = absl::StrCat("<svg data-chart=\"", chart, "\"");
    EXPECT_EQ(Occurrences(html, open), 1u) << chart;
    const size_t at = html.find(open);
    ASSERT_NE(at, std::string::npos) << chart;
    const size_t end = html.find("</svg>", at);
    const std::string svg = html.substr(at, end - at);
    EXPECT_THAT(svg, HasSubstr("<title id=\"chart-")) << chart;
    EXPECT_THAT(svg, HasSubstr("data-series=")) << chart;
  }
  EXPECT_EQ(Occurrences(html, "<svg "), 4u);
  // The compliance bars are labelled with the school's own promise.
  EXPECT_THAT(html, HasSubstr("email: acknowledge in 2 working days"));
  // Self-contained: no scripts, stylesheets, fonts or images to fetch.
  EXPECT_THAT(html, Not(HasSubstr("<link")));
  EXPECT_THAT(html, Not(HasSubstr("<img")));
  EXPECT_THAT(html, Not(HasSubstr("src=")));
  EXPECT_THAT(html, Not(HasSubstr("@import")));
  EXPECT_THAT(html, Not(HasSubstr("url(http")));
  EXPECT_EQ(Occurrences(html, "http"), 4u);           // the SVG namespace of each chart only
  EXPECT_EQ(RenderReportHtml(SampleReport()), html);  // a pure function
}

TEST(ReportHtml, PartialReportBannerListsEveryMissingEntry) {
  rv1::TrustReport r = SampleReport();
  rv1::MissingFigures* more = r.mutable_schools(0)->add_missing();
  more->set_school("schools/st-marys");
  more->set_source("notifications");
  more->set_figures("notifications");
  more->set_reason("notifications returned UNAVAILABLE");
  const std::string html = RenderReportHtml(r);
  const size_t banner = html.find("<section class=\"partial\"");
  ASSERT_NE(banner, std::string::npos);
  const std::string section = html.substr(banner, html.find("</section>", banner) - banner);
  EXPECT_THAT(section, HasSubstr("Partial report"));
  // The trust's entry (listed once though the school repeats it) and the school-only one.
  EXPECT_EQ(Occurrences(section, "data-missing-school=\"schools/riverside\""), 1u);
  EXPECT_THAT(section, HasSubstr("enquiries, weekly trend missing: escalation did not answer within 3s"));
  EXPECT_THAT(section, HasSubstr("data-missing-school=\"schools/st-marys\""));
  EXPECT_THAT(section, HasSubstr("notifications returned UNAVAILABLE"));

  rv1::TrustReport whole = SampleReport();
  whole.set_partial(false);
  whole.clear_missing();
  whole.mutable_schools(1)->clear_missing();
  EXPECT_THAT(RenderReportHtml(whole), Not(HasSubstr("class=\"partial\"")));
}

TEST(ReportFormat, TextSummaryPerSchool) {
  const std::string text = FormatTrustReport(SampleReport());
  EXPECT_THAT(text, HasSubstr("Trust report 2025-autumn (computed 2025-12-20 06:00 UTC)"));
  EXPECT_THAT(text, HasSubstr("PARTIAL"));
  EXPECT_THAT(text, HasSubstr("312 received; acknowledged within promise 94.9%; answered within promise -"));
  EXPECT_THAT(text, HasSubstr("rung 1 head of year <pastoral> fewer than 5"));
  EXPECT_THAT(text, HasSubstr("Riverside (schools/riverside)"));
  EXPECT_THAT(text, HasSubstr("enquiries:     -"));
}

// --- the command against a fake reporting service ----------------------------------------------

class FakeReporting final : public rv1::ReportingService::Service {
 public:
  grpc::Status GetTrustReport(grpc::ServerContext*, const rv1::GetTrustReportRequest* req,
                              rv1::TrustReport* resp) override {
    calls.push_back("GetTrustReport");
    last_report = *req;
    *resp = SampleReport();
    return grpc::Status::OK;
  }
  grpc::Status ExportReport(grpc::ServerContext*, const rv1::ExportReportRequest* req,
                            grpc::ServerWriter<rv1::ExportReportChunk>* writer) override {
    calls.push_back("ExportReport");
    last_export = *req;
    for (const std::string& part : csv_chunks) {
      rv1::ExportReportChunk chunk;
      chunk.set_content_type("text/csv; charset=utf-8");
      chunk.set_data(part);
      writer->Write(chunk);
    }
    return grpc::Status::OK;
  }

  // Two pages: e-1 (kept late) on the first, e-2 (never kept) on the second.
  grpc::Status ListBreaches(grpc::ServerContext*, const rv1::ListBreachesRequest* req,
                            rv1::ListBreachesResponse* resp) override {
    calls.push_back("ListBreaches");
    breach_requests.push_back(*req);
    resp->set_school(req->school());
    resp->mutable_period()->set_display_name("Autumn 2025");
    resp->mutable_period()->set_start_date("2025-09-01");
    resp->mutable_period()->set_end_date("2025-12-19");
    rv1::Breach* b = resp->add_breaches();
    b->set_stage("acknowledge");
    b->set_channel("email");
    b->set_category("learning");
    b->mutable_receive_time()->set_seconds(1759309200);  // 2025-10-01 09:00 UTC
    b->mutable_due_time()->set_seconds(1759482000);      // 2025-10-03 09:00 UTC
    b->mutable_breach_time()->set_seconds(1759482060);   // 09:01
    b->set_rung(1);
    b->set_rung_role("head_of_year");
    if (req->page_token().empty()) {
      b->set_enquiry("schools/st-marys/enquiries/e-1");
      b->mutable_kept_time()->set_seconds(1759492800);  // 12:00
      resp->set_next_page_token("page-2");
    } else {
      b->set_enquiry("schools/st-marys/enquiries/e-2");
    }
    return grpc::Status::OK;
  }

  std::vector<std::string> calls;
  std::vector<rv1::ListBreachesRequest> breach_requests;
  rv1::GetTrustReportRequest last_report;
  rv1::ExportReportRequest last_export;
  std::vector<std::string> csv_chunks = {"school,figure,value\r\n", "schools/st-marys,received,312\r\n",
                                         "schools/st-marys,\"name, with comma\",'=1+1 caf\xc3\xa9\r\n"};
};

class ReportCommandTest : public ::testing::Test {
 protected:
  void SetUp() override {
    grpc::ServerBuilder builder;
    int port = 0;
    builder.AddListeningPort("127.0.0.1:0", grpc::InsecureServerCredentials(), &port);
    builder.RegisterService(&reporting_);
    server_ = builder.BuildAndStart();
    ASSERT_NE(server_, nullptr);
    channel_ = grpc::CreateChannel(absl::StrCat("127.0.0.1:", port), grpc::InsecureChannelCredentials());
    dir_ = ::testing::TempDir();
  }
  void TearDown() override { server_->Shutdown(); }

  // `parleyctl <args>` as main parses it; the reporting channel only when the command needs one.
  absl::Status Run(const std::vector<std::string>& args, bool json = false) {
    CLI::App app{"parleyctl"};
    app.require_subcommand(1);
    Command run;
    bool needs_channel = true;
    ReportCli cli(&app, &run, &needs_channel);
    std::vector<const char*> argv = {"parleyctl"};
    for (const std::string& a : args) argv.push_back(a.c_str());
    try {
      app.parse(static_cast<int>(argv.size()), argv.data());
    } catch (const CLI::ParseError& e) {
      return UsageError(e.what());
    }
    if (!run) return absl::InternalError("no command was set");
    GlobalOptions g;
    g.token = "test-token";
    g.json = json;
    Ctl ctl(g, nullptr, nullptr, nullptr, nullptr, nullptr, needs_channel ? channel_ : nullptr, out_, err_);
    return run(ctl);
  }

  static std::string Read(const std::string& path) {
    std::ifstream in(path, std::ios::binary);
    std::ostringstream s;
    s << in.rdbuf();
    return s.str();
  }

  FakeReporting reporting_;
  std::unique_ptr<grpc::Server> server_;
  std::shared_ptr<grpc::Channel> channel_;
  std::string dir_;
  std::ostringstream out_;
  std::ostringstream err_;
};

TEST_F(ReportCommandTest, PrintsTheSummaryOfEveryBreakdownAskedFor) {
  ASSERT_TRUE(Run({"report", "--period", "2025-autumn", "--school", "st-marys", "--school", "schools/riverside"}).ok())
      << err_.str();
  EXPECT_THAT(reporting_.calls, ElementsAre("GetTrustReport"));
  EXPECT_EQ(reporting_.last_report.period(), "2025-autumn");
  EXPECT_THAT(reporting_.last_report.schools(), ElementsAre("schools/st-marys", "schools/riverside"));
  EXPECT_EQ(reporting_.last_report.group_by_size(), 4);
  EXPECT_THAT(out_.str(), HasSubstr("Trust report 2025-autumn"));
  EXPECT_THAT(out_.str(), HasSubstr("rung 1 head of year <pastoral> fewer than 5"));
}

TEST_F(ReportCommandTest, CsvIsTheServersBytesAndAsksOnlyForTheExport) {
  const std::string csv = dir_ + "/report_test.csv";
  std::remove(csv.c_str());
  ASSERT_TRUE(Run({"report", "--period", "2025-autumn", "--csv", csv}).ok()) << err_.str();
  EXPECT_THAT(reporting_.calls, ElementsAre("ExportReport"));
  EXPECT_EQ(reporting_.last_export.period(), "2025-autumn");
  EXPECT_EQ(reporting_.last_export.group_by_size(), 4);
  std::string want;
  for (const std::string& part : reporting_.csv_chunks) want += part;
  EXPECT_EQ(Read(csv), want);
  EXPECT_THAT(out_.str(), HasSubstr(absl::StrCat("wrote ", csv, " (", want.size(), " bytes of CSV)")));
}

TEST_F(ReportCommandTest, JsonRoundTripsAndRendersOfflineWithoutACall) {
  const std::string saved = dir_ + "/report_test.json";
  ASSERT_TRUE(Run({"report", "--period", "2025-autumn"}, /*json=*/true).ok()) << err_.str();
  {
    std::ofstream f(saved, std::ios::binary | std::ios::trunc);
    f << out_.str();
  }
  absl::StatusOr<rv1::TrustReport> back = ParseTrustReportJson(out_.str(), saved);
  ASSERT_TRUE(back.ok()) << back.status();
  EXPECT_EQ(back->SerializeAsString(), SampleReport().SerializeAsString());

  reporting_.calls.clear();
  out_.str("");
  const std::string html = dir_ + "/report_test.html";
  std::remove(html.c_str());
  ASSERT_TRUE(Run({"report", "--input", saved, "--html", html}).ok()) << err_.str();
  EXPECT_TRUE(reporting_.calls.empty());
  EXPECT_EQ(Read(html), RenderReportHtml(SampleReport()));
  EXPECT_THAT(out_.str(), HasSubstr("wrote " + html));
  EXPECT_THAT(out_.str(), HasSubstr("PARTIAL"));
}

TEST_F(ReportCommandTest, UsageErrorsCallNothing) {
  EXPECT_TRUE(IsUsageError(Run({"report"})));
  EXPECT_TRUE(IsUsageError(Run({"report", "--input", "x.json", "--csv", "x.csv"})));
  EXPECT_TRUE(IsUsageError(Run({"report", "--period", "2025-autumn", "--school", "a/b/c"})));
  EXPECT_TRUE(reporting_.calls.empty());
  absl::Status missing = Run({"report", "--input", dir_ + "/no-such-report.json"});
  EXPECT_FALSE(missing.ok());
  EXPECT_FALSE(IsUsageError(missing));
}

TEST_F(ReportCommandTest, BreachesPrintsOneLinePerBreachOverEveryPage) {
  ASSERT_TRUE(Run({"report", "breaches", "--school", "st-marys", "--period", "2025-autumn", "--channel", "email"}).ok())
      << err_.str();
  EXPECT_THAT(reporting_.calls, ElementsAre("ListBreaches", "ListBreaches"));
  ASSERT_EQ(reporting_.breach_requests.size(), 2u);
  const rv1::ListBreachesRequest& first = reporting_.breach_requests[0];
  EXPECT_EQ(first.school(), "schools/st-marys");
  EXPECT_EQ(first.period(), "2025-autumn");
  EXPECT_EQ(first.channel(), "email");
  EXPECT_TRUE(first.category().empty());
  EXPECT_TRUE(first.page_token().empty());
  EXPECT_EQ(reporting_.breach_requests[1].page_token(), "page-2");
  EXPECT_EQ(out_.str(),
            "2 breaches of schools/st-marys, Autumn 2025, 2025-09-01 to 2025-12-19\n"
            "schools/st-marys/enquiries/e-1  acknowledge  email  learning  received 2025-10-01 09:00 UTC  due "
            "2025-10-03 09:00 UTC  breached 2025-10-03 09:01 UTC  kept 2025-10-03 12:00 UTC  rung 1 head_of_year\n"
            "schools/st-marys/enquiries/e-2  acknowledge  email  learning  received 2025-10-01 09:00 UTC  due "
            "2025-10-03 09:00 UTC  breached 2025-10-03 09:01 UTC  not kept  rung 1 head_of_year\n");
}

TEST_F(ReportCommandTest, BreachesNeedsASchoolAndAPeriodAndCallsNothingWithout) {
  EXPECT_TRUE(IsUsageError(Run({"report", "breaches", "--period", "2025-autumn"})));
  EXPECT_TRUE(IsUsageError(Run({"report", "breaches", "--school", "st-marys"})));
  EXPECT_TRUE(IsUsageError(Run({"report", "breaches", "--school", "a/b/c", "--period", "2025-autumn"})));
  EXPECT_TRUE(reporting_.calls.empty());
}

}  // namespace
}  // namespace parley::ctl
