// report_bench: the trust report for 20 schools over a term. A generated trust
// (common/directory/testing/generated_trust.h: St Mary's calendar, autumn term 2025-09-03 to
// 2025-12-19) is imported through parley-contacts; conduct, escalation, notifications, appointments
// and parley-reporting run as the built binaries, each on its own database. Set-up opens
// --enquiries per school through escalation's OpenEnquiry, received over the autumn term 2025 (so
// the sources' SQL does real work), and a few incidents per school through conduct.
//
// Measured through GetTrustReport("2025-autumn", every school, grouped by channel, category, rung
// and week), with reporting started with PARLEY_REPORT_FRESH_FOR=1h:
//   - cold: figure_cache truncated in reporting's database before each call (p50, max);
//   - warm: repeated calls with the cache full (p50, p99);
//   - the fan-out: the same GetSchoolStats calls the service makes (per school: escalation,
//     conduct, appointments and notifications over the term, escalation per week of the term, then
//     escalation's "now" look as the term has settled), made directly from here with as many in
//     flight as the service (PARLEY_REPORT_FAN_OUT, 16) — its share of the cold report;
//   - the reference: one GetSchoolStats of each source for one school over the term, one at a time.
// Prints figures only; the target (≤ 2 s cold, ≤ 50 ms warm) is printed beside them, never asserted.
//
//   PARLEY_BENCH_PG_DSN="host=127.0.0.1 port=... user=postgres dbname=postgres"
//   PARLEY_BENCH_REDIS_ADDR=127.0.0.1:... build/bench/reporting/report_bench [--enquiries 50]
#include <algorithm>
#include <atomic>
#include <cstdio>
#include <cstdlib>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <thread>
#include <utility>
#include <vector>

#include "CLI/CLI.hpp"
#include "absl/strings/str_cat.h"
#include "absl/time/civil_time.h"
#include "absl/time/clock.h"
#include "absl/time/time.h"
#include "bench/common/admin.h"
#include "common/directory/testing/generated_trust.h"
#include "common/grpc/timestamp.h"
#include "google/protobuf/util/json_util.h"
#include "parley/appointments/v1/appointments_service.grpc.pb.h"
#include "parley/conduct/v1/conduct_service.grpc.pb.h"
#include "parley/escalation/v1/escalation_service.grpc.pb.h"
#include "parley/notifications/v1/notifications_service.grpc.pb.h"
#include "parley/reporting/v1/reporting_service.grpc.pb.h"
#include "pqxx/pqxx"
#include "services/contacts/api/convert.h"
#include "tests/e2e/e2e_support.h"
#include "tests/e2e/trust_under_test.h"

namespace parley::bench {
namespace {

namespace av1 = ::parley::appointments::v1;
namespace cv1 = ::parley::conduct::v1;
namespace ev1 = ::parley::escalation::v1;
namespace nv1 = ::parley::notifications::v1;
namespace rv1 = ::parley::reporting::v1;
using e2e::Service;

constexpr int kSchools = 20;
constexpr int kFanOut = 16;             // the service's default PARLEY_REPORT_FAN_OUT
constexpr int kIncidentsPerSchool = 5;  // a few, so conduct's SQL has rows
constexpr char kPeriod[] = "2025-autumn";

double Ms(absl::Duration d) { return absl::ToDoubleMilliseconds(d); }

absl::Duration Percentile(std::vector<absl::Duration> v, double p) {
  if (v.empty()) return absl::ZeroDuration();
  std::sort(v.begin(), v.end());
  return v[std::min(v.size() - 1, static_cast<size_t>(p * static_cast<double>(v.size())))];
}

// Runs every task with at most `in_flight` at once (as the service's RunAll does).
void RunAll(const std::vector<std::function<void()>>& tasks, int in_flight) {
  std::atomic<size_t> next{0};
  std::vector<std::thread> workers;
  for (int i = 0; i < in_flight; ++i) {
    workers.emplace_back([&] {
      for (size_t t = next++; t < tasks.size(); t = next++) tasks[t]();
    });
  }
  for (std::thread& w : workers) w.join();
}

// One stats call: a school over [start, end).
struct StatsCall {
  enum class Source { kEscalation, kConduct, kAppointments, kNotifications };
  Source source;
  std::string school;  // "schools/{id}"
  absl::Time start;
  absl::Time end;
};

class Bench {
 public:
  Bench(std::unique_ptr<e2e::TrustUnderTest> trust, directory::Directory directory)
      : trust_(std::move(trust)),
        directory_(std::move(directory)),
        reporting_(rv1::ReportingService::NewStub(trust_->Channel(Service::kReporting))),
        escalation_(ev1::EscalationService::NewStub(trust_->Channel(Service::kEscalation))),
        conduct_(cv1::ConductService::NewStub(trust_->Channel(Service::kConduct))),
        appointments_(av1::AppointmentsService::NewStub(trust_->Channel(Service::kAppointments))),
        notifications_(nv1::NotificationsService::NewStub(trust_->Channel(Service::kNotifications))),
        leader_(trust_->Mint({"trust_leader"}, {}, "ceo@trust", absl::Hours(2))) {}

  // `enquiries` per school received over the autumn term, and kIncidentsPerSchool incidents; the
  // schools in parallel. Returns what was made, or -1 on the first failure.
  int MakeActivity(int enquiries) {
    const absl::Time term_start = absl::FromCivil(absl::CivilDay(2025, 9, 3), London());
    const absl::Duration term = absl::FromCivil(absl::CivilDay(2025, 12, 19), London()) - term_start;
    std::atomic<int> made{0};
    std::atomic<bool> failed{false};
    std::vector<std::function<void()>> tasks;
    for (const auto& [school_id, school] : directory_.schools) {
      std::vector<std::pair<std::string, std::string>> families;  // (guardian, pupil) resource names
      for (const auto& [guardian_id, g] : directory_.guardians) {
        for (const directory::PupilLink& link : g.pupils) {
          if (link.school_id != school_id || link.court_order) continue;
          families.emplace_back(absl::StrCat("guardians/", guardian_id),
                                absl::StrCat("schools/", school_id, "/pupils/", link.pupil_id));
        }
        if (families.size() >= 40) break;
      }
      const std::string id = school_id;
      tasks.push_back([&, id, families] {
        if (families.empty()) {
          failed = true;
          return;
        }
        const std::string office = trust_->Mint({"office"}, {id}, "office@" + id, absl::Minutes(30));
        const std::string leader = trust_->Mint({"senior_leader"}, {id}, "head@" + id, absl::Minutes(30));
        for (int i = 0; i < enquiries && !failed; ++i) {
          const auto& [guardian, pupil] = families[static_cast<size_t>(i) % families.size()];
          ev1::OpenEnquiryRequest req;
          req.set_parent("schools/" + id);
          ev1::Enquiry* e = req.mutable_enquiry();
          e->set_pupil(pupil);
          e->set_guardian(guardian);
          e->set_channel(i % 3 == 0 ? ev1::CHANNEL_PHONE : ev1::CHANNEL_EMAIL);
          e->set_category(i % 4 == 0 ? "attendance" : "learning");
          *e->mutable_receive_time() = ToTimestamp(term_start + term * (static_cast<double>(i) / enquiries));
          e->set_subject(absl::StrCat("Benchmark enquiry ", i));
          req.set_request_id(e2e::NewUuid());
          ev1::Enquiry out;
          const grpc::Status s =
              e2e::CallAs(*escalation_, office, &ev1::EscalationService::Stub::OpenEnquiry, req, &out);
          if (!s.ok()) {
            std::fprintf(stderr, "OpenEnquiry at %s failed: %s\n", id.c_str(), s.error_message().c_str());
            failed = true;
            return;
          }
          ++made;
        }
        for (int i = 0; i < kIncidentsPerSchool && !failed; ++i) {
          cv1::CreateIncidentRequest req;
          req.set_parent("schools/" + id);
          req.mutable_incident()->set_guardian(families[static_cast<size_t>(i) % families.size()].first);
          req.mutable_incident()->set_kind(cv1::INCIDENT_KIND_SHOUTING);
          req.mutable_incident()->set_channel(cv1::CHANNEL_PHONE);
          *req.mutable_incident()->mutable_occur_time() = ToTimestamp(term_start + term * (0.1 + 0.15 * i));
          req.set_request_id(e2e::NewUuid());
          cv1::Incident out;
          const grpc::Status s = e2e::CallAs(*conduct_, leader, &cv1::ConductService::Stub::CreateIncident, req, &out);
          if (!s.ok()) {
            std::fprintf(stderr, "CreateIncident at %s failed: %s\n", id.c_str(), s.error_message().c_str());
            failed = true;
            return;
          }
          ++made;
        }
      });
    }
    RunAll(tasks, 4);
    return failed ? -1 : made.load();
  }

  // One GetTrustReport; its time, or nothing when it failed. Keeps the last report.
  std::optional<absl::Duration> Report() {
    rv1::GetTrustReportRequest req;
    req.set_period(kPeriod);
    for (rv1::GroupBy g : {rv1::GROUP_BY_CHANNEL, rv1::GROUP_BY_CATEGORY, rv1::GROUP_BY_RUNG, rv1::GROUP_BY_WEEK}) {
      req.add_group_by(g);
    }
    rv1::TrustReport out;
    const absl::Time start = absl::Now();
    const grpc::Status s = e2e::CallAs(*reporting_, leader_, &rv1::ReportingService::Stub::GetTrustReport, req, &out);
    const absl::Duration took = absl::Now() - start;
    if (!s.ok()) {
      std::fprintf(stderr, "GetTrustReport failed: %s\n", s.error_message().c_str());
      return std::nullopt;
    }
    if (out.partial()) ++partial_;
    last_ = std::move(out);
    return took;
  }

  void EmptyCache() {
    const absl::Status s = AdminSql(trust_->Dsn(Service::kReporting), "TRUNCATE figure_cache");
    if (!s.ok()) std::fprintf(stderr, "TRUNCATE figure_cache failed: %s\n", s.ToString().c_str());
  }

  // The calls the service makes for the last report, in its two phases (the term's and weeks'
  // figures, then the "now" look of each school whose term has settled).
  std::pair<std::vector<StatsCall>, std::vector<StatsCall>> FanOut() const {
    std::vector<StatsCall> main, now_calls;
    const absl::Time now = absl::Now();
    for (const rv1::SchoolReport& s : last_.schools()) {
      const absl::Time start = FromTimestamp(s.period().start_time());
      const absl::Time end = FromTimestamp(s.period().end_time());
      for (auto source : {StatsCall::Source::kEscalation, StatsCall::Source::kConduct, StatsCall::Source::kAppointments,
                          StatsCall::Source::kNotifications}) {
        main.push_back({source, s.school(), start, end});
      }
      // Weeks touched by the term, each cut at its edges (the service's WeeksOf).
      absl::CivilDay first = absl::ToCivilDay(start, London());
      const absl::CivilDay last = absl::ToCivilDay(end, London()) - 1;
      while (first <= last) {
        absl::CivilDay monday = first;
        while (absl::GetWeekday(monday) != absl::Weekday::monday) monday = monday - 1;
        const absl::CivilDay week_last = std::min(last, monday + 6);
        main.push_back({StatsCall::Source::kEscalation, s.school(), absl::FromCivil(first, London()),
                        absl::FromCivil(week_last + 1, London())});
        first = week_last + 1;
      }
      if (s.period().closed()) {
        now_calls.push_back({StatsCall::Source::kEscalation, s.school(), now - absl::Seconds(1), now});
      }
    }
    return {main, now_calls};
  }

  // Every call of `calls` with kFanOut in flight; the wall time, failures counted in `failed`.
  absl::Duration Direct(const std::vector<StatsCall>& calls, std::atomic<int>& failed) {
    std::vector<std::function<void()>> tasks;
    for (const StatsCall& c : calls) {
      tasks.push_back([this, &c, &failed] {
        if (!Call(c).ok()) ++failed;
      });
    }
    const absl::Time start = absl::Now();
    RunAll(tasks, kFanOut);
    return absl::Now() - start;
  }

  grpc::Status Call(const StatsCall& c) {
    switch (c.source) {
      case StatsCall::Source::kEscalation: {
        ev1::SchoolStats out;
        return e2e::CallAs(*escalation_, leader_, &ev1::EscalationService::Stub::GetSchoolStats,
                           Request<ev1::GetSchoolStatsRequest>(c), &out);
      }
      case StatsCall::Source::kConduct: {
        cv1::SchoolStats out;
        return e2e::CallAs(*conduct_, leader_, &cv1::ConductService::Stub::GetSchoolStats,
                           Request<cv1::GetSchoolStatsRequest>(c), &out);
      }
      case StatsCall::Source::kAppointments: {
        av1::SchoolStats out;
        return e2e::CallAs(*appointments_, leader_, &av1::AppointmentsService::Stub::GetSchoolStats,
                           Request<av1::GetSchoolStatsRequest>(c), &out);
      }
      case StatsCall::Source::kNotifications: {
        nv1::SchoolStats out;
        return e2e::CallAs(*notifications_, leader_, &nv1::NotificationsService::Stub::GetSchoolStats,
                           Request<nv1::GetSchoolStatsRequest>(c), &out);
      }
    }
    return grpc::Status(grpc::StatusCode::INTERNAL, "unknown source");
  }

  const rv1::TrustReport& last() const { return last_; }
  int partial() const { return partial_; }

 private:
  static absl::TimeZone London() {
    absl::TimeZone tz;
    absl::LoadTimeZone("Europe/London", &tz);
    return tz;
  }

  template <typename Req>
  static Req Request(const StatsCall& c) {
    Req req;
    req.set_school(c.school);
    *req.mutable_start_time() = ToTimestamp(c.start);
    *req.mutable_end_time() = ToTimestamp(c.end);
    return req;
  }

  std::unique_ptr<e2e::TrustUnderTest> trust_;
  directory::Directory directory_;
  std::unique_ptr<rv1::ReportingService::Stub> reporting_;
  std::unique_ptr<ev1::EscalationService::Stub> escalation_;
  std::unique_ptr<cv1::ConductService::Stub> conduct_;
  std::unique_ptr<av1::AppointmentsService::Stub> appointments_;
  std::unique_ptr<nv1::NotificationsService::Stub> notifications_;
  const std::string leader_;
  rv1::TrustReport last_;
  int partial_ = 0;
};

const char* SourceName(StatsCall::Source s) {
  switch (s) {
    case StatsCall::Source::kEscalation:
      return "escalation";
    case StatsCall::Source::kConduct:
      return "conduct";
    case StatsCall::Source::kAppointments:
      return "appointments";
    case StatsCall::Source::kNotifications:
      return "notifications";
  }
  return "?";
}

int Run(int enquiries, int cold_rounds, int warm_calls) {
  const char* pg = std::getenv("PARLEY_BENCH_PG_DSN");
  const char* redis = std::getenv("PARLEY_BENCH_REDIS_ADDR");
  if (pg == nullptr || redis == nullptr) {
    std::fprintf(stderr, "set PARLEY_BENCH_PG_DSN and PARLEY_BENCH_REDIS_ADDR\n");
    return 2;
  }
  setenv("PARLEY_TEST_PG_DSN", pg, 1);  // where TrustUnderTest makes the services' databases
  directory::Directory directory = directory::testing::GeneratedTrust(kSchools, 30, 300, 450);
  // The generated calendar ends with the 2025-26 year; the services open today's enquiries in
  // today's working time, so every school also gets the next year's first two terms.
  for (auto& [id, school] : directory.schools) {
    school.school.calendar.terms.push_back({absl::CivilDay(2026, 9, 2), absl::CivilDay(2026, 12, 18), "Autumn 2026"});
    school.school.calendar.terms.push_back({absl::CivilDay(2027, 1, 4), absl::CivilDay(2027, 3, 26), "Spring 2027"});
  }
  std::string trust_json;
  if (!google::protobuf::util::MessageToJsonString(contacts::DirectoryToProto(directory), &trust_json).ok()) {
    std::fprintf(stderr, "the generated trust did not convert to JSON\n");
    return 1;
  }
  e2e::TrustOptions options("repbench", e2e::WriteTemp("repbench-trust.json", trust_json), PARLEY_CONTACTS_BINARY,
                            PARLEY_CONDUCT_BINARY, PARLEY_ESCALATION_BINARY);
  options.notifications_binary = PARLEY_NOTIFICATIONS_BINARY;
  options.extra_env[Service::kNotifications] = {{"PARLEY_SMTP_URL", "smtp://127.0.0.1:9"},
                                                {"PARLEY_SMTP_FROM", "office@parley.invalid"}};
  options.appointments_binary = PARLEY_APPOINTMENTS_BINARY;
  options.reporting_binary = PARLEY_REPORTING_BINARY;
  // Warm means warm: open-period figures kept for the whole run. A generous deadline per source
  // call, so a slow call shows in the time rather than as a partial report.
  options.extra_env[Service::kReporting] = {{"PARLEY_REPORT_FRESH_FOR", "1h"}, {"PARLEY_REPORT_SOURCE_TIMEOUT", "10s"}};
  options.redis_addr = redis;
  const absl::Time started = absl::Now();
  absl::StatusOr<std::unique_ptr<e2e::TrustUnderTest>> trust = e2e::TrustUnderTest::Start(options);
  if (!trust.ok()) {
    std::fprintf(stderr, "starting the services failed: %s\n", trust.status().ToString().c_str());
    return 1;
  }
  Bench bench(std::move(*trust), std::move(directory));
  const absl::Time made_at = absl::Now();
  const int made = bench.MakeActivity(enquiries);
  if (made < 0) return 1;
  std::printf(
      "report_bench: trust report for %d generated schools over %s (group_by channel, category, rung, week); "
      "%d enquiries and %d incidents per school made in %.0f s (services up in %.0f s); %s\n",
      kSchools, kPeriod, enquiries, kIncidentsPerSchool, absl::ToDoubleSeconds(absl::Now() - made_at),
      absl::ToDoubleSeconds(made_at - started), LoadAverage().c_str());
  // Let escalation's timers for the past clocks fire before measuring (they breach at once).
  absl::SleepFor(absl::Seconds(5));

  // The reference: one call at a time, one school, the term.
  if (!bench.Report()) return 1;
  const auto [main_calls, now_calls] = bench.FanOut();
  std::printf("  reference: single GetSchoolStats over the term, one at a time, p50 of 20:");
  for (size_t i = 0; i < 4; ++i) {
    std::vector<absl::Duration> took;
    for (int n = 0; n < 20; ++n) {
      const absl::Time start = absl::Now();
      if (!bench.Call(main_calls[i]).ok()) break;
      took.push_back(absl::Now() - start);
    }
    std::printf(" %s %.1f ms%s", SourceName(main_calls[i].source), Ms(Percentile(took, 0.5)), i < 3 ? "," : "\n");
  }

  // Cold.
  std::vector<absl::Duration> cold, direct;
  int failed_reports = 0;
  for (int round = 0; round < cold_rounds; ++round) {
    bench.EmptyCache();
    if (auto took = bench.Report()) {
      cold.push_back(*took);
    } else {
      ++failed_reports;
    }
    std::atomic<int> failed{0};
    direct.push_back(bench.Direct(main_calls, failed) + bench.Direct(now_calls, failed));
    if (failed > 0) std::printf("  (direct fan-out round %d: %d calls failed)\n", round + 1, failed.load());
  }
  // Warm.
  std::vector<absl::Duration> warm;
  for (int i = 0; i < warm_calls; ++i) {
    if (auto took = bench.Report()) {
      warm.push_back(*took);
    } else {
      ++failed_reports;
    }
  }
  std::sort(cold.begin(), cold.end());
  const absl::Duration cold_p50 = Percentile(cold, 0.5);
  const absl::Duration direct_p50 = Percentile(direct, 0.5);
  std::printf("  target: <= 2 s cold, <= 50 ms warm\n");
  std::printf("  %-44s %10s %10s\n", "", "p50", "max/p99");
  std::printf("  %-44s %7.0f ms %7.0f ms\n", absl::StrCat("cold report (", cold.size(), " rounds)").c_str(),
              Ms(cold_p50), Ms(cold.empty() ? absl::ZeroDuration() : cold.back()));
  std::printf(
      "  %-44s %7.0f ms %7.0f ms\n",
      absl::StrCat("direct fan-out: ", main_calls.size(), "+", now_calls.size(), " calls, ", kFanOut, " in flight")
          .c_str(),
      Ms(direct_p50), Ms(Percentile(direct, 1.0)));
  std::printf("  %-44s %7.1f ms %7.1f ms\n", absl::StrCat("warm report (", warm.size(), " calls)").c_str(),
              Ms(Percentile(warm, 0.5)), Ms(Percentile(warm, 0.99)));
  std::printf("  fan-out share of the cold report (p50/p50): %.0f%%\n",
              cold_p50 > absl::ZeroDuration() ? 100 * Ms(direct_p50) / Ms(cold_p50) : 0.0);
  std::printf("  reports: %d schools, %lld received in total, %d partial, %d failed (%s)\n",
              bench.last().schools_size(), static_cast<long long>(bench.last().totals().received()), bench.partial(),
              failed_reports, LoadAverage().c_str());
  return 0;
}

}  // namespace
}  // namespace parley::bench

int main(int argc, char** argv) {
  CLI::App app{"the trust report for 20 schools over a term through parley-reporting's gRPC API"};
  int enquiries = 50;
  int cold_rounds = 5;
  int warm_calls = 200;
  app.add_option("--enquiries", enquiries, "enquiries opened per school over the term");
  app.add_option("--cold-rounds", cold_rounds, "cold reports (cache emptied before each)");
  app.add_option("--warm-calls", warm_calls, "warm reports (cache full)");
  CLI11_PARSE(app, argc, argv);
  return parley::bench::Run(enquiries, cold_rounds, warm_calls);
}
