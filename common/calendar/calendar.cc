#include "common/calendar/calendar.h"

#include <openssl/evp.h>

#include <algorithm>
#include <cstdint>
#include <tuple>

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/string_view.h"
#include "common/calendar/calendar_internal.h"
#include "common/status/reason.h"
#include "common/status/status_macros.h"

namespace parley::calendar {
namespace {

constexpr int kMinutesPerDay = 24 * 60;
// A guard against a typo ("2205-09-03") turning into a dense array of centuries.
constexpr int64_t kMaxSpanDays = 50 * 366;

absl::Status BadSpec(absl::string_view message) { return InvalidArgument(reason::kInvalidCalendar, message); }

absl::Status BadPattern(absl::string_view message) { return InvalidArgument(reason::kInvalidWorkingPattern, message); }

std::string DayText(absl::CivilDay d) { return absl::FormatCivilTime(d); }

std::string Range(const DateRange& r) { return absl::StrCat(DayText(r.first), "..", DayText(r.last)); }

std::string Quoted(absl::string_view label) {
  return label.empty() ? std::string("(unlabelled)") : absl::StrCat("\"", label, "\"");
}

absl::Status CheckHours(const HoursRange& h, absl::string_view what, absl::Status (*bad)(absl::string_view)) {
  const bool in_day =
      h.open_minute >= 0 && h.open_minute <= kMinutesPerDay && h.close_minute >= 0 && h.close_minute <= kMinutesPerDay;
  if (!in_day) {
    return bad(absl::StrFormat("%s (open minute %d, close minute %d) must lie within 00:00-24:00", what, h.open_minute,
                               h.close_minute));
  }
  if (h.close_minute <= h.open_minute) {
    return bad(absl::StrCat(what, " close at ", internal::FormatMinute(h.close_minute), ", not after they open at ",
                            internal::FormatMinute(h.open_minute)));
  }
  return absl::OkStatus();
}

// Names go to the tz loader, which reads files: accept IANA-shaped names only, and no fixed
// offsets (rule 1 wants real rules, with their transitions).
bool PlausibleZoneName(absl::string_view name) {
  if (name.empty() || name.front() == '/' || absl::StrContains(name, "..") || absl::StartsWith(name, "Fixed/")) {
    return false;
  }
  return std::all_of(name.begin(), name.end(), [](char c) {
    return absl::ascii_isalnum(static_cast<unsigned char>(c)) || c == '/' || c == '_' || c == '-' || c == '+';
  });
}

absl::Status CheckZone(const std::string& name, absl::TimeZone* zone) {
  if (!PlausibleZoneName(name) || !absl::LoadTimeZone(name, zone)) {
    return BadSpec(absl::StrCat("unknown time zone \"", name, "\": use an IANA name such as \"Europe/London\""));
  }
  return absl::OkStatus();
}

int WeekdayIndex(absl::CivilDay d) { return static_cast<int>(absl::GetWeekday(d)); }

// Length-prefixed, so that no choice of labels can make two different specs serialize alike.
void Put(std::string* out, absl::string_view key, absl::string_view value) {
  absl::StrAppend(out, key, "=", value.size(), ":", value, "\n");
}

std::string HoursText(const HoursRange& h) { return absl::StrCat(h.open_minute, "-", h.close_minute); }

std::string DaysText(const std::array<bool, 7>& days) {
  std::string s;
  for (bool b : days) s.push_back(b ? '1' : '0');
  return s;
}

std::string CanonicalText(const CalendarSpec& spec, const std::optional<WorkingPattern>& owner) {
  auto by_dates = [](const DateRange& a, const DateRange& b) {
    return std::tie(a.first, a.last, a.label) < std::tie(b.first, b.last, b.label);
  };
  std::vector<DateRange> terms = spec.terms;
  std::vector<DateRange> closures = spec.closures;
  std::vector<HoursOverride> overrides = spec.overrides;
  std::sort(terms.begin(), terms.end(), by_dates);
  std::sort(closures.begin(), closures.end(), by_dates);
  std::sort(overrides.begin(), overrides.end(),
            [](const HoursOverride& a, const HoursOverride& b) { return a.day < b.day; });

  std::string out = "parley.calendar.v1\n";
  Put(&out, "zone", spec.time_zone);
  Put(&out, "school_days", DaysText(spec.school_days));
  Put(&out, "core", HoursText(spec.core_hours));
  for (const DateRange& t : terms) Put(&out, "term", absl::StrCat(Range(t), " ", t.label));
  for (const DateRange& c : closures) Put(&out, "closure", absl::StrCat(Range(c), " ", c.label));
  for (const HoursOverride& o : overrides) {
    Put(&out, "override", absl::StrCat(DayText(o.day), " ", HoursText(o.hours), " ", o.label));
  }
  if (owner.has_value()) {
    Put(&out, "owner_works", DaysText(owner->works));
    for (int i = 0; i < 7; ++i) {
      Put(&out, "owner_hours", owner->hours[i] ? HoursText(*owner->hours[i]) : "-");
    }
  }
  return out;
}

std::string Sha256Hex16(absl::string_view text) {
  unsigned char digest[EVP_MAX_MD_SIZE];
  unsigned int length = 0;
  // EVP_Digest only fails on allocation failure; an empty fingerprint would be caught by any use.
  if (EVP_Digest(text.data(), text.size(), digest, &length, EVP_sha256(), nullptr) != 1) {
    return std::string();
  }
  std::string hex;
  for (unsigned int i = 0; i < 8 && i < length; ++i) absl::StrAppendFormat(&hex, "%02x", digest[i]);
  return hex;
}

}  // namespace

namespace internal {

std::string FormatMinute(int minute) { return absl::StrFormat("%02d:%02d", minute / 60, minute % 60); }

}  // namespace internal

absl::Status ValidateSpec(const CalendarSpec& spec) {
  absl::TimeZone zone;
  PARLEY_RETURN_IF_ERROR(CheckZone(spec.time_zone, &zone));
  if (std::none_of(spec.school_days.begin(), spec.school_days.end(), [](bool b) { return b; })) {
    return BadSpec("school_days has no day set: a calendar needs at least one school day a week");
  }
  PARLEY_RETURN_IF_ERROR(CheckHours(spec.core_hours, "core hours", &BadSpec));

  for (const DateRange& t : spec.terms) {
    if (t.last < t.first) {
      return BadSpec(absl::StrCat("term ", Quoted(t.label), " ends (", DayText(t.last), ") before it starts (",
                                  DayText(t.first), ")"));
    }
  }
  for (const DateRange& c : spec.closures) {
    if (c.last < c.first) {
      return BadSpec(absl::StrCat("closure ", Quoted(c.label), " ends (", DayText(c.last), ") before it starts (",
                                  DayText(c.first), ")"));
    }
  }
  std::vector<const DateRange*> terms;
  for (const DateRange& t : spec.terms) terms.push_back(&t);
  std::sort(terms.begin(), terms.end(), [](const DateRange* a, const DateRange* b) { return a->first < b->first; });
  for (size_t i = 1; i < terms.size(); ++i) {
    if (terms[i]->first <= terms[i - 1]->last) {
      return BadSpec(absl::StrCat("terms ", Quoted(terms[i - 1]->label), " (", Range(*terms[i - 1]), ") and ",
                                  Quoted(terms[i]->label), " (", Range(*terms[i]), ") overlap"));
    }
  }
  if (!terms.empty()) {
    const absl::CivilDay last =
        (*std::max_element(terms.begin(), terms.end(), [](const DateRange* a, const DateRange* b) {
          return a->last < b->last;
        }))->last;
    if (last - terms.front()->first > kMaxSpanDays) {
      return BadSpec(absl::StrCat("terms span ", DayText(terms.front()->first), " to ", DayText(last),
                                  ", more than 50 years: check the years of the term dates"));
    }
  }

  std::vector<absl::CivilDay> override_days;
  for (const HoursOverride& o : spec.overrides) {
    const std::string what = absl::StrCat("override hours on ", DayText(o.day));
    PARLEY_RETURN_IF_ERROR(CheckHours(o.hours, what, &BadSpec));
    const bool in_term = std::any_of(terms.begin(), terms.end(),
                                     [&](const DateRange* t) { return t->first <= o.day && o.day <= t->last; });
    if (!in_term) {
      return BadSpec(absl::StrCat("override on ", DayText(o.day), " (", Quoted(o.label), ") is outside every term"));
    }
    override_days.push_back(o.day);
  }
  std::sort(override_days.begin(), override_days.end());
  auto dup = std::adjacent_find(override_days.begin(), override_days.end());
  if (dup != override_days.end()) {
    return BadSpec(absl::StrCat("two overrides on ", DayText(*dup), ": keep one per date"));
  }
  return absl::OkStatus();
}

absl::Status ValidatePattern(const WorkingPattern& pattern) {
  static constexpr const char* kNames[7] = {"Monday", "Tuesday",  "Wednesday", "Thursday",
                                            "Friday", "Saturday", "Sunday"};
  if (std::none_of(pattern.works.begin(), pattern.works.end(), [](bool b) { return b; })) {
    return BadPattern("the working pattern has no working day");
  }
  for (int i = 0; i < 7; ++i) {
    if (!pattern.hours[i].has_value()) continue;
    const std::string what = absl::StrCat(kNames[i], " hours");
    if (!pattern.works[i]) {
      return BadPattern(
          absl::StrCat(what, " are given but ", kNames[i], " is not a working day: clear them or mark the day worked"));
    }
    PARLEY_RETURN_IF_ERROR(CheckHours(*pattern.hours[i], what, &BadPattern));
  }
  return absl::OkStatus();
}

absl::StatusOr<std::shared_ptr<const Calendar>> Calendar::Build(const CalendarSpec& spec, const WorkingPattern* owner) {
  PARLEY_RETURN_IF_ERROR(ValidateSpec(spec));
  if (owner != nullptr) PARLEY_RETURN_IF_ERROR(ValidatePattern(*owner));
  std::shared_ptr<Calendar> cal(new Calendar());
  cal->spec_ = spec;
  if (owner != nullptr) cal->owner_ = *owner;
  PARLEY_RETURN_IF_ERROR(cal->Compile());
  return std::shared_ptr<const Calendar>(std::move(cal));
}

absl::Status Calendar::Compile() {
  PARLEY_RETURN_IF_ERROR(CheckZone(spec_.time_zone, &zone_));
  fingerprint_ = Sha256Hex16(CanonicalText(spec_, owner_));

  reasons_.assign(internal::kFixedReasons.begin(), internal::kFixedReasons.end());
  auto intern = [this](const std::string& label) {
    const std::string text = label.empty() ? std::string("closure") : label;
    auto it = std::find(reasons_.begin(), reasons_.end(), text);
    if (it != reasons_.end()) return static_cast<int32_t>(it - reasons_.begin());
    reasons_.push_back(text);
    return static_cast<int32_t>(reasons_.size() - 1);
  };

  if (spec_.terms.empty()) {
    w_prefix_.assign(1, absl::ZeroDuration());
    return absl::OkStatus();
  }
  absl::CivilDay first = spec_.terms.front().first;
  absl::CivilDay last = spec_.terms.front().last;
  for (const DateRange& t : spec_.terms) {
    first = std::min(first, t.first);
    last = std::max(last, t.last);
  }
  first_day_ = first;
  const size_t n = static_cast<size_t>(last - first + 1);
  days_.assign(n, Day{-1, internal::kOutsideTerm});

  // Index range of [a, b] clipped to the span; empty when begin >= end.
  auto clip = [&](absl::CivilDay a, absl::CivilDay b) {
    const int64_t lo = std::max<int64_t>(0, a - first);
    const int64_t hi = std::min<int64_t>(static_cast<int64_t>(n), b - first + 1);
    return std::make_pair(lo, hi);
  };

  std::vector<bool> in_term(n, false);
  for (const DateRange& t : spec_.terms) {
    auto [lo, hi] = clip(t.first, t.last);
    for (int64_t i = lo; i < hi; ++i) in_term[i] = true;
  }

  // The longest closure names a date covered by several, so "May half-term" is one range even
  // though the Spring bank holiday sits inside it; ties go to a fixed order, not input order.
  std::vector<const DateRange*> closures;
  for (const DateRange& c : spec_.closures) closures.push_back(&c);
  std::sort(closures.begin(), closures.end(), [](const DateRange* a, const DateRange* b) {
    const int64_t la = a->last - a->first;
    const int64_t lb = b->last - b->first;
    if (la != lb) return la > lb;
    return std::tie(a->first, a->label) < std::tie(b->first, b->label);
  });
  std::vector<int32_t> closed(n, -1);
  for (const DateRange* c : closures) {
    auto [lo, hi] = clip(c->first, c->last);
    if (lo >= hi) continue;
    const int32_t reason = intern(c->label);
    for (int64_t i = lo; i < hi; ++i) {
      if (closed[i] < 0) closed[i] = reason;
    }
  }

  std::vector<std::optional<HoursRange>> override_hours(n);
  for (const HoursOverride& o : spec_.overrides) {
    auto [lo, hi] = clip(o.day, o.day);
    if (lo < hi) override_hours[lo] = o.hours;
  }

  w_prefix_.assign(1, absl::ZeroDuration());
  for (size_t i = 0; i < n; ++i) {
    const absl::CivilDay d = first + static_cast<int64_t>(i);
    const int wd = WeekdayIndex(d);
    Day& day = days_[i];
    if (!in_term[i]) continue;  // kOutsideTerm already
    if (closed[i] >= 0) {
      day.reason = closed[i];
      continue;
    }
    if (!spec_.school_days[wd]) {
      day.reason = wd >= 5 ? internal::kWeekend : internal::kNotASchoolDay;
      continue;
    }
    if (owner_ && !owner_->works[wd]) {
      day.reason = internal::kOwnerNotWorking;
      continue;
    }
    HoursRange hours = override_hours[i].value_or(spec_.core_hours);
    if (owner_ && owner_->hours[wd]) {
      hours.open_minute = std::max(hours.open_minute, owner_->hours[wd]->open_minute);
      hours.close_minute = std::min(hours.close_minute, owner_->hours[wd]->close_minute);
      if (hours.close_minute <= hours.open_minute) {
        day.reason = internal::kOwnerNotWorking;
        continue;
      }
    }
    // Rule 1: a local time that is skipped or repeated takes the offset in force before the
    // transition, which is exactly TimeInfo::pre.
    const absl::Time open = zone_.At(absl::CivilSecond(d) + 60 * hours.open_minute).pre;
    const absl::Time close = zone_.At(absl::CivilSecond(d) + 60 * hours.close_minute).pre;
    if (close <= open) {
      // Only possible when the hours straddle a skipped hour so that close resolves before open.
      day.reason = internal::kClockChange;
      continue;
    }
    day.working_index = static_cast<int32_t>(w_open_.size());
    w_open_.push_back(open);
    w_close_.push_back(close);
    w_day_.push_back(d);
    w_prefix_.push_back(w_prefix_.back() + (close - open));
  }
  return absl::OkStatus();
}

std::optional<std::pair<absl::Time, absl::Time>> Calendar::PeriodOn(absl::CivilDay day, std::string* why_not) const {
  const int64_t i = day - first_day_;
  if (i < 0 || i >= static_cast<int64_t>(days_.size())) {
    if (why_not != nullptr) *why_not = reasons_[internal::kOutsideTerm];
    return std::nullopt;
  }
  const Day& d = days_[i];
  if (d.working_index < 0) {
    if (why_not != nullptr) *why_not = reasons_[d.reason];
    return std::nullopt;
  }
  if (why_not != nullptr) why_not->clear();
  return std::make_pair(w_open_[d.working_index], w_close_[d.working_index]);
}

size_t Calendar::FirstClosingAfter(absl::Time t) const {
  return static_cast<size_t>(std::upper_bound(w_close_.begin(), w_close_.end(), t) - w_close_.begin());
}

absl::Duration Calendar::CumulativeAt(absl::Time t) const {
  const size_t k = FirstClosingAfter(t);
  if (k == w_close_.size()) return w_prefix_.back();
  return w_prefix_[k] + std::max(absl::ZeroDuration(), t - w_open_[k]);
}

absl::Status Calendar::Exhausted(absl::CivilDay from) const {
  if (w_day_.empty()) {
    return FailedPrecondition(reason::kCalendarExhausted,
                              absl::StrCat("no working period on or after ", DayText(from),
                                           ": the calendar has no working days; enter the school year's terms"));
  }
  from = std::max(from, w_day_.back() + 1);
  return FailedPrecondition(reason::kCalendarExhausted, absl::StrCat("no working period on or after ", DayText(from),
                                                                     ": enter the next school year's terms"));
}

absl::StatusOr<std::pair<absl::Time, absl::Time>> Calendar::PeriodAtOrAfter(absl::Time t) const {
  const size_t k = FirstClosingAfter(t);
  if (k == w_close_.size()) return Exhausted(absl::ToCivilDay(t, zone_));
  return std::make_pair(w_open_[k], w_close_[k]);
}

absl::StatusOr<std::pair<absl::Time, absl::Time>> Calendar::PeriodAtOrAfterOutside(absl::Time t,
                                                                                   HoursRange excluded) const {
  // Every working period is visited at most once: each round moves t to a period's close.
  for (size_t k = FirstClosingAfter(t); k < w_close_.size(); k = FirstClosingAfter(t)) {
    const absl::CivilSecond day(w_day_[k]);
    // Local times to instants as Compile does: the offset in force before a transition.
    const absl::Time ex_open = zone_.At(day + 60 * excluded.open_minute).pre;
    const absl::Time ex_close = zone_.At(day + 60 * excluded.close_minute).pre;
    const std::pair<absl::Time, absl::Time> pieces[] = {{w_open_[k], std::min(w_close_[k], ex_open)},
                                                        {std::max(w_open_[k], ex_close), w_close_[k]}};
    for (const auto& piece : pieces) {
      if (piece.first < piece.second && piece.second > t) return piece;
    }
    t = w_close_[k];
  }
  return Exhausted(absl::ToCivilDay(t, zone_));
}

absl::Duration Calendar::WorkingTimeBetween(absl::Time from, absl::Time to) const {
  if (to <= from) return absl::ZeroDuration();
  return CumulativeAt(to) - CumulativeAt(from);
}

absl::StatusOr<absl::Time> Calendar::AddWorkingTime(absl::Time from, absl::Duration d) const {
  if (d <= absl::ZeroDuration()) return from;
  const absl::Duration target = CumulativeAt(from) + d;
  if (target > w_prefix_.back()) return Exhausted(absl::ToCivilDay(from, zone_));
  // Smallest j whose period ends at or after the target total: ending exactly at a close stays
  // at that close instead of jumping to the next opening.
  const size_t j =
      static_cast<size_t>(std::lower_bound(w_prefix_.begin() + 1, w_prefix_.end(), target) - (w_prefix_.begin() + 1));
  return w_open_[j] + (target - w_prefix_[j]);
}

}  // namespace parley::calendar
