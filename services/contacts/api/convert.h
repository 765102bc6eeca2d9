// parley.contacts.v1 messages ⇄ the domain model (domain/model.h). Proto types stop here.
//
// FromProto checks FORMAT only: dates are real "YYYY-MM-DD" dates, times "HH:MM" within
// 00:00-24:00 and a range opens before it closes, a range of dates does not end before it starts,
// enums hold known values and are not UNSPECIFIED where the field is Required, a Budget sets
// exactly one amount within its range, resource names parse, references to staff and ladders stay
// inside the record's school, and Required messages, dates and references are present. Whether
// what a record names exists, display names are given and calendars make sense is the domain's
// job (domain/validation.h). Errors are INVALID_ARGUMENT with reason INVALID_FIELD (INVALID_NAME
// for a malformed resource name, CROSS_SCHOOL_REFERENCE for a reference into another school);
// the message starts with where the problem is: the field path for a single resource
// ("calendar.terms[1].end_date \"2026-02-30\" is not a date"), prefixed with the position in the
// document for a TrustDirectory ("schools[2] (kenilworth): calendar.terms[1]...").
//
// Output-only fields (etag, calendar_version, policy_version, create_time, update_time) are
// ignored on input and written by ToProto (times left unset when they are absl::InfinitePast()).
//
// ToProto writes the canonical form: every date and Closure.end_date written out, school_days as
// the explicit list, clock_calendar explicit, calendar, policy and breach always present, lists in
// domain order (Directory maps: by id). On valid data the two directions are inverses:
// FromProto(ToProto(x)) == x apart from output-only fields, and ToProto(FromProto(p)) == p for a
// canonical p.
#pragma once

#include <optional>
#include <string>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/time/civil_time.h"
#include "common/calendar/calendar.h"
#include "parley/contacts/v1/common.pb.h"
#include "parley/contacts/v1/contacts_service.pb.h"
#include "parley/contacts/v1/people.pb.h"
#include "parley/contacts/v1/routing.pb.h"
#include "parley/contacts/v1/school.pb.h"
#include "parley/contacts/v1/trust.pb.h"
#include "services/contacts/domain/import_plan.h"
#include "services/contacts/domain/model.h"

namespace parley::contacts {

// Enums. FromProto maps UNSPECIFIED and values this build does not know to kUnspecified
// (ClockCalendar: to kSchool); callers that require a value check the proto value first.
Channel ChannelFromProto(v1::Channel c);
v1::Channel ChannelToProto(Channel c);
Stage StageFromProto(v1::Stage s);
v1::Stage StageToProto(Stage s);
ClockCalendar ClockCalendarFromProto(v1::ClockCalendar c);
v1::ClockCalendar ClockCalendarToProto(ClockCalendar c);
SchoolPhase SchoolPhaseFromProto(v1::SchoolPhase p);
v1::SchoolPhase SchoolPhaseToProto(SchoolPhase p);
ClosureKind ClosureKindFromProto(v1::ClosureKind k);
v1::ClosureKind ClosureKindToProto(ClosureKind k);
SmsPolicy SmsPolicyFromProto(v1::SmsPolicy p);
v1::SmsPolicy SmsPolicyToProto(SmsPolicy p);
ContactKind ContactKindFromProto(v1::ContactKind k);
v1::ContactKind ContactKindToProto(ContactKind k);
PupilRelation PupilRelationFromProto(v1::PupilRelation r);
v1::PupilRelation PupilRelationToProto(PupilRelation r);
// 0 = Monday ... 6 = Sunday, as calendar arrays index days; -1 for UNSPECIFIED or unknown.
int WeekdayIndexFromProto(v1::Weekday w);
// WEEKDAY_UNSPECIFIED for an index outside 0..6.
v1::Weekday WeekdayToProto(int index);

// "YYYY-MM-DD", years 0001-9999; nullopt for anything else, including dates that do not exist.
std::optional<absl::CivilDay> ParseDate(absl::string_view text);
std::string FormatDate(absl::CivilDay day);
// "HH:MM", 00:00-24:00, as minutes since midnight; nullopt for anything else.
std::optional<int> ParseClockTime(absl::string_view text);
std::string FormatClockTime(int minute_of_day);

// working_days 0..365 | working_hours 1..2000 (whole hours) | working_minutes 1..120000 |
// elapsed_minutes 1..525600 | elapsed_seconds 1..86400. ToProto writes whole units, rounding a
// fraction down: working-period time that is not whole hours is written as working_minutes, an
// elapsed budget that is not whole minutes in seconds.
absl::StatusOr<calendar::Budget> BudgetFromProto(const v1::Budget& p);
v1::Budget BudgetToProto(const calendar::Budget& b);

// Trust.name is output only ("trust").
absl::StatusOr<Trust> TrustFromProto(const v1::Trust& p);
v1::Trust TrustToProto(const Trust& t);

// `school_id` empty: the id comes from p.name() (then required). Given: p.name() may be empty or
// must name that school.
absl::StatusOr<School> SchoolFromProto(const v1::School& p, absl::string_view school_id = {});
v1::School SchoolToProto(const School& s);
absl::StatusOr<SchoolCalendar> SchoolCalendarFromProto(const v1::SchoolCalendar& p);
v1::SchoolCalendar SchoolCalendarToProto(const SchoolCalendar& c);
absl::StatusOr<CommunicationPolicy> CommunicationPolicyFromProto(const v1::CommunicationPolicy& p);
// `school_id` names the staff an incident notice rule refers to.
v1::CommunicationPolicy CommunicationPolicyToProto(const CommunicationPolicy& p, absl::string_view school_id = "");

// Staff, pupils and ladders: ids taken from p.name() (then required); an id passed in
// (`school_id`, `staff_id`, ... for Create and Update) must agree with the name when the name is
// set. A name in another school is INVALID_NAME. References to staff in another school are
// CROSS_SCHOOL_REFERENCE.
absl::StatusOr<Staff> StaffFromProto(const v1::Staff& p);
absl::StatusOr<Staff> StaffFromProto(const v1::Staff& p, absl::string_view school_id, absl::string_view staff_id);
v1::Staff StaffToProto(const Staff& s);

absl::StatusOr<Pupil> PupilFromProto(const v1::Pupil& p);
absl::StatusOr<Pupil> PupilFromProto(const v1::Pupil& p, absl::string_view school_id, absl::string_view pupil_id);
v1::Pupil PupilToProto(const Pupil& p);

// `guardian_id` empty: from p.name().
absl::StatusOr<Guardian> GuardianFromProto(const v1::Guardian& p, absl::string_view guardian_id = {});
v1::Guardian GuardianToProto(const Guardian& g);

// What a notice is addressed and sent with (BatchGetContactDetails): names, the display name
// ("Given Family" for guardians and pupils), and the guardian's contact points, the staff
// member's email, or the pupil's year and class.
v1::ContactDetails ContactDetailsToProto(const Guardian& g);
v1::ContactDetails ContactDetailsToProto(const Staff& s);
v1::ContactDetails ContactDetailsToProto(const Pupil& p);
// A school's external contact (email only when its contact is an address).
v1::ContactDetails ContactDetailsToProto(const std::string& school_id, const ExternalContact& c);

// Who, in the school `school_id`: a staff target must be a member of staff of that school.
absl::StatusOr<RoleRef> RoleRefFromProto(const v1::RoleRef& p, absl::string_view school_id);
v1::RoleRef RoleRefToProto(const RoleRef& r, absl::string_view school_id);
absl::StatusOr<RoutingRule> RoutingRuleFromProto(const v1::RoutingRule& p, absl::string_view school_id);
v1::RoutingRule RoutingRuleToProto(const RoutingRule& r, absl::string_view school_id);
absl::StatusOr<Rung> RungFromProto(const v1::Rung& p, absl::string_view school_id);
v1::Rung RungToProto(const Rung& r, absl::string_view school_id);

// `school_id` empty: from p.name().
absl::StatusOr<RoutingMatrix> RoutingMatrixFromProto(const v1::RoutingMatrix& p, absl::string_view school_id = {});
v1::RoutingMatrix RoutingMatrixToProto(const RoutingMatrix& m);

absl::StatusOr<Ladder> LadderFromProto(const v1::Ladder& p);
absl::StatusOr<Ladder> LadderFromProto(const v1::Ladder& p, absl::string_view school_id, absl::string_view ladder_id);
v1::Ladder LadderToProto(const Ladder& l);

// The whole document. Every school, member of staff, pupil, ladder and guardian is named (its id
// comes from its name); a routing matrix name may be left empty. An id listed twice is
// INVALID_FIELD. A document without a trust leaves Trust empty (the import then keeps the current
// one).
absl::StatusOr<Directory> DirectoryFromProto(const v1::TrustDirectory& p);
v1::TrustDirectory DirectoryToProto(const Directory& d);

// The summary of an import (the last ImportTrustResponse's): counts, the plan per kind with
// resource names ("schools/st-marys/pupils/p-00001", "schools/st-marys/routingMatrix#send"; ids
// only, never personal data) and the directory_etag the plan was made against. applied_time is
// left for the caller.
v1::ImportSummary ImportSummaryToProto(const ImportResult& r);

}  // namespace parley::contacts
