// CheckNewBookings and OccupantsOf: what a write refuses before it reaches the database.
#include "services/appointments/domain/booking.h"

#include <vector>

#include "common/status/reason.h"
#include "common/status/reasons.h"
#include "gtest/gtest.h"

namespace parley::appointments {
namespace {

const absl::Time kNine = absl::FromUnixSeconds(1736154000);

Booking Slot(const std::string& id, int minute, const std::string& teacher, const std::string& guardian) {
  Booking b;
  b.id = id;
  b.school_id = "st-marys";
  b.kind = BookingKind::kEvening;
  b.during = Interval{kNine + absl::Minutes(minute), kNine + absl::Minutes(minute + 10)};
  b.staff_ids = {teacher};
  b.guardian_ids = {guardian};
  b.created_by = guardian;
  return b;
}

void ExpectInvalid(const std::vector<Booking>& bookings) {
  const absl::Status s = CheckNewBookings(bookings);
  EXPECT_EQ(s.code(), absl::StatusCode::kInvalidArgument) << s;
  EXPECT_EQ(ErrorReason(s), reason::kInvalidBooking) << s;
}

TEST(CheckNewBookings, AcceptsAnAdjacentSchedule) {
  EXPECT_TRUE(CheckNewBookings({Slot("b1", 0, "t1", "g1"), Slot("b2", 10, "t2", "g1")}).ok());
}

TEST(CheckNewBookings, RefusesAScheduleThatClashesWithItself) {
  ExpectInvalid({Slot("b1", 0, "t1", "g1"), Slot("b2", 5, "t2", "g1")});  // the guardian twice at once
  ExpectInvalid({Slot("b1", 0, "t1", "g1"), Slot("b2", 5, "t1", "g2")});  // the teacher twice at once
}

TEST(CheckNewBookings, RefusesIncompleteBookings) {
  ExpectInvalid({});
  Booking b = Slot("b1", 0, "t1", "g1");
  b.during.end = b.during.start;
  ExpectInvalid({b});
  b = Slot("b1", 0, "t1", "g1");
  b.staff_ids.clear();
  b.guardian_ids.clear();
  ExpectInvalid({b});
  b = Slot("b1", 0, "t1", "g1");
  b.interpreter = InterpreterBooking{"i1", ""};
  ExpectInvalid({b});
  b = Slot("b1", 0, "t1", "g1");
  b.staff_ids = {"t1", "t1"};
  ExpectInvalid({b});
  Booking other = Slot("b2", 30, "t1", "g1");
  other.school_id = "woodgrange";
  ExpectInvalid({Slot("b1", 0, "t1", "g1"), other});
  ExpectInvalid({Slot("b1", 0, "t1", "g1"), Slot("b1", 30, "t2", "g2")});
}

TEST(OccupantsOf, NamesEveryoneWhoseTimeIsTaken) {
  Booking b = Slot("b1", 0, "t1", "g1");
  b.interpreter = InterpreterBooking{"i1", "pl"};
  b.room = "hall";
  b.pupil_ids = {"p1"};
  const std::vector<Occupant> want = {{OccupantKind::kStaff, "t1"},
                                      {OccupantKind::kGuardian, "g1"},
                                      {OccupantKind::kInterpreter, "i1"},
                                      {OccupantKind::kRoom, "hall"}};
  EXPECT_EQ(OccupantsOf(b), want);
}

}  // namespace
}  // namespace parley::appointments
