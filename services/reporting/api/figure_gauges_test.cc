// The alerting gauges over fake sources: set from the report, removed (not zeroed) when a figure
// cannot be had, and the missing source flagged.
#include "services/reporting/api/figure_gauges.h"

#include <optional>
#include <string>

#include "gtest/gtest.h"
#include "prometheus/registry.h"
#include "services/reporting/testing/fakes.h"

namespace parley::reporting {
namespace {

// The gauge's value for the labels, or nullopt when it is not exported.
std::optional<double> Gauge(prometheus::Registry& registry, const std::string& name,
                            const std::map<std::string, std::string>& labels) {
  for (const prometheus::MetricFamily& family : registry.Collect()) {
    if (family.name != name) continue;
    for (const prometheus::ClientMetric& metric : family.metric) {
      std::map<std::string, std::string> have;
      for (const prometheus::ClientMetric::Label& l : metric.label) have[l.name] = l.value;
      if (have == labels) return metric.gauge.value;
    }
  }
  return std::nullopt;
}

TEST(FigureGaugesTest, TrustItSeesOverdueWorkAndEmergencyDeliveryPerSchool) {
  SimulatedClock clock(absl::FromCivil(absl::CivilSecond(2025, 11, 20, 12, 0, 0), absl::UTCTimeZone()));
  testing::FakeDirectory directory;
  directory.Add(testing::SampleSchool("kenilworth"));
  testing::FakeSources sources(&clock);
  EnquiryStats enquiries;
  enquiries.open_now = 9;
  enquiries.overdue_now = 3;
  sources.SetEnquiries("kenilworth", enquiries);
  NotificationStats notifications;
  notifications.emergency.messages = 400;
  notifications.emergency.median_seconds_to_send = 4.0;
  notifications.emergency.p90_seconds_to_send = 11.5;
  sources.SetNotifications("kenilworth", notifications);
  testing::InMemoryFigureCache cache;
  ReportOptions options;
  options.fresh_for = absl::ZeroDuration();
  ReportService reports(&directory, &sources, &cache, &clock, options);
  prometheus::Registry registry;
  FigureGauges gauges(&reports, &clock, &registry);

  ASSERT_TRUE(gauges.Refresh().ok());
  const std::map<std::string, std::string> k = {{"school", "kenilworth"}};
  EXPECT_EQ(Gauge(registry, "parley_report_open_enquiries", k), 9);
  EXPECT_EQ(Gauge(registry, "parley_report_overdue_enquiries", k), 3);
  EXPECT_EQ(Gauge(registry, "parley_report_emergency_median_seconds_to_send", k), 4.0);
  EXPECT_EQ(Gauge(registry, "parley_report_emergency_p90_seconds_to_send", k), 11.5);
  EXPECT_EQ(Gauge(registry, "parley_report_figures_missing", {{"school", "kenilworth"}, {"source", "escalation"}}), 0);
  EXPECT_EQ(Gauge(registry, "parley_report_refresh_timestamp_seconds", {}), absl::ToUnixSeconds(clock.Now()));

  // Escalation down: the school's overdue count is unknown, so it is not exported (an alert on
  // absence fires; a zero would hide the outage), and the missing source is flagged.
  sources.Fail(Source::kEscalation, absl::UnavailableError("down"));
  clock.Advance(absl::Minutes(1));
  ASSERT_TRUE(gauges.Refresh().ok());
  EXPECT_EQ(Gauge(registry, "parley_report_overdue_enquiries", k), std::nullopt);
  EXPECT_EQ(Gauge(registry, "parley_report_open_enquiries", k), std::nullopt);
  EXPECT_EQ(Gauge(registry, "parley_report_figures_missing", {{"school", "kenilworth"}, {"source", "escalation"}}), 1);
  EXPECT_EQ(Gauge(registry, "parley_report_emergency_median_seconds_to_send", k), 4.0);

  sources.Fail(Source::kEscalation, absl::OkStatus());
  clock.Advance(absl::Minutes(1));
  ASSERT_TRUE(gauges.Refresh().ok());
  EXPECT_EQ(Gauge(registry, "parley_report_overdue_enquiries", k), 3);
  EXPECT_EQ(Gauge(registry, "parley_report_figures_missing", {{"school", "kenilworth"}, {"source", "escalation"}}), 0);
}

}  // namespace
}  // namespace parley::reporting
