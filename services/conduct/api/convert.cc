#include "services/conduct/api/convert.h"

#include <utility>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "common/grpc/api_edge.h"
#include "common/grpc/timestamp.h"
#include "common/status/reason.h"
#include "common/status/status_macros.h"
#include "services/conduct/domain/conduct_service.h"
#include "services/conduct/domain/validation.h"

namespace parley::conduct {
namespace {

// Ids: what this service and contacts issue (letters, digits, '-', '_'), 1-64 characters.
constexpr absl::Weekday kWeekdays[] = {absl::Weekday::monday,   absl::Weekday::tuesday, absl::Weekday::wednesday,
                                       absl::Weekday::thursday, absl::Weekday::friday,  absl::Weekday::saturday,
                                       absl::Weekday::sunday};

v1::Weekday ToProto(absl::Weekday d) {
  for (int i = 0; i < 7; ++i) {
    if (kWeekdays[i] == d) return static_cast<v1::Weekday>(i + 1);
  }
  return v1::WEEKDAY_UNSPECIFIED;
}

template <typename Enum>
bool InRange(int value, int max) {
  return value >= 1 && value <= max;
}

}  // namespace

absl::StatusOr<Channel> ChannelFrom(v1::Channel c, const char* field) {
  if (!InRange<Channel>(c, kMaxChannel))
    return InvalidArgument(reason::kInvalidField, absl::StrCat(field, " is required"));
  return static_cast<Channel>(c);
}

v1::Channel ToProto(Channel c) { return static_cast<v1::Channel>(c); }

absl::StatusOr<absl::CivilDay> ParseDate(const std::string& text, const char* field) {
  absl::CivilDay day;
  if (text.size() != 10 || !absl::ParseCivilTime(text, &day) || absl::FormatCivilTime(day) != text) {
    return InvalidArgument(reason::kInvalidField, absl::StrCat(field, " must be a date, YYYY-MM-DD"));
  }
  return day;
}

absl::Time FromProto(const google::protobuf::Timestamp& ts) { return FromTimestamp(ts); }

google::protobuf::Timestamp ToProto(absl::Time t) { return ToTimestamp(t); }

absl::StatusOr<ArrangementTerms> TermsFrom(const v1::ArrangementTerms& t) {
  ArrangementTerms out;
  for (int i = 0; i < t.allowed_channels_size(); ++i) {
    const std::string field = absl::StrCat("terms.allowed_channels[", i, "]");
    PARLEY_ASSIGN_OR_RETURN(Channel c, ChannelFrom(t.allowed_channels(i), field.c_str()));
    out.allowed_channels.push_back(c);
  }
  for (int i = 0; i < t.allowed_windows_size(); ++i) {
    const v1::TimeWindow& w = t.allowed_windows(i);
    const std::string field = absl::StrCat("terms.allowed_windows[", i, "]");
    if (w.day() < 1 || w.day() > 7)
      return InvalidArgument(reason::kInvalidField, absl::StrCat(field, ".day is required"));
    TimeWindow window;
    window.day = kWeekdays[w.day() - 1];
    PARLEY_RETURN_IF_ERROR(ParseClock(w.start(), absl::StrCat(field, ".start"), &window.start_minute));
    PARLEY_RETURN_IF_ERROR(ParseClock(w.end(), absl::StrCat(field, ".end"), &window.end_minute));
    out.allowed_windows.push_back(window);
  }
  out.point_of_contact = t.point_of_contact();
  out.meeting.second_staff_required = t.meeting_conditions().second_staff_required();
  out.meeting.head_informed = t.meeting_conditions().head_informed();
  out.meeting.off_site_only = t.meeting_conditions().off_site_only();
  out.reasons = t.reasons();
  return out;
}

v1::ArrangementTerms ToProto(const ArrangementTerms& t) {
  v1::ArrangementTerms out;
  for (Channel c : t.allowed_channels) out.add_allowed_channels(ToProto(c));
  for (const TimeWindow& w : t.allowed_windows) {
    v1::TimeWindow* pw = out.add_allowed_windows();
    pw->set_day(ToProto(w.day));
    pw->set_start(FormatClock(w.start_minute));
    pw->set_end(FormatClock(w.end_minute));
  }
  out.set_point_of_contact(t.point_of_contact);
  out.mutable_meeting_conditions()->set_second_staff_required(t.meeting.second_staff_required);
  out.mutable_meeting_conditions()->set_head_informed(t.meeting.head_informed);
  out.mutable_meeting_conditions()->set_off_site_only(t.meeting.off_site_only);
  out.set_reasons(t.reasons);
  return out;
}

absl::StatusOr<Incident> IncidentFrom(const v1::Incident& in, const std::string& school_id) {
  Incident i;
  i.school_id = school_id;
  PARLEY_RETURN_IF_ERROR(api::CheckGuardianName(in.guardian(), "incident.guardian"));
  i.guardian = in.guardian();
  if (!InRange<IncidentKind>(in.kind(), kMaxIncidentKind)) {
    return InvalidArgument(reason::kInvalidField, "incident.kind is required");
  }
  i.kind = static_cast<IncidentKind>(in.kind());
  PARLEY_ASSIGN_OR_RETURN(i.channel, ChannelFrom(in.channel(), "incident.channel"));
  if (!in.has_occur_time()) return InvalidArgument(reason::kInvalidField, "incident.occur_time is required");
  i.occur_time = FromProto(in.occur_time());
  i.staff_involved.assign(in.staff_involved().begin(), in.staff_involved().end());
  i.description_ref = in.description_ref();
  if (in.outcome() == v1::INCIDENT_OUTCOME_UNSPECIFIED) {
    i.outcome = IncidentOutcome::kPending;
  } else if (InRange<IncidentOutcome>(in.outcome(), kMaxIncidentOutcome)) {
    i.outcome = static_cast<IncidentOutcome>(in.outcome());
  } else {
    return InvalidArgument(reason::kInvalidField, "incident.outcome is not a known outcome");
  }
  return i;
}

v1::Incident ToProto(const Incident& i) {
  v1::Incident out;
  out.set_name(absl::StrCat("schools/", i.school_id, "/incidents/", i.id));
  out.set_guardian(i.guardian);
  out.set_kind(static_cast<v1::IncidentKind>(i.kind));
  out.set_channel(ToProto(i.channel));
  *out.mutable_occur_time() = ToProto(i.occur_time);
  for (const std::string& s : i.staff_involved) out.add_staff_involved(s);
  out.set_reported_by(i.reported_by);
  out.set_description_ref(i.description_ref);
  out.set_outcome(static_cast<v1::IncidentOutcome>(i.outcome));
  for (const IncidentReferral& r : i.referrals) {
    v1::IncidentReferral* pr = out.add_referrals();
    pr->set_recipient(r.recipient);
    pr->set_basis(static_cast<v1::ReferralBasis>(r.basis));
    pr->set_role(r.role);
    pr->set_immediate(r.immediate);
  }
  out.set_etag(EtagOf(i.row_version));
  *out.mutable_create_time() = ToProto(i.create_time);
  *out.mutable_update_time() = ToProto(i.update_time);
  return out;
}

absl::StatusOr<Arrangement> ArrangementFrom(const v1::Arrangement& in, const std::string& school_id) {
  Arrangement a;
  a.school_id = school_id;
  PARLEY_RETURN_IF_ERROR(api::CheckGuardianName(in.guardian(), "arrangement.guardian"));
  a.guardian = in.guardian();
  if (in.scope() == v1::ARRANGEMENT_SCOPE_UNSPECIFIED || in.scope() > v1::ARRANGEMENT_SCOPE_TRUST) {
    return InvalidArgument(reason::kInvalidField, "arrangement.scope is required (SCHOOL or TRUST)");
  }
  a.scope = static_cast<ArrangementScope>(in.scope());
  PARLEY_ASSIGN_OR_RETURN(a.terms, TermsFrom(in.terms()));
  if (in.has_start_time()) a.start_time = FromProto(in.start_time());
  if (!in.review_date().empty()) {
    PARLEY_ASSIGN_OR_RETURN(absl::CivilDay d, ParseDate(in.review_date(), "arrangement.review_date"));
    a.review_date = d;
  }
  if (in.has_end_time()) a.end_time = FromProto(in.end_time());
  return a;
}

v1::Arrangement ToProto(const Arrangement& a, absl::Time now) {
  v1::Arrangement out;
  out.set_name(absl::StrCat("schools/", a.school_id, "/arrangements/", a.id));
  out.set_guardian(a.guardian);
  out.set_scope(static_cast<v1::ArrangementScope>(a.scope));
  out.set_state(static_cast<v1::ArrangementState>(EffectiveState(a, now)));
  out.set_version(a.version);
  *out.mutable_terms() = ToProto(a.terms);
  if (a.start_time) *out.mutable_start_time() = ToProto(*a.start_time);
  if (a.review_date) out.set_review_date(absl::FormatCivilTime(*a.review_date));
  if (a.end_time) *out.mutable_end_time() = ToProto(*a.end_time);
  if (!a.letter_id.empty()) out.set_letter(absl::StrCat("schools/", a.school_id, "/letters/", a.letter_id));
  if (!a.breach_incident_id.empty()) {
    out.set_breach_incident(absl::StrCat("schools/", a.school_id, "/incidents/", a.breach_incident_id));
  }
  for (const std::string& s : a.covered_schools) out.add_covered_schools(absl::StrCat("schools/", s));
  out.set_issued_by(a.issued_by);
  if (a.issue_time) *out.mutable_issue_time() = ToProto(*a.issue_time);
  out.set_etag(EtagOf(a.row_version));
  *out.mutable_create_time() = ToProto(a.create_time);
  *out.mutable_update_time() = ToProto(a.update_time);
  return out;
}

v1::ArrangementRevision ToProto(const ArrangementRevision& r, const std::string& school_id,
                                const std::string& arrangement_id) {
  v1::ArrangementRevision out;
  out.set_name(absl::StrCat("schools/", school_id, "/arrangements/", arrangement_id, "/revisions/", r.version));
  out.set_version(r.version);
  *out.mutable_terms() = ToProto(r.terms);
  out.set_review_date(absl::FormatCivilTime(r.review_date));
  if (r.end_time) *out.mutable_end_time() = ToProto(*r.end_time);
  if (!r.breach_incident_id.empty()) {
    out.set_breach_incident(absl::StrCat("schools/", school_id, "/incidents/", r.breach_incident_id));
  }
  out.set_letter(absl::StrCat("schools/", school_id, "/letters/", r.letter_id));
  out.set_issued_by(r.issued_by);
  *out.mutable_issue_time() = ToProto(r.issue_time);
  return out;
}

absl::StatusOr<PremisesBan> BanFrom(const v1::PremisesBan& in, const std::string& school_id) {
  PremisesBan b;
  b.school_id = school_id;
  PARLEY_RETURN_IF_ERROR(api::CheckGuardianName(in.guardian(), "premises_ban.guardian"));
  b.guardian = in.guardian();
  if (in.scope() == v1::PREMISES_BAN_SCOPE_UNSPECIFIED || in.scope() > v1::PREMISES_BAN_SCOPE_EVENTS) {
    return InvalidArgument(reason::kInvalidField, "premises_ban.scope is required (SITE or EVENTS)");
  }
  b.scope = static_cast<PremisesBanScope>(in.scope());
  if (!in.has_start_time()) return InvalidArgument(reason::kInvalidField, "premises_ban.start_time is required");
  b.start_time = FromProto(in.start_time());
  if (in.has_end_time()) b.end_time = FromProto(in.end_time());
  b.reason = in.reason();
  if (!in.incident().empty()) {
    PARLEY_ASSIGN_OR_RETURN(auto incident, api::ParseSchoolChild(in.incident(), "incidents", "premises_ban.incident"));
    if (incident.first != school_id) {
      return InvalidArgument(reason::kInvalidField, "premises_ban.incident must be an incident of the same school");
    }
    b.incident_id = incident.second;
  }
  return b;
}

v1::PremisesBan ToProto(const PremisesBan& b) {
  v1::PremisesBan out;
  out.set_name(absl::StrCat("schools/", b.school_id, "/premisesBans/", b.id));
  out.set_guardian(b.guardian);
  out.set_scope(static_cast<v1::PremisesBanScope>(b.scope));
  *out.mutable_start_time() = ToProto(b.start_time);
  if (b.end_time) *out.mutable_end_time() = ToProto(*b.end_time);
  out.set_reason(b.reason);
  if (!b.incident_id.empty()) out.set_incident(absl::StrCat("schools/", b.school_id, "/incidents/", b.incident_id));
  if (b.revoke_time) *out.mutable_revoke_time() = ToProto(*b.revoke_time);
  out.set_issued_by(b.issued_by);
  out.set_etag(EtagOf(b.row_version));
  *out.mutable_create_time() = ToProto(b.create_time);
  return out;
}

v1::Letter ToProto(const Letter& l) {
  v1::Letter out;
  out.set_name(absl::StrCat("schools/", l.school_id, "/letters/", l.id));
  out.set_guardian(l.guardian);
  out.set_kind(static_cast<v1::LetterKind>(l.kind));
  out.set_arrangement(absl::StrCat("schools/", l.school_id, "/arrangements/", l.arrangement_id));
  out.set_arrangement_version(l.arrangement_version);
  *out.mutable_terms() = ToProto(l.terms);
  if (l.review_date) out.set_review_date(absl::FormatCivilTime(*l.review_date));
  if (l.start_time) *out.mutable_start_time() = ToProto(*l.start_time);
  if (l.end_time) *out.mutable_end_time() = ToProto(*l.end_time);
  out.set_template_key(l.template_key);
  out.set_delivery_state(l.handed_over ? v1::LETTER_DELIVERY_STATE_HANDED_OVER : v1::LETTER_DELIVERY_STATE_PENDING);
  *out.mutable_create_time() = ToProto(l.create_time);
  if (l.deliver_time) *out.mutable_deliver_time() = ToProto(*l.deliver_time);
  return out;
}

absl::StatusOr<GateQuery> QueryFrom(const v1::CheckCommunicationRequest& req) {
  GateQuery q;
  PARLEY_ASSIGN_OR_RETURN(q.school_id, api::ParseSchool(req.school(), "school"));
  PARLEY_RETURN_IF_ERROR(api::CheckGuardianName(req.guardian(), "guardian"));
  q.guardian = req.guardian();
  PARLEY_ASSIGN_OR_RETURN(q.channel, ChannelFrom(req.channel(), "channel"));
  if (!req.has_time()) return InvalidArgument(reason::kInvalidField, "time is required");
  q.at = FromProto(req.time());
  if (req.purpose() != v1::PURPOSE_INBOUND_MESSAGE && req.purpose() != v1::PURPOSE_MEETING) {
    return InvalidArgument(reason::kInvalidField, "purpose is required (INBOUND_MESSAGE or MEETING)");
  }
  q.purpose = static_cast<Purpose>(req.purpose());
  q.safeguarding = req.safeguarding();
  q.marked_abusive = req.marked_abusive();
  if (!req.addressed_to().empty()) {
    PARLEY_ASSIGN_OR_RETURN(auto staff, api::ParseSchoolChild(req.addressed_to(), "staff", "addressed_to"));
    (void)staff;
  }
  q.addressed_to = req.addressed_to();
  q.school_event = req.school_event();
  return q;
}

v1::Decision ToProto(const DecisionRecord& d) {
  v1::Decision out;
  // A guardian's own check is not stored, so it has no name.
  if (!d.id.empty()) out.set_name(absl::StrCat("schools/", d.query.school_id, "/decisions/", d.id));
  out.set_guardian(d.query.guardian);
  out.set_channel(ToProto(d.query.channel));
  *out.mutable_time() = ToProto(d.query.at);
  out.set_purpose(static_cast<v1::Purpose>(d.query.purpose));
  out.set_safeguarding(d.query.safeguarding);
  out.set_marked_abusive(d.query.marked_abusive);
  out.set_addressed_to(d.query.addressed_to);
  out.set_school_event(d.query.school_event);
  out.set_outcome(static_cast<v1::Outcome>(d.decision.outcome));
  for (MeetingRequirement m : d.decision.requirements) out.add_requirements(static_cast<v1::MeetingRequirement>(m));
  if (!d.decision.arrangement_id.empty()) {
    out.set_arrangement(
        absl::StrCat("schools/", d.decision.arrangement_school_id, "/arrangements/", d.decision.arrangement_id));
    out.set_arrangement_version(d.decision.arrangement_version);
  }
  for (const Verdict& v : d.decision.verdicts) {
    v1::ArrangementVerdict* pv = out.add_verdicts();
    pv->set_arrangement(absl::StrCat("schools/", v.arrangement_school_id, "/arrangements/", v.arrangement_id));
    pv->set_version(v.version);
    pv->set_outcome(static_cast<v1::Outcome>(v.outcome));
  }
  for (Channel c : d.decision.allowed_channels) out.add_allowed_channels(ToProto(c));
  out.set_point_of_contact(d.decision.point_of_contact);
  if (d.decision.next_allowed_time) *out.mutable_next_allowed_time() = ToProto(*d.decision.next_allowed_time);
  if (!d.decision.premises_ban_id.empty()) {
    out.set_premises_ban(
        absl::StrCat("schools/", d.decision.premises_ban_school_id, "/premisesBans/", d.decision.premises_ban_id));
    out.set_premises_ban_version(d.decision.premises_ban_version);
  }
  out.set_explanation(d.decision.explanation);
  out.set_asked_by(d.asked_by);
  *out.mutable_decide_time() = ToProto(d.decide_time);
  return out;
}

// ---- what a guardian sees of their own records -------------------------------------------------

void ForGuardian(v1::Arrangement* a) {
  a->clear_issued_by();
  a->clear_breach_incident();
  a->clear_covered_schools();
}

void ForGuardian(v1::ArrangementRevision* r) {
  r->clear_issued_by();
  r->clear_breach_incident();
}

void ForGuardian(v1::PremisesBan* b) {
  b->clear_issued_by();
  b->clear_incident();
  b->clear_reason();
}

void ForGuardian(v1::Letter*) {}

void ForGuardian(v1::Decision* d) { d->clear_asked_by(); }

void ForGuardian(v1::Incident*) {}

}  // namespace parley::conduct
