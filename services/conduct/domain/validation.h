// Input rules for the conduct service's resources. Each returns OK or INVALID_ARGUMENT with a reason
// (see common/status) and a message that says what to fix, naming the field; never personal data.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>

#include "absl/status/status.h"
#include "absl/time/time.h"
#include "services/conduct/domain/model.h"

namespace parley::conduct {

inline constexpr size_t kMaxReasonsBytes = 4000;
inline constexpr size_t kMaxReferenceBytes = 512;
inline constexpr size_t kMaxWindows = 28;
inline constexpr size_t kMaxStaffInvolved = 20;

// Channels known and not repeated; windows with start < end inside the day, not overlapping on the
// same day, at most kMaxWindows; point_of_contact empty or "schools/{school}/staff/{id}" of
// `school_id`; reasons at most kMaxReasonsBytes (required when `for_issue`).
absl::Status ValidateTerms(const ArrangementTerms& terms, const std::string& school_id, bool for_issue);

// Whether the terms limit anything at all (a channel, window, point of contact or meeting rule).
bool RestrictsSomething(const ArrangementTerms& terms);

// Everything an arrangement needs before it is issued: valid terms with reasons that restrict
// something, a start, a review date on or after the start's local date (in `zone`), an end after
// the start when set.
absl::Status ValidateForIssue(const Arrangement& a, const absl::TimeZone& zone);

// A draft may be saved incomplete, but what is there must be valid (terms, end after start, review
// date not before start).
absl::Status ValidateDraft(const Arrangement& a, const absl::TimeZone& zone);

// Tightening: the proposed terms allow nothing the current ones do not (channels a subset; every
// window inside a current window; the same point of contact when one was set; no meeting condition
// dropped) and restrict at least one thing more; new reasons required. INVALID_ARGUMENT
// (NOT_TIGHTER) otherwise, saying what would be relaxed.
absl::Status CheckTighter(const ArrangementTerms& current, const ArrangementTerms& proposed);

// Kind, channel known; occur_time set and not after now (a minute of clock skew allowed); staff
// involved are "schools/{school}/staff/{id}" of `school_id`, unique, at most kMaxStaffInvolved;
// description_ref at most kMaxReferenceBytes.
absl::Status ValidateIncident(const Incident& incident, absl::Time now);

// A gate query's references: addressed_to empty or "schools/{school}/staff/{id}" of the school
// contacted (INVALID_ARGUMENT, INVALID_FIELD, otherwise). Whether that member of staff exists is the
// directory's to say (NOT_FOUND, STAFF_NOT_FOUND).
absl::Status ValidateQuery(const GateQuery& query);

// Scope set, start set, end after start when set, reason present and at most kMaxReasonsBytes.
absl::Status ValidateBan(const PremisesBan& ban);

// "HH:MM" (00:00-24:00) → minutes (FormatClock in model.h goes back). INVALID_ARGUMENT naming
// `field` when malformed.
absl::Status ParseClock(std::string_view text, std::string_view field, int* minutes);

}  // namespace parley::conduct
