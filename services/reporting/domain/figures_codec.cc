#include "services/reporting/domain/figures_codec.h"

#include <optional>
#include <utility>
#include <vector>

#include "common/status/reason.h"
#include "nlohmann/json.hpp"

namespace parley::reporting {
namespace {

using nlohmann::json;

json Optional(const std::optional<double>& v) { return v ? json(*v) : json(nullptr); }
std::optional<double> OptionalFrom(const json& j, const char* key) {
  auto it = j.find(key);
  if (it == j.end() || it->is_null()) return std::nullopt;
  return it->get<double>();
}
int64_t IntFrom(const json& j, const char* key) {
  auto it = j.find(key);
  return it == j.end() ? 0 : it->get<int64_t>();
}

json ToJson(const PromiseCounts& p) {
  return {{"received", p.received},
          {"acknowledge_ended", p.acknowledge_ended},
          {"acknowledge_met", p.acknowledge_met},
          {"answer_ended", p.answer_ended},
          {"answer_met", p.answer_met},
          {"breaches", p.breaches},
          {"median_hours_to_acknowledge", Optional(p.median_hours_to_acknowledge)},
          {"p90_hours_to_acknowledge", Optional(p.p90_hours_to_acknowledge)},
          {"median_hours_to_answer", Optional(p.median_hours_to_answer)},
          {"p90_hours_to_answer", Optional(p.p90_hours_to_answer)}};
}
PromiseCounts PromiseFrom(const json& j) {
  PromiseCounts p;
  p.received = IntFrom(j, "received");
  p.acknowledge_ended = IntFrom(j, "acknowledge_ended");
  p.acknowledge_met = IntFrom(j, "acknowledge_met");
  p.answer_ended = IntFrom(j, "answer_ended");
  p.answer_met = IntFrom(j, "answer_met");
  p.breaches = IntFrom(j, "breaches");
  p.median_hours_to_acknowledge = OptionalFrom(j, "median_hours_to_acknowledge");
  p.p90_hours_to_acknowledge = OptionalFrom(j, "p90_hours_to_acknowledge");
  p.median_hours_to_answer = OptionalFrom(j, "median_hours_to_answer");
  p.p90_hours_to_answer = OptionalFrom(j, "p90_hours_to_answer");
  return p;
}

json ToJson(const DeliveryCounts& d) {
  return {{"notices", d.notices},
          {"messages", d.messages},
          {"sent", d.sent},
          {"delivered", d.delivered},
          {"failed", d.failed},
          {"fallbacks", d.fallbacks},
          {"reach", Optional(d.reach)},
          {"median_seconds_to_send", Optional(d.median_seconds_to_send)},
          {"p90_seconds_to_send", Optional(d.p90_seconds_to_send)}};
}
DeliveryCounts DeliveryFrom(const json& j) {
  DeliveryCounts d;
  d.notices = IntFrom(j, "notices");
  d.messages = IntFrom(j, "messages");
  d.sent = IntFrom(j, "sent");
  d.delivered = IntFrom(j, "delivered");
  d.failed = IntFrom(j, "failed");
  d.fallbacks = IntFrom(j, "fallbacks");
  d.reach = OptionalFrom(j, "reach");
  d.median_seconds_to_send = OptionalFrom(j, "median_seconds_to_send");
  d.p90_seconds_to_send = OptionalFrom(j, "p90_seconds_to_send");
  return d;
}

// Named rows as [[name, figures], ...] so their order survives.
template <typename T, typename F>
json Rows(const std::vector<std::pair<std::string, T>>& rows, F to_json) {
  json out = json::array();
  for (const auto& [name, figures] : rows) out.push_back(json::array({name, to_json(figures)}));
  return out;
}
template <typename T, typename F>
std::vector<std::pair<std::string, T>> RowsFrom(const json& j, const char* key, F from_json) {
  std::vector<std::pair<std::string, T>> out;
  auto it = j.find(key);
  if (it == j.end()) return out;
  for (const json& row : *it) out.emplace_back(row.at(0).get<std::string>(), from_json(row.at(1)));
  return out;
}

// Parses and fills; any type or shape error is the cache's corruption, not the caller's.
template <typename Fill>
absl::Status Decode(const std::string& text, Fill fill) {
  try {
    json j = json::parse(text);
    if (!j.is_object()) return Internal(reason::kCacheCorrupt, "cached figures are not a JSON object");
    fill(j);
    return absl::OkStatus();
  } catch (const json::exception& e) {
    return Internal(reason::kCacheCorrupt, std::string("cached figures do not decode: ") + e.what());
  }
}

}  // namespace

std::string EncodeFigures(const EnquiryStats& s) {
  json rungs = json::array();
  for (const auto& [rung, count] : s.escalations_by_rung) rungs.push_back(json::array({rung, count}));
  json j = {{"all", ToJson(s.all)},
            {"by_channel", Rows(s.by_channel, [](const PromiseCounts& p) { return ToJson(p); })},
            {"by_category", Rows(s.by_category, [](const PromiseCounts& p) { return ToJson(p); })},
            {"escalations_by_rung", rungs},
            {"referrals_to_complaints", s.referrals_to_complaints},
            {"follow_up_met", s.follow_up_met},
            {"follow_up_breached", s.follow_up_breached},
            {"follow_up_running", s.follow_up_running},
            {"safeguarding_received", s.safeguarding_received},
            {"safeguarding_taken_up", s.safeguarding_taken_up},
            {"median_hours_to_dsl", Optional(s.median_hours_to_dsl)},
            {"p90_hours_to_dsl", Optional(s.p90_hours_to_dsl)},
            {"open_now", s.open_now},
            {"overdue_now", s.overdue_now}};
  return j.dump();
}

absl::Status DecodeFigures(const std::string& text, EnquiryStats& out) {
  return Decode(text, [&out](const json& j) {
    EnquiryStats s;
    s.all = PromiseFrom(j.at("all"));
    s.by_channel = RowsFrom<PromiseCounts>(j, "by_channel", PromiseFrom);
    s.by_category = RowsFrom<PromiseCounts>(j, "by_category", PromiseFrom);
    if (auto it = j.find("escalations_by_rung"); it != j.end()) {
      for (const json& row : *it) s.escalations_by_rung.emplace_back(row.at(0).get<int>(), row.at(1).get<int64_t>());
    }
    s.referrals_to_complaints = IntFrom(j, "referrals_to_complaints");
    s.follow_up_met = IntFrom(j, "follow_up_met");
    s.follow_up_breached = IntFrom(j, "follow_up_breached");
    s.follow_up_running = IntFrom(j, "follow_up_running");
    s.safeguarding_received = IntFrom(j, "safeguarding_received");
    s.safeguarding_taken_up = IntFrom(j, "safeguarding_taken_up");
    s.median_hours_to_dsl = OptionalFrom(j, "median_hours_to_dsl");
    s.p90_hours_to_dsl = OptionalFrom(j, "p90_hours_to_dsl");
    s.open_now = IntFrom(j, "open_now");
    s.overdue_now = IntFrom(j, "overdue_now");
    out = std::move(s);
  });
}

std::string EncodeFigures(const ConductStats& s) {
  json j = {{"incidents", s.incidents},
            {"arrangements_issued", s.arrangements_issued},
            {"arrangements_active", s.arrangements_active},
            {"arrangements_past_review", s.arrangements_past_review},
            {"tightenings", s.tightenings},
            {"bans_started", s.bans_started},
            {"bans_active", s.bans_active}};
  return j.dump();
}

absl::Status DecodeFigures(const std::string& text, ConductStats& out) {
  return Decode(text, [&out](const json& j) {
    ConductStats s;
    s.incidents = IntFrom(j, "incidents");
    s.arrangements_issued = IntFrom(j, "arrangements_issued");
    s.arrangements_active = IntFrom(j, "arrangements_active");
    s.arrangements_past_review = IntFrom(j, "arrangements_past_review");
    s.tightenings = IntFrom(j, "tightenings");
    s.bans_started = IntFrom(j, "bans_started");
    s.bans_active = IntFrom(j, "bans_active");
    out = s;
  });
}

std::string EncodeFigures(const MeetingStats& s) {
  json j = {{"requests", s.requests},
            {"answer_clocks", s.answer_clocks},
            {"answered_in_time", s.answered_in_time},
            {"hold_clocks", s.hold_clocks},
            {"held_in_time", s.held_in_time},
            {"median_working_days_to_meeting", Optional(s.median_working_days_to_meeting)},
            {"evening_slots_offered", s.evening_slots_offered},
            {"evening_slots_booked", s.evening_slots_booked},
            {"evening_guardians", s.evening_guardians},
            {"no_shows", s.no_shows}};
  return j.dump();
}

absl::Status DecodeFigures(const std::string& text, MeetingStats& out) {
  return Decode(text, [&out](const json& j) {
    MeetingStats s;
    s.requests = IntFrom(j, "requests");
    s.answer_clocks = IntFrom(j, "answer_clocks");
    s.answered_in_time = IntFrom(j, "answered_in_time");
    s.hold_clocks = IntFrom(j, "hold_clocks");
    s.held_in_time = IntFrom(j, "held_in_time");
    s.median_working_days_to_meeting = OptionalFrom(j, "median_working_days_to_meeting");
    s.evening_slots_offered = IntFrom(j, "evening_slots_offered");
    s.evening_slots_booked = IntFrom(j, "evening_slots_booked");
    s.evening_guardians = IntFrom(j, "evening_guardians");
    s.no_shows = IntFrom(j, "no_shows");
    out = s;
  });
}

std::string EncodeFigures(const NotificationStats& s) {
  json j = {{"all", ToJson(s.all)},
            {"emergency", ToJson(s.emergency)},
            {"by_channel", Rows(s.by_channel, [](const DeliveryCounts& d) { return ToJson(d); })},
            {"late_event_notices", s.late_event_notices}};
  return j.dump();
}

absl::Status DecodeFigures(const std::string& text, NotificationStats& out) {
  return Decode(text, [&out](const json& j) {
    NotificationStats s;
    s.all = DeliveryFrom(j.at("all"));
    if (auto it = j.find("emergency"); it != j.end()) s.emergency = DeliveryFrom(*it);
    s.by_channel = RowsFrom<DeliveryCounts>(j, "by_channel", DeliveryFrom);
    s.late_event_notices = IntFrom(j, "late_event_notices");
    out = std::move(s);
  });
}

}  // namespace parley::reporting
