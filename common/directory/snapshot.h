// An immutable, indexed view of the whole directory at one version, served from memory. Reads
// (routing, ladders, deadlines, Get/List) never touch PostgreSQL; a write commits to the store
// and the service swaps in a new snapshot. Compiled calendars are built once per snapshot.
#pragma once

#include <map>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "absl/status/statusor.h"
#include "common/calendar/calendar.h"
#include "common/directory/model.h"

namespace parley::directory {

// The calendar spec a school's calendar compiles to: its own closures plus its division's bank
// holidays (the published list, and after it the division's usual rules through the year the last
// term ends: calendar::BankHolidaysThrough).
absl::StatusOr<calendar::CalendarSpec> EffectiveCalendarSpec(const SchoolCalendar& calendar);

// Stable fingerprints stored beside computed deadlines so that holders know when to recompute.
std::string PolicyFingerprint(const CommunicationPolicy& policy);

class Snapshot {
 public:
  // Compiles every school's calendar and every part-time owner's calendar. Fails only when the
  // directory holds a calendar that does not validate (the store never accepts one).
  static absl::StatusOr<std::shared_ptr<const Snapshot>> Build(int64_t version, Directory directory);

  int64_t version() const { return version_; }
  const Directory& directory() const { return directory_; }

  const SchoolDirectory* FindSchool(const std::string& school_id) const;
  const Staff* FindStaff(const std::string& school_id, const std::string& staff_id) const;
  const Pupil* FindPupil(const std::string& school_id, const std::string& pupil_id) const;
  const Guardian* FindGuardian(const std::string& guardian_id) const;
  // Guardians linked to a pupil, in id order.
  std::vector<const Guardian*> GuardiansOfPupil(const std::string& school_id, const std::string& pupil_id) const;
  // Guardians linked to any pupil of the school, in id order.
  std::vector<const Guardian*> GuardiansOfSchool(const std::string& school_id) const;

  // The school calendar, or the school calendar intersected with the member's working pattern.
  std::shared_ptr<const calendar::Calendar> SchoolCalendarOf(const std::string& school_id) const;
  std::shared_ptr<const calendar::Calendar> OwnerCalendarOf(const std::string& school_id,
                                                            const std::string& staff_id) const;

 private:
  Snapshot(int64_t version, Directory directory) : version_(version), directory_(std::move(directory)) {}

  int64_t version_;
  Directory directory_;
  std::map<std::string, std::shared_ptr<const calendar::Calendar>> school_calendars_;
  std::map<std::pair<std::string, std::string>, std::shared_ptr<const calendar::Calendar>> owner_calendars_;
  std::map<std::pair<std::string, std::string>, std::vector<const Guardian*>> guardians_by_pupil_;
  std::map<std::string, std::vector<const Guardian*>> guardians_by_school_;
};

}  // namespace parley::directory
