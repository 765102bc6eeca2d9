// ComputeDeadline and its explanations. The fast path (explain=false, no pauses) is two binary
// searches over the precompiled periods and allocates nothing; everything that formats text or
// converts to local time sits behind `explain` or in Summarize.
#include <algorithm>
#include <cctype>
#include <cstdint>
#include <utility>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_join.h"
#include "common/calendar/calendar.h"
#include "common/calendar/calendar_internal.h"
#include "common/status/reason.h"
#include "common/status/status_macros.h"

namespace parley::calendar {

// Read access to the precompiled arrays for this file; Calendar's public API stays small.
class CalendarAccess {
 public:
  explicit CalendarAccess(const Calendar& cal) : c_(cal) {}

  size_t periods() const { return c_.w_open_.size(); }
  size_t FirstClosingAfter(absl::Time t) const { return c_.FirstClosingAfter(t); }
  absl::Time open(size_t k) const { return c_.w_open_[k]; }
  absl::Time close(size_t k) const { return c_.w_close_[k]; }
  absl::CivilDay day(size_t k) const { return c_.w_day_[k]; }
  absl::Status Exhausted(absl::CivilDay from) const { return c_.Exhausted(from); }
  absl::CivilDay first_day() const { return c_.first_day_; }
  absl::CivilDay last_day() const { return c_.first_day_ + static_cast<int64_t>(c_.days_.size()) - 1; }
  bool in_span(absl::CivilDay d) const { return !c_.days_.empty() && d >= first_day() && d <= last_day(); }
  // Index of the first period whose close is at or after t.
  size_t FirstClosingAtOrAfter(absl::Time t) const {
    return static_cast<size_t>(std::lower_bound(c_.w_close_.begin(), c_.w_close_.end(), t) - c_.w_close_.begin());
  }
  // nullptr for a working day, else why not.
  const std::string* ReasonOn(absl::CivilDay d) const {
    if (!in_span(d)) return &c_.reasons_[internal::kOutsideTerm];
    const Calendar::Day& day = c_.days_[d - first_day()];
    return day.working_index >= 0 ? nullptr : &c_.reasons_[day.reason];
  }
  // "core hours", or "working hours" on a day a part-time owner's own hours apply.
  const char* HoursWord(absl::CivilDay d) const {
    const int wd = static_cast<int>(absl::GetWeekday(d));
    return c_.owner_ && c_.owner_->hours[wd] ? "working hours" : "core hours";
  }

 private:
  const Calendar& c_;
};

namespace {

constexpr const char* kWeekdays[7] = {"Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"};
constexpr const char* kMonths[12] = {"Jan", "Feb", "Mar", "Apr", "May", "Jun",
                                     "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"};

const char* WeekdayName(absl::CivilDay d) { return kWeekdays[static_cast<int>(absl::GetWeekday(d))]; }
const char* MonthName(absl::CivilDay d) { return kMonths[d.month() - 1]; }

// "Mon 3 Nov"
std::string ShortDay(absl::CivilDay d) { return absl::StrCat(WeekdayName(d), " ", d.day(), " ", MonthName(d)); }

// "25–26 Oct", "29 Nov–2 Dec", "20 Dec 2025–4 Jan 2026", "25 Oct".
std::string DateSpan(absl::CivilDay a, absl::CivilDay b) {
  if (a == b) return absl::StrCat(a.day(), " ", MonthName(a));
  if (a.year() != b.year()) {
    return absl::StrCat(a.day(), " ", MonthName(a), " ", a.year(), "–", b.day(), " ", MonthName(b), " ", b.year());
  }
  if (a.month() != b.month()) {
    return absl::StrCat(a.day(), " ", MonthName(a), "–", b.day(), " ", MonthName(b));
  }
  return absl::StrCat(a.day(), "–", b.day(), " ", MonthName(a));
}

// "6h 45m", "45m", "2h", "1h 0m 30s".
std::string HumanDuration(absl::Duration d) {
  const int64_t total = absl::ToInt64Seconds(d);
  const int64_t h = total / 3600, m = (total % 3600) / 60, s = total % 60;
  std::string out;
  if (h > 0) absl::StrAppend(&out, h, "h");
  if (m > 0 || (h > 0 && s > 0)) absl::StrAppend(&out, out.empty() ? "" : " ", m, "m");
  if (s > 0 || out.empty()) absl::StrAppend(&out, out.empty() ? "" : " ", s, "s");
  return out;
}

std::string LocalHm(absl::Time t, const absl::TimeZone& zone) {
  const absl::CivilSecond cs = zone.At(t).cs;
  return absl::StrFormat("%02d:%02d", cs.hour(), cs.minute());
}

absl::Status CheckBudget(const Budget& b) {
  switch (b.unit) {
    case Unit::kWorkingDays:
      if (b.working_days < 0) {
        return InvalidArgument(reason::kInvalidBudget,
                               absl::StrCat("working_days must not be negative (got ", b.working_days, ")"));
      }
      return absl::OkStatus();
    case Unit::kWorkingHours:
    case Unit::kElapsed:
      if (b.duration < absl::ZeroDuration() || b.duration == absl::InfiniteDuration()) {
        return InvalidArgument(reason::kInvalidBudget, absl::StrCat("duration must be finite and not negative (got ",
                                                                    absl::FormatDuration(b.duration), ")"));
      }
      return absl::OkStatus();
  }
  return InvalidArgument(reason::kInvalidBudget, "unknown budget unit");
}

bool Finite(absl::Time t) { return t != absl::InfinitePast() && t != absl::InfiniteFuture(); }

// Sorted, with overlapping or touching pauses joined; an open pause swallows every later one.
absl::StatusOr<std::vector<Pause>> MergePauses(absl::Span<const Pause> pauses) {
  std::vector<Pause> sorted(pauses.begin(), pauses.end());
  for (const Pause& p : sorted) {
    if (!Finite(p.start) || (p.end.has_value() && !Finite(*p.end))) {
      return InvalidArgument(reason::kInvalidPause, "a pause must start and end at finite instants");
    }
    if (p.end.has_value() && *p.end < p.start) {
      return InvalidArgument(reason::kInvalidPause,
                             absl::StrCat("pause ends (", absl::FormatTime(*p.end), ") before it starts (",
                                          absl::FormatTime(p.start), ")"));
    }
  }
  std::sort(sorted.begin(), sorted.end(), [](const Pause& a, const Pause& b) { return a.start < b.start; });
  std::vector<Pause> merged;
  for (const Pause& p : sorted) {
    if (!merged.empty()) {
      Pause& last = merged.back();
      if (!last.end.has_value()) break;  // open: it holds the clock from here on
      if (p.start <= *last.end) {
        last.end = p.end.has_value() ? std::optional<absl::Time>(std::max(*last.end, *p.end)) : std::nullopt;
        continue;
      }
    }
    merged.push_back(p);
  }
  return merged;
}

// What happened to one merged pause, for the explanation.
struct PauseOutcome {
  enum class Kind { kCounted, kBeforeStart, kAfterDue, kHeld } kind;
  Pause pause;
  absl::Time counted_from;  // pause.start clipped to the clock start
  absl::Duration added;
};

// Groups consecutive dates in [from, to] into kSkipped ranges by reason and kCounted ranges of
// working days. `counted_so_far` numbers working days for the kCounted reasons.
void AppendDateRanges(const CalendarAccess& a, absl::CivilDay from, absl::CivilDay to, Unit unit,
                      int64_t* counted_so_far, std::vector<Step>* steps) {
  if (from > to) return;
  absl::CivilDay d = from;
  auto close_counted = [&](Step& s, int64_t first_number) {
    if (unit == Unit::kWorkingDays) {
      s.reason = s.first == s.last ? absl::StrCat("working day ", first_number)
                                   : absl::StrCat("working days ", first_number, "–", *counted_so_far);
    } else {
      s.reason = "working time counted";
    }
  };
  while (d <= to) {
    // Dates before the span are all outside term: one range, without walking years of dates.
    if (!a.in_span(d)) {
      absl::CivilDay end = to;
      if (d < a.first_day() && a.in_span(a.first_day())) end = std::min(to, a.first_day() - 1);
      steps->push_back(Step{Step::Kind::kSkipped, absl::InfinitePast(), d, end, *a.ReasonOn(d)});
      d = end + 1;
      continue;
    }
    const std::string* reason = a.ReasonOn(d);
    if (reason != nullptr) {
      Step* last = steps->empty() ? nullptr : &steps->back();
      if (last != nullptr && last->kind == Step::Kind::kSkipped && last->last == d - 1 && last->reason == *reason) {
        last->last = d;
      } else {
        steps->push_back(Step{Step::Kind::kSkipped, absl::InfinitePast(), d, d, *reason});
      }
    } else {
      ++*counted_so_far;
      Step* last = steps->empty() ? nullptr : &steps->back();
      if (last != nullptr && last->kind == Step::Kind::kCounted && last->last == d - 1) {
        last->last = d;
        close_counted(*last, *counted_so_far - (last->last - last->first));
      } else {
        steps->push_back(Step{Step::Kind::kCounted, absl::InfinitePast(), d, d, ""});
        close_counted(steps->back(), *counted_so_far);
      }
    }
    ++d;
  }
}

void Explain(const Calendar& cal, const Budget& budget, absl::Time start, size_t start_index, absl::Time unpaused_due,
             const std::vector<PauseOutcome>& pauses, Deadline* out) {
  const CalendarAccess a(cal);
  const absl::TimeZone& zone = cal.zone();
  const absl::CivilDay recv_day = absl::ToCivilDay(out->received, zone);
  std::vector<Step>& steps = out->steps;

  if (budget.unit == Unit::kElapsed) {
    steps.push_back(Step{Step::Kind::kReceived, out->received, recv_day, recv_day, "elapsed clock"});
    steps.push_back(Step{Step::Kind::kClockStart, start, recv_day, recv_day,
                         "elapsed clock: it starts on receipt and ignores the school calendar"});
  } else {
    const absl::CivilDay day0 = a.day(start_index);
    std::string received_phrase, start_reason;
    const std::string* not_working = a.ReasonOn(recv_day);
    if (start == out->received) {
      received_phrase = absl::StrCat("inside ", a.HoursWord(recv_day));
      start_reason = absl::StrCat("received ", received_phrase);
    } else if (not_working != nullptr) {
      received_phrase = absl::StrCat("on a non-working day (", *not_working, ")");
      start_reason = *not_working;
    } else if (recv_day == day0) {
      received_phrase =
          absl::StrCat("before ", a.HoursWord(recv_day), " (open ", LocalHm(a.open(start_index), zone), ")");
      start_reason = received_phrase;
    } else {
      const auto period = cal.PeriodOn(recv_day);  // working, and closed before receipt
      received_phrase = absl::StrCat("after ", a.HoursWord(recv_day), " (closed ", LocalHm(period->second, zone), ")");
      start_reason = received_phrase;
    }
    steps.push_back(Step{Step::Kind::kReceived, out->received, recv_day, recv_day, received_phrase});
    steps.push_back(Step{Step::Kind::kClockStart, start, day0, day0, start_reason});

    int64_t counted = 0;
    const absl::CivilDay skip_from = not_working != nullptr ? recv_day : recv_day + 1;
    AppendDateRanges(a, skip_from, day0 - 1, budget.unit, &counted, &steps);
    counted = 0;
    const absl::CivilDay due_day = a.day(a.FirstClosingAtOrAfter(unpaused_due));
    AppendDateRanges(a, day0 + 1, due_day, budget.unit, &counted, &steps);
  }

  for (const PauseOutcome& p : pauses) {
    const absl::CivilDay first = absl::ToCivilDay(p.counted_from, zone);
    const absl::CivilDay last = p.pause.end ? absl::ToCivilDay(*p.pause.end, zone) : first;
    std::string span = absl::StrCat("paused ", FormatLocal(p.pause.start, cal));
    if (p.pause.end.has_value()) absl::StrAppend(&span, " to ", FormatLocal(*p.pause.end, cal));
    std::string reason;
    switch (p.kind) {
      case PauseOutcome::Kind::kCounted:
        reason = absl::StrCat(span, p.counted_from > p.pause.start ? " (counted from the clock start)" : "", ": ",
                              HumanDuration(p.added),
                              budget.unit == Unit::kElapsed ? " of elapsed time" : " of working time", " added");
        break;
      case PauseOutcome::Kind::kBeforeStart:
        reason = absl::StrCat(span, ", before the clock started: not counted");
        break;
      case PauseOutcome::Kind::kAfterDue:
        reason = absl::StrCat(span, ", after the deadline had passed: not counted");
        break;
      case PauseOutcome::Kind::kHeld:
        reason = absl::StrCat("paused since ", FormatLocal(p.counted_from, cal),
                              " with no end yet: the clock is held, so there is no due time");
        break;
    }
    steps.push_back(Step{Step::Kind::kPause, p.counted_from, first, last, std::move(reason)});
  }

  if (out->due.has_value()) {
    std::string reason;
    switch (budget.unit) {
      case Unit::kWorkingDays: {
        const absl::CivilDay day = a.day(a.FirstClosingAtOrAfter(unpaused_due));
        reason = budget.working_days == 0 ? absl::StrCat("close of ", a.HoursWord(day), " on day 0")
                                          : absl::StrCat("close of ", a.HoursWord(day), " on working day ",
                                                         budget.working_days, " after day 0");
        break;
      }
      case Unit::kWorkingHours:
        reason = absl::StrCat("after ", HumanDuration(budget.duration), " of working time");
        break;
      case Unit::kElapsed:
        reason = absl::StrCat(HumanDuration(budget.duration), " after receipt");
        break;
    }
    if (*out->due != unpaused_due) {
      absl::StrAppend(&reason, ", moved on by pauses from ", FormatLocal(unpaused_due, cal));
    }
    const absl::CivilDay due_day = absl::ToCivilDay(*out->due, zone);
    steps.push_back(Step{Step::Kind::kDue, *out->due, due_day, due_day, std::move(reason)});
  }
}

}  // namespace

std::string FormatLocal(absl::Time t, const Calendar& cal) {
  const absl::TimeZone::CivilInfo ci = cal.zone().At(t);
  const absl::CivilDay d(ci.cs);
  return absl::StrFormat("%s %d %s %d %02d:%02d %s", WeekdayName(d), d.day(), MonthName(d), d.year(), ci.cs.hour(),
                         ci.cs.minute(), ci.zone_abbr);
}

absl::StatusOr<Deadline> ComputeDeadline(const Calendar& cal, const Budget& budget, absl::Time received,
                                         absl::Span<const Pause> pauses, bool explain) {
  if (!Finite(received)) {
    return InvalidArgument(reason::kInvalidReceivedTime, "the receipt time must be a finite instant");
  }
  PARLEY_RETURN_IF_ERROR(CheckBudget(budget));
  const CalendarAccess a(cal);

  Deadline out;
  out.received = received;
  out.unit = budget.unit;
  if (budget.unit == Unit::kWorkingHours) out.working_time = budget.duration;
  size_t k = 0;
  absl::Time due;
  if (budget.unit == Unit::kElapsed) {
    out.clock_start = received;
    due = received + budget.duration;
  } else {
    k = a.FirstClosingAfter(received);
    if (k == a.periods()) return a.Exhausted(absl::ToCivilDay(received, cal.zone()));
    out.clock_start = std::max(received, a.open(k));
    if (budget.unit == Unit::kWorkingDays) {
      const uint64_t n = static_cast<uint64_t>(k) + static_cast<uint64_t>(budget.working_days);
      if (n >= a.periods()) return a.Exhausted(a.day(k));
      due = a.close(n);
    } else {
      PARLEY_ASSIGN_OR_RETURN(due, cal.AddWorkingTime(out.clock_start, budget.duration));
    }
  }

  out.due = due;
  std::vector<PauseOutcome> outcomes;
  if (!pauses.empty()) {
    PARLEY_ASSIGN_OR_RETURN(std::vector<Pause> merged, MergePauses(pauses));
    for (const Pause& p : merged) {
      const absl::Time from = std::max(p.start, out.clock_start);
      PauseOutcome o{PauseOutcome::Kind::kCounted, p, from, absl::ZeroDuration()};
      if (p.end.has_value() && *p.end <= out.clock_start) {
        o.kind = PauseOutcome::Kind::kBeforeStart;
        o.counted_from = p.start;
      } else if (from >= *out.due) {
        // The deadline had already passed: there was no clock left to hold.
        o.kind = PauseOutcome::Kind::kAfterDue;
        o.counted_from = p.start;
      } else if (!p.end.has_value()) {
        o.kind = PauseOutcome::Kind::kHeld;
        out.due.reset();
      } else if (budget.unit == Unit::kElapsed) {
        o.added = *p.end - from;
        out.due = *out.due + o.added;
      } else {
        o.added = cal.WorkingTimeBetween(from, *p.end);
        PARLEY_ASSIGN_OR_RETURN(out.due, cal.AddWorkingTime(*out.due, o.added));
      }
      if (explain) outcomes.push_back(o);
      if (!out.due.has_value()) break;
    }
  }

  if (explain) Explain(cal, budget, out.clock_start, k, due, outcomes, &out);
  return out;
}

std::string Summarize(const Deadline& d, const Calendar& cal) {
  std::string s = absl::StrCat("Received ", FormatLocal(d.received, cal));
  auto due_sentence = [&] {
    return d.due.has_value() ? absl::StrCat("Due ", FormatLocal(*d.due, cal), ".")
                             : std::string("No due time while the clock is paused.");
  };
  if (d.steps.empty()) {
    absl::StrAppend(&s, ". The clock started ",
                    d.clock_start == d.received ? "on receipt" : absl::StrCat("at ", FormatLocal(d.clock_start, cal)),
                    ". ", due_sentence());
    return s;
  }

  const Step* received = nullptr;
  const Step* start = nullptr;
  std::vector<std::string> skipped_before, skipped_after, counted, pauses;
  int64_t counted_days = 0;
  for (const Step& step : d.steps) {
    switch (step.kind) {
      case Step::Kind::kReceived:
        received = &step;
        break;
      case Step::Kind::kClockStart:
        start = &step;
        break;
      case Step::Kind::kSkipped: {
        std::string text = absl::StrCat(DateSpan(step.first, step.last), " (", step.reason, ")");
        (start != nullptr && step.first > start->first ? skipped_after : skipped_before).push_back(std::move(text));
        break;
      }
      case Step::Kind::kCounted: {
        const int64_t len = step.last - step.first + 1;
        counted_days += len;
        if (len <= 2) {
          for (absl::CivilDay x = step.first; x <= step.last; ++x) counted.push_back(ShortDay(x));
        } else {
          counted.push_back(absl::StrCat(ShortDay(step.first), "–", ShortDay(step.last)));
        }
        break;
      }
      case Step::Kind::kPause: {
        std::string text = step.reason;
        if (!text.empty()) text[0] = static_cast<char>(std::toupper(static_cast<unsigned char>(text[0])));
        pauses.push_back(absl::StrCat(text, "."));
        break;
      }
      case Step::Kind::kDue:
        break;
    }
  }

  if (d.unit == Unit::kElapsed) {
    absl::StrAppend(&s, ". Elapsed clock: it started on receipt and ignores the school calendar.");
  } else {
    if (received != nullptr && !received->reason.empty()) absl::StrAppend(&s, ", ", received->reason);
    absl::StrAppend(&s, ". The clock started ",
                    d.clock_start == d.received ? "on receipt, " : "at the next working period, ",
                    FormatLocal(d.clock_start, cal));
    if (!skipped_before.empty()) absl::StrAppend(&s, "; skipped ", absl::StrJoin(skipped_before, ", "));
    absl::StrAppend(&s, ".");
    if (start != nullptr) {
      absl::StrAppend(&s, " Day 0 is ", ShortDay(start->first));
      if (d.unit == Unit::kWorkingDays) {
        if (counted_days == 0) {
          absl::StrAppend(&s, "; no further working days counted");
        } else {
          absl::StrAppend(&s, "; ", counted_days, counted_days == 1 ? " working day" : " working days",
                          " counted: ", absl::StrJoin(counted, ", "));
        }
      } else {
        // The budget in hours and minutes ("1h 30m"), so a 90-minute promise reads as one.
        absl::StrAppend(&s, "; ", HumanDuration(d.working_time), " of working time counted");
        if (!counted.empty()) absl::StrAppend(&s, ", also on ", absl::StrJoin(counted, ", "));
      }
      if (!skipped_after.empty()) absl::StrAppend(&s, "; skipped ", absl::StrJoin(skipped_after, ", "));
      absl::StrAppend(&s, ".");
    }
  }
  for (const std::string& p : pauses) absl::StrAppend(&s, " ", p);
  absl::StrAppend(&s, " ", due_sentence());
  return s;
}

}  // namespace parley::calendar
