// kill -9 faults across notifications and a relay, on a generated trust of over 5,000 guardians
// (common/directory/testing/generated_trust.h, imported through contacts), with the suite's own
// mail catcher and gateway sink (tests/e2e/sinks.h):
//   - the delivery worker (the parley-notifications process) killed twice during a trust-wide
//     emergency broadcast and started again: every recipient gets exactly one copy per channel,
//     none missing, counted at the sinks by the email's Message-ID and the gateways' Idempotency-Key;
//   - escalation killed while its outbox relay hands a backlog (built up while notifications was
//     down) to notifications: every outbox row becomes exactly one notice, and every copy due now
//     reaches the catcher once.
// Notifications keeps one gRPC port across restarts (the relays were given its address) and a
// short delivery lease (PARLEY_DELIVERY_LEASE), so a killed worker's deliveries go again in
// seconds rather than the production two minutes.
#include <map>
#include <memory>
#include <set>
#include <string>
#include <utility>
#include <vector>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/time/clock.h"
#include "common/directory/model.h"
#include "common/directory/testing/generated_trust.h"
#include "google/protobuf/util/json_util.h"
#include "google/protobuf/util/time_util.h"
#include "grpcpp/grpcpp.h"
#include "gtest/gtest.h"
#include "nlohmann/json.hpp"
#include "parley/escalation/v1/escalation_service.grpc.pb.h"
#include "parley/notifications/v1/notifications_service.grpc.pb.h"
#include "pqxx/pqxx"
#include "services/contacts/api/convert.h"
#include "tests/e2e/e2e_support.h"
#include "tests/e2e/sinks.h"
#include "tests/e2e/trust_under_test.h"

namespace parley::e2e {
namespace {

namespace nv1 = ::parley::notifications::v1;
namespace ev1 = ::parley::escalation::v1;
using json = nlohmann::json;
using google::protobuf::util::TimeUtil;

// 4 schools of 1,450 guardians: a trust-wide broadcast has over 5,000 entitled recipients.
constexpr int kSchools = 4;
constexpr int kStaff = 12;
constexpr int kPupils = 1000;
constexpr int kGuardiansPerSchool = 1450;
constexpr int kEnquiries = 160;  // the relay's backlog: each opens with notices to staff

struct FaultSuite {
  Sinks sinks;
  directory::Directory directory;
  std::unique_ptr<TrustUnderTest> trust;
};
std::unique_ptr<FaultSuite> suite;

std::string Contact(const directory::Guardian& g, directory::ContactKind kind) {
  for (const directory::ContactPoint& c : g.contact_points) {
    if (c.kind == kind) return c.value;
  }
  return "";
}

std::string Id(const std::string& name) { return name.substr(name.rfind('/') + 1); }

class NotificationsFaultE2eTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    if (!parley::testing::TestDatabase::Configured()) return;
    suite = std::make_unique<FaultSuite>();
    ASSERT_TRUE(suite->sinks.Start()) << "the mail catcher or gateway sink did not start";
    suite->directory = directory::testing::GeneratedTrust(kSchools, kStaff, kPupils, kGuardiansPerSchool);
    std::string trust_json;
    ASSERT_TRUE(
        google::protobuf::util::MessageToJsonString(contacts::DirectoryToProto(suite->directory), &trust_json).ok());
    TrustOptions options{"notif-fault", WriteTemp("notif-fault-trust.json", trust_json), PARLEY_CONTACTS_BINARY,
                         PARLEY_CONDUCT_BINARY, PARLEY_ESCALATION_BINARY};
    options.notifications_binary = PARLEY_NOTIFICATIONS_BINARY;
    const int port = FreePort();
    ASSERT_NE(port, 0);
    std::map<std::string, std::string>& env = options.extra_env[Service::kNotifications];
    env = suite->sinks.NotificationsEnv();
    // The same port after every restart: escalation's and conduct's relays keep its address.
    env["PARLEY_GRPC_PORT"] = absl::StrCat(port);
    env["PARLEY_DELIVERY_LEASE"] = "8s";
    options.extra_env[Service::kEscalation] = {{"PARLEY_OUTBOX_POLL_INTERVAL", "50ms"}};
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

  // Every notice escalation sends, before any enquiry exists (a relay meeting a missing template
  // parks the row for minutes).
  static void LoadTemplates() {
    auto stub = Notifications();
    for (const char* key : {"escalation.assigned", "escalation.safeguarding_alert", "escalation.acknowledge_breach",
                            "escalation.escalated", "escalation.referred_to_complaints", "escalation.acknowledgement",
                            "escalation.redirected", "escalation.reopened", "escalation.response_breach"}) {
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
      grpc::Status st = CallAs(*stub, Admin(), &nv1::NotificationsService::Stub::CreateTemplate, req, &out);
      ASSERT_TRUE(st.ok()) << key << ": " << st.error_message();
    }
  }

  // The notice's copies once no delivery due within the minute is pending (a staff notice queued
  // for the member's next working period is not waited for).
  static std::vector<nv1::Message> Settled(const std::string& notice, absl::Duration timeout) {
    auto stub = Notifications();
    const absl::Time until = absl::Now() + timeout;
    std::vector<nv1::Message> copies;
    while (absl::Now() < until) {
      copies.clear();
      bool pending = false;
      nv1::ListMessagesRequest req;
      req.set_parent(notice);
      req.set_page_size(500);
      do {
        nv1::ListMessagesResponse resp;
        if (!CallAs(*stub, Admin(), &nv1::NotificationsService::Stub::ListMessages, req, &resp).ok()) {
          pending = true;  // restarting
          break;
        }
        for (const nv1::Message& m : resp.messages()) {
          copies.push_back(m);
          for (const nv1::Delivery& d : m.deliveries()) {
            pending |= d.status() == nv1::DELIVERY_STATUS_PENDING &&
                       TimeUtil::TimestampToSeconds(d.due_time()) < absl::ToUnixSeconds(absl::Now() + absl::Minutes(1));
          }
        }
        req.set_page_token(resp.next_page_token());
      } while (!req.page_token().empty());
      if (!pending) return copies;
      absl::SleepFor(absl::Milliseconds(500));
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

  // Every email, text and push at the sinks, grouped by idempotency key: what arrived under each
  // key (a resend after a crash arrives again under the same key: the provider applies it once).
  struct AtSinks {
    std::map<std::string, std::vector<json>> mail;  // by Message-ID
    std::map<std::string, std::vector<json>> sms;   // by Idempotency-Key, across both gateways
    std::map<std::string, std::vector<json>> push;
  };
  static AtSinks Collect() {
    AtSinks out;
    json mail = Http("GET", suite->sinks.mail_api + "/messages");
    if (mail.is_object()) {
      for (const json& m : mail["messages"]) out.mail[m.value("message_id", "")].push_back(m);
    }
    for (const char* kind : {"sms", "push"}) {
      json all = Http("GET", absl::StrCat(suite->sinks.gateway_url, "/messages?kind=", kind));
      if (!all.is_object()) continue;
      for (const json& m : all["messages"]) {
        (std::string(kind) == "sms" ? out.sms : out.push)[m.value("idempotency_key", "")].push_back(m);
      }
    }
    return out;
  }
  static int MailCount() {
    json stats = Http("GET", suite->sinks.mail_api + "/stats");
    return stats.is_object() ? stats.value("messages", 0) : 0;
  }

  static inline bool ready_ = false;
};

TEST_F(NotificationsFaultE2eTest, DeliveryWorkerKilledTwiceDuringA5000RecipientBroadcastEveryRecipientGetsOneCopy) {
  const absl::Time start = absl::Now();
  nv1::Notice n;
  n.set_category(nv1::CATEGORY_EMERGENCY);
  n.set_priority(nv1::PRIORITY_EMERGENCY);
  nv1::LocalizedContent* c = n.add_content();
  c->set_locale("en");
  c->set_subject("Trust-wide: severe weather, every school closed");
  c->set_body("Please keep your children at home today.");
  n.mutable_audience()->set_kind(nv1::AUDIENCE_KIND_TRUST);
  nv1::CreateNoticeRequest req;
  req.set_parent("trust");
  *req.mutable_notice() = n;
  req.set_request_id(NewUuid());
  nv1::Notice sent;
  auto stub = Notifications();
  grpc::Status created =
      CallAs(*stub, Token({"trust_leader"}, {}), &nv1::NotificationsService::Stub::CreateNotice, req, &sent);
  ASSERT_TRUE(created.ok()) << created.error_message();
  ASSERT_GE(sent.recipient_count(), 5000);
  const int mail_before = MailCount();

  // kill -9 the worker mid-delivery, twice: once a tenth of the recipients' mail has arrived, and
  // again at a third; each time it starts again (same port, same database).
  std::vector<int> at_kill;
  for (const double share : {0.10, 0.33}) {
    const int wanted = mail_before + static_cast<int>(share * sent.recipient_count());
    const absl::Time until = absl::Now() + absl::Seconds(90);
    while (MailCount() < wanted && absl::Now() < until) absl::SleepFor(absl::Milliseconds(20));
    ASSERT_TRUE(suite->trust->Process(Service::kNotifications).Kill().ok());
    at_kill.push_back(MailCount() - mail_before);
    ASSERT_TRUE(suite->trust->StartAgain(Service::kNotifications).ok());
  }

  const std::vector<nv1::Message> copies = Settled(sent.name(), absl::Seconds(300));
  ASSERT_EQ(static_cast<int>(copies.size()), sent.recipient_count());
  const AtSinks at = Collect();

  // Expected from the directory, not from the service: for an emergency, every channel the
  // recipient has (app, email, mobile), each exactly once under that copy's key.
  std::map<std::string, int> missing, twice;  // by channel
  std::set<std::string> mail_keys, sms_keys, push_keys;
  std::map<std::string, int> copies_of;  // guardian → copies: one, whatever schools their children are at
  int across_schools = 0;                // copies naming children at two or more schools
  int emails = 0, resent_mail = 0;
  for (const nv1::Message& m : copies) {
    // One copy per guardian naming all their children, at whichever schools of the trust.
    ASSERT_FALSE(m.pupils().empty()) << m.name();
    EXPECT_EQ(++copies_of[m.recipient()], 1) << "two copies for " << m.recipient();
    auto g = suite->directory.guardians.find(Id(m.recipient()));
    ASSERT_NE(g, suite->directory.guardians.end()) << m.recipient();
    std::set<std::string> named_schools, linked_schools;
    for (const std::string& p : m.pupils()) named_schools.insert(p.substr(0, p.find("/pupils/")));
    bool plain = !g->second.lives_apart;  // no rule may leave one of their children out
    for (const directory::PupilLink& link : g->second.pupils) {
      linked_schools.insert(absl::StrCat("schools/", link.school_id));
      plain &= link.parental_responsibility && !link.court_order;
    }
    across_schools += named_schools.size() > 1;
    if (plain) {
      EXPECT_EQ(named_schools, linked_schools) << m.name() << " leaves out a school's children";
    }
    std::map<nv1::DeliveryChannel, const nv1::Delivery*> by_channel;
    for (const nv1::Delivery& d : m.deliveries()) {
      if (d.status() != nv1::DELIVERY_STATUS_SENT && d.status() != nv1::DELIVERY_STATUS_DELIVERED) continue;
      if (!by_channel.emplace(d.channel(), &d).second) ++twice[nv1::DeliveryChannel_Name(d.channel())];
    }
    const std::string email = Contact(g->second, directory::ContactKind::kEmail);
    const std::string mobile = Contact(g->second, directory::ContactKind::kMobile);
    const std::string app = Contact(g->second, directory::ContactKind::kApp);
    if (!email.empty()) {
      auto d = by_channel.find(nv1::DELIVERY_CHANNEL_EMAIL);
      if (d == by_channel.end()) {
        ++missing["email (not sent)"];
      } else {
        ++emails;
        const std::string& id = d->second->provider_reference();
        mail_keys.insert(id);
        auto arrived = at.mail.find(id);
        if (arrived == at.mail.end()) {
          ++missing["email (not at the catcher)"];
        } else {
          resent_mail += static_cast<int>(arrived->second.size()) - 1;
          for (const json& copy : arrived->second) {
            EXPECT_EQ(copy["rcpt"], json::array({email})) << id;
          }
        }
      }
    }
    if (!mobile.empty()) {
      auto d = by_channel.find(nv1::DELIVERY_CHANNEL_SMS);
      if (d == by_channel.end()) {
        ++missing["sms (not sent)"];
      } else {
        // The key is the delivery's; the sink answered with its id, which the delivery recorded.
        const std::string key = absl::StrCat("trust.", Id(sent.name()), ".", Id(m.name()), ".sms");
        sms_keys.insert(key);
        auto arrived = at.sms.find(key);
        if (arrived == at.sms.end()) {
          ++missing["sms (not at the gateway)"];
        } else {
          // One text, at one gateway: a resend goes to the gateway that took it and is applied once.
          if (arrived->second.size() != 1) ++twice["sms (at both gateways)"];
          EXPECT_EQ(arrived->second.front().value("to", ""), mobile) << key;
          EXPECT_EQ(arrived->second.front().value("id", ""), d->second->provider_reference()) << key;
        }
      }
    }
    if (!app.empty()) {
      auto d = by_channel.find(nv1::DELIVERY_CHANNEL_APP);
      if (d == by_channel.end()) {
        ++missing["app (not in the inbox)"];
      } else {
        const std::string key = absl::StrCat("trust.", Id(sent.name()), ".", Id(m.name()), ".app");
        push_keys.insert(key);
        auto arrived = at.push.find(key);
        if (arrived == at.push.end()) {
          ++missing["push (not at the gateway)"];
        } else {
          if (arrived->second.size() != 1) ++twice["push"];
          EXPECT_EQ(arrived->second.front().value("to", ""), app) << key;
        }
      }
    }
  }
  EXPECT_GE(copies_of.size(), 5000u) << "guardians reached";
  EXPECT_GT(across_schools, 0) << "the generated trust has guardians with children at two schools";
  EXPECT_TRUE(missing.empty()) << ::testing::PrintToString(missing);
  EXPECT_TRUE(twice.empty()) << ::testing::PrintToString(twice);
  // Nothing at the sinks for this notice that no delivery accounts for.
  int stray = 0;
  for (const auto& [id, arrived] : at.mail) stray += absl::StrContains(id, Id(sent.name())) && !mail_keys.count(id);
  for (const auto& [key, arrived] : at.sms) stray += absl::StrContains(key, Id(sent.name())) && !sms_keys.count(key);
  for (const auto& [key, arrived] : at.push) stray += absl::StrContains(key, Id(sent.name())) && !push_keys.count(key);
  EXPECT_EQ(stray, 0);
  // Both kills fell mid-delivery.
  ASSERT_EQ(at_kill.size(), 2u);
  EXPECT_GT(at_kill[0], 0);
  EXPECT_LT(at_kill[1], emails);
  RecordProperty("recipients", sent.recipient_count());
  RecordProperty("emails", emails);
  RecordProperty("mail_resent_under_the_same_message_id", resent_mail);
  RecordProperty("seconds", static_cast<int>(absl::ToDoubleSeconds(absl::Now() - start)));
  std::cout << "broadcast: " << sent.recipient_count() << " copies to " << copies_of.size() << " guardians ("
            << across_schools << " naming children at two schools), " << emails << " emails, " << sms_keys.size()
            << " texts, " << push_keys.size() << " pushes; killed at " << at_kill[0] << " and " << at_kill[1]
            << " emails; " << resent_mail << " emails resent under the same Message-ID; "
            << absl::ToDoubleSeconds(absl::Now() - start) << " s\n";
}

TEST_F(NotificationsFaultE2eTest, EscalationKilledMidHandOverEveryRelayedNoticeArrivesOnce) {
  const absl::Time start = absl::Now();
  // Notifications down: the enquiries' notices wait in escalation's outbox.
  ASSERT_TRUE(suite->trust->Process(Service::kNotifications).Kill().ok());
  auto escalation = ev1::EscalationService::NewStub(suite->trust->Channel(Service::kEscalation));
  std::set<std::string> enquiries;
  int opened_count = 0;
  for (const auto& [id, g] : suite->directory.guardians) {
    if (opened_count == kEnquiries) break;
    if (g.pupils.empty() || !g.pupils.front().parental_responsibility || g.pupils.front().court_order) continue;
    const directory::PupilLink& link = g.pupils.front();
    ev1::OpenEnquiryRequest open;
    open.set_parent(absl::StrCat("schools/", link.school_id));
    ev1::Enquiry* e = open.mutable_enquiry();
    e->set_pupil(absl::StrCat("schools/", link.school_id, "/pupils/", link.pupil_id));
    e->set_guardian(absl::StrCat("guardians/", id));
    e->set_channel(ev1::CHANNEL_EMAIL);
    e->set_category("safeguarding");
    e->set_safeguarding(true);
    *e->mutable_receive_time() = TimeUtil::GetCurrentTime();
    e->set_subject("A worry about a child");
    e->set_body_ref("e2e/fault");
    open.set_request_id(NewUuid());
    ev1::Enquiry opened;
    grpc::Status st = CallAs(*escalation, Token({"office"}, {link.school_id}),
                             &ev1::EscalationService::Stub::OpenEnquiry, open, &opened);
    ASSERT_TRUE(st.ok()) << st.error_message();
    enquiries.insert(opened.name());
    ++opened_count;
  }

  pqxx::connection db(suite->trust->Dsn(Service::kEscalation));
  auto counts = [&db] {
    pqxx::work txn(db);
    pqxx::row r = txn.exec1("SELECT count(*), count(handed_over_at) FROM outbox");
    return std::make_pair(r[0].as<int>(), r[1].as<int>());
  };
  const auto [rows, handed_before] = counts();
  ASSERT_GE(rows, 2 * kEnquiries);  // the DSL's alert and the deputy's at least
  EXPECT_EQ(handed_before, 0);

  // Notifications back: the relay drains the backlog 50 rows a pass; kill -9 escalation once part
  // of it is handed over, and start it again.
  ASSERT_TRUE(suite->trust->StartAgain(Service::kNotifications).ok());
  int handed_at_kill = 0;
  const absl::Time until = absl::Now() + absl::Seconds(60);
  while (absl::Now() < until) {
    handed_at_kill = counts().second;
    if (handed_at_kill > 0) break;
    absl::SleepFor(absl::Milliseconds(10));
  }
  ASSERT_TRUE(suite->trust->Process(Service::kEscalation).Kill().ok());
  ASSERT_GT(handed_at_kill, 0);
  ASSERT_LT(handed_at_kill, rows) << "the relay had handed everything over before the kill";
  ASSERT_TRUE(suite->trust->StartAgain(Service::kEscalation).ok());
  const absl::Time drained_by = absl::Now() + absl::Seconds(90);
  while (counts().second < rows && absl::Now() < drained_by) absl::SleepFor(absl::Milliseconds(100));
  ASSERT_EQ(counts().second, rows) << "rows left in escalation's outbox";

  // Each row, by what it names: (enquiry, template, recipient).
  std::multiset<std::string> expected;
  {
    pqxx::work txn(db);
    for (const pqxx::row& r : txn.exec("SELECT notice::text FROM outbox")) {
      const json notice = json::parse(r[0].c_str());
      for (const char* side : {"staff", "guardians"}) {
        for (const json& who : notice["recipients"][side]) {
          expected.insert(absl::StrCat(notice.value("enquiry", ""), " ", notice.value("template", ""), " ",
                                       who.get<std::string>()));
        }
      }
    }
  }

  // Every school's escalation notices: one per row, none twice.
  auto stub = Notifications();
  std::multiset<std::string> relayed;
  std::vector<nv1::Notice> notices;
  for (const auto& [school_id, school] : suite->directory.schools) {
    nv1::ListNoticesRequest list;
    list.set_parent(absl::StrCat("schools/", school_id));
    list.set_category(nv1::CATEGORY_ESCALATION);
    list.set_page_size(200);
    do {
      nv1::ListNoticesResponse resp;
      grpc::Status st = CallAs(*stub, Admin(), &nv1::NotificationsService::Stub::ListNotices, list, &resp);
      ASSERT_TRUE(st.ok()) << st.error_message();
      for (const nv1::Notice& notice : resp.notices()) {
        if (!enquiries.count(notice.source())) continue;
        notices.push_back(notice);
        for (const std::string& who : notice.audience().staff()) {
          relayed.insert(absl::StrCat(notice.source(), " ", notice.template_(), " ", who));
        }
        for (const std::string& who : notice.audience().guardians()) {
          relayed.insert(absl::StrCat(notice.source(), " ", notice.template_(), " ", who));
        }
      }
      list.set_page_token(resp.next_page_token());
    } while (!list.page_token().empty());
  }
  EXPECT_EQ(relayed, expected);

  // What is due now (the safeguarding alerts) reached the catcher once per copy; what waits for a
  // member's working period is queued, not lost.
  const AtSinks at = Collect();
  int arrived = 0, queued = 0;
  for (const nv1::Notice& notice : notices) {
    for (const nv1::Message& m : Settled(notice.name(), absl::Seconds(60))) {
      for (const nv1::Delivery& d : m.deliveries()) {
        if (d.channel() != nv1::DELIVERY_CHANNEL_EMAIL) continue;
        if (d.status() == nv1::DELIVERY_STATUS_PENDING) {
          ++queued;
          continue;
        }
        EXPECT_EQ(d.status(), nv1::DELIVERY_STATUS_SENT) << m.name() << " " << d.reason();
        auto it = at.mail.find(d.provider_reference());
        if (it == at.mail.end()) {
          ADD_FAILURE() << "no mail at the catcher for " << m.name();
          continue;
        }
        ++arrived;
        EXPECT_EQ(it->second.size(), 1u) << m.name() << " arrived " << it->second.size() << " times";
      }
    }
  }
  EXPECT_GE(arrived, 2 * kEnquiries);
  std::cout << "relay: " << rows << " outbox rows, " << handed_at_kill << " handed over at the kill; " << notices.size()
            << " notices; " << arrived << " emails arrived, " << queued << " queued for working hours; "
            << absl::ToDoubleSeconds(absl::Now() - start) << " s\n";
}

}  // namespace
}  // namespace parley::e2e
