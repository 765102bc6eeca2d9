// Each source's figures as JSON, for the figure cache. Decoding is strict about types and lenient
// about missing members (a figure a newer release added reads as zero/unset from an older entry).
#pragma once

#include <string>

#include "absl/status/statusor.h"
#include "services/reporting/domain/model.h"

namespace parley::reporting {

std::string EncodeFigures(const EnquiryStats& stats);
std::string EncodeFigures(const ConductStats& stats);
std::string EncodeFigures(const MeetingStats& stats);
std::string EncodeFigures(const NotificationStats& stats);

// INTERNAL (CACHE_CORRUPT) when the text is not what Encode wrote.
absl::Status DecodeFigures(const std::string& json, EnquiryStats& out);
absl::Status DecodeFigures(const std::string& json, ConductStats& out);
absl::Status DecodeFigures(const std::string& json, MeetingStats& out);
absl::Status DecodeFigures(const std::string& json, NotificationStats& out);

}  // namespace parley::reporting
