#include "services/contacts/api/contacts_api.h"

#include <algorithm>
#include <map>
#include <memory>
#include <optional>
#include <set>
#include <string>
#include <utility>
#include <vector>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "common/status/reason.h"
#include "common/status/status_macros.h"
#include "services/contacts/api/convert.h"
#include "services/contacts/api/resource_names.h"
#include "services/contacts/api/visibility.h"
#include "services/contacts/domain/model.h"

namespace parley::contacts {
namespace {

using google::protobuf::Message;

constexpr char kService[] = "contacts";
constexpr int kMaxBatch = 1000;
constexpr int kMaxPauses = 100;

absl::Status SchoolNotFound(const std::string& school_id) {
  return NotFound(reason::kSchoolNotFound, absl::StrCat("school ", school_id, " does not exist"));
}

// The request key of a mutating call: its method is the request type without "Request".
absl::StatusOr<RequestKey> KeyOf(const auth::Principal& caller, const Message& req) {
  std::string method = req.GetDescriptor()->name();
  method.resize(method.size() - std::string("Request").size());
  return api::RequestKeyFor(caller, kService, method, req);
}

std::string EmptyResponse() { return google::protobuf::Empty().SerializeAsString(); }

// Walks `items` (a map ordered by id) after the page's position, keeping those `keep` accepts.
// Pages are keyed by the last id returned, so concurrent inserts never shift a page; the token
// that continues is bound to `req` (the list and its filters).
template <typename Map, typename Keep, typename Emit>
std::string Paginate(const Message& req, const Map& items, const api::PageRequest& page, Keep keep, Emit emit) {
  int emitted = 0;
  const std::string* last_emitted = nullptr;
  for (auto it = page.after.empty() ? items.begin() : items.upper_bound(page.after); it != items.end(); ++it) {
    if (!keep(it->second)) continue;
    // A full page and at least one more match: the next page starts after the last one emitted.
    if (emitted == page.size) return api::NextPageToken(req, *last_emitted);
    emit(it->second);
    last_emitted = &it->first;
    ++emitted;
  }
  return "";
}

// ---- What differs between the kinds of record the shared handlers serve -------------------------

// The words for a kind of record: in messages, names and reasons.
struct Words {
  const char* what;        // "pupil"
  const char* collection;  // the name segment: "schools/{school}/{collection}/{id}"
  const char* id_field;    // of its Create request
  const char* not_found;   // reason
};

// The fields an update may change, by resource.
const std::set<std::string>& Updatable(const google::protobuf::Descriptor& resource) {
  static const auto* const updatable = new std::map<std::string, std::set<std::string>>{
      {"School", {"display_name", "phase", "default_locale", "calendar", "policy", "external_contacts"}},
      {"Staff",
       {"display_name", "roles", "subjects", "year_groups", "line_manager", "working_pattern", "email", "leaving_date",
        "away_from", "away_until"}},
      {"Pupil",
       {"given_name", "family_name", "year_group", "class_name", "class_teacher", "form_tutor", "subject_teachers",
        "send"}},
      {"Guardian",
       {"given_name", "family_name", "contact_points", "preferred_channel", "language", "household", "lives_apart",
        "separate_copies", "pupils"}}};
  static const std::set<std::string> kNothing;
  auto it = updatable->find(resource.name());
  return it == updatable->end() ? kNothing : it->second;
}

template <typename T>
struct RecordKind;

// A record that lives inside one school (staff, pupils, ladders), named
// "schools/{school}/{collection}/{id}" and created under "schools/{school}". Who may read and write
// it is the method's access rule at its school; a kind narrows what a reach shows with Visible and
// Shown.
template <typename T, typename P, std::map<std::string, T> SchoolDirectory::*kRecords, P (*kToProto)(const T&),
          absl::StatusOr<T> (*kFromProto)(const P&, absl::string_view, absl::string_view)>
struct InSchool {
  using Proto = P;
  using Id = SchoolScopedId;
  static constexpr const Words& words() { return RecordKind<T>::kWords; }
  static absl::StatusOr<Id> Parse(absl::string_view name) {
    return ParseInSchoolName(words().what, words().collection, name);
  }
  static absl::StatusOr<Id> NewId(absl::string_view parent, absl::string_view id) {
    PARLEY_ASSIGN_OR_RETURN(std::string school_id, ParseSchoolName(parent));
    PARLEY_RETURN_IF_ERROR(api::ValidateId(id, words().id_field));
    return Id{std::move(school_id), std::string(id)};
  }
  static const std::string& SchoolOf(const Id& id) { return id.first; }
  static const std::map<std::string, T>& Records(const SchoolDirectory& sd) { return sd.*kRecords; }
  static const T* Find(const Snapshot& s, const Id& id) {
    const SchoolDirectory* sd = s.FindSchool(id.first);
    if (sd == nullptr) return nullptr;
    auto it = Records(*sd).find(id.second);
    return it == Records(*sd).end() ? nullptr : &it->second;
  }
  static Proto ToProto(const T& record) { return kToProto(record); }
  static absl::StatusOr<T> FromProto(const Proto& p, const Id& id) { return kFromProto(p, id.first, id.second); }
  static bool Visible(const Snapshot&, const auth::Grant&, auth::Reach, const T&) { return true; }
  static const T& Shown(auth::Reach, const T& record) { return record; }
  static absl::StatusOr<std::string> Create(DirectoryService& d, const RequestKey& key, T record,
                                            const api::Encoder<T>& encode) {
    return d.Create<T>(key, std::move(record), encode);
  }
  static absl::StatusOr<std::string> Update(DirectoryService& d, const RequestKey& key, const Id& id,
                                            const std::string& etag, const Updater<T>& update,
                                            const api::Encoder<T>& encode) {
    return d.Update<T>(key, id, etag, update, encode);
  }
  static absl::StatusOr<std::string> Delete(DirectoryService& d, const RequestKey& key, const Id& id,
                                            const std::string& etag, const std::string& empty_response) {
    return d.Delete<T>(key, id, etag, empty_response);
  }
};

template <>
struct RecordKind<Staff> : InSchool<Staff, v1::Staff, &SchoolDirectory::staff, &StaffToProto, &StaffFromProto> {
  static constexpr Words kWords{"staff", "staff", "staff_id", reason::kStaffNotFound};
  // Guardians see staff by name and role only.
  static Staff Shown(auth::Reach reach, const Staff& staff) { return StaffAsSeenBy(reach, staff); }
};
template <>
struct RecordKind<Pupil> : InSchool<Pupil, v1::Pupil, &SchoolDirectory::pupils, &PupilToProto, &PupilFromProto> {
  static constexpr Words kWords{"pupil", "pupils", "pupil_id", reason::kPupilNotFound};
  // Guardians see their own children only.
  static bool Visible(const Snapshot& s, const auth::Grant& caller, auth::Reach reach, const Pupil& pupil) {
    return MaySeePupil(s, caller, reach, pupil);
  }
};
// Ladders are replaced whole on update (UpdateLadder), not through a mask.
template <>
struct RecordKind<Ladder> : InSchool<Ladder, v1::Ladder, &SchoolDirectory::ladders, &LadderToProto, &LadderFromProto> {
  static constexpr Words kWords{"ladder", "ladders", "ladder_id", reason::kLadderNotFound};
};

// Schools: named "schools/{school}"; created and deleted under the trust's rule (CreateSchool and
// DeleteSchool change the trust), updated under the school's.
template <>
struct RecordKind<School> {
  using Proto = v1::School;
  using Id = std::string;
  static constexpr Words kWords{"school", "schools", "school_id", reason::kSchoolNotFound};
  static constexpr const Words& words() { return kWords; }
  static absl::StatusOr<Id> Parse(absl::string_view name) { return ParseSchoolName(name); }
  static absl::StatusOr<Id> NewId(absl::string_view, absl::string_view id) {
    PARLEY_RETURN_IF_ERROR(api::ValidateId(id, kWords.id_field));
    return std::string(id);
  }
  static const std::string& SchoolOf(const Id& id) { return id; }
  static const School* Find(const Snapshot& s, const Id& id) {
    const SchoolDirectory* sd = s.FindSchool(id);
    return sd == nullptr ? nullptr : &sd->school;
  }
  static Proto ToProto(const School& school) { return SchoolToProto(school); }
  static absl::StatusOr<School> FromProto(const Proto& p, const Id& id) { return SchoolFromProto(p, id); }
  static bool Visible(const Snapshot&, const auth::Grant&, auth::Reach, const School&) { return true; }
  static const School& Shown(auth::Reach, const School& school) { return school; }
  static absl::StatusOr<std::string> Create(DirectoryService& d, const RequestKey& key, School school,
                                            const api::Encoder<School>& encode) {
    return d.CreateSchool(key, std::move(school), encode);
  }
  static absl::StatusOr<std::string> Update(DirectoryService& d, const RequestKey& key, const Id& id,
                                            const std::string& etag, const Updater<School>& update,
                                            const api::Encoder<School>& encode) {
    return d.UpdateSchool(key, id, etag, update, encode);
  }
  static absl::StatusOr<std::string> Delete(DirectoryService& d, const RequestKey& key, const Id& id,
                                            const std::string& etag, const std::string& empty_response) {
    return d.DeleteSchool(key, id, etag, empty_response);
  }
};

template <typename T>
api::Encoder<T> EncoderOf() {
  using K = RecordKind<T>;
  return api::EncodeWith<typename K::Proto, T>(&K::ToProto);
}

absl::Time FromTimestamp(const google::protobuf::Timestamp& ts) {
  return absl::FromUnixSeconds(ts.seconds()) + absl::Nanoseconds(ts.nanos());
}

void ToTimestamp(absl::Time t, google::protobuf::Timestamp* ts) {
  const int64_t nanos = absl::ToUnixNanos(t);
  ts->set_seconds(static_cast<int64_t>(absl::ToUnixSeconds(t)));
  ts->set_nanos(static_cast<int32_t>(nanos - ts->seconds() * 1'000'000'000));
}

absl::Status ValidTimestamp(const google::protobuf::Timestamp& ts, const std::string& field) {
  // 0001-01-01 .. 9999-12-31, as google.protobuf.Timestamp defines.
  if (ts.seconds() < -62135596800 || ts.seconds() > 253402300799 || ts.nanos() < 0 || ts.nanos() > 999999999) {
    return InvalidArgument(reason::kInvalidField, absl::StrCat(field, " is not a valid timestamp"));
  }
  return absl::OkStatus();
}

v1::Recipient RecipientToProto(const std::string& school_id, const Recipient& r) {
  v1::Recipient out;
  if (r.kind == Recipient::Kind::kStaff) {
    out.set_staff(StaffName(school_id, r.id));
  } else {
    out.set_external_contact(r.id);
  }
  out.set_display_name(r.display_name);
  out.set_role(r.role);
  return out;
}

v1::ExplanationStepKind StepKindToProto(calendar::Step::Kind kind) {
  switch (kind) {
    case calendar::Step::Kind::kReceived:
      return v1::EXPLANATION_STEP_KIND_RECEIVED;
    case calendar::Step::Kind::kClockStart:
      return v1::EXPLANATION_STEP_KIND_CLOCK_START;
    case calendar::Step::Kind::kSkipped:
      return v1::EXPLANATION_STEP_KIND_SKIPPED;
    case calendar::Step::Kind::kCounted:
      return v1::EXPLANATION_STEP_KIND_COUNTED;
    case calendar::Step::Kind::kPause:
      return v1::EXPLANATION_STEP_KIND_PAUSE;
    case calendar::Step::Kind::kDue:
      return v1::EXPLANATION_STEP_KIND_DUE;
  }
  return v1::EXPLANATION_STEP_KIND_UNSPECIFIED;
}

std::string DayString(absl::CivilDay day) { return absl::FormatCivilTime(day); }

// Shape checks and domain query for one ComputeDeadline request.
absl::StatusOr<DeadlineQuery> DeadlineQueryFromProto(const v1::ComputeDeadlineRequest& req, bool explain) {
  DeadlineQuery q;
  PARLEY_ASSIGN_OR_RETURN(q.school_id, ParseSchoolName(req.school()));
  q.safeguarding = req.safeguarding();
  q.category = req.category();
  if (!v1::Channel_IsValid(req.channel()) || !v1::Stage_IsValid(req.stage())) {
    return InvalidArgument(reason::kInvalidField, "channel or stage is not one this API defines");
  }
  if (!q.safeguarding) {
    if (req.channel() == v1::CHANNEL_UNSPECIFIED) return InvalidArgument(reason::kInvalidField, "channel is required");
    if (req.stage() == v1::STAGE_UNSPECIFIED) return InvalidArgument(reason::kInvalidField, "stage is required");
  }
  q.channel = ChannelFromProto(req.channel());
  q.stage = StageFromProto(req.stage());
  if (!req.has_received_time()) return InvalidArgument(reason::kInvalidField, "received_time is required");
  PARLEY_RETURN_IF_ERROR(ValidTimestamp(req.received_time(), "received_time"));
  q.received = FromTimestamp(req.received_time());
  if (!req.owner().empty()) {
    PARLEY_ASSIGN_OR_RETURN(auto owner, ParseStaffName(req.owner()));
    if (owner.first != q.school_id) {
      return InvalidArgument(reason::kCrossSchoolReference, "owner must be a member of staff of the same school");
    }
    q.owner_id = owner.second;
  }
  if (req.pauses_size() > kMaxPauses) {
    return InvalidArgument(reason::kInvalidField, absl::StrCat("at most ", kMaxPauses, " pauses"));
  }
  for (int i = 0; i < req.pauses_size(); ++i) {
    const v1::Pause& p = req.pauses(i);
    const std::string where = absl::StrCat("pauses[", i, "]");
    if (!p.has_start_time())
      return InvalidArgument(reason::kInvalidField, absl::StrCat(where, ".start_time is required"));
    PARLEY_RETURN_IF_ERROR(ValidTimestamp(p.start_time(), where + ".start_time"));
    calendar::Pause pause{FromTimestamp(p.start_time()), std::nullopt};
    if (p.has_end_time()) {
      PARLEY_RETURN_IF_ERROR(ValidTimestamp(p.end_time(), where + ".end_time"));
      pause.end = FromTimestamp(p.end_time());
      if (*pause.end < pause.start) {
        return InvalidArgument(reason::kInvalidField, absl::StrCat(where, " ends before it starts"));
      }
    }
    q.pauses.push_back(pause);
  }
  q.explain = explain;
  return q;
}

v1::ComputeDeadlineResponse DeadlineToProto(const DeadlineAnswer& a) {
  v1::ComputeDeadlineResponse out;
  ToTimestamp(a.deadline.clock_start, out.mutable_clock_start_time());
  if (a.deadline.due) ToTimestamp(*a.deadline.due, out.mutable_due_time());
  *out.mutable_budget() = BudgetToProto(a.budget);
  out.set_clock_calendar(a.clock_calendar == ClockCalendar::kOwner ? v1::CLOCK_CALENDAR_OWNER
                                                                   : v1::CLOCK_CALENDAR_SCHOOL);
  out.set_calendar_version(a.calendar_version);
  out.set_policy_version(a.policy_version);
  out.set_policy_text(a.policy_text);
  out.set_time_zone(a.time_zone);
  for (const calendar::Step& step : a.deadline.steps) {
    v1::ExplanationStep* s = out.mutable_explanation()->add_steps();
    s->set_kind(StepKindToProto(step.kind));
    if (step.time != absl::InfinitePast()) ToTimestamp(step.time, s->mutable_time());
    if (step.kind == calendar::Step::Kind::kSkipped || step.kind == calendar::Step::Kind::kCounted) {
      s->set_first_date(DayString(step.first));
      s->set_last_date(DayString(step.last));
    }
    s->set_reason(step.reason);
  }
  if (!a.summary.empty()) out.mutable_explanation()->set_summary(a.summary);
  return out;
}

// The one answer for a guardian the caller may not see, whether it exists elsewhere or not at all,
// so ids of other schools' families cannot be probed.
absl::Status GuardianNotShown(const auth::Grant& caller, const std::string& name) {
  if (caller.ReachesTrust()) {
    return NotFound(reason::kGuardianNotFound, absl::StrCat("guardian ", name, " does not exist"));
  }
  return PermissionDenied(reason::kWrongSchool, "no guardian of that name is linked to a school this token acts for");
}

// A member of staff's working pattern (their days, and so a deadline on their calendar) is staff
// information: those who see staff only by name and role (guardians) may not ask for it.
absl::Status MaySeeWorkingPattern(const auth::Grant& caller, const std::string& school_id) {
  const auth::Grant staff(caller.principal(), {auth::Resource::kStaff, auth::Verb::kRead});
  absl::StatusOr<auth::Reach> reach = staff.At(school_id);
  if (reach.ok() && *reach >= auth::Reach::kSchool) return absl::OkStatus();
  return PermissionDenied(reason::kRoleRequired, "a staff member's working pattern is not shown to this role");
}

// The caller must be able to change records at every school the guardian is linked to.
absl::Status MayEditGuardianLinks(const auth::Grant& caller, const Guardian& g) {
  std::set<std::string> schools;
  for (const PupilLink& l : g.pupils) schools.insert(l.school_id);
  if (schools.empty()) return InvalidArgument(reason::kInvalidField, "a guardian must be linked to at least one pupil");
  for (const std::string& school : schools) PARLEY_RETURN_IF_ERROR(caller.At(school).status());
  return absl::OkStatus();
}

absl::StatusOr<RouteQuery> RouteQueryFromProto(const std::string& school, const std::string& pupil,
                                               const std::string& category, v1::Channel channel,
                                               const std::string& subject) {
  RouteQuery q;
  PARLEY_ASSIGN_OR_RETURN(q.school_id, ParseSchoolName(school));
  if (!pupil.empty()) {
    PARLEY_ASSIGN_OR_RETURN(auto id, ParsePupilName(pupil));
    if (id.first != q.school_id) {
      return InvalidArgument(reason::kCrossSchoolReference, "the pupil must be on roll at the school named");
    }
    q.pupil_id = id.second;
  }
  if (category.empty()) return InvalidArgument(reason::kInvalidField, "category is required");
  q.category = category;
  q.channel = ChannelFromProto(channel);
  q.subject = subject;
  return q;
}

// The caller must be able to change every school the guardian is linked to now. A guardian who does
// not exist and one the caller may not change get the same answer (GuardianNotShown), unless the
// caller reaches every school.
absl::Status MayEditExistingGuardian(const DirectoryService& directory, const auth::Grant& caller,
                                     const std::string& id, const std::string& name) {
  auto snap = directory.snapshot();
  const Guardian* current = snap->FindGuardian(id);
  if (current == nullptr) return caller.ReachesTrust() ? absl::OkStatus() : GuardianNotShown(caller, name);
  if (!MayEditGuardianLinks(caller, *current).ok()) return GuardianNotShown(caller, name);
  return absl::OkStatus();
}

}  // namespace

// ---- Who may call what ------------------------------------------------------------------------

const auth::RuleTable& ContactsApi::AccessRules() {
  using auth::Resource;
  constexpr auth::Verb kRead = auth::Verb::kRead, kChange = auth::Verb::kChange;
  static const auto* const rules = new auth::RuleTable{
      {"GetTrust", {Resource::kTrust, kRead}},
      {"GetSchool", {Resource::kSchool, kRead}},
      {"ListSchools", {Resource::kSchool, kRead}},
      {"CreateSchool", {Resource::kTrust, kChange}},
      {"UpdateSchool", {Resource::kSchool, kChange}},
      {"DeleteSchool", {Resource::kTrust, kChange}},
      {"GetStaff", {Resource::kStaff, kRead}},
      {"ListStaff", {Resource::kStaff, kRead}},
      {"CreateStaff", {Resource::kStaff, kChange}},
      {"UpdateStaff", {Resource::kStaff, kChange}},
      {"DeleteStaff", {Resource::kStaff, kChange}},
      {"GetPupil", {Resource::kPupil, kRead}},
      {"ListPupils", {Resource::kPupil, kRead}},
      {"CreatePupil", {Resource::kPupil, kChange}},
      {"UpdatePupil", {Resource::kPupil, kChange}},
      {"DeletePupil", {Resource::kPupil, kChange}},
      {"GetGuardian", {Resource::kGuardian, kRead}},
      {"ListGuardians", {Resource::kGuardian, kRead}},
      {"CreateGuardian", {Resource::kGuardian, kChange}},
      {"UpdateGuardian", {Resource::kGuardian, kChange}},
      {"DeleteGuardian", {Resource::kGuardian, kChange}},
      {"GetRoutingMatrix", {Resource::kSchoolRules, kRead}},
      {"UpdateRoutingMatrix", {Resource::kSchoolRules, kChange}},
      {"GetLadder", {Resource::kSchoolRules, kRead}},
      {"ListLadders", {Resource::kSchoolRules, kRead}},
      {"CreateLadder", {Resource::kSchoolRules, kChange}},
      {"UpdateLadder", {Resource::kSchoolRules, kChange}},
      {"DeleteLadder", {Resource::kSchoolRules, kChange}},
      {"RouteEnquiry", {Resource::kRouting, kRead}},
      {"ResolveLadder", {Resource::kRouting, kRead}},
      {"ComputeDeadline", {Resource::kSchoolRules, kRead}},
      {"BatchComputeDeadlines", {Resource::kSchoolRules, kRead}},
      {"ListWorkingPeriods", {Resource::kSchoolRules, kRead}},
      {"ImportTrust", {Resource::kDirectory, kChange}},
      {"ExportTrust", {Resource::kDirectory, kRead}},
      {"WatchDirectory", {Resource::kReplica, kRead}},
      {"GetDirectorySlice", {Resource::kReplica, kRead}},
      {"BatchGetContactDetails", {Resource::kContactDetails, kRead}},
  };
  return *rules;
}

// ---- The handlers every kind of record shares -------------------------------------------------

template <typename T, typename Out>
grpc::Status ContactsApi::Get(grpc::ServerContext* ctx, const Message& req, const std::string& name, Out* out) {
  using K = RecordKind<T>;
  return edge_.Serve(ctx, req, [&](const auth::Grant& caller) -> absl::Status {
    PARLEY_ASSIGN_OR_RETURN(typename K::Id id, K::Parse(name));
    // Tenancy before existence: another school's records are not even said to exist.
    PARLEY_ASSIGN_OR_RETURN(auth::Reach reach, caller.At(K::SchoolOf(id)));
    auto snap = directory_->snapshot();
    const T* record = K::Find(*snap, id);
    // A record the caller may not see is answered like one that does not exist.
    if (record == nullptr || !K::Visible(*snap, caller, reach, *record))
      return NotFound(K::words().not_found, absl::StrCat(K::words().what, " ", name, " does not exist"));
    *out = K::ToProto(K::Shown(reach, *record));
    return absl::OkStatus();
  });
}

template <typename T, typename Req, typename Keep, typename Items>
grpc::Status ContactsApi::List(grpc::ServerContext* ctx, const Req& req, const std::string& parent, Keep keep,
                               Items* items, std::string* next_page_token) {
  using K = RecordKind<T>;
  return edge_.Serve(ctx, req, [&](const auth::Grant& caller) -> absl::Status {
    PARLEY_ASSIGN_OR_RETURN(std::string school_id, ParseSchoolName(parent));
    PARLEY_ASSIGN_OR_RETURN(auth::Reach reach, caller.At(school_id));
    PARLEY_ASSIGN_OR_RETURN(api::PageRequest page, api::ParsePage(req));
    auto snap = directory_->snapshot();
    const SchoolDirectory* sd = snap->FindSchool(school_id);
    if (sd == nullptr) return SchoolNotFound(school_id);
    auto visible = [&](const T& record) { return keep(record) && K::Visible(*snap, caller, reach, record); };
    *next_page_token = Paginate(req, K::Records(*sd), page, visible,
                                [&](const T& record) { *items->Add() = K::ToProto(K::Shown(reach, record)); });
    return absl::OkStatus();
  });
}

template <typename T, typename Body, typename Out>
grpc::Status ContactsApi::Create(grpc::ServerContext* ctx, const Message& req, const std::string& parent,
                                 const std::string& id, const Body& body, Out* out) {
  using K = RecordKind<T>;
  return edge_.Serve(ctx, req, [&](const auth::Grant& caller) -> absl::Status {
    PARLEY_ASSIGN_OR_RETURN(typename K::Id new_id, K::NewId(parent, id));
    PARLEY_RETURN_IF_ERROR(caller.At(K::SchoolOf(new_id)).status());
    PARLEY_ASSIGN_OR_RETURN(RequestKey key, KeyOf(caller, req));
    PARLEY_ASSIGN_OR_RETURN(T record, K::FromProto(body, new_id));
    return api::DecodeResponse(K::Create(*directory_, key, std::move(record), EncoderOf<T>()), out);
  });
}

template <typename T, typename Body, typename Out>
grpc::Status ContactsApi::Update(grpc::ServerContext* ctx, const Message& req, const Body& patch,
                                 const google::protobuf::FieldMask& mask, Out* out) {
  using K = RecordKind<T>;
  return edge_.Serve(ctx, req, [&](const auth::Grant& caller) -> absl::Status {
    PARLEY_ASSIGN_OR_RETURN(typename K::Id id, K::Parse(patch.name()));
    PARLEY_RETURN_IF_ERROR(caller.At(K::SchoolOf(id)).status());
    const std::set<std::string>& updatable = Updatable(*Body::descriptor());
    PARLEY_RETURN_IF_ERROR(api::CheckUpdateMask(mask, *Body::descriptor(), updatable));
    PARLEY_ASSIGN_OR_RETURN(RequestKey key, KeyOf(caller, req));
    Updater<T> update = [&](const T& current) -> absl::StatusOr<T> {
      PARLEY_ASSIGN_OR_RETURN(Body merged, api::ApplyUpdateMask(K::ToProto(current), patch, mask, updatable));
      return K::FromProto(merged, id);
    };
    return api::DecodeResponse(K::Update(*directory_, key, id, patch.etag(), update, EncoderOf<T>()), out);
  });
}

template <typename T>
grpc::Status ContactsApi::Delete(grpc::ServerContext* ctx, const Message& req, const std::string& name,
                                 const std::string& etag, google::protobuf::Empty* out) {
  using K = RecordKind<T>;
  return edge_.Serve(ctx, req, [&](const auth::Grant& caller) -> absl::Status {
    PARLEY_ASSIGN_OR_RETURN(typename K::Id id, K::Parse(name));
    PARLEY_RETURN_IF_ERROR(caller.At(K::SchoolOf(id)).status());
    PARLEY_ASSIGN_OR_RETURN(RequestKey key, KeyOf(caller, req));
    return api::DecodeResponse(K::Delete(*directory_, key, id, etag, EmptyResponse()), out);
  });
}

// ---- Trust and schools ------------------------------------------------------------------------

grpc::Status ContactsApi::GetTrust(grpc::ServerContext* ctx, const v1::GetTrustRequest* req, v1::Trust* resp) {
  return edge_.Serve(ctx, *req, [&](const auth::Grant&) {
    *resp = TrustToProto(directory_->snapshot()->directory().trust);
    return absl::OkStatus();
  });
}

grpc::Status ContactsApi::GetSchool(grpc::ServerContext* ctx, const v1::GetSchoolRequest* req, v1::School* resp) {
  return Get<School>(ctx, *req, req->name(), resp);
}

grpc::Status ContactsApi::ListSchools(grpc::ServerContext* ctx, const v1::ListSchoolsRequest* req,
                                      v1::ListSchoolsResponse* resp) {
  return edge_.Serve(ctx, *req, [&](const auth::Grant& caller) -> absl::Status {
    PARLEY_ASSIGN_OR_RETURN(api::PageRequest page, api::ParsePage(*req));
    auto snap = directory_->snapshot();
    resp->set_next_page_token(Paginate(
        *req, snap->directory().schools, page, [&](const SchoolDirectory& sd) { return caller.At(sd.school.id).ok(); },
        [&](const SchoolDirectory& sd) { *resp->add_schools() = SchoolToProto(sd.school); }));
    return absl::OkStatus();
  });
}

grpc::Status ContactsApi::CreateSchool(grpc::ServerContext* ctx, const v1::CreateSchoolRequest* req, v1::School* resp) {
  return Create<School>(ctx, *req, "", req->school_id(), req->school(), resp);
}

grpc::Status ContactsApi::UpdateSchool(grpc::ServerContext* ctx, const v1::UpdateSchoolRequest* req, v1::School* resp) {
  return Update<School>(ctx, *req, req->school(), req->update_mask(), resp);
}

grpc::Status ContactsApi::DeleteSchool(grpc::ServerContext* ctx, const v1::DeleteSchoolRequest* req,
                                       google::protobuf::Empty* resp) {
  return Delete<School>(ctx, *req, req->name(), req->etag(), resp);
}

// ---- Staff, pupils and ladders ----------------------------------------------------------------

grpc::Status ContactsApi::GetStaff(grpc::ServerContext* ctx, const v1::GetStaffRequest* req, v1::Staff* resp) {
  return Get<Staff>(ctx, *req, req->name(), resp);
}

grpc::Status ContactsApi::ListStaff(grpc::ServerContext* ctx, const v1::ListStaffRequest* req,
                                    v1::ListStaffResponse* resp) {
  auto keep = [&](const Staff& s) { return req->role().empty() || s.HasRole(req->role()); };
  return List<Staff>(ctx, *req, req->parent(), keep, resp->mutable_staff(), resp->mutable_next_page_token());
}

grpc::Status ContactsApi::CreateStaff(grpc::ServerContext* ctx, const v1::CreateStaffRequest* req, v1::Staff* resp) {
  return Create<Staff>(ctx, *req, req->parent(), req->staff_id(), req->staff(), resp);
}

grpc::Status ContactsApi::UpdateStaff(grpc::ServerContext* ctx, const v1::UpdateStaffRequest* req, v1::Staff* resp) {
  return Update<Staff>(ctx, *req, req->staff(), req->update_mask(), resp);
}

grpc::Status ContactsApi::DeleteStaff(grpc::ServerContext* ctx, const v1::DeleteStaffRequest* req,
                                      google::protobuf::Empty* resp) {
  return Delete<Staff>(ctx, *req, req->name(), req->etag(), resp);
}

grpc::Status ContactsApi::GetPupil(grpc::ServerContext* ctx, const v1::GetPupilRequest* req, v1::Pupil* resp) {
  return Get<Pupil>(ctx, *req, req->name(), resp);
}

grpc::Status ContactsApi::ListPupils(grpc::ServerContext* ctx, const v1::ListPupilsRequest* req,
                                     v1::ListPupilsResponse* resp) {
  auto keep = [&](const Pupil& p) { return req->class_name().empty() || p.class_name == req->class_name(); };
  return List<Pupil>(ctx, *req, req->parent(), keep, resp->mutable_pupils(), resp->mutable_next_page_token());
}

grpc::Status ContactsApi::CreatePupil(grpc::ServerContext* ctx, const v1::CreatePupilRequest* req, v1::Pupil* resp) {
  return Create<Pupil>(ctx, *req, req->parent(), req->pupil_id(), req->pupil(), resp);
}

grpc::Status ContactsApi::UpdatePupil(grpc::ServerContext* ctx, const v1::UpdatePupilRequest* req, v1::Pupil* resp) {
  return Update<Pupil>(ctx, *req, req->pupil(), req->update_mask(), resp);
}

grpc::Status ContactsApi::DeletePupil(grpc::ServerContext* ctx, const v1::DeletePupilRequest* req,
                                      google::protobuf::Empty* resp) {
  return Delete<Pupil>(ctx, *req, req->name(), req->etag(), resp);
}

grpc::Status ContactsApi::GetLadder(grpc::ServerContext* ctx, const v1::GetLadderRequest* req, v1::Ladder* resp) {
  return Get<Ladder>(ctx, *req, req->name(), resp);
}

grpc::Status ContactsApi::ListLadders(grpc::ServerContext* ctx, const v1::ListLaddersRequest* req,
                                      v1::ListLaddersResponse* resp) {
  auto every = [](const Ladder&) { return true; };
  return List<Ladder>(ctx, *req, req->parent(), every, resp->mutable_ladders(), resp->mutable_next_page_token());
}

grpc::Status ContactsApi::CreateLadder(grpc::ServerContext* ctx, const v1::CreateLadderRequest* req, v1::Ladder* resp) {
  return Create<Ladder>(ctx, *req, req->parent(), req->ladder_id(), req->ladder(), resp);
}

// A ladder update replaces the rungs whole (no mask).
grpc::Status ContactsApi::UpdateLadder(grpc::ServerContext* ctx, const v1::UpdateLadderRequest* req, v1::Ladder* resp) {
  return edge_.Serve(ctx, *req, [&](const auth::Grant& caller) -> absl::Status {
    PARLEY_ASSIGN_OR_RETURN(SchoolScopedId id, RecordKind<Ladder>::Parse(req->ladder().name()));
    PARLEY_RETURN_IF_ERROR(caller.At(id.first).status());
    PARLEY_ASSIGN_OR_RETURN(RequestKey key, KeyOf(caller, *req));
    PARLEY_ASSIGN_OR_RETURN(Ladder ladder, LadderFromProto(req->ladder(), id.first, id.second));
    Updater<Ladder> replace = [&](const Ladder&) -> absl::StatusOr<Ladder> { return ladder; };
    return api::DecodeResponse(directory_->Update<Ladder>(key, id, req->ladder().etag(), replace, EncoderOf<Ladder>()),
                               resp);
  });
}

grpc::Status ContactsApi::DeleteLadder(grpc::ServerContext* ctx, const v1::DeleteLadderRequest* req,
                                       google::protobuf::Empty* resp) {
  return Delete<Ladder>(ctx, *req, req->name(), req->etag(), resp);
}

// ---- Guardians: linked to pupils of any number of schools -------------------------------------

grpc::Status ContactsApi::GetGuardian(grpc::ServerContext* ctx, const v1::GetGuardianRequest* req, v1::Guardian* resp) {
  return edge_.Serve(ctx, *req, [&](const auth::Grant& caller) -> absl::Status {
    PARLEY_ASSIGN_OR_RETURN(std::string id, ParseGuardianName(req->name()));
    auto snap = directory_->snapshot();
    const Guardian* guardian = snap->FindGuardian(id);
    // Guardians belong to no one school, so tenancy cannot be checked before existence. Instead a
    // caller who may not see the guardian gets the same answer whether it exists or not.
    if (guardian == nullptr || !MaySeeGuardian(*snap, caller, *guardian)) return GuardianNotShown(caller, req->name());
    *resp = GuardianToProto(GuardianAsSeenBy(caller, *guardian));
    return absl::OkStatus();
  });
}

grpc::Status ContactsApi::ListGuardians(grpc::ServerContext* ctx, const v1::ListGuardiansRequest* req,
                                        v1::ListGuardiansResponse* resp) {
  return edge_.Serve(ctx, *req, [&](const auth::Grant& caller) -> absl::Status {
    if (req->school().empty() == req->pupil().empty()) {
      return InvalidArgument(reason::kInvalidField, "give exactly one of school or pupil");
    }
    SchoolScopedId pupil;
    if (!req->school().empty()) {
      PARLEY_ASSIGN_OR_RETURN(pupil.first, ParseSchoolName(req->school()));
    } else {
      PARLEY_ASSIGN_OR_RETURN(pupil, ParsePupilName(req->pupil()));
    }
    const std::string& school_id = pupil.first;
    PARLEY_ASSIGN_OR_RETURN(auth::Reach reach, caller.At(school_id));
    PARLEY_ASSIGN_OR_RETURN(api::PageRequest page, api::ParsePage(*req));
    auto snap = directory_->snapshot();
    if (snap->FindSchool(school_id) == nullptr) return SchoolNotFound(school_id);
    if (!pupil.second.empty()) {
      const Pupil* found = snap->FindPupil(school_id, pupil.second);
      // A pupil the caller may not see (another family's child) is answered like a missing one.
      if (found == nullptr || !MaySeePupil(*snap, caller, reach, *found)) {
        return NotFound(reason::kPupilNotFound, absl::StrCat("pupil ", req->pupil(), " does not exist"));
      }
    }
    std::map<std::string, const Guardian*> selected;
    for (const Guardian* g :
         pupil.second.empty() ? snap->GuardiansOfSchool(school_id) : snap->GuardiansOfPupil(school_id, pupil.second)) {
      selected[g->id] = g;
    }
    resp->set_next_page_token(Paginate(
        *req, selected, page, [&](const Guardian* g) { return MaySeeGuardian(*snap, caller, *g); },
        [&](const Guardian* g) { *resp->add_guardians() = GuardianToProto(GuardianAsSeenBy(caller, *g)); }));
    return absl::OkStatus();
  });
}

grpc::Status ContactsApi::CreateGuardian(grpc::ServerContext* ctx, const v1::CreateGuardianRequest* req,
                                         v1::Guardian* resp) {
  return edge_.Serve(ctx, *req, [&](const auth::Grant& caller) -> absl::Status {
    PARLEY_RETURN_IF_ERROR(api::ValidateId(req->guardian_id(), "guardian_id"));
    PARLEY_ASSIGN_OR_RETURN(Guardian guardian, GuardianFromProto(req->guardian(), req->guardian_id()));
    PARLEY_RETURN_IF_ERROR(MayEditGuardianLinks(caller, guardian));
    PARLEY_ASSIGN_OR_RETURN(RequestKey key, KeyOf(caller, *req));
    return api::DecodeResponse(
        directory_->CreateGuardian(key, std::move(guardian), api::EncodeWith<v1::Guardian, Guardian>(&GuardianToProto)),
        resp);
  });
}

grpc::Status ContactsApi::UpdateGuardian(grpc::ServerContext* ctx, const v1::UpdateGuardianRequest* req,
                                         v1::Guardian* resp) {
  const std::set<std::string>& updatable = Updatable(*v1::Guardian::descriptor());
  return edge_.Serve(ctx, *req, [&](const auth::Grant& caller) -> absl::Status {
    PARLEY_ASSIGN_OR_RETURN(std::string id, ParseGuardianName(req->guardian().name()));
    PARLEY_RETURN_IF_ERROR(MayEditExistingGuardian(*directory_, caller, id, req->guardian().name()));
    PARLEY_RETURN_IF_ERROR(api::CheckUpdateMask(req->update_mask(), *v1::Guardian::descriptor(), updatable));
    PARLEY_ASSIGN_OR_RETURN(RequestKey key, KeyOf(caller, *req));
    Updater<Guardian> update = [&](const Guardian& current) -> absl::StatusOr<Guardian> {
      PARLEY_RETURN_IF_ERROR(MayEditGuardianLinks(caller, current));
      PARLEY_ASSIGN_OR_RETURN(v1::Guardian merged, api::ApplyUpdateMask(GuardianToProto(current), req->guardian(),
                                                                        req->update_mask(), updatable));
      PARLEY_ASSIGN_OR_RETURN(Guardian updated, GuardianFromProto(merged, id));
      PARLEY_RETURN_IF_ERROR(MayEditGuardianLinks(caller, updated));
      return updated;
    };
    return api::DecodeResponse(directory_->UpdateGuardian(key, id, req->guardian().etag(), update,
                                                          api::EncodeWith<v1::Guardian, Guardian>(&GuardianToProto)),
                               resp);
  });
}

grpc::Status ContactsApi::DeleteGuardian(grpc::ServerContext* ctx, const v1::DeleteGuardianRequest* req,
                                         google::protobuf::Empty* resp) {
  return edge_.Serve(ctx, *req, [&](const auth::Grant& caller) -> absl::Status {
    PARLEY_ASSIGN_OR_RETURN(std::string id, ParseGuardianName(req->name()));
    PARLEY_RETURN_IF_ERROR(MayEditExistingGuardian(*directory_, caller, id, req->name()));
    PARLEY_ASSIGN_OR_RETURN(RequestKey key, KeyOf(caller, *req));
    return api::DecodeResponse(directory_->DeleteGuardian(key, id, req->etag(), EmptyResponse()), resp);
  });
}

// ---- Routing ----------------------------------------------------------------------------------

grpc::Status ContactsApi::GetRoutingMatrix(grpc::ServerContext* ctx, const v1::GetRoutingMatrixRequest* req,
                                           v1::RoutingMatrix* resp) {
  return edge_.Serve(ctx, *req, [&](const auth::Grant& caller) -> absl::Status {
    PARLEY_ASSIGN_OR_RETURN(std::string school_id, ParseRoutingMatrixName(req->name()));
    PARLEY_RETURN_IF_ERROR(caller.At(school_id).status());
    auto snap = directory_->snapshot();
    const SchoolDirectory* sd = snap->FindSchool(school_id);
    if (sd == nullptr) return SchoolNotFound(school_id);
    *resp = RoutingMatrixToProto(sd->routing_matrix);
    return absl::OkStatus();
  });
}

grpc::Status ContactsApi::UpdateRoutingMatrix(grpc::ServerContext* ctx, const v1::UpdateRoutingMatrixRequest* req,
                                              v1::RoutingMatrix* resp) {
  return edge_.Serve(ctx, *req, [&](const auth::Grant& caller) -> absl::Status {
    PARLEY_ASSIGN_OR_RETURN(std::string school_id, ParseRoutingMatrixName(req->routing_matrix().name()));
    PARLEY_RETURN_IF_ERROR(caller.At(school_id).status());
    PARLEY_ASSIGN_OR_RETURN(RequestKey key, KeyOf(caller, *req));
    PARLEY_ASSIGN_OR_RETURN(RoutingMatrix matrix, RoutingMatrixFromProto(req->routing_matrix(), school_id));
    matrix.etag = req->routing_matrix().etag();
    return api::DecodeResponse(
        directory_->UpdateRoutingMatrix(key, std::move(matrix),
                                        api::EncodeWith<v1::RoutingMatrix, RoutingMatrix>(&RoutingMatrixToProto)),
        resp);
  });
}

grpc::Status ContactsApi::RouteEnquiry(grpc::ServerContext* ctx, const v1::RouteEnquiryRequest* req,
                                       v1::RouteEnquiryResponse* resp) {
  return edge_.Serve(ctx, *req, [&](const auth::Grant& caller) -> absl::Status {
    PARLEY_ASSIGN_OR_RETURN(std::string school_id, ParseSchoolName(req->school()));
    PARLEY_RETURN_IF_ERROR(caller.At(school_id).status());
    if (req->channel() == v1::CHANNEL_UNSPECIFIED || !v1::Channel_IsValid(req->channel())) {
      return InvalidArgument(reason::kInvalidField, "channel is required and must be one this API defines");
    }
    PARLEY_ASSIGN_OR_RETURN(RouteQuery query, RouteQueryFromProto(req->school(), req->pupil(), req->category(),
                                                                  req->channel(), req->subject()));
    auto snap = directory_->snapshot();
    PARLEY_ASSIGN_OR_RETURN(Route route, contacts::RouteEnquiry(*snap, query));
    *resp->mutable_owner() = RecipientToProto(school_id, route.owner);
    resp->set_channel_allowed(route.channel_allowed);
    for (Channel c : route.allowed_channels) resp->add_allowed_channels(ChannelToProto(c));
    resp->set_channel_rule(route.channel_rule);
    if (!route.ladder_id.empty()) resp->set_ladder(LadderName(school_id, route.ladder_id));
    for (const Recipient& r : route.also_notify) *resp->add_also_notify() = RecipientToProto(school_id, r);
    resp->set_safeguarding(route.safeguarding);
    return absl::OkStatus();
  });
}

grpc::Status ContactsApi::ResolveLadder(grpc::ServerContext* ctx, const v1::ResolveLadderRequest* req,
                                        v1::ResolveLadderResponse* resp) {
  return edge_.Serve(ctx, *req, [&](const auth::Grant& caller) -> absl::Status {
    PARLEY_ASSIGN_OR_RETURN(std::string school_id, ParseSchoolName(req->school()));
    PARLEY_RETURN_IF_ERROR(caller.At(school_id).status());
    PARLEY_ASSIGN_OR_RETURN(RouteQuery query, RouteQueryFromProto(req->school(), req->pupil(), req->category(),
                                                                  v1::CHANNEL_UNSPECIFIED, req->subject()));
    auto snap = directory_->snapshot();
    PARLEY_ASSIGN_OR_RETURN(ResolvedLadder ladder, contacts::ResolveLadder(*snap, query));
    resp->set_ladder(LadderName(school_id, ladder.ladder_id));
    for (size_t i = 0; i < ladder.rungs.size(); ++i) {
      v1::ResolvedRung* rung = resp->add_rungs();
      rung->set_index(static_cast<int32_t>(i));
      rung->set_title(ladder.rungs[i].title);
      *rung->mutable_recipient() = RecipientToProto(school_id, ladder.rungs[i].recipient);
    }
    resp->set_refer_to_complaints_after_top(ladder.refer_to_complaints_after_top);
    resp->set_complaints_procedure_uri(ladder.complaints_procedure_uri);
    return absl::OkStatus();
  });
}

// ---- Deadlines and working periods ------------------------------------------------------------

grpc::Status ContactsApi::ComputeDeadline(grpc::ServerContext* ctx, const v1::ComputeDeadlineRequest* req,
                                          v1::ComputeDeadlineResponse* resp) {
  return edge_.Serve(ctx, *req, [&](const auth::Grant& caller) -> absl::Status {
    PARLEY_ASSIGN_OR_RETURN(std::string school_id, ParseSchoolName(req->school()));
    PARLEY_RETURN_IF_ERROR(caller.At(school_id).status());
    PARLEY_ASSIGN_OR_RETURN(DeadlineQuery query, DeadlineQueryFromProto(*req, /*explain=*/true));
    if (!req->owner().empty()) PARLEY_RETURN_IF_ERROR(MaySeeWorkingPattern(caller, school_id));
    PARLEY_ASSIGN_OR_RETURN(DeadlineAnswer answer, contacts::ComputeDeadline(*directory_->snapshot(), query));
    *resp = DeadlineToProto(answer);
    return absl::OkStatus();
  });
}

grpc::Status ContactsApi::BatchComputeDeadlines(grpc::ServerContext* ctx, const v1::BatchComputeDeadlinesRequest* req,
                                                v1::BatchComputeDeadlinesResponse* resp) {
  return edge_.Serve(ctx, *req, [&](const auth::Grant& caller) -> absl::Status {
    if (req->requests_size() == 0 || req->requests_size() > kMaxBatch) {
      return InvalidArgument(reason::kInvalidField, absl::StrCat("send 1 to ", kMaxBatch, " requests"));
    }
    auto snap = directory_->snapshot();
    for (const v1::ComputeDeadlineRequest& one : req->requests()) {
      v1::DeadlineResult* result = resp->add_results();
      absl::StatusOr<DeadlineAnswer> answer = [&]() -> absl::StatusOr<DeadlineAnswer> {
        PARLEY_ASSIGN_OR_RETURN(std::string school_id, ParseSchoolName(one.school()));
        PARLEY_RETURN_IF_ERROR(caller.At(school_id).status());
        PARLEY_ASSIGN_OR_RETURN(DeadlineQuery query, DeadlineQueryFromProto(one, !req->omit_explanations()));
        if (!one.owner().empty()) PARLEY_RETURN_IF_ERROR(MaySeeWorkingPattern(caller, school_id));
        return contacts::ComputeDeadline(*snap, query);
      }();
      if (answer.ok()) {
        *result->mutable_deadline() = DeadlineToProto(*answer);
      } else {
        result->mutable_error()->set_code(static_cast<int32_t>(answer.status().code()));
        result->mutable_error()->set_message(std::string(answer.status().message()));
      }
    }
    return absl::OkStatus();
  });
}

grpc::Status ContactsApi::ListWorkingPeriods(grpc::ServerContext* ctx, const v1::ListWorkingPeriodsRequest* req,
                                             v1::ListWorkingPeriodsResponse* resp) {
  return edge_.Serve(ctx, *req, [&](const auth::Grant& caller) -> absl::Status {
    PARLEY_ASSIGN_OR_RETURN(std::string school_id, ParseSchoolName(req->school()));
    PARLEY_RETURN_IF_ERROR(caller.At(school_id).status());
    if (!req->has_start_time() || !req->has_end_time()) {
      return InvalidArgument(reason::kInvalidField, "start_time and end_time are required");
    }
    const absl::Time start = FromTimestamp(req->start_time()), end = FromTimestamp(req->end_time());
    if (end <= start || end - start > absl::Hours(24 * 92)) {
      return InvalidArgument(reason::kInvalidField, "end_time must be after start_time and at most 92 days later");
    }
    auto snap = directory_->snapshot();
    if (snap->FindSchool(school_id) == nullptr) return SchoolNotFound(school_id);
    std::shared_ptr<const calendar::Calendar> cal = snap->SchoolCalendarOf(school_id);
    if (!req->staff().empty()) {
      PARLEY_RETURN_IF_ERROR(MaySeeWorkingPattern(caller, school_id));
      PARLEY_ASSIGN_OR_RETURN(SchoolScopedId staff, ParseStaffName(req->staff()));
      if (staff.first != school_id) {
        return InvalidArgument(reason::kInvalidField, "staff must be a member of the same school");
      }
      if (snap->FindStaff(staff.first, staff.second) == nullptr) {
        return NotFound(reason::kStaffNotFound, absl::StrCat("staff ", req->staff(), " does not exist"));
      }
      cal = snap->OwnerCalendarOf(staff.first, staff.second);
    }
    for (absl::Time t = start; t < end;) {
      absl::StatusOr<std::pair<absl::Time, absl::Time>> period = cal->PeriodAtOrAfter(t);
      if (!period.ok() || period->first >= end) break;  // no more terms entered, or past the range
      v1::WorkingPeriod* out = resp->add_periods();
      ToTimestamp(period->first, out->mutable_start_time());
      ToTimestamp(period->second, out->mutable_end_time());
      out->set_date(absl::FormatCivilTime(absl::ToCivilDay(period->first, cal->zone())));
      t = period->second;
    }
    resp->set_calendar_version(cal->Fingerprint());
    return absl::OkStatus();
  });
}

// ---- The whole directory ----------------------------------------------------------------------

grpc::Status ContactsApi::ImportTrust(grpc::ServerContext* ctx, const v1::ImportTrustRequest* req,
                                      grpc::ServerWriter<v1::ImportTrustResponse>* writer) {
  return edge_.Serve(ctx, *req, [&](const auth::Grant& caller) -> absl::Status {
    PARLEY_RETURN_IF_ERROR(caller.At("").status());
    PARLEY_ASSIGN_OR_RETURN(RequestKey key, KeyOf(caller, *req));
    PARLEY_ASSIGN_OR_RETURN(Directory document, DirectoryFromProto(req->directory()));
    ImportProgress progress = [&](ImportPhase phase, int64_t done, int64_t total) {
      v1::ImportTrustResponse update;
      update.set_phase(phase == ImportPhase::kValidating ? v1::IMPORT_PHASE_VALIDATING : v1::IMPORT_PHASE_APPLYING);
      update.set_done(done);
      update.set_total(total);
      writer->Write(update);
    };
    api::Encoder<ImportResult> encode = [](const ImportResult& r) -> absl::StatusOr<std::string> {
      v1::ImportTrustResponse out;
      out.set_phase(v1::IMPORT_PHASE_DONE);
      out.set_done(r.schools);
      out.set_total(r.schools);
      *out.mutable_summary() = ImportSummaryToProto(r);
      ToTimestamp(absl::Now(), out.mutable_summary()->mutable_applied_time());
      return out.SerializeAsString();
    };
    ImportOptions options;
    options.validate_only = req->validate_only();
    options.allow_deletions = req->allow_deletions();
    options.expected_directory_etag = req->directory_etag();
    v1::ImportTrustResponse final_message;
    PARLEY_RETURN_IF_ERROR(
        api::DecodeResponse(directory_->Import(key, std::move(document), options, progress, encode), &final_message));
    writer->Write(final_message);
    return absl::OkStatus();
  });
}

grpc::Status ContactsApi::ExportTrust(grpc::ServerContext* ctx, const v1::ExportTrustRequest* req,
                                      v1::ExportTrustResponse* resp) {
  return edge_.Serve(ctx, *req, [&](const auth::Grant& caller) -> absl::Status {
    PARLEY_RETURN_IF_ERROR(caller.At("").status());
    *resp->mutable_directory() = DirectoryToProto(directory_->snapshot()->directory());
    return absl::OkStatus();
  });
}

// ---- Directory replication -------------------------------------------------------------------

grpc::Status ContactsApi::WatchDirectory(grpc::ServerContext* ctx, const v1::WatchDirectoryRequest* req,
                                         grpc::ServerWriter<v1::DirectoryVersions>* writer) {
  return edge_.Serve(ctx, *req, [&](const auth::Grant& caller) -> absl::Status {
    PARLEY_RETURN_IF_ERROR(caller.At("").status());
    if (req->heartbeat_seconds() < 0 || req->heartbeat_seconds() > 300 ||
        (req->heartbeat_seconds() > 0 && req->heartbeat_seconds() < 1)) {
      return InvalidArgument(reason::kInvalidField, "heartbeat_seconds must be 0 (10 s) or 1 to 300");
    }
    const absl::Duration heartbeat = absl::Seconds(req->heartbeat_seconds() == 0 ? 10 : req->heartbeat_seconds());
    std::shared_ptr<const Snapshot> snap = directory_->snapshot();
    while (!ctx->IsCancelled()) {
      PARLEY_ASSIGN_OR_RETURN(std::shared_ptr<const directory::SliceSet> set, slices_.For(snap));
      v1::DirectoryVersions message;
      message.set_directory_version(set->directory_version());
      for (const auto& [school_id, slice] : set->slices()) {
        v1::SliceVersion* listed = message.add_schools();
        listed->set_school(absl::StrCat("schools/", school_id));
        listed->set_slice_version(slice.fingerprint);
      }
      if (!writer->Write(message)) break;  // the watcher went away
      // Wait for a change or the heartbeat, a second at a time so a cancelled call (the watcher
      // gone, or the server draining) ends promptly.
      const absl::Time heartbeat_at = absl::Now() + heartbeat;
      const int64_t sent = set->directory_version();
      snap = directory_->snapshot();
      while (snap->version() <= sent && absl::Now() < heartbeat_at && !ctx->IsCancelled()) {
        snap = directory_->AwaitChange(snap->version(), std::min(absl::Seconds(1), heartbeat_at - absl::Now()));
      }
    }
    return absl::OkStatus();
  });
}

grpc::Status ContactsApi::GetDirectorySlice(grpc::ServerContext* ctx, const v1::GetDirectorySliceRequest* req,
                                            v1::DirectorySlice* resp) {
  return edge_.Serve(ctx, *req, [&](const auth::Grant& caller) -> absl::Status {
    PARLEY_RETURN_IF_ERROR(caller.At("").status());
    PARLEY_ASSIGN_OR_RETURN(std::string school_id, ParseSchoolName(req->school()));
    PARLEY_ASSIGN_OR_RETURN(std::shared_ptr<const directory::SliceSet> set, slices_.For(directory_->snapshot()));
    const directory::EncodedSlice* slice = set->Find(school_id);
    if (slice == nullptr) return SchoolNotFound(school_id);
    resp->set_school(req->school());
    resp->set_directory_version(set->directory_version());
    resp->set_slice_version(slice->fingerprint);
    resp->set_encoding(directory::kSliceEncoding);
    resp->set_payload(slice->payload);
    return absl::OkStatus();
  });
}

// ---- Contact details for delivery ------------------------------------------------------------

namespace {

// One name of a BatchGetContactDetails request: a guardian (school empty), or a member of staff,
// a pupil or an external contact (the county's child-protection team) of a school.
struct ContactRef {
  enum class Kind { kGuardian, kStaff, kPupil, kExternalContact };
  Kind kind;
  std::string school_id;
  std::string id;
};

absl::StatusOr<ContactRef> ParseContactName(const std::string& name, const std::string& field) {
  using Kind = ContactRef::Kind;
  if (absl::StartsWith(name, "guardians/")) {
    PARLEY_ASSIGN_OR_RETURN(std::string id, api::ParseGuardian(name, field));
    return ContactRef{Kind::kGuardian, "", std::move(id)};
  }
  for (auto [kind, pattern] : {std::pair{Kind::kStaff, "schools/{school}/staff/{staff}"},
                               std::pair{Kind::kPupil, "schools/{school}/pupils/{pupil}"},
                               std::pair{Kind::kExternalContact, "schools/{school}/externalContacts/{contact}"}}) {
    absl::StatusOr<std::vector<std::string>> ids = api::ParseName(pattern, name, field);
    if (ids.ok()) return ContactRef{kind, std::move((*ids)[0]), std::move((*ids)[1])};
  }
  return InvalidArgument(
      reason::kInvalidName,
      absl::StrCat(field, " ", api::QuoteForError(name),
                   " must be guardians/{guardian}, schools/{school}/staff/{staff}, "
                   "schools/{school}/pupils/{pupil} or schools/{school}/externalContacts/{contact}"));
}

}  // namespace

grpc::Status ContactsApi::BatchGetContactDetails(grpc::ServerContext* ctx, const v1::BatchGetContactDetailsRequest* req,
                                                 v1::BatchGetContactDetailsResponse* resp) {
  return edge_.Serve(ctx, *req, [&](const auth::Grant& caller) -> absl::Status {
    // Trust-wide: the names span schools, and only Parley's own services reach this rule.
    PARLEY_RETURN_IF_ERROR(caller.At("").status());
    // Every name parsed before any is looked up: a malformed one fails the batch and answers nothing.
    std::vector<ContactRef> refs;
    refs.reserve(req->names_size());
    for (int i = 0; i < req->names_size(); ++i) {
      PARLEY_ASSIGN_OR_RETURN(ContactRef ref, ParseContactName(req->names(i), absl::StrCat("names[", i, "]")));
      refs.push_back(std::move(ref));
    }
    // One snapshot for the whole batch: every answer from the same directory version.
    std::shared_ptr<const Snapshot> snap = directory_->snapshot();
    for (int i = 0; i < req->names_size(); ++i) {
      const ContactRef& ref = refs[i];
      std::optional<v1::ContactDetails> details;
      switch (ref.kind) {
        case ContactRef::Kind::kGuardian:
          if (const Guardian* g = snap->FindGuardian(ref.id)) details = ContactDetailsToProto(*g);
          break;
        case ContactRef::Kind::kStaff:
          if (const Staff* s = snap->FindStaff(ref.school_id, ref.id)) details = ContactDetailsToProto(*s);
          break;
        case ContactRef::Kind::kPupil:
          if (const Pupil* p = snap->FindPupil(ref.school_id, ref.id)) details = ContactDetailsToProto(*p);
          break;
        case ContactRef::Kind::kExternalContact:
          if (const SchoolDirectory* sd = snap->FindSchool(ref.school_id)) {
            for (const ExternalContact& c : sd->school.external_contacts) {
              if (c.id == ref.id) details = ContactDetailsToProto(ref.school_id, c);
            }
          }
          break;
      }
      // A person deleted since the caller resolved its audience does not fail the others.
      if (details) {
        *resp->add_details() = *std::move(details);
      } else {
        resp->add_missing(req->names(i));
      }
    }
    return absl::OkStatus();
  });
}

}  // namespace parley::contacts
