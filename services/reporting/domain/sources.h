// The figures the report is built from, asked of each source service. clients/grpc_sources.*
// implements this over GetSchoolStats; testing/fake_sources.* in memory.
#pragma once

#include <string>

#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "services/reporting/domain/model.h"

namespace parley::reporting {

// One call per (school, [start, end)). Each answers within `timeout` or fails (UNAVAILABLE or
// DEADLINE_EXCEEDED); a failure makes the report partial, never zero. Called from many threads.
class FigureSources {
 public:
  virtual ~FigureSources() = default;
  virtual absl::StatusOr<Fetched<EnquiryStats>> Enquiries(const std::string& school_id, absl::Time start,
                                                          absl::Time end, absl::Duration timeout) = 0;
  virtual absl::StatusOr<Fetched<ConductStats>> Conduct(const std::string& school_id, absl::Time start, absl::Time end,
                                                        absl::Duration timeout) = 0;
  virtual absl::StatusOr<Fetched<MeetingStats>> Meetings(const std::string& school_id, absl::Time start, absl::Time end,
                                                         absl::Duration timeout) = 0;
  virtual absl::StatusOr<Fetched<NotificationStats>> Notifications(const std::string& school_id, absl::Time start,
                                                                   absl::Time end, absl::Duration timeout) = 0;
};

// The matters behind escalation's `breaches` figure (its ListBreaches), asked each time: a list is
// not cached. `channel` ("email", ...) and `category` narrow it when not empty; `page_token` is
// the source's own, as it gave it. Answers within `timeout` or fails (UNAVAILABLE or
// DEADLINE_EXCEEDED); a token the source did not issue for these arguments is INVALID_ARGUMENT.
class BreachSource {
 public:
  virtual ~BreachSource() = default;
  virtual absl::StatusOr<BreachItems> Breaches(const std::string& school_id, absl::Time start, absl::Time end,
                                               const std::string& channel, const std::string& category, int page_size,
                                               const std::string& page_token, absl::Duration timeout) = 0;
};

}  // namespace parley::reporting
