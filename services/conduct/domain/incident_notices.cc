#include "services/conduct/domain/incident_notices.h"

#include <algorithm>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "nlohmann/json.hpp"

namespace parley::conduct {
namespace {

template <typename T>
bool AllowedBy(const std::vector<T>& allowed, T value) {
  return allowed.empty() || std::find(allowed.begin(), allowed.end(), value) != allowed.end();
}

std::string_view BasisText(ReferralBasis basis) {
  switch (basis) {
    case ReferralBasis::kLineManager:
      return "line manager of the member of staff who recorded it";
    case ReferralBasis::kHead:
      return "head (the member of staff who recorded it has no line manager here)";
    case ReferralBasis::kRole:
      return "role";
    case ReferralBasis::kStaff:
      return "named in the school's policy";
    case ReferralBasis::kExternalContact:
      return "external contact named in the school's policy";
  }
  return "";
}

}  // namespace

bool RuleMatches(const IncidentNoticeRule& rule, const Incident& incident) {
  return AllowedBy(rule.kinds, incident.kind) && AllowedBy(rule.channels, incident.channel);
}

std::vector<IncidentReferral> PlanReferrals(const Incident& incident, const std::vector<IncidentNoticeRule>& rules,
                                            const std::string& line_manager, const std::string& head) {
  std::vector<IncidentReferral> out;
  auto add = [&](IncidentReferral r) {
    if (r.recipient.empty() || r.recipient == incident.reported_by) return;
    auto same =
        std::find_if(out.begin(), out.end(), [&](const IncidentReferral& o) { return o.recipient == r.recipient; });
    if (same == out.end()) {
      out.push_back(std::move(r));
    } else {
      same->immediate = same->immediate || r.immediate;  // the first reason stays; the sooner time wins
    }
  };
  for (const IncidentNoticeRule& rule : rules) {
    if (!RuleMatches(rule, incident)) continue;
    if (rule.reporter_line_manager) {
      if (!line_manager.empty()) {
        add({line_manager, ReferralBasis::kLineManager, "", rule.immediate});
      } else {
        add({head, ReferralBasis::kHead, "", rule.immediate});
      }
    }
    for (IncidentReferral named : rule.named) {
      named.immediate = rule.immediate;
      add(std::move(named));
    }
  }
  return out;
}

std::vector<OutboxNotice> ReferralNotices(const Incident& incident, absl::Time now) {
  const std::string school = absl::StrCat("schools/", incident.school_id);
  const std::string name = absl::StrCat(school, "/incidents/", incident.id);
  const std::string utc_now = absl::FormatTime("%Y-%m-%dT%H:%M:%SZ", now, absl::UTCTimeZone());
  std::vector<OutboxNotice> out;
  for (const IncidentReferral& r : incident.referrals) {
    // The relay names an external contact "external:{id}" among the staff recipients.
    const std::string external_prefix = absl::StrCat(school, "/externalContacts/");
    const std::string recipient = absl::StartsWith(r.recipient, external_prefix)
                                      ? absl::StrCat("external:", r.recipient.substr(external_prefix.size()))
                                      : r.recipient;
    std::string why(BasisText(r.basis));
    if (r.basis == ReferralBasis::kRole) why = absl::StrCat("role ", r.role);
    OutboxNotice n;
    n.key = absl::StrCat("conduct/incident/", incident.school_id, "/", incident.id, "/", r.recipient);
    n.kind = "conduct_incident";
    n.school_id = incident.school_id;
    n.not_before = now;
    n.notice_json = nlohmann::json{
        {"category", "conduct_letter"},
        {"priority", r.immediate ? "emergency" : "important"},
        {"school", school},
        {"incident", name},
        {"recipients", {{"guardians", nlohmann::json::array()}, {"staff", {recipient}}}},
        {"pupils", nlohmann::json::array()},
        {"template", "conduct.incident_reported"},
        {"variables",
         {{"incident", name},
          {"kind", std::string(IncidentKindName(incident.kind))},
          {"channel", std::string(ChannelName(incident.channel))},
          {"occur_time", absl::FormatTime("%Y-%m-%dT%H:%M:%SZ", incident.occur_time, absl::UTCTimeZone())},
          {"guardian", incident.guardian},
          {"reported_by", incident.reported_by},
          {"referred_as", why}}},
        {"not_before",
         utc_now}}.dump();
    out.push_back(std::move(n));
  }
  return out;
}

}  // namespace parley::conduct
