// End to end for notifications: the parley-contacts, parley-conduct, parley-escalation and
// parley-notifications binaries, with this suite's own mail catcher (scripts/mail_catcher.py, a real
// SMTP server) and SMS/push gateway sink (scripts/gateway_sink.py, a real HTTP server), so its
// faults (a refusing mail server, a failing gateway) touch no other test. What is checked is what
// arrives at those servers, counted by the delivery's idempotency key (the email's Message-ID, the
// gateways' Idempotency-Key). The kill -9 faults (the delivery worker during a 5,000-recipient
// broadcast, escalation's relay mid-hand-over) are in notifications_fault_e2e_test.cc.
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <map>
#include <memory>
#include <set>
#include <string>
#include <vector>

#include "absl/random/random.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "curl/curl.h"
#include "gmock/gmock.h"
#include "google/protobuf/util/time_util.h"
#include "grpcpp/grpcpp.h"
#include "gtest/gtest.h"
#include "nlohmann/json.hpp"
#include "parley/conduct/v1/conduct_service.grpc.pb.h"
#include "parley/escalation/v1/escalation_service.grpc.pb.h"
#include "parley/notifications/v1/notifications_service.grpc.pb.h"
#include "tests/e2e/e2e_support.h"
#include "tests/e2e/sinks.h"
#include "tests/e2e/trust_under_test.h"

namespace parley::e2e {
namespace {

namespace nv1 = ::parley::notifications::v1;
namespace cv1 = ::parley::conduct::v1;
namespace ev1 = ::parley::escalation::v1;
using json = nlohmann::json;

// ---- the demo trust, read for the facts the tests rely on ---------------------------------------

struct DemoFacts {
  json trust;
  const json* Guardian(const std::string& name) const {
    for (const json& g : trust["guardians"]) {
      if (g["name"] == name) return &g;
    }
    return nullptr;
  }
  static std::string Contact(const json& g, const std::string& kind) {
    for (const json& c : g.value("contactPoints", json::array())) {
      if (c["kind"] == kind) return c["value"];
    }
    return "";
  }
};

std::string Id(const std::string& name) { return name.substr(name.rfind('/') + 1); }

// ---- the suite ---------------------------------------------------------------------------------

struct Suite {
  Sinks sinks;
  std::unique_ptr<TrustUnderTest> trust;
  DemoFacts demo;
};
std::unique_ptr<Suite> suite;

class NotificationsE2eTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    if (!parley::testing::TestDatabase::Configured()) return;
    suite = std::make_unique<Suite>();
    ASSERT_TRUE(suite->sinks.Start()) << "the mail catcher or gateway sink did not start";
    std::ifstream in(PARLEY_DEMO_TRUST_JSON);
    suite->demo.trust = json::parse(in, nullptr, false);
    ASSERT_TRUE(suite->demo.trust.is_object());
    TrustOptions options{"notif", PARLEY_DEMO_TRUST_JSON, PARLEY_CONTACTS_BINARY, PARLEY_CONDUCT_BINARY,
                         PARLEY_ESCALATION_BINARY};
    options.notifications_binary = PARLEY_NOTIFICATIONS_BINARY;
    options.extra_env[Service::kNotifications] = suite->sinks.NotificationsEnv();
    options.extra_env[Service::kNotifications]["PARLEY_SMS_FAILOVER_THRESHOLD"] = "3";
    suite->trust = TrustUnderTest::StartForSuite(options);
    if (!suite->trust) return;
    LoadTemplates();
    ready_ = !::testing::Test::HasFailure();
  }
  static void TearDownTestSuite() { suite.reset(); }
  void SetUp() override { PARLEY_REQUIRE_SUITE_READY(ready_); }

  static std::string Token(std::vector<std::string> roles, std::vector<std::string> schools) {
    return suite->trust->Mint(std::move(roles), std::move(schools), "e2e", absl::Minutes(30));
  }
  static std::string Admin() { return Token({"trust_admin"}, {}); }

  static std::unique_ptr<nv1::NotificationsService::Stub> Notifications() {
    return nv1::NotificationsService::NewStub(suite->trust->Channel(Service::kNotifications));
  }

  static void AddTemplate(const std::string& id, nv1::Category category,
                          const std::vector<std::array<std::string, 3>>& variants) {
    nv1::CreateTemplateRequest req;
    req.set_parent("trust");
    req.set_template_id(id);
    req.mutable_template_()->set_category(category);
    for (const auto& [locale, subject, body] : variants) {
      nv1::TemplateVariant* v = req.mutable_template_()->add_variants();
      v->set_locale(locale);
      v->set_subject(subject);
      v->set_body(body);
    }
    req.set_request_id(NewUuid());
    nv1::Template out;
    auto stub = Notifications();
    grpc::Status s = CallAs(*stub, Admin(), &nv1::NotificationsService::Stub::CreateTemplate, req, &out);
    ASSERT_TRUE(s.ok()) << id << ": " << s.error_message();
  }

  static void LoadTemplates() {
    AddTemplate(
        "newsletter", nv1::CATEGORY_NEWSLETTER,
        {{"en", "News from {{school_name}}", "Dear {{recipient_name}}, this week's news about {{pupil_names}}."},
         {"ur", "{{school_name}} کی خبریں", "محترم {{recipient_name}}، {{pupil_names}} کے بارے میں خبریں۔"}});
    for (const char* key :
         {"escalation.assigned", "escalation.safeguarding_alert", "escalation.acknowledge_breach",
          "escalation.escalated", "escalation.referred_to_complaints", "escalation.acknowledgement",
          "escalation.redirected", "escalation.reopened", "escalation.response_breach", "escalation.informed"}) {
      AddTemplate(
          key, nv1::CATEGORY_ESCALATION,
          {{"en", absl::StrCat("[", key, "] {{school_name}}"), "Dear {{recipient_name}}, a matter needs you."}});
    }
    for (const char* key : {"conduct.arrangement_issued", "conduct.arrangement_tightened",
                            "conduct.arrangement_continued", "conduct.arrangement_ended",
                            "conduct.arrangement_review_due", "conduct.premises_ban", "conduct.premises_ban_revoked"}) {
      AddTemplate(
          key, nv1::CATEGORY_CONDUCT_LETTER,
          {{"en", "A letter from {{school_name}}", "Dear {{recipient_name}}, please read the enclosed letter."}});
    }
  }

  // Waits until no delivery of the notice that is due is pending (a routine email waiting hours
  // behind its app copy is not); its copies then.
  static std::vector<nv1::Message> Settled(const std::string& notice, absl::Duration timeout = absl::Seconds(90)) {
    auto stub = Notifications();
    const absl::Time until = absl::Now() + timeout;
    std::vector<nv1::Message> copies;
    while (absl::Now() < until) {
      copies.clear();
      bool pending = false;
      nv1::ListMessagesRequest req;
      req.set_parent(notice);
      req.set_page_size(200);
      do {
        nv1::ListMessagesResponse resp;
        if (!CallAs(*stub, Admin(), &nv1::NotificationsService::Stub::ListMessages, req, &resp).ok()) {
          pending = true;
          break;
        }
        for (const nv1::Message& m : resp.messages()) {
          copies.push_back(m);
          for (const nv1::Delivery& d : m.deliveries()) {
            const bool due = google::protobuf::util::TimeUtil::TimestampToSeconds(d.due_time()) <
                             absl::ToUnixSeconds(absl::Now() + absl::Minutes(1));
            if (d.status() == nv1::DELIVERY_STATUS_PENDING && due) pending = true;
          }
        }
        req.set_page_token(resp.next_page_token());
      } while (!req.page_token().empty());
      if (!pending) return copies;
      absl::SleepFor(absl::Milliseconds(200));
    }
    std::map<std::string, int> states;  // what is still pending, and why
    for (const nv1::Message& m : copies) {
      for (const nv1::Delivery& d : m.deliveries()) {
        ++states[absl::StrCat(nv1::DeliveryChannel_Name(d.channel()), " ", nv1::DeliveryStatus_Name(d.status()), " ",
                              d.reason(), " attempts=", d.attempts())];
      }
    }
    std::string summary;
    for (const auto& [state, n] : states) absl::StrAppend(&summary, "\n  ", n, " x ", state);
    ADD_FAILURE() << "deliveries of " << notice << " still pending after " << timeout << summary;
    return copies;
  }

  static nv1::Notice Send(const std::string& parent, const std::string& token, nv1::Notice notice) {
    nv1::CreateNoticeRequest req;
    req.set_parent(parent);
    *req.mutable_notice() = std::move(notice);
    req.set_request_id(NewUuid());
    nv1::Notice out;
    auto stub = Notifications();
    grpc::Status s = CallAs(*stub, token, &nv1::NotificationsService::Stub::CreateNotice, req, &out);
    EXPECT_TRUE(s.ok()) << s.error_message();
    return out;
  }

  static nv1::Notice Written(nv1::Category category, nv1::Priority priority, const std::string& subject) {
    nv1::Notice n;
    n.set_category(category);
    n.set_priority(priority);
    nv1::LocalizedContent* c = n.add_content();
    c->set_locale("en");
    c->set_subject(subject);
    c->set_body("Please read this.");
    return n;
  }

  static int CountChannel(const std::vector<nv1::Message>& copies, nv1::DeliveryChannel channel,
                          nv1::DeliveryStatus status = nv1::DELIVERY_STATUS_UNSPECIFIED) {
    int n = 0;
    for (const nv1::Message& m : copies) {
      for (const nv1::Delivery& d : m.deliveries()) {
        if (d.channel() == channel && (status == nv1::DELIVERY_STATUS_UNSPECIFIED || d.status() == status)) ++n;
      }
    }
    return n;
  }

  static inline bool ready_ = false;
};

TEST_F(NotificationsE2eTest, AWoodgrangeClosureTextsEveryGuardianWithAMobileAndANewsletterGoesByNoText) {
  const std::string office = Token({"office"}, {"woodgrange-infant"});
  nv1::Notice closure = Written(nv1::CATEGORY_CLOSURE, nv1::PRIORITY_EMERGENCY, "School closed today: snow");
  closure.mutable_audience()->set_kind(nv1::AUDIENCE_KIND_SCHOOL);
  const nv1::Notice sent = Send("schools/woodgrange-infant", office, closure);
  ASSERT_GT(sent.recipient_count(), 50);
  const std::vector<nv1::Message> copies = Settled(sent.name());
  ASSERT_EQ(static_cast<int>(copies.size()), sent.recipient_count());

  // Every guardian with a mobile gets a text, at once, whatever their preferences.
  int with_mobile = 0;
  for (const nv1::Message& m : copies) {
    const json* g = suite->demo.Guardian(m.recipient());
    ASSERT_NE(g, nullptr);
    if (!DemoFacts::Contact(*g, "CONTACT_KIND_MOBILE").empty()) ++with_mobile;
  }
  ASSERT_GT(with_mobile, 0);
  EXPECT_EQ(CountChannel(copies, nv1::DELIVERY_CHANNEL_SMS, nv1::DELIVERY_STATUS_SENT), with_mobile);
  EXPECT_EQ(static_cast<int>(suite->sinks.Gateway("sms", Id(sent.name())).size()), with_mobile);

  nv1::Notice newsletter = Written(nv1::CATEGORY_NEWSLETTER, nv1::PRIORITY_ROUTINE, "Our week");
  newsletter.mutable_audience()->set_kind(nv1::AUDIENCE_KIND_SCHOOL);
  const nv1::Notice routine = Send("schools/woodgrange-infant", office, newsletter);
  const std::vector<nv1::Message> routine_copies = Settled(routine.name());
  EXPECT_EQ(CountChannel(routine_copies, nv1::DELIVERY_CHANNEL_SMS), 0);
  EXPECT_GT(CountChannel(routine_copies, nv1::DELIVERY_CHANNEL_EMAIL) +
                CountChannel(routine_copies, nv1::DELIVERY_CHANNEL_APP),
            0);
  EXPECT_TRUE(suite->sinks.Gateway("sms", Id(routine.name())).empty());
}

TEST_F(NotificationsE2eTest, ASeparatedFamilyGetsTwoCopiesAndACourtOrderGuardianNoneAboutThatChild) {
  // From the demo trust: a pupil whose guardians include one living apart who asked for copies.
  std::string pupil, apart;
  std::set<std::string> entitled;
  std::map<std::string, std::vector<std::string>> guardians_of;
  for (const json& g : suite->demo.trust["guardians"]) {
    for (const json& l : g["pupils"]) {
      if (l.value("parentalResponsibility", false) && !l.contains("courtOrder"))
        guardians_of[l["pupil"]].push_back(g["name"]);
    }
  }
  for (const json& g : suite->demo.trust["guardians"]) {
    if (!g.value("livesApart", false) || !g.value("separateCopies", false)) continue;
    for (const json& l : g["pupils"]) {
      if (guardians_of[l["pupil"]].size() >= 2) {
        pupil = l["pupil"];
        apart = g["name"];
        break;
      }
    }
    if (!pupil.empty()) break;
  }
  ASSERT_FALSE(pupil.empty()) << "the demo trust has no separated family";
  const std::string school = pupil.substr(0, pupil.find("/pupils/"));
  nv1::Notice trip = Written(nv1::CATEGORY_TRIP, nv1::PRIORITY_IMPORTANT, "Museum trip");
  trip.mutable_audience()->set_kind(nv1::AUDIENCE_KIND_PUPILS);
  trip.mutable_audience()->add_pupils(pupil);
  const nv1::Notice sent = Send(school, Admin(), trip);
  std::set<std::string> recipients;
  for (const nv1::Message& m : Settled(sent.name())) {
    recipients.insert(m.recipient());
    EXPECT_THAT(m.pupils(), ::testing::ElementsAre(pupil));
  }
  EXPECT_EQ(recipients.size(), 2u);
  EXPECT_TRUE(recipients.count(apart));

  // A court order: the guardian gets no copy about that pupil.
  std::string ordered_pupil, ordered_guardian;
  for (const json& g : suite->demo.trust["guardians"]) {
    for (const json& l : g["pupils"]) {
      if (l.contains("courtOrder")) {
        ordered_pupil = l["pupil"];
        ordered_guardian = g["name"];
      }
    }
  }
  ASSERT_FALSE(ordered_pupil.empty());
  nv1::Notice about = Written(nv1::CATEGORY_REPORT, nv1::PRIORITY_IMPORTANT, "End of term report");
  about.mutable_audience()->set_kind(nv1::AUDIENCE_KIND_PUPILS);
  about.mutable_audience()->add_pupils(ordered_pupil);
  const nv1::Notice report = Send(ordered_pupil.substr(0, ordered_pupil.find("/pupils/")), Admin(), about);
  for (const nv1::Message& m : Settled(report.name())) EXPECT_NE(m.recipient(), ordered_guardian);
}

TEST_F(NotificationsE2eTest, APolishSpeakerWithNoPolishVariantGetsTheEnglishOne) {
  std::string guardian, email, school;
  for (const json& g : suite->demo.trust["guardians"]) {
    if (g.value("language", "") != "pl" || g.value("preferredChannel", "") != "CHANNEL_EMAIL") continue;
    const std::string e = DemoFacts::Contact(g, "CONTACT_KIND_EMAIL");
    if (e.empty() || g["pupils"].empty() || !g["pupils"][0].value("parentalResponsibility", false)) continue;
    guardian = g["name"];
    email = e;
    const std::string p = g["pupils"][0]["pupil"];
    school = p.substr(0, p.find("/pupils/"));
    break;
  }
  ASSERT_FALSE(guardian.empty());
  nv1::Notice n;
  n.set_category(nv1::CATEGORY_NEWSLETTER);
  n.set_priority(nv1::PRIORITY_IMPORTANT);
  n.set_template_("newsletter");
  n.mutable_audience()->set_kind(nv1::AUDIENCE_KIND_GUARDIANS);
  n.mutable_audience()->add_guardians(guardian);
  const nv1::Notice sent = Send(school, Admin(), n);
  const std::vector<nv1::Message> copies = Settled(sent.name());
  ASSERT_EQ(copies.size(), 1u);
  EXPECT_EQ(copies[0].locale(), "en");
  EXPECT_EQ(CountChannel(copies, nv1::DELIVERY_CHANNEL_EMAIL, nv1::DELIVERY_STATUS_SENT), 1);
  const auto mail = suite->sinks.Mail(Id(sent.name()));
  ASSERT_EQ(mail.size(), 1u) << copies[0].DebugString() << Http("GET", suite->sinks.mail_api + "/messages").dump();
  EXPECT_THAT(mail.begin()->second["rcpt"], ::testing::Contains(email));
  EXPECT_TRUE(absl::StartsWith(mail.begin()->second.value("subject", ""), "News from"));
}

TEST_F(NotificationsE2eTest, AKenilworthConductLetterReachesTheGuardian) {
  std::string guardian;
  for (const json& g : suite->demo.trust["guardians"]) {
    if (g.value("preferredChannel", "") != "CHANNEL_EMAIL" || DemoFacts::Contact(g, "CONTACT_KIND_EMAIL").empty())
      continue;
    bool kenilworth = false;
    for (const json& l : g["pupils"]) {
      kenilworth |= absl::StartsWith(l["pupil"].get<std::string>(), "schools/kenilworth/") &&
                    l.value("parentalResponsibility", false) && !l.contains("courtOrder");
    }
    if (kenilworth) {
      guardian = g["name"];
      break;
    }
  }
  ASSERT_FALSE(guardian.empty());
  auto conduct = cv1::ConductService::NewStub(suite->trust->Channel(Service::kConduct));
  const std::string leader = Token({"senior_leader"}, {"kenilworth"});
  std::string head;
  for (const json& s : suite->demo.trust["schools"]) {
    if (s["school"]["name"] != "schools/kenilworth") continue;
    for (const json& m : s["staff"]) {
      for (const json& r : m["roles"]) {
        if (r == "headteacher" && head.empty()) head = m["name"];
      }
    }
  }
  cv1::CreateArrangementRequest create;
  create.set_parent("schools/kenilworth");
  cv1::Arrangement* a = create.mutable_arrangement();
  a->set_guardian(guardian);
  a->set_scope(cv1::ARRANGEMENT_SCOPE_SCHOOL);
  a->mutable_terms()->add_allowed_channels(cv1::CHANNEL_EMAIL);
  a->mutable_terms()->set_point_of_contact(head);
  a->mutable_terms()->set_reasons("Repeated abusive emails to staff.");
  a->set_review_date("2027-03-01");
  *a->mutable_start_time() = google::protobuf::util::TimeUtil::GetCurrentTime();
  create.set_request_id(NewUuid());
  cv1::Arrangement draft, active;
  grpc::Status created = CallAs(*conduct, leader, &cv1::ConductService::Stub::CreateArrangement, create, &draft);
  ASSERT_TRUE(created.ok()) << created.error_message();
  cv1::IssueArrangementRequest issue;
  issue.set_name(draft.name());
  issue.set_etag(draft.etag());
  issue.set_request_id(NewUuid());
  grpc::Status issued = CallAs(*conduct, leader, &cv1::ConductService::Stub::IssueArrangement, issue, &active);
  ASSERT_TRUE(issued.ok()) << issued.error_code() << " " << issued.error_message() << " " << issued.error_details();

  // The relay hands the letter's notice over; the guardian's copy goes by email.
  auto stub = Notifications();
  const absl::Time until = absl::Now() + absl::Seconds(60);
  bool delivered = false;
  while (!delivered && absl::Now() < until) {
    nv1::ListMessagesRequest req;
    req.set_parent(guardian);
    nv1::ListMessagesResponse resp;
    if (CallAs(*stub, Admin(), &nv1::NotificationsService::Stub::ListMessages, req, &resp).ok()) {
      for (const nv1::Message& m : resp.messages()) {
        if (m.category() != nv1::CATEGORY_CONDUCT_LETTER) continue;
        for (const nv1::Delivery& d : m.deliveries()) delivered |= d.status() == nv1::DELIVERY_STATUS_SENT;
      }
    }
    if (!delivered) absl::SleepFor(absl::Milliseconds(250));
  }
  EXPECT_TRUE(delivered) << "no conduct letter reached " << guardian;
}

TEST_F(NotificationsE2eTest, AKenilworthSafeguardingAlertReachesTheCountyChildProtectionTeam) {
  std::string guardian, pupil;
  for (const json& g : suite->demo.trust["guardians"]) {
    for (const json& l : g["pupils"]) {
      if (absl::StartsWith(l["pupil"].get<std::string>(), "schools/kenilworth/") &&
          l.value("parentalResponsibility", false) && !l.contains("courtOrder") && guardian.empty()) {
        guardian = g["name"];
        pupil = l["pupil"];
      }
    }
  }
  ASSERT_FALSE(guardian.empty());
  auto escalation = ev1::EscalationService::NewStub(suite->trust->Channel(Service::kEscalation));
  ev1::OpenEnquiryRequest req;
  req.set_parent("schools/kenilworth");
  ev1::Enquiry* e = req.mutable_enquiry();
  e->set_pupil(pupil);
  e->set_guardian(guardian);
  e->set_channel(ev1::CHANNEL_EMAIL);
  e->set_category("safeguarding");
  e->set_safeguarding(true);
  *e->mutable_receive_time() = google::protobuf::util::TimeUtil::GetCurrentTime();
  e->set_subject("A worry about a child");
  e->set_body_ref("e2e/safeguarding");
  req.set_request_id(NewUuid());
  ev1::Enquiry opened;
  grpc::Status st =
      CallAs(*escalation, Token({"office"}, {"kenilworth"}), &ev1::EscalationService::Stub::OpenEnquiry, req, &opened);
  ASSERT_TRUE(st.ok()) << st.error_message();

  // The alert goes to the DSL, the deputies and the county team (an external contact), at once.
  const absl::Time until = absl::Now() + absl::Seconds(60);
  bool county = false;
  while (!county && absl::Now() < until) {
    json all = Http("GET", suite->sinks.mail_api + "/messages?to=childprotection.herts@example.org");
    if (all.is_object()) {
      for (const json& m : all["messages"]) {
        county |= absl::StrContains(m.value("subject", ""), "escalation.safeguarding_alert");
      }
    }
    if (!county) absl::SleepFor(absl::Milliseconds(250));
  }
  EXPECT_TRUE(county) << "no safeguarding alert reached the county child-protection team";
}

TEST_F(NotificationsE2eTest, AMailServerDownIsRetriedThenDeliversOnce) {
  ASSERT_TRUE(Http("POST", suite->sinks.mail_api + "/control", R"({"refuse": true})").is_object());
  std::string guardian;
  for (const json& g : suite->demo.trust["guardians"]) {
    if (g.value("preferredChannel", "") == "CHANNEL_EMAIL" && !DemoFacts::Contact(g, "CONTACT_KIND_EMAIL").empty() &&
        !g["pupils"].empty() && g["pupils"][0].value("parentalResponsibility", false) &&
        !g["pupils"][0].contains("courtOrder")) {
      guardian = g["name"];
      break;
    }
  }
  const std::string p = suite->demo.Guardian(guardian)->at("pupils")[0]["pupil"];
  nv1::Notice n = Written(nv1::CATEGORY_ATTENDANCE, nv1::PRIORITY_IMPORTANT, "Attendance");
  n.mutable_audience()->set_kind(nv1::AUDIENCE_KIND_GUARDIANS);
  n.mutable_audience()->add_guardians(guardian);
  const nv1::Notice sent = Send(p.substr(0, p.find("/pupils/")), Admin(), n);
  // While the server refuses, the email waits with attempts counted and nothing arrives.
  absl::SleepFor(absl::Seconds(8));
  auto stub = Notifications();
  nv1::ListMessagesRequest req;
  req.set_parent(sent.name());
  nv1::ListMessagesResponse during;
  ASSERT_TRUE(CallAs(*stub, Admin(), &nv1::NotificationsService::Stub::ListMessages, req, &during).ok());
  ASSERT_EQ(during.messages_size(), 1);
  int attempts = 0;
  for (const nv1::Delivery& d : during.messages(0).deliveries()) {
    if (d.channel() == nv1::DELIVERY_CHANNEL_EMAIL) {
      EXPECT_EQ(d.status(), nv1::DELIVERY_STATUS_PENDING);
      attempts = d.attempts();
    }
  }
  EXPECT_GE(attempts, 1);
  EXPECT_TRUE(suite->sinks.Mail(Id(sent.name())).empty());
  ASSERT_TRUE(Http("POST", suite->sinks.mail_api + "/control", R"({"refuse": false})").is_object());
  const std::vector<nv1::Message> copies = Settled(sent.name(), absl::Seconds(120));
  EXPECT_EQ(CountChannel(copies, nv1::DELIVERY_CHANNEL_EMAIL, nv1::DELIVERY_STATUS_SENT), 1);
  json all = Http("GET", suite->sinks.mail_api + "/messages");
  int arrived = 0;
  for (const json& m : all["messages"]) arrived += absl::StrContains(m.value("message_id", ""), Id(sent.name()));
  EXPECT_EQ(arrived, 1);
}

TEST_F(NotificationsE2eTest, OneSmsGatewayFailingMovesTrafficAndNothingIsSentTwice) {
  ASSERT_TRUE(
      Http("POST", suite->sinks.gateway_url + "/control", R"({"gateway": "sms-a", "status": 503})").is_object());
  const int duplicates_before = suite->sinks.GatewayDuplicates();
  nv1::Notice closure = Written(nv1::CATEGORY_CLOSURE, nv1::PRIORITY_EMERGENCY, "Heating failure: closed");
  closure.mutable_audience()->set_kind(nv1::AUDIENCE_KIND_SCHOOL);
  const nv1::Notice sent = Send("schools/kenilworth", Token({"office"}, {"kenilworth"}), closure);
  const std::vector<nv1::Message> copies = Settled(sent.name());
  const int texts = CountChannel(copies, nv1::DELIVERY_CHANNEL_SMS, nv1::DELIVERY_STATUS_SENT);
  EXPECT_GT(texts, 0);
  EXPECT_EQ(CountChannel(copies, nv1::DELIVERY_CHANNEL_SMS), texts);  // none failed
  const auto at_sink = suite->sinks.Gateway("sms", Id(sent.name()));
  EXPECT_EQ(static_cast<int>(at_sink.size()), texts);
  for (const auto& [key, m] : at_sink) EXPECT_EQ(m.value("gateway", ""), "sms-b") << key;
  EXPECT_EQ(suite->sinks.GatewayDuplicates(), duplicates_before);
  ASSERT_TRUE(Http("POST", suite->sinks.gateway_url + "/control", R"({"gateway": "sms-a", "status": 0})").is_object());
}

// ---- the drill school: clocks that run out in seconds -------------------------------------------

struct DrillSuite {
  Sinks sinks;
  std::unique_ptr<TrustUnderTest> trust;
};
std::unique_ptr<DrillSuite> drill;

class NotificationsDrillE2eTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    if (!parley::testing::TestDatabase::Configured()) return;
    drill = std::make_unique<DrillSuite>();
    ASSERT_TRUE(drill->sinks.Start());
    TrustOptions options{"notif-drill", PARLEY_DRILL_TRUST_JSON, PARLEY_CONTACTS_BINARY, PARLEY_CONDUCT_BINARY,
                         PARLEY_ESCALATION_BINARY};
    options.notifications_binary = PARLEY_NOTIFICATIONS_BINARY;
    options.admin_subject = "office@drill";
    options.extra_env[Service::kNotifications] = drill->sinks.NotificationsEnv();
    options.extra_env[Service::kNotifications]["PARLEY_SMTP_FROM"] = "office@drill.test";
    drill->trust = TrustUnderTest::StartForSuite(options);
    if (!drill->trust) return;
    // Every notice escalation sends, before any enquiry exists (a relay meeting a missing template
    // parks the row for minutes).
    auto stub = nv1::NotificationsService::NewStub(drill->trust->Channel(Service::kNotifications));
    const std::string admin = drill->trust->Mint({"trust_admin"}, {}, "office@drill", absl::Minutes(10));
    for (const char* key :
         {"escalation.assigned", "escalation.safeguarding_alert", "escalation.acknowledge_breach",
          "escalation.escalated", "escalation.referred_to_complaints", "escalation.acknowledgement",
          "escalation.redirected", "escalation.reopened", "escalation.response_breach", "escalation.informed"}) {
      nv1::CreateTemplateRequest req;
      req.set_parent("trust");
      req.set_template_id(key);
      req.mutable_template_()->set_category(nv1::CATEGORY_ESCALATION);
      nv1::TemplateVariant* v = req.mutable_template_()->add_variants();
      v->set_locale("en");
      v->set_subject(absl::StrCat("[", key, "] {{school_name}}"));
      v->set_body("Dear {{recipient_name}}, a matter needs you.");
      req.set_request_id(NewUuid());
      nv1::Template out;
      grpc::ClientContext ctx;
      ctx.AddMetadata("authorization", absl::StrCat("Bearer ", admin));
      grpc::Status st = stub->CreateTemplate(&ctx, req, &out);
      ASSERT_TRUE(st.ok()) << key << ": " << st.error_message();
    }
    ready_ = true;
  }
  static void TearDownTestSuite() { drill.reset(); }
  void SetUp() override { PARLEY_REQUIRE_SUITE_READY(ready_); }

  static inline bool ready_ = false;
};

TEST_F(NotificationsDrillE2eTest, AnAcknowledgementBreachReachesTheOwnersAndTheLineManagersMailboxes) {
  auto escalation = ev1::EscalationService::NewStub(drill->trust->Channel(Service::kEscalation));
  ev1::OpenEnquiryRequest req;
  req.set_parent("schools/drill");
  ev1::Enquiry* e = req.mutable_enquiry();
  e->set_pupil("schools/drill/pupils/p-1");
  e->set_guardian("guardians/drill-g-1");
  e->set_channel(ev1::CHANNEL_EMAIL);
  e->set_category("learning");
  *e->mutable_receive_time() = google::protobuf::util::TimeUtil::GetCurrentTime();
  e->set_subject("Homework diary");
  e->set_body_ref("drill/notifications");
  req.set_request_id(NewUuid());
  ev1::Enquiry opened;
  grpc::ClientContext ctx;
  ctx.AddMetadata("authorization",
                  absl::StrCat("Bearer ", drill->trust->Mint({"office"}, {"drill"}, "office@drill", absl::Minutes(5))));
  grpc::Status st = escalation->OpenEnquiry(&ctx, req, &opened);
  ASSERT_TRUE(st.ok()) << st.error_message();

  // Nobody acknowledges within the drill's 2 seconds: the line manager hears at once. The owner
  // heard of the matter when it was assigned, so (one notice per matter per person per working
  // period) their breach notice is queued for the start of their next working period.
  const absl::Time until = absl::Now() + absl::Seconds(60);
  bool assigned = false, manager = false;
  while (!(assigned && manager) && absl::Now() < until) {
    for (const std::string& subject : drill->sinks.SubjectsTo("teacher.drill@example.org")) {
      assigned |= absl::StrContains(subject, "escalation.assigned");
    }
    for (const std::string& subject : drill->sinks.SubjectsTo("deputy.drill@example.org")) {
      manager |= absl::StrContains(subject, "escalation.acknowledge_breach");
    }
    absl::SleepFor(absl::Milliseconds(250));
  }
  EXPECT_TRUE(assigned) << "the owner's mailbox has no assignment notice";
  EXPECT_TRUE(manager) << "the line manager's mailbox has no breach notice";

  auto stub = nv1::NotificationsService::NewStub(drill->trust->Channel(Service::kNotifications));
  nv1::ListMessagesRequest list;
  list.set_parent("schools/drill/staff/teacher");
  nv1::ListMessagesResponse owner_copies;
  grpc::ClientContext list_ctx;
  list_ctx.AddMetadata("authorization", absl::StrCat("Bearer ", drill->trust->Mint({"trust_admin"}, {}, "office@drill",
                                                                                   absl::Minutes(5))));
  ASSERT_TRUE(stub->ListMessages(&list_ctx, list, &owner_copies).ok());
  int queued = 0;
  for (const nv1::Message& m : owner_copies.messages()) {
    for (const nv1::Delivery& d : m.deliveries()) {
      queued += d.channel() == nv1::DELIVERY_CHANNEL_EMAIL && d.status() == nv1::DELIVERY_STATUS_PENDING &&
                google::protobuf::util::TimeUtil::TimestampToSeconds(d.due_time()) > absl::ToUnixSeconds(absl::Now());
    }
  }
  EXPECT_EQ(queued, 1) << owner_copies.DebugString();
}

}  // namespace
}  // namespace parley::e2e
