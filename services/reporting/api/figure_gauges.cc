#include "services/reporting/api/figure_gauges.h"

#include <vector>

#include "absl/strings/str_cat.h"
#include "common/log/log.h"
#include "common/status/reason.h"
#include "common/status/status_macros.h"
#include "prometheus/family.h"
#include "prometheus/gauge.h"
#include "prometheus/registry.h"

namespace parley::reporting {
namespace {

prometheus::Family<prometheus::Gauge>* Family(prometheus::Registry* registry, const char* name, const char* help) {
  return &prometheus::BuildGauge().Name(name).Help(help).Register(*registry);
}

// Sets the school's gauge, or removes it when the figure is unknown (an alert on absence, not 0).
void SetOrRemove(prometheus::Family<prometheus::Gauge>* family, const std::map<std::string, std::string>& labels,
                 std::optional<double> value) {
  if (value) {
    family->Add(labels).Set(*value);
  } else if (family->Has(labels)) {
    family->Remove(&family->Add(labels));
  }
}

}  // namespace

FigureGauges::FigureGauges(ReportService* reports, const Clock* clock, prometheus::Registry* registry)
    : reports_(reports),
      clock_(clock),
      open_(Family(registry, "parley_report_open_enquiries",
                   "Enquiries open now (new, acknowledged or awaiting the parent)")),
      overdue_(Family(registry, "parley_report_overdue_enquiries",
                      "Open enquiries with a clock past due and not kept, now")),
      emergency_median_(Family(registry, "parley_report_emergency_median_seconds_to_send",
                               "Emergency notices over the last 7 days: median seconds from a copy's due time to the "
                               "provider's acceptance")),
      emergency_p90_(Family(registry, "parley_report_emergency_p90_seconds_to_send",
                            "Emergency notices over the last 7 days: 90th percentile seconds to send")),
      missing_(Family(registry, "parley_report_figures_missing",
                      "1 while the source's figures for the school could not be had at the last refresh")),
      refreshed_(&Family(registry, "parley_report_refresh_timestamp_seconds",
                         "When the report gauges were last refreshed (Unix seconds)")
                      ->Add({})) {}

FigureGauges::~FigureGauges() { Stop(); }

absl::Status FigureGauges::Refresh() {
  absl::MutexLock lock(&mu_);
  absl::TimeZone london;
  if (!absl::LoadTimeZone("Europe/London", &london)) london = absl::UTCTimeZone();
  const absl::CivilDay today = absl::ToCivilDay(clock_->Now(), london);
  const std::string period = absl::StrCat(absl::FormatCivilTime(today - 6), "..", absl::FormatCivilTime(today));
  PARLEY_ASSIGN_OR_RETURN(std::vector<std::string> schools, reports_->SchoolIds());
  PARLEY_ASSIGN_OR_RETURN(TrustReport report, reports_->Trust(period, schools, {}));
  for (const SchoolReport& s : report.schools) {
    const std::map<std::string, std::string> school = {{"school", s.school.id}};
    const bool now_known = s.enquiries.has_value() && !s.now_missing;
    SetOrRemove(open_, school, now_known ? std::optional<double>(s.enquiries->open_now) : std::nullopt);
    SetOrRemove(overdue_, school, now_known ? std::optional<double>(s.enquiries->overdue_now) : std::nullopt);
    std::optional<double> median, p90;
    if (s.notifications) {
      median = s.notifications->emergency.median_seconds_to_send;
      p90 = s.notifications->emergency.p90_seconds_to_send;
    }
    SetOrRemove(emergency_median_, school, median);
    SetOrRemove(emergency_p90_, school, p90);
    for (Source source : kAllSources) {
      bool missing = false;
      for (const MissingFigures& m : s.missing) missing = missing || m.source == source;
      missing_->Add({{"school", s.school.id}, {"source", SourceName(source)}}).Set(missing ? 1 : 0);
    }
  }
  refreshed_->Set(static_cast<double>(absl::ToUnixSeconds(clock_->Now())));
  return absl::OkStatus();
}

void FigureGauges::Start(absl::Duration every) {
  thread_ = std::thread([this, every] {
    do {
      if (absl::Status s = Refresh(); !s.ok())
        log::Warning("report_gauges_refresh_failed", {{"reason", ErrorReason(s)}});
    } while (!stopping_.WaitForNotificationWithTimeout(every));
  });
}

void FigureGauges::Stop() {
  if (!stopping_.HasBeenNotified()) stopping_.Notify();
  if (thread_.joinable()) thread_.join();
}

}  // namespace parley::reporting
