// The parents'-evening rush end to end: 1,000 guardians of one school (the demo trust grown by
// 1,000 families) book one evening of 10 teachers × 30 slots through parley-appointments' gRPC API,
// all released at the instant booking opens. Contacts (the directory), conduct (the gate, asked for
// every slot) and appointments are the built binaries on their own databases.
//
// What must hold: no one is ever booked twice for the same time (counted in SQL over every occupant:
// teacher, guardian), every booker who did not get a slot got ABORTED (SLOT_TAKEN) and then a place
// on the teacher's waiting list, no other error reached anyone, every confirmation acknowledged is
// in the database, and no teacher has a free slot while someone waits for them.
#include <algorithm>
#include <cstdio>
#include <fstream>
#include <map>
#include <memory>
#include <set>
#include <sstream>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "absl/time/time.h"
#include "common/grpc/timestamp.h"
#include "common/testing/test_database.h"
#include "google/protobuf/util/time_util.h"
#include "gtest/gtest.h"
#include "parley/appointments/v1/appointments_service.grpc.pb.h"
#include "pqxx/pqxx"
#include "tests/e2e/e2e_support.h"
#include "tests/e2e/evening_rush.h"
#include "tests/e2e/trust_under_test.h"

namespace parley::e2e {
namespace {

namespace av1 = ::parley::appointments::v1;

constexpr char kSchool[] = "kenilworth";
constexpr int kBookers = 1000;
constexpr int kTeachers = 10;
constexpr int kSlotsPerTeacher = 30;
constexpr int kSlotMinutes = 10;

struct Suite {
  RushTrust rush;
  std::unique_ptr<TrustUnderTest> trust;
};
std::unique_ptr<Suite> suite;

class AppointmentsRushE2eTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    if (!parley::testing::TestDatabase::Configured()) return;
    suite = std::make_unique<Suite>();
    suite->rush = GrowTrust(ReadAll(PARLEY_DEMO_TRUST_JSON), kSchool, kBookers, kTeachers);
    ASSERT_EQ(suite->rush.families.size(), static_cast<size_t>(kBookers));
    TrustOptions options("apptrush", WriteTemp("rush-trust.json", suite->rush.trust_json), PARLEY_CONTACTS_BINARY,
                         PARLEY_CONDUCT_BINARY);
    options.appointments_binary = PARLEY_APPOINTMENTS_BINARY;
    suite->trust = TrustUnderTest::StartForSuite(options);
    ready_ = suite->trust != nullptr && !::testing::Test::HasFailure();
  }
  static void TearDownTestSuite() { suite.reset(); }
  void SetUp() override { PARLEY_REQUIRE_SUITE_READY(ready_); }

  static std::string Office() {
    return suite->trust->Mint({"office"}, {kSchool}, "schools/kenilworth/staff/office-e2e", absl::Minutes(30));
  }

  static int64_t Count(const std::string& sql) {
    pqxx::connection db(suite->trust->Dsn(Service::kAppointments));
    pqxx::read_transaction txn(db);
    return txn.exec1(sql)[0].as<int64_t>();
  }

  static inline bool ready_ = false;
};

TEST_F(AppointmentsRushE2eTest, AThousandBookersAtTheInstantTheWindowOpensNeverDoubleBook) {
  auto stub = av1::AppointmentsService::NewStub(suite->trust->Channel(Service::kAppointments));
  // Next week's Tuesday, 15:30-20:30 UTC: 30 ten-minute slots for each of the 10 teachers. Booking
  // opens a few seconds from now, once every booker is waiting for it.
  absl::CivilDay day = absl::ToCivilDay(absl::Now(), absl::UTCTimeZone()) + 7;
  while (absl::GetWeekday(day) != absl::Weekday::tuesday) day = day + 1;
  const absl::Time start =
      absl::FromCivil(absl::CivilMinute(day.year(), day.month(), day.day(), 15, 30), absl::UTCTimeZone());
  const absl::Time end = start + absl::Minutes(kSlotsPerTeacher * kSlotMinutes);
  const absl::Time opens_at = absl::Now() + absl::Seconds(20);
  av1::CreateParentsEveningRequest create;
  create.set_parent(absl::StrCat("schools/", kSchool));
  av1::ParentsEvening* e = create.mutable_parents_evening();
  e->set_display_name("Spring term parents' evening");
  *e->mutable_time()->mutable_start_time() = ToTimestamp(start);
  *e->mutable_time()->mutable_end_time() = ToTimestamp(end);
  *e->mutable_slot_length() = google::protobuf::util::TimeUtil::SecondsToDuration(kSlotMinutes * 60);
  for (const std::string& staff : suite->rush.teachers) {
    av1::EveningTeacher* t = e->add_teachers();
    t->set_staff(staff);
    *t->mutable_window() = e->time();
  }
  *e->mutable_booking_open_time() = ToTimestamp(opens_at);
  create.set_request_id(NewUuid());
  av1::ParentsEvening evening;
  grpc::Status s = CallAs(*stub, Office(), &av1::AppointmentsService::Stub::CreateParentsEvening, create, &evening);
  ASSERT_TRUE(s.ok()) << s.error_message();
  ASSERT_EQ(evening.slots_offered(), kTeachers * kSlotsPerTeacher);

  RushOptions options;
  options.evening = evening.name();
  options.school = absl::StrCat("schools/", kSchool);
  options.opens_at = opens_at;
  options.token_for = [](const std::string& guardian) {
    return suite->trust->Mint({"guardian"}, {kSchool}, guardian, absl::Minutes(30));
  };
  ASSERT_LT(absl::Now(), opens_at) << "setting up took longer than the wait for the window";
  const std::vector<BookerResult> results =
      RunRush(suite->trust->Channel(Service::kAppointments), options, suite->rush.families);
  ASSERT_EQ(results.size(), static_cast<size_t>(kBookers));

  // Every booker ended with a booking or a place in line, having lost only with ABORTED SLOT_TAKEN.
  int confirmed = 0, waiting = 0, lost = 0, overloaded = 0;
  std::set<std::string> bookings;
  std::map<std::string, std::set<int>> positions;  // per teacher
  for (size_t i = 0; i < results.size(); ++i) {
    const BookerResult& r = results[i];
    const RushFamily& f = suite->rush.families[i];
    lost += r.slots_lost;
    overloaded += r.overloaded;
    switch (r.end) {
      case BookerResult::End::kConfirmed:
        ++confirmed;
        EXPECT_TRUE(bookings.insert(r.booking).second) << "two bookers were given " << r.booking;
        break;
      case BookerResult::End::kWaitingList:
        ++waiting;
        EXPECT_GE(r.slots_lost, 1) << f.guardian << " joined the waiting list without losing a slot";
        EXPECT_TRUE(positions[f.teacher].insert(r.waiting_position).second)
            << f.teacher << "'s waiting list has position " << r.waiting_position << " twice";
        break;
      case BookerResult::End::kAborted:
      case BookerResult::End::kError:
        ADD_FAILURE() << f.guardian << " ended without a booking or a place in line: " << r.error << " (code "
                      << r.last_code << ", reason " << r.last_reason << ")";
        break;
    }
  }
  std::printf(
      "rush: %d confirmed, %d on waiting lists, %d slots lost, %d calls turned away as overloaded and sent "
      "again\n",
      confirmed, waiting, lost, overloaded);
  EXPECT_EQ(confirmed + waiting, kBookers);
  // More bookers than slots for every teacher: every slot is taken, the rest wait in line 1..n.
  EXPECT_EQ(confirmed, kTeachers * kSlotsPerTeacher);
  EXPECT_GE(lost, waiting);
  for (const auto& [teacher, places] : positions) {
    ASSERT_FALSE(places.empty());
    EXPECT_EQ(*places.begin(), 1) << teacher;
    EXPECT_EQ(*places.rbegin(), static_cast<int>(places.size())) << teacher << "'s waiting list has gaps";
  }

  // What the database holds: every acknowledged confirmation, and no occupant twice at any moment.
  const std::string evening_id = evening.name().substr(evening.name().rfind('/') + 1);
  EXPECT_EQ(Count(absl::StrCat("SELECT count(*) FROM bookings WHERE evening_id = '", evening_id,
                               "' AND state = 'confirmed'")),
            confirmed);
  EXPECT_EQ(Count("SELECT count(*) FROM occupancy a JOIN occupancy b ON a.school_id = b.school_id AND "
                  "a.occupant_kind = b.occupant_kind AND a.occupant_id = b.occupant_id AND a.during && b.during "
                  "AND a.booking_id < b.booking_id WHERE a.active AND b.active"),
            0);
  EXPECT_EQ(Count(absl::StrCat("SELECT count(*) FROM (SELECT 1 FROM bookings WHERE evening_id = '", evening_id,
                               "' AND state = 'confirmed' GROUP BY staff_ids, starts_at HAVING count(*) > 1) twice")),
            0);
  EXPECT_EQ(Count(absl::StrCat("SELECT count(*) FROM waiting_list WHERE evening_id = '", evening_id, "'")), waiting);

  // And the service says the same: the evening is full.
  av1::GetParentsEveningRequest get;
  get.set_name(evening.name());
  av1::ParentsEvening after;
  s = CallAs(*stub, Office(), &av1::AppointmentsService::Stub::GetParentsEvening, get, &after);
  ASSERT_TRUE(s.ok()) << s.error_message();
  EXPECT_EQ(after.slots_booked(), kTeachers * kSlotsPerTeacher);
}

}  // namespace
}  // namespace parley::e2e
