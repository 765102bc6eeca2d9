// The parents' evening RPCs of AppointmentsApi over the real evening use cases on the in-memory
// fakes, through an in-process channel: every RPC's code and `parley-error-reason` trailer without
// a token and from another school (before existence); what a guardian reaches (evenings of their
// schools; holds, waiting and choices for themselves and their children only; their own timetable)
// and a teacher (their own timetable); the window opening at its instant; a lost race ABORTED /
// SLOT_TAKEN; bad input refused with nothing written.
#include <memory>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "common/calendar/testing/school_calendars.h"
#include "common/clock/clock.h"
#include "common/grpc/timestamp.h"
#include "common/status/reasons.h"
#include "gtest/gtest.h"
#include "services/appointments/api/appointments_api.h"
#include "services/appointments/domain/evening_service.h"
#include "services/appointments/testing/api_harness.h"
#include "services/appointments/testing/api_sweeps.h"
#include "services/appointments/testing/in_memory_booking_store.h"
#include "services/appointments/testing/in_memory_evening_store.h"

namespace parley::appointments {
namespace {

using calendar::testdata::LondonTime;

constexpr char kSchool[] = "st-marys";
// Wednesday 12 November 2025, 16:00-19:00; booking opens on Monday 3 November at 18:00.
absl::Time Pm(int h, int m = 0) { return testing::EveningAt(h, m); }
const absl::Time kOpens = testing::EveningBookingOpens();

using Outcome = testing::ApiOutcome;
using testing::Range;

class EveningApiTest : public ::testing::Test {
 protected:
  void SetUp() override {
    for (const char* staff : {"maths", "english", "office-1"}) directory_.AddStaff(kSchool, staff);
    directory_.AddStaff("riverside", "t-river");
    directory_.Link("ann", kSchool, "p1");
    directory_.Link("ben", kSchool, "p1");
    directory_.Link("cat", kSchool, "p2");
    settings_.settings.hold_length = absl::Minutes(2);
    service_ = std::make_unique<EveningService>(&evenings_, &bookings_, &directory_, &gate_, &settings_, &h_.clock());
    Services services;
    services.evenings = service_.get();
    h_.Start(services);
    office_ = h_.Token("schools/st-marys/staff/office-1", {"office"}, {kSchool});
    other_office_ = h_.Token("schools/riverside/staff/office-9", {"office"}, {"riverside"});
    ann_ = h_.Token("guardians/ann", {"guardian"}, {kSchool});
    cat_ = h_.Token("guardians/cat", {"guardian"}, {kSchool});
    maths_ = h_.Token("schools/st-marys/staff/maths", {"teacher"}, {kSchool});
  }

  void TearDown() override { h_.Stop(); }

  v1::CreateParentsEveningRequest CreateRequest(const std::string& teacher = "schools/st-marys/staff/maths") {
    return testing::SampleEvening(h_, teacher);
  }
  v1::HoldEveningSlotsRequest HoldRequest(const std::string& evening, const std::string& guardian,
                                          const std::string& pupil, absl::Time start) {
    return testing::SampleHold(h_, evening, guardian, pupil, start);
  }

  v1::ParentsEvening Create() {
    v1::ParentsEvening out;
    Outcome o = h_.Call(&v1::AppointmentsService::Stub::CreateParentsEvening, CreateRequest(), office_, &out);
    EXPECT_EQ(o.code, grpc::StatusCode::OK) << o;
    return out;
  }

  testing::ApiHarness h_{kOpens - absl::Hours(1)};
  SimulatedClock& clock_ = h_.clock();
  testing::InMemoryEveningStore evenings_;
  testing::InMemoryBookingStore bookings_;
  testing::FakeEveningDirectory directory_;
  testing::FakeEveningGate gate_;
  testing::FakeEveningSettings settings_;
  std::unique_ptr<EveningService> service_;
  std::string office_, other_office_, ann_, cat_, maths_;
};

TEST_F(EveningApiTest, EveryRpcNeedsATokenAndRefusesAnotherSchoolBeforeLookingAnythingUp) {
  const testing::TenancySweep rpcs = testing::EveningRpcs(h_);
  for (const auto& [method, call] : rpcs) {
    const Outcome none = call("");
    EXPECT_EQ(none.code, grpc::StatusCode::UNAUTHENTICATED) << method << ": " << none;
    const Outcome other = call(other_office_);
    EXPECT_EQ(other.code, grpc::StatusCode::PERMISSION_DENIED) << method << ": " << other;
    EXPECT_EQ(other.reason, reason::kWrongSchool) << method << ": " << other;
    // The same school's office: served (the evening is missing, or the call is fine).
    const Outcome own = call(office_);
    EXPECT_NE(own.code, grpc::StatusCode::UNIMPLEMENTED) << method << ": " << own;
    EXPECT_NE(own.code, grpc::StatusCode::PERMISSION_DENIED) << method << ": " << own;
  }
  EXPECT_TRUE(evenings_.List(kSchool, "", 10)->size() == 1);  // only the office's create wrote
}

TEST_F(EveningApiTest, TheOfficeRunsEveningsAndBadInputWritesNothing) {
  using S = v1::AppointmentsService::Stub;
  Outcome o = h_.Call(&S::CreateParentsEvening, CreateRequest("schools/st-marys/staff/t-river"), office_);
  EXPECT_EQ(o.code, grpc::StatusCode::NOT_FOUND) << o;
  EXPECT_EQ(o.reason, reason::kStaffNotFound);
  o = h_.Call(&S::CreateParentsEvening, CreateRequest("schools/riverside/staff/t-river"), office_);
  EXPECT_EQ(o.reason, reason::kCrossSchoolReference) << o;
  v1::CreateParentsEveningRequest backwards = CreateRequest();
  *backwards.mutable_parents_evening()->mutable_time() = Range(Pm(19), Pm(16));
  o = h_.Call(&S::CreateParentsEvening, backwards, office_);
  EXPECT_EQ(o.code, grpc::StatusCode::INVALID_ARGUMENT) << o;
  o = h_.Call(&S::CreateParentsEvening, CreateRequest(), ann_);
  EXPECT_EQ(o.code, grpc::StatusCode::PERMISSION_DENIED) << o;
  EXPECT_TRUE(evenings_.List(kSchool, "", 10)->empty());

  const v1::ParentsEvening e = Create();
  EXPECT_EQ(e.state(), v1::EVENING_STATE_SCHEDULED);
  EXPECT_EQ(e.slots_offered(), 24);
  EXPECT_EQ(e.slots_booked(), 0);
  EXPECT_EQ(e.household_rule(), v1::HOUSEHOLD_RULE_ONE_PER_HOUSEHOLD);
  v1::ParentsEvening got;
  v1::GetParentsEveningRequest get;
  get.set_name(e.name());
  ASSERT_EQ(h_.Call(&S::GetParentsEvening, get, ann_, &got).code, grpc::StatusCode::OK);
  EXPECT_EQ(got.display_name(), "Year 7 parents' evening");
  v1::ListParentsEveningsRequest list;
  list.set_parent("schools/st-marys");
  list.set_page_size(1);
  v1::ListParentsEveningsResponse page;
  ASSERT_EQ(h_.Call(&S::ListParentsEvenings, list, maths_, &page).code, grpc::StatusCode::OK);
  ASSERT_EQ(page.parents_evenings_size(), 1);

  v1::CancelParentsEveningRequest cancel;
  cancel.set_name(e.name());
  cancel.set_reason("snow");
  cancel.set_request_id(h_.RequestId());
  o = h_.Call(&S::CancelParentsEvening, cancel, ann_);
  EXPECT_EQ(o.code, grpc::StatusCode::PERMISSION_DENIED) << o;
  v1::ParentsEvening cancelled;
  ASSERT_EQ(h_.Call(&S::CancelParentsEvening, cancel, office_, &cancelled).code, grpc::StatusCode::OK);
  EXPECT_EQ(cancelled.state(), v1::EVENING_STATE_CANCELLED);
}

TEST_F(EveningApiTest, GuardiansHoldForThemselvesWhenTheWindowOpensAndALostRaceIsAborted) {
  using S = v1::AppointmentsService::Stub;
  const v1::ParentsEvening e = Create();
  Outcome o = h_.Call(&S::HoldEveningSlots, HoldRequest(e.name(), "ann", "p1", Pm(16)), ann_);
  EXPECT_EQ(o.code, grpc::StatusCode::FAILED_PRECONDITION) << o;
  EXPECT_EQ(o.reason, reason::kWindowNotOpen);
  clock_.Set(kOpens);
  o = h_.Call(&S::HoldEveningSlots, HoldRequest(e.name(), "cat", "p2", Pm(16)), ann_);
  EXPECT_EQ(o.code, grpc::StatusCode::PERMISSION_DENIED) << o;
  EXPECT_EQ(o.reason, reason::kWrongGuardian);
  o = h_.Call(&S::HoldEveningSlots, HoldRequest(e.name(), "ann", "p2", Pm(16)), ann_);
  EXPECT_EQ(o.code, grpc::StatusCode::NOT_FOUND) << o;  // Cat's child
  o = h_.Call(&S::HoldEveningSlots, HoldRequest(e.name(), "ann", "p1", Pm(16, 5)), ann_);
  EXPECT_EQ(o.reason, reason::kInvalidSlot) << o;
  o = h_.Call(&S::HoldEveningSlots, HoldRequest(e.name(), "ann", "p1", Pm(16)), maths_);
  EXPECT_EQ(o.code, grpc::StatusCode::PERMISSION_DENIED) << o;  // a teacher books nobody
  EXPECT_EQ(bookings_.hold_or_book_calls(), 0);

  v1::HoldEveningSlotsResponse held;
  o = h_.Call(&S::HoldEveningSlots, HoldRequest(e.name(), "ann", "p1", Pm(16)), ann_, &held);
  ASSERT_EQ(o.code, grpc::StatusCode::OK) << o;
  ASSERT_EQ(held.bookings_size(), 1);
  EXPECT_EQ(held.bookings(0).state(), v1::BOOKING_STATE_HELD);
  EXPECT_EQ(FromTimestamp(held.bookings(0).hold_expire_time()), kOpens + absl::Minutes(2));
  o = h_.Call(&S::HoldEveningSlots, HoldRequest(e.name(), "cat", "p2", Pm(16)), cat_);
  EXPECT_EQ(o.code, grpc::StatusCode::ABORTED) << o;
  EXPECT_EQ(o.reason, reason::kSlotTaken);

  v1::ListEveningSlotsRequest slots;
  slots.set_parent(e.name());
  slots.set_staff("schools/st-marys/staff/maths");
  v1::ListEveningSlotsResponse listed;
  ASSERT_EQ(h_.Call(&S::ListEveningSlots, slots, cat_, &listed).code, grpc::StatusCode::OK);
  ASSERT_EQ(listed.slots_size(), 12);
  EXPECT_FALSE(listed.slots(0).free());
  EXPECT_TRUE(listed.slots(1).free());

  // Timetables: a guardian their own, a teacher theirs, the office anyone's.
  v1::GetTimetableRequest mine;
  mine.set_parent(e.name());
  mine.set_guardian("guardians/ann");
  v1::Timetable table;
  ASSERT_EQ(h_.Call(&S::GetTimetable, mine, ann_, &table).code, grpc::StatusCode::OK);
  EXPECT_EQ(table.bookings_size(), 1);
  o = h_.Call(&S::GetTimetable, mine, cat_);
  EXPECT_EQ(o.reason, reason::kWrongGuardian) << o;
  v1::GetTimetableRequest teacher;
  teacher.set_parent(e.name());
  teacher.set_staff("schools/st-marys/staff/maths");
  ASSERT_EQ(h_.Call(&S::GetTimetable, teacher, maths_, &table).code, grpc::StatusCode::OK);
  EXPECT_EQ(table.bookings_size(), 1);
  o = h_.Call(&S::GetTimetable, teacher, ann_);
  EXPECT_EQ(o.code, grpc::StatusCode::PERMISSION_DENIED) << o;
  teacher.set_staff("schools/st-marys/staff/english");
  o = h_.Call(&S::GetTimetable, teacher, maths_);
  EXPECT_EQ(o.code, grpc::StatusCode::PERMISSION_DENIED) << o;
  ASSERT_EQ(h_.Call(&S::GetTimetable, teacher, office_, &table).code, grpc::StatusCode::OK);
  EXPECT_EQ(table.bookings_size(), 0);
}

TEST_F(EveningApiTest, ScheduleWaitingListAndHouseholdChoice) {
  using S = v1::AppointmentsService::Stub;
  const v1::ParentsEvening e = Create();
  clock_.Set(kOpens);
  v1::ProposeEveningScheduleRequest propose;
  propose.set_parent(e.name());
  propose.set_guardian("guardians/cat");
  *propose.mutable_available() = Range(Pm(17), Pm(18));
  for (const char* t : {"maths", "english"}) {
    v1::SlotChoice* c = propose.add_teachers();
    c->set_pupil("schools/st-marys/pupils/p2");
    c->set_staff(absl::StrCat("schools/st-marys/staff/", t));
    *c->mutable_time() = propose.available();
  }
  propose.set_request_id(h_.RequestId());
  v1::HoldEveningSlotsResponse proposed;
  Outcome o = h_.Call(&S::ProposeEveningSchedule, propose, cat_, &proposed);
  ASSERT_EQ(o.code, grpc::StatusCode::OK) << o;
  ASSERT_EQ(proposed.bookings_size(), 2);
  EXPECT_EQ(FromTimestamp(proposed.bookings(0).time().start_time()), Pm(17));
  EXPECT_EQ(FromTimestamp(proposed.bookings(1).time().end_time()), Pm(17, 20));

  v1::JoinWaitingListRequest join;
  join.set_parent(e.name());
  join.mutable_entry()->set_guardian("guardians/ann");
  join.mutable_entry()->set_pupil("schools/st-marys/pupils/p1");
  join.mutable_entry()->set_staff("schools/st-marys/staff/maths");
  join.set_request_id(h_.RequestId());
  v1::WaitingListEntry entry;
  ASSERT_EQ(h_.Call(&S::JoinWaitingList, join, ann_, &entry).code, grpc::StatusCode::OK);
  EXPECT_EQ(entry.position(), 1);
  v1::ListWaitingListRequest list;
  list.set_parent(e.name());
  v1::ListWaitingListResponse line;
  ASSERT_EQ(h_.Call(&S::ListWaitingList, list, cat_, &line).code, grpc::StatusCode::OK);
  EXPECT_EQ(line.entries_size(), 0);  // not Cat's
  ASSERT_EQ(h_.Call(&S::ListWaitingList, list, office_, &line).code, grpc::StatusCode::OK);
  EXPECT_EQ(line.entries_size(), 1);
  v1::LeaveWaitingListRequest leave;
  leave.set_name(entry.name());
  leave.set_request_id(h_.RequestId());
  o = h_.Call(&S::LeaveWaitingList, leave, cat_);
  EXPECT_EQ(o.reason, reason::kWaitingEntryNotFound) << o;
  EXPECT_EQ(h_.Call(&S::LeaveWaitingList, leave, ann_).code, grpc::StatusCode::OK);

  v1::SetHouseholdChoiceRequest choose;
  choose.set_parent(e.name());
  choose.mutable_choice()->set_pupil("schools/st-marys/pupils/p1");
  choose.mutable_choice()->set_rule(v1::HOUSEHOLD_RULE_ONE_EACH);
  choose.set_request_id(h_.RequestId());
  v1::HouseholdChoice chosen;
  ASSERT_EQ(h_.Call(&S::SetHouseholdChoice, choose, ann_, &chosen).code, grpc::StatusCode::OK);
  EXPECT_EQ(chosen.chosen_by(), "guardians/ann");
  EXPECT_EQ(chosen.rule(), v1::HOUSEHOLD_RULE_ONE_EACH);
  choose.set_request_id(h_.RequestId());
  o = h_.Call(&S::SetHouseholdChoice, choose, cat_);
  EXPECT_EQ(o.code, grpc::StatusCode::NOT_FOUND) << o;  // not Cat's child
}

}  // namespace
}  // namespace parley::appointments
