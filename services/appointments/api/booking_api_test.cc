// The bookings RPCs of AppointmentsApi over the real bookings use cases on the in-memory store and
// scripted peers, through an in-process channel: every RPC's code and `parley-error-reason` trailer
// without a token and from another school (before existence); what a guardian and a teacher reach
// (their own bookings; another's answered as missing); the conduct gate's refusals and the second
// staff member's flow; a lost race ABORTED / SLOT_TAKEN; pages walked with their tokens; replays;
// bad input refused with nothing written.
#include <memory>
#include <string>
#include <vector>

#include "common/calendar/testing/school_calendars.h"
#include "common/clock/clock.h"
#include "common/grpc/timestamp.h"
#include "common/status/reasons.h"
#include "gtest/gtest.h"
#include "services/appointments/api/appointments_api.h"
#include "services/appointments/domain/booking_service.h"
#include "services/appointments/testing/api_harness.h"
#include "services/appointments/testing/api_sweeps.h"
#include "services/appointments/testing/booking_fakes.h"
#include "services/appointments/testing/in_memory_booking_store.h"

namespace parley::appointments {
namespace {

using calendar::testdata::LondonTime;

constexpr char kSchool[] = "woodgrange";

using Outcome = testing::ApiOutcome;

class BookingApiTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto cal = calendar::testdata::MustBuild(calendar::testdata::England2025To26());
    for (const char* staff : {"t-ahmed", "t-brown", "head-dunn"}) directory_.AddStaff(kSchool, staff, cal);
    directory_.AddStaff("riverside", "t-river", cal);
    directory_.SetHead(kSchool, "head-dunn");
    directory_.Link("g-anna", GuardianLink{kSchool, "p-amy", false});
    directory_.Link("g-cara", GuardianLink{kSchool, "p-cal", false});
    settings_.AddInterpreter(Interpreter{"i-pl", kSchool, "Interpreter One", {"pl"}, "1"});
    service_ = std::make_unique<BookingService>(&store_, &directory_, &gate_, &settings_, &h_.clock());
    service_->SetRequestOutcomes(&outcomes_);
    Services services;
    services.bookings = service_.get();
    h_.Start(services);
    office_ = h_.Token("schools/woodgrange/staff/office-1", {"office"}, {kSchool});
    other_office_ = h_.Token("schools/riverside/staff/office-9", {"office"}, {"riverside"});
    anna_ = h_.Token("guardians/g-anna", {"guardian"}, {kSchool});
    cara_ = h_.Token("guardians/g-cara", {"guardian"}, {kSchool});
    ahmed_ = h_.Token("schools/woodgrange/staff/t-ahmed", {"teacher"}, {kSchool});
    brown_ = h_.Token("schools/woodgrange/staff/t-brown", {"teacher"}, {kSchool});
  }

  void TearDown() override { h_.Stop(); }

  v1::CreateBookingRequest CreateRequest(int hour = 10, const std::string& guardian = "g-anna",
                                         const std::string& pupil = "p-amy") {
    return testing::SampleBooking(h_, hour, guardian, pupil);
  }

  v1::Booking Create(int hour = 10, const std::string& guardian = "g-anna", const std::string& pupil = "p-amy") {
    v1::Booking out;
    Outcome o =
        h_.Call(&v1::AppointmentsService::Stub::CreateBooking, CreateRequest(hour, guardian, pupil), office_, &out);
    EXPECT_EQ(o.code, grpc::StatusCode::OK) << o;
    return out;
  }

  testing::ApiHarness h_{LondonTime(2025, 12, 1, 9, 0)};
  SimulatedClock& clock_ = h_.clock();
  testing::InMemoryBookingStore store_;
  testing::FakeDirectory directory_{calendar::testdata::London()};
  testing::FakeGate gate_;
  testing::FakeSettings settings_;
  testing::FakeRequestOutcomes outcomes_;
  std::unique_ptr<BookingService> service_;
  std::string office_, other_office_, anna_, cara_, ahmed_, brown_;
};

TEST_F(BookingApiTest, EveryRpcNeedsATokenAndRefusesAnotherSchoolBeforeLookingAnythingUp) {
  const testing::TenancySweep rpcs = testing::BookingRpcs(h_);
  for (const auto& [method, call] : rpcs) {
    Outcome none = call("");
    EXPECT_EQ(none.code, grpc::StatusCode::UNAUTHENTICATED) << method << ": " << none;
    Outcome other = call(other_office_);
    EXPECT_EQ(other.code, grpc::StatusCode::PERMISSION_DENIED) << method << ": " << other;
    EXPECT_EQ(other.reason, reason::kWrongSchool) << method << ": " << other;
  }
  EXPECT_EQ(store_.writes(), 0);
  EXPECT_EQ(gate_.calls(), 0);
}

TEST_F(BookingApiTest, OfficeBooksAndReadsWithTheGateRecorded) {
  v1::Booking b = Create();
  EXPECT_EQ(b.state(), v1::BOOKING_STATE_CONFIRMED);
  EXPECT_EQ(b.kind(), v1::BOOKING_KIND_MEETING);
  ASSERT_EQ(b.gate_size(), 1);
  EXPECT_EQ(b.gate(0).guardian(), "guardians/g-anna");
  EXPECT_EQ(b.gate(0).outcomes(0), "ALLOW");
  v1::GetBookingRequest get;
  get.set_name(b.name());
  v1::Booking got;
  ASSERT_EQ(h_.Call(&v1::AppointmentsService::Stub::GetBooking, get, office_, &got).code, grpc::StatusCode::OK);
  EXPECT_EQ(got.name(), b.name());
  EXPECT_EQ(got.staff(0).staff(), "schools/woodgrange/staff/t-ahmed");
}

TEST_F(BookingApiTest, GuardiansAndTeachersReachTheirOwnBookingsOnly) {
  v1::Booking anna = Create(10);
  v1::CreateBookingRequest brown = CreateRequest(11, "g-cara", "p-cal");
  brown.mutable_booking()->mutable_staff(0)->set_staff("schools/woodgrange/staff/t-brown");
  v1::Booking cara;
  ASSERT_EQ(h_.Call(&v1::AppointmentsService::Stub::CreateBooking, brown, office_, &cara).code, grpc::StatusCode::OK);

  v1::GetBookingRequest get;
  get.set_name(anna.name());
  v1::Booking seen;
  ASSERT_EQ(h_.Call(&v1::AppointmentsService::Stub::GetBooking, get, anna_, &seen).code, grpc::StatusCode::OK);
  EXPECT_EQ(seen.gate_size(), 0);  // the gate's decisions about a guardian are the school's
  Outcome not_theirs = h_.Call(&v1::AppointmentsService::Stub::GetBooking, get, cara_);
  EXPECT_EQ(not_theirs.code, grpc::StatusCode::NOT_FOUND) << not_theirs;
  EXPECT_EQ(not_theirs.reason, reason::kBookingNotFound);
  EXPECT_EQ(h_.Call(&v1::AppointmentsService::Stub::GetBooking, get, ahmed_).code, grpc::StatusCode::OK);
  EXPECT_EQ(h_.Call(&v1::AppointmentsService::Stub::GetBooking, get, brown_).code, grpc::StatusCode::NOT_FOUND);

  v1::ListBookingsRequest list;
  list.set_parent("schools/woodgrange");
  *list.mutable_window()->mutable_start_time() = ToTimestamp(LondonTime(2025, 12, 2, 0));
  *list.mutable_window()->mutable_end_time() = ToTimestamp(LondonTime(2025, 12, 3, 0));
  v1::ListBookingsResponse mine;
  ASSERT_EQ(h_.Call(&v1::AppointmentsService::Stub::ListBookings, list, cara_, &mine).code, grpc::StatusCode::OK);
  ASSERT_EQ(mine.bookings_size(), 1);
  EXPECT_EQ(mine.bookings(0).name(), cara.name());
  v1::ListBookingsResponse all;
  ASSERT_EQ(h_.Call(&v1::AppointmentsService::Stub::ListBookings, list, office_, &all).code, grpc::StatusCode::OK);
  EXPECT_EQ(all.bookings_size(), 2);

  // Guardians book through requests and evenings; a teacher books only what they attend.
  Outcome guardian_books = h_.Call(&v1::AppointmentsService::Stub::CreateBooking, CreateRequest(12), anna_);
  EXPECT_EQ(guardian_books.code, grpc::StatusCode::PERMISSION_DENIED) << guardian_books;
  EXPECT_EQ(guardian_books.reason, reason::kRoleRequired);
  Outcome for_another = h_.Call(&v1::AppointmentsService::Stub::CreateBooking, CreateRequest(12), brown_);
  EXPECT_EQ(for_another.code, grpc::StatusCode::PERMISSION_DENIED) << for_another;
  // A guardian cancels their own.
  v1::CancelBookingRequest cancel;
  cancel.set_name(anna.name());
  cancel.set_reason("away");
  cancel.set_request_id(h_.RequestId());
  EXPECT_EQ(h_.Call(&v1::AppointmentsService::Stub::CancelBooking, cancel, cara_).code, grpc::StatusCode::NOT_FOUND);
  v1::Booking cancelled;
  ASSERT_EQ(h_.Call(&v1::AppointmentsService::Stub::CancelBooking, cancel, anna_, &cancelled).code,
            grpc::StatusCode::OK);
  EXPECT_EQ(cancelled.state(), v1::BOOKING_STATE_CANCELLED);
}

TEST_F(BookingApiTest, ALostRaceIsAbortedSlotTaken) {
  Create(10);
  v1::CreateBookingRequest same_teacher = CreateRequest(10, "g-cara", "p-cal");
  Outcome lost = h_.Call(&v1::AppointmentsService::Stub::CreateBooking, same_teacher, office_);
  EXPECT_EQ(lost.code, grpc::StatusCode::ABORTED) << lost;
  EXPECT_EQ(lost.reason, reason::kSlotTaken);
}

TEST_F(BookingApiTest, TheGatesRefusalsReachTheAppWithTheirReasons) {
  MeetingGate off_site;
  off_site.off_site_only = true;
  gate_.Answer("g-anna", off_site);
  Outcome o = h_.Call(&v1::AppointmentsService::Stub::CreateBooking, CreateRequest(), office_);
  EXPECT_EQ(o.code, grpc::StatusCode::FAILED_PRECONDITION) << o;
  EXPECT_EQ(o.reason, reason::kOffSiteOnly);
  MeetingGate redirect;
  redirect.outcome = MeetingGate::Outcome::kRedirect;
  redirect.point_of_contact = "the deputy head";
  gate_.Answer("g-anna", redirect);
  o = h_.Call(&v1::AppointmentsService::Stub::CreateBooking, CreateRequest(), office_);
  EXPECT_EQ(o.code, grpc::StatusCode::FAILED_PRECONDITION) << o;
  EXPECT_EQ(o.reason, reason::kMeetingRedirected);
  EXPECT_EQ(store_.writes(), 0);
}

TEST_F(BookingApiTest, ASecondStaffMemberConfirmsTheHeldMeeting) {
  MeetingGate flagged;
  flagged.requires_second_staff = true;
  flagged.head_informed = true;
  gate_.Answer("g-anna", flagged);
  v1::Booking held = Create();
  EXPECT_EQ(held.state(), v1::BOOKING_STATE_HELD);
  ASSERT_EQ(held.waiting_for_size(), 1);
  EXPECT_EQ(held.waiting_for(0), "a second member of staff must attend");

  v1::ConfirmBookingsRequest confirm;
  confirm.set_parent("schools/woodgrange");
  confirm.add_bookings(held.name());
  confirm.set_request_id(h_.RequestId());
  Outcome incomplete = h_.Call(&v1::AppointmentsService::Stub::ConfirmBookings, confirm, office_);
  EXPECT_EQ(incomplete.code, grpc::StatusCode::FAILED_PRECONDITION) << incomplete;
  EXPECT_EQ(incomplete.reason, reason::kBookingIncomplete);

  v1::AddAttendeeRequest add;
  add.set_name(held.name());
  add.set_request_id(h_.RequestId());
  Outcome neither = h_.Call(&v1::AppointmentsService::Stub::AddAttendee, add, office_);
  EXPECT_EQ(neither.code, grpc::StatusCode::INVALID_ARGUMENT) << neither;
  add.set_staff("schools/riverside/staff/t-river");
  Outcome other_school = h_.Call(&v1::AppointmentsService::Stub::AddAttendee, add, office_);
  EXPECT_EQ(other_school.code, grpc::StatusCode::INVALID_ARGUMENT) << other_school;
  EXPECT_EQ(other_school.reason, reason::kCrossSchoolReference);
  add.set_staff("schools/woodgrange/staff/t-brown");
  add.set_etag(held.etag());
  v1::Booking confirmed;
  Outcome added = h_.Call(&v1::AppointmentsService::Stub::AddAttendee, add, office_, &confirmed);
  ASSERT_EQ(added.code, grpc::StatusCode::OK) << added;
  EXPECT_EQ(confirmed.state(), v1::BOOKING_STATE_CONFIRMED);
  EXPECT_EQ(confirmed.staff_size(), 2);
  EXPECT_EQ(confirmed.waiting_for_size(), 0);
  int head_told = 0;
  for (const Notice& n : store_.outbox()) head_told += n.kind == "head_informed";
  EXPECT_EQ(head_told, 1);
}

TEST_F(BookingApiTest, InterpretersOutcomesAndCancellation) {
  v1::CreateBookingRequest interpreted = CreateRequest();
  interpreted.mutable_booking()->mutable_interpreter()->set_language("pl");
  v1::Booking held;
  ASSERT_EQ(h_.Call(&v1::AppointmentsService::Stub::CreateBooking, interpreted, office_, &held).code,
            grpc::StatusCode::OK);
  EXPECT_EQ(held.state(), v1::BOOKING_STATE_HELD);
  v1::AssignInterpreterRequest assign;
  assign.set_name(held.name());
  assign.set_interpreter("schools/woodgrange/interpreters/i-pl");
  assign.set_request_id(h_.RequestId());
  v1::Booking with;
  ASSERT_EQ(h_.Call(&v1::AppointmentsService::Stub::AssignInterpreter, assign, office_, &with).code,
            grpc::StatusCode::OK);
  EXPECT_EQ(with.state(), v1::BOOKING_STATE_CONFIRMED);
  EXPECT_EQ(with.interpreter().interpreter(), "schools/woodgrange/interpreters/i-pl");

  v1::RecordOutcomeRequest outcome;
  outcome.set_name(with.name());
  outcome.set_outcome(v1::BOOKING_STATE_ATTENDED);
  outcome.set_request_id(h_.RequestId());
  Outcome early = h_.Call(&v1::AppointmentsService::Stub::RecordOutcome, outcome, office_);
  EXPECT_EQ(early.code, grpc::StatusCode::FAILED_PRECONDITION) << early;
  EXPECT_EQ(early.reason, reason::kMeetingNotStarted);
  clock_.Set(LondonTime(2025, 12, 2, 11, 0));
  outcome.set_request_id(h_.RequestId());
  outcome.set_outcome(v1::BOOKING_STATE_CANCELLED);
  EXPECT_EQ(h_.Call(&v1::AppointmentsService::Stub::RecordOutcome, outcome, office_).reason, reason::kInvalidField);
  outcome.set_outcome(v1::BOOKING_STATE_ATTENDED);
  v1::Booking attended;
  ASSERT_EQ(h_.Call(&v1::AppointmentsService::Stub::RecordOutcome, outcome, ahmed_, &attended).code,
            grpc::StatusCode::OK);
  EXPECT_EQ(attended.state(), v1::BOOKING_STATE_ATTENDED);
  Outcome by_guardian = h_.Call(&v1::AppointmentsService::Stub::RecordOutcome, outcome, anna_);
  EXPECT_EQ(by_guardian.code, grpc::StatusCode::PERMISSION_DENIED) << by_guardian;
}

TEST_F(BookingApiTest, PagesAreWalkedWithTheirTokensAndReplaysAnswerTheSame) {
  for (int hour : {13, 9, 11, 10, 12}) Create(hour);
  v1::ListBookingsRequest list;
  list.set_parent("schools/woodgrange");
  list.set_page_size(2);
  *list.mutable_window()->mutable_start_time() = ToTimestamp(LondonTime(2025, 12, 2, 0));
  *list.mutable_window()->mutable_end_time() = ToTimestamp(LondonTime(2025, 12, 3, 0));
  std::vector<std::string> names;
  int pages = 0;
  for (;;) {
    v1::ListBookingsResponse page;
    Outcome o = h_.Call(&v1::AppointmentsService::Stub::ListBookings, list, office_, &page);
    ASSERT_EQ(o.code, grpc::StatusCode::OK) << o;
    ++pages;
    for (const v1::Booking& b : page.bookings()) names.push_back(b.name());
    if (page.next_page_token().empty()) break;
    list.set_page_token(page.next_page_token());
  }
  EXPECT_EQ(pages, 3);
  EXPECT_EQ(names.size(), 5u);
  list.set_page_token("not-a-token");
  EXPECT_EQ(h_.Call(&v1::AppointmentsService::Stub::ListBookings, list, office_).reason, reason::kInvalidPageToken);

  v1::CreateBookingRequest req = CreateRequest(15);
  v1::Booking first, again;
  ASSERT_EQ(h_.Call(&v1::AppointmentsService::Stub::CreateBooking, req, office_, &first).code, grpc::StatusCode::OK);
  ASSERT_EQ(h_.Call(&v1::AppointmentsService::Stub::CreateBooking, req, office_, &again).code, grpc::StatusCode::OK);
  EXPECT_EQ(first.name(), again.name());
}

TEST_F(BookingApiTest, BadInputIsRefusedWithNothingWritten) {
  v1::CreateBookingRequest backwards = CreateRequest();
  std::swap(*backwards.mutable_booking()->mutable_time()->mutable_start_time(),
            *backwards.mutable_booking()->mutable_time()->mutable_end_time());
  Outcome o = h_.Call(&v1::AppointmentsService::Stub::CreateBooking, backwards, office_);
  EXPECT_EQ(o.code, grpc::StatusCode::INVALID_ARGUMENT) << o;
  EXPECT_EQ(o.reason, reason::kInvalidSlot);
  v1::CreateBookingRequest other_teacher = CreateRequest();
  other_teacher.mutable_booking()->mutable_staff(0)->set_staff("schools/riverside/staff/t-river");
  o = h_.Call(&v1::AppointmentsService::Stub::CreateBooking, other_teacher, office_);
  EXPECT_EQ(o.code, grpc::StatusCode::INVALID_ARGUMENT) << o;
  EXPECT_EQ(o.reason, reason::kCrossSchoolReference);
  v1::CreateBookingRequest unknown_teacher = CreateRequest();
  unknown_teacher.mutable_booking()->mutable_staff(0)->set_staff("schools/woodgrange/staff/t-nobody");
  o = h_.Call(&v1::AppointmentsService::Stub::CreateBooking, unknown_teacher, office_);
  EXPECT_EQ(o.code, grpc::StatusCode::INVALID_ARGUMENT) << o;
  EXPECT_EQ(o.reason, reason::kUnknownStaff);
  v1::CreateBookingRequest no_mode = CreateRequest();
  no_mode.mutable_booking()->clear_mode();
  o = h_.Call(&v1::AppointmentsService::Stub::CreateBooking, no_mode, office_);
  EXPECT_EQ(o.code, grpc::StatusCode::INVALID_ARGUMENT) << o;
  v1::GetBookingRequest bad_name;
  bad_name.set_name("schools/woodgrange/enquiries/e-1");
  o = h_.Call(&v1::AppointmentsService::Stub::GetBooking, bad_name, office_);
  EXPECT_EQ(o.code, grpc::StatusCode::INVALID_ARGUMENT) << o;
  EXPECT_EQ(o.reason, reason::kInvalidName);
  EXPECT_EQ(store_.writes(), 0);
}

}  // namespace
}  // namespace parley::appointments
