#include "services/reporting/api/convert.h"

#include <algorithm>
#include <string>

#include "absl/strings/str_cat.h"
#include "common/grpc/timestamp.h"

namespace parley::reporting {
namespace {

// A total: never withheld (a school's own totals do not point at a family).
void Total(int64_t value, v1::Count* out) { out->set_value(value); }

// A breakdown's count under the small-count rule. Returns whether it was withheld.
bool Shown(int64_t value, int threshold, v1::Count* out) {
  if (value > 0 && value < threshold) {
    out->set_fewer_than(threshold);
    return true;
  }
  out->set_value(value);
  return false;
}

std::optional<double> Share(int64_t part, int64_t whole) {
  if (whole <= 0) return std::nullopt;
  return static_cast<double>(part) / static_cast<double>(whole);
}

// `threshold` 0: a total, nothing withheld.
void PromiseToProto(const PromiseCounts& p, int threshold, v1::PromiseFigures* out) {
  auto count = [threshold](int64_t v, v1::Count* c) {
    return threshold > 0 ? Shown(v, threshold, c) : (Total(v, c), false);
  };
  const bool received_withheld = count(p.received, out->mutable_received());
  const bool ack_ended_withheld = count(p.acknowledge_ended, out->mutable_acknowledge_clocks_ended());
  const bool ack_met_withheld = count(p.acknowledge_met, out->mutable_acknowledged_in_time());
  const bool answer_ended_withheld = count(p.answer_ended, out->mutable_answer_clocks_ended());
  const bool answer_met_withheld = count(p.answer_met, out->mutable_answered_in_time());
  count(p.breaches, out->mutable_breaches());
  if (!ack_ended_withheld && !ack_met_withheld) {
    if (auto s = Share(p.acknowledge_met, p.acknowledge_ended)) out->set_acknowledged_within_promise(*s);
  }
  if (!answer_ended_withheld && !answer_met_withheld) {
    if (auto s = Share(p.answer_met, p.answer_ended)) out->set_answered_within_promise(*s);
  }
  if (received_withheld) return;
  if (p.median_hours_to_acknowledge) out->set_median_working_hours_to_acknowledge(*p.median_hours_to_acknowledge);
  if (p.p90_hours_to_acknowledge) out->set_p90_working_hours_to_acknowledge(*p.p90_hours_to_acknowledge);
  if (p.median_hours_to_answer) out->set_median_working_hours_to_answer(*p.median_hours_to_answer);
  if (p.p90_hours_to_answer) out->set_p90_working_hours_to_answer(*p.p90_hours_to_answer);
}

std::string Day(absl::CivilDay d) { return absl::FormatCivilTime(d); }

void PeriodToProto(const Period& p, bool closed, v1::Period* out) {
  out->set_name(p.name);
  out->set_display_name(p.display_name);
  out->set_start_date(Day(p.first));
  out->set_end_date(Day(p.last));
  *out->mutable_start_time() = ToTimestamp(p.start_time);
  *out->mutable_end_time() = ToTimestamp(p.end_time);
  out->set_closed(closed);
}

}  // namespace

void ToProto(const BreachList& list, const std::string& school_id, v1::ListBreachesResponse* out) {
  out->set_school(absl::StrCat("schools/", school_id));
  PeriodToProto(list.period, false, out->mutable_period());  // a list is never kept: not "closed"
  for (const BreachItem& b : list.page.items) {
    v1::Breach* item = out->add_breaches();
    item->set_enquiry(b.enquiry);
    item->set_stage(b.stage);
    item->set_channel(b.channel);
    item->set_category(b.category);
    *item->mutable_receive_time() = ToTimestamp(b.received_at);
    if (b.due) *item->mutable_due_time() = ToTimestamp(*b.due);
    *item->mutable_breach_time() = ToTimestamp(b.breached_at);
    if (b.kept_at) *item->mutable_kept_time() = ToTimestamp(*b.kept_at);
    item->set_rung(b.rung);
    item->set_rung_role(b.rung_role);
  }
}

namespace {

void EnquiriesToProto(const SchoolReport& r, v1::EnquiryFigures* out) {
  const EnquiryStats& e = *r.enquiries;
  PromiseToProto(e.all, 0, out->mutable_promise());
  int64_t escalations = 0;
  for (const auto& [rung, count] : e.escalations_by_rung) escalations += count;
  out->set_escalations(escalations);
  out->set_referrals_to_complaints(e.referrals_to_complaints);
  out->set_safeguarding(e.safeguarding_received);
  out->set_safeguarding_taken_up(e.safeguarding_taken_up);
  if (e.median_hours_to_dsl) out->set_median_hours_to_dsl(*e.median_hours_to_dsl);
  if (e.p90_hours_to_dsl) out->set_p90_hours_to_dsl(*e.p90_hours_to_dsl);
  out->set_follow_up_met(e.follow_up_met);
  out->set_follow_up_breached(e.follow_up_breached);
  out->set_follow_up_running(e.follow_up_running);
  if (auto s = Share(e.follow_up_met, e.follow_up_met + e.follow_up_breached)) out->set_followed_up_within_promise(*s);
  if (!r.now_missing) {
    out->set_open_now(e.open_now);
    out->set_overdue_now(e.overdue_now);
  }
}

void ConductToProto(const ConductStats& c, v1::ConductFigures* out) {
  out->set_incidents(c.incidents);
  out->set_arrangements_issued(c.arrangements_issued);
  out->set_arrangements_active(c.arrangements_active);
  out->set_arrangements_past_review(c.arrangements_past_review);
  out->set_tightenings(c.tightenings);
  out->set_bans_started(c.bans_started);
  out->set_bans_active(c.bans_active);
}

void MeetingsToProto(const MeetingStats& m, v1::MeetingFigures* out) {
  out->set_requests(m.requests);
  out->set_answer_clocks(m.answer_clocks);
  out->set_answered_in_time(m.answered_in_time);
  if (auto s = Share(m.answered_in_time, m.answer_clocks)) out->set_answered_within_promise(*s);
  out->set_hold_clocks(m.hold_clocks);
  out->set_held_in_time(m.held_in_time);
  if (auto s = Share(m.held_in_time, m.hold_clocks)) out->set_held_within_promise(*s);
  if (m.median_working_days_to_meeting) out->set_median_working_days_to_meeting(*m.median_working_days_to_meeting);
  out->set_evening_slots_offered(m.evening_slots_offered);
  out->set_evening_slots_booked(m.evening_slots_booked);
  if (auto s = Share(m.evening_slots_booked, m.evening_slots_offered)) out->set_evening_uptake(*s);
  out->set_evening_guardians(m.evening_guardians);
  out->set_no_shows(m.no_shows);
}

void NotificationsToProto(const NotificationStats& n, v1::NotificationFigures* out) {
  out->set_notices(n.all.notices);
  out->set_messages(n.all.messages);
  out->set_sent(n.all.sent);
  out->set_delivered(n.all.delivered);
  out->set_failed(n.all.failed);
  out->set_fallbacks(n.all.fallbacks);
  if (n.all.reach) out->set_reach(*n.all.reach);
  out->set_emergency_messages(n.emergency.messages);
  if (n.emergency.median_seconds_to_send)
    out->set_emergency_median_seconds_to_send(*n.emergency.median_seconds_to_send);
  if (n.emergency.p90_seconds_to_send) out->set_emergency_p90_seconds_to_send(*n.emergency.p90_seconds_to_send);
  out->set_late_event_notices(n.late_event_notices);
}

}  // namespace

Breakdowns BreakdownsOf(const google::protobuf::RepeatedField<int>& group_by) {
  Breakdowns b;
  for (int g : group_by) {
    switch (g) {
      case v1::GROUP_BY_CHANNEL:
        b.channel = true;
        break;
      case v1::GROUP_BY_CATEGORY:
        b.category = true;
        break;
      case v1::GROUP_BY_RUNG:
        b.rung = true;
        break;
      case v1::GROUP_BY_WEEK:
        b.week = true;
        break;
      default:
        break;
    }
  }
  return b;
}

void ToProto(const SchoolReport& r, const Breakdowns& breakdowns, int threshold, v1::SchoolReport* out) {
  out->set_school(absl::StrCat("schools/", r.school.id));
  out->set_display_name(r.school.display_name);
  PeriodToProto(r.period, r.closed, out->mutable_period());
  out->set_pupils(r.school.pupils);
  for (const PromiseText& p : r.school.promises) {
    v1::Promise* promise = out->add_promises();
    promise->set_channel(p.channel);
    promise->set_stage(p.stage);
    promise->set_budget(p.budget);
    promise->set_policy_text(p.policy_text);
  }
  if (r.enquiries) {
    EnquiriesToProto(r, out->mutable_enquiries());
    if (breakdowns.channel) {
      for (const auto& [channel, figures] : r.enquiries->by_channel) {
        v1::ChannelRow* row = out->add_by_channel();
        row->set_channel(channel);
        PromiseToProto(figures, threshold, row->mutable_promise());
      }
    }
    if (breakdowns.category) {
      for (const auto& [category, figures] : r.enquiries->by_category) {
        v1::CategoryRow* row = out->add_by_category();
        row->set_category(category);
        PromiseToProto(figures, threshold, row->mutable_promise());
      }
    }
    if (breakdowns.rung) {
      for (const auto& [rung, count] : r.enquiries->escalations_by_rung) {
        v1::RungRow* row = out->add_by_rung();
        row->set_rung(rung);
        if (auto role = r.school.rung_roles.find(rung); role != r.school.rung_roles.end()) row->set_role(role->second);
        Shown(count, threshold, row->mutable_escalations());
      }
    }
  }
  if (breakdowns.week) {
    for (const WeekStats& week : r.weeks) {
      v1::WeekRow* row = out->add_by_week();
      row->set_week_start(Day(week.monday));
      PromiseToProto(week.promise, threshold, row->mutable_promise());
    }
  }
  if (r.conduct) ConductToProto(*r.conduct, out->mutable_conduct());
  if (r.meetings) MeetingsToProto(*r.meetings, out->mutable_meetings());
  if (r.notifications) {
    NotificationsToProto(*r.notifications, out->mutable_notifications());
    if (breakdowns.channel) {
      for (const auto& [channel, figures] : r.notifications->by_channel) {
        v1::DeliveryChannelRow* row = out->add_by_delivery_channel();
        row->set_channel(channel);
        Shown(figures.messages, threshold, row->mutable_messages());
        Shown(figures.sent, threshold, row->mutable_sent());
        Shown(figures.failed, threshold, row->mutable_failed());
        Shown(figures.fallbacks, threshold, row->mutable_fallbacks());
      }
    }
  }
  for (const MissingFigures& m : r.missing) {
    v1::MissingFigures* missing = out->add_missing();
    missing->set_school(absl::StrCat("schools/", m.school_id));
    missing->set_source(SourceName(m.source));
    missing->set_figures(m.figures);
    missing->set_reason(m.reason);
  }
  if (r.oldest_figure != absl::InfiniteFuture()) *out->mutable_compute_time() = ToTimestamp(r.oldest_figure);
}

void ToProto(const TrustReport& r, const Breakdowns& breakdowns, int threshold, v1::TrustReport* out) {
  out->set_period(r.period_name);
  out->set_small_count_threshold(threshold);
  absl::Time oldest = absl::InfiniteFuture();
  for (const SchoolReport& school : r.schools) {
    ToProto(school, breakdowns, threshold, out->add_schools());
    for (const MissingFigures& m : school.missing) {
      v1::MissingFigures* missing = out->add_missing();
      missing->set_school(absl::StrCat("schools/", m.school_id));
      missing->set_source(SourceName(m.source));
      missing->set_figures(m.figures);
      missing->set_reason(m.reason);
    }
    oldest = std::min(oldest, school.oldest_figure);
  }
  out->set_partial(out->missing_size() > 0);
  if (oldest != absl::InfiniteFuture()) *out->mutable_compute_time() = ToTimestamp(oldest);

  const TrustTotals t = Totals(r);
  v1::TrustTotals* totals = out->mutable_totals();
  totals->set_schools(t.schools);
  totals->set_pupils(t.pupils);
  totals->set_received(t.promise.received);
  totals->set_acknowledge_clocks_ended(t.promise.acknowledge_ended);
  totals->set_acknowledged_in_time(t.promise.acknowledge_met);
  if (auto s = Share(t.promise.acknowledge_met, t.promise.acknowledge_ended))
    totals->set_acknowledged_within_promise(*s);
  totals->set_answer_clocks_ended(t.promise.answer_ended);
  totals->set_answered_in_time(t.promise.answer_met);
  if (auto s = Share(t.promise.answer_met, t.promise.answer_ended)) totals->set_answered_within_promise(*s);
  totals->set_breaches(t.promise.breaches);
  totals->set_escalations(t.escalations);
  totals->set_referrals_to_complaints(t.referrals_to_complaints);
  totals->set_safeguarding(t.safeguarding);
  totals->set_open_now(t.open_now);
  totals->set_overdue_now(t.overdue_now);
  totals->set_incidents(t.incidents);
  totals->set_arrangements_active(t.arrangements_active);
  totals->set_arrangements_past_review(t.arrangements_past_review);
  totals->set_meeting_requests(t.meeting_requests);
  totals->set_evening_slots_offered(t.evening_slots_offered);
  totals->set_evening_slots_booked(t.evening_slots_booked);
  totals->set_notices(t.notices);
  totals->set_messages(t.messages);
  totals->set_fallbacks(t.fallbacks);
}

}  // namespace parley::reporting
