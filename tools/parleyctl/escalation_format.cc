#include "tools/parleyctl/escalation_format.h"

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_join.h"
#include "tools/parleyctl/escalation_args.h"
#include "tools/parleyctl/format.h"

namespace parley::ctl {
namespace {

std::string LocalOr(bool has, const google::protobuf::Timestamp& ts, absl::TimeZone zone, const std::string& none) {
  return has ? FormatLocalTime(FromProto(ts), zone) : none;
}

// A clock in a table cell: its due time while it runs, "paused", "met", or "breached" with the
// time it fell due.
std::string ClockCell(const ev1::Clock& clock, absl::TimeZone zone) {
  const std::string due = LocalOr(clock.has_due_time(), clock.due_time(), zone, "");
  switch (clock.state()) {
    case ev1::CLOCK_STATE_PAUSED:
      return "paused";
    case ev1::CLOCK_STATE_MET:
      return "met";
    case ev1::CLOCK_STATE_BREACHED:
      return due.empty() ? "breached" : absl::StrCat("breached ", due);
    default:
      return due.empty() ? "-" : due;
  }
}

// A clock in the enquiry view: its state and due time (local and UTC), when it started, and how
// the due time was reached.
void AddClock(KeyValues* kv, const std::string& stage, bool has, const ev1::Clock& clock, absl::TimeZone zone) {
  if (!has) {
    kv->Add(stage, "none");
    return;
  }
  std::string text = ClockStateName(clock.state());
  if (clock.has_due_time()) {
    absl::StrAppend(&text, ", due ", FormatLocalAndUtc(FromProto(clock.due_time()), zone));
  } else if (clock.state() == ev1::CLOCK_STATE_PAUSED) {
    absl::StrAppend(&text, ": standing still while the school awaits the parent");
  }
  kv->Add(stage, text);
  if (clock.has_start_time()) kv->Add("  started", FormatLocalTime(FromProto(clock.start_time()), zone));
  if (!clock.explanation().empty()) AddWrapped(kv, "  explanation", clock.explanation());
}

// What became of an enquiry addressed to a member of staff, as the routed event says.
std::string AddressingText(ev1::Addressing a) {
  switch (a) {
    case ev1::ADDRESSING_TAKEN:
      return "addressed: taken by them";
    case ev1::ADDRESSING_FALLBACK_LEFT:
      return "addressed: they have left, routed";
    case ev1::ADDRESSING_FALLBACK_AWAY:
      return "addressed: they are on leave, routed";
    case ev1::ADDRESSING_NOT_HONOURED:
      return "addressed: the policy routes it";
    case ev1::ADDRESSING_SAFEGUARDING:
      return "addressed: safeguarding goes to the DSL";
    default:
      return "addressed";
  }
}

// The history: the clock an event set is shown by its stage and cell ("respond Wed 29 Oct ...").
Table EventsTable(const std::vector<ev1::EnquiryEvent>& events, absl::TimeZone zone) {
  Table t({"#", "WHEN", "EVENT", "BY", "OWNER", "RUNG", "CLOCK", "REASON"});
  for (const ev1::EnquiryEvent& ev : events) {
    std::string clock;
    if (ev.has_clock()) clock = absl::StrCat(ClockStageName(ev.clock().stage()), " ", ClockCell(ev.clock(), zone));
    if (ev.has_follow_up()) {
      absl::StrAppend(&clock, clock.empty() ? "" : "; ", "follow-up ", ClockCell(ev.follow_up(), zone));
    }
    // A promise and a progress update are what the event is about: shown with its reason.
    std::string detail = ev.reason();
    if (ev.has_promised_time()) {
      detail = absl::StrCat("promised ", LocalOr(true, ev.promised_time(), zone, ""),
                            detail.empty() ? "" : absl::StrCat(" (", detail, ")"));
    }
    if (!ev.progress().empty()) detail = detail.empty() ? ev.progress() : absl::StrCat(ev.progress(), "; ", detail);
    if (ev.addressing() != ev1::ADDRESSING_UNSPECIFIED) {
      detail = absl::StrCat(AddressingText(ev.addressing()), detail.empty() ? "" : "; ", detail);
    }
    t.AddRow({ShortName(ev.name()), LocalOr(ev.has_time(), ev.time(), zone, ""), EnquiryEventKindName(ev.kind()),
              ev.actor(), ShortName(ev.owner()), absl::StrCat(ev.rung()), clock, detail});
  }
  return t;
}

std::string RungText(int32_t rung, const std::string& role) {
  return role.empty() ? absl::StrCat(rung) : absl::StrCat(rung, " (", role, ")");
}

std::string Share(double share) { return absl::StrFormat("%.1f %%", share * 100.0); }

std::string Median(const google::protobuf::Duration& d) {
  const absl::Duration value = absl::Seconds(d.seconds()) + absl::Nanoseconds(d.nanos());
  return value == absl::ZeroDuration() ? "-" : absl::FormatDuration(value);
}

std::vector<std::string> FiguresRow(const std::string& label, const ev1::PromiseFigures& f) {
  return {label,
          absl::StrCat(f.received()),
          Share(f.acknowledged_within_promise()),
          Share(f.answered_within_promise()),
          Median(f.median_to_acknowledge()),
          Median(f.median_to_answer()),
          absl::StrCat(f.breaches())};
}

std::vector<std::string> FiguresHeaders(const std::string& first) {
  return {first, "RECEIVED", "ACK IN TIME", "ANSWERED IN TIME", "MEDIAN TO ACK", "MEDIAN TO ANSWER", "BREACHES"};
}

}  // namespace

std::string FormatEnquiry(const ev1::Enquiry& e, const std::vector<ev1::EnquiryEvent>& events, absl::TimeZone zone) {
  KeyValues kv;
  kv.Add("enquiry", e.name());
  kv.Add("state", EnquiryStateName(e.state()));
  kv.Add("owner", e.owner().empty() ? "none" : e.owner());
  kv.Add("rung", RungText(e.rung(), e.rung_role()));
  if (e.cycle() > 1) kv.Add("cycle", absl::StrCat(e.cycle(), " (reopened)"));
  if (!e.guardian().empty()) kv.Add("guardian", e.guardian());
  if (!e.sender_description().empty() || e.guardian().empty()) {
    kv.Add("sender", e.sender_description().empty() ? "unidentified" : e.sender_description());
  }
  if (!e.pupil().empty()) kv.Add("pupil", e.pupil());
  kv.Add("channel", EnquiryChannelName(e.channel()));
  kv.Add("category", e.category());
  if (!e.teaching_subject().empty()) kv.Add("teaching subject", e.teaching_subject());
  if (!e.addressed_to().empty()) kv.Add("addressed to", e.addressed_to());
  if (e.guardian_not_told()) {
    kv.Add("guardian told", "nothing: not linked to the pupil, or a court order excludes them");
  }
  kv.Add("subject", e.subject());
  if (!e.body_ref().empty()) kv.Add("body", e.body_ref());
  if (e.safeguarding()) kv.Add("safeguarding", "yes: to the DSL at once, on an elapsed clock");
  if (e.urgent()) kv.Add("urgent", "yes: the school's urgent route and clock; its notices may interrupt teaching");
  kv.Add("received", e.has_receive_time() ? FormatLocalAndUtc(FromProto(e.receive_time()), zone) : "");
  std::string gate = GateOutcomeName(e.gate_outcome());
  if (!e.gate_decision().empty()) absl::StrAppend(&gate, " (", e.gate_decision(), ")");
  kv.Add("gate", gate);
  AddClock(&kv, "acknowledge", e.has_acknowledge(), e.acknowledge(), zone);
  AddClock(&kv, "respond", e.has_respond(), e.respond(), zone);
  // Only where the school's policy promises a follow-up on the channel.
  if (e.has_follow_up()) AddClock(&kv, "follow-up", true, e.follow_up(), zone);
  if (e.has_promised_time()) {
    std::string promised = FormatLocalAndUtc(FromProto(e.promised_time()), zone);
    if (!e.promise_reason().empty())
      absl::StrAppend(&promised, " (later than the respond clock: ", e.promise_reason(), ")");
    kv.Add("promised", promised);
  }
  if (!e.etag().empty()) kv.Add("etag", e.etag());
  std::string out = kv.Render();
  if (!events.empty()) absl::StrAppend(&out, "\n", IndentedTable("events", EventsTable(events, zone)));
  return out;
}

std::string FormatEnquiryEventsTable(const std::vector<ev1::EnquiryEvent>& events, absl::TimeZone zone) {
  return EventsTable(events, zone).Render();
}

std::string FormatEnquiriesTable(const std::vector<ev1::Enquiry>& enquiries, absl::TimeZone zone) {
  Table t({"ENQUIRY", "RECEIVED", "CHANNEL", "CATEGORY", "STATE", "OWNER", "RUNG", "ACK DUE", "RESPOND DUE", "FLAGS"});
  for (const ev1::Enquiry& e : enquiries) {
    std::vector<std::string> flags;
    if (e.safeguarding()) flags.push_back("safeguarding");
    if (e.urgent()) flags.push_back("urgent");
    if (e.has_follow_up()) flags.push_back(absl::StrCat("follow-up ", ClockCell(e.follow_up(), zone)));
    t.AddRow({ShortName(e.name()), LocalOr(e.has_receive_time(), e.receive_time(), zone, ""),
              EnquiryChannelName(e.channel()), e.category(), EnquiryStateName(e.state()), ShortName(e.owner()),
              absl::StrCat(e.rung()), e.has_acknowledge() ? ClockCell(e.acknowledge(), zone) : "-",
              e.has_respond() ? ClockCell(e.respond(), zone) : "-", absl::StrJoin(flags, ", ")});
  }
  return t.Render();
}

std::string FormatEnquiryStats(const ev1::SchoolStats& s, absl::TimeZone zone) {
  KeyValues kv;
  kv.Add("school", s.school());
  kv.Add("period", absl::StrCat(LocalOr(s.has_start_time(), s.start_time(), zone, "?"), " to ",
                                LocalOr(s.has_end_time(), s.end_time(), zone, "?")));
  const ev1::PromiseFigures& all = s.all();
  kv.Add("received", absl::StrCat(all.received()));
  kv.Add("acknowledged in time", Share(all.acknowledged_within_promise()));
  kv.Add("answered in time", Share(all.answered_within_promise()));
  kv.Add("median to acknowledge", absl::StrCat(Median(all.median_to_acknowledge()), " (working time)"));
  kv.Add("median to answer", absl::StrCat(Median(all.median_to_answer()), " (working time)"));
  kv.Add("breaches", absl::StrCat(all.breaches()));
  int64_t escalations = 0;
  for (const ev1::RungCount& r : s.escalations_by_rung()) escalations += r.count();
  kv.Add("escalations", absl::StrCat(escalations));
  for (const ev1::RungCount& r : s.escalations_by_rung()) {
    kv.Add(absl::StrCat("  to rung ", r.rung()), absl::StrCat(r.count()));
  }
  kv.Add("referred to complaints", absl::StrCat(s.referrals_to_complaints()));
  if (s.safeguarding().received() > 0) {
    const ev1::SafeguardingFigures& g = s.safeguarding();
    kv.Add("safeguarding", absl::StrCat(g.received(), " received, ", g.taken_up(), " taken up by the DSL"));
    kv.Add("median to the DSL", absl::StrCat(Median(g.median_to_take_up()), " (elapsed)"));
  }
  kv.Add("open now", absl::StrCat(s.open_now()));
  kv.Add("overdue now", absl::StrCat(s.overdue_now()));
  // Only for a school whose policy promises a follow-up somewhere.
  if (s.follow_up_met() + s.follow_up_breached() + s.follow_up_running() > 0) {
    kv.Add("followed up in time", Share(s.followed_up_within_promise()));
    kv.Add("follow-up clocks", absl::StrCat(s.follow_up_met(), " met, ", s.follow_up_breached(), " breached, ",
                                            s.follow_up_running(), " running"));
  }
  std::string out = kv.Render();
  if (s.by_channel_size() > 0) {
    Table t(FiguresHeaders("CHANNEL"));
    for (const ev1::ChannelFigures& c : s.by_channel())
      t.AddRow(FiguresRow(EnquiryChannelName(c.channel()), c.figures()));
    absl::StrAppend(&out, "\n", IndentedTable("by channel", t));
  }
  if (s.by_category_size() > 0) {
    Table t(FiguresHeaders("CATEGORY"));
    for (const ev1::CategoryFigures& c : s.by_category()) t.AddRow(FiguresRow(c.category(), c.figures()));
    absl::StrAppend(&out, "\n", IndentedTable("by category", t));
  }
  return out;
}

}  // namespace parley::ctl
