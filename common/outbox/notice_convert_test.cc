#include "common/outbox/notice_convert.h"

#include <string>

#include "absl/time/civil_time.h"
#include "absl/time/time.h"
#include "common/grpc/timestamp.h"
#include "common/request/request_key.h"
#include "common/status/reason.h"
#include "common/status/reasons.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "services/conduct/domain/review.h"

namespace parley::outbox {
namespace {

namespace nv1 = parley::notifications::v1;

absl::Time Utc(int y, int mo, int d, int h, int mi) {
  return absl::FromCivil(absl::CivilMinute(y, mo, d, h, mi), absl::UTCTimeZone());
}

Row RowOf(std::string key, std::string notice) {
  Row row;
  row.id = 7;
  row.key = std::move(key);
  row.notice = std::move(notice);
  row.not_before = Utc(2025, 10, 24, 15, 10);
  return row;
}

// Copied from a row escalation wrote (EnquiryService::ToChange, which is private): a breach notice
// to the class teacher. nlohmann::json writes object keys sorted.
constexpr char kEscalationStaffNotice[] =
    R"({"category":"escalation","enquiry":"schools/st-marys/enquiries/e-1","not_before":"2025-10-27T08:45:00Z",)"
    R"("pupils":["schools/st-marys/pupils/p-00001"],"priority":"important",)"
    R"("recipients":{"guardians":[],"staff":["schools/st-marys/staff/t-1"]},"school":"schools/st-marys",)"
    R"("template":"escalation.acknowledge_breach",)"
    R"("variables":{"category":"send","enquiry":"schools/st-marys/enquiries/e-1"}})";

// The acknowledgement to the parent of a safeguarding enquiry, as ToChange writes it.
constexpr char kEscalationGuardianNotice[] =
    R"({"category":"escalation","enquiry":"schools/st-marys/enquiries/e-2","not_before":"2025-10-24T15:10:00Z",)"
    R"("pupils":["schools/st-marys/pupils/p-00001"],"priority":"emergency",)"
    R"("recipients":{"guardians":["guardians/g-1"],"staff":[]},"school":"schools/st-marys",)"
    R"("template":"escalation.acknowledgement","variables":{"category":"safeguarding",)"
    R"("enquiry":"schools/st-marys/enquiries/e-2"}})";

// A conduct letter as ConductService's LetterNotice (file-local) writes it: numbers, booleans,
// arrays and empty strings among the variables.
constexpr char kConductLetter[] =
    R"({"category":"conduct_letter","letter":"schools/kenilworth/letters/l00000000abcd",)"
    R"("not_before":"2025-11-03T10:00:00Z","pupils":["schools/kenilworth/pupils/p-1","schools/kenilworth/pupils/p-2"],)"
    R"("priority":"important","recipients":{"guardians":["guardians/g-9"],"staff":[]},)"
    R"("school":"schools/kenilworth","template":"conduct.arrangement_issued",)"
    R"("variables":{"allowed_channels":["email","letter"],"allowed_windows":["Monday 09:00-10:00","Thursday 14:00-15:00"],)"
    R"("arrangement":"schools/kenilworth/arrangements/a00000000beef","end_time":"","head_informed":true,)"
    R"("off_site_only":false,"point_of_contact":"schools/kenilworth/staff/h-1","reasons":"raised voice",)"
    R"("review_date":"2026-01-15","second_staff_required":true,"start_time":"2025-11-03T10:00:00Z","version":2}})";

TEST(NoticeToRequests, EscalationStaffNotice) {
  const Row row = RowOf("escalation/e-1/3/2/schools/st-marys/staff/t-1", kEscalationStaffNotice);
  absl::StatusOr<std::vector<nv1::CreateNoticeRequest>> reqs = NoticeToRequests(row);
  ASSERT_TRUE(reqs.ok()) << reqs.status();
  ASSERT_EQ(reqs->size(), 1u);
  const nv1::CreateNoticeRequest& r = (*reqs)[0];
  EXPECT_EQ(r.parent(), "schools/st-marys");
  EXPECT_EQ(r.request_id(), request::DerivedRequestId(row.key));
  EXPECT_TRUE(request::ValidateRequestId(r.request_id()).ok());
  const nv1::Notice& n = r.notice();
  EXPECT_EQ(n.category(), nv1::CATEGORY_ESCALATION);
  EXPECT_EQ(n.priority(), nv1::PRIORITY_IMPORTANT);
  EXPECT_EQ(n.audience().kind(), nv1::AUDIENCE_KIND_STAFF);
  ASSERT_EQ(n.audience().staff_size(), 1);
  EXPECT_EQ(n.audience().staff(0), "schools/st-marys/staff/t-1");
  EXPECT_EQ(n.audience().guardians_size(), 0);
  EXPECT_EQ(n.audience().pupils_size(), 0);  // the pupil travels with a guardian audience only
  EXPECT_EQ(n.template_(), "escalation.acknowledge_breach");
  EXPECT_EQ(n.variables().size(), 2u);
  EXPECT_EQ(n.variables().at("category"), "send");
  EXPECT_EQ(n.variables().at("enquiry"), "schools/st-marys/enquiries/e-1");
  EXPECT_EQ(FromTimestamp(n.not_before()), Utc(2025, 10, 27, 8, 45));  // the notice's, not the column's
  EXPECT_EQ(n.source(), "schools/st-marys/enquiries/e-1");
  EXPECT_FALSE(n.has_send_time());
  EXPECT_TRUE(n.content().empty());
}

TEST(NoticeToRequests, EscalationGuardianNoticeCarriesPupilsAndPriority) {
  const Row row = RowOf("escalation/e-2/1/6/guardians/g-1", kEscalationGuardianNotice);
  absl::StatusOr<std::vector<nv1::CreateNoticeRequest>> reqs = NoticeToRequests(row);
  ASSERT_TRUE(reqs.ok()) << reqs.status();
  ASSERT_EQ(reqs->size(), 1u);
  const nv1::Notice& n = (*reqs)[0].notice();
  EXPECT_EQ(n.priority(), nv1::PRIORITY_EMERGENCY);
  EXPECT_EQ(n.audience().kind(), nv1::AUDIENCE_KIND_GUARDIANS);
  ASSERT_EQ(n.audience().guardians_size(), 1);
  EXPECT_EQ(n.audience().guardians(0), "guardians/g-1");
  ASSERT_EQ(n.audience().pupils_size(), 1);
  EXPECT_EQ(n.audience().pupils(0), "schools/st-marys/pupils/p-00001");
  EXPECT_EQ(n.template_(), "escalation.acknowledgement");
  EXPECT_EQ((*reqs)[0].request_id(), request::DerivedRequestId(row.key));
}

TEST(NoticeToRequests, ConductLetterVariablesAsText) {
  const Row row = RowOf("conduct/letter/kenilworth/l00000000abcd", kConductLetter);
  absl::StatusOr<std::vector<nv1::CreateNoticeRequest>> reqs = NoticeToRequests(row);
  ASSERT_TRUE(reqs.ok()) << reqs.status();
  ASSERT_EQ(reqs->size(), 1u);
  const nv1::Notice& n = (*reqs)[0].notice();
  EXPECT_EQ((*reqs)[0].parent(), "schools/kenilworth");
  EXPECT_EQ(n.category(), nv1::CATEGORY_CONDUCT_LETTER);
  EXPECT_EQ(n.priority(), nv1::PRIORITY_IMPORTANT);
  EXPECT_EQ(n.audience().kind(), nv1::AUDIENCE_KIND_GUARDIANS);
  EXPECT_EQ(n.audience().pupils_size(), 2);
  EXPECT_EQ(n.template_(), "conduct.arrangement_issued");
  EXPECT_EQ(n.source(), "schools/kenilworth/letters/l00000000abcd");  // the letter, before the arrangement
  const auto& v = n.variables();
  EXPECT_EQ(v.size(), 12u);
  EXPECT_EQ(v.at("version"), "2");
  EXPECT_EQ(v.at("head_informed"), "yes");
  EXPECT_EQ(v.at("off_site_only"), "no");
  EXPECT_EQ(v.at("allowed_channels"), "email, letter");
  EXPECT_EQ(v.at("allowed_windows"), "Monday 09:00-10:00, Thursday 14:00-15:00");
  EXPECT_EQ(v.at("end_time"), "");
  EXPECT_EQ(v.at("reasons"), "raised voice");
  EXPECT_EQ(v.at("review_date"), "2026-01-15");
  EXPECT_EQ(FromTimestamp(n.not_before()), Utc(2025, 11, 3, 10, 0));
}

// The review reminder is built by conduct's own (public) function.
TEST(NoticeToRequests, ConductReviewReminderFromConductsOwnFunction) {
  conduct::ReviewTimerKey key{"kenilworth", "a1", 3, absl::CivilDay(2026, 1, 15)};
  const absl::Time send_at = Utc(2026, 1, 15, 8, 45);
  conduct::OutboxNotice notice =
      conduct::ReviewReminder(key, "guardians/g-9", "schools/kenilworth/staff/head", send_at);
  Row row = RowOf(notice.key, notice.notice_json);
  row.not_before = notice.not_before;
  absl::StatusOr<std::vector<nv1::CreateNoticeRequest>> reqs = NoticeToRequests(row);
  ASSERT_TRUE(reqs.ok()) << reqs.status();
  ASSERT_EQ(reqs->size(), 1u);
  const nv1::CreateNoticeRequest& r = (*reqs)[0];
  EXPECT_EQ(r.parent(), "schools/kenilworth");
  EXPECT_EQ(r.request_id(), request::DerivedRequestId("conduct/review/kenilworth/a1/2026-01-15"));
  EXPECT_EQ(r.notice().category(), nv1::CATEGORY_CONDUCT_LETTER);
  EXPECT_EQ(r.notice().audience().kind(), nv1::AUDIENCE_KIND_STAFF);
  ASSERT_EQ(r.notice().audience().staff_size(), 1);
  EXPECT_EQ(r.notice().audience().staff(0), "schools/kenilworth/staff/head");
  EXPECT_EQ(r.notice().template_(), "conduct.arrangement_review_due");
  EXPECT_EQ(r.notice().variables().at("guardian"), "guardians/g-9");
  EXPECT_EQ(r.notice().variables().at("review_date"), "2026-01-15");
  EXPECT_EQ(r.notice().source(), "schools/kenilworth/arrangements/a1");  // no enquiry, no letter
  EXPECT_EQ(FromTimestamp(r.notice().not_before()), send_at);
}

TEST(NoticeToRequests, GuardiansAndStaffMakeTwoRequestsWithDerivedIds) {
  const Row row = RowOf("k/1", R"({"category":"escalation","priority":"routine","school":"schools/s",
      "recipients":{"guardians":["guardians/g"],"staff":["schools/s/staff/t"]},"pupils":["schools/s/pupils/p"],
      "template":"t","variables":{}})");
  absl::StatusOr<std::vector<nv1::CreateNoticeRequest>> reqs = NoticeToRequests(row);
  ASSERT_TRUE(reqs.ok()) << reqs.status();
  ASSERT_EQ(reqs->size(), 2u);
  EXPECT_EQ((*reqs)[0].notice().audience().kind(), nv1::AUDIENCE_KIND_GUARDIANS);
  EXPECT_EQ((*reqs)[0].request_id(), request::DerivedRequestId("k/1#guardians"));
  EXPECT_EQ((*reqs)[0].notice().audience().pupils_size(), 1);
  EXPECT_EQ((*reqs)[1].notice().audience().kind(), nv1::AUDIENCE_KIND_STAFF);
  EXPECT_EQ((*reqs)[1].request_id(), request::DerivedRequestId("k/1#staff"));
  EXPECT_EQ((*reqs)[1].notice().audience().pupils_size(), 0);
  EXPECT_NE((*reqs)[0].request_id(), (*reqs)[1].request_id());
  EXPECT_EQ((*reqs)[0].notice().priority(), nv1::PRIORITY_ROUTINE);
  // Without a not_before in the notice, the row's column.
  EXPECT_EQ(FromTimestamp((*reqs)[1].notice().not_before()), row.not_before);
}

TEST(NoticeToRequests, VariableValues) {
  const Row row = RowOf("k/2", R"({"category":"escalation","priority":"important","school":"schools/s",
      "recipients":{"staff":["schools/s/staff/t"]},"template":"t",
      "variables":{"s":"text","i":-3,"u":18446744073709551615,"f":1.5,"t":true,"n":null,"a":[1,"x",false,null]}})");
  absl::StatusOr<std::vector<nv1::CreateNoticeRequest>> reqs = NoticeToRequests(row);
  ASSERT_TRUE(reqs.ok()) << reqs.status();
  const auto& v = (*reqs)[0].notice().variables();
  EXPECT_EQ(v.at("s"), "text");
  EXPECT_EQ(v.at("i"), "-3");
  EXPECT_EQ(v.at("u"), "18446744073709551615");
  EXPECT_EQ(v.at("f"), "1.5");
  EXPECT_EQ(v.at("t"), "yes");
  EXPECT_EQ(v.at("n"), "");
  EXPECT_EQ(v.at("a"), "1, x, no, ");
  EXPECT_EQ((*reqs)[0].notice().source(), "");
}

TEST(NoticeToRequests, AnExternalContactIsNamedUnderItsSchool) {
  const Row row = RowOf("escalation/e-1/1/2/external:county-lado", R"({"category":"escalation",
      "priority":"emergency","school":"schools/kenilworth",
      "recipients":{"staff":["schools/kenilworth/staff/dsl","external:county-lado"]},"template":"t"})");
  absl::StatusOr<std::vector<nv1::CreateNoticeRequest>> reqs = NoticeToRequests(row);
  ASSERT_TRUE(reqs.ok()) << reqs.status();
  ASSERT_EQ(reqs->size(), 1u);
  EXPECT_THAT(
      (*reqs)[0].notice().audience().staff(),
      ::testing::ElementsAre("schools/kenilworth/staff/dsl", "schools/kenilworth/externalContacts/county-lado"));
}

TEST(NoticeToRequests, SameRowSameRequests) {
  const Row row = RowOf("conduct/letter/kenilworth/l00000000abcd", kConductLetter);
  absl::StatusOr<std::vector<nv1::CreateNoticeRequest>> a = NoticeToRequests(row);
  absl::StatusOr<std::vector<nv1::CreateNoticeRequest>> b = NoticeToRequests(row);
  ASSERT_TRUE(a.ok() && b.ok());
  // The receiver fingerprints the request: a resend must be the same message.
  EXPECT_EQ((*a)[0].DebugString(), (*b)[0].DebugString());
}

TEST(NoticeToRequests, BadNoticesAreInvalidArgumentNamingTheField) {
  struct Case {
    const char* notice;
    const char* field;
  };
  const Case cases[] = {
      {"not json", "notice"},
      {R"(["an array"])", "notice"},
      {R"({"category":"newsletter","priority":"routine","school":"schools/s","recipients":{"staff":["x"]},"template":"t"})",
       "category"},
      {R"({"priority":"routine","school":"schools/s","recipients":{"staff":["x"]},"template":"t"})", "category"},
      {R"({"category":"escalation","priority":"urgent","school":"schools/s","recipients":{"staff":["x"]},"template":"t"})",
       "priority"},
      {R"({"category":"escalation","priority":"routine","school":"s","recipients":{"staff":["x"]},"template":"t"})",
       "school"},
      {R"({"category":"escalation","priority":"routine","school":"schools/s","recipients":{"staff":["x"]}})",
       "template"},
      {R"({"category":"escalation","priority":"routine","school":"schools/s","template":"t"})", "recipients"},
      {R"({"category":"escalation","priority":"routine","school":"schools/s","recipients":{"staff":[],"guardians":[]},"template":"t"})",
       "recipients"},
      {R"({"category":"escalation","priority":"routine","school":"schools/s","recipients":{"staff":[1]},"template":"t"})",
       "recipients.staff"},
      {R"({"category":"escalation","priority":"routine","school":"schools/s","recipients":{"staff":["x"]},"template":"t","variables":{"o":{"a":1}}})",
       "variables.o"},
      {R"({"category":"escalation","priority":"routine","school":"schools/s","recipients":{"staff":["x"]},"template":"t","variables":{"o":[[1]]}})",
       "variables.o"},
      {R"({"category":"escalation","priority":"routine","school":"schools/s","recipients":{"staff":["x"]},"template":"t","not_before":"tomorrow"})",
       "not_before"},
  };
  for (const Case& c : cases) {
    absl::StatusOr<std::vector<nv1::CreateNoticeRequest>> reqs = NoticeToRequests(RowOf("k", c.notice));
    ASSERT_FALSE(reqs.ok()) << c.notice;
    EXPECT_EQ(reqs.status().code(), absl::StatusCode::kInvalidArgument) << c.notice;
    EXPECT_EQ(ErrorReason(reqs.status()), reason::kInvalidField) << c.notice;
    EXPECT_NE(reqs.status().message().find(c.field), absl::string_view::npos) << reqs.status();
  }
}

}  // namespace
}  // namespace parley::outbox
