// The records RPCs of AppointmentsApi over the real records use cases on the in-memory store,
// called through an in-process channel: tenancy on every RPC (no token, another school's token
// before existence), who reaches what (guardians no notes; a teacher the notes of meetings they
// attend and their own exceptions; legal holds senior leaders and the DSL; figures the school's
// office and leaders), bad input with its reason and nothing written, update masks and etags, and a
// replayed request id.
#include <memory>
#include <string>
#include <tuple>
#include <vector>

#include "common/calendar/testing/school_calendars.h"
#include "common/grpc/timestamp.h"
#include "common/version/version.h"
#include "gtest/gtest.h"
#include "services/appointments/api/appointments_api.h"
#include "services/appointments/domain/records_service.h"
#include "services/appointments/testing/api_harness.h"
#include "services/appointments/testing/api_sweeps.h"
#include "services/appointments/testing/in_memory_records_store.h"

namespace parley::appointments {
namespace {

using calendar::testdata::London;
using calendar::testdata::LondonTime;

constexpr char kSchool[] = "st-marys";

using Outcome = testing::ApiOutcome;

class RecordsApiTest : public ::testing::Test {
 protected:
  void SetUp() override {
    directory_.AddSchool(kSchool, London());
    directory_.AddStaff(kSchool, "t-okafor");
    directory_.AddStaff(kSchool, "t-patel");
    records_ = std::make_unique<RecordsService>(&store_, &directory_, &h_.clock());
    Services services;
    services.records = records_.get();
    h_.Start(services);

    office_ = h_.Token("schools/st-marys/staff/o-reception", {"office"}, {kSchool});
    senior_ = h_.Token("schools/st-marys/staff/s-head", {"senior_leader"}, {kSchool});
    okafor_ = h_.Token("schools/st-marys/staff/t-okafor", {"teacher"}, {kSchool});
    patel_ = h_.Token("schools/st-marys/staff/t-patel", {"teacher"}, {kSchool});
    guardian_ = h_.Token("guardians/g-1", {"guardian"}, {kSchool});
    // A senior leader elsewhere: every records rule reaches their own school.
    elsewhere_ = h_.Token("schools/kenilworth/staff/s-1", {"senior_leader"}, {"kenilworth"});

    store_.AddBooking(
        NoteSubject{kSchool, "b-1", LondonTime(2026, 11, 10, 15, 45), "confirmed", {"p-1"}, {"t-okafor"}});
  }

  void TearDown() override { h_.Stop(); }

  void SetSchedule() {
    v1::UpdateAppointmentSettingsRequest req;
    req.mutable_settings()->set_name("schools/st-marys/appointmentSettings");
    v1::RetentionRule* r = req.mutable_settings()->add_retention();
    r->set_record_type("parent_meeting");
    r->set_years(6);
    req.mutable_update_mask()->add_paths("retention");
    req.set_request_id(h_.RequestId());
    ASSERT_EQ(h_.Call(&v1::AppointmentsService::Stub::UpdateAppointmentSettings, req, office_).code,
              grpc::StatusCode::OK);
  }

  v1::CreateMeetingNoteRequest NoteRequest(const std::string& booking = "b-1") {
    return testing::SampleNote(h_, booking);
  }

  testing::ApiHarness h_{LondonTime(2026, 11, 10, 17, 0)};
  testing::InMemoryRecordsStore store_;
  testing::RecordsDirectory directory_;
  std::unique_ptr<RecordsService> records_;
  std::string office_, senior_, okafor_, patel_, guardian_, elsewhere_;
};

#define EXPECT_OUTCOME(outcome, want_code, want_reason) \
  do {                                                  \
    const Outcome o_ = (outcome);                       \
    EXPECT_EQ(o_.code, want_code) << o_;                \
    EXPECT_EQ(o_.reason, want_reason) << o_;            \
  } while (0)

using Stub = v1::AppointmentsService::Stub;

TEST_F(RecordsApiTest, EveryRecordsRpcRefusesNoTokenAndAnotherSchoolBeforeExistence) {
  for (const auto& [method, call] : testing::RecordsRpcs(h_)) {
    SCOPED_TRACE(method);
    EXPECT_EQ(call("").code, grpc::StatusCode::UNAUTHENTICATED);
    EXPECT_OUTCOME(call(elsewhere_), grpc::StatusCode::PERMISSION_DENIED, "WRONG_SCHOOL");
  }
  // Nothing was written by any of them.
  EXPECT_TRUE(store_.ListNotes(kSchool, "b-1")->empty());
  EXPECT_EQ(store_.Settings(kSchool)->etag, "0");
  EXPECT_TRUE(store_.ListInterpreters(kSchool, "")->empty());
  EXPECT_TRUE(
      store_.ListExceptions(kSchool, "t-okafor", absl::CivilDay(2026, 1, 1), absl::CivilDay(2026, 12, 31))->empty());
}

TEST_F(RecordsApiTest, NotesAreTheSchoolsStaffsOnly) {
  SetSchedule();
  v1::MeetingNote note;
  const v1::CreateMeetingNoteRequest create = NoteRequest();
  ASSERT_EQ(h_.Call(&Stub::CreateMeetingNote, create, okafor_, &note).code, grpc::StatusCode::OK);
  EXPECT_EQ(note.author(), "schools/st-marys/staff/t-okafor");
  EXPECT_TRUE(note.recording_not_permitted());
  EXPECT_EQ(FromTimestamp(note.retain_until()), LondonTime(2032, 11, 11, 0, 0));
  // A retry answers the same note.
  v1::MeetingNote again;
  ASSERT_EQ(h_.Call(&Stub::CreateMeetingNote, create, okafor_, &again).code, grpc::StatusCode::OK);
  EXPECT_EQ(again.name(), note.name());

  v1::GetMeetingNoteRequest get;
  get.set_name(note.name());
  EXPECT_EQ(h_.Call(&Stub::GetMeetingNote, get, office_).code, grpc::StatusCode::OK);
  EXPECT_EQ(h_.Call(&Stub::GetMeetingNote, get, okafor_).code, grpc::StatusCode::OK);
  // A guardian has no rule reaching notes; a teacher not at the meeting finds none.
  EXPECT_OUTCOME(h_.Call(&Stub::GetMeetingNote, get, guardian_), grpc::StatusCode::PERMISSION_DENIED, "ROLE_REQUIRED");
  EXPECT_OUTCOME(h_.Call(&Stub::GetMeetingNote, get, patel_), grpc::StatusCode::NOT_FOUND, "NOTE_NOT_FOUND");
  EXPECT_OUTCOME(h_.Call(&Stub::CreateMeetingNote, NoteRequest(), guardian_), grpc::StatusCode::PERMISSION_DENIED,
                 "ROLE_REQUIRED");
  EXPECT_OUTCOME(h_.Call(&Stub::CreateMeetingNote, NoteRequest(), patel_), grpc::StatusCode::NOT_FOUND,
                 "BOOKING_NOT_FOUND");
  v1::ListMeetingNotesRequest list;
  list.set_parent("schools/st-marys/bookings/b-1");
  v1::ListMeetingNotesResponse listed;
  ASSERT_EQ(h_.Call(&Stub::ListMeetingNotes, list, office_, &listed).code, grpc::StatusCode::OK);
  EXPECT_EQ(listed.notes_size(), 1);
  EXPECT_OUTCOME(h_.Call(&Stub::ListMeetingNotes, list, patel_), grpc::StatusCode::NOT_FOUND, "BOOKING_NOT_FOUND");

  // Bad input: nothing written.
  v1::CreateMeetingNoteRequest unknown = NoteRequest();
  unknown.mutable_note()->set_record_type("safeguarding_meeting");
  EXPECT_OUTCOME(h_.Call(&Stub::CreateMeetingNote, unknown, office_), grpc::StatusCode::FAILED_PRECONDITION,
                 "NO_RETENTION_RULE");
  v1::CreateMeetingNoteRequest bad_parent = NoteRequest();
  bad_parent.set_parent("schools/st-marys/meetings/b-1");
  EXPECT_OUTCOME(h_.Call(&Stub::CreateMeetingNote, bad_parent, office_), grpc::StatusCode::INVALID_ARGUMENT,
                 "INVALID_NAME");
  v1::CreateMeetingNoteRequest no_body = NoteRequest();
  no_body.mutable_note()->clear_body_ref();
  EXPECT_EQ(h_.Call(&Stub::CreateMeetingNote, no_body, office_).code, grpc::StatusCode::INVALID_ARGUMENT);
  // A teacher may not put a note under a legal hold.
  v1::CreateMeetingNoteRequest held = NoteRequest();
  held.mutable_note()->set_legal_hold(true);
  EXPECT_OUTCOME(h_.Call(&Stub::CreateMeetingNote, held, okafor_), grpc::StatusCode::PERMISSION_DENIED,
                 "ROLE_REQUIRED");
  EXPECT_EQ(store_.ListNotes(kSchool, "b-1")->size(), 1u);

  // Legal holds: senior leaders and the DSL, with the etag read.
  v1::SetLegalHoldRequest hold;
  hold.set_name(note.name());
  hold.set_legal_hold(true);
  hold.set_etag(note.etag());
  hold.set_request_id(h_.RequestId());
  EXPECT_OUTCOME(h_.Call(&Stub::SetLegalHold, hold, office_), grpc::StatusCode::PERMISSION_DENIED, "ROLE_REQUIRED");
  EXPECT_OUTCOME(h_.Call(&Stub::SetLegalHold, hold, okafor_), grpc::StatusCode::PERMISSION_DENIED, "ROLE_REQUIRED");
  v1::MeetingNote now_held;
  ASSERT_EQ(h_.Call(&Stub::SetLegalHold, hold, senior_, &now_held).code, grpc::StatusCode::OK);
  EXPECT_TRUE(now_held.legal_hold());
  hold.set_request_id(h_.RequestId());
  EXPECT_OUTCOME(h_.Call(&Stub::SetLegalHold, hold, senior_), grpc::StatusCode::ABORTED, "STALE_ETAG");
}

TEST_F(RecordsApiTest, SettingsByMaskAndEtag) {
  v1::GetAppointmentSettingsRequest get;
  get.set_name("schools/st-marys/appointmentSettings");
  v1::AppointmentSettings read;
  ASSERT_EQ(h_.Call(&Stub::GetAppointmentSettings, get, okafor_, &read).code, grpc::StatusCode::OK);
  EXPECT_EQ(read.meeting_length().seconds(), 1800);
  EXPECT_FALSE(read.has_update_time());

  v1::UpdateAppointmentSettingsRequest update;
  *update.mutable_settings() = read;
  update.mutable_settings()->mutable_hold_length()->set_seconds(90);
  update.mutable_settings()->mutable_meeting_length()->set_seconds(60);  // not in the mask
  update.mutable_update_mask()->add_paths("hold_length");
  update.set_request_id(h_.RequestId());
  EXPECT_OUTCOME(h_.Call(&Stub::UpdateAppointmentSettings, update, okafor_), grpc::StatusCode::PERMISSION_DENIED,
                 "ROLE_REQUIRED");
  v1::AppointmentSettings updated;
  ASSERT_EQ(h_.Call(&Stub::UpdateAppointmentSettings, update, office_, &updated).code, grpc::StatusCode::OK);
  EXPECT_EQ(updated.hold_length().seconds(), 90);
  EXPECT_EQ(updated.meeting_length().seconds(), 1800);
  EXPECT_TRUE(updated.has_update_time());
  // The etag read before is stale now.
  update.set_request_id(h_.RequestId());
  EXPECT_OUTCOME(h_.Call(&Stub::UpdateAppointmentSettings, update, office_), grpc::StatusCode::ABORTED, "STALE_ETAG");

  v1::UpdateAppointmentSettingsRequest bad;
  bad.mutable_settings()->set_name("schools/st-marys/appointmentSettings");
  bad.mutable_update_mask()->add_paths("etag");
  bad.set_request_id(h_.RequestId());
  EXPECT_OUTCOME(h_.Call(&Stub::UpdateAppointmentSettings, bad, office_), grpc::StatusCode::INVALID_ARGUMENT,
                 "INVALID_UPDATE_MASK");
  bad.mutable_update_mask()->Clear();
  bad.mutable_update_mask()->add_paths("hold_length");
  bad.mutable_settings()->mutable_hold_length()->set_seconds(3600);
  bad.set_request_id(h_.RequestId());
  EXPECT_OUTCOME(h_.Call(&Stub::UpdateAppointmentSettings, bad, office_), grpc::StatusCode::INVALID_ARGUMENT,
                 "INVALID_FIELD");
  EXPECT_EQ(store_.Settings(kSchool)->hold_length, absl::Seconds(90));
}

TEST_F(RecordsApiTest, InterpretersAndExceptions) {
  v1::CreateInterpreterRequest create;
  create.set_parent("schools/st-marys");
  create.mutable_interpreter()->set_display_name("Anna Nowak");
  create.mutable_interpreter()->add_languages("PL");
  create.set_request_id(h_.RequestId());
  v1::Interpreter anna;
  EXPECT_OUTCOME(h_.Call(&Stub::CreateInterpreter, create, okafor_), grpc::StatusCode::PERMISSION_DENIED,
                 "ROLE_REQUIRED");
  ASSERT_EQ(h_.Call(&Stub::CreateInterpreter, create, office_, &anna).code, grpc::StatusCode::OK);
  EXPECT_EQ(anna.languages(0), "pl");
  v1::ListInterpretersRequest list;
  list.set_parent("schools/st-marys");
  list.set_language("pl");
  v1::ListInterpretersResponse listed;
  ASSERT_EQ(h_.Call(&Stub::ListInterpreters, list, okafor_, &listed).code, grpc::StatusCode::OK);
  EXPECT_EQ(listed.interpreters_size(), 1);
  v1::DeleteInterpreterRequest del;
  del.set_name(anna.name());
  del.set_request_id(h_.RequestId());
  EXPECT_EQ(h_.Call(&Stub::DeleteInterpreter, del, office_).code, grpc::StatusCode::OK);
  del.set_request_id(h_.RequestId());
  EXPECT_OUTCOME(h_.Call(&Stub::DeleteInterpreter, del, office_), grpc::StatusCode::NOT_FOUND, "INTERPRETER_NOT_FOUND");

  // A teacher's own exceptions; the office's for anyone on the staff.
  v1::CreateAvailabilityExceptionRequest ex;
  ex.set_parent("schools/st-marys/staff/t-okafor");
  ex.set_date("2026-11-17");
  v1::HoursRange* h = ex.mutable_availability_exception()->add_hours();
  h->set_open("16:00");
  h->set_close("18:30");
  ex.set_request_id(h_.RequestId());
  v1::AvailabilityException made;
  ASSERT_EQ(h_.Call(&Stub::CreateAvailabilityException, ex, okafor_, &made).code, grpc::StatusCode::OK);
  EXPECT_EQ(made.name(), "schools/st-marys/staff/t-okafor/availabilityExceptions/2026-11-17");
  EXPECT_EQ(made.hours(0).close(), "18:30");
  ex.set_request_id(h_.RequestId());
  EXPECT_OUTCOME(h_.Call(&Stub::CreateAvailabilityException, ex, patel_), grpc::StatusCode::PERMISSION_DENIED,
                 "ROLE_REQUIRED");
  EXPECT_OUTCOME(h_.Call(&Stub::CreateAvailabilityException, ex, office_), grpc::StatusCode::ALREADY_EXISTS,
                 "AVAILABILITY_EXCEPTION_EXISTS");
  ex.set_parent("schools/st-marys/staff/t-nobody");
  ex.set_request_id(h_.RequestId());
  EXPECT_OUTCOME(h_.Call(&Stub::CreateAvailabilityException, ex, office_), grpc::StatusCode::NOT_FOUND,
                 "STAFF_NOT_FOUND");
  ex.set_parent("schools/st-marys/staff/t-patel");
  for (const auto& [date, open, close] :
       std::vector<std::tuple<std::string, std::string, std::string>>{{"2026-11-31", "16:00", "18:00"},
                                                                      {"17/11/2026", "16:00", "18:00"},
                                                                      {"2026-11-17", "4pm", "18:00"},
                                                                      {"2026-11-17", "18:00", "16:00"},
                                                                      {"2026-11-17", "16:00", "24:30"}}) {
    ex.set_date(date);
    ex.mutable_availability_exception()->mutable_hours(0)->set_open(open);
    ex.mutable_availability_exception()->mutable_hours(0)->set_close(close);
    ex.set_request_id(h_.RequestId());
    SCOPED_TRACE(date + " " + open + "-" + close);
    EXPECT_OUTCOME(h_.Call(&Stub::CreateAvailabilityException, ex, office_), grpc::StatusCode::INVALID_ARGUMENT,
                   "INVALID_FIELD");
  }
  EXPECT_TRUE(
      store_.ListExceptions(kSchool, "t-patel", absl::CivilDay(2026, 1, 1), absl::CivilDay(2026, 12, 31))->empty());

  v1::ListAvailabilityExceptionsRequest list_ex;
  list_ex.set_parent("schools/st-marys/staff/t-okafor");
  list_ex.set_start_date("2026-11-01");
  list_ex.set_end_date("2026-11-30");
  v1::ListAvailabilityExceptionsResponse found;
  ASSERT_EQ(h_.Call(&Stub::ListAvailabilityExceptions, list_ex, patel_, &found).code, grpc::StatusCode::OK);
  EXPECT_EQ(found.availability_exceptions_size(), 1);
  EXPECT_OUTCOME(h_.Call(&Stub::ListAvailabilityExceptions, list_ex, guardian_), grpc::StatusCode::PERMISSION_DENIED,
                 "ROLE_REQUIRED");
  v1::DeleteAvailabilityExceptionRequest del_ex;
  del_ex.set_name(made.name());
  del_ex.set_request_id(h_.RequestId());
  EXPECT_OUTCOME(h_.Call(&Stub::DeleteAvailabilityException, del_ex, patel_), grpc::StatusCode::PERMISSION_DENIED,
                 "ROLE_REQUIRED");
  EXPECT_EQ(h_.Call(&Stub::DeleteAvailabilityException, del_ex, okafor_).code, grpc::StatusCode::OK);
}

TEST_F(RecordsApiTest, SchoolStatsForTheSchoolsOfficeAndLeaders) {
  store_.AddBooking(NoteSubject{kSchool, "b-2", LondonTime(2026, 11, 3, 16, 0), "no_show", {"p-2"}, {"t-patel"}});
  v1::GetSchoolStatsRequest req;
  req.set_school("schools/st-marys");
  *req.mutable_start_time() = ToTimestamp(LondonTime(2026, 9, 1, 0, 0));
  *req.mutable_end_time() = ToTimestamp(LondonTime(2026, 12, 1, 0, 0));
  v1::SchoolStats stats;
  ASSERT_EQ(h_.Call(&Stub::GetSchoolStats, req, office_, &stats).code, grpc::StatusCode::OK);
  EXPECT_EQ(stats.no_shows(), 1);
  EXPECT_EQ(stats.school(), "schools/st-marys");
  EXPECT_FALSE(stats.version().empty());
  EXPECT_EQ(stats.version(), BuildVersion());
  EXPECT_OUTCOME(h_.Call(&Stub::GetSchoolStats, req, okafor_), grpc::StatusCode::PERMISSION_DENIED, "ROLE_REQUIRED");
  *req.mutable_end_time() = req.start_time();
  EXPECT_OUTCOME(h_.Call(&Stub::GetSchoolStats, req, office_), grpc::StatusCode::INVALID_ARGUMENT, "INVALID_FIELD");
}

}  // namespace
}  // namespace parley::appointments
