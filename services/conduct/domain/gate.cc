#include "services/conduct/domain/gate.h"

#include <algorithm>
#include <cstdint>
#include <set>
#include <string>
#include <utility>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_join.h"
#include "absl/time/civil_time.h"

namespace parley::conduct {
namespace {

// How far ahead DEFER looks for an instant every arrangement allows before declaring that the
// arrangements' windows never meet. Weekly patterns that meet at all meet within a week; the
// margin covers arrangements that start or end in the meantime.
constexpr int kDeferHorizonWeeks = 8;
constexpr absl::Duration kDeferHorizon = absl::Hours(24 * 7 * kDeferHorizonWeeks);
// Each round moves to a later window start, so the horizon ends the search first; this only
// guards against a bug turning into an endless loop.
constexpr int kMaxDeferRounds = 4096;
// NextWindowStart scans this many local dates from the day before `at`: a weekly pattern repeats
// within 7, and a window lost to a spring-forward gap (see Occurrence) needs one more week.
constexpr int kSearchDays = 16;

bool WellFormed(const TimeWindow& w) {
  const int day = static_cast<int>(w.day);
  return day >= 0 && day <= 6 && w.start_minute >= 0 && w.start_minute < w.end_minute && w.end_minute <= 24 * 60;
}

// School-local date + minute → instant. clock rule 1 (docs/architecture.md#policy-clock-rules): a local time that does
// not exist or occurs twice is read with the offset in force before the transition.
absl::Time LocalToInstant(absl::CivilDay day, int minute, const absl::TimeZone& zone) {
  return zone.At(absl::CivilSecond(day) + int64_t{minute} * 60).pre;
}

struct Interval {
  absl::Time start;
  absl::Time end;  // exclusive
};

// The instants covered by window `w` on local date `day` (which falls on w.day); nullopt when it
// does not happen that night (see gate.h on transition nights).
std::optional<Interval> Occurrence(const TimeWindow& w, absl::CivilDay day, const absl::TimeZone& zone) {
  Interval i{LocalToInstant(day, w.start_minute, zone), LocalToInstant(day, w.end_minute, zone)};
  if (i.end <= i.start) return std::nullopt;
  return i;
}

absl::CivilDay LocalDay(absl::Time t, const absl::TimeZone& zone) {
  return absl::CivilDay(absl::ToCivilSecond(t, zone));
}

absl::string_view Abseil(std::string_view s) { return absl::string_view(s.data(), s.size()); }

// "Tuesday 15:30-16:30, Thursday 09:00-10:00"
std::string WindowsText(const std::vector<TimeWindow>& windows) {
  return absl::StrJoin(windows, ", ",
                       [](std::string* out, const TimeWindow& w) { absl::StrAppend(out, WindowText(w)); });
}

// "Tue 4 Nov 2025 15:30 GMT", in the school's zone.
std::string InstantText(absl::Time t, const absl::TimeZone& zone) {
  static constexpr const char* kMonths[] = {"Jan", "Feb", "Mar", "Apr", "May", "Jun",
                                            "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"};
  const absl::CivilSecond cs = absl::ToCivilSecond(t, zone);
  const std::string_view day = WeekdayName(absl::GetWeekday(absl::CivilDay(cs)));
  return absl::StrFormat("%s %d %s %d %02d:%02d %s", Abseil(day.substr(0, 3)), cs.day(), kMonths[cs.month() - 1],
                         cs.year(), cs.hour(), cs.minute(), zone.At(t).zone_abbr);
}

std::string ChannelsText(const std::vector<Channel>& channels) {
  return absl::StrJoin(channels, ", ",
                       [](std::string* out, Channel c) { absl::StrAppend(out, Abseil(ChannelName(c))); });
}

// "arrangement a-123 v2"; "Arrangement a-123 v2" to open a sentence.
std::string Label(const Arrangement& a, bool opening = false) {
  return absl::StrCat(opening ? "Arrangement " : "arrangement ", a.id, " v", a.version);
}

bool Contains(const std::vector<Channel>& channels, Channel c) {
  return std::find(channels.begin(), channels.end(), c) != channels.end();
}

// Why one arrangement gave its verdict.
enum class Reason { kNone, kChannel, kContact, kTime };

struct Judged {
  const Arrangement* arrangement;
  Outcome outcome;
  Reason reason;
};

// Rule 3: what one arrangement alone says about the query.
Judged Judge(const Arrangement& a, const GateQuery& q, const absl::TimeZone& zone) {
  const ArrangementTerms& terms = a.terms;
  if (!terms.allowed_channels.empty() && !Contains(terms.allowed_channels, q.channel)) {
    return {&a, Outcome::kRedirect, Reason::kChannel};
  }
  // An unaddressed message (to the office) is not a breach: the caller routes it to the point of
  // contact. Only one addressed to somebody else is redirected.
  if (!terms.point_of_contact.empty() && !q.addressed_to.empty() && q.addressed_to != terms.point_of_contact) {
    return {&a, Outcome::kRedirect, Reason::kContact};
  }
  if (!InsideWindows(terms.allowed_windows, zone, q.at)) return {&a, Outcome::kDefer, Reason::kTime};
  return {&a, Outcome::kAllow, Reason::kNone};
}

// The first ban (in the order given) that covers the query: a site ban, or an events ban when the
// contact is at a school event.
const PremisesBan* CoveringBan(const GateQuery& q, const std::vector<const PremisesBan*>& bans) {
  for (const PremisesBan* b : bans) {
    if (b == nullptr || !InForce(*b, q.at)) continue;
    if (b->scope == PremisesBanScope::kSite || (b->scope == PremisesBanScope::kEvents && q.school_event)) return b;
  }
  return nullptr;
}

// Rule 4 for DEFER: the earliest instant >= q.at inside the windows of every arrangement in force
// at that instant. Each round moves to the latest of the arrangements' next openings (an
// arrangement that ends first frees the way at its end); no allowed instant can come earlier, so
// the first instant no arrangement moves is the answer. nullopt when the windows never meet
// within the horizon.
std::optional<absl::Time> JointNextAllowed(const GateQuery& q, const GateInputs& in) {
  absl::Time t = q.at;
  for (int round = 0; round < kMaxDeferRounds; ++round) {
    absl::Time latest = t;
    for (const Arrangement* a : in.arrangements) {
      if (a == nullptr || a->terms.allowed_windows.empty() || !InForce(*a, q.school_id, t)) continue;
      std::optional<absl::Time> open = NextWindowStart(a->terms.allowed_windows, in.zone, t);
      absl::Time unblocked = open.value_or(absl::InfiniteFuture());
      if (a->end_time.has_value()) unblocked = std::min(unblocked, *a->end_time);
      latest = std::max(latest, unblocked);
    }
    if (latest == t) return t;
    if (latest - q.at > kDeferHorizon) return std::nullopt;
    t = latest;
  }
  return std::nullopt;
}

std::string RequirementsClause(const std::vector<MeetingRequirement>& reqs) {
  if (reqs.empty()) return "";
  std::vector<std::string> parts;
  for (MeetingRequirement r : reqs) {
    switch (r) {
      case MeetingRequirement::kSecondStaff:
        parts.push_back("a second member of staff");
        break;
      case MeetingRequirement::kHeadInformed:
        parts.push_back("the head informed");
        break;
      case MeetingRequirement::kOffSiteOnly:
        parts.push_back("to be off site (phone or video)");
        break;
    }
  }
  std::string list;
  for (size_t i = 0; i < parts.size(); ++i) {
    if (i > 0) absl::StrAppend(&list, i + 1 == parts.size() ? " and " : ", ");
    absl::StrAppend(&list, parts[i]);
  }
  return absl::StrCat("; the meeting needs ", list);
}

}  // namespace

bool InsideWindows(const std::vector<TimeWindow>& windows, const absl::TimeZone& zone, absl::Time at) {
  if (windows.empty()) return true;
  const absl::CivilDay today = LocalDay(at, zone);
  // Neighbouring dates too: around a transition an occurrence can reach over local midnight.
  for (absl::CivilDay day = today - 1; day <= today + 1; ++day) {
    const absl::Weekday weekday = absl::GetWeekday(day);
    for (const TimeWindow& w : windows) {
      if (w.day != weekday || !WellFormed(w)) continue;
      std::optional<Interval> i = Occurrence(w, day, zone);
      if (i.has_value() && i->start <= at && at < i->end) return true;
    }
  }
  return false;
}

std::optional<absl::Time> NextWindowStart(const std::vector<TimeWindow>& windows, const absl::TimeZone& zone,
                                          absl::Time at) {
  if (windows.empty()) return std::nullopt;
  const absl::CivilDay today = LocalDay(at, zone);
  std::optional<absl::Time> best;
  for (absl::CivilDay day = today - 1; day < today - 1 + kSearchDays; ++day) {
    const absl::Weekday weekday = absl::GetWeekday(day);
    for (const TimeWindow& w : windows) {
      if (w.day != weekday || !WellFormed(w)) continue;
      std::optional<Interval> i = Occurrence(w, day, zone);
      if (!i.has_value() || i->end <= at) continue;
      const absl::Time candidate = std::max(at, i->start);
      if (!best.has_value() || candidate < *best) best = candidate;
    }
  }
  return best;
}

GateDecision Decide(const GateQuery& query, const GateInputs& inputs) {
  GateDecision d;
  const absl::TimeZone& zone = inputs.zone;

  std::vector<Judged> judged;
  for (const Arrangement* a : inputs.arrangements) {
    if (a == nullptr || !InForce(*a, query.school_id, query.at)) continue;
    judged.push_back(Judge(*a, query, zone));
    d.verdicts.push_back(Verdict{a->school_id, a->id, a->version, judged.back().outcome});
  }

  const PremisesBan* ban = CoveringBan(query, inputs.bans);
  const bool meeting = query.purpose == Purpose::kMeeting;

  // Rule 6 (and 5 for meetings). Safety measures for staff: they hold whatever the outcome, even
  // for safeguarding, which only guarantees that contact happens.
  if (meeting) {
    std::set<MeetingRequirement> reqs;
    for (const Judged& j : judged) {
      const MeetingConditions& m = j.arrangement->terms.meeting;
      if (m.second_staff_required) reqs.insert(MeetingRequirement::kSecondStaff);
      if (m.head_informed) reqs.insert(MeetingRequirement::kHeadInformed);
      if (m.off_site_only) reqs.insert(MeetingRequirement::kOffSiteOnly);
    }
    if (ban != nullptr) {
      reqs.insert(MeetingRequirement::kOffSiteOnly);
      d.premises_ban_school_id = ban->school_id;
      d.premises_ban_id = ban->id;
      d.premises_ban_version = ban->row_version;
    }
    if (inputs.known_difficult) {
      reqs.insert(MeetingRequirement::kSecondStaff);
      reqs.insert(MeetingRequirement::kHeadInformed);
    }
    d.requirements.assign(reqs.begin(), reqs.end());
  }
  const std::string reqs_clause = RequirementsClause(d.requirements);

  // Rule 1.
  if (query.safeguarding) {
    d.outcome = Outcome::kAllow;
    d.explanation =
        judged.empty()
            ? absl::StrCat("Safeguarding bypasses arrangements: contact is allowed", reqs_clause, ".")
            : absl::StrCat("Safeguarding bypasses arrangements: contact is allowed although ", judged.size(),
                           judged.size() == 1 ? " arrangement is" : " arrangements are", " in force", reqs_clause, ".");
    return d;
  }

  // Rule 2.
  if (query.marked_abusive) {
    d.outcome = Outcome::kNoResponseRequired;
    d.explanation = "Staff recorded this message as abusive, so no response is required.";
    return d;
  }

  // Rule 4: the most restrictive verdict; on a tie the first arrangement in the order given.
  const Judged* deciding = nullptr;
  Outcome outcome = Outcome::kAllow;
  for (const Judged& j : judged) {
    if (j.outcome > outcome) {
      outcome = j.outcome;
      deciding = &j;
    }
  }

  // Rule 5 for messages: nobody may bring a message in person onto premises they are banned from.
  const bool ban_redirect = !meeting && query.channel == Channel::kInPerson && ban != nullptr;
  if (ban_redirect) {
    d.premises_ban_school_id = ban->school_id;
    d.premises_ban_id = ban->id;
    d.premises_ban_version = ban->row_version;
    if (outcome < Outcome::kRedirect) {
      outcome = Outcome::kRedirect;
      deciding = nullptr;
    }
  }

  if (deciding != nullptr) {
    d.arrangement_school_id = deciding->arrangement->school_id;
    d.arrangement_id = deciding->arrangement->id;
    d.arrangement_version = deciding->arrangement->version;
  }

  bool never = false;
  if (outcome == Outcome::kDefer) {
    d.next_allowed_time = JointNextAllowed(query, inputs);
    if (!d.next_allowed_time.has_value()) {
      never = true;
      outcome = Outcome::kRedirect;
    }
  }
  d.outcome = outcome;

  if (outcome == Outcome::kRedirect) {
    // Channels every arrangement in force allows (an empty list places no limit).
    std::optional<std::set<Channel>> allowed;
    if (ban_redirect) {
      allowed.emplace();
      for (int c = 1; c <= kMaxChannel; ++c) {
        const Channel channel = static_cast<Channel>(c);
        if (channel != Channel::kInPerson && channel != Channel::kMeetingRequest) allowed->insert(channel);
      }
    }
    for (const Judged& j : judged) {
      const std::vector<Channel>& list = j.arrangement->terms.allowed_channels;
      if (list.empty()) continue;
      if (!allowed.has_value()) {
        allowed.emplace(list.begin(), list.end());
        continue;
      }
      std::set<Channel> both;
      for (Channel c : list) {
        if (allowed->count(c) > 0) both.insert(c);
      }
      *allowed = std::move(both);
    }
    if (allowed.has_value()) d.allowed_channels.assign(allowed->begin(), allowed->end());

    if (deciding != nullptr && !deciding->arrangement->terms.point_of_contact.empty()) {
      d.point_of_contact = deciding->arrangement->terms.point_of_contact;
    } else {
      for (const Judged& j : judged) {
        if (!j.arrangement->terms.point_of_contact.empty()) {
          d.point_of_contact = j.arrangement->terms.point_of_contact;
          break;
        }
      }
    }
  }

  // One sentence, no personal data: ids, versions, channels, windows and times only.
  if (never) {
    std::vector<std::string> labels;
    for (const Judged& j : judged) {
      if (!j.arrangement->terms.allowed_windows.empty()) labels.push_back(Label(*j.arrangement));
    }
    d.explanation = absl::StrCat("The allowed times of ", absl::StrJoin(labels, " and "), " do not meet within ",
                                 kDeferHorizonWeeks, " weeks, so contact is never allowed", reqs_clause, ".");
  } else if (outcome == Outcome::kDefer) {
    const Arrangement& a = *deciding->arrangement;
    int with_windows = 0;
    for (const Judged& j : judged) with_windows += j.arrangement->terms.allowed_windows.empty() ? 0 : 1;
    d.explanation =
        absl::StrCat("Outside the allowed times of ", Label(a), " (", WindowsText(a.terms.allowed_windows),
                     "); the clock starts ", InstantText(*d.next_allowed_time, zone),
                     with_windows > 1 ? ", when every arrangement in force allows contact" : "", reqs_clause, ".");
  } else if (outcome == Outcome::kRedirect && deciding == nullptr) {
    d.explanation =
        absl::StrCat("Premises ban ", ban->id, " is in force, so contact in person is not allowed",
                     d.allowed_channels.empty() ? "" : "; allowed channels: ", ChannelsText(d.allowed_channels), ".");
  } else if (outcome == Outcome::kRedirect && deciding->reason == Reason::kChannel) {
    const Arrangement& a = *deciding->arrangement;
    d.explanation = absl::StrCat(Label(a, /*opening=*/true), " does not allow contact by this channel (",
                                 Abseil(ChannelName(query.channel)), ")",
                                 d.allowed_channels.empty()
                                     ? "; no channel is allowed by every arrangement in force"
                                     : absl::StrCat("; allowed channels: ", ChannelsText(d.allowed_channels)),
                                 reqs_clause, ".");
  } else if (outcome == Outcome::kRedirect) {
    d.explanation = absl::StrCat(Label(*deciding->arrangement, /*opening=*/true),
                                 " names a single point of contact; redirect the contact to them", reqs_clause, ".");
  } else if (judged.empty()) {
    d.explanation =
        absl::StrCat("No communication arrangement is in force for this guardian at this school", reqs_clause, ".");
  } else {
    std::vector<std::string> labels;
    for (const Judged& j : judged) labels.push_back(Label(*j.arrangement));
    d.explanation = judged.size() == 1 ? absl::StrCat("Allowed by ", labels[0], reqs_clause, ".")
                                       : absl::StrCat("Allowed by every arrangement in force (",
                                                      absl::StrJoin(labels, ", "), ")", reqs_clause, ".");
  }
  return d;
}

}  // namespace parley::conduct
