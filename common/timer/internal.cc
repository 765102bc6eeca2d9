#include "common/timer/internal.h"

#include <algorithm>
#include <charconv>

#include "absl/strings/str_cat.h"
#include "common/status/reason.h"
#include "common/text/utf8.h"

namespace parley::timer::internal {
namespace {

// The observer of the handler running on this thread, if any (see ScheduleObserver).
thread_local ScheduleObserver* current_observer = nullptr;

// Only reasons shaped like ours ("PG_UNAVAILABLE") are stored: anything else could carry text.
bool IsReasonConstant(absl::string_view reason) {
  if (reason.empty() || reason.size() > 64) return false;
  return std::all_of(reason.begin(), reason.end(),
                     [](char c) { return (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_'; });
}

}  // namespace

double ScoreForDue(absl::Time due) {
  const int64_t ms = absl::ToInt64Milliseconds(absl::Ceil(due - absl::UnixEpoch(), absl::Milliseconds(1)));
  return static_cast<double>(ms) / 1000.0;
}

double NowScore(absl::Time now) {
  const int64_t ms = absl::ToInt64Milliseconds(absl::Floor(now - absl::UnixEpoch(), absl::Milliseconds(1)));
  return static_cast<double>(ms) / 1000.0;
}

std::string FormatScore(double score) {
  char buf[64];
  const std::to_chars_result r = std::to_chars(buf, buf + sizeof(buf), score);
  return std::string(buf, r.ptr);
}

std::string ErrorSummary(const absl::Status& status) {
  std::string out = absl::StatusCodeToString(status.code());
  const std::string reason = ErrorReason(status);
  if (IsReasonConstant(reason) && reason != out) absl::StrAppend(&out, " ", reason);
  return out;
}

bool IsValidKind(absl::string_view kind) {
  if (kind.empty() || kind.size() > kMaxKindBytes) return false;
  return std::all_of(kind.begin(), kind.end(), [](char c) {
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_' || c == '.' ||
           c == ':' || c == '-';
  });
}

bool IsValidText(absl::string_view text) { return text::IsStorableText(text); }

std::string SqlTimestamp(absl::Time t) { return absl::FormatTime("%Y-%m-%d %H:%M:%E6S+00", t, absl::UTCTimeZone()); }

std::string BigintArray(const std::vector<int64_t>& values) {
  std::string out = "{";
  for (size_t i = 0; i < values.size(); ++i) absl::StrAppend(&out, i == 0 ? "" : ",", values[i]);
  out += "}";
  return out;
}

std::string TextArray(const std::vector<std::string>& values) {
  std::string out = "{";
  for (size_t i = 0; i < values.size(); ++i) absl::StrAppend(&out, i == 0 ? "\"" : ",\"", values[i], "\"");
  out += "}";
  return out;
}

ScheduleObserver::ScheduleObserver(const pqxx::work* txn) : txn_(txn), previous_(current_observer) {
  current_observer = this;
}

ScheduleObserver::~ScheduleObserver() { current_observer = previous_; }

void ScheduleObserver::Report(const pqxx::work& txn, const TimerRef& ref) {
  if (current_observer != nullptr && current_observer->txn_ == &txn) current_observer->scheduled_.push_back(ref);
}

}  // namespace parley::timer::internal
