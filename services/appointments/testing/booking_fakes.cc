#include "services/appointments/testing/booking_fakes.h"

#include <algorithm>
#include <tuple>

#include "absl/strings/str_cat.h"
#include "common/status/reason.h"
#include "common/status/reasons.h"

namespace parley::appointments::testing {

void FakeDirectory::AddStaff(const std::string& school_id, const std::string& staff_id,
                             std::shared_ptr<const calendar::Calendar> calendar) {
  absl::MutexLock lock(&mu_);
  staff_[{school_id, staff_id}] = std::move(calendar);
}

void FakeDirectory::SetRole(const std::string& school_id, const std::string& pupil_id, WantedRole role,
                            const std::string& staff_id) {
  absl::MutexLock lock(&mu_);
  roles_[{school_id, pupil_id, static_cast<int>(role)}] = staff_id;
}

void FakeDirectory::SetHead(const std::string& school_id, const std::string& staff_id) {
  absl::MutexLock lock(&mu_);
  heads_[school_id] = staff_id;
}

void FakeDirectory::Link(const std::string& guardian_id, GuardianLink link) {
  absl::MutexLock lock(&mu_);
  links_[guardian_id].push_back(std::move(link));
}

absl::StatusOr<absl::TimeZone> FakeDirectory::TimeZoneOf(const std::string&) { return zone_; }

absl::Status FakeDirectory::CheckStaff(const std::string& school_id, const std::string& staff_id, absl::Time) {
  absl::MutexLock lock(&mu_);
  if (staff_.count({school_id, staff_id}) == 0) {
    return NotFound(reason::kStaffNotFound, absl::StrCat("staff ", staff_id, " was not found"));
  }
  return absl::OkStatus();
}

absl::StatusOr<std::string> FakeDirectory::StaffForRole(const std::string& school_id, const std::string& pupil_id,
                                                        WantedRole role) {
  absl::MutexLock lock(&mu_);
  auto it = roles_.find({school_id, pupil_id, static_cast<int>(role)});
  if (it == roles_.end()) return FailedPrecondition(reason::kNoStaffForRole, "nobody holds that role for the pupil");
  return it->second;
}

absl::StatusOr<std::string> FakeDirectory::HeadOf(const std::string& school_id) {
  absl::MutexLock lock(&mu_);
  auto it = heads_.find(school_id);
  if (it == heads_.end()) return FailedPrecondition(reason::kNoHead, "the school has no head");
  return it->second;
}

absl::StatusOr<std::string> FakeDirectory::LineManagerOf(const std::string&, const std::string&) {
  return std::string();
}

absl::StatusOr<std::vector<GuardianLink>> FakeDirectory::LinksOfGuardian(const std::string& guardian_id, absl::Time) {
  absl::MutexLock lock(&mu_);
  auto it = links_.find(guardian_id);
  if (it == links_.end()) return std::vector<GuardianLink>{};
  return it->second;
}

absl::StatusOr<std::vector<std::string>> FakeDirectory::GuardiansOf(const std::string& school_id,
                                                                    const std::string& pupil_id) {
  absl::MutexLock lock(&mu_);
  std::vector<std::string> out;
  for (const auto& [guardian, links] : links_) {
    for (const GuardianLink& l : links) {
      if (l.school_id == school_id && l.pupil_id == pupil_id) out.push_back(guardian);
    }
  }
  return out;
}

absl::StatusOr<StaffTime> FakeDirectory::StaffTimeOf(const std::string& school_id, const std::string& staff_id) {
  absl::MutexLock lock(&mu_);
  auto it = staff_.find({school_id, staff_id});
  if (it == staff_.end()) return NotFound(reason::kStaffNotFound, absl::StrCat("staff ", staff_id, " was not found"));
  return StaffTime{it->second, std::nullopt};
}

absl::StatusOr<std::optional<PolicyDue>> FakeDirectory::Due(const std::string&, directory::Channel, directory::Stage,
                                                            absl::Time, const std::string&, const std::string&) {
  return std::optional<PolicyDue>();
}

void FakeGate::Answer(const std::string& guardian_id, MeetingGate answer) {
  absl::MutexLock lock(&mu_);
  answers_[guardian_id] = std::move(answer);
}

void FakeGate::Fail(absl::Status status) {
  absl::MutexLock lock(&mu_);
  fail_ = std::move(status);
}

absl::StatusOr<MeetingGate> FakeGate::CheckMeeting(const MeetingGateQuestion& question) {
  absl::MutexLock lock(&mu_);
  ++calls_;
  questions_.push_back(question);
  if (!fail_.ok()) return fail_;
  if (auto it = by_request_.find(question.request_id); it != by_request_.end()) return it->second;
  MeetingGate answer;
  if (auto it = answers_.find(question.guardian_id); it != answers_.end()) answer = it->second;
  answer.decision = absl::StrCat("schools/", question.school_id, "/decisions/d-", by_request_.size() + 1);
  if (answer.explanation.empty()) answer.explanation = "no arrangement applies";
  by_request_[question.request_id] = answer;
  return answer;
}

int FakeGate::calls() const {
  absl::MutexLock lock(&mu_);
  return calls_;
}

int FakeGate::decisions() const {
  absl::MutexLock lock(&mu_);
  return static_cast<int>(by_request_.size());
}

std::vector<MeetingGateQuestion> FakeGate::questions() const {
  absl::MutexLock lock(&mu_);
  return questions_;
}

absl::Status FakeRequestOutcomes::MeetingOutcome(const RequestKey& key, const std::string& school_id,
                                                 const std::string& request_id, const std::string& booking_id,
                                                 Outcome outcome, const std::string& actor, absl::Time at) {
  absl::MutexLock lock(&mu_);
  const std::string k = absl::StrCat(key.scope, "/", key.request_id);
  if (by_key_.count(k) > 0) return absl::OkStatus();
  Told t{school_id, request_id, booking_id, outcome, actor, at};
  by_key_[k] = t;
  told_.push_back(t);
  return absl::OkStatus();
}

std::vector<FakeRequestOutcomes::Told> FakeRequestOutcomes::told() const {
  absl::MutexLock lock(&mu_);
  return told_;
}

}  // namespace parley::appointments::testing
