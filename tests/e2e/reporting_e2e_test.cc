// End to end: parley-reporting as the built binary beside every service it reports on (contacts
// with the demo trust, conduct, escalation, notifications, appointments), each on its own
// database. Enquiries and incidents made through the services' APIs come back exactly in the
// report; a source stopped mid-report gives a partial report naming it, and the next report after
// it returns is whole; a school's leader reads only their school; the CSV export carries the same
// figures; a school's breaches figure drills down to exactly that many enquiry names.
#include <algorithm>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "absl/time/time.h"
#include "common/grpc/timestamp.h"
#include "gtest/gtest.h"
#include "parley/conduct/v1/conduct_service.grpc.pb.h"
#include "parley/contacts/v1/contacts_service.grpc.pb.h"
#include "parley/escalation/v1/escalation_service.grpc.pb.h"
#include "parley/reporting/v1/reporting_service.grpc.pb.h"
#include "tests/e2e/e2e_support.h"
#include "tests/e2e/sinks.h"
#include "tests/e2e/trust_under_test.h"

namespace parley::e2e {
namespace {

namespace cv1 = ::parley::conduct::v1;
namespace ev1 = ::parley::escalation::v1;
namespace kv1 = ::parley::contacts::v1;
namespace rv1 = ::parley::reporting::v1;

std::unique_ptr<TrustUnderTest> trust;

// Today in London: the custom period every report here asks for.
std::string TodayPeriod() {
  absl::TimeZone london;
  absl::LoadTimeZone("Europe/London", &london);
  const std::string day = absl::FormatTime("%Y-%m-%d", absl::Now(), london);
  return absl::StrCat(day, "..", day);
}

class ReportingE2eTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    TrustOptions options("reporting", PARLEY_DEMO_TRUST_JSON, PARLEY_CONTACTS_BINARY, PARLEY_CONDUCT_BINARY,
                         PARLEY_ESCALATION_BINARY);
    options.notifications_binary = PARLEY_NOTIFICATIONS_BINARY;
    options.extra_env[Service::kNotifications] = {{"PARLEY_SMTP_URL", "smtp://127.0.0.1:9"},
                                                  {"PARLEY_SMTP_FROM", "office@parley.invalid"}};
    options.appointments_binary = PARLEY_APPOINTMENTS_BINARY;
    // Conduct keeps its port when the partial-report test stops and restarts it: reporting (and the
    // other services) keep its address.
    const int conduct_port = FreePort();
    ASSERT_NE(conduct_port, 0);
    options.extra_env[Service::kConduct] = {{"PARLEY_GRPC_PORT", absl::StrCat(conduct_port)}};
    options.reporting_binary = PARLEY_REPORTING_BINARY;
    // Every report asks the sources again, so what the tests change shows at once.
    options.extra_env[Service::kReporting] = {{"PARLEY_REPORT_FRESH_FOR", "0s"},
                                              {"PARLEY_REPORT_SOURCE_TIMEOUT", "2s"}};
    trust = TrustUnderTest::StartForSuite(options);
    if (trust == nullptr) return;
    if (!MakeActivity()) return;
    ready_ = true;
  }
  static void TearDownTestSuite() { trust.reset(); }
  void SetUp() override {
    PARLEY_REQUIRE_SUITE_READY(ready_);
    stub_ = rv1::ReportingService::NewStub(trust->Channel(Service::kReporting));
  }

  static std::string Token(std::vector<std::string> roles, std::vector<std::string> schools,
                           const std::string& subject) {
    return trust->Mint(std::move(roles), std::move(schools), subject, absl::Minutes(10));
  }

  // Opens `count` emails about one pupil's learning at `school`, received a minute ago (or as
  // `customize` sets them), with the first of its pupils' guardians the gate lets through.
  static std::vector<ev1::Enquiry> OpenEnquiries(const std::string& school, int count,
                                                 const std::function<void(ev1::Enquiry*)>& customize = nullptr) {
    auto contacts = kv1::ContactsService::NewStub(trust->Channel(Service::kContacts));
    auto escalation = ev1::EscalationService::NewStub(trust->Channel(Service::kEscalation));
    const std::string office = Token({"office"}, {school}, "office@" + school);
    kv1::ListPupilsRequest pupils_req;
    pupils_req.set_parent("schools/" + school);
    pupils_req.set_page_size(20);
    kv1::ListPupilsResponse pupils;
    EXPECT_TRUE(CallAs(*contacts, office, &kv1::ContactsService::Stub::ListPupils, pupils_req, &pupils).ok());
    std::vector<ev1::Enquiry> opened;
    for (const kv1::Pupil& pupil : pupils.pupils()) {
      kv1::ListGuardiansRequest guardians_req;
      guardians_req.set_pupil(pupil.name());
      kv1::ListGuardiansResponse guardians;
      if (!CallAs(*contacts, office, &kv1::ContactsService::Stub::ListGuardians, guardians_req, &guardians).ok() ||
          guardians.guardians_size() == 0) {
        continue;
      }
      for (int i = static_cast<int>(opened.size()); i < count; ++i) {
        ev1::OpenEnquiryRequest req;
        req.set_parent("schools/" + school);
        ev1::Enquiry* e = req.mutable_enquiry();
        e->set_pupil(pupil.name());
        e->set_guardian(guardians.guardians(0).name());
        e->set_channel(ev1::CHANNEL_EMAIL);
        e->set_category("learning");
        *e->mutable_receive_time() = ToTimestamp(absl::Now() - absl::Minutes(1));
        e->set_subject(absl::StrCat("Reading book ", i));
        if (customize) customize(e);
        req.set_request_id(NewUuid());
        ev1::Enquiry out;
        if (!CallAs(*escalation, office, &ev1::EscalationService::Stub::OpenEnquiry, req, &out).ok()) break;
        opened.push_back(out);
      }
      if (static_cast<int>(opened.size()) == count) break;
    }
    EXPECT_EQ(static_cast<int>(opened.size()), count) << school;
    return opened;
  }

  // Kenilworth: 6 enquiries, 4 acknowledged, 1 escalated, 2 incidents. St Mary's: 2 enquiries.
  static bool MakeActivity() {
    auto escalation = ev1::EscalationService::NewStub(trust->Channel(Service::kEscalation));
    std::vector<ev1::Enquiry> kenilworth = OpenEnquiries("kenilworth", 6);
    std::vector<ev1::Enquiry> marys = OpenEnquiries("st-marys", 2);
    if (kenilworth.size() != 6 || marys.size() != 2) return false;
    const std::string leader = Token({"senior_leader"}, {"kenilworth"}, "head@kenilworth");
    for (int i = 0; i < 4; ++i) {
      ev1::AcknowledgeEnquiryRequest req;
      req.set_name(kenilworth[i].name());
      req.set_request_id(NewUuid());
      ev1::Enquiry out;
      grpc::Status s = CallAs(*escalation, leader, &ev1::EscalationService::Stub::AcknowledgeEnquiry, req, &out);
      EXPECT_TRUE(s.ok()) << s.error_message();
      if (!s.ok()) return false;
    }
    ev1::EscalateEnquiryRequest escalate;
    escalate.set_name(kenilworth[5].name());
    escalate.set_reason("The parent asked for the head of phase");
    escalate.set_request_id(NewUuid());
    ev1::Enquiry escalated;
    grpc::Status s = CallAs(*escalation, leader, &ev1::EscalationService::Stub::EscalateEnquiry, escalate, &escalated);
    EXPECT_TRUE(s.ok()) << s.error_message();
    if (!s.ok()) return false;
    kenilworth_guardian = kenilworth[0].guardian();

    auto conduct = cv1::ConductService::NewStub(trust->Channel(Service::kConduct));
    for (int i = 0; i < 2; ++i) {
      cv1::CreateIncidentRequest req;
      req.set_parent("schools/kenilworth");
      req.mutable_incident()->set_guardian(kenilworth_guardian);
      req.mutable_incident()->set_kind(cv1::INCIDENT_KIND_SHOUTING);
      req.mutable_incident()->set_channel(cv1::CHANNEL_PHONE);
      *req.mutable_incident()->mutable_occur_time() = ToTimestamp(absl::Now() - absl::Minutes(2));
      req.set_request_id(NewUuid());
      cv1::Incident out;
      s = CallAs(*conduct, leader, &cv1::ConductService::Stub::CreateIncident, req, &out);
      EXPECT_TRUE(s.ok()) << s.error_message();
      if (!s.ok()) return false;
    }
    return true;
  }

  grpc::Status Report(const std::string& token, const std::vector<std::string>& schools, rv1::TrustReport* out,
                      std::string* reason = nullptr) {
    rv1::GetTrustReportRequest req;
    req.set_period(TodayPeriod());
    for (const std::string& s : schools) req.add_schools(s);
    req.add_group_by(rv1::GROUP_BY_CHANNEL);
    req.add_group_by(rv1::GROUP_BY_RUNG);
    return CallAs(*stub_, token, &rv1::ReportingService::Stub::GetTrustReport, req, out, reason);
  }

  static const rv1::SchoolReport* Find(const rv1::TrustReport& report, const std::string& school) {
    for (const rv1::SchoolReport& s : report.schools()) {
      if (s.school() == school) return &s;
    }
    return nullptr;
  }

  std::unique_ptr<rv1::ReportingService::Stub> stub_;
  static inline bool ready_ = false;
  static inline std::string kenilworth_guardian;
};

TEST_F(ReportingE2eTest, WhatTheServicesDidComesBackExactly) {
  rv1::TrustReport report;
  grpc::Status s = Report(Token({"trust_leader"}, {}, "ceo@trust"), {}, &report);
  ASSERT_TRUE(s.ok()) << s.error_message();
  EXPECT_EQ(report.schools_size(), 5);  // every school of the demo trust
  EXPECT_FALSE(report.partial()) << report.DebugString();

  const rv1::SchoolReport* k = Find(report, "schools/kenilworth");
  ASSERT_NE(k, nullptr);
  const rv1::PromiseFigures& promise = k->enquiries().promise();
  EXPECT_EQ(promise.received().value(), 6);
  EXPECT_EQ(promise.acknowledged_in_time().value(), 4);
  EXPECT_EQ(promise.acknowledge_clocks_ended().value(), 4);
  EXPECT_DOUBLE_EQ(promise.acknowledged_within_promise(), 1.0);
  EXPECT_EQ(promise.breaches().value(), 0);
  EXPECT_EQ(k->enquiries().escalations(), 1);
  EXPECT_EQ(k->enquiries().open_now(), 6);
  EXPECT_EQ(k->conduct().incidents(), 2);
  EXPECT_EQ(k->meetings().requests(), 0);
  EXPECT_TRUE(k->has_notifications());
  EXPECT_GT(k->pupils(), 0);
  EXPECT_FALSE(k->promises().empty());
  // Breakdowns follow the small-count rule: 6 emails shown, the one escalation withheld.
  ASSERT_EQ(k->by_channel_size(), 1);
  EXPECT_EQ(k->by_channel(0).channel(), "email");
  EXPECT_EQ(k->by_channel(0).promise().received().value(), 6);
  ASSERT_EQ(k->by_rung_size(), 1);
  EXPECT_EQ(k->by_rung(0).escalations().fewer_than(), 5);
  EXPECT_FALSE(k->by_rung(0).role().empty());

  const rv1::SchoolReport* m = Find(report, "schools/st-marys");
  ASSERT_NE(m, nullptr);
  EXPECT_EQ(m->enquiries().promise().received().value(), 2);
  EXPECT_EQ(m->conduct().incidents(), 0);
  EXPECT_EQ(report.totals().received(), 8);
  EXPECT_EQ(report.totals().incidents(), 2);
  EXPECT_EQ(report.totals().escalations(), 1);
}

TEST_F(ReportingE2eTest, ASourceStoppedGivesAPartialReportNamingIt) {
  ASSERT_TRUE(trust->Process(Service::kConduct).Terminate().ok());
  rv1::TrustReport report;
  grpc::Status s =
      Report(Token({"trust_leader"}, {}, "ceo@trust"), {"schools/kenilworth", "schools/st-marys"}, &report);
  ASSERT_TRUE(trust->StartAgain(Service::kConduct).ok());
  ASSERT_TRUE(s.ok()) << s.error_message();
  EXPECT_TRUE(report.partial());
  ASSERT_EQ(report.missing_size(), 2);
  for (const rv1::MissingFigures& missing : report.missing()) {
    EXPECT_EQ(missing.source(), "conduct");
    EXPECT_EQ(missing.figures(), "conduct");
    EXPECT_FALSE(missing.reason().empty());
  }
  EXPECT_EQ(report.missing(0).school(), "schools/kenilworth");
  EXPECT_EQ(report.missing(1).school(), "schools/st-marys");
  const rv1::SchoolReport* k = Find(report, "schools/kenilworth");
  ASSERT_NE(k, nullptr);
  EXPECT_FALSE(k->has_conduct());  // absent, not zero
  EXPECT_EQ(k->enquiries().promise().received().value(), 6);
  EXPECT_EQ(report.totals().incidents(), 0);

  // Back: the next report is whole again.
  const absl::Time deadline = absl::Now() + absl::Seconds(30);
  do {
    report.Clear();
    ASSERT_TRUE(Report(Token({"trust_leader"}, {}, "ceo@trust"), {"schools/kenilworth"}, &report).ok());
    if (!report.partial()) break;
    absl::SleepFor(absl::Milliseconds(200));
  } while (absl::Now() < deadline);
  EXPECT_FALSE(report.partial());
  EXPECT_EQ(report.schools(0).conduct().incidents(), 2);
}

TEST_F(ReportingE2eTest, ASchoolsLeaderReadsOnlyTheirSchool) {
  const std::string leader = Token({"senior_leader"}, {"kenilworth"}, "head@kenilworth");
  rv1::TrustReport report;
  ASSERT_TRUE(Report(leader, {}, &report).ok());
  ASSERT_EQ(report.schools_size(), 1);
  EXPECT_EQ(report.schools(0).school(), "schools/kenilworth");
  std::string reason;
  grpc::Status s = Report(leader, {"schools/st-marys"}, &report, &reason);
  EXPECT_EQ(s.error_code(), grpc::StatusCode::PERMISSION_DENIED);
  EXPECT_EQ(reason, "WRONG_SCHOOL");
  s = Report(Token({"teacher"}, {"kenilworth"}, "teacher@kenilworth"), {"schools/kenilworth"}, &report, &reason);
  EXPECT_EQ(s.error_code(), grpc::StatusCode::PERMISSION_DENIED);
  EXPECT_EQ(reason, "ROLE_REQUIRED");
  s = Report(Token({"office"}, {"kenilworth"}, "office@kenilworth"), {}, &report, &reason);
  EXPECT_EQ(s.error_code(), grpc::StatusCode::PERMISSION_DENIED);
}

TEST_F(ReportingE2eTest, TheCsvExportCarriesTheSameFigures) {
  rv1::ExportReportRequest req;
  req.set_period(TodayPeriod());
  req.add_schools("schools/kenilworth");
  grpc::ClientContext ctx;
  ctx.AddMetadata("authorization", absl::StrCat("Bearer ", Token({"trust_leader"}, {}, "ceo@trust")));
  auto reader = stub_->ExportReport(&ctx, req);
  std::string csv;
  rv1::ExportReportChunk chunk;
  while (reader->Read(&chunk)) csv += chunk.data();
  ASSERT_TRUE(reader->Finish().ok());
  EXPECT_TRUE(absl::StartsWith(csv, "school,school_name,period,start_date,end_date,section,row,figure,value\r\n"));
  EXPECT_TRUE(absl::StrContains(csv, ",enquiries,,promise.received,6\r\n")) << csv;
  EXPECT_TRUE(absl::StrContains(csv, ",enquiries,,escalations,1\r\n"));
  EXPECT_TRUE(absl::StrContains(csv, ",conduct,,incidents,2\r\n"));
  EXPECT_TRUE(absl::StrContains(csv, "trust,,"));
}

TEST_F(ReportingE2eTest, TheBreachesFigureDrillsDownToExactlyThatManyEnquiries) {
  // Safeguarding concerns run on the school's elapsed safeguarding budget (an hour), whatever its
  // calendar says today: received before midnight, yesterday's, every clock has long fallen due.
  // Yesterday, at Woodgrange: no other test's figures (today's, other schools') move.
  absl::TimeZone london;
  ASSERT_TRUE(absl::LoadTimeZone("Europe/London", &london));
  const absl::CivilDay today = absl::ToCivilDay(absl::Now(), london);
  const absl::Time received = absl::FromCivil(today, london) - absl::Hours(2);
  const std::string yesterday = absl::FormatCivilTime(today - 1);
  const std::string period = absl::StrCat(yesterday, "..", yesterday);
  const std::string school = "woodgrange-infant";
  const std::vector<ev1::Enquiry> concerns = OpenEnquiries(school, 3, [&](ev1::Enquiry* e) {
    e->set_channel(ev1::CHANNEL_PHONE);
    e->set_category("safeguarding");
    e->set_safeguarding(true);
    *e->mutable_receive_time() = ToTimestamp(received);
  });
  ASSERT_EQ(concerns.size(), 3u);
  std::vector<std::string> opened;
  for (const ev1::Enquiry& e : concerns) opened.push_back(e.name());
  std::sort(opened.begin(), opened.end());

  const std::string dsl = Token({"dsl"}, {school}, "dsl@" + school);
  auto figure = [&](int64_t* breaches) {
    rv1::GetSchoolReportRequest req;
    req.set_school("schools/" + school);
    req.set_period(period);
    rv1::SchoolReport report;
    grpc::Status s = CallAs(*stub_, dsl, &rv1::ReportingService::Stub::GetSchoolReport, req, &report);
    *breaches = report.enquiries().promise().breaches().value();
    return s;
  };
  auto list = [&](const std::string& channel, std::vector<rv1::Breach>* out) {
    rv1::ListBreachesRequest req;
    req.set_school("schools/" + school);
    req.set_period(period);
    req.set_channel(channel);
    req.set_page_size(2);  // several pages
    out->clear();
    do {
      rv1::ListBreachesResponse page;
      grpc::Status s = CallAs(*stub_, dsl, &rv1::ReportingService::Stub::ListBreaches, req, &page);
      if (!s.ok()) return s;
      out->insert(out->end(), page.breaches().begin(), page.breaches().end());
      req.set_page_token(page.next_page_token());
    } while (!req.page_token().empty());
    return grpc::Status::OK;
  };

  // The clock timers fire as soon as the concerns are stored; wait until every concern has a breach
  // (a concern can breach twice, acknowledgement and answer falling due together, so a count of
  // three is not yet every concern) and the figure holds still, reading the list between two equal
  // reads.
  auto breached = [](const std::vector<rv1::Breach>& list) {
    std::vector<std::string> names;
    for (const rv1::Breach& b : list) names.push_back(b.enquiry());
    std::sort(names.begin(), names.end());
    names.erase(std::unique(names.begin(), names.end()), names.end());
    return names;
  };
  int64_t before = 0, after = -1;
  std::vector<rv1::Breach> breaches;
  const absl::Time deadline = absl::Now() + absl::Seconds(30);
  do {
    absl::SleepFor(absl::Milliseconds(300));
    ASSERT_TRUE(figure(&before).ok());
    grpc::Status s = list("", &breaches);
    ASSERT_TRUE(s.ok()) << s.error_message();
    ASSERT_TRUE(figure(&after).ok());
  } while ((breached(breaches) != opened || before != after || static_cast<int64_t>(breaches.size()) != before) &&
           absl::Now() < deadline);
  ASSERT_GE(before, 3) << "the acknowledgement clocks never breached";
  EXPECT_EQ(before, after);
  EXPECT_EQ(static_cast<int64_t>(breaches.size()), before);
  for (const rv1::Breach& b : breaches) {
    EXPECT_EQ(b.channel(), "phone");
    EXPECT_EQ(b.category(), "safeguarding");
    EXPECT_FALSE(b.stage().empty());
    EXPECT_TRUE(b.has_due_time());
    EXPECT_GE(b.breach_time().seconds(), b.due_time().seconds());
  }
  EXPECT_EQ(breached(breaches), opened);  // every concern, and nothing else
  // By channel, as a by_channel row would narrow it.
  std::vector<rv1::Breach> by_email;
  ASSERT_TRUE(list("email", &by_email).ok());
  EXPECT_TRUE(by_email.empty());

  // A school's leader lists only their own school's; another's is refused before anything is read.
  rv1::ListBreachesRequest other;
  other.set_school("schools/" + school);
  other.set_period(period);
  rv1::ListBreachesResponse denied;
  std::string reason;
  grpc::Status s = CallAs(*stub_, Token({"senior_leader"}, {"kenilworth"}, "head@kenilworth"),
                          &rv1::ReportingService::Stub::ListBreaches, other, &denied, &reason);
  EXPECT_EQ(s.error_code(), grpc::StatusCode::PERMISSION_DENIED);
  EXPECT_EQ(reason, "WRONG_SCHOOL");
  EXPECT_EQ(denied.breaches_size(), 0);
  s = CallAs(*stub_, Token({"teacher"}, {school}, "teacher@" + school), &rv1::ReportingService::Stub::ListBreaches,
             other, &denied, &reason);
  EXPECT_EQ(s.error_code(), grpc::StatusCode::PERMISSION_DENIED);
  EXPECT_EQ(reason, "ROLE_REQUIRED");

  // The same concerns as safeguarding figures (counted by the intake flag): the DSL takes one up
  // now, at least two hours after it came (elapsed time: the night counts).
  auto escalation = ev1::EscalationService::NewStub(trust->Channel(Service::kEscalation));
  ev1::AcknowledgeEnquiryRequest ack;
  ack.set_name(concerns[0].name());
  ack.set_request_id(NewUuid());
  ev1::Enquiry acknowledged;
  s = CallAs(*escalation, dsl, &ev1::EscalationService::Stub::AcknowledgeEnquiry, ack, &acknowledged);
  ASSERT_TRUE(s.ok()) << s.error_message();
  rv1::GetSchoolReportRequest req;
  req.set_school("schools/" + school);
  req.set_period(period);
  rv1::SchoolReport report;
  s = CallAs(*stub_, dsl, &rv1::ReportingService::Stub::GetSchoolReport, req, &report);
  ASSERT_TRUE(s.ok()) << s.error_message();
  const rv1::EnquiryFigures& e = report.enquiries();
  EXPECT_EQ(e.safeguarding(), 3);
  EXPECT_EQ(e.safeguarding_taken_up(), 1);
  ASSERT_TRUE(e.has_median_hours_to_dsl());
  EXPECT_GE(e.median_hours_to_dsl(), 2.0);
  EXPECT_LT(e.median_hours_to_dsl(), 2.0 + absl::ToDoubleHours(absl::Now() - absl::FromCivil(today, london)) + 0.1);
  EXPECT_DOUBLE_EQ(e.p90_hours_to_dsl(), e.median_hours_to_dsl());  // one taken up
}

}  // namespace
}  // namespace parley::e2e
