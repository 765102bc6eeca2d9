// parley.escalation.v1 ⇄ the escalation domain. Resource names are parsed here (and only here),
// and requests are checked for shape: names, enums, required fields and lengths, each failure
// INVALID_ARGUMENT naming the field. Whether a category, pupil or owner exists is the directory's
// to say (the service asks it).
#pragma once

#include <optional>
#include <string>
#include <utility>

#include "absl/status/statusor.h"
#include "parley/escalation/v1/escalation_service.pb.h"
#include "services/escalation/domain/enquiry_store.h"
#include "services/escalation/domain/enquiry_view.h"

namespace parley::escalation {

namespace v1 = parley::escalation::v1;

// At most this many characters (not bytes) in a subject, a sender description or a reason.
inline constexpr size_t kMaxTextChars = 200;

// "schools/{school}/enquiries/{enquiry}".
std::string EnquiryName(const std::string& school_id, const std::string& id);
// → (school id, enquiry id).
absl::StatusOr<std::pair<std::string, std::string>> ParseEnquiryName(const std::string& name, const char* field);
// "schools/{school}/staff/{staff}" of `school_id`: checked, returned as given.
absl::Status CheckStaffOf(const std::string& name, const std::string& school_id, const char* field);

// Required, at most kMaxTextChars.
absl::Status CheckReason(const std::string& reason, const char* field);

// An optional state filter: UNSPECIFIED → none.
absl::StatusOr<std::optional<EnquiryState>> StateFilterFrom(v1::EnquiryState state, const char* field);

// What arrived, for `school_id` (OpenEnquiryRequest.enquiry; output-only fields ignored).
absl::StatusOr<EnquiryRecord> DraftFrom(const v1::Enquiry& in, const std::string& school_id);

// The whole enquiry: what arrived, the view's state, owner and clocks, the gate's answer.
v1::Enquiry ToProto(const EnquiryRecord& record, const EnquiryView& view);
// A listed enquiry (no history was read): state, owner and each clock's due and state as last
// projected; clock starts, versions and the gate's answer are GetEnquiry's.
v1::Enquiry ToProto(const EnquiryRecord& record);

v1::EnquiryEvent ToProto(const Event& event, const std::string& school_id, const std::string& id);

// Shares are met / ended, 0 when nothing ended.
v1::PromiseFigures ToProto(const PromiseFigures& figures);

}  // namespace parley::escalation
