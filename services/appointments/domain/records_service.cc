#include "services/appointments/domain/records_service.h"

#include <algorithm>
#include <set>
#include <utility>

#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_split.h"
#include "common/status/reason.h"
#include "common/status/reasons.h"
#include "common/status/status_macros.h"

namespace parley::appointments {
namespace {

constexpr int kMaxRetentionRules = 40;
constexpr size_t kMaxScheduleText = 500;
constexpr size_t kMaxDisplayName = 200;
constexpr size_t kMaxLanguages = 10;
constexpr size_t kMaxBodyRef = 512;
constexpr int kMaxExceptionRanges = 8;
constexpr int kMaxExceptionListDays = 366;

absl::Status Field(const std::string& field, absl::string_view problem) {
  return InvalidArgument(reason::kInvalidField, absl::StrCat(field, " ", problem));
}

// An id as resource names carry them: 1-64 of a-z, 0-9, '-', '_', starting with a letter or digit.
bool IsId(const std::string& s) {
  if (s.empty() || s.size() > 64 || !absl::ascii_isalnum(static_cast<unsigned char>(s[0]))) return false;
  return std::all_of(s.begin(), s.end(), [](char c) {
    return absl::ascii_islower(static_cast<unsigned char>(c)) || absl::ascii_isdigit(static_cast<unsigned char>(c)) ||
           c == '-' || c == '_';
  });
}

absl::Status Within(const std::string& field, absl::Duration d, absl::Duration lo, absl::Duration hi) {
  if (d < lo || d > hi) {
    return Field(field, absl::StrCat("must be from ", absl::FormatDuration(lo), " to ", absl::FormatDuration(hi)));
  }
  return absl::OkStatus();
}

std::string DayText(absl::CivilDay d) { return absl::FormatCivilTime(d); }

// The day the anniversary `years` after `day` falls on (29 February → 1 March without one).
absl::CivilDay Anniversary(absl::CivilDay day, int years) {
  return absl::CivilDay(day.year() + years, day.month(), day.day());
}

}  // namespace

Retention RetentionFor(const RetentionRule& rule, absl::Time meeting, absl::TimeZone tz,
                       std::optional<absl::CivilDay> pupil_birth_date) {
  const absl::CivilDay meeting_day = absl::ToCivilDay(meeting, tz);
  absl::CivilDay last = Anniversary(meeting_day, rule.years);
  std::string basis = absl::StrFormat("%s: kept %d years after the meeting on %s, through %s", rule.record_type,
                                      rule.years, DayText(meeting_day), DayText(last));
  if (rule.until_pupil_age > 0) {
    if (pupil_birth_date) {
      const absl::CivilDay of_age = Anniversary(*pupil_birth_date, rule.until_pupil_age);
      if (of_age > last) {
        last = of_age;
        basis = absl::StrFormat(
            "%s: kept until the pupil reaches %d, through %s (later than %d years after the "
            "meeting)",
            rule.record_type, rule.until_pupil_age, DayText(of_age), rule.years);
      }
    } else {
      absl::StrAppendFormat(&basis,
                            "; the rule also keeps it until the pupil reaches %d, but the directory holds no date "
                            "of birth, so the years apply",
                            rule.until_pupil_age);
    }
  }
  return Retention{absl::FromCivil(last + 1, tz), std::move(basis)};
}

int WorkingDaysBetween(const calendar::Calendar& calendar, absl::Time from, absl::Time to) {
  const absl::CivilDay first = absl::ToCivilDay(from, calendar.zone());
  const absl::CivilDay last = absl::ToCivilDay(to, calendar.zone());
  int days = 0;
  for (absl::CivilDay d = first + 1; d <= last; ++d) {
    if (calendar.PeriodOn(d).has_value()) ++days;
  }
  return days;
}

absl::Status CheckSettings(const AppointmentSettings& s) {
  PARLEY_RETURN_IF_ERROR(Within("meeting_length", s.meeting_length, absl::Minutes(5), absl::Hours(3)));
  PARLEY_RETURN_IF_ERROR(
      Within("interpreted_meeting_length", s.interpreted_meeting_length, s.meeting_length, absl::Hours(6)));
  PARLEY_RETURN_IF_ERROR(Within("slot_step", s.slot_step, absl::Minutes(1), absl::Hours(1)));
  // Offered times start at multiples of the step past the hour: it must divide the hour.
  if (absl::Hours(1) % s.slot_step != absl::ZeroDuration()) {
    return Field("slot_step", "must divide an hour (5m, 10m, 15m, 20m, 30m, 1h, ...)");
  }
  PARLEY_RETURN_IF_ERROR(Within("hold_length", s.hold_length, absl::Seconds(30), absl::Minutes(10)));
  if (s.hold_length % absl::Seconds(1) != absl::ZeroDuration()) {
    return Field("hold_length", "must be whole seconds");
  }
  for (const auto& [field, d] : {std::pair<const char*, absl::Duration>{"meeting_length", s.meeting_length},
                                 {"interpreted_meeting_length", s.interpreted_meeting_length},
                                 {"slot_step", s.slot_step}}) {
    if (d % absl::Minutes(1) != absl::ZeroDuration()) return Field(field, "must be whole minutes");
  }
  if (s.retention.size() > static_cast<size_t>(kMaxRetentionRules)) {
    return Field("retention", absl::StrCat("has at most ", kMaxRetentionRules, " rules"));
  }
  std::set<std::string> types;
  for (size_t i = 0; i < s.retention.size(); ++i) {
    const RetentionRule& r = s.retention[i];
    const std::string at = absl::StrCat("retention[", i, "]");
    if (!IsId(r.record_type)) return Field(at + ".record_type", "must be a lower-case id (\"parent_meeting\")");
    if (!types.insert(r.record_type).second) return Field(at + ".record_type", "appears twice");
    if (r.years < 1 || r.years > 100) return Field(at + ".years", "must be from 1 to 100");
    if (r.until_pupil_age < 0 || r.until_pupil_age > 100) return Field(at + ".until_pupil_age", "must be 0 to 100");
    if (r.schedule_text.size() > kMaxScheduleText) return Field(at + ".schedule_text", "is at most 500 characters");
  }
  return absl::OkStatus();
}

absl::StatusOr<std::string> NormalizeLanguage(const std::string& tag, const std::string& field) {
  const std::string lower = absl::AsciiStrToLower(tag);
  const std::vector<std::string> parts = absl::StrSplit(lower, '-');
  // An ISO 639 language subtag (2-3 letters; the 5-8 letter registered ones are unused in practice
  // and would let "polish" through), then subtags of 1-8 letters and digits.
  const std::string& lang = parts.front();
  bool ok =
      lower.size() <= 35 && (lang.size() == 2 || lang.size() == 3) &&
      std::all_of(lang.begin(), lang.end(), [](char c) { return absl::ascii_islower(static_cast<unsigned char>(c)); });
  for (size_t i = 1; ok && i < parts.size(); ++i) {
    ok = !parts[i].empty() && parts[i].size() <= 8 && std::all_of(parts[i].begin(), parts[i].end(), [](char c) {
      return absl::ascii_isalnum(static_cast<unsigned char>(c));
    });
  }
  if (!ok) return Field(field, "must be a BCP 47 language tag (\"pl\", \"ur\", \"zh-hant\")");
  return lower;
}

RecordsService::RecordsService(RecordsStore* store, Directory* directory, const Clock* clock)
    : store_(store), directory_(directory), clock_(clock) {}

// ---- settings ----------------------------------------------------------------------------------

absl::StatusOr<AppointmentSettings> RecordsService::GetSettings(const std::string& school_id) {
  return store_->Settings(school_id);
}

absl::StatusOr<AppointmentSettings> RecordsService::UpdateSettings(const RequestKey& key, const std::string& school_id,
                                                                   const AppointmentSettings& values,
                                                                   const SettingsChange& change,
                                                                   const std::string& expected_etag) {
  PARLEY_ASSIGN_OR_RETURN(AppointmentSettings next, store_->Settings(school_id));
  // A school that never set the interpreted length has twice its meeting length (the proto's
  // default), which follows a new meeting length unless the update sets it too.
  const bool interpreted_default = next.interpreted_meeting_length == 2 * next.meeting_length;
  if (change.meeting_length) next.meeting_length = values.meeting_length;
  if (change.interpreted_meeting_length) {
    next.interpreted_meeting_length = values.interpreted_meeting_length;
  } else if (change.meeting_length && interpreted_default) {
    next.interpreted_meeting_length = 2 * next.meeting_length;
  }
  if (change.slot_step) next.slot_step = values.slot_step;
  if (change.hold_length) next.hold_length = values.hold_length;
  if (change.retention) next.retention = values.retention;
  next.school_id = school_id;
  PARLEY_RETURN_IF_ERROR(CheckSettings(next));
  return store_->UpdateSettings(key, next, expected_etag, clock_->Now());
}

// ---- interpreters ------------------------------------------------------------------------------

absl::StatusOr<Interpreter> RecordsService::CreateInterpreter(const RequestKey& key, const std::string& school_id,
                                                              const std::string& display_name,
                                                              const std::vector<std::string>& languages) {
  if (display_name.empty() || display_name.size() > kMaxDisplayName) {
    return Field("interpreter.display_name", "is required, at most 200 characters");
  }
  if (languages.empty() || languages.size() > kMaxLanguages) {
    return Field("interpreter.languages", "must name 1 to 10 languages");
  }
  Interpreter in;
  in.school_id = school_id;
  in.display_name = display_name;
  for (size_t i = 0; i < languages.size(); ++i) {
    PARLEY_ASSIGN_OR_RETURN(std::string tag,
                            NormalizeLanguage(languages[i], absl::StrCat("interpreter.languages[", i, "]")));
    if (std::find(in.languages.begin(), in.languages.end(), tag) == in.languages.end()) in.languages.push_back(tag);
  }
  // The same id on every retry of this request, and no other request's.
  in.id = request::DerivedRequestId(absl::StrCat(key.scope, "/", key.request_id));
  return store_->CreateInterpreter(key, in, clock_->Now());
}

absl::StatusOr<std::vector<Interpreter>> RecordsService::ListInterpreters(const std::string& school_id,
                                                                          const std::string& language) {
  std::string tag;
  if (!language.empty()) {
    PARLEY_ASSIGN_OR_RETURN(tag, NormalizeLanguage(language, "language"));
  }
  return store_->ListInterpreters(school_id, tag);
}

absl::Status RecordsService::DeleteInterpreter(const RequestKey& key, const std::string& school_id,
                                               const std::string& id) {
  return store_->DeleteInterpreter(key, school_id, id, clock_->Now());
}

// ---- availability exceptions -------------------------------------------------------------------

absl::StatusOr<StaffException> RecordsService::CreateException(const RequestKey& key, const std::string& school_id,
                                                               const std::string& staff_id, absl::CivilDay day,
                                                               std::vector<calendar::HoursRange> hours) {
  if (hours.size() > static_cast<size_t>(kMaxExceptionRanges)) {
    return Field("availability_exception.hours", absl::StrCat("has at most ", kMaxExceptionRanges, " ranges"));
  }
  std::sort(hours.begin(), hours.end(),
            [](const calendar::HoursRange& a, const calendar::HoursRange& b) { return a.open_minute < b.open_minute; });
  for (size_t i = 0; i < hours.size(); ++i) {
    const calendar::HoursRange& h = hours[i];
    if (h.open_minute < 0 || h.close_minute > 24 * 60 || h.open_minute >= h.close_minute) {
      return Field("availability_exception.hours", "ranges must open before they close, within the day");
    }
    if (i > 0 && hours[i - 1].close_minute > h.open_minute) {
      return Field("availability_exception.hours", "ranges must not overlap");
    }
  }
  PARLEY_RETURN_IF_ERROR(directory_->CheckStaff(school_id, staff_id, clock_->Now()));
  StaffException e;
  e.school_id = school_id;
  e.staff_id = staff_id;
  e.day = day;
  e.hours = std::move(hours);
  return store_->CreateException(key, e, clock_->Now());
}

absl::StatusOr<std::vector<StaffException>> RecordsService::ListExceptions(const std::string& school_id,
                                                                           const std::string& staff_id,
                                                                           absl::CivilDay first, absl::CivilDay last) {
  if (last < first) return Field("last_day", "must not be before first_day");
  if (last - first >= kMaxExceptionListDays) return Field("last_day", "at most 366 days after first_day");
  return store_->ListExceptions(school_id, staff_id, first, last);
}

absl::Status RecordsService::DeleteException(const RequestKey& key, const std::string& school_id,
                                             const std::string& staff_id, absl::CivilDay day) {
  return store_->DeleteException(key, school_id, staff_id, day);
}

// ---- meeting notes -----------------------------------------------------------------------------

absl::StatusOr<NoteSubject> RecordsService::SubjectIn(const std::string& school_id, const std::string& booking_id,
                                                      const NoteScope& scope) {
  PARLEY_ASSIGN_OR_RETURN(NoteSubject subject, store_->SubjectOf(school_id, booking_id));
  if (!scope.attendee.empty() &&
      std::find(subject.staff_ids.begin(), subject.staff_ids.end(), scope.attendee) == subject.staff_ids.end()) {
    return NotFound(reason::kBookingNotFound, absl::StrCat("booking ", booking_id, " not found"));
  }
  return subject;
}

absl::StatusOr<MeetingNote> RecordsService::CreateNote(const RequestKey& key, const NewNote& in,
                                                       const NoteScope& scope) {
  if (!IsId(in.record_type)) return Field("note.record_type", "must be a lower-case id (\"parent_meeting\")");
  if (in.body_ref.empty() || in.body_ref.size() > kMaxBodyRef) {
    return Field("note.body_ref", "is required, at most 512 characters");
  }
  const absl::Time now = clock_->Now();
  PARLEY_ASSIGN_OR_RETURN(NoteSubject subject, SubjectIn(in.school_id, in.booking_id, scope));
  // A meeting that was on: confirmed, or its outcome recorded (attended, no-show, missed call).
  if (subject.state != "confirmed" && subject.state != "attended" && subject.state != "no_show" &&
      subject.state != "missed_call") {
    return FailedPrecondition(reason::kWrongState, absl::StrCat("booking ", in.booking_id, " is ", subject.state,
                                                                ": notes are of meetings that were confirmed"));
  }
  if (subject.starts_at > now) {
    return FailedPrecondition(reason::kMeetingNotStarted,
                              absl::StrCat("booking ", in.booking_id, " has not started: note a meeting afterwards"));
  }
  PARLEY_ASSIGN_OR_RETURN(AppointmentSettings settings, store_->Settings(in.school_id));
  auto rule = std::find_if(settings.retention.begin(), settings.retention.end(),
                           [&](const RetentionRule& r) { return r.record_type == in.record_type; });
  if (rule == settings.retention.end()) {
    return FailedPrecondition(reason::kNoRetentionRule,
                              absl::StrCat("the school's records-disposal schedule has no rule for record type ",
                                           in.record_type, ": add one to its appointment settings"));
  }
  PARLEY_ASSIGN_OR_RETURN(absl::TimeZone tz, directory_->TimeZoneOf(in.school_id));
  // The directory holds no pupil's date of birth: a rule by age falls back to its years.
  const Retention retention = RetentionFor(*rule, subject.starts_at, tz, std::nullopt);

  MeetingNote note;
  note.school_id = in.school_id;
  note.booking_id = in.booking_id;
  note.id = request::DerivedRequestId(absl::StrCat(key.scope, "/", key.request_id));
  note.record_type = in.record_type;
  note.body_ref = in.body_ref;
  note.recording_not_permitted = in.recording_not_permitted;
  note.meeting_time = subject.starts_at;
  note.retain_until = retention.retain_until;
  note.retention_basis = retention.basis;
  note.legal_hold = in.legal_hold;
  note.author = in.author;
  return store_->CreateNote(key, note, now);
}

absl::StatusOr<MeetingNote> RecordsService::GetNote(const std::string& school_id, const std::string& booking_id,
                                                    const std::string& id, const NoteScope& scope) {
  if (!scope.attendee.empty() && !SubjectIn(school_id, booking_id, scope).ok()) {
    return NotFound(reason::kNoteNotFound, absl::StrCat("meeting note ", id, " not found"));
  }
  return store_->GetNote(school_id, booking_id, id);
}

absl::StatusOr<std::vector<MeetingNote>> RecordsService::ListNotes(const std::string& school_id,
                                                                   const std::string& booking_id,
                                                                   const NoteScope& scope) {
  PARLEY_RETURN_IF_ERROR(SubjectIn(school_id, booking_id, scope).status());
  return store_->ListNotes(school_id, booking_id);
}

absl::StatusOr<MeetingNote> RecordsService::SetLegalHold(const RequestKey& key, const std::string& school_id,
                                                         const std::string& booking_id, const std::string& id,
                                                         bool hold, const std::string& expected_etag) {
  return store_->SetLegalHold(key, school_id, booking_id, id, hold, expected_etag, clock_->Now());
}

absl::StatusOr<int64_t> RecordsService::RunRetentionSweep(absl::Time now, int limit) {
  if (limit <= 0) return InvalidArgument(reason::kInvalidField, "a sweep's limit must be positive");
  return store_->SweepExpiredNotes(now, limit);
}

absl::StatusOr<SchoolStats> RecordsService::Stats(const std::string& school_id, absl::Time start, absl::Time end) {
  if (end <= start) return Field("end_time", "must be after start_time");
  if (end - start > absl::Hours(24 * 400)) return Field("end_time", "at most 400 days after start_time");
  PARLEY_ASSIGN_OR_RETURN(SchoolStats stats, store_->Stats(school_id, start, end));
  // Working days from a request to its meeting, on the calendar its clocks ran on (the owner's:
  // a part-time teacher's days off do not count): the meeting's date counts, the request's not.
  std::vector<int> days;
  for (const RequestToMeeting& m : stats.to_meeting) {
    if (m.owner.empty()) continue;
    absl::StatusOr<StaffTime> time = directory_->StaffTimeOf(school_id, m.owner);
    // An owner no longer on the staff has no calendar to count on: left out.
    if (!time.ok() || time->calendar == nullptr) continue;
    days.push_back(WorkingDaysBetween(*time->calendar, m.received, m.meeting));
  }
  // Slots offered: every teacher's grid of every evening held in the period (the grid rules of
  // domain/evening.h, breaks and windows included).
  int64_t offered = 0;
  for (const EveningGrid& grid : stats.evenings) {
    for (const EveningTeacher& t : grid.teachers) offered += static_cast<int64_t>(TeacherSlots(grid, t).size());
  }
  stats.evening_slots_offered = offered;
  if (!days.empty()) {
    std::sort(days.begin(), days.end());
    const size_t mid = days.size() / 2;
    stats.median_working_days_to_meeting =
        days.size() % 2 == 1 ? days[mid] : (static_cast<double>(days[mid - 1]) + days[mid]) / 2.0;
  }
  return stats;
}

}  // namespace parley::appointments
