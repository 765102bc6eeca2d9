// The appointments notice JSON is what the outbox relay can send: converted by the relay's own
// code, a notice to two guardians who live apart and a notice to staff come out with the meeting
// category, the right audiences and the subject as the source.
#include "services/appointments/store/outbox_writer.h"

#include <vector>

#include "absl/time/time.h"
#include "common/outbox/notice_convert.h"
#include "gtest/gtest.h"

namespace parley::appointments {
namespace {

namespace nv1 = parley::notifications::v1;

absl::StatusOr<std::vector<nv1::CreateNoticeRequest>> Convert(const Notice& n) {
  outbox::Row row;
  row.id = 1;
  row.key = n.key;
  row.kind = n.kind;
  row.school_id = n.school_id;
  row.notice = NoticeJson(n);
  row.not_before = n.not_before;
  return outbox::NoticeToRequests(row);
}

TEST(OutboxWriterTest, AConfirmationToGuardiansIsAMeetingNoticeAboutTheBooking) {
  Notice n;
  n.key = "bookings/b-1/confirmed";
  n.kind = "booking_confirmed";
  n.school_id = "kenilworth";
  n.subject = "bookings/b-1";
  n.template_key = "appointments.booking_confirmed";
  n.guardian_ids = {"g-1", "g-2"};
  n.pupil_ids = {"p-7"};
  n.variables = {{"start", "Tuesday 11 November, 16:00"}, {"teacher", "Mrs Hart"}};
  n.not_before = absl::FromUnixSeconds(1762790400);
  absl::StatusOr<std::vector<nv1::CreateNoticeRequest>> reqs = Convert(n);
  ASSERT_TRUE(reqs.ok()) << reqs.status();
  ASSERT_EQ(reqs->size(), 1u);
  const nv1::Notice& out = (*reqs)[0].notice();
  EXPECT_EQ((*reqs)[0].parent(), "schools/kenilworth");
  EXPECT_EQ(out.category(), nv1::CATEGORY_MEETING);
  EXPECT_EQ(out.priority(), nv1::PRIORITY_ROUTINE);
  EXPECT_EQ(out.audience().kind(), nv1::AUDIENCE_KIND_GUARDIANS);
  ASSERT_EQ(out.audience().guardians_size(), 2);
  EXPECT_EQ(out.audience().guardians(1), "guardians/g-2");
  ASSERT_EQ(out.audience().pupils_size(), 1);
  EXPECT_EQ(out.audience().pupils(0), "schools/kenilworth/pupils/p-7");
  EXPECT_EQ(out.template_(), "appointments.booking_confirmed");
  EXPECT_EQ(out.variables().at("teacher"), "Mrs Hart");
  EXPECT_EQ(out.source(), "schools/kenilworth/bookings/b-1");
}

TEST(OutboxWriterTest, ABreachNoticeGoesToStaffAsImportant) {
  Notice n;
  n.key = "meetingRequests/r-1/answer_breach";
  n.kind = "answer_breach";
  n.school_id = "riverside-academy";
  n.subject = "meetingRequests/r-1";
  n.template_key = "appointments.answer_breach";
  n.priority = "important";
  n.staff_ids = {"t-1", "hoy-7"};
  n.not_before = absl::FromUnixSeconds(1762790400);
  absl::StatusOr<std::vector<nv1::CreateNoticeRequest>> reqs = Convert(n);
  ASSERT_TRUE(reqs.ok()) << reqs.status();
  ASSERT_EQ(reqs->size(), 1u);
  const nv1::Notice& out = (*reqs)[0].notice();
  EXPECT_EQ(out.audience().kind(), nv1::AUDIENCE_KIND_STAFF);
  ASSERT_EQ(out.audience().staff_size(), 2);
  EXPECT_EQ(out.audience().staff(0), "schools/riverside-academy/staff/t-1");
  EXPECT_EQ(out.priority(), nv1::PRIORITY_IMPORTANT);
  EXPECT_EQ(out.not_before().seconds(), 1762790400);
}

}  // namespace
}  // namespace parley::appointments
