// Where a recorded incident goes (the school's incident notice rules, contacts'
// CommunicationPolicy.incident_notices): the Riverside rule that staff report an abusive call or
// meeting to their line manager at once, Milton Road's that breaches of the code are referred to
// the Chair of Governors. Pure functions: ConductService looks the people up and the store writes
// the notices in the incident's own transaction.
#pragma once

#include <string>
#include <vector>

#include "absl/time/time.h"
#include "services/conduct/domain/conduct_store.h"
#include "services/conduct/domain/directory.h"
#include "services/conduct/domain/model.h"

namespace parley::conduct {

// Whether the rule is for this incident: its kind and channel are among the rule's (an empty list
// allows every one).
bool RuleMatches(const IncidentNoticeRule& rule, const Incident& incident);

// Who is told, in the order the rules name them: for a rule with reporter_line_manager the
// recorder's line manager (`line_manager`), or the head (`head`) when `line_manager` is empty;
// then the people the rule names. A person named by several rules is told once, at once if any
// of them says so. The recorder is never told of their own report. An empty `head` adds no one.
std::vector<IncidentReferral> PlanReferrals(const Incident& incident, const std::vector<IncidentNoticeRule>& rules,
                                            const std::string& line_manager, const std::string& head);

// One outbox notice per referral, key "conduct/incident/{school}/{incident}/{recipient}", template
// "conduct.incident_reported": priority "emergency" for an immediate referral (notifications then
// reaches staff outside their working time), "important" otherwise (delivered in the recipient's
// next working period). The variables name the incident, never its account (description_ref).
std::vector<OutboxNotice> ReferralNotices(const Incident& incident, absl::Time now);

}  // namespace parley::conduct
