// google.protobuf.Timestamp ⇄ absl::Time, exact to the microsecond (what PostgreSQL keeps), with
// instants before 1970 handled (nanos are never negative).
#pragma once

#include "absl/time/time.h"
#include "google/protobuf/timestamp.pb.h"

namespace parley {

google::protobuf::Timestamp ToTimestamp(absl::Time t);
absl::Time FromTimestamp(const google::protobuf::Timestamp& ts);

}  // namespace parley
