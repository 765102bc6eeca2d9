#include "tools/parleyctl/report_html.h"

#include <algorithm>
#include <cstdint>
#include <map>
#include <optional>
#include <set>
#include <string>
#include <tuple>
#include <vector>

#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_join.h"
#include "absl/time/time.h"

namespace parley::ctl {
namespace {

constexpr char kDash[] = "\u2014";  // an unset figure: never a silent 0

// Distinct on white and in greyscale print; a series keeps its colour across charts.
constexpr const char* kPalette[] = {"#2b6cb0", "#c05621", "#2f855a", "#6b46c1",
                                    "#b83280", "#2c7a7b", "#975a16", "#4a5568"};
constexpr size_t kPaletteSize = sizeof(kPalette) / sizeof(kPalette[0]);

constexpr int kChartWidth = 760;

const char* Colour(size_t i) { return kPalette[i % kPaletteSize]; }

bool Withheld(const rv1::Count& c) { return c.fewer_than() > 0; }

// A figure as the page shows it, and whether it is a number at all.
struct Shown {
  std::string text;
  bool withheld = false;
};

Shown OfCount(const rv1::Count& c) { return {ReportCountText(c), Withheld(c)}; }
Shown OfInt(int64_t v) { return {absl::StrCat(v)}; }
Shown OfShare(bool has, double v) { return {has ? absl::StrFormat("%.1f%%", v * 100) : kDash}; }
Shown OfDecimal(bool has, double v, absl::string_view unit) {
  return {has ? absl::StrFormat("%.1f %s", v, unit) : kDash};
}
Shown Unknown() { return {kDash}; }

std::string FormatTimestamp(const google::protobuf::Timestamp& ts) {
  if (ts.seconds() == 0 && ts.nanos() == 0) return kDash;
  return absl::FormatTime("%Y-%m-%d %H:%M UTC", absl::FromUnixSeconds(ts.seconds()), absl::UTCTimeZone());
}

// "schools/st-marys" → "st-marys", safe in an id attribute.
std::string Anchor(const std::string& school) {
  std::string out = "school-";
  const size_t slash = school.rfind('/');
  for (char c : school.substr(slash == std::string::npos ? 0 : slash + 1)) {
    out.push_back(absl::ascii_isalnum(static_cast<unsigned char>(c)) || c == '-' || c == '_' ? c : '-');
  }
  return out;
}

std::string SchoolLabel(const rv1::SchoolReport& s) { return s.display_name().empty() ? s.school() : s.display_name(); }

// "email: acknowledge in 2 working days", "phone: acknowledge by end of the next school day".
std::string PromiseText(const rv1::Promise& p) {
  const bool counted = !p.budget().empty() && absl::ascii_isdigit(static_cast<unsigned char>(p.budget()[0]));
  return absl::StrCat(p.channel(), ": ", p.stage(), counted ? " in " : " by ", p.budget());
}

// The promises the compliance chart measures against (acknowledge and respond), in lines of at
// most kPromiseLineChars so that they stay inside the chart; one promise longer than a line is
// cut with an ellipsis (every promise is in full in the school's own table).
constexpr size_t kPromiseLineChars = 100;
std::vector<std::string> PromiseLines(const rv1::SchoolReport& s) {
  std::vector<std::string> lines;
  for (const rv1::Promise& p : s.promises()) {
    if (p.stage() != "acknowledge" && p.stage() != "respond") continue;
    std::string part = PromiseText(p);
    if (part.size() > kPromiseLineChars) part = absl::StrCat(part.substr(0, kPromiseLineChars - 3), "...");
    if (!lines.empty() && lines.back().size() + 2 + part.size() <= kPromiseLineChars) {
      absl::StrAppend(&lines.back(), "; ", part);
    } else {
      lines.push_back(std::move(part));
    }
  }
  if (lines.empty()) lines.push_back("no published promise in the report");
  return lines;
}

// Every MissingFigures entry of the report and of its schools, once each, in order.
std::vector<rv1::MissingFigures> AllMissing(const rv1::TrustReport& r) {
  std::vector<rv1::MissingFigures> out;
  std::set<std::tuple<std::string, std::string, std::string, std::string>> seen;
  auto add = [&](const rv1::MissingFigures& m) {
    if (seen.insert({m.school(), m.source(), m.figures(), m.reason()}).second) out.push_back(m);
  };
  for (const rv1::MissingFigures& m : r.missing()) add(m);
  for (const rv1::SchoolReport& s : r.schools()) {
    for (const rv1::MissingFigures& m : s.missing()) add(m);
  }
  return out;
}

// ---- tables ----

std::string Cell(const std::string& figure, const std::string& school, const Shown& v) {
  std::string out = absl::StrCat("<td data-figure=\"", HtmlEscape(figure), "\"");
  if (!school.empty()) absl::StrAppend(&out, " data-school=\"", HtmlEscape(school), "\"");
  if (v.withheld) absl::StrAppend(&out, " class=\"withheld\"");
  if (v.text == kDash) absl::StrAppend(&out, " class=\"unset\"");
  absl::StrAppend(&out, ">", HtmlEscape(v.text), "</td>");
  return out;
}

std::string Row(const std::string& label, const std::string& figure, const std::string& school, const Shown& v) {
  return absl::StrCat("<tr><th scope=\"row\">", HtmlEscape(label), "</th>", Cell(figure, school, v), "</tr>\n");
}

// The rows of one PromiseFigures (or every row "—" when `p` is null: the source did not answer).
std::string PromiseRows(const rv1::PromiseFigures* p, const std::string& prefix, const std::string& school) {
  auto f = [&](const char* name) { return absl::StrCat(prefix, ".", name); };
  auto count = [&](const rv1::Count& c) { return p ? OfCount(c) : Unknown(); };
  const rv1::PromiseFigures& v = p ? *p : rv1::PromiseFigures::default_instance();
  std::string out;
  out += Row("Received", f("received"), school, count(v.received()));
  out +=
      Row("Acknowledgement clocks ended", f("acknowledge_clocks_ended"), school, count(v.acknowledge_clocks_ended()));
  out += Row("Acknowledged in time", f("acknowledged_in_time"), school, count(v.acknowledged_in_time()));
  out += Row("Acknowledged within promise", f("acknowledged_within_promise"), school,
             OfShare(v.has_acknowledged_within_promise(), v.acknowledged_within_promise()));
  out += Row("Answer clocks ended", f("answer_clocks_ended"), school, count(v.answer_clocks_ended()));
  out += Row("Answered in time", f("answered_in_time"), school, count(v.answered_in_time()));
  out += Row("Answered within promise", f("answered_within_promise"), school,
             OfShare(v.has_answered_within_promise(), v.answered_within_promise()));
  out += Row("Median working hours to acknowledge", f("median_working_hours_to_acknowledge"), school,
             OfDecimal(v.has_median_working_hours_to_acknowledge(), v.median_working_hours_to_acknowledge(), "h"));
  out += Row("90th percentile working hours to acknowledge", f("p90_working_hours_to_acknowledge"), school,
             OfDecimal(v.has_p90_working_hours_to_acknowledge(), v.p90_working_hours_to_acknowledge(), "h"));
  out += Row("Median working hours to answer", f("median_working_hours_to_answer"), school,
             OfDecimal(v.has_median_working_hours_to_answer(), v.median_working_hours_to_answer(), "h"));
  out += Row("90th percentile working hours to answer", f("p90_working_hours_to_answer"), school,
             OfDecimal(v.has_p90_working_hours_to_answer(), v.p90_working_hours_to_answer(), "h"));
  out += Row("Breaches", f("breaches"), school, count(v.breaches()));
  return out;
}

std::string Table(const std::string& caption, const std::string& rows) {
  return absl::StrCat("<table class=\"figures\"><caption>", HtmlEscape(caption), "</caption>\n<tbody>\n", rows,
                      "</tbody></table>\n");
}

std::string EnquiryTable(const rv1::SchoolReport& s) {
  const bool has = s.has_enquiries();
  const rv1::EnquiryFigures& e = s.enquiries();
  const std::string& sc = s.school();
  auto i = [&](int64_t v) { return has ? OfInt(v) : Unknown(); };
  std::string rows = PromiseRows(has ? &e.promise() : nullptr, "enquiries.promise", sc);
  rows += Row("Escalations", "enquiries.escalations", sc, i(e.escalations()));
  rows += Row("Referrals to complaints", "enquiries.referrals_to_complaints", sc, i(e.referrals_to_complaints()));
  rows += Row("Safeguarding matters", "enquiries.safeguarding", sc, i(e.safeguarding()));
  rows += Row("Safeguarding matters taken up", "enquiries.safeguarding_taken_up", sc, i(e.safeguarding_taken_up()));
  rows += Row("Median hours to the DSL", "enquiries.median_hours_to_dsl", sc,
              OfDecimal(e.has_median_hours_to_dsl(), e.median_hours_to_dsl(), "h"));
  rows += Row("90th percentile hours to the DSL", "enquiries.p90_hours_to_dsl", sc,
              OfDecimal(e.has_p90_hours_to_dsl(), e.p90_hours_to_dsl(), "h"));
  rows += Row("Follow-ups kept", "enquiries.follow_up_met", sc, i(e.follow_up_met()));
  rows += Row("Follow-ups breached", "enquiries.follow_up_breached", sc, i(e.follow_up_breached()));
  rows += Row("Follow-ups running", "enquiries.follow_up_running", sc, i(e.follow_up_running()));
  rows += Row("Followed up within promise", "enquiries.followed_up_within_promise", sc,
              OfShare(e.has_followed_up_within_promise(), e.followed_up_within_promise()));
  rows += Row("Open now", "enquiries.open_now", sc, e.has_open_now() ? OfInt(e.open_now()) : Unknown());
  rows += Row("Overdue now", "enquiries.overdue_now", sc, e.has_overdue_now() ? OfInt(e.overdue_now()) : Unknown());
  return Table("Enquiries", rows);
}

std::string ConductTable(const rv1::SchoolReport& s) {
  const bool has = s.has_conduct();
  const rv1::ConductFigures& c = s.conduct();
  const std::string& sc = s.school();
  auto i = [&](int64_t v) { return has ? OfInt(v) : Unknown(); };
  std::string rows;
  rows += Row("Incidents", "conduct.incidents", sc, i(c.incidents()));
  rows += Row("Arrangements issued", "conduct.arrangements_issued", sc, i(c.arrangements_issued()));
  rows += Row("Arrangements in force", "conduct.arrangements_active", sc, i(c.arrangements_active()));
  rows += Row("Arrangements past review", "conduct.arrangements_past_review", sc, i(c.arrangements_past_review()));
  rows += Row("Tightenings", "conduct.tightenings", sc, i(c.tightenings()));
  rows += Row("Premises bans started", "conduct.bans_started", sc, i(c.bans_started()));
  rows += Row("Premises bans in force", "conduct.bans_active", sc, i(c.bans_active()));
  return Table("Conduct", rows);
}

std::string MeetingTable(const rv1::SchoolReport& s) {
  const bool has = s.has_meetings();
  const rv1::MeetingFigures& m = s.meetings();
  const std::string& sc = s.school();
  auto i = [&](int64_t v) { return has ? OfInt(v) : Unknown(); };
  std::string rows;
  rows += Row("Meeting requests", "meetings.requests", sc, i(m.requests()));
  rows += Row("Answer clocks", "meetings.answer_clocks", sc, i(m.answer_clocks()));
  rows += Row("Answered in time", "meetings.answered_in_time", sc, i(m.answered_in_time()));
  rows += Row("Answered within promise", "meetings.answered_within_promise", sc,
              OfShare(m.has_answered_within_promise(), m.answered_within_promise()));
  rows += Row("Hold clocks", "meetings.hold_clocks", sc, i(m.hold_clocks()));
  rows += Row("Held in time", "meetings.held_in_time", sc, i(m.held_in_time()));
  rows += Row("Held within promise", "meetings.held_within_promise", sc,
              OfShare(m.has_held_within_promise(), m.held_within_promise()));
  rows += Row("Median working days to meeting", "meetings.median_working_days_to_meeting", sc,
              OfDecimal(m.has_median_working_days_to_meeting(), m.median_working_days_to_meeting(), "days"));
  rows += Row("Parents' evening slots offered", "meetings.evening_slots_offered", sc, i(m.evening_slots_offered()));
  rows += Row("Parents' evening slots booked", "meetings.evening_slots_booked", sc, i(m.evening_slots_booked()));
  rows += Row("Parents' evening uptake", "meetings.evening_uptake", sc,
              OfShare(m.has_evening_uptake(), m.evening_uptake()));
  rows += Row("Guardians who booked an evening", "meetings.evening_guardians", sc, i(m.evening_guardians()));
  rows += Row("No-shows", "meetings.no_shows", sc, i(m.no_shows()));
  return Table("Meetings", rows);
}

std::string NotificationTable(const rv1::SchoolReport& s) {
  const bool has = s.has_notifications();
  const rv1::NotificationFigures& n = s.notifications();
  const std::string& sc = s.school();
  auto i = [&](int64_t v) { return has ? OfInt(v) : Unknown(); };
  std::string rows;
  rows += Row("Notices", "notifications.notices", sc, i(n.notices()));
  rows += Row("Copies written", "notifications.messages", sc, i(n.messages()));
  rows += Row("Sent", "notifications.sent", sc, i(n.sent()));
  rows += Row("Delivered", "notifications.delivered", sc, i(n.delivered()));
  rows += Row("Failed", "notifications.failed", sc, i(n.failed()));
  rows += Row("Fallbacks", "notifications.fallbacks", sc, i(n.fallbacks()));
  rows += Row("Guardians reached", "notifications.reach", sc, OfShare(n.has_reach(), n.reach()));
  rows += Row("Emergency copies", "notifications.emergency_messages", sc, i(n.emergency_messages()));
  rows += Row("Emergency median seconds to send", "notifications.emergency_median_seconds_to_send", sc,
              OfDecimal(n.has_emergency_median_seconds_to_send(), n.emergency_median_seconds_to_send(), "s"));
  rows += Row("Emergency 90th percentile seconds to send", "notifications.emergency_p90_seconds_to_send", sc,
              OfDecimal(n.has_emergency_p90_seconds_to_send(), n.emergency_p90_seconds_to_send(), "s"));
  rows += Row("Event notices given late", "notifications.late_event_notices", sc, i(n.late_event_notices()));
  return Table("Notifications", rows);
}

// A breakdown of PromiseFigures (per channel, category or week): one row per key.
template <typename RowT>
std::string PromiseBreakdown(const std::string& caption, const std::string& key_header, const std::string& field,
                             const std::string& school, const google::protobuf::RepeatedPtrField<RowT>& rows,
                             std::string (*key)(const RowT&)) {
  if (rows.empty()) return "";
  std::string out = absl::StrCat("<table class=\"breakdown\"><caption>", HtmlEscape(caption),
                                 "</caption>\n<thead><tr><th scope=\"col\">", HtmlEscape(key_header),
                                 "</th><th scope=\"col\">Received</th><th scope=\"col\">Acknowledged in time</th>"
                                 "<th scope=\"col\">Acknowledged within promise</th><th scope=\"col\">Answered in "
                                 "time</th><th scope=\"col\">Answered within promise</th><th "
                                 "scope=\"col\">Breaches</th></tr></thead>\n<tbody>\n");
  for (const RowT& r : rows) {
    const std::string p = absl::StrCat(field, "[", key(r), "].promise.");
    const rv1::PromiseFigures& v = r.promise();
    absl::StrAppend(&out, "<tr><th scope=\"row\">", HtmlEscape(key(r)), "</th>",
                    Cell(p + "received", school, OfCount(v.received())),
                    Cell(p + "acknowledged_in_time", school, OfCount(v.acknowledged_in_time())),
                    Cell(p + "acknowledged_within_promise", school,
                         OfShare(v.has_acknowledged_within_promise(), v.acknowledged_within_promise())),
                    Cell(p + "answered_in_time", school, OfCount(v.answered_in_time())),
                    Cell(p + "answered_within_promise", school,
                         OfShare(v.has_answered_within_promise(), v.answered_within_promise())),
                    Cell(p + "breaches", school, OfCount(v.breaches())), "</tr>\n");
  }
  out += "</tbody></table>\n";
  return out;
}

std::string ChannelKey(const rv1::ChannelRow& r) { return r.channel(); }
std::string CategoryKey(const rv1::CategoryRow& r) { return r.category(); }
std::string WeekKey(const rv1::WeekRow& r) { return r.week_start(); }

std::string RungBreakdown(const rv1::SchoolReport& s) {
  if (s.by_rung().empty()) return "";
  std::string out =
      "<table class=\"breakdown\"><caption>Escalations per rung</caption>\n<thead><tr><th scope=\"col\">Rung</th>"
      "<th scope=\"col\">Role</th><th scope=\"col\">Escalations</th></tr></thead>\n<tbody>\n";
  for (const rv1::RungRow& r : s.by_rung()) {
    absl::StrAppend(&out, "<tr><th scope=\"row\">", r.rung(), "</th><td>", HtmlEscape(r.role()), "</td>",
                    Cell(absl::StrCat("by_rung[", r.rung(), "].escalations"), s.school(), OfCount(r.escalations())),
                    "</tr>\n");
  }
  out += "</tbody></table>\n";
  return out;
}

std::string DeliveryBreakdown(const rv1::SchoolReport& s) {
  if (s.by_delivery_channel().empty()) return "";
  std::string out =
      "<table class=\"breakdown\"><caption>Notification copies per delivery channel</caption>\n<thead><tr>"
      "<th scope=\"col\">Channel</th><th scope=\"col\">Copies</th><th scope=\"col\">Sent</th><th "
      "scope=\"col\">Failed</th><th scope=\"col\">Fallbacks</th></tr></thead>\n<tbody>\n";
  for (const rv1::DeliveryChannelRow& r : s.by_delivery_channel()) {
    const std::string p = absl::StrCat("by_delivery_channel[", r.channel(), "].");
    absl::StrAppend(&out, "<tr><th scope=\"row\">", HtmlEscape(r.channel()), "</th>",
                    Cell(p + "messages", s.school(), OfCount(r.messages())),
                    Cell(p + "sent", s.school(), OfCount(r.sent())),
                    Cell(p + "failed", s.school(), OfCount(r.failed())),
                    Cell(p + "fallbacks", s.school(), OfCount(r.fallbacks())), "</tr>\n");
  }
  out += "</tbody></table>\n";
  return out;
}

std::string PromisesTable(const rv1::SchoolReport& s) {
  if (s.promises().empty()) return "<p class=\"note\">The report carries no published promises for this school.</p>\n";
  std::string out =
      "<table class=\"promises\"><caption>Published promises (what the school is measured against)</caption>\n"
      "<thead><tr><th scope=\"col\">Channel</th><th scope=\"col\">Stage</th><th scope=\"col\">Within</th>"
      "<th scope=\"col\">Policy</th></tr></thead>\n<tbody>\n";
  for (const rv1::Promise& p : s.promises()) {
    absl::StrAppend(&out, "<tr><td>", HtmlEscape(p.channel()), "</td><td>", HtmlEscape(p.stage()), "</td><td>",
                    HtmlEscape(p.budget()), "</td><td>", HtmlEscape(p.policy_text()), "</td></tr>\n");
  }
  out += "</tbody></table>\n";
  return out;
}

std::string MissingList(const std::vector<rv1::MissingFigures>& missing) {
  std::string out = "<ul>\n";
  for (const rv1::MissingFigures& m : missing) {
    absl::StrAppend(&out, "<li data-missing-school=\"", HtmlEscape(m.school()), "\" data-missing-figures=\"",
                    HtmlEscape(m.figures()), "\"><strong>", HtmlEscape(m.school()),
                    "</strong>: ", HtmlEscape(m.figures()), " missing: ", HtmlEscape(m.reason()),
                    m.source().empty() ? "" : absl::StrCat(" (source: ", HtmlEscape(m.source()), ")"), "</li>\n");
  }
  out += "</ul>\n";
  return out;
}

std::string SchoolSection(const rv1::SchoolReport& s) {
  const rv1::Period& p = s.period();
  std::string out = absl::StrCat("<section class=\"school\" id=\"", Anchor(s.school()), "\" data-school=\"",
                                 HtmlEscape(s.school()), "\">\n<h2>", HtmlEscape(SchoolLabel(s)),
                                 " <span class=\"name\">", HtmlEscape(s.school()), "</span></h2>\n");
  absl::StrAppend(&out, "<p class=\"period\">", HtmlEscape(p.display_name().empty() ? p.name() : p.display_name()));
  if (!p.start_date().empty()) {
    absl::StrAppend(&out, ", ", HtmlEscape(p.start_date()), " to ", HtmlEscape(p.end_date()));
  }
  absl::StrAppend(&out, p.closed() ? " (closed: figures settled)" : " (still open: figures may change)",
                  ". Figures computed ", FormatTimestamp(s.compute_time()), ".</p>\n");
  absl::StrAppend(&out, "<table class=\"figures\"><tbody>",
                  Row("Pupils on roll", "pupils", s.school(), OfInt(s.pupils())), "</tbody></table>\n");
  if (!s.missing().empty()) {
    absl::StrAppend(&out, "<div class=\"missing\"><p>Missing from this school's report:</p>",
                    MissingList(std::vector<rv1::MissingFigures>(s.missing().begin(), s.missing().end())), "</div>\n");
  }
  out += PromisesTable(s);
  out += "<div class=\"tables\">\n";
  out += EnquiryTable(s) + ConductTable(s) + MeetingTable(s) + NotificationTable(s);
  out += "</div>\n";
  out += PromiseBreakdown<rv1::ChannelRow>("Enquiries per channel", "Channel", "by_channel", s.school(), s.by_channel(),
                                           &ChannelKey);
  out += PromiseBreakdown<rv1::CategoryRow>("Enquiries per category", "Category", "by_category", s.school(),
                                            s.by_category(), &CategoryKey);
  out += RungBreakdown(s);
  out +=
      PromiseBreakdown<rv1::WeekRow>("Enquiries per week", "Week from", "by_week", s.school(), s.by_week(), &WeekKey);
  out += DeliveryBreakdown(s);
  out += "</section>\n";
  return out;
}

std::string TotalsSection(const rv1::TrustReport& r) {
  const rv1::TrustTotals& t = r.totals();
  auto row = [](const char* label, const char* field, const Shown& v) {
    return Row(label, absl::StrCat("totals.", field), "", v);
  };
  std::string rows;
  rows += row("Schools", "schools", OfInt(t.schools()));
  rows += row("Pupils on roll", "pupils", OfInt(t.pupils()));
  rows += row("Enquiries received", "received", OfInt(t.received()));
  rows += row("Acknowledgement clocks ended", "acknowledge_clocks_ended", OfInt(t.acknowledge_clocks_ended()));
  rows += row("Acknowledged in time", "acknowledged_in_time", OfInt(t.acknowledged_in_time()));
  rows += row("Acknowledged within promise", "acknowledged_within_promise",
              OfShare(t.has_acknowledged_within_promise(), t.acknowledged_within_promise()));
  rows += row("Answer clocks ended", "answer_clocks_ended", OfInt(t.answer_clocks_ended()));
  rows += row("Answered in time", "answered_in_time", OfInt(t.answered_in_time()));
  rows += row("Answered within promise", "answered_within_promise",
              OfShare(t.has_answered_within_promise(), t.answered_within_promise()));
  rows += row("Breaches", "breaches", OfInt(t.breaches()));
  rows += row("Escalations", "escalations", OfInt(t.escalations()));
  rows += row("Referrals to complaints", "referrals_to_complaints", OfInt(t.referrals_to_complaints()));
  rows += row("Safeguarding matters", "safeguarding", OfInt(t.safeguarding()));
  rows += row("Enquiries open now", "open_now", OfInt(t.open_now()));
  rows += row("Overdue now", "overdue_now", OfInt(t.overdue_now()));
  rows += row("Conduct incidents", "incidents", OfInt(t.incidents()));
  rows += row("Arrangements in force", "arrangements_active", OfInt(t.arrangements_active()));
  rows += row("Arrangements past review", "arrangements_past_review", OfInt(t.arrangements_past_review()));
  rows += row("Meeting requests", "meeting_requests", OfInt(t.meeting_requests()));
  rows += row("Parents' evening slots offered", "evening_slots_offered", OfInt(t.evening_slots_offered()));
  rows += row("Parents' evening slots booked", "evening_slots_booked", OfInt(t.evening_slots_booked()));
  rows += row("Notices", "notices", OfInt(t.notices()));
  rows += row("Copies written", "messages", OfInt(t.messages()));
  rows += row("Fallbacks", "fallbacks", OfInt(t.fallbacks()));
  std::string out = "<section id=\"totals\">\n<h2>Trust totals</h2>\n";
  if (r.partial()) {
    out +=
        "<p class=\"note\">Sums over the schools whose figures are all present (see the partial-report notice).</p>\n";
  }
  out += Table("Trust totals", rows);
  out += "</section>\n";
  return out;
}

// ---- charts ----

// An <svg> with its data-chart name, title and the hatch that marks an unknown value.
std::string SvgOpen(const std::string& chart, const std::string& heading, int height, const std::string& title) {
  return absl::StrFormat(
      "<figure class=\"chart\"><h3>%s</h3>\n<svg data-chart=\"%s\" id=\"chart-%s\" class=\"chart chart-%s\" "
      "xmlns=\"http://www.w3.org/2000/svg\" viewBox=\"0 0 %d %d\" width=\"%d\" height=\"%d\" role=\"img\" "
      "aria-labelledby=\"chart-%s-title\">\n<title id=\"chart-%s-title\">%s</title>\n"
      "<defs><pattern id=\"hatch-%s\" width=\"6\" height=\"6\" patternUnits=\"userSpaceOnUse\" "
      "patternTransform=\"rotate(45)\"><rect width=\"6\" height=\"6\" fill=\"#fff\"/><line x1=\"0\" y1=\"0\" "
      "x2=\"0\" y2=\"6\" stroke=\"#888\" stroke-width=\"3\"/></pattern></defs>\n",
      HtmlEscape(heading), chart, chart, chart, kChartWidth, height, kChartWidth, height, chart, chart,
      HtmlEscape(title), chart);
}

std::string SvgClose(const std::string& caption) {
  return absl::StrCat("</svg><figcaption>", HtmlEscape(caption), "</figcaption></figure>\n");
}

std::string Text(double x, double y, const std::string& text, const std::string& cls = "",
                 const std::string& anchor = "start") {
  return absl::StrFormat("<text x=\"%.1f\" y=\"%.1f\"%s text-anchor=\"%s\">%s</text>\n", x, y,
                         cls.empty() ? "" : absl::StrCat(" class=\"", cls, "\""), anchor, HtmlEscape(text));
}

// A hatched box for a value the report does not give (withheld or unset): never a bar of 0.
std::string UnknownMark(const std::string& chart, const std::string& school, const std::string& series, double x,
                        double y, double w, double h, const std::string& why) {
  return absl::StrFormat(
      "<rect class=\"unknown\" data-school=\"%s\" data-series=\"%s\" data-unknown=\"true\" x=\"%.1f\" y=\"%.1f\" "
      "width=\"%.1f\" height=\"%.1f\" fill=\"url(#hatch-%s)\" stroke=\"#888\"><title>%s</title></rect>\n",
      HtmlEscape(school), HtmlEscape(series), x, y, w, h, chart, HtmlEscape(why));
}

std::string Bar(const std::string& school, const std::string& series, double value, double x, double y, double w,
                double h, const char* colour, const std::string& title) {
  return absl::StrFormat(
      "<rect class=\"bar\" data-school=\"%s\" data-series=\"%s\" data-value=\"%g\" x=\"%.1f\" y=\"%.1f\" "
      "width=\"%.1f\" height=\"%.1f\" fill=\"%s\"><title>%s</title></rect>\n",
      HtmlEscape(school), HtmlEscape(series), value, x, y, w, h, colour, HtmlEscape(title));
}

std::string Swatch(double x, double y, const char* fill, const std::string& label) {
  return absl::StrFormat("<rect x=\"%.1f\" y=\"%.1f\" width=\"12\" height=\"12\" fill=\"%s\"/>\n", x, y - 10, fill) +
         Text(x + 16, y, label, "legend");
}

std::string UnknownSwatch(const std::string& chart, double x, double y) {
  return absl::StrFormat(
             "<rect x=\"%.1f\" y=\"%.1f\" width=\"12\" height=\"12\" fill=\"url(#hatch-%s)\" stroke=\"#888\"/>\n", x,
             y - 10, chart) +
         Text(x + 16, y, "unknown (withheld or missing)", "legend");
}

// (a) Each school against its own promise: share acknowledged, share answered within promise.
std::string ComplianceChart(const rv1::TrustReport& r) {
  constexpr int kRow = 74, kLine = 14, kTop = 44, kBarX = 120, kBarW = 560;
  std::vector<std::vector<std::string>> promises;
  int height = kTop + 10 + (r.schools().empty() ? kRow : 0);
  for (const rv1::SchoolReport& s : r.schools()) {
    promises.push_back(PromiseLines(s));
    height += kRow + kLine * static_cast<int>(promises.back().size() - 1);
  }
  std::string out = SvgOpen("compliance", "Keeping the promise", height,
                            "Compliance per school against its own promise: share of enquiries acknowledged and "
                            "share answered within the school's promise");
  out += Swatch(10, 20, Colour(0), "acknowledged within promise");
  out += Swatch(230, 20, Colour(2), "answered within promise");
  out += UnknownSwatch("compliance", 420, 20);
  if (r.schools().empty()) out += Text(10, kTop + 20, "No schools in this report.");
  double next_y = kTop;
  for (int i = 0; i < r.schools_size(); ++i) {
    const rv1::SchoolReport& s = r.schools(i);
    const std::vector<std::string>& lines = promises[i];
    const double y = next_y + kLine * static_cast<double>(lines.size() - 1);  // the bars' row
    next_y = y + kRow;
    const rv1::PromiseFigures& p = s.enquiries().promise();
    absl::StrAppend(&out, "<g class=\"school-group\" data-school=\"", HtmlEscape(s.school()), "\">\n");
    out += Text(10, y - kLine * static_cast<double>(lines.size() - 1) + 12, SchoolLabel(s), "label");
    for (size_t l = 0; l < lines.size(); ++l) {
      out += Text(10, y - kLine * static_cast<double>(lines.size() - 1 - l) + 27, lines[l], "promise");
    }
    struct Series {
      const char* name;
      const char* label;
      bool has;
      double value;
      const char* colour;
    };
    const Series series[] = {
        {"acknowledged_within_promise", "acknowledged", s.has_enquiries() && p.has_acknowledged_within_promise(),
         p.acknowledged_within_promise(), Colour(0)},
        {"answered_within_promise", "answered", s.has_enquiries() && p.has_answered_within_promise(),
         p.answered_within_promise(), Colour(2)},
    };
    for (int k = 0; k < 2; ++k) {
      const double by = y + 35 + k * 17;
      out += Text(kBarX - 6, by + 11, series[k].label, "axis", "end");
      if (!series[k].has) {
        out += UnknownMark("compliance", s.school(), series[k].name, kBarX, by, 48, 13,
                           absl::StrCat(SchoolLabel(s), ": ", series[k].label, " within promise unknown"));
        out += Text(kBarX + 54, by + 11, "unknown", "value");
        continue;
      }
      const std::string shown = absl::StrFormat("%.1f%%", series[k].value * 100);
      out += Bar(s.school(), series[k].name, series[k].value, kBarX, by, series[k].value * kBarW, 13, series[k].colour,
                 absl::StrCat(SchoolLabel(s), ": ", series[k].label, " within promise ", shown));
      out += Text(kBarX + series[k].value * kBarW + 4, by + 11, shown, "value");
    }
    out += "</g>\n";
  }
  out += SvgClose(
      "Each bar is the share of clocks that ended kept, measured against that school's own published "
      "promise.");
  return out;
}

// (b) Per school, the share acknowledged within promise, week by week across the period.
std::string TrendChart(const rv1::TrustReport& r) {
  constexpr double kLeft = 56, kRight = 740, kTop = 20, kBottom = 220;
  std::set<std::string> week_set;
  for (const rv1::SchoolReport& s : r.schools()) {
    for (const rv1::WeekRow& w : s.by_week()) week_set.insert(w.week_start());
  }
  const std::vector<std::string> weeks(week_set.begin(), week_set.end());
  const int height = static_cast<int>(kBottom) + 70 + 18 * std::max(1, r.schools_size());
  std::string out = SvgOpen("trend", "Acknowledged within promise, week by week", height,
                            "Weekly trend across the period: share of enquiries acknowledged within promise, per "
                            "school, week by week");
  // The axes: 0 to 100%, and one tick per week.
  for (int pct = 0; pct <= 100; pct += 25) {
    const double y = kBottom - (kBottom - kTop) * pct / 100.0;
    absl::StrAppendFormat(&out, "<line class=\"grid\" x1=\"%.1f\" y1=\"%.1f\" x2=\"%.1f\" y2=\"%.1f\"/>\n", kLeft, y,
                          kRight, y);
    out += Text(kLeft - 6, y + 4, absl::StrCat(pct, "%"), "axis", "end");
  }
  auto x_of = [&](size_t i) {
    return weeks.size() <= 1 ? (kLeft + kRight) / 2 : kLeft + (kRight - kLeft) * i / (weeks.size() - 1);
  };
  std::map<std::string, size_t> week_index;
  for (size_t i = 0; i < weeks.size(); ++i) {
    week_index[weeks[i]] = i;
    const std::string label = weeks[i].size() == 10 ? weeks[i].substr(5) : weeks[i];  // "09-01"
    absl::StrAppendFormat(&out,
                          "<text class=\"axis\" x=\"%.1f\" y=\"%.1f\" text-anchor=\"end\" "
                          "transform=\"rotate(-45 %.1f %.1f)\">%s</text>\n",
                          x_of(i), kBottom + 14, x_of(i), kBottom + 14, HtmlEscape(label));
  }
  if (weeks.empty()) out += Text(kLeft + 10, (kTop + kBottom) / 2, "No weekly figures in this report.");
  for (int k = 0; k < r.schools_size(); ++k) {
    const rv1::SchoolReport& s = r.schools(k);
    absl::StrAppend(&out, "<g class=\"school-line\" data-school=\"", HtmlEscape(s.school()), "\">\n");
    // A run of known weeks is one polyline; an unknown week breaks the line (never drawn as 0%).
    std::vector<std::string> run;
    auto flush = [&] {
      if (run.size() > 1) {
        absl::StrAppend(&out, "<polyline class=\"line\" data-school=\"", HtmlEscape(s.school()),
                        "\" data-series=\"acknowledged_within_promise\" fill=\"none\" stroke=\"", Colour(k),
                        "\" stroke-width=\"2\" points=\"", absl::StrJoin(run, " "), "\"/>\n");
      }
      run.clear();
    };
    for (const rv1::WeekRow& w : s.by_week()) {
      const double x = x_of(week_index[w.week_start()]);
      const rv1::PromiseFigures& p = w.promise();
      if (!p.has_acknowledged_within_promise()) {
        flush();
        out += UnknownMark("trend", s.school(), "acknowledged_within_promise", x - 4, kBottom - 9, 8, 8,
                           absl::StrCat(SchoolLabel(s), ", week from ", w.week_start(), ": unknown (",
                                        Withheld(p.received()) ? "counts withheld" : "no clock ended", ")"));
        continue;
      }
      const double y = kBottom - (kBottom - kTop) * p.acknowledged_within_promise();
      run.push_back(absl::StrFormat("%.1f,%.1f", x, y));
      absl::StrAppendFormat(
          &out,
          "<circle class=\"point\" data-school=\"%s\" data-series=\"acknowledged_within_promise\" data-value=\"%g\" "
          "cx=\"%.1f\" cy=\"%.1f\" r=\"3\" fill=\"%s\"><title>%s</title></circle>\n",
          HtmlEscape(s.school()), p.acknowledged_within_promise(), x, y, Colour(k),
          HtmlEscape(absl::StrFormat("%s, week from %s: %.1f%% acknowledged within promise", SchoolLabel(s),
                                     w.week_start(), p.acknowledged_within_promise() * 100)));
    }
    flush();
    out += "</g>\n";
    out += Swatch(kLeft, kBottom + 64 + 18 * k, Colour(k),
                  s.by_week().empty() ? absl::StrCat(SchoolLabel(s), " (no weekly figures)") : SchoolLabel(s));
  }
  out += UnknownSwatch("trend", 420, kBottom + 64);
  out += SvgClose("A gap in a line is a week whose share is unknown, not a week at 0%.");
  return out;
}

// (c) Per school: received, escalations at each rung of the ladder, referrals to complaints.
std::string FunnelChart(const rv1::TrustReport& r) {
  constexpr int kRow = 18, kLabelW = 230, kBarW = 440;
  int height = 36;
  for (const rv1::SchoolReport& s : r.schools()) height += 26 + kRow * (2 + s.by_rung_size()) + 10;
  std::string out =
      SvgOpen("funnel", "Escalation funnel", std::max(height, 60),
              "Escalation funnel per school: enquiries received, escalations at each rung, referrals to complaints");
  out += UnknownSwatch("funnel", 10, 18);
  if (r.schools().empty()) out += Text(10, 44, "No schools in this report.");
  double y = 36;
  for (int k = 0; k < r.schools_size(); ++k) {
    const rv1::SchoolReport& s = r.schools(k);
    struct Step {
      std::string series;
      std::string label;
      bool known;
      int64_t value;
      std::string why;
    };
    std::vector<Step> steps;
    const bool has = s.has_enquiries();
    const rv1::Count& received = s.enquiries().promise().received();
    steps.push_back({"received", "received", has && !Withheld(received), received.value(),
                     has ? "withheld (fewer than " + absl::StrCat(received.fewer_than()) + ")" : "missing"});
    std::vector<rv1::RungRow> rungs(s.by_rung().begin(), s.by_rung().end());
    std::sort(rungs.begin(), rungs.end(),
              [](const rv1::RungRow& a, const rv1::RungRow& b) { return a.rung() < b.rung(); });
    for (const rv1::RungRow& rung : rungs) {
      steps.push_back({absl::StrCat("rung-", rung.rung()),
                       absl::StrCat("rung ", rung.rung(), rung.role().empty() ? "" : " \u00b7 ", rung.role()),
                       !Withheld(rung.escalations()), rung.escalations().value(),
                       absl::StrCat("withheld (fewer than ", rung.escalations().fewer_than(), ")")});
    }
    steps.push_back(
        {"referrals_to_complaints", "referred to complaints", has, s.enquiries().referrals_to_complaints(), "missing"});
    int64_t max = 1;
    for (const Step& st : steps) {
      if (st.known) max = std::max(max, st.value);
    }
    absl::StrAppend(&out, "<g class=\"school-group\" data-school=\"", HtmlEscape(s.school()), "\">\n");
    out += Text(10, y + 14, SchoolLabel(s), "label");
    y += 22;
    for (const Step& st : steps) {
      out += Text(kLabelW - 6, y + 12, st.label, "axis", "end");
      if (!st.known) {
        out += UnknownMark("funnel", s.school(), st.series, kLabelW, y + 2, 40, 12,
                           absl::StrCat(SchoolLabel(s), ", ", st.label, ": ", st.why));
        out += Text(kLabelW + 46, y + 12, st.why, "value");
      } else {
        const double w = static_cast<double>(st.value) * kBarW / static_cast<double>(max);
        out += Bar(s.school(), st.series, static_cast<double>(st.value), kLabelW, y + 2, w, 12, Colour(k),
                   absl::StrCat(SchoolLabel(s), ", ", st.label, ": ", st.value));
        out += Text(kLabelW + w + 4, y + 12, absl::StrCat(st.value), "value");
      }
      y += kRow;
    }
    out += "</g>\n";
    y += 10;
  }
  out += SvgClose("Bars are scaled within each school; the rungs are that school's own ladder.");
  return out;
}

// (d) Enquiries received per channel, one stacked bar per school.
std::string ChannelChart(const rv1::TrustReport& r) {
  constexpr double kBarX = 10, kBarW = 600, kRow = 44, kTop = 40, kUnknownW = 22;
  std::vector<std::string> channels;
  int64_t max_total = 1;
  for (const rv1::SchoolReport& s : r.schools()) {
    int64_t total = 0;
    for (const rv1::ChannelRow& c : s.by_channel()) {
      if (std::find(channels.begin(), channels.end(), c.channel()) == channels.end()) channels.push_back(c.channel());
      if (!Withheld(c.promise().received())) total += c.promise().received().value();
    }
    max_total = std::max(max_total, total);
  }
  auto colour_of = [&](const std::string& channel) {
    return Colour(static_cast<size_t>(std::find(channels.begin(), channels.end(), channel) - channels.begin()));
  };
  const int height = static_cast<int>(kTop + kRow * std::max(1, r.schools_size())) + 10;
  std::string out =
      SvgOpen("channels", "Channel mix", height, "Channel mix: enquiries received per channel, per school");
  double lx = 10;
  for (const std::string& c : channels) {
    out += Swatch(lx, 18, colour_of(c), c);
    lx += 30 + 7.0 * static_cast<double>(c.size());
  }
  out += UnknownSwatch("channels", lx, 18);
  if (r.schools().empty()) out += Text(10, kTop + 14, "No schools in this report.");
  for (int k = 0; k < r.schools_size(); ++k) {
    const rv1::SchoolReport& s = r.schools(k);
    const double y = kTop + k * kRow;
    absl::StrAppend(&out, "<g class=\"school-group\" data-school=\"", HtmlEscape(s.school()), "\">\n");
    out += Text(kBarX, y + 12, SchoolLabel(s), "label");
    double x = kBarX;
    const double bar_y = y + 18;
    int64_t total = 0;
    int withheld = 0;
    for (const rv1::ChannelRow& c : s.by_channel()) {
      const rv1::Count& n = c.promise().received();
      if (Withheld(n) || n.value() == 0) continue;
      const double w = static_cast<double>(n.value()) * kBarW / static_cast<double>(max_total);
      out += Bar(s.school(), c.channel(), static_cast<double>(n.value()), x, bar_y, w, 18, colour_of(c.channel()),
                 absl::StrCat(SchoolLabel(s), ", ", c.channel(), ": ", n.value(), " received"));
      x += w;
      total += n.value();
    }
    // Withheld channels after the known ones: hatched, of no length that could be read as a count.
    for (const rv1::ChannelRow& c : s.by_channel()) {
      const rv1::Count& n = c.promise().received();
      if (!Withheld(n)) continue;
      out += UnknownMark("channels", s.school(), c.channel(), x + 2, bar_y, kUnknownW, 18,
                         absl::StrCat(SchoolLabel(s), ", ", c.channel(), ": fewer than ", n.fewer_than(), " received"));
      x += kUnknownW + 2;
      ++withheld;
    }
    if (s.by_channel().empty()) {
      out += UnknownMark("channels", s.school(), "all", x, bar_y, 40, 18,
                         absl::StrCat(SchoolLabel(s), ": no channel figures"));
      x += 40;
    }
    const std::string sum = s.by_channel().empty() ? "unknown"
                            : withheld > 0         ? absl::StrCat(total, " + withheld")
                                                   : absl::StrCat(total);
    out += Text(x + 6, bar_y + 13, sum, "value");
    out += "</g>\n";
  }
  out += SvgClose("Bars share one scale across schools; hatched segments are channels whose count is withheld.");
  return out;
}

constexpr char kStyle[] = R"(
body{font:14px/1.45 system-ui,-apple-system,"Segoe UI",Roboto,Helvetica,Arial,sans-serif;color:#1a202c;margin:0 auto;max-width:1100px;padding:24px}
h1{font-size:26px;margin:0 0 4px}h2{font-size:20px;margin:28px 0 8px;border-bottom:1px solid #cbd5e0}
.name{font-size:13px;color:#4a5568;font-weight:normal}
.partial{border:2px solid #c05621;background:#fffaf0;padding:8px 16px;margin:16px 0}
.partial h2{border:none;margin:4px 0;color:#9c4221}
.missing{background:#fffaf0;border-left:4px solid #c05621;padding:4px 12px}
.note{color:#4a5568}
table{border-collapse:collapse;margin:10px 0}caption{text-align:left;font-weight:600;padding:4px 0}
th,td{border:1px solid #e2e8f0;padding:3px 8px;text-align:left;vertical-align:top}
td[data-figure]{text-align:right;font-variant-numeric:tabular-nums;white-space:nowrap}
tbody th{white-space:nowrap}
td.withheld{color:#744210;font-style:italic}td.unset{color:#718096}
.tables{display:flex;flex-wrap:wrap;gap:0 24px;align-items:flex-start}
figure.chart{margin:16px 0}svg.chart{max-width:100%;height:auto;background:#fff}
svg text{font-size:12px;fill:#1a202c}svg text.promise{font-size:11px;fill:#4a5568}svg text.label{font-weight:600}
svg text.axis,svg text.value,svg text.legend{font-size:11px}
figure.chart h3{font-size:16px;margin:0 0 4px}svg line.grid{stroke:#e2e8f0}
figcaption{color:#4a5568;font-size:12px}
@media print{body{padding:0}section.school{break-before:page}}
)";

}  // namespace

std::string HtmlEscape(absl::string_view text) {
  std::string out;
  out.reserve(text.size());
  for (char c : text) {
    switch (c) {
      case '&':
        out += "&amp;";
        break;
      case '<':
        out += "&lt;";
        break;
      case '>':
        out += "&gt;";
        break;
      case '"':
        out += "&quot;";
        break;
      case '\'':
        out += "&#39;";
        break;
      default:
        out.push_back(c);
    }
  }
  return out;
}

std::string ReportCountText(const rv1::Count& count) {
  if (count.fewer_than() > 0) return absl::StrCat("fewer than ", count.fewer_than());
  return absl::StrCat(count.value());
}

std::string RenderReportHtml(const rv1::TrustReport& r) {
  std::string out = absl::StrCat(
      "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n"
      "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n<title>Trust report: ",
      HtmlEscape(r.period()), "</title>\n<style>", kStyle,
      "</style>\n</head>\n<body>\n<header>\n<h1>Trust report</h1>\n", "<p>Period <strong data-report=\"period\">",
      HtmlEscape(r.period()), "</strong> (each school's own calendar). Figures computed ",
      FormatTimestamp(r.compute_time()), ".</p>\n");
  const std::vector<rv1::MissingFigures> missing = AllMissing(r);
  if (r.partial() || !missing.empty()) {
    absl::StrAppend(&out,
                    "<section class=\"partial\" role=\"alert\" data-partial=\"true\">\n<h2>Partial report</h2>\n"
                    "<p>Some figures could not be had. They show as ",
                    kDash, ", never as zero, and the trust totals leave those schools out.</p>\n", MissingList(missing),
                    "</section>\n");
  }
  const int threshold = r.small_count_threshold();
  if (threshold > 0) {
    absl::StrAppend(&out, "<p class=\"note\">Counts under ", threshold,
                    " in a breakdown are withheld, so that no figure points at one family: they read \"fewer than ",
                    threshold, "\" and are drawn hatched, never as 0.</p>\n");
  }
  out += "<nav><ul>\n";
  for (const rv1::SchoolReport& s : r.schools()) {
    absl::StrAppend(&out, "<li><a href=\"#", Anchor(s.school()), "\">", HtmlEscape(SchoolLabel(s)), "</a></li>\n");
  }
  out += "</ul></nav>\n</header>\n<main>\n";
  out += TotalsSection(r);
  out += "<section id=\"charts\">\n<h2>Charts</h2>\n";
  out += ComplianceChart(r) + TrendChart(r) + FunnelChart(r) + ChannelChart(r);
  out += "</section>\n";
  for (const rv1::SchoolReport& s : r.schools()) out += SchoolSection(s);
  out += "</main>\n</body>\n</html>\n";
  return out;
}

}  // namespace parley::ctl
