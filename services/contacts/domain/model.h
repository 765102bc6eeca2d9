// The contacts domain speaks the trust directory's shared model: the records, the in-memory
// snapshot, routing and the deadline rules live in common/directory, so that a directory replica
// in another service answers with the same code contacts runs. This header brings those names
// into the contacts namespace, where the rest of the service uses them unqualified.
#pragma once

#include "common/directory/deadlines.h"
#include "common/directory/model.h"
#include "common/directory/routing.h"
#include "common/directory/snapshot.h"

namespace parley::contacts {

// Records (common/directory/model.h).
using directory::BreachPolicy;
using directory::Channel;
using directory::ClockCalendar;
using directory::Closure;
using directory::ClosureKind;
using directory::CommunicationPolicy;
using directory::ContactKind;
using directory::ContactPoint;
using directory::CourtOrder;
using directory::Directory;
using directory::ExternalContact;
using directory::Guardian;
using directory::IncidentNoticeRule;
using directory::Ladder;
using directory::Pupil;
using directory::PupilLink;
using directory::PupilRelation;
using directory::ResponseRule;
using directory::RoleRef;
using directory::RoutingMatrix;
using directory::RoutingRule;
using directory::Rung;
using directory::School;
using directory::SchoolCalendar;
using directory::SchoolDirectory;
using directory::SchoolPhase;
using directory::SmsPolicy;
using directory::Staff;
using directory::Stage;
using directory::SubjectTeacher;
using directory::Trust;

// The snapshot and what is computed from it.
using directory::ComputeDeadline;
using directory::DeadlineAnswer;
using directory::DeadlineQuery;
using directory::EffectiveCalendarSpec;
using directory::kDefaultSafeguardingBudget;
using directory::PolicyFingerprint;
using directory::Recipient;
using directory::ResolvedLadder;
using directory::ResolvedRung;
using directory::ResolveLadder;
using directory::ResolveRoleRef;
using directory::Route;
using directory::RouteEnquiry;
using directory::RouteQuery;
using directory::Snapshot;

}  // namespace parley::contacts
