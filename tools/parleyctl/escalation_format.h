// parleyctl's human-readable output for the escalation service: enquiries with their clocks and
// history, lists of enquiries, and school figures. Every instant is shown in the school's local
// time with the zone abbreviation (format.h), so a due time after the clocks change reads as the
// school lives it; enum values are shown by the names the command line accepts
// ("awaiting-parent"), so a value read off a table can be passed straight back as a flag.
//
// Personal data (the subject, the body and reply references, an unidentified sender's
// description, reasons typed by staff) appears only in the single-enquiry view, never in the list
// table.
#pragma once

#include <string>
#include <vector>

#include "absl/time/time.h"
#include "parley/escalation/v1/escalation_service.pb.h"

namespace parley::ctl {

namespace ev1 = ::parley::escalation::v1;

// One enquiry: state, owner and rung, who it is from and about, the gate's outcome, each clock
// (state, due time, start, and the explanation of how the due time was reached), the etag; then,
// when given, its history as a table, oldest first.
std::string FormatEnquiry(const ev1::Enquiry& enquiry, const std::vector<ev1::EnquiryEvent>& events,
                          absl::TimeZone zone);

// # WHEN EVENT BY OWNER RUNG CLOCK REASON, in the order given (the service's: oldest first).
std::string FormatEnquiryEventsTable(const std::vector<ev1::EnquiryEvent>& events, absl::TimeZone zone);

// ENQUIRY RECEIVED CHANNEL CATEGORY STATE OWNER RUNG ACK DUE RESPOND DUE FLAGS.
std::string FormatEnquiriesTable(const std::vector<ev1::Enquiry>& enquiries, absl::TimeZone zone);

// Totals, escalations by rung and the counts now, then the figures by channel and by category.
std::string FormatEnquiryStats(const ev1::SchoolStats& stats, absl::TimeZone zone);

}  // namespace parley::ctl
