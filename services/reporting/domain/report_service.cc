#include "services/reporting/domain/report_service.h"

#include <algorithm>
#include <atomic>
#include <functional>
#include <map>
#include <memory>
#include <thread>
#include <utility>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "absl/synchronization/mutex.h"
#include "common/log/log.h"
#include "common/status/reason.h"
#include "common/status/status_macros.h"
#include "services/reporting/domain/figures_codec.h"
#include "services/reporting/domain/period.h"

namespace parley::reporting {
namespace {

// Runs every task on at most `width` threads and returns when all have finished.
void RunAll(std::vector<std::function<void()>>& tasks, int width) {
  std::atomic<size_t> next{0};
  auto worker = [&] {
    for (size_t i = next++; i < tasks.size(); i = next++) tasks[i]();
  };
  const size_t threads = std::min<size_t>(tasks.size(), static_cast<size_t>(std::max(width, 1)));
  std::vector<std::thread> pool;
  pool.reserve(threads > 0 ? threads - 1 : 0);
  for (size_t t = 1; t < threads; ++t) pool.emplace_back(worker);
  if (threads > 0) worker();  // the calling thread works too
  for (std::thread& t : pool) t.join();
}

// Why a source's figures are missing, in short words: the code, never the peer's message.
std::string MissingReason(Source source, const absl::Status& status, absl::Duration timeout) {
  switch (status.code()) {
    case absl::StatusCode::kDeadlineExceeded:
      return absl::StrCat(SourceName(source), " did not answer within ", absl::FormatDuration(timeout));
    case absl::StatusCode::kUnavailable:
      return absl::StrCat(SourceName(source), " is unavailable");
    default:
      return absl::StrCat(SourceName(source), " refused: ", absl::StatusCodeToString(status.code()));
  }
}

// One school's report while its figures arrive from several threads.
struct SchoolWork {
  SchoolReport report;
  absl::Mutex mu;  // report.missing, .oldest_figure, .versions, .weeks

  void Missing(Source source, const std::string& figures, std::string why) {
    absl::MutexLock lock(&mu);
    report.missing.push_back({report.school.id, source, figures, std::move(why)});
  }
  template <typename Stats>
  void Seen(Source source, const Fetched<Stats>& fetched) {
    absl::MutexLock lock(&mu);
    report.oldest_figure = std::min(report.oldest_figure, fetched.computed_at);
    if (!fetched.version.empty()) report.versions[SourceName(source)] = fetched.version;
  }
};

void Add(PromiseCounts& sum, const PromiseCounts& p) {
  sum.received += p.received;
  sum.acknowledge_ended += p.acknowledge_ended;
  sum.acknowledge_met += p.acknowledge_met;
  sum.answer_ended += p.answer_ended;
  sum.answer_met += p.answer_met;
  sum.breaches += p.breaches;
}

}  // namespace

const char* SourceName(Source source) {
  switch (source) {
    case Source::kEscalation:
      return "escalation";
    case Source::kConduct:
      return "conduct";
    case Source::kAppointments:
      return "appointments";
    case Source::kNotifications:
      return "notifications";
  }
  return "unknown";
}

ReportService::ReportService(SchoolDirectory* directory, FigureSources* sources, FigureCache* cache, const Clock* clock,
                             ReportOptions options)
    : directory_(directory), sources_(sources), cache_(cache), clock_(clock), options_(options) {}

absl::StatusOr<std::vector<std::string>> ReportService::SchoolIds() {
  PARLEY_ASSIGN_OR_RETURN(std::vector<SchoolInfo> schools, directory_->Schools());
  std::vector<std::string> ids;
  ids.reserve(schools.size());
  for (const SchoolInfo& s : schools) ids.push_back(s.id);
  return ids;
}

namespace {

// Asks through the cache: a kept entry that is final, or fresh enough, is used; otherwise the
// source is asked and its answer kept (final when the period has settled).
class CachedAsk {
 public:
  CachedAsk(FigureCache* cache, const Clock* clock, const ReportOptions& options)
      : cache_(cache), clock_(clock), options_(options) {}

  template <typename Stats, typename Ask>
  absl::StatusOr<Fetched<Stats>> Get(const CacheKey& key, bool settled, Ask ask) {
    absl::StatusOr<std::optional<CacheEntry>> kept = cache_->Get(key);
    if (!kept.ok()) {
      log::Warning(
          "figure_cache_read_failed",
          {{"school", key.school_id}, {"source", SourceName(key.source)}, {"reason", ErrorReason(kept.status())}});
    } else if (kept->has_value()) {
      const CacheEntry& entry = **kept;
      if (entry.final || clock_->Now() - entry.computed_at < options_.fresh_for) {
        Fetched<Stats> out{Stats{}, entry.computed_at, entry.version};
        absl::Status decoded = DecodeFigures(entry.figures, out.stats);
        if (decoded.ok()) return out;
        log::Warning("figure_cache_unreadable",
                     {{"school", key.school_id}, {"source", SourceName(key.source)}, {"reason", ErrorReason(decoded)}});
      }
    }
    absl::StatusOr<Fetched<Stats>> fetched = ask();
    if (!fetched.ok()) return fetched.status();
    absl::Status put =
        cache_->Put(key, {EncodeFigures(fetched->stats), fetched->computed_at, fetched->version, settled});
    if (!put.ok()) {
      log::Warning("figure_cache_write_failed",
                   {{"school", key.school_id}, {"source", SourceName(key.source)}, {"reason", ErrorReason(put)}});
    }
    return fetched;
  }

 private:
  FigureCache* const cache_;
  const Clock* const clock_;
  const ReportOptions& options_;
};

}  // namespace

absl::StatusOr<TrustReport> ReportService::Trust(const std::string& period_name,
                                                 const std::vector<std::string>& school_ids, Breakdowns breakdowns) {
  PARLEY_ASSIGN_OR_RETURN(PeriodSpec spec, ParsePeriod(period_name));
  PARLEY_ASSIGN_OR_RETURN(std::vector<SchoolInfo> schools, directory_->Schools());
  std::map<std::string, const SchoolInfo*> by_id;
  for (const SchoolInfo& s : schools) by_id[s.id] = &s;

  const absl::Time now = clock_->Now();
  std::vector<std::unique_ptr<SchoolWork>> work;
  for (const std::string& id : school_ids) {
    auto found = by_id.find(id);
    if (found == by_id.end()) return NotFound(reason::kSchoolNotFound, absl::StrCat("schools/", id, " not found"));
    auto w = std::make_unique<SchoolWork>();
    w->report.school = *found->second;
    PARLEY_ASSIGN_OR_RETURN(w->report.period, ResolvePeriod(spec, w->report.school));
    w->report.closed = now >= w->report.period.end_time + options_.settle;
    work.push_back(std::move(w));
  }

  CachedAsk cached(cache_, clock_, options_);
  const absl::Duration timeout = options_.source_timeout;
  std::vector<std::function<void()>> tasks;
  for (const std::unique_ptr<SchoolWork>& w : work) {
    SchoolWork* sw = w.get();
    const std::string& id = sw->report.school.id;
    const Period& p = sw->report.period;
    const bool settled = sw->report.closed;
    tasks.push_back([=, &cached] {
      auto got = cached.Get<EnquiryStats>({id, Source::kEscalation, p.start_time, p.end_time}, settled,
                                          [&] { return sources_->Enquiries(id, p.start_time, p.end_time, timeout); });
      if (!got.ok())
        return sw->Missing(Source::kEscalation, "enquiries", MissingReason(Source::kEscalation, got.status(), timeout));
      sw->Seen(Source::kEscalation, *got);
      sw->report.enquiries = std::move(got->stats);
    });
    tasks.push_back([=, &cached] {
      auto got = cached.Get<ConductStats>({id, Source::kConduct, p.start_time, p.end_time}, settled,
                                          [&] { return sources_->Conduct(id, p.start_time, p.end_time, timeout); });
      if (!got.ok())
        return sw->Missing(Source::kConduct, "conduct", MissingReason(Source::kConduct, got.status(), timeout));
      sw->Seen(Source::kConduct, *got);
      sw->report.conduct = std::move(got->stats);
    });
    tasks.push_back([=, &cached] {
      auto got = cached.Get<MeetingStats>({id, Source::kAppointments, p.start_time, p.end_time}, settled,
                                          [&] { return sources_->Meetings(id, p.start_time, p.end_time, timeout); });
      if (!got.ok()) {
        return sw->Missing(Source::kAppointments, "meetings",
                           MissingReason(Source::kAppointments, got.status(), timeout));
      }
      sw->Seen(Source::kAppointments, *got);
      sw->report.meetings = std::move(got->stats);
    });
    tasks.push_back([=, &cached] {
      auto got = cached.Get<NotificationStats>({id, Source::kNotifications, p.start_time, p.end_time}, settled, [&] {
        return sources_->Notifications(id, p.start_time, p.end_time, timeout);
      });
      if (!got.ok()) {
        return sw->Missing(Source::kNotifications, "notifications",
                           MissingReason(Source::kNotifications, got.status(), timeout));
      }
      sw->Seen(Source::kNotifications, *got);
      sw->report.notifications = std::move(got->stats);
    });
    if (breakdowns.week) {
      for (const WeekSpan& week : WeeksOf(p)) {
        const absl::Time start = StartOfDay(week.first, sw->report.school.time_zone);
        const absl::Time end = StartOfDay(week.last + 1, sw->report.school.time_zone);
        const bool week_settled = now >= end + options_.settle;
        const absl::CivilDay monday = week.monday;
        tasks.push_back([=, &cached] {
          auto got = cached.Get<EnquiryStats>({id, Source::kEscalation, start, end}, week_settled,
                                              [&] { return sources_->Enquiries(id, start, end, timeout); });
          if (!got.ok()) {
            return sw->Missing(Source::kEscalation,
                               absl::StrCat("weekly trend (week of ", absl::FormatCivilTime(monday), ")"),
                               MissingReason(Source::kEscalation, got.status(), timeout));
          }
          sw->Seen(Source::kEscalation, *got);
          absl::MutexLock lock(&sw->mu);
          sw->report.weeks.push_back({monday, got->stats.all});
        });
      }
    }
  }
  RunAll(tasks, options_.fan_out);

  // A settled period's enquiry figures were kept as computed then: what is open and overdue now
  // comes from a fresh look (kept `fresh_for` under the "now" key).
  std::vector<std::function<void()>> now_tasks;
  for (const std::unique_ptr<SchoolWork>& w : work) {
    SchoolWork* sw = w.get();
    if (!sw->report.closed || !sw->report.enquiries) continue;
    const std::string& id = sw->report.school.id;
    now_tasks.push_back([=, &cached] {
      auto got = cached.Get<EnquiryStats>({id, Source::kEscalation, absl::UnixEpoch(), absl::UnixEpoch()}, false, [&] {
        return sources_->Enquiries(id, now - absl::Seconds(1), now, timeout);
      });
      if (!got.ok()) {
        sw->Missing(Source::kEscalation, "open and overdue now",
                    MissingReason(Source::kEscalation, got.status(), timeout));
        sw->report.now_missing = true;
        return;
      }
      sw->report.enquiries->open_now = got->stats.open_now;
      sw->report.enquiries->overdue_now = got->stats.overdue_now;
    });
  }
  RunAll(now_tasks, options_.fan_out);

  TrustReport out;
  out.period_name = period_name;
  for (std::unique_ptr<SchoolWork>& w : work) {
    SchoolReport& r = w->report;
    std::sort(r.weeks.begin(), r.weeks.end(),
              [](const WeekStats& a, const WeekStats& b) { return a.monday < b.monday; });
    std::sort(r.missing.begin(), r.missing.end(), [](const MissingFigures& a, const MissingFigures& b) {
      return std::tie(a.source, a.figures) < std::tie(b.source, b.figures);
    });
    if (!breakdowns.week) r.weeks.clear();
    out.schools.push_back(std::move(r));
  }
  return out;
}

absl::StatusOr<SchoolReport> ReportService::School(const std::string& school_id, const std::string& period,
                                                   Breakdowns breakdowns) {
  PARLEY_ASSIGN_OR_RETURN(TrustReport report, Trust(period, {school_id}, breakdowns));
  return std::move(report.schools.front());
}

TrustTotals Totals(const TrustReport& report) {
  TrustTotals t;
  for (const SchoolReport& s : report.schools) {
    ++t.schools;
    t.pupils += s.school.pupils;
    if (s.enquiries) {
      Add(t.promise, s.enquiries->all);
      for (const auto& [rung, count] : s.enquiries->escalations_by_rung) t.escalations += count;
      t.referrals_to_complaints += s.enquiries->referrals_to_complaints;
      t.safeguarding += s.enquiries->safeguarding_received;
      if (!s.now_missing) {
        t.open_now += s.enquiries->open_now;
        t.overdue_now += s.enquiries->overdue_now;
      }
    }
    if (s.conduct) {
      t.incidents += s.conduct->incidents;
      t.arrangements_active += s.conduct->arrangements_active;
      t.arrangements_past_review += s.conduct->arrangements_past_review;
    }
    if (s.meetings) {
      t.meeting_requests += s.meetings->requests;
      t.evening_slots_offered += s.meetings->evening_slots_offered;
      t.evening_slots_booked += s.meetings->evening_slots_booked;
    }
    if (s.notifications) {
      t.notices += s.notifications->all.notices;
      t.messages += s.notifications->all.messages;
      t.fallbacks += s.notifications->all.fallbacks;
    }
  }
  return t;
}

}  // namespace parley::reporting
