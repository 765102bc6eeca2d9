#include "services/conduct/domain/validation.h"

#include <algorithm>
#include <cstdint>
#include <set>
#include <string>
#include <utility>
#include <vector>

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/time/civil_time.h"
#include "common/status/reason.h"
#include "common/status/status_macros.h"

namespace parley::conduct {
namespace {

constexpr absl::string_view kInvalidArrangement = "INVALID_ARRANGEMENT";
constexpr absl::string_view kInvalidIncident = "INVALID_INCIDENT";
constexpr absl::string_view kInvalidBan = "INVALID_PREMISES_BAN";
// A malformed "HH:MM" is a field-shape error, reported like the API layer's own (api/convert.cc).
constexpr absl::string_view kInvalidClock = "INVALID_FIELD";
constexpr absl::string_view kNotTighter = "NOT_TIGHTER";

// Clock skew tolerated between the caller's idea of "now" and ours.
constexpr absl::Duration kClockSkew = absl::Minutes(1);

absl::string_view Abseil(std::string_view s) { return absl::string_view(s.data(), s.size()); }

bool KnownChannel(Channel c) {
  const int v = static_cast<int>(c);
  return v >= 1 && v <= kMaxChannel;
}

bool KnownWeekday(absl::Weekday d) {
  const int v = static_cast<int>(d);
  return v >= 0 && v <= 6;
}

std::string DayText(absl::CivilDay d) { return absl::StrFormat("%04d-%02d-%02d", d.year(), d.month(), d.day()); }

// "schools/{school_id}/staff/{id}" with a non-empty id and nothing after it.
bool IsStaffOf(const std::string& name, const std::string& school_id) {
  const std::string prefix = absl::StrCat("schools/", school_id, "/staff/");
  if (school_id.empty() || !absl::StartsWith(name, prefix)) return false;
  const absl::string_view id = absl::string_view(name).substr(prefix.size());
  return !id.empty() && id.find('/') == absl::string_view::npos;
}

bool Unset(absl::Time t) { return t == absl::Time() || t == absl::InfinitePast() || t == absl::InfiniteFuture(); }

// Merged, sorted minute ranges of the windows on one weekday.
std::vector<std::pair<int, int>> DayCover(const std::vector<TimeWindow>& windows, absl::Weekday day) {
  std::vector<std::pair<int, int>> ranges;
  for (const TimeWindow& w : windows) {
    if (w.day == day && w.start_minute < w.end_minute) ranges.emplace_back(w.start_minute, w.end_minute);
  }
  std::sort(ranges.begin(), ranges.end());
  std::vector<std::pair<int, int>> merged;
  for (const auto& r : ranges) {
    if (!merged.empty() && r.first <= merged.back().second) {
      merged.back().second = std::max(merged.back().second, r.second);
    } else {
      merged.push_back(r);
    }
  }
  return merged;
}

// Minutes of the week the windows allow; an empty list allows the whole week.
int64_t WeeklyMinutes(const std::vector<TimeWindow>& windows) {
  if (windows.empty()) return int64_t{7} * 24 * 60;
  int64_t total = 0;
  for (int d = 0; d < 7; ++d) {
    for (const auto& r : DayCover(windows, static_cast<absl::Weekday>(d))) total += r.second - r.first;
  }
  return total;
}

bool Covered(const TimeWindow& w, const std::vector<TimeWindow>& windows) {
  for (const auto& r : DayCover(windows, w.day)) {
    if (r.first <= w.start_minute && w.end_minute <= r.second) return true;
  }
  return false;
}

absl::Status CheckEndAfterStart(const std::optional<absl::Time>& start, const std::optional<absl::Time>& end) {
  if (start.has_value() && end.has_value() && *end <= *start) {
    return InvalidArgument(kInvalidArrangement, "end_time: must be after start_time");
  }
  return absl::OkStatus();
}

absl::Status CheckReviewDate(const Arrangement& a, const absl::TimeZone& zone) {
  if (!a.start_time.has_value() || !a.review_date.has_value()) return absl::OkStatus();
  const absl::CivilDay start_day(absl::ToCivilSecond(*a.start_time, zone));
  if (*a.review_date < start_day) {
    return InvalidArgument(kInvalidArrangement, absl::StrCat("review_date: ", DayText(*a.review_date),
                                                             " is before the start date ", DayText(start_day)));
  }
  return absl::OkStatus();
}

absl::Status CheckScope(const Arrangement& a) {
  if (a.scope != ArrangementScope::kSchool && a.scope != ArrangementScope::kTrust) {
    return InvalidArgument(kInvalidArrangement, "scope: must be SCHOOL or TRUST");
  }
  return absl::OkStatus();
}

}  // namespace

absl::Status ValidateTerms(const ArrangementTerms& terms, const std::string& school_id, bool for_issue) {
  std::set<Channel> seen;
  for (size_t i = 0; i < terms.allowed_channels.size(); ++i) {
    const Channel c = terms.allowed_channels[i];
    if (!KnownChannel(c)) {
      return InvalidArgument(kInvalidArrangement,
                             absl::StrCat("allowed_channels[", i, "]: unknown channel value ", static_cast<int>(c)));
    }
    if (!seen.insert(c).second) {
      return InvalidArgument(kInvalidArrangement,
                             absl::StrCat("allowed_channels[", i, "]: ", Abseil(ChannelName(c)), " is listed twice"));
    }
  }

  const std::vector<TimeWindow>& windows = terms.allowed_windows;
  if (windows.size() > kMaxWindows) {
    return InvalidArgument(kInvalidArrangement,
                           absl::StrCat("allowed_windows: at most ", kMaxWindows, " windows, not ", windows.size()));
  }
  for (size_t i = 0; i < windows.size(); ++i) {
    const TimeWindow& w = windows[i];
    const std::string where = absl::StrCat("allowed_windows[", i, "]");
    if (!KnownWeekday(w.day)) return InvalidArgument(kInvalidArrangement, absl::StrCat(where, ": unknown day"));
    if (w.start_minute < 0 || w.start_minute > 24 * 60 || w.end_minute < 0 || w.end_minute > 24 * 60) {
      return InvalidArgument(kInvalidArrangement, absl::StrCat(where, ": times must be between 00:00 and 24:00"));
    }
    if (w.start_minute == w.end_minute) {
      return InvalidArgument(kInvalidArrangement, absl::StrCat(where, ": empty window (start and end are both ",
                                                               FormatClock(w.start_minute), ")"));
    }
    if (w.end_minute < w.start_minute) {
      return InvalidArgument(kInvalidArrangement, absl::StrCat(where, ": end ", FormatClock(w.end_minute),
                                                               " is not after start ", FormatClock(w.start_minute)));
    }
  }
  for (size_t i = 0; i < windows.size(); ++i) {
    for (size_t j = 0; j < i; ++j) {
      const TimeWindow& a = windows[j];
      const TimeWindow& b = windows[i];
      if (a.day == b.day && a.start_minute < b.end_minute && b.start_minute < a.end_minute) {
        return InvalidArgument(kInvalidArrangement,
                               absl::StrCat("allowed_windows[", i, "]: ", WindowText(b), " overlaps allowed_windows[",
                                            j, "] (", WindowText(a), ")"));
      }
    }
  }

  if (!terms.point_of_contact.empty() && !IsStaffOf(terms.point_of_contact, school_id)) {
    return InvalidArgument(kInvalidArrangement,
                           absl::StrCat("point_of_contact: must be a member of staff of this school, \"schools/",
                                        school_id, "/staff/{staff}\""));
  }

  if (terms.reasons.size() > kMaxReasonsBytes) {
    return InvalidArgument(kInvalidArrangement,
                           absl::StrCat("reasons: at most ", kMaxReasonsBytes, " bytes, not ", terms.reasons.size()));
  }
  if (for_issue && absl::StripAsciiWhitespace(terms.reasons).empty()) {
    return InvalidArgument(kInvalidArrangement, "reasons: required to issue an arrangement (the letter states them)");
  }
  return absl::OkStatus();
}

bool RestrictsSomething(const ArrangementTerms& terms) {
  return !terms.allowed_channels.empty() || !terms.allowed_windows.empty() || !terms.point_of_contact.empty() ||
         terms.meeting.second_staff_required || terms.meeting.head_informed || terms.meeting.off_site_only;
}

absl::Status ValidateForIssue(const Arrangement& a, const absl::TimeZone& zone) {
  PARLEY_RETURN_IF_ERROR(CheckScope(a));
  PARLEY_RETURN_IF_ERROR(ValidateTerms(a.terms, a.school_id, /*for_issue=*/true));
  if (!RestrictsSomething(a.terms)) {
    return InvalidArgument(kInvalidArrangement,
                           "terms: required to issue an arrangement: at least one allowed channel, allowed window, "
                           "point of contact or meeting condition");
  }
  if (!a.start_time.has_value() || Unset(*a.start_time)) {
    return InvalidArgument(kInvalidArrangement, "start_time: required to issue an arrangement");
  }
  if (!a.review_date.has_value()) {
    return InvalidArgument(kInvalidArrangement, "review_date: required to issue an arrangement");
  }
  PARLEY_RETURN_IF_ERROR(CheckReviewDate(a, zone));
  return CheckEndAfterStart(a.start_time, a.end_time);
}

absl::Status ValidateDraft(const Arrangement& a, const absl::TimeZone& zone) {
  PARLEY_RETURN_IF_ERROR(CheckScope(a));
  PARLEY_RETURN_IF_ERROR(ValidateTerms(a.terms, a.school_id, /*for_issue=*/false));
  PARLEY_RETURN_IF_ERROR(CheckReviewDate(a, zone));
  return CheckEndAfterStart(a.start_time, a.end_time);
}

absl::Status CheckTighter(const ArrangementTerms& current, const ArrangementTerms& proposed) {
  bool tighter = false;

  // Channels.
  if (!current.allowed_channels.empty() && proposed.allowed_channels.empty()) {
    return InvalidArgument(kNotTighter, "allowed_channels: removing the list would allow every channel");
  }
  for (Channel c : proposed.allowed_channels) {
    if (!current.allowed_channels.empty() && std::find(current.allowed_channels.begin(), current.allowed_channels.end(),
                                                       c) == current.allowed_channels.end()) {
      return InvalidArgument(kNotTighter, absl::StrCat("allowed_channels: ", Abseil(ChannelName(c)),
                                                       " is not allowed now; a tightening cannot add it"));
    }
  }
  const std::set<Channel> current_channels(current.allowed_channels.begin(), current.allowed_channels.end());
  const std::set<Channel> proposed_channels(proposed.allowed_channels.begin(), proposed.allowed_channels.end());
  if (!proposed_channels.empty() && (current_channels.empty() || proposed_channels.size() < current_channels.size())) {
    tighter = true;
  }

  // Windows.
  if (!current.allowed_windows.empty() && proposed.allowed_windows.empty()) {
    return InvalidArgument(kNotTighter, "allowed_windows: removing the windows would allow any time");
  }
  if (!current.allowed_windows.empty()) {
    for (size_t i = 0; i < proposed.allowed_windows.size(); ++i) {
      const TimeWindow& w = proposed.allowed_windows[i];
      if (!Covered(w, current.allowed_windows)) {
        return InvalidArgument(kNotTighter, absl::StrCat("allowed_windows[", i, "]: ", WindowText(w),
                                                         " is not inside the current allowed times"));
      }
    }
  }
  if (WeeklyMinutes(proposed.allowed_windows) < WeeklyMinutes(current.allowed_windows)) tighter = true;

  // Point of contact.
  if (!current.point_of_contact.empty() && proposed.point_of_contact != current.point_of_contact) {
    return InvalidArgument(kNotTighter, proposed.point_of_contact.empty()
                                            ? "point_of_contact: removing the single point of contact is a relaxation"
                                            : "point_of_contact: a tightening keeps the same point of contact");
  }
  if (current.point_of_contact.empty() && !proposed.point_of_contact.empty()) tighter = true;

  // Meeting conditions.
  const std::pair<bool, bool> conditions[] = {
      {current.meeting.second_staff_required, proposed.meeting.second_staff_required},
      {current.meeting.head_informed, proposed.meeting.head_informed},
      {current.meeting.off_site_only, proposed.meeting.off_site_only},
  };
  const char* const condition_fields[] = {"meeting.second_staff_required", "meeting.head_informed",
                                          "meeting.off_site_only"};
  for (size_t i = 0; i < 3; ++i) {
    if (conditions[i].first && !conditions[i].second) {
      return InvalidArgument(kNotTighter,
                             absl::StrCat(condition_fields[i], ": dropping a meeting condition is a relaxation"));
    }
    if (!conditions[i].first && conditions[i].second) tighter = true;
  }

  if (!tighter) {
    return InvalidArgument(kNotTighter,
                           "terms: the proposed terms restrict nothing more than the current ones; tighten at least "
                           "one channel, window, point of contact or meeting condition");
  }
  if (absl::StripAsciiWhitespace(proposed.reasons).empty()) {
    return InvalidArgument(kInvalidArrangement, "reasons: required to tighten an arrangement (the letter states them)");
  }
  return absl::OkStatus();
}

absl::Status ValidateIncident(const Incident& incident, absl::Time now) {
  const int kind = static_cast<int>(incident.kind);
  if (kind < 1 || kind > kMaxIncidentKind) {
    return InvalidArgument(kInvalidIncident, absl::StrCat("kind: unknown value ", kind));
  }
  if (!KnownChannel(incident.channel)) {
    return InvalidArgument(kInvalidIncident,
                           absl::StrCat("channel: unknown value ", static_cast<int>(incident.channel)));
  }
  const int outcome = static_cast<int>(incident.outcome);
  if (outcome < 1 || outcome > kMaxIncidentOutcome) {
    return InvalidArgument(kInvalidIncident, absl::StrCat("outcome: unknown value ", outcome));
  }
  if (Unset(incident.occur_time)) return InvalidArgument(kInvalidIncident, "occur_time: required");
  if (incident.occur_time > now + kClockSkew) {
    return InvalidArgument(kInvalidIncident, "occur_time: is in the future; give when the incident happened");
  }
  if (incident.staff_involved.size() > kMaxStaffInvolved) {
    return InvalidArgument(kInvalidIncident, absl::StrCat("staff_involved: at most ", kMaxStaffInvolved,
                                                          " members of staff, not ", incident.staff_involved.size()));
  }
  std::set<std::string> seen;
  for (size_t i = 0; i < incident.staff_involved.size(); ++i) {
    const std::string& staff = incident.staff_involved[i];
    if (!IsStaffOf(staff, incident.school_id)) {
      return InvalidArgument(kInvalidIncident, absl::StrCat("staff_involved[", i,
                                                            "]: must be a member of staff of this school, \"schools/",
                                                            incident.school_id, "/staff/{staff}\""));
    }
    if (!seen.insert(staff).second) {
      return InvalidArgument(kInvalidIncident, absl::StrCat("staff_involved[", i, "]: listed twice"));
    }
  }
  if (incident.description_ref.size() > kMaxReferenceBytes) {
    return InvalidArgument(kInvalidIncident, absl::StrCat("description_ref: at most ", kMaxReferenceBytes, " bytes"));
  }
  return absl::OkStatus();
}

absl::Status ValidateQuery(const GateQuery& query) {
  if (!query.addressed_to.empty() && !IsStaffOf(query.addressed_to, query.school_id)) {
    return InvalidArgument(reason::kInvalidField,
                           absl::StrCat("addressed_to: must be a member of staff of the school contacted, \"schools/",
                                        query.school_id, "/staff/{staff}\""));
  }
  return absl::OkStatus();
}

absl::Status ValidateBan(const PremisesBan& ban) {
  if (ban.scope != PremisesBanScope::kSite && ban.scope != PremisesBanScope::kEvents) {
    return InvalidArgument(kInvalidBan, "scope: must be SITE or EVENTS");
  }
  if (Unset(ban.start_time)) return InvalidArgument(kInvalidBan, "start_time: required");
  if (ban.end_time.has_value() && *ban.end_time <= ban.start_time) {
    return InvalidArgument(kInvalidBan, "end_time: must be after start_time");
  }
  if (absl::StripAsciiWhitespace(ban.reason).empty()) {
    return InvalidArgument(kInvalidBan, "reason: required (the ban letter states it)");
  }
  if (ban.reason.size() > kMaxReasonsBytes) {
    return InvalidArgument(kInvalidBan,
                           absl::StrCat("reason: at most ", kMaxReasonsBytes, " bytes, not ", ban.reason.size()));
  }
  return absl::OkStatus();
}

absl::Status ParseClock(std::string_view text, std::string_view field, int* minutes) {
  auto digit = [&](size_t i) { return text[i] >= '0' && text[i] <= '9' ? text[i] - '0' : -1; };
  const bool shaped =
      text.size() == 5 && text[2] == ':' && digit(0) >= 0 && digit(1) >= 0 && digit(3) >= 0 && digit(4) >= 0;
  const int hours = shaped ? digit(0) * 10 + digit(1) : -1;
  const int mins = shaped ? digit(3) * 10 + digit(4) : -1;
  if (!shaped || hours > 24 || mins > 59 || (hours == 24 && mins != 0)) {
    // The value is echoed only when short: it is a clock time, never personal data, but a long
    // value is more likely something pasted into the wrong field.
    const std::string shown = text.size() <= 8 ? absl::StrCat(" \"", Abseil(text), "\"") : "";
    return InvalidArgument(kInvalidClock,
                           absl::StrCat(Abseil(field), ":", shown, " is not a time of day as HH:MM (00:00-24:00)"));
  }
  *minutes = hours * 60 + mins;
  return absl::OkStatus();
}

}  // namespace parley::conduct
