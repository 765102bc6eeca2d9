// proto ⇄ domain for the records slice: appointment settings, interpreters, meeting notes,
// availability exceptions, dates and local hours.
#pragma once

#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/time/civil_time.h"
#include "parley/appointments/v1/appointments_service.pb.h"
#include "services/appointments/domain/records_service.h"

namespace parley::appointments {

namespace v1 = ::parley::appointments::v1;

v1::AppointmentSettings ToProto(const AppointmentSettings& s);
// The values of `settings` (which of them apply is the update mask's business).
AppointmentSettings SettingsFromProto(const v1::AppointmentSettings& settings);

v1::Interpreter ToProto(const Interpreter& in);
v1::MeetingNote ToProto(const MeetingNote& note);
v1::AvailabilityException ToProto(const StaffException& e);

// "YYYY-MM-DD", exactly; INVALID_FIELD naming `field` otherwise.
absl::StatusOr<absl::CivilDay> ParseDate(const std::string& text, const std::string& field);

// "HH:MM" spans (00:00 to 24:00) as minutes after midnight; INVALID_FIELD naming the field.
absl::StatusOr<std::vector<calendar::HoursRange>> HoursFromProto(
    const google::protobuf::RepeatedPtrField<v1::HoursRange>& hours, const std::string& field);

}  // namespace parley::appointments
