// End to end across contacts (the demo trust), conduct (the gate), notifications (with the suite's
// own mail catcher) and appointments, each the built binary on its own database:
//   - a Kenilworth guardian's meeting request is offered a slot inside the school's 5-working-day
//     promise, accepted, booked, and the confirmation email reaches the catcher;
//   - a guardian with a recent incident (the gate's SECOND_STAFF and HEAD_INFORMED) gets a booking
//     that stays unconfirmed until a second member of staff is added, and the head is told;
//   - a guardian under a premises ban is refused an in-person meeting and booked by phone;
//   - separated parents at a parents' evening book once per household under the school's rule,
//     and one each once the family chooses so.
#include <fstream>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/time/clock.h"
#include "absl/time/time.h"
#include "common/grpc/timestamp.h"
#include "common/testing/test_database.h"
#include "google/protobuf/util/time_util.h"
#include "gtest/gtest.h"
#include "nlohmann/json.hpp"
#include "parley/appointments/v1/appointments_service.grpc.pb.h"
#include "parley/conduct/v1/conduct_service.grpc.pb.h"
#include "parley/notifications/v1/notifications_service.grpc.pb.h"
#include "pqxx/pqxx"
#include "tests/e2e/e2e_support.h"
#include "tests/e2e/sinks.h"
#include "tests/e2e/trust_under_test.h"

namespace parley::e2e {
namespace {

namespace av1 = ::parley::appointments::v1;
namespace cv1 = ::parley::conduct::v1;
namespace nv1 = ::parley::notifications::v1;
using json = nlohmann::json;

constexpr char kSchool[] = "kenilworth";

std::string Id(const std::string& name) { return name.substr(name.rfind('/') + 1); }

// A Kenilworth family from the demo trust: a guardian with an email address whose children are all
// at Kenilworth, one of those children and that child's class teacher.
struct Family {
  std::string guardian;  // "guardians/g-…"
  std::string email;
  std::string pupil;                         // "schools/kenilworth/pupils/p-…"
  std::string teacher;                       // "schools/kenilworth/staff/…"
  std::vector<std::string> other_guardians;  // the pupil's other guardians
};

struct Suite {
  Sinks sinks;
  std::unique_ptr<TrustUnderTest> trust;
  json demo;
  std::vector<Family> families;  // Kenilworth families, in demo order
  std::string head, deputy;      // Kenilworth staff names
};
std::unique_ptr<Suite> suite;

std::string EmailOf(const json& g) {
  for (const json& c : g.value("contactPoints", json::array())) {
    if (c["kind"] == "CONTACT_KIND_EMAIL") return c["value"];
  }
  return "";
}

void ReadFamilies(Suite& s) {
  std::map<std::string, std::string> teacher_of;
  for (const json& school : s.demo["schools"]) {
    if (school["school"]["name"] != absl::StrCat("schools/", kSchool)) continue;
    for (const json& p : school["pupils"]) teacher_of[p["name"]] = p.value("classTeacher", "");
    for (const json& m : school["staff"]) {
      for (const json& r : m.value("roles", json::array())) {
        if (r == "headteacher") s.head = m["name"];
        if (r == "deputy_head") s.deputy = m["name"];
      }
    }
  }
  std::map<std::string, std::vector<std::string>> guardians_of;
  for (const json& g : s.demo["guardians"]) {
    for (const json& link : g.value("pupils", json::array())) guardians_of[link["pupil"]].push_back(g["name"]);
  }
  for (const json& g : s.demo["guardians"]) {
    const json& links = g.value("pupils", json::array());
    if (links.empty() || EmailOf(g).empty()) continue;
    bool only_here = true, ordered = false;
    for (const json& link : links) {
      only_here = only_here && absl::StartsWith(link["pupil"].get<std::string>(), "schools/kenilworth/");
      ordered = ordered || link.contains("courtOrder");
    }
    if (!only_here || ordered) continue;
    Family f;
    f.guardian = g["name"];
    f.email = EmailOf(g);
    f.pupil = links[0]["pupil"];
    f.teacher = teacher_of[f.pupil];
    if (f.teacher.empty()) continue;
    for (const std::string& other : guardians_of[f.pupil]) {
      if (other != f.guardian) f.other_guardians.push_back(other);
    }
    s.families.push_back(std::move(f));
  }
}

class AppointmentsFlowsE2eTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    if (!parley::testing::TestDatabase::Configured()) return;
    suite = std::make_unique<Suite>();
    ASSERT_TRUE(suite->sinks.Start()) << "the mail catcher or gateway sink did not start";
    std::ifstream in(PARLEY_DEMO_TRUST_JSON);
    suite->demo = json::parse(in, nullptr, false);
    ASSERT_TRUE(suite->demo.is_object());
    ReadFamilies(*suite);
    ASSERT_GE(suite->families.size(), 4u);
    ASSERT_FALSE(suite->head.empty());
    ASSERT_FALSE(suite->deputy.empty());
    TrustOptions options("apptflows", PARLEY_DEMO_TRUST_JSON, PARLEY_CONTACTS_BINARY, PARLEY_CONDUCT_BINARY);
    options.notifications_binary = PARLEY_NOTIFICATIONS_BINARY;
    options.appointments_binary = PARLEY_APPOINTMENTS_BINARY;
    options.extra_env[Service::kNotifications] = suite->sinks.NotificationsEnv();
    options.extra_env[Service::kAppointments] = {{"PARLEY_OUTBOX_POLL_INTERVAL", "50ms"}};
    suite->trust = TrustUnderTest::StartForSuite(options);
    if (!suite->trust) return;
    LoadTemplates();
    ready_ = !::testing::Test::HasFailure();
  }
  static void TearDownTestSuite() { suite.reset(); }
  void SetUp() override { PARLEY_REQUIRE_SUITE_READY(ready_); }

  static std::string Token(std::vector<std::string> roles, std::vector<std::string> schools,
                           const std::string& subject = "e2e") {
    return suite->trust->Mint(std::move(roles), std::move(schools), subject, absl::Minutes(30));
  }
  static std::string Office() { return Token({"office"}, {kSchool}, "schools/kenilworth/staff/office-e2e"); }
  static std::string Leader() { return Token({"senior_leader"}, {kSchool}, "schools/kenilworth/staff/lead-e2e"); }
  static std::string Guardian(const std::string& guardian) { return Token({"guardian"}, {kSchool}, guardian); }

  static std::unique_ptr<av1::AppointmentsService::Stub> Appointments() {
    return av1::AppointmentsService::NewStub(suite->trust->Channel(Service::kAppointments));
  }
  static std::unique_ptr<cv1::ConductService::Stub> Conduct() {
    return cv1::ConductService::NewStub(suite->trust->Channel(Service::kConduct));
  }

  // The appointments templates (trust-wide, category meeting) with built-in variables only.
  static void LoadTemplates() {
    auto stub = nv1::NotificationsService::NewStub(suite->trust->Channel(Service::kNotifications));
    for (const char* key :
         {"appointments.booking_confirmed", "appointments.booking_cancelled", "appointments.head_informed",
          "appointments.meeting_offered", "appointments.answer_breach", "appointments.hold_breach",
          "appointments.call_back_due", "appointments.call_back_breach", "appointments.evening_booked",
          "appointments.waiting_list_offer", "appointments.evening_cancelled"}) {
      nv1::CreateTemplateRequest req;
      req.set_parent("trust");
      req.set_template_id(key);
      req.mutable_template_()->set_category(nv1::CATEGORY_MEETING);
      nv1::TemplateVariant* v = req.mutable_template_()->add_variants();
      v->set_locale("en");
      v->set_subject(absl::StrCat("[", key, "] {{school_name}}"));
      v->set_body("Dear {{recipient_name}}, about your meeting with the school.");
      req.set_request_id(NewUuid());
      nv1::Template out;
      grpc::Status s =
          CallAs(*stub, Token({"trust_admin"}, {}), &nv1::NotificationsService::Stub::CreateTemplate, req, &out);
      ASSERT_TRUE(s.ok()) << key << ": " << s.error_message();
    }
  }

  // Mail to `address` whose subject names `template_key`, waited for up to `timeout`.
  static bool MailArrives(const std::string& address, const std::string& template_key,
                          absl::Duration timeout = absl::Seconds(60)) {
    const absl::Time until = absl::Now() + timeout;
    while (absl::Now() < until) {
      for (const std::string& subject : suite->sinks.SubjectsTo(address)) {
        if (absl::StrContains(subject, template_key)) return true;
      }
      absl::SleepFor(absl::Milliseconds(200));
    }
    return false;
  }

  static int64_t CountInAppointments(const std::string& sql) {
    pqxx::connection db(suite->trust->Dsn(Service::kAppointments));
    pqxx::read_transaction txn(db);
    return txn.exec1(sql)[0].as<int64_t>();
  }

  static void RecordIncident(const std::string& guardian) {
    cv1::CreateIncidentRequest req;
    req.set_parent(absl::StrCat("schools/", kSchool));
    req.mutable_incident()->set_guardian(guardian);
    req.mutable_incident()->set_kind(cv1::INCIDENT_KIND_ABUSIVE_WRITTEN_MESSAGE);
    req.mutable_incident()->set_channel(cv1::CHANNEL_EMAIL);
    *req.mutable_incident()->mutable_occur_time() = ToTimestamp(absl::Now() - absl::Hours(24));
    req.set_request_id(NewUuid());
    cv1::Incident out;
    auto stub = Conduct();
    grpc::Status s = CallAs(*stub, Leader(), &cv1::ConductService::Stub::CreateIncident, req, &out);
    ASSERT_TRUE(s.ok()) << s.error_message();
  }

  // A booking by the office: the family's pupil and guardian, their class teacher, `mode`, starting
  // at `start` for 30 minutes.
  static grpc::Status Book(const Family& f, av1::MeetingMode mode, absl::Time start, av1::Booking* out,
                           std::string* reason) {
    av1::CreateBookingRequest req;
    req.set_parent(absl::StrCat("schools/", kSchool));
    av1::Booking* b = req.mutable_booking();
    *b->mutable_time()->mutable_start_time() = ToTimestamp(start);
    *b->mutable_time()->mutable_end_time() = ToTimestamp(start + absl::Minutes(30));
    b->set_mode(mode);
    b->add_guardians(f.guardian);
    b->add_pupils(f.pupil);
    b->add_staff()->set_staff(f.teacher);
    req.set_confirm(true);
    req.set_request_id(NewUuid());
    auto stub = Appointments();
    return CallAs(*stub, Office(), &av1::AppointmentsService::Stub::CreateBooking, req, out, reason);
  }

  // A free 30-minute slot of `staff` in the next two weeks, at least a day away.
  static std::optional<absl::Time> FreeSlot(const std::string& staff, int skip = 0) {
    av1::ListAvailableSlotsRequest req;
    req.set_parent(absl::StrCat("schools/", kSchool));
    req.add_staff(staff);
    *req.mutable_window()->mutable_start_time() = ToTimestamp(absl::Now() + absl::Hours(24));
    *req.mutable_window()->mutable_end_time() = ToTimestamp(absl::Now() + absl::Hours(24 * 14));
    *req.mutable_length() = google::protobuf::util::TimeUtil::SecondsToDuration(30 * 60);
    av1::ListAvailableSlotsResponse resp;
    auto stub = Appointments();
    grpc::Status s = CallAs(*stub, Office(), &av1::AppointmentsService::Stub::ListAvailableSlots, req, &resp);
    EXPECT_TRUE(s.ok()) << s.error_message();
    if (!s.ok() || resp.slots_size() <= skip) return std::nullopt;
    return FromTimestamp(resp.slots(skip).start_time());
  }

  static inline bool ready_ = false;
};

TEST_F(AppointmentsFlowsE2eTest, AKenilworthRequestIsBookedWithinFiveWorkingDaysAndConfirmedByEmail) {
  const Family& f = suite->families[0];
  auto stub = Appointments();
  av1::CreateMeetingRequestRequest create;
  create.set_parent(absl::StrCat("schools/", kSchool));
  av1::MeetingRequest* r = create.mutable_meeting_request();
  r->set_guardian(f.guardian);
  r->set_pupil(f.pupil);
  r->set_topic("Settling in after the move up");
  r->add_want_staff(f.teacher);
  r->set_mode(av1::MEETING_MODE_IN_PERSON);
  *r->mutable_receive_time() = ToTimestamp(absl::Now());
  create.set_request_id(NewUuid());
  av1::MeetingRequest request;
  grpc::Status s =
      CallAs(*stub, Guardian(f.guardian), &av1::AppointmentsService::Stub::CreateMeetingRequest, create, &request);
  ASSERT_TRUE(s.ok()) << s.error_message();
  EXPECT_EQ(request.state(), av1::MEETING_REQUEST_STATE_OPEN);
  // Kenilworth promises an appointment within 5 working days: the hold clock runs.
  std::optional<absl::Time> hold_due;
  for (const av1::Clock& c : request.clocks()) {
    if (c.kind() == av1::CLOCK_KIND_HOLD) hold_due = FromTimestamp(c.due_time());
  }
  ASSERT_TRUE(hold_due.has_value()) << request.DebugString();
  EXPECT_GT(*hold_due, absl::Now() + absl::Hours(24));
  EXPECT_LT(*hold_due, absl::Now() + absl::Hours(24 * 35));  // 5 working days, a holiday at most between

  // The office offers the teacher's first free time; it falls inside the promise.
  std::optional<absl::Time> slot = FreeSlot(f.teacher);
  ASSERT_TRUE(slot.has_value());
  ASSERT_LT(*slot, *hold_due) << "the teacher has no free time inside the promise";
  av1::OfferTimesRequest offer;
  offer.set_name(request.name());
  av1::TimeRange* t = offer.add_times();
  *t->mutable_start_time() = ToTimestamp(*slot);
  *t->mutable_end_time() = ToTimestamp(*slot + absl::Minutes(30));
  offer.set_request_id(NewUuid());
  s = CallAs(*stub, Office(), &av1::AppointmentsService::Stub::OfferTimes, offer, &request);
  ASSERT_TRUE(s.ok()) << s.error_message();
  EXPECT_EQ(request.state(), av1::MEETING_REQUEST_STATE_OFFERED);

  av1::AcceptTimeRequest accept;
  accept.set_name(request.name());
  *accept.mutable_time() = *t;
  accept.set_request_id(NewUuid());
  s = CallAs(*stub, Guardian(f.guardian), &av1::AppointmentsService::Stub::AcceptTime, accept, &request);
  ASSERT_TRUE(s.ok()) << s.error_message();
  EXPECT_EQ(request.state(), av1::MEETING_REQUEST_STATE_BOOKED);
  ASSERT_FALSE(request.booking().empty());

  av1::GetBookingRequest get;
  get.set_name(request.booking());
  av1::Booking booking;
  s = CallAs(*stub, Office(), &av1::AppointmentsService::Stub::GetBooking, get, &booking);
  ASSERT_TRUE(s.ok()) << s.error_message();
  EXPECT_EQ(booking.state(), av1::BOOKING_STATE_CONFIRMED);
  EXPECT_LE(FromTimestamp(booking.time().start_time()), *hold_due);
  EXPECT_TRUE(MailArrives(f.email, "appointments.booking_confirmed"))
      << "no confirmation reached " << f.email << " at the catcher";
}

TEST_F(AppointmentsFlowsE2eTest, AFlaggedParentsMeetingWaitsForASecondStaffMemberAndTheHeadIsTold) {
  const Family& f = suite->families[1];
  RecordIncident(f.guardian);
  std::optional<absl::Time> slot = FreeSlot(f.teacher, 2);
  ASSERT_TRUE(slot.has_value());
  av1::Booking booking;
  std::string reason;
  grpc::Status s = Book(f, av1::MEETING_MODE_IN_PERSON, *slot, &booking, &reason);
  ASSERT_TRUE(s.ok()) << reason << ": " << s.error_message();
  // Asked to confirm, but a second member of staff is missing: held, and the gate's decision kept.
  EXPECT_EQ(booking.state(), av1::BOOKING_STATE_HELD) << booking.DebugString();
  EXPECT_FALSE(booking.waiting_for().empty());
  ASSERT_EQ(booking.gate_size(), 1);
  const std::string outcomes = absl::StrJoin(booking.gate(0).outcomes(), ",");
  EXPECT_TRUE(absl::StrContains(outcomes, "SECOND_STAFF")) << outcomes;
  EXPECT_TRUE(absl::StrContains(outcomes, "HEAD_INFORMED")) << outcomes;
  // The head is told before the meeting, in the booking's own transaction.
  EXPECT_EQ(CountInAppointments(absl::StrCat("SELECT count(*) FROM outbox WHERE notice->>'template' = "
                                             "'appointments.head_informed' AND subject = 'bookings/",
                                             Id(booking.name()), "'")),
            1);

  av1::AddAttendeeRequest add;
  add.set_name(booking.name());
  add.set_staff(suite->deputy);
  add.set_request_id(NewUuid());
  auto stub = Appointments();
  s = CallAs(*stub, Office(), &av1::AppointmentsService::Stub::AddAttendee, add, &booking);
  ASSERT_TRUE(s.ok()) << s.error_message();
  EXPECT_EQ(booking.state(), av1::BOOKING_STATE_CONFIRMED);
  EXPECT_TRUE(booking.waiting_for().empty());
}

TEST_F(AppointmentsFlowsE2eTest, ABannedParentIsOfferedPhoneOrVideoOnly) {
  const Family& f = suite->families[2];
  cv1::CreatePremisesBanRequest ban;
  ban.set_parent(absl::StrCat("schools/", kSchool));
  ban.mutable_premises_ban()->set_guardian(f.guardian);
  ban.mutable_premises_ban()->set_scope(cv1::PREMISES_BAN_SCOPE_SITE);
  ban.mutable_premises_ban()->set_reason("Threatening behaviour at the gate.");
  *ban.mutable_premises_ban()->mutable_start_time() = ToTimestamp(absl::Now() - absl::Hours(1));
  ban.set_request_id(NewUuid());
  cv1::PremisesBan banned;
  auto conduct = Conduct();
  grpc::Status s = CallAs(*conduct, Leader(), &cv1::ConductService::Stub::CreatePremisesBan, ban, &banned);
  ASSERT_TRUE(s.ok()) << s.error_message();

  std::optional<absl::Time> slot = FreeSlot(f.teacher, 4);
  ASSERT_TRUE(slot.has_value());
  av1::Booking booking;
  std::string reason;
  s = Book(f, av1::MEETING_MODE_IN_PERSON, *slot, &booking, &reason);
  EXPECT_EQ(s.error_code(), grpc::StatusCode::FAILED_PRECONDITION) << s.error_message();
  EXPECT_EQ(reason, "OFF_SITE_ONLY");
  EXPECT_EQ(CountInAppointments(
                absl::StrCat("SELECT count(*) FROM bookings WHERE '", Id(f.guardian), "' = ANY(guardian_ids)")),
            0);
  s = Book(f, av1::MEETING_MODE_PHONE, *slot, &booking, &reason);
  ASSERT_TRUE(s.ok()) << reason << ": " << s.error_message();
  EXPECT_EQ(booking.mode(), av1::MEETING_MODE_PHONE);
  EXPECT_EQ(booking.state(), av1::BOOKING_STATE_CONFIRMED);
}

TEST_F(AppointmentsFlowsE2eTest, SeparatedParentsBookOncePerHouseholdOrOneEachAsTheFamilyChooses) {
  // A pupil with two guardians, each of whom books as themselves.
  const Family* family = nullptr;
  for (const Family& f : suite->families) {
    if (f.other_guardians.size() == 1) {
      family = &f;
      break;
    }
  }
  ASSERT_NE(family, nullptr) << "the demo trust has no Kenilworth pupil with two guardians";
  const std::string second = family->other_guardians[0];
  auto stub = Appointments();

  // Next Tuesday (or later) 16:00-18:00 UTC, booking open from a minute ago, one per household.
  absl::CivilDay day = absl::ToCivilDay(absl::Now(), absl::UTCTimeZone()) + 7;
  while (absl::GetWeekday(day) != absl::Weekday::tuesday) day = day + 1;
  const absl::Time start =
      absl::FromCivil(absl::CivilMinute(day.year(), day.month(), day.day(), 16, 0), absl::UTCTimeZone());
  av1::CreateParentsEveningRequest create;
  create.set_parent(absl::StrCat("schools/", kSchool));
  av1::ParentsEvening* e = create.mutable_parents_evening();
  e->set_display_name("Autumn parents' evening");
  *e->mutable_time()->mutable_start_time() = ToTimestamp(start);
  *e->mutable_time()->mutable_end_time() = ToTimestamp(start + absl::Hours(2));
  *e->mutable_slot_length() = google::protobuf::util::TimeUtil::SecondsToDuration(10 * 60);
  av1::EveningTeacher* teacher = e->add_teachers();
  teacher->set_staff(family->teacher);
  *teacher->mutable_window() = e->time();
  *e->mutable_booking_open_time() = ToTimestamp(absl::Now() - absl::Minutes(1));
  e->set_household_rule(av1::HOUSEHOLD_RULE_ONE_PER_HOUSEHOLD);
  create.set_request_id(NewUuid());
  av1::ParentsEvening evening;
  grpc::Status s = CallAs(*stub, Office(), &av1::AppointmentsService::Stub::CreateParentsEvening, create, &evening);
  ASSERT_TRUE(s.ok()) << s.error_message();

  auto hold = [&](const std::string& guardian, int slot_index, std::string* reason) {
    av1::HoldEveningSlotsRequest req;
    req.set_parent(evening.name());
    req.set_guardian(guardian);
    av1::SlotChoice* c = req.add_slots();
    c->set_pupil(family->pupil);
    c->set_staff(family->teacher);
    *c->mutable_time()->mutable_start_time() = ToTimestamp(start + absl::Minutes(10 * slot_index));
    *c->mutable_time()->mutable_end_time() = ToTimestamp(start + absl::Minutes(10 * slot_index + 10));
    req.set_request_id(NewUuid());
    av1::HoldEveningSlotsResponse resp;
    grpc::Status held =
        CallAs(*stub, Guardian(guardian), &av1::AppointmentsService::Stub::HoldEveningSlots, req, &resp, reason);
    if (!held.ok()) return held;
    av1::ConfirmBookingsRequest confirm;
    confirm.set_parent(absl::StrCat("schools/", kSchool));
    for (const av1::Booking& b : resp.bookings()) confirm.add_bookings(b.name());
    confirm.set_request_id(NewUuid());
    av1::ConfirmBookingsResponse confirmed;
    return CallAs(*stub, Guardian(guardian), &av1::AppointmentsService::Stub::ConfirmBookings, confirm, &confirmed,
                  reason);
  };
  std::string reason;
  s = hold(family->guardian, 0, &reason);
  ASSERT_TRUE(s.ok()) << reason << ": " << s.error_message();
  s = hold(second, 1, &reason);
  EXPECT_EQ(s.error_code(), grpc::StatusCode::FAILED_PRECONDITION) << s.error_message();
  EXPECT_EQ(reason, "HOUSEHOLD_BOOKED");

  // The family chooses one meeting each: the second parent books their own.
  av1::SetHouseholdChoiceRequest choose;
  choose.set_parent(evening.name());
  choose.mutable_choice()->set_pupil(family->pupil);
  choose.mutable_choice()->set_rule(av1::HOUSEHOLD_RULE_ONE_EACH);
  choose.set_request_id(NewUuid());
  av1::HouseholdChoice chosen;
  s = CallAs(*stub, Guardian(second), &av1::AppointmentsService::Stub::SetHouseholdChoice, choose, &chosen);
  ASSERT_TRUE(s.ok()) << s.error_message();
  s = hold(second, 1, &reason);
  ASSERT_TRUE(s.ok()) << reason << ": " << s.error_message();
  // Two confirmed meetings with the teacher for the one pupil, and no one booked twice.
  EXPECT_EQ(CountInAppointments(absl::StrCat("SELECT count(*) FROM bookings WHERE evening_id = '", Id(evening.name()),
                                             "' AND state = 'confirmed'")),
            2);
}

}  // namespace
}  // namespace parley::e2e
