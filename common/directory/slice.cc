#include "common/directory/slice.h"

#include <nlohmann/json.hpp>
#include <set>
#include <utility>

#include "absl/strings/str_cat.h"
#include "common/directory/json_codec.h"
#include "common/status/reason.h"
#include "common/status/status_macros.h"
#include "openssl/sha.h"

namespace parley::directory {
namespace {

using nlohmann::json;

std::string Fingerprint(const std::string& payload) {
  unsigned char digest[SHA256_DIGEST_LENGTH];
  SHA256(reinterpret_cast<const unsigned char*>(payload.data()), payload.size(), digest);
  static constexpr char kHex[] = "0123456789abcdef";
  std::string hex;
  for (int i = 0; i < 8; ++i) {
    hex.push_back(kHex[digest[i] >> 4]);
    hex.push_back(kHex[digest[i] & 0xf]);
  }
  return hex;
}

absl::Status Malformed(absl::string_view where) {
  return absl::InternalError(absl::StrCat("directory slice is malformed: ", where));
}

// Reads {"id": ..., "doc": ...} entries with the record codec, then sets the key columns the
// codec leaves to the store.
template <typename T, typename Decode, typename SetKeys>
absl::Status ReadRecords(const json& in, const char* key, Decode decode, SetKeys set_keys, std::vector<T>* out) {
  if (!in.contains(key) || !in[key].is_array()) return Malformed(key);
  for (const json& entry : in[key]) {
    if (!entry.is_object() || !entry.contains("id") || !entry["id"].is_string() || !entry.contains("doc")) {
      return Malformed(key);
    }
    PARLEY_ASSIGN_OR_RETURN(T record, decode(entry["doc"]));
    set_keys(entry, record);
    out->push_back(std::move(record));
  }
  return absl::OkStatus();
}

// The ids and etags of every record a school's slice is encoded from; empty if one has no etag
// (a directory that never went through a store), so such a slice is always encoded afresh.
std::string SourceKey(const Snapshot& snapshot, const SchoolDirectory& sd) {
  std::string text;
  auto add = [&](absl::string_view kind, absl::string_view id, const std::string& etag) {
    if (etag.empty()) return false;
    absl::StrAppend(&text, kind, "/", id.size(), ":", id, "@", etag, "|");
    return true;
  };
  if (!add("school", sd.school.id, sd.school.etag) || !add("matrix", "", sd.routing_matrix.etag)) return "";
  for (const auto& [id, member] : sd.staff) {
    if (!add("staff", id, member.etag)) return "";
  }
  for (const auto& [id, pupil] : sd.pupils) {
    if (!add("pupil", id, pupil.etag)) return "";
  }
  for (const auto& [id, ladder] : sd.ladders) {
    if (!add("ladder", id, ladder.etag)) return "";
  }
  for (const Guardian* g : snapshot.GuardiansOfSchool(sd.school.id)) {
    if (!add("guardian", g->id, g->etag)) return "";
  }
  return Fingerprint(text);
}

}  // namespace

absl::StatusOr<EncodedSlice> EncodeSlice(const Snapshot& snapshot, const std::string& school_id) {
  const SchoolDirectory* sd = snapshot.FindSchool(school_id);
  if (sd == nullptr) return NotFound(reason::kSchoolNotFound, absl::StrCat("school ", school_id, " does not exist"));

  School school = sd->school;
  for (ExternalContact& c : school.external_contacts) c.contact.clear();
  json out = {{"school",
               {{"id", school.id},
                {"calendar_version", school.calendar_version},
                {"policy_version", school.policy_version},
                {"doc", ToJson(school)}}}};
  json staff = json::array();
  for (const auto& [id, member] : sd->staff) {
    Staff kept = member;
    kept.display_name.clear();
    kept.email.clear();
    staff.push_back({{"id", id}, {"doc", ToJson(kept)}});
  }
  out["staff"] = std::move(staff);
  json pupils = json::array();
  for (const auto& [id, pupil] : sd->pupils) {
    Pupil kept = pupil;
    kept.given_name.clear();
    kept.family_name.clear();
    pupils.push_back({{"id", id}, {"doc", ToJson(kept)}});
  }
  out["pupils"] = std::move(pupils);
  out["routing_matrix"] = ToJson(sd->routing_matrix);
  json ladders = json::array();
  for (const auto& [id, ladder] : sd->ladders) ladders.push_back({{"id", id}, {"doc", ToJson(ladder)}});
  out["ladders"] = std::move(ladders);
  json guardians = json::array();
  for (const Guardian* g : snapshot.GuardiansOfSchool(school_id)) {
    Guardian kept;
    kept.id = g->id;
    // What notifications resolves an audience from (copies, language, channel); the kinds of
    // contact point, once each, so a replica knows which channels can reach the guardian without
    // holding an address or number.
    kept.preferred_channel = g->preferred_channel;
    kept.language = g->language;
    kept.household = g->household;
    kept.lives_apart = g->lives_apart;
    kept.separate_copies = g->separate_copies;
    std::set<ContactKind> kinds;
    for (const ContactPoint& point : g->contact_points) {
      if (kinds.insert(point.kind).second) kept.contact_points.push_back(ContactPoint{point.kind, ""});
    }
    for (const PupilLink& link : g->pupils) {
      if (link.school_id == school_id) kept.pupils.push_back(link);
    }
    guardians.push_back({{"id", kept.id}, {"doc", ToJson(kept)}});
  }
  out["guardians"] = std::move(guardians);

  EncodedSlice slice;
  slice.school_id = school_id;
  slice.payload = out.dump();
  slice.fingerprint = Fingerprint(slice.payload);
  return slice;
}

absl::StatusOr<Directory> DecodeSlice(const std::string& payload) {
  json in = json::parse(payload, nullptr, /*allow_exceptions=*/false);
  if (in.is_discarded() || !in.is_object()) return Malformed("not a JSON object");
  if (!in.contains("school") || !in["school"].is_object()) return Malformed("school");
  const json& school_json = in["school"];
  for (const char* key : {"id", "calendar_version", "policy_version"}) {
    if (!school_json.contains(key) || !school_json[key].is_string()) return Malformed(absl::StrCat("school.", key));
  }
  if (!school_json.contains("doc")) return Malformed("school.doc");
  PARLEY_ASSIGN_OR_RETURN(School school, SchoolFromJson(school_json["doc"]));
  school.id = school_json["id"].get<std::string>();
  school.calendar_version = school_json["calendar_version"].get<std::string>();
  school.policy_version = school_json["policy_version"].get<std::string>();
  const std::string school_id = school.id;

  SchoolDirectory sd;
  sd.school = std::move(school);
  std::vector<Staff> staff;
  PARLEY_RETURN_IF_ERROR(ReadRecords<Staff>(
      in, "staff", &StaffFromJson,
      [&](const json& e, Staff& s) {
        s.school_id = school_id;
        s.id = e["id"].get<std::string>();
      },
      &staff));
  for (Staff& s : staff) sd.staff.emplace(s.id, std::move(s));
  std::vector<Pupil> pupils;
  PARLEY_RETURN_IF_ERROR(ReadRecords<Pupil>(
      in, "pupils", &PupilFromJson,
      [&](const json& e, Pupil& p) {
        p.school_id = school_id;
        p.id = e["id"].get<std::string>();
      },
      &pupils));
  for (Pupil& p : pupils) sd.pupils.emplace(p.id, std::move(p));
  if (!in.contains("routing_matrix")) return Malformed("routing_matrix");
  PARLEY_ASSIGN_OR_RETURN(sd.routing_matrix, RoutingMatrixFromJson(in["routing_matrix"]));
  sd.routing_matrix.school_id = school_id;
  std::vector<Ladder> ladders;
  PARLEY_RETURN_IF_ERROR(ReadRecords<Ladder>(
      in, "ladders", &LadderFromJson,
      [&](const json& e, Ladder& l) {
        l.school_id = school_id;
        l.id = e["id"].get<std::string>();
      },
      &ladders));
  for (Ladder& l : ladders) sd.ladders.emplace(l.id, std::move(l));

  Directory directory;
  std::vector<Guardian> guardians;
  PARLEY_RETURN_IF_ERROR(ReadRecords<Guardian>(
      in, "guardians", &GuardianFromJson, [&](const json& e, Guardian& g) { g.id = e["id"].get<std::string>(); },
      &guardians));
  for (Guardian& g : guardians) {
    for (const PupilLink& link : g.pupils) {
      if (link.school_id != school_id) return Malformed("a guardian's link names another school");
    }
    directory.guardians.emplace(g.id, std::move(g));
  }
  directory.schools.emplace(school_id, std::move(sd));
  return directory;
}

absl::StatusOr<std::shared_ptr<const SliceSet>> SliceSet::Encode(std::shared_ptr<const Snapshot> snapshot,
                                                                 const SliceSet* previous) {
  auto set = std::make_shared<SliceSet>();
  set->directory_version_ = snapshot->version();
  for (const auto& [school_id, sd] : snapshot->directory().schools) {
    std::string key = SourceKey(*snapshot, sd);
    const EncodedSlice* before = previous == nullptr ? nullptr : previous->Find(school_id);
    if (before != nullptr && !key.empty() && before->source_key == key) {
      set->slices_.emplace(school_id, *before);
      continue;
    }
    PARLEY_ASSIGN_OR_RETURN(EncodedSlice slice, EncodeSlice(*snapshot, school_id));
    slice.source_key = std::move(key);
    set->slices_.emplace(school_id, std::move(slice));
  }
  return std::shared_ptr<const SliceSet>(std::move(set));
}

const EncodedSlice* SliceSet::Find(const std::string& school_id) const {
  auto it = slices_.find(school_id);
  return it == slices_.end() ? nullptr : &it->second;
}

absl::StatusOr<std::shared_ptr<const SliceSet>> SliceCache::For(std::shared_ptr<const Snapshot> snapshot) {
  auto cached = [&]() -> std::shared_ptr<const SliceSet> {
    absl::MutexLock lock(&mu_);
    if (latest_ != nullptr && latest_->directory_version() >= snapshot->version()) return latest_;
    return nullptr;
  };
  if (auto set = cached()) return set;
  absl::MutexLock encoding(&encode_mu_);
  if (auto set = cached()) return set;
  std::shared_ptr<const SliceSet> previous;
  {
    absl::MutexLock lock(&mu_);
    previous = latest_;
  }
  PARLEY_ASSIGN_OR_RETURN(std::shared_ptr<const SliceSet> set, SliceSet::Encode(std::move(snapshot), previous.get()));
  absl::MutexLock lock(&mu_);
  if (latest_ == nullptr || latest_->directory_version() < set->directory_version()) latest_ = set;
  return set;
}

}  // namespace parley::directory
