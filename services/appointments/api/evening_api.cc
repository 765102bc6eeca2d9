// The evenings slice's handlers of AppointmentsApi (api/appointments_api.h). Tenancy and reach
// first (Grant::At: another school's caller is PERMISSION_DENIED before anything is read), then the
// request's shape, then one use case of EveningService. The school's staff (school reach) run
// evenings and book for any guardian; a guardian (reach own) sees the evenings of the schools their
// token names and books, waits and chooses only for themselves and their own children; a teacher
// (reach own) reads evenings and their own timetable.
#include <algorithm>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "common/grpc/timestamp.h"
#include "common/status/reason.h"
#include "common/status/reasons.h"
#include "common/status/status_macros.h"
#include "services/appointments/api/appointments_api.h"
#include "services/appointments/api/booking_convert.h"
#include "services/appointments/api/evening_convert.h"
#include "services/appointments/domain/evening_service.h"

namespace parley::appointments {
namespace {

constexpr char kService[] = "appointments";

absl::Status RoleRequired() {
  return PermissionDenied(reason::kRoleRequired, "the caller's role does not allow this operation");
}

// Who the caller is at a school for evenings.
struct EveningCaller {
  EveningActor actor;
  bool whole_school = false;            // school or trust reach
  std::optional<std::string> staff_id;  // a teacher with reach own: their own timetable only
};

absl::StatusOr<EveningCaller> CallerAt(const auth::Grant& caller, const std::string& school_id) {
  PARLEY_ASSIGN_OR_RETURN(auth::Reach reach, caller.At(school_id));
  EveningCaller out;
  if (reach >= auth::Reach::kSchool) {
    out.whole_school = true;
    absl::StatusOr<std::pair<std::string, std::string>> staff =
        api::ParseSchoolChild(caller.subject(), "staff", "token subject");
    out.actor = EveningActor{staff.ok() ? staff->second : caller.subject(), false};
    return out;
  }
  if (reach != auth::Reach::kOwn) return RoleRequired();
  if (absl::StartsWith(caller.subject(), "guardians/")) {
    PARLEY_ASSIGN_OR_RETURN(std::string guardian, api::ParseGuardian(caller.subject(), "token subject"));
    const std::vector<std::string>& schools = caller.principal().schools;
    if (std::find(schools.begin(), schools.end(), school_id) == schools.end()) {
      return PermissionDenied(reason::kWrongSchool, "the caller's token does not cover this school");
    }
    out.actor = EveningActor{std::move(guardian), true};
    return out;
  }
  absl::StatusOr<std::pair<std::string, std::string>> staff =
      api::ParseSchoolChild(caller.subject(), "staff", "token subject");
  if (staff.ok() && staff->first == school_id) {
    out.staff_id = staff->second;
    out.actor = EveningActor{staff->second, false};
    return out;
  }
  return RoleRequired();
}

// Guardians act for themselves and the school's staff for anyone; a teacher's own reach books nobody.
absl::Status CheckCanBook(const EveningCaller& who) {
  if (who.whole_school || who.actor.guardian) return absl::OkStatus();
  return RoleRequired();
}

// The guardian a booking request names: a guardian caller may name only themselves.
absl::StatusOr<std::string> GuardianFor(const EveningCaller& who, const std::string& name, const char* field) {
  PARLEY_ASSIGN_OR_RETURN(std::string guardian, api::ParseGuardian(name, field));
  if (who.actor.guardian && guardian != who.actor.id) {
    return PermissionDenied(reason::kWrongGuardian, "a guardian books only for themselves");
  }
  return guardian;
}

absl::StatusOr<std::vector<EveningChoice>> ChoicesFrom(const google::protobuf::RepeatedPtrField<v1::SlotChoice>& in,
                                                       const std::string& school_id, const char* list, bool timed) {
  std::vector<EveningChoice> out;
  for (int i = 0; i < in.size(); ++i) {
    const std::string field = absl::StrCat(list, "[", i, "]");
    EveningChoice c;
    PARLEY_ASSIGN_OR_RETURN(c.pupil_id, ChildIdAt(in[i].pupil(), "pupils", school_id, (field + ".pupil").c_str()));
    PARLEY_ASSIGN_OR_RETURN(c.staff_id, ChildIdAt(in[i].staff(), "staff", school_id, (field + ".staff").c_str()));
    if (timed) {
      if (!in[i].has_time() || !in[i].time().has_start_time() || !in[i].time().has_end_time()) {
        return InvalidArgument(reason::kInvalidField,
                               absl::StrCat(field, ".time: start_time and end_time are required"));
      }
      c.time = Interval{FromTimestamp(in[i].time().start_time()), FromTimestamp(in[i].time().end_time())};
      if (c.time.empty())
        return InvalidArgument(reason::kInvalidSlot, absl::StrCat(field, ".time: ends before it starts"));
    }
    out.push_back(std::move(c));
  }
  return out;
}

// The evening resource with its slots offered and booked now.
absl::StatusOr<v1::ParentsEvening> EveningResource(EveningService& evenings, const ParentsEvening& e) {
  PARLEY_ASSIGN_OR_RETURN(std::vector<EveningSlotView> slots, evenings.ListSlots(e.school_id, e.id, "", false));
  const int booked =
      static_cast<int>(std::count_if(slots.begin(), slots.end(), [](const EveningSlotView& s) { return !s.free; }));
  return EveningToProto(e, evenings.Now(), static_cast<int>(slots.size()), booked);
}

}  // namespace

grpc::Status AppointmentsApi::CreateParentsEvening(grpc::ServerContext* ctx, const v1::CreateParentsEveningRequest* req,
                                                   v1::ParentsEvening* resp) {
  return edge_.Serve(ctx, *req, [&](const auth::Grant& caller) -> absl::Status {
    PARLEY_ASSIGN_OR_RETURN(std::string school_id, api::ParseSchool(req->parent(), "parent"));
    PARLEY_ASSIGN_OR_RETURN(EveningCaller who, CallerAt(caller, school_id));
    if (!who.whole_school) return RoleRequired();
    PARLEY_ASSIGN_OR_RETURN(RequestKey key, api::RequestKeyFor(caller, kService, "CreateParentsEvening", *req));
    PARLEY_ASSIGN_OR_RETURN(ParentsEvening in, EveningFrom(req->parents_evening(), school_id));
    PARLEY_ASSIGN_OR_RETURN(ParentsEvening e, services_.evenings->Create(key, std::move(in), who.actor));
    PARLEY_ASSIGN_OR_RETURN(*resp, EveningResource(*services_.evenings, e));
    return absl::OkStatus();
  });
}

grpc::Status AppointmentsApi::GetParentsEvening(grpc::ServerContext* ctx, const v1::GetParentsEveningRequest* req,
                                                v1::ParentsEvening* resp) {
  return edge_.Serve(ctx, *req, [&](const auth::Grant& caller) -> absl::Status {
    PARLEY_ASSIGN_OR_RETURN(auto id, EveningName(req->name(), "name"));
    PARLEY_RETURN_IF_ERROR(CallerAt(caller, id.first).status());
    PARLEY_ASSIGN_OR_RETURN(ParentsEvening e, services_.evenings->Get(id.first, id.second));
    PARLEY_ASSIGN_OR_RETURN(*resp, EveningResource(*services_.evenings, e));
    return absl::OkStatus();
  });
}

grpc::Status AppointmentsApi::ListParentsEvenings(grpc::ServerContext* ctx, const v1::ListParentsEveningsRequest* req,
                                                  v1::ListParentsEveningsResponse* resp) {
  return edge_.Serve(ctx, *req, [&](const auth::Grant& caller) -> absl::Status {
    PARLEY_ASSIGN_OR_RETURN(std::string school_id, api::ParseSchool(req->parent(), "parent"));
    PARLEY_RETURN_IF_ERROR(CallerAt(caller, school_id).status());
    PARLEY_ASSIGN_OR_RETURN(api::PageRequest page, api::ParsePage(*req));
    PARLEY_ASSIGN_OR_RETURN(std::vector<ParentsEvening> found,
                            services_.evenings->List(school_id, page.after, page.size));
    for (const ParentsEvening& e : found) {
      PARLEY_ASSIGN_OR_RETURN(*resp->add_parents_evenings(), EveningResource(*services_.evenings, e));
    }
    if (static_cast<int>(found.size()) == page.size) {
      resp->set_next_page_token(api::NextPageToken(*req, found.back().id));
    }
    return absl::OkStatus();
  });
}

grpc::Status AppointmentsApi::CancelParentsEvening(grpc::ServerContext* ctx, const v1::CancelParentsEveningRequest* req,
                                                   v1::ParentsEvening* resp) {
  return edge_.Serve(ctx, *req, [&](const auth::Grant& caller) -> absl::Status {
    PARLEY_ASSIGN_OR_RETURN(auto id, EveningName(req->name(), "name"));
    PARLEY_ASSIGN_OR_RETURN(EveningCaller who, CallerAt(caller, id.first));
    if (!who.whole_school) return RoleRequired();
    PARLEY_ASSIGN_OR_RETURN(RequestKey key, api::RequestKeyFor(caller, kService, "CancelParentsEvening", *req));
    PARLEY_ASSIGN_OR_RETURN(ParentsEvening e,
                            services_.evenings->Cancel(key, id.first, id.second, req->reason(), req->etag()));
    PARLEY_ASSIGN_OR_RETURN(*resp, EveningResource(*services_.evenings, e));
    return absl::OkStatus();
  });
}

grpc::Status AppointmentsApi::ListEveningSlots(grpc::ServerContext* ctx, const v1::ListEveningSlotsRequest* req,
                                               v1::ListEveningSlotsResponse* resp) {
  return edge_.Serve(ctx, *req, [&](const auth::Grant& caller) -> absl::Status {
    PARLEY_ASSIGN_OR_RETURN(auto id, EveningName(req->parent(), "parent"));
    PARLEY_RETURN_IF_ERROR(CallerAt(caller, id.first).status());
    std::string staff_id;
    if (!req->staff().empty()) {
      PARLEY_ASSIGN_OR_RETURN(staff_id, ChildIdAt(req->staff(), "staff", id.first, "staff"));
    }
    PARLEY_ASSIGN_OR_RETURN(std::vector<EveningSlotView> slots,
                            services_.evenings->ListSlots(id.first, id.second, staff_id, req->free_only()));
    // No one's name: which slots are free is all anyone needs to pick one.
    for (const EveningSlotView& s : slots) {
      v1::EveningSlot* out = resp->add_slots();
      out->set_staff(absl::StrCat("schools/", id.first, "/staff/", s.staff_id));
      *out->mutable_time()->mutable_start_time() = ToTimestamp(s.time.start);
      *out->mutable_time()->mutable_end_time() = ToTimestamp(s.time.end);
      out->set_free(s.free);
      out->set_room(s.room);
    }
    return absl::OkStatus();
  });
}

grpc::Status AppointmentsApi::HoldEveningSlots(grpc::ServerContext* ctx, const v1::HoldEveningSlotsRequest* req,
                                               v1::HoldEveningSlotsResponse* resp) {
  return edge_.Serve(ctx, *req, [&](const auth::Grant& caller) -> absl::Status {
    PARLEY_ASSIGN_OR_RETURN(auto id, EveningName(req->parent(), "parent"));
    PARLEY_ASSIGN_OR_RETURN(EveningCaller who, CallerAt(caller, id.first));
    PARLEY_RETURN_IF_ERROR(CheckCanBook(who));
    PARLEY_ASSIGN_OR_RETURN(std::string guardian, GuardianFor(who, req->guardian(), "guardian"));
    PARLEY_ASSIGN_OR_RETURN(RequestKey key, api::RequestKeyFor(caller, kService, "HoldEveningSlots", *req));
    PARLEY_ASSIGN_OR_RETURN(std::vector<EveningChoice> choices,
                            ChoicesFrom(req->slots(), id.first, "slots", /*timed=*/true));
    PARLEY_ASSIGN_OR_RETURN(std::vector<Booking> held,
                            services_.evenings->HoldSlots(key, id.first, id.second, guardian, choices,
                                                          req->interpreter_language(), who.actor));
    for (const Booking& b : held) *resp->add_bookings() = BookingToProto(b, who.actor.guardian);
    return absl::OkStatus();
  });
}

grpc::Status AppointmentsApi::ProposeEveningSchedule(grpc::ServerContext* ctx,
                                                     const v1::ProposeEveningScheduleRequest* req,
                                                     v1::HoldEveningSlotsResponse* resp) {
  return edge_.Serve(ctx, *req, [&](const auth::Grant& caller) -> absl::Status {
    PARLEY_ASSIGN_OR_RETURN(auto id, EveningName(req->parent(), "parent"));
    PARLEY_ASSIGN_OR_RETURN(EveningCaller who, CallerAt(caller, id.first));
    PARLEY_RETURN_IF_ERROR(CheckCanBook(who));
    PARLEY_ASSIGN_OR_RETURN(std::string guardian, GuardianFor(who, req->guardian(), "guardian"));
    PARLEY_ASSIGN_OR_RETURN(RequestKey key, api::RequestKeyFor(caller, kService, "ProposeEveningSchedule", *req));
    if (!req->available().has_start_time() || !req->available().has_end_time()) {
      return InvalidArgument(reason::kInvalidField, "available: start_time and end_time are required");
    }
    const Interval available{FromTimestamp(req->available().start_time()), FromTimestamp(req->available().end_time())};
    if (available.empty()) return InvalidArgument(reason::kInvalidField, "available: must end after it starts");
    PARLEY_ASSIGN_OR_RETURN(std::vector<EveningChoice> choices,
                            ChoicesFrom(req->teachers(), id.first, "teachers", /*timed=*/false));
    PARLEY_ASSIGN_OR_RETURN(std::vector<Booking> held,
                            services_.evenings->Propose(key, id.first, id.second, guardian, available, choices,
                                                        req->interpreter_language(), who.actor));
    for (const Booking& b : held) *resp->add_bookings() = BookingToProto(b, who.actor.guardian);
    return absl::OkStatus();
  });
}

grpc::Status AppointmentsApi::JoinWaitingList(grpc::ServerContext* ctx, const v1::JoinWaitingListRequest* req,
                                              v1::WaitingListEntry* resp) {
  return edge_.Serve(ctx, *req, [&](const auth::Grant& caller) -> absl::Status {
    PARLEY_ASSIGN_OR_RETURN(auto id, EveningName(req->parent(), "parent"));
    PARLEY_ASSIGN_OR_RETURN(EveningCaller who, CallerAt(caller, id.first));
    PARLEY_RETURN_IF_ERROR(CheckCanBook(who));
    PARLEY_ASSIGN_OR_RETURN(RequestKey key, api::RequestKeyFor(caller, kService, "JoinWaitingList", *req));
    WaitingEntry entry;
    entry.school_id = id.first;
    entry.evening_id = id.second;
    PARLEY_ASSIGN_OR_RETURN(entry.guardian_id, GuardianFor(who, req->entry().guardian(), "entry.guardian"));
    PARLEY_ASSIGN_OR_RETURN(entry.pupil_id, ChildIdAt(req->entry().pupil(), "pupils", id.first, "entry.pupil"));
    PARLEY_ASSIGN_OR_RETURN(entry.staff_id, ChildIdAt(req->entry().staff(), "staff", id.first, "entry.staff"));
    PARLEY_ASSIGN_OR_RETURN(WaitingEntry joined, services_.evenings->JoinWaitingList(key, entry, who.actor));
    *resp = WaitingEntryToProto(joined);
    return absl::OkStatus();
  });
}

grpc::Status AppointmentsApi::LeaveWaitingList(grpc::ServerContext* ctx, const v1::LeaveWaitingListRequest* req,
                                               google::protobuf::Empty*) {
  return edge_.Serve(ctx, *req, [&](const auth::Grant& caller) -> absl::Status {
    PARLEY_ASSIGN_OR_RETURN(
        std::vector<std::string> parts,
        api::ParseName("schools/{school}/parentsEvenings/{evening}/waitingList/{entry}", req->name(), "name"));
    PARLEY_ASSIGN_OR_RETURN(EveningCaller who, CallerAt(caller, parts[0]));
    PARLEY_RETURN_IF_ERROR(CheckCanBook(who));
    PARLEY_ASSIGN_OR_RETURN(RequestKey key, api::RequestKeyFor(caller, kService, "LeaveWaitingList", *req));
    return services_.evenings->LeaveWaitingList(key, parts[0], parts[1], parts[2], who.actor);
  });
}

grpc::Status AppointmentsApi::ListWaitingList(grpc::ServerContext* ctx, const v1::ListWaitingListRequest* req,
                                              v1::ListWaitingListResponse* resp) {
  return edge_.Serve(ctx, *req, [&](const auth::Grant& caller) -> absl::Status {
    PARLEY_ASSIGN_OR_RETURN(auto id, EveningName(req->parent(), "parent"));
    PARLEY_ASSIGN_OR_RETURN(EveningCaller who, CallerAt(caller, id.first));
    PARLEY_RETURN_IF_ERROR(CheckCanBook(who));
    std::string staff_id;
    if (!req->staff().empty()) {
      PARLEY_ASSIGN_OR_RETURN(staff_id, ChildIdAt(req->staff(), "staff", id.first, "staff"));
    }
    PARLEY_ASSIGN_OR_RETURN(std::vector<WaitingEntry> entries,
                            services_.evenings->ListWaitingList(id.first, id.second, staff_id, who.actor));
    for (const WaitingEntry& e : entries) *resp->add_entries() = WaitingEntryToProto(e);
    return absl::OkStatus();
  });
}

grpc::Status AppointmentsApi::SetHouseholdChoice(grpc::ServerContext* ctx, const v1::SetHouseholdChoiceRequest* req,
                                                 v1::HouseholdChoice* resp) {
  return edge_.Serve(ctx, *req, [&](const auth::Grant& caller) -> absl::Status {
    PARLEY_ASSIGN_OR_RETURN(auto id, EveningName(req->parent(), "parent"));
    PARLEY_ASSIGN_OR_RETURN(EveningCaller who, CallerAt(caller, id.first));
    PARLEY_RETURN_IF_ERROR(CheckCanBook(who));
    PARLEY_ASSIGN_OR_RETURN(RequestKey key, api::RequestKeyFor(caller, kService, "SetHouseholdChoice", *req));
    HouseholdChoice choice;
    choice.school_id = id.first;
    choice.evening_id = id.second;
    PARLEY_ASSIGN_OR_RETURN(choice.pupil_id, ChildIdAt(req->choice().pupil(), "pupils", id.first, "choice.pupil"));
    PARLEY_ASSIGN_OR_RETURN(choice.rule, HouseholdRuleFrom(req->choice().rule(), /*unspecified_ok=*/false));
    PARLEY_ASSIGN_OR_RETURN(HouseholdChoice set, services_.evenings->SetHouseholdChoice(key, choice, who.actor));
    *resp = HouseholdChoiceToProto(set);
    resp->set_chosen_by(who.actor.guardian ? absl::StrCat("guardians/", set.chosen_by)
                                           : absl::StrCat("schools/", id.first, "/staff/", set.chosen_by));
    return absl::OkStatus();
  });
}

grpc::Status AppointmentsApi::GetTimetable(grpc::ServerContext* ctx, const v1::GetTimetableRequest* req,
                                           v1::Timetable* resp) {
  return edge_.Serve(ctx, *req, [&](const auth::Grant& caller) -> absl::Status {
    PARLEY_ASSIGN_OR_RETURN(auto id, EveningName(req->parent(), "parent"));
    PARLEY_ASSIGN_OR_RETURN(EveningCaller who, CallerAt(caller, id.first));
    if (req->guardian().empty() == req->staff().empty()) {
      return InvalidArgument(reason::kInvalidField, "guardian, staff: give exactly one");
    }
    std::vector<Booking> bookings;
    if (!req->guardian().empty()) {
      PARLEY_ASSIGN_OR_RETURN(std::string guardian, api::ParseGuardian(req->guardian(), "guardian"));
      if (!who.whole_school && !(who.actor.guardian && who.actor.id == guardian)) {
        return PermissionDenied(reason::kWrongGuardian, "a guardian sees only their own timetable");
      }
      PARLEY_ASSIGN_OR_RETURN(bookings, services_.evenings->GuardianTimetable(id.first, id.second, guardian));
    } else {
      // Who comes when is the school's: staff only, a teacher their own.
      PARLEY_ASSIGN_OR_RETURN(std::string staff_id, ChildIdAt(req->staff(), "staff", id.first, "staff"));
      if (!who.whole_school && who.staff_id != staff_id) return RoleRequired();
      PARLEY_ASSIGN_OR_RETURN(bookings, services_.evenings->TeacherTimetable(id.first, id.second, staff_id));
    }
    for (const Booking& b : bookings) *resp->add_bookings() = BookingToProto(b, who.actor.guardian);
    return absl::OkStatus();
  });
}

}  // namespace parley::appointments
