// What the reporting domain reasons about, as plain value types: the figures each source service
// gives for one school over one period, the period itself, and the report assembled from them.
// Proto types stop at api/ and clients/, SQL at store/.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "absl/time/civil_time.h"
#include "absl/time/time.h"

namespace parley::reporting {

// A period resolved in one school's calendar: [start_time, end_time), first..last day inclusive.
struct Period {
  std::string name;          // as asked: "2025-autumn-1"
  std::string display_name;  // as the school names it: "Autumn 2025, first half"
  absl::CivilDay first;
  absl::CivilDay last;
  absl::Time start_time;
  absl::Time end_time;
};

// The sources a report is built from. Contacts is not among them: its directory replica gives
// names, sizes, calendars and policies.
enum class Source { kEscalation, kConduct, kAppointments, kNotifications };
inline constexpr Source kAllSources[] = {Source::kEscalation, Source::kConduct, Source::kAppointments,
                                         Source::kNotifications};
// "escalation", "conduct", "appointments", "notifications".
const char* SourceName(Source source);

// ---- what the sources give ---------------------------------------------------------------------

// How one set of enquiries kept the school's promise (escalation's PromiseFigures).
struct PromiseCounts {
  int64_t received = 0;
  int64_t acknowledge_ended = 0;
  int64_t acknowledge_met = 0;
  int64_t answer_ended = 0;
  int64_t answer_met = 0;
  int64_t breaches = 0;
  // Working hours from the clock's start; unset when no enquiry got there.
  std::optional<double> median_hours_to_acknowledge;
  std::optional<double> p90_hours_to_acknowledge;
  std::optional<double> median_hours_to_answer;
  std::optional<double> p90_hours_to_answer;
};

struct EnquiryStats {
  PromiseCounts all;
  std::vector<std::pair<std::string, PromiseCounts>> by_channel;   // "email", ...
  std::vector<std::pair<std::string, PromiseCounts>> by_category;  // "learning", ...
  std::vector<std::pair<int, int64_t>> escalations_by_rung;        // rung 1 = first step up
  int64_t referrals_to_complaints = 0;
  int64_t follow_up_met = 0;
  int64_t follow_up_breached = 0;
  int64_t follow_up_running = 0;
  // Safeguarding concerns (flagged at intake), those the DSL has taken up, and the elapsed hours
  // from receipt to that.
  int64_t safeguarding_received = 0;
  int64_t safeguarding_taken_up = 0;
  std::optional<double> median_hours_to_dsl;
  std::optional<double> p90_hours_to_dsl;
  int64_t open_now = 0;
  int64_t overdue_now = 0;
};

struct ConductStats {
  int64_t incidents = 0;
  int64_t arrangements_issued = 0;
  int64_t arrangements_active = 0;
  int64_t arrangements_past_review = 0;
  int64_t tightenings = 0;
  int64_t bans_started = 0;
  int64_t bans_active = 0;
};

struct MeetingStats {
  int64_t requests = 0;
  int64_t answer_clocks = 0;
  int64_t answered_in_time = 0;
  int64_t hold_clocks = 0;
  int64_t held_in_time = 0;
  std::optional<double> median_working_days_to_meeting;
  int64_t evening_slots_offered = 0;
  int64_t evening_slots_booked = 0;
  int64_t evening_guardians = 0;
  int64_t no_shows = 0;
};

struct DeliveryCounts {
  int64_t notices = 0;
  int64_t messages = 0;
  int64_t sent = 0;
  int64_t delivered = 0;
  int64_t failed = 0;
  int64_t fallbacks = 0;
  std::optional<double> reach;
  std::optional<double> median_seconds_to_send;
  std::optional<double> p90_seconds_to_send;
};

struct NotificationStats {
  DeliveryCounts all;
  DeliveryCounts emergency;
  std::vector<std::pair<std::string, DeliveryCounts>> by_channel;  // "email", "sms", "app", "letter"
  int64_t late_event_notices = 0;
};

// One source's answer for one (school, [start, end)), as cached: when it was computed and by which
// release of the source.
template <typename Stats>
struct Fetched {
  Stats stats;
  absl::Time computed_at;
  std::string version;
};

// ---- the matters behind a figure ---------------------------------------------------------------

// One clock of one enquiry that fell due unkept (escalation's Breach), by the enquiry's name only.
struct BreachItem {
  std::string enquiry;  // "schools/{school}/enquiries/{id}"
  std::string stage;    // "acknowledge", "respond", "follow_up"
  std::string channel;  // "email", ...
  std::string category;
  absl::Time received_at;
  std::optional<absl::Time> due;
  absl::Time breached_at;
  std::optional<absl::Time> kept_at;
  int rung = 0;
  std::string rung_role;
};

// A page of them as the source gave it; `next_token` is the source's own (empty: the last page).
struct BreachItems {
  std::vector<BreachItem> items;
  std::string next_token;
};

// ---- the directory's part ----------------------------------------------------------------------

// The school's published promise for one channel and stage, as text for the report.
struct PromiseText {
  std::string channel;  // "email"
  std::string stage;    // "acknowledge"
  std::string budget;   // "2 working days"
  std::string policy_text;
};

struct SchoolInfo {
  std::string id;
  std::string display_name;
  std::string time_zone;  // IANA; never empty
  int64_t pupils = 0;
  // Terms, each with its half-term closure if the school has one inside it.
  struct Term {
    absl::CivilDay first;
    absl::CivilDay last;
    std::string display_name;  // "Autumn 2025"
    std::optional<std::pair<absl::CivilDay, absl::CivilDay>> half_term;
  };
  std::vector<Term> terms;
  std::vector<PromiseText> promises;
  // Rung index (as escalation counts them: 1 is the first step up from the owner) -> who holds it,
  // from the ladder most of the routing matrix uses ("Phase leader").
  std::map<int, std::string> rung_roles;
};

// ---- the report --------------------------------------------------------------------------------

struct MissingFigures {
  std::string school_id;
  Source source = Source::kEscalation;
  std::string figures;  // "enquiries", "weekly trend", "conduct", "meetings", "notifications"
  std::string reason;   // short words, no personal data
};

struct WeekStats {
  absl::CivilDay monday;
  PromiseCounts promise;
};

struct SchoolReport {
  SchoolInfo school;
  Period period;
  bool closed = false;
  std::optional<EnquiryStats> enquiries;
  std::optional<ConductStats> conduct;
  std::optional<MeetingStats> meetings;
  std::optional<NotificationStats> notifications;
  std::vector<WeekStats> weeks;  // when asked for, and every week answered
  std::vector<MissingFigures> missing;
  // The period's figures are kept, but nobody could say what is open and overdue now.
  bool now_missing = false;
  absl::Time oldest_figure = absl::InfiniteFuture();
  std::map<std::string, std::string> versions;  // source name -> release that computed its figures
};

// Breakdowns a report carries besides the totals.
struct Breakdowns {
  bool channel = false;
  bool category = false;
  bool rung = false;
  bool week = false;
};

struct TrustReport {
  std::string period_name;
  std::vector<SchoolReport> schools;
};

}  // namespace parley::reporting
