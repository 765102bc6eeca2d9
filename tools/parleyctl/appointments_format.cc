#include "tools/parleyctl/appointments_format.h"

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "tools/parleyctl/appointments_args.h"
#include "tools/parleyctl/format.h"

namespace parley::ctl {
namespace {

std::string LocalOr(bool has, const google::protobuf::Timestamp& ts, absl::TimeZone zone, const std::string& none) {
  return has ? FormatLocalTime(FromProto(ts), zone) : none;
}

std::string Minutes(const google::protobuf::Duration& d) { return absl::StrCat(d.seconds() / 60, " min"); }

// A clock in a table cell: its due time while it runs, else its state (with the due time when it
// was breached).
std::string ClockCell(const av1::Clock& clock, absl::TimeZone zone) {
  const std::string due = LocalOr(clock.has_due_time(), clock.due_time(), zone, "");
  switch (clock.state()) {
    case av1::CLOCK_STATE_MET:
      return "met";
    case av1::CLOCK_STATE_STOPPED:
      return "stopped";
    case av1::CLOCK_STATE_BREACHED:
      return due.empty() ? "breached" : absl::StrCat("breached ", due);
    default:
      return due.empty() ? "-" : due;
  }
}

// The request's clock of this kind in a table cell; "-" when the policy starts none.
std::string ClockOfKind(const av1::MeetingRequest& r, av1::ClockKind kind, absl::TimeZone zone) {
  for (const av1::Clock& c : r.clocks()) {
    if (c.kind() == kind) return ClockCell(c, zone);
  }
  return "-";
}

std::string Ranges(const google::protobuf::RepeatedPtrField<av1::TimeRange>& ranges, absl::TimeZone zone) {
  std::vector<std::string> out;
  for (const av1::TimeRange& r : ranges) out.push_back(FormatTimeRange(r, zone));
  return absl::StrJoin(out, "; ");
}

std::vector<std::string> StaffOf(const av1::Booking& b) {
  std::vector<std::string> out;
  for (const av1::Attendee& a : b.staff()) {
    out.push_back(a.role().empty() ? ShortName(a.staff()) : absl::StrCat(ShortName(a.staff()), " (", a.role(), ")"));
  }
  return out;
}

std::vector<std::string> ShortNames(const google::protobuf::RepeatedPtrField<std::string>& names) {
  std::vector<std::string> out;
  for (const std::string& n : names) out.push_back(ShortName(n));
  return out;
}

}  // namespace

std::string FormatTimeRange(const av1::TimeRange& range, absl::TimeZone zone) {
  if (!range.has_start_time()) return "-";
  const absl::Time start = FromProto(range.start_time());
  if (!range.has_end_time()) return FormatLocalTime(start, zone);
  const absl::Time end = FromProto(range.end_time());
  if (absl::ToCivilDay(start, zone) != absl::ToCivilDay(end, zone)) {
    return absl::StrCat(FormatLocalTime(start, zone), " to ", FormatLocalTime(end, zone));
  }
  // "Tue 8 Dec 2026 16:00 GMT" → "Tue 8 Dec 2026 16:00-16:10 GMT" (the day without a leading zero,
  // as FormatLocalTime writes it).
  return absl::StrCat(absl::FormatTime("%a ", start, zone), zone.At(start).cs.day(),
                      absl::FormatTime(" %b %Y %H:%M", start, zone), "-", absl::FormatTime("%H:%M %Z", end, zone));
}

namespace {

Table MeetingEventsTable(const std::vector<av1::MeetingRequestEvent>& events, absl::TimeZone zone) {
  Table t({"#", "WHEN", "EVENT", "BY", "DETAIL"});
  for (const av1::MeetingRequestEvent& ev : events) {
    std::vector<std::string> detail;
    if (ev.times_size() > 0) detail.push_back(Ranges(ev.times(), zone));
    if (!ev.booking().empty()) detail.push_back(ev.booking());
    if (ev.clock() != av1::CLOCK_KIND_UNSPECIFIED) {
      detail.push_back(absl::StrCat(AppointmentClockKindName(ev.clock()), " clock"));
    }
    if (!ev.reason().empty()) detail.push_back(ev.reason());
    t.AddRow({ShortName(ev.name()), LocalOr(ev.has_event_time(), ev.event_time(), zone, ""),
              MeetingEventKindName(ev.kind()), ev.actor(), absl::StrJoin(detail, "; ")});
  }
  return t;
}

}  // namespace

std::string FormatMeetingEventsTable(const std::vector<av1::MeetingRequestEvent>& events, absl::TimeZone zone) {
  return MeetingEventsTable(events, zone).Render();
}

std::string FormatMeetingRequest(const av1::MeetingRequest& r, const std::vector<av1::MeetingRequestEvent>& events,
                                 absl::TimeZone zone) {
  KeyValues kv;
  kv.Add("meeting request", r.name());
  kv.Add("state", MeetingRequestStateName(r.state()));
  kv.Add("kind", r.kind() == av1::MEETING_REQUEST_KIND_CALL ? "call at an arranged time" : "meeting");
  kv.Add("guardian", r.guardian());
  kv.Add("pupil", r.pupil());
  kv.Add("topic", r.topic());
  if (r.want_staff_size() > 0) kv.Add("asked for", absl::StrJoin(ShortNames(r.want_staff()), ", "));
  if (r.want_roles_size() > 0) kv.Add("roles", absl::StrJoin(r.want_roles(), ", "));
  if (r.mode() != av1::MEETING_MODE_UNSPECIFIED) kv.Add("mode", MeetingModeName(r.mode()));
  if (!r.interpreter_language().empty()) kv.Add("interpreter", r.interpreter_language());
  kv.Add("owner", r.owner().empty() ? "none" : r.owner());
  kv.Add("received", LocalOr(r.has_receive_time(), r.receive_time(), zone, ""));
  if (!r.enquiry().empty()) kv.Add("enquiry", r.enquiry());
  if (r.offered_size() > 0) kv.Add("offered", Ranges(r.offered(), zone));
  if (!r.booking().empty()) kv.Add("booking", r.booking());
  if (r.clocks_size() == 0) kv.Add("clocks", "none: the school's policy promises none");
  for (const av1::Clock& c : r.clocks()) {
    std::string text = AppointmentClockStateName(c.state());
    if (c.has_due_time()) absl::StrAppend(&text, ", due ", FormatLocalAndUtc(FromProto(c.due_time()), zone));
    kv.Add(AppointmentClockKindName(c.kind()), text);
    if (!c.policy_text().empty()) AddWrapped(&kv, "  policy", c.policy_text());
    if (!c.explanation().empty()) AddWrapped(&kv, "  explanation", c.explanation());
  }
  if (!r.etag().empty()) kv.Add("etag", r.etag());
  std::string out = kv.Render();
  if (!events.empty()) absl::StrAppend(&out, "\n", IndentedTable("events", MeetingEventsTable(events, zone)));
  return out;
}

std::string FormatMeetingRequestsTable(const std::vector<av1::MeetingRequest>& requests, absl::TimeZone zone) {
  Table t({"REQUEST", "RECEIVED", "KIND", "STATE", "OWNER", "ANSWER", "HOLD"});
  for (const av1::MeetingRequest& r : requests) {
    t.AddRow({ShortName(r.name()), LocalOr(r.has_receive_time(), r.receive_time(), zone, ""),
              MeetingRequestKindName(r.kind()), MeetingRequestStateName(r.state()), ShortName(r.owner()),
              ClockOfKind(r, av1::CLOCK_KIND_ANSWER, zone), ClockOfKind(r, av1::CLOCK_KIND_HOLD, zone)});
  }
  return t.Render();
}

std::string FormatBooking(const av1::Booking& b, absl::TimeZone zone) {
  KeyValues kv;
  kv.Add("booking", b.name());
  kv.Add("kind", BookingKindName(b.kind()));
  kv.Add("state", BookingStateName(b.state()));
  kv.Add("time", FormatTimeRange(b.time(), zone));
  kv.Add("mode", MeetingModeName(b.mode()));
  if (!b.video_link().empty()) kv.Add("video link", b.video_link());
  if (!b.room().empty()) kv.Add("room", b.room());
  kv.Add("staff", absl::StrJoin(StaffOf(b), ", "));
  kv.Add("guardians", absl::StrJoin(b.guardians(), ", "));
  if (b.pupils_size() > 0) kv.Add("pupils", absl::StrJoin(b.pupils(), ", "));
  for (const av1::Guest& g : b.guests()) kv.Add("guest", g.description());
  if (b.has_interpreter()) {
    kv.Add("interpreter",
           absl::StrCat(b.interpreter().language(), ": ",
                        b.interpreter().interpreter().empty() ? "none booked yet" : b.interpreter().interpreter()));
  }
  for (const av1::GateRecord& g : b.gate()) {
    kv.Add("gate", absl::StrCat(ShortName(g.guardian()), ": ", absl::StrJoin(g.outcomes(), ", "),
                                g.decision().empty() ? "" : absl::StrCat(" (", g.decision(), ")")));
  }
  for (const std::string& w : b.waiting_for()) kv.Add("waiting for", w);
  if (b.state() == av1::BOOKING_STATE_HELD && b.has_hold_expire_time()) {
    kv.Add("hold lapses", FormatLocalTime(FromProto(b.hold_expire_time()), zone));
  }
  if (!b.source().empty()) kv.Add("for", b.source());
  if (!b.etag().empty()) kv.Add("etag", b.etag());
  return kv.Render();
}

std::string FormatBookingsTable(const std::vector<av1::Booking>& bookings, absl::TimeZone zone) {
  Table t({"BOOKING", "TIME", "KIND", "STATE", "STAFF", "GUARDIANS", "ROOM", "WAITING"});
  for (const av1::Booking& b : bookings) {
    t.AddRow({ShortName(b.name()), FormatTimeRange(b.time(), zone), BookingKindName(b.kind()),
              BookingStateName(b.state()), absl::StrJoin(StaffOf(b), ", "),
              absl::StrJoin(ShortNames(b.guardians()), ", "), b.room(), absl::StrJoin(b.waiting_for(), "; ")});
  }
  return t.Render();
}

std::string FormatEvening(const av1::ParentsEvening& e, absl::TimeZone zone) {
  KeyValues kv;
  kv.Add("evening", e.name());
  kv.Add("name", e.display_name());
  kv.Add("state", EveningStateName(e.state()));
  kv.Add("time", FormatTimeRange(e.time(), zone));
  kv.Add("slots", absl::StrCat(Minutes(e.slot_length()), "; ", e.slots_booked(), " of ", e.slots_offered(), " booked"));
  if (e.has_interpreted_length()) kv.Add("interpreted", Minutes(e.interpreted_length()));
  if (e.has_walk()) kv.Add("walk between rooms", Minutes(e.walk()));
  kv.Add("booking opens", LocalOr(e.has_booking_open_time(), e.booking_open_time(), zone, "-"));
  kv.Add("booking closes",
         LocalOr(e.has_booking_close_time(), e.booking_close_time(), zone, "when the evening starts"));
  if (e.has_hold_length()) kv.Add("holds last", absl::StrCat(e.hold_length().seconds(), " s"));
  if (e.year_groups_size() > 0) kv.Add("year groups", absl::StrJoin(e.year_groups(), ", "));
  if (e.max_per_guardian() > 0) kv.Add("per guardian", absl::StrCat("at most ", e.max_per_guardian()));
  if (e.household_rule() != av1::HOUSEHOLD_RULE_UNSPECIFIED) kv.Add("household", HouseholdRuleName(e.household_rule()));
  if (!e.etag().empty()) kv.Add("etag", e.etag());
  std::string out = kv.Render();
  Table t({"TEACHER", "WINDOW", "ROOM", "BREAKS"});
  for (const av1::EveningTeacher& teacher : e.teachers()) {
    std::vector<std::string> breaks;
    for (const av1::TimeRange& b : teacher.breaks()) {
      breaks.push_back(absl::StrCat(absl::FormatTime("%H:%M", FromProto(b.start_time()), zone), "-",
                                    absl::FormatTime("%H:%M", FromProto(b.end_time()), zone)));
    }
    t.AddRow({ShortName(teacher.staff()), FormatTimeRange(teacher.window(), zone), teacher.room(),
              absl::StrJoin(breaks, ", ")});
  }
  if (!t.empty()) absl::StrAppend(&out, "\n", IndentedTable("teachers", t));
  return out;
}

std::string FormatEveningsTable(const std::vector<av1::ParentsEvening>& evenings, absl::TimeZone zone) {
  Table t({"EVENING", "TIME", "STATE", "OPENS", "TEACHERS", "BOOKED", "NAME"});
  for (const av1::ParentsEvening& e : evenings) {
    t.AddRow({ShortName(e.name()), FormatTimeRange(e.time(), zone), EveningStateName(e.state()),
              LocalOr(e.has_booking_open_time(), e.booking_open_time(), zone, "-"), absl::StrCat(e.teachers_size()),
              absl::StrCat(e.slots_booked(), "/", e.slots_offered()), e.display_name()});
  }
  return t.Render();
}

std::string FormatEveningSlotsTable(const std::vector<av1::EveningSlot>& slots, absl::TimeZone zone) {
  Table t({"STAFF", "TIME", "ROOM", "FREE"});
  for (const av1::EveningSlot& s : slots) {
    t.AddRow({ShortName(s.staff()), FormatTimeRange(s.time(), zone), s.room(), s.free() ? "free" : "booked"});
  }
  return t.Render();
}

std::string FormatMeetingNote(const av1::MeetingNote& n, absl::TimeZone zone) {
  KeyValues kv;
  kv.Add("note", n.name());
  kv.Add("record type", n.record_type());
  kv.Add("body", n.body_ref());
  kv.Add("author", n.author());
  kv.Add("created", LocalOr(n.has_create_time(), n.create_time(), zone, ""));
  kv.Add("retain until", LocalOr(n.has_retain_until(), n.retain_until(), zone, "-"));
  kv.Add("legal hold", n.legal_hold() ? "yes: kept past its retention date" : "no");
  if (n.recording_not_permitted()) kv.Add("recording", "not permitted");
  if (!n.etag().empty()) kv.Add("etag", n.etag());
  return kv.Render();
}

std::string FormatMeetingNotesTable(const std::vector<av1::MeetingNote>& notes, absl::TimeZone zone) {
  Table t({"NOTE", "RECORD TYPE", "AUTHOR", "CREATED", "RETAIN UNTIL", "LEGAL HOLD"});
  for (const av1::MeetingNote& n : notes) {
    t.AddRow({ShortName(n.name()), n.record_type(), ShortName(n.author()),
              LocalOr(n.has_create_time(), n.create_time(), zone, ""),
              LocalOr(n.has_retain_until(), n.retain_until(), zone, "-"), n.legal_hold() ? "yes" : "no"});
  }
  return t.Render();
}

std::string FormatAppointmentSettings(const av1::AppointmentSettings& s) {
  KeyValues kv;
  kv.Add("settings", s.name());
  kv.Add("meeting length", s.has_meeting_length() ? Minutes(s.meeting_length()) : "default (30 min)");
  kv.Add("interpreted",
         s.has_interpreted_meeting_length() ? Minutes(s.interpreted_meeting_length()) : "default (twice the meeting)");
  kv.Add("slot step", s.has_slot_step() ? Minutes(s.slot_step()) : "default (15 min)");
  kv.Add("holds last", s.has_hold_length() ? absl::StrCat(s.hold_length().seconds(), " s") : "default (120 s)");
  if (!s.etag().empty()) kv.Add("etag", s.etag());
  std::string out = kv.Render();
  Table t({"RECORD TYPE", "KEPT", "SCHEDULE"});
  for (const av1::RetentionRule& r : s.retention()) {
    std::string kept = absl::StrCat(r.years(), " years after the meeting");
    if (r.until_pupil_age() > 0) kept = absl::StrCat("until the pupil is ", r.until_pupil_age(), " (else ", kept, ")");
    t.AddRow({r.record_type(), kept, r.schedule_text()});
  }
  absl::StrAppend(
      &out, "\n",
      t.empty() ? "retention: none (notes cannot be kept until a rule is set)\n" : IndentedTable("retention", t));
  return out;
}

}  // namespace parley::ctl
