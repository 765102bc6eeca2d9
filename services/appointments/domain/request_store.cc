#include "services/appointments/domain/request_store.h"

#include <vector>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "common/status/reason.h"
#include "common/status/reasons.h"

namespace parley::appointments {
namespace {

const char* ClockKeyWord(ClockKind kind) {
  switch (kind) {
    case ClockKind::kAnswer:
      return "answer";
    case ClockKind::kHold:
      return "hold";
    case ClockKind::kCallBack:
      return "call_back";
  }
  return "answer";
}

}  // namespace

std::string RequestEtag(int64_t version) { return absl::StrCat("\"", version, "\""); }

absl::Time StoredPrecision(absl::Time t) {
  if (t == absl::InfinitePast() || t == absl::InfiniteFuture()) return t;
  return absl::FromUnixMicros(absl::ToUnixMicros(t));
}

std::string RequestTimerKey(const std::string& school_id, const std::string& request_id, ClockKind kind) {
  return absl::StrCat(school_id, "/", request_id, "/", ClockKeyWord(kind));
}

std::optional<RequestTimerTarget> ParseRequestTimerKey(const std::string& key) {
  const std::vector<std::string> parts = absl::StrSplit(key, '/');
  if (parts.size() != 3 || parts[0].empty() || parts[1].empty()) return std::nullopt;
  for (ClockKind kind : {ClockKind::kAnswer, ClockKind::kHold, ClockKind::kCallBack}) {
    if (parts[2] == ClockKeyWord(kind)) return RequestTimerTarget{parts[0], parts[1], kind};
  }
  return std::nullopt;
}

absl::Status CheckRequestWrite(const RequestWrite& write, int64_t base_version) {
  const std::vector<RequestEvent>& history = write.after.history;
  const size_t n = write.events.size();
  bool ok = n <= history.size() && static_cast<int64_t>(history.size() - n) == base_version;
  for (size_t i = 0; ok && i < n; ++i) {
    const RequestEvent& planned = write.events[i];
    ok =
        planned.seq == base_version + static_cast<int64_t>(i) + 1 && history[history.size() - n + i].seq == planned.seq;
  }
  if (!ok) {
    return Internal(reason::kRequestSeqMismatch,
                    absl::StrCat("the events planned for meeting request ", write.after.id,
                                 " do not continue its history at version ", base_version));
  }
  return absl::OkStatus();
}

absl::Status RequestNotFound(const std::string& school_id, const std::string& id) {
  return NotFound(reason::kMeetingRequestNotFound,
                  absl::StrCat("meeting request ", id, " not found at school ", school_id));
}

}  // namespace parley::appointments
