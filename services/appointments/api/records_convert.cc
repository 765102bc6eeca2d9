#include "services/appointments/api/records_convert.h"

#include <cstdint>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "common/grpc/timestamp.h"
#include "common/status/reason.h"
#include "common/status/reasons.h"

namespace parley::appointments {
namespace {

google::protobuf::Duration ToDuration(absl::Duration d) {
  google::protobuf::Duration out;
  const int64_t seconds = absl::IDivDuration(d, absl::Seconds(1), &d);
  out.set_seconds(seconds);
  out.set_nanos(static_cast<int32_t>(absl::ToInt64Nanoseconds(d)));
  return out;
}

absl::Duration FromDuration(const google::protobuf::Duration& d) {
  return absl::Seconds(d.seconds()) + absl::Nanoseconds(d.nanos());
}

std::string Hhmm(int minutes) { return absl::StrFormat("%02d:%02d", minutes / 60, minutes % 60); }

// "HH:MM" → minutes after midnight, 0 to 24 * 60; -1 when malformed.
int ParseHhmm(const std::string& s) {
  int h = 0, m = 0;
  if (s.size() != 5 || s[2] != ':' || !absl::SimpleAtoi(s.substr(0, 2), &h) || !absl::SimpleAtoi(s.substr(3, 2), &m)) {
    return -1;
  }
  if (h < 0 || m < 0 || m > 59 || h > 24 || (h == 24 && m != 0)) return -1;
  return h * 60 + m;
}

}  // namespace

v1::AppointmentSettings ToProto(const AppointmentSettings& s) {
  v1::AppointmentSettings out;
  out.set_name(absl::StrCat("schools/", s.school_id, "/appointmentSettings"));
  *out.mutable_meeting_length() = ToDuration(s.meeting_length);
  *out.mutable_interpreted_meeting_length() = ToDuration(s.interpreted_meeting_length);
  *out.mutable_slot_step() = ToDuration(s.slot_step);
  *out.mutable_hold_length() = ToDuration(s.hold_length);
  for (const RetentionRule& r : s.retention) {
    v1::RetentionRule* rule = out.add_retention();
    rule->set_record_type(r.record_type);
    rule->set_years(r.years);
    rule->set_until_pupil_age(r.until_pupil_age);
    rule->set_schedule_text(r.schedule_text);
  }
  out.set_etag(s.etag);
  // Settings a school never set have no update time.
  if (s.update_time != absl::InfinitePast()) *out.mutable_update_time() = ToTimestamp(s.update_time);
  return out;
}

AppointmentSettings SettingsFromProto(const v1::AppointmentSettings& in) {
  AppointmentSettings s;
  s.meeting_length = FromDuration(in.meeting_length());
  s.interpreted_meeting_length = FromDuration(in.interpreted_meeting_length());
  s.slot_step = FromDuration(in.slot_step());
  s.hold_length = FromDuration(in.hold_length());
  for (const v1::RetentionRule& r : in.retention()) {
    s.retention.push_back(RetentionRule{r.record_type(), r.years(), r.until_pupil_age(), r.schedule_text()});
  }
  return s;
}

v1::Interpreter ToProto(const Interpreter& in) {
  v1::Interpreter out;
  out.set_name(absl::StrCat("schools/", in.school_id, "/interpreters/", in.id));
  out.set_display_name(in.display_name);
  for (const std::string& l : in.languages) out.add_languages(l);
  out.set_etag(in.etag);
  return out;
}

v1::MeetingNote ToProto(const MeetingNote& n) {
  v1::MeetingNote out;
  out.set_name(absl::StrCat("schools/", n.school_id, "/bookings/", n.booking_id, "/notes/", n.id));
  out.set_record_type(n.record_type);
  out.set_body_ref(n.body_ref);
  out.set_recording_not_permitted(n.recording_not_permitted);
  *out.mutable_retain_until() = ToTimestamp(n.retain_until);
  out.set_legal_hold(n.legal_hold);
  out.set_author(n.author);
  out.set_etag(n.etag);
  *out.mutable_create_time() = ToTimestamp(n.create_time);
  return out;
}

v1::AvailabilityException ToProto(const StaffException& e) {
  v1::AvailabilityException out;
  out.set_name(absl::StrCat("schools/", e.school_id, "/staff/", e.staff_id, "/availabilityExceptions/",
                            absl::FormatCivilTime(e.day)));
  for (const calendar::HoursRange& h : e.hours) {
    v1::HoursRange* r = out.add_hours();
    r->set_open(Hhmm(h.open_minute));
    r->set_close(Hhmm(h.close_minute));
  }
  out.set_etag(e.etag);
  return out;
}

absl::StatusOr<absl::CivilDay> ParseDate(const std::string& text, const std::string& field) {
  absl::CivilDay day;
  if (text.size() != 10 || !absl::ParseCivilTime(text, &day) || absl::FormatCivilTime(day) != text) {
    return InvalidArgument(reason::kInvalidField, absl::StrCat(field, " must be a date, \"YYYY-MM-DD\""));
  }
  return day;
}

absl::StatusOr<std::vector<calendar::HoursRange>> HoursFromProto(
    const google::protobuf::RepeatedPtrField<v1::HoursRange>& hours, const std::string& field) {
  std::vector<calendar::HoursRange> out;
  for (int i = 0; i < hours.size(); ++i) {
    const int open = ParseHhmm(hours[i].open()), close = ParseHhmm(hours[i].close());
    if (open < 0 || close < 0) {
      return InvalidArgument(reason::kInvalidField,
                             absl::StrCat(field, "[", i, "] must be \"HH:MM\" times from 00:00 to 24:00"));
    }
    out.push_back(calendar::HoursRange{open, close});
  }
  return out;
}

}  // namespace parley::appointments
