#include "tools/parleyctl/report_args.h"

#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "google/protobuf/util/json_util.h"
#include "tools/parleyctl/args.h"
#include "tools/parleyctl/commands.h"

namespace parley::ctl {
namespace {

// The API's limit (reporting_service.proto): checked here so a typo costs no call.
constexpr size_t kMaxPeriodChars = 64;

constexpr rv1::GroupBy kEveryGroupBy[] = {rv1::GROUP_BY_CHANNEL, rv1::GROUP_BY_CATEGORY, rv1::GROUP_BY_RUNG,
                                          rv1::GROUP_BY_WEEK};

// Period and schools as the two requests carry them.
template <typename Request>
absl::StatusOr<Request> Fill(const ReportOptions& opts) {
  Request req;
  const std::string period(absl::StripAsciiWhitespace(opts.period));
  if (period.empty()) return UsageError("--period is required (2025-autumn, 2026-03, 2026-01-05..2026-02-13)");
  if (period.size() > kMaxPeriodChars) {
    return UsageError(absl::StrCat("--period is ", period.size(), " characters; at most ", kMaxPeriodChars));
  }
  req.set_period(period);
  for (const std::string& school : opts.schools) {
    absl::StatusOr<std::string> name = SchoolName(school);
    if (!name.ok()) return UsageError(absl::StrCat("--school: ", name.status().message()));
    req.add_schools(*name);
  }
  for (rv1::GroupBy g : kEveryGroupBy) req.add_group_by(g);
  return req;
}

}  // namespace

absl::Status CheckReportOptions(const ReportOptions& opts) {
  if (!opts.input.empty()) {
    if (!opts.period.empty() || !opts.schools.empty()) {
      return UsageError("--input renders the report saved in the file: --period and --school go to the server");
    }
    if (!opts.csv.empty()) return UsageError("--csv is the server's export: it needs --period, not --input");
    return absl::OkStatus();
  }
  return Fill<rv1::GetTrustReportRequest>(opts).status();
}

absl::StatusOr<rv1::GetTrustReportRequest> TrustReportRequest(const ReportOptions& opts) {
  return Fill<rv1::GetTrustReportRequest>(opts);
}

absl::StatusOr<rv1::ExportReportRequest> ExportReportRequest(const ReportOptions& opts) {
  return Fill<rv1::ExportReportRequest>(opts);
}

absl::StatusOr<rv1::ListBreachesRequest> BreachesRequest(const BreachesOptions& opts) {
  rv1::ListBreachesRequest req;
  if (opts.school.empty()) return UsageError("--school is required");
  absl::StatusOr<std::string> name = SchoolName(opts.school);
  if (!name.ok()) return UsageError(absl::StrCat("--school: ", name.status().message()));
  req.set_school(*name);
  const std::string period(absl::StripAsciiWhitespace(opts.period));
  if (period.empty()) return UsageError("--period is required (2025-autumn, 2026-03, 2026-01-05..2026-02-13)");
  if (period.size() > kMaxPeriodChars) {
    return UsageError(absl::StrCat("--period is ", period.size(), " characters; at most ", kMaxPeriodChars));
  }
  req.set_period(period);
  req.set_channel(opts.channel);
  req.set_category(opts.category);
  return req;
}

absl::StatusOr<rv1::TrustReport> ParseTrustReportJson(const std::string& json, const std::string& source) {
  google::protobuf::util::JsonParseOptions options;
  options.ignore_unknown_fields = false;
  rv1::TrustReport report;
  auto status = google::protobuf::util::JsonStringToMessage(json, &report, options);
  if (!status.ok()) {
    std::string message = status.message().ToString();
    // Syntax errors come with a drawing of the offending text on further lines.
    message = message.substr(0, message.find('\n'));
    return absl::InvalidArgumentError(
        absl::StrCat(source, ": not a parley.reporting.v1.TrustReport in protobuf JSON: ", message));
  }
  return report;
}

}  // namespace parley::ctl
