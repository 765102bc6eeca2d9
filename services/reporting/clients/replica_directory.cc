#include "services/reporting/clients/replica_directory.h"

#include <map>
#include <memory>
#include <string>

#include "absl/strings/str_cat.h"
#include "common/status/status_macros.h"

namespace parley::reporting {
namespace {

std::string ChannelId(directory::Channel channel) {
  switch (channel) {
    case directory::Channel::kEmail:
      return "email";
    case directory::Channel::kLetter:
      return "letter";
    case directory::Channel::kPhone:
      return "phone";
    case directory::Channel::kAppMessage:
      return "app_message";
    case directory::Channel::kInPerson:
      return "in_person";
    case directory::Channel::kMeetingRequest:
      return "meeting_request";
    case directory::Channel::kSms:
      return "sms";
    case directory::Channel::kUnspecified:
      break;
  }
  return "unspecified";
}

std::string StageId(directory::Stage stage) {
  switch (stage) {
    case directory::Stage::kAcknowledge:
      return "acknowledge";
    case directory::Stage::kRespond:
      return "respond";
    case directory::Stage::kHoldMeeting:
      return "hold_meeting";
    case directory::Stage::kFollowUp:
      return "follow_up";
    case directory::Stage::kUnspecified:
      break;
  }
  return "unspecified";
}

std::string Plural(int64_t n, const char* one, const char* many) { return absl::StrCat(n, " ", n == 1 ? one : many); }

std::string BudgetText(const calendar::Budget& budget) {
  switch (budget.unit) {
    case calendar::Unit::kWorkingDays:
      return Plural(budget.working_days, "working day", "working days");
    case calendar::Unit::kWorkingHours:
      if (budget.duration % absl::Hours(1) == absl::ZeroDuration()) {
        return Plural(absl::ToInt64Hours(budget.duration), "working hour", "working hours");
      }
      return Plural(absl::ToInt64Minutes(budget.duration), "working minute", "working minutes");
    case calendar::Unit::kElapsed:
      if (budget.duration % absl::Hours(1) == absl::ZeroDuration()) {
        return Plural(absl::ToInt64Hours(budget.duration), "hour", "hours");
      }
      return Plural(absl::ToInt64Minutes(budget.duration), "minute", "minutes");
  }
  return "";
}

// Routing rules name their ladder by id or by resource name.
const directory::Ladder* FindLadder(const directory::SchoolDirectory& school, const std::string& ref) {
  if (auto it = school.ladders.find(ref); it != school.ladders.end()) return &it->second;
  const size_t slash = ref.rfind('/');
  if (slash == std::string::npos) return nullptr;
  auto it = school.ladders.find(ref.substr(slash + 1));
  return it == school.ladders.end() ? nullptr : &it->second;
}

}  // namespace

SchoolInfo SchoolInfoOf(const directory::SchoolDirectory& dir) {
  const directory::School& school = dir.school;
  SchoolInfo info;
  info.id = school.id;
  info.display_name = school.display_name;
  info.time_zone = school.calendar.time_zone.empty() ? "Europe/London" : school.calendar.time_zone;
  info.pupils = static_cast<int64_t>(dir.pupils.size());
  for (const calendar::DateRange& term : school.calendar.terms) {
    SchoolInfo::Term t{term.first, term.last, term.label, std::nullopt};
    for (const directory::Closure& closure : school.calendar.closures) {
      if (closure.kind == directory::ClosureKind::kHalfTerm && closure.range.first >= term.first &&
          closure.range.last <= term.last) {
        t.half_term = std::make_pair(closure.range.first, closure.range.last);
        break;
      }
    }
    info.terms.push_back(std::move(t));
  }
  for (const directory::ResponseRule& rule : school.policy.rules) {
    info.promises.push_back({ChannelId(rule.channel), StageId(rule.stage), BudgetText(rule.budget), rule.policy_text});
  }
  // The ladder most categories climb names the rungs.
  std::map<std::string, int> uses;
  for (const directory::RoutingRule& rule : dir.routing_matrix.rules) {
    if (!rule.ladder.empty()) ++uses[rule.ladder];
  }
  std::string main_ladder;
  int most = 0;
  for (const auto& [ladder, count] : uses) {
    if (count > most) main_ladder = ladder, most = count;
  }
  if (const directory::Ladder* ladder = FindLadder(dir, main_ladder)) {
    for (size_t i = 0; i < ladder->rungs.size(); ++i) info.rung_roles[static_cast<int>(i)] = ladder->rungs[i].title;
  }
  return info;
}

absl::StatusOr<std::vector<SchoolInfo>> ReplicaDirectory::Schools() {
  PARLEY_ASSIGN_OR_RETURN(std::shared_ptr<const directory::ReplicaView> view, replica_->View());
  std::vector<SchoolInfo> schools;
  for (const auto& [id, held] : view->schools()) {
    const directory::SchoolDirectory* school = held.snapshot ? held.snapshot->FindSchool(id) : nullptr;
    if (school != nullptr) schools.push_back(SchoolInfoOf(*school));
  }
  return schools;
}

}  // namespace parley::reporting
