// parleyctl's human-readable output for the appointments service: meeting requests with their
// clocks and history, bookings, parents' evenings, their slots and timetables, and meeting notes.
// Every instant is shown in the school's local time with the zone abbreviation (format.h); enum
// values by the names the command line accepts ("no-show"), so a value read off a table can be
// passed straight back as a flag.
//
// Personal data (a request's topic, guests' descriptions, a note's body reference, reasons) appears
// only in the single-record views, never in the list tables.
#pragma once

#include <string>
#include <vector>

#include "absl/time/time.h"
#include "parley/appointments/v1/appointments_service.pb.h"

namespace parley::ctl {

namespace av1 = ::parley::appointments::v1;

// "Tue 8 Dec 2026 16:00-16:10 GMT"; the end in full when it is on another local day.
std::string FormatTimeRange(const av1::TimeRange& range, absl::TimeZone zone);

// One request: state, kind, who and whom it is about, topic, owner, offered times, booking, each
// clock (state, due time, policy text, explanation), the etag; then, when given, its history.
std::string FormatMeetingRequest(const av1::MeetingRequest& request,
                                 const std::vector<av1::MeetingRequestEvent>& events, absl::TimeZone zone);
// # WHEN EVENT BY DETAIL, oldest first.
std::string FormatMeetingEventsTable(const std::vector<av1::MeetingRequestEvent>& events, absl::TimeZone zone);
// REQUEST RECEIVED KIND STATE OWNER ANSWER HOLD: no topic.
std::string FormatMeetingRequestsTable(const std::vector<av1::MeetingRequest>& requests, absl::TimeZone zone);

// One booking: kind, state, time, mode, room, who attends, interpreter, the gate's decisions, what
// a HELD one waits for and when its hold lapses.
std::string FormatBooking(const av1::Booking& booking, absl::TimeZone zone);
// BOOKING TIME KIND STATE STAFF GUARDIANS ROOM WAITING: no guests.
std::string FormatBookingsTable(const std::vector<av1::Booking>& bookings, absl::TimeZone zone);

std::string FormatEvening(const av1::ParentsEvening& evening, absl::TimeZone zone);
// EVENING DATE TIME STATE OPENS TEACHERS BOOKED.
std::string FormatEveningsTable(const std::vector<av1::ParentsEvening>& evenings, absl::TimeZone zone);
// STAFF TIME ROOM FREE.
std::string FormatEveningSlotsTable(const std::vector<av1::EveningSlot>& slots, absl::TimeZone zone);

std::string FormatMeetingNote(const av1::MeetingNote& note, absl::TimeZone zone);
// NOTE RECORD TYPE AUTHOR CREATED RETAIN UNTIL LEGAL HOLD: no body reference.
std::string FormatMeetingNotesTable(const std::vector<av1::MeetingNote>& notes, absl::TimeZone zone);

// Lengths, hold, and the records-disposal schedule as a table.
std::string FormatAppointmentSettings(const av1::AppointmentSettings& settings);

}  // namespace parley::ctl
