// The communication gate (docs/architecture.md#the-conduct-gate): given a guardian, the school being contacted, a
// channel, an instant and a purpose, decide ALLOW / DEFER / REDIRECT / NO_RESPONSE_REQUIRED and, for meetings, the
// extra requirements. Pure: the caller supplies everything (from its in-memory snapshot), so the gate is fast and
// testable with any clock.
//
// Rules, in order:
//  1. Safeguarding always ALLOWs: never held, redirected or suppressed. Verdicts still list what
//     each arrangement would have said, for audit; no arrangement is named as deciding.
//  2. A message staff marked abusive needs no response (NO_RESPONSE_REQUIRED).
//  3. Each arrangement in force (InForce at the query's instant for the school contacted) gives a
//     verdict: REDIRECT when the channel is not allowed, or the message is addressed to someone
//     other than the single point of contact (an unaddressed one is not: the caller routes it to
//     them); DEFER when the instant is outside every allowed window (school-local time of the
//     school contacted); ALLOW otherwise.
//  4. The most restrictive verdict wins; its arrangement is named, and on a tie the first in
//     `GateInputs::arrangements` order. A DEFER's next allowed time is the earliest instant inside
//     the windows of every arrangement in force then (an arrangement that ends first stops
//     constraining at its end; one that starts before then constrains too; only windows are
//     looked at). When no such instant exists within 8 weeks the windows never meet: the outcome
//     is REDIRECT. REDIRECT guidance: the channels every arrangement in force allows (sorted; an
//     arrangement without a list does not narrow it) and the point of contact of the deciding
//     arrangement, else of the first in force that has one.
//  5. Premises bans: an IN_PERSON inbound message while a site ban is in force (or an events ban,
//     for a school event) is REDIRECTed, naming the ban, to every channel but IN_PERSON and
//     MEETING_REQUEST that the arrangements allow; a meeting while such a ban is in force requires
//     OFF_SITE_ONLY and names the ban.
//  6. Meetings (the channel is how the meeting is held): arrangement meeting conditions add
//     SECOND_STAFF / HEAD_INFORMED / OFF_SITE_ONLY; a guardian with a recent incident
//     (known_difficult) gets SECOND_STAFF and HEAD_INFORMED (Woodgrange's difficult-meeting
//     rules). Requirements protect staff, so they are listed whatever the outcome, safeguarding
//     included; inbound messages get none.
#pragma once

#include <optional>
#include <vector>

#include "absl/time/time.h"
#include "services/conduct/domain/model.h"

namespace parley::conduct {

struct GateInputs {
  // The zone of the school being contacted: windows are read in it.
  absl::TimeZone zone;
  // The guardian's arrangements, any state: the gate keeps those in force.
  std::vector<const Arrangement*> arrangements;
  // The guardian's bans at the school being contacted, any state.
  std::vector<const PremisesBan*> bans;
  // The guardian has a recent incident at this school.
  bool known_difficult = false;
};

GateDecision Decide(const GateQuery& query, const GateInputs& inputs);

// A window's occurrence on a date is the instants from its local start to its local end, both read
// with clock rule 1 (docs/architecture.md#policy-clock-rules) (the offset in force before a transition). On ordinary
// days that is "the local clock shows start <= time < end". On the autumn night a window starting in the repeated hour
// opens at the first pass and stays open until its end; one wholly inside that hour happens once. On the spring night a
// start in the gap opens where rule 1 puts it (01:30 → 01:30 GMT, shown as 02:30 BST); a window whose start so resolves
// at or after its end does not happen that night.

// Whether `at` falls inside an occurrence of one of the windows, read in `zone`. An empty list
// allows any time.
bool InsideWindows(const std::vector<TimeWindow>& windows, const absl::TimeZone& zone, absl::Time at);

// The first instant >= `at` inside one of the windows (`at` itself when inside); nullopt when the
// list is empty. A local start time that does not exist or occurs twice is read with the offset in
// force before the transition (clock rule 1 (docs/architecture.md#policy-clock-rules)).
std::optional<absl::Time> NextWindowStart(const std::vector<TimeWindow>& windows, const absl::TimeZone& zone,
                                          absl::Time at);

}  // namespace parley::conduct
