#include "services/reporting/domain/report_service.h"

#include <algorithm>
#include <atomic>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <thread>
#include <tuple>
#include <utility>
#include <variant>
#include <vector>

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

// A final entry is never replaced, so decoding its figures once is enough: what was decoded is kept
// beside the text it came from, and used only while the cache answers that very text (an entry
// deleted and computed again reads as new).
class DecodedFinals {
 public:
  explicit DecodedFinals(size_t capacity) : capacity_(capacity) {}

  template <typename Stats>
  bool Find(const CacheKey& key, const std::string& text, Stats& out) {
    absl::MutexLock lock(&mu_);
    auto it = kept_.find(KeyOf(key));
    if (it == kept_.end() || it->second.text != text) return false;
    const Stats* stats = std::get_if<Stats>(&it->second.figures);
    if (stats == nullptr) return false;
    out = *stats;
    return true;
  }

  template <typename Stats>
  void Keep(const CacheKey& key, const std::string& text, const Stats& stats) {
    if (capacity_ == 0) return;
    absl::MutexLock lock(&mu_);
    if (kept_.size() >= capacity_) kept_.clear();
    kept_[KeyOf(key)] = {text, stats};
  }

 private:
  using Key = std::tuple<std::string, Source, absl::Time, absl::Time>;
  struct Decoded {
    std::string text;
    std::variant<EnquiryStats, ConductStats, MeetingStats, NotificationStats> figures;
  };
  static Key KeyOf(const CacheKey& key) { return {key.school_id, key.source, key.start, key.end}; }

  const size_t capacity_;
  absl::Mutex mu_;
  std::map<Key, Decoded> kept_ ABSL_GUARDED_BY(mu_);
};

ReportService::ReportService(SchoolDirectory* directory, FigureSources* sources, FigureCache* cache, const Clock* clock,
                             ReportOptions options)
    : directory_(directory),
      sources_(sources),
      cache_(cache),
      clock_(clock),
      options_(options),
      decoded_(std::make_unique<DecodedFinals>(options.decoded_finals)) {}

ReportService::~ReportService() = default;

absl::StatusOr<std::vector<std::string>> ReportService::SchoolIds() {
  PARLEY_ASSIGN_OR_RETURN(std::vector<SchoolInfo> schools, directory_->Schools());
  std::vector<std::string> ids;
  ids.reserve(schools.size());
  for (const SchoolInfo& s : schools) ids.push_back(s.id);
  return ids;
}

namespace {

// Serves figures through the cache: a kept entry that is final, or fresh enough, and reads back is
// used; otherwise the source is asked and its answer kept (final when the period has settled).
class CachedAsk {
 public:
  CachedAsk(FigureCache* cache, const Clock* clock, const ReportOptions& options, DecodedFinals* decoded)
      : cache_(cache), clock_(clock), options_(options), decoded_(decoded) {}

  // What is kept for every key, in one lookup. When the lookup fails (logged) nothing is: every
  // figure is then asked of its source.
  std::vector<std::optional<CacheEntry>> Lookup(const std::vector<CacheKey>& keys) {
    absl::StatusOr<std::vector<std::optional<CacheEntry>>> kept = cache_->GetMany(keys);
    if (kept.ok() && kept->size() == keys.size()) return *std::move(kept);
    if (kept.ok()) {
      log::Warning("figure_cache_read_mismatched",
                   {{"keys", static_cast<int64_t>(keys.size())}, {"answers", static_cast<int64_t>(kept->size())}});
    } else {
      log::Warning("figure_cache_read_failed",
                   {{"keys", static_cast<int64_t>(keys.size())}, {"reason", ErrorReason(kept.status())}});
    }
    return std::vector<std::optional<CacheEntry>>(keys.size());
  }

  // `kept`'s figures when they may be served: final or fresh enough, and readable.
  template <typename Stats>
  std::optional<Fetched<Stats>> Usable(const CacheKey& key, const std::optional<CacheEntry>& kept) {
    if (!kept.has_value()) return std::nullopt;
    if (!kept->final && clock_->Now() - kept->computed_at >= options_.fresh_for) return std::nullopt;
    Fetched<Stats> out{Stats{}, kept->computed_at, kept->version};
    if (kept->final && decoded_->Find(key, kept->figures, out.stats)) return out;
    absl::Status decoded = DecodeFigures(kept->figures, out.stats);
    if (decoded.ok()) {
      if (kept->final) decoded_->Keep(key, kept->figures, out.stats);
      return out;
    }
    log::Warning("figure_cache_unreadable",
                 {{"school", key.school_id}, {"source", SourceName(key.source)}, {"reason", ErrorReason(decoded)}});
    return std::nullopt;
  }

  // Asks the source and keeps a successful answer (final when `settled`); a failure is not kept.
  template <typename Stats, typename Ask>
  absl::StatusOr<Fetched<Stats>> Fetch(const CacheKey& key, bool settled, Ask ask) {
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
  DecodedFinals* const decoded_;
};

// Gives `use` the kept figures for `key` at once when they may be served; otherwise adds the call
// to the source to `tasks`, and `use` gets its answer (or error) there.
template <typename Stats, typename Ask, typename Use>
void Plan(CachedAsk& cached, const CacheKey& key, bool settled, const std::optional<CacheEntry>& kept, Ask ask, Use use,
          std::vector<std::function<void()>>& tasks) {
  if (std::optional<Fetched<Stats>> got = cached.Usable<Stats>(key, kept)) {
    use(absl::StatusOr<Fetched<Stats>>(*std::move(got)));
    return;
  }
  tasks.push_back([&cached, key, settled, ask, use] { use(cached.Fetch<Stats>(key, settled, ask)); });
}

// One figure a report needs from a source for a school.
enum class Need { kEnquiries, kConduct, kMeetings, kNotifications, kWeek, kNow };

struct Wanted {
  SchoolWork* school;
  Need need;
  CacheKey key;
  bool settled;           // kept as final once computed
  absl::CivilDay monday;  // kWeek: the week's Monday
};

// The period's figures from `source` into `slot` of the school's report, or a missing entry
// naming `figures` when the source cannot give them.
template <typename Stats, typename Ask>
void PlanPeriod(CachedAsk& cached, const Wanted& w, const std::optional<CacheEntry>& kept, Ask ask, Source source,
                const char* figures, std::optional<Stats> SchoolReport::*slot, absl::Duration timeout,
                std::vector<std::function<void()>>& tasks) {
  SchoolWork* sw = w.school;
  Plan<Stats>(
      cached, w.key, w.settled, kept, ask,
      [=](absl::StatusOr<Fetched<Stats>> got) {
        if (!got.ok()) return sw->Missing(source, figures, MissingReason(source, got.status(), timeout));
        sw->Seen(source, *got);
        sw->report.*slot = std::move(got->stats);
      },
      tasks);
}

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

  // Every figure the report may need, looked up in the cache at once: per school each source over
  // the period, each week of the trend, and — where the period has settled, so its enquiry figures
  // were kept as computed then — what is open and overdue now (kept `fresh_for` under the epoch).
  std::vector<Wanted> wanted;
  for (const std::unique_ptr<SchoolWork>& w : work) {
    SchoolWork* sw = w.get();
    const std::string& id = sw->report.school.id;
    const Period& p = sw->report.period;
    const bool settled = sw->report.closed;
    wanted.push_back({sw, Need::kEnquiries, {id, Source::kEscalation, p.start_time, p.end_time}, settled, {}});
    wanted.push_back({sw, Need::kConduct, {id, Source::kConduct, p.start_time, p.end_time}, settled, {}});
    wanted.push_back({sw, Need::kMeetings, {id, Source::kAppointments, p.start_time, p.end_time}, settled, {}});
    wanted.push_back({sw, Need::kNotifications, {id, Source::kNotifications, p.start_time, p.end_time}, settled, {}});
    if (breakdowns.week) {
      for (const WeekSpan& week : WeeksOf(p)) {
        const absl::Time start = StartOfDay(week.first, sw->report.school.time_zone);
        const absl::Time end = StartOfDay(week.last + 1, sw->report.school.time_zone);
        wanted.push_back(
            {sw, Need::kWeek, {id, Source::kEscalation, start, end}, now >= end + options_.settle, week.monday});
      }
    }
    if (settled) {
      wanted.push_back({sw, Need::kNow, {id, Source::kEscalation, absl::UnixEpoch(), absl::UnixEpoch()}, false, {}});
    }
  }
  CachedAsk cached(cache_, clock_, options_, decoded_.get());
  std::vector<std::optional<CacheEntry>> kept;
  {
    std::vector<CacheKey> keys;
    keys.reserve(wanted.size());
    for (const Wanted& w : wanted) keys.push_back(w.key);
    kept = cached.Lookup(keys);
  }

  // What the cache could not serve is asked of the sources, `fan_out` at once.
  FigureSources* const sources = sources_;
  const absl::Duration timeout = options_.source_timeout;
  std::vector<std::function<void()>> tasks;
  for (size_t i = 0; i < wanted.size(); ++i) {
    const Wanted& w = wanted[i];
    SchoolWork* sw = w.school;
    const std::string id = w.key.school_id;
    const absl::Time start = w.key.start;
    const absl::Time end = w.key.end;
    switch (w.need) {
      case Need::kEnquiries:
        PlanPeriod<EnquiryStats>(
            cached, w, kept[i], [=] { return sources->Enquiries(id, start, end, timeout); }, Source::kEscalation,
            "enquiries", &SchoolReport::enquiries, timeout, tasks);
        break;
      case Need::kConduct:
        PlanPeriod<ConductStats>(
            cached, w, kept[i], [=] { return sources->Conduct(id, start, end, timeout); }, Source::kConduct, "conduct",
            &SchoolReport::conduct, timeout, tasks);
        break;
      case Need::kMeetings:
        PlanPeriod<MeetingStats>(
            cached, w, kept[i], [=] { return sources->Meetings(id, start, end, timeout); }, Source::kAppointments,
            "meetings", &SchoolReport::meetings, timeout, tasks);
        break;
      case Need::kNotifications:
        PlanPeriod<NotificationStats>(
            cached, w, kept[i], [=] { return sources->Notifications(id, start, end, timeout); }, Source::kNotifications,
            "notifications", &SchoolReport::notifications, timeout, tasks);
        break;
      case Need::kWeek: {
        const absl::CivilDay monday = w.monday;
        Plan<EnquiryStats>(
            cached, w.key, w.settled, kept[i], [=] { return sources->Enquiries(id, start, end, timeout); },
            [=](absl::StatusOr<Fetched<EnquiryStats>> got) {
              if (!got.ok()) {
                return sw->Missing(Source::kEscalation,
                                   absl::StrCat("weekly trend (week of ", absl::FormatCivilTime(monday), ")"),
                                   MissingReason(Source::kEscalation, got.status(), timeout));
              }
              sw->Seen(Source::kEscalation, *got);
              absl::MutexLock lock(&sw->mu);
              sw->report.weeks.push_back({monday, got->stats.all});
            },
            tasks);
        break;
      }
      case Need::kNow:
        break;  // once the period's enquiry figures are in, below
    }
  }
  RunAll(tasks, options_.fan_out);

  // What is open and overdue now, for a settled period whose enquiry figures came.
  std::vector<std::function<void()>> now_tasks;
  for (size_t i = 0; i < wanted.size(); ++i) {
    const Wanted& w = wanted[i];
    SchoolWork* sw = w.school;
    if (w.need != Need::kNow || !sw->report.enquiries) continue;
    const std::string id = w.key.school_id;
    Plan<EnquiryStats>(
        cached, w.key, w.settled, kept[i], [=] { return sources->Enquiries(id, now - absl::Seconds(1), now, timeout); },
        [=](absl::StatusOr<Fetched<EnquiryStats>> got) {
          if (!got.ok()) {
            sw->Missing(Source::kEscalation, "open and overdue now",
                        MissingReason(Source::kEscalation, got.status(), timeout));
            sw->report.now_missing = true;
            return;
          }
          sw->report.enquiries->open_now = got->stats.open_now;
          sw->report.enquiries->overdue_now = got->stats.overdue_now;
        },
        now_tasks);
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
