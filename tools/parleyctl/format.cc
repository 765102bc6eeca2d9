#include "tools/parleyctl/format.h"

#include <algorithm>
#include <map>

#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_replace.h"
#include "absl/strings/str_split.h"
#include "google/protobuf/descriptor.h"
#include "tools/parleyctl/args.h"

namespace parley::ctl {
namespace {

// Characters, not bytes: names may hold accents.
size_t DisplayWidth(const std::string& s) {
  size_t n = 0;
  for (unsigned char c : s) {
    if ((c & 0xC0) != 0x80) ++n;
  }
  return n;
}

void AppendPadded(std::string* out, const std::string& cell, size_t width) {
  out->append(cell);
  out->append(width - std::min(width, DisplayWidth(cell)), ' ');
}

// "SCHOOL_PHASE_ALL_THROUGH" → "all through".
std::string EnumLabel(const google::protobuf::EnumDescriptor* descriptor, int value, const std::string& prefix) {
  const google::protobuf::EnumValueDescriptor* v = descriptor->FindValueByNumber(value);
  if (v == nullptr) return absl::StrCat(value);
  std::string name = v->name();
  if (name.rfind(prefix, 0) == 0) name = name.substr(prefix.size());
  std::string label = absl::AsciiStrToLower(name);
  absl::StrReplaceAll({{"_", " "}}, &label);
  return label;
}

std::string WeekdayName(v1::Weekday day) {
  static const char* const kNames[] = {"?", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"};
  int i = static_cast<int>(day);
  return (i >= 1 && i <= 7) ? kNames[i] : "?";
}

std::string FormatHours(const v1::HoursRange& hours) {
  if (hours.open().empty() && hours.close().empty()) return "";
  return absl::StrCat(hours.open(), "-", hours.close());
}

std::string YearName(int32_t year) {
  if (year == 0) return "R";
  if (year == -1) return "N";
  return absl::StrCat("Y", year);
}

std::string Plural(int64_t n, const std::string& one, const std::string& many) {
  return absl::StrCat(n, " ", n == 1 ? one : many);
}

// Greedy word wrap, for the explanation paragraph.
std::string Wrap(const std::string& text, size_t width, const std::string& indent) {
  std::string out;
  std::string line;
  for (absl::string_view word : absl::StrSplit(text, absl::ByAnyChar(" \n"), absl::SkipEmpty())) {
    if (!line.empty() && DisplayWidth(line) + 1 + DisplayWidth(std::string(word)) > width) {
      absl::StrAppend(&out, indent, line, "\n");
      line.clear();
    }
    if (!line.empty()) line.push_back(' ');
    line.append(word.data(), word.size());
  }
  if (!line.empty()) absl::StrAppend(&out, indent, line, "\n");
  return out;
}

absl::TimeZone ZoneOrUtc(const std::string& name) {
  absl::StatusOr<absl::TimeZone> zone = LoadZone(name);
  return zone.ok() ? *zone : absl::UTCTimeZone();
}

std::string StepKindName(v1::ExplanationStepKind kind) {
  switch (kind) {
    case v1::EXPLANATION_STEP_KIND_RECEIVED:
      return "received";
    case v1::EXPLANATION_STEP_KIND_CLOCK_START:
      return "clock start";
    case v1::EXPLANATION_STEP_KIND_SKIPPED:
      return "skipped";
    case v1::EXPLANATION_STEP_KIND_COUNTED:
      return "counted";
    case v1::EXPLANATION_STEP_KIND_PAUSE:
      return "pause";
    case v1::EXPLANATION_STEP_KIND_DUE:
      return "due";
    default:
      return "step";
  }
}

std::string FormatDateRange(const std::string& first, const std::string& last) {
  if (first.empty()) return FormatDate(last);
  if (last.empty() || last == first) return FormatDate(first);
  return absl::StrCat(FormatDate(first), " to ", FormatDate(last));
}

}  // namespace

Table::Table(std::vector<std::string> headers) : headers_(std::move(headers)) {}

void Table::AddRow(std::vector<std::string> cells) {
  cells.resize(std::max(cells.size(), headers_.size()));
  rows_.push_back(std::move(cells));
}

std::string Table::Render() const {
  size_t columns = headers_.size();
  for (const auto& row : rows_) columns = std::max(columns, row.size());
  std::vector<size_t> widths(columns, 0);
  auto measure = [&](const std::vector<std::string>& row) {
    for (size_t i = 0; i < row.size(); ++i) widths[i] = std::max(widths[i], DisplayWidth(row[i]));
  };
  bool has_headers = !headers_.empty();
  if (has_headers) measure(headers_);
  for (const auto& row : rows_) measure(row);

  std::string out;
  auto render = [&](const std::vector<std::string>& row) {
    std::string line;
    for (size_t i = 0; i < row.size(); ++i) {
      if (i + 1 == row.size()) {
        line.append(row[i]);
      } else {
        AppendPadded(&line, row[i], widths[i]);
        line.append("  ");
      }
    }
    // Empty trailing cells would leave trailing blanks.
    line.erase(line.find_last_not_of(' ') + 1);
    absl::StrAppend(&out, line, "\n");
  };
  if (has_headers) render(headers_);
  for (const auto& row : rows_) render(row);
  return out;
}

void KeyValues::Add(std::string key, std::string value) { lines_.emplace_back(std::move(key), std::move(value)); }

std::string KeyValues::Render() const {
  size_t width = 0;
  for (const auto& [key, value] : lines_) width = std::max(width, DisplayWidth(key) + 1);
  std::string out;
  for (const auto& [key, value] : lines_) {
    std::string line;
    AppendPadded(&line, key.empty() ? "" : key + ":", width);
    absl::StrAppend(&line, "  ", value);
    line.erase(line.find_last_not_of(' ') + 1);
    absl::StrAppend(&out, line, "\n");
  }
  return out;
}

std::string IndentedTable(const std::string& title, const Table& table) {
  std::string out = absl::StrCat(title, ":\n");
  for (absl::string_view line : absl::StrSplit(table.Render(), '\n', absl::SkipEmpty())) {
    absl::StrAppend(&out, "  ", line, "\n");
  }
  return out;
}

void AddWrapped(KeyValues* kv, const std::string& key, const std::string& value) {
  constexpr size_t kWrapWidth = 90;
  bool first = true;
  for (absl::string_view paragraph : absl::StrSplit(value, '\n')) {
    std::string line;
    for (absl::string_view word : absl::StrSplit(paragraph, ' ', absl::SkipEmpty())) {
      if (!line.empty() && line.size() + 1 + word.size() > kWrapWidth) {
        kv->Add(first ? key : "", line);
        first = false;
        line.clear();
      }
      if (!line.empty()) line.push_back(' ');
      line.append(word.data(), word.size());
    }
    kv->Add(first ? key : "", line);
    first = false;
  }
}

std::string ShortName(const std::string& name) { return name.empty() ? "" : LastSegment(name); }

absl::Time FromProto(const google::protobuf::Timestamp& ts) {
  return absl::FromUnixSeconds(ts.seconds()) + absl::Nanoseconds(ts.nanos());
}

std::string FormatLocalTime(absl::Time t, absl::TimeZone zone) {
  // The day without a leading zero ("5 Nov"); %-d is a glibc extension, so it is added by hand.
  const absl::TimeZone::CivilInfo info = zone.At(t);
  return absl::StrCat(absl::FormatTime("%a ", t, zone), info.cs.day(), absl::FormatTime(" %b %Y %H:%M %Z", t, zone));
}

std::string FormatUtc(absl::Time t) { return absl::FormatTime("%Y-%m-%dT%H:%M:%SZ", t, absl::UTCTimeZone()); }

std::string FormatLocalAndUtc(absl::Time t, absl::TimeZone zone) {
  return absl::StrCat(FormatLocalTime(t, zone), " (", FormatUtc(t), ")");
}

std::string FormatDate(const std::string& yyyy_mm_dd) {
  absl::CivilDay day;
  if (!absl::ParseCivilTime(yyyy_mm_dd, &day)) return yyyy_mm_dd;
  static const char* const kDays[] = {"Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"};
  static const char* const kMonths[] = {"Jan", "Feb", "Mar", "Apr", "May", "Jun",
                                        "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"};
  return absl::StrCat(kDays[static_cast<int>(absl::GetWeekday(day))], " ", day.day(), " ", kMonths[day.month() - 1],
                      " ", day.year());
}

std::string FormatBudget(const v1::Budget& budget) {
  switch (budget.amount_case()) {
    case v1::Budget::kWorkingDays:
      return Plural(budget.working_days(), "working day", "working days");
    case v1::Budget::kWorkingHours:
      return Plural(budget.working_hours(), "working hour", "working hours");
    case v1::Budget::kWorkingMinutes: {
      // "90 working minutes (1h 30m)": the figure as the policy gives it, then in hours.
      const int64_t m = budget.working_minutes();
      std::string out = Plural(m, "working minute", "working minutes");
      if (m >= 60) {
        absl::StrAppend(&out, " (", m / 60, "h", m % 60 == 0 ? "" : absl::StrCat(" ", m % 60, "m"), ")");
      }
      return out;
    }
    case v1::Budget::kElapsedMinutes:
      return absl::StrCat(Plural(budget.elapsed_minutes(), "minute", "minutes"), " elapsed");
    case v1::Budget::kElapsedSeconds:
      return absl::StrCat(Plural(budget.elapsed_seconds(), "second", "seconds"), " elapsed");
    default:
      return "none";
  }
}

std::string ClockCalendarName(v1::ClockCalendar clock) {
  return clock == v1::CLOCK_CALENDAR_OWNER ? "owner" : "school";
}

std::string FormatRecipient(const v1::Recipient& r) {
  std::vector<std::string> parts;
  if (!r.display_name().empty()) parts.push_back(r.display_name());
  if (!r.role().empty()) parts.push_back(absl::StrCat("(", r.role(), ")"));
  switch (r.target_case()) {
    case v1::Recipient::kStaff:
      parts.push_back(r.staff());
      break;
    case v1::Recipient::kExternalContact:
      parts.push_back(absl::StrCat("external contact ", r.external_contact()));
      break;
    default:
      break;
  }
  return parts.empty() ? "nobody" : absl::StrJoin(parts, " ");
}

std::string FormatDeadline(const v1::ComputeDeadlineResponse& resp, std::optional<absl::Time> received, bool explain) {
  const std::string zone_name = resp.time_zone().empty() ? "Europe/London" : resp.time_zone();
  const absl::TimeZone zone = ZoneOrUtc(zone_name);
  if (!received.has_value()) {
    for (const v1::ExplanationStep& step : resp.explanation().steps()) {
      if (step.kind() == v1::EXPLANATION_STEP_KIND_RECEIVED && step.has_time()) received = FromProto(step.time());
    }
  }

  KeyValues kv;
  if (received.has_value()) kv.Add("received", FormatLocalAndUtc(*received, zone));
  if (resp.has_clock_start_time()) kv.Add("clock start", FormatLocalAndUtc(FromProto(resp.clock_start_time()), zone));
  kv.Add("due", resp.has_due_time() ? FormatLocalAndUtc(FromProto(resp.due_time()), zone)
                                    : "not yet known: an open pause holds the clock");
  kv.Add("budget", FormatBudget(resp.budget()));
  kv.Add("clock", absl::StrCat(ClockCalendarName(resp.clock_calendar()), " calendar"));
  if (!resp.policy_text().empty()) kv.Add("policy", resp.policy_text());
  kv.Add("time zone", zone_name);
  kv.Add("versions", absl::StrCat("calendar ", resp.calendar_version().empty() ? "-" : resp.calendar_version(),
                                  ", policy ", resp.policy_version().empty() ? "-" : resp.policy_version()));
  std::string out = kv.Render();

  if (explain) {
    Table steps({});
    int n = 0;
    for (const v1::ExplanationStep& step : resp.explanation().steps()) {
      std::string when = step.has_time() ? FormatLocalTime(FromProto(step.time()), zone)
                                         : FormatDateRange(step.first_date(), step.last_date());
      steps.AddRow({absl::StrCat(++n, "."), StepKindName(step.kind()), when, step.reason()});
    }
    absl::StrAppend(&out, "\nexplanation:\n");
    for (absl::string_view line : absl::StrSplit(steps.Render(), '\n', absl::SkipEmpty())) {
      absl::StrAppend(&out, "  ", line, "\n");
    }
    if (!resp.explanation().summary().empty()) {
      absl::StrAppend(&out, "\n", Wrap(resp.explanation().summary(), 98, "  "));
    }
  }
  return out;
}

std::string FormatSchoolsTable(const std::vector<v1::School>& schools) {
  Table t({"SCHOOL", "NAME", "PHASE", "TIME ZONE", "CORE HOURS"});
  for (const v1::School& s : schools) {
    t.AddRow({ShortName(s.name()), s.display_name(),
              EnumLabel(v1::SchoolPhase_descriptor(), s.phase(), "SCHOOL_PHASE_"),
              s.calendar().time_zone().empty() ? "Europe/London" : s.calendar().time_zone(),
              FormatHours(s.calendar().core_hours())});
  }
  return t.Render();
}

std::string FormatSchool(const v1::School& s) {
  const v1::SchoolCalendar& cal = s.calendar();
  const v1::CommunicationPolicy& policy = s.policy();
  KeyValues kv;
  kv.Add("school", s.name());
  kv.Add("name", s.display_name());
  kv.Add("phase", EnumLabel(v1::SchoolPhase_descriptor(), s.phase(), "SCHOOL_PHASE_"));
  if (!s.default_locale().empty()) kv.Add("locale", s.default_locale());
  kv.Add("time zone", cal.time_zone().empty() ? "Europe/London" : cal.time_zone());
  kv.Add("core hours", FormatHours(cal.core_hours()));
  if (cal.has_teaching_hours()) kv.Add("teaching hours", FormatHours(cal.teaching_hours()));
  std::vector<std::string> days;
  for (int d : cal.school_days()) days.push_back(WeekdayName(static_cast<v1::Weekday>(d)));
  kv.Add("school days", days.empty() ? "Mon-Fri" : absl::StrJoin(days, " "));
  kv.Add("bank holidays", cal.bank_holiday_division().empty() ? "none" : cal.bank_holiday_division());
  if (cal.terms().empty()) kv.Add("terms", "none");
  bool first = true;
  for (const v1::Term& term : cal.terms()) {
    kv.Add(first ? "terms" : "", absl::StrCat(term.display_name().empty() ? "term" : term.display_name(), ": ",
                                              term.start_date(), " to ", term.end_date()));
    first = false;
  }
  std::map<std::string, int> by_kind;
  for (const v1::Closure& c : cal.closures()) {
    ++by_kind[EnumLabel(v1::ClosureKind_descriptor(), c.kind(), "CLOSURE_KIND_")];
  }
  std::vector<std::string> kinds;
  for (const auto& [kind, count] : by_kind) kinds.push_back(absl::StrCat(count, " ", kind));
  kv.Add("closures",
         cal.closures().empty() ? "0" : absl::StrCat(cal.closures_size(), " (", absl::StrJoin(kinds, ", "), ")"));
  kv.Add("hour overrides", absl::StrCat(cal.overrides_size()));
  kv.Add("safeguarding", policy.has_safeguarding_budget() ? FormatBudget(policy.safeguarding_budget())
                                                          : "60 minutes elapsed (default)");
  if (policy.event_notice_days() > 0) kv.Add("event notice", Plural(policy.event_notice_days(), "day", "days"));
  if (policy.sms_policy() != v1::SMS_POLICY_UNSPECIFIED) {
    kv.Add("sms", EnumLabel(v1::SmsPolicy_descriptor(), policy.sms_policy(), "SMS_POLICY_"));
  }
  std::vector<std::string> breach;
  if (policy.breach().notify_line_manager_on_acknowledge_breach())
    breach.push_back("line manager told of late acknowledgements");
  if (policy.breach().escalate_on_response_breach()) breach.push_back("late responses escalate");
  if (policy.breach().refer_to_complaints_at_top()) breach.push_back("complaints procedure after the top rung");
  kv.Add("on breach", breach.empty() ? "no action" : absl::StrJoin(breach, "; "));
  if (!policy.breach().complaints_procedure_uri().empty())
    kv.Add("complaints", policy.breach().complaints_procedure_uri());
  if (policy.addressed_staff_own()) kv.Add("addressed enquiries", "owned by the member of staff named");
  if (s.external_contacts_size() > 0) kv.Add("external contacts", absl::StrCat(s.external_contacts_size()));
  kv.Add("calendar version", s.calendar_version());
  kv.Add("policy version", s.policy_version());
  if (s.has_update_time()) {
    kv.Add("updated", FormatLocalAndUtc(FromProto(s.update_time()), ZoneOrUtc(cal.time_zone())));
  }
  std::string out = kv.Render();

  Table rules({"CHANNEL", "STAGE", "BUDGET", "CLOCK"});
  for (const v1::ResponseRule& r : policy.rules()) {
    rules.AddRow({ChannelName(r.channel()), StageName(r.stage()), FormatBudget(r.budget()),
                  ClockCalendarName(r.clock_calendar())});
  }
  absl::StrAppend(&out, "\npolicy rules:\n");
  if (rules.empty()) {
    absl::StrAppend(&out, "  none\n");
  } else {
    for (absl::string_view line : absl::StrSplit(rules.Render(), '\n', absl::SkipEmpty())) {
      absl::StrAppend(&out, "  ", line, "\n");
    }
  }
  // Who conduct tells when an incident is recorded (contacts' policy.incident_notices).
  if (policy.incident_notices_size() > 0) {
    Table notices({"KINDS", "CHANNELS", "TELL", "WHEN"});
    for (const v1::IncidentNoticeRule& r : policy.incident_notices()) {
      std::vector<std::string> channels, tell;
      for (int c : r.channels()) channels.push_back(ChannelName(static_cast<v1::Channel>(c)));
      if (r.reporter_line_manager()) tell.push_back("recorder's line manager (else the head)");
      for (const v1::RoleRef& ref : r.notify()) {
        switch (ref.target_case()) {
          case v1::RoleRef::kRole:
            tell.push_back(absl::StrCat("role ", ref.role()));
            break;
          case v1::RoleRef::kStaff:
            tell.push_back(ShortName(ref.staff()));
            break;
          case v1::RoleRef::kExternalContact:
            tell.push_back(absl::StrCat("external ", ref.external_contact()));
            break;
          default:
            break;
        }
      }
      notices.AddRow({r.incident_kinds().empty() ? "every" : absl::StrJoin(r.incident_kinds(), ","),
                      channels.empty() ? "every" : absl::StrJoin(channels, ","), absl::StrJoin(tell, "; "),
                      r.immediate() ? "at once" : "working time"});
    }
    absl::StrAppend(&out, "\nincident notices:\n");
    for (absl::string_view line : absl::StrSplit(notices.Render(), '\n', absl::SkipEmpty())) {
      absl::StrAppend(&out, "  ", line, "\n");
    }
  }
  return out;
}

namespace {

// When a member of staff cannot take an enquiry addressed to them: their leave, or leaving.
std::string StaffAway(const v1::Staff& s) {
  std::vector<std::string> parts;
  if (!s.away_from().empty()) {
    parts.push_back(absl::StrCat("away ", s.away_from(), "..", s.away_until().empty() ? "" : s.away_until()));
  }
  if (!s.leaving_date().empty()) parts.push_back(absl::StrCat("leaves after ", s.leaving_date()));
  return absl::StrJoin(parts, "; ");
}

}  // namespace

std::string FormatStaffTable(const std::vector<v1::Staff>& staff) {
  Table t({"STAFF", "NAME", "ROLES", "SUBJECTS", "YEARS", "DAYS", "LINE MANAGER", "AWAY"});
  for (const v1::Staff& s : staff) {
    std::vector<std::string> years;
    for (int32_t y : s.year_groups()) years.push_back(YearName(y));
    std::vector<std::string> days;
    for (const v1::WorkingDay& d : s.working_pattern().days()) {
      std::string day = WeekdayName(d.weekday());
      if (d.has_hours()) absl::StrAppend(&day, " ", FormatHours(d.hours()));
      days.push_back(day);
    }
    t.AddRow({ShortName(s.name()), s.display_name(), absl::StrJoin(s.roles(), ","), absl::StrJoin(s.subjects(), ","),
              absl::StrJoin(years, ","), days.empty() ? "all" : absl::StrJoin(days, ","), ShortName(s.line_manager()),
              StaffAway(s)});
  }
  return t.Render();
}

std::string FormatPupilsTable(const std::vector<v1::Pupil>& pupils) {
  Table t({"PUPIL", "NAME", "YEAR", "CLASS", "TEACHER", "SEND"});
  for (const v1::Pupil& p : pupils) {
    std::string teacher = !p.class_teacher().empty() ? p.class_teacher() : p.form_tutor();
    t.AddRow({ShortName(p.name()), absl::StrCat(p.given_name(), " ", p.family_name()), YearName(p.year_group()),
              p.class_name(), ShortName(teacher), p.send() ? "yes" : ""});
  }
  return t.Render();
}

std::string FormatGuardiansTable(const std::vector<v1::Guardian>& guardians) {
  Table t({"GUARDIAN", "NAME", "PREFERS", "LANGUAGE", "FLAGS", "PUPILS"});
  for (const v1::Guardian& g : guardians) {
    std::vector<std::string> flags;
    if (g.lives_apart()) flags.push_back("lives-apart");
    if (g.separate_copies()) flags.push_back("separate-copies");
    std::vector<std::string> pupils;
    for (const v1::PupilLink& link : g.pupils()) {
      std::vector<std::string> notes;
      if (!link.relationship().empty()) notes.push_back(link.relationship());
      if (link.parental_responsibility()) notes.push_back("PR");
      if (link.has_court_order()) notes.push_back("court order");
      std::string school = LastSegment(link.pupil().substr(0, link.pupil().find("/pupils/")));
      pupils.push_back(absl::StrCat(school, "/", LastSegment(link.pupil()),
                                    notes.empty() ? "" : absl::StrCat(" (", absl::StrJoin(notes, ", "), ")")));
    }
    t.AddRow({ShortName(g.name()), absl::StrCat(g.given_name(), " ", g.family_name()),
              g.preferred_channel() == v1::CHANNEL_UNSPECIFIED ? "" : ChannelName(g.preferred_channel()), g.language(),
              absl::StrJoin(flags, ","), absl::StrJoin(pupils, "; ")});
  }
  return t.Render();
}

std::string FormatRoute(const v1::RouteEnquiryResponse& route) {
  KeyValues kv;
  kv.Add("Owner", FormatRecipient(route.owner()));
  std::vector<std::string> allowed;
  for (int c : route.allowed_channels()) allowed.push_back(ChannelName(static_cast<v1::Channel>(c)));
  std::string channel = route.channel_allowed() ? "allowed" : "NOT allowed";
  if (!allowed.empty()) absl::StrAppend(&channel, " (taken by ", absl::StrJoin(allowed, ", "), ")");
  kv.Add("Channel", channel);
  if (!route.channel_rule().empty()) kv.Add("Rule", route.channel_rule());
  kv.Add("Ladder", route.ladder().empty() ? "none" : route.ladder());
  if (route.also_notify().empty()) kv.Add("Also notify", "nobody");
  bool first = true;
  for (const v1::Recipient& r : route.also_notify()) {
    kv.Add(first ? "Also notify" : "", FormatRecipient(r));
    first = false;
  }
  kv.Add("Safeguarding", route.safeguarding() ? "YES: the DSL owns it, elapsed clock, never held" : "no");
  return kv.Render();
}

std::string FormatLadder(const v1::ResolveLadderResponse& ladder) {
  std::string out = absl::StrCat("Ladder: ", ladder.ladder().empty() ? "none" : ladder.ladder(), "\n");
  Table t({});
  for (const v1::ResolvedRung& rung : ladder.rungs()) {
    t.AddRow({absl::StrCat("  ", rung.index() + 1, "."), rung.title(), FormatRecipient(rung.recipient())});
  }
  absl::StrAppend(&out, t.Render());
  if (ladder.refer_to_complaints_after_top()) {
    absl::StrAppend(&out, "then: complaints procedure", ladder.complaints_procedure_uri().empty() ? "" : " ",
                    ladder.complaints_procedure_uri(), "\n");
  }
  return out;
}

std::string FormatImportProgress(const v1::ImportTrustResponse& update) {
  std::string phase;
  switch (update.phase()) {
    case v1::IMPORT_PHASE_VALIDATING:
      phase = "validating";
      break;
    case v1::IMPORT_PHASE_APPLYING:
      phase = "applying";
      break;
    case v1::IMPORT_PHASE_DONE:
      phase = "done";
      break;
    default:
      phase = "working";
      break;
  }
  if (update.total() <= 0) return absl::StrCat(phase, "\xE2\x80\xA6");  // "…"
  return absl::StrCat(phase, " ", update.done(), "/", update.total(), " schools");
}

std::string FormatImportSummary(const v1::ImportSummary& s, bool validate_only) {
  KeyValues kv;
  if (validate_only) {
    kv.Add("result", "valid; nothing written (--validate-only)");
  } else {
    kv.Add("result",
           s.has_applied_time() ? absl::StrCat("applied ", FormatUtc(FromProto(s.applied_time()))) : "applied");
  }
  kv.Add("schools", absl::StrCat(s.schools()));
  kv.Add("staff", absl::StrCat(s.staff()));
  kv.Add("pupils", absl::StrCat(s.pupils()));
  kv.Add("guardians", absl::StrCat(s.guardians()));
  kv.Add("ladders", absl::StrCat(s.ladders()));
  kv.Add(validate_only ? "would create" : "created", absl::StrCat(s.created()));
  kv.Add(validate_only ? "would update" : "updated", absl::StrCat(s.updated()));
  kv.Add(validate_only ? "would delete" : "deleted", absl::StrCat(s.deleted()));
  kv.Add("unchanged", absl::StrCat(s.unchanged()));
  kv.Add("new versions",
         s.schools_with_new_versions().empty() ? "none" : absl::StrJoin(s.schools_with_new_versions(), ", "));
  std::string out = kv.Render();
  if (s.changes_size() > 0) absl::StrAppend(&out, FormatImportPlan(s));
  return out;
}

namespace {

struct ImportKindWords {
  v1::ImportRecordKind kind;
  const char* one;
  const char* many;
};
constexpr ImportKindWords kImportKinds[] = {
    {v1::IMPORT_RECORD_KIND_TRUST, "trust", "trust"},
    {v1::IMPORT_RECORD_KIND_SCHOOL, "school", "schools"},
    {v1::IMPORT_RECORD_KIND_STAFF, "member of staff", "staff"},
    {v1::IMPORT_RECORD_KIND_PUPIL, "pupil", "pupils"},
    {v1::IMPORT_RECORD_KIND_GUARDIAN, "guardian", "guardians"},
    {v1::IMPORT_RECORD_KIND_LADDER, "ladder", "ladders"},
    {v1::IMPORT_RECORD_KIND_ROUTING_MATRIX, "routing matrix", "routing matrices"},
    {v1::IMPORT_RECORD_KIND_ROUTING_RULE, "routing rule", "routing rules"},
};

const ImportKindWords& WordsOf(v1::ImportRecordKind kind) {
  static const ImportKindWords kUnknown{v1::IMPORT_RECORD_KIND_UNSPECIFIED, "record", "records"};
  for (const ImportKindWords& w : kImportKinds) {
    if (w.kind == kind) return w;
  }
  return kUnknown;
}

}  // namespace

int CountImportDeletions(const v1::ImportSummary& s) {
  int n = 0;
  for (const v1::ImportChanges& c : s.changes()) n += c.deleted_size();
  return n;
}

std::string DescribeImportDeletions(const v1::ImportSummary& s) {
  std::vector<std::string> parts;
  for (const v1::ImportChanges& c : s.changes()) {
    if (c.deleted_size() == 0) continue;
    const ImportKindWords& w = WordsOf(c.kind());
    parts.push_back(absl::StrCat(c.deleted_size(), " ", c.deleted_size() == 1 ? w.one : w.many));
  }
  return absl::StrJoin(parts, ", ");
}

std::string FormatImportPlan(const v1::ImportSummary& s, int max_names) {
  Table table({"KIND", "CREATE", "CHANGE", "DELETE", "UNCHANGED"});
  for (const v1::ImportChanges& c : s.changes()) {
    table.AddRow({WordsOf(c.kind()).many, absl::StrCat(c.created_size()), absl::StrCat(c.changed_size()),
                  absl::StrCat(c.deleted_size()), absl::StrCat(c.unchanged())});
  }
  std::string out = IndentedTable("plan", table);
  for (const v1::ImportChanges& c : s.changes()) {
    if (c.deleted_size() == 0) continue;
    absl::StrAppend(&out, "deletes ", WordsOf(c.kind()).many, ":\n");
    for (int i = 0; i < c.deleted_size() && i < max_names; ++i) absl::StrAppend(&out, "  ", c.deleted(i), "\n");
    if (c.deleted_size() > max_names) {
      absl::StrAppend(&out, "  ... and ", c.deleted_size() - max_names, " more (--json lists every one)\n");
    }
  }
  return out;
}

}  // namespace parley::ctl
