// The figures trust IT alerts on, as Prometheus gauges refreshed in the background from the same
// reports trust leaders read (so an alert and a report never disagree):
//
//   parley_report_open_enquiries{school}                    open now
//   parley_report_overdue_enquiries{school}                 open with a clock past due, now
//   parley_report_emergency_median_seconds_to_send{school}  emergency copies, last 7 days
//   parley_report_emergency_p90_seconds_to_send{school}     (absent while there were none)
//   parley_report_figures_missing{school,source}            1 while a source's figures could not be had
//   parley_report_refresh_timestamp_seconds                 when the gauges were last refreshed
//
// Labels are school ids and source names only: no personal data.
#pragma once

#include <map>
#include <string>
#include <thread>
#include <utility>

#include "absl/synchronization/mutex.h"
#include "absl/synchronization/notification.h"
#include "absl/time/time.h"
#include "common/clock/clock.h"
#include "prometheus/family.h"
#include "prometheus/gauge.h"
#include "prometheus/registry.h"
#include "services/reporting/domain/report_service.h"

namespace parley::reporting {

class FigureGauges {
 public:
  // `reports`, `clock` and `registry` must outlive this.
  FigureGauges(ReportService* reports, const Clock* clock, prometheus::Registry* registry);
  ~FigureGauges();  // Stop()
  FigureGauges(const FigureGauges&) = delete;
  FigureGauges& operator=(const FigureGauges&) = delete;

  // One refresh now: every school, the last 7 days in London. Returns what the report call said.
  absl::Status Refresh();
  // Refresh now and every `every` on a thread until Stop.
  void Start(absl::Duration every);
  void Stop();

 private:
  ReportService* const reports_;
  const Clock* const clock_;
  prometheus::Family<prometheus::Gauge>* open_;
  prometheus::Family<prometheus::Gauge>* overdue_;
  prometheus::Family<prometheus::Gauge>* emergency_median_;
  prometheus::Family<prometheus::Gauge>* emergency_p90_;
  prometheus::Family<prometheus::Gauge>* missing_;
  prometheus::Gauge* refreshed_;
  absl::Mutex mu_;  // one refresh at a time
  absl::Notification stopping_;
  std::thread thread_;
};

}  // namespace parley::reporting
