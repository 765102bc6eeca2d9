#include "services/escalation/testing/fake_peers.h"

#include "absl/strings/str_cat.h"
#include "common/status/reason.h"

namespace parley::escalation::testing {

void FakeGate::Answer(GateAnswer::Outcome outcome, std::optional<absl::Time> next_allowed_time) {
  absl::MutexLock lock(&mu_);
  outcome_ = outcome;
  next_allowed_ = next_allowed_time;
}

void FakeGate::Fail(absl::Status status) {
  absl::MutexLock lock(&mu_);
  fail_ = std::move(status);
}

absl::StatusOr<GateAnswer> FakeGate::Check(const GateQuestion& q) {
  absl::MutexLock lock(&mu_);
  ++calls_;
  questions_.push_back(q);
  if (!fail_.ok()) return fail_;
  if (!q.request_id.empty()) {
    auto it = by_request_.find(q.request_id);
    if (it != by_request_.end()) return it->second;
  }
  GateAnswer answer;
  answer.outcome = outcome_;
  answer.next_allowed_time = next_allowed_;
  answer.decision = absl::StrCat("schools/", q.school_id, "/decisions/d-", ++decisions_);
  answer.explanation = "scripted";
  if (!q.request_id.empty()) by_request_[q.request_id] = answer;
  return answer;
}

int FakeGate::calls() const {
  absl::MutexLock lock(&mu_);
  return calls_;
}

int FakeGate::decisions() const {
  absl::MutexLock lock(&mu_);
  return decisions_;
}

std::vector<GateQuestion> FakeGate::questions() const {
  absl::MutexLock lock(&mu_);
  return questions_;
}

FakeDirectory::FakeDirectory(std::string school_id) : school_id_(std::move(school_id)) {
  Route teacher;
  teacher.owner = Person{Staff(school_id_, "teacher"), "class teacher"};
  routes_[""] = teacher;
  Route dsl;
  dsl.owner = Person{Staff(school_id_, "dsl"), "dsl"};
  dsl.also_notify.push_back(Person{Staff(school_id_, "deputy-dsl"), "deputy dsl"});
  dsl.safeguarding = true;
  routes_["safeguarding"] = dsl;
  ladder_.rungs = {Person{Staff(school_id_, "teacher"), "class teacher"},
                   Person{Staff(school_id_, "head-of-year"), "head of year"},
                   Person{Staff(school_id_, "head"), "headteacher"}};
  for (const char* s : {"teacher", "dsl", "deputy-dsl", "head-of-year", "head", "office"}) {
    line_managers_[Staff(school_id_, s)] = "";
  }
  line_managers_[Staff(school_id_, "teacher")] = Staff(school_id_, "head-of-year");
  versions_ = {"calendar-1", "policy-1"};
  children_["guardians/g1"] = {absl::StrCat("schools/", school_id_, "/pupils/p1")};
}

void FakeDirectory::SetRoute(const std::string& category, Route route) {
  absl::MutexLock lock(&mu_);
  routes_[category] = std::move(route);
}
void FakeDirectory::SetLadder(Ladder ladder) {
  absl::MutexLock lock(&mu_);
  ladder_ = std::move(ladder);
}
void FakeDirectory::SetLineManager(const std::string& staff, const std::string& manager) {
  absl::MutexLock lock(&mu_);
  line_managers_[staff] = manager;
}
void FakeDirectory::AddStaff(const std::string& staff) {
  absl::MutexLock lock(&mu_);
  line_managers_.emplace(staff, "");
}
void FakeDirectory::SetVersions(std::string calendar, std::string policy) {
  absl::MutexLock lock(&mu_);
  versions_ = {std::move(calendar), std::move(policy)};
}
void FakeDirectory::SetBreachSwitches(BreachSwitches switches) {
  absl::MutexLock lock(&mu_);
  switches_ = switches;
}
void FakeDirectory::LinkGuardian(const std::string& guardian, const std::string& pupil) {
  absl::MutexLock lock(&mu_);
  children_[guardian].push_back(pupil);
}
void FakeDirectory::CourtOrder(const std::string& guardian, const std::string& pupil, std::optional<absl::Time> until) {
  absl::MutexLock lock(&mu_);
  std::vector<std::string>& children = children_[guardian];
  if (std::find(children.begin(), children.end(), pupil) == children.end()) children.push_back(pupil);
  orders_[{guardian, pupil}] = until.value_or(absl::InfiniteFuture());
}
void FakeDirectory::HonourAddressing(bool honour) {
  absl::MutexLock lock(&mu_);
  honour_addressing_ = honour;
}
void FakeDirectory::SetAway(const std::string& staff, absl::Time from, absl::Time until) {
  absl::MutexLock lock(&mu_);
  line_managers_.emplace(staff, "");
  away_[staff] = {from, until};
}
void FakeDirectory::SetLeft(const std::string& staff, absl::Time left) {
  absl::MutexLock lock(&mu_);
  line_managers_.emplace(staff, "");
  left_[staff] = left;
}
void FakeDirectory::Fail(absl::Status status) {
  absl::MutexLock lock(&mu_);
  fail_ = std::move(status);
}

absl::StatusOr<Route> FakeDirectory::RouteEnquiry(const std::string& school_id, const std::string& pupil,
                                                  const std::string& category, const std::string&, int) {
  absl::MutexLock lock(&mu_);
  ++route_calls_;
  if (!fail_.ok()) return fail_;
  if (category == "unknown") {
    return InvalidArgument(reason::kUnknownCategory, "not a category of the school's routing matrix");
  }
  if (!pupil.empty() && pupil.find("missing") != std::string::npos) {
    return PupilNotFound(school_id, pupil);
  }
  auto it = routes_.find(category);
  return it != routes_.end() ? it->second : routes_.at("");
}

absl::StatusOr<Ladder> FakeDirectory::ResolveLadder(const std::string& school_id, const std::string&,
                                                    const std::string& category, const std::string&) {
  absl::MutexLock lock(&mu_);
  ++ladder_calls_;
  if (!fail_.ok()) return fail_;
  if (no_ladder_.count(category) > 0) {
    return FailedPrecondition(reason::kNoLadder,
                              absl::StrCat("category \"", category, "\" has no ladder at school ", school_id));
  }
  return ladder_;
}

void FakeDirectory::NoLadderFor(const std::string& category) {
  absl::MutexLock lock(&mu_);
  no_ladder_.insert(category);
}

absl::StatusOr<std::string> FakeDirectory::LineManagerOf(const std::string& staff) {
  absl::MutexLock lock(&mu_);
  if (!fail_.ok()) return fail_;
  auto it = line_managers_.find(staff);
  if (it == line_managers_.end()) return NotFound(reason::kStaffNotFound, "no such member of staff");
  return it->second;
}

absl::StatusOr<absl::Time> FakeDirectory::NextWorkingTime(const std::string&, const std::string&, absl::Time at) {
  absl::MutexLock lock(&mu_);
  if (!fail_.ok()) return fail_;
  return at;
}

absl::StatusOr<std::pair<std::string, std::string>> FakeDirectory::Versions(const std::string&) {
  absl::MutexLock lock(&mu_);
  if (!fail_.ok()) return fail_;
  return versions_;
}

absl::StatusOr<BreachSwitches> FakeDirectory::BreachPolicyOf(const std::string&) {
  absl::MutexLock lock(&mu_);
  if (!fail_.ok()) return fail_;
  return switches_;
}

absl::StatusOr<absl::TimeZone> FakeDirectory::TimeZoneOf(const std::string&) {
  absl::MutexLock lock(&mu_);
  if (!fail_.ok()) return fail_;
  absl::TimeZone london;
  if (!absl::LoadTimeZone("Europe/London", &london)) return absl::UTCTimeZone();
  return london;
}

absl::StatusOr<std::vector<GuardianLink>> FakeDirectory::LinksOfGuardian(const std::string& guardian, absl::Time at) {
  absl::MutexLock lock(&mu_);
  ++guardian_calls_;
  if (!fail_.ok()) return fail_;
  std::vector<GuardianLink> links;
  auto it = children_.find(guardian);
  if (it == children_.end()) return links;
  for (const std::string& pupil : it->second) {
    auto order = orders_.find({guardian, pupil});
    links.push_back(GuardianLink{pupil, order != orders_.end() && at <= order->second});
  }
  return links;
}

absl::StatusOr<Addressee> FakeDirectory::AddresseeOf(const std::string& staff, absl::Time at) {
  absl::MutexLock lock(&mu_);
  if (!fail_.ok()) return fail_;
  if (line_managers_.count(staff) == 0) return NotFound(reason::kStaffNotFound, "no such member of staff");
  Addressee a;
  a.role = "class_teacher";
  a.policy_honours = honour_addressing_;
  if (auto left = left_.find(staff); left != left_.end() && at >= left->second) {
    a.availability = Addressee::Availability::kLeft;
  } else if (auto away = away_.find(staff);
             away != away_.end() && at >= away->second.first && at < away->second.second) {
    a.availability = Addressee::Availability::kAway;
  }
  return a;
}

int FakeDirectory::route_calls() const {
  absl::MutexLock lock(&mu_);
  return route_calls_;
}

int FakeDirectory::ladder_calls() const {
  absl::MutexLock lock(&mu_);
  return ladder_calls_;
}

int FakeDirectory::guardian_calls() const {
  absl::MutexLock lock(&mu_);
  return guardian_calls_;
}

}  // namespace parley::escalation::testing
