#include "common/directory/snapshot.h"

#include <algorithm>
#include <cstdint>
#include <set>

#include "absl/strings/str_cat.h"
#include "common/calendar/bank_holidays.h"
#include "common/status/reason.h"
#include "common/status/status_macros.h"
#include "openssl/sha.h"

namespace parley::directory {
namespace {

std::string HexDigest(const std::string& text) {
  unsigned char digest[SHA256_DIGEST_LENGTH];
  SHA256(reinterpret_cast<const unsigned char*>(text.data()), text.size(), digest);
  static constexpr char kHex[] = "0123456789abcdef";
  std::string hex;
  for (int i = 0; i < 8; ++i) {
    hex.push_back(kHex[digest[i] >> 4]);
    hex.push_back(kHex[digest[i] & 0xf]);
  }
  return hex;
}

void AppendBudget(std::string* out, const calendar::Budget& b) {
  absl::StrAppend(out, static_cast<int>(b.unit), ":", b.working_days, ":", absl::ToInt64Seconds(b.duration), ";");
}

}  // namespace

absl::StatusOr<calendar::CalendarSpec> EffectiveCalendarSpec(const SchoolCalendar& cal) {
  calendar::CalendarSpec spec;
  spec.time_zone = cal.time_zone.empty() ? "Europe/London" : cal.time_zone;
  spec.terms = cal.terms;
  for (const Closure& closure : cal.closures) spec.closures.push_back(closure.range);
  spec.school_days = cal.school_days;
  spec.core_hours = cal.core_hours;
  spec.overrides = cal.overrides;
  if (!cal.bank_holiday_division.empty()) {
    // The published list, and past its end the division's usual rules up to the calendar's last
    // year, so a calendar whose terms run beyond the list still closes on its bank holidays.
    int64_t last_year = 0;
    for (const calendar::DateRange& term : spec.terms) last_year = std::max<int64_t>(last_year, term.last.year());
    PARLEY_ASSIGN_OR_RETURN(
        std::vector<calendar::DateRange> holidays,
        calendar::BankHolidaysThrough(cal.bank_holiday_division, static_cast<int>(std::min<int64_t>(last_year, 9999))));
    // A bank holiday the school already lists as its own closure is not added twice, so the
    // explanation names the school's label.
    for (calendar::DateRange& holiday : holidays) {
      bool covered = std::any_of(spec.closures.begin(), spec.closures.end(), [&](const calendar::DateRange& c) {
        return c.first <= holiday.first && holiday.last <= c.last;
      });
      if (!covered) spec.closures.push_back(std::move(holiday));
    }
  }
  std::sort(spec.closures.begin(), spec.closures.end(),
            [](const calendar::DateRange& a, const calendar::DateRange& b) { return a.first < b.first; });
  return spec;
}

std::string PolicyFingerprint(const CommunicationPolicy& policy) {
  // A canonical text of everything that changes a deadline or a delivery rule. Rule order does
  // not matter to the meaning, so rules are sorted first.
  std::vector<std::string> rules;
  for (const ResponseRule& r : policy.rules) {
    std::string text = absl::StrCat(static_cast<int>(r.channel), "/", static_cast<int>(r.stage), "/",
                                    static_cast<int>(r.clock_calendar), "/");
    AppendBudget(&text, r.budget);
    std::vector<std::string> categories = r.categories;
    std::sort(categories.begin(), categories.end());
    for (const std::string& c : categories) absl::StrAppend(&text, c.size(), ":", c, ",");
    rules.push_back(std::move(text));
  }
  std::sort(rules.begin(), rules.end());
  std::string canonical = "policy-v1|";
  for (const std::string& r : rules) absl::StrAppend(&canonical, r, "|");
  if (policy.safeguarding_budget) AppendBudget(&canonical, *policy.safeguarding_budget);
  absl::StrAppend(&canonical, "|", policy.event_notice_days, "|", static_cast<int>(policy.sms_policy), "|",
                  policy.separate_copies_on_request, policy.separate_copies_require_written_request, "|",
                  policy.breach.notify_line_manager_on_acknowledge_breach, policy.breach.escalate_on_response_breach,
                  policy.breach.refer_to_complaints_at_top);
  return HexDigest(canonical);
}

absl::StatusOr<std::shared_ptr<const Snapshot>> Snapshot::Build(int64_t version, Directory directory) {
  std::shared_ptr<Snapshot> snap(new Snapshot(version, std::move(directory)));
  for (const auto& [school_id, sd] : snap->directory_.schools) {
    PARLEY_ASSIGN_OR_RETURN(calendar::CalendarSpec spec, EffectiveCalendarSpec(sd.school.calendar));
    auto built = calendar::Calendar::Build(spec);
    if (!built.ok()) {
      return InvalidArgument("INVALID_CALENDAR", absl::StrCat("school ", school_id, ": ", built.status().message()));
    }
    snap->school_calendars_[school_id] = *built;
    for (const auto& [staff_id, staff] : sd.staff) {
      if (!staff.working_pattern) continue;
      auto owner = calendar::Calendar::Build(spec, &*staff.working_pattern);
      if (!owner.ok()) {
        return InvalidArgument("INVALID_WORKING_PATTERN",
                               absl::StrCat("school ", school_id, " staff ", staff_id, ": ", owner.status().message()));
      }
      snap->owner_calendars_[{school_id, staff_id}] = *owner;
    }
  }
  for (const auto& [guardian_id, guardian] : snap->directory_.guardians) {
    std::set<std::string> schools;
    for (const PupilLink& link : guardian.pupils) {
      snap->guardians_by_pupil_[{link.school_id, link.pupil_id}].push_back(&guardian);
      if (schools.insert(link.school_id).second) snap->guardians_by_school_[link.school_id].push_back(&guardian);
    }
  }
  return std::shared_ptr<const Snapshot>(std::move(snap));
}

const SchoolDirectory* Snapshot::FindSchool(const std::string& school_id) const {
  auto it = directory_.schools.find(school_id);
  return it == directory_.schools.end() ? nullptr : &it->second;
}

const Staff* Snapshot::FindStaff(const std::string& school_id, const std::string& staff_id) const {
  const SchoolDirectory* sd = FindSchool(school_id);
  if (sd == nullptr) return nullptr;
  auto it = sd->staff.find(staff_id);
  return it == sd->staff.end() ? nullptr : &it->second;
}

const Pupil* Snapshot::FindPupil(const std::string& school_id, const std::string& pupil_id) const {
  const SchoolDirectory* sd = FindSchool(school_id);
  if (sd == nullptr) return nullptr;
  auto it = sd->pupils.find(pupil_id);
  return it == sd->pupils.end() ? nullptr : &it->second;
}

const Guardian* Snapshot::FindGuardian(const std::string& guardian_id) const {
  auto it = directory_.guardians.find(guardian_id);
  return it == directory_.guardians.end() ? nullptr : &it->second;
}

std::vector<const Guardian*> Snapshot::GuardiansOfPupil(const std::string& school_id,
                                                        const std::string& pupil_id) const {
  auto it = guardians_by_pupil_.find({school_id, pupil_id});
  return it == guardians_by_pupil_.end() ? std::vector<const Guardian*>{} : it->second;
}

std::vector<const Guardian*> Snapshot::GuardiansOfSchool(const std::string& school_id) const {
  auto it = guardians_by_school_.find(school_id);
  return it == guardians_by_school_.end() ? std::vector<const Guardian*>{} : it->second;
}

std::shared_ptr<const calendar::Calendar> Snapshot::SchoolCalendarOf(const std::string& school_id) const {
  auto it = school_calendars_.find(school_id);
  return it == school_calendars_.end() ? nullptr : it->second;
}

std::shared_ptr<const calendar::Calendar> Snapshot::OwnerCalendarOf(const std::string& school_id,
                                                                    const std::string& staff_id) const {
  auto it = owner_calendars_.find({school_id, staff_id});
  return it == owner_calendars_.end() ? SchoolCalendarOf(school_id) : it->second;
}

}  // namespace parley::directory
