#include "services/appointments/api/evening_convert.h"

#include <utility>

#include "absl/strings/str_cat.h"
#include "common/grpc/api_edge.h"
#include "common/grpc/timestamp.h"
#include "common/status/reason.h"
#include "common/status/reasons.h"
#include "common/status/status_macros.h"

namespace parley::appointments {
namespace {

absl::Duration FromDuration(const google::protobuf::Duration& d) {
  return absl::Seconds(d.seconds()) + absl::Nanoseconds(d.nanos());
}
google::protobuf::Duration ToDuration(absl::Duration d) {
  google::protobuf::Duration out;
  out.set_seconds(absl::ToInt64Seconds(d));
  return out;
}

absl::StatusOr<Interval> RangeFrom(const v1::TimeRange& r, const std::string& field) {
  if (!r.has_start_time() || !r.has_end_time()) {
    return InvalidArgument(reason::kInvalidField, absl::StrCat(field, ": start_time and end_time are required"));
  }
  Interval out{FromTimestamp(r.start_time()), FromTimestamp(r.end_time())};
  if (out.empty()) return InvalidArgument(reason::kInvalidField, absl::StrCat(field, ": must end after it starts"));
  return out;
}

v1::TimeRange RangeTo(const Interval& i) {
  v1::TimeRange out;
  *out.mutable_start_time() = ToTimestamp(i.start);
  *out.mutable_end_time() = ToTimestamp(i.end);
  return out;
}

v1::EveningState StateTo(EveningState s) {
  switch (s) {
    case EveningState::kScheduled:
      return v1::EVENING_STATE_SCHEDULED;
    case EveningState::kOpen:
      return v1::EVENING_STATE_OPEN;
    case EveningState::kClosed:
      return v1::EVENING_STATE_CLOSED;
    case EveningState::kCancelled:
      return v1::EVENING_STATE_CANCELLED;
  }
  return v1::EVENING_STATE_UNSPECIFIED;
}

v1::HouseholdRule RuleTo(HouseholdRule r) {
  return r == HouseholdRule::kOneEach ? v1::HOUSEHOLD_RULE_ONE_EACH : v1::HOUSEHOLD_RULE_ONE_PER_HOUSEHOLD;
}

}  // namespace

absl::StatusOr<HouseholdRule> HouseholdRuleFrom(v1::HouseholdRule rule, bool unspecified_ok) {
  switch (rule) {
    case v1::HOUSEHOLD_RULE_ONE_EACH:
      return HouseholdRule::kOneEach;
    case v1::HOUSEHOLD_RULE_ONE_PER_HOUSEHOLD:
      return HouseholdRule::kOnePerHousehold;
    default:
      if (unspecified_ok) return HouseholdRule::kOnePerHousehold;
      return InvalidArgument(reason::kInvalidField, "rule: choose ONE_PER_HOUSEHOLD or ONE_EACH");
  }
}

absl::StatusOr<std::pair<std::string, std::string>> EveningName(const std::string& name, const char* field) {
  return api::ParseSchoolChild(name, "parentsEvenings", field);
}

absl::StatusOr<std::string> ChildIdAt(const std::string& name, const std::string& collection,
                                      const std::string& school_id, const char* field) {
  PARLEY_ASSIGN_OR_RETURN(auto id, api::ParseSchoolChild(name, collection, field));
  if (id.first != school_id) {
    return InvalidArgument(reason::kCrossSchoolReference, absl::StrCat(field, ": must be of schools/", school_id));
  }
  return id.second;
}

v1::ParentsEvening EveningToProto(const ParentsEvening& e, absl::Time now, int slots_offered, int slots_booked) {
  v1::ParentsEvening out;
  out.set_name(absl::StrCat("schools/", e.school_id, "/parentsEvenings/", e.id));
  out.set_display_name(e.title);
  *out.mutable_time() = RangeTo(e.grid.span);
  *out.mutable_slot_length() = ToDuration(e.grid.slot_length);
  *out.mutable_interpreted_length() = ToDuration(e.grid.interpreted_length);
  *out.mutable_walk() = ToDuration(e.grid.walk);
  for (const EveningTeacher& t : e.grid.teachers) {
    v1::EveningTeacher* teacher = out.add_teachers();
    teacher->set_staff(absl::StrCat("schools/", e.school_id, "/staff/", t.staff_id));
    *teacher->mutable_window() = RangeTo(t.window);
    for (const Interval& b : t.breaks) *teacher->add_breaks() = RangeTo(b);
    teacher->set_room(t.room);
  }
  for (int y : e.year_groups) out.add_year_groups(y);
  *out.mutable_booking_open_time() = ToTimestamp(e.opens_at);
  *out.mutable_booking_close_time() = ToTimestamp(e.closes_at);
  if (e.hold_length != absl::ZeroDuration()) *out.mutable_hold_length() = ToDuration(e.hold_length);
  out.set_max_per_guardian(e.max_per_guardian);
  out.set_household_rule(RuleTo(e.household_rule));
  out.set_state(StateTo(StateAt(e, now)));
  out.set_slots_offered(slots_offered);
  out.set_slots_booked(slots_booked);
  out.set_etag(e.etag);
  return out;
}

absl::StatusOr<ParentsEvening> EveningFrom(const v1::ParentsEvening& in, const std::string& school_id) {
  ParentsEvening e;
  e.school_id = school_id;
  e.title = in.display_name();
  PARLEY_ASSIGN_OR_RETURN(e.grid.span, RangeFrom(in.time(), "parents_evening.time"));
  e.grid.slot_length = FromDuration(in.slot_length());
  e.grid.interpreted_length =
      in.has_interpreted_length() ? FromDuration(in.interpreted_length()) : 2 * e.grid.slot_length;
  e.grid.walk = FromDuration(in.walk());
  for (int i = 0; i < in.teachers_size(); ++i) {
    const v1::EveningTeacher& t = in.teachers(i);
    const std::string field = absl::StrCat("parents_evening.teachers[", i, "]");
    EveningTeacher teacher;
    PARLEY_ASSIGN_OR_RETURN(teacher.staff_id, ChildIdAt(t.staff(), "staff", school_id, (field + ".staff").c_str()));
    PARLEY_ASSIGN_OR_RETURN(teacher.window, RangeFrom(t.window(), field + ".window"));
    for (int j = 0; j < t.breaks_size(); ++j) {
      PARLEY_ASSIGN_OR_RETURN(Interval b, RangeFrom(t.breaks(j), absl::StrCat(field, ".breaks[", j, "]")));
      teacher.breaks.push_back(b);
    }
    teacher.room = t.room();
    e.grid.teachers.push_back(std::move(teacher));
  }
  for (int y : in.year_groups()) {
    if (y < 0 || y > 14) return InvalidArgument(reason::kInvalidField, "parents_evening.year_groups: 0 to 14");
    e.year_groups.push_back(y);
  }
  e.opens_at = FromTimestamp(in.booking_open_time());
  e.closes_at = in.has_booking_close_time() ? FromTimestamp(in.booking_close_time()) : absl::InfinitePast();
  e.hold_length = in.has_hold_length() ? FromDuration(in.hold_length()) : absl::ZeroDuration();
  e.max_per_guardian = in.max_per_guardian();
  PARLEY_ASSIGN_OR_RETURN(e.household_rule, HouseholdRuleFrom(in.household_rule(), /*unspecified_ok=*/true));
  return e;
}

v1::WaitingListEntry WaitingEntryToProto(const WaitingEntry& e) {
  v1::WaitingListEntry out;
  out.set_name(absl::StrCat("schools/", e.school_id, "/parentsEvenings/", e.evening_id, "/waitingList/", e.id));
  out.set_guardian(absl::StrCat("guardians/", e.guardian_id));
  out.set_pupil(absl::StrCat("schools/", e.school_id, "/pupils/", e.pupil_id));
  out.set_staff(absl::StrCat("schools/", e.school_id, "/staff/", e.staff_id));
  out.set_position(e.position);
  if (!e.offered_booking_id.empty()) {
    out.set_offered_booking(absl::StrCat("schools/", e.school_id, "/bookings/", e.offered_booking_id));
  }
  *out.mutable_create_time() = ToTimestamp(e.create_time);
  return out;
}

v1::HouseholdChoice HouseholdChoiceToProto(const HouseholdChoice& c) {
  v1::HouseholdChoice out;
  out.set_pupil(absl::StrCat("schools/", c.school_id, "/pupils/", c.pupil_id));
  out.set_rule(RuleTo(c.rule));
  out.set_chosen_by(c.chosen_by);
  return out;
}

}  // namespace parley::appointments
