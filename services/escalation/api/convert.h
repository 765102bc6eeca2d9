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

// A promise_reason explains a promised_time, so it comes only with one (INVALID_FIELD).
absl::Status CheckPromiseReason(bool has_promised_time, const std::string& promise_reason);

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

// ---- a guardian's view (services/escalation/README.md, "Access") -------------------------------
// A guardian reads only enquiries about them, and without what staff keep for themselves:
//   - the enquiry: no body_ref (a pointer into the school's mail or records system),
//     sender_description (typed by staff), safeguarding flag, gate_decision or gate_outcome
//     (conduct's decision about them), and no clock calendar/policy fingerprints or explanations
//     (which may describe a member of staff's working pattern);
//   - a safeguarding enquiry shows what arrived and its state only: no owner, rung, role, cycle or
//     clocks, so who handles it (the DSL) and on what clock is not told to the family;
//   - the history: no gated or marked-abusive events (every event of a safeguarding enquiry but
//     its receipt is left out too); no actor but the guardian themselves, no reason typed by staff
//     (pause, reopen, escalation, reassignment reasons), and clocks without fingerprints or
//     explanations.
// Names and roles of staff (owner, rung_role) are shown; nothing else about them ever is.
void ForGuardian(const EnquiryRecord& record, v1::Enquiry* out);
bool ShownToGuardian(const EnquiryRecord& record, const Event& event);
void ForGuardian(const std::string& guardian, v1::EnquiryEvent* out);

// A breached clock by the enquiry's name: no subject, body, pupil or guardian.
v1::Breach ToProto(const BreachRecord& breach, const std::string& school_id);

// Shares are met / ended, 0 when nothing ended.
v1::PromiseFigures ToProto(const PromiseFigures& figures);
v1::SafeguardingFigures ToProto(const SafeguardingFigures& figures);

}  // namespace parley::escalation
