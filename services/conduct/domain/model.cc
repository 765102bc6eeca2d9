#include "services/conduct/domain/model.h"

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"

namespace parley::conduct {

ArrangementState EffectiveState(const Arrangement& a, absl::Time now) {
  const bool issued = a.state == ArrangementState::kActive || a.state == ArrangementState::kUnderReview;
  if (issued && a.end_time.has_value() && *a.end_time <= now) return ArrangementState::kEnded;
  return a.state;
}

bool InForce(const Arrangement& a, const std::string& school_id, absl::Time at) {
  if (a.state != ArrangementState::kActive && a.state != ArrangementState::kUnderReview) return false;
  // An issued arrangement always has a start; one without is treated as not yet started rather
  // than as "since forever".
  if (!a.start_time.has_value() || at < *a.start_time) return false;
  if (a.end_time.has_value() && at >= *a.end_time) return false;
  switch (a.scope) {
    case ArrangementScope::kSchool:
      return a.school_id == school_id;
    case ArrangementScope::kTrust:
      return true;
  }
  return false;
}

bool InForce(const PremisesBan& b, absl::Time at) {
  if (at < b.start_time) return false;
  if (b.end_time.has_value() && at >= *b.end_time) return false;
  if (b.revoke_time.has_value() && at >= *b.revoke_time) return false;
  return true;
}

std::string_view WeekdayName(absl::Weekday d) {
  switch (d) {
    case absl::Weekday::monday:
      return "Monday";
    case absl::Weekday::tuesday:
      return "Tuesday";
    case absl::Weekday::wednesday:
      return "Wednesday";
    case absl::Weekday::thursday:
      return "Thursday";
    case absl::Weekday::friday:
      return "Friday";
    case absl::Weekday::saturday:
      return "Saturday";
    case absl::Weekday::sunday:
      return "Sunday";
  }
  return "?";
}

std::string FormatClock(int minutes) { return absl::StrFormat("%02d:%02d", minutes / 60, minutes % 60); }

std::string WindowText(const TimeWindow& w) {
  const std::string_view day = WeekdayName(w.day);
  return absl::StrCat(absl::string_view(day.data(), day.size()), " ", FormatClock(w.start_minute), "-",
                      FormatClock(w.end_minute));
}

std::string_view ChannelName(Channel c) {
  switch (c) {
    case Channel::kEmail:
      return "email";
    case Channel::kLetter:
      return "letter";
    case Channel::kPhone:
      return "phone";
    case Channel::kAppMessage:
      return "app message";
    case Channel::kInPerson:
      return "in person";
    case Channel::kMeetingRequest:
      return "meeting request";
    case Channel::kSms:
      return "SMS";
    case Channel::kVideoCall:
      return "video call";
  }
  return "unknown channel";
}

std::string_view OutcomeName(Outcome o) {
  switch (o) {
    case Outcome::kAllow:
      return "ALLOW";
    case Outcome::kDefer:
      return "DEFER";
    case Outcome::kRedirect:
      return "REDIRECT";
    case Outcome::kNoResponseRequired:
      return "NO_RESPONSE_REQUIRED";
  }
  return "UNKNOWN";
}

std::string_view IncidentKindName(IncidentKind k) {
  switch (k) {
    case IncidentKind::kShouting:
      return "shouting";
    case IncidentKind::kThreatening:
      return "threatening";
    case IncidentKind::kAbusiveWrittenMessage:
      return "abusive written message";
    case IncidentKind::kHarassment:
      return "harassment";
    case IncidentKind::kPhysicalAggression:
      return "physical aggression";
    case IncidentKind::kDamage:
      return "damage";
    case IncidentKind::kSecurityBreach:
      return "security breach";
    case IncidentKind::kOther:
      return "other";
  }
  return "unknown";
}

}  // namespace parley::conduct
