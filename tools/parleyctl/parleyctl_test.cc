#include <algorithm>
#include <fstream>
#include <functional>
#include <memory>
#include <set>
#include <sstream>
#include <string>
#include <vector>

#include "CLI/CLI.hpp"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/time/time.h"
#include "common/auth/auth.h"
#include "common/auth/testing/test_keys.h"
#include "common/status/reason.h"
#include "gmock/gmock.h"
#include "grpcpp/create_channel.h"
#include "grpcpp/health_check_service_interface.h"
#include "grpcpp/security/credentials.h"
#include "grpcpp/security/server_credentials.h"
#include "grpcpp/server.h"
#include "grpcpp/server_builder.h"
#include "gtest/gtest.h"
#include "parley/appointments/v1/appointments_service.grpc.pb.h"
#include "parley/conduct/v1/conduct_service.grpc.pb.h"
#include "parley/escalation/v1/escalation_service.grpc.pb.h"
#include "parley/notifications/v1/notifications_service.grpc.pb.h"
#include "tools/parleyctl/appointments_args.h"
#include "tools/parleyctl/appointments_cli.h"
#include "tools/parleyctl/appointments_format.h"
#include "tools/parleyctl/args.h"
#include "tools/parleyctl/commands.h"
#include "tools/parleyctl/conduct_args.h"
#include "tools/parleyctl/conduct_cli.h"
#include "tools/parleyctl/conduct_format.h"
#include "tools/parleyctl/escalation_args.h"
#include "tools/parleyctl/escalation_cli.h"
#include "tools/parleyctl/escalation_format.h"
#include "tools/parleyctl/format.h"
#include "tools/parleyctl/health.h"
#include "tools/parleyctl/mail_cli.h"
#include "tools/parleyctl/notifications_args.h"
#include "tools/parleyctl/notifications_cli.h"
#include "tools/parleyctl/notifications_format.h"

namespace parley::ctl {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::MatchesRegex;
using ::testing::Not;

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

// --- conduct arguments --------------------------------------------------------------------------

TEST(ConductChannel, AcceptsEveryChannelByShortLongAndEnumName) {
  EXPECT_EQ(ParseConductChannel("email").value(), cv1::CHANNEL_EMAIL);
  EXPECT_EQ(ParseConductChannel("letter").value(), cv1::CHANNEL_LETTER);
  EXPECT_EQ(ParseConductChannel("phone").value(), cv1::CHANNEL_PHONE);
  EXPECT_EQ(ParseConductChannel("app").value(), cv1::CHANNEL_APP_MESSAGE);
  EXPECT_EQ(ParseConductChannel("app-message").value(), cv1::CHANNEL_APP_MESSAGE);
  EXPECT_EQ(ParseConductChannel("in-person").value(), cv1::CHANNEL_IN_PERSON);
  EXPECT_EQ(ParseConductChannel("In_Person").value(), cv1::CHANNEL_IN_PERSON);
  EXPECT_EQ(ParseConductChannel("meeting-request").value(), cv1::CHANNEL_MEETING_REQUEST);
  EXPECT_EQ(ParseConductChannel("meeting").value(), cv1::CHANNEL_MEETING_REQUEST);
  EXPECT_EQ(ParseConductChannel("sms").value(), cv1::CHANNEL_SMS);
  EXPECT_EQ(ParseConductChannel("video").value(), cv1::CHANNEL_VIDEO_CALL);
  EXPECT_EQ(ParseConductChannel("CHANNEL_VIDEO_CALL").value(), cv1::CHANNEL_VIDEO_CALL);
}

TEST(ConductChannel, RejectsUnknownNamingTheChoices) {
  for (const char* bad : {"fax", "", "unspecified", "email,phone"}) {
    absl::StatusOr<cv1::Channel> c = ParseConductChannel(bad);
    ASSERT_FALSE(c.ok()) << bad;
    EXPECT_EQ(c.status().code(), absl::StatusCode::kInvalidArgument);
    EXPECT_THAT(std::string(c.status().message()), HasSubstr("meeting-request, sms, video")) << bad;
  }
}

TEST(ConductChannel, NamesRoundTripAndValuesMatchContacts) {
  for (int i = 1; i <= 8; ++i) {
    const auto c = static_cast<cv1::Channel>(i);
    EXPECT_EQ(ParseConductChannel(ConductChannelName(c)).value(), c) << ConductChannelName(c);
  }
  // conduct's channels 1-7 are contacts' (common.proto says so): the same names mean the same.
  EXPECT_EQ(static_cast<int>(ParseConductChannel("in-person").value()),
            static_cast<int>(ParseChannel("in-person").value()));
  EXPECT_EQ(ConductChannelName(cv1::CHANNEL_UNSPECIFIED), "unspecified");
}

TEST(ConductChannel, ListsInOrderWithoutRepeats) {
  EXPECT_THAT(ParseConductChannels("email,phone").value(), ElementsAre(cv1::CHANNEL_EMAIL, cv1::CHANNEL_PHONE));
  EXPECT_THAT(ParseConductChannels(" letter , email,letter ").value(),
              ElementsAre(cv1::CHANNEL_LETTER, cv1::CHANNEL_EMAIL));
  EXPECT_TRUE(ParseConductChannels("").value().empty());
  EXPECT_FALSE(ParseConductChannels("email,fax").ok());
}

TEST(Window, ParsesDayAndSchoolLocalClockTimes) {
  cv1::TimeWindow w = ParseWindow("tue:15:30-16:30").value();
  EXPECT_EQ(w.day(), cv1::WEEKDAY_TUESDAY);
  EXPECT_EQ(w.start(), "15:30");
  EXPECT_EQ(w.end(), "16:30");
  EXPECT_EQ(FormatWindow(w), "Tue 15:30-16:30");

  EXPECT_EQ(ParseWindow("Monday:08:45-09:15").value().day(), cv1::WEEKDAY_MONDAY);
  EXPECT_EQ(ParseWindow("SUN:00:00-24:00").value().end(), "24:00");
  EXPECT_EQ(FormatWindow(ParseWindow(" fri:12:00-13:00 ").value()), "Fri 12:00-13:00");
}

TEST(Window, RejectsWhatIsNotAWindow) {
  for (const char* bad : {"", "tue", "tue 15:30-16:30", "tue:15:30", "tue:15:30-", "xyz:15:30-16:30", "tue:16:30-15:30",
                          "tue:15:30-15:30", "tue:9:00-10:00", "tue:25:00-26:00", "tue:10:60-11:00", "tue:23:00-24:30",
                          "tue:15:30-16:30-17:00", "15:30-16:30"}) {
    absl::StatusOr<cv1::TimeWindow> w = ParseWindow(bad);
    ASSERT_FALSE(w.ok()) << bad;
    EXPECT_THAT(std::string(w.status().message()), HasSubstr("tue:15:30-16:30")) << bad;
  }
}

TEST(ConductNames, KindsStatesScopesOutcomesRoundTrip) {
  EXPECT_EQ(ParseIncidentKind("shouting").value(), cv1::INCIDENT_KIND_SHOUTING);
  EXPECT_EQ(ParseIncidentKind("threatening").value(), cv1::INCIDENT_KIND_THREATENING);
  EXPECT_EQ(ParseIncidentKind("abusive-message").value(), cv1::INCIDENT_KIND_ABUSIVE_WRITTEN_MESSAGE);
  EXPECT_EQ(ParseIncidentKind("harassment").value(), cv1::INCIDENT_KIND_HARASSMENT);
  EXPECT_EQ(ParseIncidentKind("physical").value(), cv1::INCIDENT_KIND_PHYSICAL_AGGRESSION);
  EXPECT_EQ(ParseIncidentKind("damage").value(), cv1::INCIDENT_KIND_DAMAGE);
  EXPECT_EQ(ParseIncidentKind("security").value(), cv1::INCIDENT_KIND_SECURITY_BREACH);
  EXPECT_EQ(ParseIncidentKind("other").value(), cv1::INCIDENT_KIND_OTHER);
  EXPECT_EQ(ParseIncidentKind("INCIDENT_KIND_PHYSICAL_AGGRESSION").value(), cv1::INCIDENT_KIND_PHYSICAL_AGGRESSION);
  EXPECT_FALSE(ParseIncidentKind("rude").ok());
  for (int i = 1; i <= 8; ++i) {
    const auto k = static_cast<cv1::IncidentKind>(i);
    EXPECT_EQ(ParseIncidentKind(IncidentKindName(k)).value(), k);
  }

  EXPECT_EQ(ParseArrangementState("under-review").value(), cv1::ARRANGEMENT_STATE_UNDER_REVIEW);
  EXPECT_EQ(ParseArrangementState("UNDER_REVIEW").value(), cv1::ARRANGEMENT_STATE_UNDER_REVIEW);
  for (int i = 1; i <= 4; ++i) {
    const auto st = static_cast<cv1::ArrangementState>(i);
    EXPECT_EQ(ParseArrangementState(ArrangementStateName(st)).value(), st);
  }
  EXPECT_FALSE(ParseArrangementState("paused").ok());

  EXPECT_EQ(ParseArrangementScope("trust").value(), cv1::ARRANGEMENT_SCOPE_TRUST);
  EXPECT_EQ(ArrangementScopeName(cv1::ARRANGEMENT_SCOPE_SCHOOL), "school");
  EXPECT_FALSE(ParseArrangementScope("county").ok());
  EXPECT_EQ(ParseBanScope("events").value(), cv1::PREMISES_BAN_SCOPE_EVENTS);
  EXPECT_EQ(BanScopeName(cv1::PREMISES_BAN_SCOPE_SITE), "site");

  EXPECT_EQ(ParseOutcome("no-response-required").value(), cv1::OUTCOME_NO_RESPONSE_REQUIRED);
  EXPECT_EQ(ParseOutcome("OUTCOME_DEFER").value(), cv1::OUTCOME_DEFER);
  for (int i = 1; i <= 4; ++i) {
    const auto o = static_cast<cv1::Outcome>(i);
    EXPECT_EQ(ParseOutcome(OutcomeName(o)).value(), o);
  }
  EXPECT_FALSE(ParseOutcome("deny").ok());
}

TEST(ConductNames, GuardiansStaffAndArrangements) {
  EXPECT_EQ(GuardianName("g-00012").value(), "guardians/g-00012");
  EXPECT_EQ(GuardianName("guardians/g-00012").value(), "guardians/g-00012");
  EXPECT_FALSE(GuardianName("").ok());
  EXPECT_FALSE(GuardianName("guardians/").ok());
  EXPECT_FALSE(GuardianName("schools/a/guardians/g-1").ok());

  EXPECT_EQ(StaffName("schools/kenilworth", "mr-shah").value(), "schools/kenilworth/staff/mr-shah");
  EXPECT_EQ(ChildResourceName("schools/kenilworth", "arrangements", "a-7").value(),
            "schools/kenilworth/arrangements/a-7");
  EXPECT_EQ(ChildResourceName("", "incidents", "schools/kenilworth/incidents/i-1").value(),
            "schools/kenilworth/incidents/i-1");
  // A bare id needs a school to go in.
  EXPECT_FALSE(ChildResourceName("", "arrangements", "a-7").ok());
  EXPECT_FALSE(ChildResourceName("schools/st-marys", "arrangements", "schools/kenilworth/arrangements/a-7").ok());
}

TEST(ConductDates, ExactlyYyyyMmDd) {
  EXPECT_EQ(ParseDateArg("--review", "2026-01-12").value(), absl::CivilDay(2026, 1, 12));
  for (const char* bad : {"", "2026-1-12", "2026-02-30", "12/01/2026", "2026-01-12T00:00", "tomorrow"}) {
    absl::StatusOr<absl::CivilDay> d = ParseDateArg("--review", bad);
    ASSERT_FALSE(d.ok()) << bad;
    EXPECT_THAT(std::string(d.status().message()), HasSubstr("--review")) << bad;
  }
}

TEST(ConductTimes, SchoolLocalTimesEitherSideOfTheClockChange) {
  // The --at example: a Tuesday in November is GMT.
  EXPECT_EQ(ParseTimeArg("2025-11-04 15:45", London()).value(), Utc("2025-11-04T15:45:00Z"));
  // The Friday before the clocks go back is still BST.
  EXPECT_EQ(ParseTimeArg("2025-10-24 15:45", London()).value(), Utc("2025-10-24T14:45:00Z"));
  // 26 Oct 2025: 00:59 BST is 23:59Z the day before; 02:00 is GMT again.
  EXPECT_EQ(ParseTimeArg("2025-10-26 00:59", London()).value(), Utc("2025-10-25T23:59:00Z"));
  EXPECT_EQ(ParseTimeArg("2025-10-26 02:00", London()).value(), Utc("2025-10-26T02:00:00Z"));
  // Spring: 29 Mar 2026 00:30 GMT, 02:30 BST.
  EXPECT_EQ(ParseTimeArg("2026-03-29 00:30", London()).value(), Utc("2026-03-29T00:30:00Z"));
  EXPECT_EQ(ParseTimeArg("2026-03-29 02:30", London()).value(), Utc("2026-03-29T01:30:00Z"));
}

TEST(ConductTimes, LocalDaysFollowTheSchoolsClock) {
  // Autumn half-term week: starts at BST midnight, ends at GMT midnight.
  auto week = LocalDays(absl::CivilDay(2025, 10, 25), absl::CivilDay(2025, 11, 1), London()).value();
  EXPECT_EQ(week.first, Utc("2025-10-24T23:00:00Z"));
  EXPECT_EQ(week.second, Utc("2025-11-02T00:00:00Z"));
  // The days the clocks change are 25 and 23 hours long.
  auto back = LocalDays(absl::CivilDay(2025, 10, 26), absl::CivilDay(2025, 10, 26), London()).value();
  EXPECT_EQ(back.second - back.first, absl::Hours(25));
  auto forward = LocalDays(absl::CivilDay(2026, 3, 29), absl::CivilDay(2026, 3, 29), London()).value();
  EXPECT_EQ(forward.second - forward.first, absl::Hours(23));
  EXPECT_FALSE(LocalDays(absl::CivilDay(2025, 11, 2), absl::CivilDay(2025, 11, 1), London()).ok());
}

// --- conduct output -----------------------------------------------------------------------------

// Kenilworth's arrangement for g-00012: email only, Tuesdays 15:30-16:30, through Mr Shah.
cv1::Decision DeferredEmail() {
  cv1::Decision d;
  d.set_name("schools/kenilworth/decisions/d-81");
  d.set_guardian("guardians/g-00012");
  d.set_channel(cv1::CHANNEL_EMAIL);
  // Saturday 25 Oct 2025 20:00 BST, the night before the clocks go back.
  SetTime("2025-10-25T19:00:00Z", d.mutable_time());
  d.set_purpose(cv1::PURPOSE_INBOUND_MESSAGE);
  d.set_outcome(cv1::OUTCOME_DEFER);
  d.set_arrangement("schools/kenilworth/arrangements/a-7");
  d.set_arrangement_version(2);
  // The next window opens on Tuesday, in GMT.
  SetTime("2025-10-28T15:30:00Z", d.mutable_next_allowed_time());
  d.set_explanation(
      "Outside the times arrangement a-7 (version 2) allows: Tuesdays 15:30-16:30. The response clock starts when "
      "the next allowed window opens.");
  cv1::ArrangementVerdict* v = d.add_verdicts();
  v->set_arrangement(d.arrangement());
  v->set_version(2);
  v->set_outcome(cv1::OUTCOME_DEFER);
  d.set_asked_by("parleyctl");
  return d;
}

TEST(FormatConduct, DeferredDecisionShowsTheNextWindowInSchoolTime) {
  EXPECT_EQ(FormatDecision(DeferredEmail(), London()),
            "outcome:       defer\n"
            "asked:         g-00012 by email, Sat 25 Oct 2025 20:00 BST\n"
            "arrangement:   schools/kenilworth/arrangements/a-7 (version 2)\n"
            "next allowed:  Tue 28 Oct 2025 15:30 GMT (2025-10-28T15:30:00Z)\n"
            "explanation:   Outside the times arrangement a-7 (version 2) allows: Tuesdays 15:30-16:30. The response\n"
            "               clock starts when the next allowed window opens.\n"
            "decision:      schools/kenilworth/decisions/d-81\n");
}

TEST(FormatConduct, RedirectAndMeetingDecisions) {
  cv1::Decision d = DeferredEmail();
  d.set_outcome(cv1::OUTCOME_REDIRECT);
  d.set_channel(cv1::CHANNEL_PHONE);
  d.clear_next_allowed_time();
  d.add_allowed_channels(cv1::CHANNEL_EMAIL);
  d.add_allowed_channels(cv1::CHANNEL_LETTER);
  d.set_point_of_contact("schools/kenilworth/staff/mr-shah");
  d.set_explanation("Phone is not allowed.");
  const std::string redirect = FormatDecision(d, London());
  EXPECT_THAT(redirect, HasSubstr("outcome:           redirect\n"));
  EXPECT_THAT(redirect, HasSubstr("allowed channels:  email, letter\n"));
  EXPECT_THAT(redirect, HasSubstr("contact:           schools/kenilworth/staff/mr-shah\n"));
  EXPECT_THAT(redirect, Not(HasSubstr("next allowed")));
  EXPECT_THAT(redirect, Not(HasSubstr("requirements")));

  cv1::Decision m;
  m.set_name("schools/kenilworth/decisions/d-82");
  m.set_guardian("guardians/g-00012");
  m.set_channel(cv1::CHANNEL_IN_PERSON);
  m.set_purpose(cv1::PURPOSE_MEETING);
  SetTime("2025-11-04T15:45:00Z", m.mutable_time());
  m.set_outcome(cv1::OUTCOME_ALLOW);
  m.add_requirements(cv1::MEETING_REQUIREMENT_SECOND_STAFF);
  m.add_requirements(cv1::MEETING_REQUIREMENT_HEAD_INFORMED);
  m.set_arrangement("schools/kenilworth/arrangements/a-7");
  m.set_arrangement_version(2);
  for (const char* a : {"schools/kenilworth/arrangements/a-7", "schools/kenilworth/arrangements/a-9"}) {
    cv1::ArrangementVerdict* v = m.add_verdicts();
    v->set_arrangement(a);
    v->set_version(1);
    v->set_outcome(cv1::OUTCOME_ALLOW);
  }
  const std::string meeting = FormatDecision(m, London());
  EXPECT_THAT(meeting, HasSubstr("asked:         g-00012 by in-person (meeting), Tue 4 Nov 2025 15:45 GMT\n"));
  EXPECT_THAT(meeting, HasSubstr("requirements:  second-staff, head-informed\n"));
  EXPECT_THAT(meeting, HasSubstr("verdicts:      a-7 v1: allow\n"
                                 "               a-9 v1: allow\n"));

  cv1::Decision none;
  none.set_outcome(cv1::OUTCOME_ALLOW);
  none.set_guardian("guardians/g-1");
  none.set_channel(cv1::CHANNEL_EMAIL);
  EXPECT_THAT(FormatDecision(none, London()), HasSubstr("arrangement:  none applies\n"));
}

cv1::Arrangement Tightened() {
  cv1::Arrangement a;
  a.set_name("schools/kenilworth/arrangements/a-7");
  a.set_guardian("guardians/g-00012");
  a.set_scope(cv1::ARRANGEMENT_SCOPE_SCHOOL);
  a.set_state(cv1::ARRANGEMENT_STATE_ACTIVE);
  a.set_version(2);
  cv1::ArrangementTerms* t = a.mutable_terms();
  t->add_allowed_channels(cv1::CHANNEL_EMAIL);
  *t->add_allowed_windows() = ParseWindow("tue:15:30-16:30").value();
  t->set_point_of_contact("schools/kenilworth/staff/mr-shah");
  t->mutable_meeting_conditions()->set_second_staff_required(true);
  t->set_reasons("On 3 October you shouted at the office staff.");
  SetTime("2025-10-06T08:00:00Z", a.mutable_start_time());
  a.set_review_date("2026-01-12");
  a.set_breach_incident("schools/kenilworth/incidents/i-3");
  a.set_letter("schools/kenilworth/letters/l-2");
  a.set_issued_by("staff:head");
  SetTime("2025-11-03T10:00:00Z", a.mutable_issue_time());
  a.set_etag("e-5");
  return a;
}

TEST(FormatConduct, ArrangementWithRevisions) {
  cv1::ArrangementRevision r1;
  r1.set_version(1);
  r1.mutable_terms()->add_allowed_channels(cv1::CHANNEL_EMAIL);
  r1.mutable_terms()->add_allowed_channels(cv1::CHANNEL_PHONE);
  r1.set_review_date("2025-12-01");
  r1.set_letter("schools/kenilworth/letters/l-1");
  SetTime("2025-10-06T08:00:00Z", r1.mutable_issue_time());
  cv1::ArrangementRevision r2;
  r2.set_version(2);
  *r2.mutable_terms() = Tightened().terms();
  r2.set_review_date("2026-01-12");
  r2.set_breach_incident("schools/kenilworth/incidents/i-3");
  r2.set_letter("schools/kenilworth/letters/l-2");
  SetTime("2025-11-03T10:00:00Z", r2.mutable_issue_time());

  EXPECT_EQ(FormatArrangement(Tightened(), {r1, r2}, London()),
            "arrangement:  schools/kenilworth/arrangements/a-7\n"
            "guardian:     guardians/g-00012\n"
            "scope:        school\n"
            "state:        active\n"
            "version:      2\n"
            "start:        Mon 6 Oct 2025 09:00 BST (2025-10-06T08:00:00Z)\n"
            "review:       Mon 12 Jan 2026\n"
            "end:          open-ended\n"
            "channels:     email\n"
            "windows:      Tue 15:30-16:30\n"
            "contact:      schools/kenilworth/staff/mr-shah\n"
            "meetings:     second-staff\n"
            "breach:       schools/kenilworth/incidents/i-3\n"
            "letter:       schools/kenilworth/letters/l-2\n"
            "issued:       Mon 3 Nov 2025 10:00 GMT by staff:head\n"
            "etag:         e-5\n"
            "reasons:      On 3 October you shouted at the office staff.\n"
            "\n"
            "revisions:\n"
            "  VERSION  ISSUED                    CHANNELS      WINDOWS          CONTACT  MEETINGS      REVIEW      "
            "BREACH  LETTER\n"
            "  1        Mon 6 Oct 2025 09:00 BST  email, phone  any time         anyone   none          2025-12-01  "
            "        l-1\n"
            "  2        Mon 3 Nov 2025 10:00 GMT  email         Tue 15:30-16:30  mr-shah  second-staff  2026-01-12  "
            "i-3     l-2\n");
}

TEST(FormatConduct, TablesLeaveOutPersonalData) {
  const std::string arrangements = FormatArrangementsTable({Tightened()}, London());
  EXPECT_THAT(arrangements, HasSubstr("a-7          g-00012   school  active  2        email     Tue 15:30-16:30  "
                                      "mr-shah  Mon 6 Oct 2025 09:00 BST  2026-01-12\n"));
  EXPECT_THAT(arrangements, Not(HasSubstr("shouted")));

  cv1::Incident i;
  i.set_name("schools/kenilworth/incidents/i-3");
  i.set_guardian("guardians/g-00012");
  i.set_kind(cv1::INCIDENT_KIND_SHOUTING);
  i.set_channel(cv1::CHANNEL_IN_PERSON);
  SetTime("2025-10-31T08:30:00Z", i.mutable_occur_time());
  i.add_staff_involved("schools/kenilworth/staff/mrs-ode");
  i.set_description_ref("MIS-DOC-4471");
  i.set_outcome(cv1::INCIDENT_OUTCOME_PENDING);
  i.set_reported_by("staff:mrs-ode");
  const std::string incidents = FormatIncidentsTable({i}, London());
  EXPECT_THAT(incidents,
              HasSubstr("i-3       Fri 31 Oct 2025 08:30 GMT  g-00012   shouting  in-person  mrs-ode  pending"));
  EXPECT_THAT(incidents, Not(HasSubstr("MIS-DOC")));
  EXPECT_THAT(FormatIncident(i, London()), HasSubstr("account:      MIS-DOC-4471\n"));
  EXPECT_THAT(FormatIncident(i, London()), HasSubstr("referred to:  no one"));
  cv1::IncidentReferral* r = i.add_referrals();
  r->set_recipient("schools/kenilworth/staff/mr-hoy");
  r->set_basis(cv1::REFERRAL_BASIS_LINE_MANAGER);
  r->set_immediate(true);
  r = i.add_referrals();
  r->set_recipient("schools/kenilworth/externalContacts/chair-of-governors");
  r->set_basis(cv1::REFERRAL_BASIS_EXTERNAL_CONTACT);
  EXPECT_THAT(FormatIncident(i, London()),
              HasSubstr("referred to:  schools/kenilworth/staff/mr-hoy (line manager of the recorder; at once)\n"
                        "              schools/kenilworth/externalContacts/chair-of-governors (external contact "
                        "named by the policy; in working time)\n"));
}

TEST(FormatConduct, BanStatusFollowsTheClock) {
  cv1::PremisesBan b;
  b.set_name("schools/kenilworth/premisesBans/b-1");
  b.set_guardian("guardians/g-00012");
  b.set_scope(cv1::PREMISES_BAN_SCOPE_SITE);
  SetTime("2025-11-03T08:00:00Z", b.mutable_start_time());
  SetTime("2025-12-19T16:00:00Z", b.mutable_end_time());
  b.set_reason("Damage to the office door.");
  EXPECT_THAT(FormatBansTable({b}, Utc("2025-11-01T00:00:00Z"), London()), HasSubstr("upcoming"));
  EXPECT_THAT(FormatBansTable({b}, Utc("2025-11-10T00:00:00Z"), London()), HasSubstr("in force"));
  EXPECT_THAT(FormatBansTable({b}, Utc("2026-01-05T00:00:00Z"), London()), HasSubstr("ended"));
  EXPECT_THAT(FormatBansTable({b}, Utc("2026-01-05T00:00:00Z"), London()), Not(HasSubstr("Damage")));
  SetTime("2025-11-20T12:00:00Z", b.mutable_revoke_time());
  const std::string revoked = FormatBan(b, Utc("2025-11-21T00:00:00Z"), London());
  EXPECT_THAT(revoked, HasSubstr("status:        revoked\n"));
  EXPECT_THAT(revoked, HasSubstr("reason:        Damage to the office door.\n"));
}

TEST(FormatConduct, StatsTotalsAndBreakdowns) {
  cv1::SchoolStats s;
  s.set_school("schools/kenilworth");
  SetTime("2025-08-31T23:00:00Z", s.mutable_start_time());
  SetTime("2025-12-20T00:00:00Z", s.mutable_end_time());
  cv1::IncidentKindCount* k = s.add_incidents_by_kind();
  k->set_kind(cv1::INCIDENT_KIND_SHOUTING);
  k->set_count(3);
  k = s.add_incidents_by_kind();
  k->set_kind(cv1::INCIDENT_KIND_ABUSIVE_WRITTEN_MESSAGE);
  k->set_count(2);
  s.set_arrangements_issued(2);
  s.set_tightenings(1);
  s.set_arrangements_active(1);
  cv1::OutcomeCount* o = s.add_decisions_by_outcome();
  o->set_outcome(cv1::OUTCOME_ALLOW);
  o->set_count(40);
  o = s.add_decisions_by_outcome();
  o->set_outcome(cv1::OUTCOME_DEFER);
  o->set_count(4);
  const std::string out = FormatStats(s, London());
  EXPECT_THAT(out, HasSubstr("period:                 Mon 1 Sep 2025 00:00 BST to Sat 20 Dec 2025 00:00 GMT\n"));
  EXPECT_THAT(out, HasSubstr("incidents:              5\n"
                             "  shouting:             3\n"
                             "  abusive-message:      2\n"));
  EXPECT_THAT(out, HasSubstr("gate decisions:         44\n"
                             "  allow:                40\n"
                             "  defer:                4\n"));
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
  b.set_working_minutes(90);
  EXPECT_EQ(FormatBudget(b), "90 working minutes (1h 30m)");
  b.set_working_minutes(150);
  EXPECT_EQ(FormatBudget(b), "150 working minutes (2h 30m)");
  b.set_working_minutes(45);
  EXPECT_EQ(FormatBudget(b), "45 working minutes");
  b.set_working_minutes(1);
  EXPECT_EQ(FormatBudget(b), "1 working minute");
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

// The worked example of docs/architecture.md#worked-example, built by hand as the service would answer it.
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
  EXPECT_THAT(out, Not(HasSubstr("incident notices")));

  v1::IncidentNoticeRule* notice = s.mutable_policy()->add_incident_notices();
  notice->add_channels(v1::CHANNEL_PHONE);
  notice->set_reporter_line_manager(true);
  notice->set_immediate(true);
  notice = s.mutable_policy()->add_incident_notices();
  notice->add_incident_kinds("threatening");
  notice->add_notify()->set_external_contact("chair-of-governors");
  EXPECT_THAT(FormatSchool(s), HasSubstr("incident notices:\n"));
  EXPECT_THAT(FormatSchool(s), HasSubstr("every        phone     recorder's line manager (else the head)  at once"));
  EXPECT_THAT(FormatSchool(s), HasSubstr("threatening  every     external chair-of-governors"));
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

TEST(TrustDirectoryJson, WorkingMinutesImportAndShowAsMinutes) {
  // What `parleyctl import` sends and `schools show` prints for a budget finer than an hour.
  absl::StatusOr<v1::TrustDirectory> d = ParseTrustDirectoryJson(
      R"({"schools": [{"school": {"name": "schools/a", "policy": {"rules": [
          {"channel": "CHANNEL_PHONE", "stage": "STAGE_RESPOND", "budget": {"workingMinutes": 90}}]}}}]})",
      "t.json");
  ASSERT_TRUE(d.ok()) << d.status();
  const v1::ResponseRule& rule = d->schools(0).school().policy().rules(0);
  EXPECT_EQ(rule.budget().amount_case(), v1::Budget::kWorkingMinutes);
  EXPECT_EQ(rule.budget().working_minutes(), 90);
  EXPECT_THAT(FormatSchool(d->schools(0).school()), HasSubstr("  phone    respond  90 working minutes (1h 30m)"));
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

// --- enquiries (escalation) arguments and output -----------------------------------------------

TEST(EnquiryNames, ChannelsByShortLongAndEnumName) {
  EXPECT_EQ(ParseEnquiryChannel("email").value(), ev1::CHANNEL_EMAIL);
  EXPECT_EQ(ParseEnquiryChannel("letter").value(), ev1::CHANNEL_LETTER);
  EXPECT_EQ(ParseEnquiryChannel("phone").value(), ev1::CHANNEL_PHONE);
  EXPECT_EQ(ParseEnquiryChannel("app").value(), ev1::CHANNEL_APP_MESSAGE);
  EXPECT_EQ(ParseEnquiryChannel("App_Message").value(), ev1::CHANNEL_APP_MESSAGE);
  EXPECT_EQ(ParseEnquiryChannel("in-person").value(), ev1::CHANNEL_IN_PERSON);
  EXPECT_EQ(ParseEnquiryChannel("CHANNEL_IN_PERSON").value(), ev1::CHANNEL_IN_PERSON);
  for (int i = 1; i <= 5; ++i) {
    const auto c = static_cast<ev1::Channel>(i);
    EXPECT_EQ(ParseEnquiryChannel(EnquiryChannelName(c)).value(), c);
  }
  // Escalation takes the channels a parent writes or speaks in, not conduct's meetings or SMS.
  for (const char* bad : {"sms", "meeting", "video", "", "fax"}) {
    absl::StatusOr<ev1::Channel> c = ParseEnquiryChannel(bad);
    ASSERT_FALSE(c.ok()) << bad;
    EXPECT_THAT(std::string(c.status().message()), HasSubstr("email, letter, phone, app, in-person")) << bad;
  }
}

TEST(EnquiryNames, StatesAsTheCommandLineNamesThem) {
  EXPECT_EQ(ParseEnquiryState("open").value(), ev1::ENQUIRY_STATE_OPEN);
  EXPECT_EQ(ParseEnquiryState("acknowledged").value(), ev1::ENQUIRY_STATE_ACKNOWLEDGED);
  EXPECT_EQ(ParseEnquiryState("awaiting-parent").value(), ev1::ENQUIRY_STATE_AWAITING_PARENT);
  EXPECT_EQ(ParseEnquiryState("AWAITING_PARENT").value(), ev1::ENQUIRY_STATE_AWAITING_PARENT);
  EXPECT_EQ(ParseEnquiryState("resolved").value(), ev1::ENQUIRY_STATE_RESOLVED);
  EXPECT_EQ(ParseEnquiryState("referred").value(), ev1::ENQUIRY_STATE_REFERRED_TO_COMPLAINTS);
  EXPECT_EQ(ParseEnquiryState("ENQUIRY_STATE_REFERRED_TO_COMPLAINTS").value(),
            ev1::ENQUIRY_STATE_REFERRED_TO_COMPLAINTS);
  EXPECT_EQ(ParseEnquiryState("redirected").value(), ev1::ENQUIRY_STATE_REDIRECTED);
  EXPECT_EQ(ParseEnquiryState("no-response").value(), ev1::ENQUIRY_STATE_NO_RESPONSE_REQUIRED);
  EXPECT_EQ(ParseEnquiryState("no-response-required").value(), ev1::ENQUIRY_STATE_NO_RESPONSE_REQUIRED);
  for (int i = 1; i <= 7; ++i) {
    const auto st = static_cast<ev1::EnquiryState>(i);
    EXPECT_EQ(ParseEnquiryState(EnquiryStateName(st)).value(), st) << EnquiryStateName(st);
  }
  EXPECT_FALSE(ParseEnquiryState("closed").ok());
  EXPECT_FALSE(ParseEnquiryState("unspecified").ok());
  EXPECT_EQ(EnquiryStateName(ev1::ENQUIRY_STATE_UNSPECIFIED), "unspecified");
}

TEST(EnquiryNames, EventsClocksAndGateOutcomes) {
  EXPECT_EQ(EnquiryEventKindName(ev1::ENQUIRY_EVENT_KIND_MARKED_ABUSIVE), "marked-abusive");
  EXPECT_EQ(EnquiryEventKindName(ev1::ENQUIRY_EVENT_KIND_REFERRED_TO_COMPLAINTS), "referred");
  std::set<std::string> kinds;
  for (int i = 1; i <= 15; ++i) kinds.insert(EnquiryEventKindName(static_cast<ev1::EnquiryEventKind>(i)));
  EXPECT_EQ(kinds.size(), 15u);  // every kind has a name of its own
  EXPECT_EQ(kinds.count("unspecified"), 0u);
  EXPECT_EQ(ClockStageName(ev1::STAGE_ACKNOWLEDGE), "acknowledge");
  EXPECT_EQ(ClockStageName(ev1::STAGE_RESPOND), "respond");
  EXPECT_EQ(ClockStateName(ev1::CLOCK_STATE_BREACHED), "breached");
  EXPECT_EQ(GateOutcomeName("ALLOW"), "allow");
  EXPECT_EQ(GateOutcomeName("NO_RESPONSE_REQUIRED"), "no-response-required");
  EXPECT_EQ(GateOutcomeName("REDIRECT"), "redirect");
  EXPECT_EQ(GateOutcomeName("SOMETHING_NEW"), "something_new");
  EXPECT_EQ(GateOutcomeName(""), "-");
}

// St Mary's: Mrs Ahmed (g-00012) emails about Amy (p-00001) on Friday 24 Oct 2025 at 16:10 BST,
// after hours on the last day before half-term; the clocks go back on Sunday 26 Oct, so both due
// times fall in GMT.
ev1::Enquiry AfterHoursEmail() {
  ev1::Enquiry e;
  e.set_name("schools/st-marys/enquiries/enq-1");
  e.set_pupil("schools/st-marys/pupils/p-00001");
  e.set_guardian("guardians/g-00012");
  e.set_channel(ev1::CHANNEL_EMAIL);
  e.set_category("learning");
  SetTime("2025-10-24T15:10:00Z", e.mutable_receive_time());
  e.set_subject("Reading book not changed");
  e.set_body_ref("MAIL-88213");
  e.set_state(ev1::ENQUIRY_STATE_OPEN);
  e.set_owner("schools/st-marys/staff/mrs-jones");
  e.set_rung(0);
  e.set_rung_role("class_teacher");
  e.set_cycle(1);
  ev1::Clock* ack = e.mutable_acknowledge();
  ack->set_stage(ev1::STAGE_ACKNOWLEDGE);
  SetTime("2025-11-03T08:30:00Z", ack->mutable_start_time());
  SetTime("2025-11-04T08:30:00Z", ack->mutable_due_time());
  ack->set_state(ev1::CLOCK_STATE_RUNNING);
  ack->set_explanation(
      "Received Fri 24 Oct 16:10 BST, after the school day; half-term runs to Fri 31 Oct, so the clock starts Mon "
      "3 Nov 08:30 GMT. 1 working day: due Tue 4 Nov 08:30 GMT.");
  ev1::Clock* respond = e.mutable_respond();
  respond->set_stage(ev1::STAGE_RESPOND);
  SetTime("2025-11-03T08:30:00Z", respond->mutable_start_time());
  SetTime("2025-11-07T08:30:00Z", respond->mutable_due_time());
  respond->set_state(ev1::CLOCK_STATE_RUNNING);
  respond->set_explanation("5 working days from Mon 3 Nov 08:30 GMT.");
  e.set_gate_decision("schools/st-marys/decisions/d-4");
  e.set_gate_outcome("ALLOW");
  e.set_etag("e-1");
  return e;
}

ev1::EnquiryEvent Event(int seq, ev1::EnquiryEventKind kind, const std::string& at, const std::string& actor) {
  ev1::EnquiryEvent ev;
  ev.set_name(absl::StrCat("schools/st-marys/enquiries/enq-1/events/", seq));
  ev.set_kind(kind);
  SetTime(at, ev.mutable_time());
  ev.set_actor(actor);
  ev.set_owner("schools/st-marys/staff/mrs-jones");
  return ev;
}

std::vector<ev1::EnquiryEvent> AfterHoursHistory() {
  ev1::EnquiryEvent received = Event(1, ev1::ENQUIRY_EVENT_KIND_RECEIVED, "2025-10-24T15:10:00Z", "service:escalation");
  ev1::EnquiryEvent routed = Event(2, ev1::ENQUIRY_EVENT_KIND_ROUTED, "2025-10-24T15:10:01Z", "service:escalation");
  *routed.mutable_clock() = AfterHoursEmail().acknowledge();
  ev1::EnquiryEvent breached = Event(3, ev1::ENQUIRY_EVENT_KIND_BREACHED, "2025-11-04T08:30:00Z", "service:escalation");
  breached.set_reason("acknowledge");
  *breached.mutable_clock() = AfterHoursEmail().acknowledge();
  breached.mutable_clock()->set_state(ev1::CLOCK_STATE_BREACHED);
  ev1::EnquiryEvent escalated = Event(4, ev1::ENQUIRY_EVENT_KIND_ESCALATED, "2025-11-07T09:00:00Z", "staff:mrs-jones");
  escalated.set_owner("schools/st-marys/staff/mr-patel");
  escalated.set_rung(1);
  escalated.set_reason("parent asked for the head of year");
  return {received, routed, breached, escalated};
}

TEST(FormatEnquiry, DueTimesInSchoolTimeAcrossTheClockChange) {
  EXPECT_EQ(
      FormatEnquiry(AfterHoursEmail(), {}, London()),
      "enquiry:        schools/st-marys/enquiries/enq-1\n"
      "state:          open\n"
      "owner:          schools/st-marys/staff/mrs-jones\n"
      "rung:           0 (class_teacher)\n"
      "guardian:       guardians/g-00012\n"
      "pupil:          schools/st-marys/pupils/p-00001\n"
      "channel:        email\n"
      "category:       learning\n"
      "subject:        Reading book not changed\n"
      "body:           MAIL-88213\n"
      "received:       Fri 24 Oct 2025 16:10 BST (2025-10-24T15:10:00Z)\n"
      "gate:           allow (schools/st-marys/decisions/d-4)\n"
      "acknowledge:    running, due Tue 4 Nov 2025 08:30 GMT (2025-11-04T08:30:00Z)\n"
      "  started:      Mon 3 Nov 2025 08:30 GMT\n"
      "  explanation:  Received Fri 24 Oct 16:10 BST, after the school day; half-term runs to Fri 31 Oct, so the\n"
      "                clock starts Mon 3 Nov 08:30 GMT. 1 working day: due Tue 4 Nov 08:30 GMT.\n"
      "respond:        running, due Fri 7 Nov 2025 08:30 GMT (2025-11-07T08:30:00Z)\n"
      "  started:      Mon 3 Nov 2025 08:30 GMT\n"
      "  explanation:  5 working days from Mon 3 Nov 08:30 GMT.\n"
      "etag:           e-1\n");
}

TEST(FormatEnquiry, SameDayBeforeAndAfterTheChange) {
  // A safeguarding email at 00:30 BST on 26 Oct, due an hour later (elapsed): 01:30 GMT, the
  // second 01:30 of that night. Both show their own zone, so neither is misread.
  ev1::Enquiry e = AfterHoursEmail();
  e.set_safeguarding(true);
  e.set_guardian("");
  e.set_sender_description("a neighbour");
  SetTime("2025-10-25T23:30:00Z", e.mutable_receive_time());
  e.clear_respond();
  e.mutable_acknowledge()->clear_start_time();
  e.mutable_acknowledge()->clear_explanation();
  SetTime("2025-10-26T01:30:00Z", e.mutable_acknowledge()->mutable_due_time());
  const std::string out = FormatEnquiry(e, {}, London());
  EXPECT_THAT(out, HasSubstr("received:      Sun 26 Oct 2025 00:30 BST (2025-10-25T23:30:00Z)\n"));
  EXPECT_THAT(out, HasSubstr("acknowledge:   running, due Sun 26 Oct 2025 01:30 GMT (2025-10-26T01:30:00Z)\n"));
  EXPECT_THAT(out, HasSubstr("respond:       none\n"));
  EXPECT_THAT(out, HasSubstr("sender:        a neighbour\n"));
  EXPECT_THAT(out, HasSubstr("safeguarding:  yes: to the DSL at once, on an elapsed clock\n"));
  EXPECT_THAT(out, Not(HasSubstr("guardian:")));
  EXPECT_THAT(out, Not(HasSubstr("urgent:")));

  e.set_urgent(true);
  EXPECT_THAT(
      FormatEnquiry(e, {}, London()),
      HasSubstr("urgent:        yes: the school's urgent route and clock; its notices may interrupt teaching\n"));
  EXPECT_THAT(FormatEnquiriesTable({e}, London()), HasSubstr("safeguarding, urgent"));
}

TEST(FormatEnquiry, PausedReopenedAndEscalated) {
  ev1::Enquiry e = AfterHoursEmail();
  e.set_state(ev1::ENQUIRY_STATE_AWAITING_PARENT);
  e.set_rung(1);
  e.set_rung_role("head_of_year");
  e.set_cycle(2);
  e.mutable_respond()->set_state(ev1::CLOCK_STATE_PAUSED);
  e.mutable_respond()->clear_due_time();
  e.mutable_acknowledge()->set_state(ev1::CLOCK_STATE_MET);
  const std::string out = FormatEnquiry(e, {}, London());
  EXPECT_THAT(out, HasSubstr("state:          awaiting-parent\n"));
  EXPECT_THAT(out, HasSubstr("rung:           1 (head_of_year)\n"));
  EXPECT_THAT(out, HasSubstr("cycle:          2 (reopened)\n"));
  EXPECT_THAT(out, HasSubstr("acknowledge:    met, due Tue 4 Nov 2025 08:30 GMT"));
  EXPECT_THAT(out, HasSubstr("respond:        paused: standing still while the school awaits the parent\n"));
}

TEST(FormatEnquiry, EventsOldestFirstWithTheClockEachSet) {
  EXPECT_EQ(FormatEnquiryEventsTable(AfterHoursHistory(), London()),
            "#  WHEN                       EVENT      BY                  OWNER      RUNG  CLOCK                       "
            "                   REASON\n"
            "1  Fri 24 Oct 2025 16:10 BST  received   service:escalation  mrs-jones  0\n"
            "2  Fri 24 Oct 2025 16:10 BST  routed     service:escalation  mrs-jones  0     acknowledge Tue 4 Nov 2025 "
            "08:30 GMT\n"
            "3  Tue 4 Nov 2025 08:30 GMT   breached   service:escalation  mrs-jones  0     acknowledge breached Tue 4 "
            "Nov 2025 08:30 GMT  acknowledge\n"
            "4  Fri 7 Nov 2025 09:00 GMT   escalated  staff:mrs-jones     mr-patel   1                                 "
            "                   parent asked for the head of year\n");
  // The show view: the enquiry, then the same table indented under "events:".
  const std::string show = FormatEnquiry(AfterHoursEmail(), AfterHoursHistory(), London());
  EXPECT_THAT(show, HasSubstr("etag:           e-1\n\nevents:\n  #  WHEN "));
  EXPECT_THAT(show, HasSubstr("\n  4  Fri 7 Nov 2025 09:00 GMT "));
}

TEST(FormatEnquiry, ListShowsDueTimesInSchoolTimeAndNoPersonalData) {
  ev1::Enquiry breached = AfterHoursEmail();
  breached.set_name("schools/st-marys/enquiries/enq-2");
  breached.set_state(ev1::ENQUIRY_STATE_ACKNOWLEDGED);
  breached.mutable_acknowledge()->set_state(ev1::CLOCK_STATE_MET);
  breached.mutable_respond()->set_state(ev1::CLOCK_STATE_BREACHED);
  breached.set_safeguarding(true);
  ev1::Enquiry redirected = AfterHoursEmail();
  redirected.set_name("schools/st-marys/enquiries/enq-3");
  redirected.set_state(ev1::ENQUIRY_STATE_REDIRECTED);
  redirected.clear_acknowledge();
  redirected.clear_respond();
  const std::string table = FormatEnquiriesTable({AfterHoursEmail(), breached, redirected}, London());
  EXPECT_EQ(table,
            "ENQUIRY  RECEIVED                   CHANNEL  CATEGORY  STATE         OWNER      RUNG  ACK DUE             "
            "      RESPOND DUE                        FLAGS\n"
            "enq-1    Fri 24 Oct 2025 16:10 BST  email    learning  open          mrs-jones  0     Tue 4 Nov 2025 "
            "08:30 GMT  Fri 7 Nov 2025 08:30 GMT\n"
            "enq-2    Fri 24 Oct 2025 16:10 BST  email    learning  acknowledged  mrs-jones  0     met                 "
            "      breached Fri 7 Nov 2025 08:30 GMT  safeguarding\n"
            "enq-3    Fri 24 Oct 2025 16:10 BST  email    learning  redirected    mrs-jones  0     -                   "
            "      -\n");
  EXPECT_THAT(table, Not(HasSubstr("Reading book")));
  EXPECT_THAT(table, Not(HasSubstr("MAIL-88213")));
}

TEST(FormatEnquiry, FollowUpClockInShowHistoryListAndStats) {
  // A call at a school that promises follow-up action within 10 working days.
  ev1::Enquiry e = AfterHoursEmail();
  e.set_channel(ev1::CHANNEL_PHONE);
  ev1::Clock* follow_up = e.mutable_follow_up();
  follow_up->set_stage(ev1::STAGE_FOLLOW_UP);
  follow_up->set_state(ev1::CLOCK_STATE_RUNNING);
  SetTime("2025-11-03T08:30:00Z", follow_up->mutable_start_time());
  SetTime("2025-11-14T15:30:00Z", follow_up->mutable_due_time());
  const std::string out = FormatEnquiry(e, {}, London());
  EXPECT_THAT(out, HasSubstr("follow-up:      running, due Fri 14 Nov 2025 15:30 GMT (2025-11-14T15:30:00Z)\n"));
  EXPECT_THAT(FormatEnquiry(AfterHoursEmail(), {}, London()), Not(HasSubstr("follow-up")));

  ev1::EnquiryEvent routed = Event(2, ev1::ENQUIRY_EVENT_KIND_ROUTED, "2025-10-24T15:10:01Z", "service:escalation");
  *routed.mutable_clock() = AfterHoursEmail().acknowledge();
  *routed.mutable_follow_up() = *follow_up;
  EXPECT_THAT(FormatEnquiryEventsTable({routed}, London()),
              HasSubstr("acknowledge Tue 4 Nov 2025 08:30 GMT; follow-up Fri 14 Nov 2025 15:30 GMT"));

  follow_up->set_state(ev1::CLOCK_STATE_BREACHED);
  EXPECT_THAT(FormatEnquiriesTable({e}, London()), HasSubstr("follow-up breached Fri 14 Nov 2025 15:30 GMT\n"));

  ev1::SchoolStats s;
  s.set_school("schools/riverside-academy");
  s.set_follow_up_met(3);
  s.set_follow_up_breached(1);
  s.set_follow_up_running(2);
  s.set_followed_up_within_promise(0.75);
  const std::string stats = FormatEnquiryStats(s, London());
  EXPECT_THAT(stats, HasSubstr("followed up in time:     75.0 %\n"));
  EXPECT_THAT(stats, HasSubstr("follow-up clocks:        3 met, 1 breached, 2 running\n"));
  EXPECT_THAT(FormatEnquiryStats(ev1::SchoolStats(), London()), Not(HasSubstr("follow-up")));
}

TEST(FormatEnquiry, StatsTotalsRungsAndBreakdowns) {
  ev1::SchoolStats s;
  s.set_school("schools/st-marys");
  SetTime("2025-08-31T23:00:00Z", s.mutable_start_time());
  SetTime("2025-12-20T00:00:00Z", s.mutable_end_time());
  ev1::PromiseFigures* all = s.mutable_all();
  all->set_received(40);
  all->set_acknowledged_within_promise(0.95);
  all->set_answered_within_promise(0.875);
  all->mutable_median_to_acknowledge()->set_seconds(2 * 3600 + 30 * 60);
  all->mutable_median_to_answer()->set_seconds(26 * 3600);
  all->set_breaches(3);
  ev1::ChannelFigures* email = s.add_by_channel();
  email->set_channel(ev1::CHANNEL_EMAIL);
  *email->mutable_figures() = *all;
  ev1::CategoryFigures* send = s.add_by_category();
  send->set_category("send");
  send->mutable_figures()->set_received(4);
  ev1::RungCount* r1 = s.add_escalations_by_rung();
  r1->set_rung(1);
  r1->set_count(3);
  ev1::RungCount* r2 = s.add_escalations_by_rung();
  r2->set_rung(2);
  r2->set_count(1);
  s.set_referrals_to_complaints(1);
  s.set_open_now(6);
  s.set_overdue_now(2);
  const std::string out = FormatEnquiryStats(s, London());
  EXPECT_THAT(out, HasSubstr("period:                  Mon 1 Sep 2025 00:00 BST to Sat 20 Dec 2025 00:00 GMT\n"));
  EXPECT_THAT(out, HasSubstr("acknowledged in time:    95.0 %\n"));
  EXPECT_THAT(out, HasSubstr("answered in time:        87.5 %\n"));
  EXPECT_THAT(out, HasSubstr("median to acknowledge:   2h30m (working time)\n"));
  EXPECT_THAT(out, HasSubstr("escalations:             4\n  to rung 1:             3\n  to rung 2:             1\n"));
  EXPECT_THAT(out, HasSubstr("referred to complaints:  1\n"));
  EXPECT_THAT(out, HasSubstr("overdue now:             2\n"));
  EXPECT_THAT(out, HasSubstr("by channel:\n  CHANNEL  RECEIVED  ACK IN TIME"));
  EXPECT_THAT(out,
              HasSubstr("\n  email    40        95.0 %       87.5 %            2h30m          26h               3"));
  EXPECT_THAT(out, HasSubstr("by category:\n  CATEGORY  RECEIVED"));
  EXPECT_THAT(out, HasSubstr("\n  send      4         0.0 %        0.0 %             -              -"));
}

// --- commands against an in-process fake service ------------------------------------------------

// A fake's paging: the page token is the index to start from. Adds items [start, start + per_page)
// of `total` with `add` and sets the next token when more remain.
template <typename Resp>
void ServePage(int total, int per_page, const std::string& token, Resp* resp, const std::function<void(int)>& add) {
  const int start = token.empty() ? 0 : std::stoi(token);
  for (int i = start; i < std::min(start + per_page, total); ++i) add(i);
  if (start + per_page < total) resp->set_next_page_token(absl::StrCat(start + per_page));
}

class FakeContacts final : public v1::ContactsService::Service {
 public:
  grpc::Status GetSchool(grpc::ServerContext* ctx, const v1::GetSchoolRequest* req, v1::School* resp) override {
    Record(ctx);
    ++get_school_calls;
    if (req->name() != "schools/st-marys" && req->name() != "schools/kenilworth") {
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
    const int size = req->page_size() > 0 ? std::min(req->page_size(), 2) : 2;
    ServePage(3, size, req->page_token(), resp,
              [&](int i) { resp->add_pupils()->set_name(absl::StrCat(req->parent(), "/pupils/p-000", i + 1)); });
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
    imports.push_back(*req);
    for (int i = 1; i <= 2; ++i) {
      v1::ImportTrustResponse u;
      u.set_phase(v1::IMPORT_PHASE_VALIDATING);
      u.set_done(i);
      u.set_total(2);
      writer->Write(u);
    }
    v1::ImportTrustResponse done;
    done.set_phase(v1::IMPORT_PHASE_DONE);
    v1::ImportSummary* s = done.mutable_summary();
    s->set_schools(req->directory().schools_size());
    s->set_created(7);
    s->set_directory_etag("42");
    v1::ImportChanges* staff = s->add_changes();
    staff->set_kind(v1::IMPORT_RECORD_KIND_STAFF);
    for (int i = 1; i <= 7; ++i) staff->add_created(absl::StrCat("schools/a/staff/s-", i));
    if (guardians_to_delete > 0) {
      v1::ImportChanges* g = s->add_changes();
      g->set_kind(v1::IMPORT_RECORD_KIND_GUARDIAN);
      for (int i = 1; i <= guardians_to_delete; ++i) g->add_deleted(absl::StrCat("guardians/g-", i));
      s->set_deleted(req->validate_only() || req->allow_deletions() ? guardians_to_delete : 0);
      if (!req->validate_only() && !req->allow_deletions()) {
        return grpc::Status(grpc::StatusCode::FAILED_PRECONDITION, "would delete");
      }
    }
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
  int get_school_calls = 0;
  v1::ComputeDeadlineRequest last_deadline;
  v1::ImportTrustRequest last_import;
  std::vector<v1::ImportTrustRequest> imports;
  int guardians_to_delete = 0;  // in the plan the fake reports
};

// The conduct service as parleyctl sees it: records each request and answers from the fixtures
// above.
class FakeConduct final : public cv1::ConductService::Service {
 public:
  grpc::Status CheckCommunication(grpc::ServerContext* ctx, const cv1::CheckCommunicationRequest* req,
                                  cv1::Decision* resp) override {
    Record(ctx);
    last_check = *req;
    *resp = DeferredEmail();
    return grpc::Status::OK;
  }

  grpc::Status ListArrangements(grpc::ServerContext* ctx, const cv1::ListArrangementsRequest* req,
                                cv1::ListArrangementsResponse* resp) override {
    Record(ctx);
    last_list_arrangements = *req;
    // Three arrangements, two per page.
    ServePage(3, 2, req->page_token(), resp, [&](int i) {
      cv1::Arrangement* a = resp->add_arrangements();
      *a = Tightened();
      a->set_name(absl::StrCat(req->parent(), "/arrangements/a-", i + 1));
    });
    return grpc::Status::OK;
  }

  grpc::Status GetArrangement(grpc::ServerContext* ctx, const cv1::GetArrangementRequest* req,
                              cv1::Arrangement* resp) override {
    Record(ctx);
    *resp = Tightened();
    resp->set_name(req->name());
    return grpc::Status::OK;
  }

  grpc::Status CreateArrangement(grpc::ServerContext* ctx, const cv1::CreateArrangementRequest* req,
                                 cv1::Arrangement* resp) override {
    Record(ctx);
    last_create = *req;
    *resp = req->arrangement();
    resp->set_name(absl::StrCat(req->parent(), "/arrangements/a-10"));
    resp->set_state(cv1::ARRANGEMENT_STATE_DRAFT);
    return grpc::Status::OK;
  }

  grpc::Status IssueArrangement(grpc::ServerContext* ctx, const cv1::IssueArrangementRequest* req,
                                cv1::Arrangement*) override {
    Record(ctx);
    ctx->AddTrailingMetadata("parley-error-reason", "WRONG_STATE");
    return grpc::Status(grpc::StatusCode::FAILED_PRECONDITION,
                        "cannot issue arrangement " + LastSegment(req->name()) + ": it is ACTIVE");
  }

  grpc::Status TightenArrangement(grpc::ServerContext* ctx, const cv1::TightenArrangementRequest* req,
                                  cv1::Arrangement* resp) override {
    Record(ctx);
    last_tighten = *req;
    *resp = Tightened();
    resp->set_version(3);
    *resp->mutable_terms() = req->terms();
    return grpc::Status::OK;
  }

  grpc::Status CreateIncident(grpc::ServerContext* ctx, const cv1::CreateIncidentRequest* req,
                              cv1::Incident* resp) override {
    Record(ctx);
    last_incident = *req;
    *resp = req->incident();
    resp->set_name(absl::StrCat(req->parent(), "/incidents/i-9"));
    return grpc::Status::OK;
  }

  grpc::Status GetSchoolStats(grpc::ServerContext* ctx, const cv1::GetSchoolStatsRequest* req,
                              cv1::SchoolStats* resp) override {
    Record(ctx);
    last_stats = *req;
    resp->set_school(req->school());
    *resp->mutable_start_time() = req->start_time();
    *resp->mutable_end_time() = req->end_time();
    return grpc::Status::OK;
  }

  void Record(grpc::ServerContext* ctx) {
    ++calls;
    had_deadline = ctx->deadline() < std::chrono::system_clock::now() + std::chrono::hours(1);
  }

  int calls = 0;
  bool had_deadline = false;
  cv1::CheckCommunicationRequest last_check;
  cv1::ListArrangementsRequest last_list_arrangements;
  cv1::CreateArrangementRequest last_create;
  cv1::TightenArrangementRequest last_tighten;
  cv1::CreateIncidentRequest last_incident;
  cv1::GetSchoolStatsRequest last_stats;
};

// The escalation service as parleyctl sees it: records each request and answers from the
// fixtures above. AcknowledgeEnquiry fails its first attempt with UNAVAILABLE, as a dropped
// connection would, so the retry can be seen.
class FakeEscalation final : public ev1::EscalationService::Service {
 public:
  grpc::Status OpenEnquiry(grpc::ServerContext* ctx, const ev1::OpenEnquiryRequest* req, ev1::Enquiry* resp) override {
    Record(ctx, "OpenEnquiry");
    last_open = *req;
    *resp = AfterHoursEmail();
    return grpc::Status::OK;
  }

  grpc::Status GetEnquiry(grpc::ServerContext* ctx, const ev1::GetEnquiryRequest* req, ev1::Enquiry* resp) override {
    Record(ctx, "GetEnquiry");
    if (LastSegment(req->name()) != "enq-1") {
      ctx->AddTrailingMetadata("parley-error-reason", "ENQUIRY_NOT_FOUND");
      return grpc::Status(grpc::StatusCode::NOT_FOUND, "no enquiry " + req->name());
    }
    *resp = AfterHoursEmail();
    resp->set_name(req->name());
    resp->set_etag("e-7");
    return grpc::Status::OK;
  }

  grpc::Status ListEnquiries(grpc::ServerContext* ctx, const ev1::ListEnquiriesRequest* req,
                             ev1::ListEnquiriesResponse* resp) override {
    Record(ctx, "ListEnquiries");
    last_list = *req;
    // Three enquiries, two per page.
    ServePage(3, 2, req->page_token(), resp, [&](int i) {
      ev1::Enquiry* e = resp->add_enquiries();
      *e = AfterHoursEmail();
      e->set_name(absl::StrCat(req->parent(), "/enquiries/enq-", i + 1));
    });
    return grpc::Status::OK;
  }

  grpc::Status ListEnquiryEvents(grpc::ServerContext* ctx, const ev1::ListEnquiryEventsRequest* req,
                                 ev1::ListEnquiryEventsResponse* resp) override {
    Record(ctx, "ListEnquiryEvents");
    last_events = *req;
    // The history, two events per page, oldest first.
    const std::vector<ev1::EnquiryEvent> history = AfterHoursHistory();
    ServePage(static_cast<int>(history.size()), 2, req->page_token(), resp,
              [&](int i) { *resp->add_events() = history[i]; });
    return grpc::Status::OK;
  }

  grpc::Status AcknowledgeEnquiry(grpc::ServerContext* ctx, const ev1::AcknowledgeEnquiryRequest* req,
                                  ev1::Enquiry* resp) override {
    Record(ctx, "AcknowledgeEnquiry");
    ack_request_ids.push_back(req->request_id());
    last_etag = req->etag();
    if (ack_request_ids.size() == 1) return grpc::Status(grpc::StatusCode::UNAVAILABLE, "connection dropped");
    *resp = AfterHoursEmail();
    resp->set_state(ev1::ENQUIRY_STATE_ACKNOWLEDGED);
    resp->mutable_acknowledge()->set_state(ev1::CLOCK_STATE_MET);
    return grpc::Status::OK;
  }

  grpc::Status RecordReply(grpc::ServerContext* ctx, const ev1::RecordReplyRequest* req, ev1::Enquiry* resp) override {
    Record(ctx, "RecordReply");
    last_reply = *req;
    return Changed(req->etag(), resp);
  }

  grpc::Status PauseEnquiry(grpc::ServerContext* ctx, const ev1::PauseEnquiryRequest* req,
                            ev1::Enquiry* resp) override {
    Record(ctx, "PauseEnquiry");
    last_pause = *req;
    return Changed(req->etag(), resp);
  }

  grpc::Status ResolveEnquiry(grpc::ServerContext* ctx, const ev1::ResolveEnquiryRequest* req,
                              ev1::Enquiry* resp) override {
    Record(ctx, "ResolveEnquiry");
    // Someone else changed it since it was read.
    ctx->AddTrailingMetadata("parley-error-reason", "ETAG_MISMATCH");
    (void)resp;
    return grpc::Status(grpc::StatusCode::ABORTED, "enquiry enq-1 changed since etag " + req->etag());
  }

  grpc::Status EscalateEnquiry(grpc::ServerContext* ctx, const ev1::EscalateEnquiryRequest* req,
                               ev1::Enquiry* resp) override {
    Record(ctx, "EscalateEnquiry");
    last_escalate = *req;
    grpc::Status s = Changed(req->etag(), resp);
    resp->set_rung(1);
    resp->set_rung_role("head_of_year");
    resp->set_owner("schools/st-marys/staff/mr-patel");
    return s;
  }

  grpc::Status ReassignEnquiry(grpc::ServerContext* ctx, const ev1::ReassignEnquiryRequest* req,
                               ev1::Enquiry* resp) override {
    Record(ctx, "ReassignEnquiry");
    last_reassign = *req;
    return Changed(req->etag(), resp);
  }

  grpc::Status RecordProgress(grpc::ServerContext* ctx, const ev1::RecordProgressRequest* req,
                              ev1::Enquiry* resp) override {
    Record(ctx, "RecordProgress");
    last_progress = *req;
    grpc::Status s = Changed(req->etag(), resp);
    *resp->mutable_promised_time() = req->promised_time();
    resp->set_promise_reason(req->promise_reason());
    return s;
  }

  grpc::Status GetSchoolStats(grpc::ServerContext* ctx, const ev1::GetSchoolStatsRequest* req,
                              ev1::SchoolStats* resp) override {
    Record(ctx, "GetSchoolStats");
    last_stats = *req;
    resp->set_school(req->school());
    *resp->mutable_start_time() = req->start_time();
    *resp->mutable_end_time() = req->end_time();
    return grpc::Status::OK;
  }

  grpc::Status Changed(const std::string& etag, ev1::Enquiry* resp) {
    last_etag = etag;
    *resp = AfterHoursEmail();
    resp->set_etag("e-8");
    return grpc::Status::OK;
  }

  void Record(grpc::ServerContext* ctx, const std::string& method) {
    calls.push_back(method);
    had_deadline = ctx->deadline() < std::chrono::system_clock::now() + std::chrono::hours(1);
  }

  std::vector<std::string> calls;
  bool had_deadline = false;
  std::string last_etag;
  std::vector<std::string> ack_request_ids;
  ev1::OpenEnquiryRequest last_open;
  ev1::ListEnquiriesRequest last_list;
  ev1::ListEnquiryEventsRequest last_events;
  ev1::RecordReplyRequest last_reply;
  ev1::PauseEnquiryRequest last_pause;
  ev1::EscalateEnquiryRequest last_escalate;
  ev1::ReassignEnquiryRequest last_reassign;
  ev1::RecordProgressRequest last_progress;
  ev1::GetSchoolStatsRequest last_stats;
};

class CommandsTest : public ::testing::Test {
 protected:
  void SetUp() override {
    grpc::ServerBuilder builder;
    int port = 0;
    builder.AddListeningPort("127.0.0.1:0", grpc::InsecureServerCredentials(), &port);
    builder.RegisterService(&service_);
    builder.RegisterService(&conduct_);
    builder.RegisterService(&escalation_);
    server_ = builder.BuildAndStart();
    ASSERT_NE(server_, nullptr);
    channel_ = grpc::CreateChannel(absl::StrCat("127.0.0.1:", port), grpc::InsecureChannelCredentials());
  }
  void TearDown() override { server_->Shutdown(); }

  Ctl MakeCtl(bool json = false, const std::string& zone = "") {
    GlobalOptions g;
    g.token = "test-token";
    g.json = json;
    g.zone = zone;
    return Ctl(g, channel_, channel_, channel_, out_, err_);
  }

  // `parleyctl conduct <args>` as main parses it, run against the fakes.
  absl::Status RunConduct(const std::vector<std::string>& args, const std::string& zone = "") {
    return RunCli<ConductCli>("conduct", args, zone);
  }
  // `parleyctl enquiries <args>`, the same way.
  absl::Status RunEnquiries(const std::vector<std::string>& args, const std::string& zone = "") {
    return RunCli<EscalationCli>("enquiries", args, zone);
  }

  template <typename Cli>
  absl::Status RunCli(const char* command, const std::vector<std::string>& args, const std::string& zone) {
    CLI::App app{"parleyctl"};
    app.require_subcommand(1);
    Command run;
    Cli cli(&app, &run);
    std::vector<const char*> argv = {"parleyctl", command};
    for (const std::string& a : args) argv.push_back(a.c_str());
    try {
      app.parse(static_cast<int>(argv.size()), argv.data());
    } catch (const CLI::ParseError& e) {
      return UsageError(e.what());
    }
    if (!run) return absl::InternalError("no command was set");
    Ctl ctl = MakeCtl(/*json=*/false, zone);
    return run(ctl);
  }

  std::string WriteTempFile(const std::string& name, const std::string& content) {
    const std::string path = ::testing::TempDir() + "/" + name;
    std::ofstream f(path);
    f << content;
    return path;
  }

  FakeContacts service_;
  FakeConduct conduct_;
  FakeEscalation escalation_;
  std::unique_ptr<grpc::Server> server_;
  std::shared_ptr<grpc::Channel> channel_;
  std::ostringstream out_;
  std::ostringstream err_;
};

TEST_F(CommandsTest, MintedTokensCarryTheSubjectAskedFor) {
  const auth::testing::KeyPair keys = auth::testing::GenerateEcP256();
  GlobalOptions g;
  g.signing_key = WriteTempFile("mint-key.pem", keys.private_pem);
  g.as_subject = "guardians/g-0001";
  Ctl ctl(g, channel_, channel_, channel_, out_, err_);
  ASSERT_TRUE(ctl.Token({"guardian"}, {"st-marys"}, absl::Minutes(5)).ok()) << err_.str();
  std::string token = out_.str();
  token.erase(token.find_last_not_of("\n") + 1);
  auth::VerifierOptions options;
  options.public_keys_pem = {keys.public_pem};
  options.issuer = g.issuer;
  options.audience = g.audience;
  auto verifier = auth::Verifier::Create(options);
  ASSERT_TRUE(verifier.ok()) << verifier.status();
  absl::StatusOr<auth::Principal> who = (*verifier)->Verify(token);
  ASSERT_TRUE(who.ok()) << who.status();
  EXPECT_EQ(who->subject, "guardians/g-0001");
  EXPECT_EQ(who->roles, std::vector<std::string>{"guardian"});

  g.as_subject = "";
  Ctl empty(g, channel_, channel_, channel_, out_, err_);
  EXPECT_FALSE(empty.Token({"office"}, {"st-marys"}, absl::Minutes(5)).ok());
}

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
  Ctl::ImportOptions opts;
  opts.file = path;
  opts.validate_only = true;
  ASSERT_TRUE(ctl.Import(opts).ok()) << err_.str();
  EXPECT_EQ(err_.str(), "validating 1/2 schools\nvalidating 2/2 schools\n");
  ASSERT_EQ(service_.imports.size(), 1u);
  EXPECT_TRUE(service_.last_import.validate_only());
  EXPECT_THAT(service_.last_import.request_id(),
              MatchesRegex("[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}"));
  EXPECT_THAT(out_.str(), HasSubstr("schools:       2\n"));
  EXPECT_THAT(out_.str(), HasSubstr("would create:  7\n"));
  EXPECT_THAT(out_.str(),
              HasSubstr("plan:\n  KIND   CREATE  CHANGE  DELETE  UNCHANGED\n  staff  7       0       0       0\n"));
}

class ImportCommandTest : public CommandsTest {
 protected:
  Ctl::ImportOptions Options() {
    const std::string path = ::testing::TempDir() + "/parleyctl_import_confirm_test.json";
    std::ofstream f(path);
    f << R"({"schools": [{"school": {"name": "schools/a"}}]})";
    Ctl::ImportOptions opts;
    opts.file = path;
    return opts;
  }
};

TEST_F(ImportCommandTest, WithoutDeletionsThePlanIsAppliedAtOnce) {
  Ctl ctl = MakeCtl();
  ASSERT_TRUE(ctl.Import(Options()).ok()) << err_.str();
  ASSERT_EQ(service_.imports.size(), 2u);
  EXPECT_TRUE(service_.imports[0].validate_only());
  EXPECT_FALSE(service_.imports[1].validate_only());
  EXPECT_FALSE(service_.imports[1].allow_deletions());
  EXPECT_EQ(service_.imports[1].directory_etag(), "42");  // exactly the plan, or nothing
  EXPECT_NE(service_.imports[0].request_id(), service_.imports[1].request_id());
  EXPECT_THAT(err_.str(), Not(HasSubstr("Type yes")));
  EXPECT_THAT(out_.str(), HasSubstr("created:       7\n"));
}

TEST_F(ImportCommandTest, DeletionsAreShownAndAskedAboutOnTheTerminal) {
  service_.guardians_to_delete = 3;
  std::istringstream terminal("yes\n");
  Ctl::ImportOptions opts = Options();
  opts.confirm = &terminal;
  Ctl ctl = MakeCtl();
  ASSERT_TRUE(ctl.Import(opts).ok()) << err_.str();
  EXPECT_THAT(out_.str(), HasSubstr("  guardians  0       0       3       0\n"));
  EXPECT_THAT(out_.str(), HasSubstr("deletes guardians:\n  guardians/g-1\n  guardians/g-2\n  guardians/g-3\n"));
  EXPECT_THAT(err_.str(), HasSubstr("This import deletes 3 guardians. Type yes to apply it: "));
  ASSERT_EQ(service_.imports.size(), 2u);
  EXPECT_TRUE(service_.imports[1].allow_deletions());
  EXPECT_EQ(service_.imports[1].directory_etag(), "42");
  EXPECT_THAT(out_.str(), HasSubstr("deleted:       3\n"));
}

TEST_F(ImportCommandTest, AnythingButYesWritesNothing) {
  service_.guardians_to_delete = 3;
  std::istringstream terminal("n\n");
  Ctl::ImportOptions opts = Options();
  opts.confirm = &terminal;
  Ctl ctl = MakeCtl();
  absl::Status s = ctl.Import(opts);
  EXPECT_EQ(s.code(), absl::StatusCode::kCancelled);
  EXPECT_FALSE(IsUsageError(s));           // exit 1
  ASSERT_EQ(service_.imports.size(), 1u);  // the plan only
  EXPECT_TRUE(service_.imports[0].validate_only());
}

TEST_F(ImportCommandTest, WithoutATerminalDeletionsNeedYes) {
  service_.guardians_to_delete = 3;
  Ctl ctl = MakeCtl();
  absl::Status s = ctl.Import(Options());  // no terminal, no --yes
  EXPECT_EQ(s.code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_FALSE(IsUsageError(s));  // exit 1
  EXPECT_THAT(FormatError(s), HasSubstr("would delete 3 guardians"));
  EXPECT_THAT(FormatError(s), HasSubstr("--yes"));
  EXPECT_THAT(FormatError(s), HasSubstr("(reason: IMPORT_WOULD_DELETE)"));
  ASSERT_EQ(service_.imports.size(), 1u);
  EXPECT_TRUE(service_.imports[0].validate_only());

  // --yes: the plan is shown and applied without a question.
  Ctl::ImportOptions opts = Options();
  opts.yes = true;
  ASSERT_TRUE(ctl.Import(opts).ok()) << err_.str();
  ASSERT_EQ(service_.imports.size(), 3u);
  EXPECT_TRUE(service_.imports[2].allow_deletions());
  EXPECT_EQ(service_.imports[2].directory_etag(), "42");
  EXPECT_THAT(err_.str(), Not(HasSubstr("Type yes")));
}

TEST_F(ImportCommandTest, WithJsonThePlanGoesToStderrAndTheResultToStdout) {
  service_.guardians_to_delete = 1;
  Ctl::ImportOptions opts = Options();
  opts.yes = true;
  Ctl ctl = MakeCtl(/*json=*/true);
  ASSERT_TRUE(ctl.Import(opts).ok()) << err_.str();
  EXPECT_THAT(err_.str(), HasSubstr("deletes guardians:\n  guardians/g-1\n"));
  EXPECT_THAT(out_.str(), HasSubstr("\"directoryEtag\": \"42\""));
  EXPECT_THAT(out_.str(), Not(HasSubstr("deletes guardians")));
}

TEST(Format, ImportPlanListsDeletionsUpToALimit) {
  v1::ImportSummary s;
  v1::ImportChanges* g = s.add_changes();
  g->set_kind(v1::IMPORT_RECORD_KIND_GUARDIAN);
  for (int i = 1; i <= 4; ++i) g->add_deleted(absl::StrCat("guardians/g-", i));
  v1::ImportChanges* p = s.add_changes();
  p->set_kind(v1::IMPORT_RECORD_KIND_PUPIL);
  p->add_deleted("schools/a/pupils/p-1");
  p->set_unchanged(9);
  EXPECT_EQ(CountImportDeletions(s), 5);
  EXPECT_EQ(DescribeImportDeletions(s), "4 guardians, 1 pupil");
  EXPECT_EQ(FormatImportPlan(s, /*max_names=*/2),
            "plan:\n"
            "  KIND       CREATE  CHANGE  DELETE  UNCHANGED\n"
            "  guardians  0       0       4       0\n"
            "  pupils     0       0       1       9\n"
            "deletes guardians:\n"
            "  guardians/g-1\n"
            "  guardians/g-2\n"
            "  ... and 2 more (--json lists every one)\n"
            "deletes pupils:\n"
            "  schools/a/pupils/p-1\n");
}

// --- conduct commands against the fakes ---------------------------------------------------------

TEST_F(CommandsTest, ConductCheckReadsLocalTimeInTheSchoolsZoneAndPrintsTheDecision) {
  absl::Status s = RunConduct({"check", "--school", "kenilworth", "--guardian", "g-00012", "--channel", "email", "--at",
                               "2025-10-24 15:45", "--to", "mr-shah", "--meeting", "--event"});
  ASSERT_TRUE(s.ok()) << s << err_.str();
  const cv1::CheckCommunicationRequest& req = conduct_.last_check;
  EXPECT_EQ(req.school(), "schools/kenilworth");
  EXPECT_EQ(req.guardian(), "guardians/g-00012");
  EXPECT_EQ(req.channel(), cv1::CHANNEL_EMAIL);
  EXPECT_EQ(req.purpose(), cv1::PURPOSE_MEETING);
  EXPECT_EQ(req.addressed_to(), "schools/kenilworth/staff/mr-shah");
  EXPECT_TRUE(req.school_event());
  EXPECT_FALSE(req.safeguarding());
  // BST: 15:45 local is 14:45Z.
  EXPECT_EQ(FromProto(req.time()), Utc("2025-10-24T14:45:00Z"));
  EXPECT_EQ(service_.get_school_calls, 1);  // the zone, asked once for reading and showing
  EXPECT_TRUE(conduct_.had_deadline);
  EXPECT_THAT(out_.str(), HasSubstr("outcome:       defer\n"));
  EXPECT_THAT(out_.str(), HasSubstr("next allowed:  Tue 28 Oct 2025 15:30 GMT (2025-10-28T15:30:00Z)\n"));
}

TEST_F(CommandsTest, ConductCheckDefaultsToNowAndTakesTheZoneFlag) {
  const absl::Time before = absl::Now();
  ASSERT_TRUE(RunConduct({"check", "--school", "kenilworth", "--guardian", "guardians/g-1", "--channel", "sms",
                          "--safeguarding", "--abusive"},
                         "America/New_York")
                  .ok());
  const absl::Time sent = FromProto(conduct_.last_check.time());
  EXPECT_GE(sent, before - absl::Seconds(1));
  EXPECT_LE(sent, absl::Now());
  EXPECT_EQ(conduct_.last_check.purpose(), cv1::PURPOSE_INBOUND_MESSAGE);
  EXPECT_TRUE(conduct_.last_check.safeguarding());
  EXPECT_TRUE(conduct_.last_check.marked_abusive());
  // --zone: contacts is not asked; times are read and shown in that zone.
  EXPECT_EQ(service_.get_school_calls, 0);
  EXPECT_THAT(out_.str(), HasSubstr("next allowed:  Tue 28 Oct 2025 11:30 EDT"));

  ASSERT_TRUE(RunConduct({"check", "--school", "kenilworth", "--guardian", "g-1", "--channel", "email", "--at",
                          "2025-11-04 15:45"},
                         "America/New_York")
                  .ok());
  EXPECT_EQ(FromProto(conduct_.last_check.time()), Utc("2025-11-04T20:45:00Z"));
}

TEST_F(CommandsTest, ConductArgumentMistakesAreUsageErrorsBeforeAnyCall) {
  const std::vector<std::vector<std::string>> bad = {
      {"check", "--school", "kenilworth", "--guardian", "g-1", "--channel", "fax"},
      {"check", "--school", "kenilworth", "--guardian", "g-1", "--channel", "email", "--at", "teatime"},
      {"check", "--school", "kenilworth", "--guardian", "a/b/c", "--channel", "email"},
      {"arrangement", "create", "--school", "kenilworth", "--guardian", "g-1", "--window", "tue 15:30-16:30"},
      {"arrangement", "create", "--school", "kenilworth", "--guardian", "g-1", "--review", "12/01/2026"},
      {"arrangement", "create", "--school", "kenilworth", "--guardian", "g-1", "--scope", "county"},
      {"arrangement", "create", "--school", "kenilworth", "--guardian", "g-1", "--reasons-file", "/no/such/file"},
      {"arrangement", "show", "a-7"},  // a bare id without --school
      {"arrangement", "continue", "a-7", "--school", "kenilworth", "--review", "soon"},
      {"incident", "record", "--school", "kenilworth", "--guardian", "g-1", "--kind", "rude", "--channel", "phone"},
      {"arrangements", "--school", "kenilworth", "--state", "paused"},
      {"decisions", "--school", "kenilworth", "--outcome", "deny"},
      {"stats", "--school", "kenilworth", "--from", "2025-11-01", "--to", "2025-10-01"},
  };
  for (const std::vector<std::string>& args : bad) {
    absl::Status s = RunConduct(args);
    EXPECT_TRUE(IsUsageError(s)) << args[0] << " " << args[1] << ": " << s;
  }
  EXPECT_EQ(conduct_.calls, 0);
  EXPECT_EQ(service_.get_school_calls, 0);
}

TEST_F(CommandsTest, ArrangementCreateSendsTheTermsWithARequestId) {
  const std::string reasons = WriteTempFile("reasons.txt", "On 3 October you shouted at the office staff.\n\n");
  absl::Status s = RunConduct({"arrangement",     "create",          "--school",     "kenilworth", "--guardian",
                               "g-00012",         "--channels",      "email,letter", "--window",   "tue:15:30-16:30",
                               "--window",        "thu:08:30-09:00", "--contact",    "mr-shah",    "--second-staff",
                               "--off-site-only", "--reasons-file",  reasons,        "--start",    "2025-11-03 08:00",
                               "--review",        "2026-01-12"});
  ASSERT_TRUE(s.ok()) << s;
  const cv1::CreateArrangementRequest& req = conduct_.last_create;
  EXPECT_EQ(req.parent(), "schools/kenilworth");
  EXPECT_THAT(req.request_id(), MatchesRegex("[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}"));
  const cv1::Arrangement& a = req.arrangement();
  EXPECT_EQ(a.guardian(), "guardians/g-00012");
  EXPECT_EQ(a.scope(), cv1::ARRANGEMENT_SCOPE_SCHOOL);
  EXPECT_THAT(a.terms().allowed_channels(), ElementsAre(cv1::CHANNEL_EMAIL, cv1::CHANNEL_LETTER));
  ASSERT_EQ(a.terms().allowed_windows_size(), 2);
  EXPECT_EQ(FormatWindow(a.terms().allowed_windows(1)), "Thu 08:30-09:00");
  EXPECT_EQ(a.terms().point_of_contact(), "schools/kenilworth/staff/mr-shah");
  EXPECT_TRUE(a.terms().meeting_conditions().second_staff_required());
  EXPECT_FALSE(a.terms().meeting_conditions().head_informed());
  EXPECT_TRUE(a.terms().meeting_conditions().off_site_only());
  EXPECT_EQ(a.terms().reasons(), "On 3 October you shouted at the office staff.");
  EXPECT_EQ(FromProto(a.start_time()), Utc("2025-11-03T08:00:00Z"));  // GMT
  EXPECT_EQ(a.review_date(), "2026-01-12");
  EXPECT_FALSE(a.has_end_time());
  EXPECT_THAT(out_.str(), HasSubstr("arrangement:  schools/kenilworth/arrangements/a-10\n"));
  EXPECT_THAT(out_.str(), HasSubstr("state:        draft\n"));
}

TEST_F(CommandsTest, ArrangementTightenStartsFromTheCurrentTerms) {
  const std::string reasons = WriteTempFile("tighten.txt", "On 31 October you shouted again.");
  absl::Status s = RunConduct({"arrangement", "tighten", "a-7", "--school", "kenilworth", "--channels", "letter",
                               "--head-informed", "--breach", "i-9", "--reasons-file", reasons});
  ASSERT_TRUE(s.ok()) << s;
  const cv1::TightenArrangementRequest& req = conduct_.last_tighten;
  EXPECT_EQ(req.name(), "schools/kenilworth/arrangements/a-7");
  EXPECT_EQ(req.breach_incident(), "schools/kenilworth/incidents/i-9");
  EXPECT_EQ(req.etag(), "e-5");  // the version just read
  EXPECT_TRUE(req.review_date().empty());
  EXPECT_THAT(req.terms().allowed_channels(), ElementsAre(cv1::CHANNEL_LETTER));  // replaced
  ASSERT_EQ(req.terms().allowed_windows_size(), 1);                               // kept
  EXPECT_EQ(req.terms().point_of_contact(), "schools/kenilworth/staff/mr-shah");  // kept
  EXPECT_TRUE(req.terms().meeting_conditions().second_staff_required());          // kept
  EXPECT_TRUE(req.terms().meeting_conditions().head_informed());                  // added
  EXPECT_EQ(req.terms().reasons(), "On 31 October you shouted again.");
  EXPECT_FALSE(req.request_id().empty());
  EXPECT_THAT(out_.str(), HasSubstr("version:      3\n"));

  // Without new reasons there is nothing for the letter to say.
  EXPECT_TRUE(IsUsageError(RunConduct(
      {"arrangement", "tighten", "schools/kenilworth/arrangements/a-7", "--breach", "i-9", "--channels", "letter"})));
}

TEST_F(CommandsTest, ArrangementsFollowEveryPageWithTheFilters) {
  ASSERT_TRUE(
      RunConduct({"arrangements", "--school", "kenilworth", "--guardian", "g-00012", "--state", "under-review"}).ok());
  EXPECT_EQ(conduct_.last_list_arrangements.parent(), "schools/kenilworth");
  EXPECT_EQ(conduct_.last_list_arrangements.guardian(), "guardians/g-00012");
  EXPECT_EQ(conduct_.last_list_arrangements.state(), cv1::ARRANGEMENT_STATE_UNDER_REVIEW);
  EXPECT_THAT(out_.str(), HasSubstr("\na-1 "));
  EXPECT_THAT(out_.str(), HasSubstr("\na-3 "));
  EXPECT_EQ(err_.str(), "");

  out_.str("");
  ASSERT_TRUE(RunConduct({"arrangements", "--school", "kenilworth", "--page-size", "2"}).ok());
  EXPECT_THAT(out_.str(), Not(HasSubstr("a-3")));
  EXPECT_EQ(err_.str(), "more: --page-token 2\n");
}

TEST_F(CommandsTest, ConductServerErrorsKeepCodeAndReason) {
  absl::Status s = RunConduct({"arrangement", "issue", "schools/kenilworth/arrangements/a-7"});
  EXPECT_FALSE(IsUsageError(s));
  EXPECT_EQ(FormatError(s),
            "error: FAILED_PRECONDITION: cannot issue arrangement a-7: it is ACTIVE (reason: WRONG_STATE)");
}

TEST_F(CommandsTest, ConductZoneLookupFailures) {
  // Showing times: a warning, and Europe/London (every time shown carries its zone).
  ASSERT_TRUE(RunConduct({"arrangements", "--school", "nowhere"}).ok());
  EXPECT_THAT(err_.str(), HasSubstr("warning: NOT_FOUND: reading the time zone of schools/nowhere from contacts"));
  EXPECT_THAT(out_.str(), HasSubstr("Mon 6 Oct 2025 09:00 BST"));
  // Reading a local time: the zone is needed, so the command fails, keeping code and reason.
  absl::Status s = RunConduct(
      {"check", "--school", "nowhere", "--guardian", "g-1", "--channel", "email", "--at", "2025-11-04 15:45"});
  EXPECT_FALSE(IsUsageError(s));
  EXPECT_EQ(s.code(), absl::StatusCode::kNotFound);
  EXPECT_THAT(FormatError(s), HasSubstr("(or give --zone): no school schools/nowhere (reason: SCHOOL_NOT_FOUND)"));
}

TEST_F(CommandsTest, IncidentRecordNamesStaffInTheSchool) {
  ASSERT_TRUE(RunConduct({"incident", "record", "--school", "kenilworth", "--guardian", "g-00012", "--kind",
                          "abusive-message", "--channel", "email", "--at", "2025-10-26 01:30", "--staff", "mrs-ode",
                          "--staff", "schools/kenilworth/staff/mr-shah", "--ref", "MIS-DOC-4471"})
                  .ok());
  const cv1::CreateIncidentRequest& req = conduct_.last_incident;
  EXPECT_EQ(req.incident().kind(), cv1::INCIDENT_KIND_ABUSIVE_WRITTEN_MESSAGE);
  EXPECT_THAT(req.incident().staff_involved(),
              ElementsAre("schools/kenilworth/staff/mrs-ode", "schools/kenilworth/staff/mr-shah"));
  EXPECT_EQ(req.incident().description_ref(), "MIS-DOC-4471");
  // 01:30 happens twice that night; the first (BST) one is meant.
  EXPECT_EQ(FromProto(req.incident().occur_time()), Utc("2025-10-26T00:30:00Z"));
  EXPECT_FALSE(req.request_id().empty());
}

TEST_F(CommandsTest, StatsCoverWholeSchoolLocalDays) {
  ASSERT_TRUE(RunConduct({"stats", "--school", "kenilworth", "--from", "2025-10-25", "--to", "2025-11-01"}).ok());
  EXPECT_EQ(FromProto(conduct_.last_stats.start_time()), Utc("2025-10-24T23:00:00Z"));
  EXPECT_EQ(FromProto(conduct_.last_stats.end_time()), Utc("2025-11-02T00:00:00Z"));
}

TEST_F(CommandsTest, JsonOutputIsProtobufJsonIndentedByTwo) {
  Ctl ctl = MakeCtl(/*json=*/true);
  ASSERT_TRUE(ctl.SchoolsShow("st-marys").ok());
  EXPECT_THAT(out_.str(), HasSubstr("{\n  \"name\": \"schools/st-marys\",\n"));
  EXPECT_THAT(out_.str(), HasSubstr("\"timeZone\": \"Europe/London\""));
}

// --- enquiries commands against the fakes -------------------------------------------------------

constexpr char kUuidPattern[] = "[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}";

TEST_F(CommandsTest, EnquiryOpenReadsLocalTimeAndPrintsDueTimesInSchoolTime) {
  absl::Status s =
      RunEnquiries({"open", "--school", "st-marys", "--pupil", "p-00001", "--guardian", "g-00012", "--channel", "email",
                    "--category", "learning", "--teaching-subject", "english", "--subject", "Reading book not changed",
                    "--body-ref", "MAIL-88213", "--received", "2025-10-24 16:10"});
  ASSERT_TRUE(s.ok()) << s << err_.str();
  const ev1::OpenEnquiryRequest& req = escalation_.last_open;
  EXPECT_EQ(req.parent(), "schools/st-marys");
  EXPECT_THAT(req.request_id(), MatchesRegex(kUuidPattern));
  const ev1::Enquiry& e = req.enquiry();
  EXPECT_EQ(e.pupil(), "schools/st-marys/pupils/p-00001");
  EXPECT_EQ(e.guardian(), "guardians/g-00012");
  EXPECT_EQ(e.channel(), ev1::CHANNEL_EMAIL);
  EXPECT_EQ(e.category(), "learning");
  EXPECT_EQ(e.teaching_subject(), "english");
  EXPECT_EQ(e.subject(), "Reading book not changed");
  EXPECT_EQ(e.body_ref(), "MAIL-88213");
  EXPECT_FALSE(e.safeguarding());
  EXPECT_FALSE(e.urgent());
  // BST: 16:10 local is 15:10Z.
  EXPECT_EQ(FromProto(e.receive_time()), Utc("2025-10-24T15:10:00Z"));
  EXPECT_EQ(service_.get_school_calls, 1);  // the zone, asked once for reading and showing
  EXPECT_TRUE(escalation_.had_deadline);
  EXPECT_EQ(service_.authorization, "Bearer test-token");
  EXPECT_THAT(out_.str(), HasSubstr("owner:          schools/st-marys/staff/mrs-jones\n"));
  EXPECT_THAT(out_.str(), HasSubstr("rung:           0 (class_teacher)\n"));
  EXPECT_THAT(out_.str(), HasSubstr("gate:           allow (schools/st-marys/decisions/d-4)\n"));
  EXPECT_THAT(out_.str(), HasSubstr("acknowledge:    running, due Tue 4 Nov 2025 08:30 GMT (2025-11-04T08:30:00Z)\n"));
  EXPECT_THAT(out_.str(), HasSubstr("  explanation:  Received Fri 24 Oct 16:10 BST"));
}

TEST_F(CommandsTest, EnquiryOpenDefaultsToNowForAnUnidentifiedSender) {
  const absl::Time before = absl::Now();
  ASSERT_TRUE(
      RunEnquiries({"open", "--school", "schools/st-marys", "--sender", "a grandparent", "--channel", "in-person",
                    "--category", "pastoral", "--subject", "Worried about Amy", "--safeguarding", "--urgent"},
                   "Europe/London")
          .ok());
  const ev1::Enquiry& e = escalation_.last_open.enquiry();
  EXPECT_GE(FromProto(e.receive_time()), before - absl::Seconds(1));
  EXPECT_LE(FromProto(e.receive_time()), absl::Now());
  EXPECT_TRUE(e.guardian().empty());
  EXPECT_EQ(e.sender_description(), "a grandparent");
  EXPECT_EQ(e.channel(), ev1::CHANNEL_IN_PERSON);
  EXPECT_TRUE(e.safeguarding());
  EXPECT_TRUE(e.urgent());
  EXPECT_EQ(service_.get_school_calls, 0);  // --zone
}

TEST_F(CommandsTest, EnquiryArgumentMistakesAreUsageErrorsBeforeAnyCall) {
  const std::string long_text(201, 'x');
  const std::vector<std::vector<std::string>> bad = {
      {"open", "--school", "st-marys", "--channel", "sms", "--category", "learning", "--subject", "s"},
      {"open", "--school", "st-marys", "--channel", "email", "--category", "learning", "--subject", "s", "--received",
       "after lunch"},
      {"open", "--school", "st-marys", "--channel", "email", "--category", "learning", "--subject", long_text},
      {"open", "--school", "st-marys", "--channel", "email", "--category", "learning", "--subject", "s", "--pupil",
       "schools/kenilworth/pupils/p-00001"},
      {"open", "--school", "st-marys", "--channel", "email", "--category", "learning", "--subject", "s", "--guardian",
       "a/b"},
      {"open", "--school", "st-marys", "--channel", "email", "--category", "learning"},  // no --subject
      {"list", "--school", "st-marys", "--state", "closed"},
      {"list", "--school", "st-marys", "--due-before", "friday"},
      {"show", "enq-1"},  // a bare id without --school
      {"ack", "enq-1"},
      {"pause", "enq-1", "--school", "st-marys"},  // no --reason
      {"pause", "enq-1", "--school", "st-marys", "--reason", long_text},
      {"reassign", "enq-1", "--school", "st-marys", "--reason", "cover"},  // no --to
      {"reassign", "enq-1", "--school", "st-marys", "--to", "schools/kenilworth/staff/mr-shah", "--reason", "cover"},
      {"ack", "enq-1", "--school", "st-marys", "--reason", "done"},  // ack takes no reason
      {"escalate", "schools/st-marys/enquiries/enq-1", "--reason", "r", "--to", "mr-patel"},
      {"stats", "--school", "st-marys", "--from", "2025-11-01", "--to", "2025-10-01"},
      {"stats", "--school", "st-marys", "--from", "1/9/2025", "--to", "2025-10-01"},
  };
  for (const std::vector<std::string>& args : bad) {
    absl::Status s = RunEnquiries(args);
    EXPECT_TRUE(IsUsageError(s)) << args[0] << " " << args[1] << ": " << s;
  }
  EXPECT_THAT(escalation_.calls, ::testing::IsEmpty());
  EXPECT_EQ(service_.get_school_calls, 0);
}

TEST_F(CommandsTest, EnquiryListFollowsEveryPageWithTheFilters) {
  ASSERT_TRUE(RunEnquiries({"list", "--school", "st-marys", "--owner", "mrs-jones", "--state", "awaiting-parent",
                            "--category", "send", "--overdue", "--due-before", "2025-10-27 09:00"})
                  .ok());
  const ev1::ListEnquiriesRequest& req = escalation_.last_list;
  EXPECT_EQ(req.parent(), "schools/st-marys");
  EXPECT_EQ(req.owner(), "schools/st-marys/staff/mrs-jones");
  EXPECT_EQ(req.state(), ev1::ENQUIRY_STATE_AWAITING_PARENT);
  EXPECT_EQ(req.category(), "send");
  EXPECT_TRUE(req.overdue());
  // The Monday after the clocks go back: 09:00 GMT.
  EXPECT_EQ(FromProto(req.due_before()), Utc("2025-10-27T09:00:00Z"));
  EXPECT_THAT(out_.str(), HasSubstr("\nenq-1 "));
  EXPECT_THAT(out_.str(), HasSubstr("\nenq-3 "));
  EXPECT_THAT(out_.str(), HasSubstr("Tue 4 Nov 2025 08:30 GMT"));
  EXPECT_EQ(err_.str(), "");

  out_.str("");
  ASSERT_TRUE(RunEnquiries({"list", "--school", "st-marys", "--page-size", "2"}).ok());
  EXPECT_FALSE(escalation_.last_list.has_due_before());
  EXPECT_EQ(escalation_.last_list.state(), ev1::ENQUIRY_STATE_UNSPECIFIED);
  EXPECT_THAT(out_.str(), Not(HasSubstr("enq-3")));
  EXPECT_EQ(err_.str(), "more: --page-token 2\n");
}

TEST_F(CommandsTest, EnquiryShowPrintsTheHistoryOldestFirstAcrossPages) {
  ASSERT_TRUE(RunEnquiries({"show", "enq-1", "--school", "st-marys"}).ok()) << err_.str();
  EXPECT_EQ(escalation_.last_events.parent(), "schools/st-marys/enquiries/enq-1");
  const std::string out = out_.str();
  EXPECT_THAT(out, HasSubstr("enquiry:        schools/st-marys/enquiries/enq-1\n"));
  EXPECT_THAT(out, HasSubstr("etag:           e-7\n\nevents:\n"));
  const size_t received = out.find("  1  Fri 24 Oct 2025 16:10 BST  received");
  const size_t escalated = out.find("  4  Fri 7 Nov 2025 09:00 GMT   escalated");
  ASSERT_NE(received, std::string::npos) << out;
  ASSERT_NE(escalated, std::string::npos) << out;
  EXPECT_LT(received, escalated);

  // --json: one document with the enquiry and every event.
  out_.str("");
  Ctl ctl = MakeCtl(/*json=*/true);
  ASSERT_TRUE(ctl.EnquiryShow("", "schools/st-marys/enquiries/enq-1").ok());
  EXPECT_THAT(out_.str(), HasSubstr("{\n  \"enquiry\": {\n    \"name\": \"schools/st-marys/enquiries/enq-1\""));
  EXPECT_THAT(out_.str(), HasSubstr("\"events\": ["));
  EXPECT_THAT(out_.str(), HasSubstr("\"kind\": \"ENQUIRY_EVENT_KIND_ESCALATED\""));
}

TEST_F(CommandsTest, EnquiryVerbsReadTheEtagFirstAndRetryWithTheSameRequestId) {
  ASSERT_TRUE(RunEnquiries({"ack", "enq-1", "--school", "st-marys"}).ok()) << err_.str();
  EXPECT_THAT(escalation_.calls, ElementsAre("GetEnquiry", "AcknowledgeEnquiry", "AcknowledgeEnquiry"));
  EXPECT_EQ(escalation_.last_etag, "e-7");  // the one just read
  ASSERT_EQ(escalation_.ack_request_ids.size(), 2u);
  EXPECT_THAT(escalation_.ack_request_ids[0], MatchesRegex(kUuidPattern));
  EXPECT_EQ(escalation_.ack_request_ids[0], escalation_.ack_request_ids[1]);  // the retry reuses it
  EXPECT_THAT(out_.str(), HasSubstr("state:          acknowledged\n"));
  EXPECT_THAT(out_.str(), HasSubstr("acknowledge:    met, due Tue 4 Nov 2025 08:30 GMT"));

  // Another command, another request id.
  escalation_.calls.clear();
  ASSERT_TRUE(RunEnquiries({"ack", "schools/st-marys/enquiries/enq-1", "--etag", "e-5"}).ok());
  EXPECT_THAT(escalation_.calls, ElementsAre("AcknowledgeEnquiry"));  // --etag: nothing to read first
  EXPECT_EQ(escalation_.last_etag, "e-5");
  ASSERT_EQ(escalation_.ack_request_ids.size(), 3u);
  EXPECT_NE(escalation_.ack_request_ids[2], escalation_.ack_request_ids[0]);
}

TEST_F(CommandsTest, EnquiryVerbsSendTheirOwnFields) {
  ASSERT_TRUE(RunEnquiries({"reply", "enq-1", "--school", "st-marys", "--body-ref", "MAIL-88300"}).ok());
  EXPECT_EQ(escalation_.last_reply.name(), "schools/st-marys/enquiries/enq-1");
  EXPECT_EQ(escalation_.last_reply.body_ref(), "MAIL-88300");
  EXPECT_EQ(escalation_.last_reply.etag(), "e-7");
  EXPECT_THAT(escalation_.last_reply.request_id(), MatchesRegex(kUuidPattern));

  ASSERT_TRUE(
      RunEnquiries({"pause", "enq-1", "--school", "st-marys", "--reason", "waiting for the PE kit photo"}).ok());
  EXPECT_EQ(escalation_.last_pause.reason(), "waiting for the PE kit photo");

  ASSERT_TRUE(RunEnquiries({"escalate", "enq-1", "--school", "st-marys", "--reason", "parent unhappy with the answer",
                            "--parent-requested"})
                  .ok());
  EXPECT_EQ(escalation_.last_escalate.reason(), "parent unhappy with the answer");
  EXPECT_TRUE(escalation_.last_escalate.parent_requested());
  EXPECT_THAT(out_.str(), HasSubstr("rung:           1 (head_of_year)\n"));

  ASSERT_TRUE(
      RunEnquiries({"reassign", "enq-1", "--school", "st-marys", "--to", "mr-patel", "--reason", "cover for absence"})
          .ok());
  EXPECT_EQ(escalation_.last_reassign.new_owner(), "schools/st-marys/staff/mr-patel");
  EXPECT_EQ(escalation_.last_reassign.reason(), "cover for absence");
}

TEST_F(CommandsTest, ProgressSendsTheUpdateAndAPromiseReadInTheSchoolsZone) {
  ASSERT_TRUE(RunEnquiries({"progress", "enq-1", "--school", "st-marys", "--text", "We have spoken to the teacher.",
                            "--promise", "2025-11-12 15:00", "--promise-reason", "the SENCo is back on the 12th"})
                  .ok());
  EXPECT_EQ(escalation_.last_progress.name(), "schools/st-marys/enquiries/enq-1");
  EXPECT_EQ(escalation_.last_progress.progress(), "We have spoken to the teacher.");
  EXPECT_EQ(escalation_.last_progress.promised_time().seconds(),
            absl::ToUnixSeconds(absl::FromCivil(absl::CivilMinute(2025, 11, 12, 15, 0),
                                                absl::UTCTimeZone())));  // GMT in November
  EXPECT_EQ(escalation_.last_progress.promise_reason(), "the SENCo is back on the 12th");
  EXPECT_EQ(escalation_.last_progress.etag(), "e-7");
  EXPECT_THAT(out_.str(), HasSubstr("promised:       Wed 12 Nov 2025 15:00 GMT"));

  // --text is required; a reason needs a promise; reply takes no promise.
  EXPECT_FALSE(RunEnquiries({"progress", "enq-1", "--school", "st-marys"}).ok());
  EXPECT_FALSE(
      RunEnquiries({"progress", "enq-1", "--school", "st-marys", "--text", "x", "--promise-reason", "y"}).ok());
  EXPECT_FALSE(RunEnquiries({"reply", "enq-1", "--school", "st-marys", "--promise", "2025-11-12 15:00"}).ok());
}

TEST_F(CommandsTest, EnquiryServerErrorsKeepCodeAndReason) {
  absl::Status s = RunEnquiries({"resolve", "enq-1", "--school", "st-marys", "--etag", "e-1"});
  EXPECT_FALSE(IsUsageError(s));
  EXPECT_EQ(FormatError(s), "error: ABORTED: enquiry enq-1 changed since etag e-1 (reason: ETAG_MISMATCH)");
  s = RunEnquiries({"ack", "enq-404", "--school", "st-marys"});
  EXPECT_EQ(FormatError(s),
            "error: NOT_FOUND: no enquiry schools/st-marys/enquiries/enq-404 (reason: ENQUIRY_NOT_FOUND)");
}

TEST_F(CommandsTest, EnquiryStatsCoverWholeSchoolLocalDays) {
  ASSERT_TRUE(RunEnquiries({"stats", "--school", "st-marys", "--from", "2025-10-25", "--to", "2025-11-01"}).ok());
  EXPECT_EQ(escalation_.last_stats.school(), "schools/st-marys");
  EXPECT_EQ(FromProto(escalation_.last_stats.start_time()), Utc("2025-10-24T23:00:00Z"));
  EXPECT_EQ(FromProto(escalation_.last_stats.end_time()), Utc("2025-11-02T00:00:00Z"));
  EXPECT_THAT(out_.str(),
              HasSubstr("period:                  Sat 25 Oct 2025 00:00 BST to Sun 2 Nov 2025 00:00 GMT\n"));
}

TEST_F(CommandsTest, EnquiriesWithoutAnEscalationAddressIsAUsageError) {
  GlobalOptions g;
  g.token = "test-token";
  Ctl ctl(g, channel_, channel_, out_, err_);
  Ctl::EnquiryListOptions opts;
  opts.school = "st-marys";
  absl::Status s = ctl.EnquiryList(opts);
  EXPECT_TRUE(IsUsageError(s));
  EXPECT_THAT(std::string(s.message()), HasSubstr("--escalation-addr"));
}

// mail: the catcher's JSON as the terminal shows it.

TEST(MailFormat, ListsMessagesWithNumbersRecipientsAndSubjects) {
  const nlohmann::json list = nlohmann::json::parse(R"({"count": 2, "messages": [
    {"n": 1, "time": "2025-10-24T15:10:00Z", "to": "Mrs K. Nowak <k@example.test>", "rcpt": ["k@example.test"],
     "subject": "Trip consent"},
    {"n": 2, "time": "2025-10-24T15:11:00Z", "to": "", "rcpt": ["a@example.test", "b@example.test"],
     "subject": "Zażółć gęślą jaźń"}]})");
  const std::string out = FormatMailList(list);
  EXPECT_THAT(out, HasSubstr("Mrs K. Nowak <k@example.test>"));
  EXPECT_THAT(out, HasSubstr("a@example.test, b@example.test"));
  EXPECT_THAT(out, HasSubstr("Zażółć gęślą jaźń"));
  EXPECT_THAT(out, HasSubstr("2 message(s)"));
  EXPECT_LT(out.find("Trip consent"), out.find("Zażółć"));
  EXPECT_EQ(FormatMailList(nlohmann::json::parse(R"({"count": 0, "messages": []})")), "no messages\n");
  EXPECT_EQ(FormatMailList(nlohmann::json()), "no messages\n");
}

TEST(MailFormat, ShowsTheReadersHeadersThenTheBody) {
  const nlohmann::json m = nlohmann::json::parse(R"({"n": 3, "headers": [["Received", "x"], ["Subject", "Closure"],
    ["From", "Office <o@parley.test>"], ["Message-ID", "<k@d>"], ["X-Parley-School", "woodgrange"]],
    "body": "The school is closed today.\nStay safe."})");
  EXPECT_EQ(FormatMailMessage(m),
            "From: Office <o@parley.test>\nSubject: Closure\nMessage-ID: <k@d>\nX-Parley-School: woodgrange\n\n"
            "The school is closed today.\nStay safe.\n");
}

TEST(MailFormat, MessageNumberMustBePositive) {
  EXPECT_EQ(ParseMailNumber("12").value_or(0), 12);
  for (const std::string bad : {"0", "-1", "x", "", "1.5"}) {
    const absl::StatusOr<int> n = ParseMailNumber(bad);
    ASSERT_FALSE(n.ok()) << bad;
    EXPECT_TRUE(IsUsageError(n.status())) << bad;
  }
}

TEST(MailCli, ParsesShowWithoutNeedingAChannel) {
  CLI::App app;
  Command run;
  bool needs_channel = true, json = false;
  MailCli mail(&app, &run, &needs_channel, &json);
  std::vector<std::string> args = {"7", "show", "mail"};  // CLI11 parses a reversed vector
  app.parse(args);
  EXPECT_TRUE(static_cast<bool>(run));
  EXPECT_FALSE(needs_channel);
}

// --- notifications: names, audiences, variables, notices -----------------------------------------

TEST(NotificationsNames, RoundTripAndAliases) {
  for (const char* name : {"newsletter", "event", "closure", "trip", "consent", "attendance", "report", "meeting",
                           "escalation", "conduct-letter", "emergency"}) {
    absl::StatusOr<nv1::Category> c = ParseNoticeCategory(name);
    ASSERT_TRUE(c.ok()) << name;
    EXPECT_EQ(NoticeCategoryName(*c), name);
  }
  EXPECT_EQ(ParseNoticeCategory("CATEGORY_CONDUCT_LETTER").value(), nv1::CATEGORY_CONDUCT_LETTER);
  EXPECT_EQ(ParseNoticeCategory("conduct_letter").value(), nv1::CATEGORY_CONDUCT_LETTER);
  EXPECT_EQ(ParseNoticePriority("Emergency").value(), nv1::PRIORITY_EMERGENCY);
  EXPECT_EQ(ParseDeliveryChannel("sms").value(), nv1::DELIVERY_CHANNEL_SMS);
  EXPECT_EQ(ParseDeliveryChannel("DELIVERY_CHANNEL_LETTER").value(), nv1::DELIVERY_CHANNEL_LETTER);
  EXPECT_EQ(ParseDeliveryMode("digest").value(), nv1::DELIVERY_MODE_DIGEST);
  EXPECT_EQ(DeliveryStatusName(nv1::DELIVERY_STATUS_IN_DIGEST), "in-digest");
  EXPECT_EQ(NoticeStateName(nv1::NOTICE_STATE_SCHEDULED), "scheduled");
  absl::StatusOr<nv1::Category> bad = ParseNoticeCategory("newsletterz");
  ASSERT_FALSE(bad.ok());
  EXPECT_THAT(bad.status().message(), HasSubstr("conduct-letter"));
}

TEST(NotificationsArgs, AudienceOfASchoolsBroadcast) {
  const std::string school = "schools/riverside-academy";
  nv1::Audience a = ParseAudience(school, "year:9, 10", {}).value();
  EXPECT_EQ(a.kind(), nv1::AUDIENCE_KIND_YEAR_GROUPS);
  EXPECT_THAT(a.year_groups(), ElementsAre(9, 10));
  EXPECT_EQ(a.schools_size(), 0);
  a = ParseAudience(school, "class:Oak,9R", {}).value();
  EXPECT_EQ(a.kind(), nv1::AUDIENCE_KIND_CLASSES);
  EXPECT_THAT(a.classes(), ElementsAre("Oak", "9R"));
  a = ParseAudience(school, "pupils:p-1,schools/riverside-academy/pupils/p-2", {}).value();
  EXPECT_THAT(a.pupils(), ElementsAre("schools/riverside-academy/pupils/p-1", "schools/riverside-academy/pupils/p-2"));
  a = ParseAudience(school, "guardians:g-1,guardians/g-2", {}).value();
  EXPECT_THAT(a.guardians(), ElementsAre("guardians/g-1", "guardians/g-2"));
  a = ParseAudience(school, "staff", {}).value();
  EXPECT_EQ(a.kind(), nv1::AUDIENCE_KIND_STAFF);
  EXPECT_EQ(a.staff_roles_size(), 0);
  a = ParseAudience(school, "staff:headteacher,office", {}).value();
  EXPECT_THAT(a.staff_roles(), ElementsAre("headteacher", "office"));
  EXPECT_EQ(ParseAudience(school, "school", {}).value().kind(), nv1::AUDIENCE_KIND_SCHOOL);
}

TEST(NotificationsArgs, AudienceMistakesAreRefused) {
  const std::string school = "schools/st-marys";
  EXPECT_FALSE(ParseAudience(school, "trust", {}).ok());               // a school cannot reach the trust
  EXPECT_FALSE(ParseAudience(school, "school", {"kenilworth"}).ok());  // --schools is the trust's
  EXPECT_FALSE(ParseAudience(school, "year:15", {}).ok());
  EXPECT_FALSE(ParseAudience(school, "year:4,,5", {}).ok());
  EXPECT_FALSE(ParseAudience(school, "year", {}).ok());
  EXPECT_FALSE(ParseAudience(school, "school:x", {}).ok());
  EXPECT_FALSE(ParseAudience(school, "everyone", {}).ok());
  // A trust notice names pupils in full, and says which schools a school audience means.
  EXPECT_FALSE(ParseAudience("trust", "pupils:p-1", {}).ok());
  EXPECT_FALSE(ParseAudience("trust", "school", {}).ok());
  nv1::Audience a = ParseAudience("trust", "school", {"st-marys", "schools/kenilworth"}).value();
  EXPECT_THAT(a.schools(), ElementsAre("schools/st-marys", "schools/kenilworth"));
  EXPECT_EQ(ParseAudience("trust", "trust", {}).value().kind(), nv1::AUDIENCE_KIND_TRUST);
}

TEST(NotificationsArgs, VariablesOnceEachWithValuesKeptWhole) {
  auto vars = ParseVariables({"trip=Science Museum", "cost=a=b", "empty="}).value();
  EXPECT_EQ(vars.at("trip"), "Science Museum");
  EXPECT_EQ(vars.at("cost"), "a=b");
  EXPECT_EQ(vars.at("empty"), "");
  EXPECT_FALSE(ParseVariables({"trip=a", "trip=b"}).ok());
  EXPECT_FALSE(ParseVariables({"novalue"}).ok());
  EXPECT_FALSE(ParseVariables({"Bad-Name=x"}).ok());
  EXPECT_FALSE(ParseVariables({"=x"}).ok());
  EXPECT_FALSE(ParseVariables({absl::StrCat("v=", std::string(2001, 'x'))}).ok());
}

TEST(NotificationsArgs, SendToGuardiansAboutPupilsWithATemplate) {
  NoticeOptions o;
  o.school = "st-marys";
  o.guardians = {"g-1"};
  o.pupils = {"p-7"};
  o.category = "trip";
  o.priority = "important";
  o.template_id = "trip";
  o.vars = {"trip=Science Museum"};
  o.event_date = "2026-03-02";
  nv1::CreateNoticeRequest req = BuildNoticeRequest(o, /*broadcast=*/false).value();
  EXPECT_EQ(req.parent(), "schools/st-marys");
  EXPECT_EQ(req.notice().audience().kind(), nv1::AUDIENCE_KIND_GUARDIANS);
  EXPECT_THAT(req.notice().audience().guardians(), ElementsAre("guardians/g-1"));
  EXPECT_THAT(req.notice().audience().pupils(), ElementsAre("schools/st-marys/pupils/p-7"));
  EXPECT_EQ(req.notice().category(), nv1::CATEGORY_TRIP);
  EXPECT_EQ(req.notice().priority(), nv1::PRIORITY_IMPORTANT);
  EXPECT_EQ(req.notice().template_(), "trip");
  EXPECT_EQ(req.notice().variables().at("trip"), "Science Museum");
  EXPECT_EQ(req.notice().event_date(), "2026-03-02");
  EXPECT_EQ(req.notice().content_size(), 0);
  EXPECT_TRUE(req.request_id().empty());  // set by the command, once per run
}

TEST(NotificationsArgs, SendToStaffWithWrittenContent) {
  NoticeOptions o;
  o.school = "schools/kenilworth";
  o.staff = {"mrs-jones"};
  o.category = "meeting";
  o.priority = "routine";
  o.subject = "Staff briefing";
  o.body = "Briefing moves to 8:15 tomorrow.";
  o.locale = "en";
  nv1::CreateNoticeRequest req = BuildNoticeRequest(o, false).value();
  EXPECT_EQ(req.notice().audience().kind(), nv1::AUDIENCE_KIND_STAFF);
  EXPECT_THAT(req.notice().audience().staff(), ElementsAre("schools/kenilworth/staff/mrs-jones"));
  ASSERT_EQ(req.notice().content_size(), 1);
  EXPECT_EQ(req.notice().content(0).locale(), "en");
  EXPECT_EQ(req.notice().content(0).subject(), "Staff briefing");
  EXPECT_TRUE(req.notice().template_().empty());
}

TEST(NotificationsArgs, NoticeMistakesAreUsageErrorsBeforeAnyCall) {
  NoticeOptions base;
  base.school = "st-marys";
  base.guardians = {"g-1"};
  base.category = "newsletter";
  base.priority = "routine";
  base.template_id = "newsletter";
  ASSERT_TRUE(BuildNoticeRequest(base, false).ok());

  auto fails = [&](const std::function<void(NoticeOptions&)>& change, bool broadcast, const std::string& says) {
    NoticeOptions o = base;
    change(o);
    absl::StatusOr<nv1::CreateNoticeRequest> r = BuildNoticeRequest(o, broadcast);
    ASSERT_FALSE(r.ok()) << says;
    EXPECT_THAT(r.status().message(), HasSubstr(says));
  };
  fails(
      [](NoticeOptions& o) {
        o.subject = "Hi";
        o.body = "x";
      },
      false, "not both");
  fails([](NoticeOptions& o) { o.template_id.clear(); }, false, "--template");
  fails([](NoticeOptions& o) { o.template_id = "News Letter"; }, false, "template id");
  fails([](NoticeOptions& o) { o.staff = {"mrs-jones"}; }, false, "--guardian");
  fails([](NoticeOptions& o) { o.guardians.clear(); }, false, "--guardian");
  fails([](NoticeOptions& o) { o.trust = true; }, false, "not both");
  fails([](NoticeOptions& o) { o.category = "gossip"; }, false, "category");
  fails([](NoticeOptions& o) { o.priority.clear(); }, false, "--priority");
  fails([](NoticeOptions& o) { o.event_date = "2026-3-2"; }, false, "YYYY-MM-DD");
  fails([](NoticeOptions& o) { o.audience = "school"; }, false, "broadcast");
  fails([](NoticeOptions& o) { o.audience = "school"; }, true, "not --guardian");
  fails([](NoticeOptions& o) { o.guardians.clear(); }, true, "--audience is required");
  fails(
      [](NoticeOptions& o) {
        o.template_id.clear();
        o.subject = "Hi";
        o.body = std::string(20001, 'x');
      },
      false, "--body is over 20000");
  fails(
      [](NoticeOptions& o) {
        o.template_id.clear();
        o.body = "x";
        o.vars = {"a=b"};
      },
      false, "--var goes with --template");
}

TEST(NotificationsArgs, ResourceNames) {
  EXPECT_EQ(NoticeName("schools/st-marys", "n-1").value(), "schools/st-marys/notices/n-1");
  EXPECT_EQ(NoticeName("trust", "n-1").value(), "trust/notices/n-1");
  EXPECT_EQ(NoticeName("", "trust/notices/n-1").value(), "trust/notices/n-1");
  EXPECT_EQ(NoticeName("", "schools/a/notices/n-1").value(), "schools/a/notices/n-1");
  EXPECT_FALSE(NoticeName("", "n-1").ok());
  EXPECT_FALSE(NoticeName("", "schools/a/letters/n-1").ok());
  EXPECT_EQ(TemplateName("trust", "escalation.acknowledgement").value(), "trust/templates/escalation.acknowledgement");
  EXPECT_FALSE(TemplateName("trust", "Newsletter").ok());
  EXPECT_EQ(SplitTemplateName("schools/st-marys/templates/newsletter").value(),
            std::make_pair(std::string("schools/st-marys"), std::string("newsletter")));
  EXPECT_TRUE(MessageName("schools/a/notices/n/messages/m").ok());
  EXPECT_FALSE(MessageName("schools/a/notices/n").ok());
  EXPECT_EQ(LetterBatchName("st-marys", "2026-01-05").value(), "schools/st-marys/letterBatches/2026-01-05");
  EXPECT_FALSE(LetterBatchName("", "2026-01-05").ok());
  EXPECT_FALSE(LetterBatchName("st-marys", "2026-13-05").ok());

  NotificationsListOptions m;
  m.notice = "n-1";
  m.school = "st-marys";
  EXPECT_EQ(MessagesParent(m).value(), "schools/st-marys/notices/n-1");
  m.guardian = "g-1";
  EXPECT_FALSE(MessagesParent(m).ok());  // two parents
  m.notice.clear();
  EXPECT_EQ(MessagesParent(m).value(), "guardians/g-1");
  m.guardian.clear();
  m.pupil = "p-3";
  EXPECT_EQ(MessagesParent(m).value(), "schools/st-marys/pupils/p-3");
}

TEST(NotificationsArgs, SettingsValues) {
  EXPECT_TRUE(CheckDigestTime("17:00").ok());
  EXPECT_TRUE(CheckDigestTime("00:05").ok());
  EXPECT_FALSE(CheckDigestTime("24:00").ok());
  EXPECT_FALSE(CheckDigestTime("7:00").ok());
  EXPECT_FALSE(CheckDigestTime("17:60").ok());
  EXPECT_EQ(ParseAppReadWait("0").value(), absl::ZeroDuration());
  EXPECT_EQ(ParseAppReadWait("1h").value(), absl::Hours(1));
  EXPECT_EQ(ParseAppReadWait("90m").value(), absl::Minutes(90));
  EXPECT_FALSE(ParseAppReadWait("73h").ok());
  EXPECT_FALSE(ParseAppReadWait("-1h").ok());
}

TEST(NotificationsArgs, SetPreferenceReplacesOneEntryAndRefusesEmergency) {
  nv1::Preferences p;
  ASSERT_TRUE(SetPreference(&p, nv1::CATEGORY_NEWSLETTER, nv1::DELIVERY_CHANNEL_EMAIL, nv1::DELIVERY_MODE_DIGEST).ok());
  ASSERT_TRUE(SetPreference(&p, nv1::CATEGORY_NEWSLETTER, nv1::DELIVERY_CHANNEL_APP, nv1::DELIVERY_MODE_INSTANT).ok());
  ASSERT_TRUE(SetPreference(&p, nv1::CATEGORY_NEWSLETTER, nv1::DELIVERY_CHANNEL_EMAIL, nv1::DELIVERY_MODE_OFF).ok());
  ASSERT_EQ(p.entries_size(), 2);
  EXPECT_EQ(p.entries(0).channel(), nv1::DELIVERY_CHANNEL_EMAIL);
  EXPECT_EQ(p.entries(0).mode(), nv1::DELIVERY_MODE_OFF);
  EXPECT_FALSE(SetPreference(&p, nv1::CATEGORY_EMERGENCY, nv1::DELIVERY_CHANNEL_SMS, nv1::DELIVERY_MODE_OFF).ok());
  EXPECT_FALSE(SetPreference(&p, nv1::CATEGORY_EVENT, nv1::DELIVERY_CHANNEL_SMS, nv1::DELIVERY_MODE_DIGEST).ok());
  EXPECT_EQ(p.entries_size(), 2);
}

TEST(NotificationsArgs, TemplateFileNamesItsPlaceAndRefusesUnknownFields) {
  nv1::Template t = ParseTemplateJson(R"({"name":"trust/templates/newsletter","category":"CATEGORY_NEWSLETTER",
      "variables":["headline"],"variants":[{"locale":"en","subject":"{{headline}}","body":"Dear {{recipient_name}}"}]})",
                                      "t.json")
                        .value();
  EXPECT_EQ(t.category(), nv1::CATEGORY_NEWSLETTER);
  EXPECT_THAT(t.variables(), ElementsAre("headline"));
  absl::StatusOr<nv1::Template> typo =
      ParseTemplateJson(R"({"name":"trust/templates/x","category":"CATEGORY_NEWSLETTER","variantz":[]})", "t.json");
  ASSERT_FALSE(typo.ok());
  EXPECT_THAT(typo.status().message(), HasSubstr("variantz"));
  EXPECT_FALSE(ParseTemplateJson(R"({"category":"CATEGORY_NEWSLETTER"})", "t.json").ok());  // no name
}

// --- notifications: output -------------------------------------------------------------------------

nv1::Notice ShortNoticeEvent() {
  nv1::Notice n;
  n.set_name("schools/st-marys/notices/n-42");
  n.set_category(nv1::CATEGORY_EVENT);
  n.set_priority(nv1::PRIORITY_ROUTINE);
  n.mutable_audience()->set_kind(nv1::AUDIENCE_KIND_YEAR_GROUPS);
  n.mutable_audience()->add_year_groups(5);
  n.set_template_("event");
  (*n.mutable_variables())["event"] = "Winter concert";
  n.set_event_date("2026-03-12");
  n.set_state(nv1::NOTICE_STATE_SENDING);
  n.set_recipient_count(57);
  nv1::NoticeWarning* w = n.add_warnings();
  w->set_code("SHORT_NOTICE");
  w->set_message("10 days' notice; St Mary's asks for 14");
  n.mutable_summary()->set_pending(7);
  n.mutable_summary()->set_delivered(50);
  SetTime("2026-03-02T09:00:00Z", n.mutable_create_time());
  return n;
}

TEST(NotificationsFormat, NoticeShowsCountWarningsAndDeliveries) {
  const std::string out = FormatNotice(ShortNoticeEvent(), London());
  EXPECT_THAT(out, HasSubstr("schools/st-marys/notices/n-42"));
  EXPECT_THAT(out, MatchesRegex("(.|\n)*recipients: +57\n(.|\n)*"));
  EXPECT_THAT(out, HasSubstr("SHORT_NOTICE: 10 days' notice; St Mary's asks for 14"));
  EXPECT_THAT(out, HasSubstr("pending 7, delivered 50"));
  EXPECT_THAT(out, HasSubstr("guardians of year 5"));
  EXPECT_THAT(out, HasSubstr("event (event)"));
  EXPECT_THAT(out, HasSubstr("Thu 12 Mar 2026"));
  EXPECT_THAT(out, HasSubstr("Mon 2 Mar 2026 09:00 GMT"));
  EXPECT_EQ(FormatDeliverySummary({}), "nothing yet");
  const std::string table = FormatNoticesTable({ShortNoticeEvent()}, London());
  EXPECT_THAT(table, HasSubstr("n-42"));
  EXPECT_THAT(table, HasSubstr("SHORT_NOTICE"));
}

TEST(NotificationsFormat, MessagesTableShowsEachChannelAndNoContent) {
  nv1::Message m;
  m.set_name("schools/woodgrange-infant/notices/n-1/messages/m-9");
  m.set_notice("schools/woodgrange-infant/notices/n-1");
  m.set_recipient("guardians/g-00012");
  m.add_pupils("schools/woodgrange-infant/pupils/p-00003");
  m.set_locale("bn");
  m.set_subject("School closed today");
  m.set_body("Dear Mrs Rahman, the school is closed");
  nv1::Delivery* app = m.add_deliveries();
  app->set_channel(nv1::DELIVERY_CHANNEL_APP);
  app->set_status(nv1::DELIVERY_STATUS_DELIVERED);
  nv1::Delivery* email = m.add_deliveries();
  email->set_channel(nv1::DELIVERY_CHANNEL_EMAIL);
  email->set_status(nv1::DELIVERY_STATUS_FAILED);
  email->set_reason("PERMANENT_FAILURE");
  nv1::Delivery* letter = m.add_deliveries();
  letter->set_channel(nv1::DELIVERY_CHANNEL_LETTER);
  letter->set_status(nv1::DELIVERY_STATUS_PENDING);
  letter->set_fallback_from(nv1::DELIVERY_CHANNEL_EMAIL);
  const std::string table = FormatMessagesTable({m}, London());
  EXPECT_THAT(table, HasSubstr("app:delivered email:failed(PERMANENT_FAILURE) email→letter:pending"));
  EXPECT_THAT(table, HasSubstr("guardians/g-00012"));
  EXPECT_THAT(table, HasSubstr("p-00003"));
  EXPECT_THAT(table, Not(HasSubstr("Rahman")));  // the rendered text is for the single view only
  const std::string one = FormatMessage(m, London());
  EXPECT_THAT(one, HasSubstr("Dear Mrs Rahman"));
  EXPECT_THAT(one, HasSubstr("letter (after email)"));
}

TEST(NotificationsFormat, ConsentSummaryPerPupil) {
  nv1::ConsentSummary s;
  s.set_notice("schools/riverside-academy/notices/n-3");
  s.set_pupils(2);
  s.set_answered_yes(1);
  s.set_awaiting(1);
  nv1::PupilConsent* a = s.add_rows();
  a->set_pupil("schools/riverside-academy/pupils/p-1");
  a->mutable_reply()->set_answer(nv1::CONSENT_ANSWER_YES);
  a->mutable_reply()->set_guardian("guardians/g-1");
  a->mutable_reply()->set_locked(true);
  a->add_guardians("guardians/g-1");
  a->add_guardians("guardians/g-2");
  nv1::PupilConsent* b = s.add_rows();
  b->set_pupil("schools/riverside-academy/pupils/p-2");
  b->add_guardians("guardians/g-3");
  const std::string out = FormatConsentSummary(s, London());
  EXPECT_THAT(out, MatchesRegex("(.|\n)*p-1 +yes +g-1 +- +yes +g-1,g-2\n(.|\n)*"));
  EXPECT_THAT(out, MatchesRegex("(.|\n)*p-2 +awaiting +- +- +- +g-3\n(.|\n)*"));
}

// --- notifications: the commands against a fake service ----------------------------------------

class FakeNotifications final : public nv1::NotificationsService::Service {
 public:
  grpc::Status CreateNotice(grpc::ServerContext*, const nv1::CreateNoticeRequest* req, nv1::Notice* resp) override {
    calls.push_back("CreateNotice");
    creates.push_back(*req);
    *resp = req->notice();
    resp->set_name(absl::StrCat(req->parent(), "/notices/n-", creates.size()));
    resp->set_recipient_count(212);
    nv1::NoticeWarning* w = resp->add_warnings();
    w->set_code("NO_CHANNEL");
    w->set_count(3);
    return grpc::Status::OK;
  }
  grpc::Status ListNotices(grpc::ServerContext*, const nv1::ListNoticesRequest* req,
                           nv1::ListNoticesResponse* resp) override {
    calls.push_back("ListNotices");
    last_list = *req;
    resp->add_notices()->set_name(absl::StrCat(req->parent(), "/notices/n-1"));
    return grpc::Status::OK;
  }
  grpc::Status GetPreferences(grpc::ServerContext*, const nv1::GetPreferencesRequest* req,
                              nv1::Preferences* resp) override {
    calls.push_back("GetPreferences");
    resp->set_name(req->name());
    resp->set_etag("\"4\"");
    nv1::ChannelPreference* e = resp->add_entries();
    e->set_category(nv1::CATEGORY_EVENT);
    e->set_channel(nv1::DELIVERY_CHANNEL_EMAIL);
    e->set_mode(nv1::DELIVERY_MODE_OFF);
    return grpc::Status::OK;
  }
  grpc::Status UpdatePreferences(grpc::ServerContext*, const nv1::UpdatePreferencesRequest* req,
                                 nv1::Preferences* resp) override {
    calls.push_back("UpdatePreferences");
    last_prefs = *req;
    *resp = req->preferences();
    return grpc::Status::OK;
  }
  grpc::Status UpdateSchoolSettings(grpc::ServerContext*, const nv1::UpdateSchoolSettingsRequest* req,
                                    nv1::SchoolSettings* resp) override {
    calls.push_back("UpdateSchoolSettings");
    last_settings = *req;
    *resp = req->settings();
    return grpc::Status::OK;
  }
  grpc::Status DownloadLetterBatch(grpc::ServerContext*, const nv1::DownloadLetterBatchRequest* req,
                                   grpc::ServerWriter<nv1::LetterBatchChunk>* writer) override {
    calls.push_back("DownloadLetterBatch " + req->name());
    for (const char* part : {"%PDF-1.4\n", "page one\n", "%%EOF\n"}) {
      nv1::LetterBatchChunk chunk;
      chunk.set_content_type("application/pdf");
      chunk.set_data(part);
      writer->Write(chunk);
    }
    return grpc::Status::OK;
  }

  std::vector<std::string> calls;
  std::vector<nv1::CreateNoticeRequest> creates;
  nv1::ListNoticesRequest last_list;
  nv1::UpdatePreferencesRequest last_prefs;
  nv1::UpdateSchoolSettingsRequest last_settings;
};

class NotificationsCommandsTest : public ::testing::Test {
 protected:
  void SetUp() override {
    grpc::ServerBuilder builder;
    int port = 0;
    builder.AddListeningPort("127.0.0.1:0", grpc::InsecureServerCredentials(), &port);
    builder.RegisterService(&contacts_);
    builder.RegisterService(&notifications_);
    server_ = builder.BuildAndStart();
    ASSERT_NE(server_, nullptr);
    channel_ = grpc::CreateChannel(absl::StrCat("127.0.0.1:", port), grpc::InsecureChannelCredentials());
  }
  void TearDown() override { server_->Shutdown(); }

  // `parleyctl <args>` for the notifications commands, as main parses it, against the fakes.
  absl::Status Run(const std::vector<std::string>& args, bool json = false) {
    CLI::App app{"parleyctl"};
    app.require_subcommand(1);
    Command run;
    NotificationsCli cli(&app, &run);
    std::vector<const char*> argv = {"parleyctl"};
    for (const std::string& a : args) argv.push_back(a.c_str());
    try {
      app.parse(static_cast<int>(argv.size()), argv.data());
    } catch (const CLI::ParseError& e) {
      return UsageError(e.what());
    }
    if (!run) return absl::InternalError("no command was set");
    GlobalOptions g;
    g.token = "test-token";
    g.json = json;
    Ctl ctl(g, channel_, nullptr, nullptr, channel_, out_, err_);
    return run(ctl);
  }

  FakeContacts contacts_;
  FakeNotifications notifications_;
  std::unique_ptr<grpc::Server> server_;
  std::shared_ptr<grpc::Channel> channel_;
  std::ostringstream out_;
  std::ostringstream err_;
};

TEST_F(NotificationsCommandsTest, BroadcastSendsTheAudienceWithAFreshRequestIdEachTime) {
  const std::vector<std::string> args = {
      "notices",  "broadcast",  "--school",  "woodgrange-infant", "--audience", "school", "--category",
      "closure",  "--priority", "emergency", "--subject",         "Closed",     "--body", "The school is closed today.",
      "--locale", "en"};
  ASSERT_TRUE(Run(args).ok()) << err_.str();
  ASSERT_TRUE(Run(args).ok()) << err_.str();
  ASSERT_EQ(notifications_.creates.size(), 2u);
  const nv1::CreateNoticeRequest& req = notifications_.creates[0];
  EXPECT_EQ(req.parent(), "schools/woodgrange-infant");
  EXPECT_EQ(req.notice().audience().kind(), nv1::AUDIENCE_KIND_SCHOOL);
  EXPECT_EQ(req.notice().priority(), nv1::PRIORITY_EMERGENCY);
  EXPECT_EQ(req.notice().content(0).body(), "The school is closed today.");
  EXPECT_THAT(req.request_id(), MatchesRegex("[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}"));
  EXPECT_NE(req.request_id(), notifications_.creates[1].request_id());
  EXPECT_THAT(out_.str(), HasSubstr("schools/woodgrange-infant/notices/n-1"));
  EXPECT_THAT(out_.str(), MatchesRegex("(.|\n)*recipients: +212\n(.|\n)*"));
  EXPECT_THAT(out_.str(), HasSubstr("NO_CHANNEL (3)"));
}

TEST_F(NotificationsCommandsTest, SendAtLocalTimeIsReadInTheSchoolsZone) {
  ASSERT_TRUE(
      Run({"notices", "send", "--school", "st-marys", "--guardian", "g-1", "--category", "meeting", "--priority",
           "important", "--template", "meeting", "--var", "when=Tue 4pm", "--send-at", "2030-07-01 08:30"})
          .ok())
      << err_.str();
  ASSERT_EQ(notifications_.creates.size(), 1u);
  // 08:30 BST is 07:30 UTC.
  EXPECT_EQ(absl::FromUnixSeconds(notifications_.creates[0].notice().send_time().seconds()),
            Utc("2030-07-01T07:30:00Z"));
  EXPECT_EQ(notifications_.creates[0].notice().variables().at("when"), "Tue 4pm");
}

TEST_F(NotificationsCommandsTest, MistakesSendNothing) {
  EXPECT_TRUE(IsUsageError(Run({"notices", "broadcast", "--school", "st-marys", "--audience", "year:4,x", "--category",
                                "event", "--priority", "routine", "--template", "event"})));
  EXPECT_TRUE(IsUsageError(Run({"notices", "send", "--school", "st-marys", "--guardian", "g-1", "--category", "event",
                                "--priority", "routine", "--template", "event", "--send-at", "tomorrow"})));
  EXPECT_TRUE(
      IsUsageError(Run({"prefs", "set", "g-1", "--category", "emergency", "--channel", "sms", "--mode", "off"})));
  EXPECT_TRUE(IsUsageError(Run({"notify-settings", "set", "st-marys", "--digest-time", "5pm"})));
  EXPECT_TRUE(notifications_.calls.empty());
}

TEST_F(NotificationsCommandsTest, PrefsSetKeepsTheOtherEntriesAndSendsTheEtagRead) {
  ASSERT_TRUE(Run({"prefs", "set", "g-7", "--category", "newsletter", "--channel", "email", "--mode", "digest"}).ok())
      << err_.str();
  EXPECT_THAT(notifications_.calls, ElementsAre("GetPreferences", "UpdatePreferences"));
  const nv1::UpdatePreferencesRequest& req = notifications_.last_prefs;
  EXPECT_EQ(req.etag(), "\"4\"");
  EXPECT_EQ(req.preferences().name(), "guardians/g-7/preferences");
  ASSERT_EQ(req.preferences().entries_size(), 2);
  EXPECT_EQ(req.preferences().entries(0).category(), nv1::CATEGORY_EVENT);
  EXPECT_EQ(req.preferences().entries(1).category(), nv1::CATEGORY_NEWSLETTER);
  EXPECT_EQ(req.preferences().entries(1).mode(), nv1::DELIVERY_MODE_DIGEST);
  EXPECT_FALSE(req.request_id().empty());
}

TEST_F(NotificationsCommandsTest, NotifySettingsSetChangesOnlyWhatIsGiven) {
  ASSERT_TRUE(Run({"notify-settings", "set", "woodgrange-infant", "--app-read-wait", "1h"}).ok()) << err_.str();
  const nv1::UpdateSchoolSettingsRequest& req = notifications_.last_settings;
  EXPECT_EQ(req.settings().name(), "schools/woodgrange-infant/notificationSettings");
  EXPECT_THAT(req.update_mask().paths(), ElementsAre("app_read_wait"));
  EXPECT_EQ(req.settings().app_read_wait().seconds(), 3600);
  EXPECT_TRUE(req.settings().digest_time().empty());
}

TEST_F(NotificationsCommandsTest, ListsTheTrustsNoticesWithoutAskingContacts) {
  ASSERT_TRUE(Run({"notices", "list", "--trust", "--category", "closure"}).ok()) << err_.str();
  EXPECT_EQ(notifications_.last_list.parent(), "trust");
  EXPECT_EQ(notifications_.last_list.category(), nv1::CATEGORY_CLOSURE);
  EXPECT_THAT(out_.str(), HasSubstr("n-1"));
  EXPECT_THAT(err_.str(), Not(HasSubstr("warning")));
}

TEST_F(NotificationsCommandsTest, LetterDownloadWritesTheWholeStream) {
  const std::string path = ::testing::TempDir() + "/batch.pdf";
  ASSERT_TRUE(Run({"letters", "download", "2026-01-05", "--school", "milton-road", "--out", path}).ok()) << err_.str();
  EXPECT_THAT(notifications_.calls, ElementsAre("DownloadLetterBatch schools/milton-road/letterBatches/2026-01-05"));
  std::ifstream f(path, std::ios::binary);
  std::stringstream content;
  content << f.rdbuf();
  EXPECT_EQ(content.str(), "%PDF-1.4\npage one\n%%EOF\n");
  EXPECT_THAT(out_.str(), HasSubstr("wrote " + path));
}

// --- appointments: names, arguments, formatting, and the commands against a fake service ------

TEST(AppointmentsNames, RoundTripAndAliases) {
  EXPECT_EQ(*ParseMeetingMode("in-person"), av1::MEETING_MODE_IN_PERSON);
  EXPECT_EQ(*ParseMeetingMode("MEETING_MODE_VIDEO"), av1::MEETING_MODE_VIDEO);
  EXPECT_EQ(MeetingModeName(av1::MEETING_MODE_PHONE), "phone");
  EXPECT_EQ(*ParseMeetingRequestState("No_Show"), av1::MEETING_REQUEST_STATE_NO_SHOW);
  EXPECT_EQ(MeetingRequestStateName(av1::MEETING_REQUEST_STATE_MISSED), "missed");
  EXPECT_EQ(*ParseBookingOutcome("missed-call"), av1::BOOKING_STATE_MISSED_CALL);
  EXPECT_EQ(*ParseHouseholdRule("one-each"), av1::HOUSEHOLD_RULE_ONE_EACH);
  EXPECT_EQ(HouseholdRuleName(av1::HOUSEHOLD_RULE_ONE_PER_HOUSEHOLD), "one-per-household");
  EXPECT_EQ(MeetingEventKindName(av1::MEETING_REQUEST_EVENT_KIND_CALL_BACK_BREACHED), "call-back-breached");
  // Only the outcomes RecordOutcome takes.
  absl::StatusOr<av1::BookingState> confirmed = ParseBookingOutcome("confirmed");
  ASSERT_FALSE(confirmed.ok());
  EXPECT_THAT(std::string(confirmed.status().message()), HasSubstr("attended, no-show, missed-call"));
  EXPECT_FALSE(ParseMeetingMode("carrier-pigeon").ok());
}

TEST(AppointmentsArgs, SpansReadInTheSchoolsZoneWithAnEndOnTheSameDay) {
  // 8 December is GMT; 1 July BST.
  absl::StatusOr<TimeRangeArg> winter = ParseTimeRangeArg("2026-12-08 16:00/16:20", London(), std::nullopt);
  ASSERT_TRUE(winter.ok()) << winter.status();
  EXPECT_EQ(winter->start, Utc("2026-12-08T16:00:00Z"));
  EXPECT_EQ(winter->end, Utc("2026-12-08T16:20:00Z"));
  absl::StatusOr<TimeRangeArg> summer = ParseTimeRangeArg("2026-07-01 09:00", London(), absl::Minutes(30));
  ASSERT_TRUE(summer.ok()) << summer.status();
  EXPECT_EQ(summer->start, Utc("2026-07-01T08:00:00Z"));
  EXPECT_EQ(summer->end, Utc("2026-07-01T08:30:00Z"));
  absl::StatusOr<TimeRangeArg> utc = ParseTimeRangeArg("2026-07-01T08:00:00Z/2026-07-01T09:00:00Z", London(), {});
  ASSERT_TRUE(utc.ok());
  EXPECT_EQ(utc->end - utc->start, absl::Hours(1));
  EXPECT_FALSE(TimeRangeIsLocal("2026-07-01T08:00:00Z/2026-07-01T09:00:00Z"));
  EXPECT_TRUE(TimeRangeIsLocal("2026-07-01T08:00:00Z/10:00"));

  EXPECT_THAT(std::string(ParseTimeRangeArg("2026-07-01 09:00", London(), std::nullopt).status().message()),
              HasSubstr("--length"));
  EXPECT_THAT(std::string(ParseTimeRangeArg("2026-07-01 09:00/08:30", London(), std::nullopt).status().message()),
              HasSubstr("ends before it starts"));
  EXPECT_FALSE(CheckTimeRangeArg("tomorrow/10:00", false).ok());
  EXPECT_FALSE(CheckTimeRangeArg("2026-07-01 09:00/25:00", false).ok());
  EXPECT_TRUE(CheckTimeRangeArg("2026-07-01 09:00", true).ok());
}

TEST(AppointmentsArgs, SlotsTeachersAndChoices) {
  absl::StatusOr<EveningSlotArg> slot = ParseEveningSlotArg("p-00012, mrs-hart ,16:40");
  ASSERT_TRUE(slot.ok()) << slot.status();
  EXPECT_EQ(slot->pupil, "p-00012");
  EXPECT_EQ(slot->staff, "mrs-hart");
  EXPECT_EQ(slot->time, "16:40");
  EXPECT_TRUE(ParseEveningSlotArg("p-1,mrs-hart,2026-12-08T16:40:00Z").ok());
  EXPECT_FALSE(ParseEveningSlotArg("p-1,mrs-hart").ok());
  EXPECT_FALSE(ParseEveningSlotArg("p-1,mrs-hart,teatime").ok());

  absl::StatusOr<EveningTeacherArg> t =
      ParseEveningTeacherArg("mr-cole,room=S4,from=16:30,break=17:30-17:45,break=18:10-18:20");
  ASSERT_TRUE(t.ok()) << t.status();
  EXPECT_EQ(t->staff, "mr-cole");
  EXPECT_EQ(t->room, "S4");
  EXPECT_EQ(t->from, "16:30");
  EXPECT_TRUE(t->to.empty());
  ASSERT_EQ(t->breaks.size(), 2u);
  EXPECT_EQ(t->breaks[1].first, "18:10");
  EXPECT_FALSE(ParseEveningTeacherArg("mr-cole,lunch=12:00").ok());
  EXPECT_FALSE(ParseEveningTeacherArg("mr-cole,break=17:30").ok());
  EXPECT_FALSE(ParseEveningTeacherArg("room=S4").ok());

  EXPECT_TRUE(ParseEveningTeacherChoiceArg("p-3,mrs-hart").ok());
  EXPECT_FALSE(ParseEveningTeacherChoiceArg("p-3").ok());
}

av1::MeetingRequest SampleRequest() {
  av1::MeetingRequest r;
  r.set_name("schools/st-marys/meetingRequests/mr-1");
  r.set_guardian("guardians/g-7");
  r.set_pupil("schools/st-marys/pupils/p-3");
  r.set_topic("Worried about reading");
  r.set_kind(av1::MEETING_REQUEST_KIND_MEETING);
  r.set_state(av1::MEETING_REQUEST_STATE_OFFERED);
  r.set_owner("schools/st-marys/staff/mrs-hart");
  r.set_etag("\"3\"");
  SetTime("2026-10-23T09:00:00Z", r.mutable_receive_time());
  av1::TimeRange* offered = r.add_offered();
  SetTime("2026-10-27T15:30:00Z", offered->mutable_start_time());
  SetTime("2026-10-27T15:50:00Z", offered->mutable_end_time());
  offered = r.add_offered();
  SetTime("2026-10-28T08:00:00Z", offered->mutable_start_time());
  SetTime("2026-10-28T08:20:00Z", offered->mutable_end_time());
  av1::Clock* answer = r.add_clocks();
  answer->set_kind(av1::CLOCK_KIND_ANSWER);
  answer->set_state(av1::CLOCK_STATE_MET);
  av1::Clock* hold = r.add_clocks();
  hold->set_kind(av1::CLOCK_KIND_HOLD);
  hold->set_state(av1::CLOCK_STATE_RUNNING);
  SetTime("2026-11-06T17:00:00Z", hold->mutable_due_time());
  hold->set_policy_text("we will meet you within 10 working days");
  return r;
}

TEST(AppointmentsFormat, RequestShowsOfferedTimesAndClocksInSchoolTimeAcrossTheClockChange) {
  const std::string out = FormatMeetingRequest(SampleRequest(), {}, London());
  // 27 October is after the clocks go back: GMT; received on 23 October in BST.
  EXPECT_THAT(out, HasSubstr("Tue 27 Oct 2026 15:30-15:50 GMT"));
  EXPECT_THAT(out, HasSubstr("Fri 23 Oct 2026 10:00 BST"));
  EXPECT_THAT(out, HasSubstr("topic:"));
  EXPECT_THAT(out, MatchesRegex("(.|\n)*hold: +running, due Fri 6 Nov 2026 17:00 GMT(.|\n)*"));
  EXPECT_THAT(out, HasSubstr("we will meet you within 10 working days"));
}

TEST(AppointmentsFormat, TablesLeaveOutTopicsAndGuests) {
  const std::string requests = FormatMeetingRequestsTable({SampleRequest()}, London());
  EXPECT_THAT(requests, HasSubstr("mr-1"));
  EXPECT_THAT(requests, HasSubstr("offered"));
  EXPECT_THAT(requests, HasSubstr("met"));
  EXPECT_THAT(requests, HasSubstr("Fri 6 Nov 2026 17:00 GMT"));
  EXPECT_THAT(requests, Not(HasSubstr("reading")));

  av1::Booking b;
  b.set_name("schools/st-marys/bookings/b-1");
  b.set_state(av1::BOOKING_STATE_HELD);
  b.set_kind(av1::BOOKING_KIND_MEETING);
  b.add_guardians("guardians/g-7");
  av1::Attendee* a = b.add_staff();
  a->set_staff("schools/st-marys/staff/mrs-hart");
  a->set_role("senco");
  b.add_guests()->set_description("Education welfare officer, County");
  b.add_waiting_for("a second member of staff must attend");
  SetTime("2026-12-08T16:00:00Z", b.mutable_time()->mutable_start_time());
  SetTime("2026-12-08T16:20:00Z", b.mutable_time()->mutable_end_time());
  const std::string table = FormatBookingsTable({b}, London());
  EXPECT_THAT(table, HasSubstr("mrs-hart (senco)"));
  EXPECT_THAT(table, HasSubstr("Tue 8 Dec 2026 16:00-16:20 GMT"));
  EXPECT_THAT(table, HasSubstr("a second member of staff must attend"));
  EXPECT_THAT(table, Not(HasSubstr("welfare")));
  EXPECT_THAT(FormatBooking(b, London()), HasSubstr("Education welfare officer, County"));
}

// The appointments service as parleyctl sees it: records each request and answers from it.
class FakeAppointments final : public av1::AppointmentsService::Service {
 public:
  grpc::Status CreateMeetingRequest(grpc::ServerContext*, const av1::CreateMeetingRequestRequest* req,
                                    av1::MeetingRequest* resp) override {
    calls.push_back("CreateMeetingRequest");
    last_create = *req;
    *resp = req->meeting_request();
    resp->set_name(absl::StrCat(req->parent(), "/meetingRequests/mr-9"));
    resp->set_state(av1::MEETING_REQUEST_STATE_OPEN);
    return grpc::Status::OK;
  }
  grpc::Status GetMeetingRequest(grpc::ServerContext*, const av1::GetMeetingRequestRequest* req,
                                 av1::MeetingRequest* resp) override {
    calls.push_back("GetMeetingRequest " + req->name());
    *resp = SampleRequest();
    resp->set_name(req->name());
    return grpc::Status::OK;
  }
  grpc::Status OfferTimes(grpc::ServerContext*, const av1::OfferTimesRequest* req, av1::MeetingRequest* resp) override {
    calls.push_back("OfferTimes");
    last_offer = *req;
    *resp = SampleRequest();
    return grpc::Status::OK;
  }
  grpc::Status AcceptTime(grpc::ServerContext*, const av1::AcceptTimeRequest* req, av1::MeetingRequest* resp) override {
    calls.push_back("AcceptTime");
    last_accept = *req;
    *resp = SampleRequest();
    resp->set_state(av1::MEETING_REQUEST_STATE_BOOKED);
    return grpc::Status::OK;
  }
  grpc::Status CreateBooking(grpc::ServerContext*, const av1::CreateBookingRequest* req, av1::Booking* resp) override {
    calls.push_back("CreateBooking");
    last_booking = *req;
    *resp = req->booking();
    resp->set_name(absl::StrCat(req->parent(), "/bookings/b-1"));
    return grpc::Status::OK;
  }
  grpc::Status CreateParentsEvening(grpc::ServerContext*, const av1::CreateParentsEveningRequest* req,
                                    av1::ParentsEvening* resp) override {
    calls.push_back("CreateParentsEvening");
    last_evening = *req;
    *resp = req->parents_evening();
    resp->set_name(absl::StrCat(req->parent(), "/parentsEvenings/pe-1"));
    return grpc::Status::OK;
  }
  grpc::Status GetParentsEvening(grpc::ServerContext*, const av1::GetParentsEveningRequest* req,
                                 av1::ParentsEvening* resp) override {
    calls.push_back("GetParentsEvening");
    resp->set_name(req->name());
    SetTime("2026-12-08T16:00:00Z", resp->mutable_time()->mutable_start_time());
    SetTime("2026-12-08T19:00:00Z", resp->mutable_time()->mutable_end_time());
    resp->mutable_slot_length()->set_seconds(600);
    resp->set_etag("\"2\"");
    return grpc::Status::OK;
  }
  grpc::Status HoldEveningSlots(grpc::ServerContext*, const av1::HoldEveningSlotsRequest* req,
                                av1::HoldEveningSlotsResponse* resp) override {
    calls.push_back("HoldEveningSlots");
    last_hold = *req;
    for (int i = 0; i < req->slots_size(); ++i) {
      av1::Booking* b = resp->add_bookings();
      b->set_name(absl::StrCat("schools/st-marys/bookings/h-", i + 1));
      b->set_state(av1::BOOKING_STATE_HELD);
      *b->mutable_time() = req->slots(i).time();
    }
    return grpc::Status::OK;
  }
  grpc::Status ConfirmBookings(grpc::ServerContext*, const av1::ConfirmBookingsRequest* req,
                               av1::ConfirmBookingsResponse* resp) override {
    calls.push_back("ConfirmBookings");
    last_confirm = *req;
    for (const std::string& name : req->bookings()) {
      av1::Booking* b = resp->add_bookings();
      b->set_name(name);
      b->set_state(av1::BOOKING_STATE_CONFIRMED);
    }
    return grpc::Status::OK;
  }
  grpc::Status CancelParentsEvening(grpc::ServerContext*, const av1::CancelParentsEveningRequest* req,
                                    av1::ParentsEvening* resp) override {
    calls.push_back("CancelParentsEvening");
    last_cancel = *req;
    resp->set_name(req->name());
    resp->set_state(av1::EVENING_STATE_CANCELLED);
    return grpc::Status::OK;
  }
  grpc::Status ListMeetingRequests(grpc::ServerContext* ctx, const av1::ListMeetingRequestsRequest* req,
                                   av1::ListMeetingRequestsResponse* resp) override {
    calls.push_back("ListMeetingRequests");
    last_list = *req;
    if (req->owner() == "schools/st-marys/staff/nobody") {
      ctx->AddTrailingMetadata("parley-error-reason", "STAFF_NOT_FOUND");
      return grpc::Status(grpc::StatusCode::NOT_FOUND, "no such member of staff");
    }
    // Three requests, two per page.
    ServePage(3, 2, req->page_token(), resp, [&](int i) {
      av1::MeetingRequest* r = resp->add_meeting_requests();
      *r = SampleRequest();
      r->set_name(absl::StrCat(req->parent(), "/meetingRequests/mr-", i + 1));
    });
    return grpc::Status::OK;
  }

  grpc::Status GetAppointmentSettings(grpc::ServerContext*, const av1::GetAppointmentSettingsRequest* req,
                                      av1::AppointmentSettings* resp) override {
    calls.push_back("GetAppointmentSettings");
    resp->set_name(req->name());
    resp->set_etag("\"5\"");
    av1::RetentionRule* r = resp->add_retention();
    r->set_record_type("send_review");
    r->set_years(6);
    r->set_until_pupil_age(25);
    r = resp->add_retention();
    r->set_record_type("parent_meeting");
    r->set_years(1);
    return grpc::Status::OK;
  }
  grpc::Status UpdateAppointmentSettings(grpc::ServerContext*, const av1::UpdateAppointmentSettingsRequest* req,
                                         av1::AppointmentSettings* resp) override {
    calls.push_back("UpdateAppointmentSettings");
    last_settings = *req;
    *resp = req->settings();
    return grpc::Status::OK;
  }

  std::vector<std::string> calls;
  av1::UpdateAppointmentSettingsRequest last_settings;
  av1::CreateMeetingRequestRequest last_create;
  av1::OfferTimesRequest last_offer;
  av1::AcceptTimeRequest last_accept;
  av1::CreateBookingRequest last_booking;
  av1::CreateParentsEveningRequest last_evening;
  av1::HoldEveningSlotsRequest last_hold;
  av1::ConfirmBookingsRequest last_confirm;
  av1::CancelParentsEveningRequest last_cancel;
  av1::ListMeetingRequestsRequest last_list;
};

class AppointmentsCommandsTest : public ::testing::Test {
 protected:
  void SetUp() override {
    grpc::ServerBuilder builder;
    int port = 0;
    builder.AddListeningPort("127.0.0.1:0", grpc::InsecureServerCredentials(), &port);
    builder.RegisterService(&contacts_);
    builder.RegisterService(&appointments_);
    server_ = builder.BuildAndStart();
    ASSERT_NE(server_, nullptr);
    channel_ = grpc::CreateChannel(absl::StrCat("127.0.0.1:", port), grpc::InsecureChannelCredentials());
  }
  void TearDown() override { server_->Shutdown(); }

  // `parleyctl <args>` for the meetings and evenings commands, as main parses it, against the fakes.
  absl::Status Run(const std::vector<std::string>& args, bool json = false) {
    CLI::App app{"parleyctl"};
    app.require_subcommand(1);
    Command run;
    AppointmentsCli cli(&app, &run);
    std::vector<const char*> argv = {"parleyctl"};
    for (const std::string& a : args) argv.push_back(a.c_str());
    try {
      app.parse(static_cast<int>(argv.size()), argv.data());
    } catch (const CLI::ParseError& e) {
      return UsageError(e.what());
    }
    if (!run) return absl::InternalError("no command was set");
    GlobalOptions g;
    g.token = "test-token";
    g.json = json;
    Ctl ctl(g, channel_, nullptr, nullptr, nullptr, channel_, out_, err_);
    return run(ctl);
  }

  FakeContacts contacts_;
  FakeAppointments appointments_;
  std::unique_ptr<grpc::Server> server_;
  std::shared_ptr<grpc::Channel> channel_;
  std::ostringstream out_;
  std::ostringstream err_;
};

TEST_F(AppointmentsCommandsTest, RequestReadsTheLocalTimeAndSendsAFreshRequestId) {
  ASSERT_TRUE(Run({"meetings", "request", "--school", "st-marys", "--guardian", "g-7", "--pupil", "p-3", "--topic",
                   "Worried about reading", "--role", "senco", "--staff", "mrs-hart", "--mode", "phone", "--call",
                   "--received", "2026-07-01 09:15"})
                  .ok())
      << err_.str();
  const av1::CreateMeetingRequestRequest& req = appointments_.last_create;
  EXPECT_EQ(req.parent(), "schools/st-marys");
  EXPECT_EQ(req.meeting_request().guardian(), "guardians/g-7");
  EXPECT_EQ(req.meeting_request().pupil(), "schools/st-marys/pupils/p-3");
  EXPECT_THAT(req.meeting_request().want_staff(), ElementsAre("schools/st-marys/staff/mrs-hart"));
  EXPECT_THAT(req.meeting_request().want_roles(), ElementsAre("senco"));
  EXPECT_EQ(req.meeting_request().mode(), av1::MEETING_MODE_PHONE);
  EXPECT_EQ(req.meeting_request().kind(), av1::MEETING_REQUEST_KIND_CALL);
  // 09:15 BST is 08:15 UTC.
  EXPECT_EQ(FromProto(req.meeting_request().receive_time()), Utc("2026-07-01T08:15:00Z"));
  EXPECT_THAT(req.request_id(), MatchesRegex("[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}"));
  EXPECT_THAT(out_.str(), HasSubstr("schools/st-marys/meetingRequests/mr-9"));
}

TEST_F(AppointmentsCommandsTest, OfferReadsTheEtagFirstAndSendsEachTime) {
  ASSERT_TRUE(Run({"meetings", "offer", "mr-1", "--school", "st-marys", "--time", "2026-12-08 16:00/16:20", "--time",
                   "2026-12-09 08:30", "--length", "20m", "--staff", "mr-cole"})
                  .ok())
      << err_.str();
  EXPECT_THAT(appointments_.calls,
              ElementsAre("GetMeetingRequest schools/st-marys/meetingRequests/mr-1", "OfferTimes"));
  const av1::OfferTimesRequest& req = appointments_.last_offer;
  EXPECT_EQ(req.etag(), "\"3\"");
  ASSERT_EQ(req.times_size(), 2);
  EXPECT_EQ(FromProto(req.times(0).end_time()), Utc("2026-12-08T16:20:00Z"));
  EXPECT_EQ(FromProto(req.times(1).start_time()), Utc("2026-12-09T08:30:00Z"));
  EXPECT_EQ(FromProto(req.times(1).end_time()), Utc("2026-12-09T08:50:00Z"));
  EXPECT_THAT(req.staff(), ElementsAre("schools/st-marys/staff/mr-cole"));
}

TEST_F(AppointmentsCommandsTest, AcceptTakesTheNthOfferedTime) {
  ASSERT_TRUE(Run({"meetings", "accept", "schools/st-marys/meetingRequests/mr-1", "--offered", "2"}).ok())
      << err_.str();
  const av1::AcceptTimeRequest& req = appointments_.last_accept;
  EXPECT_EQ(FromProto(req.time().start_time()), Utc("2026-10-28T08:00:00Z"));
  EXPECT_EQ(req.etag(), "\"3\"");
  EXPECT_FALSE(req.request_id().empty());
  // One read serves both the etag and the offered times.
  EXPECT_THAT(appointments_.calls,
              ElementsAre("GetMeetingRequest schools/st-marys/meetingRequests/mr-1", "AcceptTime"));
  EXPECT_THAT(out_.str(), HasSubstr("booked"));

  EXPECT_TRUE(IsUsageError(Run({"meetings", "accept", "schools/st-marys/meetingRequests/mr-1", "--offered", "3"})));
}

TEST_F(AppointmentsCommandsTest, EveningCreateReadsTheDateAndClockTimesInTheSchoolsZone) {
  ASSERT_TRUE(Run({"evenings",    "create",
                   "--school",    "st-marys",
                   "--name",      "Year 7 parents' evening",
                   "--date",      "2026-10-22",
                   "--from",      "16:00",
                   "--to",        "19:00",
                   "--walk",      "2m",
                   "--teacher",   "mrs-hart,room=M1",
                   "--teacher",   "mr-cole,room=S4,from=17:00,break=18:00-18:10",
                   "--opens",     "2026-10-15 18:00",
                   "--household", "one-each",
                   "--year",      "7"})
                  .ok())
      << err_.str();
  const av1::ParentsEvening& e = appointments_.last_evening.parents_evening();
  // 22 October is BST.
  EXPECT_EQ(FromProto(e.time().start_time()), Utc("2026-10-22T15:00:00Z"));
  EXPECT_EQ(FromProto(e.time().end_time()), Utc("2026-10-22T18:00:00Z"));
  EXPECT_EQ(e.slot_length().seconds(), 600);
  EXPECT_EQ(e.walk().seconds(), 120);
  ASSERT_EQ(e.teachers_size(), 2);
  EXPECT_EQ(e.teachers(0).staff(), "schools/st-marys/staff/mrs-hart");
  EXPECT_EQ(e.teachers(0).room(), "M1");
  EXPECT_EQ(FromProto(e.teachers(0).window().start_time()), Utc("2026-10-22T15:00:00Z"));
  EXPECT_EQ(FromProto(e.teachers(1).window().start_time()), Utc("2026-10-22T16:00:00Z"));
  ASSERT_EQ(e.teachers(1).breaks_size(), 1);
  EXPECT_EQ(FromProto(e.teachers(1).breaks(0).end_time()), Utc("2026-10-22T17:10:00Z"));
  EXPECT_EQ(FromProto(e.booking_open_time()), Utc("2026-10-15T17:00:00Z"));
  EXPECT_EQ(e.household_rule(), av1::HOUSEHOLD_RULE_ONE_EACH);
  EXPECT_THAT(e.year_groups(), ElementsAre(7));
  EXPECT_THAT(out_.str(), HasSubstr("schools/st-marys/parentsEvenings/pe-1"));
}

TEST_F(AppointmentsCommandsTest, EveningOpenOpensBookingNow) {
  const absl::Time before = absl::Now() - absl::Seconds(1);
  ASSERT_TRUE(Run({"evenings", "open", "--school", "st-marys", "--name", "Year 8", "--date", "2026-12-08", "--from",
                   "16:00", "--to", "19:00", "--teacher", "mrs-hart"})
                  .ok())
      << err_.str();
  const absl::Time opens = FromProto(appointments_.last_evening.parents_evening().booking_open_time());
  EXPECT_GE(opens, before);
  EXPECT_LE(opens, absl::Now());
  EXPECT_TRUE(
      IsUsageError(Run({"evenings", "open", "--school", "st-marys", "--name", "Year 8", "--date", "2026-12-08",
                        "--from", "16:00", "--to", "19:00", "--teacher", "mrs-hart", "--opens", "2026-12-01 08:00"})));
}

TEST_F(AppointmentsCommandsTest, EveningBookHoldsTheSlotsOnTheEveningsDateThenConfirmsThemTogether) {
  ASSERT_TRUE(Run({"evenings", "book", "pe-1", "--school", "st-marys", "--guardian", "g-7", "--slot",
                   "p-3,mrs-hart,16:40", "--slot", "p-3,mr-cole,17:10"})
                  .ok())
      << err_.str();
  EXPECT_THAT(appointments_.calls, ElementsAre("GetParentsEvening", "HoldEveningSlots", "ConfirmBookings"));
  const av1::HoldEveningSlotsRequest& hold = appointments_.last_hold;
  EXPECT_EQ(hold.parent(), "schools/st-marys/parentsEvenings/pe-1");
  EXPECT_EQ(hold.guardian(), "guardians/g-7");
  ASSERT_EQ(hold.slots_size(), 2);
  EXPECT_EQ(hold.slots(0).pupil(), "schools/st-marys/pupils/p-3");
  EXPECT_EQ(hold.slots(1).staff(), "schools/st-marys/staff/mr-cole");
  // 8 December is GMT; a slot is the evening's ten minutes.
  EXPECT_EQ(FromProto(hold.slots(0).time().start_time()), Utc("2026-12-08T16:40:00Z"));
  EXPECT_EQ(FromProto(hold.slots(0).time().end_time()), Utc("2026-12-08T16:50:00Z"));
  EXPECT_THAT(appointments_.last_confirm.bookings(),
              ElementsAre("schools/st-marys/bookings/h-1", "schools/st-marys/bookings/h-2"));
  EXPECT_EQ(appointments_.last_confirm.parent(), "schools/st-marys");
  EXPECT_THAT(out_.str(), HasSubstr("confirmed"));
}

TEST_F(AppointmentsCommandsTest, EveningBookWithHoldLeavesThemHeld) {
  ASSERT_TRUE(Run({"evenings", "book", "pe-1", "--school", "st-marys", "--guardian", "g-7", "--slot",
                   "p-3,mrs-hart,16:40", "--interpreter", "pl", "--hold"})
                  .ok())
      << err_.str();
  EXPECT_THAT(appointments_.calls, ElementsAre("GetParentsEvening", "HoldEveningSlots"));
  // Interpreted without a length set: two slots.
  EXPECT_EQ(FromProto(appointments_.last_hold.slots(0).time().end_time()), Utc("2026-12-08T17:00:00Z"));
  EXPECT_EQ(appointments_.last_hold.interpreter_language(), "pl");
  EXPECT_THAT(out_.str(), HasSubstr("held"));
}

TEST_F(AppointmentsCommandsTest, BookSendsTheAttendeesAndConfirmsUnlessHeld) {
  ASSERT_TRUE(Run({"meetings", "book", "--school", "st-marys", "--guardian", "g-1", "--pupil", "p-2", "--staff",
                   "mrs-hart", "--time", "2026-12-08T16:00:00Z", "--length", "15m", "--mode", "phone", "--call"})
                  .ok())
      << err_.str();
  const av1::CreateBookingRequest& req = appointments_.last_booking;
  EXPECT_EQ(req.kind(), av1::BOOKING_KIND_CALL);
  EXPECT_TRUE(req.confirm());
  EXPECT_EQ(req.booking().mode(), av1::MEETING_MODE_PHONE);
  EXPECT_THAT(req.booking().guardians(), ElementsAre("guardians/g-1"));
  EXPECT_EQ(req.booking().staff(0).staff(), "schools/st-marys/staff/mrs-hart");
  EXPECT_EQ(FromProto(req.booking().time().end_time()), Utc("2026-12-08T16:15:00Z"));
  // An instant needs no zone: contacts is not asked before the call.
  EXPECT_EQ(contacts_.get_school_calls, 1);  // only to show the booking
}

TEST_F(AppointmentsCommandsTest, EveningCancelSendsTheReasonAndTheEtagRead) {
  ASSERT_TRUE(Run({"evenings", "cancel", "pe-1", "--school", "st-marys", "--reason", "Snow"}).ok()) << err_.str();
  EXPECT_THAT(appointments_.calls, ElementsAre("GetParentsEvening", "CancelParentsEvening"));
  EXPECT_EQ(appointments_.last_cancel.etag(), "\"2\"");
  EXPECT_EQ(appointments_.last_cancel.reason(), "Snow");
  EXPECT_THAT(out_.str(), HasSubstr("cancelled"));
}

TEST_F(AppointmentsCommandsTest, ListFollowsEveryPageWithTheFiltersAndShowsNoTopic) {
  ASSERT_TRUE(
      Run({"meetings", "list", "--school", "st-marys", "--state", "offered", "--owner", "mrs-hart", "--breached"}).ok())
      << err_.str();
  EXPECT_THAT(appointments_.calls, ElementsAre("ListMeetingRequests", "ListMeetingRequests"));
  EXPECT_EQ(appointments_.last_list.state(), av1::MEETING_REQUEST_STATE_OFFERED);
  EXPECT_EQ(appointments_.last_list.owner(), "schools/st-marys/staff/mrs-hart");
  EXPECT_TRUE(appointments_.last_list.breached_only());
  EXPECT_THAT(out_.str(), HasSubstr("mr-3"));
  EXPECT_THAT(out_.str(), Not(HasSubstr("reading")));
}

TEST_F(AppointmentsCommandsTest, JsonIsTheResponseAsProtobufJson) {
  ASSERT_TRUE(Run({"meetings", "get", "mr-1", "--school", "st-marys"}, /*json=*/true).ok()) << err_.str();
  EXPECT_THAT(out_.str(), HasSubstr("\"state\": \"MEETING_REQUEST_STATE_OFFERED\""));
  EXPECT_THAT(out_.str(), HasSubstr("\"name\": \"schools/st-marys/meetingRequests/mr-1\""));
}

TEST_F(AppointmentsCommandsTest, MistakesAreUsageErrorsBeforeAnyCall) {
  const std::vector<std::vector<std::string>> mistakes = {
      {"meetings", "request", "--school", "st-marys", "--guardian", "g-7", "--pupil", "p-3", "--topic",
       std::string(201, 'x')},
      {"meetings", "request", "--school", "st-marys", "--guardian", "g-7", "--pupil", "p-3", "--topic", "t", "--mode",
       "fax"},
      {"meetings", "offer", "mr-1", "--school", "st-marys", "--time", "2026-12-08 16:00"},
      {"meetings", "offer", "mr-1", "--school", "st-marys", "--time", "2026-12-08 16:00/15:00"},
      {"meetings", "offer", "mr-1", "--time", "2026-12-08 16:00/16:20"},
      {"meetings", "accept", "mr-1", "--school", "st-marys"},
      {"meetings", "accept", "mr-1", "--school", "st-marys", "--offered", "1", "--time", "2026-12-08 16:00/16:20"},
      {"meetings", "outcome", "b-1", "--school", "st-marys", "--outcome", "confirmed"},
      {"meetings", "notes", "hold", "b-1", "--school", "st-marys"},
      {"evenings", "create", "--school", "st-marys", "--name", "Y7", "--date", "2026-12-08", "--from", "19:00", "--to",
       "16:00", "--teacher", "mrs-hart", "--opens", "2026-12-01 08:00"},
      {"evenings", "create", "--school", "st-marys", "--name", "Y7", "--date", "8/12/2026", "--from", "16:00", "--to",
       "19:00", "--teacher", "mrs-hart", "--opens", "2026-12-01 08:00"},
      {"evenings", "create", "--school", "st-marys", "--name", "Y7", "--date", "2026-12-08", "--from", "16:00", "--to",
       "19:00", "--teacher", "mrs-hart,break=17:00", "--opens", "2026-12-01 08:00"},
      {"evenings", "book", "pe-1", "--school", "st-marys", "--guardian", "g-7", "--slot", "p-3,mrs-hart"},
      {"evenings", "timetable", "pe-1", "--school", "st-marys"},
      {"evenings", "cancel", "pe-1", "--school", "st-marys", "--reason", ""},
  };
  for (const std::vector<std::string>& args : mistakes) {
    EXPECT_TRUE(IsUsageError(Run(args))) << absl::StrJoin(args, " ");
  }
  EXPECT_TRUE(appointments_.calls.empty()) << absl::StrJoin(appointments_.calls, ", ");
}

TEST_F(AppointmentsCommandsTest, RetentionReplacesOneRuleKeepsTheOthersAndSendsTheEtagRead) {
  ASSERT_TRUE(Run({"meetings", "settings", "retention", "st-marys", "--record-type", "parent_meeting", "--years", "6",
                   "--text", "IRMS"})
                  .ok())
      << err_.str();
  EXPECT_THAT(appointments_.calls, ElementsAre("GetAppointmentSettings", "UpdateAppointmentSettings"));
  const av1::UpdateAppointmentSettingsRequest& req = appointments_.last_settings;
  EXPECT_EQ(req.settings().name(), "schools/st-marys/appointmentSettings");
  EXPECT_EQ(req.settings().etag(), "\"5\"");
  EXPECT_THAT(req.update_mask().paths(), ElementsAre("retention"));
  ASSERT_EQ(req.settings().retention_size(), 2);
  EXPECT_EQ(req.settings().retention(0).record_type(), "send_review");
  EXPECT_EQ(req.settings().retention(0).until_pupil_age(), 25);
  EXPECT_EQ(req.settings().retention(1).record_type(), "parent_meeting");
  EXPECT_EQ(req.settings().retention(1).years(), 6);
  EXPECT_FALSE(req.request_id().empty());
  EXPECT_THAT(out_.str(), HasSubstr("6 years after the meeting"));
  EXPECT_TRUE(
      IsUsageError(Run({"meetings", "settings", "retention", "st-marys", "--record-type", "x", "--years", "0"})));
}

TEST_F(AppointmentsCommandsTest, ServerErrorsKeepCodeAndReason) {
  absl::Status s = Run({"meetings", "list", "--school", "st-marys", "--owner", "nobody"});
  ASSERT_FALSE(s.ok());
  EXPECT_FALSE(IsUsageError(s));
  EXPECT_THAT(FormatError(s), HasSubstr("STAFF_NOT_FOUND"));
}

TEST_F(AppointmentsCommandsTest, WithoutAnAppointmentsAddressIsAUsageError) {
  GlobalOptions g;
  g.token = "test-token";
  Ctl ctl(g, channel_, nullptr, nullptr, nullptr, out_, err_);
  MeetingListOptions opts;
  opts.school = "st-marys";
  absl::Status s = ctl.MeetingList(opts);
  EXPECT_TRUE(IsUsageError(s));
  EXPECT_THAT(std::string(s.message()), HasSubstr("--appointments-addr"));
}

}  // namespace
}  // namespace parley::ctl
