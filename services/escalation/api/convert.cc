#include "services/escalation/api/convert.h"

#include <algorithm>

#include "absl/strings/str_cat.h"
#include "common/grpc/api_edge.h"
#include "common/grpc/timestamp.h"
#include "common/status/reason.h"
#include "common/status/status_macros.h"

namespace parley::escalation {
namespace {

constexpr size_t kMaxRefChars = 500;
constexpr size_t kMaxCategoryChars = 64;

// UTF-8 characters: every byte that does not continue a sequence starts one (the proto runtime
// has already refused strings that are not UTF-8).
size_t Chars(const std::string& s) {
  return static_cast<size_t>(
      std::count_if(s.begin(), s.end(), [](char c) { return (static_cast<unsigned char>(c) & 0xC0) != 0x80; }));
}

absl::Status TooLong(const char* field, size_t max) {
  return InvalidArgument("INVALID_FIELD", absl::StrCat(field, " must be at most ", max, " characters"));
}

// Matrix categories are short lower-case words ("learning", "send", "home_school").
bool ValidCategory(const std::string& c) {
  if (c.empty() || c.size() > kMaxCategoryChars) return false;
  return std::all_of(c.begin(), c.end(), [](char ch) {
    return (ch >= 'a' && ch <= 'z') || (ch >= '0' && ch <= '9') || ch == '_' || ch == '-';
  });
}

v1::Clock ClockOf(Stage stage, absl::Time start, const std::optional<absl::Time>& due, ClockStatus status,
                  const std::string& calendar_version, const std::string& policy_version,
                  const std::string& explanation) {
  v1::Clock out;
  out.set_stage(static_cast<v1::Stage>(stage));
  *out.mutable_start_time() = ToTimestamp(start);
  if (due) *out.mutable_due_time() = ToTimestamp(*due);
  out.set_state(static_cast<v1::ClockState>(status));
  out.set_calendar_version(calendar_version);
  out.set_policy_version(policy_version);
  out.set_explanation(explanation);
  return out;
}

v1::Clock ToProto(const ClockView& c) {
  return ClockOf(c.stage, c.clock_start, c.due, c.status, c.calendar_version, c.policy_version, c.explanation);
}

// A clock as an event set it: running towards its due, or held by a pause.
v1::Clock ToProto(const ClockSnapshot& s) {
  return ClockOf(s.stage, s.clock_start, s.due, s.due ? ClockStatus::kPending : ClockStatus::kPaused,
                 s.calendar_version, s.policy_version, s.explanation);
}

// Only the due and state of a projected clock are stored.
void SetProjectedClock(Stage stage, const std::optional<absl::Time>& due, const std::optional<ClockStatus>& status,
                       v1::Clock* out) {
  out->set_stage(static_cast<v1::Stage>(stage));
  if (due) *out->mutable_due_time() = ToTimestamp(*due);
  out->set_state(static_cast<v1::ClockState>(*status));
}

// What arrived, the same in every rendering.
v1::Enquiry Arrived(const EnquiryRecord& record) {
  const Enquiry& e = record.enquiry;
  v1::Enquiry out;
  out.set_name(EnquiryName(e.school_id, e.id));
  out.set_pupil(e.pupil);
  out.set_guardian(e.guardian);
  out.set_sender_description(record.sender_description);
  out.set_channel(static_cast<v1::Channel>(e.channel));
  out.set_category(e.category);
  out.set_teaching_subject(e.teaching_subject);
  out.set_addressed_to(e.addressed_to);
  out.set_guardian_not_told(e.guardian_not_told);
  *out.mutable_receive_time() = ToTimestamp(e.received_at);
  out.set_subject(record.subject);
  out.set_body_ref(e.body_ref);
  out.set_safeguarding(e.safeguarding);
  out.set_urgent(e.urgent);
  out.set_etag(EtagOf(record.row_version));
  *out.mutable_create_time() = ToTimestamp(record.create_time);
  *out.mutable_update_time() = ToTimestamp(record.update_time);
  return out;
}

}  // namespace

std::string EnquiryName(const std::string& school_id, const std::string& id) {
  return absl::StrCat("schools/", school_id, "/enquiries/", id);
}

absl::StatusOr<std::pair<std::string, std::string>> ParseEnquiryName(const std::string& name, const char* field) {
  return api::ParseSchoolChild(name, "enquiries", field);
}

absl::Status CheckStaffOf(const std::string& name, const std::string& school_id, const char* field) {
  PARLEY_ASSIGN_OR_RETURN(auto staff, api::ParseSchoolChild(name, "staff", field));
  if (staff.first != school_id) {
    return InvalidArgument("INVALID_FIELD", absl::StrCat(field, " must be a member of staff of schools/", school_id));
  }
  return absl::OkStatus();
}

absl::Status CheckReason(const std::string& reason, const char* field) {
  if (reason.empty()) return InvalidArgument("INVALID_FIELD", absl::StrCat(field, " is required"));
  if (Chars(reason) > kMaxTextChars) return TooLong(field, kMaxTextChars);
  return absl::OkStatus();
}

absl::Status CheckPromiseReason(bool has_promised_time, const std::string& promise_reason) {
  if (!has_promised_time && !promise_reason.empty()) {
    return InvalidArgument("INVALID_FIELD", "promise_reason is only given with a promised_time");
  }
  return absl::OkStatus();
}

absl::StatusOr<std::optional<EnquiryState>> StateFilterFrom(v1::EnquiryState state, const char* field) {
  if (state == v1::ENQUIRY_STATE_UNSPECIFIED) return std::optional<EnquiryState>();
  if (state < v1::ENQUIRY_STATE_OPEN || state > v1::ENQUIRY_STATE_NO_RESPONSE_REQUIRED) {
    return InvalidArgument("INVALID_FIELD", absl::StrCat(field, " is not a known state"));
  }
  return std::optional<EnquiryState>(static_cast<EnquiryState>(state));
}

absl::StatusOr<EnquiryRecord> DraftFrom(const v1::Enquiry& in, const std::string& school_id) {
  EnquiryRecord r;
  Enquiry& e = r.enquiry;
  e.school_id = school_id;
  if (!in.pupil().empty())
    PARLEY_RETURN_IF_ERROR(api::ParseSchoolChild(in.pupil(), "pupils", "enquiry.pupil").status());
  e.pupil = in.pupil();
  if (!in.guardian().empty()) PARLEY_RETURN_IF_ERROR(api::CheckGuardianName(in.guardian(), "enquiry.guardian"));
  e.guardian = in.guardian();
  if (Chars(in.sender_description()) > kMaxTextChars) return TooLong("enquiry.sender_description", kMaxTextChars);
  r.sender_description = in.sender_description();
  if (in.channel() < v1::CHANNEL_EMAIL || in.channel() > v1::CHANNEL_IN_PERSON) {
    return InvalidArgument("INVALID_FIELD", "enquiry.channel is required");
  }
  e.channel = static_cast<Channel>(in.channel());
  if (in.category().empty()) return InvalidArgument("INVALID_FIELD", "enquiry.category is required");
  if (!ValidCategory(in.category())) {
    return InvalidArgument("INVALID_FIELD", "enquiry.category must be a category of the school's routing matrix");
  }
  e.category = in.category();
  if (!in.teaching_subject().empty() && !ValidCategory(in.teaching_subject())) {
    return InvalidArgument("INVALID_FIELD",
                           "enquiry.teaching_subject must be a subject as the school names it (\"maths\"), lower case");
  }
  e.teaching_subject = in.teaching_subject();
  if (!in.has_receive_time()) return InvalidArgument("INVALID_FIELD", "enquiry.receive_time is required");
  e.received_at = FromTimestamp(in.receive_time());
  if (in.subject().empty()) return InvalidArgument("INVALID_FIELD", "enquiry.subject is required");
  if (Chars(in.subject()) > kMaxTextChars) return TooLong("enquiry.subject", kMaxTextChars);
  r.subject = in.subject();
  if (Chars(in.body_ref()) > kMaxRefChars) return TooLong("enquiry.body_ref", kMaxRefChars);
  e.body_ref = in.body_ref();
  e.safeguarding = in.safeguarding();
  e.urgent = in.urgent();
  if (!in.addressed_to().empty()) {
    PARLEY_RETURN_IF_ERROR(CheckStaffOf(in.addressed_to(), school_id, "enquiry.addressed_to"));
  }
  e.addressed_to = in.addressed_to();
  return r;
}

v1::Enquiry ToProto(const EnquiryRecord& record, const EnquiryView& view) {
  v1::Enquiry out = Arrived(record);
  out.set_state(static_cast<v1::EnquiryState>(view.state));
  out.set_owner(view.owner);
  out.set_rung(view.rung);
  out.set_rung_role(view.owner_role);
  out.set_cycle(view.cycle);
  if (view.acknowledge) *out.mutable_acknowledge() = ToProto(*view.acknowledge);
  if (view.respond) *out.mutable_respond() = ToProto(*view.respond);
  if (view.follow_up) *out.mutable_follow_up() = ToProto(*view.follow_up);
  out.set_gate_decision(view.gate_decision);
  if (view.gate) out.set_gate_outcome(GateOutcomeWord(*view.gate));
  if (view.promised_at) *out.mutable_promised_time() = ToTimestamp(*view.promised_at);
  out.set_promise_reason(view.promise_reason);
  return out;
}

v1::Enquiry ToProto(const EnquiryRecord& record) {
  v1::Enquiry out = Arrived(record);
  out.set_state(static_cast<v1::EnquiryState>(record.state));
  out.set_owner(record.owner);
  out.set_rung(record.rung);
  out.set_rung_role(record.owner_role);
  out.set_cycle(record.cycle);
  if (record.ack_status) {
    SetProjectedClock(Stage::kAcknowledge, record.ack_due, record.ack_status, out.mutable_acknowledge());
  }
  if (record.respond_status) {
    SetProjectedClock(Stage::kRespond, record.respond_due, record.respond_status, out.mutable_respond());
  }
  if (record.follow_up_status) {
    SetProjectedClock(Stage::kFollowUp, record.follow_up_due, record.follow_up_status, out.mutable_follow_up());
  }
  return out;
}

v1::EnquiryEvent ToProto(const Event& event, const std::string& school_id, const std::string& id) {
  v1::EnquiryEvent out;
  out.set_name(absl::StrCat(EnquiryName(school_id, id), "/events/", event.seq));
  out.set_kind(static_cast<v1::EnquiryEventKind>(event.kind));
  *out.mutable_time() = ToTimestamp(event.at);
  out.set_actor(event.actor);
  out.set_owner(event.owner);
  out.set_rung(event.rung);
  out.set_reason(event.reason);
  if (event.promised_at) *out.mutable_promised_time() = ToTimestamp(*event.promised_at);
  out.set_progress(event.progress);
  if (event.addressing) out.set_addressing(static_cast<v1::Addressing>(*event.addressing));
  // One clock per event: routing sets both, and the acknowledgement is the first promise made.
  if (event.acknowledge) {
    *out.mutable_clock() = ToProto(*event.acknowledge);
  } else if (event.respond) {
    *out.mutable_clock() = ToProto(*event.respond);
  }
  if (event.follow_up) *out.mutable_follow_up() = ToProto(*event.follow_up);
  if (event.kind == EventKind::kGated && event.gate && out.reason().empty()) {
    out.set_reason(GateOutcomeWord(*event.gate));
  }
  if (event.kind == EventKind::kBreached && event.stage) {
    if (out.reason().empty()) out.set_reason(StageWord(*event.stage));
    v1::Clock* clock = out.mutable_clock();
    clock->set_stage(static_cast<v1::Stage>(*event.stage));
    if (event.breached_due) *clock->mutable_due_time() = ToTimestamp(*event.breached_due);
    clock->set_state(v1::CLOCK_STATE_BREACHED);
  }
  return out;
}

namespace {

void StaffOnlyClockFields(v1::Clock* clock) {
  clock->clear_calendar_version();
  clock->clear_policy_version();
  clock->clear_explanation();
}

}  // namespace

void ForGuardian(const EnquiryRecord& record, v1::Enquiry* out) {
  out->clear_body_ref();
  out->clear_sender_description();
  out->clear_safeguarding();
  out->clear_guardian_not_told();
  out->clear_gate_decision();
  out->clear_gate_outcome();
  out->clear_promise_reason();  // typed by staff
  if (record.enquiry.safeguarding) {
    out->clear_owner();
    out->clear_rung();
    out->clear_rung_role();
    out->clear_cycle();
    out->clear_acknowledge();
    out->clear_respond();
    out->clear_follow_up();
    return;
  }
  if (out->has_acknowledge()) StaffOnlyClockFields(out->mutable_acknowledge());
  if (out->has_respond()) StaffOnlyClockFields(out->mutable_respond());
  if (out->has_follow_up()) StaffOnlyClockFields(out->mutable_follow_up());
}

bool ShownToGuardian(const EnquiryRecord& record, const Event& event) {
  if (record.enquiry.safeguarding) return event.kind == EventKind::kReceived;
  return event.kind != EventKind::kGated && event.kind != EventKind::kMarkedAbusive;
}

void ForGuardian(const std::string& guardian, v1::EnquiryEvent* out) {
  if (out->actor() != guardian) out->clear_actor();
  // Breaches carry the stage the service wrote and a channel redirection the route's own words (what
  // the school publishes); every other reason was typed by staff.
  if (out->kind() != v1::ENQUIRY_EVENT_KIND_BREACHED && out->kind() != v1::ENQUIRY_EVENT_KIND_CHANNEL_REDIRECTED) {
    out->clear_reason();
  }
  // Whether the person they named is away or has left is the staff's business.
  out->clear_addressing();
  if (out->has_clock()) StaffOnlyClockFields(out->mutable_clock());
  if (out->has_follow_up()) StaffOnlyClockFields(out->mutable_follow_up());
}

namespace {

void DurationToProto(absl::Duration d, google::protobuf::Duration* out) {
  const int64_t micros = absl::ToInt64Microseconds(d);
  out->set_seconds(micros / 1000000);
  out->set_nanos(static_cast<int32_t>(micros % 1000000) * 1000);
}

}  // namespace

v1::SafeguardingFigures ToProto(const SafeguardingFigures& f) {
  v1::SafeguardingFigures out;
  out.set_received(f.received);
  out.set_taken_up(f.taken_up);
  if (f.median_to_take_up) DurationToProto(*f.median_to_take_up, out.mutable_median_to_take_up());
  if (f.p90_to_take_up) DurationToProto(*f.p90_to_take_up, out.mutable_p90_to_take_up());
  return out;
}

v1::Breach ToProto(const BreachRecord& b, const std::string& school_id) {
  v1::Breach out;
  out.set_enquiry(EnquiryName(school_id, b.enquiry_id));
  out.set_stage(static_cast<v1::Stage>(b.stage));
  out.set_channel(static_cast<v1::Channel>(b.channel));
  out.set_category(b.category);
  *out.mutable_receive_time() = ToTimestamp(b.received_at);
  if (b.due) *out.mutable_due_time() = ToTimestamp(*b.due);
  *out.mutable_breach_time() = ToTimestamp(b.breached_at);
  if (b.kept_at) *out.mutable_kept_time() = ToTimestamp(*b.kept_at);
  out.set_rung(b.rung);
  out.set_rung_role(b.rung_role);
  return out;
}

v1::PromiseFigures ToProto(const PromiseFigures& f) {
  auto share = [](int64_t met, int64_t ended) {
    return ended > 0 ? static_cast<double>(met) / static_cast<double>(ended) : 0.0;
  };
  const auto duration = DurationToProto;
  v1::PromiseFigures out;
  out.set_received(f.received);
  out.set_acknowledged_within_promise(share(f.acknowledge_met, f.acknowledge_ended));
  out.set_answered_within_promise(share(f.respond_met, f.respond_ended));
  if (f.median_to_acknowledge) duration(*f.median_to_acknowledge, out.mutable_median_to_acknowledge());
  if (f.median_to_answer) duration(*f.median_to_answer, out.mutable_median_to_answer());
  out.set_breaches(f.breaches);
  out.set_acknowledge_clocks_ended(f.acknowledge_ended);
  out.set_acknowledged_in_time(f.acknowledge_met);
  out.set_answer_clocks_ended(f.respond_ended);
  out.set_answered_in_time(f.respond_met);
  if (f.p90_to_acknowledge) duration(*f.p90_to_acknowledge, out.mutable_p90_to_acknowledge());
  if (f.p90_to_answer) duration(*f.p90_to_answer, out.mutable_p90_to_answer());
  return out;
}

}  // namespace parley::escalation
