#include "tools/parleyctl/report_format.h"

#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_join.h"
#include "absl/time/time.h"
#include "tools/parleyctl/report_html.h"

namespace parley::ctl {
namespace {

constexpr char kUnset[] = "-";

std::string Share(bool has, double v) { return has ? absl::StrFormat("%.1f%%", v * 100) : kUnset; }

std::string When(const google::protobuf::Timestamp& ts) {
  if (ts.seconds() == 0 && ts.nanos() == 0) return kUnset;
  return absl::FormatTime("%Y-%m-%d %H:%M UTC", absl::FromUnixSeconds(ts.seconds()), absl::UTCTimeZone());
}

std::string Missing(const rv1::MissingFigures& m) {
  return absl::StrCat(m.school(), ": ", m.figures(), " missing: ", m.reason());
}

void Line(std::string* out, const char* label, const std::string& text) {
  absl::StrAppendFormat(out, "  %-15s%s\n", absl::StrCat(label, ":"), text);
}

void School(std::string* out, const rv1::SchoolReport& s) {
  const rv1::Period& p = s.period();
  absl::StrAppend(out, "\n", s.display_name().empty() ? s.school() : s.display_name(), " (", s.school(), ")");
  if (!p.display_name().empty()) absl::StrAppend(out, ", ", p.display_name());
  if (!p.start_date().empty()) absl::StrAppend(out, ", ", p.start_date(), " to ", p.end_date());
  absl::StrAppend(out, p.closed() ? " (closed)" : "", "\n");
  Line(out, "pupils", absl::StrCat(s.pupils()));
  std::vector<std::string> promises;
  for (const rv1::Promise& pr : s.promises()) {
    if (pr.stage() == "acknowledge" || pr.stage() == "respond") {
      promises.push_back(absl::StrCat(pr.channel(), " ", pr.stage(), " ", pr.budget()));
    }
  }
  if (!promises.empty()) Line(out, "promises", absl::StrJoin(promises, "; "));
  if (s.has_enquiries()) {
    const rv1::EnquiryFigures& e = s.enquiries();
    const rv1::PromiseFigures& pf = e.promise();
    Line(out, "enquiries",
         absl::StrCat(ReportCountText(pf.received()), " received; acknowledged within promise ",
                      Share(pf.has_acknowledged_within_promise(), pf.acknowledged_within_promise()),
                      "; answered within promise ",
                      Share(pf.has_answered_within_promise(), pf.answered_within_promise()), "; ",
                      ReportCountText(pf.breaches()), " breaches"));
    std::vector<std::string> rungs;
    for (const rv1::RungRow& r : s.by_rung()) {
      rungs.push_back(absl::StrCat("rung ", r.rung(), " ", r.role(), " ", ReportCountText(r.escalations())));
    }
    Line(out, "escalations",
         absl::StrCat(e.escalations(), rungs.empty() ? "" : absl::StrCat(" (", absl::StrJoin(rungs, ", "), ")"), "; ",
                      e.referrals_to_complaints(), " referred to complaints; ", e.safeguarding(), " safeguarding"));
    Line(out, "open now",
         absl::StrCat(e.has_open_now() ? absl::StrCat(e.open_now()) : kUnset, " (",
                      e.has_overdue_now() ? absl::StrCat(e.overdue_now()) : kUnset, " overdue)"));
  } else {
    Line(out, "enquiries", kUnset);
  }
  if (s.has_conduct()) {
    const rv1::ConductFigures& c = s.conduct();
    Line(out, "conduct",
         absl::StrCat(c.incidents(), " incidents; ", c.arrangements_active(), " arrangements in force (",
                      c.arrangements_past_review(), " past review); ", c.bans_active(), " bans in force"));
  } else {
    Line(out, "conduct", kUnset);
  }
  if (s.has_meetings()) {
    const rv1::MeetingFigures& m = s.meetings();
    Line(out, "meetings",
         absl::StrCat(m.requests(), " requests; answered within promise ",
                      Share(m.has_answered_within_promise(), m.answered_within_promise()), "; evening uptake ",
                      Share(m.has_evening_uptake(), m.evening_uptake())));
  } else {
    Line(out, "meetings", kUnset);
  }
  if (s.has_notifications()) {
    const rv1::NotificationFigures& n = s.notifications();
    Line(out, "notifications",
         absl::StrCat(n.notices(), " notices, ", n.messages(), " copies; ", n.failed(), " failed, ", n.fallbacks(),
                      " fallbacks; reach ", Share(n.has_reach(), n.reach())));
  } else {
    Line(out, "notifications", kUnset);
  }
  for (const rv1::MissingFigures& m : s.missing()) Line(out, "missing", absl::StrCat(m.figures(), ": ", m.reason()));
}

}  // namespace

std::string FormatTrustReport(const rv1::TrustReport& r) {
  std::string out = absl::StrCat("Trust report ", r.period(), " (computed ", When(r.compute_time()), ")\n");
  if (r.partial()) {
    out += "PARTIAL: some figures are missing (never counted as zero):\n";
    for (const rv1::MissingFigures& m : r.missing()) absl::StrAppend(&out, "  ", Missing(m), "\n");
  }
  const rv1::TrustTotals& t = r.totals();
  absl::StrAppend(&out, "Totals: ", t.schools(), " schools, ", t.pupils(), " pupils; ", t.received(),
                  " enquiries, acknowledged within promise ",
                  Share(t.has_acknowledged_within_promise(), t.acknowledged_within_promise()),
                  ", answered within promise ", Share(t.has_answered_within_promise(), t.answered_within_promise()),
                  "; ", t.breaches(), " breaches, ", t.escalations(), " escalations, ", t.open_now(), " open now (",
                  t.overdue_now(), " overdue)\n");
  if (r.small_count_threshold() > 0) {
    absl::StrAppend(&out, "Counts under ", r.small_count_threshold(), " in a breakdown are withheld.\n");
  }
  for (const rv1::SchoolReport& s : r.schools()) School(&out, s);
  return out;
}

std::string FormatBreaches(const rv1::ListBreachesResponse& list) {
  const rv1::Period& p = list.period();
  std::string out =
      absl::StrCat(list.breaches_size(), list.breaches_size() == 1 ? " breach" : " breaches", " of ", list.school());
  if (!p.display_name().empty()) absl::StrAppend(&out, ", ", p.display_name());
  if (!p.start_date().empty()) absl::StrAppend(&out, ", ", p.start_date(), " to ", p.end_date());
  absl::StrAppend(&out, "\n");
  for (const rv1::Breach& b : list.breaches()) {
    absl::StrAppend(&out, b.enquiry(), "  ", b.stage(), "  ", b.channel(), "  ", b.category(), "  received ",
                    When(b.receive_time()), "  due ", When(b.due_time()), "  breached ", When(b.breach_time()), "  ",
                    b.has_kept_time() ? absl::StrCat("kept ", When(b.kept_time())) : std::string("not kept"), "  rung ",
                    b.rung(), b.rung_role().empty() ? "" : absl::StrCat(" ", b.rung_role()), "\n");
  }
  return out;
}

}  // namespace parley::ctl
