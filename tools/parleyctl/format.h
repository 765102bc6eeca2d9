// parleyctl's human-readable output: aligned tables and "key: value" blocks, with every instant
// shown in the school's local time and zone abbreviation ("Wed 5 Nov 2025 15:30 GMT"). Pure
// functions of API messages, so the output can be pinned by tests without a server.
#pragma once

#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "absl/time/time.h"
#include "google/protobuf/timestamp.pb.h"
#include "parley/contacts/v1/contacts_service.pb.h"

namespace parley::ctl {

namespace v1 = ::parley::contacts::v1;

// Columns separated by two spaces, padded to the widest cell (counted in characters, not bytes);
// the last column is not padded.
class Table {
 public:
  explicit Table(std::vector<std::string> headers);
  void AddRow(std::vector<std::string> cells);
  std::string Render() const;
  bool empty() const { return rows_.empty(); }

 private:
  std::vector<std::string> headers_;
  std::vector<std::vector<std::string>> rows_;
};

// "key:  value" lines with the values aligned.
class KeyValues {
 public:
  void Add(std::string key, std::string value);
  std::string Render() const;

 private:
  std::vector<std::pair<std::string, std::string>> lines_;
};

// "title:" and then the table, each line indented by two spaces: a table inside a record.
std::string IndentedTable(const std::string& title, const Table& table);

// Adds `value` under `key`, greedily wrapped to 90 characters and continuing under the first
// line's value; each paragraph of the text starts a new line (explanations, reasons).
void AddWrapped(KeyValues* kv, const std::string& key, const std::string& value);

// The last segment of a resource name, or "" for an empty one: what tables show.
std::string ShortName(const std::string& name);

absl::Time FromProto(const google::protobuf::Timestamp& ts);

// "Wed 5 Nov 2025 15:30 GMT".
std::string FormatLocalTime(absl::Time t, absl::TimeZone zone);
// "2025-11-05T15:30:00Z".
std::string FormatUtc(absl::Time t);
// "Wed 5 Nov 2025 15:30 GMT (2025-11-05T15:30:00Z)".
std::string FormatLocalAndUtc(absl::Time t, absl::TimeZone zone);
// "2025-10-27" → "Mon 27 Oct 2025"; the text itself when it is not a date.
std::string FormatDate(const std::string& yyyy_mm_dd);

// "2 working days", "3 working hours", "60 minutes elapsed".
std::string FormatBudget(const v1::Budget& budget);
// "school" / "owner".
std::string ClockCalendarName(v1::ClockCalendar clock);
// "Mrs Jones (class teacher) schools/st-marys/staff/mrs-jones".
std::string FormatRecipient(const v1::Recipient& recipient);

// The deadline block: received (when known), clock start, due (local and UTC), budget, clock
// calendar, policy text, versions; with `explain`, one line per explanation step and then the
// summary paragraph. Times are in the response's time_zone (Europe/London when empty).
std::string FormatDeadline(const v1::ComputeDeadlineResponse& response, std::optional<absl::Time> received,
                           bool explain);

std::string FormatSchoolsTable(const std::vector<v1::School>& schools);
// Calendar summary, policy rules as a table, versions.
std::string FormatSchool(const v1::School& school);
std::string FormatStaffTable(const std::vector<v1::Staff>& staff);
std::string FormatPupilsTable(const std::vector<v1::Pupil>& pupils);
std::string FormatGuardiansTable(const std::vector<v1::Guardian>& guardians);
std::string FormatRoute(const v1::RouteEnquiryResponse& route);
std::string FormatLadder(const v1::ResolveLadderResponse& ladder);

// "validating 3/5 schools", "applying…".
std::string FormatImportProgress(const v1::ImportTrustResponse& update);
std::string FormatImportSummary(const v1::ImportSummary& summary, bool validate_only);
// The plan of an import, per kind of record: how many are created, changed, deleted and left
// unchanged, then every deletion by name (at most `max_names` per kind, then how many more).
std::string FormatImportPlan(const v1::ImportSummary& summary, int max_names = 20);
// Deletions of a plan, counts and kinds only: "1399 guardians, 2 pupils"; empty when none.
std::string DescribeImportDeletions(const v1::ImportSummary& summary);
int CountImportDeletions(const v1::ImportSummary& summary);

}  // namespace parley::ctl
