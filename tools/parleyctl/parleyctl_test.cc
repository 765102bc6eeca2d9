#include <algorithm>
#include <fstream>
#include <memory>
#include <set>
#include <sstream>
#include <string>
#include <vector>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/time/time.h"
#include "common/status/grpc_status.h"
#include "gmock/gmock.h"
#include "grpcpp/create_channel.h"
#include "grpcpp/health_check_service_interface.h"
#include "grpcpp/security/credentials.h"
#include "grpcpp/security/server_credentials.h"
#include "grpcpp/server.h"
#include "grpcpp/server_builder.h"
#include "gtest/gtest.h"
#include "tools/parleyctl/args.h"
#include "tools/parleyctl/commands.h"
#include "tools/parleyctl/format.h"
#include "tools/parleyctl/health.h"

namespace parley::ctl {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::MatchesRegex;

absl::TimeZone London() {
  absl::StatusOr<absl::TimeZone> zone = LoadZone("Europe/London");
  EXPECT_TRUE(zone.ok()) << zone.status();
  return zone.value_or(absl::UTCTimeZone());
}

absl::Time Utc(const std::string& rfc3339) {
  absl::Time t;
  std::string err;
  EXPECT_TRUE(absl::ParseTime(absl::RFC3339_full, rfc3339, &t, &err)) << err;
  return t;
}

void SetTime(const std::string& rfc3339, google::protobuf::Timestamp* ts) {
  ts->set_seconds(absl::ToUnixSeconds(Utc(rfc3339)));
}

// --- argument helpers --------------------------------------------------------------------------

TEST(ParseChannel, AcceptsShortLongAndEnumNames) {
  EXPECT_EQ(ParseChannel("email").value(), v1::CHANNEL_EMAIL);
  EXPECT_EQ(ParseChannel("letter").value(), v1::CHANNEL_LETTER);
  EXPECT_EQ(ParseChannel("phone").value(), v1::CHANNEL_PHONE);
  EXPECT_EQ(ParseChannel("app").value(), v1::CHANNEL_APP_MESSAGE);
  EXPECT_EQ(ParseChannel("app-message").value(), v1::CHANNEL_APP_MESSAGE);
  EXPECT_EQ(ParseChannel("in-person").value(), v1::CHANNEL_IN_PERSON);
  EXPECT_EQ(ParseChannel("in_person").value(), v1::CHANNEL_IN_PERSON);
  EXPECT_EQ(ParseChannel("meeting").value(), v1::CHANNEL_MEETING_REQUEST);
  EXPECT_EQ(ParseChannel("sms").value(), v1::CHANNEL_SMS);
  EXPECT_EQ(ParseChannel("EMAIL").value(), v1::CHANNEL_EMAIL);
  EXPECT_EQ(ParseChannel("CHANNEL_MEETING_REQUEST").value(), v1::CHANNEL_MEETING_REQUEST);
}

TEST(ParseChannel, RejectsUnknownNamingTheChoices) {
  absl::StatusOr<v1::Channel> c = ParseChannel("fax");
  ASSERT_FALSE(c.ok());
  EXPECT_EQ(c.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(std::string(c.status().message()), HasSubstr("in-person"));
  EXPECT_FALSE(ParseChannel("").ok());
  EXPECT_FALSE(ParseChannel("unspecified").ok());
}

TEST(ParseChannel, NamesRoundTrip) {
  for (v1::Channel c : {v1::CHANNEL_EMAIL, v1::CHANNEL_LETTER, v1::CHANNEL_PHONE, v1::CHANNEL_APP_MESSAGE,
                        v1::CHANNEL_IN_PERSON, v1::CHANNEL_MEETING_REQUEST, v1::CHANNEL_SMS}) {
    EXPECT_EQ(ParseChannel(ChannelName(c)).value(), c) << ChannelName(c);
  }
}

TEST(ParseStage, AcceptsEveryStage) {
  EXPECT_EQ(ParseStage("acknowledge").value(), v1::STAGE_ACKNOWLEDGE);
  EXPECT_EQ(ParseStage("respond").value(), v1::STAGE_RESPOND);
  EXPECT_EQ(ParseStage("hold-meeting").value(), v1::STAGE_HOLD_MEETING);
  EXPECT_EQ(ParseStage("follow_up").value(), v1::STAGE_FOLLOW_UP);
  EXPECT_EQ(ParseStage("STAGE_RESPOND").value(), v1::STAGE_RESPOND);
  EXPECT_FALSE(ParseStage("reply").ok());
  for (v1::Stage s : {v1::STAGE_ACKNOWLEDGE, v1::STAGE_RESPOND, v1::STAGE_HOLD_MEETING, v1::STAGE_FOLLOW_UP}) {
    EXPECT_EQ(ParseStage(StageName(s)).value(), s);
  }
}

TEST(ResourceNames, BareIdsAndFullNames) {
  EXPECT_EQ(SchoolName("st-marys").value(), "schools/st-marys");
  EXPECT_EQ(SchoolName("schools/st-marys").value(), "schools/st-marys");
  EXPECT_EQ(SchoolId("schools/st-marys").value(), "st-marys");
  EXPECT_EQ(SchoolId("st-marys").value(), "st-marys");
  EXPECT_FALSE(SchoolName("").ok());
  EXPECT_FALSE(SchoolName("schools/st-marys/pupils/p-1").ok());

  EXPECT_EQ(PupilName("schools/st-marys", "p-0001").value(), "schools/st-marys/pupils/p-0001");
  EXPECT_EQ(PupilName("schools/st-marys", "schools/st-marys/pupils/p-0001").value(), "schools/st-marys/pupils/p-0001");
  EXPECT_FALSE(PupilName("schools/st-marys", "schools/kenilworth/pupils/p-0001").ok());
  EXPECT_FALSE(PupilName("schools/st-marys", "schools/st-marys/staff/p-0001").ok());
  EXPECT_EQ(PupilName("", "schools/kenilworth/pupils/p-2").value(), "schools/kenilworth/pupils/p-2");

  EXPECT_EQ(StaffName("schools/st-marys", "mrs-jones").value(), "schools/st-marys/staff/mrs-jones");
  EXPECT_EQ(StaffName("schools/st-marys", "schools/st-marys/staff/mrs-jones").value(),
            "schools/st-marys/staff/mrs-jones");
  EXPECT_EQ(LastSegment("schools/st-marys/pupils/p-0001"), "p-0001");
}

TEST(ParseTimeArg, Rfc3339IsAnInstantWhateverTheZone) {
  EXPECT_TRUE(IsAbsoluteTime("2025-10-24T15:10:00Z"));
  EXPECT_FALSE(IsAbsoluteTime("2025-10-24 16:10"));
  EXPECT_EQ(ParseTimeArg("2025-10-24T15:10:00Z", London()).value(), Utc("2025-10-24T15:10:00Z"));
  EXPECT_EQ(ParseTimeArg("2025-10-24T16:10:00+01:00", absl::UTCTimeZone()).value(), Utc("2025-10-24T15:10:00Z"));
}

TEST(ParseTimeArg, LocalTimeInTheSchoolsZone) {
  // BST: 16:10 local is 15:10Z (the worked example's after-hours email).
  EXPECT_EQ(ParseTimeArg("2025-10-24 16:10", London()).value(), Utc("2025-10-24T15:10:00Z"));
  EXPECT_EQ(ParseTimeArg("2025-10-24T16:10", London()).value(), Utc("2025-10-24T15:10:00Z"));
  EXPECT_EQ(ParseTimeArg("2025-10-24 16:10:30", London()).value(), Utc("2025-10-24T15:10:30Z"));
  // GMT in winter.
  EXPECT_EQ(ParseTimeArg("2025-11-05 15:30", London()).value(), Utc("2025-11-05T15:30:00Z"));
}

TEST(ParseTimeArg, RepeatedLocalTimeUsesTheOffsetBeforeTheTransition) {
  // Clocks go back at 02:00 BST on 26 Oct 2025: 01:30 happens twice; before the change it is BST.
  EXPECT_EQ(ParseTimeArg("2025-10-26 01:30", London()).value(), Utc("2025-10-26T00:30:00Z"));
}

TEST(ParseTimeArg, SkippedLocalTimeUsesTheOffsetBeforeTheTransition) {
  // Clocks go forward at 01:00 GMT on 29 Mar 2026: 01:30 never happens; before the change it is GMT.
  EXPECT_EQ(ParseTimeArg("2026-03-29 01:30", London()).value(), Utc("2026-03-29T01:30:00Z"));
}

TEST(ParseTimeArg, RejectsWhatIsNotATime) {
  for (const char* bad : {"", "yesterday", "2025-10-24", "24/10/2025 16:10", "2025-02-30 10:00", "2025-10-24 25:00",
                          "2025-10-24T15:10:00"}) {
    absl::StatusOr<absl::Time> t = ParseTimeArg(bad, London());
    // Seconds without a zone are a valid local time; everything else here is not.
    if (std::string(bad) == "2025-10-24T15:10:00") {
      EXPECT_TRUE(t.ok()) << bad;
      continue;
    }
    EXPECT_FALSE(t.ok()) << bad;
    EXPECT_THAT(std::string(t.status().message()), HasSubstr("YYYY-MM-DD HH:MM")) << bad;
  }
}

TEST(ParsePauseArg, ClosedOpenAndBackwards) {
  PauseArg closed = ParsePauseArg("2025-11-03 09:00/2025-11-04T10:00:00Z", London()).value();
  EXPECT_EQ(closed.start, Utc("2025-11-03T09:00:00Z"));
  ASSERT_TRUE(closed.end.has_value());
  EXPECT_EQ(*closed.end, Utc("2025-11-04T10:00:00Z"));

  PauseArg open = ParsePauseArg("2025-11-03 09:00/", London()).value();
  EXPECT_FALSE(open.end.has_value());
  EXPECT_FALSE(ParsePauseArg("2025-11-03 09:00", London()).value().end.has_value());

  EXPECT_FALSE(ParsePauseArg("2025-11-04 09:00/2025-11-03 09:00", London()).ok());
  EXPECT_FALSE(ParsePauseArg("soon/later", London()).ok());
}

TEST(ParseDurationArg, PositiveDurationsOnly) {
  EXPECT_EQ(ParseDurationArg("--ttl", "1h").value(), absl::Hours(1));
  EXPECT_EQ(ParseDurationArg("--timeout", "1h30m").value(), absl::Minutes(90));
  EXPECT_EQ(ParseDurationArg("--timeout", "250ms").value(), absl::Milliseconds(250));
  for (const char* bad : {"", "0s", "-5s", "10", "ten seconds", "inf"}) {
    absl::StatusOr<absl::Duration> d = ParseDurationArg("--timeout", bad);
    ASSERT_FALSE(d.ok()) << bad;
    EXPECT_THAT(std::string(d.status().message()), HasSubstr("--timeout"));
  }
}

TEST(RequestId, Version4Format) {
  std::array<uint8_t, 16> zeros{};
  EXPECT_EQ(FormatUuidV4(zeros), "00000000-0000-4000-8000-000000000000");
  std::array<uint8_t, 16> ones;
  ones.fill(0xff);
  EXPECT_EQ(FormatUuidV4(ones), "ffffffff-ffff-4fff-bfff-ffffffffffff");

  std::set<std::string> seen;
  for (int i = 0; i < 100; ++i) {
    std::string id = NewRequestId();
    EXPECT_THAT(id, MatchesRegex("[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}"));
    seen.insert(id);
  }
  EXPECT_EQ(seen.size(), 100u);
}

// --- health wire format -------------------------------------------------------------------------

TEST(Health, EncodesTheRequestAndDecodesTheStatus) {
  EXPECT_EQ(EncodeHealthCheckRequest(""), "");
  EXPECT_EQ(EncodeHealthCheckRequest("parley.contacts.v1.ContactsService"),
            std::string("\x0a\x22") + "parley.contacts.v1.ContactsService");

  EXPECT_EQ(DecodeHealthCheckStatus(std::string("\x08\x01", 2)), 1);
  EXPECT_EQ(DecodeHealthCheckStatus(std::string("\x08\x02", 2)), 2);
  EXPECT_EQ(DecodeHealthCheckStatus(""), 0);  // proto3: UNKNOWN is left off the wire
  // Unknown fields are skipped.
  EXPECT_EQ(DecodeHealthCheckStatus(std::string("\x12\x02hi\x08\x01", 6)), 1);
  EXPECT_EQ(DecodeHealthCheckStatus(std::string("\x08", 1)), std::nullopt);
  EXPECT_EQ(DecodeHealthCheckStatus(std::string("\x12\x05hi", 4)), std::nullopt);
}

// --- output -------------------------------------------------------------------------------------

TEST(Format, LocalTimeWithZoneAbbreviation) {
  EXPECT_EQ(FormatLocalTime(Utc("2025-11-05T15:30:00Z"), London()), "Wed 5 Nov 2025 15:30 GMT");
  EXPECT_EQ(FormatLocalTime(Utc("2025-10-24T15:10:00Z"), London()), "Fri 24 Oct 2025 16:10 BST");
  EXPECT_EQ(FormatUtc(Utc("2025-11-05T15:30:00Z")), "2025-11-05T15:30:00Z");
  EXPECT_EQ(FormatDate("2025-10-27"), "Mon 27 Oct 2025");
  EXPECT_EQ(FormatDate("not a date"), "not a date");
}

TEST(Format, Budgets) {
  v1::Budget b;
  b.set_working_days(2);
  EXPECT_EQ(FormatBudget(b), "2 working days");
  b.set_working_days(1);
  EXPECT_EQ(FormatBudget(b), "1 working day");
  b.set_working_hours(3);
  EXPECT_EQ(FormatBudget(b), "3 working hours");
  b.set_elapsed_minutes(60);
  EXPECT_EQ(FormatBudget(b), "60 minutes elapsed");
  EXPECT_EQ(FormatBudget(v1::Budget()), "none");
}

TEST(Format, TableAlignsColumnsByCharacters) {
  Table t({"A", "LONGER", "C"});
  t.AddRow({"xxxx", "é", "end"});
  t.AddRow({"y", "zz"});
  EXPECT_EQ(t.Render(),
            "A     LONGER  C\n"
            "xxxx  é       end\n"
            "y     zz\n");
}

// The worked example of DESIGN §3, built by hand as the service would answer it.
v1::ComputeDeadlineResponse WorkedExample() {
  v1::ComputeDeadlineResponse r;
  SetTime("2025-11-03T08:45:00Z", r.mutable_clock_start_time());
  SetTime("2025-11-05T15:30:00Z", r.mutable_due_time());
  r.mutable_budget()->set_working_days(2);
  r.set_clock_calendar(v1::CLOCK_CALENDAR_SCHOOL);
  r.set_calendar_version("cal-7f3a");
  r.set_policy_version("pol-19c2");
  r.set_policy_text("We aim to acknowledge all emails within 2 working days.");
  r.set_time_zone("Europe/London");
  v1::Explanation* e = r.mutable_explanation();
  v1::ExplanationStep* s = e->add_steps();
  s->set_kind(v1::EXPLANATION_STEP_KIND_RECEIVED);
  SetTime("2025-10-24T15:10:00Z", s->mutable_time());
  s->set_reason("after core hours (closed 15:30)");
  s = e->add_steps();
  s->set_kind(v1::EXPLANATION_STEP_KIND_SKIPPED);
  s->set_first_date("2025-10-25");
  s->set_last_date("2025-10-26");
  s->set_reason("weekend");
  s = e->add_steps();
  s->set_kind(v1::EXPLANATION_STEP_KIND_SKIPPED);
  s->set_first_date("2025-10-27");
  s->set_last_date("2025-10-31");
  s->set_reason("Autumn half-term");
  s = e->add_steps();
  s->set_kind(v1::EXPLANATION_STEP_KIND_CLOCK_START);
  SetTime("2025-11-03T08:45:00Z", s->mutable_time());
  s->set_reason("day 0: first working period");
  s = e->add_steps();
  s->set_kind(v1::EXPLANATION_STEP_KIND_COUNTED);
  s->set_first_date("2025-11-04");
  s->set_last_date("2025-11-05");
  s->set_reason("working days 1-2");
  s = e->add_steps();
  s->set_kind(v1::EXPLANATION_STEP_KIND_DUE);
  SetTime("2025-11-05T15:30:00Z", s->mutable_time());
  s->set_reason("close of core hours");
  e->set_summary("Received after core hours on Friday; the half-term is skipped; due at the close of Wednesday.");
  return r;
}

TEST(FormatDeadline, WorkedExample) {
  EXPECT_EQ(FormatDeadline(WorkedExample(), Utc("2025-10-24T15:10:00Z"), /*explain=*/false),
            "received:     Fri 24 Oct 2025 16:10 BST (2025-10-24T15:10:00Z)\n"
            "clock start:  Mon 3 Nov 2025 08:45 GMT (2025-11-03T08:45:00Z)\n"
            "due:          Wed 5 Nov 2025 15:30 GMT (2025-11-05T15:30:00Z)\n"
            "budget:       2 working days\n"
            "clock:        school calendar\n"
            "policy:       We aim to acknowledge all emails within 2 working days.\n"
            "time zone:    Europe/London\n"
            "versions:     calendar cal-7f3a, policy pol-19c2\n");
}

TEST(FormatDeadline, ExplainAddsOneLinePerStepAndTheSummary) {
  const std::string out = FormatDeadline(WorkedExample(), std::nullopt, /*explain=*/true);
  // The received time comes from the explanation when the caller does not pass it.
  EXPECT_THAT(out, HasSubstr("received:     Fri 24 Oct 2025 16:10 BST (2025-10-24T15:10:00Z)\n"));
  EXPECT_THAT(out, HasSubstr("\nexplanation:\n"
                             "  1.  received     Fri 24 Oct 2025 16:10 BST           after core hours (closed 15:30)\n"
                             "  2.  skipped      Sat 25 Oct 2025 to Sun 26 Oct 2025  weekend\n"
                             "  3.  skipped      Mon 27 Oct 2025 to Fri 31 Oct 2025  Autumn half-term\n"
                             "  4.  clock start  Mon 3 Nov 2025 08:45 GMT            day 0: first working period\n"
                             "  5.  counted      Tue 4 Nov 2025 to Wed 5 Nov 2025    working days 1-2\n"
                             "  6.  due          Wed 5 Nov 2025 15:30 GMT            close of core hours\n"
                             "\n"
                             "  Received after core hours on Friday; the half-term is skipped; due at the close of "
                             "Wednesday.\n"));
}

TEST(FormatDeadline, OpenPauseHasNoDueTime) {
  v1::ComputeDeadlineResponse r = WorkedExample();
  r.clear_due_time();
  EXPECT_THAT(FormatDeadline(r, std::nullopt, false), HasSubstr("due:          not yet known: an open pause"));
}

TEST(Format, RouteNamesOwnerRuleAndSafeguarding) {
  v1::RouteEnquiryResponse r;
  r.mutable_owner()->set_staff("schools/st-marys/staff/mrs-jones");
  r.mutable_owner()->set_display_name("Mrs Jones");
  r.mutable_owner()->set_role("class teacher");
  r.set_channel_allowed(false);
  r.add_allowed_channels(v1::CHANNEL_PHONE);
  r.set_channel_rule("Report absence by phone to the school office");
  r.set_ladder("schools/st-marys/ladders/attendance");
  v1::Recipient* also = r.add_also_notify();
  also->set_external_contact("county-cp");
  also->set_display_name("County child protection");
  const std::string out = FormatRoute(r);
  EXPECT_THAT(out, HasSubstr("Owner:         Mrs Jones (class teacher) schools/st-marys/staff/mrs-jones\n"));
  EXPECT_THAT(out, HasSubstr("Channel:       NOT allowed (taken by phone)\n"));
  EXPECT_THAT(out, HasSubstr("Rule:          Report absence by phone to the school office\n"));
  EXPECT_THAT(out, HasSubstr("Ladder:        schools/st-marys/ladders/attendance\n"));
  EXPECT_THAT(out, HasSubstr("Also notify:   County child protection external contact county-cp\n"));
  EXPECT_THAT(out, HasSubstr("Safeguarding:  no\n"));
}

TEST(Format, LadderRungsThenComplaints) {
  v1::ResolveLadderResponse r;
  r.set_ladder("schools/st-marys/ladders/learning");
  v1::ResolvedRung* rung = r.add_rungs();
  rung->set_index(0);
  rung->set_title("Class teacher");
  rung->mutable_recipient()->set_staff("schools/st-marys/staff/mrs-jones");
  rung->mutable_recipient()->set_display_name("Mrs Jones");
  rung = r.add_rungs();
  rung->set_index(1);
  rung->set_title("Headteacher");
  rung->mutable_recipient()->set_staff("schools/st-marys/staff/mr-okafor");
  rung->mutable_recipient()->set_display_name("Mr Okafor");
  r.set_refer_to_complaints_after_top(true);
  r.set_complaints_procedure_uri("https://st-marys.example.org/complaints");
  EXPECT_EQ(FormatLadder(r),
            "Ladder: schools/st-marys/ladders/learning\n"
            "  1.  Class teacher  Mrs Jones schools/st-marys/staff/mrs-jones\n"
            "  2.  Headteacher    Mr Okafor schools/st-marys/staff/mr-okafor\n"
            "then: complaints procedure https://st-marys.example.org/complaints\n");
}

TEST(Format, SchoolShowsCalendarRulesAndVersions) {
  v1::School s;
  s.set_name("schools/st-marys");
  s.set_display_name("St Mary's C of E Primary School");
  s.set_phase(v1::SCHOOL_PHASE_PRIMARY);
  v1::SchoolCalendar* cal = s.mutable_calendar();
  cal->set_time_zone("Europe/London");
  cal->mutable_core_hours()->set_open("08:45");
  cal->mutable_core_hours()->set_close("15:30");
  v1::Term* term = cal->add_terms();
  term->set_display_name("Autumn 2025");
  term->set_start_date("2025-09-01");
  term->set_end_date("2025-12-19");
  v1::Closure* c = cal->add_closures();
  c->set_start_date("2025-10-27");
  c->set_kind(v1::CLOSURE_KIND_HALF_TERM);
  v1::ResponseRule* rule = s.mutable_policy()->add_rules();
  rule->set_channel(v1::CHANNEL_EMAIL);
  rule->set_stage(v1::STAGE_ACKNOWLEDGE);
  rule->mutable_budget()->set_working_days(2);
  s.set_calendar_version("cal-7f3a");
  s.set_policy_version("pol-19c2");
  const std::string out = FormatSchool(s);
  EXPECT_THAT(out, HasSubstr("time zone:         Europe/London\n"));
  EXPECT_THAT(out, HasSubstr("core hours:        08:45-15:30\n"));
  EXPECT_THAT(out, HasSubstr("terms:             Autumn 2025: 2025-09-01 to 2025-12-19\n"));
  EXPECT_THAT(out, HasSubstr("closures:          1 (1 half term)\n"));
  EXPECT_THAT(out, HasSubstr("calendar version:  cal-7f3a\n"));
  EXPECT_THAT(out, HasSubstr("policy rules:\n"
                             "  CHANNEL  STAGE        BUDGET          CLOCK\n"
                             "  email    acknowledge  2 working days  school\n"));
}

TEST(Format, ImportProgressAndSummary) {
  v1::ImportTrustResponse u;
  u.set_phase(v1::IMPORT_PHASE_VALIDATING);
  u.set_done(3);
  u.set_total(5);
  EXPECT_EQ(FormatImportProgress(u), "validating 3/5 schools");
  u.set_phase(v1::IMPORT_PHASE_APPLYING);
  u.set_total(0);
  EXPECT_EQ(FormatImportProgress(u), "applying\xE2\x80\xA6");

  v1::ImportSummary s;
  s.set_schools(5);
  s.set_created(10);
  s.add_schools_with_new_versions("schools/st-marys");
  EXPECT_THAT(FormatImportSummary(s, false), HasSubstr("new versions:  schools/st-marys\n"));
  EXPECT_THAT(FormatImportSummary(s, true), HasSubstr("nothing written"));
  EXPECT_THAT(FormatImportSummary(s, true), HasSubstr("would create:  10\n"));
}

// --- errors and documents -----------------------------------------------------------------------

TEST(Errors, CodeNameMessageAndReason) {
  EXPECT_EQ(FormatError(NotFound("SCHOOL_NOT_FOUND", "no school st-maryz")),
            "error: NOT_FOUND: no school st-maryz (reason: SCHOOL_NOT_FOUND)");
  EXPECT_EQ(FormatError(absl::UnavailableError("connection refused")), "error: UNAVAILABLE: connection refused");
  EXPECT_TRUE(IsUsageError(UsageError("bad channel")));
  EXPECT_FALSE(IsUsageError(absl::InvalidArgumentError("from the server")));
}

TEST(TrustDirectoryJson, ParsesAndRejectsUnknownFields) {
  absl::StatusOr<v1::TrustDirectory> ok = ParseTrustDirectoryJson(
      R"({"trust": {"displayName": "Riverside"}, "schools": [{"school": {"name": "schools/a"}}]})", "t.json");
  ASSERT_TRUE(ok.ok()) << ok.status();
  EXPECT_EQ(ok->schools(0).school().name(), "schools/a");

  absl::StatusOr<v1::TrustDirectory> bad =
      ParseTrustDirectoryJson(R"({"schools": [{"school": {"name": "schools/a", "calender": {}}}]})", "t.json");
  ASSERT_FALSE(bad.ok());
  EXPECT_EQ(bad.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(std::string(bad.status().message()), HasSubstr("t.json"));
  EXPECT_THAT(std::string(bad.status().message()), HasSubstr("unknown field \"schools[0].school.calender\""));

  absl::StatusOr<v1::TrustDirectory> top = ParseTrustDirectoryJson(R"({"skools": []})", "t.json");
  ASSERT_FALSE(top.ok());
  EXPECT_THAT(std::string(top.status().message()), HasSubstr("unknown field \"skools\""));

  EXPECT_FALSE(ParseTrustDirectoryJson("{not json", "t.json").ok());
}

TEST(Health, WaitsForServingAndReportsNotServing) {
  grpc::EnableDefaultHealthCheckService(true);
  grpc::ServerBuilder builder;
  int port = 0;
  builder.AddListeningPort("127.0.0.1:0", grpc::InsecureServerCredentials(), &port);
  v1::ContactsService::Service unimplemented;  // a sync server needs one service of its own
  builder.RegisterService(&unimplemented);
  std::unique_ptr<grpc::Server> server = builder.BuildAndStart();
  ASSERT_NE(server, nullptr);
  const std::string target = absl::StrCat("127.0.0.1:", port);
  EXPECT_TRUE(WaitForServing(target, absl::Seconds(10)).ok());

  server->GetHealthCheckService()->SetServingStatus(false);
  absl::Status not_serving =
      CheckHealth(grpc::CreateChannel(target, grpc::InsecureChannelCredentials()), absl::Seconds(5));
  EXPECT_EQ(not_serving.code(), absl::StatusCode::kUnavailable);
  EXPECT_THAT(std::string(not_serving.message()), HasSubstr("NOT_SERVING"));
  server->Shutdown();

  // Nothing listens on the port any more: the wait gives up after its timeout.
  absl::Status gone = WaitForServing(target, absl::Milliseconds(300));
  EXPECT_EQ(gone.code(), absl::StatusCode::kDeadlineExceeded);
}

// --- commands against an in-process fake service ------------------------------------------------

class FakeContacts final : public v1::ContactsService::Service {
 public:
  grpc::Status GetSchool(grpc::ServerContext* ctx, const v1::GetSchoolRequest* req, v1::School* resp) override {
    Record(ctx);
    if (req->name() != "schools/st-marys") {
      ctx->AddTrailingMetadata("parley-error-reason", "SCHOOL_NOT_FOUND");
      return grpc::Status(grpc::StatusCode::NOT_FOUND, "no school " + req->name());
    }
    resp->set_name(req->name());
    resp->mutable_calendar()->set_time_zone("Europe/London");
    return grpc::Status::OK;
  }

  grpc::Status ListPupils(grpc::ServerContext* ctx, const v1::ListPupilsRequest* req,
                          v1::ListPupilsResponse* resp) override {
    Record(ctx);
    // Three pupils, two per page.
    const int start = req->page_token().empty() ? 0 : std::stoi(req->page_token());
    const int size = req->page_size() > 0 ? std::min(req->page_size(), 2) : 2;
    for (int i = start; i < std::min(start + size, 3); ++i) {
      resp->add_pupils()->set_name(absl::StrCat(req->parent(), "/pupils/p-000", i + 1));
    }
    if (start + size < 3) resp->set_next_page_token(absl::StrCat(start + size));
    return grpc::Status::OK;
  }

  grpc::Status ComputeDeadline(grpc::ServerContext* ctx, const v1::ComputeDeadlineRequest* req,
                               v1::ComputeDeadlineResponse* resp) override {
    Record(ctx);
    last_deadline = *req;
    *resp = WorkedExample();
    return grpc::Status::OK;
  }

  grpc::Status ImportTrust(grpc::ServerContext* ctx, const v1::ImportTrustRequest* req,
                           grpc::ServerWriter<v1::ImportTrustResponse>* writer) override {
    Record(ctx);
    last_import = *req;
    for (int i = 1; i <= 2; ++i) {
      v1::ImportTrustResponse u;
      u.set_phase(v1::IMPORT_PHASE_VALIDATING);
      u.set_done(i);
      u.set_total(2);
      writer->Write(u);
    }
    v1::ImportTrustResponse done;
    done.set_phase(v1::IMPORT_PHASE_DONE);
    done.mutable_summary()->set_schools(req->directory().schools_size());
    done.mutable_summary()->set_created(7);
    writer->Write(done);
    return grpc::Status::OK;
  }

  void Record(grpc::ServerContext* ctx) {
    auto auth = ctx->client_metadata().find("authorization");
    authorization = auth == ctx->client_metadata().end() ? "" : std::string(auth->second.data(), auth->second.size());
    had_deadline = ctx->deadline() < std::chrono::system_clock::now() + std::chrono::hours(1);
  }

  std::string authorization;
  bool had_deadline = false;
  v1::ComputeDeadlineRequest last_deadline;
  v1::ImportTrustRequest last_import;
};

class CommandsTest : public ::testing::Test {
 protected:
  void SetUp() override {
    grpc::ServerBuilder builder;
    int port = 0;
    builder.AddListeningPort("127.0.0.1:0", grpc::InsecureServerCredentials(), &port);
    builder.RegisterService(&service_);
    server_ = builder.BuildAndStart();
    ASSERT_NE(server_, nullptr);
    channel_ = grpc::CreateChannel(absl::StrCat("127.0.0.1:", port), grpc::InsecureChannelCredentials());
  }
  void TearDown() override { server_->Shutdown(); }

  Ctl MakeCtl(bool json = false) {
    GlobalOptions g;
    g.token = "test-token";
    g.json = json;
    return Ctl(g, channel_, out_, err_);
  }

  FakeContacts service_;
  std::unique_ptr<grpc::Server> server_;
  std::shared_ptr<grpc::Channel> channel_;
  std::ostringstream out_;
  std::ostringstream err_;
};

TEST_F(CommandsTest, PupilsFollowsEveryPageAndPrintsIds) {
  Ctl ctl = MakeCtl();
  Ctl::PupilsListOptions opts;
  opts.school = "st-marys";
  opts.ids_only = true;
  ASSERT_TRUE(ctl.PupilsList(opts).ok());
  EXPECT_EQ(out_.str(), "p-0001\np-0002\np-0003\n");
  EXPECT_EQ(service_.authorization, "Bearer test-token");
  EXPECT_TRUE(service_.had_deadline);
}

TEST_F(CommandsTest, PupilsWithPageSizeFetchesOnePage) {
  Ctl ctl = MakeCtl();
  Ctl::PupilsListOptions opts;
  opts.school = "schools/st-marys";
  opts.page_size = 1;
  opts.ids_only = true;
  ASSERT_TRUE(ctl.PupilsList(opts).ok());
  EXPECT_EQ(out_.str(), "p-0001\n");
}

TEST_F(CommandsTest, DeadlineReadsLocalTimesInTheSchoolsZone) {
  Ctl ctl = MakeCtl();
  Ctl::DeadlineOptions opts;
  opts.school = "st-marys";
  opts.channel = "email";
  opts.stage = "acknowledge";
  opts.received = "2025-10-24 16:10";
  opts.owner = "mrs-jones";
  opts.pauses = {"2025-11-03 09:00/2025-11-03T10:00:00Z", "2025-11-04 09:00/"};
  ASSERT_TRUE(ctl.Deadline(opts).ok()) << err_.str();
  const v1::ComputeDeadlineRequest& req = service_.last_deadline;
  EXPECT_EQ(req.school(), "schools/st-marys");
  EXPECT_EQ(req.channel(), v1::CHANNEL_EMAIL);
  EXPECT_EQ(req.stage(), v1::STAGE_ACKNOWLEDGE);
  EXPECT_EQ(req.owner(), "schools/st-marys/staff/mrs-jones");
  EXPECT_EQ(FromProto(req.received_time()), Utc("2025-10-24T15:10:00Z"));
  ASSERT_EQ(req.pauses_size(), 2);
  EXPECT_EQ(FromProto(req.pauses(0).start_time()), Utc("2025-11-03T09:00:00Z"));
  EXPECT_FALSE(req.pauses(1).has_end_time());
  EXPECT_THAT(out_.str(), HasSubstr("due:          Wed 5 Nov 2025 15:30 GMT (2025-11-05T15:30:00Z)\n"));
}

TEST_F(CommandsTest, BadArgumentsAreUsageErrorsBeforeAnyCall) {
  Ctl ctl = MakeCtl();
  Ctl::DeadlineOptions opts;
  opts.school = "st-marys";
  opts.channel = "fax";
  opts.stage = "acknowledge";
  opts.received = "2025-10-24 16:10";
  absl::Status s = ctl.Deadline(opts);
  EXPECT_TRUE(IsUsageError(s)) << s;
  opts.channel = "email";
  opts.received = "tomorrow";
  s = ctl.Deadline(opts);
  EXPECT_TRUE(IsUsageError(s)) << s;
  EXPECT_TRUE(service_.authorization.empty());  // nothing was called
}

TEST_F(CommandsTest, ServerErrorsKeepCodeAndReason) {
  Ctl ctl = MakeCtl();
  absl::Status s = ctl.SchoolsShow("nowhere");
  EXPECT_FALSE(IsUsageError(s));
  EXPECT_EQ(FormatError(s), "error: NOT_FOUND: no school schools/nowhere (reason: SCHOOL_NOT_FOUND)");
}

TEST_F(CommandsTest, ImportStreamsProgressAndPrintsTheSummary) {
  const std::string path = ::testing::TempDir() + "/parleyctl_import_test.json";
  {
    std::ofstream f(path);
    f << R"({"schools": [{"school": {"name": "schools/a"}}, {"school": {"name": "schools/b"}}]})";
  }
  Ctl ctl = MakeCtl();
  ASSERT_TRUE(ctl.Import(path, /*validate_only=*/true, /*progress_is_tty=*/false).ok()) << err_.str();
  EXPECT_EQ(err_.str(), "validating 1/2 schools\nvalidating 2/2 schools\n");
  EXPECT_TRUE(service_.last_import.validate_only());
  EXPECT_THAT(service_.last_import.request_id(),
              MatchesRegex("[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}"));
  EXPECT_THAT(out_.str(), HasSubstr("schools:       2\n"));
  EXPECT_THAT(out_.str(), HasSubstr("would create:  7\n"));
}

TEST_F(CommandsTest, JsonOutputIsProtobufJsonIndentedByTwo) {
  Ctl ctl = MakeCtl(/*json=*/true);
  ASSERT_TRUE(ctl.SchoolsShow("st-marys").ok());
  EXPECT_THAT(out_.str(), HasSubstr("{\n  \"name\": \"schools/st-marys\",\n"));
  EXPECT_THAT(out_.str(), HasSubstr("\"timeZone\": \"Europe/London\""));
}

}  // namespace
}  // namespace parley::ctl
