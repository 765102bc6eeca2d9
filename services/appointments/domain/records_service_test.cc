// The records use cases over the in-memory store and a simulated clock: retention dates per rule
// (years after the meeting on the school's calendar, leap days, a rule by the pupil's age with and
// without a date of birth), notes only of meetings that took place and under a rule of the school's
// schedule, legal hold against the sweep, settings bounds and the update mask, interpreters'
// languages and a booked interpreter, per-date exceptions.
#include "services/appointments/domain/records_service.h"

#include <memory>
#include <string>
#include <vector>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "common/calendar/testing/school_calendars.h"
#include "common/clock/clock.h"
#include "common/status/reason.h"
#include "common/status/reasons.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "services/appointments/testing/in_memory_records_store.h"

namespace parley::appointments {
namespace {

using calendar::testdata::London;
using calendar::testdata::LondonTime;
using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::IsEmpty;

constexpr char kSchool[] = "st-marys";

int request_counter = 0;
RequestKey Key(const std::string& method, const std::string& fingerprint = "") {
  const int n = ++request_counter;
  return RequestKey{absl::StrCat("st-marys/appointments.", method),
                    absl::StrCat("00000000-0000-4000-8000-", 100000 + n),
                    fingerprint.empty() ? absl::StrCat(method, n) : fingerprint};
}

void ExpectStatus(const absl::Status& s, absl::StatusCode code, absl::string_view why) {
  EXPECT_EQ(s.code(), code) << s;
  EXPECT_EQ(ErrorReason(s), why) << s;
}

RetentionRule Rule(const std::string& type, int years, int age = 0) { return RetentionRule{type, years, age, ""}; }

// ---- retention dates ---------------------------------------------------------------------------

TEST(RetentionFor, KeepsWholeYearsAfterTheMeetingOnTheSchoolsCalendar) {
  // 23:30 on 31 March 2026 in London is 22:30 UTC: the meeting's date is the local one.
  const Retention r = RetentionFor(Rule("parent_meeting", 6), LondonTime(2026, 3, 31, 23, 30), London(), std::nullopt);
  EXPECT_EQ(r.retain_until, LondonTime(2032, 4, 1, 0, 0));
  EXPECT_THAT(r.basis, HasSubstr("kept 6 years after the meeting on 2026-03-31, through 2032-03-31"));
}

TEST(RetentionFor, AMeetingOnALeapDayIsKeptThroughTheFirstOfMarch) {
  const Retention r = RetentionFor(Rule("parent_meeting", 6), LondonTime(2024, 2, 29, 16, 0), London(), std::nullopt);
  EXPECT_EQ(r.retain_until, LondonTime(2030, 3, 2, 0, 0));
  // Four years on there is a 29 February again.
  const Retention four =
      RetentionFor(Rule("parent_meeting", 4), LondonTime(2024, 2, 29, 16, 0), London(), std::nullopt);
  EXPECT_EQ(four.retain_until, LondonTime(2028, 3, 1, 0, 0));
}

TEST(RetentionFor, UntilThePupilsAgeWhenLaterAndTheDateOfBirthIsKnown) {
  const RetentionRule send = Rule("send_review", 6, 25);
  // Born on a leap day: 25 on 1 March 2041 (no 29 February that year).
  const Retention by_age = RetentionFor(send, LondonTime(2026, 11, 10, 16, 0), London(), absl::CivilDay(2016, 2, 29));
  EXPECT_EQ(by_age.retain_until, LondonTime(2041, 3, 2, 0, 0));
  EXPECT_THAT(by_age.basis, HasSubstr("until the pupil reaches 25"));
  // An age reached before the years run out: the years.
  const Retention years = RetentionFor(send, LondonTime(2026, 11, 10, 16, 0), London(), absl::CivilDay(1995, 1, 1));
  EXPECT_EQ(years.retain_until, LondonTime(2032, 11, 11, 0, 0));
}

TEST(RetentionFor, WithoutADateOfBirthTheYearsApplyAndTheBasisSaysSo) {
  const Retention r = RetentionFor(Rule("send_review", 6, 25), LondonTime(2026, 11, 10, 16, 0), London(), std::nullopt);
  EXPECT_EQ(r.retain_until, LondonTime(2032, 11, 11, 0, 0));
  EXPECT_THAT(r.basis, HasSubstr("the directory holds no date of birth, so the years apply"));
}

// ---- the use cases -----------------------------------------------------------------------------

class RecordsServiceTest : public ::testing::Test {
 protected:
  RecordsServiceTest() : clock_(LondonTime(2026, 11, 10, 17, 0)), service_(&store_, &directory_, &clock_) {
    directory_.AddSchool(kSchool, London());
    directory_.AddStaff(kSchool, "t-okafor");
    directory_.AddStaff(kSchool, "t-patel");
    directory_.AddStaff("kenilworth", "t-elsewhere");
  }

  void SetSchedule(std::vector<RetentionRule> rules) {
    AppointmentSettings values;
    values.retention = std::move(rules);
    SettingsChange change;
    change.retention = true;
    ASSERT_TRUE(service_.UpdateSettings(Key("UpdateAppointmentSettings"), kSchool, values, change, "").ok());
  }

  void AddMeeting(const std::string& id, absl::Time start, const std::string& state = "confirmed",
                  const std::string& interpreter = "") {
    store_.AddBooking(NoteSubject{kSchool, id, start, state, {"p-00001"}, {"t-okafor"}}, interpreter,
                      start + absl::Minutes(30));
  }

  NewNote Note(const std::string& booking, const std::string& type = "parent_meeting") {
    NewNote n;
    n.school_id = kSchool;
    n.booking_id = booking;
    n.record_type = type;
    n.body_ref = "records://meetings/2026/114";
    n.recording_not_permitted = true;
    n.author = "schools/st-marys/staff/t-okafor";
    return n;
  }

  testing::InMemoryRecordsStore store_;
  testing::RecordsDirectory directory_;
  SimulatedClock clock_;
  RecordsService service_;
};

TEST_F(RecordsServiceTest, ANoteOfAMeetingGetsItsRetentionDateFromTheSchoolsRule) {
  SetSchedule({Rule("parent_meeting", 6), Rule("send_review", 6, 25)});
  AddMeeting("b-1", LondonTime(2026, 11, 10, 15, 45));
  absl::StatusOr<MeetingNote> note = service_.CreateNote(Key("CreateMeetingNote"), Note("b-1"));
  ASSERT_TRUE(note.ok()) << note.status();
  EXPECT_EQ(note->retain_until, LondonTime(2032, 11, 11, 0, 0));
  EXPECT_EQ(note->meeting_time, LondonTime(2026, 11, 10, 15, 45));
  EXPECT_TRUE(note->recording_not_permitted);
  EXPECT_FALSE(note->legal_hold);
  EXPECT_EQ(note->author, "schools/st-marys/staff/t-okafor");
  EXPECT_FALSE(note->id.empty());

  absl::StatusOr<MeetingNote> send = service_.CreateNote(Key("CreateMeetingNote"), Note("b-1", "send_review"));
  ASSERT_TRUE(send.ok()) << send.status();
  EXPECT_THAT(send->retention_basis, HasSubstr("no date of birth"));
  EXPECT_THAT(*service_.ListNotes(kSchool, "b-1"), ::testing::SizeIs(2));

  // A teacher reaches the notes of the meetings they attend, and no others: those are not there.
  EXPECT_THAT(*service_.ListNotes(kSchool, "b-1", NoteScope::AttendedBy("t-okafor")), ::testing::SizeIs(2));
  EXPECT_TRUE(service_.GetNote(kSchool, "b-1", note->id, NoteScope::AttendedBy("t-okafor")).ok());
  ExpectStatus(service_.ListNotes(kSchool, "b-1", NoteScope::AttendedBy("t-patel")).status(),
               absl::StatusCode::kNotFound, reason::kBookingNotFound);
  ExpectStatus(service_.GetNote(kSchool, "b-1", note->id, NoteScope::AttendedBy("t-patel")).status(),
               absl::StatusCode::kNotFound, reason::kNoteNotFound);
  ExpectStatus(service_.CreateNote(Key("CreateMeetingNote"), Note("b-1"), NoteScope::AttendedBy("t-patel")).status(),
               absl::StatusCode::kNotFound, reason::kBookingNotFound);
  EXPECT_THAT(*service_.ListNotes(kSchool, "b-1"), ::testing::SizeIs(2));
}

TEST_F(RecordsServiceTest, ARetriedCreateReturnsTheSameNoteAndWritesNoOther) {
  SetSchedule({Rule("parent_meeting", 6)});
  AddMeeting("b-1", LondonTime(2026, 11, 10, 15, 45));
  const RequestKey key = Key("CreateMeetingNote");
  absl::StatusOr<MeetingNote> first = service_.CreateNote(key, Note("b-1"));
  absl::StatusOr<MeetingNote> again = service_.CreateNote(key, Note("b-1"));
  ASSERT_TRUE(first.ok() && again.ok());
  EXPECT_EQ(first->id, again->id);
  EXPECT_THAT(*service_.ListNotes(kSchool, "b-1"), ::testing::SizeIs(1));
  RequestKey reused = key;
  reused.fingerprint = "another request";
  ExpectStatus(service_.CreateNote(reused, Note("b-1")).status(), absl::StatusCode::kInvalidArgument,
               reason::kRequestIdReused);
}

TEST_F(RecordsServiceTest, NotesOnlyOfMeetingsThatTookPlaceUnderARuleOfTheSchedule) {
  SetSchedule({Rule("parent_meeting", 6)});
  AddMeeting("b-later", LondonTime(2026, 11, 12, 15, 45));
  AddMeeting("b-cancelled", LondonTime(2026, 11, 9, 15, 45), "cancelled");
  AddMeeting("b-1", LondonTime(2026, 11, 9, 15, 45));
  ExpectStatus(service_.CreateNote(Key("CreateMeetingNote"), Note("b-later")).status(),
               absl::StatusCode::kFailedPrecondition, reason::kMeetingNotStarted);
  ExpectStatus(service_.CreateNote(Key("CreateMeetingNote"), Note("b-cancelled")).status(),
               absl::StatusCode::kFailedPrecondition, reason::kWrongState);
  ExpectStatus(service_.CreateNote(Key("CreateMeetingNote"), Note("b-none")).status(), absl::StatusCode::kNotFound,
               reason::kBookingNotFound);
  ExpectStatus(service_.CreateNote(Key("CreateMeetingNote"), Note("b-1", "safeguarding_meeting")).status(),
               absl::StatusCode::kFailedPrecondition, reason::kNoRetentionRule);
  NewNote no_body = Note("b-1");
  no_body.body_ref.clear();
  ExpectStatus(service_.CreateNote(Key("CreateMeetingNote"), no_body).status(), absl::StatusCode::kInvalidArgument,
               reason::kInvalidField);
  ExpectStatus(service_.CreateNote(Key("CreateMeetingNote"), Note("b-1", "Parent Meeting")).status(),
               absl::StatusCode::kInvalidArgument, reason::kInvalidField);
  for (const char* b : {"b-later", "b-cancelled", "b-1"}) EXPECT_THAT(*service_.ListNotes(kSchool, b), IsEmpty());
}

TEST_F(RecordsServiceTest, TheSweepDeletesExpiredNotesUnlessHeldAndRecordsEach) {
  SetSchedule({Rule("parent_meeting", 1), Rule("send_review", 3)});
  AddMeeting("b-1", LondonTime(2026, 11, 10, 15, 45));
  const MeetingNote short_kept = *service_.CreateNote(Key("CreateMeetingNote"), Note("b-1"));
  const MeetingNote held = *service_.CreateNote(Key("CreateMeetingNote"), Note("b-1"));
  const MeetingNote long_kept = *service_.CreateNote(Key("CreateMeetingNote"), Note("b-1", "send_review"));
  ASSERT_TRUE(service_.SetLegalHold(Key("SetLegalHold"), kSchool, "b-1", held.id, true, held.etag).ok());
  // A stale etag changes nothing.
  ExpectStatus(service_.SetLegalHold(Key("SetLegalHold"), kSchool, "b-1", held.id, false, held.etag).status(),
               absl::StatusCode::kAborted, reason::kStaleEtag);

  // The day before the date: nothing goes.
  EXPECT_EQ(*service_.RunRetentionSweep(LondonTime(2027, 11, 10, 23, 59), 100), 0);
  const absl::Time sweep = LondonTime(2027, 11, 11, 0, 0);
  EXPECT_EQ(*service_.RunRetentionSweep(sweep, 100), 1);
  ExpectStatus(service_.GetNote(kSchool, "b-1", short_kept.id).status(), absl::StatusCode::kNotFound,
               reason::kNoteNotFound);
  EXPECT_TRUE(service_.GetNote(kSchool, "b-1", held.id).ok());
  EXPECT_TRUE(service_.GetNote(kSchool, "b-1", long_kept.id).ok());
  const std::vector<testing::NoteDisposal> disposals = store_.disposals();
  ASSERT_EQ(disposals.size(), 1u);
  EXPECT_EQ(disposals[0].note_id, short_kept.id);
  EXPECT_EQ(disposals[0].record_type, "parent_meeting");
  EXPECT_EQ(disposals[0].retain_until, sweep);
  EXPECT_EQ(disposals[0].deleted_at, sweep);

  // The hold lifted: the next sweep takes it.
  const MeetingNote now_held = *service_.GetNote(kSchool, "b-1", held.id);
  ASSERT_TRUE(service_.SetLegalHold(Key("SetLegalHold"), kSchool, "b-1", held.id, false, now_held.etag).ok());
  EXPECT_EQ(*service_.RunRetentionSweep(sweep + absl::Hours(1), 100), 1);
  EXPECT_EQ(store_.disposals().size(), 2u);
  ExpectStatus(service_.RunRetentionSweep(sweep, 0).status(), absl::StatusCode::kInvalidArgument,
               reason::kInvalidField);
}

TEST_F(RecordsServiceTest, SettingsDefaultsTheMaskAndBounds) {
  const AppointmentSettings defaults = *service_.GetSettings(kSchool);
  EXPECT_EQ(defaults.meeting_length, absl::Minutes(30));
  EXPECT_EQ(defaults.interpreted_meeting_length, absl::Minutes(60));
  EXPECT_EQ(defaults.hold_length, absl::Minutes(2));
  EXPECT_EQ(defaults.etag, "0");

  // Only what the mask names changes; the interpreted length follows a default meeting length.
  AppointmentSettings values;
  values.meeting_length = absl::Minutes(20);
  values.hold_length = absl::Minutes(9);  // not in the mask
  SettingsChange change;
  change.meeting_length = true;
  absl::StatusOr<AppointmentSettings> updated =
      service_.UpdateSettings(Key("UpdateAppointmentSettings"), kSchool, values, change, defaults.etag);
  ASSERT_TRUE(updated.ok()) << updated.status();
  EXPECT_EQ(updated->meeting_length, absl::Minutes(20));
  EXPECT_EQ(updated->interpreted_meeting_length, absl::Minutes(40));
  EXPECT_EQ(updated->hold_length, absl::Minutes(2));
  EXPECT_NE(updated->etag, defaults.etag);
  EXPECT_EQ(updated->update_time, clock_.Now());
  // The etag read before is stale now.
  ExpectStatus(
      service_.UpdateSettings(Key("UpdateAppointmentSettings"), kSchool, values, change, defaults.etag).status(),
      absl::StatusCode::kAborted, reason::kStaleEtag);

  struct Bad {
    const char* what;
    std::function<void(AppointmentSettings&, SettingsChange&)> set;
  };
  const std::vector<Bad> bad = {
      {"meeting_length", [](auto& v, auto& c) { v.meeting_length = absl::Minutes(4), c.meeting_length = true; }},
      {"meeting_length", [](auto& v, auto& c) { v.meeting_length = absl::Hours(4), c.meeting_length = true; }},
      {"interpreted_meeting_length",
       [](auto& v, auto& c) { v.interpreted_meeting_length = absl::Minutes(10), c.interpreted_meeting_length = true; }},
      {"slot_step", [](auto& v, auto& c) { v.slot_step = absl::Minutes(7), c.slot_step = true; }},
      {"hold_length", [](auto& v, auto& c) { v.hold_length = absl::Seconds(20), c.hold_length = true; }},
      {"hold_length", [](auto& v, auto& c) { v.hold_length = absl::Minutes(11), c.hold_length = true; }},
      {"years", [](auto& v, auto& c) { v.retention = {Rule("parent_meeting", 0)}, c.retention = true; }},
      {"years", [](auto& v, auto& c) { v.retention = {Rule("parent_meeting", 101)}, c.retention = true; }},
      {"appears twice",
       [](auto& v, auto& c) {
         v.retention = {Rule("a", 1), Rule("a", 2)}, c.retention = true;
       }},
      {"record_type", [](auto& v, auto& c) { v.retention = {Rule("Parent Meeting", 1)}, c.retention = true; }},
  };
  const std::string etag = updated->etag;
  for (const Bad& b : bad) {
    AppointmentSettings v;
    SettingsChange c;
    b.set(v, c);
    absl::Status s = service_.UpdateSettings(Key("UpdateAppointmentSettings"), kSchool, v, c, "").status();
    ExpectStatus(s, absl::StatusCode::kInvalidArgument, reason::kInvalidField);
    EXPECT_THAT(s.message(), HasSubstr(b.what));
  }
  EXPECT_EQ(service_.GetSettings(kSchool)->etag, etag);  // nothing written
}

TEST_F(RecordsServiceTest, TheMedianWorkingDaysToAMeetingOnTheOwnersCalendar) {
  const auto calendar = calendar::testdata::MustBuild(calendar::testdata::England2025To26());
  directory_.SetCalendar(kSchool, "t-okafor", calendar);
  // Friday 24 Oct 2025 before half-term: the meeting on Tuesday 4 Nov is 2 working days on.
  store_.AddRequestToMeeting(kSchool, {"t-okafor", LondonTime(2025, 10, 24, 16, 10), LondonTime(2025, 11, 4, 16, 0)});
  // Monday 10 Nov: the meeting that afternoon is 0, on Friday 14 Nov 4.
  store_.AddRequestToMeeting(kSchool, {"t-okafor", LondonTime(2025, 11, 10, 8, 0), LondonTime(2025, 11, 10, 15, 45)});
  store_.AddRequestToMeeting(kSchool, {"t-okafor", LondonTime(2025, 11, 10, 9, 0), LondonTime(2025, 11, 14, 15, 45)});
  const auto stats = [&](absl::Time start, absl::Time end) { return *service_.Stats(kSchool, start, end); };
  EXPECT_EQ(stats(LondonTime(2025, 10, 1, 0, 0), LondonTime(2025, 12, 1, 0, 0)).median_working_days_to_meeting, 2.0);
  // Two of them: the mean of the middle pair.
  EXPECT_EQ(stats(LondonTime(2025, 11, 1, 0, 0), LondonTime(2025, 12, 1, 0, 0)).median_working_days_to_meeting, 2.0);
  EXPECT_EQ(stats(LondonTime(2025, 10, 1, 0, 0), LondonTime(2025, 11, 1, 0, 0)).median_working_days_to_meeting, 2.0);
  EXPECT_FALSE(
      stats(LondonTime(2025, 12, 1, 0, 0), LondonTime(2026, 1, 1, 0, 0)).median_working_days_to_meeting.has_value());
  EXPECT_EQ(WorkingDaysBetween(*calendar, LondonTime(2025, 10, 24, 16, 10), LondonTime(2025, 11, 4, 16, 0)), 2);
  EXPECT_EQ(WorkingDaysBetween(*calendar, LondonTime(2025, 11, 10, 9, 0), LondonTime(2025, 11, 14, 15, 45)), 4);
}

TEST_F(RecordsServiceTest, EveningSlotsOfferedAreEveryTeachersGrid) {
  // 16:00-19:00, 10-minute slots: one teacher all evening with a 17:30-17:45 break (9 before it,
  // 7 after: 16), one from 17:00 to 18:05 (6, the seventh would run past their window).
  EveningGrid grid;
  grid.span = Interval{LondonTime(2026, 11, 12, 16, 0), LondonTime(2026, 11, 12, 19, 0)};
  grid.slot_length = absl::Minutes(10);
  grid.teachers = {
      EveningTeacher{"t-okafor", grid.span, {{LondonTime(2026, 11, 12, 17, 30), LondonTime(2026, 11, 12, 17, 45)}}, ""},
      EveningTeacher{"t-patel", {LondonTime(2026, 11, 12, 17, 0), LondonTime(2026, 11, 12, 18, 5)}, {}, ""}};
  store_.AddEvening(kSchool, grid);
  const SchoolStats s = *service_.Stats(kSchool, LondonTime(2026, 11, 1, 0, 0), LondonTime(2026, 12, 1, 0, 0));
  EXPECT_EQ(s.evening_slots_offered, 16 + 6);
  EXPECT_EQ(service_.Stats(kSchool, LondonTime(2026, 12, 1, 0, 0), LondonTime(2027, 1, 1, 0, 0))->evening_slots_offered,
            0);
}

TEST_F(RecordsServiceTest, InterpretersSpeakLowerCaseLanguagesAndABookedOneStays) {
  absl::StatusOr<Interpreter> anna =
      service_.CreateInterpreter(Key("CreateInterpreter"), kSchool, "Anna Nowak", {"PL", "ru", "pl"});
  ASSERT_TRUE(anna.ok()) << anna.status();
  EXPECT_THAT(anna->languages, ElementsAre("pl", "ru"));
  ASSERT_TRUE(service_.CreateInterpreter(Key("CreateInterpreter"), kSchool, "Imran Shah", {"ur", "pa-arab"}).ok());
  EXPECT_THAT(*service_.ListInterpreters(kSchool, "pl"), ::testing::SizeIs(1));
  EXPECT_THAT(*service_.ListInterpreters(kSchool, ""), ::testing::SizeIs(2));
  EXPECT_THAT(*service_.ListInterpreters(kSchool, "PA-Arab"), ::testing::SizeIs(1));
  for (const std::vector<std::string>& bad : std::vector<std::vector<std::string>>{
           {}, {"polish"}, {"p"}, {"pl-"}, {"pl_PL"}, {"e1"}, std::vector<std::string>(11, "pl")}) {
    ExpectStatus(service_.CreateInterpreter(Key("CreateInterpreter"), kSchool, "X", bad).status(),
                 absl::StatusCode::kInvalidArgument, reason::kInvalidField);
  }
  ExpectStatus(service_.CreateInterpreter(Key("CreateInterpreter"), kSchool, "", {"pl"}).status(),
               absl::StatusCode::kInvalidArgument, reason::kInvalidField);
  EXPECT_THAT(*service_.ListInterpreters(kSchool, ""), ::testing::SizeIs(2));

  // Booked for tomorrow: refused; once only past bookings remain, deleted.
  AddMeeting("b-tomorrow", LondonTime(2026, 11, 11, 16, 0), "confirmed", anna->id);
  ExpectStatus(service_.DeleteInterpreter(Key("DeleteInterpreter"), kSchool, anna->id),
               absl::StatusCode::kFailedPrecondition, reason::kInterpreterBooked);
  clock_.Set(LondonTime(2026, 11, 12, 9, 0));
  EXPECT_TRUE(service_.DeleteInterpreter(Key("DeleteInterpreter"), kSchool, anna->id).ok());
  ExpectStatus(service_.DeleteInterpreter(Key("DeleteInterpreter"), kSchool, anna->id), absl::StatusCode::kNotFound,
               reason::kInterpreterNotFound);
}

TEST_F(RecordsServiceTest, AvailabilityExceptionsForTheSchoolsOwnStaff) {
  const absl::CivilDay day(2026, 11, 17);
  absl::StatusOr<StaffException> e = service_.CreateException(Key("CreateAvailabilityException"), kSchool, "t-okafor",
                                                              day, {{16 * 60, 18 * 60}, {7 * 60 + 30, 8 * 60 + 30}});
  ASSERT_TRUE(e.ok()) << e.status();
  ASSERT_EQ(e->hours.size(), 2u);
  EXPECT_EQ(e->hours[0].open_minute, 7 * 60 + 30);  // sorted
  // An empty list: away that day.
  ASSERT_TRUE(service_.CreateException(Key("CreateAvailabilityException"), kSchool, "t-okafor", day + 1, {}).ok());
  ExpectStatus(service_.CreateException(Key("CreateAvailabilityException"), kSchool, "t-okafor", day, {}).status(),
               absl::StatusCode::kAlreadyExists, reason::kAvailabilityExceptionExists);
  ExpectStatus(service_.CreateException(Key("CreateAvailabilityException"), kSchool, "t-elsewhere", day, {}).status(),
               absl::StatusCode::kNotFound, reason::kStaffNotFound);
  for (const std::vector<calendar::HoursRange>& bad : std::vector<std::vector<calendar::HoursRange>>{
           {{600, 540}}, {{-1, 60}}, {{600, 24 * 60 + 1}}, {{540, 660}, {600, 700}}}) {
    ExpectStatus(service_.CreateException(Key("CreateAvailabilityException"), kSchool, "t-patel", day, bad).status(),
                 absl::StatusCode::kInvalidArgument, reason::kInvalidField);
  }
  EXPECT_THAT(*service_.ListExceptions(kSchool, "t-patel", day, day + 30), IsEmpty());
  EXPECT_THAT(*service_.ListExceptions(kSchool, "t-okafor", day, day + 30), ::testing::SizeIs(2));
  EXPECT_THAT(*store_.Exceptions(kSchool, "t-okafor", LondonTime(2026, 11, 17, 0, 0), LondonTime(2026, 11, 18, 0, 0)),
              ::testing::SizeIs(2));
  ExpectStatus(service_.ListExceptions(kSchool, "t-okafor", day, day - 1).status(), absl::StatusCode::kInvalidArgument,
               reason::kInvalidField);
  EXPECT_TRUE(service_.DeleteException(Key("DeleteAvailabilityException"), kSchool, "t-okafor", day).ok());
  ExpectStatus(service_.DeleteException(Key("DeleteAvailabilityException"), kSchool, "t-okafor", day),
               absl::StatusCode::kNotFound, reason::kAvailabilityExceptionNotFound);
}

}  // namespace
}  // namespace parley::appointments
