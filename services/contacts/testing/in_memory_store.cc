#include "services/contacts/testing/in_memory_store.h"

#include "absl/strings/str_cat.h"
#include "common/directory/json_codec.h"
#include "common/status/reason.h"
#include "common/status/status_macros.h"

namespace parley::contacts::testing {
namespace {

template <typename T, typename Map, typename Key>
void Put(Map& map, const Key& key, T& record, const std::string& etag, ApplyCounts& counts) {
  auto it = map.find(key);
  if (it != map.end() && ToJson(it->second) == ToJson(record)) {
    record.etag = it->second.etag;
    record.update_time = it->second.update_time;
    ++counts.unchanged;
    return;
  }
  (it == map.end() ? counts.created : counts.updated) += 1;
  record.etag = etag;
  record.update_time = absl::FromUnixSeconds(1'700'000'000);
  map[key] = record;
}

}  // namespace

absl::Status InMemoryDirectoryStore::Ping() {
  absl::MutexLock lock(&mu_);
  return down_ ? Unavailable("PG_UNAVAILABLE", "store down") : absl::OkStatus();
}

void InMemoryDirectoryStore::SetDown(bool down) {
  absl::MutexLock lock(&mu_);
  down_ = down;
}

void InMemoryDirectoryStore::BumpVersionForTesting() {
  absl::MutexLock lock(&mu_);
  ++version_;
}

int InMemoryDirectoryStore::mutations_applied() const {
  absl::MutexLock lock(&mu_);
  return mutations_applied_;
}

absl::StatusOr<LoadedDirectory> InMemoryDirectoryStore::Load() {
  absl::MutexLock lock(&mu_);
  if (down_) return Unavailable("PG_UNAVAILABLE", "store down");
  return LoadedDirectory{version_, directory_};
}

absl::StatusOr<int64_t> InMemoryDirectoryStore::Version() {
  absl::MutexLock lock(&mu_);
  if (down_) return Unavailable("PG_UNAVAILABLE", "store down");
  return version_;
}

absl::StatusOr<DirectoryStore::Outcome> InMemoryDirectoryStore::Mutate(const Mutation& m) {
  absl::MutexLock lock(&mu_);
  if (down_) return Unavailable("PG_UNAVAILABLE", "store down");
  const auto request = std::make_pair(m.key.scope, m.key.request_id);
  if (!m.dry_run) {
    auto it = requests_.find(request);
    if (it != requests_.end()) {
      if (it->second.first != m.key.fingerprint) {
        return InvalidArgument("REQUEST_ID_REUSED", "request_id was used for a different request");
      }
      return Outcome{it->second.second, true, version_};
    }
  }
  if (m.expected_version != version_) return Aborted("STALE_SNAPSHOT", "stale");
  PARLEY_ASSIGN_OR_RETURN(ChangeSet changes, m.plan());
  Directory next = directory_;
  const std::string etag = absl::StrCat(version_ + 1);
  ApplyCounts counts;
  if (changes.trust) {
    if (ToJson(next.trust) == ToJson(*changes.trust)) {
      changes.trust->etag = next.trust.etag;
      ++counts.unchanged;
    } else {
      changes.trust->etag = etag;
      (next.trust.etag.empty() ? counts.created : counts.updated) += 1;  // as PgDirectoryStore counts it
      next.trust = *changes.trust;
    }
  }
  for (School& s : changes.schools) {
    SchoolDirectory& sd = next.schools[s.id];
    if (!sd.school.id.empty() && ToJson(sd.school) == ToJson(s)) {
      s.etag = sd.school.etag;
      ++counts.unchanged;
      continue;
    }
    (sd.school.id.empty() ? counts.created : counts.updated) += 1;
    s.etag = etag;
    sd.school = s;
    sd.routing_matrix.school_id = s.id;
  }
  for (Staff& s : changes.staff) Put(next.schools[s.school_id].staff, s.id, s, etag, counts);
  for (Pupil& p : changes.pupils) Put(next.schools[p.school_id].pupils, p.id, p, etag, counts);
  for (Ladder& l : changes.ladders) Put(next.schools[l.school_id].ladders, l.id, l, etag, counts);
  for (RoutingMatrix& rm : changes.routing_matrices) {
    RoutingMatrix& current = next.schools[rm.school_id].routing_matrix;
    if (!current.etag.empty() && ToJson(current) == ToJson(rm)) {
      rm.etag = current.etag;
      ++counts.unchanged;
    } else {
      (current.etag.empty() ? counts.created : counts.updated) += 1;
      rm.etag = etag;
      current = rm;
    }
  }
  for (Guardian& g : changes.guardians) Put(next.guardians, g.id, g, etag, counts);
  for (const std::string& id : changes.delete_guardians) counts.deleted += next.guardians.erase(id);
  for (const auto& id : changes.delete_ladders) counts.deleted += next.schools[id.first].ladders.erase(id.second);
  for (const auto& id : changes.delete_pupils) counts.deleted += next.schools[id.first].pupils.erase(id.second);
  for (const auto& id : changes.delete_staff) counts.deleted += next.schools[id.first].staff.erase(id.second);
  for (const std::string& id : changes.delete_schools) {
    auto it = next.schools.find(id);
    if (it == next.schools.end()) continue;
    if (!it->second.staff.empty() || !it->second.pupils.empty()) {
      return FailedPrecondition(reason::kReferenceViolation, "a deleted school still has staff or pupils");
    }
    next.schools.erase(it);
    ++counts.deleted;
  }
  PARLEY_ASSIGN_OR_RETURN(std::string response, m.respond(changes, counts));
  if (m.dry_run) return Outcome{response, false, version_};
  if (counts.created + counts.updated + counts.deleted > 0) {
    ++version_;
    directory_ = std::move(next);
  }
  ++mutations_applied_;
  requests_[request] = {m.key.fingerprint, response};
  return Outcome{response, false, version_};
}

}  // namespace parley::contacts::testing
