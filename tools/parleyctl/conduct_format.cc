#include "tools/parleyctl/conduct_format.h"

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_split.h"
#include "tools/parleyctl/args.h"
#include "tools/parleyctl/conduct_args.h"
#include "tools/parleyctl/format.h"

namespace parley::ctl {
namespace {

std::string LocalOrEmpty(const cv1::Decision& d, absl::TimeZone zone) {
  return d.has_time() ? FormatLocalTime(FromProto(d.time()), zone) : "";
}

std::string RequirementsText(const google::protobuf::RepeatedField<int>& requirements) {
  std::vector<std::string> names;
  for (int r : requirements) names.push_back(MeetingRequirementName(static_cast<cv1::MeetingRequirement>(r)));
  return names.empty() ? "none" : absl::StrJoin(names, ", ");
}

std::string WindowsText(const google::protobuf::RepeatedPtrField<cv1::TimeWindow>& windows) {
  std::vector<std::string> parts;
  for (const cv1::TimeWindow& w : windows) parts.push_back(FormatWindow(w));
  return parts.empty() ? "any time" : absl::StrJoin(parts, ", ");
}

std::string ConditionsText(const cv1::MeetingConditions& m) {
  std::vector<std::string> parts;
  if (m.second_staff_required()) parts.push_back("second-staff");
  if (m.head_informed()) parts.push_back("head-informed");
  if (m.off_site_only()) parts.push_back("off-site-only");
  return parts.empty() ? "none" : absl::StrJoin(parts, ", ");
}

// "a-7 v2" for an arrangement and its version.
std::string ArrangementRef(const std::string& name, int32_t version) {
  if (name.empty()) return "";
  return version > 0 ? absl::StrCat(ShortName(name), " v", version) : ShortName(name);
}

std::string BanStatus(const cv1::PremisesBan& b, absl::Time now) {
  if (b.has_revoke_time()) return "revoked";
  if (b.has_start_time() && FromProto(b.start_time()) > now) return "upcoming";
  if (b.has_end_time() && FromProto(b.end_time()) <= now) return "ended";
  return "in force";
}

}  // namespace

std::string FormatChannelList(const google::protobuf::RepeatedField<int>& channels) {
  std::vector<std::string> names;
  for (int c : channels) names.push_back(ConductChannelName(static_cast<cv1::Channel>(c)));
  return names.empty() ? "any" : absl::StrJoin(names, ", ");
}

std::string FormatDecision(const cv1::Decision& d, absl::TimeZone zone) {
  KeyValues kv;
  kv.Add("outcome", OutcomeName(d.outcome()));
  kv.Add("asked", absl::StrCat(ShortName(d.guardian()), " by ", ConductChannelName(d.channel()),
                               d.purpose() == cv1::PURPOSE_MEETING ? " (meeting)" : "", ", ", LocalOrEmpty(d, zone)));
  kv.Add("arrangement", d.arrangement().empty()
                            ? "none applies"
                            : absl::StrCat(d.arrangement(), " (version ", d.arrangement_version(), ")"));
  if (d.purpose() == cv1::PURPOSE_MEETING || d.requirements_size() > 0) {
    kv.Add("requirements", RequirementsText(d.requirements()));
  }
  if (d.allowed_channels_size() > 0 || d.outcome() == cv1::OUTCOME_REDIRECT) {
    kv.Add("allowed channels", FormatChannelList(d.allowed_channels()));
  }
  if (!d.point_of_contact().empty()) kv.Add("contact", d.point_of_contact());
  if (d.has_next_allowed_time()) kv.Add("next allowed", FormatLocalAndUtc(FromProto(d.next_allowed_time()), zone));
  if (!d.premises_ban().empty()) kv.Add("premises ban", d.premises_ban());
  if (!d.explanation().empty()) AddWrapped(&kv, "explanation", d.explanation());
  // With several arrangements in force the most restrictive wins; show what each said.
  if (d.verdicts_size() > 1) {
    bool first = true;
    for (const cv1::ArrangementVerdict& v : d.verdicts()) {
      kv.Add(first ? "verdicts" : "",
             absl::StrCat(ArrangementRef(v.arrangement(), v.version()), ": ", OutcomeName(v.outcome())));
      first = false;
    }
  }
  kv.Add("decision", d.name());
  return kv.Render();
}

std::string FormatDecisionsTable(const std::vector<cv1::Decision>& decisions, absl::TimeZone zone) {
  Table t({"DECISION", "TIME", "GUARDIAN", "CHANNEL", "PURPOSE", "OUTCOME", "ARRANGEMENT", "ASKED BY"});
  for (const cv1::Decision& d : decisions) {
    std::vector<std::string> flags;
    if (d.safeguarding()) flags.push_back("safeguarding");
    if (d.marked_abusive()) flags.push_back("abusive");
    std::string purpose = d.purpose() == cv1::PURPOSE_MEETING ? "meeting" : "message";
    if (!flags.empty()) absl::StrAppend(&purpose, " (", absl::StrJoin(flags, ","), ")");
    t.AddRow({ShortName(d.name()), LocalOrEmpty(d, zone), ShortName(d.guardian()), ConductChannelName(d.channel()),
              purpose, OutcomeName(d.outcome()), ArrangementRef(d.arrangement(), d.arrangement_version()),
              d.asked_by()});
  }
  return t.Render();
}

std::string FormatArrangementsTable(const std::vector<cv1::Arrangement>& arrangements, absl::TimeZone zone) {
  Table t(
      {"ARRANGEMENT", "GUARDIAN", "SCOPE", "STATE", "VERSION", "CHANNELS", "WINDOWS", "CONTACT", "START", "REVIEW"});
  for (const cv1::Arrangement& a : arrangements) {
    const cv1::ArrangementTerms& terms = a.terms();
    t.AddRow({ShortName(a.name()), ShortName(a.guardian()), ArrangementScopeName(a.scope()),
              ArrangementStateName(a.state()), a.version() > 0 ? absl::StrCat(a.version()) : "-",
              FormatChannelList(terms.allowed_channels()), WindowsText(terms.allowed_windows()),
              terms.point_of_contact().empty() ? "anyone" : ShortName(terms.point_of_contact()),
              a.has_start_time() ? FormatLocalTime(FromProto(a.start_time()), zone) : "-",
              a.review_date().empty() ? "-" : a.review_date()});
  }
  return t.Render();
}

std::string FormatArrangement(const cv1::Arrangement& a, const std::vector<cv1::ArrangementRevision>& revisions,
                              absl::TimeZone zone) {
  const cv1::ArrangementTerms& terms = a.terms();
  KeyValues kv;
  kv.Add("arrangement", a.name());
  kv.Add("guardian", a.guardian());
  kv.Add("scope", ArrangementScopeName(a.scope()));
  if (a.covered_schools_size() > 0) kv.Add("covered schools", absl::StrJoin(a.covered_schools(), ", "));
  kv.Add("state", ArrangementStateName(a.state()));
  kv.Add("version", a.version() > 0 ? absl::StrCat(a.version()) : "- (draft)");
  kv.Add("start", a.has_start_time() ? FormatLocalAndUtc(FromProto(a.start_time()), zone) : "not set");
  kv.Add("review", a.review_date().empty() ? "not set" : FormatDate(a.review_date()));
  kv.Add("end", a.has_end_time() ? FormatLocalAndUtc(FromProto(a.end_time()), zone) : "open-ended");
  kv.Add("channels", FormatChannelList(terms.allowed_channels()));
  kv.Add("windows", WindowsText(terms.allowed_windows()));
  kv.Add("contact", terms.point_of_contact().empty() ? "anyone" : terms.point_of_contact());
  kv.Add("meetings", ConditionsText(terms.meeting_conditions()));
  if (!a.breach_incident().empty()) kv.Add("breach", a.breach_incident());
  if (!a.letter().empty()) kv.Add("letter", a.letter());
  if (!a.issued_by().empty()) {
    kv.Add("issued", absl::StrCat(a.has_issue_time() ? FormatLocalTime(FromProto(a.issue_time()), zone) : "", " by ",
                                  a.issued_by()));
  }
  if (!a.etag().empty()) kv.Add("etag", a.etag());
  AddWrapped(&kv, "reasons", terms.reasons().empty() ? "(none yet: required to issue)" : terms.reasons());
  std::string out = kv.Render();

  if (!revisions.empty()) {
    Table t({"VERSION", "ISSUED", "CHANNELS", "WINDOWS", "CONTACT", "MEETINGS", "REVIEW", "BREACH", "LETTER"});
    for (const cv1::ArrangementRevision& r : revisions) {
      const cv1::ArrangementTerms& rt = r.terms();
      t.AddRow({absl::StrCat(r.version()), r.has_issue_time() ? FormatLocalTime(FromProto(r.issue_time()), zone) : "",
                FormatChannelList(rt.allowed_channels()), WindowsText(rt.allowed_windows()),
                rt.point_of_contact().empty() ? "anyone" : ShortName(rt.point_of_contact()),
                ConditionsText(rt.meeting_conditions()), r.review_date(), ShortName(r.breach_incident()),
                ShortName(r.letter())});
    }
    absl::StrAppend(&out, "\n", IndentedTable("revisions", t));
  }
  return out;
}

std::string FormatIncidentsTable(const std::vector<cv1::Incident>& incidents, absl::TimeZone zone) {
  Table t({"INCIDENT", "WHEN", "GUARDIAN", "KIND", "CHANNEL", "STAFF", "OUTCOME", "REPORTED BY"});
  for (const cv1::Incident& i : incidents) {
    std::vector<std::string> staff;
    for (const std::string& s : i.staff_involved()) staff.push_back(ShortName(s));
    t.AddRow({ShortName(i.name()), i.has_occur_time() ? FormatLocalTime(FromProto(i.occur_time()), zone) : "",
              ShortName(i.guardian()), IncidentKindName(i.kind()), ConductChannelName(i.channel()),
              absl::StrJoin(staff, ","), IncidentOutcomeName(i.outcome()), i.reported_by()});
  }
  return t.Render();
}

std::string FormatIncident(const cv1::Incident& i, absl::TimeZone zone) {
  KeyValues kv;
  kv.Add("incident", i.name());
  kv.Add("guardian", i.guardian());
  kv.Add("kind", IncidentKindName(i.kind()));
  kv.Add("channel", ConductChannelName(i.channel()));
  kv.Add("when", i.has_occur_time() ? FormatLocalAndUtc(FromProto(i.occur_time()), zone) : "");
  kv.Add("staff", i.staff_involved().empty() ? "none named" : absl::StrJoin(i.staff_involved(), ", "));
  if (!i.description_ref().empty()) kv.Add("account", i.description_ref());
  kv.Add("outcome", IncidentOutcomeName(i.outcome()));
  kv.Add("reported by", i.reported_by());
  // Whom the school's policy referred it to when it was recorded.
  if (i.referrals().empty()) kv.Add("referred to", "no one (the school's policy names no one for this)");
  bool first = true;
  for (const cv1::IncidentReferral& r : i.referrals()) {
    std::string why;
    switch (r.basis()) {
      case cv1::REFERRAL_BASIS_LINE_MANAGER:
        why = "line manager of the recorder";
        break;
      case cv1::REFERRAL_BASIS_HEAD:
        why = "head (the recorder has no line manager here)";
        break;
      case cv1::REFERRAL_BASIS_ROLE:
        why = absl::StrCat("role ", r.role());
        break;
      case cv1::REFERRAL_BASIS_STAFF:
        why = "named by the policy";
        break;
      case cv1::REFERRAL_BASIS_EXTERNAL_CONTACT:
        why = "external contact named by the policy";
        break;
      default:
        why = "unknown";
    }
    kv.Add(first ? "referred to" : "",
           absl::StrCat(r.recipient(), " (", why, "; ", r.immediate() ? "at once" : "in working time", ")"));
    first = false;
  }
  if (!i.etag().empty()) kv.Add("etag", i.etag());
  return kv.Render();
}

std::string FormatBansTable(const std::vector<cv1::PremisesBan>& bans, absl::Time now, absl::TimeZone zone) {
  Table t({"BAN", "GUARDIAN", "SCOPE", "STATUS", "FROM", "UNTIL", "INCIDENT"});
  for (const cv1::PremisesBan& b : bans) {
    std::string until = b.has_end_time() ? FormatLocalTime(FromProto(b.end_time()), zone) : "permanent";
    if (b.has_revoke_time()) until = absl::StrCat(FormatLocalTime(FromProto(b.revoke_time()), zone), " (revoked)");
    t.AddRow({ShortName(b.name()), ShortName(b.guardian()), BanScopeName(b.scope()), BanStatus(b, now),
              b.has_start_time() ? FormatLocalTime(FromProto(b.start_time()), zone) : "", until,
              ShortName(b.incident())});
  }
  return t.Render();
}

std::string FormatBan(const cv1::PremisesBan& b, absl::Time now, absl::TimeZone zone) {
  KeyValues kv;
  kv.Add("premises ban", b.name());
  kv.Add("guardian", b.guardian());
  kv.Add("scope", BanScopeName(b.scope()));
  kv.Add("status", BanStatus(b, now));
  kv.Add("from", b.has_start_time() ? FormatLocalAndUtc(FromProto(b.start_time()), zone) : "");
  kv.Add("until", b.has_end_time() ? FormatLocalAndUtc(FromProto(b.end_time()), zone) : "permanent");
  if (b.has_revoke_time()) kv.Add("revoked", FormatLocalAndUtc(FromProto(b.revoke_time()), zone));
  if (!b.incident().empty()) kv.Add("incident", b.incident());
  if (!b.issued_by().empty()) kv.Add("issued by", b.issued_by());
  if (!b.etag().empty()) kv.Add("etag", b.etag());
  if (!b.reason().empty()) AddWrapped(&kv, "reason", b.reason());
  return kv.Render();
}

std::string FormatLettersTable(const std::vector<cv1::Letter>& letters, absl::TimeZone zone) {
  Table t({"LETTER", "WRITTEN", "GUARDIAN", "KIND", "ARRANGEMENT", "DELIVERY", "TEMPLATE"});
  for (const cv1::Letter& l : letters) {
    std::string delivery = LetterDeliveryName(l.delivery_state());
    if (l.has_deliver_time()) absl::StrAppend(&delivery, " ", FormatLocalTime(FromProto(l.deliver_time()), zone));
    t.AddRow({ShortName(l.name()), l.has_create_time() ? FormatLocalTime(FromProto(l.create_time()), zone) : "",
              ShortName(l.guardian()), LetterKindName(l.kind()),
              ArrangementRef(l.arrangement(), l.arrangement_version()), delivery, l.template_key()});
  }
  return t.Render();
}

std::string FormatStats(const cv1::SchoolStats& s, absl::TimeZone zone) {
  KeyValues kv;
  kv.Add("school", s.school());
  kv.Add("period", absl::StrCat(s.has_start_time() ? FormatLocalTime(FromProto(s.start_time()), zone) : "?", " to ",
                                s.has_end_time() ? FormatLocalTime(FromProto(s.end_time()), zone) : "?"));
  int64_t incidents = 0;
  for (const cv1::IncidentKindCount& c : s.incidents_by_kind()) incidents += c.count();
  kv.Add("incidents", absl::StrCat(incidents));
  for (const cv1::IncidentKindCount& c : s.incidents_by_kind()) {
    kv.Add(absl::StrCat("  ", IncidentKindName(c.kind())), absl::StrCat(c.count()));
  }
  kv.Add("arrangements issued", absl::StrCat(s.arrangements_issued()));
  kv.Add("tightenings", absl::StrCat(s.tightenings()));
  kv.Add("arrangements in force", absl::StrCat(s.arrangements_active(), " at the end"));
  kv.Add("bans started", absl::StrCat(s.bans_started()));
  kv.Add("bans in force", absl::StrCat(s.bans_active(), " at the end"));
  int64_t decisions = 0;
  for (const cv1::OutcomeCount& c : s.decisions_by_outcome()) decisions += c.count();
  kv.Add("gate decisions", absl::StrCat(decisions));
  for (const cv1::OutcomeCount& c : s.decisions_by_outcome()) {
    kv.Add(absl::StrCat("  ", OutcomeName(c.outcome())), absl::StrCat(c.count()));
  }
  return kv.Render();
}

}  // namespace parley::ctl
