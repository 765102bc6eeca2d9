// The port the meeting-request use cases write through (PostgreSQL in store/, in memory in testing/).
//
// The history is the truth: every write appends the events the rules planned (request_rules.h) and,
// in the same transaction, rewrites the request's listed columns (state, owner, clocks), writes the
// outbox notices those events caused, sets the request's clock timers to the state the rules asked
// for, and records the response for the request id. A write is planned on a snapshot of the
// request (peer calls allowed there) and applied guarded by the version it was planned on (the seq
// of its last event): a request that moved meanwhile is ABORTED (RECORD_CHANGED) and nothing is
// written. Errors are absl statuses; nothing throws.
#pragma once

#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "common/request/page.h"
#include "common/request/request_key.h"
#include "common/timer/types.h"
#include "services/appointments/domain/meeting_request.h"
#include "services/appointments/domain/notice.h"
#include "services/appointments/domain/request_rules.h"

namespace parley::appointments {

using request::Page;
using request::PageQuery;
using request::RequestKey;

// A request as stored: the record with its whole history, and what only the store knows.
struct StoredRequest {
  MeetingRequest request;
  int64_t version = 0;  // the seq of its last event: the etag
  absl::Time create_time;
  absl::Time update_time;
};

// The etag of a stored request: its version in double quotes ("3").
std::string RequestEtag(int64_t version);

// Stores keep times to the microsecond; the use cases plan on times cut the same way so that a
// write's response equals a later Get.
absl::Time StoredPrecision(absl::Time t);

// The timer key of a request's clock: "{school}/{request}/{answer|hold|call_back}".
std::string RequestTimerKey(const std::string& school_id, const std::string& request_id, ClockKind kind);
// The (school, request, clock) a timer key names; nullopt for a key this code did not write.
struct RequestTimerTarget {
  std::string school_id;
  std::string request_id;
  ClockKind kind = ClockKind::kAnswer;
};
std::optional<RequestTimerTarget> ParseRequestTimerKey(const std::string& key);

// One write: the record as it will stand, the events appended to reach it (the tail of its
// history), the notices they cause and the timers the request has afterwards (every clock kind:
// armed at `due`, or cancelled). `encode` makes the response kept for the request id from the
// record as stored; it must not ask peers.
struct RequestWrite {
  MeetingRequest after;
  std::vector<RequestEvent> events;
  std::vector<Notice> notices;
  std::vector<TimerSetting> timers;
  std::function<absl::StatusOr<std::string>(const StoredRequest&)> encode;
};

struct RequestWriteResult {
  std::string response;
  bool replayed = false;
  std::vector<timer::TimerRef> timers;  // armed by the write: to nudge after commit
};

// Filters of a list; empty / unset: any.
struct RequestFilter {
  std::optional<RequestState> state;
  std::string guardian;        // guardian id
  std::string owner;           // staff id
  std::string pupil;           // pupil id
  bool breached_only = false;  // only those with a breach recorded (answer, hold or call back)
};

// What a clock timer's firing does to its request: the write (none when the clock was met, moved or
// handled already).
struct RequestTimerPlan {
  std::function<absl::StatusOr<std::optional<RequestWrite>>(const StoredRequest& current, ClockKind kind,
                                                            absl::Time armed_due, absl::Time now)>
      plan;
};

// OK when `write.events` are the tail of `write.after.history` and continue the history before them
// from `base_version` + 1 (INTERNAL, REQUEST_SEQ_MISMATCH otherwise). Every store runs it first.
absl::Status CheckRequestWrite(const RequestWrite& write, int64_t base_version);

// The answer for a request that does not exist or that the caller may not see: the same either way.
absl::Status RequestNotFound(const std::string& school_id, const std::string& id);

class RequestStore {
 public:
  virtual ~RequestStore() = default;

  // The response an earlier successful write with `key` kept; nullopt when none. The same request
  // id with another fingerprint → INVALID_ARGUMENT (REQUEST_ID_REUSED).
  virtual absl::StatusOr<std::optional<std::string>> FindResponse(const RequestKey& key) = 0;

  // A new request with its first events (its whole history). The id taken already → ALREADY_EXISTS
  // (MEETING_REQUEST_EXISTS). A request id done already replays its response and writes nothing.
  virtual absl::StatusOr<RequestWriteResult> Create(const RequestKey& key, const RequestWrite& write) = 0;

  // Appends a change planned on the request at `base_version`: moved since → ABORTED
  // (RECORD_CHANGED); no such request → NOT_FOUND (MEETING_REQUEST_NOT_FOUND). A request id done
  // already replays its response and writes nothing.
  virtual absl::StatusOr<RequestWriteResult> Append(const RequestKey& key, int64_t base_version,
                                                    const RequestWrite& write) = 0;

  // With its whole history. NOT_FOUND (MEETING_REQUEST_NOT_FOUND).
  virtual absl::StatusOr<StoredRequest> Get(const std::string& school_id, const std::string& id) = 0;

  // Newest first; the records carry no history.
  virtual absl::StatusOr<Page<StoredRequest>> List(const std::string& school_id, const RequestFilter& filter,
                                                   PageQuery page) = 0;
};

}  // namespace parley::appointments
