// parleyctl's human-readable output for the conduct service: the gate's decisions, arrangements
// with their revisions, incidents, premises bans, letters and school figures. Every instant is
// shown in the school's local time with the zone abbreviation (format.h); enum values are shown
// by the names the command line accepts ("no-response-required", "under-review"), so a value read
// off a table can be passed straight back as a flag.
//
// Personal data (an arrangement's reasons, a ban's reason, an incident's description reference)
// appears only in the single-record views, never in tables.
#pragma once

#include <string>
#include <vector>

#include "absl/time/time.h"
#include "parley/conduct/v1/conduct_service.pb.h"

namespace parley::ctl {

namespace cv1 = ::parley::conduct::v1;

// "email, phone" ("any" when the list is empty: no limit of that kind).
std::string FormatChannelList(const google::protobuf::RepeatedField<int>& channels);

// The gate's answer: outcome, deciding arrangement and version, meeting requirements, allowed
// channels and contact, next allowed time, premises ban, explanation, every verdict when several
// arrangements applied, and the decision's name.
std::string FormatDecision(const cv1::Decision& decision, absl::TimeZone zone);
std::string FormatDecisionsTable(const std::vector<cv1::Decision>& decisions, absl::TimeZone zone);

std::string FormatArrangementsTable(const std::vector<cv1::Arrangement>& arrangements, absl::TimeZone zone);
// One arrangement: state, version, dates, what it allows, the reasons, and (when given) one line
// per revision, oldest first.
std::string FormatArrangement(const cv1::Arrangement& arrangement,
                              const std::vector<cv1::ArrangementRevision>& revisions, absl::TimeZone zone);

std::string FormatIncidentsTable(const std::vector<cv1::Incident>& incidents, absl::TimeZone zone);
std::string FormatIncident(const cv1::Incident& incident, absl::TimeZone zone);

// `now` decides each ban's status: upcoming, in force, ended or revoked.
std::string FormatBansTable(const std::vector<cv1::PremisesBan>& bans, absl::Time now, absl::TimeZone zone);
std::string FormatBan(const cv1::PremisesBan& ban, absl::Time now, absl::TimeZone zone);

std::string FormatLettersTable(const std::vector<cv1::Letter>& letters, absl::TimeZone zone);

std::string FormatStats(const cv1::SchoolStats& stats, absl::TimeZone zone);

}  // namespace parley::ctl
