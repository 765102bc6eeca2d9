// End to end for the rules the five policies state (issue 13): one scenario per school, across the
// running parley-contacts, -conduct, -escalation and -notifications, ending at this suite's own
// mail catcher (tests/e2e/sinks.h).
//
// The trust is the demo trust with every school's calendar opened round the clock (every day a
// school day, 00:00-24:00, no closures, no teaching hours, no part-time patterns): staff notices
// wait for the recipient's next working period, and a suite that runs at 02:00 on a Sunday must see
// them arrive now. The quiet-hours and teaching-hours rules themselves are the domain's tests
// (simulated time); routing, owners, refusals, the people told and what reaches them are these.
#include <fstream>
#include <memory>
#include <set>
#include <string>
#include <vector>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
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
using google::protobuf::util::TimeUtil;

// The demo trust with its calendars opened round the clock (see the file comment).
json RoundTheClock(json trust) {
  for (json& school : trust["schools"]) {
    json& calendar = school["school"]["calendar"];
    json opened = {{"timeZone", calendar.value("timeZone", "Europe/London")},
                   {"schoolDays",
                    {"WEEKDAY_MONDAY", "WEEKDAY_TUESDAY", "WEEKDAY_WEDNESDAY", "WEEKDAY_THURSDAY", "WEEKDAY_FRIDAY",
                     "WEEKDAY_SATURDAY", "WEEKDAY_SUNDAY"}},
                   {"coreHours", {{"open", "00:00"}, {"close", "24:00"}}},
                   {"terms", {{{"displayName", "Always"}, {"startDate", "2025-01-01"}, {"endDate", "2029-12-31"}}}}};
    calendar = opened;
    for (json& staff : school["staff"]) staff.erase("workingPattern");
  }
  return trust;
}

struct Suite {
  Sinks sinks;
  json trust;  // as imported
  std::unique_ptr<TrustUnderTest> services;
};
std::unique_ptr<Suite> suite;

class PolicyRulesE2eTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    if (!parley::testing::TestDatabase::Configured()) return;
    suite = std::make_unique<Suite>();
    ASSERT_TRUE(suite->sinks.Start()) << "the mail catcher or gateway sink did not start";
    std::ifstream in(PARLEY_DEMO_TRUST_JSON);
    json demo = json::parse(in, nullptr, false);
    ASSERT_TRUE(demo.is_object());
    suite->trust = RoundTheClock(std::move(demo));
    const std::string path = WriteTemp("policy-rules-trust.json", suite->trust.dump());
    TrustOptions options{"rules", path, PARLEY_CONTACTS_BINARY, PARLEY_CONDUCT_BINARY, PARLEY_ESCALATION_BINARY};
    options.notifications_binary = PARLEY_NOTIFICATIONS_BINARY;
    options.extra_env[Service::kNotifications] = suite->sinks.NotificationsEnv();
    // The relays hand notices over promptly.
    for (Service s : {Service::kEscalation, Service::kConduct}) {
      options.extra_env[s] = {{"PARLEY_OUTBOX_POLL_INTERVAL", "100ms"}};
    }
    suite->services = TrustUnderTest::StartForSuite(options);
    if (!suite->services) return;
    LoadTemplates();
    ready_ = !::testing::Test::HasFailure();
  }
  static void TearDownTestSuite() { suite.reset(); }
  void SetUp() override { PARLEY_REQUIRE_SUITE_READY(ready_); }

  static std::string Token(std::vector<std::string> roles, std::vector<std::string> schools,
                           const std::string& subject = "e2e") {
    return suite->services->Mint(std::move(roles), std::move(schools), subject, absl::Minutes(30));
  }
  static std::string Office(const std::string& school) { return Token({"office"}, {school}); }

  static std::unique_ptr<ev1::EscalationService::Stub> Escalation() {
    return ev1::EscalationService::NewStub(suite->services->Channel(Service::kEscalation));
  }
  static std::unique_ptr<cv1::ConductService::Stub> Conduct() {
    return cv1::ConductService::NewStub(suite->services->Channel(Service::kConduct));
  }

  // A template per notice key the relays send, its subject naming the key, so a test tells at the
  // catcher which notice reached whom.
  static void LoadTemplates() {
    auto stub = nv1::NotificationsService::NewStub(suite->services->Channel(Service::kNotifications));
    const std::string admin = Token({"trust_admin"}, {});
    for (const char* key : kTemplateKeys) {
      nv1::CreateTemplateRequest req;
      req.set_parent("trust");
      req.set_template_id(key);
      req.mutable_template_()->set_category(absl::StartsWith(key, "conduct.") ? nv1::CATEGORY_CONDUCT_LETTER
                                                                              : nv1::CATEGORY_ESCALATION);
      nv1::TemplateVariant* v = req.mutable_template_()->add_variants();
      v->set_locale("en");
      v->set_subject(absl::StrCat("[", key, "] {{school_name}}"));
      v->set_body("Dear {{recipient_name}}, this is about {{pupil_names}}.");
      req.set_request_id(NewUuid());
      nv1::Template out;
      grpc::Status s = CallAs(*stub, admin, &nv1::NotificationsService::Stub::CreateTemplate, req, &out);
      ASSERT_TRUE(s.ok()) << key << ": " << s.error_message();
    }
  }

  // The guardian's email address in the imported trust, or "".
  static std::string EmailOf(const std::string& guardian) {
    for (const json& g : suite->trust["guardians"]) {
      if (g["name"] != guardian) continue;
      for (const json& c : g.value("contactPoints", json::array())) {
        if (c["kind"] == "CONTACT_KIND_EMAIL") return c["value"];
      }
    }
    return "";
  }
  // A staff member's email address in the imported trust, or "".
  static std::string StaffEmail(const std::string& staff) {
    for (const json& school : suite->trust["schools"]) {
      for (const json& s : school["staff"]) {
        if (s["name"] == staff) return s.value("email", "");
      }
    }
    return "";
  }
  static bool StaffHasRole(const std::string& staff, const std::string& role) {
    for (const json& school : suite->trust["schools"]) {
      for (const json& s : school["staff"]) {
        if (s["name"] != staff) continue;
        for (const json& r : s.value("roles", json::array())) {
          if (r == role) return true;
        }
      }
    }
    return false;
  }
  // A guardian with parental responsibility, an email address and no court order, linked to a pupil
  // of `school` (matching `filter` on the link when given); {guardian, pupil}.
  static std::pair<std::string, std::string> FamilyAt(const std::string& school, int skip = 0) {
    for (const json& g : suite->trust["guardians"]) {
      if (EmailOf(g["name"]).empty()) continue;
      for (const json& l : g["pupils"]) {
        if (absl::StartsWith(l["pupil"].get<std::string>(), absl::StrCat("schools/", school, "/")) &&
            l.value("parentalResponsibility", false) && !l.contains("courtOrder") && skip-- == 0) {
          return {g["name"], l["pupil"]};
        }
      }
    }
    return {"", ""};
  }

  // Waits (up to a minute) until mail whose subject names `key` reaches `address`; how many did.
  static int WaitForMail(const std::string& address, const std::string& key, int at_least = 1) {
    const absl::Time until = absl::Now() + absl::Seconds(60);
    int n = 0;
    while (absl::Now() < until) {
      n = 0;
      for (const std::string& subject : suite->sinks.SubjectsTo(address)) {
        if (absl::StrContains(subject, absl::StrCat("[", key, "]"))) ++n;
      }
      if (n >= at_least) return n;
      absl::SleepFor(absl::Milliseconds(250));
    }
    return n;
  }
  // How many mails whose subject names `key` reached `address` by now.
  static int MailCount(const std::string& address, const std::string& key) {
    int n = 0;
    for (const std::string& subject : suite->sinks.SubjectsTo(address)) {
      if (absl::StrContains(subject, absl::StrCat("[", key, "]"))) ++n;
    }
    return n;
  }

  static ev1::OpenEnquiryRequest NewEnquiry(const std::string& school, const std::string& pupil,
                                            const std::string& guardian, ev1::Channel channel,
                                            const std::string& category) {
    ev1::OpenEnquiryRequest req;
    req.set_parent(absl::StrCat("schools/", school));
    ev1::Enquiry* e = req.mutable_enquiry();
    e->set_pupil(pupil);
    e->set_guardian(guardian);
    e->set_channel(channel);
    e->set_category(category);
    *e->mutable_receive_time() = TimeUtil::GetCurrentTime();
    e->set_subject("A question for the school");
    e->set_body_ref("e2e/policy-rules");
    req.set_request_id(NewUuid());
    return req;
  }
  static grpc::Status Open(const std::string& token, const ev1::OpenEnquiryRequest& req, ev1::Enquiry* out,
                           std::string* reason = nullptr) {
    auto stub = Escalation();
    return CallAs(*stub, token, &ev1::EscalationService::Stub::OpenEnquiry, req, out, reason);
  }
  static std::vector<ev1::EnquiryEvent> History(const std::string& enquiry) {
    auto stub = Escalation();
    ev1::ListEnquiryEventsRequest req;
    req.set_parent(enquiry);
    req.set_page_size(100);
    ev1::ListEnquiryEventsResponse resp;
    grpc::Status s =
        CallAs(*stub, Token({"trust_admin"}, {}), &ev1::EscalationService::Stub::ListEnquiryEvents, req, &resp);
    EXPECT_TRUE(s.ok()) << s.error_message();
    return {resp.events().begin(), resp.events().end()};
  }

  static ev1::Enquiry Get(const std::string& name) {
    auto stub = Escalation();
    ev1::GetEnquiryRequest req;
    req.set_name(name);
    ev1::Enquiry out;
    grpc::Status s = CallAs(*stub, Token({"trust_admin"}, {}), &ev1::EscalationService::Stub::GetEnquiry, req, &out);
    EXPECT_TRUE(s.ok()) << s.error_message();
    return out;
  }
  static const ev1::EnquiryEvent* Find(const std::vector<ev1::EnquiryEvent>& history, ev1::EnquiryEventKind kind) {
    for (const ev1::EnquiryEvent& e : history) {
      if (e.kind() == kind) return &e;
    }
    return nullptr;
  }
  // A pupil of `school` the guardian is not linked to.
  static std::string AnotherFamilysPupil(const std::string& school, const std::string& guardian) {
    std::set<std::string> theirs;
    for (const json& g : suite->trust["guardians"]) {
      if (g["name"] != guardian) continue;
      for (const json& l : g["pupils"]) theirs.insert(l["pupil"]);
    }
    for (const json& sc : suite->trust["schools"]) {
      for (const json& p : sc.value("pupils", json::array())) {
        const std::string name = p["name"];
        if (absl::StartsWith(name, absl::StrCat("schools/", school, "/")) && !theirs.count(name)) return name;
      }
    }
    return "";
  }
  // A guardian linked to a pupil of `school` under a court order in force with no end date (one
  // with an end date lapses while the suite's data stays the same); {guardian, pupil}.
  static std::pair<std::string, std::string> CourtOrderedAt(const std::string& school) {
    for (const json& g : suite->trust["guardians"]) {
      for (const json& l : g["pupils"]) {
        if (absl::StartsWith(l["pupil"].get<std::string>(), absl::StrCat("schools/", school, "/")) &&
            l.contains("courtOrder") && !l["courtOrder"].contains("untilDate") &&
            (l["courtOrder"].value("noContact", false) || l["courtOrder"].value("noInformation", false))) {
          return {g["name"], l["pupil"]};
        }
      }
    }
    return {"", ""};
  }
  static cv1::Incident RecordIncident(const std::string& school, const std::string& recorder,
                                      const std::string& guardian, cv1::IncidentKind kind, cv1::Channel channel) {
    auto stub = Conduct();
    cv1::CreateIncidentRequest req;
    req.set_parent(absl::StrCat("schools/", school));
    req.mutable_incident()->set_guardian(guardian);
    req.mutable_incident()->set_kind(kind);
    req.mutable_incident()->set_channel(channel);
    *req.mutable_incident()->mutable_occur_time() = TimeUtil::GetCurrentTime();
    req.mutable_incident()->add_staff_involved(recorder);
    req.set_request_id(NewUuid());
    cv1::Incident out;
    grpc::Status s =
        CallAs(*stub, Token({"teacher"}, {school}, recorder), &cv1::ConductService::Stub::CreateIncident, req, &out);
    EXPECT_TRUE(s.ok()) << s.error_message();
    return out;
  }

  static constexpr const char* kTemplateKeys[] = {
      "escalation.assigned",
      "escalation.safeguarding_alert",
      "escalation.acknowledge_breach",
      "escalation.escalated",
      "escalation.referred_to_complaints",
      "escalation.acknowledgement",
      "escalation.redirected",
      "escalation.reopened",
      "escalation.response_breach",
      "conduct.arrangement_issued",
      "conduct.arrangement_tightened",
      "conduct.arrangement_continued",
      "conduct.arrangement_ended",
      "conduct.arrangement_review_due",
      "conduct.premises_ban",
      "conduct.premises_ban_revoked",
      "escalation.channel_redirected",
      "escalation.informed",
      "escalation.follow_up_breach",
      "escalation.acknowledgement_promised",
      "escalation.progress",
      "escalation.progress_promised",
      "conduct.incident_reported",
  };
  static inline bool ready_ = false;
};

// St Mary's: "absence — please phone the office, do not email"; premises hire also goes to the
// business manager.
TEST_F(PolicyRulesE2eTest, StMarys) {
  const auto [guardian, pupil] = FamilyAt("st-marys");
  ASSERT_FALSE(guardian.empty());

  // Absence by email: recorded, no clock, the guardian told how to reach the school.
  ev1::Enquiry absence;
  grpc::Status st =
      Open(Office("st-marys"), NewEnquiry("st-marys", pupil, guardian, ev1::CHANNEL_EMAIL, "attendance"), &absence);
  ASSERT_TRUE(st.ok()) << st.error_message();
  EXPECT_EQ(absence.state(), ev1::ENQUIRY_STATE_REDIRECTED);
  EXPECT_FALSE(absence.has_respond());
  EXPECT_NE(Find(History(absence.name()), ev1::ENQUIRY_EVENT_KIND_CHANNEL_REDIRECTED), nullptr);
  EXPECT_GE(WaitForMail(EmailOf(guardian), "escalation.channel_redirected"), 1);

  // The same by phone runs its clock.
  ev1::Enquiry by_phone;
  ASSERT_TRUE(
      Open(Office("st-marys"), NewEnquiry("st-marys", pupil, guardian, ev1::CHANNEL_PHONE, "attendance"), &by_phone)
          .ok());
  EXPECT_EQ(by_phone.state(), ev1::ENQUIRY_STATE_OPEN);

  // Lettings: the finance administrator owns it, the business manager is told.
  ev1::Enquiry hire;
  ASSERT_TRUE(
      Open(Office("st-marys"), NewEnquiry("st-marys", "", guardian, ev1::CHANNEL_EMAIL, "premises_hire"), &hire).ok());
  EXPECT_EQ(hire.owner(), "schools/st-marys/staff/mrs-dunne");
  EXPECT_GE(WaitForMail(StaffEmail("schools/st-marys/staff/mr-devlin"), "escalation.informed"), 1);
}

// Woodgrange: urgent matters go to a senior leader, and the head is told; a parent under a court
// order removing contact cannot open a matter about the child, whoever records it.
TEST_F(PolicyRulesE2eTest, Woodgrange) {
  const auto [guardian, pupil] = FamilyAt("woodgrange-infant");
  ASSERT_FALSE(guardian.empty());
  ev1::OpenEnquiryRequest req = NewEnquiry("woodgrange-infant", pupil, guardian, ev1::CHANNEL_PHONE, "learning");
  req.mutable_enquiry()->set_urgent(true);
  ev1::Enquiry urgent;
  grpc::Status st = Open(Office("woodgrange-infant"), req, &urgent);
  ASSERT_TRUE(st.ok()) << st.error_message();
  EXPECT_TRUE(urgent.urgent());
  EXPECT_TRUE(StaffHasRole(urgent.owner(), "senior_leader")) << urgent.owner();
  const std::string head = "schools/woodgrange-infant/staff/mrs-o-sullivan";
  const std::string told = urgent.owner() == head ? "escalation.assigned" : "escalation.informed";
  EXPECT_GE(WaitForMail(StaffEmail(head), told), 1) << "the head was not told of the urgent matter";

  // A court order that removes contact: refused, whoever records it.
  const auto [ordered, their_child] = CourtOrderedAt("woodgrange-infant");
  ASSERT_FALSE(ordered.empty());
  ev1::Enquiry refused;
  std::string reason;
  st = Open(Office("woodgrange-infant"),
            NewEnquiry("woodgrange-infant", their_child, ordered, ev1::CHANNEL_PHONE, "learning"), &refused, &reason);
  EXPECT_EQ(st.error_code(), grpc::StatusCode::FAILED_PRECONDITION) << st.error_message();
  EXPECT_EQ(reason, "COURT_ORDER_EXCLUDES");
}

// Milton Road: parents name the member of staff; the acknowledgement says when the fuller
// response will come and progress is reported; only their own children; breaches of the code go
// to the Chair of Governors.
TEST_F(PolicyRulesE2eTest, MiltonRoad) {
  const auto [guardian, pupil] = FamilyAt("milton-road");
  ASSERT_FALSE(guardian.empty());
  const std::string named = "schools/milton-road/staff/mrs-whitfield";
  ev1::OpenEnquiryRequest req = NewEnquiry("milton-road", pupil, guardian, ev1::CHANNEL_EMAIL, "learning");
  req.mutable_enquiry()->set_addressed_to(named);
  ev1::Enquiry addressed;
  grpc::Status st = Open(Office("milton-road"), req, &addressed);
  ASSERT_TRUE(st.ok()) << st.error_message();
  EXPECT_EQ(addressed.owner(), named);
  // The history outlives the pointer Find returns into it.
  const std::vector<ev1::EnquiryEvent> history = History(addressed.name());
  const ev1::EnquiryEvent* routed = Find(history, ev1::ENQUIRY_EVENT_KIND_ROUTED);
  ASSERT_NE(routed, nullptr);
  EXPECT_EQ(routed->addressing(), ev1::ADDRESSING_TAKEN);
  EXPECT_GE(WaitForMail(StaffEmail(named), "escalation.assigned"), 1);

  // The acknowledgement promises a date before the policy's deadline; the guardian hears it, then
  // a progress update.
  auto stub = Escalation();
  ev1::AcknowledgeEnquiryRequest ack;
  ack.set_name(addressed.name());
  ack.set_etag(addressed.etag());
  *ack.mutable_promised_time() = TimeUtil::GetCurrentTime() + TimeUtil::HoursToDuration(24);
  ack.set_request_id(NewUuid());
  ev1::Enquiry acknowledged;
  st = CallAs(*stub, Token({"teacher"}, {"milton-road"}, named), &ev1::EscalationService::Stub::AcknowledgeEnquiry, ack,
              &acknowledged);
  ASSERT_TRUE(st.ok()) << st.error_message();
  EXPECT_TRUE(acknowledged.has_promised_time());
  EXPECT_GE(WaitForMail(EmailOf(guardian), "escalation.acknowledgement_promised"), 1);
  ev1::RecordProgressRequest progress;
  progress.set_name(addressed.name());
  progress.set_progress("We have spoken to the class teacher and will call you tomorrow.");
  progress.set_request_id(NewUuid());
  ev1::Enquiry updated;
  st = CallAs(*stub, Token({"teacher"}, {"milton-road"}, named), &ev1::EscalationService::Stub::RecordProgress,
              progress, &updated);
  ASSERT_TRUE(st.ok()) << st.error_message();
  EXPECT_NE(Find(History(addressed.name()), ev1::ENQUIRY_EVENT_KIND_PROGRESS_RECORDED), nullptr);
  // The promise made at acknowledgement stays in force, and the update says so.
  EXPECT_GE(WaitForMail(EmailOf(guardian), "escalation.progress_promised"), 1);

  // Only their own children.
  const std::string other = AnotherFamilysPupil("milton-road", guardian);
  ev1::Enquiry refused;
  std::string reason;
  st = Open(Office("milton-road"), NewEnquiry("milton-road", other, guardian, ev1::CHANNEL_EMAIL, "learning"), &refused,
            &reason);
  EXPECT_EQ(st.error_code(), grpc::StatusCode::FAILED_PRECONDITION) << st.error_message();
  EXPECT_EQ(reason, "NOT_LINKED_TO_PUPIL");

  // A breach of the code is referred to the Chair of Governors.
  cv1::Incident incident =
      RecordIncident("milton-road", named, guardian, cv1::INCIDENT_KIND_SHOUTING, cv1::CHANNEL_IN_PERSON);
  bool chair = false;
  for (const cv1::IncidentReferral& r : incident.referrals()) {
    chair |= r.recipient() == "schools/milton-road/externalContacts/chair-of-governors";
  }
  EXPECT_TRUE(chair) << incident.DebugString();
  EXPECT_GE(WaitForMail("governors.milton-road@example.org", "conduct.incident_reported"), 1);
}

// Kenilworth: a reply comes from the member of staff addressed — unless they are on long leave,
// when routing decides and the history says why; safeguarding reaches the county team.
TEST_F(PolicyRulesE2eTest, Kenilworth) {
  const auto [guardian, pupil] = FamilyAt("kenilworth");
  ASSERT_FALSE(guardian.empty());
  ev1::OpenEnquiryRequest req = NewEnquiry("kenilworth", pupil, guardian, ev1::CHANNEL_EMAIL, "send");
  req.mutable_enquiry()->set_addressed_to("schools/kenilworth/staff/ms-irwin");  // on long leave
  ev1::Enquiry away;
  grpc::Status st = Open(Office("kenilworth"), req, &away);
  ASSERT_TRUE(st.ok()) << st.error_message();
  EXPECT_NE(away.owner(), "schools/kenilworth/staff/ms-irwin");
  const std::vector<ev1::EnquiryEvent> history = History(away.name());
  const ev1::EnquiryEvent* routed = Find(history, ev1::ENQUIRY_EVENT_KIND_ROUTED);
  ASSERT_NE(routed, nullptr);
  EXPECT_EQ(routed->addressing(), ev1::ADDRESSING_FALLBACK_AWAY);
  EXPECT_GE(WaitForMail(StaffEmail(away.owner()), "escalation.assigned"), 1);

  ev1::OpenEnquiryRequest concern = NewEnquiry("kenilworth", pupil, guardian, ev1::CHANNEL_EMAIL, "safeguarding");
  concern.mutable_enquiry()->set_safeguarding(true);
  ev1::Enquiry alert;
  ASSERT_TRUE(Open(Office("kenilworth"), concern, &alert).ok());
  EXPECT_GE(WaitForMail("childprotection.herts@example.org", "escalation.safeguarding_alert"), 1);
}

// Riverside: calls returned within 2 working days, follow-up within 10; an abusive call is
// reported to the recorder's line manager at once.
TEST_F(PolicyRulesE2eTest, Riverside) {
  const auto [guardian, pupil] = FamilyAt("riverside-academy");
  ASSERT_FALSE(guardian.empty());
  ev1::Enquiry call;
  grpc::Status st = Open(Office("riverside-academy"),
                         NewEnquiry("riverside-academy", pupil, guardian, ev1::CHANNEL_PHONE, "attendance"), &call);
  ASSERT_TRUE(st.ok()) << st.error_message();
  ASSERT_TRUE(call.has_follow_up());
  EXPECT_EQ(call.follow_up().stage(), ev1::STAGE_FOLLOW_UP);
  EXPECT_EQ(call.follow_up().state(), ev1::CLOCK_STATE_RUNNING);
  ASSERT_TRUE(call.has_respond());
  EXPECT_LT(call.respond().due_time().seconds(), call.follow_up().due_time().seconds());

  auto stub = Escalation();
  ev1::ResolveEnquiryRequest resolve;
  resolve.set_name(call.name());
  resolve.set_request_id(NewUuid());
  ev1::Enquiry resolved;
  st = CallAs(*stub, Office("riverside-academy"), &ev1::EscalationService::Stub::ResolveEnquiry, resolve, &resolved);
  ASSERT_TRUE(st.ok()) << st.error_message();
  EXPECT_EQ(resolved.follow_up().state(), ev1::CLOCK_STATE_MET);

  const std::string teacher = "schools/riverside-academy/staff/ms-anand";  // line manager: mr-fletcher
  cv1::Incident incident =
      RecordIncident("riverside-academy", teacher, guardian, cv1::INCIDENT_KIND_SHOUTING, cv1::CHANNEL_PHONE);
  ASSERT_EQ(incident.referrals_size(), 1) << incident.DebugString();
  EXPECT_EQ(incident.referrals(0).recipient(), "schools/riverside-academy/staff/mr-fletcher");
  EXPECT_TRUE(incident.referrals(0).immediate());
  EXPECT_GE(WaitForMail(StaffEmail("schools/riverside-academy/staff/mr-fletcher"), "conduct.incident_reported"), 1);
}

}  // namespace
}  // namespace parley::e2e
